/* test_migrate_ops.c — one SQLite revision that uses every migration
 * operation (core/migrate.c, migrate_sqlite.c, version.c): create a table
 * with its index and foreign key, add a column, rename and retype a column
 * (a rebuild), create and drop indexes and unique constraints, drop a
 * foreign key by its conventional name and create a named one, drop a
 * column, rename and drop tables, insert and execute, move the version.
 * First what the revision leaves behind; then the same revision with the
 * N-th allocation, then the N-th driver call failing, for every N the path
 * reaches: each failure is reported ("out of memory" / "injected fault"),
 * and the schema, every row and the version are exactly as before. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "memory_db.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fault.h"
#include "migrate.h"
#include "sqlq.h"

/* Every column of every row of sql, "|" between columns and ";" between
 * rows, into out (size n). */
static const char *rows_into(orm_conn *c, const char *sql, char *out, size_t n)
{
    orm_sqlq q;
    out[0] = '\0';
    if (orm_sqlq_open(&q, c, sql, NULL, 0) != ORM_OK) fail_msg("%s: %s", sql, c->err.message);
    int rc, ncols = -1;
    while ((rc = orm_sqlq_step(&q)) == ORM_ROW) {
        if (ncols < 0) ncols = q.c->drv->column_count(q.s);
        for (int i = 0; i < ncols; i++) {
            int oom = 0;
            char *s = orm_sqlq_text(&q, i, &oom);
            size_t len = strlen(out);
            snprintf(out + len, n - len, "%s%s", i ? "|" : "", s ? s : "NULL");
            free(s);
        }
        size_t len = strlen(out);
        snprintf(out + len, n - len, ";");
    }
    orm_sqlq_close(&q);
    assert_int_equal(rc, ORM_DONE);
    return out;
}

static const char *rows(orm_conn *c, const char *sql)
{
    static char out[8192];
    return rows_into(c, sql, out, sizeof out);
}

/* The whole database: schema, every table's rows, the version. */
static void snapshot(orm_conn *c, char *out, size_t n)
{
    char part[8192];
    snprintf(
        out, n, "%s",
        rows_into(c, "SELECT type, name, sql FROM sqlite_master ORDER BY name", part, sizeof part));
    static const char *const tables[] = {"parent", "child", "pet", "old"};
    for (size_t i = 0; i < sizeof tables / sizeof tables[0]; i++) {
        char sql[64];
        snprintf(sql, sizeof sql, "SELECT * FROM %s ORDER BY 1", tables[i]);
        size_t len = strlen(out);
        snprintf(out + len, n - len, "/%s", rows_into(c, sql, part, sizeof part));
    }
}

static void family(orm_conn *c)
{
    exec(c,
         "CREATE TABLE parent (id INTEGER NOT NULL, name VARCHAR(10) NOT NULL, PRIMARY KEY (id))");
    exec(c, "CREATE INDEX ix_parent_name ON parent (name)");
    exec(c, "CREATE TABLE child (id INTEGER NOT NULL, parent_id INTEGER, PRIMARY KEY (id), "
            "FOREIGN KEY(parent_id) REFERENCES parent (id) ON DELETE CASCADE)");
    exec(c, "CREATE TABLE pet (id INTEGER NOT NULL, parent_id INTEGER, kind VARCHAR(5), "
            "PRIMARY KEY (id), UNIQUE (kind), FOREIGN KEY(parent_id) REFERENCES parent (id))");
    exec(c, "CREATE TABLE old (id INTEGER NOT NULL, PRIMARY KEY (id))");
    exec(c, "INSERT INTO parent VALUES (1, 'a'), (2, 'b')");
    exec(c, "INSERT INTO child VALUES (1, 1), (2, 2), (3, 2)");
    exec(c, "INSERT INTO pet VALUES (1, 1, 'cat'), (2, 2, 'dog')");
    exec(c, "INSERT INTO old VALUES (7)");
}

static orm_dbtable *tag_table(void)
{
    orm_dbtable *t = orm_dbtable_new("tag");
    assert_non_null(t);
    orm_dbcolumn id = {
        .name = "id", .type = {ORM_T_INTEGER, 0, 0, 0}, .type_known = 1, .autoincrement = 1};
    orm_dbcolumn label = {.name = "label", .type = {ORM_T_STRING, 20, 0, 0}, .type_known = 1};
    orm_dbcolumn pid = {
        .name = "parent_id", .type = {ORM_T_INTEGER, 0, 0, 0}, .type_known = 1, .nullable = 1};
    assert_int_equal(orm_dbtable_add_column(t, &id), 0);
    assert_int_equal(orm_dbtable_add_column(t, &label), 0);
    assert_int_equal(orm_dbtable_add_column(t, &pid), 0);
    assert_int_equal(orm_strv_push(&t->pk, "id"), 0);
    orm_dbindex ix = {.name = "ix_tag_label"};
    assert_int_equal(orm_strv_push(&ix.cols, "label"), 0);
    assert_int_equal(orm_dbtable_add_index(t, &ix), 0);
    orm_strv_free(&ix.cols);
    orm_dbfkey fk = {.reftable = "parent", .ondelete = "SET NULL"};
    assert_int_equal(orm_strv_push(&fk.cols, "parent_id"), 0);
    assert_int_equal(orm_strv_push(&fk.refcols, "id"), 0);
    assert_int_equal(orm_dbtable_add_fkey(t, &fk), 0);
    orm_strv_free(&fk.cols);
    orm_strv_free(&fk.refcols);
    return t;
}

/* orm_strv_push that reports out of memory as the ops do. */
static int push(orm_mig_ctx *m, orm_strv *v, const char *s)
{
    return orm_strv_push(v, s) < 0 ? orm_error_oom(&orm_mig_ctx_conn(m)->err) : 0;
}

/* The revision; stops at the first failure, which it returns. */
static int revision(orm_mig_ctx *m, const orm_dbtable *tag, const orm_dbtable *note)
{
    int rc;
    orm_strv none = ORM_STRV_INIT, v1 = ORM_STRV_INIT;
    if ((rc = push(m, &v1, "bbbbbbbbbbbb")) < 0) return rc;
    if ((rc = orm_mig_create_table(m, tag)) < 0) goto out;
    if ((rc = orm_mig_add_column(m, note)) < 0) goto out;
    if ((rc = orm_mig_drop_index(m, "ix_parent_name", "parent")) < 0) goto out;
    orm_type wide = {ORM_T_STRING, 80, 0, 0};
    orm_mig_alter a = {.table = "parent",
                       .column = "name",
                       .type = &wide,
                       .set_nullable = 1,
                       .nullable = 1,
                       .new_name = "full_name"};
    if ((rc = orm_mig_alter_column(m, &a)) < 0) goto out;
    orm_dbindex ix = {.name = "ix_parent_full_name", .unique = 1};
    if ((rc = push(m, &ix.cols, "full_name")) < 0) goto out;
    rc = orm_mig_create_index(m, "parent", &ix);
    orm_strv_free(&ix.cols);
    if (rc < 0) goto out;
    if ((rc = orm_mig_drop_constraint(m, "uq_pet_kind", "pet", "unique")) < 0) goto out;
    if ((rc = orm_mig_drop_constraint(m, "fk_child_parent_id_parent", "child", NULL)) < 0) goto out;
    orm_dbfkey fk = {.name = "fk_child_parent", .reftable = "parent", .ondelete = "CASCADE"};
    if ((rc = push(m, &fk.cols, "parent_id")) == 0 && (rc = push(m, &fk.refcols, "id")) == 0)
        rc = orm_mig_create_fkey(m, "child", &fk);
    orm_strv_free(&fk.cols);
    orm_strv_free(&fk.refcols);
    if (rc < 0) goto out;
    orm_dbunique uq = {.name = NULL};
    if ((rc = push(m, &uq.cols, "kind")) == 0 && (rc = push(m, &uq.cols, "parent_id")) == 0)
        rc = orm_mig_create_unique(m, "pet", &uq);
    orm_strv_free(&uq.cols);
    if (rc < 0) goto out;
    if ((rc = orm_mig_drop_column(m, "pet", "kind")) < 0) goto out;
    if ((rc = orm_mig_rename_table(m, "pet", "animal")) < 0) goto out;
    if ((rc = orm_mig_drop_table(m, "old")) < 0) goto out;
    const char *cols[] = {"label", "parent_id"};
    orm_value vals[2] = {{.type = ORM_V_TEXT, .len = 3, .u.s = "red"},
                         {.type = ORM_V_INT, .u.i = 2}};
    if ((rc = orm_mig_insert(m, "tag", cols, 2, vals)) < 0) goto out;
    orm_value up = {.type = ORM_V_TEXT, .len = 1, .u.s = "z"};
    if ((rc = orm_mig_execute(m, "UPDATE parent SET note = ? WHERE id = 2", &up, 1)) < 0) goto out;
    rc = orm_mig_version_move(m, &none, &v1);
out:
    orm_strv_free(&v1);
    return rc < 0 ? rc : 0;
}

static orm_dbtable *note_fragment(void)
{
    orm_dbtable *f = orm_dbtable_new("parent");
    orm_dbcolumn col = {.name = "note",
                        .type = {ORM_T_STRING, 5, 0, 0},
                        .type_known = 1,
                        .nullable = 1,
                        .server_default = "n"};
    assert_int_equal(orm_dbtable_add_column(f, &col), 0);
    return f;
}

static void test_migrate_ops__every_operation_in_one_revision(void **state)
{
    (void)state;
    orm_conn *c = open_memory();
    family(c);
    orm_dbtable *tag = tag_table(), *note = note_fragment();
    orm_mig_ctx *m = orm_mig_ctx_new(c, 0);
    assert_int_equal(orm_mig_begin(m), 0);
    assert_int_equal(revision(m, tag, note), 0);
    assert_int_equal(orm_mig_commit(m), 0);
    assert_string_equal(rows(c, "SELECT id, full_name, note FROM parent ORDER BY id"),
                        "1|a|n;2|b|z;");
    assert_string_equal(
        rows(c, "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"),
        "animal;child;ormsh_version;parent;tag;");
    assert_string_equal(rows(c, "SELECT * FROM animal ORDER BY id"), "1|1;2|2;");
    assert_string_equal(rows(c, "SELECT label, parent_id FROM tag"), "red|2;");
    assert_string_equal(rows(c, "SELECT version_num FROM ormsh_version"), "bbbbbbbbbbbb;");
    const char *parent = rows(c, "SELECT sql FROM sqlite_master WHERE name = 'parent'");
    assert_non_null(strstr(parent, "full_name VARCHAR(80),"));
    assert_null(strstr(parent, "full_name VARCHAR(80) NOT NULL"));
    assert_string_equal(rows(c, "SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS "
                                "NOT NULL ORDER BY name"),
                        "ix_parent_full_name;ix_tag_label;");
    assert_non_null(strstr(rows(c, "SELECT sql FROM sqlite_master WHERE name = 'child'"),
                           "CONSTRAINT fk_child_parent FOREIGN KEY"));
    /* the named foreign key cascades, tag's sets NULL (animal's forbids) */
    assert_int_equal(orm_conn_exec(c, "DELETE FROM parent WHERE id = 2"), ORM_EFAIL);
    assert_int_equal(c->err.cls, ORM_ERR_INTEGRITY);
    orm_error_clear(&c->err);
    exec(c, "DELETE FROM animal");
    exec(c, "DELETE FROM parent WHERE id = 2");
    assert_string_equal(rows(c, "SELECT id FROM child"), "1;");
    assert_string_equal(rows(c, "SELECT parent_id FROM tag"), "NULL;");
    assert_string_equal(rows(c, "PRAGMA foreign_keys"), "1;");
    orm_mig_ctx_free(m);
    orm_dbtable_free(tag);
    orm_dbtable_free(note);
    orm_conn_close(c);
}

static void test_migrate_ops__misused_operations_are_migration_errors(void **state)
{
    (void)state;
    orm_conn *c = open_memory();
    family(c);
    orm_mig_ctx *m = orm_mig_ctx_new(c, 0);
    assert_int_equal(orm_mig_begin(m), 0);
    assert_int_equal(orm_mig_drop_column(m, "parent", "nope"), ORM_EFAIL);
    assert_non_null(strstr(c->err.message, "nope"));
    orm_error_clear(&c->err);
    orm_type t = {ORM_T_INTEGER, 0, 0, 0};
    orm_mig_alter a = {.table = "ghost", .column = "x", .type = &t};
    assert_int_equal(orm_mig_alter_column(m, &a), ORM_EFAIL);
    assert_non_null(strstr(c->err.message, "ghost"));
    orm_error_clear(&c->err);
    assert_int_equal(orm_mig_drop_constraint(m, "uq_pet_kind", "pet", "foreignkey"), ORM_EFAIL);
    assert_int_equal(c->err.cls, ORM_ERR_MIGRATION);
    orm_error_clear(&c->err);
    orm_mig_rollback(m);
    assert_string_equal(rows(c, "SELECT count(*) FROM pet"), "2;");
    orm_mig_ctx_free(m);
    orm_conn_close(c);
}

/* kind 0: the n-th allocation fails; 1: the n-th driver call. */
static void revision_under_faults(int kind)
{
    orm_dbtable *tag = tag_table(), *note = note_fragment();
    int failures = 0, done = 0;
    char before[16384], after[16384];
    for (long n = 1; n < 100000 && !done; n++) {
        orm_conn *c = open_memory();
        family(c);
        snapshot(c, before, sizeof before);
        orm_mig_ctx *m = NULL;
        if (kind == 0)
            orm_fault_alloc_after(n);
        else
            orm_driver_fail_after(n);
        m = orm_mig_ctx_new(c, 0);
        int rc = m ? orm_mig_begin(m) : ORM_ENOMEM;
        if (rc == 0) rc = revision(m, tag, note);
        if (rc == 0)
            rc = orm_mig_commit(m);
        else if (m)
            orm_mig_rollback(m);
        int fired = kind == 0 ? orm_fault_alloc_fired() : orm_driver_fail_fired();
        orm_fault_alloc_after(0);
        orm_driver_fail_after(0);
        if (rc < 0) {
            failures++;
            assert_true(fired);
            if (m && !c->err.message) fail_msg("n=%ld rc=%d: no error message", n, rc);
            if (m)
                assert_string_equal(c->err.message, kind == 0 ? "out of memory" : "injected fault");
            assert_int_equal(orm_conn_in_transaction(c), 0);
            orm_error_clear(&c->err);
            snapshot(c, after, sizeof after);
            assert_string_equal(after, before);
            assert_string_equal(rows(c, "PRAGMA foreign_keys"), "1;");
        } else {
            assert_string_equal(rows(c, "SELECT version_num FROM ormsh_version"), "bbbbbbbbbbbb;");
            assert_string_equal(rows(c, "SELECT id, full_name, note FROM parent ORDER BY id"),
                                "1|a|n;2|b|z;");
            done = !fired;
        }
        orm_mig_ctx_free(m);
        orm_conn_close(c);
    }
    assert_true(done);
    assert_true(failures > 10);
    orm_dbtable_free(tag);
    orm_dbtable_free(note);
}

static void test_migrate_ops__each_failed_allocation_leaves_the_database_as_it_was(void **state)
{
    (void)state;
    revision_under_faults(0);
}

static void test_migrate_ops__each_failed_driver_call_leaves_the_database_as_it_was(void **state)
{
    (void)state;
    revision_under_faults(1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_migrate_ops__every_operation_in_one_revision),
        cmocka_unit_test(test_migrate_ops__misused_operations_are_migration_errors),
        cmocka_unit_test(test_migrate_ops__each_failed_allocation_leaves_the_database_as_it_was),
        cmocka_unit_test(test_migrate_ops__each_failed_driver_call_leaves_the_database_as_it_was),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
