/* cmd_db_fixtures.c — `ormsh db dump [-o FILE] [--tables t1,t2]` and
 * `ormsh db load FILE [--replace]`: reads the options, calls db.dump /
 * db.load with a progress line, and reports on standard error. */
#include <string.h>

#include <lauxlib.h>

#include "cmd_db_seed.h"
#include "progress.h"

typedef struct {
    const char *file;   /* dump: -o FILE; load: FILE */
    const char *tables; /* dump: --tables t1,t2 */
    int replace;        /* load: --replace */
} fxargs;

static int fx_usage(const char *fmt, const char *arg)
{
    fputs("ormsh: ", stderr);
    fprintf(stderr, fmt, arg);
    fputs("\nusage: ormsh db dump [-o FILE] [--tables t1,t2] | db load FILE [--replace]\n"
          "Try 'ormsh --help' for more information.\n",
          stderr);
    return SH_EXIT_USAGE;
}

/* -1 when fine, else the usage status. */
static int fx_parse(const ormsh_opts *o, fxargs *a)
{
    memset(a, 0, sizeof *a);
    int dump = strcmp(o->args[0], "dump") == 0;
    for (int i = 1; i < o->nargs; i++) {
        const char *s = o->args[i];
        if (dump && (strcmp(s, "-o") == 0 || strcmp(s, "--output") == 0)) {
            if (++i >= o->nargs) return fx_usage("option '%s' needs a file", s);
            a->file = o->args[i];
        } else if (dump && strncmp(s, "-o", 2) == 0 && s[2]) {
            a->file = s + 2;
        } else if (dump && strcmp(s, "--tables") == 0) {
            if (++i >= o->nargs) return fx_usage("option '%s' needs table names", s);
            a->tables = o->args[i];
        } else if (dump && strncmp(s, "--tables=", 9) == 0) {
            a->tables = s + 9;
        } else if (!dump && strcmp(s, "--replace") == 0) {
            a->replace = 1;
        } else if (s[0] == '-' && s[1] != '\0') {
            return fx_usage(dump ? "unknown option '%s' for 'db dump'"
                                 : "unknown option '%s' for 'db load'",
                            s);
        } else if (dump || a->file) {
            return fx_usage(dump ? "too many arguments to 'db dump' ('%s')"
                                 : "too many arguments to 'db load' ('%s')",
                            s);
        } else {
            a->file = s;
        }
    }
    if (!dump && a->file == NULL) return fx_usage("'db load' needs a fixture file%s", "");
    return -1;
}

/* [-0, +1, m] The list of names in "t1,t2". */
static void push_names(lua_State *L, const char *s)
{
    lua_newtable(L);
    int n = 0;
    while (*s) {
        const char *e = strchr(s, ',');
        size_t len = e ? (size_t)(e - s) : strlen(s);
        if (len) {
            lua_pushlstring(L, s, len);
            lua_rawseti(L, -2, ++n);
        }
        s += len + (e != NULL);
    }
}

/* lua_CFunction (opts) -> exit status */
static int fx_main(lua_State *L)
{
    const ormsh_opts *o = lua_touserdata(L, 1);
    fxargs a;
    fx_parse(o, &a);
    int dump = strcmp(o->args[0], "dump") == 0;
    app_push_db(L);
    if (lua_isnil(L, -1))
        return luaL_error(L,
                          "'db %s' needs an app directory (one with app.lua): run it there or "
                          "pass --app DIR",
                          o->args[0]);
    int db = lua_gettop(L);
    sh_progress_push(L, dump ? "dump" : "load");
    int prog = lua_gettop(L);
    lua_getfield(L, db, dump ? "dump" : "load");
    if (a.file && !(dump && strcmp(a.file, "-") == 0))
        lua_pushstring(L, a.file);
    else
        lua_pushnil(L);
    lua_createtable(L, 0, 3);
    lua_pushvalue(L, prog);
    lua_setfield(L, -2, "progress");
    if (a.tables) {
        push_names(L, a.tables);
        lua_setfield(L, -2, "tables");
    }
    if (!dump) {
        lua_pushboolean(L, a.replace);
        lua_setfield(L, -2, "replace");
    }
    int status = lua_pcall(L, 2, 1, 0);
    sh_progress_end(L, prog);
    if (status != LUA_OK) return lua_error(L);
    fflush(stdout);
    if (dump)
        fprintf(stderr, "Dumped %lld rows%s%s\n", (long long)lua_tointeger(L, -1),
                a.file ? " to " : "", a.file ? a.file : "");
    else
        fprintf(stderr, "Loaded %lld rows from %s\n", (long long)lua_tointeger(L, -1), a.file);
    lua_pushinteger(L, SH_EXIT_OK);
    return 1;
}

int cmd_db_fixtures_usage(const ormsh_opts *o)
{
    fxargs a;
    return fx_parse(o, &a);
}

int cmd_db_fixtures_run(lua_State *L, const ormsh_opts *o)
{
    return cmd_db_data_run(L, fx_main, o);
}
