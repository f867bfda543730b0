/* router.h — read replicas of a session's primary: which connection a read
 * runs on (round-robin over the replicas that are up and have replayed the
 * session's last commit), leaving a failing replica out for a while, and
 * what db.replicas() reports.
 *
 * Ownership: the router owns its replicas' connections and statement caches;
 * the primary connection is always the caller's (borrowed for each call). A
 * session owns the router it is given (orm_session_set_router). */
#ifndef ORM_ROUTER_H
#define ORM_ROUTER_H

#include "driver.h"
#include "error.h"
#include "stmt_cache.h"

typedef struct orm_router orm_router;

/* Called once each time a replica goes down (the line has no newline). */
typedef void (*orm_warn_fn)(void *ctx, const char *line);

/* A router with no replicas. wait_ms < 0 means 500; retry_s < 0 means 30.
 * base_dir (copied, may be NULL) resolves relative SQLite paths. NULL on oom. */
orm_router *orm_router_new(const char *base_dir, int wait_ms, int retry_s);
void orm_router_free(orm_router *r); /* closes the replicas; NULL-safe */
void orm_router_set_warn(orm_router *r, orm_warn_fn fn, void *ctx);
/* Adds a replica by URL text (opened read-only). A URL that does not parse or
 * names no driver fails (err set); one that cannot be reached now is added
 * down (with its warning) and tried again after retry_s. */
int orm_router_add(orm_router *r, const char *url, orm_error *err);
int orm_router_count(const orm_router *r);

/* Chooses a replica for a read: returns its index and sets *conn and *cache
 * (the replica's, echoing as primary does), or returns -1 (read from the
 * primary) when no replica is up or none has replayed the last commit
 * within the wait. The first read on a replica opens a read transaction
 * there (neither echoed nor counted) that the following reads share until
 * orm_router_end_reads; a replica whose BEGIN fails is left out like any
 * failing replica. */
int orm_router_pick(orm_router *r, const orm_conn *primary, orm_conn **conn,
                    orm_stmt_cache **cache);
/* Ends the replicas' read transactions (a rollback, quietly): before the
 * session's primary writes or commits (a SHARED lock on a SQLite file would
 * block the primary's commit), on rollback, close and idle; the next read
 * starts a new snapshot. A replica whose rollback fails is left out. */
void orm_router_end_reads(orm_router *r); /* NULL-safe */
/* Replica idx failed (why: its error, may be NULL): it is closed and left out
 * for retry_s, with one warning. */
void orm_router_failed(orm_router *r, int idx, const orm_error *why);
/* After a commit that wrote on primary: remembers the primary's position
 * (PostgreSQL WAL LSN, MariaDB GTID) replicas must replay before reading. */
void orm_router_committed(orm_router *r, orm_conn *primary);

typedef struct orm_replica_info {
    const char *url;   /* masked (borrowed) */
    const char *state; /* "up" or "down" */
    int has_lag;       /* lag_s is known */
    double lag_s;      /* seconds behind the primary */
} orm_replica_info;
/* Information about replica i (0-based); the lag is asked of the replica now. */
void orm_router_info(orm_router *r, int i, orm_replica_info *out);

#endif
