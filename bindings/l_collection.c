/* l_collection.c — relationships at work on instances: reading and writing
 * obj.rel, and the changes that keep both sides in step in memory
 * (append/remove, a many-to-one set, association rows for many-to-many).
 * A collection is a view (l_coll_view.c) whose items live in the owner
 * object's core slot; loaded state is found through the db's weak-keyed
 * "relstate" table: relstate[instance][name] = its collection view, or
 * the cached many-to-one target's instance (anchoring it). Loading is in
 * l_rel_load.c, cascades in l_rel_cascade.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compile.h"
#include "dialect.h"
#include "l_relation.h"
#include "l_result.h"
#include "relation_state.h"

#define L_MT_OBJBOX "orm.ObjectBox"

/* ---- loaded state ---- */

/* [-0, +1, m] relstate[inst] (created when create is set; else may be nil) */
static void push_state(lua_State *L, l_db *db, int inst_idx, int create)
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
static void push_loaded(lua_State *L, l_db *db, int inst_idx, const char *name)
{
    push_state(L, db, inst_idx, 0);
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
    push_state(L, db, inst_idx, 1);
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

/* [-0, +1, e] inst's loaded collection view of a one-to-many or
 * many-to-many relationship (one-to-one too: the view of its one item),
 * loading it first when it is not. */
static void push_view(lua_State *L, l_db *db, int inst_idx, int decl_idx, const orm_rel *r);

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
            push_loaded(L, db, old, rname);
            if (l_coll_is(L, -1)) l_coll_remove(L, -1, child_idx);
            lua_pop(L, 1);
        }
        const orm_rel *rr = l_rel_resolve(L, rev);
        if (parent_idx && rr->kind == ORM_REL_O2M && rr->uselist) {
            push_view(L, db, parent_idx, rev, rr);
            l_coll_add(L, -1, child_idx);
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
    push_view(L, db, parent_idx, decl_idx, r);
    l_coll_add(L, -1, child_idx);
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
    push_loaded(L, db, parent_idx, l_rel_decl_key(L, decl_idx));
    if (l_coll_is(L, -1)) l_coll_remove(L, -1, child_idx);
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
    push_view(L, db, owner_idx, decl_idx, r);
    if (l_coll_add(L, -1, other_idx) == 0) { /* already there */
        lua_settop(L, top);
        return;
    }
    l_rel_push_reverse(L, decl_idx);
    if (!lua_isnil(L, -1)) {
        push_view(L, db, other_idx, lua_gettop(L), l_rel_resolve(L, -1));
        l_coll_add(L, -1, owner_idx);
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
        push_state(L, db, owner_idx, 1); /* l_rel_forget finds the owner */
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
    push_loaded(L, db, owner_idx, l_rel_decl_key(L, decl_idx));
    if (l_coll_is(L, -1)) l_coll_remove(L, -1, other_idx);
    l_rel_push_reverse(L, decl_idx);
    if (!lua_isnil(L, -1)) {
        push_loaded(L, db, other_idx, l_rel_decl_key(L, lua_gettop(L)));
        if (l_coll_is(L, -1)) l_coll_remove(L, -1, owner_idx);
    }
    if (orm_rel_assoc_drop(db->session, r, l_instance_check(L, owner_idx),
                           l_instance_check(L, other_idx)) < 0)
        l_db_raise_session(L, db);
    lua_settop(L, top);
}

/* ---- collection methods ---- */

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
    l_coll_push_owner(L, 1);
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
    l_coll_push_owner(L, 1);
    int owner = lua_gettop(L) - 1, decl = owner + 1;
    l_db *db = owner_db(L, owner);
    orm_rel *r = l_rel_resolve(L, decl);
    push_view(L, db, owner, decl, r); /* loaded (this view, or one l_rel_forget emptied) */
    if (!l_rel_coll_find(L, lua_gettop(L), 2)) {
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
    push_view(L, db, inst_idx, decl_idx, r);
    if (!r->uselist) {
        lua_rawgeti(L, -1, 1);
        lua_remove(L, -2);
    }
    return 1;
}

static void push_view(lua_State *L, l_db *db, int inst_idx, int decl_idx, const orm_rel *r)
{
    inst_idx = lua_absindex(L, inst_idx);
    decl_idx = lua_absindex(L, decl_idx);
    push_loaded(L, db, inst_idx, l_rel_decl_key(L, decl_idx));
    if (l_coll_is(L, -1)) {
        l_coll_sync(L, -1, l_instance_check(L, inst_idx), r);
        return;
    }
    lua_pop(L, 1);
    orm_object *o = l_instance_check(L, inst_idx);
    const orm_value *key = orm_rel_load_key(r, o);
    int top = lua_gettop(L);
    lua_Integer n = 0;
    if (key) {
        l_rel_note_lazy(L, db, decl_idx, inst_idx);
        l_rel_run_load(L, db, r, &key, 1);
        lua_pop(L, 1);
        n = (lua_Integer)lua_rawlen(L, -1);
    }
    l_coll_new_sized(L, db, inst_idx, decl_idx, (int)n); /* its size known: no regrowing */
    int coll = lua_gettop(L);
    for (lua_Integer i = 1; i <= n; i++) {
        lua_rawgeti(L, top + 1, i);
        l_coll_append_loaded(L, coll, o, r, -1);
        lua_pop(L, 1);
    }
    if (key) lua_remove(L, top + 1); /* the rows' list */
    /* loaded once the rows are in: an error before leaves it unloaded */
    l_rel_set_loaded(L, db, inst_idx, l_rel_decl_key(L, decl_idx), -1);
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
    if (!nil && !lua_istable(L, val_idx) && !l_coll_is(L, val_idx))
        luaL_typeerror(L, val_idx, "list of instances");
    /* replace the collection: remove what is not in the new list, add the rest */
    int coll = lua_gettop(L) + 1;
    l_coll_push_list(L, val_idx); /* the new items (a copy when a collection) */
    lua_replace(L, val_idx);
    push_view(L, db, inst_idx, decl_idx, r);
    l_coll_push_list(L, coll); /* snapshot of the old items */
    int old = lua_gettop(L);
    lua_Integer n = (lua_Integer)lua_rawlen(L, old);
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
    {"append", c_append},
    {"remove", c_remove},
    {NULL, NULL},
};

void l_collection_open(lua_State *L)
{
    l_coll_view_open(L, coll_methods);
    if (luaL_newmetatable(L, L_MT_OBJBOX)) {
        l_protect_mt(L);
        lua_pushcfunction(L, objbox_gc);
        lua_setfield(L, -2, "__gc");
    }
    lua_pop(L, 1);
}
