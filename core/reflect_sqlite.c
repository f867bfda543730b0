/* reflect_sqlite.c — reflection for SQLite: tables from sqlite_master,
 * columns, indexes and foreign keys from the pragma table-valued functions
 * (pragma_table_info, pragma_index_list, pragma_index_info,
 * pragma_foreign_key_list, each with the table name bound), and the names
 * of named constraints ("CONSTRAINT uq_x UNIQUE (...)"), which no pragma
 * reports, from the CREATE TABLE text SQLite keeps. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "reflect.h"
#include "sqlq.h"

/* ---- named constraints from the CREATE TABLE text ----------------------- */

typedef struct token {
    char kind; /* 'w' word/identifier, '(' ')' ',' , 'o' anything else, 0 end */
    const char *p;
    size_t n;
    int quoted;
} token;

static const char *skip_space_comments(const char *p)
{
    for (;;) {
        while (isspace((unsigned char)*p))
            p++;
        if (p[0] == '-' && p[1] == '-') {
            while (*p && *p != '\n')
                p++;
        } else if (p[0] == '/' && p[1] == '*') {
            const char *e = strstr(p + 2, "*/");
            p = e ? e + 2 : p + strlen(p);
        } else {
            return p;
        }
    }
}

/* A quoted run starting at p (quote q, closed by c; doubled c escapes). */
static const char *skip_quoted(const char *p, char c)
{
    for (p++; *p; p++) {
        if (*p != c) continue;
        if (p[1] == c && c != ']') {
            p++;
            continue;
        }
        return p + 1;
    }
    return p;
}

static token next_token(const char **pp)
{
    const char *p = skip_space_comments(*pp);
    token t = {0, p, 0, 0};
    if (!*p) return t;
    if (*p == '(' || *p == ')' || *p == ',') {
        t.kind = *p;
        t.n = 1;
    } else if (*p == '"' || *p == '`' || *p == '[') {
        const char *e = skip_quoted(p, *p == '[' ? ']' : *p);
        t.kind = 'w';
        t.quoted = 1;
        t.n = (size_t)(e - p);
    } else if (*p == '\'') {
        t.kind = 'o';
        t.n = (size_t)(skip_quoted(p, '\'') - p);
    } else if (isalnum((unsigned char)*p) || *p == '_' || (unsigned char)*p >= 0x80) {
        const char *e = p;
        while (isalnum((unsigned char)*e) || *e == '_' || *e == '$' || (unsigned char)*e >= 0x80)
            e++;
        t.kind = 'w';
        t.n = (size_t)(e - p);
    } else {
        t.kind = 'o';
        t.n = 1;
    }
    *pp = p + t.n;
    return t;
}

static int is_word(const token *t, const char *w)
{
    return t->kind == 'w' && !t->quoted && strlen(w) == t->n && strncasecmp(t->p, w, t->n) == 0;
}

/* The identifier a token spells (quotes removed, doubled quotes undone). */
static char *token_ident(const token *t)
{
    char *s = malloc(t->n + 1), *d = s;
    if (!s) return NULL;
    if (!t->quoted) {
        memcpy(s, t->p, t->n);
        s[t->n] = '\0';
        return s;
    }
    char close = t->p[0] == '[' ? ']' : t->p[0];
    for (size_t i = 1; i + 1 < t->n; i++) {
        *d++ = t->p[i];
        if (t->p[i] == close && t->p[i + 1] == close && close != ']') i++;
    }
    *d = '\0';
    return s;
}

/* A named table constraint found in the text. */
typedef struct named {
    char kind; /* 'u' unique, 'f' foreign key */
    char *name;
    orm_strv cols;
} named;

typedef struct named_list {
    named *v;
    int n;
} named_list;

static void named_free(named_list *l)
{
    for (int i = 0; i < l->n; i++) {
        free(l->v[i].name);
        orm_strv_free(&l->v[i].cols);
    }
    free(l->v);
}

/* Reads "(a, b)" into cols. */
static int read_col_list(const char **pp, orm_strv *cols)
{
    token t = next_token(pp);
    if (t.kind != '(') return ORM_OK;
    for (;;) {
        t = next_token(pp);
        if (t.kind == 'w') {
            char *s = token_ident(&t);
            int rc = s ? orm_strv_push(cols, s) : ORM_ENOMEM;
            free(s);
            if (rc < 0) return rc;
            /* skip COLLATE x / ASC / DESC up to the next comma or ")" */
            while ((t = next_token(pp)).kind && t.kind != ',' && t.kind != ')')
                ;
        } else {
            while (t.kind && t.kind != ',' && t.kind != ')')
                t = next_token(pp);
        }
        if (t.kind != ',') return ORM_OK;
    }
}

/* One item of the table body starting after "CONSTRAINT". */
static int read_named(const char **pp, named_list *out)
{
    token t = next_token(pp);
    if (t.kind != 'w') return ORM_OK;
    named nc = {0, token_ident(&t), ORM_STRV_INIT};
    if (!nc.name) return ORM_ENOMEM;
    t = next_token(pp);
    if (is_word(&t, "UNIQUE")) {
        nc.kind = 'u';
    } else if (is_word(&t, "FOREIGN")) {
        t = next_token(pp); /* KEY */
        nc.kind = 'f';
    }
    int rc = nc.kind ? read_col_list(pp, &nc.cols) : ORM_OK;
    named *v = rc == ORM_OK && nc.kind ? realloc(out->v, (size_t)(out->n + 1) * sizeof *v) : NULL;
    if (v) {
        out->v = v;
        out->v[out->n++] = nc;
        return ORM_OK;
    }
    free(nc.name);
    orm_strv_free(&nc.cols);
    return rc < 0 || nc.kind ? ORM_ENOMEM : ORM_OK;
}

/* Every "CONSTRAINT name UNIQUE|FOREIGN KEY (cols)" at the top level of the
 * table body. */
static int parse_named_constraints(const char *sql, named_list *out)
{
    const char *p = sql;
    token t;
    int depth = 0, item_start = 0;
    memset(out, 0, sizeof *out);
    while ((t = next_token(&p)).kind) {
        if (t.kind == '(') {
            if (++depth == 1) item_start = 1;
            continue;
        }
        if (t.kind == ')') {
            depth--;
            continue;
        }
        if (depth == 1 && t.kind == ',') {
            item_start = 1;
            continue;
        }
        if (depth == 1 && item_start && is_word(&t, "CONSTRAINT")) {
            /* consumes the name, the kind and the balanced column list; the
             * rest of the item (REFERENCES ...) is skipped token by token */
            int rc = read_named(&p, out);
            if (rc < 0) {
                named_free(out); /* the constraints read so far */
                return rc;
            }
        }
        item_start = 0;
    }
    return ORM_OK;
}

/* The text between the parenthesis opened just before *pp and its match
 * (malloc'ed, spaces around it trimmed), or NULL when unbalanced. */
static char *balanced(const char **pp)
{
    const char *start = skip_space_comments(*pp), *end = NULL;
    int depth = 1;
    token t;
    while (!end && (t = next_token(pp)).kind) {
        if (t.kind == '(') depth++;
        if (t.kind == ')' && --depth == 0) end = t.p;
    }
    if (!end) return NULL;
    while (end > start && isspace((unsigned char)end[-1]))
        end--;
    char *s = malloc((size_t)(end - start) + 1);
    if (s) {
        memcpy(s, start, (size_t)(end - start));
        s[end - start] = '\0';
    }
    return s;
}

/* The expression of the generated column col in the table's text ("col
 * TYPE [GENERATED ALWAYS] AS (expr) ..."), as written; NULL when it is not
 * found (or no memory). */
static char *generated_expr(const char *sql, const char *col)
{
    const char *p = sql;
    token t;
    int depth = 0, item_start = 0, in_col = 0, after_as = 0;
    while ((t = next_token(&p)).kind) {
        if (t.kind == '(') {
            if (++depth == 1) item_start = 1;
            if (depth == 2 && in_col && after_as) return balanced(&p);
            continue;
        }
        if (t.kind == ')') {
            depth--;
            continue;
        }
        if (depth != 1) continue;
        if (t.kind == ',') {
            item_start = 1;
            in_col = after_as = 0;
        } else if (item_start) {
            item_start = 0;
            char *name = t.kind == 'w' ? token_ident(&t) : NULL;
            in_col = name && strcasecmp(name, col) == 0;
            free(name);
        } else if (in_col) {
            after_as = is_word(&t, "AS");
        }
    }
    return NULL;
}

static const char *find_name(const named_list *l, char kind, const orm_strv *cols)
{
    for (int i = 0; i < l->n; i++)
        if (l->v[i].kind == kind && orm_strv_equal(&l->v[i].cols, cols)) return l->v[i].name;
    return NULL;
}

/* ---- the pragmas -------------------------------------------------------- */

#define OOM(c) orm_error_oom(&(c)->err)

static int sq_table_names(orm_conn *c, orm_strv *out)
{
    return orm_sqlq_collect(c,
                            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT "
                            "LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY rowid",
                            NULL, out);
}

static int sq_view_names(orm_conn *c, orm_strv *out)
{
    return orm_sqlq_collect(c, "SELECT name FROM sqlite_master WHERE type = 'view' ORDER BY name",
                            NULL, out);
}

/* Columns, then the primary key in key order. table_xinfo, unlike
 * table_info, lists generated columns too (hidden 2: VIRTUAL, 3: STORED;
 * 1 is a virtual table's hidden column); their expression is only in the
 * table's text (sql). */
static int read_columns(orm_conn *c, orm_dbtable *t, const char *sql)
{
    orm_sqlq q;
    int rc = orm_sqlq_open1(&q, c,
                            "SELECT name, type, \"notnull\", dflt_value, pk, hidden FROM "
                            "pragma_table_xinfo(?) WHERE hidden <> 1 ORDER BY cid",
                            t->name);
    while (rc >= 0 && (rc = orm_sqlq_step(&q)) == ORM_ROW) {
        int oom = 0;
        orm_dbcolumn col = {0};
        col.name = orm_sqlq_text(&q, 0, &oom);
        col.type_sql = orm_sqlq_text(&q, 1, &oom);
        col.nullable = orm_sqlq_int(&q, 2) == 0 && orm_sqlq_int(&q, 4) == 0;
        col.server_default = orm_sqlq_text(&q, 3, &oom);
        if (orm_sqlq_int(&q, 5) != 0 && col.name) /* not found: read as a plain column */
            col.computed = generated_expr(sql, col.name);
        col.type_known = orm_reflect_parse_type(col.type_sql, &col.type);
        if (col.type_sql && !*col.type_sql) { /* no declared type at all */
            free(col.type_sql);
            col.type_sql = NULL;
        }
        if (!oom && col.name && orm_dbtable_add_column(t, &col) < 0) oom = 1;
        orm_dbcolumn_clear(&col);
        if (oom) rc = OOM(c);
    }
    orm_sqlq_close(&q);
    if (rc < 0) return rc;
    rc = orm_sqlq_open1(&q, c, "SELECT name FROM pragma_table_info(?) WHERE pk > 0 ORDER BY pk",
                        t->name);
    while (rc >= 0 && (rc = orm_sqlq_step(&q)) == ORM_ROW) {
        int oom = 0;
        char *name = orm_sqlq_text(&q, 0, &oom);
        if (name && orm_strv_push(&t->pk, name) < 0) oom = 1;
        free(name);
        if (oom) rc = OOM(c);
    }
    orm_sqlq_close(&q);
    if (rc < 0) return rc;
    /* a lone INTEGER primary key is the rowid alias: the generated key */
    if (t->pk.n == 1) {
        int i = orm_dbtable_find_column(t, t->pk.v[0]);
        if (i >= 0 && t->cols[i].type_sql && strcasecmp(t->cols[i].type_sql, "INTEGER") == 0)
            t->cols[i].autoincrement = 1;
    }
    return ORM_OK;
}

/* The columns of index `name`; an expression column leaves the list empty. */
static int index_columns(orm_conn *c, const char *name, orm_strv *cols)
{
    orm_sqlq q;
    int rc = orm_sqlq_open1(&q, c, "SELECT name FROM pragma_index_info(?) ORDER BY seqno", name);
    int expr = 0;
    while (rc >= 0 && (rc = orm_sqlq_step(&q)) == ORM_ROW) {
        int oom = 0;
        char *col = orm_sqlq_text(&q, 0, &oom);
        if (!col && !oom) expr = 1;
        if (col && orm_strv_push(cols, col) < 0) oom = 1;
        free(col);
        if (oom) rc = OOM(c);
    }
    orm_sqlq_close(&q);
    if (expr) orm_strv_free(cols);
    return rc < 0 ? rc : ORM_OK;
}

/* The CREATE INDEX text of index name (NULL for automatic indexes). */
static int index_sql(orm_conn *c, const char *name, char **out)
{
    orm_sqlq q;
    *out = NULL;
    int rc = orm_sqlq_open1(
        &q, c, "SELECT sql FROM sqlite_master WHERE type = 'index' AND name = ?", name);
    if (rc >= 0 && (rc = orm_sqlq_step(&q)) == ORM_ROW) {
        int oom = 0;
        *out = orm_sqlq_text(&q, 0, &oom);
        if (oom) rc = OOM(c);
    }
    orm_sqlq_close(&q);
    return rc < 0 ? rc : ORM_OK;
}

/* One entry of pragma_index_list: a UNIQUE constraint ('u') or an index ('c'). */
static int add_index_entry(orm_conn *c, orm_dbtable *t, const named_list *names, const char *name,
                           int unique, const char *origin)
{
    orm_strv cols = ORM_STRV_INIT;
    int rc = index_columns(c, name, &cols);
    if (rc == ORM_OK && strcmp(origin, "u") == 0) {
        orm_dbunique u = {.name = (char *)find_name(names, 'u', &cols), .cols = cols};
        if (cols.n && orm_dbtable_add_unique(t, &u) < 0) rc = OOM(c);
    } else if (rc == ORM_OK && strcmp(origin, "c") == 0) {
        orm_dbindex x = {.name = (char *)name, .cols = cols, .unique = unique};
        rc = index_sql(c, name, &x.sql);
        if (rc == ORM_OK && orm_dbtable_add_index(t, &x) < 0) rc = OOM(c);
        free(x.sql);
    }
    orm_strv_free(&cols);
    return rc;
}

static int read_indexes(orm_conn *c, orm_dbtable *t, const named_list *names)
{
    orm_sqlq q;
    /* seq descends with creation order: newest first, so reverse it */
    int rc = orm_sqlq_open1(&q, c,
                            "SELECT name, \"unique\", origin FROM pragma_index_list(?) ORDER BY "
                            "seq DESC",
                            t->name);
    while (rc >= 0 && (rc = orm_sqlq_step(&q)) == ORM_ROW) {
        int oom = 0;
        char *name = orm_sqlq_text(&q, 0, &oom), *origin = orm_sqlq_text(&q, 2, &oom);
        int unique = orm_sqlq_int(&q, 1) != 0;
        if (oom)
            rc = OOM(c);
        else if (name && origin)
            rc = add_index_entry(c, t, names, name, unique, origin);
        free(name);
        free(origin);
    }
    orm_sqlq_close(&q);
    return rc < 0 ? rc : ORM_OK;
}

/* A referenced table's primary key, for "REFERENCES p" without columns. */
static int pk_of(orm_conn *c, const char *table, orm_strv *out)
{
    return orm_sqlq_collect(c, "SELECT name FROM pragma_table_info(?) WHERE pk > 0 ORDER BY pk",
                            table, out);
}

/* "NO ACTION" is what no clause means: kept as NULL. */
static char *action(orm_sqlq *q, int i, int *oom)
{
    char *a = orm_sqlq_text(q, i, oom);
    if (a && strcasecmp(a, "NO ACTION") == 0) {
        free(a);
        a = NULL;
    }
    return a;
}

/* Appends the foreign key being gathered in f (if any) and clears it. */
static int flush_fkey(orm_conn *c, orm_dbtable *t, orm_dbfkey *f, const named_list *names)
{
    int rc = ORM_OK;
    if (f->reftable) {
        if (f->refcols.n == 0) rc = pk_of(c, f->reftable, &f->refcols);
        f->name = NULL;
        const char *name = find_name(names, 'f', &f->cols);
        if (name && !(f->name = strdup(name))) rc = OOM(c);
        if (rc == ORM_OK && orm_dbtable_add_fkey(t, f) < 0) rc = OOM(c);
    }
    orm_dbfkey_clear(f);
    return rc;
}

static int read_fkeys(orm_conn *c, orm_dbtable *t, const named_list *names)
{
    orm_sqlq q;
    orm_dbfkey f = {0};
    int64_t cur = -1;
    /* ids count down from the last constraint declared: reverse them */
    int rc = orm_sqlq_open1(&q, c,
                            "SELECT id, \"table\", \"from\", \"to\", on_update, on_delete FROM "
                            "pragma_foreign_key_list(?) ORDER BY id DESC, seq",
                            t->name);
    while (rc >= 0 && (rc = orm_sqlq_step(&q)) == ORM_ROW) {
        int oom = 0;
        int64_t id = orm_sqlq_int(&q, 0);
        if (id != cur) {
            if ((rc = flush_fkey(c, t, &f, names)) < 0) break;
            cur = id;
            f.reftable = orm_sqlq_text(&q, 1, &oom);
            f.onupdate = action(&q, 4, &oom);
            f.ondelete = action(&q, 5, &oom);
        }
        char *from = orm_sqlq_text(&q, 2, &oom), *to = orm_sqlq_text(&q, 3, &oom);
        if (from && orm_strv_push(&f.cols, from) < 0) oom = 1;
        if (to && orm_strv_push(&f.refcols, to) < 0) oom = 1;
        free(from);
        free(to);
        if (oom) rc = OOM(c);
    }
    orm_sqlq_close(&q);
    if (rc >= 0) rc = flush_fkey(c, t, &f, names);
    orm_dbfkey_clear(&f);
    return rc < 0 ? rc : ORM_OK;
}

static int table_sql(orm_conn *c, const char *name, char **out)
{
    orm_sqlq q;
    *out = NULL;
    int rc = orm_sqlq_open1(
        &q, c, "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", name);
    if (rc >= 0 && (rc = orm_sqlq_step(&q)) == ORM_ROW) {
        int oom = 0;
        *out = orm_sqlq_text(&q, 0, &oom);
        if (oom || !*out) {
            free(*out);
            *out = NULL;
            rc = oom ? OOM(c) : ORM_DONE;
        }
    }
    orm_sqlq_close(&q);
    return rc < 0 ? rc : rc == ORM_ROW ? ORM_OK : ORM_DONE;
}

static int sq_table(orm_conn *c, const char *name, orm_dbtable **out)
{
    *out = NULL;
    char *sql = NULL;
    int rc = table_sql(c, name, &sql);
    if (rc != ORM_OK) return rc < 0 ? rc : ORM_OK; /* no such table */
    named_list names;
    orm_dbtable *t = orm_dbtable_new(name);
    rc = t ? parse_named_constraints(sql, &names) : ORM_ENOMEM;
    if (rc < 0) {
        free(sql);
        orm_dbtable_free(t);
        return OOM(c);
    }
    rc = read_columns(c, t, sql);
    free(sql);
    if (rc == ORM_OK) rc = read_indexes(c, t, &names);
    if (rc == ORM_OK) rc = read_fkeys(c, t, &names);
    named_free(&names);
    if (rc < 0) {
        orm_dbtable_free(t);
        return rc;
    }
    *out = t;
    return ORM_OK;
}

/* The table's DDL as SQLite keeps it (sqlite_master.sql, as its author
 * wrote it), then its indexes' and triggers', each ending in ";", as the
 * sqlite3 shell's .schema shows them. */
static int sq_stored_ddl(orm_conn *c, const char *name, char **out)
{
    orm_sqlq q;
    *out = NULL;
    int rc = orm_sqlq_open1(
        &q, c,
        "SELECT type, sql FROM sqlite_master WHERE tbl_name = ? COLLATE NOCASE AND sql IS NOT "
        "NULL AND type IN ('table', 'index', 'trigger') ORDER BY type <> "
        "'table', type = 'trigger', rowid",
        name);
    orm_buf b = ORM_BUF_INIT;
    int oom = 0, n = 0, table = 0;
    while (rc >= 0 && (rc = orm_sqlq_step(&q)) == ORM_ROW) {
        char *type = orm_sqlq_text(&q, 0, &oom), *sql = orm_sqlq_text(&q, 1, &oom);
        if (n++ == 0) table = type && strcmp(type, "table") == 0; /* else a view's trigger */
        if (table && sql) {
            if (n > 1) orm_buf_putc(&b, '\n');
            orm_buf_puts(&b, sql);
            orm_buf_putc(&b, ';');
        }
        free(type);
        free(sql);
    }
    orm_sqlq_close(&q);
    if (rc < 0 || oom || b.oom) {
        orm_buf_free(&b);
        return rc < 0 ? rc : OOM(c);
    }
    if (table) *out = orm_buf_detach(&b);
    orm_buf_free(&b);
    return *out || !table ? ORM_OK : OOM(c);
}

const orm_reflect_ops orm_reflect_sqlite = {
    .table_names = sq_table_names,
    .table = sq_table,
    .view_names = sq_view_names,
    .stored_ddl = sq_stored_ddl,
};
