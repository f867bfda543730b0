/* history_table.c — the history table of a __versioned table and the copies of old
 * rows into it (see history_table.h). The flush calls orm_history_copy_rows for a
 * chunk of rows (flush_history.c) or orm_history_copy_row for one, bulk changes
 * orm_history_copy_where; all run in the session's transaction. */
#include "history_table.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "compile.h"
#include "dialect.h"
#include "reflect.h"
#include "session_int.h"
#include "versioning.h"

int orm_history_define(orm_metadata *md, orm_table *t, orm_error *err)
{
    assert(t->version_col >= 0 && t->npk > 0);
    for (int i = 0; i < t->ncols; i++)
        if (!strcmp(t->cols[i].name, "changed_at") || !strcmp(t->cols[i].name, "operation"))
            return orm_error_set(err, ORM_ERR_ARGUMENT, 0,
                                 "%s: __versioned adds the columns changed_at and operation to "
                                 "%s_history; rename the column '%s'",
                                 t->model_name ? t->model_name : t->name, t->name, t->cols[i].name);
    size_t n = strlen(t->name) + sizeof "_history";
    char *name = malloc(n);
    if (!name) return orm_error_oom(err);
    snprintf(name, n, "%s_history", t->name);
    orm_table *h;
    int rc = orm_metadata_add_table(md, name, &h, err);
    free(name);
    if (rc < 0) return rc;
    for (int i = 0; rc >= 0 && i < t->ncols; i++) {
        const orm_column *c = &t->cols[i];
        orm_column spec = {
            .name = c->name, .attr = c->attr, .type = c->type, .nullable = c->nullable};
        if (c->primary_key || i == t->version_col) {
            spec.primary_key = 1;
            spec.nullable = 0;
        }
        rc = orm_table_add_column(h, &spec, err);
    }
    orm_column at = {.name = "changed_at", .type = {.kind = ORM_T_DATETIME}};
    orm_column op = {.name = "operation", .type = {.kind = ORM_T_STRING, .length = 10}};
    if (rc >= 0) rc = orm_table_add_column(h, &at, err);
    if (rc >= 0) rc = orm_table_add_column(h, &op, err);
    if (rc < 0) {
        orm_metadata_remove_table(md, h);
        return rc;
    }
    h->history_of = t;
    t->history = h;
    return ORM_OK;
}

int orm_history_check(orm_conn *c, const orm_table *t, orm_error *err)
{
    const orm_table *h = t->history;
    assert(h);
    orm_dbtable *db = NULL;
    int rc = orm_reflect_table(c, h->name, &db);
    if (rc < 0) {
        orm_error_move(err, &c->err);
        return rc;
    }
    if (!db) return ORM_OK;
    const char *model = t->model_name ? t->model_name : t->name;
    char what[160] = "";
    for (int i = 0; !what[0] && i < h->ncols; i++)
        if (orm_dbtable_find_column(db, h->cols[i].name) < 0)
            snprintf(what, sizeof what, "no column '%s'", h->cols[i].name);
    int same_key = db->pk.n == h->npk;
    for (int i = 0; same_key && i < h->npk; i++)
        same_key = orm_strv_find(&db->pk, h->cols[h->pk[i]].name) >= 0;
    if (!what[0] && !same_key)
        snprintf(what, sizeof what, "its primary key is not the key of %s and version", model);
    orm_dbtable_free(db);
    if (!what[0]) return ORM_OK;
    return orm_error_set(err, ORM_ERR_PROGRAMMING, 0,
                         "table %s exists but is not the history table of %s (__versioned): %s; "
                         "migrate it (ormsh db migrate) or drop it",
                         h->name, model, what);
}

void orm_history_now(char *buf, size_t n)
{
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(buf, n, "%Y-%m-%d %H:%M:%S", &tm);
}

static void put_column(const orm_dialect *d, orm_buf *out, const orm_table *t, int col)
{
    orm_dialect_quote(d, out, t->name);
    orm_buf_putc(out, '.');
    orm_dialect_quote(d, out, t->cols[col].name);
}

/* "INSERT INTO h (c1, ..., changed_at, operation) " */
static void put_insert_head(const orm_dialect *d, orm_buf *out, const orm_table *h)
{
    orm_buf_puts(out, "INSERT INTO ");
    orm_dialect_quote(d, out, h->name);
    orm_buf_puts(out, " (");
    for (int i = 0; i < h->ncols; i++) {
        if (i) orm_buf_puts(out, ", ");
        orm_dialect_quote(d, out, h->cols[i].name);
    }
    orm_buf_puts(out, ") ");
}

/* "INSERT INTO h (...) SELECT t.c1, ..., COALESCE(t.version, 0), ..., ?, ? FROM t
 * WHERE ": the changed_at and operation placeholders are 1 and 2. */
static void put_copy_head(const orm_dialect *d, const orm_table *t, orm_buf *out)
{
    const orm_table *h = t->history;
    put_insert_head(d, out, h);
    orm_buf_puts(out, "SELECT ");
    for (int i = 0; i < t->ncols; i++) {
        if (i == t->version_col) {
            orm_buf_puts(out, "COALESCE(");
            put_column(d, out, t, i);
            orm_buf_puts(out, ", 0), ");
        } else {
            put_column(d, out, t, i);
            orm_buf_puts(out, ", ");
        }
    }
    if (d->select_param_cast) orm_buf_puts(out, "CAST(");
    orm_dialect_placeholder(d, out, 1);
    if (d->select_param_cast) {
        orm_buf_puts(out, " AS ");
        orm_dialect_type(d, out, &h->cols[t->ncols].type);
        orm_buf_putc(out, ')');
    }
    orm_buf_puts(out, ", ");
    orm_dialect_placeholder(d, out, 2);
    orm_buf_puts(out, " FROM ");
    orm_dialect_quote(d, out, t->name);
    orm_buf_puts(out, " WHERE ");
}

/* "t.k1 = ? AND ... AND COALESCE(t.version, 0) = ?", placeholders from
 * *n + 1 on (*n grows by t->npk + 1). */
static void put_row_match(const orm_dialect *d, const orm_table *t, orm_buf *out, int *n)
{
    for (int i = 0; i < t->npk; i++) {
        if (i) orm_buf_puts(out, " AND ");
        put_column(d, out, t, t->pk[i]);
        orm_buf_puts(out, " = ");
        orm_dialect_placeholder(d, out, ++*n);
    }
    orm_buf_puts(out, " AND COALESCE(");
    put_column(d, out, t, t->version_col);
    orm_buf_puts(out, ", 0) = ");
    orm_dialect_placeholder(d, out, ++*n);
}

int orm_history_copy_sql(const orm_dialect *d, const orm_table *t, orm_buf *out)
{
    assert(t->history && t->version_col >= 0);
    put_copy_head(d, t, out);
    int n = 2;
    put_row_match(d, t, out, &n);
    return out->oom ? ORM_ENOMEM : ORM_OK;
}

int orm_history_copy_rows_sql(const orm_dialect *d, const orm_table *t, int nrows, orm_buf *out)
{
    assert(t->history && t->version_col >= 0 && nrows > 0);
    if (nrows == 1) return orm_history_copy_sql(d, t, out);
    put_copy_head(d, t, out);
    int n = 2;
    for (int r = 0; r < nrows; r++) {
        orm_buf_puts(out, r ? " OR (" : "(");
        put_row_match(d, t, out, &n);
        orm_buf_putc(out, ')');
    }
    return out->oom ? ORM_ENOMEM : ORM_OK;
}

int orm_history_batch_rows(const orm_session *s, const orm_table *t)
{
    const orm_dialect *d = orm_conn_dialect(s->conn);
    int limit = d->max_params > 0 ? d->max_params : 999;
    int fit = (limit - 2) / (t->npk + 1), rows = 1;
    while (rows * 2 <= fit && rows * 2 <= ORM_HISTORY_BATCH_MAX)
        rows *= 2;
    return rows;
}

void orm_history_batch_free(orm_history_batch *b)
{
    orm_buf_free(&b->sql);
    b->rows = 0;
}

int orm_history_copy_rows(orm_session *s, const orm_table *t, const orm_object *const *objs, int n,
                          const char *operation, orm_history_batch *b)
{
    assert(t->history && n > 0 && n <= orm_history_batch_rows(s, t));
    int rows = 1; /* the statement's size: n rounded up to a power of two */
    while (rows < n)
        rows *= 2;
    if (b->rows != rows) {
        orm_buf_reset(&b->sql);
        b->rows = 0;
        if (orm_history_copy_rows_sql(orm_conn_dialect(s->conn), t, rows, &b->sql) < 0)
            return orm_error_oom(&s->err);
        b->rows = rows;
    }
    size_t np = 2 + (size_t)rows * (size_t)(t->npk + 1);
    const orm_value **params = malloc(np * sizeof *params);
    orm_value *expected = malloc((size_t)n * sizeof *expected);
    if (!params || !expected) {
        free(params);
        free(expected);
        return orm_error_oom(&s->err);
    }
    char now[32];
    orm_history_now(now, sizeof now);
    orm_value at = {.type = ORM_V_TEXT, .borrowed = 1, .len = strlen(now), .u.s = now};
    orm_value op = {
        .type = ORM_V_TEXT, .borrowed = 1, .len = strlen(operation), .u.s = (char *)operation};
    size_t k = 0;
    params[k++] = &at;
    params[k++] = &op;
    for (int r = 0; r < rows; r++) { /* rows past n repeat the last one: no row twice */
        const orm_object *o = objs[r < n ? r : n - 1];
        assert(o->table == t);
        for (int i = 0; i < t->npk; i++)
            params[k++] = o->dbkey ? &o->dbkey[i] : &o->values[t->pk[i]];
        if (r < n) orm_value_int(&expected[r], orm_versioning_expected(o));
        params[k++] = &expected[r < n ? r : n - 1];
    }
    assert(k == np);
    s->conn->fail_ends_tx = 1;
    int rc = orm_session_run(s, orm_buf_str(&b->sql), params, np, NULL);
    s->conn->fail_ends_tx = 0;
    free(params);
    free(expected);
    return rc;
}

int orm_history_copy_row(orm_session *s, const orm_object *o, const char *operation)
{
    orm_history_batch b = {ORM_BUF_INIT, 0};
    int rc = orm_history_copy_rows(s, o->table, &o, 1, operation, &b);
    orm_history_batch_free(&b);
    return rc;
}

int orm_history_copy_where(orm_session *s, const orm_table *t, const orm_expr *where,
                           const char *operation)
{
    const orm_table *h = t->history;
    assert(h);
    const orm_dialect *d = orm_conn_dialect(s->conn);
    char now[32];
    orm_history_now(now, sizeof now);
    orm_value at = {.type = ORM_V_TEXT, .borrowed = 1, .len = strlen(now), .u.s = now};
    orm_value op = {
        .type = ORM_V_TEXT, .borrowed = 1, .len = strlen(operation), .u.s = (char *)operation};
    orm_value zero;
    orm_value_int(&zero, 0);
    orm_select *sel = orm_select_new();
    int rc = sel ? ORM_OK : ORM_ENOMEM;
    for (int i = 0; rc == ORM_OK && i < t->ncols + 2; i++) {
        orm_expr *e;
        if (i == t->version_col) {
            orm_expr *args[2] = {orm_expr_column(t, i), orm_expr_bind(&zero)};
            e = args[0] && args[1] ? orm_expr_func("COALESCE", args, 2) : NULL;
            orm_expr_release(args[0]);
            orm_expr_release(args[1]);
        } else if (i < t->ncols) {
            e = orm_expr_column(t, i);
        } else if (i == t->ncols && d->select_param_cast) {
            orm_expr *b = orm_expr_bind(&at);
            e = b ? orm_expr_cast(b, &h->cols[i].type) : NULL;
            orm_expr_release(b);
        } else {
            e = orm_expr_bind(i == t->ncols ? &at : &op);
        }
        rc = e ? orm_select_add_column(sel, e) : ORM_ENOMEM;
        orm_expr_release(e);
    }
    if (rc == ORM_OK && where) rc = orm_select_add_where(sel, (orm_expr *)where);
    if (rc != ORM_OK) {
        orm_select_free(sel);
        return orm_error_oom(&s->err);
    }
    orm_compiled comp;
    orm_compiled_init(&comp);
    orm_error err;
    orm_error_init(&err);
    rc = orm_compile_select(d, sel, &comp, &err);
    orm_buf sql = ORM_BUF_INIT;
    if (rc >= 0) {
        put_insert_head(d, &sql, h);
        orm_buf_puts(&sql, orm_buf_str(&comp.sql));
        if (sql.oom) rc = ORM_ENOMEM;
    }
    if (rc >= 0) {
        rc = orm_session_run(s, orm_buf_str(&sql), comp.params, comp.nparams, NULL);
    } else if (err.cls != ORM_ERR_NONE) {
        orm_error_move(&s->err, &err);
    } else {
        orm_error_oom(&s->err);
    }
    orm_error_clear(&err);
    orm_buf_free(&sql);
    orm_compiled_free(&comp);
    orm_select_free(sel);
    return rc < 0 ? rc : ORM_OK;
}

int orm_history_open(orm_session *s, const orm_table *t, const orm_value *key,
                     const orm_value *after, orm_cursor **out)
{
    const orm_table *h = t->history;
    assert(h && key);
    const orm_dialect *d = orm_conn_dialect(s->conn);
    orm_buf sql = ORM_BUF_INIT;
    orm_buf_puts(&sql, "SELECT ");
    for (int i = 0; i < h->ncols; i++) {
        if (i) orm_buf_puts(&sql, ", ");
        put_column(d, &sql, h, i);
    }
    orm_buf_puts(&sql, " FROM ");
    orm_dialect_quote(d, &sql, h->name);
    orm_buf_puts(&sql, " WHERE ");
    const orm_value *params[ORM_MAX_COLUMNS + 1];
    size_t n = 0;
    for (int i = 0; i < t->npk; i++) {
        if (i) orm_buf_puts(&sql, " AND ");
        put_column(d, &sql, h, t->pk[i]);
        orm_buf_puts(&sql, " = ");
        params[n++] = &key[i];
        orm_dialect_placeholder(d, &sql, (int)n);
    }
    if (after) {
        orm_buf_puts(&sql, " AND ");
        put_column(d, &sql, h, t->ncols);
        orm_buf_puts(&sql, " > ");
        params[n++] = after;
        orm_dialect_placeholder(d, &sql, (int)n);
    }
    orm_buf_puts(&sql, " ORDER BY ");
    put_column(d, &sql, h, t->version_col);
    if (sql.oom) {
        orm_buf_free(&sql);
        return orm_error_oom(&s->err);
    }
    int rc = orm_cursor_open(s, orm_buf_str(&sql), params, n, out);
    orm_buf_free(&sql);
    return rc;
}
