/* migrate.c — the migration context and the operations every backend runs
 * the same way (create/drop/rename table, create/drop index, raw SQL, bulk
 * rows); the others go to the backend's orm_mig_backend. Also the
 * transaction of one revision, with foreign-key enforcement switched off
 * before it begins, and the --sql text: each statement with its values
 * written in as literals. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend.h"
#include "migrate_int.h"
#include "migrate_preflight.h"
#include "reflect.h"
#include "sqlq.h"

orm_mig_ctx *orm_mig_ctx_new(orm_conn *c, int sql_mode)
{
    orm_mig_ctx *m = calloc(1, sizeof *m);
    if (!m) return NULL;
    m->c = c;
    m->d = orm_conn_dialect(c);
    m->sql_mode = sql_mode;
    m->dry = sql_mode && !m->d->transactional_ddl; /* --sql must not run DDL it cannot undo */
    m->be = orm_conn_backend(c)->migrate;          /* the backend record's hooks (backend.h) */
    return m;
}

void orm_mig_ctx_free(orm_mig_ctx *m)
{
    if (!m) return;
    if (m->open) orm_mig_rollback(m);
    if (m->be && m->be->free_state) m->be->free_state(m->be_state);
    orm_mig_steps_clear(&m->steps);
    orm_strv_free(&m->losses);
    free(m->revision);
    orm_buf_free(&m->sql);
    free(m);
}

orm_conn *orm_mig_ctx_conn(orm_mig_ctx *m)
{
    return m->c;
}

char *orm_mig_ctx_take_sql(orm_mig_ctx *m)
{
    char *s = orm_buf_detach(&m->sql);
    return s ? s : strdup("");
}

void orm_mig_ctx_emit(orm_mig_ctx *m, const char *text)
{
    if (m->sql_mode) orm_buf_puts(&m->sql, text);
}

void orm_mig_ctx_emit_begin(orm_mig_ctx *m)
{
    if (!m->sql_mode) return;
    if (m->be && m->be->fkeys_off_sql) orm_buf_printf(&m->sql, "%s;\n\n", m->be->fkeys_off_sql);
    orm_buf_puts(&m->sql, "BEGIN;\n\n");
}

void orm_mig_ctx_emit_commit(orm_mig_ctx *m)
{
    if (!m->sql_mode) return;
    orm_buf_puts(&m->sql, "COMMIT;\n\n");
    if (m->be && m->be->fkeys_on_sql) orm_buf_printf(&m->sql, "%s;\n\n", m->be->fkeys_on_sql);
}

void orm_mig_ctx_set_progress(orm_mig_ctx *m, orm_mig_progress_fn fn, void *ctx)
{
    m->progress = fn;
    m->progress_ctx = ctx;
}

int orm_mig_ctx_supported(orm_mig_ctx *m)
{
    if (m->be && orm_reflect_ops_for(m->c)) return ORM_OK;
    return orm_mig_fail(m, "migrations are not supported on %s databases yet", m->d->name);
}

int orm_mig_fail(orm_mig_ctx *m, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return orm_error_set(&m->c->err, ORM_ERR_MIGRATION, 0, "%s", msg);
}

/* ---- statements and their --sql text ------------------------------------- */

static void put_literal(orm_mig_ctx *m, orm_buf *b, const orm_value *v)
{
    switch (v->type) {
    case ORM_V_NULL:
        orm_buf_puts(b, "NULL");
        break;
    case ORM_V_INT:
    case ORM_V_BOOL:
        orm_buf_printf(b, "%lld", (long long)v->u.i);
        break;
    case ORM_V_REAL:
        orm_buf_printf(b, "%.17g", v->u.r);
        break;
    case ORM_V_TEXT:
        orm_dialect_string_literal(m->d, b, v->u.s ? v->u.s : "");
        break;
    case ORM_V_BLOB:
        orm_buf_puts(b, "X'");
        for (size_t i = 0; i < v->len; i++)
            orm_buf_printf(b, "%02X", (unsigned char)v->u.s[i]);
        orm_buf_putc(b, '\'');
        break;
    }
}

/* sql with each placeholder (? or $n, outside quotes) replaced by its value. */
static void put_with_literals(orm_mig_ctx *m, const char *sql, const orm_value *params, size_t n)
{
    orm_buf *b = &m->sql;
    size_t next = 0;
    for (const char *p = sql; *p; p++) {
        if (*p == '\'' || *p == '"' || *p == '`') {
            const char *e = p + 1;
            while (*e && !(*e == *p && e[1] != *p))
                e += *e == *p ? 2 : 1;
            orm_buf_append(b, p, (size_t)(e - p) + (*e ? 1 : 0));
            p = *e ? e : e - 1;
        } else if (*p == '?' && next < n) {
            put_literal(m, b, &params[next++]);
        } else if (*p == '$' && p[1] >= '1' && p[1] <= '9') {
            char *end;
            long k = strtol(p + 1, &end, 10);
            if (k >= 1 && (size_t)k <= n)
                put_literal(m, b, &params[k - 1]);
            else /* no value for it: kept as written, as a '?' past the values is */
                orm_buf_append(b, p, (size_t)(end - p));
            p = end - 1;
        } else {
            orm_buf_putc(b, *p);
        }
    }
}

int orm_mig_exec(orm_mig_ctx *m, const char *sql, const orm_value *params, size_t n,
                 int64_t *changes)
{
    if (m->sql_mode) {
        put_with_literals(m, sql, params, n);
        orm_buf_puts(&m->sql, ";\n\n");
    }
    if (m->dry) { /* written only: taken to do what it says */
        if (changes) *changes = 1;
        return ORM_OK;
    }
    orm_sqlq q;
    int rc = orm_sqlq_open(&q, m->c, sql, params, n);
    while (rc >= 0 && (rc = orm_sqlq_step(&q)) == ORM_ROW)
        ;
    if (rc >= 0 && changes) *changes = orm_stmt_changes(m->c, q.s);
    orm_sqlq_close(&q);
    return rc < 0 ? rc : ORM_OK;
}

int orm_mig_exec_buf(orm_mig_ctx *m, orm_buf *b)
{
    int rc = b->oom ? orm_error_oom(&m->c->err) : orm_mig_exec(m, orm_buf_str(b), NULL, 0, NULL);
    orm_buf_reset(b);
    return rc;
}

int orm_mig_reflect(orm_mig_ctx *m, const char *table, orm_dbtable **out)
{
    int rc = orm_reflect_table(m->c, table, out);
    if (rc == ORM_OK && !*out) return orm_mig_fail(m, "no table '%s' in the database", table);
    return rc;
}

int orm_mig_has_rows(orm_mig_ctx *m, const char *table, int *out)
{
    orm_buf b = ORM_BUF_INIT;
    orm_buf_puts(&b, "SELECT 1 FROM ");
    orm_dialect_quote(m->d, &b, table);
    orm_buf_puts(&b, " LIMIT 1");
    orm_sqlq q;
    *out = 0;
    int rc = b.oom ? orm_error_oom(&m->c->err) : orm_sqlq_open(&q, m->c, orm_buf_str(&b), NULL, 0);
    if (rc == ORM_OK) {
        rc = orm_sqlq_step(&q);
        *out = rc == ORM_ROW;
        orm_sqlq_close(&q);
    }
    orm_buf_free(&b);
    return rc < 0 ? rc : ORM_OK;
}

/* ---- the transaction ----------------------------------------------------- */

static int set_fks(orm_mig_ctx *m, int on)
{
    /* the driver's own switch: PRAGMA foreign_keys does nothing inside a transaction */
    return orm_conn_set_fks(m->c, on);
}

int orm_mig_begin(orm_mig_ctx *m)
{
    int rc = orm_mig_ctx_supported(m);
    if (rc < 0) return rc;
    if (m->open || orm_conn_in_transaction(m->c))
        return orm_mig_fail(m, "a transaction is open on the connection: commit or roll back "
                               "before migrating");
    if (!m->be->keep_fks && (rc = set_fks(m, 0)) < 0) return rc;
    m->fks_off = !m->be->keep_fks && orm_conn_has_fk_switch(m->c);
    if ((rc = orm_conn_begin(m->c)) < 0) {
        set_fks(m, 1);
        m->fks_off = 0;
        return rc;
    }
    m->open = 1;
    return ORM_OK;
}

int orm_mig_check(orm_mig_ctx *m)
{
    return m->be->fkey_check ? m->be->fkey_check(m) : ORM_OK;
}

static void fks_back_on(orm_mig_ctx *m)
{
    if (!m->fks_off) return;
    orm_error first;
    orm_error_init(&first);
    orm_error_move(&first, &m->c->err);
    set_fks(m, 1);
    if (first.cls != ORM_ERR_NONE) orm_error_move(&m->c->err, &first);
    orm_error_clear(&first);
    m->fks_off = 0;
}

int orm_mig_commit(orm_mig_ctx *m)
{
    int rc = orm_mig_check(m);
    if (rc == ORM_OK) rc = orm_conn_commit(m->c);
    if (rc < 0) {
        orm_mig_rollback(m);
        return rc;
    }
    m->open = 0;
    fks_back_on(m);
    return ORM_OK;
}

void orm_mig_rollback(orm_mig_ctx *m)
{
    if (orm_conn_in_transaction(m->c)) {
        orm_error first;
        orm_error_init(&first);
        orm_error_move(&first, &m->c->err);
        orm_conn_rollback(m->c); /* a failing rollback never replaces the first error */
        orm_error_move(&m->c->err, &first);
        orm_error_clear(&first);
    }
    m->open = 0;
    fks_back_on(m);
}

/* ---- generic operations ---------------------------------------------------- */

int orm_mig_create_table(orm_mig_ctx *m, const orm_dbtable *t)
{
    if (m->be->create_table) return m->be->create_table(m, t);
    orm_buf b = ORM_BUF_INIT;
    int rc = orm_dbtable_ddl(m->d, t, NULL, &b);
    if (rc == ORM_EMISUSE) {
        orm_buf_free(&b);
        return orm_mig_fail(m, "create_table('%s'): a table needs at least one column", t->name);
    }
    rc = orm_mig_exec_buf(m, &b);
    for (int i = 0; rc == ORM_OK && i < t->nindexes; i++)
        rc = orm_mig_create_index(m, t->name, &t->indexes[i]);
    orm_buf_free(&b);
    return rc;
}

static int drop_table(orm_mig_ctx *m, const char *table)
{
    if (m->be->drop_table) return m->be->drop_table(m, table);
    orm_buf b = ORM_BUF_INIT;
    orm_buf_puts(&b, "DROP TABLE ");
    orm_dialect_quote(m->d, &b, table);
    int rc = orm_mig_exec_buf(m, &b);
    orm_buf_free(&b);
    return rc;
}

int orm_mig_drop_table(orm_mig_ctx *m, const char *table)
{
    int rc = orm_mig_preflight_drop_table(m, table);
    if (rc < 0) return rc;
    m->depth++;
    rc = drop_table(m, table);
    m->depth--;
    return rc;
}

int orm_mig_rename_table(orm_mig_ctx *m, const char *from, const char *to)
{
    if (m->be->rename_table) return m->be->rename_table(m, from, to);
    orm_buf b = ORM_BUF_INIT;
    orm_buf_puts(&b, "ALTER TABLE ");
    orm_dialect_quote(m->d, &b, from);
    orm_buf_puts(&b, " RENAME TO ");
    orm_dialect_quote(m->d, &b, to);
    int rc = orm_mig_exec_buf(m, &b);
    orm_buf_free(&b);
    return rc;
}

int orm_mig_create_index(orm_mig_ctx *m, const char *table, const orm_dbindex *x)
{
    if (m->be->create_index) return m->be->create_index(m, table, x);
    if (x->sql) return orm_mig_exec(m, x->sql, NULL, 0, NULL);
    orm_buf b = ORM_BUF_INIT;
    int rc = orm_dbindex_ddl(m->d, table, x, &b);
    if (rc == ORM_EMISUSE) {
        orm_buf_free(&b);
        return orm_mig_fail(m, "create_index('%s'): an index needs at least one column",
                            x->name ? x->name : "");
    }
    rc = orm_mig_exec_buf(m, &b);
    orm_buf_free(&b);
    return rc;
}

int orm_mig_drop_index(orm_mig_ctx *m, const char *name, const char *table)
{
    if (m->be->drop_index) return m->be->drop_index(m, name, table);
    (void)table; /* SQLite and PostgreSQL name indexes per schema */
    orm_buf b = ORM_BUF_INIT;
    orm_buf_puts(&b, "DROP INDEX ");
    orm_dialect_quote(m->d, &b, name);
    int rc = orm_mig_exec_buf(m, &b);
    orm_buf_free(&b);
    return rc;
}

int orm_mig_execute(orm_mig_ctx *m, const char *sql, const orm_value *params, size_t n)
{
    return orm_mig_exec(m, sql, params, n, NULL);
}

int orm_mig_insert(orm_mig_ctx *m, const char *table, const char *const *cols, int ncols,
                   const orm_value *vals)
{
    orm_buf b = ORM_BUF_INIT;
    orm_buf_puts(&b, "INSERT INTO ");
    orm_dialect_quote(m->d, &b, table);
    if (ncols == 0) {
        orm_buf_puts(&b, " DEFAULT VALUES");
    } else {
        orm_buf_puts(&b, " (");
        for (int i = 0; i < ncols; i++) {
            if (i) orm_buf_puts(&b, ", ");
            orm_dialect_quote(m->d, &b, cols[i]);
        }
        orm_buf_puts(&b, ") VALUES (");
        for (int i = 0; i < ncols; i++) {
            if (i) orm_buf_puts(&b, ", ");
            orm_dialect_placeholder(m->d, &b, i + 1);
        }
        orm_buf_putc(&b, ')');
    }
    int rc = b.oom ? orm_error_oom(&m->c->err)
                   : orm_mig_exec(m, orm_buf_str(&b), vals, (size_t)ncols, NULL);
    orm_buf_free(&b);
    return rc;
}

/* ---- backend-specific operations ------------------------------------------ */

int orm_mig_add_column(orm_mig_ctx *m, const orm_dbtable *frag)
{
    if (frag->ncols != 1) return orm_mig_fail(m, "add_column: exactly one column expected");
    int rc = orm_mig_preflight_add_column(m, frag);
    if (rc < 0) return rc;
    m->depth++;
    rc = m->be->add_column(m, frag);
    m->depth--;
    return rc;
}

int orm_mig_drop_column(orm_mig_ctx *m, const char *table, const char *column)
{
    int rc = orm_mig_preflight_drop_column(m, table, column);
    if (rc < 0) return rc;
    m->depth++;
    rc = m->be->drop_column(m, table, column);
    m->depth--;
    return rc;
}

int orm_mig_alter_column(orm_mig_ctx *m, const orm_mig_alter *a)
{
    int rc = orm_mig_preflight_alter(m, a);
    if (rc < 0) return rc;
    m->depth++;
    rc = m->be->alter_column(m, a);
    m->depth--;
    return rc;
}

int orm_mig_create_unique(orm_mig_ctx *m, const char *table, const orm_dbunique *u)
{
    if (u->cols.n == 0) return orm_mig_fail(m, "create_unique_constraint: no columns given");
    return m->be->create_unique(m, table, u);
}

int orm_mig_create_fkey(orm_mig_ctx *m, const char *table, const orm_dbfkey *f)
{
    if (f->cols.n == 0 || f->cols.n != f->refcols.n)
        return orm_mig_fail(m, "create_foreign_key: the local and referenced column lists must "
                               "have the same, non-zero length");
    return m->be->create_fkey(m, table, f);
}

int orm_mig_drop_constraint(orm_mig_ctx *m, const char *name, const char *table, const char *type)
{
    if (type && strcmp(type, "unique") != 0 && strcmp(type, "foreignkey") != 0)
        return orm_mig_fail(m,
                            "drop_constraint: type must be \"unique\" or \"foreignkey\" (got "
                            "\"%s\")",
                            type);
    return m->be->drop_constraint(m, name, table, type);
}
