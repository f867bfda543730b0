/* stats_int.h — the insides of orm_stats shared by stats.c, slowlog.c and
 * prom.c (nothing else includes it). */
#ifndef ORM_STATS_INT_H
#define ORM_STATS_INT_H

#include "stats.h"

#define NSLOTS 2048 /* hash slots (power of two, > 2 * ORM_STATS_MAX_SHAPES) */
#define NRUNS 8     /* executions followed at once (open cursors) */
#define MAX_NPLUS1 64
#define NRECENT 16 /* shapes remembered by SQL text address (power of two) */

typedef struct shape {
    orm_stat_row r;
    uint64_t hash;
    char table[64];
} shape;

/* An execution still stepping: its statement, shape and time so far. */
typedef struct run {
    struct orm_stmt *stmt;
    int shape;
    double ms;
} run;

typedef struct histogram {
    uint64_t counts[ORM_STATS_NBUCKETS]; /* per bucket (not cumulative) */
    uint64_t count;
    double sum; /* seconds */
} histogram;

struct orm_stats {
    shape *shapes;
    int nshapes, cap;
    int slots[NSLOTS]; /* shape index + 1; 0 empty */
    int other;         /* index of "(other statements)" or -1 */
    /* the shapes of recently seen SQL texts by address: a cached statement
     * runs with the same text each time, so its shape is found without
     * hashing the text (a hit is checked against the shape's text) */
    struct {
        const char *sql;
        int shape;
    } recent[NRECENT];
    run runs[NRUNS];
    int nextrun;
    histogram hist[ORM_STMT__COUNT];
    uint64_t errors[ORM_ERR__COUNT];
    uint64_t commits, rollbacks, slow;
    struct {
        char *name;
        uint64_t n;
    } nplus1[MAX_NPLUS1];
    int nnplus1;
    /* slow log */
    double slow_ms; /* <= 0: off */
    FILE *slow_out; /* NULL: stderr */
    orm_where_fn where;
    void *where_ctx;
    orm_publish_fn publish;
    void *publish_ctx;
    uint64_t publish_every, next_publish; /* ns */
    int in_publish;                       /* inside the publish hook (mid-statement) */
    orm_prom_extra_fn prom_extra;         /* more samples for the exposition (replicas) */
    void *prom_extra_ctx;
};

/* slowlog.c: writes one line for a slow execution. */
void orm_slowlog_write(orm_stats *st, double ms, const char *sql, const orm_value *params,
                       size_t n);

#endif
