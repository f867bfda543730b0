/* app.c — the app context every command runs in (docs/reference.md): finding the app
 * directory, running app.lua, choosing the database URL, connecting `db`
 * before the models load, loading the model modules, making `db`, `session`
 * and each model class globals; the banner; leaving (rolling back what is
 * uncommitted). No ORM logic: everything goes through the Lua API. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <lauxlib.h>
#include <lua.h>

#include "cmd_db.h"
#include "cmd_db_seed.h"
#include "metrics.h"
#include <stdio.h>
#include "orm_lua.h"
#include "shell.h"
#include "url.h"

#define DB_KEY "ormsh.db"             /* registry: the db handle */
#define APPNAME_KEY "ormsh.app"       /* registry: the app's name (absent: no app) */
#define APPDIR_KEY "ormsh.appdir"     /* registry: the app directory (absent: no app) */
#define READONLY_KEY "ormsh.readonly" /* registry: true under --read-only */
#define OLDDBS_KEY "ormsh.olddbs"     /* registry: db handles reload() replaced */

/* [-0, +1, -] The app directory (absolute), or nil for none. Returns 0, or
 * SH_EXIT_FAIL after saying which directory is wrong. */
static int find_app_dir(lua_State *L, const ormsh_opts *o)
{
    const char *dir = o->app, *how = "--app";
    struct stat st;
    char real[PATH_MAX];
    if (!dir && getenv("ORMSH_APP") && *getenv("ORMSH_APP")) {
        dir = getenv("ORMSH_APP");
        how = "$ORMSH_APP";
    }
    if (!dir) { /* the current directory, when it holds an app */
        if (stat("app.lua", &st) == 0 && S_ISREG(st.st_mode) && realpath(".", real))
            lua_pushstring(L, real);
        else
            lua_pushnil(L);
        return 0;
    }
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        fprintf(stderr, "ormsh: app directory not found: %s (%s)\n", dir, how);
        return SH_EXIT_FAIL;
    }
    lua_pushfstring(L, "%s/app.lua", dir);
    int has_app = stat(lua_tostring(L, -1), &st) == 0 && S_ISREG(st.st_mode);
    lua_pop(L, 1);
    if (!has_app) {
        fprintf(stderr, "ormsh: no app.lua in app directory %s (%s)\n", dir, how);
        return SH_EXIT_FAIL;
    }
    if (!realpath(dir, real)) {
        fprintf(stderr, "ormsh: cannot resolve app directory %s: %s\n", dir, strerror(errno));
        return SH_EXIT_FAIL;
    }
    lua_pushstring(L, real);
    return 0;
}

/* [-0, +1, e] Runs <dir>/app.lua; pushes its configuration table. */
static int load_config(lua_State *L, const char *dir)
{
    lua_pushfstring(L, "%s/app.lua", dir);
    const char *file = lua_tostring(L, -1);
    int status = luaL_loadfile(L, file);
    if (status == LUA_OK) status = sh_pcall(L, 0, 1);
    if (status != LUA_OK) {
        sh_report(L, SH_ERR_WHERE);
        lua_pop(L, 1);
        return SH_EXIT_FAIL;
    }
    if (!lua_istable(L, -1)) {
        fprintf(stderr, "ormsh: %s must return a table (got %s)\n", file, luaL_typename(L, -1));
        lua_pop(L, 2);
        return SH_EXIT_FAIL;
    }
    lua_remove(L, -2);
    return 0;
}

/* [-0, +1, e] The database URL: --database, $DATABASE_URL, app.lua, sqlite://. */
static int push_url(lua_State *L, const ormsh_opts *o, int config)
{
    const char *env = getenv("DATABASE_URL");
    if (o->database) {
        lua_pushstring(L, o->database);
    } else if (env && *env) {
        lua_pushstring(L, env);
    } else if (config && lua_getfield(L, config, "database") != LUA_TNIL) {
        if (lua_type(L, -1) != LUA_TSTRING) {
            fprintf(stderr, "ormsh: app.lua: 'database' must be a URL string (got %s)\n",
                    luaL_typename(L, -1));
            return SH_EXIT_FAIL;
        }
    } else {
        if (config) lua_pop(L, 1);
        lua_pushliteral(L, "sqlite://");
    }
    return 0;
}

/* [-0, +1, e] The options table of orm.connect. */
static void push_connect_opts(lua_State *L, const ormsh_opts *o, int dir, int config)
{
    lua_createtable(L, 0, 3);
    if (!lua_isnil(L, dir)) {
        lua_pushvalue(L, dir);
        lua_setfield(L, -2, "base_dir");
    }
    if (config) {
        lua_getfield(L, config, "busy_timeout");
        lua_setfield(L, -2, "busy_timeout");
        static const char *const monitoring[] = {"slow_ms", "slow_log", "nplus1", NULL};
        for (int i = 0; monitoring[i]; i++) {
            lua_getfield(L, config, monitoring[i]);
            lua_setfield(L, -2, monitoring[i]);
        }
        lua_getfield(L, config, "audit"); /* audit = true: the audit log is on */
        lua_setfield(L, -2, "audit");
        lua_getfield(L, config, "echo");
    } else {
        lua_pushnil(L);
    }
    if (o->echo) {
        lua_pop(L, 1);
        lua_pushboolean(L, 1);
    }
    lua_setfield(L, -2, "echo");
    if (config) { /* read replicas: app.lua's list, then each --replica */
        lua_getfield(L, config, "replica_wait_ms");
        lua_setfield(L, -2, "replica_wait_ms");
        lua_getfield(L, config, "replica_retry_s");
        lua_setfield(L, -2, "replica_retry_s");
        lua_getfield(L, config, "replicas");
        lua_setfield(L, -2, "replicas");
        lua_getfield(L, config, "shards"); /* horizontal shards */
        lua_setfield(L, -2, "shards");
        lua_getfield(L, config, "shard_by");
        lua_setfield(L, -2, "shard_by");
    }
    if (o->nreplicas > 0) {
        lua_getfield(L, -1, "replicas");
        lua_Integer n = lua_istable(L, -1) ? (lua_Integer)lua_rawlen(L, -1) : 0;
        lua_createtable(L, (int)n + o->nreplicas, 0);
        for (lua_Integer i = 1; i <= n; i++) {
            lua_rawgeti(L, -2, i);
            lua_rawseti(L, -2, i);
        }
        for (int i = 0; i < o->nreplicas; i++) {
            lua_pushstring(L, o->replicas[i]);
            lua_rawseti(L, -2, n + i + 1);
        }
        lua_setfield(L, -3, "replicas");
        lua_pop(L, 1);
    }
    lua_pushboolean(L, o->sandbox);
    lua_setfield(L, -2, "sandbox");
    if (o->read_only) {
        lua_pushboolean(L, 1);
        lua_setfield(L, -2, "read_only");
        lua_pushboolean(L, 1);
        lua_setfield(L, LUA_REGISTRYINDEX, READONLY_KEY);
    }
}

/* [-0, +0, -] 0, or SH_EXIT_FAIL after saying why app.lua's busy_timeout
 * is not a whole number of milliseconds, 0 or more. */
static int check_busy_timeout(lua_State *L, int config)
{
    if (!config) return 0;
    int top = lua_gettop(L);
    int t = lua_getfield(L, config, "busy_timeout"), isint = 0;
    lua_Integer ms = lua_tointegerx(L, -1, &isint);
    int ok = t == LUA_TNIL || (t == LUA_TNUMBER && isint && ms >= 0 && ms <= INT_MAX);
    if (!ok)
        fprintf(stderr,
                "ormsh: app.lua: 'busy_timeout' must be a whole number of milliseconds, 0 or "
                "more (got %s)\n",
                luaL_tolstring(L, -1, NULL));
    lua_settop(L, top);
    return ok ? 0 : SH_EXIT_FAIL;
}

/* [-0, +1, e] db = orm.connect(url, opts). */
static int connect_db(lua_State *L, const ormsh_opts *o, int dir, int config)
{
    if (check_busy_timeout(L, config)) return SH_EXIT_FAIL;
    if (push_url(L, o, config)) return SH_EXIT_FAIL;
    int url = lua_gettop(L);
    lua_getglobal(L, "require");
    lua_pushliteral(L, "orm");
    lua_call(L, 1, 1);
    lua_getfield(L, -1, "connect");
    lua_remove(L, -2);
    lua_pushvalue(L, url);
    push_connect_opts(L, o, dir, config);
    lua_remove(L, url);
    if (sh_pcall(L, 2, 1) != LUA_OK) {
        sh_report(L, SH_ERR_PLAIN);
        return SH_EXIT_FAIL;
    }
    return 0;
}

/* [-0, +0, e] <app>/instance/, made on first use. */
static void make_instance_dir(lua_State *L, int dir)
{
    lua_pushfstring(L, "%s/instance", lua_tostring(L, dir));
    if (mkdir(lua_tostring(L, -1), 0777) != 0 && errno != EEXIST)
        fprintf(stderr, "ormsh: warning: cannot create %s: %s\n", lua_tostring(L, -1),
                strerror(errno));
    lua_pop(L, 1);
}

/* [-0, +0, e] package.path = "<app>/?.lua;<app>/?/init.lua;" .. package.path */
static void prepend_package_path(lua_State *L, int dir)
{
    const char *d = lua_tostring(L, dir);
    lua_getglobal(L, "package");
    lua_getfield(L, -1, "path");
    lua_pushfstring(L, "%s/?.lua;%s/?/init.lua;%s", d, d, lua_tostring(L, -1));
    lua_setfield(L, -3, "path");
    lua_pop(L, 2);
}

/* [-0, +0, e] 1 when require could find module `name` (at idx) other than
 * as a Lua file on package.path: preloaded, or a C module on package.cpath. */
static int module_findable(lua_State *L, int idx)
{
    int top = lua_gettop(L), found;
    lua_getglobal(L, "package");
    lua_getfield(L, -1, "preload");
    lua_pushvalue(L, idx);
    found = lua_gettable(L, -2) != LUA_TNIL;
    lua_pop(L, 2);
    if (!found) {
        lua_getfield(L, -1, "searchpath");
        lua_pushvalue(L, idx);
        lua_getfield(L, -3, "cpath");
        lua_call(L, 2, 1);
        found = !lua_isnil(L, -1);
    }
    lua_settop(L, top);
    return found;
}

/* lua_CFunction (name) [upvalue: the app dir] -> require(name), but a Lua file found on
 * package.path is loaded directly so a syntax error reads `file:line: msg`
 * on one line (require would wrap it in "error loading module ..."). */
static int load_module(lua_State *L)
{
    const char *name = luaL_checkstring(L, 1);
    lua_getglobal(L, "package");
    lua_getfield(L, -1, "loaded");
    if (lua_getfield(L, -1, name) != LUA_TNIL) return 1;
    lua_pop(L, 1);
    lua_getfield(L, -2, "searchpath");
    lua_pushvalue(L, 1);
    lua_getfield(L, -4, "path");
    lua_call(L, 2, 1);
    if (lua_isnil(L, -1)) { /* not a Lua file on package.path: let require try */
        if (!module_findable(L, 1))
            return luaL_error(L, "ormsh: model module '%s' (app.lua models) not found in %s", name,
                              lua_tostring(L, lua_upvalueindex(1)));
        lua_getglobal(L, "require");
        lua_pushvalue(L, 1);
        lua_call(L, 1, 1);
        return 1;
    }
    const char *file = lua_tostring(L, -1);
    if (luaL_loadfile(L, file) != LUA_OK) return lua_error(L);
    lua_pushvalue(L, 1);
    lua_pushvalue(L, -3);
    lua_call(L, 2, 1);
    if (lua_isnil(L, -1)) {
        lua_pop(L, 1);
        lua_pushboolean(L, 1);
    }
    lua_pushvalue(L, -1);
    lua_setfield(L, 3, name);
    return 1;
}

/* [-0, +0, e] Requires each module app.lua's `models` names. */
static int load_models(lua_State *L, int dir, int config)
{
    lua_getfield(L, config, "models");
    if (lua_type(L, -1) == LUA_TSTRING) { /* models = "models" */
        lua_createtable(L, 1, 0);
        lua_insert(L, -2);
        lua_rawseti(L, -2, 1);
    }
    if (!lua_isnil(L, -1) && !lua_istable(L, -1)) {
        fprintf(stderr, "ormsh: app.lua: 'models' must be a list of module names (got %s)\n",
                luaL_typename(L, -1));
        lua_pop(L, 1);
        return SH_EXIT_FAIL;
    }
    int list = lua_gettop(L);
    for (lua_Integer i = 1; lua_istable(L, list) && lua_rawgeti(L, list, i) != LUA_TNIL; i++) {
        lua_pushvalue(L, dir);
        lua_pushcclosure(L, load_module, 1);
        lua_insert(L, -2);
        if (sh_pcall(L, 1, 0) != LUA_OK) {
            sh_report(L, SH_ERR_WHERE);
            lua_settop(L, list - 1);
            return SH_EXIT_FAIL;
        }
    }
    lua_settop(L, list - 1);
    return 0;
}

/* [-0, +0, e] Each model class a global under its name, unless taken
 * (overwrite: unless taken by something that is not a model class). */
static void set_model_globals(lua_State *L, int db, int overwrite)
{
    orm_lua_push_model_names(L, db);
    int names = lua_gettop(L);
    lua_getfield(L, db, "models");
    int models = lua_gettop(L);
    if (!lua_istable(L, models) && !lua_isuserdata(L, models)) {
        lua_settop(L, names - 1);
        return;
    }
    for (lua_Integer i = 1; lua_rawgeti(L, names, i) == LUA_TSTRING; i++) {
        const char *name = lua_tostring(L, -1);
        int t = lua_getglobal(L, name);
        int is_model = 0;
        if (overwrite && t == LUA_TTABLE) {
            lua_pushliteral(L, "__table");
            is_model = lua_rawget(L, -2) == LUA_TTABLE;
            lua_pop(L, 1);
        }
        if (t == LUA_TNIL || is_model) {
            lua_getfield(L, models, name);
            lua_setglobal(L, name);
        }
        lua_pop(L, 2);
    }
    lua_settop(L, names - 1);
}

/* [-0, +0, e] The globals and registry entries for the db at idx. */
static void bind_db(lua_State *L, int db)
{
    lua_pushvalue(L, db);
    lua_setfield(L, LUA_REGISTRYINDEX, DB_KEY);
    lua_pushvalue(L, db);
    lua_setglobal(L, "db");
    lua_getfield(L, db, "session");
    lua_setglobal(L, "session");
    /* the names a SQLAlchemy user imports; `select` replaces Lua's builtin
     * only once db.select exists */
    static const char *const names[] = {"func", "and_", "or_", "not_", "text", "null", "select"};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        if (lua_getfield(L, db, names[i]) != LUA_TNIL)
            lua_setglobal(L, names[i]);
        else
            lua_pop(L, 1);
    }
}

/* [-0, +0, e] Remembers the app's name for the banner. */
static void set_app_name(lua_State *L, int dir, int config)
{
    if (lua_getfield(L, config, "name") != LUA_TSTRING) {
        const char *d = lua_tostring(L, dir), *slash = strrchr(d, '/');
        lua_pop(L, 1);
        lua_pushstring(L, slash && slash[1] ? slash + 1 : d);
    }
    lua_setfield(L, LUA_REGISTRYINDEX, APPNAME_KEY);
}

/* [-0, +0, e] Without an app: a model for every table (db.reflect()), for
 * the shell, -e and run alike, so a script written against the reflected
 * names runs as typed code does (a script's own db.Model of a table takes
 * the reflected class's place); what reflection skipped or renamed goes to
 * stderr. For `db`, only its data commands (dump, load and seed work on the
 * reflected models; the others reflect by themselves or need an app). */
static int reflect_models(lua_State *L, int db, const ormsh_opts *o)
{
    if (o->command && strcmp(o->command, "db") == 0 && !cmd_db_is_data_command(o)) return 0;
    lua_getfield(L, db, "reflect");
    if (sh_pcall(L, 0, 2) != LUA_OK) {
        const char *msg = luaL_tolstring(L, -1, NULL);
        lua_getfield(L, db, "url");
        fprintf(stderr, "ormsh: cannot read the tables of %s: %s\n", lua_tostring(L, -1), msg);
        lua_pop(L, 3);
        return SH_EXIT_FAIL;
    }
    for (lua_Integer i = 1; lua_rawgeti(L, -1, i) == LUA_TSTRING; i++) {
        fprintf(stderr, "ormsh: note: %s\n", lua_tostring(L, -1));
        lua_pop(L, 1);
    }
    lua_pop(L, 3);
    return 0;
}
static const ormsh_opts *g_opts; /* the command line app_open was given */

int app_open(lua_State *L, const ormsh_opts *o)
{
    int top = lua_gettop(L), rc;
    g_opts = o;
    if ((rc = find_app_dir(L, o))) return rc;
    int dir = lua_gettop(L), config = 0;
    if (!lua_isnil(L, dir)) {
        if ((rc = load_config(L, lua_tostring(L, dir)))) goto done;
        config = lua_gettop(L);
        set_app_name(L, dir, config);
        lua_pushvalue(L, dir);
        lua_setfield(L, LUA_REGISTRYINDEX, APPDIR_KEY);
        make_instance_dir(L, dir);
    }
    if ((rc = connect_db(L, o, dir, config))) goto done;
    int db = lua_gettop(L);
    if ((rc = sh_metrics_start(L, config, lua_tostring(L, dir), orm_lua_conn(L, db)))) goto done;
    bind_db(L, db);
    app_arm_interrupt(L);
    /* `db models` writes the database's tables alone (app classes play no
     * part): an app whose models.lua it is about to write may have none */
    int writes_models = o->command && strcmp(o->command, "db") == 0 && o->nargs > 0 &&
                        strcmp(o->args[0], "models") == 0;
    if (config) {
        prepend_package_path(L, dir);
        if (!writes_models && (rc = load_models(L, dir, config))) goto done;
        set_model_globals(L, db, 0);
        if (!o->command || strcmp(o->command, "db") != 0) cmd_db_warn_behind(L);
    } else {
        rc = reflect_models(L, db, o);
    }
done:
    lua_settop(L, top);
    return rc;
}

void app_push_dir(lua_State *L)
{
    lua_getfield(L, LUA_REGISTRYINDEX, APPDIR_KEY);
}

void app_push_db(lua_State *L)
{
    lua_getfield(L, LUA_REGISTRYINDEX, DB_KEY);
}

void app_arm_interrupt(lua_State *L)
{
    app_push_db(L);
    sh_set_conn(lua_isnil(L, -1) ? NULL : orm_lua_conn(L, -1));
    lua_pop(L, 1);
}

void app_end_idle(lua_State *L)
{
    app_push_db(L);
    if (!lua_isnil(L, -1)) orm_lua_end_idle(L, -1);
    lua_pop(L, 1);
}

/* [-0, +0, e] "Models: A, B" when the db has models. */
static void banner_models(lua_State *L, FILE *f)
{
    int top = lua_gettop(L);
    app_push_db(L);
    if (lua_isnil(L, -1)) {
        lua_settop(L, top);
        return;
    }
    orm_lua_push_model_names(L, -1);
    int names = lua_gettop(L);
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    lua_Integer n = (lua_Integer)lua_rawlen(L, names);
    for (lua_Integer i = 1; i <= n; i++) {
        if (i > 1) luaL_addstring(&b, ", ");
        lua_rawgeti(L, names, i);
        luaL_addvalue(&b);
    }
    luaL_pushresult(&b);
    if (lua_rawlen(L, -1) > 0) fprintf(f, "Models: %s\n", lua_tostring(L, -1));
    lua_settop(L, top);
}

void app_banner(lua_State *L, FILE *f)
{
    fprintf(f, "ormsh %s (%s)\n", ORMSH_VERSION, LUA_RELEASE);
    if (lua_getfield(L, LUA_REGISTRYINDEX, APPNAME_KEY) == LUA_TSTRING)
        fprintf(f, "App: %s\n", lua_tostring(L, -1));
    lua_pop(L, 1);
    app_push_db(L);
    if (!lua_isnil(L, -1)) {
        lua_getfield(L, -1, "url");
        if (lua_type(L, -1) == LUA_TSTRING) fprintf(f, "Database: %s\n", lua_tostring(L, -1));
        lua_getfield(L, -2, "sandbox");
        if (lua_toboolean(L, -1)) fprintf(f, "Sandbox: all changes are discarded on exit\n");
        lua_pop(L, 2);
    }
    lua_pop(L, 1);
    if (lua_getfield(L, LUA_REGISTRYINDEX, READONLY_KEY) == LUA_TBOOLEAN)
        fputs("Read-only: every write is refused (--read-only)\n", f);
    lua_pop(L, 1);
    banner_models(L, f);
    fflush(f);
}

const char *app_prompt(lua_State *L, const char *plain)
{
    static char buf[256];
    static const char *const kinds[] = {"new", "dirty", "deleted"};
    sh_metrics_publish();
    int counts[3], len = 0, n = 0;
    app_push_db(L);
    orm_lua_pending_kinds(L, -1, counts);
    lua_getfield(L, LUA_REGISTRYINDEX, CMD_DB_BEHIND_KEY);
    int behind = lua_toboolean(L, -1);
    lua_getfield(L, LUA_REGISTRYINDEX, APPNAME_KEY);
    const char *app = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : "";
    len = snprintf(buf, sizeof buf, "%.100s[", app);
    for (int i = 0; i < 3; i++)
        if (counts[i] > 0)
            len += snprintf(buf + len, sizeof buf - (size_t)len, "%s%d %s", n++ ? ", " : "",
                            counts[i], kinds[i]);
    if (behind)
        len += snprintf(buf + len, sizeof buf - (size_t)len, "%sbehind head", n++ ? ", " : "");
    snprintf(buf + len, sizeof buf - (size_t)len, "]%s", plain);
    lua_pop(L, 3);
    return n ? buf : plain;
}

void app_close(lua_State *L)
{
    app_push_db(L);
    if (!lua_isnil(L, -1)) {
        int n = orm_lua_rollback_all(L, -1);
        if (n > 0) {
            fflush(stdout);
            fprintf(stderr, "Rolled back %d uncommitted change%s.\n", n, n == 1 ? "" : "s");
        }
    }
    lua_pop(L, 1);
    sh_metrics_stop();
    sh_set_conn(NULL);
}

/* ---- reload() ---- */

/* [-0, +0, e] package.loaded[name] = nil for each module app.lua's models names. */
static void forget_models(lua_State *L, int config)
{
    lua_getglobal(L, "package");
    lua_getfield(L, -1, "loaded");
    int loaded = lua_gettop(L);
    int t = lua_getfield(L, config, "models");
    if (t == LUA_TSTRING) {
        lua_pushnil(L);
        lua_setfield(L, loaded, lua_tostring(L, -2));
    }
    for (lua_Integer i = 1; t == LUA_TTABLE && lua_rawgeti(L, -1, i) == LUA_TSTRING; i++) {
        lua_pushnil(L);
        lua_setfield(L, loaded, lua_tostring(L, -2));
        lua_pop(L, 1);
    }
    lua_settop(L, loaded - 2);
}

/* reload(): a new db handle with the app's models read again; the globals
 * point at it. The old handle stays alive (kept in the registry), so the
 * objects loaded through it keep working. Refused while changes are
 * pending; on failure the old models stay. */
static int l_reload(lua_State *L)
{
    lua_settop(L, 0);
    app_push_dir(L);
    if (lua_isnil(L, 1) || !g_opts)
        return luaL_error(L, "reload(): there is no app to reload (no app.lua)");
    app_push_db(L); /* 2: the old db */
    int pending = lua_isnil(L, 2) ? 0 : orm_lua_pending_changes(L, 2);
    if (pending > 0)
        return luaL_error(L, "reload(): %d uncommitted change%s; commit() or rollback() first",
                          pending, pending == 1 ? "" : "s");
    if (!lua_isnil(L, 2) && lua_getfield(L, 2, "url") == LUA_TSTRING) {
        orm_url u;
        orm_error err;
        orm_error_init(&err);
        int memory = orm_url_parse(&u, lua_tostring(L, -1), &err) == ORM_OK && u.is_memory;
        orm_url_free(&u);
        orm_error_clear(&err);
        if (memory) return luaL_error(L, "reload(): an in-memory database cannot be opened again");
    }
    lua_settop(L, 2);
    if (load_config(L, lua_tostring(L, 1))) return luaL_error(L, "reload(): app.lua failed");
    int config = lua_gettop(L);
    if (connect_db(L, g_opts, 1, config)) return luaL_error(L, "reload(): cannot connect");
    int db = lua_gettop(L);
    forget_models(L, config);
    bind_db(L, db);
    if (load_models(L, 1, config)) {
        if (!lua_isnil(L, 2)) bind_db(L, 2);
        app_arm_interrupt(L);
        return luaL_error(L, "reload(): the models failed to load; the old ones stay");
    }
    set_model_globals(L, db, 1);
    app_arm_interrupt(L);
    sh_metrics_rebind(orm_lua_conn(L, db)); /* the metrics follow the new handle */
    if (!lua_isnil(L, 2)) {                 /* keep the old handle alive for its objects */
        orm_lua_end_idle(L, 2);
        luaL_getsubtable(L, LUA_REGISTRYINDEX, OLDDBS_KEY);
        lua_pushvalue(L, 2);
        lua_rawseti(L, -2, (lua_Integer)lua_rawlen(L, -2) + 1);
        lua_pop(L, 1);
    }
    fflush(stdout);
    banner_models(L, stderr);
    return 0;
}

void sh_open_reload(lua_State *L)
{
    lua_pushcfunction(L, l_reload);
    lua_setglobal(L, "reload");
}
