/* bulk.c — bulk UPDATE / DELETE through the session, and the identity-map
 * bookkeeping that keeps loaded objects consistent with what they did. */
#include "bulk.h"

#include <stdlib.h>

#include "audit.h"
#include "compile.h"
#include "history_table.h"
#include "dialect.h"
#include "session_int.h"
#include "versioning.h"

typedef struct {
    orm_object **v; /* retained */
    size_t n, cap;
} objlist;

static void objlist_free(objlist *l)
{
    for (size_t i = 0; i < l->n; i++)
        orm_object_release(l->v[i]);
    free(l->v);
}

static int objlist_add(objlist *l, orm_object *o)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 16;
        orm_object **v = realloc(l->v, cap * sizeof *v);
        if (!v) return ORM_ENOMEM;
        l->v = v;
        l->cap = cap;
    }
    l->v[l->n++] = orm_object_retain(o);
    return ORM_OK;
}

struct any_ctx {
    const orm_table *t;
    int found;
};

static void any_of_table(void *ctx, orm_object *o)
{
    struct any_ctx *a = ctx;
    if (o->table == a->t) a->found = 1;
}

static int compile_fail(orm_session *s, int rc, orm_error *err)
{
    if (err->cls != ORM_ERR_NONE)
        orm_error_move(&s->err, err);
    else
        orm_error_oom(&s->err);
    return rc < 0 ? rc : ORM_EFAIL;
}

/* The loaded objects of t whose rows match where (read before the change). */
static int loaded_matches(orm_session *s, const orm_table *t, const orm_expr *where, objlist *out)
{
    struct any_ctx a = {t, 0};
    orm_identity_each(&s->identity, any_of_table, &a);
    if (!a.found) return ORM_OK;
    orm_select *sel = orm_select_new();
    int rc = sel ? ORM_OK : ORM_ENOMEM;
    for (int i = 0; rc == ORM_OK && i < t->npk; i++) {
        orm_expr *c = orm_expr_column(t, t->pk[i]);
        rc = orm_select_add_column(sel, c);
        orm_expr_release(c);
    }
    if (rc == ORM_OK && where) rc = orm_select_add_where(sel, (orm_expr *)where);
    if (rc) {
        orm_select_free(sel);
        return orm_error_oom(&s->err);
    }
    orm_compiled comp;
    orm_compiled_init(&comp);
    orm_error err;
    orm_error_init(&err);
    rc = orm_compile_select(orm_conn_dialect(s->conn), sel, &comp, &err);
    orm_cursor *cur = NULL;
    if (rc < 0)
        rc = compile_fail(s, rc, &err);
    else
        rc = orm_cursor_open(s, orm_buf_str(&comp.sql), comp.params, comp.nparams, &cur);
    while (rc >= 0 && (rc = orm_cursor_step(cur)) == ORM_ROW) {
        orm_value keyv[ORM_MAX_COLUMNS];
        const orm_value *key[ORM_MAX_COLUMNS];
        int got = 0;
        for (; got < t->npk; got++) {
            if ((rc = orm_cursor_value(cur, got, &keyv[got])) < 0) break;
            key[got] = &keyv[got];
        }
        if (rc >= 0) {
            orm_object *o = orm_identity_find(&s->identity, t, key, orm_identity_hash(t, key));
            if (o && objlist_add(out, o) != ORM_OK) rc = orm_error_oom(&s->err);
        }
        for (int i = 0; i < got; i++)
            orm_value_clear(&keyv[i]);
    }
    orm_cursor_close(cur);
    orm_compiled_free(&comp);
    orm_select_free(sel);
    return rc < 0 ? rc : ORM_OK;
}

/* o's values before the change come back on rollback: keep them and make
 * the session remember o until the transaction ends. */
static int remember(orm_session *s, orm_object *o)
{
    if (o->state == ORM_OBJ_PERSISTENT && !o->inserted_in_txn && orm_object_snapshot(o) != ORM_OK)
        return orm_error_oom(&s->err);
    if (!o->touched && orm_session_touch(s, o) != ORM_OK) return orm_error_oom(&s->err);
    return ORM_OK;
}

static int run(orm_session *s, orm_compiled *comp, int64_t *matched)
{
    return orm_session_run(s, orm_buf_str(&comp->sql), comp->params, comp->nparams, matched);
}

/* The statement comp of a bulk op ("update" or "delete") on the rows of t
 * matching where: first the loaded objects it will touch (into hit), then
 * the old rows copied to the history table when t keeps one, the statement,
 * and its audit entry. No change without its history rows and audit entry:
 * a failure there fails the session's transaction. */
static int run_logged(orm_session *s, const orm_table *t, const orm_expr *where, const char *op,
                      orm_compiled *comp, objlist *hit, int64_t *matched)
{
    int rc = loaded_matches(s, t, where, hit);
    if (rc >= 0 && t->history) rc = orm_history_copy_where(s, t, where, op);
    if (rc >= 0) rc = run(s, comp, matched);
    if (rc >= 0 && s->audit) rc = orm_audit_bulk(s, t, op, comp, *matched);
    if (rc < 0 && (t->history || s->audit)) rc = orm_session_fail(s, rc);
    return rc;
}

int orm_bulk_update(orm_session *s, const orm_table *t, const int *cols, orm_expr *const *values,
                    int n, const orm_expr *where, int64_t *matched)
{
    *matched = 0;
    orm_error_clear(&s->err);
    if (orm_table_check_writable(t, "update", &s->err) < 0) return ORM_EFAIL;
    int rc = orm_session_autoflush(s);
    if (rc < 0) return rc;
    orm_compiled comp;
    orm_compiled_init(&comp);
    orm_error err;
    orm_error_init(&err);
    /* a versioned table: SET version = COALESCE(version, 0) + 1 as well,
     * unless the statement sets the version itself */
    int bump = t->version_col >= 0 && n > 0;
    for (int i = 0; bump && i < n; i++)
        if (cols[i] == t->version_col) bump = 0;
    int *vcols = NULL;
    orm_expr **vvals = NULL;
    if (bump) {
        vcols = malloc((size_t)(n + 1) * sizeof *vcols);
        vvals = malloc((size_t)(n + 1) * sizeof *vvals);
        orm_expr *inc = vcols && vvals ? orm_versioning_bump_expr(t) : NULL;
        if (!inc) {
            free(vcols);
            free(vvals);
            orm_compiled_free(&comp);
            return orm_error_oom(&s->err);
        }
        for (int i = 0; i < n; i++) {
            vcols[i] = cols[i];
            vvals[i] = values[i];
        }
        vcols[n] = t->version_col;
        vvals[n] = inc;
    }
    rc = orm_compile_update_where(orm_conn_dialect(s->conn), t, bump ? vcols : cols,
                                  bump ? vvals : values, bump ? n + 1 : n, where, &comp, &err);
    /* comp borrows the bound values of the trees: keep the bump until the end */
    orm_expr *inc = bump ? vvals[n] : NULL;
    free(vcols);
    free(vvals);
    if (rc < 0) {
        orm_expr_release(inc);
        orm_compiled_free(&comp);
        return compile_fail(s, rc, &err);
    }
    objlist hit = {0};
    rc = run_logged(s, t, where, "update", &comp, &hit, matched);
    int sets_key = 0;
    for (int i = 0; i < n; i++)
        sets_key |= t->cols[cols[i]].primary_key;
    /* Everything pending was flushed above and a refresh leaves nothing to
     * flush, so the refreshes' SELECTs skip the autoflush: each would walk
     * every object remember() touched, quadratic in the loaded matches. */
    int autoflush = s->autoflush;
    s->autoflush = 0;
    for (size_t i = 0; rc >= 0 && i < hit.n; i++) {
        orm_object *o = hit.v[i];
        if (o->session != s || o->state != ORM_OBJ_PERSISTENT) continue;
        if (sets_key) { /* its identity changed: the session lets go of it */
            rc = orm_session_expunge(s, o);
            continue;
        }
        rc = remember(s, o);
        if (rc >= 0) rc = orm_session_refresh(s, o);
    }
    s->autoflush = autoflush;
    objlist_free(&hit);
    orm_compiled_free(&comp);
    orm_expr_release(inc);
    return rc < 0 ? rc : ORM_OK;
}

int orm_bulk_delete(orm_session *s, const orm_table *t, const orm_expr *where, int64_t *matched)
{
    *matched = 0;
    orm_error_clear(&s->err);
    if (orm_table_check_writable(t, "delete", &s->err) < 0) return ORM_EFAIL;
    int rc = orm_session_autoflush(s);
    if (rc < 0) return rc;
    orm_compiled comp;
    orm_compiled_init(&comp);
    orm_error err;
    orm_error_init(&err);
    rc = orm_compile_delete_where(orm_conn_dialect(s->conn), t, where, &comp, &err);
    if (rc < 0) {
        orm_compiled_free(&comp);
        return compile_fail(s, rc, &err);
    }
    objlist hit = {0};
    rc = run_logged(s, t, where, "delete", &comp, &hit, matched);
    for (size_t i = 0; rc >= 0 && i < hit.n; i++) {
        orm_object *o = hit.v[i];
        if (o->session != s || o->state != ORM_OBJ_PERSISTENT) continue;
        rc = remember(s, o);
        if (rc < 0) break;
        orm_identity_remove(&s->identity, o);
        o->state = ORM_OBJ_DELETED;
        o->marked_delete = 0;
        o->dirty = 0;
    }
    objlist_free(&hit);
    orm_compiled_free(&comp);
    return rc < 0 ? rc : ORM_OK;
}
