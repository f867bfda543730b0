/* value.h — the tagged SQL value (null, integer, real, text, blob, boolean)
 * that every layer passes around. A value owns its text/blob bytes, except
 * a borrowed one (an object's values whose bytes live in the object's own
 * block, see orm_object_new_row): clearing it leaves the bytes alone. */
#ifndef ORM_VALUE_H
#define ORM_VALUE_H

#include <stddef.h>
#include <stdint.h>

typedef enum {
    ORM_V_NULL = 0,
    ORM_V_INT,
    ORM_V_REAL,
    ORM_V_TEXT,
    ORM_V_BLOB,
    ORM_V_BOOL,
} orm_vtype;

typedef struct orm_value {
    orm_vtype type;
    /* TEXT/BLOB: u.s is not the value's own (orm_value_clear does not free
     * it; copies own theirs). 0 in values made by this file's setters. */
    unsigned char borrowed;
    /* TEXT read from a NUMERIC/DECIMAL result column (the drivers set it):
     * the value's exact decimal digits. Meaningful only with type TEXT. */
    unsigned char decimal;
    size_t len; /* bytes of u.s for TEXT/BLOB (TEXT is also NUL-terminated) */
    union {
        int64_t i; /* INT, and BOOL as 0/1 */
        double r;
        char *s; /* TEXT, BLOB: owned (unless borrowed), freed by orm_value_clear */
    } u;
} orm_value;

#define ORM_VALUE_NULL ((orm_value){.type = ORM_V_NULL})

/* Frees owned bytes (not borrowed ones) and leaves v as NULL. Safe on a
 * NULL value. */
void orm_value_clear(orm_value *v);
static inline void orm_value_int(orm_value *v, int64_t i)
{
    v->type = ORM_V_INT;
    v->borrowed = 0;
    v->len = 0;
    v->u.i = i;
}
static inline void orm_value_real(orm_value *v, double r)
{
    v->type = ORM_V_REAL;
    v->borrowed = 0;
    v->len = 0;
    v->u.r = r;
}
static inline void orm_value_bool(orm_value *v, int b)
{
    v->type = ORM_V_BOOL;
    v->borrowed = 0;
    v->len = 0;
    v->u.i = b != 0;
}
/* Copies n bytes (NUL-terminated copy). v must be cleared (or NULL) first.
 * Returns 0, or ORM_ENOMEM leaving v NULL. */
int orm_value_set_text(orm_value *v, const char *s, size_t n);
int orm_value_set_blob(orm_value *v, const void *p, size_t n);
/* Deep copy; dst is overwritten (not cleared first). 0 or ORM_ENOMEM. */
int orm_value_copy(orm_value *dst, const orm_value *src);
/* Moves src into dst (dst cleared first); src becomes NULL. A borrowed
 * src stays borrowed: move it only where its bytes' owner outlives dst. */
void orm_value_move(orm_value *dst, orm_value *src);
/* 1 when equal by type and content (INT 1 and BOOL true are equal; INT and REAL
 * compare numerically). */
int orm_value_equal(const orm_value *a, const orm_value *b);
uint64_t orm_value_hash(const orm_value *v);
/* Appends a readable literal for echo/error output: NULL, 42, 1.5, "text"
 * (quotes escaped), <blob 12 bytes>, true/false. Returns 0 or ORM_ENOMEM. */
struct orm_buf;
int orm_value_describe(struct orm_buf *b, const orm_value *v);

/* Text of a finite double d: the shortest %g form (15 to 17 significant
 * digits) that reads back as d, with '.' as the point whatever the locale
 * ("0.99", "1e+16"). buf holds at least ORM_DOUBLE_CAP bytes. Returns the
 * length. */
#define ORM_DOUBLE_CAP 32
size_t orm_double_shortest(char *buf, double d);
/* A finite double d as a plain decimal, never with an exponent: with
 * scale >= 0 rounded to that many decimals ("%.*f"), else the digits of
 * orm_double_shortest written out ("1e+16" -> "10000000000000000"). buf
 * holds at least ORM_DECIMAL_CAP bytes (scale at most 40). Returns the
 * length. */
#define ORM_DECIMAL_CAP 400
size_t orm_double_decimal(char *buf, double d, int scale);

#endif
