/* repl.c — the read-eval-print loop, shaped like lua.c: read a line (libedit
 * on a terminal, plain reads when replaying a transcript with -i), try it as
 * `return <line>;` so expressions print, else compile it as a statement,
 * asking for more with `... ` while the chunk is incomplete (its syntax error
 * ends at <eof>). After each input: print the values, end the idle read
 * transaction, keep the chunk in history once. Prompts go to stderr. */
#include <errno.h>
#include <locale.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <histedit.h>
#include <lauxlib.h>
#include <lua.h>

#include "shell.h"

#define PROMPT1 ">>> "
#define PROMPT2 "... "
#define CHUNKNAME "=stdin"
#define HISTORY_FILE ".ormsh_history"
#define HISTORY_SIZE 1000

enum { IN_OK, IN_EOF, IN_INTR, IN_EMPTY };

typedef struct reader {
    EditLine *el; /* NULL: plain reads from stdin */
    History *hist;
    char *histfile; /* NULL: no history kept */
    char *buf;      /* getline buffer (plain reads) */
    size_t cap;
} reader;

static const char *g_prompt = PROMPT1;

static char *prompt_fn(EditLine *el)
{
    (void)el;
    return (char *)g_prompt;
}

/* ---- history ---- */

static char *history_path(void)
{
    const char *home = getenv("HOME");
    if (!home || !*home) return NULL;
    size_t n = strlen(home) + sizeof HISTORY_FILE + 1;
    char *p = malloc(n);
    if (p) snprintf(p, n, "%s/%s", home, HISTORY_FILE);
    return p;
}

static void history_open(reader *r)
{
    HistEvent ev;
    r->hist = history_init();
    if (!r->hist) return;
    history(r->hist, &ev, H_SETSIZE, HISTORY_SIZE);
    history(r->hist, &ev, H_SETUNIQUE, 1);
    r->histfile = history_path();
    if (r->histfile) history(r->hist, &ev, H_LOAD, r->histfile);
}

/* Saved after every input, so a killed shell keeps what it was given. */
static void history_add(reader *r, const char *chunk)
{
    HistEvent ev;
    if (!r->hist || !*chunk) return;
    history(r->hist, &ev, H_ENTER, chunk);
    if (r->histfile && history(r->hist, &ev, H_SAVE, r->histfile) >= 0) chmod(r->histfile, 0600);
}

/* ---- reading lines ---- */

static void reader_open(reader *r, lua_State *L, int use_editline)
{
    memset(r, 0, sizeof *r);
    if (!use_editline) return;
    setlocale(LC_CTYPE, "");
    history_open(r);
    r->el = el_init("ormsh", stdin, stderr, stderr);
    if (!r->el) return;
    el_set(r->el, EL_EDITOR, "emacs");
    el_set(r->el, EL_SIGNAL, 1);
    el_set(r->el, EL_PROMPT, prompt_fn);
    if (r->hist) el_set(r->el, EL_HIST, history, r->hist);
    complete_install(r->el, L);
    el_source(r->el, NULL);
}

static void reader_close(reader *r)
{
    if (r->el) el_end(r->el);
    if (r->hist) history_end(r->hist);
    free(r->histfile);
    free(r->buf);
}

static int read_editline(reader *r, const char **line, size_t *len)
{
    int count = 0;
    sh_sigint_take();
    const char *s = el_gets(r->el, &count);
    if (sh_sigint_take()) return IN_INTR;
    if (!s || count <= 0) return IN_EOF;
    *line = s;
    *len = (size_t)count;
    return IN_OK;
}

static int read_plain(reader *r, const char **line, size_t *len)
{
    fputs(g_prompt, stderr);
    fflush(stderr);
    errno = 0;
    ssize_t n = getline(&r->buf, &r->cap, stdin);
    if (n < 0) {
        int intr = errno == EINTR || sh_sigint_take();
        clearerr(stdin);
        return intr ? IN_INTR : IN_EOF;
    }
    *line = r->buf;
    *len = (size_t)n;
    return IN_OK;
}

/* [-0, +1, m] Reads one line (without its newline) as a Lua string. */
static int push_line(lua_State *L, reader *r, const char *prompt)
{
    const char *s = NULL;
    size_t len = 0;
    g_prompt = prompt;
    int rc = r->el ? read_editline(r, &s, &len) : read_plain(r, &s, &len);
    if (rc != IN_OK) return rc;
    while (len > 0 && (s[len - 1] == '\n' || s[len - 1] == '\r'))
        len--;
    lua_pushlstring(L, s, len);
    return IN_OK;
}

/* ---- compiling an input ---- */

static int is_blank(const char *s)
{
    for (; *s; s++)
        if (*s != ' ' && *s != '\t') return 0;
    return 1;
}

/* [-0, +1, -] Compiles `return <line>;` for the line on top: pushes the
 * function on success, nothing on failure. */
static int add_return(lua_State *L, const char *chunkname)
{
    const char *ret = lua_pushfstring(L, "return %s;", lua_tostring(L, -1));
    int status = luaL_loadbuffer(L, ret, strlen(ret), chunkname);
    if (status == LUA_OK)
        lua_remove(L, -2);
    else
        lua_pop(L, 2);
    return status;
}

/* 1 when the load status/message on top says the chunk just needs more. */
static int incomplete(lua_State *L, int status)
{
    static const char mark[] = "<eof>";
    size_t len;
    if (status != LUA_ERRSYNTAX) return 0;
    const char *msg = lua_tolstring(L, -1, &len);
    return len >= sizeof mark - 1 && strcmp(msg + len - (sizeof mark - 1), mark) == 0;
}

/* [-1, +1, -] Compiles the chunk on top, reading continuation lines while
 * it is incomplete; replaces it with the function or the syntax error. */
static int load_chunk(lua_State *L, reader *r, int *status)
{
    for (;;) {
        size_t len;
        const char *chunk = lua_tolstring(L, -1, &len);
        *status = luaL_loadbuffer(L, chunk, len, CHUNKNAME);
        if (!incomplete(L, *status)) break;
        int rc = push_line(L, r, PROMPT2);
        if (rc == IN_INTR) {
            lua_pop(L, 2);
            return IN_INTR;
        }
        if (rc == IN_EOF) { /* report the incomplete chunk's error */
            if (r->el) fputc('\n', stderr);
            break;
        }
        lua_remove(L, -2); /* the error message */
        lua_pushliteral(L, "\n");
        lua_insert(L, -2);
        lua_concat(L, 3);
    }
    history_add(r, lua_tostring(L, -2));
    sh_set_source(lua_tostring(L, -2));
    lua_remove(L, -2);
    return IN_OK;
}

/* [-0, +1, -] Reads and compiles one input. */
static int load_input(lua_State *L, reader *r, int *status)
{
    int rc = push_line(L, r, app_prompt(L, PROMPT1));
    if (rc != IN_OK) return rc;
    if (is_blank(lua_tostring(L, -1))) {
        lua_pop(L, 1);
        return IN_EMPTY;
    }
    if (dotcmd_is(lua_tostring(L, -1))) { /* never Lua */
        history_add(r, lua_tostring(L, -1));
        dotcmd_run(L, lua_tostring(L, -1));
        lua_pop(L, 1);
        return IN_EMPTY;
    }
    if ((*status = add_return(L, CHUNKNAME)) == LUA_OK) {
        history_add(r, lua_tostring(L, -2));
        sh_set_source(lua_tostring(L, -2));
        lua_remove(L, -2);
        return IN_OK;
    }
    return load_chunk(L, r, status);
}

/* ---- running an input ---- */

/* [-n, +0, -] Prints the n values on top (setting `_` to the first). */
static void print_results(lua_State *L, int n)
{
    if (n <= 0) return;
    int first = lua_gettop(L) - n + 1;
    if (!lua_isnil(L, first)) { /* raw: a strict _G must not end the REPL */
        lua_pushglobaltable(L);
        lua_pushliteral(L, "_");
        lua_pushvalue(L, first);
        lua_rawset(L, -3);
        lua_pop(L, 1);
    }
    lua_pushcfunction(L, sh_print_values);
    lua_insert(L, first);
    if (sh_pcall(L, n, 0) != LUA_OK) sh_report(L, SH_ERR_PLAIN);
}

/* [-1, +0, -] Runs the function on top and prints what it returns. */
static int run_input(lua_State *L, int style)
{
    int base = lua_gettop(L) - 1;
    app_arm_interrupt(L);
    int status = sh_pcall(L, 0, LUA_MULTRET);
    if (sh_sigint_take() && isatty(STDERR_FILENO)) fputc('\n', stderr); /* after the ^C echo */
    if (status == LUA_OK)
        print_results(L, lua_gettop(L) - base);
    else
        sh_report(L, style);
    fflush(stdout);
    lua_settop(L, base);
    return status;
}

/* [-1, +0, -] run_input, and its time on stderr under .timer on. */
static void timed_run(lua_State *L)
{
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    run_input(L, SH_ERR_PLAIN);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    if (dotcmd_timer()) {
        double s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
        fflush(stdout);
        fprintf(stderr, "Run Time: %.6f s\n", s);
    }
}

int repl_run(lua_State *L, int use_editline)
{
    reader r;
    int code = SH_EXIT_OK, status = LUA_OK, rc;
    reader_open(&r, L, use_editline);
    while ((rc = load_input(L, &r, &status)) != IN_EOF) {
        if (rc == IN_INTR) fputs("\n", stderr);
        if (rc != IN_OK) continue;
        if (status == LUA_OK)
            timed_run(L);
        else
            sh_report(L, SH_ERR_PLAIN);
        app_end_idle(L);
        if (sh_exit_requested(&code)) break;
    }
    if (rc == IN_EOF || !r.el) fputs("\n", stderr); /* end the last prompt's line */
    reader_close(&r);
    return code;
}

int repl_do_string(lua_State *L, const char *code, const char *chunkname)
{
    lua_pushstring(L, code);
    sh_set_source(code);
    int status = add_return(L, chunkname);
    if (status != LUA_OK) status = luaL_loadbuffer(L, code, strlen(code), chunkname);
    lua_remove(L, -2);
    if (status != LUA_OK) {
        sh_report(L, SH_ERR_WHERE);
        return SH_EXIT_FAIL;
    }
    return run_input(L, SH_ERR_WHERE) == LUA_OK ? SH_EXIT_OK : SH_EXIT_FAIL;
}
