/* l_query_filter.c — where db.session:query(Model) starts: the base of a
 * class (its select and entity table, made once and shared by the queries
 * of that class, with a cache of their compiled SQL and the facts of the
 * class), and filter_by, which on such a query stays lazy (the values kept
 * in the query itself until something needs the select; first() runs it
 * straight from the cache). Queries are built in l_query.c, run in
 * l_query_run.c. */
#include <stdlib.h>
#include <string.h>

#include "sqlcache.h"
#include "l_query.h"

/* ---- the base of a class ---- */

static int qbase_gc(lua_State *L)
{
    l_qbase *b = lua_touserdata(L, 1);
    if (!b) return 0;
    orm_select_free(b->sel);
    b->sel = NULL;
    orm_sqlcache_free(b->sqlc);
    b->sqlc = NULL;
    return 0;
}

/* [-0, +1, m] The base box of the class c at cls (made the first time):
 * its select and entity table, shared by every query(Model) of the class.
 * The class holds it by a registry reference (c->qbase_ref), released
 * when the class is dropped. */
static l_qbase *push_base(lua_State *L, l_db *db, l_class *c, int cls)
{
    if (c->qbase_ref != LUA_NOREF) {
        lua_rawgeti(L, LUA_REGISTRYINDEX, c->qbase_ref);
        l_qbase *b = lua_touserdata(L, -1);
        if (b && b->sel) return b;
        lua_pop(L, 1);
    }
    l_qbase *b = lua_newuserdatauv(L, sizeof *b, 1);
    memset(b, 0, sizeof *b);
    lua_createtable(L, 0, 1);
    lua_pushcfunction(L, qbase_gc);
    lua_setfield(L, -2, "__gc");
    l_protect_mt(L);
    lua_setmetatable(L, -2);
    int box = lua_gettop(L);
    l_query *q = l_query_alloc(L, db, 0, 0, 1); /* builds the select and entity table */
    if ((q->sel = orm_select_new()) == NULL) l_query_oom(L);
    l_query_set_entities(L, box + 1, q, cls, cls);
    b->table = q->t1;
    b->eager = -1;
    b->sqlc = orm_sqlcache_new();
    for (int i = 0; i < q->t1->ncols; i++) /* add_entity added them in order */
        b->cols[i] = q->sel->columns[i];
    b->sel = q->sel;
    q->sel = NULL; /* now the box's */
    lua_getiuservalue(L, box + 1, 1);
    lua_pushvalue(L, box);
    lua_setfield(L, -2, "__base");
    lua_setiuservalue(L, box, 1);
    lua_settop(L, box);
    lua_pushvalue(L, box);
    int ref = luaL_ref(L, LUA_REGISTRYINDEX);
    if (c->qbase_ref != LUA_NOREF) luaL_unref(L, LUA_REGISTRYINDEX, c->qbase_ref);
    c->qbase_ref = ref;
    return b;
}

/* [-0, +1, m] query(Model) of the class at cls: light, on the base. */
static void query_of_class(lua_State *L, l_db *db, l_class *c, int cls)
{
    l_qbase *b = push_base(L, db, c, cls);
    l_query *q = l_query_alloc(L, db, 1, 0, 0);
    lua_getiuservalue(L, -2, 1);
    lua_setiuservalue(L, -2, 1);
    q->sel = b->sel;
    q->base = b;
    q->t1 = b->table;
    lua_remove(L, -2);
}

void l_query_new(lua_State *L, l_db *db, int first, int last)
{
    l_class *c = first == last ? l_class_of(L, db, first) : NULL;
    if (c) {
        query_of_class(L, db, c, first);
        return;
    }
    l_query *q = l_query_alloc(L, db, 0, 0, 1);
    int self = lua_gettop(L);
    if ((q->sel = orm_select_new()) == NULL) l_query_oom(L);
    l_query_set_entities(L, self, q, first, last);
}

/* ---- filter_by ---- */

/* The comparison column = value at vi for filter_by: a plain Lua value
 * (string, number, boolean) is bound as l_expr_from_value binds it, against
 * a column node made here; anything else (db.null, an Expr, a query) goes
 * through the entity's own column Expr and l_expr_from_value. A new
 * reference (NULL: out of memory). */
static orm_expr *filter_term(lua_State *L, int ent, const orm_table *t, orm_from *f,
                             const l_qbase *base, int col, int vi)
{
    int top = lua_gettop(L);
    orm_value v;
    char dt[ORM_DATETIME_MAX]; /* a date's canonical text, bound from here */
    switch (lua_type(L, vi)) {
    case LUA_TSTRING: {
        size_t len;
        const char *s = lua_tolstring(L, vi, &len);
        orm_type_kind k = t->cols[col].type.kind;
        if (k == ORM_T_DATE || k == ORM_T_DATETIME) { /* compared as an instant */
            len = l_expr_date_text(L, t, col, s, len, dt);
            s = dt;
        }
        v.type = k == ORM_T_BINARY ? ORM_V_BLOB : ORM_V_TEXT;
        v.len = len;
        v.u.s = (char *)s; /* borrowed: orm_expr_bind copies it */
        break;
    }
    case LUA_TNUMBER:
        if (lua_isinteger(L, vi))
            orm_value_int(&v, (int64_t)lua_tointeger(L, vi));
        else
            orm_value_real(&v, (double)lua_tonumber(L, vi));
        break;
    case LUA_TBOOLEAN:
        orm_value_bool(&v, lua_toboolean(L, vi));
        break;
    default: {
        const char *name = t->cols[col].attr;
        if (lua_type(L, vi) != LUA_TNIL && !l_expr_test(L, vi) && !l_query_select_test(L, vi)) {
            l_class_push(L, t);
            lua_getfield(L, -1, "__name");
            l_error_raisef(L, ORM_ERR_ARGUMENT, "filter_by %s.%s: value expected, got %s",
                           lua_tostring(L, -1), name, luaL_typename(L, vi));
            return NULL; /* not reached */
        }
        if (ent == 0) { /* entity 1, not on the stack yet */
            l_query_push_entity(L, 1, 1);
            ent = lua_gettop(L);
        }
        /* the entity's own column Expr (Model.name, alias.name), made once */
        lua_getfield(L, ent, name);
        orm_expr *c = l_expr_test(L, -1);
        if (!c || c->kind != ORM_X_COLUMN || c->table != t || c->col != col) {
            lua_pop(L, 1);
            l_expr_push(L, l_query_entity_column(L, ent, name, strlen(name)));
            c = l_expr_test(L, -1);
        }
        lua_pushvalue(L, vi); /* by a negative index: a value from a table, not an argument */
        orm_expr *val = l_expr_from_value(L, -1, c);
        orm_expr *cmp = orm_expr_binary(val->kind == ORM_X_NULL ? ORM_OP_IS : ORM_OP_EQ, c, val);
        orm_expr_release(val);
        lua_settop(L, top);
        return cmp;
    }
    }
    orm_expr *c = f              ? orm_expr_alias_column(f, col)
                  : base != NULL ? orm_expr_retain(base->cols[col]) /* the same node */
                                 : orm_expr_column(t, col);
    orm_expr *val = c ? orm_expr_bind(&v) : NULL;
    orm_expr *cmp = val ? orm_expr_binary(ORM_OP_EQ, c, val) : NULL;
    orm_expr_release(c);
    orm_expr_release(val);
    return cmp;
}

void l_query_materialize(lua_State *L, int idx, const orm_value **binds)
{
    idx = lua_absindex(L, idx);
    l_query *q = lua_touserdata(L, idx);
    l_lazy *z = q->lazy;
    const l_qbase *base = q->base;
    orm_select *sel = orm_select_clone(base->sel);
    int ok = sel != NULL;
    for (int i = 0; ok && i < z->n; i++) { /* what filter_term makes */
        orm_expr *c = orm_expr_retain(base->cols[z->cols[i]]);
        orm_expr *val = orm_expr_bind(&z->vals[i]);
        orm_expr *cmp = val ? orm_expr_binary(ORM_OP_EQ, c, val) : NULL;
        binds[i] = val ? &val->value : NULL;
        orm_expr_release(c);
        orm_expr_release(val);
        ok = cmp && orm_select_add_where(sel, cmp) == ORM_OK;
        orm_expr_release(cmp);
    }
    if (!ok) {
        orm_select_free(sel);
        l_query_oom(L);
    }
    q->sel = sel; /* owned now: the query gets the __gc that frees it */
    q->lazy = NULL;
    q->gc = 1;
    luaL_getmetatable(L, L_MT_QUERY);
    lua_setmetatable(L, idx);
}

/* [-0, +1, m] filter_by on the query(Model) at 1 of the cols[i] = the plain
 * values at vals[i] (n of them, in column order): a lazy query, the bytes
 * of its values after its filters in its own userdata. */
static void filter_lazy(lua_State *L, const l_query *src, const int *cols, const int *vals, int n)
{
    size_t text = 0;
    for (int i = 0; i < n; i++)
        if (lua_type(L, vals[i]) == LUA_TSTRING) text += lua_rawlen(L, vals[i]) + 1;
    l_query *q = l_query_alloc(L, src->db, src->nent, sizeof(l_lazy) + text, 0);
    lua_getiuservalue(L, 1, 1);
    lua_setiuservalue(L, -2, 1);
    q->t1 = src->t1;
    q->primary = src->primary;
    q->shard = src->shard;
    q->base = src->base;
    l_lazy *z = q->lazy = (l_lazy *)(q + 1);
    char *bytes = (char *)(z + 1);
    z->n = n;
    for (int i = 0; i < n; i++) {
        orm_value *v = &z->vals[i];
        int vi = vals[i];
        z->cols[i] = cols[i];
        if (lua_type(L, vi) == LUA_TSTRING) {
            size_t len;
            const char *s = lua_tolstring(L, vi, &len);
            memcpy(bytes, s, len);
            bytes[len] = '\0';
            v->type = src->t1->cols[cols[i]].type.kind == ORM_T_BINARY ? ORM_V_BLOB : ORM_V_TEXT;
            v->len = len;
            v->u.s = bytes; /* in the userdata: never cleared */
            bytes += len + 1;
        } else if (lua_type(L, vi) == LUA_TBOOLEAN) {
            orm_value_bool(v, lua_toboolean(L, vi));
        } else if (lua_isinteger(L, vi)) {
            orm_value_int(v, (int64_t)lua_tointeger(L, vi));
        } else {
            orm_value_real(v, (double)lua_tonumber(L, vi));
        }
    }
}

int l_query_filter_by(lua_State *L)
{
    luaL_checktype(L, 2, LUA_TTABLE);
    lua_settop(L, 2);
    l_query *q = l_query_check(L, 1);
    int ent = 0;
    const orm_table *t = q->t1;
    orm_from *f = q->f1;
    if (q->has_by || t == NULL) { /* the entity is not entity 1 */
        l_query_push_name_entity(L, 1, q, 1);
        ent = lua_gettop(L);
        l_class *cls = l_class_test(L, ent);
        f = !cls && luaL_testudata(L, ent, L_MT_ALIAS) ? l_from_test(L, ent) : NULL;
        t = cls ? cls->table : f ? f->table : NULL;
    }
    if (t == NULL)
        return l_error_raisef(L, ORM_ERR_ARGUMENT, "filter_by needs a model entity in the query");
    const l_qbase *base = !f && q->base && q->base->table == t ? q->base : NULL;
    /* the values stay on the stack (vals[i]) while the keys are checked */
    int cols[ORM_MAX_COLUMNS], vals[ORM_MAX_COLUMNS], n = 0, plain = 1;
    lua_pushnil(L);
    while (lua_next(L, 2)) {
        int vt = lua_type(L, -1);
        plain = plain && (vt == LUA_TSTRING || vt == LUA_TNUMBER || vt == LUA_TBOOLEAN);
        size_t len;
        const char *key = lua_type(L, -2) == LUA_TSTRING ? lua_tolstring(L, -2, &len) : NULL;
        int col = key ? orm_table_attr_index(t, key, len) : -1;
        if (col < 0) {
            lua_pop(L, 1);
            return l_query_raise_unknown_column(L, t, key ? key : luaL_tolstring(L, -1, NULL));
        }
        orm_type_kind k = t->cols[col].type.kind;
        if (vt == LUA_TSTRING && (k == ORM_T_DATE || k == ORM_T_DATETIME))
            plain = 0;     /* filter_term writes the date's canonical text */
        lua_insert(L, -2); /* the value below the key */
        /* terms in column order, so the SQL (and its cached statement) is stable */
        int j = n++;
        for (; j > 0 && cols[j - 1] > col; j--) {
            cols[j] = cols[j - 1];
            vals[j] = vals[j - 1];
        }
        cols[j] = col;
        vals[j] = lua_gettop(L) - 1;
        luaL_checkstack(L, 4, "too many filter_by terms");
    }
    /* on query(Model) itself: lazy */
    if (plain && n <= L_LAZY_MAX && base && q->sel == base->sel && ent == 0 && !q->has_by) {
        filter_lazy(L, q, cols, vals, n);
        return 1;
    }
    q = l_query_clone(L, 1);
    for (int i = 0; i < n; i++)
        l_query_add_owned(L, q, orm_select_add_where,
                          filter_term(L, ent, t, f, base, cols[i], vals[i]));
    return 1;
}
