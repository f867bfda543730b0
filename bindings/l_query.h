/* l_query.h — what the query files share: the Query userdata (l_query.c
 * builds, l_query_filter.c starts query(Model) and does filter_by,
 * l_query_run.c runs, l_query_iter.c iterates, l_query_bulk.c updates and
 * deletes in bulk, l_page.c paginates), aliases and subqueries as
 * FROM items (l_from.c), and the extra expression constructors (l_case.c). */
#ifndef L_QUERY_H
#define L_QUERY_H

#include "l_db.h"

#define L_MT_ALIAS "orm.Alias"
#define L_MT_SUBQUERY "orm.Subquery"
#define L_MT_PAGE "orm.Page"

/* A query. User value 1 (shared by clones, never changed once made):
 * { [1..n] = entities (class tables, Alias / Subquery userdata, Exprs),
 *   options = list of loader options or nil }.
 * User value 2: this query's iteration state (for obj in q do). */
/* What db.session:query(Model) starts from, made once per class (a userdata,
 * the base box, alive while its class is or a query descended from it: each
 * holds it in its user value 1 under "__base"): the select, shared by those
 * queries (a query's select never changes), and facts of the class. */
typedef struct l_qbase {
    orm_select *sel; /* NULL once the box is collected (the state closing) */
    const orm_table *table;
    int eager;                 /* -1 unknown; else whether the class has an eager relationship */
    struct orm_sqlcache *sqlc; /* the compiled SELECTs of its descendants (or NULL) */
    orm_expr *cols[ORM_MAX_COLUMNS]; /* table's columns (the select's), for filter_by */
} l_qbase;

/* filter_by{ col = value, ... } on a query(Model) of plain values, kept as
 * the values themselves (in column order) until something needs the select:
 * first() runs such a query straight from a cache of the SQL by columns. */
#define L_LAZY_MAX 4
typedef struct l_lazy {
    int n;
    int cols[L_LAZY_MAX];
    orm_value vals[L_LAZY_MAX]; /* bytes in the query's userdata: never cleared */
} l_lazy;

#define L_QUERY_MAGIC 0x4F524D51u
typedef struct l_query {
    unsigned magic;  /* L_QUERY_MAGIC: a cheaper type test than the metatable's */
    unsigned gc : 1; /* owns C memory: its select (unless base's), a cursor; has __gc */
    unsigned has_by : 1, has_options : 1; /* user value 1 has "by" / "options" (kept by clones) */
    unsigned
        primary : 1; /* using("primary"): runs on the primary, not a replica (kept by clones) */
    int nent;
    l_db *db;
    orm_select *sel; /* base->sel (not owned), or its own; NULL once collected, or while lazy */
    l_qbase *base;   /* the base it descends from (alive: user value 1 holds it), or NULL */
    orm_cursor *cur; /* gc queries: the cursor of a run in progress (closed by the
                        run, or by __gc when an error cut the run short), or NULL */
    /* Facts of the entities (user value 1), kept by clones: */
    const orm_table *t1; /* the table entity 1 loads (a class or an alias of one), or NULL */
    orm_from *f1;        /* entity 1's alias (borrowed from user value 1), or NULL */
    l_lazy *lazy;        /* a lazy query's filters (after it in its userdata), or NULL */
    int yield_per;       /* rows a streaming loop reads at a time (0: the default) */
    int shard; /* q:shard(name): that shard's index + 1; 0: every shard (kept by clones) */
} l_query;

/* ---- l_query.c ---- */
/* [-0, +1, m] A query userdata with no select yet (closed state), extra
 * bytes after it (a lazy query's filters); gc: with the metatable that has
 * __gc (the query will own C memory). */
l_query *l_query_alloc(lua_State *L, l_db *db, int nent, size_t extra, int gc);
/* [-0, +0, e] Sets the entities first..last (stack) as those of the query q
 * at qidx, adding their columns to its select. */
void l_query_set_entities(lua_State *L, int qidx, l_query *q, int first, int last);
/* [-0, +0, v] DataError: t has no attribute key. */
L_NORETURN int l_query_raise_unknown_column(lua_State *L, const orm_table *t, const char *key);
/* [-0, +1, -] The entity filter_by (for_filter) and order_by("name") refer
 * to, or nil. */
void l_query_push_name_entity(lua_State *L, int qidx, l_query *q, int for_filter);
/* [-0, +0, e] A new reference to column name of the entity at idx. */
orm_expr *l_query_entity_column(lua_State *L, int idx, const char *name, size_t len);
/* [-0, +0, m] Takes one new reference to e and runs add(q->sel, e). */
void l_query_add_owned(lua_State *L, l_query *q, int (*add)(orm_select *, orm_expr *), orm_expr *e);
/* [-0, +0, v] The query at idx; raises when its session is closed. A lazy
 * query gets its select. */
l_query *l_query_check(lua_State *L, int idx);
/* [-0, +0, v] The same, leaving a lazy query lazy. */
l_query *l_query_check_lazy(lua_State *L, int idx);
/* [-0, +0, m] Makes the select of the lazy query at idx (as filter_by would
 * have made it); binds[i] gets the value bound for filter i. */
void l_query_materialize(lua_State *L, int idx, const orm_value **binds);
/* [-0, +1, m] A new query sharing the entities of the one at idx, with a
 * copy of its select. */
l_query *l_query_clone(lua_State *L, int idx);
/* [-0, +0, m] The select of a Query or a Subquery at idx (borrowed), or NULL. */
const orm_select *l_query_select_test(lua_State *L, int idx);
/* [-0, +0, v] Raises "not enough memory". */
L_NORETURN int l_query_oom(lua_State *L);
/* [-0, +1, -] Pushes entity i (1-based) of the query at qidx. */
void l_query_push_entity(lua_State *L, int qidx, int i);
/* [-0, +0, -] The table loaded as objects by the entity at idx (a class or
 * an alias of one), or NULL. */
const orm_table *l_query_entity_table(lua_State *L, int idx);

/* ---- l_query_filter.c ---- */
/* q:filter_by{ col = value, ... } */
int l_query_filter_by(lua_State *L);

/* ---- l_query_run.c ---- */
extern const luaL_Reg l_query_run_methods[]; /* all, first, ... */
extern const luaL_Reg l_query_run_meta[];    /* __call, __tostring */
/* [-0, +1, e] Runs sel for the query at qidx: a list of objects (a single
 * model entity) or of rows. */
void l_query_run(lua_State *L, int qidx, const orm_select *sel);
/* [-0, +0, e] The number of rows sel yields. */
lua_Integer l_query_count_select(lua_State *L, l_query *q, const orm_select *sel);
/* [-0, +0, e] Opens a streaming cursor over the query at qidx into *box
 * when its rows are one object of one model each (no joins): returns that
 * model's table; NULL (nothing opened) for any other query. */
const orm_table *l_query_stream_open(lua_State *L, int qidx, orm_cursor **box);
/* [-0, +0, e] Reads up to max objects of t from cur into the list at list
 * (items 1..k, the rest cleared up to old), runs the query's eager loads on
 * them; returns k (0: no more rows). */
lua_Integer l_query_stream_fill(lua_State *L, int qidx, orm_cursor *cur, const orm_table *t,
                                int list, lua_Integer max, lua_Integer old);

/* ---- l_rel_joined.c ---- */
/* 1 when a run of the query at qidx over t (its single entity) joins a
 * relationship in its statement (db.joinedload, lazy = "joined"). */
int l_rel_joined_wanted(lua_State *L, int qidx, const orm_table *t);
/* [-0, +(0|1), e] Runs sel (the query at qidx's, over t's columns) with its
 * joined relationships in the same statement, then the query's other eager
 * loads; pushes the list of parents and returns 1. Returns 0, pushing
 * nothing, when there is nothing to join or the query's shape keeps the
 * separate loads (then run it as usual). */
int l_rel_joined_run(lua_State *L, int qidx, l_query *q, const orm_select *sel, const orm_table *t);

/* ---- l_inspect.c ---- */
/* q:explain() -> the backend's plan as text [-0, +1, e] */
int l_query_explain(lua_State *L);

/* ---- l_query_iter.c ---- */
/* __call: for obj in q do (the generic-for iterator protocol) [-0, +1, e] */
int l_query_iterate(lua_State *L);
/* Rows a streaming loop reads at a time when q:yield_per did not say. */
#define L_STREAM_CHUNK 1000
/* q:yield_per(n): a copy of q whose loops read n rows at a time [-0, +1, e] */
int l_query_yield_per(lua_State *L);

/* ---- l_query_bulk.c ---- */
extern const luaL_Reg l_query_bulk_methods[]; /* update, delete */

/* ---- l_page.c ---- */
/* q:paginate{ page = 2, per_page = 10 } [-0, +1, e] */
int l_query_paginate(lua_State *L);
void l_page_open(lua_State *L);

/* ---- l_from.c ---- */
/* [-0, +0, -] The FROM item of an Alias or Subquery userdata at idx, or NULL. */
orm_from *l_from_test(lua_State *L, int idx);
/* [-0, +1, m] Pushes a Subquery userdata owning one reference to f (released
 * if pushing fails). */
void l_subquery_push(lua_State *L, orm_from *f);
/* [-0, +1, m] The name rows use for the entity at idx (class or alias). */
void l_from_push_entity_name(lua_State *L, int idx);
/* [-0, +0, e] Registers the metatables and db.aliased in the table at modidx. */
void l_from_open(lua_State *L, int modidx);

/* ---- l_select.c ---- */
/* [-0, +0, m] Sets db.select (a closure over the db handle at dbidx) in the
 * db's user value table at uv. */
void l_select_init_db(lua_State *L, int uv, int dbidx);
/* [-0, +0, m] db.paginate in the module table at modidx. */
void l_select_open(lua_State *L, int modidx);

/* ---- l_case.c ---- */
/* [-0, +0, e] db.case, db.cast, db.exists in the table at modidx. */
void l_case_open(lua_State *L, int modidx);

#endif
