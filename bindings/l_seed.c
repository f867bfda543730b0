/* l_seed.c — idempotent seeding: Model:get_or_create(lookup, defaults),
 * Model:update_or_create(lookup, values), and db.seed(file [, opts]), which
 * runs a seed script in one transaction (session:commit inside it only
 * flushes), rolls it back on error or for a dry run, and counts the rows
 * it wrote per table. The lookups go through the same query and session
 * methods a script would call. */
#include <stdlib.h>
#include <string.h>

#include "l_args.h"
#include "l_db.h"
#include "l_relation.h"
#include "l_seed.h"

/* ---- small helpers over the Lua API --------------------------------------------------- */

/* [-0, +1, -] The db's session userdata. */
static void push_session(lua_State *L, l_db *db)
{
    l_db_push_uv(L, db);
    lua_getfield(L, -1, L_DB_SESSION);
    lua_remove(L, -2);
}

/* [-(nargs), +nres, e] Calls obj:name(args) where obj sits just below the
 * nargs arguments on top of the stack; pops obj and the arguments. */
static void call_method(lua_State *L, const char *name, int nargs, int nres)
{
    int obj = lua_gettop(L) - nargs;
    lua_getfield(L, obj, name);
    lua_insert(L, obj); /* fn obj args */
    lua_call(L, nargs + 1, nres);
}

/* [-0, +1, e] cls.query:filter_by(lookup at idx) */
static void push_lookup_query(lua_State *L, int cls, int lookup)
{
    lua_getfield(L, cls, "query");
    lua_pushvalue(L, lookup);
    call_method(L, "filter_by", 1, 1);
}

/* [-0, +0, e] Assigns every field of the table at src to the instance at inst. */
static void assign_all(lua_State *L, int inst, int src)
{
    if (lua_isnoneornil(L, src)) return;
    lua_pushnil(L);
    while (lua_next(L, src)) {
        l_instance_assign(L, inst, -2, -1);
        lua_pop(L, 1);
    }
}

/* [-0, +0, e] Like assign_all, skipping values equal to the current ones
 * (so an unchanged row is not written again). */
static void assign_changed(lua_State *L, int inst, int src)
{
    if (lua_isnoneornil(L, src)) return;
    lua_pushnil(L);
    while (lua_next(L, src)) {
        lua_pushvalue(L, -2);
        lua_gettable(L, inst);
        int same = lua_rawequal(L, -1, -2);
        lua_pop(L, 1);
        if (!same) l_instance_assign(L, inst, -2, -1);
        lua_pop(L, 1);
    }
}

static l_class *check_args(lua_State *L, const char *fn)
{
    l_class *c = l_class_test(L, 1);
    if (c == NULL)
        return (l_class *)(intptr_t)luaL_error(L, "%s: call it on a model class (Model:%s{...})",
                                               fn, fn);
    lua_settop(L, 3);
    lua_getfield(L, 1, "__name");
    const char *model = lua_tostring(L, -1);
    if (!lua_istable(L, 2))
        return (l_class *)(intptr_t)l_error_raisef(
            L, ORM_ERR_ARGUMENT,
            "%s:%s(lookup, ...): lookup must be a table of attributes (got %s)", model, fn,
            luaL_typename(L, 2));
    if (!lua_isnoneornil(L, 3) && !lua_istable(L, 3))
        return (l_class *)(intptr_t)l_error_raisef(
            L, ORM_ERR_ARGUMENT,
            "%s:%s(lookup, values): values must be a table of attributes (got %s)", model, fn,
            luaL_typename(L, 3));
    lua_settop(L, 3);
    return c;
}

/* [-1, +0, v] Raises the error value on top, first giving an ORM error
 * raised inside our own C calls the caller's position (`where`). */
static int rethrow(lua_State *L)
{
    if (lua_istable(L, -1)) {
        int empty = lua_getfield(L, -1, "where") == LUA_TSTRING && lua_rawlen(L, -1) == 0;
        lua_pop(L, 1);
        if (empty) {
            luaL_where(L, 1);
            lua_setfield(L, -2, "where");
        }
    }
    return lua_error(L);
}

/* Inserts a new object of class 1 from lookup (2) and extra (3) under a
 * savepoint. On an IntegrityError (another transaction inserted the same
 * row first) the savepoint is rolled back and the row looked up again with
 * a locking read: on MySQL/MariaDB (REPEATABLE READ) a plain read keeps the
 * snapshot taken before the other transaction committed and would not see
 * the row. update: the row found that way gets the values of 3 (as
 * update_or_create does for a row it finds at once).
 * [-0, +2, e] pushes obj, created. */
static int create_or_find(lua_State *L, l_class *c, int update)
{
    l_db *db = c->db;
    push_session(L, db);
    int sess = lua_gettop(L);
    lua_pushvalue(L, sess);
    call_method(L, "begin_nested", 0, 1);
    int sp = lua_gettop(L);
    lua_pushvalue(L, 1);
    lua_call(L, 0, 1); /* cls() */
    int obj = lua_gettop(L);
    assign_all(L, obj, 2);
    assign_all(L, obj, 3);
    lua_getfield(L, sess, "add");
    lua_pushvalue(L, sess);
    lua_pushvalue(L, obj);
    lua_call(L, 2, 0);
    lua_getfield(L, sess, "flush");
    lua_pushvalue(L, sess);
    if (lua_pcall(L, 1, 0, 0) == LUA_OK) {
        lua_pushvalue(L, sp);
        call_method(L, "commit", 0, 0);
        lua_pushvalue(L, obj);
        lua_pushboolean(L, 1);
        return 2;
    }
    int err = lua_gettop(L);
    /* the failed object leaves the session before the savepoint goes back */
    orm_object *o = l_instance_test(L, obj);
    if (o && o->session) orm_session_expunge(db->session, o);
    lua_pushvalue(L, sp);
    call_method(L, "rollback", 0, 0);
    if (!l_error_is(L, err, ORM_ERR_INTEGRITY)) {
        lua_pushvalue(L, err);
        return rethrow(L);
    }
    push_lookup_query(L, 1, 2);
    if (update) {
        call_method(L, "with_for_update", 0, 1);
    } else {
        lua_createtable(L, 0, 1);
        lua_pushboolean(L, 1);
        lua_setfield(L, -2, "read");
        call_method(L, "with_for_update", 1, 1);
    }
    call_method(L, "one_or_none", 0, 1);
    if (lua_isnil(L, -1)) {
        lua_pushvalue(L, err);
        return rethrow(L);
    }
    if (update) {
        int found = lua_gettop(L);
        assign_changed(L, found, 3);
        lua_pushvalue(L, sess);
        call_method(L, "flush", 0, 0);
        lua_pushvalue(L, found);
    }
    lua_pushboolean(L, 0);
    return 2;
}

/* Model:get_or_create(lookup [, defaults]) -> obj, created [-0, +2, e] */
int l_seed_get_or_create(lua_State *L)
{
    l_class *c = check_args(L, "get_or_create");
    push_lookup_query(L, 1, 2);
    call_method(L, "one_or_none", 0, 1);
    if (!lua_isnil(L, -1)) {
        lua_pushboolean(L, 0);
        return 2;
    }
    lua_pop(L, 1);
    return create_or_find(L, c, 0);
}

/* Model:update_or_create(lookup [, values]) -> obj, created [-0, +2, e] */
int l_seed_update_or_create(lua_State *L)
{
    l_class *c = check_args(L, "update_or_create");
    push_lookup_query(L, 1, 2);
    call_method(L, "one_or_none", 0, 1);
    if (lua_isnil(L, -1)) {
        lua_pop(L, 1);
        return create_or_find(L, c, 1);
    }
    int obj = lua_gettop(L);
    assign_changed(L, obj, 3);
    push_session(L, c->db);
    call_method(L, "flush", 0, 0);
    lua_pushvalue(L, obj);
    lua_pushboolean(L, 0);
    return 2;
}

/* ---- db.seed ------------------------------------------------------------------------------ */

void l_seed_count(l_db *db, const orm_table *t, int kind, long long n)
{
    l_seed_stats *st = db->seed;
    if (st == NULL) return;
    int i = 0;
    while (i < st->n && st->v[i].table != t)
        i++;
    if (i == st->n) {
        if (st->n == st->cap) return; /* a table defined by the seed itself past the room kept */
        memset(&st->v[i], 0, sizeof st->v[i]);
        st->v[i].table = t;
        st->n++;
    }
    if (kind == 0)
        st->v[i].inserted += n;
    else if (kind == 1)
        st->v[i].updated += n;
    else
        st->v[i].upserted += n;
    long long before = st->rows;
    st->rows += n;
    if (st->progress_ref != LUA_NOREF && db->L && before / 1000 != st->rows / 1000) {
        /* called from inside a flush: protected, and its errors ignored */
        lua_State *L = db->L;
        lua_rawgeti(L, LUA_REGISTRYINDEX, st->progress_ref);
        lua_pushinteger(L, (lua_Integer)st->rows);
        if (lua_pcall(L, 1, 0, 0) != LUA_OK) lua_pop(L, 1);
    }
}

static int stats_gc(lua_State *L)
{
    l_seed_stats **pst = lua_touserdata(L, 1);
    if (!pst) return 0;
    if (*pst && (*pst)->progress_ref != LUA_NOREF)
        luaL_unref(L, LUA_REGISTRYINDEX, (*pst)->progress_ref);
    if (*pst) {
        free((*pst)->v);
        free(*pst);
        *pst = NULL;
    }
    return 0;
}

/* [-0, +1, m] A userdata owning a stats record with room for the tables
 * there are and a few more; *out borrows it. */
static l_seed_stats *push_stats(lua_State *L, l_db *db)
{
    l_seed_stats **pst = lua_newuserdatauv(L, sizeof *pst, 0);
    *pst = NULL;
    lua_createtable(L, 0, 1);
    lua_pushcfunction(L, stats_gc);
    lua_setfield(L, -2, "__gc");
    lua_setmetatable(L, -2);
    l_seed_stats *st = calloc(1, sizeof *st);
    if (st) {
        st->progress_ref = LUA_NOREF;
        st->cap = db->md->ntables + 32;
        st->v = calloc((size_t)st->cap, sizeof *st->v);
    }
    if (st == NULL || st->v == NULL) {
        free(st);
        luaL_error(L, "not enough memory");
    }
    *pst = st;
    return st;
}

/* [-0, +1, m] { { table = "author", inserted = 3, updated = 0 }, ... } in
 * the order the models were defined, tables written to only. */
static void push_counts(lua_State *L, l_db *db, const l_seed_stats *st)
{
    lua_newtable(L);
    int n = 0;
    for (int i = 0; i < db->md->ntables; i++) {
        for (int j = 0; j < st->n; j++) {
            if (st->v[j].table != db->md->tables[i]) continue;
            if (st->v[j].inserted == 0 && st->v[j].updated == 0 && st->v[j].upserted == 0) continue;
            lua_createtable(L, 0, 4);
            lua_pushstring(L, st->v[j].table->name);
            lua_setfield(L, -2, "table");
            lua_pushinteger(L, st->v[j].inserted);
            lua_setfield(L, -2, "inserted");
            lua_pushinteger(L, st->v[j].updated);
            lua_setfield(L, -2, "updated");
            lua_pushinteger(L, st->v[j].upserted);
            lua_setfield(L, -2, "upserted");
            lua_rawseti(L, -2, ++n);
        }
    }
}

/* db.seed(file [, { dry_run = bool, progress = fn }]) -> counts. Runs the file in one
 * transaction: committed at the end, rolled back on error (re-raised) or
 * for a dry run. Upvalue 1: the db handle. [-0, +1, e] */
int l_seed_run(lua_State *L)
{
    l_db *db = l_db_check(L, lua_upvalueindex(1));
    static const char call[] = "db.seed(file, opts)";
    static const char *const known[] = {"dry_run", "progress", NULL};
    const char *file = l_arg_string(L, 1, call, "file");
    int dry = 0, progress = 0;
    if (l_arg_options(L, 2, call, known)) {
        lua_getfield(L, 2, "dry_run");
        dry = lua_toboolean(L, -1);
        lua_getfield(L, 2, "progress");
        progress = lua_isfunction(L, -1);
        lua_pop(L, 2);
    }
    if (db->seed)
        return l_error_raisef(L, ORM_ERR_ARGUMENT, "db.seed('%s'): a seed is already running",
                              file);
    lua_settop(L, 2);
    /* changes made before the seed are not part of it */
    db->L = L;
    if (orm_session_commit(db->session) < 0) return l_db_raise_session(L, db);
    if (luaL_loadfile(L, file) != LUA_OK)
        return l_error_raisef(L, ORM_ERR_ARGUMENT, "%s", lua_tostring(L, -1));
    int chunk = lua_gettop(L);
    l_seed_stats *st = push_stats(L, db);
    int stats = lua_gettop(L);
    if (progress) {
        lua_getfield(L, 2, "progress");
        st->progress_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    }
    lua_pushvalue(L, chunk);
    db->seed = st;
    int status = lua_pcall(L, 0, 0, 0);
    db->L = L;
    if (status == LUA_OK && !dry) {
        status = orm_session_commit(db->session) < 0 ? -1 : LUA_OK;
        db->seed = NULL;
        if (status != LUA_OK) return l_db_raise_session_rolled_back(L, db);
    } else {
        /* a dry run flushes first, so the counts include what is pending */
        if (status == LUA_OK && orm_session_flush(db->session) < 0) {
            db->seed = NULL;
            return l_db_raise_session_rolled_back(L, db);
        }
        db->seed = NULL;
        orm_session_rollback(db->session);
        l_rel_forget(L, db);
        if (status != LUA_OK) return lua_error(L);
    }
    if (st->progress_ref != LUA_NOREF) { /* the final count */
        lua_rawgeti(L, LUA_REGISTRYINDEX, st->progress_ref);
        lua_pushinteger(L, (lua_Integer)st->rows);
        lua_pushinteger(L, (lua_Integer)st->rows);
        if (lua_pcall(L, 2, 0, 0) != LUA_OK) lua_pop(L, 1);
    }
    push_counts(L, db, st);
    lua_remove(L, stats);
    return 1;
}
