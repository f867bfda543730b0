/* driver_pg.c — the PostgreSQL driver on libpq: the orm_driver table
 * orm_driver_pg, the connection, errors and the statement guard. Statements
 * (server-side prepared, rows read by type OID) are in driver_pg_stmt.c,
 * bound values in driver_pg_param.c. Every failure copies the server's
 * primary message into conn->err at once, classified by its SQLSTATE in the
 * one function classify(). The password is handed to libpq and never kept
 * or shown.
 *
 * PostgreSQL aborts the whole transaction after a failed statement, where
 * SQLite and MariaDB undo only that statement. To behave alike, a statement
 * runs under a savepoint of its own when the transaction holds writes (and
 * a failure undoes just that statement), and a failure in a transaction of
 * reads only replaces it by a new one (nothing is lost): the guard below,
 * around every prepare and execution. Flush statements, whose failure ends
 * the whole transaction anyway (conn->fail_ends_tx), pay for neither. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dialect.h"
#include "driver_pg_int.h"

extern const orm_driver orm_driver_pg;

/* SQLSTATE classes to error classes (PostgreSQL manual, appendix A). */
static orm_errclass classify(const char *state)
{
    if (!state || strlen(state) != 5) return ORM_ERR_OPERATIONAL; /* no server answer */
    if (strncmp(state, "23", 2) == 0) return ORM_ERR_INTEGRITY;
    if (strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0 || strcmp(state, "55P03") == 0 ||
        strcmp(state, "57014") == 0 || strncmp(state, "08", 2) == 0 ||
        strncmp(state, "53", 2) == 0 || strncmp(state, "57", 2) == 0 ||
        strncmp(state, "58", 2) == 0 || strcmp(state, "25P02") == 0)
        return ORM_ERR_OPERATIONAL;
    if (strncmp(state, "42", 2) == 0 || strncmp(state, "26", 2) == 0 ||
        strncmp(state, "34", 2) == 0 || strncmp(state, "0A", 2) == 0 ||
        strncmp(state, "21", 2) == 0) /* 21: a subquery gave several rows */
        return ORM_ERR_PROGRAMMING;
    if (strncmp(state, "22", 2) == 0) return ORM_ERR_DATA;
    return ORM_ERR_ERROR;
}

/* SQLSTATE as the integer code: its five characters in base 36
 * ("23505" -> 3421829), so err.code compares without string parsing. The
 * class and message carry what a user reads. */
int orm_pg_state_code(const char *state)
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
int orm_pg_fail_res(pg_conn *c, const PGresult *res, const char *sql)
{
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    const char *msg = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    if (!msg) msg = PQerrorMessage(c->pg);
    if (!msg || !*msg) msg = "unknown error";
    int n = (int)strlen(msg);
    while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
        n--;
    if (orm_error_set(&c->base.err, classify(state), orm_pg_state_code(state), "%.*s", n, msg) ==
        ORM_ENOMEM)
        return ORM_ENOMEM;
    if (sql) orm_error_attach_sql(&c->base.err, sql, NULL, 0);
    return ORM_EFAIL;
}

/* Keeps c->tx_writes: set by any command in a transaction but a SELECT or
 * BEGIN (a savepoint counts: undoing the transaction would lose it), clear
 * outside a transaction. */
void orm_pg_note_writes(pg_conn *c, PGresult *res)
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
int orm_pg_guard_open(pg_conn *c)
{
    return PQtransactionStatus(c->pg) == PQTRANS_INTRANS && c->tx_writes && !c->base.fail_ends_tx &&
           quiet(c, "SAVEPOINT ormsh_statement");
}

/* After the statement: releases the savepoint; after a failure undoes just
 * the statement, or replaces the transaction of reads it aborted by a new
 * one (nothing is lost, and the caller still has the transaction it began). */
void orm_pg_guard_close(pg_conn *c, int guard, int failed)
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
        rc = orm_pg_fail_res(c, res, sql);
    else
        orm_pg_note_writes(c, res);
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
    return orm_error_set(err, ORM_ERR_OPERATIONAL, orm_pg_state_code("08001"),
                         "could not connect to PostgreSQL at host %s, port %s, database %s as "
                         "user %s: %.*s",
                         host && *host ? host : "(default)", port && *port ? port : "5432",
                         db && *db ? db : "(default)", user && *user ? user : "(default)", n, why);
}

/* The URL's options are libpq's connection keywords (sslmode, options,
 * application_name ...), as psycopg2 takes them from SQLAlchemy's URL: an
 * unknown one is an ArgumentError before any connection is tried. */
static int check_params(const orm_url *url, orm_error *err)
{
    if (url->params.n == 0) return ORM_OK;
    PQconninfoOption *known = PQconndefaults();
    if (!known) return orm_error_oom(err);
    int rc = ORM_OK;
    for (int i = 0; rc == ORM_OK && i + 1 < url->params.n; i += 2) {
        const PQconninfoOption *k = known;
        while (k->keyword && strcmp(k->keyword, url->params.v[i]) != 0)
            k++;
        if (k->keyword && strcmp(k->keyword, "client_encoding") == 0)
            rc = orm_error_set(err, ORM_ERR_ARGUMENT, 0,
                               "option 'client_encoding' in the postgresql URL: ormsh always "
                               "speaks UTF8 with the server");
        else if (!k->keyword)
            rc = orm_error_set(err, ORM_ERR_ARGUMENT, 0,
                               "unknown option '%s' in the postgresql URL (it takes libpq's "
                               "connection keywords: sslmode, options, application_name ...)",
                               url->params.v[i]);
    }
    PQconninfoFree(known);
    return rc;
}

static int pg_open(orm_conn **out, const orm_url *url, const orm_open_opts *opts, orm_error *err)
{
    *out = NULL;
    int rc = check_params(url, err);
    if (rc < 0) return rc;
    pg_conn *c = calloc(1, sizeof *c);
    if (!c) return orm_error_oom(err);
    c->base.drv = &orm_driver_pg;
    char port[8] = "";
    if (url->port) snprintf(port, sizeof port, "%d", url->port);
    const char *portp = url->port ? port : NULL;
    const char *keys[10 + ORM_URL_MAX_PARAMS], *vals[10 + ORM_URL_MAX_PARAMS];
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
    for (int i = 0; i + 1 < url->params.n; i += 2) /* the URL's options: theirs win */
        KV(url->params.v[i], url->params.v[i + 1]);
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
    rc = run(c, "SET DateStyle = 'ISO, YMD'; SET IntervalStyle = 'iso_8601'");
    if (rc >= 0 && opts && opts->read_only) rc = run(c, "SET default_transaction_read_only = on");
    if (rc < 0) {
        orm_error_move(err, &c->base.err);
        pg_close(&c->base);
        return rc;
    }
    *out = &c->base;
    return ORM_OK;
}

/* SQLSTATE 25006 read_only_sql_transaction. */
static int pg_is_read_only_refusal(int code)
{
    return code == orm_pg_state_code("25006");
}

static int pg_exec(orm_conn *base, const char *sql)
{
    return run(CONN(base), sql);
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

const orm_driver orm_driver_pg = {
    .open = pg_open,
    .close = pg_close,
    .prepare = orm_pg_prepare,
    .bind = orm_pg_bind,
    .step = orm_pg_step,
    .column_count = orm_pg_column_count,
    .column_name = orm_pg_column_name,
    .column_value = orm_pg_column_value,
    .column_peek = orm_pg_column_peek,
    .reset = orm_pg_reset,
    .finalize = orm_pg_finalize,
    .exec = pg_exec,
    .changes = orm_pg_changes,
    .last_insert_id = pg_last_insert_id,
    .begin = NULL, /* BEGIN, COMMIT, ROLLBACK through exec */
    .commit = NULL,
    .rollback = NULL,
    .interrupt = pg_interrupt,
    .is_read_only_refusal = pg_is_read_only_refusal,
    .in_transaction = pg_in_transaction,
    .set_foreign_keys = NULL,
    .clear_bindings = orm_pg_clear_bindings,
    .stream = orm_pg_stream,
};
