/* l_rel_joined.c — joined eager loading: db.joinedload(Author.books) and
 * relationships declared lazy = "joined" load in the query's own statement,
 * the related table joined by LEFT OUTER JOIN under an alias (book_1), as
 * SQLAlchemy does. A query with LIMIT, OFFSET or DISTINCT first becomes a
 * derived table of its parents, so the limit counts parents, not joined
 * rows: SELECT anon_1.*, book_1.* FROM (SELECT ... LIMIT ?) AS anon_1 LEFT
 * OUTER JOIN book AS book_1 ON .... Each parent is listed once, each
 * collection holds each child once. The first relationship of an option's
 * path is joined; the rest of the path, and selectin loads, follow as
 * their own statements (l_relation_eager_load). Queries this cannot write
 * (GROUP BY, an ORDER BY that is not a column of the model under a
 * LIMIT) keep the two-statement load. */
#include <string.h>

#include "compile.h"
#include "dialect.h"
#include "l_query.h"
#include "l_relation.h"
#include "l_result.h"

#define MAX_JOINED 8

typedef struct jrel {
    const orm_rel *r;
    int decl; /* stack slot of its declaration */
    const char *name;
    orm_from *f; /* the target's alias, while the statement is built */
    int off;     /* its first result column */
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

/* ---- the statement ---- */

static orm_expr *eq(orm_expr *a, orm_expr *b)
{
    orm_expr *e = a && b ? orm_expr_binary(ORM_OP_EQ, a, b) : NULL;
    orm_expr_release(a);
    orm_expr_release(b);
    return e;
}

/* Adds e (released) to s's ORDER BY, as e or e DESC; 0 on oom. */
static int add_order(orm_select *s, orm_expr *e, int desc)
{
    orm_expr *o = e && desc ? orm_expr_order(e, 1) : orm_expr_retain(e);
    int ok = o && orm_select_add_order(s, o) == ORM_OK;
    orm_expr_release(o);
    orm_expr_release(e);
    return ok;
}

/* The parents' column col: t's own, or the derived table's. */
static orm_expr *parent_col(const orm_table *t, orm_from *sub, int col)
{
    return sub ? orm_expr_subcolumn(sub, col) : orm_expr_column(t, col);
}

/* ORDER BY item e of the parents' query restated over the derived table
 * sub: only a column of t (ascending or descending) can be; NULL else. */
static orm_expr *order_on_sub(const orm_expr *e, const orm_table *t, orm_from *sub)
{
    int desc = -1;
    if (e->kind == ORM_X_ORDER && e->nargs == 1) {
        desc = e->desc;
        e = e->args[0];
    }
    if (e->kind != ORM_X_COLUMN || e->table != t || e->from) return NULL;
    orm_expr *c = orm_expr_subcolumn(sub, e->col);
    if (desc < 0 || c == NULL) return c;
    orm_expr *o = orm_expr_order(c, desc);
    orm_expr_release(c);
    return o;
}

/* 1 when s is ordered by the parents' column col already. */
static int ordered_by(const orm_select *s, const orm_table *t, orm_from *sub, int col)
{
    for (int i = 0; i < s->norder; i++) {
        const orm_expr *e = s->order_by[i];
        if (e->kind == ORM_X_ORDER && e->nargs == 1) e = e->args[0];
        if (e->col == col && ((sub && e->kind == ORM_X_SUBCOL && e->from == sub) ||
                              (!sub && e->kind == ORM_X_COLUMN && e->table == t && !e->from)))
            return 1;
    }
    return 0;
}

/* Joins rels[i]'s target (and a many-to-many's association table) to s
 * under aliases, selects the target's columns; 0 on oom. */
static int join_rel(orm_select *s, const orm_table *t, orm_from *sub, jrel *j)
{
    const orm_rel *r = j->r;
    j->f = orm_from_alias(r->target, NULL);
    if (j->f == NULL) return 0;
    int ok;
    if (r->kind == ORM_REL_M2M) {
        orm_from *fs = orm_from_alias(r->secondary, NULL);
        orm_expr *on1 =
            fs ? eq(parent_col(t, sub, r->local_col), orm_expr_alias_column(fs, r->sec_parent_col))
               : NULL;
        orm_expr *on2 = fs ? eq(orm_expr_alias_column(fs, r->sec_target_col),
                                orm_expr_alias_column(j->f, r->remote_col))
                           : NULL;
        ok = on1 && on2 && orm_select_add_join_from(s, fs, on1, 1) == ORM_OK &&
             orm_select_add_join_from(s, j->f, on2, 1) == ORM_OK;
        orm_expr_release(on1);
        orm_expr_release(on2);
        orm_from_release(fs);
    } else {
        orm_expr *on =
            eq(parent_col(t, sub, r->local_col), orm_expr_alias_column(j->f, r->remote_col));
        ok = on && orm_select_add_join_from(s, j->f, on, 1) == ORM_OK;
        orm_expr_release(on);
    }
    j->off = s->ncolumns;
    return ok && orm_select_add_alias_columns(s, j->f) == ORM_OK;
}

/* The statement loading the parents of sel (columns of t) with rels; NULL
 * with *cannot set when sel has a shape this does not rewrite, NULL alone
 * on oom. */
static orm_select *build(const orm_select *sel, const orm_table *t, jrel *rels, int n, int *cannot)
{
    *cannot = 0;
    if (sel->ngroup > 0 || sel->having) {
        *cannot = 1;
        return NULL;
    }
    int wrap = sel->limit >= 0 || sel->offset >= 0 || sel->distinct;
    orm_from *sub = NULL;
    orm_select *s;
    int ok = 1;
    if (wrap) {
        sub = orm_from_subquery(sel, NULL);
        s = sub ? orm_select_new() : NULL;
        ok = s && orm_select_add_from(s, sub) == ORM_OK;
        for (int i = 0; ok && i < t->ncols; i++) {
            orm_expr *c = orm_expr_subcolumn(sub, i);
            ok = c && orm_select_add_column(s, c) == ORM_OK;
            orm_expr_release(c);
        }
        for (int i = 0; ok && i < sel->norder; i++) {
            orm_expr *o = order_on_sub(sel->order_by[i], t, sub);
            if (o == NULL) *cannot = 1;
            ok = o && orm_select_add_order(s, o) == ORM_OK;
            orm_expr_release(o);
        }
    } else {
        s = orm_select_clone(sel);
        ok = s != NULL;
    }
    /* each parent's rows together, in the order a plain query gives them */
    for (int i = 0; ok && i < t->npk; i++)
        if (!ordered_by(s, t, sub, t->pk[i])) ok = add_order(s, parent_col(t, sub, t->pk[i]), 0);
    for (int k = 0; ok && k < n; k++)
        ok = join_rel(s, t, sub, &rels[k]);
    for (int k = 0; ok && k < n; k++) { /* each collection in its order */
        const orm_rel *r = rels[k].r;
        if (r->kind == ORM_REL_M2O) continue;
        if (r->order_col >= 0)
            ok = add_order(s, orm_expr_alias_column(rels[k].f, r->order_col), r->order_desc);
        for (int i = 0; ok && i < r->target->npk; i++)
            ok = add_order(s, orm_expr_alias_column(rels[k].f, r->target->pk[i]), 0);
    }
    orm_from_release(sub);
    for (int k = 0; k < n; k++) { /* the select holds its own references */
        orm_from_release(rels[k].f);
        rels[k].f = NULL;
    }
    if (!ok) {
        orm_select_free(s);
        return NULL;
    }
    return s;
}

/* ---- the rows ---- */

/* t[k] at idx (a table made when missing) [-0, +1, m] */
static void push_sub(lua_State *L, int idx, int k)
{
    if (lua_rawgeti(L, idx, k) == LUA_TNIL) {
        lua_pop(L, 1);
        lua_newtable(L);
        lua_pushvalue(L, -1);
        lua_rawseti(L, idx, k);
    }
}

/* t[value at key] for the table on top (a table made when missing);
 * replaces the table on top by it [-1, +1, m] */
static void sub_by(lua_State *L, int key)
{
    lua_pushvalue(L, key);
    if (lua_rawget(L, -2) == LUA_TNIL) {
        lua_pop(L, 1);
        lua_newtable(L);
        lua_pushvalue(L, key);
        lua_pushvalue(L, -2);
        lua_rawset(L, -4);
    }
    lua_remove(L, -2);
}

/* One row: the parent at obj (new: first seen), then each relationship's
 * child. colls[k]: parent -> collection; sets[k]: parent -> set of its
 * children; kids[k]: the list of all children (set in kids[-k]). */
static int take_row(lua_State *L, l_db *db, orm_cursor *cur, jrel *rels, int n, int obj, int isnew,
                    int colls, int sets, int kids)
{
    for (int k = 0; k < n; k++) {
        const orm_rel *r = rels[k].r;
        orm_object *c = NULL;
        int rc = orm_cursor_object(cur, r->target, rels[k].off, &c);
        if (rc < 0) return rc;
        if (c == NULL) continue; /* no related row */
        l_instance_push_object(L, db, c);
        int child = lua_gettop(L);
        if (r->kind == ORM_REL_M2O) {
            if (isnew) l_rel_set_loaded(L, db, obj, rels[k].name, child);
        } else {
            push_sub(L, sets, k + 1);
            sub_by(L, obj); /* the parent's children so far */
            lua_pushvalue(L, child);
            int seen = lua_rawget(L, -2) != LUA_TNIL;
            lua_pop(L, 1);
            if (!seen) {
                lua_pushvalue(L, child);
                lua_pushboolean(L, 1);
                lua_rawset(L, -3);
                push_sub(L, colls, k + 1);
                lua_pushvalue(L, obj);
                lua_rawget(L, -2); /* its collection (start_parent made it) */
                lua_pushvalue(L, child);
                lua_rawseti(L, -2, (lua_Integer)lua_rawlen(L, -2) + 1);
                lua_pop(L, 2);
            }
            lua_pop(L, 1);
        }
        /* the list of all children, each once (for the rest of a path) */
        push_sub(L, kids, -(k + 1));
        lua_pushvalue(L, child);
        if (lua_rawget(L, -2) == LUA_TNIL) {
            lua_pushvalue(L, child);
            lua_pushboolean(L, 1);
            lua_rawset(L, -4);
            push_sub(L, kids, k + 1);
            lua_pushvalue(L, child);
            lua_rawseti(L, -2, (lua_Integer)lua_rawlen(L, -2) + 1);
            lua_pop(L, 1);
        }
        lua_settop(L, child - 1);
    }
    return 0;
}

/* A new parent at obj: an empty collection for each collection relationship. */
static void start_parent(lua_State *L, l_db *db, jrel *rels, int n, int obj, int colls)
{
    for (int k = 0; k < n; k++) {
        if (rels[k].r->kind == ORM_REL_M2O) continue;
        l_rel_new_collection(L, obj, rels[k].decl);
        l_rel_set_loaded(L, db, obj, rels[k].name, -1);
        push_sub(L, colls, k + 1);
        lua_pushvalue(L, obj);
        lua_pushvalue(L, -3);
        lua_rawset(L, -3);
        lua_pop(L, 2);
    }
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
    int cannot;
    orm_select *s = build(sel, t, rels, n, &cannot);
    if (s == NULL) {
        lua_settop(L, top);
        if (cannot) return 0;
        return l_query_oom(L);
    }
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
    l_list_new(L, 0);
    int list = lua_gettop(L);
    lua_newtable(L); /* parents seen */
    int seen = lua_gettop(L);
    lua_newtable(L);
    int colls = lua_gettop(L);
    lua_newtable(L);
    int sets = lua_gettop(L);
    lua_newtable(L);
    int kids = lua_gettop(L);
    lua_Integer np = 0;
    while ((rc = orm_cursor_step(*box)) == ORM_ROW) {
        orm_object *o = NULL;
        if ((rc = orm_cursor_object(*box, t, 0, &o)) < 0) break;
        if (o == NULL) continue;
        l_instance_push_object(L, db, o);
        int obj = lua_gettop(L);
        lua_pushvalue(L, obj);
        int isnew = lua_rawget(L, seen) == LUA_TNIL;
        lua_pop(L, 1);
        if (isnew) {
            lua_pushvalue(L, obj);
            lua_pushboolean(L, 1);
            lua_rawset(L, seen);
            lua_pushvalue(L, obj);
            lua_rawseti(L, list, ++np);
            start_parent(L, db, rels, n, obj, colls);
        }
        if ((rc = take_row(L, db, *box, rels, n, obj, isnew, colls, sets, kids)) < 0) break;
        lua_settop(L, kids);
    }
    l_cursor_box_close(box);
    if (rc < 0) l_db_raise_session(L, db);
    /* decl -> its children, for the paths that go on and the other loads */
    lua_newtable(L);
    int joined = lua_gettop(L);
    for (int k = 0; k < n; k++) {
        lua_pushvalue(L, rels[k].decl);
        push_sub(L, kids, k + 1);
        lua_rawset(L, joined);
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
