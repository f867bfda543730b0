/* shard.c — the named shards of a database handle (shard.h). */
#include "shard.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

orm_shardset *orm_shardset_new(void)
{
    return calloc(1, sizeof(orm_shardset));
}

void orm_shardset_free(orm_shardset *ss)
{
    if (ss == NULL) return;
    for (int i = 0; i < ss->n; i++) {
        orm_shard *sh = &ss->v[i];
        if (sh->owned) {
            orm_session_free(sh->session);
            orm_conn_close(sh->conn);
        } else if (sh->conn && sh->conn->echo_tag == sh->tag) {
            sh->conn->echo_tag = NULL; /* the borrowed connection outlives the tag */
        }
        free(sh->name);
        free(sh->tag);
    }
    free(ss->v);
    free(ss);
}

int orm_shardset_add(orm_shardset *ss, const char *name, orm_conn *conn, orm_session *session,
                     int owned, orm_error *err)
{
    assert(ss && name && conn && session);
    orm_shard *v = realloc(ss->v, (size_t)(ss->n + 1) * sizeof *v);
    if (v == NULL) return orm_error_oom(err);
    ss->v = v;
    size_t len = strlen(name);
    char *nm = malloc(len + 1), *tag = malloc(len + 7);
    if (nm == NULL || tag == NULL) {
        free(nm);
        free(tag);
        return orm_error_oom(err);
    }
    memcpy(nm, name, len + 1);
    snprintf(tag, len + 7, "shard %s", name);
    orm_shard *sh = &ss->v[ss->n++];
    sh->name = nm;
    sh->tag = tag;
    sh->conn = conn;
    sh->session = session;
    sh->owned = owned;
    conn->echo_tag = tag;
    return ORM_OK;
}

int orm_shardset_find(const orm_shardset *ss, const char *name)
{
    for (int i = 0; ss && i < ss->n; i++)
        if (strcmp(ss->v[i].name, name) == 0) return i;
    return -1;
}

int orm_shardset_of(const orm_shardset *ss, const orm_session *s)
{
    for (int i = 0; ss && s && i < ss->n; i++)
        if (ss->v[i].session == s) return i;
    return -1;
}
