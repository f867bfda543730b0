/* sqlcache.c — the cache of sqlcache.h. A select is written as a
 * shape: a row of 64-bit words naming, in a fixed walk order, every node's
 * kind, operator and flags, the tables and columns it refers to, its names,
 * and for a bound value only its kind (the compiler writes "IS NULL" for a
 * NULL, and divides integers by integers with the dialect's int_div); the
 * bound values met on the way are collected in the same order. An entry
 * keeps a shape, its SQL text and, for each parameter
 * of the text, which collected value (or the LIMIT / OFFSET) it is, learnt
 * from the first compile by the values' addresses. Tables are compared by
 * address: a cache belongs to one metadata (the bindings keep one per db and
 * one per model class). A caller may also file an entry under a key of its
 * own (starting with a 0 word, which no shape does) with the values in an
 * order of its own: the bindings' lazy filter_by queries, which have no tree
 * until they need one. */
#include "sqlcache.h"

#include <stdlib.h>
#include <string.h>

#define MAXWORDS 512
#define NBUCKETS 256
#define MAXENTRIES 512 /* more: the cache starts over */

enum { P_LIMIT = -1, P_OFFSET = -2 };

typedef struct entry {
    struct entry *next;
    uint64_t hash;
    int nwords, nparams;
    const uint64_t *words;
    const signed char *map; /* per parameter: index of a collected value, P_LIMIT, P_OFFSET */
    const char *sql;
} entry;

struct orm_sqlcache {
    entry *buckets[NBUCKETS];
    int nentries;
};

typedef struct shape {
    uint64_t w[MAXWORDS];
    int n;
    int ok;
    const orm_value *binds[ORM_SQLC_MAXPARAMS];
    int nb;
} shape;

static void put(shape *sh, uint64_t w)
{
    if (sh->n == MAXWORDS) {
        sh->ok = 0;
        return;
    }
    sh->w[sh->n++] = w;
}

static void put_str(shape *sh, const char *s)
{
    if (!s) {
        put(sh, ~(uint64_t)0);
        return;
    }
    size_t len = strlen(s);
    if (len > 8 * MAXWORDS) {
        sh->ok = 0;
        return;
    }
    put(sh, len);
    while (sh->ok && len > 0) {
        uint64_t w = 0;
        size_t k = len < 8 ? len : 8;
        memcpy(&w, s, k);
        put(sh, w);
        s += k;
        len -= k;
    }
}

static void put_expr(shape *sh, const orm_expr *e)
{
    if (!sh->ok) return;
    if (!e) {
        put(sh, 0);
        return;
    }
    if ((unsigned)e->nargs > 0xffffffu) {
        sh->ok = 0;
        return;
    }
    put(sh, ((uint64_t)e->kind + 1) | (uint64_t)(e->op & 0xff) << 8 |
                (uint64_t)(e->desc != 0) << 16 | (uint64_t)(e->flags & 0xff) << 24 |
                (uint64_t)(unsigned char)e->escape << 32 | (uint64_t)e->nargs << 40);
    switch (e->kind) {
    case ORM_X_COLUMN:
        if (e->from) sh->ok = 0; /* a column of an alias: named per statement */
        put(sh, (uint64_t)(uintptr_t)e->table);
        put(sh, (uint64_t)(int64_t)e->col);
        break;
    case ORM_X_BIND:
        put(sh, (uint64_t)e->value.type);
        if (sh->nb == ORM_SQLC_MAXPARAMS)
            sh->ok = 0;
        else
            sh->binds[sh->nb++] = &e->value;
        break;
    case ORM_X_FUNC:
    case ORM_X_LABEL:
    case ORM_X_TEXT:
        put_str(sh, e->name);
        break;
    case ORM_X_CAST:
        put(sh, (uint64_t)e->type.kind | (uint64_t)(uint32_t)e->type.length << 32);
        put(sh, (uint64_t)(uint32_t)e->type.precision | (uint64_t)(uint32_t)e->type.scale << 32);
        break;
    case ORM_X_SELECT: /* correlation and naming depend on the enclosing statement */
    case ORM_X_SUBCOL:
        sh->ok = 0;
        return;
    default:
        break;
    }
    for (int i = 0; sh->ok && i < e->nargs; i++)
        put_expr(sh, e->args[i]);
}

static void put_list(shape *sh, orm_expr *const *v, int n)
{
    put(sh, (uint64_t)n);
    for (int i = 0; sh->ok && i < n; i++)
        put_expr(sh, v[i]);
}

static void put_select(shape *sh, const orm_dialect *d, const orm_select *s, int count)
{
    put(sh, (uint64_t)(uintptr_t)d);
    put(sh, (uint64_t)(count != 0) | (uint64_t)(s->distinct != 0) << 1 |
                (uint64_t)(s->select_one != 0) << 2 | (uint64_t)(s->limit >= 0) << 3 |
                (uint64_t)(s->offset >= 0) << 4 | (uint64_t)s->lock << 5);
    if (s->nfroms) sh->ok = 0;
    put_list(sh, s->columns, s->ncolumns);
    put(sh, (uint64_t)(uintptr_t)s->from);
    put(sh, (uint64_t)s->njoins);
    for (int i = 0; sh->ok && i < s->njoins; i++) {
        const orm_join *j = &s->joins[i];
        if (j->item) sh->ok = 0;
        put(sh, (uint64_t)(uintptr_t)j->table);
        put(sh, (uint64_t)(j->outer != 0));
        put_expr(sh, j->on);
    }
    put_expr(sh, s->where);
    put_list(sh, s->group_by, s->ngroup);
    put_expr(sh, s->having);
    put_list(sh, s->order_by, s->norder);
}

static uint64_t hash_words(const uint64_t *w, int n)
{
    uint64_t h = 0x9e3779b97f4a7c15ULL ^ (uint64_t)n;
    for (int i = 0; i < n; i++) {
        h ^= w[i];
        h *= 0xff51afd7ed558ccdULL;
        h ^= h >> 29;
    }
    return h;
}

orm_sqlcache *orm_sqlcache_new(void)
{
    return calloc(1, sizeof(orm_sqlcache));
}

static void clear(orm_sqlcache *c)
{
    for (int i = 0; i < NBUCKETS; i++) {
        entry *e = c->buckets[i], *next;
        for (; e; e = next) {
            next = e->next;
            free(e);
        }
        c->buckets[i] = NULL;
    }
    c->nentries = 0;
}

void orm_sqlcache_free(orm_sqlcache *c)
{
    if (!c) return;
    clear(c);
    free(c);
}

void orm_sqlrun_free(orm_sqlrun *r)
{
    orm_compiled_free(&r->comp);
    r->sql = NULL;
    r->params = NULL;
    r->nparams = 0;
}

/* Fills out from entry e: the values in binds (in walk / key order), LIMIT
 * and OFFSET. */
static void hit(orm_sqlrun *out, const entry *e, const orm_value *const *binds, int64_t limit,
                int64_t offset)
{
    orm_value_int(&out->lim[0], limit);
    orm_value_int(&out->lim[1], offset);
    for (int i = 0; i < e->nparams; i++) {
        int m = e->map[i];
        out->pv[i] = m >= 0 ? binds[m] : m == P_LIMIT ? &out->lim[0] : &out->lim[1];
    }
    out->sql = e->sql;
    out->params = out->pv;
    out->nparams = (size_t)e->nparams;
}

static const entry *find(const orm_sqlcache *c, const uint64_t *w, int n, uint64_t h)
{
    for (const entry *e = c->buckets[h & (NBUCKETS - 1)]; e; e = e->next)
        if (e->hash == h && e->nwords == n && memcmp(e->words, w, (size_t)n * sizeof *w) == 0)
            return e;
    return NULL;
}

/* Where each parameter of run (compiled from s) comes from: which of
 * binds[0..nb), or s's LIMIT / OFFSET. 0, or -1 when any is unclear. */
static int map_params(const orm_sqlrun *run, const orm_value *const *binds, int nb,
                      const orm_select *s, signed char *map)
{
    size_t np = run->nparams;
    if (np > ORM_SQLC_MAXPARAMS + 2) return -1;
    for (int i = 0; i < nb; i++) /* one node used twice: positions unclear */
        for (int j = 0; j < i; j++)
            if (binds[i] == binds[j]) return -1;
    const orm_compiled *comp = &run->comp;
    size_t nown = (size_t)(s->limit >= 0) + (size_t)(s->offset >= 0);
    if (run->params == comp->params && comp->nowned != nown) return -1;
    for (size_t i = 0; i < np; i++) {
        const orm_value *p = run->params[i];
        int m = -100;
        for (int k = 0; k < nb && m == -100; k++)
            if (binds[k] == p) m = k;
        if (m == -100 && run->params == comp->params) { /* compiled: its own values */
            for (size_t k = 0; k < nown && m == -100; k++)
                if (comp->owned[k] == p) m = (k == 0 && s->limit >= 0) ? P_LIMIT : P_OFFSET;
        } else if (m == -100) { /* from the cache */
            m = p == &run->lim[0] ? P_LIMIT : p == &run->lim[1] ? P_OFFSET : -100;
        }
        if (m == -100) return -1;
        map[i] = (signed char)m;
    }
    return 0;
}

/* Keeps an entry for the words w (hash h): the text sql and the map. */
static void store(orm_sqlcache *c, const uint64_t *w, int nw, uint64_t h, const signed char *map,
                  size_t np, const char *sql)
{
    size_t wbytes = (size_t)nw * sizeof(uint64_t);
    size_t len = strlen(sql);
    entry *e = malloc(sizeof *e + wbytes + np + len + 1);
    if (!e) return;
    uint64_t *words = (uint64_t *)(e + 1);
    memcpy(words, w, wbytes);
    signed char *m = (signed char *)words + wbytes;
    memcpy(m, map, np);
    char *text = (char *)m + np;
    memcpy(text, sql, len + 1);
    e->hash = h;
    e->nwords = nw;
    e->nparams = (int)np;
    e->words = words;
    e->map = m;
    e->sql = text;
    if (c->nentries >= MAXENTRIES) clear(c);
    entry **b = &c->buckets[h & (NBUCKETS - 1)];
    e->next = *b;
    *b = e;
    c->nentries++;
}

int orm_sqlcache_get_keyed(orm_sqlcache *c, const uint64_t *key, int nkey,
                           const orm_value *const *vals, int64_t limit, int64_t offset,
                           orm_sqlrun *out)
{
    out->sql = NULL;
    out->params = NULL;
    out->nparams = 0;
    orm_compiled_init(&out->comp);
    if (c == NULL || nkey < 1 || key[0] != 0) return 0;
    const entry *e = find(c, key, nkey, hash_words(key, nkey));
    if (e == NULL) return 0;
    hit(out, e, vals, limit, offset);
    return 1;
}

void orm_sqlcache_put_keyed(orm_sqlcache *c, const uint64_t *key, int nkey,
                            const orm_value *const *vals, int nvals, const orm_select *s,
                            const orm_sqlrun *run)
{
    signed char map[ORM_SQLC_MAXPARAMS + 2];
    if (c == NULL || nkey < 1 || nkey > MAXWORDS || key[0] != 0 || nvals > ORM_SQLC_MAXPARAMS ||
        map_params(run, vals, nvals, s, map) < 0)
        return;
    uint64_t h = hash_words(key, nkey);
    if (find(c, key, nkey, h) == NULL) store(c, key, nkey, h, map, run->nparams, run->sql);
}

int orm_sqlcache_compile(orm_sqlcache *c, const orm_dialect *d, const orm_select *s, int count,
                         orm_sqlrun *out, orm_error *err)
{
    out->sql = NULL;
    out->params = NULL;
    out->nparams = 0;
    orm_compiled_init(&out->comp);
    shape sh;
    sh.n = sh.nb = 0;
    sh.ok = c != NULL;
    uint64_t h = 0;
    if (sh.ok) {
        put_select(&sh, d, s, count);
        if (sh.ok) {
            h = hash_words(sh.w, sh.n);
            const entry *e = find(c, sh.w, sh.n, h);
            if (e) {
                hit(out, e, sh.binds, s->limit, s->offset);
                return ORM_OK;
            }
        }
    }
    int rc = count ? orm_compile_count(d, s, &out->comp, err)
                   : orm_compile_select(d, s, &out->comp, err);
    if (rc < 0) return rc;
    out->sql = orm_buf_str(&out->comp.sql);
    out->params = out->comp.params;
    out->nparams = out->comp.nparams;
    signed char map[ORM_SQLC_MAXPARAMS + 2];
    if (sh.ok && map_params(out, sh.binds, sh.nb, s, map) == 0)
        store(c, sh.w, sh.n, h, map, out->nparams, out->sql);
    return ORM_OK;
}
