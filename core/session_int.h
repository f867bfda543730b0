/* session_int.h — the session's private state, shared by session.c,
 * object.c, flush.c and cursor.c (nothing outside core/ includes it). */
#ifndef ORM_SESSION_INT_H
#define ORM_SESSION_INT_H

#include "identity.h"
#include "session.h"
#include "slab.h"
#include "stmt_cache.h"

struct orm_session {
    orm_conn *conn;
    const orm_metadata *md;
    orm_stmt_cache *cache;
    orm_slab *slab; /* owned: the blocks of the objects it makes (slab.h) */
    orm_identity identity;
    orm_object **touched; /* retained: every object changed since the last commit */
    size_t ntouched, captouched;
    uint64_t next_seq;
    orm_session_hooks hooks;
    orm_error err;
    int flushing;
    int autoflush;
    int raw_writes;    /* raw statements that wrote since the last commit */
    int flushed;       /* a flush wrote since the last commit or rollback */
    orm_table **order; /* tables in FK order (cache) */
    int norder;
    int order_for;  /* md->ntables the cache was built for */
    struct pk_sql { /* SELECT ... WHERE pk = ? per table, compiled once */
        const orm_table *table;
        char *sql;
    } * pk_sql;
    int npk_sql;
    struct savepoint { /* open savepoints, innermost last */
        int id;
        uint64_t seq; /* objects touched later have a higher seq */
    } * savepoints;
    int nsavepoints;
    int next_savepoint;
    orm_object *fail_obj;       /* retained: the object a failed flush was writing */
    int fail_autoflush;         /* that flush was the autoflush before a query */
    const orm_table *audit;     /* ormsh_audit when auditing is on (audit.c), else NULL */
    char *audit_actor;          /* owned; NULL: the OS user */
    struct orm_router *router;  /* owned; NULL: no read replicas */
    int force_primary;          /* reads stay on the primary (q:using("primary")) */
    struct orm_cursor *streams; /* open streaming cursors (not owned; cursor.c) */
    struct orm_cursor *spare;   /* owned: a closed cursor kept for the next open, or NULL */
};

/* cursor.c */
/* Frees the spare cursor (the session is being freed). */
void orm_cursor_free_spare(orm_session *s);

/* object.c */
/* A new transient object of t in one block with its text and blob bytes:
 * vals (t->ncols values) are moved in and left NULL, their bytes copied
 * after the values (which borrow them from the block). NULL on oom (vals
 * then untouched). */
orm_object *orm_object_new_row(const orm_table *t, orm_value *vals, orm_slab *slab);
int orm_session_touch(orm_session *s, orm_object *o); /* adds to touched (retains) */
int orm_object_snapshot(orm_object *o);               /* keeps committed values */
/* Keeps o's primary key as the database has it (o->dbkey) unless kept
 * already: from key (a whole row of values, e.g. the committed ones), or
 * o's values when key is NULL. 0 or ORM_ENOMEM. */
int orm_object_keep_dbkey(orm_object *o, const orm_value *key);
void orm_object_drop_dbkey(orm_object *o);
/* session.c: files o in the identity map under its values' key (after its
 * key changed), dropping a stale object that still claims that key. 0 or
 * ORM_ENOMEM. */
int orm_session_rekey(orm_session *s, orm_object *o);
void orm_object_restore(orm_object *o); /* committed values back */
void orm_object_drop_snapshot(orm_object *o);
void orm_object_reset_generated_pk(orm_object *o);
/* Copies the linked values in (0, ORM_ENOMEM, or ORM_EMISUSE: a persistent
 * object's key would change inside a savepoint). */
int orm_object_apply_links(orm_object *o);

/* session.c */
int orm_session_begin(orm_session *s);
/* Ends the read transactions open on the session's replicas (router.h):
 * called before the primary writes, commits or rolls back, and when idle. */
void orm_session_end_replica_reads(orm_session *s);
/* Copies the connection's error into the session's (the first one wins). */
int orm_session_fail_from_conn(orm_session *s, int rc);
/* After a failed flush/commit: database rolled back, changes pending again. */
void orm_session_revert_to_pending(orm_session *s);
int orm_session_table_order(orm_session *s);
/* A change failed halfway (a bulk statement without its history rows or
 * audit entry): rolls back as a failed flush does; returns rc. */
int orm_session_fail(orm_session *s, int rc);

/* flush.c */
int orm_flush_run(orm_session *s);
/* The columns an INSERT of o names (a generated key or server default left
 * NULL is left out). */
uint64_t orm_flush_insert_mask(const orm_object *o);
/* The columns the database fills in an INSERT of mask (the ones mask
 * leaves out): the generated key, server defaults, computed columns. */
uint64_t orm_flush_filled_cols(const orm_table *t, uint64_t mask);

/* cursor.c: re-reads the columns in mask of o's row (server defaults,
 * savepoints): ORM_OK, ORM_DONE when the row is gone, or a failure. */
int orm_session_reload_columns(orm_session *s, orm_object *o, uint64_t mask);
/* cursor.c: binds and steps one statement to completion (no rows expected). */
int orm_session_run(orm_session *s, const char *sql, const orm_value *const *params, size_t n,
                    int64_t *changes);

#endif
