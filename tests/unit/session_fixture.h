/* session_fixture.h — the shared fixture of test_session.c and
 * test_flush.c: a temporary SQLite file with foreign keys enforced, three
 * tables (parent, child -> parent, item with a composite key) created by
 * orm_ddl_create_all, a session, the echoed statements, a second plain
 * sqlite3 connection to check what another process sees, object helpers and
 * hooks. Included by one test file each, so helpers are static. */
#ifndef TESTS_SESSION_FIXTURE_H
#define TESTS_SESSION_FIXTURE_H

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

#include "ddl.h"
#include "session.h"
#include "session_int.h"
#include "url.h"

/* Not every test file uses every helper. */
#define FIXTURE static __attribute__((unused))

/* ---- fixture ------------------------------------------------------------- */

/* Column positions. */
enum { P_ID, P_NAME, P_NOTE };   /* parent(id pk, name String(30) unique not null, note Text) */
enum { C_ID, C_PARENT, C_NAME }; /* child(id pk, parent_id not null -> parent.id, name) */
enum { I_A, I_B, I_QTY };        /* item(a Integer pk, b String pk, qty) — no generated key */

#define MAXLINES 512

typedef struct fx {
    char dir[64];
    char path[128];
    orm_conn *conn;
    orm_metadata *md;
    orm_table *parent, *child, *item;
    orm_session *s;
    char *lines[MAXLINES]; /* echoed statements */
    int nlines;
} fx;

FIXTURE void add_col(orm_table *t, const orm_column *c)
{
    orm_error err;
    orm_error_init(&err);
    if (orm_table_add_column(t, c, &err) != ORM_OK)
        fail_msg("add_column %s: %s", c->name, err.message);
}

FIXTURE orm_table *add_table(orm_metadata *md, const char *name)
{
    orm_error err;
    orm_error_init(&err);
    orm_table *t = NULL;
    if (orm_metadata_add_table(md, name, &t, &err) != ORM_OK)
        fail_msg("add_table: %s", err.message);
    return t;
}

FIXTURE void build_metadata(fx *f)
{
    f->md = orm_metadata_new();
    assert_non_null(f->md);
    /* child is defined before parent on purpose: flush order must come from
     * the foreign key, not from definition order */
    f->child = add_table(f->md, "child");
    orm_fkey fk = {.table = "parent", .column = "id"};
    add_col(
        f->child,
        &(orm_column){.name = "id", .type = {ORM_T_INTEGER}, .primary_key = 1, .autoincrement = 1});
    add_col(f->child,
            &(orm_column){.name = "parent_id", .type = {ORM_T_INTEGER}, .nullable = 0, .fk = &fk});
    add_col(f->child, &(orm_column){.name = "name", .type = {ORM_T_STRING, 30}, .nullable = 1});
    f->parent = add_table(f->md, "parent");
    add_col(
        f->parent,
        &(orm_column){.name = "id", .type = {ORM_T_INTEGER}, .primary_key = 1, .autoincrement = 1});
    add_col(f->parent,
            &(orm_column){.name = "name", .type = {ORM_T_STRING, 30}, .nullable = 0, .unique = 1});
    add_col(f->parent, &(orm_column){.name = "note", .type = {ORM_T_TEXT}, .nullable = 1});
    f->item = add_table(f->md, "item");
    add_col(f->item, &(orm_column){.name = "a", .type = {ORM_T_INTEGER}, .primary_key = 1});
    add_col(f->item, &(orm_column){.name = "b", .type = {ORM_T_STRING, 10}, .primary_key = 1});
    add_col(f->item, &(orm_column){.name = "qty", .type = {ORM_T_INTEGER}, .nullable = 1});
    assert_int_equal(f->child->autoinc_col, C_ID);
    assert_int_equal(f->parent->autoinc_col, P_ID);
    assert_int_equal(f->item->autoinc_col, -1);
    assert_int_equal(f->item->npk, 2);
}

FIXTURE void collect_echo(void *ctx, const char *line)
{
    fx *f = ctx;
    if (f->nlines < MAXLINES) f->lines[f->nlines++] = strdup(line);
}

FIXTURE void echo_reset(fx *f)
{
    for (int i = 0; i < f->nlines; i++)
        free(f->lines[i]);
    f->nlines = 0;
}

/* Index of the first echoed line containing needle at or after from, or -1. */
FIXTURE int echo_find(const fx *f, const char *needle, int from)
{
    for (int i = from; i < f->nlines; i++)
        if (f->lines[i] && strstr(f->lines[i], needle)) return i;
    return -1;
}

FIXTURE int echo_count(const fx *f, const char *needle)
{
    int n = 0;
    for (int i = 0; i < f->nlines; i++)
        if (f->lines[i] && strstr(f->lines[i], needle)) n++;
    return n;
}

FIXTURE orm_conn *open_path(const char *path)
{
    char text[256];
    snprintf(text, sizeof text, "sqlite:///%s", path); /* path is absolute: sqlite:////tmp/... */
    orm_url u;
    orm_error e;
    orm_error_init(&e);
    if (orm_url_parse(&u, text, &e) != ORM_OK) fail_msg("url %s: %s", text, e.message);
    orm_open_opts o = {.busy_timeout_ms = 1000};
    orm_conn *c = NULL;
    if (orm_conn_open(&c, &u, &o, &e) != ORM_OK) fail_msg("open: %s", e.message);
    orm_url_free(&u);
    orm_error_clear(&e);
    return c;
}

FIXTURE int setup(void **state)
{
    fx *f = calloc(1, sizeof *f);
    if (!f) return -1;
    strcpy(f->dir, "/tmp/ormsh-session-XXXXXX");
    if (!mkdtemp(f->dir)) return -1;
    snprintf(f->path, sizeof f->path, "%s/test.db", f->dir);
    build_metadata(f);
    f->conn = open_path(f->path);
    orm_error err;
    orm_error_init(&err);
    if (orm_ddl_create_all(f->conn, f->md, &err) != ORM_OK) fail_msg("create_all: %s", err.message);
    f->s = orm_session_new(f->conn, f->md);
    assert_non_null(f->s);
    f->conn->echo = 1;
    f->conn->echo_fn = collect_echo;
    f->conn->echo_ctx = f;
    *state = f;
    return 0;
}

FIXTURE int teardown(void **state)
{
    fx *f = *state;
    orm_driver_fail_after(0);
    orm_session_free(f->s);
    orm_conn_close(f->conn);
    orm_metadata_free(f->md);
    echo_reset(f);
    char p[160];
    const char *suffix[] = {"", "-journal", "-wal", "-shm"};
    for (int i = 0; i < 4; i++) {
        snprintf(p, sizeof p, "%s%s", f->path, suffix[i]);
        unlink(p);
    }
    rmdir(f->dir);
    free(f);
    return 0;
}

/* ---- the second connection (plain sqlite3, independent of core) ---------- */

FIXTURE sqlite3 *raw_open(const fx *f)
{
    sqlite3 *db = NULL;
    if (sqlite3_open_v2(f->path, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK)
        fail_msg("raw open: %s", sqlite3_errmsg(db));
    sqlite3_busy_timeout(db, 1000);
    return db;
}

/* The single integer the query returns (-1 when no row). */
FIXTURE long long raw_int(const fx *f, const char *sql)
{
    sqlite3 *db = raw_open(f);
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        fail_msg("raw %s: %s", sql, sqlite3_errmsg(db));
    int rc = sqlite3_step(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) fail_msg("raw %s: %s", sql, sqlite3_errmsg(db));
    long long v = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
    sqlite3_finalize(st);
    sqlite3_close(db);
    return v;
}

/* The single text the query returns, into buf ("<none>" / "<null>"). */
FIXTURE const char *raw_text(const fx *f, const char *sql, char *buf, size_t n)
{
    sqlite3 *db = raw_open(f);
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        fail_msg("raw %s: %s", sql, sqlite3_errmsg(db));
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        const unsigned char *t = sqlite3_column_text(st, 0);
        snprintf(buf, n, "%s", t ? (const char *)t : "<null>");
    } else {
        snprintf(buf, n, "<none>");
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
    return buf;
}

FIXTURE void raw_exec(const fx *f, const char *sql)
{
    sqlite3 *db = raw_open(f);
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) fail_msg("raw %s: %s", sql, msg);
    sqlite3_close(db);
}

FIXTURE long long nrows(const fx *f, const char *table)
{
    char sql[96];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM %s", table);
    return raw_int(f, sql);
}

/* ---- objects ------------------------------------------------------------- */

FIXTURE void set_text(orm_object *o, int col, const char *s)
{
    orm_value v = ORM_VALUE_NULL;
    assert_int_equal(orm_value_set_text(&v, s, strlen(s)), ORM_OK);
    assert_int_equal(orm_object_set(o, col, &v), ORM_OK);
}

FIXTURE void set_int(orm_object *o, int col, int64_t i)
{
    orm_value v;
    orm_value_int(&v, i);
    assert_int_equal(orm_object_set(o, col, &v), ORM_OK);
}

FIXTURE const char *text_of(const orm_object *o, int col)
{
    const orm_value *v = orm_object_get(o, col);
    return v->type == ORM_V_TEXT ? v->u.s : v->type == ORM_V_NULL ? "<null>" : "<not text>";
}

FIXTURE int64_t int_of(const orm_object *o, int col)
{
    const orm_value *v = orm_object_get(o, col);
    assert_int_equal(v->type, ORM_V_INT);
    return v->u.i;
}

FIXTURE int is_null(const orm_object *o, int col)
{
    return orm_object_get(o, col)->type == ORM_V_NULL;
}

FIXTURE orm_object *new_parent(fx *f, const char *name)
{
    orm_object *o = orm_object_new(f->parent);
    assert_non_null(o);
    set_text(o, P_NAME, name);
    return o;
}

FIXTURE orm_object *new_child(fx *f, int64_t parent_id, const char *name)
{
    orm_object *o = orm_object_new(f->child);
    assert_non_null(o);
    if (parent_id) set_int(o, C_PARENT, parent_id);
    set_text(o, C_NAME, name);
    return o;
}

FIXTURE orm_object *new_item(fx *f, int64_t a, const char *b, int64_t qty)
{
    orm_object *o = orm_object_new(f->item);
    assert_non_null(o);
    set_int(o, I_A, a);
    set_text(o, I_B, b);
    set_int(o, I_QTY, qty);
    return o;
}

FIXTURE void add_ok(fx *f, orm_object *o)
{
    int rc = orm_session_add(f->s, o);
    if (rc != ORM_OK) fail_msg("add: %s", orm_session_error(f->s)->message);
}

FIXTURE void flush_ok(fx *f)
{
    if (orm_session_flush(f->s) != ORM_OK) fail_msg("flush: %s", orm_session_error(f->s)->message);
}

FIXTURE void commit_ok(fx *f)
{
    if (orm_session_commit(f->s) != ORM_OK)
        fail_msg("commit: %s", orm_session_error(f->s)->message);
}

FIXTURE orm_object *get_int(fx *f, const orm_table *t, int64_t id)
{
    orm_value k;
    orm_value_int(&k, id);
    orm_object *o = NULL;
    if (orm_session_get(f->s, t, &k, &o) != ORM_OK)
        fail_msg("get: %s", orm_session_error(f->s)->message);
    return o;
}

/* A committed parent (and the reference the caller holds). */
FIXTURE orm_object *committed_parent(fx *f, const char *name)
{
    orm_object *p = new_parent(f, name);
    add_ok(f, p);
    commit_ok(f);
    return p;
}

typedef struct {
    int n, d, x;
} kinds;

FIXTURE void count_kind(void *ctx, orm_object *o, char kind)
{
    (void)o;
    kinds *k = ctx;
    if (kind == 'n') k->n++;
    if (kind == 'd') k->d++;
    if (kind == 'x') k->x++;
}

FIXTURE kinds pending_kinds(fx *f)
{
    kinds k = {0, 0, 0};
    orm_session_each_pending(f->s, count_kind, &k);
    return k;
}

/* ---- hooks --------------------------------------------------------------- */

typedef struct hookctx {
    fx *f;
    orm_session *s;
    orm_object *parent; /* children inserted get parent_id = parent's key */
    int fill_note;      /* parents with a NULL note get "filled" */
    int nested_flush;   /* call orm_session_flush from inside the hook */
    int nested_rc;
    orm_errclass nested_cls;
    const orm_table *refuse; /* fail objects of this table with a DataError */
    int updates;             /* before_update calls */
    int calls;
    int child_before_parent;
} hookctx;

FIXTURE int before_insert(void *ctx, orm_object *o, orm_error *err)
{
    hookctx *h = ctx;
    h->calls++;
    if (h->nested_flush) {
        h->nested_rc = orm_session_flush(h->s);
        h->nested_cls = orm_session_error(h->s)->cls;
    }
    if (h->refuse == o->table)
        return orm_error_set(err, ORM_ERR_DATA, 0, "hook refused a %s", o->table->name);
    if (o->table == h->f->parent && h->fill_note && is_null(o, P_NOTE))
        set_text(o, P_NOTE, "filled");
    if (o->table == h->f->child && h->parent) {
        if (is_null(h->parent, P_ID)) {
            h->child_before_parent = 1; /* the parent is not inserted yet */
        } else {
            orm_value v;
            assert_int_equal(orm_value_copy(&v, orm_object_get(h->parent, P_ID)), ORM_OK);
            assert_int_equal(orm_object_set(o, C_PARENT, &v), ORM_OK);
        }
    }
    return 0;
}

/* An onupdate value: every UPDATE of a parent also stamps its note. */
FIXTURE int before_update(void *ctx, orm_object *o, orm_error *err)
{
    hookctx *h = ctx;
    (void)err;
    h->updates++;
    if (o->table == h->f->parent) set_text(o, P_NOTE, "stamped");
    return 0;
}

FIXTURE void use_hooks(orm_session *s, hookctx *h)
{
    orm_session_hooks hooks = {
        .before_insert = before_insert, .before_update = before_update, .ctx = h};
    orm_session_set_hooks(s, &hooks);
}

#define FIXTURE_TEST(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

#endif
