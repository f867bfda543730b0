/* test_compile_refusals.c — what the expression compiler (core/compile.c)
 * refuses rather than writes: a function name that is not an identifier
 * (no SQL can ride in on it), and trees no constructor makes (a node with
 * the wrong number of operands or an operator of another kind, a column
 * past its table, text without its SQL, a subquery without its
 * SELECT) — each a ProgrammingError "cannot compile ..." naming the kind
 * of expression, never a crash or a statement written half; without an
 * error record the failure is still reported. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compile.h"

static orm_metadata *md;
static orm_table *t;

static int setup(void **state)
{
    (void)state;
    orm_error err;
    orm_error_init(&err);
    md = orm_metadata_new();
    if (orm_metadata_add_table(md, "t", &t, &err) != ORM_OK) return -1;
    orm_column id = {.name = "id", .type = {ORM_T_INTEGER}, .primary_key = 1};
    orm_column d = {.name = "d", .type = {ORM_T_DATE}, .nullable = 1};
    if (orm_table_add_column(t, &id, &err) || orm_table_add_column(t, &d, &err)) return -1;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    orm_metadata_free(md);
    return 0;
}

/* Compiling e fails with a ProgrammingError saying message; nothing is
 * written. Also without an error record. */
static void refused(const orm_expr *e, const char *message)
{
    orm_compiled out;
    orm_compiled_init(&out);
    orm_error err;
    orm_error_init(&err);
    if (orm_compile_expr(&orm_dialect_sqlite, e, &out, &err) != ORM_EFAIL)
        fail_msg("compiled, not refused (%s): %s", message, orm_buf_str(&out.sql));
    assert_int_equal(err.cls, ORM_ERR_PROGRAMMING);
    assert_string_equal(err.message, message);
    orm_error_clear(&err);
    orm_compiled_free(&out);
    orm_compiled_init(&out);
    assert_true(orm_compile_expr(&orm_dialect_sqlite, e, &out, NULL) < 0);
    orm_compiled_free(&out);
}

static const char *compiled(const orm_expr *e, char *buf, size_t n)
{
    orm_compiled out;
    orm_compiled_init(&out);
    orm_error err;
    orm_error_init(&err);
    if (orm_compile_expr(&orm_dialect_sqlite, e, &out, &err) != ORM_OK)
        fail_msg("compile: %s", err.message);
    strncpy(buf, orm_buf_str(&out.sql), n - 1);
    buf[n - 1] = '\0';
    orm_compiled_free(&out);
    return buf;
}

static void test_compile_refusals__function_names(void **state)
{
    (void)state;
    orm_expr *id = orm_expr_column(t, 0);
    const char *bad[] = {"1abc", "a b", "count(*); DROP TABLE t; --", "x-y", "é", NULL};
    for (int i = 0; bad[i]; i++) {
        orm_expr *f = orm_expr_func(bad[i], &id, 1);
        char want[96];
        snprintf(want, sizeof want, "invalid SQL function name '%s'", bad[i]);
        refused(f, want);
        orm_expr_release(f);
    }
    orm_expr *f = orm_expr_func("_my_func2", &id, 1);
    char buf[64];
    assert_string_equal(compiled(f, buf, sizeof buf), "_my_func2(t.id)");
    orm_expr_release(f);
    orm_expr_release(id);
}

static void test_compile_refusals__malformed_trees(void **state)
{
    (void)state;
    orm_value one;
    orm_value_int(&one, 1);
    orm_expr *id = orm_expr_column(t, 0), *b = orm_expr_bind(&one);

    orm_expr *e = orm_expr_binary(ORM_OP_EQ, id, b);
    e->nargs = 1;
    refused(e, "cannot compile a binary expression");
    e->nargs = 2;
    e->op = ORM_OP_NONE;
    refused(e, "cannot compile a binary expression");
    orm_expr_release(e);

    e = orm_expr_unary(ORM_OP_NOT, id);
    e->op = ORM_OP_ADD;
    refused(e, "cannot compile a unary expression");
    orm_expr_release(e);

    orm_expr *two[] = {id, b};
    e = orm_expr_bool(ORM_OP_AND, two, 2);
    e->op = ORM_OP_EQ;
    refused(e, "cannot compile a boolean expression");
    orm_expr_release(e);

    e = orm_expr_in(id, &b, 1, 0);
    e->op = ORM_OP_EQ;
    refused(e, "cannot compile an IN expression");
    orm_expr_release(e);

    e = orm_expr_between(id, b, b);
    e->nargs = 2;
    refused(e, "cannot compile a BETWEEN expression");
    e->nargs = 3;
    orm_expr_release(e);

    e = orm_expr_like(ORM_OP_LIKE, id, b, 0);
    e->op = ORM_OP_EQ;
    refused(e, "cannot compile a LIKE expression");
    orm_expr_release(e);

    orm_expr *whens[] = {b, id};
    e = orm_expr_case(NULL, whens, 1, NULL);
    e->nargs = 1;
    refused(e, "cannot compile a CASE expression");
    e->nargs = 2;
    orm_expr_release(e);

    orm_type it = {.kind = ORM_T_INTEGER};
    e = orm_expr_cast(id, &it);
    e->nargs = 0;
    refused(e, "cannot compile a CAST expression");
    e->nargs = 1;
    orm_expr_release(e);

    e = orm_expr_column(t, 1);
    e->col = 5;
    refused(e, "cannot compile a column");
    e->col = 1;
    orm_expr_release(e);

    e = orm_expr_order(id, 1);
    e->nargs = 0;
    refused(e, "cannot compile an ORDER BY item");
    e->nargs = 1;
    orm_expr_release(e);

    e = orm_expr_text("1 = 1");
    char *name = e->name;
    e->name = NULL;
    refused(e, "cannot compile a text clause");
    e->name = name;
    orm_expr_release(e);

    orm_select *s = orm_select_new();
    assert_int_equal(orm_select_add_column(s, id), ORM_OK);
    e = orm_expr_select(s, 0);
    orm_select *inner = e->sel;
    e->sel = NULL;
    refused(e, "cannot compile a subquery");
    e->sel = inner;
    orm_expr_release(e);
    orm_select_free(s);

    refused(NULL, "cannot compile a missing expression");
    orm_expr_release(id);
    orm_expr_release(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_compile_refusals__function_names, setup, teardown),
        cmocka_unit_test_setup_teardown(test_compile_refusals__malformed_trees, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
