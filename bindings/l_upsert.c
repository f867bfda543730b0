/* l_upsert.c — db.upsert(Model, rows, { on = {...}, update = {...} }):
 * turns the Lua rows (attribute tables) into column values and hands them
 * to core's orm_upsert, which writes them with the backend's native
 * upsert in batches. Returns how many rows were inserted or updated. */
#include <stdlib.h>
#include <string.h>

#include "l_seed.h"
#include "upsert.h"

/* The values of every row, owned by a userdata so a raise frees them. */
typedef struct {
    orm_value *v;
    size_t n;
} valbox;

static int valbox_gc(lua_State *L)
{
    valbox *b = lua_touserdata(L, 1);
    if (!b) return 0;
    for (size_t i = 0; b->v && i < b->n; i++)
        orm_value_clear(&b->v[i]);
    free(b->v);
    b->v = NULL;
    b->n = 0;
    return 0;
}

/* [-0, +1, m] */
static valbox *push_valbox(lua_State *L, size_t n)
{
    valbox *b = lua_newuserdatauv(L, sizeof *b, 0);
    b->v = NULL;
    b->n = 0;
    if (luaL_newmetatable(L, "orm.UpsertValues")) {
        lua_pushcfunction(L, valbox_gc);
        lua_setfield(L, -2, "__gc");
    }
    lua_setmetatable(L, -2);
    b->v = calloc(n ? n : 1, sizeof *b->v);
    if (b->v == NULL) luaL_error(L, "not enough memory");
    b->n = n;
    return b;
}

/* The column an attribute name at idx names; raises DataError naming the
 * valid ones. */
static int column_of(lua_State *L, const orm_table *t, int idx, const char *what)
{
    size_t len;
    const char *name = lua_type(L, idx) == LUA_TSTRING ? lua_tolstring(L, idx, &len) : NULL;
    int col = name ? orm_table_attr_index(t, name, len) : -1;
    if (col < 0) {
        l_class_push(L, t);
        lua_getfield(L, -1, "__name");
        l_class_push_names(L, t);
        l_error_raisef(L, name ? ORM_ERR_DATA : ORM_ERR_ARGUMENT,
                       "db.upsert: %s has no column '%s' in %s (columns: %s)", lua_tostring(L, -2),
                       name ? name : luaL_typename(L, idx), what, lua_tostring(L, -1));
    }
    return col;
}

/* Reads the list of names opts[field] into cols; *n its length, -1 when absent. */
static void name_list(lua_State *L, const orm_table *t, int opts, const char *field, int *cols,
                      int *n)
{
    *n = -1;
    if (lua_isnoneornil(L, opts) || lua_getfield(L, opts, field) == LUA_TNIL) {
        if (!lua_isnoneornil(L, opts)) lua_pop(L, 1);
        return;
    }
    if (!lua_istable(L, -1))
        l_error_raisef(L, ORM_ERR_ARGUMENT, "db.upsert: %s must be a list of column names", field);
    int list = lua_gettop(L);
    lua_Integer len = (lua_Integer)lua_rawlen(L, list);
    if (len > ORM_MAX_COLUMNS)
        l_error_raisef(L, ORM_ERR_ARGUMENT, "db.upsert: %s names too many columns", field);
    for (lua_Integer i = 1; i <= len; i++) {
        lua_rawgeti(L, list, i);
        cols[i - 1] = column_of(L, t, lua_gettop(L), field);
        lua_pop(L, 1);
    }
    *n = (int)len;
    lua_pop(L, 1);
}

/* db.upsert(Model, rows [, { on = {...}, update = {...} }]) -> n. Upvalue 1:
 * the db. on defaults to the primary key, update to every column the rows
 * give that is neither in on nor in the primary key. [-0, +1, e] */
int l_upsert(lua_State *L)
{
    l_db *db = l_db_check(L, lua_upvalueindex(1));
    l_class *c = l_class_test(L, 1);
    if (c == NULL)
        return l_error_raisef(L, ORM_ERR_ARGUMENT,
                              "db.upsert(Model, rows, { on = {...}, update = {...} }): argument 1 "
                              "must be a model class (got %s)",
                              luaL_typename(L, 1));
    if (!lua_istable(L, 2))
        return l_error_raisef(L, ORM_ERR_ARGUMENT,
                              "db.upsert: rows must be a list of attribute tables (got %s)",
                              luaL_typename(L, 2));
    if (!lua_isnoneornil(L, 3) && !lua_istable(L, 3))
        return l_error_raisef(
            L, ORM_ERR_ARGUMENT,
            "db.upsert: argument 3 must be { on = {...}, update = {...} } (got %s)",
            luaL_typename(L, 3));
    lua_settop(L, 3);
    const orm_table *t = c->table;
    size_t nrows = (size_t)lua_rawlen(L, 2);

    /* the columns: every attribute any row gives, in column order */
    uint64_t given = 0;
    for (size_t r = 1; r <= nrows; r++) {
        if (lua_rawgeti(L, 2, (lua_Integer)r) != LUA_TTABLE)
            l_error_raisef(L, ORM_ERR_ARGUMENT,
                           "db.upsert: row %d is a %s, not a table of attributes", (int)r,
                           luaL_typename(L, -1));
        lua_pushnil(L);
        while (lua_next(L, -2)) {
            lua_pop(L, 1);
            given |= (uint64_t)1 << column_of(L, t, lua_gettop(L), "a row");
        }
        lua_pop(L, 1);
    }
    int cols[ORM_MAX_COLUMNS], ncols = 0;
    for (int i = 0; i < t->ncols; i++)
        if (given >> i & 1) cols[ncols++] = i;

    int on[ORM_MAX_COLUMNS], non, upd[ORM_MAX_COLUMNS], nupd;
    name_list(L, t, 3, "on", on, &non);
    name_list(L, t, 3, "update", upd, &nupd);
    if (non < 0) {
        non = t->npk;
        memcpy(on, t->pk, sizeof(int) * (size_t)t->npk);
    }
    if (nupd < 0) {
        nupd = 0;
        for (int i = 0; i < ncols; i++) {
            int inon = 0;
            for (int k = 0; k < non; k++)
                inon |= on[k] == cols[i];
            if (!inon && !t->cols[cols[i]].primary_key) upd[nupd++] = cols[i];
        }
    }
    orm_upsert_spec sp = {t, cols, ncols, on, non, upd, nupd};
    orm_error err;
    orm_error_init(&err);
    if (nrows == 0) { /* nothing to write: only the key is checked */
        if (orm_upsert_check_key(&sp, &err) < 0) return l_error_raise(L, &err);
        lua_pushinteger(L, 0);
        return 1;
    }
    if (orm_upsert_check(&sp, &err) < 0) return l_error_raise(L, &err);

    valbox *vb = push_valbox(L, nrows * (size_t)ncols);
    for (size_t r = 0; r < nrows; r++) {
        lua_rawgeti(L, 2, (lua_Integer)r + 1);
        for (int i = 0; i < ncols; i++) {
            const orm_column *col = &t->cols[cols[i]];
            lua_getfield(L, -1, col->attr);
            orm_value *v = &vb->v[r * (size_t)ncols + (size_t)i];
            if (l_value_to(L, -1, &col->type, v, &err) < 0) {
                lua_pushfstring(L, "db.upsert: row %d, %s: %s", (int)r + 1, col->attr,
                                err.message ? err.message : "bad value");
                orm_errclass cls = err.cls;
                orm_error_clear(&err);
                return l_error_raisef(L, cls, "%s", lua_tostring(L, -1));
            }
            lua_pop(L, 1);
        }
        lua_pop(L, 1);
    }
    int64_t written = 0;
    db->L = L;
    if (orm_upsert(db->session, &sp, vb->v, nrows, &written) < 0) return l_db_raise_session(L, db);
    l_seed_count(db, t, 2, written);
    lua_pushinteger(L, (lua_Integer)written);
    return 1;
}
