/* test_flush_plan.c — orm_session_plan (core/flush_plan.c): the statements
 * the next flush would run, in the flush's order, with their parameters,
 * without running anything (nothing echoed, no transaction, objects
 * unchanged); and orm_session_take_failed: the object a failed flush was
 * writing, and whether that flush was the autoflush before a query. */
#include "session_fixture.h"

#include "value.h"

/* Collects "SQL | p1, p2" lines. */
typedef struct plan {
    char lines[16][256];
    int n;
} plan;

static int collect(void *ctx, const char *sql, const orm_value *const *params, size_t n)
{
    plan *p = ctx;
    assert_true(p->n < 16);
    orm_buf b = ORM_BUF_INIT;
    orm_buf_puts(&b, sql);
    for (size_t i = 0; i < n; i++) {
        orm_buf_puts(&b, i == 0 ? " | " : ", ");
        assert_int_equal(orm_value_describe(&b, params[i]), 0);
    }
    snprintf(p->lines[p->n++], sizeof p->lines[0], "%s", orm_buf_str(&b));
    orm_buf_free(&b);
    return ORM_OK;
}

static void test_plan__lists_inserts_updates_deletes_in_flush_order(void **state)
{
    fx *f = *state;
    orm_object *old = committed_parent(f, "old");
    orm_object *gone = committed_parent(f, "gone");
    echo_reset(f);
    orm_object *c = new_child(f, 1, "c"); /* a child added before its parent table's row */
    orm_object *p = new_parent(f, "new");
    add_ok(f, c);
    add_ok(f, p);
    set_text(old, P_NOTE, "changed");
    assert_int_equal(orm_session_delete(f->s, gone), ORM_OK);
    plan pl = {0};
    assert_int_equal(orm_session_plan(f->s, collect, &pl), ORM_OK);
    assert_int_equal(pl.n, 4);
    assert_string_equal(pl.lines[0], "INSERT INTO parent (name) VALUES (?) | \"new\"");
    assert_string_equal(pl.lines[1],
                        "INSERT INTO child (parent_id, name) VALUES (?, ?) | 1, \"c\"");
    assert_string_equal(pl.lines[2],
                        "UPDATE parent SET note=? WHERE parent.id = ? | \"changed\", 1");
    assert_string_equal(pl.lines[3], "DELETE FROM parent WHERE parent.id = ? | 2");
    /* nothing ran, nothing changed */
    assert_int_equal(f->nlines, 0);
    assert_false(orm_conn_in_transaction(f->conn));
    assert_int_equal(p->state, ORM_OBJ_PENDING);
    assert_true(is_null(p, P_ID));
    assert_true(old->dirty != 0);
    assert_int_equal(nrows(f, "child"), 0);
    /* the flush runs what the plan said */
    flush_ok(f);
    assert_int_equal(echo_count(f, "INSERT INTO parent (name) VALUES (?)  [params: \"new\"]"), 1);
    assert_int_equal(echo_count(f, "DELETE FROM parent WHERE parent.id = ?  [params: 2]"), 1);
    plan after = {0};
    assert_int_equal(orm_session_plan(f->s, collect, &after), ORM_OK);
    assert_int_equal(after.n, 0);
    orm_object_release(old);
    orm_object_release(gone);
    orm_object_release(c);
    orm_object_release(p);
}

static int stop_at_first(void *ctx, const char *sql, const orm_value *const *params, size_t n)
{
    (void)sql, (void)params, (void)n;
    ++*(int *)ctx;
    return ORM_EFAIL;
}

static void test_plan__a_failing_callback_stops_the_plan(void **state)
{
    fx *f = *state;
    orm_object *a = new_parent(f, "a"), *b = new_parent(f, "b");
    add_ok(f, a);
    add_ok(f, b);
    int calls = 0;
    assert_int_equal(orm_session_plan(f->s, stop_at_first, &calls), ORM_EFAIL);
    assert_int_equal(calls, 1);
    orm_object_release(a);
    orm_object_release(b);
}

static void test_take_failed__names_the_object_and_the_autoflush(void **state)
{
    fx *f = *state;
    orm_object *a = committed_parent(f, "a");
    orm_object *dup = new_parent(f, "a");
    add_ok(f, dup);
    int autoflush = -1;
    assert_null(orm_session_take_failed(f->s, &autoflush));
    /* an explicit flush */
    assert_true(orm_session_flush(f->s) < 0);
    orm_object *o = orm_session_take_failed(f->s, &autoflush);
    assert_ptr_equal(o, dup);
    assert_int_equal(autoflush, 0);
    orm_object_release(o);
    assert_null(orm_session_take_failed(f->s, &autoflush)); /* taken */
    /* the autoflush before a query */
    assert_true(orm_session_autoflush(f->s) < 0);
    o = orm_session_take_failed(f->s, &autoflush);
    assert_ptr_equal(o, dup);
    assert_int_equal(autoflush, 1);
    orm_object_release(o);
    /* a rollback forgets it */
    assert_true(orm_session_flush(f->s) < 0);
    orm_session_rollback(f->s);
    assert_null(orm_session_take_failed(f->s, &autoflush));
    orm_object_release(a);
    orm_object_release(dup);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        FIXTURE_TEST(test_plan__lists_inserts_updates_deletes_in_flush_order),
        FIXTURE_TEST(test_plan__a_failing_callback_stops_the_plan),
        FIXTURE_TEST(test_take_failed__names_the_object_and_the_autoflush),
    };
    return cmocka_run_group_tests_name("flush_plan", tests, NULL, NULL);
}
