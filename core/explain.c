/* explain.c — the backend's plan for a compiled SELECT as text: the
 * dialect's EXPLAIN prefix before the statement, run through a cursor with
 * the same bound values (nothing is written into the SQL). The rows become
 * lines: SQLite's EXPLAIN QUERY PLAN rows (id, parent, notused, detail)
 * indented under their parent, as the sqlite3 shell draws them; a
 * one-column answer (PostgreSQL's QUERY PLAN) as it is; wider answers
 * (MySQL) as name=value pairs. */
#include "explain.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "dialect.h"
#include "driver.h"
#include "session_int.h"

/* Appends a value as plain text (NULL as "NULL"). */
static void put_value(orm_buf *b, const orm_value *v)
{
    switch (v->type) {
    case ORM_V_NULL:
        orm_buf_puts(b, "NULL");
        break;
    case ORM_V_TEXT:
        orm_buf_append(b, v->u.s, v->len);
        break;
    default:
        orm_value_describe(b, v);
    }
}

/* 1 when the answer has SQLite's plan shape. */
static int is_plan_tree(orm_cursor *c)
{
    return orm_cursor_ncols(c) == 4 && strcmp(orm_cursor_colname(c, 0), "id") == 0 &&
           strcmp(orm_cursor_colname(c, 1), "parent") == 0 &&
           strcmp(orm_cursor_colname(c, 3), "detail") == 0;
}

/* Plan rows seen so far: id -> depth (parents come before their children). */
typedef struct depths {
    int64_t *ids;
    int *depth;
    int n, cap;
} depths;

static int depth_of(const depths *d, int64_t parent)
{
    for (int i = d->n - 1; i >= 0; i--)
        if (d->ids[i] == parent) return d->depth[i] + 1;
    return 0;
}

static int depth_add(depths *d, int64_t id, int depth)
{
    if (d->n == d->cap) {
        int cap = d->cap ? d->cap * 2 : 16;
        int64_t *ids = realloc(d->ids, (size_t)cap * sizeof *ids);
        if (!ids) return ORM_ENOMEM;
        d->ids = ids;
        int *dp = realloc(d->depth, (size_t)cap * sizeof *dp);
        if (!dp) return ORM_ENOMEM;
        d->depth = dp;
        d->cap = cap;
    }
    d->ids[d->n] = id;
    d->depth[d->n++] = depth;
    return ORM_OK;
}

/* One row as a line. */
static int put_row(orm_cursor *c, int tree, depths *d, orm_buf *out)
{
    int ncols = orm_cursor_ncols(c), rc = ORM_OK;
    orm_value v = ORM_VALUE_NULL, id = ORM_VALUE_NULL, parent = ORM_VALUE_NULL;
    if (tree) {
        if ((rc = orm_cursor_value(c, 0, &id)) < 0 || (rc = orm_cursor_value(c, 1, &parent)) < 0 ||
            (rc = orm_cursor_value(c, 3, &v)) < 0)
            goto done;
        int depth = parent.type == ORM_V_INT ? depth_of(d, parent.u.i) : 0;
        if (id.type == ORM_V_INT && (rc = depth_add(d, id.u.i, depth)) < 0) goto done;
        for (int i = 0; i < depth; i++)
            orm_buf_puts(out, "  ");
        put_value(out, &v);
        goto done;
    }
    for (int i = 0; i < ncols; i++) {
        if ((rc = orm_cursor_value(c, i, &v)) < 0) goto done;
        if (ncols > 1) orm_buf_printf(out, "%s%s=", i ? " " : "", orm_cursor_colname(c, i));
        put_value(out, &v);
        orm_value_clear(&v);
    }
done: /* id and parent too: a backend may give them as text */
    orm_value_clear(&v);
    orm_value_clear(&id);
    orm_value_clear(&parent);
    return rc;
}

int orm_explain(orm_session *s, const char *sql, const orm_value *const *params, size_t n,
                orm_buf *out)
{
    const orm_dialect *d = orm_conn_dialect(s->conn);
    assert(d->explain);
    orm_buf text = ORM_BUF_INIT;
    orm_buf_puts(&text, d->explain);
    orm_buf_puts(&text, sql);
    if (text.oom) {
        orm_buf_free(&text);
        return orm_error_oom(&s->err);
    }
    orm_cursor *c = NULL;
    int rc = orm_cursor_open(s, orm_buf_str(&text), params, n, &c);
    orm_buf_free(&text);
    if (rc < 0) return rc;
    int tree = is_plan_tree(c), lines = 0;
    depths dp = {0};
    while ((rc = orm_cursor_step(c)) == ORM_ROW) {
        if (lines++) orm_buf_putc(out, '\n');
        if ((rc = put_row(c, tree, &dp, out)) < 0) break;
    }
    free(dp.ids);
    free(dp.depth);
    orm_cursor_close(c);
    if (rc == ORM_ENOMEM || out->oom) return orm_error_oom(&s->err);
    return rc < 0 ? rc : ORM_OK;
}
