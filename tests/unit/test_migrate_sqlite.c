/* test_migrate_sqlite.c — SQLite's own ways of migrating
 * (core/migrate_sqlite.c) at their edges: a table rebuild keeps its
 * triggers and every view working; a rebuild of more rows than one copy
 * step reports progress from 0 to the total, in order, and copies every
 * row; ADD COLUMN in place where SQLite allows it (a foreign key with its
 * actions, a constant default) and a rebuild where not (CURRENT_TIMESTAMP,
 * UNIQUE); and each misuse a MigrationError naming table and column: a
 * column that exists, the only column, a rename onto a taken name, a
 * constraint name taken or missing (listing what the table has), a column
 * a constraint names that is not there. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "memory_db.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "migrate.h"
#include "sqlq.h"

/* The text of the one-row, one-column query (static buffer). */
static const char *text1(orm_conn *c, const char *sql)
{
    static char out[2048];
    orm_sqlq q;
    if (orm_sqlq_open(&q, c, sql, NULL, 0) != ORM_OK) fail_msg("%s: %s", sql, c->err.message);
    assert_int_equal(orm_sqlq_step(&q), ORM_ROW);
    int oom = 0;
    char *s = orm_sqlq_text(&q, 0, &oom);
    snprintf(out, sizeof out, "%s", s ? s : "NULL");
    free(s);
    orm_sqlq_close(&q);
    return out;
}

static orm_dbtable *fragment(const char *table, const char *col, int nullable, const char *dflt)
{
    orm_dbtable *f = orm_dbtable_new(table);
    orm_dbcolumn c = {.name = (char *)col,
                      .type = {ORM_T_INTEGER, 0, 0, 0},
                      .type_known = 1,
                      .nullable = nullable,
                      .server_default = (char *)dflt};
    assert_int_equal(orm_dbtable_add_column(f, &c), 0);
    return f;
}

static orm_conn *shop(void)
{
    orm_conn *c = open_memory();
    exec(c, "CREATE TABLE item (id INTEGER NOT NULL, name VARCHAR(10), price INTEGER, "
            "PRIMARY KEY (id), CONSTRAINT uq_item_name UNIQUE (name))");
    exec(c, "CREATE TABLE log (id INTEGER PRIMARY KEY, what TEXT)");
    exec(c, "CREATE TABLE single (only_one INTEGER)");
    exec(c, "INSERT INTO item VALUES (1, 'pen', 2), (2, 'book', 20)");
    exec(c, "CREATE TRIGGER item_ins AFTER INSERT ON item BEGIN "
            "INSERT INTO log (what) VALUES ('added ' || NEW.name); END");
    exec(c, "CREATE VIEW cheap AS SELECT name FROM item WHERE price < 10");
    return c;
}

static void test_migrate_sqlite__rebuild_keeps_triggers_and_views(void **state)
{
    (void)state;
    orm_conn *c = shop();
    orm_mig_ctx *m = orm_mig_ctx_new(c, 0);
    assert_int_equal(orm_mig_begin(m), ORM_OK);
    orm_type text = {ORM_T_STRING, 40, 0, 0};
    orm_mig_alter a = {.table = "item", .column = "name", .type = &text};
    assert_int_equal(orm_mig_alter_column(m, &a), ORM_OK);
    /* a new default, then the default dropped again */
    orm_mig_alter d = {.table = "item", .column = "price", .set_default = 1, .server_default = "5"};
    assert_int_equal(orm_mig_alter_column(m, &d), ORM_OK);
    assert_int_equal(orm_mig_commit(m), ORM_OK);
    assert_non_null(
        strstr(text1(c, "SELECT sql FROM sqlite_master WHERE name = 'item'"), "name VARCHAR(40)"));
    exec(c, "INSERT INTO item (id, name) VALUES (3, 'cup')");
    assert_string_equal(text1(c, "SELECT what FROM log"), "added cup");               /* trigger */
    assert_string_equal(text1(c, "SELECT group_concat(name) FROM cheap"), "pen,cup"); /* view */
    assert_int_equal(orm_mig_begin(m), ORM_OK);
    d.server_default = NULL;
    assert_int_equal(orm_mig_alter_column(m, &d), ORM_OK);
    /* nothing asked: nothing done */
    orm_mig_alter none = {.table = "item", .column = "price"};
    assert_int_equal(orm_mig_alter_column(m, &none), ORM_OK);
    assert_int_equal(orm_mig_commit(m), ORM_OK);
    exec(c, "INSERT INTO item (id, name) VALUES (4, 'mug')");
    assert_string_equal(text1(c, "SELECT ifnull(price, 'null') FROM item WHERE id = 4"), "null");
    assert_int_equal(count(c, "SELECT count(*) FROM log"), 2);
    orm_mig_ctx_free(m);
    orm_conn_close(c);
}

typedef struct reports {
    int64_t last_done, total;
    int n, ordered;
    char table[16];
} reports;

static void on_progress(void *ctx, const char *table, int64_t done, int64_t total)
{
    reports *r = ctx;
    if (r->n == 0 && done != 0) r->ordered = 0;
    if (r->n > 0 && done < r->last_done) r->ordered = 0;
    r->n++;
    r->last_done = done;
    r->total = total;
    snprintf(r->table, sizeof r->table, "%s", table);
}

static void test_migrate_sqlite__big_rebuild_reports_progress(void **state)
{
    (void)state;
    orm_conn *c = open_memory();
    exec(c, "CREATE TABLE big (id INTEGER PRIMARY KEY, v INTEGER)");
    /* 25,000 rows with a gap in the keys */
    exec(c, "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 25000) "
            "INSERT INTO big SELECT CASE WHEN i > 12000 THEN i + 50000 ELSE i END, i FROM n");
    orm_mig_ctx *m = orm_mig_ctx_new(c, 0);
    reports r = {.ordered = 1};
    orm_mig_ctx_set_progress(m, on_progress, &r);
    assert_int_equal(orm_mig_begin(m), ORM_OK);
    orm_dbtable *f = fragment("big", "w", 1, NULL);
    orm_dbunique uq = {.name = "uq_big_w"};
    assert_int_equal(orm_strv_push(&uq.cols, "w"), 0);
    assert_int_equal(orm_dbtable_add_unique(f, &uq), 0); /* UNIQUE: a rebuild */
    orm_strv_free(&uq.cols);
    assert_int_equal(orm_mig_add_column(m, f), ORM_OK);
    assert_int_equal(orm_mig_commit(m), ORM_OK);
    assert_true(r.n >= 4); /* 0, then one report per step of about 10,000 rows */
    assert_true(r.ordered);
    assert_int_equal(r.total, 25000);
    assert_int_equal(r.last_done, 25000);
    assert_string_equal(r.table, "big");
    assert_int_equal(count(c, "SELECT count(*) FROM big"), 25000);
    assert_int_equal(count(c, "SELECT sum(v) FROM big"), 25000LL * 25001 / 2);
    assert_int_equal(count(c, "SELECT count(*) FROM big WHERE w IS NULL"), 25000);
    orm_dbtable_free(f);
    orm_mig_ctx_free(m);
    orm_conn_close(c);
}

static void test_migrate_sqlite__add_column_in_place_or_by_rebuild(void **state)
{
    (void)state;
    orm_conn *c = shop();
    orm_mig_ctx *m = orm_mig_ctx_new(c, 0);
    assert_int_equal(orm_mig_begin(m), ORM_OK);
    /* a foreign key with actions: ALTER TABLE ... ADD COLUMN ... REFERENCES */
    orm_dbtable *f = fragment("log", "item_id", 1, NULL);
    orm_dbfkey fk = {.reftable = "item", .ondelete = "SET NULL", .onupdate = "CASCADE"};
    assert_int_equal(orm_strv_push(&fk.cols, "item_id"), 0);
    assert_int_equal(orm_strv_push(&fk.refcols, "id"), 0);
    assert_int_equal(orm_dbtable_add_fkey(f, &fk), 0);
    orm_strv_free(&fk.cols);
    orm_strv_free(&fk.refcols);
    orm_dbindex ix = {.name = "ix_log_item_id"};
    assert_int_equal(orm_strv_push(&ix.cols, "item_id"), 0);
    assert_int_equal(orm_dbtable_add_index(f, &ix), 0);
    orm_strv_free(&ix.cols);
    assert_int_equal(orm_mig_add_column(m, f), ORM_OK);
    orm_dbtable_free(f);
    /* NOT NULL with a constant default: in place too */
    f = fragment("item", "stock", 0, "0");
    assert_int_equal(orm_mig_add_column(m, f), ORM_OK);
    orm_dbtable_free(f);
    /* CURRENT_TIMESTAMP is not constant for SQLite's ADD COLUMN: a rebuild */
    f = fragment("item", "added", 1, "CURRENT_TIMESTAMP");
    assert_int_equal(orm_mig_add_column(m, f), ORM_OK);
    /* the same column again, through the rebuild: a MigrationError */
    migration_error(c, orm_mig_add_column(m, f), "table 'item' already has a column 'added'");
    orm_dbtable_free(f);
    /* and in place: SQLite's own error */
    f = fragment("item", "stock", 1, NULL);
    assert_int_equal(orm_mig_add_column(m, f), ORM_EFAIL);
    assert_non_null(strstr(c->err.message, "duplicate column name: stock"));
    orm_error_clear(&c->err);
    orm_dbtable_free(f);
    assert_int_equal(orm_mig_commit(m), ORM_OK);
    const char *log = text1(c, "SELECT sql FROM sqlite_master WHERE name = 'log'");
    assert_non_null(strstr(log, "REFERENCES item (id) ON DELETE SET NULL ON UPDATE CASCADE"));
    assert_int_equal(count(c, "SELECT count(*) FROM sqlite_master WHERE name = 'ix_log_item_id'"),
                     1);
    assert_int_equal(count(c, "SELECT count(*) FROM item WHERE stock = 0 AND added IS NOT NULL"),
                     2);
    assert_non_null(strstr(text1(c, "SELECT sql FROM sqlite_master WHERE name = 'item'"),
                           "DEFAULT CURRENT_TIMESTAMP"));
    orm_mig_ctx_free(m);
    orm_conn_close(c);
}

static void test_migrate_sqlite__misuse_names_table_and_column(void **state)
{
    (void)state;
    orm_conn *c = shop();
    orm_mig_ctx *m = orm_mig_ctx_new(c, 0);
    assert_int_equal(orm_mig_begin(m), ORM_OK);
    migration_error(c, orm_mig_drop_column(m, "single", "only_one"),
                    "cannot drop single.only_one: it is the table's only column (drop the "
                    "table instead)");
    migration_error(c, orm_mig_drop_column(m, "item", "nope"), "table 'item' has no column 'nope'");
    orm_mig_alter a = {
        .table = "item", .column = "price", .set_nullable = 1, .nullable = 0, .new_name = "name"};
    migration_error(c, orm_mig_alter_column(m, &a), "table 'item' already has a column 'name'");
    a.column = "cost";
    migration_error(c, orm_mig_alter_column(m, &a), "table 'item' has no column 'cost'");

    orm_dbunique uq = {.name = "uq_item_name"};
    assert_int_equal(orm_strv_push(&uq.cols, "price"), 0);
    migration_error(c, orm_mig_create_unique(m, "item", &uq),
                    "table 'item' already has a constraint named 'uq_item_name'");
    uq.name = "uq_other";
    assert_int_equal(orm_strv_push(&uq.cols, "colour"), 0);
    migration_error(c, orm_mig_create_unique(m, "item", &uq),
                    "table 'item' has no column 'colour'");
    orm_strv_free(&uq.cols);

    orm_dbfkey fk = {.name = "uq_item_name", .reftable = "log"};
    assert_int_equal(orm_strv_push(&fk.cols, "price"), 0);
    assert_int_equal(orm_strv_push(&fk.refcols, "id"), 0);
    migration_error(c, orm_mig_create_fkey(m, "item", &fk),
                    "table 'item' already has a constraint named 'uq_item_name'");
    fk.name = "fk_x";
    free(fk.cols.v[0]);
    fk.cols.v[0] = strdup("ghost");
    migration_error(c, orm_mig_create_fkey(m, "item", &fk), "table 'item' has no column 'ghost'");
    orm_strv_free(&fk.cols);
    orm_strv_free(&fk.refcols);

    migration_error(c, orm_mig_drop_constraint(m, "uq_x", "single", NULL),
                    "table 'single' has no unique or foreign-key constraint named 'uq_x' (it "
                    "has: none)");
    migration_error(c, orm_mig_drop_constraint(m, "uq_item_name", "item", "foreignkey"),
                    "table 'item' has no foreignkey constraint named 'uq_item_name' (it has: "
                    "uq_item_name)");
    /* a column without constraints goes in place (SQLite checks the views) */
    assert_int_equal(orm_mig_drop_column(m, "item", "price"), ORM_EFAIL);
    assert_non_null(strstr(c->err.message, "error in view cheap after drop column"));
    orm_error_clear(&c->err);
    assert_int_equal(orm_mig_execute(m, "DROP VIEW cheap", NULL, 0), ORM_OK);
    assert_int_equal(orm_mig_drop_column(m, "item", "price"), ORM_OK);
    assert_int_equal(orm_mig_commit(m), ORM_OK);
    assert_int_equal(count(c, "SELECT count(*) FROM pragma_table_info('item')"), 2);
    assert_int_equal(count(c, "SELECT count(*) FROM item"), 2);
    assert_int_equal(count(c, "SELECT count(*) FROM log"), 0);
    orm_mig_ctx_free(m);
    orm_conn_close(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_migrate_sqlite__rebuild_keeps_triggers_and_views),
        cmocka_unit_test(test_migrate_sqlite__big_rebuild_reports_progress),
        cmocka_unit_test(test_migrate_sqlite__add_column_in_place_or_by_rebuild),
        cmocka_unit_test(test_migrate_sqlite__misuse_names_table_and_column),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
