/* sandbox.h — `ormsh shell --sandbox`: a connection on which nothing done
 * survives, with named checkpoints to rewind to.
 *
 * Two ways, chosen by what the driver offers:
 *  - a private copy (driver private_copy/snapshot hooks; SQLite): entering
 *    copies the database into an in-memory one with the backup API and the
 *    connection works on the copy from then on; the real file is no longer
 *    open, so other processes read and write it meanwhile. Transactions are
 *    real ones on the copy. A checkpoint is another in-memory copy (backup
 *    API again); restoring copies it back. Closing drops the copy.
 *  - one outer transaction (servers): entering BEGINs it; from then on the
 *    connection's begin/commit/rollback (driver.c) are SAVEPOINT / RELEASE /
 *    ROLLBACK TO of one savepoint inside it, so a commit only releases to
 *    the outer transaction. A checkpoint is a savepoint of the outer
 *    transaction; restoring rolls back to it (later checkpoints are gone).
 *    Closing the connection rolls the outer transaction back. Where DDL
 *    commits at once (MySQL), DDL statements are refused in the sandbox.
 *
 * Checkpoint names are letters, digits and '_' (at most 48); checkpoints
 * are taken and restored with no transaction open (ArgumentError
 * otherwise, and outside a sandbox). Owned by the connection
 * (orm_conn.sandbox), freed by orm_conn_close. */
#ifndef ORM_SANDBOX_H
#define ORM_SANDBOX_H

#include "driver.h"

/* Enters the sandbox on a connection with no transaction open and no
 * statement prepared yet (right after it opened). */
int orm_sandbox_enter(orm_conn *c);
int orm_sandbox_active(const orm_conn *c);
int orm_sandbox_checkpoint(orm_conn *c, const char *name);
int orm_sandbox_restore(orm_conn *c, const char *name);
/* The checkpoints taken, oldest first, joined by ", " into a new string
 * ("" when none); NULL on oom. */
char *orm_sandbox_names(const orm_conn *c);

/* ---- for driver.c ---- */
enum { ORM_SBX_BEGIN, ORM_SBX_COMMIT, ORM_SBX_ROLLBACK };
/* 1 when begin/commit/rollback/in_transaction go through the sandbox. */
int orm_sandbox_wraps(const orm_conn *c);
int orm_sandbox_tx(orm_conn *c, int op);
int orm_sandbox_in_transaction(const orm_conn *c);
/* ORM_OK, or OperationalError when sql is DDL that would end the outer
 * transaction. */
int orm_sandbox_check_sql(orm_conn *c, const char *sql);
void orm_sandbox_free(orm_conn *c);

#endif
