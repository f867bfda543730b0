/* history_table.h — __versioned: the <table>_history table that keeps every
 * earlier state of a row (the table's columns without unique constraints,
 * keyed by its primary key and version, plus changed_at and operation), and
 * the INSERT ... SELECT that copies the old row(s) there before each UPDATE
 * and DELETE ormsh writes, in the same transaction. */
#ifndef ORM_HISTORY_TABLE_H
#define ORM_HISTORY_TABLE_H

#include "dialect.h"
#include "expr.h"
#include "schema.h"
#include "session.h"

/* Adds t's history table to md and links them (t->history). t must have a
 * primary key and a version column. ArgumentError when a table of that name
 * exists or t has a column named changed_at or operation. */
int orm_history_define(orm_metadata *md, orm_table *t, orm_error *err);

/* When t's history table exists in c's database, checks it has every
 * column of the history table and its primary key (the key and version):
 * ProgrammingError naming the table, the model and what is wrong
 * otherwise. A missing table is fine (create_all makes it). */
int orm_history_check(orm_conn *c, const orm_table *t, orm_error *err);

/* The current UTC time as "YYYY-MM-DD HH:MM:SS" into buf (at least 20
 * bytes). */
void orm_history_now(char *buf, size_t n);

/* INSERT INTO t_history (cols, changed_at, operation) SELECT cols, ?, ?
 * FROM t WHERE pk = ? ... AND COALESCE(version, 0) = ? — params: changed_at,
 * operation, the key, the expected version. Text only. */
int orm_history_copy_sql(const orm_dialect *d, const orm_table *t, orm_buf *out);

/* The same for nrows rows of t: the SELECT's WHERE is (key = ? AND
 * COALESCE(version, 0) = ?) OR ... once per row; params: changed_at,
 * operation, then each row's key and expected version. nrows 1: the text
 * of orm_history_copy_sql. */
int orm_history_copy_rows_sql(const orm_dialect *d, const orm_table *t, int nrows, orm_buf *out);

#define ORM_HISTORY_BATCH_MAX 128 /* rows one copy statement takes at most */

/* Rows of t one orm_history_copy_rows may take: the largest power of two
 * up to ORM_HISTORY_BATCH_MAX within the dialect's parameter limit. */
int orm_history_batch_rows(const orm_session *s, const orm_table *t);

/* The copy statement last built for one table (its text is reused while
 * the size stays). Owned by the caller; start with {ORM_BUF_INIT, 0}. */
typedef struct orm_history_batch {
    orm_buf sql;
    int rows; /* the rows sql takes, 0: none built */
} orm_history_batch;
void orm_history_batch_free(orm_history_batch *b);

/* Copies the rows of objs[0..n-1] (objects of t, n at most
 * orm_history_batch_rows) as the database has them into the history
 * table in one statement: the rows orm_history_copy_row would copy one by
 * one (a row that changed meanwhile: none). The statement takes n rounded
 * up to a power of two (the last row repeated: a row matches once), so
 * few statements are prepared. The objects are borrowed. */
int orm_history_copy_rows(orm_session *s, const orm_table *t, const orm_object *const *objs, int n,
                          const char *operation, orm_history_batch *b);

/* Copies o's row as the database has it (its key, the version the session
 * expects) into the history table, marked operation ("update"/"delete").
 * Copies nothing when the row changed meanwhile: the UPDATE or DELETE that
 * follows finds nothing either and raises StaleDataError. */
int orm_history_copy_row(orm_session *s, const orm_object *o, const char *operation);

/* Copies every row of t that where matches (NULL: all) — bulk q:update and
 * q:delete, before the statement. */
int orm_history_copy_where(orm_session *s, const orm_table *t, const orm_expr *where,
                           const char *operation);

/* A cursor on the history rows of t's row keyed key (t->npk values), by
 * version: every one, or with after non-NULL (a DateTime) only those whose
 * changed_at is later than it. Columns: the history table's, in order (t's
 * columns, then changed_at, operation). Close with orm_cursor_close. */
int orm_history_open(orm_session *s, const orm_table *t, const orm_value *key,
                     const orm_value *after, orm_cursor **out);

#endif
