/* l_case.c — expression constructors beyond the operators of l_expr.c:
 * db.case (SQLAlchemy's case()), db.cast / e:cast(type), db.distinct /
 * e:distinct() and db.exists(q). Trees only: core writes the SQL. */
#include <string.h>

#include "l_query.h"
#include "l_types.h"

/* [-0, +1, v] Pushes the Expr for the value at idx (an Expr stays itself, a
 * Lua value is bound) and returns it, anchored by the pushed value. what
 * names the value in errors. */
static orm_expr *push_operand(lua_State *L, int idx, const char *what)
{
    idx = lua_absindex(L, idx);
    orm_expr *e = l_expr_test(L, idx);
    if (e) {
        lua_pushvalue(L, idx);
        return e;
    }
    const orm_select *s = l_query_select_test(L, idx);
    switch (lua_type(L, idx)) {
    case LUA_TNIL:
    case LUA_TNONE:
    case LUA_TBOOLEAN:
    case LUA_TNUMBER:
    case LUA_TSTRING:
        e = l_expr_from_value(L, idx, NULL);
        break;
    default:
        if (!s)
            l_error_raisef(L, ORM_ERR_ARGUMENT, "%s: expression or value expected, got %s", what,
                           luaL_typename(L, idx));
        e = orm_expr_select(s, 0);
        if (!e) l_query_oom(L);
    }
    l_expr_push(L, e);
    return e;
}

/* The pairs of db.case: either one list of {when, then} pairs
 * (db.case({ {c, v}, ... }, opts)) or the pairs as arguments
 * (db.case({c, v}, {c, v}, opts)). Pushes the 2n operands; returns n. */
static int push_whens(lua_State *L, int first, int last)
{
    int list = 0;
    if (first == last && lua_istable(L, first) && lua_rawgeti(L, first, 1) == LUA_TTABLE)
        list = first;
    if (first == last && lua_istable(L, first)) lua_pop(L, 1);
    int n = list ? (int)lua_rawlen(L, list) : last - first + 1;
    if (n < 1)
        l_error_raisef(L, ORM_ERR_ARGUMENT,
                       "db.case: at least one {condition, value} pair expected");
    luaL_checkstack(L, 2 * n + 8, "too many WHEN clauses");
    for (int i = 1; i <= n; i++) {
        if (list)
            lua_rawgeti(L, list, i);
        else
            lua_pushvalue(L, first + i - 1);
        int p = lua_gettop(L);
        if (!lua_istable(L, p) || l_class_test(L, p) || lua_rawlen(L, p) < 1)
            l_error_raisef(L, ORM_ERR_ARGUMENT,
                           "db.case: WHEN %d must be a {condition, value} pair, got %s", i,
                           luaL_typename(L, p));
        lua_rawgeti(L, p, 1);
        lua_rawgeti(L, p, 2);
        push_operand(L, p + 1, "db.case condition");
        push_operand(L, p + 2, "db.case value");
        lua_replace(L, p + 1);
        lua_replace(L, p);
        lua_settop(L, p + 1);
    }
    return n;
}

/* db.case(whens [, { else_ = v, value = e }]) [-0, +1, v] */
static int f_case(lua_State *L)
{
    int top = lua_gettop(L), opts = 0;
    if (top >= 2 && lua_istable(L, top) && !l_class_test(L, top) && lua_rawlen(L, top) == 0)
        opts = top--;
    if (top < 1) return luaL_argerror(L, 1, "{condition, value} pairs expected");
    int base = lua_gettop(L);
    /* value (compared with each WHEN) and else_, at base+1 and base+2 */
    orm_expr *value = NULL, *else_ = NULL;
    if (opts)
        lua_getfield(L, opts, "value");
    else
        lua_pushnil(L);
    if (!lua_isnil(L, -1))
        value = push_operand(L, -1, "db.case value=");
    else
        lua_pushnil(L);
    lua_remove(L, -2);
    if (opts)
        lua_getfield(L, opts, "else_");
    else if (lua_istable(L, 1))
        lua_getfield(L, 1, "else_");
    else
        lua_pushnil(L);
    if (!lua_isnil(L, -1))
        else_ = push_operand(L, -1, "db.case else_");
    else
        lua_pushnil(L);
    lua_remove(L, -2);
    int n = push_whens(L, 1, top);
    orm_expr **arr = lua_newuserdatauv(L, (size_t)(2 * n) * sizeof *arr, 0);
    for (int i = 0; i < 2 * n; i++)
        arr[i] = l_expr_test(L, base + 3 + i);
    orm_expr *e = orm_expr_case(value, arr, n, else_);
    if (!e) return l_query_oom(L);
    l_expr_push(L, e);
    return 1;
}

/* db.cast(e, db.Integer) / e:cast(type): the type a userdata or a name
 * ("Integer", "String(30)"). [-0, +1, v] */
static int f_cast(lua_State *L)
{
    luaL_checkany(L, 1);
    lua_settop(L, 2);
    orm_type t, *ut = l_type_test(L, 2);
    if (ut) {
        t = *ut;
    } else if (lua_type(L, 2) == LUA_TSTRING) {
        orm_error err;
        orm_error_init(&err);
        if (orm_type_parse(&t, lua_tostring(L, 2), &err) < 0) return l_error_raise(L, &err);
    } else {
        return luaL_typeerror(L, 2, "type (e.g. db.Integer)");
    }
    orm_expr *x = push_operand(L, 1, "db.cast");
    orm_expr *e = orm_expr_cast(x, &t);
    if (!e) return l_query_oom(L);
    l_expr_push(L, e);
    return 1;
}

/* db.distinct(e) / e:distinct(): DISTINCT e, as in count(DISTINCT e). */
static int f_distinct(lua_State *L)
{
    luaL_checkany(L, 1);
    orm_expr *x = push_operand(L, 1, "db.distinct");
    orm_expr *e = orm_expr_unary(ORM_OP_DISTINCT, x);
    if (!e) return l_query_oom(L);
    l_expr_push(L, e);
    return 1;
}

/* db.exists(q): EXISTS (SELECT 1 FROM ...). */
static int f_exists(lua_State *L)
{
    const orm_select *s = l_query_select_test(L, 1);
    if (!s) return luaL_typeerror(L, 1, "query");
    orm_expr *e = orm_expr_select(s, 1);
    if (!e) return l_query_oom(L);
    l_expr_push(L, e);
    return 1;
}

void l_case_open(lua_State *L, int modidx)
{
    static const luaL_Reg funcs[] = {
        {"case", f_case},     {"cast", f_cast}, {"distinct", f_distinct},
        {"exists", f_exists}, {NULL, NULL},
    };
    modidx = lua_absindex(L, modidx);
    lua_pushvalue(L, modidx);
    luaL_setfuncs(L, funcs, 0);
    lua_pop(L, 1);
    /* methods on every Expr */
    luaL_getmetatable(L, L_MT_EXPR);
    lua_getfield(L, -1, "__index");
    lua_pushcfunction(L, f_cast);
    lua_setfield(L, -2, "cast");
    lua_pushcfunction(L, f_distinct);
    lua_setfield(L, -2, "distinct");
    lua_pop(L, 2);
}
