/* stats.h — statement statistics kept at the driver wrappers: one entry per
 * statement shape (the SQL text with its placeholders) in a bounded table,
 * a latency histogram per operation, error, transaction, slow-statement and
 * N+1 counters, and the slow-statement log. A connection owns one orm_stats
 * (made by orm_conn_open, freed by orm_conn_close). Single-threaded: only
 * the thread that runs statements touches it (snapshots are copies). */
#ifndef ORM_STATS_H
#define ORM_STATS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>
#include "error.h"
#include "value.h"

typedef struct orm_stats orm_stats;
struct orm_stmt;

#define ORM_STATS_MAX_SHAPES 1000 /* later shapes fold into one "(other statements)" entry */
#define ORM_STATS_NBUCKETS 11     /* histogram upper bounds, +Inf excluded */

enum { /* the kind of a statement shape, by its first keyword */
       ORM_STMT_SELECT,
       ORM_STMT_INSERT,
       ORM_STMT_UPDATE,
       ORM_STMT_DELETE,
       ORM_STMT_OTHER,
       ORM_STMT__COUNT
};
extern const char *const orm_stats_op_names[ORM_STMT__COUNT]; /* "select", ... */
extern const double orm_stats_bounds[ORM_STATS_NBUCKETS];     /* seconds */

/* One statement shape's figures (times in milliseconds). */
typedef struct orm_stat_row {
    const char *sql;   /* owned by the table */
    const char *table; /* the first table named ("" when none) */
    int op;
    uint64_t calls, rows, errors;
    double total_ms, max_ms;
} orm_stat_row;

/* Where the user's code is: fills buf with "file:line" (or "" when
 * unknown). Set by the language bindings. */
typedef void (*orm_where_fn)(void *ctx, char *buf, size_t n);

orm_stats *orm_stats_new(void);     /* NULL when out of memory */
void orm_stats_free(orm_stats *st); /* NULL is a no-op; closes the slow log */

/* Monotonic clock in nanoseconds. */
static inline uint64_t orm_stats_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* ---- recording (the driver wrappers) ---- */
/* A new execution of s (sql: its text, params bound) took dt_ns up to its
 * first step's result rc (ORM_ROW, ORM_DONE or < 0); changes: rows changed
 * when rc is ORM_DONE (or -1). Logs it when slow. */
void orm_stats_begin(orm_stats *st, struct orm_stmt *s, const char *sql, const orm_value *params,
                     size_t n, int rc, int64_t changes, uint64_t dt_ns);
/* A later step of s's current execution. */
void orm_stats_step(orm_stats *st, struct orm_stmt *s, int rc, uint64_t dt_ns);
/* A statement that failed before it ran (prepare) with the error class. */
void orm_stats_failed(orm_stats *st, const char *sql);
void orm_stats_error(orm_stats *st, orm_errclass cls);          /* every failure, by class */
void orm_stats_transaction(orm_stats *st, const char *outcome); /* "commit" or "rollback" */
void orm_stats_nplus1(orm_stats *st, const char *relationship); /* counted per name */

/* ---- reading ---- */
/* The shapes sorted by total_ms (descending); *n set. Valid until the next
 * recording call or reset. NULL with *n 0 when empty or out of memory. */
orm_stat_row *orm_stats_rows(orm_stats *st, size_t *n); /* caller frees the array */
void orm_stats_reset(orm_stats *st);                    /* forgets shapes and counters */

/* ---- slow statements (slowlog.c) ---- */
/* ms <= 0 turns the log off. path NULL: standard error; else the file is
 * opened for appending (an error message in err when it cannot be). */
int orm_stats_set_slow(orm_stats *st, double ms, const char *path, orm_error *err);
void orm_stats_set_where(orm_stats *st, orm_where_fn fn, void *ctx);

/* Called from the recording functions at most once every every_s seconds
 * (fn NULL: never), so that a long script keeps its published metrics fresh. */
typedef void (*orm_publish_fn)(void *ctx, orm_stats *st);
void orm_stats_set_publish(orm_stats *st, orm_publish_fn fn, void *ctx, double every_s);

/* ---- Prometheus text exposition (prom.c) ---- */
/* Appends the exposition of st to a malloc'd string (NULL when out of memory). */
char *orm_stats_prometheus(orm_stats *st);
struct orm_buf;
/* More samples appended after st's own (the replicas' metrics, router_prom.c);
 * safe is 0 when the exposition is made in the middle of recording a
 * statement (the publish hook): fn must not run statements then. */
typedef void (*orm_prom_extra_fn)(void *ctx, struct orm_buf *b, int safe);
void orm_stats_set_prom_extra(orm_stats *st, orm_prom_extra_fn fn, void *ctx);
/* The "# HELP" and "# TYPE" lines of a metric; a label name="value" (escaped). */
void orm_prom_head(struct orm_buf *b, const char *name, const char *type, const char *help);
void orm_prom_label(struct orm_buf *b, const char *name, const char *value);

#endif
