/* l_migrate.c — `orm.migrate`, what the ormsh db commands call:
 *   orm.migrate.current(db)              -> list of the revisions the database is at
 *   orm.migrate.diff(db [, managed])     -> nil | { upgrade, downgrade, ops, notices, unmapped }
 *   orm.migrate.run(db, steps [, opts])  runs revision functions, one transaction each
 *   orm.migrate.stamp(db, heads [, opts]) sets the version table without running anything
 *   orm.migrate.partial(db)              -> nil | { transition, applied, not_applied }: a
 *                                           revision left part-way (MySQL, migrate_steps.h)
 * A step is { fn = function(op), chunk = "migrations/versions/x.lua", label = "Running ...",
 * remove = { rev... }, add = { rev... } }; opts = { sql = bool, notice = fn(label),
 * emit = fn(sqltext), check = bool, losses = {}, progress = fn(table, done, total) }:
 * progress is called while a long step copies rows (migrate.h); with `losses` a table, each
 * step first counts what it would destroy (migrate_preflight.h) and appends one
 * line per finding to it; `check` runs the steps as --sql does (one
 * transaction, rolled back; nothing written where DDL commits at once) without
 * emitting any SQL: the pre-flight pass of `db upgrade` and `--dry-run`. */
#include <stdlib.h>
#include <string.h>

#include "diff.h"
#include "l_migrate.h"
#include "migrate_preflight.h"
#include "migrate_steps.h"
#include "reflect.h"

/* ---- helpers ------------------------------------------------------------------ */

static void push_strv(lua_State *L, const orm_strv *l)
{
    lua_createtable(L, l->n, 0);
    for (int i = 0; i < l->n; i++) {
        lua_pushstring(L, l->v[i]);
        lua_rawseti(L, -2, i + 1);
    }
}

static void free_strv(void *p)
{
    orm_strv_free(p);
    free(p);
}

/* [-0, +1, m] An empty list held by a cleanup userdata. */
static orm_strv *new_strv(lua_State *L)
{
    void **slot = l_cleanup_push(L, free_strv);
    orm_strv *l = calloc(1, sizeof *l);
    if (!l) l_oom(L);
    *slot = l;
    return l;
}

/* [-0, +1, m] A list of strings at idx (nil: empty) held by a cleanup userdata. */
static orm_strv *strv_arg(lua_State *L, int idx)
{
    idx = lua_absindex(L, idx);
    int none = lua_isnoneornil(L, idx);
    orm_strv *l = new_strv(L);
    if (none) return l;
    luaL_checktype(L, idx, LUA_TTABLE);
    lua_Integer n = luaL_len(L, idx);
    for (lua_Integer i = 1; i <= n; i++) {
        lua_rawgeti(L, idx, i);
        const char *s = lua_tostring(L, -1);
        if (!s)
            luaL_error(L, "expected a list of strings (item %d is %s)", (int)i,
                       luaL_typename(L, -1));
        int rc = orm_strv_push(l, s);
        lua_pop(L, 1);
        if (rc < 0) l_oom(L);
    }
    return l;
}

L_NORETURN static int raise_conn(lua_State *L, orm_conn *c)
{
    orm_error e;
    orm_error_init(&e);
    orm_error_move(&e, &c->err);
    l_error_raise(L, &e);
}

/* The db handle with no transaction open (an idle read one is ended). */
static l_db *idle_db(lua_State *L, int idx)
{
    l_db *db = l_db_check(L, idx);
    orm_session_end_streams(db->session); /* loops a break left: DDL would be blocked */
    orm_session_end_idle(db->session);
    if (orm_conn_in_transaction(db->conn))
        l_error_raisef(L, ORM_ERR_MIGRATION,
                       "the session has uncommitted changes: commit or roll back before migrating");
    return db;
}

/* ---- current ------------------------------------------------------------------ */

static int m_current(lua_State *L)
{
    l_db *db = idle_db(L, 1);
    orm_strv *v = new_strv(L);
    if (orm_mig_version_read(db->conn, v) < 0) return raise_conn(L, db->conn);
    push_strv(L, v);
    return 1;
}

/* ---- diff -------------------------------------------------------------------------- */

static void free_schema(void *p)
{
    orm_dbschema_free(p);
}
static void free_ops(void *p)
{
    orm_mig_ops_free(p);
    free(p);
}

static void set_rendered(lua_State *L, const orm_mig_ops *ops, int downgrade, const char *key)
{
    orm_buf b = ORM_BUF_INIT;
    int rc = orm_mig_ops_render(ops, downgrade, "    ", &b);
    if (rc == ORM_OK) lua_pushstring(L, orm_buf_str(&b));
    orm_buf_free(&b);
    if (rc < 0) l_oom(L);
    lua_setfield(L, -2, key);
}

/* The ops one per entry, for `db check`. */
static void set_op_list(lua_State *L, const orm_mig_ops *ops)
{
    lua_createtable(L, ops->n, 0);
    for (int i = 0; i < ops->n; i++) {
        orm_buf b = ORM_BUF_INIT;
        int rc = orm_mig_op_render(&ops->v[i], 0, "  ", &b);
        if (rc == ORM_OK) lua_pushstring(L, orm_buf_str(&b));
        orm_buf_free(&b);
        if (rc < 0) l_oom(L);
        lua_rawseti(L, -2, i + 1);
    }
    lua_setfield(L, -2, "ops");
}

/* orm.migrate.diff(db [, managed]) */
static int m_diff(lua_State *L)
{
    static const char *const exclude[] = {ORM_VERSION_TABLE, ORM_STEPS_TABLE, NULL};
    l_db *db = idle_db(L, 1);
    orm_strv *managed = strv_arg(L, 2);
    orm_error err;
    orm_error_init(&err);
    if (orm_metadata_check_fks(db->md, &err) < 0) return l_error_raise(L, &err);
    void **target = l_cleanup_push(L, free_schema);
    void **current = l_cleanup_push(L, free_schema);
    void **slot = l_cleanup_push(L, free_ops);
    orm_mig_ops *ops = calloc(1, sizeof *ops);
    if (!ops) return l_oom(L);
    *slot = ops;
    if (orm_dbschema_from_metadata(db->md, (orm_dbschema **)target) < 0) return l_oom(L);
    if (orm_reflect_schema(db->conn, (orm_dbschema **)current) < 0) return raise_conn(L, db->conn);
    orm_diff_opts o = {managed, exclude};
    if (orm_diff(*target, *current, &o, ops) < 0) return l_oom(L);
    lua_createtable(L, 0, 6);
    lua_pushinteger(L, ops->n);
    lua_setfield(L, -2, "n");
    set_rendered(L, ops, 0, "upgrade");
    set_rendered(L, ops, 1, "downgrade");
    set_op_list(L, ops);
    push_strv(L, &ops->notices);
    lua_setfield(L, -2, "notices");
    push_strv(L, &ops->unmapped);
    lua_setfield(L, -2, "unmapped");
    return 1;
}

/* ---- run ------------------------------------------------------------------------------ */

static int box_gc(lua_State *L)
{
    l_migbox *b = luaL_checkudata(L, 1, L_MT_MIGBOX);
    orm_mig_ctx_free(b->m);
    b->m = NULL;
    return 0;
}

/* [-0, +1, m] */
static l_migbox *new_box(lua_State *L, l_db *db, int sql)
{
    l_migbox *b = lua_newuserdatauv(L, sizeof *b, 0);
    b->m = NULL;
    b->db = db;
    b->preflight = 0;
    luaL_setmetatable(L, L_MT_MIGBOX);
    if (!(b->m = orm_mig_ctx_new(db->conn, sql))) l_oom(L);
    return b;
}

/* Message handler for a revision function: records where in the revision
 * file (upvalue 1: its source "@chunk") the error happened, in upvalue 2. */
static int locate(lua_State *L)
{
    const char *src = lua_tostring(L, lua_upvalueindex(1));
    lua_Debug ar;
    for (int level = 0; lua_getstack(L, level, &ar); level++) {
        if (!lua_getinfo(L, "Sl", &ar) || ar.currentline <= 0) continue;
        if (strcmp(ar.source, src) == 0) {
            lua_pushfstring(L, "%s:%d:", src + 1, ar.currentline);
            lua_replace(L, lua_upvalueindex(2));
            break;
        }
    }
    return 1; /* the error value, unchanged */
}

/* [-1, +1, m] The error value on top, pointed at the revision file: an ORM
 * error gets `where` = "file:line:"; a message without that prefix gets it. */
static void place_error(lua_State *L, const char *where, const char *revision)
{
    size_t n = strlen(where);
    if (lua_type(L, -1) == LUA_TTABLE) {
        lua_pushstring(L, where);
        lua_setfield(L, -2, "where");
        lua_pushstring(L, revision);
        lua_setfield(L, -2, "revision");
    } else if (lua_type(L, -1) == LUA_TSTRING) {
        const char *msg = lua_tostring(L, -1);
        const char *colon = strchr(where, ':');
        size_t file = colon ? (size_t)(colon - where) + 1 : n; /* "file:" */
        if (strncmp(msg, where, file) != 0) {
            lua_pushfstring(L, "%s %s", where, msg);
            lua_remove(L, -2);
        }
    }
}

/* Raises the connection's error as one from the step's file. */
static int raise_step(lua_State *L, orm_conn *c, const char *chunk, const char *revision)
{
    orm_error e;
    orm_error_init(&e);
    orm_error_move(&e, &c->err);
    l_error_push(L, &e);
    orm_error_clear(&e);
    lua_pushfstring(L, "%s:", chunk);
    place_error(L, lua_tostring(L, -1), revision);
    lua_pop(L, 1);
    return lua_error(L);
}

static void call_opt(lua_State *L, int opts, const char *key, const char *arg)
{
    if (!opts || lua_getfield(L, opts, key) != LUA_TFUNCTION) {
        if (opts) lua_pop(L, 1);
        return;
    }
    lua_pushstring(L, arg);
    lua_call(L, 1, 0);
}

static void emit_sql(lua_State *L, l_migbox *b, int opts)
{
    char *text = orm_mig_ctx_take_sql(b->m);
    if (!text) l_oom(L);
    lua_pushstring(L, text);
    free(text);
    call_opt(L, opts, "emit", lua_tostring(L, -1));
    lua_pop(L, 1);
}

/* [-0, +1, m] A list of l[from..to). */
static void push_range(lua_State *L, const orm_strv *l, int from, int to)
{
    lua_createtable(L, to > from ? to - from : 0, 0);
    for (int i = from; i < to; i++) {
        lua_pushstring(L, l->v[i]);
        lua_rawseti(L, -2, i - from + 1);
    }
}

/* Appends the findings so far to opts.losses (when it is a table). */
static void flush_losses(lua_State *L, l_migbox *b, int opts)
{
    if (!opts || lua_getfield(L, opts, "losses") != LUA_TTABLE) {
        if (opts) lua_pop(L, 1);
        return;
    }
    orm_strv l = ORM_STRV_INIT;
    int rc = orm_mig_ctx_take_losses(b->m, &l);
    lua_Integer n = (lua_Integer)lua_rawlen(L, -1);
    for (int i = 0; rc == ORM_OK && i < l.n; i++) {
        lua_pushstring(L, l.v[i]);
        lua_rawseti(L, -2, ++n);
    }
    orm_strv_free(&l);
    lua_pop(L, 1);
    if (rc < 0) luaL_error(L, "not enough memory");
}

/* After fn(op) raised (the error on top): rolls back, points the error at
 * the revision file and, op by op, says which operations ran; raises it. */
static void fail_fn(lua_State *L, l_migbox *b, int msgh, const char *chunk, const char *rev,
                    int opts)
{
    flush_losses(L, b, opts);
    const orm_mig_steplist *st = orm_mig_steps(b->m);
    orm_mig_rollback(b->m);
    if (st->on && !st->planning && lua_istable(L, -1)) {
        push_range(L, &st->plan, 0, st->applied);
        lua_setfield(L, -2, "applied");
        push_range(L, &st->plan, st->applied, st->plan.n);
        lua_setfield(L, -2, "not_applied");
    }
    orm_mig_steps_failed(b->m);
    lua_getupvalue(L, msgh, 2);
    if (lua_isnil(L, -1)) {
        lua_pop(L, 1);
        lua_pushfstring(L, "%s:", chunk);
    }
    lua_insert(L, -2);
    place_error(L, lua_tostring(L, -2), rev);
    lua_error(L);
}

/* [-0, +1, m] "a -> b" for a step removing `remove` and adding `add`. */
static const char *push_transition(lua_State *L, const orm_strv *remove, const orm_strv *add)
{
    luaL_Buffer B;
    luaL_buffinit(L, &B);
    for (int k = 0; k < 2; k++) {
        const orm_strv *l = k ? add : remove;
        if (k) luaL_addstring(&B, " -> ");
        for (int i = 0; i < l->n; i++) {
            if (i) luaL_addstring(&B, ", ");
            luaL_addstring(&B, l->v[i]);
        }
        if (l->n == 0) luaL_addstring(&B, "<base>");
    }
    luaL_pushresult(&B);
    return lua_tostring(L, -1);
}

/* Where DDL commits at once (MySQL): runs fn(op) once to plan the ops and
 * checks what an earlier run left (migrate_steps.h). */
static void plan_steps(lua_State *L, l_migbox *b, int step, int op, int opts, int msgh,
                       const char *chunk, const char *rev, const orm_strv *remove,
                       const orm_strv *add)
{
    lua_getfield(L, step, "fn");
    lua_pushvalue(L, op);
    if (lua_pcall(L, 1, 0, msgh) != LUA_OK) fail_fn(L, b, msgh, chunk, rev, opts);
    int skipped = 0;
    if (orm_mig_steps_start(b->m, push_transition(L, remove, add), &skipped) < 0) {
        orm_mig_rollback(b->m);
        orm_mig_steps_failed(b->m);
        raise_step(L, orm_mig_ctx_conn(b->m), chunk, rev);
    }
    lua_pop(L, 1);
    if (skipped) {
        const orm_mig_steplist *st = orm_mig_steps(b->m);
        luaL_Buffer B;
        luaL_buffinit(L, &B);
        lua_pushfstring(L, "Resuming: an earlier run applied %d of the revision's %d operations (",
                        skipped, st->plan.n);
        luaL_addvalue(&B);
        for (int i = 0; i < skipped; i++) {
            if (i) luaL_addstring(&B, ", ");
            luaL_addstring(&B, st->plan.v[i]);
        }
        luaL_addstring(&B, "); running the rest");
        luaL_pushresult(&B);
        call_opt(L, opts, "notice", lua_tostring(L, -1));
        lua_pop(L, 1);
    }
}

/* Runs step at idx: fn(op) and the version bump, committed (or, in sql
 * mode, left in the one open transaction). */
static void run_step(lua_State *L, l_migbox *b, int step, int op, int opts, int sql)
{
    int top = lua_gettop(L);
    lua_getfield(L, step, "chunk");
    const char *chunk = luaL_optstring(L, -1, "revision");
    lua_getfield(L, step, "add");
    lua_getfield(L, step, "remove");
    orm_strv *add = strv_arg(L, top + 2), *remove = strv_arg(L, top + 3);
    lua_getfield(L, step, "label");
    const char *label = luaL_optstring(L, -1, "");
    const char *rev = add->n ? add->v[0] : remove->n ? remove->v[0] : "";
    call_opt(L, opts, "notice", label);
    orm_conn *c = orm_mig_ctx_conn(b->m);
    if (b->preflight && orm_mig_ctx_set_revision(b->m, rev) < 0) raise_step(L, c, chunk, rev);
    if (sql) {
        orm_mig_ctx_emit(b->m, "-- ");
        orm_mig_ctx_emit(b->m, label);
        orm_mig_ctx_emit(b->m, "\n\n");
        orm_mig_ctx_emit_begin(b->m);
    } else if (orm_mig_begin(b->m) < 0) {
        raise_step(L, c, chunk, rev);
    }
    lua_pushfstring(L, "@%s", chunk);
    lua_pushnil(L);
    lua_pushcclosure(L, locate, 2);
    int msgh = lua_gettop(L);
    int stepwise = !sql && orm_mig_steps_plan(b->m);
    if (stepwise) plan_steps(L, b, step, op, opts, msgh, chunk, rev, remove, add);
    lua_getfield(L, step, "fn");
    lua_pushvalue(L, op);
    if (lua_pcall(L, 1, 0, msgh) != LUA_OK) fail_fn(L, b, msgh, chunk, rev, opts);
    int rc = stepwise ? orm_mig_steps_finish(b->m) : ORM_OK;
    if (rc == ORM_OK) rc = orm_mig_version_move(b->m, remove, add);
    if (rc == ORM_OK) rc = sql ? orm_mig_check(b->m) : orm_mig_commit(b->m);
    flush_losses(L, b, opts);
    if (rc < 0) {
        if (!sql) orm_mig_rollback(b->m);
        orm_mig_steps_failed(b->m);
        raise_step(L, c, chunk, rev);
    }
    orm_mig_steps_end(b->m); /* op-by-op mode ends with the revision */
    if (sql) {
        orm_mig_ctx_emit_commit(b->m);
        emit_sql(L, b, opts);
    }
    lua_settop(L, top);
}

#define PROGRESS_KEY "orm.migrate.progress" /* registry: opts.progress of the run */

/* orm_mig_progress_fn: calls opts.progress(table, done, total) (kept in
 * the registry for the run); its errors are ignored. */
static void progress_cb(void *ctx, const char *table, int64_t done, int64_t total)
{
    lua_State *L = ctx;
    lua_getfield(L, LUA_REGISTRYINDEX, PROGRESS_KEY);
    lua_pushstring(L, table);
    lua_pushinteger(L, (lua_Integer)done);
    lua_pushinteger(L, (lua_Integer)total);
    if (lua_pcall(L, 3, 0, 0) != LUA_OK) lua_pop(L, 1);
}

/* orm.migrate.run(db, steps [, opts]) */
static int m_run(lua_State *L)
{
    l_db *db = idle_db(L, 1);
    luaL_checktype(L, 2, LUA_TTABLE);
    int opts = lua_istable(L, 3) ? 3 : 0;
    int sql = opts && (lua_getfield(L, opts, "sql"), lua_toboolean(L, -1));
    int check = opts && (lua_getfield(L, opts, "check"), lua_toboolean(L, -1));
    int preflight = opts && lua_getfield(L, opts, "losses") == LUA_TTABLE;
    int progress = opts && lua_getfield(L, opts, "progress") == LUA_TFUNCTION;
    if (progress) lua_setfield(L, LUA_REGISTRYINDEX, PROGRESS_KEY);
    lua_settop(L, 3);
    sql = sql || check;
    l_migbox *b = new_box(L, db, sql);
    orm_mig_ctx_set_preflight(b->m, preflight);
    b->preflight = preflight;
    if (progress) orm_mig_ctx_set_progress(b->m, progress_cb, L);
    int box = lua_gettop(L);
    l_migop_push(L, box);
    int op = lua_gettop(L);
    orm_conn *c = db->conn;
    if (orm_mig_ctx_supported(b->m) < 0) return raise_conn(L, c);
    if (sql && orm_mig_begin(b->m) < 0) return raise_conn(L, c);
    lua_Integer n = luaL_len(L, 2);
    for (lua_Integer i = 1; i <= n; i++) {
        lua_rawgeti(L, 2, i);
        luaL_checktype(L, -1, LUA_TTABLE);
        run_step(L, b, lua_gettop(L), op, opts, sql);
        lua_pop(L, 1);
    }
    if (sql) orm_mig_rollback(b->m); /* --sql changes nothing */
    orm_mig_ctx_free(b->m);
    b->m = NULL;
    return 0;
}

/* orm.migrate.stamp(db, heads [, opts]) */
static int m_stamp(lua_State *L)
{
    l_db *db = idle_db(L, 1);
    int opts = lua_istable(L, 3) ? 3 : 0;
    int sql = opts && (lua_getfield(L, opts, "sql"), lua_toboolean(L, -1));
    orm_strv *heads = strv_arg(L, 2);
    l_migbox *b = new_box(L, db, sql);
    orm_conn *c = db->conn;
    if (orm_mig_begin(b->m) < 0) return raise_conn(L, c);
    orm_mig_ctx_emit_begin(b->m);
    int rc = orm_mig_version_stamp(b->m, heads);
    if (rc == ORM_OK && !sql) rc = orm_mig_steps_forget(b->m); /* stamped: nothing is part-way */
    orm_mig_ctx_emit_commit(b->m);
    if (rc == ORM_OK && !sql) rc = orm_mig_commit(b->m);
    if (rc < 0 || sql) orm_mig_rollback(b->m);
    if (rc < 0) return raise_conn(L, c);
    if (sql) emit_sql(L, b, opts);
    orm_mig_ctx_free(b->m);
    b->m = NULL;
    return 0;
}

/* orm.migrate.partial(db) */
static int m_partial(lua_State *L)
{
    l_db *db = idle_db(L, 1);
    orm_strv *applied = new_strv(L), *pending = new_strv(L);
    char *move = NULL;
    if (orm_mig_partial(db->conn, &move, applied, pending) < 0) return raise_conn(L, db->conn);
    if (!move) {
        lua_pushnil(L);
        return 1;
    }
    lua_createtable(L, 0, 3);
    lua_pushstring(L, move);
    free(move);
    lua_setfield(L, -2, "transition");
    push_strv(L, applied);
    lua_setfield(L, -2, "applied");
    push_strv(L, pending);
    lua_setfield(L, -2, "not_applied");
    return 1;
}

void l_migrate_open(lua_State *L, int modidx)
{
    static const luaL_Reg funcs[] = {
        {"current", m_current}, {"diff", m_diff},       {"run", m_run},
        {"stamp", m_stamp},     {"partial", m_partial}, {NULL, NULL},
    };
    modidx = lua_absindex(L, modidx);
    if (luaL_newmetatable(L, L_MT_MIGBOX)) {
        l_protect_mt(L);
        lua_pushcfunction(L, box_gc);
        lua_setfield(L, -2, "__gc");
    }
    lua_pop(L, 1);
    l_migop_open(L);
    luaL_newlib(L, funcs);
    lua_setfield(L, modidx, "migrate");
}
