/* test_driver_sqlite_values.c — the SQLite driver (core/driver_sqlite.c)
 * reading numbers the way the servers give them: a NUMERIC(p, s) or
 * DECIMAL(p, s) column's integers and floats as decimal text with the
 * column's scale ("3.00"), a NUMERIC without a scale as its shortest
 * digits, a scale of 0 as integers, a scale past 40 kept at 40, infinities
 * and expression columns as floats, and the same for columns past the
 * statement's cache of scales; text and blobs peeked in place (an empty
 * blob still has bytes); NaN refused when bound (DataError naming the
 * parameter); SQL text of only comments refused, trailing comments
 * accepted; a read-only open of a missing file naming the mode. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "memory_db.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The value of column i of sql's first row (text copied into buf). */
static orm_value first(orm_conn *c, const char *sql, int i, char *buf, size_t n)
{
    orm_stmt *st = NULL;
    if (orm_conn_prepare(c, sql, &st) != ORM_OK) fail_msg("%s: %s", sql, c->err.message);
    assert_int_equal(orm_stmt_step(c, st, sql, NULL, 0), ORM_ROW);
    orm_value v = ORM_VALUE_NULL;
    assert_int_equal(orm_stmt_value(c, st, i, &v), ORM_OK);
    if (v.type == ORM_V_TEXT) {
        snprintf(buf, n, "%s", v.u.s);
        int decimal = v.decimal;
        orm_value_clear(&v);
        v = (orm_value){.type = ORM_V_TEXT, .borrowed = 1, .decimal = decimal, .u.s = buf};
        v.len = strlen(buf);
    }
    orm_stmt_finalize(c, st);
    return v;
}

static void decimal_is(orm_conn *c, const char *col, const char *want)
{
    char sql[96], buf[64];
    snprintf(sql, sizeof sql, "SELECT %s FROM n", col);
    orm_value v = first(c, sql, 0, buf, sizeof buf);
    assert_int_equal(v.type, ORM_V_TEXT);
    assert_true(v.decimal);
    assert_string_equal(v.u.s, want);
}

static void test_driver_sqlite_values__numeric_columns_as_decimal_text(void **state)
{
    (void)state;
    orm_conn *c = open_memory();
    exec(c, "CREATE TABLE n (p NUMERIC(8, 2), d DECIMAL(10), bare NUMERIC, big NUMERIC(60, 50), "
            "neg NUMERIC(5,-1), f FLOAT, txt NUMERIC(4, 1))");
    exec(c, "INSERT INTO n VALUES (3, 2.25, 7, 0.5, 1.25, 1.5, 'abc')");
    decimal_is(c, "p", "3.00"); /* an integer in a column with a scale */
    char buf[420];
    orm_value v = first(c, "SELECT bare FROM n", 0, buf, sizeof buf);
    assert_true(v.type == ORM_V_INT && v.u.i == 7); /* no scale: integers stay integers */
    v = first(c, "SELECT d FROM n", 0, buf, sizeof buf);
    assert_int_equal(v.type, ORM_V_TEXT); /* 2.25 with scale 0 */
    assert_string_equal(v.u.s, "2");
    v = first(c, "SELECT big FROM n", 0, buf, sizeof buf);
    assert_string_equal(v.u.s, "0.5000000000000000000000000000000000000000"); /* 40 places */
    v = first(c, "SELECT neg FROM n", 0, buf, sizeof buf);
    assert_string_equal(v.u.s, "1"); /* a negative scale read as 0 */
    v = first(c, "SELECT f FROM n", 0, buf, sizeof buf);
    assert_true(v.type == ORM_V_REAL && v.u.r == 1.5); /* FLOAT: a float */
    v = first(c, "SELECT txt FROM n", 0, buf, sizeof buf);
    assert_int_equal(v.type, ORM_V_TEXT); /* text stays text */
    assert_false(v.decimal);
    exec(c, "UPDATE n SET p = 0.99, bare = 1e20, d = 42");
    decimal_is(c, "p", "0.99");
    decimal_is(c, "bare", "100000000000000000000");
    v = first(c, "SELECT d FROM n", 0, buf, sizeof buf);
    assert_true(v.type == ORM_V_INT && v.u.i == 42); /* scale 0: an integer */
    exec(c, "UPDATE n SET p = 9e999");
    v = first(c, "SELECT p FROM n", 0, buf, sizeof buf);
    assert_true(v.type == ORM_V_REAL && isinf(v.u.r));
    v = first(c, "SELECT p * 1 FROM n", 0, buf, sizeof buf); /* an expression: no scale */
    assert_true(v.type == ORM_V_REAL && isinf(v.u.r));
    /* columns past the statement's cache of scales read the same */
    exec(c, "UPDATE n SET p = 3");
    v = first(c, "SELECT 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17, p, p FROM n", 19, buf,
              sizeof buf);
    assert_int_equal(v.type, ORM_V_TEXT);
    assert_string_equal(v.u.s, "3.00");
    orm_conn_close(c);
}

static void test_driver_sqlite_values__peeked_bytes_and_bound_nan(void **state)
{
    (void)state;
    orm_conn *c = open_memory();
    exec(c, "CREATE TABLE b (t TEXT, x BLOB)");
    orm_stmt *st = NULL;
    assert_int_equal(orm_conn_prepare(c, "INSERT INTO b VALUES (?, ?)", &st), ORM_OK);
    orm_value vals[2] = {{.type = ORM_V_TEXT, .len = 0, .u.s = NULL},
                         {.type = ORM_V_BLOB, .len = 0, .u.s = NULL}};
    assert_int_equal(orm_stmt_bind_all(c, st, vals, 2, ORM_BIND_COPY), ORM_OK);
    assert_int_equal(orm_stmt_step(c, st, "INSERT", vals, 2), ORM_DONE);
    orm_stmt_finalize(c, st);
    assert_int_equal(orm_conn_prepare(c, "SELECT t, x, typeof(t), typeof(x) FROM b", &st), ORM_OK);
    assert_int_equal(orm_stmt_step(c, st, "SELECT", NULL, 0), ORM_ROW);
    orm_column_fn peek = orm_conn_peek_fn(c);
    orm_value v;
    assert_int_equal(peek(st, 0, &v), ORM_OK);
    assert_true(v.type == ORM_V_TEXT && v.borrowed && v.len == 0);
    assert_int_equal(peek(st, 1, &v), ORM_OK);
    assert_true(v.type == ORM_V_BLOB && v.borrowed && v.len == 0);
    assert_non_null(v.u.s); /* an empty blob still has bytes to point at */
    assert_int_equal(peek(st, 2, &v), ORM_OK);
    assert_memory_equal(v.u.s, "text", 4); /* NULL text bound as "" */
    assert_int_equal(peek(st, 3, &v), ORM_OK);
    assert_memory_equal(v.u.s, "blob", 4); /* an empty blob, not NULL */
    orm_stmt_finalize(c, st);

    assert_int_equal(orm_conn_prepare(c, "INSERT INTO b (t, x) VALUES (?, ?)", &st), ORM_OK);
    orm_value nan[2] = {{.type = ORM_V_NULL}, {.type = ORM_V_REAL, .u.r = NAN}};
    assert_int_equal(orm_stmt_bind_all(c, st, nan, 2, ORM_BIND_COPY), ORM_EFAIL);
    assert_int_equal(c->err.cls, ORM_ERR_DATA);
    assert_string_equal(c->err.message, "SQLite cannot store NaN (parameter 2)");
    orm_error_clear(&c->err);
    orm_stmt_finalize(c, st);
    orm_conn_close(c);
}

static void test_driver_sqlite_values__statement_text(void **state)
{
    (void)state;
    orm_conn *c = open_memory();
    orm_stmt *st = (orm_stmt *)1;
    assert_int_equal(orm_conn_prepare(c, "  -- nothing here\n", &st), ORM_EFAIL);
    assert_null(st);
    assert_int_equal(c->err.cls, ORM_ERR_PROGRAMMING);
    assert_string_equal(c->err.message, "empty SQL statement");
    orm_error_clear(&c->err);
    assert_int_equal(orm_conn_prepare(c, "SELECT 1; -- done\n", &st), ORM_OK);
    orm_stmt_finalize(c, st);
    assert_int_equal(orm_conn_prepare(c, "SELECT 1; SELECT (", &st), ORM_EFAIL);
    assert_string_equal(c->err.message, "only one statement can be prepared at a time");
    orm_error_clear(&c->err);
    /* exec runs every statement, a comment may end the text */
    exec(c, "CREATE TABLE a (x); INSERT INTO a VALUES (1); -- the end");
    assert_int_equal(orm_conn_exec(c, "INSERT INTO a VALUES (2); INSERT INTO nope VALUES (3)"),
                     ORM_EFAIL);
    assert_non_null(strstr(c->err.message, "no such table: nope"));
    orm_error_clear(&c->err);
    orm_conn_close(c);

    /* read-only: the file must exist */
    orm_url u;
    orm_error e;
    orm_error_init(&e);
    assert_int_equal(orm_url_parse(&u, "sqlite:////tmp/ormsh-no-such-dir/x.db", &e), ORM_OK);
    orm_open_opts o = {.read_only = 1};
    assert_int_equal(orm_conn_open(&c, &u, &o, &e), ORM_EFAIL);
    assert_int_equal(e.cls, ORM_ERR_OPERATIONAL);
    assert_string_equal(e.message, "unable to open database file: /tmp/ormsh-no-such-dir/x.db "
                                   "(read-only mode: the file must exist)");
    orm_error_clear(&e);
    orm_url_free(&u);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_driver_sqlite_values__numeric_columns_as_decimal_text),
        cmocka_unit_test(test_driver_sqlite_values__peeked_bytes_and_bound_nan),
        cmocka_unit_test(test_driver_sqlite_values__statement_text),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
