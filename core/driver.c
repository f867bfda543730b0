/* driver.c — opening a connection through its backend record (backend.h)
 * and the thin wrappers core calls instead of a driver's function pointers:
 * they count statements, echo each statement with its parameters, attach the
 * SQL and parameters to conn->err on failure, and host the fault-injection
 * hook tests arm to fail the Nth call. */
#include "driver.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "backend.h"
#include "buf.h"
#include "sandbox.h"

/* Fault injection: calls left before the armed failure (0: disarmed). */
static long fail_countdown;
static int fail_fired;

void orm_driver_fail_after(long n)
{
    fail_countdown = n > 0 ? n : 0;
    fail_fired = 0;
}

int orm_driver_fail_fired(void)
{
    return fail_fired;
}

/* Counts one wrapper call; on the armed one, records the fault and disarms. */
static int injected(orm_conn *c)
{
    if (fail_countdown <= 0 || --fail_countdown > 0) return 0;
    fail_fired = 1;
    orm_error_set(&c->err, ORM_ERR_OPERATIONAL, 0, "injected fault");
    return 1;
}

/* A Ctrl-C that came between statements: this one fails instead. */
static int interrupted(orm_conn *c)
{
    if (!c->interrupted) return 0;
    c->interrupted = 0;
    orm_error_set(&c->err, ORM_ERR_OPERATIONAL, 0, "interrupted");
    return 1;
}

/* On a read-only connection, a write the backend refused becomes an
 * OperationalError that names the mode (the backend's words follow). */
static void name_read_only(orm_conn *c)
{
    if (!c->read_only || !c->err.message || !c->drv->is_read_only_refusal(c->err.code)) return;
    char *msg = strdup(c->err.message), *sql = c->err.sql ? strdup(c->err.sql) : NULL;
    int code = c->err.code;
    if (msg) { /* else keeps the backend's message */
        orm_error_set(&c->err, ORM_ERR_OPERATIONAL, code, "read-only mode (--read-only): %s", msg);
        if (sql) orm_error_attach_sql(&c->err, sql, NULL, 0);
    }
    free(msg);
    free(sql);
}

/* Attaches sql (or the SQL the driver already recorded) and params. */
static int failed(orm_conn *c, int rc, const char *sql, const orm_value *params, size_t n)
{
    c->interrupted = 0; /* a Ctrl-C has its failure (the driver's own interrupt too) */
    if (c->err.cls == ORM_ERR_NONE)
        orm_error_set(&c->err, ORM_ERR_ERROR, 0, "the %s driver failed without a message",
                      c->backend ? c->backend->name : "database");
    name_read_only(c);
    orm_stats_error(c->stats, c->err.cls);
    if (sql || n) orm_error_attach_sql(&c->err, sql ? sql : c->err.sql, params, n);
    return rc < 0 ? rc : ORM_EFAIL;
}

/* "SQL: <sql>" or "SQL: <sql>  [params: v1, v2]" to the echo callback. */
static void echo(orm_conn *c, const char *sql, const orm_value *params, size_t n)
{
    if (!c->echo || !c->echo_fn || !sql) return;
    orm_buf b = ORM_BUF_INIT;
    if (c->echo_tag)
        orm_buf_printf(&b, "SQL[%s]: ", c->echo_tag);
    else
        orm_buf_puts(&b, "SQL: ");
    orm_buf_puts(&b, sql);
    if (n) {
        orm_buf_puts(&b, "  [params: ");
        for (size_t i = 0; i < n; i++) {
            if (i) orm_buf_puts(&b, ", ");
            orm_value_describe(&b, &params[i]);
        }
        orm_buf_putc(&b, ']');
    }
    if (!b.oom) c->echo_fn(c->echo_ctx, b.p);
    orm_buf_free(&b);
}

static int no_driver(const orm_url *url, orm_error *err)
{
    orm_buf names = ORM_BUF_INIT;
    const orm_backend *be;
    for (size_t i = 0; (be = orm_backend_at(i)) != NULL; i++) {
        if (i) orm_buf_puts(&names, ", ");
        orm_buf_puts(&names, be->name);
    }
    char *shown = orm_url_masked(url, NULL);
    int rc = ORM_ENOMEM;
    if (!shown || names.oom)
        orm_error_oom(err);
    else
        rc = orm_error_set(err, ORM_ERR_ARGUMENT, 0,
                           "no driver for database URL scheme '%s' in '%s' (this build supports: "
                           "%s)",
                           url->scheme ? url->scheme : "", shown, orm_buf_str(&names));
    free(shown);
    orm_buf_free(&names);
    return rc;
}

int orm_conn_open(orm_conn **out, const orm_url *url, const orm_open_opts *opts, orm_error *err)
{
    static const orm_open_opts defaults = {NULL, 0, 0};
    *out = NULL;
    const orm_backend *be = orm_backend_for_scheme(url->scheme);
    if (!be) return no_driver(url, err);
    const orm_driver *drv = be->driver;
    if (!opts) opts = &defaults;
    orm_conn *c = NULL;
    int rc = drv->open(&c, url, opts, err);
    if (rc < 0) return rc;
    c->drv = drv;
    c->backend = be;
    c->read_only = opts->read_only;
    c->returning = be->dialect->supports_returning && (!drv->returning || drv->returning(c));
    c->display_url = orm_url_masked(url, opts->base_dir);
    c->stats = orm_stats_new();
    if (!c->display_url || !c->stats) {
        orm_stats_free(c->stats);
        drv->close(c);
        return orm_error_oom(err);
    }
    *out = c;
    return ORM_OK;
}

void orm_conn_close(orm_conn *c)
{
    if (!c) return;
    orm_stats_free(c->stats);
    c->stats = NULL;
    if (orm_sandbox_wraps(c)) /* leaving the sandbox: its outer transaction goes */
        (void)(c->drv->rollback ? c->drv->rollback(c) : c->drv->exec(c, "ROLLBACK"));
    orm_sandbox_free(c);
    c->drv->close(c);
}

int orm_conn_prepare(orm_conn *c, const char *sql, orm_stmt **out)
{
    *out = NULL;
    if (injected(c)) return failed(c, ORM_EFAIL, sql, NULL, 0);
    int rc = orm_sandbox_check_sql(c, sql);
    if (rc == ORM_OK) rc = c->drv->prepare(c, sql, out);
    if (rc < 0) orm_stats_failed(c->stats, sql);
    return rc < 0 ? failed(c, rc, sql, NULL, 0) : rc;
}

int orm_stmt_bind_all(orm_conn *c, orm_stmt *s, const orm_value *params, size_t n, orm_bind_own own)
{
    if (injected(c)) return failed(c, ORM_EFAIL, NULL, params, n);
    for (size_t i = 0; i < n; i++) {
        int rc = c->drv->bind(s, (int)i + 1, &params[i], own);
        if (rc < 0) return failed(c, rc, NULL, params, n);
    }
    return ORM_OK;
}

void orm_stmt_stream(orm_conn *c, orm_stmt *s, int chunk)
{
    if (c->drv->stream) c->drv->stream(s, chunk);
}

/* One execution is counted (and echoed) on its first step, the one that
 * carries echo_sql. */
int orm_stmt_step(orm_conn *c, orm_stmt *s, const char *echo_sql, const orm_value *params, size_t n)
{
    if (echo_sql) {
        c->nstatements++;
        echo(c, echo_sql, params, n);
    }
    if (injected(c) || (echo_sql && interrupted(c)))
        return failed(c, ORM_EFAIL, echo_sql, params, n);
    uint64_t t0 = orm_stats_now();
    int rc = c->drv->step(s);
    uint64_t dt = orm_stats_now() - t0;
    if (echo_sql)
        orm_stats_begin(c->stats, s, echo_sql, params, n, rc,
                        rc == ORM_DONE ? c->drv->changes(s) : -1, dt);
    else
        orm_stats_step(c->stats, s, rc, dt);
    return rc < 0 ? failed(c, rc, echo_sql, params, n) : rc;
}

int orm_conn_exec(orm_conn *c, const char *sql)
{
    c->nstatements++;
    echo(c, sql, NULL, 0);
    if (injected(c) || interrupted(c)) return failed(c, ORM_EFAIL, sql, NULL, 0);
    int rc = orm_sandbox_check_sql(c, sql);
    uint64_t t0 = orm_stats_now();
    if (rc == ORM_OK) rc = c->drv->exec(c, sql);
    orm_stats_begin(c->stats, NULL, sql, NULL, 0, rc < 0 ? rc : ORM_DONE, -1, orm_stats_now() - t0);
    return rc < 0 ? failed(c, rc, sql, NULL, 0) : rc;
}

/* BEGIN/COMMIT/ROLLBACK are echoed like statements (as SQLAlchemy logs
 * them) but not counted: nstatements measures the work a program asks for. */
static int transaction_op(orm_conn *c, int (*fn)(orm_conn *), const char *sql)
{
    echo(c, sql, NULL, 0);
    if (injected(c)) return failed(c, ORM_EFAIL, sql, NULL, 0);
    int rc = fn ? fn(c) : c->drv->exec(c, sql);
    if (rc >= 0 && sql[0] != 'B')
        orm_stats_transaction(c->stats, sql[0] == 'C' ? "commit" : "rollback");
    return rc < 0 ? failed(c, rc, sql, NULL, 0) : rc;
}

int orm_conn_begin(orm_conn *c)
{
    if (orm_sandbox_wraps(c)) return orm_sandbox_tx(c, ORM_SBX_BEGIN);
    return transaction_op(c, c->drv->begin, "BEGIN");
}
int orm_conn_commit(orm_conn *c)
{
    if (interrupted(c)) return failed(c, ORM_EFAIL, "COMMIT", NULL, 0);
    if (orm_sandbox_wraps(c)) return orm_sandbox_tx(c, ORM_SBX_COMMIT);
    return transaction_op(c, c->drv->commit, "COMMIT");
}
int orm_conn_rollback(orm_conn *c)
{
    if (orm_sandbox_wraps(c)) return orm_sandbox_tx(c, ORM_SBX_ROLLBACK);
    return transaction_op(c, c->drv->rollback, "ROLLBACK");
}

void orm_conn_interrupt(orm_conn *c)
{
    if (!c) return;
    c->interrupted = 1;
    if (c->drv->interrupt) c->drv->interrupt(c);
}

void orm_conn_interrupt_reset(orm_conn *c)
{
    if (c) c->interrupted = 0;
}

int orm_conn_in_transaction(orm_conn *c)
{
    if (orm_sandbox_wraps(c)) return orm_sandbox_in_transaction(c);
    return c->drv->in_transaction(c);
}

int orm_conn_savepoint(orm_conn *c, orm_savepoint_op op, const char *name)
{
    orm_buf b = ORM_BUF_INIT;
    orm_dialect_savepoint(orm_conn_dialect(c), &b, op, name);
    int rc = b.oom ? orm_error_oom(&c->err) : orm_conn_exec(c, orm_buf_str(&b));
    orm_buf_free(&b);
    return rc;
}

int orm_conn_savepoint_n(orm_conn *c, orm_savepoint_op op, int id)
{
    orm_buf name = ORM_BUF_INIT;
    orm_dialect_savepoint_name(&name, id);
    int rc = name.oom ? orm_error_oom(&c->err) : orm_conn_savepoint(c, op, orm_buf_str(&name));
    orm_buf_free(&name);
    return rc;
}

const struct orm_dialect *orm_conn_dialect(const orm_conn *c)
{
    assert(c->backend != NULL);
    return c->backend->dialect;
}

int orm_conn_returning(const orm_conn *c, orm_buf *b, const char *const *cols, int n)
{
    return c->returning ? orm_dialect_returning(orm_conn_dialect(c), b, cols, n) : 0;
}

const struct orm_backend *orm_conn_backend(const orm_conn *c)
{
    return c->backend;
}

const struct orm_replication *orm_conn_replication(const orm_conn *c)
{
    return c->backend ? c->backend->replication : NULL;
}

int orm_conn_driver_in_transaction(orm_conn *c)
{
    return c->drv->in_transaction(c);
}

int orm_conn_has_private_copy(const orm_conn *c)
{
    return c->drv->private_copy != NULL;
}

int orm_conn_private_copy(orm_conn *c)
{
    assert(c->drv->private_copy != NULL);
    return c->drv->private_copy(c);
}

int orm_conn_snapshot(orm_conn *c, void **out)
{
    assert(c->drv->snapshot != NULL);
    return c->drv->snapshot(c, out);
}

int orm_conn_restore_snapshot(orm_conn *c, void *snap)
{
    assert(c->drv->restore_snapshot != NULL);
    return c->drv->restore_snapshot(c, snap);
}

void orm_conn_drop_snapshot(orm_conn *c, void *snap)
{
    if (snap && c->drv->drop_snapshot) c->drv->drop_snapshot(snap);
}
