/* l_query.c — immutable queries (db.session:query(...), Model.query): every
 * method returns a new query over a copy of the core select; running one
 * loads objects through the identity map or builds rows. */
#include <stdlib.h>
#include <string.h>

#include "compile.h"
#include "dialect.h"
#include "l_db.h"
#include "l_result.h"

/* User value 1: { db = handle, [1..n] = entities (class tables or Exprs) } */
typedef struct l_query {
    l_db *db;
    orm_select *sel;
    int nent;
} l_query;

static int q_gc(lua_State *L)
{
    l_query *q = luaL_checkudata(L, 1, L_MT_QUERY);
    orm_select_free(q->sel);
    q->sel = NULL;
    return 0;
}

int l_query_is(lua_State *L, int idx) { return luaL_testudata(L, idx, L_MT_QUERY) != NULL; }

static l_query *check_query(lua_State *L, int idx)
{
    l_query *q = luaL_checkudata(L, idx, L_MT_QUERY);
    if (q->sel == NULL || q->db->session == NULL) luaL_argerror(L, idx, "the query's session is closed");
    q->db->L = L;
    return q;
}

static void oom(lua_State *L) { luaL_error(L, "not enough memory"); }

/* A new query userdata sharing src's entities, with a clone of its select. */
static l_query *clone(lua_State *L, int srcidx)
{
    l_query *src = check_query(L, srcidx);
    l_query *q = lua_newuserdatauv(L, sizeof *q, 1);
    q->db = src->db;
    q->sel = NULL;
    q->nent = src->nent;
    luaL_setmetatable(L, L_MT_QUERY);
    lua_getiuservalue(L, srcidx, 1);
    lua_setiuservalue(L, -2, 1);
    q->sel = orm_select_clone(src->sel);
    if (q->sel == NULL) oom(L);
    return q;
}

/* The column expression an entity at idx contributes, retained; a class adds all its columns. */
static void add_entity(lua_State *L, l_query *q, int idx)
{
    l_class *c = l_class_test(L, idx);
    if (c) {
        if (orm_select_add_table_columns(q->sel, c->table) < 0) oom(L);
        return;
    }
    orm_expr *e = l_expr_test(L, idx);
    if (e == NULL) luaL_typeerror(L, idx, "model class, column or expression");
    if (orm_select_add_column(q->sel, e) < 0) oom(L);
}

void l_query_new(lua_State *L, l_db *db, int first, int last)
{
    l_query *q = lua_newuserdatauv(L, sizeof *q, 1);
    q->db = db;
    q->sel = NULL;
    q->nent = last - first + 1;
    luaL_setmetatable(L, L_MT_QUERY);
    int self = lua_gettop(L);
    q->sel = orm_select_new();
    if (q->sel == NULL) oom(L);
    lua_createtable(L, q->nent, 1);
    for (int i = first; i <= last; i++) {
        add_entity(L, q, i);
        lua_pushvalue(L, i);
        lua_rawseti(L, -2, i - first + 1);
    }
    lua_setiuservalue(L, self, 1);
}

/* [-0, +1, -] pushes entity i (1-based) of the query at qidx */
static void push_entity(lua_State *L, int qidx, int i)
{
    lua_getiuservalue(L, qidx, 1);
    lua_rawgeti(L, -1, i);
    lua_remove(L, -2);
}

/* The first class entity's table (filter_by, get, order_by "name"). */
static const orm_table *primary_table(lua_State *L, int qidx, l_query *q)
{
    for (int i = 1; i <= q->nent; i++) {
        push_entity(L, qidx, i);
        l_class *c = l_class_test(L, -1);
        lua_pop(L, 1);
        if (c) return c->table;
    }
    if (q->sel->ncolumns > 0 && q->sel->columns[0]->kind == ORM_X_COLUMN)
        return q->sel->columns[0]->table;
    return NULL;
}

static int raise_unknown_column(lua_State *L, const orm_table *t, const char *key)
{
    l_class_push(L, t);
    lua_getfield(L, -1, "__name");
    l_class_push_names(L, t);
    return l_error_raisef(L, ORM_ERR_DATA, "%s has no attribute '%s' (valid: %s)", lua_tostring(L, -2),
                          key, lua_tostring(L, -1));
}

/* ---- building ---- */

static int q_filter(lua_State *L)
{
    int top = lua_gettop(L);
    l_query *q = clone(L, 1);
    for (int i = 2; i <= top; i++) {
        orm_expr *e = l_expr_test(L, i);
        if (e == NULL) return luaL_typeerror(L, i, "expression (e.g. Author.name:eq(\"x\"))");
        if (orm_select_add_where(q->sel, e) < 0) oom(L);
    }
    return 1;
}

/* Takes one new reference to e and adds it as a WHERE term. */
static void add_where_owned(lua_State *L, l_query *q, orm_expr *e)
{
    if (e == NULL) oom(L);
    int rc = orm_select_add_where(q->sel, e);
    orm_expr_release(e);
    if (rc < 0) oom(L);
}

static int q_filter_by(lua_State *L)
{
    luaL_checktype(L, 2, LUA_TTABLE);
    l_query *q = clone(L, 1);
    const orm_table *t = primary_table(L, 1, q);
    if (t == NULL) return l_error_raisef(L, ORM_ERR_ARGUMENT, "filter_by needs a model entity in the query");
    /* terms in column order, so the SQL (and its cached statement) is stable */
    int cols[ORM_MAX_COLUMNS], n = 0;
    lua_pushnil(L);
    while (lua_next(L, 2)) {
        lua_pop(L, 1);
        size_t len;
        const char *key = lua_type(L, -1) == LUA_TSTRING ? lua_tolstring(L, -1, &len) : NULL;
        int col = key ? orm_table_column_index(t, key, len) : -1;
        if (col < 0) return raise_unknown_column(L, t, key ? key : luaL_tolstring(L, -1, NULL));
        cols[n++] = col;
    }
    for (int i = 1; i < n; i++)
        for (int j = i; j > 0 && cols[j - 1] > cols[j]; j--) {
            int tmp = cols[j];
            cols[j] = cols[j - 1];
            cols[j - 1] = tmp;
        }
    for (int i = 0; i < n; i++) {
        lua_getfield(L, 2, t->cols[cols[i]].name);
        orm_expr *col = orm_expr_column(t, cols[i]);
        if (col == NULL) oom(L);
        l_expr_push(L, col); /* owns col while we convert the value */
        orm_expr *val = l_expr_from_value(L, -2, col);
        orm_expr *cmp = orm_expr_binary(val->kind == ORM_X_NULL ? ORM_OP_IS : ORM_OP_EQ, col, val);
        orm_expr_release(val);
        add_where_owned(L, q, cmp);
        lua_pop(L, 2);
    }
    return 1;
}

/* order_by(Expr | "name" | "-name", ...) */
static int q_order_by(lua_State *L)
{
    int top = lua_gettop(L);
    l_query *q = clone(L, 1);
    for (int i = 2; i <= top; i++) {
        orm_expr *e = l_expr_test(L, i);
        if (e) {
            if (orm_select_add_order(q->sel, e) < 0) oom(L);
            continue;
        }
        size_t len;
        const char *name = lua_type(L, i) == LUA_TSTRING ? lua_tolstring(L, i, &len) : NULL;
        if (name == NULL) return luaL_typeerror(L, i, "column, expression or column name");
        int desc = name[0] == '-';
        const orm_table *t = primary_table(L, 1, q);
        int col = t ? orm_table_column_index(t, name + desc, len - (size_t)desc) : -1;
        if (col < 0) {
            if (t == NULL) return l_error_raisef(L, ORM_ERR_ARGUMENT, "order_by('%s'): no model in the query", name);
            return raise_unknown_column(L, t, name + desc);
        }
        orm_expr *c = orm_expr_column(t, col);
        orm_expr *o = c ? orm_expr_order(c, desc) : NULL;
        orm_expr_release(c);
        if (o == NULL) oom(L);
        int rc = orm_select_add_order(q->sel, o);
        orm_expr_release(o);
        if (rc < 0) oom(L);
    }
    return 1;
}

static int q_limit(lua_State *L)
{
    lua_Integer n = luaL_checkinteger(L, 2);
    luaL_argcheck(L, n >= 0, 2, "must not be negative");
    l_query *q = clone(L, 1);
    q->sel->limit = n;
    return 1;
}

static int q_offset(lua_State *L)
{
    lua_Integer n = luaL_checkinteger(L, 2);
    luaL_argcheck(L, n >= 0, 2, "must not be negative");
    l_query *q = clone(L, 1);
    q->sel->offset = n;
    return 1;
}

static int q_distinct(lua_State *L)
{
    l_query *q = clone(L, 1);
    q->sel->distinct = 1;
    return 1;
}

static int q_group_by(lua_State *L)
{
    int top = lua_gettop(L);
    l_query *q = clone(L, 1);
    for (int i = 2; i <= top; i++)
        if (orm_select_add_group(q->sel, l_expr_check(L, i)) < 0) oom(L);
    return 1;
}

static int q_having(lua_State *L)
{
    orm_expr *e = l_expr_check(L, 2);
    l_query *q = clone(L, 1);
    if (q->sel->having) {
        orm_expr *args[2] = {q->sel->having, e};
        orm_expr *both = orm_expr_bool(ORM_OP_AND, args, 2);
        if (both == NULL) oom(L);
        orm_select_set_having(q->sel, both);
        orm_expr_release(both);
    } else if (orm_select_set_having(q->sel, e) < 0) {
        oom(L);
    }
    return 1;
}

/* join(Model, onclause) / outerjoin(Model, onclause) */
static int do_join(lua_State *L, int outer)
{
    l_class *c = l_class_test(L, 2);
    if (c == NULL) return luaL_typeerror(L, 2, "model class");
    orm_expr *on = l_expr_check(L, 3);
    l_query *q = clone(L, 1);
    if (orm_select_add_join(q->sel, c->table, on, outer) < 0) oom(L);
    return 1;
}
static int q_join(lua_State *L) { return do_join(L, 0); }
static int q_outerjoin(lua_State *L) { return do_join(L, 1); }

static int q_with_entities(lua_State *L)
{
    int top = lua_gettop(L);
    l_query *q = clone(L, 1);
    for (int i = 0; i < q->sel->ncolumns; i++) orm_expr_release(q->sel->columns[i]);
    q->sel->ncolumns = 0;
    q->nent = top - 1;
    lua_createtable(L, top - 1, 0);
    for (int i = 2; i <= top; i++) {
        add_entity(L, q, i);
        lua_pushvalue(L, i);
        lua_rawseti(L, -2, i - 1);
    }
    lua_setiuservalue(L, -2, 1);
    return 1;
}

/* ---- running ---- */

static void compile_or_raise(lua_State *L, l_query *q, const orm_select *sel, orm_compiled *out, int count)
{
    orm_error err;
    orm_error_init(&err);
    const orm_dialect *d = orm_conn_dialect(q->db->conn);
    int rc = count ? orm_compile_count(d, sel, out, &err) : orm_compile_select(d, sel, out, &err);
    if (rc < 0 || out->sql.oom) {
        orm_compiled_free(out);
        if (err.cls == ORM_ERR_NONE) oom(L);
        l_error_raise(L, &err);
    }
}

/* Pushes the name of entity i for row keys (nil when it has none). */
static void push_entity_name(lua_State *L, int qidx, int i)
{
    push_entity(L, qidx, i);
    if (l_class_test(L, -1)) {
        lua_getfield(L, -1, "__name");
        lua_remove(L, -2);
        return;
    }
    orm_expr *e = l_expr_test(L, -1);
    lua_pop(L, 1);
    if (e && e->kind == ORM_X_ORDER) e = e->args[0];
    if (e && (e->kind == ORM_X_COLUMN)) lua_pushstring(L, e->table->cols[e->col].name);
    else if (e && (e->kind == ORM_X_LABEL || e->kind == ORM_X_FUNC)) lua_pushstring(L, e->name);
    else lua_pushnil(L);
}

/* Runs sel and pushes a list: objects when the query has a single class
 * entity, rows otherwise. [-0, +1, e] */
static void run_select(lua_State *L, int qidx, l_query *q, const orm_select *sel)
{
    orm_compiled comp;
    orm_compiled_init(&comp);
    compile_or_raise(L, q, sel, &comp, 0);
    orm_cursor **box = l_cursor_box(L);
    int boxidx = lua_gettop(L);
    int rc = orm_cursor_open(q->db->session, orm_buf_str(&comp.sql), comp.params, comp.nparams, box);
    orm_compiled_free(&comp);
    if (rc < 0) l_db_raise_session(L, q->db);

    /* entity layout */
    const orm_table *tabs[64];
    int nent = q->nent < 64 ? q->nent : 64;
    for (int i = 1; i <= nent; i++) {
        push_entity(L, qidx, i);
        l_class *c = l_class_test(L, -1);
        tabs[i - 1] = c ? c->table : NULL;
        lua_pop(L, 1);
    }
    int single = nent == 1 && tabs[0] != NULL;
    lua_createtable(L, nent, 0);
    int keys = lua_gettop(L);
    for (int i = 1; i <= nent; i++) {
        push_entity_name(L, qidx, i);
        lua_rawseti(L, keys, i);
    }
    int shape = 0;
    if (!single) {
        l_row_shape(L, keys);
        shape = lua_gettop(L);
    }
    l_list_new(L, 0);
    int list = lua_gettop(L);
    lua_Integer n = 0;
    while ((rc = orm_cursor_step(*box)) == ORM_ROW) {
        int col = 0;
        for (int i = 0; i < nent && rc >= 0; i++) {
            if (tabs[i]) {
                orm_object *o = NULL;
                rc = orm_cursor_object(*box, tabs[i], col, &o);
                if (rc >= 0 && o) l_model_push_object(L, q->db, o);
                else lua_pushnil(L);
                col += tabs[i]->ncols;
            } else {
                orm_value v;
                rc = orm_cursor_value(*box, col++, &v);
                if (rc >= 0) {
                    const orm_expr *e = sel->columns[col - 1];
                    const orm_type *t = e->kind == ORM_X_COLUMN ? &e->table->cols[e->col].type : NULL;
                    l_value_push(L, &v, t);
                    orm_value_clear(&v);
                } else {
                    lua_pushnil(L);
                }
            }
        }
        if (rc < 0) break;
        if (!single) l_row_make(L, shape, nent);
        lua_rawseti(L, list, ++n);
    }
    l_cursor_box_close(box);
    if (rc < 0) l_db_raise_session(L, q->db);
    lua_replace(L, boxidx); /* the list takes the box's place */
    lua_settop(L, boxidx);
}

static int q_all(lua_State *L)
{
    l_query *q = check_query(L, 1);
    run_select(L, 1, q, q->sel);
    return 1;
}

static int q_first(lua_State *L)
{
    l_query *q = check_query(L, 1);
    orm_select *s = orm_select_clone(q->sel);
    if (s == NULL) oom(L);
    s->limit = 1;
    /* own s through a temporary query so a raise frees it */
    l_query *tmp = lua_newuserdatauv(L, sizeof *tmp, 0);
    *tmp = *q;
    tmp->sel = s;
    luaL_setmetatable(L, L_MT_QUERY);
    run_select(L, 1, q, s);
    lua_rawgeti(L, -1, 1);
    return 1;
}

static int q_one_or_none(lua_State *L)
{
    l_query *q = check_query(L, 1);
    run_select(L, 1, q, q->sel);
    lua_Integer n = (lua_Integer)lua_rawlen(L, -1);
    if (n > 1)
        return l_error_raisef(L, ORM_ERR_MULTIPLE, "Multiple rows were found when one or none was required");
    lua_rawgeti(L, -1, 1);
    return 1;
}

static int q_one(lua_State *L)
{
    l_query *q = check_query(L, 1);
    run_select(L, 1, q, q->sel);
    lua_Integer n = (lua_Integer)lua_rawlen(L, -1);
    if (n == 0) return l_error_raisef(L, ORM_ERR_NORESULT, "No row was found when one was required");
    if (n > 1)
        return l_error_raisef(L, ORM_ERR_MULTIPLE, "Multiple rows were found when exactly one was required");
    lua_rawgeti(L, -1, 1);
    return 1;
}

/* scalar(): the first column of the first row; nil when there is none. */
static int q_scalar(lua_State *L)
{
    l_query *q = check_query(L, 1);
    run_select(L, 1, q, q->sel);
    lua_Integer n = (lua_Integer)lua_rawlen(L, -1);
    if (n > 1)
        return l_error_raisef(L, ORM_ERR_MULTIPLE, "Multiple rows were found when one or none was required");
    if (lua_rawgeti(L, -1, 1) == LUA_TTABLE && !l_model_test(L, -1)) lua_rawgeti(L, -1, 1);
    return 1;
}

static int q_count(lua_State *L)
{
    l_query *q = check_query(L, 1);
    orm_compiled comp;
    orm_compiled_init(&comp);
    compile_or_raise(L, q, q->sel, &comp, 1);
    orm_cursor **box = l_cursor_box(L);
    int rc = orm_cursor_open(q->db->session, orm_buf_str(&comp.sql), comp.params, comp.nparams, box);
    orm_compiled_free(&comp);
    if (rc < 0) l_db_raise_session(L, q->db);
    orm_value v = ORM_VALUE_NULL;
    rc = orm_cursor_step(*box);
    if (rc == ORM_ROW) rc = orm_cursor_value(*box, 0, &v);
    l_cursor_box_close(box);
    if (rc < 0) return l_db_raise_session(L, q->db);
    lua_pushinteger(L, v.type == ORM_V_INT ? v.u.i : 0);
    orm_value_clear(&v);
    return 1;
}

static int q_get(lua_State *L)
{
    l_query *q = check_query(L, 1);
    for (int i = 1; i <= q->nent; i++) {
        push_entity(L, 1, i);
        if (l_class_test(L, -1)) return l_session_get(L, q->db, lua_gettop(L), 2);
        lua_pop(L, 1);
    }
    return l_error_raisef(L, ORM_ERR_ARGUMENT, "get() needs a model entity in the query");
}

/* for obj in q do ...: all rows are loaded on the first call (control nil). */
static int q_call(lua_State *L)
{
    check_query(L, 1);
    lua_getiuservalue(L, 1, 1);
    int uv = lua_gettop(L);
    lua_Integer pos;
    if (lua_isnoneornil(L, 3)) {
        q_all(L);
        lua_setfield(L, uv, "__iter");
        pos = 0;
    } else {
        lua_getfield(L, uv, "__pos");
        pos = lua_tointeger(L, -1);
        lua_pop(L, 1);
    }
    lua_getfield(L, uv, "__iter");
    if (lua_rawgeti(L, -1, ++pos) == LUA_TNIL) {
        lua_pushnil(L);
        lua_setfield(L, uv, "__iter");
        pos = 0;
    }
    lua_pushinteger(L, pos);
    lua_setfield(L, uv, "__pos");
    return 1;
}

int l_query_execute(lua_State *L, int idx)
{
    l_query *q = check_query(L, idx);
    run_select(L, idx, q, q->sel);
    int list = lua_gettop(L);
    lua_createtable(L, q->nent, 0);
    int keys = lua_gettop(L);
    for (int i = 1; i <= q->nent; i++) {
        push_entity_name(L, idx, i);
        lua_rawseti(L, keys, i);
    }
    lua_pushvalue(L, list);
    l_result_new(L, keys, -1);
    return 1;
}

static int q_tostring(lua_State *L)
{
    l_query *q = check_query(L, 1);
    orm_compiled comp;
    orm_compiled_init(&comp);
    compile_or_raise(L, q, q->sel, &comp, 0);
    orm_buf b = ORM_BUF_INIT;
    orm_buf_puts(&b, orm_buf_str(&comp.sql));
    if (comp.nparams) {
        orm_buf_puts(&b, "  [params: ");
        for (size_t i = 0; i < comp.nparams; i++) {
            if (i) orm_buf_puts(&b, ", ");
            orm_value_describe(&b, comp.params[i]);
        }
        orm_buf_putc(&b, ']');
    }
    orm_compiled_free(&comp);
    if (b.oom) {
        orm_buf_free(&b);
        oom(L);
    }
    lua_pushlstring(L, orm_buf_str(&b), b.len);
    orm_buf_free(&b);
    return 1;
}

static const luaL_Reg query_methods[] = {
    {"filter", q_filter},     {"filter_by", q_filter_by},     {"order_by", q_order_by},
    {"limit", q_limit},       {"offset", q_offset},           {"distinct", q_distinct},
    {"group_by", q_group_by}, {"having", q_having},           {"join", q_join},
    {"outerjoin", q_outerjoin}, {"with_entities", q_with_entities}, {"all", q_all},
    {"first", q_first},       {"one", q_one},                 {"one_or_none", q_one_or_none},
    {"scalar", q_scalar},     {"count", q_count},             {"get", q_get},
    {NULL, NULL},
};

void l_query_open(lua_State *L)
{
    if (luaL_newmetatable(L, L_MT_QUERY)) {
        luaL_newlib(L, query_methods);
        lua_setfield(L, -2, "__index");
        lua_pushcfunction(L, q_gc);
        lua_setfield(L, -2, "__gc");
        lua_pushcfunction(L, q_call);
        lua_setfield(L, -2, "__call");
        lua_pushcfunction(L, q_tostring);
        lua_setfield(L, -2, "__tostring");
        lua_pushliteral(L, "Query");
        lua_setfield(L, -2, "__name");
    }
    lua_pop(L, 1);
}
