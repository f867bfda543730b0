/* stats.c — per-shape statement statistics: a bounded open-addressing table
 * keyed by the SQL text, fed by the driver wrappers with the time each step
 * takes; the executions still stepping (open cursors) are followed in a small
 * ring so later steps add to the right shape. */
#include "stats_int.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

const char *const orm_stats_op_names[ORM_STMT__COUNT] = {"select", "insert", "update", "delete",
                                                         "other"};
const double orm_stats_bounds[ORM_STATS_NBUCKETS] = {0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05,
                                                     0.1,    0.5,    1,     5,     10};

orm_stats *orm_stats_new(void)
{
    orm_stats *st = calloc(1, sizeof *st);
    if (st) st->other = -1;
    return st;
}

static void forget(orm_stats *st)
{
    for (int i = 0; i < st->nshapes; i++)
        free((char *)st->shapes[i].r.sql);
    for (int i = 0; i < st->nnplus1; i++)
        free(st->nplus1[i].name);
    free(st->shapes);
}

void orm_stats_free(orm_stats *st)
{
    if (!st) return;
    forget(st);
    if (st->slow_out) fclose(st->slow_out);
    free(st);
}

void orm_stats_reset(orm_stats *st)
{
    forget(st);
    FILE *out = st->slow_out;
    double slow_ms = st->slow_ms;
    orm_where_fn where = st->where;
    void *ctx = st->where_ctx;
    orm_publish_fn publish = st->publish;
    void *pctx = st->publish_ctx;
    uint64_t every = st->publish_every;
    orm_prom_extra_fn extra = st->prom_extra;
    void *ectx = st->prom_extra_ctx;
    memset(st, 0, sizeof *st);
    st->publish = publish;
    st->publish_ctx = pctx;
    st->publish_every = every;
    st->prom_extra = extra;
    st->prom_extra_ctx = ectx;
    st->other = -1;
    st->slow_out = out;
    st->slow_ms = slow_ms;
    st->where = where;
    st->where_ctx = ctx;
}

static uint64_t hash_text(const char *s)
{
    uint64_t h = 1469598103934665603u; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211u;
    return h;
}

/* The word at p (uppercased into w) and the position after it. */
static const char *word(const char *p, char *w, size_t n)
{
    while (*p && isspace((unsigned char)*p))
        p++;
    size_t i = 0;
    for (; *p && (isalnum((unsigned char)*p) || *p == '_'); p++)
        if (i + 1 < n) w[i++] = (char)toupper((unsigned char)*p);
    w[i] = '\0';
    return p;
}

/* Copies the (possibly quoted) identifier at p into out. */
static void ident(const char *p, char *out, size_t n)
{
    while (*p && isspace((unsigned char)*p))
        p++;
    size_t i = 0;
    for (; *p && !isspace((unsigned char)*p) && !strchr("(),;", *p); p++)
        if (*p != '"' && *p != '`' && i + 1 < n) out[i++] = *p;
    out[i] = '\0';
}

/* The position after the first keyword kw (a whole word, any case) in sql. */
static const char *after_kw(const char *sql, const char *kw)
{
    size_t k = strlen(kw);
    for (const char *p = sql; *p; p++) {
        if (*p == '\'' || *p == '"' || *p == '`') { /* skip quoted text */
            char q = *p;
            while (p[1] && p[1] != q)
                p++;
            if (p[1]) p++;
            continue;
        }
        if (strncasecmp(p, kw, k) == 0 && (p == sql || !isalnum((unsigned char)p[-1])) &&
            !isalnum((unsigned char)p[k]) && p[k] != '_')
            return p + k;
    }
    return NULL;
}

static void classify(shape *sh, const char *sql)
{
    char w[16];
    const char *p = word(sql, w, sizeof w);
    const char *t = NULL;
    if (strcmp(w, "SELECT") == 0 || strcmp(w, "WITH") == 0) {
        sh->r.op = ORM_STMT_SELECT;
        t = after_kw(p, "FROM");
    } else if (strcmp(w, "INSERT") == 0 || strcmp(w, "REPLACE") == 0) {
        sh->r.op = ORM_STMT_INSERT;
        t = after_kw(p, "INTO");
    } else if (strcmp(w, "UPDATE") == 0) {
        sh->r.op = ORM_STMT_UPDATE;
        t = p;
    } else if (strcmp(w, "DELETE") == 0) {
        sh->r.op = ORM_STMT_DELETE;
        t = after_kw(p, "FROM");
    } else {
        sh->r.op = ORM_STMT_OTHER;
    }
    sh->table[0] = '\0';
    if (t) ident(t, sh->table, sizeof sh->table);
    sh->r.table = sh->table;
}

/* The index of sql's shape, made on first sight (-1 when out of memory). */
static int find_shape(orm_stats *st, const char *sql)
{
    uint64_t h = hash_text(sql);
    size_t i = h & (NSLOTS - 1);
    for (; st->slots[i]; i = (i + 1) & (NSLOTS - 1)) {
        shape *sh = &st->shapes[st->slots[i] - 1];
        if (sh->hash == h && strcmp(sh->r.sql, sql) == 0) return st->slots[i] - 1;
    }
    int full = st->nshapes >= ORM_STATS_MAX_SHAPES;
    if (full && st->other >= 0) return st->other;
    if (st->nshapes == st->cap) {
        int cap = st->cap ? st->cap * 2 : 32;
        if (cap > ORM_STATS_MAX_SHAPES + 1) cap = ORM_STATS_MAX_SHAPES + 1;
        shape *n = realloc(st->shapes, (size_t)cap * sizeof *n);
        if (!n) return -1;
        st->shapes = n;
        st->cap = cap;
    }
    shape *sh = &st->shapes[st->nshapes];
    memset(sh, 0, sizeof *sh);
    sh->r.sql = strdup(full ? "(other statements)" : sql);
    if (!sh->r.sql) return -1;
    sh->hash = h;
    classify(sh, full ? "" : sql);
    if (full)
        st->other = st->nshapes;
    else
        st->slots[i] = st->nshapes + 1;
    return st->nshapes++;
}

/* The index of sql's shape (as find_shape), looked up by address first. */
static int shape_of(orm_stats *st, const char *sql)
{
    size_t r = ((uintptr_t)sql >> 4) & (NRECENT - 1);
    if (st->recent[r].sql == sql && strcmp(st->shapes[st->recent[r].shape].r.sql, sql) == 0)
        return st->recent[r].shape;
    int i = find_shape(st, sql);
    if (i >= 0 && i != st->other) {
        st->recent[r].sql = sql;
        st->recent[r].shape = i;
    }
    return i;
}

static void observe(orm_stats *st, int op, double ms)
{
    histogram *h = &st->hist[op];
    double s = ms / 1000.0;
    int b = 0;
    while (b < ORM_STATS_NBUCKETS && s > orm_stats_bounds[b])
        b++;
    if (b < ORM_STATS_NBUCKETS) h->counts[b]++;
    h->count++;
    h->sum += s;
}

/* Ends a followed execution: its time goes to the histogram. */
static void finish(orm_stats *st, run *r)
{
    if (!r->stmt) return;
    observe(st, st->shapes[r->shape].r.op, r->ms);
    r->stmt = NULL;
}

static run *find_run(orm_stats *st, struct orm_stmt *s)
{
    if (!s) return NULL;
    for (int i = 0; i < NRUNS; i++)
        if (st->runs[i].stmt == s) return &st->runs[i];
    return NULL;
}

static void add_time(orm_stats *st, run *r, double ms)
{
    shape *sh = &st->shapes[r->shape];
    r->ms += ms;
    sh->r.total_ms += ms;
    if (r->ms > sh->r.max_ms) sh->r.max_ms = r->ms;
}

void orm_stats_begin(orm_stats *st, struct orm_stmt *s, const char *sql, const orm_value *params,
                     size_t n, int rc, int64_t changes, uint64_t dt_ns)
{
    if (!st) return;
    run one = {NULL, 0, 0}; /* exec: no statement to follow */
    run *r = s ? find_run(st, s) : &one;
    if (!r) {
        r = &st->runs[st->nextrun];
        st->nextrun = (st->nextrun + 1) % NRUNS;
    }
    finish(st, r);
    int i = shape_of(st, sql);
    if (i < 0) return;
    shape *sh = &st->shapes[i];
    double ms = (double)dt_ns / 1e6;
    sh->r.calls++;
    r->stmt = s;
    r->shape = i;
    r->ms = 0;
    add_time(st, r, ms);
    if (rc == 1 /* ORM_ROW */)
        sh->r.rows++;
    else if (changes > 0 && sh->r.op != ORM_STMT_SELECT && sh->r.op != ORM_STMT_OTHER)
        sh->r.rows += (uint64_t)changes;
    if (rc < 0) sh->r.errors++;
    if (rc != 1 || !s) {
        observe(st, sh->r.op, r->ms);
        r->stmt = NULL;
    }
    if (st->slow_ms > 0 && ms >= st->slow_ms) {
        st->slow++;
        orm_slowlog_write(st, ms, sql, params, n);
    }
    if (st->publish) {
        uint64_t now = orm_stats_now();
        if (now >= st->next_publish) {
            st->next_publish = now + st->publish_every;
            st->in_publish = 1;
            st->publish(st->publish_ctx, st);
            st->in_publish = 0;
        }
    }
}

void orm_stats_set_publish(orm_stats *st, orm_publish_fn fn, void *ctx, double every_s)
{
    if (!st) return;
    st->publish = fn;
    st->publish_ctx = ctx;
    st->publish_every = (uint64_t)(every_s * 1e9);
    st->next_publish = orm_stats_now() + st->publish_every;
}

void orm_stats_step(orm_stats *st, struct orm_stmt *s, int rc, uint64_t dt_ns)
{
    run *r = st ? find_run(st, s) : NULL;
    if (!r) return;
    add_time(st, r, (double)dt_ns / 1e6);
    if (rc == 1)
        st->shapes[r->shape].r.rows++;
    else {
        if (rc < 0) st->shapes[r->shape].r.errors++;
        finish(st, r);
    }
}

void orm_stats_failed(orm_stats *st, const char *sql)
{
    int i = st && sql ? shape_of(st, sql) : -1;
    if (i < 0) return;
    st->shapes[i].r.calls++;
    st->shapes[i].r.errors++;
}

void orm_stats_error(orm_stats *st, orm_errclass cls)
{
    if (st && cls > ORM_ERR_NONE && cls < ORM_ERR__COUNT) st->errors[cls]++;
}

void orm_stats_transaction(orm_stats *st, const char *outcome)
{
    if (!st) return;
    if (strcmp(outcome, "commit") == 0)
        st->commits++;
    else
        st->rollbacks++;
}

void orm_stats_nplus1(orm_stats *st, const char *relationship)
{
    if (!st) return;
    for (int i = 0; i < st->nnplus1; i++)
        if (strcmp(st->nplus1[i].name, relationship) == 0) {
            st->nplus1[i].n++;
            return;
        }
    if (st->nnplus1 == MAX_NPLUS1) return;
    char *name = strdup(relationship);
    if (!name) return;
    st->nplus1[st->nnplus1].name = name;
    st->nplus1[st->nnplus1++].n = 1;
}

static int by_total(const void *a, const void *b)
{
    const orm_stat_row *x = a, *y = b;
    if (x->total_ms != y->total_ms) return x->total_ms < y->total_ms ? 1 : -1;
    return strcmp(x->sql, y->sql);
}

orm_stat_row *orm_stats_rows(orm_stats *st, size_t *n)
{
    *n = 0;
    if (!st || st->nshapes == 0) return NULL;
    orm_stat_row *rows = malloc((size_t)st->nshapes * sizeof *rows);
    if (!rows) return NULL;
    for (int i = 0; i < st->nshapes; i++)
        rows[i] = st->shapes[i].r;
    qsort(rows, (size_t)st->nshapes, sizeof *rows, by_total);
    *n = (size_t)st->nshapes;
    return rows;
}
