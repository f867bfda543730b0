/* l_shard.c — the Lua view of horizontal shards (shard.h): orm.connect's
 * shards / shard_by options, running a session call on one shard or on
 * each, session:get across shards, and a query on every shard merged in
 * ORDER BY order (offset/limit after the merge; count, sum, min, max
 * combined). The handle's conn and session point at one shard at a time
 * (shard 0 while idle); every call on a shard goes through l_shard_call,
 * which puts shard 0 back even when the call raises. */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "l_query.h"
#include "l_relation.h"
#include "l_result.h"
#include "shard.h"
#include "url.h"

#define SHARD_BY "__shard_by"

/* [-0, +1, e] The shard names of the shards table at idx, sorted. */
static void push_sorted_names(lua_State *L, int idx)
{
    idx = lua_absindex(L, idx);
    lua_newtable(L);
    int names = lua_gettop(L);
    lua_Integer n = 0;
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        if (lua_type(L, -2) != LUA_TSTRING || lua_type(L, -1) != LUA_TSTRING)
            l_error_raisef(L, ORM_ERR_ARGUMENT,
                           "shards must map shard names to database URLs (got %s = %s)",
                           luaL_typename(L, -2), luaL_typename(L, -1));
        lua_pop(L, 1);
        lua_pushvalue(L, -1);
        lua_rawseti(L, names, ++n);
    }
    if (n == 0) l_error_raisef(L, ORM_ERR_ARGUMENT, "shards must name at least one shard");
    lua_getglobal(L, "table");
    lua_getfield(L, -1, "sort");
    lua_remove(L, -2);
    lua_pushvalue(L, names);
    lua_call(L, 1, 0);
}

int l_shard_first_url(lua_State *L, int opts)
{
    if (opts == 0 || lua_getfield(L, opts, "shards") == LUA_TNIL) {
        if (opts) lua_pop(L, 1);
        return 0;
    }
    if (!lua_istable(L, -1))
        l_error_raisef(L, ORM_ERR_ARGUMENT,
                       "shards must be a table of name = database URL (got %s)",
                       luaL_typename(L, -1));
    push_sorted_names(L, -1);
    lua_rawgeti(L, -1, 1);
    lua_gettable(L, -3);
    lua_replace(L, -3);
    lua_pop(L, 1);
    return 1;
}

void l_shard_use(l_db *db, int i)
{
    assert(db->shards && i >= 0 && i < db->shards->n);
    db->conn = db->shards->v[i].conn;
    db->session = db->shards->v[i].session;
    db->shard_cur = i;
}

void l_shard_close(l_db *db)
{
    if (db->shards == NULL) return;
    l_shard_use(db, 0);
    orm_shardset_free(db->shards);
    db->shards = NULL;
}

/* [-0, +0, e] Raises err as an error of shard name. */
static int raise_named(lua_State *L, const char *name, orm_error *err)
{
    lua_pushfstring(L, "shard %s: %s", name, err->message ? err->message : "failed");
    free(err->message);
    err->message = strdup(lua_tostring(L, -1));
    lua_pop(L, 1);
    if (err->message == NULL) {
        orm_error_clear(err);
        return l_oom(L);
    }
    return l_error_raise(L, err);
}

void l_shard_attach(lua_State *L, l_db *db, int dbidx, int opts, const void *open_opts)
{
    if (opts == 0 || lua_getfield(L, opts, "shards") == LUA_TNIL) {
        if (opts) lua_pop(L, 1);
        return;
    }
    int shards = lua_gettop(L);
    push_sorted_names(L, shards);
    int names = lua_gettop(L);
    if (lua_getfield(L, opts, "shard_by") != LUA_TFUNCTION)
        l_error_raisef(L, ORM_ERR_ARGUMENT,
                       "shard_by must be a function(model_name, values) returning a shard name "
                       "(got %s)",
                       luaL_typename(L, -1));
    l_db_push_uv(L, db);
    lua_insert(L, -2);
    lua_setfield(L, -2, SHARD_BY);
    lua_pop(L, 1);
    orm_error err;
    orm_error_init(&err);
    if ((db->shards = orm_shardset_new()) == NULL) l_oom(L);
    lua_rawgeti(L, names, 1);
    if (orm_shardset_add(db->shards, lua_tostring(L, -1), db->conn, db->session, 0, &err) < 0)
        l_error_raise(L, &err);
    lua_pop(L, 1);
    lua_Integer n = (lua_Integer)lua_rawlen(L, names);
    for (lua_Integer i = 2; i <= n; i++) {
        lua_rawgeti(L, names, i);
        const char *name = lua_tostring(L, -1);
        lua_pushvalue(L, -1);
        lua_gettable(L, shards);
        orm_url url;
        orm_conn *conn = NULL;
        if (orm_url_parse(&url, lua_tostring(L, -1), &err) < 0 ||
            orm_conn_open(&conn, &url, open_opts, &err) < 0) {
            orm_url_free(&url);
            raise_named(L, name, &err);
        }
        orm_url_free(&url);
        orm_session *s = orm_session_new(conn, db->md);
        if (s == NULL) {
            orm_conn_close(conn);
            l_oom(L);
        }
        conn->echo = db->conn->echo;
        conn->echo_fn = db->conn->echo_fn;
        conn->echo_ctx = db->conn->echo_ctx;
        orm_session_hooks hooks = {l_instance_before_insert, l_instance_before_update, db};
        orm_session_set_hooks(s, &hooks);
        if (orm_shardset_add(db->shards, name, conn, s, 1, &err) < 0) {
            orm_session_free(s);
            orm_conn_close(conn);
            l_error_raise(L, &err);
        }
        lua_pop(L, 2);
    }
    (void)dbidx;
    lua_settop(L, shards - 1);
}

/* [-1, +1, m] Names shard name in the error at the top (an error object's
 * message, or a string). */
static void name_error(lua_State *L, const char *name)
{
    if (lua_istable(L, -1) && lua_getfield(L, -1, "message") == LUA_TSTRING) {
        lua_pushfstring(L, "shard %s: %s", name, lua_tostring(L, -1));
        lua_setfield(L, -3, "message");
        lua_pop(L, 1);
    } else if (lua_istable(L, -1)) {
        lua_pop(L, 1);
    } else if (lua_type(L, -1) == LUA_TSTRING) {
        lua_pushfstring(L, "shard %s: %s", name, lua_tostring(L, -1));
        lua_remove(L, -2);
    }
}

int l_shard_call(lua_State *L, l_db *db, int i, lua_CFunction f, int up, int n)
{
    int base = lua_gettop(L) - n;
    if (up) {
        lua_pushvalue(L, lua_upvalueindex(1));
        lua_pushcclosure(L, f, 1);
    } else {
        lua_pushcfunction(L, f);
    }
    lua_insert(L, base + 1);
    int prev = db->shard_cur;
    l_shard_use(db, i);
    lua_pushstring(L, db->shards->v[i].name); /* kept: the set may close meanwhile */
    lua_insert(L, base + 1);
    db->shard_busy++;
    int status = lua_pcall(L, n, LUA_MULTRET, 0);
    db->shard_busy--;
    if (db->shards) l_shard_use(db, prev);
    if (status != LUA_OK) {
        name_error(L, lua_tostring(L, base + 1));
        lua_error(L);
    }
    lua_remove(L, base + 1);
    return lua_gettop(L) - base;
}

int l_shard_each(lua_State *L, l_db *db, lua_CFunction f, int up, int n)
{
    int first = lua_gettop(L) - n + 1;
    for (int i = 0; db->shards && i < db->shards->n; i++) {
        for (int k = 0; k < n; k++)
            lua_pushvalue(L, first + k);
        int top = lua_gettop(L) - n;
        l_shard_call(L, db, i, f, up, n);
        lua_settop(L, top);
    }
    lua_settop(L, first - 1);
    return 0;
}

int l_shard_of_instance(lua_State *L, l_db *db, int idx)
{
    idx = lua_absindex(L, idx);
    orm_object *o = l_instance_check(L, idx);
    if (o->session) {
        int i = orm_shardset_of(db->shards, o->session);
        return i >= 0 ? i : 0;
    }
    l_db_push_uv(L, db);
    lua_getfield(L, -1, SHARD_BY);
    l_class_push(L, o->table);
    lua_getfield(L, -1, "__name");
    lua_remove(L, -2);
    lua_pushvalue(L, idx);
    lua_call(L, 2, 1);
    const char *name = lua_tostring(L, -1);
    int i = name && lua_type(L, -1) == LUA_TSTRING ? orm_shardset_find(db->shards, name) : -1;
    if (i < 0) {
        l_class_push(L, o->table);
        lua_getfield(L, -1, "__name");
        l_error_raisef(L, ORM_ERR_ARGUMENT, "shard_by returned %s for %s: not a shard's name",
                       luaL_tolstring(L, -3, NULL), lua_tostring(L, -1));
    }
    lua_pop(L, 2);
    return i;
}

/* ---- session:get ---- */

/* get_one(cls, pk, db): session:get on the current shard. */
static int get_one(lua_State *L)
{
    return l_session_get(L, lua_touserdata(L, 3), 1, 2);
}

int l_shard_get(lua_State *L, l_db *db, int clsidx, int pkidx, int optidx)
{
    clsidx = lua_absindex(L, clsidx);
    pkidx = lua_absindex(L, pkidx);
    int only = -1;
    if (optidx && !lua_isnoneornil(L, optidx)) {
        luaL_checktype(L, optidx, LUA_TTABLE);
        if (lua_getfield(L, optidx, "shard") != LUA_TNIL) {
            const char *name = lua_tostring(L, -1);
            only = name ? orm_shardset_find(db->shards, name) : -1;
            if (only < 0)
                return l_error_raisef(L, ORM_ERR_ARGUMENT, "get: no shard named '%s'",
                                      luaL_tolstring(L, -1, NULL));
        }
        lua_pop(L, 1);
    }
    int found = 0, top = lua_gettop(L);
    const char *where[2] = {NULL, NULL};
    for (int i = 0; i < db->shards->n; i++) {
        if (only >= 0 && i != only) continue;
        lua_pushvalue(L, clsidx);
        lua_pushvalue(L, pkidx);
        lua_pushlightuserdata(L, db);
        l_shard_call(L, db, i, get_one, 0, 3);
        if (lua_isnil(L, -1)) {
            lua_pop(L, 1);
            continue;
        }
        if (found < 2) where[found] = db->shards->v[i].name;
        found++;
    }
    if (found > 1)
        return l_error_raisef(L, ORM_ERR_MULTIPLE,
                              "get: the key is on %d shards (%s, %s%s): pass { shard = name }",
                              found, where[0], where[1], found > 2 ? ", ..." : "");
    if (found == 0) lua_pushnil(L);
    lua_settop(L, top + 1);
    return 1;
}

/* ---- relationships stay within a shard ---- */

/* rel_one(inst, decl, db [, value]): l_rel_read or l_rel_write on the
 * current shard. */
static int rel_one(lua_State *L)
{
    l_db *db = lua_touserdata(L, 3);
    if (lua_gettop(L) < 4) return l_rel_read(L, db, 1, 2);
    l_rel_write(L, db, 1, 2, 4);
    return 0;
}

int l_shard_rel(lua_State *L, l_db *db, int inst_idx, int decl_idx, int val_idx)
{
    inst_idx = lua_absindex(L, inst_idx);
    decl_idx = lua_absindex(L, decl_idx);
    if (val_idx) val_idx = lua_absindex(L, val_idx);
    orm_object *o = l_instance_test(L, inst_idx);
    orm_object *v = val_idx ? l_instance_test(L, val_idx) : NULL;
    int i = o && o->session ? orm_shardset_of(db->shards, o->session) : -1;
    if (i < 0 && v && v->session) i = orm_shardset_of(db->shards, v->session);
    if (i < 0) i = db->shard_cur;
    lua_pushvalue(L, inst_idx);
    lua_pushvalue(L, decl_idx);
    lua_pushlightuserdata(L, db);
    if (val_idx) lua_pushvalue(L, val_idx);
    return l_shard_call(L, db, i, rel_one, 0, val_idx ? 4 : 3);
}

/* ---- bulk update / delete ---- */

int l_shard_bulk(lua_State *L, l_db *db, int only, lua_CFunction f)
{
    int n = lua_gettop(L);
    lua_Integer matched = 0;
    for (int i = 0; i < db->shards->n; i++) {
        if (only && i != only - 1) continue;
        for (int k = 1; k <= n; k++)
            lua_pushvalue(L, k);
        l_shard_call(L, db, i, f, 0, n);
        matched += lua_tointeger(L, -1);
        lua_settop(L, n);
    }
    lua_pushinteger(L, matched);
    return 1;
}
