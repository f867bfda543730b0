/* test_sqlcache_limits.c — selects past the compiled-SELECT cache's limits
 * (core/sqlcache.c) are compiled every time and come out exactly as the
 * compiler writes them: more bound values than the cache maps, a name
 * longer than a shape holds, a tree bigger than a shape holds; the keyed
 * entries (filter_by) refuse keys they cannot hold (no cache, an empty
 * key, a key not starting with 0, a key too long, too many values) and
 * give back, once put, the text with the new values and LIMIT / OFFSET
 * in place. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sqlcache.h"
#include "table_fixture.h"

static orm_metadata *md;
static orm_table *author;

static int setup(void **state)
{
    (void)state;
    md = orm_metadata_new();
    author = tf_table(md, "author");
    tf_column(author, "id", ORM_T_INTEGER, TF_PK);
    tf_column(author, "name", ORM_T_STRING, 0);
    tf_column(author, "email", ORM_T_STRING, 0);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    orm_metadata_free(md);
    return 0;
}

static orm_expr *I(int64_t i)
{
    orm_value v;
    orm_value_int(&v, i);
    return orm_expr_bind(&v);
}

/* author.id IN (n values from base) */
static orm_select *in_list(int n, int base)
{
    orm_select *s = orm_select_new();
    assert_int_equal(orm_select_add_table_columns(s, author), 0);
    orm_expr *v[64];
    assert_true(n <= 64);
    for (int i = 0; i < n; i++)
        v[i] = I(base + i);
    orm_expr *c0 = orm_expr_column(author, 0);
    orm_expr *in = orm_expr_in(c0, v, n, 0);
    orm_expr_release(c0);
    for (int i = 0; i < n; i++)
        orm_expr_release(v[i]);
    assert_int_equal(orm_select_add_where(s, in), 0);
    orm_expr_release(in);
    return s;
}

/* SELECT ..., <bound 1> AS <name> FROM author */
static orm_select *labelled(const char *name)
{
    orm_select *s = orm_select_new();
    assert_int_equal(orm_select_add_table_columns(s, author), 0);
    orm_expr *one = I(1);
    orm_expr *l = orm_expr_label(one, name);
    orm_expr_release(one);
    assert_int_equal(orm_select_add_column(s, l), 0);
    orm_expr_release(l);
    return s;
}

/* author.name = author.email OR ... n times (no bound value) */
static orm_select *big_tree(int n)
{
    orm_select *s = orm_select_new();
    assert_int_equal(orm_select_add_table_columns(s, author), 0);
    orm_expr **v = calloc((size_t)n, sizeof *v);
    for (int i = 0; i < n; i++) {
        orm_expr *a = orm_expr_column(author, 1 + i % 2), *b = orm_expr_column(author, 2 - i % 2);
        v[i] = orm_expr_binary(ORM_OP_EQ, a, b);
        orm_expr_release(a);
        orm_expr_release(b);
    }
    orm_expr *any = orm_expr_bool(ORM_OP_OR, v, n);
    for (int i = 0; i < n; i++)
        orm_expr_release(v[i]);
    free(v);
    assert_int_equal(orm_select_add_where(s, any), 0);
    orm_expr_release(any);
    return s;
}

/* Compiles s through c twice: both times exactly the compiler's text and
 * values, and (want_cached) the second time from the cache. */
static void twice(orm_sqlcache *c, orm_select *s, int want_cached)
{
    orm_error err;
    orm_error_init(&err);
    orm_compiled fresh;
    orm_compiled_init(&fresh);
    assert_int_equal(orm_compile_select(&orm_dialect_sqlite, s, &fresh, &err), 0);
    for (int k = 0; k < 2; k++) {
        orm_sqlrun r;
        assert_int_equal(orm_sqlcache_compile(c, &orm_dialect_sqlite, s, 0, &r, &err), 0);
        assert_string_equal(r.sql, orm_buf_str(&fresh.sql));
        assert_int_equal(r.nparams, fresh.nparams);
        for (size_t i = 0; i < r.nparams; i++)
            assert_true(orm_value_equal(r.params[i], fresh.params[i]));
        if (k == 1) assert_int_equal(r.comp.sql.len == 0, want_cached);
        orm_sqlrun_free(&r);
    }
    orm_compiled_free(&fresh);
    orm_select_free(s);
}

static void test_sqlcache_limits__past_the_limits_compiled_each_time(void **state)
{
    (void)state;
    orm_sqlcache *c = orm_sqlcache_new();
    twice(c, in_list(3, 10), 1);                     /* within: cached */
    twice(c, in_list(ORM_SQLC_MAXPARAMS + 8, 1), 0); /* too many values */
    char name[5000];
    memset(name, 'n', sizeof name - 1);
    name[sizeof name - 1] = '\0';
    twice(c, labelled(name), 0); /* a name longer than a shape */
    twice(c, labelled("short"), 1);
    twice(c, big_tree(300), 0); /* a tree bigger than a shape */
    twice(c, big_tree(4), 1);
    orm_sqlcache_free(c);
}

static void test_sqlcache_limits__keyed_entries(void **state)
{
    (void)state;
    orm_sqlcache *c = orm_sqlcache_new();
    orm_select *s = in_list(2, 5);
    s->limit = 10;
    s->offset = 20;
    orm_error err;
    orm_error_init(&err);
    orm_sqlrun run;
    assert_int_equal(orm_sqlcache_compile(NULL, &orm_dialect_sqlite, s, 0, &run, &err), 0);
    const orm_value *vals[2] = {&s->where->args[1]->value, &s->where->args[2]->value};
    uint64_t key[3] = {0, 42, 7}, bad[3] = {1, 42, 7};
    uint64_t *huge = calloc(600, sizeof *huge);
    /* keys it cannot hold are not kept */
    orm_sqlcache_put_keyed(NULL, key, 3, vals, 2, s, &run);
    orm_sqlcache_put_keyed(c, key, 0, vals, 2, s, &run);
    orm_sqlcache_put_keyed(c, bad, 3, vals, 2, s, &run);
    orm_sqlcache_put_keyed(c, huge, 600, vals, 2, s, &run);
    orm_sqlcache_put_keyed(c, key, 3, vals, ORM_SQLC_MAXPARAMS + 1, s, &run);
    orm_sqlrun got;
    assert_int_equal(orm_sqlcache_get_keyed(c, key, 3, vals, 1, 2, &got), 0);
    assert_int_equal(orm_sqlcache_get_keyed(NULL, key, 3, vals, 1, 2, &got), 0);
    assert_int_equal(orm_sqlcache_get_keyed(c, bad, 3, vals, 1, 2, &got), 0);
    assert_int_equal(orm_sqlcache_get_keyed(c, key, 0, vals, 1, 2, &got), 0);
    /* a key it can hold: the text again, the caller's values and numbers */
    orm_sqlcache_put_keyed(c, key, 3, vals, 2, s, &run);
    orm_sqlcache_put_keyed(c, key, 3, vals, 2, s, &run); /* twice: one entry */
    orm_value a, b;
    orm_value_int(&a, 100);
    orm_value_int(&b, 200);
    const orm_value *other[2] = {&a, &b};
    assert_int_equal(orm_sqlcache_get_keyed(c, key, 3, other, 3, 4, &got), 1);
    assert_string_equal(got.sql, run.sql);
    assert_int_equal(got.nparams, 4);
    assert_int_equal(got.params[0]->u.i, 100);
    assert_int_equal(got.params[1]->u.i, 200);
    assert_int_equal(got.params[2]->u.i, 3); /* LIMIT */
    assert_int_equal(got.params[3]->u.i, 4); /* OFFSET */
    orm_sqlrun_free(&got);
    free(huge);
    orm_sqlrun_free(&run);
    orm_select_free(s);
    orm_sqlcache_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_sqlcache_limits__past_the_limits_compiled_each_time,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_sqlcache_limits__keyed_entries, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
