/* test_migrate_preflight.c — the pre-flight counts of migrate_preflight.h on
 * a real SQLite connection: each destructive operation counts what it would
 * destroy on the table as the migration left it, one line per finding
 * naming revision, table and column; nothing is counted for empty tables,
 * all-NULL columns, widened Strings, a rebuild's own drop of the old table,
 * or with the pre-flight off. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "memory_db.h"

#include <stdlib.h>
#include <string.h>

#include "migrate.h"
#include "migrate_preflight.h"

static void setup_db(orm_conn *c)
{
    exec(c, "CREATE TABLE author (id INTEGER PRIMARY KEY, name VARCHAR(30), bio TEXT)");
    exec(c, "CREATE INDEX ix_author_name ON author (name)");
    exec(c, "INSERT INTO author (name, bio) VALUES ('Ann Long', NULL), ('Bo', 'x'), (NULL, NULL)");
    exec(c, "CREATE TABLE tag (id INTEGER PRIMARY KEY)");
}

static orm_mig_ctx *start(orm_conn *c, int preflight)
{
    orm_mig_ctx *m = orm_mig_ctx_new(c, 1);
    assert_non_null(m);
    orm_mig_ctx_set_preflight(m, preflight);
    assert_int_equal(orm_mig_ctx_set_revision(m, "r1"), 0);
    assert_int_equal(orm_mig_begin(m), 0);
    return m;
}

static void take(orm_mig_ctx *m, orm_strv *out)
{
    orm_strv_free(out);
    assert_int_equal(orm_mig_ctx_take_losses(m, out), 0);
}

static void test_preflight__counts_each_loss(void **state)
{
    (void)state;
    orm_conn *c = open_memory();
    setup_db(c);
    orm_mig_ctx *m = start(c, 1);
    orm_strv l = ORM_STRV_INIT;

    assert_int_equal(orm_mig_drop_column(m, "author", "bio"), 0);
    take(m, &l);
    assert_int_equal(l.n, 1);
    assert_string_equal(l.v[0], "r1: drop_column author.bio: 1 non-null value would be lost");

    orm_type narrow = {ORM_T_STRING, 3, 0, 0};
    orm_mig_alter a = {.table = "author", .column = "name", .type = &narrow};
    assert_int_equal(orm_mig_alter_column(m, &a), 0); /* a rebuild: its drop is no loss */
    take(m, &l);
    assert_int_equal(l.n, 1);
    assert_string_equal(l.v[0],
                        "r1: alter_column author.name (String(3)): 1 value longer than that "
                        "would be cut");

    orm_mig_alter nn = {.table = "author", .column = "name", .set_nullable = 1, .nullable = 0};
    assert_int_equal(orm_mig_preflight_alter(m, &nn), 0);
    take(m, &l);
    assert_string_equal(l.v[0],
                        "r1: alter_column author.name (NOT NULL): 1 row holding NULL would be "
                        "rejected");

    orm_dbtable *f = orm_dbtable_new("author");
    orm_dbcolumn col = {.name = "rank", .type = {ORM_T_INTEGER, 0, 0, 0}, .type_known = 1};
    assert_int_equal(orm_dbtable_add_column(f, &col), 0);
    assert_int_equal(orm_mig_add_column(m, f), ORM_EFAIL); /* SQLite refuses it too */
    orm_dbtable_free(f);
    take(m, &l);
    assert_string_equal(l.v[0],
                        "r1: add_column author.rank (NOT NULL, no default): 3 existing rows "
                        "would be rejected");

    assert_int_equal(orm_mig_ctx_set_revision(m, "r2"), 0);
    assert_int_equal(orm_mig_drop_table(m, "tag"), 0); /* empty: nothing */
    assert_int_equal(orm_mig_drop_table(m, "author"), 0);
    take(m, &l);
    assert_int_equal(l.n, 1);
    assert_string_equal(l.v[0], "r2: drop_table author: 3 rows would be deleted");
    orm_mig_rollback(m);
    orm_strv_free(&l);
    orm_mig_ctx_free(m);
    orm_conn_close(c);
}

static void test_preflight__nothing_to_lose_or_off(void **state)
{
    (void)state;
    orm_conn *c = open_memory();
    setup_db(c);
    exec(c, "UPDATE author SET bio = NULL");
    orm_mig_ctx *m = start(c, 1);
    orm_strv l = ORM_STRV_INIT;
    orm_type wide = {ORM_T_STRING, 80, 0, 0};
    orm_mig_alter a = {.table = "author", .column = "name", .type = &wide};
    assert_int_equal(orm_mig_alter_column(m, &a), 0);
    assert_int_equal(orm_mig_drop_column(m, "author", "bio"), 0);
    assert_int_equal(orm_mig_preflight_drop_table(m, "no_such_table"), 0);
    take(m, &l);
    assert_int_equal(l.n, 0);
    orm_mig_rollback(m);
    orm_mig_ctx_free(m);

    m = start(c, 0); /* pre-flight off: nothing counted */
    assert_int_equal(orm_mig_drop_table(m, "author"), 0);
    take(m, &l);
    assert_int_equal(l.n, 0);
    orm_mig_rollback(m);
    orm_strv_free(&l);
    orm_mig_ctx_free(m);
    orm_conn_close(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_preflight__counts_each_loss),
        cmocka_unit_test(test_preflight__nothing_to_lose_or_off),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
