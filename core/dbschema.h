/* dbschema.h — a database schema as plain data: tables with their columns,
 * primary key, unique constraints, indexes and foreign keys, each of which
 * may span several columns and carry a name. Both sides of an autogenerate
 * comparison use it — the live database (reflect.h) and the models
 * (orm_dbschema_from_metadata) — and the migration operations build their
 * DDL from it (migrate.h). Everything is owned by its table or schema;
 * strings are copied in. Allocation failures return ORM_ENOMEM. */
#ifndef ORM_DBSCHEMA_H
#define ORM_DBSCHEMA_H

#include "buf.h"
#include "dialect.h"
#include "schema.h"
#include "strv.h"

typedef struct orm_dbcolumn {
    char *name;
    orm_type type;
    int type_known; /* 0: a declared type ormsh has no name for (see type_sql) */
    char *type_sql; /* the declared type as the database spells it (reflected;
                       DDL keeps it), or NULL: the dialect's name for type */
    int nullable;
    int autoincrement;    /* the generated integer key (SQLite: the rowid alias) */
    char *server_default; /* SQL text, or NULL */
    char *computed;       /* a generated column's expression (SQL text), or NULL */
} orm_dbcolumn;

typedef struct orm_dbindex {
    char *name;
    orm_strv cols;
    int unique;
    char *sql; /* the CREATE INDEX text the database keeps (reflected), or NULL */
} orm_dbindex;

typedef struct orm_dbunique {
    char *name; /* NULL: unnamed (see orm_dbunique_name) */
    orm_strv cols;
} orm_dbunique;

typedef struct orm_dbfkey {
    char *name; /* NULL: unnamed (see orm_dbfkey_name) */
    orm_strv cols;
    char *reftable;
    orm_strv refcols;
    char *ondelete; /* NULL (no action) or "CASCADE", "SET NULL", ... */
    char *onupdate;
} orm_dbfkey;

typedef struct orm_dbtable {
    char *name;
    orm_dbcolumn *cols;
    int ncols;
    orm_strv pk; /* primary-key column names, in key order */
    orm_dbunique *uniques;
    int nuniques;
    orm_dbindex *indexes;
    int nindexes;
    orm_dbfkey *fkeys;
    int nfkeys;
} orm_dbtable;

typedef struct orm_dbschema {
    orm_dbtable **tables;
    int ntables;
} orm_dbschema;

/* ---- tables ---- */
orm_dbtable *orm_dbtable_new(const char *name);      /* NULL on oom */
void orm_dbtable_free(orm_dbtable *t);               /* NULL is a no-op */
orm_dbtable *orm_dbtable_copy(const orm_dbtable *t); /* deep copy; NULL on oom */
/* Appends copies. */
int orm_dbtable_add_column(orm_dbtable *t, const orm_dbcolumn *spec);
int orm_dbtable_add_unique(orm_dbtable *t, const orm_dbunique *spec);
int orm_dbtable_add_index(orm_dbtable *t, const orm_dbindex *spec);
int orm_dbtable_add_fkey(orm_dbtable *t, const orm_dbfkey *spec);
int orm_dbtable_find_column(const orm_dbtable *t, const char *name); /* index or -1 */
int orm_dbtable_find_index(const orm_dbtable *t, const char *name);
/* Removes column i and every constraint and index that uses it (a primary
 * key loses just that column). */
void orm_dbtable_remove_column(orm_dbtable *t, int i);
void orm_dbtable_remove_unique(orm_dbtable *t, int i);
void orm_dbtable_remove_index(orm_dbtable *t, int i);
void orm_dbtable_remove_fkey(orm_dbtable *t, int i);
/* Renames a column everywhere the table mentions it. */
int orm_dbtable_rename_column(orm_dbtable *t, int i, const char *new_name);
/* 1 when column name is in the primary key, a unique constraint, an index
 * or a foreign key of t. */
int orm_dbtable_column_constrained(const orm_dbtable *t, const char *name);

/* Deep copies of single items (dst is overwritten). */
int orm_dbcolumn_copy(orm_dbcolumn *dst, const orm_dbcolumn *src);
void orm_dbcolumn_clear(orm_dbcolumn *c);
int orm_dbfkey_copy(orm_dbfkey *dst, const orm_dbfkey *src);
void orm_dbfkey_clear(orm_dbfkey *f);
void orm_dbunique_clear(orm_dbunique *u);
void orm_dbindex_clear(orm_dbindex *x);

/* Names used for constraints created without one, as SQLAlchemy's naming
 * convention spells them: uq_<table>_<col>[_<col>...] and
 * fk_<table>_<col>[_<col>...]_<reftable>. The name when there is one. */
void orm_dbunique_name(const orm_dbtable *t, const orm_dbunique *u, orm_buf *out);
void orm_dbfkey_name(const orm_dbtable *t, const orm_dbfkey *f, orm_buf *out);
/* 1 when name is the conventional name of the unique constraint u (or, u
 * NULL, of the foreign key f) of t, whatever name it has itself; 0 when
 * not; ORM_ENOMEM when the name could not be built. */
int orm_dbconstraint_is_conventional(const orm_dbtable *t, const orm_dbunique *u,
                                     const orm_dbfkey *f, const char *name);
/* The name a model's index = true gets: ix_<table>_<col>. */
void orm_dbindex_default_name(const char *table, const char *col, orm_buf *out);

/* ---- schemas ---- */
orm_dbschema *orm_dbschema_new(void);
void orm_dbschema_free(orm_dbschema *s);
/* Takes ownership of t (freed on failure too). */
int orm_dbschema_add(orm_dbschema *s, orm_dbtable *t);
orm_dbtable *orm_dbschema_find(const orm_dbschema *s, const char *name);
/* The schema the models describe: what create_all would create. */
int orm_dbschema_from_metadata(const orm_metadata *md, orm_dbschema **out);

/* ---- DDL ---- */
/* CREATE TABLE <as_name or t->name> (...) spelled as ddl.c spells it. A
 * column with type_sql keeps its declared type text. */
int orm_dbtable_ddl(const orm_dialect *d, const orm_dbtable *t, const char *as_name, orm_buf *out);
/* "name TYPE [DEFAULT x] [NOT NULL]" for ALTER TABLE ... ADD COLUMN. */
void orm_dbcolumn_ddl(const orm_dialect *d, const orm_dbcolumn *c, orm_buf *out);
/* CREATE [UNIQUE] INDEX name ON table (cols) */
int orm_dbindex_ddl(const orm_dialect *d, const char *table, const orm_dbindex *x, orm_buf *out);
/* The same with the index's kind said: CREATE <kind> INDEX ... (MySQL's
 * FULLTEXT, SPATIAL); kind NULL is orm_dbindex_ddl. */
int orm_dbindex_ddl_kind(const orm_dialect *d, const char *table, const orm_dbindex *x,
                         const char *kind, orm_buf *out);
/* FOREIGN KEY(a) REFERENCES p (b) [ON DELETE ..] [ON UPDATE ..], prefixed with
 * CONSTRAINT name when named. */
void orm_dbfkey_ddl(const orm_dialect *d, const orm_dbfkey *f, orm_buf *out);
/* Appends "a, b" (quoted). */
void orm_dbschema_quote_list(const orm_dialect *d, orm_buf *out, const orm_strv *names);

#endif
