/* l_relation.h — the Lua view of relationships, shared by l_relation.c
 * (declarations, resolution, options), l_collection.c (obj.rel, append,
 * remove), l_coll_view.c (the collection's list), l_rel_load.c and
 * l_rel_joined.c (loads) and l_rel_cascade.c, and the entry points
 * instances and sessions call. The rules are core's (relation.h,
 * relation_state.h). */
#ifndef L_RELATION_H
#define L_RELATION_H

#include "l_db.h"
#include "relation.h"
#include "relation_state.h"

#define L_MT_COLLECTION "orm.Collection"

/* [-0, +0, e] The resolved relationship of the declaration at idx (resolved
 * once by core/relation.c, kept in the declaration under "__c"). */
orm_rel *l_rel_resolve(lua_State *L, int idx);
/* [-0, +1, e] Pushes the declaration of the relationship on the other side
 * (back_populates / backref), or nil. */
void l_rel_push_reverse(lua_State *L, int decl_idx);
/* [-0, +1, -] Pushes the declaration table for relationship `name` of the
 * class of t, or nil. */
void l_rel_push_decl(lua_State *L, const orm_table *t, const char *name);
/* [-0, +0, e] Makes backrefs and resolves every relationship of db's models. */
void l_rel_configure(lua_State *L, l_db *db);
/* Each class's relationships resolved, with their reverses, as core's
 * cascades ask for them (orm_rel_env.rels_of). */
typedef struct l_relset {
    int n;
    const orm_rel **rels, **revs; /* n each, stored after the struct */
    const char **names;           /* n attribute names (the declarations keep them) */
} l_relset;
/* [-0, +0, e] Configures the relationships (l_rel_configure) and builds the
 * relationship set of every class that has none or an old one. */
void l_rel_sets(lua_State *L, l_db *db);
/* An orm_rel_env over db's classes (their relsets) for the core calls of
 * relation_state.h; no lazy loader. Valid until the next model definition. */
orm_rel_env l_rel_env(l_db *db);
/* The attribute name of r on its class (r from that class's relset), or NULL. */
const char *l_rel_name(const orm_rel *r);
/* [-0, +0, e] Makes the backrefs whose target model is defined (called after
 * each model definition, so Target.<backref> exists before either side is used). */
void l_rel_define_backrefs(lua_State *L, l_db *db);

/* ---- l_collection.c ---- */
/* What core's relationship calls (relation_ops.c) run with from Lua: their
 * lazy loads and the Lua view following each slot change run in protected
 * mode; a Lua error is left on top of the stack for l_rel_check. Lives on
 * the caller's C stack for one call. */
typedef struct l_relctx {
    lua_State *L;
    l_db *db;
    int failed; /* a callback raised: its error is on top of the stack */
} l_relctx;
/* [-0, +0, e] The relationship sets built (l_rel_sets) and an env whose
 * loader and change callbacks run Lua; *c is its context. */
orm_rel_env l_rel_lua_env(lua_State *L, l_db *db, l_relctx *c);
/* [-0, +0, e] Raises the failure rc of a core call made with c (the
 * callback's error, else the session's). Returns when rc >= 0. */
void l_rel_check(lua_State *L, const l_relctx *c, int rc);
/* [-0, +1, e] obj.name for a relationship (inst at inst_idx, decl at decl_idx). */
int l_rel_read(lua_State *L, l_db *db, int inst_idx, int decl_idx);
/* [-0, +0, e] obj.name = value. */
void l_rel_write(lua_State *L, l_db *db, int inst_idx, int decl_idx, int val_idx);
/* [-0, +0, e] save-update cascade after session:add(inst). */
void l_rel_cascade_add(lua_State *L, l_db *db, int inst_idx);
/* [-0, +0, e] before session:delete(inst): delete cascade or null-out children. */
void l_rel_before_delete(lua_State *L, l_db *db, int inst_idx);
/* [-0, +0, -] forgets loaded collections and cached targets (after rollback). */
void l_rel_forget(lua_State *L, l_db *db);
void l_collection_open(lua_State *L);
/* [-0, +0, e] Eager-loads relationship decl (at decl_idx) for the parent
 * instances in the list at list_idx; pushes (+1) the list of loaded children. */
void l_rel_load_many(lua_State *L, l_db *db, int decl_idx, int list_idx);

/* ---- shared by l_collection.c, l_coll_view.c, l_rel_joined.c ---- */
/* [-0, +0, m] inst's loaded relationship name = value at val_idx (its user value) */
void l_rel_set_loaded(lua_State *L, l_db *db, int inst_idx, const char *name, int val_idx);
/* The relationship's attribute name (kept alive by the declaration). */
const char *l_rel_decl_key(lua_State *L, int decl_idx);

/* ---- l_coll_view.c: a collection as Lua sees it (the list of a core slot) ---- */
/* 1 when the value at idx is a relationship collection. */
int l_coll_is(lua_State *L, int idx);
/* [-0, +2, e] The owner instance and the declaration of the collection at
 * coll_idx (an error naming the type when it is not one). */
void l_coll_push_owner(lua_State *L, int coll_idx);
/* [-0, +0, e] Makes the list of the collection at coll_idx (of owner's
 * relationship r) what its slot holds again when the two differ in length
 * (Lua code wrote the list). */
void l_coll_sync(lua_State *L, int coll_idx, orm_object *owner, const orm_rel *r);
/* Position (1-based) of the value at obj_idx in the list at coll_idx (a
 * collection or a plain list), or 0. */
int l_rel_coll_find(lua_State *L, int coll_idx, int obj_idx);
/* [-0, +1, e] A list showing inst's loaded slot of the declaration at
 * decl_idx (core loaded or changed it), not put in its loaded state yet. */
void l_coll_from_slot(lua_State *L, l_db *db, int inst_idx, int decl_idx);
/* [-0, +0, m] The list at coll_idx follows a change core made to owner's
 * slot r: item added (ORM_REL_ADDED, at the end) or removed
 * (ORM_REL_REMOVED); anything it cannot follow step by step is rebuilt. */
void l_coll_follow(lua_State *L, int coll_idx, orm_object *owner, const orm_rel *r,
                   orm_object *item, int what);
/* [-0, +1, m] The value at idx as a plain list: a collection's items
 * copied into a new List, anything else pushed as it is. */
void l_coll_push_list(lua_State *L, int idx);
/* [-0, +0, m] The collection metatable: methods (append, remove) added to
 * the collection's own (contains, iter). */
void l_coll_view_open(lua_State *L, const luaL_Reg *methods);
/* [-0, +0, e] Loads o's relationship r into its slot (a collection, or a
 * many-to-one's target), o held by the caller. */
void l_rel_load_one(lua_State *L, l_db *db, const orm_rel *r, orm_object *o);
/* [-0, +0, m] counts a lazy load of the declaration; prints the N+1 hint once */
void l_rel_note_lazy(lua_State *L, l_db *db, int decl_idx, int inst_idx);

#endif
