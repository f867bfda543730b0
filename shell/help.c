/* help.c — the help() global (docs/reference.md): help() lists what the shell offers
 * (db, session, the models, exit, Tab and Ctrl-C); help(Model) shows the
 * model's table, columns, relationships and methods from its public
 * description (Model.__table); help(value) shows a value and the names it
 * offers. Output goes to stdout: it is what the command exists to print. */
#include <string.h>

#include <lauxlib.h>
#include <lua.h>

#include "orm_lua.h"
#include "shell.h"

/* [-0, +0, e] Writes the string on top to stdout and pops it. */
static void emit(lua_State *L)
{
    size_t len;
    const char *s = lua_tolstring(L, -1, &len);
    fwrite(s, 1, len, stdout);
    lua_pop(L, 1);
}

/* [-0, +1, e] "A, B, C" from the list at idx ("" when empty). */
static void push_joined(lua_State *L, int idx, const char *sep)
{
    luaL_Buffer b;
    idx = lua_absindex(L, idx);
    lua_Integer n = (lua_Integer)lua_rawlen(L, idx);
    luaL_buffinit(L, &b);
    for (lua_Integer i = 1; i <= n; i++) {
        if (i > 1) luaL_addstring(&b, sep);
        lua_rawgeti(L, idx, i);
        luaL_addvalue(&b);
    }
    luaL_pushresult(&b);
}

static void help_overview(lua_State *L)
{
    lua_pushfstring(L, "ormsh %s: Lua 5.4 with the orm module.\n", ORMSH_VERSION);
    emit(L);
    app_push_db(L);
    if (!lua_isnil(L, -1)) {
        lua_getfield(L, -1, "url");
        lua_pushfstring(L, "  db         the database (%s): db.Model, db.Column, db.text, ...\n",
                        luaL_tolstring(L, -1, NULL));
        emit(L);
        lua_pop(L, 2);
        fputs("  session    db.session: add, add_all, delete, flush, commit, rollback, query, "
              "get, execute\n",
              stdout);
        orm_lua_push_model_names(L, -1);
        if (lua_rawlen(L, -1) > 0) {
            push_joined(L, -1, ", ");
            lua_pushfstring(L, "  models     %s (Model.query; help(Model) for its columns)\n",
                            lua_tostring(L, -1));
            emit(L);
            lua_pop(L, 1);
        }
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
    fputs("  help(x)    what x offers: a model's table and columns, a value's fields and methods\n"
          "  exit()     leave (or Ctrl-D); uncommitted changes are rolled back\n"
          "Tab completes names, fields (Author.) and methods (db.session:). Ctrl-C abandons\n"
          "the input, or stops a running statement.\n",
          stdout);
}

/* [-0, +0, e] One line for the column description at idx. */
static void help_column(lua_State *L, int col)
{
    int top = lua_gettop(L);
    lua_getfield(L, col, "name");
    lua_getfield(L, col, "type");
    lua_getfield(L, col, "primary_key");
    lua_getfield(L, col, "unique");
    lua_getfield(L, col, "nullable");
    int pk = lua_toboolean(L, top + 3), unique = lua_toboolean(L, top + 4);
    int notnull = lua_type(L, top + 5) == LUA_TBOOLEAN && !lua_toboolean(L, top + 5);
    const char *name = luaL_optstring(L, top + 1, "?"), *type = luaL_optstring(L, top + 2, "?");
    if (pk || unique || notnull)
        fprintf(stdout, "    %-14s %-14s%s%s%s\n", name, type, pk ? " primary key" : "",
                unique ? " unique" : "", notnull && !pk ? " not null" : "");
    else
        fprintf(stdout, "    %-14s %s\n", name, type);
    lua_settop(L, top);
}

/* [-0, +0, e] The columns of a model's __table description at idx. */
static void help_columns(lua_State *L, int desc)
{
    lua_getfield(L, desc, "columns");
    int cols = lua_gettop(L);
    if (lua_istable(L, cols)) {
        fputs("  columns:\n", stdout);
        for (lua_Integer i = 1; lua_rawgeti(L, cols, i) == LUA_TTABLE; i++) {
            help_column(L, lua_gettop(L));
            lua_pop(L, 1);
        }
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
}

/* 1 when the value at idx is a relationship declaration (db.relationship). */
static int is_relationship(lua_State *L, int idx)
{
    int rel = 0;
    if (luaL_getmetafield(L, idx, "__name") != LUA_TNIL) {
        rel =
            lua_type(L, -1) == LUA_TSTRING && strcmp(lua_tostring(L, -1), "orm.Relationship") == 0;
        lua_pop(L, 1);
    }
    return rel;
}

/* [-0, +0, e] list[#list + 1] = the value at idx. */
static void append(lua_State *L, int list, int idx)
{
    lua_pushvalue(L, idx);
    lua_rawseti(L, list, (lua_Integer)lua_rawlen(L, list) + 1);
}

/* [-0, +0, e] Sorts the list at idx. */
static void sort_list(lua_State *L, int list)
{
    orm_lua_push_sort(L);
    lua_pushvalue(L, list);
    lua_call(L, 1, 0);
}

/* [-0, +1, e] The relationship `name` (at idx) of the class: a field of
 * its __relationships table or of the class itself. */
static void push_relationship(lua_State *L, int cls, int name)
{
    lua_pushliteral(L, "__relationships");
    if (lua_rawget(L, cls) == LUA_TTABLE) {
        lua_pushvalue(L, name);
        if (lua_rawget(L, -2) != LUA_TNIL) {
            lua_remove(L, -2);
            return;
        }
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
    lua_pushvalue(L, name);
    lua_rawget(L, cls);
}

/* [-0, +1, e] The sorted names of the class's relationships. */
static void push_relationship_names(lua_State *L, int cls)
{
    lua_newtable(L); /* set of names */
    int set = lua_gettop(L);
    lua_pushliteral(L, "__relationships");
    if (lua_rawget(L, cls) == LUA_TTABLE) {
        lua_pushnil(L);
        while (lua_next(L, -2)) {
            lua_pop(L, 1);
            lua_pushvalue(L, -1);
            lua_pushboolean(L, lua_type(L, -1) == LUA_TSTRING);
            lua_rawset(L, set);
        }
    }
    lua_pop(L, 1);
    lua_pushnil(L);
    while (lua_next(L, cls)) {
        if (lua_type(L, -2) == LUA_TSTRING && is_relationship(L, -1)) {
            lua_pushvalue(L, -2);
            lua_pushboolean(L, 1);
            lua_rawset(L, set);
        }
        lua_pop(L, 1);
    }
    lua_newtable(L);
    lua_pushnil(L);
    while (lua_next(L, set)) {
        if (lua_toboolean(L, -1)) append(L, set + 1, -2);
        lua_pop(L, 1);
    }
    lua_remove(L, set);
    sort_list(L, lua_gettop(L));
}

/* [-0, +1, e] The sorted names of the class's own methods. */
static void push_method_names(lua_State *L, int cls)
{
    lua_newtable(L);
    int list = lua_gettop(L);
    lua_pushnil(L);
    while (lua_next(L, cls)) {
        if (lua_type(L, -2) == LUA_TSTRING && strncmp(lua_tostring(L, -2), "__", 2) != 0 &&
            lua_isfunction(L, -1))
            append(L, list, -2);
        lua_pop(L, 1);
    }
    sort_list(L, list);
}

/* [-0, +0, e] The class's relationships and methods. */
static void help_members(lua_State *L, int cls)
{
    push_relationship_names(L, cls);
    int rels = lua_gettop(L);
    if (lua_rawlen(L, rels) > 0) fputs("  relationships:\n", stdout);
    for (lua_Integer i = 1; lua_rawgeti(L, rels, i) == LUA_TSTRING; i++) {
        const char *name = lua_tostring(L, -1);
        push_relationship(L, cls, lua_gettop(L));
        orm_lua_push_rel_summary(L, -1);
        if (lua_isnil(L, -1)) {
            lua_pop(L, 1);
            luaL_tolstring(L, -1, NULL);
        }
        fprintf(stdout, "    %-14s -> %s\n", name, lua_tostring(L, -1));
        lua_pop(L, 3);
    }
    lua_pop(L, 2);
    push_method_names(L, cls);
    if (lua_rawlen(L, -1) > 0) {
        push_joined(L, -1, " ");
        fprintf(stdout, "  methods: %s\n", lua_tostring(L, -1));
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
}

/* [-0, +0, e] The docs table's lines for a kind of object. */
static void help_kind(lua_State *L, const char *kind)
{
    orm_lua_push_kind_help(L, kind);
    emit(L);
}

static void help_model(lua_State *L, int cls, int desc)
{
    lua_getfield(L, cls, "__name");
    lua_getfield(L, desc, "name");
    lua_pushfstring(L, "%s (table %s)\n", luaL_optstring(L, -2, "?"), luaL_optstring(L, -1, "?"));
    emit(L);
    lua_pop(L, 2);
    help_columns(L, desc);
    help_members(L, cls);
    help_kind(L, "model");
}

/* [-0, +0, e] An instance: its repr, its class's columns and relations,
 * and what an instance offers. */
static void help_instance(lua_State *L, int v)
{
    sh_push_repr(L, v);
    lua_getmetatable(L, v);
    lua_getfield(L, -1, "__name");
    lua_pushfstring(L, "%s: an instance of %s\n", lua_tostring(L, -3), luaL_optstring(L, -1, "?"));
    emit(L);
    lua_pop(L, 3);
    help_kind(L, "instance");
    sh_push_names(L, v, 0);
    if (lua_rawlen(L, -1) > 0) {
        push_joined(L, -1, " ");
        lua_pushfstring(L, "  attributes: %s\n", lua_tostring(L, -1));
        emit(L);
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
}

static void help_value(lua_State *L, int v)
{
    sh_push_repr(L, v);
    lua_pushliteral(L, "\n");
    lua_concat(L, 2);
    emit(L);
    if (!lua_istable(L, v) && !lua_isuserdata(L, v) && !lua_isstring(L, v)) return;
    sh_push_names(L, v, 0);
    if (lua_rawlen(L, -1) > 0) {
        push_joined(L, -1, " ");
        lua_pushfstring(L, "  %s\n", lua_tostring(L, -1));
        emit(L);
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
}

/* 1 when the value at idx is a model instance: its metatable's __index
 * leads to a class whose __table describes a table. */
static int is_instance(lua_State *L, int idx)
{
    int yes = 0;
    if (luaL_getmetafield(L, idx, "__class") != LUA_TNIL) {
        yes = lua_istable(L, -1);
        lua_pop(L, 1);
    }
    return yes;
}

/* help([value]) */
static int l_help(lua_State *L)
{
    if (lua_isnoneornil(L, 1)) {
        help_overview(L);
    } else {
        lua_settop(L, 1);
        lua_pushliteral(L, "__table"); /* a model class describes its table */
        if (lua_istable(L, 1) && lua_rawget(L, 1) == LUA_TTABLE) {
            help_model(L, 1, 2);
        } else {
            lua_settop(L, 1);
            app_push_db(L);
            sh_push_repr(L, 1);
            orm_lua_push_help(L, 1, 2, lua_tostring(L, -1));
            if (lua_isstring(L, -1))
                emit(L);
            else if (is_instance(L, 1))
                help_instance(L, 1);
            else
                help_value(L, 1);
        }
    }
    fflush(stdout);
    return 0;
}

void sh_open_help(lua_State *L)
{
    lua_pushcfunction(L, l_help);
    lua_setglobal(L, "help");
}
