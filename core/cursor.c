/* cursor.c — running statements for the session: a cursor over a cached
 * prepared statement (on the primary or a replica), loading rows into objects
 * through the identity map, and one-shot statements (session_get.c: by key). */
#include <assert.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "router.h"
#include "session_int.h"

struct orm_cursor {
    orm_session *s;
    orm_conn *conn;        /* the primary's or a replica's (router.c) */
    orm_stmt_cache *cache; /* conn's statement cache */
    orm_stmt *stmt;
    orm_stmt_entry *entry; /* the cache entry stmt is checked out from */
    int done;
    int borrowed; /* bound without copying (then the bindings are cleared on close) */
    struct orm_cursor *snext, **sprev; /* in s->streams while streaming, else sprev NULL */
};

/* Statements that cannot write: used to tell an idle read transaction from
 * uncommitted raw writes. */
static int is_read_only(const char *sql)
{
    while (*sql == ' ' || *sql == '\t' || *sql == '\n' || *sql == '(')
        sql++;
    static const char *const reads[] = {"select", "with", "values", "explain", "pragma", NULL};
    for (int i = 0; reads[i]; i++) {
        size_t n = strlen(reads[i]);
        if (strncasecmp(sql, reads[i], n) == 0) return 1;
    }
    return 0;
}

/* A SELECT that locks rows (FOR UPDATE / FOR SHARE) belongs on the primary. */
static int locks_rows(const char *sql)
{
    for (const char *p = sql; (p = strchr(p, ' ')) != NULL; p++) {
        char c = (char)(p[1] | 0x20); /* a cheap test first: every read is scanned */
        if (c == 'f' &&
            (strncasecmp(p, " FOR UPDATE", 11) == 0 || strncasecmp(p, " FOR SHARE", 10) == 0))
            return 1;
        if (c == 'l' && strncasecmp(p, " LOCK IN SHARE MODE", 19) == 0) return 1;
    }
    return 0;
}

/* Copies conn's error into the session's (the first one wins). */
static int fail_from(orm_session *s, orm_conn *conn, int rc)
{
    if (s->err.cls == ORM_ERR_NONE) {
        if (conn->err.cls != ORM_ERR_NONE)
            orm_error_move(&s->err, &conn->err);
        else if (rc == ORM_ENOMEM)
            orm_error_oom(&s->err);
        else
            orm_error_set(&s->err, ORM_ERR_ERROR, 0, "unknown database failure");
    }
    orm_error_clear(&conn->err);
    return rc < 0 ? rc : ORM_EFAIL;
}

/* Checks out sql on conn (from cache), binds and takes the first step. On
 * failure the error is left in conn->err and *out is NULL. */
static int open_on(orm_session *s, orm_conn *conn, orm_stmt_cache *cache, const char *sql,
                   const orm_value *const *params, size_t n, orm_bind_own own, int chunk,
                   orm_cursor **out)
{
    *out = NULL;
    orm_cursor *c = s->spare; /* the last one closed, else a new one */
    s->spare = NULL;
    if (c == NULL) c = malloc(sizeof *c); /* not calloc: glibc's calloc skips the thread cache */
    if (c == NULL) return orm_error_oom(&conn->err);
    memset(c, 0, sizeof *c);
    c->s = s;
    c->conn = conn;
    c->cache = cache;
    int rc = orm_stmt_cache_checkout(cache, sql, &c->stmt, &c->entry);
    if (rc < 0) {
        orm_cursor_close(c);
        return rc;
    }
    orm_value stackvals[16];
    orm_value *vals = n <= 16 ? stackvals : malloc(n * sizeof *vals);
    if (vals == NULL) {
        orm_cursor_close(c);
        return orm_error_oom(&conn->err);
    }
    for (size_t i = 0; i < n; i++)
        vals[i] = *params[i]; /* shallow: borrowed */
    c->borrowed = own == ORM_BIND_BORROW;
    rc = orm_stmt_bind_all(conn, c->stmt, vals, n, own);
    if (rc >= 0 && chunk > 0) orm_stmt_stream(conn, c->stmt, chunk);
    if (rc >= 0) {
        /* the first step happens here so the echo carries the parameters */
        rc = orm_stmt_step(conn, c->stmt, sql, vals, n);
    }
    if (vals != stackvals) free(vals);
    if (rc < 0) {
        orm_cursor_close(c);
        return rc;
    }
    c->done = rc == ORM_DONE ? 1 : -1; /* -1: a row is waiting */
    *out = c;
    return ORM_OK;
}

/* A read outside a transaction that has written may run on a replica. */
static int replica_read(orm_session *s, const char *sql, orm_conn **conn, orm_stmt_cache **cache)
{
    if (s->router == NULL || s->force_primary || s->ntouched || s->raw_writes || s->nsavepoints ||
        !is_read_only(sql) || locks_rows(sql))
        return -1;
    return orm_router_pick(s->router, s->conn, conn, cache);
}

/* Statements that change the schema (SQLite refuses DROP / ALTER while a
 * statement reading the table is open). */
static int is_ddl(const char *sql)
{
    while (*sql == ' ' || *sql == '\t' || *sql == '\n')
        sql++;
    static const char *const ddl[] = {"drop", "alter", "create", "truncate", NULL};
    for (int i = 0; ddl[i]; i++) {
        size_t n = strlen(ddl[i]);
        if (strncasecmp(sql, ddl[i], n) == 0) return 1;
    }
    return 0;
}

int orm_cursor_open(orm_session *s, const char *sql, const orm_value *const *params, size_t n,
                    orm_cursor **out)
{
    return orm_cursor_open_own(s, sql, params, n, ORM_BIND_COPY, out);
}

int orm_cursor_open_own(orm_session *s, const char *sql, const orm_value *const *params, size_t n,
                        orm_bind_own own, orm_cursor **out)
{
    return orm_cursor_open_stream(s, sql, params, n, own, 0, out);
}

int orm_cursor_open_stream(orm_session *s, const char *sql, const orm_value *const *params,
                           size_t n, orm_bind_own own, int chunk, orm_cursor **out)
{
    assert(s != NULL && sql != NULL && out != NULL);
    *out = NULL;
    orm_error_clear(&s->err);
    int rc = orm_session_autoflush(s);
    if (rc < 0) return rc;
    orm_conn *rconn;
    orm_stmt_cache *rcache;
    int rep = replica_read(s, sql, &rconn, &rcache);
    orm_error why;
    orm_error_init(&why);
    if (rep >= 0) {
        rc = open_on(s, rconn, rcache, sql, params, n, own, chunk, out);
        if (rc >= 0) return ORM_OK;
        orm_error_move(&why, &rconn->err); /* the primary decides whose fault it was */
    }
    int writes = !is_read_only(sql);
    if (writes) orm_session_end_replica_reads(s); /* reads go to the primary from here */
    rc = orm_session_begin(s);
    if (rc >= 0 && s->streams && is_ddl(sql)) orm_session_end_streams(s); /* else DROP is blocked */
    if (rc >= 0) rc = open_on(s, s->conn, s->cache, sql, params, n, own, chunk, out);
    if (rc < 0) {
        orm_error_clear(&why);
        return fail_from(s, s->conn, rc);
    }
    if (rep >= 0) orm_router_failed(s->router, rep, &why);
    orm_error_clear(&why);
    if (writes) s->raw_writes = 1;
    return ORM_OK;
}

int orm_cursor_step(orm_cursor *c)
{
    if (c->done == 1) return ORM_DONE;
    assert(c->s != NULL);
    if (c->done == -1) {
        c->done = 0;
        return ORM_ROW;
    }
    int rc = orm_stmt_step(c->conn, c->stmt, NULL, NULL, 0);
    if (rc == ORM_DONE) c->done = 1;
    if (rc < 0) {
        c->done = 1;
        return fail_from(c->s, c->conn, rc);
    }
    return rc;
}

int orm_cursor_ncols(orm_cursor *c)
{
    return orm_stmt_ncols(c->conn, c->stmt);
}
const char *orm_cursor_colname(orm_cursor *c, int i)
{
    return orm_stmt_colname(c->conn, c->stmt, i);
}
int orm_cursor_value(orm_cursor *c, int i, orm_value *out)
{
    int rc = orm_stmt_value(c->conn, c->stmt, i, out);
    return rc < 0 ? fail_from(c->s, c->conn, rc) : ORM_OK;
}
int64_t orm_cursor_changes(orm_cursor *c)
{
    return orm_stmt_changes(c->conn, c->stmt);
}

/* A streaming cursor stays open between calls of its caller: the session
 * lists it, so that orm_session_end_streams can let its statement go. */
void orm_cursor_stream(orm_cursor *c)
{
    assert(c->sprev == NULL && c->entry != NULL);
    c->snext = c->s->streams;
    if (c->snext) c->snext->sprev = &c->snext;
    c->sprev = &c->s->streams;
    c->s->streams = c;
}

static void stream_unlink(orm_cursor *c)
{
    if (c->sprev == NULL) return;
    *c->sprev = c->snext;
    if (c->snext) c->snext->sprev = c->sprev;
    c->sprev = NULL;
    c->snext = NULL;
}

void orm_session_end_streams(orm_session *s)
{
    while (s->streams) {
        orm_cursor *c = s->streams;
        stream_unlink(c);
        if (c->entry) orm_stmt_cache_checkin(c->cache, c->entry, c->borrowed);
        c->entry = NULL;
        c->stmt = NULL;
        c->s = NULL; /* the session may go: close only frees c now */
        c->done = 1;
    }
}

int orm_cursor_ended(const orm_cursor *c)
{
    return c->s == NULL;
}

void orm_cursor_close(orm_cursor *c)
{
    if (c == NULL) return;
    stream_unlink(c);
    /* bindings of copies are left: the next user binds every parameter */
    if (c->entry) orm_stmt_cache_checkin(c->cache, c->entry, c->borrowed);
    if (c->s && c->s->spare == NULL) /* kept for the session's next cursor */
        c->s->spare = c;
    else
        free(c);
}

void orm_cursor_free_spare(orm_session *s)
{
    free(s->spare);
    s->spare = NULL;
}

/* The row's values are read into vals (the key first: an object the
 * identity map has needs nothing more), then moved into a new object that
 * holds them and their bytes in one block. */
int orm_cursor_object(orm_cursor *c, const orm_table *t, int offset, orm_object **out)
{
    orm_session *s = c->s;
    orm_column_fn column = orm_conn_peek_fn(c->conn);
    *out = NULL;
    orm_value vals[ORM_MAX_COLUMNS];       /* set as read (no clearing: a hot path) */
    const orm_value *key[ORM_MAX_COLUMNS]; /* the first t->npk are set */
    key[0] = NULL;
    int allnull = 1, i = 0;
    for (; i < t->npk; i++) {
        orm_value *v = &vals[t->pk[i]];
        if (column(c->stmt, offset + t->pk[i], v) < 0) goto fail;
        key[i] = v;
        if (v->type != ORM_V_NULL) allnull = 0;
    }
    uint64_t h = orm_identity_hash(t, key);
    orm_object *o = allnull ? NULL : orm_identity_find(&s->identity, t, key, h);
    if (allnull || o) {
        for (int k = 0; k < t->npk; k++)
            orm_value_clear(&vals[t->pk[k]]);
        *out = orm_object_retain(o);
        return ORM_OK;
    }
    for (i = 0; i < t->ncols; i++) {
        if (t->cols[i].primary_key) continue;
        if (column(c->stmt, offset + i, &vals[i]) < 0) {
            for (int k = 0; k < i; k++)
                if (!t->cols[k].primary_key) orm_value_clear(&vals[k]);
            i = t->npk;
            goto fail;
        }
    }
    o = orm_object_new_row(t, vals, s->slab);
    if (o == NULL || orm_identity_put_hashed(&s->identity, o, h) != ORM_OK) {
        if (o)
            orm_object_release(o);
        else
            for (int k = 0; k < t->ncols; k++)
                orm_value_clear(&vals[k]);
        return orm_error_oom(&s->err);
    }
    o->session = s;
    o->state = ORM_OBJ_PERSISTENT;
    *out = o;
    return ORM_OK;
fail: /* reading key value i failed: the ones before it were read */
    for (int k = 0; k < i; k++)
        orm_value_clear(&vals[t->pk[k]]);
    return fail_from(s, c->conn, ORM_EFAIL);
}

int orm_session_run(orm_session *s, const char *sql, const orm_value *const *params, size_t n,
                    int64_t *changes)
{
    orm_cursor *c;
    int rc = orm_cursor_open(s, sql, params, n, &c);
    if (rc < 0) return rc;
    while ((rc = orm_cursor_step(c)) == ORM_ROW) {
    }
    if (changes) *changes = orm_cursor_changes(c);
    orm_cursor_close(c);
    return rc < 0 ? rc : ORM_OK;
}
