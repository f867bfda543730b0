/* migrate_int.h — what migrate.c, the backends (migrate_sqlite.c,
 * migrate_pg.c, migrate_mysql.c), migrate_steps.c and migrate_version.c share:
 * the context struct, the statement runner that also collects --sql text,
 * and the per-backend table of the operations a backend does its own way. */
#ifndef ORM_MIGRATE_INT_H
#define ORM_MIGRATE_INT_H

#include "migrate.h"
#include "migrate_steps.h"

/* The operations whose SQL differs between backends, named by the backend's
 * record (backend.h). Each must be provided unless said otherwise; a backend
 * that can ALTER in place just runs ALTER TABLE. */
typedef struct orm_mig_backend {
    int (*add_column)(orm_mig_ctx *m, const orm_dbtable *frag);
    int (*drop_column)(orm_mig_ctx *m, const char *table, const char *column);
    int (*alter_column)(orm_mig_ctx *m, const orm_mig_alter *a);
    int (*create_unique)(orm_mig_ctx *m, const char *table, const orm_dbunique *u);
    int (*create_fkey)(orm_mig_ctx *m, const char *table, const orm_dbfkey *f);
    int (*drop_constraint)(orm_mig_ctx *m, const char *name, const char *table, const char *type);
    /* IntegrityError when a row breaks a foreign key. May be NULL when
     * enforcement stays on while migrating (keep_fks): a row that breaks a
     * key has already failed its own statement. */
    int (*fkey_check)(orm_mig_ctx *m);
    /* may be NULL: the statements that switch foreign-key enforcement, for
     * the --sql text (the driver's set_foreign_keys does it for real). */
    const char *fkeys_off_sql, *fkeys_on_sql;
    /* 1: enforcement stays on while migrating (a backend whose DDL commits
     * at once could not check the keys before a commit). */
    int keep_fks;
    /* may be NULL (then the generic statement of migrate.c): the operations
     * a backend writes its own way (MySQL: table options, DROP INDEX ... ON). */
    int (*create_table)(orm_mig_ctx *m, const orm_dbtable *t);
    int (*drop_table)(orm_mig_ctx *m, const char *table);
    int (*rename_table)(orm_mig_ctx *m, const char *from, const char *to);
    int (*create_index)(orm_mig_ctx *m, const char *table, const orm_dbindex *x);
    int (*drop_index)(orm_mig_ctx *m, const char *name, const char *table);
    /* may be NULL (then LENGTH): the function counting a string's
     * characters, for the pre-flight count of a narrowed String. */
    const char *char_length;
    /* may be NULL: frees what the backend kept in orm_mig_ctx.be_state. */
    void (*free_state)(void *state);
} orm_mig_backend;

extern const orm_mig_backend orm_mig_sqlite;
extern const orm_mig_backend orm_mig_pg;
extern const orm_mig_backend orm_mig_mysql;

struct orm_mig_ctx {
    orm_conn *c;
    const orm_dialect *d;
    const orm_mig_backend *be; /* NULL: no migration support */
    int sql_mode;
    orm_buf sql; /* collected statements (sql mode) */
    int fks_off; /* begin switched enforcement off */
    int open;    /* between begin and commit/rollback */
    /* sql mode where DDL cannot be rolled back (MySQL): statements are
     * written, never run; version_made: the version table's CREATE was */
    int dry, version_made;
    void *be_state;         /* the backend's own (see free_state) */
    orm_mig_steplist steps; /* op-by-op runs (migrate_steps.c) */
    /* pre-flight counts (migrate_preflight.c): on, the revision the
     * findings belong to, the findings, and the nesting of operations
     * (only the outermost one counts) */
    int preflight;
    char *revision;
    orm_strv losses;
    int depth;
    /* rows copied by a SQLite rebuild (orm_mig_ctx_set_progress) */
    orm_mig_progress_fn progress;
    void *progress_ctx;
};

/* Runs one statement (collecting its text in sql mode); *changes (may be
 * NULL) gets the rows it changed. */
int orm_mig_exec(orm_mig_ctx *m, const char *sql, const orm_value *params, size_t n,
                 int64_t *changes);
/* Runs the text built in b (then resets b); ORM_ENOMEM if b ran out. */
int orm_mig_exec_buf(orm_mig_ctx *m, orm_buf *b);
/* Sets a MigrationError on the connection; returns ORM_EFAIL. */
int orm_mig_fail(orm_mig_ctx *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The table as the database has it; MigrationError when there is none. */
int orm_mig_reflect(orm_mig_ctx *m, const char *table, orm_dbtable **out);
/* *out = 1 when table has a row, else 0. */
int orm_mig_has_rows(orm_mig_ctx *m, const char *table, int *out);

#endif
