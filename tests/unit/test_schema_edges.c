/* test_schema_edges.c — model definitions (core/schema.c) at their edges:
 * type names written back (unknown kinds as "?", no room at all) and
 * parsed with spaces, refusing a scale above the precision, too many
 * arguments, numbers past int, text after the arguments, an unterminated
 * list and no name; every ArgumentError a table, column, foreign key or
 * index definition can get, with its exact words; a read-only table's
 * refusal; and, with each allocation failing in turn, building a model
 * either fails "out of memory" leaving what was defined before it, or
 * gives the same model as without faults. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fault.h"
#include "schema.h"

static void type_name_is(orm_type t, const char *want)
{
    char buf[40];
    assert_string_equal(orm_type_name(&t, buf, sizeof buf), want);
}

static void test_schema_edges__type_names(void **state)
{
    (void)state;
    type_name_is((orm_type){.kind = ORM_T_STRING}, "String");
    type_name_is((orm_type){.kind = ORM_T_STRING, .length = 5}, "String(5)");
    type_name_is((orm_type){.kind = ORM_T_NUMERIC}, "Numeric");
    type_name_is((orm_type){.kind = ORM_T_NUMERIC, .precision = 8, .scale = 2}, "Numeric(8, 2)");
    type_name_is((orm_type){.kind = (orm_type_kind)999}, "?");
    char buf[4] = "abc";
    orm_type t = {.kind = ORM_T_TEXT};
    assert_ptr_equal(orm_type_name(&t, buf, 0), buf); /* no room: nothing written */
    assert_string_equal(buf, "abc");
    assert_string_equal(orm_type_name(&t, buf, sizeof buf), "Tex"); /* cut to fit */
}

static void parses(const char *text, orm_type want)
{
    orm_type t;
    orm_error err;
    orm_error_init(&err);
    if (orm_type_parse(&t, text, &err) != ORM_OK) fail_msg("'%s': %s", text, err.message);
    assert_int_equal(t.kind, want.kind);
    assert_int_equal(t.length, want.length);
    assert_int_equal(t.precision, want.precision);
    assert_int_equal(t.scale, want.scale);
}

static void refused(const char *text, const char *shown)
{
    orm_type t;
    orm_error err;
    orm_error_init(&err);
    assert_int_equal(orm_type_parse(&t, text, &err), ORM_EFAIL);
    assert_int_equal(err.cls, ORM_ERR_ARGUMENT);
    char want[300];
    snprintf(want, sizeof want,
             "unknown column type '%s' (expected Integer, BigInteger, String(n), Text, Boolean, "
             "Float, Numeric(p, s), Date, DateTime, LargeBinary or JSON)",
             shown);
    assert_string_equal(err.message, want);
    orm_error_clear(&err);
}

static void test_schema_edges__type_parsing(void **state)
{
    (void)state;
    parses("  string ( 20 )  ", (orm_type){.kind = ORM_T_STRING, .length = 20});
    parses("\tNUMERIC(10,0)", (orm_type){.kind = ORM_T_NUMERIC, .precision = 10});
    parses("Numeric( 5 )", (orm_type){.kind = ORM_T_NUMERIC, .precision = 5});
    parses("json", (orm_type){.kind = ORM_T_JSON});
    refused("Numeric(5, 7)", "Numeric(5, 7)"); /* scale above the precision */
    refused("Numeric(1, 2, 3)", "Numeric(1, 2, 3)");
    refused("String(1, 2)", "String(1, 2)");
    refused("Integer(4)", "Integer(4)");
    refused("String(99999999999)", "String(99999999999)");
    refused("String(-1)", "String(-1)");
    refused("String(20", "String(20");
    refused("String(20) x", "String(20) x");
    refused("String 20", "String 20");
    refused("Str", "Str");
    refused("Stringy", "Stringy");
    refused("", "");
    refused("(5)", "(5)");
    refused(NULL, "(null)");
}

static orm_table *table(orm_metadata *md, const char *name)
{
    orm_error err;
    orm_error_init(&err);
    orm_table *t = NULL;
    assert_int_equal(orm_metadata_add_table(md, name, &t, &err), ORM_OK);
    return t;
}

static void column_refused(orm_table *t, orm_column c, const char *want)
{
    orm_error err;
    orm_error_init(&err);
    int n = t->ncols;
    assert_int_equal(orm_table_add_column(t, &c, &err), ORM_EFAIL);
    assert_int_equal(err.cls, ORM_ERR_ARGUMENT);
    assert_string_equal(err.message, want);
    assert_int_equal(t->ncols, n); /* nothing added */
    orm_error_clear(&err);
}

static void test_schema_edges__definition_errors(void **state)
{
    (void)state;
    orm_metadata *md = orm_metadata_new();
    orm_error err;
    orm_error_init(&err);
    assert_int_equal(orm_metadata_add_table(md, "", NULL, &err), ORM_EFAIL);
    assert_string_equal(err.message, "table name is empty");
    assert_int_equal(orm_metadata_add_table(md, NULL, NULL, &err), ORM_EFAIL);
    assert_string_equal(err.message, "table name is empty");
    orm_table *t = table(md, "t");
    assert_int_equal(orm_metadata_add_table(md, "t", NULL, &err), ORM_EFAIL);
    assert_string_equal(err.message, "table 't' is already defined");
    orm_error_clear(&err);
    column_refused(t, (orm_column){.name = "", .type = {ORM_T_INTEGER}},
                   "column of table 't' has no name");
    column_refused(t, (orm_column){.name = NULL, .type = {ORM_T_INTEGER}},
                   "column of table 't' has no name");
    column_refused(t, (orm_column){.name = "a", .attr = "", .type = {ORM_T_INTEGER}},
                   "column t.a has an empty attribute name");
    column_refused(t, (orm_column){.name = "a", .type = {(orm_type_kind)999}},
                   "column t.a has an invalid type");
    column_refused(t, (orm_column){.name = "a", .type = {ORM_T_STRING, -1}},
                   "column t.a has an invalid type");
    column_refused(t, (orm_column){.name = "a", .type = {ORM_T_NUMERIC, 0, -1, 0}},
                   "column t.a has an invalid type");
    column_refused(t, (orm_column){.name = "a", .type = {ORM_T_NUMERIC, 0, 1, -2}},
                   "column t.a has an invalid type");
    orm_fkey nocol = {.table = "p", .column = ""}, notab = {.table = NULL, .column = "id"};
    column_refused(t, (orm_column){.name = "a", .type = {ORM_T_INTEGER}, .fk = &nocol},
                   "foreign key of t.a must name a table and a column");
    column_refused(t, (orm_column){.name = "a", .type = {ORM_T_INTEGER}, .fk = &notab},
                   "foreign key of t.a must name a table and a column");
    orm_fkey badup = {.table = "p", .column = "id", .onupdate = "explode"};
    column_refused(t, (orm_column){.name = "a", .type = {ORM_T_INTEGER}, .fk = &badup},
                   "invalid onupdate action 'explode' for foreign key t.a (expected CASCADE, "
                   "SET NULL, SET DEFAULT, RESTRICT or NO ACTION)");
    assert_int_equal(
        orm_table_add_column(t, &(orm_column){.name = "a", .type = {ORM_T_INTEGER}}, &err), 0);
    /* an index needs a name and columns; an unnamed unique constraint is fine */
    orm_tindex ix = {.name = NULL, .is_index = 1, .ncols = 1};
    assert_int_equal(orm_table_add_tindex(t, &ix, &err), ORM_EFAIL);
    assert_string_equal(err.message, "t: an index needs a name and columns");
    ix = (orm_tindex){.name = "ix_t", .is_index = 1, .ncols = 0};
    assert_int_equal(orm_table_add_tindex(t, &ix, &err), ORM_EFAIL);
    ix = (orm_tindex){.name = NULL, .is_index = 0, .unique = 1, .ncols = 1};
    assert_int_equal(orm_table_add_tindex(t, &ix, &err), ORM_OK);
    assert_int_equal(t->ntindexes, 1);
    assert_null(t->tindexes[0].name);
    /* a table without a primary key is read-only */
    assert_int_equal(orm_table_check_writable(t, "add", &err), ORM_OK);
    orm_table_set_readonly(t);
    assert_int_equal(orm_table_check_writable(t, "delete", &err), ORM_EFAIL);
    assert_int_equal(err.cls, ORM_ERR_OPERATIONAL);
    assert_string_equal(err.message,
                        "cannot delete: table 't' has no primary key, so its model is read-only");
    orm_error_clear(&err);
    orm_metadata_free(md);
}

/* parent(id, name) and child(id, parent_id -> parent.id ON DELETE
 * CASCADE, note) with a named index and a unique constraint, ten spare
 * tables to grow the table list; stops at the first failure. */
static int build(orm_metadata *md, orm_error *err)
{
    orm_table *p = NULL, *c = NULL;
    int rc = orm_metadata_add_table(md, "parent", &p, err);
    if (rc == ORM_OK)
        rc = orm_table_add_column(
            p, &(orm_column){.name = "id", .type = {ORM_T_INTEGER}, .primary_key = 1}, err);
    if (rc == ORM_OK)
        rc = orm_table_add_column(
            p, &(orm_column){.name = "name", .attr = "title", .type = {ORM_T_STRING, 30}}, err);
    if (rc == ORM_OK) rc = orm_metadata_add_table(md, "child", &c, err);
    orm_fkey fk = {.table = "parent", .column = "id", .ondelete = "cascade"};
    if (rc == ORM_OK)
        rc = orm_table_add_column(
            c, &(orm_column){.name = "id", .type = {ORM_T_BIGINT}, .primary_key = 1}, err);
    if (rc == ORM_OK)
        rc = orm_table_add_column(
            c, &(orm_column){.name = "parent_id", .type = {ORM_T_INTEGER}, .fk = &fk}, err);
    if (rc == ORM_OK)
        rc = orm_table_add_column(
            c, &(orm_column){.name = "note", .type = {ORM_T_TEXT}, .server_default = "'-'"}, err);
    orm_tindex ix = {.name = "ix_child_note", .is_index = 1, .ncols = 2, .cols = {1, 2}};
    if (rc == ORM_OK) rc = orm_table_add_tindex(c, &ix, err);
    for (int i = 0; rc == ORM_OK && i < 10; i++) {
        char name[24];
        snprintf(name, sizeof name, "spare%d", i);
        rc = orm_metadata_add_table(md, name, NULL, err);
    }
    return rc;
}

static void test_schema_edges__each_failed_allocation(void **state)
{
    (void)state;
    int failures = 0, done = 0;
    for (long n = 1; n < 500 && !done; n++) {
        orm_metadata *md = orm_metadata_new();
        assert_non_null(md);
        orm_error err;
        orm_error_init(&err);
        orm_fault_alloc_after(n);
        int rc = build(md, &err);
        int fired = orm_fault_alloc_fired();
        orm_fault_alloc_after(0);
        if (rc == ORM_OK) {
            done = !fired;
            assert_int_equal(md->ntables, 12);
            orm_table *c = orm_metadata_find(md, "child");
            assert_string_equal(c->cols[1].fk->ondelete, "CASCADE");
            assert_string_equal(c->cols[2].server_default, "'-'");
            assert_string_equal(c->tindexes[0].name, "ix_child_note");
            assert_string_equal(orm_metadata_find(md, "parent")->cols[1].attr, "title");
        } else {
            failures++;
            assert_true(fired);
            assert_int_equal(rc, ORM_ENOMEM);
            assert_string_equal(err.message, "out of memory");
            /* what was defined before the failure is whole */
            for (int i = 0; i < md->ntables; i++)
                for (int k = 0; k < md->tables[i]->ncols; k++)
                    assert_non_null(md->tables[i]->cols[k].name);
        }
        orm_error_clear(&err);
        orm_metadata_free(md);
    }
    assert_true(done);
    assert_true(failures >= 10);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_schema_edges__type_names),
        cmocka_unit_test(test_schema_edges__type_parsing),
        cmocka_unit_test(test_schema_edges__definition_errors),
        cmocka_unit_test(test_schema_edges__each_failed_allocation),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
