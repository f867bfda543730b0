/* test_relation_ops.c — what relation_ops.c tells its caller about each
 * slot it changes (orm_rel_env.changed: the bindings' collections follow
 * it), a told failure stopping the call, and the delete cascade's depth
 * limit on a self-referential chain longer than it. */
#include "relation_state_fixture.h"

static void test_relation_ops__told_each_change(void **state)
{
    fx *f = *state;
    rt t;
    rt_init(&t, f);
    orm_rel_env e = rt_env(&t);
    orm_object *p1 = new_parent(f, "p1"), *p2 = new_parent(f, "p2"), *c = new_child(f, 0, "c");
    orm_object *red = rt_new_tag(&t, 1, "red");
    assert_int_equal(orm_rel_set_parent(&e, &t.parent, &t.children, c, p1), ORM_OK);
    assert_string_equal(t.told, "+p1.children:c =c.parent:p1 ");
    t.told[0] = '\0';
    assert_int_equal(orm_rel_append(&e, &t.children, &t.parent, p2, c), ORM_OK);
    assert_string_equal(t.told, "-p1.children:c +p2.children:c =c.parent:p2 ");
    t.told[0] = '\0';
    assert_int_equal(orm_rel_append(&e, &t.children, &t.parent, p2, c), ORM_OK); /* again */
    assert_string_equal(t.told, "=c.parent:p2 ");
    t.told[0] = '\0';
    assert_int_equal(orm_rel_remove(&e, &t.children, &t.parent, p2, c), ORM_OK);
    assert_string_equal(t.told, "-p2.children:c =c.parent:- ");
    t.told[0] = '\0';
    assert_int_equal(orm_rel_append(&e, &t.tags, &t.parents, p1, red), ORM_OK);
    assert_string_equal(t.told, "+p1.tags:red +red.parents:p1 ");
    t.told[0] = '\0';
    assert_int_equal(orm_rel_remove(&e, &t.tags, &t.parents, p1, red), ORM_OK);
    assert_string_equal(t.told, "-p1.tags:red -red.parents:p1 ");
    /* a failure told stops the call: the slot keeps its change, nothing after it runs */
    t.told[0] = '\0';
    t.fail_told = 1;
    assert_int_equal(orm_rel_set_parent(&e, &t.parent, &t.children, c, p1), ORM_EFAIL);
    assert_string_equal(orm_session_error(f->s)->message, "told: refused");
    assert_string_equal(t.told, "+p1.children:c ");
    assert_null(orm_rel_target(c, &t.parent)); /* not set: the call stopped before */
    orm_error_clear(orm_session_error(f->s));
    rt_drop(red);
    rt_drop(c);
    rt_drop(p1);
    rt_drop(p2);
}

/* node(id, up_id -> node.id): node.kids, one-to-many with cascade delete */
typedef struct chain {
    fx *f;
    orm_table *node;
    orm_rel kids;
} chain;

static void chain_rels_of(void *ctx, const orm_table *tb, const orm_rel *const **rels,
                          const orm_rel *const **revs, int *n)
{
    chain *ch = ctx;
    static const orm_rel *r[1], *v[1];
    r[0] = &ch->kids;
    v[0] = NULL;
    *rels = r;
    *revs = v;
    *n = tb == ch->node ? 1 : 0;
}

static int chain_load(void *ctx, orm_object *o, const orm_rel *r)
{
    chain *ch = ctx;
    orm_error err;
    orm_error_init(&err);
    int rc = orm_rel_load_many(ch->f->s, r, &o, 1, NULL, NULL, &err);
    orm_error_clear(&err);
    return rc;
}

/* Makes node and a chain of n nodes, 1 <- 2 <- ... <- n; returns node 1. */
static orm_object *make_chain(fx *f, chain *ch, int n)
{
    ch->f = f;
    ch->node = add_table(f->md, "node");
    orm_fkey up = {.table = "node", .column = "id"};
    add_col(ch->node, &(orm_column){.name = "id", .type = {ORM_T_INTEGER}, .primary_key = 1});
    add_col(ch->node,
            &(orm_column){.name = "up_id", .type = {ORM_T_INTEGER}, .nullable = 1, .fk = &up});
    orm_error err;
    orm_error_init(&err);
    assert_int_equal(orm_ddl_create_all(f->conn, f->md, &err), ORM_OK);
    ch->kids = rt_resolve(f, ch->node, ch->node, NULL, "all, delete");
    f->conn->echo = 0;
    char sql[256];
    snprintf(sql, sizeof sql,
             "WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < %d) "
             "INSERT INTO node SELECT i, CASE WHEN i = 1 THEN NULL ELSE i - 1 END FROM c",
             n);
    raw_exec(f, sql);
    return get_int(f, ch->node, 1);
}

static void test_relation_ops__delete_cascade_too_deep(void **state)
{
    fx *f = *state;
    chain ch;
    orm_object *top = make_chain(f, &ch, ORM_REL_DELETE_MAX_DEPTH + 2);
    orm_rel_env e = {.s = f->s, .rels_of = chain_rels_of, .load = chain_load, .ctx = &ch};
    assert_int_equal(orm_rel_delete(&e, top), ORM_EFAIL);
    orm_error *se = orm_session_error(f->s);
    assert_int_equal(se->cls, ORM_ERR_ARGUMENT);
    assert_non_null(strstr(se->message, "more than 2000 objects deep"));
    orm_error_clear(se);
    assert_int_equal(orm_session_rollback(f->s), ORM_OK);
    assert_int_equal(nrows(f, "node"), ORM_REL_DELETE_MAX_DEPTH + 2); /* nothing deleted */
    orm_object_release(top);
}

static void test_relation_ops__delete_cascade_as_deep_as_allowed(void **state)
{
    fx *f = *state;
    chain ch;
    orm_object *top = make_chain(f, &ch, ORM_REL_DELETE_MAX_DEPTH + 1);
    orm_rel_env e = {.s = f->s, .rels_of = chain_rels_of, .load = chain_load, .ctx = &ch};
    assert_int_equal(orm_rel_delete(&e, top), ORM_OK);
    commit_ok(f);
    assert_int_equal(nrows(f, "node"), 0);
    orm_object_release(top);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        FIXTURE_TEST(test_relation_ops__told_each_change),
        FIXTURE_TEST(test_relation_ops__delete_cascade_too_deep),
        FIXTURE_TEST(test_relation_ops__delete_cascade_as_deep_as_allowed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
