/* model_writer.c — the Lua text of reflected models: a models.lua as a
 * person would write it (one db.Model per table in foreign-key order). The
 * shell defines its reflected models by running this same text, so the
 * file `ormsh db models` writes behaves exactly like the reflected shell. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "reflect_model.h"
#include "reflect_names.h"

/* A Lua string literal. */
static void put_string(orm_buf *out, const char *s)
{
    orm_buf_putc(out, '"');
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\') {
            orm_buf_putc(out, '\\');
            orm_buf_putc(out, (char)*p);
        } else if (*p < 32 || *p == 127) {
            orm_buf_printf(out, "\\%03u", *p);
        } else {
            orm_buf_putc(out, (char)*p);
        }
    }
    orm_buf_putc(out, '"');
}

/* A column's default as the models write it: one a backend spells its
 * own way but every backend can say (PostgreSQL's now(), MariaDB's
 * current_timestamp() -> CURRENT_TIMESTAMP; MariaDB's 1 / 0 on a Boolean,
 * a TINYINT(1) -> TRUE / FALSE) takes the standard spelling, so models
 * written from one database create their tables on another; anything else
 * as the database gave it. */
static const char *portable_default(const orm_dbcolumn *c)
{
    const char *d = c->server_default;
    if (strcasecmp(d, "now()") == 0 || strcasecmp(d, "current_timestamp()") == 0)
        return "CURRENT_TIMESTAMP";
    if (c->type_known && c->type.kind == ORM_T_BOOLEAN) {
        if (strcmp(d, "1") == 0 || strcmp(d, "'1'") == 0) return "TRUE";
        if (strcmp(d, "0") == 0 || strcmp(d, "'0'") == 0) return "FALSE";
    }
    return d;
}

/* A table key: bare when it is an identifier, else ["..."]. */
static void put_key(orm_buf *out, const char *name)
{
    if (orm_name_is_identifier(name)) {
        orm_buf_puts(out, name);
    } else {
        orm_buf_putc(out, '[');
        put_string(out, name);
        orm_buf_putc(out, ']');
    }
}

static int single(const orm_strv *cols, const char *name)
{
    return cols->n == 1 && strcmp(cols->v[0], name) == 0;
}

/* The index that `index = true` stands for (ix_<table>_<col>), or -1; an
 * allocation failure sets out's oom flag. */
static int default_index(const orm_dbtable *t, const char *col, orm_buf *out)
{
    orm_buf name = ORM_BUF_INIT;
    orm_dbindex_default_name(t->name, col, &name);
    int found = -1;
    for (int i = 0; i < t->nindexes && found < 0; i++)
        if (single(&t->indexes[i].cols, col) && t->indexes[i].name &&
            strcmp(t->indexes[i].name, orm_buf_str(&name)) == 0)
            found = i;
    if (name.oom) out->oom = 1;
    orm_buf_free(&name);
    return found;
}

static void write_column(const orm_rclass *k, int i, orm_buf *out)
{
    const orm_dbtable *t = k->table;
    const orm_dbcolumn *c = &t->cols[i];
    char tbuf[64];
    orm_buf_puts(out, "  ");
    if (strncmp(c->name, "__", 2) == 0) { /* a model option's spelling: named apart */
        orm_buf attr = ORM_BUF_INIT;
        orm_buf_puts(&attr, c->name + strspn(c->name, "_"));
        if (attr.len == 0) orm_buf_puts(&attr, "col");
        do
            orm_buf_putc(&attr, '_');
        while (!attr.oom && orm_dbtable_find_column(t, orm_buf_str(&attr)) >= 0);
        put_key(out, orm_buf_str(&attr));
        if (attr.oom) out->oom = 1;
        orm_buf_free(&attr);
        orm_buf_puts(out, " = db.Column(");
        put_string(out, c->name);
        orm_buf_puts(out, ", db.");
    } else {
        put_key(out, c->name);
        orm_buf_puts(out, " = db.Column(db.");
    }
    if (c->type_known) {
        orm_buf_puts(out, orm_type_name(&c->type, tbuf, sizeof tbuf));
    } else {
        orm_buf_puts(out, "Text");
    }
    for (int f = 0; f < t->nfkeys; f++) {
        const orm_dbfkey *fk = &t->fkeys[f];
        if (!k->fk_ok[f] || !single(&fk->cols, c->name)) continue;
        orm_buf_puts(out, ", db.ForeignKey(");
        orm_buf t2 = ORM_BUF_INIT;
        orm_buf_printf(&t2, "%s.%s", fk->reftable, fk->refcols.n ? fk->refcols.v[0] : "id");
        put_string(out, orm_buf_str(&t2));
        if (t2.oom) out->oom = 1;
        orm_buf_free(&t2);
        if (fk->ondelete || fk->onupdate) {
            orm_buf_puts(out, ", {");
            if (fk->ondelete) {
                orm_buf_puts(out, " ondelete = ");
                put_string(out, fk->ondelete);
                orm_buf_puts(out, fk->onupdate ? "," : "");
            }
            if (fk->onupdate) {
                orm_buf_puts(out, " onupdate = ");
                put_string(out, fk->onupdate);
            }
            orm_buf_puts(out, " }");
        }
        orm_buf_putc(out, ')');
        break;
    }
    int pk = orm_strv_find(&t->pk, c->name) >= 0;
    int unique = 0, ix = default_index(t, c->name, out);
    for (int u = 0; u < t->nuniques; u++)
        if (single(&t->uniques[u].cols, c->name) && !t->uniques[u].name) unique = 1;
    if (ix >= 0 && t->indexes[ix].unique) unique = 1;
    size_t mark = out->len;
    orm_buf_puts(out, ", {");
    size_t open = out->len;
    if (pk) orm_buf_puts(out, " primary_key = true,");
    if (pk && t->pk.n == 1 && c->type_known && c->type.kind == ORM_T_INTEGER && !c->autoincrement)
        orm_buf_puts(out, " autoincrement = false,");
    if (pk && t->pk.n > 1 && c->autoincrement) orm_buf_puts(out, " autoincrement = true,");
    if (!pk && !c->nullable) orm_buf_puts(out, " nullable = false,");
    if (unique) orm_buf_puts(out, " unique = true,");
    if (ix >= 0) orm_buf_puts(out, " index = true,");
    if (c->computed) {
        orm_buf_puts(out, " computed = ");
        put_string(out, c->computed);
        orm_buf_putc(out, ',');
    }
    if (c->server_default && !(pk && c->autoincrement)) {
        orm_buf_puts(out, " server_default = ");
        put_string(out, portable_default(c));
        orm_buf_putc(out, ',');
    }
    if (out->len == open) { /* no options */
        out->len = mark;
        if (out->p) out->p[mark] = 0;
    } else {
        out->p[--out->len] = 0; /* the last comma */
        orm_buf_puts(out, " }");
    }
    orm_buf_puts(out, "),");
    if (!c->type_known)
        orm_buf_printf(out, " -- %s", c->type_sql ? c->type_sql : "no declared type");
    orm_buf_putc(out, '\n');
}

static void write_rel(const orm_rmodels *m, const orm_rrel *r, orm_buf *out)
{
    orm_buf_puts(out, "  ");
    put_key(out, r->name);
    orm_buf_puts(out, " = db.relationship(");
    put_string(out, m->classes[r->target].name);
    size_t mark = out->len;
    orm_buf_puts(out, ", {");
    size_t open = out->len;
    if (r->kind == ORM_RREL_M2M) {
        orm_buf_puts(out, " secondary = ");
        put_string(out, r->secondary);
        orm_buf_putc(out, ',');
    }
    if (r->kind == ORM_RREL_M2O && r->self_ref) orm_buf_puts(out, " uselist = false,");
    if (r->need_fk && r->fkcol) {
        orm_buf_puts(out, " foreign_keys = ");
        put_string(out, r->fkcol);
        orm_buf_putc(out, ',');
    }
    if (r->back) {
        orm_buf_puts(out, " back_populates = ");
        put_string(out, r->back);
        orm_buf_putc(out, ',');
    }
    if (out->len == open) {
        out->len = mark;
        if (out->p) out->p[mark] = 0;
    } else {
        out->p[--out->len] = 0;
        orm_buf_puts(out, " }");
    }
    orm_buf_puts(out, "),\n");
}

/* The column names as string literals, each after ", " (the first too
 * unless lead is 0). */
static void put_cols(orm_buf *out, const orm_strv *cols, int lead)
{
    for (int i = 0; i < cols->n; i++) {
        if (i || lead) orm_buf_puts(out, ", ");
        put_string(out, cols->v[i]);
    }
}

/* __table_args: the unique constraints and indexes the column options
 * cannot say (several columns, a name of their own); an index on an
 * expression only as a comment. */
static void write_table_args(const orm_rclass *k, orm_buf *out)
{
    const orm_dbtable *t = k->table;
    orm_buf args = ORM_BUF_INIT;
    for (int u = 0; u < t->nuniques; u++) {
        const orm_dbunique *x = &t->uniques[u];
        if (x->cols.n == 1 && !x->name) continue; /* unique = true */
        orm_buf_puts(&args, "    db.UniqueConstraint(");
        put_cols(&args, &x->cols, 0);
        if (x->name) {
            orm_buf_puts(&args, ", { name = ");
            put_string(&args, x->name);
            orm_buf_puts(&args, " }");
        }
        orm_buf_puts(&args, "),\n");
    }
    for (int i = 0; i < t->nindexes; i++) {
        const orm_dbindex *x = &t->indexes[i];
        if (x->cols.n == 1 && default_index(t, x->cols.v[0], out) == i) continue; /* index = true */
        if ((x->cols.n == 0 || !x->name) && x->sql) {
            orm_buf_printf(out, "  -- not declared here: %s\n", x->sql);
            continue;
        }
        if (x->cols.n == 0 || !x->name) {
            orm_buf_printf(out, "  -- index %s on an expression (not declared here)\n",
                           x->name ? x->name : "(unnamed)");
            continue;
        }
        orm_buf_puts(&args, "    db.Index(");
        put_string(&args, x->name);
        put_cols(&args, &x->cols, 1);
        if (x->unique) orm_buf_puts(&args, ", { unique = true }");
        orm_buf_puts(&args, "),\n");
    }
    if (args.len) {
        orm_buf_puts(out, "  __table_args = {\n");
        orm_buf_puts(out, orm_buf_str(&args));
        orm_buf_puts(out, "  },\n");
    }
    if (args.oom) out->oom = 1;
    orm_buf_free(&args);
}

void orm_rmodels_write_lua(const orm_rmodels *m, const char *header, orm_buf *out)
{
    if (header) orm_buf_printf(out, "%s\n", header);
    for (int o = 0; o < m->n; o++) {
        const orm_rclass *k = &m->classes[m->order[o]];
        if (k->mapped) continue;
        orm_buf_putc(out, '\n');
        if (k->readonly)
            orm_buf_puts(
                out, "-- no primary key: read-only, rows are told apart by all their columns\n");
        orm_buf_printf(out, "%s = db.Model(", k->name);
        put_string(out, k->name);
        orm_buf_puts(out, ", {\n  __tablename = ");
        put_string(out, k->table->name);
        orm_buf_puts(out, ",\n");
        if (k->readonly) orm_buf_puts(out, "  __readonly = true,\n");
        for (int i = 0; i < k->table->ncols; i++)
            write_column(k, i, out);
        for (int i = 0; i < k->nrels; i++)
            write_rel(m, &k->rels[i], out);
        write_table_args(k, out);
        orm_buf_puts(out, "})\n");
    }
}
