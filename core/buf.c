/* buf.c — the growable, always NUL-terminated byte buffer of buf.h. A failed
 * allocation sets b->oom and turns every later append into a no-op, so SQL
 * builders append freely and check once at the end. */
#include "buf.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void orm_buf_init(orm_buf *b)
{
    b->p = NULL;
    b->len = 0;
    b->cap = 0;
    b->oom = 0;
}

void orm_buf_free(orm_buf *b)
{
    free(b->p);
    orm_buf_init(b);
}

void orm_buf_reset(orm_buf *b)
{
    b->len = 0;
    b->oom = 0;
    if (b->p) b->p[0] = '\0';
}

/* Makes room for extra more bytes plus the NUL. 0, or -1 with oom set. */
static int grow(orm_buf *b, size_t extra)
{
    if (b->oom) return -1;
    if (extra > SIZE_MAX - b->len - 1) {
        b->oom = 1;
        return -1;
    }
    size_t need = b->len + extra + 1;
    if (need <= b->cap) return 0;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < need)
        cap = cap > SIZE_MAX / 2 ? need : cap * 2;
    char *p = realloc(b->p, cap);
    if (!p) {
        b->oom = 1;
        return -1;
    }
    b->p = p;
    b->cap = cap;
    return 0;
}

void orm_buf_append(orm_buf *b, const char *s, size_t n)
{
    if (grow(b, n) < 0) return;
    if (n) memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

void orm_buf_puts(orm_buf *b, const char *s)
{
    orm_buf_append(b, s, strlen(s));
}

void orm_buf_putc(orm_buf *b, char c)
{
    orm_buf_append(b, &c, 1);
}

void orm_buf_vprintf(orm_buf *b, const char *fmt, va_list ap)
{
    if (grow(b, 0) < 0) return;
    va_list ap2;
    va_copy(ap2, ap);
    size_t room = b->cap - b->len;
    int n = vsnprintf(b->p + b->len, room, fmt, ap2);
    va_end(ap2);
    if (n < 0) {
        b->p[b->len] = '\0';
        return;
    }
    if ((size_t)n >= room) {
        if (grow(b, (size_t)n) < 0) {
            b->p[b->len] = '\0';
            return;
        }
        va_copy(ap2, ap);
        vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap2);
        va_end(ap2);
    }
    b->len += (size_t)n;
}

void orm_buf_printf(orm_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    orm_buf_vprintf(b, fmt, ap);
    va_end(ap);
}

const char *orm_buf_str(const orm_buf *b)
{
    return b->p ? b->p : "";
}

char *orm_buf_detach(orm_buf *b)
{
    char *p = NULL;
    if (!b->oom) {
        p = b->p ? b->p : calloc(1, 1);
        b->p = NULL;
    }
    orm_buf_free(b);
    return p;
}
