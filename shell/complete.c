/* complete.c — Tab completion for the REPL, from the live Lua state: a bare
 * name completes globals and keywords; `X.` the fields of X (a table's keys,
 * its metatable's __index tables, the names its __complete metamethod
 * offers); `X:` the methods of X; paths nest (`db.session:`); inside
 * `filter_by{` the column names of the query's model. Names starting with
 * "__" are hidden. One Tab inserts the one name, or the prefix all share;
 * when there is nothing to insert, a second Tab in a row lists them. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <wchar.h>

#include <histedit.h>
#include <lauxlib.h>
#include <lua.h>

#include "orm_lua.h"
#include "shell.h"

#define MAX_INDEX_DEPTH 8  /* __index chains followed */
#define LAST_LINE_MAX 1024 /* longer lines never count as "Tab again" */

/* The line and cursor right after the last Tab: a Tab that finds them
 * unchanged is a second Tab in a row. */
static char g_last_line[LAST_LINE_MAX];
static size_t g_last_len, g_last_cursor;
static int g_have_last;

static const char *const keywords[] = {"and",   "break", "do",       "else",  "elseif", "end",
                                       "false", "for",   "function", "goto",  "if",     "in",
                                       "local", "nil",   "not",      "or",    "repeat", "return",
                                       "then",  "true",  "until",    "while", NULL};

/* The word being completed: identifier characters, dots and colons. */
static const char *word_start(const char *buf, const char *cursor)
{
    const char *p = cursor;
    while (p > buf &&
           (isalnum((unsigned char)p[-1]) || p[-1] == '_' || p[-1] == '.' || p[-1] == ':'))
        p--;
    return p;
}

/* 1 when the cursor sits inside a string literal (quotes before it unbalanced). */
static int in_string(const char *buf, const char *cursor)
{
    char quote = 0;
    for (const char *p = buf; p < cursor; p++) {
        if (quote && *p == '\\' && p + 1 < cursor)
            p++;
        else if (quote && *p == quote)
            quote = 0;
        else if (!quote && (*p == '"' || *p == '\''))
            quote = *p;
    }
    return quote != 0;
}

/* [-0, +0, e] candidates[name] = true, when name fits. */
static void add_candidate(lua_State *L, int cands, const char *prefix, const char *name)
{
    size_t plen = strlen(prefix);
    if (strncmp(name, "__", 2) == 0 || strncmp(name, prefix, plen) != 0) return;
    for (const char *p = name; *p; p++)
        if (!isalnum((unsigned char)*p) && *p != '_') return;
    if (isdigit((unsigned char)name[0])) return;
    lua_pushboolean(L, 1);
    lua_setfield(L, cands, name);
}

/* [-0, +0, e] The string keys of the table at t (functions only if methods). */
static void add_table_keys(lua_State *L, int t, int cands, const char *prefix, int methods)
{
    lua_pushnil(L);
    while (lua_next(L, t)) {
        if (lua_type(L, -2) == LUA_TSTRING && (!methods || lua_isfunction(L, -1)))
            add_candidate(L, cands, prefix, lua_tostring(L, -2));
        lua_pop(L, 1);
    }
}

/* [-0, +0, e] The names a __complete metamethod offers: __complete(v, sep)
 * returns a list of names (or a table keyed by them). */
static void add_complete_names(lua_State *L, int v, int cands, const char *prefix, int methods)
{
    if (luaL_getmetafield(L, v, "__complete") == LUA_TNIL) return;
    lua_pushvalue(L, v);
    lua_pushstring(L, methods ? ":" : ".");
    lua_call(L, 2, 1);
    if (lua_istable(L, -1)) {
        int t = lua_gettop(L);
        lua_pushnil(L);
        while (lua_next(L, t)) {
            if (lua_type(L, -1) == LUA_TSTRING)
                add_candidate(L, cands, prefix, lua_tostring(L, -1));
            else if (lua_type(L, -2) == LUA_TSTRING)
                add_candidate(L, cands, prefix, lua_tostring(L, -2));
            lua_pop(L, 1);
        }
    }
    lua_pop(L, 1);
}

/* [-0, +0, e] The fields (or methods) of the value at v. */
static void add_fields(lua_State *L, int v, int cands, const char *prefix, int methods)
{
    int top = lua_gettop(L);
    lua_pushvalue(L, v);
    for (int depth = 0; depth < MAX_INDEX_DEPTH; depth++) {
        int cur = lua_gettop(L);
        if (lua_istable(L, cur)) add_table_keys(L, cur, cands, prefix, methods);
        add_complete_names(L, cur, cands, prefix, methods);
        if (luaL_getmetafield(L, cur, "__index") == LUA_TNIL) break;
        if (!lua_istable(L, -1)) break;
    }
    lua_settop(L, top);
}

/* [-0, +0, e] Globals (the _G table and what its __index offers) and keywords. */
static void add_globals(lua_State *L, int cands, const char *prefix)
{
    lua_pushglobaltable(L);
    add_fields(L, lua_gettop(L), cands, prefix, 0);
    lua_pop(L, 1);
    for (int i = 0; keywords[i]; i++)
        add_candidate(L, cands, prefix, keywords[i]);
}

/* [-0, +1, e] Walks `a.b.c` from the globals; pushes the value (or nil). */
static void resolve_path(lua_State *L, const char *path, size_t len)
{
    const char *p = path, *end = path + len;
    lua_pushglobaltable(L);
    while (p < end) {
        const char *dot = memchr(p, '.', (size_t)(end - p));
        const char *stop = dot ? dot : end;
        if (stop == p || (!lua_istable(L, -1) && !lua_isuserdata(L, -1) && !lua_isstring(L, -1))) {
            lua_pop(L, 1);
            lua_pushnil(L);
            return;
        }
        lua_pushlstring(L, p, (size_t)(stop - p));
        lua_gettable(L, -2);
        lua_remove(L, -2);
        p = stop + 1;
    }
}

/* The `{` the cursor is inside of (not closed before it), or NULL. */
static const char *open_brace(const char *buf, size_t len)
{
    int depth = 0;
    for (const char *p = buf + len; p > buf;) {
        p--;
        if (*p == '}') {
            depth++;
        } else if (*p == '{') {
            if (depth == 0) return p;
            depth--;
        }
    }
    return NULL;
}

static int is_ident_char(char c)
{
    return isalnum((unsigned char)c) || c == '_';
}

/* [-0, +(0|1), e] When buf (the line before the word) ends inside
 * `<chain>:filter_by{`, pushes the first model class the chain names
 * (`Author.query`, `db.session:query(Author)`) and returns 1. */
static int push_filter_by_model(lua_State *L, const char *buf, size_t len)
{
    static const char kw[] = "filter_by";
    const char *brace = open_brace(buf, len), *p = brace;
    if (!p) return 0;
    while (p > buf && (p[-1] == ' ' || p[-1] == '('))
        p--;
    size_t n = sizeof kw - 1;
    if ((size_t)(p - buf) < n + 1 || strncmp(p - n, kw, n) != 0 || p[-n - 1] != ':') return 0;
    const char *end = p - n - 1, *s = end;
    while (s > buf) { /* the chain before :filter_by, parentheses included */
        if (s[-1] == ')') {
            int depth = 0;
            do {
                s--;
                depth += *s == ')' ? 1 : *s == '(' ? -1 : 0;
            } while (s > buf && depth > 0);
        } else if (is_ident_char(s[-1]) || s[-1] == '.' || s[-1] == ':') {
            s--;
        } else {
            break;
        }
    }
    while (s < end) {
        if (!is_ident_char(*s) || isdigit((unsigned char)*s)) {
            s++;
            continue;
        }
        const char *w = s;
        while (s < end && is_ident_char(*s))
            s++;
        lua_pushglobaltable(L);
        lua_pushlstring(L, w, (size_t)(s - w));
        lua_rawget(L, -2);
        lua_remove(L, -2);
        if (lua_istable(L, -1)) {
            lua_pushliteral(L, "__table");
            if (lua_rawget(L, -2) == LUA_TTABLE) {
                lua_pop(L, 1);
                return 1;
            }
            lua_pop(L, 1);
        }
        lua_pop(L, 1);
    }
    return 0;
}

/* [-0, +0, e] The column names of the model class at cls. */
static void add_columns(lua_State *L, int cls, int cands, const char *prefix)
{
    lua_pushliteral(L, "__table");
    lua_rawget(L, cls);
    if (lua_getfield(L, -1, "columns") == LUA_TTABLE) {
        for (lua_Integer i = 1; lua_rawgeti(L, -1, i) == LUA_TTABLE; i++) {
            if (lua_getfield(L, -1, "name") == LUA_TSTRING)
                add_candidate(L, cands, prefix, lua_tostring(L, -1));
            lua_pop(L, 2);
        }
        lua_pop(L, 1);
    }
    lua_pop(L, 2);
}

/* [-1, +1, e] Replaces the set of names on top by a list of them. */
static void set_to_list(lua_State *L)
{
    lua_Integer n = 0;
    lua_newtable(L);
    lua_pushnil(L);
    while (lua_next(L, -3)) {
        lua_pop(L, 1);
        lua_pushvalue(L, -1);
        lua_rawseti(L, -3, ++n);
    }
    lua_remove(L, -2);
}

/* lua_CFunction (word, before) -> list of names completing the word's last
 * part; before: the line before the word. */
static int collect(lua_State *L)
{
    size_t len, blen;
    const char *word = luaL_checklstring(L, 1, &len);
    const char *before = luaL_checklstring(L, 2, &blen);
    const char *sep = word + len;
    while (sep > word && sep[-1] != '.' && sep[-1] != ':')
        sep--;
    lua_newtable(L);
    int cands = lua_gettop(L);
    if (sep == word && push_filter_by_model(L, before, blen)) {
        add_columns(L, lua_gettop(L), cands, word);
        lua_pop(L, 1);
    } else if (sep == word) {
        add_globals(L, cands, sep);
    } else {
        size_t plen = (size_t)(sep - 1 - word);
        if (memchr(word, ':', plen)) return 0; /* a:b.c is not a path */
        resolve_path(L, word, plen);
        if (!lua_isnil(L, -1)) add_fields(L, lua_gettop(L), cands, sep, sep[-1] == ':');
        lua_pop(L, 1);
    }
    set_to_list(L);
    return 1;
}

void sh_push_names(lua_State *L, int idx, int methods)
{
    idx = lua_absindex(L, idx);
    lua_newtable(L);
    add_fields(L, idx, lua_gettop(L), "", methods);
    set_to_list(L);
    orm_lua_push_sort(L);
    lua_pushvalue(L, -2);
    lua_call(L, 1, 0);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Length of the prefix all names share. */
static size_t common_prefix(const char **names, size_t n)
{
    size_t len = strlen(names[0]);
    for (size_t i = 1; i < n; i++) {
        size_t k = 0;
        while (k < len && names[i][k] == names[0][k])
            k++;
        len = k;
    }
    return len;
}

static int terminal_width(void)
{
    struct winsize ws;
    if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) return ws.ws_col;
    return 80;
}

/* Lists the names in columns, ordered down each column, as readline does. */
static void list_names(FILE *f, const char **names, size_t n)
{
    size_t width = 0;
    for (size_t i = 0; i < n; i++)
        if (strlen(names[i]) > width) width = strlen(names[i]);
    width += 2;
    size_t cols = (size_t)terminal_width() / width;
    if (cols == 0) cols = 1;
    size_t rows = (n + cols - 1) / cols;
    fputc('\n', f);
    for (size_t r = 0; r < rows; r++) {
        for (size_t c = 0; c < cols; c++) {
            size_t i = c * rows + r;
            if (i >= n) break;
            if (c + 1 == cols || i + rows >= n)
                fputs(names[i], f);
            else
                fprintf(f, "%-*s", (int)width, names[i]);
        }
        fputc('\n', f);
    }
    fflush(f);
}

/* Inserts what the sorted names let us: the one name's rest, or the common
 * prefix's rest; else, on a second Tab in a row (again), lists them.
 * plen: length of the typed part. */
static unsigned char apply(EditLine *el, lua_State *L, const char **names, size_t n, size_t plen,
                           int again)
{
    size_t lcp = n == 1 ? strlen(names[0]) : common_prefix(names, n);
    if (lcp > plen) {
        lua_pushlstring(L, names[0] + plen, lcp - plen);
        el_insertstr(el, lua_tostring(L, -1));
        lua_pop(L, 1);
        return CC_REFRESH;
    }
    if (n == 1) return CC_NORM;
    if (!again) return CC_ERROR; /* the bell; the next Tab lists */
    list_names(stderr, names, n);
    return CC_REDISPLAY;
}

/* [-0, +0, -] Completes from the names on the list at idx. */
static unsigned char complete_from(EditLine *el, lua_State *L, int list, size_t plen, int again)
{
    size_t n = lua_rawlen(L, list);
    if (n == 0) return CC_ERROR;
    const char **names = malloc(n * sizeof *names);
    if (!names) return CC_ERROR;
    for (size_t i = 0; i < n; i++) {
        lua_rawgeti(L, list, (lua_Integer)i + 1);
        names[i] = lua_tostring(L, -1); /* anchored by the list */
        lua_pop(L, 1);
    }
    qsort(names, n, sizeof *names, cmp_str);
    unsigned char rc = apply(el, L, names, n, plen, again);
    free(names);
    return rc;
}

/* 1 when the line and cursor are as the last Tab left them. */
static int tab_again(const LineInfo *li)
{
    size_t len = (size_t)(li->lastchar - li->buffer);
    return g_have_last && len == g_last_len && (size_t)(li->cursor - li->buffer) == g_last_cursor &&
           memcmp(li->buffer, g_last_line, len) == 0;
}

static void remember_line(EditLine *el)
{
    const LineInfo *li = el_line(el);
    size_t len = (size_t)(li->lastchar - li->buffer);
    g_have_last = len < LAST_LINE_MAX;
    if (!g_have_last) return;
    memcpy(g_last_line, li->buffer, len);
    g_last_len = len;
    g_last_cursor = (size_t)(li->cursor - li->buffer);
}

static unsigned char complete_key(EditLine *el, int ch)
{
    void *data = NULL;
    (void)ch;
    el_get(el, EL_CLIENTDATA, &data);
    lua_State *L = data;
    const LineInfo *li = el_line(el);
    const char *start = word_start(li->buffer, li->cursor);
    if (in_string(li->buffer, start)) return CC_ERROR;
    if (start == li->cursor) {
        const char *p = li->buffer;
        while (p < li->cursor && isspace((unsigned char)*p))
            p++;
        if (p == li->cursor) { /* at the start of the line: indent */
            el_insertstr(el, "    ");
            return CC_REFRESH;
        }
    }
    size_t plen = 0;
    while (start + plen < li->cursor)
        plen++;
    const char *part = li->cursor;
    while (part > start && part[-1] != '.' && part[-1] != ':')
        part--;
    int top = lua_gettop(L), again = tab_again(li);
    lua_pushcfunction(L, collect);
    lua_pushlstring(L, start, plen);
    lua_pushlstring(L, li->buffer, (size_t)(start - li->buffer));
    unsigned char rc = CC_ERROR;
    if (lua_pcall(L, 2, 1, 0) == LUA_OK && lua_istable(L, -1))
        rc = complete_from(el, L, lua_gettop(L), (size_t)(li->cursor - part), again);
    lua_settop(L, top);
    remember_line(el);
    return rc;
}

void complete_install(struct editline *el, lua_State *L)
{
    el_set(el, EL_CLIENTDATA, (void *)L);
    /* el_wset with static names: el_set(EL_ADDFN) leaks the copies it makes. */
    el_wset(el, EL_ADDFN, L"ormsh-complete", L"Complete Lua names", complete_key);
    el_set(el, EL_BIND, "^I", "ormsh-complete", NULL);
}
