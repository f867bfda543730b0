/* test_savepoint.c — nested transactions of the session (core/savepoint.c)
 * on a real SQLite file: rolling a savepoint back puts every object as it
 * was when the savepoint began (new ones transient with no key, changed
 * ones with their values, deleted ones persistent, rows deleted before it
 * still deleted), releasing keeps the work for the outer transaction,
 * inner savepoints go with an outer one, an inactive savepoint is an
 * ArgumentError; and with the N-th driver call failing inside a rollback
 * to a savepoint, the failure is reported and the outer rollback still
 * brings back the committed state. */
#include "session_fixture.h"

#include "fault.h"

static int savepoint_ok(fx *f)
{
    int id = 0;
    if (orm_session_savepoint(f->s, &id) != ORM_OK)
        fail_msg("savepoint: %s", orm_session_error(f->s)->message);
    assert_true(id > 0);
    return id;
}

static void test_savepoint__rollback_puts_objects_back(void **state)
{
    fx *f = *state;
    orm_object *kept = committed_parent(f, "kept");
    orm_object *gone = committed_parent(f, "gone");
    orm_object *early = committed_parent(f, "early");
    /* before the savepoint: early is deleted, kept renamed */
    assert_int_equal(orm_session_delete(f->s, early), ORM_OK);
    set_text(kept, P_NAME, "kept2");
    int sp = savepoint_ok(f);                /* flushes both */
    assert_int_equal(nrows(f, "parent"), 3); /* another connection sees the committed rows */
    /* inside: a new parent, kept renamed again, gone deleted */
    orm_object *fresh = new_parent(f, "fresh");
    add_ok(f, fresh);
    set_text(kept, P_NAME, "kept3");
    assert_int_equal(orm_session_delete(f->s, gone), ORM_OK);
    flush_ok(f);
    assert_true(int_of(fresh, P_ID) > 0);
    assert_int_equal(orm_session_rollback_to_savepoint(f->s, sp), ORM_OK);
    /* the new object is transient again, with no generated key */
    assert_int_equal(fresh->state, ORM_OBJ_TRANSIENT);
    assert_null(fresh->session);
    assert_true(is_null(fresh, P_ID));
    /* kept has the value it had at the savepoint, gone is back */
    assert_string_equal(text_of(kept, P_NAME), "kept2");
    assert_int_equal(gone->state, ORM_OBJ_PERSISTENT);
    assert_string_equal(text_of(gone, P_NAME), "gone");
    /* early was deleted before the savepoint: still deleted */
    assert_int_equal(early->state, ORM_OBJ_DELETED);
    commit_ok(f);
    char buf[128];
    assert_string_equal(raw_text(f,
                                 "SELECT group_concat(name, ',') FROM (SELECT name FROM parent "
                                 "ORDER BY id)",
                                 buf, sizeof buf),
                        "kept2,gone");
    orm_object_release(kept);
    orm_object_release(gone);
    orm_object_release(early);
    orm_object_release(fresh);
}

static void test_savepoint__release_keeps_the_work_and_ends_inner_ones(void **state)
{
    fx *f = *state;
    int outer = savepoint_ok(f);
    orm_object *a = new_parent(f, "a");
    add_ok(f, a);
    int inner = savepoint_ok(f);
    orm_object *b = new_parent(f, "b");
    add_ok(f, b);
    assert_true(inner > outer);
    /* releasing the outer one releases the inner one too */
    assert_int_equal(orm_session_release_savepoint(f->s, outer), ORM_OK);
    assert_true(orm_session_release_savepoint(f->s, inner) < 0);
    assert_int_equal(orm_session_error(f->s)->cls, ORM_ERR_ARGUMENT);
    assert_string_equal(orm_session_error(f->s)->message, "this savepoint is no longer active");
    assert_true(orm_session_rollback_to_savepoint(f->s, inner) < 0);
    assert_int_equal(orm_session_error(f->s)->cls, ORM_ERR_ARGUMENT);
    assert_int_equal(nrows(f, "parent"), 0); /* not committed yet */
    commit_ok(f);
    assert_int_equal(nrows(f, "parent"), 2);
    orm_object_release(a);
    orm_object_release(b);
}

static void test_savepoint__inner_rollback_keeps_the_outer_work(void **state)
{
    fx *f = *state;
    int outer = savepoint_ok(f);
    orm_object *a = new_parent(f, "a");
    add_ok(f, a);
    int inner = savepoint_ok(f);
    orm_object *c = new_child(f, 0, "never-flushed");
    add_ok(f, c);
    set_text(a, P_NAME, "a2");
    assert_int_equal(orm_session_rollback_to_savepoint(f->s, inner), ORM_OK);
    assert_int_equal(c->state, ORM_OBJ_TRANSIENT);
    assert_string_equal(text_of(a, P_NAME), "a");
    assert_int_equal(a->state, ORM_OBJ_PERSISTENT);
    assert_int_equal(orm_session_release_savepoint(f->s, outer), ORM_OK);
    commit_ok(f);
    assert_int_equal(nrows(f, "parent"), 1);
    assert_int_equal(nrows(f, "child"), 0);
    orm_object_release(a);
    orm_object_release(c);
}

/* The N-th driver call fails during savepoint, work and rollback to it:
 * each failure is an OperationalError, and a full rollback afterwards
 * leaves the committed row alone with its committed value. */
static void test_savepoint__each_failed_driver_call_is_reported(void **state)
{
    fx *f = *state;
    orm_object *a = committed_parent(f, "a");
    int failures = 0, done = 0;
    for (long n = 1; n < 200 && !done; n++) {
        orm_driver_fail_after(n);
        int id = 0;
        int rc = orm_session_savepoint(f->s, &id);
        orm_object *b = NULL;
        if (rc == ORM_OK) {
            set_text(a, P_NAME, "changed");
            b = new_parent(f, "b");
            rc = orm_session_add(f->s, b);
        }
        if (rc == ORM_OK) rc = orm_session_flush(f->s);
        if (rc == ORM_OK) rc = orm_session_rollback_to_savepoint(f->s, id);
        int fired = orm_driver_fail_fired();
        orm_driver_fail_after(0);
        if (rc < 0) {
            failures++;
            assert_true(fired);
            assert_int_equal(orm_session_error(f->s)->cls, ORM_ERR_OPERATIONAL);
        } else {
            assert_string_equal(text_of(a, P_NAME), "a");
            done = !fired;
        }
        assert_int_equal(orm_session_rollback(f->s), ORM_OK);
        assert_string_equal(text_of(a, P_NAME), "a");
        assert_int_equal(a->state, ORM_OBJ_PERSISTENT);
        if (b) orm_object_release(b);
        assert_int_equal(nrows(f, "parent"), 1);
    }
    assert_true(done);
    assert_true(failures > 3);
    orm_object_release(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        FIXTURE_TEST(test_savepoint__rollback_puts_objects_back),
        FIXTURE_TEST(test_savepoint__release_keeps_the_work_and_ends_inner_ones),
        FIXTURE_TEST(test_savepoint__inner_rollback_keeps_the_outer_work),
        FIXTURE_TEST(test_savepoint__each_failed_driver_call_is_reported),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
