/* driver.h — the one interface every backend's driver implements (a const
 * table of function pointers), and the thin wrappers core calls: no code
 * outside driver.c and this header calls a driver's function itself. A
 * driver is found through its backend record (backend.h), which names it
 * with the backend's URL schemes and dialect. A connection struct of a driver
 * starts with the shared orm_conn. Drivers copy the backend's message into
 * conn->err at the moment of failure, before any reset or rollback. */
#ifndef ORM_DRIVER_H
#define ORM_DRIVER_H

#include <signal.h>
#include <stdint.h>
#include "dialect.h"
#include "error.h"
#include "stats.h"
#include "url.h"
#include "value.h"

struct orm_dialect;
struct orm_backend;
struct orm_replication;
typedef struct orm_conn orm_conn;
typedef struct orm_stmt orm_stmt; /* a driver's prepared statement */

/* Who keeps a bound value's bytes alive (as SQLite's SQLITE_TRANSIENT and
 * SQLITE_STATIC say): ORM_BIND_COPY, the driver copies them (or binds them
 * transiently) and the caller may free them at once; ORM_BIND_BORROW, the
 * caller keeps them alive and unchanged until the statement is reset and
 * rebound (or its bindings cleared), so a driver may bind them without a copy. */
typedef enum { ORM_BIND_COPY = 0, ORM_BIND_BORROW = 1 } orm_bind_own;

typedef struct orm_open_opts {
    const char *base_dir; /* relative sqlite paths resolve here (NULL: cwd) */
    int busy_timeout_ms;  /* 0: default 5000 */
    int read_only;        /* the backend refuses every write (SQLite opens the file
                             read-only; servers make every transaction read-only) */
} orm_open_opts;

/* Called for every statement run when conn->echo is set (the echo line is
 * already formatted: "SQL: ...  [params: ...]"). */
typedef void (*orm_echo_fn)(void *ctx, const char *line);

typedef struct orm_driver {
    /* must provide: opens a connection; on failure *out is NULL and err says why. */
    int (*open)(orm_conn **out, const orm_url *url, const orm_open_opts *opts, orm_error *err);
    /* must provide: closes (rolls back an open transaction). NULL is a no-op. */
    void (*close)(orm_conn *c);
    /* must provide: compiles one statement. */
    int (*prepare)(orm_conn *c, const char *sql, orm_stmt **out);
    /* must provide: binds v (1-based index); own says who keeps its bytes alive. */
    int (*bind)(orm_stmt *s, int idx, const orm_value *v, orm_bind_own own);
    /* must provide: ORM_ROW, ORM_DONE or a failure (conn->err set). */
    int (*step)(orm_stmt *s);
    int (*column_count)(orm_stmt *s);               /* must provide */
    const char *(*column_name)(orm_stmt *s, int i); /* must provide (0-based) */
    /* must provide: copies column i (0-based) of the current row into *out
     * (out is overwritten, not cleared). Integers as INT, floats as REAL,
     * text as TEXT, blobs as BLOB, NULL as NULL. */
    int (*column_value)(orm_stmt *s, int i, orm_value *out);
    /* must provide: ready to step again; keeps bindings unless cleared. */
    int (*reset)(orm_stmt *s);
    void (*finalize)(orm_stmt *s); /* must provide; NULL no-op */
    /* must provide: runs SQL text with no parameters and no rows (BEGIN, DDL). */
    int (*exec)(orm_conn *c, const char *sql);
    /* must provide: rows changed by the last INSERT/UPDATE/DELETE on s (matched rows). */
    int64_t (*changes)(orm_stmt *s);
    /* may be NULL (then the dialect uses RETURNING): last generated key. */
    int64_t (*last_insert_id)(orm_conn *c);
    /* may be NULL (then exec("BEGIN") etc. are used). */
    int (*begin)(orm_conn *c);
    int (*commit)(orm_conn *c);
    int (*rollback)(orm_conn *c);
    /* may be NULL: asks a running statement to stop (from a signal handler:
     * must be async-signal-safe). The statement then fails OperationalError. */
    void (*interrupt)(orm_conn *c);
    /* must provide: 1 when the backend has an open transaction. */
    int (*in_transaction)(orm_conn *c);
    /* may be NULL (then nothing to do): switch foreign-key enforcement. */
    int (*set_foreign_keys)(orm_conn *c, int on);
    /* may be NULL (then old bindings stay until rebound): unbinds every
     * parameter (all become NULL). The statement cache calls it on release. */
    int (*clear_bindings)(orm_stmt *s);
    /* may be NULL (then column_value is used): column i like column_value,
     * but text and blob bytes are the driver's (out->borrowed set), valid
     * until the statement steps, resets or is finalized. */
    int (*column_peek)(orm_stmt *s, int i, orm_value *out);
    /* must provide: 1 when the backend error code says a write was refused
     * because the connection is read-only. */
    int (*is_read_only_refusal)(int code);
    /* may be NULL (then a sandbox is one outer transaction, sandbox.h): the
     * connection goes on working on a private copy of its database, made
     * with no statement prepared and no transaction open (SQLite: the backup
     * API into an in-memory database; the real file is closed). snapshot
     * copies the current state into a new *out, restore_snapshot copies one
     * back (no transaction open), drop_snapshot frees one (NULL no-op). All
     * four, or none. */
    int (*private_copy)(orm_conn *c);
    int (*snapshot)(orm_conn *c, void **out);
    int (*restore_snapshot)(orm_conn *c, void *snap);
    void (*drop_snapshot)(void *snap);
    /* may be NULL (then the dialect's supports_returning answers): 1 when
     * the server this connection reached takes INSERT ... RETURNING, asked
     * once at open (the mysql driver: MariaDB 10.5 or later, not MySQL). */
    int (*returning)(orm_conn *c);
    /* may be NULL (then rows come as the driver always reads them): asks
     * that the next execution of s read its rows from the server chunk at a
     * time (PostgreSQL: a server-side cursor), so that a loop over a large
     * result holds one chunk, while other statements may still run on the
     * connection between its steps. Reset ends the request; a driver that
     * cannot at that moment (no transaction open) reads as usual. */
    void (*stream)(orm_stmt *s, int chunk);
} orm_driver;

/* The shared head of every driver's connection struct. */
struct orm_conn {
    const orm_driver *drv;
    const struct orm_backend *backend; /* the record naming drv (set by orm_conn_open) */
    orm_error err;                     /* the last failure on this connection */
    int echo;                          /* print statements through echo_fn */
    orm_echo_fn echo_fn;
    void *echo_ctx;
    uint64_t nstatements; /* statements executed (for tests and metrics) */
    orm_stats *stats;     /* owned: per-shape statistics, metrics, slow log */
    char *display_url;    /* masked URL for messages */
    /* Set by a caller that ends the whole transaction when the statement it
     * runs fails (flush): a driver need not keep the transaction usable. */
    int fail_ends_tx;
    /* Set by orm_conn_interrupt (from a signal handler): the driver's own
     * interrupt stops a statement that is running; between statements (a
     * long flush is mostly between them) the next statement or COMMIT fails
     * with OperationalError "interrupted" instead, so nothing more is
     * written. Consumed by that failure; orm_conn_interrupt_reset clears it. */
    volatile sig_atomic_t interrupted;
    /* Opened with orm_open_opts.read_only: a write the backend refuses
     * fails OperationalError "read-only mode (--read-only): ...". */
    int read_only;
    /* Names the server in echo lines ("SQL[replica 1]: ..."); NULL: "SQL: ". */
    const char *echo_tag;
    /* NULL, or the sandbox the connection is in (sandbox.h; owned). */
    struct orm_sandbox *sandbox;
    /* 1 when an INSERT on this connection returns its rows' generated keys
     * (RETURNING): set by orm_conn_open from the dialect and the server. */
    int returning;
};

/* Picks the backend serving url->scheme (backend.h) and opens its driver. On failure err says why
 * (ArgumentError for an unknown scheme, OperationalError for open failures). */
int orm_conn_open(orm_conn **out, const orm_url *url, const orm_open_opts *opts, orm_error *err);
void orm_conn_close(orm_conn *c); /* NULL is a no-op */

/* Wrappers: the only way core talks to a driver. They count statements, echo
 * when asked, and attach the SQL and params to conn->err on failure. */
int orm_conn_prepare(orm_conn *c, const char *sql, orm_stmt **out);
/* Binds params[0..n) to parameters 1..n; own: who keeps their bytes alive. */
int orm_stmt_bind_all(orm_conn *c, orm_stmt *s, const orm_value *params, size_t n,
                      orm_bind_own own);
/* Asks that s's next execution read its rows chunk at a time from the
 * server (the driver's stream; nothing when it has none). */
void orm_stmt_stream(orm_conn *c, orm_stmt *s, int chunk);
/* Echoes (if enabled) sql + params, then steps. The echo happens once per
 * execution: pass echo_sql NULL on subsequent steps of the same execution. */
int orm_stmt_step(orm_conn *c, orm_stmt *s, const char *echo_sql, const orm_value *params,
                  size_t n);
int orm_conn_exec(orm_conn *c, const char *sql); /* echoes too */
int orm_conn_begin(orm_conn *c);
int orm_conn_commit(orm_conn *c);
int orm_conn_rollback(orm_conn *c);
void orm_conn_interrupt(orm_conn *c);       /* async-signal-safe */
void orm_conn_interrupt_reset(orm_conn *c); /* before running new code */
int orm_conn_in_transaction(orm_conn *c);
/* Savepoints, a capability of the connection: runs the dialect's statement
 * for op on the savepoint called name (echoed, counted and checked like
 * orm_conn_exec). orm_conn_savepoint_n does it on the session's savepoint
 * number id (orm_dialect_savepoint_name). */
int orm_conn_savepoint(orm_conn *c, orm_savepoint_op op, const char *name);
int orm_conn_savepoint_n(orm_conn *c, orm_savepoint_op op, int id);
const struct orm_dialect *orm_conn_dialect(const orm_conn *c);
/* RETURNING on this connection, as orm_dialect_returning (dialect.h) asks
 * and writes it, but 0 (nothing appended) where the server does not take it
 * (conn->returning): the flush asks this, never the dialect alone. */
int orm_conn_returning(const orm_conn *c, orm_buf *b, const char *const *cols, int n);
const struct orm_backend *orm_conn_backend(const orm_conn *c);
/* The backend's replication hooks (backend.h), NULL when it has none. */
const struct orm_replication *orm_conn_replication(const orm_conn *c);

/* The sandbox's hooks (sandbox.c), untimed and uncounted.
 * orm_conn_driver_in_transaction is the backend's own answer (where
 * orm_conn_in_transaction answers for a sandbox's inner transaction);
 * orm_conn_has_private_copy says whether the driver has the four private
 * copy hooks (driver.h's orm_driver); the other four call them. */
int orm_conn_driver_in_transaction(orm_conn *c);
int orm_conn_has_private_copy(const orm_conn *c);
int orm_conn_private_copy(orm_conn *c);
int orm_conn_snapshot(orm_conn *c, void **out);
int orm_conn_restore_snapshot(orm_conn *c, void *snap);
void orm_conn_drop_snapshot(orm_conn *c, void *snap); /* NULL snap: a no-op */

/* Row access and statement housekeeping: inline (hot paths), untimed and
 * uncounted; only here so that no code outside driver.* calls drv-> itself. */
static inline int orm_stmt_ncols(orm_conn *c, orm_stmt *s)
{
    return c->drv->column_count(s);
}
static inline const char *orm_stmt_colname(orm_conn *c, orm_stmt *s, int i)
{
    return c->drv->column_name(s, i);
}
static inline int orm_stmt_value(orm_conn *c, orm_stmt *s, int i, orm_value *out)
{
    return c->drv->column_value(s, i, out);
}
/* The peek function (column_peek, or column_value where a driver has none). */
typedef int (*orm_column_fn)(orm_stmt *s, int i, orm_value *out);
static inline orm_column_fn orm_conn_peek_fn(orm_conn *c)
{
    return c->drv->column_peek ? c->drv->column_peek : c->drv->column_value;
}
static inline int64_t orm_stmt_changes(orm_conn *c, orm_stmt *s)
{
    return c->drv->changes(s);
}
static inline int orm_stmt_reset(orm_conn *c, orm_stmt *s)
{
    return c->drv->reset(s);
}
/* Unbinds every parameter where the driver can (else a no-op). */
static inline void orm_stmt_clear(orm_conn *c, orm_stmt *s)
{
    if (c->drv->clear_bindings) c->drv->clear_bindings(s);
}
static inline void orm_stmt_finalize(orm_conn *c, orm_stmt *s)
{
    c->drv->finalize(s);
}
/* 1 when the driver reports generated keys through last_insert_id. */
static inline int orm_conn_has_last_id(const orm_conn *c)
{
    return c->drv->last_insert_id != NULL;
}
static inline int64_t orm_conn_last_id(orm_conn *c)
{
    return c->drv->last_insert_id(c);
}
/* 1 when the driver has its own foreign-key switch. */
static inline int orm_conn_has_fk_switch(const orm_conn *c)
{
    return c->drv->set_foreign_keys != NULL;
}
/* Switches foreign-key enforcement (ORM_OK where the driver has no switch). */
static inline int orm_conn_set_fks(orm_conn *c, int on)
{
    return c->drv->set_foreign_keys ? c->drv->set_foreign_keys(c, on) : 0;
}

/* Test hook (fault injection): when armed with n > 0, the n-th following
 * wrapper call fails with OperationalError "injected fault". 0 disarms. */
void orm_driver_fail_after(long n);
int orm_driver_fail_fired(void); /* 1 when the armed failure happened */

#endif
