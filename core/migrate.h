/* migrate.h — running migration operations on a connection: the op API of
 * revision files (docs/reference.md) in C, the transaction each revision runs in, and
 * the version table. Operations a backend cannot do in place are done its
 * own way (SQLite: rebuild the table) behind one orm_mig_backend table
 * per dialect (migrate_int.h); nothing here tests for a backend by name.
 *
 * A revision runs as: orm_mig_begin (foreign-key enforcement off *before*
 * the transaction, where the driver can switch it, then BEGIN), the ops and
 * the version bump, orm_mig_commit (PRAGMA foreign_key_check or the
 * backend's equivalent must find nothing, COMMIT, enforcement back on) or
 * orm_mig_rollback. In sql mode every statement run is also collected as
 * text with its values written in, for `--sql` (the caller rolls back at
 * the end, so the database is left as it was).
 *
 * Failures: ORM_EFAIL / ORM_ENOMEM with the detail in the connection's
 * orm_error (MigrationError for misuse of the ops, the driver's class for
 * SQL that failed). */
#ifndef ORM_MIGRATE_H
#define ORM_MIGRATE_H

#include "dbschema.h"
#include "driver.h"

#define ORM_VERSION_TABLE "ormsh_version"

typedef struct orm_mig_ctx orm_mig_ctx;

/* A context for conn (borrowed). NULL on oom. */
orm_mig_ctx *orm_mig_ctx_new(orm_conn *c, int sql_mode);
void orm_mig_ctx_free(orm_mig_ctx *m); /* NULL is a no-op; rolls back an open migration */
orm_conn *orm_mig_ctx_conn(orm_mig_ctx *m);
/* The SQL text collected since the last call (sql mode); caller frees. */
char *orm_mig_ctx_take_sql(orm_mig_ctx *m);
/* Appends text as is to the collected SQL (sql mode only). */
void orm_mig_ctx_emit(orm_mig_ctx *m, const char *text);
/* In sql mode, the text a script run outside ormsh needs around one
 * revision: switching foreign-key enforcement off, BEGIN; COMMIT, on. */
void orm_mig_ctx_emit_begin(orm_mig_ctx *m);
void orm_mig_ctx_emit_commit(orm_mig_ctx *m);
/* MigrationError when the backend has no migration support. */
int orm_mig_ctx_supported(orm_mig_ctx *m);
/* Called while a long step copies rows (a SQLite table rebuild of more
 * than a few thousand rows; not in sql mode): done of total rows of table,
 * first with done 0, last with done == total. NULL: no reports. */
typedef void (*orm_mig_progress_fn)(void *ctx, const char *table, int64_t done, int64_t total);
void orm_mig_ctx_set_progress(orm_mig_ctx *m, orm_mig_progress_fn fn, void *ctx);

int orm_mig_begin(orm_mig_ctx *m);
/* Foreign-key check of the whole database: IntegrityError naming the first
 * offending row. */
int orm_mig_check(orm_mig_ctx *m);
int orm_mig_commit(orm_mig_ctx *m); /* check, COMMIT, enforcement back on */
/* ROLLBACK and enforcement back on; the connection's first error is kept. */
void orm_mig_rollback(orm_mig_ctx *m);

/* ---- the ops ---- */
int orm_mig_create_table(orm_mig_ctx *m, const orm_dbtable *t); /* and its indexes */
int orm_mig_drop_table(orm_mig_ctx *m, const char *table);
int orm_mig_rename_table(orm_mig_ctx *m, const char *from, const char *to);
/* frag: the table's name, the new column in cols[0] and its one-column
 * unique constraints, indexes and foreign keys. */
int orm_mig_add_column(orm_mig_ctx *m, const orm_dbtable *frag);
int orm_mig_drop_column(orm_mig_ctx *m, const char *table, const char *column);

typedef struct orm_mig_alter {
    const char *table, *column;
    const orm_type *type; /* NULL: unchanged */
    int set_nullable, nullable;
    int set_default; /* server_default given (NULL value: drop the default) */
    const char *server_default;
    const char *new_name; /* NULL: unchanged */
} orm_mig_alter;
int orm_mig_alter_column(orm_mig_ctx *m, const orm_mig_alter *a);

int orm_mig_create_index(orm_mig_ctx *m, const char *table, const orm_dbindex *x);
int orm_mig_drop_index(orm_mig_ctx *m, const char *name, const char *table /* may be NULL */);
int orm_mig_create_unique(orm_mig_ctx *m, const char *table, const orm_dbunique *u);
int orm_mig_create_fkey(orm_mig_ctx *m, const char *table, const orm_dbfkey *f);
/* type: "unique", "foreignkey" or NULL (either). An unnamed constraint is
 * found by its conventional name (orm_dbunique_name / orm_dbfkey_name). */
int orm_mig_drop_constraint(orm_mig_ctx *m, const char *name, const char *table, const char *type);
/* Raw SQL with its values bound. */
int orm_mig_execute(orm_mig_ctx *m, const char *sql, const orm_value *params, size_t n);
/* INSERT INTO table (cols) VALUES (...) for one row. */
int orm_mig_insert(orm_mig_ctx *m, const char *table, const char *const *cols, int ncols,
                   const orm_value *vals);

/* ---- the version table (migrate_version.c) ---- */
/* The revisions the database is at (empty: unversioned). */
int orm_mig_version_read(orm_conn *c, orm_strv *out);
/* Within a migration: creates the table when missing, then replaces the
 * rows in `remove` by those in `add` (an UPDATE when it is one for one). */
int orm_mig_version_move(orm_mig_ctx *m, const orm_strv *remove, const orm_strv *add);
/* Within a migration: the table holds exactly `heads` afterwards. */
int orm_mig_version_stamp(orm_mig_ctx *m, const orm_strv *heads);

#endif
