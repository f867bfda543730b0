/* l_migrate_step.c — the wrapper every function of the `op` object runs
 * through. Where a revision runs op by op (a backend whose DDL commits at
 * once: migrate_steps.h) each call is named by a label such as
 * add_column("author", "age") and is planned, skipped (an earlier run
 * applied it) or run and recorded; elsewhere the op just runs. */
#include <stdio.h>
#include <string.h>

#include "diff.h"
#include "l_migrate.h"
#include "migrate_steps.h"

/* 1 when the value at idx is an op.column(...) description. */
static int is_column(lua_State *L, int idx)
{
    if (!lua_istable(L, idx) || !lua_getmetatable(L, idx)) return 0;
    luaL_getmetatable(L, L_MT_OPCOLUMN);
    int same = lua_rawequal(L, -1, -2);
    lua_pop(L, 2);
    return same;
}

L_NORETURN static int raise_conn(lua_State *L, orm_mig_ctx *m)
{
    orm_error e;
    orm_error_init(&e);
    orm_error_move(&e, &orm_mig_ctx_conn(m)->err);
    l_error_raise(L, &e);
}

/* One argument of an op as its label shows it: a string (cut when long), an
 * op.column's name, a list of names; 0 when it shows nothing. */
static int label_arg(lua_State *L, int idx, orm_buf *b)
{
    if (lua_type(L, idx) == LUA_TSTRING) {
        size_t n;
        const char *s = lua_tolstring(L, idx, &n);
        char cut[72];
        if (n > 60) snprintf(cut, sizeof cut, "%.57s...", s);
        orm_lua_quote(b, n > 60 ? cut : s);
        return 1;
    }
    if (is_column(L, idx)) {
        lua_getfield(L, idx, "name");
        orm_lua_quote(b, lua_tostring(L, -1));
        lua_pop(L, 1);
        return 1;
    }
    if (!lua_istable(L, idx) || lua_rawlen(L, idx) == 0) return 0;
    if (lua_getmetatable(L, idx)) { /* a constraint description, not a name list */
        lua_pop(L, 1);
        return 0;
    }
    int n = (int)lua_rawlen(L, idx), ok = 1;
    for (int i = 1; ok && i <= n; i++) {
        ok = lua_rawgeti(L, idx, i) == LUA_TSTRING;
        lua_pop(L, 1);
    }
    if (!ok) return 0;
    orm_buf_puts(b, "{ ");
    for (int i = 1; i <= n; i++) {
        lua_rawgeti(L, idx, i);
        orm_buf_puts(b, i > 1 ? ", " : "");
        orm_lua_quote(b, lua_tostring(L, -1));
        lua_pop(L, 1);
    }
    orm_buf_puts(b, " }");
    return 1;
}

/* [-0, +1, m] `name("a", "b")`: an op as the op-by-op record names it. */
static const char *push_label(lua_State *L, const char *name, int nargs)
{
    orm_buf b = ORM_BUF_INIT;
    orm_buf_printf(&b, "%s(", name);
    for (int i = 1; i <= nargs && i <= 3; i++) {
        size_t before = b.len;
        if (i > 1) orm_buf_puts(&b, ", ");
        if (!label_arg(L, i, &b)) {
            b.len = before; /* what cannot be shown ends the label */
            if (b.p) b.p[before] = '\0';
            break;
        }
    }
    orm_buf_putc(&b, ')');
    if (b.oom) {
        orm_buf_free(&b);
        l_oom(L);
    }
    lua_pushstring(L, orm_buf_str(&b)); /* (raises only when Lua is out of memory) */
    orm_buf_free(&b);
    return lua_tostring(L, -1);
}

/* Every op goes through here (upvalues: the box, the op, its name). Where
 * a revision runs op by op, the op is planned, skipped (applied by an
 * earlier run) or run and then recorded; elsewhere it just runs. */
static int op_step(lua_State *L)
{
    l_migbox *b = luaL_checkudata(L, lua_upvalueindex(1), L_MT_MIGBOX);
    int nargs = lua_gettop(L);
    if (!b->m || !orm_mig_stepwise(b->m)) {
        lua_pushvalue(L, lua_upvalueindex(2));
        lua_insert(L, 1);
        lua_call(L, nargs, LUA_MULTRET);
        return lua_gettop(L);
    }
    const char *label = push_label(L, lua_tostring(L, lua_upvalueindex(3)), nargs);
    int go = orm_mig_step_begin(b->m, label);
    lua_pop(L, 1);
    if (go < 0) return raise_conn(L, b->m);
    if (!go) return nargs > 0 && lua_type(L, 1) == LUA_TSTRING ? (lua_settop(L, 1), 1) : 0;
    lua_pushvalue(L, lua_upvalueindex(2));
    lua_insert(L, 1);
    lua_call(L, nargs, LUA_MULTRET);
    if (orm_mig_step_end(b->m) < 0) return raise_conn(L, b->m);
    return lua_gettop(L);
}

void l_migop_stepped(lua_State *L, int boxidx, const char *name)
{
    boxidx = lua_absindex(L, boxidx);
    lua_pushvalue(L, boxidx);
    lua_insert(L, -2);
    lua_pushstring(L, name);
    lua_pushcclosure(L, op_step, 3);
}
