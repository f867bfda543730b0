/* main.c — the ormsh command line (docs/reference.md): global options anywhere before
 * or after the command's arguments (`--` ends them), the commands `shell`
 * (default), `run FILE [ARGS]` and `db ...`, -e CODE, and the exit statuses
 * (0 success, 1 failure, 2 bad usage). Everything runs inside one protected
 * call, as lua.c's pmain. */
#include <malloc.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>

#include "cmd_db.h"
#include "orm_lua.h"
#include "shell.h"

#define SH_GC_PAUSE 400 /* percent; see main() */

static const char USAGE[] = "usage: ormsh [GLOBAL OPTIONS] [COMMAND] [ARGS]\n";

static const char HELP[] =
    "ormsh " ORMSH_VERSION " - an interactive ORM shell\n"
    "\n"
    "usage: ormsh [GLOBAL OPTIONS] [COMMAND] [ARGS]\n"
    "\n"
    "COMMAND\n"
    "  shell [--sandbox]          interactive REPL (the default when no command is given);\n"
    "                             --sandbox: nothing done in the session survives it\n"
    "  run FILE.lua [ARGS...]     run a script in the app context; ARGS in the global `arg`;\n"
    "                             FILE may be a pipe, or `-` for standard input\n"
    "  db init                    create migrations/ (with versions/) in the app directory\n"
    "  db migrate -m MESSAGE      autogenerate a revision from the difference models vs database\n"
    "  db revision -m MESSAGE     an empty revision to fill by hand (data migrations)\n"
    "  db upgrade [REV]           apply revisions up to REV (default: head)\n"
    "  db downgrade [REV]         revert to REV (default: one step back, \"-1\"); \"base\" reverts "
    "all\n"
    "                             (upgrade and downgrade take --sql: print the SQL, change "
    "nothing;\n"
    "                             --dry-run: count the data the steps would destroy; --force: "
    "run\n"
    "                             steps that destroy data, which they refuse otherwise)\n"
    "  db current | history | heads | show REV | stamp REV | merge -m MESSAGE REV REV\n"
    "  db check                   exit 1 and list each difference when models and database "
    "disagree\n"
    "  db seed [FILE] | dump [-o FILE] | load FILE   seed scripts (seeds.lua, one transaction,\n"
    "                             --dry-run) and JSON fixtures (dump --tables t1,t2; load "
    "--replace)\n"
    "\n"
    "GLOBAL OPTIONS\n"
    "  --app DIR        the app directory (default: $ORMSH_APP, else the current directory)\n"
    "  --database URL   overrides the app's database (default: $DATABASE_URL, then app.lua)\n"
    "  --echo           print every SQL statement and its parameters as it runs\n"
    "  --replica URL    a read replica (repeatable)\n"
    "  --read-only      refuse every write: the database is opened read-only where the backend\n"
    "                   can (SQLite mode=ro; a read-only transaction on servers), and a flush,\n"
    "                   bulk change, DDL or raw write raises db.OperationalError naming the mode\n"
    "  -e CODE          run CODE in the app context and exit\n"
    "  -i               the interactive REPL even when standard input is not a terminal\n"
    "  --version        print the version and exit\n"
    "  --help           print this help and exit\n"
    "\n"
    "Options may stand before or after a command's arguments; `--` ends them.\n"
    "Exit status: 0 success, 1 a failed command or an uncaught script error, 2 bad usage.\n";

static int usage_error(const char *fmt, ...)
{
    va_list ap;
    fputs("ormsh: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\n%sTry 'ormsh --help' for more information.\n", USAGE);
    return SH_EXIT_USAGE;
}

/* The value of an option: `--opt=VALUE`, `-eVALUE` or the next argument.
 * Returns NULL when it is missing. */
static const char *option_value(int argc, char **argv, int *i, size_t namelen)
{
    const char *a = argv[*i];
    if (a[namelen] == '=') return a + namelen + 1;
    if (a[namelen] != '\0' && a[1] != '-') return a + namelen; /* -eCODE */
    if (*i + 1 >= argc) return NULL;
    return argv[++*i];
}

static int is_option(const char *a, const char *name)
{
    size_t n = strlen(name);
    return strncmp(a, name, n) == 0 && (a[n] == '\0' || a[n] == '=' || (name[1] != '-'));
}

/* Stores the value of the option at argv[*i] (name namelen long) in *out.
 * Returns -1, or the usage error's status when the value is missing. */
static int take_value(int argc, char **argv, int *i, size_t namelen, const char **out)
{
    if ((*out = option_value(argc, argv, i, namelen))) return -1;
    return usage_error("option '%.*s' needs a value", (int)namelen, argv[*i]);
}

/* One option at argv[*i]. Returns -1 to go on, else an exit status. */
static int parse_option(int argc, char **argv, int *i, ormsh_opts *o)
{
    const char *a = argv[*i];
    if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
        fputs(HELP, stdout);
        return SH_EXIT_OK;
    }
    if (strcmp(a, "--version") == 0) {
        printf("ormsh %s (%s)\n", ORMSH_VERSION, LUA_RELEASE);
        return SH_EXIT_OK;
    }
    if (strcmp(a, "--echo") == 0) {
        o->echo = 1;
        return -1;
    }
    if (strcmp(a, "--read-only") == 0) {
        o->read_only = 1;
        return -1;
    }
    if (strcmp(a, "-i") == 0) {
        o->interactive = 1;
        return -1;
    }
    if (strcmp(a, "--sandbox") == 0 && !(o->command && strcmp(o->command, "db") == 0)) {
        o->sandbox = 1; /* `shell --sandbox`, and with -i / -e */
        return -1;
    }
    if (is_option(a, "--app")) return take_value(argc, argv, i, strlen("--app"), &o->app);
    if (is_option(a, "--database"))
        return take_value(argc, argv, i, strlen("--database"), &o->database);
    if (is_option(a, "--replica")) {
        int rc = take_value(argc, argv, i, strlen("--replica"), &o->replicas[o->nreplicas]);
        if (rc < 0) o->nreplicas++;
        return rc;
    }
    if (is_option(a, "-e")) {
        int rc = take_value(argc, argv, i, strlen("-e"), &o->exprs[o->nexprs]);
        if (rc < 0) o->nexprs++;
        return rc;
    }
    if (o->command && strcmp(o->command, "db") == 0) {
        o->args[o->nargs++] = a; /* the db commands' own options (--sql, -m) */
        return -1;
    }
    return usage_error("unknown option '%s'", a);
}

/* A positional argument: the command, then its arguments. */
static int parse_positional(const char *a, ormsh_opts *o)
{
    if (o->command) {
        o->args[o->nargs++] = a;
        return -1;
    }
    if (strcmp(a, "shell") && strcmp(a, "run") && strcmp(a, "db"))
        return usage_error("unknown command '%s'", a);
    o->command = a;
    return -1;
}

static int check_command(const ormsh_opts *o)
{
    if (o->sandbox && o->read_only)
        return usage_error("--sandbox and --read-only do not go together (a sandbox writes)");
    if (!o->command) return -1;
    if (strcmp(o->command, "run") == 0 && o->nargs < 1)
        return usage_error("'run' needs a script: ormsh run FILE.lua [ARGS...]");
    if (o->sandbox && strcmp(o->command, "db") == 0)
        return usage_error("--sandbox is for the shell, -e, -i and run, not 'db'");
    if (strcmp(o->command, "shell") == 0 && o->nargs > 0)
        return usage_error("'shell' takes no arguments (got '%s')", o->args[0]);
    return -1;
}

/* Returns -1 when the command line is fine, else the exit status. */
static int parse_args(int argc, char **argv, ormsh_opts *o)
{
    int rc, positional_only = 0;
    memset(o, 0, sizeof *o);
    o->progname = argv[0] ? argv[0] : "ormsh";
    o->exprs = calloc((size_t)argc + 1, sizeof *o->exprs);
    o->args = calloc((size_t)argc + 1, sizeof *o->args);
    o->replicas = calloc((size_t)argc + 1, sizeof *o->replicas);
    if (!o->exprs || !o->args || !o->replicas) {
        fputs("ormsh: out of memory\n", stderr);
        return SH_EXIT_FAIL;
    }
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!positional_only && strcmp(a, "--") == 0)
            positional_only = 1;
        else if (!positional_only && a[0] == '-' && a[1] != '\0')
            rc = parse_option(argc, argv, &i, o);
        else
            rc = parse_positional(a, o);
        if (rc >= 0) return rc;
        rc = -1;
    }
    return check_command(o);
}

/* [-0, +0, e] The global `arg`: arg[0] the script, arg[1..] its arguments. */
static void create_arg_table(lua_State *L, const ormsh_opts *o, int is_run)
{
    lua_createtable(L, o->nargs, 2);
    lua_pushstring(L, o->progname);
    lua_rawseti(L, -2, is_run ? -1 : 0);
    for (int i = 0; is_run && i < o->nargs; i++) {
        lua_pushstring(L, o->args[i]);
        lua_rawseti(L, -2, i);
    }
    lua_setglobal(L, "arg");
}

/* [-0, +0, -] Runs a script file ("-": standard input) with its arguments as `...`. */
static int run_script(lua_State *L, const char *file, const char **args, int nargs)
{
    int status = luaL_loadfile(L, strcmp(file, "-") == 0 ? NULL : file);
    if (status != LUA_OK) {
        if (status == LUA_ERRFILE) {
            lua_pushfstring(L, "ormsh: %s", lua_tostring(L, -1));
            lua_remove(L, -2);
        }
        sh_report(L, SH_ERR_WHERE);
        return SH_EXIT_FAIL;
    }
    luaL_checkstack(L, nargs, "too many script arguments");
    for (int i = 0; i < nargs; i++)
        lua_pushstring(L, args[i]);
    app_arm_interrupt(L);
    status = sh_pcall(L, nargs, 0);
    if (status != LUA_OK) {
        sh_report(L, SH_ERR_WHERE);
        return SH_EXIT_FAIL;
    }
    return SH_EXIT_OK;
}

static int is_command(const ormsh_opts *o, const char *name)
{
    return o->command && strcmp(o->command, name) == 0;
}

/* After the app is open: -e, then the command. */
static int dispatch(lua_State *L, const ormsh_opts *o)
{
    int code = SH_EXIT_OK;
    sh_open_show(L); /* q:show() in -e code and scripts too, not only at the prompt */
    for (int i = 0; i < o->nexprs; i++) {
        int rc = repl_do_string(L, o->exprs[i], "=(command line)");
        if (sh_exit_requested(&code)) return code;
        if (rc != SH_EXIT_OK) return rc;
    }
    if (is_command(o, "db")) return cmd_db_run(L, o);
    if (is_command(o, "run")) {
        int rc = run_script(L, o->args[0], o->args + 1, o->nargs - 1);
        return sh_exit_requested(&code) ? code : rc;
    }
    if (!is_command(o, "shell") && o->nexprs > 0 && !o->interactive) return SH_EXIT_OK;
    int tty = isatty(STDIN_FILENO);
    if (!tty && !o->interactive) {
        int rc = run_script(L, "-", NULL, 0);
        return sh_exit_requested(&code) ? code : rc;
    }
    app_banner(L, stderr);
    return repl_run(L, tty);
}

static int pmain(lua_State *L)
{
    const ormsh_opts *o = lua_touserdata(L, 1);
    luaL_openlibs(L);
    luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_PRELOAD_TABLE);
    lua_pushcfunction(L, luaopen_orm);
    lua_setfield(L, -2, "orm");
    lua_pop(L, 1);
    create_arg_table(L, o, is_command(o, "run"));
    sh_open_exit(L);
    sh_open_help(L);
    sh_open_reload(L);
    int rc = app_open(L, o);
    if (rc == SH_EXIT_OK) rc = dispatch(L, o);
    lua_pushinteger(L, rc);
    return 1;
}

int main(int argc, char **argv)
{
    /* A session allocates and frees in waves (a load, a flush, a reflection):
     * glibc would hand the heap's top back to the kernel after each wave
     * over 128 KiB and fault it in again on the next (brk and page faults
     * were three quarters of a fault-injection test's time). Keep up to
     * 32 MiB of freed top; blocks over 4 MiB still get their own mapping. */
    mallopt(M_TRIM_THRESHOLD, 32 << 20);
    mallopt(M_MMAP_THRESHOLD, 4 << 20);
    ormsh_opts o;
    int rc = parse_args(argc, argv, &o);
    if (rc < 0 && is_command(&o, "db")) rc = cmd_db_usage(&o);
    if (rc < 0) {
        lua_State *L = sh_lstate_new();
        if (!L) {
            fputs("ormsh: cannot create the Lua state: not enough memory\n", stderr);
            rc = SH_EXIT_FAIL;
        } else {
            /* The collector starts a cycle when the heap has grown to 4x what
             * the last one left (Lua's default: 2x). Sessions keep their
             * objects alive, so the live set mostly grows: collecting it
             * twice as often only marks the same objects again (W1 and W3
             * run 10-15% faster; loads pause it anyway). */
            lua_gc(L, LUA_GCINC, SH_GC_PAUSE, 0, 0);
            sh_signals_init();
            lua_pushcfunction(L, pmain);
            lua_pushlightuserdata(L, &o);
            if (lua_pcall(L, 1, 1, 0) == LUA_OK) {
                rc = (int)lua_tointeger(L, -1);
            } else {
                fprintf(stderr, "ormsh: %s\n", lua_tostring(L, -1));
                rc = SH_EXIT_FAIL;
            }
            lua_pop(L, 1);
            app_close(L);
            sh_lstate_close(L);
        }
    }
    free(o.exprs);
    free(o.args);
    free(o.replicas);
    return rc;
}
