/* test_value_edges.c — values (core/value.c) at their edges: numbers
 * compared across INT, BOOL and REAL exactly (no rounding past 2^53, none
 * equal outside the integer range, NaN equal to nothing); equal values hash
 * alike and TEXT and BLOB of the same bytes apart; the described form of
 * NaN, infinities, -0.0, exponents, every escaped character; plain decimals
 * of numbers printed with an exponent (tiny, huge, negative); a size that
 * cannot be allocated; copying or moving a value onto itself. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "error.h"
#include "value.h"

static orm_value num_int(int64_t i)
{
    orm_value v;
    orm_value_int(&v, i);
    return v;
}

static orm_value num_real(double r)
{
    orm_value v;
    orm_value_real(&v, r);
    return v;
}

static orm_value text(const char *s, size_t n)
{
    return (orm_value){.type = ORM_V_TEXT, .borrowed = 1, .len = n, .u.s = (char *)s};
}

static void test_value_edges__numbers_compare_exactly(void **state)
{
    (void)state;
    orm_value t = {.type = ORM_V_BOOL, .u.i = 1}, one = num_int(1), onef = num_real(1.0);
    assert_true(orm_value_equal(&t, &onef));
    assert_true(orm_value_equal(&onef, &one));
    orm_value half = num_real(0.5), zero = num_int(0);
    assert_false(orm_value_equal(&half, &zero));
    assert_false(orm_value_equal(&zero, &half));
    orm_value a = num_real(2.5), b = num_real(2.5), c = num_real(-2.5);
    assert_true(orm_value_equal(&a, &b));
    assert_false(orm_value_equal(&a, &c));
    /* 2^53 + 1 is no double: the nearest one is not equal to it */
    orm_value big = num_int(9007199254740993LL), bigf = num_real(9007199254740992.0);
    assert_false(orm_value_equal(&big, &bigf));
    big = num_int(9007199254740992LL);
    assert_true(orm_value_equal(&bigf, &big));
    /* outside the integer range, and NaN: never equal */
    orm_value huge = num_real(9223372036854775808.0), max = num_int(INT64_MAX);
    assert_false(orm_value_equal(&huge, &max));
    orm_value low = num_real(-9223372036854775808.0), min = num_int(INT64_MIN);
    assert_true(orm_value_equal(&low, &min));
    orm_value nan = num_real(NAN), inf = num_real(INFINITY);
    assert_false(orm_value_equal(&nan, &nan));
    assert_false(orm_value_equal(&nan, &zero));
    assert_false(orm_value_equal(&inf, &max));
    /* a number is never text, and BOOLs compare as numbers */
    orm_value s1 = text("1", 1), f = {.type = ORM_V_BOOL, .u.i = 0};
    assert_false(orm_value_equal(&one, &s1));
    assert_false(orm_value_equal(&s1, &one));
    assert_true(orm_value_equal(&f, &zero));
    orm_value e1 = text("", 0), e2 = text("x", 0);
    assert_true(orm_value_equal(&e1, &e2)); /* empty: the bytes are not read */
}

static void test_value_edges__equal_values_hash_alike(void **state)
{
    (void)state;
    orm_value one = num_int(1), onef = num_real(1.0), t = {.type = ORM_V_BOOL, .u.i = 1};
    assert_true(orm_value_hash(&one) == orm_value_hash(&onef));
    assert_true(orm_value_hash(&one) == orm_value_hash(&t));
    orm_value half = num_real(1.5);
    assert_true(orm_value_hash(&half) != orm_value_hash(&one));
    orm_value huge = num_real(1e300), huge2 = num_real(1e300), huge3 = num_real(2e300);
    assert_true(orm_value_hash(&huge) == orm_value_hash(&huge2));
    assert_true(orm_value_hash(&huge) != orm_value_hash(&huge3));
    orm_value tx = text("ab", 2), bl = {.type = ORM_V_BLOB, .borrowed = 1, .len = 2, .u.s = "ab"};
    assert_true(orm_value_hash(&tx) != orm_value_hash(&bl));
    orm_value n1 = ORM_VALUE_NULL, n2 = ORM_VALUE_NULL;
    assert_true(orm_value_hash(&n1) == orm_value_hash(&n2));
    assert_true(orm_value_hash(&n1) != orm_value_hash(&tx));
}

static void describes(const orm_value *v, const char *want)
{
    orm_buf b = ORM_BUF_INIT;
    assert_int_equal(orm_value_describe(&b, v), ORM_OK);
    assert_string_equal(orm_buf_str(&b), want);
    orm_buf_free(&b);
}

static void test_value_edges__described_forms(void **state)
{
    (void)state;
    orm_value v = num_real(NAN);
    describes(&v, "nan");
    v = num_real(INFINITY);
    describes(&v, "inf");
    v = num_real(-INFINITY);
    describes(&v, "-inf");
    v = num_real(-0.0);
    describes(&v, "-0.0");
    v = num_real(1e16);
    describes(&v, "1e+16"); /* an exponent marks it a float already */
    v = num_real(-3.0);
    describes(&v, "-3.0");
    v = text("a\"b\\c\nd\re\tf\x01g\x7fh\xc3\xa9", 17);
    describes(&v, "\"a\\\"b\\\\c\\nd\\re\\tf\\x01g\\x7fh\xc3\xa9\"");
    v = text("nul\0inside", 10);
    describes(&v, "\"nul\\x00inside\"");
    v = (orm_value){.type = ORM_V_BOOL, .u.i = 0};
    describes(&v, "false");
}

static void decimal_is(double d, int scale, const char *want)
{
    char buf[ORM_DECIMAL_CAP];
    size_t n = orm_double_decimal(buf, d, scale);
    assert_string_equal(buf, want);
    assert_int_equal(n, strlen(want));
}

static void test_value_edges__plain_decimals_of_exponents(void **state)
{
    (void)state;
    decimal_is(1e16, -1, "10000000000000000");
    decimal_is(-2.5e20, -1, "-250000000000000000000");
    decimal_is(1.2345678901234567e+20, -1, "123456789012345670000");
    decimal_is(1.5e-7, -1, "0.00000015");
    decimal_is(-1e-5, -1, "-0.00001");
    decimal_is(123.25, -1, "123.25"); /* no exponent: as it is */
    decimal_is(2.5, 3, "2.500");
    char buf[ORM_DECIMAL_CAP];
    size_t n = orm_double_decimal(buf, 1.5e-300, -1);
    assert_int_equal(n, 303); /* "0." + 299 zeros + "15" */
    assert_memory_equal(buf, "0.000", 5);
    assert_string_equal(buf + 301, "15");
}

static void test_value_edges__sizes_and_self(void **state)
{
    (void)state;
    orm_value v;
    assert_int_equal(orm_value_set_text(&v, "x", SIZE_MAX), ORM_ENOMEM);
    assert_int_equal(v.type, ORM_V_NULL);
    assert_int_equal(orm_value_set_blob(&v, "x", SIZE_MAX), ORM_ENOMEM);
    assert_int_equal(v.type, ORM_V_NULL);
    assert_int_equal(orm_value_set_text(&v, "keep", 4), ORM_OK);
    char *bytes = v.u.s;
    assert_int_equal(orm_value_copy(&v, &v), ORM_OK); /* onto itself: unchanged */
    assert_ptr_equal(v.u.s, bytes);
    orm_value_move(&v, &v);
    assert_int_equal(v.type, ORM_V_TEXT);
    assert_string_equal(v.u.s, "keep");
    orm_value_clear(&v);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_value_edges__numbers_compare_exactly),
        cmocka_unit_test(test_value_edges__equal_values_hash_alike),
        cmocka_unit_test(test_value_edges__described_forms),
        cmocka_unit_test(test_value_edges__plain_decimals_of_exponents),
        cmocka_unit_test(test_value_edges__sizes_and_self),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
