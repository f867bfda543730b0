/* l_fixtures_load.c — db.load(path, { replace = bool, progress = fn }):
 * reads a JSON fixture file record by record (never whole), checks each
 * record (model, key, fields, value types), and inserts its row with its
 * key — or, with replace, updates the row already there — all in one
 * transaction; generated-key sequences are moved past the loaded keys.
 * New rows of one table go in multi-row INSERTs of up to 500 rows (one
 * round trip each on a server); when one fails, the load runs again row by
 * row, so that the error names its record.
 * Any bad record stops the load with one line naming the file, the record
 * number and what is wrong, and nothing stays. */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fixtures.h"
#include "l_args.h"
#include "l_fixtures.h"
#include "l_json.h"

/* What one load holds, owned by a userdata (freed on a raise). */
typedef struct {
    l_fxreader r;
    orm_buf elem;
    orm_value row[ORM_MAX_COLUMNS];
    int nrow;
    const orm_table *sql_for; /* the table insert_sql was made for */
    orm_buf insert_sql;
    orm_fk_defer fks; /* what let the foreign-key checks wait */
    /* batched (not --replace, a file that can be read again): rows of one
     * table waiting for their multi-row INSERT, batch_n of batch_cap, each
     * batch_t->ncols values (a failed batch raises BATCH_FAILED: the load
     * runs again row by row, which names the record) */
    int batched, batch_n, batch_cap;
    const orm_table *batch_t;
    orm_value *batch;
} loadbox;

static void clear_row(loadbox *b)
{
    for (int i = 0; i < b->nrow; i++)
        orm_value_clear(&b->row[i]);
    b->nrow = 0;
}

/* Empties the batch (its values freed). */
static void clear_batch(loadbox *b)
{
    size_t n = b->batch_t ? (size_t)b->batch_n * (size_t)b->batch_t->ncols : 0;
    for (size_t i = 0; i < n; i++)
        orm_value_clear(&b->batch[i]);
    b->batch_n = 0;
}

static int loadbox_gc(lua_State *L)
{
    loadbox *b = lua_touserdata(L, 1);
    if (!b) return 0;
    clear_batch(b);
    free(b->batch);
    b->batch = NULL;
    clear_row(b);
    orm_buf_free(&b->elem);
    orm_buf_free(&b->insert_sql);
    orm_fk_defer_free(&b->fks);
    return 0;
}

/* Where a record's errors point: "file: record 3 (Author pk 1)". */
typedef struct {
    const char *path;
    long long n;
    const orm_table *t; /* the record's table once its row is read, or NULL */
    int rec;            /* stack index of the decoded record (with t) */
} recpos;

/* [-0, +1, m] "Author pk 1": what the record at p->rec is. */
static const char *push_what(lua_State *L, const recpos *p)
{
    orm_buf w = ORM_BUF_INIT;
    orm_error err;
    orm_error_init(&err);
    orm_buf_puts(&w, l_fx_model_name(L, p->t));
    lua_pop(L, 1);
    orm_buf_puts(&w, " pk ");
    lua_getfield(L, p->rec, "pk");
    if (l_json_encode(L, -1, &w, &err) < 0) orm_error_clear(&err);
    lua_pop(L, 1);
    lua_pushlstring(L, w.p ? w.p : "", w.len);
    orm_buf_free(&w);
    return lua_tostring(L, -1);
}

/* [-0, +0, v] Raises cls with "path: record N[ (what)]: message". */
static int bad(lua_State *L, const recpos *p, orm_errclass cls, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    lua_pushvfstring(L, fmt, ap);
    va_end(ap);
    if (p->t) {
        const char *msg = lua_tostring(L, -1);
        return l_error_raisef(L, cls, "%s: record %I (%s): %s", p->path, (lua_Integer)p->n,
                              push_what(L, p), msg);
    }
    return l_error_raisef(L, cls, "%s: record %I: %s", p->path, (lua_Integer)p->n,
                          lua_tostring(L, -1));
}

/* [-0, +1, e] The table a record's "model" names (light userdata). */
static const orm_table *record_table(lua_State *L, l_db *db, const recpos *p, const char *model)
{
    l_db_push_uv(L, db);
    lua_getfield(L, -1, L_DB_MODELS);
    lua_getfield(L, -1, model);
    l_class *c = l_class_test(L, -1);
    lua_pop(L, 3);
    if (c) return c->table;
    const orm_table *t = orm_metadata_find(db->md, model);
    if (t && t->udata == NULL) return t; /* a db.Table: named by its table */
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    for (int i = 0; i < db->md->ntables; i++) {
        if (i) luaL_addstring(&b, ", ");
        l_fx_model_name(L, db->md->tables[i]);
        luaL_addvalue(&b);
    }
    luaL_pushresult(&b);
    return (const orm_table *)(intptr_t)bad(L, p, ORM_ERR_DATA, "unknown model '%s' (models: %s)",
                                            model, lua_tostring(L, -1));
}

/* [-0, +0, e] Converts the Lua value at idx for column col into row[col]. */
static void set_value(lua_State *L, loadbox *b, const orm_table *t, int col, int idx,
                      const recpos *p)
{
    const orm_column *c = &t->cols[col];
    orm_error err;
    orm_error_init(&err);
    idx = lua_absindex(L, idx);
    if (c->type.kind == ORM_T_BINARY && lua_type(L, idx) == LUA_TSTRING) {
        size_t n;
        const char *s = lua_tolstring(L, idx, &n);
        orm_buf raw = ORM_BUF_INIT;
        if (l_base64_decode(&raw, s, n) < 0) {
            orm_buf_free(&raw);
            bad(L, p, ORM_ERR_DATA, "%s.%s: not base64 (LargeBinary values are base64 text)",
                l_fx_model_name(L, t), c->attr);
        }
        lua_pushlstring(L, raw.p ? raw.p : "", raw.len);
        orm_buf_free(&raw);
        lua_replace(L, idx);
    }
    orm_value v;
    if (l_value_to(L, idx, &c->type, &v, &err) < 0) {
        lua_pushstring(L, err.message ? err.message : "bad value");
        orm_error_clear(&err);
        const char *msg = lua_tostring(L, -1);
        bad(L, p, ORM_ERR_DATA, "%s.%s: %s", l_fx_model_name(L, t), c->attr, msg);
    }
    orm_value_clear(&b->row[col]);
    b->row[col] = v;
}

/* [-0, +0, e] Fills b->row from the decoded record at rec. */
static const orm_table *record_row(lua_State *L, l_db *db, loadbox *b, int rec, const recpos *p)
{
    if (!lua_istable(L, rec))
        bad(L, p, ORM_ERR_DATA, "expected an object {\"model\", \"pk\", \"fields\"}");
    if (lua_getfield(L, rec, "model") != LUA_TSTRING) bad(L, p, ORM_ERR_DATA, "no \"model\" name");
    const orm_table *t = record_table(L, db, p, lua_tostring(L, -1));
    lua_pop(L, 1);
    clear_row(b);
    for (int i = 0; i < t->ncols; i++)
        b->row[i] = ORM_VALUE_NULL;
    b->nrow = t->ncols;
    int ft = lua_getfield(L, rec, "fields");
    if (ft != LUA_TNIL && ft != LUA_TTABLE) bad(L, p, ORM_ERR_DATA, "\"fields\" is not an object");
    if (ft == LUA_TTABLE) {
        int fields = lua_gettop(L);
        lua_pushnil(L);
        while (lua_next(L, fields)) {
            size_t n;
            const char *k = lua_type(L, -2) == LUA_TSTRING ? lua_tolstring(L, -2, &n) : NULL;
            int col = k ? orm_table_attr_index(t, k, n) : -1;
            if (col < 0) {
                l_class_push_names(L, t);
                const char *names = lua_tostring(L, -1);
                bad(L, p, ORM_ERR_DATA, "%s has no column '%s' (columns: %s)",
                    l_fx_model_name(L, t), k ? k : "?", names);
            }
            set_value(L, b, t, col, -1, p);
            lua_pop(L, 1);
        }
    }
    lua_pop(L, 1);
    lua_getfield(L, rec, "pk");
    if (t->npk == 1 && !lua_istable(L, -1)) {
        if (!lua_isnil(L, -1)) set_value(L, b, t, t->pk[0], -1, p);
    } else if (lua_istable(L, -1) && (int)lua_rawlen(L, -1) == t->npk) {
        for (int k = 0; k < t->npk; k++) {
            lua_rawgeti(L, -1, k + 1);
            set_value(L, b, t, t->pk[k], -1, p);
            lua_pop(L, 1);
        }
    } else {
        bad(L, p, ORM_ERR_DATA, "\"pk\" of %s must be %s", l_fx_model_name(L, t),
            t->npk == 1 ? "one value" : "a list of the key's values");
    }
    lua_pop(L, 1);
    for (int k = 0; k < t->npk; k++)
        if (b->row[t->pk[k]].type == ORM_V_NULL)
            bad(L, p, ORM_ERR_DATA, "no key (\"pk\") for %s", l_fx_model_name(L, t));
    return t;
}

static const char BATCH_FAILED = 'b'; /* its address: the error a failed batch raises */

/* [-0, +0, e] The waiting rows inserted in one statement. A failure names
 * no record: it raises BATCH_FAILED, and l_fixtures_load loads again row by
 * row, which names it. */
static void run_batch(lua_State *L, l_db *db, loadbox *b)
{
    if (b->batch_n == 0) return;
    db->L = L;
    int rc = orm_fixture_insert_rows(db->session, b->batch_t, b->batch, b->batch_n);
    clear_batch(b);
    if (rc < 0) {
        lua_pushlightuserdata(L, (void *)&BATCH_FAILED);
        lua_error(L);
    }
}

/* [-0, +0, e] Puts the row of t in the batch (the row's values move there),
 * running the batch first when it holds another table's rows or is full. */
static void batch_row(lua_State *L, l_db *db, loadbox *b, const orm_table *t)
{
    if (b->batch_t != t || b->batch_n == b->batch_cap) run_batch(L, db, b);
    if (b->batch_t != t) {
        int cap = orm_fixture_batch_rows(db->session, t);
        orm_value *v = realloc(b->batch, (size_t)cap * (size_t)t->ncols * sizeof *v);
        if (!v) l_oom(L);
        b->batch = v;
        b->batch_t = t;
        b->batch_cap = cap;
    }
    orm_value *dst = &b->batch[(size_t)b->batch_n * (size_t)t->ncols];
    for (int i = 0; i < t->ncols; i++) {
        dst[i] = b->row[i];
        b->row[i] = ORM_VALUE_NULL;
    }
    b->batch_n++;
}

/* [-0, +0, e] Writes the row: insert, or update when replace and the key exists. */
static void write_row(lua_State *L, l_db *db, loadbox *b, const orm_table *t, int replace,
                      const recpos *p)
{
    if (b->batched && !replace) {
        batch_row(L, db, b, t);
        return;
    }
    int exists = 0;
    db->L = L;
    if (replace && orm_fixture_exists(db->session, t, b->row, &exists) < 0)
        l_db_raise_session(L, db);
    if (!exists && b->sql_for != t) { /* records come table by table: one text per run */
        orm_buf_reset(&b->insert_sql);
        if (orm_fixture_insert_sql(db->session, t, &b->insert_sql) < 0) l_db_raise_session(L, db);
        b->sql_for = t;
    }
    int rc = exists ? orm_fixture_replace(db->session, t, b->row)
                    : orm_fixture_insert(db->session, t, orm_buf_str(&b->insert_sql), b->row);
    if (rc >= 0) return;
    orm_error *e = orm_session_error(db->session);
    lua_pushstring(L, e->message ? e->message : "failed");
    orm_errclass cls = e->cls;
    if (cls == ORM_ERR_INTEGRITY && !replace &&
        orm_fixture_exists(db->session, t, b->row, &exists) >= 0 && exists)
        bad(L, p, cls, "a row with this key exists already (load with --replace to update it)");
    bad(L, p, cls, "%s", lua_tostring(L, -1));
}

/* Counts the records (for progress); rewinds. -1 when f cannot seek. */
static long long count_records(lua_State *L, loadbox *b, FILE *f)
{
    long start = ftell(f);
    if (start < 0) return -1;
    l_fxreader_init(&b->r, f);
    long long n = 0;
    int rc;
    while ((rc = l_fxreader_next(&b->r, &b->elem)) > 0)
        n++;
    (void)L;
    if (fseek(f, start, SEEK_SET) != 0) return -1;
    return rc < 0 ? 0 : n;
}

/* The load itself: args 1 path, 2 file box, 3 replace, 4 progress, 5 batched. */
static int load_body(lua_State *L)
{
    l_db *db = l_db_check(L, lua_upvalueindex(1));
    const char *path = lua_tostring(L, 1);
    l_fxfile *f = lua_touserdata(L, 2);
    int replace = lua_toboolean(L, 3);
    int progress = lua_isnil(L, 4) ? 0 : 4;
    loadbox *b = lua_newuserdatauv(L, sizeof *b, 0);
    memset(b, 0, sizeof *b);
    b->batched = lua_toboolean(L, 5);
    lua_createtable(L, 0, 1);
    lua_pushcfunction(L, loadbox_gc);
    lua_setfield(L, -2, "__gc");
    lua_setmetatable(L, -2);
    long long total = progress ? count_records(L, b, f->f) : 0;
    l_fxreader_init(&b->r, f->f);
    lua_newtable(L); /* tables written to: table -> true */
    int touched = lua_gettop(L);
    recpos p = {path, 0, NULL, 0};
    /* a foreign-key cycle: the checks wait for the end */
    if (orm_fixture_defer_fks(db->session, &b->fks) < 0) l_db_raise_session(L, db);
    int rc;
    while ((rc = l_fxreader_next(&b->r, &b->elem)) > 0) {
        p.n++;
        int top = lua_gettop(L);
        if (l_json_decode(L, b->elem.p, b->elem.len) < 0) bad(L, &p, ORM_ERR_DATA, "not JSON");
        p.t = NULL;
        p.rec = top + 1;
        const orm_table *t = record_row(L, db, b, top + 1, &p);
        p.t = t;
        write_row(L, db, b, t, replace, &p);
        lua_pushlightuserdata(L, (void *)t);
        lua_pushboolean(L, 1);
        lua_rawset(L, touched);
        lua_settop(L, top);
        if (p.n % 1000 == 0) l_fx_progress(L, progress, p.n, total);
    }
    if (rc < 0) {
        p.n++;
        p.t = NULL;
        bad(L, &p, ORM_ERR_DATA, "%s", b->r.err);
    }
    run_batch(L, db, b); /* the last rows */
    if (b->fks.deferred && orm_fixture_undefer_fks(db->session, &b->fks, 1) < 0)
        l_db_raise_session(L, db);
    lua_pushnil(L);
    while (lua_next(L, touched)) {
        lua_pop(L, 1);
        if (orm_fixture_sync_sequence(db->session, lua_touserdata(L, -1)) < 0)
            l_db_raise_session(L, db);
    }
    l_fx_progress(L, progress, p.n, total);
    lua_pushinteger(L, (lua_Integer)p.n);
    return 1;
}

/* db.load(path [, { replace = bool, progress = fn }]) -> rows loaded
 * ("-": standard input). Upvalue 1: the db. [-0, +1, e] */
int l_fixtures_load(lua_State *L)
{
    l_db *db = l_db_check(L, lua_upvalueindex(1));
    static const char call[] = "db.load(path, opts)";
    static const char *const known[] = {"replace", "progress", NULL};
    const char *path = l_arg_string(L, 1, call, "path");
    int replace = 0;
    lua_settop(L, 2);
    lua_pushnil(L); /* 3: progress */
    if (l_arg_options(L, 2, call, known)) {
        lua_getfield(L, 2, "replace");
        replace = lua_toboolean(L, -1);
        lua_getfield(L, 2, "progress");
        lua_replace(L, 3);
        lua_pop(L, 1);
    }
    l_fxfile *f = l_fx_open(L, strcmp(path, "-") == 0 ? NULL : path, "r");
    int fidx = lua_gettop(L);
    db->L = L;
    /* changes made before the load are not part of it */
    if (orm_session_commit(db->session) < 0) return l_db_raise_session(L, db);
    /* new rows go in batches (multi-row INSERTs); a failed batch names no
     * record, so the load then runs again, row by row, from the start of
     * the file (when it can go back there) */
    long start = ftell(f->f);
    int batched = start >= 0 && !replace, status;
    for (;;) {
        lua_pushvalue(L, lua_upvalueindex(1));
        lua_pushcclosure(L, load_body, 1);
        lua_pushvalue(L, 1);
        lua_pushvalue(L, fidx);
        lua_pushboolean(L, replace);
        lua_pushvalue(L, 3);
        lua_pushboolean(L, batched);
        status = lua_pcall(L, 5, 1, 0);
        db->L = L;
        if (status == LUA_OK || lua_touserdata(L, -1) != &BATCH_FAILED) break;
        lua_pop(L, 1);
        orm_session_rollback(db->session);
        orm_fixture_undefer_fks(db->session, NULL, 0);
        if (fseek(f->f, start, SEEK_SET) != 0)
            return l_error_raisef(L, ORM_ERR_OPERATIONAL, "%s: cannot read it again: %s", path,
                                  strerror(errno));
        batched = 0;
    }
    if (status == LUA_OK && orm_session_commit(db->session) < 0) /* a deferred foreign key */
        return l_db_raise_session_rolled_back(L, db);
    if (status != LUA_OK) {
        orm_session_rollback(db->session);
        orm_fixture_undefer_fks(db->session, NULL, 0); /* checks switched off stay off no longer */
        return lua_error(L);
    }
    /* replaced rows may be loaded in the session: let go of every object
     * so they are read again */
    if (replace && orm_session_close(db->session) < 0) return l_db_raise_session(L, db);
    l_fx_close(L, f, path);
    return 1;
}
