/* compile.h — expression trees and statements to SQL text for one dialect,
 * with every value as a placeholder and the values collected in order.
 * Identifiers go through orm_dialect_quote; no value is ever spliced in. */
#ifndef ORM_COMPILE_H
#define ORM_COMPILE_H

#include "buf.h"
#include "dialect.h"
#include "error.h"
#include "expr.h"

typedef struct orm_compiled {
    orm_buf sql;
    const orm_value **params; /* borrowed from the tree: valid while it lives */
    size_t nparams;
    size_t cap;
    /* Values the compiler made itself (LIMIT/OFFSET), owned here and freed
     * by reset/free; params may point at them. Each is malloc'ed on its own,
     * so the struct itself may be moved. */
    orm_value **owned;
    size_t nowned;
    size_t owned_cap;
} orm_compiled;

void orm_compiled_init(orm_compiled *c);
void orm_compiled_free(orm_compiled *c);
void orm_compiled_reset(orm_compiled *c);

/* Appends the SQL of e (and its parameters) to out. Columns are written
 * "table.column" (quoted as needed). 0, ORM_ENOMEM, or ORM_EFAIL
 * (ProgrammingError for a malformed tree). */
int orm_compile_expr(const orm_dialect *d, const orm_expr *e, orm_compiled *out, orm_error *err);
/* The whole SELECT. */
int orm_compile_select(const orm_dialect *d, const orm_select *s, orm_compiled *out,
                       orm_error *err);
/* SELECT count(*) AS count_1 FROM (<s>) AS anon_N (N: 1 unless s has
 * unnamed derived tables of its own) */
int orm_compile_count(const orm_dialect *d, const orm_select *s, orm_compiled *out, orm_error *err);

/* Bulk statements: UPDATE t SET cols[i]=values[i], ... [WHERE where] and
 * DELETE FROM t [WHERE where] (where NULL: every row). */
int orm_compile_update_where(const orm_dialect *d, const orm_table *t, const int *cols,
                             orm_expr *const *values, int n, const orm_expr *where,
                             orm_compiled *out, orm_error *err);
int orm_compile_delete_where(const orm_dialect *d, const orm_table *t, const orm_expr *where,
                             orm_compiled *out, orm_error *err);

/* Unit-of-work statements; parameters are supplied by the caller in the
 * documented order, so these produce text only (and are cached by it). */
/* INSERT INTO t (c1, c2) VALUES (?, ?) for the columns in mask, in column
 * order. mask 0: INSERT INTO t DEFAULT VALUES. */
int orm_compile_insert(const orm_dialect *d, const orm_table *t, uint64_t mask, orm_buf *out);
/* The same INSERT for rows that bring their own generated keys (a load of
 * fixtures): where the dialect says so (override_identity), values are taken
 * even for a column the database always generates (PostgreSQL's GENERATED
 * ALWAYS AS IDENTITY), as pg_dump's own restore does. */
int orm_compile_insert_keys(const orm_dialect *d, const orm_table *t, uint64_t mask, orm_buf *out);
/* INSERT INTO t (cols) [override] VALUES (...), (...): nrows rows of the
 * columns in mask (mask non-zero when nrows > 1), placeholders numbered row
 * after row; keys_given as for orm_compile_insert_keys. The multi-row form
 * of the flush's batches and of a fixture load. */
int orm_compile_insert_rows(const orm_dialect *d, const orm_table *t, uint64_t mask, int nrows,
                            int keys_given, orm_buf *out);
/* UPDATE t SET c1=?, c2=? WHERE pk1 = ? AND pk2 = ? — params: the SET columns
 * in column order, then the primary key columns in pk order. A table with a
 * version column (t->version_col) adds AND COALESCE(version, 0) = ? — one
 * more param after the key: the version the session loaded (NULL: 0). The
 * same goes for DELETE. */
int orm_compile_update(const orm_dialect *d, const orm_table *t, uint64_t mask, orm_buf *out);
/* DELETE FROM t WHERE pk1 = ? ... — params: the primary key in pk order. */
int orm_compile_delete(const orm_dialect *d, const orm_table *t, orm_buf *out);
/* SELECT every column FROM t WHERE pk1 = ? ... */
int orm_compile_select_by_pk(const orm_dialect *d, const orm_table *t, orm_buf *out);

/* Raw SQL with :name parameters (db.text): rewrites each :name to a
 * placeholder and lists the names in order of appearance (a name may repeat).
 * ":name" inside '...' or "..." literals, "::" casts and "\:" are left alone.
 * *names is a malloc'ed array of malloc'ed strings: free with
 * orm_compile_text_names_free. */
int orm_compile_text(const orm_dialect *d, const char *sql, orm_buf *out, char ***names,
                     size_t *nnames, orm_error *err);
void orm_compile_text_names_free(char **names, size_t n);

#endif
