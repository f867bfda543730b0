/* migrate_server.h — what the PostgreSQL and MySQL migration backends
 * (migrate_pg.c, migrate_mysql.c) share (migrate_server.c): the checks and
 * look-ups both do before their ALTER TABLE statements. */
#ifndef ORM_MIGRATE_SERVER_H
#define ORM_MIGRATE_SERVER_H

#include "migrate_int.h"

/* A NOT NULL column without a server_default cannot be added to a table
 * that has rows: MigrationError saying what to do instead (as on SQLite). */
int orm_mig_srv_check_not_null(orm_mig_ctx *m, const orm_dbtable *frag);

/* What drop_constraint found: a unique constraint ('u'), a foreign key
 * ('f'), or (with unique_indexes) a unique index ('i'); i indexes the
 * table's list. Its name in the database is t's (raw reflection). */
typedef struct orm_mig_srv_found {
    char kind;
    int i;
} orm_mig_srv_found;
/* The constraint of t (raw) called `name` in the database, or whose
 * conventional name (uq_..., fk_...) is `name`; type "unique",
 * "foreignkey" or NULL (either). MigrationError listing what t has when
 * there is none. */
int orm_mig_srv_find_constraint(orm_mig_ctx *m, const orm_dbtable *t, const char *name,
                                const char *type, int unique_indexes, orm_mig_srv_found *out);

/* "ALTER TABLE <table> " */
void orm_mig_srv_alter(orm_mig_ctx *m, orm_buf *b, const char *table);
/* "[CONSTRAINT name ]UNIQUE (cols)"; name NULL: as u says. */
void orm_mig_srv_unique_ddl(orm_mig_ctx *m, orm_buf *b, const orm_dbunique *u);
/* "ALTER TABLE t ADD COLUMN c ..., ADD UNIQUE (c), ADD FOREIGN KEY (c) ..."
 * for the one-column fragment f; with index_item, its indexes are added in
 * the same statement too (else left to the caller). */
void orm_mig_srv_add_column_ddl(orm_mig_ctx *m, orm_buf *b, const orm_dbtable *f,
                                void (*index_item)(orm_mig_ctx *, orm_buf *, const orm_dbindex *));

#endif
