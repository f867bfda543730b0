/* diff.c — autogenerate's comparison: the models' schema (target) against
 * the database's (current), table by table, producing orm_mig_ops in the
 * order a revision runs them: new tables (parents first); for each mapped
 * table added columns, type/nullability changes, dropped indexes and
 * constraints, dropped columns, new indexes and constraints; then dropped
 * tables (children first). */
#include "diff.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct differ {
    const orm_dbschema *target, *current;
    const orm_diff_opts *o;
    orm_mig_ops *out;
    int oom;
} differ;

static void notice(differ *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void notice(differ *d, const char *fmt, ...)
{
    orm_buf b = ORM_BUF_INIT;
    va_list ap;
    va_start(ap, fmt);
    orm_buf_vprintf(&b, fmt, ap);
    va_end(ap);
    if (b.oom || orm_strv_push(&d->out->notices, orm_buf_str(&b)) < 0) d->oom = 1;
    orm_buf_free(&b);
}

/* Appends an op owning t (NULL t: out of memory, recorded). Returns the op or NULL. */
static orm_mig_op *add_op(differ *d, orm_mig_op_kind kind, orm_dbtable *t)
{
    orm_mig_ops *ops = d->out;
    orm_mig_op *v = t ? realloc(ops->v, (size_t)(ops->n + 1) * sizeof *v) : NULL;
    if (!v) {
        orm_dbtable_free(t);
        d->oom = 1;
        return NULL;
    }
    ops->v = v;
    orm_mig_op *op = &v[ops->n++];
    memset(op, 0, sizeof *op);
    op->kind = kind;
    op->t = t;
    return op;
}

void orm_mig_ops_free(orm_mig_ops *ops)
{
    for (int i = 0; i < ops->n; i++) {
        orm_dbtable_free(ops->v[i].t);
        orm_dbcolumn_clear(&ops->v[i].old);
        free(ops->v[i].comment);
    }
    free(ops->v);
    orm_strv_free(&ops->unmapped);
    orm_strv_free(&ops->notices);
    memset(ops, 0, sizeof *ops);
}

static int excluded(const differ *d, const char *name)
{
    for (const char *const *e = d->o ? d->o->exclude : NULL; e && *e; e++)
        if (strcmp(*e, name) == 0) return 1;
    return 0;
}

static int managed(const differ *d, const char *name)
{
    return d->o && d->o->managed && orm_strv_find(d->o->managed, name) >= 0;
}

/* ---- fragments ---------------------------------------------------------- */

static int uses_only(const orm_strv *cols, const char *col)
{
    return cols->n == 1 && strcmp(cols->v[0], col) == 0;
}

/* A fragment of t holding column col and its one-column constraints. */
static orm_dbtable *column_fragment(differ *d, const orm_dbtable *t, int col)
{
    orm_dbtable *f = orm_dbtable_new(t->name);
    const char *name = t->cols[col].name;
    int rc = f ? orm_dbtable_add_column(f, &t->cols[col]) : ORM_ENOMEM;
    for (int i = 0; rc == ORM_OK && i < t->nuniques; i++)
        if (uses_only(&t->uniques[i].cols, name)) rc = orm_dbtable_add_unique(f, &t->uniques[i]);
    for (int i = 0; rc == ORM_OK && i < t->nindexes; i++)
        if (uses_only(&t->indexes[i].cols, name)) rc = orm_dbtable_add_index(f, &t->indexes[i]);
    for (int i = 0; rc == ORM_OK && i < t->nfkeys; i++)
        if (uses_only(&t->fkeys[i].cols, name)) rc = orm_dbtable_add_fkey(f, &t->fkeys[i]);
    if (rc == ORM_OK) return f;
    orm_dbtable_free(f);
    d->oom = 1;
    return NULL;
}

static orm_dbtable *empty_fragment(differ *d, const char *table)
{
    orm_dbtable *f = orm_dbtable_new(table);
    if (!f) d->oom = 1;
    return f;
}

/* ---- columns ------------------------------------------------------------ */

static int same_type(const orm_dbcolumn *a, const orm_dbcolumn *b)
{
    if (!a->type_known || !b->type_known) return 1;     /* cannot tell: never a difference */
    if (a->autoincrement && b->autoincrement) return 1; /* the generated key's spelling */
    if (a->type.kind != b->type.kind) return 0;
    if (a->type.kind == ORM_T_STRING) return a->type.length == b->type.length;
    if (a->type.kind == ORM_T_NUMERIC)
        return a->type.precision == b->type.precision && a->type.scale == b->type.scale;
    return 1;
}

static void type_text(const orm_dbcolumn *c, char *buf, size_t n)
{
    if (c->type_known)
        orm_type_name(&c->type, buf, n);
    else
        snprintf(buf, n, "%s", c->type_sql ? c->type_sql : "?");
}

static int in_pk(const orm_dbtable *t, const char *col)
{
    return orm_strv_find(&t->pk, col) >= 0;
}

static void alter_column(differ *d, const orm_dbtable *tt, int ti, const orm_dbtable *ct, int ci)
{
    const orm_dbcolumn *want = &tt->cols[ti], *have = &ct->cols[ci];
    int type_changed = !same_type(want, have);
    /* a computed column's nullability follows from its expression
     * (MariaDB keeps no NOT NULL on one): never a difference */
    int null_changed = want->nullable != have->nullable && !in_pk(tt, want->name) &&
                       !in_pk(ct, have->name) && !(want->computed && have->computed);
    if (!type_changed && !null_changed) return;
    orm_dbtable *f = empty_fragment(d, tt->name);
    orm_dbcolumn col;
    int oom = !f;
    if (f && orm_dbcolumn_copy(&col, have) == ORM_OK) { /* the database's column, changed */
        if (type_changed) {
            col.type = want->type;
            col.type_known = 1;
            free(col.type_sql);
            col.type_sql = NULL;
        }
        col.nullable = null_changed ? want->nullable : have->nullable;
        if (orm_dbtable_add_column(f, &col) < 0) oom = 1;
        orm_dbcolumn_clear(&col);
    } else {
        oom = 1;
    }
    if (oom) {
        orm_dbtable_free(f);
        f = NULL;
    }
    orm_mig_op *op = add_op(d, ORM_MIG_OP_ALTER_COLUMN, f);
    if (op && orm_dbcolumn_copy(&op->old, have) < 0) d->oom = 1;
    char a[64], b[64];
    type_text(have, a, sizeof a);
    type_text(want, b, sizeof b);
    if (type_changed)
        notice(d, "Detected type change from %s to %s on '%s.%s'", a, b, tt->name, want->name);
    if (null_changed)
        notice(d, "Detected %s on column '%s.%s'", want->nullable ? "NULL" : "NOT NULL", tt->name,
               want->name);
}

/* ---- indexes and constraints --------------------------------------------- */

static int same_fkey(const orm_dbfkey *a, const orm_dbfkey *b)
{
    const char *ad = a->ondelete ? a->ondelete : "", *bd = b->ondelete ? b->ondelete : "";
    const char *au = a->onupdate ? a->onupdate : "", *bu = b->onupdate ? b->onupdate : "";
    return orm_strv_equal(&a->cols, &b->cols) && strcmp(a->reftable, b->reftable) == 0 &&
           orm_strv_equal(&a->refcols, &b->refcols) && strcmp(ad, bd) == 0 && strcmp(au, bu) == 0;
}

/* 1 when any of cols is in list (columns added or dropped, whose op brings
 * its one-column constraints along). */
static int touches(const orm_strv *cols, const orm_strv *list)
{
    if (cols->n != 1) return 0;
    return orm_strv_find(list, cols->v[0]) >= 0;
}

/* 1 when some column of cols is in list (a dropped column takes every
 * constraint using it along). */
static int uses_any(const orm_strv *cols, const orm_strv *list)
{
    for (int i = 0; i < cols->n; i++)
        if (orm_strv_find(list, cols->v[i]) >= 0) return 1;
    return 0;
}

static void fragment_op(differ *d, orm_mig_op_kind kind, const char *table, const orm_dbindex *x,
                        const orm_dbunique *u, const orm_dbfkey *f)
{
    orm_dbtable *t = empty_fragment(d, table);
    if (!t) return;
    int rc = x   ? orm_dbtable_add_index(t, x)
             : u ? orm_dbtable_add_unique(t, u)
                 : orm_dbtable_add_fkey(t, f);
    if (rc < 0) {
        orm_dbtable_free(t);
        d->oom = 1;
        return;
    }
    add_op(d, kind, t);
}

static void cols_text(orm_buf *b, const orm_strv *cols)
{
    orm_buf_putc(b, '(');
    for (int i = 0; i < cols->n; i++)
        orm_buf_printf(b, "%s%s", i ? ", " : "", cols->v[i]);
    orm_buf_putc(b, ')');
}

static void notice_cols(differ *d, const char *what, const char *name, const char *table,
                        const orm_strv *cols)
{
    orm_buf b = ORM_BUF_INIT;
    cols_text(&b, cols);
    if (b.oom) d->oom = 1; /* not a notice without its columns */
    if (name)
        notice(d, "Detected %s '%s' on '%s%s'", what, name, table, orm_buf_str(&b));
    else
        notice(d, "Detected %s on '%s%s'", what, table, orm_buf_str(&b));
    orm_buf_free(&b);
}

/* Index changes: by name; an index whose columns or uniqueness changed is
 * dropped and created again. Expression indexes (no column list) are left
 * alone. drop == 1: the drops, 0: the creates. */
static void diff_indexes(differ *d, const orm_dbtable *tt, const orm_dbtable *ct,
                         const orm_strv *added, const orm_strv *dropped, int drop)
{
    for (int i = 0; drop && i < ct->nindexes; i++) {
        const orm_dbindex *have = &ct->indexes[i];
        int k = orm_dbtable_find_index(tt, have->name);
        if (have->cols.n == 0 || uses_any(&have->cols, dropped)) continue;
        if (k >= 0 && orm_strv_equal(&tt->indexes[k].cols, &have->cols) &&
            tt->indexes[k].unique == have->unique)
            continue;
        fragment_op(d, ORM_MIG_OP_DROP_INDEX, ct->name, have, NULL, NULL);
        notice_cols(d, "removed index", have->name, ct->name, &have->cols);
    }
    for (int i = 0; !drop && i < tt->nindexes; i++) {
        const orm_dbindex *want = &tt->indexes[i];
        int k = orm_dbtable_find_index(ct, want->name);
        if (touches(&want->cols, added)) continue;
        if (k >= 0 && orm_strv_equal(&ct->indexes[k].cols, &want->cols) &&
            ct->indexes[k].unique == want->unique)
            continue;
        orm_dbindex x = *want;
        x.sql = NULL;
        fragment_op(d, ORM_MIG_OP_CREATE_INDEX, tt->name, &x, NULL, NULL);
        notice_cols(d, want->unique ? "added unique index" : "added index", want->name, tt->name,
                    &want->cols);
    }
}

static int has_unique(const orm_dbtable *t, const orm_strv *cols)
{
    for (int i = 0; i < t->nuniques; i++)
        if (orm_strv_equal(&t->uniques[i].cols, cols)) return 1;
    return 0;
}

static int has_fkey(const orm_dbtable *t, const orm_dbfkey *f)
{
    for (int i = 0; i < t->nfkeys; i++)
        if (same_fkey(&t->fkeys[i], f)) return 1;
    return 0;
}

static void diff_constraints(differ *d, const orm_dbtable *tt, const orm_dbtable *ct,
                             const orm_strv *added, const orm_strv *dropped, int drop)
{
    for (int i = 0; drop && i < ct->nuniques; i++) {
        const orm_dbunique *u = &ct->uniques[i];
        if (uses_any(&u->cols, dropped) || has_unique(tt, &u->cols)) continue;
        fragment_op(d, ORM_MIG_OP_DROP_UNIQUE, ct->name, NULL, u, NULL);
        notice_cols(d, "removed unique constraint", u->name, ct->name, &u->cols);
    }
    for (int i = 0; drop && i < ct->nfkeys; i++) {
        const orm_dbfkey *f = &ct->fkeys[i];
        if (uses_any(&f->cols, dropped) || has_fkey(tt, f)) continue;
        /* a key to a table no model maps (and no revision made) is left as it
         * is, as that table is: a model cannot declare it */
        if (!orm_dbschema_find(d->target, f->reftable) && !managed(d, f->reftable)) continue;
        fragment_op(d, ORM_MIG_OP_DROP_FKEY, ct->name, NULL, NULL, f);
        notice_cols(d, "removed foreign key", f->name, ct->name, &f->cols);
    }
    for (int i = 0; !drop && i < tt->nuniques; i++) {
        const orm_dbunique *u = &tt->uniques[i];
        if (touches(&u->cols, added) || has_unique(ct, &u->cols)) continue;
        fragment_op(d, ORM_MIG_OP_CREATE_UNIQUE, tt->name, NULL, u, NULL);
        notice_cols(d, "added unique constraint", u->name, tt->name, &u->cols);
    }
    for (int i = 0; !drop && i < tt->nfkeys; i++) {
        const orm_dbfkey *f = &tt->fkeys[i];
        if (touches(&f->cols, added) || has_fkey(ct, f)) continue;
        fragment_op(d, ORM_MIG_OP_CREATE_FKEY, tt->name, NULL, NULL, f);
        notice_cols(d, "added foreign key", f->name, tt->name, &f->cols);
    }
}

/* ---- one mapped table --------------------------------------------------- */

static char *rename_note(const char *table, const orm_strv *added, const orm_strv *dropped)
{
    orm_buf b = ORM_BUF_INIT;
    orm_buf_printf(&b, "Check: %s loses column%s", table, dropped->n > 1 ? "s" : "");
    for (int i = 0; i < dropped->n; i++)
        orm_buf_printf(&b, "%s %s", i ? "," : "", dropped->v[i]);
    orm_buf_printf(&b, " and gains");
    for (int i = 0; i < added->n; i++)
        orm_buf_printf(&b, "%s %s", i ? "," : "", added->v[i]);
    orm_buf_printf(&b,
                   ". If it is a rename, replace the add_column and drop_column with "
                   "op.alter_column(\"%s\", \"%s\", { new_name = \"%s\" }): dropping a column "
                   "loses its data.",
                   table, dropped->v[0], added->v[0]);
    return orm_buf_detach(&b);
}

static void diff_table(differ *d, const orm_dbtable *tt, const orm_dbtable *ct)
{
    orm_strv added = ORM_STRV_INIT, dropped = ORM_STRV_INIT;
    for (int i = 0; i < tt->ncols; i++)
        if (orm_dbtable_find_column(ct, tt->cols[i].name) < 0 &&
            orm_strv_push(&added, tt->cols[i].name) < 0)
            d->oom = 1;
    for (int i = 0; i < ct->ncols; i++)
        if (orm_dbtable_find_column(tt, ct->cols[i].name) < 0 &&
            orm_strv_push(&dropped, ct->cols[i].name) < 0)
            d->oom = 1;
    for (int i = 0; i < tt->ncols; i++) {
        if (orm_strv_find(&added, tt->cols[i].name) < 0) continue;
        orm_mig_op *op = add_op(d, ORM_MIG_OP_ADD_COLUMN, column_fragment(d, tt, i));
        notice(d, "Detected added column '%s.%s'", tt->name, tt->cols[i].name);
        /* a column gone and one new: maybe a rename, which is never guessed */
        if (op && dropped.n && strcmp(tt->cols[i].name, added.v[0]) == 0 &&
            !(op->comment = rename_note(tt->name, &added, &dropped)))
            d->oom = 1;
    }
    for (int i = 0; i < tt->ncols; i++) {
        int k = orm_dbtable_find_column(ct, tt->cols[i].name);
        if (k >= 0) alter_column(d, tt, i, ct, k);
    }
    diff_indexes(d, tt, ct, &added, &dropped, 1);
    diff_constraints(d, tt, ct, &added, &dropped, 1);
    for (int i = 0; i < ct->ncols; i++) {
        if (orm_strv_find(&dropped, ct->cols[i].name) < 0) continue;
        add_op(d, ORM_MIG_OP_DROP_COLUMN, column_fragment(d, ct, i));
        notice(d, "Detected removed column '%s.%s'", ct->name, ct->cols[i].name);
    }
    diff_indexes(d, tt, ct, &added, &dropped, 0);
    diff_constraints(d, tt, ct, &added, &dropped, 0);
    orm_strv_free(&added);
    orm_strv_free(&dropped);
}

/* ---- tables ------------------------------------------------------------- */

/* 1 when t references a table in `among` other than itself that is not yet placed. */
static int waits_for(const orm_dbtable *t, const orm_strv *among, const orm_strv *placed)
{
    for (int i = 0; i < t->nfkeys; i++) {
        const char *p = t->fkeys[i].reftable;
        if (strcmp(p, t->name) != 0 && orm_strv_find(among, p) >= 0 && orm_strv_find(placed, p) < 0)
            return 1;
    }
    return 0;
}

/* The tables named in `names` (from s) in foreign-key order, parents first;
 * a cycle is broken by the given order. */
static int fk_order(const orm_dbschema *s, const orm_strv *names, orm_strv *out)
{
    for (int k = 0; k < names->n; k++) {
        int pick = -1, first = -1;
        for (int i = 0; i < names->n && pick < 0; i++) {
            if (orm_strv_find(out, names->v[i]) >= 0) continue;
            if (first < 0) first = i;
            if (!waits_for(orm_dbschema_find(s, names->v[i]), names, out)) pick = i;
        }
        if (orm_strv_push(out, names->v[pick < 0 ? first : pick]) < 0) return ORM_ENOMEM;
    }
    return ORM_OK;
}

static char *table_rename_note(const orm_strv *created, const orm_strv *dropped)
{
    orm_buf b = ORM_BUF_INIT;
    orm_buf_printf(&b,
                   "Check: table %s is dropped and %s created. If it was renamed, replace both "
                   "with op.rename_table(\"%s\", \"%s\"): dropping a table loses its rows.",
                   dropped->v[0], created->v[0], dropped->v[0], created->v[0]);
    return orm_buf_detach(&b);
}

int orm_diff(const orm_dbschema *target, const orm_dbschema *current, const orm_diff_opts *o,
             orm_mig_ops *out)
{
    differ d = {target, current, o, out, 0};
    orm_strv created = ORM_STRV_INIT, dropped = ORM_STRV_INIT, order = ORM_STRV_INIT;
    for (int i = 0; i < target->ntables; i++) {
        const char *name = target->tables[i]->name;
        if (!excluded(&d, name) && !orm_dbschema_find(current, name) &&
            orm_strv_push(&created, name) < 0)
            d.oom = 1;
    }
    for (int i = 0; i < current->ntables; i++) {
        const char *name = current->tables[i]->name;
        if (excluded(&d, name) || orm_dbschema_find(target, name)) continue;
        orm_strv *list = managed(&d, name) ? &dropped : &out->unmapped;
        if (orm_strv_push(list, name) < 0) d.oom = 1;
    }
    if (!d.oom && fk_order(target, &created, &order) < 0) d.oom = 1;
    for (int i = 0; !d.oom && i < order.n; i++) {
        add_op(&d, ORM_MIG_OP_CREATE_TABLE,
               orm_dbtable_copy(orm_dbschema_find(target, order.v[i])));
        notice(&d, "Detected added table '%s'", order.v[i]);
    }
    for (int i = 0; !d.oom && i < target->ntables; i++) {
        const orm_dbtable *tt = target->tables[i], *ct = orm_dbschema_find(current, tt->name);
        if (ct && !excluded(&d, tt->name)) diff_table(&d, tt, ct);
    }
    orm_strv_free(&order);
    if (!d.oom && fk_order(current, &dropped, &order) < 0) d.oom = 1;
    for (int i = order.n - 1; !d.oom && i >= 0; i--) {
        orm_mig_op *op = add_op(&d, ORM_MIG_OP_DROP_TABLE,
                                orm_dbtable_copy(orm_dbschema_find(current, order.v[i])));
        notice(&d, "Detected removed table '%s'", order.v[i]);
        if (op && created.n && i == order.n - 1 &&
            !(op->comment = table_rename_note(&created, &dropped)))
            d.oom = 1;
    }
    orm_strv_free(&order);
    orm_strv_free(&created);
    orm_strv_free(&dropped);
    return d.oom ? ORM_ENOMEM : ORM_OK;
}
