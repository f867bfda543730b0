/* l_query_run.c — running queries: all, first, one, one_or_none, scalar,
 * count, get, session:execute(q), tostring(q) (the SQL and its
 * parameters). Iteration (for obj in q do) is in l_query_iter.c, the bulk
 * q:update{...} / q:delete() in l_query_bulk.c. Rows are objects
 * through the identity map when the query has a single model entity, else
 * rows readable by name and position. SELECTs are compiled through the
 * compiled-SQL cache (sqlcache.c) of their class or of the db. */
#include <string.h>

#include "sqlcache.h"
#include "dialect.h"
#include "l_query.h"
#include "l_relation.h"
#include "l_result.h"
#include "l_types.h"

/* ---- compiling ---- */

static int sqlcache_gc(lua_State *L)
{
    orm_sqlcache **c = lua_touserdata(L, 1);
    if (!c) return 0;
    orm_sqlcache_free(*c);
    *c = NULL;
    return 0;
}

/* The db's cache of compiled SELECTs (kept in its user value table, so it
 * lives exactly as long as the metadata whose tables it names); NULL when
 * there is no memory for one (then every select is compiled). */
static orm_sqlcache *sqlcache(lua_State *L, l_db *db)
{
    l_db_push_uv(L, db);
    if (lua_getfield(L, -1, "__sqlcache") == LUA_TUSERDATA) {
        orm_sqlcache *c = *(orm_sqlcache **)lua_touserdata(L, -1);
        lua_pop(L, 2);
        return c;
    }
    lua_pop(L, 1);
    orm_sqlcache **box = lua_newuserdatauv(L, sizeof *box, 0);
    *box = NULL;
    lua_createtable(L, 0, 1);
    lua_pushcfunction(L, sqlcache_gc);
    lua_setfield(L, -2, "__gc");
    l_protect_mt(L);
    lua_setmetatable(L, -2);
    *box = orm_sqlcache_new();
    lua_setfield(L, -2, "__sqlcache");
    lua_pop(L, 1);
    return *box;
}

/* Compiles sel (count: its count wrapper) and opens a cursor over it in
 * *box. [-0, +0, e] */
/* Opens sel's statement into *box; chunk > 0: a loop reads it as it goes,
 * the server sending chunk rows at a time where it can. */
static void open_select(lua_State *L, l_query *q, const orm_select *sel, int count, int chunk,
                        orm_cursor **box)
{
    orm_sqlcache *cache = q->base && q->base->sqlc ? q->base->sqlc : sqlcache(L, q->db);
    orm_error err;
    orm_error_init(&err);
    orm_sqlrun run;
    int rc = orm_sqlcache_compile(cache, orm_conn_dialect(q->db->conn), sel, count, &run, &err);
    if (rc < 0) {
        orm_sqlrun_free(&run);
        if (err.cls == ORM_ERR_NONE) l_query_oom(L);
        l_error_raise(L, &err);
    }
    int was = orm_session_force_primary(q->db->session, q->primary);
    /* the values are sel's, which outlives the cursor: bound without a copy */
    rc = orm_cursor_open_stream(q->db->session, run.sql, run.params, run.nparams, ORM_BIND_BORROW,
                                chunk, box);
    orm_session_force_primary(q->db->session, was);
    orm_sqlrun_free(&run);
    if (rc < 0) l_db_raise_session(L, q->db);
}

/* The cursor slot for a run of q that may raise while the cursor is open:
 * the query's own, else (a query without __gc, a run of q in progress, or
 * one an error cut short) a new box pushed on the stack. */
static orm_cursor **cursor_slot(lua_State *L, l_query *q)
{
    return q->gc && !q->cur ? &q->cur : l_cursor_box(L);
}

static void compile_or_raise(lua_State *L, l_query *q, const orm_select *sel, orm_compiled *out)
{
    orm_error err;
    orm_error_init(&err);
    if (orm_compile_select(orm_conn_dialect(q->db->conn), sel, out, &err) < 0) {
        orm_compiled_free(out);
        if (err.cls == ORM_ERR_NONE) l_query_oom(L);
        l_error_raise(L, &err);
    }
}

/* ---- the shape of a result ---- */

/* One part of a result row: an object of t whose columns start at col, or
 * (t NULL) the value of column col. */
typedef struct slot {
    const orm_table *t;
    int col;
} slot;

/* [-0, +1, m] The key a value column is read by: a column's or label's
 * name, a function's name; anon_1, anon_2 ... for the others (*anon counts). */
static void push_column_key(lua_State *L, const orm_expr *e, int *anon)
{
    if (e->kind == ORM_X_ORDER && e->nargs == 1) e = e->args[0];
    if (e->kind == ORM_X_COLUMN)
        lua_pushstring(L, e->table->cols[e->col].attr);
    else if (e->kind == ORM_X_SUBCOL)
        lua_pushstring(L, e->from->names[e->col]);
    else if (e->kind == ORM_X_LABEL || e->kind == ORM_X_FUNC)
        lua_pushstring(L, e->name);
    else
        lua_pushfstring(L, "anon_%d", ++*anon);
}

/* Works out the slots of the query at qidx over sel's columns; pushes them
 * (a userdata array) and the list of their keys. [-0, +2, m] */
static slot *layout(lua_State *L, int qidx, l_query *q, const orm_select *sel, int *nslots)
{
    slot *v = lua_newuserdatauv(L, (size_t)(sel->ncolumns + 1) * sizeof *v, 0);
    int ns = 0, col = 0, anon = 0;
    lua_createtable(L, sel->ncolumns, 0);
    int keys = lua_gettop(L);
    for (int i = 1; i <= q->nent && col < sel->ncolumns; i++) {
        l_query_push_entity(L, qidx, i);
        const orm_table *t = l_query_entity_table(L, -1);
        orm_from *f = t ? NULL : l_from_test(L, -1);
        if (t) {
            v[ns] = (slot){t, col};
            col += t->ncols;
            l_from_push_entity_name(L, -1);
            lua_rawseti(L, keys, ++ns);
        } else {
            int width = f ? f->nnames : 1;
            for (int k = 0; k < width && col < sel->ncolumns; k++, col++) {
                v[ns] = (slot){NULL, col};
                push_column_key(L, sel->columns[col], &anon);
                lua_rawseti(L, keys, ++ns);
            }
        }
        lua_pop(L, 1);
    }
    *nslots = ns;
    return v;
}

/* ---- running ---- */

/* A value read from a row lives in this box while Lua copies it, so a
 * raise (out of memory) in between cannot leak its bytes. */
#define L_MT_VALUEBOX "orm.ValueBox"

static int valuebox_gc(lua_State *L)
{
    orm_value_clear(luaL_checkudata(L, 1, L_MT_VALUEBOX));
    return 0;
}

/* [-0, +1, m] */
static orm_value *valuebox(lua_State *L)
{
    orm_value *v = lua_newuserdatauv(L, sizeof *v, 0);
    *v = ORM_VALUE_NULL;
    if (luaL_newmetatable(L, L_MT_VALUEBOX)) {
        l_protect_mt(L);
        lua_pushcfunction(L, valuebox_gc);
        lua_setfield(L, -2, "__gc");
    }
    lua_setmetatable(L, -2);
    return v;
}

/* Pushes the value of slot sl of the current row (through the box vb). */
static int push_slot(lua_State *L, l_query *q, orm_cursor *cur, const orm_select *sel, slot sl,
                     orm_value *vb)
{
    if (sl.t) {
        orm_object *o = NULL;
        int rc = orm_cursor_object(cur, sl.t, sl.col, &o);
        if (rc >= 0 && o)
            l_instance_push_object(L, q->db, o);
        else
            lua_pushnil(L);
        return rc;
    }
    orm_value_clear(vb);
    int rc = orm_cursor_value(cur, sl.col, vb);
    if (rc < 0) {
        *vb = ORM_VALUE_NULL;
        lua_pushnil(L);
        return rc;
    }
    l_value_push(L, vb, orm_expr_type(sel->columns[sl.col]));
    orm_value_clear(vb);
    return rc;
}

/* Eager loads for a list of objects: the query's options and the relations
 * declared lazy = "joined" / "selectin". */
static void eager_load(lua_State *L, int qidx, l_query *q, int list)
{
    lua_getiuservalue(L, qidx, 1);
    lua_getfield(L, -1, "options");
    l_relation_eager_load(L, q->db, list, lua_gettop(L), 0);
    lua_pop(L, 2);
}

/* Registry key of a table (weak keys): class -> whether it declares a
 * relationship lazy = "joined" / "selectin". A class's relationships are
 * declared with it; the ones added later (backrefs) load lazily, so the
 * answer never changes once its relationships are resolved. */
static const char eager_key = 0;

/* Whether t's class declares a relationship lazy = "joined" / "selectin"
 * (remembered per class). Resolves the class's relationships the first
 * time, as eager_load would. */
static int class_eager(lua_State *L, const orm_table *t)
{
    int top = lua_gettop(L);
    l_registry_weak_table(L, &eager_key, "k");
    int memo = lua_gettop(L);
    l_class_push(L, t);
    int cls = lua_gettop(L);
    lua_pushvalue(L, cls);
    if (lua_rawget(L, memo) == LUA_TBOOLEAN) {
        int eager = lua_toboolean(L, -1);
        lua_settop(L, top);
        return eager;
    }
    lua_pop(L, 1);
    lua_getfield(L, cls, "__relationships");
    int rels = lua_gettop(L), eager = 0;
    lua_pushnil(L);
    while (lua_next(L, rels)) {
        const orm_rel *r = l_rel_resolve(L, -1);
        if (r->lazy == ORM_LAZY_JOINED || r->lazy == ORM_LAZY_SELECTIN) eager = 1;
        lua_pop(L, 1);
    }
    lua_pushvalue(L, cls);
    lua_pushboolean(L, eager);
    lua_rawset(L, memo);
    lua_settop(L, top);
    return eager;
}

/* 1 when objects of t (entity 1) loaded by q need eager_load: q has loader
 * options or t's class an eager relationship. */
static int needs_eager(lua_State *L, l_query *q, const orm_table *t)
{
    if (q->has_options) return 1;
    const l_class *c = t->udata;
    if (c == NULL || !c->has_rels) return 0;
    if (q->base == NULL || q->base->table != t) return class_eager(L, t);
    if (q->base->eager < 0) q->base->eager = class_eager(L, t);
    return q->base->eager;
}

/* 1 when the query's only entity is a model (or an alias of one) covering
 * all of sel's columns: the result is a list of objects, slot *one. */
static int single_entity(l_query *q, const orm_select *sel, slot *one)
{
    const orm_table *t = q->t1;
    if (q->nent != 1 || !t || t->ncols != sel->ncolumns) return 0;
    *one = (slot){t, 0};
    return 1;
}

/* [-0, +0, m] Adds the object on top of the stack to the list at list (n
 * items so far) unless it is already there: a joined query returns each
 * object once. seen is a stack slot holding nil until a second object
 * comes, then the set of objects listed. Pops the object. */
static void add_unique(lua_State *L, int list, lua_Integer *n, int seen)
{
    if (*n > 0 && lua_isnil(L, seen)) {
        lua_createtable(L, 0, 8);
        lua_rawgeti(L, list, 1);
        lua_pushboolean(L, 1);
        lua_rawset(L, -3);
        lua_replace(L, seen);
    }
    if (*n > 0) {
        lua_pushvalue(L, -1);
        if (lua_rawget(L, seen) != LUA_TNIL) {
            lua_pop(L, 2);
            return;
        }
        lua_pop(L, 1);
        lua_pushvalue(L, -1);
        lua_pushboolean(L, 1);
        lua_rawset(L, seen);
    }
    lua_rawseti(L, list, ++*n);
}

/* The row loop of l_query_run and what it works on. */
typedef struct rowloop {
    l_query *q;
    orm_cursor *cur;
    const orm_select *sel;
    const slot *slots;
    int ns, single;
    orm_value *vb;
    lua_Integer n; /* out: rows listed */
    int rc;        /* out: the cursor's last code */
} rowloop;

/* [-0, +0, e] Reads the rows into the list: called (protected) with the
 * rowloop (light userdata), the list and the aux slot of l_query_run. */
static int load_rows(lua_State *L)
{
    rowloop *r = lua_touserdata(L, 1);
    const int list = 2, aux = 3;
    l_query *q = r->q;
    orm_cursor *cur = r->cur;
    const orm_select *sel = r->sel;
    const slot *slots = r->slots;
    const int ns = r->ns, single = r->single, one_per_row = sel->njoins == 0 && sel->nfroms == 0;
    orm_value *vb = r->vb;
    int rc;
    lua_Integer n = 0;
    while ((rc = orm_cursor_step(cur)) == ORM_ROW) {
        for (int i = 0; i < ns && rc >= 0; i++)
            rc = push_slot(L, q, cur, sel, slots[i], vb);
        if (rc < 0) break;
        if (!single) {
            l_row_make(L, aux, ns);
            lua_rawseti(L, list, ++n);
        } else if (lua_isnil(L, -1)) { /* an outer join that matched nothing */
            lua_pop(L, 1);
        } else if (one_per_row) { /* no joins: one row per object already */
            lua_rawseti(L, list, ++n);
        } else {
            add_unique(L, list, &n, aux);
        }
    }
    r->n = n;
    r->rc = rc;
    return 0;
}

void l_query_run(lua_State *L, int qidx, const orm_select *sel)
{
    qidx = lua_absindex(L, qidx);
    l_query *q = l_query_check(L, qidx);
    if (l_shard_fanout(q->db)) {
        l_shard_query_run(L, qidx, sel);
        return;
    }
    int base = lua_gettop(L);
    slot one;
    /* joinedload: the related rows come in the same statement */
    if (q->f1 == NULL && single_entity(q, sel, &one) && needs_eager(L, q, one.t) &&
        l_rel_joined_run(L, qidx, q, sel, one.t))
        return;
    orm_cursor **box = cursor_slot(L, q);
    open_select(L, q, sel, 0, 0, box);
    rowloop r = {.q = q, .cur = *box, .sel = sel, .slots = &one, .ns = 1};
    r.single = single_entity(q, sel, &one);
    if (r.single) {
        lua_pushnil(L); /* the objects seen, made when a second one comes */
    } else {
        r.slots = layout(L, qidx, q, sel, &r.ns);
        l_row_shape(L, -1);
    }
    int aux = lua_gettop(L);
    r.vb = r.single ? NULL : valuebox(L);
    l_list_new(L, 0);
    int list = lua_gettop(L);
    luaL_checkstack(L, r.ns + 12, "too many result columns");
    lua_pushcfunction(L, load_rows);
    lua_pushlightuserdata(L, &r);
    lua_pushvalue(L, list);
    lua_pushvalue(L, aux);
    /* every instance and row goes into the list: no garbage while loading */
    int status = l_pcall_gc_paused(L, 3);
    l_cursor_box_close(box);
    if (status != LUA_OK) lua_error(L); /* the same error (a memory error stays one) */
    if (r.rc < 0) l_db_raise_session(L, q->db);
    if (r.single && r.n > 0 && needs_eager(L, q, one.t)) eager_load(L, qidx, q, list);
    if (r.single && r.n > 1 && q->db->nplus1 == L_NPLUS1_RAISE) l_stats_mark_batch(L, q->db, list);
    lua_replace(L, base + 1);
    lua_settop(L, base + 1);
}

const orm_table *l_query_stream_open(lua_State *L, int qidx, orm_cursor **box)
{
    l_query *q = l_query_check(L, qidx);
    slot one;
    const orm_select *sel = q->sel;
    if (q->db->shards) return NULL; /* all() merges the shards */
    if (!single_entity(q, sel, &one) || sel->njoins != 0 || sel->nfroms != 0) return NULL;
    open_select(L, q, sel, 0, q->yield_per > 0 ? q->yield_per : L_STREAM_CHUNK, box);
    orm_cursor_stream(*box);
    return one.t;
}

lua_Integer l_query_stream_fill(lua_State *L, int qidx, orm_cursor *cur, const orm_table *t,
                                int list, lua_Integer max, lua_Integer old)
{
    qidx = lua_absindex(L, qidx);
    list = lua_absindex(L, list);
    l_query *q = l_query_check(L, qidx);
    /* The objects of the last chunk hold C memory Lua's collector does not
     * count: step it as if it had been allocated, so that chunks passed are
     * collected while the loop goes on. */
    if (old > 0) {
        size_t per = 160 + (size_t)t->ncols * (sizeof(orm_value) + 24);
        lua_gc(L, LUA_GCSTEP, (int)((size_t)old * per / 1024 + 1));
    }
    lua_Integer n = 0;
    int rc = ORM_OK;
    while (n < max && (rc = orm_cursor_step(cur)) == ORM_ROW) {
        orm_object *o = NULL;
        rc = orm_cursor_object(cur, t, 0, &o);
        if (rc < 0) break;
        if (o == NULL) continue;
        l_instance_push_object(L, q->db, o);
        lua_rawseti(L, list, ++n);
    }
    for (lua_Integer i = n + 1; i <= old; i++) {
        lua_pushnil(L);
        lua_rawseti(L, list, i);
    }
    if (rc < 0) l_db_raise_session(L, q->db);
    if (n > 0 && needs_eager(L, q, t)) eager_load(L, qidx, q, list);
    return n;
}

/* [-0, +1, e] Runs the query's own select. */
static void run_all(lua_State *L, int qidx)
{
    l_query *q = l_query_check(L, qidx);
    l_query_run(L, qidx, q->sel);
}

static int q_all(lua_State *L)
{
    run_all(L, 1);
    return 1;
}

/* first() of a lazy query (filter_by on query(Model)): the SQL comes from the
 * class's cache by the filtered columns, the values from the query; the
 * first time, the select is made (the query stops being lazy) and compiled,
 * and the cache learns. Opens the cursor in *box. */
static void open_lazy_first(lua_State *L, l_query *q, orm_cursor **box)
{
    const l_lazy *z = q->lazy;
    uint64_t key[4 + L_LAZY_MAX];
    int nk = 0;
    key[nk++] = 0; /* not a tree's shape */
    key[nk++] = (uint64_t)(uintptr_t)orm_conn_dialect(q->db->conn);
    key[nk++] = 0x6669727374ULL; /* "first": LIMIT 1, no OFFSET */
    key[nk++] = (uint64_t)z->n;
    for (int i = 0; i < z->n; i++)
        key[nk++] = (uint64_t)z->cols[i];
    const orm_value *vals[L_LAZY_MAX];
    for (int i = 0; i < z->n; i++)
        vals[i] = &z->vals[i];
    orm_sqlcache *cache = q->base->sqlc;
    orm_sqlrun run;
    if (!orm_sqlcache_get_keyed(cache, key, nk, vals, 1, -1, &run)) {
        l_query_materialize(L, 1, vals);
        orm_select limited = *q->sel;
        limited.limit = 1;
        orm_error err;
        orm_error_init(&err);
        if (orm_sqlcache_compile(cache, orm_conn_dialect(q->db->conn), &limited, 0, &run, &err) <
            0) {
            orm_sqlrun_free(&run);
            if (err.cls == ORM_ERR_NONE) l_query_oom(L);
            l_error_raise(L, &err);
        }
        orm_sqlcache_put_keyed(cache, key, nk, vals, z->n, &limited, &run);
    }
    int rc;
    int was = orm_session_force_primary(q->db->session, q->primary);
    /* the values are q's, which outlives the cursor: bound without a copy */
    rc =
        orm_cursor_open_own(q->db->session, run.sql, run.params, run.nparams, ORM_BIND_BORROW, box);
    orm_session_force_primary(q->db->session, was);
    orm_sqlrun_free(&run);
    if (rc < 0) l_db_raise_session(L, q->db);
}

/* first(): the query with LIMIT 1; a single model entity's object is made
 * straight from the row (no list unless eager loads need one). */
static int q_first(lua_State *L)
{
    l_query *q = l_query_check_lazy(L, 1);
    slot one;
    orm_select limited;
    if (l_shard_fanout(q->db)) { /* the first of the merged rows */
        q = l_query_check(L, 1);
        limited = *q->sel;
        if (limited.limit != 0) limited.limit = 1;
        l_query_run(L, 1, &limited);
        lua_rawgeti(L, -1, 1);
        return 1;
    }
    if (q->lazy && needs_eager(L, q, q->t1) && l_rel_joined_wanted(L, 1, q->t1)) {
        const orm_value *vals[L_LAZY_MAX];
        l_query_materialize(L, 1, vals); /* a select to join to */
    }
    if (q->lazy) {
        one = (slot){q->t1, 0}; /* query(Model): the model's columns */
    } else {
        limited = *q->sel; /* a shallow copy: borrows q's parts */
        if (limited.limit != 0) limited.limit = 1;
        if (!single_entity(q, &limited, &one) ||
            (q->f1 == NULL && needs_eager(L, q, one.t) && l_rel_joined_wanted(L, 1, one.t))) {
            l_query_run(L, 1, &limited);
            lua_rawgeti(L, -1, 1);
            return 1;
        }
    }
    orm_cursor *cur = NULL; /* nothing raises while it is open */
    if (q->lazy)
        open_lazy_first(L, q, &cur);
    else
        open_select(L, q, &limited, 0, 0, &cur);
    orm_object *o = NULL;
    int rc = orm_cursor_step(cur);
    if (rc == ORM_ROW) rc = orm_cursor_object(cur, one.t, 0, &o);
    orm_cursor_close(cur);
    if (rc < 0) return l_db_raise_session(L, q->db);
    if (o == NULL) { /* no row, or an outer join that matched nothing */
        lua_pushnil(L);
        return 1;
    }
    l_instance_push_object(L, q->db, o);
    int obj = lua_gettop(L);
    if (needs_eager(L, q, one.t)) {
        l_list_new(L, 1);
        lua_pushvalue(L, obj);
        lua_rawseti(L, -2, 1);
        eager_load(L, 1, q, lua_gettop(L));
        lua_settop(L, obj);
    }
    return 1;
}

static int multiple(lua_State *L, int exactly)
{
    return l_error_raisef(L, ORM_ERR_MULTIPLE, "Multiple rows were found when %s was required",
                          exactly ? "exactly one" : "one or none");
}

static int q_one_or_none(lua_State *L)
{
    run_all(L, 1);
    if (lua_rawlen(L, -1) > 1) return multiple(L, 0);
    lua_rawgeti(L, -1, 1);
    return 1;
}

static int q_one(lua_State *L)
{
    run_all(L, 1);
    size_t n = lua_rawlen(L, -1);
    if (n == 0)
        return l_error_raisef(L, ORM_ERR_NORESULT, "No row was found when one was required");
    if (n > 1) return multiple(L, 1);
    lua_rawgeti(L, -1, 1);
    return 1;
}

/* scalar(): the first column of the only row; nil when there is none. */
static int q_scalar(lua_State *L)
{
    run_all(L, 1);
    if (lua_rawlen(L, -1) > 1) return multiple(L, 0);
    if (lua_rawgeti(L, -1, 1) == LUA_TTABLE && !l_instance_test(L, -1)) lua_rawgeti(L, -1, 1);
    return 1;
}

lua_Integer l_query_count_select(lua_State *L, l_query *q, const orm_select *sel)
{
    if (l_shard_fanout(q->db)) return l_shard_query_count(L, q, sel);
    int top = lua_gettop(L);
    orm_cursor **box = cursor_slot(L, q);
    open_select(L, q, sel, 1, 0, box);
    orm_value v = ORM_VALUE_NULL;
    int rc = orm_cursor_step(*box);
    if (rc == ORM_ROW) rc = orm_cursor_value(*box, 0, &v);
    l_cursor_box_close(box);
    lua_settop(L, top);
    if (rc < 0) l_db_raise_session(L, q->db);
    lua_Integer n = v.type == ORM_V_INT ? (lua_Integer)v.u.i : 0;
    orm_value_clear(&v);
    return n;
}

static int q_count(lua_State *L)
{
    l_query *q = l_query_check(L, 1);
    lua_pushinteger(L, l_query_count_select(L, q, q->sel));
    return 1;
}

static int q_get(lua_State *L)
{
    l_query *q = l_query_check(L, 1);
    int key = lua_isnone(L, 2) ? 0 : 2; /* q:get() with no key: none stays none */
    lua_settop(L, 2);
    for (int i = 1; i <= q->nent; i++) {
        l_query_push_entity(L, 1, i);
        if (l_class_test(L, -1))
            return l_session_get(L, q->db, lua_gettop(L), key ? key : lua_gettop(L) + 1);
        lua_pop(L, 1);
    }
    return l_error_raisef(L, ORM_ERR_ARGUMENT, "get() needs a model entity in the query");
}

int l_query_execute(lua_State *L, int idx)
{
    idx = lua_absindex(L, idx);
    l_query *q = l_query_check(L, idx);
    l_query_run(L, idx, q->sel);
    int list = lua_gettop(L);
    int ns;
    layout(L, idx, q, q->sel, &ns);
    lua_pushvalue(L, list);
    l_result_new(L, lua_gettop(L) - 1, -1);
    return 1;
}

/* tostring(q): the SQL the query runs and its parameters. */
static int q_tostring(lua_State *L)
{
    l_query *q = l_query_check(L, 1);
    orm_compiled comp;
    orm_compiled_init(&comp);
    compile_or_raise(L, q, q->sel, &comp);
    orm_buf b = ORM_BUF_INIT;
    orm_buf_append(&b, orm_buf_str(&comp.sql), comp.sql.len);
    for (size_t i = 0; i < comp.nparams; i++) {
        orm_buf_puts(&b, i ? ", " : "  [params: ");
        if (orm_value_describe(&b, comp.params[i]) < 0) b.oom = 1;
    }
    if (comp.nparams) orm_buf_putc(&b, ']');
    orm_compiled_free(&comp);
    if (b.oom) {
        orm_buf_free(&b);
        return l_query_oom(L);
    }
    luaL_Buffer lb; /* copy without holding b across a raise */
    char *p = luaL_buffinitsize(L, &lb, b.len);
    memcpy(p, orm_buf_str(&b), b.len);
    size_t len = b.len;
    orm_buf_free(&b);
    luaL_pushresultsize(&lb, len);
    return 1;
}

const luaL_Reg l_query_run_methods[] = {
    {"all", q_all},       {"first", q_first}, {"one", q_one}, {"one_or_none", q_one_or_none},
    {"scalar", q_scalar}, {"count", q_count}, {"get", q_get}, {NULL, NULL},
};

const luaL_Reg l_query_run_meta[] = {
    {"__call", l_query_iterate},
    {"__tostring", q_tostring},
    {NULL, NULL},
};
