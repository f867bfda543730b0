/* sqlcache.h — compiled SELECTs remembered by the shape of their tree.
 * Two selects of one shape (the same tables, columns, operators, names,
 * labels, casts and NULL-ness of bound values, LIMIT / OFFSET present or not;
 * only the bound values and the LIMIT / OFFSET numbers differ) compile to the
 * same SQL text with their parameters at the same places, so the text is made
 * once and a later select of that shape only collects its values. Selects
 * with aliases, derived tables or nested SELECTs are compiled every time. */
#ifndef ORM_SQLCACHE_H
#define ORM_SQLCACHE_H

#include "compile.h"

#define ORM_SQLC_MAXPARAMS 32 /* more bound values: not cached */

typedef struct orm_sqlcache orm_sqlcache;

/* A compiled SELECT ready to run: sql and its nparams params, in order. */
typedef struct orm_sqlrun {
    const char *sql; /* borrowed: from the cache (valid until its next call) or from comp */
    const orm_value *const *params;
    size_t nparams;
    /* private */
    orm_compiled comp; /* the compiler's output on a miss */
    const orm_value *pv[ORM_SQLC_MAXPARAMS + 2];
    orm_value lim[2]; /* LIMIT, OFFSET values on a hit */
} orm_sqlrun;

orm_sqlcache *orm_sqlcache_new(void);    /* NULL on oom */
void orm_sqlcache_free(orm_sqlcache *c); /* NULL-safe */

/* Compiles s for d as orm_compile_select does (count set: as
 * orm_compile_count does) through the cache c (NULL: compiles). 0,
 * ORM_ENOMEM or ORM_EFAIL (err set as by the compiler). out holds
 * parameters borrowed from s: run it while s lives, then orm_sqlrun_free
 * (also after a failure). */
int orm_sqlcache_compile(orm_sqlcache *c, const orm_dialect *d, const orm_select *s, int count,
                         orm_sqlrun *out, orm_error *err);
void orm_sqlrun_free(orm_sqlrun *r);

/* Selects known by a key of the caller's instead of their tree (what the
 * bindings keep of filter_by on a model's query): key[0] must be 0 (a tree's
 * shape starts with its dialect), and the caller's vals come in an order
 * fixed by the key. get: 1 and out set (to be run and freed as above) when
 * the key was put before, else 0. put: after a select s of that key was
 * compiled into run (by orm_sqlcache_compile), its bound values being
 * vals[0..nvals) (addresses inside s), learns where they go. */
int orm_sqlcache_get_keyed(orm_sqlcache *c, const uint64_t *key, int nkey,
                           const orm_value *const *vals, int64_t limit, int64_t offset,
                           orm_sqlrun *out);
void orm_sqlcache_put_keyed(orm_sqlcache *c, const uint64_t *key, int nkey,
                            const orm_value *const *vals, int nvals, const orm_select *s,
                            const orm_sqlrun *run);

#endif
