/* l_query_iter.c — for obj in q do: a query called as an iterator. A query
 * of one model's objects (no joins) streams: its statement stays open and
 * is read yield_per rows at a time (q:yield_per(n), default
 * L_STREAM_CHUNK), so only the current chunk is held and the objects
 * already passed can go (the identity map is weak). Other queries load
 * their rows on the first call. Nested loops over the same query are kept
 * apart. */
#include "l_query.h"
#include "l_result.h"

#define MAX_ITERS 16

/* An iteration state is a table in the query's user value 2 (a stack of
 * them, innermost last): buf (the list of the current chunk, or of all the
 * rows), pos (the current row's index in buf), n (rows in buf), and for a
 * stream cur (a cursor box: __gc / __close close the statement) and t (the
 * model's table, light userdata). */

/* Closes the cursor of the state at idx (if it streams). [-0, +0, -] */
static void state_close(lua_State *L, int idx)
{
    if (lua_getfield(L, idx, "cur") == LUA_TUSERDATA) l_cursor_box_close(lua_touserdata(L, -1));
    lua_pop(L, 1);
}

/* Removes state i of the n in the stack at stack (closing it). */
static void state_drop(lua_State *L, int stack, lua_Integer i, lua_Integer n)
{
    lua_rawgeti(L, stack, i);
    state_close(L, lua_gettop(L));
    lua_pop(L, 1);
    for (; i < n; i++) {
        lua_rawgeti(L, stack, i + 1);
        lua_rawseti(L, stack, i);
    }
    lua_pushnil(L);
    lua_rawseti(L, stack, n);
}

static lua_Integer field_int(lua_State *L, int idx, const char *k)
{
    lua_getfield(L, idx, k);
    lua_Integer v = lua_tointeger(L, -1);
    lua_pop(L, 1);
    return v;
}

static void set_int(lua_State *L, int idx, const char *k, lua_Integer v)
{
    lua_pushinteger(L, v);
    lua_setfield(L, idx, k);
}

/* Pushes a new state for the query at 1. [-0, +1, e] */
static void state_new(lua_State *L)
{
    lua_createtable(L, 0, 5);
    int st = lua_gettop(L);
    orm_cursor **box = l_cursor_box(L);
    lua_pushvalue(L, -1);
    lua_setfield(L, st, "cur"); /* before the open: an error closes it */
    const orm_table *t = l_query_stream_open(L, 1, box);
    lua_pop(L, 1);
    if (t) {
        lua_pushlightuserdata(L, (void *)t);
        lua_setfield(L, st, "t");
        l_list_new(L, 0);
        lua_setfield(L, st, "buf");
        set_int(L, st, "n", 0);
    } else {
        lua_pushnil(L);
        lua_setfield(L, st, "cur");
        l_query_run(L, 1, l_query_check(L, 1)->sel);
        set_int(L, st, "n", (lua_Integer)lua_rawlen(L, -1));
        lua_setfield(L, st, "buf");
    }
    set_int(L, st, "pos", 0);
}

/* The next row of the state at st, or nil at the end. [-0, +1, e] */
static void state_next(lua_State *L, int st)
{
    lua_Integer pos = field_int(L, st, "pos") + 1, n = field_int(L, st, "n");
    lua_getfield(L, st, "buf");
    int buf = lua_gettop(L);
    if (pos > n && lua_getfield(L, st, "cur") == LUA_TUSERDATA) {
        orm_cursor *cur = *(orm_cursor **)lua_touserdata(L, -1);
        lua_getfield(L, st, "t");
        const orm_table *t = lua_touserdata(L, -1);
        lua_pop(L, 2);
        lua_Integer chunk = l_query_check(L, 1)->yield_per;
        if (chunk <= 0) chunk = L_STREAM_CHUNK;
        n = cur ? l_query_stream_fill(L, 1, cur, t, buf, chunk, n) : 0;
        set_int(L, st, "n", n);
        pos = 1;
    } else if (pos > n) {
        lua_pop(L, 1);
    }
    set_int(L, st, "pos", pos);
    if (pos > n)
        lua_pushnil(L);
    else
        lua_rawgeti(L, buf, pos);
    lua_remove(L, buf);
}

/* for obj in q do: a call with control nil starts a state; a call
 * continues the most recent state whose current row is the control value,
 * and a state ends (is dropped, its statement closed) with its last row.
 * Loops a break left are closed when the query starts its MAX_ITERS-th
 * loop, when their states are collected, or before DDL. */
int l_query_iterate(lua_State *L)
{
    l_query_check(L, 1);
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
        if (n >= MAX_ITERS) state_drop(L, stack, 1, n--); /* abandoned loops: the oldest */
        state_new(L);
        lua_rawseti(L, stack, at = ++n);
    } else {
        for (lua_Integer i = n; i >= 1 && !at; i--) {
            lua_rawgeti(L, stack, i);
            int st = lua_gettop(L);
            lua_getfield(L, st, "buf");
            lua_rawgeti(L, -1, field_int(L, st, "pos"));
            if (lua_rawequal(L, -1, 3)) at = i;
            lua_settop(L, stack);
        }
        if (!at) return 0; /* not a loop of this query: end it */
    }
    lua_rawgeti(L, stack, at);
    state_next(L, lua_gettop(L));
    if (lua_isnil(L, -1)) state_drop(L, stack, at, n); /* done */
    return 1;
}

int l_query_yield_per(lua_State *L)
{
    lua_Integer n = luaL_checkinteger(L, 2);
    luaL_argcheck(L, n > 0 && n <= 1000000, 2, "must be between 1 and 1000000");
    l_query *q = l_query_clone(L, 1);
    q->yield_per = (int)n;
    return 1;
}
