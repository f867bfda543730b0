/* stmt_cache.h — prepared statements keyed by their SQL text, reused with
 * reset + rebind. A statement is checked out while in use (a cursor holds it)
 * and returned afterwards; a second user of the same SQL gets a fresh one. */
#ifndef ORM_STMT_CACHE_H
#define ORM_STMT_CACHE_H

#include "driver.h"

typedef struct orm_stmt_cache orm_stmt_cache;

orm_stmt_cache *orm_stmt_cache_new(orm_conn *conn, int capacity); /* NULL on oom */
void orm_stmt_cache_free(orm_stmt_cache *c);                      /* finalizes all */
/* Checks out a prepared statement for sql (prepares on miss). The statement is
 * reset with no bindings. Returns 0 or a failure (conn->err set). */
int orm_stmt_cache_acquire(orm_stmt_cache *c, const char *sql, orm_stmt **out);
/* Returns s (resets it). A statement the cache cannot keep is finalized. */
void orm_stmt_cache_release(orm_stmt_cache *c, const char *sql, orm_stmt *s);
/* acquire, also handing back the entry the statement belongs to, so it can
 * be returned without the SQL text. checkin resets the statement; clear 0
 * keeps its bindings (for a user that bound copies, never borrowed bytes:
 * every user binds all parameters anew). */
typedef struct orm_stmt_entry orm_stmt_entry;
int orm_stmt_cache_checkout(orm_stmt_cache *c, const char *sql, orm_stmt **out,
                            orm_stmt_entry **handle);
void orm_stmt_cache_checkin(orm_stmt_cache *c, orm_stmt_entry *e, int clear);
/* Finalizes every idle statement (after schema changes). */
void orm_stmt_cache_clear(orm_stmt_cache *c);

#endif
