/* relation_joined.c — the statement of joined eager loading: the parents'
 * query with each related table LEFT OUTER JOINed under an alias (book_1),
 * ordered so that each parent's rows come together and each collection in
 * its own order. A query with LIMIT, OFFSET or DISTINCT becomes a derived
 * table of its parents first, so the limit counts parents, not joined rows.
 * The bindings run the statement and turn its rows into objects. */
#include <assert.h>

#include "relation.h"

/* a = b, both released; NULL when either is (out of memory). */
static orm_expr *eq(orm_expr *a, orm_expr *b)
{
    orm_expr *e = a && b ? orm_expr_binary(ORM_OP_EQ, a, b) : NULL;
    orm_expr_release(a);
    orm_expr_release(b);
    return e;
}

/* Adds e (released) to s's ORDER BY, as e or e DESC; 0 on oom. */
static int add_order(orm_select *s, orm_expr *e, int desc)
{
    orm_expr *o = e && desc ? orm_expr_order(e, 1) : orm_expr_retain(e);
    int ok = o && orm_select_add_order(s, o) == ORM_OK;
    orm_expr_release(o);
    orm_expr_release(e);
    return ok;
}

/* The parents' column col: t's own, or the derived table's. */
static orm_expr *parent_col(const orm_table *t, orm_from *sub, int col)
{
    return sub ? orm_expr_subcolumn(sub, col) : orm_expr_column(t, col);
}

/* ORDER BY item e of the parents' query restated over the derived table
 * sub: only a column of t (ascending or descending) can be; NULL else. */
static orm_expr *order_on_sub(const orm_expr *e, const orm_table *t, orm_from *sub)
{
    int desc = -1;
    if (e->kind == ORM_X_ORDER && e->nargs == 1) {
        desc = e->desc;
        e = e->args[0];
    }
    if (e->kind != ORM_X_COLUMN || e->table != t || e->from) return NULL;
    orm_expr *c = orm_expr_subcolumn(sub, e->col);
    if (desc < 0 || c == NULL) return c;
    orm_expr *o = orm_expr_order(c, desc);
    orm_expr_release(c);
    return o;
}

/* 1 when s is ordered by the parents' column col already. */
static int ordered_by(const orm_select *s, const orm_table *t, orm_from *sub, int col)
{
    for (int i = 0; i < s->norder; i++) {
        const orm_expr *e = s->order_by[i];
        if (e->kind == ORM_X_ORDER && e->nargs == 1) e = e->args[0];
        if (e->col == col && ((sub && e->kind == ORM_X_SUBCOL && e->from == sub) ||
                              (!sub && e->kind == ORM_X_COLUMN && e->table == t && !e->from)))
            return 1;
    }
    return 0;
}

/* Joins r's target under the alias *f (made here; and a many-to-many's
 * association table) to s and selects the target's columns, the first of
 * them at *off; 0 on oom. */
static int join_rel(orm_select *s, const orm_table *t, orm_from *sub, const orm_rel *r,
                    orm_from **f, int *off)
{
    *f = orm_from_alias(r->target, NULL);
    if (*f == NULL) return 0;
    int ok;
    if (r->kind == ORM_REL_M2M) {
        orm_from *fs = orm_from_alias(r->secondary, NULL);
        orm_expr *on1 =
            fs ? eq(parent_col(t, sub, r->local_col), orm_expr_alias_column(fs, r->sec_parent_col))
               : NULL;
        orm_expr *on2 = fs ? eq(orm_expr_alias_column(fs, r->sec_target_col),
                                orm_expr_alias_column(*f, r->remote_col))
                           : NULL;
        ok = on1 && on2 && orm_select_add_join_from(s, fs, on1, 1) == ORM_OK &&
             orm_select_add_join_from(s, *f, on2, 1) == ORM_OK;
        orm_expr_release(on1);
        orm_expr_release(on2);
        orm_from_release(fs);
    } else {
        orm_expr *on =
            eq(parent_col(t, sub, r->local_col), orm_expr_alias_column(*f, r->remote_col));
        ok = on && orm_select_add_join_from(s, *f, on, 1) == ORM_OK;
        orm_expr_release(on);
    }
    *off = s->ncolumns;
    return ok && orm_select_add_alias_columns(s, *f) == ORM_OK;
}

/* The parents' part: sel itself (a copy) or, when it limits or removes
 * duplicates, SELECT sub.* FROM (sel) AS sub ORDER BY sel's order restated
 * (*sub: the derived table, a new reference). NULL with *cannot set when an
 * ORDER BY item is not a column of t; NULL alone on oom. */
static orm_select *parents(const orm_select *sel, const orm_table *t, orm_from **sub, int *cannot)
{
    *sub = NULL;
    if (sel->limit < 0 && sel->offset < 0 && !sel->distinct) return orm_select_clone(sel);
    *sub = orm_from_subquery(sel, NULL);
    orm_select *s = *sub ? orm_select_new() : NULL;
    int ok = s && orm_select_add_from(s, *sub) == ORM_OK;
    for (int i = 0; ok && i < t->ncols; i++) {
        orm_expr *c = orm_expr_subcolumn(*sub, i);
        ok = c && orm_select_add_column(s, c) == ORM_OK;
        orm_expr_release(c);
    }
    for (int i = 0; ok && i < sel->norder; i++) {
        orm_expr *o = order_on_sub(sel->order_by[i], t, *sub);
        if (o == NULL) *cannot = 1;
        ok = o && orm_select_add_order(s, o) == ORM_OK;
        orm_expr_release(o);
    }
    if (ok) return s;
    orm_select_free(s);
    return NULL;
}

orm_select *orm_rel_joined_select(const orm_select *sel, const orm_table *t,
                                  const orm_rel *const *rels, int n, int *offs, int *cannot)
{
    assert(n >= 1 && n <= ORM_REL_MAX_JOINED);
    *cannot = 0;
    if (sel->ngroup > 0 || sel->having) {
        *cannot = 1;
        return NULL;
    }
    orm_from *sub, *f[ORM_REL_MAX_JOINED] = {0};
    orm_select *s = parents(sel, t, &sub, cannot);
    int ok = s != NULL;
    /* each parent's rows together, in the order a plain query gives them */
    for (int i = 0; ok && i < t->npk; i++)
        if (!ordered_by(s, t, sub, t->pk[i])) ok = add_order(s, parent_col(t, sub, t->pk[i]), 0);
    for (int k = 0; ok && k < n; k++) {
        assert(rels[k]->parent == t);
        ok = join_rel(s, t, sub, rels[k], &f[k], &offs[k]);
    }
    for (int k = 0; ok && k < n; k++) { /* each collection in its order */
        const orm_rel *r = rels[k];
        if (r->kind == ORM_REL_M2O) continue;
        if (r->order_col >= 0)
            ok = add_order(s, orm_expr_alias_column(f[k], r->order_col), r->order_desc);
        for (int i = 0; ok && i < r->target->npk; i++)
            ok = add_order(s, orm_expr_alias_column(f[k], r->target->pk[i]), 0);
    }
    orm_from_release(sub);
    for (int k = 0; k < n; k++)
        orm_from_release(f[k]); /* the select holds its own references */
    if (!ok) {
        orm_select_free(s);
        return NULL;
    }
    return s;
}
