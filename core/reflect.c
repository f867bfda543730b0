/* reflect.c — the backend-neutral half of reflection: picking a backend's
 * orm_reflect_ops from the backend record (backend.h), reading a whole schema through it, and
 * mapping declared SQL types back to ormsh's type names. */
#include "reflect.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "backend.h"
#include "dialect.h"
#include "reflect_server.h"

const orm_reflect_ops *orm_reflect_ops_for(const orm_conn *c)
{
    const orm_backend *be = orm_conn_backend(c);
    return be ? be->reflect : NULL;
}

static const orm_reflect_ops *ops_or_fail(orm_conn *c)
{
    const orm_reflect_ops *ops = orm_reflect_ops_for(c);
    if (!ops)
        orm_error_set(&c->err, ORM_ERR_MIGRATION, 0,
                      "reading the schema of a %s database is not supported yet",
                      orm_conn_dialect(c)->name);
    return ops;
}

int orm_reflect_table(orm_conn *c, const char *name, orm_dbtable **out)
{
    *out = NULL;
    const orm_reflect_ops *ops = ops_or_fail(c);
    return ops ? ops->table(c, name, out) : ORM_EFAIL;
}

int orm_reflect_view_names(orm_conn *c, orm_strv *out)
{
    const orm_reflect_ops *ops = ops_or_fail(c);
    if (!ops) return ORM_EFAIL;
    return ops->view_names ? ops->view_names(c, out) : ORM_OK;
}

int orm_reflect_stored_ddl(orm_conn *c, const char *name, char **out)
{
    *out = NULL;
    const orm_reflect_ops *ops = ops_or_fail(c);
    if (!ops) return ORM_EFAIL;
    return ops->stored_ddl ? ops->stored_ddl(c, name, out) : ORM_OK;
}

int orm_reflect_schema(orm_conn *c, orm_dbschema **out)
{
    *out = NULL;
    const orm_reflect_ops *ops = ops_or_fail(c);
    if (!ops) return ORM_EFAIL;
    orm_strv names = ORM_STRV_INIT;
    orm_dbschema *s = orm_dbschema_new();
    int rc = s ? ops->table_names(c, &names) : orm_error_oom(&c->err);
    for (int i = 0; rc == ORM_OK && i < names.n; i++) {
        orm_dbtable *t = NULL;
        rc = ops->table(c, names.v[i], &t);
        if (rc == ORM_OK && t && orm_dbschema_add(s, t) < 0) rc = orm_error_oom(&c->err);
    }
    orm_strv_free(&names);
    if (rc < 0) {
        orm_dbschema_free(s);
        return rc;
    }
    *out = s;
    return ORM_OK;
}

/* Declared type words (the part before any "(") and their ormsh kinds. */
static const struct {
    const char *word;
    orm_type_kind kind;
} type_words[] = {
    {"INTEGER", ORM_T_INTEGER},    {"INT", ORM_T_INTEGER},
    {"SMALLINT", ORM_T_INTEGER},   {"BIGINT", ORM_T_BIGINT},
    {"VARCHAR", ORM_T_STRING},     {"CHAR", ORM_T_STRING},
    {"NVARCHAR", ORM_T_STRING},    {"CHARACTER VARYING", ORM_T_STRING},
    {"TEXT", ORM_T_TEXT},          {"CLOB", ORM_T_TEXT},
    {"BOOLEAN", ORM_T_BOOLEAN},    {"BOOL", ORM_T_BOOLEAN},
    {"FLOAT", ORM_T_FLOAT},        {"REAL", ORM_T_FLOAT},
    {"DOUBLE", ORM_T_FLOAT},       {"DOUBLE PRECISION", ORM_T_FLOAT},
    {"NUMERIC", ORM_T_NUMERIC},    {"DECIMAL", ORM_T_NUMERIC},
    {"DATE", ORM_T_DATE},          {"DATETIME", ORM_T_DATETIME},
    {"TIMESTAMP", ORM_T_DATETIME}, {"BLOB", ORM_T_BINARY},
    {"BYTEA", ORM_T_BINARY},       {"JSON", ORM_T_JSON},
};

/* Reads "(a)" or "(a, b)"; returns how many numbers, or -1. */
static int read_args(const char *p, int *a, int *b)
{
    while (*p == ' ')
        p++;
    if (*p == '\0') return 0;
    if (*p != '(') return -1;
    char *end;
    long x = strtol(p + 1, &end, 10), y = 0;
    int n = 1;
    if (end == p + 1 || x < 0 || x > 1000000) return -1;
    while (*end == ' ')
        end++;
    if (*end == ',') {
        const char *q = end + 1;
        y = strtol(q, &end, 10);
        if (end == q || y < 0 || y > 1000000) return -1;
        n = 2;
        while (*end == ' ')
            end++;
    }
    if (*end != ')') return -1;
    for (end++; *end == ' '; end++)
        ;
    if (*end != '\0') return -1;
    *a = (int)x;
    *b = (int)y;
    return n;
}

int orm_reflect_parse_type(const char *decl, orm_type *out)
{
    if (!decl) return 0;
    while (*decl == ' ')
        decl++;
    size_t n = 0;
    while (decl[n] && decl[n] != '(') /* the words before the arguments */
        n++;
    while (n > 0 && decl[n - 1] == ' ')
        n--;
    for (size_t i = 0; i < sizeof type_words / sizeof type_words[0]; i++) {
        if (strlen(type_words[i].word) != n || strncasecmp(type_words[i].word, decl, n) != 0)
            continue;
        orm_type t = {.kind = type_words[i].kind};
        int a = 0, b = 0, k = read_args(decl + n, &a, &b);
        if (k < 0) return 0;
        if (t.kind == ORM_T_STRING) {
            if (k > 1) return 0;
            t.length = a;
        } else if (t.kind == ORM_T_NUMERIC) {
            t.precision = a;
            t.scale = b;
        } else if (k > 0 && t.kind != ORM_T_FLOAT && t.kind != ORM_T_DATETIME) {
            return 0; /* INTEGER(11) and the like: keep the declared text */
        }
        *out = t;
        return 1;
    }
    return 0;
}
