/* flush_history.h — the flush's history copies of a __versioned table, a
 * chunk of rows ahead: when the flush reaches the first row of such a table
 * to update (or delete), the old rows of it and of the table's next rows in
 * the flush (up to orm_history_batch_rows) go to the history table in one
 * INSERT ... SELECT, before any of their UPDATEs; those rows' UPDATEs then
 * run in their usual order with no copy of their own. */
#ifndef ORM_FLUSH_HISTORY_H
#define ORM_FLUSH_HISTORY_H

#include "session_int.h"

typedef struct orm_flush_chunk orm_flush_chunk;

/* One flush phase's chunks (updates, or deletes): one per table. */
typedef struct orm_flush_ahead {
    orm_flush_chunk *chunks; /* owned */
    int nchunks;
    char kind; /* 'u' update, 'd' delete */
} orm_flush_ahead;

void orm_flush_ahead_init(orm_flush_ahead *ah, char kind);

/* The flush is about to update (or delete) s->touched[i], a row of a
 * __versioned table. *copied = 1 when its old row is in the history table
 * already (copied with its chunk; for an update its before_update hook ran
 * too), 0 when the caller runs the hook and copies the row itself (a table
 * whose rows foreign-key actions change: one row at a time, as each
 * statement leaves them). A failure names its object
 * (orm_session_set_failed). */
int orm_flush_ahead_copy(orm_session *s, orm_flush_ahead *ah, size_t i, int *copied);

/* Ends the phase: frees ah. When rc is not a failure and a copied row was
 * never written (a hook changed another object's state meanwhile), fails
 * with an error rather than leave a history row without its change.
 * Returns rc or that failure. */
int orm_flush_ahead_done(orm_session *s, orm_flush_ahead *ah, int rc);

#endif
