/* test_schema_tools_faults.c — the schema tools end to end on SQLite, then
 * under fault injection: reflecting two databases (core/reflect*.c),
 * comparing them (diff.c) and writing the revision's upgrade and downgrade
 * (diff_render.c), and writing models.lua from a reflected database
 * (reflect_model.c, reflect_names.c, model_writer.c). With the N-th
 * allocation (or driver call) failing, for every N the path reaches, each
 * step reports the failure (ORM_ENOMEM and "out of memory", or the driver's
 * error) and a run that survives produces exactly the text of a run
 * without faults: never a partial revision or a model missing a column. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "memory_db.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diff.h"
#include "fault.h"
#include "reflect.h"
#include "reflect_model.h"

/* A bookstore: authors, books with two foreign keys to authors, tags through
 * an association table, a self-referencing category, a table without a
 * primary key, defaults, uniques (named and not), indexes and a view. */
static const char *const OLD_SQL[] = {
    "CREATE TABLE author (id INTEGER NOT NULL, name VARCHAR(40) NOT NULL, email VARCHAR(80), "
    "born DATE, PRIMARY KEY (id), UNIQUE (email))",
    "CREATE INDEX ix_author_name ON author (name)",
    "CREATE TABLE category (id INTEGER NOT NULL, parent_id INTEGER, label TEXT DEFAULT 'misc', "
    "PRIMARY KEY (id), FOREIGN KEY(parent_id) REFERENCES category (id))",
    "CREATE TABLE book (id INTEGER NOT NULL, title VARCHAR(100) NOT NULL, price NUMERIC(8, 2), "
    "author_id INTEGER NOT NULL, editor_id INTEGER, category_id INTEGER, cover BLOB, "
    "published BOOLEAN DEFAULT 0, PRIMARY KEY (id), "
    "CONSTRAINT uq_book_title_author UNIQUE (title, author_id), "
    "FOREIGN KEY(author_id) REFERENCES author (id) ON DELETE CASCADE, "
    "FOREIGN KEY(editor_id) REFERENCES author (id), "
    "FOREIGN KEY(category_id) REFERENCES category (id) ON DELETE SET NULL)",
    "CREATE TABLE tag (id INTEGER NOT NULL, word VARCHAR(20) NOT NULL, PRIMARY KEY (id))",
    "CREATE TABLE book_tag (book_id INTEGER NOT NULL, tag_id INTEGER NOT NULL, "
    "PRIMARY KEY (book_id, tag_id), FOREIGN KEY(book_id) REFERENCES book (id), "
    "FOREIGN KEY(tag_id) REFERENCES tag (id))",
    "CREATE TABLE log (at DATETIME, line TEXT)",
    "CREATE VIEW cheap AS SELECT * FROM book WHERE price < 10",
    NULL,
};

/* The same shop a few revisions later: a column added, one dropped, one
 * retyped and made nullable, a table added, one dropped, an index moved,
 * a unique constraint and a foreign key changed. */
static const char *const NEW_SQL[] = {
    "CREATE TABLE author (id INTEGER NOT NULL, name VARCHAR(80), email VARCHAR(80), "
    "bio TEXT DEFAULT '', PRIMARY KEY (id))",
    "CREATE INDEX ix_author_email ON author (email)",
    "CREATE TABLE category (id INTEGER NOT NULL, parent_id INTEGER, label TEXT DEFAULT 'misc', "
    "PRIMARY KEY (id), FOREIGN KEY(parent_id) REFERENCES category (id))",
    "CREATE TABLE book (id INTEGER NOT NULL, title VARCHAR(100) NOT NULL, price NUMERIC(8, 2), "
    "author_id INTEGER NOT NULL, editor_id INTEGER, category_id INTEGER, cover BLOB, "
    "published BOOLEAN DEFAULT 0, isbn VARCHAR(13), PRIMARY KEY (id), UNIQUE (isbn), "
    "FOREIGN KEY(author_id) REFERENCES author (id) ON DELETE CASCADE, "
    "FOREIGN KEY(category_id) REFERENCES category (id) ON DELETE SET NULL)",
    "CREATE TABLE review (id INTEGER NOT NULL, book_id INTEGER NOT NULL, stars INTEGER, "
    "PRIMARY KEY (id), FOREIGN KEY(book_id) REFERENCES book (id))",
    "CREATE TABLE log (at DATETIME, line TEXT)",
    NULL,
};

static orm_conn *shop(const char *const *sql)
{
    orm_conn *c = open_memory();
    for (int i = 0; sql[i]; i++)
        exec(c, sql[i]);
    return c;
}

/* kind of fault for run(): none, an allocation, a driver call */
enum { NONE, ALLOC, CALL };

static void arm(int kind, long n)
{
    if (kind == ALLOC) orm_fault_alloc_after(n);
    if (kind == CALL) orm_driver_fail_after(n);
}

static int fired(int kind)
{
    int f = kind == ALLOC ? orm_fault_alloc_fired() : kind == CALL ? orm_driver_fail_fired() : 0;
    orm_fault_alloc_after(0);
    orm_driver_fail_after(0);
    return f;
}

/* The failure of a step: an allocation failure says out of memory. */
static void check_failure(int kind, orm_conn *c, int rc)
{
    assert_true(rc < 0);
    if (kind == ALLOC) assert_int_equal(rc, ORM_ENOMEM);
    if (c && kind == ALLOC) assert_string_equal(c->err.message, "out of memory");
    if (c && kind == CALL) assert_string_equal(c->err.message, "injected fault");
    if (c) orm_error_clear(&c->err);
}

/* Autogenerate from old to new: the upgrade, a blank line, the downgrade,
 * then the notices. Returns 0, or <0 with the failure checked. */
static int autogenerate(orm_conn *old, orm_conn *new, int kind, orm_buf *out)
{
    orm_dbschema *target = NULL, *current = NULL;
    orm_mig_ops ops;
    memset(&ops, 0, sizeof ops);
    int rc = orm_reflect_schema(new, &target);
    if (rc < 0) {
        check_failure(kind, new, rc);
        goto done;
    }
    rc = orm_reflect_schema(old, &current);
    if (rc < 0) {
        check_failure(kind, old, rc);
        goto done;
    }
    const char *const exclude[] = {"ormsh_version", NULL};
    orm_strv managed = ORM_STRV_INIT;
    orm_diff_opts o = {&managed, exclude};
    if ((rc = orm_strv_push(&managed, "tag")) == 0 &&
        (rc = orm_strv_push(&managed, "book_tag")) == 0)
        rc = orm_diff(target, current, &o, &ops);
    orm_strv_free(&managed);
    if (rc == 0) rc = orm_mig_ops_render(&ops, 0, "    ", out);
    if (rc == 0) orm_buf_puts(out, "\n");
    if (rc == 0) rc = orm_mig_ops_render(&ops, 1, "    ", out);
    for (int i = 0; rc == 0 && i < ops.notices.n; i++)
        orm_buf_printf(out, "%s\n", ops.notices.v[i]);
    for (int i = 0; rc == 0 && i < ops.unmapped.n; i++)
        orm_buf_printf(out, "unmapped %s\n", ops.unmapped.v[i]);
    if (rc == 0 && out->oom) rc = ORM_ENOMEM;
    if (rc < 0) check_failure(kind, NULL, rc);
done:
    orm_mig_ops_free(&ops);
    orm_dbschema_free(target);
    orm_dbschema_free(current);
    return rc;
}

/* models.lua of the old shop, with its view noted. */
static int models(orm_conn *c, int kind, orm_buf *out)
{
    orm_dbschema *s = NULL;
    orm_rmodels *m = NULL;
    orm_strv views = ORM_STRV_INIT;
    int rc = orm_reflect_schema(c, &s);
    if (rc < 0) {
        check_failure(kind, c, rc);
        return rc;
    }
    rc = orm_rmodels_build(s, NULL, NULL, NULL, &m); /* takes s */
    if (rc == 0) {
        rc = orm_reflect_view_names(c, &views);
        if (rc < 0) {
            check_failure(kind, c, rc);
            goto done;
        }
        rc = orm_rmodels_note_views(m, &views);
    }
    if (rc == 0) orm_rmodels_write_lua(m, "-- models.lua", out);
    for (int i = 0; rc == 0 && m && i < m->notes.n; i++)
        orm_buf_printf(out, "-- %s\n", m->notes.v[i]);
    if (rc == 0 && out->oom) rc = ORM_ENOMEM;
    if (rc < 0) check_failure(kind, NULL, rc);
done:
    orm_strv_free(&views);
    orm_rmodels_free(m);
    return rc;
}

static void test_schema_tools__autogenerate_between_two_shops(void **state)
{
    (void)state;
    orm_conn *old = shop(OLD_SQL), *new = shop(NEW_SQL);
    orm_buf b = ORM_BUF_INIT;
    assert_int_equal(autogenerate(old, new, NONE, &b), 0);
    const char *t = orm_buf_str(&b);
    assert_non_null(strstr(t, "op.create_table(\"review\""));
    assert_non_null(strstr(t, "op.add_column(\"book\""));
    assert_non_null(strstr(t, "op.drop_column(\"author\", \"born\")"));
    assert_non_null(strstr(t, "op.alter_column(\"author\", \"name\""));
    assert_non_null(strstr(t, "op.drop_index(\"ix_author_name\""));
    assert_non_null(strstr(t, "op.create_index(\"ix_author_email\""));
    assert_non_null(strstr(t, "uq_book_title_author"));
    /* the tables revisions created are dropped; tag and book_tag were */
    assert_non_null(strstr(t, "op.drop_table(\"book_tag\")"));
    assert_null(strstr(t, "unmapped log"));
    orm_buf_free(&b);
    orm_conn_close(old);
    orm_conn_close(new);
}

static void test_schema_tools__models_of_a_shop(void **state)
{
    (void)state;
    orm_conn *c = shop(OLD_SQL);
    orm_buf b = ORM_BUF_INIT;
    assert_int_equal(models(c, NONE, &b), 0);
    const char *t = orm_buf_str(&b);
    assert_non_null(strstr(t, "Author = db.Model(\"Author\""));
    assert_non_null(strstr(t, "Category = db.Model(\"Category\""));
    assert_non_null(strstr(t, "categories_by_parent = db.relationship(\"Category\"")); /* self */
    assert_non_null(strstr(t, "foreign_keys")); /* two keys to author */
    assert_non_null(strstr(t, "-- table 'log' has no primary key: its class Log is read-only"));
    assert_non_null(strstr(t, "__readonly = true"));
    assert_non_null(strstr(t, "-- view 'cheap' is not reflected"));
    assert_non_null(strstr(t, "db.Numeric(8, 2)"));
    orm_buf_free(&b);
    orm_conn_close(c);
}

/* Runs the two tools under faults of kind for N = 1, 2, ... until a run
 * reaches none; every surviving run's text equals the fault-free one. */
static void tools_under_faults(int kind)
{
    orm_conn *old = shop(OLD_SQL), *new = shop(NEW_SQL);
    orm_buf want_auto = ORM_BUF_INIT, want_models = ORM_BUF_INIT;
    assert_int_equal(autogenerate(old, new, NONE, &want_auto), 0);
    assert_int_equal(models(old, NONE, &want_models), 0);
    for (int tool = 0; tool < 2; tool++) {
        int failures = 0, done = 0;
        for (long n = 1; n < 1000000 && !done; n++) {
            orm_buf b = ORM_BUF_INIT;
            arm(kind, n);
            int rc = tool == 0 ? autogenerate(old, new, kind, &b) : models(old, kind, &b);
            int f = fired(kind);
            if (rc < 0) {
                assert_true(f);
                failures++;
            } else {
                if (strcmp(orm_buf_str(&b), orm_buf_str(tool == 0 ? &want_auto : &want_models)))
                    print_message("tool %d survived fault %ld with a different text\n", tool, n);
                assert_string_equal(orm_buf_str(&b),
                                    orm_buf_str(tool == 0 ? &want_auto : &want_models));
                done = !f;
            }
            orm_buf_free(&b);
        }
        assert_true(done);
        assert_true(failures > (kind == ALLOC ? 50 : 5));
    }
    orm_buf_free(&want_auto);
    orm_buf_free(&want_models);
    orm_conn_close(old);
    orm_conn_close(new);
}

static void test_schema_tools__each_failed_allocation_is_reported(void **state)
{
    (void)state;
    tools_under_faults(ALLOC);
}

static void test_schema_tools__each_failed_driver_call_is_reported(void **state)
{
    (void)state;
    tools_under_faults(CALL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_schema_tools__autogenerate_between_two_shops),
        cmocka_unit_test(test_schema_tools__models_of_a_shop),
        cmocka_unit_test(test_schema_tools__each_failed_allocation_is_reported),
        cmocka_unit_test(test_schema_tools__each_failed_driver_call_is_reported),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
