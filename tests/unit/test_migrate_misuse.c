/* test_migrate_misuse.c — the migration context (core/migrate.c) at its
 * edges, on in-memory SQLite: every misuse of an operation is a
 * MigrationError with the message the user sees, and changes nothing; a
 * backend with no migrations is refused by name; a migration is never
 * begun inside an open transaction; a foreign key broken by the revision
 * fails the commit with an IntegrityError naming the row, and everything is
 * rolled back with enforcement back on; freeing a context with a migration
 * open rolls it back; the --sql text writes every kind of value as a
 * literal (quoted strings and $n placeholders too), and where DDL cannot be
 * rolled back (a dialect like MySQL's) it is only written, never run; an
 * operation the backend writes its own way goes to its hook. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "memory_db.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend.h"
#include "migrate_int.h"
#include "sqlq.h"

static orm_conn *family(void)
{
    orm_conn *c = open_memory();
    exec(c, "CREATE TABLE parent (id INTEGER NOT NULL, name VARCHAR(10), PRIMARY KEY (id))");
    exec(c, "CREATE TABLE child (id INTEGER NOT NULL, parent_id INTEGER, PRIMARY KEY (id), "
            "FOREIGN KEY(parent_id) REFERENCES parent (id))");
    exec(c, "INSERT INTO parent VALUES (1, 'a')");
    exec(c, "INSERT INTO child VALUES (1, 1)");
    return c;
}

static void test_migrate_misuse__operations_refuse_bad_arguments(void **state)
{
    (void)state;
    orm_conn *c = family();
    orm_mig_ctx *m = orm_mig_ctx_new(c, 0);
    assert_ptr_equal(orm_mig_ctx_conn(m), c);
    assert_int_equal(orm_mig_begin(m), ORM_OK);
    migration_error(c, orm_mig_begin(m),
                    "a transaction is open on the connection: commit or roll back before "
                    "migrating");

    orm_dbtable *empty = orm_dbtable_new("empty");
    migration_error(c, orm_mig_create_table(m, empty),
                    "create_table('empty'): a table needs at least one column");
    orm_dbindex ix = {.name = "ix_none"};
    migration_error(c, orm_mig_create_index(m, "parent", &ix),
                    "create_index('ix_none'): an index needs at least one column");
    orm_dbindex anon = {.name = NULL};
    migration_error(c, orm_mig_create_index(m, "parent", &anon),
                    "create_index(''): an index needs at least one column");

    orm_dbcolumn a = {
        .name = "a", .type = {ORM_T_INTEGER, 0, 0, 0}, .type_known = 1, .nullable = 1};
    orm_dbcolumn b = {
        .name = "b", .type = {ORM_T_INTEGER, 0, 0, 0}, .type_known = 1, .nullable = 1};
    orm_dbtable *two = orm_dbtable_new("parent");
    assert_int_equal(orm_dbtable_add_column(two, &a), 0);
    assert_int_equal(orm_dbtable_add_column(two, &b), 0);
    migration_error(c, orm_mig_add_column(m, two), "add_column: exactly one column expected");
    migration_error(c, orm_mig_add_column(m, empty), "add_column: exactly one column expected");

    orm_dbunique uq = {.name = "uq_x"};
    migration_error(c, orm_mig_create_unique(m, "parent", &uq),
                    "create_unique_constraint: no columns given");
    orm_dbfkey fk = {.name = "fk_x", .reftable = "parent"};
    const char *fk_msg = "create_foreign_key: the local and referenced column lists must have "
                         "the same, non-zero length";
    migration_error(c, orm_mig_create_fkey(m, "child", &fk), fk_msg);
    assert_int_equal(orm_strv_push(&fk.cols, "parent_id"), 0);
    migration_error(c, orm_mig_create_fkey(m, "child", &fk), fk_msg);
    assert_int_equal(orm_strv_push(&fk.refcols, "id"), 0);
    assert_int_equal(orm_strv_push(&fk.refcols, "name"), 0);
    migration_error(c, orm_mig_create_fkey(m, "child", &fk), fk_msg);
    orm_strv_free(&fk.cols);
    orm_strv_free(&fk.refcols);
    migration_error(c, orm_mig_drop_constraint(m, "ck_x", "parent", "check"),
                    "drop_constraint: type must be \"unique\" or \"foreignkey\" (got \"check\")");
    migration_error(c, orm_mig_drop_column(m, "ghost", "x"), "no table 'ghost' in the database");

    /* an index given as the database's own text runs as it is */
    orm_dbindex raw = {.name = "ix_raw", .sql = "CREATE INDEX ix_raw ON parent (name DESC)"};
    assert_int_equal(orm_mig_create_index(m, "parent", &raw), ORM_OK);
    /* a row of defaults */
    exec(c, "CREATE TABLE d (id INTEGER PRIMARY KEY, v TEXT DEFAULT 'dflt')");
    assert_int_equal(orm_mig_insert(m, "d", NULL, 0, NULL), ORM_OK);
    assert_int_equal(orm_mig_commit(m), ORM_OK);
    assert_int_equal(count(c, "SELECT count(*) FROM d WHERE v = 'dflt'"), 1);
    assert_int_equal(count(c, "SELECT count(*) FROM sqlite_master WHERE sql LIKE '%name DESC%'"),
                     1);
    assert_int_equal(count(c, "SELECT count(*) FROM pragma_table_info('parent')"), 2);
    orm_dbtable_free(empty);
    orm_dbtable_free(two);
    orm_mig_ctx_free(m);
    orm_conn_close(c);
}

static void test_migrate_misuse__not_inside_a_transaction_nor_without_support(void **state)
{
    (void)state;
    orm_conn *c = family();
    exec(c, "BEGIN");
    orm_mig_ctx *m = orm_mig_ctx_new(c, 0);
    migration_error(c, orm_mig_begin(m),
                    "a transaction is open on the connection: commit or roll back before "
                    "migrating");
    exec(c, "ROLLBACK");
    orm_mig_ctx_free(m);

    /* a backend record without migration hooks */
    static orm_backend bare;
    const orm_backend *real = c->backend;
    bare = *real;
    bare.migrate = NULL;
    c->backend = &bare;
    m = orm_mig_ctx_new(c, 0);
    migration_error(c, orm_mig_ctx_supported(m),
                    "migrations are not supported on sqlite databases yet");
    migration_error(c, orm_mig_begin(m), "migrations are not supported on sqlite databases yet");
    assert_false(orm_conn_in_transaction(c));
    orm_mig_ctx_emit_begin(m); /* not in sql mode: nothing */
    char *sql = orm_mig_ctx_take_sql(m);
    assert_string_equal(sql, "");
    free(sql);
    orm_mig_ctx_free(m);
    c->backend = real;
    orm_conn_close(c);
}

static void test_migrate_misuse__broken_foreign_key_fails_the_commit(void **state)
{
    (void)state;
    orm_conn *c = family();
    orm_mig_ctx *m = orm_mig_ctx_new(c, 0);
    assert_int_equal(orm_mig_begin(m), ORM_OK);
    assert_int_equal(orm_mig_execute(m, "DELETE FROM parent", NULL, 0), ORM_OK);
    assert_int_equal(orm_mig_commit(m), ORM_EFAIL);
    assert_int_equal(c->err.cls, ORM_ERR_INTEGRITY);
    assert_string_equal(c->err.message,
                        "FOREIGN KEY constraint failed: row 1 of table child references a "
                        "missing row of parent (PRAGMA foreign_key_check after the migration)");
    orm_error_clear(&c->err);
    assert_false(orm_conn_in_transaction(c));
    assert_int_equal(count(c, "SELECT count(*) FROM parent"), 1);
    assert_int_equal(count(c, "PRAGMA foreign_keys"), 1);
    orm_mig_ctx_free(m);

    /* freeing a context with its migration open rolls it back */
    m = orm_mig_ctx_new(c, 0);
    assert_int_equal(orm_mig_begin(m), ORM_OK);
    assert_int_equal(orm_mig_drop_table(m, "child"), ORM_OK);
    orm_mig_ctx_free(m);
    assert_false(orm_conn_in_transaction(c));
    assert_int_equal(count(c, "SELECT count(*) FROM child"), 1);
    assert_int_equal(count(c, "PRAGMA foreign_keys"), 1);
    orm_conn_close(c);
}

static void test_migrate_misuse__sql_text_of_every_value(void **state)
{
    (void)state;
    orm_conn *c = family();
    orm_mig_ctx *m = orm_mig_ctx_new(c, 1);
    orm_mig_ctx_emit(m, "-- header\n");
    assert_int_equal(orm_mig_begin(m), ORM_OK);
    exec(c, "CREATE TABLE v (a, b, c, d, e, f, g)");
    orm_value vals[7] = {
        {.type = ORM_V_NULL},
        {.type = ORM_V_INT, .u.i = -42},
        {.type = ORM_V_BOOL, .u.i = 1},
        {.type = ORM_V_REAL, .u.r = 0.25},
        {.type = ORM_V_TEXT, .len = 4, .u.s = "it's"},
        {.type = ORM_V_TEXT, .len = 0, .u.s = NULL},
        {.type = ORM_V_BLOB, .len = 3, .u.s = "\x01\xab\xff"},
    };
    const char *cols[] = {"a", "b", "c", "d", "e", "f", "g"};
    assert_int_equal(orm_mig_insert(m, "v", cols, 7, vals), ORM_OK);
    /* placeholders inside quotes stay; doubled quotes do not end a string */
    assert_int_equal(orm_mig_execute(m,
                                     "UPDATE v SET a = 'x''?y' || \"b?\" || `c?` || ? WHERE b = ?",
                                     vals + 4, 2),
                     ORM_EFAIL); /* SQLite has no `...` quotes: the text is still written */
    orm_error_clear(&c->err);
    assert_int_equal(orm_mig_execute(m, "UPDATE v SET a = 'unterminated ?", NULL, 0), ORM_EFAIL);
    orm_error_clear(&c->err);
    orm_mig_rollback(m);
    char *sql = orm_mig_ctx_take_sql(m);
    assert_string_equal(
        sql, "-- header\nINSERT INTO v (a, b, c, d, e, f, g) VALUES (NULL, -42, 1, 0.25, 'it''s', "
             "'', X'01ABFF');\n\n"
             "UPDATE v SET a = 'x''?y' || \"b?\" || `c?` || 'it''s' WHERE b = '';\n\n"
             "UPDATE v SET a = 'unterminated ?;\n\n");
    free(sql);
    sql = orm_mig_ctx_take_sql(m); /* taken: nothing more */
    assert_string_equal(sql, "");
    free(sql);
    orm_mig_ctx_free(m);
    orm_conn_close(c);
}

/* A dialect whose DDL commits at once (as MySQL's): in sql mode nothing runs. */
static orm_backend dry_backend;
static orm_dialect dry_dialect;

static void test_migrate_misuse__sql_mode_without_transactional_ddl_runs_nothing(void **state)
{
    (void)state;
    orm_conn *c = family();
    const orm_backend *real = c->backend;
    dry_backend = *real;
    dry_dialect = *real->dialect;
    dry_dialect.transactional_ddl = 0;
    dry_backend.dialect = &dry_dialect;
    c->backend = &dry_backend;
    orm_mig_ctx *m = orm_mig_ctx_new(c, 1);
    assert_int_equal(orm_mig_begin(m), ORM_OK);
    orm_value vals[2] = {{.type = ORM_V_INT, .u.i = 2}, {.type = ORM_V_TEXT, .len = 1, .u.s = "b"}};
    /* $n placeholders, in any order, and one past the values left as is */
    assert_int_equal(orm_mig_execute(m, "INSERT INTO parent VALUES ($1, $2) -- $3", vals, 2),
                     ORM_OK);
    assert_int_equal(orm_mig_execute(m, "UPDATE parent SET name = $2 WHERE id = $1", vals, 2),
                     ORM_OK);
    assert_int_equal(orm_mig_drop_table(m, "child"), ORM_OK);
    assert_int_equal(orm_mig_rename_table(m, "parent", "mother"), ORM_OK);
    assert_int_equal(orm_mig_drop_index(m, "ix_nothing", "mother"), ORM_OK);
    assert_int_equal(orm_mig_commit(m), ORM_OK);
    char *sql = orm_mig_ctx_take_sql(m);
    assert_string_equal(sql, "INSERT INTO parent VALUES (2, 'b') -- $3;\n\n"
                             "UPDATE parent SET name = 'b' WHERE id = 2;\n\n"
                             "DROP TABLE child;\n\n"
                             "ALTER TABLE parent RENAME TO mother;\n\n"
                             "DROP INDEX ix_nothing;\n\n");
    free(sql);
    orm_mig_ctx_free(m);
    c->backend = real;
    /* written only: the database is as it was */
    assert_int_equal(count(c, "SELECT count(*) FROM parent"), 1);
    assert_int_equal(count(c, "SELECT count(*) FROM child"), 1);
    orm_conn_close(c);
}

/* A backend that writes table and index statements its own way, keeps
 * enforcement on and has no check of its own (as MySQL's record says). */
static orm_backend own_backend;
static orm_mig_backend own_migrate;
static int own_calls[5];

static int own_create_table(orm_mig_ctx *m, const orm_dbtable *t)
{
    (void)m, (void)t;
    return own_calls[0]++, ORM_OK;
}
static int own_drop_table(orm_mig_ctx *m, const char *table)
{
    (void)table;
    own_calls[1]++;
    return orm_mig_fail(m, "own drop");
}
static int own_rename_table(orm_mig_ctx *m, const char *from, const char *to)
{
    (void)m, (void)from, (void)to;
    return own_calls[2]++, ORM_OK;
}
static int own_create_index(orm_mig_ctx *m, const char *table, const orm_dbindex *x)
{
    (void)m, (void)table, (void)x;
    return own_calls[3]++, ORM_OK;
}
static int own_drop_index(orm_mig_ctx *m, const char *name, const char *table)
{
    (void)m, (void)name, (void)table;
    return own_calls[4]++, ORM_OK;
}

static void test_migrate_misuse__a_backends_own_statements(void **state)
{
    (void)state;
    orm_conn *c = family();
    const orm_backend *real = c->backend;
    own_backend = *real;
    own_migrate = *real->migrate;
    own_migrate.create_table = own_create_table;
    own_migrate.drop_table = own_drop_table;
    own_migrate.rename_table = own_rename_table;
    own_migrate.create_index = own_create_index;
    own_migrate.drop_index = own_drop_index;
    own_migrate.keep_fks = 1;
    own_migrate.fkey_check = NULL;
    own_backend.migrate = &own_migrate;
    c->backend = &own_backend;
    orm_mig_ctx *m = orm_mig_ctx_new(c, 0);
    assert_int_equal(orm_mig_begin(m), ORM_OK);
    assert_int_equal(count(c, "PRAGMA foreign_keys"), 1); /* kept on */
    orm_dbtable *t = orm_dbtable_new("t");
    orm_dbindex ix = {.name = "ix"};
    assert_int_equal(orm_mig_create_table(m, t), ORM_OK);
    migration_error(c, orm_mig_drop_table(m, "parent"), "own drop");
    assert_int_equal(orm_mig_rename_table(m, "parent", "p"), ORM_OK);
    assert_int_equal(orm_mig_create_index(m, "parent", &ix), ORM_OK);
    assert_int_equal(orm_mig_drop_index(m, "ix", "parent"), ORM_OK);
    assert_int_equal(orm_mig_check(m), ORM_OK); /* no check of its own */
    assert_int_equal(orm_mig_execute(m, "DELETE FROM child", NULL, 0), ORM_OK);
    assert_int_equal(orm_mig_commit(m), ORM_OK);
    for (int i = 0; i < 5; i++)
        assert_int_equal(own_calls[i], 1);
    assert_int_equal(count(c, "SELECT count(*) FROM sqlite_master WHERE name = 't'"), 0);
    assert_int_equal(count(c, "SELECT count(*) FROM child"), 0);
    orm_dbtable_free(t);
    orm_mig_ctx_free(m);
    c->backend = real;
    orm_conn_close(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_migrate_misuse__operations_refuse_bad_arguments),
        cmocka_unit_test(test_migrate_misuse__not_inside_a_transaction_nor_without_support),
        cmocka_unit_test(test_migrate_misuse__broken_foreign_key_fails_the_commit),
        cmocka_unit_test(test_migrate_misuse__sql_text_of_every_value),
        cmocka_unit_test(test_migrate_misuse__sql_mode_without_transactional_ddl_runs_nothing),
        cmocka_unit_test(test_migrate_misuse__a_backends_own_statements),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
