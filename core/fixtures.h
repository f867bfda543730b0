/* fixtures.h — the statements `db dump` and `db load` run through the
 * session: every row of a table in key order, row counts, whether a key
 * exists, inserting or replacing one row with its key kept, and moving a
 * PostgreSQL sequence past the keys loaded (MySQL's AUTO_INCREMENT and
 * SQLite's rowid follow explicit keys by themselves). */
#ifndef ORM_FIXTURES_H
#define ORM_FIXTURES_H

#include <stdint.h>

#include "buf.h"
#include "session.h"
#include "strv.h"

/* Opens a cursor over every row of t, all columns in column order,
 * ordered by the primary key. *out: close with orm_cursor_close. */
int orm_fixture_scan(orm_session *s, const orm_table *t, orm_cursor **out);
/* *n: the rows t has. */
int orm_fixture_count(orm_session *s, const orm_table *t, int64_t *n);
/* *exists: 1 when t has a row with the primary key of row (t->ncols values). */
int orm_fixture_exists(orm_session *s, const orm_table *t, const orm_value *row, int *exists);
/* The INSERT of every column of t (appended to out), for orm_fixture_insert. */
int orm_fixture_insert_sql(orm_session *s, const orm_table *t, orm_buf *out);
/* Inserts row (t->ncols values, every column, keys included) with sql, the
 * text orm_fixture_insert_sql made for t. */
int orm_fixture_insert(orm_session *s, const orm_table *t, const char *sql, const orm_value *row);
/* Rows one orm_fixture_insert_rows may take at most. */
#define ORM_FIXTURE_BATCH_MAX 500
/* How many rows of t one orm_fixture_insert_rows takes: the backend's
 * parameter limit over t's written columns, at most ORM_FIXTURE_BATCH_MAX. */
int orm_fixture_batch_rows(const orm_session *s, const orm_table *t);
/* Inserts n rows of t (n * t->ncols values, every column, keys included;
 * 0 < n <= orm_fixture_batch_rows) in one multi-row INSERT. A failure does
 * not say which row: a load then runs again row by row to name it. */
int orm_fixture_insert_rows(orm_session *s, const orm_table *t, const orm_value *rows, int n);
/* Updates the row with row's primary key to row's other values (no-op
 * when t has only key columns). */
int orm_fixture_replace(orm_session *s, const orm_table *t, const orm_value *row);
/* Moves t's generated-key sequence past its largest key, where the
 * backend keeps one apart from the table (the dialect's `sequences`). */
int orm_fixture_sync_sequence(orm_session *s, const orm_table *t);
/* What a load changed so that its foreign-key checks wait; zero it
 * (ORM_FK_DEFER_INIT) before orm_fixture_defer_fks, free it with
 * orm_fk_defer_free. */
typedef struct orm_fk_defer {
    int deferred;     /* the checks wait (deferred, or off) */
    orm_strv altered; /* table, key name, ...: keys made DEFERRABLE for the load */
} orm_fk_defer;
#define ORM_FK_DEFER_INIT                                                                          \
    {                                                                                              \
        0, ORM_STRV_INIT                                                                           \
    }
/* Before a load's first row: when the models have a foreign-key cycle
 * (Sakila's store.manager_staff_id and staff.store_id; no order of
 * inserts satisfies it) or a table referencing itself (a row of a tree may
 * come before its parent), the checks of foreign keys wait for the commit
 * (the dialect's defer_fks) or are off until the end of the load (its
 * fks_off); fd->deferred says whether either happened. On PostgreSQL, such
 * keys another tool made NOT DEFERRABLE (the default there) are made
 * DEFERRABLE in the load's transaction first (the dialect's alter_fk). */
int orm_fixture_defer_fks(orm_session *s, orm_fk_defer *fd);
/* After the last row of a load that deferred its checks (ok), before the
 * commit: keys made deferrable are checked (an IntegrityError naming the
 * key) and made NOT DEFERRABLE again; where the backend switched its checks
 * off rather than deferring them (MySQL), checks every foreign key of the
 * models itself (all were off, not only the cycle's), and switches them on again, also when the
 * load failed (ok 0; fd may then be NULL). */
int orm_fixture_undefer_fks(orm_session *s, orm_fk_defer *fd, int ok);
void orm_fk_defer_free(orm_fk_defer *fd);

#endif
