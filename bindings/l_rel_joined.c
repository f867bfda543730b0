/* l_rel_joined.c — joined eager loading: db.joinedload(Author.books) and
 * relationships declared lazy = "joined" load in the query's own statement,
 * which core builds (relation_joined.c: the related table LEFT OUTER JOINed
 * under an alias, book_1, as SQLAlchemy does; under LIMIT, OFFSET or
 * DISTINCT the parents as a derived table, anon_1). This file finds the
 * relationships to join and turns the rows into instances and collections.
 * Each parent is listed once, each collection holds each child once. The
 * first relationship of an option's path is joined; the rest of the path,
 * and selectin loads, follow as their own statements (l_relation_eager_load).
 * Queries core cannot rewrite (GROUP BY, an ORDER BY that is not a column of
 * the model under a LIMIT) keep the two-statement load. */
#include <stdlib.h>
#include <string.h>

#include "compile.h"
#include "dialect.h"
#include "l_query.h"
#include "l_relation.h"
#include "l_result.h"
#include "orm_lua.h"
#include "relation_state.h"

#define MAX_JOINED ORM_REL_MAX_JOINED

typedef struct jrel {
    const orm_rel *r;
    int decl; /* stack slot of its declaration */
    const char *name;
    int off; /* its first result column */
} jrel;

/* Adds the declaration at idx to rels unless there already. */
static void add_rel(lua_State *L, jrel *rels, int *n, int idx)
{
    idx = lua_absindex(L, idx);
    for (int i = 0; i < *n; i++)
        if (lua_rawequal(L, rels[i].decl, idx)) {
            lua_remove(L, idx);
            return;
        }
    if (*n == MAX_JOINED) {
        lua_remove(L, idx);
        return;
    }
    rels[*n] = (jrel){.r = l_rel_resolve(L, idx), .decl = idx, .name = l_rel_decl_key(L, idx)};
    (*n)++;
}

/* Pushes the declarations of the relationships to join for t (each on the
 * stack, recorded in rels): the first relationship of each "joined" option
 * that starts at t, and t's relationships declared lazy = "joined". */
static int collect(lua_State *L, int qidx, const orm_table *t, jrel *rels)
{
    int n = 0;
    lua_getiuservalue(L, qidx, 1);
    lua_getfield(L, -1, "options");
    lua_remove(L, -2);
    int opts = lua_gettop(L);
    lua_Integer nopt = lua_istable(L, opts) ? (lua_Integer)lua_rawlen(L, opts) : 0;
    for (lua_Integer i = 1; i <= nopt; i++) {
        lua_rawgeti(L, opts, i);
        lua_getfield(L, -1, "kind");
        int joined = lua_isstring(L, -1) && strcmp(lua_tostring(L, -1), "joined") == 0;
        lua_pop(L, 1);
        lua_rawgeti(L, -1, 1); /* the path's first relationship */
        lua_remove(L, -2);
        if (joined && l_relation_test(L, -1) && l_rel_resolve(L, -1)->parent == t)
            add_rel(L, rels, &n, -1);
        else
            lua_pop(L, 1);
    }
    const l_class *c = t->udata; /* opts stays: the slots above it are recorded */
    if (c && c->has_rels) {
        l_class_push(L, t);
        lua_getfield(L, -1, "__relationships");
        lua_remove(L, -2);
        int decls = lua_gettop(L);
        lua_newtable(L); /* the lazy = "joined" ones */
        int found = lua_gettop(L);
        lua_Integer nf = 0;
        lua_pushnil(L);
        while (lua_next(L, decls)) {
            if (l_rel_resolve(L, -1)->lazy == ORM_LAZY_JOINED)
                lua_rawseti(L, found, ++nf);
            else
                lua_pop(L, 1);
        }
        for (lua_Integer i = 1; i <= nf; i++) {
            lua_rawgeti(L, found, i);
            add_rel(L, rels, &n, -1);
        }
    }
    return n;
}

int l_rel_joined_wanted(lua_State *L, int qidx, const orm_table *t)
{
    jrel rels[MAX_JOINED];
    int top = lua_gettop(L);
    const l_class *c = t->udata;
    if (c == NULL) return 0;
    l_rel_configure(L, c->db);
    int n = collect(L, lua_absindex(L, qidx), t, rels);
    lua_settop(L, top);
    return n > 0;
}

/* ---- the rows ---- */

/* The parents core read (orm_rel_joined_read), freed even when Lua raises. */
typedef struct parents_box {
    orm_object **v;
    int n;
} parents_box;

static int parents_gc(lua_State *L)
{
    parents_box *b = lua_touserdata(L, 1);
    if (b == NULL) return 0;
    for (int i = 0; i < b->n; i++)
        orm_object_release(b->v[i]);
    free(b->v);
    b->v = NULL;
    b->n = 0;
    return 0;
}

/* [-0, +0, e] What the load put in the slot of rels[k] of the parent at obj,
 * shown in Lua: its collection's list (in its loaded state) or its
 * target's instance (anchored there); the children appended to the list at
 * kids. A parent read from the rows may still have had an older instance,
 * unreachable, whose finalizer (inst_gc) ran after the load and before
 * obj was made, emptying the slot: that parent is left unloaded (its next
 * read loads it). */
static void show_loaded(lua_State *L, l_db *db, const jrel *j, int obj, int kids)
{
    orm_object *p = l_instance_check(L, obj);
    const orm_rel *r = j->r;
    lua_Integer nk = (lua_Integer)lua_rawlen(L, kids);
    if (r->kind == ORM_REL_M2O) {
        orm_object *t = orm_rel_target_current(p, r);
        if (t == NULL) return;
        l_instance_push_object(L, db, orm_object_retain(t));
        db->rel_slots = 1;
        l_rel_set_loaded(L, db, obj, j->name, -1);
        lua_rawseti(L, kids, nk + 1);
        return;
    }
    if (!orm_rel_loaded(p, r)) return;
    l_coll_from_slot(L, db, obj, j->decl);
    l_rel_set_loaded(L, db, obj, j->name, -1);
    lua_Integer m = (lua_Integer)lua_rawlen(L, -1);
    for (lua_Integer i = 1; i <= m; i++) {
        lua_rawgeti(L, -1, i);
        lua_rawseti(L, kids, nk + i);
    }
    lua_pop(L, 1);
}

int l_rel_joined_run(lua_State *L, int qidx, l_query *q, const orm_select *sel, const orm_table *t)
{
    qidx = lua_absindex(L, qidx);
    int top = lua_gettop(L);
    l_db *db = q->db;
    l_rel_configure(L, db);
    jrel rels[MAX_JOINED];
    int n = collect(L, qidx, t, rels);
    if (n == 0) {
        lua_settop(L, top);
        return 0;
    }
    const orm_rel *rs[MAX_JOINED];
    int offs[MAX_JOINED], cannot;
    for (int k = 0; k < n; k++)
        rs[k] = rels[k].r;
    orm_select *s = orm_rel_joined_select(sel, t, rs, n, offs, &cannot);
    if (s == NULL) {
        lua_settop(L, top);
        if (cannot) return 0;
        return l_query_oom(L);
    }
    for (int k = 0; k < n; k++)
        rels[k].off = offs[k];
    orm_compiled comp;
    orm_compiled_init(&comp);
    orm_error err;
    orm_error_init(&err);
    int rc = orm_compile_select(orm_conn_dialect(db->conn), s, &comp, &err);
    orm_select_free(s); /* the compiled text and values are all the cursor needs */
    if (rc < 0) {
        orm_compiled_free(&comp);
        lua_settop(L, top);
        if (err.cls == ORM_ERR_NONE) return l_query_oom(L);
        return l_error_raise(L, &err);
    }
    orm_cursor **box = l_cursor_box(L); /* closes the cursor if a Lua error cuts the loop short */
    rc = orm_cursor_open(db->session, orm_buf_str(&comp.sql), comp.params, comp.nparams, box);
    orm_compiled_free(&comp);
    if (rc < 0) l_db_raise_session(L, db);
    parents_box *pb = orm_lua_new_box(L, sizeof *pb, "orm.JoinedParents", parents_gc);
    rc = orm_rel_joined_read(db->session, *box, t, rs, n, offs, &pb->v, &pb->n);
    l_cursor_box_close(box);
    if (rc < 0) l_db_raise_session(L, db);
    int np = pb->n;
    l_list_new(L, np);
    int list = lua_gettop(L);
    lua_createtable(L, 0, n); /* decl -> its children, for the paths that go on */
    int joined = lua_gettop(L);
    for (int k = 0; k < n; k++) {
        lua_pushvalue(L, rels[k].decl);
        lua_newtable(L);
        lua_rawset(L, joined);
    }
    for (int i = 0; i < np; i++) {
        l_instance_push_object(L, db, orm_object_retain(pb->v[i]));
        int obj = lua_gettop(L);
        lua_pushvalue(L, obj);
        lua_rawseti(L, list, (lua_Integer)i + 1);
        for (int k = 0; k < n; k++) {
            lua_pushvalue(L, rels[k].decl);
            lua_rawget(L, joined);
            show_loaded(L, db, &rels[k], obj, lua_gettop(L));
            lua_pop(L, 1);
        }
        lua_pop(L, 1);
    }
    if (np > 0) {
        lua_getiuservalue(L, qidx, 1);
        lua_getfield(L, -1, "options");
        l_relation_eager_load(L, db, list, lua_gettop(L), joined);
    }
    lua_pushvalue(L, list);
    lua_replace(L, top + 1);
    lua_settop(L, top + 1);
    return 1;
}
