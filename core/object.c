/* object.c — one mapped row in memory: values, dirty tracking, the snapshot
 * of committed values, and reference counting. A loaded row is one block:
 * the object, its values and their text/blob bytes (borrowed values), from
 * its session's arena (slab.h), which it keeps alive until it is freed. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "relation_state.h"
#include "session_int.h"

/* A block of size bytes for an object, from slab (or malloc when NULL),
 * its head set (values not set). */
static orm_object *new_block(const orm_table *t, size_t size, orm_slab *slab)
{
    if (size > UINT32_MAX) return NULL;
    /* not calloc: glibc's calloc skips the thread cache */
    orm_object *o = slab ? orm_slab_alloc(slab, size) : malloc(size);
    if (o == NULL) return NULL;
    memset(o, 0, sizeof *o);
    o->table = t;
    o->refs = 1;
    o->state = ORM_OBJ_TRANSIENT;
    o->slab = slab;
    o->asize = (uint32_t)size;
    return o;
}

orm_object *orm_object_new_in(const orm_table *t, orm_session *s)
{
    size_t size = sizeof(orm_object) + (size_t)t->ncols * sizeof(orm_value);
    orm_object *o = new_block(t, size, s ? s->slab : NULL);
    if (o == NULL) return NULL;
    memset(o->values, 0, (size_t)t->ncols * sizeof(orm_value)); /* all NULL */
    return o;
}

orm_object *orm_object_new(const orm_table *t)
{
    return orm_object_new_in(t, NULL);
}

orm_object *orm_object_new_row(const orm_table *t, orm_value *vals, orm_slab *slab)
{
    int n = t->ncols;
    size_t head = sizeof(orm_object) + (size_t)n * sizeof(orm_value), size = head;
    for (int i = 0; i < n; i++)
        if (vals[i].type == ORM_V_TEXT || vals[i].type == ORM_V_BLOB) size += vals[i].len + 1;
    orm_object *o = new_block(t, size, slab);
    if (o == NULL) return NULL;
    char *p = (char *)o + head;
    for (int i = 0; i < n; i++) {
        orm_value *v = &vals[i];
        if (v->type == ORM_V_TEXT || v->type == ORM_V_BLOB) {
            if (v->len) memcpy(p, v->u.s, v->len);
            p[v->len] = '\0';
            o->values[i] = (orm_value){.type = v->type, .borrowed = 1, .len = v->len, .u.s = p};
            p += v->len + 1;
            orm_value_clear(v);
        } else {
            o->values[i] = *v;
            *v = ORM_VALUE_NULL;
        }
    }
    return o;
}

orm_object *orm_object_retain(orm_object *o)
{
    if (o) o->refs++;
    return o;
}

static void object_free(orm_object *o)
{
    if (o->rels) orm_rel_slots_clear(o);
    orm_object_clear_links(o);
    if (o->in_identity && o->session) orm_identity_remove(&o->session->identity, o);
    for (int i = 0; i < o->table->ncols; i++)
        orm_value_clear(&o->values[i]);
    orm_object_drop_snapshot(o);
    orm_object_drop_dbkey(o);
    if (o->slab)
        orm_slab_free(o->slab, o, o->asize);
    else
        free(o);
}

void orm_object_drop_dbkey(orm_object *o)
{
    if (o->dbkey == NULL) return;
    for (int i = 0; i < o->table->npk; i++)
        orm_value_clear(&o->dbkey[i]);
    free(o->dbkey);
    o->dbkey = NULL;
}

int orm_object_keep_dbkey(orm_object *o, const orm_value *key)
{
    if (o->dbkey) return ORM_OK;
    const orm_table *t = o->table;
    orm_value *k = calloc((size_t)t->npk, sizeof *k);
    if (k == NULL) return ORM_ENOMEM;
    for (int i = 0; i < t->npk; i++) {
        const orm_value *src = key ? &key[t->pk[i]] : &o->values[t->pk[i]];
        if (orm_value_copy(&k[i], src) != ORM_OK) {
            for (int j = 0; j < i; j++)
                orm_value_clear(&k[j]);
            free(k);
            return ORM_ENOMEM;
        }
    }
    o->dbkey = k;
    return ORM_OK;
}

void orm_object_release(orm_object *o)
{
    if (o == NULL) return;
    if (--o->refs > 0) return;
    object_free(o);
}

int orm_object_snapshot(orm_object *o)
{
    if (o->committed) return ORM_OK;
    int n = o->table->ncols;
    orm_value *snap = calloc((size_t)n, sizeof *snap);
    if (snap == NULL) return ORM_ENOMEM;
    for (int i = 0; i < n; i++) {
        if (orm_value_copy(&snap[i], &o->values[i]) != ORM_OK) {
            for (int j = 0; j < i; j++)
                orm_value_clear(&snap[j]);
            free(snap);
            return ORM_ENOMEM;
        }
    }
    o->committed = snap;
    return ORM_OK;
}

void orm_object_drop_snapshot(orm_object *o)
{
    if (o->committed == NULL) return;
    for (int i = 0; i < o->table->ncols; i++)
        orm_value_clear(&o->committed[i]);
    free(o->committed);
    o->committed = NULL;
}

void orm_object_restore(orm_object *o)
{
    if (o->committed == NULL) return;
    for (int i = 0; i < o->table->ncols; i++) {
        orm_value_clear(&o->values[i]);
        o->values[i] = o->committed[i];
    }
    free(o->committed);
    o->committed = NULL;
    orm_object_drop_dbkey(o); /* the committed key is the database's again */
}

void orm_object_reset_generated_pk(orm_object *o)
{
    if (!o->pk_generated) return;
    if (o->table->autoinc_col >= 0) orm_value_clear(&o->values[o->table->autoinc_col]);
    o->pk_generated = 0;
}

int orm_object_set(orm_object *o, int col, orm_value *v)
{
    orm_session *s = o->session;
    if (o->table->cols[col].primary_key && o->state == ORM_OBJ_PERSISTENT &&
        !orm_value_equal(v, &o->values[col])) {
        /* the row keeps its key until the flush: remember it for the WHERE */
        int rc = s && s->nsavepoints > 0 ? ORM_EMISUSE : orm_object_keep_dbkey(o, NULL);
        if (rc != ORM_OK) {
            orm_value_clear(v);
            return rc;
        }
    }
    if (s && o->state == ORM_OBJ_PERSISTENT && !o->inserted_in_txn && o->committed == NULL &&
        orm_object_snapshot(o) != ORM_OK) {
        orm_value_clear(v);
        return ORM_ENOMEM;
    }
    if (s && !o->touched && orm_session_touch(s, o) != ORM_OK) {
        orm_value_clear(v);
        return ORM_ENOMEM;
    }
    if (col == o->table->autoinc_col) o->pk_generated = 0;
    orm_value_move(&o->values[col], v);
    o->dirty |= (uint64_t)1 << col;
    o->txn_dirty |= (uint64_t)1 << col;
    return ORM_OK;
}

void orm_object_clear_links(orm_object *o)
{
    orm_link *links = o->links;
    int n = o->nlinks;
    o->links = NULL;
    o->nlinks = 0;
    for (int i = 0; i < n; i++)
        if (links[i].src != o) orm_object_release(links[i].src); /* a self link holds none */
    free(links);
}

orm_object *orm_object_link_src(const orm_object *o, int col)
{
    for (int i = 0; i < o->nlinks; i++)
        if (o->links[i].col == col) return o->links[i].src;
    return NULL;
}

static void unlink_col(orm_object *o, int col)
{
    for (int i = 0; i < o->nlinks; i++) {
        if (o->links[i].col != col) continue;
        if (o->links[i].src != o) orm_object_release(o->links[i].src);
        o->links[i] = o->links[--o->nlinks];
        return;
    }
}

int orm_object_link(orm_object *o, int col, orm_object *src, int src_col)
{
    unlink_col(o, col);
    orm_value v = ORM_VALUE_NULL;
    if (src == NULL) return orm_object_set(o, col, &v);
    if (src->values[src_col].type != ORM_V_NULL) {
        if (orm_value_copy(&v, &src->values[src_col]) != ORM_OK) return ORM_ENOMEM;
        if (!orm_value_equal(&v, &o->values[col]) || o->values[col].type == ORM_V_NULL) {
            if (orm_object_set(o, col, &v) != ORM_OK) return ORM_ENOMEM;
        } else {
            orm_value_clear(&v);
        }
    }
    orm_link *links = realloc(o->links, (size_t)(o->nlinks + 1) * sizeof *links);
    if (links == NULL) return ORM_ENOMEM;
    o->links = links;
    links[o->nlinks].col = col;
    links[o->nlinks].src_col = src_col;
    /* a link to itself (a node that is its own parent) holds no reference:
     * one would keep the object alive forever */
    links[o->nlinks].src = src == o ? src : orm_object_retain(src);
    o->nlinks++;
    if (o->session && !o->touched) return orm_session_touch(o->session, o);
    return ORM_OK;
}

/* Copies each linked value that changed; used by flush before writing o. */
int orm_object_apply_links(orm_object *o)
{
    for (int i = 0; i < o->nlinks; i++) {
        const orm_link *l = &o->links[i];
        const orm_value *src = &l->src->values[l->src_col];
        if (src->type == ORM_V_NULL || orm_value_equal(src, &o->values[l->col])) continue;
        orm_value v;
        if (orm_value_copy(&v, src) != ORM_OK) return ORM_ENOMEM;
        if (o->state == ORM_OBJ_PENDING) {
            orm_value_move(&o->values[l->col], &v);
        } else {
            int rc = orm_object_set(o, l->col, &v); /* ORM_EMISUSE: a key inside a savepoint */
            if (rc != ORM_OK) return rc;
        }
    }
    return ORM_OK;
}
