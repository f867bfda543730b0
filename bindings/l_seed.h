/* l_seed.h — seeding support shared with the rest of the bindings:
 * Model:get_or_create / update_or_create, db.seed and its per-table write
 * counts (l_seed.c), db.upsert (l_upsert.c). */
#ifndef L_SEED_H
#define L_SEED_H

#include "l_db.h"

/* Rows written per table while db.seed runs. Owned by a userdata of
 * db.seed; db->seed borrows it for the duration of the seed. */
typedef struct l_seed_stats {
    struct l_seed_count {
        const orm_table *table;
        long long inserted, updated, upserted;
    } * v;
    int n, cap;
    long long rows;   /* every row counted so far */
    int progress_ref; /* registry ref of a function(rows) called every 1000 rows, or LUA_NOREF */
} l_seed_stats;

/* [-0, +0, -] Adds n rows inserted (kind 0), updated (1) or upserted (2:
 * inserted or updated, db.upsert) to t's count when a seed is running;
 * nothing otherwise. */
void l_seed_count(l_db *db, const orm_table *t, int kind, long long n);
/* Model:get_or_create(lookup [, defaults]) -> obj, created */
int l_seed_get_or_create(lua_State *L);
/* Model:update_or_create(lookup [, values]) -> obj, created */
int l_seed_update_or_create(lua_State *L);
/* db.upsert(Model, rows [, { on = {...}, update = {...} }]) -> n (l_upsert.c);
 * upvalue 1: the db. */
int l_upsert(lua_State *L);
/* db.seed(file [, { dry_run = bool }]) -> counts; upvalue 1: the db. */
int l_seed_run(lua_State *L);

#endif
