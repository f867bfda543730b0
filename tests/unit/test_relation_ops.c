/* test_relation_ops.c — what relation_ops.c tells its caller about each
 * slot it changes (orm_rel_env.changed: the bindings' collections follow
 * it), a told failure stopping the call, and the delete cascade's depth
 * limit on a self-referential chain longer than it. */
#include "relation_state_fixture.h"

#include "compile.h"

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

static void test_relation_ops__distinct(void **state)
{
    (void)state;
    orm_object a, b, c;
    orm_object *v[] = {&a, NULL, &b, &a, &c, &b, NULL, &c};
    assert_int_equal(orm_rel_distinct(v, 8), 3);
    assert_ptr_equal(v[0], &a);
    assert_ptr_equal(v[1], &b);
    assert_ptr_equal(v[2], &c);
    orm_object *one[] = {NULL};
    assert_int_equal(orm_rel_distinct(one, 1), 0);
}

static void test_relation_ops__failed_load_leaves_nothing_loaded(void **state)
{
    fx *f = *state;
    rt t;
    rt_init(&t, f);
    raw_exec(f, "INSERT INTO parent (id, name) VALUES (1, 'p1'), (2, 'p2');"
                "INSERT INTO child (id, parent_id, name) VALUES (1, 1, 'a'), (2, 2, 'b')");
    orm_object *ps[2] = {get_int(f, f->parent, 1), get_int(f, f->parent, 2)};
    orm_error err;
    orm_error_init(&err);
    orm_driver_fail_after(1); /* the loader's statement */
    assert_true(orm_rel_load_many(f->s, &t.children, ps, 2, NULL, NULL, &err) < 0);
    orm_driver_fail_after(0);
    orm_error_clear(&err);
    orm_error_clear(orm_session_error(f->s));
    assert_false(orm_rel_loaded(ps[0], &t.children));
    assert_false(orm_rel_loaded(ps[1], &t.children));
    char buf[64];
    assert_int_equal(orm_rel_load_many(f->s, &t.children, ps, 2, NULL, NULL, &err), ORM_OK);
    assert_string_equal(rt_items(ps[1], &t.children, C_NAME, buf, sizeof buf), "b");
    rt_drop(ps[0]);
    rt_drop(ps[1]);
}

/* Opens the joined load of parent.children and child.parent... for t. */
static orm_cursor *open_joined(fx *f, const orm_table *t, const orm_rel *const *rels, int n,
                               int *offs)
{
    orm_select *sel = orm_select_new();
    assert_non_null(sel);
    assert_int_equal(orm_select_add_table_columns(sel, t), ORM_OK);
    int cannot = -1;
    orm_select *s = orm_rel_joined_select(sel, t, rels, n, offs, &cannot);
    orm_select_free(sel);
    assert_non_null(s);
    orm_compiled comp;
    orm_compiled_init(&comp);
    orm_error err;
    orm_error_init(&err);
    assert_int_equal(orm_compile_select(orm_conn_dialect(f->conn), s, &comp, &err), ORM_OK);
    orm_select_free(s);
    orm_cursor *c = NULL;
    assert_int_equal(orm_cursor_open(f->s, orm_buf_str(&comp.sql), comp.params, comp.nparams, &c),
                     ORM_OK);
    orm_compiled_free(&comp);
    return c;
}

static void test_relation_ops__joined_read(void **state)
{
    fx *f = *state;
    rt t;
    rt_init(&t, f);
    raw_exec(f, "INSERT INTO parent (id, name) VALUES (1, 'p1'), (2, 'p2'), (3, 'p3');"
                "INSERT INTO child (id, parent_id, name) VALUES (1, 2, 'z'), (2, 1, 'a'),"
                " (3, 2, 'b');"
                "INSERT INTO tag VALUES (1, 'red'), (2, 'blue');"
                "INSERT INTO parent_tag VALUES (2, 1), (2, 2)");
    /* two collections joined: rows repeat each child, each is taken once */
    const orm_rel *rels[2] = {&t.children, &t.tags};
    int offs[2];
    orm_cursor *c = open_joined(f, f->parent, rels, 2, offs);
    orm_object **ps = NULL;
    int np = -1;
    assert_int_equal(orm_rel_joined_read(f->s, c, f->parent, rels, 2, offs, &ps, &np), ORM_OK);
    orm_cursor_close(c);
    assert_int_equal(np, 3);
    char buf[64];
    assert_string_equal(text_of(ps[0], P_NAME), "p1");
    assert_string_equal(rt_items(ps[0], &t.children, C_NAME, buf, sizeof buf), "a");
    assert_string_equal(rt_items(ps[1], &t.children, C_NAME, buf, sizeof buf), "z,b");
    assert_string_equal(rt_items(ps[1], &t.tags, 1, buf, sizeof buf), "red,blue");
    assert_true(orm_rel_loaded(ps[2], &t.children)); /* no child: loaded, empty */
    assert_int_equal(orm_rel_count(ps[2], &t.tags), 0);
    for (int i = 0; i < np; i++)
        rt_drop(ps[i]);
    free(ps);
    /* many-to-one: each child's parent cached */
    const orm_rel *up[1] = {&t.parent};
    c = open_joined(f, f->child, up, 1, offs);
    assert_int_equal(orm_rel_joined_read(f->s, c, f->child, up, 1, offs, &ps, &np), ORM_OK);
    orm_cursor_close(c);
    assert_int_equal(np, 3);
    for (int i = 0; i < np; i++)
        assert_int_equal(int_of(orm_rel_target(ps[i], &t.parent), P_ID), int_of(ps[i], C_PARENT));
    for (int i = 0; i < np; i++)
        rt_drop(ps[i]);
    free(ps);
    /* a failure part-way: nothing returned, nothing left loaded */
    int nfired = 0, done = 0;
    for (int n = 1; !done; n++) {
        c = open_joined(f, f->parent, rels, 2, offs);
        orm_fault_alloc_after(n);
        int rc = orm_rel_joined_read(f->s, c, f->parent, rels, 2, offs, &ps, &np);
        int fired = orm_fault_alloc_fired();
        orm_fault_alloc_after(0);
        orm_cursor_close(c);
        if (!fired) {
            assert_int_equal(rc, ORM_OK);
            for (int i = 0; i < np; i++)
                rt_drop(ps[i]);
            free(ps);
            done = 1;
            continue;
        }
        nfired++;
        assert_true(rc < 0);
        assert_null(ps);
        assert_int_equal(np, 0);
        orm_error_clear(orm_session_error(f->s));
        orm_object *p2 = get_int(f, f->parent, 2);
        assert_false(orm_rel_loaded(p2, &t.children));
        assert_false(orm_rel_loaded(p2, &t.tags));
        rt_drop(p2);
    }
    assert_true(nfired >= 3); /* the parents' array, a slot, the seen set at least */
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
        FIXTURE_TEST(test_relation_ops__distinct),
        FIXTURE_TEST(test_relation_ops__failed_load_leaves_nothing_loaded),
        FIXTURE_TEST(test_relation_ops__joined_read),
        FIXTURE_TEST(test_relation_ops__delete_cascade_too_deep),
        FIXTURE_TEST(test_relation_ops__delete_cascade_as_deep_as_allowed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
