/* test_sandbox_outer.c — the sandbox's second way (sandbox.h), one outer
 * transaction with savepoints, as the servers get it: here on SQLite with
 * the driver's private-copy hooks taken away, and a dialect whose DDL is
 * not transactional (as MySQL's) for the refused statements. Commits only
 * release a savepoint, so another connection never sees them and closing
 * forgets everything; checkpoints are savepoints of the outer transaction;
 * misuse is an ArgumentError naming what to do; a transaction the backend
 * ended is an OperationalError; DDL that would commit is refused with the
 * statement's verb and the dialect; failing allocations and driver calls
 * are reported and leave no sandbox half-made. Then the private-copy way
 * under failing allocations. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backend.h"
#include "fault.h"
#include "sandbox.h"
#include "sqlq.h"

static char path[64];

/* SQLite's backend record with no private copy and non-transactional DDL. */
static orm_backend outer_backend;
static orm_driver outer_driver;
static orm_dialect outer_dialect;

static orm_conn *open_file(int outer)
{
    char text[128];
    snprintf(text, sizeof text, "sqlite:///%s", path);
    orm_url url;
    orm_error err;
    orm_error_init(&err);
    assert_int_equal(orm_url_parse(&url, text, &err), 0);
    orm_conn *c = NULL;
    orm_open_opts opts = {.busy_timeout_ms = 100};
    assert_int_equal(orm_conn_open(&c, &url, &opts, &err), 0);
    orm_url_free(&url);
    if (outer) {
        outer_backend = *c->backend;
        outer_driver = *c->drv;
        outer_driver.private_copy = NULL;
        outer_driver.snapshot = NULL;
        outer_driver.restore_snapshot = NULL;
        outer_driver.drop_snapshot = NULL;
        outer_dialect = *c->backend->dialect;
        outer_dialect.transactional_ddl = 0;
        outer_backend.driver = &outer_driver;
        outer_backend.dialect = &outer_dialect;
        c->backend = &outer_backend;
        c->drv = &outer_driver;
    }
    return c;
}

static void exec(orm_conn *c, const char *sql)
{
    if (orm_conn_exec(c, sql) != ORM_OK) fail_msg("%s: %s", sql, c->err.message);
}

static int64_t count(orm_conn *c, const char *sql)
{
    orm_sqlq q;
    if (orm_sqlq_open(&q, c, sql, NULL, 0) != ORM_OK) fail_msg("%s: %s", sql, c->err.message);
    assert_int_equal(orm_sqlq_step(&q), ORM_ROW);
    int64_t n = orm_sqlq_int(&q, 0);
    orm_sqlq_close(&q);
    return n;
}

/* rc is a failure of class cls whose message contains text. */
static void refused(orm_conn *c, int rc, orm_errclass cls, const char *text)
{
    assert_int_equal(rc, ORM_EFAIL);
    assert_int_equal(c->err.cls, cls);
    if (!strstr(c->err.message, text)) fail_msg("'%s' lacks '%s'", c->err.message, text);
    orm_error_clear(&c->err);
}

static int setup(void **state)
{
    (void)state;
    snprintf(path, sizeof path, "/tmp/ormsh-sandbox-XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    orm_conn *c = open_file(0);
    exec(c, "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)");
    exec(c, "INSERT INTO t (v) VALUES ('real')");
    orm_conn_close(c);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    orm_fault_alloc_after(0);
    orm_driver_fail_after(0);
    unlink(path);
    return 0;
}

static void test_sandbox_outer__commits_stay_in_the_outer_transaction(void **state)
{
    (void)state;
    orm_conn *sb = open_file(1);
    assert_false(orm_sandbox_active(sb));
    assert_int_equal(orm_sandbox_enter(sb), ORM_OK);
    assert_true(orm_sandbox_active(sb));
    assert_true(orm_sandbox_wraps(sb));
    assert_int_equal(orm_sandbox_enter(sb), ORM_OK); /* again: nothing changes */
    assert_true(orm_conn_driver_in_transaction(sb));
    assert_false(orm_conn_in_transaction(sb)); /* the session's view: none open */

    /* commit and rollback with nothing open do nothing */
    assert_int_equal(orm_conn_commit(sb), ORM_OK);
    assert_int_equal(orm_conn_rollback(sb), ORM_OK);

    assert_int_equal(orm_conn_begin(sb), ORM_OK);
    assert_true(orm_conn_in_transaction(sb));
    refused(sb, orm_conn_begin(sb), ORM_ERR_ARGUMENT, "a transaction is already open");
    exec(sb, "INSERT INTO t (v) VALUES ('kept')");
    assert_int_equal(orm_conn_commit(sb), ORM_OK);
    assert_false(orm_conn_in_transaction(sb));
    assert_true(orm_conn_driver_in_transaction(sb)); /* only released to the outer one */

    assert_int_equal(orm_conn_begin(sb), ORM_OK);
    exec(sb, "INSERT INTO t (v) VALUES ('undone')");
    assert_int_equal(orm_conn_rollback(sb), ORM_OK);
    assert_int_equal(count(sb, "SELECT count(*) FROM t WHERE v = 'undone'"), 0);
    assert_int_equal(count(sb, "SELECT count(*) FROM t"), 2);

    orm_conn *other = open_file(0);
    assert_int_equal(count(other, "SELECT count(*) FROM t"), 1); /* nothing committed */
    orm_conn_close(sb); /* rolls the outer transaction back */
    assert_int_equal(count(other, "SELECT count(*) FROM t"), 1);
    exec(other, "INSERT INTO t (v) VALUES ('free')"); /* and no lock is left */
    orm_conn_close(other);
}

static void test_sandbox_outer__checkpoints_are_savepoints(void **state)
{
    (void)state;
    orm_conn *sb = open_file(1);
    char *names = orm_sandbox_names(sb);
    assert_string_equal(names, ""); /* outside a sandbox: none */
    free(names);
    refused(sb, orm_sandbox_restore(sb, "one"), ORM_ERR_ARGUMENT,
            "restore works only in a sandbox (ormsh shell --sandbox)");
    assert_int_equal(orm_sandbox_enter(sb), ORM_OK);
    refused(sb, orm_sandbox_restore(sb, "one"), ORM_ERR_ARGUMENT,
            "no checkpoint 'one' (taken: none)");

    assert_int_equal(orm_sandbox_checkpoint(sb, "one"), ORM_OK);
    exec(sb, "INSERT INTO t (v) VALUES ('a')");
    assert_int_equal(orm_sandbox_checkpoint(sb, "two"), ORM_OK);
    exec(sb, "INSERT INTO t (v) VALUES ('b')");
    assert_int_equal(orm_sandbox_checkpoint(sb, "three"), ORM_OK);
    names = orm_sandbox_names(sb);
    assert_string_equal(names, "one, two, three");
    free(names);

    /* taking "two" again forgets "three" and moves "two" here */
    assert_int_equal(orm_sandbox_checkpoint(sb, "two"), ORM_OK);
    names = orm_sandbox_names(sb);
    assert_string_equal(names, "one, two");
    free(names);
    exec(sb, "INSERT INTO t (v) VALUES ('c')");
    assert_int_equal(orm_sandbox_restore(sb, "two"), ORM_OK);
    assert_int_equal(count(sb, "SELECT count(*) FROM t"), 3); /* real, a, b */
    assert_int_equal(orm_sandbox_restore(sb, "one"), ORM_OK);
    assert_int_equal(count(sb, "SELECT count(*) FROM t"), 1);
    refused(sb, orm_sandbox_restore(sb, "two"), ORM_ERR_ARGUMENT,
            "no checkpoint 'two' (taken: one)");
    assert_int_equal(orm_sandbox_restore(sb, "one"), ORM_OK); /* restoring keeps it */

    /* not with a transaction open */
    assert_int_equal(orm_conn_begin(sb), ORM_OK);
    refused(sb, orm_sandbox_checkpoint(sb, "x"), ORM_ERR_ARGUMENT,
            "checkpoint: a transaction is open; commit or roll back first");
    refused(sb, orm_sandbox_restore(sb, "one"), ORM_ERR_ARGUMENT,
            "restore: a transaction is open; commit or roll back first");
    assert_int_equal(orm_conn_rollback(sb), ORM_OK);
    orm_conn_close(sb);
}

static void test_sandbox_outer__checkpoint_names(void **state)
{
    (void)state;
    orm_conn *sb = open_file(1);
    assert_int_equal(orm_sandbox_enter(sb), ORM_OK);
    char longest[50];
    memset(longest, 'k', 48);
    longest[48] = '\0';
    assert_int_equal(orm_sandbox_checkpoint(sb, longest), ORM_OK);
    assert_int_equal(orm_sandbox_checkpoint(sb, "Mixed_09"), ORM_OK);
    const char *bad[] = {"", "a b", "semi;colon", "quote\"", "dash-ed", "é", NULL};
    for (int i = 0; bad[i]; i++)
        refused(sb, orm_sandbox_checkpoint(sb, bad[i]), ORM_ERR_ARGUMENT,
                "(letters, digits and _, at most 48)");
    longest[48] = 'k';
    longest[49] = '\0';
    refused(sb, orm_sandbox_checkpoint(sb, longest), ORM_ERR_ARGUMENT, "bad checkpoint name 'kkk");
    char *names = orm_sandbox_names(sb);
    assert_int_equal(strlen(names), 48 + 2 + 8); /* the bad ones were not kept */
    free(names);
    orm_conn_close(sb);
}

static void test_sandbox_outer__ddl_that_would_commit_is_refused(void **state)
{
    (void)state;
    orm_conn *sb = open_file(1);
    exec(sb, "CREATE TABLE before_sandbox (x INTEGER)"); /* outside: anything goes */
    assert_int_equal(orm_sandbox_enter(sb), ORM_OK);
    const char *ddl[][2] = {
        {"CREATE TABLE u (x INTEGER)", "CREATE statements are refused in a sandbox on sqlite"},
        {"  drop table t", "DROP statements"},
        {"(ALTER TABLE t ADD COLUMN y TEXT)", "ALTER statements"},
        {"\ttruncate t", "TRUNCATE statements"},
        {"RENAME TABLE t TO u", "RENAME statements"},
        {"create\nindex ix ON t (v)", "CREATE statements"},
    };
    for (size_t i = 0; i < sizeof ddl / sizeof ddl[0]; i++) {
        refused(sb, orm_conn_exec(sb, ddl[i][0]), ORM_ERR_OPERATIONAL, ddl[i][1]);
        orm_stmt *st = NULL;
        refused(sb, orm_conn_prepare(sb, ddl[i][0], &st), ORM_ERR_OPERATIONAL, ddl[i][1]);
        assert_null(st);
    }
    assert_non_null(strstr(ddl[0][1], "sqlite"));
    /* what does not commit runs */
    exec(sb, "CREATE TEMPORARY TABLE scratch (x INTEGER)");
    exec(sb, "create  temporary view tv AS SELECT 1");
    exec(sb, "INSERT INTO scratch VALUES (1)");
    exec(sb, "UPDATE t SET v = 'created_at' WHERE v = 'dropped'"); /* words inside */
    orm_stmt *st = NULL;
    assert_int_equal(orm_sandbox_check_sql(sb, "CREATED"), ORM_OK); /* not the word */
    assert_int_equal(orm_sandbox_check_sql(sb, "drop_x"), ORM_OK);
    assert_int_equal(orm_conn_prepare(sb, "SELECT count(*) FROM scratch", &st), ORM_OK);
    orm_stmt_finalize(sb, st);
    assert_int_equal(count(sb, "SELECT count(*) FROM before_sandbox"), 0);
    orm_conn_close(sb);

    /* with transactional DDL (the real SQLite dialect) nothing is refused */
    orm_conn *c = open_file(1);
    outer_dialect.transactional_ddl = 1;
    assert_int_equal(orm_sandbox_enter(c), ORM_OK);
    exec(c, "CREATE TABLE u (x INTEGER)");
    orm_conn_close(c);
    c = open_file(0);
    assert_int_equal(count(c, "SELECT count(*) FROM sqlite_master WHERE name = 'u'"), 0);
    orm_conn_close(c);
}

static void test_sandbox_outer__entering_and_a_transaction_the_backend_ended(void **state)
{
    (void)state;
    orm_conn *sb = open_file(1);
    exec(sb, "BEGIN");
    refused(sb, orm_sandbox_enter(sb), ORM_ERR_ARGUMENT,
            "a sandbox starts with no transaction open");
    assert_false(orm_sandbox_active(sb));
    exec(sb, "ROLLBACK");

    /* BEGIN failing: no sandbox */
    orm_driver_fail_after(1);
    refused(sb, orm_sandbox_enter(sb), ORM_ERR_OPERATIONAL, "injected fault");
    orm_driver_fail_after(0);
    assert_false(orm_sandbox_active(sb));
    assert_false(orm_conn_driver_in_transaction(sb));

    assert_int_equal(orm_sandbox_enter(sb), ORM_OK);
    exec(sb, "INSERT INTO t (v) VALUES ('lost')");
    exec(sb, "ROLLBACK"); /* as a server ends it after a deadlock */
    refused(sb, orm_conn_begin(sb), ORM_ERR_OPERATIONAL,
            "the sandbox's transaction was ended by the server: nothing more can run in this "
            "sandbox (leave and start a new one)");
    orm_conn_close(sb);
    orm_conn *c = open_file(0);
    assert_int_equal(count(c, "SELECT count(*) FROM t"), 1);
    orm_conn_close(c);
}

/* Each allocation, then each driver call, of entering, a transaction, two
 * checkpoints and a restore failing in turn: the failure is reported
 * (out of memory, or the injected fault) and the sandbox holds what
 * succeeded before it, never a half-taken checkpoint. */
static void run_under_faults(int outer, int calls)
{
    int done = 0, failures = 0;
    for (long n = 1; n < 2000 && !done; n++) {
        orm_conn *sb = open_file(outer);
        if (calls)
            orm_driver_fail_after(n);
        else
            orm_fault_alloc_after(n);
        int rc = orm_sandbox_enter(sb);
        if (rc == ORM_OK) rc = orm_conn_begin(sb);
        if (rc == ORM_OK) rc = orm_conn_exec(sb, "INSERT INTO t (v) VALUES ('x')");
        if (rc == ORM_OK) rc = orm_conn_commit(sb);
        if (rc == ORM_OK) rc = orm_sandbox_checkpoint(sb, "one");
        if (rc == ORM_OK) rc = orm_conn_exec(sb, "DELETE FROM t");
        if (rc == ORM_OK) rc = orm_sandbox_checkpoint(sb, "two");
        if (rc == ORM_OK) rc = orm_sandbox_restore(sb, "one");
        int fired = calls ? orm_driver_fail_fired() : orm_fault_alloc_fired();
        orm_fault_alloc_after(0);
        orm_driver_fail_after(0);
        char *names = orm_sandbox_names(sb);
        assert_non_null(names);
        if (rc == ORM_OK) {
            assert_false(fired && calls);
            assert_string_equal(names, "one");
            assert_int_equal(count(sb, "SELECT count(*) FROM t"), 2);
            done = !fired;
        } else {
            failures++;
            assert_true(fired);
            assert_string_equal(sb->err.message, calls ? "injected fault" : "out of memory");
            /* only whole checkpoints: none, "one" or "one, two" */
            assert_true(!strcmp(names, "") || !strcmp(names, "one") || !strcmp(names, "one, two"));
        }
        free(names);
        orm_conn_close(sb);
    }
    assert_true(done);
    assert_true(failures >= 3);
    orm_conn *c = open_file(0);
    assert_int_equal(count(c, "SELECT count(*) FROM t"), 1); /* the file never changed */
    orm_conn_close(c);
}

static void test_sandbox_outer__failing_allocations(void **state)
{
    (void)state;
    run_under_faults(1, 0);
}

static void test_sandbox_outer__failing_driver_calls(void **state)
{
    (void)state;
    run_under_faults(1, 1);
}

static void test_sandbox_private_copy__failing_allocations(void **state)
{
    (void)state;
    run_under_faults(0, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_sandbox_outer__commits_stay_in_the_outer_transaction,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_sandbox_outer__checkpoints_are_savepoints, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_sandbox_outer__checkpoint_names, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sandbox_outer__ddl_that_would_commit_is_refused, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(
            test_sandbox_outer__entering_and_a_transaction_the_backend_ended, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sandbox_outer__failing_allocations, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sandbox_outer__failing_driver_calls, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sandbox_private_copy__failing_allocations, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
