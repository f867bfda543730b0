/* shard.h — horizontal shards of one database handle: each shard is a named
 * connection with its own session (so the identity map keys objects by
 * shard and key), and the helpers that merge what a query read on every
 * shard: the order of ORDER BY across shards, and count/sum/min/max
 * combined.
 *
 * Ownership: a shard set owns the connections and sessions it was given
 * with owned = 1 (the handle's own, shard 0, is usually borrowed). */
#ifndef ORM_SHARD_H
#define ORM_SHARD_H

#include <stddef.h>

#include "driver.h"
#include "error.h"
#include "session.h"
#include "value.h"

typedef struct orm_shard {
    char *name;           /* owned */
    char *tag;            /* "shard NAME" for echo lines and errors (owned) */
    orm_conn *conn;       /* owned when owned is set */
    orm_session *session; /* owned when owned is set */
    int owned;
} orm_shard;

typedef struct orm_shardset {
    orm_shard *v;
    int n;
} orm_shardset;

orm_shardset *orm_shardset_new(void); /* NULL on oom */
/* Frees the set, closing the sessions and connections it owns. NULL-safe. */
void orm_shardset_free(orm_shardset *ss);
/* Adds shard name (copied) on conn with session; sets conn->echo_tag to the
 * shard's tag. 0, or ORM_ENOMEM (err set; nothing is taken over then). */
int orm_shardset_add(orm_shardset *ss, const char *name, orm_conn *conn, orm_session *session,
                     int owned, orm_error *err);
/* The index of shard name, or -1. */
int orm_shardset_find(const orm_shardset *ss, const char *name);
/* The index of the shard whose session is s, or -1. */
int orm_shardset_of(const orm_shardset *ss, const orm_session *s);

/* ---- shard_merge.c ---- */
/* ORDER BY order of two values read from different shards: NULL first,
 * numbers (INT, REAL, BOOL, decimal text) numerically, text bytewise,
 * blobs bytewise then by length. <0, 0 or >0. */
int orm_shard_value_cmp(const orm_value *a, const orm_value *b);
/* Sorts order[0..n) (row indices) by the rows' keys: row i's keys are
 * keys[i * nkeys .. i * nkeys + nkeys), desc[k] is set for a descending
 * key. Stable: rows with equal keys keep their order in order[]. 0 or
 * ORM_ENOMEM. */
int orm_shard_merge(size_t n, int nkeys, const orm_value *keys, const int *desc, size_t *order);

typedef enum {
    ORM_AGG_NONE = 0, /* not an aggregate ormsh combines across shards */
    ORM_AGG_COUNT,
    ORM_AGG_SUM,
    ORM_AGG_MIN,
    ORM_AGG_MAX,
} orm_agg;
/* The aggregate a SQL function name is (case-insensitive), or ORM_AGG_NONE. */
orm_agg orm_shard_agg(const char *func);
/* Folds v (one shard's result) into *acc (NULL before the first shard):
 * count and sum add (integers stay integers; decimal text adds exactly when
 * both sides are whole, else as doubles), min/max keep the extreme, NULL is
 * skipped. 0 or ORM_ENOMEM. */
int orm_shard_fold(orm_agg agg, orm_value *acc, const orm_value *v);

#endif
