/* prom.c — the Prometheus text exposition (format 0.0.4) of a connection's
 * statistics: HELP and TYPE lines, label values escaped, the latency
 * histogram as cumulative _bucket lines with _sum and _count. */
#include "stats_int.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"

void orm_prom_label(orm_buf *b, const char *name, const char *value)
{
    orm_buf_printf(b, "%s=\"", name);
    for (const char *p = value; *p; p++) {
        if (*p == '\\')
            orm_buf_puts(b, "\\\\");
        else if (*p == '"')
            orm_buf_puts(b, "\\\"");
        else if (*p == '\n')
            orm_buf_puts(b, "\\n");
        else
            orm_buf_putc(b, *p);
    }
    orm_buf_putc(b, '"');
}

void orm_prom_head(orm_buf *b, const char *name, const char *type, const char *help)
{
    orm_buf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static int by_op_table(const void *a, const void *b)
{
    const shape *x = *(const shape *const *)a, *y = *(const shape *const *)b;
    if (x->r.op != y->r.op) return x->r.op - y->r.op;
    return strcmp(x->table, y->table);
}

static void statements(orm_buf *b, orm_stats *st)
{
    orm_prom_head(b, "ormsh_statements_total", "counter",
                  "Statements executed, by operation and the first table they name.");
    if (st->nshapes == 0) return;
    const shape **v = malloc((size_t)st->nshapes * sizeof *v);
    if (!v) {
        b->oom = 1;
        return;
    }
    for (int i = 0; i < st->nshapes; i++)
        v[i] = &st->shapes[i];
    qsort(v, (size_t)st->nshapes, sizeof *v, by_op_table);
    for (int i = 0; i < st->nshapes;) {
        uint64_t n = 0;
        int j = i;
        for (; j < st->nshapes && by_op_table(&v[i], &v[j]) == 0; j++)
            n += v[j]->r.calls;
        orm_buf_puts(b, "ormsh_statements_total{");
        orm_prom_label(b, "op", orm_stats_op_names[v[i]->r.op]);
        orm_buf_putc(b, ',');
        orm_prom_label(b, "table", v[i]->table);
        orm_buf_printf(b, "} %llu\n", (unsigned long long)n);
        i = j;
    }
    free(v);
}

static void durations(orm_buf *b, orm_stats *st)
{
    const char *name = "ormsh_statement_duration_seconds";
    orm_prom_head(b, name, "histogram", "Time statements took, by operation.");
    for (int op = 0; op < ORM_STMT__COUNT; op++) {
        const histogram *h = &st->hist[op];
        const char *o = orm_stats_op_names[op];
        uint64_t cum = 0;
        for (int i = 0; i < ORM_STATS_NBUCKETS; i++) {
            cum += h->counts[i];
            orm_buf_printf(b, "%s_bucket{op=\"%s\",le=\"%g\"} %llu\n", name, o, orm_stats_bounds[i],
                           (unsigned long long)cum);
        }
        orm_buf_printf(b, "%s_bucket{op=\"%s\",le=\"+Inf\"} %llu\n", name, o,
                       (unsigned long long)h->count);
        orm_buf_printf(b, "%s_sum{op=\"%s\"} %.9f\n", name, o, h->sum);
        orm_buf_printf(b, "%s_count{op=\"%s\"} %llu\n", name, o, (unsigned long long)h->count);
    }
}

char *orm_stats_prometheus(orm_stats *st)
{
    orm_buf b = ORM_BUF_INIT;
    statements(&b, st);
    durations(&b, st);
    orm_prom_head(&b, "ormsh_errors_total", "counter", "Failed database calls, by error class.");
    for (int c = ORM_ERR_NONE + 1; c < ORM_ERR__COUNT; c++) {
        if (!st->errors[c]) continue;
        orm_buf_puts(&b, "ormsh_errors_total{");
        orm_prom_label(&b, "class", orm_errclass_name((orm_errclass)c));
        orm_buf_printf(&b, "} %llu\n", (unsigned long long)st->errors[c]);
    }
    orm_prom_head(&b, "ormsh_transactions_total", "counter", "Transactions ended, by outcome.");
    orm_buf_printf(&b, "ormsh_transactions_total{outcome=\"commit\"} %llu\n",
                   (unsigned long long)st->commits);
    orm_buf_printf(&b, "ormsh_transactions_total{outcome=\"rollback\"} %llu\n",
                   (unsigned long long)st->rollbacks);
    orm_prom_head(&b, "ormsh_slow_statements_total", "counter", "Statements slower than slow_ms.");
    orm_buf_printf(&b, "ormsh_slow_statements_total %llu\n", (unsigned long long)st->slow);
    orm_prom_head(&b, "ormsh_nplus1_total", "counter",
                  "N+1 query patterns detected, by relationship.");
    for (int i = 0; i < st->nnplus1; i++) {
        orm_buf_puts(&b, "ormsh_nplus1_total{");
        orm_prom_label(&b, "relationship", st->nplus1[i].name);
        orm_buf_printf(&b, "} %llu\n", (unsigned long long)st->nplus1[i].n);
    }
    if (st->prom_extra) st->prom_extra(st->prom_extra_ctx, &b, !st->in_publish);
    if (b.oom) {
        orm_buf_free(&b);
        return NULL;
    }
    return orm_buf_detach(&b);
}

void orm_stats_set_prom_extra(orm_stats *st, orm_prom_extra_fn fn, void *ctx)
{
    if (st == NULL) return;
    st->prom_extra = fn;
    st->prom_extra_ctx = ctx;
}
