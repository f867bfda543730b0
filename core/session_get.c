/* session_get.c — one object by primary key: session:get (the identity map
 * first, then a SELECT by key compiled once per table), peek, refresh and
 * reloading chosen columns of a persistent object. */
#include <stdlib.h>

#include "compile.h"
#include "session_int.h"

/* The SELECT of one row by primary key, compiled once per table. */
static const char *pk_select_sql(orm_session *s, const orm_table *t)
{
    for (int i = 0; i < s->npk_sql; i++)
        if (s->pk_sql[i].table == t) return s->pk_sql[i].sql;
    orm_buf sql = ORM_BUF_INIT;
    if (orm_compile_select_by_pk(orm_conn_dialect(s->conn), t, &sql) < 0 || sql.oom) {
        orm_buf_free(&sql);
        return NULL;
    }
    struct pk_sql *grown = realloc(s->pk_sql, (size_t)(s->npk_sql + 1) * sizeof *grown);
    if (grown == NULL) {
        orm_buf_free(&sql);
        return NULL;
    }
    s->pk_sql = grown;
    grown[s->npk_sql].table = t;
    grown[s->npk_sql].sql = orm_buf_detach(&sql);
    return grown[s->npk_sql++].sql;
}

static int select_by_pk(orm_session *s, const orm_table *t, const orm_value *const *key,
                        orm_cursor **out)
{
    const char *sql = pk_select_sql(s, t);
    if (sql == NULL) return orm_error_oom(&s->err);
    return orm_cursor_open(s, sql, key, (size_t)t->npk, out);
}

orm_object *orm_session_peek(orm_session *s, const orm_table *t, const orm_value *const *key)
{
    return orm_identity_find(&s->identity, t, key, orm_identity_hash(t, key));
}

int orm_session_get(orm_session *s, const orm_table *t, const orm_value *pk, orm_object **out)
{
    *out = NULL;
    orm_error_clear(&s->err);
    const orm_value *key[ORM_MAX_COLUMNS];
    for (int i = 0; i < t->npk; i++)
        key[i] = &pk[i];
    orm_object *o = orm_identity_find(&s->identity, t, key, orm_identity_hash(t, key));
    if (o) {
        if (!o->marked_delete) *out = orm_object_retain(o);
        return ORM_OK;
    }
    orm_cursor *c;
    int rc = select_by_pk(s, t, key, &c);
    if (rc < 0) return rc;
    rc = orm_cursor_step(c);
    if (rc == ORM_ROW) rc = orm_cursor_object(c, t, 0, out);
    orm_cursor_close(c);
    return rc < 0 ? rc : ORM_OK;
}

int orm_session_reload_columns(orm_session *s, orm_object *o, uint64_t mask)
{
    const orm_table *t = o->table;
    const orm_value *key[ORM_MAX_COLUMNS];
    for (int i = 0; i < t->npk; i++)
        key[i] = &o->values[t->pk[i]];
    orm_cursor *c;
    int rc = select_by_pk(s, t, key, &c);
    if (rc < 0) return rc;
    rc = orm_cursor_step(c);
    int found = rc == ORM_ROW;
    for (int i = 0; rc == ORM_ROW && i < t->ncols; i++) {
        if (!(mask & ((uint64_t)1 << i))) continue;
        orm_value v;
        if (orm_cursor_value(c, i, &v) < 0) {
            rc = ORM_EFAIL;
            break;
        }
        orm_value_move(&o->values[i], &v);
    }
    orm_cursor_close(c);
    return rc < 0 ? rc : found ? ORM_OK : ORM_DONE;
}

int orm_session_refresh(orm_session *s, orm_object *o)
{
    orm_error_clear(&s->err);
    const orm_table *t = o->table;
    if (o->session != s || o->state != ORM_OBJ_PERSISTENT)
        return orm_error_set(&s->err, ORM_ERR_ARGUMENT, 0,
                             "%s object is not persistent in this session", t->name);
    /* as SQLAlchemy's refresh (it expires first): the object's unflushed
     * changes are dropped, not written by the autoflush of the SELECT */
    o->dirty = 0;
    if (o->dbkey) {
        for (int i = 0; i < t->npk; i++)
            orm_value_move(&o->values[t->pk[i]], &o->dbkey[i]);
        orm_object_drop_dbkey(o);
    }
    int rc = orm_session_reload_columns(s, o, ~(uint64_t)0);
    if (rc == ORM_DONE)
        return orm_error_set(&s->err, ORM_ERR_NORESULT, 0, "could not refresh %s: its row is gone",
                             t->name);
    if (rc < 0) return rc;
    o->dirty = 0;
    return ORM_OK;
}
