/* fixtures.c — the statements of `db dump` and `db load` (see fixtures.h). */
#include "fixtures.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "compile.h"
#include "ddl.h"
#include "dialect.h"
#include "flush_batch.h"
#include "session_int.h"

static int sql_oom(orm_session *s, orm_buf *b)
{
    orm_buf_free(b);
    return orm_error_oom(&s->err);
}

int orm_fixture_scan(orm_session *s, const orm_table *t, orm_cursor **out)
{
    const orm_dialect *d = orm_conn_dialect(s->conn);
    orm_buf b = ORM_BUF_INIT;
    orm_buf_puts(&b, "SELECT ");
    for (int i = 0; i < t->ncols; i++) {
        if (i) orm_buf_puts(&b, ", ");
        orm_dialect_quote(d, &b, t->cols[i].name);
    }
    orm_buf_puts(&b, " FROM ");
    orm_dialect_quote(d, &b, t->name);
    orm_buf_puts(&b, " ORDER BY ");
    for (int i = 0; i < t->npk; i++) {
        if (i) orm_buf_puts(&b, ", ");
        orm_dialect_quote(d, &b, t->cols[t->pk[i]].name);
    }
    if (b.oom) return sql_oom(s, &b);
    int rc = orm_cursor_open(s, orm_buf_str(&b), NULL, 0, out);
    orm_buf_free(&b);
    return rc;
}

int orm_fixture_count(orm_session *s, const orm_table *t, int64_t *n)
{
    orm_buf b = ORM_BUF_INIT;
    orm_buf_puts(&b, "SELECT count(*) FROM ");
    orm_dialect_quote(orm_conn_dialect(s->conn), &b, t->name);
    if (b.oom) return sql_oom(s, &b);
    orm_cursor *c;
    int rc = orm_cursor_open(s, orm_buf_str(&b), NULL, 0, &c);
    orm_buf_free(&b);
    if (rc < 0) return rc;
    *n = 0;
    if ((rc = orm_cursor_step(c)) == ORM_ROW) {
        orm_value v = ORM_VALUE_NULL;
        rc = orm_cursor_value(c, 0, &v);
        if (rc >= 0) *n = v.type == ORM_V_INT ? v.u.i : v.type == ORM_V_REAL ? (int64_t)v.u.r : 0;
        orm_value_clear(&v);
    }
    orm_cursor_close(c);
    return rc < 0 ? rc : ORM_OK;
}

int orm_fixture_exists(orm_session *s, const orm_table *t, const orm_value *row, int *exists)
{
    orm_buf b = ORM_BUF_INIT;
    if (orm_compile_select_by_pk(orm_conn_dialect(s->conn), t, &b) < 0 || b.oom)
        return sql_oom(s, &b);
    const orm_value *key[ORM_MAX_COLUMNS];
    for (int i = 0; i < t->npk; i++)
        key[i] = &row[t->pk[i]];
    orm_cursor *c;
    int rc = orm_cursor_open(s, orm_buf_str(&b), key, (size_t)t->npk, &c);
    orm_buf_free(&b);
    if (rc < 0) return rc;
    rc = orm_cursor_step(c);
    *exists = rc == ORM_ROW;
    orm_cursor_close(c);
    return rc < 0 ? rc : ORM_OK;
}

/* The columns a row is written to: all but the computed ones (the
 * database computes them again; writing one is an error). */
static uint64_t written(const orm_table *t)
{
    uint64_t mask = 0;
    for (int i = 0; i < t->ncols; i++)
        if (!t->cols[i].computed) mask |= (uint64_t)1 << i;
    return mask;
}

int orm_fixture_insert_sql(orm_session *s, const orm_table *t, orm_buf *out)
{
    if (orm_compile_insert_keys(orm_conn_dialect(s->conn), t, written(t), out) < 0 || out->oom)
        return orm_error_oom(&s->err);
    return ORM_OK;
}

int orm_fixture_insert(orm_session *s, const orm_table *t, const char *sql, const orm_value *row)
{
    const orm_value *params[ORM_MAX_COLUMNS];
    uint64_t mask = written(t);
    size_t n = 0;
    for (int i = 0; i < t->ncols; i++)
        if (mask >> i & 1) params[n++] = &row[i];
    return orm_session_run(s, sql, params, n, NULL);
}

int orm_fixture_batch_rows(const orm_session *s, const orm_table *t)
{
    int rows = orm_flush_batch_rows(s, written(t)); /* the backend's parameter limit */
    return rows < ORM_FIXTURE_BATCH_MAX ? rows : ORM_FIXTURE_BATCH_MAX;
}

int orm_fixture_insert_rows(orm_session *s, const orm_table *t, const orm_value *rows, int n)
{
    assert(n > 0 && n <= orm_fixture_batch_rows(s, t));
    uint64_t mask = written(t);
    orm_buf b = ORM_BUF_INIT;
    const orm_value **params = malloc((size_t)n * (size_t)t->ncols * sizeof *params);
    if (orm_compile_insert_rows(orm_conn_dialect(s->conn), t, mask, n, 1, &b) < 0 || !params) {
        free(params);
        return sql_oom(s, &b);
    }
    size_t k = 0;
    for (int r = 0; r < n; r++)
        for (int i = 0; i < t->ncols; i++)
            if (mask >> i & 1) params[k++] = &rows[(size_t)r * (size_t)t->ncols + (size_t)i];
    int rc = orm_session_run(s, orm_buf_str(&b), params, k, NULL);
    free(params);
    orm_buf_free(&b);
    return rc;
}

int orm_fixture_replace(orm_session *s, const orm_table *t, const orm_value *row)
{
    uint64_t mask = written(t);
    for (int i = 0; i < t->ncols; i++)
        if (t->cols[i].primary_key) mask &= ~((uint64_t)1 << i);
    if (mask == 0) return ORM_OK;
    orm_buf b = ORM_BUF_INIT;
    if (orm_compile_update(orm_conn_dialect(s->conn), t, mask, &b) < 0 || b.oom)
        return sql_oom(s, &b);
    const orm_value *params[ORM_MAX_COLUMNS * 2];
    int n = 0;
    for (int i = 0; i < t->ncols; i++)
        if (mask >> i & 1) params[n++] = &row[i];
    for (int i = 0; i < t->npk; i++)
        params[n++] = &row[t->pk[i]];
    int rc = orm_session_run(s, orm_buf_str(&b), params, (size_t)n, NULL);
    orm_buf_free(&b);
    return rc;
}

/* Calls fn for each foreign key of the models that points from a table to
 * itself (a tree: a row may come before its parent) or to one after it in
 * foreign-key order (the keys of cycles), or for every foreign key (all);
 * stops at the first failure. Returns how many there are, or a failure. */
static int each_cycle_fk(orm_session *s, orm_fk_defer *fd, int all,
                         int (*fn)(orm_session *, orm_fk_defer *, const orm_table *, int))
{
    orm_table **v = NULL;
    int n = 0, found = 0, rc = ORM_OK;
    if (orm_metadata_sorted(s->md, &v, &n) < 0) return orm_error_oom(&s->err);
    for (int i = 0; rc >= 0 && i < n; i++)
        for (int j = 0; rc >= 0 && j < v[i]->ncols; j++) {
            const orm_fkey *fk = v[i]->cols[j].fk;
            if (!fk) continue;
            int later = all || strcmp(fk->table, v[i]->name) == 0;
            for (int k = i + 1; k < n && !later; k++)
                later = strcmp(v[k]->name, fk->table) == 0;
            if (!later) continue;
            found++;
            if (fn) rc = fn(s, fd, v[i], j);
        }
    free(v);
    return rc < 0 ? rc : found;
}

/* ALTER TABLE t ALTER CONSTRAINT name<how> */
static int alter_fk(orm_session *s, const char *table, const char *name, const char *how)
{
    const orm_dialect *d = orm_conn_dialect(s->conn);
    orm_buf b = ORM_BUF_INIT;
    if (orm_ddl_alter_fk(d, table, d->alter_fk, name, how, &b) < 0) return sql_oom(s, &b);
    int rc = orm_session_run(s, orm_buf_str(&b), NULL, 0, NULL);
    orm_buf_free(&b);
    return rc;
}

/* The key of t's column col made DEFERRABLE where another tool made it
 * not (PostgreSQL's default), noted in fd->altered. */
static int make_deferrable(orm_session *s, orm_fk_defer *fd, const orm_table *t, int col)
{
    orm_strv names = ORM_STRV_INIT;
    int rc = orm_ddl_fk_names(s->conn, t, (uint64_t)1 << col, 1, &names);
    if (rc < 0) rc = orm_session_fail_from_conn(s, rc);
    for (int k = 0; rc >= 0 && k < names.n; k++) {
        rc = alter_fk(s, t->name, names.v[k], orm_conn_dialect(s->conn)->fk_deferrable);
        if (rc >= 0 && (orm_strv_push(&fd->altered, t->name) < 0 ||
                        orm_strv_push(&fd->altered, names.v[k]) < 0))
            rc = orm_error_oom(&s->err);
    }
    orm_strv_free(&names);
    return rc;
}

int orm_fixture_defer_fks(orm_session *s, orm_fk_defer *fd)
{
    const orm_dialect *d = orm_conn_dialect(s->conn);
    int n = each_cycle_fk(s, fd, 0, NULL);
    const char *sql = d->defer_fks ? d->defer_fks : d->fks_off;
    if (n <= 0 || !sql) return n < 0 ? n : ORM_OK;
    if (d->alter_fk) {
        int rc = each_cycle_fk(s, fd, 0, make_deferrable);
        if (rc < 0) return rc;
    }
    int rc = orm_session_run(s, sql, NULL, 0, NULL);
    if (rc == ORM_OK) fd->deferred = 1;
    return rc;
}

/* SELECT 1 FROM t c WHERE c.col IS NOT NULL AND NOT EXISTS (SELECT 1 FROM
 * ref p WHERE p.refcol = c.col): a row of t whose key points nowhere. */
static int check_fk(orm_session *s, orm_fk_defer *fd, const orm_table *t, int col)
{
    (void)fd;
    const orm_dialect *d = orm_conn_dialect(s->conn);
    const orm_column *c = &t->cols[col];
    orm_buf b = ORM_BUF_INIT;
    orm_buf_puts(&b, "SELECT 1 FROM ");
    orm_dialect_quote(d, &b, t->name);
    orm_buf_puts(&b, " c WHERE c.");
    orm_dialect_quote(d, &b, c->name);
    orm_buf_puts(&b, " IS NOT NULL AND NOT EXISTS (SELECT 1 FROM ");
    orm_dialect_quote(d, &b, c->fk->table);
    orm_buf_puts(&b, " p WHERE p.");
    orm_dialect_quote(d, &b, c->fk->column);
    orm_buf_puts(&b, " = c.");
    orm_dialect_quote(d, &b, c->name);
    orm_buf_puts(&b, ")");
    if (b.oom) return sql_oom(s, &b);
    orm_cursor *cur;
    int rc = orm_cursor_open(s, orm_buf_str(&b), NULL, 0, &cur);
    orm_buf_free(&b);
    if (rc < 0) return rc;
    rc = orm_cursor_step(cur);
    orm_cursor_close(cur);
    if (rc == ORM_ROW)
        return orm_error_set(&s->err, ORM_ERR_INTEGRITY, 0,
                             "foreign key %s.%s: a loaded row references no row of %s (%s)",
                             t->name, c->name, c->fk->table, c->fk->column);
    return rc < 0 ? rc : ORM_OK;
}

/* The keys make_deferrable changed: checked now, then not deferrable again. */
static int restore_not_deferrable(orm_session *s, orm_fk_defer *fd)
{
    const orm_dialect *d = orm_conn_dialect(s->conn);
    int rc = orm_session_run(s, d->undefer_fks, NULL, 0, NULL);
    for (int k = 0; rc >= 0 && k + 1 < fd->altered.n; k += 2)
        rc = alter_fk(s, fd->altered.v[k], fd->altered.v[k + 1], d->fk_not_deferrable);
    return rc;
}

int orm_fixture_undefer_fks(orm_session *s, orm_fk_defer *fd, int ok)
{
    const orm_dialect *d = orm_conn_dialect(s->conn);
    if (fd && fd->altered.n > 0) /* on failure the rollback undoes the ALTERs */
        return ok ? restore_not_deferrable(s, fd) : ORM_OK;
    if (!d->fks_on) return ORM_OK;
    /* the checks were off for every key, not only the cycle's */
    int rc = ok ? each_cycle_fk(s, fd, 1, check_fk) : ORM_OK;
    orm_error first;
    orm_error_init(&first);
    if (rc < 0) orm_error_move(&first, &s->err);
    /* a session setting: on again whatever happened (the first error wins) */
    int rc2 = orm_conn_exec(s->conn, d->fks_on);
    if (rc < 0) {
        orm_error_move(&s->err, &first);
        return rc;
    }
    return rc2 < 0 ? orm_session_fail_from_conn(s, rc2) : ORM_OK;
}

void orm_fk_defer_free(orm_fk_defer *fd)
{
    orm_strv_free(&fd->altered);
    fd->deferred = 0;
}

int orm_fixture_sync_sequence(orm_session *s, const orm_table *t)
{
    const orm_dialect *d = orm_conn_dialect(s->conn);
    if (!d->sequences || t->autoinc_col < 0) return ORM_OK;
    /* SELECT setval(pg_get_serial_sequence('"t"', 'col'), COALESCE(max(col), 0) + 1, false) FROM t
     */
    orm_buf qt = ORM_BUF_INIT, b = ORM_BUF_INIT;
    const char *col = t->cols[t->autoinc_col].name;
    orm_dialect_quote(d, &qt, t->name);
    if (qt.oom) return sql_oom(s, &qt);
    orm_buf_puts(&b, "SELECT setval(pg_get_serial_sequence(");
    orm_dialect_string_literal(d, &b, orm_buf_str(&qt));
    orm_buf_puts(&b, ", ");
    orm_dialect_string_literal(d, &b, col);
    orm_buf_puts(&b, "), COALESCE(max(");
    orm_dialect_quote(d, &b, col);
    orm_buf_puts(&b, "), 0) + 1, false) FROM ");
    orm_buf_puts(&b, orm_buf_str(&qt));
    orm_buf_free(&qt);
    if (b.oom) return sql_oom(s, &b);
    int rc = orm_session_run(s, orm_buf_str(&b), NULL, 0, NULL);
    orm_buf_free(&b);
    return rc;
}
