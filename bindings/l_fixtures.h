/* l_fixtures.h — JSON fixtures (db.dump in l_fixtures.c, db.load in
 * l_fixtures_load.c) and the helpers they share. */
#ifndef L_FIXTURES_H
#define L_FIXTURES_H

#include <stdio.h>

#include "l_db.h"
#include "l_fixture_io.h"

/* A file a userdata owns (closed by __gc when a raise skips l_fx_close). */
typedef struct l_fxfile {
    FILE *f;
    int owned; /* 0 for stdin/stdout */
} l_fxfile;

/* A running table scan of db.dump, owned by a userdata. */
typedef struct l_fxscan {
    orm_cursor *cur;
    orm_buf rec, head;
    orm_value *vals; /* the current row's values while they are held */
    int nvals;
} l_fxscan;

/* [-0, +1, e] Opens path with mode (NULL: stdin for "r", stdout for "w")
 * in a userdata; raises ArgumentError naming the file when it cannot. */
l_fxfile *l_fx_open(lua_State *L, const char *path, const char *mode);
/* [-0, +0, e] Closes it; raises OperationalError when writing failed. */
int l_fx_close(lua_State *L, l_fxfile *f, const char *path);
/* [-0, +1, m] A userdata scan box taking over head's storage. */
l_fxscan *l_fx_push_scan(lua_State *L, orm_buf *head);
void l_fx_close_scan(l_fxscan *s);
/* [-0, +1, m] The record name of t: its model's name, or the table's. */
const char *l_fx_model_name(lua_State *L, const orm_table *t);
/* [-0, +0, e] Calls the function at fn (0 or nil: none) with done, total. */
void l_fx_progress(lua_State *L, int fn, long long done, long long total);

/* db.dump([path [, { tables = {...}, progress = fn }]]) -> rows; upvalue 1: the db. */
int l_fixtures_dump(lua_State *L);
/* db.load(path [, { replace = bool, progress = fn }]) -> rows; upvalue 1: the db. */
int l_fixtures_load(lua_State *L);

#endif
