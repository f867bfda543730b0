/* test_explain.c — orm_explain (core/explain.c) on SQLite: the real
 * EXPLAIN QUERY PLAN drawn as an indented tree with bound values kept as
 * parameters; answers shaped like the other backends' (one column as is,
 * several as name=value pairs, NULLs and numbers as text), taken from a
 * dialect whose EXPLAIN prefix is empty so the statement's own rows are the
 * "plan"; bad SQL fails with the driver's class and leaves nothing in the
 * output; and every failing allocation is "out of memory" while a run that
 * survives writes exactly the fault-free text. */
#include "session_fixture.h"

#include "backend.h"
#include "explain.h"
#include "fault.h"

/* The connection's backend, with a dialect whose EXPLAIN prefix is empty. */
static orm_backend plain_backend;
static orm_dialect plain_dialect;

static void use_plain_explain(fx *f)
{
    plain_backend = *f->conn->backend;
    plain_dialect = *plain_backend.dialect;
    plain_dialect.explain = "";
    plain_backend.dialect = &plain_dialect;
    f->conn->backend = &plain_backend;
}

/* The plan of sql, or fails the test with the session's message. */
static char *plan(fx *f, const char *sql, const orm_value *const *params, size_t n)
{
    orm_buf out = ORM_BUF_INIT;
    if (orm_explain(f->s, sql, params, n, &out) != ORM_OK)
        fail_msg("explain %s: %s", sql, orm_session_error(f->s)->message);
    char *text = orm_buf_detach(&out);
    assert_non_null(text);
    return text;
}

static void test_explain__sqlite_plan_is_an_indented_tree(void **state)
{
    fx *f = *state;
    f->conn->echo = 0;
    orm_value name;
    orm_value_int(&name, 7);
    const orm_value *params[] = {&name};
    char *text =
        plan(f,
             "SELECT * FROM parent WHERE id IN (SELECT parent_id FROM child WHERE name = ?) "
             "AND name = (SELECT max(c.name) FROM child c WHERE c.parent_id = parent.id)",
             params, 1);
    /* each subquery's scan is drawn under it, two spaces in */
    assert_non_null(strstr(text, "SEARCH parent USING INTEGER PRIMARY KEY (rowid=?)\n"));
    assert_non_null(strstr(text, "LIST SUBQUERY 1\n  SCAN child\n"));
    assert_non_null(strstr(text, "CORRELATED SCALAR SUBQUERY 2\n  "));
    assert_int_not_equal(text[strlen(text) - 1], '\n'); /* no final newline */
    free(text);
}

static void test_explain__other_answer_shapes(void **state)
{
    fx *f = *state;
    use_plain_explain(f);
    /* one column (PostgreSQL's QUERY PLAN): each row as it is */
    char *text =
        plan(f, "SELECT 'Seq Scan on parent' UNION ALL SELECT '  Filter: (id = 1)'", NULL, 0);
    assert_string_equal(text, "Seq Scan on parent\n  Filter: (id = 1)");
    free(text);
    /* several columns (MySQL): name=value pairs, NULL and numbers as text */
    orm_value rows;
    orm_value_int(&rows, 42);
    const orm_value *params[] = {&rows};
    text = plan(f,
                "SELECT 1 AS id, 'SIMPLE' AS select_type, NULL AS possible_keys, ? AS rows, 0.5 AS "
                "filtered",
                params, 1);
    assert_string_equal(text, "id=1 select_type=SIMPLE possible_keys=NULL rows=42 filtered=0.5");
    free(text);
    /* four columns that are not SQLite's plan: pairs too */
    text = plan(f, "SELECT 1 AS id, 2 AS rows, 3 AS x, 4 AS detail", NULL, 0);
    assert_string_equal(text, "id=1 rows=2 x=3 detail=4");
    free(text);
    text = plan(f, "SELECT 1 AS id, 2 AS parent, 3 AS x, 4 AS extra", NULL, 0);
    assert_string_equal(text, "id=1 parent=2 x=3 extra=4");
    free(text);
    text = plan(f, "SELECT 1 AS key, 2 AS parent, 3 AS x, 4 AS detail", NULL, 0);
    assert_string_equal(text, "key=1 parent=2 x=3 detail=4");
    free(text);
    /* no row at all: empty text, still a success */
    text = plan(f, "SELECT 1 WHERE 0", NULL, 0);
    assert_string_equal(text, "");
    free(text);
}

/* Rows shaped like SQLite's plan (id, parent, notused, detail), made up so
 * the tree is known: nesting three deep, a parent that is NULL or not a
 * number (drawn at the top), an id that is not a number (never a parent),
 * and more rows than the first allocation of the depth table holds. */
static const char FAKE_PLAN[] =
    "WITH RECURSIVE n(i) AS (SELECT 10 UNION ALL SELECT i + 1 FROM n WHERE i < 29) "
    "SELECT 1 AS id, 0 AS parent, 0 AS notused, 'top' AS detail "
    "UNION ALL SELECT 2, 1, 0, 'child' "
    "UNION ALL SELECT 3, 2, 0, 'grandchild' "
    "UNION ALL SELECT 'x', 1, 0, 'text id' "
    "UNION ALL SELECT 4, NULL, 0, 'null parent' "
    "UNION ALL SELECT 5, 'x', 0, 'text parent' "
    "UNION ALL SELECT 6, 3, 0, NULL "
    "UNION ALL SELECT i, i - 1 + (i = 10) * -6, 0, 'r' || i FROM n";

static char *fake_plan_expected(void)
{
    orm_buf b = ORM_BUF_INIT;
    orm_buf_puts(&b,
                 "top\n  child\n    grandchild\n  text id\nnull parent\ntext parent\n      NULL");
    /* r10's parent is 3 (depth 3), each next one a level deeper */
    for (int i = 10; i <= 29; i++) {
        orm_buf_putc(&b, '\n');
        for (int k = 0; k < 3 + (i - 10); k++)
            orm_buf_puts(&b, "  ");
        orm_buf_printf(&b, "r%d", i);
    }
    return orm_buf_detach(&b);
}

static void test_explain__made_up_tree(void **state)
{
    fx *f = *state;
    use_plain_explain(f);
    char *want = fake_plan_expected();
    char *text = plan(f, FAKE_PLAN, NULL, 0);
    assert_string_equal(text, want);
    free(text);
    free(want);
}

static void test_explain__bad_sql_fails_with_the_drivers_class(void **state)
{
    fx *f = *state;
    orm_buf out = ORM_BUF_INIT;
    assert_int_equal(orm_explain(f->s, "SELECT nope FROM parent", NULL, 0, &out), ORM_EFAIL);
    orm_error *e = orm_session_error(f->s);
    assert_int_equal(e->cls, ORM_ERR_PROGRAMMING);
    assert_non_null(strstr(e->message, "no such column: nope"));
    assert_non_null(e->sql);
    assert_non_null(strstr(e->sql, "EXPLAIN QUERY PLAN SELECT nope FROM parent"));
    assert_int_equal(out.len, 0);
    orm_buf_free(&out);
    /* the session goes on: a good statement afterwards */
    char *text = plan(f, "SELECT * FROM parent", NULL, 0);
    assert_string_equal(text, "SCAN parent");
    free(text);
}

/* Every allocation of a run failing in turn: out of memory, or (when the
 * failure hit nothing that mattered) exactly the fault-free text. */
static void test_explain__each_failed_allocation(void **state)
{
    fx *f = *state;
    use_plain_explain(f);
    char *want = fake_plan_expected();
    int failures = 0, done = 0;
    for (long n = 1; n < 5000 && !done; n++) {
        orm_buf out = ORM_BUF_INIT;
        orm_fault_alloc_after(n);
        int rc = orm_explain(f->s, FAKE_PLAN, NULL, 0, &out);
        int fired = orm_fault_alloc_fired();
        orm_fault_alloc_after(0);
        if (!fired) done = 1;
        if (rc == ORM_OK) {
            assert_string_equal(orm_buf_str(&out), want);
        } else {
            failures++;
            assert_int_equal(rc, ORM_ENOMEM);
            orm_error *e = orm_session_error(f->s);
            assert_int_equal(e->cls, ORM_ERR_OPERATIONAL);
            assert_string_equal(e->message, "out of memory");
            orm_error_clear(e);
        }
        orm_buf_free(&out);
    }
    assert_true(done);
    assert_true(failures >= 3); /* the statement text, the depth table, the output */
    free(want);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        FIXTURE_TEST(test_explain__sqlite_plan_is_an_indented_tree),
        FIXTURE_TEST(test_explain__other_answer_shapes),
        FIXTURE_TEST(test_explain__made_up_tree),
        FIXTURE_TEST(test_explain__bad_sql_fails_with_the_drivers_class),
        FIXTURE_TEST(test_explain__each_failed_allocation),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
