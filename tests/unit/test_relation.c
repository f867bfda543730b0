/* test_relation.c — core/relation.c and relation_sync.c without Lua:
 * resolving declarations (direction from the foreign keys, foreign_keys,
 * primaryjoin, remote_side, secondary, options and their errors), the loader
 * query on a real SQLite session, joins, links between both sides, and the
 * cascade decisions. */
#include "session_fixture.h"

#include "relation.h"

/* A spec from parent to target named "P.rel". */
static orm_rel_spec spec_of(const orm_table *p, const orm_table *t)
{
    orm_rel_spec s;
    memset(&s, 0, sizeof s);
    s.name = "P.rel";
    s.parent = p;
    s.target = t;
    s.uselist = -1;
    return s;
}

static orm_rel resolve_ok(const orm_rel_spec *s)
{
    orm_rel r;
    orm_error err;
    orm_error_init(&err);
    if (orm_rel_resolve(s, &r, &err) != ORM_OK) fail_msg("resolve: %s", err.message);
    return r;
}

/* The message of a failing resolve (static buffer). */
static const char *resolve_fails(const orm_rel_spec *s)
{
    static char msg[512];
    orm_rel r;
    orm_error err;
    orm_error_init(&err);
    assert_int_equal(orm_rel_resolve(s, &r, &err), ORM_EFAIL);
    assert_int_equal(err.cls, ORM_ERR_ARGUMENT);
    snprintf(msg, sizeof msg, "%s", err.message);
    orm_error_clear(&err);
    return msg;
}

/* ---- resolution -------------------------------------------------------- */

static void test_resolve__direction_from_the_foreign_key(void **state)
{
    fx *f = *state;
    orm_rel_spec s = spec_of(f->parent, f->child);
    orm_rel o2m = resolve_ok(&s);
    assert_int_equal(o2m.kind, ORM_REL_O2M);
    assert_int_equal(o2m.local_col, P_ID);
    assert_int_equal(o2m.remote_col, C_PARENT);
    assert_int_equal(o2m.uselist, 1);
    assert_null(o2m.secondary);
    assert_int_equal(o2m.lazy, ORM_LAZY_SELECT);
    assert_int_equal(o2m.order_col, -1);
    s.uselist = 0; /* one-to-one */
    assert_int_equal(resolve_ok(&s).uselist, 0);

    s = spec_of(f->child, f->parent);
    orm_rel m2o = resolve_ok(&s);
    assert_int_equal(m2o.kind, ORM_REL_M2O);
    assert_int_equal(m2o.local_col, C_PARENT);
    assert_int_equal(m2o.remote_col, P_ID);
    assert_int_equal(m2o.uselist, 0);
}

static void test_resolve__options_and_their_errors(void **state)
{
    fx *f = *state;
    orm_rel_spec s = spec_of(f->parent, f->child);
    s.lazy = "selectin";
    s.order_by = "-name";
    s.cascade = "all, delete-orphan";
    orm_rel r = resolve_ok(&s);
    assert_int_equal(r.lazy, ORM_LAZY_SELECTIN);
    assert_int_equal(r.order_col, C_NAME);
    assert_int_equal(r.order_desc, 1);
    assert_true(r.cascade_delete);
    assert_true(r.delete_orphan);

    s = spec_of(f->parent, f->child);
    s.cascade = "save-update, merge";
    r = resolve_ok(&s);
    assert_false(r.cascade_delete);
    assert_false(r.delete_orphan);

    s.lazy = "eager";
    assert_string_equal(resolve_fails(&s),
                        "relationship P.rel: lazy must be \"select\", \"joined\", \"selectin\" "
                        "or \"dynamic\", got \"eager\"");
    s.lazy = NULL;
    s.order_by = "nope";
    assert_string_equal(resolve_fails(&s), "relationship P.rel: order_by: 'child' has no column "
                                           "'nope'");
    s.order_by = NULL;
    s.order_by_bad = 1;
    assert_string_equal(resolve_fails(&s),
                        "relationship P.rel: order_by must name a column of 'child'");

    s = spec_of(f->parent, f->item);
    assert_string_equal(resolve_fails(&s),
                        "relationship P.rel: no foreign key joins 'parent' and 'item' (add "
                        "db.ForeignKey or foreign_keys)");
    s = spec_of(f->parent, f->child);
    s.md = f->md;
    s.secondary = "nowhere";
    assert_string_equal(resolve_fails(&s), "relationship P.rel: secondary table 'nowhere' is not "
                                           "defined (db.Table or a model)");
}

/* emp(id pk, name, boss_id -> emp.id, mentor_id -> emp.id) */
enum { E_ID, E_NAME, E_BOSS, E_MENTOR };

static orm_table *emp_table(orm_metadata *md)
{
    orm_table *t = add_table(md, "emp");
    orm_fkey fk = {.table = "emp", .column = "id"};
    add_col(t, &(orm_column){.name = "id", .type = {ORM_T_INTEGER}, .primary_key = 1});
    add_col(t, &(orm_column){.name = "name", .type = {ORM_T_STRING, 20}, .nullable = 1});
    add_col(t, &(orm_column){.name = "boss_id", .type = {ORM_T_INTEGER}, .nullable = 1, .fk = &fk});
    add_col(t,
            &(orm_column){.name = "mentor_id", .type = {ORM_T_INTEGER}, .nullable = 1, .fk = &fk});
    return t;
}

static void test_resolve__self_referential(void **state)
{
    (void)state;
    orm_metadata *md = orm_metadata_new();
    assert_non_null(md);
    orm_table *e = emp_table(md);
    orm_rel_spec s = spec_of(e, e);
    /* two foreign keys to itself: one must be named */
    assert_string_equal(resolve_fails(&s),
                        "relationship P.rel: more than one foreign key could join the tables "
                        "(emp.boss_id, emp.mentor_id, emp.boss_id, emp.mentor_id); name one with "
                        "foreign_keys");
    s.foreign_key = "boss_id";
    orm_rel r = resolve_ok(&s); /* nothing else said: one-to-many (the reports) */
    assert_int_equal(r.kind, ORM_REL_O2M);
    assert_int_equal(r.remote_col, E_BOSS);
    assert_int_equal(r.local_col, E_ID);

    s.remote_side = "id"; /* the far end is the referenced key: many-to-one */
    r = resolve_ok(&s);
    assert_int_equal(r.kind, ORM_REL_M2O);
    assert_int_equal(r.local_col, E_BOSS);
    assert_int_equal(r.remote_col, E_ID);
    s.remote_side = "boss_id";
    assert_int_equal(resolve_ok(&s).kind, ORM_REL_O2M);
    s.remote_side = "name";
    assert_string_equal(resolve_fails(&s), "relationship P.rel: remote_side must be 'id' "
                                           "(many-to-one) or 'boss_id' (one-to-many)");
    s.remote_side = "nope";
    assert_string_equal(resolve_fails(&s), "relationship P.rel: remote_side must name a column "
                                           "of 'emp' (e.g. remote_side = \"id\")");
    s.remote_side = NULL;
    s.uselist = 0;
    assert_int_equal(resolve_ok(&s).kind, ORM_REL_M2O);

    /* primaryjoin: its left operand is the near end; it also names the key */
    s = spec_of(e, e);
    orm_expr *fkc = orm_expr_column(e, E_MENTOR), *id = orm_expr_column(e, E_ID);
    orm_expr *up = orm_expr_binary(ORM_OP_EQ, fkc, id);
    orm_expr *down = orm_expr_binary(ORM_OP_EQ, id, fkc);
    assert_non_null(up);
    assert_non_null(down);
    s.primaryjoin = up;
    r = resolve_ok(&s);
    assert_int_equal(r.kind, ORM_REL_M2O);
    assert_int_equal(r.local_col, E_MENTOR);
    s.primaryjoin = down;
    r = resolve_ok(&s);
    assert_int_equal(r.kind, ORM_REL_O2M);
    assert_int_equal(r.remote_col, E_MENTOR);
    s.remote_side = "id"; /* remote_side wins */
    assert_int_equal(resolve_ok(&s).kind, ORM_REL_M2O);
    orm_expr_release(up);
    orm_expr_release(down);
    orm_expr_release(fkc);
    orm_expr_release(id);
    orm_metadata_free(md);
}

static void test_resolve__many_to_many(void **state)
{
    (void)state;
    orm_metadata *md = orm_metadata_new();
    orm_table *a = add_table(md, "a"), *b = add_table(md, "b"), *ab = add_table(md, "a_b");
    add_col(a, &(orm_column){.name = "id", .type = {ORM_T_INTEGER}, .primary_key = 1});
    add_col(b, &(orm_column){.name = "code", .type = {ORM_T_STRING, 5}, .primary_key = 1});
    orm_fkey fa = {.table = "a", .column = "id"}, fb = {.table = "b", .column = "code"};
    add_col(ab, &(orm_column){.name = "b_code", .type = {ORM_T_STRING, 5}, .fk = &fb});
    add_col(ab, &(orm_column){.name = "a_id", .type = {ORM_T_INTEGER}, .fk = &fa});
    orm_rel_spec s = spec_of(a, b);
    s.md = md;
    s.secondary = "a_b";
    s.uselist = 0; /* ignored: a collection always */
    orm_rel r = resolve_ok(&s);
    assert_int_equal(r.kind, ORM_REL_M2M);
    assert_ptr_equal(r.secondary, ab);
    assert_int_equal(r.sec_parent_col, 1);
    assert_int_equal(r.sec_target_col, 0);
    assert_int_equal(r.local_col, 0);
    assert_int_equal(r.remote_col, 0);
    assert_int_equal(r.uselist, 1);

    /* the association row links both sides; values follow at once */
    orm_object *oa = orm_object_new(a), *ob = orm_object_new(b);
    orm_value v = {.type = ORM_V_INT, .u.i = 7};
    assert_int_equal(orm_object_set(oa, 0, &v), ORM_OK);
    orm_rel_spec back = spec_of(b, a);
    back.md = md;
    back.secondary = "a_b";
    orm_rel rb = resolve_ok(&back);
    assert_int_equal(rb.sec_parent_col, 0);
    orm_object *assoc = orm_rel_assoc_new(&r, oa, ob);
    assert_non_null(assoc);
    assert_ptr_equal(orm_object_link_src(assoc, 1), oa);
    assert_ptr_equal(orm_object_link_src(assoc, 0), ob);
    assert_int_equal(assoc->values[1].u.i, 7);
    orm_object_release(assoc);
    orm_object_release(oa);
    orm_object_release(ob);

    /* no key to the parent in the association table */
    s = spec_of(a, a);
    s.md = md;
    s.secondary = "a_b";
    assert_string_equal(resolve_fails(&s),
                        "relationship P.rel: self-referential many-to-many needs foreign_keys");
    orm_metadata_free(md);
}

/* ---- loading and joining ----------------------------------------------- */

static void test_load__one_statement_for_a_batch_of_parents(void **state)
{
    fx *f = *state;
    orm_object *p1 = committed_parent(f, "p1"), *p2 = committed_parent(f, "p2");
    int64_t id1 = int_of(p1, P_ID), id2 = int_of(p2, P_ID);
    orm_object *c[3] = {new_child(f, id2, "z"), new_child(f, id1, "a"), new_child(f, id2, "y")};
    for (int i = 0; i < 3; i++)
        add_ok(f, c[i]);
    commit_ok(f);
    orm_rel_spec s = spec_of(f->parent, f->child);
    orm_rel r = resolve_ok(&s);
    const orm_value *keys[2] = {&p1->values[P_ID], &p2->values[P_ID]};
    orm_cursor *cur = NULL;
    orm_error err;
    orm_error_init(&err);
    echo_reset(f);
    assert_int_equal(orm_rel_load_open(f->s, &r, keys, 2, &cur, &err), ORM_OK);
    assert_true(echo_find(f,
                          "SELECT child.id, child.parent_id, child.name FROM child WHERE "
                          "child.parent_id IN (?, ?) ORDER BY child.parent_id, child.id",
                          0) >= 0);
    int64_t want_parent[3] = {id1, id2, id2};
    orm_object *want[3] = {c[1], c[0], c[2]};
    int n = 0;
    while (orm_cursor_step(cur) == ORM_ROW) {
        orm_object *o = NULL;
        orm_value buf;
        const orm_value *key;
        assert_int_equal(orm_rel_load_row(cur, &r, &o, &buf, &key), ORM_OK);
        assert_true(n < 3);
        assert_ptr_equal(o, want[n]); /* the identity map's objects */
        assert_int_equal(key->u.i, want_parent[n]);
        orm_value_clear(&buf);
        orm_object_release(o);
        n++;
    }
    assert_int_equal(n, 3);
    orm_cursor_close(cur);

    /* a single key: one equality; order_by descending before the key */
    s.order_by = "-name";
    r = resolve_ok(&s);
    echo_reset(f);
    assert_int_equal(orm_rel_load_open(f->s, &r, keys + 1, 1, &cur, &err), ORM_OK);
    assert_true(echo_find(f, "WHERE child.parent_id = ? ORDER BY child.name DESC, child.id", 0) >=
                0);
    orm_cursor_close(cur);

    /* the many-to-one side loads parents by their key */
    s = spec_of(f->child, f->parent);
    orm_rel m2o = resolve_ok(&s);
    const orm_value *pk = &c[0]->values[C_PARENT];
    assert_int_equal(orm_rel_load_open(f->s, &m2o, &pk, 1, &cur, &err), ORM_OK);
    assert_int_equal(orm_cursor_step(cur), ORM_ROW);
    orm_object *o = NULL;
    orm_value buf;
    const orm_value *key;
    assert_int_equal(orm_rel_load_row(cur, &m2o, &o, &buf, &key), ORM_OK);
    assert_ptr_equal(o, p2);
    assert_ptr_equal(key, &p2->values[P_ID]);
    orm_value_clear(&buf);
    orm_object_release(o);
    assert_int_equal(orm_cursor_step(cur), ORM_DONE);
    orm_cursor_close(cur);
    for (int i = 0; i < 3; i++)
        orm_object_release(c[i]);
    orm_object_release(p1);
    orm_object_release(p2);
}

static void test_join__conditions_and_dynamic_filter(void **state)
{
    fx *f = *state;
    orm_rel_spec s = spec_of(f->parent, f->child);
    orm_rel r = resolve_ok(&s);
    const orm_table *via = f->item;
    orm_expr *on = NULL, *on2 = NULL;
    assert_int_equal(orm_rel_join(&r, &via, &on, &on2), ORM_OK);
    assert_null(via);
    assert_null(on2);
    assert_non_null(on);
    assert_int_equal(on->op, ORM_OP_EQ);
    assert_ptr_equal(on->args[0]->table, f->parent);
    assert_int_equal(on->args[1]->col, C_PARENT);
    orm_expr_release(on);

    orm_object *p = new_parent(f, "dyn");
    set_int(p, P_ID, 42);
    orm_expr *flt = orm_rel_dynamic_filter(&r, p);
    assert_non_null(flt);
    assert_ptr_equal(flt->args[0]->table, f->child);
    assert_int_equal(flt->args[1]->value.u.i, 42);
    orm_expr_release(flt);
    orm_object_release(p);
}

/* ---- both sides and cascades -------------------------------------------- */

static void test_sync__foreign_key_follows_a_new_parent(void **state)
{
    fx *f = *state;
    orm_rel_spec s = spec_of(f->child, f->parent);
    orm_rel m2o = resolve_ok(&s);
    s = spec_of(f->parent, f->child);
    orm_rel o2m = resolve_ok(&s);
    orm_object *p = new_parent(f, "new"), *c = new_child(f, 0, "kid"), *c2 = new_child(f, 0, "k2");
    assert_null(orm_rel_load_key(&m2o, c)); /* no key yet */
    assert_int_equal(orm_rel_link(&m2o, c, p), ORM_OK);
    assert_int_equal(orm_rel_link(&o2m, c2, p), ORM_OK);
    assert_null(orm_rel_load_key(&o2m, p)); /* no row yet: nothing to load */
    assert_ptr_equal(orm_object_link_src(c, C_PARENT), p);
    assert_false(orm_rel_has_key(p, P_ID));
    add_ok(f, c); /* the child first: the flush still inserts the parent first */
    add_ok(f, c2);
    add_ok(f, p);
    flush_ok(f);
    assert_true(orm_rel_has_key(p, P_ID));
    assert_int_equal(int_of(c, C_PARENT), int_of(p, P_ID));
    assert_int_equal(int_of(c2, C_PARENT), int_of(p, P_ID));
    assert_ptr_equal(orm_rel_load_key(&o2m, p), &p->values[P_ID]);
    assert_null(orm_rel_load_key(&m2o, c)); /* follows the object in memory until commit */
    commit_ok(f);
    assert_ptr_equal(orm_rel_load_key(&m2o, c), &c->values[C_PARENT]);
    assert_int_equal(orm_rel_link(&o2m, c2, NULL), ORM_OK); /* unlinked: NULL */
    assert_true(is_null(c2, C_PARENT));
    assert_null(orm_object_link_src(c2, C_PARENT));
    orm_object_release(p);
    orm_object_release(c);
    orm_object_release(c2);
}

static void test_cascade__decisions(void **state)
{
    fx *f = *state;
    orm_rel_spec s = spec_of(f->parent, f->child);
    orm_rel plain = resolve_ok(&s);
    s.cascade = "all, delete-orphan";
    orm_rel all = resolve_ok(&s);
    s.cascade = NULL;
    s.lazy = "dynamic";
    orm_rel dyn = resolve_ok(&s);
    s = spec_of(f->child, f->parent);
    orm_rel m2o = resolve_ok(&s);
    orm_rel m2m = plain;
    m2m.kind = ORM_REL_M2M;
    assert_int_equal(orm_rel_on_parent_delete(&plain), ORM_REL_NULL_FK);
    assert_int_equal(orm_rel_on_parent_delete(&all), ORM_REL_DELETE_CHILD);
    assert_int_equal(orm_rel_on_parent_delete(&dyn), ORM_REL_KEEP);
    assert_int_equal(orm_rel_on_parent_delete(&m2o), ORM_REL_KEEP);
    assert_int_equal(orm_rel_on_parent_delete(&m2m), ORM_REL_UNLINK_ASSOC);

    orm_object *p = committed_parent(f, "p");
    orm_object *kept = new_child(f, int_of(p, P_ID), "kept");
    add_ok(f, kept);
    commit_ok(f);
    orm_object *pending = new_child(f, int_of(p, P_ID), "pending");
    orm_object *loose = new_child(f, int_of(p, P_ID), "loose");
    add_ok(f, pending);
    assert_int_equal(orm_rel_on_remove(&all, pending), ORM_REL_EXPUNGE_CHILD);
    assert_int_equal(orm_rel_on_remove(&all, kept), ORM_REL_DELETE_CHILD);
    assert_int_equal(orm_rel_on_remove(&all, loose), ORM_REL_KEEP); /* in no session */
    assert_int_equal(orm_rel_on_remove(&plain, kept), ORM_REL_KEEP);
    orm_object_release(p);
    orm_object_release(kept);
    orm_object_release(pending);
    orm_object_release(loose);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_resolve__direction_from_the_foreign_key, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_resolve__options_and_their_errors, setup, teardown),
        cmocka_unit_test(test_resolve__self_referential),
        cmocka_unit_test(test_resolve__many_to_many),
        cmocka_unit_test_setup_teardown(test_load__one_statement_for_a_batch_of_parents, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_join__conditions_and_dynamic_filter, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sync__foreign_key_follows_a_new_parent, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_cascade__decisions, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
