/* test_flush_update_refused.c — a before_update hook that refuses an
 * update (core/flush.c): the commit fails with the hook's error, nothing of
 * the transaction is written (not even the inserts before it), the refused
 * object is the one the session reports as failed, and its change stays
 * pending: once the hook allows it, the next commit writes everything. */
#include "session_fixture.h"

typedef struct refuse {
    const orm_object *victim;
    int calls;
} refuse;

static int refuse_update(void *ctx, orm_object *o, orm_error *err)
{
    refuse *r = ctx;
    r->calls++;
    if (o != r->victim) return ORM_OK;
    return orm_error_set(err, ORM_ERR_DATA, 0, "parent: name may not become '%s'",
                         orm_object_get(o, P_NAME)->u.s);
}

static void test_flush_update_refused__nothing_written(void **state)
{
    fx *f = *state;
    orm_object *a = committed_parent(f, "a");
    orm_object *b = committed_parent(f, "b");
    refuse r = {.victim = b};
    orm_session_hooks h = {.before_update = refuse_update, .ctx = &r};
    orm_session_set_hooks(f->s, &h);
    orm_object *c = new_parent(f, "c");
    add_ok(f, c);
    set_text(a, P_NOTE, "a's note");
    set_text(b, P_NAME, "forbidden");
    assert_int_equal(orm_session_commit(f->s), ORM_EFAIL);
    orm_error *e = orm_session_error(f->s);
    assert_int_equal(e->cls, ORM_ERR_DATA);
    assert_string_equal(e->message, "parent: name may not become 'forbidden'");
    int autoflush = -1;
    orm_object *failed = orm_session_take_failed(f->s, &autoflush);
    assert_ptr_equal(failed, b);
    assert_int_equal(autoflush, 0);
    orm_object_release(failed);
    /* nothing of the transaction is in the database */
    assert_false(orm_conn_in_transaction(f->conn));
    assert_int_equal(nrows(f, "parent"), 2);
    assert_int_equal(raw_int(f, "SELECT count(*) FROM parent WHERE note IS NOT NULL"), 0);
    assert_int_equal(raw_int(f, "SELECT count(*) FROM parent WHERE name = 'forbidden'"), 0);
    /* the changes are still pending: allowed now, all written */
    assert_int_equal(orm_session_pending_count(f->s), 3);
    r.victim = NULL;
    commit_ok(f);
    assert_int_equal(nrows(f, "parent"), 3);
    assert_int_equal(raw_int(f, "SELECT count(*) FROM parent WHERE name = 'forbidden'"), 1);
    char buf[32];
    assert_string_equal(raw_text(f, "SELECT note FROM parent WHERE name = 'a'", buf, sizeof buf),
                        "a's note");
    orm_session_set_hooks(f->s, &(orm_session_hooks){0});
    orm_object_release(a);
    orm_object_release(b);
    orm_object_release(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_flush_update_refused__nothing_written, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
