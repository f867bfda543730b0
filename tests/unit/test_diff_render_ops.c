/* test_diff_render_ops.c — how autogenerate writes single operations into
 * a revision file (core/diff_render.c): Lua string literals for any text
 * (quotes, backslashes, newlines and other control bytes escaped so the
 * file loads back to the same text); a created table whose integer key is
 * not generated (autoincrement = false), a column type ormsh has no name
 * for (kept as declared), a default, a one-column foreign key with both
 * actions as column options, a unique index as index = true, unique =
 * true; foreign keys and unique indexes created apart with their options;
 * and each op's inverse. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "diff.h"

static void test_diff_render_ops__lua_strings(void **state)
{
    (void)state;
    orm_buf b = ORM_BUF_INIT;
    orm_lua_quote(&b, "a\"b\\c\nd\te\x01\x7f é");
    orm_lua_quote(&b, NULL);
    assert_string_equal(orm_buf_str(&b), "\"a\\\"b\\\\c\\nd\\009e\\001\\127 é\"\"\"");
    orm_buf_free(&b);
}

static orm_dbtable *widget(void)
{
    orm_dbtable *t = orm_dbtable_new("widget");
    orm_dbcolumn id = {.name = "id", .type = {ORM_T_INTEGER, 0, 0, 0}, .type_known = 1};
    orm_dbcolumn shape = {.name = "shape", .type_sql = "GEOMETRY", .nullable = 1};
    orm_dbcolumn label = {.name = "label",
                          .type = {ORM_T_STRING, 20, 0, 0},
                          .type_known = 1,
                          .server_default = "'it''s'"};
    orm_dbcolumn owner = {
        .name = "owner_id", .type = {ORM_T_BIGINT, 0, 0, 0}, .type_known = 1, .nullable = 1};
    assert_int_equal(orm_dbtable_add_column(t, &id), 0);
    assert_int_equal(orm_dbtable_add_column(t, &shape), 0);
    assert_int_equal(orm_dbtable_add_column(t, &label), 0);
    assert_int_equal(orm_dbtable_add_column(t, &owner), 0);
    assert_int_equal(orm_strv_push(&t->pk, "id"), 0);
    orm_dbfkey fk = {.reftable = "owner", .ondelete = "CASCADE", .onupdate = "SET NULL"};
    orm_strv_push(&fk.cols, "owner_id");
    orm_strv_push(&fk.refcols, "id");
    assert_int_equal(orm_dbtable_add_fkey(t, &fk), 0);
    orm_strv_free(&fk.cols);
    orm_strv_free(&fk.refcols);
    orm_dbindex ix = {.name = "ix_widget_label", .unique = 1};
    orm_strv_push(&ix.cols, "label");
    assert_int_equal(orm_dbtable_add_index(t, &ix), 0);
    orm_strv_free(&ix.cols);
    return t;
}

static char *render(orm_mig_op_kind kind, orm_dbtable *t, int inverse)
{
    orm_mig_op op = {.kind = kind, .t = t};
    orm_buf b = ORM_BUF_INIT;
    assert_int_equal(orm_mig_op_render(&op, inverse, "    ", &b), ORM_OK);
    return orm_buf_detach(&b);
}

static void test_diff_render_ops__create_table_options(void **state)
{
    (void)state;
    orm_dbtable *t = widget();
    char *text = render(ORM_MIG_OP_CREATE_TABLE, t, 0);
    assert_string_equal(
        text, "op.create_table(\"widget\", {\n"
              "      op.column(\"id\", \"Integer\", { primary_key = true, autoincrement = false "
              "}),\n"
              "      op.column(\"shape\", \"GEOMETRY\"),\n"
              "      op.column(\"label\", \"String(20)\", { nullable = false, unique = true, "
              "index = true, server_default = \"'it''s'\" }),\n"
              "      op.column(\"owner_id\", \"BigInteger\", { foreign_key = \"owner.id\", "
              "ondelete = \"CASCADE\", onupdate = \"SET NULL\" }),\n"
              "    })");
    free(text);
    text = render(ORM_MIG_OP_CREATE_TABLE, t, 1);
    assert_string_equal(text, "op.drop_table(\"widget\")");
    free(text);
    orm_dbtable_free(t);
}

static void test_diff_render_ops__constraints_apart(void **state)
{
    (void)state;
    orm_dbtable *full = widget();
    /* fragments: the foreign key, named; the unique index */
    orm_dbtable *fk = orm_dbtable_new("widget");
    full->fkeys[0].name = strdup("fk_owner");
    assert_int_equal(orm_dbtable_add_fkey(fk, &full->fkeys[0]), 0);
    char *text = render(ORM_MIG_OP_CREATE_FKEY, fk, 0);
    assert_string_equal(text, "op.create_foreign_key(\"fk_owner\", \"widget\", \"owner\", { "
                              "\"owner_id\" }, { \"id\" }, { ondelete = \"CASCADE\", onupdate = "
                              "\"SET NULL\" })");
    free(text);
    text = render(ORM_MIG_OP_CREATE_FKEY, fk, 1);
    assert_string_equal(text,
                        "op.drop_constraint(\"fk_owner\", \"widget\", { type = \"foreignkey\" })");
    free(text);
    orm_dbtable *ix = orm_dbtable_new("widget");
    assert_int_equal(orm_dbtable_add_index(ix, &full->indexes[0]), 0);
    text = render(ORM_MIG_OP_CREATE_INDEX, ix, 0);
    assert_string_equal(text, "op.create_index(\"ix_widget_label\", \"widget\", { \"label\" }, { "
                              "unique = true })");
    free(text);
    text = render(ORM_MIG_OP_DROP_INDEX, ix, 0);
    assert_string_equal(text, "op.drop_index(\"ix_widget_label\", \"widget\")");
    free(text);
    orm_dbtable_free(ix);
    orm_dbtable_free(fk);
    orm_dbtable_free(full);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_diff_render_ops__lua_strings),
        cmocka_unit_test(test_diff_render_ops__create_table_options),
        cmocka_unit_test(test_diff_render_ops__constraints_apart),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
