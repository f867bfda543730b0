/* fuzz_expr.c — libFuzzer target: the expression compiler (core/compile*.c)
 * on expression trees the input describes, compiled for the three dialects,
 * as a WHERE of a SELECT, as a subquery and alone. The input is a program
 * for a small stack machine: each byte an instruction (push a column, a
 * bound value, NULL, text; combine the top of the stack with an operator,
 * a function, IN, BETWEEN, LIKE, CASE, CAST, a label, a subquery). Trees of
 * any shape and depth: too deep must fail cleanly, never crash. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "compile.h"

#define STACK 64

static orm_metadata *md;
static orm_table *tbl;

static void setup(void)
{
    orm_error err;
    orm_error_init(&err);
    md = orm_metadata_new();
    orm_metadata_add_table(md, "author", &tbl, &err);
    static const struct {
        const char *name;
        orm_type_kind kind;
    } cols[] = {
        {"id", ORM_T_INTEGER}, {"name", ORM_T_STRING},      {"score", ORM_T_FLOAT},
        {"ok", ORM_T_BOOLEAN}, {"we\"ird col", ORM_T_TEXT}, {"data", ORM_T_BINARY},
    };
    for (size_t i = 0; i < sizeof cols / sizeof cols[0]; i++) {
        orm_column c = {.name = (char *)cols[i].name,
                        .type = {.kind = cols[i].kind, .length = 20},
                        .primary_key = i == 0,
                        .nullable = i != 0};
        orm_table_add_column(tbl, &c, &err);
    }
    orm_error_clear(&err);
}

static void compile_all(orm_expr *e)
{
    static const orm_dialect *const dialects[] = {&orm_dialect_sqlite, &orm_dialect_pg,
                                                  &orm_dialect_mysql};
    for (size_t i = 0; i < 3; i++) {
        orm_compiled c;
        orm_error err;
        orm_compiled_init(&c);
        orm_error_init(&err);
        orm_compile_expr(dialects[i], e, &c, &err);
        orm_compiled_free(&c);
        orm_error_clear(&err);
        orm_select *s = orm_select_new();
        if (s && orm_select_add_table_columns(s, tbl) == ORM_OK &&
            orm_select_add_where(s, e) == ORM_OK) {
            orm_compiled_init(&c);
            orm_compile_select(dialects[i], s, &c, &err);
            orm_compiled_free(&c);
            orm_error_clear(&err);
            orm_compiled_init(&c);
            orm_compile_count(dialects[i], s, &c, &err);
            orm_compiled_free(&c);
            orm_error_clear(&err);
        }
        orm_select_free(s);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!md) setup();
    orm_expr *st[STACK];
    int n = 0, compiles = 0;
    static const orm_op binops[] = {ORM_OP_EQ,  ORM_OP_NE,  ORM_OP_LT,    ORM_OP_LE,    ORM_OP_GT,
                                    ORM_OP_GE,  ORM_OP_IS,  ORM_OP_ISNOT, ORM_OP_ADD,   ORM_OP_SUB,
                                    ORM_OP_MUL, ORM_OP_DIV, ORM_OP_MOD,   ORM_OP_CONCAT};
    static const char *const funcs[] = {"lower", "count", "coalesce", "max", "sum", "bad name"};
    for (size_t i = 0; i < size; i++) {
        uint8_t b = data[i], arg = i + 1 < size ? data[i + 1] : 0;
        orm_expr *x = NULL;
        int pop = 0;
        switch (b % 16) {
        case 0:
            x = orm_expr_column(tbl, arg % tbl->ncols);
            i++;
            break;
        case 1: {
            orm_value v;
            orm_value_int(&v, (int64_t)arg - 128);
            x = orm_expr_bind(&v);
            i++;
            break;
        }
        case 2: {
            orm_value v = {.type = ORM_V_TEXT, .len = arg % 8};
            v.u.s = (char *)(data + i);
            if (i + v.len <= size) x = orm_expr_bind(&v);
            i++;
            break;
        }
        case 3:
            x = orm_expr_null();
            break;
        case 4:
            if (n >= 2) {
                x = orm_expr_binary(binops[arg % 14], st[n - 2], st[n - 1]);
                pop = 2;
                i++;
            }
            break;
        case 5:
            if (n >= 1) {
                x = orm_expr_unary(arg % 2 ? ORM_OP_NOT : ORM_OP_NEG, st[n - 1]);
                pop = 1;
                i++;
            }
            break;
        case 6:
            if (n >= 1) {
                int k = 1 + arg % (n < 4 ? n : 4);
                x = orm_expr_bool(arg & 0x80 ? ORM_OP_OR : ORM_OP_AND, st + n - k, k);
                pop = k;
                i++;
            }
            break;
        case 7: {
            int k = n < 3 ? n : arg % 4 % (n + 1);
            x = orm_expr_func(funcs[arg % 6], st + n - k, k);
            pop = k;
            i++;
            break;
        }
        case 8:
            if (n >= 2) {
                int k = 1 + arg % (n - 1 < 4 ? n - 1 : 4);
                x = orm_expr_in(st[n - k - 1], st + n - k, k, arg & 0x80);
                pop = k + 1;
                i++;
            }
            break;
        case 9:
            if (n >= 3) {
                x = orm_expr_between(st[n - 3], st[n - 2], st[n - 1]);
                pop = 3;
            }
            break;
        case 10:
            if (n >= 2) {
                x = orm_expr_like(arg % 2 ? ORM_OP_ILIKE : ORM_OP_LIKE, st[n - 2], st[n - 1],
                                  (char)(arg / 2 % 3 ? '\\' : 0));
                pop = 2;
                i++;
            }
            break;
        case 11:
            if (n >= 2) {
                int pairs = n / 2 < 2 ? n / 2 : 2;
                x = orm_expr_case(NULL, st + n - 2 * pairs, pairs, NULL);
                pop = 2 * pairs;
            }
            break;
        case 12:
            if (n >= 1) {
                orm_type t = {.kind = (orm_type_kind)(arg % (ORM_T_JSON + 1)), .length = 10};
                x = orm_expr_cast(st[n - 1], &t);
                pop = 1;
                i++;
            }
            break;
        case 13:
            if (n >= 1) {
                x = orm_expr_label(st[n - 1], arg % 2 ? "lbl" : "l\"x");
                pop = 1;
                i++;
            }
            break;
        case 14:
            if (n >= 1) {
                orm_select *s = orm_select_new();
                if (s && orm_select_add_column(s, st[n - 1]) == ORM_OK &&
                    orm_select_add_table_columns(s, tbl) == ORM_OK)
                    x = orm_expr_select(s, arg % 2);
                orm_select_free(s);
                pop = 1;
                i++;
            }
            break;
        case 15:
            /* a few compiles per input: compiling a growing tree after every
             * byte made long runs quadratic (5 inputs/s after an hour) */
            if (n >= 1 && compiles++ < 8) compile_all(st[n - 1]);
            break;
        }
        if (!x) continue;
        for (int k = 0; k < pop; k++)
            orm_expr_release(st[--n]);
        if (n == STACK) orm_expr_release(st[--n]);
        st[n++] = x;
    }
    if (n > 0) compile_all(st[n - 1]);
    while (n > 0)
        orm_expr_release(st[--n]);
    return 0;
}
