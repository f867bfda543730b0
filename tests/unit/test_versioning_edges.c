/* test_versioning_edges.c — optimistic locking's corners (core/versioning.c):
 * a BigInteger version column is accepted; the StaleDataError of a
 * composite key names both parts, of a table without a model its table;
 * restoring a version that was NULL when committed leaves NULL; and with
 * each allocation failing in turn, setting the column, the message and the
 * bulk "version + 1" report out of memory and change nothing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "compile.h"
#include "fault.h"
#include "session.h"
#include "session_int.h"
#include "versioning.h"

/* line(a Integer pk, b String pk, version BigInteger) */
static orm_table *line(orm_metadata *md)
{
    orm_error err;
    orm_error_init(&err);
    orm_table *t;
    assert_int_equal(orm_metadata_add_table(md, "line", &t, &err), 0);
    orm_column a = {.name = "a", .type = {.kind = ORM_T_INTEGER}, .primary_key = 1};
    orm_column b = {.name = "b", .type = {.kind = ORM_T_STRING, .length = 5}, .primary_key = 1};
    orm_column v = {.name = "version", .type = {.kind = ORM_T_BIGINT}, .nullable = 1};
    assert_int_equal(orm_table_add_column(t, &a, &err), 0);
    assert_int_equal(orm_table_add_column(t, &b, &err), 0);
    assert_int_equal(orm_table_add_column(t, &v, &err), 0);
    return t;
}

static void test_versioning_edges__composite_key_and_no_model(void **state)
{
    (void)state;
    orm_metadata *md = orm_metadata_new();
    orm_table *t = line(md);
    orm_error err;
    orm_error_init(&err);
    assert_int_equal(orm_versioning_set_column(t, "a", "Line", &err), ORM_EFAIL);
    assert_string_equal(err.message, "Line.__version_id: column 'a' is part of the primary key");
    assert_int_equal(orm_versioning_set_column(t, "version", "Line", &err), ORM_OK);
    assert_int_equal(t->version_col, 2); /* BigInteger is fine */
    orm_object *o = orm_object_new(t);
    orm_value_int(&o->values[0], 4);
    assert_int_equal(orm_value_set_text(&o->values[1], "x", 1), ORM_OK);
    assert_int_equal(orm_versioning_stale(&err, o, 9), ORM_EFAIL);
    assert_int_equal(err.cls, ORM_ERR_STALE);
    assert_string_equal(err.message,
                        "Line (4, \"x\") was changed by someone else (expected version 9)");
    free(t->model_name);
    t->model_name = NULL;
    assert_int_equal(orm_versioning_stale(&err, o, 0), ORM_EFAIL);
    assert_string_equal(err.message,
                        "line (4, \"x\") was changed by someone else (expected version 0)");
    /* restore: nothing committed, then a committed NULL version */
    orm_value_int(&o->values[2], 5);
    orm_versioning_restore(o);
    assert_int_equal(o->values[2].u.i, 5);
    assert_int_equal(orm_object_snapshot(o), ORM_OK); /* committed: version 5 */
    orm_value_int(&o->values[2], 6);
    orm_versioning_restore(o);
    assert_int_equal(o->values[2].type, ORM_V_INT);
    assert_int_equal(o->values[2].u.i, 5);
    orm_value_clear(&o->committed[2]); /* committed as NULL */
    orm_versioning_restore(o);
    assert_int_equal(o->values[2].type, ORM_V_NULL);
    orm_error_clear(&err);
    orm_object_release(o);
    orm_metadata_free(md);
}

static void test_versioning_edges__out_of_memory(void **state)
{
    (void)state;
    orm_metadata *md = orm_metadata_new();
    orm_table *t = line(md);
    orm_error err;
    orm_error_init(&err);
    /* setting the column */
    orm_fault_alloc_after(1);
    assert_int_equal(orm_versioning_set_column(t, "version", "Line", &err), ORM_ENOMEM);
    orm_fault_alloc_after(0);
    assert_string_equal(err.message, "out of memory");
    assert_int_equal(t->version_col, -1);
    assert_null(t->model_name);
    orm_error_clear(&err);
    assert_int_equal(orm_versioning_set_column(t, "version", "Line", &err), ORM_OK);
    /* the message and the bump, each allocation failing in turn */
    orm_object *o = orm_object_new(t);
    orm_value_int(&o->values[0], 4);
    assert_int_equal(orm_value_set_text(&o->values[1], "long key text", 13), ORM_OK);
    int ok_msg = 0, ok_bump = 0;
    for (long n = 1; n < 30 && !(ok_msg && ok_bump); n++) {
        orm_fault_alloc_after(n);
        int rc = orm_versioning_stale(&err, o, 1);
        int fired = orm_fault_alloc_fired();
        orm_fault_alloc_after(0);
        assert_true(rc < 0);
        if (fired && err.cls != ORM_ERR_STALE) {
            assert_string_equal(err.message, "out of memory");
        } else if (!fired) {
            assert_string_equal(err.message, "Line (4, \"long key text\") was changed by someone "
                                             "else (expected version 1)");
            ok_msg = 1;
        }
        orm_error_clear(&err);
        orm_fault_alloc_after(n);
        orm_expr *bump = orm_versioning_bump_expr(t);
        fired = orm_fault_alloc_fired();
        orm_fault_alloc_after(0);
        if (!bump) {
            assert_true(fired);
            continue;
        }
        orm_compiled c;
        orm_compiled_init(&c);
        int cols[1] = {2};
        orm_expr *vals[1] = {bump};
        assert_int_equal(
            orm_compile_update_where(&orm_dialect_sqlite, t, cols, vals, 1, NULL, &c, &err), 0);
        assert_string_equal(orm_buf_str(&c.sql),
                            "UPDATE line SET version=COALESCE(line.version, ?) + ?");
        orm_compiled_free(&c);
        orm_expr_release(bump);
        ok_bump |= !fired;
    }
    assert_true(ok_msg && ok_bump);
    orm_object_release(o);
    orm_metadata_free(md);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_versioning_edges__composite_key_and_no_model),
        cmocka_unit_test(test_versioning_edges__out_of_memory),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
