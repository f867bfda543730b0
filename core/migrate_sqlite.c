/* migrate_sqlite.c — the operations SQLite cannot do with one ALTER TABLE:
 * changing a column's type, nullability or default, dropping a column that
 * has constraints, adding a column with a UNIQUE constraint or a NOT NULL
 * one without default, adding or dropping constraints. Those rebuild the
 * table as SQLite's documentation prescribes ("Making Other Kinds Of Table
 * Schema Changes"): CREATE TABLE _ormsh_new_X in the new shape, copy the
 * rows, DROP TABLE X, ALTER TABLE _ormsh_new_X RENAME TO X, then recreate
 * X's indexes and triggers (and every view, dropped first so the rename
 * cannot trip over them). It runs inside the revision's transaction with
 * foreign-key enforcement already off (migrate.c), so dropping X never
 * fires its children's ON DELETE CASCADE; the foreign-key check before the
 * commit proves every child row still finds its parent. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "migrate_int.h"
#include "sqlq.h"

#define TMP_PREFIX "_ormsh_new_"

/* How the new table's columns are filled: from[i] is the old column new
 * column i copies, or "" for a new column (its default applies). */
typedef int (*transform_fn)(orm_mig_ctx *m, orm_dbtable *t, orm_strv *from, const void *arg);

/* Text of schema objects to recreate: triggers of the table, every view. */
static int saved_sql(orm_mig_ctx *m, const char *sql, const char *arg, orm_strv *names,
                     orm_strv *out)
{
    orm_sqlq q;
    int rc = orm_sqlq_open1(&q, m->c, sql, arg);
    while (rc >= 0 && (rc = orm_sqlq_step(&q)) == ORM_ROW) {
        int oom = 0;
        char *name = orm_sqlq_text(&q, 0, &oom), *text = orm_sqlq_text(&q, 1, &oom);
        if (!oom && text &&
            (orm_strv_push(out, text) < 0 || (names && orm_strv_push(names, name) < 0)))
            oom = 1;
        free(name);
        free(text);
        if (oom) rc = orm_error_oom(&m->c->err);
    }
    orm_sqlq_close(&q);
    return rc < 0 ? rc : ORM_OK;
}

static int drop_views(orm_mig_ctx *m, const orm_strv *names)
{
    orm_buf b = ORM_BUF_INIT;
    int rc = ORM_OK;
    for (int i = 0; rc == ORM_OK && i < names->n; i++) {
        orm_buf_puts(&b, "DROP VIEW ");
        orm_dialect_quote(m->d, &b, names->v[i]);
        rc = orm_mig_exec_buf(m, &b);
    }
    orm_buf_free(&b);
    return rc;
}

#define COPY_BATCH 10000 /* rows a step of a copy with progress reports */

/* [-0, +0] Two integers of a one-row query on table (COUNT, MIN, MAX). */
static int query2(orm_mig_ctx *m, const char *what, const char *table, int64_t *a, int64_t *b)
{
    orm_buf q = ORM_BUF_INIT;
    orm_buf_printf(&q, "SELECT %s FROM ", what);
    orm_dialect_quote(m->d, &q, table);
    orm_sqlq s;
    *a = *b = 0;
    int rc = q.oom ? orm_error_oom(&m->c->err) : orm_sqlq_open(&s, m->c, orm_buf_str(&q), NULL, 0);
    if (rc == ORM_OK) {
        rc = orm_sqlq_step(&s);
        if (rc == ORM_ROW) {
            *a = orm_sqlq_int(&s, 0);
            *b = orm_sqlq_int(&s, 1);
        }
        orm_sqlq_close(&s);
    }
    orm_buf_free(&q);
    return rc < 0 ? rc : ORM_OK;
}

/* Runs the copy statement in b over rowid ranges, reporting the rows
 * copied through m->progress: one statement per range of about
 * COPY_BATCH rows (b ends in "FROM X"; the range is appended). */
static int copy_in_steps(orm_mig_ctx *m, const char *table, orm_buf *b)
{
    int64_t total, unused, lo, hi;
    int rc = query2(m, "COUNT(*), 0", table, &total, &unused);
    if (rc < 0 || total <= COPY_BATCH) {
        if (rc == ORM_OK) rc = orm_mig_exec(m, orm_buf_str(b), NULL, 0, NULL);
        return rc;
    }
    if ((rc = query2(m, "MIN(rowid), MAX(rowid)", table, &lo, &hi)) < 0) return rc;
    orm_buf_puts(b, " WHERE rowid >= ? AND rowid <= ?");
    if (b->oom) return orm_error_oom(&m->c->err);
    /* ranges of equal width holding COPY_BATCH rows on average */
    uint64_t span = (uint64_t)hi - (uint64_t)lo + 1, steps = (uint64_t)total / COPY_BATCH + 1;
    int64_t width = (int64_t)(span / steps + 1), done = 0;
    m->progress(m->progress_ctx, table, 0, total);
    for (int64_t from = lo; rc == ORM_OK && from <= hi;) {
        int64_t to = hi - from < width ? hi : from + width - 1, n = 0;
        orm_value range[2] = {{.type = ORM_V_INT, .u.i = from}, {.type = ORM_V_INT, .u.i = to}};
        rc = orm_mig_exec(m, orm_buf_str(b), range, 2, &n);
        done += n;
        if (rc == ORM_OK) m->progress(m->progress_ctx, table, done, total);
        if (to == hi) break;
        from = to + 1;
    }
    return rc;
}

/* INSERT INTO tmp (new cols) SELECT old cols FROM X (a generated column
 * is computed again, never copied) */
static int copy_rows(orm_mig_ctx *m, const orm_dbtable *t, const char *tmp, const orm_strv *from)
{
    orm_buf b = ORM_BUF_INIT, sel = ORM_BUF_INIT;
    int n = 0;
    orm_buf_puts(&b, "INSERT INTO ");
    orm_dialect_quote(m->d, &b, tmp);
    orm_buf_puts(&b, " (");
    for (int i = 0; i < t->ncols; i++) {
        if (!*from->v[i] || t->cols[i].computed) continue;
        if (n++) {
            orm_buf_puts(&b, ", ");
            orm_buf_puts(&sel, ", ");
        }
        orm_dialect_quote(m->d, &b, t->cols[i].name);
        orm_dialect_quote(m->d, &sel, from->v[i]);
    }
    orm_buf_puts(&b, ") SELECT ");
    orm_buf_puts(&b, orm_buf_str(&sel));
    orm_buf_puts(&b, " FROM ");
    orm_dialect_quote(m->d, &b, t->name);
    int rc;
    if (sel.oom || b.oom)
        rc = orm_error_oom(&m->c->err);
    else if (!n)
        rc = ORM_OK;
    else if (m->progress && !m->sql_mode)
        rc = copy_in_steps(m, t->name, &b);
    else
        rc = orm_mig_exec_buf(m, &b);
    orm_buf_free(&b);
    orm_buf_free(&sel);
    return rc;
}

static int rebuild_steps(orm_mig_ctx *m, const orm_dbtable *t, const orm_strv *from,
                         const orm_strv *triggers, const orm_strv *views, const orm_strv *vnames)
{
    orm_buf b = ORM_BUF_INIT, tmp = ORM_BUF_INIT;
    orm_buf_printf(&tmp, TMP_PREFIX "%s", t->name);
    int rc = tmp.oom ? orm_error_oom(&m->c->err) : drop_views(m, vnames);
    if (rc == ORM_OK && orm_dbtable_ddl(m->d, t, orm_buf_str(&tmp), &b) == ORM_EMISUSE)
        rc = orm_mig_fail(m, "table '%s' would be left without columns", t->name);
    if (rc == ORM_OK) rc = orm_mig_exec_buf(m, &b);
    if (rc == ORM_OK) rc = copy_rows(m, t, orm_buf_str(&tmp), from);
    if (rc == ORM_OK) {
        m->depth++; /* the old table's rows are in the new one: no loss to count */
        rc = orm_mig_drop_table(m, t->name);
        m->depth--;
    }
    if (rc == ORM_OK) rc = orm_mig_rename_table(m, orm_buf_str(&tmp), t->name);
    for (int i = 0; rc == ORM_OK && i < t->nindexes; i++)
        rc = orm_mig_create_index(m, t->name, &t->indexes[i]);
    for (int i = 0; rc == ORM_OK && i < triggers->n; i++)
        rc = orm_mig_exec(m, triggers->v[i], NULL, 0, NULL);
    for (int i = 0; rc == ORM_OK && i < views->n; i++)
        rc = orm_mig_exec(m, views->v[i], NULL, 0, NULL);
    orm_buf_free(&b);
    orm_buf_free(&tmp);
    return rc;
}

/* Reflects table, lets fn reshape a copy, and rebuilds the table in it. */
static int rebuild(orm_mig_ctx *m, const char *table, transform_fn fn, const void *arg)
{
    orm_dbtable *old = NULL, *t = NULL;
    orm_strv from = ORM_STRV_INIT, triggers = ORM_STRV_INIT, views = ORM_STRV_INIT,
             vnames = ORM_STRV_INIT;
    int rc = orm_mig_reflect(m, table, &old);
    if (rc == ORM_OK && !(t = orm_dbtable_copy(old))) rc = orm_error_oom(&m->c->err);
    for (int i = 0; rc == ORM_OK && i < t->ncols; i++)
        if (orm_strv_push(&from, t->cols[i].name) < 0) rc = orm_error_oom(&m->c->err);
    if (rc == ORM_OK) rc = fn(m, t, &from, arg);
    if (rc == ORM_OK)
        rc = saved_sql(m,
                       "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name "
                       "= ? AND sql IS NOT NULL ORDER BY rowid",
                       table, NULL, &triggers);
    if (rc == ORM_OK)
        rc = saved_sql(m,
                       "SELECT name, sql FROM sqlite_master WHERE type = 'view' AND sql IS NOT "
                       "NULL ORDER BY rowid",
                       NULL, &vnames, &views);
    if (rc == ORM_OK) rc = rebuild_steps(m, t, &from, &triggers, &views, &vnames);
    orm_dbtable_free(old);
    orm_dbtable_free(t);
    orm_strv_free(&from);
    orm_strv_free(&triggers);
    orm_strv_free(&views);
    orm_strv_free(&vnames);
    return rc;
}

static int column_or_fail(orm_mig_ctx *m, const orm_dbtable *t, const char *col)
{
    int i = orm_dbtable_find_column(t, col);
    if (i < 0) orm_mig_fail(m, "table '%s' has no column '%s'", t->name, col);
    return i;
}

/* ---- add_column ----------------------------------------------------------- */

static int add_frag(orm_mig_ctx *m, orm_dbtable *t, const orm_dbtable *f)
{
    const char *name = f->cols[0].name;
    if (orm_dbtable_find_column(t, name) >= 0)
        return orm_mig_fail(m, "table '%s' already has a column '%s'", t->name, name);
    int rc = orm_dbtable_add_column(t, &f->cols[0]);
    for (int i = 0; rc == ORM_OK && i < f->nuniques; i++)
        rc = orm_dbtable_add_unique(t, &f->uniques[i]);
    for (int i = 0; rc == ORM_OK && i < f->nindexes; i++)
        rc = orm_dbtable_add_index(t, &f->indexes[i]);
    for (int i = 0; rc == ORM_OK && i < f->nfkeys; i++)
        rc = orm_dbtable_add_fkey(t, &f->fkeys[i]);
    return rc < 0 ? orm_error_oom(&m->c->err) : ORM_OK;
}

static int add_transform(orm_mig_ctx *m, orm_dbtable *t, orm_strv *from, const void *arg)
{
    int rc = add_frag(m, t, arg);
    if (rc == ORM_OK && orm_strv_push(from, "") < 0) rc = orm_error_oom(&m->c->err);
    return rc;
}

/* ADD COLUMN takes no UNIQUE, PRIMARY KEY, named constraint, NOT NULL
 * without a default, a non-constant default, or a STORED generated column
 * ("cannot add a STORED column"). */
static int add_in_place(const orm_dbtable *f)
{
    const orm_dbcolumn *c = &f->cols[0];
    if (f->nuniques || f->pk.n || f->nfkeys > 1 || (f->nfkeys && f->fkeys[0].name)) return 0;
    if (c->computed) return 0;
    if (!c->nullable && !c->server_default) return 0;
    const char *d = c->server_default;
    if (d && (*d == '(' || strncasecmp(d, "CURRENT_", 8) == 0)) return 0;
    return 1;
}

static int sq_add_column(orm_mig_ctx *m, const orm_dbtable *f)
{
    const orm_dbcolumn *c = &f->cols[0];
    if (!c->nullable && !c->server_default && !c->computed) {
        int rows = 0, rc = orm_mig_has_rows(m, f->name, &rows);
        if (rc < 0) return rc;
        if (rows)
            return orm_mig_fail(m,
                                "cannot add NOT NULL column %s.%s without a server_default: the "
                                "table has rows (give it a server_default, or add it nullable, "
                                "fill it, then make it NOT NULL with alter_column)",
                                f->name, c->name);
    }
    if (!add_in_place(f)) return rebuild(m, f->name, add_transform, f);
    orm_buf b = ORM_BUF_INIT;
    orm_buf_puts(&b, "ALTER TABLE ");
    orm_dialect_quote(m->d, &b, f->name);
    orm_buf_puts(&b, " ADD COLUMN ");
    orm_dbcolumn_ddl(m->d, c, &b);
    if (f->nfkeys) {
        const orm_dbfkey *k = &f->fkeys[0];
        orm_buf_puts(&b, " REFERENCES ");
        orm_dialect_quote(m->d, &b, k->reftable);
        orm_buf_puts(&b, " (");
        orm_dbschema_quote_list(m->d, &b, &k->refcols);
        orm_buf_putc(&b, ')');
        if (k->ondelete) orm_buf_printf(&b, " ON DELETE %s", k->ondelete);
        if (k->onupdate) orm_buf_printf(&b, " ON UPDATE %s", k->onupdate);
    }
    int rc = orm_mig_exec_buf(m, &b);
    for (int i = 0; rc == ORM_OK && i < f->nindexes; i++)
        rc = orm_mig_create_index(m, f->name, &f->indexes[i]);
    orm_buf_free(&b);
    return rc;
}

/* ---- drop_column ------------------------------------------------------------ */

static int drop_transform(orm_mig_ctx *m, orm_dbtable *t, orm_strv *from, const void *arg)
{
    int i = column_or_fail(m, t, arg);
    if (i < 0) return ORM_EFAIL;
    if (t->ncols == 1)
        return orm_mig_fail(m,
                            "cannot drop %s.%s: it is the table's only column (drop the "
                            "table instead)",
                            t->name, (const char *)arg);
    orm_dbtable_remove_column(t, i);
    free(from->v[i]);
    memmove(&from->v[i], &from->v[i + 1], (size_t)(from->n - i - 1) * sizeof *from->v);
    from->n--;
    return ORM_OK;
}

static int sq_drop_column(orm_mig_ctx *m, const char *table, const char *column)
{
    orm_dbtable *t = NULL;
    int rc = orm_mig_reflect(m, table, &t);
    if (rc == ORM_OK && column_or_fail(m, t, column) < 0) rc = ORM_EFAIL;
    int in_place = rc == ORM_OK && !orm_dbtable_column_constrained(t, column) && t->ncols > 1;
    orm_dbtable_free(t);
    if (rc < 0) return rc;
    if (!in_place) return rebuild(m, table, drop_transform, column);
    orm_buf b = ORM_BUF_INIT;
    orm_buf_puts(&b, "ALTER TABLE ");
    orm_dialect_quote(m->d, &b, table);
    orm_buf_puts(&b, " DROP COLUMN ");
    orm_dialect_quote(m->d, &b, column);
    rc = orm_mig_exec_buf(m, &b);
    orm_buf_free(&b);
    return rc;
}

/* ---- alter_column ------------------------------------------------------------ */

static int alter_transform(orm_mig_ctx *m, orm_dbtable *t, orm_strv *from, const void *arg)
{
    const orm_mig_alter *a = arg;
    (void)from; /* the column keeps its place: from[i] still names the old column */
    int i = column_or_fail(m, t, a->column);
    if (i < 0) return ORM_EFAIL;
    orm_dbcolumn *c = &t->cols[i];
    if (a->type) {
        c->type = *a->type;
        c->type_known = 1;
        free(c->type_sql);
        c->type_sql = NULL;
        c->autoincrement = 0;
    }
    if (a->set_nullable) c->nullable = a->nullable;
    if (a->set_default) {
        char *d = a->server_default ? strdup(a->server_default) : NULL;
        if (a->server_default && !d) return orm_error_oom(&m->c->err);
        free(c->server_default);
        c->server_default = d;
    }
    if (a->new_name && orm_dbtable_find_column(t, a->new_name) >= 0)
        return orm_mig_fail(m, "table '%s' already has a column '%s'", t->name, a->new_name);
    if (a->new_name && orm_dbtable_rename_column(t, i, a->new_name) < 0)
        return orm_error_oom(&m->c->err);
    return ORM_OK;
}

static int sq_alter_column(orm_mig_ctx *m, const orm_mig_alter *a)
{
    if (a->type || a->set_nullable || a->set_default)
        return rebuild(m, a->table, alter_transform, a);
    if (!a->new_name) return ORM_OK; /* nothing asked */
    orm_buf b = ORM_BUF_INIT;
    orm_buf_puts(&b, "ALTER TABLE ");
    orm_dialect_quote(m->d, &b, a->table);
    orm_buf_puts(&b, " RENAME COLUMN ");
    orm_dialect_quote(m->d, &b, a->column);
    orm_buf_puts(&b, " TO ");
    orm_dialect_quote(m->d, &b, a->new_name);
    int rc = orm_mig_exec_buf(m, &b);
    orm_buf_free(&b);
    return rc;
}

/* ---- constraints ------------------------------------------------------------- */

static int check_columns(orm_mig_ctx *m, const orm_dbtable *t, const orm_strv *cols)
{
    for (int i = 0; i < cols->n; i++)
        if (column_or_fail(m, t, cols->v[i]) < 0) return ORM_EFAIL;
    return ORM_OK;
}

/* The name of unique constraint / foreign key i of t (given or conventional). */
static int names_match(const orm_dbtable *t, const orm_dbunique *u, const orm_dbfkey *f,
                       const char *name)
{
    orm_buf b = ORM_BUF_INIT;
    if (u)
        orm_dbunique_name(t, u, &b);
    else if (f)
        orm_dbfkey_name(t, f, &b);
    int same = b.oom ? ORM_ENOMEM : strcmp(orm_buf_str(&b), name) == 0;
    orm_buf_free(&b);
    return same;
}

/* 1 when t has a constraint called name, 0 when not, ORM_ENOMEM. */
static int constraint_exists(const orm_dbtable *t, const char *name)
{
    int r = 0;
    for (int i = 0; name && !r && i < t->nuniques; i++)
        r = names_match(t, &t->uniques[i], NULL, name);
    for (int i = 0; name && !r && i < t->nfkeys; i++)
        r = names_match(t, NULL, &t->fkeys[i], name);
    return r;
}

static int unique_transform(orm_mig_ctx *m, orm_dbtable *t, orm_strv *from, const void *arg)
{
    const orm_dbunique *u = arg;
    (void)from;
    int exists = constraint_exists(t, u->name);
    if (exists < 0) return orm_error_oom(&m->c->err);
    if (exists)
        return orm_mig_fail(m, "table '%s' already has a constraint named '%s'", t->name, u->name);
    int rc = check_columns(m, t, &u->cols);
    if (rc == ORM_OK && orm_dbtable_add_unique(t, u) < 0) rc = orm_error_oom(&m->c->err);
    return rc;
}

static int sq_create_unique(orm_mig_ctx *m, const char *table, const orm_dbunique *u)
{
    return rebuild(m, table, unique_transform, u);
}

static int fkey_transform(orm_mig_ctx *m, orm_dbtable *t, orm_strv *from, const void *arg)
{
    const orm_dbfkey *f = arg;
    (void)from;
    int exists = constraint_exists(t, f->name);
    if (exists < 0) return orm_error_oom(&m->c->err);
    if (exists)
        return orm_mig_fail(m, "table '%s' already has a constraint named '%s'", t->name, f->name);
    int rc = check_columns(m, t, &f->cols);
    if (rc == ORM_OK && orm_dbtable_add_fkey(t, f) < 0) rc = orm_error_oom(&m->c->err);
    return rc;
}

static int sq_create_fkey(orm_mig_ctx *m, const char *table, const orm_dbfkey *f)
{
    return rebuild(m, table, fkey_transform, f);
}

typedef struct drop_arg {
    const char *name, *type;
} drop_arg;

static void list_constraints(const orm_dbtable *t, orm_buf *out)
{
    int n = 0;
    for (int i = 0; i < t->nuniques; i++) {
        orm_buf_puts(out, n++ ? ", " : "");
        orm_dbunique_name(t, &t->uniques[i], out);
    }
    for (int i = 0; i < t->nfkeys; i++) {
        orm_buf_puts(out, n++ ? ", " : "");
        orm_dbfkey_name(t, &t->fkeys[i], out);
    }
    if (!n) orm_buf_puts(out, "none");
}

static int drop_transform_constraint(orm_mig_ctx *m, orm_dbtable *t, orm_strv *from,
                                     const void *arg)
{
    const drop_arg *a = arg;
    (void)from;
    int any = !a->type;
    for (int i = 0; (any || !strcmp(a->type, "unique")) && i < t->nuniques; i++) {
        int r = names_match(t, &t->uniques[i], NULL, a->name);
        if (r < 0) return orm_error_oom(&m->c->err); /* not "no such constraint" */
        if (r) {
            orm_dbtable_remove_unique(t, i);
            return ORM_OK;
        }
    }
    for (int i = 0; (any || !strcmp(a->type, "foreignkey")) && i < t->nfkeys; i++) {
        int r = names_match(t, NULL, &t->fkeys[i], a->name);
        if (r < 0) return orm_error_oom(&m->c->err);
        if (r) {
            orm_dbtable_remove_fkey(t, i);
            return ORM_OK;
        }
    }
    orm_buf have = ORM_BUF_INIT;
    list_constraints(t, &have);
    orm_mig_fail(m, "table '%s' has no %s constraint named '%s' (it has: %s)", t->name,
                 any ? "unique or foreign-key" : a->type, a->name, orm_buf_str(&have));
    orm_buf_free(&have);
    return ORM_EFAIL;
}

static int sq_drop_constraint(orm_mig_ctx *m, const char *name, const char *table, const char *type)
{
    drop_arg a = {name, type};
    return rebuild(m, table, drop_transform_constraint, &a);
}

/* ---- the foreign-key check ----------------------------------------------------- */

static int sq_fkey_check(orm_mig_ctx *m)
{
    orm_sqlq q;
    int rc = orm_sqlq_open(
        &q, m->c, "SELECT \"table\", rowid, parent FROM pragma_foreign_key_check", NULL, 0);
    if (rc == ORM_OK && (rc = orm_sqlq_step(&q)) == ORM_ROW) {
        int oom = 0;
        char *table = orm_sqlq_text(&q, 0, &oom), *parent = orm_sqlq_text(&q, 2, &oom);
        long long rowid = (long long)orm_sqlq_int(&q, 1);
        if (oom)
            orm_error_oom(&m->c->err);
        else
            orm_error_set(&m->c->err, ORM_ERR_INTEGRITY, 0,
                          "FOREIGN KEY constraint failed: row %lld of table %s references a "
                          "missing row of %s (PRAGMA foreign_key_check after the migration)",
                          rowid, table ? table : "?", parent ? parent : "?");
        free(table);
        free(parent);
        rc = ORM_EFAIL;
    }
    orm_sqlq_close(&q);
    return rc < 0 ? rc : ORM_OK;
}

const orm_mig_backend orm_mig_sqlite = {
    .add_column = sq_add_column,
    .drop_column = sq_drop_column,
    .alter_column = sq_alter_column,
    .create_unique = sq_create_unique,
    .create_fkey = sq_create_fkey,
    .drop_constraint = sq_drop_constraint,
    .fkey_check = sq_fkey_check,
    .fkeys_off_sql = "PRAGMA foreign_keys = OFF",
    .fkeys_on_sql = "PRAGMA foreign_keys = ON",
};
