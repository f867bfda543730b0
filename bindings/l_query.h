/* l_query.h — what the query files share: the Query userdata (l_query.c
 * builds, l_query_run.c runs, l_page.c paginates), aliases and subqueries as
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
typedef struct l_query {
    l_db *db;
    orm_select *sel; /* NULL once collected */
    int nent;
} l_query;

/* ---- l_query.c ---- */
/* [-0, +0, v] The query at idx; raises when its session is closed. */
l_query *l_query_check(lua_State *L, int idx);
/* [-0, +1, m] A new query sharing the entities of the one at idx, with a
 * copy of its select. */
l_query *l_query_clone(lua_State *L, int idx);
/* [-0, +0, -] The select of a Query or a Subquery at idx (borrowed), or NULL. */
const orm_select *l_query_select_test(lua_State *L, int idx);
/* [-0, +0, v] Raises "not enough memory". */
int l_query_oom(lua_State *L);
/* [-0, +1, -] Pushes entity i (1-based) of the query at qidx. */
void l_query_push_entity(lua_State *L, int qidx, int i);
/* [-0, +0, -] The table loaded as objects by the entity at idx (a class or
 * an alias of one), or NULL. */
const orm_table *l_query_entity_table(lua_State *L, int idx);

/* ---- l_query_run.c ---- */
extern const luaL_Reg l_query_run_methods[]; /* all, first, ... */
extern const luaL_Reg l_query_run_meta[];    /* __call, __tostring, __len */
/* [-0, +1, e] Runs sel for the query at qidx: a list of objects (a single
 * model entity) or of rows. */
void l_query_run(lua_State *L, int qidx, const orm_select *sel);
/* [-0, +0, e] The number of rows sel yields. */
lua_Integer l_query_count_select(lua_State *L, l_query *q, const orm_select *sel);

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

/* ---- l_case.c ---- */
/* [-0, +0, e] db.case, db.cast, db.exists in the table at modidx. */
void l_case_open(lua_State *L, int modidx);

#endif
