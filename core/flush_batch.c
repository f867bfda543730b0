/* flush_batch.c — multi-row INSERT ... RETURNING for the flush (see
 * flush_batch.h), on connections that take RETURNING (PostgreSQL; MariaDB
 * 10.5+). The keys come back as a set and are sorted, then given to the
 * objects in the order of their rows: a sequence (PostgreSQL's SERIAL /
 * IDENTITY) and an InnoDB AUTO_INCREMENT both hand out increasing values
 * to the rows of one INSERT as they are written in VALUES order (InnoDB:
 * consecutive values for a multi-row VALUES under the default lock mode 1,
 * increasing ones with gaps allowed under mode 2). MariaDB lists RETURNING
 * rows as it writes them, but documents no order, so the order RETURNING
 * lists them in is relied on on no backend. */
#include <assert.h>
#include <stdlib.h>

#include "compile.h"
#include "dialect.h"
#include "flush_batch.h"

static int popcount64(uint64_t m)
{
    int n = 0;
    for (; m; m &= m - 1)
        n++;
    return n;
}

int orm_flush_batch_rows(const orm_session *s, uint64_t mask)
{
    const orm_dialect *d = orm_conn_dialect(s->conn);
    int per = popcount64(mask);
    int rows = (d->max_params > 0 ? d->max_params : 999) / (per > 0 ? per : 1);
    if (rows > ORM_FLUSH_BATCH_MAX) rows = ORM_FLUSH_BATCH_MAX;
    return rows > 0 ? rows : 1;
}

/* The columns besides the key that the database fills in rows of mask
 * (server defaults, computed columns). */
static uint64_t extra_cols(const orm_table *t, uint64_t mask)
{
    return orm_flush_filled_cols(t, mask) & ~((uint64_t)1 << t->autoinc_col);
}

/* INSERT INTO t (cols) VALUES (...), ... n rows ... RETURNING key, extra columns */
static int batch_sql(const orm_conn *c, const orm_table *t, uint64_t mask, int n, orm_buf *out)
{
    int rc = orm_compile_insert_rows(orm_conn_dialect(c), t, mask, n, 0, out);
    if (rc < 0) return rc;
    const char *cols[ORM_MAX_COLUMNS];
    int ncols = 0;
    cols[ncols++] = t->cols[t->autoinc_col].name;
    uint64_t extra = extra_cols(t, mask);
    for (int i = 0; i < t->ncols; i++)
        if (extra & ((uint64_t)1 << i)) cols[ncols++] = t->cols[i].name;
    if (!orm_conn_returning(c, out, cols, ncols)) return ORM_EFAIL;
    return out->oom ? ORM_ENOMEM : ORM_OK;
}

/* A returned row: its generated key and where its other values are. */
typedef struct retrow {
    int64_t key;
    int row; /* its place among the returned rows */
} retrow;

static int cmp_key(const void *a, const void *b)
{
    int64_t x = ((const retrow *)a)->key, y = ((const retrow *)b)->key;
    return (x > y) - (x < y);
}

static void clear_values(orm_value *v, size_t n)
{
    for (size_t i = 0; v && i < n; i++)
        orm_value_clear(&v[i]);
}

int orm_flush_insert_batch(orm_session *s, const orm_table *t, uint64_t mask, orm_object **objs,
                           int n)
{
    assert(n > 0 && n <= ORM_FLUSH_BATCH_MAX && t->autoinc_col >= 0);
    for (int r = 0; r < n; r++) /* every row pending, of t, its key to be generated */
        assert(objs[r]->state == ORM_OBJ_PENDING && objs[r]->table == t &&
               objs[r]->values[t->autoinc_col].type == ORM_V_NULL);
    int per = popcount64(mask);
    uint64_t extra = extra_cols(t, mask);
    int nextra = popcount64(extra);
    size_t np = (size_t)per * (size_t)n, nx = (size_t)nextra * (size_t)n;
    orm_buf sql = ORM_BUF_INIT;
    orm_value *vals = malloc(np * sizeof *vals);
    retrow *keys = malloc((size_t)n * sizeof *keys);
    orm_value *xvals = nx ? calloc(nx, sizeof *xvals) : NULL; /* row by row, as returned */
    int rc = vals && keys && (xvals || !nx) ? batch_sql(s->conn, t, mask, n, &sql) : ORM_ENOMEM;
    if (rc < 0) {
        free(vals);
        free(keys);
        free(xvals);
        orm_buf_free(&sql);
        orm_session_set_failed(s, objs[0]);
        return orm_error_oom(&s->err);
    }
    size_t k = 0;
    for (int r = 0; r < n; r++)
        for (int i = 0; i < t->ncols; i++)
            if (mask & ((uint64_t)1 << i)) vals[k++] = objs[r]->values[i]; /* shallow: borrowed */
    orm_stmt *st = NULL;
    rc = orm_stmt_cache_acquire(s->cache, orm_buf_str(&sql), &st);
    int got = 0;
    if (rc >= 0) {
        /* the objects' bytes outlive the statement's run */
        rc = orm_stmt_bind_all(s->conn, st, vals, np, ORM_BIND_BORROW);
        /* a failure undoes only this statement (the drivers' rule when
         * fail_ends_tx is off): the rows are then written one by one, so the
         * failing one raises with its object named */
        s->conn->fail_ends_tx = 0;
        const char *echo = orm_buf_str(&sql);
        while (rc >= 0 && (rc = orm_stmt_step(s->conn, st, echo, vals, np)) == ORM_ROW) {
            echo = NULL;
            orm_value v = ORM_VALUE_NULL;
            rc = orm_stmt_value(s->conn, st, 0, &v);
            if (rc >= 0 && (v.type != ORM_V_INT || got >= n)) rc = ORM_EFAIL;
            for (int j = 0; rc >= 0 && j < nextra; j++)
                rc = orm_stmt_value(s->conn, st, j + 1, &xvals[(size_t)got * nextra + j]);
            if (rc >= 0) {
                keys[got] = (retrow){.key = v.u.i, .row = got};
                got++;
            }
            orm_value_clear(&v);
        }
        s->conn->fail_ends_tx = 0;
        orm_stmt_reset(s->conn, st);
        orm_stmt_clear(s->conn, st);
        orm_stmt_cache_release(s->cache, orm_buf_str(&sql), st);
    }
    free(vals);
    orm_buf_free(&sql);
    if (rc < 0 && st != NULL && got == 0) { /* the statement failed: replay */
        clear_values(xvals, nx);
        free(xvals);
        free(keys);
        orm_error_clear(&s->conn->err);
        orm_error_clear(&s->err);
        return ORM_FLUSH_REPLAY;
    }
    if (rc >= 0 && got != n)
        rc = orm_error_set(&s->err, ORM_ERR_DATA, 0,
                           "INSERT into '%s' returned %d generated key(s) for %d row(s)", t->name,
                           got, n);
    else if (rc < 0)
        rc = orm_session_fail_from_conn(s, rc);
    if (rc < 0) {
        clear_values(xvals, nx);
        free(xvals);
        free(keys);
        orm_session_set_failed(s, objs[0]);
        return rc;
    }
    int sorted = 1; /* they usually come back in order: then no sort */
    for (int r = 1; r < n && sorted; r++)
        sorted = keys[r - 1].key <= keys[r].key;
    if (!sorted) qsort(keys, (size_t)n, sizeof *keys, cmp_key);
    for (int r = 0; r < n && rc >= 0; r++) {
        orm_value_int(&objs[r]->values[t->autoinc_col], keys[r].key);
        objs[r]->pk_generated = 1;
        orm_value *x = nextra ? &xvals[(size_t)keys[r].row * nextra] : NULL;
        for (int i = 0, j = 0; j < nextra && i < t->ncols; i++) /* the row's other values */
            if (extra & ((uint64_t)1 << i)) orm_value_move(&objs[r]->values[i], &x[j++]);
        rc = orm_flush_inserted(s, objs[r]);
    }
    clear_values(xvals, nx); /* what a failure left unmoved */
    free(xvals);
    free(keys);
    return rc;
}
