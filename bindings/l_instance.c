/* l_instance.c — model instances: userdata over a core orm_object, one per
 * row per session (the db's weak object cache), attribute reads and writes
 * with validation, repr, and the flush hooks that fill defaults. */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "relation_state.h"
#include "l_relation.h"
#include "l_seed.h"

orm_object *l_instance_test(lua_State *L, int idx)
{
    l_inst *u = lua_touserdata(L, idx);
    if (u == NULL || lua_rawlen(L, idx) != sizeof(l_inst) || u->magic != L_INST_MAGIC) return NULL;
    return u->obj;
}

orm_object *l_instance_check(lua_State *L, int idx)
{
    orm_object *o = l_instance_test(L, idx);
    if (o == NULL) luaL_typeerror(L, idx, "model instance");
    return o;
}

/* One instance per object: the db's object cache maps a small integer id
 * kept in obj->udata to the instance, through chunks. The cache (the table
 * at db->cache_ref) holds chunk k at [k] (k >= 1): a table with weak values
 * and an array part of CHUNK slots, made when the first of its ids is handed
 * out, holding the instances of ids (k - 1) * CHUNK + 1 .. k * CHUNK. Slots
 * are set in place, so a chunk never takes a new key, is never rehashed and
 * never copied (a weak table taking ever-new keys rehashes every few inserts
 * once the collector has cleared its entries, each time allocating anew; one
 * flat table would be copied whole each time it fills). The ids of objects
 * that died with their instance are used again first, from a C array
 * (db->free_ids: taking one costs no Lua call), so ids and chunks stay
 * dense. */
#define CHUNK 1024

/* [-0, +1, m] Pushes the chunk of id (an id handed out: its chunk exists)
 * from the cache at cache; *slot is the id's index in it. */
static void push_chunk(lua_State *L, int cache, lua_Integer id, lua_Integer *slot)
{
    lua_rawgeti(L, cache, (id - 1) / CHUNK + 1);
    *slot = (id - 1) % CHUNK + 1;
}

/* [-0, +0, m] Makes the chunk for ids from id on in the cache at cache (with
 * the weak metatable l_orm.c keeps there as __chunkmt). */
static void new_chunk(lua_State *L, int cache, lua_Integer id)
{
    if (id > (lua_Integer)INT32_MAX * CHUNK) luaL_error(L, "too many objects");
    lua_createtable(L, CHUNK, 0);
    lua_getfield(L, cache, "__chunkmt");
    lua_setmetatable(L, -2);
    lua_rawseti(L, cache, (id - 1) / CHUNK + 1);
}

/* A new id for an object, the cache at cache. */
static lua_Integer take_id(lua_State *L, l_db *db, int cache)
{
    if (db->nfree > 0) return db->free_ids[--db->nfree]; /* its slot is empty */
    lua_Integer id = ++db->next_id;
    if ((id - 1) % CHUNK == 0) new_chunk(L, cache, id);
    return id;
}

int l_instance_push_existing(lua_State *L, l_db *db, const orm_object *obj)
{
    lua_Integer id = (lua_Integer)(uintptr_t)obj->udata, slot;
    if (id <= 0 || db->cache_ref == LUA_NOREF) return 0;
    int top = lua_gettop(L);
    if (lua_rawgeti(L, LUA_REGISTRYINDEX, db->cache_ref) == LUA_TTABLE) {
        push_chunk(L, top + 1, id, &slot);
        if (lua_type(L, -1) == LUA_TTABLE && lua_rawgeti(L, -1, slot) == LUA_TUSERDATA) {
            lua_replace(L, top + 1);
            lua_settop(L, top + 1);
            return 1;
        }
    }
    lua_settop(L, top);
    return 0;
}

void l_instance_push_object(lua_State *L, l_db *db, orm_object *obj)
{
    lua_Integer id = (lua_Integer)(uintptr_t)obj->udata, slot;
    lua_rawgeti(L, LUA_REGISTRYINDEX, db->cache_ref);
    int cache = lua_gettop(L);
    if (id != 0) {
        push_chunk(L, cache, id, &slot);
        if (lua_rawgeti(L, -1, slot) == LUA_TUSERDATA) {
            lua_replace(L, cache);
            lua_settop(L, cache);
            orm_object_release(obj); /* the instance already holds one */
            return;
        }
        lua_settop(L, cache);
    }
    l_class *c = obj->table->udata;
    assert(c != NULL); /* a row of a model's table, not an association table's */
    /* a user value for its loaded relationships when it has any (l_collection.c) */
    l_inst *u = lua_newuserdatauv(L, sizeof *u, c->has_rels ? 1 : 0);
    u->magic = L_INST_MAGIC;
    u->obj = obj;
    lua_rawgeti(L, LUA_REGISTRYINDEX, c->imt_ref);
    lua_setmetatable(L, -2);
    if (id == 0) {
        id = take_id(L, db, cache);
        obj->udata = (void *)(uintptr_t)id;
    }
    push_chunk(L, cache, id, &slot);
    lua_pushvalue(L, -2);
    lua_rawseti(L, -2, slot);
    lua_pop(L, 1);
    lua_replace(L, cache);
}

/* o's instance is being collected: its id goes back on the free list.
 * Its slot is empty by now (the collector clears weak values before
 * running finalizers). */
static void free_id(lua_State *L, orm_object *o)
{
    lua_Integer id = (lua_Integer)(uintptr_t)o->udata, slot;
    const l_class *c = o->table->udata;
    if (id <= 0 || c == NULL || c->db == NULL || c->db->cache_ref == LUA_NOREF) return;
    int top = lua_gettop(L);
    if (lua_rawgeti(L, LUA_REGISTRYINDEX, c->db->cache_ref) == LUA_TTABLE) {
        int cache = lua_gettop(L);
        push_chunk(L, cache, id, &slot);
        l_db *db = c->db;
        if (lua_type(L, -1) == LUA_TTABLE && lua_rawgeti(L, -1, slot) == LUA_TNIL) {
            if (db->nfree == db->capfree) { /* out of memory: the id is not used again */
                size_t cap = db->capfree ? 2 * db->capfree : 1024;
                lua_Integer *ids = realloc(db->free_ids, cap * sizeof *ids);
                if (ids) {
                    db->free_ids = ids;
                    db->capfree = cap;
                }
            }
            if (db->nfree < db->capfree) db->free_ids[db->nfree++] = id;
            o->udata = NULL;
        }
    }
    lua_settop(L, top);
}

/* 1 when another instance of o than the one at inst_idx is in the cache
 * now (pushed after this one was found unreachable and before its finalizer
 * ran). The cache may still hold this very one: lua_close runs finalizers
 * without clearing weak values first. */
static int has_newer_instance(lua_State *L, int inst_idx, const orm_object *o)
{
    lua_Integer id = (lua_Integer)(uintptr_t)o->udata, slot;
    const l_class *c = o->table->udata;
    if (id <= 0 || c == NULL || c->db == NULL || c->db->cache_ref == LUA_NOREF) return 0;
    int top = lua_gettop(L), found = 0;
    if (lua_rawgeti(L, LUA_REGISTRYINDEX, c->db->cache_ref) == LUA_TTABLE) {
        push_chunk(L, lua_gettop(L), id, &slot);
        found = lua_type(L, -1) == LUA_TTABLE && lua_rawgeti(L, -1, slot) != LUA_TNIL &&
                !lua_rawequal(L, -1, inst_idx);
    }
    lua_settop(L, top);
    return found;
}

static int inst_gc(lua_State *L)
{
    l_inst *u = lua_touserdata(L, 1);
    if (u && u->obj) {
        orm_object *o = u->obj;
        u->obj = NULL;
        /* what it loaded dies with the instance, as relationship state
         * always has: this breaks the parent <-> child reference cycles.
         * Its id goes back too, even when o lives on (a parent's
         * collection holds it): o pushed again gets a new id and instance,
         * and o freed later from C would otherwise take its id along. */
        if (!has_newer_instance(L, 1, o)) {
            if (o->rels) orm_rel_slots_clear(o);
            free_id(L, o);
        }
        /* links to the objects whose keys it copies stay (a flush still
         * needs them) and may be all that holds a group: freed here then */
        orm_object_release_collect(o);
    }
    return 0;
}

static int raise_unknown(lua_State *L, const orm_table *t, const char *key)
{
    l_class_push(L, t);
    lua_getfield(L, -1, "__name");
    l_class_push_names(L, t);
    return l_error_raisef(L, ORM_ERR_DATA, "%s has no attribute '%s' (valid: %s)",
                          lua_tostring(L, -2), key, lua_tostring(L, -1));
}

/* obj.key: a column value, else a class member (methods). [-0, +1, e] */
static int inst_index(lua_State *L)
{
    orm_object *o = l_instance_check(L, 1);
    size_t n;
    const char *key = lua_tolstring(L, 2, &n);
    if (key == NULL) return luaL_typeerror(L, 2, "attribute name");
    const orm_table *t = o->table;
    int col = orm_table_attr_index(t, key, n);
    if (col >= 0) {
        l_value_push(L, &o->values[col], &t->cols[col].type);
        return 1;
    }
    l_class_push(L, t);
    lua_getfield(L, -1, "__relationships");
    lua_pushvalue(L, 2);
    if (lua_rawget(L, -2) != LUA_TNIL) {
        l_class *c = t->udata;
        c->db->L = L;
        return l_rel_read(L, c->db, 1, lua_gettop(L));
    }
    lua_pop(L, 2);
    lua_pushvalue(L, 2);
    if (lua_rawget(L, -2) != LUA_TNIL) return 1;
    if (strncmp(key, "__", 2) == 0) return 0;
    return raise_unknown(L, t, key);
}

/* obj.key = value: validated against the column. [-0, +0, e] */
void l_instance_assign(lua_State *L, int inst_idx, int key_idx, int val_idx)
{
    inst_idx = lua_absindex(L, inst_idx); /* Model{...} passes -2, -1 */
    key_idx = lua_absindex(L, key_idx);
    val_idx = lua_absindex(L, val_idx);
    orm_object *o = l_instance_check(L, inst_idx);
    inst_idx = lua_absindex(L, inst_idx); /* callers may pass -2, -1 */
    key_idx = lua_absindex(L, key_idx);
    val_idx = lua_absindex(L, val_idx);
    size_t n;
    const char *key = lua_type(L, key_idx) == LUA_TSTRING ? lua_tolstring(L, key_idx, &n) : NULL;
    if (key == NULL) {
        luaL_typeerror(L, key_idx, "attribute name");
        return;
    }
    const orm_table *t = o->table;
    orm_error rerr;
    orm_error_init(&rerr);
    if (orm_table_check_writable(t, "change an attribute", &rerr) < 0) l_error_raise(L, &rerr);
    int col = orm_table_attr_index(t, key, n);
    if (col < 0) {
        l_class_push(L, t);
        lua_getfield(L, -1, "__relationships");
        lua_pushvalue(L, key_idx);
        if (lua_rawget(L, -2) == LUA_TNIL) raise_unknown(L, t, key);
        l_class *cls = t->udata;
        cls->db->L = L;
        l_rel_write(L, cls->db, inst_idx, lua_gettop(L), val_idx);
        lua_pop(L, 3);
        return;
    }
    const orm_column *c = &t->cols[col];
    if (c->computed) {
        l_class_push(L, t);
        lua_getfield(L, -1, "__name");
        l_error_raisef(L, ORM_ERR_DATA,
                       "%s.%s is computed by the database (computed = \"%s\"): it cannot be set",
                       lua_tostring(L, -1), key, c->computed);
    }
    orm_value v;
    orm_error err;
    orm_error_init(&err);
    if (lua_type(L, val_idx) == LUA_TUSERDATA && l_expr_is_null(L, val_idx)) {
        v.type = ORM_V_NULL;
    } else if (l_value_to(L, val_idx, &c->type, &v, &err) < 0) {
        if (err.cls == ORM_ERR_OPERATIONAL || !err.message) { /* out of memory: not the value */
            orm_error_clear(&err);
            l_oom(L);
        }
        l_class_push(L, t);
        lua_getfield(L, -1, "__name");
        lua_pushfstring(L, "%s.%s: %s", lua_tostring(L, -1), key,
                        err.message ? err.message : "bad value");
        orm_error_clear(&err);
        l_error_raisef(L, ORM_ERR_DATA, "%s", lua_tostring(L, -1));
    }
    if (c->primary_key && o->state == ORM_OBJ_DELETED && !orm_value_equal(&v, &o->values[col])) {
        orm_value_clear(&v);
        l_class_push(L, t);
        lua_getfield(L, -1, "__name");
        l_error_raisef(L, ORM_ERR_DATA, "%s.%s: the primary key of a deleted object cannot change",
                       lua_tostring(L, -1), key);
    }
    int rc = orm_object_set(o, col, &v);
    if (rc == ORM_EMISUSE) { /* a key change inside a savepoint */
        l_class_push(L, t);
        lua_getfield(L, -1, "__name");
        l_error_raisef(L, ORM_ERR_DATA,
                       "%s.%s: a primary key cannot change inside begin_nested(); change it "
                       "before the savepoint or after it ends",
                       lua_tostring(L, -1), key);
    }
    if (rc < 0) l_oom(L);
}

static int inst_newindex(lua_State *L)
{
    l_instance_assign(L, 1, 2, 3);
    return 0;
}

/* <Author id=1>, or the class's __repr. [-0, +1, e] */
void l_instance_repr(lua_State *L, int idx)
{
    idx = lua_absindex(L, idx);
    orm_object *o = l_instance_check(L, idx);
    l_class_push(L, o->table);
    lua_pushliteral(L, "__repr");
    if (lua_rawget(L, -2) == LUA_TFUNCTION) {
        lua_pushvalue(L, idx);
        lua_call(L, 1, 1);
        if (lua_type(L, -1) != LUA_TSTRING) {
            lua_getfield(L, -2, "__name");
            l_error_raisef(L, ORM_ERR_ARGUMENT, "%s:__repr must return a string, got %s",
                           lua_tostring(L, -1), luaL_typename(L, -2));
        }
        lua_remove(L, -2);
        return;
    }
    lua_pop(L, 1);
    lua_getfield(L, -1, "__name");
    const char *name = lua_tostring(L, -1); /* kept alive by the class */
    luaL_Buffer b;
    luaL_buffinit(L, &b); /* pushes a placeholder: read nothing below it */
    luaL_addchar(&b, '<');
    luaL_addstring(&b, name ? name : "?");
    const orm_table *t = o->table;
    for (int i = 0; i < t->npk; i++) {
        const orm_column *c = &t->cols[t->pk[i]];
        lua_pushfstring(L, " %s=", c->attr);
        luaL_addvalue(&b);
        l_value_push(L, &o->values[t->pk[i]], &c->type);
        if (lua_isnil(L, -1)) {
            lua_pop(L, 1);
            lua_pushliteral(L, "nil");
        } else {
            luaL_tolstring(L, -1, NULL);
            lua_remove(L, -2);
        }
        luaL_addvalue(&b);
    }
    luaL_addchar(&b, '>');
    luaL_pushresult(&b);
    lua_replace(L, -3);
    lua_pop(L, 1);
}

static int inst_tostring(lua_State *L)
{
    l_instance_repr(L, 1);
    return 1;
}

/* Names for Tab completion: columns and relationships after "obj.", the
 * class's methods after "obj:" (second argument). [-0, +1, m] */
static int inst_complete(lua_State *L)
{
    orm_object *o = l_instance_check(L, 1);
    int methods = lua_type(L, 2) == LUA_TSTRING && strcmp(lua_tostring(L, 2), ":") == 0;
    lua_newtable(L);
    int out = lua_gettop(L), n = 0;
    if (!methods)
        for (int i = 0; i < o->table->ncols; i++) {
            lua_pushstring(L, o->table->cols[i].attr);
            lua_rawseti(L, out, ++n);
        }
    l_class_push(L, o->table);
    int cls = lua_gettop(L);
    if (!methods) {
        lua_getfield(L, cls, "__relationships");
        lua_pushnil(L);
        while (lua_next(L, -2)) {
            lua_pop(L, 1);
            lua_pushvalue(L, -1);
            lua_rawseti(L, out, ++n);
        }
        lua_pop(L, 1);
    }
    lua_pushnil(L);
    while (lua_next(L, cls)) {
        int fn = lua_isfunction(L, -1);
        lua_pop(L, 1);
        if (fn && lua_type(L, -1) == LUA_TSTRING && strncmp(lua_tostring(L, -1), "__", 2) != 0) {
            lua_pushvalue(L, -1);
            lua_rawseti(L, out, ++n);
        }
    }
    lua_settop(L, out);
    return 1;
}

/* Creates the instance metatable of the class at cls. [-0, +1, m] */
void l_instance_metatable(lua_State *L, int cls, const char *name)
{
    lua_createtable(L, 0, 7);
    lua_pushcfunction(L, inst_index);
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, inst_newindex);
    lua_setfield(L, -2, "__newindex");
    lua_pushcfunction(L, inst_tostring);
    lua_setfield(L, -2, "__tostring");
    lua_pushcfunction(L, inst_gc);
    lua_setfield(L, -2, "__gc");
    lua_pushcfunction(L, inst_complete);
    lua_setfield(L, -2, "__complete");
    lua_pushstring(L, name);
    lua_setfield(L, -2, "__name");
    lua_pushvalue(L, cls);
    lua_setfield(L, -2, "__class");
    l_protect_mt(L);
}

/* ---- flush hooks: client-side defaults and onupdate ---- */

/* Calls (or takes) the Lua value at top for column col and stores it in o.
 * Pops it. Errors land in err. */
static int apply_value(lua_State *L, orm_object *o, int col, int mark_dirty, orm_error *err)
{
    const orm_column *c = &o->table->cols[col];
    if (lua_isfunction(L, -1)) {
        if (lua_pcall(L, 0, 1, 0) != LUA_OK) {
            orm_error_set(err, ORM_ERR_ARGUMENT, 0, "default of %s.%s failed: %s", o->table->name,
                          c->attr, luaL_tolstring(L, -1, NULL));
            lua_pop(L, 2);
            return ORM_EFAIL;
        }
    }
    orm_value v;
    int rc = l_value_to(L, -1, &c->type, &v, err);
    lua_pop(L, 1);
    if (rc < 0) return rc;
    if (mark_dirty) return orm_object_set(o, col, &v);
    orm_value_move(&o->values[col], &v);
    return ORM_OK;
}

static int run_hook(void *ctx, orm_object *o, orm_error *err, const char *field, int on_update)
{
    l_db *db = ctx;
    l_class *c = o->table->udata;
    if (c == NULL || !c->has_hooks || db->L == NULL) return ORM_OK;
    lua_State *L = db->L;
    int top = lua_gettop(L);
    lua_rawgeti(L, LUA_REGISTRYINDEX, c->cls_ref);
    lua_getfield(L, -1, field);
    int tbl = lua_gettop(L);
    int rc = ORM_OK;
    for (int i = 0; i < o->table->ncols && rc == ORM_OK; i++) {
        int wanted = on_update ? !(o->dirty & ((uint64_t)1 << i)) : o->values[i].type == ORM_V_NULL;
        if (!wanted) continue;
        if (lua_rawgeti(L, tbl, i) == LUA_TNIL) {
            lua_pop(L, 1);
            continue;
        }
        rc = apply_value(L, o, i, on_update, err);
    }
    lua_settop(L, top);
    return rc;
}

int l_instance_before_insert(void *ctx, orm_object *o, orm_error *err)
{
    l_seed_count(ctx, o->table, 0, 1);
    return run_hook(ctx, o, err, "__defaults", 0);
}

int l_instance_before_update(void *ctx, orm_object *o, orm_error *err)
{
    l_seed_count(ctx, o->table, 1, 1);
    return run_hook(ctx, o, err, "__onupdate", 1);
}
