/* cmd_db_preflight.c — running migrations for the db commands: the options
 * of orm.migrate.run (SQL on stdout, notices on stderr, the progress of
 * long row copies while stderr is a terminal), and the pre-flight of
 * `db upgrade` and `db downgrade`:
 * before the real run, the steps run once in a transaction that is rolled
 * back (orm.migrate.run with check = true; nothing is written where DDL
 * commits at once), counting what each step would destroy. With findings
 * and no --force the command refuses, listing them on stderr (exit 1);
 * --dry-run prints them on stdout and stops there; --sql prints them on
 * stderr as a warning beside its SQL. */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <lauxlib.h>

#include "cmd_db.h"

static int opt_emit(lua_State *L)
{
    fputs(lua_tostring(L, 1), stdout);
    return 0;
}

/* "  copying author: 20000 of 50000 rows (48000 rows/s)", one line
 * rewritten in place, ended when done. The rate counts from the call with
 * done == 0 that starts each table's copy. */
static int opt_progress(lua_State *L)
{
    static struct timespec start;
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    lua_Integer done = lua_tointeger(L, 2), total = lua_tointeger(L, 3);
    if (done == 0) start = now;
    double secs = (double)(now.tv_sec - start.tv_sec) + (double)(now.tv_nsec - start.tv_nsec) / 1e9;
    double rate = secs > 0 ? (double)done / secs : 0;
    fprintf(stderr, "\r  copying %s: %lld of %lld rows (%.0f rows/s)\033[K", lua_tostring(L, 1),
            (long long)done, (long long)total, rate);
    if (done >= total) fputc('\n', stderr);
    fflush(stderr);
    return 0;
}

static int say(lua_State *L)
{
    fflush(stdout);
    fprintf(stderr, "%s\n", lua_tostring(L, 1));
    fflush(stderr);
    return 0;
}

void dbp_push_run_opts(lua_State *L, int sql)
{
    lua_createtable(L, 0, 4);
    lua_pushboolean(L, sql);
    lua_setfield(L, -2, "sql");
    lua_pushcfunction(L, opt_emit);
    lua_setfield(L, -2, "emit");
    lua_pushcfunction(L, say);
    lua_setfield(L, -2, "notice");
    if (isatty(STDERR_FILENO)) {
        lua_pushcfunction(L, opt_progress);
        lua_setfield(L, -2, "progress");
    }
}

int dbp_is_partial(dbctx *x)
{
    lua_getfield(x->L, x->migrate, "partial");
    lua_pushvalue(x->L, x->db);
    lua_call(x->L, 1, 1);
    int partial = !lua_isnil(x->L, -1);
    lua_pop(x->L, 1);
    return partial;
}

static int quiet(lua_State *L)
{
    (void)L;
    return 0;
}

/* [-0, +0, -] Prints the list at idx, one item a line, prefixed. */
static void print_list(lua_State *L, int idx, FILE *to, const char *prefix)
{
    lua_Integer n = (lua_Integer)lua_rawlen(L, idx);
    for (lua_Integer i = 1; i <= n; i++) {
        lua_rawgeti(L, idx, i);
        fprintf(to, "%s%s\n", prefix, lua_tostring(L, -1));
        lua_pop(L, 1);
    }
}

void dbp_warn_losses(lua_State *L, int losses)
{
    if (lua_rawlen(L, losses) == 0) return;
    fflush(stdout);
    fputs("ormsh: warning: these steps would destroy data (`db upgrade` refuses them without "
          "--force):\n",
          stderr);
    print_list(L, losses, stderr, "  ");
}

int dbp_preflight(dbctx *x, int steps, int dry_run)
{
    lua_State *L = x->L;
    int top = lua_gettop(L);
    steps = lua_absindex(L, steps);
    lua_newtable(L);
    int losses = lua_gettop(L);
    lua_createtable(L, 0, 3);
    lua_pushboolean(L, 1);
    lua_setfield(L, -2, "check");
    lua_pushvalue(L, losses);
    lua_setfield(L, -2, "losses");
    lua_pushcfunction(L, dry_run ? say : quiet);
    lua_setfield(L, -2, "notice");
    int opts = lua_gettop(L);
    lua_getfield(L, x->migrate, "run");
    lua_pushvalue(L, x->db);
    lua_pushvalue(L, steps);
    lua_pushvalue(L, opts);
    int ok = lua_pcall(L, 3, 0, 0) == LUA_OK;
    int n = (int)lua_rawlen(L, losses), rc = SH_EXIT_OK;
    if (dry_run) {
        if (n) {
            printf("Data these steps would destroy (`--force` runs them anyway):\n");
            print_list(L, losses, stdout, "  ");
        } else if (ok) {
            printf("No data would be destroyed.\n");
        }
        fflush(stdout);
        if (!ok) sh_report(L, SH_ERR_WHERE);
        fprintf(stderr, "Dry run: nothing was changed.\n");
        rc = ok ? SH_EXIT_OK : SH_EXIT_FAIL;
    } else if (n) {
        fflush(stdout);
        fprintf(stderr,
                "ormsh: refusing to migrate: %s would destroy data (run again with "
                "--force to accept the loss; --dry-run only reports):\n",
                n == 1 ? "this step" : "these steps");
        print_list(L, losses, stderr, "  ");
        rc = SH_EXIT_FAIL;
    } /* else: a failure is the real run's to report, where it says where the database stayed */
    lua_settop(L, top);
    return rc;
}
