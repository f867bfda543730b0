/* expr.c — the SQL expression tree: reference-counted immutable nodes and
 * their constructors (each retains the children it is given; a NULL child,
 * i.e. a failed inner constructor, makes the outer one fail too, so callers
 * can nest calls and check once), and the orm_select helpers. */
#include "expr.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

orm_expr *orm_expr_retain(orm_expr *e)
{
    if (e) e->refs++;
    return e;
}

/* Iterative, so that freeing a tree of any depth uses constant C stack:
 * nodes whose count reached zero wait on a list (through next_dead) until
 * their children are released. */
void orm_expr_release(orm_expr *e)
{
    if (!e || --e->refs > 0) return;
    e->next_dead = NULL;
    while (e) {
        orm_expr *x = e;
        e = x->next_dead;
        for (int i = 0; i < x->nargs; i++) {
            orm_expr *c = x->args[i];
            if (c && --c->refs == 0) {
                c->next_dead = e;
                e = c;
            }
        }
        free(x->args);
        free(x->name);
        orm_from_release(x->from);
        orm_select_free(x->sel);
        orm_value_clear(&x->value);
        free(x);
    }
}

/* A node of kind k with room for n children, which it retains; NULL when out
 * of memory or when a child is NULL. */
static orm_expr *node(orm_expr_kind k, orm_op op, orm_expr *const *args, int n)
{
    if (n < 0) return NULL;
    for (int i = 0; i < n; i++)
        if (!args[i]) return NULL;
    orm_expr *e = calloc(1, sizeof *e);
    if (!e) return NULL;
    e->kind = k;
    e->op = op;
    e->refs = 1;
    e->value = ORM_VALUE_NULL;
    e->depth = 1;
    e->size = 1;
    for (int i = 0; i < n; i++) {
        if (args[i]->depth >= e->depth) e->depth = args[i]->depth + 1;
        e->size += args[i]->size; /* no overflow: each is at most MAX + 1 */
        if (e->size > ORM_EXPR_MAX_NODES) e->size = ORM_EXPR_MAX_NODES + 1;
    }
    if (n > 0) {
        e->args = malloc((size_t)n * sizeof *e->args);
        if (!e->args) {
            free(e);
            return NULL;
        }
        for (int i = 0; i < n; i++)
            e->args[i] = orm_expr_retain(args[i]);
        e->nargs = n;
    }
    return e;
}

static orm_expr *named(orm_expr_kind k, const char *name, orm_expr *const *args, int n)
{
    if (!name) return NULL;
    orm_expr *e = node(k, ORM_OP_NONE, args, n);
    if (e && !(e->name = strdup(name))) {
        orm_expr_release(e);
        return NULL;
    }
    return e;
}

orm_expr *orm_expr_column(const orm_table *t, int col)
{
    if (!t || col < 0 || col >= t->ncols) return NULL;
    orm_expr *e = node(ORM_X_COLUMN, ORM_OP_NONE, NULL, 0);
    if (e) {
        e->table = t;
        e->col = col;
    }
    return e;
}

orm_expr *orm_expr_bind(const orm_value *v)
{
    orm_expr *e = node(ORM_X_BIND, ORM_OP_NONE, NULL, 0);
    if (e && v && orm_value_copy(&e->value, v) < 0) {
        e->value = ORM_VALUE_NULL;
        orm_expr_release(e);
        return NULL;
    }
    return e;
}

orm_expr *orm_expr_null(void)
{
    return node(ORM_X_NULL, ORM_OP_NONE, NULL, 0);
}

orm_expr *orm_expr_binary(orm_op op, orm_expr *l, orm_expr *r)
{
    orm_expr *args[2] = {l, r};
    return node(ORM_X_BINARY, op, args, 2);
}

orm_expr *orm_expr_unary(orm_op op, orm_expr *e)
{
    return node(ORM_X_UNARY, op, &e, 1);
}

orm_expr *orm_expr_bool(orm_op op, orm_expr *const *args, int n)
{
    if (op != ORM_OP_AND && op != ORM_OP_OR) return NULL;
    return node(ORM_X_BOOL, op, args, n);
}

orm_expr *orm_expr_func(const char *name, orm_expr *const *args, int n)
{
    return named(ORM_X_FUNC, name, args, n);
}

orm_expr *orm_expr_in(orm_expr *e, orm_expr *const *list, int n, int negate)
{
    if (!e || n < 0) return NULL;
    orm_expr **args = malloc((size_t)(n + 1) * sizeof *args);
    if (!args) return NULL;
    args[0] = e;
    for (int i = 0; i < n; i++)
        args[i + 1] = list[i];
    orm_expr *x = node(ORM_X_IN, negate ? ORM_OP_NOTIN : ORM_OP_IN, args, n + 1);
    free(args);
    return x;
}

orm_expr *orm_expr_between(orm_expr *e, orm_expr *lo, orm_expr *hi)
{
    orm_expr *args[3] = {e, lo, hi};
    return node(ORM_X_BETWEEN, ORM_OP_NONE, args, 3);
}

orm_expr *orm_expr_like(orm_op op, orm_expr *e, orm_expr *pattern, char escape)
{
    if (op != ORM_OP_LIKE && op != ORM_OP_ILIKE) return NULL;
    orm_expr *args[2] = {e, pattern};
    orm_expr *x = node(ORM_X_LIKE, op, args, 2);
    if (x) x->escape = escape;
    return x;
}

orm_expr *orm_expr_match(orm_expr *e, const char *text, size_t n, orm_match how)
{
    if (!e || (!text && n)) return NULL;
    /* worst case every byte escaped, plus two '%' and the NUL */
    char *pat = malloc(2 * n + 3);
    if (!pat) return NULL;
    size_t k = 0;
    if (how != ORM_MATCH_STARTS) pat[k++] = '%';
    for (size_t i = 0; i < n; i++) {
        if (text[i] == '%' || text[i] == '_' || text[i] == '/') pat[k++] = '/';
        pat[k++] = text[i];
    }
    if (how != ORM_MATCH_ENDS) pat[k++] = '%';
    pat[k] = '\0';
    orm_value v = ORM_VALUE_NULL;
    int rc = orm_value_set_text(&v, pat, k);
    free(pat);
    if (rc < 0) return NULL;
    orm_expr *b = orm_expr_bind(&v);
    orm_value_clear(&v);
    orm_expr *x = orm_expr_like(ORM_OP_LIKE, e, b, '/');
    orm_expr_release(b);
    return x;
}

orm_expr *orm_expr_label(orm_expr *e, const char *name)
{
    return named(ORM_X_LABEL, name, &e, 1);
}

orm_expr *orm_expr_label_ref(const char *name)
{
    return named(ORM_X_LABEL, name, NULL, 0);
}

orm_expr *orm_expr_order(orm_expr *e, int desc)
{
    orm_expr *x = node(ORM_X_ORDER, ORM_OP_NONE, &e, 1);
    if (x) x->desc = desc != 0;
    return x;
}

orm_expr *orm_expr_text(const char *sql)
{
    return named(ORM_X_TEXT, sql, NULL, 0);
}

orm_expr *orm_expr_keyword(const char *kw)
{
    orm_expr *e = orm_expr_text(kw);
    if (e) e->desc = 1; /* TEXT with desc set: an atom */
    return e;
}

orm_expr *orm_expr_star(void)
{
    return node(ORM_X_STAR, ORM_OP_NONE, NULL, 0);
}

orm_expr *orm_expr_alias_column(orm_from *f, int col)
{
    if (!f || !f->table) return NULL;
    orm_expr *e = orm_expr_column(f->table, col);
    if (e) {
        e->from = orm_from_retain(f);
        e->depth = 1 + f->depth;
    }
    return e;
}

orm_expr *orm_expr_subcolumn(orm_from *f, int col)
{
    if (!f || !f->sel || col < 0 || col >= f->nnames) return NULL;
    orm_expr *e = node(ORM_X_SUBCOL, ORM_OP_NONE, NULL, 0);
    if (e) {
        e->from = orm_from_retain(f);
        e->col = col;
        e->depth = 1 + f->depth;
    }
    return e;
}

orm_expr *orm_expr_case(orm_expr *value, orm_expr *const *whens, int npairs, orm_expr *else_)
{
    if (npairs < 1) return NULL;
    int n = 2 * npairs + (value != NULL) + (else_ != NULL), k = 0;
    orm_expr **args = malloc((size_t)n * sizeof *args);
    if (!args) return NULL;
    if (value) args[k++] = value;
    for (int i = 0; i < 2 * npairs; i++)
        args[k++] = whens[i];
    if (else_) args[k++] = else_;
    orm_expr *e = node(ORM_X_CASE, ORM_OP_NONE, args, n);
    free(args);
    if (e) e->flags = (value ? ORM_CASE_VALUE : 0) | (else_ ? ORM_CASE_ELSE : 0);
    return e;
}

orm_expr *orm_expr_cast(orm_expr *e, const orm_type *t)
{
    if (!t) return NULL;
    orm_expr *x = node(ORM_X_CAST, ORM_OP_NONE, &e, 1);
    if (x) x->type = *t;
    return x;
}

orm_expr *orm_expr_select(const orm_select *s, int exists)
{
    if (!s || s->ncolumns == 0) return NULL;
    orm_expr *e = node(ORM_X_SELECT, exists ? ORM_OP_EXISTS : ORM_OP_NONE, NULL, 0);
    if (e && !(e->sel = orm_select_clone(s))) {
        orm_expr_release(e);
        return NULL;
    }
    if (e && exists) e->sel->select_one = 1;
    if (e) e->depth = 1 + orm_select_depth(e->sel);
    return e;
}

static const orm_type TYPE_BOOLEAN = {.kind = ORM_T_BOOLEAN};
static const orm_type TYPE_INTEGER = {.kind = ORM_T_INTEGER};
static const orm_type TYPE_STRING = {.kind = ORM_T_STRING};

static const orm_type *func_type(const orm_expr *e)
{
    static const char *const same[] = {"max", "min",   "coalesce", "ifnull", "abs",
                                       "sum", "total", "nullif",   NULL};
    static const char *const text[] = {"lower",  "upper",   "trim",         "ltrim",      "rtrim",
                                       "substr", "replace", "group_concat", "string_agg", NULL};
    if (strcmp(e->name, "count") == 0 || strcmp(e->name, "length") == 0) return &TYPE_INTEGER;
    for (int i = 0; text[i]; i++)
        if (strcmp(e->name, text[i]) == 0) return &TYPE_STRING;
    for (int i = 0; same[i]; i++)
        if (strcmp(e->name, same[i]) == 0 && e->nargs > 0) {
            const orm_type *t = orm_expr_type(e->args[0]);
            int adds = strcmp(e->name, "sum") == 0 || strcmp(e->name, "total") == 0;
            /* a sum of booleans counts them */
            return t && t->kind == ORM_T_BOOLEAN && adds ? &TYPE_INTEGER : t;
        }
    return NULL;
}

const orm_type *orm_expr_type(const orm_expr *e)
{
    if (!e) return NULL;
    switch (e->kind) {
    case ORM_X_COLUMN:
        return e->table && e->col >= 0 && e->col < e->table->ncols ? &e->table->cols[e->col].type
                                                                   : NULL;
    case ORM_X_SUBCOL:
        return e->from && e->from->sel && e->col < e->from->sel->ncolumns
                   ? orm_expr_type(e->from->sel->columns[e->col])
                   : NULL;
    case ORM_X_LABEL:
    case ORM_X_ORDER:
        return e->nargs == 1 ? orm_expr_type(e->args[0]) : NULL;
    case ORM_X_CAST:
        return &e->type;
    case ORM_X_BINARY:
        if (e->op >= ORM_OP_EQ && e->op <= ORM_OP_ISNOT) return &TYPE_BOOLEAN;
        if (e->op == ORM_OP_CONCAT) return &TYPE_STRING;
        if (e->op == ORM_OP_ADD || e->op == ORM_OP_SUB || e->op == ORM_OP_MUL) {
            for (int i = 0; i < 2; i++) /* a real operand makes a real result */
                if (e->args[i]->kind == ORM_X_BIND && e->args[i]->value.type == ORM_V_REAL)
                    return NULL;
            const orm_type *t = orm_expr_type(e->args[0]);
            if (!t) t = orm_expr_type(e->args[1]);
            return t && (t->kind == ORM_T_INTEGER || t->kind == ORM_T_BIGINT ||
                         t->kind == ORM_T_FLOAT || t->kind == ORM_T_NUMERIC)
                       ? t
                       : NULL;
        }
        return NULL;
    case ORM_X_UNARY:
        return e->op == ORM_OP_NOT ? &TYPE_BOOLEAN : orm_expr_type(e->args[0]);
    case ORM_X_BOOL:
    case ORM_X_IN:
    case ORM_X_BETWEEN:
    case ORM_X_LIKE:
        return &TYPE_BOOLEAN;
    case ORM_X_FUNC:
        return func_type(e);
    case ORM_X_CASE: {
        int first = (e->flags & ORM_CASE_VALUE) ? 1 : 0;
        return e->nargs > first + 1 ? orm_expr_type(e->args[first + 1]) : NULL;
    }
    case ORM_X_SELECT:
        if (e->op == ORM_OP_EXISTS) return &TYPE_BOOLEAN;
        return e->sel && e->sel->ncolumns == 1 ? orm_expr_type(e->sel->columns[0]) : NULL;
    default:
        return NULL;
    }
}

/* ---- FROM items --------------------------------------------------------- */

orm_from *orm_from_retain(orm_from *f)
{
    if (f) f->refs++;
    return f;
}

void orm_from_release(orm_from *f)
{
    if (!f || --f->refs > 0) return;
    orm_select_free(f->sel);
    for (int i = 0; i < f->nnames; i++)
        free(f->names[i]);
    free(f->names);
    free(f->alias);
    free(f);
}

static orm_from *from_new(const char *alias)
{
    orm_from *f = calloc(1, sizeof *f);
    if (!f) return NULL;
    f->refs = 1;
    f->depth = 1;
    if (alias && !(f->alias = strdup(alias))) {
        free(f);
        return NULL;
    }
    return f;
}

orm_from *orm_from_alias(const orm_table *t, const char *alias)
{
    if (!t) return NULL;
    orm_from *f = from_new(alias);
    if (f) f->table = t;
    return f;
}

/* The name a result column has in a derived table, before de-duplication. */
static const char *natural_name(const orm_expr *e)
{
    if (e->kind == ORM_X_ORDER && e->nargs == 1) e = e->args[0];
    switch (e->kind) {
    case ORM_X_COLUMN:
        return e->table->cols[e->col].name;
    case ORM_X_SUBCOL:
        return e->from->names[e->col];
    case ORM_X_LABEL:
    case ORM_X_FUNC:
        return e->name;
    default:
        return "anon";
    }
}

int orm_from_column_index(const orm_from *f, const char *name)
{
    for (int i = 0; f && name && i < f->nnames; i++)
        if (strcmp(f->names[i], name) == 0) return i;
    return -1;
}

/* Gives every result column of f a distinct name. 0 or ORM_ENOMEM. */
static int name_columns(orm_from *f)
{
    int n = f->sel->ncolumns;
    f->names = calloc((size_t)n, sizeof *f->names);
    if (!f->names) return ORM_ENOMEM;
    for (int i = 0; i < n; i++) {
        const char *base = natural_name(f->sel->columns[i]);
        size_t len = strlen(base) + 24;
        char *name = malloc(len);
        if (!name) return ORM_ENOMEM;
        snprintf(name, len, "%s", base);
        for (int k = 1; orm_from_column_index(f, name) >= 0; k++)
            snprintf(name, len, "%s_%d", base, k);
        f->names[f->nnames++] = name;
    }
    return ORM_OK;
}

orm_from *orm_from_subquery(const orm_select *s, const char *alias)
{
    if (!s || s->ncolumns == 0) return NULL;
    orm_from *f = from_new(alias);
    if (!f) return NULL;
    if (!(f->sel = orm_select_clone(s)) || name_columns(f) != ORM_OK) {
        orm_from_release(f);
        return NULL;
    }
    f->depth = 1 + orm_select_depth(f->sel);
    return f;
}

/* ---- SELECT ----------------------------------------------------------- */

static int deeper(int d, const orm_expr *e)
{
    return e && e->depth > d ? e->depth : d;
}

int orm_select_depth(const orm_select *s)
{
    int d = 0;
    if (!s) return 0;
    for (int i = 0; i < s->ncolumns; i++)
        d = deeper(d, s->columns[i]);
    for (int i = 0; i < s->ngroup; i++)
        d = deeper(d, s->group_by[i]);
    for (int i = 0; i < s->norder; i++)
        d = deeper(d, s->order_by[i]);
    d = deeper(deeper(d, s->where), s->having);
    for (int i = 0; i < s->njoins; i++) {
        d = deeper(d, s->joins[i].on);
        if (s->joins[i].item && s->joins[i].item->depth > d) d = s->joins[i].item->depth;
    }
    for (int i = 0; i < s->nfroms; i++)
        if (s->froms[i]->depth > d) d = s->froms[i]->depth;
    return d;
}

orm_select *orm_select_new(void)
{
    orm_select *s = calloc(1, sizeof *s);
    if (s) {
        s->limit = -1;
        s->offset = -1;
    }
    return s;
}

static void release_all(orm_expr **v, int n)
{
    for (int i = 0; i < n; i++)
        orm_expr_release(v[i]);
    free(v);
}

void orm_select_free(orm_select *s)
{
    if (!s) return;
    release_all(s->columns, s->ncolumns);
    for (int i = 0; i < s->njoins; i++) {
        orm_expr_release(s->joins[i].on);
        orm_from_release(s->joins[i].item);
    }
    free(s->joins);
    for (int i = 0; i < s->nfroms; i++)
        orm_from_release(s->froms[i]);
    free(s->froms);
    orm_expr_release(s->where);
    release_all(s->group_by, s->ngroup);
    orm_expr_release(s->having);
    release_all(s->order_by, s->norder);
    free(s);
}

/* A retained copy of v[0..n); 0 or ORM_ENOMEM. */
static int clone_list(orm_expr ***dst, orm_expr *const *v, int n)
{
    *dst = NULL;
    if (n == 0) return ORM_OK;
    size_t room = 4; /* push()'s rule: 4, or the next power of two */
    while (room < (size_t)n)
        room *= 2;
    orm_expr **d = malloc(room * sizeof *d);
    if (!d) return ORM_ENOMEM;
    for (int i = 0; i < n; i++)
        d[i] = orm_expr_retain(v[i]);
    *dst = d;
    return ORM_OK;
}

orm_select *orm_select_clone(const orm_select *s)
{
    orm_select *c = orm_select_new();
    if (!c) return NULL;
    *c = *s;
    c->columns = c->group_by = c->order_by = NULL;
    c->ncolumns = c->ngroup = c->norder = 0;
    c->joins = NULL;
    c->njoins = 0;
    c->froms = NULL;
    c->nfroms = 0;
    c->where = orm_expr_retain(s->where);
    c->having = orm_expr_retain(s->having);
    if (clone_list(&c->columns, s->columns, s->ncolumns) < 0) goto fail;
    c->ncolumns = s->ncolumns;
    if (clone_list(&c->group_by, s->group_by, s->ngroup) < 0) goto fail;
    c->ngroup = s->ngroup;
    if (clone_list(&c->order_by, s->order_by, s->norder) < 0) goto fail;
    c->norder = s->norder;
    if (s->njoins) {
        c->joins = malloc((size_t)s->njoins * sizeof *c->joins);
        if (!c->joins) goto fail;
        for (int i = 0; i < s->njoins; i++) {
            c->joins[i] = s->joins[i];
            orm_expr_retain(c->joins[i].on);
            orm_from_retain(c->joins[i].item);
        }
        c->njoins = s->njoins;
    }
    if (s->nfroms) {
        c->froms = malloc((size_t)s->nfroms * sizeof *c->froms);
        if (!c->froms) goto fail;
        for (int i = 0; i < s->nfroms; i++)
            c->froms[i] = orm_from_retain(s->froms[i]);
        c->nfroms = s->nfroms;
    }
    return c;
fail:
    orm_select_free(c);
    return NULL;
}

/* Appends a retained e to the list *v of *n items. The room grows in powers
 * of two from 4 (a list of n items has room for 4 or the next power of two
 * at least n), so a list never needs its own capacity field. */
static int push(orm_expr ***v, int *n, orm_expr *e)
{
    if (!e) return ORM_ENOMEM;
    int k = *n;
    if (k == 0 || (k >= 4 && (k & (k - 1)) == 0)) {
        orm_expr **nv = realloc(*v, (size_t)(k ? 2 * k : 4) * sizeof *nv);
        if (!nv) return ORM_ENOMEM;
        *v = nv;
    }
    (*v)[(*n)++] = orm_expr_retain(e);
    return ORM_OK;
}

int orm_select_add_column(orm_select *s, orm_expr *e)
{
    return push(&s->columns, &s->ncolumns, e);
}

int orm_select_add_table_columns(orm_select *s, const orm_table *t)
{
    for (int i = 0; i < t->ncols; i++) {
        orm_expr *c = orm_expr_column(t, i);
        int rc = push(&s->columns, &s->ncolumns, c);
        orm_expr_release(c);
        if (rc) return rc;
    }
    return ORM_OK;
}

/* *slot AND e, flattening an existing AND so filters read a AND b AND c. */
static int and_into(orm_expr **slot, orm_expr *e)
{
    if (!e) return ORM_ENOMEM;
    orm_expr *old = *slot, *x;
    if (!old) {
        x = orm_expr_retain(e);
    } else if (old->kind == ORM_X_BOOL && old->op == ORM_OP_AND) {
        orm_expr **args = malloc((size_t)(old->nargs + 1) * sizeof *args);
        if (!args) return ORM_ENOMEM;
        memcpy(args, old->args, (size_t)old->nargs * sizeof *args);
        args[old->nargs] = e;
        x = orm_expr_bool(ORM_OP_AND, args, old->nargs + 1);
        free(args);
    } else {
        orm_expr *args[2] = {old, e};
        x = orm_expr_bool(ORM_OP_AND, args, 2);
    }
    if (!x) return ORM_ENOMEM;
    orm_expr_release(old);
    *slot = x;
    return ORM_OK;
}

int orm_select_add_where(orm_select *s, orm_expr *e)
{
    return and_into(&s->where, e);
}

int orm_select_add_order(orm_select *s, orm_expr *e)
{
    return push(&s->order_by, &s->norder, e);
}

int orm_select_add_group(orm_select *s, orm_expr *e)
{
    return push(&s->group_by, &s->ngroup, e);
}

/* Like SQLAlchemy's having(): a second call ANDs with the first; NULL clears. */
int orm_select_set_having(orm_select *s, orm_expr *e)
{
    if (!e) {
        orm_expr_release(s->having);
        s->having = NULL;
        return ORM_OK;
    }
    return and_into(&s->having, e);
}

int orm_select_add_join(orm_select *s, const orm_table *t, orm_expr *on, int outer)
{
    if (!t) return ORM_EMISUSE;
    orm_join *j = realloc(s->joins, (size_t)(s->njoins + 1) * sizeof *j);
    if (!j) return ORM_ENOMEM;
    s->joins = j;
    j[s->njoins++] = (orm_join){.table = t, .on = orm_expr_retain(on), .outer = outer != 0};
    return ORM_OK;
}

int orm_select_add_join_from(orm_select *s, orm_from *f, orm_expr *on, int outer)
{
    if (!f) return ORM_EMISUSE;
    orm_join *j = realloc(s->joins, (size_t)(s->njoins + 1) * sizeof *j);
    if (!j) return ORM_ENOMEM;
    s->joins = j;
    j[s->njoins++] =
        (orm_join){.on = orm_expr_retain(on), .outer = outer != 0, .item = orm_from_retain(f)};
    return ORM_OK;
}

int orm_select_add_from(orm_select *s, orm_from *f)
{
    if (!f) return ORM_EMISUSE;
    orm_from **v = realloc(s->froms, (size_t)(s->nfroms + 1) * sizeof *v);
    if (!v) return ORM_ENOMEM;
    s->froms = v;
    v[s->nfroms++] = orm_from_retain(f);
    return ORM_OK;
}

void orm_select_clear_columns(orm_select *s)
{
    release_all(s->columns, s->ncolumns);
    s->columns = NULL;
    s->ncolumns = 0;
}

void orm_select_clear_order(orm_select *s)
{
    release_all(s->order_by, s->norder);
    s->order_by = NULL;
    s->norder = 0;
}

int orm_select_add_alias_columns(orm_select *s, orm_from *f)
{
    if (!f || !f->table) return ORM_EMISUSE;
    for (int i = 0; i < f->table->ncols; i++) {
        orm_expr *c = orm_expr_alias_column(f, i);
        int rc = push(&s->columns, &s->ncolumns, c);
        orm_expr_release(c);
        if (rc) return rc;
    }
    return ORM_OK;
}
