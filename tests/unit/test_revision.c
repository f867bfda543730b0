/* test_revision.c — the revision graph: order parents first, heads, branch
 * and merge points, resolving revision arguments (head, base, prefixes),
 * upgrade and downgrade plans with their version-row moves, and the errors
 * for duplicates, unknown down revisions, cycles and several heads. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "revision.h"

static void add(orm_revgraph *g, const char *id, const char *d1, const char *d2)
{
    orm_strv downs = ORM_STRV_INIT;
    if (d1) orm_strv_push(&downs, d1);
    if (d2) orm_strv_push(&downs, d2);
    orm_error err;
    orm_error_init(&err);
    char path[64];
    snprintf(path, sizeof path, "versions/%s.lua", id);
    assert_int_equal(orm_revgraph_add(g, id, &downs, path, &err), 0);
    orm_strv_free(&downs);
}

static orm_strv list(const char *a, const char *b)
{
    orm_strv l = ORM_STRV_INIT;
    if (a) orm_strv_push(&l, a);
    if (b) orm_strv_push(&l, b);
    return l;
}

/* "rev:-remove+add rev:..." for a plan */
static void plan_text(const orm_revgraph *g, const orm_revplan *p, char *out, size_t n)
{
    out[0] = '\0';
    for (int i = 0; i < p->n; i++) {
        size_t len = strlen(out);
        snprintf(out + len, n - len, "%s%s:", i ? " " : "", orm_revgraph_id(g, p->v[i].rev));
        for (int k = 0; k < p->v[i].remove.n; k++)
            snprintf(out + strlen(out), n - strlen(out), "-%s", p->v[i].remove.v[k]);
        for (int k = 0; k < p->v[i].add.n; k++)
            snprintf(out + strlen(out), n - strlen(out), "+%s", p->v[i].add.v[k]);
    }
}

/* base <- a <- b <- {c, d} <- m (merge of c and d) */
static orm_revgraph *diamond(void)
{
    orm_revgraph *g = orm_revgraph_new();
    add(g, "m", "c", "d"); /* files come in any order */
    add(g, "c", "b", NULL);
    add(g, "a", NULL, NULL);
    add(g, "d", "b", NULL);
    add(g, "b", "a", NULL);
    orm_error err;
    orm_error_init(&err);
    assert_int_equal(orm_revgraph_build(g, &err), 0);
    return g;
}

static void test_revision__order_heads_branch_and_merge_points(void **state)
{
    (void)state;
    orm_revgraph *g = diamond();
    char order[64] = "";
    for (int i = 0; i < orm_revgraph_count(g); i++)
        strcat(order, orm_revgraph_id(g, i));
    assert_string_equal(order, "abcdm");
    orm_strv heads = ORM_STRV_INIT;
    assert_int_equal(orm_revgraph_heads(g, &heads), 0);
    assert_int_equal(heads.n, 1);
    assert_string_equal(heads.v[0], "m");
    orm_strv_free(&heads);
    assert_int_equal(orm_revgraph_nchildren(g, orm_revgraph_find(g, "b")), 2);
    assert_int_equal(orm_revgraph_downs(g, orm_revgraph_find(g, "m"))->n, 2);
    orm_revgraph_free(g);
}

static void test_revision__resolve(void **state)
{
    (void)state;
    orm_revgraph *g = orm_revgraph_new();
    add(g, "ab12", NULL, NULL);
    add(g, "ab34", "ab12", NULL);
    orm_error err;
    orm_error_init(&err);
    assert_int_equal(orm_revgraph_build(g, &err), 0);
    int p;
    assert_int_equal(orm_revgraph_resolve(g, "head", &p, &err), 0);
    assert_string_equal(orm_revgraph_id(g, p), "ab34");
    assert_int_equal(orm_revgraph_resolve(g, "base", &p, &err), 0);
    assert_int_equal(p, -1);
    assert_int_equal(orm_revgraph_resolve(g, "ab1", &p, &err), 0);
    assert_string_equal(orm_revgraph_id(g, p), "ab12");
    assert_int_equal(orm_revgraph_resolve(g, "ab", &p, &err), ORM_EFAIL);
    assert_int_equal(err.cls, ORM_ERR_MIGRATION);
    assert_non_null(strstr(err.message, "matches several"));
    assert_int_equal(orm_revgraph_resolve(g, "zz", &p, &err), ORM_EFAIL);
    assert_non_null(strstr(err.message, "no revision 'zz'"));
    orm_error_clear(&err);
    orm_revgraph_free(g);
}

static void test_revision__upgrade_and_downgrade_plans_move_version_rows(void **state)
{
    (void)state;
    orm_revgraph *g = diamond();
    orm_error err;
    orm_error_init(&err);
    orm_revplan p;
    char text[256];
    orm_strv base = ORM_STRV_INIT, at_c = list("c", NULL), at_m = list("m", NULL);
    int head = orm_revgraph_find(g, "m");
    assert_int_equal(orm_revgraph_upgrade_plan(g, &base, &head, 1, &p, &err), 0);
    plan_text(g, &p, text, sizeof text);
    assert_string_equal(text, "a:+a b:-a+b c:-b+c d:+d m:-c-d+m");
    orm_revplan_free(&p);
    /* from one branch: the other branch, then the merge */
    assert_int_equal(orm_revgraph_upgrade_plan(g, &at_c, &head, 1, &p, &err), 0);
    plan_text(g, &p, text, sizeof text);
    assert_string_equal(text, "d:+d m:-c-d+m");
    orm_revplan_free(&p);
    /* at head: nothing */
    assert_int_equal(orm_revgraph_upgrade_plan(g, &at_m, &head, 1, &p, &err), 0);
    assert_int_equal(p.n, 0);
    orm_revplan_free(&p);
    /* down to b: the merge gives back both branch rows, which then go */
    assert_int_equal(orm_revgraph_downgrade_plan(g, &at_m, orm_revgraph_find(g, "b"), &p, &err), 0);
    plan_text(g, &p, text, sizeof text);
    assert_string_equal(text, "m:-m+c+d d:-d c:-c+b");
    orm_revplan_free(&p);
    assert_int_equal(orm_revgraph_downgrade_plan(g, &at_c, -1, &p, &err), 0);
    plan_text(g, &p, text, sizeof text);
    assert_string_equal(text, "c:-c+b b:-b+a a:-a");
    orm_revplan_free(&p);
    /* not applied: refused */
    assert_int_equal(orm_revgraph_downgrade_plan(g, &at_c, orm_revgraph_find(g, "d"), &p, &err),
                     ORM_EFAIL);
    assert_non_null(strstr(err.message, "not applied"));
    /* a database at a revision no file defines */
    orm_strv stray = list("zzz", NULL);
    assert_int_equal(orm_revgraph_upgrade_plan(g, &stray, &head, 1, &p, &err), ORM_EFAIL);
    assert_non_null(strstr(err.message, "zzz"));
    orm_error_clear(&err);
    orm_strv_free(&at_c);
    orm_strv_free(&at_m);
    orm_strv_free(&stray);
    orm_revgraph_free(g);
}

static void test_revision__two_heads_are_refused_by_name(void **state)
{
    (void)state;
    orm_revgraph *g = orm_revgraph_new();
    add(g, "a", NULL, NULL);
    add(g, "b", "a", NULL);
    add(g, "c", "a", NULL);
    orm_error err;
    orm_error_init(&err);
    assert_int_equal(orm_revgraph_build(g, &err), 0);
    int p;
    assert_int_equal(orm_revgraph_resolve(g, "head", &p, &err), ORM_EFAIL);
    assert_non_null(strstr(err.message, "multiple heads are present (b, c)"));
    assert_non_null(strstr(err.message, "ormsh db merge"));
    orm_strv cur = list("c", "b");
    assert_false(orm_revgraph_at_heads(g, &cur) == 0);
    orm_strv_free(&cur);
    orm_error_clear(&err);
    orm_revgraph_free(g);
}

static void test_revision__broken_graphs_name_the_file(void **state)
{
    (void)state;
    orm_error err;
    orm_error_init(&err);
    orm_revgraph *g = orm_revgraph_new();
    add(g, "a", NULL, NULL);
    orm_strv none = ORM_STRV_INIT;
    assert_int_equal(orm_revgraph_add(g, "a", &none, "versions/dup.lua", &err), ORM_EFAIL);
    assert_string_equal(err.message,
                        "versions/dup.lua: revision a is already defined in versions/a.lua");
    add(g, "b", "x", NULL);
    assert_int_equal(orm_revgraph_build(g, &err), ORM_EFAIL);
    assert_non_null(strstr(err.message, "versions/b.lua: down_revision x of revision b"));
    orm_revgraph_free(g);
    g = orm_revgraph_new();
    add(g, "a", "b", NULL);
    add(g, "b", "a", NULL);
    assert_int_equal(orm_revgraph_build(g, &err), ORM_EFAIL);
    assert_non_null(strstr(err.message, "cycle"));
    orm_revgraph_free(g);
    orm_error_clear(&err);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_revision__order_heads_branch_and_merge_points),
        cmocka_unit_test(test_revision__resolve),
        cmocka_unit_test(test_revision__upgrade_and_downgrade_plans_move_version_rows),
        cmocka_unit_test(test_revision__two_heads_are_refused_by_name),
        cmocka_unit_test(test_revision__broken_graphs_name_the_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
