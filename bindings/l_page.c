/* l_page.c — q:paginate{ page = 2, per_page = 10 }: a Page (as
 * Flask-SQLAlchemy's Pagination) with items, page, per_page, total, pages,
 * has_next, has_prev, prev_num, next_num, first, last and next() / prev().
 * A page past the end is empty; page < 1 is an ArgumentError; neither ever
 * reaches the database as a bad statement. */
#include <stdint.h>
#include <string.h>

#include "l_query.h"

/* An integer option at idx (default def when nil), at least 1. */
static lua_Integer positive(lua_State *L, int idx, const char *name, lua_Integer def)
{
    if (lua_isnil(L, idx)) return def;
    int ok;
    lua_Integer n = lua_tointegerx(L, idx, &ok);
    if (!ok || n < 1)
        l_error_raisef(L, ORM_ERR_ARGUMENT, "paginate: %s must be an integer of at least 1, got %s",
                       name, luaL_tolstring(L, idx, NULL));
    return n;
}

static void set_int(lua_State *L, int t, const char *k, lua_Integer v)
{
    lua_pushinteger(L, v);
    lua_setfield(L, t, k);
}

static void set_bool(lua_State *L, int t, const char *k, int v)
{
    lua_pushboolean(L, v);
    lua_setfield(L, t, k);
}

/* [-0, +1, e] The Page of the query at qidx. */
static void make_page(lua_State *L, int qidx, lua_Integer page, lua_Integer per_page)
{
    l_query *q = l_query_check(L, qidx);
    /* total: the rows without ordering, limit or offset */
    l_query_clone(L, qidx);
    l_query *c = lua_touserdata(L, -1);
    orm_select_clear_order(c->sel);
    c->sel->limit = c->sel->offset = -1;
    lua_Integer total = l_query_count_select(L, q, c->sel);
    lua_Integer pages = total == 0 ? 0 : (total - 1) / per_page + 1;
    /* items: an empty list past the end, without asking the database (so
     * the offset below never overflows) */
    if (page > pages) {
        l_list_new(L, 0);
    } else {
        c->sel->limit = per_page;
        c->sel->offset = (page - 1) * per_page;
        for (int i = 0; i < q->sel->norder; i++)
            if (orm_select_add_order(c->sel, q->sel->order_by[i]) < 0) l_query_oom(L);
        l_query_run(L, lua_gettop(L), c->sel);
    }
    int items = lua_gettop(L);
    lua_newuserdatauv(L, 0, 1);
    luaL_setmetatable(L, L_MT_PAGE);
    lua_createtable(L, 0, 12);
    int t = lua_gettop(L);
    lua_pushvalue(L, items);
    lua_setfield(L, t, "items");
    set_int(L, t, "page", page);
    set_int(L, t, "per_page", per_page);
    set_int(L, t, "total", total);
    set_int(L, t, "pages", pages);
    set_bool(L, t, "has_prev", page > 1);
    set_bool(L, t, "has_next", page < pages);
    if (page > 1) set_int(L, t, "prev_num", page - 1);
    if (page < pages) set_int(L, t, "next_num", page + 1);
    lua_Integer n = (lua_Integer)lua_rawlen(L, items);
    set_int(L, t, "first", n ? (page - 1) * per_page + 1 : 0);
    set_int(L, t, "last", n ? (page - 1) * per_page + n : 0);
    lua_pushvalue(L, qidx);
    lua_setfield(L, t, "query");
    lua_setiuservalue(L, -2, 1);
    lua_replace(L, items - 1);
    lua_settop(L, items - 1);
}

/* q:paginate{ page = 1, per_page = 20, max_per_page = n } or q:paginate(page, per_page) */
int l_query_paginate(lua_State *L)
{
    l_query_check(L, 1);
    lua_settop(L, 3);
    if (lua_istable(L, 2)) {
        lua_getfield(L, 2, "page");
        lua_getfield(L, 2, "per_page");
        lua_getfield(L, 2, "max_per_page");
    } else {
        lua_pushvalue(L, 2);
        lua_pushvalue(L, 3);
        lua_pushnil(L);
    }
    lua_Integer page = positive(L, 4, "page", 1);
    lua_Integer per_page = positive(L, 5, "per_page", 20);
    lua_Integer max = positive(L, 6, "max_per_page", INT64_MAX);
    if (per_page > max) per_page = max;
    make_page(L, 1, page, per_page);
    return 1;
}

/* [-0, +1, -] page.<key> from the page's field table. */
static int field(lua_State *L, int idx, const char *key)
{
    lua_getiuservalue(L, idx, 1);
    lua_getfield(L, -1, key);
    lua_remove(L, -2);
    return lua_type(L, -1);
}

/* page:next() / page:prev(): the neighbouring page, nil when there is none. */
static int neighbour(lua_State *L, const char *has, lua_Integer step)
{
    luaL_checkudata(L, 1, L_MT_PAGE);
    field(L, 1, has);
    if (!lua_toboolean(L, -1)) {
        lua_pushnil(L);
        return 1;
    }
    field(L, 1, "query");
    int qidx = lua_gettop(L);
    field(L, 1, "page");
    lua_Integer page = lua_tointeger(L, -1) + step;
    field(L, 1, "per_page");
    make_page(L, qidx, page, lua_tointeger(L, -1));
    return 1;
}
static int p_next(lua_State *L)
{
    return neighbour(L, "has_next", 1);
}
static int p_prev(lua_State *L)
{
    return neighbour(L, "has_prev", -1);
}

static int p_index(lua_State *L)
{
    luaL_checkudata(L, 1, L_MT_PAGE);
    const char *key = luaL_checkstring(L, 2);
    if (field(L, 1, key) != LUA_TNIL || strcmp(key, "prev_num") == 0 ||
        strcmp(key, "next_num") == 0)
        return 1;
    lua_pushvalue(L, 2);
    if (lua_rawget(L, lua_upvalueindex(1)) != LUA_TNIL) return 1;
    return l_error_raisef(L, ORM_ERR_DATA,
                          "Page has no attribute '%s' (valid: items, page, per_page, total, "
                          "pages, has_next, has_prev, next_num, prev_num, first, last, next, prev)",
                          key);
}

static int p_len(lua_State *L)
{
    luaL_checkudata(L, 1, L_MT_PAGE);
    field(L, 1, "items");
    lua_pushinteger(L, (lua_Integer)lua_rawlen(L, -1));
    return 1;
}

/* for item in page do ... end */
static int p_call(lua_State *L)
{
    luaL_checkudata(L, 1, L_MT_PAGE);
    lua_settop(L, 3);
    field(L, 1, "items");
    lua_getiuservalue(L, 1, 1);
    lua_Integer pos = 0;
    if (!lua_isnil(L, 3) && lua_getfield(L, -1, "__pos") == LUA_TNUMBER) pos = lua_tointeger(L, -1);
    lua_settop(L, 5);
    lua_pushinteger(L, lua_isnil(L, 3) ? 1 : pos + 1);
    lua_setfield(L, 5, "__pos");
    lua_rawgeti(L, 4, lua_isnil(L, 3) ? 1 : pos + 1);
    return 1;
}

static int p_tostring(lua_State *L)
{
    luaL_checkudata(L, 1, L_MT_PAGE);
    field(L, 1, "page");
    field(L, 1, "pages");
    field(L, 1, "total");
    lua_pushfstring(L, "<Page %I of %I (%I items)>", (LUAI_UACINT)lua_tointeger(L, -3),
                    (LUAI_UACINT)lua_tointeger(L, -2), (LUAI_UACINT)lua_tointeger(L, -1));
    return 1;
}

static const luaL_Reg page_methods[] = {
    {"next", p_next},
    {"prev", p_prev},
    {NULL, NULL},
};

void l_page_open(lua_State *L)
{
    if (luaL_newmetatable(L, L_MT_PAGE)) {
        l_protect_mt(L);
        luaL_newlib(L, page_methods);
        lua_pushcclosure(L, p_index, 1);
        lua_setfield(L, -2, "__index");
        lua_pushcfunction(L, p_len);
        lua_setfield(L, -2, "__len");
        lua_pushcfunction(L, p_call);
        lua_setfield(L, -2, "__call");
        lua_pushcfunction(L, p_tostring);
        lua_setfield(L, -2, "__tostring");
        lua_pushliteral(L, "Page");
        lua_setfield(L, -2, "__name");
    }
    lua_pop(L, 1);
}
