/* l_migrate_op.c — the `op` object of revision files (docs/reference.md):
 * op.create_table, drop_table, rename_table, add_column, drop_column,
 * alter_column, create_index, drop_index, create_unique_constraint,
 * create_foreign_key, drop_constraint, execute, bulk_insert, and the
 * builders op.column, op.unique_constraint, op.foreign_key_constraint.
 * Each turns its Lua arguments into core structures (held by a cleanup
 * userdata while Lua may raise) and calls migrate.h. */
#include <stdlib.h>
#include <string.h>

#include "compile.h"
#include "l_migrate.h"
#include "reflect.h"

/* ---- cleanup userdata ------------------------------------------------------ */

typedef struct cleanup {
    void (*fn)(void *);
    void *p;
} cleanup;

static int cleanup_gc(lua_State *L)
{
    cleanup *c = luaL_checkudata(L, 1, L_MT_CLEANUP);
    if (c->p && c->fn) c->fn(c->p);
    c->p = NULL;
    return 0;
}

void **l_cleanup_push(lua_State *L, void (*fn)(void *))
{
    cleanup *c = lua_newuserdatauv(L, sizeof *c, 0);
    c->fn = fn;
    c->p = NULL;
    if (luaL_newmetatable(L, L_MT_CLEANUP)) {
        l_protect_mt(L);
        lua_pushcfunction(L, cleanup_gc);
        lua_setfield(L, -2, "__gc");
        lua_pushcfunction(L, cleanup_gc);
        lua_setfield(L, -2, "__close");
    }
    lua_setmetatable(L, -2);
    return &c->p;
}

static void free_table(void *p)
{
    orm_dbtable_free(p);
}

/* [-0, +1, m] A new empty table structure owned by a cleanup userdata. */
static orm_dbtable *new_table(lua_State *L, const char *name)
{
    void **slot = l_cleanup_push(L, free_table);
    orm_dbtable *t = orm_dbtable_new(name);
    if (!t) l_oom(L);
    *slot = t;
    return t;
}

/* 1 when the value at idx is a table with the metatable registered as tname
 * (op.column and the constraint builders return plain tables so they print
 * and copy like data). */
static int is_desc(lua_State *L, int idx, const char *tname)
{
    if (!lua_istable(L, idx) || !lua_getmetatable(L, idx)) return 0;
    luaL_getmetatable(L, tname);
    int same = lua_rawequal(L, -1, -2);
    lua_pop(L, 2);
    return same;
}

/* ---- the context ------------------------------------------------------------- */

static orm_mig_ctx *ctx(lua_State *L)
{
    l_migbox *b = luaL_checkudata(L, lua_upvalueindex(1), L_MT_MIGBOX);
    if (!b->m) luaL_error(L, "op used outside a running migration");
    return b->m;
}

/* Raises the connection's error (after a failed core call). */
L_NORETURN static int raise_conn(lua_State *L, orm_mig_ctx *m)
{
    orm_conn *c = orm_mig_ctx_conn(m);
    orm_error e;
    orm_error_init(&e);
    orm_error_move(&e, &c->err);
    l_error_raise(L, &e);
}

static void oom_check(lua_State *L, int rc)
{
    if (rc == ORM_ENOMEM) l_oom(L);
}

/* ---- arguments ---------------------------------------------------------------- */

static int opt_bool(lua_State *L, int opts, const char *key, int dflt)
{
    if (!opts) return dflt;
    lua_getfield(L, opts, key);
    int v = lua_isnil(L, -1) ? dflt : lua_toboolean(L, -1);
    lua_pop(L, 1);
    return v;
}

/* A string option (NULL when absent); stays valid while opts lives. */
static const char *opt_str(lua_State *L, int opts, const char *key)
{
    if (!opts) return NULL;
    lua_getfield(L, opts, key);
    const char *s = NULL;
    if (lua_type(L, -1) == LUA_TSTRING)
        s = lua_tostring(L, -1);
    else if (!lua_isnil(L, -1))
        l_error_raisef(L, ORM_ERR_ARGUMENT, "option '%s' must be a string (got %s)", key,
                       luaL_typename(L, -1));
    lua_pop(L, 1); /* the string stays referenced by opts */
    return s;
}

static int opt_table(lua_State *L, int idx)
{
    if (lua_isnoneornil(L, idx)) return 0;
    luaL_checktype(L, idx, LUA_TTABLE);
    return lua_absindex(L, idx);
}

/* A column list: "a" or { "a", "b" }. */
static void check_names(lua_State *L, int idx, orm_strv *out)
{
    if (lua_type(L, idx) == LUA_TSTRING) {
        oom_check(L, orm_strv_push(out, lua_tostring(L, idx)));
        return;
    }
    luaL_checktype(L, idx, LUA_TTABLE);
    lua_Integer n = luaL_len(L, idx);
    for (lua_Integer i = 1; i <= n; i++) {
        if (lua_rawgeti(L, idx, i) != LUA_TSTRING)
            l_error_raisef(L, ORM_ERR_ARGUMENT, "column list item %d must be a string (got %s)",
                           (int)i, luaL_typename(L, -1));
        int rc = orm_strv_push(out, lua_tostring(L, -1));
        lua_pop(L, 1);
        oom_check(L, rc);
    }
    if (n == 0) l_error_raisef(L, ORM_ERR_ARGUMENT, "the column list is empty");
}

static void free_strv(void *p)
{
    orm_strv_free(p);
    free(p);
}

/* [-0, +1, m] A column list held by a cleanup userdata. */
static orm_strv *names_arg(lua_State *L, int idx)
{
    idx = lua_absindex(L, idx);
    void **slot = l_cleanup_push(L, free_strv);
    orm_strv *l = calloc(1, sizeof *l);
    if (!l) l_oom(L);
    *slot = l;
    check_names(L, idx, l);
    return l;
}

/* A type name as revision files write it: "String(30)" (or a SQL type
 * such as "VARCHAR(30)"). */
static void parse_type(lua_State *L, const char *name, orm_type *out)
{
    orm_error err;
    orm_error_init(&err);
    if (orm_type_parse(out, name, &err) == ORM_OK) return;
    if (orm_reflect_parse_type(name, out)) {
        orm_error_clear(&err);
        return;
    }
    l_error_raise(L, &err);
}

/* ---- builders: op.column, op.unique_constraint, op.foreign_key_constraint ---- */

/* op.column(name, type [, opts]) -> a column description [-0, +1, e] */
static int op_column(lua_State *L)
{
    lua_settop(L, 3); /* fixed slots: what this pushes comes after */
    const char *name = luaL_checkstring(L, 1);
    const char *type = luaL_checkstring(L, 2);
    static const char *const known[] = {"primary_key", "autoincrement",  "nullable",    "unique",
                                        "index",       "server_default", "foreign_key", "ondelete",
                                        "onupdate",    "comment",        "computed",    NULL};
    orm_type t;
    parse_type(L, type, &t);
    if (opt_table(L, 3)) {
        lua_pushnil(L);
        while (lua_next(L, 3)) {
            lua_pop(L, 1);
            const char *k = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : "?";
            int ok = 0;
            for (int i = 0; known[i] && !ok; i++)
                ok = strcmp(k, known[i]) == 0;
            if (!ok)
                l_error_raisef(L, ORM_ERR_ARGUMENT,
                               "op.column('%s'): unknown option '%s' (expected primary_key, "
                               "autoincrement, nullable, unique, index, server_default, "
                               "foreign_key, ondelete, onupdate)",
                               name, k);
        }
    }
    lua_createtable(L, 0, 3);
    lua_pushvalue(L, 1);
    lua_setfield(L, -2, "name");
    lua_pushvalue(L, 2);
    lua_setfield(L, -2, "type");
    if (!lua_isnoneornil(L, 3)) {
        lua_pushvalue(L, 3);
        lua_setfield(L, -2, "options");
    }
    luaL_setmetatable(L, L_MT_OPCOLUMN);
    return 1;
}

/* op.unique_constraint(cols [, { name = }]) [-0, +1, e] */
static int op_unique_constraint(lua_State *L)
{
    lua_settop(L, 2);      /* fixed slots: what this pushes comes after */
    (void)names_arg(L, 1); /* validates */
    opt_table(L, 2);
    lua_createtable(L, 0, 3);
    lua_pushliteral(L, "unique");
    lua_setfield(L, -2, "kind");
    lua_pushvalue(L, 1);
    lua_setfield(L, -2, "columns");
    lua_pushvalue(L, 2);
    lua_setfield(L, -2, "options");
    luaL_setmetatable(L, L_MT_OPCONSTRAINT);
    return 1;
}

/* op.foreign_key_constraint(cols, reftable, refcols [, { name, ondelete, onupdate }]) */
static int op_fkey_constraint(lua_State *L)
{
    lua_settop(L, 4); /* fixed slots: what this pushes comes after */
    (void)names_arg(L, 1);
    luaL_checkstring(L, 2);
    (void)names_arg(L, 3);
    opt_table(L, 4);
    lua_createtable(L, 0, 5);
    lua_pushliteral(L, "foreignkey");
    lua_setfield(L, -2, "kind");
    lua_pushvalue(L, 1);
    lua_setfield(L, -2, "columns");
    lua_pushvalue(L, 2);
    lua_setfield(L, -2, "reftable");
    lua_pushvalue(L, 3);
    lua_setfield(L, -2, "refcolumns");
    lua_pushvalue(L, 4);
    lua_setfield(L, -2, "options");
    luaL_setmetatable(L, L_MT_OPCONSTRAINT);
    return 1;
}

/* ---- columns into table structures ---------------------------------------------- */

static void add_fkey(lua_State *L, orm_dbtable *t, const char *name, const orm_strv *cols,
                     const char *reftable, const orm_strv *refcols, int opts)
{
    orm_dbfkey f = {.name = (char *)name,
                    .cols = *cols,
                    .reftable = (char *)reftable,
                    .refcols = *refcols,
                    .ondelete = (char *)opt_str(L, opts, "ondelete"),
                    .onupdate = (char *)opt_str(L, opts, "onupdate")};
    oom_check(L, orm_dbtable_add_fkey(t, &f));
}

/* "author.id" -> table, column */
static void split_target(lua_State *L, const char *target, const char *col)
{
    const char *dot = strrchr(target, '.');
    if (!dot || dot == target || !dot[1])
        l_error_raisef(L, ORM_ERR_ARGUMENT,
                       "column '%s': foreign_key must be \"table.column\" (got \"%s\")", col,
                       target);
    lua_pushlstring(L, target, (size_t)(dot - target));
    lua_pushstring(L, dot + 1);
}

/* Adds the op.column at idx to t with the constraints its options ask for;
 * returns 1 when it is part of the primary key. */
static int add_column_desc(lua_State *L, orm_dbtable *t, int idx)
{
    int top = lua_gettop(L);
    lua_getfield(L, idx, "name");
    const char *name = lua_tostring(L, -1);
    lua_getfield(L, idx, "type");
    lua_getfield(L, idx, "options");
    int opts = lua_istable(L, -1) ? lua_gettop(L) : 0;
    orm_dbcolumn c = {.name = (char *)name, .type_known = 1};
    parse_type(L, lua_tostring(L, -2), &c.type);
    int pk = opt_bool(L, opts, "primary_key", 0);
    c.nullable = pk ? 0 : opt_bool(L, opts, "nullable", 1);
    c.server_default = (char *)opt_str(L, opts, "server_default");
    c.computed = (char *)opt_str(L, opts, "computed");
    if (orm_dbtable_find_column(t, name) >= 0)
        l_error_raisef(L, ORM_ERR_ARGUMENT, "table '%s' lists column '%s' twice", t->name, name);
    oom_check(L, orm_dbtable_add_column(t, &c));
    orm_strv one = ORM_STRV_INIT;
    oom_check(L, orm_strv_push(&one, name));
    int unique = opt_bool(L, opts, "unique", 0), index = opt_bool(L, opts, "index", 0), rc = 0;
    if (unique && !index) {
        orm_dbunique u = {.cols = one};
        rc = orm_dbtable_add_unique(t, &u);
    }
    if (rc == 0 && index) {
        orm_buf n = ORM_BUF_INIT;
        orm_dbindex_default_name(t->name, name, &n);
        orm_dbindex x = {.name = n.p, .cols = one, .unique = unique};
        rc = n.oom ? ORM_ENOMEM : orm_dbtable_add_index(t, &x);
        orm_buf_free(&n);
    }
    if (rc == 0 && pk) rc = orm_strv_push(&t->pk, name);
    orm_strv_free(&one);
    oom_check(L, rc);
    const char *target = opt_str(L, opts, "foreign_key");
    const char *ondelete = opt_str(L, opts, "ondelete"), *onupdate = opt_str(L, opts, "onupdate");
    if (target) {
        split_target(L, target, name);
        orm_strv cols = ORM_STRV_INIT, ref = ORM_STRV_INIT; /* nothing raises until freed */
        rc = orm_strv_push(&cols, name);
        if (rc == 0) rc = orm_strv_push(&ref, lua_tostring(L, -1));
        orm_dbfkey f = {.cols = cols,
                        .reftable = (char *)lua_tostring(L, -2),
                        .refcols = ref,
                        .ondelete = (char *)ondelete,
                        .onupdate = (char *)onupdate};
        if (rc == 0) rc = orm_dbtable_add_fkey(t, &f);
        orm_strv_free(&cols);
        orm_strv_free(&ref);
        oom_check(L, rc);
    } else if (ondelete || onupdate) {
        l_error_raisef(L, ORM_ERR_ARGUMENT, "column '%s': ondelete/onupdate need foreign_key",
                       name);
    }
    if (pk && opt_bool(L, opts, "autoincrement", 1)) /* 3: written as true */
        t->cols[t->ncols - 1].autoincrement = opt_bool(L, opts, "autoincrement", 0) ? 3 : 2;
    lua_settop(L, top);
    return pk;
}

/* The generated key: a lone integer primary key whose autoincrement was not
 * disabled, or in a composite key the first integer column that says
 * autoincrement = true (as schema.c decides for models). add_column_desc
 * left 2 on the candidates, 3 on those written true. */
static void settle_autoincrement(orm_dbtable *t)
{
    int found = 0;
    for (int i = 0; i < t->ncols; i++) {
        orm_dbcolumn *c = &t->cols[i];
        int integer = c->type.kind == ORM_T_INTEGER || c->type.kind == ORM_T_BIGINT;
        int want = t->pk.n == 1 ? c->autoincrement >= 2 : c->autoincrement == 3;
        c->autoincrement = want && integer && !found;
        found |= c->autoincrement;
    }
}

static void add_constraint_desc(lua_State *L, orm_dbtable *t, int idx)
{
    int top = lua_gettop(L);
    lua_getfield(L, idx, "kind");
    lua_getfield(L, idx, "options");
    int opts = lua_istable(L, -1) ? lua_gettop(L) : 0;
    lua_getfield(L, idx, "columns");
    orm_strv *cols = names_arg(L, -1);
    const char *name = opt_str(L, opts, "name");
    if (strcmp(lua_tostring(L, top + 1), "unique") == 0) {
        orm_dbunique u = {.name = (char *)name, .cols = *cols};
        oom_check(L, orm_dbtable_add_unique(t, &u));
    } else {
        lua_getfield(L, idx, "refcolumns");
        orm_strv *ref = names_arg(L, -1);
        lua_getfield(L, idx, "reftable");
        add_fkey(L, t, name, cols, lua_tostring(L, -1), ref, opts);
    }
    lua_settop(L, top);
}

/* ---- the ops ------------------------------------------------------------------------ */

static void run(lua_State *L, orm_mig_ctx *m, int rc)
{
    if (rc < 0) raise_conn(L, m);
}

/* op.create_table(name, { op.column(...), ..., op.unique_constraint(...) }) */
static int op_create_table(lua_State *L)
{
    lua_settop(L, 2); /* fixed slots: what this pushes comes after */
    orm_mig_ctx *m = ctx(L);
    const char *name = luaL_checkstring(L, 1);
    luaL_checktype(L, 2, LUA_TTABLE);
    orm_dbtable *t = new_table(L, name);
    lua_Integer n = luaL_len(L, 2);
    for (lua_Integer i = 1; i <= n; i++) {
        lua_rawgeti(L, 2, i);
        if (is_desc(L, -1, L_MT_OPCOLUMN))
            add_column_desc(L, t, lua_gettop(L));
        else if (is_desc(L, -1, L_MT_OPCONSTRAINT))
            add_constraint_desc(L, t, lua_gettop(L));
        else
            l_error_raisef(L, ORM_ERR_ARGUMENT,
                           "create_table('%s'): item %d is not an op.column or a constraint", name,
                           (int)i);
        lua_pop(L, 1);
    }
    if (t->ncols == 0)
        l_error_raisef(L, ORM_ERR_ARGUMENT, "create_table('%s'): no columns given", name);
    settle_autoincrement(t);
    run(L, m, orm_mig_create_table(m, t));
    lua_pushvalue(L, 1);
    return 1;
}

static int op_drop_table(lua_State *L)
{
    orm_mig_ctx *m = ctx(L);
    run(L, m, orm_mig_drop_table(m, luaL_checkstring(L, 1)));
    return 0;
}

static int op_rename_table(lua_State *L)
{
    orm_mig_ctx *m = ctx(L);
    run(L, m, orm_mig_rename_table(m, luaL_checkstring(L, 1), luaL_checkstring(L, 2)));
    return 0;
}

/* op.add_column(table, op.column(...)) */
static int op_add_column(lua_State *L)
{
    lua_settop(L, 2); /* fixed slots: what this pushes comes after */
    orm_mig_ctx *m = ctx(L);
    const char *table = luaL_checkstring(L, 1);
    luaL_argexpected(L, is_desc(L, 2, L_MT_OPCOLUMN), 2, "op.column(...)");
    orm_dbtable *f = new_table(L, table);
    if (add_column_desc(L, f, 2))
        l_error_raisef(L, ORM_ERR_ARGUMENT,
                       "add_column('%s'): a column added to a table cannot be its primary key",
                       table);
    f->cols[0].autoincrement = 0;
    run(L, m, orm_mig_add_column(m, f));
    return 0;
}

static int op_drop_column(lua_State *L)
{
    orm_mig_ctx *m = ctx(L);
    run(L, m, orm_mig_drop_column(m, luaL_checkstring(L, 1), luaL_checkstring(L, 2)));
    return 0;
}

/* op.alter_column(table, column, { type, nullable, server_default, new_name }) */
static int op_alter_column(lua_State *L)
{
    static const char *const known[] = {"type", "nullable", "server_default", "new_name", NULL};
    lua_settop(L, 3); /* fixed slots: what this pushes comes after */
    orm_mig_ctx *m = ctx(L);
    orm_mig_alter a = {.table = luaL_checkstring(L, 1), .column = luaL_checkstring(L, 2)};
    luaL_checktype(L, 3, LUA_TTABLE);
    lua_pushnil(L);
    while (lua_next(L, 3)) {
        const char *k = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : "?";
        int ok = strncmp(k, "existing_", 9) == 0; /* Alembic's hints: not needed here */
        for (int i = 0; known[i] && !ok; i++)
            ok = strcmp(k, known[i]) == 0;
        if (!ok)
            l_error_raisef(L, ORM_ERR_ARGUMENT,
                           "alter_column: unknown option '%s' (expected type, nullable, "
                           "server_default or new_name)",
                           k);
        lua_pop(L, 1);
    }
    orm_type t;
    const char *type = opt_str(L, 3, "type");
    if (type) {
        parse_type(L, type, &t);
        a.type = &t;
    }
    lua_getfield(L, 3, "nullable");
    a.set_nullable = !lua_isnil(L, -1);
    a.nullable = lua_toboolean(L, -1);
    lua_getfield(L, 3, "server_default");
    a.set_default = !lua_isnil(L, -1);
    if (lua_type(L, -1) == LUA_TSTRING)
        a.server_default = lua_tostring(L, -1);
    else if (a.set_default && !(lua_isboolean(L, -1) && !lua_toboolean(L, -1)) &&
             !l_expr_is_null(L, -1))
        l_error_raisef(L, ORM_ERR_ARGUMENT,
                       "alter_column: server_default must be SQL text, or false to drop it");
    a.new_name = opt_str(L, 3, "new_name");
    run(L, m, orm_mig_alter_column(m, &a));
    return 0;
}

/* op.create_index(name, table, cols [, { unique = true }]) */
static int op_create_index(lua_State *L)
{
    lua_settop(L, 4); /* fixed slots: what this pushes comes after */
    orm_mig_ctx *m = ctx(L);
    const char *name = luaL_checkstring(L, 1), *table = luaL_checkstring(L, 2);
    orm_strv *cols = names_arg(L, 3);
    int opts = opt_table(L, 4);
    orm_dbindex x = {.name = (char *)name, .cols = *cols, .unique = opt_bool(L, opts, "unique", 0)};
    run(L, m, orm_mig_create_index(m, table, &x));
    return 0;
}

static int op_drop_index(lua_State *L)
{
    orm_mig_ctx *m = ctx(L);
    run(L, m, orm_mig_drop_index(m, luaL_checkstring(L, 1), luaL_optstring(L, 2, NULL)));
    return 0;
}

/* op.create_unique_constraint(name or nil, table, cols) */
static int op_create_unique(lua_State *L)
{
    lua_settop(L, 3); /* fixed slots: what this pushes comes after */
    orm_mig_ctx *m = ctx(L);
    const char *name = luaL_optstring(L, 1, NULL), *table = luaL_checkstring(L, 2);
    orm_strv *cols = names_arg(L, 3);
    orm_dbunique u = {.name = (char *)name, .cols = *cols};
    run(L, m, orm_mig_create_unique(m, table, &u));
    return 0;
}

/* op.create_foreign_key(name or nil, source, referent, local_cols, remote_cols [, opts]) */
static int op_create_fkey(lua_State *L)
{
    lua_settop(L, 6); /* fixed slots: what this pushes comes after */
    orm_mig_ctx *m = ctx(L);
    const char *name = luaL_optstring(L, 1, NULL), *table = luaL_checkstring(L, 2);
    const char *ref = luaL_checkstring(L, 3);
    orm_strv *cols = names_arg(L, 4), *refcols = names_arg(L, 5);
    int opts = opt_table(L, 6);
    orm_dbtable *tmp = new_table(L, table);
    add_fkey(L, tmp, name, cols, ref, refcols, opts);
    run(L, m, orm_mig_create_fkey(m, table, &tmp->fkeys[0]));
    return 0;
}

/* op.drop_constraint(name, table [, { type = "unique" | "foreignkey" } | type]) */
static int op_drop_constraint(lua_State *L)
{
    lua_settop(L, 3); /* fixed slots: what this pushes comes after */
    orm_mig_ctx *m = ctx(L);
    const char *name = luaL_checkstring(L, 1), *table = luaL_checkstring(L, 2), *type = NULL;
    if (lua_type(L, 3) == LUA_TSTRING) {
        type = lua_tostring(L, 3);
    } else {
        int opts = opt_table(L, 3);
        type = opt_str(L, opts, "type");
        if (!type) type = opt_str(L, opts, "type_");
    }
    run(L, m, orm_mig_drop_constraint(m, name, table, type));
    return 0;
}

/* Bound values held by a cleanup userdata. */
typedef struct valbox {
    size_t n;
    orm_value v[];
} valbox;

static void free_values(void *p)
{
    valbox *b = p;
    for (size_t i = 0; i < b->n; i++)
        orm_value_clear(&b->v[i]);
    free(b);
}

/* [-0, +1, m] */
static valbox *new_values(lua_State *L, size_t n)
{
    void **slot = l_cleanup_push(L, free_values);
    valbox *b = calloc(1, sizeof *b + (n ? n : 1) * sizeof(orm_value));
    if (!b) l_oom(L);
    b->n = n;
    *slot = b;
    return b;
}

static void to_value(lua_State *L, int idx, orm_value *out)
{
    orm_error err;
    orm_error_init(&err);
    if (l_value_to_any(L, idx, out, &err) < 0) l_error_raise(L, &err);
}

/* op.execute(sql [, params]): ":name" parameters from a table, or "?" ones from a list. */
static int op_execute(lua_State *L)
{
    lua_settop(L, 2); /* fixed slots: what this pushes comes after */
    orm_mig_ctx *m = ctx(L);
    const char *sql = luaL_checkstring(L, 1);
    int params = opt_table(L, 2);
    orm_conn *c = orm_mig_ctx_conn(m);
    orm_buf text = ORM_BUF_INIT;
    char **names = NULL;
    size_t nnames = 0;
    orm_error err;
    orm_error_init(&err);
    if (orm_compile_text(orm_conn_dialect(c), sql, &text, &names, &nnames, &err) < 0) {
        orm_buf_free(&text);
        return l_error_raise(L, &err);
    }
    lua_pushstring(L, orm_buf_str(&text));
    orm_buf_free(&text);
    size_t n = nnames ? nnames : params ? (size_t)luaL_len(L, params) : 0;
    /* copy the names into Lua strings so nothing malloc'ed is held across raises */
    lua_createtable(L, (int)nnames, 0);
    for (size_t i = 0; i < nnames; i++) {
        lua_pushstring(L, names[i]);
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    orm_compile_text_names_free(names, nnames);
    int nameidx = lua_gettop(L);
    valbox *vals = new_values(L, n);
    for (size_t i = 0; i < n; i++) {
        if (nnames) {
            lua_rawgeti(L, nameidx, (lua_Integer)i + 1);
            if (!params)
                l_error_raisef(L, ORM_ERR_ARGUMENT, "execute: no value for parameter :%s",
                               lua_tostring(L, -1));
            lua_gettable(L, params);
        } else {
            lua_rawgeti(L, params, (lua_Integer)i + 1);
        }
        to_value(L, -1, &vals->v[i]);
        lua_pop(L, 1);
    }
    run(L, m, orm_mig_execute(m, lua_tostring(L, nameidx - 1), vals->v, n));
    return 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* op.bulk_insert(table, { { col = v, ... }, ... }) */
static int op_bulk_insert(lua_State *L)
{
    lua_settop(L, 2); /* fixed slots: what this pushes comes after */
    orm_mig_ctx *m = ctx(L);
    const char *table = luaL_checkstring(L, 1);
    luaL_checktype(L, 2, LUA_TTABLE);
    lua_Integer nrows = luaL_len(L, 2);
    for (lua_Integer r = 1; r <= nrows; r++) {
        int top = lua_gettop(L);
        if (lua_rawgeti(L, 2, r) != LUA_TTABLE)
            l_error_raisef(L, ORM_ERR_ARGUMENT, "bulk_insert: row %d is not a table", (int)r);
        int row = lua_gettop(L);
        /* the row's column names, sorted so the statement text repeats;
         * the strings stay alive as keys of the row */
        int nk = 0;
        lua_pushnil(L);
        while (lua_next(L, row)) {
            if (lua_type(L, -2) != LUA_TSTRING)
                l_error_raisef(L, ORM_ERR_ARGUMENT, "bulk_insert: row %d has a non-string key",
                               (int)r);
            nk++;
            lua_pop(L, 1);
        }
        const char **cols = lua_newuserdatauv(L, (size_t)(nk ? nk : 1) * sizeof *cols, 0);
        int k = 0;
        lua_pushnil(L);
        while (lua_next(L, row)) {
            lua_pop(L, 1);
            cols[k++] = lua_tostring(L, -1);
        }
        qsort(cols, (size_t)nk, sizeof *cols, cmp_str);
        valbox *vals = new_values(L, (size_t)nk);
        for (int i = 0; i < nk; i++) {
            lua_getfield(L, row, cols[i]);
            to_value(L, -1, &vals->v[i]);
            lua_pop(L, 1);
        }
        run(L, m, orm_mig_insert(m, table, cols, nk, vals->v));
        lua_settop(L, top);
    }
    return 0;
}

/* ---- registration ----------------------------------------------------------------------- */

static const luaL_Reg op_funcs[] = {
    {"create_table", op_create_table},
    {"drop_table", op_drop_table},
    {"rename_table", op_rename_table},
    {"add_column", op_add_column},
    {"drop_column", op_drop_column},
    {"alter_column", op_alter_column},
    {"create_index", op_create_index},
    {"drop_index", op_drop_index},
    {"create_unique_constraint", op_create_unique},
    {"create_foreign_key", op_create_fkey},
    {"drop_constraint", op_drop_constraint},
    {"execute", op_execute},
    {"bulk_insert", op_bulk_insert},
    {NULL, NULL},
};

static int column_tostring(lua_State *L)
{
    lua_getfield(L, 1, "name");
    lua_getfield(L, 1, "type");
    lua_pushfstring(L, "op.column(\"%s\", \"%s\")", lua_tostring(L, -2), lua_tostring(L, -1));
    return 1;
}

void l_migop_open(lua_State *L)
{
    if (luaL_newmetatable(L, L_MT_OPCOLUMN)) {
        l_protect_mt(L);
        lua_pushcfunction(L, column_tostring);
        lua_setfield(L, -2, "__tostring");
    }
    lua_pop(L, 1);
    luaL_newmetatable(L, L_MT_OPCONSTRAINT);
    l_protect_mt(L);
    lua_pop(L, 1);
}

void l_migop_push(lua_State *L, int boxidx)
{
    boxidx = lua_absindex(L, boxidx);
    lua_createtable(L, 0, 16);
    for (const luaL_Reg *r = op_funcs; r->name; r++) {
        lua_pushvalue(L, boxidx);
        lua_pushcclosure(L, r->func, 1);
        l_migop_stepped(L, boxidx, r->name); /* op by op where DDL commits at once */
        lua_setfield(L, -2, r->name);
    }
    lua_pushcfunction(L, op_column);
    lua_setfield(L, -2, "column");
    lua_pushcfunction(L, op_unique_constraint);
    lua_setfield(L, -2, "unique_constraint");
    lua_pushcfunction(L, op_fkey_constraint);
    lua_setfield(L, -2, "foreign_key_constraint");
}
