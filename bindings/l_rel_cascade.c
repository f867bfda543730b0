/* l_rel_cascade.c — cascades along relationships: save-update (adding a
 * parent adds what it is linked to: core's orm_rel_cascade_add over the
 * slots, with each class's relationships from l_rel_sets) and delete
 * (delete the children, or set their foreign keys NULL; many-to-many links
 * go with the row). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compile.h"
#include "dialect.h"
#include "l_relation.h"
#include "l_result.h"
#include "relation_state.h"

/* ---- cascades ---- */

/* [-0, +1, -] the __relationships table of the instance's class */
static int push_rels(lua_State *L, int inst_idx)
{
    l_class_push(L, l_instance_check(L, inst_idx)->table);
    lua_getfield(L, -1, "__relationships");
    lua_remove(L, -2);
    return lua_gettop(L);
}

void l_rel_cascade_add(lua_State *L, l_db *db, int inst_idx)
{
    inst_idx = lua_absindex(L, inst_idx);
    l_rel_configure(L, db);
    orm_object *o = l_instance_check(L, inst_idx);
    if (!((l_class *)o->table->udata)->has_rels) return;
    l_rel_sets(L, db);
    orm_rel_env e = l_rel_env(db);
    if (orm_rel_cascade_add(&e, o) < 0) l_db_raise_session(L, db);
}

/* The delete cascade recurses once per object of a chain (a child deleted
 * deletes its own children first); past this depth it stops with an error
 * before the C stack could run out. */
#define DELETE_MAX_DEPTH 2000

static void before_delete_at(lua_State *L, l_db *db, int inst_idx, int depth);

static void delete_at(lua_State *L, l_db *db, int idx, int depth)
{
    idx = lua_absindex(L, idx);
    before_delete_at(L, db, idx, depth);
    if (orm_session_delete(db->session, l_instance_check(L, idx)) < 0) l_db_raise_session(L, db);
}

void l_rel_delete_object(lua_State *L, l_db *db, int idx)
{
    delete_at(L, db, idx, 0);
}

void l_rel_before_delete(lua_State *L, l_db *db, int inst_idx)
{
    before_delete_at(L, db, inst_idx, 0);
}

static void before_delete_at(lua_State *L, l_db *db, int inst_idx, int depth)
{
    if (depth > DELETE_MAX_DEPTH)
        l_error_raisef(L, ORM_ERR_ARGUMENT,
                       "the delete cascade goes more than %d objects deep (delete the chain "
                       "from its far end, or in several steps)",
                       DELETE_MAX_DEPTH);
    luaL_checkstack(L, 12, "delete cascade");
    inst_idx = lua_absindex(L, inst_idx);
    l_rel_configure(L, db);
    if (!((l_class *)l_instance_check(L, inst_idx)->table->udata)->has_rels) return;
    int top = lua_gettop(L);
    orm_object *o = l_instance_check(L, inst_idx);
    if (o->state != ORM_OBJ_PERSISTENT || o->marked_delete) return;
    int rels = push_rels(L, inst_idx);
    lua_pushnil(L);
    while (lua_next(L, rels)) {
        int decl = lua_gettop(L);
        orm_rel *r = l_rel_resolve(L, decl);
        orm_rel_action act = orm_rel_on_parent_delete(r);
        if (act == ORM_REL_KEEP) {
            lua_settop(L, decl - 1);
            continue;
        }
        l_rel_read(L, db, inst_idx, decl);
        int v = lua_gettop(L);
        if (!r->uselist) {
            lua_createtable(L, 1, 0);
            if (!lua_isnil(L, v)) lua_pushvalue(L, v), lua_rawseti(L, -2, 1);
            lua_replace(L, v);
        }
        lua_newtable(L); /* snapshot: the collection changes below */
        int items = lua_gettop(L);
        lua_Integer n = (lua_Integer)lua_rawlen(L, v);
        for (lua_Integer i = 1; i <= n; i++)
            lua_rawgeti(L, v, i), lua_rawseti(L, items, i);
        for (lua_Integer i = 1; i <= n; i++) {
            lua_rawgeti(L, items, i);
            int child = lua_gettop(L);
            if (act == ORM_REL_UNLINK_ASSOC)
                l_rel_m2m_remove(L, db, inst_idx, decl, child);
            else if (act == ORM_REL_DELETE_CHILD)
                delete_at(L, db, child, depth + 1);
            else if (orm_rel_link(r, l_instance_check(L, child), NULL) < 0)
                l_oom(L);
            lua_pop(L, 1);
        }
        lua_settop(L, decl - 1);
    }
    lua_settop(L, top);
}
