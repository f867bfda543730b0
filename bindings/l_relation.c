/* l_relation.c — relationship declarations (db.relationship), resolving
 * them against the models' foreign keys (direction, columns, secondary
 * tables, backrefs), loader options (db.joinedload / db.selectinload), and
 * the join information q:join(Author.books) needs. */
#include <stdlib.h>
#include <string.h>

#include "l_relation.h"

/* db.relationship("Book", { back_populates = "author", ... }) [-0, +1, v] */
static int relationship_new(lua_State *L)
{
    luaL_checkstring(L, 1);
    if (!lua_isnoneornil(L, 2)) {
        static const char *const known[] = {
            "back_populates", "backref",      "secondary",   "lazy",        "uselist", "order_by",
            "cascade",        "foreign_keys", "primaryjoin", "remote_side", NULL};
        luaL_checktype(L, 2, LUA_TTABLE);
        l_check_options(L, 2, lua_pushfstring(L, "db.relationship('%s')", lua_tostring(L, 1)),
                        known);
        lua_pop(L, 1);
    }
    lua_createtable(L, 0, 8);
    lua_pushvalue(L, 1);
    lua_setfield(L, -2, "target");
    if (lua_istable(L, 2)) {
        lua_pushnil(L);
        while (lua_next(L, 2)) {
            if (lua_type(L, -2) == LUA_TSTRING && strncmp(lua_tostring(L, -2), "__", 2) == 0) {
                lua_pop(L, 1);
                continue;
            }
            lua_pushvalue(L, -2);
            lua_insert(L, -2);
            lua_rawset(L, -4);
        }
    }
    luaL_setmetatable(L, L_MT_RELATION);
    return 1;
}

int l_relation_test(lua_State *L, int idx)
{
    if (!lua_istable(L, idx) || !lua_getmetatable(L, idx)) return 0;
    luaL_getmetatable(L, L_MT_RELATION);
    int same = lua_rawequal(L, -1, -2);
    lua_pop(L, 2);
    return same;
}

static int relation_tostring(lua_State *L)
{
    lua_getfield(L, 1, "__parent");
    if (lua_istable(L, -1)) {
        lua_getfield(L, -1, "__name");
        lua_getfield(L, 1, "__key");
        lua_pushfstring(L, "%s.%s", lua_tostring(L, -2), lua_tostring(L, -1));
        return 1;
    }
    lua_getfield(L, 1, "target");
    lua_pushfstring(L, "relationship('%s')", lua_tostring(L, -1));
    return 1;
}

/* ---- resolution ---- */

static const char *decl_name(lua_State *L, int idx)
{
    lua_getfield(L, idx, "__parent");
    lua_getfield(L, -1, "__name");
    lua_getfield(L, idx, "__key");
    const char *s = lua_pushfstring(L, "%s.%s", lua_tostring(L, -2), lua_tostring(L, -1));
    lua_replace(L, -4);
    lua_pop(L, 2);
    return s; /* kept on the stack (one slot) */
}

L_NORETURN static int raise_rel(lua_State *L, int idx, const char *fmt, const char *a,
                                const char *b)
{
    const char *name = decl_name(L, idx);
    l_error_raisef(L, ORM_ERR_ARGUMENT, "relationship %s: %s", name,
                   lua_pushfstring(L, fmt, a ? a : "", b ? b : ""));
}

/* [-0, +1, e] The option `key` of the declaration at idx: a function is
 * called once and its result kept (for a model defined later); a list (not
 * an Expr) gives its first item. */
static int push_option(lua_State *L, int idx, const char *key)
{
    lua_getfield(L, idx, key);
    if (lua_isfunction(L, -1)) {
        lua_call(L, 0, 1);
        lua_pushvalue(L, -1);
        lua_setfield(L, idx, key);
    }
    if (lua_istable(L, -1) && !l_expr_test(L, -1)) {
        lua_rawgeti(L, -1, 1);
        lua_remove(L, -2);
    }
    return lua_type(L, -1);
}

/* [-0, +1, e] A column option (foreign_keys, remote_side): its name, from
 * a string or a column Expr (of table t when t is given), or NULL when
 * absent; bad: the message when it names no column. The value stays on the
 * stack, so the name lives as long as the caller's slot. */
static const char *column_option(lua_State *L, int idx, const char *key, const orm_table *t,
                                 const char *bad)
{
    push_option(L, idx, key);
    orm_expr *e = l_expr_test(L, -1);
    if (e && e->kind == ORM_X_COLUMN && (t == NULL || e->table == t))
        return t ? e->table->cols[e->col].attr : e->table->cols[e->col].name;
    if (lua_type(L, -1) == LUA_TSTRING) return lua_tostring(L, -1);
    if (!lua_isnil(L, -1) && bad) raise_rel(L, idx, bad, t ? t->name : "", "");
    return NULL;
}

/* Reads the declaration's options into spec (values kept on the stack). */
static void read_spec(lua_State *L, int idx, orm_rel_spec *s)
{
    luaL_checkstack(L, 16, "relationship options");
    lua_getfield(L, idx, "secondary");
    if (lua_type(L, -1) == LUA_TSTRING) {
        s->secondary = lua_tostring(L, -1);
    } else if (lua_istable(L, -1)) { /* a db.Table description or a model class */
        if (lua_getfield(L, -1, "name") != LUA_TSTRING) {
            lua_getfield(L, -2, "__table");
            lua_getfield(L, -1, "name");
        }
        s->secondary = luaL_checkstring(L, -1);
    }
    s->foreign_key = column_option(L, idx, "foreign_keys", NULL, NULL);
    push_option(L, idx, "primaryjoin");
    s->primaryjoin = l_expr_test(L, -1); /* the declaration keeps the Expr alive */
    s->remote_side = column_option(L, idx, "remote_side", s->target,
                                   "remote_side must name a column of '%s' (e.g. remote_side = "
                                   "\"id\")%s");
    lua_getfield(L, idx, "uselist");
    s->uselist = lua_isnil(L, -1) ? -1 : lua_toboolean(L, -1);
    lua_getfield(L, idx, "lazy");
    s->lazy = lua_tostring(L, -1);
    lua_getfield(L, idx, "order_by");
    orm_expr *e = l_expr_test(L, -1);
    if (e && e->kind == ORM_X_ORDER) {
        s->order_by_desc = e->desc;
        e = e->args[0];
    }
    if (e && e->kind == ORM_X_COLUMN && e->table == s->target)
        s->order_by = e->table->cols[e->col].attr;
    else if (lua_type(L, -1) == LUA_TSTRING)
        s->order_by = lua_tostring(L, -1);
    else
        s->order_by_bad = !lua_isnil(L, -1);
    lua_getfield(L, idx, "cascade");
    s->cascade = lua_tostring(L, -1);
}

orm_rel *l_rel_resolve(lua_State *L, int idx)
{
    idx = lua_absindex(L, idx);
    int top = lua_gettop(L);
    if (lua_getfield(L, idx, "__c") == LUA_TUSERDATA) {
        orm_rel *r = lua_touserdata(L, -1);
        lua_settop(L, top);
        return r;
    }
    lua_settop(L, top);
    lua_getfield(L, idx, "__parent");
    l_class *pc = l_class_test(L, -1);
    if (pc == NULL) {
        luaL_error(L, "relationship is not part of a model");
        return NULL;
    }
    lua_getfield(L, idx, "target");
    const char *tname = lua_tostring(L, -1);
    l_db_push_uv(L, pc->db);
    lua_getfield(L, -1, L_DB_MODELS);
    lua_getfield(L, -1, tname);
    l_class *tc = l_class_test(L, -1);
    if (tc == NULL) {
        raise_rel(L, idx, "target model '%s' is not defined%s", tname, "");
        return NULL;
    }
    lua_settop(L, top);
    orm_rel_spec spec;
    memset(&spec, 0, sizeof spec);
    spec.name = decl_name(L, idx);
    spec.parent = pc->table;
    spec.target = tc->table;
    spec.md = pc->db->md;
    read_spec(L, idx, &spec);
    orm_rel *r = lua_newuserdatauv(L, sizeof *r, 0);
    orm_error err;
    orm_error_init(&err);
    if (orm_rel_resolve(&spec, r, &err) < 0) l_error_raise(L, &err);
    lua_setfield(L, idx, "__c");
    lua_settop(L, top);
    return r;
}

void l_rel_push_decl(lua_State *L, const orm_table *t, const char *name)
{
    l_class_push(L, t);
    lua_getfield(L, -1, "__relationships");
    lua_getfield(L, -1, name);
    lua_replace(L, -3);
    lua_pop(L, 1);
}

void l_rel_push_reverse(lua_State *L, int decl_idx)
{
    decl_idx = lua_absindex(L, decl_idx);
    lua_getfield(L, decl_idx, "back_populates");
    if (lua_isnil(L, -1)) {
        lua_pop(L, 1);
        lua_getfield(L, decl_idx, "__backref_of"); /* set by configure on generated reverses */
        if (lua_isnil(L, -1)) {
            lua_pop(L, 1);
            lua_getfield(L, decl_idx, "backref");
        }
    }
    if (lua_type(L, -1) != LUA_TSTRING) {
        lua_pop(L, 1);
        lua_pushnil(L);
        return;
    }
    orm_rel *r = l_rel_resolve(L, decl_idx);
    const char *name = lua_tostring(L, -1);
    l_rel_push_decl(L, r->target, name);
    lua_remove(L, -2);
}

/* Creates Target.<backref> for every declaration with backref = "name"
 * whose target is defined (strict: a target not defined is an error).
 * Collected first: adding keys to a table being traversed is not allowed. */
static void make_backrefs(lua_State *L, l_db *db, int strict)
{
    int top = lua_gettop(L);
    l_db_push_uv(L, db);
    lua_getfield(L, -1, L_DB_MODELS);
    int models = lua_gettop(L);
    lua_newtable(L);
    int todo = lua_gettop(L), n = 0;
    lua_pushnil(L);
    while (lua_next(L, models)) {
        lua_getfield(L, -1, "__relationships");
        lua_pushnil(L);
        while (lua_next(L, -2)) {
            if (lua_getfield(L, -1, "backref") == LUA_TSTRING &&
                lua_getfield(L, -2, "__backref_done") == LUA_TNIL) {
                lua_pushvalue(L, -3);
                lua_rawseti(L, todo, ++n);
            }
            lua_settop(L, models + 5); /* models, todo, key, cls, rels, rkey */
        }
        lua_pop(L, 2);
    }
    for (int i = 1; i <= n; i++) {
        lua_rawgeti(L, todo, i);
        int decl = lua_gettop(L);
        lua_getfield(L, decl, "backref");
        const char *bname = lua_tostring(L, -1);
        lua_getfield(L, decl, "target");
        lua_getfield(L, models, lua_tostring(L, -1));
        int tcls = lua_gettop(L);
        if (!l_class_test(L, tcls) && !strict) { /* made when the target is defined */
            lua_settop(L, todo);
            continue;
        }
        if (!l_class_test(L, tcls))
            raise_rel(L, decl, "target model '%s' is not defined%s", lua_tostring(L, -2), "");
        ((l_class *)l_class_test(L, tcls))->has_rels = 1;
        lua_getfield(L, tcls, "__relationships");
        int trels = lua_gettop(L);
        if (lua_getfield(L, trels, bname) == LUA_TNIL) {
            lua_pushcfunction(L, relationship_new);
            lua_getfield(L, decl, "__parent");
            lua_getfield(L, -1, "__name");
            lua_remove(L, -2);
            lua_createtable(L, 0, 1);
            lua_getfield(L, decl, "secondary");
            lua_setfield(L, -2, "secondary");
            lua_call(L, 2, 1);
            int nd = lua_gettop(L);
            lua_pushvalue(L, tcls);
            lua_setfield(L, nd, "__parent");
            lua_pushstring(L, bname);
            lua_setfield(L, nd, "__key");
            lua_getfield(L, decl, "__key");
            lua_setfield(L, nd, "__backref_of");
            lua_pushvalue(L, nd);
            lua_setfield(L, trels, bname);
            lua_pushvalue(L, nd);
            lua_setfield(L, tcls, bname);
        }
        lua_pushboolean(L, 1);
        lua_setfield(L, decl, "__backref_done");
        lua_settop(L, todo);
    }
    lua_settop(L, top);
}

void l_rel_configure(lua_State *L, l_db *db)
{
    if (db->nmodels == db->nconfigured) return; /* nothing new since the last time */
    make_backrefs(L, db, 1);
    db->nconfigured = db->nmodels;
}

/* [-0, +0, e] The set of the class at cls (its __relationships resolved,
 * in table order, with their reverses), kept in the class table. */
static void build_set(lua_State *L, int cls)
{
    l_class *c = l_class_test(L, cls);
    if (c == NULL) return;
    lua_getfield(L, cls, "__relationships");
    int rels = lua_gettop(L), n = 0;
    if (lua_istable(L, rels)) {
        lua_pushnil(L);
        while (lua_next(L, rels)) {
            lua_pop(L, 1);
            n++;
        }
    }
    size_t size = sizeof(l_relset) + 2 * (size_t)n * sizeof(const orm_rel *) +
                  (size_t)n * sizeof(const char *);
    l_relset *set = lua_newuserdatauv(L, size, 0);
    set->n = 0;
    set->rels = (const orm_rel **)(set + 1);
    set->revs = set->rels + n;
    set->names = (const char **)(set->revs + n);
    if (n > 0) {
        lua_pushnil(L);
        while (lua_next(L, rels) && set->n < n) {
            set->names[set->n] = lua_tostring(L, -2); /* a key of __relationships */
            set->rels[set->n] = l_rel_resolve(L, -1);
            l_rel_push_reverse(L, -1);
            set->revs[set->n++] = lua_isnil(L, -1) ? NULL : l_rel_resolve(L, -1);
            lua_pop(L, 2);
        }
    }
    lua_setfield(L, cls, "__relset"); /* keeps it; c points into it */
    c->relset = set;
    lua_settop(L, rels - 1);
}

void l_rel_sets(lua_State *L, l_db *db)
{
    l_rel_configure(L, db);
    if (db->nrelsets == db->nmodels) return;
    int top = lua_gettop(L);
    l_db_push_uv(L, db);
    lua_getfield(L, -1, L_DB_MODELS);
    lua_pushnil(L);
    while (lua_next(L, -2)) {
        build_set(L, lua_gettop(L));
        lua_pop(L, 1);
    }
    lua_settop(L, top);
    db->nrelsets = db->nmodels;
}

static void rels_of(void *ctx, const orm_table *t, const orm_rel *const **rels,
                    const orm_rel *const **revs, int *n)
{
    (void)ctx;
    const l_class *c = t->udata;
    const l_relset *set = c ? c->relset : NULL;
    *n = set ? set->n : 0;
    *rels = set ? set->rels : NULL;
    *revs = set ? set->revs : NULL;
}

const char *l_rel_name(const orm_rel *r)
{
    const l_class *c = r->parent->udata;
    const l_relset *set = c ? c->relset : NULL;
    for (int i = 0; set && i < set->n; i++)
        if (set->rels[i] == r) return set->names[i];
    return NULL;
}

orm_rel_env l_rel_env(l_db *db)
{
    return (orm_rel_env){.s = db->session, .rels_of = rels_of, .load = NULL, .ctx = db};
}

void l_rel_define_backrefs(lua_State *L, l_db *db)
{
    make_backrefs(L, db, 0);
}

/* ---- loader options and joins ---- */

/* db.selectinload(Author.books [, Book.stores ...]) -> an option [-0, +1, v] */
static int make_option(lua_State *L, const char *kind)
{
    int n = lua_gettop(L);
    if (n == 0) return luaL_argerror(L, 1, "relationship expected (e.g. Author.books)");
    lua_createtable(L, n, 1);
    for (int i = 1; i <= n; i++) {
        if (!l_relation_test(L, i)) return luaL_typeerror(L, i, "relationship (e.g. Author.books)");
        lua_pushvalue(L, i);
        lua_rawseti(L, -2, i);
    }
    lua_pushstring(L, kind);
    lua_setfield(L, -2, "kind");
    return 1;
}
static int selectinload(lua_State *L)
{
    return make_option(L, "selectin");
}
static int joinedload(lua_State *L)
{
    return make_option(L, "joined");
}

/* Loads the path of the option at opt (a list of declarations) for the
 * parents in the list at list, from its first-th declaration. */
static void load_path(lua_State *L, l_db *db, int opt, int list, lua_Integer first)
{
    lua_Integer n = (lua_Integer)lua_rawlen(L, opt);
    lua_pushvalue(L, list);
    for (lua_Integer i = first; i <= n; i++) {
        int parents = lua_gettop(L);
        lua_rawgeti(L, opt, i);
        l_rel_load_many(L, db, parents + 1, parents);
        lua_remove(L, -2); /* decl */
        lua_remove(L, -2); /* previous parents */
    }
    lua_pop(L, 1);
}

/* [-0, +1, -] joined[decl at idx] (nil without joined) */
static int push_joined(lua_State *L, int joined_idx, int idx)
{
    if (joined_idx == 0) {
        lua_pushnil(L);
        return 0;
    }
    lua_pushvalue(L, idx);
    return lua_rawget(L, joined_idx) != LUA_TNIL;
}

void l_relation_eager_load(lua_State *L, l_db *db, int list_idx, int opts_idx, int joined_idx)
{
    list_idx = lua_absindex(L, list_idx);
    opts_idx = lua_absindex(L, opts_idx);
    if (joined_idx) joined_idx = lua_absindex(L, joined_idx);
    int top = lua_gettop(L);
    if (lua_rawlen(L, list_idx) == 0) return;
    if (lua_istable(L, opts_idx)) {
        lua_Integer n = (lua_Integer)lua_rawlen(L, opts_idx);
        for (lua_Integer i = 1; i <= n; i++) {
            lua_rawgeti(L, opts_idx, i);
            int opt = lua_gettop(L);
            lua_rawgeti(L, opt, 1);
            if (push_joined(L, joined_idx, -1)) /* its first step came with the parents */
                load_path(L, db, opt, lua_gettop(L), 2);
            else
                load_path(L, db, opt, list_idx, 1);
            lua_settop(L, opt - 1);
        }
    }
    /* relationships declared lazy = "joined" / "selectin" */
    lua_rawgeti(L, list_idx, 1);
    orm_object *o = l_instance_test(L, -1);
    if (o) {
        l_class_push(L, o->table);
        lua_getfield(L, -1, "__relationships");
        int rels = lua_gettop(L);
        lua_pushnil(L);
        while (lua_next(L, rels)) {
            orm_rel *r = l_rel_resolve(L, -1);
            int done = push_joined(L, joined_idx, -1);
            lua_pop(L, 1);
            if (!done && (r->lazy == ORM_LAZY_JOINED || r->lazy == ORM_LAZY_SELECTIN)) {
                l_rel_load_many(L, db, lua_gettop(L), list_idx);
                lua_pop(L, 1);
            }
            lua_pop(L, 1);
        }
    }
    lua_settop(L, top);
}

void l_relation_join(lua_State *L, int idx, const orm_table **target, const orm_table **via,
                     orm_expr **on, orm_expr **on2)
{
    if (!l_relation_test(L, idx)) {
        luaL_typeerror(L, idx, "relationship (e.g. Author.books)");
        return;
    }
    orm_rel *r = l_rel_resolve(L, idx);
    *target = r->target;
    if (orm_rel_join(r, via, on, on2) < 0) l_oom(L);
}

void l_relation_open(lua_State *L, int modidx)
{
    modidx = lua_absindex(L, modidx);
    if (luaL_newmetatable(L, L_MT_RELATION)) {
        l_protect_mt(L);
        lua_pushcfunction(L, relation_tostring);
        lua_setfield(L, -2, "__tostring");
    }
    lua_pop(L, 1);
    lua_pushcfunction(L, relationship_new);
    lua_setfield(L, modidx, "relationship");
    lua_pushcfunction(L, selectinload);
    lua_setfield(L, modidx, "selectinload");
    lua_pushcfunction(L, joinedload);
    lua_setfield(L, modidx, "joinedload");
    l_collection_open(L);
}
