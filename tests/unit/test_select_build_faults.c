/* test_select_build_faults.c — building a SELECT with an alias, a derived
 * table joined, GROUP BY / HAVING, filters AND-ed in several calls and an
 * ORDER BY, then copying it (core/expr.c), with each allocation failing in
 * turn: every step reports the failure (NULL or ORM_ENOMEM, never a crash
 * or a half-built select that compiles to other SQL), and a run that
 * survives compiles on each dialect to exactly the text and values of a
 * run without faults; the copy compiles the same; the depth counts the
 * derived table's own SELECT. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compile.h"
#include "fault.h"
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
    book = tf_table(md, "book");
    tf_column(book, "id", ORM_T_INTEGER, TF_PK);
    tf_column(book, "author_id", ORM_T_INTEGER, 0);
    tf_column(book, "pages", ORM_T_INTEGER, 0);
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

static orm_expr *S(const char *s)
{
    orm_value v = {.type = ORM_V_TEXT, .borrowed = 1, .len = strlen(s), .u.s = (char *)s};
    return orm_expr_bind(&v);
}

/* op(l, r), releasing both */
static orm_expr *BIN(orm_op op, orm_expr *l, orm_expr *r)
{
    orm_expr *e = orm_expr_binary(op, l, r);
    orm_expr_release(l);
    orm_expr_release(r);
    return e;
}

/* rc of adding e (released) with fn */
static int take(int (*fn)(orm_select *, orm_expr *), orm_select *s, orm_expr *e)
{
    int rc = fn(s, e);
    orm_expr_release(e);
    return rc;
}

/* SELECT a.name, d.n FROM author AS a JOIN (SELECT book.author_id,
 * count(book.id) AS n FROM book GROUP BY book.author_id HAVING count(book.id)
 * > ? AND sum(book.pages) > ?) AS d ON a.id = d.author_id WHERE a.name LIKE
 * ? AND a.id > ? AND a.id < ? ORDER BY d.n DESC. NULL on a failure. */
static orm_select *build(void)
{
    orm_select *sub = orm_select_new(), *s = orm_select_new();
    orm_from *a = orm_from_alias(author, "a"), *d = NULL;
    int rc = sub && s && a ? ORM_OK : ORM_ENOMEM;
    if (rc == ORM_OK) rc = take(orm_select_add_column, sub, orm_expr_column(book, 1));
    if (rc == ORM_OK) {
        orm_expr *id = orm_expr_column(book, 0);
        orm_expr *cnt = orm_expr_func("count", &id, 1);
        orm_expr_release(id);
        orm_expr *n = orm_expr_label(cnt, "n");
        orm_expr_release(cnt);
        rc = take(orm_select_add_column, sub, n);
    }
    if (rc == ORM_OK) rc = take(orm_select_add_group, sub, orm_expr_column(book, 1));
    if (rc == ORM_OK) {
        orm_expr *id = orm_expr_column(book, 0), *pages = orm_expr_column(book, 2);
        orm_expr *cnt = orm_expr_func("count", &id, 1), *sum = orm_expr_func("sum", &pages, 1);
        orm_expr_release(id);
        orm_expr_release(pages);
        /* (set_having(NULL) clears: a failed build must not get there) */
        orm_expr *h1 = BIN(ORM_OP_GT, cnt, I(1)), *h2 = BIN(ORM_OP_GT, sum, I(100));
        rc = h1 && h2 ? orm_select_set_having(sub, h1) : ORM_ENOMEM;
        if (rc == ORM_OK) rc = orm_select_set_having(sub, h2);
        orm_expr_release(h1);
        orm_expr_release(h2);
    }
    if (rc == ORM_OK && !(d = orm_from_subquery(sub, "d"))) rc = ORM_ENOMEM;
    if (rc == ORM_OK) rc = take(orm_select_add_column, s, orm_expr_alias_column(a, 1));
    if (rc == ORM_OK) rc = take(orm_select_add_column, s, orm_expr_subcolumn(d, 1));
    if (rc == ORM_OK) rc = orm_select_add_from(s, a);
    if (rc == ORM_OK) {
        orm_expr *on = BIN(ORM_OP_EQ, orm_expr_alias_column(a, 0), orm_expr_subcolumn(d, 0));
        rc = on ? orm_select_add_join_from(s, d, on, 0) : ORM_ENOMEM;
        orm_expr_release(on);
    }
    if (rc == ORM_OK) {
        orm_expr *name = orm_expr_alias_column(a, 1), *pat = S("A%");
        orm_expr *like = orm_expr_like(ORM_OP_LIKE, name, pat, 0);
        orm_expr_release(name);
        orm_expr_release(pat);
        rc = take(orm_select_add_where, s, like);
    }
    if (rc == ORM_OK)
        rc = take(orm_select_add_where, s, BIN(ORM_OP_GT, orm_expr_alias_column(a, 0), I(3)));
    if (rc == ORM_OK)
        rc = take(orm_select_add_where, s, BIN(ORM_OP_LT, orm_expr_alias_column(a, 0), I(90)));
    if (rc == ORM_OK) {
        orm_expr *n = orm_expr_subcolumn(d, 1);
        rc = take(orm_select_add_order, s, orm_expr_order(n, 1));
        orm_expr_release(n);
    }
    orm_from_release(a);
    orm_from_release(d);
    orm_select_free(sub);
    if (rc != ORM_OK) {
        assert_int_equal(rc, ORM_ENOMEM);
        orm_select_free(s);
        return NULL;
    }
    return s;
}

/* The text and values of s on d, "" on a failure (err: out of memory). */
static int compile(const orm_dialect *d, const orm_select *s, char *out, size_t n)
{
    orm_compiled c;
    orm_compiled_init(&c);
    orm_error err;
    orm_error_init(&err);
    int rc = orm_compile_select(d, s, &c, &err);
    out[0] = '\0';
    if (rc == ORM_OK) {
        size_t len = (size_t)snprintf(out, n, "%s |", orm_buf_str(&c.sql));
        for (size_t i = 0; i < c.nparams && len < n; i++) {
            orm_buf b = ORM_BUF_INIT;
            orm_value_describe(&b, c.params[i]); /* may run out of memory too */
            if (b.oom) rc = ORM_ENOMEM;
            len += (size_t)snprintf(out + len, n - len, " %s", orm_buf_str(&b));
            orm_buf_free(&b);
        }
    } else {
        assert_string_equal(err.message, "out of memory");
    }
    orm_error_clear(&err);
    orm_compiled_free(&c);
    return rc;
}

static const orm_dialect *const dialects[] = {&orm_dialect_sqlite, &orm_dialect_pg,
                                              &orm_dialect_mysql};

static void test_select_build_faults__text_and_depth(void **state)
{
    (void)state;
    orm_select *s = build();
    assert_non_null(s);
    char text[2048];
    assert_int_equal(compile(&orm_dialect_pg, s, text, sizeof text), ORM_OK);
    assert_string_equal(text, "SELECT a.name, d.n FROM author AS a JOIN (SELECT book.author_id, "
                              "count(book.id) AS n FROM book GROUP BY book.author_id HAVING "
                              "count(book.id) > $1 AND sum(book.pages) > $2) AS d ON a.id = "
                              "d.author_id WHERE a.name LIKE $3 ESCAPE '' AND a.id > $4 AND a.id < "
                              "$5 ORDER BY d.n DESC | 1 100 \"A%\" 3 90");
    assert_true(orm_select_depth(s) > 3); /* the derived table's SELECT counts */
    orm_select_free(s);
}

static void test_select_build_faults__each_allocation(void **state)
{
    (void)state;
    char want[3][2048], got[2048];
    orm_select *s = build();
    for (int k = 0; k < 3; k++)
        assert_int_equal(compile(dialects[k], s, want[k], sizeof want[k]), ORM_OK);
    orm_select_free(s);
    int clean = 0, failures = 0;
    for (long n = 1; n < 600 && !clean; n++) {
        orm_fault_alloc_after(n);
        s = build();
        orm_select *copy = s ? orm_select_clone(s) : NULL;
        int ok = s && copy;
        for (int k = 0; ok && k < 3; k++) {
            if (compile(dialects[k], s, got, sizeof got) != ORM_OK ||
                compile(dialects[k], copy, got, sizeof got) != ORM_OK) {
                ok = 0;
                break;
            }
            assert_string_equal(got, want[k]);
        }
        int fired = orm_fault_alloc_fired();
        orm_fault_alloc_after(0);
        if (!ok) {
            assert_true(fired);
            failures++;
        }
        clean = ok && !fired;
        orm_select_free(copy);
        orm_select_free(s);
    }
    assert_true(clean);
    assert_true(failures > 20);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_select_build_faults__text_and_depth, setup, teardown),
        cmocka_unit_test_setup_teardown(test_select_build_faults__each_allocation, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
