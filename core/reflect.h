/* reflect.h — reading a live database's schema into an orm_dbschema:
 * tables, columns (type, nullability, server default), primary keys,
 * unique constraints, indexes and foreign keys (with their ON DELETE /
 * ON UPDATE actions). Each backend supplies one orm_reflect_ops table,
 * named by its backend record (backend.h); nothing here tests for a backend. Failures are
 * left in the connection's orm_error. */
#ifndef ORM_REFLECT_H
#define ORM_REFLECT_H

#include "dbschema.h"
#include "driver.h"

typedef struct orm_reflect_ops {
    /* must provide: the names of every user table (not the backend's own), in
     * creation order where the backend knows it. */
    int (*table_names)(orm_conn *c, orm_strv *out);
    /* must provide: one table's definition; *out is NULL when there is no such
     * table. Caller frees with orm_dbtable_free. */
    int (*table)(orm_conn *c, const char *name, orm_dbtable **out);
    /* may be NULL (then no views are reported): the names of the views, by name. */
    int (*view_names)(orm_conn *c, orm_strv *out);
    /* may be NULL (then the DDL is made from the reflected table): a table's
     * DDL as the database keeps it, with its indexes'; *out NULL when there is
     * no such table. Caller frees *out. */
    int (*stored_ddl)(orm_conn *c, const char *name, char **out);
} orm_reflect_ops;

extern const orm_reflect_ops orm_reflect_sqlite;

/* The ops of c's backend, or NULL when the backend has none yet. */
const orm_reflect_ops *orm_reflect_ops_for(const orm_conn *c);
/* Every user table of the database. *out: caller frees with orm_dbschema_free.
 * MigrationError when the backend cannot be reflected. */
int orm_reflect_schema(orm_conn *c, orm_dbschema **out);
/* The views of the database (none when the backend cannot list them). */
int orm_reflect_view_names(orm_conn *c, orm_strv *out);
/* A table's DDL as the database keeps it (*out NULL: no such table, or the
 * backend keeps none: make it from orm_reflect_table). Caller frees *out. */
int orm_reflect_stored_ddl(orm_conn *c, const char *name, char **out);
/* One table; *out NULL when it does not exist. */
int orm_reflect_table(orm_conn *c, const char *name, orm_dbtable **out);
/* Maps a declared SQL type ("VARCHAR(30)", "INT", "DOUBLE") to ormsh's types;
 * 0 when it has no ormsh name. */
int orm_reflect_parse_type(const char *decl, orm_type *out);

#endif
