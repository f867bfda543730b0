/* test_relation_batch.c — core/relation_batch.c: the parents of a
 * selectinload grouped by key: distinct keys in first-seen order, every
 * parent of a key found in the order added, numbers and text compared as
 * the loader's rows compare them, many keys (probing past collisions), and
 * keys nobody has. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "relation.h"

static orm_rel_batch *batch_new(int cap)
{
    void *mem = malloc(orm_rel_batch_size(cap));
    assert_non_null(mem);
    return orm_rel_batch_init(mem, cap);
}

static orm_value int_v(int64_t i)
{
    return (orm_value){.type = ORM_V_INT, .u.i = i};
}

static orm_value text_v(const char *s)
{
    return (orm_value){.type = ORM_V_TEXT, .u.s = (char *)s, .len = strlen(s)};
}

/* The parents of key, in order, as "p,p,p" (static buffer). */
static const char *parents_of(const orm_rel_batch *b, const orm_value *key)
{
    static char out[256];
    out[0] = '\0';
    for (int p = orm_rel_batch_first(b, key); p >= 0; p = orm_rel_batch_next(b, p)) {
        size_t n = strlen(out);
        snprintf(out + n, sizeof out - n, "%s%d", n ? "," : "", p);
    }
    return out;
}

static void test_batch__parents_grouped_by_key(void **state)
{
    (void)state;
    /* parents 0..5 with keys 7, 3, 7, "x", 3, 7 */
    orm_value k[6] = {int_v(7), int_v(3), int_v(7), text_v("x"), int_v(3), int_v(7)};
    orm_rel_batch *b = batch_new(6);
    int fresh[6];
    for (int i = 0; i < 6; i++)
        fresh[i] = orm_rel_batch_add(b, &k[i], i);
    assert_int_equal(fresh[0], 1);
    assert_int_equal(fresh[1], 1);
    assert_int_equal(fresh[2], 0);
    assert_int_equal(fresh[3], 1);
    assert_int_equal(fresh[4], 0);
    assert_int_equal(fresh[5], 0);

    /* what the loader binds: each key once, first seen first, borrowed */
    assert_int_equal(orm_rel_batch_nkeys(b), 3);
    const orm_value *const *keys = orm_rel_batch_keys(b);
    assert_ptr_equal(keys[0], &k[0]);
    assert_ptr_equal(keys[1], &k[1]);
    assert_ptr_equal(keys[2], &k[3]);

    /* a loaded row's key finds every parent of it, in the order added */
    orm_value row7 = int_v(7), row3 = int_v(3), rowx = text_v("x");
    assert_string_equal(parents_of(b, &row7), "0,2,5");
    assert_string_equal(parents_of(b, &row3), "1,4");
    assert_string_equal(parents_of(b, &rowx), "3");

    /* a REAL 7.0 is the integer 7; text "7" is not; nobody has 8 or NULL */
    orm_value real7 = {.type = ORM_V_REAL, .u.r = 7.0}, text7 = text_v("7"), eight = int_v(8);
    orm_value null = {.type = ORM_V_NULL};
    assert_string_equal(parents_of(b, &real7), "0,2,5");
    assert_int_equal(orm_rel_batch_first(b, &text7), -1);
    assert_int_equal(orm_rel_batch_first(b, &eight), -1);
    assert_int_equal(orm_rel_batch_first(b, &null), -1);
    assert_int_equal(orm_rel_batch_first(b, NULL), -1);
    free(b);
}

static void test_batch__many_keys_and_an_empty_batch(void **state)
{
    (void)state;
    enum { N = 20000 };
    orm_value *k = malloc(N * sizeof *k);
    assert_non_null(k);
    orm_rel_batch *b = batch_new(N);
    for (int i = 0; i < N; i++) {                    /* two parents per key: i and i + N/2 */
        k[i] = int_v((int64_t)(i % (N / 2)) * 1024); /* spread keys, same low bits */
        orm_rel_batch_add(b, &k[i], i);
    }
    assert_int_equal(orm_rel_batch_nkeys(b), N / 2);
    for (int i = 0; i < N / 2; i++) {
        orm_value key = int_v((int64_t)i * 1024);
        int p = orm_rel_batch_first(b, &key);
        assert_int_equal(p, i);
        p = orm_rel_batch_next(b, p);
        assert_int_equal(p, i + N / 2);
        assert_int_equal(orm_rel_batch_next(b, p), -1);
    }
    free(b);
    free(k);

    b = batch_new(0); /* no parents: nothing to bind, nothing found */
    assert_int_equal(orm_rel_batch_nkeys(b), 0);
    orm_value one = int_v(1);
    assert_int_equal(orm_rel_batch_first(b, &one), -1);
    free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_batch__parents_grouped_by_key),
        cmocka_unit_test(test_batch__many_keys_and_an_empty_batch),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
