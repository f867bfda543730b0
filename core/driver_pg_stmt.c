/* driver_pg_stmt.c — PostgreSQL statements: server-side prepared under
 * names of their own (PQprepare; a statement the server cannot type is
 * prepared at its first execution with its values' types), run with
 * PQexecPrepared under the statement guard of driver_pg.c, and their rows
 * read back as values by each column's type OID. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "driver_pg_int.h"

static void stmt_free(pg_stmt *s)
{
    if (!s) return;
    PQclear(s->res);
    PQclear(s->desc);
    for (int i = 0; s->params && i < s->nparams; i++) /* NULL: its allocation failed */
        free(s->params[i].buf);
    free(s->params);
    free(s->vals);
    free(s->lens);
    free(s->fmts);
    free(s->ptypes);
    free(s->asked);
    free(s->ctypes);
    free(s->sql);
    free(s);
}

static void deallocate(pg_conn *c, const char *name)
{
    /* inside a failed transaction the name simply stays until the end */
    if (PQstatus(c->pg) != CONNECTION_OK || PQtransactionStatus(c->pg) == PQTRANS_INERROR) return;
    char sql[48];
    snprintf(sql, sizeof sql, "DEALLOCATE %s", name);
    PQclear(PQexec(c->pg, sql));
}

/* A statement under the guard failed with *res: the error kept, *res
 * cleared, the guard closed as failed. Returns the error code. */
static int fail_guarded(pg_conn *c, PGresult **res, const char *sql, int guard)
{
    int rc = orm_pg_fail_res(c, *res, sql);
    PQclear(*res);
    *res = NULL;
    orm_pg_guard_close(c, guard, 1);
    return rc;
}

/* Prepares s->sql under a new name with the types in s->asked (NULL: all
 * inferred) and reads back the parameter and column types. A failure leaves
 * the transaction usable, as a failed execution does (a statement the server
 * cannot type yet is prepared again at its first execution). */
static int prepare_named(pg_stmt *s)
{
    pg_conn *c = s->conn;
    char name[sizeof s->name];
    snprintf(name, sizeof name, "orm_%lu", ++c->next_name);
    int guard = orm_pg_guard_open(c);
    PGresult *res = PQprepare(c->pg, name, s->sql, s->asked ? s->nparams : 0, s->asked);
    if (PQresultStatus(res) != PGRES_COMMAND_OK) return fail_guarded(c, &res, s->sql, guard);
    PQclear(res);
    if (s->nscan > ORM_PG_DESCRIBE_MAX) { /* see ORM_PG_DESCRIBE_MAX */
        orm_pg_guard_close(c, guard, 0);
        if (s->prepared) deallocate(c, s->name);
        PQclear(s->desc);
        s->desc = NULL;
        s->untyped = 0;
        s->prepared = 1;
        memcpy(s->name, name, sizeof name);
        return ORM_OK;
    }
    PGresult *desc = PQdescribePrepared(c->pg, name);
    if (PQresultStatus(desc) != PGRES_COMMAND_OK) {
        int rc = fail_guarded(c, &desc, s->sql, guard);
        deallocate(c, name);
        return rc;
    }
    orm_pg_guard_close(c, guard, 0);
    if (s->prepared) deallocate(c, s->name); /* the one it replaces */
    PQclear(s->desc);
    s->desc = desc;
    s->untyped = 0;
    s->prepared = 1;
    memcpy(s->name, name, sizeof name);
    for (int i = 0; i < s->nparams && i < PQnparams(desc); i++)
        s->ptypes[i] = PQparamtype(desc, i);
    return ORM_OK;
}

/* After a failed prepare: the number of parameters ($1 .. $n, outside
 * quotes and comments) when the server failed only for want of their types
 * ("CASE WHEN .. THEN $1 ELSE $2 END" inside sum(), where text is guessed),
 * else 0. Such a statement is prepared again once its values are bound. */
static int count_params(const char *sql);

static int untyped_params(pg_conn *c, const char *sql)
{
    static const char *const states[] = {"42883", "42804", "42P18", "42725"};
    int typing = 0;
    for (size_t i = 0; i < sizeof states / sizeof states[0]; i++)
        if (c->base.err.code == orm_pg_state_code(states[i])) typing = 1;
    return typing ? count_params(sql) : 0;
}

/* The highest $n in sql outside quotes and comments (a huge n counts as
 * 65536, more than the protocol allows). */
static int count_params(const char *sql)
{
    int n = 0;
    for (const char *p = sql; *p; p++) {
        if (*p == '\'' || *p == '"') {
            const char *q = strchr(p + 1, *p);
            if (!q) break;
            p = q;
        } else if (p[0] == '-' && p[1] == '-') {
            p += strcspn(p, "\n");
            if (!*p) break;
        } else if (*p == '$' && p[1] >= '1' && p[1] <= '9') {
            long k = strtol(p + 1, NULL, 10);
            if (k > 65536) k = 65536;
            if (k > n) n = (int)k;
        }
    }
    return n;
}

int orm_pg_prepare(orm_conn *base, const char *sql, orm_stmt **out)
{
    pg_conn *c = CONN(base);
    *out = NULL;
    pg_stmt *s = calloc(1, sizeof *s);
    if (!s || !(s->sql = strdup(sql))) {
        free(s);
        return orm_error_oom(&base->err);
    }
    s->conn = c;
    s->row = -1;
    s->nscan = count_params(sql);
    if (s->nscan > ORM_PG_MAX_PARAMS) { /* refused before anything is sent */
        orm_error_set(&base->err, ORM_ERR_DATA, 0,
                      "too many bound values for one PostgreSQL statement (more than %d)",
                      ORM_PG_MAX_PARAMS);
        orm_error_attach_sql(&base->err, sql, NULL, 0);
        stmt_free(s);
        return ORM_EFAIL;
    }
    int rc = prepare_named(s);
    int n = rc < 0 ? untyped_params(c, sql) : s->desc ? PQnparams(s->desc) : s->nscan;
    if (rc < 0 && n == 0) {
        stmt_free(s);
        return rc;
    }
    if (rc < 0) {
        s->untyped = 1; /* prepared again at the first execution */
        orm_error_clear(&base->err);
    }
    if (n > 0) {
        s->nparams = n;
        s->asked = calloc((size_t)n, sizeof *s->asked);
        s->ptypes = calloc((size_t)n, sizeof *s->ptypes);
        s->params = calloc((size_t)n, sizeof *s->params);
        s->vals = calloc((size_t)n, sizeof *s->vals);
        s->lens = calloc((size_t)n, sizeof *s->lens);
        s->fmts = calloc((size_t)n, sizeof *s->fmts);
        if (!s->asked || !s->ptypes || !s->params || !s->vals || !s->lens || !s->fmts) {
            if (s->prepared) deallocate(c, s->name);
            stmt_free(s);
            return orm_error_oom(&base->err);
        }
        for (int i = 0; i < n && s->desc; i++)
            s->ptypes[i] = PQparamtype(s->desc, i);
    }
    *out = (orm_stmt *)s;
    return ORM_OK;
}

/* Prepares again with explicit types where the bound values need them
 * (every typed value's, for a statement the server could not type). */
static int retype(pg_stmt *s)
{
    int again = s->untyped;
    for (int i = 0; i < s->nparams; i++) {
        Oid want = orm_pg_wanted_type(&s->params[i], s->untyped ? 0 : s->ptypes[i]);
        if (want && want != s->asked[i]) {
            s->asked[i] = want;
            again = 1;
        }
    }
    return again ? prepare_named(s) : ORM_OK;
}

/* Takes s->res, just received, as the rows to step through: its column
 * types, the rows changed, the position before the first row. */
static int take_result(pg_stmt *s)
{
    pg_conn *c = s->conn;
    int nf = PQnfields(s->res);
    if (nf > s->nctypes) {
        Oid *t = realloc(s->ctypes, (size_t)nf * sizeof *t);
        if (!t) {
            PQclear(s->res);
            s->res = NULL;
            return orm_error_oom(&c->base.err);
        }
        s->ctypes = t;
        s->nctypes = nf;
    }
    for (int i = 0; i < nf; i++)
        s->ctypes[i] = PQftype(s->res, i);
    const char *n = PQcmdTuples(s->res);
    s->changes = n && *n ? strtoll(n, NULL, 10) : 0;
    s->row = -1;
    return ORM_OK;
}

/* The next chunk of the open cursor into s->res. */
static int fetch(pg_stmt *s)
{
    pg_conn *c = s->conn;
    char sql[64];
    snprintf(sql, sizeof sql, "FETCH FORWARD %d FROM %s", s->chunk, s->cursor);
    PQclear(s->res);
    int guard = orm_pg_guard_open(c);
    s->res = PQexec(c->pg, sql);
    if (PQresultStatus(s->res) != PGRES_TUPLES_OK) {
        s->cursor[0] = '\0'; /* a failed transaction took it, or it never was */
        return fail_guarded(c, &s->res, s->sql, guard);
    }
    orm_pg_guard_close(c, guard, 0);
    s->more = PQntuples(s->res) == s->chunk;
    return take_result(s);
}

/* Runs s as DECLARE ... CURSOR WITH HOLD (it outlives a commit in the loop
 * that reads it, the server keeping what is left) and fetches the first
 * chunk. The parameters go with the types the prepared statement has. */
static int declare(pg_stmt *s)
{
    pg_conn *c = s->conn;
    snprintf(s->cursor, sizeof s->cursor, "orm_cur_%lu", ++c->next_name);
    size_t n = strlen(s->sql) + sizeof s->cursor + 48;
    char *sql = malloc(n);
    if (sql == NULL) {
        s->cursor[0] = '\0';
        return orm_error_oom(&c->base.err);
    }
    snprintf(sql, n, "DECLARE %s NO SCROLL CURSOR WITH HOLD FOR %s", s->cursor, s->sql);
    int guard = orm_pg_guard_open(c);
    PGresult *res = PQexecParams(c->pg, sql, s->nparams, s->ptypes, s->vals, s->lens, s->fmts, 0);
    free(sql);
    if (PQresultStatus(res) != PGRES_COMMAND_OK) {
        s->cursor[0] = '\0';
        return fail_guarded(c, &res, s->sql, guard);
    }
    PQclear(res);
    orm_pg_guard_close(c, guard, 0);
    return fetch(s);
}

/* Closes the cursor s has open, if any (gone already after a failed
 * transaction: nothing to do then). */
static void close_cursor(pg_stmt *s)
{
    if (s->cursor[0] == '\0') return;
    pg_conn *c = s->conn;
    if (PQstatus(c->pg) == CONNECTION_OK && PQtransactionStatus(c->pg) != PQTRANS_INERROR) {
        char sql[48];
        snprintf(sql, sizeof sql, "CLOSE %s", s->cursor);
        PQclear(PQexec(c->pg, sql));
    }
    s->cursor[0] = '\0';
    s->more = 0;
}

static int execute(pg_stmt *s)
{
    pg_conn *c = s->conn;
    int rc = retype(s);
    if (rc < 0) return rc;
    for (int i = 0; i < s->nparams; i++)
        orm_pg_put_param(s, i);
    PQclear(s->res);
    s->res = NULL;
    close_cursor(s);
    if (s->chunk > 0 && PQtransactionStatus(c->pg) == PQTRANS_INTRANS) return declare(s);
    int guard = orm_pg_guard_open(c);
    s->res = PQexecPrepared(c->pg, s->name, s->nparams, s->vals, s->lens, s->fmts, 0);
    ExecStatusType st = PQresultStatus(s->res);
    if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK && st != PGRES_EMPTY_QUERY)
        return fail_guarded(c, &s->res, s->sql, guard);
    orm_pg_guard_close(c, guard, 0);
    orm_pg_note_writes(c, s->res);
    return take_result(s);
}

void orm_pg_stream(orm_stmt *os, int chunk)
{
    STMT(os)->chunk = chunk > 0 ? chunk : 0;
}

int orm_pg_step(orm_stmt *os)
{
    pg_stmt *s = STMT(os);
    if (!s->res) {
        int rc = execute(s);
        if (rc < 0) return rc;
    }
    if (s->row + 1 < PQntuples(s->res)) {
        s->row++;
        return ORM_ROW;
    }
    if (s->cursor[0] && s->more) { /* the next chunk */
        int rc = fetch(s);
        if (rc < 0) return rc;
        if (PQntuples(s->res) > 0) {
            s->row = 0;
            return ORM_ROW;
        }
    }
    s->row = PQntuples(s->res);
    return ORM_DONE;
}

int orm_pg_column_count(orm_stmt *os)
{
    pg_stmt *s = STMT(os);
    return PQnfields(s->res ? s->res : s->desc);
}

const char *orm_pg_column_name(orm_stmt *os, int i)
{
    pg_stmt *s = STMT(os);
    return PQfname(s->res ? s->res : s->desc, i);
}

/* numeric: an integer when it is one and fits (a sum of integers), NaN as
 * a double, else its exact decimal text (flagged decimal); with borrow,
 * the text is left in the result. */
static int numeric_value(const char *t, size_t len, orm_value *out, int borrow)
{
    char *end;
    if (!strpbrk(t, ".eEnN")) {
        errno = 0;
        long long i = strtoll(t, &end, 10);
        if (*end == '\0' && errno == 0) {
            orm_value_int(out, i);
            return ORM_OK;
        }
    }
    if (strpbrk(t, "nN")) { /* NaN, Infinity */
        orm_value_real(out, strtod(t, NULL));
        return ORM_OK;
    }
    if (borrow)
        *out = (orm_value){.type = ORM_V_TEXT, .borrowed = 1, .len = len, .u.s = (char *)t};
    else if (orm_value_set_text(out, t, len) != ORM_OK)
        return ORM_ENOMEM;
    out->decimal = 1;
    return ORM_OK;
}

/* An integer as the server writes it (an optional '-', digits): faster
 * than strtoll, which also handles locales, bases and overflow. */
static int64_t parse_int(const char *t)
{
    int neg = *t == '-';
    uint64_t v = 0;
    for (t += neg; *t >= '0' && *t <= '9'; t++)
        v = v * 10 + (uint64_t)(*t - '0');
    return neg ? (int64_t)(0 - v) : (int64_t)v;
}

/* Column i of the current row; with borrow, text is left in the result
 * (valid until it is cleared: the next execution or reset). */
static int column(pg_stmt *s, int i, orm_value *out, int borrow)
{
    /* PQgetvalue checks row and column against the result's bounds (NULL
     * when outside) and gives "" for a NULL: only an empty value needs
     * PQgetisnull to tell the two apart */
    const char *t = s->res && s->row >= 0 && i < s->nctypes ? PQgetvalue(s->res, s->row, i) : NULL;
    if (t == NULL || (*t == '\0' && PQgetisnull(s->res, s->row, i))) {
        *out = ORM_VALUE_NULL;
        return ORM_OK;
    }
    switch (s->ctypes[i]) {
    case OID_BOOL:
        orm_value_bool(out, t[0] == 't');
        return ORM_OK;
    case OID_INT2:
    case OID_INT4:
    case OID_INT8:
    case OID_OID:
        orm_value_int(out, parse_int(t));
        return ORM_OK;
    case OID_FLOAT4:
    case OID_FLOAT8:
        orm_value_real(out, strtod(t, NULL));
        return ORM_OK;
    case OID_NUMERIC:
        return numeric_value(t, (size_t)PQgetlength(s->res, s->row, i), out, borrow) == ORM_OK
                   ? ORM_OK
                   : orm_error_oom(&s->conn->base.err);
    case OID_BYTEA: {
        size_t len = 0;
        unsigned char *b = PQunescapeBytea((const unsigned char *)t, &len);
        if (!b) {
            *out = ORM_VALUE_NULL;
            return orm_error_oom(&s->conn->base.err);
        }
        int rc = orm_value_set_blob(out, b, len); /* owned, also when borrowing */
        PQfreemem(b);
        return rc == ORM_OK ? ORM_OK : orm_error_oom(&s->conn->base.err);
    }
    default:
        if (borrow) {
            *out = (orm_value){.type = ORM_V_TEXT,
                               .borrowed = 1,
                               .len = (size_t)PQgetlength(s->res, s->row, i),
                               .u.s = (char *)t};
            return ORM_OK;
        }
        return orm_value_set_text(out, t, (size_t)PQgetlength(s->res, s->row, i)) == ORM_OK
                   ? ORM_OK
                   : orm_error_oom(&s->conn->base.err);
    }
}

int orm_pg_column_value(orm_stmt *os, int i, orm_value *out)
{
    return column(STMT(os), i, out, 0);
}

int orm_pg_column_peek(orm_stmt *os, int i, orm_value *out)
{
    return column(STMT(os), i, out, 1);
}

int orm_pg_reset(orm_stmt *os)
{
    pg_stmt *s = STMT(os);
    PQclear(s->res);
    s->res = NULL;
    s->row = -1;
    close_cursor(s);
    s->chunk = 0; /* asked for one execution */
    return ORM_OK;
}

void orm_pg_finalize(orm_stmt *os)
{
    pg_stmt *s = STMT(os);
    if (!s) return;
    close_cursor(s);
    if (s->prepared) deallocate(s->conn, s->name); /* else never prepared */
    stmt_free(s);
}

int64_t orm_pg_changes(orm_stmt *os)
{
    return STMT(os)->changes;
}
