/* test_cursor_routing.c — which connection a session's statement runs on
 * when it has a read replica (core/cursor.c): reads (SELECT, WITH, VALUES,
 * EXPLAIN, PRAGMA, in any case, after blanks) go
 * to the replica; a SELECT that locks rows (FOR UPDATE, FOR SHARE, LOCK IN
 * SHARE MODE), a write, a session with pending changes, an open savepoint
 * or primary forced, to the primary. The replica here is a SQLite file
 * with other rows, so the answer shows where a read ran; the echo's tag
 * too. */
#include "session_fixture.h"

#include "router.h"

static char replica_path[160];

static int setup_replica(void **state)
{
    if (setup(state) != 0) return -1;
    fx *f = *state;
    snprintf(replica_path, sizeof replica_path, "%s/replica.db", f->dir);
    sqlite3 *db;
    if (sqlite3_open(replica_path, &db) != SQLITE_OK) return -1;
    sqlite3_exec(db,
                 "CREATE TABLE parent (id INTEGER PRIMARY KEY, name TEXT, note TEXT);"
                 "INSERT INTO parent VALUES (1, 'on the replica', NULL)",
                 NULL, NULL, NULL);
    sqlite3_close(db);
    raw_exec(f, "INSERT INTO parent (id, name) VALUES (1, 'on the primary')");
    orm_router *r = orm_router_new(NULL, 0, 3600);
    char url[200];
    snprintf(url, sizeof url, "sqlite:///%s", replica_path);
    orm_error e;
    orm_error_init(&e);
    if (!r || orm_router_add(r, url, &e) != ORM_OK) return -1;
    orm_session_set_router(f->s, r);
    return 0;
}

static int teardown_replica(void **state)
{
    int rc = teardown(state);
    unlink(replica_path);
    return rc;
}

/* The first column of the first row sql gives, as text ("" when none). */
static const char *first_text(fx *f, const char *sql)
{
    static char buf[64];
    orm_cursor *c = NULL;
    buf[0] = '\0';
    if (orm_cursor_open(f->s, sql, NULL, 0, &c) != ORM_OK)
        fail_msg("%s: %s", sql, orm_session_error(f->s)->message);
    if (orm_cursor_step(c) == ORM_ROW) {
        orm_value v = ORM_VALUE_NULL;
        assert_int_equal(orm_cursor_value(c, 0, &v), ORM_OK);
        if (v.type == ORM_V_TEXT) snprintf(buf, sizeof buf, "%s", v.u.s);
        if (v.type == ORM_V_INT) snprintf(buf, sizeof buf, "%lld", (long long)v.u.i);
        orm_value_clear(&v);
    }
    orm_cursor_close(c);
    orm_session_end_replica_reads(f->s);
    return buf;
}

/* 1 when the last echoed statement ran on the replica. */
static int on_replica(const fx *f)
{
    assert_true(f->nlines > 0);
    return strstr(f->lines[f->nlines - 1], "SQL[replica 1]") != NULL;
}

static void test_cursor_routing__reads_go_to_the_replica(void **state)
{
    fx *f = *state;
    assert_string_equal(first_text(f, "SELECT name FROM parent"), "on the replica");
    assert_true(on_replica(f));
    assert_string_equal(first_text(f, " \n\tSELECT name FROM parent"), "on the replica");
    assert_string_equal(first_text(f, "select name from parent"), "on the replica");
    assert_string_equal(first_text(f, "WITH x AS (SELECT name FROM parent) SELECT name FROM x"),
                        "on the replica");
    assert_string_equal(first_text(f, "VALUES (42)"), "42");
    assert_true(on_replica(f));
    assert_string_equal(first_text(f, "PRAGMA user_version"), "0");
    assert_true(on_replica(f));
    /* a column named like a locking clause is not one */
    assert_string_equal(first_text(f, "SELECT name AS for_updates FROM parent"), "on the replica");
    assert_string_equal(first_text(f, "SELECT name AS lock_in FROM parent"), "on the replica");
    /* EXPLAIN runs there too */
    first_text(f, "EXPLAIN SELECT name FROM parent");
    assert_true(on_replica(f));
}

/* A locking SELECT is sent to the primary (which is SQLite here, so it
 * refuses the syntax: the echo and the error show where it went). */
static void primary_refuses(fx *f, const char *sql)
{
    orm_cursor *c = NULL;
    int before = f->nlines;
    assert_true(orm_cursor_open(f->s, sql, NULL, 0, &c) < 0);
    assert_int_equal(orm_session_error(f->s)->cls, ORM_ERR_PROGRAMMING);
    assert_true(f->nlines > before);
    assert_int_equal(echo_count(f, "SQL[replica 1]: SELECT name FROM parent WHERE"), 0);
    orm_error_clear(orm_session_error(f->s));
    orm_session_rollback(f->s);
}

static void test_cursor_routing__locking_reads_and_writes_go_to_the_primary(void **state)
{
    fx *f = *state;
    primary_refuses(f, "SELECT name FROM parent WHERE id = 1 FOR UPDATE");
    primary_refuses(f, "SELECT name FROM parent WHERE id = 1 for share");
    primary_refuses(f, "SELECT name FROM parent WHERE id = 1 LOCK IN SHARE MODE");
    /* a write: the primary */
    orm_cursor *c = NULL;
    assert_int_equal(orm_cursor_open(f->s, "UPDATE parent SET note = 'x'", NULL, 0, &c), ORM_OK);
    assert_int_equal(orm_cursor_step(c), ORM_DONE);
    orm_cursor_close(c);
    assert_false(on_replica(f));
    assert_int_equal(orm_session_rollback(f->s), ORM_OK);
}

static void test_cursor_routing__session_state_keeps_reads_on_the_primary(void **state)
{
    fx *f = *state;
    /* forced */
    assert_int_equal(orm_session_force_primary(f->s, 1), 0);
    assert_string_equal(first_text(f, "SELECT name FROM parent"), "on the primary");
    assert_false(on_replica(f));
    assert_int_equal(orm_session_force_primary(f->s, 0), 1);
    assert_string_equal(first_text(f, "SELECT name FROM parent"), "on the replica");
    /* pending changes: the primary sees them (autoflush), the replica not */
    orm_object *p = new_parent(f, "new");
    add_ok(f, p);
    assert_string_equal(first_text(f, "SELECT count(*) FROM parent"), "2");
    assert_false(on_replica(f));
    commit_ok(f);
    /* a savepoint open: the primary */
    int id = 0;
    assert_int_equal(orm_session_savepoint(f->s, &id), ORM_OK);
    assert_string_equal(first_text(f, "SELECT name FROM parent WHERE id = 1"), "on the primary");
    assert_int_equal(orm_session_release_savepoint(f->s, id), ORM_OK);
    commit_ok(f);
    orm_object_release(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_cursor_routing__reads_go_to_the_replica, setup_replica,
                                        teardown_replica),
        cmocka_unit_test_setup_teardown(
            test_cursor_routing__locking_reads_and_writes_go_to_the_primary, setup_replica,
            teardown_replica),
        cmocka_unit_test_setup_teardown(
            test_cursor_routing__session_state_keeps_reads_on_the_primary, setup_replica,
            teardown_replica),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
