/* test_relation_state.c — relationship state in core (relation_state.c,
 * relation_ops.c): an object's slots (items in order, no duplicates, loaded
 * flag, cached target, freeing with the object, the parent<->child cycle
 * broken by clearing slots), a many-to-one set with the reverse collection
 * kept in step, append/remove of one-to-many (delete-orphan) and
 * many-to-many (association rows kept until a session, then added by the
 * save-update cascade), the delete cascade, and loading many parents. */
#include "relation_state_fixture.h"

static void test_relation_state__slots(void **state)
{
    fx *f = *state;
    rt t;
    rt_init(&t, f);
    orm_object *p = new_parent(f, "p"), *a = new_child(f, 0, "a"), *b = new_child(f, 0, "b");
    char buf[64];
    assert_false(orm_rel_loaded(p, &t.children));
    assert_int_equal(orm_rel_count(p, &t.children), 0);
    assert_int_equal(orm_rel_index(p, &t.children, a), -1);
    assert_int_equal(orm_rel_add_item(p, &t.children, a), 1);
    assert_true(orm_rel_loaded(p, &t.children));
    assert_int_equal(orm_rel_add_item(p, &t.children, b), 1);
    assert_int_equal(orm_rel_add_item(p, &t.children, a), 0); /* no duplicates */
    assert_string_equal(rt_items(p, &t.children, C_NAME, buf, sizeof buf), "a,b");
    assert_int_equal(a->refs, 2);
    assert_int_equal(orm_rel_index(p, &t.children, b), 1);
    assert_int_equal(orm_rel_remove_item(p, &t.children, a), 1);
    assert_int_equal(orm_rel_remove_item(p, &t.children, a), 0);
    assert_int_equal(a->refs, 1);
    assert_string_equal(rt_items(p, &t.children, C_NAME, buf, sizeof buf), "b");
    assert_int_equal(orm_rel_set_loaded(p, &t.children), ORM_OK); /* loaded, empty */
    assert_true(orm_rel_loaded(p, &t.children));
    assert_int_equal(orm_rel_count(p, &t.children), 0);
    assert_int_equal(b->refs, 1);
    orm_rel_unload(p, &t.children);
    assert_false(orm_rel_loaded(p, &t.children));
    /* a cached target */
    assert_null(orm_rel_target(a, &t.parent));
    assert_int_equal(orm_rel_set_target(a, &t.parent, p), ORM_OK);
    assert_ptr_equal(orm_rel_target(a, &t.parent), p);
    assert_true(orm_rel_loaded(a, &t.parent));
    assert_int_equal(p->refs, 2);
    assert_int_equal(orm_rel_set_target(a, &t.parent, NULL), ORM_OK);
    assert_int_equal(p->refs, 1);
    assert_false(orm_rel_loaded(a, &t.parent));
    /* the cycle: p holds a and b, both hold p */
    assert_int_equal(orm_rel_add_item(p, &t.children, a), 1);
    assert_int_equal(orm_rel_add_item(p, &t.children, b), 1);
    assert_int_equal(orm_rel_set_target(a, &t.parent, p), ORM_OK);
    assert_int_equal(orm_rel_set_target(b, &t.parent, p), ORM_OK);
    assert_int_equal(p->refs, 3);
    rt_drop(a); /* the finalizer of a's holder: a's slot lets p go */
    assert_int_equal(p->refs, 2);
    rt_drop(p); /* p's slots let a (freed now) and b go */
    assert_int_equal(b->refs, 1);
    orm_object_release(b); /* freed with its slot: releases p, the last reference */
    /* an object freed with a collection releases its items */
    orm_object *q = new_parent(f, "q"), *c = new_child(f, 0, "c");
    assert_int_equal(orm_rel_add_item(q, &t.children, c), 1);
    assert_int_equal(orm_rel_keep_assoc(q, c), ORM_OK);
    assert_int_equal(c->refs, 3);
    orm_object_release(q);
    assert_int_equal(c->refs, 1);
    orm_object_release(c);
}

static void test_relation_state__set_parent_keeps_both_sides(void **state)
{
    fx *f = *state;
    rt t;
    rt_init(&t, f);
    orm_rel_env e = rt_env(&t);
    orm_object *p1 = new_parent(f, "p1"), *p2 = new_parent(f, "p2"), *c = new_child(f, 0, "c");
    char buf[64];
    assert_int_equal(orm_rel_set_parent(&e, &t.parent, &t.children, c, p1), ORM_OK);
    assert_string_equal(rt_items(p1, &t.children, C_NAME, buf, sizeof buf), "c");
    assert_ptr_equal(orm_object_link_src(c, C_PARENT), p1);
    assert_ptr_equal(orm_rel_target(c, &t.parent), p1);
    assert_int_equal(t.loads, 0); /* a transient parent has nothing to load */
    assert_int_equal(orm_rel_set_parent(&e, &t.parent, &t.children, c, p2), ORM_OK);
    assert_int_equal(orm_rel_count(p1, &t.children), 0);
    assert_string_equal(rt_items(p2, &t.children, C_NAME, buf, sizeof buf), "c");
    assert_ptr_equal(orm_object_link_src(c, C_PARENT), p2);
    /* p2 joins the session: c follows it */
    add_ok(f, p2);
    assert_int_equal(orm_rel_set_parent(&e, &t.parent, &t.children, c, p2), ORM_OK);
    assert_int_equal(c->state, ORM_OBJ_PENDING);
    assert_int_equal(orm_rel_set_parent(&e, &t.parent, &t.children, c, NULL), ORM_OK);
    assert_int_equal(orm_rel_count(p2, &t.children), 0);
    assert_null(orm_rel_target(c, &t.parent));
    assert_null(orm_object_link_src(c, C_PARENT));
    assert_true(is_null(c, C_PARENT));
    rt_drop(c);
    rt_drop(p1);
    rt_drop(p2);
}

static void test_relation_state__append_remove_one_to_many(void **state)
{
    fx *f = *state;
    rt t;
    rt_init(&t, f);
    t.o2m = &t.orphans;
    orm_rel_env e = rt_env(&t);
    orm_object *p = committed_parent(f, "p");
    raw_exec(f, "INSERT INTO child (id, parent_id, name) VALUES (7, 1, 'old')");
    orm_object *c = new_child(f, 0, "new");
    char buf[64];
    assert_int_equal(orm_rel_append(&e, &t.orphans, &t.parent, p, c), ORM_OK);
    assert_int_equal(t.loads, 1); /* the stored children first */
    assert_string_equal(rt_items(p, &t.orphans, C_NAME, buf, sizeof buf), "old,new");
    assert_int_equal(c->state, ORM_OBJ_PENDING); /* p is in the session */
    assert_int_equal(int_of(c, C_PARENT), 1);
    assert_ptr_equal(orm_rel_target(c, &t.parent), p);
    /* delete-orphan: the pending child is expunged, the stored one deleted */
    assert_int_equal(orm_rel_remove(&e, &t.orphans, &t.parent, p, c), ORM_OK);
    assert_int_equal(c->state, ORM_OBJ_TRANSIENT);
    assert_null(orm_rel_target(c, &t.parent));
    orm_object *old = orm_object_retain(orm_rel_item(p, &t.orphans, 0));
    assert_int_equal(orm_rel_remove(&e, &t.orphans, &t.parent, p, old), ORM_OK);
    assert_true(old->marked_delete);
    assert_int_equal(orm_rel_count(p, &t.orphans), 0);
    commit_ok(f);
    assert_int_equal(nrows(f, "child"), 0);
    rt_drop(old);
    rt_drop(c);
    rt_drop(p);
}

static void count_pending(void *ctx, orm_object *o, char kind)
{
    (void)o;
    if (kind == 'n') ++*(int *)ctx;
}

static void test_relation_state__many_to_many_and_cascade_add(void **state)
{
    fx *f = *state;
    rt t;
    rt_init(&t, f);
    orm_rel_env e = rt_env(&t);
    orm_object *p = new_parent(f, "p"), *red = rt_new_tag(&t, 1, "red");
    char buf[64];
    assert_int_equal(orm_rel_append(&e, &t.tags, &t.parents, p, red), ORM_OK);
    assert_int_equal(orm_rel_append(&e, &t.tags, &t.parents, p, red), ORM_OK); /* once */
    assert_string_equal(rt_items(p, &t.tags, 1, buf, sizeof buf), "red");
    assert_string_equal(rt_items(red, &t.parents, P_NAME, buf, sizeof buf), "p");
    assert_int_equal(p->rels->nassoc, 1); /* the row waits for a session */
    add_ok(f, p);
    assert_int_equal(orm_rel_cascade_add(&e, p), ORM_OK);
    assert_int_equal(red->state, ORM_OBJ_PENDING);
    assert_int_equal(p->rels->nassoc, 0);
    int n = 0;
    orm_session_each_pending(f->s, count_pending, &n);
    assert_int_equal(n, 3); /* p, red, the association row */
    commit_ok(f);
    assert_int_equal(nrows(f, "parent_tag"), 1);
    assert_int_equal(orm_rel_remove(&e, &t.tags, &t.parents, p, red), ORM_OK);
    assert_int_equal(orm_rel_count(p, &t.tags), 0);
    assert_int_equal(orm_rel_count(red, &t.parents), 0);
    commit_ok(f);
    assert_int_equal(nrows(f, "parent_tag"), 0);
    rt_drop(red);
    rt_drop(p);
}

static void test_relation_state__kept_assoc_rows(void **state)
{
    fx *f = *state;
    rt t;
    rt_init(&t, f);
    orm_object *p = new_parent(f, "p"), *red = rt_new_tag(&t, 1, "red");
    orm_object *blue = rt_new_tag(&t, 2, "blue");
    orm_object *a1 = orm_rel_assoc_new(&t.tags, p, red), *a2 = orm_rel_assoc_new(&t.tags, p, blue);
    assert_non_null(a1);
    assert_non_null(a2);
    assert_int_equal(orm_rel_add_kept_assoc(f->s, p), ORM_OK); /* nothing kept: nothing to do */
    assert_int_equal(orm_rel_keep_assoc(p, a1), ORM_OK);
    assert_int_equal(orm_rel_keep_assoc(p, a2), ORM_OK);
    assert_int_equal(a1->refs, 2);
    add_ok(f, p);
    add_ok(f, red);
    add_ok(f, blue);
    assert_int_equal(orm_rel_add_kept_assoc(f->s, p), ORM_OK);
    assert_int_equal(p->rels->nassoc, 0);
    assert_int_equal(a1->state, ORM_OBJ_PENDING);
    assert_true(a1->seq < a2->seq); /* in the order they were made */
    assert_int_equal(a1->refs, 2);  /* the caller's and the session's */
    commit_ok(f);
    assert_int_equal(nrows(f, "parent_tag"), 2);
    orm_object_release(a1);
    orm_object_release(a2);
    rt_drop(red);
    rt_drop(blue);
    rt_drop(p);
}

static void test_relation_state__delete_cascade(void **state)
{
    fx *f = *state;
    rt t;
    rt_init(&t, f);
    orm_rel_env e = rt_env(&t);
    raw_exec(f, "INSERT INTO parent (id, name) VALUES (1, 'p1'), (2, 'p2');"
                "INSERT INTO child (id, parent_id, name) VALUES (1, 1, 'a'), (2, 1, 'b'),"
                " (3, 2, 'c');"
                "INSERT INTO tag VALUES (1, 'red'); INSERT INTO parent_tag VALUES (1, 1)");
    /* no cascade: the children's foreign keys go NULL, the association row goes */
    orm_object *p1 = get_int(f, f->parent, 1);
    if (orm_rel_before_delete(&e, p1) != ORM_OK)
        fail_msg("before_delete: %s", orm_session_error(f->s)->message);
    assert_int_equal(t.loads, 2); /* children and tags */
    for (int i = 0; i < 2; i++)
        assert_true(is_null(orm_rel_item(p1, &t.children, i), C_PARENT));
    assert_int_equal(orm_rel_count(p1, &t.tags), 0);
    assert_int_equal(orm_session_rollback(f->s), ORM_OK);
    rt_drop(p1);
    /* cascade delete: the children go with the parent */
    t.o2m = &t.orphans;
    orm_object *p2 = get_int(f, f->parent, 2);
    assert_int_equal(orm_rel_delete(&e, p2), ORM_OK);
    assert_true(p2->marked_delete);
    assert_true(orm_rel_item(p2, &t.orphans, 0)->marked_delete);
    commit_ok(f);
    assert_int_equal(nrows(f, "child"), 2);
    assert_int_equal(nrows(f, "parent"), 1);
    rt_drop(p2);
}

static int count_child(void *ctx, orm_object *child)
{
    (void)child;
    ++*(int *)ctx;
    return ORM_OK;
}

static void test_relation_state__load_many(void **state)
{
    fx *f = *state;
    rt t;
    rt_init(&t, f);
    raw_exec(f, "INSERT INTO parent (id, name) VALUES (1, 'p1'), (2, 'p2'), (3, 'p3');"
                "INSERT INTO child (id, parent_id, name) VALUES (1, 2, 'z'), (2, 1, 'a'),"
                " (3, 2, 'b');"
                "INSERT INTO tag VALUES (1, 'red'), (2, 'blue');"
                "INSERT INTO parent_tag VALUES (1, 2), (2, 1), (2, 2)");
    orm_object *ps[4] = {get_int(f, f->parent, 1), get_int(f, f->parent, 2), NULL,
                         get_int(f, f->parent, 3)};
    orm_error err;
    orm_error_init(&err);
    int n = 0;
    char buf[64];
    assert_int_equal(orm_rel_load_many(f->s, &t.children, ps, 4, count_child, &n, &err), ORM_OK);
    assert_int_equal(n, 3);
    assert_string_equal(rt_items(ps[0], &t.children, C_NAME, buf, sizeof buf), "a");
    assert_string_equal(rt_items(ps[1], &t.children, C_NAME, buf, sizeof buf), "z,b");
    assert_true(orm_rel_loaded(ps[3], &t.children)); /* loaded, empty */
    assert_int_equal(orm_rel_count(ps[3], &t.children), 0);
    assert_int_equal(orm_rel_load_many(f->s, &t.tags, ps, 4, NULL, NULL, &err), ORM_OK);
    assert_string_equal(rt_items(ps[0], &t.tags, 1, buf, sizeof buf), "blue");
    assert_string_equal(rt_items(ps[1], &t.tags, 1, buf, sizeof buf), "red,blue");
    /* many-to-one: each child's parent cached */
    orm_object *cs[3];
    for (int i = 0; i < 3; i++)
        cs[i] = orm_object_retain(orm_rel_item(ps[i < 2 ? 1 : 0], &t.children, i < 2 ? i : 0));
    assert_int_equal(orm_rel_load_many(f->s, &t.parent, cs, 3, NULL, NULL, &err), ORM_OK);
    assert_ptr_equal(orm_rel_target(cs[0], &t.parent), ps[1]);
    assert_ptr_equal(orm_rel_target(cs[2], &t.parent), ps[0]);
    for (int i = 0; i < 3; i++)
        rt_drop(cs[i]);
    for (int i = 0; i < 4; i++)
        rt_drop(ps[i]);
}

/* A cached many-to-one target counts only while its key is the child's
 * foreign key: a key assigned since makes it stale. */
static void test_relation_state__target_current(void **state)
{
    fx *f = *state;
    rt t;
    rt_init(&t, f);
    orm_object *p = committed_parent(f, "p"), *c = new_child(f, 0, "c");
    assert_null(orm_rel_target_current(c, &t.parent)); /* nothing cached */
    assert_int_equal(orm_rel_set_target(c, &t.parent, p), ORM_OK);
    assert_null(orm_rel_target_current(c, &t.parent)); /* c's key is NULL, p's is not */
    set_int(c, C_PARENT, int_of(p, P_ID));
    assert_ptr_equal(orm_rel_target_current(c, &t.parent), p);
    set_int(c, C_PARENT, int_of(p, P_ID) + 1);
    assert_null(orm_rel_target_current(c, &t.parent));
    assert_ptr_equal(orm_rel_target(c, &t.parent), p); /* still cached, just not current */
    rt_drop(c);
    rt_drop(p);
}

/* A collection past INDEX_MIN items checks duplicates through its set:
 * each child once, in order, whatever was removed and added again. */
static void test_relation_state__wide_collection_set(void **state)
{
    fx *f = *state;
    rt t;
    rt_init(&t, f);
    enum { N = 200 };
    orm_object *p = new_parent(f, "p"), *c[N];
    for (int i = 0; i < N; i++) {
        c[i] = new_child(f, 0, "c");
        assert_int_equal(orm_rel_add_item(p, &t.children, c[i]), 1);
        assert_int_equal(orm_rel_add_item(p, &t.children, c[i / 2]), 0); /* there already */
    }
    for (int i = 0; i < N; i += 2)
        assert_int_equal(orm_rel_remove_item(p, &t.children, c[i]), 1);
    assert_int_equal(orm_rel_count(p, &t.children), N / 2);
    for (int i = 1; i < N; i += 2)
        assert_int_equal(orm_rel_add_item(p, &t.children, c[i]), 0);
    for (int i = 0; i < N; i += 2)
        assert_int_equal(orm_rel_add_item(p, &t.children, c[i]), 1); /* back, at the end */
    assert_int_equal(orm_rel_count(p, &t.children), N);
    for (int i = 0; i < N / 2; i++) {
        assert_ptr_equal(orm_rel_item(p, &t.children, i), c[2 * i + 1]);
        assert_ptr_equal(orm_rel_item(p, &t.children, N / 2 + i), c[2 * i]);
    }
    for (int i = 0; i < N; i++)
        assert_int_equal(orm_rel_add_item(p, &t.children, c[i]), 0);
    rt_drop(p);
    for (int i = 0; i < N; i++)
        orm_object_release(c[i]);
}

/* The save-update cascade stops at objects already in the session: what
 * they hold joined with them. Appending to a parent in the session adds
 * the new child alone, however many children the parent has. */
static void test_relation_state__cascade_halts_in_session(void **state)
{
    fx *f = *state;
    rt t;
    rt_init(&t, f);
    orm_rel_env e = rt_env(&t);
    orm_object *p = new_parent(f, "p"), *kept = new_child(f, 0, "kept");
    assert_int_equal(orm_rel_append(&e, &t.children, &t.parent, p, kept), ORM_OK);
    add_ok(f, p);
    assert_int_equal(orm_rel_cascade_add(&e, p), ORM_OK); /* the root is walked */
    assert_int_equal(kept->state, ORM_OBJ_PENDING);
    orm_session_expunge(f->s, kept); /* out again, still p's child */
    orm_object *c = new_child(f, 0, "c");
    assert_int_equal(orm_rel_append(&e, &t.children, &t.parent, p, c), ORM_OK);
    assert_int_equal(c->state, ORM_OBJ_PENDING);          /* the new child joins */
    assert_int_equal(kept->state, ORM_OBJ_TRANSIENT);     /* not walked to, through p */
    assert_int_equal(orm_rel_cascade_add(&e, p), ORM_OK); /* from p itself it is */
    assert_int_equal(kept->state, ORM_OBJ_PENDING);
    rt_drop(c);
    rt_drop(kept);
    rt_drop(p);
}

/* The save-update cascade over a wide collection: every child joins the
 * session once (a hashed visited set, a stack of objects to visit). */
static void test_relation_state__cascade_add_wide(void **state)
{
    fx *f = *state;
    rt t;
    rt_init(&t, f);
    orm_rel_env e = rt_env(&t);
    orm_object *p = new_parent(f, "p");
    enum { N = 20000 };
    for (int i = 0; i < N; i++) {
        orm_object *c = new_child(f, 0, "c");
        assert_int_equal(orm_rel_add_item(p, &t.children, c), 1);
        assert_int_equal(orm_rel_set_target(c, &t.parent, p), ORM_OK); /* back to p: seen */
        orm_object_release(c);
    }
    add_ok(f, p);
    assert_int_equal(orm_rel_cascade_add(&e, p), ORM_OK);
    int n = 0;
    orm_session_each_pending(f->s, count_pending, &n);
    assert_int_equal(n, N + 1);
    for (int i = 0; i < N; i++)
        orm_rel_slots_clear(orm_rel_item(p, &t.children, i)); /* the cycles back to p */
    rt_drop(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        FIXTURE_TEST(test_relation_state__slots),
        FIXTURE_TEST(test_relation_state__set_parent_keeps_both_sides),
        FIXTURE_TEST(test_relation_state__append_remove_one_to_many),
        FIXTURE_TEST(test_relation_state__many_to_many_and_cascade_add),
        FIXTURE_TEST(test_relation_state__kept_assoc_rows),
        FIXTURE_TEST(test_relation_state__delete_cascade),
        FIXTURE_TEST(test_relation_state__load_many),
        FIXTURE_TEST(test_relation_state__target_current),
        FIXTURE_TEST(test_relation_state__cascade_add_wide),
        FIXTURE_TEST(test_relation_state__wide_collection_set),
        FIXTURE_TEST(test_relation_state__cascade_halts_in_session),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
