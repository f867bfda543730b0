/* session.c — the session: adding, deleting and expunging objects, the
 * transaction (begin, commit, rollback, end when idle), get by primary key,
 * and restoring object state when a transaction fails or is rolled back. */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "compile.h"
#include "router.h"
#include "session_int.h"
#include "versioning.h"

orm_session *orm_session_new(orm_conn *conn, const orm_metadata *md)
{
    orm_session *s = calloc(1, sizeof *s);
    if (s == NULL) return NULL;
    s->conn = conn;
    s->md = md;
    s->autoflush = 1;
    s->cache = orm_stmt_cache_new(conn, 64);
    s->slab = orm_slab_new();
    if (s->cache == NULL || s->slab == NULL) {
        orm_stmt_cache_free(s->cache);
        orm_slab_release(s->slab);
        free(s);
        return NULL;
    }
    orm_identity_init(&s->identity);
    orm_error_init(&s->err);
    return s;
}

static void detach_one(void *ctx, orm_object *o)
{
    (void)ctx;
    o->in_identity = 0;
    o->session = NULL;
    if (o->state == ORM_OBJ_PERSISTENT) o->state = ORM_OBJ_DETACHED;
}

/* Replaces the remembered failed object (retained) with o. */
static void set_failed(orm_session *s, orm_object *o, int autoflush)
{
    if (o) orm_object_retain(o);
    orm_object_release(s->fail_obj);
    s->fail_obj = o;
    s->fail_autoflush = autoflush;
}

void orm_session_free(orm_session *s)
{
    if (s == NULL) return;
    orm_session_close(s);
    set_failed(s, NULL, 0);
    orm_identity_free(&s->identity);
    free(s->touched);
    free(s->order);
    for (int i = 0; i < s->npk_sql; i++)
        free(s->pk_sql[i].sql);
    free(s->pk_sql);
    free(s->savepoints);
    free(s->audit_actor);
    orm_stmt_cache_free(s->cache);
    orm_cursor_free_spare(s);
    orm_slab_release(s->slab); /* freed now, or with its last object */
    orm_router_free(s->router);
    orm_error_clear(&s->err);
    free(s);
}

void orm_session_set_hooks(orm_session *s, const orm_session_hooks *h)
{
    s->hooks = *h;
}
orm_error *orm_session_error(orm_session *s)
{
    return &s->err;
}
orm_conn *orm_session_conn(orm_session *s)
{
    return s->conn;
}
void orm_session_set_router(orm_session *s, struct orm_router *r)
{
    if (s->router != r) orm_router_free(s->router);
    s->router = r;
}
struct orm_router *orm_session_router(orm_session *s)
{
    return s->router;
}
int orm_session_force_primary(orm_session *s, int on)
{
    int old = s->force_primary;
    s->force_primary = on;
    return old;
}
void orm_session_set_autoflush(orm_session *s, int on)
{
    s->autoflush = on;
}
int orm_session_autoflush_enabled(const orm_session *s)
{
    return s->autoflush;
}

int orm_session_fail_from_conn(orm_session *s, int rc)
{
    if (s->err.cls == ORM_ERR_NONE) {
        if (s->conn->err.cls != ORM_ERR_NONE)
            orm_error_move(&s->err, &s->conn->err);
        else if (rc == ORM_ENOMEM)
            orm_error_oom(&s->err);
        else
            orm_error_set(&s->err, ORM_ERR_ERROR, 0, "unknown database failure");
    }
    orm_error_clear(&s->conn->err);
    return rc < 0 ? rc : ORM_EFAIL;
}

int orm_session_touch(orm_session *s, orm_object *o)
{
    assert(s != NULL && o != NULL);
    assert(!o->touched); /* at most once in the touched list */
    assert(s->ntouched <= s->captouched);
    if (s->ntouched == s->captouched) {
        size_t cap = s->captouched ? s->captouched * 2 : 64;
        orm_object **t = realloc(s->touched, cap * sizeof *t);
        if (t == NULL) return ORM_ENOMEM;
        s->touched = t;
        s->captouched = cap;
    }
    s->touched[s->ntouched++] = orm_object_retain(o);
    o->touched = 1;
    o->seq = ++s->next_seq;
    return ORM_OK;
}

void orm_session_end_replica_reads(orm_session *s)
{
    orm_router_end_reads(s->router);
}

int orm_session_begin(orm_session *s)
{
    if (orm_conn_in_transaction(s->conn)) return ORM_OK;
    int rc = orm_conn_begin(s->conn);
    return rc < 0 ? orm_session_fail_from_conn(s, rc) : ORM_OK;
}

static int key_of(const orm_object *o, const orm_value **key)
{
    for (int i = 0; i < o->table->npk; i++) {
        key[i] = &o->values[o->table->pk[i]];
        if (key[i]->type == ORM_V_NULL) return 0;
    }
    return 1;
}

int orm_session_add(orm_session *s, orm_object *o)
{
    assert(s != NULL && o != NULL && o->table != NULL);
    orm_error_clear(&s->err);
    if (orm_table_check_writable(o->table, "add", &s->err) < 0) return ORM_EFAIL;
    if (o->session != NULL && o->session != s)
        return orm_error_set(&s->err, ORM_ERR_ARGUMENT, 0,
                             "object is already attached to another session");
    if (o->session == s) {
        if (o->marked_delete && o->state == ORM_OBJ_PERSISTENT) o->marked_delete = 0;
        return ORM_OK;
    }
    if (o->state == ORM_OBJ_DETACHED) {
        const orm_value *key[ORM_MAX_COLUMNS];
        if (key_of(o, key) &&
            orm_identity_find(&s->identity, o->table, key, orm_identity_hash(o->table, key)))
            return orm_error_set(&s->err, ORM_ERR_ARGUMENT, 0,
                                 "another %s with the same primary key is already in this session",
                                 o->table->name);
        assert(!o->in_identity);
        if (orm_identity_put(&s->identity, o) != ORM_OK) return orm_error_oom(&s->err);
        o->session = s;
        o->state = ORM_OBJ_PERSISTENT;
        if (o->dirty && !o->touched && orm_session_touch(s, o) != ORM_OK) {
            orm_identity_remove(&s->identity, o); /* not half added: its change would be lost */
            o->session = NULL;
            o->state = ORM_OBJ_DETACHED;
            return orm_error_oom(&s->err);
        }
        return ORM_OK;
    }
    /* only a new object becomes pending: a deleted one is not added again */
    assert(o->state == ORM_OBJ_TRANSIENT && !o->in_identity);
    if (orm_session_touch(s, o) != ORM_OK) return orm_error_oom(&s->err);
    o->session = s;
    o->state = ORM_OBJ_PENDING;
    return ORM_OK;
}

int orm_session_attach_existing(orm_session *s, orm_object *o, orm_object **out)
{
    assert(s != NULL && o != NULL && out != NULL);
    orm_error_clear(&s->err);
    *out = NULL;
    const orm_value *key[ORM_MAX_COLUMNS];
    if (o->session != NULL || !key_of(o, key))
        return orm_error_set(&s->err, ORM_ERR_ARGUMENT, 0,
                             "%s row needs its full primary key to be attached", o->table->name);
    orm_object *found =
        orm_identity_find(&s->identity, o->table, key, orm_identity_hash(o->table, key));
    if (found) {
        *out = orm_object_retain(found);
        return ORM_OK;
    }
    assert(!o->in_identity);
    if (orm_identity_put(&s->identity, o) != ORM_OK) return orm_error_oom(&s->err);
    o->session = s;
    o->state = ORM_OBJ_PERSISTENT;
    o->dirty = 0;
    *out = orm_object_retain(o);
    return ORM_OK;
}

int orm_session_delete(orm_session *s, orm_object *o)
{
    assert(s != NULL && o != NULL);
    orm_error_clear(&s->err);
    if (orm_table_check_writable(o->table, "delete", &s->err) < 0) return ORM_EFAIL;
    if (o->session != s || o->state == ORM_OBJ_TRANSIENT)
        return orm_error_set(&s->err, ORM_ERR_ARGUMENT, 0,
                             "%s object is not persisted in this session", o->table->name);
    if (o->state == ORM_OBJ_PENDING) return orm_session_expunge(s, o);
    if (o->state != ORM_OBJ_PERSISTENT) return ORM_OK;
    assert(o->state == ORM_OBJ_PERSISTENT);
    if (!o->touched && orm_session_touch(s, o) != ORM_OK) return orm_error_oom(&s->err);
    o->marked_delete = 1;
    return ORM_OK;
}

/* Removes o from the touched list (dropping the session's reference). */
static void untouch(orm_session *s, orm_object *o)
{
    if (!o->touched) return;
    for (size_t i = 0; i < s->ntouched; i++) {
        if (s->touched[i] == o) {
            memmove(&s->touched[i], &s->touched[i + 1], (s->ntouched - i - 1) * sizeof *s->touched);
            s->ntouched--;
            o->touched = 0;
            orm_object_release(o);
            return;
        }
    }
}

int orm_session_expunge(orm_session *s, orm_object *o)
{
    assert(s != NULL && o != NULL);
    orm_error_clear(&s->err);
    if (o->session != s)
        return orm_error_set(&s->err, ORM_ERR_ARGUMENT, 0, "%s object is not in this session",
                             o->table->name);
    orm_identity_remove(&s->identity, o);
    o->session = NULL;
    o->state = o->state == ORM_OBJ_PENDING ? ORM_OBJ_TRANSIENT : ORM_OBJ_DETACHED;
    o->marked_delete = 0;
    assert(!o->in_identity); /* out of the session: out of its identity map */
    orm_object_retain(o);
    untouch(s, o);
    orm_object_release(o);
    return ORM_OK;
}

static void release_touched(orm_session *s)
{
    set_failed(s, NULL, 0);
    size_t n = s->ntouched;
    orm_object **t = s->touched;
    s->ntouched = 0;
    for (size_t i = 0; i < n; i++) {
        t[i]->touched = 0;
        orm_object_release(t[i]);
    }
}

/* The database transaction is gone; make every change since the last commit
 * pending again, keeping the values the objects have now. */
/* The database lost every change after `mark` (a transaction's start: 0, or
 * a savepoint's): those become pending again, keeping the values the objects
 * have now. Objects touched before the mark only get their columns marked
 * dirty again (an UPDATE of unchanged values is harmless). */
static void revert_after(orm_session *s, uint64_t mark)
{
    for (size_t i = 0; i < s->ntouched; i++) {
        orm_object *o = s->touched[i];
        if (o->seq > mark) {
            if (o->state == ORM_OBJ_DELETED) o->marked_delete = 1; /* its DELETE was undone too */
            if (o->inserted_in_txn) {
                orm_identity_remove(&s->identity, o);
                orm_object_reset_generated_pk(o);
                o->inserted_in_txn = 0;
                o->state = ORM_OBJ_PENDING;
            } else if (o->state == ORM_OBJ_DELETED) {
                o->state = ORM_OBJ_PERSISTENT;
                if (!o->in_identity) orm_identity_put(&s->identity, o);
            }
        }
        if (o->state == ORM_OBJ_PERSISTENT) o->dirty |= o->txn_dirty;
        if (o->state == ORM_OBJ_PERSISTENT && o->seq > mark) orm_versioning_restore(o);
    }
}

int orm_session_rekey(orm_session *s, orm_object *o)
{
    assert(s != NULL && o != NULL && o->session == s);
    const orm_table *t = o->table;
    if (o->in_identity) orm_identity_remove(&s->identity, o);
    const orm_value *key[ORM_MAX_COLUMNS];
    for (int i = 0; i < t->npk; i++)
        key[i] = &o->values[t->pk[i]];
    orm_object *other = orm_identity_find(&s->identity, t, key, orm_identity_hash(t, key));
    if (other && other != o) orm_identity_remove(&s->identity, other);
    return orm_identity_put(&s->identity, o);
}

static int key_changed(const orm_object *o)
{
    for (int i = 0; i < o->table->npk; i++) {
        int c = o->table->pk[i];
        if (!orm_value_equal(&o->values[c], &o->committed[c])) return 1;
    }
    return 0;
}

void orm_session_revert_to_pending(orm_session *s)
{
    revert_after(s, 0);
    /* the database is back at its last commit: a key changed since is again
     * only the object's, to be written by the next flush */
    for (size_t i = 0; i < s->ntouched; i++) {
        orm_object *o = s->touched[i];
        if (o->state != ORM_OBJ_PERSISTENT || o->inserted_in_txn || !o->committed ||
            !key_changed(o))
            continue;
        orm_object_drop_dbkey(o);
        /* out of memory here: the next flush finds no row (StaleDataError) */
        (void)orm_object_keep_dbkey(o, o->committed);
    }
    s->raw_writes = 0;
    s->flushed = 0;
}

/* A flush or commit failed: inside a savepoint only the savepoint's work is
 * undone (as SQLAlchemy's begin_nested does); otherwise the transaction. */
static int fail_transaction(orm_session *s, int rc)
{
    orm_session_fail_from_conn(s, rc);
    if (s->nsavepoints > 0 && orm_conn_in_transaction(s->conn)) {
        const struct savepoint *sp = &s->savepoints[s->nsavepoints - 1];
        if (orm_conn_savepoint_n(s->conn, ORM_SP_ROLLBACK, sp->id) >= 0) {
            revert_after(s, sp->seq);
            return rc < 0 ? rc : ORM_EFAIL;
        }
        orm_error_clear(&s->conn->err);
    }
    if (orm_conn_in_transaction(s->conn)) {
        orm_conn_rollback(s->conn);
        orm_error_clear(&s->conn->err); /* a failing cleanup never replaces the first error */
    }
    s->nsavepoints = 0;
    orm_session_revert_to_pending(s);
    return rc < 0 ? rc : ORM_EFAIL;
}

int orm_session_fail(orm_session *s, int rc)
{
    return fail_transaction(s, rc);
}

int orm_session_flush(orm_session *s)
{
    orm_error_clear(&s->err);
    set_failed(s, NULL, 0);
    if (s->flushing)
        return orm_error_set(&s->err, ORM_ERR_PROGRAMMING, 0, "flush is already in progress"),
               ORM_EMISUSE;
    s->flushing = 1;
    int rc = orm_flush_run(s);
    s->flushing = 0;
    if (rc < 0) return fail_transaction(s, rc);
    return ORM_OK;
}

int orm_session_autoflush(orm_session *s)
{
    if (!s->autoflush || s->flushing || s->ntouched == 0) return ORM_OK;
    int rc = orm_session_flush(s);
    if (rc < 0 && s->fail_obj) s->fail_autoflush = 1;
    return rc;
}

void orm_session_set_failed(orm_session *s, orm_object *o)
{
    set_failed(s, o, 0);
}

orm_object *orm_session_take_failed(orm_session *s, int *autoflush)
{
    orm_object *o = s->fail_obj;
    if (autoflush) *autoflush = s->fail_autoflush;
    s->fail_obj = NULL;
    s->fail_autoflush = 0;
    return o;
}

static void forget_committed(orm_session *s)
{
    for (size_t i = 0; i < s->ntouched; i++) {
        orm_object *o = s->touched[i];
        orm_object_clear_links(o);
        orm_object_drop_snapshot(o);
        o->txn_dirty = 0;
        o->inserted_in_txn = 0;
        o->pk_generated = 0;
        if (o->state == ORM_OBJ_DELETED) {
            o->session = NULL;
            o->state = ORM_OBJ_DETACHED;
        }
    }
    release_touched(s);
    s->raw_writes = 0;
    s->flushed = 0;
    s->nsavepoints = 0;
}

int orm_session_commit(orm_session *s)
{
    int wrote = s->ntouched > 0 || s->raw_writes;
    int rc = orm_session_flush(s);
    if (rc < 0) return rc;
    /* a SQLite replica's SHARED lock on the same file would block COMMIT,
     * and the next read must see this commit: a new snapshot */
    orm_router_end_reads(s->router);
    if (orm_conn_in_transaction(s->conn)) {
        rc = orm_conn_commit(s->conn);
        if (rc < 0) return fail_transaction(s, rc);
    }
    if (wrote && s->router) orm_router_committed(s->router, s->conn);
    forget_committed(s);
    return ORM_OK;
}

int orm_session_rollback(orm_session *s)
{
    orm_error_clear(&s->err);
    orm_router_end_reads(s->router);
    int rc = ORM_OK;
    if (orm_conn_in_transaction(s->conn)) {
        rc = orm_conn_rollback(s->conn);
        if (rc < 0) {
            orm_session_fail_from_conn(s, rc);
            /* never leave the discarded transaction open for a later commit */
            if (orm_conn_in_transaction(s->conn) && orm_conn_rollback(s->conn) < 0)
                orm_error_clear(&s->conn->err);
        }
    }
    for (size_t i = 0; i < s->ntouched; i++) {
        orm_object *o = s->touched[i];
        if (o->state == ORM_OBJ_PENDING || o->inserted_in_txn) {
            orm_identity_remove(&s->identity, o);
            orm_object_reset_generated_pk(o);
            o->session = NULL;
            o->state = ORM_OBJ_TRANSIENT;
        } else {
            if (o->state == ORM_OBJ_DELETED) o->state = ORM_OBJ_PERSISTENT;
            orm_object_restore(o); /* its committed key too */
            if (o->session == s) orm_session_rekey(s, o);
        }
        o->marked_delete = 0;
        o->inserted_in_txn = 0;
        o->dirty = o->txn_dirty = 0;
        orm_object_clear_links(o);
    }
    release_touched(s);
    s->raw_writes = 0;
    s->flushed = 0;
    s->nsavepoints = 0;
    return rc < 0 ? ORM_EFAIL : ORM_OK;
}

int orm_session_close(orm_session *s)
{
    orm_session_end_streams(s);
    int rc = orm_session_rollback(s);
    orm_identity_each(&s->identity, detach_one, NULL);
    orm_identity_free(&s->identity);
    return rc;
}

void orm_session_end_idle(orm_session *s)
{
    orm_router_end_reads(s->router); /* no snapshot kept across the prompt */
    /* Changes only in memory (objects changed, added or deleted but not
     * flushed) need no transaction: the next flush begins one. */
    if (!s->flushed && s->raw_writes == 0 && s->nsavepoints == 0 &&
        orm_conn_in_transaction(s->conn)) {
        if (orm_conn_commit(s->conn) < 0) {
            orm_conn_rollback(s->conn);
            orm_error_clear(&s->conn->err);
        }
    }
}

size_t orm_session_pending_count(const orm_session *s)
{
    return s->ntouched + (size_t)s->raw_writes;
}

void orm_session_each_pending(orm_session *s, void (*fn)(void *ctx, orm_object *o, char kind),
                              void *ctx)
{
    for (size_t i = 0; i < s->ntouched; i++) {
        orm_object *o = s->touched[i];
        char kind;
        if (o->state == ORM_OBJ_PENDING)
            kind = 'n';
        else if (o->marked_delete)
            kind = 'x';
        else if (o->dirty)
            kind = 'd';
        else
            continue;
        fn(ctx, o, kind);
    }
}

int orm_session_table_order(orm_session *s)
{
    if (s->order && s->order_for == s->md->ntables) return ORM_OK;
    free(s->order);
    s->order = NULL;
    if (orm_metadata_sorted(s->md, &s->order, &s->norder) != ORM_OK) return orm_error_oom(&s->err);
    s->order_for = s->md->ntables;
    return ORM_OK;
}
