/* l_reflect.c — exploring a database nobody modelled: db.reflect() defines
 * a model for every table no model maps (core/reflect_model.c names and
 * relates them; the models are defined by running the Lua text
 * core/model_writer.c writes, so they are exactly what `ormsh db models`
 * prints), db.reflect_source() returns that text for every table, and
 * db.diagram() the models as a Graphviz dot graph. */
#include <stdlib.h>
#include <string.h>

#include "orm_lua.h"
#include "diagram.h"
#include "l_db.h"
#include "l_relation.h"
#include "reflect.h"
#include "reflect_model.h"

#define MT_RMODELS "orm.ReflectedModels"
#define REFLECTED_KEY "__reflected" /* class: made by db.reflect(); db uv: statements then */

/* What one reflection owns (a userdata, so a Lua error frees it): the
 * names core must not give a new class, the classes of mapped tables, and
 * the result. Core's callbacks read these C lists only: nothing that could
 * raise runs while core holds memory of its own. */
typedef struct rbox {
    orm_strv taken;
    orm_strv mapped_tables, mapped_names; /* parallel */
    orm_rmodels *m;
} rbox;

static int name_taken(void *ud, const char *name)
{
    return orm_strv_find(&((rbox *)ud)->taken, name) >= 0;
}

static const char *mapped_class(void *ud, const char *table)
{
    rbox *b = ud;
    int i = orm_strv_find(&b->mapped_tables, table);
    return i < 0 ? NULL : b->mapped_names.v[i];
}

static int rbox_gc(lua_State *L)
{
    rbox *b = luaL_checkudata(L, 1, MT_RMODELS);
    orm_strv_free(&b->taken);
    orm_strv_free(&b->mapped_tables);
    orm_strv_free(&b->mapped_names);
    orm_rmodels_free(b->m);
    b->m = NULL;
    return 0;
}

static void push_or_raise(lua_State *L, orm_strv *l, const char *s)
{
    if (orm_strv_push(l, s) < 0) l_oom(L);
}

/* [-0, +0, m] b->taken: every global (but a class of db unless in_app) and,
 * in_app, every model name; b->mapped_*: the tables db's models map. */
static void collect_names(lua_State *L, l_db *db, rbox *b, int in_app)
{
    lua_rawgeti(L, LUA_REGISTRYINDEX, LUA_RIDX_GLOBALS);
    lua_pushnil(L);
    while (lua_next(L, -2)) {
        l_class *c = l_class_test(L, -1);
        if (lua_type(L, -2) == LUA_TSTRING && (in_app || c == NULL || c->db != db))
            push_or_raise(L, &b->taken, lua_tostring(L, -2));
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
    for (int i = 0; in_app && i < db->md->ntables; i++) {
        const orm_table *t = db->md->tables[i];
        if (t->udata == NULL) continue; /* a db.Table */
        l_class_push(L, t);
        lua_getfield(L, -1, "__name");
        push_or_raise(L, &b->taken, lua_tostring(L, -1));
        push_or_raise(L, &b->mapped_tables, t->name);
        push_or_raise(L, &b->mapped_names, lua_tostring(L, -1));
        lua_pop(L, 2);
    }
}

/* [-0, +1, e] Reads the live schema; the result is owned by the pushed
 * userdata. in_app: tables a model maps keep their classes, and names of
 * classes and globals are all taken. */
static orm_rmodels *push_rmodels(lua_State *L, l_db *db, int in_app)
{
    rbox *b = orm_lua_new_box(L, sizeof *b, MT_RMODELS, rbox_gc);
    collect_names(L, db, b, in_app);
    orm_dbschema *s = NULL;
    if (orm_reflect_schema(db->conn, &s) < 0) l_error_raise(L, &db->conn->err);
    if (orm_rmodels_build(s, name_taken, mapped_class, b, &b->m) < 0) l_oom(L);
    orm_strv views = ORM_STRV_INIT;
    int rc = orm_reflect_view_names(db->conn, &views);
    if (rc == ORM_OK) rc = orm_rmodels_note_views(b->m, &views);
    orm_strv_free(&views);
    if (rc == ORM_ENOMEM) l_oom(L);
    if (rc < 0) l_error_raise(L, &db->conn->err);
    return b->m;
}

/* [-0, +1, m] The notes as a list. */
static void push_notes(lua_State *L, const orm_rmodels *m)
{
    lua_createtable(L, m->notes.n, 0);
    for (int i = 0; i < m->notes.n; i++) {
        lua_pushstring(L, m->notes.v[i]);
        lua_rawseti(L, -2, i + 1);
    }
}

/* [-0, +1, m] The Lua text of m's unmapped classes. */
static void push_source(lua_State *L, const orm_rmodels *m, const char *header)
{
    orm_buf b = ORM_BUF_INIT;
    orm_rmodels_write_lua(m, header, &b);
    if (b.oom) {
        orm_buf_free(&b);
        l_oom(L);
    }
    lua_pushlstring(L, orm_buf_str(&b), b.len);
    orm_buf_free(&b);
}

/* db.reflect() -> list of the new class names, list of notes. Each new
 * class becomes a global too. */
static int db_reflect(lua_State *L)
{
    l_db *db = l_db_check(L, lua_upvalueindex(1));
    lua_settop(L, 0);
    orm_rmodels *m = push_rmodels(L, db, 1); /* 1 */
    push_source(L, m, NULL);                 /* 2 */
    size_t len;
    const char *text = lua_tolstring(L, 2, &len);
    if (luaL_loadbuffer(L, text, len, "=reflected models") != LUA_OK) return lua_error(L); /* 3 */
    lua_createtable(L, 0, 1); /* 4: the env: db, and the globals behind */
    int env = 4;
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_setfield(L, env, "db");
    lua_createtable(L, 0, 1);
    lua_rawgeti(L, LUA_REGISTRYINDEX, LUA_RIDX_GLOBALS);
    lua_setfield(L, -2, "__index");
    lua_setmetatable(L, env);
    lua_pushvalue(L, env);
    if (lua_setupvalue(L, 3, 1) == NULL) lua_pop(L, 1);
    lua_pushvalue(L, 3);
    lua_call(L, 0, 0);
    lua_newtable(L);
    int list = lua_gettop(L), n = 0;
    lua_rawgeti(L, LUA_REGISTRYINDEX, LUA_RIDX_GLOBALS);
    int g = lua_gettop(L);
    for (int i = 0; i < m->n; i++) {
        const orm_rclass *k = &m->classes[i];
        if (k->mapped) continue;
        lua_pushstring(L, k->name);
        lua_rawseti(L, list, ++n);
        lua_getfield(L, env, k->name);
        lua_pushboolean(L, 1);
        lua_setfield(L, -2, REFLECTED_KEY);
        lua_setfield(L, g, k->name);
    }
    l_db_push_uv(L, db); /* what l_reflect_discard checks nothing ran since */
    lua_pushinteger(L, (lua_Integer)db->conn->nstatements);
    lua_setfield(L, -2, REFLECTED_KEY);
    lua_pop(L, 1);
    lua_settop(L, list);
    push_notes(L, m);
    return 2;
}

/* db.reflect_source() -> the models.lua text of every table, list of notes */
static int db_reflect_source(lua_State *L)
{
    l_db *db = l_db_check(L, lua_upvalueindex(1));
    orm_rmodels *m = push_rmodels(L, db, 0);
    push_source(L, m,
                "-- models.lua: the tables of a live database as models, written by `ormsh db "
                "models`.\n-- Edit freely: add methods, __repr, relationship options.");
    push_notes(L, m);
    return 2;
}

#define MT_LABELS "orm.DiagramLabels"

typedef struct labels_box {
    orm_diagram_label *v;
    int n;
    orm_dbschema *s;
    const char **titles;
} labels_box;

static int labels_gc(lua_State *L)
{
    labels_box *b = luaL_checkudata(L, 1, MT_LABELS);
    free(b->v);
    free(b->titles);
    orm_dbschema_free(b->s);
    memset(b, 0, sizeof *b);
    return 0;
}

/* The label entry of table.column, made when new. */
static orm_diagram_label *label_for(lua_State *L, labels_box *b, const char *table, const char *col)
{
    for (int i = 0; i < b->n; i++)
        if (strcmp(b->v[i].table, table) == 0 && strcmp(b->v[i].column, col) == 0) return &b->v[i];
    orm_diagram_label *v = realloc(b->v, (size_t)(b->n + 1) * sizeof *v);
    if (!v) l_oom(L);
    b->v = v;
    v[b->n] = (orm_diagram_label){.table = table, .column = col};
    return &v[b->n++];
}

/* db.diagram() -> the dot text of the models' tables and relationships */
static int db_diagram(lua_State *L)
{
    l_db *db = l_db_check(L, lua_upvalueindex(1));
    lua_settop(L, 0);
    labels_box *b = lua_newuserdatauv(L, sizeof *b, 0); /* 1 */
    memset(b, 0, sizeof *b);
    if (luaL_newmetatable(L, MT_LABELS)) {
        lua_pushcfunction(L, labels_gc);
        lua_setfield(L, -2, "__gc");
    }
    lua_setmetatable(L, 1);
    l_rel_configure(L, db);
    if (orm_dbschema_from_metadata(db->md, &b->s) < 0) return l_oom(L);
    b->titles = calloc((size_t)(db->md->ntables ? db->md->ntables : 1), sizeof *b->titles);
    if (!b->titles) return l_oom(L);
    for (int i = 0; i < db->md->ntables; i++) {
        const orm_table *t = db->md->tables[i];
        if (t->udata == NULL) continue; /* a db.Table */
        l_class_push(L, t);
        lua_getfield(L, -1, "__name");
        b->titles[i] = lua_tostring(L, -1); /* kept alive by the class */
        lua_getfield(L, -2, "__relationships");
        lua_pushnil(L);
        while (lua_next(L, -2)) {
            if (lua_type(L, -2) == LUA_TSTRING) {
                const char *name = lua_tostring(L, -2); /* a key of the class's table */
                orm_rel *r = l_rel_resolve(L, -1);
                if (r->kind == ORM_REL_M2O)
                    label_for(L, b, r->parent->name, r->parent->cols[r->local_col].name)->m2o =
                        name;
                else if (r->kind == ORM_REL_O2M)
                    label_for(L, b, r->target->name, r->target->cols[r->remote_col].name)->o2m =
                        name;
            }
            lua_pop(L, 1);
        }
        lua_pop(L, 3);
    }
    orm_buf out = ORM_BUF_INIT;
    orm_diagram_dot(b->s, b->titles, b->v, b->n, &out);
    if (out.oom) {
        orm_buf_free(&out);
        return l_oom(L);
    }
    lua_pushlstring(L, orm_buf_str(&out), out.len);
    orm_buf_free(&out);
    return 1;
}

/* 1 when every model of db was made by db.reflect() and nothing has used
 * them since (no statement run, no instance made): then nothing points at
 * their tables yet. */
static int discardable(lua_State *L, l_db *db)
{
    if (db->next_id != 0 || db->nmodels == 0) return 0;
    int top = lua_gettop(L);
    l_db_push_uv(L, db);
    lua_getfield(L, -1, REFLECTED_KEY);
    int ok = lua_tointeger(L, -1) == (lua_Integer)db->conn->nstatements && !lua_isnil(L, -1);
    lua_pop(L, 1);
    lua_getfield(L, -1, L_DB_MODELS);
    lua_getfield(L, -2, L_DB_ORDER);
    for (lua_Integer i = 1; ok && lua_rawgeti(L, -1, i) == LUA_TSTRING; i++) {
        lua_gettable(L, -3);
        lua_pushliteral(L, REFLECTED_KEY);
        ok = lua_istable(L, -2) && lua_rawget(L, -2) == LUA_TBOOLEAN;
        lua_pop(L, 2);
    }
    lua_settop(L, top);
    return ok;
}

int l_reflect_discard(lua_State *L, l_db *db)
{
    if (!discardable(L, db)) return 0;
    l_db_push_uv(L, db);
    int uv = lua_gettop(L);
    lua_getfield(L, uv, L_DB_MODELS);
    lua_getfield(L, uv, L_DB_ORDER);
    lua_rawgeti(L, LUA_REGISTRYINDEX, LUA_RIDX_GLOBALS);
    for (lua_Integer i = 1; lua_rawgeti(L, uv + 2, i) == LUA_TSTRING; i++) {
        lua_pushvalue(L, -1);
        lua_gettable(L, uv + 1); /* the class */
        l_class *c = l_class_test(L, -1);
        lua_pushvalue(L, -2);
        lua_rawget(L, uv + 3);
        if (lua_rawequal(L, -1, -2)) { /* its global goes too */
            lua_pushvalue(L, -3);
            lua_pushnil(L);
            lua_rawset(L, uv + 3);
        }
        lua_pop(L, 1);
        lua_pushvalue(L, -2);
        lua_pushnil(L);
        lua_rawset(L, uv + 1);
        if (c) {
            luaL_unref(L, LUA_REGISTRYINDEX, c->cls_ref);
            luaL_unref(L, LUA_REGISTRYINDEX, c->imt_ref);
            luaL_unref(L, LUA_REGISTRYINDEX, c->qbase_ref);
            c->cls_ref = c->imt_ref = c->qbase_ref = LUA_NOREF;
            l_class_dropped();
            c->table->udata = NULL;
            orm_metadata_remove_table(db->md, c->table);
            c->table = NULL;
        }
        lua_pop(L, 2);
    }
    lua_newtable(L);
    lua_setfield(L, uv, L_DB_ORDER);
    lua_pushnil(L);
    lua_setfield(L, uv, REFLECTED_KEY);
    db->nmodels = db->nconfigured = db->nrelsets = 0;
    lua_settop(L, uv - 1);
    return 1;
}

void l_reflect_register(lua_State *L, int uv, int dbidx)
{
    static const struct {
        const char *name;
        lua_CFunction f;
    } fns[] = {
        {"reflect", db_reflect}, {"reflect_source", db_reflect_source}, {"diagram", db_diagram}};
    for (size_t i = 0; i < sizeof fns / sizeof fns[0]; i++) {
        lua_pushvalue(L, dbidx);
        lua_pushcclosure(L, fns[i].f, 1);
        lua_setfield(L, uv, fns[i].name);
    }
}
