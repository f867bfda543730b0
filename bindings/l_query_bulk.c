/* l_query_bulk.c — q:update{...} and q:delete(): one UPDATE or DELETE for
 * every row a filtered query of one model matches (core/bulk.c keeps the
 * identity map right), returning the number of rows matched. */
#include "bulk.h"
#include "l_query.h"
#include "l_relation.h"
#include "l_types.h"

/* The table a bulk statement changes: the query's single model entity, with
 * no joins, grouping, limits or other tables in its filters. */
static const orm_table *bulk_table(lua_State *L, l_query *q, const char *what)
{
    const orm_select *s = q->sel;
    l_query_push_entity(L, 1, 1);
    l_class *c = l_class_test(L, -1);
    lua_pop(L, 1);
    if (q->nent != 1 || c == NULL)
        l_error_raisef(L, ORM_ERR_ARGUMENT,
                       "%s() needs a query of one model (db.session:query(Model))", what);
    if (s->njoins || s->ngroup || s->having || s->distinct || s->nfroms || s->from)
        l_error_raisef(L, ORM_ERR_ARGUMENT,
                       "%s() works on a filtered query of one model: no join, group_by, having, "
                       "distinct or select_from (filter with col:in_(subquery) instead)",
                       what);
    if (s->limit >= 0 || s->offset >= 0)
        l_error_raisef(L, ORM_ERR_ARGUMENT,
                       "can't call %s() when limit() or offset() has been called", what);
    return c->table;
}

/* 1 when e mentions a table other than t outside nested SELECTs. */
static int other_table(const orm_expr *e, const orm_table *t)
{
    if (!e || e->kind == ORM_X_SELECT) return 0;
    if (e->kind == ORM_X_SUBCOL || (e->kind == ORM_X_COLUMN && (e->table != t || e->from)))
        return 1;
    for (int i = 0; i < e->nargs; i++)
        if (other_table(e->args[i], t)) return 1;
    return 0;
}

static void check_where(lua_State *L, l_query *q, const orm_table *t, const char *what)
{
    if (other_table(q->sel->where, t))
        l_error_raisef(L, ORM_ERR_ARGUMENT,
                       "%s(): the filters name a table other than %s (use col:in_(subquery))", what,
                       t->name);
}

/* The column a key of q:update{...} names: "name" or Model.name. */
static int update_column(lua_State *L, const orm_table *t, int key)
{
    orm_expr *e = l_expr_test(L, key);
    if (e && e->kind == ORM_X_COLUMN && e->table == t && !e->from) return e->col;
    size_t len;
    const char *name = lua_type(L, key) == LUA_TSTRING ? lua_tolstring(L, key, &len) : NULL;
    int col = name ? orm_table_attr_index(t, name, len) : -1;
    if (col < 0) {
        l_class_push(L, t);
        lua_getfield(L, -1, "__name");
        l_class_push_names(L, t);
        l_error_raisef(L, ORM_ERR_DATA, "%s has no attribute '%s' (valid: %s)", lua_tostring(L, -2),
                       name ? name : luaL_tolstring(L, key, NULL), lua_tostring(L, -1));
    }
    return col;
}

/* [-0, +1, e] The value at idx for column col of t as an Expr userdata: an
 * Expr stays, a Lua value is checked and converted like an assignment. */
static orm_expr *update_value(lua_State *L, const orm_table *t, int col, int idx)
{
    orm_expr *e = l_expr_test(L, idx);
    if (e) {
        lua_pushvalue(L, idx);
        return e;
    }
    orm_error err;
    orm_error_init(&err);
    orm_value v;
    if (l_value_to(L, idx, &t->cols[col].type, &v, &err) < 0) {
        if (err.cls == ORM_ERR_OPERATIONAL || !err.message) { /* out of memory: not the value */
            orm_error_clear(&err);
            l_oom(L);
        }
        l_class_push(L, t);
        lua_getfield(L, -1, "__name");
        lua_pushfstring(L, "%s.%s: %s", lua_tostring(L, -1), t->cols[col].attr, err.message);
        orm_error_clear(&err);
        l_error_raisef(L, ORM_ERR_DATA, "%s", lua_tostring(L, -1));
    }
    e = orm_expr_bind(&v);
    orm_value_clear(&v);
    if (!e) l_query_oom(L);
    l_expr_push(L, e);
    return e;
}

/* q:update{ name = "x", views = Post.views + 1 } -> rows matched. Keys are
 * column names or columns ([Post.views] = ...). */
static int q_update(lua_State *L)
{
    l_query *q = l_query_check(L, 1);
    if (l_shard_fanout(q->db)) return l_shard_bulk(L, q->db, q->shard, q_update);
    luaL_checktype(L, 2, LUA_TTABLE);
    const orm_table *t = bulk_table(L, q, "update");
    check_where(L, q, t, "update");
    int cols[ORM_MAX_COLUMNS], n = 0;
    lua_settop(L, 2);
    lua_newtable(L); /* column index + 1 -> the key naming it */
    lua_pushnil(L);
    while (lua_next(L, 2)) {
        int col = update_column(L, t, 4);
        if (lua_rawgeti(L, 3, col + 1) != LUA_TNIL)
            return l_error_raisef(L, ORM_ERR_ARGUMENT, "update(): column '%s' is set twice",
                                  t->cols[col].attr);
        lua_pop(L, 2);
        lua_pushvalue(L, -1);
        lua_rawseti(L, 3, col + 1);
        cols[n++] = col;
    }
    if (n == 0) return l_error_raisef(L, ORM_ERR_ARGUMENT, "update(): nothing to set");
    /* values in column order: a stable statement */
    for (int i = 1; i < n; i++)
        for (int j = i; j > 0 && cols[j - 1] > cols[j]; j--) {
            int tmp = cols[j];
            cols[j] = cols[j - 1];
            cols[j - 1] = tmp;
        }
    orm_expr *vals[ORM_MAX_COLUMNS];
    luaL_checkstack(L, 2 * n + 4, NULL);
    for (int i = 0; i < n; i++) {
        lua_rawgeti(L, 3, cols[i] + 1);
        lua_gettable(L, 2);
        vals[i] = update_value(L, t, cols[i], lua_gettop(L));
    }
    int64_t matched = 0;
    int rc = orm_bulk_update(q->db->session, t, cols, vals, n, q->sel->where, &matched);
    l_rel_forget(L, q->db);
    if (rc < 0) return l_db_raise_session(L, q->db);
    lua_pushinteger(L, (lua_Integer)matched);
    return 1;
}

/* q:delete() -> rows matched */
static int q_delete(lua_State *L)
{
    l_query *q = l_query_check(L, 1);
    if (l_shard_fanout(q->db)) return l_shard_bulk(L, q->db, q->shard, q_delete);
    const orm_table *t = bulk_table(L, q, "delete");
    check_where(L, q, t, "delete");
    int64_t matched = 0;
    int rc = orm_bulk_delete(q->db->session, t, q->sel->where, &matched);
    l_rel_forget(L, q->db);
    if (rc < 0) return l_db_raise_session(L, q->db);
    lua_pushinteger(L, (lua_Integer)matched);
    return 1;
}

const luaL_Reg l_query_bulk_methods[] = {
    {"update", q_update},
    {"delete", q_delete},
    {NULL, NULL},
};
