/* flush_batch.h — the flush's multi-row INSERTs: runs of pending rows of one
 * table with one column set go out as INSERT ... VALUES (...), (...)
 * RETURNING key, filled columns, and what came back lands on its objects. */
#ifndef ORM_FLUSH_BATCH_H
#define ORM_FLUSH_BATCH_H

#include "session_int.h"

#define ORM_FLUSH_BATCH_MAX 1000 /* rows one statement writes at most */

/* Rows of column set mask one statement may carry (1..ORM_FLUSH_BATCH_MAX):
 * bounded by the dialect's parameter limit. */
int orm_flush_batch_rows(const orm_session *s, uint64_t mask);
/* Writes objs[0..n-1] (pending objects of t, prepared, each with the
 * columns mask and its key to be generated) in one INSERT ... RETURNING;
 * on success each is persistent, in the identity map, with its key and the
 * other columns the database filled (server defaults, computed). When
 * the statement fails it writes nothing (only it is undone) and the
 * result is ORM_FLUSH_REPLAY: the caller writes the rows one at a time, so
 * the failing row raises naming its object. Other failures (memory) set
 * the session's error, the first object the failed one. The objects are
 * borrowed. */
#define ORM_FLUSH_REPLAY 1
int orm_flush_insert_batch(orm_session *s, const orm_table *t, uint64_t mask, orm_object **objs,
                           int n);
/* flush.c: files o, whose row was just written with its key, in the
 * identity map as persistent. */
int orm_flush_inserted(orm_session *s, orm_object *o);

#endif
