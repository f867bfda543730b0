/* test_object_cycles.c — objects that only hold one another are freed when
 * the last outside holder lets go (object_cycles.c): a node that is its own
 * parent, two objects linked both ways, a link one way and a collection
 * slot the other; a group with an outside holder (another reference, a
 * session) is kept whole; a group past the bound is left alone, never
 * wrongly freed. What is freed is checked by the sanitizer build (make asan
 * runs these under LeakSanitizer: a group not freed is a leak; a member
 * freed too soon is a use after free); what is kept, by reference counts. */
#include "relation_state_fixture.h"

/* c copies its parent_id from its own id: a link to itself holds no
 * reference (one would keep it alive forever), so the last release frees it */
static void test_object_cycles__self_link(void **state)
{
    fx *f = *state;
    orm_object *c = new_child(f, 0, "c");
    assert_int_equal(orm_object_link(c, C_PARENT, c, C_ID), ORM_OK);
    assert_int_equal(c->refs, 1);
    assert_ptr_equal(orm_object_link_src(c, C_PARENT), c);
    orm_object_retain(c); /* an outside holder besides ours */
    orm_object_release_collect(c);
    assert_int_equal(c->refs, 1);
    assert_int_equal(orm_object_link(c, C_PARENT, c, C_ID), ORM_OK); /* linked again: still none */
    assert_int_equal(c->refs, 1);
    orm_object_release_collect(c); /* freed */
}

/* c copies its parent_id from p's id, p its note from c's name */
static void test_object_cycles__two_links(void **state)
{
    fx *f = *state;
    orm_object *p = new_parent(f, "p"), *c = new_child(f, 0, "c");
    assert_int_equal(orm_object_link(c, C_PARENT, p, P_ID), ORM_OK);
    assert_int_equal(orm_object_link(p, P_NOTE, c, C_NAME), ORM_OK);
    orm_object_release_collect(c); /* p is still ours: both live */
    assert_int_equal(c->refs, 1);
    assert_int_equal(p->refs, 2);
    orm_object_release_collect(p); /* both freed */
}

/* p's collection holds c, c's link holds p: the way a relationship's two
 * sides hold each other before a flush */
static void test_object_cycles__link_and_slot(void **state)
{
    fx *f = *state;
    rt t;
    rt_init(&t, f);
    orm_object *p = new_parent(f, "p"), *c = new_child(f, 0, "c");
    assert_int_equal(orm_rel_add_item(p, &t.children, c), 1);
    assert_int_equal(orm_object_link(c, C_PARENT, p, P_ID), ORM_OK);
    orm_object_release_collect(p);
    assert_int_equal(p->refs, 1); /* c's link */
    assert_int_equal(c->refs, 2); /* ours and p's slot */
    orm_object_release_collect(c);
}

/* a session holding one member keeps the whole group */
static void test_object_cycles__session_holds(void **state)
{
    fx *f = *state;
    orm_object *p = new_parent(f, "p"), *c = new_child(f, 0, "c");
    assert_int_equal(orm_object_link(c, C_PARENT, p, P_ID), ORM_OK);
    assert_int_equal(orm_object_link(p, P_NOTE, c, C_NAME), ORM_OK);
    add_ok(f, p);
    orm_object_release_collect(p);
    orm_object_release_collect(c);
    assert_int_equal(p->refs, 2); /* the session and c's link */
    assert_int_equal(c->refs, 1); /* p's link */
    orm_object_clear_links(c);    /* undone by hand: the session frees p */
    assert_int_equal(p->refs, 1);
    orm_object_clear_links(p);
}

/* n new children, each copying its parent_id from the next one's id (the
 * last from the first's): each holds the next, and ours. */
static void make_ring(fx *f, orm_object **ring, int n)
{
    for (int i = 0; i < n; i++)
        ring[i] = new_child(f, 0, "r");
    for (int i = 0; i < n; i++)
        assert_int_equal(orm_object_link(ring[i], C_PARENT, ring[(i + 1) % n], C_ID), ORM_OK);
}

/* a ring longer than the bound is kept: a leak rather than a wrong free */
static void test_object_cycles__ring_past_the_bound(void **state)
{
    fx *f = *state;
    enum { N = 300 };
    orm_object *ring[N];
    make_ring(f, ring, N);
    for (int i = 0; i < N; i++)
        orm_object_release_collect(ring[i]);
    for (int i = 0; i < N; i++)
        assert_int_equal(ring[i]->refs, 1);
    orm_object *first = orm_object_retain(ring[0]);
    orm_object_clear_links(first); /* the rest of the ring goes, one freeing the next */
    assert_int_equal(first->refs, 1);
    orm_object_release(first);
}

/* a ring within the bound goes, whichever member is let go of last */
static void test_object_cycles__ring_within_the_bound(void **state)
{
    fx *f = *state;
    enum { N = 100 };
    orm_object *ring[N];
    make_ring(f, ring, N);
    for (int i = 0; i < N - 1; i++) {
        orm_object_release_collect(ring[(i * 37) % N]); /* every member once, in a mixed order */
        assert_int_equal(ring[(i * 37 + 37) % N]->refs, 2);
    }
    orm_object_release_collect(ring[((N - 1) * 37) % N]); /* the last: all freed */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        FIXTURE_TEST(test_object_cycles__self_link),
        FIXTURE_TEST(test_object_cycles__two_links),
        FIXTURE_TEST(test_object_cycles__link_and_slot),
        FIXTURE_TEST(test_object_cycles__session_holds),
        FIXTURE_TEST(test_object_cycles__ring_past_the_bound),
        FIXTURE_TEST(test_object_cycles__ring_within_the_bound),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
