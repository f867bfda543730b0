/* l_fixtures.c — JSON fixtures: db.dump(path, opts) writes every row of
 * the models' tables as a list of { "model", "pk", "fields" } records in
 * foreign-key order, streaming row by row; db.load(path, opts) reads such
 * a file record by record and inserts the rows, keys kept, in one
 * transaction (db.load's checks and conversions: l_fixtures_load.c). */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fixtures.h"
#include "l_args.h"
#include "l_fixtures.h"
#include "l_json.h"

/* ---- shared helpers --------------------------------------------------------------------- */

static int file_gc(lua_State *L)
{
    l_fxfile *b = lua_touserdata(L, 1);
    if (!b) return 0; /* see l_orm.h: a finalizer checks its argument */
    if (b->f && b->owned) fclose(b->f);
    b->f = NULL;
    return 0;
}

l_fxfile *l_fx_open(lua_State *L, const char *path, const char *mode)
{
    l_fxfile *b = lua_newuserdatauv(L, sizeof *b, 0);
    b->f = NULL;
    b->owned = 0;
    if (luaL_newmetatable(L, "orm.FixtureFile")) {
        lua_pushcfunction(L, file_gc);
        lua_setfield(L, -2, "__gc");
    }
    lua_setmetatable(L, -2);
    if (path == NULL) {
        b->f = mode[0] == 'r' ? stdin : stdout;
        return b;
    }
    b->f = fopen(path, mode);
    if (b->f == NULL)
        l_error_raisef(L, ORM_ERR_ARGUMENT, "cannot open %s: %s", path, strerror(errno));
    b->owned = 1;
    return b;
}

int l_fx_close(lua_State *L, l_fxfile *b, const char *path)
{
    int bad = b->f && (ferror(b->f) || fflush(b->f) != 0);
    if (b->f && b->owned && fclose(b->f) != 0) bad = 1;
    b->f = NULL;
    if (bad)
        return l_error_raisef(L, ORM_ERR_OPERATIONAL, "cannot write %s: %s",
                              path ? path : "standard output", strerror(errno));
    return 0;
}

const char *l_fx_model_name(lua_State *L, const orm_table *t)
{
    l_class_push(L, t);
    const char *name = t->name;
    if (!lua_isnil(L, -1)) {
        lua_getfield(L, -1, "__name");
        if (lua_type(L, -1) == LUA_TSTRING) name = lua_tostring(L, -1);
        lua_remove(L, -2);
    }
    lua_pushstring(L, name);
    lua_remove(L, -2);
    return lua_tostring(L, -1);
}

void l_fx_progress(lua_State *L, int fn, long long done, long long total)
{
    if (fn == 0 || lua_isnoneornil(L, fn)) return;
    lua_pushvalue(L, fn);
    lua_pushinteger(L, (lua_Integer)done);
    lua_pushinteger(L, (lua_Integer)total);
    lua_call(L, 2, 0);
}

static int scan_gc(lua_State *L)
{
    l_fxscan *s = lua_touserdata(L, 1);
    if (s) l_fx_close_scan(s);
    return 0;
}

l_fxscan *l_fx_push_scan(lua_State *L, orm_buf *head)
{
    l_fxscan *s = lua_newuserdatauv(L, sizeof *s, 0);
    memset(s, 0, sizeof *s);
    s->head = *head; /* moved in: freed with the box */
    *head = (orm_buf)ORM_BUF_INIT;
    if (luaL_newmetatable(L, "orm.FixtureScan")) {
        lua_pushcfunction(L, scan_gc);
        lua_setfield(L, -2, "__gc");
    }
    lua_setmetatable(L, -2);
    return s;
}

void l_fx_close_scan(l_fxscan *s)
{
    orm_cursor_close(s->cur);
    s->cur = NULL;
    for (int i = 0; s->vals && i < s->nvals; i++)
        orm_value_clear(&s->vals[i]);
    s->vals = NULL;
    orm_buf_free(&s->rec);
    orm_buf_free(&s->head);
}

/* ---- dump ------------------------------------------------------------------------------------ */

/* The common values written straight from C (no Lua value made): integers,
 * floats, and text of String, Text, Date and DateTime columns. 0 when
 * written; 1 when v needs the general path; ORM_EFAIL with err set. */
static int put_plain(orm_buf *out, const orm_column *col, const orm_value *v, orm_error *err)
{
    switch (col->type.kind) {
    case ORM_T_INTEGER:
    case ORM_T_BIGINT:
        if (v->type != ORM_V_INT) return 1;
        orm_buf_printf(out, "%lld", (long long)v->u.i);
        return 0;
    case ORM_T_FLOAT: {
        if (v->type != ORM_V_REAL || !isfinite(v->u.r)) return 1;
        char num[L_JSON_NUMBUF + 4];
        size_t n = l_json_format_double(num, v->u.r);
        if (!strpbrk(num, ".eE")) memcpy(num + n, ".0", 3); /* read back as a float */
        orm_buf_puts(out, num);
        return 0;
    }
    case ORM_T_STRING:
    case ORM_T_TEXT:
    case ORM_T_DATE:
        if (v->type != ORM_V_TEXT) return 1;
        return l_json_encode_string(out, v->u.s ? v->u.s : "", v->len, err) < 0 ? ORM_EFAIL : 0;
    case ORM_T_DATETIME: {
        char buf[64]; /* ISO-8601: 2023-01-01T10:30:00 */
        if (v->type != ORM_V_TEXT || v->len >= sizeof buf) return 1;
        memcpy(buf, v->u.s, v->len);
        if (v->len > 10 && buf[10] == ' ') buf[10] = 'T';
        return l_json_encode_string(out, buf, v->len, err) < 0 ? ORM_EFAIL : 0;
    }
    default:
        return 1;
    }
}

/* Appends the JSON text of column col's value v to out. [-0, +0, e] */
static void put_value(lua_State *L, orm_buf *out, const orm_column *col, const orm_value *v)
{
    orm_error err;
    orm_error_init(&err);
    if (v->type == ORM_V_NULL) {
        orm_buf_puts(out, "null");
        return;
    }
    if (put_plain(out, col, v, &err) == 0) return;
    if (err.cls != ORM_ERR_NONE) l_error_raise(L, &err);
    if (col->type.kind == ORM_T_BINARY && (v->type == ORM_V_BLOB || v->type == ORM_V_TEXT)) {
        orm_buf_putc(out, '"');
        l_base64_encode(out, (const unsigned char *)v->u.s, v->len);
        orm_buf_putc(out, '"');
        return;
    }
    l_value_push(L, v, &col->type);
    if (col->type.kind == ORM_T_DATETIME && lua_type(L, -1) == LUA_TSTRING &&
        lua_rawlen(L, -1) > 10) {
        /* ISO-8601: 2023-01-01T10:30:00 */
        size_t n;
        const char *s = lua_tolstring(L, -1, &n);
        char buf[64];
        if (n < sizeof buf && s[10] == ' ') {
            memcpy(buf, s, n);
            buf[10] = 'T';
            lua_pushlstring(L, buf, n);
            lua_remove(L, -2);
        }
    }
    int rc = l_json_encode(L, -1, out, &err);
    lua_pop(L, 1);
    if (rc < 0) l_error_raise(L, &err);
}

/* Writes t's rows as records; *done counts them. [-0, +0, e] */
static void dump_table(lua_State *L, l_db *db, const orm_table *t, FILE *f, int *first,
                       long long *done, long long total, int progress)
{
    const char *model = l_fx_model_name(L, t);
    orm_buf head = ORM_BUF_INIT;
    orm_error err;
    orm_error_init(&err);
    /* {"model": "Author", "pk":  — the same for every row */
    orm_buf_puts(&head, "{\"model\": ");
    if (l_json_encode(L, -1, &head, &err) < 0) {
        orm_buf_free(&head);
        l_error_raise(L, &err);
    }
    orm_buf_puts(&head, ", \"pk\": ");
    lua_pop(L, 1);
    (void)model;

    /* the cursor and buffers must not leak on a raise: a box closes them */
    l_fxscan *box = l_fx_push_scan(L, &head);
    db->L = L;
    if (orm_fixture_scan(db->session, t, &box->cur) < 0) l_db_raise_session(L, db);
    orm_cursor *cur = box->cur;
    int rc;
    orm_value v[ORM_MAX_COLUMNS];
    while ((rc = orm_cursor_step(cur)) == ORM_ROW) {
        orm_buf_reset(&box->rec);
        orm_buf_append(&box->rec, box->head.p, box->head.len);
        for (int i = 0; i < t->ncols; i++) {
            v[i] = ORM_VALUE_NULL;
            if (orm_cursor_value(cur, i, &v[i]) < 0) {
                for (int j = 0; j < i; j++)
                    orm_value_clear(&v[j]);
                l_db_raise_session(L, db);
            }
        }
        box->vals = v;
        box->nvals = t->ncols;
        if (t->npk > 1) orm_buf_putc(&box->rec, '[');
        for (int k = 0; k < t->npk; k++) {
            if (k) orm_buf_puts(&box->rec, ", ");
            put_value(L, &box->rec, &t->cols[t->pk[k]], &v[t->pk[k]]);
        }
        if (t->npk > 1) orm_buf_putc(&box->rec, ']');
        orm_buf_puts(&box->rec, ", \"fields\": {");
        int nf = 0;
        for (int i = 0; i < t->ncols; i++) {
            if (t->cols[i].primary_key) continue;
            if (nf++) orm_buf_puts(&box->rec, ", ");
            orm_buf_putc(&box->rec, '"');
            orm_buf_puts(&box->rec, t->cols[i].attr); /* attribute names need no escapes */
            orm_buf_puts(&box->rec, "\": ");
            put_value(L, &box->rec, &t->cols[i], &v[i]);
        }
        orm_buf_puts(&box->rec, "}}");
        for (int i = 0; i < t->ncols; i++)
            orm_value_clear(&v[i]);
        box->vals = NULL;
        if (box->rec.oom) luaL_error(L, "not enough memory");
        fputs(*first ? "\n" : ",\n", f);
        fwrite(box->rec.p, 1, box->rec.len, f);
        *first = 0;
        if (++*done % 1000 == 0) l_fx_progress(L, progress, *done, total);
    }
    if (rc < 0) l_db_raise_session(L, db);
    l_fx_close_scan(box);
    lua_pop(L, 1);
}

/* [-0, +1, e] The tables to dump, in foreign-key order: a list of light
 * userdata (orm_table *), limited to the names in the list at names_idx
 * (0: all). Unknown names raise ArgumentError listing the tables. */
static void push_tables(lua_State *L, l_db *db, int names_idx)
{
    orm_table **sorted = NULL;
    int n = 0;
    if (orm_metadata_sorted(db->md, &sorted, &n) < 0) luaL_error(L, "not enough memory");
    lua_createtable(L, n, 0);
    int out = lua_gettop(L), k = 0;
    for (int i = 0; i < n; i++) {
        int want = names_idx == 0;
        for (lua_Integer j = 1; !want && j <= (lua_Integer)lua_rawlen(L, names_idx); j++) {
            lua_rawgeti(L, names_idx, j);
            want =
                lua_type(L, -1) == LUA_TSTRING && strcmp(lua_tostring(L, -1), sorted[i]->name) == 0;
            lua_pop(L, 1);
        }
        if (!want) continue;
        lua_pushlightuserdata(L, sorted[i]);
        lua_rawseti(L, out, ++k);
    }
    /* every name given must be a table */
    for (lua_Integer j = 1; names_idx && j <= (lua_Integer)lua_rawlen(L, names_idx); j++) {
        lua_rawgeti(L, names_idx, j);
        const char *name = lua_tostring(L, -1);
        if (name == NULL || orm_metadata_find(db->md, name) == NULL) {
            luaL_Buffer b;
            luaL_buffinit(L, &b);
            for (int i = 0; i < n; i++) {
                if (i) luaL_addstring(&b, ", ");
                luaL_addstring(&b, sorted[i]->name);
            }
            free(sorted);
            luaL_pushresult(&b);
            l_error_raisef(L, ORM_ERR_ARGUMENT, "no table '%s' to dump (tables: %s)",
                           name ? name : "?", lua_tostring(L, -1));
        }
        lua_pop(L, 1);
    }
    free(sorted);
}

/* db.dump([path [, { tables = {...}, progress = fn }]]) -> rows written.
 * path nil: standard output. Upvalue 1: the db. [-0, +1, e] */
int l_fixtures_dump(lua_State *L)
{
    l_db *db = l_db_check(L, lua_upvalueindex(1));
    static const char call[] = "db.dump(path, opts)";
    static const char *const known[] = {"tables", "progress", NULL};
    const char *path = l_arg_optstring(L, 1, call, "path");
    int names = 0, progress = 0;
    lua_settop(L, 2);
    if (l_arg_options(L, 2, call, known)) {
        lua_getfield(L, 2, "tables");
        if (!lua_isnil(L, -1)) {
            if (!lua_istable(L, -1)) l_arg_error(L, -1, call, "tables", "a list of table names");
            names = lua_gettop(L);
        } else {
            lua_pop(L, 1);
        }
        lua_getfield(L, 2, "progress");
        if (!lua_isnil(L, -1))
            progress = lua_gettop(L);
        else
            lua_pop(L, 1);
    }
    push_tables(L, db, names);
    int tables = lua_gettop(L);
    int nt = (int)lua_rawlen(L, tables);
    db->L = L;
    long long total = 0, done = 0;
    for (int i = 1; progress && i <= nt; i++) {
        lua_rawgeti(L, tables, i);
        int64_t n = 0;
        if (orm_fixture_count(db->session, lua_touserdata(L, -1), &n) < 0)
            l_db_raise_session(L, db);
        total += n;
        lua_pop(L, 1);
    }
    l_fxfile *f = l_fx_open(L, path, "w");
    int first = 1;
    fputc('[', f->f);
    for (int i = 1; i <= nt; i++) {
        lua_rawgeti(L, tables, i);
        const orm_table *t = lua_touserdata(L, -1);
        lua_pop(L, 1);
        dump_table(L, db, t, f->f, &first, &done, total, progress);
    }
    fputs(first ? "]\n" : "\n]\n", f->f);
    l_fx_progress(L, progress, done, total);
    l_fx_close(L, f, path);
    /* the read transaction is not kept open */
    orm_session_end_idle(db->session);
    lua_pushinteger(L, (lua_Integer)done);
    return 1;
}
