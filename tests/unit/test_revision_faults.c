/* test_revision_faults.c — the revision graph (core/revision.c) under
 * failing allocations, and the plans of a graph with two branches that
 * have not been merged: with each allocation failing in turn, building
 * the graph, listing heads, resolving "heads", checking the database's
 * revisions and planning upgrades to both heads and a downgrade either
 * fail "out of memory" (never another error, never a crash) or give
 * exactly the plans made without faults. (orm_revgraph_at_heads, which
 * nothing calls yet, answers 0 when out of memory: not checked under
 * faults.) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fault.h"
#include "revision.h"

/* "rev:-remove+add rev:..." for a plan */
static void plan_text(const orm_revgraph *g, const orm_revplan *p, char *out, size_t n)
{
    for (int i = 0; i < p->n; i++) {
        size_t len = strlen(out);
        snprintf(out + len, n - len, " %s:", orm_revgraph_id(g, p->v[i].rev));
        for (int k = 0; k < p->v[i].remove.n; k++)
            snprintf(out + strlen(out), n - strlen(out), "-%s", p->v[i].remove.v[k]);
        for (int k = 0; k < p->v[i].add.n; k++)
            snprintf(out + strlen(out), n - strlen(out), "+%s", p->v[i].add.v[k]);
    }
}

/* base <- a <- b <- {c <- e, d}: two heads, e and d. Everything a
 * command does with it, as text into out; the first failure's code. */
static int run(char *out, size_t n, orm_error *err)
{
    out[0] = '\0';
    orm_revgraph *g = orm_revgraph_new();
    if (!g) return orm_error_oom(err);
    static const char *const revs[][3] = {
        {"e", "c", NULL}, {"c", "b", NULL}, {"a", NULL, NULL}, {"d", "b", NULL}, {"b", "a", NULL}};
    int rc = ORM_OK;
    for (int i = 0; rc == ORM_OK && i < 5; i++) {
        orm_strv downs = ORM_STRV_INIT;
        if (revs[i][1] && orm_strv_push(&downs, revs[i][1]) < 0) rc = orm_error_oom(err);
        char path[40];
        snprintf(path, sizeof path, "versions/%s.lua", revs[i][0]);
        if (rc == ORM_OK) rc = orm_revgraph_add(g, revs[i][0], &downs, path, err);
        orm_strv_free(&downs);
    }
    if (rc == ORM_OK) rc = orm_revgraph_build(g, err);
    orm_strv heads = ORM_STRV_INIT, current = ORM_STRV_INIT;
    if (rc == ORM_OK && orm_revgraph_heads(g, &heads) < 0) rc = orm_error_oom(err);
    if (rc == ORM_OK)
        snprintf(out + strlen(out), n - strlen(out), "heads %s,%s", heads.v[0], heads.v[1]);
    int targets[2] = {-1, -1};
    if (rc == ORM_OK) rc = orm_revgraph_resolve(g, "e", &targets[0], err);
    if (rc == ORM_OK) rc = orm_revgraph_resolve(g, "d", &targets[1], err);
    if (rc == ORM_OK && orm_strv_push(&current, "c") < 0) rc = orm_error_oom(err);
    if (rc == ORM_OK) rc = orm_revgraph_check_current(g, &current, err);
    orm_revplan p = {0};
    if (rc == ORM_OK) rc = orm_revgraph_upgrade_plan(g, &current, targets, 2, &p, err);
    if (rc == ORM_OK) {
        snprintf(out + strlen(out), n - strlen(out), " | up");
        plan_text(g, &p, out, n);
    }
    orm_revplan_free(&p);
    orm_strv_free(&current);
    orm_strv_free(&heads);
    if (rc == ORM_OK) {
        orm_strv at = ORM_STRV_INIT;
        if (orm_strv_push(&at, "e") < 0 || orm_strv_push(&at, "d") < 0) rc = orm_error_oom(err);
        memset(&p, 0, sizeof p);
        if (rc == ORM_OK)
            rc = orm_revgraph_downgrade_plan(g, &at, orm_revgraph_find(g, "a"), &p, err);
        if (rc == ORM_OK) {
            snprintf(out + strlen(out), n - strlen(out), " | down");
            plan_text(g, &p, out, n);
        }
        orm_revplan_free(&p);
        orm_strv_free(&at);
    }
    orm_revgraph_free(g);
    return rc;
}

static void test_revision_faults__two_heads_plans(void **state)
{
    (void)state;
    char text[512];
    orm_error err;
    orm_error_init(&err);
    if (run(text, sizeof text, &err) != ORM_OK) fail_msg("%s", err.message);
    assert_string_equal(text, "heads e,d | up e:-c+e d:+d | down d:-d e:-e+c c:-c+b b:-b+a");
}

static void test_revision_faults__each_failed_allocation(void **state)
{
    (void)state;
    char want[512], got[512];
    orm_error err;
    orm_error_init(&err);
    assert_int_equal(run(want, sizeof want, &err), ORM_OK);
    int failures = 0, done = 0;
    for (long n = 1; n < 2000 && !done; n++) {
        orm_fault_alloc_after(n);
        int rc = run(got, sizeof got, &err);
        int fired = orm_fault_alloc_fired();
        orm_fault_alloc_after(0);
        if (rc == ORM_OK) {
            assert_string_equal(got, want);
            done = !fired;
        } else {
            failures++;
            assert_true(fired);
            if (rc != ORM_ENOMEM) fail_msg("n=%ld: %d %s", n, rc, err.message);
            if (!err.message) fail_msg("n=%ld: out of memory without a message", n);
            assert_string_equal(err.message, "out of memory");
        }
        orm_error_clear(&err);
    }
    assert_true(done);
    assert_true(failures >= 20);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_revision_faults__two_heads_plans),
        cmocka_unit_test(test_revision_faults__each_failed_allocation),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
