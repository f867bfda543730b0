/* test_session_misuse.c — the session (core/session.c) refusing what
 * cannot be done, each as an ArgumentError (or OperationalError for a
 * read-only model) naming the table: adding an object of another session,
 * a detached object whose key another object of the session holds, or a
 * row of a table without a primary key; deleting or expunging an object
 * that is not in the session; attaching a row without its full key. And
 * what is allowed: adding an object twice (a delete before the flush is
 * undone), adding back a detached object (its changes kept for the next
 * flush), deleting a pending object (it just leaves), deleting a deleted
 * one again. */
#include "session_fixture.h"

static void refused(orm_session *s, int rc, orm_errclass cls, const char *message)
{
    assert_int_equal(rc, ORM_EFAIL);
    assert_int_equal(orm_session_error(s)->cls, cls);
    assert_string_equal(orm_session_error(s)->message, message);
}

static void test_session_misuse__refusals(void **state)
{
    fx *f = *state;
    orm_object *p = committed_parent(f, "p");
    orm_session *other = orm_session_new(f->conn, f->md);
    refused(other, orm_session_add(other, p), ORM_ERR_ARGUMENT,
            "object is already attached to another session");
    refused(other, orm_session_delete(other, p), ORM_ERR_ARGUMENT,
            "parent object is not persisted in this session");
    refused(other, orm_session_expunge(other, p), ORM_ERR_ARGUMENT,
            "parent object is not in this session");
    orm_object *fresh = new_parent(f, "fresh");
    refused(f->s, orm_session_delete(f->s, fresh), ORM_ERR_ARGUMENT,
            "parent object is not persisted in this session");
    orm_object *got = NULL;
    refused(f->s, orm_session_attach_existing(f->s, fresh, &got), ORM_ERR_ARGUMENT,
            "parent row needs its full primary key to be attached");
    assert_null(got);

    /* a detached copy of a row the session holds */
    assert_int_equal(orm_session_expunge(f->s, p), ORM_OK);
    orm_object *again = get_int(f, f->parent, int_of(p, P_ID));
    assert_ptr_not_equal(again, p);
    refused(f->s, orm_session_add(f->s, p), ORM_ERR_ARGUMENT,
            "another parent with the same primary key is already in this session");
    /* attaching finds the one the session has */
    assert_int_equal(orm_session_attach_existing(other, p, &got), ORM_OK);
    assert_ptr_equal(got, p);
    orm_object_release(got);
    assert_int_equal(orm_session_expunge(other, p), ORM_OK);

    /* a table without a primary key is read-only */
    orm_table *v = add_table(f->md, "vw");
    add_col(v, &(orm_column){.name = "x", .type = {ORM_T_INTEGER}, .nullable = 1});
    orm_table_set_readonly(v);
    orm_object *row = orm_object_new(v);
    refused(f->s, orm_session_add(f->s, row), ORM_ERR_OPERATIONAL,
            "cannot add: table 'vw' has no primary key, so its model is read-only");
    refused(f->s, orm_session_delete(f->s, row), ORM_ERR_OPERATIONAL,
            "cannot delete: table 'vw' has no primary key, so its model is read-only");
    orm_object_release(row);
    orm_object_release(again);
    orm_object_release(fresh);
    orm_object_release(p);
    orm_session_free(other);
}

static void test_session_misuse__allowed_repeats(void **state)
{
    fx *f = *state;
    orm_object *p = committed_parent(f, "p");
    /* delete, then add again before the flush: the delete is undone */
    assert_int_equal(orm_session_delete(f->s, p), ORM_OK);
    assert_int_equal(orm_session_add(f->s, p), ORM_OK);
    commit_ok(f);
    assert_int_equal(nrows(f, "parent"), 1);
    /* a detached object with a change, added back: the change is flushed */
    assert_int_equal(orm_session_expunge(f->s, p), ORM_OK);
    set_text(p, P_NOTE, "changed while detached");
    assert_int_equal(orm_session_add(f->s, p), ORM_OK);
    commit_ok(f);
    char buf[64];
    assert_string_equal(raw_text(f, "SELECT note FROM parent", buf, sizeof buf),
                        "changed while detached");
    /* a pending object deleted just leaves; deleting twice is once */
    orm_object *q = new_parent(f, "q");
    add_ok(f, q);
    assert_int_equal(orm_session_delete(f->s, q), ORM_OK);
    assert_int_equal(pending_kinds(f).n, 0);
    assert_int_equal(orm_session_delete(f->s, p), ORM_OK);
    flush_ok(f);
    assert_int_equal(orm_session_delete(f->s, p), ORM_OK); /* deleted already: nothing */
    commit_ok(f);
    assert_int_equal(nrows(f, "parent"), 0);
    orm_object_release(q);
    orm_object_release(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        FIXTURE_TEST(test_session_misuse__refusals),
        FIXTURE_TEST(test_session_misuse__allowed_repeats),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
