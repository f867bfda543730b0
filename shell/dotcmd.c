/* dotcmd.c — the REPL's dot-commands: a line whose first non-blank
 * character is "." is never Lua but one of .help .tables .schema .models
 * .echo .timer .mode .output .read .stats. Each runs in a protected call;
 * a failure is one line on stderr and the REPL goes on. What a command
 * exists to show goes to stdout; notices go to stderr. */
#include <errno.h>
#include <stdarg.h>
#include <string.h>

#include <lauxlib.h>
#include <lua.h>

#include "orm_lua.h"
#include "shell.h"

#define STATS_ROWS 10 /* .stats shows this many rows */

static int g_timer;

int dotcmd_timer(void)
{
    return g_timer;
}

typedef struct dotcmd {
    const char *name; /* without the dot */
    const char *args;
    const char *help;
    int (*fn)(lua_State *L, int argc); /* arguments at 2..argc+1 (1: the name) */
} dotcmd;

static const dotcmd commands[];

int dotcmd_is(const char *line)
{
    while (*line == ' ' || *line == '\t')
        line++;
    return *line == '.';
}

/* [-0, +0, v] Raises "ormsh: .<name>: <msg>" (a plain string: one line). */
static int fail(lua_State *L, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    lua_pushvfstring(L, fmt, ap);
    va_end(ap);
    lua_pushfstring(L, "ormsh: .%s: %s", lua_tostring(L, 1), lua_tostring(L, -1));
    return lua_error(L);
}

/* [-0, +1, v] The db handle (raises when there is none). */
static int push_db(lua_State *L)
{
    app_push_db(L);
    if (lua_isnil(L, -1)) return fail(L, "no database is connected");
    return lua_gettop(L);
}

/* on/off argument 2 of a command -> 1/0 (raises otherwise). */
static int on_off(lua_State *L, int argc)
{
    const char *v = argc == 1 ? lua_tostring(L, 2) : "";
    if (strcmp(v, "on") == 0) return 1;
    if (strcmp(v, "off") == 0) return 0;
    return fail(L, "takes on or off");
}

static int cmd_help(lua_State *L, int argc)
{
    (void)argc;
    (void)L;
    FILE *f = stdout;
    for (const dotcmd *c = commands; c->name; c++) {
        char head[48];
        snprintf(head, sizeof head, ".%s %s", c->name, c->args);
        fprintf(f, "%-26s %s\n", head, c->help);
    }
    fputs("A line starting with \".\" is a dot-command, never Lua.\n", f);
    return 0;
}

static int cmd_tables(lua_State *L, int argc)
{
    if (argc > 0) return fail(L, "takes no arguments");
    int db = push_db(L);
    orm_lua_push_table_names(L, db);
    for (lua_Integer i = 1; lua_rawgeti(L, -1, i) == LUA_TSTRING; i++) {
        fprintf(stdout, "%s\n", lua_tostring(L, -1));
        lua_pop(L, 1);
    }
    return 0;
}

/* [-0, +0, e] The table name of the model called name (db.models[name],
 * the db handle at db), or NULL. The string lives as long as the model. */
static const char *model_table(lua_State *L, int db, const char *name)
{
    int top = lua_gettop(L);
    const char *table = NULL;
    if (lua_getfield(L, db, "models") == LUA_TTABLE && lua_getfield(L, -1, name) == LUA_TTABLE) {
        lua_pushliteral(L, "__table");
        if (lua_rawget(L, -2) == LUA_TTABLE && lua_getfield(L, -1, "name") == LUA_TSTRING)
            table = lua_tostring(L, -1);
    }
    lua_settop(L, top);
    return table;
}

static int cmd_schema(lua_State *L, int argc)
{
    if (argc > 1) return fail(L, "takes at most one table name");
    int db = push_db(L);
    if (argc == 1) {
        orm_lua_push_table_ddl(L, db, lua_tostring(L, 2));
        if (lua_isnil(L, -1)) { /* a model's class name stands for its table */
            const char *table = model_table(L, db, lua_tostring(L, 2));
            if (table)
                orm_lua_push_table_ddl(L, db, table);
            else
                lua_pushnil(L);
        }
        if (lua_isnil(L, -1)) return fail(L, "no such table: %s", lua_tostring(L, 2));
        fprintf(stdout, "%s\n", lua_tostring(L, -1));
        return 0;
    }
    orm_lua_push_table_names(L, db);
    int names = lua_gettop(L);
    for (lua_Integer i = 1; lua_rawgeti(L, names, i) == LUA_TSTRING; i++) {
        orm_lua_push_table_ddl(L, db, lua_tostring(L, -1));
        if (lua_isstring(L, -1)) fprintf(stdout, "%s\n", lua_tostring(L, -1));
        lua_pop(L, 2);
    }
    return 0;
}

static int cmd_models(lua_State *L, int argc)
{
    if (argc > 0) return fail(L, "takes no arguments");
    int db = push_db(L);
    orm_lua_push_model_names(L, db);
    int names = lua_gettop(L);
    if (lua_rawlen(L, names) == 0) fputs("(no models)\n", stderr);
    for (lua_Integer i = 1; lua_rawgeti(L, names, i) == LUA_TSTRING; i++) {
        const char *table = model_table(L, db, lua_tostring(L, -1));
        fprintf(stdout, "%s (table %s)\n", lua_tostring(L, -1), table ? table : "?");
        lua_pop(L, 1);
    }
    return 0;
}

static int cmd_echo(lua_State *L, int argc)
{
    int on = on_off(L, argc);
    int db = push_db(L);
    lua_pushboolean(L, on);
    lua_setfield(L, db, "echo");
    return 0;
}

static int cmd_timer(lua_State *L, int argc)
{
    g_timer = on_off(L, argc);
    return 0;
}

static int cmd_mode(lua_State *L, int argc)
{
    if (argc == 0) {
        fprintf(stdout, "%s\n", sh_mode_name());
        return 0;
    }
    if (argc > 1 || sh_mode_set(lua_tostring(L, 2)) != 0)
        return fail(L, "unknown mode '%s' (modes: list box csv json)", lua_tostring(L, 2));
    return 0;
}

static int cmd_output(lua_State *L, int argc)
{
    if (argc > 1) return fail(L, "takes one file name (or stdout)");
    const char *path = argc ? lua_tostring(L, 2) : "stdout";
    if (sh_output_set(path) != 0) return fail(L, "cannot open %s: %s", path, strerror(errno));
    return 0;
}

static int cmd_read(lua_State *L, int argc)
{
    if (argc != 1) return fail(L, "takes one file name");
    if (luaL_loadfile(L, lua_tostring(L, 2)) != LUA_OK) return lua_error(L);
    app_arm_interrupt(L);
    lua_call(L, 0, 0);
    return 0;
}

static int cmd_stats(lua_State *L, int argc)
{
    if (argc > 0) return fail(L, "takes no arguments");
    int db = push_db(L);
    if (lua_getfield(L, db, "stats") != LUA_TFUNCTION) {
        fputs("Statement statistics are not available yet.\n", stderr);
        return 0;
    }
    lua_call(L, 0, 1);
    int top = lua_gettop(L);
    if (!sh_push_grid(L, top) && !sh_push_records_grid(L, top)) { /* print it as a value */
        sh_push_repr(L, top);
        fprintf(stdout, "%s\n", lua_tostring(L, -1));
        return 0;
    }
    for (lua_Integer i = (lua_Integer)lua_rawlen(L, -1); i > STATS_ROWS; i--) {
        lua_pushnil(L);
        lua_rawseti(L, -2, i);
    }
    sh_print_grid(L, top + 1, SH_MODE_BOX, stdout);
    return 0;
}

static const dotcmd commands[] = {
    {"help", "", "this list", cmd_help},
    {"tables", "", "the database's tables", cmd_tables},
    {"schema", "[TABLE]", "the live DDL of every table (or of TABLE, a table or model name)",
     cmd_schema},
    {"models", "", "the model classes and their tables", cmd_models},
    {"echo", "on|off", "print each SQL statement as it runs (db.echo)", cmd_echo},
    {"timer", "on|off", "print the time of each input on stderr", cmd_timer},
    {"mode", "list|box|csv|json", "how results print", cmd_mode},
    {"output", "FILE|stdout", "send values to FILE (until .output stdout)", cmd_output},
    {"read", "FILE.lua", "run a Lua file here", cmd_read},
    {"stats", "", "statement statistics (db.stats), top ten", cmd_stats},
    {NULL, NULL, NULL, NULL},
};

/* lua_CFunction (line): splits the line into words ("double quotes" keep
 * spaces) and runs the command. */
static int dot_main(lua_State *L)
{
    const char *p = lua_tostring(L, 1); /* stays at 1 (alive) while words are pushed */
    lua_settop(L, 1);
    while (*p == ' ' || *p == '\t')
        p++;
    p++; /* the dot */
    while (*p) {
        while (*p == ' ' || *p == '\t')
            p++;
        if (!*p) break;
        luaL_checkstack(L, 2, "ormsh: too many words in a dot-command");
        const char *start = p;
        if (*p == '"') {
            const char *end = strchr(++start, '"');
            if (!end) return luaL_error(L, "ormsh: unclosed quote in dot-command");
            lua_pushlstring(L, start, (size_t)(end - start));
            p = end + 1;
        } else {
            while (*p && *p != ' ' && *p != '\t')
                p++;
            lua_pushlstring(L, start, (size_t)(p - start));
        }
    }
    lua_remove(L, 1); /* the line: the words are 1..top now */
    const char *name = lua_gettop(L) ? lua_tostring(L, 1) : "";
    for (const dotcmd *c = commands; c->name; c++)
        if (strcmp(name, c->name) == 0) return c->fn(L, lua_gettop(L) - 1);
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    for (const dotcmd *c = commands; c->name; c++) {
        luaL_addstring(&b, c == commands ? "." : " .");
        luaL_addstring(&b, c->name);
    }
    luaL_pushresult(&b);
    return luaL_error(L, "ormsh: unknown dot-command '.%s' (commands: %s)", name,
                      lua_tostring(L, -1));
}

void dotcmd_run(lua_State *L, const char *line)
{
    int top = lua_gettop(L);
    lua_pushcfunction(L, dot_main);
    lua_pushstring(L, line);
    if (sh_pcall(L, 1, 0) != LUA_OK) sh_report(L, SH_ERR_WHERE);
    fflush(stdout);
    lua_settop(L, top);
}
