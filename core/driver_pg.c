/* driver_pg.c — the PostgreSQL driver on libpq: the orm_driver table
 * orm_driver_pg. Statements are server-side prepared (PQprepare) under names
 * of their own and run with PQexecPrepared; parameters go as text (blobs in
 * binary), results come back as text and are converted by each column's
 * type OID. Every failure copies the server's primary message into
 * conn->err at once, classified by its SQLSTATE in the one function
 * classify(). The password is handed to libpq and never kept or shown.
 *
 * PostgreSQL aborts the whole transaction after a failed statement, where
 * SQLite and MariaDB undo only that statement. To behave alike, execute()
 * runs a statement under a savepoint of its own when the transaction holds
 * writes (and undoes just that statement on failure), and replaces a
 * transaction of reads only by a new one after a failure (nothing is lost).
 * Flush statements, whose failure ends the whole transaction anyway
 * (conn->fail_ends_tx), pay for neither. */
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dialect.h"
#include "driver.h"

/* Type OIDs (server/catalog/pg_type_d.h, stable across versions). */
#define OID_BOOL 16
#define OID_BYTEA 17
#define OID_INT8 20
#define OID_INT2 21
#define OID_INT4 23
#define OID_OID 26
#define OID_FLOAT4 700
#define OID_FLOAT8 701
#define OID_NUMERIC 1700

typedef struct pg_conn {
    orm_conn base; /* must stay first */
    PGconn *pg;
    PGcancel *cancel; /* made at connect: PQcancel is async-signal-safe */
    unsigned long next_name;
    int tx_writes; /* the open transaction wrote or set a savepoint */
} pg_conn;

/* One bound value, kept as given until execution, when it is written for
 * the parameter's type; its bytes are reused across executions. */
typedef struct pg_param {
    orm_vtype type;
    union {
        int64_t i;
        double r;
    } u;
    char *buf; /* TEXT/BLOB bytes */
    size_t cap, len;
    char num[40]; /* numbers and booleans as text */
} pg_param;

typedef struct pg_stmt {
    pg_conn *conn;
    char name[24];
    char *sql;
    int nparams;
    Oid *asked;       /* the types given to PQprepare (0: let the server infer) */
    Oid *ptypes;      /* the server's idea of each parameter's type */
    pg_param *params;
    const char **vals;
    int *lens, *fmts;
    PGresult *desc;   /* column names and types before execution */
    PGresult *res;    /* the last execution's rows */
    int row;          /* current row of res, -1 before the first step */
    int64_t changes;
    int untyped;      /* the server could not type the parameters by itself:
                         prepared at the first execution, typed by the values */
    Oid *ctypes;      /* the type of each column of res, read once a result */
    int nctypes;      /* entries ctypes holds room for */
} pg_stmt;

extern const orm_driver orm_driver_pg;

#define CONN(c) ((pg_conn *)(c))
#define STMT(s) ((pg_stmt *)(s))

/* SQLSTATE classes to error classes (PostgreSQL manual, appendix A). */
static orm_errclass classify(const char *state)
{
    if (!state || strlen(state) != 5) return ORM_ERR_OPERATIONAL; /* no server answer */
    if (strncmp(state, "23", 2) == 0) return ORM_ERR_INTEGRITY;
    if (strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0 ||
        strcmp(state, "55P03") == 0 || strcmp(state, "57014") == 0 ||
        strncmp(state, "08", 2) == 0 || strncmp(state, "53", 2) == 0 ||
        strncmp(state, "57", 2) == 0 || strncmp(state, "58", 2) == 0 ||
        strcmp(state, "25P02") == 0)
        return ORM_ERR_OPERATIONAL;
    if (strncmp(state, "42", 2) == 0 || strncmp(state, "26", 2) == 0 ||
        strncmp(state, "34", 2) == 0 || strncmp(state, "0A", 2) == 0)
        return ORM_ERR_PROGRAMMING;
    if (strncmp(state, "22", 2) == 0) return ORM_ERR_DATA;
    return ORM_ERR_ERROR;
}

/* SQLSTATE as the integer code: its five characters in base 36
 * ("23505" -> 3421829), so err.code compares without string parsing. The
 * class and message carry what a user reads. */
static int state_code(const char *state)
{
    int code = 0;
    for (int i = 0; state && i < 5 && state[i]; i++) {
        char ch = state[i];
        int d = ch >= '0' && ch <= '9' ? ch - '0' : ch >= 'A' && ch <= 'Z' ? ch - 'A' + 10 : 0;
        code = code * 36 + d;
    }
    return code;
}

/* Copies the message of res (or of the connection when res has none),
 * trimmed of its trailing newline. */
static int fail_res(pg_conn *c, const PGresult *res, const char *sql)
{
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    const char *msg = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    if (!msg) msg = PQerrorMessage(c->pg);
    if (!msg || !*msg) msg = "unknown error";
    int n = (int)strlen(msg);
    while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
        n--;
    if (orm_error_set(&c->base.err, classify(state), state_code(state), "%.*s", n, msg) ==
        ORM_ENOMEM)
        return ORM_ENOMEM;
    if (sql) orm_error_attach_sql(&c->base.err, sql, NULL, 0);
    return ORM_EFAIL;
}

/* Keeps c->tx_writes: set by any command in a transaction but a SELECT or
 * BEGIN (a savepoint counts: undoing the transaction would lose it), clear
 * outside a transaction. */
static void note_writes(pg_conn *c, PGresult *res)
{
    if (PQtransactionStatus(c->pg) != PQTRANS_INTRANS) {
        c->tx_writes = 0;
        return;
    }
    const char *cmd = PQcmdStatus(res);
    if (strncmp(cmd, "SELECT", 6) != 0 && strcmp(cmd, "BEGIN") != 0) c->tx_writes = 1;
}

/* Runs one command of ours on the side: no rows, and no trace in
 * conn->err (which keeps the failure being handled). 1 when it worked. */
static int quiet(pg_conn *c, const char *sql)
{
    PGresult *res = PQexec(c->pg, sql);
    int ok = PQresultStatus(res) == PGRES_COMMAND_OK;
    PQclear(res);
    return ok;
}

/* Before a statement: 1 when it runs under the savepoint ormsh_statement
 * (the transaction holds writes and the caller does not end it on failure). */
static int guard_open(pg_conn *c)
{
    return PQtransactionStatus(c->pg) == PQTRANS_INTRANS && c->tx_writes &&
           !c->base.fail_ends_tx && quiet(c, "SAVEPOINT ormsh_statement");
}

/* After the statement: releases the savepoint; after a failure undoes just
 * the statement, or replaces the transaction of reads it aborted by a new
 * one (nothing is lost, and the caller still has the transaction it began). */
static void guard_close(pg_conn *c, int guard, int failed)
{
    if (guard)
        quiet(c, failed ? "ROLLBACK TO SAVEPOINT ormsh_statement; RELEASE SAVEPOINT ormsh_statement"
                        : "RELEASE SAVEPOINT ormsh_statement");
    else if (failed && !c->tx_writes && !c->base.fail_ends_tx &&
             PQtransactionStatus(c->pg) == PQTRANS_INERROR)
        quiet(c, "ROLLBACK; BEGIN");
}

/* Runs sql (any number of statements, no parameters); rows are discarded. */
static int run(pg_conn *c, const char *sql)
{
    PGresult *res = PQexec(c->pg, sql);
    ExecStatusType st = PQresultStatus(res);
    int rc = ORM_OK;
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK && st != PGRES_EMPTY_QUERY)
        rc = fail_res(c, res, sql);
    else
        note_writes(c, res);
    PQclear(res);
    return rc;
}

static void ignore_notice(void *arg, const char *message)
{
    (void)arg;
    (void)message; /* NOTICEs (DROP ... IF EXISTS skipping) are not errors */
}

static void pg_close(orm_conn *base)
{
    if (!base) return;
    pg_conn *c = CONN(base);
    if (c->cancel) PQfreeCancel(c->cancel);
    if (c->pg) PQfinish(c->pg); /* the server rolls back an open transaction */
    orm_error_clear(&c->base.err);
    free(c->base.display_url);
    free(c);
}

/* "could not connect to PostgreSQL at host H, port P, database D as user
 * U: <libpq's reason>" — never the password. */
static int connect_failed(pg_conn *c, orm_error *err)
{
    /* libpq's reason on one line: its "\n\t" continuations become spaces */
    char why[512];
    snprintf(why, sizeof why, "%s", PQerrorMessage(c->pg));
    for (char *p = why; *p; p++)
        if (*p == '\n' || *p == '\t') *p = ' ';
    int n = (int)strlen(why);
    while (n > 0 && why[n - 1] == ' ')
        n--;
    const char *host = PQhost(c->pg), *port = PQport(c->pg);
    const char *db = PQdb(c->pg), *user = PQuser(c->pg);
    return orm_error_set(err, ORM_ERR_OPERATIONAL, state_code("08001"),
                         "could not connect to PostgreSQL at host %s, port %s, database %s as "
                         "user %s: %.*s",
                         host && *host ? host : "(default)", port && *port ? port : "5432",
                         db && *db ? db : "(default)", user && *user ? user : "(default)", n, why);
}

static int pg_open(orm_conn **out, const orm_url *url, const orm_open_opts *opts, orm_error *err)
{
    (void)opts;
    *out = NULL;
    pg_conn *c = calloc(1, sizeof *c);
    if (!c) return orm_error_oom(err);
    c->base.drv = &orm_driver_pg;
    char port[8] = "";
    if (url->port) snprintf(port, sizeof port, "%d", url->port);
    const char *portp = url->port ? port : NULL;
    const char *keys[10], *vals[10];
    int k = 0;
#define KV(key, val)                                                                               \
    do {                                                                                           \
        if ((val) && *(val)) {                                                                     \
            keys[k] = key;                                                                         \
            vals[k++] = val;                                                                       \
        }                                                                                          \
    } while (0)
    KV("host", url->host);
    KV("port", portp);
    KV("dbname", url->database);
    KV("user", url->user);
    KV("password", url->password); /* else PGPASSWORD or ~/.pgpass, as libpq does */
    KV("client_encoding", "UTF8");
    KV("fallback_application_name", "ormsh");
    KV("connect_timeout", "10");
#undef KV
    keys[k] = vals[k] = NULL;
    c->pg = PQconnectdbParams(keys, vals, 0);
    if (!c->pg) {
        free(c);
        return orm_error_oom(err);
    }
    if (PQstatus(c->pg) != CONNECTION_OK) {
        int rc = connect_failed(c, err);
        pg_close(&c->base);
        return rc;
    }
    PQsetNoticeProcessor(c->pg, ignore_notice, NULL);
    c->cancel = PQgetCancel(c->pg);
    int rc = run(c, "SET DateStyle = 'ISO, YMD'; SET IntervalStyle = 'iso_8601'");
    if (rc < 0) {
        orm_error_move(err, &c->base.err);
        pg_close(&c->base);
        return rc;
    }
    *out = &c->base;
    return ORM_OK;
}

static void stmt_free(pg_stmt *s)
{
    if (!s) return;
    PQclear(s->res);
    PQclear(s->desc);
    for (int i = 0; i < s->nparams; i++)
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

/* Prepares s->sql under a new name with the types in s->asked (NULL: all
 * inferred) and reads back the parameter and column types. A failure leaves
 * the transaction usable, as a failed execution does (a statement the server
 * cannot type yet is prepared again at its first execution). */
static int prepare_named(pg_stmt *s)
{
    pg_conn *c = s->conn;
    char name[sizeof s->name];
    snprintf(name, sizeof name, "orm_%lu", ++c->next_name);
    int guard = guard_open(c);
    PGresult *res = PQprepare(c->pg, name, s->sql, s->asked ? s->nparams : 0, s->asked);
    if (PQresultStatus(res) != PGRES_COMMAND_OK) {
        int rc = fail_res(c, res, s->sql);
        PQclear(res);
        guard_close(c, guard, 1);
        return rc;
    }
    PQclear(res);
    PGresult *desc = PQdescribePrepared(c->pg, name);
    if (PQresultStatus(desc) != PGRES_COMMAND_OK) {
        int rc = fail_res(c, desc, s->sql);
        PQclear(desc);
        guard_close(c, guard, 1);
        deallocate(c, name);
        return rc;
    }
    guard_close(c, guard, 0);
    if (s->desc) deallocate(c, s->name); /* the one it replaces */
    PQclear(s->desc);
    s->desc = desc;
    s->untyped = 0;
    memcpy(s->name, name, sizeof name);
    for (int i = 0; i < s->nparams && i < PQnparams(desc); i++)
        s->ptypes[i] = PQparamtype(desc, i);
    return ORM_OK;
}

/* After a failed prepare: the number of parameters ($1 .. $n, outside
 * quotes and comments) when the server failed only for want of their types
 * ("CASE WHEN .. THEN $1 ELSE $2 END" inside sum(), where text is guessed),
 * else 0. Such a statement is prepared again once its values are bound. */
static int untyped_params(pg_conn *c, const char *sql)
{
    static const char *const states[] = {"42883", "42804", "42P18", "42725"};
    int typing = 0;
    for (size_t i = 0; i < sizeof states / sizeof states[0]; i++)
        if (c->base.err.code == state_code(states[i])) typing = 1;
    if (!typing) return 0;
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
            if (k > n && k < 65536) n = (int)k;
        }
    }
    return n;
}

static int pg_prepare(orm_conn *base, const char *sql, orm_stmt **out)
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
    int rc = prepare_named(s);
    int n = rc < 0 ? untyped_params(c, sql) : PQnparams(s->desc);
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
            if (s->desc) deallocate(c, s->name);
            stmt_free(s);
            return orm_error_oom(&base->err);
        }
        for (int i = 0; i < n && s->desc; i++)
            s->ptypes[i] = PQparamtype(s->desc, i);
    }
    *out = (orm_stmt *)s;
    return ORM_OK;
}

/* PostgreSQL text cannot hold a NUL byte: refused here, as the server's own
 * "invalid byte sequence" error would be, so nothing is cut short. */
static int nul_in_text(pg_stmt *s)
{
    orm_error_set(&s->conn->base.err, ORM_ERR_DATA, state_code("22021"),
                  "invalid byte sequence for encoding \"UTF8\": 0x00 (PostgreSQL text cannot "
                  "hold a NUL byte; use a LargeBinary column)");
    orm_error_attach_sql(&s->conn->base.err, s->sql, NULL, 0);
    return ORM_EFAIL;
}

static int pg_bind(orm_stmt *os, int idx, const orm_value *v)
{
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

static int pg_clear_bindings(orm_stmt *os)
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
static Oid wanted_type(const pg_param *p, Oid t)
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

/* Prepares again with explicit types where the bound values need them
 * (every typed value's, for a statement the server could not type). */
static int retype(pg_stmt *s)
{
    int again = s->untyped;
    for (int i = 0; i < s->nparams; i++) {
        Oid want = wanted_type(&s->params[i], s->untyped ? 0 : s->ptypes[i]);
        if (want && want != s->asked[i]) {
            s->asked[i] = want;
            again = 1;
        }
    }
    return again ? prepare_named(s) : ORM_OK;
}

/* Writes p for a parameter of type t into the arrays of PQexecPrepared. */
static void put_param(pg_stmt *s, int i)
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
        else
            snprintf(p->num, sizeof p->num, "%.17g", p->u.r);
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

static int execute(pg_stmt *s)
{
    pg_conn *c = s->conn;
    int rc = retype(s);
    if (rc < 0) return rc;
    for (int i = 0; i < s->nparams; i++)
        put_param(s, i);
    PQclear(s->res);
    int guard = guard_open(c);
    s->res = PQexecPrepared(c->pg, s->name, s->nparams, s->vals, s->lens, s->fmts, 0);
    ExecStatusType st = PQresultStatus(s->res);
    if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK && st != PGRES_EMPTY_QUERY) {
        rc = fail_res(c, s->res, s->sql);
        PQclear(s->res);
        s->res = NULL;
        guard_close(c, guard, 1);
        return rc;
    }
    guard_close(c, guard, 0);
    note_writes(c, s->res);
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

static int pg_step(orm_stmt *os)
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
    s->row = PQntuples(s->res);
    return ORM_DONE;
}

static int pg_column_count(orm_stmt *os)
{
    pg_stmt *s = STMT(os);
    return PQnfields(s->res ? s->res : s->desc);
}

static const char *pg_column_name(orm_stmt *os, int i)
{
    pg_stmt *s = STMT(os);
    return PQfname(s->res ? s->res : s->desc, i);
}

/* numeric: an integer when it is one and fits, else a double (as SQLite's
 * NUMERIC affinity stores it). */
static void numeric_value(const char *t, orm_value *out)
{
    char *end;
    if (!strpbrk(t, ".eEnN")) {
        long long i = strtoll(t, &end, 10);
        if (*end == '\0') {
            orm_value_int(out, i);
            return;
        }
    }
    orm_value_real(out, strtod(t, NULL));
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
        numeric_value(t, out);
        return ORM_OK;
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
            *out = (orm_value){.type = ORM_V_TEXT, .borrowed = 1,
                               .len = (size_t)PQgetlength(s->res, s->row, i), .u.s = (char *)t};
            return ORM_OK;
        }
        return orm_value_set_text(out, t, (size_t)PQgetlength(s->res, s->row, i)) == ORM_OK
                   ? ORM_OK
                   : orm_error_oom(&s->conn->base.err);
    }
}

static int pg_column_value(orm_stmt *os, int i, orm_value *out)
{
    return column(STMT(os), i, out, 0);
}

static int pg_column_peek(orm_stmt *os, int i, orm_value *out)
{
    return column(STMT(os), i, out, 1);
}

static int pg_reset(orm_stmt *os)
{
    pg_stmt *s = STMT(os);
    PQclear(s->res);
    s->res = NULL;
    s->row = -1;
    return ORM_OK;
}

static void pg_finalize(orm_stmt *os)
{
    pg_stmt *s = STMT(os);
    if (!s) return;
    if (s->desc) deallocate(s->conn, s->name); /* else never prepared */
    stmt_free(s);
}

static int pg_exec(orm_conn *base, const char *sql)
{
    return run(CONN(base), sql);
}

static int64_t pg_changes(orm_stmt *os)
{
    return STMT(os)->changes;
}

/* The key the last INSERT took from a sequence (SERIAL or IDENTITY). */
static int64_t pg_last_insert_id(orm_conn *base)
{
    pg_conn *c = CONN(base);
    PGresult *res = PQexec(c->pg, "SELECT lastval()");
    int64_t id = 0;
    if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1)
        id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
    PQclear(res);
    return id;
}

static void pg_interrupt(orm_conn *base)
{
    pg_conn *c = CONN(base);
    char buf[256];
    if (c->cancel) PQcancel(c->cancel, buf, (int)sizeof buf);
}

static int pg_in_transaction(orm_conn *base)
{
    PGTransactionStatusType st = PQtransactionStatus(CONN(base)->pg);
    return st == PQTRANS_INTRANS || st == PQTRANS_INERROR || st == PQTRANS_ACTIVE;
}

static const char *const pg_schemes[] = {"postgresql", NULL};

const orm_driver orm_driver_pg = {
    .name = "postgresql",
    .schemes = pg_schemes,
    .dialect = &orm_dialect_pg,
    .open = pg_open,
    .close = pg_close,
    .prepare = pg_prepare,
    .bind = pg_bind,
    .step = pg_step,
    .column_count = pg_column_count,
    .column_name = pg_column_name,
    .column_value = pg_column_value,
    .column_peek = pg_column_peek,
    .reset = pg_reset,
    .finalize = pg_finalize,
    .exec = pg_exec,
    .changes = pg_changes,
    .last_insert_id = pg_last_insert_id,
    .begin = NULL, /* BEGIN, COMMIT, ROLLBACK through exec */
    .commit = NULL,
    .rollback = NULL,
    .interrupt = pg_interrupt,
    .in_transaction = pg_in_transaction,
    .set_foreign_keys = NULL,
    .clear_bindings = pg_clear_bindings,
};
