/* l_orm.c — the "orm" module (luaopen_orm) and the db handle it connects:
 * connection, metadata and session behind one userdata, its per-handle
 * functions (Model, Table, create_all, drop_all, transaction), echo, and the
 * hooks the ormsh program uses (orm_lua.h). */
#include <stdio.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "ddl.h"
#include "fault.h"
#include "history_table.h"
#include "l_args.h"
#include "l_db.h"
#include "shard.h"
#include "l_docs.h"
#include "l_fixtures.h"
#include "l_query.h"
#include "l_seed.h"
#include "l_relation.h"
#include "l_types.h"
#include "orm_lua.h"
#include "router.h"
#include "router_prom.h"
#include "stats.h"
#include "sandbox.h"
#include "url.h"

#define ORM_VERSION "0.1.0"

l_db *l_db_check(lua_State *L, int idx)
{
    l_db *db = luaL_checkudata(L, idx, L_MT_DB);
    if (db->conn == NULL) luaL_argerror(L, idx, "the database handle is closed");
    return db;
}

void l_db_push_uv(lua_State *L, l_db *db)
{
    lua_rawgeti(L, LUA_REGISTRYINDEX, db->uv_ref);
}

void l_weak_table(lua_State *L, const char *mode)
{
    lua_newtable(L);
    lua_createtable(L, 0, 1);
    lua_pushstring(L, mode);
    lua_setfield(L, -2, "__mode");
    l_protect_mt(L);
    lua_setmetatable(L, -2);
}

void l_protect_mt(lua_State *L)
{
    lua_pushboolean(L, 0);
    lua_setfield(L, -2, "__metatable");
}

void *orm_lua_new_box(lua_State *L, size_t size, const char *mt, lua_CFunction gc)
{
    void *p = lua_newuserdatauv(L, size, 0);
    memset(p, 0, size);
    if (luaL_newmetatable(L, mt)) {
        lua_pushcfunction(L, gc);
        lua_setfield(L, -2, "__gc");
        l_protect_mt(L);
    }
    lua_setmetatable(L, -2);
    return p;
}

void l_registry_weak_table(lua_State *L, const void *key, const char *mode)
{
    if (lua_rawgetp(L, LUA_REGISTRYINDEX, key) == LUA_TTABLE) return;
    lua_pop(L, 1);
    l_weak_table(L, mode);
    lua_pushvalue(L, -1);
    lua_rawsetp(L, LUA_REGISTRYINDEX, key);
}

static void echo_line(void *ctx, const char *line)
{
    (void)ctx;
    fprintf(stderr, "%s\n", line);
    fflush(stderr);
}

/* Closing ends the session and the connection; the metadata stays until
 * the handle is collected, since instances still point into it. */
static void db_close_conn(l_db *db)
{
    l_shard_close(db);
    if (db->replica_prom) { /* before the session frees the router it reads */
        if (db->conn) orm_stats_set_prom_extra(db->conn->stats, NULL, NULL);
        orm_replica_prom_free(db->replica_prom);
        db->replica_prom = NULL;
    }
    orm_session_free(db->session);
    db->session = NULL;
    orm_conn_close(db->conn);
    db->conn = NULL;
}

static int db_close(lua_State *L)
{
    db_close_conn(luaL_checkudata(L, 1, L_MT_DB));
    return 0;
}

static int db_gc(lua_State *L)
{
    l_db *db = luaL_checkudata(L, 1, L_MT_DB);
    db_close_conn(db);
    orm_metadata_free(db->md);
    db->md = NULL;
    free(db->free_ids);
    db->free_ids = NULL;
    db->nfree = db->capfree = 0;
    if (db->uv_ref != LUA_NOREF) {
        luaL_unref(L, LUA_REGISTRYINDEX, db->uv_ref);
        luaL_unref(L, LUA_REGISTRYINDEX, db->cache_ref);
        db->uv_ref = db->cache_ref = LUA_NOREF;
    }
    for (int i = 0; i < 2; i++) {
        luaL_unref(L, LUA_REGISTRYINDEX, db->query_mt_ref[i]);
        db->query_mt_ref[i] = LUA_NOREF;
    }
    return 0;
}

/* db.x: per-handle fields first, then the module's shared ones. */
static int db_index(lua_State *L)
{
    l_db *db = luaL_checkudata(L, 1, L_MT_DB);
    if (db->uv_ref != LUA_NOREF) {
        l_db_push_uv(L, db);
        lua_pushvalue(L, 2);
        if (lua_rawget(L, -2) != LUA_TNIL) return 1;
    }
    if (db->conn && lua_type(L, 2) == LUA_TSTRING &&
        strcmp(lua_tostring(L, 2), "statements") == 0) {
        lua_pushinteger(L, (lua_Integer)db->conn->nstatements); /* statements run so far */
        return 1;
    }
    lua_pushvalue(L, 2);
    lua_gettable(L, lua_upvalueindex(1));
    return 1;
}

static int db_newindex(lua_State *L)
{
    l_db *db = l_db_check(L, 1);
    const char *key = luaL_checkstring(L, 2);
    if (strcmp(key, "echo") != 0)
        return l_error_raisef(L, ORM_ERR_ARGUMENT, "db.%s cannot be assigned (only db.echo)", key);
    db->conn->echo = lua_toboolean(L, 3);
    for (int i = 0; db->shards && i < db->shards->n; i++)
        db->shards->v[i].conn->echo = db->conn->echo;
    l_db_push_uv(L, db);
    lua_pushboolean(L, db->conn->echo);
    lua_setfield(L, -2, "echo");
    return 0;
}

/* Names for Tab completion after "db.": per-handle functions and fields,
 * then the module's (types, Column, func, errors, ...). [-0, +1, m] */
static int db_complete(lua_State *L)
{
    l_db *db = luaL_checkudata(L, 1, L_MT_DB);
    static const char *const hidden[] = {L_DB_MODELS, L_DB_ORDER, L_DB_CACHE, L_DB_RELSTATE, NULL};
    lua_newtable(L);
    int out = lua_gettop(L), n = 0;
    for (int pass = 0; pass < 2; pass++) {
        if (pass == 0 && db->uv_ref != LUA_NOREF)
            l_db_push_uv(L, db);
        else if (pass == 1)
            lua_pushvalue(L, lua_upvalueindex(1));
        else
            continue;
        int t = lua_gettop(L);
        lua_pushnil(L);
        while (lua_next(L, t)) {
            lua_pop(L, 1);
            if (lua_type(L, -1) != LUA_TSTRING) continue;
            const char *k = lua_tostring(L, -1);
            int skip = strncmp(k, "__", 2) == 0;
            for (int i = 0; hidden[i] && !skip; i++)
                skip = strcmp(k, hidden[i]) == 0;
            if (skip) continue;
            lua_pushvalue(L, -1);
            lua_rawseti(L, out, ++n);
        }
        lua_pop(L, 1);
    }
    return 1;
}

static int db_tostring(lua_State *L)
{
    l_db *db = luaL_checkudata(L, 1, L_MT_DB);
    if (db->conn == NULL) {
        lua_pushliteral(L, "<Database (closed)>");
        return 1;
    }
    l_db_push_uv(L, db);
    lua_getfield(L, -1, "url");
    lua_pushfstring(L, "<Database %s>", lua_tostring(L, -1));
    return 1;
}

static int db_create_all(lua_State *L)
{
    l_db *db = l_db_check(L, lua_upvalueindex(1));
    if (l_shard_fanout(db)) return l_shard_each(L, db, db_create_all, 1, lua_gettop(L));
    orm_error err;
    orm_error_init(&err);
    orm_session_end_streams(db->session); /* loops a break left: DDL would be blocked */
    orm_session_end_idle(db->session);
    if (orm_metadata_check_fks(db->md, &err) < 0 || orm_ddl_create_all(db->conn, db->md, &err) < 0)
        return l_error_raise(L, &err);
    /* a history table that was there already must have the right shape */
    for (int i = 0; i < db->md->ntables; i++)
        if (db->md->tables[i]->history && orm_history_check(db->conn, db->md->tables[i], &err) < 0)
            return l_error_raise(L, &err);
    return 0;
}

static int db_drop_all(lua_State *L)
{
    l_db *db = l_db_check(L, lua_upvalueindex(1));
    if (l_shard_fanout(db)) return l_shard_each(L, db, db_drop_all, 1, lua_gettop(L));
    orm_error err;
    orm_error_init(&err);
    orm_session_end_streams(db->session); /* loops a break left: DDL would be blocked */
    orm_session_end_idle(db->session);
    if (orm_ddl_drop_all(db->conn, db->md, &err) < 0) return l_error_raise(L, &err);
    return 0;
}

/* db.transaction(fn): commit on success; rollback and re-raise on error. */
static int db_transaction(lua_State *L)
{
    l_db *db = l_db_check(L, lua_upvalueindex(1));
    if (!lua_isfunction(L, 1)) l_arg_error(L, 1, "db.transaction(fn, ...)", "fn", "a function");
    int nargs = lua_gettop(L) - 1;
    int base = 1;
    if (l_shard_fanout(db)) { /* session:commit() / :rollback() on every shard */
        l_db_push_uv(L, db);
        lua_getfield(L, -1, L_DB_SESSION);
        lua_replace(L, -2);
        lua_insert(L, 1);
        int st = lua_pcall(L, nargs, LUA_MULTRET, 0);
        lua_getfield(L, 1, st == LUA_OK ? "commit" : "rollback");
        lua_pushvalue(L, 1);
        if (st != LUA_OK) {
            lua_pcall(L, 1, 0, 0); /* the first error wins */
            lua_settop(L, 2);
            return lua_error(L);
        }
        if (lua_pcall(L, 1, 0, 0) != LUA_OK) {
            lua_getfield(L, 1, "rollback");
            lua_pushvalue(L, 1);
            lua_pcall(L, 1, 0, 0);
            lua_pop(L, 1);
            return lua_error(L);
        }
        return lua_gettop(L) - 1;
    }
    if (lua_pcall(L, nargs, LUA_MULTRET, 0) != LUA_OK) {
        db->L = L;
        orm_session_rollback(db->session);
        l_rel_forget(L, db);
        return lua_error(L);
    }
    db->L = L;
    if (orm_session_commit(db->session) < 0) return l_db_raise_session_rolled_back(L, db);
    return lua_gettop(L) - base + 1;
}

static void set_closure(lua_State *L, int uv, int dbidx, lua_CFunction f, const char *name)
{
    lua_pushvalue(L, dbidx);
    lua_pushcclosure(L, f, 1);
    lua_setfield(L, uv, name);
}

static int db_replicas(lua_State *L);

/* Fills the db's user value table. [-0, +0, m] */
static void init_uv(lua_State *L, l_db *db, int dbidx, const char *url)
{
    lua_newtable(L);
    int uv = lua_gettop(L);
    lua_pushstring(L, url);
    lua_setfield(L, uv, "url");
    lua_pushboolean(L, db->conn->echo);
    lua_setfield(L, uv, "echo");
    lua_newtable(L);
    lua_setfield(L, uv, L_DB_MODELS);
    lua_newtable(L);
    lua_setfield(L, uv, L_DB_ORDER);
    lua_newtable(L); /* the object cache: chunks of weak values (l_instance.c) */
    lua_createtable(L, 0, 1);
    lua_pushliteral(L, "v");
    lua_setfield(L, -2, "__mode");
    l_protect_mt(L);
    lua_setfield(L, -2, "__chunkmt");
    lua_pushvalue(L, -1);
    db->cache_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    lua_setfield(L, uv, L_DB_CACHE);
    l_weak_table(L, "k"); /* loaded relationships, weak by instance */
    lua_setfield(L, uv, L_DB_RELSTATE);
    set_closure(L, uv, dbidx, l_model_define, "Model");
    set_closure(L, uv, dbidx, l_table_define, "Table");
    set_closure(L, uv, dbidx, db_create_all, "create_all");
    set_closure(L, uv, dbidx, db_drop_all, "drop_all");
    set_closure(L, uv, dbidx, db_transaction, "transaction");
    set_closure(L, uv, dbidx, db_replicas, "replicas");
    l_reflect_register(L, uv, dbidx);
    set_closure(L, uv, dbidx, l_seed_run, "seed");
    set_closure(L, uv, dbidx, l_upsert, "upsert");
    set_closure(L, uv, dbidx, l_fixtures_dump, "dump");
    set_closure(L, uv, dbidx, l_fixtures_load, "load");
    l_select_init_db(L, uv, dbidx);
    l_stats_init_db(L, uv, dbidx);
    l_audit_push(L, dbidx);
    lua_setfield(L, uv, "audit");
    set_closure(L, uv, dbidx, l_sandbox_checkpoint, "checkpoint");
    set_closure(L, uv, dbidx, l_sandbox_restore, "restore");
    lua_pushboolean(L, orm_sandbox_active(db->conn));
    lua_setfield(L, uv, "sandbox");
    lua_pushvalue(L, uv);
    db->uv_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    l_session_push_new(L, db, dbidx);
    lua_setfield(L, uv, L_DB_SESSION);
    lua_pop(L, 1);
}

/* Reads opts.replicas / replica_wait_ms / replica_retry_s (the options
 * table at index opts; 0: none) into a router the session then owns. [-0, +0, e] */
static void attach_replicas(lua_State *L, l_db *db, int opts, const char *base_dir)
{
    if (opts == 0) return;
    if (lua_getfield(L, opts, "replicas") == LUA_TNIL) {
        lua_pop(L, 1);
        return;
    }
    int list = lua_gettop(L);
    if (!lua_istable(L, list))
        l_error_raisef(L, ORM_ERR_ARGUMENT, "replicas must be a list of database URLs (got %s)",
                       luaL_typename(L, list));
    lua_getfield(L, opts, "replica_wait_ms");
    lua_getfield(L, opts, "replica_retry_s");
    int isnum1, isnum2;
    lua_Integer wait = lua_tointegerx(L, -2, &isnum1), retry = lua_tointegerx(L, -1, &isnum2);
    if ((!isnum1 && !lua_isnil(L, -2)) || (isnum1 && wait < 0))
        l_error_raisef(L, ORM_ERR_ARGUMENT, "replica_wait_ms must be a whole number >= 0");
    if ((!isnum2 && !lua_isnil(L, -1)) || (isnum2 && retry < 0))
        l_error_raisef(L, ORM_ERR_ARGUMENT, "replica_retry_s must be a whole number >= 0");
    lua_pop(L, 2);
    orm_router *r = orm_router_new(base_dir, isnum1 ? (int)wait : -1, isnum2 ? (int)retry : -1);
    if (r == NULL) luaL_error(L, "not enough memory");
    orm_session_set_router(db->session, r); /* owned from here, also on errors below */
    if ((db->replica_prom = orm_replica_prom_new(r)) == NULL) luaL_error(L, "not enough memory");
    orm_stats_set_prom_extra(db->conn->stats, orm_replica_prom_write, db->replica_prom);
    lua_Integer n = (lua_Integer)lua_rawlen(L, list);
    for (lua_Integer i = 1; i <= n; i++) {
        lua_rawgeti(L, list, i);
        if (lua_type(L, -1) != LUA_TSTRING)
            l_error_raisef(L, ORM_ERR_ARGUMENT,
                           "replicas[%d] must be a database URL string (got %s)", (int)i,
                           luaL_typename(L, -1));
        orm_error err;
        orm_error_init(&err);
        if (orm_router_add(r, lua_tostring(L, -1), &err) < 0) l_error_raise(L, &err);
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
}

/* db.replicas(): { { url =, state = "up"|"down", lag = seconds|nil }, ... } */
static int db_replicas(lua_State *L)
{
    l_db *db = l_db_check(L, lua_upvalueindex(1));
    orm_router *r = orm_session_router(db->session);
    int n = orm_router_count(r);
    lua_createtable(L, n, 0);
    for (int i = 0; i < n; i++) {
        orm_replica_info info;
        orm_router_info(r, i, &info);
        lua_createtable(L, 0, 3);
        lua_pushstring(L, info.url);
        lua_setfield(L, -2, "url");
        lua_pushstring(L, info.state);
        lua_setfield(L, -2, "state");
        if (info.has_lag) {
            lua_pushnumber(L, info.lag_s);
            lua_setfield(L, -2, "lag");
        }
        lua_rawseti(L, -2, i + 1);
    }
    return 1;
}

/* orm._fault(kind, n) -> fired: test-only fault injection. kind "alloc"
 * fails the n-th following allocation of ormsh's own code, "call" the n-th
 * following driver call (n 0: disarm). Returns whether the fault armed
 * before (of that kind) happened. [-0, +1, v] */
static int orm_fault(lua_State *L)
{
    const char *kind = luaL_checkstring(L, 1);
    long n = (long)luaL_optinteger(L, 2, 0);
    int alloc = strcmp(kind, "alloc") == 0;
    if (!alloc && strcmp(kind, "call") != 0)
        return l_error_raisef(L, ORM_ERR_ARGUMENT,
                              "orm._fault: kind \"alloc\" or \"call\" expected, got \"%s\"", kind);
    lua_pushboolean(L, alloc ? orm_fault_alloc_fired() : orm_driver_fail_fired());
    if (alloc)
        orm_fault_alloc_after(n);
    else
        orm_driver_fail_after(n);
    return 1;
}

/* orm.connect(url [, { base_dir = dir, busy_timeout = ms, echo = bool, audit = bool,
 * read_only = bool, replicas = { url, ... }, replica_wait_ms = ms,
 * replica_retry_s = s, sandbox = bool }]) [-0, +1, e]; sandbox: nothing done on the
 * connection survives it (sandbox.h). */
static int orm_connect(lua_State *L)
{
    if (lua_istable(L, 2) && l_shard_first_url(L, 2)) /* shard 0 is the handle's own */
        lua_replace(L, 1);
    const char *text = luaL_checkstring(L, 1);
    orm_open_opts opts = {NULL, 0, 0};
    int echo = 0, audit = 0, sandbox = 0;
    if (!lua_isnoneornil(L, 2)) {
        luaL_checktype(L, 2, LUA_TTABLE);
        lua_getfield(L, 2, "base_dir");
        opts.base_dir = luaL_optstring(L, -1, NULL);
        if (lua_getfield(L, 2, "busy_timeout") != LUA_TNIL) {
            int isint;
            lua_Integer ms = lua_tointegerx(L, -1, &isint);
            if (!isint || lua_type(L, -1) != LUA_TNUMBER || ms < 0 || ms > INT_MAX)
                return l_error_raisef(L, ORM_ERR_ARGUMENT,
                                      "busy_timeout must be a whole number of milliseconds "
                                      "(0 or more), got %s",
                                      luaL_tolstring(L, -1, NULL));
            opts.busy_timeout_ms = (int)ms;
        }
        lua_getfield(L, 2, "echo");
        echo = lua_toboolean(L, -1);
        lua_pop(L, 1); /* base_dir string stays referenced on the stack */
        lua_getfield(L, 2, "audit");
        audit = lua_toboolean(L, -1);
        lua_pop(L, 1);
        lua_getfield(L, 2, "read_only");
        opts.read_only = lua_toboolean(L, -1);
        lua_pop(L, 1);
        lua_getfield(L, 2, "sandbox");
        sandbox = lua_toboolean(L, -1);
        lua_pop(L, 1);
    }
    l_db *db = lua_newuserdatauv(L, sizeof *db, 0);
    memset(db, 0, sizeof *db);
    db->uv_ref = db->cache_ref = LUA_NOREF;
    db->query_mt_ref[0] = db->query_mt_ref[1] = LUA_NOREF;
    luaL_setmetatable(L, L_MT_DB);
    int dbidx = lua_gettop(L);

    orm_error err;
    orm_error_init(&err);
    orm_url url;
    if (orm_url_parse(&url, text, &err) < 0) {
        orm_url_free(&url);
        return l_error_raise(L, &err);
    }
    char *masked = orm_url_masked(&url, opts.base_dir);
    int rc = masked ? orm_conn_open(&db->conn, &url, &opts, &err) : orm_error_oom(&err);
    orm_url_free(&url);
    if (rc == ORM_OK && sandbox && orm_sandbox_enter(db->conn) < 0) {
        orm_error_move(&err, &db->conn->err);
        rc = ORM_EFAIL;
    }
    if (rc < 0) {
        free(masked);
        if (db->conn) db_close_conn(db);
        return l_error_raise(L, &err);
    }
    lua_pushstring(L, masked);
    free(masked);
    db->md = orm_metadata_new();
    db->session = db->md ? orm_session_new(db->conn, db->md) : NULL;
    if (db->session == NULL) {
        db_close_conn(db);
        return l_oom(L);
    }
    db->conn->echo = echo;
    db->conn->echo_fn = echo_line;
    orm_session_hooks hooks = {l_instance_before_insert, l_instance_before_update, db};
    orm_session_set_hooks(db->session, &hooks);
    init_uv(L, db, dbidx, lua_tostring(L, -1));
    int opts_idx = lua_istable(L, 2) ? 2 : 0;
    l_stats_configure(L, db, opts_idx, opts.base_dir);
    db->nplus1 = l_stats_nplus1_mode(L, opts_idx);
    lua_settop(L, dbidx);
    attach_replicas(L, db, lua_istable(L, 2) && dbidx > 2 ? 2 : 0, opts.base_dir);
    lua_settop(L, dbidx);
    l_shard_attach(L, db, dbidx, lua_istable(L, 2) && dbidx > 2 ? 2 : 0, &opts);
    lua_settop(L, dbidx);
    if (audit && orm_audit_enable(db->session, db->md, &err) < 0) return l_error_raise(L, &err);
    return 1;
}

/* ---- the ormsh program's hooks (orm_lua.h) ---- */

static l_db *test_db(lua_State *L, int idx)
{
    l_db *db = luaL_testudata(L, idx, L_MT_DB);
    return db && db->conn ? db : NULL;
}

int orm_lua_pending_changes(lua_State *L, int idx)
{
    l_db *db = test_db(L, idx);
    if (db && db->shards) {
        int n = 0;
        for (int i = 0; i < db->shards->n; i++)
            n += (int)orm_session_pending_count(db->shards->v[i].session);
        return n;
    }
    return db ? (int)orm_session_pending_count(db->session) : 0;
}

void orm_lua_end_idle(lua_State *L, int idx)
{
    l_db *db = test_db(L, idx);
    for (int i = 0; db && db->shards && i < db->shards->n; i++)
        orm_session_end_idle(db->shards->v[i].session);
    if (db) orm_session_end_idle(db->session);
}

int orm_lua_rollback_all(lua_State *L, int idx)
{
    l_db *db = test_db(L, idx);
    if (db == NULL) return 0;
    int n = orm_lua_pending_changes(L, idx);
    db->L = L;
    for (int i = 0; db->shards && i < db->shards->n; i++)
        orm_session_rollback(db->shards->v[i].session);
    orm_session_rollback(db->session);
    l_rel_forget(L, db);
    return n;
}

static void count_kind(void *ctx, orm_object *o, char kind)
{
    int *counts = ctx;
    (void)o;
    counts[kind == 'n' ? 0 : kind == 'd' ? 1 : 2]++;
}

void orm_lua_pending_kinds(lua_State *L, int idx, int counts[3])
{
    l_db *db = test_db(L, idx);
    counts[0] = counts[1] = counts[2] = 0;
    for (int i = 0; db && db->shards && i < db->shards->n; i++)
        if (i != db->shard_cur)
            orm_session_each_pending(db->shards->v[i].session, count_kind, counts);
    if (db) orm_session_each_pending(db->session, count_kind, counts);
}

struct orm_conn *orm_lua_conn(lua_State *L, int idx)
{
    l_db *db = test_db(L, idx);
    return db ? db->conn : NULL;
}

int orm_lua_shard_count(lua_State *L, int idx)
{
    l_db *db = test_db(L, idx);
    return db && db->shards ? db->shards->n : 0;
}

const char *orm_lua_shard_pin(lua_State *L, int idx, int i)
{
    l_db *db = test_db(L, idx);
    if (db == NULL || db->shards == NULL) return NULL;
    if (i < 0) {
        db->shard_busy = 0;
        l_shard_use(db, 0);
        return NULL;
    }
    l_shard_use(db, i);
    db->shard_busy = 1;
    return db->shards->v[i].name;
}

void orm_lua_push_model_names(lua_State *L, int idx)
{
    l_db *db = test_db(L, idx);
    lua_newtable(L);
    if (db == NULL) return;
    l_db_push_uv(L, db);
    lua_getfield(L, -1, L_DB_ORDER);
    lua_Integer n = (lua_Integer)lua_rawlen(L, -1);
    for (lua_Integer i = 1; i <= n; i++) {
        lua_rawgeti(L, -1, i);
        lua_rawseti(L, -4, i);
    }
    lua_pop(L, 2);
}

/* ---- module ---- */

__attribute__((visibility("default"))) int luaopen_orm(lua_State *L)
{
    l_error_init(L);
    lua_newtable(L);
    int mod = lua_gettop(L);
    l_error_export(L, mod);
    l_expr_open(L, mod);
    l_hint_open(L);
    l_types_open(L, mod);
    l_result_open(L);
    l_relation_open(L, mod);
    l_session_open(L);
    l_query_open(L);
    l_select_open(L, mod);
    l_migrate_open(L, mod);
    lua_pushliteral(L, ORM_VERSION);
    lua_setfield(L, mod, "VERSION");
    lua_pushcfunction(L, orm_connect);
    lua_setfield(L, mod, "connect");
    lua_pushcfunction(L, orm_fault);
    lua_setfield(L, mod, "_fault");
    if (luaL_newmetatable(L, L_MT_DB)) {
        l_protect_mt(L);
        lua_pushvalue(L, mod);
        lua_pushcclosure(L, db_index, 1);
        lua_setfield(L, -2, "__index");
        lua_pushcfunction(L, db_newindex);
        lua_setfield(L, -2, "__newindex");
        lua_pushcfunction(L, db_gc);
        lua_setfield(L, -2, "__gc");
        lua_pushcfunction(L, db_close);
        lua_setfield(L, -2, "__close");
        lua_pushcfunction(L, db_tostring);
        lua_setfield(L, -2, "__tostring");
        lua_pushvalue(L, mod);
        lua_pushcclosure(L, db_complete, 1);
        lua_setfield(L, -2, "__complete");
    }
    lua_pop(L, 1);
    lua_settop(L, mod);
    return 1;
}
