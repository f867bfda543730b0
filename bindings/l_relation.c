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

static int raise_rel(lua_State *L, int idx, const char *fmt, const char *a, const char *b)
{
    const char *name = decl_name(L, idx);
    return l_error_raisef(L, ORM_ERR_ARGUMENT, "relationship %s: %s", name,
                          lua_pushfstring(L, fmt, a ? a : "", b ? b : ""));
}

/* Column of t with a foreign key to table `to` (named in `only`, if given).
 * Returns the column, -1 when none, -2 when several (ambiguous). */
static int fk_column(const orm_table *t, const char *to, const char *only)
{
    int found = -1;
    for (int i = 0; i < t->ncols; i++) {
        const orm_column *c = &t->cols[i];
        if (c->fk == NULL || strcmp(c->fk->table, to) != 0) continue;
        if (only && strcmp(only, c->attr) != 0 && strcmp(only, c->name) != 0)
            continue; /* attribute or column */
        if (found >= 0) return -2;
        found = i;
    }
    return found;
}

static int referenced_col(const orm_table *t, const orm_column *fkcol)
{
    return orm_table_column_index(t, fkcol->fk->column, strlen(fkcol->fk->column));
}

static int lazy_mode(lua_State *L, int idx)
{
    lua_getfield(L, idx, "lazy");
    const char *s = lua_tostring(L, -1);
    int mode = LAZY_SELECT;
    if (s == NULL || strcmp(s, "select") == 0)
        mode = LAZY_SELECT;
    else if (strcmp(s, "joined") == 0)
        mode = LAZY_JOINED;
    else if (strcmp(s, "selectin") == 0)
        mode = LAZY_SELECTIN;
    else if (strcmp(s, "dynamic") == 0)
        mode = LAZY_DYNAMIC;
    else
        raise_rel(L, idx,
                  "lazy must be \"select\", \"joined\", \"selectin\" or \"dynamic\", got \"%s\"%s",
                  s, "");
    lua_pop(L, 1);
    return mode;
}

/* foreign_keys = "author_id" or { "author_id" } or Book.author_id. [-0, +0, e] */
static const char *foreign_key_name(lua_State *L, int idx)
{
    lua_getfield(L, idx, "foreign_keys");
    if (lua_istable(L, -1) && !l_expr_test(L, -1)) {
        lua_rawgeti(L, -1, 1);
        lua_remove(L, -2);
    }
    const char *name = NULL;
    orm_expr *e = l_expr_test(L, -1);
    if (e && e->kind == ORM_X_COLUMN)
        name = e->table->cols[e->col].name;
    else if (lua_type(L, -1) == LUA_TSTRING)
        name = lua_tostring(L, -1);
    lua_pop(L, 1); /* names point into the metadata or an interned string the declaration keeps */
    return name;
}

/* primaryjoin = Book.author_id:eq(Author.id): the FK column it names; *left
 * is set to the column the left operand names in parent (-1 when none), the
 * local side of a self-referential relationship. */
static const char *primaryjoin_fk(lua_State *L, int idx, const orm_table *parent,
                                  const orm_table *target, int *left)
{
    *left = -1;
    lua_getfield(L, idx, "primaryjoin");
    if (lua_isfunction(L, -1)) { /* primaryjoin = function() return ... end, evaluated once */
        lua_call(L, 0, 1);
        lua_pushvalue(L, -1);
        lua_setfield(L, idx, "primaryjoin");
    }
    orm_expr *e = l_expr_test(L, -1);
    lua_pop(L, 1); /* the declaration keeps the Expr alive */
    if (e == NULL || e->kind != ORM_X_BINARY || e->op != ORM_OP_EQ || e->nargs != 2) return NULL;
    if (e->args[0]->kind == ORM_X_COLUMN && e->args[0]->table == parent) *left = e->args[0]->col;
    for (int i = 0; i < 2; i++) {
        const orm_expr *c = e->args[i];
        if (c->kind != ORM_X_COLUMN) continue;
        const orm_column *col = &c->table->cols[c->col];
        if (col->fk && (c->table == parent || c->table == target)) return col->name;
    }
    return NULL;
}

/* remote_side = "id" | Emp.id | { "id" } | function() return Emp.id end:
 * the column of t it names, or -1 when the option is absent. [-0, +0, e] */
static int remote_side_col(lua_State *L, int idx, const orm_table *t)
{
    lua_getfield(L, idx, "remote_side");
    if (lua_isfunction(L, -1)) { /* evaluated once, like primaryjoin */
        lua_call(L, 0, 1);
        lua_pushvalue(L, -1);
        lua_setfield(L, idx, "remote_side");
    }
    if (lua_istable(L, -1) && !l_expr_test(L, -1)) {
        lua_rawgeti(L, -1, 1);
        lua_remove(L, -2);
    }
    int col = -2;
    orm_expr *e = l_expr_test(L, -1);
    if (lua_isnil(L, -1))
        col = -1;
    else if (e && e->kind == ORM_X_COLUMN && e->table == t)
        col = e->col;
    else if (lua_type(L, -1) == LUA_TSTRING) {
        size_t n;
        const char *s = lua_tolstring(L, -1, &n);
        col = orm_table_attr_index(t, s, n);
        if (col < 0) col = orm_table_column_index(t, s, n);
        if (col < 0) col = -2;
    }
    if (col == -2)
        raise_rel(L, idx, "remote_side must name a column of '%s' (e.g. remote_side = \"id\")%s",
                  t->name, "");
    lua_pop(L, 1);
    return col;
}

static void resolve_m2m(lua_State *L, int idx, l_rel *r, const char *secname)
{
    const orm_table *p = r->parent, *t = r->target;
    l_class *pc = p->udata;
    r->secondary = orm_metadata_find(pc->db->md, secname);
    if (r->secondary == NULL)
        raise_rel(L, idx, "secondary table '%s' is not defined (db.Table or a model)%s", secname,
                  "");
    const orm_table *s = r->secondary;
    if (p == t) raise_rel(L, idx, "self-referential many-to-many needs foreign_keys%s%s", "", "");
    r->sec_parent_col = fk_column(s, p->name, NULL);
    r->sec_target_col = fk_column(s, t->name, NULL);
    if (r->sec_parent_col < 0 || r->sec_target_col < 0)
        raise_rel(L, idx,
                  "secondary table '%s' needs one foreign key to '%s' and one to the target",
                  secname, p->name);
    r->local_col = referenced_col(p, &s->cols[r->sec_parent_col]);
    r->remote_col = referenced_col(t, &s->cols[r->sec_target_col]);
    r->kind = REL_M2M;
    r->uselist = 1;
}

static void resolve_fk(lua_State *L, int idx, l_rel *r)
{
    const orm_table *p = r->parent, *t = r->target;
    int pj_left;
    const char *only = foreign_key_name(L, idx);
    const char *pj = primaryjoin_fk(L, idx, p, t, &pj_left);
    if (only == NULL) only = pj;
    int in_parent = fk_column(p, t->name, only);
    int in_target = fk_column(t, p->name, only);
    int remote = remote_side_col(L, idx, t);
    lua_getfield(L, idx, "uselist");
    int uselist_given = !lua_isnil(L, -1), uselist = lua_toboolean(L, -1);
    lua_pop(L, 1);
    if (p == t && in_parent >= 0) {
        /* self-referential: remote_side names the far end (the referenced key:
         * many-to-one; the foreign key: one-to-many); else primaryjoin's left
         * operand is the near end; else uselist = false means many-to-one. */
        int key = referenced_col(t, &p->cols[in_parent]), m2o;
        if (remote >= 0 && remote != key && remote != in_parent)
            raise_rel(L, idx, "remote_side must be '%s' (many-to-one) or '%s' (one-to-many)",
                      t->cols[key < 0 ? 0 : key].attr, t->cols[in_parent].attr);
        if (remote >= 0)
            m2o = remote == key;
        else if (pj_left >= 0)
            m2o = pj_left == in_parent;
        else
            m2o = uselist_given && !uselist;
        if (m2o)
            in_target = -1;
        else
            in_parent = -1;
    }
    if (in_parent == -2 || in_target == -2 || (in_parent >= 0 && in_target >= 0)) {
        luaL_Buffer b;
        luaL_buffinit(L, &b);
        for (int k = 0; k < 2; k++) {
            const orm_table *a = k ? t : p, *to = k ? p : t;
            for (int i = 0; i < a->ncols; i++)
                if (a->cols[i].fk && strcmp(a->cols[i].fk->table, to->name) == 0) {
                    luaL_addstring(&b, a->name);
                    luaL_addchar(&b, '.');
                    luaL_addstring(&b, a->cols[i].attr);
                    luaL_addstring(&b, ", ");
                }
        }
        luaL_pushresult(&b);
        size_t len;
        const char *cands = lua_tolstring(L, -1, &len);
        lua_pushlstring(L, cands, len >= 2 ? len - 2 : len);
        raise_rel(
            L, idx,
            "more than one foreign key could join the tables (%s); name one with foreign_keys%s",
            lua_tostring(L, -1), "");
    }
    if (in_parent >= 0) {
        r->kind = REL_M2O;
        r->local_col = in_parent;
        r->remote_col = referenced_col(t, &p->cols[in_parent]);
        r->uselist = 0;
    } else if (in_target >= 0) {
        r->kind = REL_O2M;
        r->remote_col = in_target;
        r->local_col = referenced_col(p, &t->cols[in_target]);
        r->uselist = uselist_given ? uselist : 1;
    } else {
        raise_rel(L, idx, "no foreign key joins '%s' and '%s' (add db.ForeignKey or foreign_keys)",
                  p->name, t->name);
    }
    if (r->local_col < 0 || r->remote_col < 0)
        raise_rel(L, idx, "the foreign key's target column does not exist%s%s", "", "");
}

static void resolve_options(lua_State *L, int idx, l_rel *r)
{
    r->lazy = lazy_mode(L, idx);
    r->order_col = -1;
    lua_getfield(L, idx, "order_by");
    orm_expr *e = l_expr_test(L, -1);
    if (e && e->kind == ORM_X_ORDER) {
        r->order_desc = e->desc;
        e = e->args[0];
    }
    if (e && e->kind == ORM_X_COLUMN && e->table == r->target) {
        r->order_col = e->col;
    } else if (lua_type(L, -1) == LUA_TSTRING) {
        const char *s = lua_tostring(L, -1);
        r->order_desc = s[0] == '-';
        s += r->order_desc;
        r->order_col = orm_table_attr_index(r->target, s, strlen(s));
        if (r->order_col < 0)
            raise_rel(L, idx, "order_by: '%s' has no column '%s'", r->target->name, s);
    } else if (!lua_isnil(L, -1)) {
        raise_rel(L, idx, "order_by must name a column of '%s'%s", r->target->name, "");
    }
    lua_pop(L, 1);
    lua_getfield(L, idx, "cascade");
    const char *c = lua_tostring(L, -1);
    if (c) {
        r->cascade_delete = strstr(c, "all") != NULL || strstr(c, "delete") != NULL;
        r->delete_orphan = strstr(c, "delete-orphan") != NULL;
    }
    lua_pop(L, 1);
}

l_rel *l_rel_resolve(lua_State *L, int idx)
{
    idx = lua_absindex(L, idx);
    int top = lua_gettop(L);
    if (lua_getfield(L, idx, "__c") == LUA_TUSERDATA) {
        l_rel *r = lua_touserdata(L, -1);
        lua_settop(L, top);
        return r;
    }
    lua_settop(L, top);
    lua_getfield(L, idx, "__parent");
    l_class *pc = l_class_test(L, -1);
    if (pc == NULL) luaL_error(L, "relationship is not part of a model");
    lua_getfield(L, idx, "target");
    const char *tname = lua_tostring(L, -1);
    l_db_push_uv(L, pc->db);
    lua_getfield(L, -1, L_DB_MODELS);
    lua_getfield(L, -1, tname);
    l_class *tc = l_class_test(L, -1);
    if (tc == NULL) raise_rel(L, idx, "target model '%s' is not defined%s", tname, "");
    lua_settop(L, top);
    l_rel *r = lua_newuserdatauv(L, sizeof *r, 0);
    int ud = lua_gettop(L);
    memset(r, 0, sizeof *r);
    r->parent = pc->table;
    r->target = tc->table;
    r->sec_parent_col = r->sec_target_col = -1;
    lua_getfield(L, idx, "secondary");
    if (lua_type(L, -1) == LUA_TSTRING) {
        resolve_m2m(L, idx, r, lua_tostring(L, -1));
    } else if (lua_istable(L, -1)) { /* a db.Table description or a model class */
        if (lua_getfield(L, -1, "name") != LUA_TSTRING) {
            lua_getfield(L, -2, "__table");
            lua_getfield(L, -1, "name");
        }
        resolve_m2m(L, idx, r, luaL_checkstring(L, -1));
    } else {
        resolve_fk(L, idx, r);
    }
    lua_settop(L, ud);
    resolve_options(L, idx, r);
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
    l_rel *r = l_rel_resolve(L, decl_idx);
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
    orm_object *o = l_model_test(L, -1);
    if (o) {
        l_class_push(L, o->table);
        lua_getfield(L, -1, "__relationships");
        int rels = lua_gettop(L);
        lua_pushnil(L);
        while (lua_next(L, rels)) {
            l_rel *r = l_rel_resolve(L, -1);
            int done = push_joined(L, joined_idx, -1);
            lua_pop(L, 1);
            if (!done && (r->lazy == LAZY_JOINED || r->lazy == LAZY_SELECTIN)) {
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
    l_rel *r = l_rel_resolve(L, idx);
    *target = r->target;
    *via = NULL;
    *on2 = NULL;
    orm_expr *a, *b;
    if (r->kind == REL_M2M) {
        *via = r->secondary;
        a = orm_expr_column(r->parent, r->local_col);
        b = orm_expr_column(r->secondary, r->sec_parent_col);
        *on = a && b ? orm_expr_binary(ORM_OP_EQ, a, b) : NULL;
        orm_expr_release(a);
        orm_expr_release(b);
        a = orm_expr_column(r->secondary, r->sec_target_col);
        b = orm_expr_column(r->target, r->remote_col);
        *on2 = a && b ? orm_expr_binary(ORM_OP_EQ, a, b) : NULL;
    } else {
        a = orm_expr_column(r->parent, r->local_col);
        b = orm_expr_column(r->target, r->remote_col);
        *on = a && b ? orm_expr_binary(ORM_OP_EQ, a, b) : NULL;
    }
    orm_expr_release(a);
    orm_expr_release(b);
    if (*on == NULL || (r->kind == REL_M2M && *on2 == NULL)) {
        orm_expr_release(*on);
        orm_expr_release(*on2);
        l_oom(L);
    }
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
