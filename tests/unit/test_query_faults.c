/* test_query_faults.c — building and compiling a query that uses every kind
 * of expression (core/expr.c, compile*.c): columns of a table, of an alias
 * and of a derived table, values, NULL, operators, AND/OR, functions, IN,
 * BETWEEN, LIKE and contains, CASE, CAST, labels and references to them,
 * raw text, keywords, a correlated EXISTS, joins, GROUP BY, HAVING, ORDER
 * BY, LIMIT/OFFSET — for the three dialects, as the SELECT and as a count.
 * Then the same with the N-th allocation failing, for every N the path
 * reaches: a constructor returns NULL (its operands stay the caller's, no
 * leak under ASan), a compile returns ORM_ENOMEM with "out of memory", and
 * whatever survives compiles to exactly the fault-free SQL and parameters:
 * an allocation failure never changes a statement. */
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

typedef struct fx {
    orm_metadata *md;
    orm_table *author, *book;
} fx;

static void col(orm_table *t, const char *name, orm_type_kind kind, int pk, const orm_fkey *fk)
{
    orm_error err;
    orm_error_init(&err);
    orm_column c = {.name = (char *)name,
                    .type = {.kind = kind, .length = 40},
                    .primary_key = pk,
                    .nullable = !pk,
                    .fk = (orm_fkey *)fk};
    if (orm_table_add_column(t, &c, &err) != ORM_OK) fail_msg("%s: %s", name, err.message);
}

static int setup(void **state)
{
    static fx f;
    orm_error err;
    orm_error_init(&err);
    f.md = orm_metadata_new();
    if (orm_metadata_add_table(f.md, "author", &f.author, &err) != ORM_OK ||
        orm_metadata_add_table(f.md, "book", &f.book, &err) != ORM_OK)
        return -1;
    col(f.author, "id", ORM_T_INTEGER, 1, NULL);
    col(f.author, "name", ORM_T_STRING, 0, NULL);
    col(f.author, "born", ORM_T_DATE, 0, NULL);
    orm_fkey fk = {.table = "author", .column = "id"};
    col(f.book, "id", ORM_T_INTEGER, 1, NULL);
    col(f.book, "title", ORM_T_STRING, 0, NULL);
    col(f.book, "price", ORM_T_FLOAT, 0, NULL);
    col(f.book, "author_id", ORM_T_INTEGER, 0, &fk);
    *state = &f;
    return 0;
}

static int teardown(void **state)
{
    fx *f = *state;
    orm_metadata_free(f->md);
    return 0;
}

/* Expressions made so far, released together. */
typedef struct bag {
    orm_expr *v[128];
    int n;
    int oom;
} bag;

/* Keeps e (NULL: a constructor ran out of memory). */
static orm_expr *keep(bag *b, orm_expr *e)
{
    if (!e) {
        b->oom = 1;
        return NULL;
    }
    assert_true(b->n < 128);
    b->v[b->n++] = e;
    return e;
}

static void bag_free(bag *b)
{
    while (b->n > 0)
        orm_expr_release(b->v[--b->n]);
}

static orm_expr *ival(bag *b, int64_t i)
{
    orm_value v;
    orm_value_int(&v, i);
    return keep(b, orm_expr_bind(&v));
}

static orm_expr *tval(bag *b, const char *s)
{
    orm_value v = {.type = ORM_V_TEXT, .len = strlen(s), .u.s = (char *)s};
    return keep(b, orm_expr_bind(&v));
}

#define K(x) (b->oom ? NULL : keep(b, (x)))

/* The query; 0, or ORM_ENOMEM when anything could not be built (*out is
 * then NULL). */
static int build(fx *f, bag *b, orm_select **out)
{
    *out = NULL;
    orm_select *s = NULL, *inner = NULL, *derived = NULL;
    orm_from *alias = NULL, *sub = NULL;
    int rc = ORM_ENOMEM;
    orm_expr *a_id = K(orm_expr_column(f->author, 0)), *a_name = K(orm_expr_column(f->author, 1));
    orm_expr *a_born = K(orm_expr_column(f->author, 2));
    orm_expr *b_id = K(orm_expr_column(f->book, 0)), *b_title = K(orm_expr_column(f->book, 1));
    orm_expr *b_price = K(orm_expr_column(f->book, 2)), *b_aid = K(orm_expr_column(f->book, 3));
    if (b->oom) goto out;
    /* an alias of author (the editor) and a derived table of prices */
    if (!(alias = orm_from_alias(f->author, "editor"))) goto out;
    orm_expr *e_name = K(orm_expr_alias_column(alias, 1));
    if (!(derived = orm_select_new())) goto out;
    orm_expr *avg = K(orm_expr_func("avg", &b_price, 1));
    orm_expr *avg_l = K(orm_expr_label(avg, "mean"));
    if (b->oom || orm_select_add_column(derived, b_aid) < 0 ||
        orm_select_add_column(derived, avg_l) < 0)
        goto out;
    if (orm_select_add_group(derived, b_aid) < 0) goto out;
    if (!(sub = orm_from_subquery(derived, NULL))) goto out;
    orm_expr *mean = K(orm_expr_subcolumn(sub, 1));
    /* a correlated EXISTS: the author has a book under 10 */
    if (!(inner = orm_select_new())) goto out;
    orm_expr *ten = ival(b, 10);
    orm_expr *cheap = K(orm_expr_binary(ORM_OP_LT, b_price, ten));
    orm_expr *mine = K(orm_expr_binary(ORM_OP_EQ, b_aid, a_id));
    if (b->oom || orm_select_add_column(inner, b_id) < 0 ||
        orm_select_add_where(inner, cheap) < 0 || orm_select_add_where(inner, mine) < 0)
        goto out;
    orm_expr *exists = K(orm_expr_select(inner, 1));
    /* the WHERE: every operator kind */
    orm_expr *in_list[3] = {ival(b, 1), ival(b, 2), ival(b, 3)};
    orm_expr *in = K(orm_expr_in(a_id, in_list, 3, 1));
    orm_expr *lo = ival(b, 5), *hi = ival(b, 50);
    orm_expr *between = K(orm_expr_between(b_price, lo, hi));
    orm_expr *pat = tval(b, "A%");
    orm_expr *like = K(orm_expr_like(ORM_OP_ILIKE, a_name, pat, '\\'));
    orm_expr *contains = K(orm_expr_match(b_title, "50%_off", 7, ORM_MATCH_CONTAINS));
    orm_expr *null = K(orm_expr_null());
    orm_expr *has_born = K(orm_expr_binary(ORM_OP_ISNOT, a_born, null));
    orm_expr *kw = K(orm_expr_keyword("true"));
    orm_expr *ors[2] = {like, contains};
    orm_expr *either = K(orm_expr_bool(ORM_OP_OR, ors, 2));
    orm_expr *neg = K(orm_expr_unary(ORM_OP_NOT, in));
    orm_expr *txt = K(orm_expr_text("1 = 1"));
    orm_expr *is_true = K(orm_expr_binary(ORM_OP_IS, exists, kw));
    orm_expr *ands[6] = {neg, between, either, has_born, txt, is_true};
    orm_expr *where = K(orm_expr_bool(ORM_OP_AND, ands, 6));
    /* the result columns: CASE, CAST, arithmetic, concatenation, labels */
    orm_expr *whens[4] = {K(orm_expr_binary(ORM_OP_GT, b_price, hi)), tval(b, "dear"),
                          K(orm_expr_binary(ORM_OP_GT, b_price, lo)), tval(b, "fair")};
    orm_expr *cheap_s = tval(b, "cheap");
    orm_expr *kase = K(orm_expr_case(NULL, whens, 2, cheap_s));
    orm_expr *band = K(orm_expr_label(kase, "band"));
    orm_type text = {.kind = ORM_T_STRING, .length = 10};
    orm_expr *cast = K(orm_expr_cast(b_price, &text));
    orm_expr *two = ival(b, 2);
    orm_expr *twice = K(orm_expr_binary(ORM_OP_MUL, b_price, two));
    orm_expr *minus = K(orm_expr_unary(ORM_OP_NEG, twice));
    orm_expr *sep = tval(b, ": ");
    orm_expr *cat1 = K(orm_expr_binary(ORM_OP_CONCAT, a_name, sep));
    orm_expr *cat = K(orm_expr_binary(ORM_OP_CONCAT, cat1, b_title));
    orm_expr *line = K(orm_expr_label(cat, "line"));
    orm_expr *count = K(orm_expr_func("count", &b_id, 1));
    orm_expr *over = K(orm_expr_binary(ORM_OP_GT, count, ten));
    orm_expr *by_band = K(orm_expr_label_ref("band"));
    orm_expr *desc = K(orm_expr_order(by_band, 1));
    orm_expr *asc = K(orm_expr_order(a_name, 0));
    orm_expr *on = K(orm_expr_binary(ORM_OP_EQ, b_aid, a_id));
    orm_expr *sub_id = K(orm_expr_subcolumn(sub, 0));
    orm_expr *on2 = K(orm_expr_binary(ORM_OP_EQ, sub_id, a_id));
    orm_expr *e_id = K(orm_expr_alias_column(alias, 0));
    orm_expr *on3 = K(orm_expr_binary(ORM_OP_EQ, e_id, b_id));
    if (b->oom) goto out;
    if (!(s = orm_select_new())) goto out;
    s->distinct = 1;
    s->limit = 20;
    s->offset = 40;
    orm_expr *cols[] = {line, band, cast, minus, mean, e_name};
    for (size_t i = 0; i < sizeof cols / sizeof cols[0]; i++)
        if (orm_select_add_column(s, cols[i]) < 0) goto out;
    if (orm_select_add_join(s, f->book, on, 0) < 0 ||
        orm_select_add_join_from(s, sub, on2, 1) < 0 ||
        orm_select_add_join_from(s, alias, on3, 1) < 0 || orm_select_add_where(s, where) < 0 ||
        orm_select_add_group(s, band) < 0 || orm_select_set_having(s, over) < 0 ||
        orm_select_add_order(s, desc) < 0 || orm_select_add_order(s, asc) < 0)
        goto out;
    s->from = f->author;
    *out = s;
    s = NULL;
    rc = 0;
out:
    orm_select_free(s);
    orm_select_free(inner);
    orm_select_free(derived);
    orm_from_release(alias);
    orm_from_release(sub);
    return rc;
}

/* The SQL and parameters of s for each dialect, as the SELECT and as a
 * count, into out; 0 or the failing compile's code (err says why). */
static int compile_all(const orm_select *s, orm_buf *out, orm_error *err)
{
    static const orm_dialect *const dialects[] = {&orm_dialect_sqlite, &orm_dialect_pg,
                                                  &orm_dialect_mysql};
    for (int i = 0; i < 3; i++)
        for (int count = 0; count < 2; count++) {
            orm_compiled c;
            orm_compiled_init(&c);
            int rc = count ? orm_compile_count(dialects[i], s, &c, err)
                           : orm_compile_select(dialects[i], s, &c, err);
            if (rc == 0) {
                orm_buf_printf(out, "%s\n", orm_buf_str(&c.sql));
                for (size_t k = 0; k < c.nparams; k++) {
                    const orm_value *v = c.params[k];
                    if (v->type == ORM_V_INT)
                        orm_buf_printf(out, " %lld", (long long)v->u.i);
                    else if (v->type == ORM_V_TEXT)
                        orm_buf_printf(out, " '%.*s'", (int)v->len, v->u.s);
                    else
                        orm_buf_printf(out, " type%d", (int)v->type);
                }
                orm_buf_puts(out, "\n");
            }
            orm_compiled_free(&c);
            if (rc < 0) return rc;
        }
    return out->oom ? ORM_ENOMEM : 0;
}

static void test_query_faults__every_kind_of_expression_compiles(void **state)
{
    fx *f = *state;
    bag b = {.n = 0};
    orm_select *s = NULL;
    assert_int_equal(build(f, &b, &s), 0);
    orm_buf out = ORM_BUF_INIT;
    orm_error err;
    orm_error_init(&err);
    assert_int_equal(compile_all(s, &out, &err), 0);
    const char *sql = orm_buf_str(&out);
    if (getenv("SHOW_SQL")) fputs(sql, stderr);
    /* SQLite: each part once */
    assert_non_null(strstr(sql, "SELECT DISTINCT author.name || ? || book.title AS line, CASE WHEN "
                                "book.price > ? THEN ? WHEN book.price > ? THEN ? ELSE ? END AS "
                                "band, CAST(book.price AS VARCHAR(10)), -(book.price * ?), "
                                "anon_1.mean, editor.name FROM author "
                                "JOIN book ON book.author_id = author.id "
                                "LEFT OUTER JOIN (SELECT book.author_id, avg(book.price) AS mean "
                                "FROM book GROUP BY book.author_id) AS anon_1 ON anon_1.author_id "
                                "= author.id LEFT OUTER JOIN author AS editor ON editor.id = "
                                "book.id WHERE NOT (author.id NOT IN (?, ?, ?)) AND book.price "
                                "BETWEEN ? AND ? AND (lower(author.name) LIKE lower(?) ESCAPE '\\' "
                                "OR book.title LIKE ? ESCAPE '/') AND author.born IS NOT NULL AND "
                                "(1 = 1) AND EXISTS (SELECT 1 FROM book, author WHERE book.price < "
                                "? AND book.author_id = author.id) IS true GROUP BY band HAVING "
                                "count(book.id) > ? ORDER BY band DESC, author.name ASC LIMIT ? "
                                "OFFSET ?\n"
                                " ': ' 50 'dear' 5 'fair' 'cheap' 2 1 2 3 5 50 'A%' '%50/%/_off%' "
                                "10 10 20 40\n"));
    /* the count wraps the whole statement */
    assert_non_null(strstr(sql, "SELECT count(*) AS count_1 FROM (SELECT DISTINCT"));
    assert_non_null(strstr(sql, "LIMIT ? OFFSET ?) AS anon_2\n"));
    /* PostgreSQL numbers its placeholders in order and has ILIKE */
    assert_non_null(strstr(sql, "author.name ILIKE $13 ESCAPE"));
    assert_non_null(strstr(sql, "LIMIT $17 OFFSET $18) AS anon_2"));
    orm_buf_free(&out);
    orm_select_free(s);
    bag_free(&b);
}

static void test_query_faults__an_allocation_failure_never_changes_a_statement(void **state)
{
    fx *f = *state;
    bag b = {.n = 0};
    orm_select *s = NULL;
    assert_int_equal(build(f, &b, &s), 0);
    orm_buf want = ORM_BUF_INIT;
    orm_error err;
    orm_error_init(&err);
    assert_int_equal(compile_all(s, &want, &err), 0);
    orm_select_free(s);
    bag_free(&b);
    int build_failures = 0, compile_failures = 0, done = 0;
    for (long n = 1; n < 1000000 && !done; n++) {
        bag b2 = {.n = 0};
        orm_buf out = ORM_BUF_INIT;
        orm_fault_alloc_after(n);
        int rc = build(f, &b2, &s);
        if (rc == 0) rc = compile_all(s, &out, &err);
        int fired = orm_fault_alloc_fired();
        orm_fault_alloc_after(0);
        if (rc < 0) {
            assert_true(fired);
            assert_int_equal(rc, ORM_ENOMEM);
            if (s) {
                compile_failures++; /* ORM_ENOMEM says it all; a message must agree */
                if (err.message) assert_string_equal(err.message, "out of memory");
            } else {
                build_failures++;
            }
        } else {
            assert_string_equal(orm_buf_str(&out), orm_buf_str(&want));
            done = !fired;
        }
        orm_error_clear(&err);
        orm_buf_free(&out);
        orm_select_free(s);
        s = NULL;
        bag_free(&b2);
    }
    assert_true(done);
    assert_true(build_failures > 50);
    assert_true(compile_failures > 50);
    orm_buf_free(&want);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_query_faults__every_kind_of_expression_compiles),
        cmocka_unit_test(test_query_faults__an_allocation_failure_never_changes_a_statement),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
