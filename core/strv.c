/* strv.c — the owned string list of strv.h. */
#include "strv.h"

#include <stdlib.h>
#include <string.h>

#include "error.h"

void orm_strv_free(orm_strv *l)
{
    if (!l) return;
    for (int i = 0; i < l->n; i++)
        free(l->v[i]);
    free(l->v);
    l->v = NULL;
    l->n = 0;
}

int orm_strv_push(orm_strv *l, const char *s)
{
    char *d = strdup(s ? s : "");
    char **v = d ? realloc(l->v, (size_t)(l->n + 1) * sizeof *v) : NULL;
    if (!v) {
        free(d);
        return ORM_ENOMEM;
    }
    v[l->n++] = d;
    l->v = v;
    return ORM_OK;
}

int orm_strv_add_unique(orm_strv *l, const char *s)
{
    return orm_strv_find(l, s) >= 0 ? ORM_OK : orm_strv_push(l, s);
}

int orm_strv_remove(orm_strv *l, const char *s)
{
    int k = 0, gone = 0;
    for (int i = 0; i < l->n; i++) {
        if (strcmp(l->v[i], s) == 0) {
            free(l->v[i]);
            gone++;
        } else {
            l->v[k++] = l->v[i];
        }
    }
    l->n = k;
    return gone;
}

int orm_strv_find(const orm_strv *l, const char *s)
{
    for (int i = 0; i < l->n; i++)
        if (strcmp(l->v[i], s) == 0) return i;
    return -1;
}

int orm_strv_copy(orm_strv *dst, const orm_strv *src)
{
    orm_strv out = ORM_STRV_INIT;
    for (int i = 0; i < src->n; i++) {
        if (orm_strv_push(&out, src->v[i]) < 0) {
            orm_strv_free(&out);
            return ORM_ENOMEM;
        }
    }
    orm_strv_free(dst);
    *dst = out;
    return ORM_OK;
}

int orm_strv_equal(const orm_strv *a, const orm_strv *b)
{
    if (a->n != b->n) return 0;
    for (int i = 0; i < a->n; i++)
        if (strcmp(a->v[i], b->v[i]) != 0) return 0;
    return 1;
}

int orm_strv_same_set(const orm_strv *a, const orm_strv *b)
{
    if (a->n != b->n) return 0;
    for (int i = 0; i < a->n; i++)
        if (orm_strv_find(b, a->v[i]) < 0) return 0;
    return 1;
}
