/* test_cursor_streams.c — cursors (core/cursor.c) beyond one plain query:
 * a statement with more parameters than the cursor keeps on its stack;
 * streaming cursors that a DROP TABLE or closing the session ends (each
 * then reports the end and is only freed by close, and the DDL is not
 * blocked by their open statements), and that a rollback lets read on; an outer join row without a
 * match gives no object; a failing statement's error moves to the
 * session; and with each allocation failing in turn a query either fails
 * "out of memory" or reads exactly its rows. */
#include "session_fixture.h"

#include "fault.h"

/* SELECT ? + ? + ... of n integers 1..n: their sum, or the failure code. */
static int sum_of(fx *f, int n, int64_t *sum)
{
    char sql[512] = "SELECT 0";
    orm_value vals[40];
    const orm_value *params[40];
    for (int i = 0; i < n; i++) {
        strcat(sql, " + ?");
        orm_value_int(&vals[i], i + 1);
        params[i] = &vals[i];
    }
    orm_cursor *c = NULL;
    int rc = orm_cursor_open(f->s, sql, params, (size_t)n, &c);
    if (rc < 0) return rc;
    if ((rc = orm_cursor_step(c)) == ORM_ROW) {
        orm_value v = ORM_VALUE_NULL;
        rc = orm_cursor_value(c, 0, &v);
        *sum = v.u.i;
    }
    orm_cursor_close(c);
    return rc < 0 ? rc : ORM_OK;
}

static void test_cursor_streams__many_parameters(void **state)
{
    fx *f = *state;
    f->conn->echo = 0;
    int64_t sum = 0;
    assert_int_equal(sum_of(f, 10, &sum), ORM_OK);
    assert_int_equal(sum, 55);
    assert_int_equal(sum_of(f, 40, &sum), ORM_OK); /* past the cursor's 16 on the stack */
    assert_int_equal(sum, 820);
    /* the session kept the last cursor closed: a query of few parameters
     * over a cached statement allocates nothing */
    orm_fault_alloc_after(1);
    assert_int_equal(sum_of(f, 10, &sum), ORM_OK);
    assert_false(orm_fault_alloc_fired());
    orm_fault_alloc_after(0);
    int failures = 0, done = 0;
    for (long n = 1; n < 200 && !done; n++) {
        sum = 0;
        orm_cursor *held = NULL; /* takes the kept cursor: sum_of's is allocated */
        assert_int_equal(orm_cursor_open(f->s, "SELECT 1", NULL, 0, &held), ORM_OK);
        orm_fault_alloc_after(n);
        int rc = sum_of(f, 40, &sum);
        int fired = orm_fault_alloc_fired();
        orm_fault_alloc_after(0);
        orm_cursor_close(held);
        if (rc == ORM_OK) {
            assert_int_equal(sum, 820);
            done = !fired;
        } else {
            failures++;
            assert_true(fired);
            assert_string_equal(orm_session_error(f->s)->message, "out of memory");
        }
        assert_int_equal(orm_session_rollback(f->s), ORM_OK);
    }
    assert_true(done);
    assert_true(failures >= 2); /* the cursor, the values */
}

static orm_cursor *stream_over(fx *f, const char *sql)
{
    orm_cursor *c = NULL;
    if (orm_cursor_open(f->s, sql, NULL, 0, &c) != ORM_OK)
        fail_msg("%s: %s", sql, orm_session_error(f->s)->message);
    orm_cursor_stream(c);
    return c;
}

static void test_cursor_streams__ddl_rollback_and_close_end_streams(void **state)
{
    fx *f = *state;
    raw_exec(f, "INSERT INTO parent (id, name) VALUES (1, 'a'), (2, 'b'), (3, 'c');"
                "INSERT INTO item (a, b, qty) VALUES (1, 'x', 1), (2, 'y', 2)");
    orm_cursor *a = stream_over(f, "SELECT id FROM parent ORDER BY id");
    orm_cursor *b = stream_over(f, "SELECT a FROM item ORDER BY a");
    assert_int_equal(orm_cursor_step(a), ORM_ROW);
    assert_int_equal(orm_cursor_step(b), ORM_ROW);
    assert_false(orm_cursor_ended(a));
    /* DROP while both read: they end, the DROP runs */
    orm_cursor *d = NULL;
    if (orm_cursor_open(f->s, "  DROP TABLE item", NULL, 0, &d) != ORM_OK)
        fail_msg("drop: %s", orm_session_error(f->s)->message);
    orm_cursor_close(d);
    assert_true(orm_cursor_ended(a));
    assert_true(orm_cursor_ended(b));
    assert_int_equal(orm_cursor_step(a), ORM_DONE);
    assert_int_equal(orm_cursor_step(b), ORM_DONE);
    orm_cursor_close(a);
    orm_cursor_close(b);
    commit_ok(f);
    assert_int_equal(raw_int(f, "SELECT count(*) FROM sqlite_master WHERE name = 'item'"), 0);

    /* a rollback leaves a streaming read going (SQLite lets it read on) */
    a = stream_over(f, "SELECT id FROM parent ORDER BY id");
    assert_int_equal(orm_cursor_step(a), ORM_ROW);
    assert_int_equal(orm_session_rollback(f->s), ORM_OK);
    assert_false(orm_cursor_ended(a));
    assert_int_equal(orm_cursor_step(a), ORM_ROW);
    orm_cursor_close(a);
    /* and a plain (not streaming) cursor reads on */
    a = NULL;
    assert_int_equal(orm_cursor_open(f->s, "SELECT id FROM parent", NULL, 0, &a), ORM_OK);
    assert_int_equal(orm_cursor_step(a), ORM_ROW);
    assert_int_equal(orm_cursor_step(a), ORM_ROW);
    orm_cursor_close(a);
    /* closing the session ends a stream still open; close then only frees */
    a = stream_over(f, "SELECT id FROM parent");
    orm_session_free(f->s);
    f->s = orm_session_new(f->conn, f->md);
    assert_true(orm_cursor_ended(a));
    orm_cursor_close(a);
}

static void test_cursor_streams__outer_join_rows_and_failures(void **state)
{
    fx *f = *state;
    raw_exec(f, "INSERT INTO parent (id, name) VALUES (1, 'a');"
                "INSERT INTO child (id, parent_id, name) VALUES (5, 1, 'c')");
    orm_cursor *c = NULL;
    assert_int_equal(orm_cursor_open(f->s,
                                     "SELECT parent.id, parent.name, parent.note, child.id, "
                                     "child.parent_id, child.name FROM parent LEFT OUTER JOIN "
                                     "child ON child.parent_id = parent.id AND child.name = 'x'",
                                     NULL, 0, &c),
                     ORM_OK);
    assert_int_equal(orm_cursor_step(c), ORM_ROW);
    orm_object *p = NULL, *ch = (orm_object *)1;
    assert_int_equal(orm_cursor_object(c, f->parent, 0, &p), ORM_OK);
    assert_non_null(p);
    assert_int_equal(orm_cursor_object(c, f->child, 3, &ch), ORM_OK);
    assert_null(ch); /* no match: no object */
    assert_string_equal(text_of(p, P_NAME), "a");
    orm_object_release(p);
    orm_cursor_close(c);
    /* a statement that fails while stepping: the error is the session's */
    assert_int_equal(orm_cursor_open(f->s,
                                     "SELECT CASE WHEN id > 0 THEN abs(-9223372036854775807 - id) "
                                     "END FROM parent",
                                     NULL, 0, &c),
                     ORM_EFAIL);
    assert_null(c);
    assert_non_null(strstr(orm_session_error(f->s)->message, "integer overflow"));
    assert_int_equal(orm_session_rollback(f->s), ORM_OK);
    raw_exec(f, "INSERT INTO parent (id, name) VALUES (2, 'b')");
    assert_int_equal(orm_cursor_open(f->s,
                                     "SELECT abs(-9223372036854775806 - id) FROM parent "
                                     "ORDER BY id",
                                     NULL, 0, &c),
                     ORM_OK); /* the first row is fine */
    assert_int_equal(orm_cursor_step(c), ORM_ROW);
    assert_int_equal(orm_cursor_step(c), ORM_EFAIL); /* the second overflows */
    assert_non_null(strstr(orm_session_error(f->s)->message, "integer overflow"));
    assert_int_equal(orm_cursor_step(c), ORM_DONE); /* and it stays ended */
    orm_cursor_close(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        FIXTURE_TEST(test_cursor_streams__many_parameters),
        FIXTURE_TEST(test_cursor_streams__ddl_rollback_and_close_end_streams),
        FIXTURE_TEST(test_cursor_streams__outer_join_rows_and_failures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
