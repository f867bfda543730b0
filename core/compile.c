/* compile.c — expression trees and SELECT statements to SQL text for one
 * dialect, spelled the way SQLAlchemy spells them. Every value becomes a
 * placeholder whose value is collected in order; identifiers go through
 * orm_dialect_quote. Parentheses follow SQLAlchemy's operator precedence
 * (a child is grouped when its operator binds no tighter than its parent's,
 * unless both are the same associative operator). The unit-of-work
 * statements and db.text live in compile_stmt.c. */
#include "compile.h"

#include <stdlib.h>
#include <string.h>

/* ---- orm_compiled ------------------------------------------------------ */

void orm_compiled_init(orm_compiled *c)
{
    memset(c, 0, sizeof *c);
    orm_buf_init(&c->sql);
}

static void free_owned(orm_compiled *c)
{
    for (size_t i = 0; i < c->nowned; i++) {
        orm_value_clear(c->owned[i]);
        free(c->owned[i]);
    }
    c->nowned = 0;
}

void orm_compiled_reset(orm_compiled *c)
{
    orm_buf_reset(&c->sql);
    free_owned(c);
    c->nparams = 0;
}

void orm_compiled_free(orm_compiled *c)
{
    if (!c) return;
    free_owned(c);
    free(c->owned);
    free(c->params);
    orm_buf_free(&c->sql);
    orm_compiled_init(c);
}

/* ---- compiler state ----------------------------------------------------- */

enum { PREC_NONE = -100, PREC_TEXT = 0, PREC_ATOM = 100 };

typedef struct {
    const orm_dialect *d;
    orm_compiled *out;
    orm_error *err;
    /* In ORDER BY, GROUP BY and HAVING: the select whose result columns'
     * labels are written by name there. NULL elsewhere. */
    const orm_select *label_names;
} cctx;

/* The operator a child is compiled against (what decides its parentheses). */
typedef struct {
    int prec;
    orm_op op;
} against;

static const against TOP = {PREC_NONE, ORM_OP_NONE};

static int oom(cctx *c)
{
    return c->err ? orm_error_oom(c->err) : ORM_ENOMEM;
}

static int malformed(cctx *c, const char *what)
{
    if (!c->err) return ORM_EFAIL;
    return orm_error_set(c->err, ORM_ERR_PROGRAMMING, 0, "cannot compile %s", what);
}

static orm_buf *sql(cctx *c)
{
    return &c->out->sql;
}

static void put(cctx *c, const char *s)
{
    orm_buf_puts(&c->out->sql, s);
}

/* Records v as the next parameter and writes its placeholder. */
static int bind(cctx *c, const orm_value *v)
{
    orm_compiled *o = c->out;
    if (o->nparams == o->cap) {
        size_t cap = o->cap ? o->cap * 2 : 8;
        const orm_value **p = realloc(o->params, cap * sizeof *p);
        if (!p) return oom(c);
        o->params = p;
        o->cap = cap;
    }
    o->params[o->nparams++] = v;
    orm_dialect_placeholder(c->d, &o->sql, (int)o->nparams);
    return ORM_OK;
}

/* Binds an integer the compiler made (LIMIT/OFFSET), owned by out. */
static int bind_owned_int(cctx *c, int64_t i)
{
    orm_compiled *o = c->out;
    if (o->nowned == o->owned_cap) {
        size_t cap = o->owned_cap ? o->owned_cap * 2 : 4;
        orm_value **p = realloc(o->owned, cap * sizeof *p);
        if (!p) return oom(c);
        o->owned = p;
        o->owned_cap = cap;
    }
    orm_value *v = malloc(sizeof *v);
    if (!v) return oom(c);
    orm_value_int(v, i);
    o->owned[o->nowned++] = v;
    return bind(c, v);
}

/* ---- precedence --------------------------------------------------------- */

static int op_prec(orm_op op)
{
    switch (op) {
    case ORM_OP_MUL:
    case ORM_OP_DIV:
    case ORM_OP_MOD:
    case ORM_OP_NEG:
        return 8;
    case ORM_OP_ADD:
    case ORM_OP_SUB:
        return 7;
    case ORM_OP_CONCAT:
    case ORM_OP_EQ:
    case ORM_OP_NE:
    case ORM_OP_LT:
    case ORM_OP_LE:
    case ORM_OP_GT:
    case ORM_OP_GE:
    case ORM_OP_IS:
    case ORM_OP_ISNOT:
    case ORM_OP_NOT:
    case ORM_OP_LIKE:
    case ORM_OP_ILIKE:
    case ORM_OP_IN:
    case ORM_OP_NOTIN:
        return 5;
    case ORM_OP_AND:
        return 3;
    case ORM_OP_OR:
        return 2;
    default:
        return PREC_ATOM;
    }
}

static int associative(orm_op op)
{
    return op == ORM_OP_ADD || op == ORM_OP_MUL || op == ORM_OP_CONCAT || op == ORM_OP_AND ||
           op == ORM_OP_OR;
}

/* How tightly e binds. Raw text is grouped inside any operator: SQLAlchemy
 * leaves it bare, but text("a OR b") AND c must not change meaning. */
static int node_prec(const orm_expr *e)
{
    switch (e->kind) {
    case ORM_X_BINARY:
    case ORM_X_UNARY:
        return op_prec(e->op);
    case ORM_X_BOOL:
        return e->nargs == 0 ? 5 : op_prec(e->op);
    case ORM_X_IN:
    case ORM_X_BETWEEN:
    case ORM_X_LIKE:
        return 5;
    case ORM_X_ORDER:
        return 3;
    case ORM_X_TEXT:
        return PREC_TEXT;
    default:
        return PREC_ATOM;
    }
}

/* ---- expressions -------------------------------------------------------- */

static int compile_node(cctx *c, const orm_expr *e, against a);

static int is_null(const orm_expr *e)
{
    return e->kind == ORM_X_NULL || (e->kind == ORM_X_BIND && e->value.type == ORM_V_NULL);
}

static int compile_column(cctx *c, const orm_expr *e)
{
    if (!e->table || e->col < 0 || e->col >= e->table->ncols) return malformed(c, "a column");
    orm_dialect_quote(c->d, sql(c), e->table->name);
    orm_buf_putc(sql(c), '.');
    orm_dialect_quote(c->d, sql(c), e->table->cols[e->col].name);
    return ORM_OK;
}

static const char *binary_op(orm_op op)
{
    switch (op) {
    case ORM_OP_EQ:
        return " = ";
    case ORM_OP_NE:
        return " != ";
    case ORM_OP_LT:
        return " < ";
    case ORM_OP_LE:
        return " <= ";
    case ORM_OP_GT:
        return " > ";
    case ORM_OP_GE:
        return " >= ";
    case ORM_OP_IS:
        return " IS ";
    case ORM_OP_ISNOT:
        return " IS NOT ";
    case ORM_OP_ADD:
        return " + ";
    case ORM_OP_SUB:
        return " - ";
    case ORM_OP_MUL:
        return " * ";
    case ORM_OP_DIV:
        return " / ";
    case ORM_OP_MOD:
        return " % ";
    case ORM_OP_CONCAT:
        return " || ";
    default:
        return NULL;
    }
}

/* Comparing with NULL (db.null or a NULL value) is written IS [NOT] NULL, as
 * SQLAlchemy does for == None: "a = NULL" is never true. */
static int compile_binary(cctx *c, const orm_expr *e)
{
    const char *op = binary_op(e->op);
    if (e->nargs != 2 || !op) return malformed(c, "a binary expression");
    const orm_expr *r = e->args[1];
    int null_cmp = is_null(r) && (e->op == ORM_OP_EQ || e->op == ORM_OP_NE || e->op == ORM_OP_IS ||
                                  e->op == ORM_OP_ISNOT);
    if (null_cmp) op = e->op == ORM_OP_EQ || e->op == ORM_OP_IS ? " IS " : " IS NOT ";
    against a = {op_prec(e->op), e->op};
    int rc = compile_node(c, e->args[0], a);
    if (rc) return rc;
    put(c, op);
    if (null_cmp) {
        put(c, "NULL");
        return ORM_OK;
    }
    return compile_node(c, r, a);
}

static int compile_unary(cctx *c, const orm_expr *e)
{
    if (e->nargs != 1 || (e->op != ORM_OP_NOT && e->op != ORM_OP_NEG))
        return malformed(c, "a unary expression");
    put(c, e->op == ORM_OP_NOT ? "NOT " : "-");
    return compile_node(c, e->args[0], (against){op_prec(e->op), e->op});
}

static int compile_list(cctx *c, orm_expr *const *v, int n, const char *sep, against a)
{
    for (int i = 0; i < n; i++) {
        if (i) put(c, sep);
        int rc = compile_node(c, v[i], a);
        if (rc) return rc;
    }
    return ORM_OK;
}

static int compile_bool(cctx *c, const orm_expr *e)
{
    if (e->op != ORM_OP_AND && e->op != ORM_OP_OR) return malformed(c, "a boolean expression");
    if (e->nargs == 0) { /* and_() is true, or_() is false */
        put(c, e->op == ORM_OP_AND ? "1 = 1" : "1 != 1");
        return ORM_OK;
    }
    return compile_list(c, e->args, e->nargs, e->op == ORM_OP_AND ? " AND " : " OR ",
                        (against){op_prec(e->op), e->op});
}

static int valid_func_name(const char *s)
{
    if (!s || !((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || *s == '_')) return 0;
    for (s++; *s; s++)
        if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
              *s == '_'))
            return 0;
    return 1;
}

static int compile_func(cctx *c, const orm_expr *e)
{
    if (!valid_func_name(e->name)) {
        if (!c->err) return ORM_EFAIL;
        return orm_error_set(c->err, ORM_ERR_PROGRAMMING, 0, "invalid SQL function name '%s'",
                             e->name ? e->name : "");
    }
    put(c, e->name);
    put(c, "(");
    int rc = compile_list(c, e->args, e->nargs, ", ", TOP);
    put(c, ")");
    return rc;
}

/* An empty list is never matched (IN) / always passes (NOT IN). */
static int compile_in(cctx *c, const orm_expr *e)
{
    if (e->nargs < 1 || (e->op != ORM_OP_IN && e->op != ORM_OP_NOTIN))
        return malformed(c, "an IN expression");
    if (e->nargs == 1) {
        put(c, e->op == ORM_OP_IN ? "1 != 1" : "1 = 1");
        return ORM_OK;
    }
    int rc = compile_node(c, e->args[0], (against){5, e->op});
    if (rc) return rc;
    put(c, e->op == ORM_OP_IN ? " IN (" : " NOT IN (");
    rc = compile_list(c, e->args + 1, e->nargs - 1, ", ", TOP);
    put(c, ")");
    return rc;
}

static int compile_between(cctx *c, const orm_expr *e)
{
    if (e->nargs != 3) return malformed(c, "a BETWEEN expression");
    int rc = compile_node(c, e->args[0], (against){5, ORM_OP_NONE});
    if (rc) return rc;
    put(c, " BETWEEN ");
    return compile_list(c, e->args + 1, 2, " AND ", (against){3, ORM_OP_AND});
}

/* Without native ILIKE: lower(a) LIKE lower(?), as SQLAlchemy does. */
static int compile_like(cctx *c, const orm_expr *e)
{
    if (e->nargs != 2 || (e->op != ORM_OP_LIKE && e->op != ORM_OP_ILIKE))
        return malformed(c, "a LIKE expression");
    int lower = e->op == ORM_OP_ILIKE && !c->d->supports_ilike;
    against a = lower ? TOP : (against){5, e->op};
    int rc;
    if (lower) put(c, "lower(");
    if ((rc = compile_node(c, e->args[0], a))) return rc;
    put(c, lower ? ") LIKE lower(" : e->op == ORM_OP_ILIKE ? " ILIKE " : " LIKE ");
    if ((rc = compile_node(c, e->args[1], a))) return rc;
    if (lower) put(c, ")");
    if (e->escape) {
        char esc[2] = {e->escape, '\0'};
        put(c, " ESCAPE ");
        orm_dialect_string_literal(c->d, sql(c), esc);
    }
    return ORM_OK;
}

static int compile_body(cctx *c, const orm_expr *e)
{
    switch (e->kind) {
    case ORM_X_COLUMN:
        return compile_column(c, e);
    case ORM_X_BIND:
        return bind(c, &e->value);
    case ORM_X_NULL:
        put(c, "NULL");
        return ORM_OK;
    case ORM_X_BINARY:
        return compile_binary(c, e);
    case ORM_X_UNARY:
        return compile_unary(c, e);
    case ORM_X_BOOL:
        return compile_bool(c, e);
    case ORM_X_FUNC:
        return compile_func(c, e);
    case ORM_X_IN:
        return compile_in(c, e);
    case ORM_X_BETWEEN:
        return compile_between(c, e);
    case ORM_X_LIKE:
        return compile_like(c, e);
    case ORM_X_LABEL:
        if (!e->name) return malformed(c, "a label");
        orm_dialect_quote(c->d, sql(c), e->name);
        return ORM_OK;
    case ORM_X_ORDER: {
        if (e->nargs != 1) return malformed(c, "an ORDER BY item");
        int rc = compile_node(c, e->args[0], (against){3, ORM_OP_NONE});
        put(c, e->desc ? " DESC" : " ASC");
        return rc;
    }
    case ORM_X_TEXT:
        if (!e->name) return malformed(c, "a text clause");
        put(c, e->name);
        return ORM_OK;
    case ORM_X_STAR:
        put(c, "*");
        return ORM_OK;
    }
    return malformed(c, "an expression of unknown kind");
}

/* 1 when s has a result column labelled like e: only then can ORDER BY,
 * GROUP BY and HAVING refer to it by name (else it is written as its
 * element, as SQLAlchemy does). */
static int selected_label(const orm_select *s, const orm_expr *e)
{
    if (!s || !e->name) return 0;
    for (int i = 0; i < s->ncolumns; i++) {
        const orm_expr *col = s->columns[i];
        if (col && col->kind == ORM_X_LABEL && col->name && strcmp(col->name, e->name) == 0)
            return 1;
    }
    return 0;
}

static int compile_node(cctx *c, const orm_expr *e, against a)
{
    if (!e) return malformed(c, "a missing expression");
    /* Transparent wrappers: a one-item and_/or_, and a label outside the
     * select list / ORDER BY / GROUP BY / HAVING (written as its element). */
    if ((e->kind == ORM_X_BOOL && e->nargs == 1) ||
        (e->kind == ORM_X_LABEL && !selected_label(c->label_names, e))) {
        if (e->nargs != 1) return malformed(c, "a label");
        return compile_node(c, e->args[0], a);
    }
    int p = node_prec(e);
    int paren = p <= a.prec && !(e->op == a.op && associative(a.op) &&
                                 (e->kind == ORM_X_BINARY || e->kind == ORM_X_BOOL));
    if (paren) put(c, "(");
    int rc = compile_body(c, e);
    if (paren) put(c, ")");
    return rc;
}

static int finish(cctx *c, int rc)
{
    if (rc == ORM_OK && c->out->sql.oom) return oom(c);
    return rc;
}

int orm_compile_expr(const orm_dialect *d, const orm_expr *e, orm_compiled *out, orm_error *err)
{
    cctx c = {d, out, err, NULL};
    return finish(&c, compile_node(&c, e, TOP));
}

/* ---- SELECT ------------------------------------------------------------- */

typedef struct {
    const orm_table **v;
    int n, cap;
} table_list;

static int tables_has(const table_list *l, const orm_table *t)
{
    for (int i = 0; i < l->n; i++)
        if (l->v[i] == t) return 1;
    return 0;
}

static int tables_add(table_list *l, const orm_table *t)
{
    if (tables_has(l, t)) return ORM_OK;
    if (l->n == l->cap) {
        int cap = l->cap ? l->cap * 2 : 4;
        const orm_table **v = realloc(l->v, (size_t)cap * sizeof *v);
        if (!v) return ORM_ENOMEM;
        l->v = v;
        l->cap = cap;
    }
    l->v[l->n++] = t;
    return ORM_OK;
}

/* The tables e's columns belong to, in order of appearance. */
static int collect_tables(table_list *l, const orm_expr *e)
{
    if (!e) return ORM_OK;
    if (e->kind == ORM_X_COLUMN && e->table) return tables_add(l, e->table);
    for (int i = 0; i < e->nargs; i++) {
        int rc = collect_tables(l, e->args[i]);
        if (rc) return rc;
    }
    return ORM_OK;
}

static int joined(const orm_select *s, const orm_table *t)
{
    for (int i = 0; i < s->njoins; i++)
        if (s->joins[i].table == t) return 1;
    return 0;
}

/* FROM: s->from (if set), then the tables of the result columns not joined;
 * the JOINs hang off the first of them. */
static int compile_from(cctx *c, const orm_select *s)
{
    table_list all = {0}, froms = {0};
    int rc = s->from ? tables_add(&all, s->from) : ORM_OK;
    for (int i = 0; rc == ORM_OK && i < s->ncolumns; i++)
        rc = collect_tables(&all, s->columns[i]);
    for (int i = 0; rc == ORM_OK && i < all.n; i++)
        if (all.v[i] == s->from || !joined(s, all.v[i])) rc = tables_add(&froms, all.v[i]);
    free(all.v);
    if (rc) {
        free(froms.v);
        return oom(c);
    }
    if (froms.n == 0 && s->njoins > 0) rc = malformed(c, "a JOIN with no table to join from");
    if (froms.n > 0) put(c, " FROM ");
    for (int i = 0; rc == ORM_OK && i < froms.n; i++) {
        if (i) put(c, ", ");
        orm_dialect_quote(c->d, sql(c), froms.v[i]->name);
        for (int j = 0; i == 0 && rc == ORM_OK && j < s->njoins; j++) {
            const orm_join *jn = &s->joins[j];
            put(c, jn->outer ? " LEFT OUTER JOIN " : " JOIN ");
            orm_dialect_quote(c->d, sql(c), jn->table ? jn->table->name : "");
            if (jn->on) {
                put(c, " ON ");
                rc = compile_node(c, jn->on, TOP);
            }
        }
    }
    free(froms.v);
    return rc;
}

/* A result column: a label is written "expr AS name". */
static int compile_result_column(cctx *c, const orm_expr *e)
{
    if (!e || e->kind != ORM_X_LABEL) return compile_node(c, e, TOP);
    if (e->nargs != 1 || !e->name) return malformed(c, "a label");
    int rc = compile_node(c, e->args[0], (against){-1, ORM_OP_NONE});
    put(c, " AS ");
    orm_dialect_quote(c->d, sql(c), e->name);
    return rc;
}

/* SQLite wants a LIMIT before any OFFSET: -1 means none. */
static int compile_limit(cctx *c, const orm_select *s)
{
    int rc = ORM_OK;
    if (s->limit >= 0) {
        put(c, " LIMIT ");
        rc = bind_owned_int(c, s->limit);
    } else if (s->offset >= 0) {
        put(c, " LIMIT -1");
    }
    if (rc == ORM_OK && s->offset >= 0) {
        put(c, " OFFSET ");
        rc = bind_owned_int(c, s->offset);
    }
    return rc;
}

static int compile_select(cctx *c, const orm_select *s)
{
    if (s->ncolumns == 0) return malformed(c, "a SELECT with no columns");
    put(c, s->distinct ? "SELECT DISTINCT " : "SELECT ");
    int rc = ORM_OK;
    for (int i = 0; rc == ORM_OK && i < s->ncolumns; i++) {
        if (i) put(c, ", ");
        rc = compile_result_column(c, s->columns[i]);
    }
    if (rc || (rc = compile_from(c, s))) return rc;
    if (s->where) {
        put(c, " WHERE ");
        if ((rc = compile_node(c, s->where, TOP))) return rc;
    }
    c->label_names = s;
    if (s->ngroup) {
        put(c, " GROUP BY ");
        if ((rc = compile_list(c, s->group_by, s->ngroup, ", ", TOP))) return rc;
    }
    if (s->having) {
        put(c, " HAVING ");
        if ((rc = compile_node(c, s->having, TOP))) return rc;
    }
    if (s->norder) {
        put(c, " ORDER BY ");
        if ((rc = compile_list(c, s->order_by, s->norder, ", ", TOP))) return rc;
    }
    c->label_names = NULL;
    return compile_limit(c, s);
}

int orm_compile_select(const orm_dialect *d, const orm_select *s, orm_compiled *out, orm_error *err)
{
    cctx c = {d, out, err, NULL};
    return finish(&c, compile_select(&c, s));
}

int orm_compile_count(const orm_dialect *d, const orm_select *s, orm_compiled *out, orm_error *err)
{
    cctx c = {d, out, err, NULL};
    put(&c, "SELECT count(*) AS count_1 FROM (");
    int rc = compile_select(&c, s);
    put(&c, ") AS anon_1");
    return finish(&c, rc);
}
