/* driver_mysql_stmt.c — MySQL/MariaDB statements: server-side prepared
 * (mysql_stmt_*), values bound by their type, results buffered on the
 * client (store_result) so several cursors can be open at once (a
 * streaming loop's statement reads through a server-side cursor instead,
 * STMT_ATTR_PREFETCH_ROWS rows at a time: orm_my_stream), and each column
 * converted by its field type (driver_mysql_int.h). */
#include <assert.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "driver_mysql_int.h"

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
    case MYSQL_TYPE_BIT: /* its bytes, big-endian: an integer (column()) */
        return K_BITS;
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

int orm_my_prepare(orm_conn *base, const char *sql, orm_stmt **out)
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
        int rc = orm_my_fail_stmt(s);
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

int orm_my_bind(orm_stmt *os, int idx, const orm_value *v, orm_bind_own own)
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

int orm_my_clear_bindings(orm_stmt *os)
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
        col->is_bool = (f->type == MYSQL_TYPE_TINY || f->type == MYSQL_TYPE_BIT) && f->length == 1;
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
        b->buffer_type =
            col->kind == K_BLOB || col->kind == K_BITS ? MYSQL_TYPE_BLOB : MYSQL_TYPE_STRING;
        b->buffer = col->buf;
        b->buffer_length = col->cap - 1;
    }
    if (s->ncols && mysql_stmt_bind_result(s->st, s->rbind) != 0) return orm_my_fail_stmt(s);
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
    if (s->nparams && mysql_stmt_bind_param(s->st, s->pbind) != 0) return orm_my_fail_stmt(s);
    if (s->chunk > 0 && s->meta && !s->cursor) set_cursor(s, 1);
    if (mysql_stmt_execute(s->st) != 0) return orm_my_fail_stmt(s);
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
            int rc = orm_my_fail_stmt(s);
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
        if (mysql_stmt_fetch_column(s->st, &b, i, 0) != 0) return orm_my_fail_stmt(s);
        s->rbind[i].buffer = col->buf;
        s->rbind[i].buffer_length = col->cap - 1;
    }
    return mysql_stmt_bind_result(s->st, s->rbind) ? orm_my_fail_stmt(s) : ORM_OK;
}

int orm_my_step(orm_stmt *os)
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
    return orm_my_fail_stmt(s);
}

int orm_my_column_count(orm_stmt *os)
{
    return (int)STMT(os)->ncols;
}

const char *orm_my_column_name(orm_stmt *os, int i)
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
    case K_BITS: { /* BIT(n), n <= 64: at most 8 bytes, the first the highest */
        uint64_t bits = 0;
        for (unsigned long k = 0; k < n && k < 8; k++)
            bits = bits << 8 | (unsigned char)col->buf[k];
        if (col->is_bool)
            orm_value_bool(out, bits != 0);
        else if (bits > INT64_MAX) { /* BIT(64) with the top bit set: its exact digits */
            char digits[24];
            int len = snprintf(digits, sizeof digits, "%llu", (unsigned long long)bits);
            rc = numeric_value(digits, (size_t)len, out, 0); /* past int64: decimal text */
        } else
            orm_value_int(out, (int64_t)bits);
        break;
    }
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

int orm_my_column_value(orm_stmt *os, int i, orm_value *out)
{
    return column(STMT(os), i, out, 0);
}

int orm_my_column_peek(orm_stmt *os, int i, orm_value *out)
{
    return column(STMT(os), i, out, 1);
}

int orm_my_reset(orm_stmt *os)
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

void orm_my_stream(orm_stmt *os, int chunk)
{
    STMT(os)->chunk = chunk > 0 ? chunk : 0;
}

void orm_my_finalize(orm_stmt *os)
{
    stmt_free(STMT(os));
}

int64_t orm_my_changes(orm_stmt *os)
{
    return STMT(os)->changes;
}
