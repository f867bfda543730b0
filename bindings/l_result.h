/* l_result.h — the cursor box: a userdata owning an open core cursor, so a
 * Lua error while rows are turned into values cannot leak it; and the
 * protected call that row loops run in with the collector paused. */
#ifndef L_RESULT_H
#define L_RESULT_H

#include <lauxlib.h>
#include <lua.h>
#include "session.h"

/* [-0, +1, m] Pushes an empty box; store the cursor in *box right after. */
orm_cursor **l_cursor_box(lua_State *L);
/* Closes the cursor now (the box's __gc then does nothing). */
void l_cursor_box_close(orm_cursor **box);
/* [-(nargs + 1), +(0|1), -] Calls the function below its nargs arguments
 * (lua_pcall, no results) with the collector paused when it was running,
 * then restarts it and gives it a step the size of what the call allocated
 * (so that loads do not starve it). For row loops: loading makes no garbage,
 * every object it makes is kept, so collecting meanwhile would only mark a
 * live set that keeps growing, again and again. Returns lua_pcall's status;
 * when not LUA_OK the error object is on the stack. */
int l_pcall_gc_paused(lua_State *L, int nargs);

/* ---- l_result_fetch.c ---- */
/* [-0, +1, m] A new empty ScalarResult (a list with all, first, one,
 * one_or_none). */
void l_scalars_new(lua_State *L, int narr);
extern const luaL_Reg l_result_fetch_methods[]; /* fetchone, fetchmany, fetchall, mappings */
/* Registers the ScalarResult metatable (after the List one). */
void l_result_fetch_open(lua_State *L);

#endif
