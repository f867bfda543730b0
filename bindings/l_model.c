/* l_model.c — db.Model and db.Table: turning a Lua field table into core
 * table metadata and a class table; the class metatable (construction,
 * Model.query, attribute checks). Instances live in l_instance.c. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "l_db.h"
#include "l_relation.h"
#include "l_seed.h"
#include "l_types.h"
#include "history_table.h"
#include "versioning.h"

/* Author -> author, BookToStoreMap -> book_to_store_map [-0, +1, m] */
static void push_snake_case(lua_State *L, const char *name)
{
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    for (const char *p = name; *p; p++) {
        unsigned char ch = (unsigned char)*p;
        if (isupper(ch)) {
            if (p != name && (islower((unsigned char)p[-1]) ||
                              (isupper((unsigned char)p[-1]) && islower((unsigned char)p[1]))))
                luaL_addchar(&b, '_');
            luaL_addchar(&b, (char)tolower(ch));
        } else {
            luaL_addchar(&b, (char)ch);
        }
    }
    luaL_pushresult(&b);
}

l_class *l_class_test(lua_State *L, int idx)
{
    if (!lua_istable(L, idx)) return NULL;
    lua_pushliteral(L, "__cdata");
    lua_rawget(L, idx < 0 ? idx - 1 : idx);
    l_class *c = lua_touserdata(L, -1);
    lua_pop(L, 1);
    return c && c->table ? c : NULL; /* a reflected class db.Model replaced has no table */
}

/* Bumped whenever a class stops being registered: what l_class_of
 * remembers is from an earlier generation then. */
static unsigned l_class_gen;

void l_class_dropped(void)
{
    l_class_gen++;
}

l_class *l_class_of(lua_State *L, l_db *db, int idx)
{
    const void *p = lua_topointer(L, idx);
    if (p != NULL && p == db->last_cls_ptr && db->last_cls_gen == l_class_gen) return db->last_cls;
    l_class *c = l_class_test(L, idx);
    if (c && c->cls_ref != LUA_NOREF) { /* registered: the table stays where it is */
        db->last_cls_ptr = p;
        db->last_cls = c;
        db->last_cls_gen = l_class_gen;
    }
    return c;
}

void l_class_push(lua_State *L, const orm_table *t)
{
    l_class *c = t->udata;
    if (c == NULL)
        lua_pushnil(L); /* a db.Table has no class */
    else
        lua_rawgeti(L, LUA_REGISTRYINDEX, c->cls_ref);
}

/* Sorts the column specs of the field table at fields into a list (by
 * creation order) of { key, spec } pairs. [-0, +1, v] */
static int collect_columns(lua_State *L, int fields)
{
    lua_newtable(L);
    int list = lua_gettop(L), n = 0;
    lua_pushnil(L);
    while (lua_next(L, fields)) {
        if (lua_type(L, -2) == LUA_TSTRING && l_colspec_test(L, -1)) {
            lua_createtable(L, 2, 0);
            lua_pushvalue(L, -3);
            lua_rawseti(L, -2, 1);
            lua_pushvalue(L, -2);
            lua_rawseti(L, -2, 2);
            lua_rawseti(L, list, ++n);
        }
        lua_pop(L, 1);
    }
    /* insertion sort by seq: models have few columns */
    for (int i = 2; i <= n; i++) {
        for (int j = i; j > 1; j--) {
            lua_rawgeti(L, list, j);
            lua_rawgeti(L, -1, 2);
            lua_Integer sj = ((l_colspec *)lua_touserdata(L, -1))->seq;
            lua_rawgeti(L, list, j - 1);
            lua_rawgeti(L, -1, 2);
            lua_Integer sp = ((l_colspec *)lua_touserdata(L, -1))->seq;
            if (sp <= sj) {
                lua_pop(L, 4);
                break;
            }
            lua_pop(L, 1);           /* prev spec */
            lua_rawseti(L, list, j); /* prev pair -> j */
            lua_pop(L, 1);           /* cur spec */
            lua_rawseti(L, list, j - 1);
        }
    }
    return n;
}

/* Adds the columns listed at list to t; on failure removes t and raises. */
static void add_columns(lua_State *L, l_db *db, orm_table *t, int list, int n, int is_model,
                        int all_pk)
{
    orm_error err;
    orm_error_init(&err);
    for (int i = 1; i <= n; i++) {
        lua_rawgeti(L, list, i);
        lua_rawgeti(L, -1, 1);
        const char *key = lua_tostring(L, -1);
        lua_rawgeti(L, -2, 2);
        l_colspec *spec = lua_touserdata(L, -1);
        orm_column col = spec->col;
        /* a model's field key is the attribute; db.Column("col", ...) names
         * a different SQL column (as SQLAlchemy's Column's first argument) */
        col.attr = (char *)key;
        if (!is_model || col.name == NULL) col.name = (char *)key;
        if (all_pk) { /* an association table without a key: its rows are keyed by all columns */
            col.primary_key = 1;
            col.nullable = 0;
        }
        if (orm_table_add_column(t, &col, &err) < 0) {
            orm_metadata_remove_table(db->md, t);
            l_error_raise(L, &err);
        }
        lua_pop(L, 3);
    }
}

/* Stores defaults/onupdate of the listed columns in class.__defaults[i] and
 * class.__onupdate[i] (0-based column index). Returns 1 if any. */
static int store_hooks(lua_State *L, int cls, int list, int n, const orm_table *t)
{
    int any = 0;
    lua_newtable(L);
    lua_newtable(L);
    for (int i = 1; i <= n; i++) {
        lua_rawgeti(L, list, i);
        lua_rawgeti(L, -1, 1);
        int col = orm_table_attr_index(t, lua_tostring(L, -1), lua_rawlen(L, -1));
        lua_rawgeti(L, -2, 2);
        lua_getiuservalue(L, -1, 1);
        lua_getfield(L, -1, "default");
        if (!lua_isnil(L, -1)) any = 1;
        lua_rawseti(L, -7, col);
        lua_getfield(L, -1, "onupdate");
        if (!lua_isnil(L, -1)) any = 1;
        lua_rawseti(L, -6, col);
        lua_pop(L, 4);
    }
    lua_setfield(L, cls, "__onupdate");
    lua_setfield(L, cls, "__defaults");
    return any;
}

static int class_call(lua_State *L);
static int class_index(lua_State *L);
static int class_tostring(lua_State *L);
static int class_complete(lua_State *L);

/* Builds the table __table = { name = "author", columns = { {name=, type=,...} } } */
static void push_table_description(lua_State *L, const orm_table *t)
{
    lua_createtable(L, 0, 2);
    lua_pushstring(L, t->name);
    lua_setfield(L, -2, "name");
    lua_createtable(L, t->ncols, 0);
    for (int i = 0; i < t->ncols; i++) {
        const orm_column *c = &t->cols[i];
        char buf[64];
        lua_createtable(L, 0, 6);
        lua_pushstring(L, c->name);
        lua_setfield(L, -2, "name");
        lua_pushstring(L, c->attr);
        lua_setfield(L, -2, "key");
        lua_pushstring(L, orm_type_name(&c->type, buf, sizeof buf));
        lua_setfield(L, -2, "type");
        lua_pushboolean(L, c->primary_key);
        lua_setfield(L, -2, "primary_key");
        lua_pushboolean(L, c->nullable);
        lua_setfield(L, -2, "nullable");
        lua_pushboolean(L, c->unique);
        lua_setfield(L, -2, "unique");
        if (c->fk) {
            lua_pushfstring(L, "%s.%s", c->fk->table, c->fk->column);
            lua_setfield(L, -2, "foreign_key");
        }
        lua_rawseti(L, -2, i + 1);
    }
    lua_setfield(L, -2, "columns");
}

/* __versioned = true in the fields at index 2: a version column (the
 * __version_id one, else "version", added when missing) and the history
 * table. Returns 1 when versioned; on failure removes t and raises. */
static int define_history(lua_State *L, l_db *db, orm_table *t, const char *name)
{
    int type = lua_getfield(L, 2, "__versioned");
    int on = lua_toboolean(L, -1);
    lua_pop(L, 1);
    orm_error err;
    orm_error_init(&err);
    int rc = ORM_OK;
    if (type != LUA_TNIL && type != LUA_TBOOLEAN)
        rc = orm_error_set(&err, ORM_ERR_ARGUMENT, 0, "%s.__versioned must be true or false", name);
    if (rc < 0 || !on) goto done;
    if (t->version_col < 0 && orm_table_attr_index(t, "version", 7) < 0) {
        /* rows already there start at version 1 (a migration adds it) */
        orm_column v = {.name = "version", .type = {.kind = ORM_T_INTEGER}, .server_default = "1"};
        rc = orm_table_add_column(t, &v, &err);
    }
    int vi = t->version_col < 0 ? orm_table_attr_index(t, "version", 7) : -1;
    if (rc >= 0 && vi >= 0 && t->cols[vi].type.kind != ORM_T_INTEGER &&
        t->cols[vi].type.kind != ORM_T_BIGINT) {
        char buf[64];
        rc = orm_error_set(&err, ORM_ERR_ARGUMENT, 0,
                           "%s.__versioned: column 'version' is %s; the version column must be "
                           "Integer (or name another with __version_id)",
                           name, orm_type_name(&t->cols[vi].type, buf, sizeof buf));
    }
    if (rc >= 0 && t->version_col < 0) rc = orm_versioning_set_column(t, "version", name, &err);
    if (rc >= 0) rc = orm_history_define(db->md, t, &err);
done:
    if (rc < 0) {
        orm_metadata_remove_table(db->md, t);
        l_error_raise(L, &err);
    }
    return on;
}

/* db.Model(name, fields) — upvalue 1: the db handle. [-0, +1, v] */
int l_model_define(lua_State *L)
{
    l_db *db = l_db_check(L, lua_upvalueindex(1));
    const char *name = luaL_checkstring(L, 1);
    luaL_checktype(L, 2, LUA_TTABLE);
    lua_settop(L, 2);
    l_db_push_uv(L, db);
    int uv = lua_gettop(L);
    lua_getfield(L, uv, L_DB_MODELS);
    if (lua_getfield(L, -1, name) != LUA_TNIL && !l_reflect_discard(L, db)) {
        lua_pushliteral(L, "__reflected");
        int reflected = lua_istable(L, -2) && lua_rawget(L, -2) == LUA_TBOOLEAN;
        return l_error_raisef(L, ORM_ERR_ARGUMENT, "model '%s' is already defined%s", name,
                              reflected ? " (reflected from the database and already used: define "
                                          "your models before using the reflected ones)"
                                        : "");
    }
    lua_pop(L, 2);
    if (lua_getfield(L, 2, "__tablename") == LUA_TNIL) {
        lua_pop(L, 1);
        push_snake_case(L, name);
    } else if (lua_type(L, -1) != LUA_TSTRING) {
        return l_error_raisef(L, ORM_ERR_ARGUMENT, "%s.__tablename must be a string", name);
    }
    const char *tname = lua_tostring(L, -1);
    int list_n = collect_columns(L, 2);
    int list = lua_gettop(L);
    if (list_n == 0)
        return l_error_raisef(L, ORM_ERR_ARGUMENT, "model %s has no columns (use db.Column)", name);

    orm_error err;
    orm_error_init(&err);
    orm_table *t;
    if (orm_metadata_find(db->md, tname)) l_reflect_discard(L, db); /* else the error below */
    if (orm_metadata_add_table(db->md, tname, &t, &err) < 0) return l_error_raise(L, &err);
    add_columns(L, db, t, list, list_n, 1, 0);
    lua_getfield(L, 2, "__readonly");
    int readonly = lua_toboolean(L, -1);
    lua_pop(L, 1);
    if (readonly && t->npk > 0) {
        orm_metadata_remove_table(db->md, t);
        return l_error_raisef(L, ORM_ERR_ARGUMENT,
                              "model %s: __readonly is for a table without a primary key", name);
    }
    if (readonly) orm_table_set_readonly(t);
    if (l_table_args_apply(L, 2, t, name, &err) < 0) {
        orm_metadata_remove_table(db->md, t);
        return l_error_raise(L, &err);
    }
    if (t->npk == 0) {
        orm_metadata_remove_table(db->md, t);
        return l_error_raisef(L, ORM_ERR_ARGUMENT,
                              "model %s has no primary key: give one column { primary_key = true }",
                              name);
    }
    if (lua_getfield(L, 2, "__version_id") != LUA_TNIL) {
        int bad = lua_type(L, -1) != LUA_TSTRING;
        if (bad || orm_versioning_set_column(t, lua_tostring(L, -1), name, &err) < 0) {
            orm_metadata_remove_table(db->md, t);
            if (bad)
                return l_error_raisef(L, ORM_ERR_ARGUMENT,
                                      "%s.__version_id must be a column name (a string)", name);
            return l_error_raise(L, &err);
        }
    }
    lua_pop(L, 1);
    int versioned = define_history(L, db, t, name);

    /* the class table: methods and other fields copied, columns as Exprs */
    lua_newtable(L);
    int cls = lua_gettop(L);
    l_class *c = lua_newuserdatauv(L, sizeof *c, 0);
    memset(c, 0, sizeof *c);
    c->table = t;
    c->db = db;
    c->cls_ref = c->imt_ref = c->qbase_ref = LUA_NOREF;
    lua_setfield(L, cls, "__cdata");
    lua_newtable(L);
    lua_setfield(L, cls, "__relationships");
    lua_pushnil(L);
    while (lua_next(L, 2)) {
        if (lua_type(L, -2) == LUA_TSTRING && l_relation_test(L, -1)) {
            lua_pushvalue(L, cls);
            lua_setfield(L, -2, "__parent");
            lua_pushvalue(L, -2);
            lua_setfield(L, -2, "__key");
            lua_getfield(L, cls, "__relationships");
            lua_pushvalue(L, -3);
            lua_pushvalue(L, -3);
            lua_rawset(L, -3); /* __relationships[key] = decl */
            lua_pop(L, 1);
            lua_pushvalue(L, -2);
            lua_insert(L, -2);
            lua_rawset(L, cls); /* Author.books = decl */
        } else if (lua_type(L, -2) == LUA_TSTRING && !l_colspec_test(L, -1)) {
            lua_pushvalue(L, -2);
            lua_insert(L, -2);
            lua_rawset(L, cls);
        } else {
            lua_pop(L, 1);
        }
    }
    for (int i = 0; i < t->ncols; i++) {
        l_expr_push(L, orm_expr_column(t, i));
        lua_setfield(L, cls, t->cols[i].attr);
    }
    lua_pushstring(L, name);
    lua_setfield(L, cls, "__name");
    push_table_description(L, t);
    lua_setfield(L, cls, "__table");
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_setfield(L, cls, "__db");
    c->has_hooks = store_hooks(L, cls, list, list_n, t);
    if (versioned) l_history_setup(L, cls);
    lua_getfield(L, cls, "__relationships");
    lua_pushnil(L);
    c->has_rels = lua_next(L, -2) != 0;
    lua_settop(L, cls);

    /* class metatable */
    lua_createtable(L, 0, 5);
    lua_pushcfunction(L, class_call);
    lua_setfield(L, -2, "__call");
    lua_pushcfunction(L, class_index);
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, class_tostring);
    lua_setfield(L, -2, "__tostring");
    lua_pushcfunction(L, class_complete);
    lua_setfield(L, -2, "__complete");
    l_protect_mt(L);
    lua_setmetatable(L, cls);

    l_instance_metatable(L, cls, name);
    c->imt_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    lua_pushvalue(L, cls);
    c->cls_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    t->udata = c;

    lua_getfield(L, uv, L_DB_MODELS);
    lua_pushvalue(L, cls);
    lua_setfield(L, -2, name);
    lua_pop(L, 1);
    lua_getfield(L, uv, L_DB_ORDER);
    lua_pushstring(L, name);
    lua_rawseti(L, -2, (lua_Integer)lua_rawlen(L, -2) + 1);
    lua_pop(L, 1);
    db->nmodels++;
    l_rel_define_backrefs(L, db); /* Target.<backref> exists once both classes do */
    lua_pushvalue(L, cls);
    return 1;
}

/* db.Table("book_to_store_map", db.Column("book_id", ...), ...) [-0, +1, v] */
int l_table_define(lua_State *L)
{
    l_db *db = l_db_check(L, lua_upvalueindex(1));
    const char *tname = luaL_checkstring(L, 1);
    int top = lua_gettop(L);
    lua_newtable(L);
    int list = lua_gettop(L);
    int any_pk = 0;
    for (int i = 2; i <= top; i++) {
        l_colspec *spec = l_colspec_test(L, i);
        if (spec) any_pk |= spec->col.primary_key;
        if (spec == NULL) return luaL_typeerror(L, i, "db.Column");
        if (spec->col.name == NULL)
            return l_error_raisef(
                L, ORM_ERR_ARGUMENT,
                "db.Table('%s'): column %d needs a name: db.Column(\"name\", type, ...)", tname,
                i - 1);
        lua_createtable(L, 2, 0);
        lua_pushstring(L, spec->col.name);
        lua_rawseti(L, -2, 1);
        lua_pushvalue(L, i);
        lua_rawseti(L, -2, 2);
        lua_rawseti(L, list, i - 1);
    }
    orm_error err;
    orm_error_init(&err);
    orm_table *t;
    if (orm_metadata_add_table(db->md, tname, &t, &err) < 0) return l_error_raise(L, &err);
    add_columns(L, db, t, list, top - 1, 0, !any_pk);
    push_table_description(L, t);
    return 1;
}

/* Author{ name = "x" } or Book("Title") with __init. [-0, +1, e] */
/* lua_CFunction (fields, inst): each field assigned as obj.key = v does. */
static int assign_fields(lua_State *L)
{
    lua_pushnil(L);
    while (lua_next(L, 1)) {
        l_instance_assign(L, 2, -2, -1);
        lua_pop(L, 1);
    }
    return 0;
}

static int class_call(lua_State *L)
{
    l_class *c = l_class_test(L, 1);
    if (c == NULL) return luaL_error(L, "not a model class");
    int nargs = lua_gettop(L) - 1;
    orm_object *o = orm_object_new_in(c->table, c->db ? c->db->session : NULL);
    if (o == NULL) return l_oom(L);
    l_instance_push_object(L, c->db, o);
    int self = lua_gettop(L);
    lua_pushliteral(L, "__init");
    if (lua_rawget(L, 1) == LUA_TFUNCTION) {
        lua_pushvalue(L, self);
        for (int i = 2; i <= nargs + 1; i++)
            lua_pushvalue(L, i);
        lua_call(L, nargs + 1, 0);
    } else {
        lua_pop(L, 1);
        if (nargs == 1 && lua_istable(L, 2)) {
            /* the object is never flushed half-built: a relationship's
             * other side that loads meanwhile (FilmActor{ actor = a,
             * film = f } loads a.film_actors) does not autoflush, so the
             * new row is not written before film_id is set */
            orm_session *s = c->db ? c->db->session : NULL;
            int on = s && orm_session_autoflush_enabled(s);
            if (on) orm_session_set_autoflush(s, 0);
            lua_pushcfunction(L, assign_fields);
            lua_pushvalue(L, 2);
            lua_pushvalue(L, self);
            int rc = lua_pcall(L, 2, 0, 0);
            if (on && c->db->session == s) orm_session_set_autoflush(s, 1);
            if (rc != LUA_OK) return lua_error(L);
        } else if (nargs > 0) {
            lua_getfield(L, 1, "__name");
            return l_error_raisef(L, ORM_ERR_ARGUMENT,
                                  "%s(...) takes one table of attributes, e.g. %s{ name = ... }, "
                                  "or define %s:__init",
                                  lua_tostring(L, -1), lua_tostring(L, -1), lua_tostring(L, -1));
        }
    }
    lua_settop(L, self);
    return 1;
}

/* Pushes "id, name, email" listing the attribute names of class at cls. */
void l_class_push_names(lua_State *L, const orm_table *t)
{
    /* relationship names, sorted so messages are stable */
    const char *rels[64];
    int nrels = 0;
    l_class_push(L, t);
    lua_getfield(L, -1, "__relationships");
    int rtab = lua_gettop(L);
    lua_pushnil(L);
    while (lua_next(L, rtab) && nrels < 64) {
        lua_pop(L, 1);
        if (lua_type(L, -1) != LUA_TSTRING) continue;
        const char *k = lua_tostring(L, -1); /* kept alive by the table */
        int j = nrels++;
        while (j > 0 && strcmp(rels[j - 1], k) > 0) {
            rels[j] = rels[j - 1];
            j--;
        }
        rels[j] = k;
    }
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    for (int i = 0; i < t->ncols; i++) {
        if (i) luaL_addstring(&b, ", ");
        luaL_addstring(&b, t->cols[i].attr);
    }
    for (int i = 0; i < nrels; i++) {
        luaL_addstring(&b, ", ");
        luaL_addstring(&b, rels[i]);
    }
    luaL_pushresult(&b);
    lua_replace(L, rtab - 1);
    lua_settop(L, rtab - 1);
}

/* Author.query, and a clear error for a misspelt class attribute. */
static int class_index(lua_State *L)
{
    l_class *c = l_class_test(L, 1);
    const char *key = lua_tostring(L, 2);
    if (c == NULL || key == NULL || strncmp(key, "__", 2) == 0) return 0;
    if (strcmp(key, "query") == 0) {
        lua_pushvalue(L, 1);
        l_query_new(L, c->db, lua_gettop(L), lua_gettop(L));
        return 1;
    }
    if (strcmp(key, "get_or_create") == 0 || strcmp(key, "update_or_create") == 0) {
        lua_pushcfunction(L, key[0] == 'g' ? l_seed_get_or_create : l_seed_update_or_create);
        return 1;
    }
    lua_getfield(L, 1, "__name");
    l_class_push_names(L, c->table);
    return l_error_raisef(L, ORM_ERR_DATA, "%s has no attribute '%s' (valid: %s, query)",
                          lua_tostring(L, -2), key, lua_tostring(L, -1));
}

static int class_tostring(lua_State *L)
{
    lua_getfield(L, 1, "__name");
    lua_pushfstring(L, "<class %s>", lua_tostring(L, -1));
    return 1;
}

/* Names for Tab completion: columns, methods, query. [-0, +1, m] */
static int class_complete(lua_State *L)
{
    l_class *c = l_class_test(L, 1);
    lua_newtable(L);
    int n = 0;
    if (c == NULL) return 1;
    for (int i = 0; i < c->table->ncols; i++) {
        lua_pushstring(L, c->table->cols[i].attr);
        lua_rawseti(L, -2, ++n);
    }
    lua_pushnil(L);
    while (lua_next(L, 1)) {
        if (lua_type(L, -2) == LUA_TSTRING && lua_isfunction(L, -1) &&
            strncmp(lua_tostring(L, -2), "__", 2) != 0) {
            lua_pushvalue(L, -2);
            lua_rawseti(L, -4, ++n);
        }
        lua_pop(L, 1);
    }
    static const char *const extra[] = {"query", "get_or_create", "update_or_create", NULL};
    for (int i = 0; extra[i]; i++) {
        lua_pushstring(L, extra[i]);
        lua_rawseti(L, -2, ++n);
    }
    return 1;
}
