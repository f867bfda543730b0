/* test_slowlog.c — the slow-statement log (core/slowlog.c): each line has
 * the UTC time, the milliseconds, the SQL, its parameters and where the
 * user's code is; a value bound to a column whose name says password,
 * secret or token is masked wherever the column is named — "col = ?",
 * "col = $1", a quoted name, the column list of an INSERT, every row of a
 * multi-row INSERT — and other values are shown, long ones cut; a log file
 * that cannot be opened is an ArgumentError naming it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "stats_int.h"

static char path[64];

static int setup(void **state)
{
    (void)state;
    snprintf(path, sizeof path, "/tmp/ormsh-slowlog-XXXXXX");
    int fd = mkstemp(path);
    if (fd < 0) return -1;
    close(fd);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    unlink(path);
    return 0;
}

static void where_here(void *ctx, char *buf, size_t n)
{
    snprintf(buf, n, "%s", (const char *)ctx);
}

/* Logs sql with params and returns the line written, from "slow" on. */
static const char *logged(const char *sql, const orm_value *params, size_t n)
{
    static char line[1024];
    orm_stats *st = orm_stats_new();
    orm_error err;
    orm_error_init(&err);
    assert_int_equal(orm_stats_set_slow(st, 1, path, &err), 0);
    orm_stats_set_where(st, where_here, "app.lua:7");
    orm_slowlog_write(st, 12.34, sql, params, n);
    orm_stats_free(st);
    FILE *f = fopen(path, "r");
    line[0] = '\0';
    char buf[1024];
    while (fgets(buf, sizeof buf, f))
        snprintf(line, sizeof line, "%s", buf);
    fclose(f);
    size_t len = strlen(line);
    if (len && line[len - 1] == '\n') line[len - 1] = '\0';
    assert_int_equal(line[4], '-'); /* 2026-12-06T... */
    assert_int_equal(line[19], 'Z');
    return line + 21;
}

static orm_value t(const char *s)
{
    return (orm_value){.type = ORM_V_TEXT, .borrowed = 1, .len = strlen(s), .u.s = (char *)s};
}

static void test_slowlog__secrets_are_masked_wherever_named(void **state)
{
    (void)state;
    orm_value two[] = {t("hunter2"), t("ann")};
    assert_string_equal(logged("UPDATE users SET password = ? WHERE name = ?", two, 2),
                        "slow statement 12.3 ms: UPDATE users SET password = ? WHERE name = ?  "
                        "[params: '***', \"ann\"]  at app.lua:7");
    assert_string_equal(logged("UPDATE users SET \"api_token\"=$1 WHERE name = $2", two, 2),
                        "slow statement 12.3 ms: UPDATE users SET \"api_token\"=$1 WHERE name = "
                        "$2  [params: '***', \"ann\"]  at app.lua:7");
    orm_value ins[] = {t("ann"), t("s1"), t("bob"), t("s2")};
    assert_string_equal(logged("INSERT INTO users (name, `Secret`) VALUES (?, ?)", ins, 2),
                        "slow statement 12.3 ms: INSERT INTO users (name, `Secret`) VALUES (?, ?)"
                        "  [params: \"ann\", '***']  at app.lua:7");
    /* every row of a multi-row INSERT */
    assert_string_equal(logged("INSERT INTO users (name, passwd) VALUES (?, ?), (?, ?)", ins, 4),
                        "slow statement 12.3 ms: INSERT INTO users (name, passwd) VALUES (?, ?), "
                        "(?, ?)  [params: \"ann\", '***', \"bob\", '***']  at app.lua:7");
    /* a placeholder inside quotes is text, not a parameter */
    orm_value one[] = {t("x")};
    assert_string_equal(logged("SELECT '?' || name FROM t WHERE token = ?", one, 1),
                        "slow statement 12.3 ms: SELECT '?' || name FROM t WHERE token = ?  "
                        "[params: '***']  at app.lua:7");
}

static void test_slowlog__values_shown_and_cut(void **state)
{
    (void)state;
    char longv[200];
    memset(longv, 'v', sizeof longv - 1);
    longv[sizeof longv - 1] = '\0';
    orm_value vals[3] = {t(longv), {.type = ORM_V_INT, .u.i = 5}, ORM_VALUE_NULL};
    const char *line = logged("SELECT f(?, ?, ?)", vals, 3);
    char want[300];
    snprintf(want, sizeof want,
             "slow statement 12.3 ms: SELECT f(?, ?, ?)  [params: \"%.59s..., 5, NULL]  at "
             "app.lua:7",
             longv);
    assert_string_equal(line, want);
    assert_string_equal(logged("SELECT 1", NULL, 0),
                        "slow statement 12.3 ms: SELECT 1  at app.lua:7");
}

static void test_slowlog__log_file_errors(void **state)
{
    (void)state;
    orm_stats *st = orm_stats_new();
    orm_error err;
    orm_error_init(&err);
    assert_int_equal(orm_stats_set_slow(st, 5, "/nonexistent-dir/slow.log", &err), ORM_EFAIL);
    assert_int_equal(err.cls, ORM_ERR_ARGUMENT);
    assert_string_equal(err.message,
                        "slow_log: cannot open '/nonexistent-dir/slow.log' for appending");
    orm_error_clear(&err);
    assert_int_equal(orm_stats_set_slow(st, 5, path, &err), 0);
    assert_int_equal(orm_stats_set_slow(st, 0, path, &err), 0); /* off: the file is closed */
    orm_stats_free(st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_slowlog__secrets_are_masked_wherever_named, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_slowlog__values_shown_and_cut, setup, teardown),
        cmocka_unit_test_setup_teardown(test_slowlog__log_file_errors, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
