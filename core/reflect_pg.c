/* reflect_pg.c — reading a PostgreSQL schema from pg_catalog: the tables
 * of the current schema (current_schema(), in creation order), their
 * columns with the types mapped back to ormsh's names (integer -> Integer,
 * character varying(n) -> String(n), timestamp -> DateTime, bytea ->
 * LargeBinary, jsonb/json -> JSON, ...; a domain as its base type; anything
 * else keeps its SQL text),
 * nullability, defaults (a SERIAL/IDENTITY column is the generated key, not
 * a default), the primary key, unique constraints, foreign keys with their
 * ON DELETE / ON UPDATE, and the indexes that stand for no constraint.
 * Every query binds the table name; nothing is spliced into SQL text. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "reflect_server.h"
#include "sqlq.h"

#define OOM(c) orm_error_oom(&(c)->err)

/* The joins every per-table query starts from: relation c of schema n. */
#define REL_OF(alias)                                                                              \
    " JOIN pg_catalog.pg_class c ON c.oid = " alias                                                \
    " JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
#define IS_TABLE " n.nspname = current_schema() AND c.relname = $1"

static int pg_view_names(orm_conn *c, orm_strv *out)
{
    return orm_sqlq_collect(
        c,
        "SELECT c.relname FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace "
        "n ON n.oid = c.relnamespace WHERE n.nspname = current_schema() AND "
        "c.relkind IN ('v', 'm') ORDER BY c.relname",
        NULL, out);
}

/* Tables and partitioned tables, not their partitions: rows are read and
 * written through the partitioned table, one class. */
static int pg_table_names(orm_conn *c, orm_strv *out)
{
    return orm_sqlq_collect(
        c,
        "SELECT c.relname FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace "
        "n ON n.oid = c.relnamespace WHERE n.nspname = current_schema() AND "
        "c.relkind IN ('r', 'p') AND NOT c.relispartition ORDER BY c.oid",
        NULL, out);
}

static int table_exists(orm_conn *c, const char *name, int *out)
{
    orm_sqlq q;
    *out = 0;
    int rc = orm_sqlq_open1(&q, c,
                            "SELECT 1 FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON "
                            "n.oid = c.relnamespace WHERE" IS_TABLE " AND c.relkind IN ('r', 'p')",
                            name);
    if (rc == ORM_OK) {
        rc = orm_sqlq_step(&q);
        *out = rc == ORM_ROW;
        orm_sqlq_close(&q);
    }
    return rc < 0 ? rc : ORM_OK;
}

/* ---- types ------------------------------------------------------------------ */

/* format_type() text -> ormsh type; 0 when ormsh has no name for it. */
static int map_type(const char *ft, orm_type *out)
{
    static const struct {
        const char *name;
        orm_type_kind kind;
    } plain[] = {
        {"integer", ORM_T_INTEGER},
        {"smallint", ORM_T_INTEGER},
        {"bigint", ORM_T_BIGINT},
        {"text", ORM_T_TEXT},
        {"boolean", ORM_T_BOOLEAN},
        {"double precision", ORM_T_FLOAT},
        {"real", ORM_T_FLOAT},
        {"date", ORM_T_DATE},
        {"timestamp without time zone", ORM_T_DATETIME},
        {"timestamp with time zone", ORM_T_DATETIME},
        {"bytea", ORM_T_BINARY},
        {"jsonb", ORM_T_JSON},
        {"json", ORM_T_JSON},
        {"character varying", ORM_T_STRING},
        {"numeric", ORM_T_NUMERIC},
    };
    memset(out, 0, sizeof *out);
    for (size_t i = 0; i < sizeof plain / sizeof plain[0]; i++)
        if (strcmp(ft, plain[i].name) == 0) {
            out->kind = plain[i].kind;
            return 1;
        }
    int a = 0, b = 0, n = 0; /* n: the whole text was read (not "integer[]") */
    if ((sscanf(ft, "character varying(%d)%n", &a, &n) == 1 && !ft[n]) ||
        (sscanf(ft, "character(%d)%n", &a, &n) == 1 && !ft[n])) {
        out->kind = ORM_T_STRING;
        out->length = a;
        return 1;
    }
    if (sscanf(ft, "numeric(%d,%d)%n", &a, &b, &n) == 2 && !ft[n]) {
        out->kind = ORM_T_NUMERIC;
        out->precision = a;
        out->scale = b;
        return 1;
    }
    if (sscanf(ft, "timestamp(%d) with%n", &a, &n) == 1 &&
        (!strcmp(ft + n, "out time zone") || !strcmp(ft + n, " time zone"))) {
        out->kind = ORM_T_DATETIME;
        return 1;
    }
    return 0;
}

/* ---- columns and the primary key ---------------------------------------------- */

static int read_columns(orm_conn *c, orm_dbtable *t)
{
    orm_sqlq q;
    int rc = orm_sqlq_open1(
        &q, c,
        "SELECT a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod), a.attnotnull, "
        "pg_catalog.pg_get_expr(d.adbin, d.adrelid), a.attidentity <> '', "
        "CASE WHEN ty.typtype = 'd' THEN pg_catalog.format_type(ty.typbasetype, ty.typtypmod) END, "
        "a.attgenerated = 's' FROM "
        "pg_catalog.pg_attribute a" REL_OF(
            "a.attrelid") " JOIN pg_catalog.pg_type ty ON ty.oid = a.atttypid LEFT JOIN "
                          "pg_catalog.pg_attrdef d ON "
                          "d.adrelid = a.attrelid AND d.adnum = a.attnum WHERE" IS_TABLE
                          " AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum",
        t->name);
    while (rc >= 0 && (rc = orm_sqlq_step(&q)) == ORM_ROW) {
        int oom = 0;
        orm_dbcolumn col = {0};
        col.name = orm_sqlq_text(&q, 0, &oom);
        col.type_sql = orm_sqlq_text(&q, 1, &oom);
        col.nullable = orm_sqlq_int(&q, 2) == 0;
        col.server_default = orm_sqlq_text(&q, 3, &oom);
        col.type_known = col.type_sql && map_type(col.type_sql, &col.type);
        char *base = orm_sqlq_text(&q, 5, &oom); /* a domain's base type (NULL: no domain) */
        if (!col.type_known && base) col.type_known = map_type(base, &col.type);
        free(base);
        int integer =
            col.type_known && (col.type.kind == ORM_T_INTEGER || col.type.kind == ORM_T_BIGINT);
        const char *d = col.server_default;
        if (orm_sqlq_int(&q, 6)) { /* a generated column: its expression is no default */
            col.computed = col.server_default;
            col.server_default = NULL;
        } else if (orm_sqlq_int(&q, 4) || (integer && d && strncmp(d, "nextval(", 8) == 0)) {
            col.autoincrement = 1; /* SERIAL / IDENTITY: settled once the key is known */
        } else if (d && strncasecmp(d, "NULL::", 6) == 0) { /* DEFAULT NULL */
            free(col.server_default);
            col.server_default = NULL;
        }
        orm_reflect_strip_cast(col.server_default);
        if (!oom && col.name && orm_dbtable_add_column(t, &col) < 0) oom = 1;
        orm_dbcolumn_clear(&col);
        if (oom) rc = OOM(c);
    }
    orm_sqlq_close(&q);
    return rc < 0 ? rc : ORM_OK;
}

/* A SERIAL or IDENTITY column of the primary key is its generated key; a
 * SERIAL outside it is a column whose default takes the sequence's next
 * number (inserts leave it out and read it back). */
static void settle_serials(orm_dbtable *t)
{
    for (int i = 0; i < t->ncols; i++) {
        orm_dbcolumn *col = &t->cols[i];
        if (!col->autoincrement) continue;
        if (orm_strv_find(&t->pk, col->name) >= 0) {
            free(col->server_default);
            col->server_default = NULL;
        } else {
            col->autoincrement = 0;
        }
    }
}

/* ---- constraints ---------------------------------------------------------------- */

/* pg_constraint.confdeltype / confupdtype -> the clause (NULL: no action). */
static const char *action(const char *code)
{
    switch (code ? code[0] : 'a') {
    case 'r':
        return "RESTRICT";
    case 'c':
        return "CASCADE";
    case 'n':
        return "SET NULL";
    case 'd':
        return "SET DEFAULT";
    default:
        return NULL;
    }
}

/* One row: constraint name, kind (p, u, f), column, and for a foreign key
 * the referenced table and column and the actions. */
static int add_constraint_row(orm_dbtable *t, char **v)
{
    const char *name = v[0], *kind = v[1], *col = v[2];
    if (!name || !kind || !col) return ORM_OK;
    if (kind[0] == 'p') return orm_strv_push(&t->pk, col);
    if (kind[0] == 'u') return orm_reflect_unique_col(t, name, col);
    if (!v[3] || !v[4]) return ORM_OK;
    return orm_reflect_fkey_col(t, name, col, v[3], v[4], action(v[5]), action(v[6]));
}

/* Runs sql (the table's name as $1), each row one add_constraint_row. */
static int read_constraint_rows(orm_conn *c, orm_dbtable *t, const char *sql)
{
    orm_sqlq q;
    int rc = orm_sqlq_open1(&q, c, sql, t->name);
    while (rc >= 0 && (rc = orm_sqlq_step(&q)) == ORM_ROW) {
        int oom = 0;
        char *v[7];
        for (int i = 0; i < 7; i++)
            v[i] = orm_sqlq_text(&q, i, &oom);
        if (!oom && add_constraint_row(t, v) < 0) oom = 1;
        for (int i = 0; i < 7; i++)
            free(v[i]);
        if (oom) rc = OOM(c);
    }
    orm_sqlq_close(&q);
    return rc < 0 ? rc : ORM_OK;
}

static int read_constraints(orm_conn *c, orm_dbtable *t)
{
    return read_constraint_rows(
        c, t,
        "SELECT k.conname, k.contype::text, a.attname, r.relname, ra.attname, "
        "k.confdeltype::text, k.confupdtype::text FROM pg_catalog.pg_constraint k" REL_OF(
            "k.conrelid") " CROSS JOIN LATERAL unnest(k.conkey, coalesce(k.confkey, k.conkey)) "
                          "WITH ORDINALITY AS u(attnum, refnum, ord) JOIN "
                          "pg_catalog.pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = "
                          "u.attnum LEFT JOIN pg_catalog.pg_class r ON r.oid = k.confrelid LEFT "
                          "JOIN pg_catalog.pg_attribute ra ON ra.attrelid = k.confrelid AND "
                          "ra.attnum = u.refnum WHERE" IS_TABLE
                          " AND k.contype IN ('p', 'u', 'f') ORDER BY k.contype, k.oid, u.ord");
}

/* A partitioned table whose foreign keys are declared on its partitions
 * only (Pagila's payment_p2022_01 ... reference customer, but not its
 * newest partition, payment_p2022_07): each key some partition declares,
 * once, as the table's own, named as PostgreSQL names an unnamed key of
 * the table (<table>_<cols>_fkey), so the class gets its relationships.
 * Keys the table itself declares are in the partitions as copies
 * (conparentid set) and are not read twice. */
static int read_partition_fkeys(orm_conn *c, orm_dbtable *t)
{
    return read_constraint_rows(
        c, t,
        "WITH parts AS (SELECT i.inhrelid FROM pg_catalog.pg_inherits i" REL_OF(
            "i.inhparent") " WHERE" IS_TABLE
                           " AND c.relkind = 'p'), fk AS (SELECT k.oid, k.conrelid, k.confrelid, "
                           "k.confdeltype, k.confupdtype, ARRAY(SELECT a.attname::text FROM "
                           "unnest(k.conkey) WITH ORDINALITY u(n, o) JOIN pg_catalog.pg_attribute "
                           "a ON a.attrelid = k.conrelid AND a.attnum = u.n ORDER BY u.o) AS cols, "
                           "ARRAY(SELECT a.attname::text FROM unnest(k.confkey) WITH ORDINALITY "
                           "u(n, o) JOIN pg_catalog.pg_attribute a ON a.attrelid = k.confrelid AND "
                           "a.attnum = u.n ORDER BY u.o) AS refcols FROM pg_catalog.pg_constraint "
                           "k WHERE k.contype = 'f' AND k.conparentid = 0 AND k.conrelid IN "
                           "(SELECT inhrelid FROM parts)), shared AS (SELECT min(fk.oid) AS first, "
                           "cols, refcols, confrelid, confdeltype, confupdtype FROM fk GROUP BY "
                           "cols, refcols, confrelid, confdeltype, confupdtype) SELECT $1::text || "
                           "'_' || array_to_string(s.cols, '_') || '_fkey', 'f', u.col, r.relname, "
                           "u.refcol, s.confdeltype::text, s.confupdtype::text FROM shared s JOIN "
                           "pg_catalog.pg_class r ON r.oid = s.confrelid CROSS JOIN LATERAL "
                           "unnest(s.cols, s.refcols) WITH ORDINALITY AS u(col, refcol, ord) ORDER "
                           "BY s.first, u.ord");
}

/* The indexes no primary key, unique or exclusion constraint owns. */
static int read_indexes(orm_conn *c, orm_dbtable *t)
{
    orm_sqlq q;
    int rc = orm_sqlq_open1(
        &q, c,
        "SELECT i.relname, x.indisunique, a.attname, CASE WHEN 0 = ANY (x.indkey::int2[]) THEN "
        "pg_catalog.pg_get_indexdef(x.indexrelid) END FROM pg_catalog.pg_index x JOIN "
        "pg_catalog.pg_class i ON i.oid = x.indexrelid" REL_OF(
            "x.indrelid") " CROSS JOIN LATERAL unnest(x.indkey::int2[]) WITH ORDINALITY AS "
                          "u(attnum, ord) LEFT JOIN pg_catalog.pg_attribute a ON a.attrelid = "
                          "c.oid AND a.attnum = u.attnum AND u.attnum > 0 WHERE" IS_TABLE
                          " AND NOT x.indisprimary AND NOT EXISTS (SELECT 1 FROM "
                          "pg_catalog.pg_constraint k "
                          "WHERE k.conindid = x.indexrelid AND k.conrelid = x.indrelid AND "
                          "k.contype IN ('p', "
                          "'u', 'x')) ORDER BY i.oid, u.ord",
        t->name);
    while (rc >= 0 && (rc = orm_sqlq_step(&q)) == ORM_ROW) {
        int oom = 0;
        char *name = orm_sqlq_text(&q, 0, &oom), *col = orm_sqlq_text(&q, 2, &oom);
        char *def = orm_sqlq_text(&q, 3, &oom); /* an expression index's DDL */
        int unique = orm_sqlq_int(&q, 1) != 0;
        if (!oom && name && orm_reflect_index_col(t, name, unique, col) < 0) oom = 1;
        if (!oom && name && def && orm_reflect_index_sql(t, name, def) < 0) oom = 1;
        free(name);
        free(col);
        free(def);
        if (oom) rc = OOM(c);
    }
    orm_sqlq_close(&q);
    return rc < 0 ? rc : ORM_OK;
}

/* PostgreSQL names an unnamed constraint <table>_<col>[_<col>...]_key or
 * _fkey (cut at 63 bytes, where the name then differs: kept). */
static int pg_default_name(const orm_dbtable *t, const char *name, const orm_strv *cols, int fkey)
{
    /* compared in place: no allocation that could fail into "not default" */
    size_t k = strlen(t->name);
    if (strncmp(name, t->name, k) != 0) return 0;
    const char *p = name + k;
    for (int i = 0; i < cols->n; i++) {
        size_t n = strlen(cols->v[i]);
        if (*p != '_' || strncmp(p + 1, cols->v[i], n) != 0) return 0;
        p += 1 + n;
    }
    return strcmp(p, fkey ? "_fkey" : "_key") == 0;
}

int orm_reflect_pg_table(orm_conn *c, const char *name, int raw, orm_dbtable **out)
{
    *out = NULL;
    int exists = 0, rc = table_exists(c, name, &exists);
    if (rc < 0 || !exists) return rc;
    orm_dbtable *t = orm_dbtable_new(name);
    if (!t) return OOM(c);
    rc = read_columns(c, t);
    if (rc == ORM_OK) rc = read_constraints(c, t);
    if (rc == ORM_OK) rc = read_partition_fkeys(c, t);
    if (rc == ORM_OK) rc = read_indexes(c, t);
    if (rc < 0) {
        orm_dbtable_free(t);
        return rc;
    }
    settle_serials(t);
    if (!raw) orm_reflect_forget_default_names(t, pg_default_name);
    *out = t;
    return ORM_OK;
}

static int pg_table(orm_conn *c, const char *name, orm_dbtable **out)
{
    return orm_reflect_pg_table(c, name, 0, out);
}

const orm_reflect_ops orm_reflect_pg = {
    .table_names = pg_table_names,
    .table = pg_table,
    .view_names = pg_view_names,
};
