/* error.h — return codes, error classes (docs/reference.md) and the error record a
 * connection keeps, the way SQLite keeps sqlite3_errmsg(db). Core functions
 * return an int: ORM_OK (0) or a negative ORM_E* code, with the detail in an
 * orm_error the caller can read. */
#ifndef ORM_ERROR_H
#define ORM_ERROR_H

#include <stddef.h>
#include "value.h"

/* Return codes. Positive values are stepping results, negative are failures. */
enum {
    ORM_OK = 0,
    ORM_ROW = 1,      /* a row is ready */
    ORM_DONE = 2,     /* no more rows */
    ORM_EFAIL = -1,   /* failed; the orm_error says how */
    ORM_ENOMEM = -2,  /* out of memory (the orm_error also says so) */
    ORM_EMISUSE = -3, /* API misuse (flush inside flush, closed session, ...) */
};

/* Error classes, the Lua-visible hierarchy under db.Error. */
typedef enum {
    ORM_ERR_NONE = 0,
    ORM_ERR_ERROR,       /* generic db.Error */
    ORM_ERR_INTEGRITY,   /* constraint violations */
    ORM_ERR_OPERATIONAL, /* locked, interrupted, cannot open, I/O */
    ORM_ERR_PROGRAMMING, /* bad SQL, no such table/column, misuse */
    ORM_ERR_DATA,        /* wrong type, value too long, unknown attribute */
    ORM_ERR_NORESULT,    /* one(): no row */
    ORM_ERR_MULTIPLE,    /* one(): several rows */
    ORM_ERR_STALE,       /* optimistic locking, rows vanished on update */
    ORM_ERR_ARGUMENT,    /* bad arguments / model definitions */
    ORM_ERR_MIGRATION,   /* migrations */
    ORM_ERR__COUNT
} orm_errclass;

typedef struct orm_error {
    orm_errclass cls;  /* ORM_ERR_NONE when clear */
    int code;          /* the backend's own code (sqlite extended code), 0 if none */
    char *message;     /* owned; NULL when clear */
    char *sql;         /* owned; the statement that failed, or NULL */
    orm_value *params; /* owned copies of the bound values, or NULL */
    size_t nparams;
} orm_error;

/* "IntegrityError", "OperationalError", ... ("Error" for ORM_ERR_ERROR). */
const char *orm_errclass_name(orm_errclass cls);

void orm_error_init(orm_error *e);
void orm_error_clear(orm_error *e); /* frees and resets to ORM_ERR_NONE */
/* Replaces e's content with a formatted message; clears sql/params.
 * Returns ORM_EFAIL (or ORM_ENOMEM for cls==ORM_ERR_NONE misuse) so callers
 * can `return orm_error_set(...)`. */
int orm_error_set(orm_error *e, orm_errclass cls, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Like orm_error_set but only when e holds no error yet: the first failure wins
 * and a failing cleanup never replaces it. */
int orm_error_set_first(orm_error *e, orm_errclass cls, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
int orm_error_oom(orm_error *e); /* sets "out of memory", returns ORM_ENOMEM */
/* Attaches the statement and copies of its parameters (best effort). */
void orm_error_attach_sql(orm_error *e, const char *sql, const orm_value *params, size_t n);
/* Moves src into dst (dst cleared first); src becomes clear. */
void orm_error_move(orm_error *dst, orm_error *src);

#endif
