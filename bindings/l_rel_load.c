/* l_rel_load.c — loading related rows into core's slots and showing them
 * in Lua: a lazy load (one parent), eager loading of a relationship for
 * many parents at once (selectinload, nested paths), and the N+1 hint. The
 * statements, the grouping of parents by key and the filling of the slots
 * are core's (orm_rel_load_many); this file makes the collections' lists
 * and anchors many-to-one targets' instances in their owners' loaded state. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "l_relation.h"
#include "l_result.h"
#include "relation_state.h"

/* ---- running loads ---- */

/* [-0, +0, e] Loads r for the np objects given (held by the caller) into
 * their slots. */
static void load_slots(lua_State *L, l_db *db, const orm_rel *r, orm_object *const *objs, int np)
{
    orm_error err;
    orm_error_init(&err);
    if (orm_rel_load_many(db->session, r, objs, np, NULL, NULL, &err) < 0) {
        if (err.cls != ORM_ERR_NONE) l_error_raise(L, &err);
        l_db_raise_session(L, db);
    }
    db->rel_slots = 1; /* l_rel_forget clears what the slots hold */
}

void l_rel_load_one(lua_State *L, l_db *db, const orm_rel *r, orm_object *o)
{
    load_slots(L, db, r, &o, 1);
}

/* N+1: a relation lazy-loaded once per parent, over and over, prints one
 * hint naming it, where it was triggered, and the option to paste. */
void l_rel_note_lazy(lua_State *L, l_db *db, int decl_idx, int inst_idx)
{
    decl_idx = lua_absindex(L, decl_idx);
    if (db->nplus1 == L_NPLUS1_RAISE) l_stats_nplus1_check(L, db, decl_idx, inst_idx);
    lua_getfield(L, decl_idx, "__lazy_n");
    lua_Integer n = lua_tointeger(L, -1) + 1;
    lua_pop(L, 1);
    lua_pushinteger(L, n);
    lua_setfield(L, decl_idx, "__lazy_n");
    if (n != 10) return;
    int top = lua_gettop(L);
    char where[256];
    l_user_where(L, where, sizeof where);
    const char *rel = luaL_tolstring(L, decl_idx, NULL);
    orm_stats_nplus1(db->conn->stats, rel);
    if (db->nplus1 != L_NPLUS1_OFF) {
        fprintf(stderr,
                "ormsh: N+1 queries: %s was lazy-loaded %d times, one query per parent (%s); "
                "load it eagerly: :options(db.selectinload(%s))\n",
                rel, (int)n, where[0] ? where : "shell input", rel);
        fflush(stderr);
    }
    lua_settop(L, top);
}

/* ---- eager loading ---- */

void l_rel_load_many(lua_State *L, l_db *db, int decl_idx, int list_idx)
{
    decl_idx = lua_absindex(L, decl_idx);
    list_idx = lua_absindex(L, list_idx);
    l_rel_configure(L, db);
    orm_rel *r = l_rel_resolve(L, decl_idx);
    const char *name = l_rel_decl_key(L, decl_idx);
    lua_Integer np = (lua_Integer)lua_rawlen(L, list_idx);
    if (np > ORM_REL_BATCH_MAX)
        l_error_raisef(L, ORM_ERR_ARGUMENT, "cannot eager-load %s for more than %d objects at once",
                       luaL_tolstring(L, decl_idx, NULL), ORM_REL_BATCH_MAX);
    /* the parents, each once, in memory Lua frees (the list keeps them alive) */
    orm_object **ps = lua_newuserdatauv(L, (size_t)(np > 0 ? np : 1) * sizeof *ps, 0);
    int n = 0;
    for (lua_Integer i = 1; i <= np; i++) {
        lua_rawgeti(L, list_idx, i);
        orm_object *o = l_instance_test(L, -1);
        if (o && o->table == r->parent) ps[n++] = o;
        lua_pop(L, 1);
    }
    if ((n = orm_rel_distinct(ps, n)) < 0) l_oom(L);
    load_slots(L, db, r, ps, n);
    lua_createtable(L, n, 0); /* all children loaded, for the next step of a path */
    int result = lua_gettop(L);
    lua_Integer nres = 0;
    for (int i = 0; i < n; i++) {
        l_instance_push_object(L, db, orm_object_retain(ps[i]));
        int inst = lua_gettop(L);
        if (r->kind == ORM_REL_M2O) {
            orm_object *t = orm_rel_target(ps[i], r);
            if (t) { /* anchored in its loaded state, as obj.rel's read does */
                l_instance_push_object(L, db, orm_object_retain(t));
                l_rel_set_loaded(L, db, inst, name, -1);
                lua_rawseti(L, result, ++nres);
            }
        } else {
            l_coll_from_slot(L, db, inst, decl_idx);
            l_rel_set_loaded(L, db, inst, name, -1);
            lua_Integer m = (lua_Integer)lua_rawlen(L, -1);
            for (lua_Integer k = 1; k <= m; k++) {
                lua_rawgeti(L, -1, k);
                lua_rawseti(L, result, ++nres);
            }
            lua_pop(L, 1);
        }
        lua_pop(L, 1);
    }
    lua_remove(L, result - 1); /* the parents' array */
}
