/* l_select.c — the SQLAlchemy 2.0 style beside the query API:
 * db.select(Model | column | expr, ...) makes a statement, which is a query
 * of db.session (every query method, plus :where, an alias of :filter), run
 * by db.session:execute / :scalars / :scalar; db.paginate(stmt, { page = ,
 * per_page = }) pages it as stmt:paginate{...} does. db.select(n, ...) with
 * a number n or "#" first is Lua's own select, so a script that made
 * `select` a global for db.select keeps the builtin's meaning there. */
#include <string.h>

#include "l_query.h"

/* Lua's select(n, ...): "#" counts the rest, n > 0 returns the values from
 * the n-th on, n < 0 the last -n. [-0, +k, v] */
static int lua_builtin_select(lua_State *L)
{
    int n = lua_gettop(L);
    if (lua_type(L, 1) == LUA_TSTRING && *lua_tostring(L, 1) == '#') {
        lua_pushinteger(L, n - 1);
        return 1;
    }
    lua_Integer i = luaL_checkinteger(L, 1);
    if (i < 0)
        i = n + i;
    else if (i > n)
        i = n;
    luaL_argcheck(L, 1 <= i, 1, "index out of range");
    return n - (int)i;
}

/* db.select(entity, ...) -> a statement (a query of db.session). Upvalue 1:
 * the db handle. [-0, +1, e] */
static int db_select(lua_State *L)
{
    if (lua_type(L, 1) == LUA_TNUMBER ||
        (lua_type(L, 1) == LUA_TSTRING && strcmp(lua_tostring(L, 1), "#") == 0))
        return lua_builtin_select(L);
    l_db *db = l_db_check(L, lua_upvalueindex(1));
    if (db->session == NULL) return luaL_error(L, "the session is closed");
    if (lua_gettop(L) < 1)
        return l_error_raisef(L, ORM_ERR_ARGUMENT,
                              "db.select: a model, column or expression expected, got nothing");
    db->L = L;
    l_query_new(L, db, 1, lua_gettop(L));
    return 1;
}

/* db.paginate(stmt, { page = 2, per_page = 10 }) [-0, +1, e] */
static int db_paginate(lua_State *L)
{
    if (!l_query_is(L, 1))
        return l_error_raisef(L, ORM_ERR_ARGUMENT,
                              "db.paginate: argument 1 must be a statement made by db.select "
                              "(or a query), got %s",
                              luaL_typename(L, 1));
    return l_query_paginate(L);
}

void l_select_init_db(lua_State *L, int uv, int dbidx)
{
    uv = lua_absindex(L, uv);
    lua_pushvalue(L, dbidx);
    lua_pushcclosure(L, db_select, 1);
    lua_setfield(L, uv, "select");
}

void l_select_open(lua_State *L, int modidx)
{
    modidx = lua_absindex(L, modidx);
    lua_pushcfunction(L, db_paginate);
    lua_setfield(L, modidx, "paginate");
}
