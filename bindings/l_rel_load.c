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

#define IN_CHUNK 500

/* ---- running loads ---- */

/* Where eager loading puts each child as its row comes (stack slots): the
 * list of all children (nres so far), the parents by key, relstate, each
 * parent's new collection; name: the relationship. */
typedef struct attach {
    int result, bykey, state, collof;
    lua_Integer nres;
    const char *name;
} attach;

static void attach_child(lua_State *L, const l_rel *r, attach *a, int child);

/* Runs SELECT target.* [, secondary.parent_col] FROM target [JOIN secondary]
 * WHERE <key column> IN (keys) ORDER BY ...; a NULL: pushes two lists, the
 * children and, for each, the parent key it belongs to [-0, +2, e]; else
 * hands each child to its parents at once [-0, +0, e]. */
static void run_load(lua_State *L, l_db *db, const l_rel *r, const orm_value *const *keys, int n,
                     attach *a)
{
    const orm_table *t = r->target;
    orm_select *sel = orm_select_new();
    int ok = sel && orm_select_add_table_columns(sel, t) == ORM_OK;
    orm_expr *keycol = NULL, *cond = NULL;
    const orm_column *keytype;
    if (r->kind == REL_M2M) {
        keycol = orm_expr_column(r->secondary, r->sec_parent_col);
        keytype = &r->secondary->cols[r->sec_parent_col];
        orm_expr *a = orm_expr_column(r->secondary, r->sec_target_col);
        orm_expr *b = orm_expr_column(t, r->remote_col);
        orm_expr *on = a && b ? orm_expr_binary(ORM_OP_EQ, a, b) : NULL;
        ok = ok && on && orm_select_add_join(sel, r->secondary, on, 0) == ORM_OK &&
             orm_select_add_column(sel, keycol) == ORM_OK;
        orm_expr_release(a);
        orm_expr_release(b);
        orm_expr_release(on);
        sel->from = t;
    } else {
        keycol = orm_expr_column(t, r->remote_col);
        keytype = &t->cols[r->remote_col];
    }
    orm_expr *binds[IN_CHUNK];
    int nb = 0;
    for (int i = 0; i < n && i < IN_CHUNK; i++) {
        binds[nb] = orm_expr_bind(keys[i]);
        if (binds[nb] == NULL)
            ok = 0;
        else
            nb++;
    }
    if (!keycol) ok = 0; /* out of memory: never a SELECT without its WHERE */
    if (ok) {
        cond = n == 1 ? orm_expr_binary(ORM_OP_EQ, keycol, binds[0])
                      : orm_expr_in(keycol, binds, nb, 0);
        ok = cond && orm_select_add_where(sel, cond) == ORM_OK;
    }
    for (int i = 0; i < nb; i++)
        orm_expr_release(binds[i]);
    orm_expr_release(cond);
    /* a batch is ordered by parent first: SQLite then walks the foreign-key
     * index in order instead of sorting; each collection keeps its order */
    if (ok && n > 1) ok = orm_select_add_order(sel, keycol) == ORM_OK;
    orm_expr_release(keycol);
    if (ok && r->order_col >= 0) {
        orm_expr *c = orm_expr_column(t, r->order_col);
        orm_expr *o = c ? orm_expr_order(c, r->order_desc) : NULL;
        ok = o && orm_select_add_order(sel, o) == ORM_OK;
        orm_expr_release(c);
        orm_expr_release(o);
    }
    for (int i = 0; ok && i < t->npk; i++) {
        orm_expr *c = orm_expr_column(t, t->pk[i]);
        ok = c && orm_select_add_order(sel, c) == ORM_OK;
        orm_expr_release(c);
    }
    orm_compiled comp;
    orm_compiled_init(&comp);
    orm_error err;
    orm_error_init(&err);
    if (ok && orm_compile_select(orm_conn_dialect(db->conn), sel, &comp, &err) < 0) ok = -1;
    orm_cursor **box = l_cursor_box(L);
    int rc = ok == 1 ? orm_cursor_open(db->session, orm_buf_str(&comp.sql), comp.params,
                                       comp.nparams, box)
                     : 0;
    orm_compiled_free(&comp);
    orm_select_free(sel);
    if (ok == -1) l_error_raise(L, &err);
    if (!ok) l_oom(L);
    if (rc < 0) l_db_raise_session(L, db);
    int boxidx = lua_gettop(L);
    if (a == NULL) {
        lua_newtable(L);
        lua_newtable(L);
    }
    lua_Integer k = 0;
    while ((rc = orm_cursor_step(*box)) == ORM_ROW) {
        orm_object *o = NULL;
        rc = orm_cursor_object(*box, t, 0, &o);
        if (rc < 0) break;
        if (o == NULL) continue;
        l_model_push_object(L, db, o);
        if (a == NULL) lua_rawseti(L, boxidx + 1, ++k);
        if (r->kind == REL_M2M) {
            orm_value v;
            if ((rc = orm_cursor_value(*box, t->ncols, &v)) < 0) break;
            l_value_push(L, &v, &keytype->type);
            orm_value_clear(&v);
        } else {
            l_value_push(L, &o->values[r->remote_col], &keytype->type);
        }
        if (a == NULL)
            lua_rawseti(L, boxidx + 2, k);
        else
            attach_child(L, r, a, boxidx + 1); /* pops the child and its key */
    }
    l_cursor_box_close(box);
    if (rc < 0) l_db_raise_session(L, db);
    lua_remove(L, boxidx);
}

void l_rel_run_load(lua_State *L, l_db *db, const l_rel *r, const orm_value *const *keys, int n)
{
    run_load(L, db, r, keys, n, NULL);
}

/* N+1: a relation lazy-loaded once per parent, over and over, prints one
 * hint naming it, where it was triggered, and the option to paste. */
void l_rel_note_lazy(lua_State *L, l_db *db, int decl_idx)
{
    (void)db;
    decl_idx = lua_absindex(L, decl_idx);
    lua_getfield(L, decl_idx, "__lazy_n");
    lua_Integer n = lua_tointeger(L, -1) + 1;
    lua_pop(L, 1);
    lua_pushinteger(L, n);
    lua_setfield(L, decl_idx, "__lazy_n");
    if (n != 10) return;
    int top = lua_gettop(L);
    luaL_where(L, 2);
    const char *where = lua_tostring(L, -1);
    const char *rel = luaL_tolstring(L, decl_idx, NULL);
    size_t wn = strlen(where);
    fprintf(stderr,
            "ormsh: N+1 queries: %s was lazy-loaded %d times, one query per parent (%.*s); load it "
            "eagerly: :options(db.selectinload(%s))\n",
            rel, (int)n, wn ? (int)wn - 2 : 11, wn ? where : "shell input", rel);
    fflush(stderr);
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

/* The child at child (its parent key above it, both popped) goes into the
 * list of all children and to each of its parents. */
static void attach_child(lua_State *L, const l_rel *r, attach *a, int child)
{
    lua_pushvalue(L, child);
    lua_rawseti(L, a->result, ++a->nres);
    int t = lua_rawget(L, a->bykey), list = lua_gettop(L);
    lua_Integer nparents = t == LUA_TTABLE ? (lua_Integer)lua_rawlen(L, -1) : t != LUA_TNIL;
    for (lua_Integer j = 1; j <= nparents; j++) {
        if (t == LUA_TTABLE)
            lua_rawgeti(L, list, j);
        else
            lua_pushvalue(L, list); /* the one parent */
        if (r->kind == REL_M2O) {
            set_loaded_in(L, a->state, -1, a->name, child);
        } else {
            lua_rawget(L, a->collof); /* the parent's collection */
            lua_pushvalue(L, child);
            lua_rawseti(L, -2, (lua_Integer)lua_rawlen(L, -2) + 1);
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
    l_rel *r = l_rel_resolve(L, decl_idx);
    const char *name = l_rel_decl_key(L, decl_idx);
    int col = r->local_col;
    lua_newtable(L); /* all children loaded */
    int result = lua_gettop(L);
    lua_newtable(L); /* parent key (Lua value) -> its parent instance, or a list of them */
    int bykey = lua_gettop(L);
    l_db_push_uv(L, db); /* the loaded relationships, looked up once */
    lua_getfield(L, -1, L_DB_RELSTATE);
    lua_remove(L, -2);
    int state = lua_gettop(L);
    lua_newtable(L); /* parent instance -> its new collection (what relstate holds) */
    int collof = lua_gettop(L);
    /* keys to load, as values borrowed from the parents (kept alive by the list) */
    lua_Integer np = (lua_Integer)lua_rawlen(L, list_idx);
    const orm_value **keys = lua_newuserdatauv(L, sizeof *keys * (size_t)(np ? np : 1), 0);
    int nk = 0;
    for (lua_Integer i = 1; i <= np; i++) {
        lua_rawgeti(L, list_idx, i);
        orm_object *o = l_model_test(L, -1);
        if (o == NULL || o->table != r->parent) {
            lua_pop(L, 1);
            continue;
        }
        if (r->kind != REL_M2O) {
            l_rel_new_collection(L, -1, decl_idx);
            set_loaded_in(L, state, -2, name, -1);
            lua_pushvalue(L, -2);
            lua_insert(L, -2);
            lua_rawset(L, collof);
        }
        if (o->values[col].type == ORM_V_NULL || (r->kind != REL_M2O && !l_rel_has_key(o, col)) ||
            (r->kind == REL_M2O && orm_object_link_src(o, col))) {
            lua_pop(L, 1);
            continue;
        }
        l_value_push(L, &o->values[col], &o->table->cols[col].type);
        int t = lua_rawget(L, bykey);
        if (t == LUA_TNIL) { /* the first parent of this key: itself */
            lua_pop(L, 1);
            l_value_push(L, &o->values[col], &o->table->cols[col].type);
            lua_pushvalue(L, -2);
            lua_rawset(L, bykey);
            keys[nk++] = &o->values[col];
            lua_pop(L, 1);
            continue;
        }
        if (t != LUA_TTABLE) { /* the second: a list of both */
            lua_createtable(L, 2, 0);
            lua_insert(L, -2);
            lua_rawseti(L, -2, 1);
            l_value_push(L, &o->values[col], &o->table->cols[col].type);
            lua_pushvalue(L, -2);
            lua_rawset(L, bykey);
        }
        lua_pushvalue(L, -2);
        lua_rawseti(L, -2, (lua_Integer)lua_rawlen(L, -2) + 1);
        lua_pop(L, 2);
    }
    attach a = {result, bykey, state, collof, 0, name};
    for (int off = 0; off < nk; off += IN_CHUNK) {
        int n = nk - off < IN_CHUNK ? nk - off : IN_CHUNK;
        run_load(L, db, r, keys + off, n, &a);
    }
    lua_settop(L, result);
}
