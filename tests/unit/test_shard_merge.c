/* test_shard_merge.c — merging what a query read on every shard
 * (core/shard_merge.c) at its edges: the ORDER BY comparison across value
 * kinds (NULL first, numbers of any kind numerically, numbers before text,
 * text before blobs, a prefix before the longer value); a stable sort on
 * several keys with descending ones; sums that overflow an integer become
 * floats of the right value, whole decimals add exactly and others as
 * decimal text, a non-number keeps the first value, min/max across kinds;
 * and out of memory reported by the sort and the folds. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fault.h"
#include "shard.h"

static orm_value i64(int64_t i)
{
    orm_value v;
    orm_value_int(&v, i);
    return v;
}

static orm_value real(double r)
{
    orm_value v;
    orm_value_real(&v, r);
    return v;
}

static orm_value txt(const char *s, int decimal)
{
    return (orm_value){.type = ORM_V_TEXT,
                       .borrowed = 1,
                       .decimal = (unsigned)decimal,
                       .len = strlen(s),
                       .u.s = (char *)s};
}

static orm_value blob(const char *s, size_t n)
{
    return (orm_value){.type = ORM_V_BLOB, .borrowed = 1, .len = n, .u.s = (char *)s};
}

static int sign(int c)
{
    return (c > 0) - (c < 0);
}

static void test_shard_merge__comparison_across_kinds(void **state)
{
    (void)state;
    orm_value null = ORM_VALUE_NULL, t = {.type = ORM_V_BOOL, .u.i = 1};
    orm_value one = i64(1), half = real(0.5), two_dec = txt("2.00", 1), abc = txt("abc", 0);
    orm_value ab = txt("ab", 0), b1 = blob("\x01", 1), b12 = blob("\x01\x02", 2);
    assert_int_equal(orm_shard_value_cmp(&null, &null), 0);
    assert_int_equal(sign(orm_shard_value_cmp(&null, &one)), -1);
    assert_int_equal(sign(orm_shard_value_cmp(&abc, &null)), 1);
    assert_int_equal(orm_shard_value_cmp(&t, &one), 0); /* true is 1 */
    assert_int_equal(sign(orm_shard_value_cmp(&half, &one)), -1);
    assert_int_equal(sign(orm_shard_value_cmp(&two_dec, &one)), 1); /* decimal text: a number */
    orm_value r1 = real(1.0);
    assert_int_equal(orm_shard_value_cmp(&r1, &one), 0);
    assert_int_equal(sign(orm_shard_value_cmp(&one, &abc)), -1); /* numbers before text */
    assert_int_equal(sign(orm_shard_value_cmp(&abc, &two_dec)), 1);
    assert_int_equal(sign(orm_shard_value_cmp(&b1, &abc)), 1); /* text before blobs */
    assert_int_equal(sign(orm_shard_value_cmp(&abc, &b1)), -1);
    assert_int_equal(sign(orm_shard_value_cmp(&ab, &abc)), -1); /* a prefix first */
    assert_int_equal(sign(orm_shard_value_cmp(&b12, &b1)), 1);
    orm_value e1 = txt("", 0), e2 = txt("", 0);
    assert_int_equal(orm_shard_value_cmp(&e1, &e2), 0);
}

static void test_shard_merge__stable_sort_on_several_keys(void **state)
{
    (void)state;
    /* rows (group asc, score desc): equal keys keep their order */
    orm_value keys[] = {i64(2),         i64(5), /* row 0 */
                        i64(1),         i64(3), /* row 1 */
                        i64(2),         i64(9), /* row 2 */
                        i64(1),         i64(3), /* row 3 */
                        ORM_VALUE_NULL, i64(0)};
    const int desc[] = {0, 1};
    size_t order[] = {0, 1, 2, 3, 4};
    assert_int_equal(orm_shard_merge(5, 2, keys, desc, order), ORM_OK);
    const size_t want[] = {4, 1, 3, 2, 0};
    assert_memory_equal(order, want, sizeof want);
    size_t one[] = {7};
    assert_int_equal(orm_shard_merge(1, 2, keys, desc, one), ORM_OK); /* nothing to sort */
    size_t same[] = {3, 1, 2};
    assert_int_equal(orm_shard_merge(3, 0, keys, desc, same), ORM_OK); /* no keys: as read */
    assert_int_equal(same[0], 3);
    orm_fault_alloc_after(1);
    assert_int_equal(orm_shard_merge(5, 2, keys, desc, order), ORM_ENOMEM);
    orm_fault_alloc_after(0);
    assert_memory_equal(order, want, sizeof want); /* untouched */
}

static void test_shard_merge__folds(void **state)
{
    (void)state;
    assert_int_equal(orm_shard_agg("Max"), ORM_AGG_MAX);
    assert_int_equal(orm_shard_agg("min"), ORM_AGG_MIN);
    assert_int_equal(orm_shard_agg(NULL), ORM_AGG_NONE);
    /* an integer sum past INT64_MAX: the float of the true sum */
    orm_value acc = ORM_VALUE_NULL, max = i64(INT64_MAX), one = i64(1);
    assert_int_equal(orm_shard_fold(ORM_AGG_SUM, &acc, &max), ORM_OK);
    assert_int_equal(orm_shard_fold(ORM_AGG_SUM, &acc, &one), ORM_OK);
    assert_int_equal(acc.type, ORM_V_REAL);
    assert_true(acc.u.r > 9.2e18);
    assert_true(acc.u.r == 9223372036854775808.0);
    /* whole decimals past int64 together: added as doubles, written as
     * the double's shortest digits */
    orm_value big = txt("9223372036854775807", 1), d1 = txt("1", 1);
    orm_value_clear(&acc);
    assert_int_equal(orm_shard_fold(ORM_AGG_SUM, &acc, &big), ORM_OK);
    assert_int_equal(orm_shard_fold(ORM_AGG_SUM, &acc, &d1), ORM_OK);
    assert_int_equal(acc.type, ORM_V_TEXT);
    assert_true(acc.decimal);
    assert_string_equal(acc.u.s, "9223372036854776000");
    orm_value_clear(&acc);
    /* an integer and a decimal: decimal text */
    orm_value three = i64(3), d = txt("0.25", 1);
    assert_int_equal(orm_shard_fold(ORM_AGG_SUM, &acc, &three), ORM_OK);
    assert_int_equal(orm_shard_fold(ORM_AGG_SUM, &acc, &d), ORM_OK);
    assert_string_equal(acc.u.s, "3.25");
    assert_true(acc.decimal);
    orm_value_clear(&acc);
    /* floats add as floats; a non-number keeps what is there */
    orm_value f1 = real(0.5), word = txt("many", 0);
    assert_int_equal(orm_shard_fold(ORM_AGG_COUNT, &acc, &f1), ORM_OK);
    assert_int_equal(orm_shard_fold(ORM_AGG_COUNT, &acc, &three), ORM_OK);
    assert_true(acc.type == ORM_V_REAL && acc.u.r == 3.5);
    assert_int_equal(orm_shard_fold(ORM_AGG_SUM, &acc, &word), ORM_OK);
    assert_true(acc.type == ORM_V_REAL && acc.u.r == 3.5);
    orm_value_clear(&acc);
    assert_int_equal(orm_shard_fold(ORM_AGG_SUM, &acc, &word), ORM_OK);
    assert_int_equal(orm_shard_fold(ORM_AGG_SUM, &acc, &three), ORM_OK);
    assert_string_equal(acc.u.s, "many");
    orm_value_clear(&acc);
    /* min and max across kinds keep the extreme, with its decimal mark */
    orm_value dec = txt("1.5", 1);
    assert_int_equal(orm_shard_fold(ORM_AGG_MIN, &acc, &three), ORM_OK);
    assert_int_equal(orm_shard_fold(ORM_AGG_MIN, &acc, &dec), ORM_OK);
    assert_string_equal(acc.u.s, "1.5");
    assert_true(acc.decimal);
    assert_int_equal(orm_shard_fold(ORM_AGG_MIN, &acc, &three), ORM_OK);
    assert_string_equal(acc.u.s, "1.5");
    assert_int_equal(orm_shard_fold(ORM_AGG_MAX, &acc, &word), ORM_OK); /* text after numbers */
    assert_string_equal(acc.u.s, "many");
    orm_value_clear(&acc);
    /* out of memory: copying the first value, and writing a decimal sum */
    orm_fault_alloc_after(1);
    assert_int_equal(orm_shard_fold(ORM_AGG_MAX, &acc, &word), ORM_ENOMEM);
    orm_fault_alloc_after(0);
    assert_int_equal(orm_shard_fold(ORM_AGG_SUM, &acc, &d1), ORM_OK);
    orm_fault_alloc_after(1);
    assert_int_equal(orm_shard_fold(ORM_AGG_SUM, &acc, &d1), ORM_ENOMEM);
    orm_fault_alloc_after(0);
    assert_int_equal(orm_shard_fold(ORM_AGG_SUM, &acc, &d), ORM_OK);
    orm_fault_alloc_after(1);
    assert_int_equal(orm_shard_fold(ORM_AGG_SUM, &acc, &d), ORM_ENOMEM);
    orm_fault_alloc_after(0);
    orm_value_clear(&acc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shard_merge__comparison_across_kinds),
        cmocka_unit_test(test_shard_merge__stable_sort_on_several_keys),
        cmocka_unit_test(test_shard_merge__folds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
