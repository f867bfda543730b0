/* schema.h — the metadata: tables, columns, types, constraints, foreign keys
 * and indexes, and the foreign-key order of tables. Everything here is plain
 * data owned by its metadata; strings are copied in. */
#ifndef ORM_SCHEMA_H
#define ORM_SCHEMA_H

#include <stddef.h>
#include "error.h"
#include "value.h"

#define ORM_MAX_COLUMNS 64 /* a table's columns fit one 64-bit dirty mask */

typedef enum {
    ORM_T_INTEGER,
    ORM_T_BIGINT,
    ORM_T_STRING, /* VARCHAR(length); length 0: VARCHAR */
    ORM_T_TEXT,
    ORM_T_BOOLEAN,
    ORM_T_FLOAT,
    ORM_T_NUMERIC,  /* NUMERIC(precision, scale); kept as a decimal string */
    ORM_T_DATE,     /* "YYYY-MM-DD" */
    ORM_T_DATETIME, /* "YYYY-MM-DD HH:MM:SS[.ffffff]" */
    ORM_T_BINARY,   /* LargeBinary */
    ORM_T_JSON,     /* stored as JSON text */
} orm_type_kind;

typedef struct orm_type {
    orm_type_kind kind;
    int length;    /* STRING: max characters, 0 = unbounded */
    int precision; /* NUMERIC: 0 = unspecified */
    int scale;     /* NUMERIC */
} orm_type;

/* "Integer", "String(30)", "Numeric(10, 2)" ... the names of docs/reference.md/§9.
 * Writes into buf (size n), returns buf. */
const char *orm_type_name(const orm_type *t, char *buf, size_t n);
/* Parses such a name ("String(30)", "Integer"); 0 or ORM_EFAIL (ArgumentError). */
int orm_type_parse(orm_type *out, const char *name, orm_error *err);

typedef struct orm_fkey {
    char *table;    /* referenced table */
    char *column;   /* referenced column */
    char *ondelete; /* NULL or "CASCADE", "SET NULL", ... (validated) */
    char *onupdate;
} orm_fkey;

/* A column spec; orm_table_add_column copies it. */
typedef struct orm_column {
    char *name; /* the column in SQL */
    char *attr; /* the attribute in Lua; a spec may leave it NULL (then: name) */
    orm_type type;
    int index; /* position in its table (set by add_column) */
    unsigned primary_key : 1;
    unsigned
        autoincrement : 1; /* a generated integer key (set for a lone integer pk unless disabled) */
    unsigned autoincrement_set : 1; /* autoincrement = true written (SQLAlchemy's True, not its
                                       "auto"): the generated key in a composite key too */
    unsigned nullable : 1;          /* default: 1, and 0 for primary keys */
    unsigned unique : 1;
    unsigned indexed : 1;     /* index = true */
    unsigned has_default : 1; /* a client-side default exists (kept by bindings) */
    unsigned has_onupdate : 1;
    unsigned no_audit : 1; /* audit = false: the audit log says it changed, never its values */
    char *server_default;  /* SQL text or NULL */
    char *computed;        /* SQL text the database computes the value from (GENERATED ALWAYS AS
                              (computed) STORED): never written, read back after each write; or NULL */
    char *comment;         /* or NULL */
    orm_fkey *fk;          /* or NULL */
} orm_column;

/* A table-level index or unique constraint over any columns (db.Index and
 * db.UniqueConstraint in a model's __table_args). */
typedef struct orm_tindex {
    char *name;   /* NULL: an unnamed unique constraint */
    int is_index; /* 1: CREATE [UNIQUE] INDEX name; 0: UNIQUE (...) in the table */
    int unique;
    int ncols;
    int cols[ORM_MAX_COLUMNS]; /* column indexes */
} orm_tindex;

typedef struct orm_table {
    char *name;
    orm_column *cols;
    int ncols;
    int pk[ORM_MAX_COLUMNS]; /* column indexes of the primary key, in order */
    int npk;
    int autoinc_col;                    /* column index of the generated key, or -1 */
    int readonly;                       /* a table without a primary key (orm_table_set_readonly):
                                           rows are told apart by all their columns, writes are refused */
    int version_col;                    /* column index of the optimistic-locking version
                                         * (__version_id), or -1; see versioning.h */
    char *model_name;                   /* the class name for messages (owned), or NULL */
    struct orm_table *history;          /* its <name>_history table (__versioned), or NULL */
    const struct orm_table *history_of; /* a history table: the table it keeps, else NULL */
    void *udata;                        /* the binding's class for this table (borrowed) */
    orm_tindex *tindexes;               /* table-level indexes and unique constraints, owned */
    int ntindexes;
} orm_table;

typedef struct orm_metadata {
    orm_table **tables; /* in the order they were added */
    int ntables;
    int cap;
} orm_metadata;

orm_metadata *orm_metadata_new(void); /* NULL on oom */
void orm_metadata_free(orm_metadata *md);
/* Creates an empty table named name; it belongs to md. ArgumentError if a
 * table of that name exists. */
int orm_metadata_add_table(orm_metadata *md, const char *name, orm_table **out, orm_error *err);
orm_table *orm_metadata_find(const orm_metadata *md, const char *name);
/* Removes and frees a table (used when a model definition fails midway). */
void orm_metadata_remove_table(orm_metadata *md, orm_table *t);

/* Appends a copy of spec (name, type, flags, strings, fk deep-copied);
 * recomputes pk[] and autoinc_col. ArgumentError on a duplicate name or
 * attribute, more
 * than ORM_MAX_COLUMNS columns, or a bad type/ondelete. */
int orm_table_add_column(orm_table *t, const orm_column *spec, orm_error *err);
/* Appends a copy of spec (its name copied). ArgumentError when an index has
 * no name or no columns. */
int orm_table_add_tindex(orm_table *t, const orm_tindex *spec, orm_error *err);
/* Makes t, which has no primary key, read-only: its identity is all its
 * columns (pk[] lists them; no column is flagged primary_key, so the schema
 * it describes keeps no key and its nullability). Call after the columns. */
void orm_table_set_readonly(orm_table *t);
/* ORM_EFAIL (OperationalError naming the table and `what`) when t is
 * read-only, else ORM_OK. */
int orm_table_check_writable(const orm_table *t, const char *what, orm_error *err);
/* Column index by SQL column name (n bytes), or -1. */
int orm_table_column_index(const orm_table *t, const char *name, size_t n);
/* Column index by attribute name (n bytes), or -1. */
int orm_table_attr_index(const orm_table *t, const char *attr, size_t n);

/* Tables in foreign-key order: a table comes after every table it references
 * (self-references ignored). *out is malloc'ed (caller frees with free());
 * cycles are broken by definition order. Returns 0 or ORM_ENOMEM. */
int orm_metadata_sorted(const orm_metadata *md, orm_table ***out, int *n);
/* Checks every foreign key points to an existing table and column:
 * ArgumentError naming the table.column and the missing target. */
int orm_metadata_check_fks(const orm_metadata *md, orm_error *err);

#endif
