/* error.c — the error record of error.h: class names (docs/reference.md), setting a
 * formatted message, attaching the failing SQL and copies of its parameters,
 * and moving an error between holders. Out of memory while recording an
 * error degrades to "out of memory" (or a NULL message), never a crash. */
#include "error.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const class_names[ORM_ERR__COUNT] = {
    [ORM_ERR_NONE] = "Error",
    [ORM_ERR_ERROR] = "Error",
    [ORM_ERR_INTEGRITY] = "IntegrityError",
    [ORM_ERR_OPERATIONAL] = "OperationalError",
    [ORM_ERR_PROGRAMMING] = "ProgrammingError",
    [ORM_ERR_DATA] = "DataError",
    [ORM_ERR_NORESULT] = "NoResultFound",
    [ORM_ERR_MULTIPLE] = "MultipleResultsFound",
    [ORM_ERR_STALE] = "StaleDataError",
    [ORM_ERR_ARGUMENT] = "ArgumentError",
    [ORM_ERR_MIGRATION] = "MigrationError",
};

const char *orm_errclass_name(orm_errclass cls)
{
    if ((int)cls < 0 || cls >= ORM_ERR__COUNT) return "Error";
    return class_names[cls];
}

void orm_error_init(orm_error *e)
{
    memset(e, 0, sizeof *e);
}

static void free_params(orm_value *params, size_t n)
{
    for (size_t i = 0; i < n; i++)
        orm_value_clear(&params[i]);
    free(params);
}

void orm_error_clear(orm_error *e)
{
    if (e->cls == ORM_ERR_NONE && !e->message && !e->sql && !e->params) { /* the usual case */
        e->code = 0;
        e->nparams = 0;
        return;
    }
    free(e->message);
    free(e->sql);
    free_params(e->params, e->nparams);
    orm_error_init(e);
}

static char *vformat(const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0) return NULL;
    char *s = malloc((size_t)n + 1);
    if (!s) return NULL;
    vsnprintf(s, (size_t)n + 1, fmt, ap);
    return s;
}

/* A class of NONE is misuse: it is recorded as the generic Error so that a
 * failure is never reported as "no error". */
static int vset(orm_error *e, orm_errclass cls, int code, const char *fmt, va_list ap)
{
    char *msg = vformat(fmt, ap);
    orm_error_clear(e);
    if (!msg) return orm_error_oom(e);
    e->cls = cls == ORM_ERR_NONE ? ORM_ERR_ERROR : cls;
    e->code = code;
    e->message = msg;
    return ORM_EFAIL;
}

int orm_error_set(orm_error *e, orm_errclass cls, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = vset(e, cls, code, fmt, ap);
    va_end(ap);
    return rc;
}

int orm_error_set_first(orm_error *e, orm_errclass cls, int code, const char *fmt, ...)
{
    if (e->cls != ORM_ERR_NONE) return ORM_EFAIL;
    va_list ap;
    va_start(ap, fmt);
    int rc = vset(e, cls, code, fmt, ap);
    va_end(ap);
    return rc;
}

int orm_error_oom(orm_error *e)
{
    orm_error_clear(e);
    e->cls = ORM_ERR_OPERATIONAL;
    e->message = strdup("out of memory"); /* may be NULL: readers must cope */
    return ORM_ENOMEM;
}

/* sql and params may point into e itself: copy first, then replace. */
void orm_error_attach_sql(orm_error *e, const char *sql, const orm_value *params, size_t n)
{
    char *sql_copy = sql ? strdup(sql) : NULL;
    orm_value *copies = NULL;
    size_t ncopies = 0;
    if (params && n) {
        copies = calloc(n, sizeof *copies);
        if (copies) {
            for (ncopies = 0; ncopies < n; ncopies++)
                if (orm_value_copy(&copies[ncopies], &params[ncopies]) != ORM_OK) break;
            if (ncopies < n) {
                free_params(copies, ncopies);
                copies = NULL;
                ncopies = 0;
            }
        }
    }
    free(e->sql);
    free_params(e->params, e->nparams);
    e->sql = sql_copy;
    e->params = copies;
    e->nparams = ncopies;
}

void orm_error_move(orm_error *dst, orm_error *src)
{
    if (dst == src) return;
    orm_error_clear(dst);
    *dst = *src;
    orm_error_init(src);
}
