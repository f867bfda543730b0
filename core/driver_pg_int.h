/* driver_pg_int.h — what the PostgreSQL driver's files share: the
 * connection and statement structs and the functions one file gives
 * another. driver_pg.c: the connection, errors and the statement guard,
 * and the orm_driver table; driver_pg_stmt.c: preparing, running and
 * reading statements; driver_pg_param.c: bound values and their types. */
#ifndef ORM_DRIVER_PG_INT_H
#define ORM_DRIVER_PG_INT_H

#include <libpq-fe.h>

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
    Oid *asked;  /* the types given to PQprepare (0: let the server infer) */
    Oid *ptypes; /* the server's idea of each parameter's type */
    pg_param *params;
    const char **vals;
    int *lens, *fmts;
    PGresult *desc; /* column names and types before execution */
    PGresult *res;  /* the last execution's rows */
    int row;        /* current row of res, -1 before the first step */
    int64_t changes;
    int untyped;  /* the server could not type the parameters by itself:
                     prepared at the first execution, typed by the values */
    Oid *ctypes;  /* the type of each column of res, read once a result */
    int nctypes;  /* entries ctypes holds room for */
    int prepared; /* name is a statement on the server */
    int nscan;    /* the highest $n in sql (counted before preparing) */
    /* Streaming (orm_pg_stream): chunk > 0 asks that the next execution
     * read its rows through a server-side cursor, chunk rows a FETCH;
     * cursor names the one open ("" when none); more says the last FETCH
     * filled its chunk, so another may bring rows. */
    int chunk;
    char cursor[32];
    int more;
} pg_stmt;

/* libpq (before 17) takes a ParameterDescription message longer than 30,000
 * bytes (7,499 parameters or more) for a lost synchronisation and drops the
 * connection: a statement with more parameters than this is not described;
 * its values go as text for the server to type, its columns are known once
 * it ran. */
#define ORM_PG_DESCRIBE_MAX 7000
/* The protocol counts parameters in 16 bits. */
#define ORM_PG_MAX_PARAMS 65535

#define CONN(c) ((pg_conn *)(c))
#define STMT(s) ((pg_stmt *)(s))

/* ---- driver_pg.c ---- */
/* SQLSTATE as the integer code err.code holds. */
int orm_pg_state_code(const char *state);
/* Records the failure of res (or of the connection) in c->err, with sql. */
int orm_pg_fail_res(pg_conn *c, const PGresult *res, const char *sql);
/* Keeps c->tx_writes after a successful command. */
void orm_pg_note_writes(pg_conn *c, PGresult *res);
/* Around one statement: the savepoint that keeps the transaction usable
 * after a failure (see driver_pg.c). */
int orm_pg_guard_open(pg_conn *c);
void orm_pg_guard_close(pg_conn *c, int guard, int failed);

/* ---- driver_pg_param.c ---- */
int orm_pg_bind(orm_stmt *os, int idx, const orm_value *v, orm_bind_own own);
int orm_pg_clear_bindings(orm_stmt *os);
/* The type p's value needs when the server's inferred type t would not
 * take it (0: t takes it). */
Oid orm_pg_wanted_type(const pg_param *p, Oid t);
/* Writes parameter i for its type into the arrays of PQexecPrepared. */
void orm_pg_put_param(pg_stmt *s, int i);

/* ---- driver_pg_stmt.c ---- */
int orm_pg_prepare(orm_conn *base, const char *sql, orm_stmt **out);
int orm_pg_step(orm_stmt *os);
int orm_pg_column_count(orm_stmt *os);
const char *orm_pg_column_name(orm_stmt *os, int i);
int orm_pg_column_value(orm_stmt *os, int i, orm_value *out);
int orm_pg_column_peek(orm_stmt *os, int i, orm_value *out);
int orm_pg_reset(orm_stmt *os);
void orm_pg_stream(orm_stmt *os, int chunk);
void orm_pg_finalize(orm_stmt *os);
int64_t orm_pg_changes(orm_stmt *os);

#endif
