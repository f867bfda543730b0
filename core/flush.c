/* flush.c — writing the session's pending changes: inserts in foreign-key
 * order (parents first, rows of a table in the order they were added) with
 * generated keys read back, updates of changed columns, deletes children
 * first. Statements are compiled once per (table, column set) and reused. */
#include <assert.h>
#include <stdlib.h>

#include "audit.h"
#include "compile.h"
#include "dialect.h"
#include "history_table.h"
#include "session_int.h"
#include "versioning.h"
#include "flush_batch.h"
#include "flush_history.h"

/* The statement being reused across consecutive rows of one shape. */
typedef struct shape {
    const orm_table *table;
    uint64_t mask;
    char kind; /* 'i' insert, 'r' insert ... RETURNING what the database filled, 'u', 'd' */
    orm_buf sql;
    orm_stmt *stmt;
} shape;

static void shape_done(orm_session *s, shape *sh)
{
    if (sh->stmt) orm_stmt_cache_release(s->cache, orm_buf_str(&sh->sql), sh->stmt);
    sh->stmt = NULL;
    sh->table = NULL;
}

/* Appends RETURNING of the columns the database fills in an INSERT of
 * mask; 0 when the connection cannot. */
static int append_returning(orm_session *s, orm_buf *b, const orm_table *t, uint64_t mask)
{
    const char *cols[ORM_MAX_COLUMNS];
    int n = 0;
    uint64_t filled = orm_flush_filled_cols(t, mask);
    for (int i = 0; i < t->ncols; i++)
        if (filled & ((uint64_t)1 << i)) cols[n++] = t->cols[i].name;
    assert(n > 0);
    return orm_conn_returning(s->conn, b, cols, n);
}

static int shape_use(orm_session *s, shape *sh, const orm_table *t, uint64_t mask, char kind)
{
    if (sh->stmt && sh->table == t && sh->mask == mask && sh->kind == kind) return ORM_OK;
    shape_done(s, sh);
    orm_buf_reset(&sh->sql);
    const orm_dialect *d = orm_conn_dialect(s->conn);
    int rc = kind == 'i' || kind == 'r' ? orm_compile_insert(d, t, mask, &sh->sql)
             : kind == 'u'              ? orm_compile_update(d, t, mask, &sh->sql)
                                        : orm_compile_delete(d, t, &sh->sql);
    if (rc >= 0 && kind == 'r' && !append_returning(s, &sh->sql, t, mask))
        return orm_error_set(&s->err, ORM_ERR_ERROR, 0, "the %s dialect cannot return keys",
                             d->name);
    if (rc < 0 || sh->sql.oom) return orm_error_oom(&s->err);
    rc = orm_stmt_cache_acquire(s->cache, orm_buf_str(&sh->sql), &sh->stmt);
    if (rc < 0) return orm_session_fail_from_conn(s, rc);
    sh->table = t;
    sh->mask = mask;
    sh->kind = kind;
    return ORM_OK;
}

/* Binds params, steps once, resets. With ret non-NULL, the statement
 * returns one row (RETURNING) whose columns land in ret's columns of mask
 * retcols, in table order. */
static int run_shape(orm_session *s, shape *sh, const orm_value *const *params, size_t n,
                     int64_t *changes, orm_object *ret, uint64_t retcols)
{
    assert(sh->stmt != NULL && n <= ORM_MAX_COLUMNS * 2);
    orm_value vals[ORM_MAX_COLUMNS * 2];
    for (size_t i = 0; i < n; i++)
        vals[i] = *params[i]; /* shallow: borrowed bytes */
    /* the objects' values outlive this bind-step-reset: no copies needed */
    int rc = orm_stmt_bind_all(s->conn, sh->stmt, vals, n, ORM_BIND_BORROW);
    s->conn->fail_ends_tx = 1; /* a failed flush rolls the transaction back */
    if (rc >= 0) rc = orm_stmt_step(s->conn, sh->stmt, orm_buf_str(&sh->sql), vals, n);
    s->conn->fail_ends_tx = 0;
    s->flushed = 1;
    for (int i = 0, j = 0; rc == ORM_ROW && ret && i < ret->table->ncols; i++) {
        if (!(retcols & ((uint64_t)1 << i))) continue;
        orm_value v = ORM_VALUE_NULL;
        int rc2 = orm_stmt_value(s->conn, sh->stmt, j++, &v);
        if (rc2 < 0)
            rc = rc2;
        else
            orm_value_move(&ret->values[i], &v);
    }
    if (rc >= 0 && changes) *changes = orm_stmt_changes(s->conn, sh->stmt);
    orm_stmt_reset(s->conn, sh->stmt);
    return rc < 0 ? orm_session_fail_from_conn(s, rc) : ORM_OK;
}

uint64_t orm_flush_insert_mask(const orm_object *o)
{
    const orm_table *t = o->table;
    uint64_t mask = 0;
    for (int i = 0; i < t->ncols; i++) {
        const orm_column *c = &t->cols[i];
        if (c->computed) continue; /* the database's alone */
        if (o->values[i].type == ORM_V_NULL && (i == t->autoinc_col || c->server_default)) continue;
        /* never given (nil and not assigned): left out, as SQLAlchemy does, so
         * that a default the model does not know (an IDENTITY column, a
         * default added by another tool) applies; NULL otherwise */
        if (o->values[i].type == ORM_V_NULL && !(o->dirty >> i & 1) && !c->primary_key) continue;
        mask |= (uint64_t)1 << i;
    }
    return mask;
}

/* Readies a pending object for its INSERT: the before_insert hook, the
 * foreign keys of the objects it links to, a versioned row's version 1. */
static int insert_prepare(orm_session *s, orm_object *o)
{
    const orm_table *t = o->table;
    if (s->hooks.before_insert && s->hooks.before_insert(s->hooks.ctx, o, &s->err) < 0)
        return ORM_EFAIL;
    if (o->nlinks && orm_object_apply_links(o) != ORM_OK) return orm_error_oom(&s->err);
    if (t->version_col >= 0) { /* a new row starts at version 1 */
        orm_value_clear(&o->values[t->version_col]);
        orm_value_int(&o->values[t->version_col], 1);
    }
    return ORM_OK;
}

uint64_t orm_flush_filled_cols(const orm_table *t, uint64_t mask)
{
    uint64_t filled = 0;
    for (int i = 0; i < t->ncols; i++)
        if (!(mask & ((uint64_t)1 << i)) &&
            (i == t->autoinc_col || t->cols[i].server_default || t->cols[i].computed))
            filled |= (uint64_t)1 << i;
    return filled;
}

/* The computed columns of t. */
static uint64_t computed_cols(const orm_table *t)
{
    uint64_t m = 0;
    for (int i = 0; i < t->ncols; i++)
        if (t->cols[i].computed) m |= (uint64_t)1 << i;
    return m;
}

/* After o's row is written (its key set): files it in the identity map as
 * persistent. */
int orm_flush_inserted(orm_session *s, orm_object *o)
{
    assert(s != NULL && o != NULL && o->session == s);
    assert(o->state == ORM_OBJ_PENDING); /* pending -> persistent, once */
    const orm_table *t = o->table;
    const orm_value *key[ORM_MAX_COLUMNS];
    for (int i = 0; i < t->npk; i++)
        key[i] = &o->values[t->pk[i]];
    orm_object *other = orm_identity_find(&s->identity, t, key, orm_identity_hash(t, key));
    if (other && other != o) orm_identity_remove(&s->identity, other); /* stale (deleted) row */
    assert(!o->in_identity); /* a pending object is in no identity map */
    if (orm_identity_put(&s->identity, o) != ORM_OK) return orm_error_oom(&s->err);
    o->state = ORM_OBJ_PERSISTENT;
    o->inserted_in_txn = 1;
    o->dirty = 0;
    return ORM_OK;
}

/* Refuses an INSERT whose key the database will not fill: a key column
 * left nil that is not generated (autoincrement = false, or a table whose
 * key the database does not number) nor has a server default. PostgreSQL
 * and MariaDB refuse the NULL themselves; SQLite numbered the row (an
 * INTEGER PRIMARY KEY is its rowid) and the object kept a nil key. A
 * generated column of a composite key where the backend cannot number one
 * (SQLite) is refused too. generated: the autoincrement column is nil. */
static int check_key_given(orm_session *s, const orm_object *o, int generated)
{
    const orm_table *t = o->table;
    if (generated && t->npk > 1 && !orm_conn_dialect(s->conn)->autoincrement_composite)
        return orm_error_set(
            &s->err, ORM_ERR_INTEGRITY, 0,
            "%s.%s is numbered by the database, but SQLite numbers only a lone "
            "INTEGER PRIMARY KEY, not a column of a composite key: give it a value",
            t->name, t->cols[t->autoinc_col].name);
    for (int k = 0; k < t->npk; k++) {
        const orm_column *c = &t->cols[t->pk[k]];
        if (o->values[t->pk[k]].type == ORM_V_NULL && t->pk[k] != t->autoinc_col &&
            !c->server_default && !c->computed)
            return orm_error_set(
                &s->err, ORM_ERR_INTEGRITY, 0,
                "%s.%s is part of the primary key and the database does not "
                "generate it%s: give it a value",
                t->name, c->name,
                t->npk == 1 && (c->type.kind == ORM_T_INTEGER || c->type.kind == ORM_T_BIGINT)
                    ? " (autoincrement = false)"
                    : "");
    }
    return ORM_OK;
}

/* prepared: insert_prepare ran already. */
static int insert_one(orm_session *s, shape *sh, orm_object *o, int prepared)
{
    const orm_table *t = o->table;
    int rc = prepared ? ORM_OK : insert_prepare(s, o);
    if (rc < 0) return rc;
    uint64_t mask = orm_flush_insert_mask(o), filled = orm_flush_filled_cols(t, mask);
    /* what the database fills (the generated key, server defaults,
     * computed columns, a serial in a composite key) comes back with the
     * INSERT where the connection can (RETURNING: one round trip), else
     * the key from last_insert_id and the rest from a SELECT by key */
    int generated = t->autoinc_col >= 0 && o->values[t->autoinc_col].type == ORM_V_NULL;
    if ((rc = check_key_given(s, o, generated)) < 0) return rc;
    int returning = filled && orm_conn_returning(s->conn, NULL, NULL, 0);
    rc = shape_use(s, sh, t, mask, returning ? 'r' : 'i');
    if (rc < 0) return rc;
    const orm_value *params[ORM_MAX_COLUMNS];
    size_t n = 0;
    for (int i = 0; i < t->ncols; i++)
        if (mask & ((uint64_t)1 << i)) params[n++] = &o->values[i];
    rc = run_shape(s, sh, params, n, NULL, returning ? o : NULL, filled);
    if (rc < 0) return rc;
    if (returning) {
        o->pk_generated = generated && o->values[t->autoinc_col].type != ORM_V_NULL;
    } else if (generated && orm_conn_has_last_id(s->conn)) {
        orm_value_int(&o->values[t->autoinc_col], orm_conn_last_id(s->conn));
        o->pk_generated = 1;
    }
    if ((rc = orm_flush_inserted(s, o)) < 0) return rc;
    /* the filled columns other than the key: server defaults, computed */
    uint64_t server = filled & ~(generated ? (uint64_t)1 << t->autoinc_col : 0);
    if (s->audit) { /* the values the row was given (and its key), on every backend */
        uint64_t set = 0;
        for (int i = 0; i < t->ncols; i++)
            if (o->values[i].type != ORM_V_NULL &&
                (t->cols[i].primary_key || !(server & ((uint64_t)1 << i))))
                set |= (uint64_t)1 << i;
        shape_done(s, sh);
        if ((rc = orm_audit_row(s, o, "insert", set)) < 0) return rc;
    }
    /* columns the database filled (server_default, computed): read them back */
    if (server && !returning) {
        shape_done(s, sh); /* the reload uses the statement cache too */
        int rc2 = orm_session_reload_columns(s, o, server);
        return rc2 < 0 ? rc2 : ORM_OK;
    }
    return ORM_OK;
}

/* Whether rows of t may go out in multi-row INSERTs: the connection returns
 * generated keys (RETURNING: PostgreSQL, MariaDB 10.5+), t's key is one generated column, and
 * nothing runs per row after the INSERT (auditing). */
static int batchable_table(const orm_session *s, const orm_table *t)
{
    return orm_conn_returning(s->conn, NULL, NULL, 0) && t->autoinc_col >= 0 && t->npk == 1 &&
           t->pk[0] == t->autoinc_col && !s->audit;
}

/* Whether the prepared object o can join a batch of rows with columns
 * mask: its key is to be generated (the batch's RETURNING also brings the
 * other columns the database fills). */
static int batchable_row(const orm_object *o, uint64_t mask)
{
    const orm_table *t = o->table;
    return mask != 0 && o->values[t->autoinc_col].type == ORM_V_NULL &&
           orm_flush_insert_mask(o) == mask;
}

/* Inserts the pending objects of table t (in the order they were added),
 * runs of rows with one column set together (flush_batch.c) where the
 * table allows it. */
static int insert_table(orm_session *s, shape *sh, const orm_table *t)
{
    int batch = batchable_table(s, t);
    orm_object *run[ORM_FLUSH_BATCH_MAX];
    int nrun = 0, rc = ORM_OK;
    uint64_t mask = 0;
    for (size_t i = 0; i <= s->ntouched && rc >= 0; i++) {
        orm_object *o = i < s->ntouched ? s->touched[i] : NULL;
        if (o && (o->state != ORM_OBJ_PENDING || o->table != t)) continue;
        int prepared = 0, joins = 0;
        if (o && batch) {
            if ((rc = insert_prepare(s, o)) < 0) {
                orm_session_set_failed(s, o);
                break;
            }
            prepared = 1;
            if (nrun == 0) mask = orm_flush_insert_mask(o);
            joins = batchable_row(o, mask) && nrun < orm_flush_batch_rows(s, mask);
        }
        if (nrun > 0 && !joins) { /* the run ends: write it (one row: alone) */
            shape_done(s, sh);
            rc = nrun > 1 ? orm_flush_insert_batch(s, t, mask, run, nrun) : ORM_FLUSH_REPLAY;
            if (rc == ORM_FLUSH_REPLAY) { /* row by row: a failing one is named */
                rc = ORM_OK;
                for (int k = 0; k < nrun && rc >= 0; k++)
                    if ((rc = insert_one(s, sh, run[k], 1)) < 0) orm_session_set_failed(s, run[k]);
            }
            nrun = 0;
            if (rc < 0) break;
            if (o && batch) { /* o may start the next run */
                mask = orm_flush_insert_mask(o);
                joins = batchable_row(o, mask);
            }
        }
        if (o == NULL) break;
        if (joins) {
            run[nrun++] = o;
        } else if ((rc = insert_one(s, sh, o, prepared)) < 0) {
            orm_session_set_failed(s, o);
        }
    }
    return rc;
}

/* copied: o's hook ran and its row is in the history table (flush_history.c) */
static int update_one(orm_session *s, shape *sh, orm_object *o, int copied)
{
    assert(o->session == s && o->state == ORM_OBJ_PERSISTENT && o->dirty != 0);
    const orm_table *t = o->table;
    if (!copied && s->hooks.before_update && s->hooks.before_update(s->hooks.ctx, o, &s->err) < 0)
        return ORM_EFAIL;
    uint64_t mask = o->dirty;
    /* a versioned row: SET version = expected + 1 ... AND version = expected */
    int vc = t->version_col;
    orm_value expected, next;
    if (vc >= 0) {
        mask |= (uint64_t)1 << vc;
        orm_value_int(&expected, orm_versioning_expected(o));
        orm_value_int(&next, expected.u.i + 1);
    }
    /* a __versioned table keeps the row as it was (same transaction) */
    int rc = t->history && !copied ? orm_history_copy_row(s, o, "update") : ORM_OK;
    if (rc >= 0) rc = shape_use(s, sh, t, mask, 'u');
    if (rc < 0) return rc;
    const orm_value *params[ORM_MAX_COLUMNS * 2 + 1];
    size_t n = 0;
    for (int i = 0; i < t->ncols; i++)
        if (mask & ((uint64_t)1 << i)) params[n++] = i == vc ? &next : &o->values[i];
    /* the row is found by the key the database has (a changed key: dbkey) */
    for (int i = 0; i < t->npk; i++)
        params[n++] = o->dbkey ? &o->dbkey[i] : &o->values[t->pk[i]];
    if (vc >= 0) params[n++] = &expected;
    int64_t changes = 0;
    rc = run_shape(s, sh, params, n, &changes, NULL, 0);
    if (rc < 0) return rc;
    if (changes != 1 && vc >= 0) return orm_versioning_stale(&s->err, o, expected.u.i);
    if (changes != 1)
        return orm_error_set(&s->err, ORM_ERR_STALE, 0,
                             "UPDATE statement on table '%s' expected to update 1 row(s); "
                             "%lld were matched",
                             t->name, (long long)changes);
    if (vc >= 0) {
        orm_value_clear(&o->values[vc]);
        o->values[vc] = next;
    }
    if (s->audit && (rc = orm_audit_row(s, o, "update", mask)) < 0) return rc;
    o->dirty = 0;
    if (o->dbkey) { /* the new key is the row's now: file the object under it */
        orm_object_drop_dbkey(o);
        if (orm_session_rekey(s, o) != ORM_OK) return orm_error_oom(&s->err);
    }
    uint64_t computed = computed_cols(t); /* what the database computed anew: read back */
    if (computed) {
        shape_done(s, sh); /* the reload uses the statement cache too */
        if ((rc = orm_session_reload_columns(s, o, computed)) < 0) return rc;
    }
    return ORM_OK;
}

static int delete_one(orm_session *s, shape *sh, orm_object *o, int copied)
{
    assert(o->session == s && o->state == ORM_OBJ_PERSISTENT && o->marked_delete);
    const orm_table *t = o->table;
    int rc = t->history && !copied ? orm_history_copy_row(s, o, "delete") : ORM_OK;
    if (rc >= 0) rc = shape_use(s, sh, t, 0, 'd');
    if (rc < 0) return rc;
    const orm_value *params[ORM_MAX_COLUMNS + 1];
    size_t n = 0;
    for (int i = 0; i < t->npk; i++)
        params[n++] = o->dbkey ? &o->dbkey[i] : &o->values[t->pk[i]];
    orm_value expected;
    if (t->version_col >= 0) {
        orm_value_int(&expected, orm_versioning_expected(o));
        params[n++] = &expected;
    }
    int64_t changes = 0;
    rc = run_shape(s, sh, params, n, &changes, NULL, 0);
    if (rc < 0) return rc;
    if (changes != 1 && t->version_col >= 0) return orm_versioning_stale(&s->err, o, expected.u.i);
    if (changes != 1)
        return orm_error_set(&s->err, ORM_ERR_STALE, 0,
                             "DELETE statement on table '%s' expected to delete 1 row(s); "
                             "%lld were matched",
                             t->name, (long long)changes);
    if (s->audit && (rc = orm_audit_row(s, o, "delete", ~(uint64_t)0)) < 0) return rc;
    orm_identity_remove(&s->identity, o);
    o->state = ORM_OBJ_DELETED;
    o->marked_delete = 0;
    o->dirty = 0;
    return ORM_OK;
}

static int needs_work(const orm_session *s)
{
    for (size_t i = 0; i < s->ntouched; i++) {
        const orm_object *o = s->touched[i];
        if (o->state == ORM_OBJ_PENDING || o->marked_delete ||
            (o->state == ORM_OBJ_PERSISTENT && (o->dirty || o->nlinks)))
            return 1;
    }
    return 0;
}

int orm_flush_run(orm_session *s)
{
    assert(s != NULL && s->conn != NULL);
    if (!needs_work(s)) return ORM_OK;
    int rc = orm_session_table_order(s);
    if (rc < 0) return rc;
    orm_session_end_replica_reads(s); /* reads go to the primary from here */
    rc = orm_session_begin(s);
    if (rc < 0) return rc;
    shape sh = {0};
    orm_buf_init(&sh.sql);
    /* inserts, parents first */
    for (int ti = 0; ti < s->norder && rc >= 0; ti++)
        rc = insert_table(s, &sh, s->order[ti]);
    /* foreign keys of persistent objects that follow objects inserted above */
    for (size_t i = 0; i < s->ntouched && rc >= 0; i++) {
        orm_object *o = s->touched[i];
        if (o->state == ORM_OBJ_PERSISTENT && o->nlinks) {
            int lrc = orm_object_apply_links(o);
            if (lrc == ORM_EMISUSE)
                rc = orm_error_set(&s->err, ORM_ERR_DATA, 0,
                                   "%s: a primary key cannot change inside begin_nested()",
                                   o->table->name);
            else if (lrc != ORM_OK)
                rc = orm_error_oom(&s->err);
        }
    }
    /* updates (a __versioned table's old rows go to its history a chunk ahead) */
    orm_flush_ahead ah;
    orm_flush_ahead_init(&ah, 'u');
    for (size_t i = 0; i < s->ntouched && rc >= 0; i++) {
        orm_object *o = s->touched[i];
        int copied = 0;
        if (o->state != ORM_OBJ_PERSISTENT || !o->dirty || o->marked_delete) continue;
        if (o->table->history) rc = orm_flush_ahead_copy(s, &ah, i, &copied); /* names its row */
        if (rc >= 0 && (rc = update_one(s, &sh, o, copied)) < 0) orm_session_set_failed(s, o);
    }
    rc = orm_flush_ahead_done(s, &ah, rc);
    /* deletes, children first */
    orm_flush_ahead_init(&ah, 'd');
    for (int ti = s->norder - 1; ti >= 0 && rc >= 0; ti--)
        for (size_t i = 0; i < s->ntouched && rc >= 0; i++) {
            orm_object *o = s->touched[i];
            int copied = 0;
            if (!o->marked_delete || o->state != ORM_OBJ_PERSISTENT || o->table != s->order[ti])
                continue;
            if (o->table->history) rc = orm_flush_ahead_copy(s, &ah, i, &copied);
            if (rc >= 0 && (rc = delete_one(s, &sh, o, copied)) < 0) orm_session_set_failed(s, o);
        }
    rc = orm_flush_ahead_done(s, &ah, rc);
    shape_done(s, &sh);
    orm_buf_free(&sh.sql);
    return rc;
}
