/* cmd_db_scripts.c — the revision files of an app: reading every Lua file
 * of migrations/versions (each returns { revision, down_revision,
 * message, upgrade, downgrade }) into a table and the core revision graph,
 * finding the tables they create, and writing new ones in the docs/reference.md
 * format with a fresh 12-hex-digit id and a slug of the message. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <lauxlib.h>

#include "orm_lua.h"
#include "cmd_db.h"

#define MT_GRAPH "ormsh.RevisionGraph"

static int graph_gc(lua_State *L)
{
    orm_revgraph **g = luaL_checkudata(L, 1, MT_GRAPH);
    orm_revgraph_free(*g);
    *g = NULL;
    return 0;
}

/* [-0, +1, e] A new graph owned by a userdata. */
static orm_revgraph *push_graph(lua_State *L)
{
    orm_revgraph **slot = orm_lua_new_box(L, sizeof *slot, MT_GRAPH, graph_gc);
    if (!(*slot = orm_revgraph_new())) luaL_error(L, "not enough memory");
    return *slot;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* [-0, +1, e] The *.lua files of dir, sorted, as a list. */
static void list_files(lua_State *L, const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) luaL_error(L, "cannot read %s: %s", dir, strerror(errno));
    lua_newtable(L);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t len = strlen(e->d_name);
        if (e->d_name[0] == '.' || len < 5 || strcmp(e->d_name + len - 4, ".lua") != 0) continue;
        lua_pushstring(L, e->d_name);
        lua_rawseti(L, -2, ++n);
    }
    closedir(d);
    /* sort through a C array of the (interned, referenced) strings */
    const char **v = lua_newuserdatauv(L, (size_t)(n ? n : 1) * sizeof *v, 0);
    for (int i = 0; i < n; i++) {
        lua_rawgeti(L, -2, i + 1);
        v[i] = lua_tostring(L, -1);
        lua_pop(L, 1); /* still referenced by the list */
    }
    qsort(v, (size_t)n, sizeof *v, cmp_names);
    lua_createtable(L, n, 0);
    for (int i = 0; i < n; i++) {
        lua_pushstring(L, v[i]);
        lua_rawseti(L, -2, i + 1);
    }
    lua_replace(L, -3);
    lua_pop(L, 1);
}

/* [-0, +1, m] Pushes what is left of f as a string; nonzero after a read
 * error (f stays open). */
static int push_contents(lua_State *L, FILE *f)
{
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        luaL_addlstring(&b, chunk, n);
    luaL_pushresult(&b);
    return ferror(f);
}

/* [-0, +1, e] Runs one revision file; pushes the table it returns. */
static void load_file(lua_State *L, const char *path, const char *shown)
{
    FILE *f = fopen(path, "rb");
    if (!f) luaL_error(L, "cannot open %s: %s", shown, strerror(errno));
    int bad = push_contents(L, f);
    fclose(f);
    if (bad) luaL_error(L, "cannot read %s", shown);
    size_t len;
    const char *text = lua_tolstring(L, -1, &len);
    lua_pushfstring(L, "@%s", shown);
    if (luaL_loadbufferx(L, text, len, lua_tostring(L, -1), "t") != LUA_OK) lua_error(L);
    if (lua_pcall(L, 0, 1, 0) != LUA_OK) lua_error(L);
    if (!lua_istable(L, -1))
        luaL_error(L,
                   "%s: a revision file must return a table { revision = ..., "
                   "down_revision = ..., message = ..., upgrade = ..., downgrade = ... } (got %s)",
                   shown, luaL_typename(L, -1));
    lua_replace(L, -3);
    lua_pop(L, 1);
}

static int is_rev_id(const char *s)
{
    return s && *s && strlen(s) <= 32 &&
           strspn(s, "0123456789abcdefghijklmnopqrstuvwxyz_") == strlen(s);
}

/* Checks the fields of the revision table on top. */
static void check_fields(lua_State *L, const char *shown)
{
    int t = lua_gettop(L);
    lua_getfield(L, t, "revision");
    if (lua_type(L, -1) != LUA_TSTRING || !is_rev_id(lua_tostring(L, -1)))
        luaL_error(L, "%s: 'revision' must be a revision id string (got %s)", shown,
                   luaL_typename(L, -1));
    lua_getfield(L, t, "down_revision");
    if (lua_istable(L, -1)) {
        lua_Integer n = (lua_Integer)lua_rawlen(L, -1);
        for (lua_Integer i = 1; i <= n; i++) {
            if (lua_rawgeti(L, -1, i) != LUA_TSTRING)
                luaL_error(L, "%s: 'down_revision' must be nil, a revision id or a list of them",
                           shown);
            lua_pop(L, 1);
        }
    } else if (lua_type(L, -1) != LUA_TSTRING && !lua_isnil(L, -1)) {
        luaL_error(L, "%s: 'down_revision' must be nil, a revision id or a list of them (got %s)",
                   shown, luaL_typename(L, -1));
    }
    lua_getfield(L, t, "message");
    if (!lua_isnil(L, -1) && lua_type(L, -1) != LUA_TSTRING)
        luaL_error(L, "%s: 'message' must be a string (got %s)", shown, luaL_typename(L, -1));
    const char *fns[] = {"upgrade", "downgrade"};
    for (int i = 0; i < 2; i++)
        if (lua_getfield(L, t, fns[i]) != LUA_TFUNCTION)
            luaL_error(L, "%s: '%s' must be a function(op) (got %s)", shown, fns[i],
                       luaL_typename(L, -1));
    lua_settop(L, t);
}

/* The down revisions of the checked revision table on top (nothing here
 * raises but a memory error, which Lua reports itself). */
static int get_downs(lua_State *L, orm_strv *downs)
{
    int rc = 0;
    if (lua_getfield(L, -1, "down_revision") == LUA_TSTRING) {
        rc = orm_strv_push(downs, lua_tostring(L, -1));
    } else if (lua_istable(L, -1)) {
        lua_Integer n = (lua_Integer)lua_rawlen(L, -1);
        for (lua_Integer i = 1; rc == 0 && i <= n; i++) {
            lua_rawgeti(L, -1, i);
            rc = orm_strv_push(downs, lua_tostring(L, -1));
            lua_pop(L, 1);
        }
    }
    lua_pop(L, 1);
    return rc;
}

void dbs_load(dbctx *x)
{
    lua_State *L = x->L;
    x->g = push_graph(L);
    lua_newtable(L);
    x->revs = lua_gettop(L);
    const char *dir = lua_tostring(L, x->verdir);
    list_files(L, dir);
    int files = lua_gettop(L);
    lua_Integer n = (lua_Integer)lua_rawlen(L, files);
    for (lua_Integer i = 1; i <= n; i++) {
        lua_rawgeti(L, files, i);
        const char *name = lua_tostring(L, -1);
        lua_pushfstring(L, "migrations/versions/%s", name);
        const char *shown = lua_tostring(L, -1);
        lua_pushfstring(L, "%s/%s", dir, name);
        const char *path = lua_tostring(L, -1);
        load_file(L, path, shown);
        check_fields(L, shown);
        orm_strv downs = ORM_STRV_INIT;
        orm_error err;
        orm_error_init(&err);
        int rc = get_downs(L, &downs) < 0 ? orm_error_oom(&err) : 0;
        lua_getfield(L, -1, "revision");
        if (rc == 0) rc = orm_revgraph_add(x->g, lua_tostring(L, -1), &downs, shown, &err);
        orm_strv_free(&downs);
        if (rc < 0) dbs_raise(L, &err);
        lua_pop(L, 1);
        lua_pushvalue(L, -3);
        lua_setfield(L, -2, "__file");
        lua_pushvalue(L, -2);
        lua_setfield(L, -2, "__path");
        lua_getfield(L, -1, "revision");
        lua_pushvalue(L, -2);
        lua_settable(L, x->revs);
        lua_settop(L, files);
    }
    lua_pop(L, 1);
    orm_error err;
    orm_error_init(&err);
    if (orm_revgraph_build(x->g, &err) < 0) dbs_raise(L, &err);
}

void dbs_push_rev(dbctx *x, int i)
{
    lua_getfield(x->L, x->revs, orm_revgraph_id(x->g, i));
}

/* ---- tables the revisions create ------------------------------------------------ */

/* Appends to the list at list each name quoted right after `call(` in text
 * (for rename_table: the second argument). */
static void scan_calls(lua_State *L, const char *text, const char *call, int second, int list)
{
    size_t clen = strlen(call);
    for (const char *p = strstr(text, call); p; p = strstr(p + 1, call)) {
        const char *q = p + clen;
        while (*q == ' ' || *q == '\t' || *q == '\n')
            q++;
        if (*q++ != '(') continue;
        for (int arg = 0; arg <= second; arg++) {
            while (*q == ' ' || *q == '\t' || *q == '\n')
                q++;
            char quote = *q;
            if (quote != '"' && quote != '\'') break;
            const char *s = ++q;
            while (*q && *q != quote && *q != '\n')
                q++;
            if (*q != quote) break;
            if (arg == second) {
                lua_pushlstring(L, s, (size_t)(q - s));
                lua_rawseti(L, list, (lua_Integer)lua_rawlen(L, list) + 1);
                break;
            }
            q++;
            while (*q == ' ' || *q == '\t' || *q == '\n')
                q++;
            if (*q++ != ',') break;
        }
    }
}

void dbs_managed(dbctx *x)
{
    lua_State *L = x->L;
    lua_newtable(L);
    int list = lua_gettop(L);
    for (int i = 0; i < orm_revgraph_count(x->g); i++) {
        dbs_push_rev(x, i);
        lua_getfield(L, -1, "__path");
        FILE *f = fopen(lua_tostring(L, -1), "rb");
        if (f) {
            push_contents(L, f); /* a read error leaves less text to scan */
            fclose(f);
            scan_calls(L, lua_tostring(L, -1), "create_table", 0, list);
            scan_calls(L, lua_tostring(L, -1), "rename_table", 1, list);
            lua_pop(L, 1);
        }
        lua_pop(L, 2);
    }
}

/* ---- writing a revision file ------------------------------------------------------ */

/* A fresh 12-hex-digit id, as Alembic's uuid4().hex[-12:]. */
static void new_rev_id(const orm_revgraph *g, char out[13])
{
    unsigned char r[6];
    for (int tries = 0; tries < 100; tries++) {
        int fd = open("/dev/urandom", O_RDONLY);
        ssize_t got = fd >= 0 ? read(fd, r, sizeof r) : -1;
        if (fd >= 0) close(fd);
        if (got != (ssize_t)sizeof r) {
            unsigned long long v =
                (unsigned long long)time(NULL) ^ ((unsigned long long)getpid() << 20) ^
                (unsigned long long)clock() << 7 ^ (unsigned long long)tries << 40;
            for (int i = 0; i < 6; i++)
                r[i] = (unsigned char)(v >> (8 * i));
        }
        for (int i = 0; i < 6; i++)
            snprintf(out + 2 * i, 3, "%02x", r[i]);
        if (orm_revgraph_find(g, out) < 0 && out[0] >= 'a')
            return; /* a letter first reads better */
    }
}

/* [-0, +1, e] The message's words joined by "_", lowercase, at most about 40 characters. */
static void push_slug(lua_State *L, const char *msg)
{
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    size_t len = 0;
    int in_word = 0;
    for (const unsigned char *p = (const unsigned char *)msg; *p; p++) {
        int w = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
                *p == '_';
        if (w) {
            if (!in_word && len) {
                luaL_addchar(&b, '_');
                len++;
            }
            luaL_addchar(&b, (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p));
            len++;
            in_word = 1;
            if (len >= 40) {
                luaL_addchar(&b, '_');
                break;
            }
        } else {
            in_word = 0;
        }
    }
    luaL_pushresult(&b);
}

/* Appends s as a double-quoted Lua string literal. */
static void add_quoted(luaL_Buffer *b, const char *s)
{
    luaL_addchar(b, '"');
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        char esc[8];
        if (*p == '"' || *p == '\\') {
            luaL_addchar(b, '\\');
            luaL_addchar(b, (char)*p);
        } else if (*p == '\n') {
            luaL_addstring(b, "\\n");
        } else if (*p < 0x20 || *p == 0x7f) {
            snprintf(esc, sizeof esc, "\\%03d", *p);
            luaL_addstring(b, esc);
        } else {
            luaL_addchar(b, (char)*p);
        }
    }
    luaL_addchar(b, '"');
}

/* "  name = function(op) <one op> end," or the multi-line form. */
static void add_function(luaL_Buffer *b, const char *name, const char *body)
{
    luaL_addstring(b, "  ");
    luaL_addstring(b, name);
    luaL_addstring(b, " = function(op)");
    const char *nl = body ? strchr(body, '\n') : NULL;
    const char *text = body;
    while (text && *text == ' ')
        text++;
    if (nl && nl[1] == '\0' && strncmp(text, "--", 2) != 0) { /* one statement: one line */
        luaL_addchar(b, ' ');
        luaL_addlstring(b, text, (size_t)(nl - text));
        luaL_addstring(b, " end,\n");
        return;
    }
    luaL_addchar(b, '\n');
    if (body) luaL_addstring(b, body);
    luaL_addstring(b, "  end,\n");
}

void dbs_write(dbctx *x, const char *message, const orm_strv *downs, const char *upgrade,
               const char *downgrade)
{
    lua_State *L = x->L;
    char id[13];
    new_rev_id(x->g, id);
    luaL_Buffer b;
    push_slug(L, message);
    lua_pushfstring(L, "%s/%s_%s.lua", lua_tostring(L, x->verdir), id, lua_tostring(L, -1));
    lua_remove(L, -2);
    int path = lua_gettop(L);
    luaL_buffinit(L, &b);
    luaL_addstring(&b, "return {\n  revision = \"");
    luaL_addstring(&b, id);
    luaL_addstring(&b, "\", down_revision = ");
    if (downs->n == 0) {
        luaL_addstring(&b, "nil");
    } else if (downs->n == 1) {
        add_quoted(&b, downs->v[0]);
    } else {
        luaL_addstring(&b, "{ ");
        for (int i = 0; i < downs->n; i++) {
            if (i) luaL_addstring(&b, ", ");
            add_quoted(&b, downs->v[i]);
        }
        luaL_addstring(&b, " }");
    }
    luaL_addstring(&b, ", message = ");
    add_quoted(&b, message);
    luaL_addstring(&b, ",\n");
    add_function(&b, "upgrade", upgrade);
    add_function(&b, "downgrade", downgrade);
    luaL_addstring(&b, "}\n");
    luaL_pushresult(&b);
    size_t len;
    const char *text = lua_tolstring(L, -1, &len);
    const char *p = lua_tostring(L, path);
    int fd = open(p, O_WRONLY | O_CREAT | O_EXCL, 0644);
    FILE *f = fd >= 0 ? fdopen(fd, "wb") : NULL;
    if (!f) {
        if (fd >= 0) close(fd);
        luaL_error(L, "cannot create %s: %s", p, strerror(errno));
    }
    int ok = fwrite(text, 1, len, f) == len;
    ok = fclose(f) == 0 && ok;
    if (!ok) luaL_error(L, "cannot write %s: %s", p, strerror(errno));
    lua_pop(L, 1);
}
