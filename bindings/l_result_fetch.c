/* l_result_fetch.c — the DB-API and 2.0-style faces of a Result:
 * fetchone / fetchmany / fetchall (a cursor position of their own, apart
 * from iteration and all()), mappings() (rows as plain name -> value
 * tables), and the ScalarResult that scalars() returns: a list (#, [i],
 * ipairs, printed as [a, b]) with all, first, one and one_or_none. */
#include "l_db.h"
#include "l_result.h"

#define L_MT_SCALARS "orm.ScalarResult"

/* ---- ScalarResult ---- */

void l_scalars_new(lua_State *L, int narr)
{
    lua_createtable(L, narr, 0);
    luaL_setmetatable(L, L_MT_SCALARS);
}

static lua_Integer sr_len(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    return (lua_Integer)lua_rawlen(L, 1);
}

static int sr_all(lua_State *L)
{
    lua_Integer n = sr_len(L);
    l_list_new(L, (int)n);
    for (lua_Integer i = 1; i <= n; i++) {
        lua_rawgeti(L, 1, i);
        lua_rawseti(L, -2, i);
    }
    return 1;
}

static int sr_first(lua_State *L)
{
    sr_len(L);
    lua_rawgeti(L, 1, 1);
    return 1;
}

static int sr_one(lua_State *L)
{
    lua_Integer n = sr_len(L);
    if (n == 0)
        return l_error_raisef(L, ORM_ERR_NORESULT, "No row was found when one was required");
    if (n > 1)
        return l_error_raisef(L, ORM_ERR_MULTIPLE,
                              "Multiple rows were found when exactly one was required");
    lua_rawgeti(L, 1, 1);
    return 1;
}

static int sr_one_or_none(lua_State *L)
{
    if (sr_len(L) > 1)
        return l_error_raisef(L, ORM_ERR_MULTIPLE,
                              "Multiple rows were found when one or none was required");
    lua_rawgeti(L, 1, 1);
    return 1;
}

/* ---- Result: fetch*, mappings ---- */

/* [-0, +2, v] Pushes the Result's field table and its rows; returns the
 * number of rows. */
static lua_Integer rows_of(lua_State *L)
{
    luaL_checkudata(L, 1, L_MT_RESULT);
    lua_getiuservalue(L, 1, 1);
    lua_getfield(L, -1, "rows");
    return (lua_Integer)lua_rawlen(L, -1);
}

/* Moves the fetch position by up to max rows into a new list (on top);
 * max < 0: all that are left. [-0, +1, m] */
static void fetch(lua_State *L, lua_Integer max)
{
    lua_Integer n = rows_of(L);
    int uv = lua_gettop(L) - 1, rows = uv + 1;
    lua_getfield(L, uv, "fetched");
    lua_Integer pos = lua_tointeger(L, -1), k = 0;
    lua_pop(L, 1);
    l_list_new(L, 0);
    while (pos < n && (max < 0 || k < max)) {
        lua_rawgeti(L, rows, ++pos);
        lua_rawseti(L, -2, ++k);
    }
    lua_pushinteger(L, pos);
    lua_setfield(L, uv, "fetched");
}

/* fetchone(): the next row, nil after the last. */
static int r_fetchone(lua_State *L)
{
    fetch(L, 1);
    lua_rawgeti(L, -1, 1);
    return 1;
}

static int r_fetchmany(lua_State *L)
{
    lua_Integer size = luaL_optinteger(L, 2, 1);
    luaL_argcheck(L, size >= 0, 2, "a size of at least 0 expected");
    fetch(L, size);
    return 1;
}

static int r_fetchall(lua_State *L)
{
    fetch(L, -1);
    return 1;
}

/* mappings(): every row as a plain table of name -> value (a row holding
 * a model object gives { Author = obj }), in a ScalarResult. */
static int r_mappings(lua_State *L)
{
    lua_Integer n = rows_of(L);
    int uv = lua_gettop(L) - 1, rows = uv + 1;
    lua_getfield(L, uv, "keys");
    int keys = lua_gettop(L);
    lua_Integer nkeys = (lua_Integer)lua_rawlen(L, keys);
    l_scalars_new(L, (int)n);
    int out = lua_gettop(L);
    for (lua_Integer i = 1; i <= n; i++) {
        lua_rawgeti(L, rows, i);
        int row = lua_gettop(L);
        int is_row = lua_type(L, row) == LUA_TTABLE; /* else a model object */
        lua_createtable(L, 0, (int)nkeys);
        for (lua_Integer k = 1; k <= nkeys; k++) {
            if (lua_rawgeti(L, keys, k) != LUA_TSTRING) {
                lua_pop(L, 1);
                continue;
            }
            if (is_row)
                lua_rawgeti(L, row, k);
            else if (k == 1)
                lua_pushvalue(L, row);
            else
                lua_pushnil(L);
            lua_rawset(L, -3);
        }
        lua_rawseti(L, out, i);
        lua_pop(L, 1);
    }
    return 1;
}

const luaL_Reg l_result_fetch_methods[] = {
    {"fetchone", r_fetchone},
    {"fetchmany", r_fetchmany},
    {"fetchall", r_fetchall},
    {"mappings", r_mappings},
    {NULL, NULL},
};

void l_result_fetch_open(lua_State *L)
{
    if (luaL_newmetatable(L, L_MT_SCALARS)) {
        static const luaL_Reg methods[] = {
            {"all", sr_all}, {"first", sr_first}, {"one", sr_one}, {"one_or_none", sr_one_or_none},
            {NULL, NULL},
        };
        luaL_newlib(L, methods);
        lua_setfield(L, -2, "__index");
        luaL_getmetatable(L, L_MT_LIST); /* printed as a list: [a, b] */
        lua_getfield(L, -1, "__tostring");
        lua_setfield(L, -3, "__tostring");
        lua_pop(L, 1);
        lua_pushliteral(L, "ScalarResult");
        lua_setfield(L, -2, "__name");
    }
    lua_pop(L, 1);
}
