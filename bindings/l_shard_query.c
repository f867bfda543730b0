/* l_shard_query.c — a query on a sharded database: run on every shard (or
 * the one q:shard names), the rows merged in ORDER BY order by
 * orm_shard_merge, offset/limit applied after the merge (each shard reads
 * offset + limit rows), count() summed, a query of count/sum/min/max
 * folded into one row; any other aggregate, and GROUP BY, across shards is
 * an ArgumentError. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "l_query.h"
#include "l_result.h"
#include "shard.h"

/* Aggregates ormsh cannot combine from per-shard results. */
static const char *const refused[] = {"avg",
                                      "total",
                                      "group_concat",
                                      "string_agg",
                                      "array_agg",
                                      "json_agg",
                                      "jsonb_agg",
                                      "json_group_array",
                                      "json_group_object",
                                      "json_arrayagg",
                                      "json_objectagg",
                                      "stddev",
                                      "stddev_pop",
                                      "stddev_samp",
                                      "variance",
                                      "var_pop",
                                      "var_samp",
                                      "bool_and",
                                      "bool_or",
                                      "every",
                                      "bit_and",
                                      "bit_or",
                                      "bit_xor",
                                      NULL};

static const orm_expr *unlabel(const orm_expr *e)
{
    while (e && e->kind == ORM_X_LABEL && e->nargs == 1)
        e = e->args[0];
    return e;
}

/* 1: every column is count/sum/min/max (folded); 0: no aggregate. Raises
 * for another aggregate or a mix. */
static int classify(lua_State *L, const orm_select *sel)
{
    int agg = 0, plain = 0;
    for (int i = 0; i < sel->ncolumns; i++) {
        const orm_expr *e = unlabel(sel->columns[i]);
        if (e->kind == ORM_X_FUNC && orm_shard_agg(e->name) != ORM_AGG_NONE) {
            agg++;
            continue;
        }
        for (int k = 0; e->kind == ORM_X_FUNC && refused[k]; k++)
            if (strcasecmp(e->name, refused[k]) == 0)
                l_error_raisef(L, ORM_ERR_ARGUMENT,
                               "%s() cannot be combined across shards (count, sum, min and max "
                               "can): narrow the query with q:shard(name)",
                               e->name);
        plain++;
    }
    if (agg && plain)
        l_error_raisef(L, ORM_ERR_ARGUMENT,
                       "a query mixing aggregates and plain columns cannot run across shards: "
                       "narrow it with q:shard(name)");
    if (sel->ngroup > 0)
        l_error_raisef(L, ORM_ERR_ARGUMENT,
                       "GROUP BY cannot run across shards: narrow the query with q:shard(name)");
    return agg > 0;
}

/* run_one(q, sel): the rows on the current shard. */
static int run_one(lua_State *L)
{
    l_query_run(L, 1, lua_touserdata(L, 2));
    return 1;
}

/* count_one(q, sel): count() on the current shard. */
static int count_one(lua_State *L)
{
    l_query *q = lua_touserdata(L, 1);
    lua_pushinteger(L, l_query_count_select(L, q, lua_touserdata(L, 2)));
    return 1;
}

/* The select each shard runs: no offset, limit + offset rows. */
static orm_select per_shard(const orm_select *sel)
{
    orm_select per = *sel; /* shallow: borrows sel's parts */
    if (sel->limit >= 0 && sel->offset > 0) per.limit = sel->limit + sel->offset;
    per.offset = -1;
    return per;
}

/* A Lua value as a key to compare (borrowing strings from the stack): a
 * string that reads as a number compares as one. */
static orm_value lua_key(lua_State *L, int idx)
{
    orm_value v = ORM_VALUE_NULL;
    switch (lua_type(L, idx)) {
    case LUA_TNUMBER:
        if (lua_isinteger(L, idx))
            orm_value_int(&v, (int64_t)lua_tointeger(L, idx));
        else
            orm_value_real(&v, lua_tonumber(L, idx));
        break;
    case LUA_TBOOLEAN:
        orm_value_bool(&v, lua_toboolean(L, idx));
        break;
    case LUA_TSTRING: {
        size_t len;
        v.type = ORM_V_TEXT;
        v.u.s = (char *)lua_tolstring(L, idx, &len);
        v.len = len;
        v.borrowed = 1;
        char *end;
        strtod(v.u.s, &end);
        v.decimal = len > 0 && *end == '\0';
        break;
    }
    default:
        break;
    }
    return v;
}

/* The result column an ORDER BY item sorts by, or -1. */
static int column_of(const orm_select *sel, const orm_expr *e)
{
    for (int j = 0; j < sel->ncolumns; j++) {
        const orm_expr *c = sel->columns[j];
        if (c == e) return j;
        if (c->kind == ORM_X_LABEL && e->kind == ORM_X_LABEL && c->name && e->name &&
            strcmp(c->name, e->name) == 0)
            return j;
        c = unlabel(c);
        if (c == e || (c->kind == ORM_X_COLUMN && e->kind == ORM_X_COLUMN && c->table == e->table &&
                       c->col == e->col && c->from == e->from))
            return j;
    }
    return -1;
}

/* [-0, +0, e] The keys of the item at idx (an instance or a row) into out. */
static void item_keys(lua_State *L, const orm_select *sel, int idx, orm_value *out)
{
    orm_object *o = l_instance_test(L, idx);
    for (int k = 0; k < sel->norder; k++) {
        const orm_expr *e = sel->order_by[k];
        if (e->kind == ORM_X_ORDER && e->nargs == 1) e = e->args[0];
        if (o && e->kind == ORM_X_COLUMN && e->table == o->table && e->from == NULL) {
            out[k] = o->values[e->col];
            out[k].borrowed = 1;
            continue;
        }
        int j = o ? -1 : column_of(sel, e);
        if (j < 0)
            l_error_raisef(L, ORM_ERR_ARGUMENT,
                           "order_by item %d cannot be merged across shards (order by a column "
                           "of the query's model or a selected column, or narrow the query with "
                           "q:shard(name))",
                           k + 1);
        lua_rawgeti(L, idx, j + 1); /* stays referenced by the row */
        out[k] = lua_key(L, -1);
        lua_pop(L, 1);
    }
}

/* [-0, +1, m] The value folded for a column as Lua: a decimal stays text. */
static void push_folded(lua_State *L, const orm_value *v)
{
    switch (v->type) {
    case ORM_V_INT:
        lua_pushinteger(L, (lua_Integer)v->u.i);
        break;
    case ORM_V_REAL:
        lua_pushnumber(L, v->u.r);
        break;
    case ORM_V_BOOL:
        lua_pushboolean(L, (int)v->u.i);
        break;
    case ORM_V_TEXT:
    case ORM_V_BLOB:
        lua_pushlstring(L, v->u.s, v->len);
        break;
    default:
        lua_pushnil(L);
    }
}

/* [-n, +1, e] The n per-shard lists on top (one row each at most) folded
 * into a list of one row. */
static void fold_rows(lua_State *L, const orm_select *sel, int n)
{
    int first = lua_gettop(L) - n + 1, nc = sel->ncolumns;
    orm_value *acc = lua_newuserdatauv(L, (size_t)nc * sizeof *acc, 0);
    for (int c = 0; c < nc; c++)
        acc[c] = ORM_VALUE_NULL;
    int shape = 0, rc = ORM_OK;
    for (int i = 0; i < n; i++) {
        if (lua_rawgeti(L, first + i, 1) != LUA_TTABLE) {
            lua_pop(L, 1);
            continue;
        }
        if (!shape && lua_getmetatable(L, -1)) { /* the rows' shape, kept below the row */
            lua_insert(L, -2);
            shape = lua_gettop(L) - 1;
        }
        for (int c = 0; c < nc && rc == ORM_OK; c++) {
            const orm_expr *e = unlabel(sel->columns[c]);
            lua_rawgeti(L, -1, c + 1);
            orm_value v = lua_key(L, -1);
            rc = orm_shard_fold(orm_shard_agg(e->name), &acc[c], &v);
            lua_pop(L, 1);
        }
        lua_pop(L, 1);
    }
    if (rc < 0) {
        for (int c = 0; c < nc; c++)
            orm_value_clear(&acc[c]);
        l_oom(L);
    }
    l_list_new(L, 1);
    lua_createtable(L, nc, 0);
    for (int c = 0; c < nc; c++) {
        push_folded(L, &acc[c]);
        orm_value_clear(&acc[c]);
        lua_rawseti(L, -2, c + 1);
    }
    if (shape) {
        lua_pushvalue(L, shape);
        lua_setmetatable(L, -2);
    }
    lua_rawseti(L, -2, 1);
    lua_replace(L, first);
    lua_settop(L, first);
}

/* [-n, +1, e] The n per-shard lists on top merged into one list. */
static void merge_lists(lua_State *L, const orm_select *sel, int n)
{
    int first = lua_gettop(L) - n + 1;
    size_t total = 0;
    for (int i = 0; i < n; i++)
        total += lua_rawlen(L, first + i);
    l_list_new(L, (int)total);
    int all = lua_gettop(L);
    lua_Integer m = 0;
    for (int i = 0; i < n; i++) {
        lua_Integer len = (lua_Integer)lua_rawlen(L, first + i);
        for (lua_Integer k = 1; k <= len; k++) {
            lua_rawgeti(L, first + i, k);
            lua_rawseti(L, all, ++m);
        }
    }
    size_t *order = lua_newuserdatauv(L, (total ? total : 1) * sizeof *order, 0);
    for (size_t i = 0; i < total; i++)
        order[i] = i;
    if (sel->norder > 0 && total > 1) {
        int nk = sel->norder;
        orm_value *keys = lua_newuserdatauv(L, total * (size_t)nk * sizeof *keys, 0);
        int *desc = lua_newuserdatauv(L, (size_t)nk * sizeof *desc, 0);
        for (int k = 0; k < nk; k++) {
            const orm_expr *e = sel->order_by[k];
            desc[k] = e->kind == ORM_X_ORDER && e->desc;
        }
        for (size_t i = 0; i < total; i++) {
            lua_rawgeti(L, all, (lua_Integer)i + 1);
            item_keys(L, sel, lua_gettop(L), &keys[i * (size_t)nk]);
            lua_pop(L, 1);
        }
        if (orm_shard_merge(total, nk, keys, desc, order) < 0) l_oom(L);
        lua_pop(L, 2);
    }
    size_t from = sel->offset > 0 ? (size_t)sel->offset : 0;
    size_t to = total;
    if (sel->limit >= 0 && from + (size_t)sel->limit < to) to = from + (size_t)sel->limit;
    l_list_new(L, 0);
    lua_Integer out = 0;
    for (size_t i = from; i < to; i++) {
        lua_rawgeti(L, all, (lua_Integer)order[i] + 1);
        lua_rawseti(L, -2, ++out);
    }
    lua_replace(L, first);
    lua_settop(L, first);
}

void l_shard_query_run(lua_State *L, int qidx, const void *selp)
{
    const orm_select *sel = selp;
    qidx = lua_absindex(L, qidx);
    l_query *q = l_query_check(L, qidx);
    l_db *db = q->db;
    if (q->shard) {
        lua_pushvalue(L, qidx);
        lua_pushlightuserdata(L, (void *)sel);
        l_shard_call(L, db, q->shard - 1, run_one, 0, 2);
        return;
    }
    int agg = classify(L, sel);
    orm_select per = agg ? *sel : per_shard(sel);
    int n = db->shards->n;
    luaL_checkstack(L, n + 8, "too many shards");
    for (int i = 0; i < n; i++) {
        lua_pushvalue(L, qidx);
        lua_pushlightuserdata(L, &per);
        l_shard_call(L, db, i, run_one, 0, 2);
    }
    if (agg)
        fold_rows(L, sel, n);
    else
        merge_lists(L, sel, n);
}

lua_Integer l_shard_query_count(lua_State *L, void *qp, const void *selp)
{
    l_query *q = qp;
    const orm_select *sel = selp;
    l_db *db = q->db;
    int top = lua_gettop(L);
    if (q->shard) {
        lua_pushlightuserdata(L, q);
        lua_pushlightuserdata(L, (void *)sel);
        l_shard_call(L, db, q->shard - 1, count_one, 0, 2);
        lua_Integer c = lua_tointeger(L, -1);
        lua_settop(L, top);
        return c;
    }
    if (sel->ngroup > 0)
        l_error_raisef(L, ORM_ERR_ARGUMENT,
                       "count() of a GROUP BY query cannot run across shards: narrow it with "
                       "q:shard(name)");
    orm_select per = per_shard(sel);
    lua_Integer sum = 0;
    for (int i = 0; i < db->shards->n; i++) {
        lua_pushlightuserdata(L, q);
        lua_pushlightuserdata(L, &per);
        l_shard_call(L, db, i, count_one, 0, 2);
        sum += lua_tointeger(L, -1);
        lua_settop(L, top);
    }
    if (sel->offset > 0) sum = sum > sel->offset ? sum - sel->offset : 0;
    if (sel->limit >= 0 && sum > sel->limit) sum = sel->limit;
    return sum;
}
