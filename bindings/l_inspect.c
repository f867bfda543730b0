/* l_inspect.c — looking at the plan and the live schema: q:explain() (the
 * backend's plan for the query, its values still bound), and the hooks the
 * shell's dot-commands read (the user tables' names, each table's DDL as
 * the database has it now), all through core's explain and reflection. */
#include <stdlib.h>
#include <string.h>

#include "compile.h"
#include "explain.h"
#include "l_query.h"
#include "orm_lua.h"
#include "reflect.h"

/* [-0, +1, m] Pushes the bytes of b (freed here, also when pushing raises). */
static void push_buf(lua_State *L, orm_buf *b)
{
    if (b->oom) {
        orm_buf_free(b);
        luaL_error(L, "not enough memory");
    }
    luaL_Buffer lb; /* copied without holding b across a raise */
    char *p = luaL_buffinitsize(L, &lb, b->len);
    memcpy(p, orm_buf_str(b), b->len);
    size_t len = b->len;
    orm_buf_free(b);
    luaL_pushresultsize(&lb, len);
}

/* q:explain() -> the plan as text. [-0, +1, e] */
int l_query_explain(lua_State *L)
{
    l_query *q = l_query_check(L, 1);
    orm_compiled comp;
    orm_compiled_init(&comp);
    orm_error err;
    orm_error_init(&err);
    if (orm_compile_select(orm_conn_dialect(q->db->conn), q->sel, &comp, &err) < 0) {
        orm_compiled_free(&comp);
        if (err.cls == ORM_ERR_NONE) return l_query_oom(L);
        return l_error_raise(L, &err);
    }
    orm_buf plan = ORM_BUF_INIT;
    int rc = orm_explain(q->db->session, orm_buf_str(&comp.sql), comp.params, comp.nparams, &plan);
    orm_compiled_free(&comp);
    if (rc < 0) {
        orm_buf_free(&plan);
        return l_db_raise_session(L, q->db);
    }
    push_buf(L, &plan);
    return 1;
}

/* [-0, +0, v] Raises the connection's last error. */
L_NORETURN static int raise_conn(lua_State *L, orm_conn *c)
{
    orm_error e;
    orm_error_init(&e);
    orm_error_move(&e, &c->err);
    l_error_raise(L, &e);
}

/* The strv's strings stay owned by a userdata while Lua may raise. */
static int strv_gc(lua_State *L)
{
    orm_strv *v = lua_touserdata(L, 1);
    if (v) orm_strv_free(v);
    return 0;
}

void orm_lua_push_table_names(lua_State *L, int idx)
{
    l_db *db = l_db_check(L, idx);
    orm_strv *names = lua_newuserdatauv(L, sizeof *names, 0);
    memset(names, 0, sizeof *names);
    lua_createtable(L, 0, 1);
    lua_pushcfunction(L, strv_gc);
    lua_setfield(L, -2, "__gc");
    lua_setmetatable(L, -2);
    const orm_reflect_ops *ops = orm_reflect_ops_for(db->conn);
    if (!ops) {
        orm_error_set(&db->conn->err, ORM_ERR_OPERATIONAL, 0,
                      "cannot list the tables of this database");
        raise_conn(L, db->conn);
    }
    if (ops->table_names(db->conn, names) < 0) raise_conn(L, db->conn);
    lua_createtable(L, names->n, 0);
    for (int i = 0; i < names->n; i++) {
        lua_pushstring(L, names->v[i]);
        lua_rawseti(L, -2, i + 1);
    }
    lua_remove(L, -2); /* the strv box: freed by the collector */
}

/* The reflected table stays owned by a userdata while Lua may raise. */
static int dbtable_gc(lua_State *L)
{
    orm_dbtable **t = lua_touserdata(L, 1);
    if (!t) return 0;
    orm_dbtable_free(*t);
    *t = NULL;
    return 0;
}

void orm_lua_push_table_ddl(lua_State *L, int idx, const char *name)
{
    l_db *db = l_db_check(L, idx);
    char *stored = NULL;
    if (orm_reflect_stored_ddl(db->conn, name, &stored) < 0) raise_conn(L, db->conn);
    if (stored) { /* as the database keeps it */
        lua_pushstring(L, stored);
        free(stored);
        return;
    }
    orm_dbtable **box = lua_newuserdatauv(L, sizeof *box, 0);
    *box = NULL;
    lua_createtable(L, 0, 1);
    lua_pushcfunction(L, dbtable_gc);
    lua_setfield(L, -2, "__gc");
    lua_setmetatable(L, -2);
    if (orm_reflect_table(db->conn, name, box) < 0) raise_conn(L, db->conn);
    if (!*box) {
        lua_pop(L, 1);
        lua_pushnil(L);
        return;
    }
    const orm_dialect *d = orm_conn_dialect(db->conn);
    orm_buf b = ORM_BUF_INIT;
    int rc = orm_dbtable_ddl(d, *box, NULL, &b);
    orm_buf_puts(&b, ";");
    for (int i = 0; rc >= 0 && i < (*box)->nindexes; i++) {
        orm_buf_putc(&b, '\n');
        const orm_dbindex *x = &(*box)->indexes[i];
        if (x->sql)
            orm_buf_puts(&b, x->sql);
        else if (x->cols.n == 0) /* an expression the catalog did not spell out */
            orm_buf_printf(&b, "-- index %s on an expression", x->name ? x->name : "(unnamed)");
        else
            rc = orm_dbindex_ddl(d, (*box)->name, x, &b);
        orm_buf_puts(&b, ";");
    }
    if (rc < 0) {
        orm_buf_free(&b);
        luaL_error(L, "not enough memory");
    }
    push_buf(L, &b);
    lua_remove(L, -2);
}
