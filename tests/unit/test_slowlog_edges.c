/* test_slowlog_edges.c — the slow-statement log (core/slowlog.c) on odd
 * SQL: a secret value passed through a function or a CAST (SET password =
 * lower(?), VALUES (?, CAST($2 AS TEXT))) or bound to a column with a very
 * long name is still masked; an unterminated quote, a placeholder first in
 * the text, more values than placeholders, a $ that is no placeholder and
 * nested parentheses never crash and show the values; no "at" part when
 * the caller's position is unknown; the log goes to stderr when no file is
 * set. */
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
    snprintf(path, sizeof path, "/tmp/ormsh-slowedge-XXXXXX");
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

static void where_none(void *ctx, char *buf, size_t n)
{
    (void)ctx;
    (void)n;
    buf[0] = '\0';
}

/* The last line of the file at p, without its newline. */
static const char *last_line(const char *p)
{
    static char line[4096];
    FILE *f = fopen(p, "r");
    assert_non_null(f);
    line[0] = '\0';
    char buf[4096];
    while (fgets(buf, sizeof buf, f))
        snprintf(line, sizeof line, "%s", buf);
    fclose(f);
    size_t len = strlen(line);
    if (len && line[len - 1] == '\n') line[len - 1] = '\0';
    return line;
}

/* Logs sql with params (no caller position) and returns the line written,
 * from "slow" on. */
static const char *logged(const char *sql, const orm_value *params, size_t n)
{
    orm_stats *st = orm_stats_new();
    orm_error err;
    orm_error_init(&err);
    assert_int_equal(orm_stats_set_slow(st, 1, path, &err), 0);
    orm_stats_set_where(st, where_none, NULL);
    orm_slowlog_write(st, 5, sql, params, n);
    orm_stats_free(st);
    const char *line = last_line(path);
    assert_int_equal(line[19], 'Z');
    return line + 21;
}

static orm_value t(const char *s)
{
    return (orm_value){.type = ORM_V_TEXT, .borrowed = 1, .len = strlen(s), .u.s = (char *)s};
}

static void test_slowlog_edges__secrets_through_functions_and_casts(void **state)
{
    (void)state;
    orm_value two[] = {t("hunter2"), t("ann")};
    assert_string_equal(logged("UPDATE users SET password=lower(?) WHERE name = ?", two, 2),
                        "slow statement 5.0 ms: UPDATE users SET password=lower(?) WHERE name = ?"
                        "  [params: '***', \"ann\"]");
    assert_string_equal(
        logged("UPDATE users SET secret = CAST($1 AS TEXT) WHERE name = $2", two, 2),
        "slow statement 5.0 ms: UPDATE users SET secret = CAST($1 AS TEXT) WHERE name = $2"
        "  [params: '***', \"ann\"]");
    orm_value ins[] = {t("ann"), t("hunter2")};
    assert_string_equal(
        logged("INSERT INTO users (name, password) VALUES (?, lower(trim(?)))", ins, 2),
        "slow statement 5.0 ms: INSERT INTO users (name, password) VALUES (?, lower(trim(?)))"
        "  [params: \"ann\", '***']");
    /* a column whose name is longer than any buffer: still masked */
    char sql[512];
    char col[301];
    memset(col, 'x', 280);
    strcpy(col + 280, "_password");
    snprintf(sql, sizeof sql, "UPDATE users SET %s = ? WHERE name = ?", col);
    const char *line = logged(sql, two, 2);
    assert_non_null(strstr(line, "[params: '***', \"ann\"]"));
    memcpy(col, "password_", 9); /* the word first, the name long */
    col[280] = 'y';
    snprintf(sql, sizeof sql, "UPDATE users SET %s = ? WHERE name = ?", col);
    line = logged(sql, two, 2);
    assert_non_null(strstr(line, "[params: '***', \"ann\"]"));
}

static void test_slowlog_edges__odd_text_shows_values(void **state)
{
    (void)state;
    orm_value one[] = {t("hunter2")};
    /* a quote never closed: the rest is text, the value is shown */
    assert_string_equal(logged("SELECT 'abc WHERE password = ?", one, 1),
                        "slow statement 5.0 ms: SELECT 'abc WHERE password = ?"
                        "  [params: \"hunter2\"]");
    /* the placeholder first: nothing names it */
    assert_string_equal(logged("? = password", one, 1),
                        "slow statement 5.0 ms: ? = password  [params: \"hunter2\"]");
    /* more values than placeholders; a $ that is not one */
    orm_value three[] = {t("a"), {.type = ORM_V_INT, .u.i = 2}, t("c")};
    assert_string_equal(logged("SELECT price$ FROM t WHERE token = ?", three, 3),
                        "slow statement 5.0 ms: SELECT price$ FROM t WHERE token = ?"
                        "  [params: '***', 2, \"c\"]");
    /* VALUES without a column list; nested parentheses; a second list */
    orm_value ins[] = {t("a"), t("b"), t("c")};
    assert_string_equal(logged("INSERT INTO t VALUES (?, (?), ?)", ins, 3),
                        "slow statement 5.0 ms: INSERT INTO t VALUES (?, (?), ?)"
                        "  [params: \"a\", \"b\", \"c\"]");
    assert_string_equal(logged("INSERT INTO t (a, b) VALUES (?, ?) ON CONFLICT (a) DO UPDATE SET "
                               "token = ?",
                               ins, 3),
                        "slow statement 5.0 ms: INSERT INTO t (a, b) VALUES (?, ?) ON CONFLICT (a) "
                        "DO UPDATE SET token = ?  [params: \"a\", \"b\", '***']");
    /* a column list shorter than the row: the extra value is not named */
    assert_string_equal(logged("INSERT INTO t (password) VALUES (?, ?)", ins, 2),
                        "slow statement 5.0 ms: INSERT INTO t (password) VALUES (?, ?)"
                        "  [params: '***', \"b\"]");
}

static void test_slowlog_edges__stderr_when_no_file(void **state)
{
    (void)state;
    /* stderr goes to the file for the length of the call */
    fflush(stderr);
    int saved = dup(2);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    assert_true(dup2(fileno(f), 2) >= 0);
    orm_stats *st = orm_stats_new();
    orm_error err;
    orm_error_init(&err);
    assert_int_equal(orm_stats_set_slow(st, 3, NULL, &err), 0);
    orm_value one[] = {t("x")};
    orm_slowlog_write(st, 7.25, "SELECT ?", one, 1);
    orm_stats_free(st);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    fclose(f);
    const char *line = last_line(path);
    assert_string_equal(line + 21, "slow statement 7.2 ms: SELECT ?  [params: \"x\"]");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_slowlog_edges__secrets_through_functions_and_casts,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_slowlog_edges__odd_text_shows_values, setup, teardown),
        cmocka_unit_test_setup_teardown(test_slowlog_edges__stderr_when_no_file, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
