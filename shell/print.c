/* print.c — the text the shell shows for a value: a top-level string as
 * Lua's print shows it, anything else as orm_lua_push_repr (bindings/l_repr.c)
 * writes it (strings quoted, models and lists by __tostring, plain tables
 * readably); several values separated by tabs. */
#include <lauxlib.h>
#include <lua.h>

#include "orm_lua.h"
#include "shell.h"

void sh_push_repr(lua_State *L, int idx)
{
    if (lua_type(L, idx) == LUA_TSTRING)
        lua_pushvalue(L, idx);
    else
        orm_lua_push_repr(L, idx);
}

int sh_print_values(lua_State *L)
{
    int n = lua_gettop(L), any = 0;
    for (int i = 1; i <= n; i++)
        any |= !lua_isnil(L, i);
    if (!any) return 0;
    if (n == 1 && sh_print_table(L, 1)) return 0; /* .mode box, csv, json */
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    for (int i = 1; i <= n; i++) {
        if (i > 1) luaL_addchar(&b, '\t');
        sh_push_repr(L, i);
        luaL_addvalue(&b);
    }
    luaL_addchar(&b, '\n');
    luaL_pushresult(&b);
    size_t len;
    const char *s = lua_tolstring(L, -1, &len);
    fwrite(s, 1, len, sh_out());
    fflush(sh_out());
    return 0;
}
