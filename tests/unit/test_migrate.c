/* test_migrate.c — the migration operations on a real SQLite connection:
 * a table rebuild keeps every row of ON DELETE CASCADE / SET NULL children
 * and turns enforcement back on; a failure (also every injected one on the
 * way) leaves schema, rows and the version as they were; --sql text with
 * values written in; constraints found by their conventional names; the
 * version table. */
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

/* The first column of every row of sql, joined by "," (a static buffer). */
static const char *rows(orm_conn *c, const char *sql)
{
    static char out[4096];
    orm_sqlq q;
    out[0] = '\0';
    assert_int_equal(orm_sqlq_open(&q, c, sql, NULL, 0), 0);
    int rc;
    while ((rc = orm_sqlq_step(&q)) == ORM_ROW) {
        int oom = 0;
        char *s = orm_sqlq_text(&q, 0, &oom);
        snprintf(out + strlen(out), sizeof out - strlen(out), "%s%s", out[0] ? "," : "",
                 s ? s : "NULL");
        free(s);
    }
    orm_sqlq_close(&q);
    assert_int_equal(rc, ORM_DONE);
    return out;
}

static void family(orm_conn *c)
{
    exec(c,
         "CREATE TABLE parent (id INTEGER NOT NULL, name VARCHAR(10) NOT NULL, PRIMARY KEY (id))");
    exec(c, "CREATE INDEX ix_parent_name ON parent (name)");
    exec(c, "CREATE TABLE child (id INTEGER NOT NULL, parent_id INTEGER, PRIMARY KEY (id), "
            "FOREIGN KEY(parent_id) REFERENCES parent (id) ON DELETE CASCADE)");
    exec(c, "CREATE TABLE pet (id INTEGER NOT NULL, parent_id INTEGER, PRIMARY KEY (id), "
            "FOREIGN KEY(parent_id) REFERENCES parent (id) ON DELETE SET NULL)");
    exec(c, "INSERT INTO parent VALUES (1, 'a'), (2, 'b')");
    exec(c, "INSERT INTO child VALUES (1, 1), (2, 2), (3, 2)");
    exec(c, "INSERT INTO pet VALUES (1, 1), (2, 2)");
}

static const char *SCHEMA = "SELECT sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY name";

static int widen(orm_mig_ctx *m)
{
    orm_type t = {ORM_T_STRING, 80, 0, 0};
    orm_mig_alter a = {.table = "parent", .column = "name", .type = &t};
    return orm_mig_alter_column(m, &a);
}

static void test_migrate__rebuild_keeps_children_and_enforcement(void **state)
{
    (void)state;
    orm_conn *c = open_memory();
    family(c);
    orm_mig_ctx *m = orm_mig_ctx_new(c, 0);
    assert_int_equal(orm_mig_begin(m), 0);
    assert_int_equal(widen(m), 0);
    assert_int_equal(orm_mig_commit(m), 0);
    assert_string_equal(rows(c, "SELECT parent_id FROM child ORDER BY id"), "1,2,2");
    assert_string_equal(rows(c, "SELECT parent_id FROM pet ORDER BY id"), "1,2");
    assert_string_equal(rows(c, "SELECT name FROM parent ORDER BY id"), "a,b");
    assert_non_null(
        strstr(rows(c, "SELECT sql FROM sqlite_master WHERE name = 'parent'"), "VARCHAR(80)"));
    assert_string_equal(rows(c, "SELECT name FROM sqlite_master WHERE type = 'index'"),
                        "ix_parent_name");
    assert_string_equal(rows(c, "PRAGMA foreign_keys"), "1");
    assert_string_equal(rows(c, "SELECT count(*) FROM pragma_foreign_key_check"), "0");
    /* enforced again: deleting a parent cascades, an orphan is refused */
    exec(c, "DELETE FROM parent WHERE id = 2");
    assert_string_equal(rows(c, "SELECT count(*) FROM child"), "1");
    assert_string_equal(rows(c, "SELECT parent_id FROM pet ORDER BY id"), "1,NULL");
    assert_int_equal(orm_conn_exec(c, "INSERT INTO child VALUES (9, 99)"), ORM_EFAIL);
    assert_int_equal(c->err.cls, ORM_ERR_INTEGRITY);
    orm_mig_ctx_free(m);
    orm_conn_close(c);
}

static void test_migrate__failure_changes_nothing(void **state)
{
    (void)state;
    orm_conn *c = open_memory();
    family(c);
    char before[4096];
    snprintf(before, sizeof before, "%s", rows(c, SCHEMA));
    orm_mig_ctx *m = orm_mig_ctx_new(c, 0);
    assert_int_equal(orm_mig_begin(m), 0);
    assert_int_equal(widen(m), 0);
    assert_int_equal(orm_mig_execute(m, "INSERT INTO child VALUES (50, 777)", NULL, 0), 0);
    /* the orphan only shows at the check before COMMIT */
    assert_int_equal(orm_mig_commit(m), ORM_EFAIL);
    assert_int_equal(c->err.cls, ORM_ERR_INTEGRITY);
    assert_non_null(strstr(c->err.message, "row 50 of table child"));
    assert_string_equal(rows(c, SCHEMA), before);
    assert_string_equal(rows(c, "SELECT count(*) FROM child"), "3");
    assert_string_equal(rows(c, "PRAGMA foreign_keys"), "1");
    assert_int_equal(orm_conn_in_transaction(c), 0);
    orm_mig_ctx_free(m);
    orm_conn_close(c);
}

static void test_migrate__every_injected_fault_leaves_the_database_as_it_was(void **state)
{
    (void)state;
    orm_conn *c = open_memory();
    family(c);
    char before[4096];
    snprintf(before, sizeof before, "%s", rows(c, SCHEMA));
    orm_strv none = ORM_STRV_INIT, v1 = ORM_STRV_INIT;
    orm_strv_push(&v1, "aaaaaaaaaaaa");
    int done = 0;
    for (long n = 1; n < 200 && !done; n++) {
        orm_mig_ctx *m = orm_mig_ctx_new(c, 0);
        orm_driver_fail_after(n);
        int rc = orm_mig_begin(m);
        if (rc == 0) rc = widen(m);
        if (rc == 0) rc = orm_mig_version_move(m, &none, &v1);
        if (rc == 0)
            rc = orm_mig_commit(m);
        else
            orm_mig_rollback(m);
        orm_driver_fail_after(0);
        if (rc == 0) {
            done = 1;
        } else {
            assert_string_equal(c->err.message, "injected fault");
            assert_string_equal(rows(c, SCHEMA), before);
            assert_string_equal(rows(c, "SELECT count(*) FROM child"), "3");
        }
        assert_int_equal(orm_conn_in_transaction(c), 0);
        assert_string_equal(rows(c, "PRAGMA foreign_keys"), "1");
        orm_error_clear(&c->err);
        orm_mig_ctx_free(m);
    }
    assert_true(done);
    orm_strv cur = ORM_STRV_INIT;
    assert_int_equal(orm_mig_version_read(c, &cur), 0);
    assert_int_equal(cur.n, 1);
    assert_string_equal(cur.v[0], "aaaaaaaaaaaa");
    orm_strv_free(&cur);
    orm_strv_free(&v1);
    orm_conn_close(c);
}

static void test_migrate__sql_mode_collects_literal_text(void **state)
{
    (void)state;
    orm_conn *c = open_memory();
    family(c);
    orm_mig_ctx *m = orm_mig_ctx_new(c, 1);
    assert_int_equal(orm_mig_begin(m), 0);
    orm_mig_ctx_emit_begin(m);
    orm_value v[2] = {{.type = ORM_V_TEXT, .len = 4, .u.s = "it's"}, {.type = ORM_V_INT, .u.i = 7}};
    assert_int_equal(
        orm_mig_execute(m, "UPDATE parent SET name = ? WHERE id <> ? AND name <> '?'", v, 2), 0);
    const char *cols[] = {"id", "name"};
    orm_value row[2] = {{.type = ORM_V_INT, .u.i = 5}, {.type = ORM_V_NULL}};
    assert_int_equal(orm_mig_insert(m, "parent", cols, 2, row), ORM_EFAIL); /* NOT NULL */
    orm_error_clear(&c->err);
    orm_mig_ctx_emit_commit(m);
    orm_mig_rollback(m);
    char *sql = orm_mig_ctx_take_sql(m);
    assert_string_equal(sql, "PRAGMA foreign_keys = OFF;\n\nBEGIN;\n\n"
                             "UPDATE parent SET name = 'it''s' WHERE id <> 7 AND name <> '?';\n\n"
                             "INSERT INTO parent (id, name) VALUES (5, NULL);\n\n"
                             "COMMIT;\n\nPRAGMA foreign_keys = ON;\n\n");
    free(sql);
    assert_string_equal(rows(c, "SELECT name FROM parent ORDER BY id"), "a,b");
    orm_mig_ctx_free(m);
    orm_conn_close(c);
}

static void test_migrate__constraints_by_conventional_name(void **state)
{
    (void)state;
    orm_conn *c = open_memory();
    family(c);
    exec(c, "CREATE TABLE u (id INTEGER NOT NULL, a INTEGER, PRIMARY KEY (id), UNIQUE (a))");
    orm_mig_ctx *m = orm_mig_ctx_new(c, 0);
    assert_int_equal(orm_mig_begin(m), 0);
    assert_int_equal(orm_mig_drop_constraint(m, "nope", "u", NULL), ORM_EFAIL);
    assert_int_equal(c->err.cls, ORM_ERR_MIGRATION);
    assert_non_null(strstr(c->err.message, "it has: uq_u_a"));
    assert_int_equal(orm_mig_drop_constraint(m, "uq_u_a", "u", "unique"), 0);
    assert_int_equal(orm_mig_drop_constraint(m, "fk_child_parent_id_parent", "child", "foreignkey"),
                     0);
    orm_dbunique uq = {.name = "uq_named", .cols = {NULL, 0}};
    orm_strv_push(&uq.cols, "a");
    assert_int_equal(orm_mig_create_unique(m, "u", &uq), 0);
    orm_strv_free(&uq.cols);
    assert_int_equal(orm_mig_commit(m), 0);
    assert_non_null(strstr(rows(c, "SELECT sql FROM sqlite_master WHERE name = 'u'"),
                           "CONSTRAINT uq_named UNIQUE (a)"));
    assert_string_equal(rows(c, "SELECT count(*) FROM pragma_foreign_key_list('child')"), "0");
    assert_string_equal(rows(c, "SELECT count(*) FROM child"), "3");
    orm_mig_ctx_free(m);
    orm_conn_close(c);
}

static void test_migrate__add_not_null_column_needs_a_default_when_rows_exist(void **state)
{
    (void)state;
    orm_conn *c = open_memory();
    family(c);
    orm_mig_ctx *m = orm_mig_ctx_new(c, 0);
    assert_int_equal(orm_mig_begin(m), 0);
    orm_dbtable *f = orm_dbtable_new("parent");
    orm_dbcolumn col = {.name = "age", .type = {ORM_T_INTEGER, 0, 0, 0}, .type_known = 1};
    orm_dbtable_add_column(f, &col);
    assert_int_equal(orm_mig_add_column(m, f), ORM_EFAIL);
    assert_non_null(strstr(c->err.message, "without a server_default"));
    f->cols[0].server_default = strdup("0");
    assert_int_equal(orm_mig_add_column(m, f), 0);
    orm_dbtable_free(f);
    assert_int_equal(orm_mig_drop_column(m, "parent", "age"), 0);
    assert_int_equal(orm_mig_drop_column(m, "parent", "name"), 0); /* indexed: a rebuild */
    assert_int_equal(orm_mig_commit(m), 0);
    assert_string_equal(rows(c, "SELECT name FROM pragma_table_info('parent')"), "id");
    assert_string_equal(rows(c, "SELECT count(*) FROM child"), "3");
    orm_mig_ctx_free(m);
    orm_conn_close(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_migrate__rebuild_keeps_children_and_enforcement),
        cmocka_unit_test(test_migrate__failure_changes_nothing),
        cmocka_unit_test(test_migrate__every_injected_fault_leaves_the_database_as_it_was),
        cmocka_unit_test(test_migrate__sql_mode_collects_literal_text),
        cmocka_unit_test(test_migrate__constraints_by_conventional_name),
        cmocka_unit_test(test_migrate__add_not_null_column_needs_a_default_when_rows_exist),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
