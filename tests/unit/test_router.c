/* test_router.c — read replica routing (core/router.c) on SQLite files:
 * round-robin over the replicas that are up, echo tags, a replica that
 * cannot be opened or fails left out with exactly one warning, reopened
 * after retry_s, bad URLs refused, info for db.replicas(). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "router.h"
#include "url.h"

typedef struct rfx {
    char dir[64];
    char url[3][160]; /* two files that exist, one that does not */
    int nwarn;
    char last[1024];
    orm_conn *primary;
} rfx;

static void count_warn(void *ctx, const char *line)
{
    rfx *f = ctx;
    f->nwarn++;
    snprintf(f->last, sizeof f->last, "%s", line);
}

static void make_file(const char *path)
{
    sqlite3 *db;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "CREATE TABLE t (x INTEGER)", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
}

static int setup(void **state)
{
    rfx *f = calloc(1, sizeof *f);
    if (!f) return -1;
    strcpy(f->dir, "/tmp/ormsh-router-XXXXXX");
    if (!mkdtemp(f->dir)) return -1;
    char path[128];
    for (int i = 0; i < 3; i++) {
        snprintf(path, sizeof path, "%s/r%d.db", f->dir, i);
        if (i < 2) make_file(path);
        snprintf(f->url[i], sizeof f->url[i], "sqlite:///%s", path);
    }
    snprintf(path, sizeof path, "%s/p.db", f->dir);
    make_file(path);
    char text[160];
    snprintf(text, sizeof text, "sqlite:///%s", path);
    orm_url u;
    orm_error e;
    orm_error_init(&e);
    assert_int_equal(orm_url_parse(&u, text, &e), ORM_OK);
    assert_int_equal(orm_conn_open(&f->primary, &u, NULL, &e), ORM_OK);
    orm_url_free(&u);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    rfx *f = *state;
    orm_conn_close(f->primary);
    char path[128];
    for (int i = 0; i < 3; i++) {
        snprintf(path, sizeof path, "%s/r%d.db", f->dir, i);
        unlink(path);
    }
    snprintf(path, sizeof path, "%s/p.db", f->dir);
    unlink(path);
    rmdir(f->dir);
    free(f);
    return 0;
}

static orm_router *router(rfx *f, int retry_s, int n)
{
    orm_router *r = orm_router_new(NULL, -1, retry_s);
    assert_non_null(r);
    orm_router_set_warn(r, count_warn, f);
    orm_error e;
    orm_error_init(&e);
    for (int i = 0; i < n; i++)
        assert_int_equal(orm_router_add(r, f->url[i], &e), ORM_OK);
    return r;
}

static void test_router__no_replicas_reads_from_the_primary(void **state)
{
    rfx *f = *state;
    orm_router *r = router(f, 30, 0);
    orm_conn *c = NULL;
    orm_stmt_cache *cache = NULL;
    assert_int_equal(orm_router_pick(r, f->primary, &c, &cache), -1);
    assert_int_equal(orm_router_pick(NULL, f->primary, &c, &cache), -1);
    assert_int_equal(orm_router_count(r), 0);
    orm_router_free(r);
}

static void test_router__round_robin_with_echo_tags(void **state)
{
    rfx *f = *state;
    orm_router *r = router(f, 30, 2);
    orm_conn *c = NULL;
    orm_stmt_cache *cache = NULL;
    f->primary->echo = 1;
    assert_int_equal(orm_router_pick(r, f->primary, &c, &cache), 0);
    assert_string_equal(c->echo_tag, "replica 1");
    assert_true(c->echo);
    assert_non_null(cache);
    assert_int_equal(orm_router_pick(r, f->primary, &c, &cache), 1);
    assert_string_equal(c->echo_tag, "replica 2");
    assert_int_equal(orm_router_pick(r, f->primary, &c, &cache), 0);
    assert_true(c->read_only);
    /* a commit on SQLite has no position to wait for */
    orm_router_committed(r, f->primary);
    assert_int_equal(orm_router_pick(r, f->primary, &c, &cache), 1);
    assert_int_equal(f->nwarn, 0);
    f->primary->echo = 0;
    orm_router_free(r);
}

static void test_router__unreachable_replica_is_down_with_one_warning(void **state)
{
    rfx *f = *state;
    orm_router *r = router(f, 3600, 3);
    assert_int_equal(orm_router_count(r), 3);
    assert_int_equal(f->nwarn, 1);
    assert_non_null(strstr(f->last, "replica 3"));
    assert_non_null(strstr(f->last, "r2.db"));
    orm_replica_info info;
    orm_router_info(r, 2, &info);
    assert_string_equal(info.state, "down");
    orm_router_info(r, 0, &info);
    assert_string_equal(info.state, "up");
    assert_false(info.has_lag);
    orm_conn *c = NULL;
    orm_stmt_cache *cache = NULL;
    for (int i = 0; i < 4; i++)
        assert_true(orm_router_pick(r, f->primary, &c, &cache) != 2);
    assert_int_equal(f->nwarn, 1);
    orm_router_free(r);
}

static void test_router__failed_replica_is_left_out_then_reopened(void **state)
{
    rfx *f = *state;
    orm_router *r = router(f, 3600, 1);
    orm_conn *c = NULL;
    orm_stmt_cache *cache = NULL;
    orm_error why;
    orm_error_init(&why);
    orm_error_set(&why, ORM_ERR_OPERATIONAL, 0, "the server went away");
    assert_int_equal(orm_router_pick(r, f->primary, &c, &cache), 0);
    orm_router_failed(r, 0, &why);
    orm_router_failed(r, 0, &why); /* already down: no second warning */
    assert_int_equal(f->nwarn, 1);
    assert_non_null(strstr(f->last, "the server went away"));
    assert_non_null(strstr(f->last, "3600 s"));
    assert_int_equal(orm_router_pick(r, f->primary, &c, &cache), -1);
    orm_router_free(r);
    /* retry_s 0: reopened at the next pick, silently */
    f->nwarn = 0;
    r = router(f, 0, 1);
    orm_router_failed(r, 0, &why);
    assert_int_equal(f->nwarn, 1);
    assert_int_equal(orm_router_pick(r, f->primary, &c, &cache), 0);
    assert_int_equal(f->nwarn, 1);
    orm_error_clear(&why);
    orm_router_free(r);
}

static void test_router__bad_urls_are_argument_errors(void **state)
{
    rfx *f = *state;
    orm_router *r = router(f, 30, 0);
    orm_error e;
    orm_error_init(&e);
    assert_true(orm_router_add(r, "nosuch://x", &e) < 0);
    assert_int_equal(e.cls, ORM_ERR_ARGUMENT);
    orm_error_clear(&e);
    assert_true(orm_router_add(r, "not a url", &e) < 0);
    assert_int_equal(e.cls, ORM_ERR_ARGUMENT);
    orm_error_clear(&e);
    assert_int_equal(orm_router_count(r), 0);
    assert_int_equal(f->nwarn, 0);
    orm_router_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_router__no_replicas_reads_from_the_primary, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_router__round_robin_with_echo_tags, setup, teardown),
        cmocka_unit_test_setup_teardown(test_router__unreachable_replica_is_down_with_one_warning,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_router__failed_replica_is_left_out_then_reopened,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_router__bad_urls_are_argument_errors, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
