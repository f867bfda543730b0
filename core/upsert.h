/* upsert.h — db.upsert: inserting rows or, when a row collides with an
 * existing one on a unique key, updating named columns of it, with each
 * backend's native statement (the dialect's `upsert` style), in batches
 * under the dialect's parameter limit. Objects of those rows that the
 * session has loaded are re-read afterwards (undone by rollback). */
#ifndef ORM_UPSERT_H
#define ORM_UPSERT_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "dialect.h"
#include "session.h"

/* What to upsert; every array is borrowed for the call. */
typedef struct orm_upsert_spec {
    const orm_table *table;
    const int *cols; /* the columns each row gives, in row order */
    int ncols;
    const int *on; /* the conflict key: the primary key or a unique column */
    int non;
    const int *update; /* the columns a collision sets (at least one) */
    int nupdate;
} orm_upsert_spec;

/* 0, or ORM_EFAIL with an ArgumentError in err naming the valid unique
 * keys when `on` is neither the primary key nor a unique column. */
int orm_upsert_check_key(const orm_upsert_spec *sp, orm_error *err);
/* 0, or ORM_EFAIL with an ArgumentError in err: `on` is not the primary
 * key or a unique column (the message lists the valid keys), a column of
 * `on` is missing from cols, or update is empty / names a column of `on`. */
int orm_upsert_check(const orm_upsert_spec *sp, orm_error *err);
/* The statement for nrows rows: INSERT INTO t (cols) VALUES (...), ...
 * then the dialect's collision clause. Params: the rows' values in order.
 * 0 or ORM_ENOMEM. */
int orm_compile_upsert(const orm_dialect *d, const orm_upsert_spec *sp, size_t nrows, orm_buf *out);
/* Writes nrows rows (rows: nrows * sp->ncols values, row-major; borrowed)
 * in as few statements as the parameter limit allows. *written: rows
 * inserted or updated (each row once). 0 or a failure with the detail in
 * orm_session_error(s). */
int orm_upsert(orm_session *s, const orm_upsert_spec *sp, const orm_value *rows, size_t nrows,
               int64_t *written);

#endif
