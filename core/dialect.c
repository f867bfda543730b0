/* dialect.c — the SQLite, PostgreSQL and MySQL dialect tables and the dialect-driven pieces of SQL
 * text: identifier quoting (SQLAlchemy's rule), placeholders, DDL type names
 * and string literals. Nothing here looks at a backend's name: every
 * difference is a field of orm_dialect. */
#include "dialect.h"

#include <assert.h>
#include <string.h>

#include "schema.h"

/* Lowercase words that must be quoted as identifiers: every SQLite keyword,
 * SQLAlchemy's SQLite list and its generic ANSI/PostgreSQL list (user,
 * current_user, ...), so a model's names stay portable across backends. */
/* clang-format off */
static const char *const sqlite_reserved[] = {
    "abort", "action", "add", "after", "all", "alter", "always", "analyse", "analyze", "and",
    "any", "array", "as", "asc", "asymmetric", "attach", "authorization", "autoincrement",
    "before", "begin", "between", "binary", "both", "by", "cascade", "case", "cast", "check",
    "collate", "column", "commit", "conflict", "constraint", "create", "cross", "current",
    "current_date", "current_role", "current_time", "current_timestamp", "current_user",
    "database", "default", "deferrable", "deferred", "delete", "desc", "detach", "distinct", "do",
    "drop", "each", "else", "end", "escape", "except", "exclude", "exclusive", "exists",
    "explain", "fail", "false", "filter", "first", "following", "for", "foreign", "freeze",
    "from", "full", "generated", "glob", "grant", "group", "groups", "having", "if", "ignore",
    "ilike", "immediate", "in", "index", "indexed", "initially", "inner", "insert", "instead",
    "intersect", "into", "is", "isnull", "join", "key", "last", "leading", "left", "like",
    "limit", "localtime", "localtimestamp", "match", "materialized", "natural", "new", "no",
    "not", "nothing", "notnull", "null", "nulls", "of", "off", "offset", "old", "on", "only",
    "or", "order", "others", "outer", "over", "overlaps", "partition", "placing", "plan",
    "pragma", "preceding", "primary", "query", "raise", "range", "recursive", "references",
    "regexp", "reindex", "release", "rename", "replace", "restrict", "returning", "right",
    "rollback", "row", "rows", "savepoint", "select", "session_user", "set", "similar", "some",
    "symmetric", "table", "temp", "temporary", "then", "ties", "to", "trailing", "transaction",
    "trigger", "true", "unbounded", "union", "unique", "update", "user", "using", "vacuum",
    "values", "verbose", "view", "virtual", "when", "where", "window", "with", "without", NULL,
};
/* clang-format on */

const orm_dialect orm_dialect_sqlite = {
    .name = "sqlite",
    .quote = '"',
    .placeholder = ORM_PH_QMARK,
    /* last_insert_rowid gives generated keys; INSERT stays as the echo shows it */
    .supports_returning = 0,
    .supports_ilike = 0,
    .transactional_ddl = 1,
    .defer_fks = "PRAGMA defer_foreign_keys = ON",
    .autoincrement_pk = "INTEGER NOT NULL", /* with PRIMARY KEY (id): the rowid alias */
    .reserved = sqlite_reserved,
    .nreserved = sizeof sqlite_reserved / sizeof sqlite_reserved[0] - 1,
    .limit_all = " LIMIT -1", /* SQLite wants a LIMIT before any OFFSET */
    .instant_fn = "julianday",
    .explain = "EXPLAIN QUERY PLAN ",
    .upsert = ORM_UPSERT_ON_CONFLICT,
    .max_params = 32766, /* SQLITE_MAX_VARIABLE_NUMBER since 3.32 */
};

/* PostgreSQL: the same quoting rule and reserved words (the SQLite list
 * already holds SQLAlchemy's generic/PostgreSQL words), $n placeholders. */
const orm_dialect orm_dialect_pg = {
    .name = "postgresql",
    .quote = '"',
    .placeholder = ORM_PH_DOLLAR,
    .supports_returning = 1,
    .supports_ilike = 1,
    .transactional_ddl = 1,
    .autoincrement_pk = "SERIAL NOT NULL",
    .autoincrement_bigpk = "BIGSERIAL NOT NULL",
    .autoincrement_composite = 1,
    .override_identity = " OVERRIDING SYSTEM VALUE",
    .reserved = sqlite_reserved,
    .nreserved = sizeof sqlite_reserved / sizeof sqlite_reserved[0] - 1,
    .datetime_type = "TIMESTAMP WITHOUT TIME ZONE",
    .select_param_cast = 1,
    .binary_type = "BYTEA",
    .json_type = "JSONB",
    .limit_all = NULL, /* OFFSET alone */
    .like_plain_close = " ESCAPE ''",
    .fk_needs_target = 1,
    .drop_fk = "DROP CONSTRAINT ",
    .defer_fks = "SET CONSTRAINTS ALL DEFERRED",
    .fk_deferrable = " DEFERRABLE INITIALLY IMMEDIATE",
    .alter_fk = "ALTER CONSTRAINT ",
    .fk_not_deferrable = " NOT DEFERRABLE",
    .undefer_fks = "SET CONSTRAINTS ALL IMMEDIATE",
    .current_schema = "current_schema()",
    .explain = "EXPLAIN ",
    .upsert = ORM_UPSERT_ON_CONFLICT,
    .max_params = 65535, /* the protocol's 16-bit count */
    .sequences = 1,
    .for_update = " FOR UPDATE",
    .for_share = " FOR SHARE",
};

/* MySQL words to quote beyond the portable list (MariaDB/MySQL manual,
 * "Reserved Words"), merged with it in mysql_reserved. */
/* clang-format off */
static const char *const mysql_reserved[] = {
    "abort", "accessible", "action", "add", "after", "all", "alter", "always", "analyse",
    "analyze", "and", "any", "array", "as", "asc", "asensitive", "asymmetric", "attach",
    "authorization", "autoincrement", "before", "begin", "between", "bigint", "binary", "blob",
    "both", "by", "call", "cascade", "case", "cast", "change", "char", "character", "check",
    "collate", "column", "commit", "condition", "conflict", "constraint", "continue", "convert",
    "create", "cross", "current", "current_date", "current_role", "current_time",
    "current_timestamp", "current_user", "cursor", "database", "databases", "day_hour",
    "day_microsecond", "day_minute", "day_second", "dec", "decimal", "declare", "default",
    "deferrable", "deferred", "delayed", "delete", "desc", "describe", "detach", "deterministic",
    "distinct", "distinctrow", "div", "do", "double", "drop", "dual", "each", "else", "elseif",
    "enclosed", "end", "escape", "escaped", "except", "exclude", "exclusive", "exists", "exit",
    "explain", "fail", "false", "fetch", "filter", "first", "float", "float4", "float8",
    "following", "for", "force", "foreign", "freeze", "from", "full", "fulltext", "general",
    "generated", "glob", "grant", "group", "groups", "having", "high_priority",
    "hour_microsecond", "hour_minute", "hour_second", "if", "ignore", "ilike", "immediate", "in",
    "index", "indexed", "infile", "initially", "inner", "inout", "insensitive", "insert",
    "instead", "int", "int1", "int2", "int3", "int4", "int8", "integer", "intersect", "interval",
    "into", "is", "isnull", "iterate", "join", "key", "keys", "kill", "last", "leading", "leave",
    "left", "like", "limit", "linear", "lines", "load", "localtime", "localtimestamp", "lock",
    "long", "longblob", "longtext", "loop", "low_priority", "match", "materialized", "maxvalue",
    "mediumblob", "mediumint", "mediumtext", "middleint", "minute_microsecond", "minute_second",
    "mod", "modifies", "natural", "new", "no", "no_write_to_binlog", "not", "nothing", "notnull",
    "null", "nulls", "numeric", "of", "off", "offset", "old", "on", "only", "optimize", "option",
    "optionally", "or", "order", "others", "out", "outer", "outfile", "over", "overlaps",
    "partition", "placing", "plan", "pragma", "preceding", "precision", "primary", "procedure",
    "purge", "query", "raise", "range", "read", "read_write", "reads", "real", "recursive",
    "references", "regexp", "reindex", "release", "rename", "repeat", "replace", "require",
    "resignal", "restrict", "return", "returning", "revoke", "right", "rlike", "rollback", "row",
    "rows", "savepoint", "schema", "schemas", "second_microsecond", "select", "sensitive",
    "separator", "session_user", "set", "show", "signal", "similar", "smallint", "some",
    "spatial", "specific", "sql", "sql_big_result", "sql_calc_found_rows", "sql_small_result",
    "sqlexception", "sqlstate", "sqlwarning", "ssl", "starting", "straight_join", "symmetric",
    "table", "temp", "temporary", "terminated", "then", "ties", "tinyblob", "tinyint",
    "tinytext", "to", "trailing", "transaction", "trigger", "true", "unbounded", "undo", "union",
    "unique", "unlock", "unsigned", "update", "usage", "use", "user", "using", "utc_date",
    "utc_time", "utc_timestamp", "vacuum", "values", "varbinary", "varchar", "varcharacter",
    "varying", "verbose", "view", "virtual", "when", "where", "while", "window", "with",
    "without", "write", "xor", "year_month", "zerofill", NULL,
};
/* clang-format on */

/* MySQL/MariaDB: backticks, ? placeholders, AUTO_INCREMENT keys. Tables
 * are InnoDB with a binary utf8mb4 collation, so comparisons, LIKE and
 * UNIQUE are case- and accent-sensitive as on SQLite and PostgreSQL. */
const orm_dialect orm_dialect_mysql = {
    .name = "mysql",
    .quote = '`',
    .placeholder = ORM_PH_QMARK,
    .supports_returning = 1, /* MariaDB 10.5+'s: the connection says (orm_conn_returning) */
    .supports_ilike = 0,
    .int_div = " DIV ",     /* "/" of two integers gives a decimal there */
    .transactional_ddl = 0, /* every DDL statement commits implicitly */
    .autoincrement_pk = "INTEGER NOT NULL AUTO_INCREMENT",
    .autoincrement_bigpk = "BIGINT NOT NULL AUTO_INCREMENT",
    .autoincrement_needs_key = 1,
    .autoincrement_composite = 1,
    .computed_nullable = 1,
    .reserved = mysql_reserved,
    .nreserved = sizeof mysql_reserved / sizeof mysql_reserved[0] - 1,
    .string_nolen_type = "VARCHAR(255)", /* MySQL needs a length */
    .text_type = "LONGTEXT",
    .float_type = "DOUBLE", /* MySQL's FLOAT is single precision */
    .binary_type = "LONGBLOB",
    .limit_all = " LIMIT 18446744073709551615", /* the manual's "all rows" */
    .table_options = " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin",
    /* '\\' escapes in LIKE even with NO_BACKSLASH_ESCAPES, and ESCAPE ''
     * is refused: the pattern's backslashes are doubled instead */
    .like_plain_open = "replace(",
    .like_plain_close = ", '\\', '\\\\')",
    .default_values = " () VALUES ()",
    .fk_needs_target = 1,
    .drop_fk = "DROP FOREIGN KEY ",
    .fks_off = "SET foreign_key_checks = 0",
    .fks_on = "SET foreign_key_checks = 1",
    .current_schema = "DATABASE()",
    .explain = "EXPLAIN ",
    .upsert = ORM_UPSERT_ON_DUPLICATE,
    .max_params = 65535,
    .for_update = " FOR UPDATE",
    .for_share = " LOCK IN SHARE MODE", /* MariaDB before 10.6 has no FOR SHARE */
};

static int is_reserved(const orm_dialect *d, const char *ident)
{
    if (!d->reserved) return 0;
    if (d->nreserved) { /* sorted: binary search, names are quoted on every statement */
        size_t lo = 0, hi = d->nreserved;
        while (lo < hi) {
            size_t mid = (lo + hi) / 2;
            int c = strcmp(d->reserved[mid], ident);
            if (c == 0) return 1;
            if (c < 0)
                lo = mid + 1;
            else
                hi = mid;
        }
        return 0;
    }
    for (const char *const *w = d->reserved; *w; w++)
        if ((*w)[0] == ident[0] && strcmp(*w, ident) == 0) return 1;
    return 0;
}

static int is_plain(const char *ident)
{
    const char *s = ident;
    if (!((*s >= 'a' && *s <= 'z') || *s == '_')) return 0;
    for (s++; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_' || *s == '$'))
            return 0;
    return 1;
}

void orm_dialect_quote(const orm_dialect *d, orm_buf *b, const char *ident)
{
    if (!ident) ident = "";
    if (is_plain(ident) && !is_reserved(d, ident)) {
        orm_buf_puts(b, ident);
        return;
    }
    orm_buf_putc(b, d->quote);
    for (const char *s = ident; *s; s++) {
        if (*s == d->quote) orm_buf_putc(b, d->quote);
        orm_buf_putc(b, *s);
    }
    orm_buf_putc(b, d->quote);
}

void orm_dialect_placeholder(const orm_dialect *d, orm_buf *b, int n)
{
    if (d->placeholder == ORM_PH_DOLLAR)
        orm_buf_printf(b, "$%d", n);
    else
        orm_buf_putc(b, '?');
}

void orm_dialect_type(const orm_dialect *d, orm_buf *b, const struct orm_type *t)
{
    switch (t->kind) {
    case ORM_T_INTEGER:
        orm_buf_puts(b, "INTEGER");
        break;
    case ORM_T_BIGINT:
        orm_buf_puts(b, "BIGINT");
        break;
    case ORM_T_STRING:
        if (t->length > 0)
            orm_buf_printf(b, "VARCHAR(%d)", t->length);
        else
            orm_buf_puts(b, d->string_nolen_type ? d->string_nolen_type : "VARCHAR");
        break;
    case ORM_T_TEXT:
        orm_buf_puts(b, d->text_type ? d->text_type : "TEXT");
        break;
    case ORM_T_BOOLEAN:
        orm_buf_puts(b, "BOOLEAN");
        break;
    case ORM_T_FLOAT:
        orm_buf_puts(b, d->float_type ? d->float_type : "FLOAT");
        break;
    case ORM_T_NUMERIC:
        if (t->precision > 0)
            orm_buf_printf(b, "NUMERIC(%d, %d)", t->precision, t->scale);
        else
            orm_buf_puts(b, "NUMERIC");
        break;
    case ORM_T_DATE:
        orm_buf_puts(b, "DATE");
        break;
    case ORM_T_DATETIME:
        orm_buf_puts(b, d->datetime_type ? d->datetime_type : "DATETIME");
        break;
    case ORM_T_BINARY:
        orm_buf_puts(b, d->binary_type ? d->binary_type : "BLOB");
        break;
    case ORM_T_JSON:
        orm_buf_puts(b, d->json_type ? d->json_type : "JSON");
        break;
    }
}

void orm_dialect_value_clause(const orm_dialect *d, orm_buf *b, const char *computed,
                              const char *server_default, int nullable)
{
    assert(d != NULL);
    if (computed) {
        orm_buf_puts(b, " GENERATED ALWAYS AS (");
        orm_buf_puts(b, computed);
        orm_buf_puts(b, ") STORED");
    } else if (server_default) {
        orm_buf_puts(b, " DEFAULT ");
        orm_buf_puts(b, server_default);
    }
    if (!nullable && !(computed && d->computed_nullable)) orm_buf_puts(b, " NOT NULL");
}

void orm_dialect_string_literal(const orm_dialect *d, orm_buf *b, const char *s)
{
    (void)d; /* standard SQL: the MySQL driver turns on NO_BACKSLASH_ESCAPES */
    orm_buf_putc(b, '\'');
    for (; *s; s++) {
        if (*s == '\'') orm_buf_putc(b, '\'');
        orm_buf_putc(b, *s);
    }
    orm_buf_putc(b, '\'');
}

void orm_dialect_autoinc_key(const orm_dialect *d, orm_buf *b, const char *sep, const char *col)
{
    assert(d != NULL && col != NULL);
    if (!d->autoincrement_needs_key) return;
    orm_buf name = ORM_BUF_INIT;
    orm_buf_printf(&name, "idx_autoinc_%s", col);
    if (name.oom) b->oom = 1;
    orm_buf_puts(b, sep);
    orm_buf_puts(b, "KEY ");
    orm_dialect_quote(d, b, orm_buf_str(&name));
    orm_buf_puts(b, " (");
    orm_dialect_quote(d, b, col);
    orm_buf_putc(b, ')');
    orm_buf_free(&name);
}

int orm_dialect_returning(const orm_dialect *d, orm_buf *b, const char *const *cols, int n)
{
    assert(d != NULL);
    if (!d->supports_returning) return 0;
    if (b) {
        assert(cols != NULL && n >= 1);
        orm_buf_puts(b, " RETURNING ");
        for (int i = 0; i < n; i++) {
            if (i) orm_buf_puts(b, ", ");
            orm_dialect_quote(d, b, cols[i]);
        }
    }
    return 1;
}

void orm_dialect_savepoint(const orm_dialect *d, orm_buf *b, orm_savepoint_op op, const char *name)
{
    assert(d != NULL && name != NULL);
    static const char *const verb[] = {
        [ORM_SP_CREATE] = "SAVEPOINT ",
        [ORM_SP_RELEASE] = "RELEASE SAVEPOINT ",
        [ORM_SP_ROLLBACK] = "ROLLBACK TO SAVEPOINT ",
    };
    assert(op >= ORM_SP_CREATE && op <= ORM_SP_ROLLBACK);
    orm_buf_puts(b, verb[op]);
    orm_dialect_quote(d, b, name);
}

void orm_dialect_savepoint_name(orm_buf *b, int id)
{
    assert(id > 0);
    orm_buf_printf(b, "sa_savepoint_%d", id);
}
