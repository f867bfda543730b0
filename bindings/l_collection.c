/* l_collection.c — relationships at work on instances: reading and writing
 * obj.rel, collections (list-like, printed as [<A>, <B>]) whose
 * append/remove keep both sides in step in memory, and association rows for
 * many-to-many. Loaded state lives in the db's weak-keyed "relstate" table:
 * relstate[instance][name] = collection or related instance. A collection
 * is a plain list with the shared metatable L_MT_COLLECTION; its owner and
 * declaration sit in its hash part under two private light-userdata keys
 * (hidden from pairs by __pairs). Loading is in l_rel_load.c, cascades in
 * l_rel_cascade.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compile.h"
#include "dialect.h"
#include "l_relation.h"
#include "l_result.h"
#include "relation_state.h"

#define L_MT_OBJBOX "orm.ObjectBox"

/* The addresses are the keys of a collection's owner and declaration. */
static const char OWNER_KEY = 'o', DECL_KEY = 'd';

/* ---- loaded state ---- */

/* [-0, +1, m] relstate[inst] (created when create is set; else may be nil) */
void l_rel_push_state(lua_State *L, l_db *db, int inst_idx, int create)
{
    inst_idx = lua_absindex(L, inst_idx);
    l_db_push_uv(L, db);
    lua_getfield(L, -1, L_DB_RELSTATE);
    lua_remove(L, -2);
    lua_pushvalue(L, inst_idx);
    if (lua_rawget(L, -2) == LUA_TNIL && create) {
        lua_pop(L, 1);
        lua_newtable(L);
        lua_pushvalue(L, inst_idx);
        lua_pushvalue(L, -2);
        lua_rawset(L, -4);
    }
    lua_remove(L, -2);
}

/* [-0, +1, m] the loaded value of relationship name for inst (nil if none) */
void l_rel_push_loaded(lua_State *L, l_db *db, int inst_idx, const char *name)
{
    l_rel_push_state(L, db, inst_idx, 0);
    if (lua_istable(L, -1))
        lua_getfield(L, -1, name);
    else
        lua_pushnil(L);
    lua_remove(L, -2);
}

/* [-0, +0, m] relstate[inst][name] = value at val_idx */
void l_rel_set_loaded(lua_State *L, l_db *db, int inst_idx, const char *name, int val_idx)
{
    val_idx = lua_absindex(L, val_idx);
    l_rel_push_state(L, db, inst_idx, 1);
    lua_pushvalue(L, val_idx);
    lua_setfield(L, -2, name);
    lua_pop(L, 1);
}

void l_rel_cache_target(lua_State *L, l_db *db, int inst_idx, int decl_idx, const orm_rel *r,
                        int val_idx)
{
    inst_idx = lua_absindex(L, inst_idx);
    val_idx = lua_absindex(L, val_idx);
    orm_object *o = l_instance_check(L, inst_idx);
    orm_object *t = lua_isnil(L, val_idx) ? NULL : l_instance_check(L, val_idx);
    if (orm_rel_set_target(o, r, t) < 0) l_oom(L);
    if (t) db->rel_slots = 1;
    /* relstate keeps the target's instance (and what it has loaded) alive
     * as long as inst's, and lets l_rel_forget find inst */
    l_rel_set_loaded(L, db, inst_idx, l_rel_decl_key(L, decl_idx), val_idx);
}

void l_rel_forget(lua_State *L, l_db *db)
{
    l_db_push_uv(L, db);
    lua_getfield(L, -1, L_DB_RELSTATE);
    if (db->rel_slots && lua_istable(L, -1)) { /* what core holds for each instance goes too */
        db->rel_slots = 0;
        lua_pushnil(L);
        while (lua_next(L, -2)) {
            lua_pop(L, 1);
            orm_object *o = l_instance_test(L, -1);
            if (o) orm_rel_slots_clear(o);
        }
    }
    lua_pop(L, 1);
    l_weak_table(L, "k");
    lua_setfield(L, -2, L_DB_RELSTATE);
    lua_pop(L, 1);
}

const char *l_rel_decl_key(lua_State *L, int decl_idx)
{
    lua_getfield(L, decl_idx, "__key");
    const char *k = lua_tostring(L, -1); /* the declaration keeps the string */
    lua_pop(L, 1);
    return k;
}

/* ---- collections ---- */

int l_rel_coll_find(lua_State *L, int coll_idx, int obj_idx)
{
    lua_Integer n = (lua_Integer)lua_rawlen(L, coll_idx);
    const void *p = lua_topointer(L, obj_idx);
    for (lua_Integer i = 1; i <= n; i++) {
        lua_rawgeti(L, coll_idx, i);
        const void *q = lua_topointer(L, -1);
        lua_pop(L, 1);
        if (p == q) return (int)i;
    }
    return 0;
}

static void coll_raw_append(lua_State *L, int coll_idx, int obj_idx)
{
    coll_idx = lua_absindex(L, coll_idx);
    obj_idx = lua_absindex(L, obj_idx);
    if (l_rel_coll_find(L, coll_idx, obj_idx)) return;
    lua_pushvalue(L, obj_idx);
    lua_rawseti(L, coll_idx, (lua_Integer)lua_rawlen(L, coll_idx) + 1);
}

static void coll_raw_remove(lua_State *L, int coll_idx, int obj_idx)
{
    coll_idx = lua_absindex(L, coll_idx);
    int i = l_rel_coll_find(L, lua_absindex(L, coll_idx), lua_absindex(L, obj_idx));
    if (i == 0) return;
    lua_Integer n = (lua_Integer)lua_rawlen(L, coll_idx);
    for (lua_Integer j = i; j < n; j++) {
        lua_rawgeti(L, coll_idx, j + 1);
        lua_rawseti(L, coll_idx, j);
    }
    lua_pushnil(L);
    lua_rawseti(L, coll_idx, n);
}

/* [-0, +1, m] a new empty collection owned by inst for the declaration */
void l_rel_new_collection(lua_State *L, int inst_idx, int decl_idx)
{
    inst_idx = lua_absindex(L, inst_idx);
    decl_idx = lua_absindex(L, decl_idx);
    lua_createtable(L, 0, 2);
    lua_pushvalue(L, inst_idx);
    lua_rawsetp(L, -2, &OWNER_KEY);
    lua_pushvalue(L, decl_idx);
    lua_rawsetp(L, -2, &DECL_KEY);
    luaL_setmetatable(L, L_MT_COLLECTION);
}

/* ---- many-to-one ---- */

/* [-0, +1, e] the current parent of a many-to-one (sql: may load it) */
static void m2o_current(lua_State *L, l_db *db, int inst_idx, int decl_idx, const orm_rel *r,
                        int sql)
{
    orm_object *o = l_instance_check(L, inst_idx);
    orm_object *src = orm_object_link_src(o, r->local_col);
    if (src) {
        l_instance_push_object(L, db, orm_object_retain(src));
        return;
    }
    const orm_value *v = &o->values[r->local_col];
    if (v->type == ORM_V_NULL) {
        lua_pushnil(L);
        return;
    }
    orm_object *cached = orm_rel_target(o, r);
    if (cached && orm_value_equal(&cached->values[r->remote_col], v)) {
        l_instance_push_object(L, db, orm_object_retain(cached));
        return;
    }
    const orm_table *t = r->target;
    if (t->npk == 1 && t->pk[0] == r->remote_col) {
        orm_object *found = orm_session_peek(db->session, t, &v);
        if (found) {
            l_instance_push_object(L, db, orm_object_retain(found));
        } else if (!sql) {
            lua_pushnil(L);
            return;
        } else {
            l_rel_note_lazy(L, db, decl_idx, inst_idx);
            orm_object *out = NULL;
            if (orm_session_get(db->session, t, v, &out) < 0) l_db_raise_session(L, db);
            if (out)
                l_instance_push_object(L, db, out);
            else
                lua_pushnil(L);
        }
    } else if (!sql) {
        lua_pushnil(L);
        return;
    } else {
        l_rel_note_lazy(L, db, decl_idx, inst_idx);
        l_rel_run_load(L, db, r, &v, 1);
        lua_pop(L, 1);
        lua_rawgeti(L, -1, 1);
        lua_remove(L, -2);
    }
    if (!lua_isnil(L, -1)) l_rel_cache_target(L, db, inst_idx, decl_idx, r, -1);
}

static void session_add(lua_State *L, l_db *db, int idx)
{
    orm_object *o = l_instance_check(L, idx);
    if (o->session) return;
    if (orm_session_add(db->session, o) < 0) l_db_raise_session(L, db);
    l_rel_cascade_add(L, db, idx);
}

static void check_target(lua_State *L, const orm_rel *r, int decl_idx, int val_idx)
{
    orm_object *v = l_instance_test(L, val_idx);
    if (v && v->table == r->target) return;
    l_class_push(L, r->target);
    lua_getfield(L, -1, "__name");
    const char *want = lua_tostring(L, -1);
    const char *got =
        v ? lua_pushfstring(L, "%s", ((orm_table *)v->table)->name) : luaL_typename(L, val_idx);
    l_error_raisef(L, ORM_ERR_DATA, "%s: expected a %s instance, got %s",
                   luaL_tolstring(L, decl_idx, NULL), want, got);
}

/* child.<m2o> = parent (parent_idx 0: nil), keeping the reverse collection in step. */
static void m2o_set(lua_State *L, l_db *db, int child_idx, int decl_idx, int parent_idx)
{
    int top = lua_gettop(L);
    child_idx = lua_absindex(L, child_idx);
    decl_idx = lua_absindex(L, decl_idx);
    if (parent_idx) parent_idx = lua_absindex(L, parent_idx);
    orm_rel *r = l_rel_resolve(L, decl_idx);
    if (parent_idx) check_target(L, r, decl_idx, parent_idx);
    orm_object *child = l_instance_check(L, child_idx);
    orm_object *parent = parent_idx ? l_instance_check(L, parent_idx) : NULL;
    l_rel_push_reverse(L, decl_idx);
    int rev = lua_gettop(L);
    if (!lua_isnil(L, rev)) {
        const char *rname = l_rel_decl_key(L, rev);
        m2o_current(L, db, child_idx, decl_idx, r, 0);
        int old = lua_gettop(L);
        if (!lua_isnil(L, old) && !lua_rawequal(L, old, parent_idx ? parent_idx : old + 1)) {
            l_rel_push_loaded(L, db, old, rname);
            if (lua_istable(L, -1)) coll_raw_remove(L, -1, child_idx);
            lua_pop(L, 1);
        }
        if (parent_idx && l_rel_resolve(L, rev)->kind == ORM_REL_O2M) {
            l_rel_read(L, db, parent_idx, rev);
            if (lua_istable(L, -1)) coll_raw_append(L, -1, child_idx);
        }
    }
    if (orm_rel_link(r, child, parent) < 0) l_oom(L);
    if (parent_idx)
        l_rel_cache_target(L, db, child_idx, decl_idx, r, parent_idx);
    else {
        lua_pushnil(L);
        l_rel_cache_target(L, db, child_idx, decl_idx, r, -1);
    }
    if (parent && parent->session && !child->session) session_add(L, db, child_idx);
    if (parent && child->session && !parent->session) session_add(L, db, parent_idx);
    lua_settop(L, top);
}

/* ---- one-to-many and many-to-many changes ---- */

static void o2m_add(lua_State *L, l_db *db, int parent_idx, int decl_idx, int child_idx)
{
    int top = lua_gettop(L);
    orm_rel *r = l_rel_resolve(L, decl_idx);
    check_target(L, r, decl_idx, child_idx);
    orm_object *parent = l_instance_check(L, parent_idx), *child = l_instance_check(L, child_idx);
    l_rel_push_reverse(L, decl_idx);
    if (!lua_isnil(L, -1) && l_rel_resolve(L, -1)->kind == ORM_REL_M2O) {
        m2o_set(L, db, child_idx, lua_gettop(L), parent_idx);
    } else if (orm_rel_link(r, child, parent) < 0) {
        l_oom(L);
    }
    l_rel_read(L, db, parent_idx, decl_idx);
    coll_raw_append(L, -1, child_idx);
    if (parent->session && !child->session) session_add(L, db, child_idx);
    lua_settop(L, top);
}

static void o2m_remove(lua_State *L, l_db *db, int parent_idx, int decl_idx, int child_idx)
{
    int top = lua_gettop(L);
    orm_rel *r = l_rel_resolve(L, decl_idx);
    check_target(L, r, decl_idx, child_idx);
    orm_object *child = l_instance_check(L, child_idx);
    l_rel_push_reverse(L, decl_idx);
    if (!lua_isnil(L, -1) && l_rel_resolve(L, -1)->kind == ORM_REL_M2O)
        m2o_set(L, db, child_idx, lua_gettop(L), 0);
    else if (orm_rel_link(r, child, NULL) < 0)
        l_oom(L);
    l_rel_push_loaded(L, db, parent_idx, l_rel_decl_key(L, decl_idx));
    if (lua_istable(L, -1)) coll_raw_remove(L, -1, child_idx);
    orm_rel_action act = orm_rel_on_remove(r, child);
    if (act == ORM_REL_EXPUNGE_CHILD)
        orm_session_expunge(db->session, child);
    else if (act == ORM_REL_DELETE_CHILD)
        l_rel_delete_object(L, db, child_idx);
    lua_settop(L, top);
}

/* boxes a class-less core object (an association row) for Lua to hold */
static int objbox_gc(lua_State *L)
{
    orm_object **b = luaL_checkudata(L, 1, L_MT_OBJBOX);
    orm_object_release(*b);
    *b = NULL;
    return 0;
}

static void push_objbox(lua_State *L, orm_object *o)
{
    orm_object **b = lua_newuserdatauv(L, sizeof *b, 0);
    *b = NULL;
    luaL_setmetatable(L, L_MT_OBJBOX);
    *b = o;
}

static void m2m_add(lua_State *L, l_db *db, int owner_idx, int decl_idx, int other_idx)
{
    int top = lua_gettop(L);
    owner_idx = lua_absindex(L, owner_idx);
    decl_idx = lua_absindex(L, decl_idx);
    other_idx = lua_absindex(L, other_idx);
    orm_rel *r = l_rel_resolve(L, decl_idx);
    check_target(L, r, decl_idx, other_idx);
    orm_object *owner = l_instance_check(L, owner_idx), *other = l_instance_check(L, other_idx);
    l_rel_read(L, db, owner_idx, decl_idx);
    if (l_rel_coll_find(L, lua_gettop(L), other_idx)) {
        lua_settop(L, top);
        return;
    }
    coll_raw_append(L, -1, other_idx);
    l_rel_push_reverse(L, decl_idx);
    if (!lua_isnil(L, -1)) {
        l_rel_read(L, db, other_idx, lua_gettop(L));
        coll_raw_append(L, -1, owner_idx);
    }
    orm_object *assoc = orm_rel_assoc_new(r, owner, other);
    if (assoc == NULL) l_oom(L);
    push_objbox(L, assoc);
    if (owner->session || other->session) {
        if (orm_session_add(db->session, assoc) < 0) l_db_raise_session(L, db);
        if (owner->session && !other->session) session_add(L, db, other_idx);
        if (other->session && !owner->session) session_add(L, db, owner_idx);
    } else { /* core keeps it with the owner until the owner joins a session */
        if (orm_rel_keep_assoc(owner, assoc) < 0) l_oom(L);
        db->rel_slots = 1;
        l_rel_push_state(L, db, owner_idx, 1); /* l_rel_forget finds the owner */
    }
    lua_settop(L, top);
}

void l_rel_m2m_remove(lua_State *L, l_db *db, int owner_idx, int decl_idx, int other_idx)
{
    int top = lua_gettop(L);
    owner_idx = lua_absindex(L, owner_idx);
    decl_idx = lua_absindex(L, decl_idx);
    other_idx = lua_absindex(L, other_idx);
    orm_rel *r = l_rel_resolve(L, decl_idx);
    check_target(L, r, decl_idx, other_idx);
    l_rel_push_loaded(L, db, owner_idx, l_rel_decl_key(L, decl_idx));
    if (lua_istable(L, -1)) coll_raw_remove(L, -1, other_idx);
    l_rel_push_reverse(L, decl_idx);
    if (!lua_isnil(L, -1)) {
        l_rel_push_loaded(L, db, other_idx, l_rel_decl_key(L, lua_gettop(L)));
        if (lua_istable(L, -1)) coll_raw_remove(L, -1, owner_idx);
    }
    if (orm_rel_assoc_drop(db->session, r, l_instance_check(L, owner_idx),
                           l_instance_check(L, other_idx)) < 0)
        l_db_raise_session(L, db);
    lua_settop(L, top);
}

/* ---- collection methods ---- */

/* [-0, +0, v] the owner (pushed at top-1) and declaration (top) of a collection */
static void coll_owner(lua_State *L, int coll_idx)
{
    coll_idx = lua_absindex(L, coll_idx);
    if (lua_type(L, coll_idx) != LUA_TTABLE || lua_rawgetp(L, coll_idx, &OWNER_KEY) == LUA_TNIL)
        luaL_typeerror(L, coll_idx, "relationship collection");
    lua_rawgetp(L, coll_idx, &DECL_KEY);
}

/* pairs(c): the items only, 1..#c (the owner's keys stay private) */
static int coll_next(lua_State *L)
{
    lua_Integer i = luaL_checkinteger(L, 2) + 1;
    lua_pushinteger(L, i);
    return lua_rawgeti(L, 1, i) == LUA_TNIL ? 1 : 2;
}

static int coll_pairs(lua_State *L)
{
    lua_pushcfunction(L, coll_next);
    lua_pushvalue(L, 1);
    lua_pushinteger(L, 0);
    return 3;
}

static l_db *owner_db(lua_State *L, int owner_idx)
{
    orm_object *o = l_instance_check(L, owner_idx);
    l_class *c = o->table->udata;
    c->db->L = L;
    if (c->db->session == NULL) luaL_error(L, "the database handle is closed");
    return c->db;
}

static int c_append(lua_State *L)
{
    if (!lua_istable(L, 1))
        luaL_typeerror(L, 1, L_MT_COLLECTION); /* names the type for the colon hint */
    coll_owner(L, 1);
    int owner = lua_gettop(L) - 1, decl = owner + 1;
    l_db *db = owner_db(L, owner);
    orm_rel *r = l_rel_resolve(L, decl);
    if (r->kind == ORM_REL_M2M)
        m2m_add(L, db, owner, decl, 2);
    else
        o2m_add(L, db, owner, decl, 2);
    return 0;
}

static int c_remove(lua_State *L)
{
    if (!lua_istable(L, 1))
        luaL_typeerror(L, 1, L_MT_COLLECTION); /* names the type for the colon hint */
    coll_owner(L, 1);
    int owner = lua_gettop(L) - 1, decl = owner + 1;
    l_db *db = owner_db(L, owner);
    orm_rel *r = l_rel_resolve(L, decl);
    if (!l_rel_coll_find(L, 1, 2)) {
        lua_getfield(L, decl, "__key");
        const char *coll = lua_tostring(L, -1);
        const char *what = luaL_tolstring(L, 2, NULL); /* pushed after the name: order matters */
        return l_error_raisef(L, ORM_ERR_ARGUMENT, "%s is not in this %s collection", what,
                              coll ? coll : "?");
    }
    if (r->kind == ORM_REL_M2M)
        l_rel_m2m_remove(L, db, owner, decl, 2);
    else
        o2m_remove(L, db, owner, decl, 2);
    return 0;
}

static int c_contains(lua_State *L)
{
    if (!lua_istable(L, 1))
        luaL_typeerror(L, 1, L_MT_COLLECTION); /* names the type for the colon hint */
    lua_pushboolean(L, l_rel_coll_find(L, 1, 2) != 0);
    return 1;
}

static int c_iter_next(lua_State *L)
{
    lua_Integer i = lua_tointeger(L, lua_upvalueindex(2)) + 1;
    lua_pushinteger(L, i);
    lua_replace(L, lua_upvalueindex(2));
    lua_rawgeti(L, lua_upvalueindex(1), i);
    return 1;
}

static int c_iter(lua_State *L)
{
    if (!lua_istable(L, 1))
        luaL_typeerror(L, 1, L_MT_COLLECTION); /* names the type for the colon hint */
    lua_pushvalue(L, 1);
    lua_pushinteger(L, 0);
    lua_pushcclosure(L, c_iter_next, 2);
    return 1;
}

/* ---- reading and writing obj.rel ---- */

int l_rel_read(lua_State *L, l_db *db, int inst_idx, int decl_idx)
{
    if (l_shard_fanout(db)) return l_shard_rel(L, db, inst_idx, decl_idx, 0);
    inst_idx = lua_absindex(L, inst_idx);
    decl_idx = lua_absindex(L, decl_idx);
    l_rel_configure(L, db);
    orm_rel *r = l_rel_resolve(L, decl_idx);
    if (r->kind == ORM_REL_M2O) {
        m2o_current(L, db, inst_idx, decl_idx, r, 1);
        return 1;
    }
    orm_object *o = l_instance_check(L, inst_idx);
    if (r->lazy == ORM_LAZY_DYNAMIC && r->kind == ORM_REL_O2M) {
        l_class_push(L, r->target);
        lua_getfield(L, -1, "query");
        lua_getfield(L, -1, "filter");
        lua_insert(L, -2);
        orm_expr *eq = orm_rel_dynamic_filter(r, o);
        if (eq == NULL) l_oom(L);
        l_expr_push(L, eq);
        lua_call(L, 2, 1);
        lua_remove(L, -2);
        return 1;
    }
    const char *name = l_rel_decl_key(L, decl_idx);
    l_rel_push_loaded(L, db, inst_idx, name);
    if (lua_istable(L, -1)) {
        if (!r->uselist) lua_rawgeti(L, -1, 1), lua_remove(L, -2);
        return 1;
    }
    lua_pop(L, 1);
    l_rel_new_collection(L, inst_idx, decl_idx);
    int coll = lua_gettop(L);
    const orm_value *key = orm_rel_load_key(r, o);
    if (key) {
        l_rel_note_lazy(L, db, decl_idx, inst_idx);
        l_rel_run_load(L, db, r, &key, 1);
        lua_pop(L, 1);
        lua_Integer n = (lua_Integer)lua_rawlen(L, -1);
        for (lua_Integer i = 1; i <= n; i++) {
            lua_rawgeti(L, -1, i);
            lua_rawseti(L, coll, i);
        }
        lua_pop(L, 1);
    }
    l_rel_set_loaded(L, db, inst_idx, name, coll);
    if (!r->uselist) lua_rawgeti(L, coll, 1), lua_remove(L, coll);
    return 1;
}

void l_rel_write(lua_State *L, l_db *db, int inst_idx, int decl_idx, int val_idx)
{
    if (l_shard_fanout(db)) {
        l_shard_rel(L, db, inst_idx, decl_idx, val_idx);
        return;
    }
    inst_idx = lua_absindex(L, inst_idx);
    decl_idx = lua_absindex(L, decl_idx);
    val_idx = lua_absindex(L, val_idx);
    l_rel_configure(L, db);
    orm_rel *r = l_rel_resolve(L, decl_idx);
    int nil = lua_isnil(L, val_idx) || l_expr_is_null(L, val_idx);
    if (r->kind == ORM_REL_M2O) {
        m2o_set(L, db, inst_idx, decl_idx, nil ? 0 : val_idx);
        return;
    }
    if (!r->uselist) { /* one-to-one: replace the single child */
        l_rel_read(L, db, inst_idx, decl_idx);
        int old = lua_gettop(L);
        if (!lua_isnil(L, old) && !lua_rawequal(L, old, val_idx))
            o2m_remove(L, db, inst_idx, decl_idx, old);
        if (!nil) o2m_add(L, db, inst_idx, decl_idx, val_idx);
        lua_settop(L, old - 1);
        return;
    }
    if (!nil && !lua_istable(L, val_idx)) luaL_typeerror(L, val_idx, "list of instances");
    /* replace the collection: remove what is not in the new list, add the rest */
    l_rel_read(L, db, inst_idx, decl_idx);
    int coll = lua_gettop(L);
    lua_newtable(L); /* snapshot of the old items */
    int old = lua_gettop(L);
    lua_Integer n = (lua_Integer)lua_rawlen(L, coll);
    for (lua_Integer i = 1; i <= n; i++)
        lua_rawgeti(L, coll, i), lua_rawseti(L, old, i);
    for (lua_Integer i = 1; i <= n; i++) {
        lua_rawgeti(L, old, i);
        if (nil || !l_rel_coll_find(L, val_idx, lua_gettop(L))) {
            if (r->kind == ORM_REL_M2M)
                l_rel_m2m_remove(L, db, inst_idx, decl_idx, lua_gettop(L));
            else
                o2m_remove(L, db, inst_idx, decl_idx, lua_gettop(L));
        }
        lua_pop(L, 1);
    }
    lua_Integer m = nil ? 0 : (lua_Integer)lua_rawlen(L, val_idx);
    for (lua_Integer i = 1; i <= m; i++) {
        lua_rawgeti(L, val_idx, i);
        if (r->kind == ORM_REL_M2M)
            m2m_add(L, db, inst_idx, decl_idx, lua_gettop(L));
        else
            o2m_add(L, db, inst_idx, decl_idx, lua_gettop(L));
        lua_pop(L, 1);
    }
    lua_settop(L, coll - 1);
}

static const luaL_Reg coll_methods[] = {
    {"append", c_append}, {"remove", c_remove}, {"contains", c_contains},
    {"iter", c_iter},     {NULL, NULL},
};

void l_collection_open(lua_State *L)
{
    if (luaL_newmetatable(L, L_MT_COLLECTION)) {
        l_protect_mt(L);
        luaL_newlib(L, coll_methods);
        lua_setfield(L, -2, "__index");
        luaL_getmetatable(L, L_MT_LIST);
        lua_getfield(L, -1, "__tostring");
        lua_setfield(L, -3, "__tostring");
        lua_pop(L, 1);
        lua_pushcfunction(L, coll_pairs);
        lua_setfield(L, -2, "__pairs");
        lua_pushliteral(L, "Collection");
        lua_setfield(L, -2, "__name");
    }
    lua_pop(L, 1);
    if (luaL_newmetatable(L, L_MT_OBJBOX)) {
        l_protect_mt(L);
        lua_pushcfunction(L, objbox_gc);
        lua_setfield(L, -2, "__gc");
    }
    lua_pop(L, 1);
}
