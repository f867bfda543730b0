/* strv.h — a small list of owned strings (column names, revision ids,
 * table names) used by the schema comparison and the migration code.
 * An orm_strv starts zeroed ({NULL, 0}); orm_strv_free makes it so again. */
#ifndef ORM_STRV_H
#define ORM_STRV_H

typedef struct orm_strv {
    char **v; /* n owned strings */
    int n;
} orm_strv;

/* clang-format off */
#define ORM_STRV_INIT {NULL, 0}
/* clang-format on */

void orm_strv_free(orm_strv *l);
/* Appends a copy of s. 0 or ORM_ENOMEM (l unchanged). */
int orm_strv_push(orm_strv *l, const char *s);
/* Appends s unless it is already there. */
int orm_strv_add_unique(orm_strv *l, const char *s);
/* Removes every element equal to s; returns how many went. */
int orm_strv_remove(orm_strv *l, const char *s);
/* Index of s, or -1. */
int orm_strv_find(const orm_strv *l, const char *s);
/* dst (zeroed or freed first) becomes a copy of src. 0 or ORM_ENOMEM. */
int orm_strv_copy(orm_strv *dst, const orm_strv *src);
/* 1 when both hold the same strings in the same order. */
int orm_strv_equal(const orm_strv *a, const orm_strv *b);
/* 1 when both hold the same strings, in any order (no duplicates assumed). */
int orm_strv_same_set(const orm_strv *a, const orm_strv *b);

#endif
