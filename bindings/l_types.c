/* l_types.c — the column-definition vocabulary of the module: types
 * (db.Integer, db.String(30) ...), db.Column specs and db.ForeignKey, as
 * userdata that db.Model later turns into core table metadata. */
#include <stdlib.h>
#include <string.h>

#include "l_db.h"
#include "l_args.h"
#include "l_types.h"

/* ---- types ---- */

static orm_type *type_new(lua_State *L, orm_type_kind kind)
{
    orm_type *t = lua_newuserdatauv(L, sizeof *t, 0);
    memset(t, 0, sizeof *t);
    t->kind = kind;
    luaL_setmetatable(L, L_MT_TYPE);
    return t;
}

orm_type *l_type_test(lua_State *L, int idx)
{
    return luaL_testudata(L, idx, L_MT_TYPE);
}

/* db.String(30), db.Numeric(10, 2): calling a type makes a sized copy. [-0, +1, v] */
static int type_call(lua_State *L)
{
    orm_type *base = luaL_checkudata(L, 1, L_MT_TYPE);
    orm_type *t = type_new(L, base->kind);
    *t = *base;
    switch (base->kind) {
    case ORM_T_STRING:
        if (!lua_isnoneornil(L, 2) && !lua_isinteger(L, 2))
            l_arg_error(L, 2, "db.String(length)", "length", "an integer");
        t->length = (int)luaL_optinteger(L, 2, 0);
        if (t->length < 0)
            l_error_raisef(L, ORM_ERR_ARGUMENT,
                           "db.String(length): length must not be negative (got %d)", t->length);
        break;
    case ORM_T_NUMERIC:
        for (int i = 2; i <= 3; i++)
            if (!lua_isnoneornil(L, i) && !lua_isinteger(L, i))
                l_arg_error(L, i, "db.Numeric(precision, scale)", i == 2 ? "precision" : "scale",
                            "an integer");
        t->precision = (int)luaL_optinteger(L, 2, 0);
        t->scale = (int)luaL_optinteger(L, 3, 0);
        if (t->precision < 0 || t->scale < 0 || (t->precision && t->scale > t->precision))
            l_error_raisef(L, ORM_ERR_ARGUMENT,
                           "db.Numeric(precision, scale): scale must be between 0 and precision "
                           "(got %d, %d)",
                           t->precision, t->scale);
        break;
    default:
        break;
    }
    return 1;
}

static int type_tostring(lua_State *L)
{
    char buf[64];
    lua_pushstring(L, orm_type_name(luaL_checkudata(L, 1, L_MT_TYPE), buf, sizeof buf));
    return 1;
}

/* ---- ForeignKey ---- */

static void fkey_clear(orm_fkey *fk)
{
    free(fk->table);
    free(fk->column);
    free(fk->ondelete);
    free(fk->onupdate);
    memset(fk, 0, sizeof *fk);
}

static int fkey_gc(lua_State *L)
{
    fkey_clear(luaL_checkudata(L, 1, L_MT_FKEY));
    return 0;
}

static char *dup_or_raise(lua_State *L, const char *s)
{
    char *p = s ? strdup(s) : NULL;
    if (s && !p) l_oom(L);
    return p;
}

/* db.ForeignKey("author.id", { ondelete = "CASCADE" }) [-0, +1, v] */
static int fkey_new(lua_State *L)
{
    const char *target = l_arg_string(L, 1, "db.ForeignKey(\"table.column\")", "the target");
    const char *dot = strrchr(target, '.');
    if (dot == NULL || dot == target || dot[1] == '\0')
        return l_error_raisef(L, ORM_ERR_ARGUMENT, "ForeignKey('%s'): expected \"table.column\"",
                              target);
    orm_fkey *fk = lua_newuserdatauv(L, sizeof *fk, 0);
    memset(fk, 0, sizeof *fk);
    luaL_setmetatable(L, L_MT_FKEY);
    fk->table = malloc((size_t)(dot - target) + 1);
    if (fk->table == NULL) return l_oom(L);
    memcpy(fk->table, target, (size_t)(dot - target));
    fk->table[dot - target] = '\0';
    fk->column = dup_or_raise(L, dot + 1);
    if (lua_istable(L, 2)) {
        static const char *const known[] = {"ondelete", "onupdate", NULL};
        l_check_options(L, 2, lua_pushfstring(L, "db.ForeignKey('%s')", target), known);
        lua_pop(L, 1);
        lua_getfield(L, 2, "ondelete");
        fk->ondelete = dup_or_raise(L, luaL_optstring(L, -1, NULL));
        lua_getfield(L, 2, "onupdate");
        fk->onupdate = dup_or_raise(L, luaL_optstring(L, -1, NULL));
        lua_pop(L, 2);
    }
    return 1;
}

static int fkey_tostring(lua_State *L)
{
    orm_fkey *fk = luaL_checkudata(L, 1, L_MT_FKEY);
    lua_pushfstring(L, "ForeignKey('%s.%s')", fk->table ? fk->table : "?",
                    fk->column ? fk->column : "?");
    return 1;
}

/* ---- Column ---- */

static int colspec_gc(lua_State *L)
{
    l_colspec *c = luaL_checkudata(L, 1, L_MT_COLUMN);
    free(c->col.name);
    free(c->col.server_default);
    free(c->col.computed);
    free(c->col.comment);
    if (c->col.fk) {
        fkey_clear(c->col.fk);
        free(c->col.fk);
    }
    memset(c, 0, sizeof *c);
    return 0;
}

l_colspec *l_colspec_test(lua_State *L, int idx)
{
    return luaL_testudata(L, idx, L_MT_COLUMN);
}

static int opt_bool(lua_State *L, int opts, const char *key, int dflt)
{
    lua_getfield(L, opts, key);
    int v = lua_isnil(L, -1) ? dflt : lua_toboolean(L, -1);
    lua_pop(L, 1);
    return v;
}

static void copy_fk(lua_State *L, l_colspec *c, int idx)
{
    orm_fkey *src = luaL_checkudata(L, idx, L_MT_FKEY);
    c->col.fk = calloc(1, sizeof *c->col.fk);
    if (c->col.fk == NULL) l_oom(L);
    c->col.fk->table = dup_or_raise(L, src->table);
    c->col.fk->column = dup_or_raise(L, src->column);
    c->col.fk->ondelete = dup_or_raise(L, src->ondelete);
    c->col.fk->onupdate = dup_or_raise(L, src->onupdate);
}

static void read_options(lua_State *L, l_colspec *c, int opts)
{
    c->col.primary_key = opt_bool(L, opts, "primary_key", 0);
    c->col.nullable = opt_bool(L, opts, "nullable", !c->col.primary_key);
    c->col.autoincrement = opt_bool(L, opts, "autoincrement", 1);
    c->col.autoincrement_set = opt_bool(L, opts, "autoincrement", 0);
    c->col.unique = opt_bool(L, opts, "unique", 0);
    c->col.indexed = opt_bool(L, opts, "index", 0);
    c->col.no_audit = !opt_bool(L, opts, "audit", 1);
    lua_getfield(L, opts, "server_default");
    c->col.server_default = dup_or_raise(L, luaL_optstring(L, -1, NULL));
    lua_getfield(L, opts, "computed");
    c->col.computed = dup_or_raise(L, luaL_optstring(L, -1, NULL));
    lua_getfield(L, opts, "comment");
    c->col.comment = dup_or_raise(L, luaL_optstring(L, -1, NULL));
    lua_pop(L, 3);
}

/* db.Column([name,] type [, ForeignKey] [, options]) [-0, +1, v] */
static int colspec_new(lua_State *L)
{
    int arg = 1;
    const char *name = NULL;
    if (lua_type(L, 1) == LUA_TSTRING) name = lua_tostring(L, arg++);
    orm_type *t = l_type_test(L, arg);
    if (t == NULL) return luaL_typeerror(L, arg, "column type (db.Integer, db.String(n), ...)");
    int typearg = arg++;
    int fkarg = 0, optarg = 0;
    for (; arg <= lua_gettop(L); arg++) {
        if (luaL_testudata(L, arg, L_MT_FKEY))
            fkarg = arg;
        else if (lua_istable(L, arg))
            optarg = arg;
        else if (!lua_isnil(L, arg))
            return luaL_typeerror(L, arg, "ForeignKey or options table");
    }
    if (optarg) {
        static const char *const known[] = {
            "primary_key",    "autoincrement", "nullable", "unique", "index",    "default",
            "server_default", "onupdate",      "comment",  "audit",  "computed", NULL};
        l_check_options(L, optarg, "db.Column", known);
    }
    l_colspec *c = lua_newuserdatauv(L, sizeof *c, 1);
    memset(c, 0, sizeof *c);
    luaL_setmetatable(L, L_MT_COLUMN);
    int self = lua_gettop(L);
    c->col.type = *(orm_type *)lua_touserdata(L, typearg);
    c->col.nullable = 1;
    c->col.autoincrement = 1;
    c->col.name = dup_or_raise(L, name);
    if (fkarg) copy_fk(L, c, fkarg);
    lua_createtable(L, 0, 2); /* default, onupdate */
    if (optarg) {
        read_options(L, c, optarg);
        lua_getfield(L, optarg, "default");
        if (!lua_isnil(L, -1)) c->col.has_default = 1;
        lua_setfield(L, -2, "default");
        lua_getfield(L, optarg, "onupdate");
        if (!lua_isnil(L, -1)) c->col.has_onupdate = 1;
        lua_setfield(L, -2, "onupdate");
    }
    lua_setiuservalue(L, self, 1);
    /* creation order: columns are created in the order db.Column ran */
    lua_rawgetp(L, LUA_REGISTRYINDEX, (void *)&colspec_new);
    c->seq = lua_tointeger(L, -1) + 1;
    lua_pop(L, 1);
    lua_pushinteger(L, c->seq);
    lua_rawsetp(L, LUA_REGISTRYINDEX, (void *)&colspec_new);
    lua_settop(L, self);
    return 1;
}

static int colspec_tostring(lua_State *L)
{
    l_colspec *c = luaL_checkudata(L, 1, L_MT_COLUMN);
    char buf[64];
    lua_pushfstring(L, "Column(%s)", orm_type_name(&c->col.type, buf, sizeof buf));
    return 1;
}

/* ---- registration ---- */

static const struct {
    const char *name;
    orm_type_kind kind;
} type_names[] = {
    {"Integer", ORM_T_INTEGER},    {"BigInteger", ORM_T_BIGINT}, {"String", ORM_T_STRING},
    {"Text", ORM_T_TEXT},          {"Boolean", ORM_T_BOOLEAN},   {"Float", ORM_T_FLOAT},
    {"Numeric", ORM_T_NUMERIC},    {"Date", ORM_T_DATE},         {"DateTime", ORM_T_DATETIME},
    {"LargeBinary", ORM_T_BINARY}, {"JSON", ORM_T_JSON},
};

void l_types_open(lua_State *L, int modidx)
{
    modidx = lua_absindex(L, modidx);
    if (luaL_newmetatable(L, L_MT_TYPE)) {
        l_protect_mt(L);
        lua_pushcfunction(L, type_call);
        lua_setfield(L, -2, "__call");
        lua_pushcfunction(L, type_tostring);
        lua_setfield(L, -2, "__tostring");
    }
    lua_pop(L, 1);
    if (luaL_newmetatable(L, L_MT_FKEY)) {
        l_protect_mt(L);
        lua_pushcfunction(L, fkey_gc);
        lua_setfield(L, -2, "__gc");
        lua_pushcfunction(L, fkey_tostring);
        lua_setfield(L, -2, "__tostring");
    }
    lua_pop(L, 1);
    if (luaL_newmetatable(L, L_MT_COLUMN)) {
        l_protect_mt(L);
        lua_pushcfunction(L, colspec_gc);
        lua_setfield(L, -2, "__gc");
        lua_pushcfunction(L, colspec_tostring);
        lua_setfield(L, -2, "__tostring");
    }
    lua_pop(L, 1);
    for (size_t i = 0; i < sizeof type_names / sizeof type_names[0]; i++) {
        type_new(L, type_names[i].kind);
        lua_setfield(L, modidx, type_names[i].name);
    }
    lua_pushcfunction(L, colspec_new);
    lua_setfield(L, modidx, "Column");
    lua_pushcfunction(L, fkey_new);
    lua_setfield(L, modidx, "ForeignKey");
    l_table_args_open(L, modidx);
}
