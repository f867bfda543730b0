/* l_args.h — argument checks of the Lua API that raise db.ArgumentError
 * naming the call and the argument (l_args.c). */
#ifndef L_ARGS_H
#define L_ARGS_H

#include <lua.h>

#include "l_orm.h"

/* [-0, +0, v] Raises ArgumentError "<call>: <arg> must be <expected> (got
 * <type of the value at idx>)". call is how the user wrote it, e.g.
 * "db.load(path, opts)". */
L_NORETURN int l_arg_error(lua_State *L, int idx, const char *call, const char *arg,
                           const char *expected);
/* [-0, +0, v] The string at idx (numbers are not converted); raises
 * otherwise. Borrowed from the stack slot. */
const char *l_arg_string(lua_State *L, int idx, const char *call, const char *arg);
/* [-0, +0, v] Like l_arg_string, NULL for nil or none. */
const char *l_arg_optstring(lua_State *L, int idx, const char *call, const char *arg);
/* [-0, +0, v] 1 when the value at idx is an options table whose keys are
 * all in the NULL-terminated known list, 0 for nil or none; raises for any
 * other value and for an unknown key (naming the valid ones). */
int l_arg_options(lua_State *L, int idx, const char *call, const char *const *known);

#endif
