/* test_versioning.c — optimistic locking in core: which columns may hold a
 * version, the UPDATE/DELETE text with the version check on each dialect,
 * the bulk "version + 1" with its values bound, the StaleDataError message
 * and the version restored after a rollback. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "compile.h"
#include "dialect.h"
#include "history_table.h"
#include "session.h"
#include "versioning.h"

static orm_table *make(orm_metadata *md, const char *name)
{
    orm_error err;
    orm_error_init(&err);
    orm_table *t;
    assert_int_equal(orm_metadata_add_table(md, name, &t, &err), 0);
    orm_column id = {.name = "id", .type = {.kind = ORM_T_INTEGER}, .primary_key = 1};
    orm_column title = {
        .name = "title", .type = {.kind = ORM_T_STRING, .length = 20}, .nullable = 1};
    orm_column ver = {.name = "version", .type = {.kind = ORM_T_INTEGER}, .nullable = 1};
    assert_int_equal(orm_table_add_column(t, &id, &err), 0);
    assert_int_equal(orm_table_add_column(t, &title, &err), 0);
    assert_int_equal(orm_table_add_column(t, &ver, &err), 0);
    return t;
}

static void test_versioning__column_checks(void **state)
{
    (void)state;
    orm_metadata *md = orm_metadata_new();
    orm_table *t = make(md, "doc");
    orm_error err;
    orm_error_init(&err);
    assert_int_equal(t->version_col, -1);
    assert_int_equal(orm_versioning_set_column(t, "nope", "Doc", &err), ORM_EFAIL);
    assert_int_equal(err.cls, ORM_ERR_ARGUMENT);
    assert_string_equal(err.message,
                        "Doc.__version_id: no column 'nope' (declare it as db.Column(db.Integer))");
    assert_int_equal(orm_versioning_set_column(t, "title", "Doc", &err), ORM_EFAIL);
    assert_string_equal(
        err.message,
        "Doc.__version_id: column 'title' is String(20); a version column must be Integer");
    assert_int_equal(orm_versioning_set_column(t, "id", "Doc", &err), ORM_EFAIL);
    assert_int_equal(t->version_col, -1);
    assert_int_equal(orm_versioning_set_column(t, "version", "Doc", &err), ORM_OK);
    assert_int_equal(t->version_col, 2);
    assert_string_equal(t->model_name, "Doc");
    orm_error_clear(&err);
    orm_metadata_free(md);
}

static void test_versioning__statements_check_the_version(void **state)
{
    (void)state;
    orm_metadata *md = orm_metadata_new();
    orm_table *t = make(md, "doc");
    orm_buf b = ORM_BUF_INIT;
    /* no version column: unchanged */
    assert_int_equal(orm_compile_update(&orm_dialect_sqlite, t, 0x2, &b), 0);
    assert_string_equal(orm_buf_str(&b), "UPDATE doc SET title=? WHERE doc.id = ?");
    orm_buf_reset(&b);
    orm_error err;
    orm_error_init(&err);
    assert_int_equal(orm_versioning_set_column(t, "version", "Doc", &err), 0);
    assert_int_equal(orm_compile_update(&orm_dialect_sqlite, t, 0x6, &b), 0);
    assert_string_equal(orm_buf_str(&b), "UPDATE doc SET title=?, version=? WHERE doc.id = ? AND "
                                         "COALESCE(doc.version, 0) = ?");
    orm_buf_reset(&b);
    assert_int_equal(orm_compile_delete(&orm_dialect_pg, t, &b), 0);
    assert_string_equal(orm_buf_str(&b),
                        "DELETE FROM doc WHERE doc.id = $1 AND COALESCE(doc.version, 0) = $2");
    orm_buf_reset(&b);
    /* reading by key does not look at the version */
    assert_int_equal(orm_compile_select_by_pk(&orm_dialect_mysql, t, &b), 0);
    assert_string_equal(orm_buf_str(&b),
                        "SELECT doc.id, doc.title, doc.version FROM doc WHERE doc.id = ?");
    orm_buf_free(&b);
    orm_metadata_free(md);
}

static void test_versioning__bulk_bump_is_bound(void **state)
{
    (void)state;
    orm_metadata *md = orm_metadata_new();
    orm_table *t = make(md, "doc");
    orm_error err;
    orm_error_init(&err);
    assert_int_equal(orm_versioning_set_column(t, "version", "Doc", &err), 0);
    orm_expr *inc = orm_versioning_bump_expr(t);
    assert_non_null(inc);
    int cols[1] = {2};
    orm_expr *vals[1] = {inc};
    orm_compiled c;
    orm_compiled_init(&c);
    assert_int_equal(orm_compile_update_where(&orm_dialect_pg, t, cols, vals, 1, NULL, &c, &err),
                     0);
    assert_string_equal(orm_buf_str(&c.sql),
                        "UPDATE doc SET version=COALESCE(doc.version, $1) + $2");
    assert_int_equal(c.nparams, 2);
    assert_int_equal(c.params[0]->u.i, 0);
    assert_int_equal(c.params[1]->u.i, 1);
    orm_compiled_free(&c);
    orm_expr_release(inc);
    orm_metadata_free(md);
}

static void test_versioning__stale_message_and_restore(void **state)
{
    (void)state;
    orm_metadata *md = orm_metadata_new();
    orm_table *t = make(md, "document");
    orm_error err;
    orm_error_init(&err);
    assert_int_equal(orm_versioning_set_column(t, "version", "Document", &err), 0);
    orm_object *o = orm_object_new(t);
    assert_non_null(o);
    orm_value_int(&o->values[0], 7);
    assert_int_equal(orm_versioning_expected(o), 0); /* NULL: a row from before versioning */
    orm_value_int(&o->values[2], 3);
    assert_int_equal(orm_versioning_expected(o), 3);
    assert_int_equal(orm_versioning_stale(&err, o, 3), ORM_EFAIL);
    assert_int_equal(err.cls, ORM_ERR_STALE);
    assert_string_equal(err.message, "Document 7 was changed by someone else (expected version 3)");
    orm_versioning_restore(o); /* nothing committed: left alone */
    assert_int_equal(o->values[2].u.i, 3);
    orm_error_clear(&err);
    orm_object_release(o);
    orm_metadata_free(md);
}

static void test_versioning__history_table_shape_and_copy(void **state)
{
    (void)state;
    orm_metadata *md = orm_metadata_new();
    orm_table *t = make(md, "doc");
    t->cols[1].unique = 1;
    orm_error err;
    orm_error_init(&err);
    assert_int_equal(orm_versioning_set_column(t, "version", "Doc", &err), 0);
    assert_int_equal(orm_history_define(md, t, &err), 0);
    const orm_table *h = t->history;
    assert_non_null(h);
    assert_ptr_equal(h->history_of, t);
    assert_string_equal(h->name, "doc_history");
    assert_int_equal(h->ncols, 5);
    assert_int_equal(h->npk, 2); /* id and version */
    assert_int_equal(h->autoinc_col, -1);
    assert_false(h->cols[1].unique);
    assert_string_equal(h->cols[3].name, "changed_at");
    assert_int_equal(h->cols[3].type.kind, ORM_T_DATETIME);
    assert_false(h->cols[4].nullable);
    orm_buf b = ORM_BUF_INIT;
    assert_int_equal(orm_history_copy_sql(&orm_dialect_sqlite, t, &b), 0);
    assert_string_equal(orm_buf_str(&b),
                        "INSERT INTO doc_history (id, title, version, changed_at, operation) "
                        "SELECT doc.id, doc.title, COALESCE(doc.version, 0), ?, ? FROM doc "
                        "WHERE doc.id = ? AND COALESCE(doc.version, 0) = ?");
    orm_buf_reset(&b);
    assert_int_equal(orm_history_copy_sql(&orm_dialect_pg, t, &b), 0);
    assert_non_null(strstr(orm_buf_str(&b), "CAST($1 AS TIMESTAMP WITHOUT TIME ZONE), $2 FROM"));
    /* the flush's copy of several rows: one key-and-version match a row */
    orm_buf_reset(&b);
    assert_int_equal(orm_history_copy_rows_sql(&orm_dialect_pg, t, 3, &b), 0);
    assert_non_null(strstr(orm_buf_str(&b), "FROM doc WHERE (doc.id = $3 AND "
                                            "COALESCE(doc.version, 0) = $4) OR (doc.id = $5 AND "
                                            "COALESCE(doc.version, 0) = $6) OR (doc.id = $7 AND "
                                            "COALESCE(doc.version, 0) = $8)"));
    assert_null(strstr(orm_buf_str(&b), "$9"));
    orm_buf_reset(&b); /* one row: the single-row text */
    assert_int_equal(orm_history_copy_rows_sql(&orm_dialect_sqlite, t, 1, &b), 0);
    assert_non_null(strstr(orm_buf_str(&b), "WHERE doc.id = ? AND COALESCE(doc.version, 0) = ?"));
    orm_buf_free(&b);
    /* a second definition clashes; a model column named like an added one too */
    assert_int_equal(orm_history_define(md, t, &err), ORM_EFAIL);
    assert_int_equal(err.cls, ORM_ERR_ARGUMENT);
    orm_table *u = make(md, "note");
    orm_column op = {.name = "operation", .type = {.kind = ORM_T_TEXT}, .nullable = 1};
    assert_int_equal(orm_table_add_column(u, &op, &err), 0);
    assert_int_equal(orm_versioning_set_column(u, "version", "Note", &err), 0);
    assert_int_equal(orm_history_define(md, u, &err), ORM_EFAIL);
    assert_null(orm_metadata_find(md, "note_history"));
    orm_error_clear(&err);
    orm_metadata_free(md);
}

static void test_versioning__now_is_utc_seconds(void **state)
{
    (void)state;
    char buf[32];
    orm_history_now(buf, sizeof buf);
    assert_int_equal(strlen(buf), 19);
    assert_true(buf[4] == '-' && buf[10] == ' ' && buf[13] == ':');
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_versioning__column_checks),
        cmocka_unit_test(test_versioning__statements_check_the_version),
        cmocka_unit_test(test_versioning__bulk_bump_is_bound),
        cmocka_unit_test(test_versioning__stale_message_and_restore),
        cmocka_unit_test(test_versioning__history_table_shape_and_copy),
        cmocka_unit_test(test_versioning__now_is_utc_seconds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
