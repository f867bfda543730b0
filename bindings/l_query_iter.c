/* l_query_iter.c — for obj in q do: a query called as an iterator loads
 * its rows on the first call and hands them out one per call, with nested
 * loops over the same query kept apart. */
#include "l_query.h"

/* for obj in q do: the rows are loaded on the first call (control nil)
 * into an iteration state kept in the query's user value 2, a stack of
 * them so a loop over the same query inside another works: a call
 * continues the most recent state whose current row is the control value,
 * and a state ends (is dropped) with its last row. */
#define MAX_ITERS 16
int l_query_iterate(lua_State *L)
{
    l_query *q = l_query_check(L, 1);
    lua_settop(L, 3);
    if (lua_getiuservalue(L, 1, 2) != LUA_TTABLE) {
        lua_pop(L, 1);
        lua_newtable(L);
        lua_pushvalue(L, -1);
        lua_setiuservalue(L, 1, 2);
    }
    int stack = 4;
    lua_Integer n = (lua_Integer)lua_rawlen(L, stack), at = 0;
    if (lua_isnil(L, 3)) {
        if (n >= MAX_ITERS) { /* abandoned loops (break): forget the oldest */
            for (lua_Integer i = 1; i < n; i++) {
                lua_rawgeti(L, stack, i + 1);
                lua_rawseti(L, stack, i);
            }
            lua_pushnil(L);
            lua_rawseti(L, stack, n--);
        }
        lua_createtable(L, 0, 2);
        l_query_run(L, 1, q->sel);
        lua_setfield(L, -2, "rows");
        lua_pushinteger(L, 0);
        lua_setfield(L, -2, "pos");
        lua_rawseti(L, stack, at = ++n);
    } else {
        for (lua_Integer i = n; i >= 1 && !at; i--) {
            lua_rawgeti(L, stack, i);
            lua_getfield(L, -1, "rows");
            lua_getfield(L, -2, "pos");
            lua_rawgeti(L, -2, lua_tointeger(L, -1));
            if (lua_rawequal(L, -1, 3)) at = i;
            lua_pop(L, 4);
        }
        if (!at) return 0; /* not a loop of this query: end it */
    }
    lua_rawgeti(L, stack, at);
    int st = lua_gettop(L);
    lua_getfield(L, st, "pos");
    lua_Integer pos = lua_tointeger(L, -1) + 1;
    lua_pushinteger(L, pos);
    lua_setfield(L, st, "pos");
    lua_getfield(L, st, "rows");
    if (lua_rawgeti(L, -1, pos) == LUA_TNIL) { /* done: drop this state */
        for (lua_Integer i = at; i < n; i++) {
            lua_rawgeti(L, stack, i + 1);
            lua_rawseti(L, stack, i);
        }
        lua_pushnil(L);
        lua_rawseti(L, stack, n);
        lua_pushnil(L);
    }
    return 1;
}
