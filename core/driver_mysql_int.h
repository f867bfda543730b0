/* driver_mysql_int.h — what the MySQL/MariaDB driver's files share: the
 * connection and statement structs and the functions one file gives
 * another. driver_mysql.c: the connection, errors and the orm_driver table;
 * driver_mysql_stmt.c: preparing, binding, running and reading statements;
 * driver_mysql_kill.c: the helper thread that interrupts a running
 * statement (KILL QUERY from a connection of its own). */
#ifndef ORM_DRIVER_MYSQL_INT_H
#define ORM_DRIVER_MYSQL_INT_H

#include <mysql.h>
#include <pthread.h>

#include "driver.h"

typedef struct my_killer {
    int pipe[2]; /* [1]: written by interrupt (async-signal-safe) */
    pthread_t thread;
    int running;
    unsigned long thread_id; /* the connection to interrupt */
    char *host, *user, *password, *db;
    unsigned port;
} my_killer;

typedef struct my_conn {
    orm_conn base; /* must stay first */
    MYSQL *my;
    int64_t last_id;
    int returning; /* the server takes INSERT ... RETURNING */
    my_killer kill;
} my_conn;

typedef struct my_param {
    union {
        long long i;
        double d;
    } num;
    char *buf; /* text/blob bytes (owned copy) */
    size_t cap;
    unsigned long len;
    my_bool is_null;
} my_param;

enum { K_INT, K_REAL, K_DEC, K_TEXT, K_BLOB, K_TIME, K_BITS };

typedef struct my_col {
    int kind;
    int is_bool; /* TINYINT(1), BIT(1) */
    long long ival;
    double dval;
    char *buf;
    unsigned long cap, len;
    my_bool is_null, error;
} my_col;

typedef struct my_stmt {
    my_conn *conn;
    MYSQL_STMT *st;
    char *sql;
    unsigned nparams;
    MYSQL_BIND *pbind;
    my_param *params;
    unsigned ncols;
    MYSQL_RES *meta; /* result metadata (NULL: no rows) */
    MYSQL_FIELD *fields;
    MYSQL_BIND *rbind;
    my_col *cols;
    int executed;
    int64_t changes;
    int chunk;  /* my_stream: the next execution reads through a cursor, chunk rows a fetch */
    int cursor; /* this execution reads through a cursor (nothing stored on the client) */
} my_stmt;

#define CONN(c) ((my_conn *)(c))
#define STMT(s) ((my_stmt *)(s))

/* ---- driver_mysql.c ---- */
/* Records the statement's failure (classified by its error number) in its
 * connection's err, with its SQL: ORM_EFAIL, or ORM_ENOMEM. */
int orm_my_fail_stmt(my_stmt *s);

/* ---- driver_mysql_stmt.c: the orm_driver statement operations ---- */
int orm_my_prepare(orm_conn *base, const char *sql, orm_stmt **out);
int orm_my_bind(orm_stmt *os, int idx, const orm_value *v, orm_bind_own own);
int orm_my_clear_bindings(orm_stmt *os);
int orm_my_step(orm_stmt *os);
int orm_my_column_count(orm_stmt *os);
const char *orm_my_column_name(orm_stmt *os, int i);
int orm_my_column_value(orm_stmt *os, int i, orm_value *out);
int orm_my_column_peek(orm_stmt *os, int i, orm_value *out);
int orm_my_reset(orm_stmt *os);
void orm_my_stream(orm_stmt *os, int chunk);
void orm_my_finalize(orm_stmt *os);
int64_t orm_my_changes(orm_stmt *os);

/* ---- driver_mysql_kill.c ---- */
/* Starts c's helper (the server's thread id of c, url to reach it again);
 * without it (no memory, no thread) interrupting does nothing. */
void orm_my_killer_start(my_conn *c, const orm_url *url);
/* Stops the helper and frees what it kept (the password wiped). */
void orm_my_killer_stop(my_killer *k);
/* Async-signal-safe: asks the helper to interrupt c's running statement. */
void orm_my_interrupt(orm_conn *base);

#endif
