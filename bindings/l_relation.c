/* l_relation.c — relationship declarations (db.relationship): what a model
 * says about its related models. Loading and keeping both sides in step is
 * the relationships issue's work; until then reading one raises a clear error. */
#include <string.h>

#include "l_db.h"

/* db.relationship("Book", { back_populates = "author", ... }) [-0, +1, v] */
static int relationship_new(lua_State *L)
{
    luaL_checkstring(L, 1);
    if (!lua_isnoneornil(L, 2)) luaL_checktype(L, 2, LUA_TTABLE);
    lua_createtable(L, 0, 4);
    lua_pushvalue(L, 1);
    lua_setfield(L, -2, "target");
    if (lua_istable(L, 2)) {
        lua_pushnil(L);
        while (lua_next(L, 2)) {
            lua_pushvalue(L, -2);
            lua_insert(L, -2);
            lua_rawset(L, -4);
        }
    }
    luaL_setmetatable(L, L_MT_RELATION);
    return 1;
}

int l_relation_test(lua_State *L, int idx) { return luaL_testudata(L, idx, L_MT_RELATION) != NULL; }

static int relation_tostring(lua_State *L)
{
    lua_getfield(L, 1, "target");
    lua_pushfstring(L, "relationship('%s')", lua_tostring(L, -1));
    return 1;
}

void l_relation_open(lua_State *L, int modidx)
{
    modidx = lua_absindex(L, modidx);
    if (luaL_newmetatable(L, L_MT_RELATION)) {
        lua_pushcfunction(L, relation_tostring);
        lua_setfield(L, -2, "__tostring");
    }
    lua_pop(L, 1);
    lua_pushcfunction(L, relationship_new);
    lua_setfield(L, modidx, "relationship");
}
