/* l_coll_view.c — a relationship collection as Lua sees it. What a
 * collection holds lives in core, in the owner object's relationship slot
 * (relation_state.h); Lua sees a list-like table (#c, c[i], ipairs(c),
 * pairs(c), c:iter(), c:contains(x); it prints as [<Book: A>, <Book: B>])
 * whose items are the children's *instances*, in slot order. That list is
 * what only Lua can hold: it keeps each child's instance alive, and so
 * what the child itself has loaded, as long as the collection is. Every
 * change goes to the slot and the list together (the calls below; append
 * and remove are in l_collection.c), so reads are plain reads of the list.
 * The owner instance and the relationship's declaration sit in the hash
 * part under two private light-userdata keys (hidden from pairs).
 *
 * The collection an instance has loaded is in its loaded state, a table
 * in the instance's user value (l_collection.c). l_rel_forget (rollback, close, ...) drops it: one
 * held in a variable stays as it was, a snapshot, and its methods act on the owner's current
 * collection, as a SQLAlchemy list expired by a rollback. */
#include <assert.h>

#include "l_relation.h"
#include "l_result.h"
#include "relation_state.h"

/* The addresses are the keys of a collection's owner and declaration. */
static const char OWNER_KEY = 'o', DECL_KEY = 'd';

int l_coll_is(lua_State *L, int idx)
{
    if (lua_type(L, idx) != LUA_TTABLE) return 0;
    int yes = lua_rawgetp(L, idx, &OWNER_KEY) != LUA_TNIL;
    lua_pop(L, 1);
    return yes;
}

/* [-0, +2, -] the owner instance and declaration of the collection at idx */
static void push_owner_decl(lua_State *L, int coll_idx)
{
    coll_idx = lua_absindex(L, coll_idx);
    lua_rawgetp(L, coll_idx, &OWNER_KEY);
    lua_rawgetp(L, coll_idx, &DECL_KEY);
}

/* [-0, +0, v] Raises unless the value at idx is a collection. */
static void check_coll(lua_State *L, int idx)
{
    if (!l_coll_is(L, idx)) /* the metatable's name for the colon hint (c.append(x)) */
        luaL_typeerror(L, idx, lua_istable(L, idx) ? "relationship collection" : L_MT_COLLECTION);
}

void l_coll_push_owner(lua_State *L, int coll_idx)
{
    check_coll(L, coll_idx);
    push_owner_decl(L, coll_idx);
}

/* [-0, +1, m] An empty list for inst's collection of the declaration at
 * decl_idx, with room for n items. */
static void new_list(lua_State *L, int inst_idx, int decl_idx, int n)
{
    lua_createtable(L, n, 2);
    lua_pushvalue(L, inst_idx);
    lua_rawsetp(L, -2, &OWNER_KEY);
    lua_pushvalue(L, decl_idx);
    lua_rawsetp(L, -2, &DECL_KEY);
    luaL_setmetatable(L, L_MT_COLLECTION);
}

/* [-0, +0, m] The list at coll_idx made what owner's slot r holds. */
static void rebuild(lua_State *L, int coll_idx, orm_object *owner, const orm_rel *r)
{
    lua_Integer n = (lua_Integer)lua_rawlen(L, coll_idx), m = orm_rel_count(owner, r);
    l_class *c = owner->table->udata;
    for (lua_Integer i = 1; i <= m; i++) {
        l_instance_push_object(L, c->db, orm_object_retain(orm_rel_item(owner, r, (int)i - 1)));
        lua_rawseti(L, coll_idx, i);
    }
    for (lua_Integer i = n; i > m; i--) {
        lua_pushnil(L);
        lua_rawseti(L, coll_idx, i);
    }
}

void l_coll_from_slot(lua_State *L, l_db *db, int inst_idx, int decl_idx)
{
    inst_idx = lua_absindex(L, inst_idx);
    decl_idx = lua_absindex(L, decl_idx);
    orm_object *owner = l_instance_check(L, inst_idx);
    const orm_rel *r = l_rel_resolve(L, decl_idx);
    assert(orm_rel_loaded(owner, r));
    new_list(L, inst_idx, decl_idx, orm_rel_count(owner, r));
    rebuild(L, lua_gettop(L), owner, r);
    db->rel_slots = 1;
}

void l_coll_sync(lua_State *L, int coll_idx, orm_object *owner, const orm_rel *r)
{
    coll_idx = lua_absindex(L, coll_idx);
    if ((lua_Integer)lua_rawlen(L, coll_idx) != orm_rel_count(owner, r))
        rebuild(L, coll_idx, owner, r);
}

/* [-0, +0, m] Takes position i (1-based) out of the list at coll_idx of n items. */
static void list_remove(lua_State *L, int coll_idx, lua_Integer i, lua_Integer n)
{
    for (lua_Integer j = i; j < n; j++) {
        lua_rawgeti(L, coll_idx, j + 1);
        lua_rawseti(L, coll_idx, j);
    }
    lua_pushnil(L);
    lua_rawseti(L, coll_idx, n);
}

void l_coll_follow(lua_State *L, int coll_idx, orm_object *owner, const orm_rel *r,
                   orm_object *item, int what)
{
    coll_idx = lua_absindex(L, coll_idx);
    lua_Integer n = (lua_Integer)lua_rawlen(L, coll_idx), m = orm_rel_count(owner, r);
    l_class *c = owner->table->udata;
    if (what == ORM_REL_ADDED && m == n + 1 && orm_rel_item(owner, r, (int)n) == item) {
        l_instance_push_object(L, c->db, orm_object_retain(item));
        lua_rawseti(L, coll_idx, m);
        return;
    }
    if (what == ORM_REL_REMOVED && m == n - 1 && l_instance_push_existing(L, c->db, item)) {
        lua_Integer i = l_rel_coll_find(L, coll_idx, lua_gettop(L));
        lua_pop(L, 1);
        if (i > 0) {
            list_remove(L, coll_idx, i, n);
            return;
        }
    }
    rebuild(L, coll_idx, owner, r); /* anything else: the list made again */
}

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

void l_coll_push_list(lua_State *L, int idx)
{
    idx = lua_absindex(L, idx);
    if (!l_coll_is(L, idx)) {
        lua_pushvalue(L, idx);
        return;
    }
    lua_Integer n = (lua_Integer)lua_rawlen(L, idx);
    l_list_new(L, (int)n);
    for (lua_Integer i = 1; i <= n; i++) {
        lua_rawgeti(L, idx, i);
        lua_rawseti(L, -2, i);
    }
}

/* ---- the collection's own methods and metamethods ---- */

/* c:contains(x) */
static int c_contains(lua_State *L)
{
    check_coll(L, 1);
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

/* c:iter(): the children one by one (a change meanwhile is seen) */
static int c_iter(lua_State *L)
{
    check_coll(L, 1);
    lua_pushvalue(L, 1);
    lua_pushinteger(L, 0);
    lua_pushcclosure(L, c_iter_next, 2);
    return 1;
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

/* c[#c + 1] = x, table.insert(c, x): refused, naming the way that keeps
 * both sides in step (a write over an existing item is Lua's own; the
 * next read through obj.rel puts back what the relationship holds). */
static int coll_newindex(lua_State *L)
{
    lua_rawgetp(L, 1, &DECL_KEY);
    const char *what = luaL_tolstring(L, -1, NULL);
    return l_error_raisef(L, ORM_ERR_ARGUMENT,
                          "%s: a collection changes through c:append(x) and c:remove(x), "
                          "which keep both sides in step",
                          what);
}

void l_coll_view_open(lua_State *L, const luaL_Reg *methods)
{
    if (luaL_newmetatable(L, L_MT_COLLECTION)) {
        l_protect_mt(L);
        lua_createtable(L, 0, 4);
        luaL_setfuncs(L, methods, 0);
        lua_pushcfunction(L, c_contains);
        lua_setfield(L, -2, "contains");
        lua_pushcfunction(L, c_iter);
        lua_setfield(L, -2, "iter");
        lua_setfield(L, -2, "__index");
        luaL_getmetatable(L, L_MT_LIST);
        lua_getfield(L, -1, "__tostring");
        lua_setfield(L, -3, "__tostring");
        lua_pop(L, 1);
        lua_pushcfunction(L, coll_pairs);
        lua_setfield(L, -2, "__pairs");
        lua_pushcfunction(L, coll_newindex);
        lua_setfield(L, -2, "__newindex");
        lua_pushliteral(L, "Collection");
        lua_setfield(L, -2, "__name");
    }
    lua_pop(L, 1);
}
