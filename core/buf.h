/* buf.h — a growable byte buffer, always NUL-terminated, used to build SQL
 * text and messages. A failed allocation sets the buffer's oom flag; every
 * later append is a no-op, so callers check once at the end. */
#ifndef ORM_BUF_H
#define ORM_BUF_H

#include <stdarg.h>
#include <stddef.h>

typedef struct orm_buf {
    char *p;    /* NULL until first append; NUL-terminated when non-NULL */
    size_t len; /* bytes used, excluding the NUL */
    size_t cap;
    int oom; /* set by a failed allocation */
} orm_buf;

#define ORM_BUF_INIT                                                                               \
    {                                                                                              \
        NULL, 0, 0, 0                                                                              \
    }

void orm_buf_init(orm_buf *b);
void orm_buf_free(orm_buf *b);  /* frees storage, back to init state */
void orm_buf_reset(orm_buf *b); /* len = 0, keeps storage, clears oom */
void orm_buf_append(orm_buf *b, const char *s, size_t n);
void orm_buf_puts(orm_buf *b, const char *s);
void orm_buf_putc(orm_buf *b, char c);
void orm_buf_printf(orm_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void orm_buf_vprintf(orm_buf *b, const char *fmt, va_list ap);
/* The text ("" when empty). Valid until the next append or free. */
const char *orm_buf_str(const orm_buf *b);
/* Transfers ownership of the malloc'ed text to the caller (NULL on oom);
 * the buffer is left empty. */
char *orm_buf_detach(orm_buf *b);

#endif
