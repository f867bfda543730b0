/* l_plan.c — db.session:plan(): the statements the next flush would run,
 * in order, with their parameters, as core compiles them
 * (orm_session_plan); nothing is written. The result is a list of strings
 * in the --echo format that prints one statement a line. */
#include <string.h>

#include "buf.h"
#include "l_db.h"

/* orm_plan_fn: appends "SQL  [params: ...]\n" to the buffer. */
static int add_line(void *ctx, const char *sql, const orm_value *const *params, size_t n)
{
    orm_buf *b = ctx;
    orm_buf_puts(b, sql);
    for (size_t i = 0; i < n; i++) {
        orm_buf_puts(b, i == 0 ? "  [params: " : ", ");
        if (orm_value_describe(b, params[i]) != 0) b->oom = 1;
    }
    if (n > 0) orm_buf_putc(b, ']');
    orm_buf_putc(b, '\n');
    return b->oom ? ORM_ENOMEM : ORM_OK;
}

/* __tostring of a plan: its statements, one a line. */
static int plan_tostring(lua_State *L)
{
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    lua_Integer n = (lua_Integer)lua_rawlen(L, 1);
    for (lua_Integer i = 1; i <= n; i++) {
        if (i > 1) luaL_addchar(&b, '\n');
        lua_rawgeti(L, 1, i);
        luaL_addvalue(&b);
    }
    luaL_pushresult(&b);
    return 1;
}

/* lua_CFunction (lightuserdata orm_buf) -> the list of its lines. */
static int push_lines(lua_State *L)
{
    const orm_buf *buf = lua_touserdata(L, 1);
    const char *p = orm_buf_str(buf), *end = p + buf->len;
    lua_newtable(L);
    for (lua_Integer i = 1; p < end; i++) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        if (!nl) nl = end;
        lua_pushlstring(L, p, (size_t)(nl - p));
        lua_rawseti(L, -2, i);
        p = nl + 1;
    }
    if (luaL_newmetatable(L, "orm.Plan")) {
        lua_pushcfunction(L, plan_tostring);
        lua_setfield(L, -2, "__tostring");
    }
    lua_setmetatable(L, -2);
    return 1;
}

int l_session_plan(lua_State *L)
{
    l_db *db = l_session_check(L, 1);
    orm_buf b = ORM_BUF_INIT;
    int rc = orm_session_plan(db->session, add_line, &b);
    if (rc < 0 || b.oom) {
        orm_buf_free(&b);
        return l_db_raise_session(L, db);
    }
    lua_pushcfunction(L, push_lines);
    lua_pushlightuserdata(L, &b);
    rc = lua_pcall(L, 1, 1, 0);
    orm_buf_free(&b);
    if (rc != LUA_OK) return lua_error(L);
    return 1;
}
