/* compile.c — expression trees to SQL text for one dialect, spelled the way
 * SQLAlchemy spells them. Every value becomes a placeholder whose value is
 * collected in order; identifiers go through orm_dialect_quote. Parentheses
 * follow SQLAlchemy's operator precedence (a child is grouped when its
 * operator binds no tighter than its parent's, unless both are the same
 * associative operator). SELECT and FROM live in compile_select.c, bulk
 * UPDATE/DELETE in compile_dml.c, the unit-of-work statements and db.text in
 * compile_stmt.c. */
#include "compile_int.h"

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

typedef orm_cc cctx;
typedef orm_cc_against against;
#define TOP ORM_CC_TOP
#define PREC_NONE ORM_PREC_NONE
#define PREC_TEXT ORM_PREC_TEXT
#define PREC_ATOM ORM_PREC_ATOM

void orm_cc_init(orm_cc *c, const orm_dialect *d, orm_compiled *out, orm_error *err)
{
    memset(c, 0, sizeof *c);
    c->d = d;
    c->out = out;
    c->err = err;
}

int orm_cc_oom(cctx *c)
{
    return c->err ? orm_error_oom(c->err) : ORM_ENOMEM;
}

int orm_cc_too_large(cctx *c)
{
    if (!c->err) return ORM_EFAIL;
    return orm_error_set(c->err, ORM_ERR_ARGUMENT, 0,
                         "expression of more than %d nodes (an expression that uses itself, as "
                         "e = e + e, doubles each time)",
                         (int)ORM_EXPR_MAX_NODES);
}

int orm_cc_malformed(cctx *c, const char *what)
{
    if (!c->err) return ORM_EFAIL;
    return orm_error_set(c->err, ORM_ERR_PROGRAMMING, 0, "cannot compile %s", what);
}

static int oom(cctx *c)
{
    return orm_cc_oom(c);
}

static int malformed(cctx *c, const char *what)
{
    return orm_cc_malformed(c, what);
}

static orm_buf *sql(cctx *c)
{
    return &c->out->sql;
}

void orm_cc_put(cctx *c, const char *s)
{
    orm_buf_puts(&c->out->sql, s);
}

static void put(cctx *c, const char *s)
{
    orm_buf_puts(&c->out->sql, s);
}

int orm_cc_finish(cctx *c, int rc)
{
    for (int i = 0; i < c->nnames; i++)
        free(c->names[i].name);
    free(c->names);
    c->names = NULL;
    c->nnames = c->capnames = 0;
    if (rc == ORM_OK && c->out->sql.oom) return oom(c);
    return rc;
}

/* Records v as the next parameter and writes its placeholder. */
int orm_cc_bind(cctx *c, const orm_value *v)
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
int orm_cc_bind_owned_int(cctx *c, int64_t i)
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
    return orm_cc_bind(c, v);
}

/* ---- precedence --------------------------------------------------------- */

static int op_prec(orm_op op)
{
    switch (op) {
    case ORM_OP_DISTINCT:
        return 9;
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
        return e->desc ? PREC_ATOM : PREC_TEXT; /* desc: a keyword (orm_expr_keyword) */
    default:
        return PREC_ATOM;
    }
}

/* ---- expressions -------------------------------------------------------- */

#define compile_node orm_cc_node
#define compile_list orm_cc_list

static int is_null(const orm_expr *e)
{
    return e->kind == ORM_X_NULL || (e->kind == ORM_X_BIND && e->value.type == ORM_V_NULL);
}

/* table.column, or alias.column for a column of an aliased table */
static int compile_column(cctx *c, const orm_expr *e)
{
    if (!e->table || e->col < 0 || e->col >= e->table->ncols) return malformed(c, "a column");
    const char *owner = e->from ? orm_cc_from_name(c, e->from) : e->table->name;
    if (!owner) return oom(c);
    orm_dialect_quote(c->d, sql(c), owner);
    orm_buf_putc(sql(c), '.');
    orm_dialect_quote(c->d, sql(c), e->table->cols[e->col].name);
    return ORM_OK;
}

/* anon_1.name: a column of a derived table */
static int compile_subcolumn(cctx *c, const orm_expr *e)
{
    if (!e->from || e->col < 0 || e->col >= e->from->nnames)
        return malformed(c, "a subquery column");
    const char *owner = orm_cc_from_name(c, e->from);
    if (!owner) return oom(c);
    orm_dialect_quote(c->d, sql(c), owner);
    orm_buf_putc(sql(c), '.');
    orm_dialect_quote(c->d, sql(c), e->from->names[e->col]);
    return ORM_OK;
}

/* CASE [value] WHEN a THEN b ... [ELSE e] END */
static int compile_case(cctx *c, const orm_expr *e)
{
    int first = (e->flags & ORM_CASE_VALUE) ? 1 : 0, has_else = (e->flags & ORM_CASE_ELSE) != 0;
    int pairs = e->nargs - first - has_else;
    if (pairs < 2 || pairs % 2) return malformed(c, "a CASE expression");
    int rc = ORM_OK;
    put(c, "CASE ");
    if (first) {
        rc = compile_node(c, e->args[0], TOP);
        put(c, " ");
    }
    for (int i = first; rc == ORM_OK && i < first + pairs; i += 2) {
        put(c, "WHEN ");
        if ((rc = compile_node(c, e->args[i], TOP))) break;
        put(c, " THEN ");
        rc = compile_node(c, e->args[i + 1], TOP);
        put(c, " ");
    }
    if (rc == ORM_OK && has_else) {
        put(c, "ELSE ");
        rc = compile_node(c, e->args[e->nargs - 1], TOP);
        put(c, " ");
    }
    put(c, "END");
    return rc;
}

static int compile_cast(cctx *c, const orm_expr *e)
{
    if (e->nargs != 1) return malformed(c, "a CAST expression");
    put(c, "CAST(");
    int rc = compile_node(c, e->args[0], TOP);
    put(c, " AS ");
    orm_dialect_type(c->d, sql(c), &e->type);
    put(c, ")");
    return rc;
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

/* An operand that yields integers: a bound Lua integer, or an expression of
 * an integer type. */
static int is_integer(const orm_expr *e)
{
    if (e->kind == ORM_X_BIND) return e->value.type == ORM_V_INT;
    const orm_type *t = orm_expr_type(e);
    return t && (t->kind == ORM_T_INTEGER || t->kind == ORM_T_BIGINT);
}

/* ---- dates as instants ---- */

static int is_date_column(const orm_expr *e)
{
    if (e->kind == ORM_X_LABEL && e->nargs == 1) e = e->args[0]; /* written as its element */
    if (e->kind != ORM_X_COLUMN || !e->table || e->col < 0 || e->col >= e->table->ncols) return 0;
    orm_type_kind k = e->table->cols[e->col].type.kind;
    return k == ORM_T_DATE || k == ORM_T_DATETIME;
}

/* 1 when a comparison of v[0..n) must go through the dialect's instant_fn:
 * the dialect keeps dates as text and one operand is a Date/DateTime column
 * (the column's type is part of the compile cache's shape: table, col). */
static int compares_instants(const cctx *c, orm_expr *const *v, int n)
{
    if (!c->d->instant_fn) return 0;
    for (int i = 0; i < n; i++)
        if (v[i] && is_date_column(v[i])) return 1;
    return 0;
}

/* instant_fn(e) (NULL stays NULL). Callers write
 * "wrap ? compile_wrapped(...) : compile_node(...)": the plain path adds no
 * stack frame, so deep trees recurse as deep as before. */
static int compile_wrapped(cctx *c, const orm_expr *e, against a)
{
    if (!e || is_null(e)) return orm_cc_node(c, e, a);
    put(c, c->d->instant_fn);
    put(c, "(");
    int rc = orm_cc_node(c, e, TOP);
    put(c, ")");
    return rc;
}

static int is_comparison(orm_op op)
{
    return op == ORM_OP_EQ || op == ORM_OP_NE || op == ORM_OP_LT || op == ORM_OP_LE ||
           op == ORM_OP_GT || op == ORM_OP_GE;
}

/* Comparing with NULL (db.null or a NULL value) is written IS [NOT] NULL, as
 * SQLAlchemy does for == None: "a = NULL" is never true. An integer divided
 * by an integer truncates on every backend (the dialect's int_div). */
static int compile_binary(cctx *c, const orm_expr *e)
{
    const char *op = binary_op(e->op);
    if (e->nargs != 2 || !op) return malformed(c, "a binary expression");
    if (e->op == ORM_OP_DIV && c->d->int_div && is_integer(e->args[0]) && is_integer(e->args[1]))
        op = c->d->int_div;
    const orm_expr *r = e->args[1];
    int null_cmp = is_null(r) && (e->op == ORM_OP_EQ || e->op == ORM_OP_NE || e->op == ORM_OP_IS ||
                                  e->op == ORM_OP_ISNOT);
    if (null_cmp) op = e->op == ORM_OP_EQ || e->op == ORM_OP_IS ? " IS " : " IS NOT ";
    against a = {op_prec(e->op), e->op};
    int wrap = !null_cmp && is_comparison(e->op) && compares_instants(c, e->args, 2);
    int rc = wrap ? compile_wrapped(c, e->args[0], a) : compile_node(c, e->args[0], a);
    if (rc) return rc;
    put(c, op);
    if (null_cmp) {
        put(c, "NULL");
        return ORM_OK;
    }
    return wrap ? compile_wrapped(c, r, a) : compile_node(c, r, a);
}

static int compile_unary(cctx *c, const orm_expr *e)
{
    if (e->nargs != 1 || (e->op != ORM_OP_NOT && e->op != ORM_OP_NEG && e->op != ORM_OP_DISTINCT))
        return malformed(c, "a unary expression");
    put(c, e->op == ORM_OP_NOT ? "NOT " : e->op == ORM_OP_NEG ? "-" : "DISTINCT ");
    return compile_node(c, e->args[0], (against){op_prec(e->op), e->op});
}

int orm_cc_list(cctx *c, orm_expr *const *v, int n, const char *sep, against a)
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
    const orm_expr *sub = e->args[1];
    int subselect =
        e->nargs == 2 && sub->kind == ORM_X_SELECT && sub->op == ORM_OP_NONE && sub->sel;
    int wrap = !subselect && compares_instants(c, e->args, e->nargs);
    against left = {5, e->op};
    int rc = wrap ? compile_wrapped(c, e->args[0], left) : compile_node(c, e->args[0], left);
    if (rc) return rc;
    put(c, e->op == ORM_OP_IN ? " IN (" : " NOT IN (");
    if (subselect) {
        rc = orm_cc_subselect(c, sub->sel, 0, 1); /* IN (SELECT ...): the rows, not a value */
    } else {
        for (int i = 1; i < e->nargs && !rc; i++) {
            if (i > 1) put(c, ", ");
            rc = wrap ? compile_wrapped(c, e->args[i], TOP) : compile_node(c, e->args[i], TOP);
        }
    }
    put(c, ")");
    return rc;
}

static int compile_between(cctx *c, const orm_expr *e)
{
    if (e->nargs != 3) return malformed(c, "a BETWEEN expression");
    int wrap = compares_instants(c, e->args, 3);
    against left = {5, ORM_OP_NONE}, bound = {3, ORM_OP_AND};
    int rc = wrap ? compile_wrapped(c, e->args[0], left) : compile_node(c, e->args[0], left);
    if (rc) return rc;
    put(c, " BETWEEN ");
    rc = wrap ? compile_wrapped(c, e->args[1], bound) : compile_node(c, e->args[1], bound);
    if (rc) return rc;
    put(c, " AND ");
    return wrap ? compile_wrapped(c, e->args[2], bound) : compile_node(c, e->args[2], bound);
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
    /* without an ESCAPE, '\\' is an ordinary character on every backend */
    const char *open = e->escape ? NULL : c->d->like_plain_open;
    const char *close = e->escape ? NULL : c->d->like_plain_close;
    if (open) put(c, open);
    if ((rc = compile_node(c, e->args[1], open ? TOP : a))) return rc;
    if (close) put(c, close);
    if (lower) put(c, ")");
    if (e->escape) {
        char esc[2] = {e->escape, '\0'};
        put(c, " ESCAPE ");
        orm_dialect_string_literal(c->d, sql(c), esc);
    }
    return ORM_OK;
}

/* sqlcache.c reuses the text compiled from a tree for any tree of the
 * same shape, which it writes from the fields read here and in
 * compile_select.c: a field newly read here must go into that shape too. */
static int compile_body(cctx *c, const orm_expr *e)
{
    switch (e->kind) {
    case ORM_X_COLUMN:
        return compile_column(c, e);
    case ORM_X_BIND:
        return orm_cc_bind(c, &e->value);
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
    case ORM_X_SUBCOL:
        return compile_subcolumn(c, e);
    case ORM_X_CASE:
        return compile_case(c, e);
    case ORM_X_CAST:
        return compile_cast(c, e);
    case ORM_X_SELECT:
        if (!e->sel) return malformed(c, "a subquery");
        return orm_cc_subselect(c, e->sel, e->op == ORM_OP_EXISTS, 0);
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

int orm_cc_node(cctx *c, const orm_expr *e, against a)
{
    if (!e) return malformed(c, "a missing expression");
    if (e->depth > ORM_EXPR_MAX_DEPTH) { /* each level is one more C call below */
        if (!c->err) return ORM_EFAIL;
        return orm_error_set(c->err, ORM_ERR_ARGUMENT, 0,
                             "expression nested %d levels deep (at most %d)", e->depth,
                             ORM_EXPR_MAX_DEPTH);
    }
    if (c->out->sql.len > ORM_SQL_MAX_BYTES) { /* shared subtrees written out again and again */
        if (!c->err) return ORM_EFAIL;
        return orm_error_set(c->err, ORM_ERR_ARGUMENT, 0,
                             "the statement's SQL is over %zu MiB (an expression that uses itself, "
                             "as e = e + e, doubles it each time)",
                             ORM_SQL_MAX_BYTES >> 20);
    }
    /* Transparent wrappers: a one-item and_/or_, and a label outside the
     * select list / ORDER BY / GROUP BY / HAVING (written as its element). */
    if ((e->kind == ORM_X_BOOL && e->nargs == 1) ||
        (e->kind == ORM_X_LABEL && e->nargs == 1 && !selected_label(c->label_names, e))) {
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

int orm_compile_expr(const orm_dialect *d, const orm_expr *e, orm_compiled *out, orm_error *err)
{
    cctx c;
    orm_cc_init(&c, d, out, err);
    return orm_cc_finish(&c, compile_node(&c, e, TOP));
}
