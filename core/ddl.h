/* ddl.h — CREATE/DROP for the metadata: table DDL text for a dialect, and
 * create_all / drop_all run in foreign-key order on a connection. */
#ifndef ORM_DDL_H
#define ORM_DDL_H

#include <stdint.h>

#include "buf.h"
#include "dialect.h"
#include "driver.h"
#include "schema.h"
#include "strv.h"

/* CREATE TABLE [IF NOT EXISTS] t (...columns..., PRIMARY KEY (...),
 * UNIQUE (...), FOREIGN KEY(c) REFERENCES p (c) [ON DELETE ...]) */
int orm_ddl_create_table(const orm_dialect *d, const orm_table *t, int if_not_exists, orm_buf *out);
/* CREATE [UNIQUE] INDEX [IF NOT EXISTS] ix_<table>_<col> ON t (col) for the
 * col-th column (which has indexed set). */
int orm_ddl_create_index(const orm_dialect *d, const orm_table *t, int col, int if_not_exists,
                         orm_buf *out);
/* CREATE [UNIQUE] INDEX [IF NOT EXISTS] name ON t (cols) for t->tindexes[i]
 * (an index, not a unique constraint). */
int orm_ddl_create_tindex(const orm_dialect *d, const orm_table *t, int i, int if_not_exists,
                          orm_buf *out);
int orm_ddl_drop_table(const orm_dialect *d, const orm_table *t, int if_exists, orm_buf *out);

/* Into names (each once): the names the database's catalog gives the
 * foreign keys of table t over the columns in cols (bit j: column j),
 * only those not DEFERRABLE when not_deferrable is set. None when t is
 * not there. For backends with an information_schema (fk_needs_target). */
int orm_ddl_fk_names(orm_conn *c, const orm_table *t, uint64_t cols, int not_deferrable,
                     orm_strv *names);

/* ALTER TABLE table <clause><name><how>: clause one of the dialect's
 * foreign-key clauses (drop_fk, alter_fk), how "" or what follows the name
 * (fk_deferrable, fk_not_deferrable). */
int orm_ddl_alter_fk(const orm_dialect *d, const char *table, const char *clause, const char *name,
                     const char *how, orm_buf *out);

/* Creates every table that does not exist yet (and its indexes), parents
 * first, in one transaction where the dialect allows. 0 or a failure with
 * c->err set (and copied into err). */
int orm_ddl_create_all(orm_conn *c, const orm_metadata *md, orm_error *err);
/* Drops every table that exists, children first. */
int orm_ddl_drop_all(orm_conn *c, const orm_metadata *md, orm_error *err);

#endif
