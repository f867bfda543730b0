/* l_history.c — __versioned models in Lua: obj:history() (every earlier
 * state, oldest first) and Model:history_at(pk, instant), as read-only
 * records that print like the model (its __repr, else <Model id=1>) and
 * carry version, changed_at and operation. The SQL is core's (history_table.c). */
#include <string.h>

#include "history_table.h"
#include "l_args.h"
#include "l_db.h"
#include "l_result.h"

#define L_HISTORY_MT "__history_mt" /* class field: the records' metatable */

static int rec_newindex(lua_State *L)
{
    lua_getfield(L, lua_upvalueindex(1), "__name");
    const char *name = lua_tostring(L, -1);
    return l_error_raisef(L, ORM_ERR_DATA, "%s history records are read-only (attribute '%s')",
                          name ? name : "?", luaL_tolstring(L, 2, NULL));
}

/* tostring: the class's __repr with the record as self, else <Model id=1 version=2>. */
static int rec_tostring(lua_State *L)
{
    int cls = lua_upvalueindex(1);
    lua_pushliteral(L, "__repr");
    if (lua_rawget(L, cls) == LUA_TFUNCTION) {
        lua_pushvalue(L, 1);
        lua_call(L, 1, 1);
        if (lua_type(L, -1) != LUA_TSTRING) luaL_tolstring(L, -1, NULL);
        return 1;
    }
    lua_pop(L, 1);
    lua_pushvalue(L, cls);
    l_class *c = l_class_test(L, -1);
    lua_pop(L, 1);
    const orm_table *t = c->table;
    luaL_Buffer b;
    lua_getfield(L, cls, "__name");
    const char *name = lua_tostring(L, -1); /* stays below the buffer */
    luaL_buffinit(L, &b);
    luaL_addchar(&b, '<');
    luaL_addstring(&b, name ? name : "?");
    for (int i = 0; i < t->npk; i++) {
        lua_pushfstring(L, " %s=", t->cols[t->pk[i]].attr);
        luaL_addvalue(&b);
        lua_getfield(L, 1, t->cols[t->pk[i]].attr);
        luaL_tolstring(L, -1, NULL);
        lua_remove(L, -2);
        luaL_addvalue(&b);
    }
    luaL_addstring(&b, " version=");
    lua_getfield(L, 1, "version");
    luaL_tolstring(L, -1, NULL);
    lua_remove(L, -2);
    luaL_addvalue(&b);
    luaL_addchar(&b, '>');
    luaL_pushresult(&b);
    return 1;
}

/* [-0, +1, m] The class's record parts (made once): [1] the values'
 * metatable (methods of the model), [2] __newindex, [3] __tostring, [4] the
 * list of attribute names (the history table's: the model's, version,
 * changed_at, operation), which the shell's table printing reads as
 * __columns. */
static void push_record_parts(lua_State *L, int cls, const orm_table *t)
{
    if (lua_getfield(L, cls, L_HISTORY_MT) == LUA_TTABLE) return;
    lua_pop(L, 1);
    lua_createtable(L, 4, 0);
    lua_createtable(L, 0, 1);
    lua_pushvalue(L, cls);
    lua_setfield(L, -2, "__index");
    lua_rawseti(L, -2, 1);
    lua_pushvalue(L, cls);
    lua_pushcclosure(L, rec_newindex, 1);
    lua_rawseti(L, -2, 2);
    lua_pushvalue(L, cls);
    lua_pushcclosure(L, rec_tostring, 1);
    lua_rawseti(L, -2, 3);
    const orm_table *h = t->history;
    lua_createtable(L, h->ncols, 0);
    for (int i = 0; i < h->ncols; i++) {
        lua_pushstring(L, h->cols[i].attr);
        lua_rawseti(L, -2, i + 1);
    }
    lua_rawseti(L, -2, 4);
    lua_pushvalue(L, -1);
    lua_setfield(L, cls, L_HISTORY_MT);
}

/* [-1, +1, m] Wraps the values table on top in a read-only record: an empty
 * table whose metatable reads the values (then the model's methods),
 * refuses assignments and prints like the model. */
static void wrap_record(lua_State *L, int cls, const orm_table *t)
{
    int vals = lua_gettop(L);
    push_record_parts(L, cls, t);
    int parts = vals + 1;
    lua_rawgeti(L, parts, 1);
    lua_setmetatable(L, vals);
    lua_newtable(L); /* the record */
    lua_createtable(L, 0, 5);
    lua_pushvalue(L, vals);
    lua_setfield(L, -2, "__index");
    lua_rawgeti(L, parts, 4);
    lua_setfield(L, -2, "__columns");
    lua_rawgeti(L, parts, 2);
    lua_setfield(L, -2, "__newindex");
    lua_rawgeti(L, parts, 3);
    lua_setfield(L, -2, "__tostring");
    lua_pushliteral(L, "read-only");
    lua_setfield(L, -2, "__metatable");
    lua_setmetatable(L, -2);
    lua_replace(L, vals);
    lua_settop(L, vals);
}

/* [-0, +1, m] A record of the cursor's current history row; ORM_ENOMEM
 * when a value could not be read (the record is pushed anyway). */
static int push_record(lua_State *L, int cls, const orm_table *t, orm_cursor *cur)
{
    const orm_table *h = t->history;
    int rc = ORM_OK;
    lua_createtable(L, 0, h->ncols + 1);
    for (int i = 0; i < h->ncols; i++) {
        orm_value v = ORM_VALUE_NULL;
        if (orm_cursor_value(cur, i, &v) < 0) rc = ORM_ENOMEM;
        l_value_push(L, &v, &h->cols[i].type);
        orm_value_clear(&v);
        lua_setfield(L, -2, h->cols[i].attr);
    }
    lua_getfield(L, -1, t->cols[t->version_col].attr);
    lua_setfield(L, -2, "version");
    wrap_record(L, cls, t);
    return rc;
}

/* Runs the history query and pushes a list of records (all) or the first
 * record or nil (first). Returns a failure (the session's error says
 * which) instead of raising, so callers free what they hold first.
 * [-0, +1, m] */
static int push_history(lua_State *L, l_db *db, int cls, const orm_table *t, const orm_value *key,
                        const orm_value *after, int first)
{
    l_list_new(L, 0); /* prints as [<Doc ...>, ...]; a table in .mode box */
    int list = lua_gettop(L), n = 0;
    int rc = orm_session_autoflush(db->session);
    orm_cursor **box = l_cursor_box(L); /* closes the cursor if a value raises */
    if (rc >= 0) rc = orm_history_open(db->session, t, key, after, box);
    while (rc >= 0 && (rc = orm_cursor_step(*box)) == ORM_ROW) {
        if (push_record(L, cls, t, *box) < 0) rc = orm_error_oom(orm_session_error(db->session));
        lua_rawseti(L, list, ++n);
        if (first) break;
    }
    l_cursor_box_close(box);
    lua_settop(L, list);
    if (first) {
        lua_rawgeti(L, list, 1);
        lua_remove(L, list);
    }
    return rc < 0 ? rc : ORM_OK;
}

/* obj:history() — upvalue 1: the class. */
static int m_history(lua_State *L)
{
    orm_object *o = l_instance_check(L, 1);
    lua_settop(L, 1);
    lua_pushvalue(L, lua_upvalueindex(1));
    int cls = lua_gettop(L);
    l_class *c = l_class_test(L, cls);
    if (o->table != c->table)
        return l_arg_error(L, 1, "obj:history()", "obj", "an object of this model");
    if (o->session == NULL || o->state == ORM_OBJ_TRANSIENT) {
        l_list_new(L, 0); /* never written: no history */
        return 1;
    }
    const orm_table *t = c->table;
    orm_value key[ORM_MAX_COLUMNS];
    for (int i = 0; i < t->npk; i++)
        key[i] = o->dbkey ? o->dbkey[i] : o->values[t->pk[i]];
    if (push_history(L, c->db, cls, t, key, NULL, 0) < 0) return l_db_raise_session(L, c->db);
    return 1;
}

/* Model:history_at(pk, instant) — upvalue 1: the class. The state the row
 * had at instant: the first history row changed later, else the row as it
 * is now (nil when there is none). */
static int m_history_at(lua_State *L)
{
    if (lua_gettop(L) < 3)
        return l_arg_error(L, 3, "Model:history_at(pk, instant)", "instant", "a DateTime string");
    lua_settop(L, 3);
    lua_pushvalue(L, lua_upvalueindex(1));
    int cls = lua_gettop(L);
    l_class *c = l_class_test(L, cls);
    const orm_table *t = c->table;
    orm_error err;
    orm_error_init(&err);
    orm_value key[ORM_MAX_COLUMNS], at = ORM_VALUE_NULL;
    int n = 0, rc = 0;
    for (; rc >= 0 && n < t->npk; n++) {
        if (t->npk == 1) {
            lua_pushvalue(L, 2);
        } else if (!lua_istable(L, 2)) {
            rc = orm_error_set(&err, ORM_ERR_ARGUMENT, 0,
                               "%s:history_at: a composite key is a table of %d values",
                               t->model_name ? t->model_name : t->name, t->npk);
            break;
        } else {
            lua_rawgeti(L, 2, n + 1);
        }
        rc = l_value_to(L, -1, &t->cols[t->pk[n]].type, &key[n], &err);
        lua_pop(L, 1);
        if (rc < 0) break;
    }
    orm_type dt = {.kind = ORM_T_DATETIME};
    if (lua_type(L, 3) == LUA_TSTRING && lua_rawlen(L, 3) == 10) { /* a day: its start */
        lua_pushfstring(L, "%s 00:00:00", lua_tostring(L, 3));
        lua_replace(L, 3);
    }
    if (rc >= 0) rc = l_value_to(L, 3, &dt, &at, &err);
    if (rc < 0) {
        for (int i = 0; i < n; i++)
            orm_value_clear(&key[i]);
        return l_error_raise(L, &err);
    }
    rc = push_history(L, c->db, cls, t, key, &at, 1);
    for (int i = 0; i < n; i++)
        orm_value_clear(&key[i]);
    orm_value_clear(&at);
    if (rc < 0) return l_db_raise_session(L, c->db);
    if (!lua_isnil(L, -1)) return 1;
    lua_pop(L, 1);
    /* nothing changed after the instant: the row as it is now (or nil) */
    return l_session_get(L, c->db, cls, 2);
}

void l_history_setup(lua_State *L, int cls)
{
    cls = lua_absindex(L, cls);
    lua_pushvalue(L, cls);
    lua_pushcclosure(L, m_history, 1);
    lua_setfield(L, cls, "history");
    lua_pushvalue(L, cls);
    lua_pushcclosure(L, m_history_at, 1);
    lua_setfield(L, cls, "history_at");
}
