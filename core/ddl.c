/* ddl.c — CREATE TABLE / CREATE INDEX / DROP TABLE text for a dialect,
 * spelled as SQLAlchemy spells it, and create_all / drop_all, which run it
 * in foreign-key order inside one transaction. */
#include "ddl.h"

#include <stdlib.h>
#include <string.h>

#include "sqlq.h"

/* Between the items of CREATE TABLE, as SQLAlchemy writes them. */
#define ITEM_SEP ", \n\t"

static int done(const orm_buf *out)
{
    return out->oom ? ORM_ENOMEM : ORM_OK;
}

/* "name TYPE [DEFAULT x | GENERATED ALWAYS AS (x) STORED] [NOT NULL]"
 * (orm_dialect_value_clause). The generated key takes the dialect's
 * spelling (SQLite: INTEGER NOT NULL, a rowid alias). A column comment has
 * no place in SQLite's DDL and is left out. */
static void put_column(const orm_dialect *d, orm_buf *out, const orm_table *t, int i)
{
    const orm_column *c = &t->cols[i];
    orm_dialect_quote(d, out, c->name);
    orm_buf_putc(out, ' ');
    if (i == t->autoinc_col && d->autoincrement_pk) {
        orm_buf_puts(out, c->type.kind == ORM_T_BIGINT && d->autoincrement_bigpk
                              ? d->autoincrement_bigpk
                              : d->autoincrement_pk);
        return;
    }
    orm_dialect_type(d, out, &c->type);
    orm_dialect_value_clause(d, out, c->computed, c->server_default, c->nullable);
}

static void put_fk(const orm_dialect *d, orm_buf *out, const orm_column *c)
{
    orm_buf_puts(out, "FOREIGN KEY(");
    orm_dialect_quote(d, out, c->name);
    orm_buf_puts(out, ") REFERENCES ");
    orm_dialect_quote(d, out, c->fk->table);
    orm_buf_puts(out, " (");
    orm_dialect_quote(d, out, c->fk->column);
    orm_buf_putc(out, ')');
    if (c->fk->ondelete) orm_buf_printf(out, " ON DELETE %s", c->fk->ondelete);
    if (c->fk->onupdate) orm_buf_printf(out, " ON UPDATE %s", c->fk->onupdate);
}

/* 1 when column c's foreign key must wait for an ALTER TABLE: the dialect
 * needs the target to exist, and it is neither t itself nor among the
 * tables created before (made[0..nmade)). made NULL: nothing waits. */
static int fk_waits(const orm_dialect *d, const orm_table *t, const orm_column *c,
                    orm_table *const *made, int nmade)
{
    if (!c->fk || !made || !d->fk_needs_target || strcmp(c->fk->table, t->name) == 0) return 0;
    for (int i = 0; i < nmade; i++)
        if (strcmp(made[i]->name, c->fk->table) == 0) return 0;
    return 1;
}

/* Constraints follow the columns: the primary key, then each column's
 * UNIQUE (unless its unique index covers it) and FOREIGN KEY, in column
 * order — SQLAlchemy's creation order. */
static int create_table(const orm_dialect *d, const orm_table *t, int if_not_exists, orm_buf *out,
                        orm_table *const *made, int nmade)
{
    if (t->ncols == 0) return ORM_EMISUSE;
    orm_buf_puts(out, if_not_exists ? "CREATE TABLE IF NOT EXISTS " : "CREATE TABLE ");
    orm_dialect_quote(d, out, t->name);
    orm_buf_puts(out, " (\n\t");
    for (int i = 0; i < t->ncols; i++) {
        if (i) orm_buf_puts(out, ITEM_SEP);
        put_column(d, out, t, i);
    }
    if (t->npk > 0) {
        orm_buf_puts(out, ITEM_SEP "PRIMARY KEY (");
        for (int i = 0; i < t->npk; i++) {
            if (i) orm_buf_puts(out, ", ");
            orm_dialect_quote(d, out, t->cols[t->pk[i]].name);
        }
        orm_buf_putc(out, ')');
    }
    if (t->autoinc_col >= 0 && t->pk[0] != t->autoinc_col)
        orm_dialect_autoinc_key(d, out, ITEM_SEP, t->cols[t->autoinc_col].name);
    for (int i = 0; i < t->ncols; i++) {
        const orm_column *c = &t->cols[i];
        if (c->unique && !c->indexed) {
            orm_buf_puts(out, ITEM_SEP "UNIQUE (");
            orm_dialect_quote(d, out, c->name);
            orm_buf_putc(out, ')');
        }
        if (c->fk && !fk_waits(d, t, c, made, nmade)) {
            orm_buf_puts(out, ITEM_SEP);
            put_fk(d, out, c);
            /* a tree's key: deferrable, as a cycle's (a fixture's rows in any order) */
            if (d->fk_deferrable && strcmp(c->fk->table, t->name) == 0)
                orm_buf_puts(out, d->fk_deferrable);
        }
    }
    for (int i = 0; i < t->ntindexes; i++) {
        const orm_tindex *x = &t->tindexes[i];
        if (x->is_index) continue;
        orm_buf_puts(out, ITEM_SEP);
        if (x->name) {
            orm_buf_puts(out, "CONSTRAINT ");
            orm_dialect_quote(d, out, x->name);
            orm_buf_putc(out, ' ');
        }
        orm_buf_puts(out, "UNIQUE (");
        for (int j = 0; j < x->ncols; j++) {
            if (j) orm_buf_puts(out, ", ");
            orm_dialect_quote(d, out, t->cols[x->cols[j]].name);
        }
        orm_buf_putc(out, ')');
    }
    orm_buf_puts(out, "\n)");
    if (d->table_options) orm_buf_puts(out, d->table_options);
    return done(out);
}

int orm_ddl_create_table(const orm_dialect *d, const orm_table *t, int if_not_exists, orm_buf *out)
{
    return create_table(d, t, if_not_exists, out, NULL, 0);
}

/* "ALTER TABLE t ADD FOREIGN KEY(c) REFERENCES ..." for a key that waited. */
static int add_fk(const orm_dialect *d, const orm_table *t, const orm_column *c, orm_buf *out)
{
    orm_buf_puts(out, "ALTER TABLE ");
    orm_dialect_quote(d, out, t->name);
    orm_buf_puts(out, " ADD ");
    put_fk(d, out, c);
    if (d->fk_deferrable) orm_buf_puts(out, d->fk_deferrable);
    return done(out);
}

int orm_ddl_create_index(const orm_dialect *d, const orm_table *t, int col, int if_not_exists,
                         orm_buf *out)
{
    if (col < 0 || col >= t->ncols || !t->cols[col].indexed) return ORM_EMISUSE;
    const orm_column *c = &t->cols[col];
    orm_buf_puts(out, c->unique ? "CREATE UNIQUE INDEX " : "CREATE INDEX ");
    if (if_not_exists) orm_buf_puts(out, "IF NOT EXISTS ");
    orm_buf index_name = ORM_BUF_INIT;
    orm_buf_printf(&index_name, "ix_%s_%s", t->name, c->name);
    if (index_name.oom) {
        orm_buf_free(&index_name);
        return ORM_ENOMEM;
    }
    orm_dialect_quote(d, out, orm_buf_str(&index_name));
    orm_buf_free(&index_name);
    orm_buf_puts(out, " ON ");
    orm_dialect_quote(d, out, t->name);
    orm_buf_puts(out, " (");
    orm_dialect_quote(d, out, c->name);
    orm_buf_putc(out, ')');
    return done(out);
}

int orm_ddl_create_tindex(const orm_dialect *d, const orm_table *t, int i, int if_not_exists,
                          orm_buf *out)
{
    if (i < 0 || i >= t->ntindexes || !t->tindexes[i].is_index) return ORM_EMISUSE;
    const orm_tindex *x = &t->tindexes[i];
    orm_buf_puts(out, x->unique ? "CREATE UNIQUE INDEX " : "CREATE INDEX ");
    if (if_not_exists) orm_buf_puts(out, "IF NOT EXISTS ");
    orm_dialect_quote(d, out, x->name);
    orm_buf_puts(out, " ON ");
    orm_dialect_quote(d, out, t->name);
    orm_buf_puts(out, " (");
    for (int j = 0; j < x->ncols; j++) {
        if (j) orm_buf_puts(out, ", ");
        orm_dialect_quote(d, out, t->cols[x->cols[j]].name);
    }
    orm_buf_putc(out, ')');
    return done(out);
}

int orm_ddl_drop_table(const orm_dialect *d, const orm_table *t, int if_exists, orm_buf *out)
{
    orm_buf_puts(out, if_exists ? "DROP TABLE IF EXISTS " : "DROP TABLE ");
    orm_dialect_quote(d, out, t->name);
    return done(out);
}

/* ---- create_all / drop_all --------------------------------------------- */

/* Copies src into dst (which is cleared first). */
static void error_copy(orm_error *dst, const orm_error *src)
{
    if (dst == src) return;
    orm_error_set(dst, src->cls, src->code, "%s", src->message ? src->message : "unknown error");
    if (src->sql) orm_error_attach_sql(dst, src->sql, src->params, src->nparams);
}

/* A statement the database refused as bad SQL names the table it was for
 * ("cannot use column reference in DEFAULT expression (table 'film')"):
 * create_all runs one per table, index and key, so the message alone does
 * not say where. Other errors (locked, read-only) keep their text. */
static void name_table(orm_conn *c, const orm_table *t)
{
    if (c->err.cls != ORM_ERR_PROGRAMMING || !c->err.message) return;
    orm_error first;
    orm_error_init(&first);
    orm_error_move(&first, &c->err);
    orm_error_set(&c->err, first.cls, first.code, "%s (table '%s')", first.message, t->name);
    if (first.sql) orm_error_attach_sql(&c->err, first.sql, first.params, first.nparams);
    orm_error_clear(&first);
}

/* Runs one statement for table t built in b (reset afterwards); rc is what
 * building it returned. */
static int run(orm_conn *c, const orm_table *t, orm_buf *b, int rc)
{
    if (rc == ORM_OK) {
        rc = orm_conn_exec(c, orm_buf_str(b));
        if (rc < 0) name_table(c, t);
    } else if (rc == ORM_ENOMEM)
        orm_error_oom(&c->err);
    else
        rc = orm_error_set(&c->err, ORM_ERR_ARGUMENT, 0, "table '%s' has no columns", t->name);
    orm_buf_reset(b);
    return rc;
}

/* The columns of table v[i] whose foreign keys create_all adds after the
 * tables (the keys of a cycle: Sakila's store.manager_staff_id and
 * staff.store_id), as a mask. */
static uint64_t waiting_fk_cols(const orm_dialect *d, orm_table **v, int i)
{
    uint64_t m = 0;
    for (int j = 0; j < v[i]->ncols; j++)
        if (fk_waits(d, v[i], &v[i]->cols[j], v, i)) m |= (uint64_t)1 << j;
    return m;
}

/* Appends the condition on an information_schema view (prefix: its alias
 * and a dot, or "") that picks the table named by parameter 1 in the
 * schema tables are created in. */
static void put_this_table(const orm_dialect *d, orm_buf *sql, const char *prefix)
{
    orm_buf_printf(sql, "%stable_schema = %s AND %stable_name = ", prefix, d->current_schema,
                   prefix);
    orm_dialect_placeholder(d, sql, 1);
}

/* 1 when a table of that name exists (0 also on failure: the CREATE that
 * follows reports it). */
static int table_exists(orm_conn *c, const char *name)
{
    orm_buf sql = ORM_BUF_INIT;
    orm_buf_puts(&sql, "SELECT count(*) FROM information_schema.tables WHERE ");
    put_this_table(orm_conn_dialect(c), &sql, "");
    orm_sqlq q;
    int found = 0;
    if (!sql.oom && orm_sqlq_open1(&q, c, orm_buf_str(&sql), name) == ORM_OK) {
        if (orm_sqlq_step(&q) == ORM_ROW) found = orm_sqlq_int(&q, 0) > 0;
        orm_sqlq_close(&q);
    }
    orm_buf_free(&sql);
    return found;
}

static int create_tables(orm_conn *c, orm_table **v, int n)
{
    const orm_dialect *d = orm_conn_dialect(c);
    orm_buf b = ORM_BUF_INIT;
    int rc = ORM_OK;
    /* a table that was already there keeps its keys: no second ALTER */
    char *fresh = calloc((size_t)n + 1, 1);
    if (!fresh) return orm_error_oom(&c->err);
    for (int i = 0; i < n; i++)
        fresh[i] = waiting_fk_cols(d, v, i) != 0 && !table_exists(c, v[i]->name);
    for (int i = 0; rc == ORM_OK && i < n; i++) {
        rc = run(c, v[i], &b, create_table(d, v[i], 1, &b, v, i));
        for (int j = 0; rc == ORM_OK && j < v[i]->ncols; j++)
            if (v[i]->cols[j].indexed)
                rc = run(c, v[i], &b, orm_ddl_create_index(d, v[i], j, 1, &b));
        for (int j = 0; rc == ORM_OK && j < v[i]->ntindexes; j++)
            if (v[i]->tindexes[j].is_index)
                rc = run(c, v[i], &b, orm_ddl_create_tindex(d, v[i], j, 1, &b));
    }
    /* the keys of foreign-key cycles, once every table exists */
    for (int i = 0; rc == ORM_OK && i < n; i++)
        for (int j = 0; rc == ORM_OK && j < v[i]->ncols; j++)
            if (fresh[i] && fk_waits(d, v[i], &v[i]->cols[j], v, i))
                rc = run(c, v[i], &b, add_fk(d, v[i], &v[i]->cols[j], &b));
    free(fresh);
    orm_buf_free(&b);
    return rc;
}

int orm_ddl_fk_names(orm_conn *c, const orm_table *t, uint64_t cols, int not_deferrable,
                     orm_strv *names)
{
    const orm_dialect *d = orm_conn_dialect(c);
    orm_buf sql = ORM_BUF_INIT;
    orm_buf_puts(&sql, "SELECT k.constraint_name, k.column_name FROM "
                       "information_schema.key_column_usage k JOIN "
                       "information_schema.table_constraints t ON t.constraint_schema = "
                       "k.constraint_schema AND t.constraint_name = k.constraint_name AND "
                       "t.table_name = k.table_name WHERE t.constraint_type = 'FOREIGN KEY' AND ");
    if (not_deferrable) orm_buf_puts(&sql, "t.is_deferrable = 'NO' AND ");
    put_this_table(d, &sql, "k.");
    orm_sqlq q = {0};
    int rc = sql.oom ? orm_error_oom(&c->err) : orm_sqlq_open1(&q, c, orm_buf_str(&sql), t->name);
    while (rc >= 0 && (rc = orm_sqlq_step(&q)) == ORM_ROW) {
        int oom = 0;
        char *name = orm_sqlq_text(&q, 0, &oom), *col = orm_sqlq_text(&q, 1, &oom);
        int j = col ? orm_table_column_index(t, col, strlen(col)) : -1;
        if (!oom && name && j >= 0 && (cols >> j & 1) && orm_strv_find(names, name) < 0 &&
            orm_strv_push(names, name) < 0)
            oom = 1;
        free(name);
        free(col);
        if (oom) rc = orm_error_oom(&c->err);
    }
    orm_sqlq_close(&q); /* before the buffer it borrows */
    orm_buf_free(&sql);
    return rc < 0 ? rc : ORM_OK;
}

int orm_ddl_alter_fk(const orm_dialect *d, const char *table, const char *clause, const char *name,
                     const char *how, orm_buf *out)
{
    orm_buf_puts(out, "ALTER TABLE ");
    orm_dialect_quote(d, out, table);
    orm_buf_putc(out, ' ');
    orm_buf_puts(out, clause);
    orm_dialect_quote(d, out, name);
    orm_buf_puts(out, how);
    return done(out);
}

/* The keys of foreign-key cycles go first: no order of DROP TABLE can
 * leave a cycle's tables unreferenced. */
static int drop_cycle_fks(orm_conn *c, orm_table **v, int n)
{
    const orm_dialect *d = orm_conn_dialect(c);
    orm_buf b = ORM_BUF_INIT;
    int rc = ORM_OK;
    for (int i = 0; rc == ORM_OK && d->drop_fk && i < n; i++) {
        uint64_t cols = waiting_fk_cols(d, v, i);
        if (cols == 0) continue;
        orm_strv names = ORM_STRV_INIT; /* another tool may have named them */
        rc = orm_ddl_fk_names(c, v[i], cols, 0, &names);
        for (int k = 0; rc == ORM_OK && k < names.n; k++)
            rc = run(c, v[i], &b, orm_ddl_alter_fk(d, v[i]->name, d->drop_fk, names.v[k], "", &b));
        orm_strv_free(&names);
    }
    orm_buf_free(&b);
    return rc;
}

static int drop_tables(orm_conn *c, orm_table **v, int n)
{
    const orm_dialect *d = orm_conn_dialect(c);
    orm_buf b = ORM_BUF_INIT;
    int rc = d->drop_fk     ? drop_cycle_fks(c, v, n)
             : d->defer_fks ? orm_conn_exec(c, d->defer_fks)
                            : ORM_OK;
    for (int i = n - 1; rc == ORM_OK && i >= 0; i--)
        rc = run(c, v[i], &b, orm_ddl_drop_table(d, v[i], 1, &b));
    orm_buf_free(&b);
    return rc;
}

/* Runs fn over the tables in foreign-key order, inside a transaction of
 * its own unless one is open (or the dialect cannot roll DDL back). The
 * first error is kept on c->err and copied into err. */
static int run_all(orm_conn *c, const orm_metadata *md, orm_error *err,
                   int (*fn)(orm_conn *, orm_table **, int))
{
    orm_table **v = NULL;
    int n = 0;
    if (orm_metadata_sorted(md, &v, &n) < 0) {
        orm_error_oom(&c->err);
        if (err) error_copy(err, &c->err);
        return ORM_ENOMEM;
    }
    const orm_dialect *d = orm_conn_dialect(c);
    int own = d->transactional_ddl && !orm_conn_in_transaction(c);
    int rc = own ? orm_conn_begin(c) : ORM_OK;
    if (rc == ORM_OK) rc = fn(c, v, n);
    if (rc == ORM_OK && own) rc = orm_conn_commit(c);
    free(v);
    if (rc == ORM_OK) return ORM_OK;
    if (own && orm_conn_in_transaction(c)) {
        orm_error first;
        orm_error_init(&first);
        orm_error_move(&first, &c->err);
        orm_conn_rollback(c); /* may fail too: the first error wins */
        orm_error_move(&c->err, &first);
    }
    if (err) error_copy(err, &c->err);
    return rc;
}

int orm_ddl_create_all(orm_conn *c, const orm_metadata *md, orm_error *err)
{
    if (orm_metadata_check_fks(md, &c->err) < 0) {
        if (err) error_copy(err, &c->err);
        return ORM_EFAIL;
    }
    return run_all(c, md, err, create_tables);
}

int orm_ddl_drop_all(orm_conn *c, const orm_metadata *md, orm_error *err)
{
    return run_all(c, md, err, drop_tables);
}
