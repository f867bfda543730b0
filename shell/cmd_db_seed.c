/* cmd_db_seed.c — `ormsh db seed [FILE] [--dry-run]`: runs the app's
 * seeds.lua (or FILE) through db.seed, in one transaction, and reports the
 * rows written per table (stdout for a dry run, stderr otherwise). The
 * fixture commands `db dump` and `db load` live in cmd_db_fixtures.c. */
#include <string.h>

#include <lauxlib.h>

#include "cmd_db_seed.h"
#include "progress.h"

static int seed_usage(const char *fmt, const char *arg)
{
    fputs("ormsh: ", stderr);
    fprintf(stderr, fmt, arg);
    fputs("\nusage: ormsh db seed [FILE] [--dry-run]\n"
          "Try 'ormsh --help' for more information.\n",
          stderr);
    return SH_EXIT_USAGE;
}

/* Fills *file and *dry from the command line; -1 when fine, else the usage status. */
static int seed_parse(const ormsh_opts *o, const char **file, int *dry)
{
    *file = NULL;
    *dry = 0;
    for (int i = 1; i < o->nargs; i++) {
        const char *a = o->args[i];
        if (strcmp(a, "--dry-run") == 0)
            *dry = 1;
        else if (a[0] == '-' && a[1] != '\0')
            return seed_usage("unknown option '%s' for 'db seed'", a);
        else if (*file)
            return seed_usage("too many arguments to 'db seed' ('%s')", a);
        else
            *file = a;
    }
    return -1;
}

/* [-0, +0, e] Prints the counts list on top to f: a heading, then one
 * "  table: N inserted, M updated" line per table written to. */
static void print_counts(lua_State *L, FILE *f, const char *heading, const char *file)
{
    lua_Integer n = (lua_Integer)lua_rawlen(L, -1);
    fprintf(f, heading, file, n == 0 ? " nothing" : ":");
    for (lua_Integer i = 1; i <= n; i++) {
        lua_rawgeti(L, -1, i);
        lua_getfield(L, -1, "table");
        lua_getfield(L, -2, "inserted");
        lua_getfield(L, -3, "updated");
        lua_getfield(L, -4, "upserted");
        fprintf(f, "  %s: %lld inserted, %lld updated", lua_tostring(L, -4),
                (long long)lua_tointeger(L, -3), (long long)lua_tointeger(L, -2));
        if (lua_tointeger(L, -1) > 0)
            fprintf(f, ", %lld upserted (inserted or updated)", (long long)lua_tointeger(L, -1));
        fputc('\n', f);
        lua_pop(L, 5);
    }
}

/* lua_CFunction (opts) -> exit status */
static int seed_main(lua_State *L)
{
    const ormsh_opts *o = lua_touserdata(L, 1);
    const char *file;
    int dry;
    seed_parse(o, &file, &dry);
    app_push_dir(L);
    app_push_db(L);
    if (lua_isnil(L, -1))
        return luaL_error(L, "'db seed' needs an app directory (one with app.lua): run it there or "
                             "pass --app DIR");
    int db = lua_gettop(L);
    if (file == NULL) {
        if (lua_isnil(L, db - 1))
            return luaL_error(L, "'db seed' needs an app directory or a FILE");
        file = lua_pushfstring(L, "%s/seeds.lua", lua_tostring(L, db - 1));
    }
    sh_progress_push(L, "seed");
    int prog = lua_gettop(L);
    lua_getfield(L, db, "seed");
    lua_pushstring(L, file);
    lua_createtable(L, 0, 2);
    lua_pushboolean(L, dry);
    lua_setfield(L, -2, "dry_run");
    lua_pushvalue(L, prog);
    lua_setfield(L, -2, "progress");
    int status = lua_pcall(L, 2, 1, 0);
    sh_progress_end(L, prog);
    if (status != LUA_OK) return lua_error(L);
    fflush(stdout);
    if (dry)
        print_counts(L, stdout, "Dry run of %s (rolled back), it would write%s\n", file);
    else
        print_counts(L, stderr, "Seeded from %s, wrote%s\n", file);
    lua_pushinteger(L, SH_EXIT_OK);
    return 1;
}

int cmd_db_is_data_command(const ormsh_opts *o)
{
    if (o->nargs == 0) return 0;
    const char *c = o->args[0];
    return strcmp(c, "seed") == 0 || strcmp(c, "dump") == 0 || strcmp(c, "load") == 0;
}

int cmd_db_seed_usage(const ormsh_opts *o)
{
    const char *file;
    int dry;
    return seed_parse(o, &file, &dry);
}

int cmd_db_data_run(lua_State *L, lua_CFunction main, const ormsh_opts *o)
{
    int top = lua_gettop(L);
    lua_pushcfunction(L, main);
    lua_pushlightuserdata(L, (void *)o);
    app_arm_interrupt(L);
    int rc;
    if (sh_pcall(L, 1, 1) != LUA_OK) {
        if (lua_type(L, -1) == LUA_TSTRING && strncmp(lua_tostring(L, -1), "'db ", 4) == 0) {
            lua_pushfstring(L, "ormsh: %s", lua_tostring(L, -1));
            lua_remove(L, -2);
        }
        sh_report(L, SH_ERR_WHERE);
        rc = SH_EXIT_FAIL;
    } else {
        rc = (int)lua_tointeger(L, -1);
    }
    fflush(stdout);
    fflush(stderr);
    lua_settop(L, top);
    return rc;
}

int cmd_db_seed_run(lua_State *L, const ormsh_opts *o)
{
    return cmd_db_data_run(L, seed_main, o);
}
