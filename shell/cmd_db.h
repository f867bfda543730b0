/* cmd_db.h — the `ormsh db ...` commands (docs/reference.md): init, migrate,
 * revision, upgrade, downgrade, current, history, heads, show, stamp, merge,
 * check; and the warning the shell gives at start when the database is
 * behind the app's migrations. The work happens in the bindings'
 * orm.migrate functions; this file reads arguments and revision files,
 * writes revision files, and prints. */
#ifndef ORMSH_CMD_DB_H
#define ORMSH_CMD_DB_H

#include <lua.h>

#include "revision.h"
#include "shell.h"

/* -1 when `db` and its arguments are well formed, else SH_EXIT_USAGE after
 * saying why (called before the app loads). */
int cmd_db_usage(const ormsh_opts *o);
/* [-0, +0, -] Runs the db command (the app is loaded). Returns the exit status. */
int cmd_db_run(lua_State *L, const ormsh_opts *o);
/* [-0, +0, -] Warns on stderr, naming `ormsh db upgrade`, when the app has
 * revisions and the database is not at their head. Silent otherwise. */
void cmd_db_warn_behind(lua_State *L);
/* Registry key set to true when cmd_db_warn_behind found the database
 * behind the migrations head. */
#define CMD_DB_BEHIND_KEY "ormsh.behind"

/* ---- shared by cmd_db.c and cmd_db_scripts.c ---- */

/* Where a db command works; stack positions stay valid for the command. */
typedef struct dbctx {
    lua_State *L;
    int appdir;  /* stack: absolute app directory */
    int verdir;  /* stack: <app>/migrations/versions */
    int revs;    /* stack: revision id -> revision table (its file's returned table,
                    plus __file: "migrations/versions/x.lua", __path: absolute) */
    int migrate; /* stack: the orm.migrate table */
    int db;      /* stack: the db handle */
    orm_revgraph *g;
} dbctx;

/* A db command line, as cmd_db.c parsed it. */
typedef struct dbargs {
    const char *sub;
    const char *message; /* -m / --message */
    int sql;             /* --sql */
    int force, dry_run;  /* --force, --dry-run (upgrade, downgrade) */
    const char *pos[8];
    int npos;
} dbargs;

/* [-0, +0, e] Calls orm.migrate.<fn>(db, the nargs values on top) with nres results. */
void dbs_call_migrate(dbctx *x, const char *fn, int nargs, int nres);
/* [-0, +1, e] An empty C string list, owned by a userdata pushed. */
orm_strv *dbs_push_strv(lua_State *L);
/* [-0, +0, e] Appends the strings of the Lua list at idx to out. */
void dbs_to_strv(lua_State *L, int idx, orm_strv *out);
/* [-0, +1, e] The revisions the database is at / the graph's heads, as a C
 * list owned by a userdata pushed. */
orm_strv *dbs_current(dbctx *x);
orm_strv *dbs_heads(dbctx *x);
/* [-0, +1, e] The list joined with ", " (none: `none`); returns the pushed string. */
const char *dbs_push_joined(lua_State *L, const orm_strv *l, const char *none);
/* [-0, +0, e] The message of revision i ("" when none; kept alive by x->revs). */
const char *dbs_rev_message(dbctx *x, int i);
/* 1 when graph position i has no child revision. */
int dbs_is_head(dbctx *x, int i);
/* [-0, +0, e] A revision argument as a graph position (-1: base). */
int dbs_resolve(dbctx *x, const char *spec);

/* ---- current, heads, history, show (cmd_db_info.c) ---- */

/* [-0, +0, e] Where DDL commits at once, says on stderr which operations of a
 * revision left part-way ran (failed: after a failing upgrade); 0 when none is. */
int dbs_report_partial(dbctx *x, const char *at, int failed);
/* The subcommands; each returns the exit status. */
int dbs_do_current(dbctx *x, const dbargs *a);
int dbs_do_heads(dbctx *x, const dbargs *a);
int dbs_do_history(dbctx *x, const dbargs *a);
int dbs_do_show(dbctx *x, const dbargs *a);

/* [-0, +0, v] Raises e's message as a plain error (e is cleared first). */
__attribute__((noreturn)) void dbs_raise(lua_State *L, orm_error *e);
/* [-0, +2, e] Reads every Lua file of migrations/versions into x->revs (pushed)
 * and builds x->g (owned by a userdata pushed below it). Raises
 * naming the file for a broken one. */
void dbs_load(dbctx *x);
/* [-0, +1, e] Table names the revision files create (op.create_table,
 * op.rename_table targets): those autogenerate may drop. */
void dbs_managed(dbctx *x);
/* [-0, +1, e] Writes a new revision file; pushes its absolute path. downs:
 * the down revisions (none: the first). upgrade/downgrade: the bodies, each
 * line indented four spaces (NULL: empty). */
void dbs_write(dbctx *x, const char *message, const orm_strv *downs, const char *upgrade,
               const char *downgrade);
/* [-0, +1, e] The revision table of graph position i. */
void dbs_push_rev(dbctx *x, int i);

/* ---- running migrations, and the pre-flight (cmd_db_preflight.c) ---- */

/* [-0, +1, e] The options of orm.migrate.run / stamp: sql, emit (stdout),
 * notice (stderr), progress (stderr, only while it is a terminal). */
void dbp_push_run_opts(lua_State *L, int sql);
/* [-0, +0, e] 1 when a revision was left part-way (migrate_steps.h). */
int dbp_is_partial(dbctx *x);

/* [-0, +0, e] Runs the steps (orm.migrate.run's list at index steps) once,
 * rolled back, counting what they would destroy. dry_run: prints the
 * findings on stdout and returns the exit status (0 unless a step failed).
 * Else: refuses (SH_EXIT_FAIL, the findings on stderr) when there are
 * findings, and returns SH_EXIT_OK when the real run may go ahead. */
int dbp_preflight(dbctx *x, int steps, int dry_run);
/* [-0, +0, -] The findings of a --sql run (the list at idx) as a warning on
 * stderr; nothing when it is empty. */
void dbp_warn_losses(lua_State *L, int losses);

#endif
