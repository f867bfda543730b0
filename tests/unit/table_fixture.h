/* table_fixture.h — test metadata a line per table and per column, for the
 * unit tests that compile statements without a database: tf_table adds a
 * table to md, tf_column a column of the given kind (strings of length 30),
 * nullable unless TF_NOT_NULL. Both assert success. Header-only: each test
 * file includes it once. */
#ifndef TESTS_TABLE_FIXTURE_H
#define TESTS_TABLE_FIXTURE_H

#include "schema.h"

enum { TF_PK = 1, TF_UNIQUE = 2, TF_NOT_NULL = 4, TF_AUTOINC = 8 };

static inline orm_table *tf_table(orm_metadata *md, const char *name)
{
    orm_error err;
    orm_error_init(&err);
    orm_table *t = NULL;
    assert_int_equal(orm_metadata_add_table(md, name, &t, &err), 0);
    return t;
}

static inline void tf_column(orm_table *t, const char *name, orm_type_kind kind, int flags)
{
    orm_column c = {.name = (char *)name,
                    .type = {.kind = kind, .length = 30},
                    .primary_key = (flags & TF_PK) != 0,
                    .unique = (flags & TF_UNIQUE) != 0,
                    .nullable = !(flags & TF_NOT_NULL),
                    .autoincrement = (flags & TF_AUTOINC) != 0};
    orm_error err;
    orm_error_init(&err);
    assert_int_equal(orm_table_add_column(t, &c, &err), 0);
}

#endif
