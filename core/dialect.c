/* dialect.c — the SQLite dialect table and the dialect-driven pieces of SQL
 * text: identifier quoting (SQLAlchemy's rule), placeholders, DDL type names
 * and string literals. Nothing here looks at a backend's name: every
 * difference is a field of orm_dialect. */
#include "dialect.h"

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
    .autoincrement_pk = "INTEGER NOT NULL", /* with PRIMARY KEY (id): the rowid alias */
    .reserved = sqlite_reserved,
};

static int is_reserved(const orm_dialect *d, const char *ident)
{
    if (!d->reserved) return 0;
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
    (void)d; /* every current backend shares these names */
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
            orm_buf_puts(b, "VARCHAR");
        break;
    case ORM_T_TEXT:
        orm_buf_puts(b, "TEXT");
        break;
    case ORM_T_BOOLEAN:
        orm_buf_puts(b, "BOOLEAN");
        break;
    case ORM_T_FLOAT:
        orm_buf_puts(b, "FLOAT");
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
        orm_buf_puts(b, "DATETIME");
        break;
    case ORM_T_BINARY:
        orm_buf_puts(b, "BLOB");
        break;
    case ORM_T_JSON:
        orm_buf_puts(b, "JSON");
        break;
    }
}

void orm_dialect_string_literal(const orm_dialect *d, orm_buf *b, const char *s)
{
    (void)d; /* standard SQL; a backend treating '\\' as an escape (MySQL) needs a flag */
    orm_buf_putc(b, '\'');
    for (; *s; s++) {
        if (*s == '\'') orm_buf_putc(b, '\'');
        orm_buf_putc(b, *s);
    }
    orm_buf_putc(b, '\'');
}
