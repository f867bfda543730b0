/* exec.c — running Lua code on the shell's behalf: protected calls with
 * Ctrl-C armed (as lua.c's laction, plus interrupting the running SQL
 * statement), one-line error reports, the exit() global, and the userdata
 * boxes that keep C resources safe across a raise. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <lua.h>

#include "driver.h"
#include "orm_lua.h"
#include "shell.h"

static volatile sig_atomic_t g_sigint;  /* a SIGINT arrived (cleared by sh_sigint_take) */
static volatile sig_atomic_t g_nsigint; /* SIGINTs during the current call */
static lua_State *volatile g_running;   /* set while Lua code runs */
static struct orm_conn *volatile g_conn;
static int g_exit_requested, g_exit_code;
static const char EXIT_SENTINEL = 'x'; /* its address marks exit()'s error value */

/* The hook a Ctrl-C arms: stops Lua code at its next instruction. */
static void stop_hook(lua_State *L, lua_Debug *ar)
{
    (void)ar;
    lua_sethook(L, NULL, 0, 0);
    luaL_error(L, "interrupted!");
}

/* Only async-signal-safe work: flags, lua_sethook, orm_conn_interrupt. A
 * third Ctrl-C during one call restores the default action (C code stuck). */
static void on_sigint(int sig)
{
    lua_State *L = g_running;
    g_sigint = 1;
    if (!L) return;
    if (++g_nsigint >= 3) {
        signal(sig, SIG_DFL);
        raise(sig);
        return;
    }
    lua_sethook(L, stop_hook, LUA_MASKCOUNT, 1);
    if (g_conn) orm_conn_interrupt(g_conn);
}

void sh_signals_init(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sigint;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0;
    sigaction(SIGINT, &sa, NULL);
}

int sh_sigint_take(void)
{
    int s = g_sigint;
    g_sigint = 0;
    return s;
}

void sh_set_conn(struct orm_conn *c)
{
    g_conn = c;
}

/* The text of the input being run (REPL line or -e code), for hints. */
static char *g_source;

void sh_set_source(const char *code)
{
    free(g_source);
    g_source = code ? strdup(code) : NULL;
}

/* Line `n` (1-based) of text into buf; NULL when there is none. */
static const char *nth_line(const char *text, int n, char *buf, size_t size)
{
    for (int i = 1; text && i < n; i++) {
        text = strchr(text, '\n');
        if (text) text++;
    }
    if (!text || size == 0) return NULL;
    size_t len = strcspn(text, "\n");
    if (len >= size) len = size - 1;
    memcpy(buf, text, len);
    buf[len] = '\0';
    return buf;
}

/* Line `n` of the file `path` into buf; NULL when unreadable. */
static const char *file_line(const char *path, int n, char *buf, size_t size)
{
    FILE *f = fopen(path, "r");
    const char *line = NULL;
    if (!f) return NULL;
    for (int i = 1; fgets(buf, (int)size, f); i++) {
        if (i == n) {
            buf[strcspn(buf, "\n")] = '\0';
            line = buf;
            break;
        }
    }
    fclose(f);
    return line;
}

/* lua_pcall's message handler: an error on the stack where it happened gets
 * its teaching hint (orm_lua_hint), given the source line of the call that
 * failed (level 2: the caller of the function that raised). */
static int msgh(lua_State *L)
{
    lua_Debug ar;
    char buf[1024];
    const char *line = NULL;
    if (lua_getstack(L, 2, &ar) && lua_getinfo(L, "Sl", &ar) && ar.currentline > 0) {
        if (ar.source[0] == '@')
            line = file_line(ar.source + 1, ar.currentline, buf, sizeof buf);
        else
            line = nth_line(g_source, ar.currentline, buf, sizeof buf);
    }
    orm_lua_hint(L, line);
    return 1;
}

int sh_pcall(lua_State *L, int narg, int nres)
{
    int status, base = lua_gettop(L) - narg;
    lua_sethook(L, NULL, 0, 0);
    lua_pushcfunction(L, msgh);
    lua_insert(L, base);
    g_sigint = 0;
    g_nsigint = 0;
    if (g_conn) orm_conn_interrupt_reset(g_conn); /* a Ctrl-C of earlier code */
    g_running = L;
    status = lua_pcall(L, narg, nres, base);
    g_running = NULL;
    lua_sethook(L, NULL, 0, 0); /* a Ctrl-C that came too late to fire */
    lua_remove(L, base);
    return status;
}

/* ---- error lines ---- */

/* [-0, +1, -] `where` of an ORM error table ("" if none). */
static const char *error_where(lua_State *L, int idx)
{
    if (lua_type(L, idx) != LUA_TTABLE) {
        lua_pushliteral(L, "");
    } else {
        lua_pushliteral(L, "where");
        lua_rawget(L, idx);
        if (lua_type(L, -1) != LUA_TSTRING) {
            lua_pop(L, 1);
            lua_pushliteral(L, "");
        }
    }
    return lua_tostring(L, -1);
}

/* [-0, +1, e] The SQL of an ORM error when the db echoes, else nil. */
static void error_sql(lua_State *L, int idx)
{
    app_push_db(L);
    if (lua_isnil(L, -1) || lua_type(L, idx) != LUA_TTABLE) {
        lua_pop(L, 1);
        lua_pushnil(L);
        return;
    }
    lua_getfield(L, -1, "echo");
    int echo = lua_toboolean(L, -1);
    lua_pop(L, 2);
    lua_pushliteral(L, "sql");
    lua_rawget(L, idx);
    if (!echo || lua_type(L, -1) != LUA_TSTRING) {
        lua_pop(L, 1);
        lua_pushnil(L);
    }
}

/* lua_CFunction (err, style) -> the error's text. */
static int format_error(lua_State *L)
{
    int style = (int)lua_tointeger(L, 2);
    if (lua_type(L, 1) == LUA_TSTRING && strcmp(lua_tostring(L, 1), "not enough memory") == 0) {
        lua_pushliteral(L, "OperationalError: out of memory"); /* Lua's own (LUA_ERRMEM) */
        return 1;
    }
    if (lua_type(L, 1) == LUA_TSTRING || lua_type(L, 1) == LUA_TNUMBER) {
        lua_pushstring(L, lua_tostring(L, 1));
        return 1;
    }
    if (luaL_getmetafield(L, 1, "__tostring") == LUA_TNIL) {
        lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, 1));
        return 1;
    }
    lua_pop(L, 1);
    const char *where = error_where(L, 1); /* 3 */
    error_sql(L, 1);                       /* 4 */
    luaL_tolstring(L, 1, NULL);            /* 5 */
    if (style == SH_ERR_WHERE && *where) { /* luaL_where ends with a space; not all do */
        size_t n = strlen(where);
        while (n > 0 && where[n - 1] == ' ')
            n--;
        lua_pushfstring(L, "%s %s", lua_pushlstring(L, where, n), lua_tostring(L, 5));
    }
    if (!lua_isnil(L, 4))
        lua_pushfstring(L, "%s\n[SQL: %s]", lua_tostring(L, -1), lua_tostring(L, 4));
    return 1;
}

void sh_report(lua_State *L, int style)
{
    if (lua_touserdata(L, -1) == &EXIT_SENTINEL) {
        lua_pop(L, 1);
        return;
    }
    fflush(stdout);
    lua_pushcfunction(L, format_error);
    lua_insert(L, -2);
    lua_pushinteger(L, style);
    int st = lua_pcall(L, 2, 1, 0);
    if (st == LUA_ERRMEM) {
        fputs("OperationalError: out of memory\n", stderr);
    } else if (st != LUA_OK || lua_type(L, -1) != LUA_TSTRING) {
        fprintf(stderr, "ormsh: (error while formatting an error)\n");
    } else {
        fprintf(stderr, "%s\n", lua_tostring(L, -1));
    }
    fflush(stderr);
    lua_pop(L, 1);
}

/* ---- exit() ---- */

/* exit([code]): leaves the shell (or script) after this input; code as
 * os.exit takes it (true/none = 0, false = 1, or a number). */
static int l_exit(lua_State *L)
{
    int code = 0;
    if (lua_isboolean(L, 1))
        code = lua_toboolean(L, 1) ? 0 : 1;
    else
        code = (int)luaL_optinteger(L, 1, 0);
    g_exit_requested = 1;
    g_exit_code = code;
    lua_pushlightuserdata(L, (void *)&EXIT_SENTINEL);
    return lua_error(L);
}

/* __call of exit and quit: leave. */
static int exit_call(lua_State *L)
{
    lua_remove(L, 1);
    return l_exit(L);
}

/* __tostring of exit and quit: typed bare at the prompt, say how to leave. */
static int exit_tostring(lua_State *L)
{
    lua_pushliteral(L, "Use exit() or Ctrl-D (i.e. EOF) to exit");
    return 1;
}

void sh_open_exit(lua_State *L)
{
    /* a callable table, so that `exit` typed bare prints how to leave */
    lua_newtable(L);
    lua_createtable(L, 0, 3);
    lua_pushcfunction(L, exit_call);
    lua_setfield(L, -2, "__call");
    lua_pushcfunction(L, exit_tostring);
    lua_setfield(L, -2, "__tostring");
    lua_pushliteral(L, "exit");
    lua_setfield(L, -2, "__name");
    lua_setmetatable(L, -2);
    lua_pushvalue(L, -1);
    lua_setglobal(L, "exit");
    lua_setglobal(L, "quit");
}

int sh_exit_requested(int *code)
{
    if (g_exit_requested && code) *code = g_exit_code;
    return g_exit_requested;
}

void sh_exit_reset(void)
{
    g_exit_requested = 0;
    g_exit_code = 0;
}

int sh_is_exit(lua_State *L)
{
    int is = lua_touserdata(L, -1) == &EXIT_SENTINEL;
    if (is) lua_pop(L, 1);
    return is;
}
