/* test_stats_shapes.c — how statement statistics (core/stats.c) name each
 * statement's operation and table: WITH as a read, REPLACE as an insert,
 * quoted table names unquoted, the keyword found as a whole word outside
 * quotes (not inside 'text', "identifiers" or a longer word), no table
 * when there is none; and that every recording call is harmless on a
 * connection without statistics (NULL), as when they could not be
 * allocated. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "fault.h"
#include "stats.h"

#define MS 1000000u

/* The op and table stats give sql. */
static void shape_is(const char *sql, int op, const char *table)
{
    orm_stats *st = orm_stats_new();
    orm_stats_begin(st, NULL, sql, NULL, 0, ORM_DONE, 0, MS);
    size_t n = 0;
    orm_stat_row *rows = orm_stats_rows(st, &n);
    assert_int_equal(n, 1);
    assert_string_equal(rows[0].sql, sql);
    if (rows[0].op != op) fail_msg("%s: op %d, not %d", sql, rows[0].op, op);
    assert_string_equal(rows[0].table, table);
    free(rows);
    orm_stats_free(st);
}

static void test_stats_shapes__operation_and_table(void **state)
{
    (void)state;
    shape_is("WITH x AS (SELECT 1) SELECT * FROM x", ORM_STMT_SELECT, "x");
    shape_is("  select 'from nowhere', \"from\" FROM `orders` o", ORM_STMT_SELECT, "orders");
    shape_is("SELECT fromage FROM cheese", ORM_STMT_SELECT, "cheese");
    shape_is("SELECT 1", ORM_STMT_SELECT, "");
    shape_is("SELECT 'it''s' FROM t", ORM_STMT_SELECT, "t");
    shape_is("REPLACE INTO \"kv\"(k, v) VALUES (?, ?)", ORM_STMT_INSERT, "kv");
    shape_is("insert into t2 (a) values (1)", ORM_STMT_INSERT, "t2");
    shape_is("UPDATE \"book\" SET t = 1", ORM_STMT_UPDATE, "book");
    shape_is("DELETE FROM audit_log WHERE id = 1", ORM_STMT_DELETE, "audit_log");
    shape_is("PRAGMA foreign_keys", ORM_STMT_OTHER, "");
    shape_is("SELECT \"unterminated FROM t", ORM_STMT_SELECT, "");
}

static void test_stats_shapes__no_statistics_is_harmless(void **state)
{
    (void)state;
    orm_stats_begin(NULL, NULL, "SELECT 1", NULL, 0, ORM_DONE, 0, MS);
    orm_stats_step(NULL, (struct orm_stmt *)1, ORM_DONE, MS);
    orm_stats_failed(NULL, "SELECT 1");
    orm_stats_error(NULL, ORM_ERR_DATA);
    orm_stats_transaction(NULL, "commit");
    orm_stats_nplus1(NULL, "Author.books");
    size_t n = 9;
    assert_null(orm_stats_rows(NULL, &n));
    assert_int_equal(n, 0);
    orm_stats_free(NULL);
    /* statistics that cannot be made: none, and no failure */
    orm_fault_alloc_after(1);
    orm_stats *st = orm_stats_new();
    orm_fault_alloc_after(0);
    assert_null(st);
    /* counters with odd input are ignored */
    st = orm_stats_new();
    orm_stats_error(st, ORM_ERR_NONE);
    orm_stats_error(st, ORM_ERR__COUNT);
    orm_stats_step(st, (struct orm_stmt *)7, ORM_ROW, MS); /* no execution began: nothing */
    assert_null(orm_stats_rows(st, &n));
    orm_stats_free(st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stats_shapes__operation_and_table),
        cmocka_unit_test(test_stats_shapes__no_statistics_is_harmless),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
