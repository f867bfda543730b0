/* l_expr_func.c — the expression builders of the db table (docs/reference.md):
 * db.func.NAME(...), db.and_/or_/not_, db.text, db.literal, db.asc/desc. The
 * Expr userdata and its methods are in l_expr.c; this file only builds trees
 * through the helpers of l_expr_int.h, and writes no SQL text. */
#include <string.h>

#include "l_expr_int.h"
#include "l_orm.h"

static int is_identifier(const char *s, size_t n)
{
    size_t i;
    if (n == 0) return 0;
    for (i = 0; i < n; i++) {
        char c = s[i];
        int alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
        if (!alpha && (i == 0 || c < '0' || c > '9')) return 0;
    }
    return 1;
}

/* db.func.NAME(...): NAME is upvalue 1. count() is count(*).  [-0, +1, v] */
static int func_call(lua_State *L)
{
    const char *name = lua_tostring(L, lua_upvalueindex(1));
    int n = lua_gettop(L);
    orm_expr **arr, **slot;
    if (n == 0 && strcmp(name, "count") == 0) {
        slot = l_expr_new_slot(L);
        l_expr_store(L, slot, orm_expr_star());
        n = 1;
    }
    arr = l_expr_opnd_range(L, 1, n, NULL);
    slot = l_expr_new_slot(L);
    l_expr_store(L, slot, orm_expr_func(name, arr, n));
    return 1;
}

/* db.func.NAME -> a function building NAME(...).  [-0, +1, v] */
static int func_index(lua_State *L)
{
    size_t n;
    const char *name = luaL_checklstring(L, 2, &n);
    if (!is_identifier(name, n))
        return l_error_raisef(L, ORM_ERR_ARGUMENT, "invalid SQL function name '%s'", name);
    lua_settop(L, 2);
    lua_pushcclosure(L, func_call, 1);
    return 1;
}

static int func_tostring(lua_State *L) /* [-0, +1, m] */
{
    lua_pushliteral(L, "<db.func>");
    return 1;
}

static int f_and(lua_State *L)
{
    return l_expr_bool_op(L, ORM_OP_AND, 1);
} /* [-0, +1, v] */
static int f_or(lua_State *L)
{
    return l_expr_bool_op(L, ORM_OP_OR, 1);
} /* [-0, +1, v] */
static int f_not(lua_State *L)
{
    return l_expr_unary(L, ORM_OP_NOT);
} /* [-0, +1, v] */
static int f_asc(lua_State *L)
{
    return l_expr_order(L, 0);
} /* [-0, +1, v] */
static int f_desc(lua_State *L)
{
    return l_expr_order(L, 1);
} /* [-0, +1, v] */

/* db.not_(e): e may also be a plain value (a boolean).  [-0, +1, v] */
static int f_not_any(lua_State *L)
{
    luaL_checkany(L, 1);
    lua_settop(L, 1);
    l_expr_opnd(L, 1, NULL);
    return f_not(L);
}

/* db.text(sql): raw SQL kept verbatim.  [-0, +1, v] */
static int f_text(lua_State *L)
{
    size_t n;
    const char *sql = luaL_checklstring(L, 1, &n);
    orm_expr **slot;
    if (strlen(sql) != n) luaL_argerror(L, 1, "SQL text contains a NUL byte");
    slot = l_expr_new_slot(L);
    l_expr_store(L, slot, orm_expr_text(sql));
    return 1;
}

/* db.literal(v): v as a bound value (nil: NULL).  [-0, +1, v] */
static int f_literal(lua_State *L)
{
    orm_expr **slot;
    lua_settop(L, 1);
    slot = l_expr_new_slot(L);
    *slot = l_expr_from_value(L, 1, NULL);
    return 1;
}

static const luaL_Reg functions[] = {
    {"and_", f_and},        {"or_", f_or},  {"not_", f_not_any}, {"text", f_text},
    {"literal", f_literal}, {"asc", f_asc}, {"desc", f_desc},    {NULL, NULL},
};

/* [-0, +0, e] Registers db.func and the functions above in the table at idx. */
void l_expr_funcs_open(lua_State *L, int idx)
{
    idx = lua_absindex(L, idx);
    luaL_newmetatable(L, L_MT_FUNC);

    l_protect_mt(L);
    lua_pushcfunction(L, func_index);
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, func_tostring);
    lua_setfield(L, -2, "__tostring");
    lua_pop(L, 1);

    lua_pushvalue(L, idx);
    luaL_setfuncs(L, functions, 0);
    lua_newuserdatauv(L, 0, 0);
    luaL_setmetatable(L, L_MT_FUNC);
    lua_setfield(L, -2, "func");
    lua_pop(L, 1);
}
