/* test_identity_keys.c — integer keys in the identity map (identity.c
 * places them by value): consecutive keys, keys a large power of two apart
 * (snowflake ids: low bits all zero), negative and huge keys, all found
 * again, found as equal REAL / BOOL values, and not confused with the same
 * key values of another table; removal of every other one. Large counts, so
 * a placement that piled keys up would make this test crawl. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>

#include "identity.h"
#include "schema.h"
#include "session.h"

#define N 40000

static orm_metadata *md;
static orm_table *ta, *tb;

static orm_table *table(const char *name)
{
    orm_error err;
    orm_error_init(&err);
    orm_table *t = NULL;
    assert_int_equal(orm_metadata_add_table(md, name, &t, &err), 0);
    orm_column c = {.name = "id", .type = {.kind = ORM_T_BIGINT}, .primary_key = 1};
    assert_int_equal(orm_table_add_column(t, &c, &err), 0);
    return t;
}

static int setup(void **state)
{
    (void)state;
    md = orm_metadata_new();
    ta = table("a");
    tb = table("b");
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    orm_metadata_free(md);
    return 0;
}

static orm_object *put(orm_identity *m, orm_table *t, int64_t k)
{
    orm_object *o = orm_object_new(t);
    assert_non_null(o);
    orm_value_int(&o->values[0], k);
    assert_int_equal(orm_identity_put(m, o), 0);
    return o;
}

static orm_object *find(orm_identity *m, orm_table *t, const orm_value *v)
{
    const orm_value *key[1] = {v};
    return orm_identity_find(m, t, key, orm_identity_hash(t, key));
}

static orm_object *find_int(orm_identity *m, orm_table *t, int64_t k)
{
    orm_value v;
    orm_value_int(&v, k);
    return find(m, t, &v);
}

/* key number i of pattern p */
static int64_t key(int p, int i)
{
    switch (p) {
    case 0:
        return i + 1; /* 1, 2, 3 ... */
    case 1:
        return (int64_t)(1700000000000 + i) << 22; /* snowflake, sequence 0 */
    case 2:
        return (int64_t)i << 40; /* one bit high up */
    case 3:
        return -(int64_t)i * 1024 - 7; /* negative, strided */
    default:
        return INT64_MAX - (int64_t)i * 65536; /* huge */
    }
}

static void test_identity_keys__patterns(void **state)
{
    (void)state;
    for (int p = 0; p < 5; p++) {
        orm_identity m;
        orm_identity_init(&m);
        orm_object **objs = calloc(N, sizeof *objs);
        assert_non_null(objs);
        for (int i = 0; i < N; i++)
            objs[i] = put(&m, ta, key(p, i));
        for (int i = 0; i < N; i++) {
            assert_ptr_equal(find_int(&m, ta, key(p, i)), objs[i]);
            assert_null(find_int(&m, tb, key(p, i))); /* another table's key */
        }
        for (int i = 0; i < N; i += 2) {
            orm_identity_remove(&m, objs[i]);
            orm_object_release(objs[i]);
        }
        for (int i = 0; i < N; i++)
            assert_ptr_equal(find_int(&m, ta, key(p, i)), i % 2 ? objs[i] : NULL);
        for (int i = 1; i < N; i += 2) {
            orm_identity_remove(&m, objs[i]);
            orm_object_release(objs[i]);
        }
        free(objs);
        orm_identity_free(&m);
    }
}

static void test_identity_keys__equal_values_of_other_types(void **state)
{
    (void)state;
    orm_identity m;
    orm_identity_init(&m);
    orm_object *one = put(&m, ta, 1), *big = put(&m, ta, (int64_t)1 << 40);
    orm_value v;
    orm_value_real(&v, 1.0);
    assert_ptr_equal(find(&m, ta, &v), one);
    orm_value_bool(&v, 1);
    assert_ptr_equal(find(&m, ta, &v), one);
    orm_value_real(&v, 1099511627776.0);
    assert_ptr_equal(find(&m, ta, &v), big);
    orm_value_real(&v, 1.5);
    assert_null(find(&m, ta, &v));
    orm_identity_remove(&m, one);
    orm_identity_remove(&m, big);
    orm_object_release(one);
    orm_object_release(big);
    orm_identity_free(&m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_identity_keys__patterns),
        cmocka_unit_test(test_identity_keys__equal_values_of_other_types),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
