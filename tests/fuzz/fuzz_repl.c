/* fuzz_repl.c — libFuzzer target: what a user types at the REPL. Each input
 * is a run of lines fed on standard input to the real loop (repl.c): Lua
 * lines with `return` tried first, continuation lines, dot-commands, help(),
 * show(), exit() and the printing of results in every output mode, on an
 * in-memory SQLite database with two models (one shell for SHELL_INPUTS
 * inputs in a row, see below).
 * Errors are expected and printed; crashes, sanitizer reports and leaks are
 * findings. Run it with -close_fd_mask=3 (the
 * shell's output goes to /dev/null) and an absolute -artifact_prefix (inputs
 * run in a temporary directory, where .output files land), as make fuzz
 * does. A CPU-time watch (half a second) and a memory cap bound runaway code; io, os
 * and debug are not there, and a dot-command naming a path ('/') is not run. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <fcntl.h>

#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>

#include "capped_lua.h"
#include "orm_lua.h"
#include "shell.h"

static int home_fd = -1, tmp_fd = -1; /* the working directory, and the one inputs run in */
static int reset_ref;                 /* SETUP's reset function, in the registry */

/* [-0, +0, e] The REPL over standard input, in a protected call as main.c
 * runs it (an error the loop does not catch ends it, as it ends ormsh). */
static int run_repl(lua_State *l)
{
    repl_run(l, 0);
    return 0;
}

static const char SETUP[] =
    "Author = db.Model('Author', { id = db.Column(db.Integer, { primary_key = true }),\n"
    "  name = db.Column(db.String(20), { nullable = false, unique = true }),\n"
    "  score = db.Column(db.Float), born = db.Column(db.Date), data = db.Column(db.JSON),\n"
    "  books = db.relationship('Book', { backref = 'author', cascade = 'all, delete-orphan' }) })\n"
    "Book = db.Model('Book', { id = db.Column(db.Integer, { primary_key = true }),\n"
    "  title = db.Column(db.String(30)), author_id = db.Column(db.Integer, "
    "db.ForeignKey('author.id')) })\n"
    "db.create_all()\n"
    "io, os, debug, dofile, loadfile, require = nil, nil, nil, nil, nil, nil\n"
    "local db, pcall, Author = db, pcall, Author\n"
    "return function()\n" /* each input's start, whatever the last one did to globals */
    "  pcall(function() db.session:rollback()\n"
    "    db.session:execute(db.text('DELETE FROM book'))\n"
    "    db.session:execute(db.text('DELETE FROM author'))\n"
    "    db.session:add_all{ Author{ name = 'Ann', score = 1.5 }, Author{ name = 'Bob' } }\n"
    "    db.session:commit() end)\n"
    "end\n";

/* [-0, +0, e] The shell as `ormsh --database sqlite:// shell` sets it up. */
static int open_shell(lua_State *l)
{
    static const ormsh_opts opts = {.progname = "ormsh", .database = "sqlite://", .interactive = 1};
    luaL_openlibs(l);
    luaL_getsubtable(l, LUA_REGISTRYINDEX, LUA_PRELOAD_TABLE);
    lua_pushcfunction(l, luaopen_orm);
    lua_setfield(l, -2, "orm");
    lua_pop(l, 1);
    sh_open_exit(l);
    sh_open_help(l);
    sh_open_reload(l);
    if (app_open(l, &opts) != SH_EXIT_OK) luaL_error(l, "app_open failed");
    sh_open_show(l);
    if (luaL_dostring(l, SETUP) != LUA_OK) lua_error(l);
    reset_ref = luaL_ref(l, LUA_REGISTRYINDEX);
    return 0;
}

/* One shell serves SHELL_INPUTS inputs in a row (opening one costs more
 * than most inputs do to run): each input starts on a rolled-back session
 * and tables holding the two authors only, with the output mode, output file
 * and exit request reset; globals an input
 * changed stay until the shell is renewed. A finding that does not replay
 * alone on a fresh shell needs the inputs before it (libFuzzer's -runs with
 * the corpus in order). */
#define SHELL_INPUTS 64
static lua_State *L;
static unsigned uses;

static void close_shell(void)
{
    app_close(L);
    lua_close(L);
    L = NULL;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    char dir[] = "/tmp/ormsh-fuzz-repl-XXXXXX";
    if (!mkdtemp(dir) || (home_fd = open(".", O_RDONLY)) < 0 || (tmp_fd = open(dir, O_RDONLY)) < 0)
        abort();
    unsetenv("HOME"); /* no history file */
    return 0;
}

/* 1 when a line of the input is a dot-command naming a path: .read and
 * .output would reach files outside the temporary directory. */
static int names_path(const char *text)
{
    for (const char *line = text; line; line = strchr(line, '\n')) {
        if (*line == '\n') line++;
        line += strspn(line, " \t");
        size_t len = strcspn(line, "\n");
        if (*line == '.' && memchr(line, '/', len)) return 1;
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (!text) return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    if (names_path(text) || !size) {
        free(text);
        return 0;
    }
    FILE *in = fmemopen(text, size, "r");
    if (!in) {
        free(text);
        return 0;
    }
    if (L && ++uses % SHELL_INPUTS == 0) close_shell();
    if (!L) {
        L = lua_newstate(cap_alloc, NULL);
        if (!L) abort();
        lua_pushcfunction(L, open_shell);
        if (lua_pcall(L, 0, 0, 0) != LUA_OK) {
            fprintf(stderr, "fuzz_repl: %s\n", lua_tostring(L, -1));
            abort();
        }
    }
    /* each input starts from a settled session, the two authors and no book */
    lua_rawgeti(L, LUA_REGISTRYINDEX, reset_ref);
    if (lua_pcall(L, 0, 0, 0) != LUA_OK) lua_settop(L, 0);
    FILE *saved = stdin;
    stdin = in;
    watch_start(L); /* the REPL clears hooks: a budget would not hold */
    if (fchdir(tmp_fd) != 0) abort();
    lua_pushcfunction(L, run_repl);
    lua_pcall(L, 0, 0, 0);
    if (fchdir(home_fd) != 0) abort(); /* libFuzzer's corpus paths are relative */
    watch_stop();
    lua_sethook(L, NULL, 0, 0);
    stdin = saved;
    fclose(in);
    free(text);
    lua_settop(L, 0);
    sh_exit_reset();
    sh_mode_set("list");
    sh_output_set(NULL);
    return 0;
}
