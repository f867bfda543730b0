/* router_prom.h — the read replicas' Prometheus metrics:
 * ormsh_replica_up{replica} (1 up, 0 left out) and
 * ormsh_replica_lag_seconds{replica} (when the lag is known), appended to a
 * connection's exposition through orm_stats_set_prom_extra.
 *
 * Ownership: the metrics borrow the router (whoever frees the router first
 * unhooks and frees the metrics); they own their last readings. */
#ifndef ORM_ROUTER_PROM_H
#define ORM_ROUTER_PROM_H

#include "buf.h"
#include "router.h"

typedef struct orm_replica_prom orm_replica_prom;

orm_replica_prom *orm_replica_prom_new(orm_router *r); /* NULL on oom */
void orm_replica_prom_free(orm_replica_prom *p);       /* NULL-safe */
/* An orm_prom_extra_fn (ctx: the orm_replica_prom): with safe set it asks
 * each replica its state and lag now (orm_router_info) and keeps them;
 * otherwise (mid-statement) it writes the last readings. */
void orm_replica_prom_write(void *ctx, orm_buf *b, int safe);

#endif
