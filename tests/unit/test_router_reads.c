/* test_router_reads.c — the replicas' read transactions (core/router.c) on
 * SQLite files: a pick opens a read snapshot that holds the replica's file
 * lock until orm_router_end_reads (then a writer gets in and the next read
 * sees its row), a transaction the backend ended itself is not rolled back
 * twice, a failing BEGIN or ROLLBACK leaves that replica out with one
 * warning; relative SQLite paths resolve against the router's base
 * directory; the defaults for wait and retry; and every allocation of
 * orm_router_new / orm_router_add failing in turn: nothing half-added. */
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

#include "fault.h"
#include "router.h"
#include "sqlq.h"

typedef struct rfx {
    char dir[64];
    char path[2][128];
    char url[2][160];
    int nwarn;
    int necho, nbegin; /* echoed lines, of which BEGIN / ROLLBACK */
    char last[1024];
    orm_conn *primary;
} rfx;

static void count_warn(void *ctx, const char *line)
{
    rfx *f = ctx;
    f->nwarn++;
    snprintf(f->last, sizeof f->last, "%s", line);
}

static void on_echo(void *ctx, const char *line)
{
    rfx *f = ctx;
    f->necho++;
    if (strstr(line, "BEGIN") || strstr(line, "ROLLBACK")) f->nbegin++;
}

static void run_sql(const char *path, const char *sql)
{
    sqlite3 *db;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
}

/* The result code of sql run by another process-like connection (no busy
 * timeout: a lock held elsewhere shows as SQLITE_BUSY at once). */
static int other_writer(const char *path, const char *sql)
{
    sqlite3 *db;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    int rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
    sqlite3_close(db);
    return rc;
}

static int setup(void **state)
{
    rfx *f = calloc(1, sizeof *f);
    if (!f) return -1;
    strcpy(f->dir, "/tmp/ormsh-rreads-XXXXXX");
    if (!mkdtemp(f->dir)) return -1;
    char dir[64], one[128]; /* copies: snprintf's source apart from its target */
    memcpy(dir, f->dir, sizeof dir);
    for (int i = 0; i < 2; i++) {
        snprintf(one, sizeof one, "%s/r%d.db", dir, i);
        memcpy(f->path[i], one, sizeof one);
        run_sql(one, "CREATE TABLE t (x INTEGER)");
        snprintf(f->url[i], sizeof f->url[i], "sqlite:///%s", one);
    }
    char path[128], text[160];
    snprintf(path, sizeof path, "%s/p.db", f->dir);
    run_sql(path, "CREATE TABLE t (x INTEGER)");
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
    for (int i = 0; i < 2; i++)
        unlink(f->path[i]);
    snprintf(path, sizeof path, "%s/p.db", f->dir);
    unlink(path);
    rmdir(f->dir);
    free(f);
    return 0;
}

static orm_router *router(rfx *f, int n)
{
    orm_router *r = orm_router_new(NULL, 0, 3600);
    assert_non_null(r);
    orm_router_set_warn(r, count_warn, f);
    orm_error e;
    orm_error_init(&e);
    for (int i = 0; i < n; i++)
        assert_int_equal(orm_router_add(r, f->url[i], &e), ORM_OK);
    return r;
}

static int64_t rows(orm_conn *c)
{
    orm_sqlq q;
    if (orm_sqlq_open(&q, c, "SELECT count(*) FROM t", NULL, 0) != ORM_OK)
        fail_msg("count: %s", c->err.message);
    assert_int_equal(orm_sqlq_step(&q), ORM_ROW);
    int64_t n = orm_sqlq_int(&q, 0);
    orm_sqlq_close(&q);
    return n;
}

static void test_router_reads__snapshot_held_until_end_reads(void **state)
{
    rfx *f = *state;
    orm_router *r = router(f, 1);
    orm_conn *c = NULL;
    orm_stmt_cache *cache = NULL;
    assert_int_equal(orm_router_pick(r, f->primary, &c, &cache), 0);
    assert_true(orm_conn_in_transaction(c));
    assert_int_equal(rows(c), 0);
    /* the read transaction holds the file's shared lock: a writer's commit
     * cannot get in */
    assert_int_equal(other_writer(f->path[0], "INSERT INTO t VALUES (1)"), SQLITE_BUSY);
    /* a second read shares the transaction (no second BEGIN) */
    orm_conn *c2 = NULL;
    assert_int_equal(orm_router_pick(r, f->primary, &c2, &cache), 0);
    assert_ptr_equal(c2, c);
    orm_router_end_reads(r);
    assert_false(orm_conn_in_transaction(c));
    assert_int_equal(other_writer(f->path[0], "INSERT INTO t VALUES (1)"), SQLITE_OK);
    /* the next read starts a new snapshot that sees the row (the
     * replica echoes as the primary does) */
    f->primary->echo = 1;
    f->primary->echo_fn = on_echo;
    f->primary->echo_ctx = f;
    assert_int_equal(orm_router_pick(r, f->primary, &c, &cache), 0);
    assert_int_equal(rows(c), 1);
    orm_router_end_reads(r);
    /* the router's BEGIN and ROLLBACK are its own business: never echoed */
    assert_int_equal(f->nbegin, 0);
    assert_true(f->necho > 0);
    f->primary->echo = 0;
    orm_router_end_reads(r); /* nothing open: nothing to do */
    orm_router_end_reads(NULL);
    assert_int_equal(f->nwarn, 0);
    orm_router_free(r);
}

static void test_router_reads__transaction_ended_elsewhere_is_not_rolled_back(void **state)
{
    rfx *f = *state;
    orm_router *r = router(f, 1);
    orm_conn *c = NULL;
    orm_stmt_cache *cache = NULL;
    assert_int_equal(orm_router_pick(r, f->primary, &c, &cache), 0);
    assert_int_equal(orm_conn_rollback(c), ORM_OK); /* ended behind the router's back */
    assert_false(orm_conn_in_transaction(c));
    orm_router_end_reads(r);
    assert_int_equal(f->nwarn, 0);
    assert_null(c->err.message);
    /* still up: the next pick opens a fresh read transaction */
    assert_int_equal(orm_router_pick(r, f->primary, &c, &cache), 0);
    assert_true(orm_conn_in_transaction(c));
    orm_router_free(r);
}

static void test_router_reads__failing_begin_leaves_the_replica_out(void **state)
{
    rfx *f = *state;
    orm_router *r = router(f, 2);
    orm_conn *c = NULL;
    orm_stmt_cache *cache = NULL;
    orm_driver_fail_after(1); /* replica 1's BEGIN */
    assert_int_equal(orm_router_pick(r, f->primary, &c, &cache), 1);
    assert_true(orm_driver_fail_fired());
    orm_driver_fail_after(0);
    assert_int_equal(f->nwarn, 1);
    assert_non_null(strstr(f->last, "replica 1 ("));
    assert_non_null(strstr(f->last, "injected fault"));
    assert_non_null(strstr(f->last, "3600 s"));
    orm_replica_info info;
    orm_router_info(r, 0, &info);
    assert_string_equal(info.state, "down");
    /* reads keep going to the other one */
    assert_int_equal(orm_router_pick(r, f->primary, &c, &cache), 1);
    assert_int_equal(orm_router_pick(r, f->primary, &c, &cache), 1);
    orm_router_end_reads(r);
    /* every replica down: the primary reads */
    orm_router_failed(r, 1, NULL);
    assert_int_equal(f->nwarn, 2);
    assert_non_null(strstr(f->last, "unknown failure"));
    assert_int_equal(orm_router_pick(r, f->primary, &c, &cache), -1);
    orm_router_free(r);
}

static void test_router_reads__failing_rollback_leaves_the_replica_out(void **state)
{
    rfx *f = *state;
    orm_router *r = router(f, 2);
    orm_conn *c = NULL;
    orm_stmt_cache *cache = NULL;
    assert_int_equal(orm_router_pick(r, f->primary, &c, &cache), 0);
    assert_int_equal(orm_router_pick(r, f->primary, &c, &cache), 1);
    orm_driver_fail_after(1); /* replica 1's ROLLBACK */
    orm_router_end_reads(r);
    assert_true(orm_driver_fail_fired());
    orm_driver_fail_after(0);
    assert_int_equal(f->nwarn, 1);
    assert_non_null(strstr(f->last, "replica 1 ("));
    orm_replica_info info;
    orm_router_info(r, 0, &info);
    assert_string_equal(info.state, "down");
    orm_router_info(r, 1, &info);
    assert_string_equal(info.state, "up");
    /* replica 2's transaction did end: a writer gets in */
    assert_int_equal(other_writer(f->path[1], "INSERT INTO t VALUES (2)"), SQLITE_OK);
    assert_int_equal(orm_router_pick(r, f->primary, &c, &cache), 1);
    assert_int_equal(rows(c), 1);
    orm_router_free(r);
}

static void test_router_reads__relative_paths_and_defaults(void **state)
{
    rfx *f = *state;
    /* relative to the base directory: found */
    orm_router *r = orm_router_new(f->dir, -1, -1);
    assert_non_null(r);
    orm_router_set_warn(r, count_warn, f);
    orm_error e;
    orm_error_init(&e);
    assert_int_equal(orm_router_add(r, "sqlite:///r0.db", &e), ORM_OK);
    orm_replica_info info;
    orm_router_info(r, 0, &info);
    assert_string_equal(info.state, "up");
    assert_int_equal(f->nwarn, 0);
    /* a failure's warning names the default retry time, 30 s */
    orm_router_failed(r, 0, NULL);
    assert_non_null(strstr(f->last, "for 30 s"));
    orm_router_set_warn(r, NULL, NULL); /* back to stderr: not ours any more */
    orm_router_free(r);
    /* no base directory: the same URL is relative to the working directory */
    char cwd[512];
    assert_non_null(getcwd(cwd, sizeof cwd));
    assert_int_equal(chdir("/"), 0);
    f->nwarn = 0;
    r = orm_router_new(NULL, 0, 0);
    orm_router_set_warn(r, count_warn, f);
    assert_int_equal(orm_router_add(r, "sqlite:///r0.db", &e), ORM_OK);
    assert_int_equal(chdir(cwd), 0);
    assert_int_equal(orm_router_count(r), 1);
    assert_int_equal(f->nwarn, 1); /* added down, with its warning */
    assert_non_null(strstr(f->last, "replica 1"));
    assert_int_equal(orm_router_count(NULL), 0);
    orm_router_committed(NULL, f->primary);
    orm_router_free(r);
    orm_router_free(NULL);
}

static void test_router_reads__out_of_memory_adds_nothing_half_made(void **state)
{
    rfx *f = *state;
    int survived = 0;
    for (long n = 1; n < 200 && !survived; n++) {
        orm_fault_alloc_after(n);
        orm_router *r = orm_router_new(f->dir, 0, 3600);
        if (r == NULL) {
            assert_true(orm_fault_alloc_fired());
            continue;
        }
        orm_router_set_warn(r, count_warn, f);
        f->nwarn = 0;
        orm_error e;
        orm_error_init(&e);
        int rc = orm_router_add(r, f->url[0], &e);
        int fired = orm_fault_alloc_fired();
        orm_fault_alloc_after(0);
        if (rc < 0) {
            assert_true(fired);
            assert_int_equal(e.cls, ORM_ERR_OPERATIONAL);
            assert_string_equal(e.message, "out of memory");
            assert_int_equal(orm_router_count(r), 0);
            assert_int_equal(f->nwarn, 0);
        } else {
            /* added; an open that ran out of memory leaves it down with its
             * warning, tried again later */
            assert_int_equal(orm_router_count(r), 1);
            orm_replica_info info;
            orm_router_info(r, 0, &info);
            if (f->nwarn) {
                assert_true(fired);
                assert_non_null(strstr(f->last, "replica 1"));
            }
            survived = !fired;
            if (survived) assert_string_equal(info.state, "up");
        }
        orm_error_clear(&e);
        orm_router_free(r);
    }
    assert_true(survived);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_router_reads__snapshot_held_until_end_reads, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(
            test_router_reads__transaction_ended_elsewhere_is_not_rolled_back, setup, teardown),
        cmocka_unit_test_setup_teardown(test_router_reads__failing_begin_leaves_the_replica_out,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_router_reads__failing_rollback_leaves_the_replica_out,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_router_reads__relative_paths_and_defaults, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_router_reads__out_of_memory_adds_nothing_half_made,
                                        setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
