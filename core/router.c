/* router.c — read replicas: round-robin choice of the connection a read
 * runs on, read-your-writes (a replica is used only once it has replayed the
 * session's last commit: PostgreSQL replay LSN, MariaDB GTID), leaving out a
 * failing replica for retry_s with one warning, and the state and lag that
 * db.replicas() shows. SQLite file replicas have no replication: they count
 * as caught up (they exist for tests). */
#include "router.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "backend.h"
#include "url.h"

typedef struct replica {
    char *url;      /* the text given (owned), to reopen */
    char *display;  /* masked (owned) */
    char tag[24];   /* "replica N" for echo and warnings */
    orm_conn *conn; /* NULL while down */
    orm_stmt_cache *cache;
    double down_until;   /* monotonic seconds; meaningful while conn is NULL */
    uint64_t caught_gen; /* the last commit generation it has replayed */
    int reading;         /* a read transaction is open on conn (orm_router_end_reads) */
} replica;

struct orm_router {
    replica *r;
    int n;
    int next; /* round-robin cursor */
    int wait_ms, retry_s;
    char *base_dir;
    char *pos;           /* the primary's position after the last writing commit */
    uint64_t gen;        /* counts writing commits with a known position */
    uint64_t waited_gen; /* the generation a wait was already spent on */
    orm_warn_fn warn;
    void *warn_ctx;
};

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void warn_stderr(void *ctx, const char *line)
{
    (void)ctx;
    fprintf(stderr, "%s\n", line);
    fflush(stderr);
}

orm_router *orm_router_new(const char *base_dir, int wait_ms, int retry_s)
{
    orm_router *r = calloc(1, sizeof *r);
    if (r == NULL) return NULL;
    r->wait_ms = wait_ms < 0 ? 500 : wait_ms;
    r->retry_s = retry_s < 0 ? 30 : retry_s;
    r->warn = warn_stderr;
    if (base_dir && (r->base_dir = strdup(base_dir)) == NULL) {
        free(r);
        return NULL;
    }
    return r;
}

static void close_replica(replica *p)
{
    p->reading = 0;
    orm_stmt_cache_free(p->cache);
    p->cache = NULL;
    orm_conn_close(p->conn);
    p->conn = NULL;
}

void orm_router_free(orm_router *r)
{
    if (r == NULL) return;
    for (int i = 0; i < r->n; i++) {
        close_replica(&r->r[i]);
        free(r->r[i].url);
        free(r->r[i].display);
    }
    free(r->r);
    free(r->base_dir);
    free(r->pos);
    free(r);
}

void orm_router_set_warn(orm_router *r, orm_warn_fn fn, void *ctx)
{
    r->warn = fn ? fn : warn_stderr;
    r->warn_ctx = ctx;
}

int orm_router_count(const orm_router *r)
{
    return r ? r->n : 0;
}

static void warn_down(orm_router *r, replica *p, const char *why)
{
    char line[1024];
    snprintf(line, sizeof line,
             "ormsh: warning: %s (%s) is unavailable, reads go elsewhere for %d s: %s", p->tag,
             p->display, r->retry_s, why && *why ? why : "unknown failure");
    r->warn(r->warn_ctx, line);
}

/* Opens p's connection (read-only). 0, or a failure with err set. */
static int open_replica(orm_router *r, replica *p, orm_error *err)
{
    orm_url url;
    if (orm_url_parse(&url, p->url, err) < 0) {
        orm_url_free(&url);
        return ORM_EFAIL;
    }
    orm_open_opts opts = {r->base_dir, 0, 1};
    int rc = orm_conn_open(&p->conn, &url, &opts, err);
    orm_url_free(&url);
    if (rc < 0) return rc;
    p->cache = orm_stmt_cache_new(p->conn, 64);
    if (p->cache == NULL) {
        close_replica(p);
        return orm_error_oom(err);
    }
    return ORM_OK;
}

int orm_router_add(orm_router *r, const char *text, orm_error *err)
{
    orm_url url;
    if (orm_url_parse(&url, text, err) < 0) {
        orm_url_free(&url);
        return ORM_EFAIL;
    }
    char *display = orm_url_masked(&url, r->base_dir);
    orm_url_free(&url);
    replica *grown = realloc(r->r, (size_t)(r->n + 1) * sizeof *grown);
    char *copy = strdup(text);
    if (!display || !grown || !copy) {
        free(display);
        free(copy);
        if (grown) r->r = grown;
        return orm_error_oom(err);
    }
    r->r = grown;
    replica *p = &r->r[r->n];
    memset(p, 0, sizeof *p);
    p->url = copy;
    p->display = display;
    snprintf(p->tag, sizeof p->tag, "replica %d", r->n + 1);
    orm_error e;
    orm_error_init(&e);
    int rc = open_replica(r, p, &e);
    if (rc < 0 && e.cls == ORM_ERR_ARGUMENT) { /* no driver for it: the user's mistake */
        orm_error_move(err, &e);
        free(p->url);
        free(p->display);
        return rc;
    }
    r->n++;
    if (rc < 0) {
        p->down_until = now_s() + r->retry_s;
        warn_down(r, p, e.message);
    }
    orm_error_clear(&e);
    return ORM_OK;
}

/* One value of a one-row statement on c, echo off. 0 or a failure. */
static int scalar(orm_conn *c, const char *sql, const orm_value *params, size_t n, orm_value *out)
{
    int echo = c->echo;
    c->echo = 0;
    orm_stmt *st = NULL;
    int rc = orm_conn_prepare(c, sql, &st);
    if (rc >= 0) rc = orm_stmt_bind_all(c, st, params, n, ORM_BIND_COPY);
    if (rc >= 0) rc = orm_stmt_step(c, st, sql, params, n);
    if (rc == ORM_ROW)
        rc = orm_stmt_value(c, st, 0, out);
    else if (rc >= 0)
        rc = orm_error_set(&c->err, ORM_ERR_ERROR, 0, "no row from %s", sql);
    if (st) orm_stmt_finalize(c, st);
    c->echo = echo;
    return rc < 0 ? rc : ORM_OK;
}

void orm_router_committed(orm_router *r, orm_conn *primary)
{
    if (r == NULL || r->n == 0) return;
    const orm_replication *rep = orm_conn_replication(primary);
    if (rep == NULL) return; /* a backend with no replication to wait for */
    const char *sql = rep->position_sql;
    orm_value v = {0};
    v.type = ORM_V_NULL;
    if (scalar(primary, sql, NULL, 0, &v) < 0 || v.type != ORM_V_TEXT || v.len == 0) {
        /* unknown position: the next reads wait for nothing they can check */
        orm_error_clear(&primary->err);
        orm_value_clear(&v);
        return;
    }
    char *pos = strndup(v.u.s, v.len);
    orm_value_clear(&v);
    if (pos == NULL) return;
    free(r->pos);
    r->pos = pos;
    r->gen++;
}

/* 1 when p has replayed r->pos, 0 when not yet, -1 when asking failed. */
static int has_replayed(orm_router *r, replica *p, double wait_s)
{
    orm_value arg[2], v;
    v.type = ORM_V_NULL;
    size_t n = 1;
    const char *sql;
    arg[0].type = ORM_V_NULL;
    if (orm_value_set_text(&arg[0], r->pos, strlen(r->pos)) < 0) return -1;
    const orm_replication *rep = orm_conn_replication(p->conn);
    if (rep == NULL) {
        orm_value_clear(&arg[0]);
        return 1;
    }
    sql = rep->replayed_sql;
    if (rep->wait_param) { /* the replica waits itself: 0 replayed, -1 timed out */
        orm_value_real(&arg[1], wait_s);
        n = 2;
    }
    int rc = scalar(p->conn, sql, arg, n, &v);
    orm_value_clear(&arg[0]);
    if (rc < 0) return -1;
    int64_t x = v.type == ORM_V_INT || v.type == ORM_V_BOOL ? v.u.i : -2;
    orm_value_clear(&v);
    if (n == 2) return x == 0;
    return x == 1;
}

void orm_router_failed(orm_router *r, int idx, const orm_error *why)
{
    assert(idx >= 0 && idx < r->n);
    replica *p = &r->r[idx];
    if (p->conn == NULL) return;
    char *msg = why && why->message ? strdup(why->message) : NULL;
    close_replica(p);
    p->down_until = now_s() + r->retry_s;
    warn_down(r, p, msg);
    free(msg);
}

/* Reopens replicas whose time out is over (silently: the warning was given). */
static void retry_down(orm_router *r, double now)
{
    for (int i = 0; i < r->n; i++) {
        replica *p = &r->r[i];
        if (p->conn || now < p->down_until) continue;
        orm_error e;
        orm_error_init(&e);
        if (open_replica(r, p, &e) < 0)
            p->down_until = now + r->retry_s;
        else
            p->caught_gen = 0;
        orm_error_clear(&e);
    }
}

/* The replica's BEGIN and its end are the router's housekeeping, not the
 * user's statements: neither echoed nor counted. */
static int quiet_tx(orm_conn *c, int (*op)(orm_conn *))
{
    int echo = c->echo;
    uint64_t n = c->nstatements;
    c->echo = 0;
    int rc = op(c);
    c->echo = echo;
    c->nstatements = n;
    return rc;
}

/* Opens p's read transaction: the reads up to the session's next flush,
 * commit, rollback or idle moment share it (and, on SQLite, its one file
 * lock and schema check instead of one per statement). */
static int begin_reads(replica *p)
{
    assert(p->conn != NULL && !p->reading);
    if (quiet_tx(p->conn, orm_conn_begin) < 0) return ORM_EFAIL;
    p->reading = 1;
    return ORM_OK;
}

void orm_router_end_reads(orm_router *r)
{
    if (r == NULL) return;
    for (int i = 0; i < r->n; i++) {
        replica *p = &r->r[i];
        if (!p->reading) continue;
        assert(p->conn != NULL);
        p->reading = 0;
        if (!orm_conn_in_transaction(p->conn)) continue; /* the server ended it */
        if (quiet_tx(p->conn, orm_conn_rollback) < 0) orm_router_failed(r, i, &p->conn->err);
    }
}

int orm_router_pick(orm_router *r, const orm_conn *primary, orm_conn **conn, orm_stmt_cache **cache)
{
    if (r == NULL || r->n == 0) return -1;
    double now = now_s(), deadline = now;
    retry_down(r, now);
    if (r->gen && r->waited_gen != r->gen) { /* one wait per commit, then checks only */
        deadline = now + r->wait_ms / 1000.0;
        r->waited_gen = r->gen;
    }
    for (;;) {
        int live = 0;
        for (int k = 0; k < r->n; k++) {
            int i = (r->next + k) % r->n;
            replica *p = &r->r[i];
            if (p->conn == NULL) continue;
            live++;
            if (r->gen && p->caught_gen != r->gen) {
                double left = deadline - now_s();
                int ok = has_replayed(r, p, left > 0 ? left : 0);
                if (ok < 0) {
                    orm_router_failed(r, i, &p->conn->err);
                    continue;
                }
                if (!ok) continue;
                p->caught_gen = r->gen;
            }
            if (!p->reading && begin_reads(p) < 0) {
                orm_router_failed(r, i, &p->conn->err);
                live--;
                continue;
            }
            r->next = (i + 1) % r->n;
            p->conn->echo = primary->echo;
            p->conn->echo_fn = primary->echo_fn;
            p->conn->echo_ctx = primary->echo_ctx;
            p->conn->echo_tag = p->tag;
            *conn = p->conn;
            *cache = p->cache;
            return i;
        }
        if (!live || now_s() >= deadline) return -1;
        struct timespec ts = {0, 5 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
}

void orm_router_info(orm_router *r, int i, orm_replica_info *out)
{
    assert(i >= 0 && i < r->n);
    replica *p = &r->r[i];
    retry_down(r, now_s());
    out->url = p->display;
    out->state = p->conn ? "up" : "down";
    out->has_lag = 0;
    out->lag_s = 0;
    if (p->conn == NULL) return;
    const orm_replication *rep = orm_conn_replication(p->conn);
    if (rep != NULL && rep->lag_sql != NULL) {
        orm_value v;
        v.type = ORM_V_NULL;
        const char *sql = rep->lag_sql;
        if (scalar(p->conn, sql, NULL, 0, &v) < 0) {
            orm_router_failed(r, i, &p->conn->err);
            out->state = "down";
            return;
        }
        if (v.type == ORM_V_REAL)
            out->lag_s = v.u.r, out->has_lag = 1;
        else if (v.type == ORM_V_INT)
            out->lag_s = (double)v.u.i, out->has_lag = 1;
        orm_value_clear(&v);
    }
}
