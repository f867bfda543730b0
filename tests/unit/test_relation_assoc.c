/* test_relation_assoc.c — association rows of a many-to-many relationship
 * (core/relation_sync.c, orm_rel_assoc_new / orm_rel_assoc_drop) on
 * parent.tags through parent_tag: a pending row is dropped before it is
 * ever written, whether it follows its ends by links or holds their keys;
 * a stored row is deleted at the next commit and only that one; a pair
 * never stored is nothing to drop; and with each allocation of dropping a
 * stored row failing in turn: out of memory, the row still there after a
 * commit, and the next try deletes it. */
#include "relation_state_fixture.h"

static int64_t links(fx *f)
{
    return raw_int(f, "SELECT count(*) FROM parent_tag");
}

/* Parents 1 "a", 2 "b", tags 1 "x", 2 "y", rows (1,1), (1,2), (2,1);
 * the session reloads them: *p1, *t1, *t2 are loaded objects. */
static void stored(rt *t, orm_object **p1, orm_object **t1, orm_object **t2)
{
    fx *f = t->f;
    raw_exec(f, "INSERT INTO parent (id, name) VALUES (1, 'a'), (2, 'b')");
    raw_exec(f, "INSERT INTO tag VALUES (1, 'x'), (2, 'y')");
    raw_exec(f, "INSERT INTO parent_tag VALUES (1, 1), (1, 2), (2, 1)");
    *p1 = get_int(f, f->parent, 1);
    *t1 = get_int(f, t->tag, 1);
    *t2 = get_int(f, t->tag, 2);
}

static void test_relation_assoc__pending_rows_are_dropped_unwritten(void **state)
{
    fx *f = *state;
    rt t;
    rt_init(&t, f);
    orm_object *p = new_parent(f, "a"), *tag = rt_new_tag(&t, 5, "x");
    add_ok(f, p);
    add_ok(f, tag);
    /* linked to its ends (their keys not known yet) */
    orm_object *a = orm_rel_assoc_new(&t.tags, p, tag);
    assert_non_null(a);
    add_ok(f, a);
    assert_int_equal(orm_session_pending_count(f->s), 3);
    assert_int_equal(orm_rel_assoc_drop(f->s, &t.tags, p, tag), ORM_OK);
    assert_int_equal(orm_session_pending_count(f->s), 2);
    commit_ok(f);
    assert_int_equal(links(f), 0);
    /* holding the keys as values (no links): found the same way */
    orm_object *b = orm_object_new(t.ptag);
    set_int(b, 0, int_of(p, P_ID));
    set_int(b, 1, 5);
    add_ok(f, b);
    orm_object *other = rt_new_tag(&t, 6, "y");
    add_ok(f, other);
    assert_int_equal(orm_rel_assoc_drop(f->s, &t.tags, p, other), ORM_OK); /* not that one */
    assert_int_equal(orm_session_pending_count(f->s), 2);
    assert_int_equal(orm_rel_assoc_drop(f->s, &t.tags, p, tag), ORM_OK);
    assert_int_equal(orm_session_pending_count(f->s), 1);
    commit_ok(f);
    assert_int_equal(links(f), 0);
    assert_int_equal(raw_int(f, "SELECT count(*) FROM tag"), 2);
    rt_drop(a);
    rt_drop(b);
    rt_drop(other);
    rt_drop(tag);
    rt_drop(p);
}

static void test_relation_assoc__stored_row_deleted_at_commit(void **state)
{
    fx *f = *state;
    rt t;
    rt_init(&t, f);
    orm_object *p1, *t1, *t2;
    stored(&t, &p1, &t1, &t2);
    assert_int_equal(orm_rel_assoc_drop(f->s, &t.tags, p1, t2), ORM_OK);
    assert_int_equal(links(f), 3); /* at the next flush */
    commit_ok(f);
    assert_int_equal(links(f), 2);
    assert_int_equal(raw_int(f, "SELECT count(*) FROM parent_tag WHERE parent_id = 1 AND "
                                "tag_id = 2"),
                     0);
    /* a pair never stored: nothing to drop, nothing written */
    orm_object *fresh = new_parent(f, "c");
    add_ok(f, fresh);
    assert_int_equal(orm_rel_assoc_drop(f->s, &t.tags, fresh, t1), ORM_OK);
    commit_ok(f);
    assert_int_equal(links(f), 2);
    rt_drop(fresh);
    rt_drop(p1);
    rt_drop(t1);
    rt_drop(t2);
}

static void test_relation_assoc__out_of_memory_keeps_the_row(void **state)
{
    fx *f = *state;
    rt t;
    rt_init(&t, f);
    orm_object *p1, *t1, *t2;
    stored(&t, &p1, &t1, &t2);
    int dropped = 0, failures = 0;
    for (long n = 1; n < 50 && !dropped; n++) {
        orm_fault_alloc_after(n);
        int rc = orm_rel_assoc_drop(f->s, &t.tags, p1, t1);
        int fired = orm_fault_alloc_fired();
        orm_fault_alloc_after(0);
        if (rc < 0) {
            assert_true(fired);
            assert_int_equal(rc, ORM_ENOMEM);
            assert_string_equal(orm_session_error(f->s)->message, "out of memory");
            failures++;
            commit_ok(f);
            assert_int_equal(links(f), 3);
            continue;
        }
        commit_ok(f);
        dropped = links(f) == 2;
        assert_true(dropped || fired);
    }
    assert_true(dropped);
    assert_true(failures > 0);
    assert_int_equal(raw_int(f, "SELECT count(*) FROM parent_tag WHERE tag_id = 1"), 1);
    rt_drop(p1);
    rt_drop(t1);
    rt_drop(t2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_relation_assoc__pending_rows_are_dropped_unwritten,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_relation_assoc__stored_row_deleted_at_commit, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_relation_assoc__out_of_memory_keeps_the_row, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
