/* test_relation_state_faults.c — relationship state in core
 * (relation_state.c, relation_ops.c) under failing allocations: setting a
 * many-to-one, appending to one-to-many and many-to-many collections, the
 * save-update cascade, loading two parents' children, tags and the
 * children's parents, and the delete cascade — with each allocation failing
 * in turn, each scenario either fails "out of memory" or ends exactly as it
 * does without faults; nothing leaks (make asan) and every object is freed
 * once its holder lets go. */
#include "relation_state_fixture.h"

static int failed(rt *t, int rc)
{
    const char *m = orm_session_error(t->f->s)->message;
    assert_true(rc == ORM_ENOMEM || (m && strcmp(m, "out of memory") == 0));
    return rc;
}

/* In memory, then into the session: p.children gets c (through c.parent),
 * p.tags gets red, then p joins the session with its cascade. */
static int sc_memory(rt *t, char *out, size_t size)
{
    fx *f = t->f;
    orm_rel_env e = rt_env(t);
    orm_object *p = orm_object_new(f->parent), *c = orm_object_new(f->child);
    orm_object *red = orm_object_new(t->tag);
    int rc = p && c && red ? ORM_OK : ORM_ENOMEM;
    if (rc == ORM_OK) rc = orm_rel_set_parent(&e, &t->parent, &t->children, c, p);
    if (rc == ORM_OK) rc = orm_rel_append(&e, &t->tags, &t->parents, p, red);
    if (rc == ORM_OK) rc = orm_session_add(f->s, p);
    if (rc == ORM_OK) rc = orm_rel_cascade_add(&e, p);
    if (rc == ORM_OK) {
        int n = (c->state == ORM_OBJ_PENDING) + (red->state == ORM_OBJ_PENDING);
        snprintf(out, size, "children %d tags %d parents %d pending %d kept %d",
                 orm_rel_count(p, &t->children), orm_rel_count(p, &t->tags),
                 orm_rel_count(red, &t->parents), n, p->rels ? p->rels->nassoc : -1);
    }
    rt_drop(p);
    rt_drop(c);
    rt_drop(red);
    return rc;
}

/* Two stored parents: their children, tags, and the children's parents. */
static int sc_load(rt *t, char *out, size_t size)
{
    fx *f = t->f;
    orm_object *ps[2] = {NULL, NULL}, *cs[3] = {NULL, NULL, NULL};
    orm_value k;
    int rc = ORM_OK;
    for (int i = 0; i < 2 && rc == ORM_OK; i++) {
        orm_value_int(&k, i + 1);
        rc = orm_session_get(f->s, f->parent, &k, &ps[i]);
    }
    orm_error err;
    orm_error_init(&err);
    if (rc == ORM_OK) rc = orm_rel_load_many(f->s, &t->children, ps, 2, NULL, NULL, &err);
    if (rc == ORM_OK) rc = orm_rel_load_many(f->s, &t->tags, ps, 2, NULL, NULL, &err);
    int nc = 0;
    if (rc == ORM_OK)
        for (int i = 0; i < 2; i++)
            for (int j = 0; j < orm_rel_count(ps[i], &t->children); j++)
                cs[nc++] = orm_object_retain(orm_rel_item(ps[i], &t->children, j));
    if (rc == ORM_OK) rc = orm_rel_load_many(f->s, &t->parent, cs, nc, NULL, NULL, &err);
    if (rc < 0 && err.cls != ORM_ERR_NONE) {
        assert_string_equal(err.message, "out of memory");
        orm_error_clear(&err);
        rc = ORM_ENOMEM;
    }
    if (rc == ORM_OK) {
        char a[32], b[32], c[32], d[32];
        snprintf(out, size, "%s|%s|%s|%s|%s", rt_items(ps[0], &t->children, C_NAME, a, sizeof a),
                 rt_items(ps[1], &t->children, C_NAME, b, sizeof b),
                 rt_items(ps[0], &t->tags, 1, c, sizeof c),
                 rt_items(ps[1], &t->tags, 1, d, sizeof d),
                 orm_rel_target(cs[nc - 1], &t->parent) == ps[1] ? "cached" : "not cached");
    }
    for (int i = 0; i < 3; i++)
        rt_drop(cs[i]);
    for (int i = 0; i < 2; i++)
        rt_drop(ps[i]);
    return rc;
}

/* Deleting stored parent 2 with delete-orphan children and a tag. */
static int sc_delete(rt *t, char *out, size_t size)
{
    fx *f = t->f;
    orm_rel_env e = rt_env(t);
    t->o2m = &t->orphans;
    orm_object *p = NULL;
    orm_value k;
    orm_value_int(&k, 2);
    int rc = orm_session_get(f->s, f->parent, &k, &p);
    if (rc == ORM_OK) rc = orm_rel_delete(&e, p);
    if (rc == ORM_OK) {
        int gone = 0;
        for (int i = 0; i < orm_rel_count(p, &t->orphans); i++)
            gone += orm_rel_item(p, &t->orphans, i)->marked_delete;
        snprintf(out, size, "deleted %d children %d tags %d", p->marked_delete, gone,
                 orm_rel_count(p, &t->tags));
    }
    t->o2m = &t->children;
    rt_drop(p);
    return rc;
}

typedef int (*scenario)(rt *, char *, size_t);

static void run_faults(rt *t, scenario sc, const char *want)
{
    char out[256];
    assert_int_equal(sc(t, out, sizeof out), ORM_OK);
    assert_string_equal(out, want);
    assert_int_equal(orm_session_rollback(t->f->s), ORM_OK);
    int failures = 0, done = 0;
    for (long n = 1; n < 2000 && !done; n++) {
        orm_fault_alloc_after(n);
        int rc = sc(t, out, sizeof out);
        int fired = orm_fault_alloc_fired();
        orm_fault_alloc_after(0);
        if (rc == ORM_OK) {
            assert_string_equal(out, want);
            done = !fired;
        } else {
            failures++;
            assert_true(fired);
            failed(t, rc);
        }
        assert_int_equal(orm_session_rollback(t->f->s), ORM_OK);
    }
    assert_true(done);
    assert_true(failures >= 5);
}

static void test_relation_state_faults__each_allocation(void **state)
{
    fx *f = *state;
    rt t;
    rt_init(&t, f);
    raw_exec(f, "INSERT INTO parent (id, name) VALUES (1, 'p1'), (2, 'p2');"
                "INSERT INTO child (id, parent_id, name) VALUES (1, 2, 'z'), (2, 1, 'a'),"
                " (3, 2, 'b');"
                "INSERT INTO tag VALUES (1, 'red'), (2, 'blue');"
                "INSERT INTO parent_tag VALUES (1, 2), (2, 1), (2, 2)");
    run_faults(&t, sc_memory, "children 1 tags 1 parents 1 pending 2 kept 0");
    run_faults(&t, sc_load, "a|z,b|blue|red,blue|cached");
    run_faults(&t, sc_delete, "deleted 1 children 2 tags 0");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        FIXTURE_TEST(test_relation_state_faults__each_allocation),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
