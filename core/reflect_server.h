/* reflect_server.h — what the PostgreSQL and MySQL halves of reflection
 * (reflect_pg.c, reflect_mysql.c) share with each other (reflect_server.c)
 * and with their migration backends (migrate_pg.c, migrate_mysql.c).
 *
 * Reflection reads a table in one of two ways. Normal (raw = 0), for
 * autogenerate: a unique constraint or foreign key whose name is the one
 * the backend picks for an unnamed constraint (PostgreSQL author_email_key,
 * book_author_id_fkey; MySQL email, book_ibfk_1) or ormsh's own convention
 * (uq_author_email, fk_book_author_id_author) reads as unnamed, and the
 * index InnoDB adds for a foreign key is left out — so a revision written
 * on a server is the one SQLite would get. Raw (raw = 1), for the
 * migration operations: every name as the database has it, every index. */
#ifndef ORM_REFLECT_SERVER_H
#define ORM_REFLECT_SERVER_H

#include "reflect.h"

extern const orm_reflect_ops orm_reflect_pg;
extern const orm_reflect_ops orm_reflect_mysql;

/* One table (*out NULL when there is no such table in the current schema). */
int orm_reflect_pg_table(orm_conn *c, const char *name, int raw, orm_dbtable **out);
int orm_reflect_mysql_table(orm_conn *c, const char *name, int raw, orm_dbtable **out);
/* The foreign key of t (raw) that index i exists for because InnoDB made it
 * (same columns, named after the constraint or its first column), or -1. */
int orm_reflect_mysql_fk_index(const orm_dbtable *t, int i);

/* ---- reflect_server.c: building a table from catalog rows ---- */
/* Column col joins the unique constraint `name` (a new one unless it is
 * the last one added). ORM_OK or ORM_ENOMEM. */
int orm_reflect_unique_col(orm_dbtable *t, const char *name, const char *col);
/* The same for index `name`; col NULL: an expression (the index keeps no
 * column list, so autogenerate leaves it alone). */
int orm_reflect_index_col(orm_dbtable *t, const char *name, int unique, const char *col);
/* The CREATE INDEX text of index `name` (one db.Index cannot say: an
 * expression, MySQL's FULLTEXT / SPATIAL), kept for `.schema` and the
 * comment `db models` writes. ORM_OK or ORM_ENOMEM. */
int orm_reflect_index_sql(orm_dbtable *t, const char *name, const char *sql);
/* The same for foreign key `name` to reftable; the actions of its first row
 * count ("NO ACTION" and NULL both mean none). */
int orm_reflect_fkey_col(orm_dbtable *t, const char *name, const char *col, const char *reftable,
                         const char *refcol, const char *ondelete, const char *onupdate);
/* 1 when `name` is what the backend calls an unnamed constraint on cols. */
typedef int (*orm_reflect_default_fn)(const orm_dbtable *t, const char *name, const orm_strv *cols,
                                      int fkey);
/* Normal reflection: names that are the backend's default or ormsh's
 * convention become NULL. */
void orm_reflect_forget_default_names(orm_dbtable *t, orm_reflect_default_fn is_default);
/* "'it''s'::character varying" -> "'it''s'": a literal loses its cast. */
void orm_reflect_strip_cast(char *def);

#endif
