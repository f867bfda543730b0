/* l_table_args.c — db.Index and db.UniqueConstraint, the table-level
 * indexes and unique constraints a model lists in __table_args, as
 * SQLAlchemy's __table_args__ does:
 *   __table_args = { db.Index("ix_album_artist", "ArtistId"),
 *                    db.UniqueConstraint("Title", "ArtistId", { name = "uq_title" }) }
 * Each is a plain description table (metatable orm.TableArg); db.Model
 * turns it into core's orm_tindex. */
#include <string.h>

#include "l_db.h"

#define MT_TABLE_ARG "orm.TableArg"

/* Reads the trailing options table (if any) of a constructor; returns the
 * index of the last column argument. */
static int last_column_arg(lua_State *L, int first)
{
    int top = lua_gettop(L);
    return top >= first && lua_istable(L, top) ? top - 1 : top;
}

/* [-0, +1, v] The description: { kind, name, unique, columns... }. */
static int push_arg(lua_State *L, const char *kind, int first, int last, const char *name,
                    int unique)
{
    if (last < first)
        return l_error_raisef(L, ORM_ERR_ARGUMENT, "db.%s needs at least one column name", kind);
    lua_createtable(L, last - first + 1, 3);
    for (int i = first; i <= last; i++) {
        if (lua_type(L, i) != LUA_TSTRING)
            return l_error_raisef(L, ORM_ERR_ARGUMENT,
                                  "db.%s: column %d must be a name (a string), got %s", kind,
                                  i - first + 1, luaL_typename(L, i));
        lua_pushvalue(L, i);
        lua_rawseti(L, -2, i - first + 1);
    }
    lua_pushstring(L, kind);
    lua_setfield(L, -2, "kind");
    if (name) {
        lua_pushstring(L, name);
        lua_setfield(L, -2, "name");
    }
    lua_pushboolean(L, unique);
    lua_setfield(L, -2, "unique");
    luaL_setmetatable(L, MT_TABLE_ARG);
    return 1;
}

/* Checks that the options table at idx holds only the keys listed. */
static void check_opts(lua_State *L, int idx, const char *kind, const char *valid)
{
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        const char *k = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : "?";
        if (strcmp(k, valid) != 0)
            l_error_raisef(L, ORM_ERR_ARGUMENT, "db.%s: unknown option '%s' (valid: %s)", kind, k,
                           valid);
        lua_pop(L, 1);
    }
}

/* db.Index(name, col, ... [, { unique = true }]) */
static int index_new(lua_State *L)
{
    const char *name = luaL_checkstring(L, 1);
    int last = last_column_arg(L, 2), unique = 0;
    if (last < lua_gettop(L)) {
        check_opts(L, lua_gettop(L), "Index", "unique");
        lua_getfield(L, lua_gettop(L), "unique");
        unique = lua_toboolean(L, -1);
        lua_pop(L, 1);
    }
    return push_arg(L, "Index", 2, last, name, unique);
}

/* db.UniqueConstraint(col, ... [, { name = "uq_x" }]) */
static int unique_new(lua_State *L)
{
    int last = last_column_arg(L, 1);
    const char *name = NULL;
    if (last < lua_gettop(L)) {
        check_opts(L, lua_gettop(L), "UniqueConstraint", "name");
        lua_getfield(L, lua_gettop(L), "name");
        name = lua_tostring(L, -1); /* kept alive by the options table */
        lua_pop(L, 1);
    }
    return push_arg(L, "UniqueConstraint", 1, last, name, 1);
}

static int arg_tostring(lua_State *L)
{
    lua_getfield(L, 1, "kind");
    lua_pushfstring(L, "<%s>", lua_tostring(L, -1));
    return 1;
}

void l_table_args_open(lua_State *L, int modidx)
{
    modidx = lua_absindex(L, modidx);
    if (luaL_newmetatable(L, MT_TABLE_ARG)) {
        lua_pushcfunction(L, arg_tostring);
        lua_setfield(L, -2, "__tostring");
    }
    lua_pop(L, 1);
    lua_pushcfunction(L, index_new);
    lua_setfield(L, modidx, "Index");
    lua_pushcfunction(L, unique_new);
    lua_setfield(L, modidx, "UniqueConstraint");
}

int l_table_args_apply(lua_State *L, int fields, orm_table *t, const char *model, orm_error *err)
{
    int top = lua_gettop(L), rc = ORM_OK;
    if (lua_getfield(L, fields, "__table_args") == LUA_TNIL) {
        lua_settop(L, top);
        return ORM_OK;
    }
    if (!lua_istable(L, -1)) {
        lua_settop(L, top);
        return orm_error_set(err, ORM_ERR_ARGUMENT, 0,
                             "%s.__table_args must be a list of db.Index / db.UniqueConstraint",
                             model);
    }
    int args = lua_gettop(L);
    for (lua_Integer i = 1; rc == ORM_OK && lua_rawgeti(L, args, i) != LUA_TNIL; i++) {
        int a = lua_gettop(L);
        int ok = 0;
        if (lua_istable(L, a) && lua_getmetatable(L, a)) {
            luaL_getmetatable(L, MT_TABLE_ARG);
            ok = lua_rawequal(L, -1, -2);
        }
        if (!ok) {
            rc = orm_error_set(err, ORM_ERR_ARGUMENT, 0,
                               "%s.__table_args[%d] is not a db.Index or db.UniqueConstraint",
                               model, (int)i);
            break;
        }
        lua_settop(L, a);
        orm_tindex x = {0};
        lua_getfield(L, a, "kind");
        x.is_index = strcmp(lua_tostring(L, -1), "Index") == 0;
        lua_getfield(L, a, "name");
        x.name = (char *)lua_tostring(L, -1); /* copied by add_tindex */
        lua_getfield(L, a, "unique");
        x.unique = lua_toboolean(L, -1);
        for (lua_Integer j = 1; rc == ORM_OK && lua_rawgeti(L, a, j) == LUA_TSTRING; j++) {
            size_t n;
            const char *col = lua_tolstring(L, -1, &n);
            int c = orm_table_column_index(t, col, n);
            if (c < 0)
                rc = orm_error_set(err, ORM_ERR_ARGUMENT, 0, "%s.__table_args[%d]: no column '%s'",
                                   model, (int)i, col);
            else if (x.ncols == ORM_MAX_COLUMNS)
                rc = orm_error_set(err, ORM_ERR_ARGUMENT, 0,
                                   "%s.__table_args[%d]: too many columns", model, (int)i);
            else
                x.cols[x.ncols++] = c;
            lua_pop(L, 1);
        }
        if (rc == ORM_OK) rc = orm_table_add_tindex(t, &x, err);
        lua_settop(L, a - 1);
    }
    lua_settop(L, top);
    return rc;
}
