/* value.c — the tagged SQL value of value.h: owned (or borrowed) text/blob
 * bytes, copy and move, equality and a hash that agree across INT/BOOL/REAL,
 * and the readable literal used by echo lines and error parameters. */
#include "value.h"

#include <assert.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "error.h"

void orm_value_clear(orm_value *v)
{
    if ((v->type == ORM_V_TEXT || v->type == ORM_V_BLOB) && !v->borrowed) free(v->u.s);
    *v = ORM_VALUE_NULL;
}

/* The copy always has a terminating NUL, also for blobs and empty values, so
 * u.s is never NULL for TEXT/BLOB. */
static int set_bytes(orm_value *v, orm_vtype type, const void *p, size_t n)
{
    *v = ORM_VALUE_NULL;
    if (n == SIZE_MAX) return ORM_ENOMEM;
    char *s = malloc(n + 1);
    if (!s) return ORM_ENOMEM;
    if (n) memcpy(s, p, n);
    s[n] = '\0';
    v->type = type;
    v->len = n;
    v->u.s = s;
    return ORM_OK;
}

int orm_value_set_text(orm_value *v, const char *s, size_t n)
{
    return set_bytes(v, ORM_V_TEXT, s, n);
}

int orm_value_set_blob(orm_value *v, const void *p, size_t n)
{
    return set_bytes(v, ORM_V_BLOB, p, n);
}

int orm_value_copy(orm_value *dst, const orm_value *src)
{
    if (dst == src) return ORM_OK;
    if (src->type == ORM_V_TEXT || src->type == ORM_V_BLOB)
        return set_bytes(dst, src->type, src->u.s, src->len);
    *dst = *src;
    return ORM_OK;
}

void orm_value_move(orm_value *dst, orm_value *src)
{
    if (dst == src) return;
    orm_value_clear(dst);
    *dst = *src;
    *src = ORM_VALUE_NULL;
}

static int is_number(const orm_value *v)
{
    return v->type == ORM_V_INT || v->type == ORM_V_BOOL || v->type == ORM_V_REAL;
}

/* An integer compared with a double: exact, without the rounding of a plain
 * (double)i conversion for |i| > 2^53. */
static int int_equals_real(int64_t i, double r)
{
    if (!(r >= -9223372036854775808.0 && r < 9223372036854775808.0)) return 0;
    if (r != floor(r)) return 0;
    return (int64_t)r == i;
}

int orm_value_equal(const orm_value *a, const orm_value *b)
{
    if (is_number(a) && is_number(b)) {
        if (a->type != ORM_V_REAL && b->type != ORM_V_REAL) return a->u.i == b->u.i;
        if (a->type == ORM_V_REAL && b->type == ORM_V_REAL) return a->u.r == b->u.r;
        if (a->type == ORM_V_REAL) return int_equals_real(b->u.i, a->u.r);
        return int_equals_real(a->u.i, b->u.r);
    }
    if (a->type != b->type) return 0;
    switch (a->type) {
    case ORM_V_NULL:
        return 1;
    case ORM_V_TEXT:
    case ORM_V_BLOB:
        return a->len == b->len && (a->len == 0 || memcmp(a->u.s, b->u.s, a->len) == 0);
    default:
        return 0;
    }
}

static uint64_t mix64(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ULL;
    x ^= x >> 33;
    return x;
}

/* Equal numbers hash alike: a REAL holding an integral value hashes as that
 * integer, so INT 1, BOOL true and REAL 1.0 collide on purpose. */
uint64_t orm_value_hash(const orm_value *v)
{
    uint64_t h;
    switch (v->type) {
    case ORM_V_INT:
    case ORM_V_BOOL:
        return mix64((uint64_t)v->u.i);
    case ORM_V_REAL:
        if (v->u.r >= -9223372036854775808.0 && v->u.r < 9223372036854775808.0 &&
            v->u.r == floor(v->u.r))
            return mix64((uint64_t)(int64_t)v->u.r);
        memcpy(&h, &v->u.r, sizeof h);
        return mix64(h ^ 0x9e3779b97f4a7c15ULL);
    case ORM_V_TEXT:
    case ORM_V_BLOB:
        h = v->type == ORM_V_TEXT ? 0xcbf29ce484222325ULL : 0x84222325cbf29ce4ULL;
        for (size_t i = 0; i < v->len; i++) {
            h ^= (unsigned char)v->u.s[i];
            h *= 0x100000001b3ULL;
        }
        return mix64(h);
    case ORM_V_NULL:
    default:
        return 0x6e756c6cULL;
    }
}

/* The shortest %g form that reads back as the same double, with ".0" added
 * to integral values so a float never looks like an integer (1.0, 2.5). */
/* The locale's decimal point, when it is not '.', turned into '.'. */
static void fix_point(char *buf)
{
    char dp = localeconv()->decimal_point[0];
    char *q;
    if (dp != '.' && (q = strchr(buf, dp)) != NULL) *q = '.';
}

size_t orm_double_shortest(char *buf, double d)
{
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(buf, ORM_DOUBLE_CAP, "%.*g", prec, d);
        if (strtod(buf, NULL) == d) break; /* (17 digits always read back) */
    }
    fix_point(buf);
    return strlen(buf);
}

size_t orm_double_decimal(char *buf, double d, int scale)
{
    assert(isfinite(d) && scale <= 40);
    if (scale >= 0) {
        snprintf(buf, ORM_DECIMAL_CAP, "%.*f", scale, d);
        fix_point(buf);
        return strlen(buf);
    }
    char sh[ORM_DOUBLE_CAP], dig[ORM_DOUBLE_CAP], *p = sh, *q = buf, *e;
    orm_double_shortest(sh, d);
    if ((e = strchr(sh, 'e')) == NULL) {
        memcpy(buf, sh, strlen(sh) + 1);
        return strlen(buf);
    }
    *e = '\0';
    if (*p == '-') *q++ = *p++;
    int nd = 0, point = -1;
    for (; *p; p++) {
        if (*p == '.')
            point = nd;
        else
            dig[nd++] = *p;
    }
    if (point < 0) point = nd;
    point += atoi(e + 1); /* digits before the point */
    if (point <= 0) {
        *q++ = '0';
        *q++ = '.';
        for (int i = point; i < 0; i++)
            *q++ = '0';
        memcpy(q, dig, (size_t)nd);
        q += nd;
    } else {
        for (int i = 0; i < point || i < nd; i++) {
            if (i == point) *q++ = '.';
            *q++ = i < nd ? dig[i] : '0';
        }
    }
    *q = '\0';
    return (size_t)(q - buf);
}

static void describe_real(orm_buf *b, double r)
{
    char tmp[ORM_DOUBLE_CAP];
    if (isnan(r)) {
        orm_buf_puts(b, "nan");
        return;
    }
    if (isinf(r)) {
        orm_buf_puts(b, r < 0 ? "-inf" : "inf");
        return;
    }
    orm_double_shortest(tmp, r);
    orm_buf_puts(b, tmp);
    if (strspn(tmp, "-0123456789") == strlen(tmp)) orm_buf_puts(b, ".0");
}

static void describe_text(orm_buf *b, const char *s, size_t n)
{
    orm_buf_putc(b, '"');
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        switch (c) {
        case '"':
            orm_buf_puts(b, "\\\"");
            break;
        case '\\':
            orm_buf_puts(b, "\\\\");
            break;
        case '\n':
            orm_buf_puts(b, "\\n");
            break;
        case '\r':
            orm_buf_puts(b, "\\r");
            break;
        case '\t':
            orm_buf_puts(b, "\\t");
            break;
        default:
            if (c < 0x20 || c == 0x7f)
                orm_buf_printf(b, "\\x%02x", c);
            else
                orm_buf_putc(b, (char)c);
        }
    }
    orm_buf_putc(b, '"');
}

int orm_value_describe(orm_buf *b, const orm_value *v)
{
    switch (v->type) {
    case ORM_V_NULL:
        orm_buf_puts(b, "NULL");
        break;
    case ORM_V_INT:
        orm_buf_printf(b, "%lld", (long long)v->u.i);
        break;
    case ORM_V_REAL:
        describe_real(b, v->u.r);
        break;
    case ORM_V_TEXT:
        describe_text(b, v->u.s, v->len);
        break;
    case ORM_V_BLOB:
        orm_buf_printf(b, "<blob %zu bytes>", v->len);
        break;
    case ORM_V_BOOL:
        orm_buf_puts(b, v->u.i ? "true" : "false");
        break;
    }
    return b->oom ? ORM_ENOMEM : ORM_OK;
}
