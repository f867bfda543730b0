/* explain.h — the backend's query plan for a compiled SELECT, as text. */
#ifndef ORM_EXPLAIN_H
#define ORM_EXPLAIN_H

#include "buf.h"
#include "session.h"

/* Runs the dialect's EXPLAIN before sql with the same bound params (the
 * session's autoflush and transaction rules apply, as for any query) and
 * appends the answer to out, one line per row, without a final newline.
 * Failures: the session's error, as orm_cursor_open leaves it. */
int orm_explain(orm_session *s, const char *sql, const orm_value *const *params, size_t n,
                orm_buf *out);

#endif
