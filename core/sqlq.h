/* sqlq.h — one-shot queries for the schema tools (reflection, migrations,
 * the version table): prepare, bind every value, step through the rows,
 * read columns, finalize. Failures are left in the connection's orm_error
 * (the driver wrappers attach the SQL and parameters). */
#ifndef ORM_SQLQ_H
#define ORM_SQLQ_H

#include <stdint.h>
#include "driver.h"
#include "strv.h"

typedef struct orm_sqlq {
    orm_conn *c;
    orm_stmt *s;
    const char *sql; /* borrowed until close */
    const orm_value *params;
    size_t nparams;
    int stepped;
    orm_value arg; /* open1's parameter (borrowed text) */
} orm_sqlq;

/* Prepares sql and binds params (copied by the driver). On failure the
 * query is closed and c->err says why. */
int orm_sqlq_open(orm_sqlq *q, orm_conn *c, const char *sql, const orm_value *params, size_t n);
/* Same with one text parameter (NULL: no parameter), borrowed until close. */
int orm_sqlq_open1(orm_sqlq *q, orm_conn *c, const char *sql, const char *arg);
int orm_sqlq_step(orm_sqlq *q); /* ORM_ROW, ORM_DONE or a failure */
/* Column i of the current row as a new string (NULL for SQL NULL); *oom set
 * when the copy failed. */
char *orm_sqlq_text(orm_sqlq *q, int i, int *oom);
int64_t orm_sqlq_int(orm_sqlq *q, int i); /* 0 for NULL or text */
int orm_sqlq_is_null(orm_sqlq *q, int i);
void orm_sqlq_close(orm_sqlq *q); /* idempotent */
/* Runs sql (one text parameter arg, or none when NULL) and appends the
 * first column of every row (NULLs skipped) to out. */
int orm_sqlq_collect(orm_conn *c, const char *sql, const char *arg, orm_strv *out);
/* Runs a statement that returns no rows (or whose rows are ignored). */
int orm_sqlq_run(orm_conn *c, const char *sql, const orm_value *params, size_t n);

#endif
