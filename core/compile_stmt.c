/* compile_stmt.c — the unit-of-work statements (INSERT, UPDATE, DELETE and
 * SELECT by primary key: text only, the caller binds in the documented
 * order, so the text can key the statement cache) and db.text's :name
 * parameters rewritten to placeholders. */
#include "compile.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

static int done(const orm_buf *out)
{
    return out->oom ? ORM_ENOMEM : ORM_OK;
}

static void put_column(const orm_dialect *d, orm_buf *out, const orm_table *t, int col)
{
    orm_dialect_quote(d, out, t->name);
    orm_buf_putc(out, '.');
    orm_dialect_quote(d, out, t->cols[col].name);
}

/* " WHERE t.pk1 = ? AND t.pk2 = ?" with placeholders from n+1 on; with
 * version (a table with a version column, UPDATE and DELETE) also
 * " AND COALESCE(t.version, 0) = ?" (a row from before versioning: 0). */
static void put_pk_where(const orm_dialect *d, orm_buf *out, const orm_table *t, int n, int version)
{
    orm_buf_puts(out, " WHERE ");
    for (int i = 0; i < t->npk; i++) {
        if (i) orm_buf_puts(out, " AND ");
        put_column(d, out, t, t->pk[i]);
        orm_buf_puts(out, " = ");
        orm_dialect_placeholder(d, out, n + i + 1);
    }
    if (version && t->version_col >= 0) {
        orm_buf_puts(out, " AND COALESCE(");
        put_column(d, out, t, t->version_col);
        orm_buf_puts(out, ", 0) = ");
        orm_dialect_placeholder(d, out, n + t->npk + 1);
    }
}

static uint64_t table_mask(const orm_table *t)
{
    return t->ncols >= 64 ? ~(uint64_t)0 : ((uint64_t)1 << t->ncols) - 1;
}

int orm_compile_insert_rows(const orm_dialect *d, const orm_table *t, uint64_t mask, int nrows,
                            int keys_given, orm_buf *out)
{
    mask &= table_mask(t);
    assert(nrows >= 1 && (mask || nrows == 1));
    orm_buf_puts(out, "INSERT INTO ");
    orm_dialect_quote(d, out, t->name);
    if (!mask) {
        orm_buf_puts(out, d->default_values ? d->default_values : " DEFAULT VALUES");
        return done(out);
    }
    orm_buf_puts(out, " (");
    int n = 0;
    for (int i = 0; i < t->ncols; i++) {
        if (!(mask >> i & 1)) continue;
        if (n++) orm_buf_puts(out, ", ");
        orm_dialect_quote(d, out, t->cols[i].name);
    }
    orm_buf_putc(out, ')');
    if (keys_given && d->override_identity) orm_buf_puts(out, d->override_identity);
    orm_buf_puts(out, " VALUES ");
    for (int r = 0; r < nrows; r++) {
        orm_buf_puts(out, r ? ", (" : "(");
        for (int i = 0; i < n; i++) {
            if (i) orm_buf_puts(out, ", ");
            orm_dialect_placeholder(d, out, r * n + i + 1);
        }
        orm_buf_putc(out, ')');
    }
    return done(out);
}

int orm_compile_insert(const orm_dialect *d, const orm_table *t, uint64_t mask, orm_buf *out)
{
    return orm_compile_insert_rows(d, t, mask, 1, 0, out);
}

int orm_compile_insert_keys(const orm_dialect *d, const orm_table *t, uint64_t mask, orm_buf *out)
{
    return orm_compile_insert_rows(d, t, mask, 1, 1, out);
}

int orm_compile_update(const orm_dialect *d, const orm_table *t, uint64_t mask, orm_buf *out)
{
    mask &= table_mask(t);
    if (!mask || t->npk == 0) return ORM_EMISUSE;
    orm_buf_puts(out, "UPDATE ");
    orm_dialect_quote(d, out, t->name);
    orm_buf_puts(out, " SET ");
    int n = 0;
    for (int i = 0; i < t->ncols; i++) {
        if (!(mask >> i & 1)) continue;
        if (n++) orm_buf_puts(out, ", ");
        orm_dialect_quote(d, out, t->cols[i].name);
        orm_buf_putc(out, '=');
        orm_dialect_placeholder(d, out, n);
    }
    put_pk_where(d, out, t, n, 1);
    return done(out);
}

int orm_compile_delete(const orm_dialect *d, const orm_table *t, orm_buf *out)
{
    if (t->npk == 0) return ORM_EMISUSE;
    orm_buf_puts(out, "DELETE FROM ");
    orm_dialect_quote(d, out, t->name);
    put_pk_where(d, out, t, 0, 1);
    return done(out);
}

int orm_compile_select_by_pk(const orm_dialect *d, const orm_table *t, orm_buf *out)
{
    if (t->npk == 0 || t->ncols == 0) return ORM_EMISUSE;
    orm_buf_puts(out, "SELECT ");
    for (int i = 0; i < t->ncols; i++) {
        if (i) orm_buf_puts(out, ", ");
        put_column(d, out, t, i);
    }
    orm_buf_puts(out, " FROM ");
    orm_dialect_quote(d, out, t->name);
    put_pk_where(d, out, t, 0, 0);
    return done(out);
}

/* ---- db.text ------------------------------------------------------------ */

static int is_name_start(char ch)
{
    return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || ch == '_';
}

static int is_name_char(char ch)
{
    return is_name_start(ch) || (ch >= '0' && ch <= '9');
}

void orm_compile_text_names_free(char **names, size_t n)
{
    if (!names) return;
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

typedef struct {
    char **v;
    size_t n, cap;
} name_list;

static int add_name(name_list *l, const char *s, size_t n)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 4;
        char **v = realloc(l->v, cap * sizeof *v);
        if (!v) return ORM_ENOMEM;
        l->v = v;
        l->cap = cap;
    }
    char *copy = malloc(n + 1);
    if (!copy) return ORM_ENOMEM;
    memcpy(copy, s, n);
    copy[n] = '\0';
    l->v[l->n++] = copy;
    return ORM_OK;
}

/* Length of the literal or comment starting at p (0 if none starts there);
 * an unterminated one runs to the end and the database reports it. */
static size_t skip_opaque(const char *p)
{
    const char *q = p;
    if (*p == '\'' || *p == '"') {
        char quote = *p;
        for (q = p + 1; *q; q++) {
            if (*q != quote) continue;
            if (q[1] != quote) return (size_t)(q + 1 - p);
            q++; /* a doubled quote stays inside the literal */
        }
        return (size_t)(q - p);
    }
    if (p[0] == '-' && p[1] == '-') {
        q = strchr(p, '\n');
        return q ? (size_t)(q - p) : strlen(p);
    }
    if (p[0] == '/' && p[1] == '*') {
        q = strstr(p + 2, "*/");
        return q ? (size_t)(q + 2 - p) : strlen(p);
    }
    return 0;
}

/* As SQLAlchemy's TextClause: ":name" not preceded by a name character (so
 * "a:b" and "::cast" stay), "\:" for a literal colon. */
int orm_compile_text(const orm_dialect *d, const char *sql, orm_buf *out, char ***names,
                     size_t *nnames, orm_error *err)
{
    name_list l = {0};
    const char *p = sql;
    int rc = ORM_OK;
    *names = NULL;
    *nnames = 0;
    while (*p && rc == ORM_OK) {
        size_t k = skip_opaque(p);
        if (k) {
            orm_buf_append(out, p, k);
            p += k;
        } else if (p[0] == '\\' && p[1] == ':') {
            orm_buf_putc(out, ':');
            p += 2;
        } else if (p[0] == ':' && p[1] == ':') {
            orm_buf_puts(out, "::");
            p += 2;
        } else if (p[0] == ':' && is_name_start(p[1]) && (p == sql || !is_name_char(p[-1]))) {
            const char *s = ++p;
            while (is_name_char(*p))
                p++;
            rc = add_name(&l, s, (size_t)(p - s));
            orm_dialect_placeholder(d, out, (int)l.n);
        } else {
            orm_buf_putc(out, *p++);
        }
    }
    if (rc == ORM_OK && out->oom) rc = ORM_ENOMEM;
    if (rc) {
        orm_compile_text_names_free(l.v, l.n);
        return err ? orm_error_oom(err) : rc;
    }
    *names = l.v;
    *nnames = l.n;
    return ORM_OK;
}
