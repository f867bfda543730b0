/* l_fixture_io.h — the byte-level parts of JSON fixture files (l_fixture_io.c):
 * reading the top-level array one element at a time (so a file of a million
 * records never sits in memory whole) and base64 for LargeBinary values. */
#ifndef L_FIXTURE_IO_H
#define L_FIXTURE_IO_H

#include <stdio.h>

#include "buf.h"

typedef struct l_fxreader {
    FILE *f; /* borrowed */
    char buf[65536];
    size_t len, pos;
    long long offset; /* of buf[0] in the file */
    int state;        /* 0 before '[', 1 inside the array, 2 after ']' */
    char err[160];    /* what is wrong, when next returns -1 */
} l_fxreader;

/* Starts reading f from its current position. */
void l_fxreader_init(l_fxreader *r, FILE *f);
/* The next element of the top-level array as JSON text in out (reset
 * first): 1, 0 at the end of the array (nothing but white space may follow),
 * -1 with r->err set when the file is not a JSON array of values. */
int l_fxreader_next(l_fxreader *r, orm_buf *out);

/* Appends the base64 text of n bytes at p to out. */
void l_base64_encode(orm_buf *out, const unsigned char *p, size_t n);
/* Decodes base64 text s (n bytes, padding optional, no white space) into
 * out (appended). 0, or -1 when s is not base64. */
int l_base64_decode(orm_buf *out, const char *s, size_t n);

#endif
