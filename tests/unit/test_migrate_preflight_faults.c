/* test_migrate_preflight_faults.c — the pre-flight counts of a revision
 * (core/migrate_preflight.c) under failing allocations and driver calls:
 * a revision dropping a column, narrowing a String, making a column NOT
 * NULL and dropping a table, counted in --sql mode (so nothing is kept);
 * with each allocation, then each driver call, failing in turn, the run
 * either fails (out of memory, or the injected fault) leaving the
 * database as it was, or reports exactly the findings of a run without
 * faults. */
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
#include "migrate_preflight.h"
#include "sqlq.h"

static void setup_db(orm_conn *c)
{
    exec(c, "CREATE TABLE author (id INTEGER PRIMARY KEY, name VARCHAR(30), bio TEXT)");
    exec(c, "INSERT INTO author (name, bio) VALUES ('Ann Long', NULL), ('Bo', 'x'), (NULL, NULL)");
    exec(c, "CREATE TABLE tag (id INTEGER PRIMARY KEY)");
    exec(c, "INSERT INTO tag VALUES (1)");
}

/* The revision; the findings joined by '|' into out; the first failure. */
static int revision(orm_conn *c, char *out, size_t n)
{
    out[0] = '\0';
    orm_mig_ctx *m = orm_mig_ctx_new(c, 1);
    if (!m) return ORM_ENOMEM;
    orm_mig_ctx_set_preflight(m, 1);
    int rc = orm_mig_ctx_set_revision(m, "r7");
    if (rc == ORM_OK) rc = orm_mig_begin(m);
    if (rc == ORM_OK) rc = orm_mig_drop_column(m, "author", "bio");
    orm_type narrow = {ORM_T_STRING, 3, 0, 0};
    orm_mig_alter a = {.table = "author", .column = "name", .type = &narrow};
    if (rc == ORM_OK) rc = orm_mig_preflight_alter(m, &a);
    orm_mig_alter nn = {.table = "author", .column = "name", .set_nullable = 1, .nullable = 0};
    if (rc == ORM_OK) rc = orm_mig_preflight_alter(m, &nn);
    if (rc == ORM_OK) rc = orm_mig_drop_table(m, "tag");
    orm_strv l = ORM_STRV_INIT;
    if (rc == ORM_OK) rc = orm_mig_ctx_take_losses(m, &l);
    for (int i = 0; i < l.n; i++)
        snprintf(out + strlen(out), n - strlen(out), "%s%s", i ? "|" : "", l.v[i]);
    orm_strv_free(&l);
    orm_mig_rollback(m);
    orm_mig_ctx_free(m);
    return rc;
}

static void faults(int calls)
{
    orm_conn *c = open_memory();
    setup_db(c);
    char want[1024], got[1024];
    assert_int_equal(revision(c, want, sizeof want), ORM_OK);
    assert_string_equal(want, "r7: drop_column author.bio: 1 non-null value would be lost|"
                              "r7: alter_column author.name (String(3)): 1 value longer than "
                              "that would be cut|"
                              "r7: alter_column author.name (NOT NULL): 1 row holding NULL would "
                              "be rejected|"
                              "r7: drop_table tag: 1 row would be deleted");
    int failures = 0, done = 0;
    for (long n = 1; n < 2000 && !done; n++) {
        if (calls)
            orm_driver_fail_after(n);
        else
            orm_fault_alloc_after(n);
        int rc = revision(c, got, sizeof got);
        int fired = calls ? orm_driver_fail_fired() : orm_fault_alloc_fired();
        orm_fault_alloc_after(0);
        orm_driver_fail_after(0);
        if (rc == ORM_OK) {
            assert_string_equal(got, want);
            done = !fired;
        } else {
            failures++;
            assert_true(fired);
            if (c->err.message)
                assert_string_equal(c->err.message, calls ? "injected fault" : "out of memory");
            orm_error_clear(&c->err);
        }
        if (orm_conn_in_transaction(c)) { /* the fault hit the final ROLLBACK itself */
            assert_true(calls && fired);
            orm_error_clear(&c->err);
            assert_int_equal(orm_conn_rollback(c), ORM_OK);
        }
        orm_sqlq q;
        assert_int_equal(
            orm_sqlq_open(&q, c, "SELECT count(*) FROM author WHERE bio = 'x'", NULL, 0), ORM_OK);
        assert_int_equal(orm_sqlq_step(&q), ORM_ROW);
        assert_int_equal(orm_sqlq_int(&q, 0), 1); /* the database as it was */
        orm_sqlq_close(&q);
    }
    assert_true(done);
    assert_true(failures >= 4);
    orm_conn_close(c);
}

static void test_preflight_faults__each_failed_allocation(void **state)
{
    (void)state;
    faults(0);
}

static void test_preflight_faults__each_failed_driver_call(void **state)
{
    (void)state;
    faults(1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_preflight_faults__each_failed_allocation),
        cmocka_unit_test(test_preflight_faults__each_failed_driver_call),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
