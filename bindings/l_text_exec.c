/* l_text_exec.c — raw SQL through session:execute(db.text(...), params):
 * :named parameters bound from one table (a Result of the rows, or the
 * rowcount of a write), or executemany: a list of parameter tables runs
 * the statement once per table, compiled once and prepared once (the
 * session's statement cache keeps it), the Result's rowcount the total.
 * Text values come back as strings as they are, so NUMERIC/DECIMAL values
 * (which the drivers read as decimal text) stay exact strings here. */
#include <string.h>

#include "compile.h"
#include "dialect.h"
#include "l_db.h"
#include "l_result.h"

#define L_MT_VALUES "orm.TextParams"
#define MAX_PARAMS 64

/* The converted values of one parameter set, in a userdata whose __gc
 * clears them, so a raise while converting the next one leaks nothing. */
typedef struct params {
    size_t n;
    orm_value v[]; /* room for the statement's parameters */
} params;

static void params_clear(params *p)
{
    for (size_t i = 0; i < p->n; i++)
        orm_value_clear(&p->v[i]);
    p->n = 0;
}

static int params_gc(lua_State *L)
{
    params_clear(luaL_checkudata(L, 1, L_MT_VALUES));
    return 0;
}

/* [-0, +1, m] Room for n values. */
static params *params_new(lua_State *L, size_t n)
{
    params *p = lua_newuserdatauv(L, sizeof *p + n * sizeof p->v[0], 0);
    p->n = 0;
    if (luaL_newmetatable(L, L_MT_VALUES)) {
        lua_pushcfunction(L, params_gc);
        lua_setfield(L, -2, "__gc");
    }
    lua_setmetatable(L, -2);
    return p;
}

/* Converts the values named in the list at names from the table at pidx
 * (nil: none) into p. set > 0 numbers the set of an executemany.
 * [-0, +0, e] */
static void convert(lua_State *L, params *p, int names, int pidx, lua_Integer set, const char *text)
{
    size_t n = lua_rawlen(L, names);
    orm_error err;
    orm_error_init(&err);
    params_clear(p);
    for (size_t i = 0; i < n; i++) {
        lua_rawgeti(L, names, (lua_Integer)i + 1);
        const char *name = lua_tostring(L, -1);
        int t = lua_istable(L, pidx) ? lua_getfield(L, pidx, name) : (lua_pushnil(L), LUA_TNIL);
        if (t == LUA_TNIL) {
            if (set > 0)
                l_error_raisef(
                    L, ORM_ERR_ARGUMENT,
                    "missing value for parameter :%s in parameter set %d of db.text(\"%s\")", name,
                    (int)set, text);
            l_error_raisef(L, ORM_ERR_ARGUMENT,
                           "missing value for parameter :%s in db.text(\"%s\")", name, text);
        }
        p->v[i] = ORM_VALUE_NULL;
        if (!l_expr_is_null(L, -1) && l_value_to_any(L, -1, &p->v[i], &err) < 0) {
            if (err.cls != ORM_ERR_ARGUMENT) l_error_raise(L, &err); /* out of memory */
            orm_error_clear(&err);
            l_error_raisef(L, ORM_ERR_ARGUMENT,
                           "parameter :%s in db.text(\"%s\"): nil, boolean, number or string "
                           "expected, got %s",
                           name, text, luaL_typename(L, -1));
        }
        p->n = i + 1;
        lua_pop(L, 2);
    }
}

/* Opens the statement with p's values in *box. [-0, +0, e] */
static void open_with(lua_State *L, l_db *db, const char *sql, params *p, orm_cursor **box)
{
    const orm_value *ptrs[MAX_PARAMS];
    for (size_t i = 0; i < p->n; i++)
        ptrs[i] = &p->v[i];
    int rc = orm_cursor_open(db->session, sql, ptrs, p->n, box);
    params_clear(p);
    if (rc < 0) l_db_raise_session(L, db);
}

/* Reads the rows of the open cursor into a Result. [-0, +1, e] */
static void read_rows(lua_State *L, l_db *db, orm_cursor **box)
{
    orm_cursor *cur = *box;
    int ncols = orm_cursor_ncols(cur), rc;
    lua_createtable(L, ncols, 0);
    int keys = lua_gettop(L);
    for (int i = 0; i < ncols; i++) {
        lua_pushstring(L, orm_cursor_colname(cur, i));
        lua_rawseti(L, keys, i + 1);
    }
    l_row_shape(L, keys);
    int shape = lua_gettop(L);
    l_list_new(L, 0);
    int list = lua_gettop(L);
    lua_Integer n = 0;
    luaL_checkstack(L, ncols + 4, "too many result columns");
    while ((rc = orm_cursor_step(cur)) == ORM_ROW) {
        for (int i = 0; i < ncols; i++) {
            orm_value v;
            if (orm_cursor_value(cur, i, &v) < 0) {
                rc = ORM_EFAIL;
                break;
            }
            if (v.type == ORM_V_TEXT) /* text as it is: decimals stay exact */
                lua_pushlstring(L, v.u.s ? v.u.s : "", v.len); /* may raise: v must not leak */
            else
                l_value_push(L, &v, NULL);
            orm_value_clear(&v);
        }
        if (rc < 0) break;
        l_row_make(L, shape, ncols);
        lua_rawseti(L, list, ++n);
    }
    lua_Integer changes = ncols == 0 ? (lua_Integer)orm_cursor_changes(cur) : -1;
    l_cursor_box_close(box);
    if (rc < 0) l_db_raise_session(L, db);
    lua_pushvalue(L, list);
    l_result_new(L, keys, changes);
}

/* 1 when the value at idx is a list of parameter tables (executemany). */
static int is_many(lua_State *L, int idx)
{
    if (!lua_istable(L, idx) || lua_rawlen(L, idx) == 0) return 0;
    int many = lua_rawgeti(L, idx, 1) == LUA_TTABLE && !l_expr_test(L, -1);
    lua_pop(L, 1);
    return many;
}

int l_execute_text(lua_State *L, l_db *db, const orm_expr *e, int pidx)
{
    pidx = lua_absindex(L, pidx);
    orm_error err;
    orm_error_init(&err);
    orm_buf sql = ORM_BUF_INIT;
    char **names = NULL;
    size_t nnames = 0;
    if (orm_compile_text(orm_conn_dialect(db->conn), e->name, &sql, &names, &nnames, &err) < 0) {
        orm_buf_free(&sql);
        return l_error_raise(L, &err);
    }
    /* into Lua values at once: nothing malloc'ed is held across a raise */
    int ok = lua_checkstack(L, 8) && nnames <= MAX_PARAMS;
    if (ok) {
        lua_pushlstring(L, orm_buf_str(&sql), sql.len);
        lua_createtable(L, (int)nnames, 0);
        for (size_t i = 0; i < nnames; i++) {
            lua_pushstring(L, names[i]);
            lua_rawseti(L, -2, (lua_Integer)i + 1);
        }
    }
    orm_compile_text_names_free(names, nnames);
    orm_buf_free(&sql);
    if (!ok)
        return l_error_raisef(L, ORM_ERR_ARGUMENT, "too many parameters (%d, at most %d)",
                              (int)nnames, MAX_PARAMS);
    int sqlidx = lua_gettop(L) - 1, namesidx = sqlidx + 1;
    params *p = params_new(L, lua_rawlen(L, namesidx));
    orm_cursor **box = l_cursor_box(L);
    if (!is_many(L, pidx)) {
        convert(L, p, namesidx, pidx, 0, e->name);
        open_with(L, db, lua_tostring(L, sqlidx), p, box);
        read_rows(L, db, box);
        return 1;
    }
    lua_Integer nsets = (lua_Integer)lua_rawlen(L, pidx), total = 0;
    for (lua_Integer i = 1; i <= nsets; i++) {
        if (lua_rawgeti(L, pidx, i) != LUA_TTABLE)
            return l_error_raisef(L, ORM_ERR_ARGUMENT,
                                  "execute: parameter set %d is a %s, not a table of parameters",
                                  (int)i, luaL_typename(L, -1));
        convert(L, p, namesidx, lua_gettop(L), i, e->name);
        lua_pop(L, 1);
        open_with(L, db, lua_tostring(L, sqlidx), p, box);
        int rc;
        while ((rc = orm_cursor_step(*box)) == ORM_ROW) {
        }
        total += (lua_Integer)orm_cursor_changes(*box);
        l_cursor_box_close(box);
        if (rc < 0) return l_db_raise_session(L, db);
    }
    lua_newtable(L); /* keys */
    l_list_new(L, 0);
    l_result_new(L, -2, total);
    return 1;
}
