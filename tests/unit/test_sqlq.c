/* test_sqlq.c — the one-shot queries of the schema tools (core/sqlq.c) on
 * in-memory SQLite: every column type read as text, integer and NULL test;
 * open, step, run and collect, their failures (bad SQL, a constraint, a
 * query that never opened) and, with fault injection, every allocation and
 * driver call failing in turn: an error each time, never a partial list. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "fault.h"
#include "sqlq.h"
#include "url.h"

static int setup(void **state)
{
    orm_url u;
    orm_error e;
    orm_error_init(&e);
    if (orm_url_parse(&u, "sqlite://", &e) != ORM_OK) return -1;
    orm_open_opts o = {0};
    orm_conn *c = NULL;
    int rc = orm_conn_open(&c, &u, &o, &e);
    orm_url_free(&u);
    orm_error_clear(&e);
    if (rc != ORM_OK) return -1;
    if (orm_conn_exec(c, "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT UNIQUE, "
                         "score REAL, data BLOB)") != ORM_OK ||
        orm_conn_exec(c, "INSERT INTO t VALUES (1, 'ann', 2.5, x'00ff'), (2, NULL, NULL, NULL), "
                         "(3, 'cy', -7, 'raw')") != ORM_OK)
        return -1;
    *state = c;
    return 0;
}

static int teardown(void **state)
{
    orm_conn_close(*state);
    return 0;
}

/* ---- reading columns ----------------------------------------------------- */

static void test_sqlq__columns_read_as_text_int_and_null(void **state)
{
    orm_conn *c = *state;
    orm_sqlq q;
    assert_int_equal(
        orm_sqlq_open(&q, c, "SELECT id, name, score, data FROM t ORDER BY id", NULL, 0), ORM_OK);
    int oom = 0;
    assert_int_equal(orm_sqlq_step(&q), ORM_ROW);
    char *s = orm_sqlq_text(&q, 0, &oom);
    assert_string_equal(s, "1");
    free(s);
    s = orm_sqlq_text(&q, 1, &oom);
    assert_string_equal(s, "ann");
    free(s);
    s = orm_sqlq_text(&q, 2, &oom); /* REAL: every digit needed to read it back */
    assert_string_equal(s, "2.5");
    free(s);
    s = orm_sqlq_text(&q, 3, &oom); /* a blob's bytes, NUL-terminated */
    assert_non_null(s);
    assert_int_equal((unsigned char)s[0], 0);
    assert_int_equal((unsigned char)s[1], 0xff);
    free(s);
    assert_int_equal(orm_sqlq_int(&q, 0), 1);
    assert_int_equal(orm_sqlq_int(&q, 2), 2); /* a real truncated */
    assert_int_equal(orm_sqlq_int(&q, 1), 0); /* text is 0 */
    assert_false(orm_sqlq_is_null(&q, 1));

    assert_int_equal(orm_sqlq_step(&q), ORM_ROW);
    assert_null(orm_sqlq_text(&q, 1, &oom)); /* SQL NULL: NULL, not out of memory */
    assert_int_equal(oom, 0);
    assert_true(orm_sqlq_is_null(&q, 1));
    assert_true(orm_sqlq_is_null(&q, 2));
    assert_int_equal(orm_sqlq_int(&q, 2), 0);

    assert_int_equal(orm_sqlq_step(&q), ORM_ROW);
    s = orm_sqlq_text(&q, 2, &oom);
    assert_string_equal(s, "-7");
    free(s);
    assert_int_equal(orm_sqlq_int(&q, 2), -7);
    assert_int_equal(orm_sqlq_step(&q), ORM_DONE);
    orm_sqlq_close(&q);
    orm_sqlq_close(&q); /* idempotent */
    assert_int_equal(oom, 0);
}

static void test_sqlq__open1_binds_its_text_parameter(void **state)
{
    orm_conn *c = *state;
    orm_sqlq q;
    assert_int_equal(orm_sqlq_open1(&q, c, "SELECT id FROM t WHERE name = ?", "cy"), ORM_OK);
    assert_int_equal(orm_sqlq_step(&q), ORM_ROW);
    assert_int_equal(orm_sqlq_int(&q, 0), 3);
    assert_int_equal(orm_sqlq_step(&q), ORM_DONE);
    orm_sqlq_close(&q);
    /* no parameter at all */
    assert_int_equal(orm_sqlq_open1(&q, c, "SELECT count(*) FROM t", NULL), ORM_OK);
    assert_int_equal(orm_sqlq_step(&q), ORM_ROW);
    assert_int_equal(orm_sqlq_int(&q, 0), 3);
    orm_sqlq_close(&q);
}

/* ---- failures ------------------------------------------------------------ */

static void test_sqlq__bad_sql_fails_at_open_and_step_says_so(void **state)
{
    orm_conn *c = *state;
    orm_sqlq q;
    assert_true(orm_sqlq_open(&q, c, "SELEKT 1", NULL, 0) < 0);
    assert_int_equal(c->err.cls, ORM_ERR_PROGRAMMING);
    assert_non_null(strstr(c->err.message, "syntax error"));
    /* stepping the query that never opened keeps the first error */
    assert_true(orm_sqlq_step(&q) < 0);
    assert_non_null(strstr(c->err.message, "syntax error"));
    orm_error_clear(&c->err);
    assert_true(orm_sqlq_step(&q) < 0);
    assert_string_equal(c->err.message, "query not open");
    orm_error_clear(&c->err);
    orm_sqlq_close(&q);
}

static void test_sqlq__run_reports_a_constraint_and_changes_nothing(void **state)
{
    orm_conn *c = *state;
    orm_value v[2] = {{.type = ORM_V_INT, .u.i = 9}, {.type = ORM_V_TEXT, .len = 3, .u.s = "ann"}};
    assert_true(orm_sqlq_run(c, "INSERT INTO t (id, name) VALUES (?, ?)", v, 2) < 0);
    assert_int_equal(c->err.cls, ORM_ERR_INTEGRITY);
    orm_error_clear(&c->err);
    orm_strv names = {0};
    assert_int_equal(orm_sqlq_collect(c, "SELECT name FROM t ORDER BY id", NULL, &names), ORM_OK);
    assert_int_equal(names.n, 2); /* the NULL name is skipped */
    assert_string_equal(names.v[0], "ann");
    assert_string_equal(names.v[1], "cy");
    orm_strv_free(&names);
    /* a run whose rows are ignored */
    v[1].u.s = "dee";
    assert_int_equal(orm_sqlq_run(c, "INSERT INTO t (id, name) VALUES (?, ?) RETURNING id", v, 2),
                     ORM_OK);
    assert_int_equal(orm_sqlq_run(c, "DELETE FROM t WHERE id = 9", NULL, 0), ORM_OK);
}

/* ---- fault injection ----------------------------------------------------- */

/* collect with the n-th allocation (kind 0) or driver call (kind 1) failing,
 * for n = 1, 2, ... until the path no longer reaches the fault: each
 * failure is an error (OperationalError for a driver call, "out of memory"
 * for an allocation) and a later run gives the full list. */
static void collect_under_faults(orm_conn *c, int kind)
{
    int failures = 0;
    for (long n = 1; n < 1000; n++) {
        orm_strv names = {0};
        if (kind == 0)
            orm_fault_alloc_after(n);
        else
            orm_driver_fail_after(n);
        int rc = orm_sqlq_collect(c, "SELECT name FROM t WHERE id < ? ORDER BY id", "99", &names);
        int fired = kind == 0 ? orm_fault_alloc_fired() : orm_driver_fail_fired();
        orm_fault_alloc_after(0);
        orm_driver_fail_after(0);
        if (rc < 0) {
            failures++;
            assert_true(fired);
            if (kind == 0)
                assert_string_equal(c->err.message, "out of memory");
            else
                assert_int_equal(c->err.cls, ORM_ERR_OPERATIONAL);
            orm_error_clear(&c->err);
        } else if (fired) {
            /* an allocation SQLite's copy does not need may fail harmlessly */
            assert_int_equal(names.n, 2);
        } else {
            assert_int_equal(names.n, 2);
            assert_string_equal(names.v[1], "cy");
            orm_strv_free(&names);
            break;
        }
        orm_strv_free(&names);
    }
    assert_true(failures > 0);
}

static void test_sqlq__collect_fails_cleanly_on_each_allocation(void **state)
{
    collect_under_faults(*state, 0);
}

static void test_sqlq__collect_fails_cleanly_on_each_driver_call(void **state)
{
    collect_under_faults(*state, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_sqlq__columns_read_as_text_int_and_null, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_sqlq__open1_binds_its_text_parameter, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sqlq__bad_sql_fails_at_open_and_step_says_so, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_sqlq__run_reports_a_constraint_and_changes_nothing,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_sqlq__collect_fails_cleanly_on_each_allocation, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_sqlq__collect_fails_cleanly_on_each_driver_call, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
