/* l_from.c — FROM items other than a model's table: db.aliased(Model [, name])
 * (the same table under another name, for joining a model twice; its columns
 * are Exprs usable anywhere a column is) and q:subquery() (a derived table
 * whose columns are reached as subq.c.name). Both own one orm_from. */
#include <string.h>

#include "l_query.h"

typedef struct l_from {
    orm_from *f; /* NULL until set, and after __gc */
} l_from;

orm_from *l_from_test(lua_State *L, int idx)
{
    l_from *u = luaL_testudata(L, idx, L_MT_ALIAS);
    if (!u) u = luaL_testudata(L, idx, L_MT_SUBQUERY);
    return u ? u->f : NULL;
}

static int from_gc(lua_State *L)
{
    l_from *u = lua_touserdata(L, 1);
    if (!u) return 0; /* see l_orm.h: a finalizer checks its argument */
    orm_from_release(u->f);
    u->f = NULL;
    return 0;
}

/* [-0, +1, m] A new empty item with metatable mt and a user value table. */
static l_from *from_new(lua_State *L, const char *mt)
{
    l_from *u = lua_newuserdatauv(L, sizeof *u, 1);
    u->f = NULL;
    luaL_setmetatable(L, mt);
    lua_newtable(L);
    lua_setiuservalue(L, -2, 1);
    return u;
}

static int push_k(lua_State *L)
{
    from_new(L, L_MT_SUBQUERY);
    return 1;
}

void l_subquery_push(lua_State *L, orm_from *f)
{
    lua_pushcfunction(L, push_k);
    if (lua_pcall(L, 0, 1, 0) != LUA_OK) {
        orm_from_release(f);
        lua_error(L);
    }
    ((l_from *)lua_touserdata(L, -1))->f = f;
}

void l_from_push_entity_name(lua_State *L, int idx)
{
    orm_from *f = luaL_testudata(L, idx, L_MT_ALIAS) ? l_from_test(L, idx) : NULL;
    if (f && f->alias) {
        lua_pushstring(L, f->alias);
        return;
    }
    if (f) {
        l_class_push(L, f->table);
        lua_getfield(L, -1, "__name");
        lua_remove(L, -2);
        return;
    }
    if (l_class_test(L, idx)) {
        lua_getfield(L, idx, "__name");
        return;
    }
    lua_pushnil(L);
}

/* ---- db.aliased ---- */

/* db.aliased(Model [, name | { name = n }]) [-0, +1, v] */
static int aliased(lua_State *L)
{
    l_class *c = l_class_test(L, 1);
    if (c == NULL) return luaL_typeerror(L, 1, "model class");
    if (lua_istable(L, 2)) {
        lua_getfield(L, 2, "name");
        lua_replace(L, 2);
    }
    size_t n = 0;
    const char *name = luaL_optlstring(L, 2, NULL, &n);
    if (name && (n == 0 || strlen(name) != n))
        return luaL_argerror(L, 2, "a non-empty name without NUL bytes expected");
    l_from *u = from_new(L, L_MT_ALIAS);
    if (!(u->f = orm_from_alias(c->table, name))) return l_query_oom(L);
    return 1;
}

/* alias.column: an Expr of the aliased table, made once. */
static int alias_index(lua_State *L)
{
    l_from *u = luaL_checkudata(L, 1, L_MT_ALIAS);
    lua_getiuservalue(L, 1, 1);
    lua_pushvalue(L, 2);
    if (lua_rawget(L, -2) != LUA_TNIL) return 1;
    lua_pop(L, 1);
    size_t n;
    const char *key = lua_type(L, 2) == LUA_TSTRING ? lua_tolstring(L, 2, &n) : NULL;
    int col = key && u->f ? orm_table_attr_index(u->f->table, key, n) : -1;
    if (col < 0) {
        if (key && strncmp(key, "__", 2) == 0) return 0;
        l_class_push(L, u->f->table);
        lua_getfield(L, -1, "__name");
        l_class_push_names(L, u->f->table);
        return l_error_raisef(L, ORM_ERR_DATA, "aliased(%s) has no attribute '%s' (valid: %s)",
                              lua_tostring(L, -2), key ? key : luaL_typename(L, 2),
                              lua_tostring(L, -1));
    }
    orm_expr *e = orm_expr_alias_column(u->f, col);
    if (!e) return l_query_oom(L);
    l_expr_push(L, e);
    lua_pushvalue(L, 2);
    lua_pushvalue(L, -2);
    lua_rawset(L, -4);
    return 1;
}

static int alias_tostring(lua_State *L)
{
    l_from *u = luaL_checkudata(L, 1, L_MT_ALIAS);
    l_class_push(L, u->f->table);
    lua_getfield(L, -1, "__name");
    if (u->f->alias)
        lua_pushfstring(L, "aliased(%s, \"%s\")", lua_tostring(L, -1), u->f->alias);
    else
        lua_pushfstring(L, "aliased(%s)", lua_tostring(L, -1));
    return 1;
}

/* ---- subqueries ---- */

static int missing_column(lua_State *L)
{
    lua_getfield(L, lua_upvalueindex(1), "__names");
    return l_error_raisef(L, ORM_ERR_DATA, "subquery has no column '%s' (columns: %s)",
                          lua_type(L, 2) == LUA_TSTRING ? lua_tostring(L, 2) : "?",
                          lua_tostring(L, -1));
}

/* [-0, +1, m] subq.c: a table of the derived table's columns, made once. */
static void push_columns(lua_State *L, l_from *u)
{
    lua_getiuservalue(L, 1, 1);
    if (lua_getfield(L, -1, "c") != LUA_TNIL) return;
    lua_pop(L, 1);
    lua_createtable(L, 0, u->f->nnames);
    int cols = lua_gettop(L);
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    for (int i = 0; i < u->f->nnames; i++) {
        if (i) luaL_addstring(&b, ", ");
        luaL_addstring(&b, u->f->names[i]);
    }
    luaL_pushresult(&b);
    lua_createtable(L, 0, 2); /* metatable: a clear error for a wrong name */
    lua_insert(L, -2);
    lua_setfield(L, -2, "__names");
    lua_pushvalue(L, -1);
    lua_pushcclosure(L, missing_column, 1);
    lua_setfield(L, -2, "__index");
    l_protect_mt(L);
    lua_setmetatable(L, cols);
    for (int i = 0; i < u->f->nnames; i++) {
        orm_expr *e = orm_expr_subcolumn(u->f, i);
        if (!e) l_query_oom(L);
        l_expr_push(L, e);
        lua_setfield(L, cols, u->f->names[i]);
    }
    lua_pushvalue(L, cols);
    lua_setfield(L, -3, "c");
}

static int subquery_index(lua_State *L)
{
    l_from *u = luaL_checkudata(L, 1, L_MT_SUBQUERY);
    const char *key = lua_tostring(L, 2);
    if (u->f && key && (strcmp(key, "c") == 0 || strcmp(key, "columns") == 0)) {
        push_columns(L, u);
        return 1;
    }
    if (key && strncmp(key, "__", 2) == 0) return 0;
    return l_error_raisef(L, ORM_ERR_DATA,
                          "Subquery has no attribute '%s' (its columns are subq.c.<name>)",
                          key ? key : luaL_typename(L, 2));
}

static int subquery_tostring(lua_State *L)
{
    l_from *u = luaL_checkudata(L, 1, L_MT_SUBQUERY);
    if (u->f && u->f->alias)
        lua_pushfstring(L, "<Subquery %s>", u->f->alias);
    else
        lua_pushliteral(L, "<Subquery>");
    return 1;
}

void l_from_open(lua_State *L, int modidx)
{
    modidx = lua_absindex(L, modidx);
    if (luaL_newmetatable(L, L_MT_ALIAS)) {
        l_protect_mt(L);
        lua_pushcfunction(L, alias_index);
        lua_setfield(L, -2, "__index");
        lua_pushcfunction(L, alias_tostring);
        lua_setfield(L, -2, "__tostring");
        lua_pushcfunction(L, from_gc);
        lua_setfield(L, -2, "__gc");
        lua_pushliteral(L, "Alias");
        lua_setfield(L, -2, "__name");
    }
    lua_pop(L, 1);
    if (luaL_newmetatable(L, L_MT_SUBQUERY)) {
        l_protect_mt(L);
        lua_pushcfunction(L, subquery_index);
        lua_setfield(L, -2, "__index");
        lua_pushcfunction(L, subquery_tostring);
        lua_setfield(L, -2, "__tostring");
        lua_pushcfunction(L, from_gc);
        lua_setfield(L, -2, "__gc");
        lua_pushliteral(L, "Subquery");
        lua_setfield(L, -2, "__name");
    }
    lua_pop(L, 1);
    lua_pushcfunction(L, aliased);
    lua_setfield(L, modidx, "aliased");
}
