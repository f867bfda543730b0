/* flush_plan.c — what the next flush would run, without running it
 * (session:plan()): the same order as flush.c (inserts parents first, rows
 * of a table in the order they were added, updates, deletes children first)
 * and the same compiled SQL, handed to a callback with its parameters. */
#include <assert.h>

#include "compile.h"
#include "dialect.h"
#include "session_int.h"

/* Compiles one statement of kind 'i' (insert), 'u' or 'd' for o and hands
 * it to fn. */
static int plan_one(orm_session *s, orm_object *o, char kind, orm_plan_fn fn, void *ctx)
{
    const orm_table *t = o->table;
    const orm_dialect *d = orm_conn_dialect(s->conn);
    const orm_value *params[ORM_MAX_COLUMNS * 2];
    size_t n = 0;
    uint64_t mask = kind == 'i' ? orm_flush_insert_mask(o) : kind == 'u' ? o->dirty : 0;
    orm_buf sql = ORM_BUF_INIT;
    int rc = kind == 'i'   ? orm_compile_insert(d, t, mask, &sql)
             : kind == 'u' ? orm_compile_update(d, t, mask, &sql)
                           : orm_compile_delete(d, t, &sql);
    if (rc < 0 || sql.oom) {
        orm_buf_free(&sql);
        return orm_error_oom(&s->err);
    }
    for (int i = 0; i < t->ncols; i++)
        if (mask & ((uint64_t)1 << i)) params[n++] = &o->values[i];
    if (kind != 'i')
        for (int i = 0; i < t->npk; i++)
            params[n++] = o->dbkey ? &o->dbkey[i] : &o->values[t->pk[i]];
    assert(n <= sizeof params / sizeof *params);
    rc = fn(ctx, orm_buf_str(&sql), params, n);
    orm_buf_free(&sql);
    return rc;
}

int orm_session_plan(orm_session *s, orm_plan_fn fn, void *ctx)
{
    int rc = orm_session_table_order(s);
    for (int ti = 0; ti < s->norder && rc >= 0; ti++)
        for (size_t i = 0; i < s->ntouched && rc >= 0; i++) {
            orm_object *o = s->touched[i];
            if (o->state == ORM_OBJ_PENDING && o->table == s->order[ti])
                rc = plan_one(s, o, 'i', fn, ctx);
        }
    for (size_t i = 0; i < s->ntouched && rc >= 0; i++) {
        orm_object *o = s->touched[i];
        if (o->state == ORM_OBJ_PERSISTENT && o->dirty && !o->marked_delete)
            rc = plan_one(s, o, 'u', fn, ctx);
    }
    for (int ti = s->norder - 1; ti >= 0 && rc >= 0; ti--)
        for (size_t i = 0; i < s->ntouched && rc >= 0; i++) {
            orm_object *o = s->touched[i];
            if (o->marked_delete && o->state == ORM_OBJ_PERSISTENT && o->table == s->order[ti])
                rc = plan_one(s, o, 'd', fn, ctx);
        }
    return rc < 0 ? rc : ORM_OK;
}
