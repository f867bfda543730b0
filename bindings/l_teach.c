/* l_teach.c — session errors that teach: the error of a failed flush is
 * raised with what the learner needs to fix it. An IntegrityError names the
 * existing row a unique column collides with (one indexed lookup per unique
 * column holding a value, only on this error path); an error raised by the
 * autoflush before a query says so, names the object and how to recover.
 * The error keeps its class; err.message carries the added text. */
#include <string.h>

#include "l_db.h"
#include "l_relation.h"

/* lua_CFunction (orm_error *) -> raises it (run under lua_pcall). */
static int raise_plain(lua_State *L)
{
    return l_error_raise(L, lua_touserdata(L, 1));
}

/* [-0, +1, e] " (email 'u@x' is already used by <Author: ...>)" for the
 * first unique column of the instance at inst whose value another row has,
 * or "" when none does. Runs with the autoflush off. */
static void push_collision(lua_State *L, const orm_object *o, int inst)
{
    const orm_table *t = o->table;
    int top = lua_gettop(L);
    for (int i = 0; i < t->ncols; i++) {
        const orm_column *c = &t->cols[i];
        if (!c->unique || c->primary_key || o->values[i].type == ORM_V_NULL) continue;
        l_class_push(L, t);
        if (!lua_istable(L, -1)) break;
        lua_getfield(L, -1, "query");
        lua_getfield(L, -1, "filter_by");
        lua_insert(L, -2);
        lua_createtable(L, 0, 1);
        l_value_push(L, &o->values[i], &c->type);
        lua_setfield(L, -2, c->attr);
        lua_call(L, 2, 1);
        lua_getfield(L, -1, "first");
        lua_insert(L, -2);
        lua_call(L, 1, 1);
        if (!lua_isnil(L, -1) && !lua_rawequal(L, -1, inst)) {
            int other = lua_gettop(L);
            l_instance_repr(L, other);
            l_value_push(L, &o->values[i], &c->type);
            const char *v = lua_type(L, -1) == LUA_TSTRING
                                ? lua_pushfstring(L, "'%s'", lua_tostring(L, -1))
                                : luaL_tolstring(L, -1, NULL);
            lua_pushfstring(L, " (%s %s is already used by %s)", c->attr, v, lua_tostring(L, -3));
            lua_replace(L, top + 1);
            lua_settop(L, top + 1);
            return;
        }
        lua_settop(L, top);
    }
    lua_settop(L, top);
    lua_pushliteral(L, "");
}

/* lua_CFunction (inst) -> push_collision's text. */
static int collision_k(lua_State *L)
{
    orm_object *o = l_instance_test(L, 1);
    if (o == NULL) return 0;
    push_collision(L, o, 1);
    return 1;
}

/* lua_CFunction (err, inst, autoflush, db) -> err, its message extended. */
static int teach(lua_State *L)
{
    l_db *db = lua_touserdata(L, 4);
    int autoflush = lua_toboolean(L, 3);
    lua_settop(L, 4);
    if (l_instance_test(L, 2) == NULL || !lua_istable(L, 1)) return 1;
    if (lua_getfield(L, 1, "message") != LUA_TSTRING) return 1; /* 5 */
    if (l_error_is(L, 1, ORM_ERR_INTEGRITY)) {
        int on = orm_session_autoflush_enabled(db->session);
        orm_session_set_autoflush(db->session, 0); /* the lookup must not retry the flush */
        lua_pushcfunction(L, collision_k);
        lua_pushvalue(L, 2);
        int rc = lua_pcall(L, 1, 1, 0);
        orm_session_set_autoflush(db->session, on);
        if (rc != LUA_OK || lua_type(L, -1) != LUA_TSTRING) {
            lua_pop(L, 1);
            lua_pushliteral(L, "");
        }
        lua_concat(L, 2);
    }
    if (autoflush) {
        l_instance_repr(L, 2);
        lua_pushfstring(L,
                        "%s (raised by the autoflush before this query, while flushing the "
                        "pending changes of %s: fix the value and try again, or call "
                        "db.session:rollback() to discard the pending changes)",
                        lua_tostring(L, -2), lua_tostring(L, -1));
        lua_replace(L, 5);
        lua_pop(L, 1);
    }
    lua_setfield(L, 1, "message");
    lua_settop(L, 1);
    return 1;
}

int l_db_raise_session(lua_State *L, l_db *db)
{
    int autoflush = 0;
    orm_object *o = orm_session_take_failed(db->session, &autoflush);
    luaL_where(L, 1); /* the caller's position, as l_error_raise would take it */
    lua_pushcfunction(L, raise_plain);
    lua_pushlightuserdata(L, orm_session_error(db->session));
    (void)lua_pcall(L, 1, 1, 0); /* always fails: the error value is on top */
    int err = lua_gettop(L);
    if (lua_istable(L, err)) {
        lua_pushvalue(L, err - 1);
        lua_setfield(L, err, "where");
    }
    if (o != NULL && o->table->udata == NULL) { /* an association row: no class shows it */
        orm_object_release(o);
        o = NULL;
    }
    if (o == NULL) l_throw(L);
    lua_pushcfunction(L, teach);
    lua_pushvalue(L, err);
    l_instance_push_object(L, db, o); /* takes over the reference */
    lua_pushboolean(L, autoflush);
    lua_pushlightuserdata(L, db);
    if (lua_pcall(L, 4, 1, 0) == LUA_OK) lua_replace(L, err);
    lua_settop(L, err);
    l_throw(L);
}

int l_db_raise_session_rolled_back(lua_State *L, l_db *db)
{
    orm_error err; /* the rollback clears the session's error: kept apart meanwhile */
    orm_error_init(&err);
    orm_error_move(&err, orm_session_error(db->session));
    orm_session_rollback(db->session);
    l_rel_forget(L, db);
    orm_error_move(orm_session_error(db->session), &err); /* the first error wins */
    l_db_raise_session(L, db);
}
