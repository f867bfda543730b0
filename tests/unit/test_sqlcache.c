/* test_sqlcache.c — the compiled-SELECT cache (sqlcache.c) gives
 * exactly what the compiler gives: for selects of many shapes, each built
 * twice with different bound values (and LIMIT / OFFSET numbers), the text
 * and the parameters through the cache (a miss, then a hit on the other
 * build) equal a fresh compile; shapes that differ only where the compiler
 * looks at a value (a NULL bound value: IS NULL) or at a flag stay apart;
 * selects the cache leaves alone (aliases, subqueries, a node used twice)
 * still come out right. */
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
static orm_table *author, *book;

static int setup(void **state)
{
    (void)state;
    md = orm_metadata_new();
    author = tf_table(md, "author");
    tf_column(author, "id", ORM_T_INTEGER, TF_PK);
    tf_column(author, "name", ORM_T_STRING, 0);
    tf_column(author, "email", ORM_T_STRING, 0);
    book = tf_table(md, "book");
    tf_column(book, "id", ORM_T_INTEGER, TF_PK);
    tf_column(book, "title", ORM_T_STRING, 0);
    tf_column(book, "author_id", ORM_T_INTEGER, 0);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    orm_metadata_free(md);
    return 0;
}

/* ---- builders (each takes ownership of its arguments) ------------------ */

static orm_expr *C(orm_table *t, int col)
{
    return orm_expr_column(t, col);
}

static orm_expr *I(int64_t i)
{
    orm_value v;
    orm_value_int(&v, i);
    return orm_expr_bind(&v);
}

static orm_expr *S(const char *s)
{
    orm_value v = {.type = ORM_V_TEXT, .len = strlen(s), .u.s = (char *)s};
    return orm_expr_bind(&v); /* copies */
}

static orm_expr *NUL(void)
{
    orm_value v = ORM_VALUE_NULL;
    return orm_expr_bind(&v);
}

static orm_expr *BIN(orm_op op, orm_expr *l, orm_expr *r)
{
    orm_expr *e = orm_expr_binary(op, l, r);
    orm_expr_release(l);
    orm_expr_release(r);
    return e;
}

static orm_expr *OR2(orm_expr *a, orm_expr *b)
{
    orm_expr *v[2] = {a, b};
    orm_expr *e = orm_expr_bool(ORM_OP_OR, v, 2);
    orm_expr_release(a);
    orm_expr_release(b);
    return e;
}

static orm_expr *FN(const char *name, orm_expr *a)
{
    orm_expr *e = orm_expr_func(name, &a, 1);
    orm_expr_release(a);
    return e;
}

static orm_expr *LABEL(orm_expr *a, const char *name)
{
    orm_expr *e = orm_expr_label(a, name);
    orm_expr_release(a);
    return e;
}

static orm_expr *IN3(orm_expr *a, orm_expr *x, orm_expr *y, orm_expr *z)
{
    orm_expr *v[3] = {x, y, z};
    orm_expr *e = orm_expr_in(a, v, 3, 0);
    orm_expr_release(a);
    for (int i = 0; i < 3; i++)
        orm_expr_release(v[i]);
    return e;
}

static orm_expr *ORDER(orm_expr *a, int desc)
{
    orm_expr *e = orm_expr_order(a, desc);
    orm_expr_release(a);
    return e;
}

static void col(orm_select *s, orm_expr *e)
{
    assert_int_equal(orm_select_add_column(s, e), 0);
    orm_expr_release(e);
}

static void where(orm_select *s, orm_expr *e)
{
    assert_int_equal(orm_select_add_where(s, e), 0);
    orm_expr_release(e);
}

static void order(orm_select *s, orm_expr *e)
{
    assert_int_equal(orm_select_add_order(s, e), 0);
    orm_expr_release(e);
}

#define NSHAPES 16

/* Select number k of the shapes, its values chosen by seed. */
static orm_select *shape(int k, int seed)
{
    char text[32];
    snprintf(text, sizeof text, "author%d@example.com", seed);
    orm_select *s = orm_select_new();
    assert_non_null(s);
    assert_int_equal(orm_select_add_table_columns(s, author), 0);
    switch (k) {
    case 0: /* no parameters */
        break;
    case 1: /* filter_by{ email = e }:first() */
        where(s, BIN(ORM_OP_EQ, C(author, 2), S(text)));
        s->limit = 1;
        break;
    case 2: /* the same with a NULL value: IS NULL, no parameter */
        where(s, BIN(ORM_OP_EQ, C(author, 2), NUL()));
        s->limit = 1;
        break;
    case 3: /* two terms, LIMIT and OFFSET */
        where(s, BIN(ORM_OP_EQ, C(author, 1), S(text)));
        where(s, BIN(ORM_OP_GT, C(author, 0), I(seed)));
        s->limit = 10 + seed;
        s->offset = 5 * seed;
        break;
    case 4: /* OFFSET only */
        where(s, BIN(ORM_OP_GT, C(author, 0), I(seed)));
        s->offset = seed;
        break;
    case 5: /* OR, IN, a function */
        where(s, OR2(IN3(C(author, 0), I(seed), I(seed + 1), I(seed + 2)),
                     BIN(ORM_OP_EQ, FN("lower", C(author, 1)), S(text))));
        break;
    case 6: { /* LIKE with an escape */
        orm_expr *c2 = C(author, 2);
        where(s, orm_expr_match(c2, text, strlen(text), ORM_MATCH_CONTAINS));
        orm_expr_release(c2);
        break;
    }
    case 7: /* a join, ORDER BY DESC */
        assert_int_equal(orm_select_add_join(s, book, NULL, 1), 0);
        where(s, BIN(ORM_OP_EQ, C(book, 1), S(text)));
        order(s, ORDER(C(book, 0), 1));
        break;
    case 8: /* a label ordered by name, GROUP BY, HAVING */
        col(s, LABEL(FN("count", C(author, 0)), "n"));
        assert_int_equal(orm_select_add_group(s, s->columns[1]), 0);
        {
            orm_expr *h = BIN(ORM_OP_GT, FN("count", C(author, 0)), I(seed));
            assert_int_equal(orm_select_set_having(s, h), 0);
            orm_expr_release(h);
        }
        order(s, orm_expr_label_ref("n"));
        where(s, BIN(ORM_OP_NE, C(author, 1), S(text)));
        break;
    case 9: /* DISTINCT and a bound value in the result columns */
        s->distinct = 1;
        col(s, LABEL(I(seed), "k"));
        break;
    case 10: /* raw text and a cast */
        where(s, orm_expr_text("1 = 1"));
        {
            orm_expr *c0 = C(author, 0);
            col(s, LABEL(orm_expr_cast(c0, &author->cols[1].type), "c"));
            orm_expr_release(c0);
        }
        break;
    case 11: { /* one bound node in two places: compiled, not cached */
        orm_expr *v = S(text);
        where(s, OR2(BIN(ORM_OP_EQ, C(author, 1), orm_expr_retain(v)),
                     BIN(ORM_OP_EQ, C(author, 2), orm_expr_retain(v))));
        orm_expr_release(v);
        break;
    }
    case 12: { /* an alias: compiled, not cached */
        orm_from *f = orm_from_alias(author, NULL);
        orm_expr *e = orm_expr_alias_column(f, 2);
        where(s, BIN(ORM_OP_EQ, e, S(text)));
        orm_from_release(f);
        break;
    }
    case 13: { /* a nested SELECT: compiled, not cached */
        orm_select *in = orm_select_new();
        col(in, C(book, 2));
        where(in, BIN(ORM_OP_EQ, C(book, 1), S(text)));
        orm_expr *sub = orm_expr_select(in, 0);
        orm_select_free(in);
        orm_expr *v[1] = {sub};
        orm_expr *c0 = C(author, 0);
        where(s, orm_expr_in(c0, v, 1, 0));
        orm_expr_release(c0);
        orm_expr_release(sub);
        break;
    }
    case 14: /* SELECT 1 (an EXISTS body) */
        s->select_one = 1;
        where(s, BIN(ORM_OP_EQ, C(author, 0), I(seed)));
        break;
    case 15: /* a keyword: IS true */
        where(s, BIN(ORM_OP_IS, C(author, 1), orm_expr_keyword("true")));
        break;
    }
    return s;
}

static void expect_same(const orm_sqlrun *r, const orm_compiled *fresh, const char *what)
{
    if (strcmp(r->sql, orm_buf_str(&fresh->sql)) != 0)
        fail_msg("%s: cached \"%s\", fresh \"%s\"", what, r->sql, orm_buf_str(&fresh->sql));
    assert_int_equal(r->nparams, fresh->nparams);
    for (size_t i = 0; i < r->nparams; i++)
        if (!orm_value_equal(r->params[i], fresh->params[i]) ||
            r->params[i]->type != fresh->params[i]->type)
            fail_msg("%s: parameter %zu differs", what, i + 1);
}

/* Shapes the cache leaves alone. */
static int uncached(int k)
{
    return k == 11 || k == 12 || k == 13;
}

/* Through the cache c, compiles shape k built with seed, and compares with
 * a fresh compile (select and count wrapper); want_hit: the text must come
 * from the cache (nothing compiled). */
static void check_hit(orm_sqlcache *c, int k, int seed, int want_hit)
{
    for (int count = 0; count < 2; count++) {
        orm_select *s = shape(k, seed);
        orm_error err;
        orm_error_init(&err);
        orm_compiled fresh;
        orm_compiled_init(&fresh);
        int rc = count ? orm_compile_count(&orm_dialect_sqlite, s, &fresh, &err)
                       : orm_compile_select(&orm_dialect_sqlite, s, &fresh, &err);
        assert_int_equal(rc, 0);
        orm_sqlrun r;
        assert_int_equal(orm_sqlcache_compile(c, &orm_dialect_sqlite, s, count, &r, &err), 0);
        char what[64];
        snprintf(what, sizeof what, "shape %d seed %d%s", k, seed, count ? " (count)" : "");
        expect_same(&r, &fresh, what);
        if (want_hit && r.comp.sql.len != 0) fail_msg("%s: compiled again", what);
        orm_sqlrun_free(&r);
        orm_compiled_free(&fresh);
        orm_select_free(s);
    }
}

static void check(orm_sqlcache *c, int k, int seed)
{
    check_hit(c, k, seed, 0);
}

static void test_sqlcache__hits_equal_fresh_compiles(void **state)
{
    (void)state;
    orm_sqlcache *c = orm_sqlcache_new();
    assert_non_null(c);
    for (int seed = 1; seed <= 3; seed++) /* a miss, then hits, every shape interleaved */
        for (int k = 0; k < NSHAPES; k++)
            check_hit(c, k, seed, seed > 1 && !uncached(k));
    for (int k = NSHAPES - 1; k >= 0; k--)
        check_hit(c, k, 7, !uncached(k));
    orm_sqlcache_free(c);
}

static void test_sqlcache__null_and_value_stay_apart(void **state)
{
    (void)state;
    orm_sqlcache *c = orm_sqlcache_new();
    check(c, 1, 1); /* email = ? */
    check(c, 2, 1); /* email IS NULL */
    check(c, 1, 2);
    check(c, 2, 2);
    orm_sqlcache_free(c);
}

static void test_sqlcache__no_cache_compiles(void **state)
{
    (void)state;
    for (int k = 0; k < NSHAPES; k++)
        check(NULL, k, 1);
}

static void test_sqlcache__many_shapes_start_over(void **state)
{
    (void)state;
    orm_sqlcache *c = orm_sqlcache_new();
    /* LIMIT present or not times many IN list lengths: more entries than kept */
    for (int round = 0; round < 2; round++)
        for (int n = 1; n <= 700; n += 1) {
            orm_select *s = orm_select_new();
            assert_int_equal(orm_select_add_table_columns(s, author), 0);
            orm_expr *v[3] = {I(n), I(n + 1), I(n + 2)};
            orm_expr *c0 = C(author, 0);
            orm_expr *in = orm_expr_in(c0, v, 1 + n % 3, 0);
            orm_expr_release(c0);
            for (int i = 0; i < 3; i++)
                orm_expr_release(v[i]);
            where(s, in);
            char name[16];
            snprintf(name, sizeof name, "n%d", n); /* a label per n: a new shape */
            col(s, LABEL(I(n), name));
            orm_error err;
            orm_error_init(&err);
            orm_compiled fresh;
            orm_compiled_init(&fresh);
            assert_int_equal(orm_compile_select(&orm_dialect_sqlite, s, &fresh, &err), 0);
            orm_sqlrun r;
            assert_int_equal(orm_sqlcache_compile(c, &orm_dialect_sqlite, s, 0, &r, &err), 0);
            expect_same(&r, &fresh, name);
            orm_sqlrun_free(&r);
            orm_compiled_free(&fresh);
            orm_select_free(s);
        }
    orm_sqlcache_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sqlcache__hits_equal_fresh_compiles),
        cmocka_unit_test(test_sqlcache__null_and_value_stay_apart),
        cmocka_unit_test(test_sqlcache__no_cache_compiles),
        cmocka_unit_test(test_sqlcache__many_shapes_start_over),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
