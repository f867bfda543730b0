/* test_history_table_check.c — the history table of a __versioned model
 * (core/history_table.c) against what the database has: a table of that
 * name missing a column or keyed otherwise is a ProgrammingError naming
 * the table, the model and what is wrong; a missing table or the right one
 * passes; a failing reflection reports the driver's error. Defining the
 * history table with each allocation failing in turn leaves the metadata
 * as it was. Reading a row's history gives every version in order, or
 * only those changed after a time; bulk copies take every row matched. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "memory_db.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ddl.h"
#include "fault.h"
#include "history_table.h"
#include "session.h"
#include "versioning.h"

/* doc(id, title, version) versioned, model Doc, in a metadata of its own. */
static orm_table *doc(orm_metadata *md, int history)
{
    orm_error err;
    orm_error_init(&err);
    orm_table *t;
    assert_int_equal(orm_metadata_add_table(md, "doc", &t, &err), 0);
    orm_column id = {.name = "id", .type = {.kind = ORM_T_INTEGER}, .primary_key = 1};
    orm_column title = {
        .name = "title", .type = {.kind = ORM_T_STRING, .length = 20}, .nullable = 1};
    orm_column ver = {.name = "version", .type = {.kind = ORM_T_INTEGER}, .nullable = 1};
    assert_int_equal(orm_table_add_column(t, &id, &err), 0);
    assert_int_equal(orm_table_add_column(t, &title, &err), 0);
    assert_int_equal(orm_table_add_column(t, &ver, &err), 0);
    assert_int_equal(orm_versioning_set_column(t, "version", "Doc", &err), 0);
    if (history) assert_int_equal(orm_history_define(md, t, &err), 0);
    return t;
}

static void wrong(orm_conn *c, const orm_table *t, const char *what)
{
    orm_error err;
    orm_error_init(&err);
    assert_int_equal(orm_history_check(c, t, &err), ORM_EFAIL);
    assert_int_equal(err.cls, ORM_ERR_PROGRAMMING);
    char want[512];
    snprintf(want, sizeof want,
             "table doc_history exists but is not the history table of Doc (__versioned): %s; "
             "migrate it (ormsh db migrate) or drop it",
             what);
    assert_string_equal(err.message, want);
    orm_error_clear(&err);
}

static void test_history_table_check__what_the_database_has(void **state)
{
    (void)state;
    orm_metadata *md = orm_metadata_new();
    orm_table *t = doc(md, 1);
    orm_conn *c = open_memory();
    orm_error err;
    orm_error_init(&err);
    assert_int_equal(orm_history_check(c, t, &err), ORM_OK); /* none yet: create_all makes it */
    exec(c, "CREATE TABLE doc_history (id INTEGER, title TEXT, version INTEGER, changed_at "
            "DATETIME, PRIMARY KEY (id, version))");
    wrong(c, t, "no column 'operation'");
    exec(c, "DROP TABLE doc_history");
    exec(c, "CREATE TABLE doc_history (id INTEGER, title TEXT, version INTEGER, changed_at "
            "DATETIME, operation TEXT, PRIMARY KEY (id))");
    wrong(c, t, "its primary key is not the key of Doc and version");
    exec(c, "DROP TABLE doc_history");
    exec(c, "CREATE TABLE doc_history (id INTEGER, title TEXT, version INTEGER, changed_at "
            "DATETIME, operation TEXT, PRIMARY KEY (id, changed_at))");
    wrong(c, t, "its primary key is not the key of Doc and version");
    exec(c, "DROP TABLE doc_history");
    /* the one create_all makes passes */
    assert_int_equal(orm_ddl_create_all(c, md, &err), ORM_OK);
    assert_int_equal(orm_history_check(c, t, &err), ORM_OK);
    /* a model without a class name is named by its table */
    free(t->model_name);
    t->model_name = NULL;
    exec(c, "DROP TABLE doc_history");
    exec(c, "CREATE TABLE doc_history (id INTEGER)");
    assert_int_equal(orm_history_check(c, t, &err), ORM_EFAIL);
    assert_non_null(strstr(err.message, "not the history table of doc (__versioned): no column "
                                        "'title'"));
    orm_error_clear(&err);
    /* reflection failing: the driver's error */
    orm_driver_fail_after(1);
    assert_true(orm_history_check(c, t, &err) < 0);
    orm_driver_fail_after(0);
    assert_string_equal(err.message, "injected fault");
    orm_error_clear(&err);
    orm_conn_close(c);
    orm_metadata_free(md);
}

static void test_history_table_check__define_out_of_memory(void **state)
{
    (void)state;
    int done = 0;
    for (long n = 1; n < 100 && !done; n++) {
        orm_metadata *md = orm_metadata_new();
        orm_table *t = doc(md, 0);
        int before = md->ntables;
        orm_error err;
        orm_error_init(&err);
        orm_fault_alloc_after(n);
        int rc = orm_history_define(md, t, &err);
        int fired = orm_fault_alloc_fired();
        orm_fault_alloc_after(0);
        if (rc < 0) {
            assert_true(fired);
            assert_int_equal(err.cls, ORM_ERR_OPERATIONAL);
            assert_string_equal(err.message, "out of memory");
            assert_int_equal(md->ntables, before);
            assert_null(orm_metadata_find(md, "doc_history"));
            assert_null(t->history);
        } else {
            done = !fired;
            assert_non_null(t->history);
            assert_int_equal(t->history->ncols, 5);
        }
        orm_error_clear(&err);
        orm_metadata_free(md);
    }
    assert_true(done);
}

/* The history rows of doc id through orm_history_open: "version:operation"
 * joined by spaces. */
static void history_of(orm_session *s, const orm_table *t, int64_t id, const char *after, char *out,
                       size_t n)
{
    orm_value key, at;
    orm_value_int(&key, id);
    if (after)
        at = (orm_value){
            .type = ORM_V_TEXT, .borrowed = 1, .len = strlen(after), .u.s = (char *)after};
    orm_cursor *cur = NULL;
    assert_int_equal(orm_history_open(s, t, &key, after ? &at : NULL, &cur), ORM_OK);
    out[0] = '\0';
    while (orm_cursor_step(cur) == ORM_ROW) {
        orm_value v = ORM_VALUE_NULL, op = ORM_VALUE_NULL;
        assert_int_equal(orm_cursor_value(cur, 2, &v), ORM_OK);
        assert_int_equal(orm_cursor_value(cur, 4, &op), ORM_OK);
        size_t len = strlen(out);
        snprintf(out + len, n - len, "%s%lld:%s", len ? " " : "", (long long)v.u.i, op.u.s);
        orm_value_clear(&v);
        orm_value_clear(&op);
    }
    orm_cursor_close(cur);
}

static void test_history_table_check__reading_and_bulk_copies(void **state)
{
    (void)state;
    orm_metadata *md = orm_metadata_new();
    orm_table *t = doc(md, 1);
    orm_conn *c = open_memory();
    orm_error err;
    orm_error_init(&err);
    assert_int_equal(orm_ddl_create_all(c, md, &err), ORM_OK);
    exec(c, "INSERT INTO doc VALUES (1, 'a', 1), (2, 'b', NULL), (3, 'c', 2)");
    exec(c, "INSERT INTO doc_history VALUES (1, 'x', 2, '2026-01-02 00:00:00', 'update'), "
            "(1, 'y', 0, '2026-01-01 00:00:00', 'update')");
    orm_session *s = orm_session_new(c, md);
    char buf[128];
    history_of(s, t, 1, NULL, buf, sizeof buf);
    assert_string_equal(buf, "0:update 2:update"); /* by version */
    history_of(s, t, 1, "2026-01-01 12:00:00", buf, sizeof buf);
    assert_string_equal(buf, "2:update");
    history_of(s, t, 2, NULL, buf, sizeof buf);
    assert_string_equal(buf, "");
    /* a bulk delete's copy: every row matched, the version as the row has
     * it (none: 0) */
    orm_expr *col = orm_expr_column(t, 0), *two = NULL;
    orm_value v2;
    orm_value_int(&v2, 2);
    two = orm_expr_bind(&v2);
    orm_expr *ge = orm_expr_binary(ORM_OP_GE, col, two);
    assert_int_equal(orm_history_copy_where(s, t, ge, "delete"), ORM_OK);
    history_of(s, t, 2, NULL, buf, sizeof buf);
    assert_string_equal(buf, "0:delete");
    history_of(s, t, 3, NULL, buf, sizeof buf);
    assert_string_equal(buf, "2:delete");
    /* every row */
    exec(c, "DELETE FROM doc_history");
    assert_int_equal(orm_history_copy_where(s, t, NULL, "update"), ORM_OK);
    assert_int_equal(count(c, "SELECT count(*) FROM doc_history WHERE operation = 'update'"), 3);
    /* a second copy of the same versions breaks the history key: the
     * session's error, nothing more written */
    assert_true(orm_history_copy_where(s, t, NULL, "update") < 0);
    assert_int_equal(orm_session_error(s)->cls, ORM_ERR_INTEGRITY);
    assert_int_equal(count(c, "SELECT count(*) FROM doc_history"), 3);
    orm_expr_release(ge);
    orm_expr_release(col);
    orm_expr_release(two);
    orm_session_free(s);
    orm_conn_close(c);
    orm_metadata_free(md);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_history_table_check__what_the_database_has),
        cmocka_unit_test(test_history_table_check__define_out_of_memory),
        cmocka_unit_test(test_history_table_check__reading_and_bulk_copies),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
