/* reflect_server.c — the pieces the PostgreSQL and MySQL reflections share:
 * gathering catalog rows (one row per constraint column) into unique
 * constraints, indexes and foreign keys, and forgetting the names a
 * backend gives unnamed constraints (see reflect_server.h). */
#include "reflect_server.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

int orm_reflect_unique_col(orm_dbtable *t, const char *name, const char *col)
{
    orm_dbunique *last = t->nuniques ? &t->uniques[t->nuniques - 1] : NULL;
    if (!last || !last->name || strcmp(last->name, name) != 0) {
        orm_dbunique u = {.name = (char *)name};
        if (orm_dbtable_add_unique(t, &u) < 0) return ORM_ENOMEM;
        last = &t->uniques[t->nuniques - 1];
    }
    return orm_strv_push(&last->cols, col);
}

int orm_reflect_index_col(orm_dbtable *t, const char *name, int unique, const char *col)
{
    orm_dbindex *last = t->nindexes ? &t->indexes[t->nindexes - 1] : NULL;
    if (!last || strcmp(last->name, name) != 0) {
        orm_dbindex x = {.name = (char *)name, .unique = unique};
        if (orm_dbtable_add_index(t, &x) < 0) return ORM_ENOMEM;
        last = &t->indexes[t->nindexes - 1];
        last->sql = NULL;
    } else if (last->cols.n == 0) {
        return ORM_OK; /* already known to be an expression index */
    }
    if (col) return orm_strv_push(&last->cols, col);
    orm_strv_free(&last->cols); /* an expression: no column list at all */
    return ORM_OK;
}

int orm_reflect_index_sql(orm_dbtable *t, const char *name, const char *sql)
{
    int i = orm_dbtable_find_index(t, name);
    if (i < 0 || t->indexes[i].sql) return ORM_OK;
    return (t->indexes[i].sql = strdup(sql)) ? ORM_OK : ORM_ENOMEM;
}

/* NULL for no action; otherwise a copy. */
static int set_action(char **dst, const char *a)
{
    *dst = NULL;
    if (!a || !*a || strcasecmp(a, "NO ACTION") == 0) return ORM_OK;
    return (*dst = strdup(a)) ? ORM_OK : ORM_ENOMEM;
}

int orm_reflect_fkey_col(orm_dbtable *t, const char *name, const char *col, const char *reftable,
                         const char *refcol, const char *ondelete, const char *onupdate)
{
    orm_dbfkey *last = t->nfkeys ? &t->fkeys[t->nfkeys - 1] : NULL;
    if (!last || strcmp(last->name, name) != 0) {
        orm_dbfkey f = {.name = (char *)name, .reftable = (char *)reftable};
        if (orm_dbtable_add_fkey(t, &f) < 0) return ORM_ENOMEM;
        last = &t->fkeys[t->nfkeys - 1];
        if (set_action(&last->ondelete, ondelete) < 0 || set_action(&last->onupdate, onupdate) < 0)
            return ORM_ENOMEM;
    }
    if (orm_strv_push(&last->cols, col) < 0) return ORM_ENOMEM;
    return orm_strv_push(&last->refcols, refcol);
}

void orm_reflect_forget_default_names(orm_dbtable *t, orm_reflect_default_fn is_default)
{
    for (int i = 0; i < t->nuniques; i++) {
        orm_dbunique *u = &t->uniques[i];
        if (u->name && (orm_dbconstraint_is_conventional(t, u, NULL, u->name) > 0 ||
                        is_default(t, u->name, &u->cols, 0))) {
            free(u->name);
            u->name = NULL;
        }
    }
    for (int i = 0; i < t->nfkeys; i++) {
        orm_dbfkey *f = &t->fkeys[i];
        if (f->name && (orm_dbconstraint_is_conventional(t, NULL, f, f->name) > 0 ||
                        is_default(t, f->name, &f->cols, 1))) {
            free(f->name);
            f->name = NULL;
        }
    }
}

void orm_reflect_strip_cast(char *def)
{
    if (!def || def[0] != '\'') return;
    char *p = def + 1;
    for (; *p; p++) { /* the closing quote ('' is a quote inside) */
        if (*p != '\'') continue;
        if (p[1] == '\'') {
            p++;
            continue;
        }
        break;
    }
    if (*p == '\'' && p[1] == ':' && p[2] == ':') p[1] = '\0';
}
