/* test_slab.c — size-class slabs (core/slab.c): blocks of every class are
 * aligned, distinct and keep their bytes; a freed slot is reused by the same
 * class; big blocks go to malloc; the arena lives while blocks are live after
 * its owner lets go, and goes with the last one; the Lua-style allocator
 * (grow, shrink, across the big-block limit); an armed allocation failure. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "fault.h"
#include "slab.h"

static void every_class_aligned_and_distinct(void **state)
{
    (void)state;
    orm_slab *a = orm_slab_new();
    assert_non_null(a);
    enum { N = ORM_SLAB_MAX };
    unsigned char *p[N + 1];
    for (int n = 1; n <= N; n++) {
        p[n] = orm_slab_alloc(a, (size_t)n);
        assert_non_null(p[n]);
        assert_int_equal((uintptr_t)p[n] % 16, 0);
        memset(p[n], n & 0xff, (size_t)n);
    }
    assert_int_equal(orm_slab_live(a), N);
    for (int n = 1; n <= N; n++) /* nothing overlapped */
        for (int i = 0; i < n; i++)
            assert_int_equal(p[n][i], n & 0xff);
    for (int n = 1; n <= N; n++)
        orm_slab_free(a, p[n], (size_t)n);
    assert_int_equal(orm_slab_live(a), 0);
    orm_slab_release(a);
}

static void freed_slot_reused_by_its_class(void **state)
{
    (void)state;
    orm_slab *a = orm_slab_new();
    void *x = orm_slab_alloc(a, 200);
    void *y = orm_slab_alloc(a, 40);
    orm_slab_free(a, x, 200);
    assert_ptr_equal(orm_slab_alloc(a, 193), x); /* 193..208: the same class */
    void *z = orm_slab_alloc(a, 200);            /* x is taken: a new slot */
    assert_ptr_not_equal(z, x);
    orm_slab_free(a, orm_slab_alloc(a, 100), 100);
    size_t chunks = orm_slab_chunk_bytes(a);
    for (int i = 0; i < 100000; i++) { /* churn in one class: no growth */
        void *t = orm_slab_alloc(a, 100);
        orm_slab_free(a, t, 100);
    }
    assert_int_equal(orm_slab_chunk_bytes(a), chunks);
    orm_slab_free(a, x, 193);
    orm_slab_free(a, y, 40);
    orm_slab_free(a, z, 200);
    orm_slab_release(a);
}

static void many_blocks_take_new_chunks(void **state)
{
    (void)state;
    orm_slab *a = orm_slab_new();
    enum { N = 20000 };
    void **p = malloc(N * sizeof *p);
    for (int i = 0; i < N; i++) {
        p[i] = orm_slab_alloc(a, 64 + (size_t)(i % 7) * 16);
        assert_non_null(p[i]);
        memcpy(p[i], &i, sizeof i);
    }
    assert_true(orm_slab_chunk_bytes(a) >= (size_t)N * 64);
    for (int i = 0; i < N; i++) {
        int v;
        memcpy(&v, p[i], sizeof v);
        assert_int_equal(v, i);
        orm_slab_free(a, p[i], 64 + (size_t)(i % 7) * 16);
    }
    free(p);
    orm_slab_release(a);
}

/* blocks of one class all freed: their chunks serve another class (a load
 * after an insert reuses the insert's memory); beyond a few, empty chunks
 * are given back */
static void empty_chunks_serve_any_class(void **state)
{
    (void)state;
    orm_slab *a = orm_slab_new();
    enum { N = 120000 }; /* 23 MB: more chunks than an arena keeps empty */
    void **p = malloc(N * sizeof *p);
    for (int i = 0; i < N; i++)
        p[i] = orm_slab_alloc(a, 192);
    size_t full = orm_slab_chunk_bytes(a);
    assert_true(full >= (size_t)N * 192);
    for (int i = 0; i < N; i++)
        orm_slab_free(a, p[i], 192);
    size_t kept = orm_slab_chunk_bytes(a);
    assert_true(kept < full);                /* most given back */
    assert_true(kept >= 2 * ORM_SLAB_CHUNK); /* a few kept */
    for (int i = 0; i < 300; i++)            /* another class: kept chunks first */
        p[i] = orm_slab_alloc(a, 224);
    assert_int_equal(orm_slab_chunk_bytes(a), kept);
    for (int i = 0; i < 300; i++)
        orm_slab_free(a, p[i], 224);
    free(p);
    orm_slab_release(a);
}

static void big_blocks_from_malloc(void **state)
{
    (void)state;
    orm_slab *a = orm_slab_new();
    char *p = orm_slab_alloc(a, ORM_SLAB_MAX + 1);
    assert_non_null(p);
    memset(p, 1, ORM_SLAB_MAX + 1);
    assert_int_equal(orm_slab_live(a), 1);
    assert_int_equal(orm_slab_chunk_bytes(a), 0);
    orm_slab_free(a, p, ORM_SLAB_MAX + 1);
    orm_slab_release(a);
}

/* the owner lets go first: the arena lives on with its blocks (LeakSanitizer
 * would report its chunks if the last free did not take it away) */
static void outlives_its_owner(void **state)
{
    (void)state;
    orm_slab *a = orm_slab_new();
    char *p = orm_slab_alloc(a, 100), *q = orm_slab_alloc(a, 2000);
    strcpy(p, "still here");
    orm_slab_release(a);
    assert_string_equal(p, "still here");
    assert_int_equal(orm_slab_live(a), 2);
    orm_slab_free(a, q, 2000);
    orm_slab_free(a, p, 100); /* the last one: the arena goes */
}

static void lua_style_allocator(void **state)
{
    (void)state;
    orm_slab *a = orm_slab_new();
    char *p = orm_slab_lua_alloc(a, NULL, 5 /* a type tag */, 10);
    memcpy(p, "abcdefghij", 10);
    p = orm_slab_lua_alloc(a, p, 10, 12); /* the same class: in place */
    assert_memory_equal(p, "abcdefghij", 10);
    p = orm_slab_lua_alloc(a, p, 12, 500); /* grows into another class */
    assert_memory_equal(p, "abcdefghij", 10);
    memset(p + 10, 'x', 490);
    p = orm_slab_lua_alloc(a, p, 500, 5000); /* over the limit: malloc */
    assert_memory_equal(p, "abcdefghij", 10);
    assert_int_equal(p[499], 'x');
    p = orm_slab_lua_alloc(a, p, 5000, 9000);
    p = orm_slab_lua_alloc(a, p, 9000, 3); /* back into a slab */
    assert_memory_equal(p, "abc", 3);
    assert_int_equal(orm_slab_live(a), 1);
    assert_null(orm_slab_lua_alloc(a, p, 3, 0));
    assert_int_equal(orm_slab_live(a), 0);
    assert_null(orm_slab_lua_alloc(a, NULL, 0, 0));
    orm_slab_release(a);
}

static void armed_failure(void **state)
{
    (void)state;
    orm_slab *a = orm_slab_new();
    orm_fault_alloc_after(2);
    void *x = orm_slab_alloc(a, 32);
    assert_non_null(x);
    assert_null(orm_slab_alloc(a, 32)); /* the second one fails */
    assert_true(orm_fault_alloc_fired());
    assert_int_equal(orm_slab_live(a), 1);
    /* the Lua allocator is not counted */
    orm_fault_alloc_after(1);
    void *y = orm_slab_lua_alloc(a, NULL, 0, 32);
    assert_non_null(y);
    assert_false(orm_fault_alloc_fired());
    orm_fault_alloc_after(0);
    orm_slab_lua_alloc(a, y, 32, 0);
    orm_slab_free(a, x, 32);
    orm_slab_release(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_class_aligned_and_distinct),
        cmocka_unit_test(freed_slot_reused_by_its_class),
        cmocka_unit_test(many_blocks_take_new_chunks),
        cmocka_unit_test(empty_chunks_serve_any_class),
        cmocka_unit_test(big_blocks_from_malloc),
        cmocka_unit_test(outlives_its_owner),
        cmocka_unit_test(lua_style_allocator),
        cmocka_unit_test(armed_failure),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
