/* bulk.h — q:update{...} and q:delete(): one UPDATE or DELETE over the rows
 * a filter matches, keeping the objects the session has already loaded in
 * step with the database (SQLAlchemy's synchronize_session="fetch"): the
 * matching keys are read first, then updated objects are re-read and deleted
 * ones leave the identity map, in a way rollback undoes. */
#ifndef ORM_BULK_H
#define ORM_BULK_H

#include <stdint.h>
#include "session.h"

/* UPDATE t SET cols[i] = values[i] ... WHERE where (NULL: every row).
 * *matched: the number of rows the WHERE matched. 0 or a failure with the
 * detail in orm_session_error(s). Loaded objects of the matched rows are
 * re-read; when a primary key column is set, they are expunged instead. */
int orm_bulk_update(orm_session *s, const orm_table *t, const int *cols, orm_expr *const *values,
                    int n, const orm_expr *where, int64_t *matched);
/* DELETE FROM t WHERE where; loaded objects of the deleted rows become
 * deleted (detached at commit, persistent again after a rollback). */
int orm_bulk_delete(orm_session *s, const orm_table *t, const orm_expr *where, int64_t *matched);

#endif
