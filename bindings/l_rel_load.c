/* l_rel_load.c — loading related rows: one SELECT for a batch of parent
 * keys (lazy loads use a batch of one), eager loading of a relationship for
 * many parents at once (selectinload / joinedload, nested paths), and the
 * N+1 hint. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compile.h"
#include "dialect.h"
#include "l_relation.h"
#include "l_result.h"
#include "relation_state.h"

#define IN_CHUNK ORM_REL_IN_CHUNK

/* ---- running loads ---- */

/* Where eager loading puts each child as its row comes: the list of all
 * children (stack slot result, nres so far), relstate (state), the parent
 * instance (targets[p+1] for parent number p of batch); name: the
 * relationship. A many-to-one caches its target at once; a collection's
 * (parent, child) pairs are noted in row order (pairs: npairs of cap, in a
 * userdata at stack slot pairs_idx) and its lists made once all rows are
 * in, each of its final size (a list grown one item at a time is rebuilt
 * at every power of two). */
typedef struct attach {
    int result, state, targets;
    const orm_rel_batch *batch;
    lua_Integer nres;
    const char *name;
    int pairs_idx;
    struct pair {
        int parent;      /* parent number */
        lua_Integer kid; /* the child's position in result */
    } * pairs;
    size_t npairs, cap;
} attach;

static void attach_child(lua_State *L, const orm_rel *r, attach *a, int child, int parent);

/* Runs the loader query of core/relation.c for the parents whose keys are
 * given; a NULL: pushes two lists, the children and, for each, the parent
 * key it belongs to [-0, +2, e]; else hands each child to its parents at
 * once [-0, +0, e]. */
static void run_load(lua_State *L, l_db *db, const orm_rel *r, const orm_value *const *keys, int n,
                     attach *a)
{
    const orm_type *keytype = r->kind == ORM_REL_M2M ? &r->secondary->cols[r->sec_parent_col].type
                                                     : &r->target->cols[r->remote_col].type;
    orm_cursor **box = l_cursor_box(L);
    int boxidx = lua_gettop(L);
    orm_error err;
    orm_error_init(&err);
    if (orm_rel_load_open(db->session, r, keys, n, box, &err) < 0) {
        if (err.cls != ORM_ERR_NONE) l_error_raise(L, &err);
        l_db_raise_session(L, db);
    }
    if (a == NULL) {
        lua_newtable(L);
        lua_newtable(L);
    }
    lua_Integer k = 0;
    int rc;
    while ((rc = orm_cursor_step(*box)) == ORM_ROW) {
        orm_object *o = NULL;
        orm_value buf;
        const orm_value *key;
        if ((rc = orm_rel_load_row(*box, r, &o, &buf, &key)) < 0) break;
        if (o == NULL) continue;
        int parent = a ? orm_rel_batch_first(a->batch, key) : -1;
        if (a) orm_value_clear(&buf); /* key is not needed past finding its parents */
        l_instance_push_object(L, db, o);
        if (a) {
            attach_child(L, r, a, boxidx + 1, parent); /* pops the child */
            continue;
        }
        lua_rawseti(L, boxidx + 1, ++k);
        l_value_push(L, key, keytype);
        if (key == &buf) orm_value_clear(&buf);
        lua_rawseti(L, boxidx + 2, k);
    }
    l_cursor_box_close(box);
    if (rc < 0) l_db_raise_session(L, db);
    lua_remove(L, boxidx);
}

void l_rel_run_load(lua_State *L, l_db *db, const orm_rel *r, const orm_value *const *keys, int n)
{
    run_load(L, db, r, keys, n, NULL);
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

/* relstate[inst][name] = value at val_idx, relstate being the table at state
 * (what l_rel_set_loaded does, the table looked up once per load). */
static void set_loaded_in(lua_State *L, int state, int inst_idx, const char *name, int val_idx)
{
    inst_idx = lua_absindex(L, inst_idx);
    val_idx = lua_absindex(L, val_idx);
    lua_pushvalue(L, inst_idx);
    if (lua_rawget(L, state) == LUA_TNIL) {
        lua_pop(L, 1);
        lua_newtable(L);
        lua_pushvalue(L, inst_idx);
        lua_pushvalue(L, -2);
        lua_rawset(L, state);
    }
    lua_pushvalue(L, val_idx);
    lua_setfield(L, -2, name);
    lua_pop(L, 1);
}

/* [-0, +0, m] Room for twice as many pairs (the old userdata is left to the collector). */
static void grow_pairs(lua_State *L, attach *a)
{
    size_t cap = a->cap ? 2 * a->cap : 256;
    struct pair *p = lua_newuserdatauv(L, cap * sizeof *p, 0);
    if (a->npairs) memcpy(p, a->pairs, a->npairs * sizeof *p);
    lua_replace(L, a->pairs_idx);
    a->pairs = p;
    a->cap = cap;
}

/* [-0, +0, e] The collections of the parents (targets) once every row is
 * in: each slot emptied and filled in row order, each list made at its
 * size and put in relstate. */
static void make_collections(lua_State *L, l_db *db, const orm_rel *r, int decl_idx, attach *a,
                             int nparents)
{
    size_t size = (size_t)(nparents ? nparents : 1) * sizeof(int);
    int *count = lua_newuserdatauv(L, 2 * size, 0), *first = count + (nparents ? nparents : 1);
    memset(count, 0, size);
    for (size_t i = 0; i < a->npairs; i++)
        count[a->pairs[i].parent]++;
    lua_createtable(L, 0, nparents); /* parent instance -> its first number (listed twice: once) */
    int seen = lua_gettop(L);
    lua_createtable(L, nparents, 0); /* first number + 1 -> the collection */
    int colls = lua_gettop(L);
    for (int p = 0; p < nparents; p++) {
        lua_rawgeti(L, a->targets, (lua_Integer)p + 1);
        lua_pushvalue(L, -1);
        if (lua_rawget(L, seen) != LUA_TNIL) {
            first[p] = (int)lua_tointeger(L, -1);
            lua_pop(L, 2);
            continue;
        }
        lua_pop(L, 1);
        first[p] = p;
        lua_pushvalue(L, -1);
        lua_pushinteger(L, p);
        lua_rawset(L, seen);
        l_coll_new_sized(L, db, -1, decl_idx, count[p]);
        set_loaded_in(L, a->state, -2, a->name, -1);
        lua_rawseti(L, colls, (lua_Integer)p + 1);
        lua_pop(L, 1);
    }
    int cur = -1; /* the parent whose collection is on top (rows come grouped by parent) */
    orm_object *owner = NULL;
    for (size_t i = 0; i < a->npairs; i++) {
        int p = a->pairs[i].parent;
        if (first[p] != p) continue; /* the same parent again: its child is in already */
        if (p != cur) {
            if (cur >= 0) lua_pop(L, 1);
            lua_rawgeti(L, colls, (lua_Integer)p + 1);
            lua_rawgeti(L, a->targets, (lua_Integer)p + 1);
            owner = l_instance_check(L, -1);
            lua_pop(L, 1);
            cur = p;
        }
        lua_rawgeti(L, a->result, a->pairs[i].kid);
        l_coll_append_loaded(L, -2, owner, r, -1);
        lua_pop(L, 1);
    }
    if (cur >= 0) lua_pop(L, 1);
    lua_pop(L, 3);
}

/* The child at child (popped) goes into the list of all children and to
 * each parent of the batch from parent on (-1: none). */
static void attach_child(lua_State *L, const orm_rel *r, attach *a, int child, int parent)
{
    lua_pushvalue(L, child);
    lua_rawseti(L, a->result, ++a->nres);
    for (; parent >= 0; parent = orm_rel_batch_next(a->batch, parent)) {
        lua_rawgeti(L, a->targets, (lua_Integer)parent + 1);
        if (r->kind == ORM_REL_M2O) { /* the parent instance */
            if (orm_rel_set_target(l_instance_check(L, -1), r, l_instance_check(L, child)) < 0)
                l_oom(L);
            set_loaded_in(L, a->state, -1, a->name, child); /* anchors the target */
        } else { /* the parent's collection: made at the end */
            if (a->npairs == a->cap) grow_pairs(L, a);
            a->pairs[a->npairs].parent = parent;
            a->pairs[a->npairs++].kid = a->nres;
        }
        lua_pop(L, 1);
    }
    lua_settop(L, child - 1);
}

void l_rel_load_many(lua_State *L, l_db *db, int decl_idx, int list_idx)
{
    decl_idx = lua_absindex(L, decl_idx);
    list_idx = lua_absindex(L, list_idx);
    l_rel_configure(L, db);
    orm_rel *r = l_rel_resolve(L, decl_idx);
    const char *name = l_rel_decl_key(L, decl_idx);
    lua_newtable(L); /* all children loaded */
    int result = lua_gettop(L);
    l_db_push_uv(L, db); /* the loaded relationships, looked up once */
    lua_getfield(L, -1, L_DB_RELSTATE);
    lua_remove(L, -2);
    int state = lua_gettop(L);
    lua_Integer np = (lua_Integer)lua_rawlen(L, list_idx);
    if (np > ORM_REL_BATCH_MAX)
        l_error_raisef(L, ORM_ERR_ARGUMENT, "cannot eager-load %s for more than %d objects at once",
                       luaL_tolstring(L, decl_idx, NULL), ORM_REL_BATCH_MAX);
    lua_createtable(L, (int)np, 0); /* parent number + 1 -> its collection (M2O: itself) */
    int targets = lua_gettop(L);
    /* the parents by key, in memory Lua frees (a Lua error leaks nothing) */
    orm_rel_batch *batch =
        orm_rel_batch_init(lua_newuserdatauv(L, orm_rel_batch_size((int)np), 0), (int)np);
    lua_pushnil(L); /* the pairs (attach), made when the first row comes */
    int pairs_idx = lua_gettop(L);
    int nb = 0;
    for (lua_Integer i = 1; i <= np; i++) {
        lua_rawgeti(L, list_idx, i);
        orm_object *o = l_instance_test(L, -1);
        if (o == NULL || o->table != r->parent) {
            lua_pop(L, 1);
            continue;
        }
        const orm_value *key = orm_rel_load_key(r, o); /* borrowed: the list keeps o */
        if (key == NULL) {
            if (r->kind != ORM_REL_M2O) { /* nothing to load: empty and loaded */
                l_coll_new_sized(L, db, -1, decl_idx, 0);
                set_loaded_in(L, state, -2, name, -1);
                lua_pop(L, 1);
            }
            lua_pop(L, 1);
            continue;
        }
        lua_rawseti(L, targets, nb + 1);
        orm_rel_batch_add(batch, key, nb++);
    }
    if (r->kind == ORM_REL_M2O) db->rel_slots = 1; /* targets cached below */
    attach a = {result, state, targets, batch, 0, name, pairs_idx, NULL, 0, 0};
    const orm_value *const *keys = orm_rel_batch_keys(batch);
    int nk = orm_rel_batch_nkeys(batch);
    for (int off = 0; off < nk; off += IN_CHUNK) {
        int n = nk - off < IN_CHUNK ? nk - off : IN_CHUNK;
        run_load(L, db, r, keys + off, n, &a);
    }
    if (r->kind != ORM_REL_M2O) make_collections(L, db, r, decl_idx, &a, nb);
    lua_settop(L, result);
}
