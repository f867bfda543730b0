/* l_result.c — what queries and raw SQL hand back: lists that print as
 * [<A>, <B>], rows readable by name and position that print as ("a", 2),
 * Results (iteration, all, first, one, scalar, scalars, keys, rowcount),
 * the box that owns an open core cursor while Lua runs, and the protected
 * call that row loops run in with the collector paused. */
#include <stdio.h>
#include <string.h>

#include "l_db.h"
#include "l_result.h"

/* ---- repr ---- */

void l_repr(lua_State *L, int idx)
{
    idx = lua_absindex(L, idx);
    if (lua_type(L, idx) == LUA_TSTRING) {
        /* "text" with quotes and control characters escaped */
        size_t n;
        const char *s = lua_tolstring(L, idx, &n);
        luaL_Buffer b;
        luaL_buffinit(L, &b);
        luaL_addchar(&b, '"');
        for (size_t i = 0; i < n; i++) {
            unsigned char c = (unsigned char)s[i];
            if (c == '"' || c == '\\') {
                luaL_addchar(&b, '\\');
                luaL_addchar(&b, (char)c);
            } else if (c == '\n') {
                luaL_addstring(&b, "\\n");
            } else if (c < 32 || c == 127) {
                char esc[8];
                snprintf(esc, sizeof esc, "\\%d", c);
                luaL_addstring(&b, esc);
            } else {
                luaL_addchar(&b, (char)c);
            }
        }
        luaL_addchar(&b, '"');
        luaL_pushresult(&b);
        return;
    }
    luaL_tolstring(L, idx, NULL);
}

/* ---- lists ---- */

/* [-0, +1, m] open, the reprs of items 1..n of the table at index 1
 * separated by ", ", close: how lists and rows print. */
static int push_items(lua_State *L, lua_Integer n, char open, char close)
{
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    luaL_addchar(&b, open);
    for (lua_Integer i = 1; i <= n; i++) {
        if (i > 1) luaL_addstring(&b, ", ");
        lua_rawgeti(L, 1, i);
        l_repr(L, -1);
        lua_remove(L, -2);
        luaL_addvalue(&b);
    }
    luaL_addchar(&b, close);
    luaL_pushresult(&b);
    return 1;
}

static int list_tostring(lua_State *L)
{
    return push_items(L, (lua_Integer)lua_rawlen(L, 1), '[', ']');
}

void l_list_new(lua_State *L, int narr)
{
    lua_createtable(L, narr, 0);
    luaL_setmetatable(L, L_MT_LIST);
}

/* ---- rows ---- */

/* A shape is the metatable shared by the rows of one result: __keys maps a
 * name to its position, __n is the width. */
static int row_index(lua_State *L)
{
    if (lua_type(L, 2) != LUA_TSTRING) return 0;
    lua_getmetatable(L, 1);
    lua_getfield(L, -1, "__keys");
    lua_pushvalue(L, 2);
    if (lua_rawget(L, -2) == LUA_TNUMBER) {
        lua_rawgeti(L, 1, lua_tointeger(L, -1));
        return 1;
    }
    lua_getfield(L, -3, "__names");
    lua_pushfstring(L, "row has no column '%s'", lua_tostring(L, 2));
    return l_error_raisef(L, ORM_ERR_DATA, "%s (columns: %s)", lua_tostring(L, -1),
                          lua_tostring(L, -2));
}

static lua_Integer row_width(lua_State *L, int idx)
{
    lua_getmetatable(L, idx);
    lua_getfield(L, -1, "__n");
    lua_Integer n = lua_tointeger(L, -1);
    lua_pop(L, 2);
    return n;
}

static int row_len(lua_State *L)
{
    lua_pushinteger(L, row_width(L, 1));
    return 1;
}

static int row_tostring(lua_State *L)
{
    return push_items(L, row_width(L, 1), '(', ')');
}

void l_row_shape(lua_State *L, int names_idx)
{
    names_idx = lua_absindex(L, names_idx);
    lua_Integer n = (lua_Integer)lua_rawlen(L, names_idx);
    lua_createtable(L, 0, 8);
    lua_newtable(L); /* __keys: name -> position */
    for (lua_Integer i = 1; i <= n; i++) {
        if (lua_rawgeti(L, names_idx, i) == LUA_TSTRING) {
            lua_pushinteger(L, i);
            lua_rawset(L, -3);
        } else {
            lua_pop(L, 1);
        }
    }
    /* __names: "a, b, c". Nothing else is pushed while the buffer is open
     * (a long buffer lives on the stack). */
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    for (lua_Integer i = 1; i <= n; i++) {
        if (lua_rawgeti(L, names_idx, i) == LUA_TSTRING) {
            luaL_addvalue(&b);
            if (i < n) luaL_addstring(&b, ", ");
        } else {
            lua_pop(L, 1);
        }
    }
    luaL_pushresult(&b);
    lua_setfield(L, -3, "__names");
    lua_setfield(L, -2, "__keys");
    lua_pushinteger(L, n);
    lua_setfield(L, -2, "__n");
    lua_pushcfunction(L, row_index);
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, row_len);
    lua_setfield(L, -2, "__len");
    lua_pushcfunction(L, row_tostring);
    lua_setfield(L, -2, "__tostring");
    lua_pushliteral(L, "Row");
    lua_setfield(L, -2, "__name");
    l_protect_mt(L);
}

void l_row_make(lua_State *L, int shape_idx, int n)
{
    shape_idx = lua_absindex(L, shape_idx);
    lua_createtable(L, n, 0);
    lua_insert(L, -n - 1);
    for (int i = n; i >= 1; i--)
        lua_rawseti(L, -i - 1, i);
    lua_pushvalue(L, shape_idx);
    lua_setmetatable(L, -2);
}

/* ---- results ---- */
/* A Result is a table { rows = list, keys = list, rowcount = n, pos = 0 }
 * with metatable L_MT_RESULT. */

static int result_rows(lua_State *L)
{
    luaL_checkudata(L, 1, L_MT_RESULT);
    lua_getiuservalue(L, 1, 1);
    lua_getfield(L, -1, "rows");
    lua_remove(L, -2);
    return lua_gettop(L);
}

static int r_all(lua_State *L)
{
    int rows = result_rows(L);
    lua_Integer n = (lua_Integer)lua_rawlen(L, rows);
    l_list_new(L, (int)n);
    for (lua_Integer i = 1; i <= n; i++) {
        lua_rawgeti(L, rows, i);
        lua_rawseti(L, -2, i);
    }
    return 1;
}

static int r_first(lua_State *L)
{
    int rows = result_rows(L);
    lua_rawgeti(L, rows, 1);
    return 1;
}

static int r_one(lua_State *L)
{
    int rows = result_rows(L);
    lua_Integer n = (lua_Integer)lua_rawlen(L, rows);
    if (n == 0)
        return l_error_raisef(L, ORM_ERR_NORESULT, "No row was found when one was required");
    if (n > 1)
        return l_error_raisef(L, ORM_ERR_MULTIPLE,
                              "Multiple rows were found when exactly one was required");
    lua_rawgeti(L, rows, 1);
    return 1;
}

static int r_one_or_none(lua_State *L)
{
    int rows = result_rows(L);
    if (lua_rawlen(L, rows) > 1)
        return l_error_raisef(L, ORM_ERR_MULTIPLE,
                              "Multiple rows were found when one or none was required");
    lua_rawgeti(L, rows, 1);
    return 1;
}

static void push_first_column(lua_State *L, int row)
{
    if (lua_istable(L, row))
        lua_rawgeti(L, row, 1);
    else
        lua_pushvalue(L, row);
}

static int r_scalar(lua_State *L)
{
    int rows = result_rows(L);
    if (lua_rawgeti(L, rows, 1) == LUA_TNIL) return 1;
    push_first_column(L, lua_gettop(L));
    return 1;
}

/* scalar_one() / scalar_one_or_none(): the first column of the only row. */
static int r_scalar_one(lua_State *L)
{
    r_one(L);
    push_first_column(L, lua_gettop(L));
    return 1;
}

static int r_scalar_one_or_none(lua_State *L)
{
    r_one_or_none(L);
    if (!lua_isnil(L, -1)) push_first_column(L, lua_gettop(L));
    return 1;
}

static int r_scalars(lua_State *L)
{
    int rows = result_rows(L);
    lua_Integer n = (lua_Integer)lua_rawlen(L, rows);
    l_scalars_new(L, (int)n);
    for (lua_Integer i = 1; i <= n; i++) {
        lua_rawgeti(L, rows, i);
        push_first_column(L, lua_gettop(L));
        lua_rawseti(L, -3, i);
        lua_pop(L, 1);
    }
    return 1;
}

static int r_keys(lua_State *L)
{
    luaL_checkudata(L, 1, L_MT_RESULT);
    lua_getiuservalue(L, 1, 1);
    lua_getfield(L, -1, "keys");
    lua_Integer n = (lua_Integer)lua_rawlen(L, -1);
    l_list_new(L, (int)n);
    for (lua_Integer i = 1; i <= n; i++) {
        lua_rawgeti(L, -2, i);
        lua_rawseti(L, -2, i);
    }
    return 1;
}

/* for row in result do: the control variable is nil on the first call. */
static int r_call(lua_State *L)
{
    luaL_checkudata(L, 1, L_MT_RESULT);
    lua_getiuservalue(L, 1, 1);
    int uv = lua_gettop(L);
    lua_Integer pos = 0;
    if (!lua_isnoneornil(L, 3)) {
        lua_getfield(L, uv, "pos");
        pos = lua_tointeger(L, -1);
    }
    lua_getfield(L, uv, "rows");
    lua_rawgeti(L, -1, ++pos);
    lua_pushinteger(L, lua_isnil(L, -1) ? 0 : pos);
    lua_setfield(L, uv, "pos");
    return 1;
}

static int r_index(lua_State *L)
{
    const char *key = luaL_checkstring(L, 2);
    if (strcmp(key, "rowcount") == 0) {
        lua_getiuservalue(L, 1, 1);
        lua_getfield(L, -1, "rowcount");
        return 1;
    }
    lua_pushvalue(L, 2);
    if (lua_rawget(L, lua_upvalueindex(1)) != LUA_TNIL) return 1;
    return l_error_raisef(L, ORM_ERR_DATA, "Result has no attribute '%s'", key);
}

static int r_len(lua_State *L)
{
    int rows = result_rows(L);
    lua_pushinteger(L, (lua_Integer)lua_rawlen(L, rows));
    return 1;
}

static int r_tostring(lua_State *L)
{
    int rows = result_rows(L);
    lua_pushfstring(L, "<Result %d rows>", (int)lua_rawlen(L, rows));
    return 1;
}

void l_result_new(lua_State *L, int keys_idx, lua_Integer rowcount)
{
    keys_idx = lua_absindex(L, keys_idx);
    lua_newuserdatauv(L, 1, 1);
    luaL_setmetatable(L, L_MT_RESULT);
    lua_createtable(L, 0, 4);
    lua_pushvalue(L, -3);
    lua_setfield(L, -2, "rows");
    lua_pushvalue(L, keys_idx);
    lua_setfield(L, -2, "keys");
    lua_pushinteger(L, rowcount);
    lua_setfield(L, -2, "rowcount");
    lua_setiuservalue(L, -2, 1);
    lua_remove(L, -2);
}

/* ---- cursor box ---- */

static int cursor_gc(lua_State *L)
{
    orm_cursor **box = luaL_checkudata(L, 1, L_MT_CURSOR);
    orm_cursor_close(*box);
    *box = NULL;
    return 0;
}

orm_cursor **l_cursor_box(lua_State *L)
{
    orm_cursor **box = lua_newuserdatauv(L, sizeof *box, 0);
    *box = NULL;
    luaL_setmetatable(L, L_MT_CURSOR);
    return box;
}

void l_cursor_box_close(orm_cursor **box)
{
    orm_cursor_close(*box);
    *box = NULL;
}

int l_pcall_gc_paused(lua_State *L, int nargs)
{
    int running = lua_gc(L, LUA_GCISRUNNING), kb = running ? lua_gc(L, LUA_GCCOUNT) : 0;
    if (running) lua_gc(L, LUA_GCSTOP);
    int status = lua_pcall(L, nargs, 0, 0);
    if (running) {
        lua_gc(L, LUA_GCRESTART);
        kb = lua_gc(L, LUA_GCCOUNT) - kb;
        if (kb > 0) lua_gc(L, LUA_GCSTEP, kb);
    }
    return status;
}

static const luaL_Reg result_methods[] = {
    {"all", r_all},
    {"first", r_first},
    {"one", r_one},
    {"one_or_none", r_one_or_none},
    {"scalar", r_scalar},
    {"scalar_one", r_scalar_one},
    {"scalar_one_or_none", r_scalar_one_or_none},
    {"scalars", r_scalars},
    {"keys", r_keys},
    {NULL, NULL},
};

void l_result_open(lua_State *L)
{
    if (luaL_newmetatable(L, L_MT_LIST)) {
        l_protect_mt(L);
        lua_pushcfunction(L, list_tostring);
        lua_setfield(L, -2, "__tostring");
        lua_pushliteral(L, "List");
        lua_setfield(L, -2, "__name");
    }
    lua_pop(L, 1);
    l_result_fetch_open(L);
    if (luaL_newmetatable(L, L_MT_RESULT)) {
        l_protect_mt(L);
        luaL_newlib(L, result_methods);
        luaL_setfuncs(L, l_result_fetch_methods, 0);
        lua_pushcclosure(L, r_index, 1);
        lua_setfield(L, -2, "__index");
        lua_pushcfunction(L, r_call);
        lua_setfield(L, -2, "__call");
        lua_pushcfunction(L, r_len);
        lua_setfield(L, -2, "__len");
        lua_pushcfunction(L, r_tostring);
        lua_setfield(L, -2, "__tostring");
    }
    lua_pop(L, 1);
    if (luaL_newmetatable(L, L_MT_CURSOR)) {
        l_protect_mt(L);
        lua_pushcfunction(L, cursor_gc);
        lua_setfield(L, -2, "__gc");
        lua_pushcfunction(L, cursor_gc);
        lua_setfield(L, -2, "__close");
    }
    lua_pop(L, 1);
}
