/* test_session_detached.c — objects moving between sessions (core/session.c):
 * a detached object changed while detached joins a new session with its
 * change pending and written at commit; one whose row another object of
 * the session already stands for is refused (ArgumentError naming the
 * table, nothing changed); attaching an existing row needs its full key and
 * gives back the object the session already has; deleting a detached or
 * foreign object is refused; each allocation of adding a detached object
 * failing in turn reports out of memory and leaves it detached. */
#include "session_fixture.h"

#include "fault.h"

/* A committed parent named name, detached by closing the session. */
static orm_object *detached_parent(fx *f, const char *name)
{
    orm_object *p = committed_parent(f, name);
    assert_int_equal(orm_session_close(f->s), ORM_OK);
    assert_int_equal(p->state, ORM_OBJ_DETACHED);
    return p;
}

static void test_session_detached__change_made_while_detached_is_written(void **state)
{
    fx *f = *state;
    orm_object *p = detached_parent(f, "a");
    set_text(p, P_NOTE, "changed while detached");
    assert_true(p->dirty != 0);
    orm_session *s2 = orm_session_new(f->conn, f->md);
    assert_int_equal(orm_session_add(s2, p), ORM_OK);
    assert_int_equal(p->state, ORM_OBJ_PERSISTENT);
    assert_int_equal(orm_session_pending_count(s2), 1); /* the change is pending */
    assert_int_equal(orm_session_add(s2, p), ORM_OK);   /* again: nothing new */
    assert_int_equal(orm_session_pending_count(s2), 1);
    assert_int_equal(orm_session_commit(s2), ORM_OK);
    char buf[64];
    assert_string_equal(raw_text(f, "SELECT note FROM parent", buf, sizeof buf),
                        "changed while detached");
    orm_session_free(s2);
    orm_object_release(p);
}

static void test_session_detached__row_already_in_the_session_is_refused(void **state)
{
    fx *f = *state;
    orm_object *p = detached_parent(f, "a");
    /* the session loads the same row again: a second object for it */
    orm_object *again = get_int(f, f->parent, 1);
    assert_ptr_not_equal(again, p);
    assert_int_equal(orm_session_add(f->s, p), ORM_EFAIL);
    orm_error *e = orm_session_error(f->s);
    assert_int_equal(e->cls, ORM_ERR_ARGUMENT);
    assert_string_equal(e->message,
                        "another parent with the same primary key is already in this session");
    assert_int_equal(p->state, ORM_OBJ_DETACHED);
    assert_null(p->session);
    assert_int_equal(orm_session_pending_count(f->s), 0);
    /* deleting it is refused as well: it is not this session's */
    assert_int_equal(orm_session_delete(f->s, p), ORM_EFAIL);
    assert_string_equal(orm_session_error(f->s)->message,
                        "parent object is not persisted in this session");
    commit_ok(f);
    assert_int_equal(nrows(f, "parent"), 1);
    orm_object_release(again);
    orm_object_release(p);
}

static void test_session_detached__attach_existing(void **state)
{
    fx *f = *state;
    orm_object *loaded = committed_parent(f, "a");
    /* no key: refused */
    orm_object *nokey = orm_object_new(f->parent);
    orm_object *out = (orm_object *)1;
    assert_int_equal(orm_session_attach_existing(f->s, nokey, &out), ORM_EFAIL);
    assert_null(out);
    assert_int_equal(orm_session_error(f->s)->cls, ORM_ERR_ARGUMENT);
    assert_string_equal(orm_session_error(f->s)->message,
                        "parent row needs its full primary key to be attached");
    /* already in a session: refused the same way */
    assert_int_equal(orm_session_attach_existing(f->s, loaded, &out), ORM_EFAIL);
    /* the key of a row the session has: that object */
    orm_object *same = orm_object_new(f->parent);
    set_int(same, P_ID, 1);
    assert_int_equal(orm_session_attach_existing(f->s, same, &out), ORM_OK);
    assert_ptr_equal(out, loaded);
    assert_null(same->session);
    orm_object_release(out);
    /* a row the session does not have yet: the object itself, clean */
    raw_exec(f, "INSERT INTO parent (id, name) VALUES (7, 'seven')");
    orm_object *seven = orm_object_new(f->parent);
    set_int(seven, P_ID, 7);
    assert_int_equal(orm_session_attach_existing(f->s, seven, &out), ORM_OK);
    assert_ptr_equal(out, seven);
    assert_int_equal(seven->state, ORM_OBJ_PERSISTENT);
    assert_int_equal(seven->dirty, 0);
    assert_int_equal(orm_session_pending_count(f->s), 0);
    orm_object *got = get_int(f, f->parent, 7);
    assert_ptr_equal(got, seven);
    /* deleting it deletes the row */
    assert_int_equal(orm_session_delete(f->s, seven), ORM_OK);
    commit_ok(f);
    assert_int_equal(raw_int(f, "SELECT count(*) FROM parent WHERE id = 7"), 0);
    orm_object_release(got);
    orm_object_release(out);
    orm_object_release(seven);
    orm_object_release(same);
    orm_object_release(nokey);
    orm_object_release(loaded);
}

static void test_session_detached__out_of_memory_leaves_it_detached(void **state)
{
    fx *f = *state;
    orm_object *p = detached_parent(f, "a");
    set_text(p, P_NOTE, "n");
    int added = 0;
    for (long n = 1; n < 100 && !added; n++) {
        orm_session *s2 = orm_session_new(f->conn, f->md);
        assert_non_null(s2);
        orm_fault_alloc_after(n);
        int rc = orm_session_add(s2, p);
        int fired = orm_fault_alloc_fired();
        orm_fault_alloc_after(0);
        if (rc < 0) {
            assert_true(fired);
            assert_int_equal(rc, ORM_ENOMEM);
            assert_int_equal(orm_session_error(s2)->cls, ORM_ERR_OPERATIONAL);
            assert_string_equal(orm_session_error(s2)->message, "out of memory");
            /* not half added: still detached, the session holds nothing */
            assert_int_equal(p->state, ORM_OBJ_DETACHED);
            assert_null(p->session);
            assert_false(p->in_identity);
            assert_int_equal(orm_session_pending_count(s2), 0);
            orm_session_free(s2);
            continue;
        }
        added = !fired;
        if (added) {
            assert_int_equal(orm_session_commit(s2), ORM_OK);
            char buf[16];
            assert_string_equal(raw_text(f, "SELECT note FROM parent", buf, sizeof buf), "n");
        }
        orm_session_free(s2);
    }
    assert_true(added);
    orm_object_release(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(
            test_session_detached__change_made_while_detached_is_written, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_session_detached__row_already_in_the_session_is_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_session_detached__attach_existing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_session_detached__out_of_memory_leaves_it_detached,
                                        setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
