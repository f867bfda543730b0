/* versioning.h — optimistic locking (__version_id): which column holds a
 * table's row version, the version the flush expects and writes, the
 * StaleDataError it raises when a row changed (or vanished) behind the
 * session's back, and the "version + 1" a bulk UPDATE sets. */
#ifndef ORM_VERSIONING_H
#define ORM_VERSIONING_H

#include <stdint.h>
#include "expr.h"
#include "schema.h"
#include "session.h"

/* Makes column col (name) t's version column; model names the class in
 * messages (copied). ArgumentError, naming model and col, when the column
 * is missing, is not an Integer/BigInteger, or is part of the primary key. */
int orm_versioning_set_column(orm_table *t, const char *col, const char *model, orm_error *err);

/* The version o's row has in the database as far as the session knows (a
 * NULL version, from a row written before versioning was turned on: 0). */
int64_t orm_versioning_expected(const orm_object *o);

/* Sets err to StaleDataError "Model key was changed by someone else
 * (expected version n)" and returns ORM_EFAIL. key: o's key as the
 * database has it. */
int orm_versioning_stale(orm_error *err, const orm_object *o, int64_t expected);

/* The database went back to o's committed row (a failed flush or commit
 * rolled back): o's version goes back with it, so the next flush expects
 * the version the row has again. No-op without a version column or
 * without committed values. */
void orm_versioning_restore(orm_object *o);

/* COALESCE(t.version, 0) + 1, the value a bulk UPDATE sets (new
 * reference), NULL on oom. t must have a version column. */
orm_expr *orm_versioning_bump_expr(const orm_table *t);

#endif
