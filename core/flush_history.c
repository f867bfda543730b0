/* flush_history.c — history copies a chunk of rows ahead of the flush's
 * UPDATEs and DELETEs (see flush_history.h). The rows of a chunk are the
 * table's next rows in the order the flush writes them; each is copied as
 * the database has it before the flush's statements of that chunk, which
 * is what a copy just before each statement reads too: none of those
 * statements changes another row of the table, unless a foreign key of the
 * table has an ON UPDATE / ON DELETE action (such tables: row by row). */
#include "flush_history.h"

#include <assert.h>
#include <stdlib.h>
#include <strings.h>

#include "history_table.h"

struct orm_flush_chunk {
    const orm_table *table;
    const orm_object **objs; /* borrowed; capacity orm_history_batch_rows */
    int n, next;             /* rows copied; rows written so far */
    orm_history_batch batch; /* the copy statement */
};

void orm_flush_ahead_init(orm_flush_ahead *ah, char kind)
{
    assert(kind == 'u' || kind == 'd');
    ah->chunks = NULL;
    ah->nchunks = 0;
    ah->kind = kind;
}

/* Whether the flush writes o in this phase (the test of flush.c's loops). */
static int wanted(const orm_flush_ahead *ah, const orm_object *o)
{
    if (o->state != ORM_OBJ_PERSISTENT) return 0;
    return ah->kind == 'u' ? o->dirty && !o->marked_delete : o->marked_delete;
}

/* Whether an UPDATE (or DELETE) of some row can change other rows of t:
 * a foreign key of t with an action for it. */
static int changed_by_others(const orm_flush_ahead *ah, const orm_table *t)
{
    for (int i = 0; i < t->ncols; i++) {
        const orm_fkey *fk = t->cols[i].fk;
        const char *act = fk ? (ah->kind == 'u' ? fk->onupdate : fk->ondelete) : NULL;
        if (act && strcasecmp(act, "NO ACTION") && strcasecmp(act, "RESTRICT")) return 1;
    }
    return 0;
}

static orm_flush_chunk *chunk_for(orm_flush_ahead *ah, const orm_table *t)
{
    for (int i = 0; i < ah->nchunks; i++)
        if (ah->chunks[i].table == t) return &ah->chunks[i];
    orm_flush_chunk *grown = realloc(ah->chunks, (size_t)(ah->nchunks + 1) * sizeof *grown);
    if (!grown) return NULL;
    ah->chunks = grown;
    orm_flush_chunk *c = &grown[ah->nchunks++];
    c->table = t;
    c->objs = NULL;
    c->n = c->next = 0;
    c->batch = (orm_history_batch){ORM_BUF_INIT, 0};
    return c;
}

/* Gathers the chunk starting at s->touched[i] (running the before_update
 * hooks) and copies its rows. */
static int copy_chunk(orm_session *s, orm_flush_ahead *ah, orm_flush_chunk *c, size_t i)
{
    const orm_table *t = c->table;
    int max = orm_history_batch_rows(s, t);
    if (!c->objs && !(c->objs = malloc((size_t)max * sizeof *c->objs)))
        return orm_error_oom(&s->err);
    c->n = c->next = 0;
    for (size_t j = i; j < s->ntouched && c->n < max; j++) {
        orm_object *o = s->touched[j];
        if (o->table != t || !wanted(ah, o)) continue;
        if (ah->kind == 'u' && s->hooks.before_update &&
            s->hooks.before_update(s->hooks.ctx, o, &s->err) < 0) {
            c->n = 0;
            orm_session_set_failed(s, o);
            return ORM_EFAIL;
        }
        c->objs[c->n++] = o;
    }
    assert(c->n > 0 && c->objs[0] == s->touched[i]);
    int rc = orm_history_copy_rows(s, t, c->objs, c->n, ah->kind == 'u' ? "update" : "delete",
                                   &c->batch);
    if (rc < 0) {
        c->n = 0;
        orm_session_set_failed(s, s->touched[i]);
    }
    return rc;
}

static int skipped(orm_session *s, const orm_flush_chunk *c)
{
    return orm_error_set(&s->err, ORM_ERR_ERROR, 0,
                         "%s: a row copied to %s was not written (an object changed while the "
                         "flush ran)",
                         c->table->name, c->table->history->name);
}

int orm_flush_ahead_copy(orm_session *s, orm_flush_ahead *ah, size_t i, int *copied)
{
    assert(i < s->ntouched);
    const orm_object *o = s->touched[i];
    assert(o->table->history && wanted(ah, o));
    *copied = 0;
    if (changed_by_others(ah, o->table)) return ORM_OK;
    orm_flush_chunk *c = chunk_for(ah, o->table);
    if (!c) {
        orm_session_set_failed(s, s->touched[i]);
        return orm_error_oom(&s->err);
    }
    if (c->next < c->n) { /* a chunk is under way: o is its next row, or not in it */
        int p = c->next;
        while (p < c->n && c->objs[p] != o)
            p++;
        if (p == c->n) return ORM_OK; /* wanted since the chunk was gathered */
        if (p > c->next) {            /* rows before o were copied, will not be written */
            orm_session_set_failed(s, s->touched[i]);
            return skipped(s, c);
        }
        c->next++;
        *copied = 1;
        return ORM_OK;
    }
    int rc = copy_chunk(s, ah, c, i);
    if (rc < 0) return rc;
    c->next = 1;
    *copied = 1;
    return ORM_OK;
}

int orm_flush_ahead_done(orm_session *s, orm_flush_ahead *ah, int rc)
{
    for (int i = 0; i < ah->nchunks; i++) {
        orm_flush_chunk *c = &ah->chunks[i];
        if (rc >= 0 && c->next < c->n) rc = skipped(s, c);
        free(c->objs);
        orm_history_batch_free(&c->batch);
    }
    free(ah->chunks);
    ah->chunks = NULL;
    ah->nchunks = 0;
    return rc;
}
