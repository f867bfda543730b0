/* router_prom.c — the read replicas' Prometheus metrics (router_prom.h). */
#include "router_prom.h"

#include <stdlib.h>
#include <string.h>

#include "stats.h"

typedef struct reading {
    char *url; /* masked (owned); NULL: never read */
    int up;
    int has_lag;
    double lag_s;
} reading;

struct orm_replica_prom {
    orm_router *r; /* borrowed */
    reading *v;
    int n;
};

orm_replica_prom *orm_replica_prom_new(orm_router *r)
{
    orm_replica_prom *p = calloc(1, sizeof *p);
    if (p) p->r = r;
    return p;
}

void orm_replica_prom_free(orm_replica_prom *p)
{
    if (p == NULL) return;
    for (int i = 0; i < p->n; i++)
        free(p->v[i].url);
    free(p->v);
    free(p);
}

/* Reads every replica's state and lag now. */
static void refresh(orm_replica_prom *p)
{
    int n = orm_router_count(p->r);
    if (n > p->n) {
        reading *v = realloc(p->v, (size_t)n * sizeof *v);
        if (v == NULL) return; /* keeps the last readings */
        memset(v + p->n, 0, (size_t)(n - p->n) * sizeof *v);
        p->v = v;
        p->n = n;
    }
    for (int i = 0; i < n; i++) {
        orm_replica_info info;
        orm_router_info(p->r, i, &info);
        reading *x = &p->v[i];
        if (x->url == NULL) x->url = strdup(info.url);
        x->up = strcmp(info.state, "up") == 0;
        x->has_lag = info.has_lag;
        x->lag_s = info.lag_s;
    }
}

void orm_replica_prom_write(void *ctx, orm_buf *b, int safe)
{
    orm_replica_prom *p = ctx;
    if (p == NULL || orm_router_count(p->r) == 0) return;
    if (safe) refresh(p);
    orm_prom_head(b, "ormsh_replica_up", "gauge",
                  "Whether a read replica is in use (1) or left out after a failure (0).");
    for (int i = 0; i < p->n; i++) {
        if (p->v[i].url == NULL) continue;
        orm_buf_puts(b, "ormsh_replica_up{");
        orm_prom_label(b, "replica", p->v[i].url);
        orm_buf_printf(b, "} %d\n", p->v[i].up);
    }
    orm_prom_head(b, "ormsh_replica_lag_seconds", "gauge",
                  "How far a read replica's replay is behind the primary, in seconds.");
    for (int i = 0; i < p->n; i++) {
        if (p->v[i].url == NULL || !p->v[i].has_lag) continue;
        orm_buf_puts(b, "ormsh_replica_lag_seconds{");
        orm_prom_label(b, "replica", p->v[i].url);
        orm_buf_printf(b, "} %.6f\n", p->v[i].lag_s);
    }
}
