/* reflect_mysql.c — reading a MySQL/MariaDB schema from information_schema:
 * the base tables of the current database (DATABASE()), their columns with
 * the types mapped back to ormsh's names (int and year -> Integer, tinyint(1) ->
 * Boolean, varchar(n) -> String(n), longtext -> Text, or JSON when
 * MariaDB's json_valid() check guards it, double -> Float, datetime ->
 * DateTime, longblob and varbinary -> LargeBinary, bit(1) -> Boolean, bit(n)
 * -> Integer, ...; anything else keeps its SQL
 * text), nullability, defaults, AUTO_INCREMENT, the primary key, unique
 * constraints, indexes and foreign keys with their ON DELETE / ON UPDATE.
 *
 * MySQL has no unique constraint apart from a unique index: one whose name
 * starts with "ix_" (the name ormsh gives an index = true column, or an
 * op.create_index) reads as an index, any other as a unique constraint.
 * Every query binds the table name; nothing is spliced into SQL text. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "reflect_server.h"
#include "sqlq.h"

#define OOM(c) orm_error_oom(&(c)->err)
#define IN_TABLE " WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?"

static int my_view_names(orm_conn *c, orm_strv *out)
{
    return orm_sqlq_collect(c,
                            "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = "
                            "DATABASE() AND TABLE_TYPE = 'VIEW' ORDER BY TABLE_NAME",
                            NULL, out);
}

static int my_table_names(orm_conn *c, orm_strv *out)
{
    return orm_sqlq_collect(c,
                            "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = "
                            "DATABASE() AND TABLE_TYPE = 'BASE TABLE' ORDER BY CREATE_TIME, "
                            "TABLE_NAME",
                            NULL, out);
}

static int table_exists(orm_conn *c, const char *name, int *out)
{
    orm_sqlq q;
    *out = 0;
    int rc = orm_sqlq_open1(
        &q, c, "SELECT 1 FROM information_schema.TABLES" IN_TABLE " AND TABLE_TYPE = 'BASE TABLE'",
        name);
    if (rc == ORM_OK) {
        rc = orm_sqlq_step(&q);
        *out = rc == ORM_ROW;
        orm_sqlq_close(&q);
    }
    return rc < 0 ? rc : ORM_OK;
}

/* ---- columns ------------------------------------------------------------------ */

/* DATA_TYPE (+ COLUMN_TYPE, lengths) -> ormsh type; 0 when it has no name. */
static int map_type(const char *dt, const char *ct, long len, long prec, long scale, orm_type *out)
{
    static const struct {
        const char *name;
        orm_type_kind kind;
    } words[] = {
        {"smallint", ORM_T_INTEGER},  {"mediumint", ORM_T_INTEGER},  {"int", ORM_T_INTEGER},
        {"integer", ORM_T_INTEGER},   {"bigint", ORM_T_BIGINT},      {"varchar", ORM_T_STRING},
        {"char", ORM_T_STRING},       {"tinytext", ORM_T_TEXT},      {"text", ORM_T_TEXT},
        {"mediumtext", ORM_T_TEXT},   {"longtext", ORM_T_TEXT},      {"json", ORM_T_JSON},
        {"double", ORM_T_FLOAT},      {"float", ORM_T_FLOAT},        {"real", ORM_T_FLOAT},
        {"decimal", ORM_T_NUMERIC},   {"numeric", ORM_T_NUMERIC},    {"date", ORM_T_DATE},
        {"datetime", ORM_T_DATETIME}, {"timestamp", ORM_T_DATETIME}, {"tinyblob", ORM_T_BINARY},
        {"blob", ORM_T_BINARY},       {"mediumblob", ORM_T_BINARY},  {"longblob", ORM_T_BINARY},
        {"year", ORM_T_INTEGER}, /* read back as a number (Sakila's film.release_year) */
        {"binary", ORM_T_BINARY},     {"varbinary", ORM_T_BINARY},
    };
    memset(out, 0, sizeof *out);
    if (!dt) return 0;
    if (strcasecmp(dt, "tinyint") == 0) {
        out->kind = ct && strncasecmp(ct, "tinyint(1)", 10) == 0 ? ORM_T_BOOLEAN : ORM_T_INTEGER;
        return 1;
    }
    if (strcasecmp(dt, "bit") == 0) { /* read as a number (driver_mysql_stmt.c), BIT(1) a flag */
        long bits = ct && strncasecmp(ct, "bit(", 4) == 0 ? strtol(ct + 4, NULL, 10) : 1;
        out->kind = bits <= 1 ? ORM_T_BOOLEAN : bits < 32 ? ORM_T_INTEGER : ORM_T_BIGINT;
        return 1;
    }
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
        if (strcasecmp(dt, words[i].name) != 0) continue;
        out->kind = words[i].kind;
        if (out->kind == ORM_T_STRING) out->length = (int)len;
        if (out->kind == ORM_T_NUMERIC) {
            out->precision = (int)prec;
            out->scale = (int)scale;
        }
        return 1;
    }
    return 0;
}

/* The check clauses of the table (MariaDB keeps JSON as LONGTEXT with a
 * json_valid() check). A server without CHECK_CONSTRAINTS.TABLE_NAME
 * (MySQL, whose JSON is a type of its own) just has none. */
static int read_checks(orm_conn *c, const char *table, orm_strv *out)
{
    orm_sqlq q;
    int rc = orm_sqlq_open1(&q, c,
                            "SELECT CHECK_CLAUSE FROM information_schema.CHECK_CONSTRAINTS WHERE "
                            "CONSTRAINT_SCHEMA = DATABASE() AND TABLE_NAME = ?",
                            table);
    if (rc < 0) {
        orm_error_clear(&c->err);
        return ORM_OK;
    }
    while ((rc = orm_sqlq_step(&q)) == ORM_ROW) {
        int oom = 0;
        char *s = orm_sqlq_text(&q, 0, &oom);
        if (s && orm_strv_push(out, s) < 0) oom = 1;
        free(s);
        if (oom) rc = OOM(c);
    }
    orm_sqlq_close(&q);
    if (rc == ORM_ENOMEM) return rc;
    if (rc < 0) orm_error_clear(&c->err);
    return ORM_OK;
}

/* 1 when a check says json_valid(col), however the name is quoted. */
static int json_checked(const orm_strv *checks, const char *col)
{
    for (int i = 0; i < checks->n; i++) {
        const char *p = checks->v[i];
        while ((p = strstr(p, "json_valid("))) {
            p += 11;
            char q = *p;
            size_t n = strlen(col);
            if ((q == '`' || q == '"') && strncmp(p + 1, col, n) == 0 && p[n + 1] == q &&
                p[n + 2] == ')')
                return 1;
        }
    }
    return 0;
}

static char *fix_default(char *d, const char *dt, const char *extra, int *oom)
{
    if (!d) return NULL;
    if (strcmp(d, "NULL") == 0) { /* MariaDB: a nullable column without default */
        free(d);
        return NULL;
    }
    /* MySQL 8 writes string defaults unquoted (MariaDB quotes them) */
    int texty = dt && (strstr(dt, "char") || strstr(dt, "text"));
    if (texty && d[0] != '\'' && !(extra && strstr(extra, "DEFAULT_GENERATED"))) {
        orm_buf b = ORM_BUF_INIT;
        orm_dialect_string_literal(&orm_dialect_mysql, &b, d);
        free(d);
        char *quoted = orm_buf_detach(&b); /* NULL on out of memory */
        if (!quoted) *oom = 1;
        return quoted;
    }
    return d;
}

static int read_columns(orm_conn *c, orm_dbtable *t)
{
    orm_sqlq q;
    orm_strv checks = ORM_STRV_INIT;
    int rc = read_checks(c, t->name, &checks);
    if (rc < 0) return rc;
    rc = orm_sqlq_open1(
        &q, c,
        "SELECT COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE, COLUMN_DEFAULT, EXTRA, "
        "DATA_TYPE, CHARACTER_MAXIMUM_LENGTH, NUMERIC_PRECISION, "
        "NUMERIC_SCALE, GENERATION_EXPRESSION FROM information_schema.COLUMNS" IN_TABLE
        " ORDER BY ORDINAL_POSITION",
        t->name);
    while (rc >= 0 && (rc = orm_sqlq_step(&q)) == ORM_ROW) {
        int oom = 0;
        orm_dbcolumn col = {0};
        char *nullable = orm_sqlq_text(&q, 2, &oom), *extra = orm_sqlq_text(&q, 4, &oom);
        char *dt = orm_sqlq_text(&q, 5, &oom);
        col.name = orm_sqlq_text(&q, 0, &oom);
        col.type_sql = orm_sqlq_text(&q, 1, &oom);
        col.nullable = nullable && strcmp(nullable, "YES") == 0;
        col.server_default = fix_default(orm_sqlq_text(&q, 3, &oom), dt, extra, &oom);
        col.autoincrement = extra && strstr(extra, "auto_increment") != NULL;
        if (extra && strstr(extra, "GENERATED")) { /* VIRTUAL or STORED GENERATED */
            col.computed = orm_sqlq_text(&q, 9, &oom);
            free(col.server_default);
            col.server_default = NULL;
        }
        col.type_known = map_type(dt, col.type_sql, (long)orm_sqlq_int(&q, 6),
                                  (long)orm_sqlq_int(&q, 7), (long)orm_sqlq_int(&q, 8), &col.type);
        if (col.type_known && col.type.kind == ORM_T_TEXT && col.name &&
            json_checked(&checks, col.name))
            col.type.kind = ORM_T_JSON;
        if (!oom && col.name && orm_dbtable_add_column(t, &col) < 0) oom = 1;
        orm_dbcolumn_clear(&col);
        free(nullable);
        free(extra);
        free(dt);
        if (oom) rc = OOM(c);
    }
    orm_sqlq_close(&q);
    orm_strv_free(&checks);
    return rc < 0 ? rc : ORM_OK;
}

/* ---- keys, indexes, constraints --------------------------------------------------- */

/* A FULLTEXT or SPATIAL index, which db.Index cannot make: its DDL is kept
 * as text and its column list dropped (so autogenerate leaves it alone and
 * `db models` writes it as a comment, as an index on an expression). */
static int special_index(orm_dbtable *t, const char *name, const char *kind)
{
    int i = orm_dbtable_find_index(t, name);
    if (i < 0 || t->indexes[i].cols.n == 0) return ORM_OK;
    orm_dbindex *x = &t->indexes[i];
    orm_buf b = ORM_BUF_INIT;
    int rc = orm_dbindex_ddl_kind(&orm_dialect_mysql, t->name, x, kind, &b);
    if (rc == ORM_OK) rc = orm_reflect_index_sql(t, name, orm_buf_str(&b));
    orm_buf_free(&b);
    if (rc == ORM_OK) orm_strv_free(&x->cols);
    return rc;
}

static int read_indexes(orm_conn *c, orm_dbtable *t)
{
    orm_sqlq q;
    int rc = orm_sqlq_open1(&q, c,
                            "SELECT INDEX_NAME, NON_UNIQUE, COLUMN_NAME, INDEX_TYPE FROM "
                            "information_schema.STATISTICS" IN_TABLE
                            " ORDER BY INDEX_NAME = 'PRIMARY' DESC, INDEX_NAME, SEQ_IN_INDEX",
                            t->name);
    orm_strv special = ORM_STRV_INIT; /* pairs: index name, FULLTEXT or SPATIAL */
    while (rc >= 0 && (rc = orm_sqlq_step(&q)) == ORM_ROW) {
        int oom = 0;
        char *name = orm_sqlq_text(&q, 0, &oom), *col = orm_sqlq_text(&q, 2, &oom);
        char *kind = orm_sqlq_text(&q, 3, &oom);
        int unique = orm_sqlq_int(&q, 1) == 0;
        int fulltext = kind && (!strcmp(kind, "FULLTEXT") || !strcmp(kind, "SPATIAL"));
        if (oom || !name)
            ;
        else if (strcmp(name, "PRIMARY") == 0)
            oom = col && orm_strv_push(&t->pk, col) < 0;
        else if (unique && col && !fulltext && strncmp(name, "ix_", 3) != 0)
            oom = orm_reflect_unique_col(t, name, col) < 0;
        else
            oom = orm_reflect_index_col(t, name, unique, col) < 0;
        if (!oom && name && fulltext && orm_strv_find(&special, name) < 0)
            oom = orm_strv_push(&special, name) < 0 || orm_strv_push(&special, kind) < 0;
        free(name);
        free(col);
        free(kind);
        if (oom) rc = OOM(c);
    }
    orm_sqlq_close(&q);
    for (int i = 0; rc >= 0 && i + 1 < special.n; i += 2)
        if (special_index(t, special.v[i], special.v[i + 1]) < 0) rc = OOM(c);
    orm_strv_free(&special);
    return rc < 0 ? rc : ORM_OK;
}

/* MySQL's default RESTRICT is what no clause means: kept as none. */
static const char *action(const char *rule)
{
    return rule && strcasecmp(rule, "RESTRICT") != 0 ? rule : NULL;
}

static int read_fkeys(orm_conn *c, orm_dbtable *t)
{
    orm_sqlq q;
    int rc = orm_sqlq_open1(
        &q, c,
        "SELECT k.CONSTRAINT_NAME, k.COLUMN_NAME, k.REFERENCED_TABLE_NAME, "
        "k.REFERENCED_COLUMN_NAME, r.DELETE_RULE, r.UPDATE_RULE FROM "
        "information_schema.KEY_COLUMN_USAGE k JOIN information_schema.REFERENTIAL_CONSTRAINTS r "
        "ON r.CONSTRAINT_SCHEMA = k.CONSTRAINT_SCHEMA AND r.CONSTRAINT_NAME = k.CONSTRAINT_NAME "
        "AND r.TABLE_NAME = k.TABLE_NAME WHERE k.TABLE_SCHEMA = DATABASE() AND k.TABLE_NAME = ? "
        "AND k.REFERENCED_TABLE_NAME IS NOT NULL ORDER BY k.CONSTRAINT_NAME, k.ORDINAL_POSITION",
        t->name);
    while (rc >= 0 && (rc = orm_sqlq_step(&q)) == ORM_ROW) {
        int oom = 0;
        char *v[6];
        for (int i = 0; i < 6; i++)
            v[i] = orm_sqlq_text(&q, i, &oom);
        if (!oom && v[0] && v[1] && v[2] && v[3] &&
            orm_reflect_fkey_col(t, v[0], v[1], v[2], v[3], action(v[4]), action(v[5])) < 0)
            oom = 1;
        for (int i = 0; i < 6; i++)
            free(v[i]);
        if (oom) rc = OOM(c);
    }
    orm_sqlq_close(&q);
    return rc < 0 ? rc : ORM_OK;
}

/* name == base, or base_<digits> (MySQL's next free name). */
static int is_numbered(const char *name, const char *base, const char *sep)
{
    size_t n = strlen(base), k = strlen(sep);
    if (strncmp(name, base, n) != 0) return 0;
    if (name[n] == '\0') return *sep == '_';
    if (strncmp(name + n, sep, k) != 0 || !name[n + k]) return 0;
    for (const char *p = name + n + k; *p; p++)
        if (!isdigit((unsigned char)*p)) return 0;
    return 1;
}

int orm_reflect_mysql_fk_index(const orm_dbtable *t, int i)
{
    const orm_dbindex *x = &t->indexes[i];
    if (x->unique || x->cols.n == 0) return -1;
    for (int k = 0; k < t->nfkeys; k++) {
        const orm_dbfkey *f = &t->fkeys[k];
        if (!orm_strv_equal(&x->cols, &f->cols)) continue;
        if ((f->name && strcmp(x->name, f->name) == 0) || is_numbered(x->name, f->cols.v[0], "_"))
            return k;
    }
    return -1;
}

/* Whether index i is the one an AUTO_INCREMENT column that is not first in
 * a composite primary key must have (create_all writes it: dialect.h's
 * autoincrement_needs_key), so a model need not declare it. */
static int autoinc_index(const orm_dbtable *t, int i)
{
    const orm_dbindex *x = &t->indexes[i];
    if (x->unique || x->cols.n != 1 || t->pk.n < 2 || strcmp(t->pk.v[0], x->cols.v[0]) == 0)
        return 0;
    int col = orm_dbtable_find_column(t, x->cols.v[0]);
    return col >= 0 && t->cols[col].autoincrement;
}

/* An unnamed unique index is named after its first column (col_2, ... when
 * taken); an unnamed foreign key <table>_ibfk_<n>. */
static int my_default_name(const orm_dbtable *t, const char *name, const orm_strv *cols, int fkey)
{
    if (!fkey) return cols->n > 0 && is_numbered(name, cols->v[0], "_");
    /* compared in place: no allocation that could fail into "not default" */
    size_t n = strlen(t->name);
    return strncmp(name, t->name, n) == 0 && is_numbered(name + n, "_ibfk", "_") &&
           strcmp(name + n, "_ibfk") != 0;
}

int orm_reflect_mysql_table(orm_conn *c, const char *name, int raw, orm_dbtable **out)
{
    *out = NULL;
    int exists = 0, rc = table_exists(c, name, &exists);
    if (rc < 0 || !exists) return rc;
    orm_dbtable *t = orm_dbtable_new(name);
    if (!t) return OOM(c);
    rc = read_columns(c, t);
    if (rc == ORM_OK) rc = read_indexes(c, t);
    if (rc == ORM_OK) rc = read_fkeys(c, t);
    if (rc < 0) {
        orm_dbtable_free(t);
        return rc;
    }
    if (!raw) {
        for (int i = t->nindexes - 1; i >= 0; i--)
            if (orm_reflect_mysql_fk_index(t, i) >= 0) orm_dbtable_remove_index(t, i);
        for (int i = 0; i < t->nindexes; i++)
            if (autoinc_index(t, i)) {
                orm_dbtable_remove_index(t, i);
                break;
            }
        orm_reflect_forget_default_names(t, my_default_name);
    }
    *out = t;
    return ORM_OK;
}

static int my_table(orm_conn *c, const char *name, orm_dbtable **out)
{
    return orm_reflect_mysql_table(c, name, 0, out);
}

const orm_reflect_ops orm_reflect_mysql = {
    .table_names = my_table_names,
    .table = my_table,
    .view_names = my_view_names,
};
