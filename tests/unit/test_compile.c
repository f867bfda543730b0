/* test_compile.c — the SQL text and bound values of every expression kind,
 * SELECT / count / unit-of-work statements and db.text, on the SQLite
 * dialect: SQLAlchemy's spelling, its parentheses, quoting of identifiers,
 * and no value ever reaching the SQL text. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compile.h"

static const orm_dialect *D = &orm_dialect_sqlite;
static orm_metadata *md;
static orm_table *author, *book, *user;

/* ---- fixtures ---------------------------------------------------------- */

static void add(orm_table *t, const char *name, orm_type_kind kind, int pk, orm_fkey *fk)
{
    orm_column c = {.name = (char *)name,
                    .type = {.kind = kind, .length = 30},
                    .primary_key = pk,
                    .nullable = 1,
                    .autoincrement = 1,
                    .fk = fk};
    orm_error err;
    orm_error_init(&err);
    assert_int_equal(orm_table_add_column(t, &c, &err), 0);
}

static int setup(void **state)
{
    (void)state;
    orm_error err;
    orm_error_init(&err);
    md = orm_metadata_new();
    orm_fkey to_author = {.table = "author", .column = "id"};
    assert_int_equal(orm_metadata_add_table(md, "author", &author, &err), 0);
    add(author, "id", ORM_T_INTEGER, 1, NULL);
    add(author, "name", ORM_T_STRING, 0, NULL);
    add(author, "email", ORM_T_STRING, 0, NULL);
    assert_int_equal(orm_metadata_add_table(md, "book", &book, &err), 0);
    add(book, "id", ORM_T_INTEGER, 1, NULL);
    add(book, "name", ORM_T_STRING, 0, NULL);
    add(book, "author_id", ORM_T_INTEGER, 0, &to_author);
    /* names that need quoting: a reserved word, capitals, a space, a quote */
    assert_int_equal(orm_metadata_add_table(md, "user", &user, &err), 0);
    add(user, "id", ORM_T_INTEGER, 1, NULL);
    add(user, "Order", ORM_T_INTEGER, 0, NULL);
    add(user, "full name", ORM_T_STRING, 0, NULL);
    add(user, "we\"ird", ORM_T_STRING, 0, NULL);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    orm_metadata_free(md);
    return 0;
}

static orm_expr *C(orm_table *t, const char *name)
{
    return orm_expr_column(t, orm_table_column_index(t, name, strlen(name)));
}

static orm_expr *I(int64_t i)
{
    orm_value v;
    orm_value_int(&v, i);
    return orm_expr_bind(&v);
}

static orm_expr *S(const char *s)
{
    orm_value v = ORM_VALUE_NULL;
    assert_int_equal(orm_value_set_text(&v, s, strlen(s)), 0);
    orm_expr *e = orm_expr_bind(&v);
    orm_value_clear(&v);
    return e;
}

/* Builders that take ownership of their arguments, so trees read inline. */
static orm_expr *BIN(orm_op op, orm_expr *l, orm_expr *r)
{
    orm_expr *e = orm_expr_binary(op, l, r);
    orm_expr_release(l);
    orm_expr_release(r);
    return e;
}

static orm_expr *UN(orm_op op, orm_expr *x)
{
    orm_expr *e = orm_expr_unary(op, x);
    orm_expr_release(x);
    return e;
}

static orm_expr *BOOL2(orm_op op, orm_expr *a, orm_expr *b)
{
    orm_expr *v[2] = {a, b};
    orm_expr *e = orm_expr_bool(op, v, 2);
    orm_expr_release(a);
    orm_expr_release(b);
    return e;
}

static orm_expr *FN(const char *name, orm_expr *arg)
{
    orm_expr *e = orm_expr_func(name, &arg, arg ? 1 : 0);
    orm_expr_release(arg);
    return e;
}

static orm_expr *LABEL(orm_expr *x, const char *name)
{
    orm_expr *e = orm_expr_label(x, name);
    orm_expr_release(x);
    return e;
}

static orm_expr *ORDER(orm_expr *x, int desc)
{
    orm_expr *e = orm_expr_order(x, desc);
    orm_expr_release(x);
    return e;
}

static orm_expr *MATCH(orm_expr *x, const char *text, orm_match how)
{
    orm_expr *e = orm_expr_match(x, text, strlen(text), how);
    orm_expr_release(x);
    return e;
}

/* The params as text: values raw, separated by " | ". */
static void params_text(const orm_compiled *c, char *buf, size_t n)
{
    buf[0] = '\0';
    for (size_t i = 0; i < c->nparams; i++) {
        const orm_value *v = c->params[i];
        size_t len = strlen(buf);
        const char *sep = i ? " | " : "";
        if (v->type == ORM_V_INT)
            snprintf(buf + len, n - len, "%s%lld", sep, (long long)v->u.i);
        else if (v->type == ORM_V_TEXT)
            snprintf(buf + len, n - len, "%s%s", sep, v->u.s);
        else
            snprintf(buf + len, n - len, "%s<type %d>", sep, (int)v->type);
    }
}

static void check_compiled(const orm_compiled *c, const char *sql, const char *params)
{
    char buf[512];
    assert_string_equal(orm_buf_str(&c->sql), sql);
    params_text(c, buf, sizeof buf);
    assert_string_equal(buf, params);
}

/* Compiles e (released afterwards) and compares SQL and params. */
static void check_expr(orm_expr *e, const char *sql, const char *params)
{
    assert_non_null(e);
    orm_compiled c;
    orm_compiled_init(&c);
    orm_error err;
    orm_error_init(&err);
    assert_int_equal(orm_compile_expr(D, e, &c, &err), 0);
    check_compiled(&c, sql, params);
    orm_compiled_free(&c);
    orm_expr_release(e);
}

static void check_select(orm_select *s, const char *sql, const char *params)
{
    orm_compiled c;
    orm_compiled_init(&c);
    orm_error err;
    orm_error_init(&err);
    assert_int_equal(orm_compile_select(D, s, &c, &err), 0);
    check_compiled(&c, sql, params);
    orm_compiled_free(&c);
    orm_select_free(s);
}

/* ---- expressions ------------------------------------------------------- */

static void test_compile__columns_are_table_qualified(void **state)
{
    (void)state;
    check_expr(C(author, "email"), "author.email", "");
    check_expr(C(user, "Order"), "\"user\".\"Order\"", "");
    check_expr(C(user, "full name"), "\"user\".\"full name\"", "");
    check_expr(C(user, "we\"ird"), "\"user\".\"we\"\"ird\"", "");
}

static void test_compile__comparisons_bind_their_values(void **state)
{
    (void)state;
    check_expr(BIN(ORM_OP_EQ, C(author, "name"), S("Umang")), "author.name = ?", "Umang");
    check_expr(BIN(ORM_OP_NE, C(author, "id"), I(1)), "author.id != ?", "1");
    check_expr(BIN(ORM_OP_LT, C(author, "id"), I(2)), "author.id < ?", "2");
    check_expr(BIN(ORM_OP_LE, C(author, "id"), I(3)), "author.id <= ?", "3");
    check_expr(BIN(ORM_OP_GT, C(author, "id"), I(4)), "author.id > ?", "4");
    check_expr(BIN(ORM_OP_GE, C(author, "id"), I(5)), "author.id >= ?", "5");
    check_expr(BIN(ORM_OP_EQ, C(book, "author_id"), C(author, "id")), "book.author_id = author.id",
               "");
}

static void test_compile__null_comparisons_use_is(void **state)
{
    (void)state;
    check_expr(BIN(ORM_OP_IS, C(author, "name"), orm_expr_null()), "author.name IS NULL", "");
    check_expr(BIN(ORM_OP_ISNOT, C(author, "name"), orm_expr_null()), "author.name IS NOT NULL",
               "");
    check_expr(BIN(ORM_OP_EQ, C(author, "name"), orm_expr_null()), "author.name IS NULL", "");
    check_expr(BIN(ORM_OP_NE, C(author, "name"), orm_expr_bind(&ORM_VALUE_NULL)),
               "author.name IS NOT NULL", "");
    check_expr(orm_expr_null(), "NULL", "");
}

static void test_compile__arithmetic_and_concatenation(void **state)
{
    (void)state;
    check_expr(BIN(ORM_OP_ADD, C(author, "id"), I(1)), "author.id + ?", "1");
    check_expr(BIN(ORM_OP_SUB, C(author, "id"), I(1)), "author.id - ?", "1");
    check_expr(BIN(ORM_OP_MUL, C(author, "id"), I(2)), "author.id * ?", "2");
    check_expr(BIN(ORM_OP_DIV, C(author, "id"), I(2)), "author.id / ?", "2");
    check_expr(BIN(ORM_OP_MOD, C(author, "id"), I(2)), "author.id % ?", "2");
    check_expr(BIN(ORM_OP_CONCAT, C(author, "name"), S("!")), "author.name || ?", "!");
}

static void test_compile__or_inside_and_is_parenthesised(void **state)
{
    (void)state;
    orm_expr *either = BOOL2(ORM_OP_OR, BIN(ORM_OP_EQ, C(author, "id"), I(1)),
                             BIN(ORM_OP_EQ, C(author, "name"), S("a")));
    check_expr(BOOL2(ORM_OP_AND, either, BIN(ORM_OP_EQ, C(author, "email"), S("e"))),
               "(author.id = ? OR author.name = ?) AND author.email = ?", "1 | a | e");
    orm_expr *both = BOOL2(ORM_OP_AND, BIN(ORM_OP_EQ, C(author, "id"), I(1)),
                           BIN(ORM_OP_EQ, C(author, "name"), S("a")));
    check_expr(BOOL2(ORM_OP_OR, both, BIN(ORM_OP_EQ, C(author, "email"), S("e"))),
               "author.id = ? AND author.name = ? OR author.email = ?", "1 | a | e");
    orm_expr *inner = BOOL2(ORM_OP_AND, BIN(ORM_OP_GT, C(author, "id"), I(1)),
                            BIN(ORM_OP_LT, C(author, "id"), I(9)));
    check_expr(BOOL2(ORM_OP_AND, inner, BIN(ORM_OP_NE, C(author, "id"), I(5))),
               "author.id > ? AND author.id < ? AND author.id != ?", "1 | 9 | 5");
}

static void test_compile__bool_of_one_or_none(void **state)
{
    (void)state;
    orm_expr *one = BIN(ORM_OP_EQ, C(author, "id"), I(1));
    orm_expr *single = orm_expr_bool(ORM_OP_OR, &one, 1);
    orm_expr_release(one);
    check_expr(BOOL2(ORM_OP_AND, single, BIN(ORM_OP_EQ, C(author, "id"), I(2))),
               "author.id = ? AND author.id = ?", "1 | 2");
    check_expr(orm_expr_bool(ORM_OP_AND, NULL, 0), "1 = 1", "");
    check_expr(orm_expr_bool(ORM_OP_OR, NULL, 0), "1 != 1", "");
}

static void test_compile__arithmetic_precedence_matches_sqlalchemy(void **state)
{
    (void)state;
    check_expr(BIN(ORM_OP_EQ, BIN(ORM_OP_ADD, C(author, "id"), I(1)), I(5)), "author.id + ? = ?",
               "1 | 5");
    check_expr(BIN(ORM_OP_MUL, BIN(ORM_OP_ADD, C(author, "id"), I(1)), I(2)), "(author.id + ?) * ?",
               "1 | 2");
    check_expr(BIN(ORM_OP_ADD, BIN(ORM_OP_MUL, C(author, "id"), I(3)), I(2)), "author.id * ? + ?",
               "3 | 2");
    check_expr(BIN(ORM_OP_ADD, BIN(ORM_OP_ADD, C(author, "id"), I(1)), I(2)), "author.id + ? + ?",
               "1 | 2");
    check_expr(BIN(ORM_OP_SUB, C(author, "id"), BIN(ORM_OP_SUB, C(author, "id"), I(1))),
               "author.id - (author.id - ?)", "1");
    check_expr(BIN(ORM_OP_EQ, BIN(ORM_OP_CONCAT, C(author, "name"), S("!")), S("x!")),
               "(author.name || ?) = ?", "! | x!");
    check_expr(
        BIN(ORM_OP_CONCAT, BIN(ORM_OP_CONCAT, C(author, "name"), S(" ")), C(author, "email")),
        "author.name || ? || author.email", " ");
}

static void test_compile__not_and_negation(void **state)
{
    (void)state;
    check_expr(UN(ORM_OP_NOT, BIN(ORM_OP_EQ, C(author, "id"), I(1))), "NOT (author.id = ?)", "1");
    check_expr(UN(ORM_OP_NOT, BOOL2(ORM_OP_AND, BIN(ORM_OP_EQ, C(author, "id"), I(1)),
                                    BIN(ORM_OP_EQ, C(author, "name"), S("a")))),
               "NOT (author.id = ? AND author.name = ?)", "1 | a");
    check_expr(UN(ORM_OP_NOT, C(author, "name")), "NOT author.name", "");
    check_expr(UN(ORM_OP_NEG, C(author, "id")), "-author.id", "");
    check_expr(UN(ORM_OP_NEG, BIN(ORM_OP_ADD, C(author, "id"), I(1))), "-(author.id + ?)", "1");
    /* never "--", which would start a comment */
    check_expr(UN(ORM_OP_NEG, UN(ORM_OP_NEG, C(author, "id"))), "-(-author.id)", "");
}

static void test_compile__functions(void **state)
{
    (void)state;
    check_expr(FN("count", C(author, "id")), "count(author.id)", "");
    check_expr(FN("lower", C(author, "name")), "lower(author.name)", "");
    check_expr(FN("count", orm_expr_star()), "count(*)", "");
    check_expr(FN("now", NULL), "now()", "");
    orm_expr *args[2] = {C(author, "name"), S("?")};
    orm_expr *e = orm_expr_func("coalesce", args, 2);
    orm_expr_release(args[0]);
    orm_expr_release(args[1]);
    check_expr(e, "coalesce(author.name, ?)", "?");
    check_expr(FN("abs", BIN(ORM_OP_SUB, C(author, "id"), I(3))), "abs(author.id - ?)", "3");
}

static void test_compile__function_name_cannot_inject(void **state)
{
    (void)state;
    const char *bad[] = {"count(*) FROM author; --", "lo wer", "1abc", "", "a.b"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        orm_expr *e = FN(bad[i], C(author, "id"));
        orm_compiled c;
        orm_compiled_init(&c);
        orm_error err;
        orm_error_init(&err);
        assert_int_equal(orm_compile_expr(D, e, &c, &err), ORM_EFAIL);
        assert_int_equal(err.cls, ORM_ERR_PROGRAMMING);
        assert_non_null(strstr(err.message, "invalid SQL function name"));
        orm_error_clear(&err);
        orm_compiled_free(&c);
        orm_expr_release(e);
    }
}

static orm_expr *IN3(int negate, int n)
{
    orm_expr *list[3] = {I(1), I(2), I(3)};
    orm_expr *col = C(author, "id");
    orm_expr *e = orm_expr_in(col, list, n, negate);
    orm_expr_release(col);
    for (int i = 0; i < 3; i++)
        orm_expr_release(list[i]);
    return e;
}

static void test_compile__in_lists(void **state)
{
    (void)state;
    check_expr(IN3(0, 3), "author.id IN (?, ?, ?)", "1 | 2 | 3");
    check_expr(IN3(1, 2), "author.id NOT IN (?, ?)", "1 | 2");
    check_expr(IN3(0, 0), "1 != 1", "");
    check_expr(IN3(1, 0), "1 = 1", "");
    check_expr(BOOL2(ORM_OP_AND, IN3(0, 1), BIN(ORM_OP_EQ, C(author, "name"), S("x"))),
               "author.id IN (?) AND author.name = ?", "1 | x");
}

static void test_compile__between(void **state)
{
    (void)state;
    orm_expr *col = C(author, "id"), *lo = I(1), *hi = I(10);
    orm_expr *e = orm_expr_between(col, lo, hi);
    orm_expr_release(col);
    orm_expr_release(lo);
    orm_expr_release(hi);
    check_expr(e, "author.id BETWEEN ? AND ?", "1 | 10");
}

/* Dates kept as text (SQLite) compare through julianday() on both sides,
 * for =, <, ..., BETWEEN and IN lists; IS NULL and IN (SELECT) stay plain,
 * and so does every comparison on a dialect with real date types. */
static void test_compile__dates_compare_as_instants(void **state)
{
    (void)state;
    orm_error err;
    orm_error_init(&err);
    orm_metadata *m = orm_metadata_new();
    orm_table *inv;
    assert_int_equal(orm_metadata_add_table(m, "invoice", &inv, &err), 0);
    add(inv, "id", ORM_T_INTEGER, 1, NULL);
    add(inv, "issued", ORM_T_DATETIME, 0, NULL);
    add(inv, "due", ORM_T_DATE, 0, NULL);
    check_expr(BIN(ORM_OP_GE, C(inv, "issued"), S("2024-01-01 00:00:00")),
               "julianday(invoice.issued) >= julianday(?)", "2024-01-01 00:00:00");
    check_expr(BIN(ORM_OP_LT, C(inv, "issued"), C(inv, "due")),
               "julianday(invoice.issued) < julianday(invoice.due)", "");
    check_expr(BIN(ORM_OP_EQ, C(inv, "issued"), orm_expr_null()), "invoice.issued IS NULL", "");
    check_expr(BIN(ORM_OP_EQ, C(inv, "id"), I(1)), "invoice.id = ?", "1");
    orm_expr *col = C(inv, "due"), *lo = S("2024-01-01"), *hi = S("2024-02-01");
    orm_expr *e = orm_expr_between(col, lo, hi);
    check_expr(e, "julianday(invoice.due) BETWEEN julianday(?) AND julianday(?)",
               "2024-01-01 | 2024-02-01");
    orm_expr *list[2] = {lo, hi};
    e = orm_expr_in(col, list, 2, 1);
    check_expr(e, "julianday(invoice.due) NOT IN (julianday(?), julianday(?))",
               "2024-01-01 | 2024-02-01");
    /* PostgreSQL compares its DATE/TIMESTAMP values as instants itself */
    e = orm_expr_between(col, lo, hi);
    orm_compiled c;
    orm_compiled_init(&c);
    assert_int_equal(orm_compile_expr(&orm_dialect_pg, e, &c, &err), 0);
    assert_string_equal(orm_buf_str(&c.sql), "invoice.due BETWEEN $1 AND $2");
    orm_compiled_free(&c);
    orm_expr_release(e);
    orm_expr_release(col);
    orm_expr_release(lo);
    orm_expr_release(hi);
    orm_metadata_free(m);
}

static orm_expr *LIKE(orm_op op, orm_expr *x, orm_expr *pat, char esc)
{
    orm_expr *e = orm_expr_like(op, x, pat, esc);
    orm_expr_release(x);
    orm_expr_release(pat);
    return e;
}

static void test_compile__like_and_ilike(void **state)
{
    (void)state;
    check_expr(LIKE(ORM_OP_LIKE, C(author, "name"), S("U%"), 0), "author.name LIKE ?", "U%");
    check_expr(LIKE(ORM_OP_LIKE, C(author, "name"), S("U/%"), '/'), "author.name LIKE ? ESCAPE '/'",
               "U/%");
    check_expr(LIKE(ORM_OP_ILIKE, C(author, "name"), S("u%"), 0),
               "lower(author.name) LIKE lower(?)", "u%");
    check_expr(LIKE(ORM_OP_ILIKE, C(author, "name"), S("u%"), '/'),
               "lower(author.name) LIKE lower(?) ESCAPE '/'", "u%");
    check_expr(LIKE(ORM_OP_LIKE, C(author, "name"), S("x"), '\''), "author.name LIKE ? ESCAPE ''''",
               "x");
}

static void test_compile__contains_escapes_wildcards(void **state)
{
    (void)state;
    check_expr(MATCH(C(author, "name"), "50%", ORM_MATCH_CONTAINS), "author.name LIKE ? ESCAPE '/'",
               "%50/%%");
    check_expr(MATCH(C(author, "name"), "a_b/", ORM_MATCH_STARTS), "author.name LIKE ? ESCAPE '/'",
               "a/_b//%");
    check_expr(MATCH(C(author, "email"), "example.com", ORM_MATCH_ENDS),
               "author.email LIKE ? ESCAPE '/'", "%example.com");
    check_expr(MATCH(C(author, "email"), "", ORM_MATCH_CONTAINS), "author.email LIKE ? ESCAPE '/'",
               "%%");
}

static void test_compile__labels_order_text_star(void **state)
{
    (void)state;
    /* outside a select list a label is its element */
    check_expr(LABEL(FN("count", C(author, "id")), "n"), "count(author.id)", "");
    check_expr(ORDER(C(author, "name"), 0), "author.name ASC", "");
    check_expr(ORDER(C(author, "name"), 1), "author.name DESC", "");
    check_expr(orm_expr_text("id > 3 OR name = 'x'"), "id > 3 OR name = 'x'", "");
    check_expr(orm_expr_star(), "*", "");
    /* raw text keeps its meaning inside an operator */
    check_expr(
        BOOL2(ORM_OP_AND, orm_expr_text("a = 1 OR b = 2"), BIN(ORM_OP_EQ, C(author, "id"), I(1))),
        "(a = 1 OR b = 2) AND author.id = ?", "1");
}

static orm_select *select_of(orm_table *t)
{
    orm_select *s = orm_select_new();
    assert_non_null(s);
    assert_int_equal(orm_select_add_table_columns(s, t), 0);
    return s;
}

static void where(orm_select *s, orm_expr *e)
{
    assert_int_equal(orm_select_add_where(s, e), 0);
    orm_expr_release(e);
}

/* ---- injection ----------------------------------------------------------- */

static void test_compile__values_never_reach_the_sql(void **state)
{
    (void)state;
    const char *evil[] = {"x'); DROP TABLE author; --", "\" OR 1=1 --", "50% _off_ :name",
                          "/* c */ :id \\: ?", "a'' OR ''='"};
    for (size_t i = 0; i < sizeof evil / sizeof evil[0]; i++) {
        check_expr(BIN(ORM_OP_EQ, C(author, "name"), S(evil[i])), "author.name = ?", evil[i]);
        orm_select *s = select_of(author);
        where(s, MATCH(C(author, "name"), evil[i], ORM_MATCH_STARTS));
        orm_compiled c;
        orm_compiled_init(&c);
        orm_error err;
        orm_error_init(&err);
        assert_int_equal(orm_compile_select(D, s, &c, &err), 0);
        assert_string_equal(orm_buf_str(&c.sql), "SELECT author.id, author.name, author.email "
                                                 "FROM author WHERE author.name LIKE ? "
                                                 "ESCAPE '/'");
        assert_int_equal(c.nparams, 1);
        orm_compiled_free(&c);
        orm_select_free(s);
    }
    check_expr(MATCH(C(author, "name"), "50% _off_ :name --", ORM_MATCH_CONTAINS),
               "author.name LIKE ? ESCAPE '/'", "%50/% /_off/_ :name --%");
}

static void test_compile__label_names_are_quoted(void **state)
{
    (void)state;
    orm_select *s = orm_select_new();
    orm_expr *l = LABEL(FN("count", C(author, "id")), "Total Count");
    orm_expr *o = ORDER(orm_expr_retain(l), 1);
    assert_int_equal(orm_select_add_column(s, l), 0);
    assert_int_equal(orm_select_add_order(s, o), 0);
    orm_expr_release(l);
    orm_expr_release(o);
    check_select(s,
                 "SELECT count(author.id) AS \"Total Count\" FROM author "
                 "ORDER BY \"Total Count\" DESC",
                 "");
}

/* ---- SELECT --------------------------------------------------------------- */

static void test_compile__select_all_columns(void **state)
{
    (void)state;
    check_select(select_of(author), "SELECT author.id, author.name, author.email FROM author", "");
    check_select(select_of(user),
                 "SELECT \"user\".id, \"user\".\"Order\", \"user\".\"full name\", "
                 "\"user\".\"we\"\"ird\" FROM \"user\"",
                 "");
}

static void test_compile__select_where_order_limit_offset(void **state)
{
    (void)state;
    orm_select *s = select_of(author);
    where(s, MATCH(C(author, "email"), "example.com", ORM_MATCH_CONTAINS));
    where(s, BIN(ORM_OP_GT, C(author, "id"), I(1)));
    orm_expr *o = ORDER(C(author, "name"), 1);
    assert_int_equal(orm_select_add_order(s, o), 0);
    orm_expr_release(o);
    o = C(author, "id");
    assert_int_equal(orm_select_add_order(s, o), 0);
    orm_expr_release(o);
    s->limit = 10;
    s->offset = 20;
    check_select(s,
                 "SELECT author.id, author.name, author.email FROM author "
                 "WHERE author.email LIKE ? ESCAPE '/' AND author.id > ? "
                 "ORDER BY author.name DESC, author.id LIMIT ? OFFSET ?",
                 "%example.com% | 1 | 10 | 20");
}

static void test_compile__select_limit_or_offset_alone(void **state)
{
    (void)state;
    orm_select *s = select_of(book);
    s->limit = 0;
    check_select(s, "SELECT book.id, book.name, book.author_id FROM book LIMIT ?", "0");
    s = select_of(book);
    s->offset = 5;
    check_select(s, "SELECT book.id, book.name, book.author_id FROM book LIMIT -1 OFFSET ?", "5");
}

static void test_compile__select_distinct_group_having(void **state)
{
    (void)state;
    orm_select *s = orm_select_new();
    orm_expr *name = C(author, "name");
    orm_expr *n = LABEL(FN("count", C(book, "id")), "n");
    assert_int_equal(orm_select_add_column(s, name), 0);
    assert_int_equal(orm_select_add_column(s, n), 0);
    assert_int_equal(orm_select_add_join(s, book, NULL, 0), 0);
    assert_int_equal(orm_select_add_group(s, name), 0);
    orm_expr *having = BIN(ORM_OP_GT, orm_expr_retain(n), I(1));
    assert_int_equal(orm_select_set_having(s, having), 0);
    orm_expr *o = ORDER(orm_expr_retain(n), 1);
    assert_int_equal(orm_select_add_order(s, o), 0);
    s->distinct = 1;
    orm_expr_release(o);
    orm_expr_release(having);
    orm_expr_release(name);
    orm_expr_release(n);
    check_select(s,
                 "SELECT DISTINCT author.name, count(book.id) AS n FROM author JOIN book "
                 "GROUP BY author.name HAVING n > ? ORDER BY n DESC",
                 "1");
}

/* A locking read: the lock clause after LIMIT, from the dialect; none on
 * SQLite; a clone keeps it. */
static void test_compile__select_for_update(void **state)
{
    (void)state;
    orm_select *s = select_of(author);
    where(s, BIN(ORM_OP_EQ, C(author, "email"), S("u@x")));
    s->limit = 2;
    s->lock = ORM_LOCK_SHARE;
    orm_select *u = orm_select_clone(s);
    assert_non_null(u);
    u->lock = ORM_LOCK_UPDATE;
    static const struct {
        const orm_dialect *d;
        const char *tail;
    } cases[] = {
        {&orm_dialect_pg, " LIMIT $2 FOR SHARE"},
        {&orm_dialect_mysql, " LIMIT ? LOCK IN SHARE MODE"},
        {&orm_dialect_sqlite, " LIMIT ?"},
        {&orm_dialect_pg, " LIMIT $2 FOR UPDATE"},
        {&orm_dialect_mysql, " LIMIT ? FOR UPDATE"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        orm_compiled c;
        orm_compiled_init(&c);
        orm_error err;
        orm_error_init(&err);
        assert_int_equal(orm_compile_select(cases[i].d, i < 3 ? s : u, &c, &err), 0);
        const char *sql = orm_buf_str(&c.sql);
        size_t n = strlen(sql), k = strlen(cases[i].tail);
        assert_true(n > k);
        assert_string_equal(sql + n - k, cases[i].tail);
        orm_compiled_free(&c);
    }
    orm_select_free(u);
    orm_select_free(s);
}

static void test_compile__select_joins(void **state)
{
    (void)state;
    orm_select *s = select_of(author);
    orm_expr *on = BIN(ORM_OP_EQ, C(author, "id"), C(book, "author_id"));
    assert_int_equal(orm_select_add_join(s, book, on, 0), 0);
    where(s, BIN(ORM_OP_EQ, C(book, "name"), S("Ansible")));
    check_select(s,
                 "SELECT author.id, author.name, author.email FROM author "
                 "JOIN book ON author.id = book.author_id WHERE book.name = ?",
                 "Ansible");
    s = orm_select_new();
    orm_expr *bn = C(book, "name"), *an = C(author, "name");
    assert_int_equal(orm_select_add_column(s, bn), 0);
    assert_int_equal(orm_select_add_column(s, an), 0);
    assert_int_equal(orm_select_add_join(s, author, on, 1), 0);
    orm_expr_release(bn);
    orm_expr_release(an);
    orm_expr_release(on);
    check_select(s,
                 "SELECT book.name, author.name FROM book "
                 "LEFT OUTER JOIN author ON author.id = book.author_id",
                 "");
}

static void test_compile__select_from_tables_of_columns(void **state)
{
    (void)state;
    orm_select *s = orm_select_new();
    orm_expr *cnt = FN("count", C(book, "id")), *an = C(author, "name"), *bn = C(book, "name");
    assert_int_equal(orm_select_add_column(s, cnt), 0);
    assert_int_equal(orm_select_add_column(s, an), 0);
    assert_int_equal(orm_select_add_column(s, bn), 0);
    orm_expr_release(cnt);
    orm_expr_release(an);
    orm_expr_release(bn);
    check_select(s, "SELECT count(book.id), author.name, book.name FROM book, author", "");

    s = orm_select_new();
    cnt = FN("count", orm_expr_star());
    assert_int_equal(orm_select_add_column(s, cnt), 0);
    orm_expr_release(cnt);
    s->from = author;
    check_select(s, "SELECT count(*) FROM author", "");
}

static void test_compile__select_where_labels_are_elements(void **state)
{
    (void)state;
    orm_select *s = select_of(author);
    where(s, BIN(ORM_OP_EQ, LABEL(C(author, "name"), "nm"), S("x")));
    check_select(s, "SELECT author.id, author.name, author.email FROM author WHERE author.name = ?",
                 "x");
}

static void test_compile__order_by_unselected_label_writes_its_element(void **state)
{
    (void)state;
    orm_select *s = select_of(author);
    orm_expr *o = ORDER(LABEL(FN("lower", C(author, "name")), "lname"), 0);
    assert_int_equal(orm_select_add_order(s, o), 0);
    orm_expr_release(o);
    check_select(s,
                 "SELECT author.id, author.name, author.email FROM author "
                 "ORDER BY lower(author.name) ASC",
                 "");
}

static void test_compile__count_wraps_the_select(void **state)
{
    (void)state;
    orm_select *s = select_of(author);
    where(s, BIN(ORM_OP_EQ, C(author, "name"), S("Umang")));
    s->limit = 3;
    orm_compiled c;
    orm_compiled_init(&c);
    orm_error err;
    orm_error_init(&err);
    assert_int_equal(orm_compile_count(D, s, &c, &err), 0);
    check_compiled(&c,
                   "SELECT count(*) AS count_1 FROM (SELECT author.id, author.name, "
                   "author.email FROM author WHERE author.name = ? LIMIT ?) AS anon_1",
                   "Umang | 3");
    /* reset keeps the struct reusable */
    orm_compiled_reset(&c);
    assert_int_equal(orm_compile_select(D, s, &c, &err), 0);
    assert_int_equal(c.nparams, 2);
    orm_compiled_free(&c);
    orm_select_free(s);
}

static void test_compile__clone_is_independent(void **state)
{
    (void)state;
    orm_select *s = select_of(author);
    where(s, BIN(ORM_OP_EQ, C(author, "id"), I(1)));
    orm_select *c = orm_select_clone(s);
    assert_non_null(c);
    where(c, BIN(ORM_OP_EQ, C(author, "name"), S("x")));
    c->limit = 1;
    check_select(s, "SELECT author.id, author.name, author.email FROM author WHERE author.id = ?",
                 "1");
    check_select(c,
                 "SELECT author.id, author.name, author.email FROM author "
                 "WHERE author.id = ? AND author.name = ? LIMIT ?",
                 "1 | x | 1");
}

static void test_compile__malformed_trees_are_programming_errors(void **state)
{
    (void)state;
    orm_select *s = orm_select_new();
    orm_compiled c;
    orm_compiled_init(&c);
    orm_error err;
    orm_error_init(&err);
    assert_int_equal(orm_compile_select(D, s, &c, &err), ORM_EFAIL);
    assert_int_equal(err.cls, ORM_ERR_PROGRAMMING);
    orm_select_free(s);
    orm_error_clear(&err);
    assert_int_equal(orm_compile_expr(D, NULL, &c, &err), ORM_EFAIL);
    assert_int_equal(err.cls, ORM_ERR_PROGRAMMING);
    orm_error_clear(&err);
    orm_compiled_free(&c);
    assert_null(orm_expr_binary(ORM_OP_EQ, NULL, NULL)); /* a failed child fails the parent */
}

/* ---- unit-of-work statements ------------------------------------------ */

static void check_buf(int rc, orm_buf *b, const char *sql)
{
    assert_int_equal(rc, 0);
    assert_string_equal(orm_buf_str(b), sql);
    orm_buf_reset(b);
}

static void test_compile__unit_of_work_statements(void **state)
{
    (void)state;
    orm_buf b = ORM_BUF_INIT;
    check_buf(orm_compile_insert(D, author, 0x6, &b), &b,
              "INSERT INTO author (name, email) VALUES (?, ?)");
    check_buf(orm_compile_insert(D, author, 0, &b), &b, "INSERT INTO author DEFAULT VALUES");
    check_buf(orm_compile_update(D, author, 0x6, &b), &b,
              "UPDATE author SET name=?, email=? WHERE author.id = ?");
    check_buf(orm_compile_delete(D, author, &b), &b, "DELETE FROM author WHERE author.id = ?");
    check_buf(orm_compile_select_by_pk(D, author, &b), &b,
              "SELECT author.id, author.name, author.email FROM author WHERE author.id = ?");
    check_buf(orm_compile_insert(D, user, 0xE, &b), &b,
              "INSERT INTO \"user\" (\"Order\", \"full name\", \"we\"\"ird\") VALUES (?, ?, ?)");
    assert_int_equal(orm_compile_update(D, author, 0, &b), ORM_EMISUSE);
    orm_buf_free(&b);
}

static void test_compile__composite_key_statements(void **state)
{
    (void)state;
    orm_metadata *m = orm_metadata_new();
    orm_table *t;
    orm_error err;
    orm_error_init(&err);
    assert_int_equal(orm_metadata_add_table(m, "book_to_store_map", &t, &err), 0);
    add(t, "book_id", ORM_T_INTEGER, 1, NULL);
    add(t, "store_id", ORM_T_INTEGER, 1, NULL);
    add(t, "note", ORM_T_TEXT, 0, NULL);
    orm_buf b = ORM_BUF_INIT;
    check_buf(orm_compile_update(D, t, 0x4, &b), &b,
              "UPDATE book_to_store_map SET note=? WHERE book_to_store_map.book_id = ? AND "
              "book_to_store_map.store_id = ?");
    check_buf(orm_compile_delete(D, t, &b), &b,
              "DELETE FROM book_to_store_map WHERE book_to_store_map.book_id = ? AND "
              "book_to_store_map.store_id = ?");
    orm_buf_free(&b);
    orm_metadata_free(m);
}

/* ---- db.text ------------------------------------------------------------- */

static void check_text(const char *in, const char *sql, const char *names)
{
    orm_buf b = ORM_BUF_INIT;
    char **v = NULL, joined[256] = "";
    size_t n = 0;
    orm_error err;
    orm_error_init(&err);
    assert_int_equal(orm_compile_text(D, in, &b, &v, &n, &err), 0);
    assert_string_equal(orm_buf_str(&b), sql);
    for (size_t i = 0; i < n; i++) {
        if (i) strcat(joined, ",");
        strcat(joined, v[i]);
    }
    assert_string_equal(joined, names);
    orm_compile_text_names_free(v, n);
    orm_buf_free(&b);
}

static void test_compile__text_named_params(void **state)
{
    (void)state;
    check_text("SELECT name FROM author WHERE id > :id", "SELECT name FROM author WHERE id > ?",
               "id");
    check_text("SELECT :a, :b_2, :a", "SELECT ?, ?, ?", "a,b_2,a");
    check_text("SELECT 1", "SELECT 1", "");
    check_text(":x", "?", "x");
}

static void test_compile__text_skips_literals_comments_and_casts(void **state)
{
    (void)state;
    check_text("SELECT ':no', 'it''s :no', \"col:no\" FROM t WHERE a = :yes",
               "SELECT ':no', 'it''s :no', \"col:no\" FROM t WHERE a = ?", "yes");
    check_text("SELECT 1 -- :no\nWHERE b = :b /* :no \n :no */ AND c = :c",
               "SELECT 1 -- :no\nWHERE b = ? /* :no \n :no */ AND c = ?", "b,c");
    check_text("SELECT x::int, :v::text, a:b, 12:30", "SELECT x::int, ?::text, a:b, 12:30", "v");
    check_text("SELECT '\\:keep' || \\:lit || :p", "SELECT '\\:keep' || :lit || ?", "p");
    /* unterminated literals and comments run to the end */
    check_text("SELECT 'open :no", "SELECT 'open :no", "");
    check_text("SELECT 1 /* open :no", "SELECT 1 /* open :no", "");
    check_text("SELECT :a -- :no", "SELECT ? -- :no", "a");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_compile__columns_are_table_qualified),
        cmocka_unit_test(test_compile__comparisons_bind_their_values),
        cmocka_unit_test(test_compile__null_comparisons_use_is),
        cmocka_unit_test(test_compile__arithmetic_and_concatenation),
        cmocka_unit_test(test_compile__or_inside_and_is_parenthesised),
        cmocka_unit_test(test_compile__bool_of_one_or_none),
        cmocka_unit_test(test_compile__arithmetic_precedence_matches_sqlalchemy),
        cmocka_unit_test(test_compile__not_and_negation),
        cmocka_unit_test(test_compile__functions),
        cmocka_unit_test(test_compile__function_name_cannot_inject),
        cmocka_unit_test(test_compile__in_lists),
        cmocka_unit_test(test_compile__between),
        cmocka_unit_test(test_compile__like_and_ilike),
        cmocka_unit_test(test_compile__contains_escapes_wildcards),
        cmocka_unit_test(test_compile__labels_order_text_star),
        cmocka_unit_test(test_compile__values_never_reach_the_sql),
        cmocka_unit_test(test_compile__label_names_are_quoted),
        cmocka_unit_test(test_compile__select_all_columns),
        cmocka_unit_test(test_compile__select_where_order_limit_offset),
        cmocka_unit_test(test_compile__select_limit_or_offset_alone),
        cmocka_unit_test(test_compile__select_distinct_group_having),
        cmocka_unit_test(test_compile__select_joins),
        cmocka_unit_test(test_compile__select_from_tables_of_columns),
        cmocka_unit_test(test_compile__select_where_labels_are_elements),
        cmocka_unit_test(test_compile__order_by_unselected_label_writes_its_element),
        cmocka_unit_test(test_compile__count_wraps_the_select),
        cmocka_unit_test(test_compile__clone_is_independent),
        cmocka_unit_test(test_compile__malformed_trees_are_programming_errors),
        cmocka_unit_test(test_compile__unit_of_work_statements),
        cmocka_unit_test(test_compile__composite_key_statements),
        cmocka_unit_test(test_compile__text_named_params),
        cmocka_unit_test(test_compile__select_for_update),
        cmocka_unit_test(test_compile__dates_compare_as_instants),
        cmocka_unit_test(test_compile__text_skips_literals_comments_and_casts),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
