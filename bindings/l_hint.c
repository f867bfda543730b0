/* l_hint.c — errors that teach a learner coming from Python: the `<`, `<=`,
 * `>`, `>=` metamethods of orm.Expr raise an ArgumentError naming the method
 * to use (Author.id:lt(3)), and orm_lua_hint rewrites Lua's "bad argument #1
 * to 'add' (orm.Session expected, ...)" for a method called with `.` into
 * "use db.session:add(obj), with a colon", taking the arguments from the
 * docs table (l_docs.c). One mechanism for every documented method. */
#include <ctype.h>
#include <string.h>

#include "l_db.h"
#include "l_docs.h"
#include "orm_lua.h"

/* [-0, +1, m] How a hint writes the operand at idx: Class.column for a
 * mapped column, a literal for numbers and strings, else a placeholder. */
static void push_operand(lua_State *L, int idx)
{
    orm_expr *e = l_expr_test(L, idx);
    if (e) {
        if (e->kind == ORM_X_COLUMN && e->table && e->col >= 0 && e->col < e->table->ncols) {
            l_class_push(L, e->table);
            if (lua_istable(L, -1) && lua_getfield(L, -1, "__name") == LUA_TSTRING) {
                lua_pushfstring(L, "%s.%s", lua_tostring(L, -1), e->table->cols[e->col].attr);
                lua_replace(L, -3);
                lua_pop(L, 1);
                return;
            }
            lua_pop(L, lua_istable(L, -1) ? 2 : 1);
            lua_pushfstring(L, "%s.%s", e->table->name, e->table->cols[e->col].attr);
            return;
        }
        lua_pushliteral(L, "expr");
    } else if (lua_type(L, idx) == LUA_TNUMBER) {
        lua_pushstring(L, lua_tostring(L, idx));
    } else if (lua_type(L, idx) == LUA_TSTRING) {
        lua_pushfstring(L, "\"%s\"", lua_tostring(L, idx));
    } else {
        lua_pushliteral(L, "value");
    }
}

/* [-0, +0, v] a < b (strict) or a <= b on an expression: Lua can only
 * answer true or false, so say which method builds the SQL comparison. */
static int compare_hint(lua_State *L, int strict)
{
    const char *sym, *method;
    int subject = 1, other = 2;
    if (l_expr_test(L, 1)) {
        sym = strict ? "<" : "<=";
        method = strict ? "lt" : "le";
    } else { /* `x > 3` reaches here as `3 < x` */
        sym = strict ? ">" : ">=";
        method = strict ? "gt" : "ge";
        subject = 2;
        other = 1;
    }
    push_operand(L, subject);
    push_operand(L, other);
    return l_error_raisef(L, ORM_ERR_ARGUMENT,
                          "%s cannot compare SQL expressions in Lua: use %s:%s(%s)", sym,
                          lua_tostring(L, -2), method, lua_tostring(L, -1));
}

static int mm_lt(lua_State *L)
{
    return compare_hint(L, 1);
}

static int mm_le(lua_State *L)
{
    return compare_hint(L, 0);
}

void l_hint_open(lua_State *L)
{
    luaL_getmetatable(L, L_MT_EXPR);
    lua_pushcfunction(L, mm_lt);
    lua_setfield(L, -2, "__lt");
    lua_pushcfunction(L, mm_le);
    lua_setfield(L, -2, "__le");
    lua_pop(L, 1);
}

/* ---- "use a colon" ---- */

static int is_name_char(char c)
{
    return isalnum((unsigned char)c) || c == '_' || c == '.' || c == ':';
}

/* [-0, +1, m] The receiver written before ".name(" in line (what the user
 * called the object), or nil when the line does not show it. */
static void push_receiver(lua_State *L, const char *line, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = line ? strchr(line, '.') : NULL; p; p = strchr(p + 1, '.')) {
        if (strncmp(p + 1, name, n) != 0) continue;
        const char *after = p + 1 + n;
        while (*after == ' ' || *after == '\t')
            after++;
        if (*after != '(' && *after != '{' && *after != '"' && *after != '\'') continue;
        const char *s = p;
        int depth = 0;
        while (s > line) {
            char c = s[-1];
            if (c == ')' || c == ']' || c == '}')
                depth++;
            else if (c == '(' || c == '[' || c == '{') {
                if (depth == 0) break;
                depth--;
            } else if (depth == 0 && !is_name_char(c))
                break;
            s--;
        }
        if (s < p) {
            lua_pushlstring(L, s, (size_t)(p - s));
            return;
        }
    }
    lua_pushnil(L);
}

/* [-1, +1, m] For a Lua function declared `function C:name(a, b)` (first
 * parameter self) that failed on its self after being called with '.':
 * "... a.name is a method: use a:name(a, b), with a colon". 0 when the
 * error on top is not that. */
static int lua_method_hint(lua_State *L, const char *line)
{
    lua_Debug ar;
    const char *msg = lua_tostring(L, -1);
    if (!strstr(msg, "'self'") || !lua_getstack(L, 1, &ar) || !lua_getinfo(L, "nSu", &ar)) return 0;
    if (strcmp(ar.what, "Lua") != 0 || !ar.name || !ar.namewhat ||
        strcmp(ar.namewhat, "method") == 0 || ar.nparams < 1)
        return 0;
    const char *self = lua_getlocal(L, &ar, 1);
    if (!self) return 0;
    int is_self = strcmp(self, "self") == 0, has_self = lua_istable(L, -1) || lua_isuserdata(L, -1);
    lua_pop(L, 1);
    if (!is_self || has_self) return 0; /* called with a colon: self is an object */
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    for (int i = 2; i <= ar.nparams; i++) {
        const char *pn = lua_getlocal(L, &ar, i);
        if (!pn) break;
        lua_pop(L, 1);
        if (i > 2) luaL_addstring(&b, ", ");
        luaL_addstring(&b, pn);
    }
    luaL_pushresult(&b);
    push_receiver(L, line, ar.name);
    if (lua_isnil(L, -1)) {
        lua_pop(L, 1);
        lua_pushliteral(L, "obj");
    }
    luaL_where(L, 2); /* the position of the call, not of the method's body */
    lua_pushfstring(L, "%s%s.%s is a method: use %s:%s(%s), with a colon", lua_tostring(L, -1),
                    lua_tostring(L, -2), ar.name, lua_tostring(L, -2), ar.name,
                    lua_tostring(L, -3));
    lua_replace(L, -5);
    lua_pop(L, 3);
    return 1;
}

void orm_lua_hint(lua_State *L, const char *line)
{
    static const char bad[] = "bad argument #1 to '", expected[] = " expected, got ";
    lua_Debug ar;
    char name[64], mt[64];
    if (lua_type(L, -1) != LUA_TSTRING) return;
    if (lua_method_hint(L, line)) return;
    const char *msg = lua_tostring(L, -1), *p = strstr(msg, bad);
    if (!p) return;
    const char *nm = p + sizeof bad - 1, *q = strchr(nm, '\'');
    if (!q || strncmp(q, "' (", 3) != 0 || (size_t)(q - nm) >= sizeof name) return;
    const char *tn = q + 3, *te = strstr(tn, expected);
    if (!te || (size_t)(te - tn) >= sizeof mt) return;
    memcpy(name, nm, (size_t)(q - nm));
    name[q - nm] = '\0';
    memcpy(mt, tn, (size_t)(te - tn));
    mt[te - tn] = '\0';
    /* a call written with ':' already passed self: not this mistake */
    if (!lua_getstack(L, 1, &ar) || !lua_getinfo(L, "n", &ar)) return;
    if (ar.namewhat && strcmp(ar.namewhat, "method") == 0) return;
    const char *receiver = NULL, *kind = l_docs_kind_of_mt(mt, &receiver);
    const l_doc *d = kind ? l_docs_find(kind, name) : NULL;
    if (!d || !d->args) return;
    push_receiver(L, line, name);
    if (lua_isnil(L, -1)) {
        lua_pop(L, 1);
        lua_pushstring(L, receiver ? receiver : "obj");
    }
    const char *r = lua_tostring(L, -1);
    lua_pushlstring(L, msg, (size_t)(p - msg));
    lua_pushfstring(L, "%s%s.%s is a method: use %s:%s(%s), with a colon", lua_tostring(L, -1), r,
                    name, r, name, d->args);
    lua_replace(L, -4);
    lua_pop(L, 2);
}
