/* test_dialect.c — the SQLite dialect: identifier quoting (bare names,
 * reserved words, uppercase, injection attempts), placeholders, DDL type
 * names and string literals; the RETURNING and savepoint capabilities of the
 * three dialects. */
#include <ctype.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "dialect.h"
#include "schema.h"

static char *quoted(const char *ident)
{
    orm_buf b = ORM_BUF_INIT;
    orm_dialect_quote(&orm_dialect_sqlite, &b, ident);
    return orm_buf_detach(&b);
}

#define assert_quote(ident, expected)                                                              \
    do {                                                                                           \
        char *q_ = quoted(ident);                                                                  \
        assert_string_equal(q_, expected);                                                         \
        free(q_);                                                                                  \
    } while (0)

static void test_dialect__plain_lowercase_names_stay_bare(void **state)
{
    (void)state;
    assert_quote("author", "author");
    assert_quote("author_id", "author_id");
    assert_quote("_private", "_private");
    assert_quote("book_to_store_map", "book_to_store_map");
    assert_quote("col1", "col1");
    assert_quote("price$", "price$");
    assert_quote("email", "email");
    assert_quote("name", "name");
}

static void test_dialect__reserved_words_are_quoted(void **state)
{
    (void)state;
    const char *words[] = {"select", "from",   "where", "table",   "order",
                           "group",  "user",   "index", "key",     "default",
                           "limit",  "values", "check", "primary", "references"};
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
        char want[64];
        snprintf(want, sizeof want, "\"%s\"", words[i]);
        assert_quote(words[i], want);
    }
}

/* is_reserved binary-searches: every list must be sorted and counted right */
static void test_dialect__reserved_lists_are_sorted_and_counted(void **state)
{
    (void)state;
    const orm_dialect *ds[] = {&orm_dialect_sqlite, &orm_dialect_pg, &orm_dialect_mysql};
    for (size_t k = 0; k < sizeof ds / sizeof ds[0]; k++) {
        const orm_dialect *d = ds[k];
        size_t n = 0;
        while (d->reserved[n])
            n++;
        assert_int_equal(n, d->nreserved);
        for (size_t i = 1; i < n; i++)
            assert_true(strcmp(d->reserved[i - 1], d->reserved[i]) < 0);
        for (size_t i = 0; i < n; i++) { /* each one is found, so each one is quoted */
            orm_buf b = ORM_BUF_INIT;
            orm_dialect_quote(d, &b, d->reserved[i]);
            assert_int_equal(orm_buf_str(&b)[0], d->quote);
            orm_buf_free(&b);
        }
    }
}

static void test_dialect__uppercase_and_mixed_case_are_quoted(void **state)
{
    (void)state;
    assert_quote("Author", "\"Author\"");
    assert_quote("SELECT", "\"SELECT\"");
    assert_quote("bookID", "\"bookID\"");
}

static void test_dialect__names_needing_quotes_are_quoted(void **state)
{
    (void)state;
    assert_quote("1abc", "\"1abc\"");
    assert_quote("$x", "\"$x\"");
    assert_quote("two words", "\"two words\"");
    assert_quote("a-b", "\"a-b\"");
    assert_quote("", "\"\"");
    assert_quote("é", "\"é\"");
}

static void test_dialect__embedded_quotes_are_doubled(void **state)
{
    (void)state;
    assert_quote("a\"b", "\"a\"\"b\"");
    assert_quote("\"", "\"\"\"\"");
}

static void test_dialect__injection_attempts_stay_one_identifier(void **state)
{
    (void)state;
    assert_quote("x\"; DROP TABLE author; --", "\"x\"\"; DROP TABLE author; --\"");
    assert_quote("name\" FROM author --", "\"name\"\" FROM author --\"");
    assert_quote("a'b", "\"a'b\"");
}

static void test_dialect__reserved_list_is_lowercase_and_terminated(void **state)
{
    (void)state;
    size_t n = 0;
    for (const char *const *w = orm_dialect_sqlite.reserved; *w; w++, n++)
        for (const char *c = *w; *c; c++)
            assert_false(isupper((unsigned char)*c));
    assert_true(n > 140);
}

static void test_dialect__sqlite_table_flags(void **state)
{
    (void)state;
    assert_string_equal(orm_dialect_sqlite.name, "sqlite");
    assert_int_equal(orm_dialect_sqlite.quote, '"');
    assert_int_equal(orm_dialect_sqlite.placeholder, ORM_PH_QMARK);
    assert_true(orm_dialect_sqlite.transactional_ddl);
    assert_string_equal(orm_dialect_sqlite.autoincrement_pk, "INTEGER NOT NULL");
}

static void test_dialect__placeholders_follow_style(void **state)
{
    (void)state;
    orm_buf b = ORM_BUF_INIT;
    orm_dialect_placeholder(&orm_dialect_sqlite, &b, 1);
    orm_dialect_placeholder(&orm_dialect_sqlite, &b, 2);
    assert_string_equal(orm_buf_str(&b), "??");
    orm_dialect dollar = orm_dialect_sqlite;
    dollar.placeholder = ORM_PH_DOLLAR;
    dollar.quote = '`';
    orm_buf_reset(&b);
    orm_dialect_placeholder(&dollar, &b, 1);
    orm_buf_putc(&b, ' ');
    orm_dialect_placeholder(&dollar, &b, 12);
    orm_buf_putc(&b, ' ');
    orm_dialect_quote(&dollar, &b, "a`b");
    assert_string_equal(orm_buf_str(&b), "$1 $12 `a``b`");
    orm_buf_free(&b);
}

static void assert_type(orm_type_kind kind, int len, int prec, int scale, const char *expected)
{
    orm_type t = {.kind = kind, .length = len, .precision = prec, .scale = scale};
    orm_buf b = ORM_BUF_INIT;
    orm_dialect_type(&orm_dialect_sqlite, &b, &t);
    assert_string_equal(orm_buf_str(&b), expected);
    orm_buf_free(&b);
}

static void test_dialect__type_names_match_spec(void **state)
{
    (void)state;
    assert_type(ORM_T_INTEGER, 0, 0, 0, "INTEGER");
    assert_type(ORM_T_BIGINT, 0, 0, 0, "BIGINT");
    assert_type(ORM_T_STRING, 30, 0, 0, "VARCHAR(30)");
    assert_type(ORM_T_STRING, 0, 0, 0, "VARCHAR");
    assert_type(ORM_T_TEXT, 0, 0, 0, "TEXT");
    assert_type(ORM_T_BOOLEAN, 0, 0, 0, "BOOLEAN");
    assert_type(ORM_T_FLOAT, 0, 0, 0, "FLOAT");
    assert_type(ORM_T_NUMERIC, 0, 10, 2, "NUMERIC(10, 2)");
    assert_type(ORM_T_NUMERIC, 0, 0, 0, "NUMERIC");
    assert_type(ORM_T_DATE, 0, 0, 0, "DATE");
    assert_type(ORM_T_DATETIME, 0, 0, 0, "DATETIME");
    assert_type(ORM_T_BINARY, 0, 0, 0, "BLOB");
    assert_type(ORM_T_JSON, 0, 0, 0, "JSON");
}

static void test_dialect__string_literal_doubles_single_quotes(void **state)
{
    (void)state;
    orm_buf b = ORM_BUF_INIT;
    orm_dialect_string_literal(&orm_dialect_sqlite, &b, "it's 'x'");
    assert_string_equal(orm_buf_str(&b), "'it''s ''x'''");
    orm_buf_reset(&b);
    orm_dialect_string_literal(&orm_dialect_sqlite, &b, "");
    assert_string_equal(orm_buf_str(&b), "''");
    orm_buf_reset(&b);
    orm_dialect_string_literal(&orm_dialect_sqlite, &b, "'); DROP TABLE t; --");
    assert_string_equal(orm_buf_str(&b), "'''); DROP TABLE t; --'");
    orm_buf_free(&b);
}

/* RETURNING is a capability: asked with no buffer, appended with one, and
 * a dialect without it (SQLite's here) appends nothing. MySQL's dialect
 * writes MariaDB's clause; whether a connection uses it is the server's
 * question (orm_conn_returning). */
static void test_dialect__returning_is_asked_and_appended(void **state)
{
    (void)state;
    orm_buf b = ORM_BUF_INIT;
    assert_int_equal(orm_dialect_returning(&orm_dialect_pg, NULL, NULL, 0), 1);
    assert_int_equal(orm_dialect_returning(&orm_dialect_sqlite, NULL, NULL, 0), 0);
    assert_int_equal(orm_dialect_returning(&orm_dialect_mysql, NULL, NULL, 0), 1);
    orm_buf_puts(&b, "INSERT");
    assert_int_equal(orm_dialect_returning(&orm_dialect_pg, &b, (const char *[]){"id"}, 1), 1);
    assert_string_equal(orm_buf_str(&b), "INSERT RETURNING id");
    orm_buf_reset(&b);
    assert_int_equal(orm_dialect_returning(&orm_dialect_pg, &b, (const char *[]){"User Id"}, 1), 1);
    assert_string_equal(orm_buf_str(&b), " RETURNING \"User Id\"");
    orm_buf_reset(&b);
    orm_buf_puts(&b, "INSERT");
    assert_int_equal(orm_dialect_returning(&orm_dialect_sqlite, &b, (const char *[]){"id"}, 1), 0);
    assert_string_equal(orm_buf_str(&b), "INSERT");
    orm_buf_reset(&b);
    assert_int_equal(orm_dialect_returning(&orm_dialect_mysql, &b, (const char *[]){"Key"}, 1), 1);
    assert_string_equal(orm_buf_str(&b), " RETURNING `Key`");
    orm_buf_reset(&b);
    assert_int_equal(
        orm_dialect_returning(&orm_dialect_pg, &b, (const char *[]){"id", "made at"}, 2), 1);
    assert_string_equal(orm_buf_str(&b), " RETURNING id, \"made at\"");
    orm_buf_free(&b);
}

/* Savepoint statements: the three operations, names quoted by the dialect,
 * the session's numbered names as SQLAlchemy spells them. */
static void test_dialect__savepoint_statements(void **state)
{
    (void)state;
    orm_buf b = ORM_BUF_INIT;
    orm_dialect_savepoint(&orm_dialect_sqlite, &b, ORM_SP_CREATE, "sa_savepoint_1");
    assert_string_equal(orm_buf_str(&b), "SAVEPOINT sa_savepoint_1");
    orm_buf_reset(&b);
    orm_dialect_savepoint(&orm_dialect_pg, &b, ORM_SP_RELEASE, "ormsh_tx");
    assert_string_equal(orm_buf_str(&b), "RELEASE SAVEPOINT ormsh_tx");
    orm_buf_reset(&b);
    orm_dialect_savepoint(&orm_dialect_mysql, &b, ORM_SP_ROLLBACK, "ormsh_ck_Before x");
    assert_string_equal(orm_buf_str(&b), "ROLLBACK TO SAVEPOINT `ormsh_ck_Before x`");
    orm_buf_reset(&b);
    orm_dialect_savepoint(&orm_dialect_sqlite, &b, ORM_SP_CREATE, "a\"; DROP TABLE t; --");
    assert_string_equal(orm_buf_str(&b), "SAVEPOINT \"a\"\"; DROP TABLE t; --\"");
    orm_buf_reset(&b);
    orm_dialect_savepoint_name(&b, 12);
    assert_string_equal(orm_buf_str(&b), "sa_savepoint_12");
    orm_buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dialect__plain_lowercase_names_stay_bare),
        cmocka_unit_test(test_dialect__reserved_words_are_quoted),
        cmocka_unit_test(test_dialect__reserved_lists_are_sorted_and_counted),
        cmocka_unit_test(test_dialect__uppercase_and_mixed_case_are_quoted),
        cmocka_unit_test(test_dialect__names_needing_quotes_are_quoted),
        cmocka_unit_test(test_dialect__embedded_quotes_are_doubled),
        cmocka_unit_test(test_dialect__injection_attempts_stay_one_identifier),
        cmocka_unit_test(test_dialect__reserved_list_is_lowercase_and_terminated),
        cmocka_unit_test(test_dialect__sqlite_table_flags),
        cmocka_unit_test(test_dialect__placeholders_follow_style),
        cmocka_unit_test(test_dialect__type_names_match_spec),
        cmocka_unit_test(test_dialect__string_literal_doubles_single_quotes),
        cmocka_unit_test(test_dialect__returning_is_asked_and_appended),
        cmocka_unit_test(test_dialect__savepoint_statements),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
