/* test_expr_depth.c — expression trees of any depth are safe in core: each
 * node knows its depth, releasing a tree a million levels deep uses no C
 * stack per level, and compiling refuses a tree deeper than
 * ORM_EXPR_MAX_DEPTH with an ArgumentError instead of recursing into it. A
 * tree that shares a subtree counts it once per use (size, saturating), and
 * compiling stops with an ArgumentError past ORM_SQL_MAX_BYTES of SQL. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "compile.h"

static orm_expr *one(void)
{
    orm_value v;
    orm_value_int(&v, 1);
    return orm_expr_bind(&v);
}

/* one + 1 + 1 ... : a left-deep chain of n additions. */
static orm_expr *chain(int n)
{
    orm_expr *e = one();
    for (int i = 0; i < n; i++) {
        orm_expr *r = one();
        orm_expr *x = orm_expr_binary(ORM_OP_ADD, e, r);
        assert_non_null(x);
        orm_expr_release(e);
        orm_expr_release(r);
        e = x;
    }
    return e;
}

static void test_expr_depth__counts_levels(void **state)
{
    (void)state;
    orm_expr *e = chain(10);
    assert_int_equal(e->depth, 11);
    orm_expr *n = orm_expr_unary(ORM_OP_NOT, e);
    assert_int_equal(n->depth, 12);
    orm_select *s = orm_select_new();
    assert_int_equal(orm_select_add_column(s, e), 0);
    assert_int_equal(orm_select_depth(s), 11);
    orm_expr *sub = orm_expr_select(s, 0);
    assert_int_equal(sub->depth, 12);
    orm_expr_release(sub);
    orm_select_free(s);
    orm_expr_release(n);
    orm_expr_release(e);
}

static void test_expr_depth__release_a_million_levels(void **state)
{
    (void)state;
    orm_expr *e = chain(1000000);
    assert_int_equal(e->depth, 1000001);
    orm_expr_release(e); /* recursing would overflow the stack here */
}

static void test_expr_depth__shared_subtrees_released_once(void **state)
{
    (void)state;
    orm_expr *shared = chain(100);
    orm_expr *a = orm_expr_unary(ORM_OP_NOT, shared);
    orm_expr *b = orm_expr_binary(ORM_OP_ADD, shared, shared);
    orm_expr_release(a);
    assert_int_equal(shared->refs, 3);
    orm_expr_release(b);
    assert_int_equal(shared->refs, 1);
    orm_expr_release(shared);
}

static void test_expr_depth__compile_refuses_too_deep(void **state)
{
    (void)state;
    orm_compiled c;
    orm_error err;
    orm_expr *ok = chain(ORM_EXPR_MAX_DEPTH - 1);
    orm_compiled_init(&c);
    orm_error_init(&err);
    assert_int_equal(orm_compile_expr(&orm_dialect_sqlite, ok, &c, &err), 0);
    orm_compiled_free(&c);
    orm_expr_release(ok);

    orm_expr *deep = chain(100000);
    orm_compiled_init(&c);
    assert_int_equal(orm_compile_expr(&orm_dialect_sqlite, deep, &c, &err), ORM_EFAIL);
    assert_int_equal(err.cls, ORM_ERR_ARGUMENT);
    assert_non_null(strstr(err.message, "levels deep"));
    orm_error_clear(&err);
    orm_compiled_free(&c);

    /* the same tree as a subquery's WHERE */
    orm_select *s = orm_select_new();
    assert_int_equal(orm_select_add_column(s, deep), 0);
    orm_compiled_init(&c);
    assert_int_equal(orm_compile_select(&orm_dialect_sqlite, s, &c, &err), ORM_EFAIL);
    assert_int_equal(err.cls, ORM_ERR_ARGUMENT);
    orm_error_clear(&err);
    orm_compiled_free(&c);
    orm_select_free(s);
    orm_expr_release(deep);
}

/* e + e, n times: 2^(n+1) - 1 nodes written out from n + 1 allocated. */
static orm_expr *doubled(int n)
{
    orm_expr *e = one();
    for (int i = 0; i < n; i++) {
        orm_expr *x = orm_expr_binary(ORM_OP_ADD, e, e);
        assert_non_null(x);
        orm_expr_release(e);
        e = x;
    }
    return e;
}

static void test_expr_depth__shared_subtrees_counted_per_use(void **state)
{
    (void)state;
    orm_expr *e = doubled(10);
    assert_int_equal(e->size, 2047);
    assert_int_equal(e->depth, 11);
    orm_expr_release(e);
    e = doubled(60); /* saturates instead of overflowing */
    assert_true(e->size == ORM_EXPR_MAX_NODES + 1);
    orm_expr_release(e);
}

static void test_expr_depth__compile_stops_at_max_sql(void **state)
{
    (void)state;
    orm_expr *e = doubled(26); /* ~2^26 binds: about 4 bytes of SQL each */
    orm_compiled c;
    orm_error err;
    orm_compiled_init(&c);
    orm_error_init(&err);
    assert_int_equal(orm_compile_expr(&orm_dialect_sqlite, e, &c, &err), ORM_EFAIL);
    assert_int_equal(err.cls, ORM_ERR_ARGUMENT);
    assert_non_null(strstr(err.message, "MiB"));
    assert_true(c.sql.len < ORM_SQL_MAX_BYTES + 4096);
    orm_error_clear(&err);
    orm_compiled_free(&c);
    orm_expr_release(e);

    /* far larger, in a SELECT: refused before its tables are looked for */
    e = doubled(60);
    orm_select *s = orm_select_new();
    assert_int_equal(orm_select_add_column(s, e), 0);
    orm_compiled_init(&c);
    assert_int_equal(orm_compile_select(&orm_dialect_sqlite, s, &c, &err), ORM_EFAIL);
    assert_int_equal(err.cls, ORM_ERR_ARGUMENT);
    assert_non_null(strstr(err.message, "nodes"));
    orm_error_clear(&err);
    orm_compiled_free(&c);
    orm_select_free(s);
    orm_expr_release(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_expr_depth__counts_levels),
        cmocka_unit_test(test_expr_depth__release_a_million_levels),
        cmocka_unit_test(test_expr_depth__shared_subtrees_released_once),
        cmocka_unit_test(test_expr_depth__compile_refuses_too_deep),
        cmocka_unit_test(test_expr_depth__shared_subtrees_counted_per_use),
        cmocka_unit_test(test_expr_depth__compile_stops_at_max_sql),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
