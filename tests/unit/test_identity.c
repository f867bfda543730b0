/* test_identity.c — the weak identity map (core/identity.c): put, find and
 * remove; growth past many entries; tombstones (probing past them, reusing
 * them, and not letting put/remove churn grow the table without bound);
 * composite keys; equal key values of two tables kept apart; numerically
 * equal keys of different types finding the same object; each and free. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "identity.h"
#include "schema.h"
#include "session.h"

/* ---- fixture: three tables, no connection needed ------------------------ */

typedef struct fx {
    orm_metadata *md;
    orm_table *t1;   /* t1(id INTEGER pk, name) */
    orm_table *t2;   /* t2(id INTEGER pk) — same key values as t1 */
    orm_table *comp; /* comp(a INTEGER pk, b STRING pk, qty) */
    orm_identity map;
} fx;

static void add_col(orm_table *t, const char *name, orm_type_kind kind, int pk)
{
    orm_error err;
    orm_error_init(&err);
    orm_column c = {.name = (char *)name, .type = {.kind = kind}, .primary_key = pk, .nullable = 1};
    if (orm_table_add_column(t, &c, &err) != ORM_OK)
        fail_msg("add_column %s: %s", name, err.message);
}

static orm_table *add_table(orm_metadata *md, const char *name)
{
    orm_error err;
    orm_error_init(&err);
    orm_table *t = NULL;
    if (orm_metadata_add_table(md, name, &t, &err) != ORM_OK)
        fail_msg("add_table: %s", err.message);
    return t;
}

static int setup(void **state)
{
    fx *f = calloc(1, sizeof *f);
    if (!f) return -1;
    f->md = orm_metadata_new();
    f->t1 = add_table(f->md, "t1");
    add_col(f->t1, "id", ORM_T_INTEGER, 1);
    add_col(f->t1, "name", ORM_T_STRING, 0);
    f->t2 = add_table(f->md, "t2");
    add_col(f->t2, "id", ORM_T_INTEGER, 1);
    f->comp = add_table(f->md, "comp");
    add_col(f->comp, "a", ORM_T_INTEGER, 1);
    add_col(f->comp, "b", ORM_T_STRING, 1);
    add_col(f->comp, "qty", ORM_T_INTEGER, 0);
    orm_identity_init(&f->map);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx *f = *state;
    orm_identity_free(&f->map);
    orm_metadata_free(f->md);
    free(f);
    return 0;
}

/* An object of a one-integer-key table with key id (session-less, so the
 * test removes it from the map itself before releasing it). */
static orm_object *obj_int(orm_table *t, int64_t id)
{
    orm_object *o = orm_object_new(t);
    assert_non_null(o);
    orm_value_int(&o->values[t->pk[0]], id);
    return o;
}

static orm_object *obj_comp(orm_table *t, int64_t a, const char *b)
{
    orm_object *o = orm_object_new(t);
    assert_non_null(o);
    orm_value_int(&o->values[0], a);
    assert_int_equal(orm_value_set_text(&o->values[1], b, strlen(b)), ORM_OK);
    return o;
}

static orm_object *find_int(const orm_identity *m, const orm_table *t, int64_t id)
{
    orm_value v;
    orm_value_int(&v, id);
    const orm_value *key[1] = {&v};
    return orm_identity_find(m, t, key, orm_identity_hash(t, key));
}

static orm_object *find_comp(const orm_identity *m, const orm_table *t, int64_t a, const char *b)
{
    orm_value va, vb = ORM_VALUE_NULL;
    orm_value_int(&va, a);
    assert_int_equal(orm_value_set_text(&vb, b, strlen(b)), ORM_OK);
    const orm_value *key[2] = {&va, &vb};
    orm_object *o = orm_identity_find(m, t, key, orm_identity_hash(t, key));
    orm_value_clear(&vb);
    return o;
}

static void put_ok(orm_identity *m, orm_object *o)
{
    assert_int_equal(orm_identity_put(m, o), ORM_OK);
    assert_true(o->in_identity);
}

static void drop(orm_identity *m, orm_object *o)
{
    orm_identity_remove(m, o);
    assert_false(o->in_identity);
    orm_object_release(o);
}

/* Home slot of key id of table t in a map of capacity cap. */
static size_t home(const orm_table *t, int64_t id, size_t cap)
{
    orm_value v;
    orm_value_int(&v, id);
    const orm_value *key[1] = {&v};
    return orm_identity_hash(t, key) & (cap - 1);
}

/* ---- put / find / remove ------------------------------------------------ */

static void test_identity__find_on_empty_map_returns_null(void **state)
{
    fx *f = *state;
    assert_null(find_int(&f->map, f->t1, 1));
    assert_int_equal(f->map.count, 0);
}

static void test_identity__put_then_find_returns_the_same_object(void **state)
{
    fx *f = *state;
    orm_object *a = obj_int(f->t1, 1), *b = obj_int(f->t1, 2);
    put_ok(&f->map, a);
    put_ok(&f->map, b);
    assert_int_equal(f->map.count, 2);
    assert_ptr_equal(find_int(&f->map, f->t1, 1), a);
    assert_ptr_equal(find_int(&f->map, f->t1, 2), b);
    assert_null(find_int(&f->map, f->t1, 3));
    /* put records the hash find uses */
    orm_value v;
    orm_value_int(&v, 1);
    const orm_value *key[1] = {&v};
    assert_true(a->id_hash == orm_identity_hash(f->t1, key));
    drop(&f->map, a);
    drop(&f->map, b);
}

static void test_identity__remove_makes_find_return_null(void **state)
{
    fx *f = *state;
    orm_object *a = obj_int(f->t1, 7), *b = obj_int(f->t1, 8);
    put_ok(&f->map, a);
    put_ok(&f->map, b);
    orm_identity_remove(&f->map, a);
    assert_false(a->in_identity);
    assert_int_equal(f->map.count, 1);
    assert_null(find_int(&f->map, f->t1, 7));
    assert_ptr_equal(find_int(&f->map, f->t1, 8), b);
    /* removing again (not in the map) changes nothing */
    orm_identity_remove(&f->map, a);
    assert_int_equal(f->map.count, 1);
    assert_ptr_equal(find_int(&f->map, f->t1, 8), b);
    orm_object_release(a);
    drop(&f->map, b);
    assert_int_equal(f->map.count, 0);
}

static void test_identity__remove_on_empty_map_is_a_noop(void **state)
{
    fx *f = *state;
    orm_object *a = obj_int(f->t1, 1);
    orm_identity_remove(&f->map, a);
    assert_int_equal(f->map.count, 0);
    assert_int_equal(f->map.cap, 0);
    orm_object_release(a);
}

/* ---- growth ------------------------------------------------------------- */

static void test_identity__grows_past_many_entries_and_finds_every_one(void **state)
{
    fx *f = *state;
    enum { N = 20000 };
    orm_object **objs = malloc(N * sizeof *objs);
    assert_non_null(objs);
    for (int i = 0; i < N; i++) {
        objs[i] = obj_int(f->t1, (int64_t)i * 7919 - 5000); /* negatives too */
        put_ok(&f->map, objs[i]);
        /* load stays below 3/4 and capacity stays a power of two */
        assert_true(f->map.used * 4 <= f->map.cap * 3);
        assert_int_equal(f->map.cap & (f->map.cap - 1), 0);
    }
    assert_int_equal(f->map.count, N);
    assert_true(f->map.cap >= N);
    for (int i = 0; i < N; i++)
        assert_ptr_equal(find_int(&f->map, f->t1, (int64_t)i * 7919 - 5000), objs[i]);
    assert_null(find_int(&f->map, f->t1, 1));
    assert_null(find_int(&f->map, f->t2, -5000)); /* same key, other table */
    /* remove every other one; the rest stay findable */
    for (int i = 0; i < N; i += 2)
        drop(&f->map, objs[i]);
    assert_int_equal(f->map.count, N / 2);
    for (int i = 0; i < N; i++) {
        orm_object *o = find_int(&f->map, f->t1, (int64_t)i * 7919 - 5000);
        if (i % 2)
            assert_ptr_equal(o, objs[i]);
        else
            assert_null(o);
    }
    for (int i = 1; i < N; i += 2)
        drop(&f->map, objs[i]);
    assert_int_equal(f->map.count, 0);
    free(objs);
}

/* ---- tombstones --------------------------------------------------------- */

/* Three keys with the same home slot in a 64-slot map form one probe chain;
 * removing the first leaves a tombstone that find must probe past. */
static void test_identity__find_probes_past_tombstones(void **state)
{
    fx *f = *state;
    int64_t ids[4];
    int n = 0;
    size_t want = home(f->t1, 0, 64);
    ids[n++] = 0;
    for (int64_t id = 1; n < 4 && id < 1000000; id++)
        if (home(f->t1, id, 64) == want) ids[n++] = id;
    assert_int_equal(n, 4);
    orm_object *o[4];
    for (int i = 0; i < 3; i++) {
        o[i] = obj_int(f->t1, ids[i]);
        put_ok(&f->map, o[i]);
    }
    assert_int_equal(f->map.cap, 64);
    orm_identity_remove(&f->map, o[0]); /* head of the chain becomes a tombstone */
    assert_null(find_int(&f->map, f->t1, ids[0]));
    assert_ptr_equal(find_int(&f->map, f->t1, ids[1]), o[1]);
    assert_ptr_equal(find_int(&f->map, f->t1, ids[2]), o[2]);
    orm_identity_remove(&f->map, o[1]);
    assert_ptr_equal(find_int(&f->map, f->t1, ids[2]), o[2]);
    /* a fourth key of the chain lands in the first tombstone, used unchanged */
    size_t used = f->map.used;
    o[3] = obj_int(f->t1, ids[3]);
    put_ok(&f->map, o[3]);
    assert_int_equal(f->map.used, used);
    assert_ptr_equal(f->map.slots[want], o[3]);
    assert_ptr_equal(find_int(&f->map, f->t1, ids[3]), o[3]);
    assert_ptr_equal(find_int(&f->map, f->t1, ids[2]), o[2]);
    /* removing o[2] must find it past the live o[3] and the tombstone */
    drop(&f->map, o[2]);
    assert_null(find_int(&f->map, f->t1, ids[2]));
    assert_ptr_equal(find_int(&f->map, f->t1, ids[3]), o[3]);
    drop(&f->map, o[3]);
    orm_object_release(o[0]);
    orm_object_release(o[1]);
    assert_int_equal(f->map.count, 0);
}

static void test_identity__tombstone_is_reused_by_the_next_put_of_that_key(void **state)
{
    fx *f = *state;
    orm_object *a = obj_int(f->t1, 42);
    put_ok(&f->map, a);
    assert_int_equal(f->map.used, 1);
    orm_identity_remove(&f->map, a);
    assert_int_equal(f->map.count, 0);
    assert_int_equal(f->map.used, 1); /* a tombstone */
    orm_object *b = obj_int(f->t1, 42);
    put_ok(&f->map, b);
    assert_int_equal(f->map.count, 1);
    assert_int_equal(f->map.used, 1); /* the tombstone was reused */
    assert_ptr_equal(find_int(&f->map, f->t1, 42), b);
    orm_object_release(a);
    drop(&f->map, b);
}

/* A session loads and frees objects all day: put/remove churn of distinct
 * keys must recycle tombstones (rehash in place), not double the table. */
static void test_identity__put_remove_churn_does_not_grow_the_table(void **state)
{
    fx *f = *state;
    enum { RESIDENTS = 10, CYCLES = 100000 };
    orm_object *res[RESIDENTS];
    for (int i = 0; i < RESIDENTS; i++) {
        res[i] = obj_int(f->t2, i);
        put_ok(&f->map, res[i]);
    }
    for (int i = 0; i < CYCLES; i++) {
        orm_object *o = obj_int(f->t1, 1000 + i);
        put_ok(&f->map, o);
        assert_ptr_equal(find_int(&f->map, f->t1, 1000 + i), o);
        drop(&f->map, o);
        assert_true(f->map.used * 4 <= f->map.cap * 3);
    }
    assert_int_equal(f->map.cap, 64);
    assert_int_equal(f->map.count, RESIDENTS);
    for (int i = 0; i < RESIDENTS; i++) {
        assert_ptr_equal(find_int(&f->map, f->t2, i), res[i]);
        drop(&f->map, res[i]);
    }
}

/* ---- keys --------------------------------------------------------------- */

static void test_identity__composite_keys_distinguish_every_component(void **state)
{
    fx *f = *state;
    orm_object *x1 = obj_comp(f->comp, 1, "x"), *y1 = obj_comp(f->comp, 1, "y");
    orm_object *x2 = obj_comp(f->comp, 2, "x"), *e1 = obj_comp(f->comp, 1, "");
    put_ok(&f->map, x1);
    put_ok(&f->map, y1);
    put_ok(&f->map, x2);
    put_ok(&f->map, e1);
    assert_ptr_equal(find_comp(&f->map, f->comp, 1, "x"), x1);
    assert_ptr_equal(find_comp(&f->map, f->comp, 1, "y"), y1);
    assert_ptr_equal(find_comp(&f->map, f->comp, 2, "x"), x2);
    assert_ptr_equal(find_comp(&f->map, f->comp, 1, ""), e1);
    assert_null(find_comp(&f->map, f->comp, 2, "y"));
    assert_null(find_comp(&f->map, f->comp, 1, "xx"));
    /* a partial NULL key finds nothing */
    orm_value va, vn = ORM_VALUE_NULL;
    orm_value_int(&va, 1);
    const orm_value *key[2] = {&va, &vn};
    assert_null(orm_identity_find(&f->map, f->comp, key, orm_identity_hash(f->comp, key)));
    drop(&f->map, y1);
    assert_ptr_equal(find_comp(&f->map, f->comp, 1, "x"), x1);
    assert_null(find_comp(&f->map, f->comp, 1, "y"));
    drop(&f->map, x1);
    drop(&f->map, x2);
    drop(&f->map, e1);
}

/* (1, 2) and (2, 1) are different keys: the hash is order-sensitive and so
 * is the comparison. */
static void test_identity__composite_key_order_matters(void **state)
{
    fx *f = *state;
    orm_table *pair = add_table(f->md, "pair");
    add_col(pair, "a", ORM_T_INTEGER, 1);
    add_col(pair, "b", ORM_T_INTEGER, 1);
    orm_object *p12 = orm_object_new(pair), *p21 = orm_object_new(pair);
    orm_value_int(&p12->values[0], 1);
    orm_value_int(&p12->values[1], 2);
    orm_value_int(&p21->values[0], 2);
    orm_value_int(&p21->values[1], 1);
    put_ok(&f->map, p12);
    put_ok(&f->map, p21);
    orm_value a, b;
    orm_value_int(&a, 1);
    orm_value_int(&b, 2);
    const orm_value *k12[2] = {&a, &b}, *k21[2] = {&b, &a};
    assert_true(orm_identity_hash(pair, k12) != orm_identity_hash(pair, k21));
    assert_ptr_equal(orm_identity_find(&f->map, pair, k12, orm_identity_hash(pair, k12)), p12);
    assert_ptr_equal(orm_identity_find(&f->map, pair, k21, orm_identity_hash(pair, k21)), p21);
    drop(&f->map, p12);
    drop(&f->map, p21);
}

static void test_identity__equal_key_values_of_two_tables_are_kept_apart(void **state)
{
    fx *f = *state;
    orm_object *a = obj_int(f->t1, 5), *b = obj_int(f->t2, 5);
    put_ok(&f->map, a);
    put_ok(&f->map, b);
    assert_int_equal(f->map.count, 2);
    assert_ptr_equal(find_int(&f->map, f->t1, 5), a);
    assert_ptr_equal(find_int(&f->map, f->t2, 5), b);
    /* even when the caller passes the other table's hash, the table is compared */
    orm_value v;
    orm_value_int(&v, 5);
    const orm_value *key[1] = {&v};
    orm_object *o = orm_identity_find(&f->map, f->t2, key, orm_identity_hash(f->t1, key));
    assert_true(o == NULL || o == b);
    drop(&f->map, a);
    assert_null(find_int(&f->map, f->t1, 5));
    assert_ptr_equal(find_int(&f->map, f->t2, 5), b);
    drop(&f->map, b);
}

/* A key given as REAL 3.0 or BOOL finds the row stored with INT 3 / 1
 * (Lua numbers: 3 and 3.0 name the same row). */
static void test_identity__numerically_equal_keys_of_other_types_find_the_object(void **state)
{
    fx *f = *state;
    orm_object *three = obj_int(f->t1, 3), *one = obj_int(f->t1, 1);
    put_ok(&f->map, three);
    put_ok(&f->map, one);
    orm_value r;
    orm_value_real(&r, 3.0);
    const orm_value *kr[1] = {&r};
    assert_ptr_equal(orm_identity_find(&f->map, f->t1, kr, orm_identity_hash(f->t1, kr)), three);
    orm_value_real(&r, 3.5);
    assert_null(orm_identity_find(&f->map, f->t1, kr, orm_identity_hash(f->t1, kr)));
    orm_value bl;
    orm_value_bool(&bl, 1);
    const orm_value *kb[1] = {&bl};
    assert_ptr_equal(orm_identity_find(&f->map, f->t1, kb, orm_identity_hash(f->t1, kb)), one);
    drop(&f->map, three);
    drop(&f->map, one);
}

static void test_identity__text_keys_compare_by_content_and_length(void **state)
{
    fx *f = *state;
    orm_table *tk = add_table(f->md, "tk");
    add_col(tk, "code", ORM_T_STRING, 1);
    const char *codes[] = {"abc", "abd", "ab", "abc ", ""};
    orm_object *o[5];
    for (int i = 0; i < 5; i++) {
        o[i] = orm_object_new(tk);
        assert_int_equal(orm_value_set_text(&o[i]->values[0], codes[i], strlen(codes[i])), ORM_OK);
        put_ok(&f->map, o[i]);
    }
    for (int i = 0; i < 5; i++) {
        orm_value v = ORM_VALUE_NULL;
        assert_int_equal(orm_value_set_text(&v, codes[i], strlen(codes[i])), ORM_OK);
        const orm_value *key[1] = {&v};
        assert_ptr_equal(orm_identity_find(&f->map, tk, key, orm_identity_hash(tk, key)), o[i]);
        orm_value_clear(&v);
    }
    for (int i = 0; i < 5; i++)
        drop(&f->map, o[i]);
}

/* ---- each / free -------------------------------------------------------- */

typedef struct {
    int n;
    int64_t sum;
} each_acc;

static void count_each(void *ctx, orm_object *o)
{
    each_acc *a = ctx;
    a->n++;
    a->sum += o->values[0].u.i;
}

static void test_identity__each_visits_every_live_object_once(void **state)
{
    fx *f = *state;
    orm_object *o[100];
    for (int i = 0; i < 100; i++) {
        o[i] = obj_int(f->t1, i + 1);
        put_ok(&f->map, o[i]);
    }
    int64_t want = 0;
    for (int i = 0; i < 100; i++) {
        if (i % 3 == 0)
            orm_identity_remove(&f->map, o[i]);
        else
            want += i + 1;
    }
    each_acc acc = {0, 0};
    orm_identity_each(&f->map, count_each, &acc);
    assert_int_equal(acc.n, 66);
    assert_true(acc.sum == want);
    for (int i = 0; i < 100; i++)
        drop(&f->map, o[i]);
    acc = (each_acc){0, 0};
    orm_identity_each(&f->map, count_each, &acc);
    assert_int_equal(acc.n, 0);
}

static void test_identity__free_empties_the_map_and_it_can_be_used_again(void **state)
{
    fx *f = *state;
    orm_object *a = obj_int(f->t1, 1);
    put_ok(&f->map, a);
    orm_identity_free(&f->map);
    assert_int_equal(f->map.cap, 0);
    assert_int_equal(f->map.count, 0);
    assert_null(f->map.slots);
    assert_null(find_int(&f->map, f->t1, 1));
    a->in_identity = 0; /* the map forgot it (a session's close does the same) */
    put_ok(&f->map, a);
    assert_ptr_equal(find_int(&f->map, f->t1, 1), a);
    drop(&f->map, a);
    orm_identity_free(&f->map); /* twice is fine */
    orm_identity_free(&f->map);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
        T(test_identity__find_on_empty_map_returns_null),
        T(test_identity__put_then_find_returns_the_same_object),
        T(test_identity__remove_makes_find_return_null),
        T(test_identity__remove_on_empty_map_is_a_noop),
        T(test_identity__grows_past_many_entries_and_finds_every_one),
        T(test_identity__find_probes_past_tombstones),
        T(test_identity__tombstone_is_reused_by_the_next_put_of_that_key),
        T(test_identity__put_remove_churn_does_not_grow_the_table),
        T(test_identity__composite_keys_distinguish_every_component),
        T(test_identity__composite_key_order_matters),
        T(test_identity__equal_key_values_of_two_tables_are_kept_apart),
        T(test_identity__numerically_equal_keys_of_other_types_find_the_object),
        T(test_identity__text_keys_compare_by_content_and_length),
        T(test_identity__each_visits_every_live_object_once),
        T(test_identity__free_empties_the_map_and_it_can_be_used_again),
#undef T
    };
    return cmocka_run_group_tests_name("identity", tests, NULL, NULL);
}
