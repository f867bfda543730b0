/* test_relation_faults.c — relationship loading and joins (core/relation.c)
 * under failing allocations: for a one-to-many with an order, a
 * many-to-one and a many-to-many through an association table, loading
 * the related rows of two parents, the join conditions of q:join and a
 * dynamic relationship's filter — with each allocation failing in turn,
 * each either fails "out of memory" (nothing returned, nothing leaked) or
 * loads exactly the rows, and compiles exactly the SQL, it does without
 * faults. */
#include "session_fixture.h"

#include "compile.h"
#include "fault.h"
#include "relation.h"

static orm_rel resolve(orm_rel_spec s)
{
    orm_rel r;
    orm_error err;
    orm_error_init(&err);
    if (orm_rel_resolve(&s, &r, &err) != ORM_OK) fail_msg("resolve: %s", err.message);
    return r;
}

static orm_rel_spec spec(fx *f, const orm_table *p, const orm_table *t)
{
    return (orm_rel_spec){.name = "rel", .parent = p, .target = t, .md = f->md, .uselist = -1};
}

/* The rows loaded for keys, "parentkey:childname;..." into out; the code. */
static int load(fx *f, const orm_rel *r, const orm_value *const *keys, int n, int name_col,
                char *out, size_t size)
{
    out[0] = '\0';
    orm_cursor *c = NULL;
    orm_error err;
    orm_error_init(&err);
    int rc = orm_rel_load_open(f->s, r, keys, n, &c, &err);
    if (rc < 0) {
        const char *m = err.message ? err.message : orm_session_error(f->s)->message;
        assert_string_equal(m, "out of memory");
        orm_error_clear(&err);
        return rc;
    }
    while ((rc = orm_cursor_step(c)) == ORM_ROW) {
        orm_object *o = NULL;
        orm_value buf;
        const orm_value *key;
        if ((rc = orm_rel_load_row(c, r, &o, &buf, &key)) < 0) break;
        size_t len = strlen(out);
        snprintf(out + len, size - len, "%lld:%s;", (long long)key->u.i, text_of(o, name_col));
        orm_value_clear(&buf);
        orm_object_release(o);
    }
    orm_cursor_close(c);
    return rc < 0 ? rc : ORM_OK;
}

/* The SQL of q:join(rel)'s conditions and of the dynamic filter, or the code. */
static int joins(const orm_rel *r, const orm_object *parent, char *out, size_t size)
{
    out[0] = '\0';
    const orm_table *via = NULL;
    orm_expr *on = NULL, *on2 = NULL;
    int rc = orm_rel_join(r, &via, &on, &on2);
    if (rc < 0) return rc;
    orm_compiled cc;
    orm_compiled_init(&cc);
    rc = orm_compile_expr(&orm_dialect_sqlite, on, &cc, NULL);
    if (rc == ORM_OK) snprintf(out, size, "%s via %s", orm_buf_str(&cc.sql), via ? via->name : "-");
    orm_compiled_free(&cc);
    if (rc == ORM_OK && on2) {
        orm_compiled_init(&cc);
        rc = orm_compile_expr(&orm_dialect_sqlite, on2, &cc, NULL);
        if (rc == ORM_OK)
            snprintf(out + strlen(out), size - strlen(out), " and %s", orm_buf_str(&cc.sql));
        orm_compiled_free(&cc);
    }
    orm_expr_release(on);
    orm_expr_release(on2);
    if (rc == ORM_OK && parent && r->kind == ORM_REL_O2M) {
        orm_expr *flt = orm_rel_dynamic_filter(r, parent);
        if (!flt) return ORM_ENOMEM;
        orm_compiled_init(&cc);
        rc = orm_compile_expr(&orm_dialect_sqlite, flt, &cc, NULL);
        if (rc == ORM_OK)
            snprintf(out + strlen(out), size - strlen(out), " | %s", orm_buf_str(&cc.sql));
        orm_compiled_free(&cc);
        orm_expr_release(flt);
    }
    return rc;
}

static void test_relation_faults__loads_and_joins(void **state)
{
    fx *f = *state;
    /* tag(id, label) and parent_tag(parent_id -> parent.id, tag_id -> tag.id) */
    orm_table *tag = add_table(f->md, "tag"), *pt = add_table(f->md, "parent_tag");
    add_col(tag, &(orm_column){.name = "id", .type = {ORM_T_INTEGER}, .primary_key = 1});
    add_col(tag, &(orm_column){.name = "label", .type = {ORM_T_STRING, 10}, .nullable = 1});
    orm_fkey fp = {.table = "parent", .column = "id"}, ft = {.table = "tag", .column = "id"};
    add_col(pt, &(orm_column){.name = "parent_id", .type = {ORM_T_INTEGER}, .fk = &fp});
    add_col(pt, &(orm_column){.name = "tag_id", .type = {ORM_T_INTEGER}, .fk = &ft});
    orm_error err;
    orm_error_init(&err);
    assert_int_equal(orm_ddl_create_all(f->conn, f->md, &err), ORM_OK);
    raw_exec(f, "INSERT INTO parent (id, name) VALUES (1, 'p1'), (2, 'p2');"
                "INSERT INTO child (id, parent_id, name) VALUES (1, 2, 'z'), (2, 1, 'a'), "
                "(3, 2, 'b');"
                "INSERT INTO tag VALUES (1, 'red'), (2, 'blue');"
                "INSERT INTO parent_tag VALUES (1, 2), (2, 1), (2, 2)");
    f->conn->echo = 0;
    orm_rel_spec s = spec(f, f->parent, f->child);
    s.order_by = "-name";
    orm_rel o2m = resolve(s), m2o = resolve(spec(f, f->child, f->parent));
    s = spec(f, f->parent, tag);
    s.secondary = "parent_tag";
    orm_rel m2m = resolve(s);
    orm_value k1, k2;
    orm_value_int(&k1, 1);
    orm_value_int(&k2, 2);
    const orm_value *keys[] = {&k1, &k2};
    orm_object *p1 = get_int(f, f->parent, 1);

    const orm_rel *rels[] = {&o2m, &m2o, &m2m};
    const int names[] = {C_NAME, P_NAME, 1};
    const char *want_rows[] = {"1:a;2:z;2:b;", "1:p1;2:p2;", "1:blue;2:red;2:blue;"};
    const char *want_join[] = {"parent.id = child.parent_id via - | child.parent_id = ?",
                               "child.parent_id = parent.id via -",
                               "parent.id = parent_tag.parent_id via parent_tag and "
                               "parent_tag.tag_id = tag.id"};
    for (int k = 0; k < 3; k++) {
        char rows[256], sql[256];
        assert_int_equal(load(f, rels[k], keys, 2, names[k], rows, sizeof rows), ORM_OK);
        assert_string_equal(rows, want_rows[k]);
        assert_int_equal(joins(rels[k], p1, sql, sizeof sql), ORM_OK);
        assert_string_equal(sql, want_join[k]);
        int failures = 0, done = 0;
        for (long n = 1; n < 1000 && !done; n++) {
            orm_fault_alloc_after(n);
            int rc = load(f, rels[k], keys, 2, names[k], rows, sizeof rows);
            int rj = rc == ORM_OK ? joins(rels[k], p1, sql, sizeof sql) : rc;
            int fired = orm_fault_alloc_fired();
            orm_fault_alloc_after(0);
            if (rc == ORM_OK && rj == ORM_OK) {
                assert_string_equal(rows, want_rows[k]);
                assert_string_equal(sql, want_join[k]);
                done = !fired;
            } else {
                failures++;
                assert_true(fired);
                assert_int_equal(rc == ORM_OK ? rj : rc, ORM_ENOMEM);
            }
            assert_int_equal(orm_session_rollback(f->s), ORM_OK);
        }
        assert_true(done);
        assert_true(failures >= 3);
    }
    orm_object_release(p1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        FIXTURE_TEST(test_relation_faults__loads_and_joins),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
