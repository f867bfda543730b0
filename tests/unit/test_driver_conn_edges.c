/* test_driver_conn_edges.c — the driver wrappers' edges (core/driver.c) on
 * SQLite: a URL naming no backend is an ArgumentError that lists the
 * backends and never shows the password; opening with each allocation
 * failing in turn leaves no connection and says "out of memory"; a Ctrl-C
 * between statements fails the next one only (OperationalError
 * "interrupted", with its SQL), and a reset forgets it; a write refused on
 * a read-only connection names the mode, also when the renaming itself runs
 * out of memory (then the backend's words stay); savepoint names that
 * cannot be built report out of memory and change nothing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "memory_db.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fault.h"

static void test_driver_conn_edges__no_driver_for_scheme(void **state)
{
    (void)state;
    orm_url u = {.scheme = "oracle",
                 .user = "scott",
                 .password = "tiger-secret",
                 .host = "db.example",
                 .port = 1521,
                 .database = "sales"};
    orm_conn *c = (orm_conn *)&u; /* overwritten with NULL */
    orm_error err;
    orm_error_init(&err);
    assert_int_equal(orm_conn_open(&c, &u, NULL, &err), ORM_EFAIL);
    assert_null(c);
    assert_int_equal(err.cls, ORM_ERR_ARGUMENT);
    assert_non_null(
        strstr(err.message, "no driver for database URL scheme 'oracle' in 'oracle://"));
    assert_non_null(strstr(err.message, "(this build supports: sqlite, postgresql, mysql)"));
    assert_null(strstr(err.message, "tiger-secret"));
    orm_error_clear(&err);
    /* no scheme at all */
    orm_url none = {.database = "x"};
    assert_int_equal(orm_conn_open(&c, &none, NULL, &err), ORM_EFAIL);
    assert_non_null(strstr(err.message, "scheme '' in"));
    orm_error_clear(&err);
    /* out of memory while saying so */
    int oom = 0;
    for (long n = 1; n < 40; n++) {
        orm_fault_alloc_after(n);
        int rc = orm_conn_open(&c, &u, NULL, &err);
        int fired = orm_fault_alloc_fired();
        orm_fault_alloc_after(0);
        assert_null(c);
        if (rc == ORM_ENOMEM) {
            assert_true(fired);
            assert_string_equal(err.message, "out of memory");
            oom++;
        } else {
            assert_int_equal(err.cls, ORM_ERR_ARGUMENT);
        }
        orm_error_clear(&err);
        if (!fired) break;
    }
    assert_true(oom > 0);
}

static void test_driver_conn_edges__open_out_of_memory(void **state)
{
    (void)state;
    orm_url url;
    orm_error err;
    orm_error_init(&err);
    assert_int_equal(orm_url_parse(&url, "sqlite://", &err), 0);
    int opened = 0, failures = 0;
    for (long n = 1; n < 200 && !opened; n++) {
        orm_conn *c = NULL;
        orm_fault_alloc_after(n);
        int rc = orm_conn_open(&c, &url, NULL, &err);
        int fired = orm_fault_alloc_fired();
        orm_fault_alloc_after(0);
        if (rc < 0) {
            assert_true(fired);
            assert_null(c);
            assert_int_equal(err.cls, ORM_ERR_OPERATIONAL);
            assert_string_equal(err.message, "out of memory");
            orm_error_clear(&err);
            failures++;
            continue;
        }
        /* a connection that opened works */
        assert_non_null(c);
        exec(c, "CREATE TABLE t (x INTEGER)");
        assert_int_equal(count(c, "SELECT count(*) FROM t"), 0);
        orm_conn_close(c);
        opened = !fired;
    }
    assert_true(opened);
    assert_true(failures > 0);
    orm_url_free(&url);
}

static void test_driver_conn_edges__interrupt_between_statements(void **state)
{
    (void)state;
    orm_conn *c = open_memory();
    exec(c, "CREATE TABLE t (x INTEGER)");
    orm_conn_interrupt(NULL);
    orm_conn_interrupt_reset(NULL);
    orm_conn_interrupt(c);
    assert_int_equal(orm_conn_exec(c, "INSERT INTO t VALUES (1)"), ORM_EFAIL);
    assert_int_equal(c->err.cls, ORM_ERR_OPERATIONAL);
    assert_string_equal(c->err.message, "interrupted");
    assert_string_equal(c->err.sql, "INSERT INTO t VALUES (1)");
    orm_error_clear(&c->err);
    /* that one only */
    exec(c, "INSERT INTO t VALUES (2)");
    assert_int_equal(count(c, "SELECT count(*) FROM t"), 1);
    assert_int_equal(count(c, "SELECT x FROM t"), 2);
    /* a reset forgets a Ctrl-C that came between */
    orm_conn_interrupt(c);
    orm_conn_interrupt_reset(c);
    exec(c, "INSERT INTO t VALUES (3)");
    assert_int_equal(count(c, "SELECT count(*) FROM t"), 2);
    orm_conn_close(c);
}

static void test_driver_conn_edges__read_only_refusal_names_the_mode(void **state)
{
    (void)state;
    char dir[] = "/tmp/ormsh-drvro-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char text[128], path[96];
    snprintf(path, sizeof path, "%s/ro.db", dir);
    snprintf(text, sizeof text, "sqlite:///%s", path);
    orm_url url;
    orm_error err;
    orm_error_init(&err);
    assert_int_equal(orm_url_parse(&url, text, &err), 0);
    orm_conn *w = NULL;
    assert_int_equal(orm_conn_open(&w, &url, NULL, &err), 0);
    exec(w, "CREATE TABLE t (x INTEGER)");
    orm_conn_close(w);
    orm_open_opts ro = {NULL, 0, 1};
    orm_conn *c = NULL;
    assert_int_equal(orm_conn_open(&c, &url, &ro, &err), 0);
    assert_int_equal(orm_conn_exec(c, "INSERT INTO t VALUES (1)"), ORM_EFAIL);
    assert_int_equal(c->err.cls, ORM_ERR_OPERATIONAL);
    assert_non_null(strstr(c->err.message, "read-only mode (--read-only): "));
    assert_non_null(strstr(c->err.message, "readonly database"));
    assert_string_equal(c->err.sql, "INSERT INTO t VALUES (1)");
    orm_error_clear(&c->err);
    /* each allocation failing in turn: the write is refused all the same;
     * when the renaming's copy runs out of memory the backend's words stay */
    int kept = 0;
    for (long n = 1; n < 40; n++) {
        orm_fault_alloc_after(n);
        int rc = orm_conn_exec(c, "INSERT INTO t VALUES (2)");
        int fired = orm_fault_alloc_fired();
        orm_fault_alloc_after(0);
        assert_true(rc < 0);
        assert_non_null(c->err.message);
        if (fired && !strstr(c->err.message, "--read-only") &&
            strcmp(c->err.message, "out of memory") != 0) {
            assert_non_null(strstr(c->err.message, "readonly database"));
            kept++;
        }
        orm_error_clear(&c->err);
        if (!fired) break;
    }
    assert_true(kept > 0);
    assert_int_equal(count(c, "SELECT count(*) FROM t"), 0);
    orm_conn_close(c);
    orm_url_free(&url);
    unlink(path);
    rmdir(dir);
}

static void test_driver_conn_edges__savepoint_out_of_memory(void **state)
{
    (void)state;
    orm_conn *c = open_memory();
    exec(c, "CREATE TABLE t (x INTEGER)");
    assert_int_equal(orm_conn_begin(c), ORM_OK);
    int ok = 0;
    for (long n = 1; n < 20 && !ok; n++) {
        orm_fault_alloc_after(n);
        int rc = orm_conn_savepoint_n(c, ORM_SP_CREATE, 1);
        int fired = orm_fault_alloc_fired();
        orm_fault_alloc_after(0);
        if (rc < 0) {
            assert_true(fired);
            assert_int_equal(rc, ORM_ENOMEM);
            assert_string_equal(c->err.message, "out of memory");
            orm_error_clear(&c->err);
            /* no savepoint was made: releasing one fails */
            assert_int_equal(orm_conn_savepoint_n(c, ORM_SP_RELEASE, 1), ORM_EFAIL);
            assert_int_equal(c->err.cls, ORM_ERR_OPERATIONAL);
            orm_error_clear(&c->err);
        } else {
            ok = 1;
            exec(c, "INSERT INTO t VALUES (1)");
            assert_int_equal(orm_conn_savepoint_n(c, ORM_SP_ROLLBACK, 1), ORM_OK);
            assert_int_equal(orm_conn_savepoint_n(c, ORM_SP_RELEASE, 1), ORM_OK);
        }
    }
    assert_true(ok);
    assert_int_equal(orm_conn_commit(c), ORM_OK);
    assert_int_equal(count(c, "SELECT count(*) FROM t"), 0);
    orm_conn_close(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_driver_conn_edges__no_driver_for_scheme),
        cmocka_unit_test(test_driver_conn_edges__open_out_of_memory),
        cmocka_unit_test(test_driver_conn_edges__interrupt_between_statements),
        cmocka_unit_test(test_driver_conn_edges__read_only_refusal_names_the_mode),
        cmocka_unit_test(test_driver_conn_edges__savepoint_out_of_memory),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
