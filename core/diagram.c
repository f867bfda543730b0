/* diagram.c — a schema as a Graphviz dot graph (see diagram.h). Names are
 * escaped for dot's quoted strings and HTML-like labels. */
#include "diagram.h"

#include <string.h>

#include "schema.h"

/* Text inside an HTML-like label. */
static void put_html(orm_buf *out, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '<':
            orm_buf_puts(out, "&lt;");
            break;
        case '>':
            orm_buf_puts(out, "&gt;");
            break;
        case '&':
            orm_buf_puts(out, "&amp;");
            break;
        case '"':
            orm_buf_puts(out, "&quot;");
            break;
        default:
            orm_buf_putc(out, *s);
        }
    }
}

/* A dot quoted string. */
static void put_quoted(orm_buf *out, const char *s)
{
    orm_buf_putc(out, '"');
    for (; *s; s++) {
        if (*s == '"' || *s == '\\') orm_buf_putc(out, '\\');
        if (*s == '\n') {
            orm_buf_puts(out, "\\n");
            continue;
        }
        orm_buf_putc(out, *s);
    }
    orm_buf_putc(out, '"');
}

static int is_fk(const orm_dbtable *t, const char *col)
{
    for (int f = 0; f < t->nfkeys; f++)
        if (orm_strv_find(&t->fkeys[f].cols, col) >= 0) return 1;
    return 0;
}

static void put_table(const orm_dbtable *t, const char *title, orm_buf *out)
{
    orm_buf_puts(out, "  ");
    put_quoted(out, t->name);
    orm_buf_puts(out, " [label=<<table border=\"0\" cellborder=\"1\" cellspacing=\"0\">\n"
                      "    <tr><td colspan=\"3\" bgcolor=\"lightgrey\"><b>");
    put_html(out, title ? title : t->name);
    orm_buf_puts(out, "</b>");
    if (title && strcmp(title, t->name) != 0) {
        orm_buf_puts(out, " (");
        put_html(out, t->name);
        orm_buf_putc(out, ')');
    }
    orm_buf_puts(out, "</td></tr>\n");
    for (int i = 0; i < t->ncols; i++) {
        const orm_dbcolumn *c = &t->cols[i];
        int pk = orm_strv_find(&t->pk, c->name) >= 0, fk = is_fk(t, c->name);
        char tbuf[64];
        const char *type = c->type_known ? orm_type_name(&c->type, tbuf, sizeof tbuf)
                                         : (c->type_sql ? c->type_sql : "?");
        orm_buf_puts(out, "    <tr><td align=\"left\">");
        put_html(out, pk && fk ? "PK FK" : pk ? "PK" : fk ? "FK" : " ");
        orm_buf_puts(out, "</td><td align=\"left\">");
        put_html(out, c->name);
        orm_buf_puts(out, "</td><td align=\"left\">");
        put_html(out, type);
        orm_buf_puts(out, c->nullable && !pk ? " NULL" : " NOT NULL");
        orm_buf_puts(out, "</td></tr>\n");
    }
    orm_buf_puts(out, "  </table>>];\n");
}

void orm_diagram_dot(const orm_dbschema *s, const char *const *titles,
                     const orm_diagram_label *labels, int nlabels, orm_buf *out)
{
    orm_buf_puts(out, "digraph schema {\n  graph [rankdir=LR];\n  node [shape=plaintext];\n"
                      "  edge [arrowhead=crow, arrowtail=none];\n");
    for (int i = 0; i < s->ntables; i++)
        put_table(s->tables[i], titles ? titles[i] : NULL, out);
    for (int i = 0; i < s->ntables; i++) {
        const orm_dbtable *t = s->tables[i];
        for (int f = 0; f < t->nfkeys; f++) {
            const orm_dbfkey *fk = &t->fkeys[f];
            orm_buf label = ORM_BUF_INIT;
            for (int c = 0; c < fk->cols.n; c++)
                orm_buf_printf(&label, "%s%s", c ? ", " : "", fk->cols.v[c]);
            for (int l = 0; l < nlabels && fk->cols.n == 1; l++) {
                if (strcmp(labels[l].table, t->name) != 0 ||
                    strcmp(labels[l].column, fk->cols.v[0]) != 0)
                    continue;
                orm_buf_printf(&label, "\n%s / %s", labels[l].m2o ? labels[l].m2o : "-",
                               labels[l].o2m ? labels[l].o2m : "-");
            }
            orm_buf_puts(out, "  ");
            put_quoted(out, fk->reftable);
            orm_buf_puts(out, " -> ");
            put_quoted(out, t->name);
            orm_buf_puts(out, " [label=");
            put_quoted(out, orm_buf_str(&label));
            orm_buf_puts(out, "];\n");
            if (label.oom) out->oom = 1;
            orm_buf_free(&label);
        }
    }
    orm_buf_puts(out, "}\n");
}
