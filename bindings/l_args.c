/* l_args.c — argument checks of the Lua API that raise db.ArgumentError
 * naming the call and the argument ("db.load(path, opts): path must be a
 * string (got nil)") rather than Lua's plain "bad argument" strings, so a
 * script can catch them with db.ArgumentError:is(err). */
#include <lauxlib.h>

#include "l_args.h"
#include "l_db.h"

int l_arg_error(lua_State *L, int idx, const char *call, const char *arg, const char *expected)
{
    l_error_raisef(L, ORM_ERR_ARGUMENT, "%s: %s must be %s (got %s)", call, arg, expected,
                   luaL_typename(L, idx));
}

const char *l_arg_string(lua_State *L, int idx, const char *call, const char *arg)
{
    if (lua_type(L, idx) != LUA_TSTRING) l_arg_error(L, idx, call, arg, "a string");
    return lua_tostring(L, idx);
}

const char *l_arg_optstring(lua_State *L, int idx, const char *call, const char *arg)
{
    return lua_isnoneornil(L, idx) ? NULL : l_arg_string(L, idx, call, arg);
}

int l_arg_options(lua_State *L, int idx, const char *call, const char *const *known)
{
    if (lua_isnoneornil(L, idx)) return 0;
    if (!lua_istable(L, idx)) l_arg_error(L, idx, call, "the options", "a table");
    l_check_options(L, idx, call, known);
    return 1;
}
