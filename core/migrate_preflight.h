/* migrate_preflight.h — counting what a migration step would destroy, before
 * it runs: rows of a dropped table, non-null values of a dropped column, rows
 * a new NOT NULL column without a default would reject (and rows holding NULL
 * in a column made NOT NULL), values longer than a narrowed String.
 *
 * Switched on per context (orm_mig_ctx_set_preflight); each finding is one
 * line "REV: what (table, column): N rows ...", kept in the context until
 * taken (the caller owns the taken list). The counting queries are COUNT(*)
 * statements with quoted identifiers and bound values; they change nothing.
 * Only the outermost operation counts (a SQLite rebuild drops its old table
 * as part of an alter, which is no loss). */
#ifndef ORM_MIGRATE_PREFLIGHT_H
#define ORM_MIGRATE_PREFLIGHT_H

#include "migrate.h"

void orm_mig_ctx_set_preflight(orm_mig_ctx *m, int on);
/* The revision the findings that follow belong to (copied). */
int orm_mig_ctx_set_revision(orm_mig_ctx *m, const char *rev);
/* Moves the findings so far to out (appended). ORM_ENOMEM on oom. */
int orm_mig_ctx_take_losses(orm_mig_ctx *m, orm_strv *out);

/* Called by the operations (migrate.c) before they run; ORM_OK when the
 * count is done (or not wanted), else the query's failure. */
int orm_mig_preflight_drop_table(orm_mig_ctx *m, const char *table);
int orm_mig_preflight_drop_column(orm_mig_ctx *m, const char *table, const char *column);
int orm_mig_preflight_add_column(orm_mig_ctx *m, const orm_dbtable *frag);
int orm_mig_preflight_alter(orm_mig_ctx *m, const orm_mig_alter *a);

#endif
