/* relation.c — resolving a relationship declaration against the tables'
 * foreign keys (direction, columns, secondary table, foreign_keys,
 * primaryjoin, remote_side, options), and the queries that load and join
 * related rows. The in-memory rules of both sides are in relation_sync.c. */
#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "compile.h"
#include "relation.h"

/* "relationship NAME: <message>" as an ArgumentError; returns ORM_EFAIL. */
static int fail(orm_error *err, const orm_rel_spec *s, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int fail(orm_error *err, const orm_rel_spec *s, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return orm_error_set(err, ORM_ERR_ARGUMENT, 0, "relationship %s: %s", s->name ? s->name : "?",
                         msg);
}

static const char *attr_of(const orm_column *c)
{
    return c->attr ? c->attr : c->name;
}

/* Column of t with a foreign key to table `to` (named in `only`, if given).
 * Returns the column, -1 when none, -2 when several (ambiguous). */
static int fk_column(const orm_table *t, const char *to, const char *only)
{
    int found = -1;
    for (int i = 0; i < t->ncols; i++) {
        const orm_column *c = &t->cols[i];
        if (c->fk == NULL || strcmp(c->fk->table, to) != 0) continue;
        if (only && strcmp(only, attr_of(c)) != 0 && strcmp(only, c->name) != 0)
            continue; /* attribute or column */
        if (found >= 0) return -2;
        found = i;
    }
    return found;
}

static int referenced_col(const orm_table *t, const orm_column *fkcol)
{
    return orm_table_column_index(t, fkcol->fk->column, strlen(fkcol->fk->column));
}

/* A column of t by attribute or column name, or -1. */
static int named_col(const orm_table *t, const char *s)
{
    int col = orm_table_attr_index(t, s, strlen(s));
    return col >= 0 ? col : orm_table_column_index(t, s, strlen(s));
}

/* primaryjoin = Book.author_id:eq(Author.id): the FK column it names; *left
 * is the column the left operand names in parent (-1 when none), the near
 * end of a self-referential relationship. */
static const char *primaryjoin_fk(const orm_expr *e, const orm_table *parent,
                                  const orm_table *target, int *left)
{
    *left = -1;
    if (e == NULL || e->kind != ORM_X_BINARY || e->op != ORM_OP_EQ || e->nargs != 2) return NULL;
    if (e->args[0]->kind == ORM_X_COLUMN && e->args[0]->table == parent) *left = e->args[0]->col;
    for (int i = 0; i < 2; i++) {
        const orm_expr *c = e->args[i];
        if (c->kind != ORM_X_COLUMN) continue;
        const orm_column *col = &c->table->cols[c->col];
        if (col->fk && (c->table == parent || c->table == target)) return col->name;
    }
    return NULL;
}

static int resolve_m2m(const orm_rel_spec *s, orm_rel *r, orm_error *err)
{
    const orm_table *p = r->parent, *t = r->target;
    const orm_table *sec = s->md ? orm_metadata_find(s->md, s->secondary) : NULL;
    if (sec == NULL)
        return fail(err, s, "secondary table '%s' is not defined (db.Table or a model)",
                    s->secondary);
    r->secondary = sec;
    if (p == t) return fail(err, s, "self-referential many-to-many needs foreign_keys");
    r->sec_parent_col = fk_column(sec, p->name, NULL);
    r->sec_target_col = fk_column(sec, t->name, NULL);
    if (r->sec_parent_col < 0 || r->sec_target_col < 0)
        return fail(err, s,
                    "secondary table '%s' needs one foreign key to '%s' and one to the target",
                    s->secondary, p->name);
    r->local_col = referenced_col(p, &sec->cols[r->sec_parent_col]);
    r->remote_col = referenced_col(t, &sec->cols[r->sec_target_col]);
    r->kind = ORM_REL_M2M;
    r->uselist = 1;
    return ORM_OK;
}

/* The foreign keys between parent and target, "a.x, b.y" (for the message). */
static void list_fks(orm_buf *b, const orm_table *p, const orm_table *t)
{
    for (int k = 0; k < 2; k++) {
        const orm_table *a = k ? t : p, *to = k ? p : t;
        for (int i = 0; i < a->ncols; i++)
            if (a->cols[i].fk && strcmp(a->cols[i].fk->table, to->name) == 0)
                orm_buf_printf(b, "%s%s.%s", b->len ? ", " : "", a->name, attr_of(&a->cols[i]));
    }
}

/* Self-referential: remote_side names the far end (the referenced key:
 * many-to-one; the foreign key: one-to-many); else primaryjoin's left operand
 * is the near end; else uselist = false means many-to-one. */
static int self_ref_m2o(const orm_rel_spec *s, int fk, int remote, int pj_left, int *m2o,
                        orm_error *err)
{
    const orm_table *t = s->target;
    int key = referenced_col(t, &t->cols[fk]);
    if (remote >= 0 && remote != key && remote != fk)
        return fail(err, s, "remote_side must be '%s' (many-to-one) or '%s' (one-to-many)",
                    key >= 0 ? attr_of(&t->cols[key]) : "?", attr_of(&t->cols[fk]));
    if (remote >= 0)
        *m2o = remote == key;
    else if (pj_left >= 0)
        *m2o = pj_left == fk;
    else
        *m2o = s->uselist == 0;
    return ORM_OK;
}

static int resolve_fk(const orm_rel_spec *s, orm_rel *r, orm_error *err)
{
    const orm_table *p = r->parent, *t = r->target;
    int pj_left;
    const char *only = s->foreign_key;
    const char *pj = primaryjoin_fk(s->primaryjoin, p, t, &pj_left);
    if (only == NULL) only = pj;
    int in_parent = fk_column(p, t->name, only);
    int in_target = fk_column(t, p->name, only);
    int remote = -1;
    if (s->remote_side && (remote = named_col(t, s->remote_side)) < 0)
        return fail(err, s, "remote_side must name a column of '%s' (e.g. remote_side = \"id\")",
                    t->name);
    if (p == t && in_parent >= 0) {
        int m2o = 0;
        if (self_ref_m2o(s, in_parent, remote, pj_left, &m2o, err) < 0) return ORM_EFAIL;
        if (m2o)
            in_target = -1;
        else
            in_parent = -1;
    }
    if (in_parent == -2 || in_target == -2 || (in_parent >= 0 && in_target >= 0)) {
        orm_buf b = ORM_BUF_INIT;
        list_fks(&b, p, t);
        int rc = fail(err, s,
                      "more than one foreign key could join the tables (%s); name one with "
                      "foreign_keys",
                      orm_buf_str(&b));
        orm_buf_free(&b);
        return rc;
    }
    if (in_parent >= 0) {
        r->kind = ORM_REL_M2O;
        r->local_col = in_parent;
        r->remote_col = referenced_col(t, &p->cols[in_parent]);
        r->uselist = 0;
    } else if (in_target >= 0) {
        r->kind = ORM_REL_O2M;
        r->remote_col = in_target;
        r->local_col = referenced_col(p, &t->cols[in_target]);
        r->uselist = s->uselist >= 0 ? s->uselist : 1;
    } else {
        return fail(err, s,
                    "no foreign key joins '%s' and '%s' (add db.ForeignKey or foreign_keys)",
                    p->name, t->name);
    }
    if (r->local_col < 0 || r->remote_col < 0)
        return fail(err, s, "the foreign key's target column does not exist");
    return ORM_OK;
}

static int resolve_options(const orm_rel_spec *s, orm_rel *r, orm_error *err)
{
    static const char *const lazies[] = {"select", "joined", "selectin", "dynamic"};
    r->lazy = ORM_LAZY_SELECT;
    if (s->lazy) {
        int i = 0;
        while (i < 4 && strcmp(s->lazy, lazies[i]) != 0)
            i++;
        if (i == 4)
            return fail(err, s,
                        "lazy must be \"select\", \"joined\", \"selectin\" or \"dynamic\", got "
                        "\"%s\"",
                        s->lazy);
        r->lazy = (orm_rel_lazy)i;
    }
    r->order_col = -1;
    if (s->order_by_bad)
        return fail(err, s, "order_by must name a column of '%s'", r->target->name);
    if (s->order_by) {
        const char *name = s->order_by;
        r->order_desc = s->order_by_desc || name[0] == '-';
        name += name[0] == '-';
        r->order_col = orm_table_attr_index(r->target, name, strlen(name));
        if (r->order_col < 0)
            return fail(err, s, "order_by: '%s' has no column '%s'", r->target->name, name);
    }
    if (s->cascade) {
        r->cascade_delete = strstr(s->cascade, "all") != NULL || strstr(s->cascade, "delete");
        r->delete_orphan = strstr(s->cascade, "delete-orphan") != NULL;
    }
    return ORM_OK;
}

int orm_rel_resolve(const orm_rel_spec *s, orm_rel *out, orm_error *err)
{
    assert(s && s->parent && s->target && out);
    orm_rel r;
    memset(&r, 0, sizeof r);
    r.parent = s->parent;
    r.target = s->target;
    r.sec_parent_col = r.sec_target_col = -1;
    int rc = s->secondary ? resolve_m2m(s, &r, err) : resolve_fk(s, &r, err);
    if (rc == ORM_OK) rc = resolve_options(s, &r, err);
    if (rc != ORM_OK) return rc;
    /* the invariants every user of an orm_rel relies on */
    assert(r.local_col >= 0 && r.local_col < r.parent->ncols);
    assert(r.remote_col >= 0 && r.remote_col < r.target->ncols);
    assert((r.kind == ORM_REL_M2M) == (r.secondary != NULL));
    assert(r.kind != ORM_REL_M2O || r.uselist == 0);
    *out = r;
    return ORM_OK;
}

/* ---- loading ---- */

/* The SELECT of orm_rel_load_open, in *out (0, or ORM_ENOMEM). */
static int load_select(const orm_rel *r, const orm_value *const *keys, int n, orm_select **out)
{
    const orm_table *t = r->target;
    orm_select *sel = orm_select_new();
    int ok = sel && orm_select_add_table_columns(sel, t) == ORM_OK;
    orm_expr *keycol = NULL, *cond = NULL;
    if (r->kind == ORM_REL_M2M) {
        keycol = orm_expr_column(r->secondary, r->sec_parent_col);
        orm_expr *a = orm_expr_column(r->secondary, r->sec_target_col);
        orm_expr *b = orm_expr_column(t, r->remote_col);
        orm_expr *on = a && b ? orm_expr_binary(ORM_OP_EQ, a, b) : NULL;
        ok = ok && on && keycol && orm_select_add_join(sel, r->secondary, on, 0) == ORM_OK &&
             orm_select_add_column(sel, keycol) == ORM_OK;
        orm_expr_release(a);
        orm_expr_release(b);
        orm_expr_release(on);
        if (sel) sel->from = t;
    } else {
        keycol = orm_expr_column(t, r->remote_col);
    }
    orm_expr *binds[ORM_REL_IN_CHUNK];
    int nb = 0;
    for (int i = 0; i < n; i++) {
        binds[nb] = orm_expr_bind(keys[i]);
        if (binds[nb] == NULL)
            ok = 0;
        else
            nb++;
    }
    if (!keycol) ok = 0; /* out of memory: never a SELECT without its WHERE */
    if (ok) {
        cond = n == 1 ? orm_expr_binary(ORM_OP_EQ, keycol, binds[0])
                      : orm_expr_in(keycol, binds, nb, 0);
        ok = cond && orm_select_add_where(sel, cond) == ORM_OK;
    }
    for (int i = 0; i < nb; i++)
        orm_expr_release(binds[i]);
    orm_expr_release(cond);
    /* a batch is ordered by parent first: SQLite then walks the foreign-key
     * index in order instead of sorting; each collection keeps its order */
    if (ok && n > 1) ok = orm_select_add_order(sel, keycol) == ORM_OK;
    orm_expr_release(keycol);
    if (ok && r->order_col >= 0) {
        orm_expr *c = orm_expr_column(t, r->order_col);
        orm_expr *o = c ? orm_expr_order(c, r->order_desc) : NULL;
        ok = o && orm_select_add_order(sel, o) == ORM_OK;
        orm_expr_release(c);
        orm_expr_release(o);
    }
    for (int i = 0; ok && i < t->npk; i++) {
        orm_expr *c = orm_expr_column(t, t->pk[i]);
        ok = c && orm_select_add_order(sel, c) == ORM_OK;
        orm_expr_release(c);
    }
    if (!ok) {
        orm_select_free(sel);
        return ORM_ENOMEM;
    }
    *out = sel;
    return ORM_OK;
}

int orm_rel_load_open(orm_session *s, const orm_rel *r, const orm_value *const *keys, int n,
                      orm_cursor **out, orm_error *err)
{
    assert(n >= 1 && n <= ORM_REL_IN_CHUNK);
    *out = NULL;
    orm_select *sel = NULL;
    if (load_select(r, keys, n, &sel) < 0) return orm_error_oom(err);
    orm_compiled comp;
    orm_compiled_init(&comp);
    int rc = orm_compile_select(orm_conn_dialect(orm_session_conn(s)), sel, &comp, err);
    if (rc == ORM_OK) /* the parameters are the select's: freed after the open */
        rc = orm_cursor_open(s, orm_buf_str(&comp.sql), comp.params, comp.nparams, out);
    orm_compiled_free(&comp);
    orm_select_free(sel);
    return rc;
}

int orm_rel_join(const orm_rel *r, const orm_table **via, orm_expr **on, orm_expr **on2)
{
    orm_expr *a, *b;
    *via = NULL;
    *on = *on2 = NULL;
    if (r->kind == ORM_REL_M2M) {
        *via = r->secondary;
        a = orm_expr_column(r->parent, r->local_col);
        b = orm_expr_column(r->secondary, r->sec_parent_col);
        *on = a && b ? orm_expr_binary(ORM_OP_EQ, a, b) : NULL;
        orm_expr_release(a);
        orm_expr_release(b);
        a = orm_expr_column(r->secondary, r->sec_target_col);
        b = orm_expr_column(r->target, r->remote_col);
        *on2 = a && b ? orm_expr_binary(ORM_OP_EQ, a, b) : NULL;
    } else {
        a = orm_expr_column(r->parent, r->local_col);
        b = orm_expr_column(r->target, r->remote_col);
        *on = a && b ? orm_expr_binary(ORM_OP_EQ, a, b) : NULL;
    }
    orm_expr_release(a);
    orm_expr_release(b);
    if (*on == NULL || (r->kind == ORM_REL_M2M && *on2 == NULL)) {
        orm_expr_release(*on);
        orm_expr_release(*on2);
        *on = *on2 = NULL;
        *via = NULL;
        return ORM_ENOMEM;
    }
    return ORM_OK;
}

orm_expr *orm_rel_dynamic_filter(const orm_rel *r, const orm_object *parent)
{
    assert(r->kind == ORM_REL_O2M && parent->table == r->parent);
    orm_expr *c = orm_expr_column(r->target, r->remote_col);
    orm_expr *b = c ? orm_expr_bind(&parent->values[r->local_col]) : NULL;
    orm_expr *eq = b ? orm_expr_binary(ORM_OP_EQ, c, b) : NULL;
    orm_expr_release(c);
    orm_expr_release(b);
    return eq;
}
