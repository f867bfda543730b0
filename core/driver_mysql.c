/* driver_mysql.c — the MySQL/MariaDB driver on libmariadb: the orm_driver
 * table orm_driver_mysql. Statements are server-side prepared
 * (mysql_stmt_*), results are buffered on the client (store_result) so
 * several cursors can be open at once (a streaming loop's statement reads
 * through a server-side cursor instead, STMT_ATTR_PREFETCH_ROWS rows at a
 * time: my_stream), and each column is converted by its
 * field type. The session is made to behave like the other backends at
 * connect: strict SQL mode, '||' concatenates, '\\' is an ordinary
 * character, "double quotes" name identifiers, UPDATE/DELETE count matched
 * rows (CLIENT_FOUND_ROWS). Every failure copies the server's message into
 * conn->err at once, classified by its error number in classify().
 * Interrupting needs a second connection (KILL QUERY), which a signal
 * handler cannot open: the handler writes one byte to a pipe, and a helper
 * thread started at connect does the rest. */
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <mysql.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dialect.h"
#include "driver.h"

/* What the interrupt helper needs to reach the server again. */
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

enum { K_INT, K_REAL, K_DEC, K_TEXT, K_BLOB, K_TIME };

typedef struct my_col {
    int kind;
    int is_bool; /* TINYINT(1) */
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

extern const orm_driver orm_driver_mysql;

#define CONN(c) ((my_conn *)(c))
#define STMT(s) ((my_stmt *)(s))

/* Server and client error numbers to error classes. */
static orm_errclass classify(unsigned no)
{
    switch (no) {
    case 1022: /* ER_DUP_KEY */
    case 1048: /* ER_BAD_NULL_ERROR */
    case 1062: /* ER_DUP_ENTRY */
    case 1169: /* ER_DUP_UNIQUE */
    case 1216: /* ER_NO_REFERENCED_ROW */
    case 1217: /* ER_ROW_IS_REFERENCED */
    case 1364: /* ER_NO_DEFAULT_FOR_FIELD */
    case 1451: /* ER_ROW_IS_REFERENCED_2 */
    case 1452: /* ER_NO_REFERENCED_ROW_2 */
    case 1557: /* ER_FOREIGN_DUPLICATE_KEY */
    case 1586: /* ER_DUP_ENTRY_WITH_KEY_NAME */
    case 4025: /* ER_CONSTRAINT_FAILED (CHECK) */
        return ORM_ERR_INTEGRITY;
    case 1040: /* too many connections */
    case 1045: /* access denied */
    case 1049: /* unknown database */
    case 1053: /* server shutdown */
    case 1205: /* lock wait timeout */
    case 1213: /* deadlock */
    case 1317: /* query interrupted */
    case 1969: /* statement timeout */
    case 1037: /* ER_OUTOFMEMORY */
    case 1038: /* ER_OUT_OF_SORTMEMORY */
    case 3024: /* max execution time */
        return ORM_ERR_OPERATIONAL;
    case 1044: /* no access to database */
    case 1050: /* table exists */
    case 1051: /* unknown table */
    case 1054: /* unknown column */
    case 1060: /* duplicate column name */
    case 1061: /* duplicate key name */
    case 1064: /* syntax */
    case 1091: /* can't drop */
    case 1142: /* command denied */
    case 1146: /* no such table */
    case 1210: /* wrong arguments */
    case 1305: /* no such function */
    case 1582: /* wrong parameter count */
    case 1630: /* no such function */
    case 2014: /* commands out of sync */
    case 2030: /* statement not prepared */
    case 2031: /* no data for parameters */
    case 2034: /* invalid parameter number */
    case 2036: /* unsupported buffer type */
        return ORM_ERR_PROGRAMMING;
    case 1292: /* truncated incorrect value */
    case 1264: /* out of range */
    case 1365: /* division by 0 */
    case 1366: /* incorrect string/integer value */
    case 1406: /* data too long */
    case 1411: /* incorrect value for function */
    case 1690: /* value out of range */
    case 1390: /* ER_PS_MANY_PARAM: more than 65535 placeholders */
    case 3140: /* invalid JSON */
    case 4038: /* syntax error in JSON */
        return ORM_ERR_DATA;
    default:
        /* client errors (2000-2999: lost connection...) and any other server
         * error: OperationalError, as Python's MySQL drivers report them */
        return no >= 1000 ? ORM_ERR_OPERATIONAL : ORM_ERR_ERROR;
    }
}

static int fail_with(my_conn *c, unsigned no, const char *msg, const char *sql)
{
    if (!msg || !*msg) msg = "unknown error";
    if (orm_error_set(&c->base.err, classify(no), (int)no, "%s", msg) == ORM_ENOMEM)
        return ORM_ENOMEM;
    if (sql) orm_error_attach_sql(&c->base.err, sql, NULL, 0);
    return no == 2008 ? ORM_ENOMEM : ORM_EFAIL;
}

static int fail_conn(my_conn *c, const char *sql)
{
    return fail_with(c, mysql_errno(c->my), mysql_error(c->my), sql);
}

static int fail_stmt(my_stmt *s)
{
    return fail_with(s->conn, mysql_stmt_errno(s->st), mysql_stmt_error(s->st), s->sql);
}

/* Runs sql (any number of statements); results are discarded. */
static int run(my_conn *c, const char *sql)
{
    if (mysql_real_query(c->my, sql, strlen(sql)) != 0) return fail_conn(c, sql);
    for (;;) {
        MYSQL_RES *res = mysql_store_result(c->my);
        if (res)
            mysql_free_result(res);
        else if (mysql_field_count(c->my) != 0)
            return fail_conn(c, sql);
        int more = mysql_next_result(c->my);
        if (more > 0) return fail_conn(c, sql);
        if (more < 0) break;
    }
    return ORM_OK;
}

/* The helper thread: each byte 'k' sends KILL QUERY on a connection of its
 * own; 'q' (or a closed pipe) ends it. */
static void *killer_main(void *arg)
{
    my_killer *k = arg;
    for (;;) {
        char ch;
        ssize_t n = read(k->pipe[0], &ch, 1);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0 || ch == 'q') break;
        MYSQL *m = mysql_init(NULL);
        if (!m) continue;
        unsigned timeout = 5;
        mysql_options(m, MYSQL_OPT_CONNECT_TIMEOUT, &timeout);
        if (mysql_real_connect(m, k->host, k->user, k->password, k->db, k->port, NULL, 0)) {
            char sql[64];
            snprintf(sql, sizeof sql, "KILL QUERY %lu", k->thread_id);
            mysql_real_query(m, sql, strlen(sql)); /* best effort */
        }
        mysql_close(m);
    }
    mysql_thread_end();
    return NULL;
}

static void killer_stop(my_killer *k)
{
    if (k->running) {
        char q = 'q';
        while (write(k->pipe[1], &q, 1) < 0 && errno == EINTR)
            continue;
        pthread_join(k->thread, NULL);
        k->running = 0;
    }
    if (k->pipe[0] >= 0) close(k->pipe[0]);
    if (k->pipe[1] >= 0) close(k->pipe[1]);
    k->pipe[0] = k->pipe[1] = -1;
    free(k->host);
    free(k->user);
    if (k->password) memset(k->password, 0, strlen(k->password));
    free(k->password);
    free(k->db);
}

static char *dup_or_null(const char *s)
{
    return s ? strdup(s) : NULL;
}

/* Starts the helper; without it (no memory, no thread) interrupt does nothing. */
static void killer_start(my_conn *c, const orm_url *url)
{
    my_killer *k = &c->kill;
    k->thread_id = mysql_thread_id(c->my);
    k->port = (unsigned)url->port;
    k->host = dup_or_null(url->host);
    k->user = dup_or_null(url->user);
    k->password = dup_or_null(url->password);
    k->db = dup_or_null(url->database);
    if ((url->host && !k->host) || (url->user && !k->user) || (url->password && !k->password) ||
        (url->database && !k->db) || pipe(k->pipe) != 0) {
        k->pipe[0] = k->pipe[1] = -1;
        return;
    }
    fcntl(k->pipe[0], F_SETFD, FD_CLOEXEC); /* not inherited by io.popen children */
    fcntl(k->pipe[1], F_SETFD, FD_CLOEXEC);
    k->running = pthread_create(&k->thread, NULL, killer_main, k) == 0;
}

static void my_close_conn(orm_conn *base)
{
    if (!base) return;
    my_conn *c = CONN(base);
    killer_stop(&c->kill);
    if (c->my) mysql_close(c->my); /* the server rolls back an open transaction */
    orm_error_clear(&c->base.err);
    free(c->base.display_url);
    free(c);
}

/* The settings that make MySQL read the SQL the compiler writes the way
 * SQLite and PostgreSQL do. */
static const char session_setup[] =
    "SET SESSION sql_mode = 'STRICT_ALL_TABLES,NO_ZERO_IN_DATE,NO_ZERO_DATE,"
    "ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION,PIPES_AS_CONCAT,"
    "NO_BACKSLASH_ESCAPES,ANSI_QUOTES', NAMES utf8mb4 COLLATE utf8mb4_bin, autocommit = 1";

/* ER_CANT_EXECUTE_IN_READ_ONLY_TRANSACTION. */
static int my_is_read_only_refusal(int code)
{
    return code == 1792;
}

/* INSERT ... RETURNING: MariaDB has it since 10.5, MySQL not at all. The
 * server's greeting names it: "10.11.6-MariaDB-1" (MariaDB 11 and later
 * send it so), or "5.5.5-10.11.6-MariaDB-1" (the prefix older MariaDB
 * servers put before their version for old clients: skipped). */
static int server_returning(const char *info)
{
    if (!info || !strstr(info, "MariaDB")) return 0;
    if (strncmp(info, "5.5.5-", 6) == 0) info += 6;
    unsigned major = 0, minor = 0;
    if (sscanf(info, "%u.%u", &major, &minor) != 2) return 0;
    return major > 10 || (major == 10 && minor >= 5);
}

static int my_open(orm_conn **out, const orm_url *url, const orm_open_opts *opts, orm_error *err)
{
    *out = NULL;
    my_conn *c = calloc(1, sizeof *c);
    if (!c) return orm_error_oom(err);
    c->base.drv = &orm_driver_mysql;
    c->kill.pipe[0] = c->kill.pipe[1] = -1;
    if (!(c->my = mysql_init(NULL))) {
        free(c);
        return orm_error_oom(err);
    }
    unsigned timeout = 10;
    mysql_options(c->my, MYSQL_SET_CHARSET_NAME, "utf8mb4");
    mysql_options(c->my, MYSQL_OPT_CONNECT_TIMEOUT, &timeout);
    const char *db = url->database && url->database[0] ? url->database : NULL;
    /* password NULL: libmariadb takes MYSQL_PWD from the environment */
    if (!mysql_real_connect(c->my, url->host, url->user, url->password, db, (unsigned)url->port,
                            NULL, CLIENT_FOUND_ROWS | CLIENT_MULTI_STATEMENTS)) {
        unsigned no = mysql_errno(c->my);
        const char *user = url->user ? url->user : getenv("USER");
        orm_error_set(err, ORM_ERR_OPERATIONAL, (int)no,
                      "could not connect to MySQL at host %s, port %d, database %s as user %s: %s",
                      url->host ? url->host : "localhost", url->port ? url->port : 3306,
                      db ? db : "(none)", user ? user : "(default)", mysql_error(c->my));
        my_close_conn(&c->base);
        return ORM_EFAIL;
    }
    int rc = run(c, session_setup);
    if (rc >= 0 && opts && opts->read_only) rc = run(c, "SET SESSION TRANSACTION READ ONLY");
    if (rc < 0) {
        orm_error_move(err, &c->base.err);
        my_close_conn(&c->base);
        return rc;
    }
    c->returning = server_returning(mysql_get_server_info(c->my));
    killer_start(c, url);
    *out = &c->base;
    return ORM_OK;
}

static void stmt_free(my_stmt *s)
{
    if (!s) return;
    if (s->st) mysql_stmt_close(s->st);
    if (s->meta) mysql_free_result(s->meta);
    /* params or cols NULL: their allocation failed (the counts are set) */
    for (unsigned i = 0; s->params && i < s->nparams; i++)
        free(s->params[i].buf);
    for (unsigned i = 0; s->cols && i < s->ncols; i++)
        free(s->cols[i].buf);
    free(s->params);
    free(s->pbind);
    free(s->cols);
    free(s->rbind);
    free(s->sql);
    free(s);
}

static int col_kind(const MYSQL_FIELD *f)
{
    switch (f->type) {
    case MYSQL_TYPE_TINY:
    case MYSQL_TYPE_SHORT:
    case MYSQL_TYPE_INT24:
    case MYSQL_TYPE_LONG:
    case MYSQL_TYPE_YEAR:
        return K_INT;
    case MYSQL_TYPE_LONGLONG: /* BIGINT UNSIGNED past INT64_MAX: as DECIMAL (exact text) */
        return f->flags & UNSIGNED_FLAG ? K_DEC : K_INT;
    case MYSQL_TYPE_FLOAT:
    case MYSQL_TYPE_DOUBLE:
        return K_REAL;
    case MYSQL_TYPE_DECIMAL:
    case MYSQL_TYPE_NEWDECIMAL:
        return K_DEC;
    case MYSQL_TYPE_DATE:
    case MYSQL_TYPE_NEWDATE:
    case MYSQL_TYPE_TIME:
    case MYSQL_TYPE_DATETIME:
    case MYSQL_TYPE_TIMESTAMP:
        return K_TIME;
    case MYSQL_TYPE_TINY_BLOB:
    case MYSQL_TYPE_MEDIUM_BLOB:
    case MYSQL_TYPE_LONG_BLOB:
    case MYSQL_TYPE_BLOB:
    case MYSQL_TYPE_VAR_STRING:
    case MYSQL_TYPE_STRING:
    case MYSQL_TYPE_VARCHAR:
        return f->charsetnr == 63 ? K_BLOB : K_TEXT; /* 63: the binary charset */
    default:
        return K_TEXT;
    }
}

/* The result's columns, when the statement has them (s->meta NULL: none
 * known yet). ORM_ENOMEM when the buffers cannot be had. */
static int read_meta(my_stmt *s)
{
    assert(s->meta == NULL);
    s->meta = mysql_stmt_result_metadata(s->st);
    if (!s->meta) return ORM_OK;
    s->ncols = mysql_num_fields(s->meta);
    s->fields = mysql_fetch_fields(s->meta);
    s->rbind = calloc(s->ncols ? s->ncols : 1, sizeof *s->rbind);
    s->cols = calloc(s->ncols ? s->ncols : 1, sizeof *s->cols);
    if (s->rbind && s->cols) return ORM_OK;
    free(s->rbind); /* back to "no columns known": asked again next time */
    free(s->cols);
    s->rbind = NULL;
    s->cols = NULL;
    mysql_free_result(s->meta);
    s->meta = NULL;
    s->ncols = 0;
    s->fields = NULL;
    return ORM_ENOMEM;
}

static int my_prepare(orm_conn *base, const char *sql, orm_stmt **out)
{
    my_conn *c = CONN(base);
    *out = NULL;
    my_stmt *s = calloc(1, sizeof *s);
    if (!s || !(s->sql = strdup(sql)) || !(s->st = mysql_stmt_init(c->my))) {
        stmt_free(s);
        return orm_error_oom(&base->err);
    }
    s->conn = c;
    my_bool on = 1;
    mysql_stmt_attr_set(s->st, STMT_ATTR_UPDATE_MAX_LENGTH, &on);
    if (mysql_stmt_prepare(s->st, sql, strlen(sql)) != 0) {
        int rc = fail_stmt(s);
        stmt_free(s);
        return rc;
    }
    s->nparams = (unsigned)mysql_stmt_param_count(s->st);
    if (s->nparams) {
        s->pbind = calloc(s->nparams, sizeof *s->pbind);
        s->params = calloc(s->nparams, sizeof *s->params);
        if (!s->pbind || !s->params) {
            stmt_free(s);
            return orm_error_oom(&base->err);
        }
        for (unsigned i = 0; i < s->nparams; i++) {
            s->pbind[i].buffer_type = MYSQL_TYPE_NULL;
            s->params[i].is_null = 1;
            s->pbind[i].is_null = &s->params[i].is_null;
        }
    }
    if (read_meta(s) < 0) {
        stmt_free(s);
        return orm_error_oom(&base->err);
    }
    *out = (orm_stmt *)s;
    return ORM_OK;
}

static int my_bind(orm_stmt *os, int idx, const orm_value *v, orm_bind_own own)
{
    (void)own; /* values are always copied into the statement's buffers */
    my_stmt *s = STMT(os);
    if (idx < 1 || (unsigned)idx > s->nparams) {
        orm_error_set(&s->conn->base.err, ORM_ERR_PROGRAMMING, 2034,
                      "parameter %d out of range (the statement takes %u)", idx, s->nparams);
        orm_error_attach_sql(&s->conn->base.err, s->sql, NULL, 0);
        return ORM_EFAIL;
    }
    my_param *p = &s->params[idx - 1];
    MYSQL_BIND *b = &s->pbind[idx - 1];
    memset(b, 0, sizeof *b);
    b->is_null = &p->is_null;
    p->is_null = 0;
    switch (v->type) {
    case ORM_V_INT:
    case ORM_V_BOOL:
        p->num.i = v->type == ORM_V_BOOL ? v->u.i != 0 : v->u.i;
        b->buffer_type = MYSQL_TYPE_LONGLONG;
        b->buffer = &p->num.i;
        break;
    case ORM_V_REAL:
        p->num.d = v->u.r;
        b->buffer_type = MYSQL_TYPE_DOUBLE;
        b->buffer = &p->num.d;
        break;
    case ORM_V_TEXT:
    case ORM_V_BLOB:
        if (v->len + 1 > p->cap) {
            size_t cap = v->len + 1 < 32 ? 32 : v->len + 1;
            char *nb = realloc(p->buf, cap);
            if (!nb) return orm_error_oom(&s->conn->base.err);
            p->buf = nb;
            p->cap = cap;
        }
        if (v->len) memcpy(p->buf, v->u.s, v->len);
        p->buf[v->len] = '\0';
        p->len = (unsigned long)v->len;
        b->buffer_type = v->type == ORM_V_BLOB ? MYSQL_TYPE_BLOB : MYSQL_TYPE_STRING;
        b->buffer = p->buf;
        b->buffer_length = p->len;
        b->length = &p->len;
        break;
    case ORM_V_NULL:
    default:
        p->is_null = 1;
        b->buffer_type = MYSQL_TYPE_NULL;
        break;
    }
    return ORM_OK;
}

static int my_clear_bindings(orm_stmt *os)
{
    my_stmt *s = STMT(os);
    for (unsigned i = 0; i < s->nparams; i++) {
        memset(&s->pbind[i], 0, sizeof s->pbind[i]);
        s->pbind[i].buffer_type = MYSQL_TYPE_NULL;
        s->params[i].is_null = 1;
        s->pbind[i].is_null = &s->params[i].is_null;
    }
    return ORM_OK;
}

/* Sizes each column's buffer for the longest value of the stored result
 * and binds them. */
static int bind_results(my_stmt *s)
{
    for (unsigned i = 0; i < s->ncols; i++) {
        const MYSQL_FIELD *f = &s->fields[i];
        my_col *col = &s->cols[i];
        MYSQL_BIND *b = &s->rbind[i];
        memset(b, 0, sizeof *b);
        col->kind = col_kind(f);
        col->is_bool = f->type == MYSQL_TYPE_TINY && f->length == 1;
        b->is_null = &col->is_null;
        b->error = &col->error;
        b->length = &col->len;
        if (col->kind == K_INT) {
            b->buffer_type = MYSQL_TYPE_LONGLONG;
            b->buffer = &col->ival;
            b->is_unsigned = (f->flags & UNSIGNED_FLAG) != 0;
            continue;
        }
        if (col->kind == K_REAL) {
            b->buffer_type = MYSQL_TYPE_DOUBLE;
            b->buffer = &col->dval;
            continue;
        }
        /* through a cursor the longest value is not known: the declared
         * length, within reason (a longer value is fetched again) */
        unsigned long want = (s->cursor ? (f->length < 256 ? f->length : 256) : f->max_length) + 1;
        if (col->kind == K_TIME || col->kind == K_DEC) want = want < 80 ? 80 : want;
        if (want > col->cap) {
            char *nb = realloc(col->buf, want);
            if (!nb) return orm_error_oom(&s->conn->base.err);
            col->buf = nb;
            col->cap = want;
        }
        b->buffer_type = col->kind == K_BLOB ? MYSQL_TYPE_BLOB : MYSQL_TYPE_STRING;
        b->buffer = col->buf;
        b->buffer_length = col->cap - 1;
    }
    if (s->ncols && mysql_stmt_bind_result(s->st, s->rbind) != 0) return fail_stmt(s);
    return ORM_OK;
}

/* Sets the cursor type of s's next execution (and its prefetch). */
static void set_cursor(my_stmt *s, int on)
{
    unsigned long type = on ? CURSOR_TYPE_READ_ONLY : CURSOR_TYPE_NO_CURSOR;
    mysql_stmt_attr_set(s->st, STMT_ATTR_CURSOR_TYPE, &type);
    if (on) {
        unsigned long rows = (unsigned long)s->chunk;
        mysql_stmt_attr_set(s->st, STMT_ATTR_PREFETCH_ROWS, &rows);
    }
    s->cursor = on;
}

static int execute(my_stmt *s)
{
    if (s->nparams && mysql_stmt_bind_param(s->st, s->pbind) != 0) return fail_stmt(s);
    if (s->chunk > 0 && s->meta && !s->cursor) set_cursor(s, 1);
    if (mysql_stmt_execute(s->st) != 0) return fail_stmt(s);
    s->executed = 1;
    my_ulonglong id = mysql_stmt_insert_id(s->st);
    if (id) s->conn->last_id = (int64_t)id;
    s->changes = (int64_t)mysql_stmt_affected_rows(s->st);
    /* an INSERT ... RETURNING announces its columns only when executed */
    if (!s->meta && mysql_stmt_field_count(s->st) > 0 && read_meta(s) < 0) {
        mysql_stmt_reset(s->st); /* the rows are not read: dropped, the link stays in sync */
        return orm_error_oom(&s->conn->base.err);
    }
    if (s->meta && s->cursor) return bind_results(s); /* rows come as fetched */
    if (s->meta) {
        if (mysql_stmt_store_result(s->st) != 0) {
            /* an INSERT ... RETURNING fails here (a duplicate...): its
             * columns came first. Reset, or the next execution hangs. */
            int rc = fail_stmt(s);
            s->executed = 0;
            mysql_stmt_reset(s->st);
            return rc;
        }
        return bind_results(s);
    }
    return ORM_OK;
}

/* A value longer than its buffer (possible only when max_length was not
 * known): fetched again into a buffer of the right size. */
static int refetch_truncated(my_stmt *s)
{
    for (unsigned i = 0; i < s->ncols; i++) {
        my_col *col = &s->cols[i];
        if (!col->error || col->kind == K_INT || col->kind == K_REAL) continue;
        if (col->len + 1 > col->cap) {
            char *nb = realloc(col->buf, col->len + 1);
            if (!nb) return orm_error_oom(&s->conn->base.err);
            col->buf = nb;
            col->cap = col->len + 1;
        }
        MYSQL_BIND b = s->rbind[i];
        b.buffer = col->buf;
        b.buffer_length = col->cap - 1;
        unsigned long len = 0;
        b.length = &len;
        if (mysql_stmt_fetch_column(s->st, &b, i, 0) != 0) return fail_stmt(s);
        s->rbind[i].buffer = col->buf;
        s->rbind[i].buffer_length = col->cap - 1;
    }
    return mysql_stmt_bind_result(s->st, s->rbind) ? fail_stmt(s) : ORM_OK;
}

static int my_step(orm_stmt *os)
{
    my_stmt *s = STMT(os);
    if (!s->executed) {
        int rc = execute(s);
        if (rc < 0) return rc;
    }
    if (!s->meta) return ORM_DONE;
    int rc = mysql_stmt_fetch(s->st);
    if (rc == 0) return ORM_ROW;
    if (rc == MYSQL_NO_DATA) return ORM_DONE;
    if (rc == MYSQL_DATA_TRUNCATED) {
        int r = refetch_truncated(s);
        return r < 0 ? r : ORM_ROW;
    }
    return fail_stmt(s);
}

static int my_column_count(orm_stmt *os)
{
    return (int)STMT(os)->ncols;
}

static const char *my_column_name(orm_stmt *os, int i)
{
    my_stmt *s = STMT(os);
    return i >= 0 && (unsigned)i < s->ncols ? s->fields[i].name : NULL;
}

/* DECIMAL: an integer when it is one and fits (a sum of integers), else
 * its exact decimal text (flagged decimal); with borrow, the text stays in
 * the column's buffer. */
static int numeric_value(char *t, size_t len, orm_value *out, int borrow)
{
    char *end;
    if (!strpbrk(t, ".eE")) {
        errno = 0;
        long long i = strtoll(t, &end, 10);
        if (*end == '\0' && errno == 0) {
            orm_value_int(out, i);
            return ORM_OK;
        }
    }
    if (borrow)
        *out = (orm_value){.type = ORM_V_TEXT, .borrowed = 1, .len = len, .u.s = t};
    else if (orm_value_set_text(out, t, len) != ORM_OK)
        return ORM_ENOMEM;
    out->decimal = 1;
    return ORM_OK;
}

/* Column i of the fetched row; with borrow, text and blob bytes stay in the
 * column's buffer (valid until the next fetch). */
static int column(my_stmt *s, int i, orm_value *out, int borrow)
{
    if (i < 0 || (unsigned)i >= s->ncols || !s->executed || s->cols[i].is_null) {
        *out = ORM_VALUE_NULL;
        return ORM_OK;
    }
    my_col *col = &s->cols[i];
    unsigned long n = col->len < col->cap ? col->len : col->cap - 1;
    int rc = ORM_OK;
    switch (col->kind) {
    case K_INT:
        if (col->is_bool)
            orm_value_bool(out, col->ival != 0);
        else
            orm_value_int(out, col->ival);
        break;
    case K_REAL:
        orm_value_real(out, col->dval);
        break;
    case K_DEC:
        col->buf[n] = '\0';
        rc = numeric_value(col->buf, n, out, borrow);
        break;
    case K_BLOB:
        if (borrow)
            *out = (orm_value){.type = ORM_V_BLOB, .borrowed = 1, .len = n, .u.s = col->buf};
        else
            rc = orm_value_set_blob(out, col->buf, n);
        break;
    default:
        if (borrow) {
            col->buf[n] = '\0';
            *out = (orm_value){.type = ORM_V_TEXT, .borrowed = 1, .len = n, .u.s = col->buf};
        } else {
            rc = orm_value_set_text(out, col->buf, n);
        }
        break;
    }
    return rc == ORM_OK ? ORM_OK : orm_error_oom(&s->conn->base.err);
}

static int my_column_value(orm_stmt *os, int i, orm_value *out)
{
    return column(STMT(os), i, out, 0);
}

static int my_column_peek(orm_stmt *os, int i, orm_value *out)
{
    return column(STMT(os), i, out, 1);
}

static int my_reset(orm_stmt *os)
{
    my_stmt *s = STMT(os);
    if (s->executed && s->meta) mysql_stmt_free_result(s->st);
    if (s->cursor) { /* closes the cursor on the server; the next run stores its rows */
        mysql_stmt_reset(s->st);
        set_cursor(s, 0);
    }
    s->chunk = 0; /* asked for one execution */
    s->executed = 0;
    return ORM_OK;
}

static void my_stream(orm_stmt *os, int chunk)
{
    STMT(os)->chunk = chunk > 0 ? chunk : 0;
}

static void my_finalize(orm_stmt *os)
{
    stmt_free(STMT(os));
}

static int my_exec(orm_conn *base, const char *sql)
{
    return run(CONN(base), sql);
}

static int64_t my_changes(orm_stmt *os)
{
    return STMT(os)->changes;
}

static int64_t my_last_insert_id(orm_conn *base)
{
    return CONN(base)->last_id;
}

static int my_returning(orm_conn *base)
{
    return CONN(base)->returning;
}

/* Async-signal-safe: one byte to the helper thread. */
static void my_interrupt(orm_conn *base)
{
    my_conn *c = CONN(base);
    if (!c->kill.running) return;
    char ch = 'k';
    ssize_t n = write(c->kill.pipe[1], &ch, 1);
    (void)n;
}

static int my_in_transaction(orm_conn *base)
{
    unsigned int status = 0;
    if (mariadb_get_infov(CONN(base)->my, MARIADB_CONNECTION_SERVER_STATUS, &status) != 0) return 0;
    return (status & SERVER_STATUS_IN_TRANS) != 0;
}

static int my_set_foreign_keys(orm_conn *base, int on)
{
    return run(CONN(base), on ? "SET foreign_key_checks = 1" : "SET foreign_key_checks = 0");
}

const orm_driver orm_driver_mysql = {
    .open = my_open,
    .close = my_close_conn,
    .prepare = my_prepare,
    .bind = my_bind,
    .step = my_step,
    .column_count = my_column_count,
    .column_name = my_column_name,
    .column_value = my_column_value,
    .column_peek = my_column_peek,
    .reset = my_reset,
    .finalize = my_finalize,
    .exec = my_exec,
    .changes = my_changes,
    .last_insert_id = my_last_insert_id,
    .begin = NULL, /* BEGIN, COMMIT, ROLLBACK through exec */
    .commit = NULL,
    .rollback = NULL,
    .interrupt = my_interrupt,
    .is_read_only_refusal = my_is_read_only_refusal,
    .in_transaction = my_in_transaction,
    .set_foreign_keys = my_set_foreign_keys,
    .clear_bindings = my_clear_bindings,
    .returning = my_returning,
    .stream = my_stream,
};
