/* test_value.c — the tagged value: owned copies, move, cross-type numeric
 * equality agreeing with the hash, and the literals echo lines print. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "buf.h"
#include "error.h"
#include "value.h"

static char *describe(const orm_value *v)
{
    orm_buf b = ORM_BUF_INIT;
    assert_int_equal(orm_value_describe(&b, v), ORM_OK);
    return orm_buf_detach(&b);
}

#define assert_describes(v, text)                                                                  \
    do {                                                                                           \
        char *s_ = describe(v);                                                                    \
        assert_string_equal(s_, text);                                                             \
        free(s_);                                                                                  \
    } while (0)

static void test_value__set_text_copies_and_nul_terminates(void **state)
{
    (void)state;
    char src[] = "hello";
    orm_value v = ORM_VALUE_NULL;
    assert_int_equal(orm_value_set_text(&v, src, 5), ORM_OK);
    src[0] = 'J';
    assert_int_equal(v.type, ORM_V_TEXT);
    assert_int_equal(v.len, 5);
    assert_string_equal(v.u.s, "hello");
    orm_value_clear(&v);
    assert_int_equal(v.type, ORM_V_NULL);
}

static void test_value__text_keeps_embedded_nul(void **state)
{
    (void)state;
    orm_value v = ORM_VALUE_NULL;
    assert_int_equal(orm_value_set_text(&v, "a\0b", 3), ORM_OK);
    assert_int_equal(v.len, 3);
    assert_memory_equal(v.u.s, "a\0b\0", 4);
    orm_value_clear(&v);
}

static void test_value__empty_blob_has_storage(void **state)
{
    (void)state;
    orm_value v = ORM_VALUE_NULL;
    assert_int_equal(orm_value_set_blob(&v, NULL, 0), ORM_OK);
    assert_int_equal(v.type, ORM_V_BLOB);
    assert_int_equal(v.len, 0);
    assert_non_null(v.u.s);
    orm_value_clear(&v);
}

static void test_value__clear_is_safe_on_null_and_scalars(void **state)
{
    (void)state;
    orm_value v = ORM_VALUE_NULL;
    orm_value_clear(&v);
    orm_value_int(&v, 5);
    orm_value_clear(&v);
    assert_int_equal(v.type, ORM_V_NULL);
}

static void test_value__copy_is_deep(void **state)
{
    (void)state;
    orm_value a = ORM_VALUE_NULL, b;
    assert_int_equal(orm_value_set_blob(&a, "\x01\x02\x03", 3), ORM_OK);
    assert_int_equal(orm_value_copy(&b, &a), ORM_OK);
    assert_ptr_not_equal(a.u.s, b.u.s);
    assert_true(orm_value_equal(&a, &b));
    orm_value_clear(&a);
    assert_memory_equal(b.u.s, "\x01\x02\x03", 3);
    orm_value_clear(&b);

    orm_value r, r2;
    orm_value_real(&r, 2.5);
    assert_int_equal(orm_value_copy(&r2, &r), ORM_OK);
    assert_true(r2.type == ORM_V_REAL && r2.u.r == 2.5);
}

static void test_value__move_clears_destination_and_empties_source(void **state)
{
    (void)state;
    orm_value dst = ORM_VALUE_NULL, src = ORM_VALUE_NULL;
    assert_int_equal(orm_value_set_text(&dst, "old", 3), ORM_OK);
    assert_int_equal(orm_value_set_text(&src, "new", 3), ORM_OK);
    orm_value_move(&dst, &src); /* the old text must not leak (asan) */
    assert_string_equal(dst.u.s, "new");
    assert_int_equal(src.type, ORM_V_NULL);
    orm_value_clear(&dst);
}

static void test_value__int_and_bool_are_equal(void **state)
{
    (void)state;
    orm_value i, b;
    orm_value_int(&i, 1);
    orm_value_bool(&b, 42); /* normalised to 1 */
    assert_int_equal(b.u.i, 1);
    assert_true(orm_value_equal(&i, &b));
    orm_value_int(&i, 0);
    assert_false(orm_value_equal(&i, &b));
}

static void test_value__int_and_real_compare_numerically(void **state)
{
    (void)state;
    orm_value i, r;
    orm_value_int(&i, 3);
    orm_value_real(&r, 3.0);
    assert_true(orm_value_equal(&i, &r));
    assert_true(orm_value_equal(&r, &i));
    assert_int_equal(orm_value_hash(&i), orm_value_hash(&r));
    orm_value_real(&r, 3.5);
    assert_false(orm_value_equal(&i, &r));
    /* 2^53 + 1 is not representable as a double: must not compare equal */
    orm_value_int(&i, 9007199254740993LL);
    orm_value_real(&r, 9007199254740992.0);
    assert_false(orm_value_equal(&i, &r));
}

static void test_value__text_and_blob_with_same_bytes_differ(void **state)
{
    (void)state;
    orm_value t = ORM_VALUE_NULL, b = ORM_VALUE_NULL, t2 = ORM_VALUE_NULL;
    assert_int_equal(orm_value_set_text(&t, "ab", 2), ORM_OK);
    assert_int_equal(orm_value_set_blob(&b, "ab", 2), ORM_OK);
    assert_int_equal(orm_value_set_text(&t2, "ab", 2), ORM_OK);
    assert_false(orm_value_equal(&t, &b));
    assert_true(orm_value_equal(&t, &t2));
    assert_int_equal(orm_value_hash(&t), orm_value_hash(&t2));
    orm_value_clear(&t);
    orm_value_clear(&b);
    orm_value_clear(&t2);
}

static void test_value__null_equals_null_only(void **state)
{
    (void)state;
    orm_value n1 = ORM_VALUE_NULL, n2 = ORM_VALUE_NULL, z;
    orm_value_int(&z, 0);
    assert_true(orm_value_equal(&n1, &n2));
    assert_false(orm_value_equal(&n1, &z));
}

static void test_value__hash_differs_for_different_text(void **state)
{
    (void)state;
    orm_value a = ORM_VALUE_NULL, b = ORM_VALUE_NULL;
    assert_int_equal(orm_value_set_text(&a, "abc", 3), ORM_OK);
    assert_int_equal(orm_value_set_text(&b, "abd", 3), ORM_OK);
    assert_true(orm_value_hash(&a) != orm_value_hash(&b));
    orm_value_clear(&a);
    orm_value_clear(&b);
}

static void test_value__describe_scalars(void **state)
{
    (void)state;
    orm_value v = ORM_VALUE_NULL;
    assert_describes(&v, "NULL");
    orm_value_int(&v, 42);
    assert_describes(&v, "42");
    orm_value_int(&v, INT64_MIN);
    assert_describes(&v, "-9223372036854775808");
    orm_value_bool(&v, 1);
    assert_describes(&v, "true");
    orm_value_bool(&v, 0);
    assert_describes(&v, "false");
}

static void test_value__describe_reals_shortest_and_marked_float(void **state)
{
    (void)state;
    orm_value v;
    orm_value_real(&v, 1.5);
    assert_describes(&v, "1.5");
    orm_value_real(&v, 2.0);
    assert_describes(&v, "2.0");
    orm_value_real(&v, 0.1);
    assert_describes(&v, "0.1");
    orm_value_real(&v, -3.25);
    assert_describes(&v, "-3.25");
    orm_value_real(&v, 1e300);
    assert_describes(&v, "1e+300");
}

static void test_value__double_shortest_reads_back(void **state)
{
    (void)state;
    char buf[ORM_DOUBLE_CAP];
    assert_int_equal(orm_double_shortest(buf, 0.99), 4);
    assert_string_equal(buf, "0.99"); /* not %.17g's 0.98999999999999999 */
    orm_double_shortest(buf, 0.1 + 0.2);
    assert_string_equal(buf, "0.30000000000000004");
    orm_double_shortest(buf, 1e16);
    assert_string_equal(buf, "1e+16");
    orm_double_shortest(buf, -2.5);
    assert_string_equal(buf, "-2.5");
}

static void test_value__double_decimal_is_plain_with_scale(void **state)
{
    (void)state;
    char buf[ORM_DECIMAL_CAP];
    orm_double_decimal(buf, 0.99, 2);
    assert_string_equal(buf, "0.99");
    orm_double_decimal(buf, 3, 2);
    assert_string_equal(buf, "3.00");
    orm_double_decimal(buf, 0.1, -1);
    assert_string_equal(buf, "0.1");
    orm_double_decimal(buf, 1.2345678901234568e16, -1);
    assert_string_equal(buf, "12345678901234568");
    orm_double_decimal(buf, -1.5e-7, -1);
    assert_string_equal(buf, "-0.00000015");
    orm_double_decimal(buf, 1e20, -1);
    assert_string_equal(buf, "100000000000000000000");
}

static void test_value__describe_text_escapes_quotes_and_controls(void **state)
{
    (void)state;
    orm_value v = ORM_VALUE_NULL;
    const char s[] = "say \"hi\"\\\n\t\x01\0!";
    assert_int_equal(orm_value_set_text(&v, s, sizeof s - 1), ORM_OK);
    assert_describes(&v, "\"say \\\"hi\\\"\\\\\\n\\t\\x01\\x00!\"");
    orm_value_clear(&v);
    assert_int_equal(orm_value_set_text(&v, "Umang", 5), ORM_OK);
    assert_describes(&v, "\"Umang\"");
    orm_value_clear(&v);
}

static void test_value__describe_blob_gives_size(void **state)
{
    (void)state;
    orm_value v = ORM_VALUE_NULL;
    assert_int_equal(orm_value_set_blob(&v, "0123456789ab", 12), ORM_OK);
    assert_describes(&v, "<blob 12 bytes>");
    orm_value_clear(&v);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_value__set_text_copies_and_nul_terminates),
        cmocka_unit_test(test_value__text_keeps_embedded_nul),
        cmocka_unit_test(test_value__empty_blob_has_storage),
        cmocka_unit_test(test_value__clear_is_safe_on_null_and_scalars),
        cmocka_unit_test(test_value__copy_is_deep),
        cmocka_unit_test(test_value__move_clears_destination_and_empties_source),
        cmocka_unit_test(test_value__int_and_bool_are_equal),
        cmocka_unit_test(test_value__int_and_real_compare_numerically),
        cmocka_unit_test(test_value__text_and_blob_with_same_bytes_differ),
        cmocka_unit_test(test_value__null_equals_null_only),
        cmocka_unit_test(test_value__hash_differs_for_different_text),
        cmocka_unit_test(test_value__describe_scalars),
        cmocka_unit_test(test_value__describe_reals_shortest_and_marked_float),
        cmocka_unit_test(test_value__double_shortest_reads_back),
        cmocka_unit_test(test_value__double_decimal_is_plain_with_scale),
        cmocka_unit_test(test_value__describe_text_escapes_quotes_and_controls),
        cmocka_unit_test(test_value__describe_blob_gives_size),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
