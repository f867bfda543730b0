/* migrate_pg.c — the migration operations on PostgreSQL, all in place with
 * ALTER TABLE (no rebuild): ADD COLUMN with its constraints, DROP COLUMN
 * (PostgreSQL drops the column's indexes and constraints with it), ALTER
 * COLUMN ... TYPE ... USING, SET/DROP NOT NULL, SET/DROP DEFAULT, RENAME
 * COLUMN, ADD/DROP CONSTRAINT; tables and indexes use migrate.c's generic
 * statements. PostgreSQL's DDL is transactional: a revision and its version
 * bump commit together or not at all (migrate.c), and foreign keys are
 * enforced throughout, so nothing is left to check before the commit. */
#include <stdlib.h>
#include <string.h>

#include "migrate_server.h"
#include "reflect_server.h"

static int exec_buf(orm_mig_ctx *m, orm_buf *b)
{
    int rc = orm_mig_exec_buf(m, b);
    orm_buf_free(b);
    return rc;
}

/* ALTER TABLE t ADD COLUMN c ..., ADD UNIQUE (c), ADD FOREIGN KEY (c) ...;
 * then its indexes. */
static int pg_add_column(orm_mig_ctx *m, const orm_dbtable *f)
{
    int rc = orm_mig_srv_check_not_null(m, f);
    if (rc < 0) return rc;
    orm_buf b = ORM_BUF_INIT;
    orm_mig_srv_add_column_ddl(m, &b, f, NULL);
    rc = exec_buf(m, &b);
    for (int i = 0; rc == ORM_OK && i < f->nindexes; i++)
        rc = orm_mig_create_index(m, f->name, &f->indexes[i]);
    return rc;
}

static int pg_drop_column(orm_mig_ctx *m, const char *table, const char *column)
{
    orm_buf b = ORM_BUF_INIT;
    orm_mig_srv_alter(m, &b, table);
    orm_buf_puts(&b, "DROP COLUMN ");
    orm_dialect_quote(m->d, &b, column);
    return exec_buf(m, &b);
}

/* ", " between the actions of one ALTER TABLE, then "ALTER COLUMN c ". */
static void alter_action(orm_mig_ctx *m, orm_buf *b, int *n, const char *column)
{
    if ((*n)++) orm_buf_puts(b, ", ");
    orm_buf_puts(b, "ALTER COLUMN ");
    orm_dialect_quote(m->d, b, column);
    orm_buf_putc(b, ' ');
}

static int pg_alter_column(orm_mig_ctx *m, const orm_mig_alter *a)
{
    orm_buf b = ORM_BUF_INIT;
    int n = 0, rc = ORM_OK;
    orm_mig_srv_alter(m, &b, a->table);
    if (a->type) { /* the old values converted by a cast */
        orm_buf type = ORM_BUF_INIT;
        orm_dialect_type(m->d, &type, a->type);
        alter_action(m, &b, &n, a->column);
        orm_buf_printf(&b, "TYPE %s USING ", orm_buf_str(&type));
        orm_dialect_quote(m->d, &b, a->column);
        orm_buf_printf(&b, "::%s", orm_buf_str(&type));
        orm_buf_free(&type);
    }
    if (a->set_nullable) {
        alter_action(m, &b, &n, a->column);
        orm_buf_puts(&b, a->nullable ? "DROP NOT NULL" : "SET NOT NULL");
    }
    if (a->set_default) {
        alter_action(m, &b, &n, a->column);
        if (a->server_default)
            orm_buf_printf(&b, "SET DEFAULT %s", a->server_default);
        else
            orm_buf_puts(&b, "DROP DEFAULT");
    }
    if (n) rc = orm_mig_exec_buf(m, &b);
    orm_buf_reset(&b);
    if (rc == ORM_OK && a->new_name) { /* RENAME stands alone */
        orm_mig_srv_alter(m, &b, a->table);
        orm_buf_puts(&b, "RENAME COLUMN ");
        orm_dialect_quote(m->d, &b, a->column);
        orm_buf_puts(&b, " TO ");
        orm_dialect_quote(m->d, &b, a->new_name);
        rc = orm_mig_exec_buf(m, &b);
    }
    orm_buf_free(&b);
    return rc;
}

static int pg_create_unique(orm_mig_ctx *m, const char *table, const orm_dbunique *u)
{
    orm_buf b = ORM_BUF_INIT;
    orm_mig_srv_alter(m, &b, table);
    orm_buf_puts(&b, "ADD ");
    orm_mig_srv_unique_ddl(m, &b, u);
    return exec_buf(m, &b);
}

static int pg_create_fkey(orm_mig_ctx *m, const char *table, const orm_dbfkey *f)
{
    orm_buf b = ORM_BUF_INIT;
    orm_mig_srv_alter(m, &b, table);
    orm_buf_puts(&b, "ADD ");
    orm_dbfkey_ddl(m->d, f, &b);
    return exec_buf(m, &b);
}

/* The constraint is found by its name in the database or by its
 * conventional one (uq_<table>_<col>, fk_<table>_<col>_<ref>), so a
 * revision written anywhere drops PostgreSQL's author_email_key too. */
static int pg_drop_constraint(orm_mig_ctx *m, const char *name, const char *table, const char *type)
{
    orm_dbtable *t = NULL;
    int rc = orm_reflect_pg_table(m->c, table, 1, &t);
    if (rc == ORM_OK && !t) rc = orm_mig_fail(m, "no table '%s' in the database", table);
    orm_mig_srv_found k;
    if (rc == ORM_OK) rc = orm_mig_srv_find_constraint(m, t, name, type, 0, &k);
    if (rc == ORM_OK) {
        orm_buf b = ORM_BUF_INIT;
        orm_mig_srv_alter(m, &b, table);
        orm_buf_puts(&b, "DROP CONSTRAINT ");
        orm_dialect_quote(m->d, &b, k.kind == 'u' ? t->uniques[k.i].name : t->fkeys[k.i].name);
        rc = exec_buf(m, &b);
    }
    orm_dbtable_free(t);
    return rc;
}

const orm_mig_backend orm_mig_pg = {
    .add_column = pg_add_column,
    .drop_column = pg_drop_column,
    .alter_column = pg_alter_column,
    .create_unique = pg_create_unique,
    .create_fkey = pg_create_fkey,
    .drop_constraint = pg_drop_constraint,
    .keep_fks = 1,
    .char_length = "CHAR_LENGTH",
};
