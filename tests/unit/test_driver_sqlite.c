/* test_driver_sqlite.c — the SQLite driver through the driver wrappers:
 * opening, every value type round-tripping through bind/step/column, error
 * classification (constraint, syntax, locked, foreign keys, interrupt), the
 * echo line, statement counting, fault injection and the statement cache. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include <sqlite3.h>

#include "dialect.h"
#include "backend.h"
#include "driver.h"
#include "stmt_cache.h"

/* ---- helpers ------------------------------------------------------------ */

static orm_conn *open_url(const char *text, const char *base_dir, int busy_ms)
{
    orm_url u;
    orm_error e;
    orm_error_init(&e);
    if (orm_url_parse(&u, text, &e) != ORM_OK) fail_msg("url: %s", e.message);
    orm_open_opts o = {.base_dir = base_dir, .busy_timeout_ms = busy_ms};
    orm_conn *c = NULL;
    if (orm_conn_open(&c, &u, &o, &e) != ORM_OK) fail_msg("open: %s", e.message);
    orm_url_free(&u);
    orm_error_clear(&e);
    return c;
}

static orm_conn *open_memory(void)
{
    return open_url("sqlite://", NULL, 0);
}

static void exec_ok(orm_conn *c, const char *sql)
{
    if (orm_conn_exec(c, sql) != ORM_OK) fail_msg("exec %s: %s", sql, c->err.message);
}

/* Prepares, binds, steps once; returns the step result; statement finalized. */
static int run(orm_conn *c, const char *sql, const orm_value *params, size_t n)
{
    orm_stmt *s;
    int rc = orm_conn_prepare(c, sql, &s);
    if (rc < 0) return rc;
    rc = orm_stmt_bind_all(c, s, params, n, ORM_BIND_COPY);
    if (rc == ORM_OK) rc = orm_stmt_step(c, s, sql, params, n);
    c->drv->finalize(s);
    return rc;
}

/* SELECT's single value into *out. */
static void select_one(orm_conn *c, const char *sql, const orm_value *params, size_t n,
                       orm_value *out)
{
    orm_stmt *s;
    assert_int_equal(orm_conn_prepare(c, sql, &s), ORM_OK);
    assert_int_equal(orm_stmt_bind_all(c, s, params, n, ORM_BIND_COPY), ORM_OK);
    assert_int_equal(orm_stmt_step(c, s, sql, params, n), ORM_ROW);
    assert_int_equal(c->drv->column_value(s, 0, out), ORM_OK);
    assert_int_equal(orm_stmt_step(c, s, NULL, NULL, 0), ORM_DONE);
    c->drv->finalize(s);
}

static char tmpdir[64];

static int make_tmpdir(void **state)
{
    (void)state;
    strcpy(tmpdir, "/tmp/ormsh-test-XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int remove_tmpdir(void **state)
{
    (void)state;
    char path[128];
    const char *files[] = {"x.db", "x.db-journal", "rel.db", "rel.db-journal"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", tmpdir, files[i]);
        unlink(path);
    }
    return rmdir(tmpdir);
}

/* ---- opening ------------------------------------------------------------ */

static void test_driver_sqlite__opens_memory_with_foreign_keys_on(void **state)
{
    (void)state;
    orm_conn *c = open_memory();
    assert_string_equal(orm_conn_backend(c)->name, "sqlite");
    assert_ptr_equal(orm_conn_dialect(c), &orm_dialect_sqlite);
    assert_string_equal(c->display_url, "sqlite://");
    orm_value v;
    select_one(c, "PRAGMA foreign_keys", NULL, 0, &v);
    assert_int_equal(v.type, ORM_V_INT);
    assert_int_equal(v.u.i, 1);
    assert_false(orm_conn_in_transaction(c));
    orm_conn_close(c);
    orm_conn_close(NULL);
}

static void test_driver_sqlite__relative_path_opens_under_base_dir(void **state)
{
    (void)state;
    orm_conn *c = open_url("sqlite:///rel.db", tmpdir, 0);
    exec_ok(c, "CREATE TABLE t (a INTEGER)");
    char want[160];
    snprintf(want, sizeof want, "sqlite:///%s/rel.db", tmpdir);
    assert_string_equal(c->display_url, want);
    orm_conn_close(c);
    struct stat st;
    snprintf(want, sizeof want, "%s/rel.db", tmpdir);
    assert_int_equal(stat(want, &st), 0);
}

static void test_driver_sqlite__open_failure_names_the_path(void **state)
{
    (void)state;
    char text[200], path[160];
    snprintf(path, sizeof path, "%s/no/such/dir/x.db", tmpdir);
    snprintf(text, sizeof text, "sqlite:///%s", path);
    orm_url u;
    orm_error e;
    orm_error_init(&e);
    assert_int_equal(orm_url_parse(&u, text, &e), ORM_OK);
    orm_conn *c = (orm_conn *)1;
    assert_int_equal(orm_conn_open(&c, &u, NULL, &e), ORM_EFAIL);
    assert_null(c);
    assert_int_equal(e.cls, ORM_ERR_OPERATIONAL);
    char want[200];
    snprintf(want, sizeof want, "unable to open database file: %s", path);
    assert_string_equal(e.message, want);
    snprintf(path, sizeof path, "%s/no", tmpdir);
    struct stat st;
    assert_int_not_equal(stat(path, &st), 0); /* no directory was created */
    orm_url_free(&u);
    orm_error_clear(&e);
}

/* Every scheme of docs/reference.md has a driver now: a server that cannot be reached
 * is an OperationalError naming host, port, database and user — never the
 * password. (Port 1 on loopback refuses at once.) */
static void test_driver_sqlite__server_connect_failure_names_target_not_password(void **state)
{
    (void)state;
    static const char *const urls[] = {"postgresql://u:secret@127.0.0.1:1/db",
                                       "mysql://u:secret@127.0.0.1:1/db"};
    for (size_t i = 0; i < sizeof urls / sizeof urls[0]; i++) {
        orm_url u;
        orm_error e;
        orm_error_init(&e);
        assert_int_equal(orm_url_parse(&u, urls[i], &e), ORM_OK);
        orm_conn *c;
        assert_int_equal(orm_conn_open(&c, &u, NULL, &e), ORM_EFAIL);
        assert_null(c);
        assert_int_equal(e.cls, ORM_ERR_OPERATIONAL);
        assert_non_null(strstr(e.message, "host 127.0.0.1, port 1, database db as user u"));
        assert_null(strstr(e.message, "secret"));
        orm_url_free(&u);
        orm_error_clear(&e);
    }
}

/* ---- values ------------------------------------------------------------- */

static void roundtrip(orm_conn *c, const orm_value *in, orm_value *out)
{
    select_one(c, "SELECT ?", in, 1, out);
}

static void test_driver_sqlite__scalars_round_trip(void **state)
{
    (void)state;
    orm_conn *c = open_memory();
    orm_value in, out;
    in = ORM_VALUE_NULL;
    roundtrip(c, &in, &out);
    assert_int_equal(out.type, ORM_V_NULL);
    orm_value_int(&in, INT64_MIN);
    roundtrip(c, &in, &out);
    assert_int_equal(out.type, ORM_V_INT);
    assert_true(out.u.i == INT64_MIN);
    orm_value_real(&in, 2.5);
    roundtrip(c, &in, &out);
    assert_int_equal(out.type, ORM_V_REAL);
    assert_true(out.u.r == 2.5);
    orm_value_bool(&in, 1);
    roundtrip(c, &in, &out);
    assert_int_equal(out.type, ORM_V_INT); /* booleans are stored as 0/1 */
    assert_int_equal(out.u.i, 1);
    orm_value_bool(&in, 0);
    roundtrip(c, &in, &out);
    assert_int_equal(out.u.i, 0);
    orm_conn_close(c);
}

static void test_driver_sqlite__text_with_nul_bytes_round_trips(void **state)
{
    (void)state;
    orm_conn *c = open_memory();
    orm_value in = ORM_VALUE_NULL, out;
    assert_int_equal(orm_value_set_text(&in, "a\0b\xc3\xa9", 5), ORM_OK);
    roundtrip(c, &in, &out);
    assert_int_equal(out.type, ORM_V_TEXT);
    assert_int_equal(out.len, 5);
    assert_memory_equal(out.u.s, "a\0b\xc3\xa9\0", 6);
    orm_value_clear(&out);
    orm_value_clear(&in);
    assert_int_equal(orm_value_set_text(&in, "", 0), ORM_OK);
    roundtrip(c, &in, &out);
    assert_int_equal(out.type, ORM_V_TEXT);
    assert_int_equal(out.len, 0);
    orm_value_clear(&out);
    orm_value_clear(&in);
    orm_conn_close(c);
}

static void test_driver_sqlite__blobs_round_trip_including_empty(void **state)
{
    (void)state;
    orm_conn *c = open_memory();
    exec_ok(c, "CREATE TABLE b (data BLOB)");
    orm_value in = ORM_VALUE_NULL, out;
    unsigned char bytes[300];
    for (size_t i = 0; i < sizeof bytes; i++)
        bytes[i] = (unsigned char)i;
    assert_int_equal(orm_value_set_blob(&in, bytes, sizeof bytes), ORM_OK);
    assert_int_equal(run(c, "INSERT INTO b (data) VALUES (?)", &in, 1), ORM_DONE);
    orm_value_clear(&in);
    assert_int_equal(orm_value_set_blob(&in, NULL, 0), ORM_OK);
    roundtrip(c, &in, &out); /* empty blob stays a blob, not NULL */
    assert_int_equal(out.type, ORM_V_BLOB);
    assert_int_equal(out.len, 0);
    orm_value_clear(&out);
    orm_value_clear(&in);
    select_one(c, "SELECT data FROM b", NULL, 0, &out);
    assert_int_equal(out.type, ORM_V_BLOB);
    assert_int_equal(out.len, sizeof bytes);
    assert_memory_equal(out.u.s, bytes, sizeof bytes);
    orm_value_clear(&out);
    orm_conn_close(c);
}

static void test_driver_sqlite__columns_have_names_and_count(void **state)
{
    (void)state;
    orm_conn *c = open_memory();
    orm_stmt *s;
    assert_int_equal(orm_conn_prepare(c, "SELECT 1 AS one, 'x' AS name", &s), ORM_OK);
    assert_int_equal(c->drv->column_count(s), 2);
    assert_string_equal(c->drv->column_name(s, 0), "one");
    assert_string_equal(c->drv->column_name(s, 1), "name");
    c->drv->finalize(s);
    orm_conn_close(c);
}

static void test_driver_sqlite__changes_and_last_insert_id(void **state)
{
    (void)state;
    orm_conn *c = open_memory();
    exec_ok(c, "CREATE TABLE t (id INTEGER PRIMARY KEY, v INTEGER)");
    exec_ok(c, "INSERT INTO t (v) VALUES (1), (1), (2)");
    assert_int_equal(c->drv->last_insert_id(c), 3);
    orm_stmt *s;
    assert_int_equal(orm_conn_prepare(c, "UPDATE t SET v = v WHERE v = 1", &s), ORM_OK);
    assert_int_equal(orm_stmt_step(c, s, "UPDATE", NULL, 0), ORM_DONE);
    assert_int_equal(c->drv->changes(s), 2); /* matched rows, even unchanged */
    c->drv->finalize(s);
    orm_conn_close(c);
}

/* ---- errors ------------------------------------------------------------- */

static void test_driver_sqlite__unique_violation_is_integrity_error_with_sql(void **state)
{
    (void)state;
    orm_conn *c = open_memory();
    exec_ok(c, "CREATE TABLE t (c VARCHAR(10) UNIQUE)");
    orm_value p = ORM_VALUE_NULL;
    assert_int_equal(orm_value_set_text(&p, "dup", 3), ORM_OK);
    const char *sql = "INSERT INTO t (c) VALUES (?)";
    assert_int_equal(run(c, sql, &p, 1), ORM_DONE);
    assert_int_equal(run(c, sql, &p, 1), ORM_EFAIL);
    assert_int_equal(c->err.cls, ORM_ERR_INTEGRITY);
    assert_string_equal(c->err.message, "UNIQUE constraint failed: t.c");
    assert_int_equal(c->err.code, SQLITE_CONSTRAINT_UNIQUE);
    assert_string_equal(c->err.sql, sql);
    assert_int_equal(c->err.nparams, 1);
    assert_string_equal(c->err.params[0].u.s, "dup");
    orm_value_clear(&p);
    orm_conn_close(c);
}

static void test_driver_sqlite__not_null_violation_is_integrity_error_with_sql(void **state)
{
    (void)state;
    orm_conn *c = open_memory();
    exec_ok(c, "CREATE TABLE egg (id INTEGER PRIMARY KEY, hen_id INTEGER NOT NULL)");
    orm_value p = ORM_VALUE_NULL;
    const char *sql = "INSERT INTO egg (hen_id) VALUES (?)";
    assert_int_equal(run(c, sql, &p, 1), ORM_EFAIL);
    assert_int_equal(c->err.cls, ORM_ERR_INTEGRITY);
    assert_string_equal(c->err.message, "NOT NULL constraint failed: egg.hen_id");
    assert_int_equal(c->err.code, SQLITE_CONSTRAINT_NOTNULL);
    assert_string_equal(c->err.sql, sql);
    assert_int_equal(c->err.nparams, 1);
    assert_int_equal(c->err.params[0].type, ORM_V_NULL);
    orm_conn_close(c);
}

static void test_driver_sqlite__syntax_error_is_programming_error(void **state)
{
    (void)state;
    orm_conn *c = open_memory();
    orm_stmt *s = (orm_stmt *)1;
    assert_int_equal(orm_conn_prepare(c, "SELEC 1", &s), ORM_EFAIL);
    assert_null(s);
    assert_int_equal(c->err.cls, ORM_ERR_PROGRAMMING);
    assert_string_equal(c->err.message, "near \"SELEC\": syntax error");
    assert_string_equal(c->err.sql, "SELEC 1");
    assert_int_equal(orm_conn_exec(c, "SELECT * FROM missing"), ORM_EFAIL);
    assert_int_equal(c->err.cls, ORM_ERR_PROGRAMMING);
    assert_string_equal(c->err.message, "no such table: missing");
    assert_string_equal(c->err.sql, "SELECT * FROM missing");
    orm_conn_close(c);
}

static void test_driver_sqlite__prepare_refuses_a_second_statement(void **state)
{
    (void)state;
    orm_conn *c = open_memory();
    orm_stmt *s;
    assert_int_equal(orm_conn_prepare(c, "SELECT 1; SELECT 2", &s), ORM_EFAIL);
    assert_int_equal(c->err.cls, ORM_ERR_PROGRAMMING);
    assert_int_equal(orm_conn_prepare(c, "SELECT 1; -- trailing comment\n", &s), ORM_OK);
    c->drv->finalize(s);
    orm_conn_close(c);
}

static void test_driver_sqlite__locked_database_is_operational_error(void **state)
{
    (void)state;
    orm_conn *a = open_url("sqlite:///x.db", tmpdir, 50);
    orm_conn *b = open_url("sqlite:///x.db", tmpdir, 50);
    exec_ok(a, "CREATE TABLE t (v INTEGER)");
    assert_int_equal(orm_conn_begin(a), ORM_OK);
    exec_ok(a, "INSERT INTO t (v) VALUES (1)");
    assert_true(orm_conn_in_transaction(a));
    orm_value v;
    orm_value_int(&v, 2);
    assert_int_equal(run(b, "INSERT INTO t (v) VALUES (?)", &v, 1), ORM_EFAIL);
    assert_int_equal(b->err.cls, ORM_ERR_OPERATIONAL);
    assert_string_equal(b->err.message, "database is locked");
    assert_int_equal(b->err.code & 0xff, SQLITE_BUSY);
    assert_int_equal(orm_conn_commit(a), ORM_OK);
    assert_false(orm_conn_in_transaction(a));
    assert_int_equal(run(b, "INSERT INTO t (v) VALUES (?)", &v, 1), ORM_DONE);
    orm_conn_close(a);
    orm_conn_close(b);
}

static void test_driver_sqlite__foreign_keys_are_enforced(void **state)
{
    (void)state;
    orm_conn *c = open_memory();
    exec_ok(c, "CREATE TABLE p (id INTEGER PRIMARY KEY)");
    exec_ok(c, "CREATE TABLE ch (id INTEGER PRIMARY KEY, p_id INTEGER REFERENCES p (id))");
    assert_int_equal(orm_conn_exec(c, "INSERT INTO ch (p_id) VALUES (42)"), ORM_EFAIL);
    assert_int_equal(c->err.cls, ORM_ERR_INTEGRITY);
    assert_string_equal(c->err.message, "FOREIGN KEY constraint failed");
    assert_int_equal(c->drv->set_foreign_keys(c, 0), ORM_OK);
    exec_ok(c, "INSERT INTO ch (p_id) VALUES (42)");
    assert_int_equal(c->drv->set_foreign_keys(c, 1), ORM_OK);
    orm_conn_close(c);
}

static void test_driver_sqlite__interrupt_stops_a_running_statement(void **state)
{
    (void)state;
    orm_conn *c = open_memory();
    const char *sql = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) "
                      "SELECT i FROM n";
    orm_stmt *s;
    assert_int_equal(orm_conn_prepare(c, sql, &s), ORM_OK);
    assert_int_equal(orm_stmt_step(c, s, sql, NULL, 0), ORM_ROW);
    orm_conn_interrupt(c);
    int rc;
    while ((rc = orm_stmt_step(c, s, NULL, NULL, 0)) == ORM_ROW)
        continue;
    assert_int_equal(rc, ORM_EFAIL);
    assert_int_equal(c->err.cls, ORM_ERR_OPERATIONAL);
    assert_string_equal(c->err.message, "interrupted");
    assert_string_equal(c->err.sql, sql); /* from the driver, though echo_sql was NULL */
    c->drv->finalize(s);
    orm_value v; /* the connection is usable afterwards */
    select_one(c, "SELECT 7", NULL, 0, &v);
    assert_int_equal(v.u.i, 7);
    orm_conn_close(c);
}

/* A Ctrl-C between statements (the most of a long flush): the next
 * statement or COMMIT fails with "interrupted", once; reset forgets it. */
static void test_driver_sqlite__interrupt_between_statements_fails_the_next(void **state)
{
    (void)state;
    orm_conn *c = open_memory();
    exec_ok(c, "CREATE TABLE r (v INTEGER)");
    assert_int_equal(orm_conn_begin(c), ORM_OK);
    exec_ok(c, "INSERT INTO r VALUES (1)");
    orm_conn_interrupt(c);
    assert_int_equal(orm_conn_exec(c, "INSERT INTO r VALUES (2)"), ORM_EFAIL);
    assert_int_equal(c->err.cls, ORM_ERR_OPERATIONAL);
    assert_string_equal(c->err.message, "interrupted");
    orm_conn_interrupt(c);
    assert_int_equal(orm_conn_commit(c), ORM_EFAIL);
    assert_string_equal(c->err.message, "interrupted");
    assert_int_equal(orm_conn_rollback(c), ORM_OK);
    orm_value v;
    select_one(c, "SELECT count(*) FROM r", NULL, 0, &v);
    assert_int_equal(v.u.i, 0);
    orm_conn_interrupt(c);
    orm_conn_interrupt_reset(c);
    exec_ok(c, "INSERT INTO r VALUES (3)");
    orm_conn_close(c);
}

static void test_driver_sqlite__close_rolls_back_open_transaction(void **state)
{
    (void)state;
    orm_conn *c = open_url("sqlite:///x.db", tmpdir, 0);
    exec_ok(c, "CREATE TABLE IF NOT EXISTS r (v INTEGER)");
    exec_ok(c, "DELETE FROM r");
    assert_int_equal(orm_conn_begin(c), ORM_OK);
    exec_ok(c, "INSERT INTO r (v) VALUES (1)");
    orm_conn_close(c);
    c = open_url("sqlite:///x.db", tmpdir, 0);
    orm_value v;
    select_one(c, "SELECT count(*) FROM r", NULL, 0, &v);
    assert_int_equal(v.u.i, 0);
    orm_conn_close(c);
}

/* ---- echo, counting, fault injection ------------------------------------ */

typedef struct {
    char lines[8][256];
    int n;
} echo_log;

static void capture(void *ctx, const char *line)
{
    echo_log *log = ctx;
    if (log->n < 8) snprintf(log->lines[log->n++], sizeof log->lines[0], "%s", line);
}

static void test_driver_sqlite__echo_line_shows_sql_and_params(void **state)
{
    (void)state;
    orm_conn *c = open_memory();
    exec_ok(c, "CREATE TABLE author (name VARCHAR(30), email VARCHAR(30))");
    echo_log log = {.n = 0};
    c->echo_fn = capture;
    c->echo_ctx = &log;
    orm_value p[2] = {ORM_VALUE_NULL, ORM_VALUE_NULL};
    assert_int_equal(orm_value_set_text(&p[0], "Umang", 5), ORM_OK);
    assert_int_equal(orm_value_set_text(&p[1], "u@example.com", 13), ORM_OK);
    const char *sql = "INSERT INTO author (name, email) VALUES (?, ?)";
    assert_int_equal(run(c, sql, p, 2), ORM_DONE);
    assert_int_equal(log.n, 0); /* echo off: nothing */
    c->echo = 1;
    assert_int_equal(orm_conn_begin(c), ORM_OK);
    assert_int_equal(run(c, sql, p, 2), ORM_DONE);
    exec_ok(c, "DELETE FROM author");
    assert_int_equal(orm_conn_commit(c), ORM_OK);
    assert_int_equal(log.n, 4);
    assert_string_equal(log.lines[0], "SQL: BEGIN");
    assert_string_equal(log.lines[1], "SQL: INSERT INTO author (name, email) VALUES (?, ?)  "
                                      "[params: \"Umang\", \"u@example.com\"]");
    assert_string_equal(log.lines[2], "SQL: DELETE FROM author");
    assert_string_equal(log.lines[3], "SQL: COMMIT");
    orm_value_clear(&p[0]);
    orm_value_clear(&p[1]);
    orm_conn_close(c);
}

static void test_driver_sqlite__counts_each_execution_once(void **state)
{
    (void)state;
    orm_conn *c = open_memory();
    uint64_t n0 = c->nstatements;
    exec_ok(c, "CREATE TABLE t (v INTEGER)");
    exec_ok(c, "INSERT INTO t VALUES (1), (2), (3)");
    orm_stmt *s;
    assert_int_equal(orm_conn_prepare(c, "SELECT v FROM t", &s), ORM_OK);
    assert_int_equal(orm_stmt_step(c, s, "SELECT v FROM t", NULL, 0), ORM_ROW);
    while (orm_stmt_step(c, s, NULL, NULL, 0) == ORM_ROW)
        continue;
    c->drv->finalize(s);
    assert_int_equal(orm_conn_begin(c), ORM_OK);
    assert_int_equal(orm_conn_rollback(c), ORM_OK);
    assert_int_equal(c->nstatements - n0, 3);
    orm_conn_close(c);
}

static void test_driver_sqlite__fault_injection_fails_the_nth_call_once(void **state)
{
    (void)state;
    orm_conn *c = open_memory();
    exec_ok(c, "CREATE TABLE t (v INTEGER)");
    orm_driver_fail_after(2);
    orm_stmt *s;
    assert_int_equal(orm_conn_prepare(c, "INSERT INTO t VALUES (1)", &s), ORM_OK); /* 1st */
    assert_int_equal(orm_stmt_step(c, s, "INSERT INTO t VALUES (1)", NULL, 0), ORM_EFAIL);
    assert_int_equal(c->err.cls, ORM_ERR_OPERATIONAL);
    assert_string_equal(c->err.message, "injected fault");
    assert_string_equal(c->err.sql, "INSERT INTO t VALUES (1)");
    c->drv->reset(s);
    assert_int_equal(orm_stmt_step(c, s, "INSERT INTO t VALUES (1)", NULL, 0), ORM_DONE);
    c->drv->finalize(s);
    orm_value v;
    select_one(c, "SELECT count(*) FROM t", NULL, 0, &v);
    assert_int_equal(v.u.i, 1); /* the failed call wrote nothing */

    orm_driver_fail_after(1);
    assert_int_equal(orm_conn_begin(c), ORM_EFAIL);
    assert_false(orm_conn_in_transaction(c));
    orm_driver_fail_after(1);
    assert_int_equal(orm_conn_exec(c, "DELETE FROM t"), ORM_EFAIL);
    orm_driver_fail_after(5);
    orm_driver_fail_after(0); /* disarmed */
    for (int i = 0; i < 6; i++)
        exec_ok(c, "SELECT 1");
    orm_conn_close(c);
}

/* ---- statement cache ---------------------------------------------------- */

static void test_driver_sqlite__stmt_cache_reuses_released_statement(void **state)
{
    (void)state;
    orm_conn *c = open_memory();
    orm_stmt_cache *cache = orm_stmt_cache_new(c, 4);
    assert_non_null(cache);
    const char *sql = "SELECT ?";
    orm_stmt *s1, *s2, *s3;
    assert_int_equal(orm_stmt_cache_acquire(cache, sql, &s1), ORM_OK);
    orm_stmt_cache_release(cache, sql, s1);
    assert_int_equal(orm_stmt_cache_acquire(cache, sql, &s2), ORM_OK);
    assert_ptr_equal(s1, s2);
    assert_int_equal(orm_stmt_cache_acquire(cache, sql, &s3), ORM_OK);
    assert_ptr_not_equal(s2, s3); /* in use: a second user gets its own */
    orm_stmt_cache_release(cache, sql, s3);
    orm_stmt_cache_release(cache, sql, s2);
    orm_stmt_cache_free(cache);
    orm_conn_close(c);
}

/* The cache remembers lookups by the address of the caller's text, but the
 * text decides: the same buffer holding other SQL gets that SQL's statement,
 * also after the first one was dropped from the cache. */
static void test_driver_sqlite__stmt_cache_same_buffer_other_text(void **state)
{
    (void)state;
    orm_conn *c = open_memory();
    orm_stmt_cache *cache = orm_stmt_cache_new(c, 1);
    char sql[32];
    orm_stmt *s;
    orm_value v;
    for (int round = 0; round < 3; round++) {
        for (int k = 1; k <= 2; k++) {
            snprintf(sql, sizeof sql, "SELECT %d", k);
            assert_int_equal(orm_stmt_cache_acquire(cache, sql, &s), ORM_OK);
            assert_int_equal(orm_stmt_step(c, s, sql, NULL, 0), ORM_ROW);
            assert_int_equal(c->drv->column_value(s, 0, &v), ORM_OK);
            assert_int_equal(v.type, ORM_V_INT);
            assert_int_equal(v.u.i, k);
            orm_stmt_cache_release(cache, sql, s); /* capacity 1: drops the other */
        }
    }
    orm_stmt_cache_free(cache);
    orm_conn_close(c);
}

/* A statement remembers its columns' decimal scales across resets; when
 * SQLite re-prepares it after a schema change, they are read anew. */
static void test_driver_sqlite__decimal_scale_follows_a_schema_change(void **state)
{
    (void)state;
    orm_conn *c = open_memory();
    const char *sql = "SELECT x FROM t";
    const char *want[] = {"1.50", "1.50", "1.500"};
    exec_ok(c, "CREATE TABLE t (x NUMERIC(10, 2))");
    exec_ok(c, "INSERT INTO t VALUES (1.5)");
    orm_stmt *s;
    assert_int_equal(orm_conn_prepare(c, sql, &s), ORM_OK);
    for (int k = 0; k < 3; k++) {
        if (k == 2) { /* the same statement, over a table of another scale */
            exec_ok(c, "DROP TABLE t");
            exec_ok(c, "CREATE TABLE t (x NUMERIC(10, 3))");
            exec_ok(c, "INSERT INTO t VALUES (1.5)");
        }
        orm_value v;
        assert_int_equal(orm_stmt_step(c, s, sql, NULL, 0), ORM_ROW);
        assert_int_equal(c->drv->column_value(s, 0, &v), ORM_OK);
        assert_int_equal(v.type, ORM_V_TEXT);
        assert_string_equal(v.u.s, want[k]);
        orm_value_clear(&v);
        orm_stmt_reset(c, s);
    }
    orm_stmt_finalize(c, s);
    orm_conn_close(c);
}

static void test_driver_sqlite__stmt_cache_release_resets_and_clears_bindings(void **state)
{
    (void)state;
    orm_conn *c = open_memory();
    orm_stmt_cache *cache = orm_stmt_cache_new(c, 4);
    const char *sql = "SELECT ?";
    orm_stmt *s;
    orm_value v;
    orm_value_int(&v, 9);
    assert_int_equal(orm_stmt_cache_acquire(cache, sql, &s), ORM_OK);
    assert_int_equal(orm_stmt_bind_all(c, s, &v, 1, ORM_BIND_COPY), ORM_OK);
    assert_int_equal(orm_stmt_step(c, s, sql, &v, 1), ORM_ROW); /* left mid-result */
    orm_stmt_cache_release(cache, sql, s);
    assert_int_equal(orm_stmt_cache_acquire(cache, sql, &s), ORM_OK);
    assert_int_equal(orm_stmt_step(c, s, sql, NULL, 0), ORM_ROW);
    assert_int_equal(c->drv->column_value(s, 0, &v), ORM_OK);
    assert_int_equal(v.type, ORM_V_NULL);
    orm_stmt_cache_release(cache, sql, s);
    orm_stmt_cache_free(cache);
    orm_conn_close(c);
}

/* Bind ownership is an argument of the bind: ORM_BIND_COPY leaves the
 * caller free to change its bytes at once; ORM_BIND_BORROW binds the
 * caller's bytes themselves (SQLITE_STATIC), which must stay until the step. */
static void test_driver_sqlite__bind_ownership_is_an_argument(void **state)
{
    (void)state;
    orm_conn *c = open_memory();
    const char *sql = "SELECT ?";
    char text[] = "before";
    orm_value v, out;
    v.type = ORM_V_TEXT;
    v.u.s = text;
    v.len = strlen(text);
    v.borrowed = 1;
    for (int own = ORM_BIND_COPY; own <= ORM_BIND_BORROW; own++) {
        memcpy(text, "before", 6);
        orm_stmt *s;
        assert_int_equal(orm_conn_prepare(c, sql, &s), ORM_OK);
        assert_int_equal(orm_stmt_bind_all(c, s, &v, 1, (orm_bind_own)own), ORM_OK);
        memcpy(text, "AFTER!", 6); /* the caller changes its bytes before the step */
        assert_int_equal(orm_stmt_step(c, s, sql, NULL, 0), ORM_ROW);
        assert_int_equal(orm_stmt_value(c, s, 0, &out), ORM_OK);
        assert_int_equal(out.type, ORM_V_TEXT);
        assert_memory_equal(out.u.s, own == ORM_BIND_COPY ? "before" : "AFTER!", 6);
        orm_value_clear(&out);
        orm_stmt_finalize(c, s);
    }
    orm_conn_close(c);
}

/* The connection's savepoint capability: create, roll back to, release. */
static void test_driver_sqlite__savepoints_through_the_connection(void **state)
{
    (void)state;
    orm_conn *c = open_memory();
    exec_ok(c, "CREATE TABLE t (x INTEGER)");
    assert_int_equal(orm_conn_begin(c), ORM_OK);
    exec_ok(c, "INSERT INTO t VALUES (1)");
    assert_int_equal(orm_conn_savepoint_n(c, ORM_SP_CREATE, 1), ORM_OK);
    exec_ok(c, "INSERT INTO t VALUES (2)");
    assert_int_equal(orm_conn_savepoint_n(c, ORM_SP_ROLLBACK, 1), ORM_OK);
    assert_int_equal(orm_conn_savepoint_n(c, ORM_SP_RELEASE, 1), ORM_OK);
    assert_int_equal(orm_conn_savepoint(c, ORM_SP_CREATE, "Mixed Name"), ORM_OK);
    exec_ok(c, "INSERT INTO t VALUES (3)");
    assert_int_equal(orm_conn_savepoint(c, ORM_SP_RELEASE, "Mixed Name"), ORM_OK);
    assert_int_equal(orm_conn_commit(c), ORM_OK);
    orm_value v;
    select_one(c, "SELECT group_concat(x) FROM t", NULL, 0, &v);
    assert_int_equal(v.type, ORM_V_TEXT);
    assert_memory_equal(v.u.s, "1,3", 3);
    orm_value_clear(&v);
    assert_true(orm_conn_savepoint_n(c, ORM_SP_RELEASE, 7) < 0); /* no such savepoint */
    assert_non_null(strstr(c->err.sql, "RELEASE SAVEPOINT sa_savepoint_7"));
    orm_conn_close(c);
}

static void test_driver_sqlite__stmt_cache_keeps_at_most_capacity(void **state)
{
    (void)state;
    orm_conn *c = open_memory();
    orm_stmt_cache *cache = orm_stmt_cache_new(c, 2);
    char sql[5][32];
    orm_stmt *s[5];
    for (int i = 0; i < 5; i++) {
        snprintf(sql[i], sizeof sql[i], "SELECT %d", i);
        assert_int_equal(orm_stmt_cache_acquire(cache, sql[i], &s[i]), ORM_OK);
    }
    for (int i = 0; i < 5; i++)
        orm_stmt_cache_release(cache, sql[i], s[i]);
    /* 3 and 4 (most recent) are kept; 0 was evicted and must be prepared
     * again: an armed fault catches any prepare */
    orm_stmt *again;
    orm_driver_fail_after(1);
    assert_int_equal(orm_stmt_cache_acquire(cache, sql[4], &again), ORM_OK);
    assert_ptr_equal(again, s[4]);
    orm_stmt_cache_release(cache, sql[4], again);
    assert_int_equal(orm_stmt_cache_acquire(cache, sql[3], &again), ORM_OK);
    orm_stmt_cache_release(cache, sql[3], again);
    assert_int_equal(orm_stmt_cache_acquire(cache, sql[0], &again), ORM_EFAIL);
    assert_string_equal(c->err.message, "injected fault");
    orm_stmt_cache_clear(cache);
    assert_int_equal(orm_stmt_cache_acquire(cache, sql[4], &again), ORM_OK);
    orm_stmt_cache_release(cache, sql[4], again);
    orm_stmt *many[40];
    for (int i = 0; i < 40; i++) /* many users of one SQL: the table grows */
        assert_int_equal(orm_stmt_cache_acquire(cache, "SELECT 1", &many[i]), ORM_OK);
    for (int i = 0; i < 40; i++)
        orm_stmt_cache_release(cache, "SELECT 1", many[i]);
    orm_stmt_cache_free(cache); /* asan: nothing leaks */
    orm_conn_close(c);
}

static void test_driver_sqlite__stmt_cache_prepare_failure_sets_conn_error(void **state)
{
    (void)state;
    orm_conn *c = open_memory();
    orm_stmt_cache *cache = orm_stmt_cache_new(c, 2);
    orm_stmt *s;
    assert_int_equal(orm_stmt_cache_acquire(cache, "SELECT * FROM nope", &s), ORM_EFAIL);
    assert_null(s);
    assert_int_equal(c->err.cls, ORM_ERR_PROGRAMMING);
    orm_stmt *other;
    assert_int_equal(orm_conn_prepare(c, "SELECT 1", &other), ORM_OK);
    orm_stmt_cache_release(cache, "SELECT 1", other); /* not the cache's: finalized */
    orm_stmt_cache_free(cache);
    orm_stmt_cache_free(NULL);
    orm_conn_close(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_driver_sqlite__opens_memory_with_foreign_keys_on),
        cmocka_unit_test(test_driver_sqlite__relative_path_opens_under_base_dir),
        cmocka_unit_test(test_driver_sqlite__open_failure_names_the_path),
        cmocka_unit_test(test_driver_sqlite__server_connect_failure_names_target_not_password),
        cmocka_unit_test(test_driver_sqlite__scalars_round_trip),
        cmocka_unit_test(test_driver_sqlite__text_with_nul_bytes_round_trips),
        cmocka_unit_test(test_driver_sqlite__blobs_round_trip_including_empty),
        cmocka_unit_test(test_driver_sqlite__columns_have_names_and_count),
        cmocka_unit_test(test_driver_sqlite__changes_and_last_insert_id),
        cmocka_unit_test(test_driver_sqlite__unique_violation_is_integrity_error_with_sql),
        cmocka_unit_test(test_driver_sqlite__not_null_violation_is_integrity_error_with_sql),
        cmocka_unit_test(test_driver_sqlite__syntax_error_is_programming_error),
        cmocka_unit_test(test_driver_sqlite__prepare_refuses_a_second_statement),
        cmocka_unit_test(test_driver_sqlite__locked_database_is_operational_error),
        cmocka_unit_test(test_driver_sqlite__foreign_keys_are_enforced),
        cmocka_unit_test(test_driver_sqlite__interrupt_stops_a_running_statement),
        cmocka_unit_test(test_driver_sqlite__interrupt_between_statements_fails_the_next),
        cmocka_unit_test(test_driver_sqlite__close_rolls_back_open_transaction),
        cmocka_unit_test(test_driver_sqlite__echo_line_shows_sql_and_params),
        cmocka_unit_test(test_driver_sqlite__counts_each_execution_once),
        cmocka_unit_test(test_driver_sqlite__fault_injection_fails_the_nth_call_once),
        cmocka_unit_test(test_driver_sqlite__stmt_cache_reuses_released_statement),
        cmocka_unit_test(test_driver_sqlite__stmt_cache_release_resets_and_clears_bindings),
        cmocka_unit_test(test_driver_sqlite__stmt_cache_same_buffer_other_text),
        cmocka_unit_test(test_driver_sqlite__decimal_scale_follows_a_schema_change),
        cmocka_unit_test(test_driver_sqlite__stmt_cache_keeps_at_most_capacity),
        cmocka_unit_test(test_driver_sqlite__bind_ownership_is_an_argument),
        cmocka_unit_test(test_driver_sqlite__savepoints_through_the_connection),
        cmocka_unit_test(test_driver_sqlite__stmt_cache_prepare_failure_sets_conn_error),
    };
    return cmocka_run_group_tests(tests, make_tmpdir, remove_tmpdir);
}
