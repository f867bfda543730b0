/* test_shard.c — merging what a query read on several shards
 * (core/shard_merge.c): the ORDER BY comparison of values, a stable merge
 * of row indices by several keys ascending and descending, and
 * count/sum/min/max folded across shards; the shard set (core/shard.c):
 * names, echo tags, lookup. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "shard.h"
#include "url.h"

static orm_value text(const char *s, int decimal)
{
    orm_value v = ORM_VALUE_NULL;
    v.type = ORM_V_TEXT;
    v.u.s = (char *)s;
    v.len = strlen(s);
    v.borrowed = 1;
    v.decimal = (unsigned char)decimal;
    return v;
}

static orm_value integer(int64_t i)
{
    orm_value v;
    orm_value_int(&v, i);
    return v;
}

static void test_compare(void **state)
{
    (void)state;
    orm_value null = ORM_VALUE_NULL, one = integer(1), two = integer(2);
    orm_value half, ten = text("10.50", 1), nine = text("9.5", 1);
    orm_value_real(&half, 0.5);
    assert_true(orm_shard_value_cmp(&null, &one) < 0);
    assert_true(orm_shard_value_cmp(&one, &null) > 0);
    assert_int_equal(orm_shard_value_cmp(&null, &null), 0);
    assert_true(orm_shard_value_cmp(&one, &two) < 0);
    assert_true(orm_shard_value_cmp(&half, &one) < 0);
    assert_true(orm_shard_value_cmp(&nine, &ten) < 0); /* decimals compare as numbers */
    orm_value a = text("Ann", 0), ab = text("Anna", 0), b = text("Bob", 0);
    assert_true(orm_shard_value_cmp(&a, &ab) < 0);
    assert_true(orm_shard_value_cmp(&ab, &b) < 0);
    assert_true(orm_shard_value_cmp(&two, &a) < 0); /* numbers before text */
}

static void test_merge(void **state)
{
    (void)state;
    /* rows (region, name): shard eu's rows first, then us's */
    orm_value keys[] = {text("eu", 0), text("Ann", 0), text("eu", 0), text("Cid", 0),
                        text("us", 0), text("Bob", 0), text("us", 0), text("Ann", 0),
                        text("eu", 0), text("Cid", 0)};
    size_t by_name[5] = {0, 1, 2, 3, 4};
    int desc_region[2] = {1, 0};
    assert_int_equal(orm_shard_merge(5, 2, keys, desc_region, by_name), 0);
    size_t want[5] = {3, 2, 0, 1, 4}; /* us before eu; by name; equal rows keep their order */
    assert_memory_equal(by_name, want, sizeof want);
    size_t none[3] = {2, 0, 1};
    assert_int_equal(orm_shard_merge(3, 0, NULL, NULL, none), 0); /* no keys: as given */
    assert_int_equal(none[0], 2);
}

static void test_fold(void **state)
{
    (void)state;
    assert_int_equal(orm_shard_agg("COUNT"), ORM_AGG_COUNT);
    assert_int_equal(orm_shard_agg("sum"), ORM_AGG_SUM);
    assert_int_equal(orm_shard_agg("avg"), ORM_AGG_NONE);
    orm_value acc = ORM_VALUE_NULL, null = ORM_VALUE_NULL, three = integer(3), four = integer(4);
    assert_int_equal(orm_shard_fold(ORM_AGG_SUM, &acc, &null), 0);
    assert_int_equal(acc.type, ORM_V_NULL);
    assert_int_equal(orm_shard_fold(ORM_AGG_SUM, &acc, &three), 0);
    assert_int_equal(orm_shard_fold(ORM_AGG_SUM, &acc, &four), 0);
    assert_int_equal(acc.type, ORM_V_INT);
    assert_int_equal(acc.u.i, 7);
    orm_value_clear(&acc);
    orm_value d1 = text("5.25", 1), d2 = text("10.50", 1), w1 = text("7", 1), w2 = text("8", 1);
    assert_int_equal(orm_shard_fold(ORM_AGG_SUM, &acc, &d1), 0);
    assert_int_equal(orm_shard_fold(ORM_AGG_SUM, &acc, &d2), 0);
    assert_string_equal(acc.u.s, "15.75");
    assert_true(acc.decimal);
    orm_value_clear(&acc);
    assert_int_equal(orm_shard_fold(ORM_AGG_SUM, &acc, &w1), 0);
    assert_int_equal(orm_shard_fold(ORM_AGG_SUM, &acc, &w2), 0);
    assert_string_equal(acc.u.s, "15");
    orm_value_clear(&acc);
    orm_value ann = text("Ann", 0), eve = text("Eve", 0);
    assert_int_equal(orm_shard_fold(ORM_AGG_MAX, &acc, &ann), 0);
    assert_int_equal(orm_shard_fold(ORM_AGG_MAX, &acc, &eve), 0);
    assert_string_equal(acc.u.s, "Eve");
    assert_int_equal(orm_shard_fold(ORM_AGG_MIN, &acc, &ann), 0);
    assert_string_equal(acc.u.s, "Ann");
    orm_value_clear(&acc);
}

static void test_set(void **state)
{
    (void)state;
    orm_error err;
    orm_error_init(&err);
    orm_url url;
    assert_int_equal(orm_url_parse(&url, "sqlite://", &err), 0);
    orm_conn *c1 = NULL, *c2 = NULL;
    orm_open_opts o = {NULL, 0, 0};
    assert_int_equal(orm_conn_open(&c1, &url, &o, &err), 0);
    assert_int_equal(orm_conn_open(&c2, &url, &o, &err), 0);
    orm_url_free(&url);
    orm_metadata *md = orm_metadata_new();
    orm_session *s1 = orm_session_new(c1, md), *s2 = orm_session_new(c2, md);
    orm_shardset *ss = orm_shardset_new();
    assert_int_equal(orm_shardset_add(ss, "eu", c1, s1, 0, &err), 0);
    assert_int_equal(orm_shardset_add(ss, "us", c2, s2, 1, &err), 0);
    assert_string_equal(c2->echo_tag, "shard us");
    assert_int_equal(orm_shardset_find(ss, "us"), 1);
    assert_int_equal(orm_shardset_find(ss, "mars"), -1);
    assert_int_equal(orm_shardset_of(ss, s1), 0);
    orm_shardset_free(ss); /* closes us, leaves eu (borrowed) */
    assert_null(c1->echo_tag);
    orm_session_free(s1);
    orm_conn_close(c1);
    orm_metadata_free(md);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_compare),
        cmocka_unit_test(test_merge),
        cmocka_unit_test(test_fold),
        cmocka_unit_test(test_set),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
