/* l_json.c — JSON for db.JSON columns: an encoder from Lua values that never
 * raises (it reports DataErrors through an orm_error, as l_value_to must) and
 * a small recursive-descent decoder with a depth limit. Object keys are
 * written sorted, so equal tables always give equal text. */
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "l_json.h"
#include "l_orm.h"

/* ---- numbers ---- */

size_t l_json_format_double(char *buf, double d)
{
    int prec;
    char dp = localeconv()->decimal_point[0];
    char *q;
    for (prec = 15; prec < 17; prec++) {
        snprintf(buf, L_JSON_NUMBUF, "%.*g", prec, d);
        if (strtod(buf, NULL) == d) break;
    }
    if (prec == 17) snprintf(buf, L_JSON_NUMBUF, "%.17g", d);
    if (dp != '.' && (q = strchr(buf, dp)) != NULL) *q = '.';
    return strlen(buf);
}

/* ---- encoder ---- */

typedef struct jkey {
    const char *s; /* string key (borrowed from its table), or NULL */
    size_t n;
    lua_Integer i; /* integer key when s is NULL */
} jkey;

typedef struct jenc {
    lua_State *L;
    orm_buf *b;
    orm_error *err;
    int depth;
    const void *path[L_JSON_MAX_DEPTH]; /* tables being encoded (cycle check) */
    jkey key[L_JSON_MAX_DEPTH];         /* the key being encoded at each level */
} jenc;

static int is_ident(const char *s, size_t n)
{
    size_t i;
    if (n == 0 || n > 40 ||
        !((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z') || s[0] == '_'))
        return 0;
    for (i = 1; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
              (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
            return 0;
    return 1;
}

/* Sets a DataError "not JSON-serializable: <what> at $.a[2]". */
static int fail(jenc *J, const char *what)
{
    orm_buf path = ORM_BUF_INIT;
    int i;
    orm_buf_putc(&path, '$');
    for (i = 0; i < J->depth; i++) {
        const jkey *k = &J->key[i];
        if (J->depth > 12 && i >= 4 && i < J->depth - 6) { /* elide the middle */
            if (i == 4) orm_buf_puts(&path, "...");
            continue;
        }
        if (!k->s)
            orm_buf_printf(&path, "[%lld]", (long long)k->i);
        else if (is_ident(k->s, k->n))
            orm_buf_printf(&path, ".%.*s", (int)k->n, k->s);
        else
            orm_buf_printf(&path, "[\"%.*s%s\"]", (int)(k->n > 40 ? 40 : k->n), k->s,
                           k->n > 40 ? "..." : "");
    }
    if (path.oom) {
        orm_buf_free(&path);
        return orm_error_oom(J->err);
    }
    orm_error_set(J->err, ORM_ERR_DATA, 0, "not JSON-serializable: %s at %s", what,
                  orm_buf_str(&path));
    orm_buf_free(&path);
    return ORM_EFAIL;
}

/* Length of the valid UTF-8 sequence at s (at most n bytes), or 0. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
    unsigned c = s[0], need, cp, i;
    if (c < 0x80) return 1;
    if (c >= 0xC2 && c <= 0xDF)
        need = 1, cp = c & 0x1F;
    else if (c >= 0xE0 && c <= 0xEF)
        need = 2, cp = c & 0x0F;
    else if (c >= 0xF0 && c <= 0xF4)
        need = 3, cp = c & 0x07;
    else
        return 0;
    if (n < need + 1) return 0;
    for (i = 1; i <= need; i++) {
        if ((s[i] & 0xC0) != 0x80) return 0;
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    if ((need == 2 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
        (need == 3 && (cp < 0x10000 || cp > 0x10FFFF)))
        return 0;
    return need + 1;
}

static int enc_string(jenc *J, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    size_t i = 0, run = 0;
    orm_buf_putc(J->b, '"');
    while (i < n) {
        unsigned char c = (unsigned char)s[i];
        const char *esc = NULL;
        char u[7];
        size_t len = utf8_len((const unsigned char *)s + i, n - i);
        if (len == 0) return fail(J, "invalid UTF-8 in a string");
        if (c == '"')
            esc = "\\\"";
        else if (c == '\\')
            esc = "\\\\";
        else if (c == '\n')
            esc = "\\n";
        else if (c == '\r')
            esc = "\\r";
        else if (c == '\t')
            esc = "\\t";
        else if (c == '\b')
            esc = "\\b";
        else if (c == '\f')
            esc = "\\f";
        else if (c < 0x20) {
            memcpy(u, "\\u00", 4);
            u[4] = hex[c >> 4];
            u[5] = hex[c & 15];
            u[6] = 0;
            esc = u;
        }
        if (esc) {
            orm_buf_append(J->b, s + i - run, run);
            orm_buf_puts(J->b, esc);
            run = 0;
        } else {
            run += len;
        }
        i += len;
    }
    orm_buf_append(J->b, s + n - run, run);
    orm_buf_putc(J->b, '"');
    return 0;
}

static int enc_value(jenc *J, int idx);

typedef struct jentry {
    const char *s;
    size_t n;
    int vidx; /* stack index of the value */
} jentry;

static int entry_cmp(const void *a, const void *b)
{
    const jentry *x = a, *y = b;
    int c = memcmp(x->s, y->s, x->n < y->n ? x->n : y->n);
    return c ? c : (x->n > y->n) - (x->n < y->n);
}

static int enc_array(jenc *J, int t, lua_Integer n)
{
    lua_State *L = J->L;
    lua_Integer i;
    int rc = 0;
    orm_buf_putc(J->b, '[');
    for (i = 1; i <= n && rc == 0; i++) {
        if (i > 1) orm_buf_putc(J->b, ',');
        J->key[J->depth - 1] = (jkey){NULL, 0, i};
        lua_rawgeti(L, t, i);
        rc = enc_value(J, lua_gettop(L));
        lua_pop(L, 1);
    }
    orm_buf_putc(J->b, ']');
    return rc;
}

/* Pushes every pair of t (n string keys), sorts by key, writes the object. */
static int enc_object(jenc *J, int t, int n)
{
    lua_State *L = J->L;
    int base = lua_gettop(L), i = 0, rc = 0;
    jentry *ent;
    if (n > (1 << 24) || !lua_checkstack(L, 2 * n + 4)) return fail(J, "table too large");
    ent = malloc((size_t)n * sizeof *ent);
    if (!ent) return orm_error_oom(J->err);
    lua_pushnil(L);
    while (lua_next(L, t) != 0) {
        ent[i].s = lua_tolstring(L, -2, &ent[i].n); /* a string: no conversion */
        ent[i].vidx = lua_gettop(L);
        i++;
        lua_pushvalue(L, -2);
    }
    qsort(ent, (size_t)n, sizeof *ent, entry_cmp);
    orm_buf_putc(J->b, '{');
    for (i = 0; i < n && rc == 0; i++) {
        if (i > 0) orm_buf_putc(J->b, ',');
        J->key[J->depth - 1] = (jkey){ent[i].s, ent[i].n, 0};
        rc = enc_string(J, ent[i].s, ent[i].n);
        orm_buf_putc(J->b, ':');
        if (rc == 0) rc = enc_value(J, ent[i].vidx);
    }
    orm_buf_putc(J->b, '}');
    free(ent);
    lua_settop(L, base);
    return rc;
}

/* Classifies the keys of table t: a sequence 1..n, string keys, or an error. */
static int enc_table(jenc *J, int t)
{
    lua_State *L = J->L;
    const void *p = lua_topointer(L, t);
    lua_Integer nint = 0, max = 0;
    int nstr = 0, i, rc;
    char what[128];
    if (J->depth >= L_JSON_MAX_DEPTH) return fail(J, "tables nested too deeply");
    for (i = 0; i < J->depth; i++)
        if (J->path[i] == p) return fail(J, "a table that contains itself (cycle)");
    if (!lua_checkstack(L, 6)) return fail(J, "tables nested too deeply");
    lua_pushnil(L);
    while (lua_next(L, t) != 0) {
        int kt = lua_type(L, -2);
        lua_pop(L, 1);
        if (kt == LUA_TSTRING) {
            nstr++;
        } else if (kt == LUA_TNUMBER && lua_isinteger(L, -1)) {
            lua_Integer k = lua_tointeger(L, -1);
            nint++;
            if (k > max) max = k;
            if (k < 1) {
                lua_pop(L, 1);
                snprintf(what, sizeof what, "integer key %lld (arrays start at 1)", (long long)k);
                return fail(J, what);
            }
        } else {
            if (kt == LUA_TNUMBER)
                snprintf(what, sizeof what, "non-integer key %g", lua_tonumber(L, -1));
            else
                snprintf(what, sizeof what, "a %s key", lua_typename(L, kt));
            lua_pop(L, 1);
            return fail(J, what);
        }
    }
    if (nint > 0 && nstr > 0) return fail(J, "a table with both integer and string keys");
    if (nint > 0 && max != nint) {
        snprintf(what, sizeof what, "an array with holes (%lld elements, highest index %lld)",
                 (long long)nint, (long long)max);
        return fail(J, what);
    }
    J->path[J->depth++] = p;
    rc = nint > 0 ? enc_array(J, t, nint) : enc_object(J, t, nstr);
    J->depth--;
    return rc;
}

static int enc_value(jenc *J, int idx)
{
    lua_State *L = J->L;
    char num[L_JSON_NUMBUF + 4];
    char what[80];
    switch (lua_type(L, idx)) {
    case LUA_TNIL:
        orm_buf_puts(J->b, "null");
        return 0;
    case LUA_TBOOLEAN:
        orm_buf_puts(J->b, lua_toboolean(L, idx) ? "true" : "false");
        return 0;
    case LUA_TNUMBER:
        if (lua_isinteger(L, idx)) {
            orm_buf_printf(J->b, "%lld", (long long)lua_tointeger(L, idx));
        } else {
            double d = lua_tonumber(L, idx);
            size_t n;
            if (!isfinite(d)) return fail(J, isnan(d) ? "nan" : d > 0 ? "inf" : "-inf");
            n = l_json_format_double(num, d);
            if (!strpbrk(num, ".eE")) memcpy(num + n, ".0", 3); /* stays a float when read back */
            orm_buf_puts(J->b, num);
        }
        return 0;
    case LUA_TSTRING: {
        size_t n;
        const char *s = lua_tolstring(L, idx, &n);
        return enc_string(J, s, n);
    }
    case LUA_TTABLE:
        return enc_table(J, lua_absindex(L, idx));
    case LUA_TUSERDATA:
        if (l_expr_is_null(L, idx)) {
            orm_buf_puts(J->b, "null");
            return 0;
        }
        /* fallthrough */
    default:
        snprintf(what, sizeof what, "a %s", luaL_typename(L, idx));
        if (luaL_getmetafield(L, idx, "__name") != LUA_TNIL) { /* pushed only if found */
            if (lua_type(L, -1) == LUA_TSTRING)
                snprintf(what, sizeof what, "a value of type %s", lua_tostring(L, -1));
            lua_pop(L, 1);
        }
        return fail(J, what);
    }
}

int l_json_encode(lua_State *L, int idx, orm_buf *b, orm_error *err)
{
    int top = lua_gettop(L), rc;
    jenc *J = malloc(sizeof *J);
    if (!J) return orm_error_oom(err);
    J->L = L;
    J->b = b;
    J->err = err;
    J->depth = 0;
    rc = enc_value(J, lua_absindex(L, idx));
    free(J);
    lua_settop(L, top);
    if (rc == 0 && b->oom) rc = orm_error_oom(err);
    return rc;
}

int l_json_encode_string(orm_buf *b, const char *s, size_t n, orm_error *err)
{
    jenc J; /* a few KiB on the stack: no allocation per string */
    J.L = NULL;
    J.b = b;
    J.err = err;
    J.depth = 0;
    int rc = enc_string(&J, s, n);
    if (rc == 0 && b->oom) rc = orm_error_oom(err);
    return rc;
}

/* ---- decoder ---- */

typedef struct jdec {
    lua_State *L;
    const char *p, *e;
    int depth;
} jdec;

static void skip_ws(jdec *d)
{
    while (d->p < d->e && (*d->p == ' ' || *d->p == '\t' || *d->p == '\n' || *d->p == '\r'))
        d->p++;
}

static int hex4(const char *p, unsigned *out)
{
    unsigned v = 0;
    int i;
    for (i = 0; i < 4; i++) {
        char c = p[i];
        v <<= 4;
        if (c >= '0' && c <= '9')
            v |= (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f')
            v |= (unsigned)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F')
            v |= (unsigned)(c - 'A' + 10);
        else
            return -1;
    }
    *out = v;
    return 0;
}

/* \uXXXX (and a following low surrogate) at d->p (after the 'u'). */
static int dec_unicode(jdec *d, luaL_Buffer *B)
{
    unsigned cp, lo;
    if (d->e - d->p < 4 || hex4(d->p, &cp) != 0) return -1;
    d->p += 4;
    if (cp >= 0xD800 && cp <= 0xDBFF) {
        if (d->e - d->p < 6 || d->p[0] != '\\' || d->p[1] != 'u' || hex4(d->p + 2, &lo) != 0 ||
            lo < 0xDC00 || lo > 0xDFFF)
            return -1;
        d->p += 6;
        cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
    } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
        return -1;
    }
    if (cp < 0x80) {
        luaL_addchar(B, (char)cp);
    } else if (cp < 0x800) {
        luaL_addchar(B, (char)(0xC0 | (cp >> 6)));
        luaL_addchar(B, (char)(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
        luaL_addchar(B, (char)(0xE0 | (cp >> 12)));
        luaL_addchar(B, (char)(0x80 | ((cp >> 6) & 0x3F)));
        luaL_addchar(B, (char)(0x80 | (cp & 0x3F)));
    } else {
        luaL_addchar(B, (char)(0xF0 | (cp >> 18)));
        luaL_addchar(B, (char)(0x80 | ((cp >> 12) & 0x3F)));
        luaL_addchar(B, (char)(0x80 | ((cp >> 6) & 0x3F)));
        luaL_addchar(B, (char)(0x80 | (cp & 0x3F)));
    }
    return 0;
}

/* A string at d->p (the opening quote): pushes it. */
static int dec_string(jdec *d)
{
    const char *s = ++d->p;
    luaL_Buffer B;
    while (d->p < d->e && *d->p != '"' && *d->p != '\\' && (unsigned char)*d->p >= 0x20)
        d->p++;
    if (d->p < d->e && *d->p == '"') { /* no escapes: the common case */
        lua_pushlstring(d->L, s, (size_t)(d->p - s));
        d->p++;
        return 0;
    }
    luaL_buffinit(d->L, &B);
    luaL_addlstring(&B, s, (size_t)(d->p - s));
    while (d->p < d->e && *d->p != '"') {
        char c = *d->p++;
        if ((unsigned char)c < 0x20) return -1;
        if (c != '\\') {
            luaL_addchar(&B, c);
            continue;
        }
        if (d->p >= d->e) return -1;
        c = *d->p++;
        switch (c) {
        case '"':
        case '\\':
        case '/':
            luaL_addchar(&B, c);
            break;
        case 'b':
            luaL_addchar(&B, '\b');
            break;
        case 'f':
            luaL_addchar(&B, '\f');
            break;
        case 'n':
            luaL_addchar(&B, '\n');
            break;
        case 'r':
            luaL_addchar(&B, '\r');
            break;
        case 't':
            luaL_addchar(&B, '\t');
            break;
        case 'u':
            if (dec_unicode(d, &B) != 0) return -1;
            break;
        default:
            return -1;
        }
    }
    if (d->p >= d->e) return -1;
    d->p++;
    luaL_pushresult(&B);
    return 0;
}

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static int dec_number(jdec *d)
{
    const char *s = d->p, *p = d->p, *e = d->e;
    char tmp[64];
    size_t n, ok;
    if (p < e && *p == '-') p++;
    if (p < e && *p == '0')
        p++;
    else if (p < e && is_digit(*p))
        while (p < e && is_digit(*p))
            p++;
    else
        return -1;
    if (p < e && *p == '.') {
        if (++p >= e || !is_digit(*p)) return -1;
        while (p < e && is_digit(*p))
            p++;
    }
    if (p < e && (*p == 'e' || *p == 'E')) {
        p++;
        if (p < e && (*p == '+' || *p == '-')) p++;
        if (p >= e || !is_digit(*p)) return -1;
        while (p < e && is_digit(*p))
            p++;
    }
    d->p = p;
    n = (size_t)(p - s);
    if (n < sizeof tmp) {
        memcpy(tmp, s, n);
        tmp[n] = 0;
        ok = lua_stringtonumber(d->L, tmp);
    } else {
        lua_pushlstring(d->L, s, n);
        ok = lua_stringtonumber(d->L, lua_tostring(d->L, -1));
        if (ok) lua_remove(d->L, -2);
    }
    return ok ? 0 : -1;
}

static int dec_value(jdec *d);

static int dec_array(jdec *d)
{
    lua_Integer i = 0;
    lua_newtable(d->L);
    d->p++;
    skip_ws(d);
    if (d->p < d->e && *d->p == ']') {
        d->p++;
        return 0;
    }
    for (;;) {
        if (dec_value(d) != 0) return -1;
        lua_rawseti(d->L, -2, ++i);
        skip_ws(d);
        if (d->p < d->e && *d->p == ',') {
            d->p++;
            continue;
        }
        if (d->p < d->e && *d->p == ']') {
            d->p++;
            return 0;
        }
        return -1;
    }
}

static int dec_object(jdec *d)
{
    lua_newtable(d->L);
    d->p++;
    skip_ws(d);
    if (d->p < d->e && *d->p == '}') {
        d->p++;
        return 0;
    }
    for (;;) {
        skip_ws(d);
        if (d->p >= d->e || *d->p != '"' || dec_string(d) != 0) return -1;
        skip_ws(d);
        if (d->p >= d->e || *d->p != ':') return -1;
        d->p++;
        if (dec_value(d) != 0) return -1;
        lua_rawset(d->L, -3); /* a null value leaves the key out */
        skip_ws(d);
        if (d->p < d->e && *d->p == ',') {
            d->p++;
            continue;
        }
        if (d->p < d->e && *d->p == '}') {
            d->p++;
            return 0;
        }
        return -1;
    }
}

static int literal(jdec *d, const char *word, size_t n)
{
    if ((size_t)(d->e - d->p) < n || memcmp(d->p, word, n) != 0) return -1;
    d->p += n;
    return 0;
}

/* Pushes one value (on failure the caller restores the stack). */
static int dec_value(jdec *d)
{
    int rc;
    skip_ws(d);
    if (d->p >= d->e) return -1;
    switch (*d->p) {
    case '{':
    case '[':
        if (++d->depth > L_JSON_MAX_DEPTH) return -1;
        luaL_checkstack(d->L, 4, "JSON nesting");
        rc = *d->p == '{' ? dec_object(d) : dec_array(d);
        d->depth--;
        return rc;
    case '"':
        return dec_string(d);
    case 't':
        if (literal(d, "true", 4) != 0) return -1;
        lua_pushboolean(d->L, 1);
        return 0;
    case 'f':
        if (literal(d, "false", 5) != 0) return -1;
        lua_pushboolean(d->L, 0);
        return 0;
    case 'n':
        if (literal(d, "null", 4) != 0) return -1;
        lua_pushnil(d->L);
        return 0;
    default:
        return dec_number(d);
    }
}

int l_json_decode(lua_State *L, const char *s, size_t n)
{
    jdec d = {L, s, s + n, 0};
    int top = lua_gettop(L);
    if (dec_value(&d) == 0) {
        skip_ws(&d);
        if (d.p == d.e) return 0;
    }
    lua_settop(L, top);
    return -1;
}
