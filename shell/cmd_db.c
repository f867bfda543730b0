/* cmd_db.c — `ormsh db SUBCOMMAND`: argument checking (before the app
 * loads), then each subcommand inside one protected call, printing what the
 * command exists to print on stdout and notices ("Running upgrade a -> b,
 * message") on stderr, as Alembic logs them. Revision graph: core's
 * revision.h; revision files: cmd_db_scripts.c; current, heads, history
 * and show: cmd_db_info.c; the database work: orm.migrate in the bindings. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <lauxlib.h>

#include "cmd_db.h"
#include "orm_lua.h"
#include "cmd_db_models.h"
#include "cmd_db_seed.h"

typedef struct subcmd {
    const char *name;
    int minpos, maxpos;
    int takes_message, takes_sql;
    int (*run)(dbctx *x, const dbargs *a);
} subcmd;

static const subcmd *find_sub(const char *name);

static int usage(const char *fmt, const char *arg)
{
    fputs("ormsh: ", stderr);
    fprintf(stderr, fmt, arg);
    fputs("\nusage: ormsh db init | migrate -m MESSAGE | revision -m MESSAGE | upgrade [REV] | "
          "downgrade [REV]\n"
          "                 | current | history | heads | show REV | stamp REV | merge -m MESSAGE "
          "REV REV | check\n"
          "                 | models [-o FILE] | diagram -o FILE | seed [FILE] | dump [-o FILE] | "
          "load FILE\n"
          "Try 'ormsh --help' for more information.\n",
          stderr);
    return SH_EXIT_USAGE;
}

/* Returns -1 when fine, else the usage status. */
static int parse(const ormsh_opts *o, dbargs *a)
{
    memset(a, 0, sizeof *a);
    if (o->nargs == 0) return usage("'db' needs a command%s", "");
    a->sub = o->args[0];
    const subcmd *s = find_sub(a->sub);
    if (!s) return usage("unknown db command '%s'", a->sub);
    for (int i = 1; i < o->nargs; i++) {
        const char *arg = o->args[i];
        if (strcmp(arg, "--sql") == 0) {
            a->sql = 1;
        } else if (strcmp(arg, "--force") == 0) {
            a->force = 1;
        } else if (strcmp(arg, "--dry-run") == 0) {
            a->dry_run = 1;
        } else if (strcmp(arg, "-m") == 0 || strcmp(arg, "--message") == 0) {
            if (i + 1 >= o->nargs) return usage("option '%s' needs a value", arg);
            a->message = o->args[++i];
        } else if (strncmp(arg, "--message=", 10) == 0) {
            a->message = arg + 10;
        } else if (strncmp(arg, "-m", 2) == 0) {
            a->message = arg + 2;
        } else if (arg[0] == '-' && arg[1] == '-') {
            return usage("unknown option '%s'", arg);
        } else if (arg[0] == '-' && !(arg[1] >= '0' && arg[1] <= '9')) { /* "-1" is a revision */
            return usage("unknown option '%s'", arg);
        } else {
            if (a->npos == (int)(sizeof a->pos / sizeof a->pos[0]))
                return usage("too many arguments to 'db %s'", a->sub);
            a->pos[a->npos++] = arg;
        }
    }
    if (a->sql && !s->takes_sql) return usage("'db %s' does not take --sql", a->sub);
    int updown = strcmp(a->sub, "upgrade") == 0 || strcmp(a->sub, "downgrade") == 0;
    if (a->force && !updown) return usage("'db %s' does not take --force", a->sub);
    if (a->dry_run && !updown) return usage("'db %s' does not take --dry-run", a->sub);
    if (a->dry_run + a->sql + a->force > 1)
        return usage("'db %s' takes one of --sql, --dry-run and --force", a->sub);
    if (a->message && !s->takes_message) return usage("'db %s' does not take -m", a->sub);
    if (a->npos < s->minpos)
        return usage(s->minpos == 1 ? "'db %s' needs a revision" : "'db %s' needs two revisions",
                     a->sub);
    if (a->npos > s->maxpos) return usage("too many arguments to 'db %s'", a->sub);
    return -1;
}

int cmd_db_usage(const ormsh_opts *o)
{
    if (cmd_db_models_is(o)) return cmd_db_models_usage(o);
    if (cmd_db_is_data_command(o))
        return strcmp(o->args[0], "seed") == 0 ? cmd_db_seed_usage(o) : cmd_db_fixtures_usage(o);
    dbargs a;
    return parse(o, &a);
}

/* ---- helpers ------------------------------------------------------------------- */

static int dir_exists(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

/* [-0, +0, e] Calls orm.migrate.<fn>(db, args at first..top) with nres results. */
void dbs_call_migrate(dbctx *x, const char *fn, int nargs, int nres)
{
    lua_State *L = x->L;
    lua_getfield(L, x->migrate, fn);
    lua_pushvalue(L, x->db);
    lua_rotate(L, -nargs - 2, 2);
    lua_call(L, nargs + 1, nres);
}

/* [-0, +1, e] The revisions the database is at (a list). */
static void push_current(dbctx *x)
{
    dbs_call_migrate(x, "current", 0, 1);
}

/* C list of the Lua list at idx (strings). Caller frees. */
void dbs_to_strv(lua_State *L, int idx, orm_strv *out)
{
    lua_Integer n = (lua_Integer)lua_rawlen(L, idx);
    for (lua_Integer i = 1; i <= n; i++) {
        lua_rawgeti(L, idx, i);
        int rc = orm_strv_push(out, lua_tostring(L, -1));
        lua_pop(L, 1);
        if (rc < 0) luaL_error(L, "not enough memory");
    }
}

#define MT_STRV "ormsh.StrList"

static int strv_gc(lua_State *L)
{
    orm_strv_free(luaL_checkudata(L, 1, MT_STRV));
    return 0;
}

/* [-0, +1, e] An empty C string list owned by a userdata. */
orm_strv *dbs_push_strv(lua_State *L)
{
    return orm_lua_new_box(L, sizeof(orm_strv), MT_STRV, strv_gc);
}

/* [-0, +1, e] The database's current revisions as a C list (userdata). */
orm_strv *dbs_current(dbctx *x)
{
    push_current(x);
    orm_strv *l = dbs_push_strv(x->L);
    dbs_to_strv(x->L, -2, l);
    lua_remove(x->L, -2);
    return l;
}

orm_strv *dbs_heads(dbctx *x)
{
    orm_strv *l = dbs_push_strv(x->L);
    if (orm_revgraph_heads(x->g, l) < 0) luaL_error(x->L, "not enough memory");
    return l;
}

void dbs_raise(lua_State *L, orm_error *e)
{
    lua_pushstring(L, e->message ? e->message : "out of memory");
    orm_error_clear(e);
    lua_error(L);
    abort(); /* not reached: lua_error longjmps */
}

/* [-0, +1, e] "a, b" (or "<base>" for none). */
const char *dbs_push_joined(lua_State *L, const orm_strv *l, const char *none)
{
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    for (int i = 0; i < l->n; i++) {
        if (i) luaL_addstring(&b, ", ");
        luaL_addstring(&b, l->v[i]);
    }
    if (l->n == 0) luaL_addstring(&b, none);
    luaL_pushresult(&b);
    return lua_tostring(L, -1);
}

static void notice(const char *fmt, const char *a, const char *b)
{
    fflush(stdout);
    fprintf(stderr, fmt, a, b);
    fputc('\n', stderr);
    fflush(stderr);
}

/* [-0, +0, e] The message of revision i ("" when none). */
const char *dbs_rev_message(dbctx *x, int i)
{
    dbs_push_rev(x, i);
    lua_getfield(x->L, -1, "message");
    const char *m = lua_tostring(x->L, -1);
    lua_pop(x->L, 2); /* kept alive by the revision table */
    return m ? m : "";
}

int dbs_is_head(dbctx *x, int i)
{
    return orm_revgraph_nchildren(x->g, i) == 0;
}

/* Refuses with more than one head, naming them and the merge command. */
static void require_one_head(dbctx *x, const char *doing)
{
    orm_strv *heads = dbs_heads(x);
    if (heads->n > 1) {
        dbs_push_joined(x->L, heads, "");
        luaL_error(x->L,
                   "multiple heads are present (%s): join them with `ormsh db merge -m MESSAGE %s "
                   "%s` before %s",
                   lua_tostring(x->L, -1), heads->v[0], heads->v[1], doing);
    }
    lua_pop(x->L, 1);
}

/* Refuses when the database is not at the head of the revisions. */
static void require_at_head(dbctx *x)
{
    orm_strv *cur = dbs_current(x), *heads = dbs_heads(x);
    orm_error err;
    orm_error_init(&err);
    if (orm_revgraph_check_current(x->g, cur, &err) < 0) dbs_raise(x->L, &err);
    if (!orm_strv_same_set(cur, heads)) {
        dbs_push_joined(x->L, cur, "<base>");
        dbs_push_joined(x->L, heads, "<base>");
        luaL_error(x->L,
                   "Target database is not up to date (it is at %s, the head is %s): run `ormsh db "
                   "upgrade` first",
                   lua_tostring(x->L, -2), lua_tostring(x->L, -1));
    }
    lua_pop(x->L, 2);
}

/* ---- init, revision, merge, migrate ------------------------------------------------ */

static int do_init(dbctx *x, const dbargs *a)
{
    lua_State *L = x->L;
    (void)a;
    const char *mig = lua_pushfstring(L, "%s/migrations", lua_tostring(L, x->appdir));
    if (dir_exists(mig) || access(mig, F_OK) == 0)
        luaL_error(
            L, "%s already exists: the app's migrations are set up (remove it to start over)", mig);
    const char *dirs[] = {mig, lua_tostring(L, x->verdir)};
    for (int i = 0; i < 2; i++) {
        if (mkdir(dirs[i], 0777) != 0)
            luaL_error(L, "cannot create %s: %s", dirs[i], strerror(errno));
        printf("Creating directory '%s' ...  done\n", dirs[i]);
    }
    return SH_EXIT_OK;
}

static void report_written(dbctx *x)
{
    printf("Generating %s ...  done\n", lua_tostring(x->L, -1));
    lua_pop(x->L, 1);
}

static int do_revision(dbctx *x, const dbargs *a)
{
    require_one_head(x, "adding a revision");
    orm_strv *heads = dbs_heads(x);
    dbs_write(x, a->message ? a->message : "", heads, NULL, NULL);
    report_written(x);
    return SH_EXIT_OK;
}

/* [-0, +0, e] Resolves a revision argument to a graph position (-1 base). */
int dbs_resolve(dbctx *x, const char *spec)
{
    int pos;
    orm_error err;
    orm_error_init(&err);
    if (orm_revgraph_resolve(x->g, spec, &pos, &err) < 0) dbs_raise(x->L, &err);
    return pos;
}

static int do_merge(dbctx *x, const dbargs *a)
{
    orm_strv *downs = dbs_push_strv(x->L);
    for (int i = 0; i < a->npos; i++) {
        if (strcmp(a->pos[i], "heads") == 0) {
            if (orm_revgraph_heads(x->g, downs) < 0) luaL_error(x->L, "not enough memory");
            continue;
        }
        int p = dbs_resolve(x, a->pos[i]);
        if (p < 0) luaL_error(x->L, "cannot merge 'base'");
        if (orm_strv_add_unique(downs, orm_revgraph_id(x->g, p)) < 0)
            luaL_error(x->L, "not enough memory");
    }
    if (downs->n < 2) luaL_error(x->L, "a merge needs two different revisions");
    dbs_write(x, a->message ? a->message : "", downs, NULL, NULL);
    report_written(x);
    return SH_EXIT_OK;
}

/* [-0, +1, e] orm.migrate.diff(db, managed tables) */
static void push_diff(dbctx *x)
{
    if (x->g)
        dbs_managed(x);
    else
        lua_newtable(x->L);
    dbs_call_migrate(x, "diff", 1, 1);
}

static void print_notices(lua_State *L, int diff)
{
    lua_getfield(L, diff, "notices");
    for (lua_Integer i = 1; lua_rawgeti(L, -1, i) == LUA_TSTRING; i++) {
        notice("%s%s", lua_tostring(L, -1), "");
        lua_pop(L, 1);
    }
    lua_pop(L, 2);
}

static int do_migrate(dbctx *x, const dbargs *a)
{
    lua_State *L = x->L;
    require_one_head(x, "autogenerating a revision");
    require_at_head(x);
    push_diff(x);
    int diff = lua_gettop(L);
    lua_getfield(L, diff, "n");
    if (lua_tointeger(L, -1) == 0) {
        notice("No changes in schema detected.%s%s", "", "");
        return SH_EXIT_OK;
    }
    print_notices(L, diff);
    orm_strv *heads = dbs_heads(x);
    lua_getfield(L, diff, "upgrade");
    lua_getfield(L, diff, "downgrade");
    dbs_write(x, a->message ? a->message : "", heads, lua_tostring(L, -2), lua_tostring(L, -1));
    report_written(x);
    return SH_EXIT_OK;
}

static int do_check(dbctx *x, const dbargs *a)
{
    lua_State *L = x->L;
    (void)a;
    if (x->g) {
        require_one_head(x, "checking");
        require_at_head(x);
    }
    push_diff(x);
    int diff = lua_gettop(L);
    lua_getfield(L, diff, "n");
    if (lua_tointeger(L, -1) == 0) {
        printf("No new upgrade operations detected.\n");
        return SH_EXIT_OK;
    }
    printf("New upgrade operations detected:\n");
    lua_getfield(L, diff, "ops");
    for (lua_Integer i = 1; lua_rawgeti(L, -1, i) == LUA_TSTRING; i++) {
        printf("  %s\n", lua_tostring(L, -1));
        lua_pop(L, 1);
    }
    return SH_EXIT_FAIL;
}

/* ---- upgrade, downgrade, stamp --------------------------------------------------------- */

static void set_list(lua_State *L, const orm_strv *l, const char *key)
{
    lua_createtable(L, l->n, 0);
    for (int i = 0; i < l->n; i++) {
        lua_pushstring(L, l->v[i]);
        lua_rawseti(L, -2, i + 1);
    }
    lua_setfield(L, -2, key);
}

/* [-0, +1, e] The steps of plan for orm.migrate.run. */
static void push_steps(dbctx *x, const orm_revplan *plan, int up)
{
    lua_State *L = x->L;
    lua_createtable(L, plan->n, 0);
    for (int k = 0; k < plan->n; k++) {
        int i = plan->v[k].rev;
        const char *id = orm_revgraph_id(x->g, i);
        lua_createtable(L, 0, 5);
        dbs_push_rev(x, i);
        lua_getfield(L, -1, up ? "upgrade" : "downgrade");
        lua_setfield(L, -3, "fn");
        lua_getfield(L, -1, "__file");
        lua_setfield(L, -3, "chunk");
        lua_pop(L, 1);
        const char *downs = dbs_push_joined(L, orm_revgraph_downs(x->g, i), "");
        if (up)
            lua_pushfstring(L, "Running upgrade %s -> %s, %s", downs, id, dbs_rev_message(x, i));
        else
            lua_pushfstring(L, "Running downgrade %s -> %s, %s", id, downs, dbs_rev_message(x, i));
        lua_setfield(L, -3, "label");
        lua_pop(L, 1);
        set_list(L, &plan->v[k].remove, "remove");
        set_list(L, &plan->v[k].add, "add");
        lua_rawseti(L, -2, k + 1);
    }
}

#define MT_PLAN "ormsh.Plan"

static int plan_gc(lua_State *L)
{
    orm_revplan_free(luaL_checkudata(L, 1, MT_PLAN));
    return 0;
}

static orm_revplan *push_plan(lua_State *L)
{
    return orm_lua_new_box(L, sizeof(orm_revplan), MT_PLAN, plan_gc);
}

/* Runs the plan after its pre-flight (unless --force); on failure says
 * where the database stayed. */
static int run_plan(dbctx *x, const orm_revplan *plan, int up, const dbargs *a)
{
    lua_State *L = x->L;
    int sql = a->sql;
    push_steps(x, plan, up);
    if (!sql && !a->force && !dbp_is_partial(x)) { /* a part-way revision: the run refuses */
        int rc = dbp_preflight(x, -1, a->dry_run);
        if (rc != SH_EXIT_OK || a->dry_run) return rc;
    }
    dbp_push_run_opts(L, sql);
    lua_newtable(L); /* the findings of --sql */
    if (sql) {
        lua_pushvalue(L, -1);
        lua_setfield(L, -3, "losses");
    }
    int losses = lua_gettop(L);
    lua_getfield(L, x->migrate, "run");
    lua_pushvalue(L, x->db);
    lua_pushvalue(L, losses - 2);
    lua_pushvalue(L, losses - 1);
    if (lua_pcall(L, 3, 0, 0) == LUA_OK) {
        dbp_warn_losses(L, losses);
        return SH_EXIT_OK;
    }
    sh_report(L, SH_ERR_WHERE);
    if (!sql) {
        lua_getfield(L, x->migrate, "current");
        lua_pushvalue(L, x->db);
        if (lua_pcall(L, 1, 1, 0) == LUA_OK) {
            orm_strv *cur = dbs_push_strv(L);
            dbs_to_strv(L, -2, cur);
            const char *at = dbs_push_joined(L, cur, "<base>");
            if (!dbs_report_partial(x, at, 1))
                fprintf(stderr,
                        "ormsh: the failing revision was rolled back; the database is at %s\n", at);
        }
    }
    return SH_EXIT_FAIL;
}

static int do_upgrade(dbctx *x, const dbargs *a)
{
    lua_State *L = x->L;
    const char *spec = a->npos ? a->pos[0] : "head";
    orm_strv *cur = dbs_current(x);
    orm_revplan *plan = push_plan(L);
    orm_error err;
    orm_error_init(&err);
    int targets[64], nt = 0, relative = spec[0] == '+' ? atoi(spec + 1) : 0;
    if (strcmp(spec, "heads") == 0) {
        for (int i = 0; i < orm_revgraph_count(x->g) && nt < 64; i++)
            if (dbs_is_head(x, i)) targets[nt++] = i;
    } else {
        targets[nt++] = dbs_resolve(x, relative ? "head" : spec);
    }
    if (orm_revgraph_upgrade_plan(x->g, cur, targets, nt, plan, &err) < 0) dbs_raise(L, &err);
    if (relative > 0) {
        if (plan->n < relative)
            luaL_error(L, "cannot go %d steps up: only %d revisions to apply", relative, plan->n);
        while (plan->n > relative) { /* drop the later steps */
            orm_revstep *s = &plan->v[--plan->n];
            orm_strv_free(&s->remove);
            orm_strv_free(&s->add);
        }
    }
    if (plan->n == 0) {
        if (orm_revgraph_count(x->g) == 0)
            notice("There are no revisions yet (run `ormsh db migrate -m MESSAGE`): nothing to "
                   "do.%s%s",
                   "", "");
        else
            notice("The database is already at %s%s: nothing to do.",
                   dbs_push_joined(L, cur, "<base>"),
                   strcmp(spec, "head") == 0 || strcmp(spec, "heads") == 0 ? " (head)" : "");
        return SH_EXIT_OK;
    }
    return run_plan(x, plan, 1, a);
}

static int do_downgrade(dbctx *x, const dbargs *a)
{
    lua_State *L = x->L;
    const char *spec = a->npos ? a->pos[0] : "-1";
    orm_strv *cur = dbs_current(x);
    orm_revplan *plan = push_plan(L);
    orm_error err;
    orm_error_init(&err);
    int target = -1, steps = 0;
    if (spec[0] == '-') { /* -N: the last N revisions applied, newest first */
        char *end;
        long n = strtol(spec + 1, &end, 10);
        if (*end || n <= 0 || n > 100000)
            luaL_error(L, "bad relative revision '%s' (expected -N)", spec);
        steps = (int)n;
    } else {
        target = dbs_resolve(x, spec);
    }
    if (orm_revgraph_downgrade_plan(x->g, cur, target, plan, &err) < 0) dbs_raise(L, &err);
    if (steps) {
        if (plan->n < steps)
            luaL_error(L, "cannot go %d step%s down: %d revision%s applied", steps,
                       steps == 1 ? "" : "s", plan->n, plan->n == 1 ? " is" : "s are");
        while (plan->n > steps) {
            orm_revstep *s = &plan->v[--plan->n];
            orm_strv_free(&s->remove);
            orm_strv_free(&s->add);
        }
    }
    if (plan->n == 0) {
        notice("The database is already at %s: nothing to do.%s", dbs_push_joined(L, cur, "<base>"),
               "");
        return SH_EXIT_OK;
    }
    return run_plan(x, plan, 0, a);
}

static int do_stamp(dbctx *x, const dbargs *a)
{
    lua_State *L = x->L;
    orm_strv *to = dbs_push_strv(L);
    if (strcmp(a->pos[0], "heads") == 0) {
        if (orm_revgraph_heads(x->g, to) < 0) luaL_error(L, "not enough memory");
    } else {
        int p = dbs_resolve(x, a->pos[0]);
        if (p >= 0 && orm_strv_push(to, orm_revgraph_id(x->g, p)) < 0)
            luaL_error(L, "not enough memory");
    }
    orm_strv *cur = dbs_current(x);
    notice("Running stamp_revision %s -> %s", dbs_push_joined(L, cur, ""),
           dbs_push_joined(L, to, ""));
    lua_createtable(L, to->n, 0);
    for (int i = 0; i < to->n; i++) {
        lua_pushstring(L, to->v[i]);
        lua_rawseti(L, -2, i + 1);
    }
    dbp_push_run_opts(L, a->sql);
    dbs_call_migrate(x, "stamp", 2, 0);
    return SH_EXIT_OK;
}

/* ---- dispatch ---------------------------------------------------------------------------- */

static const subcmd subcmds[] = {
    {"init", 0, 0, 0, 0, do_init},           {"migrate", 0, 0, 1, 0, do_migrate},
    {"revision", 0, 0, 1, 0, do_revision},   {"upgrade", 0, 1, 0, 1, do_upgrade},
    {"downgrade", 0, 1, 0, 1, do_downgrade}, {"current", 0, 0, 0, 0, dbs_do_current},
    {"history", 0, 0, 0, 0, dbs_do_history}, {"heads", 0, 0, 0, 0, dbs_do_heads},
    {"show", 1, 1, 0, 0, dbs_do_show},       {"stamp", 1, 1, 0, 1, do_stamp},
    {"merge", 1, 8, 1, 0, do_merge},         {"check", 0, 0, 0, 0, do_check},
};

static const subcmd *find_sub(const char *name)
{
    for (size_t i = 0; i < sizeof subcmds / sizeof subcmds[0]; i++)
        if (strcmp(subcmds[i].name, name) == 0) return &subcmds[i];
    return NULL;
}

/* [-0, +0, e] Fills x: app dir, versions dir, db, orm.migrate. Returns 0,
 * or 1 when there is no app. */
static int setup(lua_State *L, dbctx *x)
{
    memset(x, 0, sizeof *x);
    x->L = L;
    app_push_dir(L);
    if (lua_isnil(L, -1)) return 1;
    x->appdir = lua_gettop(L);
    lua_pushfstring(L, "%s/migrations/versions", lua_tostring(L, x->appdir));
    x->verdir = lua_gettop(L);
    app_push_db(L);
    x->db = lua_gettop(L);
    luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_LOADED_TABLE);
    lua_getfield(L, -1, "orm");
    lua_remove(L, -2);
    if (!lua_istable(L, -1)) luaL_error(L, "the orm module is not loaded");
    lua_getfield(L, -1, "migrate");
    lua_remove(L, -2);
    x->migrate = lua_gettop(L);
    return 0;
}

/* The commands that act on every shard of a sharded database, one after
 * the other (each its own transaction). */
static int on_every_shard(const subcmd *s)
{
    return s->run == do_upgrade || s->run == do_downgrade || s->run == dbs_do_current ||
           s->run == do_check || s->run == do_stamp;
}

/* While a command runs on one shard: its name (borrowed from the handle),
 * so that an error names the shard. */
static const char *failing_shard;

/* lua_CFunction (opts) -> exit status */
static int db_main(lua_State *L)
{
    const ormsh_opts *o = lua_touserdata(L, 1);
    dbargs a;
    dbctx x;
    parse(o, &a);
    const subcmd *s = find_sub(a.sub);
    if (setup(L, &x))
        luaL_error(L,
                   "'db %s' needs an app directory (one with app.lua): run it there or pass "
                   "--app DIR",
                   a.sub);
    int has_versions = dir_exists(lua_tostring(L, x.verdir));
    const char *mig = lua_pushfstring(L, "%s/migrations", lua_tostring(L, x.appdir));
    struct stat st;
    if (!has_versions &&
        stat(mig, &st) == 0) /* else `db init` and the others send the user in a loop */
        luaL_error(L,
                   S_ISDIR(st.st_mode)
                       ? "%s has no versions/ directory: create it (mkdir %s/versions) or remove "
                         "%s and run `ormsh db init`"
                       : "%s is not a directory: remove or rename it, then run `ormsh db init`",
                   mig, mig, mig);
    lua_pop(L, 1);
    if (s->run != do_init && s->run != do_check && !has_versions)
        luaL_error(L, "no migrations in %s: run `ormsh db init` first", lua_tostring(L, x.appdir));
    if (s->run != do_init && has_versions) dbs_load(&x);
    int nshards = orm_lua_shard_count(L, x.db);
    if (nshards == 0 || !on_every_shard(s)) {
        lua_pushinteger(L, s->run(&x, &a));
        return 1;
    }
    int worst = SH_EXIT_OK; /* each shard its own transaction; the first failure stops */
    for (int i = 0; i < nshards; i++) {
        failing_shard = orm_lua_shard_pin(L, x.db, i); /* an error names it (cmd_db_run) */
        fprintf(stderr, "Shard %s:\n", failing_shard);
        fflush(stderr);
        int rc = s->run(&x, &a);
        orm_lua_shard_pin(L, x.db, -1);
        failing_shard = NULL;
        if (rc != SH_EXIT_OK) {
            worst = rc;
            break;
        }
    }
    lua_pushinteger(L, worst);
    return 1;
}

int cmd_db_run(lua_State *L, const ormsh_opts *o)
{
    if (cmd_db_models_is(o)) return cmd_db_models_run(L, o);
    if (cmd_db_is_data_command(o))
        return strcmp(o->args[0], "seed") == 0 ? cmd_db_seed_run(L, o) : cmd_db_fixtures_run(L, o);
    int top = lua_gettop(L);
    lua_pushcfunction(L, db_main);
    lua_pushlightuserdata(L, (void *)o);
    int rc;
    if (sh_pcall(L, 1, 1) != LUA_OK) {
        if (failing_shard) { /* a sharded command failed on this shard */
            if (lua_istable(L, -1) && lua_getfield(L, -1, "message") == LUA_TSTRING) {
                lua_pushfstring(L, "shard %s: %s", failing_shard, lua_tostring(L, -1));
                lua_setfield(L, -3, "message");
                lua_pop(L, 1);
            } else if (lua_istable(L, -1)) {
                lua_pop(L, 1);
            } else if (lua_type(L, -1) == LUA_TSTRING) {
                lua_pushfstring(L, "shard %s: %s", failing_shard, lua_tostring(L, -1));
                lua_remove(L, -2);
            }
            app_push_db(L);
            orm_lua_shard_pin(L, -1, -1);
            lua_pop(L, 1);
            failing_shard = NULL;
        }
        if (lua_type(L, -1) == LUA_TSTRING) { /* our own messages: "ormsh: ..." */
            lua_pushfstring(L, "ormsh: %s", lua_tostring(L, -1));
            lua_remove(L, -2);
        }
        sh_report(L, SH_ERR_WHERE);
        rc = SH_EXIT_FAIL;
    } else {
        rc = (int)lua_tointeger(L, -1);
    }
    fflush(stdout);
    lua_settop(L, top);
    return rc;
}

/* lua_CFunction: the warning of cmd_db_warn_behind, in protected mode. */
static int warn_main(lua_State *L)
{
    dbctx x;
    if (setup(L, &x) || !dir_exists(lua_tostring(L, x.verdir))) return 0;
    dbs_load(&x);
    if (orm_revgraph_count(x.g) == 0) return 0;
    orm_strv *cur = dbs_current(&x), *heads = dbs_heads(&x);
    if (orm_strv_same_set(cur, heads)) return 0;
    lua_pushboolean(L, 1); /* the prompt says so (app_prompt) */
    lua_setfield(L, LUA_REGISTRYINDEX, CMD_DB_BEHIND_KEY);
    dbs_push_joined(L, cur, "<base>");
    dbs_push_joined(L, heads, "<base>");
    fflush(stdout);
    fprintf(stderr,
            "ormsh: warning: the database is not up to date with the migrations (at %s, head %s): "
            "run `ormsh db upgrade`\n",
            lua_tostring(L, -2), lua_tostring(L, -1));
    fflush(stderr);
    return 0;
}

void cmd_db_warn_behind(lua_State *L)
{
    int top = lua_gettop(L);
    lua_pushcfunction(L, warn_main);
    (void)lua_pcall(L, 0, 0, 0); /* a broken revision file is for db commands to report */
    lua_settop(L, top);
}
