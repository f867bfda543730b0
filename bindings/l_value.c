/* l_value.c — Lua values <-> orm_value by column type (docs/reference.md): type checks
 * and normalisation on the way in (String length in characters, Numeric as a
 * decimal string with the column's scale, ISO dates, JSON text), the Lua
 * shape of each type on the way out. l_value_to never raises: problems come
 * back as DataErrors for the caller to prefix with the model and attribute. */
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "datetime.h"
#include "l_json.h"
#include "l_orm.h"

/* 2^63: whole doubles in [-2^63, 2^63) convert to lua_Integer exactly when whole. */
#define TWO_POW_63 9223372036854775808.0

/* ---- helpers ---- */

/* The type name luaL_typeerror would use: __name, else the basic type. */
static const char *got_name(lua_State *L, int idx)
{
    const char *got = luaL_typename(L, idx);
    if (luaL_getmetafield(L, idx, "__name") != LUA_TNIL) {
        if (lua_type(L, -1) == LUA_TSTRING)
            got = lua_tostring(L, -1); /* kept alive by the metatable */
        lua_pop(L, 1);
    }
    return got;
}

static int type_error(lua_State *L, int idx, const orm_type *t, orm_error *err)
{
    char tn[64];
    return orm_error_set(err, ORM_ERR_DATA, 0, "expected %s, got %s",
                         orm_type_name(t, tn, sizeof tn), got_name(L, idx));
}

static int set_text(orm_value *out, const char *s, size_t n, orm_error *err)
{
    return orm_value_set_text(out, s, n) == 0 ? 0 : orm_error_oom(err);
}

/* Replaces the locale's decimal point (snprintf uses it) by '.'. */
static void fix_point(char *s)
{
    char dp = localeconv()->decimal_point[0];
    if (dp != '.' && (s = strchr(s, dp)) != NULL) *s = '.';
}

static size_t utf8_chars(const char *s, size_t n)
{
    size_t i, c = 0;
    for (i = 0; i < n; i++)
        c += ((unsigned char)s[i] & 0xC0) != 0x80;
    return c;
}

/* ---- dates ---- */

/* Any accepted ISO-8601 form is stored in the one canonical form (see
 * datetime.h), so the same instant has the same text on every backend. */
static int date_to(lua_State *L, int idx, const orm_type *t, orm_value *out, orm_error *err)
{
    size_t n;
    const char *s;
    char buf[ORM_DATETIME_MAX];
    if (lua_type(L, idx) != LUA_TSTRING) return type_error(L, idx, t, err);
    s = lua_tolstring(L, idx, &n);
    int len = orm_datetime_canon(t->kind, s, n, buf);
    if (len < 0)
        return orm_error_set(err, ORM_ERR_DATA, 0, "invalid %s \"%.40s\" (expected %s)",
                             t->kind == ORM_T_DATE ? "Date" : "DateTime", s,
                             orm_datetime_forms(t->kind));
    return set_text(out, buf, (size_t)len, err);
}

/* ---- Numeric: decimal strings ---- */

typedef struct dec {
    int neg;
    const char *ip, *fp; /* integer and fraction digits */
    size_t il, fl;
} dec;

/* ^[+-]?digits(.digits)?$ */
static int dec_parse(const char *s, size_t n, dec *d)
{
    const char *e = s + n;
    d->neg = 0;
    if (s < e && (*s == '+' || *s == '-')) d->neg = *s++ == '-';
    d->ip = s;
    while (s < e && *s >= '0' && *s <= '9')
        s++;
    d->il = (size_t)(s - d->ip);
    d->fp = s;
    d->fl = 0;
    if (d->il == 0) return 0;
    if (s < e && *s == '.') {
        d->fp = ++s;
        while (s < e && *s >= '0' && *s <= '9')
            s++;
        d->fl = (size_t)(s - d->fp);
        if (d->fl == 0) return 0;
    }
    return s == e;
}

#define DEC_CAP(d, scale) ((d)->il + (size_t)(scale) + 4)

/* Writes d rounded half away from zero to exactly `scale` decimals into out
 * (DEC_CAP bytes); *intdigits gets the significant integer digits. Returns
 * the length. */
static size_t dec_format(const dec *d, int scale, char *out, size_t *intdigits)
{
    const char *ip = d->ip;
    size_t il = d->il, i, nd, len;
    char *q = out + 2, *start;
    int carry, zero = 1;
    while (il > 1 && *ip == '0')
        ip++, il--;
    memcpy(q, ip, il);
    for (i = 0; i < (size_t)scale; i++)
        q[il + i] = i < d->fl ? d->fp[i] : '0';
    nd = il + (size_t)scale;
    carry = (size_t)scale < d->fl && d->fp[scale] >= '5';
    for (i = nd; carry && i-- > 0;) {
        if (q[i] == '9') {
            q[i] = '0';
        } else {
            q[i]++;
            carry = 0;
        }
    }
    start = q;
    if (carry) *--start = '1', il++, nd++;
    for (i = 0; i < nd; i++)
        zero &= start[i] == '0';
    *intdigits = (il == 1 && start[0] == '0') ? 0 : il;
    if (d->neg && !zero) *--start = '-', il++, nd++;
    if (scale > 0) { /* open a gap for the point */
        memmove(start + il + 1, start + il, (size_t)scale);
        start[il] = '.';
        nd++;
    }
    len = nd;
    memmove(out, start, len);
    out[len] = 0;
    return len;
}

static int scaled(const orm_type *t)
{
    return t->precision > 0 || t->scale > 0;
}

#define PLAIN_CAP ORM_DECIMAL_CAP /* the plain text of 1e308 or 5e-324 */

static int numeric_to(lua_State *L, int idx, const orm_type *t, orm_value *out, orm_error *err)
{
    char tn[64], *fmt;
    orm_buf tmp = ORM_BUF_INIT;
    const char *s = NULL;
    size_t n, intd;
    dec d;
    int rc;
    if (lua_type(L, idx) == LUA_TSTRING) {
        s = lua_tolstring(L, idx, &n);
    } else if (lua_type(L, idx) == LUA_TNUMBER && lua_isinteger(L, idx)) {
        orm_buf_printf(&tmp, "%lld", (long long)lua_tointeger(L, idx));
    } else if (lua_type(L, idx) == LUA_TNUMBER) {
        double x = lua_tonumber(L, idx);
        if (!isfinite(x))
            return orm_error_set(err, ORM_ERR_DATA, 0, "expected %s, got %s",
                                 orm_type_name(t, tn, sizeof tn), isnan(x) ? "nan" : "inf");
        if (scaled(t)) {
            orm_buf_printf(&tmp, "%.*f", t->scale, x);
            if (tmp.p) fix_point(tmp.p);
        } else {
            char buf[PLAIN_CAP];
            orm_buf_append(&tmp, buf, orm_double_decimal(buf, x, -1));
        }
    } else {
        return type_error(L, idx, t, err);
    }
    if (lua_type(L, idx) != LUA_TSTRING) {
        if (tmp.oom) return orm_error_oom(err);
        s = orm_buf_str(&tmp), n = tmp.len;
    }
    if (!dec_parse(s, n, &d)) {
        rc = orm_error_set(err, ORM_ERR_DATA, 0,
                           "invalid %s value \"%.40s\" (expected a decimal string like \"12.50\")",
                           orm_type_name(t, tn, sizeof tn), s);
    } else if (!scaled(t)) {
        rc = set_text(out, s, n, err);
    } else if ((fmt = malloc(DEC_CAP(&d, t->scale))) == NULL) {
        rc = orm_error_oom(err);
    } else {
        size_t len = dec_format(&d, t->scale, fmt, &intd);
        if (t->precision > 0 && intd > (size_t)(t->precision - t->scale))
            rc = orm_error_set(err, ORM_ERR_DATA, 0, "value out of range for %s: %.40s",
                               orm_type_name(t, tn, sizeof tn), s);
        else
            rc = set_text(out, fmt, len, err);
        free(fmt);
    }
    orm_buf_free(&tmp);
    return rc;
}

/* [-0, +1, m] Pushes the decimal text of v with the column's scale. */
static void numeric_push(lua_State *L, const orm_value *v, const orm_type *t)
{
    char buf[PLAIN_CAP];
    const char *s = buf;
    size_t n, intd;
    dec d;
    luaL_Buffer B;
    if (v->type == ORM_V_REAL && scaled(t)) {
        int need = snprintf(NULL, 0, "%.*f", t->scale, v->u.r);
        char *p = luaL_buffinitsize(L, &B, (size_t)need + 1);
        snprintf(p, (size_t)need + 1, "%.*f", t->scale, v->u.r);
        fix_point(p);
        luaL_pushresultsize(&B, (size_t)need);
        return;
    }
    if (v->type == ORM_V_REAL) {
        n = isfinite(v->u.r) ? orm_double_decimal(buf, v->u.r, -1)
                             : (size_t)snprintf(buf, sizeof buf, "%g", v->u.r); /* NaN */
    } else if (v->type == ORM_V_INT || v->type == ORM_V_BOOL) {
        n = (size_t)snprintf(buf, sizeof buf, "%lld", (long long)v->u.i);
    } else { /* TEXT (or BLOB): as stored, re-scaled when it is a decimal */
        s = v->u.s ? v->u.s : "", n = v->len;
    }
    if (!scaled(t) || !dec_parse(s, n, &d)) {
        lua_pushlstring(L, s, n);
        return;
    }
    n = dec_format(&d, t->scale, luaL_buffinitsize(L, &B, DEC_CAP(&d, t->scale)), &intd);
    luaL_pushresultsize(&B, n);
}

/* ---- Lua -> orm_value ---- */

static int integer_to(lua_State *L, int idx, const orm_type *t, orm_value *out, orm_error *err)
{
    int isnum = 0;
    lua_Integer i;
    char tn[64];
    if (lua_type(L, idx) != LUA_TNUMBER) return type_error(L, idx, t, err);
    i = lua_tointegerx(L, idx, &isnum);
    if (!isnum) {
        lua_Number x = lua_tonumber(L, idx);
        return orm_error_set(err, ORM_ERR_DATA, 0, "expected %s, got %s number %.14g",
                             orm_type_name(t, tn, sizeof tn),
                             x == floor(x) ? "out-of-range" : "non-integer", x);
    }
    orm_value_int(out, (int64_t)i);
    return 0;
}

static int string_to(lua_State *L, int idx, const orm_type *t, orm_value *out, orm_error *err)
{
    size_t n, chars;
    const char *s;
    char tn[64];
    if (lua_type(L, idx) != LUA_TSTRING) return type_error(L, idx, t, err);
    s = lua_tolstring(L, idx, &n);
    if (t->kind == ORM_T_STRING && t->length > 0 && n > (size_t)t->length &&
        (chars = utf8_chars(s, n)) > (size_t)t->length)
        return orm_error_set(err, ORM_ERR_DATA, 0, "value too long for %s: %zu characters",
                             orm_type_name(t, tn, sizeof tn), chars);
    return set_text(out, s, n, err);
}

static int json_to(lua_State *L, int idx, orm_value *out, orm_error *err)
{
    orm_buf b = ORM_BUF_INIT;
    int rc = l_json_encode(L, idx, &b, err);
    if (rc == 0) rc = set_text(out, orm_buf_str(&b), b.len, err);
    orm_buf_free(&b);
    return rc;
}

/* [-0, +0, -] */
int l_value_to(lua_State *L, int idx, const orm_type *t, orm_value *out, orm_error *err)
{
    int lt = lua_type(L, idx);
    *out = ORM_VALUE_NULL;
    if (lt == LUA_TNIL || lt == LUA_TNONE || (lt == LUA_TUSERDATA && l_expr_is_null(L, idx)))
        return 0;
    if (!t) return l_value_to_any(L, idx, out, err);
    switch (t->kind) {
    case ORM_T_INTEGER:
    case ORM_T_BIGINT:
        return integer_to(L, idx, t, out, err);
    case ORM_T_STRING:
    case ORM_T_TEXT:
        return string_to(L, idx, t, out, err);
    case ORM_T_BOOLEAN:
        if (lt != LUA_TBOOLEAN) return type_error(L, idx, t, err);
        orm_value_bool(out, lua_toboolean(L, idx));
        return 0;
    case ORM_T_FLOAT:
        if (lt != LUA_TNUMBER) return type_error(L, idx, t, err);
        orm_value_real(out, (double)lua_tonumber(L, idx));
        return 0;
    case ORM_T_NUMERIC:
        return numeric_to(L, idx, t, out, err);
    case ORM_T_DATE:
    case ORM_T_DATETIME:
        return date_to(L, idx, t, out, err);
    case ORM_T_BINARY: {
        size_t n;
        const char *s;
        if (lt != LUA_TSTRING) return type_error(L, idx, t, err);
        s = lua_tolstring(L, idx, &n);
        return orm_value_set_blob(out, s, n) == 0 ? 0 : orm_error_oom(err);
    }
    case ORM_T_JSON:
        if (lt != LUA_TTABLE && lt != LUA_TSTRING && lt != LUA_TNUMBER && lt != LUA_TBOOLEAN)
            return type_error(L, idx, t, err);
        return json_to(L, idx, out, err);
    }
    return orm_error_set(err, ORM_ERR_PROGRAMMING, 0, "unknown column type %d", (int)t->kind);
}

/* [-0, +0, -] */
int l_value_to_any(lua_State *L, int idx, orm_value *out, orm_error *err)
{
    *out = ORM_VALUE_NULL;
    switch (lua_type(L, idx)) {
    case LUA_TNONE:
    case LUA_TNIL:
        return 0;
    case LUA_TBOOLEAN:
        orm_value_bool(out, lua_toboolean(L, idx));
        return 0;
    case LUA_TNUMBER:
        if (lua_isinteger(L, idx))
            orm_value_int(out, (int64_t)lua_tointeger(L, idx));
        else
            orm_value_real(out, (double)lua_tonumber(L, idx));
        return 0;
    case LUA_TSTRING: {
        size_t n;
        const char *s = lua_tolstring(L, idx, &n);
        return set_text(out, s, n, err);
    }
    default:
        if (l_expr_is_null(L, idx)) return 0;
        return orm_error_set(err, ORM_ERR_ARGUMENT, 0,
                             "expected nil, boolean, number or string, got %s", got_name(L, idx));
    }
}

/* ---- orm_value -> Lua ---- */

/* [-0, +1, m] By the value's own type. */
static void push_plain(lua_State *L, const orm_value *v)
{
    switch (v->type) {
    case ORM_V_NULL:
        lua_pushnil(L);
        break;
    case ORM_V_INT:
        lua_pushinteger(L, (lua_Integer)v->u.i);
        break;
    case ORM_V_REAL:
        lua_pushnumber(L, (lua_Number)v->u.r);
        break;
    case ORM_V_TEXT:
    case ORM_V_BLOB:
        lua_pushlstring(L, v->u.s ? v->u.s : "", v->len);
        break;
    case ORM_V_BOOL:
        lua_pushboolean(L, v->u.i != 0);
        break;
    default:
        lua_pushnil(L);
        break;
    }
}

/* Boolean columns: 0/1, and "t"/"f", "true"/"false" as text backends give. */
static void push_boolean(lua_State *L, const orm_value *v)
{
    if (v->type == ORM_V_INT || v->type == ORM_V_BOOL)
        lua_pushboolean(L, v->u.i != 0);
    else if (v->type == ORM_V_REAL)
        lua_pushboolean(L, v->u.r != 0);
    else if (v->type == ORM_V_TEXT && v->u.s &&
             (!strcmp(v->u.s, "t") || !strcmp(v->u.s, "true") || !strcmp(v->u.s, "1")))
        lua_pushboolean(L, 1);
    else if (v->type == ORM_V_TEXT && v->u.s &&
             (!strcmp(v->u.s, "f") || !strcmp(v->u.s, "false") || !strcmp(v->u.s, "0")))
        lua_pushboolean(L, 0);
    else
        push_plain(L, v);
}

/* [-0, +1, m] */
void l_value_push(lua_State *L, const orm_value *v, const orm_type *t)
{
    if (v->type == ORM_V_NULL) {
        lua_pushnil(L);
        return;
    }
    if (v->type == ORM_V_TEXT && v->decimal && (!t || t->kind != ORM_T_NUMERIC)) {
        /* a NUMERIC result where a number is expected (avg() of an Integer,
         * an untyped expression): a Lua number, as before decimals were
         * read as text; raw SQL results keep the text (l_text_exec.c) */
        if (lua_stringtonumber(L, v->u.s) == 0) {
            push_plain(L, v);
        } else if (t && lua_isinteger(L, -1) == 0) { /* Integer - avg: -7.0000 -> -7 */
            orm_value num;
            orm_value_real(&num, lua_tonumber(L, -1));
            lua_pop(L, 1);
            l_value_push(L, &num, t);
        }
        return;
    }
    if (!t) {
        push_plain(L, v);
        return;
    }
    switch (t->kind) {
    case ORM_T_INTEGER:
    case ORM_T_BIGINT:
        if (v->type == ORM_V_REAL && v->u.r == floor(v->u.r) && v->u.r >= -TWO_POW_63 &&
            v->u.r < TWO_POW_63)
            lua_pushinteger(L, (lua_Integer)v->u.r);
        else if (v->type == ORM_V_BOOL)
            lua_pushinteger(L, (lua_Integer)v->u.i);
        else
            push_plain(L, v);
        return;
    case ORM_T_FLOAT:
        if (v->type == ORM_V_INT)
            lua_pushnumber(L, (lua_Number)v->u.i);
        else
            push_plain(L, v);
        return;
    case ORM_T_BOOLEAN:
        push_boolean(L, v);
        return;
    case ORM_T_NUMERIC:
        if (v->type == ORM_V_INT || v->type == ORM_V_REAL || v->type == ORM_V_TEXT ||
            v->type == ORM_V_BOOL)
            numeric_push(L, v, t);
        else
            push_plain(L, v);
        return;
    case ORM_T_JSON:
        if ((v->type == ORM_V_TEXT || v->type == ORM_V_BLOB) &&
            l_json_decode(L, v->u.s ? v->u.s : "", v->len) == 0)
            return;
        push_plain(L, v); /* numbers stored by NUMERIC affinity, or not JSON */
        return;
    case ORM_T_DATE:
    case ORM_T_DATETIME: { /* another tool's ISO form ('T', no seconds) reads canonical */
        char buf[ORM_DATETIME_MAX];
        int len =
            v->type == ORM_V_TEXT && v->u.s ? orm_datetime_canon(t->kind, v->u.s, v->len, buf) : -1;
        if (len >= 0)
            lua_pushlstring(L, buf, (size_t)len);
        else
            push_plain(L, v);
        return;
    }
    default: /* String, Text, LargeBinary */
        push_plain(L, v);
        return;
    }
}
