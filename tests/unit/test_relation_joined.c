/* test_relation_joined.c — core/relation_joined.c without Lua: the
 * statement of joined eager loading, written out as SQLite SQL (the joined
 * table under an alias, each parent's rows together and each collection in
 * its order; a derived table of the parents under LIMIT; the association
 * table of a many-to-many), the shapes it refuses, its result column
 * offsets, and out of memory at every allocation. */
#include "session_fixture.h"

#include "compile.h"
#include "fault.h"
#include "relation.h"

static orm_rel resolve_ok(const orm_table *p, const orm_table *t, const orm_metadata *md,
                          const char *secondary, const char *order_by)
{
    orm_rel_spec s;
    memset(&s, 0, sizeof s);
    s.name = "P.rel";
    s.parent = p;
    s.target = t;
    s.md = md;
    s.secondary = secondary;
    s.order_by = order_by;
    s.uselist = -1;
    orm_rel r;
    orm_error err;
    orm_error_init(&err);
    if (orm_rel_resolve(&s, &r, &err) != ORM_OK) fail_msg("resolve: %s", err.message);
    return r;
}

/* SELECT <every column of t> FROM t */
static orm_select *plain_select(const orm_table *t)
{
    orm_select *s = orm_select_new();
    assert_non_null(s);
    assert_int_equal(orm_select_add_table_columns(s, t), ORM_OK);
    return s;
}

/* The SQLite text of s (static buffer). */
static const char *sql_of(const fx *f, const orm_select *s)
{
    static char text[2048];
    orm_compiled c;
    orm_compiled_init(&c);
    orm_error err;
    orm_error_init(&err);
    if (orm_compile_select(orm_conn_dialect(f->conn), s, &c, &err) != ORM_OK)
        fail_msg("compile: %s", err.message);
    snprintf(text, sizeof text, "%s", orm_buf_str(&c.sql));
    orm_compiled_free(&c);
    return text;
}

static void test_joined__one_to_many_and_many_to_one(void **state)
{
    fx *f = *state;
    orm_rel books = resolve_ok(f->parent, f->child, NULL, NULL, "-name");
    orm_select *sel = plain_select(f->parent);
    const orm_rel *rels[1] = {&books};
    int offs[1] = {-1}, cannot = -1;
    orm_select *s = orm_rel_joined_select(sel, f->parent, rels, 1, offs, &cannot);
    assert_non_null(s);
    assert_int_equal(cannot, 0);
    assert_int_equal(offs[0], 3); /* after parent's three columns */
    assert_string_equal(sql_of(f, s),
                        "SELECT parent.id, parent.name, parent.note, child_1.id, "
                        "child_1.parent_id, child_1.name FROM parent LEFT OUTER JOIN child AS "
                        "child_1 ON parent.id = child_1.parent_id ORDER BY parent.id, "
                        "child_1.name DESC, child_1.id");
    orm_select_free(s);

    /* an order by the parent's key already there is not repeated */
    orm_expr *pid = orm_expr_column(f->parent, P_ID);
    assert_int_equal(orm_select_add_order(sel, pid), ORM_OK);
    orm_expr_release(pid);
    s = orm_rel_joined_select(sel, f->parent, rels, 1, offs, &cannot);
    assert_non_null(s);
    assert_non_null(strstr(sql_of(f, s), "ORDER BY parent.id, child_1.name DESC, child_1.id"));
    orm_select_free(s);
    orm_select_free(sel);

    /* many-to-one: the parent row joined, nothing ordered after the key */
    orm_rel parent = resolve_ok(f->child, f->parent, NULL, NULL, NULL);
    sel = plain_select(f->child);
    rels[0] = &parent;
    s = orm_rel_joined_select(sel, f->child, rels, 1, offs, &cannot);
    assert_non_null(s);
    assert_string_equal(sql_of(f, s),
                        "SELECT child.id, child.parent_id, child.name, parent_1.id, "
                        "parent_1.name, parent_1.note FROM child LEFT OUTER JOIN parent AS "
                        "parent_1 ON child.parent_id = parent_1.id ORDER BY child.id");
    orm_select_free(s);
    orm_select_free(sel);
}

static void test_joined__a_limit_counts_parents(void **state)
{
    fx *f = *state;
    orm_rel books = resolve_ok(f->parent, f->child, NULL, NULL, NULL);
    orm_select *sel = plain_select(f->parent);
    sel->limit = 2;
    orm_expr *name = orm_expr_column(f->parent, P_NAME);
    orm_expr *desc = orm_expr_order(name, 1);
    assert_int_equal(orm_select_add_order(sel, desc), ORM_OK);
    orm_expr_release(desc);
    orm_expr_release(name);
    const orm_rel *rels[1] = {&books};
    int offs[1], cannot = -1;
    orm_select *s = orm_rel_joined_select(sel, f->parent, rels, 1, offs, &cannot);
    assert_non_null(s);
    assert_int_equal(cannot, 0);
    assert_int_equal(offs[0], 3);
    const char *sql = sql_of(f, s);
    assert_non_null(strstr(sql, "FROM (SELECT parent.id, parent.name, parent.note FROM parent "
                                "ORDER BY parent.name DESC LIMIT ?) AS anon_1 LEFT OUTER JOIN "
                                "child AS child_1 ON anon_1.id = child_1.parent_id ORDER BY "
                                "anon_1.name DESC, anon_1.id, child_1.id"));
    orm_select_free(s);
    orm_select_free(sel);
}

static void test_joined__shapes_it_does_not_rewrite(void **state)
{
    fx *f = *state;
    orm_rel books = resolve_ok(f->parent, f->child, NULL, NULL, NULL);
    const orm_rel *rels[1] = {&books};
    int offs[1], cannot = 0;

    orm_select *sel = plain_select(f->parent); /* GROUP BY */
    orm_expr *id = orm_expr_column(f->parent, P_ID);
    assert_int_equal(orm_select_add_group(sel, id), ORM_OK);
    assert_null(orm_rel_joined_select(sel, f->parent, rels, 1, offs, &cannot));
    assert_int_equal(cannot, 1);
    orm_select_free(sel);

    sel = plain_select(f->parent); /* under LIMIT, an order by an expression */
    sel->limit = 1;
    orm_value one = {.type = ORM_V_INT, .u.i = 1};
    orm_expr *bound = orm_expr_bind(&one);
    orm_expr *sum = orm_expr_binary(ORM_OP_ADD, id, bound);
    orm_expr_release(bound);
    assert_non_null(sum);
    assert_int_equal(orm_select_add_order(sel, sum), ORM_OK);
    cannot = 0;
    assert_null(orm_rel_joined_select(sel, f->parent, rels, 1, offs, &cannot));
    assert_int_equal(cannot, 1);
    orm_select_free(sel);
    orm_expr_release(sum);
    orm_expr_release(id);
}

static void test_joined__many_to_many_through_its_table(void **state)
{
    orm_metadata *md = orm_metadata_new();
    orm_table *a = add_table(md, "a"), *b = add_table(md, "b"), *ab = add_table(md, "a_b");
    add_col(a, &(orm_column){.name = "id", .type = {ORM_T_INTEGER}, .primary_key = 1});
    add_col(b, &(orm_column){.name = "code", .type = {ORM_T_STRING, 5}, .primary_key = 1});
    orm_fkey fa = {.table = "a", .column = "id"}, fb = {.table = "b", .column = "code"};
    add_col(ab, &(orm_column){.name = "a_id", .type = {ORM_T_INTEGER}, .fk = &fa});
    add_col(ab, &(orm_column){.name = "b_code", .type = {ORM_T_STRING, 5}, .fk = &fb});
    orm_rel r = resolve_ok(a, b, md, "a_b", NULL);
    orm_select *sel = plain_select(a);
    const orm_rel *rels[1] = {&r};
    int offs[1], cannot;
    orm_select *s = orm_rel_joined_select(sel, a, rels, 1, offs, &cannot);
    assert_non_null(s);
    assert_int_equal(offs[0], 1);
    assert_string_equal(sql_of(*state, s),
                        "SELECT a.id, b_1.code FROM a LEFT OUTER JOIN a_b AS a_b_1 ON a.id = "
                        "a_b_1.a_id LEFT OUTER JOIN b AS b_1 ON a_b_1.b_code = b_1.code ORDER BY "
                        "a.id, b_1.code");
    orm_select_free(s);
    orm_select_free(sel);
    orm_metadata_free(md);
}

static void test_joined__out_of_memory_anywhere(void **state)
{
    fx *f = *state;
    orm_rel books = resolve_ok(f->parent, f->child, NULL, NULL, NULL);
    orm_select *sel = plain_select(f->parent);
    sel->limit = 3;
    const orm_rel *rels[1] = {&books};
    int offs[1], cannot;
    int failures = 0;
    for (int n = 1; n < 200; n++) {
        orm_fault_alloc_after(n);
        orm_select *s = orm_rel_joined_select(sel, f->parent, rels, 1, offs, &cannot);
        int hit = orm_fault_alloc_fired();
        orm_fault_alloc_after(0);
        if (!hit) { /* the path needed fewer than n allocations: done */
            assert_non_null(s);
            orm_select_free(s);
            break;
        }
        failures++;
        assert_null(s); /* out of memory is never "cannot rewrite" */
        assert_int_equal(cannot, 0);
    }
    assert_true(failures > 5);
    orm_select_free(sel);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_joined__one_to_many_and_many_to_one, setup, teardown),
        cmocka_unit_test_setup_teardown(test_joined__a_limit_counts_parents, setup, teardown),
        cmocka_unit_test_setup_teardown(test_joined__shapes_it_does_not_rewrite, setup, teardown),
        cmocka_unit_test_setup_teardown(test_joined__many_to_many_through_its_table, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_joined__out_of_memory_anywhere, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
