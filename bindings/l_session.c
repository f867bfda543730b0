/* l_session.c — db.session: the Lua face of the core unit of work (add,
 * delete, flush, commit, rollback, get, query, execute, ...) and the
 * new/dirty/deleted views. */
#include <stdlib.h>
#include <string.h>

#include "compile.h"
#include "dialect.h"
#include "l_db.h"
#include "shard.h"
#include "l_relation.h"
#include "l_result.h"

#define L_SESSION_MAGIC 0x4F524D53u
#define SESSION_METHODS "__methods" /* in the shared metatable */

typedef struct l_session {
    unsigned magic; /* L_SESSION_MAGIC: a cheaper type test than the metatable's */
    l_db *db;
} l_session;

l_db *l_session_check(lua_State *L, int idx)
{
    l_session *s = lua_touserdata(L, idx);
    /* anything else gets luaL_checkudata's error, which the '.'-for-':' hint reads */
    if (s == NULL || lua_rawlen(L, idx) != sizeof *s || s->magic != L_SESSION_MAGIC)
        s = luaL_checkudata(L, idx, L_MT_SESSION);
    if (s->db == NULL || s->db->session == NULL) luaL_argerror(L, idx, "the session is closed");
    s->db->L = L;
    return s->db;
}

/* [-0, +1, m] A copy of the table at idx (its own fields only). */
static void copy_table(lua_State *L, int idx)
{
    idx = lua_absindex(L, idx);
    lua_createtable(L, 0, 8);
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        lua_pushvalue(L, -2);
        lua_insert(L, -2);
        lua_rawset(L, -4);
    }
}

static int s_props(lua_State *L);

/* Each session has a metatable of its own (the shared one's fields): its
 * __index is a copy of the methods table, so that session:get finds its
 * method without a call, and that table's own __index (a closure over
 * this session) answers the properties new / dirty / deleted and raises
 * for anything else. */
void l_session_push_new(lua_State *L, l_db *db, int dbidx)
{
    l_session *s = lua_newuserdatauv(L, sizeof *s, 1);
    s->magic = L_SESSION_MAGIC;
    s->db = db;
    int self = lua_gettop(L);
    luaL_getmetatable(L, L_MT_SESSION);
    copy_table(L, -1);
    lua_getfield(L, -2, SESSION_METHODS);
    copy_table(L, -1); /* this session's methods */
    lua_createtable(L, 0, 1);
    lua_pushvalue(L, self);
    lua_pushcclosure(L, s_props, 1);
    lua_setfield(L, -2, "__index");
    l_protect_mt(L);
    lua_setmetatable(L, -2);
    lua_setfield(L, -3, "__index");
    lua_pop(L, 1);
    lua_setmetatable(L, self);
    lua_settop(L, self);
    lua_pushvalue(L, dbidx);
    lua_setiuservalue(L, -2, 1); /* keeps the db alive */
}

static int check_rc(lua_State *L, l_db *db, int rc)
{
    if (rc < 0) return l_db_raise_session(L, db);
    return 0;
}

/* On a sharded db, the object method f runs on the shard of the instance
 * at 2 (a new object's: the one shard_by names). */
#define ON_OBJECT_SHARD(db, f)                                                                     \
    do {                                                                                           \
        if (l_shard_fanout(db)) {                                                                  \
            int sh_ = l_shard_of_instance(L, db, 2);                                               \
            return l_shard_call(L, db, sh_, f, 0, lua_gettop(L));                                  \
        }                                                                                          \
    } while (0)
/* On a sharded db, f runs on every shard in turn. */
#define ON_EVERY_SHARD(db, f)                                                                      \
    do {                                                                                           \
        if (l_shard_fanout(db)) return l_shard_each(L, db, f, 0, lua_gettop(L));                   \
    } while (0)

static int s_add(lua_State *L)
{
    l_db *db = l_session_check(L, 1);
    ON_OBJECT_SHARD(db, s_add);
    orm_object *o = l_instance_check(L, 2);
    check_rc(L, db, orm_session_add(db->session, o));
    l_rel_cascade_add(L, db, 2);
    return 0;
}

static int s_add_all(lua_State *L)
{
    l_db *db = l_session_check(L, 1);
    if (!l_coll_is(L, 2)) luaL_checktype(L, 2, LUA_TTABLE);
    l_coll_push_list(L, 2); /* a collection: its items, as they are now */
    lua_replace(L, 2);
    lua_Integer n = luaL_len(L, 2);
    for (lua_Integer i = 1; i <= n; i++) {
        lua_geti(L, 2, i);
        orm_object *o = l_instance_test(L, -1);
        if (o == NULL)
            return luaL_error(
                L, "bad argument #1 to 'add_all' (item %d is a %s, not a model instance)", (int)i,
                luaL_typename(L, -1));
        if (l_shard_fanout(db)) { /* session:add(item) on its shard */
            lua_pushvalue(L, 1);
            lua_insert(L, -2);
            l_shard_call(L, db, l_shard_of_instance(L, db, -1), s_add, 0, 2);
            continue;
        }
        if (orm_session_add(db->session, o) < 0) return l_db_raise_session(L, db);
        l_rel_cascade_add(L, db, -1);
        lua_pop(L, 1);
    }
    return 0;
}

static int s_delete(lua_State *L)
{
    l_db *db = l_session_check(L, 1);
    ON_OBJECT_SHARD(db, s_delete);
    orm_object *o = l_instance_check(L, 2);
    if (o->session == db->session) l_rel_before_delete(L, db, 2);
    return check_rc(L, db, orm_session_delete(db->session, o));
}

static int s_expunge(lua_State *L)
{
    l_db *db = l_session_check(L, 1);
    ON_OBJECT_SHARD(db, s_expunge);
    return check_rc(L, db, orm_session_expunge(db->session, l_instance_check(L, 2)));
}

static int s_flush(lua_State *L)
{
    l_db *db = l_session_check(L, 1);
    ON_EVERY_SHARD(db, s_flush);
    return check_rc(L, db, orm_session_flush(db->session));
}

static int s_commit(lua_State *L)
{
    l_db *db = l_session_check(L, 1);
    ON_EVERY_SHARD(db, s_commit);
    /* inside db.seed the seed's own transaction commits at its end */
    if (db->seed) return check_rc(L, db, orm_session_flush(db->session));
    return check_rc(L, db, orm_session_commit(db->session));
}

static int s_rollback(lua_State *L)
{
    l_db *db = l_session_check(L, 1);
    ON_EVERY_SHARD(db, s_rollback);
    l_rel_forget(L, db);
    return check_rc(L, db, orm_session_rollback(db->session));
}

static int s_close(lua_State *L)
{
    l_db *db = l_session_check(L, 1);
    ON_EVERY_SHARD(db, s_close);
    l_rel_forget(L, db);
    return check_rc(L, db, orm_session_close(db->session));
}

static int s_refresh(lua_State *L)
{
    l_db *db = l_session_check(L, 1);
    ON_OBJECT_SHARD(db, s_refresh);
    return check_rc(L, db, orm_session_refresh(db->session, l_instance_check(L, 2)));
}

/* [-0, +1, m] "{ PlaylistId = ..., TrackId = ... }": the key by name. */
static void push_key_names(lua_State *L, const orm_table *t)
{
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    luaL_addstring(&b, "{ ");
    for (int i = 0; i < t->npk; i++) {
        if (i) luaL_addstring(&b, ", ");
        luaL_addstring(&b, t->cols[t->pk[i]].attr);
        luaL_addstring(&b, " = ...");
    }
    luaL_addstring(&b, " }");
    luaL_pushresult(&b);
}

/* [-0, +0, v] ArgumentError: the key given (why) does not fit t's. */
static int bad_key(lua_State *L, const orm_table *t, const char *why)
{
    l_class_push(L, t);
    lua_getfield(L, -1, "__name");
    const char *cls = lua_isstring(L, -1) ? lua_tostring(L, -1) : t->name;
    push_key_names(L, t);
    return l_error_raisef(L, ORM_ERR_ARGUMENT,
                          "get(%s, key): the primary key is %s%s or a list of its %d value%s in "
                          "that order; %s",
                          cls, lua_tostring(L, -1), t->npk == 1 ? ", a value" : "", t->npk,
                          t->npk == 1 ? "" : "s", why);
}

/* Whether the key table at idx names its columns ({ PlaylistId = 1,
 * TrackId = 3 }): then every key is one of t's key attributes and every one
 * is there. A list ({1, 3}) must have exactly t->npk items and nothing
 * else. Raises ArgumentError naming the key columns otherwise. */
static int key_by_name(lua_State *L, int idx, const orm_table *t)
{
    lua_Integer len = (lua_Integer)lua_rawlen(L, idx), nother = 0, nnamed = 0;
    const char *unknown = NULL; /* a key of the table (so it stays alive) */
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        lua_pop(L, 1);
        if (lua_type(L, -1) == LUA_TNUMBER && lua_isinteger(L, -1) && lua_tointeger(L, -1) >= 1 &&
            lua_tointeger(L, -1) <= len)
            continue;
        if (lua_type(L, -1) != LUA_TSTRING) {
            nother++;
            continue;
        }
        const char *k = lua_tostring(L, -1);
        int found = 0;
        for (int i = 0; i < t->npk && !found; i++)
            found = strcmp(t->cols[t->pk[i]].attr, k) == 0;
        if (!found && (unknown == NULL || strcmp(k, unknown) < 0))
            unknown = k; /* the first in order: the same message every run */
        nnamed++;
    }
    if (unknown) {
        lua_pushfstring(L, "'%s' is not one of them", unknown);
        bad_key(L, t, lua_tostring(L, -1));
    }
    if (nnamed > 0 && (len > 0 || nother > 0)) bad_key(L, t, "got names and positions mixed");
    if (nnamed > 0 && nnamed != t->npk) {
        for (int i = 0; i < t->npk; i++)
            if (lua_getfield(L, idx, t->cols[t->pk[i]].attr) == LUA_TNIL) {
                lua_pushfstring(L, "'%s' is missing", t->cols[t->pk[i]].attr);
                bad_key(L, t, lua_tostring(L, -1));
            } else {
                lua_pop(L, 1);
            }
    }
    if (nnamed == 0 && (len != t->npk || nother > 0)) {
        lua_pushfstring(L, "got %d value(s)", (int)len);
        bad_key(L, t, lua_tostring(L, -1));
    }
    return nnamed > 0;
}

/* Converts the primary key at idx (a value, a list for composite keys, or a
 * table by attribute name) for table t into pk[]. Raises ArgumentError on a
 * key that does not fit, DataError on a value of the wrong type. */
static void to_pk(lua_State *L, int idx, const orm_table *t, orm_value *pk)
{
    if (t->npk == 1 && lua_isinteger(L, idx)) { /* get(Model, 5): what l_value_to makes of it */
        orm_type_kind k = t->cols[t->pk[0]].type.kind;
        if (k == ORM_T_INTEGER || k == ORM_T_BIGINT) {
            orm_value_int(&pk[0], (int64_t)lua_tointeger(L, idx));
            return;
        }
    }
    orm_error err;
    orm_error_init(&err);
    idx = lua_absindex(L, idx);
    int composite = lua_istable(L, idx) && !l_expr_test(L, idx);
    int named = composite && key_by_name(L, idx, t);
    if (!composite && t->npk != 1)
        bad_key(L, t, lua_pushfstring(L, "got a %s", luaL_typename(L, idx)));
    for (int i = 0; i < t->npk; i++) {
        const orm_column *c = &t->cols[t->pk[i]];
        if (named)
            lua_getfield(L, idx, c->attr);
        else if (composite)
            lua_rawgeti(L, idx, i + 1);
        else
            lua_pushvalue(L, idx);
        if (l_value_to(L, -1, &c->type, &pk[i], &err) < 0) {
            for (int j = 0; j < i; j++)
                orm_value_clear(&pk[j]);
            if (err.cls == ORM_ERR_OPERATIONAL || !err.message) { /* out of memory: not the key */
                orm_error_clear(&err);
                l_oom(L);
            }
            lua_pushfstring(L, "%s.%s: %s", t->name, c->attr, err.message);
            orm_error_clear(&err);
            l_error_raisef(L, ORM_ERR_DATA, "%s", lua_tostring(L, -1));
        }
        lua_pop(L, 1);
    }
}

/* session:get(Model, pk) -> object or nil [-0, +1, e] */
int l_session_get(lua_State *L, l_db *db, int clsidx, int pkidx)
{
    if (l_shard_fanout(db)) return l_shard_get(L, db, clsidx, pkidx, 0);
    l_class *c = l_class_of(L, db, clsidx);
    if (c == NULL) return luaL_typeerror(L, clsidx, "model class");
    if (lua_isnone(L, pkidx)) bad_key(L, c->table, "got no key");
    orm_value pk[ORM_MAX_COLUMNS];
    to_pk(L, pkidx, c->table, pk);
    orm_object *o = NULL;
    int rc = orm_session_get(db->session, c->table, pk, &o);
    for (int i = 0; i < c->table->npk; i++)
        orm_value_clear(&pk[i]);
    if (rc < 0) return l_db_raise_session(L, db);
    if (o == NULL)
        lua_pushnil(L);
    else
        l_instance_push_object(L, db, o);
    return 1;
}

static int s_get(lua_State *L)
{
    l_db *db = l_session_check(L, 1);
    if (l_shard_fanout(db)) return l_shard_get(L, db, 2, 3, 4);
    return l_session_get(L, db, 2, 3);
}

static int s_query(lua_State *L)
{
    l_db *db = l_session_check(L, 1);
    if (lua_gettop(L) < 2) return luaL_argerror(L, 2, "a model, column or expression expected");
    l_query_new(L, db, 2, lua_gettop(L));
    return 1;
}

static int s_execute(lua_State *L)
{
    l_db *db = l_session_check(L, 1);
    orm_expr *e = l_expr_test(L, 2);
    if (e && e->kind == ORM_X_TEXT) return l_execute_text(L, db, e, 3);
    if (l_query_is(L, 2)) return l_query_execute(L, 2);
    return luaL_typeerror(L, 2, "db.text(...) or a query");
}

/* session:scalar(stmt, params): the first column of the first row. */
static int s_scalar(lua_State *L)
{
    lua_settop(L, 3);
    s_execute(L);
    lua_getfield(L, -1, "scalar");
    lua_insert(L, -2);
    lua_call(L, 1, 1);
    return 1;
}

/* session:scalars(stmt, params): the first column of every row, a
 * ScalarResult (execute(stmt):scalars()). */
static int s_scalars(lua_State *L)
{
    lua_settop(L, 3);
    s_execute(L);
    lua_getfield(L, -1, "scalars");
    lua_insert(L, -2);
    lua_call(L, 1, 1);
    return 1;
}

/* ---- savepoints: session:begin_nested() ---- */

#define L_MT_SAVEPOINT "orm.Savepoint"

typedef struct l_savepoint {
    l_db *db;
    int id; /* 0 once committed or rolled back */
} l_savepoint;

static l_savepoint *check_savepoint(lua_State *L)
{
    l_savepoint *sp = luaL_checkudata(L, 1, L_MT_SAVEPOINT);
    if (sp->id == 0) luaL_argerror(L, 1, "this savepoint was already committed or rolled back");
    if (sp->db->session == NULL) luaL_argerror(L, 1, "the session is closed");
    sp->db->L = L;
    return sp;
}

static int sp_commit(lua_State *L)
{
    l_savepoint *sp = check_savepoint(L);
    int id = sp->id;
    sp->id = 0;
    return check_rc(L, sp->db, orm_session_release_savepoint(sp->db->session, id));
}

static int sp_rollback(lua_State *L)
{
    l_savepoint *sp = check_savepoint(L);
    int id = sp->id;
    sp->id = 0;
    l_rel_forget(L, sp->db);
    return check_rc(L, sp->db, orm_session_rollback_to_savepoint(sp->db->session, id));
}

/* session:begin_nested() -> a savepoint with :commit() and :rollback() [-0, +1, e] */
static int s_begin_nested(lua_State *L)
{
    l_db *db = l_session_check(L, 1);
    l_savepoint *sp = lua_newuserdatauv(L, sizeof *sp, 1);
    sp->db = db;
    sp->id = 0;
    luaL_setmetatable(L, L_MT_SAVEPOINT);
    lua_getiuservalue(L, 1, 1);
    lua_setiuservalue(L, -2, 1); /* keeps the db alive */
    if (orm_session_savepoint(db->session, &sp->id) < 0) return l_db_raise_session(L, db);
    return 1;
}

/* session:merge(obj): the session's own instance for obj's row, carrying
 * obj's values (a new pending copy when the row is not in the database). */
static int s_merge(lua_State *L)
{
    l_db *db = l_session_check(L, 1);
    orm_object *o = l_instance_check(L, 2);
    if (o->session == db->session) {
        lua_settop(L, 2);
        return 1;
    }
    const orm_table *t = o->table;
    int haskey = 1;
    for (int i = 0; i < t->npk; i++)
        haskey &= o->values[t->pk[i]].type != ORM_V_NULL;
    orm_object *target = NULL;
    if (haskey) {
        orm_value pk[ORM_MAX_COLUMNS];
        for (int i = 0; i < t->npk; i++)
            pk[i] = o->values[t->pk[i]]; /* shallow: borrowed */
        if (orm_session_get(db->session, t, pk, &target) < 0) return l_db_raise_session(L, db);
    }
    int created = target == NULL;
    if (created && (target = orm_object_new(t)) == NULL) return l_oom(L);
    l_instance_push_object(L, db, target);
    int out = lua_gettop(L);
    for (int i = 0; i < t->ncols; i++) {
        if (!created &&
            (t->cols[i].primary_key || orm_value_equal(&target->values[i], &o->values[i])))
            continue;
        orm_value v;
        if (orm_value_copy(&v, &o->values[i]) < 0 || orm_object_set(target, i, &v) < 0)
            return l_oom(L);
    }
    if (created && orm_session_add(db->session, target) < 0) return l_db_raise_session(L, db);
    lua_settop(L, out);
    return 1;
}

static void push_pending(lua_State *L, l_db *db, char want);

/* The __index of a session's methods table (upvalue 1: the session):
 * the properties, else an error. */
static int s_props(lua_State *L)
{
    l_session *s = lua_touserdata(L, lua_upvalueindex(1));
    const char *key = lua_tostring(L, 2);
    if (key && s->db && s->db->session) {
        if (strcmp(key, "new") == 0) return push_pending(L, s->db, 'n'), 1;
        if (strcmp(key, "dirty") == 0) return push_pending(L, s->db, 'd'), 1;
        if (strcmp(key, "deleted") == 0) return push_pending(L, s->db, 'x'), 1;
    }
    return l_error_raisef(L, ORM_ERR_DATA, "Session has no attribute '%s'", key ? key : "?");
}

struct pending_ctx {
    lua_State *L;
    l_db *db;
    char want;
    int list;
    lua_Integer n;
};

static void collect_pending(void *ctx, orm_object *o, char kind)
{
    struct pending_ctx *p = ctx;
    if (kind != p->want || o->table->udata == NULL) return; /* association rows have no class */
    l_instance_push_object(p->L, p->db, orm_object_retain(o));
    lua_rawseti(p->L, p->list, ++p->n);
}

static void push_pending(lua_State *L, l_db *db, char want)
{
    l_list_new(L, 0);
    struct pending_ctx p = {L, db, want, lua_gettop(L), 0};
    if (db->shards)
        for (int i = 0; i < db->shards->n; i++)
            orm_session_each_pending(db->shards->v[i].session, collect_pending, &p);
    else
        orm_session_each_pending(db->session, collect_pending, &p);
}

static int s_tostring(lua_State *L)
{
    lua_pushliteral(L, "<Session>");
    return 1;
}

static const luaL_Reg session_methods[] = {
    {"add", s_add},         {"add_all", s_add_all},   {"delete", s_delete},
    {"flush", s_flush},     {"commit", s_commit},     {"rollback", s_rollback},
    {"close", s_close},     {"get", s_get},           {"query", s_query},
    {"execute", s_execute}, {"scalar", s_scalar},     {"scalars", s_scalars},
    {"refresh", s_refresh}, {"expunge", s_expunge},   {"begin_nested", s_begin_nested},
    {"merge", s_merge},     {"plan", l_session_plan}, {NULL, NULL},
};

/* Methods after "session:", the pending-change views after "session.". */
static int s_complete(lua_State *L)
{
    int dot = lua_type(L, 2) == LUA_TSTRING && strcmp(lua_tostring(L, 2), ".") == 0;
    lua_newtable(L);
    int n = 0;
    for (const luaL_Reg *r = session_methods; r->name && !dot; r++) {
        lua_pushstring(L, r->name);
        lua_rawseti(L, -2, ++n);
    }
    static const char *const props[] = {"new", "dirty", "deleted", NULL};
    for (int i = 0; props[i] && dot; i++) {
        lua_pushstring(L, props[i]);
        lua_rawseti(L, -2, ++n);
    }
    return 1;
}

void l_session_open(lua_State *L)
{
    if (luaL_newmetatable(L, L_MT_SAVEPOINT)) {
        l_protect_mt(L);
        static const luaL_Reg sp_methods[] = {
            {"commit", sp_commit}, {"rollback", sp_rollback}, {NULL, NULL}};
        luaL_newlib(L, sp_methods);
        lua_setfield(L, -2, "__index");
    }
    lua_pop(L, 1);
    if (luaL_newmetatable(L, L_MT_SESSION)) {
        l_protect_mt(L);
        luaL_newlib(L, session_methods); /* each session's __index copies it */
        lua_setfield(L, -2, SESSION_METHODS);
        lua_pushcfunction(L, s_tostring);
        lua_setfield(L, -2, "__tostring");
        lua_pushcfunction(L, s_complete);
        lua_setfield(L, -2, "__complete");
    }
    lua_pop(L, 1);
}
