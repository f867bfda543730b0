/* test_stats.c — statement statistics (core/stats.c): shapes keyed by SQL
 * text, op/table classification, rows and errors, open executions followed
 * by statement, the shape bound, sorting and reset; the Prometheus
 * exposition (label escaping, cumulative buckets); the slow log (masked
 * secrets, cut values, the where hook) and the publish hook. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "stats.h"

#define MS 1000000u /* ns */
#define S1 ((struct orm_stmt *)1)
#define S2 ((struct orm_stmt *)2)

static const orm_stat_row *row_of(orm_stat_row *rows, size_t n, const char *sql)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(rows[i].sql, sql) == 0) return &rows[i];
    fail_msg("no row for %s", sql);
    return NULL;
}

static void test_shapes(void **state)
{
    (void)state;
    orm_stats *st = orm_stats_new();
    const char *sel = "SELECT a.id FROM \"author\" a WHERE a.id = ?";
    /* two executions of the same shape, 2 rows then 0 rows */
    orm_stats_begin(st, S1, sel, NULL, 0, ORM_ROW, -1, 2 * MS);
    orm_stats_step(st, S1, ORM_ROW, 1 * MS);
    orm_stats_begin(st, S2, "UPDATE book SET t = ? WHERE id = ?", NULL, 0, ORM_DONE, 3, 5 * MS);
    orm_stats_step(st, S1, ORM_DONE, 1 * MS); /* S1's first execution ends: 4 ms */
    orm_stats_begin(st, S1, sel, NULL, 0, ORM_DONE, 0, 1 * MS);
    orm_stats_begin(st, NULL, "CREATE TABLE x (id INT)", NULL, 0, ORM_EFAIL, -1, 1 * MS);
    orm_stats_failed(st, "SELECT nope");
    size_t n;
    orm_stat_row *rows = orm_stats_rows(st, &n);
    assert_int_equal(n, 4);
    assert_string_equal(rows[0].sql, sel); /* 5 ms in all, then UPDATE's 5 ms: by text */
    const orm_stat_row *r = row_of(rows, n, sel);
    assert_int_equal(r->calls, 2);
    assert_int_equal(r->rows, 2);
    assert_int_equal(r->errors, 0);
    assert_true(r->total_ms > 4.99 && r->total_ms < 5.01);
    assert_true(r->max_ms > 3.99 && r->max_ms < 4.01);
    assert_int_equal(r->op, ORM_STMT_SELECT);
    assert_string_equal(r->table, "author");
    r = row_of(rows, n, "UPDATE book SET t = ? WHERE id = ?");
    assert_int_equal(r->rows, 3); /* rows changed */
    assert_int_equal(r->op, ORM_STMT_UPDATE);
    assert_string_equal(r->table, "book");
    r = row_of(rows, n, "CREATE TABLE x (id INT)");
    assert_int_equal(r->errors, 1);
    assert_int_equal(r->op, ORM_STMT_OTHER);
    r = row_of(rows, n, "SELECT nope");
    assert_int_equal(r->calls, 1);
    assert_int_equal(r->errors, 1);
    free(rows);
    orm_stats_reset(st);
    assert_null(orm_stats_rows(st, &n));
    assert_int_equal(n, 0);
    orm_stats_free(st);
}

static void test_bound(void **state)
{
    (void)state;
    orm_stats *st = orm_stats_new();
    char sql[64]; /* one address, a new text each time: the lookup by address must not match */
    for (int i = 0; i < ORM_STATS_MAX_SHAPES + 50; i++) {
        snprintf(sql, sizeof sql, "INSERT INTO t%d VALUES (?)", i);
        orm_stats_begin(st, NULL, sql, NULL, 0, ORM_DONE, 1, MS);
    }
    size_t n;
    orm_stat_row *rows = orm_stats_rows(st, &n);
    assert_int_equal(n, ORM_STATS_MAX_SHAPES + 1);
    const orm_stat_row *other = row_of(rows, n, "(other statements)");
    assert_int_equal(other->calls, 50);
    free(rows);
    orm_stats_free(st);
}

static void test_prometheus(void **state)
{
    (void)state;
    orm_stats *st = orm_stats_new();
    orm_stats_begin(st, NULL, "INSERT INTO \"we\"\"ird\\x\" VALUES (?)", NULL, 0, ORM_DONE, 1,
                    3 * MS);
    orm_stats_begin(st, NULL, "INSERT INTO book VALUES (?)", NULL, 0, ORM_DONE, 1, 20 * MS);
    orm_stats_error(st, ORM_ERR_INTEGRITY);
    orm_stats_transaction(st, "commit");
    orm_stats_transaction(st, "rollback");
    orm_stats_transaction(st, "rollback");
    orm_stats_nplus1(st, "Author.books");
    orm_stats_nplus1(st, "Author.books");
    orm_stats_nplus1(st, "odd\"name\nhere");
    char *s = orm_stats_prometheus(st);
    assert_non_null(s);
    assert_non_null(strstr(s, "# TYPE ormsh_statements_total counter\n"));
    assert_non_null(strstr(s, "ormsh_statements_total{op=\"insert\",table=\"book\"} 1\n"));
    assert_non_null(strstr(s, "ormsh_statements_total{op=\"insert\",table=\"weird\\\\x\"} 1\n"));
    assert_non_null(
        strstr(s, "ormsh_statement_duration_seconds_bucket{op=\"insert\",le=\"0.001\"} 0\n"));
    assert_non_null(
        strstr(s, "ormsh_statement_duration_seconds_bucket{op=\"insert\",le=\"0.005\"} 1\n"));
    assert_non_null(
        strstr(s, "ormsh_statement_duration_seconds_bucket{op=\"insert\",le=\"0.05\"} 2\n"));
    assert_non_null(
        strstr(s, "ormsh_statement_duration_seconds_bucket{op=\"insert\",le=\"+Inf\"} 2\n"));
    assert_non_null(strstr(s, "ormsh_statement_duration_seconds_count{op=\"insert\"} 2\n"));
    assert_non_null(strstr(s, "ormsh_errors_total{class=\"IntegrityError\"} 1\n"));
    assert_non_null(strstr(s, "ormsh_transactions_total{outcome=\"rollback\"} 2\n"));
    assert_non_null(strstr(s, "ormsh_nplus1_total{relationship=\"Author.books\"} 2\n"));
    assert_non_null(strstr(s, "ormsh_slow_statements_total 0\n"));
    assert_non_null(strstr(s, "ormsh_nplus1_total{relationship=\"odd\\\"name\\nhere\"} 1\n"));
    free(s);
    orm_stats_free(st);
}

static void where(void *ctx, char *buf, size_t n)
{
    snprintf(buf, n, "%s", (const char *)ctx);
}

static void test_slowlog(void **state)
{
    (void)state;
    char path[] = "/tmp/ormsh-test-slow.XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    orm_stats *st = orm_stats_new();
    orm_error err;
    orm_error_init(&err);
    assert_int_equal(orm_stats_set_slow(st, 10, path, &err), 0);
    orm_stats_set_where(st, where, "app.lua:7");
    orm_value p[3];
    char longv[100];
    memset(longv, 'x', sizeof longv - 1);
    longv[sizeof longv - 1] = '\0';
    orm_value_int(&p[0], 5);
    p[1] = (orm_value){.type = ORM_V_TEXT, .u.s = "hunter2", .len = 7};
    p[2] = (orm_value){.type = ORM_V_TEXT, .u.s = longv, .len = sizeof longv - 1};
    orm_stats_begin(st, NULL, "INSERT INTO u (id, password_hash, bio) VALUES (?, ?, ?)", p, 3,
                    ORM_DONE, 1, 1 * MS); /* fast: not logged */
    orm_stats_begin(st, NULL, "INSERT INTO u (id, password_hash, bio) VALUES (?, ?, ?)", p, 3,
                    ORM_DONE, 1, 12 * MS);
    orm_stats_begin(st, NULL, "UPDATE u SET \"api_token\" = $1 WHERE id = $2", p + 1, 2, ORM_DONE,
                    1, 15 * MS);
    assert_int_equal(orm_stats_set_slow(st, 0, NULL, &err), 0); /* closes the file */
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    char line[512];
    assert_non_null(fgets(line, sizeof line, f));
    assert_non_null(strstr(line, "Z slow statement 12.0 ms: INSERT INTO u"));
    assert_non_null(strstr(line, "[params: 5, '***', \"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
                                 "xxxxxxxxxxxxxxxx...]  at app.lua:7\n"));
    assert_non_null(fgets(line, sizeof line, f));
    assert_non_null(strstr(line, "[params: '***', \"xxx"));
    assert_null(fgets(line, sizeof line, f));
    fclose(f);
    unlink(path);
    assert_int_equal(orm_stats_set_slow(st, 5, "/nonexistent/dir/slow.log", &err), ORM_EFAIL);
    assert_non_null(strstr(err.message, "slow_log: cannot open '/nonexistent/dir/slow.log'"));
    orm_error_clear(&err);
    char *s = orm_stats_prometheus(st);
    assert_non_null(strstr(s, "ormsh_slow_statements_total 2\n"));
    free(s);
    orm_stats_free(st);
}

static int published;
static void on_publish(void *ctx, orm_stats *st)
{
    (void)ctx, (void)st;
    published++;
}

static void test_publish(void **state)
{
    (void)state;
    orm_stats *st = orm_stats_new();
    orm_stats_set_publish(st, on_publish, NULL, 0);
    orm_stats_begin(st, NULL, "SELECT 1", NULL, 0, ORM_DONE, -1, MS);
    orm_stats_begin(st, NULL, "SELECT 1", NULL, 0, ORM_DONE, -1, MS);
    assert_int_equal(published, 2); /* every 0 s: each statement */
    orm_stats_set_publish(st, on_publish, NULL, 3600);
    orm_stats_begin(st, NULL, "SELECT 1", NULL, 0, ORM_DONE, -1, MS);
    assert_int_equal(published, 2); /* not before the hour */
    orm_stats_free(st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shapes),     cmocka_unit_test(test_bound),
        cmocka_unit_test(test_prometheus), cmocka_unit_test(test_slowlog),
        cmocka_unit_test(test_publish),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
