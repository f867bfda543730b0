/* session.h — the unit of work: objects (rows as C values), their states,
 * the session that tracks new/dirty/deleted objects, transactions, flush,
 * commit and rollback, and cursors that load rows through the identity map.
 *
 * Ownership: objects are reference counted. The creator holds one reference
 * (the Lua userdata, in the bindings); the session holds one for every object
 * it must remember until commit (new, dirty, deleted, flushed-uncommitted).
 * The identity map is weak: a clean persistent object nobody references is
 * freed and simply reloaded when asked for again. */
#ifndef ORM_SESSION_H
#define ORM_SESSION_H

#include <stdint.h>
#include "driver.h"
#include "error.h"
#include "expr.h"
#include "schema.h"
#include "value.h"

typedef enum {
    ORM_OBJ_TRANSIENT,  /* not in a session */
    ORM_OBJ_PENDING,    /* added, not yet inserted */
    ORM_OBJ_PERSISTENT, /* has a row (may be marked for delete) */
    ORM_OBJ_DELETED,    /* its DELETE was flushed, not yet committed */
    ORM_OBJ_DETACHED,   /* was persistent; the session closed or forgot it */
} orm_obj_state;

typedef struct orm_session orm_session;
struct orm_object;

/* A value the flush copies from another object: before this object is
 * written, values[col] = src->values[src_col] (a foreign key to a parent
 * that has no generated key yet). */
typedef struct orm_link {
    int col;
    int src_col;
    struct orm_object *src; /* retained, unless it is the object itself */
} orm_link;

typedef struct orm_object {
    const orm_table *table;
    orm_session *session; /* NULL when transient/detached */
    orm_obj_state state;
    int refs;
    uint64_t dirty;       /* columns changed since the last flush */
    uint64_t txn_dirty;   /* columns changed since the last commit */
    orm_value *committed; /* values at the last commit, kept from the first change */
    uint64_t seq;         /* order of first touch in its session */
    unsigned marked_delete : 1;
    unsigned inserted_in_txn : 1;
    unsigned pk_generated : 1;
    unsigned touched : 1; /* in the session's touched list */
    unsigned in_identity : 1;
    uint32_t asize; /* bytes of the block holding the object (slab.h) */
    uint64_t id_hash;
    void *udata;     /* the bindings' business (borrowed) */
    orm_link *links; /* pending copies from other objects (relationships) */
    int nlinks;
    /* The primary key as the database has it (npk values, in pk order) while
     * a change of it is not flushed yet; NULL otherwise. The identity map
     * keys the object by its values' key (re-keyed when the change is
     * written). */
    orm_value *dbkey;
    struct orm_slab *slab; /* the arena of its block; NULL: malloc'd */
    /* What it has loaded of its relationships (relation_state.h); NULL:
     * nothing. Cleared by its holder's finalizer, or when it is freed. */
    struct orm_rel_slots *rels;
    orm_value values[]; /* table->ncols values */
} orm_object;

/* A new transient object with every value NULL and one reference. NULL on oom. */
orm_object *orm_object_new(const orm_table *t);
/* The same, its block from the session's arena (slab.h); NULL s: malloc. */
orm_object *orm_object_new_in(const orm_table *t, orm_session *s);
orm_object *orm_object_retain(orm_object *o);
void orm_object_release(orm_object *o); /* NULL-safe; frees at zero */
/* The same, and when o lives on, frees the objects reachable from it that
 * only hold one another (links and relationship slots, e.g. a node that is
 * its own parent) and nothing else holds: what a holder that may have been
 * the last outside one calls (object_cycles.c). NULL-safe. */
void orm_object_release_collect(orm_object *o);
/* Sets column col to *v, taking ownership of its bytes (v becomes NULL).
 * Marks the column dirty and tells the session. A new primary key value of
 * a persistent object is written by the next flush (UPDATE ... WHERE the old
 * key); inside a savepoint (begin_nested) that is refused: ORM_EMISUSE, v
 * cleared. Returns 0, ORM_ENOMEM or ORM_EMISUSE. */
int orm_object_set(orm_object *o, int col, orm_value *v);
static inline const orm_value *orm_object_get(const orm_object *o, int col)
{
    return &o->values[col];
}
/* Makes column col follow src's column src_col: when src already has a
 * value there it is copied now, and in any case again at flush until the
 * next commit. src NULL removes the link and sets the column to NULL.
 * Returns 0 or ORM_ENOMEM. */
int orm_object_link(orm_object *o, int col, orm_object *src, int src_col);
/* The object column col is linked to, or NULL (borrowed). */
orm_object *orm_object_link_src(const orm_object *o, int col);
/* Drops every link (releasing the sources). */
void orm_object_clear_links(orm_object *o);

/* Called by flush for each object about to be inserted / updated, so the
 * bindings can fill client-side defaults and onupdate values. */
typedef struct orm_session_hooks {
    int (*before_insert)(void *ctx, orm_object *o, orm_error *err); /* may be NULL */
    int (*before_update)(void *ctx, orm_object *o, orm_error *err); /* may be NULL */
    void *ctx;
} orm_session_hooks;

/* A session on conn for the tables of md (both borrowed; must outlive it). */
orm_session *orm_session_new(orm_conn *conn, const orm_metadata *md);
/* Rolls back, detaches every object and frees. NULL-safe. */
void orm_session_free(orm_session *s);
void orm_session_set_hooks(orm_session *s, const orm_session_hooks *h);
/* The last failure of a session operation (class, message, sql, params). */
orm_error *orm_session_error(orm_session *s);
orm_conn *orm_session_conn(orm_session *s);
struct orm_router;
/* Gives the session read replicas (router.h); the session owns r from now
 * on (frees the previous one). Reads outside a transaction that has written
 * then run on a replica. */
void orm_session_set_router(orm_session *s, struct orm_router *r);
struct orm_router *orm_session_router(orm_session *s); /* borrowed; may be NULL */
/* While on (> 0), every read runs on the primary. Returns the old value. */
int orm_session_force_primary(orm_session *s, int on);

int orm_session_add(orm_session *s, orm_object *o);
/* Makes o (transient, its primary key set) stand for an existing row: it
 * enters the identity map as persistent. When the map already has that row,
 * *out is that object (retained) and o is left alone; else *out is o
 * (retained). Used for association rows known to exist. */
int orm_session_attach_existing(orm_session *s, orm_object *o, orm_object **out);
int orm_session_delete(orm_session *s, orm_object *o);
int orm_session_expunge(orm_session *s, orm_object *o);
/* Writes pending changes (inserts parents first, deletes children first).
 * On failure the database transaction is rolled back and every change since
 * the last commit is pending again, objects keeping the values they have. */
int orm_session_flush(orm_session *s);
/* Called by orm_session_plan for each statement: its SQL text (the
 * connection's dialect) and parameters (borrowed for the call). Returns
 * ORM_OK, or a failure that stops the plan and is returned. */
typedef int (*orm_plan_fn)(void *ctx, const char *sql, const orm_value *const *params, size_t n);
/* The statements the next flush would run, in its order (inserts parents
 * first, updates, deletes children first), without running anything or
 * changing any object (flush_plan.c). Values a flush only learns while
 * running (generated keys, a new parent's key in its children's foreign
 * keys, defaults filled by hooks) show as they are now. */
int orm_session_plan(orm_session *s, orm_plan_fn fn, void *ctx);
int orm_session_commit(orm_session *s);
/* Discards the transaction: pending objects become transient, deleted ones
 * persistent again, modified ones get their committed values back. */
int orm_session_rollback(orm_session *s);
/* Savepoints (session:begin_nested): flushes, then SAVEPOINT; *id names it.
 * Release keeps the changes in the outer transaction; rollback_to undoes
 * them: objects first touched since are reverted (pending ones become
 * transient), older ones are re-read from the database. */
int orm_session_savepoint(orm_session *s, int *id);
int orm_session_release_savepoint(orm_session *s, int id);
int orm_session_rollback_to_savepoint(orm_session *s, int id);
/* Rollback, then detaches every object (their values stay readable). */
int orm_session_close(orm_session *s);
/* Ends an open read-only transaction when nothing is pending (idle shell). */
void orm_session_end_idle(orm_session *s);
/* Changes a rollback would discard (objects touched since the last commit,
 * plus raw writes). */
size_t orm_session_pending_count(const orm_session *s);
/* Runs fn for each touched object (new, dirty, deleted), in touch order.
 * kind: 'n' new, 'd' dirty, 'x' deleted. */
void orm_session_each_pending(orm_session *s, void (*fn)(void *ctx, orm_object *o, char kind),
                              void *ctx);
int orm_session_autoflush(orm_session *s);
/* After a failed flush: the object it was writing (a new reference the
 * caller releases; NULL when none) and, in *autoflush, whether that flush
 * was the autoflush before a query. Forgets it. */
orm_object *orm_session_take_failed(orm_session *s, int *autoflush);
/* Remembers o (retained) as the object a failing flush was writing (flush.c). */
void orm_session_set_failed(orm_session *s, orm_object *o);
void orm_session_set_autoflush(orm_session *s, int on);
int orm_session_autoflush_enabled(const orm_session *s);

/* Object by primary key (npk values in pk order): the identity map first,
 * then one SELECT. *out is a new reference or NULL when there is no row. */
int orm_session_get(orm_session *s, const orm_table *t, const orm_value *pk, orm_object **out);
/* The object for the key if the identity map has it (no SQL); else NULL.
 * Borrowed. */
orm_object *orm_session_peek(orm_session *s, const orm_table *t, const orm_value *const *key);
/* Re-reads o's row, discarding unflushed changes. NoResultFound if gone. */
int orm_session_refresh(orm_session *s, orm_object *o);

/* A running statement. Opening autoflushes, begins the transaction if none,
 * checks out a cached statement and binds params. */
typedef struct orm_cursor orm_cursor;
int orm_cursor_open(orm_session *s, const char *sql, const orm_value *const *params, size_t n,
                    orm_cursor **out);
/* The same with the parameters' ownership said: ORM_BIND_BORROW promises that
 * their bytes outlive the cursor, so they are bound without a copy (and
 * unbound when it closes); orm_cursor_open is ORM_BIND_COPY. */
int orm_cursor_open_own(orm_session *s, const char *sql, const orm_value *const *params, size_t n,
                        orm_bind_own own, orm_cursor **out);
/* The same for a loop that reads the rows as it goes (orm_cursor_stream):
 * the server sends them chunk at a time where the driver can (a
 * PostgreSQL cursor), not all at once into the client's memory. */
int orm_cursor_open_stream(orm_session *s, const char *sql, const orm_value *const *params,
                           size_t n, orm_bind_own own, int chunk, orm_cursor **out);
int orm_cursor_step(orm_cursor *c); /* ORM_ROW, ORM_DONE, or failure */
int orm_cursor_ncols(orm_cursor *c);
const char *orm_cursor_colname(orm_cursor *c, int i);
int orm_cursor_value(orm_cursor *c, int i, orm_value *out); /* out overwritten */
/* The object for table t whose columns start at column `offset` of the
 * current row, through the identity map. *out is a new reference, or NULL
 * when the row's key is all NULL (an outer join that matched nothing). */
int orm_cursor_object(orm_cursor *c, const orm_table *t, int offset, orm_object **out);
int64_t orm_cursor_changes(orm_cursor *c);
void orm_cursor_close(orm_cursor *c); /* NULL-safe */
/* Marks c as streaming (a loop reads it between other statements): the
 * session lists it until it is closed. orm_session_end_streams resets the
 * statements of all such cursors (before DDL, a rollback or closing the
 * session): each then reports ORM_DONE, orm_cursor_ended says so, and
 * close only frees it. */
void orm_cursor_stream(orm_cursor *c);
void orm_session_end_streams(orm_session *s);
int orm_cursor_ended(const orm_cursor *c);

#endif
