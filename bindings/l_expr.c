/* l_expr.c — the orm.Expr userdata (one reference to an orm_expr) and the
 * expression language of docs/reference.md: comparison and matching methods, the
 * arithmetic metamethods, db.null (the db.* builders
 * are in l_expr_func.c). Trees are built here and compiled by core; no SQL
 * text is written in this file. Every intermediate expression is owned by a
 * userdata on the stack, so an error raised mid-way leaks nothing. */
#include <assert.h>
#include <string.h>

#include "buf.h"
#include "compile.h"
#include "dialect.h"
#include "l_orm.h"
#include "l_expr_int.h"
#include "l_query.h"

typedef struct lexpr {
    orm_expr *e; /* NULL until stored, and after __gc */
} lexpr;

/* ---- userdata ---- */

/* [-0, +1, m] A new Expr userdata holding NULL, metatable set. */
orm_expr **l_expr_new_slot(lua_State *L)
{
    lexpr *u = lua_newuserdatauv(L, sizeof *u, 0);
    u->e = NULL;
    luaL_setmetatable(L, L_MT_EXPR);
    return &u->e;
}

/* [-0, +0, v] Raises an ArgumentError (releasing e) when e is nested deeper
 * than the compiler accepts: no Lua code builds a tree whose compiling
 * would overflow the C stack. */
static void check_depth(lua_State *L, orm_expr *e)
{
    if (e->size > ORM_EXPR_MAX_NODES) {
        orm_expr_release(e);
        l_error_raisef(L, ORM_ERR_ARGUMENT,
                       "expression of more than %d nodes (an expression that uses itself, as "
                       "e = e + e, doubles each time)",
                       (int)ORM_EXPR_MAX_NODES);
    }
    if (e->depth <= ORM_EXPR_MAX_DEPTH) return;
    orm_expr_release(e);
    l_error_raisef(L, ORM_ERR_ARGUMENT, "expression nested more than %d levels deep",
                   ORM_EXPR_MAX_DEPTH);
}

/* [-0, +0, v] Stores a constructor's result in the userdata slot. */
void l_expr_store(lua_State *L, orm_expr **slot, orm_expr *e)
{
    if (!e) l_oom(L);
    check_depth(L, e);
    *slot = e;
}

static int new_slot_k(lua_State *L) /* [-0, +1, m] */
{
    l_expr_new_slot(L);
    return 1;
}

/* [-0, +1, m] */
void l_expr_push(lua_State *L, orm_expr *e)
{
    assert(e != NULL);
    check_depth(L, e);
    lua_pushcfunction(L, new_slot_k);
    if (lua_pcall(L, 0, 1, 0) != LUA_OK) {
        orm_expr_release(e);
        lua_error(L);
    }
    ((lexpr *)lua_touserdata(L, -1))->e = e;
}

/* [-0, +0, -] */
orm_expr *l_expr_test(lua_State *L, int idx)
{
    lexpr *u = luaL_testudata(L, idx, L_MT_EXPR);
    return u ? u->e : NULL;
}

/* [-0, +0, v] */
orm_expr *l_expr_check(lua_State *L, int idx)
{
    lexpr *u = luaL_checkudata(L, idx, L_MT_EXPR);
    if (!u->e) luaL_argerror(L, idx, "expression is not initialised");
    return u->e;
}

/* [-0, +0, -] */
int l_expr_is_null(lua_State *L, int idx)
{
    orm_expr *e = l_expr_test(L, idx);
    return e && e->kind == ORM_X_NULL;
}

/* __gc  [-0, +0, -] */
static int expr_gc(lua_State *L)
{
    lexpr *u = luaL_checkudata(L, 1, L_MT_EXPR);
    orm_expr_release(u->e);
    u->e = NULL;
    return 0;
}

/* ---- values ---- */

static const orm_type *like_type(const orm_expr *like)
{
    if (like && like->kind == ORM_X_LABEL && like->nargs == 1) like = like->args[0];
    if (like && like->kind == ORM_X_COLUMN && like->table && like->col >= 0 &&
        like->col < like->table->ncols)
        return &like->table->cols[like->col].type;
    return NULL;
}

size_t l_expr_date_text(lua_State *L, const orm_table *t, int col, const char *s, size_t n,
                        char *buf)
{
    const orm_column *c = &t->cols[col];
    int len = orm_datetime_canon(c->type.kind, s, n, buf);
    if (len >= 0) return (size_t)len;
    l_class_push(L, t);
    const char *owner = t->name;
    if (lua_istable(L, -1) && lua_getfield(L, -1, "__name") == LUA_TSTRING)
        owner = lua_tostring(L, -1);
    lua_pushlstring(L, s, n > 40 ? 40 : n); /* as l_value.c's "%.40s" */
    l_error_raisef(L, ORM_ERR_DATA, "%s.%s: invalid %s \"%s\" (expected %s)", owner, c->attr,
                   c->type.kind == ORM_T_DATE ? "Date" : "DateTime", lua_tostring(L, -1),
                   orm_datetime_forms(c->type.kind));
    return 0;
}

/* [-0, +(0|1), m] The name luaL_typeerror would give the value at idx
 * (may leave its __name on the stack: for error paths only). */
static const char *type_label(lua_State *L, int idx)
{
    if (luaL_getmetafield(L, idx, "__name") == LUA_TSTRING) return lua_tostring(L, -1);
    return luaL_typename(L, idx);
}

/* The conversion behind l_expr_from_value; elem > 0 names a list element of
 * argument idx (the value itself is then on top of the stack). */
static orm_expr *from_value(lua_State *L, int idx, const orm_expr *like, int argn, int elem)
{
    orm_value v = ORM_VALUE_NULL;
    orm_expr *e;
    const orm_type *t;
    size_t n;
    const char *s;
    char dt[ORM_DATETIME_MAX];
    switch (lua_type(L, idx)) {
    case LUA_TNONE:
    case LUA_TNIL:
        e = orm_expr_null();
        break;
    case LUA_TBOOLEAN:
        orm_value_bool(&v, lua_toboolean(L, idx));
        e = orm_expr_bind(&v);
        break;
    case LUA_TNUMBER:
        if (lua_isinteger(L, idx))
            orm_value_int(&v, (int64_t)lua_tointeger(L, idx));
        else
            orm_value_real(&v, (double)lua_tonumber(L, idx));
        e = orm_expr_bind(&v);
        break;
    case LUA_TSTRING:
        s = lua_tolstring(L, idx, &n);
        t = like_type(like);
        if (t &&
            (t->kind == ORM_T_DATE || t->kind == ORM_T_DATETIME)) { /* compared as an instant */
            const orm_expr *c = like->kind == ORM_X_LABEL ? like->args[0] : like;
            n = l_expr_date_text(L, c->table, c->col, s, n, dt);
            s = dt;
        }
        /* borrow the Lua string: orm_expr_bind copies it */
        v.type = t && t->kind == ORM_T_BINARY ? ORM_V_BLOB : ORM_V_TEXT;
        v.len = n;
        v.u.s = (char *)s;
        e = orm_expr_bind(&v);
        break;
    default:
        if ((e = l_expr_test(L, idx)) != NULL) return orm_expr_retain(e);
        if (l_query_select_test(L, idx)) { /* a query as a value: (SELECT ...) */
            if (!(e = orm_expr_select(l_query_select_test(L, idx), 0))) l_oom(L);
            return e;
        }
        if (elem > 0)
            luaL_argerror(
                L, argn,
                lua_pushfstring(L, "element %d: value expected, got %s", elem, type_label(L, idx)));
        else if (argn <= 0) /* not an argument: a value taken from a table */
            luaL_error(L, "value expected, got %s", type_label(L, idx));
        else
            luaL_typeerror(L, idx, "value");
        return NULL;
    }
    if (!e) l_oom(L);
    return e;
}

/* [-0, +0, v] */
orm_expr *l_expr_from_value(lua_State *L, int idx, const orm_expr *like)
{
    return from_value(L, idx, like, idx, 0);
}

/* [-0, +0, v] Argument idx as an expression: an Expr stays as it is, any
 * other value is replaced in place by a new Expr userdata. Borrowed result,
 * valid while the stack slot holds it. */
orm_expr *l_expr_opnd(lua_State *L, int idx, const orm_expr *like)
{
    orm_expr *e = l_expr_test(L, idx), **slot;
    if (e) return e;
    idx = lua_absindex(L, idx);
    slot = l_expr_new_slot(L);
    *slot = l_expr_from_value(L, idx, like);
    lua_replace(L, idx);
    return *slot;
}

/* [-0, +1, m] A userdata array for n expression pointers (collected by GC). */
static orm_expr **ptr_array(lua_State *L, int n)
{
    return lua_newuserdatauv(L, (size_t)(n > 0 ? n : 1) * sizeof(orm_expr *), 0);
}

/* Converts arguments first..top in place; returns a pointer array (pushed).
 * [-0, +1, v] */
orm_expr **l_expr_opnd_range(lua_State *L, int first, int top, const orm_expr *like)
{
    int i, n = top - first + 1;
    orm_expr **arr;
    for (i = first; i <= top; i++)
        l_expr_opnd(L, i, like);
    arr = ptr_array(L, n);
    for (i = 0; i < n; i++)
        arr[i] = l_expr_test(L, first + i);
    return arr;
}

/* ---- methods ---- */

/* [-0, +1, v] self op value; eq/ne with nil or db.null become IS / IS NOT. */
static int compare(lua_State *L, orm_op op)
{
    orm_expr *self = l_expr_check(L, 1), *r, **slot;
    luaL_checkany(L, 2);
    lua_settop(L, 2);
    if ((op == ORM_OP_EQ || op == ORM_OP_NE) && (lua_isnil(L, 2) || l_expr_is_null(L, 2)))
        op = op == ORM_OP_EQ ? ORM_OP_IS : ORM_OP_ISNOT;
    if ((op == ORM_OP_IS || op == ORM_OP_ISNOT) && lua_isboolean(L, 2)) {
        /* IS takes a literal, not a parameter, on PostgreSQL and MySQL: IS true */
        slot = l_expr_new_slot(L);
        l_expr_store(L, slot, orm_expr_keyword(lua_toboolean(L, 2) ? "true" : "false"));
        lua_replace(L, 2);
    }
    r = l_expr_opnd(L, 2, self);
    slot = l_expr_new_slot(L);
    l_expr_store(L, slot, orm_expr_binary(op, self, r));
    return 1;
}

static int m_eq(lua_State *L)
{
    return compare(L, ORM_OP_EQ);
} /* [-0, +1, v] */
static int m_ne(lua_State *L)
{
    return compare(L, ORM_OP_NE);
} /* [-0, +1, v] */
static int m_lt(lua_State *L)
{
    return compare(L, ORM_OP_LT);
} /* [-0, +1, v] */
static int m_le(lua_State *L)
{
    return compare(L, ORM_OP_LE);
} /* [-0, +1, v] */
static int m_gt(lua_State *L)
{
    return compare(L, ORM_OP_GT);
} /* [-0, +1, v] */
static int m_ge(lua_State *L)
{
    return compare(L, ORM_OP_GE);
} /* [-0, +1, v] */
static int m_is(lua_State *L)
{
    return compare(L, ORM_OP_IS);
} /* [-0, +1, v] */
static int m_isnot(lua_State *L)
{
    return compare(L, ORM_OP_ISNOT);
} /* [-0, +1, v] */

/* A pattern with a NUL byte would match by its first part only on SQLite
 * (its LIKE stops there) and is refused by PostgreSQL: a DataError on every
 * backend alike.  [-0, +0, v] */
static void check_pattern(lua_State *L, int idx, const char *name)
{
    size_t n;
    const char *s;
    if (lua_type(L, idx) != LUA_TSTRING) return;
    s = lua_tolstring(L, idx, &n);
    if (memchr(s, '\0', n))
        l_error_raisef(L, ORM_ERR_DATA, "%s: a pattern cannot hold a NUL byte", name);
}

/* like(pattern [, escape]) / ilike  [-0, +1, v] */
static int like_op(lua_State *L, orm_op op)
{
    orm_expr *self = l_expr_check(L, 1), *p, **slot;
    size_t n = 0;
    const char *esc = luaL_optlstring(L, 3, NULL, &n);
    luaL_checkany(L, 2);
    lua_settop(L, 2);
    check_pattern(L, 2, op == ORM_OP_LIKE ? "like" : "ilike");
    if (esc && n != 1) luaL_argerror(L, 3, "escape must be one character");
    p = l_expr_opnd(L, 2, self);
    slot = l_expr_new_slot(L);
    l_expr_store(L, slot, orm_expr_like(op, self, p, esc ? esc[0] : 0));
    return 1;
}

static int m_like(lua_State *L)
{
    return like_op(L, ORM_OP_LIKE);
} /* [-0, +1, v] */
static int m_ilike(lua_State *L)
{
    return like_op(L, ORM_OP_ILIKE);
} /* [-0, +1, v] */

/* not_like / not_ilike: NOT (a LIKE b)  [-0, +1, v] */
static int not_like_op(lua_State *L, orm_op op)
{
    orm_expr **slot;
    like_op(L, op);
    slot = l_expr_new_slot(L);
    l_expr_store(L, slot, orm_expr_unary(ORM_OP_NOT, l_expr_test(L, -2)));
    return 1;
}

static int m_not_like(lua_State *L)
{
    return not_like_op(L, ORM_OP_LIKE);
} /* [-0, +1, v] */
static int m_not_ilike(lua_State *L)
{
    return not_like_op(L, ORM_OP_ILIKE);
} /* [-0, +1, v] */

/* contains / startswith / endswith: literal text  [-0, +1, v] */
static int match(lua_State *L, orm_match how)
{
    orm_expr *self = l_expr_check(L, 1), **slot;
    size_t n;
    const char *s;
    if (lua_type(L, 2) != LUA_TSTRING) luaL_typeerror(L, 2, "string");
    check_pattern(L, 2,
                  how == ORM_MATCH_CONTAINS ? "contains"
                  : how == ORM_MATCH_STARTS ? "startswith"
                                            : "endswith");
    s = lua_tolstring(L, 2, &n);
    slot = l_expr_new_slot(L);
    l_expr_store(L, slot, orm_expr_match(self, s, n, how));
    return 1;
}

static int m_contains(lua_State *L)
{
    return match(L, ORM_MATCH_CONTAINS);
} /* [-0, +1, v] */
static int m_startswith(lua_State *L)
{
    return match(L, ORM_MATCH_STARTS);
} /* [-0, +1, v] */
static int m_endswith(lua_State *L)
{
    return match(L, ORM_MATCH_ENDS);
} /* [-0, +1, v] */

/* in_{...} / notin_{...}: a list of values or Exprs, or a query or
 * subquery: IN (SELECT ...).  [-0, +1, v] */
static int in_op(lua_State *L, int negate)
{
    orm_expr *self = l_expr_check(L, 1), **arr, **slot;
    int i, n, anchor;
    lua_settop(L, 2);
    if (l_expr_test(L, 2) || l_query_select_test(L, 2)) {
        arr = l_expr_opnd_range(L, 2, 2, self);
        n = 1;
    } else {
        luaL_checktype(L, 2, LUA_TTABLE);
        n = (int)luaL_len(L, 2);
        lua_createtable(L, n, 0); /* anchors the converted elements */
        anchor = lua_gettop(L);
        arr = ptr_array(L, n);
        for (i = 1; i <= n; i++) {
            orm_expr **tmp;
            lua_geti(L, 2, i);
            if ((arr[i - 1] = l_expr_test(L, -1)) == NULL) {
                tmp = l_expr_new_slot(L);
                *tmp = from_value(L, -2, self, 2, i);
                arr[i - 1] = *tmp;
                lua_remove(L, -2);
            }
            lua_rawseti(L, anchor, i);
        }
    }
    slot = l_expr_new_slot(L);
    l_expr_store(L, slot, orm_expr_in(self, arr, n, negate));
    return 1;
}

static int m_in(lua_State *L)
{
    return in_op(L, 0);
} /* [-0, +1, v] */
static int m_notin(lua_State *L)
{
    return in_op(L, 1);
} /* [-0, +1, v] */

/* between(a, b)  [-0, +1, v] */
static int m_between(lua_State *L)
{
    orm_expr *self = l_expr_check(L, 1), *lo, *hi, **slot;
    luaL_checkany(L, 2);
    luaL_checkany(L, 3);
    lua_settop(L, 3);
    lo = l_expr_opnd(L, 2, self);
    hi = l_expr_opnd(L, 3, self);
    slot = l_expr_new_slot(L);
    l_expr_store(L, slot, orm_expr_between(self, lo, hi));
    return 1;
}

/* AND/OR of args first..top; none: and_() is true, or_() false.  [-0, +1, v] */
int l_expr_bool_op(lua_State *L, orm_op op, int first)
{
    int top = lua_gettop(L);
    orm_expr **arr, **slot;
    arr = l_expr_opnd_range(L, first, top, NULL);
    slot = l_expr_new_slot(L);
    l_expr_store(L, slot, orm_expr_bool(op, arr, top - first + 1));
    return 1;
}

static int m_and(lua_State *L) /* e:and_(e2, ...)  [-0, +1, v] */
{
    l_expr_check(L, 1);
    return l_expr_bool_op(L, ORM_OP_AND, 1);
}

static int m_or(lua_State *L) /* e:or_(e2, ...)  [-0, +1, v] */
{
    l_expr_check(L, 1);
    return l_expr_bool_op(L, ORM_OP_OR, 1);
}

/* label(name)  [-0, +1, v] */
static int m_label(lua_State *L)
{
    orm_expr *self = l_expr_check(L, 1), **slot;
    size_t n;
    const char *name = luaL_checklstring(L, 2, &n);
    if (n == 0 || strlen(name) != n)
        luaL_argerror(L, 2, "a non-empty name without NUL bytes expected");
    slot = l_expr_new_slot(L);
    l_expr_store(L, slot, orm_expr_label(self, name));
    return 1;
}

/* [-0, +1, v] */
int l_expr_order(lua_State *L, int desc)
{
    orm_expr *e, **slot;
    luaL_checkany(L, 1);
    lua_settop(L, 1);
    if (lua_type(L, 1) == LUA_TSTRING) { /* db.desc("n"): a result column by name */
        size_t n;
        const char *name = lua_tolstring(L, 1, &n);
        if (n == 0 || strlen(name) != n)
            luaL_argerror(L, 1, "a non-empty name without NUL bytes expected");
        slot = l_expr_new_slot(L);
        l_expr_store(L, slot, orm_expr_label_ref(name));
        lua_replace(L, 1);
    }
    e = l_expr_opnd(L, 1, NULL);
    slot = l_expr_new_slot(L);
    l_expr_store(L, slot, orm_expr_order(e, desc));
    return 1;
}

static int m_asc(lua_State *L) /* [-0, +1, v] */
{
    l_expr_check(L, 1);
    return l_expr_order(L, 0);
}

static int m_desc(lua_State *L) /* [-0, +1, v] */
{
    l_expr_check(L, 1);
    return l_expr_order(L, 1);
}

/* ---- metamethods ---- */

/* Arithmetic and concatenation; either operand may be a plain value, bound
 * like the Expr operand.  [-0, +1, v] */
static int arith(lua_State *L, orm_op op)
{
    orm_expr *a = l_expr_test(L, 1), *b = l_expr_test(L, 2), *l, *r, **slot;
    const orm_expr *like = a ? a : b;
    lua_settop(L, 2);
    l = l_expr_opnd(L, 1, like);
    r = l_expr_opnd(L, 2, like);
    slot = l_expr_new_slot(L);
    l_expr_store(L, slot, orm_expr_binary(op, l, r));
    return 1;
}

static int mm_add(lua_State *L)
{
    return arith(L, ORM_OP_ADD);
} /* [-0, +1, v] */
static int mm_sub(lua_State *L)
{
    return arith(L, ORM_OP_SUB);
} /* [-0, +1, v] */
static int mm_mul(lua_State *L)
{
    return arith(L, ORM_OP_MUL);
} /* [-0, +1, v] */
static int mm_div(lua_State *L)
{
    return arith(L, ORM_OP_DIV);
} /* [-0, +1, v] */
static int mm_mod(lua_State *L)
{
    return arith(L, ORM_OP_MOD);
} /* [-0, +1, v] */
static int mm_concat(lua_State *L)
{
    return arith(L, ORM_OP_CONCAT);
} /* [-0, +1, v] */

/* Unary: -e (NEG), ~e (NOT).  [-0, +1, v] */
int l_expr_unary(lua_State *L, orm_op op)
{
    orm_expr *e = l_expr_check(L, 1), **slot;
    slot = l_expr_new_slot(L);
    l_expr_store(L, slot, orm_expr_unary(op, e));
    return 1;
}

static int mm_unm(lua_State *L)
{
    return l_expr_unary(L, ORM_OP_NEG);
} /* [-0, +1, v] */
static int mm_bnot(lua_State *L)
{
    return l_expr_unary(L, ORM_OP_NOT);
} /* [-0, +1, v] */

/* e1 & e2 (AND), e1 | e2 (OR), as SQLAlchemy's operators.  [-0, +1, v] */
static int mm_band(lua_State *L)
{
    lua_settop(L, 2);
    return l_expr_bool_op(L, ORM_OP_AND, 1);
}

static int mm_bor(lua_State *L)
{
    lua_settop(L, 2);
    return l_expr_bool_op(L, ORM_OP_OR, 1);
}

/* __eq: identity, except that every NULL literal equals db.null (so an
 * error's params[i] == db.null).  [-0, +1, -] */
static int mm_eq(lua_State *L)
{
    lua_pushboolean(L, lua_rawequal(L, 1, 2) || (l_expr_is_null(L, 1) && l_expr_is_null(L, 2)));
    return 1;
}

static int push_buf_k(lua_State *L) /* [-1, +1, m] */
{
    const orm_buf *b = lua_touserdata(L, 1);
    lua_pushlstring(L, orm_buf_str(b), b->len);
    return 1;
}

/* [-0, +1, m] Pushes the text of b and frees it, even when pushing fails. */
static void push_buf_free(lua_State *L, orm_buf *b)
{
    int st;
    if (b->oom) {
        orm_buf_free(b);
        l_oom(L);
    }
    lua_pushcfunction(L, push_buf_k);
    lua_pushlightuserdata(L, b);
    st = lua_pcall(L, 1, 1, 0);
    orm_buf_free(b);
    if (st != LUA_OK) lua_error(L);
}

/* __tostring: the SQLite SQL and its parameters.  [-0, +1, v] */
static int mm_tostring(lua_State *L)
{
    orm_expr *e = l_expr_check(L, 1);
    orm_compiled c;
    orm_error err;
    orm_buf out = ORM_BUF_INIT;
    size_t i;
    int rc;
    orm_compiled_init(&c);
    orm_error_init(&err);
    rc = orm_compile_expr(&orm_dialect_sqlite, e, &c, &err);
    if (rc == 0) {
        orm_buf_append(&out, orm_buf_str(&c.sql), c.sql.len);
        for (i = 0; i < c.nparams; i++) {
            orm_buf_puts(&out, i == 0 ? "  [params: " : ", ");
            if (orm_value_describe(&out, c.params[i]) != 0) out.oom = 1;
        }
        if (c.nparams > 0) orm_buf_putc(&out, ']');
    }
    orm_compiled_free(&c);
    if (rc == ORM_ENOMEM) {
        orm_error_clear(&err);
        out.oom = 1;
    } else if (rc != 0) {
        orm_buf_free(&out);
        return l_error_raise(L, &err);
    }
    push_buf_free(L, &out);
    return 1;
}

static const luaL_Reg methods[] = {
    {"eq", m_eq},
    {"ne", m_ne},
    {"lt", m_lt},
    {"le", m_le},
    {"gt", m_gt},
    {"ge", m_ge},
    {"like", m_like},
    {"ilike", m_ilike},
    {"contains", m_contains},
    {"startswith", m_startswith},
    {"endswith", m_endswith},
    {"in_", m_in},
    {"notin_", m_notin},
    {"between", m_between},
    {"is_", m_is},
    {"isnot", m_isnot},
    {"is_not", m_isnot},
    {"not_in", m_notin},
    {"not_like", m_not_like},
    {"notlike", m_not_like},
    {"not_ilike", m_not_ilike},
    {"notilike", m_not_ilike},
    {"and_", m_and},
    {"or_", m_or},
    {"label", m_label},
    {"asc", m_asc},
    {"desc", m_desc},
    {NULL, NULL},
};

static const luaL_Reg metamethods[] = {
    {"__add", mm_add},           {"__sub", mm_sub},
    {"__mul", mm_mul},           {"__div", mm_div},
    {"__mod", mm_mod},           {"__concat", mm_concat},
    {"__unm", mm_unm},           {"__bnot", mm_bnot},
    {"__band", mm_band},         {"__bor", mm_bor},
    {"__tostring", mm_tostring}, {"__eq", mm_eq},
    {"__gc", expr_gc},           {NULL, NULL},
};

/* [-0, +0, e] */
void l_expr_open(lua_State *L, int idx)
{
    orm_expr **slot;
    idx = lua_absindex(L, idx);
    luaL_newmetatable(L, L_MT_EXPR);
    l_protect_mt(L);
    luaL_setfuncs(L, metamethods, 0);
    luaL_newlib(L, methods);
    lua_setfield(L, -2, "__index");
    lua_pop(L, 1);

    l_expr_funcs_open(L, idx);
    lua_pushvalue(L, idx);
    slot = l_expr_new_slot(L);
    l_expr_store(L, slot, orm_expr_null());
    lua_setfield(L, -2, "null");
    lua_pop(L, 1);
    l_case_open(L, idx);
    l_from_open(L, idx);
}
