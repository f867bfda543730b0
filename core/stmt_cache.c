/* stmt_cache.c — prepared statements keyed by their SQL text. Every statement
 * the cache prepared has an entry in a chained hash table; idle entries also
 * sit on an LRU list (most recent first) of at most `capacity` entries. An
 * entry in use is never handed out again, and in steady state acquire and
 * release allocate nothing. checkout / checkin are acquire / release by the
 * entry (cursors keep it instead of a copy of the SQL). A few recent
 * lookups are remembered by the address of the caller's SQL text, so that
 * text kept by its caller (compiled once, run often) is compared but not
 * hashed again; the text still decides. */
#include "stmt_cache.h"

#include <stdlib.h>
#include <string.h>

typedef struct orm_stmt_entry {
    char *sql;
    uint64_t hash;
    orm_stmt *stmt;
    int in_use;
    struct orm_stmt_entry *hnext;       /* bucket chain */
    struct orm_stmt_entry *prev, *next; /* LRU list, idle entries only */
} entry;

/* A recent lookup: the caller's text at sql found e. */
#define NRECENT 16
typedef struct recent_hit {
    const char *sql; /* only compared, never read: it may be gone */
    entry *e;
} recent_hit;

struct orm_stmt_cache {
    orm_conn *conn;
    recent_hit recent[NRECENT];
    int capacity; /* idle statements kept */
    entry **buckets;
    size_t nbuckets; /* a power of two */
    size_t nentries;
    int nidle;
    entry *lru_head, *lru_tail;
};

/* Eight bytes a step (the text is hashed on every acquire). */
static uint64_t hash_sql(const char *s)
{
    size_t n = strlen(s);
    uint64_t h = 0xcbf29ce484222325ULL ^ n;
    for (; n >= 8; n -= 8, s += 8) {
        uint64_t w;
        memcpy(&w, s, 8);
        h = (h ^ w) * 0x100000001b3ULL;
        h ^= h >> 32;
    }
    uint64_t w = 0;
    memcpy(&w, s, n);
    h = (h ^ w) * 0x100000001b3ULL;
    return h ^ (h >> 29);
}

orm_stmt_cache *orm_stmt_cache_new(orm_conn *conn, int capacity)
{
    orm_stmt_cache *c = calloc(1, sizeof *c);
    if (!c) return NULL;
    c->conn = conn;
    c->capacity = capacity > 0 ? capacity : 0;
    c->nbuckets = 16;
    while (c->nbuckets < (size_t)c->capacity)
        c->nbuckets *= 2;
    c->buckets = calloc(c->nbuckets, sizeof *c->buckets);
    if (!c->buckets) {
        free(c);
        return NULL;
    }
    return c;
}

static void lru_unlink(orm_stmt_cache *c, entry *e)
{
    if (e->prev)
        e->prev->next = e->next;
    else
        c->lru_head = e->next;
    if (e->next)
        e->next->prev = e->prev;
    else
        c->lru_tail = e->prev;
    e->prev = e->next = NULL;
    c->nidle--;
}

static void lru_push(orm_stmt_cache *c, entry *e)
{
    e->prev = NULL;
    e->next = c->lru_head;
    if (c->lru_head)
        c->lru_head->prev = e;
    else
        c->lru_tail = e;
    c->lru_head = e;
    c->nidle++;
}

static void hash_unlink(orm_stmt_cache *c, entry *e)
{
    entry **pp = &c->buckets[e->hash & (c->nbuckets - 1)];
    while (*pp != e)
        pp = &(*pp)->hnext;
    *pp = e->hnext;
    c->nentries--;
}

/* Doubles the table when chains grow long; a failure just keeps them long. */
static void maybe_grow(orm_stmt_cache *c)
{
    if (c->nentries <= c->nbuckets * 2) return;
    size_t n = c->nbuckets * 2;
    entry **b = calloc(n, sizeof *b);
    if (!b) return;
    for (size_t i = 0; i < c->nbuckets; i++) {
        entry *e = c->buckets[i], *next;
        for (; e; e = next) {
            next = e->hnext;
            e->hnext = b[e->hash & (n - 1)];
            b[e->hash & (n - 1)] = e;
        }
    }
    free(c->buckets);
    c->buckets = b;
    c->nbuckets = n;
}

/* Drops e entirely: out of every list, statement finalized. */
static void drop(orm_stmt_cache *c, entry *e)
{
    for (int i = 0; i < NRECENT; i++)
        if (c->recent[i].e == e) c->recent[i] = (recent_hit){NULL, NULL};
    if (!e->in_use) lru_unlink(c, e);
    hash_unlink(c, e);
    orm_stmt_finalize(c->conn, e->stmt);
    free(e->sql);
    free(e);
}

void orm_stmt_cache_free(orm_stmt_cache *c)
{
    if (!c) return;
    for (size_t i = 0; i < c->nbuckets; i++) {
        entry *e = c->buckets[i], *next;
        for (; e; e = next) {
            next = e->hnext;
            orm_stmt_finalize(c->conn, e->stmt);
            free(e->sql);
            free(e);
        }
    }
    free(c->buckets);
    free(c);
}

int orm_stmt_cache_acquire(orm_stmt_cache *c, const char *sql, orm_stmt **out)
{
    orm_stmt_entry *e;
    return orm_stmt_cache_checkout(c, sql, out, &e);
}

/* Hands out the idle entry e for the caller's text sql. */
static int take(orm_stmt_cache *c, recent_hit *r, const char *sql, entry *e, orm_stmt **out,
                orm_stmt_entry **handle)
{
    lru_unlink(c, e);
    e->in_use = 1;
    *r = (recent_hit){sql, e};
    *out = e->stmt;
    *handle = e;
    return ORM_OK;
}

int orm_stmt_cache_checkout(orm_stmt_cache *c, const char *sql, orm_stmt **out,
                            orm_stmt_entry **handle)
{
    *out = NULL;
    *handle = NULL;
    recent_hit *r = &c->recent[((uintptr_t)sql >> 4) & (NRECENT - 1)];
    if (r->sql == sql && !r->e->in_use && strcmp(r->e->sql, sql) == 0)
        return take(c, r, sql, r->e, out, handle);
    uint64_t h = hash_sql(sql);
    for (entry *e = c->buckets[h & (c->nbuckets - 1)]; e; e = e->hnext)
        if (!e->in_use && e->hash == h && strcmp(e->sql, sql) == 0)
            return take(c, r, sql, e, out, handle);
    orm_stmt *s = NULL;
    int rc = orm_conn_prepare(c->conn, sql, &s);
    if (rc < 0) return rc;
    entry *e = calloc(1, sizeof *e);
    if (e) e->sql = strdup(sql);
    if (!e || !e->sql) {
        free(e);
        orm_stmt_finalize(c->conn, s);
        return orm_error_oom(&c->conn->err);
    }
    e->hash = h;
    e->stmt = s;
    e->in_use = 1;
    size_t i = h & (c->nbuckets - 1);
    e->hnext = c->buckets[i];
    c->buckets[i] = e;
    c->nentries++;
    maybe_grow(c);
    *r = (recent_hit){sql, e};
    *out = s;
    *handle = e;
    return ORM_OK;
}

void orm_stmt_cache_release(orm_stmt_cache *c, const char *sql, orm_stmt *s)
{
    if (!s) return;
    entry *e = c->buckets[hash_sql(sql) & (c->nbuckets - 1)];
    while (e && !(e->in_use && e->stmt == s))
        e = e->hnext;
    if (!e) { /* not ours (or wrong sql): never leak it */
        orm_stmt_finalize(c->conn, s);
        return;
    }
    orm_stmt_cache_checkin(c, e, 1);
}

void orm_stmt_cache_checkin(orm_stmt_cache *c, orm_stmt_entry *e, int clear)
{
    orm_stmt_reset(c->conn, e->stmt);
    if (clear) orm_stmt_clear(c->conn, e->stmt);
    e->in_use = 0;
    lru_push(c, e);
    while (c->nidle > c->capacity)
        drop(c, c->lru_tail);
}

void orm_stmt_cache_clear(orm_stmt_cache *c)
{
    while (c->lru_tail)
        drop(c, c->lru_tail);
}
