/* fuzz_migration.c — libFuzzer target: loading and running a migration
 * file. Each input is the text of a revision file (Lua returning { revision,
 * down_revision, message, upgrade, downgrade }) placed after a fixed first
 * revision in the migrations/versions directory of a small SQLite app; the
 * real `ormsh db` commands then run on it as a user would: history and
 * check, upgrade to the first revision, rows added, upgrade to the head with
 * --dry-run, --sql and for real, downgrade to the first revision, each on a
 * new shell. Errors are expected and printed; crashes, sanitizer reports and
 * leaks are findings. Run it with -close_fd_mask=3 (the commands' output goes
 * to /dev/null) and an absolute -artifact_prefix (the app lives in a
 * temporary directory, the working directory while an input runs), as make
 * fuzz does. A CPU-time watch (half a second) and a memory cap bound runaway code; io,
 * os and debug are not there when the revision files load. */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>

#include "cmd_db.h"
#include "capped_lua.h"
#include "orm_lua.h"
#include "shell.h"

static int home_fd = -1, app_fd = -1; /* the working directory, and the app's */
static int status;                    /* the exit status of the last command */
#define BASE "aaaaaaaaaaaa"           /* the first revision's id */
#define FUZZ_FILE "migrations/versions/bbbbbbbbbbbb_fuzz.lua"

static const char APP_LUA[] =
    "return { name = \"fuzz\", database = \"sqlite:///app.db\", models = { \"models\" } }\n";
static const char MODELS_LUA[] =
    "Author = db.Model('Author', { id = db.Column(db.Integer, { primary_key = true }),\n"
    "  name = db.Column(db.String(30), { nullable = false, unique = true }) })\n"
    "Book = db.Model('Book', { id = db.Column(db.Integer, { primary_key = true }),\n"
    "  title = db.Column(db.String(50)), author_id = db.Column(db.Integer, "
    "db.ForeignKey('author.id')) })\n";
static const char BASE_LUA[] =
    "return {\n"
    "  revision = \"" BASE "\", down_revision = nil, message = \"init\",\n"
    "  upgrade = function(op)\n"
    "    op.create_table(\"author\", {\n"
    "      op.column(\"id\", \"Integer\", { primary_key = true }),\n"
    "      op.column(\"name\", \"String(30)\", { nullable = false, unique = true }),\n"
    "    })\n"
    "    op.create_table(\"book\", {\n"
    "      op.column(\"id\", \"Integer\", { primary_key = true }),\n"
    "      op.column(\"title\", \"String(50)\"),\n"
    "      op.column(\"author_id\", \"Integer\", { foreign_key = \"author.id\" }),\n"
    "    })\n"
    "  end,\n"
    "  downgrade = function(op) op.drop_table(\"book\") op.drop_table(\"author\") end,\n"
    "}\n";
static const char ROWS_LUA[] =
    "db.session:add_all{ Author{ name = 'Ann' }, Author{ name = 'Bob' } }\n"
    "db.session:commit()\n"
    "db.session:add(Book{ title = 'One', author_id = 1 })\n"
    "db.session:commit()\n";

static void write_file(const char *path, const char *text, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(text, 1, len, f) != len || fclose(f) != 0) abort();
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    /* in memory where there is a tmpfs: the commands commit (fsync) often */
    char dir[64];
    snprintf(dir, sizeof dir, "%s/ormsh-fuzz-migration-XXXXXX",
             access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
    if (!mkdtemp(dir) || (home_fd = open(".", O_RDONLY)) < 0 || chdir(dir) != 0) abort();
    if (mkdir("migrations", 0700) != 0 || mkdir("migrations/versions", 0700) != 0) abort();
    write_file("app.lua", APP_LUA, sizeof APP_LUA - 1);
    write_file("models.lua", MODELS_LUA, sizeof MODELS_LUA - 1);
    write_file("migrations/versions/" BASE "_init.lua", BASE_LUA, sizeof BASE_LUA - 1);
    if ((app_fd = open(".", O_RDONLY)) < 0 || fchdir(home_fd) != 0) abort();
    unsetenv("HOME");
    return 0;
}

/* [-0, +0, e] A shell on the app (as `ormsh --app DIR db ...` opens it), the
 * globals a revision file could harm the machine with removed, then the
 * command in the ormsh_opts at upvalue 1. */
static int run_command(lua_State *l)
{
    const ormsh_opts *o = lua_touserdata(l, lua_upvalueindex(1));
    luaL_openlibs(l);
    luaL_getsubtable(l, LUA_REGISTRYINDEX, LUA_PRELOAD_TABLE);
    lua_pushcfunction(l, luaopen_orm);
    lua_setfield(l, -2, "orm");
    lua_pop(l, 1);
    sh_open_exit(l);
    if ((status = app_open(l, o)) != SH_EXIT_OK) return 0;
    if (luaL_dostring(l, "io, os, debug, dofile, loadfile, require, package = nil") != LUA_OK)
        lua_error(l);
    if (o->command[0] == 'r') { /* "rows": Lua, not a db command */
        if (luaL_dostring(l, ROWS_LUA) != LUA_OK) lua_error(l);
        return 0;
    }
    status = cmd_db_run(l, o);
    return 0;
}

/* One command on a new shell: "rows" or a db command's arguments. Returns
 * its exit status (0 for "rows", whose errors are Lua errors). */
static int command(const char *const *args, int nargs)
{
    ormsh_opts o = {.progname = "ormsh",
                    .app = ".",
                    .command = "db",
                    .args = (const char **)args,
                    .nargs = nargs};
    if (strcmp(args[0], "rows") == 0) o.command = "rows";
    status = 0;
    lua_State *L = lua_newstate(cap_alloc, NULL);
    if (!L) abort();
    lua_pushlightuserdata(L, &o);
    lua_pushcclosure(L, run_command, 1);
    watch_start(L); /* the db commands' protected calls clear hooks: a budget would not hold */
    lua_pcall(L, 0, 0, 0);
    watch_stop();
    lua_sethook(L, NULL, 0, 0);
    app_close(L);
    lua_close(L);
    sh_exit_reset();
    return status;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (fchdir(app_fd) != 0) abort();
    write_file(FUZZ_FILE, (const char *)data, size);
    unlink("app.db");
    static const char *const history[] = {"history"}, *const check[] = {"check"},
                             *const base[] = {"upgrade", BASE}, *const rows[] = {"rows"},
                             *const dry[] = {"upgrade", "--dry-run"},
                             *const sql[] = {"upgrade", "--sql"}, *const up[] = {"upgrade"},
                             *const down[] = {"downgrade", BASE};
    /* A file that does not load (most mutations) fails every command at the
     * same place: history says so, and the other seven are not run. */
    if (command(history, 1) == 0) {
        command(check, 1);
        command(base, 2);
        command(rows, 1);
        command(dry, 2);
        command(sql, 2);
        command(up, 1);
        command(down, 2);
    }
    if (fchdir(home_fd) != 0) abort(); /* libFuzzer's corpus paths are relative */
    return 0;
}
