/* test_migrate_steps.c — op-by-op revisions (core/migrate_steps.c), the
 * way a backend whose DDL commits at once (MySQL) runs them, here on
 * SQLite with a dialect that says its DDL is not transactional. (SQLite
 * has no information_schema: an attached database of that name lists the
 * steps table, as the server's catalog would.) A revision is planned,
 * recorded, run op by op with each op marked applied; one that fails
 * part-way leaves its applied ops for orm_mig_partial to report, and the
 * next run of the same transition skips them; another transition, or a
 * revision that no longer starts with the applied ops, is refused with a
 * MigrationError saying what to do; a revision that runs differently the
 * second time is refused; a failed plan nothing of which ran is forgotten;
 * `db stamp` forgets a partial one. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "memory_db.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend.h"
#include "migrate_int.h"
#include "sqlq.h"

static orm_backend steps_backend;
static orm_dialect steps_dialect;

static orm_conn *open_stepwise(void)
{
    orm_conn *c = open_memory();
    steps_backend = *c->backend;
    steps_dialect = *steps_backend.dialect;
    steps_dialect.transactional_ddl = 0;
    steps_dialect.current_schema = NULL;
    steps_backend.dialect = &steps_dialect;
    c->backend = &steps_backend;
    exec(c, "ATTACH DATABASE ':memory:' AS information_schema");
    exec(c, "CREATE TABLE information_schema.tables (table_schema TEXT, table_name TEXT)");
    exec(c, "INSERT INTO information_schema.tables VALUES ('', 'ormsh_version_steps')");
    return c;
}

/* Plans ops[0..n) for transition move and records the plan. */
static orm_mig_ctx *planned(orm_conn *c, const char *move, const char *const *ops, int n,
                            int *skipped)
{
    orm_mig_ctx *m = orm_mig_ctx_new(c, 0);
    assert_int_equal(orm_mig_steps_plan(m), 1);
    assert_true(orm_mig_stepwise(m));
    for (int i = 0; i < n; i++)
        assert_int_equal(orm_mig_step_begin(m, ops[i]), 0); /* planning: nothing runs */
    assert_int_equal(orm_mig_step_end(m), ORM_OK);          /* nor is marked */
    int rc = orm_mig_steps_start(m, move, skipped);
    if (rc != ORM_OK) {
        orm_mig_steps_failed(m);
        orm_mig_rollback(m);
        orm_mig_ctx_free(m);
        return NULL;
    }
    return m;
}

/* Runs op i: 1 when it ran, 0 when skipped. */
static int run_op(orm_mig_ctx *m, const char *label, const char *sql)
{
    int rc = orm_mig_step_begin(m, label);
    if (rc < 0) fail_msg("%s: %s", label, orm_mig_ctx_conn(m)->err.message);
    if (rc == 0) return 0;
    assert_int_equal(orm_mig_execute(m, sql, NULL, 0), ORM_OK);
    assert_int_equal(orm_mig_step_end(m), ORM_OK);
    return 1;
}

static void test_migrate_steps__part_way_then_resumed(void **state)
{
    (void)state;
    orm_conn *c = open_stepwise();
    const char *ops[] = {"create_table(\"a\")", "add_column(\"a\", \"x\")", "execute(...)"};
    int skipped = -1;
    orm_mig_ctx *m = planned(c, "base -> r1", ops, 3, &skipped);
    assert_non_null(m);
    assert_int_equal(skipped, 0);
    assert_int_equal(count(c, "SELECT count(*) FROM ormsh_version_steps WHERE applied = 0"), 3);
    assert_int_equal(run_op(m, ops[0], "CREATE TABLE a (id INTEGER)"), 1);
    /* the second op fails: its row stays pending, the first stays applied */
    assert_int_equal(orm_mig_step_begin(m, ops[1]), 1);
    assert_int_equal(orm_mig_execute(m, "ALTER TABLE nope ADD COLUMN x", NULL, 0), ORM_EFAIL);
    orm_error_clear(&c->err);
    orm_mig_rollback(m);
    orm_mig_steps_failed(m);
    assert_false(orm_mig_stepwise(m));
    orm_mig_ctx_free(m);

    char *move = NULL;
    orm_strv applied = ORM_STRV_INIT, pending = ORM_STRV_INIT;
    assert_int_equal(orm_mig_partial(c, &move, &applied, &pending), ORM_OK);
    assert_string_equal(move, "base -> r1");
    assert_int_equal(applied.n, 1);
    assert_string_equal(applied.v[0], ops[0]);
    assert_int_equal(pending.n, 2);
    assert_string_equal(pending.v[1], ops[2]);
    free(move);
    orm_strv_free(&applied);
    orm_strv_free(&pending);

    /* another transition is refused while this one is part-way */
    m = orm_mig_ctx_new(c, 0);
    assert_int_equal(orm_mig_steps_plan(m), 1);
    assert_int_equal(orm_mig_step_begin(m, ops[0]), 0);
    migration_error(c, orm_mig_steps_start(m, "r0 -> r9", &skipped),
                    "revision base -> r1 was left part-way by an earlier run (see `ormsh db "
                    "current`): finish it with `ormsh db upgrade`, or undo its applied operations "
                    "by hand and run `ormsh db stamp` with the revision the database is at");
    orm_mig_steps_failed(m);
    orm_mig_ctx_free(m);
    /* the same transition no longer starting with the applied op */
    m = orm_mig_ctx_new(c, 0);
    assert_int_equal(orm_mig_steps_plan(m), 1);
    assert_int_equal(orm_mig_step_begin(m, "drop_table(\"b\")"), 0);
    migration_error(c, orm_mig_steps_start(m, "base -> r1", &skipped),
                    "revision base -> r1 was left part-way by an earlier run, which applied: "
                    "create_table(\"a\"); the revision no longer starts with those operations "
                    "(make it start with them again, or undo them by hand and run `ormsh db "
                    "stamp` with the revision the database is at)");
    orm_mig_steps_failed(m);
    orm_mig_ctx_free(m);

    /* resumed: the applied op is skipped, the others run */
    m = planned(c, "base -> r1", ops, 3, &skipped);
    assert_non_null(m);
    assert_int_equal(skipped, 1);
    assert_int_equal(run_op(m, ops[0], "CREATE TABLE a (id INTEGER)"), 0);
    assert_int_equal(run_op(m, ops[1], "ALTER TABLE a ADD COLUMN x INTEGER"), 1);
    assert_int_equal(run_op(m, ops[2], "INSERT INTO a VALUES (1, 2)"), 1);
    assert_int_equal(orm_mig_steps(m)->applied, 3);
    assert_int_equal(orm_mig_steps_finish(m), ORM_OK);
    assert_int_equal(orm_mig_commit(m), ORM_OK);
    orm_mig_steps_end(m);
    assert_false(orm_mig_stepwise(m));
    orm_mig_ctx_free(m);
    assert_int_equal(count(c, "SELECT count(*) FROM ormsh_version_steps"), 0);
    assert_int_equal(count(c, "SELECT x FROM a"), 2);
    assert_int_equal(orm_mig_partial(c, &move, &applied, &pending), ORM_OK);
    assert_null(move);
    orm_conn_close(c);
}

static void test_migrate_steps__a_revision_must_run_as_planned(void **state)
{
    (void)state;
    orm_conn *c = open_stepwise();
    const char *ops[] = {"op one", "op two"};
    int skipped;
    orm_mig_ctx *m = planned(c, "r1 -> r2", ops, 2, &skipped);
    assert_int_equal(run_op(m, ops[0], "CREATE TABLE t (x)"), 1);
    migration_error(c, orm_mig_step_begin(m, "op three"),
                    "the revision ran differently the second time (operation 2 is op three, "
                    "planned: op two): an op-by-op run needs a revision that does the same every "
                    "time it runs");
    migration_error(c, orm_mig_step_begin(m, "op four"),
                    "the revision ran differently the second time (operation 3 is op four, "
                    "planned: nothing): an op-by-op run needs a revision that does the same every "
                    "time it runs");
    orm_mig_rollback(m);
    orm_mig_steps_failed(m);
    orm_mig_ctx_free(m);

    /* stopping early: the plan is not finished */
    assert_int_equal(orm_mig_steps_forget(m = orm_mig_ctx_new(c, 0)), ORM_OK); /* db stamp */
    orm_mig_ctx_free(m);
    assert_int_equal(count(c, "SELECT count(*) FROM ormsh_version_steps"), 0);
    m = planned(c, "r1 -> r2", ops, 2, &skipped);
    assert_int_equal(skipped, 0);
    assert_int_equal(run_op(m, ops[0], "CREATE TABLE u (x)"), 1);
    migration_error(c, orm_mig_steps_finish(m), "the revision ran 1 of its 2 planned operations");
    orm_mig_rollback(m);
    orm_mig_steps_failed(m);
    orm_mig_ctx_free(m);
    orm_conn_close(c);
}

static void test_migrate_steps__a_failed_plan_with_nothing_applied_is_forgotten(void **state)
{
    (void)state;
    orm_conn *c = open_stepwise();
    char longest[1200];
    memset(longest, 'o', sizeof longest - 1);
    longest[sizeof longest - 1] = '\0';
    const char *ops[] = {longest, "second"};
    int skipped;
    orm_mig_ctx *m = planned(c, "a -> b", ops, 2, &skipped);
    /* a label longer than the column is cut, the same way each time */
    assert_int_equal(count(c, "SELECT max(length(operation)) FROM ormsh_version_steps"), 903);
    assert_int_equal(orm_mig_step_begin(m, longest), 1);
    assert_int_equal(orm_mig_execute(m, "SELECT nope", NULL, 0), ORM_EFAIL);
    orm_error_clear(&c->err);
    orm_mig_rollback(m);
    orm_mig_steps_failed(m);
    orm_mig_ctx_free(m);
    assert_int_equal(count(c, "SELECT count(*) FROM ormsh_version_steps"), 0);
    char *move = (char *)1;
    orm_strv applied = ORM_STRV_INIT, pending = ORM_STRV_INIT;
    assert_int_equal(orm_mig_partial(c, &move, &applied, &pending), ORM_OK);
    assert_null(move);
    orm_conn_close(c);

    /* where DDL is transactional (or in --sql mode) revisions are not op by op */
    c = open_memory();
    m = orm_mig_ctx_new(c, 0);
    assert_int_equal(orm_mig_steps_plan(m), 0);
    assert_int_equal(orm_mig_step_begin(m, "anything"), 1);
    assert_int_equal(orm_mig_step_end(m), ORM_OK);
    assert_int_equal(orm_mig_steps_finish(m), ORM_OK);
    assert_int_equal(orm_mig_steps_forget(m), ORM_OK);
    assert_int_equal(orm_mig_partial(c, &move, &applied, &pending), ORM_OK);
    assert_null(move);
    orm_mig_ctx_free(m);
    orm_conn_close(c);
    c = open_stepwise();
    m = orm_mig_ctx_new(c, 1);
    assert_int_equal(orm_mig_steps_plan(m), 0);
    orm_mig_ctx_free(m);
    orm_conn_close(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_migrate_steps__part_way_then_resumed),
        cmocka_unit_test(test_migrate_steps__a_revision_must_run_as_planned),
        cmocka_unit_test(test_migrate_steps__a_failed_plan_with_nothing_applied_is_forgotten),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
