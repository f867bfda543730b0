/* diff.h — autogenerate: the differences between the schema the models
 * describe and the one the database has, as a list of migration operations
 * (added/dropped tables, columns, indexes, unique constraints and foreign
 * keys; type and nullability changes), and their rendering as the op calls
 * of a revision file (diff_render.c). Renames are never guessed: they show
 * as drop + add with a comment asking the user to check. Tables that no
 * model maps and no revision created are never dropped: they are listed. */
#ifndef ORM_DIFF_H
#define ORM_DIFF_H

#include "buf.h"
#include "dbschema.h"

typedef enum {
    ORM_MIG_OP_CREATE_TABLE,
    ORM_MIG_OP_DROP_TABLE,
    ORM_MIG_OP_ADD_COLUMN,
    ORM_MIG_OP_DROP_COLUMN,
    ORM_MIG_OP_ALTER_COLUMN,
    ORM_MIG_OP_CREATE_INDEX,
    ORM_MIG_OP_DROP_INDEX,
    ORM_MIG_OP_CREATE_UNIQUE,
    ORM_MIG_OP_DROP_UNIQUE,
    ORM_MIG_OP_CREATE_FKEY,
    ORM_MIG_OP_DROP_FKEY,
} orm_mig_op_kind;

/* One operation. t is the whole table for CREATE/DROP TABLE (a dropped
 * table as the database has it, so the downgrade can create it again);
 * otherwise a fragment named like the table that holds only what the op
 * concerns: the column in cols[0] (ADD/DROP COLUMN bring the column's
 * unique constraint, index and foreign key along; ALTER holds the new
 * column and `old` the column as the database has it), the index in
 * indexes[0], the constraint in uniques[0] or fkeys[0]. */
typedef struct orm_mig_op {
    orm_mig_op_kind kind;
    orm_dbtable *t;
    orm_dbcolumn old;
    char *comment; /* a note written above the op in the upgrade, or NULL */
} orm_mig_op;

typedef struct orm_mig_ops {
    orm_mig_op *v;
    int n;
    orm_strv unmapped; /* tables left alone: no model maps them, no revision created them */
    orm_strv notices;  /* "Detected added table 'author'", ... one per difference */
} orm_mig_ops;

typedef struct orm_diff_opts {
    const orm_strv *managed;    /* tables revisions of this app created (may be dropped) */
    const char *const *exclude; /* NULL-terminated names never compared (ormsh_version) */
} orm_diff_opts;

/* What turns `current` (the database) into `target` (the models). out must
 * be zeroed; free it with orm_mig_ops_free. 0 or ORM_ENOMEM. */
int orm_diff(const orm_dbschema *target, const orm_dbschema *current, const orm_diff_opts *o,
             orm_mig_ops *out);
void orm_mig_ops_free(orm_mig_ops *ops);

/* ---- diff_render.c ---- */
/* The op calls of the upgrade (downgrade: the inverse ops in reverse
 * order), one statement per line (create_table spans several), each line
 * prefixed with indent. The upgrade starts with the unmapped-tables note. */
int orm_mig_ops_render(const orm_mig_ops *ops, int downgrade, const char *indent, orm_buf *out);
/* One op (or its inverse) as its op call; lines after the first are
 * prefixed with indent. */
int orm_mig_op_render(const orm_mig_op *op, int inverse, const char *indent, orm_buf *out);
/* Appends s as a double-quoted Lua string literal. */
void orm_lua_quote(orm_buf *out, const char *s);

#endif
