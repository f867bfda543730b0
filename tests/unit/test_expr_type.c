/* test_expr_type.c — what core/expr.c infers and refuses: the type of the
 * values an expression yields (columns, aliased and derived-table columns,
 * labels, casts, comparisons, arithmetic — a float operand makes it
 * unknown —, NOT and negation, AND/IN/BETWEEN/LIKE, the functions that
 * keep their argument's type, count the rows, give text, and sum booleans
 * as integers, CASE, scalar subqueries and EXISTS), the names of a derived
 * table's columns, and constructors given what they cannot use (NULL
 * operands, a column past the table, an operator of another kind, an empty
 * SELECT) returning NULL or ORM_EMISUSE without leaking. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "expr.h"

typedef struct fx {
    orm_metadata *md;
    orm_table *t;
} fx;

enum { C_ID, C_NAME, C_PRICE, C_OK, C_QTY };

static int setup(void **state)
{
    static fx f;
    orm_error err;
    orm_error_init(&err);
    f.md = orm_metadata_new();
    if (orm_metadata_add_table(f.md, "item", &f.t, &err) != ORM_OK) return -1;
    const orm_column cols[] = {
        {.name = "id", .type = {ORM_T_INTEGER}, .primary_key = 1},
        {.name = "name", .type = {ORM_T_STRING, 20}, .nullable = 1},
        {.name = "price", .type = {ORM_T_NUMERIC, 8, 2}, .nullable = 1},
        {.name = "ok", .type = {ORM_T_BOOLEAN}, .nullable = 1},
        {.name = "qty", .type = {ORM_T_BIGINT}, .nullable = 1},
    };
    for (size_t i = 0; i < sizeof cols / sizeof cols[0]; i++)
        if (orm_table_add_column(f.t, &cols[i], &err) != ORM_OK) return -1;
    *state = &f;
    return 0;
}

static int teardown(void **state)
{
    fx *f = *state;
    orm_metadata_free(f->md);
    return 0;
}

/* Expressions built in a test, released together at its end. */
static orm_expr *kept[64];
static int nkept;

static orm_expr *keep(orm_expr *e)
{
    assert_non_null(e);
    assert_true(nkept < 64);
    return kept[nkept++] = e;
}

static void release_kept(void)
{
    while (nkept > 0)
        orm_expr_release(kept[--nkept]);
}

static orm_type_kind kind(const orm_expr *e)
{
    const orm_type *t = orm_expr_type(e);
    return t ? t->kind : (orm_type_kind)-1;
}
#define UNKNOWN ((orm_type_kind)-1)

static void test_expr_type__of_each_kind(void **state)
{
    fx *f = *state;
    orm_expr *id = keep(orm_expr_column(f->t, C_ID)), *name = keep(orm_expr_column(f->t, C_NAME));
    orm_expr *price = keep(orm_expr_column(f->t, C_PRICE)), *ok = keep(orm_expr_column(f->t, C_OK));
    orm_expr *qty = keep(orm_expr_column(f->t, C_QTY));
    orm_value iv, rv, tv = {.type = ORM_V_TEXT, .borrowed = 1, .len = 1, .u.s = "x"};
    orm_value_int(&iv, 2);
    orm_value_real(&rv, 1.5);
    orm_expr *two = keep(orm_expr_bind(&iv)), *half = keep(orm_expr_bind(&rv));
    orm_expr *x = keep(orm_expr_bind(&tv));
    assert_int_equal(kind(name), ORM_T_STRING);
    assert_int_equal(kind(keep(orm_expr_label(price, "p"))), ORM_T_NUMERIC);
    assert_int_equal(kind(keep(orm_expr_order(qty, 1))), ORM_T_BIGINT);
    orm_type date = {.kind = ORM_T_DATE};
    assert_int_equal(kind(keep(orm_expr_cast(name, &date))), ORM_T_DATE);
    assert_int_equal(kind(keep(orm_expr_binary(ORM_OP_LE, id, two))), ORM_T_BOOLEAN);
    assert_int_equal(kind(keep(orm_expr_binary(ORM_OP_ISNOT, name, x))), ORM_T_BOOLEAN);
    assert_int_equal(kind(keep(orm_expr_binary(ORM_OP_CONCAT, id, x))), ORM_T_STRING);
    assert_int_equal(kind(keep(orm_expr_binary(ORM_OP_ADD, qty, two))), ORM_T_BIGINT);
    assert_int_equal(kind(keep(orm_expr_binary(ORM_OP_MUL, two, price))), ORM_T_NUMERIC);
    assert_int_equal(kind(keep(orm_expr_binary(ORM_OP_SUB, id, half))), UNKNOWN); /* a float */
    assert_int_equal(kind(keep(orm_expr_binary(ORM_OP_MUL, half, id))), UNKNOWN);
    assert_int_equal(kind(keep(orm_expr_binary(ORM_OP_ADD, name, x))), UNKNOWN);  /* text + */
    assert_int_equal(kind(keep(orm_expr_binary(ORM_OP_ADD, two, two))), UNKNOWN); /* no column */
    assert_int_equal(kind(keep(orm_expr_binary(ORM_OP_DIV, id, two))), UNKNOWN);
    assert_int_equal(kind(keep(orm_expr_unary(ORM_OP_NOT, ok))), ORM_T_BOOLEAN);
    assert_int_equal(kind(keep(orm_expr_unary(ORM_OP_NEG, price))), ORM_T_NUMERIC);
    orm_expr *both[] = {ok, ok};
    assert_int_equal(kind(keep(orm_expr_bool(ORM_OP_OR, both, 2))), ORM_T_BOOLEAN);
    assert_int_equal(kind(keep(orm_expr_in(id, &two, 1, 1))), ORM_T_BOOLEAN);
    assert_int_equal(kind(keep(orm_expr_between(id, two, two))), ORM_T_BOOLEAN);
    assert_int_equal(kind(keep(orm_expr_like(ORM_OP_ILIKE, name, x, '/'))), ORM_T_BOOLEAN);
    assert_int_equal(kind(keep(orm_expr_null())), UNKNOWN);
    assert_int_equal(kind(NULL), UNKNOWN);
    release_kept();
}

static void test_expr_type__of_functions(void **state)
{
    fx *f = *state;
    orm_expr *name = keep(orm_expr_column(f->t, C_NAME)), *ok = keep(orm_expr_column(f->t, C_OK));
    orm_expr *price = keep(orm_expr_column(f->t, C_PRICE));
    assert_int_equal(kind(keep(orm_expr_func("count", NULL, 0))), ORM_T_INTEGER);
    assert_int_equal(kind(keep(orm_expr_func("length", &name, 1))), ORM_T_INTEGER);
    assert_int_equal(kind(keep(orm_expr_func("upper", &name, 1))), ORM_T_STRING);
    assert_int_equal(kind(keep(orm_expr_func("group_concat", &price, 1))), ORM_T_STRING);
    assert_int_equal(kind(keep(orm_expr_func("max", &price, 1))), ORM_T_NUMERIC);
    assert_int_equal(kind(keep(orm_expr_func("coalesce", &name, 1))), ORM_T_STRING);
    assert_int_equal(kind(keep(orm_expr_func("sum", &ok, 1))), ORM_T_INTEGER); /* counts them */
    assert_int_equal(kind(keep(orm_expr_func("total", &ok, 1))), ORM_T_INTEGER);
    assert_int_equal(kind(keep(orm_expr_func("max", &ok, 1))), ORM_T_BOOLEAN);
    assert_int_equal(kind(keep(orm_expr_func("sum", &price, 1))), ORM_T_NUMERIC);
    assert_int_equal(kind(keep(orm_expr_func("max", NULL, 0))), UNKNOWN);
    assert_int_equal(kind(keep(orm_expr_func("random", NULL, 0))), UNKNOWN);
    /* CASE: the type of the first THEN, with or without a value */
    orm_value one;
    orm_value_int(&one, 1);
    orm_expr *b1 = keep(orm_expr_bind(&one));
    orm_expr *whens[] = {ok, price};
    assert_int_equal(kind(keep(orm_expr_case(NULL, whens, 1, NULL))), ORM_T_NUMERIC);
    orm_expr *vwhens[] = {b1, name};
    assert_int_equal(kind(keep(orm_expr_case(price, vwhens, 1, b1))), ORM_T_STRING);
    release_kept();
}

static void test_expr_type__of_subqueries_and_derived_tables(void **state)
{
    fx *f = *state;
    orm_expr *price = keep(orm_expr_column(f->t, C_PRICE)), *id = keep(orm_expr_column(f->t, C_ID));
    orm_expr *sum = keep(orm_expr_func("sum", &price, 1));
    orm_expr *lbl = keep(orm_expr_label(sum, "total"));
    orm_select *s = orm_select_new();
    assert_int_equal(orm_select_add_column(s, lbl), ORM_OK);
    assert_int_equal(kind(keep(orm_expr_select(s, 0))), ORM_T_NUMERIC);
    assert_int_equal(kind(keep(orm_expr_select(s, 1))), ORM_T_BOOLEAN); /* EXISTS */
    /* a derived table: id, total, then two unnamed columns */
    orm_value v;
    orm_value_int(&v, 3);
    orm_expr *three = keep(orm_expr_bind(&v));
    assert_int_equal(orm_select_add_column(s, id), ORM_OK);
    assert_int_equal(orm_select_add_column(s, three), ORM_OK);
    assert_int_equal(orm_select_add_column(s, three), ORM_OK);
    assert_int_equal(kind(keep(orm_expr_select(s, 0))), UNKNOWN); /* not one column */
    orm_from *d = orm_from_subquery(s, "d");
    assert_non_null(d);
    orm_select_free(s);
    assert_int_equal(d->nnames, 4);
    assert_string_equal(d->names[0], "total");
    assert_string_equal(d->names[1], "id");
    assert_string_equal(d->names[2], "anon");
    assert_int_not_equal(strcmp(d->names[3], "anon"), 0); /* made distinct */
    assert_int_equal(orm_from_column_index(d, "id"), 1);
    assert_int_equal(orm_from_column_index(d, "nope"), -1);
    assert_int_equal(orm_from_column_index(d, NULL), -1);
    assert_int_equal(orm_from_column_index(NULL, "id"), -1);
    assert_int_equal(kind(keep(orm_expr_subcolumn(d, 0))), ORM_T_NUMERIC);
    assert_int_equal(kind(keep(orm_expr_subcolumn(d, 1))), ORM_T_INTEGER);
    assert_int_equal(kind(keep(orm_expr_subcolumn(d, 2))), UNKNOWN);
    assert_null(orm_expr_subcolumn(d, 4));
    assert_null(orm_expr_subcolumn(d, -1));
    assert_null(orm_expr_alias_column(d, 0)); /* not an alias of a table */
    orm_from *a = orm_from_alias(f->t, NULL);
    assert_int_equal(kind(keep(orm_expr_alias_column(a, C_NAME))), ORM_T_STRING);
    assert_null(orm_expr_alias_column(a, 99));
    assert_null(orm_expr_subcolumn(a, 0)); /* not a derived table */
    orm_from_release(a);
    orm_from_release(d);
    release_kept();
}

static void test_expr_type__constructors_refuse_what_they_cannot_use(void **state)
{
    fx *f = *state;
    orm_expr *id = keep(orm_expr_column(f->t, C_ID));
    assert_null(orm_expr_column(NULL, 0));
    assert_null(orm_expr_column(f->t, -1));
    assert_null(orm_expr_column(f->t, 5));
    assert_null(orm_expr_binary(ORM_OP_EQ, id, NULL));
    assert_null(orm_expr_unary(ORM_OP_NOT, NULL));
    assert_null(orm_expr_bool(ORM_OP_ADD, &id, 1)); /* not AND/OR */
    assert_null(orm_expr_bool(ORM_OP_AND, &id, -1));
    assert_null(orm_expr_like(ORM_OP_EQ, id, id, 0));
    assert_null(orm_expr_in(NULL, &id, 1, 0));
    assert_null(orm_expr_in(id, &id, -1, 0));
    orm_expr *none[] = {id, NULL};
    assert_null(orm_expr_in(id, none, 2, 0));
    assert_null(orm_expr_match(NULL, "x", 1, ORM_MATCH_CONTAINS));
    assert_null(orm_expr_match(id, NULL, 3, ORM_MATCH_CONTAINS));
    assert_null(orm_expr_cast(id, NULL));
    assert_null(orm_expr_func(NULL, &id, 1));
    assert_null(orm_expr_label(id, NULL));
    assert_null(orm_from_alias(NULL, "x"));
    orm_select *empty = orm_select_new();
    assert_null(orm_expr_select(empty, 0));
    assert_null(orm_expr_select(NULL, 1));
    assert_null(orm_from_subquery(empty, "e"));
    assert_null(orm_from_subquery(NULL, "e"));
    assert_int_equal(orm_select_add_join(empty, NULL, NULL, 0), ORM_EMISUSE);
    assert_int_equal(orm_select_add_join_from(empty, NULL, NULL, 0), ORM_EMISUSE);
    assert_int_equal(orm_select_add_from(empty, NULL), ORM_EMISUSE);
    assert_int_equal(orm_select_add_alias_columns(empty, NULL), ORM_EMISUSE);
    assert_int_equal(orm_select_depth(NULL), 0);
    assert_int_equal(empty->ncolumns, 0);
    orm_select_free(empty);
    assert_int_equal(id->refs, 1); /* nothing kept a reference */
    release_kept();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_expr_type__of_each_kind, setup, teardown),
        cmocka_unit_test_setup_teardown(test_expr_type__of_functions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_expr_type__of_subqueries_and_derived_tables, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_expr_type__constructors_refuse_what_they_cannot_use,
                                        setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
