/* l_fixture_io.c — streaming the elements of a JSON array out of a file,
 * and base64 (RFC 4648, standard alphabet) for fixture blobs. */
#include "l_fixture_io.h"

#include <string.h>

void l_fxreader_init(l_fxreader *r, FILE *f)
{
    memset(r, 0, sizeof *r);
    r->f = f;
}

/* The next byte, or -1 at the end of the file. */
static int getb(l_fxreader *r)
{
    if (r->pos == r->len) {
        r->offset += (long long)r->len;
        r->len = fread(r->buf, 1, sizeof r->buf, r->f);
        r->pos = 0;
        if (r->len == 0) return -1;
    }
    return (unsigned char)r->buf[r->pos++];
}

static int is_ws(int c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static int skip_ws(l_fxreader *r)
{
    int c;
    while ((c = getb(r)) >= 0 && is_ws(c)) {
    }
    return c;
}

static int fail(l_fxreader *r, const char *what)
{
    snprintf(r->err, sizeof r->err, "%s (at byte %lld)", what, r->offset + (long long)r->pos);
    return -1;
}

int l_fxreader_next(l_fxreader *r, orm_buf *out)
{
    orm_buf_reset(out);
    int c;
    if (r->state == 2) return 0;
    if (r->state == 0) {
        c = skip_ws(r);
        if (c != '[')
            return fail(r, c < 0 ? "empty file, expected a JSON array"
                                 : "not JSON: expected a list [ ... ] of records");
        r->state = 1;
        c = skip_ws(r);
        if (c == ']') goto closed;
    } else {
        c = skip_ws(r);
    }
    int depth = 0, in_str = 0, esc = 0;
    for (;; c = getb(r)) {
        if (c < 0) return fail(r, "not JSON: the file ends inside the list");
        if (in_str) {
            if (esc)
                esc = 0;
            else if (c == '\\')
                esc = 1;
            else if (c == '"')
                in_str = 0;
        } else if (c == '"') {
            in_str = 1;
        } else if (c == '{' || c == '[') {
            depth++;
        } else if (c == '}' || c == ']') {
            if (depth == 0) {
                if (c == '}') return fail(r, "not JSON: unbalanced '}'");
                goto last; /* the array's own ']' */
            }
            depth--;
        } else if (c == ',' && depth == 0) {
            break;
        }
        orm_buf_putc(out, (char)c);
    }
    if (out->len == 0) return fail(r, "not JSON: an empty element in the list");
    return 1;
last:
    if (out->len == 0) return fail(r, "not JSON: an empty element in the list");
    r->state = 2;
    if (skip_ws(r) >= 0) return fail(r, "not JSON: text after the closing ]");
    return 1;
closed:
    r->state = 2;
    if (skip_ws(r) >= 0) return fail(r, "not JSON: text after the closing ]");
    return 0;
}

static const char B64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

void l_base64_encode(orm_buf *out, const unsigned char *p, size_t n)
{
    size_t i = 0;
    for (; i + 2 < n; i += 3) {
        unsigned v = (unsigned)p[i] << 16 | (unsigned)p[i + 1] << 8 | p[i + 2];
        char q[4] = {B64[v >> 18], B64[v >> 12 & 63], B64[v >> 6 & 63], B64[v & 63]};
        orm_buf_append(out, q, 4);
    }
    if (i < n) {
        unsigned v = (unsigned)p[i] << 16 | (i + 1 < n ? (unsigned)p[i + 1] << 8 : 0);
        char q[4] = {B64[v >> 18], B64[v >> 12 & 63], i + 1 < n ? B64[v >> 6 & 63] : '=', '='};
        orm_buf_append(out, q, 4);
    }
}

static int b64val(char c)
{
    const char *p = c ? strchr(B64, c) : NULL;
    return p ? (int)(p - B64) : -1;
}

int l_base64_decode(orm_buf *out, const char *s, size_t n)
{
    while (n > 0 && s[n - 1] == '=')
        n--;
    if (n % 4 == 1) return -1;
    unsigned acc = 0;
    int bits = 0;
    for (size_t i = 0; i < n; i++) {
        int v = b64val(s[i]);
        if (v < 0) return -1;
        acc = (acc << 6 | (unsigned)v) & 0xFFFFFF;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            orm_buf_putc(out, (char)(acc >> bits & 0xFF));
        }
    }
    return 0;
}
