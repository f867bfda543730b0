/* l_repr.c — the text of a value as the shell and printed lists show it:
 * strings quoted as Lua literals ("a\"b\n"), numbers and booleans as Lua
 * prints them, anything with __tostring through it (models, lists, rows,
 * errors), `<Name>` for other named userdata, and plain tables readably
 * ({1, 2, name = "x"}: array part first, other keys sorted, nesting, cycles
 * as <cycle>, deep or long tables cut short with {...} and ...). A list of
 * plain tables (result:mappings()) thus prints as [{a = 1}, {a = 2}]. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>

#include "l_db.h"
#include "orm_lua.h"

#define MAX_DEPTH 6     /* deeper tables print as {...} */
#define MAX_ITEMS 100   /* entries shown per table */
#define MAX_TOTAL 16384 /* characters of table text before the rest is cut */

#define PBUF_MT "orm.ReprBuffer"
#define SORT_KEY "orm.sort"

/* A growable buffer owned by a userdata, so an error (a longjmp out of a
 * __tostring) cannot leak it. */
typedef struct pbuf {
    char *p;
    size_t n, cap;
} pbuf;

typedef struct pctx {
    lua_State *L;
    pbuf *b;
    int seen; /* absolute index of the table of tables being printed */
} pctx;

static int pbuf_gc(lua_State *L)
{
    pbuf *b = luaL_checkudata(L, 1, PBUF_MT);
    free(b->p);
    b->p = NULL;
    b->n = b->cap = 0;
    return 0;
}

/* [-0, +1, m] */
static pbuf *pbuf_new(lua_State *L)
{
    return orm_lua_new_box(L, sizeof(pbuf), PBUF_MT, pbuf_gc);
}

static void pbuf_add(lua_State *L, pbuf *b, const char *s, size_t len)
{
    if (b->n + len + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 128;
        while (cap < b->n + len + 1)
            cap *= 2;
        char *p = realloc(b->p, cap);
        if (!p) luaL_error(L, "not enough memory");
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->n, s, len);
    b->n += len;
    b->p[b->n] = '\0';
}

static void add_str(pctx *c, const char *s)
{
    pbuf_add(c->L, c->b, s, strlen(s));
}

/* [-1, +0, m] Appends the string on top and pops it. */
static void add_top(pctx *c)
{
    size_t len;
    const char *s = lua_tolstring(c->L, -1, &len);
    pbuf_add(c->L, c->b, s, len);
    lua_pop(c->L, 1);
}

/* A string as a Lua literal ("a\"b\n"), the way %q reads back. */
static void add_quoted(pctx *c, const char *s, size_t len)
{
    char esc[8];
    add_str(c, "\"");
    for (size_t i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)s[i];
        const char *e = NULL;
        switch (ch) {
        case '"':
            e = "\\\"";
            break;
        case '\\':
            e = "\\\\";
            break;
        case '\n':
            e = "\\n";
            break;
        case '\r':
            e = "\\r";
            break;
        case '\t':
            e = "\\t";
            break;
        case '\0':
            e = "\\0";
            break;
        default:
            if (ch < 32 || ch == 127) {
                snprintf(esc, sizeof esc, "\\%d", ch);
                e = esc;
            }
        }
        if (e)
            add_str(c, e);
        else
            pbuf_add(c->L, c->b, (const char *)&ch, 1);
    }
    add_str(c, "\"");
}

static int is_identifier(const char *s, size_t len)
{
    static const char *const keywords[] = {
        "and",      "break",  "do",   "else", "elseif", "end",   "false", "for",
        "function", "goto",   "if",   "in",   "local",  "nil",   "not",   "or",
        "repeat",   "return", "then", "true", "until",  "while", NULL};
    if (len == 0 || isdigit((unsigned char)s[0])) return 0;
    for (size_t i = 0; i < len; i++)
        if (!isalnum((unsigned char)s[i]) && s[i] != '_') return 0;
    for (int i = 0; keywords[i]; i++)
        if (strcmp(s, keywords[i]) == 0) return 0;
    return 1;
}

static void add_value(pctx *c, int idx, int depth, int top);

/* lua_CFunction: the order of table keys: numbers, strings, booleans, the rest. */
static int key_rank(lua_State *L, int idx)
{
    switch (lua_type(L, idx)) {
    case LUA_TNUMBER:
        return 0;
    case LUA_TSTRING:
        return 1;
    case LUA_TBOOLEAN:
        return 2;
    default:
        return 3;
    }
}

static int key_less(lua_State *L)
{
    int ra = key_rank(L, 1), rb = key_rank(L, 2), less;
    if (ra != rb) {
        less = ra < rb;
    } else if (ra == 0) {
        less = lua_compare(L, 1, 2, LUA_OPLT);
    } else if (ra == 1) {
        size_t la, lb;
        const char *a = lua_tolstring(L, 1, &la), *b = lua_tolstring(L, 2, &lb);
        int cmp = memcmp(a, b, la < lb ? la : lb);
        less = cmp < 0 || (cmp == 0 && la < lb);
    } else if (ra == 2) {
        less = !lua_toboolean(L, 1) && lua_toboolean(L, 2);
    } else {
        less = (const char *)lua_topointer(L, 1) < (const char *)lua_topointer(L, 2);
    }
    lua_pushboolean(L, less);
    return 1;
}

void orm_lua_push_sort(lua_State *L)
{
    if (lua_getfield(L, LUA_REGISTRYINDEX, SORT_KEY) == LUA_TFUNCTION) return;
    lua_pop(L, 1);
    luaopen_table(L);
    lua_getfield(L, -1, "sort");
    lua_remove(L, -2);
    lua_pushvalue(L, -1);
    lua_setfield(L, LUA_REGISTRYINDEX, SORT_KEY);
}

/* Length of the raw array part 1..n. */
static lua_Integer seq_len(lua_State *L, int t)
{
    lua_Integer n = 0;
    while (lua_rawgeti(L, t, n + 1) != LUA_TNIL) {
        lua_pop(L, 1);
        n++;
    }
    lua_pop(L, 1);
    return n;
}

/* [-0, +1, e] The keys of t not in 1..n, sorted. */
static void push_other_keys(lua_State *L, int t, lua_Integer n)
{
    lua_Integer k = 0;
    lua_newtable(L);
    int keys = lua_gettop(L);
    lua_pushnil(L);
    while (lua_next(L, t)) {
        lua_pop(L, 1);
        if (lua_isinteger(L, -1)) {
            lua_Integer i = lua_tointeger(L, -1);
            if (i >= 1 && i <= n) continue;
        }
        lua_pushvalue(L, -1);
        lua_rawseti(L, keys, ++k);
    }
    orm_lua_push_sort(L);
    lua_pushvalue(L, keys);
    lua_pushcfunction(L, key_less);
    lua_call(L, 2, 0);
}

static int over_budget(pctx *c)
{
    return c->b->n > MAX_TOTAL;
}

/* Appends `key = ` for the key at idx. */
static void add_key(pctx *c, int idx, int depth)
{
    size_t len;
    if (lua_type(c->L, idx) == LUA_TSTRING) {
        const char *s = lua_tolstring(c->L, idx, &len);
        if (is_identifier(s, len)) {
            pbuf_add(c->L, c->b, s, len);
            add_str(c, " = ");
            return;
        }
    }
    add_str(c, "[");
    add_value(c, idx, depth + 1, 0);
    add_str(c, "] = ");
}

static void add_entries(pctx *c, int t, int depth)
{
    lua_State *L = c->L;
    int shown = 0;
    lua_Integer n = seq_len(L, t);
    for (lua_Integer i = 1; i <= n; i++, shown++) {
        if (shown) add_str(c, ", ");
        if (shown >= MAX_ITEMS || over_budget(c)) {
            add_str(c, "...");
            return;
        }
        lua_rawgeti(L, t, i);
        add_value(c, lua_gettop(L), depth + 1, 0);
        lua_pop(L, 1);
    }
    push_other_keys(L, t, n);
    int keys = lua_gettop(L);
    lua_Integer nk = (lua_Integer)lua_rawlen(L, keys);
    for (lua_Integer i = 1; i <= nk; i++, shown++) {
        if (shown) add_str(c, ", ");
        if (shown >= MAX_ITEMS || over_budget(c)) {
            add_str(c, "...");
            break;
        }
        lua_rawgeti(L, keys, i);
        add_key(c, lua_gettop(L), depth);
        lua_rawget(L, t);
        add_value(c, lua_gettop(L), depth + 1, 0);
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
}

static void add_table(pctx *c, int t, int depth)
{
    lua_State *L = c->L;
    lua_pushvalue(L, t);
    int cycle = lua_rawget(L, c->seen) != LUA_TNIL;
    lua_pop(L, 1);
    if (cycle) {
        add_str(c, "<cycle>");
        return;
    }
    if (depth > MAX_DEPTH) {
        add_str(c, "{...}");
        return;
    }
    lua_pushvalue(L, t);
    lua_pushboolean(L, 1);
    lua_rawset(L, c->seen);
    add_str(c, "{");
    add_entries(c, t, depth);
    add_str(c, "}");
    lua_pushvalue(L, t);
    lua_pushnil(L);
    lua_rawset(L, c->seen);
}

/* Appends `<Name>` for a userdata named by its metatable, else `<userdata>`. */
static void add_userdata(pctx *c, int idx)
{
    lua_State *L = c->L;
    int t = luaL_getmetafield(L, idx, "__name");
    if (t == LUA_TSTRING) {
        lua_pushfstring(L, "<%s>", lua_tostring(L, -1));
        lua_remove(L, -2);
        add_top(c);
        return;
    }
    if (t != LUA_TNIL) lua_pop(L, 1);
    add_str(c, "<userdata>");
}

/* Appends the text of the value at idx; top: a top-level value (strings raw). */
static void add_value(pctx *c, int idx, int depth, int top)
{
    lua_State *L = c->L;
    luaL_checkstack(L, 8, "printing nested tables"); /* a few slots per level */
    int t = lua_type(L, idx);
    size_t len;
    if (t == LUA_TSTRING && !top) {
        const char *s = lua_tolstring(L, idx, &len);
        add_quoted(c, s, len);
    } else if ((t == LUA_TTABLE || t == LUA_TUSERDATA) &&
               luaL_getmetafield(L, idx, "__tostring") != LUA_TNIL) {
        lua_pop(L, 1);
        luaL_tolstring(L, idx, NULL);
        add_top(c);
    } else if (t == LUA_TTABLE) {
        add_table(c, idx, depth);
    } else if (t == LUA_TUSERDATA) {
        add_userdata(c, idx);
    } else if (t == LUA_TFUNCTION) {
        add_str(c, "<function>");
    } else if (t == LUA_TTHREAD) {
        add_str(c, "<thread>");
    } else if (t == LUA_TLIGHTUSERDATA) {
        add_str(c, "<userdata>");
    } else {
        luaL_tolstring(L, idx, NULL);
        add_top(c);
    }
}

void l_repr(lua_State *L, int idx)
{
    idx = lua_absindex(L, idx);
    pctx c = {L, pbuf_new(L), 0};
    lua_newtable(L);
    c.seen = lua_gettop(L);
    add_value(&c, idx, 0, 0);
    lua_pushlstring(L, c.b->p ? c.b->p : "", c.b->n);
    lua_replace(L, -3);
    lua_pop(L, 1);
}

void orm_lua_push_repr(lua_State *L, int idx)
{
    l_repr(L, idx);
}
