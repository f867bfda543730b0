/* l_audit.c — db.audit: enable() turns the audit log on, actor names who
 * acts (default: the OS user), log{ table, actor, since, limit } reads the
 * entries newest first as a list of rows (fields id, at, actor, table_name,
 * row_key, operation, changes) that prints as a table in .mode box. The log
 * itself is core's (audit.c). */
#include <string.h>

#include "audit.h"
#include "l_args.h"
#include "l_db.h"
#include "l_result.h"

#define AUDIT_DB(L) l_db_check(L, lua_upvalueindex(1))

static int a_enable(lua_State *L)
{
    l_db *db = AUDIT_DB(L);
    orm_error err;
    orm_error_init(&err);
    if (orm_audit_enable(db->session, db->md, &err) < 0) return l_error_raise(L, &err);
    return 0;
}

static const char *opt_string(lua_State *L, int t, const char *key)
{
    int type = lua_getfield(L, t, key);
    if (type != LUA_TNIL && type != LUA_TSTRING)
        l_error_raisef(L, ORM_ERR_ARGUMENT, "db.audit.log: '%s' must be a string (got %s)", key,
                       luaL_typename(L, -1));
    return lua_tostring(L, -1); /* stays on the stack */
}

/* db.audit.log{ table =, actor =, since =, limit = } */
static int a_log(lua_State *L)
{
    l_db *db = AUDIT_DB(L);
    if (lua_isnoneornil(L, 1)) {
        lua_settop(L, 0);
        lua_newtable(L);
    }
    if (!lua_istable(L, 1)) return l_arg_error(L, 1, "db.audit.log{...}", "the options", "a table");
    lua_settop(L, 1);
    static const char *const known[] = {"table", "actor", "since", "limit", NULL};
    lua_pushnil(L);
    while (lua_next(L, 1)) {
        lua_pop(L, 1);
        int ok = 0;
        for (int i = 0; known[i] && lua_type(L, -1) == LUA_TSTRING; i++)
            ok |= strcmp(lua_tostring(L, -1), known[i]) == 0;
        if (!ok)
            return l_error_raisef(
                L, ORM_ERR_ARGUMENT,
                "db.audit.log: unknown option '%s' (valid: table, actor, since, limit)",
                luaL_tolstring(L, -1, NULL));
    }
    const char *table = opt_string(L, 1, "table");
    const char *actor = opt_string(L, 1, "actor");
    const char *since = opt_string(L, 1, "since");
    lua_getfield(L, 1, "limit");
    if (!lua_isnil(L, -1) && !lua_isinteger(L, -1))
        return l_arg_error(L, -1, "db.audit.log{...}", "limit", "an integer");
    lua_Integer limit = lua_isnil(L, -1) ? -1 : lua_tointeger(L, -1);
    if (orm_session_autoflush(db->session) < 0) return l_db_raise_session(L, db);
    orm_cursor **box = l_cursor_box(L); /* closes the cursor if a value raises */
    if (orm_audit_log_open(db->session, table, actor, since, box) < 0)
        return l_db_raise_session(L, db);
    orm_cursor *cur = *box;
    static const char *const cols[] = {"id",      "at",        "actor",  "table_name",
                                       "row_key", "operation", "changes"};
    static const orm_type types[] = {{ORM_T_INTEGER, 0, 0, 0}, {ORM_T_DATETIME, 0, 0, 0},
                                     {ORM_T_STRING, 0, 0, 0},  {ORM_T_STRING, 0, 0, 0},
                                     {ORM_T_TEXT, 0, 0, 0},    {ORM_T_STRING, 0, 0, 0},
                                     {ORM_T_TEXT, 0, 0, 0}};
    /* a list of rows (e.id, e.operation ...), printed like query rows:
     * a table in .mode box */
    lua_createtable(L, 7, 0);
    for (int i = 0; i < 7; i++) {
        lua_pushstring(L, cols[i]);
        lua_rawseti(L, -2, i + 1);
    }
    l_row_shape(L, lua_gettop(L));
    int shape = lua_gettop(L);
    l_list_new(L, 0);
    int list = lua_gettop(L), rc = ORM_OK;
    lua_Integer n = 0;
    while ((limit < 0 || n < limit) && (rc = orm_cursor_step(cur)) == ORM_ROW) {
        for (int i = 0; i < 7; i++) {
            orm_value v = ORM_VALUE_NULL;
            if (orm_cursor_value(cur, i, &v) < 0)
                rc = orm_error_oom(orm_session_error(db->session));
            l_value_push(L, &v, &types[i]);
            orm_value_clear(&v);
        }
        l_row_make(L, shape, 7);
        lua_rawseti(L, list, ++n);
        if (rc < 0) break;
    }
    l_cursor_box_close(box);
    if (rc < 0) return l_db_raise_session(L, db);
    return 1;
}

static int a_index(lua_State *L)
{
    l_db *db = AUDIT_DB(L);
    const char *key = luaL_checkstring(L, 2);
    if (strcmp(key, "actor") == 0)
        lua_pushstring(L, orm_audit_actor(db->session));
    else if (strcmp(key, "enabled") == 0)
        lua_pushboolean(L, orm_audit_enabled(db->session));
    else
        return l_error_raisef(L, ORM_ERR_ARGUMENT,
                              "db.audit has no field '%s' (valid: enable, log, actor, enabled)",
                              key);
    return 1;
}

static int a_newindex(lua_State *L)
{
    l_db *db = AUDIT_DB(L);
    const char *key = luaL_checkstring(L, 2);
    if (strcmp(key, "actor") != 0)
        return l_error_raisef(L, ORM_ERR_ARGUMENT,
                              "db.audit.%s cannot be assigned (only db.audit.actor)", key);
    if (!lua_isnil(L, 3) && lua_type(L, 3) != LUA_TSTRING)
        return l_error_raisef(L, ORM_ERR_ARGUMENT, "db.audit.actor must be a string (got %s)",
                              luaL_typename(L, 3));
    if (orm_audit_set_actor(db->session, lua_tostring(L, 3)) < 0)
        return luaL_error(L, "not enough memory");
    return 0;
}

void l_audit_push(lua_State *L, int dbidx)
{
    dbidx = lua_absindex(L, dbidx);
    lua_createtable(L, 0, 2);
    lua_pushvalue(L, dbidx);
    lua_pushcclosure(L, a_enable, 1);
    lua_setfield(L, -2, "enable");
    lua_pushvalue(L, dbidx);
    lua_pushcclosure(L, a_log, 1);
    lua_setfield(L, -2, "log");
    lua_createtable(L, 0, 2);
    lua_pushvalue(L, dbidx);
    lua_pushcclosure(L, a_index, 1);
    lua_setfield(L, -2, "__index");
    lua_pushvalue(L, dbidx);
    lua_pushcclosure(L, a_newindex, 1);
    lua_setfield(L, -2, "__newindex");
    lua_setmetatable(L, -2);
}
