/* test_session_rollback_faults.c — a session's transaction ends cleanly
 * even when ending it fails (core/session.c): a ROLLBACK the driver
 * refuses reports its error, yet nothing stays written, no transaction
 * stays open and the objects are back as they were; an idle session whose
 * COMMIT of a read transaction fails rolls it back quietly; and a flush
 * inside a savepoint, with each driver call failing in turn, either
 * undoes only the savepoint's work or (its ROLLBACK TO failing too) the
 * whole transaction — never a half-written change. */
#include "session_fixture.h"

static void test_session_rollback_faults__failing_rollback(void **state)
{
    fx *f = *state;
    orm_object *kept = committed_parent(f, "kept");
    set_text(kept, P_NOTE, "changed");
    orm_object *p = new_parent(f, "new");
    add_ok(f, p);
    flush_ok(f);
    assert_true(orm_conn_in_transaction(f->conn));
    orm_driver_fail_after(1);
    assert_int_equal(orm_session_rollback(f->s), ORM_EFAIL);
    assert_true(orm_driver_fail_fired());
    orm_driver_fail_after(0);
    assert_string_equal(orm_session_error(f->s)->message, "injected fault");
    /* the second try ended it: nothing written, nothing open */
    assert_false(orm_conn_in_transaction(f->conn));
    assert_int_equal(nrows(f, "parent"), 1);
    assert_int_equal(raw_int(f, "SELECT count(*) FROM parent WHERE note IS NULL"), 1);
    /* the objects are as before the transaction */
    assert_int_equal(p->state, ORM_OBJ_TRANSIENT);
    assert_true(is_null(kept, P_NOTE));
    assert_int_equal(orm_session_pending_count(f->s), 0);
    commit_ok(f);
    assert_int_equal(nrows(f, "parent"), 1);
    orm_object_release(p);
    orm_object_release(kept);
}

static void test_session_rollback_faults__idle_commit_failing(void **state)
{
    fx *f = *state;
    orm_object *p = committed_parent(f, "a");
    orm_object_release(p);
    orm_object *again = get_int(f, f->parent, 1); /* a read: a transaction is open */
    if (again) orm_object_release(again);
    orm_cursor *c = NULL;
    assert_int_equal(orm_cursor_open(f->s, "SELECT count(*) FROM parent", NULL, 0, &c), ORM_OK);
    assert_int_equal(orm_cursor_step(c), ORM_ROW);
    orm_cursor_close(c);
    assert_true(orm_conn_in_transaction(f->conn));
    orm_driver_fail_after(1); /* the COMMIT */
    orm_session_end_idle(f->s);
    assert_true(orm_driver_fail_fired());
    orm_driver_fail_after(0);
    assert_false(orm_conn_in_transaction(f->conn)); /* rolled back instead */
    assert_null(f->conn->err.message);
    /* another writer is not kept out */
    raw_exec(f, "INSERT INTO parent (name) VALUES ('other')");
    assert_int_equal(nrows(f, "parent"), 2);
}

static void test_session_rollback_faults__flush_in_a_savepoint(void **state)
{
    fx *f = *state;
    int outcomes[3] = {0, 0, 0}; /* flushed, savepoint undone, transaction undone */
    for (long n = 1; n < 40; n++) {
        orm_object *base = new_parent(f, "base");
        add_ok(f, base);
        flush_ok(f);
        int id = 0;
        assert_int_equal(orm_session_savepoint(f->s, &id), ORM_OK);
        orm_object *inner = new_parent(f, "inner");
        add_ok(f, inner);
        orm_driver_fail_after(n);
        int rc = orm_session_flush(f->s);
        int fired = orm_driver_fail_fired();
        orm_driver_fail_after(0);
        if (rc == ORM_OK) {
            assert_false(fired);
            outcomes[0]++;
            assert_int_equal(orm_session_release_savepoint(f->s, id), ORM_OK);
            commit_ok(f);
            assert_int_equal(nrows(f, "parent"), 2);
            orm_object_release(base);
            orm_object_release(inner);
            break;
        }
        assert_true(fired);
        assert_string_equal(orm_session_error(f->s)->message, "injected fault");
        if (orm_conn_in_transaction(f->conn)) {
            /* only the savepoint's work undone: base is still written */
            outcomes[1]++;
            assert_int_equal(inner->state, ORM_OBJ_PENDING);
            assert_int_equal(base->state, ORM_OBJ_PERSISTENT);
        } else {
            outcomes[2]++; /* the whole transaction: base pending again */
            assert_int_equal(base->state, ORM_OBJ_PENDING);
        }
        assert_int_equal(orm_session_rollback(f->s), ORM_OK);
        assert_int_equal(nrows(f, "parent"), 0);
        assert_int_equal(base->state, ORM_OBJ_TRANSIENT);
        assert_int_equal(inner->state, ORM_OBJ_TRANSIENT);
        orm_object_release(base);
        orm_object_release(inner);
    }
    assert_int_equal(outcomes[0], 1);
    assert_true(outcomes[1] > 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_session_rollback_faults__failing_rollback, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_session_rollback_faults__idle_commit_failing, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_session_rollback_faults__flush_in_a_savepoint, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
