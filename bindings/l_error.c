/* l_error.c — ORM errors as Lua values (docs/reference.md). One class table per
 * orm_errclass, created once per lua_State and kept in the registry. A class
 * is the metatable of its errors (so a stock lua prints them through
 * __tostring); its own metatable, the "metaclass", prints "<class Name>".
 * Every core error becomes a Lua value here and nowhere else. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "l_orm.h"

static const char CLASSES_KEY = 'E'; /* registry[&CLASSES_KEY] = {cls -> class} */
#define MAX_CHAIN 16                 /* bound on a class chain walk */

/* [-0, +1, -] Pushes the class table of cls (Error for unknown classes), or
 * nil before l_error_init. */
static void push_class(lua_State *L, orm_errclass cls)
{
    if (cls <= ORM_ERR_NONE || cls >= ORM_ERR__COUNT) cls = ORM_ERR_ERROR;
    if (lua_rawgetp(L, LUA_REGISTRYINDEX, &CLASSES_KEY) != LUA_TTABLE) {
        lua_pop(L, 1);
        lua_pushnil(L);
        return;
    }
    lua_rawgeti(L, -1, cls);
    lua_remove(L, -2);
}

/* 1 when the value at idx is a table whose metatable chain (through the
 * classes' __base fields) contains the table at cidx. [-0, +0, -] */
static int chain_has(lua_State *L, int idx, int cidx)
{
    int found = 0, n;
    idx = lua_absindex(L, idx);
    cidx = lua_absindex(L, cidx);
    if (!lua_istable(L, idx) || !lua_istable(L, cidx) || !lua_getmetatable(L, idx)) return 0;
    for (n = 0; n < MAX_CHAIN && lua_istable(L, -1); n++) {
        if (lua_rawequal(L, -1, cidx)) {
            found = 1;
            break;
        }
        lua_pushliteral(L, "__base"); /* interned by the class tables: no allocation */
        lua_rawget(L, -2);
        lua_remove(L, -2);
    }
    lua_pop(L, 1);
    return found;
}

/* Class:is(value) -> boolean.  [-0, +1, -] */
static int class_is(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_pushboolean(L, chain_has(L, 2, 1));
    return 1;
}

/* __tostring of an error value: "Class: message".  [-0, +1, m] */
static int error_tostring(lua_State *L)
{
    const char *name = "Error";
    luaL_checktype(L, 1, LUA_TTABLE);
    if (lua_getmetatable(L, 1)) {
        lua_getfield(L, -1, "name");
        if (lua_type(L, -1) == LUA_TSTRING)
            name = lua_tostring(L, -1); /* kept alive by the class */
        lua_pop(L, 2);
    }
    lua_getfield(L, 1, "message");
    luaL_tolstring(L, -1, NULL);
    lua_pushfstring(L, "%s: %s", name, lua_tostring(L, -1));
    return 1;
}

/* __tostring of a class: "<class IntegrityError>".  [-0, +1, m] */
static int class_tostring(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_getfield(L, 1, "name");
    lua_pushfstring(L, "<class %s>", lua_isstring(L, -1) ? lua_tostring(L, -1) : "?");
    return 1;
}

/* [-0, +0, -] (allocates; a memory error may be raised by Lua) */
void l_error_init(lua_State *L)
{
    int cls;
    if (lua_rawgetp(L, LUA_REGISTRYINDEX, &CLASSES_KEY) == LUA_TTABLE) {
        lua_pop(L, 1);
        return;
    }
    lua_pop(L, 1);
    lua_createtable(L, ORM_ERR__COUNT, 0); /* classes */
    lua_createtable(L, 0, 2);              /* metaclass */
    lua_pushcfunction(L, class_tostring);
    lua_setfield(L, -2, "__tostring");
    lua_pushliteral(L, "orm.ErrorClass");
    lua_setfield(L, -2, "__name");
    l_protect_mt(L);
    for (cls = ORM_ERR_ERROR; cls < ORM_ERR__COUNT; cls++) {
        const char *name = orm_errclass_name((orm_errclass)cls);
        lua_createtable(L, 0, 6);
        lua_pushstring(L, name);
        lua_setfield(L, -2, "name");
        lua_pushstring(L, name);
        lua_setfield(L, -2, "__name");
        lua_pushcfunction(L, error_tostring);
        lua_setfield(L, -2, "__tostring");
        lua_pushcfunction(L, class_is);
        lua_setfield(L, -2, "is");
        lua_pushvalue(L, -1); /* getmetatable(err) is its class; setmetatable fails */
        lua_setfield(L, -2, "__metatable");
        if (cls != ORM_ERR_ERROR) {
            lua_rawgeti(L, -3, ORM_ERR_ERROR);
            lua_setfield(L, -2, "__base");
        }
        lua_pushvalue(L, -2);
        lua_setmetatable(L, -2);
        lua_rawseti(L, -3, cls);
    }
    lua_pop(L, 1);
    lua_rawsetp(L, LUA_REGISTRYINDEX, &CLASSES_KEY);
}

/* [-0, +0, e] */
void l_error_export(lua_State *L, int idx)
{
    int cls;
    idx = lua_absindex(L, idx);
    l_error_init(L);
    for (cls = ORM_ERR_ERROR; cls < ORM_ERR__COUNT; cls++) {
        push_class(L, (orm_errclass)cls);
        lua_setfield(L, idx, orm_errclass_name((orm_errclass)cls));
    }
}

/* Turns the message on top of the stack into an error value of class cls,
 * replacing it; `where` is taken at the given call level.  [-1, +1, m] */
static void wrap_message(lua_State *L, orm_errclass cls, int level)
{
    lua_createtable(L, 0, 6);
    lua_insert(L, -2);
    lua_setfield(L, -2, "message");
    luaL_where(L, level);
    lua_setfield(L, -2, "where");
    l_error_init(L);
    push_class(L, cls);
    lua_setmetatable(L, -2);
}

/* [-0, +1, m] A bound value; NULL as db.null, so the list keeps its length. */
static void push_param(lua_State *L, const orm_value *v)
{
    orm_expr *null;
    if (v->type != ORM_V_NULL) {
        l_value_push(L, v, NULL);
        return;
    }
    if ((null = orm_expr_null()) == NULL) l_oom(L);
    l_expr_push(L, null);
}

/* [-0, +1, m] */
static void push_error(lua_State *L, const orm_error *e, int level)
{
    size_t i;
    /* no message: the one allocation orm_error_oom makes failed */
    lua_pushstring(L, e->message ? e->message : "out of memory");
    wrap_message(L, e->message ? e->cls : ORM_ERR_OPERATIONAL, level);
    if (e->sql) {
        lua_pushstring(L, e->sql);
        lua_setfield(L, -2, "sql");
    }
    if (e->params && e->nparams > 0) {
        lua_createtable(L, (int)e->nparams, 0);
        for (i = 0; i < e->nparams; i++) {
            push_param(L, &e->params[i]);
            lua_rawseti(L, -2, (lua_Integer)i + 1);
        }
        lua_setfield(L, -2, "params");
    }
    if (e->code != 0) {
        lua_pushinteger(L, e->code);
        lua_setfield(L, -2, "code");
    }
}

/* [-0, +1, m] */
void l_error_push(lua_State *L, const orm_error *e)
{
    push_error(L, e, 1);
}

/* Runs push_error in protected mode, so a memory error cannot skip the
 * orm_error_clear that follows.  [-1, +1, m] */
static int push_error_protected(lua_State *L)
{
    const orm_error *e = lua_touserdata(L, 1);
    push_error(L, e, 2); /* level 1 is the binding that called l_error_raise */
    return 1;
}

/* [-0, +0, v] */
int l_error_raise(lua_State *L, orm_error *e)
{
    lua_pushcfunction(L, push_error_protected);
    lua_pushlightuserdata(L, e);
    (void)lua_pcall(L, 1, 1, 0); /* on failure the (memory) error is on top */
    orm_error_clear(e);
    l_throw(L);
}

/* [-1, +0, v] */
void l_throw(lua_State *L)
{
    lua_error(L);
    abort(); /* not reached: lua_error longjmps (or throws) */
}

/* [-0, +0, v] */
int l_error_raisef(lua_State *L, orm_errclass cls, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    lua_pushvfstring(L, fmt, ap);
    va_end(ap);
    wrap_message(L, cls, 1);
    l_throw(L);
}

/* [-0, +0, -] */
int l_error_is(lua_State *L, int idx, orm_errclass cls)
{
    int r;
    if (cls <= ORM_ERR_NONE || cls >= ORM_ERR__COUNT || !lua_istable(L, idx)) return 0;
    idx = lua_absindex(L, idx);
    push_class(L, cls);
    r = chain_has(L, idx, -1);
    lua_pop(L, 1);
    return r;
}

void l_check_options(lua_State *L, int idx, const char *what, const char *const *known)
{
    idx = lua_absindex(L, idx);
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        lua_pop(L, 1);
        const char *k = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : NULL;
        int ok = k && k[0] == '_' && k[1] == '_';
        for (int i = 0; known[i] && !ok && k; i++)
            ok = strcmp(k, known[i]) == 0;
        if (ok) continue;
        luaL_Buffer b;
        luaL_buffinit(L, &b);
        for (int i = 0; known[i]; i++) {
            if (i) luaL_addstring(&b, ", ");
            luaL_addstring(&b, known[i]);
        }
        luaL_pushresult(&b);
        l_error_raisef(L, ORM_ERR_ARGUMENT, "%s: unknown option '%s' (valid: %s)", what,
                       k ? k : luaL_tolstring(L, -2, NULL), lua_tostring(L, -1));
    }
}

int l_oom(lua_State *L)
{
    l_error_raisef(L, ORM_ERR_OPERATIONAL, "out of memory");
}
