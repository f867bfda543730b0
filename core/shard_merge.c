/* shard_merge.c — merging what a query read on every shard: the ORDER BY
 * order of rows from different shards (a stable merge sort of row indices)
 * and count/sum/min/max folded across shards (shard.h). */
#include <assert.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "shard.h"

static int is_number(const orm_value *v)
{
    return v->type == ORM_V_INT || v->type == ORM_V_REAL || v->type == ORM_V_BOOL ||
           (v->type == ORM_V_TEXT && v->decimal);
}

static double as_double(const orm_value *v)
{
    if (v->type == ORM_V_REAL) return v->u.r;
    if (v->type == ORM_V_TEXT) return strtod(v->u.s, NULL);
    return (double)v->u.i;
}

int orm_shard_value_cmp(const orm_value *a, const orm_value *b)
{
    if (a->type == ORM_V_NULL || b->type == ORM_V_NULL)
        return (a->type != ORM_V_NULL) - (b->type != ORM_V_NULL);
    if (is_number(a) && is_number(b)) {
        if ((a->type == ORM_V_INT || a->type == ORM_V_BOOL) &&
            (b->type == ORM_V_INT || b->type == ORM_V_BOOL))
            return (a->u.i > b->u.i) - (a->u.i < b->u.i);
        double x = as_double(a), y = as_double(b);
        return (x > y) - (x < y);
    }
    if (is_number(a) != is_number(b)) return is_number(a) ? -1 : 1; /* numbers before text */
    if ((a->type == ORM_V_BLOB) != (b->type == ORM_V_BLOB)) return a->type == ORM_V_BLOB ? 1 : -1;
    size_t n = a->len < b->len ? a->len : b->len;
    int c = n ? memcmp(a->u.s, b->u.s, n) : 0;
    if (c) return c;
    return (a->len > b->len) - (a->len < b->len);
}

typedef struct merge_ctx {
    int nkeys;
    const orm_value *keys;
    const int *desc;
} merge_ctx;

static int row_cmp(const merge_ctx *m, size_t x, size_t y)
{
    for (int k = 0; k < m->nkeys; k++) {
        int c = orm_shard_value_cmp(&m->keys[x * (size_t)m->nkeys + (size_t)k],
                                    &m->keys[y * (size_t)m->nkeys + (size_t)k]);
        if (c) return m->desc[k] ? -c : c;
    }
    return 0;
}

/* Stable merge sort of a[0..n) using tmp. */
static void msort(const merge_ctx *m, size_t *a, size_t *tmp, size_t n)
{
    if (n < 2) return;
    size_t h = n / 2;
    msort(m, a, tmp, h);
    msort(m, a + h, tmp, n - h);
    size_t i = 0, j = h, k = 0;
    while (i < h && j < n)
        tmp[k++] = row_cmp(m, a[j], a[i]) < 0 ? a[j++] : a[i++];
    while (i < h)
        tmp[k++] = a[i++];
    while (j < n)
        tmp[k++] = a[j++];
    memcpy(a, tmp, n * sizeof *a);
}

int orm_shard_merge(size_t n, int nkeys, const orm_value *keys, const int *desc, size_t *order)
{
    assert(nkeys >= 0 && (n == 0 || order));
    if (n < 2 || nkeys == 0) return ORM_OK;
    size_t *tmp = malloc(n * sizeof *tmp);
    if (tmp == NULL) return ORM_ENOMEM;
    merge_ctx m = {nkeys, keys, desc};
    msort(&m, order, tmp, n);
    free(tmp);
    return ORM_OK;
}

orm_agg orm_shard_agg(const char *func)
{
    static const struct {
        const char *name;
        orm_agg agg;
    } names[] = {
        {"count", ORM_AGG_COUNT}, {"sum", ORM_AGG_SUM}, {"min", ORM_AGG_MIN}, {"max", ORM_AGG_MAX}};
    for (size_t i = 0; func && i < sizeof names / sizeof names[0]; i++)
        if (strcasecmp(func, names[i].name) == 0) return names[i].agg;
    return ORM_AGG_NONE;
}

/* A decimal text that has no fraction and fits an int64. */
static int whole_decimal(const orm_value *v, int64_t *out)
{
    char *end;
    long long x = strtoll(v->u.s, &end, 10);
    if (*end != '\0' || end == v->u.s) return 0;
    *out = x;
    return 1;
}

static int add(orm_value *acc, const orm_value *v)
{
    int64_t r; /* not into acc: an overflowing add stores the wrapped sum */
    if (acc->type == ORM_V_INT && v->type == ORM_V_INT &&
        !__builtin_add_overflow(acc->u.i, v->u.i, &r)) {
        acc->u.i = r;
        return ORM_OK;
    }
    int decimal =
        (acc->type == ORM_V_TEXT && acc->decimal) || (v->type == ORM_V_TEXT && v->decimal);
    int64_t x, y;
    if (decimal && acc->type == ORM_V_TEXT && v->type == ORM_V_TEXT && whole_decimal(acc, &x) &&
        whole_decimal(v, &y) && !__builtin_add_overflow(x, y, &x)) {
        char buf[ORM_DOUBLE_CAP];
        int len = snprintf(buf, sizeof buf, "%lld", (long long)x);
        orm_value_clear(acc);
        if (orm_value_set_text(acc, buf, (size_t)len) < 0) return ORM_ENOMEM;
        acc->decimal = 1;
        return ORM_OK;
    }
    double sum = as_double(acc) + as_double(v);
    orm_value_clear(acc);
    if (!decimal) {
        orm_value_real(acc, sum);
        return ORM_OK;
    }
    char buf[ORM_DECIMAL_CAP];
    size_t len = orm_double_decimal(buf, sum, -1);
    if (orm_value_set_text(acc, buf, len) < 0) return ORM_ENOMEM;
    acc->decimal = 1;
    return ORM_OK;
}

/* A deep copy that keeps the decimal mark. */
static int copy(orm_value *dst, const orm_value *src)
{
    int rc = orm_value_copy(dst, src);
    if (rc == ORM_OK && dst->type == ORM_V_TEXT) dst->decimal = src->decimal;
    return rc;
}

int orm_shard_fold(orm_agg agg, orm_value *acc, const orm_value *v)
{
    assert(agg != ORM_AGG_NONE);
    if (v->type == ORM_V_NULL) return ORM_OK;
    if (acc->type == ORM_V_NULL) return copy(acc, v);
    switch (agg) {
    case ORM_AGG_COUNT:
    case ORM_AGG_SUM:
        if (!is_number(acc) || !is_number(v)) return ORM_OK; /* not a number: first wins */
        return add(acc, v);
    case ORM_AGG_MIN:
    case ORM_AGG_MAX: {
        int c = orm_shard_value_cmp(v, acc);
        if ((agg == ORM_AGG_MIN && c < 0) || (agg == ORM_AGG_MAX && c > 0)) {
            orm_value_clear(acc);
            return copy(acc, v);
        }
        return ORM_OK;
    }
    default:
        return ORM_OK;
    }
}
