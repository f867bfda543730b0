/* sqlq.c — the one-shot queries of sqlq.h, over the driver wrappers. */
#include "sqlq.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int orm_sqlq_open(orm_sqlq *q, orm_conn *c, const char *sql, const orm_value *params, size_t n)
{
    memset(q, 0, sizeof *q);
    q->c = c;
    q->sql = sql;
    q->params = params;
    q->nparams = n;
    int rc = orm_conn_prepare(c, sql, &q->s);
    if (rc == ORM_OK && n) rc = orm_stmt_bind_all(c, q->s, params, n, ORM_BIND_COPY);
    if (rc < 0) orm_sqlq_close(q);
    return rc;
}

int orm_sqlq_open1(orm_sqlq *q, orm_conn *c, const char *sql, const char *arg)
{
    orm_value v = {.type = ORM_V_TEXT, .len = arg ? strlen(arg) : 0, .u.s = (char *)arg};
    int rc = orm_sqlq_open(q, c, sql, arg ? &v : NULL, arg ? 1 : 0);
    q->arg = v; /* for the echo of the first step */
    q->params = arg ? &q->arg : NULL;
    return rc;
}

int orm_sqlq_step(orm_sqlq *q)
{
    if (!q->s) return orm_error_set_first(&q->c->err, ORM_ERR_PROGRAMMING, 0, "query not open");
    const char *echo = q->stepped ? NULL : q->sql;
    q->stepped = 1;
    return orm_stmt_step(q->c, q->s, echo, q->params, q->nparams);
}

char *orm_sqlq_text(orm_sqlq *q, int i, int *oom)
{
    orm_value v = ORM_VALUE_NULL;
    if (orm_stmt_value(q->c, q->s, i, &v) < 0) {
        *oom = 1;
        return NULL;
    }
    char *s = NULL;
    if (v.type == ORM_V_TEXT || v.type == ORM_V_BLOB) {
        s = malloc(v.len + 1);
        if (s) {
            memcpy(s, v.u.s ? v.u.s : "", v.len);
            s[v.len] = '\0';
        }
    } else if (v.type == ORM_V_INT || v.type == ORM_V_BOOL) {
        s = malloc(24);
        if (s) snprintf(s, 24, "%lld", (long long)v.u.i);
    } else if (v.type == ORM_V_REAL) {
        s = malloc(32);
        if (s) snprintf(s, 32, "%.17g", v.u.r);
    } else {
        orm_value_clear(&v);
        return NULL;
    }
    if (!s) *oom = 1;
    orm_value_clear(&v);
    return s;
}

int64_t orm_sqlq_int(orm_sqlq *q, int i)
{
    orm_value v = ORM_VALUE_NULL;
    if (orm_stmt_value(q->c, q->s, i, &v) < 0) return 0;
    int64_t r = v.type == ORM_V_INT || v.type == ORM_V_BOOL ? v.u.i
                : v.type == ORM_V_REAL                      ? (int64_t)v.u.r
                                                            : 0;
    orm_value_clear(&v);
    return r;
}

int orm_sqlq_is_null(orm_sqlq *q, int i)
{
    orm_value v = ORM_VALUE_NULL;
    if (orm_stmt_value(q->c, q->s, i, &v) < 0) return 1;
    int null = v.type == ORM_V_NULL;
    orm_value_clear(&v);
    return null;
}

void orm_sqlq_close(orm_sqlq *q)
{
    if (q->s) orm_stmt_finalize(q->c, q->s);
    q->s = NULL;
}

int orm_sqlq_run(orm_conn *c, const char *sql, const orm_value *params, size_t n)
{
    orm_sqlq q;
    int rc = orm_sqlq_open(&q, c, sql, params, n);
    while (rc >= 0 && (rc = orm_sqlq_step(&q)) == ORM_ROW)
        ;
    orm_sqlq_close(&q);
    return rc < 0 ? rc : ORM_OK;
}

int orm_sqlq_collect(orm_conn *c, const char *sql, const char *arg, orm_strv *out)
{
    orm_sqlq q;
    int rc = orm_sqlq_open1(&q, c, sql, arg);
    while (rc >= 0 && (rc = orm_sqlq_step(&q)) == ORM_ROW) {
        int oom = 0;
        char *name = orm_sqlq_text(&q, 0, &oom);
        if (name && orm_strv_push(out, name) < 0) oom = 1;
        free(name);
        if (oom) rc = orm_error_oom(&c->err);
    }
    orm_sqlq_close(&q);
    return rc < 0 ? rc : ORM_OK;
}
