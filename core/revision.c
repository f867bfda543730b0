/* revision.c — the revision graph of revision.h: positions after build are
 * a topological order (parents first, ties in the order revisions were
 * added), and ancestor sets are flag arrays over those positions. */
#include "revision.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

typedef struct rev {
    char *id, *path;
    orm_strv downs;
    int *down_pos; /* positions of downs (after build) */
    int nchildren;
} rev;

struct orm_revgraph {
    rev *v;
    int n;
    int built;
};

orm_revgraph *orm_revgraph_new(void)
{
    return calloc(1, sizeof(orm_revgraph));
}

static void rev_clear(rev *r)
{
    free(r->id);
    free(r->path);
    free(r->down_pos);
    orm_strv_free(&r->downs);
}

void orm_revgraph_free(orm_revgraph *g)
{
    if (!g) return;
    for (int i = 0; i < g->n; i++)
        rev_clear(&g->v[i]);
    free(g->v);
    free(g);
}

static int fail(orm_error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(orm_error *err, const char *fmt, ...)
{
    orm_buf b = ORM_BUF_INIT;
    va_list ap;
    va_start(ap, fmt);
    orm_buf_vprintf(&b, fmt, ap);
    va_end(ap);
    int rc = b.oom ? orm_error_oom(err) : orm_error_set(err, ORM_ERR_MIGRATION, 0, "%s", b.p);
    orm_buf_free(&b);
    return rc;
}

int orm_revgraph_find(const orm_revgraph *g, const char *id)
{
    for (int i = 0; i < g->n; i++)
        if (strcmp(g->v[i].id, id) == 0) return i;
    return -1;
}

int orm_revgraph_add(orm_revgraph *g, const char *id, const orm_strv *downs, const char *path,
                     orm_error *err)
{
    int dup = orm_revgraph_find(g, id);
    if (dup >= 0)
        return fail(err, "%s: revision %s is already defined in %s", path, id, g->v[dup].path);
    rev *v = realloc(g->v, (size_t)(g->n + 1) * sizeof *v);
    if (!v) return orm_error_oom(err);
    g->v = v;
    rev *r = &v[g->n];
    memset(r, 0, sizeof *r);
    r->id = strdup(id);
    r->path = strdup(path ? path : id);
    if (!r->id || !r->path || orm_strv_copy(&r->downs, downs) < 0) {
        rev_clear(r);
        return orm_error_oom(err);
    }
    g->n++;
    g->built = 0;
    return ORM_OK;
}

/* Orders g->v parents first (Kahn's algorithm, stable). */
static int topo_sort(orm_revgraph *g, orm_error *err)
{
    int n = g->n;
    rev *out = malloc((size_t)(n ? n : 1) * sizeof *out);
    char *placed = calloc((size_t)(n ? n : 1), 1);
    if (!out || !placed) {
        free(out);
        free(placed);
        return orm_error_oom(err);
    }
    for (int k = 0; k < n; k++) {
        int pick = -1;
        for (int i = 0; i < n && pick < 0; i++) {
            if (placed[i]) continue;
            int ready = 1;
            for (int d = 0; d < g->v[i].downs.n && ready; d++)
                ready = placed[orm_revgraph_find(g, g->v[i].downs.v[d])];
            if (ready) pick = i;
        }
        if (pick < 0) {
            for (int i = 0; i < n && pick < 0; i++)
                if (!placed[i]) pick = i;
            int rc = fail(err, "%s: revision %s is part of a cycle of down_revision links",
                          g->v[pick].path, g->v[pick].id);
            free(out);
            free(placed);
            return rc;
        }
        placed[pick] = 1;
        out[k] = g->v[pick];
    }
    free(g->v);
    free(placed);
    g->v = out;
    return ORM_OK;
}

int orm_revgraph_build(orm_revgraph *g, orm_error *err)
{
    for (int i = 0; i < g->n; i++)
        for (int d = 0; d < g->v[i].downs.n; d++)
            if (orm_revgraph_find(g, g->v[i].downs.v[d]) < 0)
                return fail(err,
                            "%s: down_revision %s of revision %s is not defined by any file "
                            "in migrations/versions",
                            g->v[i].path, g->v[i].downs.v[d], g->v[i].id);
    int rc = topo_sort(g, err);
    if (rc < 0) return rc;
    for (int i = 0; i < g->n; i++) {
        rev *r = &g->v[i];
        free(r->down_pos);
        r->down_pos = malloc((size_t)(r->downs.n ? r->downs.n : 1) * sizeof *r->down_pos);
        if (!r->down_pos) return orm_error_oom(err);
        r->nchildren = 0;
    }
    for (int i = 0; i < g->n; i++)
        for (int d = 0; d < g->v[i].downs.n; d++) {
            int p = orm_revgraph_find(g, g->v[i].downs.v[d]);
            g->v[i].down_pos[d] = p;
            g->v[p].nchildren++;
        }
    g->built = 1;
    return ORM_OK;
}

int orm_revgraph_count(const orm_revgraph *g)
{
    return g->n;
}
const char *orm_revgraph_id(const orm_revgraph *g, int i)
{
    return g->v[i].id;
}
const char *orm_revgraph_path(const orm_revgraph *g, int i)
{
    return g->v[i].path;
}
const orm_strv *orm_revgraph_downs(const orm_revgraph *g, int i)
{
    return &g->v[i].downs;
}
int orm_revgraph_nchildren(const orm_revgraph *g, int i)
{
    return g->v[i].nchildren;
}

int orm_revgraph_heads(const orm_revgraph *g, orm_strv *out)
{
    for (int i = 0; i < g->n; i++)
        if (g->v[i].nchildren == 0 && orm_strv_push(out, g->v[i].id) < 0) return ORM_ENOMEM;
    return ORM_OK;
}

static void join(orm_buf *b, const orm_strv *l)
{
    for (int i = 0; i < l->n; i++)
        orm_buf_printf(b, "%s%s", i ? ", " : "", l->v[i]);
}

int orm_revgraph_resolve(const orm_revgraph *g, const char *spec, int *out, orm_error *err)
{
    if (strcmp(spec, "base") == 0) {
        *out = -1;
        return ORM_OK;
    }
    if (strcmp(spec, "head") == 0) {
        orm_strv heads = ORM_STRV_INIT;
        if (orm_revgraph_heads(g, &heads) < 0) return orm_error_oom(err);
        int rc = ORM_OK;
        if (heads.n == 0) {
            *out = -1;
        } else if (heads.n == 1) {
            *out = orm_revgraph_find(g, heads.v[0]);
        } else {
            orm_buf b = ORM_BUF_INIT;
            join(&b, &heads);
            rc = fail(err,
                      "multiple heads are present (%s): join them with `ormsh db merge -m "
                      "MESSAGE %s %s`, or name the revision",
                      orm_buf_str(&b), heads.v[0], heads.v[1]);
            orm_buf_free(&b);
        }
        orm_strv_free(&heads);
        return rc;
    }
    int found = -1, many = 0;
    size_t n = strlen(spec);
    for (int i = 0; n && i < g->n; i++) {
        if (strcmp(g->v[i].id, spec) == 0) {
            *out = i;
            return ORM_OK;
        }
        if (strncmp(g->v[i].id, spec, n) == 0) {
            if (found >= 0) many = 1;
            found = i;
        }
    }
    if (found < 0) return fail(err, "no revision '%s' (see `ormsh db history`)", spec);
    if (many) return fail(err, "revision prefix '%s' matches several revisions", spec);
    *out = found;
    return ORM_OK;
}

int orm_revgraph_check_current(const orm_revgraph *g, const orm_strv *current, orm_error *err)
{
    for (int i = 0; i < current->n; i++)
        if (orm_revgraph_find(g, current->v[i]) < 0)
            return fail(err,
                        "the database is at revision %s, which no file in migrations/versions "
                        "defines",
                        current->v[i]);
    return ORM_OK;
}

int orm_revgraph_at_heads(const orm_revgraph *g, const orm_strv *current)
{
    orm_strv heads = ORM_STRV_INIT;
    int same = orm_revgraph_heads(g, &heads) == ORM_OK && orm_strv_same_set(&heads, current);
    orm_strv_free(&heads);
    return same;
}

/* ---- plans ------------------------------------------------------------------ */

/* Marks i and every ancestor of i in flags. */
static void mark_ancestors(const orm_revgraph *g, int i, char *flags)
{
    if (flags[i]) return;
    flags[i] = 1;
    for (int d = 0; d < g->v[i].downs.n; d++)
        mark_ancestors(g, g->v[i].down_pos[d], flags);
}

/* Flags of every revision at or below the current ones. */
static char *applied_set(const orm_revgraph *g, const orm_strv *current)
{
    char *flags = calloc((size_t)(g->n ? g->n : 1), 1);
    for (int i = 0; flags && i < current->n; i++) {
        int p = orm_revgraph_find(g, current->v[i]);
        if (p >= 0) mark_ancestors(g, p, flags);
    }
    return flags;
}

void orm_revplan_free(orm_revplan *p)
{
    for (int i = 0; i < p->n; i++) {
        orm_strv_free(&p->v[i].remove);
        orm_strv_free(&p->v[i].add);
    }
    free(p->v);
    p->v = NULL;
    p->n = 0;
}

static orm_revstep *push_step(orm_revplan *p, int rev)
{
    orm_revstep *v = realloc(p->v, (size_t)(p->n + 1) * sizeof *v);
    if (!v) return NULL;
    p->v = v;
    orm_revstep *s = &v[p->n++];
    memset(s, 0, sizeof *s);
    s->rev = rev;
    return s;
}

static int plan_fail(orm_revplan *p, orm_error *err, int rc)
{
    orm_revplan_free(p);
    return rc == ORM_ENOMEM ? orm_error_oom(err) : rc;
}

int orm_revgraph_upgrade_plan(const orm_revgraph *g, const orm_strv *current, const int *targets,
                              int ntargets, orm_revplan *out, orm_error *err)
{
    memset(out, 0, sizeof *out);
    int rc = orm_revgraph_check_current(g, current, err);
    if (rc < 0) return rc;
    char *have = applied_set(g, current), *want = calloc((size_t)(g->n ? g->n : 1), 1);
    orm_strv heads = ORM_STRV_INIT;
    rc = have && want ? orm_strv_copy(&heads, current) : ORM_ENOMEM;
    for (int t = 0; rc == ORM_OK && t < ntargets; t++)
        if (targets[t] >= 0) mark_ancestors(g, targets[t], want);
    for (int i = 0; rc == ORM_OK && i < g->n; i++) {
        if (!want[i] || have[i]) continue;
        orm_revstep *s = push_step(out, i);
        if (!s) {
            rc = ORM_ENOMEM;
            break;
        }
        for (int d = 0; rc == ORM_OK && d < g->v[i].downs.n; d++)
            if (orm_strv_find(&heads, g->v[i].downs.v[d]) >= 0) {
                rc = orm_strv_push(&s->remove, g->v[i].downs.v[d]);
                orm_strv_remove(&heads, g->v[i].downs.v[d]);
            }
        if (rc == ORM_OK) rc = orm_strv_push(&s->add, g->v[i].id);
        if (rc == ORM_OK) rc = orm_strv_push(&heads, g->v[i].id);
    }
    free(have);
    free(want);
    orm_strv_free(&heads);
    return rc < 0 ? plan_fail(out, err, rc) : ORM_OK;
}

/* 1 when d is an ancestor of (or is) some revision in heads, 0 when not,
 * ORM_ENOMEM. */
static int below_any(const orm_revgraph *g, const orm_strv *heads, int d)
{
    char *flags = applied_set(g, heads);
    int r = flags ? flags[d] : ORM_ENOMEM;
    free(flags);
    return r;
}

int orm_revgraph_downgrade_plan(const orm_revgraph *g, const orm_strv *current, int target,
                                orm_revplan *out, orm_error *err)
{
    memset(out, 0, sizeof *out);
    int rc = orm_revgraph_check_current(g, current, err);
    if (rc < 0) return rc;
    char *have = applied_set(g, current), *keep = calloc((size_t)(g->n ? g->n : 1), 1);
    orm_strv heads = ORM_STRV_INIT;
    rc = have && keep ? orm_strv_copy(&heads, current) : ORM_ENOMEM;
    if (rc == ORM_OK && target >= 0) {
        if (!have[target])
            rc = fail(err, "revision %s is not applied: nothing to downgrade to (upgrade instead)",
                      g->v[target].id);
        else
            mark_ancestors(g, target, keep);
    }
    for (int i = g->n - 1; rc == ORM_OK && i >= 0; i--) {
        if (!have[i] || keep[i]) continue;
        orm_revstep *s = push_step(out, i);
        if (!s) {
            rc = ORM_ENOMEM;
            break;
        }
        rc = orm_strv_push(&s->remove, g->v[i].id);
        orm_strv_remove(&heads, g->v[i].id);
        for (int d = 0; rc == ORM_OK && d < g->v[i].downs.n; d++) {
            const char *down = g->v[i].downs.v[d];
            int below =
                orm_strv_find(&heads, down) >= 0 ? 1 : below_any(g, &heads, g->v[i].down_pos[d]);
            if (below < 0) { /* out of memory: not "not below" (a wrong version row) */
                rc = below;
                break;
            }
            if (below) continue;
            rc = orm_strv_push(&s->add, down);
            if (rc == ORM_OK) rc = orm_strv_push(&heads, down);
        }
    }
    free(have);
    free(keep);
    orm_strv_free(&heads);
    return rc < 0 ? plan_fail(out, err, rc) : ORM_OK;
}
