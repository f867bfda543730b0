/* driver_pg_param.c — PostgreSQL bound values: kept as given until
 * execution, then written as text for the type the server inferred (blobs
 * in binary), and the type a value needs where the server guessed another. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "driver_pg_int.h"

/* PostgreSQL text cannot hold a NUL byte: refused here, as the server's own
 * "invalid byte sequence" error would be, so nothing is cut short. */
static int nul_in_text(pg_stmt *s)
{
    orm_error_set(&s->conn->base.err, ORM_ERR_DATA, orm_pg_state_code("22021"),
                  "invalid byte sequence for encoding \"UTF8\": 0x00 (PostgreSQL text cannot "
                  "hold a NUL byte; use a LargeBinary column)");
    orm_error_attach_sql(&s->conn->base.err, s->sql, NULL, 0);
    return ORM_EFAIL;
}

int orm_pg_bind(orm_stmt *os, int idx, const orm_value *v, orm_bind_own own)
{
    (void)own; /* text parameters are always copied into the statement's buffers */
    pg_stmt *s = STMT(os);
    if (idx < 1 || idx > s->nparams) {
        orm_error_set(&s->conn->base.err, ORM_ERR_PROGRAMMING, 0,
                      "parameter %d out of range (the statement takes %d)", idx, s->nparams);
        orm_error_attach_sql(&s->conn->base.err, s->sql, NULL, 0);
        return ORM_EFAIL;
    }
    pg_param *p = &s->params[idx - 1];
    p->type = v->type;
    switch (v->type) {
    case ORM_V_INT:
    case ORM_V_BOOL:
        p->u.i = v->u.i;
        return ORM_OK;
    case ORM_V_REAL:
        p->u.r = v->u.r;
        return ORM_OK;
    case ORM_V_TEXT:
    case ORM_V_BLOB:
        if (v->type == ORM_V_TEXT && v->len && memchr(v->u.s, '\0', v->len)) {
            p->type = ORM_V_NULL;
            return nul_in_text(s);
        }
        if (v->len + 1 > p->cap) {
            size_t cap = v->len + 1 < 32 ? 32 : v->len + 1;
            char *b = realloc(p->buf, cap);
            if (!b) {
                p->type = ORM_V_NULL;
                return orm_error_oom(&s->conn->base.err);
            }
            p->buf = b;
            p->cap = cap;
        }
        if (v->len) memcpy(p->buf, v->u.s, v->len);
        p->buf[v->len] = '\0';
        p->len = v->len;
        return ORM_OK;
    case ORM_V_NULL:
    default:
        p->type = ORM_V_NULL;
        return ORM_OK;
    }
}

int orm_pg_clear_bindings(orm_stmt *os)
{
    pg_stmt *s = STMT(os);
    for (int i = 0; i < s->nparams; i++)
        s->params[i].type = ORM_V_NULL;
    return ORM_OK;
}

/* A type the server settles on when nothing in the SQL says more ("SELECT
 * $1", "$1 || x"): text. */
static int texty(Oid t)
{
    return t == 0 || t == 25 || t == 1043 || t == 705; /* unknown, text, varchar, unknown */
}

static int is_int(Oid t)
{
    return t == OID_INT2 || t == OID_INT4 || t == OID_INT8;
}

/* The type p's value needs when the server's inferred type t would not
 * take it (0: t takes it): a number where text was guessed, a float where
 * an integer was guessed ("views * 1.5"). */
Oid orm_pg_wanted_type(const pg_param *p, Oid t)
{
    switch (p->type) {
    case ORM_V_INT:
        return texty(t) ? OID_INT8 : 0;
    case ORM_V_BOOL:
        return texty(t) ? OID_BOOL : 0;
    case ORM_V_REAL: /* a Lua float stays one: "age / 2.0" divides as reals */
        return texty(t) || is_int(t) ? OID_FLOAT8 : 0;
    case ORM_V_BLOB:
        return texty(t) ? OID_BYTEA : 0;
    default:
        return 0;
    }
}

_Static_assert(sizeof((pg_param *)0)->num >= ORM_DOUBLE_CAP, "room for a double's text");

/* Writes p for a parameter of type t into the arrays of PQexecPrepared. */
void orm_pg_put_param(pg_stmt *s, int i)
{
    pg_param *p = &s->params[i];
    Oid t = s->ptypes[i];
    const char *v = p->num;
    int len = 0, fmt = 0;
    switch (p->type) {
    case ORM_V_INT:
        if (t == OID_BOOL)
            snprintf(p->num, sizeof p->num, "%s", p->u.i ? "true" : "false");
        else
            snprintf(p->num, sizeof p->num, "%lld", (long long)p->u.i);
        break;
    case ORM_V_BOOL:
        snprintf(p->num, sizeof p->num, "%s",
                 is_int(t) || t == OID_NUMERIC || t == OID_FLOAT4 || t == OID_FLOAT8
                     ? (p->u.i ? "1" : "0")
                     : (p->u.i ? "true" : "false"));
        break;
    case ORM_V_REAL:
        if (p->u.r != p->u.r)
            snprintf(p->num, sizeof p->num, "NaN");
        else if (p->u.r > 1.7976931348623157e308)
            snprintf(p->num, sizeof p->num, "Infinity");
        else if (p->u.r < -1.7976931348623157e308)
            snprintf(p->num, sizeof p->num, "-Infinity");
        else if (is_int(t) && p->u.r == (double)(int64_t)p->u.r)
            snprintf(p->num, sizeof p->num, "%lld", (long long)p->u.r);
        else /* the shortest digits that read back as the double: 0.99, not
                0.98999999999999999 (which a NUMERIC would keep as it is) */
            orm_double_shortest(p->num, p->u.r);
        break;
    case ORM_V_TEXT:
    case ORM_V_BLOB:
        v = p->buf ? p->buf : "";
        len = (int)p->len;
        fmt = t == OID_BYTEA || p->type == ORM_V_BLOB; /* raw bytes, no escaping */
        break;
    default:
        v = NULL;
        break;
    }
    s->vals[i] = v;
    s->lens[i] = len;
    s->fmts[i] = fmt;
}
