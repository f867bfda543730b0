/* metrics.c — the metrics file and the snapshot: see metrics.h. */
#include "metrics.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <lauxlib.h>

#include "driver.h"
#include "shell.h"

static struct {
    int on;
    struct orm_conn *conn;
    char *path, *tmp; /* the metrics file and its temp file (NULL: none) */
    double interval;  /* seconds */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    char *snapshot; /* guarded by mu */
    int stopping;   /* guarded by mu */
    pthread_t writer;
    int writer_on, http_on;
} M = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};

char *sh_metrics_snapshot(void)
{
    pthread_mutex_lock(&M.mu);
    char *s = M.snapshot ? strdup(M.snapshot) : NULL;
    pthread_mutex_unlock(&M.mu);
    return s;
}

/* Main thread only (it reads the connection's statistics). */
static void publish(void *ctx, orm_stats *st)
{
    (void)ctx;
    char *s = orm_stats_prometheus(st);
    if (!s) return;
    pthread_mutex_lock(&M.mu);
    free(M.snapshot);
    M.snapshot = s;
    pthread_mutex_unlock(&M.mu);
}

void sh_metrics_publish(void)
{
    if (M.on && M.conn) publish(NULL, M.conn->stats);
}

/* Writes the snapshot to the temp file and renames it over the metrics file. */
static int write_file(char *err, size_t n)
{
    char *s = sh_metrics_snapshot();
    if (!s) return 0;
    FILE *f = fopen(M.tmp, "w");
    int ok = f && fputs(s, f) >= 0;
    if (f && fclose(f) != 0) ok = 0;
    free(s);
    if (ok && rename(M.tmp, M.path) == 0) return 0;
    if (err) snprintf(err, n, "cannot write '%s': %s", M.tmp, strerror(errno));
    unlink(M.tmp);
    return -1;
}

static void *writer(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&M.mu);
    while (!M.stopping) {
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        double whole = (double)(long)M.interval;
        until.tv_sec += (time_t)whole;
        until.tv_nsec += (long)((M.interval - whole) * 1e9);
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        int rc = 0;
        while (!M.stopping && rc != ETIMEDOUT)
            rc = pthread_cond_timedwait(&M.cv, &M.mu, &until);
        if (M.stopping) break;
        pthread_mutex_unlock(&M.mu);
        write_file(NULL, 0);
        pthread_mutex_lock(&M.mu);
    }
    pthread_mutex_unlock(&M.mu);
    return NULL;
}

static int fail(const char *key, const char *msg)
{
    fprintf(stderr, "ormsh: app.lua: %s: %s\n", key, msg);
    sh_metrics_stop();
    return SH_EXIT_FAIL;
}

int sh_metrics_start(lua_State *L, int config, const char *app_dir, struct orm_conn *conn)
{
    if (!config || !conn) return 0;
    int top = lua_gettop(L);
    char msg[512];
    M.interval = 10;
    int t = lua_getfield(L, config, "metrics_interval");
    if (t != LUA_TNIL && (t != LUA_TNUMBER || lua_tonumber(L, -1) <= 0)) {
        lua_settop(L, top);
        return fail("metrics_interval", "must be a number of seconds > 0");
    }
    if (t != LUA_TNIL) M.interval = lua_tonumber(L, -1);
    t = lua_getfield(L, config, "metrics");
    int f = lua_getfield(L, config, "metrics_listen");
    if ((t != LUA_TNIL && t != LUA_TSTRING) || (f != LUA_TNIL && f != LUA_TSTRING)) {
        lua_settop(L, top);
        return fail(t != LUA_TNIL && t != LUA_TSTRING ? "metrics" : "metrics_listen",
                    "must be a string");
    }
    if (t == LUA_TNIL && f == LUA_TNIL) {
        lua_settop(L, top);
        return 0;
    }
    M.on = 1;
    M.conn = conn;
    if (t == LUA_TSTRING) {
        const char *p = lua_tostring(L, -2);
        if (p[0] != '/' && app_dir) p = lua_pushfstring(L, "%s/%s", app_dir, p);
        M.path = strdup(p);
        M.tmp = malloc(strlen(p) + 8);
        if (M.tmp) sprintf(M.tmp, "%s.tmp", p);
    }
    char *listen = f == LUA_TSTRING ? strdup(lua_tostring(L, top + 3)) : NULL;
    lua_settop(L, top);
    if ((t == LUA_TSTRING && (!M.path || !M.tmp)) || (f == LUA_TSTRING && !listen)) {
        free(listen);
        return fail("metrics", "not enough memory");
    }
    sh_metrics_publish();
    if (M.path && write_file(msg, sizeof msg) < 0) {
        free(listen);
        return fail("metrics", msg);
    }
    if (listen) {
        int rc = sh_metrics_http_start(listen, msg, sizeof msg);
        free(listen);
        if (rc < 0) return fail("metrics_listen", msg);
        M.http_on = 1;
    }
    if (M.path) {
        if (pthread_create(&M.writer, NULL, writer, NULL) != 0)
            return fail("metrics", "cannot start the writer thread");
        M.writer_on = 1;
    }
    /* statements publish at most once a second while a script runs */
    orm_stats_set_publish(conn->stats, publish, NULL, M.interval < 1 ? M.interval : 1);
    return 0;
}

void sh_metrics_rebind(struct orm_conn *conn)
{
    if (!M.on || !conn || conn == M.conn) return;
    orm_stats_set_publish(M.conn->stats, NULL, NULL, 0);
    M.conn = conn;
    orm_stats_set_publish(conn->stats, publish, NULL, M.interval < 1 ? M.interval : 1);
    sh_metrics_publish();
}

void sh_metrics_stop(void)
{
    if (M.conn) orm_stats_set_publish(M.conn->stats, NULL, NULL, 0);
    sh_metrics_publish();
    if (M.http_on) sh_metrics_http_stop();
    if (M.writer_on) {
        pthread_mutex_lock(&M.mu);
        M.stopping = 1;
        pthread_cond_signal(&M.cv);
        pthread_mutex_unlock(&M.mu);
        pthread_join(M.writer, NULL);
    }
    if (M.on && M.path && M.writer_on) write_file(NULL, 0);
    free(M.path);
    free(M.tmp);
    free(M.snapshot);
    M.path = M.tmp = M.snapshot = NULL;
    M.on = M.writer_on = M.http_on = M.stopping = 0;
    M.conn = NULL;
}
