/* l_collection.c — relationships at work on instances: reading and writing
 * obj.rel, c:append and c:remove. The rules (both sides in step,
 * association rows, orphans, cascades) are core's (relation_ops.c); this
 * file hands it the objects, runs the lazy loads core asks for, and makes
 * the Lua view follow each slot change core reports (l_rel_lua_env). A
 * collection is a view (l_coll_view.c) whose items live in the owner
 * object's core slot; an instance's loaded state is a table in its user
 * value: [name] = its collection view, or the cached many-to-one target's
 * instance (anchoring it); the db's weak-keyed "relstate" set lists the
 * instances that have one (l_rel_forget empties them). Loading is in
 * l_rel_load.c, cascades in l_rel_cascade.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compile.h"
#include "dialect.h"
#include "l_relation.h"
#include "l_result.h"
#include "relation_state.h"

/* ---- loaded state ---- */

/* [-0, +1, m] inst's loaded relationships: the table in its user value
 * (made when create is set, inst then entered in the db's relstate set,
 * where l_rel_forget finds it; else nil when there is none). A user value
 * rather than a weak-keyed table of instances: a chain of instances each
 * loading the next (a node's parent's parent ...) is then plain strong
 * references, which Lua's collector marks in one pass; as values of a
 * weak-keyed table they are ephemerons, marked one link per pass. Only an
 * instance made before its class had relationships (a backref declared
 * later) has no user value: its table is relstate[inst] itself. */
static void push_state(lua_State *L, l_db *db, int inst_idx, int create)
{
    inst_idx = lua_absindex(L, inst_idx);
    int t = lua_getiuservalue(L, inst_idx, 1);
    if (t == LUA_TTABLE || (t == LUA_TNIL && !create)) return;
    lua_pop(L, 1);
    l_db_push_uv(L, db);
    lua_getfield(L, -1, L_DB_RELSTATE);
    lua_remove(L, -2);
    int set = lua_gettop(L);
    if (t == LUA_TNONE) { /* no user value */
        lua_pushvalue(L, inst_idx);
        if (lua_rawget(L, set) == LUA_TTABLE || !create) {
            lua_remove(L, set);
            return;
        }
        lua_pop(L, 1);
    }
    lua_newtable(L);
    lua_pushvalue(L, inst_idx);
    if (t == LUA_TNONE) {
        lua_pushvalue(L, -2); /* relstate[inst] = the table */
    } else {
        lua_pushvalue(L, -2);
        lua_setiuservalue(L, inst_idx, 1);
        lua_pushboolean(L, 1); /* relstate[inst] = true */
    }
    lua_rawset(L, set);
    lua_remove(L, set);
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

/* [-0, +0, m] inst's loaded relationship name = value at val_idx */
void l_rel_set_loaded(lua_State *L, l_db *db, int inst_idx, const char *name, int val_idx)
{
    val_idx = lua_absindex(L, val_idx);
    push_state(L, db, inst_idx, 1);
    lua_pushvalue(L, val_idx);
    lua_setfield(L, -2, name);
    lua_pop(L, 1);
}

/* [-0, +0, e] caches the instance at val_idx (nil: none) as inst's
 * many-to-one r (declaration at decl_idx): core holds the target, inst's
 * loaded state anchors its instance. */
static void cache_target(lua_State *L, l_db *db, int inst_idx, int decl_idx, const orm_rel *r,
                         int val_idx)
{
    inst_idx = lua_absindex(L, inst_idx);
    val_idx = lua_absindex(L, val_idx);
    orm_object *o = l_instance_check(L, inst_idx);
    orm_object *t = lua_isnil(L, val_idx) ? NULL : l_instance_check(L, val_idx);
    if (orm_rel_set_target(o, r, t) < 0) l_oom(L);
    if (t) db->rel_slots = 1;
    /* the loaded state keeps the target's instance (and what it has
     * loaded) alive as long as inst's, and lets l_rel_forget find inst */
    l_rel_set_loaded(L, db, inst_idx, l_rel_decl_key(L, decl_idx), val_idx);
}

void l_rel_forget(lua_State *L, l_db *db)
{
    l_db_push_uv(L, db);
    lua_getfield(L, -1, L_DB_RELSTATE);
    if (lua_istable(L, -1)) { /* each instance's loaded state goes, and what core holds for it */
        int slots = db->rel_slots;
        db->rel_slots = 0;
        lua_pushnil(L);
        while (lua_next(L, -2)) {
            lua_pop(L, 1);
            orm_object *o = l_instance_test(L, -1);
            if (o && slots) orm_rel_slots_clear(o);
            if (o) {
                lua_pushnil(L);
                lua_setiuservalue(L, -2, 1);
            }
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

/* [-0, +1, e] the current parent of a many-to-one, loaded when only the
 * database knows it */
static void m2o_current(lua_State *L, l_db *db, int inst_idx, int decl_idx, const orm_rel *r)
{
    orm_object *o = l_instance_check(L, inst_idx);
    orm_object *p = orm_rel_parent_in_memory(db->session, r, o);
    const orm_value *v = &o->values[r->local_col];
    if (p) {
        l_instance_push_object(L, db, orm_object_retain(p));
        if (p == orm_rel_target(o, r) || p == orm_object_link_src(o, r->local_col)) return;
    } else if (v->type == ORM_V_NULL) {
        lua_pushnil(L);
        return;
    } else if (r->target->npk == 1 && r->target->pk[0] == r->remote_col) {
        l_rel_note_lazy(L, db, decl_idx, inst_idx);
        orm_object *out = NULL;
        if (orm_session_get(db->session, r->target, v, &out) < 0) l_db_raise_session(L, db);
        if (out)
            l_instance_push_object(L, db, out);
        else
            lua_pushnil(L);
    } else { /* the key is not the target's primary key: the loader query */
        l_rel_note_lazy(L, db, decl_idx, inst_idx);
        l_rel_load_one(L, db, r, o);
        orm_object *t = orm_rel_target_current(o, r);
        if (t)
            l_instance_push_object(L, db, orm_object_retain(t));
        else
            lua_pushnil(L);
    }
    if (!lua_isnil(L, -1)) cache_target(L, db, inst_idx, decl_idx, r, -1);
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

/* ---- both sides in step: core's calls (relation_ops.c) with a Lua view ---- */

/* [-0, +0, e] inst's collection r loaded (what a core call asks for). */
static int load_protected(lua_State *L)
{
    l_relctx *c = lua_touserdata(L, 1);
    orm_object *o = lua_touserdata(L, 2);
    const orm_rel *r = lua_touserdata(L, 3);
    l_instance_push_object(L, c->db, orm_object_retain(o));
    l_rel_push_decl(L, o->table, l_rel_name(r));
    if (!lua_istable(L, -1)) return luaL_error(L, "relationship of %s not found", o->table->name);
    push_view(L, c->db, -2, -1, r);
    return 0;
}

/* [-0, +0, e] The Lua side of a change core made to o's slot r: the
 * collection's list follows it, a many-to-one target's instance is
 * anchored in its loaded state (or let go). Nothing to do when o has no
 * instance. */
static int follow_protected(lua_State *L)
{
    l_relctx *c = lua_touserdata(L, 1);
    orm_object *o = lua_touserdata(L, 2), *item = lua_touserdata(L, 4);
    const orm_rel *r = lua_touserdata(L, 3);
    int what = (int)lua_tointeger(L, 5);
    const char *name = l_rel_name(r);
    if (name == NULL || !l_instance_push_existing(L, c->db, o)) return 0;
    int inst = lua_gettop(L);
    c->db->rel_slots = 1; /* l_rel_forget clears the slots of the relstate set */
    if (what == ORM_REL_TARGET) {
        if (item)
            l_instance_push_object(L, c->db, orm_object_retain(item));
        else
            lua_pushnil(L);
        l_rel_set_loaded(L, c->db, inst, name, -1);
        return 0;
    }
    push_loaded(L, c->db, inst, name);
    if (l_coll_is(L, -1))
        l_coll_follow(L, -1, o, r, item, what);
    else
        push_state(L, c->db, inst, 1); /* l_rel_forget finds o */
    return 0;
}

/* Runs f in protected mode for a core call: ORM_OK, or ORM_EFAIL with
 * the error left on top of the stack (l_rel_check raises it). */
static int call_protected(l_relctx *c, lua_CFunction f, orm_object *o, const orm_rel *r,
                          orm_object *item, int what)
{
    lua_State *L = c->L;
    if (!lua_checkstack(L, 8)) return orm_error_oom(orm_session_error(c->db->session));
    lua_pushcfunction(L, f);
    lua_pushlightuserdata(L, c);
    lua_pushlightuserdata(L, o);
    lua_pushlightuserdata(L, (void *)r);
    lua_pushlightuserdata(L, item);
    lua_pushinteger(L, what);
    if (lua_pcall(L, 5, 0, 0) == LUA_OK) return ORM_OK;
    c->failed = 1;
    return ORM_EFAIL;
}

static int load_cb(void *ctx, orm_object *o, const orm_rel *r)
{
    return call_protected(ctx, load_protected, o, r, NULL, 0);
}

static int changed_cb(void *ctx, orm_object *o, const orm_rel *r, orm_object *item, int what)
{
    return call_protected(ctx, follow_protected, o, r, item, what);
}

orm_rel_env l_rel_lua_env(lua_State *L, l_db *db, l_relctx *c)
{
    l_rel_sets(L, db);
    *c = (l_relctx){.L = L, .db = db, .failed = 0};
    orm_rel_env e = l_rel_env(db);
    e.load = load_cb;
    e.changed = changed_cb;
    e.ctx = c;
    return e;
}

void l_rel_check(lua_State *L, const l_relctx *c, int rc)
{
    if (rc >= 0) return;
    if (c->failed) lua_error(L); /* the callback's error, on top */
    l_db_raise_session(L, c->db);
}

/* [-0, +1, e] the declaration of the other side of decl_idx, and its relationship (or NULL) */
static const orm_rel *push_reverse(lua_State *L, int decl_idx)
{
    l_rel_push_reverse(L, decl_idx);
    return lua_isnil(L, -1) ? NULL : l_rel_resolve(L, -1);
}

/* child.<m2o> = parent (parent_idx 0: nil). */
static void m2o_set(lua_State *L, l_db *db, int child_idx, int decl_idx, int parent_idx)
{
    int top = lua_gettop(L);
    orm_rel *r = l_rel_resolve(L, decl_idx);
    if (parent_idx) check_target(L, r, decl_idx, parent_idx);
    orm_object *child = l_instance_check(L, child_idx);
    orm_object *parent = parent_idx ? l_instance_check(L, parent_idx) : NULL;
    const orm_rel *rev = push_reverse(L, decl_idx);
    l_relctx c;
    orm_rel_env e = l_rel_lua_env(L, db, &c);
    l_rel_check(L, &c, orm_rel_set_parent(&e, r, rev, child, parent));
    lua_settop(L, top);
}

/* owner.<decl>:append(item) (add) or :remove(item) of a one-to-many or
 * many-to-many: both sides, association rows and orphans as core says. */
static void coll_change(lua_State *L, l_db *db, int owner_idx, int decl_idx, int item_idx, int add)
{
    int top = lua_gettop(L);
    orm_rel *r = l_rel_resolve(L, decl_idx);
    check_target(L, r, decl_idx, item_idx);
    orm_object *owner = l_instance_check(L, owner_idx), *item = l_instance_check(L, item_idx);
    const orm_rel *rev = push_reverse(L, decl_idx);
    l_relctx c;
    orm_rel_env e = l_rel_lua_env(L, db, &c);
    l_rel_check(L, &c,
                add ? orm_rel_append(&e, r, rev, owner, item)
                    : orm_rel_remove(&e, r, rev, owner, item));
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
    coll_change(L, owner_db(L, owner), owner, decl, 2, 1);
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
    coll_change(L, db, owner, decl, 2, 0);
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
        m2o_current(L, db, inst_idx, decl_idx, r);
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
    if (!orm_rel_loaded(o, r)) { /* the rows, into the slot */
        if (orm_rel_load_key(r, o)) l_rel_note_lazy(L, db, decl_idx, inst_idx);
        l_rel_load_one(L, db, r, o);
    }
    l_coll_from_slot(L, db, inst_idx, decl_idx);
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
            coll_change(L, db, inst_idx, decl_idx, old, 0);
        if (!nil) coll_change(L, db, inst_idx, decl_idx, val_idx, 1);
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
        if (nil || !l_rel_coll_find(L, val_idx, lua_gettop(L)))
            coll_change(L, db, inst_idx, decl_idx, lua_gettop(L), 0);
        lua_pop(L, 1);
    }
    lua_Integer m = nil ? 0 : (lua_Integer)lua_rawlen(L, val_idx);
    for (lua_Integer i = 1; i <= m; i++) {
        lua_rawgeti(L, val_idx, i);
        coll_change(L, db, inst_idx, decl_idx, lua_gettop(L), 1);
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
}
