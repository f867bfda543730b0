/* test_compile_query.c — the SQL of the query language beyond single-table
 * selects (docs/reference.md): aliases of a table joined twice, derived tables
 * (subquery() joined, its columns), IN (SELECT ...), EXISTS with
 * correlation, scalar subqueries, CASE, CAST, DISTINCT, label references,
 * the count wrapper's naming, bulk UPDATE / DELETE, and the value types
 * results are converted with. SQLite dialect. */
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
static orm_table *users, *post;

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
    orm_fkey to_user = {.table = "users", .column = "id"};
    assert_int_equal(orm_metadata_add_table(md, "users", &users, &err), 0);
    add(users, "id", ORM_T_INTEGER, 1, NULL);
    add(users, "username", ORM_T_STRING, 0, NULL);
    add(users, "age", ORM_T_INTEGER, 0, NULL);
    assert_int_equal(orm_metadata_add_table(md, "post", &post, &err), 0);
    add(post, "id", ORM_T_INTEGER, 1, NULL);
    add(post, "title", ORM_T_STRING, 0, NULL);
    add(post, "views", ORM_T_INTEGER, 0, NULL);
    add(post, "author_id", ORM_T_INTEGER, 0, &to_user);
    add(post, "editor_id", ORM_T_INTEGER, 0, &to_user);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    orm_metadata_free(md);
    return 0;
}

/* ---- builders (each takes ownership of its expression arguments) ------- */

static int col_index(const orm_table *t, const char *name)
{
    int i = orm_table_column_index(t, name, strlen(name));
    assert_true(i >= 0);
    return i;
}

static orm_expr *C(orm_table *t, const char *name)
{
    return orm_expr_column(t, col_index(t, name));
}

static orm_expr *AC(orm_from *f, const char *name)
{
    return orm_expr_alias_column(f, col_index(f->table, name));
}

static orm_expr *SC(orm_from *f, const char *name)
{
    int i = orm_from_column_index(f, name);
    assert_true(i >= 0);
    return orm_expr_subcolumn(f, i);
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

static orm_expr *IN_SELECT(orm_expr *x, orm_select *s, int negate)
{
    orm_expr *sub = orm_expr_select(s, 0);
    orm_expr *e = orm_expr_in(x, &sub, 1, negate);
    orm_expr_release(sub);
    orm_expr_release(x);
    orm_select_free(s);
    return e;
}

static orm_expr *EXISTS(orm_select *s)
{
    orm_expr *e = orm_expr_select(s, 1);
    orm_select_free(s);
    return e;
}

static orm_select *select_of(orm_table *t)
{
    orm_select *s = orm_select_new();
    assert_non_null(s);
    assert_int_equal(orm_select_add_table_columns(s, t), 0);
    return s;
}

static orm_select *select_cols(orm_expr *a, orm_expr *b)
{
    orm_select *s = orm_select_new();
    assert_non_null(s);
    assert_int_equal(orm_select_add_column(s, a), 0);
    orm_expr_release(a);
    if (b) {
        assert_int_equal(orm_select_add_column(s, b), 0);
        orm_expr_release(b);
    }
    return s;
}

static void where(orm_select *s, orm_expr *e)
{
    assert_int_equal(orm_select_add_where(s, e), 0);
    orm_expr_release(e);
}

static void join(orm_select *s, orm_table *t, orm_expr *on, int outer)
{
    assert_int_equal(orm_select_add_join(s, t, on, outer), 0);
    orm_expr_release(on);
}

static void join_from(orm_select *s, orm_from *f, orm_expr *on, int outer)
{
    assert_int_equal(orm_select_add_join_from(s, f, on, outer), 0);
    orm_expr_release(on);
}

static void order(orm_select *s, orm_expr *e)
{
    assert_int_equal(orm_select_add_order(s, e), 0);
    orm_expr_release(e);
}

static void group(orm_select *s, orm_expr *e)
{
    assert_int_equal(orm_select_add_group(s, e), 0);
    orm_expr_release(e);
}

/* ---- checking ------------------------------------------------------------ */

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

/* ---- aliases ------------------------------------------------------------ */

static void test_compile_query__alias_joined_twice(void **state)
{
    (void)state;
    orm_from *editor = orm_from_alias(users, NULL);
    orm_select *s = select_cols(C(post, "title"), C(users, "username"));
    orm_expr *en = AC(editor, "username");
    assert_int_equal(orm_select_add_column(s, en), 0);
    orm_expr_release(en);
    join(s, users, BIN(ORM_OP_EQ, C(post, "author_id"), C(users, "id")), 0);
    join_from(s, editor, BIN(ORM_OP_EQ, C(post, "editor_id"), AC(editor, "id")), 0);
    where(s, BIN(ORM_OP_NE, AC(editor, "username"), S("ana")));
    check_select(s,
                 "SELECT post.title, users.username, users_1.username FROM post "
                 "JOIN users ON post.author_id = users.id "
                 "JOIN users AS users_1 ON post.editor_id = users_1.id "
                 "WHERE users_1.username != ?",
                 "ana");
    orm_from_release(editor);
}

static void test_compile_query__aliases_are_numbered_and_named(void **state)
{
    (void)state;
    orm_from *a = orm_from_alias(users, NULL), *b = orm_from_alias(users, NULL);
    orm_from *named = orm_from_alias(users, "Boss");
    orm_select *s = orm_select_new();
    assert_int_equal(orm_select_add_alias_columns(s, a), 0);
    join_from(s, b, BIN(ORM_OP_EQ, AC(a, "id"), AC(b, "id")), 1);
    join_from(s, named, BIN(ORM_OP_EQ, AC(b, "id"), AC(named, "id")), 0);
    check_select(s,
                 "SELECT users_1.id, users_1.username, users_1.age FROM users AS users_1 "
                 "LEFT OUTER JOIN users AS users_2 ON users_1.id = users_2.id "
                 "JOIN users AS \"Boss\" ON users_2.id = \"Boss\".id",
                 "");
    orm_from_release(a);
    orm_from_release(b);
    orm_from_release(named);
}

static void test_compile_query__alias_name_cannot_inject(void **state)
{
    (void)state;
    orm_from *evil = orm_from_alias(users, "x\" ON 1=1; DROP TABLE users; --");
    orm_select *s = select_cols(AC(evil, "id"), NULL);
    check_select(s,
                 "SELECT \"x\"\" ON 1=1; DROP TABLE users; --\".id "
                 "FROM users AS \"x\"\" ON 1=1; DROP TABLE users; --\"",
                 "");
    orm_from_release(evil);
}

/* ---- derived tables ---------------------------------------------------- */

static orm_select *views_per_author(void)
{
    orm_select *s = select_cols(C(post, "author_id"), LABEL(FN("sum", C(post, "views")), "total"));
    group(s, C(post, "author_id"));
    return s;
}

static void test_compile_query__subquery_joined_as_derived_table(void **state)
{
    (void)state;
    orm_select *inner = views_per_author();
    where(inner, BIN(ORM_OP_GT, C(post, "views"), I(1)));
    orm_from *sub = orm_from_subquery(inner, NULL);
    orm_select_free(inner);
    assert_non_null(sub);
    assert_int_equal(sub->nnames, 2);
    assert_string_equal(sub->names[0], "author_id");
    assert_string_equal(sub->names[1], "total");
    orm_select *s = select_cols(C(users, "username"), SC(sub, "total"));
    join_from(s, sub, BIN(ORM_OP_EQ, C(users, "id"), SC(sub, "author_id")), 0);
    order(s, ORDER(SC(sub, "total"), 1));
    where(s, BIN(ORM_OP_LT, C(users, "age"), I(60)));
    check_select(s,
                 "SELECT users.username, anon_1.total FROM users JOIN "
                 "(SELECT post.author_id, sum(post.views) AS total FROM post "
                 "WHERE post.views > ? GROUP BY post.author_id) AS anon_1 "
                 "ON users.id = anon_1.author_id WHERE users.age < ? ORDER BY anon_1.total DESC",
                 "1 | 60");
    orm_from_release(sub);
}

static void test_compile_query__subquery_names_unnamed_and_repeated_columns(void **state)
{
    (void)state;
    orm_select *inner = select_cols(C(users, "id"), C(post, "id"));
    orm_expr *cnt = FN("count", orm_expr_star());
    orm_expr *sum = BIN(ORM_OP_ADD, C(post, "views"), I(1));
    assert_int_equal(orm_select_add_column(inner, cnt), 0);
    assert_int_equal(orm_select_add_column(inner, sum), 0);
    orm_expr_release(cnt);
    orm_expr_release(sum);
    join(inner, post, BIN(ORM_OP_EQ, C(post, "author_id"), C(users, "id")), 0);
    orm_from *sub = orm_from_subquery(inner, "stats");
    orm_select_free(inner);
    assert_string_equal(sub->names[0], "id");
    assert_string_equal(sub->names[1], "id_1");
    assert_string_equal(sub->names[2], "count");
    assert_string_equal(sub->names[3], "anon");
    assert_int_equal(orm_from_column_index(sub, "id_1"), 1);
    assert_int_equal(orm_from_column_index(sub, "nope"), -1);
    orm_select *s = select_cols(SC(sub, "id_1"), SC(sub, "anon"));
    check_select(s,
                 "SELECT stats.id_1, stats.anon FROM (SELECT users.id, post.id AS id_1, "
                 "count(*) AS count, post.views + ? AS anon FROM users "
                 "JOIN post ON post.author_id = users.id) AS stats",
                 "1");
    orm_from_release(sub);
}

static void test_compile_query__subquery_as_the_only_from(void **state)
{
    (void)state;
    orm_select *inner = select_of(users);
    where(inner, BIN(ORM_OP_GT, C(users, "age"), I(30)));
    orm_from *sub = orm_from_subquery(inner, NULL);
    orm_select_free(inner);
    orm_select *s = select_cols(SC(sub, "username"), NULL);
    orm_select *c = orm_select_clone(s);
    check_select(s,
                 "SELECT anon_1.username FROM (SELECT users.id, users.username, users.age "
                 "FROM users WHERE users.age > ?) AS anon_1",
                 "30");
    /* the count wrapper takes the next anonymous name after the inner ones */
    orm_compiled comp;
    orm_compiled_init(&comp);
    orm_error err;
    orm_error_init(&err);
    assert_int_equal(orm_compile_count(D, c, &comp, &err), 0);
    check_compiled(&comp,
                   "SELECT count(*) AS count_1 FROM (SELECT anon_1.username FROM "
                   "(SELECT users.id, users.username, users.age FROM users WHERE users.age > ?) "
                   "AS anon_1) AS anon_2",
                   "30");
    orm_compiled_free(&comp);
    orm_select_free(c);
    orm_from_release(sub);
}

/* ---- nested selects ----------------------------------------------------- */

static void test_compile_query__in_subquery(void **state)
{
    (void)state;
    orm_select *authors = select_cols(C(post, "author_id"), NULL);
    where(authors, BIN(ORM_OP_GT, C(post, "views"), I(5)));
    orm_select *s = select_of(users);
    where(s, IN_SELECT(C(users, "id"), authors, 0));
    check_select(s,
                 "SELECT users.id, users.username, users.age FROM users WHERE users.id IN "
                 "(SELECT post.author_id FROM post WHERE post.views > ?)",
                 "5");
    authors = select_cols(C(post, "author_id"), NULL);
    s = select_cols(C(users, "username"), NULL);
    where(s, IN_SELECT(C(users, "id"), authors, 1));
    check_select(s,
                 "SELECT users.username FROM users WHERE users.id NOT IN "
                 "(SELECT post.author_id FROM post)",
                 "");
}

static void test_compile_query__exists_correlates_to_the_enclosing_from(void **state)
{
    (void)state;
    orm_select *posts = select_of(post);
    where(posts, BIN(ORM_OP_EQ, C(post, "author_id"), C(users, "id")));
    where(posts, BIN(ORM_OP_GT, C(post, "views"), I(3)));
    orm_select *s = select_cols(C(users, "username"), NULL);
    where(s, UN(ORM_OP_NOT, EXISTS(posts)));
    check_select(s,
                 "SELECT users.username FROM users WHERE NOT EXISTS (SELECT 1 FROM post "
                 "WHERE post.author_id = users.id AND post.views > ?)",
                 "3");
}

static void test_compile_query__exists_alone_and_uncorrelated(void **state)
{
    (void)state;
    orm_select *posts = select_of(post);
    where(posts, BIN(ORM_OP_GT, C(post, "views"), I(100)));
    orm_select *s = select_cols(LABEL(EXISTS(posts), "anon_1"), NULL);
    check_select(s, "SELECT EXISTS (SELECT 1 FROM post WHERE post.views > ?) AS anon_1", "100");
    /* a subquery over the same table keeps its FROM: correlation never
     * leaves an inner SELECT without one */
    orm_select *avg = select_cols(FN("avg", C(users, "age")), NULL);
    orm_expr *sub = orm_expr_select(avg, 0);
    orm_select_free(avg);
    s = select_cols(C(users, "username"), NULL);
    where(s, BIN(ORM_OP_GT, C(users, "age"), sub));
    check_select(s,
                 "SELECT users.username FROM users WHERE users.age > "
                 "(SELECT avg(users.age) FROM users)",
                 "");
}

static void test_compile_query__scalar_subquery_as_a_column(void **state)
{
    (void)state;
    orm_select *cnt = select_cols(FN("count", C(post, "id")), NULL);
    where(cnt, BIN(ORM_OP_EQ, C(post, "author_id"), C(users, "id")));
    orm_expr *sub = orm_expr_select(cnt, 0);
    orm_select_free(cnt);
    orm_select *s = select_cols(C(users, "username"), LABEL(sub, "n"));
    order(s, ORDER(LABEL(orm_expr_retain(sub), "n"), 1));
    check_select(s,
                 "SELECT users.username, (SELECT count(post.id) FROM post "
                 "WHERE post.author_id = users.id) AS n FROM users ORDER BY n DESC",
                 "");
}

static void test_compile_query__where_tables_join_the_from(void **state)
{
    (void)state;
    orm_select *s = select_of(users);
    where(s, BIN(ORM_OP_EQ, C(post, "author_id"), C(users, "id")));
    check_select(s,
                 "SELECT users.id, users.username, users.age FROM users, post "
                 "WHERE post.author_id = users.id",
                 "");
}

static void test_compile_query__join_from_the_left_of_its_on_clause(void **state)
{
    (void)state;
    /* query(Post.title):join(User.posts): users only appears in the ON clause */
    orm_select *s = select_cols(C(post, "title"), NULL);
    join(s, post, BIN(ORM_OP_EQ, C(users, "id"), C(post, "author_id")), 0);
    check_select(s, "SELECT post.title FROM users JOIN post ON users.id = post.author_id", "");
}

static void test_compile_query__select_from_an_item(void **state)
{
    (void)state;
    orm_from *a = orm_from_alias(post, "p");
    orm_select *s = select_cols(FN("count", orm_expr_star()), NULL);
    assert_int_equal(orm_select_add_from(s, a), 0);
    check_select(s, "SELECT count(*) FROM post AS p", "");
    orm_from_release(a);
}

/* ---- CASE, CAST, DISTINCT ---------------------------------------------- */

static void test_compile_query__case(void **state)
{
    (void)state;
    orm_expr *whens[4] = {BIN(ORM_OP_LT, C(users, "age"), I(18)), S("minor"),
                          BIN(ORM_OP_LT, C(users, "age"), I(65)), S("adult")};
    orm_expr *else_ = S("senior");
    orm_expr *e = orm_expr_case(NULL, whens, 2, else_);
    check_expr(e, "CASE WHEN users.age < ? THEN ? WHEN users.age < ? THEN ? ELSE ? END",
               "18 | minor | 65 | adult | senior");
    orm_expr *v = C(users, "username");
    orm_expr *w2[2] = {S("ana"), I(1)};
    e = orm_expr_case(v, w2, 1, NULL);
    check_expr(e, "CASE users.username WHEN ? THEN ? END", "ana | 1");
    for (int i = 0; i < 4; i++)
        orm_expr_release(whens[i]);
    orm_expr_release(w2[0]);
    orm_expr_release(w2[1]);
    orm_expr_release(else_);
    orm_expr_release(v);
    assert_null(orm_expr_case(NULL, whens, 0, NULL)); /* no WHEN: nothing to build */
}

static void test_compile_query__case_inside_an_aggregate(void **state)
{
    (void)state;
    orm_expr *whens[2] = {BIN(ORM_OP_GT, C(post, "views"), I(5)), I(1)};
    orm_expr *zero = I(0);
    orm_expr *c = orm_expr_case(NULL, whens, 1, zero);
    check_expr(LABEL(FN("sum", c), "popular"), "sum(CASE WHEN post.views > ? THEN ? ELSE ? END)",
               "5 | 1 | 0");
    orm_expr_release(whens[0]);
    orm_expr_release(whens[1]);
    orm_expr_release(zero);
}

static void test_compile_query__cast_and_distinct(void **state)
{
    (void)state;
    orm_type integer = {.kind = ORM_T_INTEGER}, str = {.kind = ORM_T_STRING, .length = 10};
    orm_expr *x = C(users, "username");
    check_expr(orm_expr_cast(x, &integer), "CAST(users.username AS INTEGER)", "");
    orm_expr *sum = BIN(ORM_OP_ADD, C(users, "age"), I(1));
    check_expr(BIN(ORM_OP_CONCAT, orm_expr_cast(sum, &str), S("y")),
               "CAST(users.age + ? AS VARCHAR(10)) || ?", "1 | y");
    check_expr(FN("count", UN(ORM_OP_DISTINCT, C(users, "age"))), "count(DISTINCT users.age)", "");
    orm_expr_release(x);
    orm_expr_release(sum);
}

/* ---- result types ------------------------------------------------------ */

static void test_compile_query__result_types(void **state)
{
    (void)state;
    orm_expr *e = C(users, "age");
    assert_int_equal(orm_expr_type(e)->kind, ORM_T_INTEGER);
    orm_expr_release(e);
    e = BIN(ORM_OP_GT, C(users, "age"), I(1));
    assert_int_equal(orm_expr_type(e)->kind, ORM_T_BOOLEAN);
    orm_expr_release(e);
    e = FN("count", C(users, "id"));
    assert_int_equal(orm_expr_type(e)->kind, ORM_T_INTEGER);
    orm_expr_release(e);
    e = LABEL(FN("max", C(users, "username")), "m");
    assert_int_equal(orm_expr_type(e)->kind, ORM_T_STRING);
    orm_expr_release(e);
    orm_select *s = select_of(post);
    e = orm_expr_select(s, 1);
    assert_int_equal(orm_expr_type(e)->kind, ORM_T_BOOLEAN);
    orm_expr_release(e);
    orm_select_free(s);
    e = FN("random", NULL);
    assert_null(orm_expr_type(e));
    orm_expr_release(e);
}

/* ---- bulk UPDATE / DELETE ---------------------------------------------- */

static void test_compile_query__bulk_update(void **state)
{
    (void)state;
    int cols[2] = {col_index(post, "title"), col_index(post, "views")};
    orm_expr *vals[2] = {S("x"), BIN(ORM_OP_ADD, C(post, "views"), I(1))};
    orm_expr *w = BIN(ORM_OP_EQ, C(post, "author_id"), I(7));
    orm_compiled c;
    orm_compiled_init(&c);
    orm_error err;
    orm_error_init(&err);
    assert_int_equal(orm_compile_update_where(D, post, cols, vals, 2, w, &c, &err), 0);
    check_compiled(&c, "UPDATE post SET title=?, views=post.views + ? WHERE post.author_id = ?",
                   "x | 1 | 7");
    orm_compiled_reset(&c);
    assert_int_equal(orm_compile_update_where(D, post, cols, vals, 1, NULL, &c, &err), 0);
    check_compiled(&c, "UPDATE post SET title=?", "x");
    orm_compiled_reset(&c);
    assert_int_equal(orm_compile_update_where(D, post, cols, vals, 0, NULL, &c, &err), ORM_EFAIL);
    assert_int_equal(err.cls, ORM_ERR_PROGRAMMING);
    orm_error_clear(&err);
    orm_compiled_free(&c);
    orm_expr_release(vals[0]);
    orm_expr_release(vals[1]);
    orm_expr_release(w);
}

static void test_compile_query__bulk_delete_with_a_correlated_subquery(void **state)
{
    (void)state;
    orm_select *young = select_cols(C(users, "id"), NULL);
    where(young, BIN(ORM_OP_LT, C(users, "age"), I(18)));
    orm_expr *w = IN_SELECT(C(post, "author_id"), young, 0);
    orm_compiled c;
    orm_compiled_init(&c);
    orm_error err;
    orm_error_init(&err);
    assert_int_equal(orm_compile_delete_where(D, post, w, &c, &err), 0);
    check_compiled(&c,
                   "DELETE FROM post WHERE post.author_id IN "
                   "(SELECT users.id FROM users WHERE users.age < ?)",
                   "18");
    orm_compiled_reset(&c);
    assert_int_equal(orm_compile_delete_where(D, post, NULL, &c, &err), 0);
    check_compiled(&c, "DELETE FROM post", "");
    orm_compiled_free(&c);
    orm_expr_release(w);
}

static void test_compile_query__bulk_values_never_reach_the_sql(void **state)
{
    (void)state;
    const char *evil = "x'); DELETE FROM users; -- :name %_";
    int cols[1] = {col_index(post, "title")};
    orm_expr *vals[1] = {S(evil)};
    orm_expr *w = BIN(ORM_OP_EQ, C(post, "title"), S("it's /* not */ a comment"));
    orm_compiled c;
    orm_compiled_init(&c);
    orm_error err;
    orm_error_init(&err);
    assert_int_equal(orm_compile_update_where(D, post, cols, vals, 1, w, &c, &err), 0);
    check_compiled(&c, "UPDATE post SET title=? WHERE post.title = ?",
                   "x'); DELETE FROM users; -- :name %_ | it's /* not */ a comment");
    orm_compiled_free(&c);
    orm_expr_release(vals[0]);
    orm_expr_release(w);
}

/* ---- lifetimes ---------------------------------------------------------- */

static void test_compile_query__items_outlive_their_makers(void **state)
{
    (void)state;
    /* a subquery copies its select; an expression keeps its FROM item */
    orm_select *inner = select_cols(C(users, "username"), NULL);
    orm_from *sub = orm_from_subquery(inner, NULL);
    orm_select_free(inner);
    orm_expr *col = SC(sub, "username");
    orm_from_release(sub);
    orm_select *s = select_cols(col, NULL);
    orm_select *clone = orm_select_clone(s);
    orm_select_free(s);
    check_select(clone, "SELECT anon_1.username FROM (SELECT users.username FROM users) AS anon_1",
                 "");
    assert_null(orm_from_subquery(NULL, NULL));
    orm_select *empty = orm_select_new();
    assert_null(orm_from_subquery(empty, NULL));
    assert_null(orm_expr_select(empty, 0));
    orm_select_free(empty);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_compile_query__alias_joined_twice),
        cmocka_unit_test(test_compile_query__aliases_are_numbered_and_named),
        cmocka_unit_test(test_compile_query__alias_name_cannot_inject),
        cmocka_unit_test(test_compile_query__subquery_joined_as_derived_table),
        cmocka_unit_test(test_compile_query__subquery_names_unnamed_and_repeated_columns),
        cmocka_unit_test(test_compile_query__subquery_as_the_only_from),
        cmocka_unit_test(test_compile_query__in_subquery),
        cmocka_unit_test(test_compile_query__exists_correlates_to_the_enclosing_from),
        cmocka_unit_test(test_compile_query__exists_alone_and_uncorrelated),
        cmocka_unit_test(test_compile_query__scalar_subquery_as_a_column),
        cmocka_unit_test(test_compile_query__where_tables_join_the_from),
        cmocka_unit_test(test_compile_query__join_from_the_left_of_its_on_clause),
        cmocka_unit_test(test_compile_query__select_from_an_item),
        cmocka_unit_test(test_compile_query__case),
        cmocka_unit_test(test_compile_query__case_inside_an_aggregate),
        cmocka_unit_test(test_compile_query__cast_and_distinct),
        cmocka_unit_test(test_compile_query__result_types),
        cmocka_unit_test(test_compile_query__bulk_update),
        cmocka_unit_test(test_compile_query__bulk_delete_with_a_correlated_subquery),
        cmocka_unit_test(test_compile_query__bulk_values_never_reach_the_sql),
        cmocka_unit_test(test_compile_query__items_outlive_their_makers),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
