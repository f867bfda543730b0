/* driver_sqlite.c — the SQLite driver on libsqlite3: the orm_driver table
 * orm_driver_sqlite and its connection and statement structs. Every failure
 * copies sqlite3_errmsg into conn->err at once (before any reset can change
 * it), classified by the one function classify(). */
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dialect.h"
#include "driver.h"

typedef struct sqlite_conn {
    orm_conn base; /* must stay first */
    sqlite3 *db;
} sqlite_conn;

#define DEC_CACHED 16 /* columns whose decimal scale a statement remembers */

typedef struct sqlite_stmt {
    sqlite3_stmt *st;
    sqlite_conn *conn;
    /* per column: 0 not looked up yet, else dec_scale() + 3; forgotten when
     * SQLite re-prepared the statement (after a schema change, which may
     * change them): reprepared is its count of those when they were read */
    signed char dec[DEC_CACHED];
    int reprepared;
} sqlite_stmt;

extern const orm_driver orm_driver_sqlite;

#define CONN(c) ((sqlite_conn *)(c))
#define STMT(s) ((sqlite_stmt *)(s))

typedef enum { PH_PREPARE, PH_BIND, PH_STEP, PH_OTHER } phase;

/* SQLite result codes (extended or primary) to error classes. A plain
 * SQLITE_ERROR while compiling is bad SQL (syntax, no such table/column);
 * at run time (integer overflow, malformed JSON) it is
 * an OperationalError, the class Python's sqlite3 gives it too. */
static orm_errclass classify(int rc, phase ph)
{
    switch (rc & 0xff) {
    case SQLITE_CONSTRAINT:
        return ORM_ERR_INTEGRITY;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_INTERRUPT:
    case SQLITE_IOERR:
    case SQLITE_CANTOPEN:
    case SQLITE_FULL:
    case SQLITE_READONLY:
    case SQLITE_NOMEM:
    case SQLITE_PROTOCOL:
    case SQLITE_NOLFS:
    case SQLITE_PERM:
    case SQLITE_ABORT:
    case SQLITE_SCHEMA:
    case SQLITE_CORRUPT: /* the file is damaged or not a database */
    case SQLITE_NOTADB:
        return ORM_ERR_OPERATIONAL;
    case SQLITE_ERROR:
        return ph == PH_PREPARE ? ORM_ERR_PROGRAMMING : ORM_ERR_OPERATIONAL;
    case SQLITE_MISUSE:
        return ORM_ERR_PROGRAMMING;
    case SQLITE_MISMATCH:
    case SQLITE_TOOBIG:
    case SQLITE_RANGE:
        return ORM_ERR_DATA;
    default:
        return ORM_ERR_ERROR;
    }
}

/* Records the connection's current error (call right after the failing
 * API call) and the SQL it concerns. */
static int fail(sqlite_conn *c, int rc, phase ph, const char *sql)
{
    orm_error *e = &c->base.err;
    int bad_file = (rc & 0xff) == SQLITE_CORRUPT || (rc & 0xff) == SQLITE_NOTADB;
    const char *file = bad_file ? sqlite3_db_filename(c->db, "main") : NULL;
    if (orm_error_set(e, classify(rc, ph), rc, "%s%s%s", sqlite3_errmsg(c->db),
                      file && *file ? ": " : "", file && *file ? file : "") == ORM_ENOMEM)
        return ORM_ENOMEM;
    if (sql) orm_error_attach_sql(e, sql, NULL, 0);
    return (rc & 0xff) == SQLITE_NOMEM ? ORM_ENOMEM : ORM_EFAIL;
}

/* Runs every statement of sql (rows are discarded). */
static int run_all(sqlite_conn *c, const char *sql)
{
    const char *p = sql;
    while (*p) {
        sqlite3_stmt *st = NULL;
        const char *tail = NULL;
        int rc = sqlite3_prepare_v2(c->db, p, -1, &st, &tail);
        if (rc != SQLITE_OK) return fail(c, rc, PH_PREPARE, sql);
        if (!st) break; /* only spaces and comments left */
        while ((rc = sqlite3_step(st)) == SQLITE_ROW)
            continue;
        if (rc != SQLITE_DONE) {
            int r = fail(c, rc, PH_STEP, sql);
            sqlite3_finalize(st);
            return r;
        }
        sqlite3_finalize(st);
        p = tail;
    }
    return ORM_OK;
}

/* SQLITE_READONLY and its extended codes: a write on a read-only file. */
static int sq_is_read_only_refusal(int code)
{
    return (code & 0xff) == SQLITE_READONLY;
}

static void sq_close(orm_conn *base)
{
    if (!base) return;
    sqlite_conn *c = CONN(base);
    if (c->db && !sqlite3_get_autocommit(c->db)) sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
    sqlite3_close_v2(c->db); /* statements still out keep the handle alive */
    orm_error_clear(&c->base.err);
    free(c->base.display_url);
    free(c);
}

/* The URL's option mode (as SQLite's own file: URIs say it): ro opens the
 * file read-only, rw read-write without creating it, rwc (the default)
 * creates it when missing. *flags gets the open flags. */
static int open_mode(const orm_url *url, int read_only, int *flags, orm_error *err)
{
    static const char *const known[] = {"mode", NULL};
    if (orm_url_check_params(url, known, err) < 0) return ORM_EFAIL;
    const char *m = orm_url_param(url, "mode");
    if (m && strcmp(m, "ro") && strcmp(m, "rw") && strcmp(m, "rwc"))
        return orm_error_set(err, ORM_ERR_ARGUMENT, 0,
                             "mode '%s' in the sqlite URL: use ro, rw or rwc", m);
    if (read_only || (m && strcmp(m, "ro") == 0))
        *flags = SQLITE_OPEN_READONLY;
    else if (m && strcmp(m, "rw") == 0)
        *flags = SQLITE_OPEN_READWRITE;
    else
        *flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
    *flags |= SQLITE_OPEN_NOMUTEX; /* one thread per connection */
    return ORM_OK;
}

static int sq_open(orm_conn **out, const orm_url *url, const orm_open_opts *opts, orm_error *err)
{
    *out = NULL;
    int flags = 0;
    if (open_mode(url, opts && opts->read_only, &flags, err) < 0) return ORM_EFAIL;
    char *path = orm_url_sqlite_path(url, opts ? opts->base_dir : NULL);
    sqlite_conn *c = calloc(1, sizeof *c);
    if (!path || !c) {
        free(path);
        free(c);
        return orm_error_oom(err);
    }
    c->base.drv = &orm_driver_sqlite;
    /* No memory statistics: they take a global mutex on every allocation
     * SQLite makes. Process-wide, and only possible before SQLite is
     * initialized (the first open): later calls fail harmlessly. */
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    int ro = !(flags & SQLITE_OPEN_READWRITE), creates = (flags & SQLITE_OPEN_CREATE) != 0;
    int rc = sqlite3_open_v2(path, &c->db, flags, NULL);
    if (rc != SQLITE_OK) {
        int xrc = c->db ? sqlite3_extended_errcode(c->db) : rc;
        if (rc == SQLITE_NOMEM)
            orm_error_oom(err);
        else
            orm_error_set(err, ORM_ERR_OPERATIONAL, xrc, "unable to open database file: %s%s", path,
                          ro         ? " (read-only mode: the file must exist)"
                          : !creates ? " (mode rw: the file must exist)"
                                     : "");
        free(path);
        sq_close(&c->base);
        return rc == SQLITE_NOMEM ? ORM_ENOMEM : ORM_EFAIL;
    }
    free(path);
    sqlite3_extended_result_codes(c->db, 1);
    int timeout = opts && opts->busy_timeout_ms > 0 ? opts->busy_timeout_ms : 5000;
    sqlite3_busy_timeout(c->db, timeout);
    rc = run_all(c, "PRAGMA foreign_keys = ON");
    if (rc < 0) {
        orm_error_move(err, &c->base.err);
        sq_close(&c->base);
        return rc;
    }
    *out = &c->base;
    return ORM_OK;
}

/* Prepares the first statement of sql and refuses any further one: a
 * statement that silently ran only its first part would surprise. */
static int sq_prepare(orm_conn *base, const char *sql, orm_stmt **out)
{
    sqlite_conn *c = CONN(base);
    *out = NULL;
    sqlite_stmt *s = malloc(sizeof *s);
    if (!s) return orm_error_oom(&base->err);
    const char *tail = NULL;
    int rc = sqlite3_prepare_v2(c->db, sql, -1, &s->st, &tail);
    if (rc != SQLITE_OK) {
        free(s);
        return fail(c, rc, PH_PREPARE, sql);
    }
    if (!s->st) {
        free(s);
        orm_error_set(&base->err, ORM_ERR_PROGRAMMING, 0, "empty SQL statement");
        orm_error_attach_sql(&base->err, sql, NULL, 0);
        return ORM_EFAIL;
    }
    sqlite3_stmt *extra = NULL;
    if (tail && *tail) {
        rc = sqlite3_prepare_v2(c->db, tail, -1, &extra, NULL);
        if (rc != SQLITE_OK || extra) {
            sqlite3_finalize(extra);
            sqlite3_finalize(s->st);
            free(s);
            orm_error_set(&base->err, ORM_ERR_PROGRAMMING, 0,
                          "only one statement can be prepared at a time");
            orm_error_attach_sql(&base->err, sql, NULL, 0);
            return ORM_EFAIL;
        }
    }
    s->conn = c;
    memset(s->dec, 0, sizeof s->dec);
    s->reprepared = sqlite3_stmt_status(s->st, SQLITE_STMTSTATUS_REPREPARE, 0);
    *out = (orm_stmt *)s;
    return ORM_OK;
}

static int sq_bind(orm_stmt *os, int idx, const orm_value *v, orm_bind_own own)
{
    sqlite_stmt *s = STMT(os);
    int rc;
    switch (v->type) {
    case ORM_V_INT:
    case ORM_V_BOOL:
        rc = sqlite3_bind_int64(s->st, idx, v->type == ORM_V_BOOL ? v->u.i != 0 : v->u.i);
        break;
    case ORM_V_REAL:
        if (isnan(v->u.r)) { /* SQLite would store NULL: a silent change */
            orm_error_set(&s->conn->base.err, ORM_ERR_DATA, 0,
                          "SQLite cannot store NaN (parameter %d)", idx);
            orm_error_attach_sql(&s->conn->base.err, sqlite3_sql(s->st), NULL, 0);
            return ORM_EFAIL;
        }
        rc = sqlite3_bind_double(s->st, idx, v->u.r);
        break;
    case ORM_V_TEXT:
        rc = sqlite3_bind_text64(s->st, idx, v->u.s ? v->u.s : "", v->len,
                                 own == ORM_BIND_BORROW ? SQLITE_STATIC : SQLITE_TRANSIENT,
                                 SQLITE_UTF8);
        break;
    case ORM_V_BLOB:
        /* a NULL pointer would bind SQL NULL: an empty blob is a zeroblob */
        rc = v->len && v->u.s
                 ? sqlite3_bind_blob64(s->st, idx, v->u.s, v->len,
                                       own == ORM_BIND_BORROW ? SQLITE_STATIC : SQLITE_TRANSIENT)
                 : sqlite3_bind_zeroblob(s->st, idx, 0);
        break;
    case ORM_V_NULL:
    default:
        rc = sqlite3_bind_null(s->st, idx);
        break;
    }
    return rc == SQLITE_OK ? ORM_OK : fail(s->conn, rc, PH_BIND, sqlite3_sql(s->st));
}

static int sq_step(orm_stmt *os)
{
    sqlite_stmt *s = STMT(os);
    int rc = sqlite3_step(s->st);
    if (rc == SQLITE_ROW) return ORM_ROW;
    if (rc == SQLITE_DONE) return ORM_DONE;
    int r = fail(s->conn, rc, PH_STEP, sqlite3_sql(s->st));
    sqlite3_reset(s->st); /* releases locks; its code repeats the one recorded */
    return r;
}

static int sq_column_count(orm_stmt *os)
{
    return sqlite3_column_count(STMT(os)->st);
}

static const char *sq_column_name(orm_stmt *os, int i)
{
    return sqlite3_column_name(STMT(os)->st, i);
}

/* What the declared type of result column i says of its numbers: -2 not
 * NUMERIC/DECIMAL (or an expression, which has none), -1 NUMERIC without a
 * scale, else the scale of NUMERIC(p, s) / DECIMAL(p, s). */
static int decl_scale(sqlite3_stmt *st, int i)
{
    const char *t = sqlite3_column_decltype(st, i);
    if (!t || (sqlite3_strnicmp(t, "NUMERIC", 7) != 0 && sqlite3_strnicmp(t, "DECIMAL", 7) != 0))
        return -2;
    const char *p = strchr(t + 7, '('), *comma = p ? strchr(p, ',') : NULL;
    if (!p) return -1;
    if (!comma) return 0;
    int scale = atoi(comma + 1);
    return scale < 0 ? 0 : scale > 40 ? 40 : scale;
}

static int dec_scale(sqlite_stmt *s, int i)
{
    if (i >= DEC_CACHED) return decl_scale(s->st, i);
    int rp = sqlite3_stmt_status(s->st, SQLITE_STMTSTATUS_REPREPARE, 0);
    if (rp != s->reprepared) {
        memset(s->dec, 0, sizeof s->dec);
        s->reprepared = rp;
    }
    if (s->dec[i] == 0) s->dec[i] = (signed char)(decl_scale(s->st, i) + 3);
    return s->dec[i] - 3;
}

/* A number read from a NUMERIC/DECIMAL column as its decimal text with the
 * column's scale ("3.00", "0.99"), as the servers give it. */
static int decimal_text(sqlite_stmt *s, orm_value *out, const char *txt, size_t n)
{
    if (orm_value_set_text(out, txt, n) != ORM_OK) return orm_error_oom(&s->conn->base.err);
    out->decimal = 1;
    return ORM_OK;
}

/* Column i through its sqlite3_value: one lookup of the column instead of one
 * per sqlite3_column_* call (each of which also checks the statement and its
 * malloc state). The value is unprotected; that is safe here, the connection
 * being used by one thread only (SQLITE_OPEN_NOMUTEX). A text conversion
 * that runs out of memory gives NULL bytes: reported as out of memory. With
 * borrow, text and blob bytes stay SQLite's (valid until the statement
 * steps, resets or is finalized). */
static int column(sqlite_stmt *s, int i, orm_value *out, int borrow)
{
    sqlite3_value *v = sqlite3_column_value(s->st, i);
    const char *p;
    size_t n;
    int rc = ORM_OK;
    switch (sqlite3_value_type(v)) {
    case SQLITE_INTEGER: {
        int scale = dec_scale(s, i);
        if (scale <= 0) {
            orm_value_int(out, sqlite3_value_int64(v));
            return ORM_OK;
        }
        char buf[64];
        int len =
            snprintf(buf, sizeof buf, "%lld.%0*d", (long long)sqlite3_value_int64(v), scale, 0);
        return decimal_text(s, out, buf, (size_t)len);
    }
    case SQLITE_FLOAT: {
        double d = sqlite3_value_double(v);
        int scale = isfinite(d) ? dec_scale(s, i) : -2;
        if (scale == -2) {
            orm_value_real(out, d);
            return ORM_OK;
        }
        char buf[ORM_DECIMAL_CAP];
        size_t len = orm_double_decimal(buf, d, scale);
        return decimal_text(s, out, buf, len);
    }
    case SQLITE_TEXT:
        p = (const char *)sqlite3_value_text(v);
        if (!p) {
            *out = ORM_VALUE_NULL;
            return orm_error_oom(&s->conn->base.err);
        }
        n = (size_t)sqlite3_value_bytes(v);
        if (!borrow) {
            rc = orm_value_set_text(out, p, n);
            break;
        }
        *out = (orm_value){.type = ORM_V_TEXT, .borrowed = 1, .len = n, .u.s = (char *)p};
        return ORM_OK;
    case SQLITE_BLOB:
        p = sqlite3_value_blob(v); /* NULL for a zero-length blob */
        n = (size_t)sqlite3_value_bytes(v);
        if (!borrow) {
            rc = orm_value_set_blob(out, p, n);
            break;
        }
        *out =
            (orm_value){.type = ORM_V_BLOB, .borrowed = 1, .len = n, .u.s = (char *)(p ? p : "")};
        return ORM_OK;
    default:
        *out = ORM_VALUE_NULL;
        return ORM_OK;
    }
    return rc == ORM_OK ? ORM_OK : orm_error_oom(&s->conn->base.err);
}

static int sq_column_value(orm_stmt *os, int i, orm_value *out)
{
    return column(STMT(os), i, out, 0);
}

static int sq_column_peek(orm_stmt *os, int i, orm_value *out)
{
    return column(STMT(os), i, out, 1);
}

/* Reset's return code repeats the last step's failure, already recorded. */
static int sq_reset(orm_stmt *os)
{
    sqlite3_reset(STMT(os)->st);
    return ORM_OK;
}

static int sq_clear_bindings(orm_stmt *os)
{
    sqlite3_clear_bindings(STMT(os)->st);
    return ORM_OK;
}

static void sq_finalize(orm_stmt *os)
{
    if (!os) return;
    sqlite3_finalize(STMT(os)->st);
    free(os);
}

static int sq_exec(orm_conn *base, const char *sql)
{
    return run_all(CONN(base), sql);
}

static int64_t sq_changes(orm_stmt *os)
{
    return sqlite3_changes64(STMT(os)->conn->db);
}

static int64_t sq_last_insert_id(orm_conn *base)
{
    return sqlite3_last_insert_rowid(CONN(base)->db);
}

static void sq_interrupt(orm_conn *base)
{
    sqlite3_interrupt(CONN(base)->db);
}

static int sq_in_transaction(orm_conn *base)
{
    return !sqlite3_get_autocommit(CONN(base)->db);
}

static int sq_set_foreign_keys(orm_conn *base, int on)
{
    return run_all(CONN(base), on ? "PRAGMA foreign_keys = ON" : "PRAGMA foreign_keys = OFF");
}

/* ---- the sandbox's private copy (sandbox.h): the backup API ---- */

/* Copies the whole of src into dst ("main" to "main"). */
static int copy_db(sqlite_conn *c, sqlite3 *dst, sqlite3 *src)
{
    sqlite3_backup *b = sqlite3_backup_init(dst, "main", src, "main");
    if (!b) {
        orm_error_set(&c->base.err, ORM_ERR_OPERATIONAL, sqlite3_errcode(dst),
                      "cannot copy the database: %s", sqlite3_errmsg(dst));
        return ORM_EFAIL;
    }
    int rc = sqlite3_backup_step(b, -1);
    sqlite3_backup_finish(b);
    if (rc != SQLITE_DONE) {
        orm_error_set(&c->base.err, ORM_ERR_OPERATIONAL, rc, "cannot copy the database: %s",
                      sqlite3_errstr(rc));
        return ORM_EFAIL;
    }
    return ORM_OK;
}

static int open_memory(sqlite_conn *c, sqlite3 **out)
{
    int rc = sqlite3_open_v2(":memory:", out, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc != SQLITE_OK) {
        sqlite3_close_v2(*out);
        *out = NULL;
        return rc == SQLITE_NOMEM ? orm_error_oom(&c->base.err)
                                  : orm_error_set(&c->base.err, ORM_ERR_OPERATIONAL, rc,
                                                  "cannot open an in-memory database");
    }
    return ORM_OK;
}

static int sq_private_copy(orm_conn *base)
{
    sqlite_conn *c = CONN(base);
    sqlite3 *mem = NULL;
    int rc = open_memory(c, &mem);
    if (rc == ORM_OK) rc = copy_db(c, mem, c->db);
    if (rc < 0) {
        sqlite3_close_v2(mem);
        return rc;
    }
    sqlite3_extended_result_codes(mem, 1);
    sqlite3_close_v2(c->db); /* the real file: others have it to themselves */
    c->db = mem;
    return run_all(c, "PRAGMA foreign_keys = ON");
}

static int sq_snapshot(orm_conn *base, void **out)
{
    sqlite_conn *c = CONN(base);
    sqlite3 *mem = NULL;
    int rc = open_memory(c, &mem);
    if (rc == ORM_OK) rc = copy_db(c, mem, c->db);
    if (rc < 0) {
        sqlite3_close_v2(mem);
        mem = NULL;
    }
    *out = mem;
    return rc;
}

static int sq_restore_snapshot(orm_conn *base, void *snap)
{
    return copy_db(CONN(base), CONN(base)->db, snap);
}

static void sq_drop_snapshot(void *snap)
{
    sqlite3_close_v2(snap);
}

const orm_driver orm_driver_sqlite = {
    .open = sq_open,
    .close = sq_close,
    .prepare = sq_prepare,
    .bind = sq_bind,
    .step = sq_step,
    .column_count = sq_column_count,
    .column_name = sq_column_name,
    .column_value = sq_column_value,
    .column_peek = sq_column_peek,
    .reset = sq_reset,
    .finalize = sq_finalize,
    .exec = sq_exec,
    .changes = sq_changes,
    .last_insert_id = sq_last_insert_id,
    .begin = NULL, /* BEGIN (deferred), COMMIT, ROLLBACK through exec */
    .commit = NULL,
    .rollback = NULL,
    .interrupt = sq_interrupt,
    .is_read_only_refusal = sq_is_read_only_refusal,
    .in_transaction = sq_in_transaction,
    .set_foreign_keys = sq_set_foreign_keys,
    .clear_bindings = sq_clear_bindings,
    .private_copy = sq_private_copy,
    .snapshot = sq_snapshot,
    .restore_snapshot = sq_restore_snapshot,
    .drop_snapshot = sq_drop_snapshot,
};
