/* l_query.c — immutable queries (db.session:query(...), Model.query): the
 * Query userdata and its building methods. Every method returns a new query
 * over a copy of the core select (the expressions themselves are shared,
 * being immutable). Running and results are in l_query_run.c, iteration in
 * l_query_iter.c, bulk changes in l_query_bulk.c, pagination in l_page.c. */
#include <stdlib.h>
#include <string.h>

#include "l_args.h"
#include "sqlcache.h"
#include "l_query.h"
#include "shard.h"

/* ---- the userdata ---- */

/* Queries owning C memory (their own select, a cursor) carry a __gc. The
 * query(Model) of a class (its select is the class's base) and a lazy
 * filter_by on it (its values live in the userdata itself) own none, so they
 * are made with a metatable without __gc: a finalizer per query costs the
 * collector more than the rest of the query. A lazy query that gets its
 * select is switched to the other metatable then. Both hold the base box in
 * their user value 1 ("__base"), which keeps it alive. */
#define L_MT_QUERY_LIGHT "orm.Query (no finalizer)"

static int q_gc(lua_State *L)
{
    l_query *q = lua_touserdata(L, 1); /* only queries have this __gc */
    if (!q) return 0;
    if (q->cur && q->db->session) orm_cursor_close(q->cur); /* a run an error cut short */
    q->cur = NULL;
    if (!q->base || q->sel != q->base->sel) orm_select_free(q->sel);
    q->base = NULL;
    q->sel = NULL;
    return 0;
}

/* The query at idx, or NULL. */
static l_query *query_test(lua_State *L, int idx)
{
    l_query *q = lua_touserdata(L, idx);
    if (q == NULL || lua_rawlen(L, idx) < sizeof *q || q->magic != L_QUERY_MAGIC) return NULL;
    return q;
}

int l_query_is(lua_State *L, int idx)
{
    return query_test(L, idx) != NULL;
}

int l_query_oom(lua_State *L)
{
    l_oom(L);
}

l_query *l_query_check_lazy(lua_State *L, int idx)
{
    l_query *q = query_test(L, idx);
    if (q == NULL) q = luaL_checkudata(L, idx, L_MT_QUERY); /* raises */
    if ((q->sel == NULL && q->lazy == NULL) || q->db->session == NULL ||
        (q->base && q->base->sel == NULL)) /* (its box collected: closing the state) */
        luaL_argerror(L, idx, "the query's session is closed");
    q->db->L = L;
    return q;
}

l_query *l_query_check(lua_State *L, int idx)
{
    l_query *q = l_query_check_lazy(L, idx);
    if (q->lazy) {
        const orm_value *binds[L_LAZY_MAX];
        l_query_materialize(L, idx, binds);
    }
    return q;
}

const orm_select *l_query_select_test(lua_State *L, int idx)
{
    l_query *q = query_test(L, idx);
    if (q && (q->base && q->base->sel == NULL)) return NULL;
    if (q && q->lazy) {
        const orm_value *binds[L_LAZY_MAX];
        l_query_materialize(L, idx, binds);
    }
    if (q) return q->sel;
    orm_from *f = l_from_test(L, idx);
    return f ? f->sel : NULL;
}

/* [-0, +1, m] A query userdata with no select yet (closed state), extra
 * bytes after it (a lazy query's filters); gc: with the __gc metatable. */
l_query *l_query_alloc(lua_State *L, l_db *db, int nent, size_t extra, int gc)
{
    l_query *q = lua_newuserdatauv(L, sizeof *q + extra, 2);
    memset(q, 0, sizeof *q);
    q->magic = L_QUERY_MAGIC;
    q->db = db;
    q->nent = nent;
    q->gc = gc != 0;
    int *ref = &db->query_mt_ref[q->gc]; /* a registry slot: no lookup by name */
    if (*ref == LUA_NOREF) {
        luaL_getmetatable(L, gc ? L_MT_QUERY : L_MT_QUERY_LIGHT);
        *ref = luaL_ref(L, LUA_REGISTRYINDEX);
    }
    lua_rawgeti(L, LUA_REGISTRYINDEX, *ref);
    lua_setmetatable(L, -2);
    return q;
}

static l_query *query_new(lua_State *L, l_db *db, int nent)
{
    return l_query_alloc(L, db, nent, 0, 1);
}

l_query *l_query_clone(lua_State *L, int srcidx)
{
    srcidx = lua_absindex(L, srcidx);
    l_query *src = l_query_check(L, srcidx);
    l_query *q = query_new(L, src->db, src->nent);
    lua_getiuservalue(L, srcidx, 1);
    lua_setiuservalue(L, -2, 1);
    q->t1 = src->t1;
    q->f1 = src->f1;
    q->has_by = src->has_by;
    q->has_options = src->has_options;
    q->primary = src->primary;
    q->shard = src->shard;
    q->base = src->base; /* its box is in the shared user value 1 */
    q->yield_per = src->yield_per;
    if ((q->sel = orm_select_clone(src->sel)) == NULL) l_query_oom(L);
    return q;
}

/* [-1, +0, m] Below the top is a query: gives it a copy of its entity table
 * with field key set to the value on top (popped). The table is shared with
 * the query this one was cloned from, so it is never changed in place. */
static void set_uv_field(lua_State *L, const char *key)
{
    int q = lua_gettop(L) - 1;
    lua_newtable(L);
    lua_getiuservalue(L, q, 1);
    lua_pushnil(L);
    while (lua_next(L, -2)) {
        lua_pushvalue(L, -2);
        lua_insert(L, -2);
        lua_rawset(L, -5);
    }
    lua_pop(L, 1);
    lua_insert(L, -2);
    lua_setfield(L, -2, key);
    lua_setiuservalue(L, q, 1);
    l_query *u = lua_touserdata(L, q);
    if (strcmp(key, "by") == 0) u->has_by = 1;
    if (strcmp(key, "options") == 0) u->has_options = 1;
}

void l_query_push_entity(lua_State *L, int qidx, int i)
{
    lua_getiuservalue(L, qidx, 1);
    lua_rawgeti(L, -1, i);
    lua_remove(L, -2);
}

const orm_table *l_query_entity_table(lua_State *L, int idx)
{
    l_class *c = l_class_test(L, idx);
    if (c) return c->table;
    if (!luaL_testudata(L, idx, L_MT_ALIAS)) return NULL;
    return l_from_test(L, idx)->table;
}

/* Adds the result columns of the entity at idx. */
static void add_entity(lua_State *L, l_query *q, int idx)
{
    l_class *c = l_class_test(L, idx);
    orm_from *f = c ? NULL : l_from_test(L, idx);
    int rc;
    if (c) {
        rc = orm_select_add_table_columns(q->sel, c->table);
    } else if (f && f->table) {
        rc = orm_select_add_alias_columns(q->sel, f);
    } else if (f) {
        rc = ORM_OK;
        for (int i = 0; rc == ORM_OK && i < f->nnames; i++) {
            orm_expr *e = orm_expr_subcolumn(f, i);
            rc = orm_select_add_column(q->sel, e);
            orm_expr_release(e);
        }
    } else {
        orm_expr *e = l_expr_test(L, idx);
        if (e == NULL) luaL_typeerror(L, idx, "model class, alias, subquery, column or expression");
        rc = orm_select_add_column(q->sel, e);
    }
    if (rc < 0) l_query_oom(L);
}

/* Sets the entities first..last as the query's (a new entity table keeping
 * the options, join target and base box of the present one, if any). */
void l_query_set_entities(lua_State *L, int qidx, l_query *q, int first, int last)
{
    lua_createtable(L, last - first + 1, 3);
    if (lua_getiuservalue(L, qidx, 1) == LUA_TTABLE) {
        lua_getfield(L, -1, "options");
        lua_setfield(L, -3, "options");
        lua_getfield(L, -1, "by");
        lua_setfield(L, -3, "by");
        lua_getfield(L, -1, "__base");
        lua_setfield(L, -3, "__base");
    }
    lua_pop(L, 1);
    for (int i = first; i <= last; i++) {
        add_entity(L, q, i);
        lua_pushvalue(L, i);
        lua_rawseti(L, -2, i - first + 1);
    }
    lua_setiuservalue(L, qidx, 1);
    q->nent = last - first + 1;
    l_class *c = l_class_test(L, first);
    q->f1 = !c && luaL_testudata(L, first, L_MT_ALIAS) ? l_from_test(L, first) : NULL;
    q->t1 = c ? c->table : q->f1 ? q->f1->table : NULL;
}

/* ---- names ---- */

int l_query_raise_unknown_column(lua_State *L, const orm_table *t, const char *key)
{
    l_class_push(L, t);
    lua_getfield(L, -1, "__name");
    l_class_push_names(L, t);
    l_error_raisef(L, ORM_ERR_DATA, "%s has no attribute '%s' (valid: %s)", lua_tostring(L, -2),
                   key, lua_tostring(L, -1));
}

/* [-0, +1, -] The entity filter_by and order_by("name") refer to: the last
 * join's target, else the first model or alias entity, else the model of
 * the first column; nil if none. */
void l_query_push_name_entity(lua_State *L, int qidx, l_query *q, int for_filter)
{
    lua_getiuservalue(L, qidx, 1);
    if (for_filter && lua_getfield(L, -1, "by") != LUA_TNIL) {
        lua_remove(L, -2);
        return;
    }
    if (for_filter) lua_pop(L, 1);
    for (int i = 1; i <= q->nent; i++) {
        lua_rawgeti(L, -1, i);
        if (l_query_entity_table(L, -1)) {
            lua_remove(L, -2);
            return;
        }
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
    /* a query of columns: the model of the first one */
    const orm_expr *c = q->sel->ncolumns ? q->sel->columns[0] : NULL;
    if (c && c->kind == ORM_X_LABEL) c = c->args[0];
    if (c && c->kind == ORM_X_COLUMN && !c->from && c->table->udata)
        l_class_push(L, c->table);
    else
        lua_pushnil(L);
}

/* A new reference to column `name` of the entity at idx (a class or an
 * alias); raises DataError naming the valid columns when there is none. */
orm_expr *l_query_entity_column(lua_State *L, int idx, const char *name, size_t len)
{
    const orm_table *t = l_query_entity_table(L, idx);
    int col = orm_table_attr_index(t, name, len);
    if (col < 0) l_query_raise_unknown_column(L, t, name);
    orm_from *f = l_class_test(L, idx) ? NULL : l_from_test(L, idx);
    orm_expr *e = f ? orm_expr_alias_column(f, col) : orm_expr_column(t, col);
    if (e == NULL) l_query_oom(L);
    return e;
}

static int name_is(const char *s, const char *name, size_t len)
{
    return strlen(s) == len && memcmp(s, name, len) == 0;
}

/* "name": a selected label of that name, else a column of the query's model
 * entity, else a selected column of that name. A new reference. */
static orm_expr *named_expr(lua_State *L, int qidx, l_query *q, const char *name, size_t len)
{
    orm_expr *plain = NULL;
    for (int i = 0; i < q->sel->ncolumns; i++) {
        orm_expr *c = q->sel->columns[i];
        if (c->kind == ORM_X_LABEL && name_is(c->name, name, len)) return orm_expr_retain(c);
        if (!plain && c->kind == ORM_X_COLUMN && name_is(c->table->cols[c->col].attr, name, len))
            plain = c;
        if (!plain && c->kind == ORM_X_SUBCOL && name_is(c->from->names[c->col], name, len))
            plain = c;
    }
    l_query_push_name_entity(L, qidx, q, 0);
    if (lua_isnil(L, -1) && plain) {
        lua_pop(L, 1);
        return orm_expr_retain(plain);
    }
    if (lua_isnil(L, -1))
        l_error_raisef(L, ORM_ERR_ARGUMENT, "'%s': no label or model column of that name", name);
    orm_expr *e = l_query_entity_column(L, lua_gettop(L), name, len);
    lua_pop(L, 1);
    return e;
}

/* ---- building ---- */

static int q_filter(lua_State *L)
{
    int top = lua_gettop(L);
    l_query *q = l_query_clone(L, 1);
    for (int i = 2; i <= top; i++) {
        orm_expr *e = l_expr_test(L, i);
        if (e == NULL && lua_isboolean(L, i)) /* filter(Author.id == 3): Lua compared */
            return luaL_argerror(L, i,
                                 "expression expected, got boolean: == compares in Lua; "
                                 "use :eq for SQL, e.g. Author.id:eq(3)");
        if (e == NULL) return luaL_typeerror(L, i, "expression (e.g. Author.name:eq(\"x\"))");
        if (orm_select_add_where(q->sel, e) < 0) l_query_oom(L);
    }
    return 1;
}

/* Takes one new reference to e and runs add(sel, e). */
void l_query_add_owned(lua_State *L, l_query *q, int (*add)(orm_select *, orm_expr *), orm_expr *e)
{
    if (e == NULL) l_query_oom(L);
    int rc = add(q->sel, e);
    orm_expr_release(e);
    if (rc < 0) l_query_oom(L);
}

/* A new reference to the ORDER BY / GROUP BY item at i: an Expr, or "name"
 * ("-name": descending, for ORDER BY). */
static orm_expr *order_item(lua_State *L, int qidx, l_query *q, int i, int allow_desc)
{
    orm_expr *e = l_expr_test(L, i);
    if (e) return orm_expr_retain(e);
    size_t len = 0; /* clang cannot see luaL_typeerror does not return */
    const char *name = lua_type(L, i) == LUA_TSTRING ? lua_tolstring(L, i, &len) : NULL;
    if (name == NULL) luaL_typeerror(L, i, "column, expression or column name");
    int desc = allow_desc && name[0] == '-';
    e = named_expr(L, qidx, q, name + desc, len - (size_t)desc);
    if (!desc) return e;
    orm_expr *o = orm_expr_order(e, 1);
    orm_expr_release(e);
    return o;
}

/* order_by(Expr | "name" | "-name", ...); order_by(nil) drops the ordering. */
static int q_order_by(lua_State *L)
{
    int top = lua_gettop(L);
    l_query *q = l_query_clone(L, 1);
    if (top == 2 && lua_isnil(L, 2)) {
        orm_select_clear_order(q->sel);
        return 1;
    }
    for (int i = 2; i <= top; i++)
        l_query_add_owned(L, q, orm_select_add_order, order_item(L, 1, q, i, 1));
    return 1;
}

static int q_group_by(lua_State *L)
{
    int top = lua_gettop(L);
    l_query *q = l_query_clone(L, 1);
    for (int i = 2; i <= top; i++)
        l_query_add_owned(L, q, orm_select_add_group, order_item(L, 1, q, i, 0));
    return 1;
}

/* limit(n) / offset(n); nil removes it. */
static int set_bound(lua_State *L, int offset)
{
    lua_Integer n = -1;
    if (!lua_isnil(L, 2)) {
        n = luaL_checkinteger(L, 2);
        luaL_argcheck(L, n >= 0, 2, "must not be negative");
    }
    l_query *q = l_query_clone(L, 1);
    if (offset)
        q->sel->offset = n;
    else
        q->sel->limit = n;
    return 1;
}
static int q_limit(lua_State *L)
{
    return set_bound(L, 0);
}
static int q_offset(lua_State *L)
{
    return set_bound(L, 1);
}

/* slice(start, stop): rows start+1 .. stop, as Python's q[start:stop]. */
static int q_slice(lua_State *L)
{
    lua_Integer a = luaL_checkinteger(L, 2), b = luaL_checkinteger(L, 3);
    luaL_argcheck(L, a >= 0, 2, "must not be negative");
    l_query *q = l_query_clone(L, 1);
    q->sel->offset = a;
    q->sel->limit = b > a ? b - a : 0;
    return 1;
}

static int q_distinct(lua_State *L)
{
    l_query *q = l_query_clone(L, 1);
    q->sel->distinct = 1;
    return 1;
}

/* q:with_for_update([{ read = true }]): a locking read (SELECT ... FOR
 * UPDATE, or FOR SHARE with read) that also sees rows other transactions
 * committed since this one began (MySQL's REPEATABLE READ); nothing on
 * SQLite. */
static int q_with_for_update(lua_State *L)
{
    static const char *const known[] = {"read", NULL};
    int read = 0;
    if (l_arg_options(L, 2, "q:with_for_update(opts)", known)) {
        lua_getfield(L, 2, "read");
        read = lua_toboolean(L, -1);
        lua_pop(L, 1);
    }
    lua_settop(L, 1);
    l_query *q = l_query_clone(L, 1);
    q->sel->lock = read ? ORM_LOCK_SHARE : ORM_LOCK_UPDATE;
    return 1;
}

static int q_having(lua_State *L)
{
    int top = lua_gettop(L);
    l_query *q = l_query_clone(L, 1);
    for (int i = 2; i <= top; i++)
        if (orm_select_set_having(q->sel, l_expr_check(L, i)) < 0) l_query_oom(L);
    return 1;
}

/* ---- joins ---- */

/* A new reference to the ON clause joining the target (table t, or the
 * alias f) to a table already in the query, found from the foreign keys:
 * the first source with a link decides; two links are ambiguous. */
static orm_expr *infer_on(lua_State *L, l_query *q, const orm_table *t, orm_from *f)
{
    const orm_select *s = q->sel;
    int nsrc = s->ncolumns + s->njoins;
    for (int k = 0; k < nsrc; k++) {
        const orm_expr *c = k < s->ncolumns ? s->columns[k] : NULL;
        const orm_join *j = k < s->ncolumns ? NULL : &s->joins[k - s->ncolumns];
        const orm_table *st =
            c ? (c->kind == ORM_X_COLUMN ? c->table : NULL) : (j->item ? j->item->table : j->table);
        orm_from *sf = c ? c->from : j->item;
        if (!st || (st == t && sf == f)) continue;
        orm_expr *found = NULL;
        int links = 0;
        for (int side = 0; side < 2; side++) {
            const orm_table *a = side ? st : t, *b = side ? t : st; /* a.col -> b */
            orm_from *af = side ? sf : f, *bf = side ? f : sf;
            for (int i = 0; i < a->ncols; i++) {
                const orm_fkey *fk = a->cols[i].fk;
                int bc = fk && strcmp(fk->table, b->name) == 0
                             ? orm_table_column_index(b, fk->column, strlen(fk->column))
                             : -1;
                if (bc < 0 || links++) continue;
                orm_expr *l = af ? orm_expr_alias_column(af, i) : orm_expr_column(a, i);
                orm_expr *r = bf ? orm_expr_alias_column(bf, bc) : orm_expr_column(b, bc);
                found = orm_expr_binary(ORM_OP_EQ, side ? r : l, side ? l : r);
                orm_expr_release(l);
                orm_expr_release(r);
                if (!found) l_query_oom(L);
            }
        }
        if (links == 1) return found;
        orm_expr_release(found);
        if (links > 1)
            l_error_raisef(L, ORM_ERR_ARGUMENT,
                           "more than one foreign key links %s and %s: give the ON clause, "
                           "q:join(Target, onclause)",
                           st->name, t->name);
    }
    l_error_raisef(L, ORM_ERR_ARGUMENT,
                   "no foreign key links %s to the query's tables: give the ON clause, "
                   "q:join(Target, onclause)",
                   t->name);
    return NULL;
}

/* join(Model | alias | subquery [, onclause]) or join(Model.relation). */
static int do_join(lua_State *L, int outer)
{
    lua_settop(L, 3);
    l_query_check(L, 1);
    orm_expr *on = lua_isnil(L, 3) ? NULL : l_expr_check(L, 3);
    l_class *c = l_class_test(L, 2);
    orm_from *f = c ? NULL : l_from_test(L, 2);
    if (c || f) {
        if (!on && f && !f->table)
            return luaL_argerror(L, 3, "an ON clause is needed to join a subquery");
        l_query *q = l_query_clone(L, 1);
        orm_expr *inferred = on ? NULL : infer_on(L, q, c ? c->table : f->table, f);
        int rc = c ? orm_select_add_join(q->sel, c->table, on ? on : inferred, outer)
                   : orm_select_add_join_from(q->sel, f, on ? on : inferred, outer);
        orm_expr_release(inferred);
        if (rc < 0) l_query_oom(L);
        if (c || f->table) {
            lua_pushvalue(L, 2);
            set_uv_field(L, "by");
        }
        return 1;
    }
    const orm_table *target, *via;
    orm_expr *on1, *on2;
    l_relation_join(L, 2, &target, &via, &on1, &on2);
    l_expr_push(L, on1); /* owned by the stack while we clone */
    if (on2) l_expr_push(L, on2);
    l_query *q = l_query_clone(L, 1);
    int rc = via ? orm_select_add_join(q->sel, via, on1, outer) : ORM_OK;
    if (rc == ORM_OK) rc = orm_select_add_join(q->sel, target, via ? on2 : on1, outer);
    if (rc < 0) l_query_oom(L);
    l_class_push(L, target);
    set_uv_field(L, "by");
    return 1;
}
static int q_join(lua_State *L)
{
    return do_join(L, 0);
}
static int q_outerjoin(lua_State *L)
{
    return do_join(L, 1);
}

/* select_from(Model | alias | subquery): the FROM the query starts at. */
static int q_select_from(lua_State *L)
{
    l_class *c = l_class_test(L, 2);
    orm_from *f = c ? NULL : l_from_test(L, 2);
    if (!c && !f) return luaL_typeerror(L, 2, "model class, alias or subquery");
    l_query *q = l_query_clone(L, 1);
    if (c)
        q->sel->from = c->table;
    else if (orm_select_add_from(q->sel, f) < 0)
        l_query_oom(L);
    return 1;
}

/* ---- entities and options ---- */

static int q_with_entities(lua_State *L)
{
    int top = lua_gettop(L);
    luaL_checkany(L, 2);
    l_query *q = l_query_clone(L, 1);
    int self = lua_gettop(L);
    orm_select_clear_columns(q->sel);
    l_query_set_entities(L, self, q, 2, top);
    return 1;
}

/* add_columns(e, ...): more entities after the present ones. */
static int q_add_columns(lua_State *L)
{
    int top = lua_gettop(L);
    l_query *q = l_query_clone(L, 1);
    int self = lua_gettop(L);
    lua_getiuservalue(L, 1, 1);
    int uv = lua_gettop(L);
    luaL_checkstack(L, q->nent + top, "too many entities");
    for (int i = 1; i <= q->nent; i++)
        lua_rawgeti(L, uv, i);
    for (int i = 2; i <= top; i++)
        lua_pushvalue(L, i);
    orm_select_clear_columns(q->sel);
    l_query_set_entities(L, self, q, uv + 1, lua_gettop(L));
    lua_settop(L, self);
    return 1;
}

/* options(db.joinedload(...), ...): kept for the loads this query runs. */
static int q_options(lua_State *L)
{
    int top = lua_gettop(L);
    l_query_clone(L, 1);
    lua_newtable(L);
    lua_getiuservalue(L, 1, 1);
    int n = 0;
    if (lua_getfield(L, -1, "options") == LUA_TTABLE)
        for (lua_Integer i = 1; i <= (lua_Integer)lua_rawlen(L, -1); i++) {
            lua_rawgeti(L, -1, i);
            lua_rawseti(L, -4, ++n);
        }
    lua_pop(L, 2);
    for (int i = 2; i <= top; i++) {
        luaL_checktype(L, i, LUA_TTABLE);
        lua_pushvalue(L, i);
        lua_rawseti(L, -2, ++n);
    }
    set_uv_field(L, "options");
    return 1;
}

/* ---- queries as parts of other statements ---- */

/* subquery([name]): a derived table; its columns are subq.c.<name>. */
static int q_subquery(lua_State *L)
{
    l_query *q = l_query_check(L, 1);
    size_t n = 0;
    const char *name = luaL_optlstring(L, 2, NULL, &n);
    if (name && (n == 0 || strlen(name) != n))
        return luaL_argerror(L, 2, "a non-empty name without NUL bytes expected");
    orm_from *f = orm_from_subquery(q->sel, name);
    if (!f) return l_query_oom(L);
    l_subquery_push(L, f);
    return 1;
}

/* exists(): EXISTS (SELECT 1 FROM ...), an Expr. */
static int q_exists(lua_State *L)
{
    l_query *q = l_query_check(L, 1);
    orm_expr *e = orm_expr_select(q->sel, 1);
    if (!e) return l_query_oom(L);
    l_expr_push(L, e);
    return 1;
}

/* scalar_subquery() / as_scalar(): (SELECT ...) as a value; label(name). */
static int q_scalar_subquery(lua_State *L)
{
    l_query *q = l_query_check(L, 1);
    orm_expr *e = orm_expr_select(q->sel, 0);
    if (!e) return l_query_oom(L);
    l_expr_push(L, e);
    return 1;
}

static int q_label(lua_State *L)
{
    size_t n;
    const char *name = luaL_checklstring(L, 2, &n);
    if (n == 0 || strlen(name) != n)
        return luaL_argerror(L, 2, "a non-empty name without NUL bytes expected");
    q_scalar_subquery(L);
    orm_expr *e = orm_expr_label(l_expr_test(L, -1), name);
    if (!e) return l_query_oom(L);
    l_expr_push(L, e);
    return 1;
}

/* using("primary" | "replica"): where the query's reads run (a replica is
 * still only used outside a transaction that has written). */
static int q_using(lua_State *L)
{
    const char *what = luaL_checkstring(L, 2);
    int primary = strcmp(what, "primary") == 0;
    if (!primary && strcmp(what, "replica") != 0)
        return l_error_raisef(L, ORM_ERR_ARGUMENT,
                              "using: expected 'primary' or 'replica' (got '%s')", what);
    l_query *q = l_query_clone(L, 1);
    q->primary = primary;
    return 1;
}

/* shard(name): the query runs on that shard only (a sharded database). */
static int q_shard(lua_State *L)
{
    l_query *src = l_query_check(L, 1);
    const char *name = luaL_checkstring(L, 2);
    int i = src->db->shards ? orm_shardset_find(src->db->shards, name) : -1;
    if (i < 0)
        return l_error_raisef(L, ORM_ERR_ARGUMENT, "shard: no shard named '%s'%s", name,
                              src->db->shards ? "" : " (the database has no shards)");
    l_query *q = l_query_clone(L, 1);
    q->shard = i + 1;
    return 1;
}

static const luaL_Reg build_methods[] = {
    {"using", q_using},
    {"shard", q_shard},
    {"filter", q_filter},
    {"where", q_filter}, /* the 2.0 style's name (db.select) */
    {"filter_by", l_query_filter_by},
    {"order_by", q_order_by},
    {"group_by", q_group_by},
    {"having", q_having},
    {"limit", q_limit},
    {"offset", q_offset},
    {"slice", q_slice},
    {"distinct", q_distinct},
    {"with_for_update", q_with_for_update},
    {"yield_per", l_query_yield_per},
    {"join", q_join},
    {"outerjoin", q_outerjoin},
    {"select_from", q_select_from},
    {"with_entities", q_with_entities},
    {"add_columns", q_add_columns},
    {"options", q_options},
    {"subquery", q_subquery},
    {"exists", q_exists},
    {"scalar_subquery", q_scalar_subquery},
    {"as_scalar", q_scalar_subquery},
    {"label", q_label},
    {"paginate", l_query_paginate},
    {"explain", l_query_explain},
    {NULL, NULL},
};

void l_query_open(lua_State *L)
{
    if (luaL_newmetatable(L, L_MT_QUERY)) {
        l_protect_mt(L);
        luaL_newlib(L, build_methods);
        luaL_setfuncs(L, l_query_run_methods, 0);
        luaL_setfuncs(L, l_query_bulk_methods, 0);
        lua_setfield(L, -2, "__index");
        luaL_setfuncs(L, l_query_run_meta, 0);
        lua_pushliteral(L, "Query");
        lua_setfield(L, -2, "__name");
        if (luaL_newmetatable(L, L_MT_QUERY_LIGHT)) {
            l_protect_mt(L); /* the same, without __gc */
            lua_pushnil(L);
            while (lua_next(L, -3)) {
                lua_pushvalue(L, -2);
                lua_insert(L, -2);
                lua_rawset(L, -4);
            }
        }
        lua_pop(L, 1);
        lua_pushcfunction(L, q_gc);
        lua_setfield(L, -2, "__gc");
    }
    lua_pop(L, 1);
    l_page_open(L);
}
