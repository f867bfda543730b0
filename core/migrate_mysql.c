/* migrate_mysql.c — the migration operations on MySQL/MariaDB, in place,
 * each one ALTER TABLE (or CREATE/DROP) statement so that an operation is
 * either applied or not: ADD COLUMN with its unique constraint, index and
 * foreign key; DROP COLUMN after DROP FOREIGN KEY of the keys using it;
 * MODIFY / CHANGE COLUMN with the column's whole definition (type,
 * nullability, default, AUTO_INCREMENT: what the database has, changed as
 * asked); ADD/DROP INDEX; ADD/DROP FOREIGN KEY (by the constraint's name in
 * the database, with the index InnoDB made for it); CREATE TABLE with the
 * dialect's table options and its indexes inline.
 *
 * Unnamed constraints get ormsh's conventional names (uq_<table>_<col>,
 * fk_<table>_<col>_<ref>): MySQL needs a foreign key's name to drop it, and
 * the names are then known before the statements run.
 *
 * MySQL commits each DDL statement at once: revisions run op by op
 * (migrate_steps.c), foreign keys stay enforced (keep_fks), and --sql runs
 * nothing (migrate.c's dry mode). For --sql the tables are followed in a
 * shadow schema — read from the database once, then changed by each
 * statement written — so a later operation still knows the columns an
 * earlier one created. */
#include <stdlib.h>
#include <string.h>

#include "migrate_server.h"
#include "reflect_server.h"
#include "sqlq.h"

#define OOM(m) orm_error_oom(&(m)->c->err)

/* ---- the tables as they stand ------------------------------------------------- */

typedef struct shadow {
    orm_dbschema *s; /* the tables read or written so far */
    orm_strv known;  /* names settled in s (absent from s: no such table) */
} shadow;

static void shadow_free(void *p)
{
    shadow *sh = p;
    if (!sh) return;
    orm_dbschema_free(sh->s);
    orm_strv_free(&sh->known);
    free(sh);
}

static shadow *get_shadow(orm_mig_ctx *m)
{
    shadow *sh = m->be_state;
    if (!sh && (sh = calloc(1, sizeof *sh)) && !(sh->s = orm_dbschema_new())) {
        free(sh);
        sh = NULL;
    }
    m->be_state = sh;
    return sh;
}

static void forget(shadow *sh, const char *name)
{
    for (int i = 0; i < sh->s->ntables; i++) {
        if (strcmp(sh->s->tables[i]->name, name) != 0) continue;
        orm_dbtable_free(sh->s->tables[i]);
        memmove(&sh->s->tables[i], &sh->s->tables[i + 1],
                (size_t)(sh->s->ntables - i - 1) * sizeof *sh->s->tables);
        sh->s->ntables--;
        break;
    }
    orm_strv_remove(&sh->known, name);
}

/* The table as it stands (raw names; NULL when there is none), owned by
 * the shadow. Outside --sql it is read from the database anew. */
static int table_now(orm_mig_ctx *m, const char *name, orm_dbtable **out)
{
    shadow *sh = get_shadow(m);
    *out = NULL;
    if (!sh) return OOM(m);
    if (!m->dry) forget(sh, name);
    if (orm_strv_find(&sh->known, name) >= 0) {
        *out = orm_dbschema_find(sh->s, name);
        return ORM_OK;
    }
    orm_dbtable *t = NULL;
    int rc = orm_reflect_mysql_table(m->c, name, 1, &t);
    if (rc < 0) return rc;
    if ((t && orm_dbschema_add(sh->s, t) < 0) || orm_strv_push(&sh->known, name) < 0) return OOM(m);
    *out = t;
    return ORM_OK;
}

static int need_table(orm_mig_ctx *m, const char *name, orm_dbtable **out)
{
    int rc = table_now(m, name, out);
    if (rc == ORM_OK && !*out) rc = orm_mig_fail(m, "no table '%s' in the database", name);
    return rc;
}

static int need_column(orm_mig_ctx *m, const orm_dbtable *t, const char *col)
{
    int i = orm_dbtable_find_column(t, col);
    if (i < 0) orm_mig_fail(m, "table '%s' has no column '%s'", t->name, col);
    return i;
}

/* --sql: t (a copy) replaces what the shadow had under its name. */
static int shadow_put(orm_mig_ctx *m, orm_dbtable *t)
{
    shadow *sh = get_shadow(m);
    if (!sh || !t) {
        orm_dbtable_free(t);
        return OOM(m);
    }
    forget(sh, t->name);
    if (orm_dbschema_add(sh->s, t) < 0 || orm_strv_push(&sh->known, t->name) < 0) return OOM(m);
    return ORM_OK;
}

/* The index InnoDB adds for foreign key f unless one starts with its columns. */
static int add_fk_index(orm_dbtable *t, const orm_dbfkey *f)
{
    for (int i = 0; i < t->nindexes; i++) {
        const orm_strv *c = &t->indexes[i].cols;
        int lead = c->n >= f->cols.n;
        for (int k = 0; lead && k < f->cols.n; k++)
            lead = strcmp(c->v[k], f->cols.v[k]) == 0;
        if (lead) return ORM_OK;
    }
    orm_dbindex x = {.name = f->name, .cols = f->cols};
    return orm_dbtable_add_index(t, &x);
}

/* ---- names ---------------------------------------------------------------------- */

/* A copy of u / f carrying its conventional name when it had none. */
static int named_unique(const orm_dbtable *t, const orm_dbunique *u, orm_dbunique *out)
{
    orm_buf b = ORM_BUF_INIT;
    orm_dbunique_name(t, u, &b);
    *out = (orm_dbunique){.name = orm_buf_detach(&b)};
    return out->name && orm_strv_copy(&out->cols, &u->cols) == ORM_OK ? ORM_OK : ORM_ENOMEM;
}

static int named_fkey(const orm_dbtable *t, const orm_dbfkey *f, orm_dbfkey *out)
{
    orm_buf b = ORM_BUF_INIT;
    orm_dbfkey_name(t, f, &b);
    char *name = orm_buf_detach(&b);
    if (!name || orm_dbfkey_copy(out, f) < 0) {
        free(name);
        return ORM_ENOMEM;
    }
    free(out->name);
    out->name = name;
    return ORM_OK;
}

/* t with every unique constraint and foreign key named. */
static orm_dbtable *with_names(const orm_dbtable *t)
{
    orm_dbtable *c = orm_dbtable_copy(t);
    int rc = c ? ORM_OK : ORM_ENOMEM;
    for (int i = 0; rc == ORM_OK && i < c->nuniques; i++) {
        orm_dbunique u;
        if ((rc = named_unique(c, &c->uniques[i], &u)) == ORM_OK) {
            orm_dbunique_clear(&c->uniques[i]);
            c->uniques[i] = u;
        } else {
            orm_dbunique_clear(&u);
        }
    }
    for (int i = 0; rc == ORM_OK && i < c->nfkeys; i++) {
        orm_dbfkey f = {0};
        if ((rc = named_fkey(c, &c->fkeys[i], &f)) == ORM_OK) {
            orm_dbfkey_clear(&c->fkeys[i]);
            c->fkeys[i] = f;
        }
    }
    if (rc == ORM_OK) return c;
    orm_dbtable_free(c);
    return NULL;
}

/* ---- statements ------------------------------------------------------------------- */

static int exec_buf(orm_mig_ctx *m, orm_buf *b)
{
    int rc = orm_mig_exec_buf(m, b);
    orm_buf_free(b);
    return rc;
}

/* "[UNIQUE ]INDEX name (cols)" as an item of CREATE/ALTER TABLE. */
static void index_item(orm_mig_ctx *m, orm_buf *b, const orm_dbindex *x)
{
    orm_buf_puts(b, x->unique ? "UNIQUE INDEX " : "INDEX ");
    orm_dialect_quote(m->d, b, x->name);
    orm_buf_puts(b, " (");
    orm_dbschema_quote_list(m->d, b, &x->cols);
    orm_buf_putc(b, ')');
}

static int my_create_table(orm_mig_ctx *m, const orm_dbtable *t)
{
    orm_dbtable *c = with_names(t);
    orm_buf b = ORM_BUF_INIT;
    int rc = c ? orm_dbtable_ddl(m->d, c, NULL, &b) : ORM_ENOMEM;
    if (rc == ORM_EMISUSE)
        rc = orm_mig_fail(m, "create_table('%s'): a table needs at least one column", t->name);
    else if (rc < 0)
        rc = OOM(m);
    if (rc == ORM_OK) {
        b.len -= 2; /* "\n)": the indexes go inside */
        for (int i = 0; i < c->nindexes; i++) {
            orm_buf_puts(&b, ", \n\t");
            index_item(m, &b, &c->indexes[i]);
        }
        orm_buf_puts(&b, "\n)");
        if (m->d->table_options) orm_buf_puts(&b, m->d->table_options);
        rc = exec_buf(m, &b);
    }
    orm_buf_free(&b);
    for (int i = 0; rc == ORM_OK && m->dry && i < c->nfkeys; i++)
        if (add_fk_index(c, &c->fkeys[i]) < 0) rc = OOM(m);
    if (rc == ORM_OK && m->dry) return shadow_put(m, c);
    orm_dbtable_free(c);
    return rc;
}

static int my_drop_table(orm_mig_ctx *m, const char *table)
{
    orm_buf b = ORM_BUF_INIT;
    orm_buf_puts(&b, "DROP TABLE ");
    orm_dialect_quote(m->d, &b, table);
    int rc = exec_buf(m, &b);
    shadow *sh = m->dry ? get_shadow(m) : NULL;
    if (rc == ORM_OK && sh) {
        forget(sh, table);
        if (orm_strv_push(&sh->known, table) < 0) rc = OOM(m);
    }
    return rc;
}

static int my_rename_table(orm_mig_ctx *m, const char *from, const char *to)
{
    orm_dbtable *t = NULL;
    int rc = m->dry ? table_now(m, from, &t) : ORM_OK;
    orm_buf b = ORM_BUF_INIT;
    orm_buf_puts(&b, "ALTER TABLE ");
    orm_dialect_quote(m->d, &b, from);
    orm_buf_puts(&b, " RENAME TO ");
    orm_dialect_quote(m->d, &b, to);
    if (rc == ORM_OK) rc = exec_buf(m, &b);
    orm_buf_free(&b);
    if (rc == ORM_OK && t) { /* --sql: the shadow follows (the old name settled as absent) */
        orm_dbtable *c = orm_dbtable_copy(t);
        char *name = strdup(to);
        shadow *sh = get_shadow(m);
        if (!c || !name) {
            orm_dbtable_free(c);
            free(name);
            return OOM(m);
        }
        free(c->name);
        c->name = name;
        forget(sh, from);
        if (orm_strv_push(&sh->known, from) < 0) {
            orm_dbtable_free(c);
            return OOM(m);
        }
        rc = shadow_put(m, c);
    }
    return rc;
}

static int my_create_index(orm_mig_ctx *m, const char *table, const orm_dbindex *x)
{
    orm_buf b = ORM_BUF_INIT;
    int rc = orm_dbindex_ddl(m->d, table, x, &b);
    if (rc == ORM_EMISUSE) {
        orm_buf_free(&b);
        return orm_mig_fail(m, "create_index('%s'): an index needs at least one column",
                            x->name ? x->name : "");
    }
    rc = exec_buf(m, &b);
    orm_dbtable *t = NULL;
    if (rc == ORM_OK && m->dry && (rc = table_now(m, table, &t)) == ORM_OK && t) {
        orm_dbindex c = *x;
        c.sql = NULL;
        if (orm_dbtable_add_index(t, &c) < 0) rc = OOM(m);
    }
    return rc;
}

/* The table index `name` is on: the one the shadow knows (--sql), else the
 * database's; MigrationError when none or several have it. */
static int index_table(orm_mig_ctx *m, const char *name, char **out)
{
    *out = NULL;
    shadow *sh = m->dry ? get_shadow(m) : NULL;
    for (int i = 0; sh && i < sh->s->ntables; i++)
        if (orm_dbtable_find_index(sh->s->tables[i], name) >= 0)
            return (*out = strdup(sh->s->tables[i]->name)) ? ORM_OK : OOM(m);
    orm_sqlq q;
    orm_strv found = ORM_STRV_INIT;
    int rc = orm_sqlq_open1(&q, m->c,
                            "SELECT DISTINCT TABLE_NAME FROM information_schema.STATISTICS WHERE "
                            "TABLE_SCHEMA = DATABASE() AND INDEX_NAME = ? ORDER BY TABLE_NAME",
                            name);
    while (rc >= 0 && (rc = orm_sqlq_step(&q)) == ORM_ROW) {
        int oom = 0;
        char *t = orm_sqlq_text(&q, 0, &oom);
        if (t && orm_strv_push(&found, t) < 0) oom = 1;
        free(t);
        if (oom) rc = OOM(m);
    }
    orm_sqlq_close(&q);
    if (rc >= 0 && found.n == 0) rc = orm_mig_fail(m, "no index named '%s' in the database", name);
    if (rc >= 0 && found.n > 1)
        rc = orm_mig_fail(m,
                          "index name '%s' is used on several tables (%s, %s, ...): pass the "
                          "table to drop_index",
                          name, found.v[0], found.v[1]);
    if (rc >= 0 && !(*out = strdup(found.v[0]))) rc = OOM(m);
    orm_strv_free(&found);
    return rc < 0 ? rc : ORM_OK;
}

static int my_drop_index(orm_mig_ctx *m, const char *name, const char *table)
{
    char *found = NULL;
    int rc = table ? ORM_OK : index_table(m, name, &found);
    if (rc < 0) return rc;
    if (!table) table = found;
    orm_buf b = ORM_BUF_INIT;
    orm_buf_puts(&b, "DROP INDEX ");
    orm_dialect_quote(m->d, &b, name);
    orm_buf_puts(&b, " ON ");
    orm_dialect_quote(m->d, &b, table);
    rc = exec_buf(m, &b);
    orm_dbtable *t = NULL;
    if (rc == ORM_OK && m->dry && (rc = table_now(m, table, &t)) == ORM_OK && t) {
        int i = orm_dbtable_find_index(t, name);
        if (i >= 0) orm_dbtable_remove_index(t, i);
    }
    free(found);
    return rc;
}

/* ---- columns ------------------------------------------------------------------------ */

static int my_add_column(orm_mig_ctx *m, const orm_dbtable *frag)
{
    int rc = orm_mig_srv_check_not_null(m, frag);
    orm_dbtable *f = rc == ORM_OK ? with_names(frag) : NULL;
    if (rc == ORM_OK && !f) rc = OOM(m);
    orm_buf b = ORM_BUF_INIT;
    if (rc == ORM_OK) {
        orm_mig_srv_add_column_ddl(m, &b, f, index_item);
        rc = exec_buf(m, &b);
    }
    orm_dbtable *t = NULL;
    if (rc == ORM_OK && m->dry && (rc = table_now(m, f->name, &t)) == ORM_OK && t) {
        rc = orm_dbtable_add_column(t, &f->cols[0]);
        for (int i = 0; rc == ORM_OK && i < f->nuniques; i++)
            rc = orm_dbtable_add_unique(t, &f->uniques[i]);
        for (int i = 0; rc == ORM_OK && i < f->nindexes; i++)
            rc = orm_dbtable_add_index(t, &f->indexes[i]);
        for (int i = 0; rc == ORM_OK && i < f->nfkeys; i++)
            if ((rc = orm_dbtable_add_fkey(t, &f->fkeys[i])) == ORM_OK)
                rc = add_fk_index(t, &f->fkeys[i]);
        if (rc < 0) rc = OOM(m);
    }
    orm_buf_free(&b);
    orm_dbtable_free(f);
    return rc;
}

/* DROP FOREIGN KEY for each key using the column, then DROP COLUMN: one statement. */
static int my_drop_column(orm_mig_ctx *m, const char *table, const char *column)
{
    orm_dbtable *t = NULL;
    int rc = need_table(m, table, &t), i = -1;
    if (rc == ORM_OK && (i = need_column(m, t, column)) < 0) rc = ORM_EFAIL;
    if (rc == ORM_OK && t->ncols == 1)
        rc = orm_mig_fail(m,
                          "cannot drop %s.%s: it is the table's only column (drop the table "
                          "instead)",
                          table, column);
    if (rc < 0) return rc;
    orm_buf b = ORM_BUF_INIT;
    orm_mig_srv_alter(m, &b, table);
    for (int k = 0; k < t->nfkeys; k++) {
        if (orm_strv_find(&t->fkeys[k].cols, column) < 0 || !t->fkeys[k].name) continue;
        orm_buf_puts(&b, "DROP FOREIGN KEY ");
        orm_dialect_quote(m->d, &b, t->fkeys[k].name);
        orm_buf_puts(&b, ", ");
    }
    orm_buf_puts(&b, "DROP COLUMN ");
    orm_dialect_quote(m->d, &b, column);
    rc = exec_buf(m, &b);
    if (rc == ORM_OK && m->dry) orm_dbtable_remove_column(t, i);
    return rc;
}

/* The column's type as MODIFY writes it: the new one, else what the
 * database says (MariaDB's JSON reads back as LONGTEXT: written JSON). */
static void column_type(orm_mig_ctx *m, orm_buf *b, const orm_dbcolumn *c, const orm_type *type)
{
    if (type)
        orm_dialect_type(m->d, b, type);
    else if (c->type_known && (c->type.kind == ORM_T_JSON || !c->type_sql))
        orm_dialect_type(m->d, b, &c->type);
    else
        orm_buf_puts(b, c->type_sql ? c->type_sql : "");
}

static int my_alter_column(orm_mig_ctx *m, const orm_mig_alter *a)
{
    orm_dbtable *t = NULL;
    int rc = need_table(m, a->table, &t), i = -1;
    if (rc == ORM_OK && (i = need_column(m, t, a->column)) < 0) rc = ORM_EFAIL;
    if (rc == ORM_OK && a->new_name && orm_dbtable_find_column(t, a->new_name) >= 0)
        rc = orm_mig_fail(m, "table '%s' already has a column '%s'", t->name, a->new_name);
    if (rc < 0) return rc;
    orm_dbcolumn *c = &t->cols[i];
    int nullable = a->set_nullable ? a->nullable : c->nullable;
    const char *def = a->set_default ? a->server_default : c->server_default;
    int integer = a->type ? a->type->kind == ORM_T_INTEGER || a->type->kind == ORM_T_BIGINT : 1;
    orm_buf b = ORM_BUF_INIT;
    orm_mig_srv_alter(m, &b, a->table);
    orm_buf_puts(&b, a->new_name ? "CHANGE COLUMN " : "MODIFY COLUMN ");
    orm_dialect_quote(m->d, &b, a->column);
    orm_buf_putc(&b, ' ');
    if (a->new_name) {
        orm_dialect_quote(m->d, &b, a->new_name);
        orm_buf_putc(&b, ' ');
    }
    column_type(m, &b, c, a->type);
    orm_buf_puts(&b, nullable ? " NULL" : " NOT NULL");
    if (def) orm_buf_printf(&b, " DEFAULT %s", def);
    if (c->autoincrement && integer) orm_buf_puts(&b, " AUTO_INCREMENT");
    rc = exec_buf(m, &b);
    if (rc < 0 || !m->dry) return rc;
    char *d = def ? strdup(def) : NULL; /* --sql: the shadow follows */
    if (def && !d) return OOM(m);
    if (def != c->server_default) {
        free(c->server_default);
        c->server_default = d;
    } else {
        free(d);
    }
    if (a->type) {
        c->type = *a->type;
        c->type_known = 1;
        free(c->type_sql);
        c->type_sql = NULL;
    }
    c->nullable = nullable;
    if (a->new_name && orm_dbtable_rename_column(t, i, a->new_name) < 0) return OOM(m);
    return ORM_OK;
}

/* ---- constraints --------------------------------------------------------------------- */

static int my_create_unique(orm_mig_ctx *m, const char *table, const orm_dbunique *u)
{
    orm_dbtable *t = NULL;
    int rc = m->dry ? table_now(m, table, &t) : ORM_OK;
    orm_dbtable anon = {.name = (char *)table};
    orm_dbunique n = {0};
    if (rc == ORM_OK && named_unique(&anon, u, &n) < 0) rc = OOM(m);
    orm_buf b = ORM_BUF_INIT;
    if (rc == ORM_OK) {
        orm_mig_srv_alter(m, &b, table);
        orm_buf_puts(&b, "ADD ");
        orm_mig_srv_unique_ddl(m, &b, &n);
        rc = exec_buf(m, &b);
    }
    if (rc == ORM_OK && t && orm_dbtable_add_unique(t, &n) < 0) rc = OOM(m);
    orm_dbunique_clear(&n);
    orm_buf_free(&b);
    return rc;
}

static int my_create_fkey(orm_mig_ctx *m, const char *table, const orm_dbfkey *f)
{
    orm_dbtable *t = NULL;
    int rc = m->dry ? table_now(m, table, &t) : ORM_OK;
    orm_dbtable anon = {.name = (char *)table};
    orm_dbfkey n = {0};
    if (rc == ORM_OK && named_fkey(&anon, f, &n) < 0) rc = OOM(m);
    orm_buf b = ORM_BUF_INIT;
    if (rc == ORM_OK) {
        orm_mig_srv_alter(m, &b, table);
        orm_buf_puts(&b, "ADD ");
        orm_dbfkey_ddl(m->d, &n, &b);
        rc = exec_buf(m, &b);
    }
    if (rc == ORM_OK && t && (orm_dbtable_add_fkey(t, &n) < 0 || add_fk_index(t, &n) < 0))
        rc = OOM(m);
    orm_dbfkey_clear(&n);
    orm_buf_free(&b);
    return rc;
}

/* The index InnoDB made for foreign key k, unless another key needs it: -1 or its place. */
static int fk_own_index(const orm_dbtable *t, int k)
{
    for (int i = 0; i < t->nindexes; i++) {
        if (orm_reflect_mysql_fk_index(t, i) != k) continue;
        for (int j = 0; j < t->nfkeys; j++)
            if (j != k && orm_strv_equal(&t->fkeys[j].cols, &t->fkeys[k].cols)) return -1;
        return i;
    }
    return -1;
}

static int my_drop_constraint(orm_mig_ctx *m, const char *name, const char *table, const char *type)
{
    orm_dbtable *t = NULL;
    orm_mig_srv_found k;
    int rc = need_table(m, table, &t);
    if (rc == ORM_OK) rc = orm_mig_srv_find_constraint(m, t, name, type, 1, &k);
    if (rc < 0) return rc;
    int x = k.kind == 'f' ? fk_own_index(t, k.i) : k.kind == 'i' ? k.i : -1;
    orm_buf b = ORM_BUF_INIT;
    orm_mig_srv_alter(m, &b, table);
    if (k.kind == 'f') {
        orm_buf_puts(&b, "DROP FOREIGN KEY ");
        orm_dialect_quote(m->d, &b, t->fkeys[k.i].name);
        if (x >= 0) orm_buf_puts(&b, ", ");
    }
    if (x >= 0 || k.kind == 'u') {
        orm_buf_puts(&b, "DROP INDEX ");
        orm_dialect_quote(m->d, &b, x >= 0 ? t->indexes[x].name : t->uniques[k.i].name);
    }
    rc = exec_buf(m, &b);
    if (rc < 0 || !m->dry) return rc;
    if (k.kind == 'u') orm_dbtable_remove_unique(t, k.i);
    if (k.kind == 'f') orm_dbtable_remove_fkey(t, k.i);
    if (x >= 0) orm_dbtable_remove_index(t, x);
    return ORM_OK;
}

const orm_mig_backend orm_mig_mysql = {
    .add_column = my_add_column,
    .drop_column = my_drop_column,
    .alter_column = my_alter_column,
    .create_unique = my_create_unique,
    .create_fkey = my_create_fkey,
    .drop_constraint = my_drop_constraint,
    .keep_fks = 1,
    .char_length = "CHAR_LENGTH",
    .create_table = my_create_table,
    .drop_table = my_drop_table,
    .rename_table = my_rename_table,
    .create_index = my_create_index,
    .drop_index = my_drop_index,
    .free_state = shadow_free,
};
