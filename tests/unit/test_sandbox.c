/* test_sandbox.c — sandbox.h on SQLite: the connection works on a private
 * copy while another connection writes to the real file; commits stay in
 * the copy; checkpoints rewind (later ones are forgotten); bad names,
 * unknown checkpoints, an open transaction and a connection outside a
 * sandbox are refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sandbox.h"
#include "sqlq.h"

static char path[64];

static orm_conn *open_file(void)
{
    char text[128];
    snprintf(text, sizeof text, "sqlite:///%s", path);
    orm_url url;
    orm_error err;
    orm_error_init(&err);
    assert_int_equal(orm_url_parse(&url, text, &err), 0);
    orm_conn *c = NULL;
    orm_open_opts opts = {0};
    assert_int_equal(orm_conn_open(&c, &url, &opts, &err), 0);
    orm_url_free(&url);
    return c;
}

static void exec(orm_conn *c, const char *sql)
{
    if (orm_conn_exec(c, sql) != ORM_OK) fail_msg("%s: %s", sql, c->err.message);
}

static int64_t count(orm_conn *c, const char *sql)
{
    orm_sqlq q;
    assert_int_equal(orm_sqlq_open(&q, c, sql, NULL, 0), 0);
    assert_int_equal(orm_sqlq_step(&q), ORM_ROW);
    int64_t n = orm_sqlq_int(&q, 0);
    orm_sqlq_close(&q);
    return n;
}

static int setup(void **state)
{
    (void)state;
    snprintf(path, sizeof path, "/tmp/ormsh-sandbox-XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    orm_conn *c = open_file();
    exec(c, "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)");
    exec(c, "INSERT INTO t (v) VALUES ('real')");
    orm_conn_close(c);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    unlink(path);
    return 0;
}

static void test_sandbox__private_copy_and_checkpoints(void **state)
{
    (void)state;
    orm_conn *sb = open_file();
    assert_int_equal(orm_sandbox_enter(sb), 0);
    assert_true(orm_sandbox_active(sb));
    assert_int_equal(orm_conn_begin(sb), 0);
    exec(sb, "INSERT INTO t (v) VALUES ('sand')");
    assert_int_equal(orm_conn_commit(sb), 0);

    orm_conn *other = open_file(); /* the real file is free to write */
    exec(other, "INSERT INTO t (v) VALUES ('other')");
    assert_int_equal(count(other, "SELECT count(*) FROM t WHERE v = 'sand'"), 0);
    assert_int_equal(count(sb, "SELECT count(*) FROM t WHERE v = 'other'"), 0);

    assert_int_equal(orm_sandbox_checkpoint(sb, "one"), 0);
    exec(sb, "DELETE FROM t");
    assert_int_equal(orm_sandbox_checkpoint(sb, "two"), 0);
    exec(sb, "INSERT INTO t (v) VALUES ('late')");
    char *names = orm_sandbox_names(sb);
    assert_string_equal(names, "one, two");
    free(names);
    assert_int_equal(orm_sandbox_restore(sb, "one"), 0);
    assert_int_equal(count(sb, "SELECT count(*) FROM t"), 2);
    assert_int_equal(orm_sandbox_restore(sb, "two"), ORM_EFAIL); /* forgotten */
    assert_int_equal(sb->err.cls, ORM_ERR_ARGUMENT);
    assert_non_null(strstr(sb->err.message, "no checkpoint 'two' (taken: one)"));
    assert_int_equal(orm_sandbox_checkpoint(sb, "bad name"), ORM_EFAIL);
    assert_int_equal(orm_conn_begin(sb), 0);
    assert_int_equal(orm_sandbox_checkpoint(sb, "x"), ORM_EFAIL);
    assert_non_null(strstr(sb->err.message, "a transaction is open"));
    assert_int_equal(orm_conn_rollback(sb), 0);
    orm_conn_close(sb);

    assert_int_equal(count(other, "SELECT count(*) FROM t"), 2); /* real, other */
    assert_int_equal(orm_sandbox_checkpoint(other, "x"), ORM_EFAIL);
    assert_non_null(strstr(other->err.message, "only in a sandbox"));
    orm_conn_close(other);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_sandbox__private_copy_and_checkpoints, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
