/* diff_render.c — autogenerate's operations written as the op calls of a
 * revision file (docs/reference.md): op.create_table("author", { op.column("id",
 * "Integer", { primary_key = true }), ... }), op.add_column, op.alter_column
 * ... A column's one-column unique constraint, index ix_<table>_<col> and
 * foreign key become its options (unique, index, foreign_key); whatever a
 * column option cannot say is written as a constraint or op of its own. */
#include <stdio.h>
#include <string.h>

#include "diff.h"

void orm_lua_quote(orm_buf *out, const char *s)
{
    orm_buf_putc(out, '"');
    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
        if (*p == '"' || *p == '\\')
            orm_buf_printf(out, "\\%c", *p);
        else if (*p == '\n')
            orm_buf_puts(out, "\\n");
        else if (*p < 0x20 || *p == 0x7f)
            orm_buf_printf(out, "\\%03d", *p);
        else
            orm_buf_putc(out, (char)*p);
    }
    orm_buf_putc(out, '"');
}

static void quote_list(orm_buf *out, const orm_strv *l)
{
    orm_buf_puts(out, "{ ");
    for (int i = 0; i < l->n; i++) {
        if (i) orm_buf_puts(out, ", ");
        orm_lua_quote(out, l->v[i]);
    }
    orm_buf_puts(out, " }");
}

static void put_type(orm_buf *out, const orm_dbcolumn *c)
{
    char buf[64];
    if (c->type_known)
        orm_lua_quote(out, orm_type_name(&c->type, buf, sizeof buf));
    else
        orm_lua_quote(out, c->type_sql ? c->type_sql : "");
}

/* What the column options of column i stand for, so the rest of the
 * table's constraints can be written separately. */
typedef struct colopts {
    int unique_opt, index_opt; /* the options written */
    int unique_used;           /* index of the unique constraint they stand for, or -1 */
    int index_used;            /* index of the index they stand for, or -1 */
    int fkey_used;             /* index of the foreign key written as foreign_key = ..., or -1 */
} colopts;

static int is_one(const orm_strv *cols, const char *col)
{
    return cols->n == 1 && strcmp(cols->v[0], col) == 0;
}

/* The options column i gets; an allocation failure sets out's oom flag. */
static colopts column_options(const orm_dbtable *t, int i, orm_buf *out)
{
    const char *col = t->cols[i].name;
    colopts o = {0, 0, -1, -1, -1};
    int u = -1, x = -1;
    for (int k = 0; k < t->nuniques && u < 0; k++)
        if (is_one(&t->uniques[k].cols, col)) u = k;
    orm_buf name = ORM_BUF_INIT;
    orm_dbindex_default_name(t->name, col, &name);
    for (int k = 0; k < t->nindexes && x < 0; k++)
        if (is_one(&t->indexes[k].cols, col) && strcmp(t->indexes[k].name, orm_buf_str(&name)) == 0)
            x = k;
    if (name.oom) out->oom = 1;
    orm_buf_free(&name);
    int iu = x >= 0 && t->indexes[x].unique;
    if (x >= 0 && (iu || u < 0)) { /* index = true [, unique = true]: the index */
        o.index_opt = 1;
        o.index_used = x;
        o.unique_opt = iu;
    }
    if (u >= 0 && !o.unique_opt) { /* unique = true alone: the constraint */
        o.unique_opt = 1;
        o.unique_used = u;
    }
    for (int k = 0; k < t->nfkeys && o.fkey_used < 0; k++) {
        const orm_dbfkey *f = &t->fkeys[k];
        if (!is_one(&f->cols, col) || f->refcols.n != 1) continue;
        orm_buf conv = ORM_BUF_INIT;
        orm_dbfkey anon = *f;
        anon.name = NULL;
        orm_dbfkey_name(t, &anon, &conv);
        if (!f->name || strcmp(f->name, orm_buf_str(&conv)) == 0) o.fkey_used = k;
        if (conv.oom) out->oom = 1;
        orm_buf_free(&conv);
    }
    return o;
}

static int integer_kind(const orm_dbcolumn *c)
{
    return c->type_known && (c->type.kind == ORM_T_INTEGER || c->type.kind == ORM_T_BIGINT);
}

/* op.column("name", "Type"[, { options }]) */
static void put_column(orm_buf *out, const orm_dbtable *t, int i, colopts *o)
{
    const orm_dbcolumn *c = &t->cols[i];
    int pk = orm_strv_find(&t->pk, c->name) >= 0;
    *o = column_options(t, i, out);
    orm_buf opts = ORM_BUF_INIT;
#define OPT(...)                                                                                   \
    orm_buf_printf(&opts, "%s", opts.len ? ", " : ""), orm_buf_printf(&opts, __VA_ARGS__)
    if (pk) OPT("primary_key = true");
    if (pk && t->pk.n == 1 && integer_kind(c) && !c->autoincrement) OPT("autoincrement = false");
    if (pk && t->pk.n > 1 && c->autoincrement) OPT("autoincrement = true");
    if (!pk && !c->nullable) OPT("nullable = false");
    if (o->unique_opt) OPT("unique = true");
    if (o->index_opt) OPT("index = true");
    if (c->computed) {
        OPT("computed = ");
        orm_lua_quote(&opts, c->computed);
    }
    if (c->server_default) {
        OPT("server_default = ");
        orm_lua_quote(&opts, c->server_default);
    }
    if (o->fkey_used >= 0) {
        const orm_dbfkey *f = &t->fkeys[o->fkey_used];
        OPT("foreign_key = ");
        orm_buf b = ORM_BUF_INIT;
        orm_buf_printf(&b, "%s.%s", f->reftable, f->refcols.v[0]);
        orm_lua_quote(&opts, orm_buf_str(&b));
        if (b.oom) out->oom = 1;
        orm_buf_free(&b);
        if (f->ondelete) {
            OPT("ondelete = ");
            orm_lua_quote(&opts, f->ondelete);
        }
        if (f->onupdate) {
            OPT("onupdate = ");
            orm_lua_quote(&opts, f->onupdate);
        }
    }
#undef OPT
    orm_buf_puts(out, "op.column(");
    orm_lua_quote(out, c->name);
    orm_buf_puts(out, ", ");
    put_type(out, c);
    if (opts.len) orm_buf_printf(out, ", { %s }", orm_buf_str(&opts));
    orm_buf_putc(out, ')');
    if (opts.oom) out->oom = 1; /* not a column without its options */
    orm_buf_free(&opts);
}

/* ", { name = .., ondelete = .., onupdate = .. }" with whichever apply. */
static void fkey_options(orm_buf *out, const orm_dbfkey *f, const char *name)
{
    const char *keys[3] = {"name", "ondelete", "onupdate"};
    const char *vals[3] = {name, f->ondelete, f->onupdate};
    int n = 0;
    for (int i = 0; i < 3; i++) {
        if (!vals[i]) continue;
        orm_buf_printf(out, "%s%s = ", n++ ? ", " : ", { ", keys[i]);
        orm_lua_quote(out, vals[i]);
    }
    if (n) orm_buf_puts(out, " }");
}

static void create_index(orm_buf *out, const char *table, const orm_dbindex *x)
{
    orm_buf_puts(out, "op.create_index(");
    orm_lua_quote(out, x->name);
    orm_buf_puts(out, ", ");
    orm_lua_quote(out, table);
    orm_buf_puts(out, ", ");
    quote_list(out, &x->cols);
    if (x->unique) orm_buf_puts(out, ", { unique = true }");
    orm_buf_putc(out, ')');
}

static void create_unique(orm_buf *out, const orm_dbtable *t, const orm_dbunique *u)
{
    orm_buf name = ORM_BUF_INIT;
    orm_dbunique_name(t, u, &name);
    orm_buf_puts(out, "op.create_unique_constraint(");
    orm_lua_quote(out, orm_buf_str(&name));
    orm_buf_puts(out, ", ");
    orm_lua_quote(out, t->name);
    orm_buf_puts(out, ", ");
    quote_list(out, &u->cols);
    orm_buf_putc(out, ')');
    if (name.oom) out->oom = 1;
    orm_buf_free(&name);
}

static void create_fkey(orm_buf *out, const orm_dbtable *t, const orm_dbfkey *f)
{
    orm_buf name = ORM_BUF_INIT;
    orm_dbfkey_name(t, f, &name);
    orm_buf_puts(out, "op.create_foreign_key(");
    orm_lua_quote(out, orm_buf_str(&name));
    orm_buf_puts(out, ", ");
    orm_lua_quote(out, t->name);
    orm_buf_puts(out, ", ");
    orm_lua_quote(out, f->reftable);
    orm_buf_puts(out, ", ");
    quote_list(out, &f->cols);
    orm_buf_puts(out, ", ");
    quote_list(out, &f->refcols);
    fkey_options(out, f, NULL);
    orm_buf_putc(out, ')');
    if (name.oom) out->oom = 1;
    orm_buf_free(&name);
}

static void drop_constraint(orm_buf *out, const char *name, const char *table, const char *type)
{
    orm_buf_puts(out, "op.drop_constraint(");
    orm_lua_quote(out, name);
    orm_buf_puts(out, ", ");
    orm_lua_quote(out, table);
    orm_buf_printf(out, ", { type = \"%s\" })", type);
}

static void newline(orm_buf *out, const char *indent)
{
    orm_buf_putc(out, '\n');
    orm_buf_puts(out, indent);
}

/* Marks which constraints the column options stood for. */
static void mark_used(const colopts *o, char *u_used, char *x_used, char *f_used)
{
    if (o->unique_used >= 0) u_used[o->unique_used] = 1;
    if (o->index_used >= 0) x_used[o->index_used] = 1;
    if (o->fkey_used >= 0) f_used[o->fkey_used] = 1;
}

static int create_table(orm_buf *out, const orm_dbtable *t, const char *indent)
{
    char u_used[t->nuniques + 1], x_used[t->nindexes + 1], f_used[t->nfkeys + 1];
    memset(u_used, 0, sizeof u_used);
    memset(x_used, 0, sizeof x_used);
    memset(f_used, 0, sizeof f_used);
    orm_buf_puts(out, "op.create_table(");
    orm_lua_quote(out, t->name);
    orm_buf_puts(out, ", {");
    for (int i = 0; i < t->ncols; i++) {
        colopts o;
        newline(out, indent);
        orm_buf_puts(out, "  ");
        put_column(out, t, i, &o);
        orm_buf_putc(out, ',');
        mark_used(&o, u_used, x_used, f_used);
    }
    for (int k = 0; k < t->nuniques; k++) {
        if (u_used[k]) continue;
        newline(out, indent);
        orm_buf_puts(out, "  op.unique_constraint(");
        quote_list(out, &t->uniques[k].cols);
        if (t->uniques[k].name) {
            orm_buf_puts(out, ", { name = ");
            orm_lua_quote(out, t->uniques[k].name);
            orm_buf_puts(out, " }");
        }
        orm_buf_puts(out, "),");
    }
    for (int k = 0; k < t->nfkeys; k++) {
        if (f_used[k]) continue;
        const orm_dbfkey *f = &t->fkeys[k];
        newline(out, indent);
        orm_buf_puts(out, "  op.foreign_key_constraint(");
        quote_list(out, &f->cols);
        orm_buf_puts(out, ", ");
        orm_lua_quote(out, f->reftable);
        orm_buf_puts(out, ", ");
        quote_list(out, &f->refcols);
        fkey_options(out, f, f->name);
        orm_buf_puts(out, "),");
    }
    newline(out, indent);
    orm_buf_puts(out, "})");
    for (int k = 0; k < t->nindexes; k++) {
        if (x_used[k] || t->indexes[k].cols.n == 0) continue;
        newline(out, indent);
        create_index(out, t->name, &t->indexes[k]);
    }
    return ORM_OK;
}

/* op.add_column for the fragment's column, then what its options cannot say. */
static void add_column(orm_buf *out, const orm_dbtable *f, const char *indent)
{
    colopts o;
    orm_buf_puts(out, "op.add_column(");
    orm_lua_quote(out, f->name);
    orm_buf_puts(out, ", ");
    put_column(out, f, 0, &o);
    orm_buf_putc(out, ')');
    for (int k = 0; k < f->nuniques; k++)
        if (k != o.unique_used) newline(out, indent), create_unique(out, f, &f->uniques[k]);
    for (int k = 0; k < f->nindexes; k++)
        if (k != o.index_used) newline(out, indent), create_index(out, f->name, &f->indexes[k]);
    for (int k = 0; k < f->nfkeys; k++)
        if (k != o.fkey_used) newline(out, indent), create_fkey(out, f, &f->fkeys[k]);
}

/* op.alter_column(t, c, { changed attributes of `to` against `from` }) */
static void alter_column(orm_buf *out, const char *table, const orm_dbcolumn *to,
                         const orm_dbcolumn *from)
{
    char a[64], b[64];
    orm_buf_puts(out, "op.alter_column(");
    orm_lua_quote(out, table);
    orm_buf_puts(out, ", ");
    orm_lua_quote(out, to->name);
    orm_buf_puts(out, ", { ");
    int n = 0;
    if (to->type_known && from->type_known &&
        strcmp(orm_type_name(&to->type, a, sizeof a), orm_type_name(&from->type, b, sizeof b))) {
        orm_buf_puts(out, "type = ");
        orm_lua_quote(out, a);
        n++;
    }
    if (to->nullable != from->nullable)
        orm_buf_printf(out, "%snullable = %s", n++ ? ", " : "", to->nullable ? "true" : "false");
    orm_buf_puts(out, " })");
}

static orm_mig_op_kind inverse_kind(orm_mig_op_kind k)
{
    switch (k) {
    case ORM_MIG_OP_CREATE_TABLE:
        return ORM_MIG_OP_DROP_TABLE;
    case ORM_MIG_OP_DROP_TABLE:
        return ORM_MIG_OP_CREATE_TABLE;
    case ORM_MIG_OP_ADD_COLUMN:
        return ORM_MIG_OP_DROP_COLUMN;
    case ORM_MIG_OP_DROP_COLUMN:
        return ORM_MIG_OP_ADD_COLUMN;
    case ORM_MIG_OP_CREATE_INDEX:
        return ORM_MIG_OP_DROP_INDEX;
    case ORM_MIG_OP_DROP_INDEX:
        return ORM_MIG_OP_CREATE_INDEX;
    case ORM_MIG_OP_CREATE_UNIQUE:
        return ORM_MIG_OP_DROP_UNIQUE;
    case ORM_MIG_OP_DROP_UNIQUE:
        return ORM_MIG_OP_CREATE_UNIQUE;
    case ORM_MIG_OP_CREATE_FKEY:
        return ORM_MIG_OP_DROP_FKEY;
    case ORM_MIG_OP_DROP_FKEY:
        return ORM_MIG_OP_CREATE_FKEY;
    default:
        return k;
    }
}

int orm_mig_op_render(const orm_mig_op *op, int inverse, const char *indent, orm_buf *out)
{
    const orm_dbtable *t = op->t;
    orm_buf name = ORM_BUF_INIT;
    switch (inverse ? inverse_kind(op->kind) : op->kind) {
    case ORM_MIG_OP_CREATE_TABLE:
        create_table(out, t, indent);
        break;
    case ORM_MIG_OP_DROP_TABLE:
        orm_buf_puts(out, "op.drop_table(");
        orm_lua_quote(out, t->name);
        orm_buf_putc(out, ')');
        break;
    case ORM_MIG_OP_ADD_COLUMN:
        add_column(out, t, indent);
        break;
    case ORM_MIG_OP_DROP_COLUMN:
        orm_buf_puts(out, "op.drop_column(");
        orm_lua_quote(out, t->name);
        orm_buf_puts(out, ", ");
        orm_lua_quote(out, t->cols[0].name);
        orm_buf_putc(out, ')');
        break;
    case ORM_MIG_OP_ALTER_COLUMN:
        if (inverse)
            alter_column(out, t->name, &op->old, &t->cols[0]);
        else
            alter_column(out, t->name, &t->cols[0], &op->old);
        break;
    case ORM_MIG_OP_CREATE_INDEX:
        create_index(out, t->name, &t->indexes[0]);
        break;
    case ORM_MIG_OP_DROP_INDEX:
        orm_buf_puts(out, "op.drop_index(");
        orm_lua_quote(out, t->indexes[0].name);
        orm_buf_puts(out, ", ");
        orm_lua_quote(out, t->name);
        orm_buf_putc(out, ')');
        break;
    case ORM_MIG_OP_CREATE_UNIQUE:
        create_unique(out, t, &t->uniques[0]);
        break;
    case ORM_MIG_OP_DROP_UNIQUE:
        orm_dbunique_name(t, &t->uniques[0], &name);
        drop_constraint(out, orm_buf_str(&name), t->name, "unique");
        break;
    case ORM_MIG_OP_CREATE_FKEY:
        create_fkey(out, t, &t->fkeys[0]);
        break;
    case ORM_MIG_OP_DROP_FKEY:
        orm_dbfkey_name(t, &t->fkeys[0], &name);
        drop_constraint(out, orm_buf_str(&name), t->name, "foreignkey");
        break;
    }
    if (name.oom) out->oom = 1;
    orm_buf_free(&name);
    return out->oom ? ORM_ENOMEM : ORM_OK;
}

static void line(orm_buf *out, const char *indent, const char *text)
{
    orm_buf_puts(out, indent);
    orm_buf_puts(out, text);
    orm_buf_putc(out, '\n');
}

int orm_mig_ops_render(const orm_mig_ops *ops, int downgrade, const char *indent, orm_buf *out)
{
    orm_buf b = ORM_BUF_INIT;
    int oom = 0; /* b's flag is cleared by each reset: gathered here */
    if (!downgrade && ops->unmapped.n) {
        orm_buf_puts(&b, "-- Left alone (no model maps them, no revision created them):");
        for (int i = 0; i < ops->unmapped.n; i++)
            orm_buf_printf(&b, "%s %s", i ? "," : "", ops->unmapped.v[i]);
        line(out, indent, orm_buf_str(&b));
        oom |= b.oom;
        orm_buf_reset(&b);
    }
    for (int k = 0; k < ops->n; k++) {
        const orm_mig_op *op = &ops->v[downgrade ? ops->n - 1 - k : k];
        if (!downgrade && op->comment) {
            orm_buf_printf(&b, "-- %s", op->comment);
            line(out, indent, orm_buf_str(&b));
            oom |= b.oom;
            orm_buf_reset(&b);
        }
        orm_mig_op_render(op, downgrade, indent, &b);
        line(out, indent, orm_buf_str(&b));
        oom |= b.oom;
        orm_buf_reset(&b);
    }
    oom |= b.oom;
    orm_buf_free(&b);
    return oom || out->oom ? ORM_ENOMEM : ORM_OK;
}
