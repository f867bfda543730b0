/* l_stats.c — monitoring from Lua: db.stats() (one row per statement shape,
 * sorted by total time), db.stats_reset(), the monitoring options of
 * orm.connect (slow_ms, slow_log, nplus1) and the hook that tells core's
 * slow log which line of the user's Lua code is running. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "l_db.h"
#include "stats.h"

void l_user_where(lua_State *L, char *buf, size_t n)
{
    buf[0] = '\0';
    lua_Debug ar;
    for (int level = 0; L && lua_getstack(L, level, &ar); level++) {
        if (!lua_getinfo(L, "Sl", &ar) || ar.currentline <= 0) continue;
        snprintf(buf, n, "%s:%d", ar.short_src, ar.currentline);
        return;
    }
}

static void lua_where(void *ctx, char *buf, size_t n)
{
    l_user_where(((l_db *)ctx)->L, buf, n);
}

static const char *const columns[] = {"sql",     "calls",  "rows",   "total_ms",
                                      "mean_ms", "max_ms", "errors", NULL};

/* Milliseconds rounded to 3 decimals (microseconds). */
static void push_ms(lua_State *L, double ms)
{
    lua_pushnumber(L, (double)(long long)(ms * 1000.0 + 0.5) / 1000.0);
}

/* db.stats() -> a list of rows: sql, calls, rows, total_ms, mean_ms, max_ms, errors */
static int db_stats(lua_State *L)
{
    l_db *db = l_db_check(L, lua_upvalueindex(1));
    lua_createtable(L, 7, 0);
    int keys = lua_gettop(L);
    for (int i = 0; columns[i]; i++) {
        lua_pushstring(L, columns[i]);
        lua_rawseti(L, keys, i + 1);
    }
    l_row_shape(L, keys);
    int shape = lua_gettop(L);
    size_t n = 0;
    orm_stat_row *rows = orm_stats_rows(db->conn->stats, &n);
    l_list_new(L, (int)n);
    int list = lua_gettop(L);
    /* copy first: pushing may raise (memory) and rows must not leak */
    lua_createtable(L, (int)n, 0);
    int tmp = lua_gettop(L);
    for (size_t i = 0; i < n; i++) {
        lua_pushstring(L, rows[i].sql);
        lua_rawseti(L, tmp, (lua_Integer)i + 1);
    }
    for (size_t i = 0; i < n; i++) {
        const orm_stat_row *r = &rows[i];
        lua_rawgeti(L, tmp, (lua_Integer)i + 1);
        lua_pushinteger(L, (lua_Integer)r->calls);
        lua_pushinteger(L, (lua_Integer)r->rows);
        push_ms(L, r->total_ms);
        push_ms(L, r->calls ? r->total_ms / (double)r->calls : 0);
        push_ms(L, r->max_ms);
        lua_pushinteger(L, (lua_Integer)r->errors);
        l_row_make(L, shape, 7);
        lua_rawseti(L, list, (lua_Integer)i + 1);
    }
    free(rows);
    lua_settop(L, list);
    return 1;
}

static int db_stats_reset(lua_State *L)
{
    l_db *db = l_db_check(L, lua_upvalueindex(1));
    orm_stats_reset(db->conn->stats);
    return 0;
}

static int push_text(lua_State *L)
{
    lua_pushstring(L, lua_touserdata(L, 1));
    return 1;
}

/* db.metrics() -> the Prometheus text exposition of this handle's figures */
static int db_metrics(lua_State *L)
{
    l_db *db = l_db_check(L, lua_upvalueindex(1));
    char *s = orm_stats_prometheus(db->conn->stats);
    if (!s) return luaL_error(L, "not enough memory");
    lua_pushcfunction(L, push_text); /* protected: s is freed whatever happens */
    lua_pushlightuserdata(L, s);
    int status = lua_pcall(L, 1, 1, 0);
    free(s);
    if (status != LUA_OK) return lua_error(L);
    return 1;
}

/* [-0, +1, m] The weak-keyed table instance -> rows loaded with it, made on
 * first use (kept in the registry under the db's address). */
static void push_batches(lua_State *L, l_db *db)
{
    if (lua_rawgetp(L, LUA_REGISTRYINDEX, db) == LUA_TTABLE) return;
    lua_pop(L, 1);
    l_weak_table(L, "k");
    lua_pushvalue(L, -1);
    lua_rawsetp(L, LUA_REGISTRYINDEX, db);
}

void l_stats_mark_batch(lua_State *L, l_db *db, int list_idx)
{
    list_idx = lua_absindex(L, list_idx);
    push_batches(L, db);
    lua_Integer n = (lua_Integer)lua_rawlen(L, list_idx);
    for (lua_Integer i = 1; i <= n; i++) {
        lua_rawgeti(L, list_idx, i);
        lua_pushinteger(L, n);
        lua_rawset(L, -3);
    }
    lua_pop(L, 1);
}

void l_stats_nplus1_check(lua_State *L, l_db *db, int decl_idx, int inst_idx)
{
    inst_idx = lua_absindex(L, inst_idx);
    push_batches(L, db);
    lua_pushvalue(L, inst_idx);
    lua_Integer n = lua_rawget(L, -2) == LUA_TNUMBER ? lua_tointeger(L, -1) : 0;
    lua_pop(L, 2);
    if (n < 2) return;
    char where[256];
    l_user_where(L, where, sizeof where);
    const char *rel = luaL_tolstring(L, decl_idx, NULL);
    orm_stats_nplus1(db->conn->stats, rel);
    l_error_raisef(L, ORM_ERR_ARGUMENT,
                   "N+1 query: lazy load of %s on an object a query loaded with %d other rows "
                   "(%s; nplus1 = \"raise\"); load it eagerly: :options(db.selectinload(%s))",
                   rel, (int)(n - 1), where[0] ? where : "shell input", rel);
}

static void set_closure(lua_State *L, int uv, int dbidx, lua_CFunction f, const char *name)
{
    lua_pushvalue(L, dbidx);
    lua_pushcclosure(L, f, 1);
    lua_setfield(L, uv, name);
}

void l_stats_init_db(lua_State *L, int uv, int dbidx)
{
    l_db *db = l_db_check(L, dbidx);
    set_closure(L, uv, dbidx, db_stats, "stats");
    set_closure(L, uv, dbidx, db_stats_reset, "stats_reset");
    set_closure(L, uv, dbidx, db_metrics, "metrics");
    orm_stats_set_where(db->conn->stats, lua_where, db);
}

int l_stats_nplus1_mode(lua_State *L, int opts)
{
    if (opts == 0 || lua_getfield(L, opts, "nplus1") == LUA_TNIL) {
        if (opts) lua_pop(L, 1);
        return L_NPLUS1_WARN;
    }
    const char *s = lua_tostring(L, -1);
    int mode = !s || lua_type(L, -1) != LUA_TSTRING ? -1
               : strcmp(s, "warn") == 0             ? L_NPLUS1_WARN
               : strcmp(s, "raise") == 0            ? L_NPLUS1_RAISE
               : strcmp(s, "off") == 0              ? L_NPLUS1_OFF
                                                    : -1;
    lua_pop(L, 1);
    if (mode < 0)
        return l_error_raisef(L, ORM_ERR_ARGUMENT,
                              "nplus1 must be \"warn\", \"raise\" or \"off\" (got %s)",
                              s && lua_type(L, -1) != LUA_TNIL ? s : "a non-string");
    return mode;
}

void l_stats_configure(lua_State *L, l_db *db, int opts, const char *base_dir)
{
    if (opts == 0) return;
    int top = lua_gettop(L);
    double ms = 0;
    int t = lua_getfield(L, opts, "slow_ms");
    if (t != LUA_TNIL) {
        if (t != LUA_TNUMBER || lua_tonumber(L, -1) <= 0)
            l_error_raisef(L, ORM_ERR_ARGUMENT,
                           "slow_ms must be a number of milliseconds > 0 (got %s)",
                           t == LUA_TNUMBER ? lua_tostring(L, -1) : luaL_typename(L, -1));
        ms = lua_tonumber(L, -1);
    }
    lua_pop(L, 1);
    t = lua_getfield(L, opts, "slow_log");
    if (t != LUA_TNIL && t != LUA_TSTRING)
        l_error_raisef(L, ORM_ERR_ARGUMENT, "slow_log must be a file path (got %s)",
                       luaL_typename(L, -1));
    const char *path = lua_tostring(L, -1);
    if (path && path[0] != '/' && base_dir) {
        lua_pushfstring(L, "%s/%s", base_dir, path);
        path = lua_tostring(L, -1);
    }
    orm_error err;
    orm_error_init(&err);
    if (orm_stats_set_slow(db->conn->stats, ms, path, &err) < 0) l_error_raise(L, &err);
    lua_settop(L, top);
}
