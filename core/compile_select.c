/* compile_select.c — SELECT statements: the result columns, the FROM clause
 * worked out from the columns, filters and joins (plain tables, aliases
 * "member AS member_1", derived tables "(SELECT ...) AS anon_1"), nested
 * SELECTs in expressions with SQLAlchemy's auto-correlation, and the count
 * wrapper. Expressions themselves are compiled by compile.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compile_int.h"

typedef orm_cc cctx;
typedef orm_cc_src src;
typedef orm_cc_srclist srclist;

static void put(cctx *c, const char *s)
{
    orm_cc_put(c, s);
}

static void quote(cctx *c, const char *ident)
{
    orm_dialect_quote(c->d, &c->out->sql, ident);
}

/* ---- sources ------------------------------------------------------------ */

static int same_src(src a, src b)
{
    if (a.f || b.f) return a.f == b.f;
    return a.t == b.t;
}

int orm_cc_srclist_has(const srclist *l, src s)
{
    for (int i = 0; l && i < l->n; i++)
        if (same_src(l->v[i], s)) return 1;
    return 0;
}

int orm_cc_srclist_add(srclist *l, src s)
{
    if (orm_cc_srclist_has(l, s)) return ORM_OK;
    if (l->n == l->cap) {
        int cap = l->cap ? l->cap * 2 : 4;
        src *v = realloc(l->v, (size_t)cap * sizeof *v);
        if (!v) return ORM_ENOMEM;
        l->v = v;
        l->cap = cap;
    }
    l->v[l->n++] = s;
    return ORM_OK;
}

int orm_cc_collect(srclist *l, const orm_expr *e)
{
    if (!e) return ORM_OK;
    if (e->size > ORM_EXPR_MAX_NODES) return ORM_EFAIL; /* a walk of hours: refused */
    if (e->kind == ORM_X_COLUMN && e->table) return orm_cc_srclist_add(l, (src){e->table, e->from});
    if (e->kind == ORM_X_SUBCOL && e->from) return orm_cc_srclist_add(l, (src){NULL, e->from});
    if (e->kind == ORM_X_SELECT) return ORM_OK; /* a nested statement has its own FROM */
    for (int i = 0; i < e->nargs; i++) {
        int rc = orm_cc_collect(l, e->args[i]);
        if (rc) return rc;
    }
    return ORM_OK;
}

static src join_src(const orm_join *j)
{
    if (j->item) return (src){j->item->table, j->item};
    return (src){j->table, NULL};
}

static src from_src(const orm_from *f)
{
    return (src){f->table, f};
}

static int joined(const orm_select *s, src x)
{
    for (int i = 0; i < s->njoins; i++)
        if (same_src(join_src(&s->joins[i]), x)) return 1;
    return 0;
}

static int correlated(const cctx *c, src x)
{
    for (const orm_cc_frame *f = c->frames; f; f = f->up)
        if (orm_cc_srclist_has(f->froms, x)) return 1;
    return 0;
}

/* Every source s refers to (explicit FROM items, then those of the result
 * columns, the WHERE clause and the ON clauses), and the ones its FROM clause
 * lists: not joined, and not already in an enclosing statement's FROM
 * (unless that would leave none, as SQLAlchemy does). */
static int sources(cctx *c, const orm_select *s, srclist *all, srclist *froms)
{
    int rc = s->from ? orm_cc_srclist_add(all, (src){s->from, NULL}) : ORM_OK;
    for (int i = 0; rc == ORM_OK && i < s->nfroms; i++)
        rc = orm_cc_srclist_add(all, from_src(s->froms[i]));
    for (int i = 0; rc == ORM_OK && i < s->ncolumns; i++)
        rc = orm_cc_collect(all, s->columns[i]);
    if (rc == ORM_OK) rc = orm_cc_collect(all, s->where);
    for (int i = 0; rc == ORM_OK && i < s->njoins; i++)
        rc = orm_cc_collect(all, s->joins[i].on);
    int kept = 0;
    for (int pass = 0; pass < 2 && rc == ORM_OK && kept == 0; pass++)
        for (int i = 0; rc == ORM_OK && i < all->n; i++) {
            src x = all->v[i];
            if (joined(s, x) || (pass == 0 && correlated(c, x))) continue;
            rc = orm_cc_srclist_add(froms, x);
            kept++;
        }
    if (rc == ORM_EFAIL) return orm_cc_too_large(c);
    return rc ? orm_cc_oom(c) : ORM_OK;
}

const char *orm_cc_from_name(cctx *c, const orm_from *f)
{
    if (f->alias) return f->alias;
    int same = 0;
    for (int i = 0; i < c->nnames; i++) {
        if (c->names[i].f == f) return c->names[i].name;
        if (f->table && c->names[i].f->table == f->table) same++;
    }
    if (c->nnames == c->capnames) {
        int cap = c->capnames ? c->capnames * 2 : 4;
        orm_cc_name *v = realloc(c->names, (size_t)cap * sizeof *v);
        if (!v) return NULL;
        c->names = v;
        c->capnames = cap;
    }
    const char *base = f->table ? f->table->name : "anon";
    size_t len = strlen(base) + 24;
    char *name = malloc(len);
    if (!name) return NULL;
    snprintf(name, len, "%s_%d", base, f->table ? same + 1 : ++c->anon);
    c->names[c->nnames++] = (orm_cc_name){f, name};
    return name;
}

static int compile_select(cctx *c, const orm_select *s, char *const *names);

/* table | table AS alias | (SELECT ...) AS alias */
static int compile_source(cctx *c, src x)
{
    if (!x.f) {
        quote(c, x.t->name);
        return ORM_OK;
    }
    int rc = ORM_OK;
    if (x.f->sel) {
        const orm_cc_frame *frames = c->frames;
        c->frames = NULL; /* a derived table is not correlated */
        put(c, "(");
        rc = compile_select(c, x.f->sel, x.f->names);
        put(c, ")");
        c->frames = frames;
    } else if (x.f->table) {
        quote(c, x.f->table->name);
    } else {
        return orm_cc_malformed(c, "a FROM item");
    }
    const char *name = orm_cc_from_name(c, x.f);
    if (!name) return orm_cc_oom(c);
    put(c, " AS ");
    quote(c, name);
    return rc;
}

/* FROM: the sources, the JOINs hanging off the first of them. */
static int compile_from(cctx *c, const orm_select *s, const srclist *froms)
{
    if (froms->n == 0 && s->njoins > 0)
        return orm_cc_malformed(c, "a JOIN with no table to join from");
    if (froms->n > 0) put(c, " FROM ");
    int rc = ORM_OK;
    for (int i = 0; rc == ORM_OK && i < froms->n; i++) {
        if (i) put(c, ", ");
        rc = compile_source(c, froms->v[i]);
        for (int j = 0; i == 0 && rc == ORM_OK && j < s->njoins; j++) {
            const orm_join *jn = &s->joins[j];
            if (!jn->table && !jn->item) return orm_cc_malformed(c, "a JOIN");
            put(c, jn->outer ? " LEFT OUTER JOIN " : " JOIN ");
            if ((rc = compile_source(c, join_src(jn)))) break;
            if (jn->on) {
                put(c, " ON ");
                rc = orm_cc_node(c, jn->on, ORM_CC_TOP);
            }
        }
    }
    return rc;
}

static const char *natural_name(const orm_expr *e)
{
    if (e->kind == ORM_X_LABEL) return e->name;
    if (e->kind == ORM_X_COLUMN && e->table && e->col >= 0 && e->col < e->table->ncols)
        return e->table->cols[e->col].name;
    if (e->kind == ORM_X_SUBCOL && e->from && e->col >= 0 && e->col < e->from->nnames)
        return e->from->names[e->col];
    return NULL;
}

/* A result column: a label is written "expr AS name"; in a derived table,
 * a column whose name there differs from its own gets "AS want" too. */
static int compile_result_column(cctx *c, const orm_expr *e, const char *want)
{
    if (!e) return orm_cc_malformed(c, "a missing expression");
    const char *natural = natural_name(e);
    if (e->kind == ORM_X_LABEL && (e->nargs != 1 || !e->name))
        return orm_cc_malformed(c, "a label");
    if (!want)
        want = e->kind == ORM_X_LABEL ? e->name : NULL;
    else if (natural && e->kind != ORM_X_LABEL && strcmp(want, natural) == 0)
        want = NULL;
    const orm_expr *body = e->kind == ORM_X_LABEL ? e->args[0] : e;
    int rc = orm_cc_node(c, body, want ? (orm_cc_against){-1, ORM_OP_NONE} : ORM_CC_TOP);
    if (want) {
        put(c, " AS ");
        quote(c, want);
    }
    return rc;
}

/* An OFFSET without a LIMIT: the dialect says how to write "no limit"
 * (SQLite " LIMIT -1", MySQL a huge one, PostgreSQL nothing). */
static int compile_limit(cctx *c, const orm_select *s)
{
    int rc = ORM_OK;
    if (s->limit >= 0) {
        put(c, " LIMIT ");
        rc = orm_cc_bind_owned_int(c, s->limit);
    } else if (s->offset >= 0 && c->d->limit_all) {
        put(c, c->d->limit_all);
    }
    if (rc == ORM_OK && s->offset >= 0) {
        put(c, " OFFSET ");
        rc = orm_cc_bind_owned_int(c, s->offset);
    }
    return rc;
}

static int compile_clauses(cctx *c, const orm_select *s)
{
    int rc = ORM_OK;
    if (s->where) {
        put(c, " WHERE ");
        if ((rc = orm_cc_node(c, s->where, ORM_CC_TOP))) return rc;
    }
    c->label_names = s;
    if (s->ngroup) {
        put(c, " GROUP BY ");
        if ((rc = orm_cc_list(c, s->group_by, s->ngroup, ", ", ORM_CC_TOP))) return rc;
    }
    if (s->having) {
        put(c, " HAVING ");
        if ((rc = orm_cc_node(c, s->having, ORM_CC_TOP))) return rc;
    }
    if (s->norder) {
        put(c, " ORDER BY ");
        if ((rc = orm_cc_list(c, s->order_by, s->norder, ", ", ORM_CC_TOP))) return rc;
    }
    c->label_names = NULL;
    return compile_limit(c, s);
}

/* names: the column names of a derived table (NULL elsewhere). */
static int compile_select(cctx *c, const orm_select *s, char *const *names)
{
    if (s->ncolumns == 0) return orm_cc_malformed(c, "a SELECT with no columns");
    srclist all = {0}, froms = {0};
    int rc = sources(c, s, &all, &froms);
    const orm_select *labels = c->label_names;
    orm_cc_frame frame = {&all, c->frames};
    c->frames = &frame;
    c->label_names = NULL;
    put(c, s->distinct ? "SELECT DISTINCT " : "SELECT ");
    if (s->select_one) put(c, "1");
    for (int i = 0; rc == ORM_OK && !s->select_one && i < s->ncolumns; i++) {
        if (i) put(c, ", ");
        rc = compile_result_column(c, s->columns[i], names ? names[i] : NULL);
    }
    if (rc == ORM_OK) rc = compile_from(c, s, &froms);
    if (rc == ORM_OK) rc = compile_clauses(c, s);
    c->frames = frame.up;
    c->label_names = labels;
    free(all.v);
    free(froms.v);
    return rc;
}

int orm_cc_subselect(cctx *c, const orm_select *s, int exists, int bare)
{
    put(c, exists ? "EXISTS (" : bare ? "" : "(");
    int rc = compile_select(c, s, NULL);
    if (exists || !bare) put(c, ")");
    return rc;
}

int orm_compile_select(const orm_dialect *d, const orm_select *s, orm_compiled *out, orm_error *err)
{
    cctx c;
    orm_cc_init(&c, d, out, err);
    int rc = compile_select(&c, s, NULL);
    const char *lock = s->lock == ORM_LOCK_UPDATE  ? d->for_update
                       : s->lock == ORM_LOCK_SHARE ? d->for_share
                                                   : NULL;
    if (rc == ORM_OK && lock) put(&c, lock);
    return orm_cc_finish(&c, rc);
}

int orm_compile_count(const orm_dialect *d, const orm_select *s, orm_compiled *out, orm_error *err)
{
    cctx c;
    orm_cc_init(&c, d, out, err);
    put(&c, "SELECT count(*) AS count_1 FROM (");
    int rc = compile_select(&c, s, NULL);
    char name[32];
    snprintf(name, sizeof name, "anon_%d", ++c.anon);
    put(&c, ") AS ");
    put(&c, name);
    return orm_cc_finish(&c, rc);
}
