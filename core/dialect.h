/* dialect.h — what differs in SQL text between backends: identifier quoting,
 * placeholders, type names, feature flags. One const table per backend;
 * compile.c and ddl.c ask the dialect and never test for a backend by name. */
#ifndef ORM_DIALECT_H
#define ORM_DIALECT_H

#include "buf.h"

struct orm_type;

typedef enum { ORM_PH_QMARK, ORM_PH_DOLLAR } orm_placeholder_style; /* ?  vs  $1 */

typedef struct orm_dialect {
    const char *name; /* "sqlite" */
    char quote;       /* '"' or '`' */
    orm_placeholder_style placeholder;
    int supports_returning; /* INSERT ... RETURNING */
    int supports_ilike;     /* native ILIKE; else lower(a) LIKE lower(b) */
    /* The operator dividing an integer by an integer, truncating as SQLite
     * and PostgreSQL's "/" do: NULL for " / ", MySQL's " DIV ". */
    const char *int_div;
    int transactional_ddl;
    const char *autoincrement_pk;    /* column SQL for an autoincrement integer pk,
                                        e.g. "INTEGER NOT NULL" (sqlite: rowid alias) */
    const char *autoincrement_bigpk; /* the same for a BigInteger pk; NULL: as above */
    /* A generated key that is not the first column of a composite primary
     * key needs an index of its own (MySQL's "there can be only one auto
     * column and it must be defined as a key"): CREATE TABLE then adds
     * KEY idx_autoinc_<col> (<col>), SQLAlchemy's spelling. */
    int autoincrement_needs_key;
    /* 1: a column of a composite primary key can be numbered by the
     * database (SERIAL, AUTO_INCREMENT); SQLite numbers only a lone INTEGER
     * PRIMARY KEY, so an insert there must give such a column a value. */
    int autoincrement_composite;
    /* Between an INSERT's column list and VALUES when the row brings its
     * own keys (PostgreSQL's " OVERRIDING SYSTEM VALUE": a GENERATED ALWAYS
     * identity column takes the value); NULL: nothing. */
    const char *override_identity;
    /* 1: a generated column takes no NOT NULL (MariaDB refuses it; its
     * nullability follows from the expression). */
    int computed_nullable;
    const char *const *reserved; /* NULL-terminated, lowercase reserved words */
    size_t nreserved;            /* their number when sorted (binary search); 0: scan */
    /* Type names where backends differ (NULL: the standard name, written
     * in the comment). */
    const char *string_nolen_type; /* String without a length: VARCHAR */
    const char *text_type;         /* TEXT */
    const char *float_type;        /* FLOAT */
    const char *datetime_type;     /* DATETIME */
    const char *binary_type;       /* BLOB */
    const char *json_type;         /* JSON */
    /* What stands for "no limit" when only an OFFSET is asked for: the
     * whole clause, e.g. " LIMIT -1"; NULL or "": nothing (OFFSET alone). */
    const char *limit_all;
    /* Appended to CREATE TABLE after the closing parenthesis ("" or NULL:
     * nothing), e.g. MySQL's engine and collation. */
    const char *table_options;
    /* LIKE treats '\\' as an escape unless told otherwise (PostgreSQL,
     * MySQL): a plain like() pattern is written between these two (NULL:
     * nothing) so '\\' stays an ordinary character, as on SQLite. */
    const char *like_plain_open;
    const char *like_plain_close;
    /* An INSERT of a row that takes every default: " DEFAULT VALUES"
     * (NULL: that) or MySQL's " () VALUES ()". */
    const char *default_values;
    /* 1 when a FOREIGN KEY may only name a table that exists (PostgreSQL,
     * MySQL): create_all then adds the keys of a cycle with ALTER TABLE
     * once every table is there. SQLite takes them in CREATE TABLE. */
    int fk_needs_target;
    /* With fk_needs_target: what drops a foreign key by its name in ALTER
     * TABLE t ... name ("DROP CONSTRAINT ", MySQL's "DROP FOREIGN KEY "):
     * drop_all drops the keys of a cycle before the tables. */
    const char *drop_fk;
    /* What makes the checks of foreign keys wait for the commit of the
     * current transaction: SQLite's PRAGMA defer_foreign_keys (all keys;
     * drop_all runs it when there is no drop_fk, since SQLite's DROP TABLE
     * deletes the rows first), PostgreSQL's SET CONSTRAINTS ALL DEFERRED
     * (the keys made DEFERRABLE: fk_deferrable). A load of fixtures runs
     * it when the models have a foreign-key cycle or a table referencing
     * itself. NULL: none. */
    const char *defer_fks;
    /* Appended to the keys create_all makes for a cycle (its ALTER TABLE)
     * or for a table referencing itself, so that defer_fks reaches them
     * (PostgreSQL's keys are not deferrable by default); NULL: nothing. */
    const char *fk_deferrable;
    /* With fk_deferrable: what changes a foreign key's deferrability in
     * ALTER TABLE t ... name (PostgreSQL's "ALTER CONSTRAINT "), then
     * fk_deferrable or fk_not_deferrable; and what checks the deferred keys
     * at once (undefer_fks). A load makes the keys of a schema made by
     * another tool deferrable for its transaction, and not after. */
    const char *alter_fk, *fk_not_deferrable, *undefer_fks;
    /* Without defer_fks: what switches the connection's foreign-key checks
     * off and on again (MySQL's foreign_key_checks); a load then checks
     * those keys itself before its commit. */
    const char *fks_off, *fks_on;
    /* SQL for the schema tables are created in (information_schema's
     * table_schema), when fk_needs_target is set. */
    const char *current_schema;
    /* Dates kept as text (SQLite): the function comparisons of a Date or
     * DateTime column go through on both sides, so every ISO-8601 form of
     * an instant compares equal ("julianday"); NULL: the backend's own
     * date types compare as instants already. */
    const char *instant_fn;
    /* 1 when a value bound in a SELECT list needs CAST(? AS type) for the
     * server to know its type (PostgreSQL takes it for text): INSERT ...
     * SELECT of history rows. */
    int select_param_cast;
    /* Put before a SELECT to get the backend's query plan ("EXPLAIN "). */
    const char *explain;
    /* Native upsert (db.upsert): ORM_UPSERT_ON_CONFLICT writes
     * "ON CONFLICT (key) DO UPDATE SET c = excluded.c", ORM_UPSERT_ON_DUPLICATE
     * "ON DUPLICATE KEY UPDATE c = VALUES(c)" (any unique key collides). */
    int upsert;
    /* Most bound parameters one statement takes (multi-row INSERTs are cut
     * into batches under it). */
    int max_params;
    /* 1 when generated keys come from a sequence that inserting explicit
     * keys does not move (PostgreSQL's SERIAL): loading fixtures resets it. */
    int sequences;
    /* Locking reads (a query's with_for_update): appended to a SELECT to
     * lock the rows it reads and read their latest committed state, e.g.
     * " FOR UPDATE" / " FOR SHARE"; NULL: nothing (SQLite locks the whole
     * database on write, and reads see what is committed). */
    const char *for_update;
    const char *for_share;
} orm_dialect;

enum { ORM_UPSERT_ON_CONFLICT = 0, ORM_UPSERT_ON_DUPLICATE = 1 };

extern const orm_dialect orm_dialect_sqlite;
extern const orm_dialect orm_dialect_pg;
extern const orm_dialect orm_dialect_mysql;

/* Appends ident, quoted only when it needs it (SQLAlchemy's rule: not a
 * lowercase [a-z_][a-z0-9_$]* name, or a reserved word); embedded quote
 * characters are doubled, so no identifier can change the SQL structure. */
void orm_dialect_quote(const orm_dialect *d, orm_buf *b, const char *ident);
/* Appends the n-th (1-based) placeholder. */
void orm_dialect_placeholder(const orm_dialect *d, orm_buf *b, int n);
/* Appends the DDL type name of t (VARCHAR(30), INTEGER, NUMERIC(10, 2), ...). */
void orm_dialect_type(const orm_dialect *d, orm_buf *b, const struct orm_type *t);
/* After the PRIMARY KEY of a CREATE TABLE whose generated key col is not
 * the key's first column: where the dialect needs it
 * (autoincrement_needs_key), sep then KEY idx_autoinc_<col> (<col>);
 * nothing elsewhere. */
void orm_dialect_autoinc_key(const orm_dialect *d, orm_buf *b, const char *sep, const char *col);
/* A column's value clause after its type: " GENERATED ALWAYS AS (computed)
 * STORED" (the same on the three backends), else " DEFAULT server_default",
 * else nothing; then " NOT NULL" unless nullable (or computed where the
 * dialect's generated columns take no NOT NULL: computed_nullable). Both
 * texts are SQL the model's author wrote, put in as written. */
void orm_dialect_value_clause(const orm_dialect *d, orm_buf *b, const char *computed,
                              const char *server_default, int nullable);
/* Appends s as a single-quoted SQL string literal (quotes doubled). Used only
 * for DDL text that cannot be bound (DEFAULT clauses, comments). */
void orm_dialect_string_literal(const orm_dialect *d, orm_buf *b, const char *s);

/* RETURNING: with b NULL, only asks whether the dialect returns columns of
 * the rows an INSERT writes (1) or not (0). With b non-NULL, appends the
 * clause that returns the n >= 1 columns cols (quoted, in that order) and
 * returns 1, or appends nothing and returns 0 where the dialect has none
 * (the caller then reads the key through the driver's last_insert_id). */
int orm_dialect_returning(const orm_dialect *d, orm_buf *b, const char *const *cols, int n);

/* Savepoints: what a nested transaction does with one. */
typedef enum {
    ORM_SP_CREATE,   /* SAVEPOINT name */
    ORM_SP_RELEASE,  /* RELEASE SAVEPOINT name (keeps its work) */
    ORM_SP_ROLLBACK, /* ROLLBACK TO SAVEPOINT name (undoes its work; it stays open) */
} orm_savepoint_op;

/* Appends the statement that does op on the savepoint called name (quoted by
 * the dialect). Core runs it through orm_conn_savepoint (driver.h). */
void orm_dialect_savepoint(const orm_dialect *d, orm_buf *b, orm_savepoint_op op, const char *name);
/* Appends the name of the session's savepoint number id (1-based), the one
 * SQLAlchemy gives it: "sa_savepoint_<id>". */
void orm_dialect_savepoint_name(orm_buf *b, int id);

#endif
