/* audit.h — the audit log: with auditing on, every insert, update and
 * delete the flush writes, and every bulk q:update / q:delete, adds a row
 * to ormsh_audit (id, at UTC, actor, table_name, row_key JSON, operation,
 * changes JSON {"col": [old, new]}) in the same transaction, so there is
 * no change without its entry and no entry without its change. */
#ifndef ORM_AUDIT_H
#define ORM_AUDIT_H

#include <stdint.h>
#include "compile.h"
#include "schema.h"
#include "session.h"

#define ORM_AUDIT_TABLE "ormsh_audit"

/* Turns auditing on for s: defines ormsh_audit in md (once; create_all and
 * migrations know it then) and creates it in the database when missing. */
int orm_audit_enable(orm_session *s, orm_metadata *md, orm_error *err);
int orm_audit_enabled(const orm_session *s);
/* Who acts: copied; NULL goes back to the OS user. 0 or ORM_ENOMEM. */
int orm_audit_set_actor(orm_session *s, const char *actor);
const char *orm_audit_actor(const orm_session *s); /* never NULL */

/* One entry for o's row: op "insert" (its values), "update" (the columns in
 * mask: [value at the last commit, value now]) or "delete" (every column:
 * [value, null]). Columns declared audit = false show "changed" instead. */
int orm_audit_row(orm_session *s, const orm_object *o, const char *op, uint64_t mask);
/* One entry for a bulk statement on t: {"criteria": WHERE text, "params":
 * [...], "rows": n}. */
int orm_audit_bulk(orm_session *s, const orm_table *t, const char *op, const orm_compiled *stmt,
                   int64_t rows);
/* A cursor on the entries, newest first, of table (NULL: any), actor
 * (NULL: any), at or after since (NULL: ever). Columns: id, at, actor,
 * table_name, row_key, operation, changes. */
int orm_audit_log_open(orm_session *s, const char *table, const char *actor, const char *since,
                       orm_cursor **out);

#endif
