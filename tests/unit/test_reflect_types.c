/* test_reflect_types.c — how a reflected column's declared type text
 * (core/reflect.c, orm_reflect_parse_type) becomes an ormsh type: every
 * type word in any case, with spaces around words and arguments, String
 * lengths and Numeric precision and scale; and what is kept as declared
 * text instead (1 = not known): unknown words, INTEGER(11), two numbers for
 * a String, negative, huge or missing numbers, an unclosed list, text after
 * it; FLOAT(24) and TIMESTAMP(6) take a number. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "reflect.h"

static void known(const char *decl, orm_type_kind kind, int a, int b)
{
    orm_type t = {.kind = ORM_T_TEXT, .length = -9};
    if (!orm_reflect_parse_type(decl, &t)) fail_msg("'%s' not known", decl);
    assert_int_equal(t.kind, kind);
    if (kind == ORM_T_STRING) assert_int_equal(t.length, a);
    if (kind == ORM_T_NUMERIC) {
        assert_int_equal(t.precision, a);
        assert_int_equal(t.scale, b);
    }
}

static void unknown(const char *decl)
{
    orm_type t = {.kind = ORM_T_JSON};
    if (orm_reflect_parse_type(decl, &t)) fail_msg("'%s' taken for a type", decl);
    assert_int_equal(t.kind, ORM_T_JSON); /* untouched */
}

static void test_reflect_types__declared_type_text(void **state)
{
    (void)state;
    known("integer", ORM_T_INTEGER, 0, 0);
    known("  SMALLINT", ORM_T_INTEGER, 0, 0);
    known("BigInt", ORM_T_BIGINT, 0, 0);
    known("character varying (40)", ORM_T_STRING, 40, 0);
    known("NVARCHAR(5)  ", ORM_T_STRING, 5, 0);
    known("varchar", ORM_T_STRING, 0, 0);
    known("CLOB", ORM_T_TEXT, 0, 0);
    known("bool", ORM_T_BOOLEAN, 0, 0);
    known("DOUBLE PRECISION", ORM_T_FLOAT, 0, 0);
    known("FLOAT(24)", ORM_T_FLOAT, 0, 0);
    known("REAL", ORM_T_FLOAT, 0, 0);
    known("decimal( 10 , 2 )", ORM_T_NUMERIC, 10, 2);
    known("NUMERIC(7)", ORM_T_NUMERIC, 7, 0);
    known("TIMESTAMP(6)", ORM_T_DATETIME, 0, 0);
    known("date", ORM_T_DATE, 0, 0);
    known("BYTEA", ORM_T_BINARY, 0, 0);
    known("json", ORM_T_JSON, 0, 0);
    unknown(NULL);
    unknown("");
    unknown("GEOMETRY");
    unknown("INTEGER(11)");
    unknown("VARCHAR(1, 2)");
    unknown("VARCHAR(-1)");
    unknown("VARCHAR(2000000)");
    unknown("NUMERIC(10, -2)");
    unknown("NUMERIC(10, )");
    unknown("VARCHAR()");
    unknown("VARCHAR(20");
    unknown("VARCHAR(20) COLLATE x");
    unknown("VARCHAR 20");
    unknown("DOUBLE  PRECISION");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reflect_types__declared_type_text),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
