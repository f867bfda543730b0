/* shell.h — what the files of the ormsh program share: the parsed command
 * line, running Lua code under the shell's rules (exec.c), app loading
 * (app.c), printing values (print.c), the REPL (repl.c) and Tab completion
 * (complete.c). Stack effects follow the Lua manual's [-o, +p, x] notation. */
#ifndef ORMSH_SHELL_H
#define ORMSH_SHELL_H

#include <stdio.h>
#include <lua.h>

#define ORMSH_VERSION "0.1.0"

struct orm_conn;

/* Exit statuses (docs/reference.md). */
enum { SH_EXIT_OK = 0, SH_EXIT_FAIL = 1, SH_EXIT_USAGE = 2 };

typedef struct ormsh_opts {
    const char *progname;
    const char *app;      /* --app DIR, or NULL */
    const char *database; /* --database URL, or NULL */
    int echo;             /* --echo */
    int interactive;      /* -i */
    int sandbox;          /* --sandbox: nothing done survives the session */
    int read_only;        /* --read-only */
    const char **exprs;   /* each -e CODE, in order (owned array, borrowed strings) */
    int nexprs;
    const char **replicas; /* each --replica URL, in order (owned array, borrowed strings) */
    int nreplicas;
    const char *command; /* "shell", "run", "db" or NULL (none given) */
    const char **args;   /* the command's positional arguments (owned array) */
    int nargs;
} ormsh_opts;

/* ---- exec.c: protected calls, Ctrl-C, error lines, exit() ---- */
/* Installs the SIGINT handler (no SA_RESTART: a blocked read returns EINTR). */
void sh_signals_init(void);
/* lstate.c: a Lua state whose blocks come from size-class slabs (NULL on
 * out of memory), and its close (the slabs go with it). */
lua_State *sh_lstate_new(void);
void sh_lstate_close(lua_State *L);
/* 1 when a SIGINT arrived since the last call (and clears the flag). */
int sh_sigint_take(void);
/* The connection a Ctrl-C during a running statement interrupts (or NULL). */
void sh_set_conn(struct orm_conn *c);
/* [-(narg+1), +(nres|1), -] lua_pcall with Ctrl-C armed: the running
 * statement is interrupted and Lua code stops with "interrupted!". */
int sh_pcall(lua_State *L, int narg, int nres);
/* Error line styles for sh_report. */
enum { SH_ERR_PLAIN = 0, SH_ERR_WHERE = 1 };
/* [-1, +0, -] Prints the error value on top as one line on stderr (ORM error
 * values prefixed with their `where` under SH_ERR_WHERE; the failing SQL on a
 * second line when the db echoes) and pops it. An exit() request prints nothing. */
void sh_report(lua_State *L, int style);
/* Remembers the text of the input about to run (copied), so an error's hint
 * can quote the line of the call; NULL forgets it. */
void sh_set_source(const char *code);
/* [-0, +0, e] Defines the globals exit([code]) and quit([code]); typed bare
 * they print how to leave. */
void sh_open_exit(lua_State *L);
/* 1 when exit() was called; *code gets its status. */
int sh_exit_requested(int *code);
/* Forgets an exit() request (the REPL fuzz target runs many sessions' input
 * in one process). */
void sh_exit_reset(void);
/* [-1, +0, -] 1 when the value on top is exit()'s sentinel (pops it). */
int sh_is_exit(lua_State *L);

/* ---- app.c: finding and loading the app, the db handle ---- */
/* [-0, +0, e] Loads the app (or none) and connects db; defines the globals.
 * Returns 0, or SH_EXIT_FAIL after printing why. */
int app_open(lua_State *L, const ormsh_opts *o);
/* [-0, +1, -] Pushes the db handle (nil when none). */
void app_push_db(lua_State *L);
/* [-0, +1, -] Pushes the app directory, absolute (nil when there is no app). */
void app_push_dir(lua_State *L);
/* [-0, +0, -] Points Ctrl-C at the db's current connection. */
void app_arm_interrupt(lua_State *L);
/* [-0, +0, -] Ends an idle read transaction (after each REPL input). */
void app_end_idle(lua_State *L);
/* [-0, +0, e] Writes the banner to f. */
void app_banner(lua_State *L, FILE *f);
/* [-0, +0, -] The primary prompt: plain (">>> ") when nothing is pending
 * and the database is at the migrations head, else "bookstore[2 new,
 * 1 dirty]>>> " / "bookstore[behind head]>>> " (a static buffer). */
const char *app_prompt(lua_State *L, const char *plain);
/* [-0, +0, -] Rolls back what is uncommitted and says so on stderr. */
void app_close(lua_State *L);
/* [-0, +0, e] Defines the global reload(): reads the app's models again. */
void sh_open_reload(lua_State *L);

/* ---- print.c: values to text ---- */
/* [-0, +1, e] Pushes the shell's text for the value at idx (a repr). */
void sh_push_repr(lua_State *L, int idx);
/* lua_CFunction: prints its arguments tab-separated on stdout (nothing when
 * every argument is nil). */
int sh_print_values(lua_State *L);

/* ---- table_print.c: output modes, the output file, tables ---- */
enum { SH_MODE_LIST, SH_MODE_BOX, SH_MODE_CSV, SH_MODE_JSON };
/* Where values print: the .output file, else stdout. */
FILE *sh_out(void);
int sh_mode(void);
/* 0, or -1 when name is not list, box, csv or json. */
int sh_mode_set(const char *name);
const char *sh_mode_name(void);
/* Values go to path from now on ("stdout" or NULL: back to stdout); the
 * previous file is closed. 0, or -1 (errno set) when path cannot be opened. */
int sh_output_set(const char *path);
const char *sh_output_name(void);
/* The width tables are cut to: $COLUMNS, the terminal's, else 80. */
int sh_term_width(void);
/* [-0, +(0|2), e] When the value at idx is tabular (a Result, a Row, a
 * non-empty list, a model object) pushes its column names and its rows (each
 * a list of cell values) and returns 1; else pushes nothing, returns 0. */
int sh_push_grid(lua_State *L, int idx);
/* [-0, +(0|2), e] The same for a plain list of plain tables (records): the
 * columns are their string keys, sorted. */
int sh_push_records_grid(lua_State *L, int idx);
/* [-0, +0, e] Prints the grid at cols, cols + 1 in mode (box, csv, json) to f. */
void sh_print_grid(lua_State *L, int cols, int mode, FILE *f);
/* [-0, +0, e] In box, csv or json mode prints a tabular value at idx that
 * way and returns 1; else 0 (print it as usual). */
int sh_print_table(lua_State *L, int idx);
/* [-0, +0, e] Adds show() to queries: their rows as a box in any mode. */
void sh_open_show(lua_State *L);

/* ---- dotcmd.c: lines starting with "." ---- */
/* 1 when the line is a dot-command (its first non-blank character is "."). */
int dotcmd_is(const char *line);
/* [-0, +0, -] Runs the dot-command line; errors are reported on stderr. */
void dotcmd_run(lua_State *L, const char *line);
/* .timer: 1 when each input's time is to be printed. */
int dotcmd_timer(void);

/* ---- repl.c: the loop ---- */
/* [-0, +0, -] Runs the REPL: on the terminal with libedit when use_editline,
 * else replaying standard input line by line. Returns the exit status. */
int repl_run(lua_State *L, int use_editline);
/* [-0, +0, -] Runs code as one REPL input would (expression values printed),
 * for -e. Returns 0 or SH_EXIT_FAIL. */
int repl_do_string(lua_State *L, const char *code, const char *chunkname);

/* ---- complete.c: Tab completion ---- */
struct editline;
/* Binds Tab in el to completion from L's globals and values. */
void complete_install(struct editline *el, lua_State *L);
/* [-0, +1, e] A sorted list of the names completion offers after `v.`
 * (methods: after `v:`) for the value at idx. */
void sh_push_names(lua_State *L, int idx, int methods);

/* ---- help.c: help() ---- */
/* [-0, +0, e] Defines the global help([value]). */
void sh_open_help(lua_State *L);

#endif
