/* test_dialect_servers.c — the PostgreSQL and MySQL dialect tables: quoting,
 * placeholders, CREATE TABLE spelling (SERIAL / AUTO_INCREMENT keys, type
 * names, MySQL's table options), OFFSET without LIMIT, plain LIKE patterns
 * inserts of all-default rows, and integer division (DIV on MySQL, where "/"
 * of two integers gives a decimal). No server needed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compile.h"
#include "ddl.h"
#include "dialect.h"
#include "expr.h"

static orm_metadata *md;
static orm_table *thing;

static int setup(void **state)
{
    (void)state;
    orm_error err;
    orm_error_init(&err);
    md = orm_metadata_new();
    assert_int_equal(orm_metadata_add_table(md, "thing", &thing, &err), 0);
    static const struct {
        const char *name;
        orm_type_kind kind;
        int length;
    } cols[] = {
        {"id", ORM_T_INTEGER, 0},    {"name", ORM_T_STRING, 30}, {"any", ORM_T_STRING, 0},
        {"body", ORM_T_TEXT, 0},     {"flag", ORM_T_BOOLEAN, 0}, {"ratio", ORM_T_FLOAT, 0},
        {"seen", ORM_T_DATETIME, 0}, {"data", ORM_T_BINARY, 0},  {"meta", ORM_T_JSON, 0},
    };
    for (size_t i = 0; i < sizeof cols / sizeof cols[0]; i++) {
        orm_column c = {.name = (char *)cols[i].name,
                        .type = {.kind = cols[i].kind, .length = cols[i].length},
                        .primary_key = i == 0,
                        .nullable = i != 0,
                        .autoincrement = 1};
        assert_int_equal(orm_table_add_column(thing, &c, &err), 0);
    }
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    orm_metadata_free(md);
    return 0;
}

static void assert_ddl(const orm_dialect *d, const char *want)
{
    orm_buf b = ORM_BUF_INIT;
    assert_int_equal(orm_ddl_create_table(d, thing, 0, &b), 0);
    assert_string_equal(orm_buf_str(&b), want);
    orm_buf_free(&b);
}

static void test_dialect_servers__pg_create_table(void **state)
{
    (void)state;
    assert_ddl(&orm_dialect_pg, "CREATE TABLE thing (\n\tid SERIAL NOT NULL, \n\tname VARCHAR(30), "
                                "\n\t\"any\" VARCHAR, \n\tbody TEXT, \n\tflag BOOLEAN, \n\tratio "
                                "FLOAT, \n\tseen TIMESTAMP WITHOUT TIME ZONE, \n\tdata BYTEA, "
                                "\n\tmeta JSONB, \n\tPRIMARY KEY (id)\n)");
}

static void test_dialect_servers__mysql_create_table(void **state)
{
    (void)state;
    assert_ddl(&orm_dialect_mysql,
               "CREATE TABLE thing (\n\tid INTEGER NOT NULL AUTO_INCREMENT, \n\tname VARCHAR(30), "
               "\n\t`any` VARCHAR(255), \n\tbody LONGTEXT, \n\tflag BOOLEAN, \n\tratio DOUBLE, "
               "\n\tseen DATETIME, \n\tdata LONGBLOB, \n\tmeta JSON, \n\tPRIMARY KEY (id)\n) "
               "ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin");
}

static void test_dialect_servers__quoting_and_placeholders(void **state)
{
    (void)state;
    orm_buf b = ORM_BUF_INIT;
    orm_dialect_quote(&orm_dialect_mysql, &b, "a`b");
    orm_buf_putc(&b, ' ');
    orm_dialect_quote(&orm_dialect_mysql, &b, "div");
    orm_buf_putc(&b, ' ');
    orm_dialect_quote(&orm_dialect_pg, &b, "a\"b");
    orm_buf_putc(&b, ' ');
    orm_dialect_placeholder(&orm_dialect_pg, &b, 1);
    orm_buf_putc(&b, ' ');
    orm_dialect_placeholder(&orm_dialect_pg, &b, 12);
    orm_buf_putc(&b, ' ');
    orm_dialect_placeholder(&orm_dialect_mysql, &b, 3);
    assert_string_equal(orm_buf_str(&b), "`a``b` `div` \"a\"\"b\" $1 $12 ?");
    orm_buf_free(&b);
}

static char *select_sql(const orm_dialect *d, int64_t limit, int64_t offset, int like)
{
    orm_select *s = orm_select_new();
    orm_expr *col = orm_expr_column(thing, 1);
    assert_int_equal(orm_select_add_column(s, col), 0);
    if (like) {
        orm_value v = {.type = ORM_V_TEXT, .len = 3, .u.s = "a\\b"};
        orm_expr *pat = orm_expr_bind(&v);
        orm_expr *e = orm_expr_like(ORM_OP_LIKE, col, pat, 0);
        assert_int_equal(orm_select_add_where(s, e), 0);
        orm_expr_release(pat);
        orm_expr_release(e);
    }
    orm_expr_release(col);
    s->limit = limit;
    s->offset = offset;
    orm_compiled c;
    orm_compiled_init(&c);
    orm_error err;
    orm_error_init(&err);
    assert_int_equal(orm_compile_select(d, s, &c, &err), 0);
    char *out = strdup(orm_buf_str(&c.sql));
    orm_compiled_free(&c);
    orm_select_free(s);
    return out;
}

static void test_dialect_servers__offset_without_limit(void **state)
{
    (void)state;
    char *pg = select_sql(&orm_dialect_pg, -1, 5, 0);
    char *my = select_sql(&orm_dialect_mysql, -1, 5, 0);
    char *lite = select_sql(&orm_dialect_sqlite, -1, 5, 0);
    assert_string_equal(pg, "SELECT thing.name FROM thing OFFSET $1");
    assert_string_equal(my, "SELECT thing.name FROM thing LIMIT 18446744073709551615 OFFSET ?");
    assert_string_equal(lite, "SELECT thing.name FROM thing LIMIT -1 OFFSET ?");
    free(pg);
    free(my);
    free(lite);
}

static void test_dialect_servers__plain_like_keeps_backslash_ordinary(void **state)
{
    (void)state;
    char *pg = select_sql(&orm_dialect_pg, -1, -1, 1);
    char *my = select_sql(&orm_dialect_mysql, -1, -1, 1);
    char *lite = select_sql(&orm_dialect_sqlite, -1, -1, 1);
    assert_string_equal(pg, "SELECT thing.name FROM thing WHERE thing.name LIKE $1 ESCAPE ''");
    assert_string_equal(my, "SELECT thing.name FROM thing WHERE thing.name LIKE replace(?, '\\', "
                            "'\\\\')");
    assert_string_equal(lite, "SELECT thing.name FROM thing WHERE thing.name LIKE ?");
    free(pg);
    free(my);
    free(lite);
}

static void test_dialect_servers__insert_of_defaults(void **state)
{
    (void)state;
    orm_buf b = ORM_BUF_INIT;
    assert_int_equal(orm_compile_insert(&orm_dialect_mysql, thing, 0, &b), 0);
    assert_string_equal(orm_buf_str(&b), "INSERT INTO thing () VALUES ()");
    orm_buf_reset(&b);
    assert_int_equal(orm_compile_insert(&orm_dialect_pg, thing, 0, &b), 0);
    assert_string_equal(orm_buf_str(&b), "INSERT INTO thing DEFAULT VALUES");
    orm_buf_free(&b);
}

/* A load's INSERT brings its own keys: PostgreSQL then overrides a
 * GENERATED ALWAYS identity; the others write the plain INSERT. */
static void test_dialect_servers__insert_of_given_keys(void **state)
{
    (void)state;
    orm_buf b = ORM_BUF_INIT;
    assert_int_equal(orm_compile_insert_keys(&orm_dialect_pg, thing, 0x3, &b), 0);
    assert_string_equal(orm_buf_str(&b),
                        "INSERT INTO thing (id, name) OVERRIDING SYSTEM VALUE VALUES ($1, $2)");
    orm_buf_reset(&b);
    assert_int_equal(orm_compile_insert_keys(&orm_dialect_mysql, thing, 0x3, &b), 0);
    assert_string_equal(orm_buf_str(&b), "INSERT INTO thing (id, name) VALUES (?, ?)");
    orm_buf_reset(&b);
    assert_int_equal(orm_compile_insert(&orm_dialect_pg, thing, 0x3, &b), 0);
    assert_string_equal(orm_buf_str(&b), "INSERT INTO thing (id, name) VALUES ($1, $2)");
    orm_buf_free(&b);
}

static char *div_sql(const orm_dialect *d, int left_col, const orm_value *right)
{
    orm_expr *col = orm_expr_column(thing, left_col);
    orm_expr *r = orm_expr_bind(right);
    orm_expr *e = orm_expr_binary(ORM_OP_DIV, col, r);
    orm_compiled c;
    orm_compiled_init(&c);
    orm_error err;
    orm_error_init(&err);
    assert_int_equal(orm_compile_expr(d, e, &c, &err), 0);
    char *out = strdup(orm_buf_str(&c.sql));
    orm_compiled_free(&c);
    orm_expr_release(col);
    orm_expr_release(r);
    orm_expr_release(e);
    return out;
}

static void test_dialect_servers__integer_division_truncates_everywhere(void **state)
{
    (void)state;
    orm_value two = {.type = ORM_V_INT, .u.i = 2}, half = {.type = ORM_V_REAL, .u.r = 0.5};
    struct {
        const orm_dialect *d;
        int col;
        const orm_value *v;
        const char *want;
    } cases[] = {
        {&orm_dialect_mysql, 0, &two, "thing.id DIV ?"},  /* Integer / integer */
        {&orm_dialect_mysql, 0, &half, "thing.id / ?"},   /* Integer / real */
        {&orm_dialect_mysql, 5, &two, "thing.ratio / ?"}, /* Float / integer */
        {&orm_dialect_pg, 0, &two, "thing.id / $1"},      /* "/" truncates there */
        {&orm_dialect_sqlite, 0, &two, "thing.id / ?"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *sql = div_sql(cases[i].d, cases[i].col, cases[i].v);
        assert_string_equal(sql, cases[i].want);
        free(sql);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dialect_servers__pg_create_table),
        cmocka_unit_test(test_dialect_servers__insert_of_given_keys),
        cmocka_unit_test(test_dialect_servers__mysql_create_table),
        cmocka_unit_test(test_dialect_servers__quoting_and_placeholders),
        cmocka_unit_test(test_dialect_servers__offset_without_limit),
        cmocka_unit_test(test_dialect_servers__plain_like_keeps_backslash_ordinary),
        cmocka_unit_test(test_dialect_servers__insert_of_defaults),
        cmocka_unit_test(test_dialect_servers__integer_division_truncates_everywhere),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
