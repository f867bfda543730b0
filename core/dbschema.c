/* dbschema.c — the schema-as-data of dbschema.h: building, copying and
 * editing tables, the models' schema (what create_all makes), and CREATE
 * TABLE / CREATE INDEX text built from it. */
#include "dbschema.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

/* strdup that keeps NULL and records a failure in *oom. */
static char *dup(const char *s, int *oom)
{
    if (!s) return NULL;
    char *d = strdup(s);
    if (!d) *oom = 1;
    return d;
}

/* Grows an array of items of size sz to hold n + 1. */
static int grow(void **v, int n, size_t sz)
{
    void *p = realloc(*v, (size_t)(n + 1) * sz);
    if (!p) return ORM_ENOMEM;
    *v = p;
    return ORM_OK;
}

/* ---- items ------------------------------------------------------------ */

void orm_dbcolumn_clear(orm_dbcolumn *c)
{
    free(c->name);
    free(c->type_sql);
    free(c->server_default);
    free(c->computed);
    memset(c, 0, sizeof *c);
}

int orm_dbcolumn_copy(orm_dbcolumn *dst, const orm_dbcolumn *src)
{
    int oom = 0;
    *dst = *src;
    dst->name = dup(src->name, &oom);
    dst->type_sql = dup(src->type_sql, &oom);
    dst->server_default = dup(src->server_default, &oom);
    dst->computed = dup(src->computed, &oom);
    if (!oom) return ORM_OK;
    orm_dbcolumn_clear(dst);
    return ORM_ENOMEM;
}

void orm_dbunique_clear(orm_dbunique *u)
{
    free(u->name);
    orm_strv_free(&u->cols);
    memset(u, 0, sizeof *u);
}

static int unique_copy(orm_dbunique *dst, const orm_dbunique *src)
{
    int oom = 0;
    memset(dst, 0, sizeof *dst);
    dst->name = dup(src->name, &oom);
    if (oom || orm_strv_copy(&dst->cols, &src->cols) < 0) {
        orm_dbunique_clear(dst);
        return ORM_ENOMEM;
    }
    return ORM_OK;
}

void orm_dbindex_clear(orm_dbindex *x)
{
    free(x->name);
    free(x->sql);
    orm_strv_free(&x->cols);
    memset(x, 0, sizeof *x);
}

static int index_copy(orm_dbindex *dst, const orm_dbindex *src)
{
    int oom = 0;
    memset(dst, 0, sizeof *dst);
    dst->unique = src->unique;
    dst->name = dup(src->name, &oom);
    dst->sql = dup(src->sql, &oom);
    if (oom || orm_strv_copy(&dst->cols, &src->cols) < 0) {
        orm_dbindex_clear(dst);
        return ORM_ENOMEM;
    }
    return ORM_OK;
}

void orm_dbfkey_clear(orm_dbfkey *f)
{
    free(f->name);
    free(f->reftable);
    free(f->ondelete);
    free(f->onupdate);
    orm_strv_free(&f->cols);
    orm_strv_free(&f->refcols);
    memset(f, 0, sizeof *f);
}

int orm_dbfkey_copy(orm_dbfkey *dst, const orm_dbfkey *src)
{
    int oom = 0;
    memset(dst, 0, sizeof *dst);
    dst->name = dup(src->name, &oom);
    dst->reftable = dup(src->reftable, &oom);
    dst->ondelete = dup(src->ondelete, &oom);
    dst->onupdate = dup(src->onupdate, &oom);
    if (oom || orm_strv_copy(&dst->cols, &src->cols) < 0 ||
        orm_strv_copy(&dst->refcols, &src->refcols) < 0) {
        orm_dbfkey_clear(dst);
        return ORM_ENOMEM;
    }
    return ORM_OK;
}

/* ---- tables ----------------------------------------------------------- */

orm_dbtable *orm_dbtable_new(const char *name)
{
    orm_dbtable *t = calloc(1, sizeof *t);
    if (t && !(t->name = strdup(name ? name : ""))) {
        free(t);
        return NULL;
    }
    return t;
}

void orm_dbtable_free(orm_dbtable *t)
{
    if (!t) return;
    for (int i = 0; i < t->ncols; i++)
        orm_dbcolumn_clear(&t->cols[i]);
    for (int i = 0; i < t->nuniques; i++)
        orm_dbunique_clear(&t->uniques[i]);
    for (int i = 0; i < t->nindexes; i++)
        orm_dbindex_clear(&t->indexes[i]);
    for (int i = 0; i < t->nfkeys; i++)
        orm_dbfkey_clear(&t->fkeys[i]);
    free(t->cols);
    free(t->uniques);
    free(t->indexes);
    free(t->fkeys);
    orm_strv_free(&t->pk);
    free(t->name);
    free(t);
}

int orm_dbtable_add_column(orm_dbtable *t, const orm_dbcolumn *spec)
{
    if (grow((void **)&t->cols, t->ncols, sizeof *t->cols) < 0 ||
        orm_dbcolumn_copy(&t->cols[t->ncols], spec) < 0)
        return ORM_ENOMEM;
    t->ncols++;
    return ORM_OK;
}

int orm_dbtable_add_unique(orm_dbtable *t, const orm_dbunique *spec)
{
    if (grow((void **)&t->uniques, t->nuniques, sizeof *t->uniques) < 0 ||
        unique_copy(&t->uniques[t->nuniques], spec) < 0)
        return ORM_ENOMEM;
    t->nuniques++;
    return ORM_OK;
}

int orm_dbtable_add_index(orm_dbtable *t, const orm_dbindex *spec)
{
    if (grow((void **)&t->indexes, t->nindexes, sizeof *t->indexes) < 0 ||
        index_copy(&t->indexes[t->nindexes], spec) < 0)
        return ORM_ENOMEM;
    t->nindexes++;
    return ORM_OK;
}

int orm_dbtable_add_fkey(orm_dbtable *t, const orm_dbfkey *spec)
{
    if (grow((void **)&t->fkeys, t->nfkeys, sizeof *t->fkeys) < 0 ||
        orm_dbfkey_copy(&t->fkeys[t->nfkeys], spec) < 0)
        return ORM_ENOMEM;
    t->nfkeys++;
    return ORM_OK;
}

orm_dbtable *orm_dbtable_copy(const orm_dbtable *t)
{
    orm_dbtable *c = orm_dbtable_new(t->name);
    int rc = c ? orm_strv_copy(&c->pk, &t->pk) : ORM_ENOMEM;
    for (int i = 0; rc == ORM_OK && i < t->ncols; i++)
        rc = orm_dbtable_add_column(c, &t->cols[i]);
    for (int i = 0; rc == ORM_OK && i < t->nuniques; i++)
        rc = orm_dbtable_add_unique(c, &t->uniques[i]);
    for (int i = 0; rc == ORM_OK && i < t->nindexes; i++)
        rc = orm_dbtable_add_index(c, &t->indexes[i]);
    for (int i = 0; rc == ORM_OK && i < t->nfkeys; i++)
        rc = orm_dbtable_add_fkey(c, &t->fkeys[i]);
    if (rc == ORM_OK) return c;
    orm_dbtable_free(c);
    return NULL;
}

int orm_dbtable_find_column(const orm_dbtable *t, const char *name)
{
    for (int i = 0; i < t->ncols; i++)
        if (strcmp(t->cols[i].name, name) == 0) return i;
    return -1;
}

int orm_dbtable_find_index(const orm_dbtable *t, const char *name)
{
    for (int i = 0; i < t->nindexes; i++)
        if (t->indexes[i].name && strcmp(t->indexes[i].name, name) == 0) return i;
    return -1;
}

void orm_dbtable_remove_unique(orm_dbtable *t, int i)
{
    orm_dbunique_clear(&t->uniques[i]);
    memmove(&t->uniques[i], &t->uniques[i + 1], (size_t)(t->nuniques - i - 1) * sizeof *t->uniques);
    t->nuniques--;
}

void orm_dbtable_remove_index(orm_dbtable *t, int i)
{
    orm_dbindex_clear(&t->indexes[i]);
    memmove(&t->indexes[i], &t->indexes[i + 1], (size_t)(t->nindexes - i - 1) * sizeof *t->indexes);
    t->nindexes--;
}

void orm_dbtable_remove_fkey(orm_dbtable *t, int i)
{
    orm_dbfkey_clear(&t->fkeys[i]);
    memmove(&t->fkeys[i], &t->fkeys[i + 1], (size_t)(t->nfkeys - i - 1) * sizeof *t->fkeys);
    t->nfkeys--;
}

void orm_dbtable_remove_column(orm_dbtable *t, int i)
{
    const char *name = t->cols[i].name;
    for (int k = t->nuniques - 1; k >= 0; k--)
        if (orm_strv_find(&t->uniques[k].cols, name) >= 0) orm_dbtable_remove_unique(t, k);
    for (int k = t->nindexes - 1; k >= 0; k--)
        if (orm_strv_find(&t->indexes[k].cols, name) >= 0) orm_dbtable_remove_index(t, k);
    for (int k = t->nfkeys - 1; k >= 0; k--)
        if (orm_strv_find(&t->fkeys[k].cols, name) >= 0) orm_dbtable_remove_fkey(t, k);
    orm_strv_remove(&t->pk, name);
    orm_dbcolumn_clear(&t->cols[i]);
    memmove(&t->cols[i], &t->cols[i + 1], (size_t)(t->ncols - i - 1) * sizeof *t->cols);
    t->ncols--;
}

/* Replaces each occurrence of from in l by to. */
static int rename_in(orm_strv *l, const char *from, const char *to)
{
    for (int i = 0; i < l->n; i++) {
        if (strcmp(l->v[i], from) != 0) continue;
        char *d = strdup(to);
        if (!d) return ORM_ENOMEM;
        free(l->v[i]);
        l->v[i] = d;
    }
    return ORM_OK;
}

int orm_dbtable_rename_column(orm_dbtable *t, int i, const char *new_name)
{
    char *old = t->cols[i].name, *d = strdup(new_name);
    if (!d) return ORM_ENOMEM;
    int rc = rename_in(&t->pk, old, d);
    for (int k = 0; rc == ORM_OK && k < t->nuniques; k++)
        rc = rename_in(&t->uniques[k].cols, old, d);
    for (int k = 0; rc == ORM_OK && k < t->nindexes; k++) {
        rc = rename_in(&t->indexes[k].cols, old, d);
        if (orm_strv_find(&t->indexes[k].cols, d) >= 0) { /* the saved text names the old column */
            free(t->indexes[k].sql);
            t->indexes[k].sql = NULL;
        }
    }
    for (int k = 0; rc == ORM_OK && k < t->nfkeys; k++)
        rc = rename_in(&t->fkeys[k].cols, old, d);
    if (rc < 0) {
        free(d);
        return rc;
    }
    t->cols[i].name = d;
    free(old);
    return ORM_OK;
}

int orm_dbtable_column_constrained(const orm_dbtable *t, const char *name)
{
    if (orm_strv_find(&t->pk, name) >= 0) return 1;
    for (int k = 0; k < t->nuniques; k++)
        if (orm_strv_find(&t->uniques[k].cols, name) >= 0) return 1;
    for (int k = 0; k < t->nindexes; k++)
        if (orm_strv_find(&t->indexes[k].cols, name) >= 0) return 1;
    for (int k = 0; k < t->nfkeys; k++)
        if (orm_strv_find(&t->fkeys[k].cols, name) >= 0) return 1;
    return 0;
}

/* ---- names ------------------------------------------------------------ */

static void join_cols(orm_buf *out, const orm_strv *cols)
{
    for (int i = 0; i < cols->n; i++) {
        orm_buf_putc(out, '_');
        orm_buf_puts(out, cols->v[i]);
    }
}

void orm_dbunique_name(const orm_dbtable *t, const orm_dbunique *u, orm_buf *out)
{
    if (u->name) {
        orm_buf_puts(out, u->name);
        return;
    }
    orm_buf_printf(out, "uq_%s", t->name);
    join_cols(out, &u->cols);
}

void orm_dbfkey_name(const orm_dbtable *t, const orm_dbfkey *f, orm_buf *out)
{
    if (f->name) {
        orm_buf_puts(out, f->name);
        return;
    }
    orm_buf_printf(out, "fk_%s", t->name);
    join_cols(out, &f->cols);
    orm_buf_printf(out, "_%s", f->reftable);
}

int orm_dbconstraint_is_conventional(const orm_dbtable *t, const orm_dbunique *u,
                                     const orm_dbfkey *f, const char *name)
{
    assert(u || f); /* one constraint: a unique or a foreign key */
    orm_buf b = ORM_BUF_INIT;
    if (u) {
        orm_dbunique anon = *u;
        anon.name = NULL;
        orm_dbunique_name(t, &anon, &b);
    } else if (f) {
        orm_dbfkey anon = *f;
        anon.name = NULL;
        orm_dbfkey_name(t, &anon, &b);
    }
    int same = b.oom ? ORM_ENOMEM : strcmp(orm_buf_str(&b), name) == 0;
    orm_buf_free(&b);
    return same;
}

void orm_dbindex_default_name(const char *table, const char *col, orm_buf *out)
{
    orm_buf_printf(out, "ix_%s_%s", table, col);
}

/* ---- schemas ---------------------------------------------------------- */

orm_dbschema *orm_dbschema_new(void)
{
    return calloc(1, sizeof(orm_dbschema));
}

void orm_dbschema_free(orm_dbschema *s)
{
    if (!s) return;
    for (int i = 0; i < s->ntables; i++)
        orm_dbtable_free(s->tables[i]);
    free(s->tables);
    free(s);
}

int orm_dbschema_add(orm_dbschema *s, orm_dbtable *t)
{
    if (grow((void **)&s->tables, s->ntables, sizeof *s->tables) < 0) {
        orm_dbtable_free(t);
        return ORM_ENOMEM;
    }
    s->tables[s->ntables++] = t;
    return ORM_OK;
}

orm_dbtable *orm_dbschema_find(const orm_dbschema *s, const char *name)
{
    for (int i = 0; i < s->ntables; i++)
        if (strcmp(s->tables[i]->name, name) == 0) return s->tables[i];
    return NULL;
}

/* A table-level index or unique constraint of a model. */
static int model_tindex(orm_dbtable *dt, const orm_table *t, const orm_tindex *x)
{
    orm_strv cols = ORM_STRV_INIT;
    int rc = ORM_OK;
    for (int i = 0; rc == ORM_OK && i < x->ncols; i++)
        rc = orm_strv_push(&cols, t->cols[x->cols[i]].name);
    if (rc == ORM_OK && x->is_index) {
        orm_dbindex ix = {.name = x->name, .cols = cols, .unique = x->unique};
        rc = orm_dbtable_add_index(dt, &ix);
    } else if (rc == ORM_OK) {
        orm_dbunique u = {.name = x->name, .cols = cols};
        rc = orm_dbtable_add_unique(dt, &u);
    }
    orm_strv_free(&cols);
    return rc;
}

/* One column of a model: the column itself, then its UNIQUE (unless a
 * unique index stands for it, as in ddl.c), index and foreign key. */
static int model_column(orm_dbtable *dt, const orm_table *t, int i)
{
    const orm_column *c = &t->cols[i];
    orm_dbcolumn col = {.name = c->name,
                        .type = c->type,
                        .type_known = 1,
                        .nullable = c->primary_key ? 0 : c->nullable,
                        .autoincrement = i == t->autoinc_col,
                        .server_default = c->server_default,
                        .computed = c->computed};
    int rc = orm_dbtable_add_column(dt, &col);
    orm_strv one = ORM_STRV_INIT;
    if (rc == ORM_OK) rc = orm_strv_push(&one, c->name);
    if (rc == ORM_OK && c->unique && !c->indexed) {
        orm_dbunique u = {.name = NULL, .cols = one};
        rc = orm_dbtable_add_unique(dt, &u);
    }
    if (rc == ORM_OK && c->indexed) {
        orm_buf name = ORM_BUF_INIT;
        orm_dbindex_default_name(t->name, c->name, &name);
        orm_dbindex x = {.name = name.p, .cols = one, .unique = c->unique};
        rc = name.oom ? ORM_ENOMEM : orm_dbtable_add_index(dt, &x);
        orm_buf_free(&name);
    }
    if (rc == ORM_OK && c->fk) {
        orm_strv ref = ORM_STRV_INIT;
        rc = orm_strv_push(&ref, c->fk->column);
        orm_dbfkey f = {.cols = one,
                        .reftable = c->fk->table,
                        .refcols = ref,
                        .ondelete = c->fk->ondelete,
                        .onupdate = c->fk->onupdate};
        if (rc == ORM_OK) rc = orm_dbtable_add_fkey(dt, &f);
        orm_strv_free(&ref);
    }
    orm_strv_free(&one);
    return rc;
}

int orm_dbschema_from_metadata(const orm_metadata *md, orm_dbschema **out)
{
    *out = NULL;
    orm_dbschema *s = orm_dbschema_new();
    if (!s) return ORM_ENOMEM;
    for (int k = 0; k < md->ntables; k++) {
        const orm_table *t = md->tables[k];
        orm_dbtable *dt = orm_dbtable_new(t->name);
        int rc = dt ? ORM_OK : ORM_ENOMEM;
        for (int i = 0; rc == ORM_OK && !t->readonly && i < t->npk; i++)
            rc = orm_strv_push(&dt->pk, t->cols[t->pk[i]].name);
        for (int i = 0; rc == ORM_OK && i < t->ncols; i++)
            rc = model_column(dt, t, i);
        for (int i = 0; rc == ORM_OK && i < t->ntindexes; i++)
            rc = model_tindex(dt, t, &t->tindexes[i]);
        if (rc == ORM_OK)
            rc = orm_dbschema_add(s, dt);
        else
            orm_dbtable_free(dt);
        if (rc < 0) {
            orm_dbschema_free(s);
            return rc;
        }
    }
    *out = s;
    return ORM_OK;
}

/* ---- DDL -------------------------------------------------------------- */

#define ITEM_SEP ", \n\t" /* between the items of CREATE TABLE, as ddl.c writes them */

void orm_dbschema_quote_list(const orm_dialect *d, orm_buf *out, const orm_strv *names)
{
    for (int i = 0; i < names->n; i++) {
        if (i) orm_buf_puts(out, ", ");
        orm_dialect_quote(d, out, names->v[i]);
    }
}

/* The type as DDL: the declared text a reflected column keeps (so a rebuild
 * changes nothing, not even "INT" to "INTEGER"), else the dialect's name. */
static void put_type(const orm_dialect *d, const orm_dbcolumn *c, orm_buf *out)
{
    if (c->type_sql)
        orm_buf_puts(out, c->type_sql);
    else if (c->type_known)
        orm_dialect_type(d, out, &c->type);
}

void orm_dbcolumn_ddl(const orm_dialect *d, const orm_dbcolumn *c, orm_buf *out)
{
    orm_dialect_quote(d, out, c->name);
    orm_buf_putc(out, ' ');
    if (c->autoincrement && d->autoincrement_pk) { /* as ddl.c: a BigInteger key stays big */
        orm_buf_puts(out, c->type.kind == ORM_T_BIGINT && d->autoincrement_bigpk
                              ? d->autoincrement_bigpk
                              : d->autoincrement_pk);
        return;
    }
    put_type(d, c, out);
    orm_dialect_value_clause(d, out, c->computed, c->server_default, c->nullable);
}

void orm_dbfkey_ddl(const orm_dialect *d, const orm_dbfkey *f, orm_buf *out)
{
    if (f->name) {
        orm_buf_puts(out, "CONSTRAINT ");
        orm_dialect_quote(d, out, f->name);
        orm_buf_putc(out, ' ');
    }
    orm_buf_puts(out, "FOREIGN KEY(");
    orm_dbschema_quote_list(d, out, &f->cols);
    orm_buf_puts(out, ") REFERENCES ");
    orm_dialect_quote(d, out, f->reftable);
    orm_buf_puts(out, " (");
    orm_dbschema_quote_list(d, out, &f->refcols);
    orm_buf_putc(out, ')');
    if (f->ondelete) orm_buf_printf(out, " ON DELETE %s", f->ondelete);
    if (f->onupdate) orm_buf_printf(out, " ON UPDATE %s", f->onupdate);
}

int orm_dbtable_ddl(const orm_dialect *d, const orm_dbtable *t, const char *as_name, orm_buf *out)
{
    if (t->ncols == 0) return ORM_EMISUSE;
    orm_buf_puts(out, "CREATE TABLE ");
    orm_dialect_quote(d, out, as_name ? as_name : t->name);
    orm_buf_puts(out, " (\n\t");
    for (int i = 0; i < t->ncols; i++) {
        if (i) orm_buf_puts(out, ITEM_SEP);
        orm_dbcolumn_ddl(d, &t->cols[i], out);
    }
    if (t->pk.n > 0) {
        orm_buf_puts(out, ITEM_SEP "PRIMARY KEY (");
        orm_dbschema_quote_list(d, out, &t->pk);
        orm_buf_putc(out, ')');
    }
    for (int i = 0; t->pk.n > 1 && i < t->ncols; i++)
        if (t->cols[i].autoincrement && strcmp(t->cols[i].name, t->pk.v[0]) != 0)
            orm_dialect_autoinc_key(d, out, ITEM_SEP, t->cols[i].name);
    for (int i = 0; i < t->nuniques; i++) {
        orm_buf_puts(out, ITEM_SEP);
        if (t->uniques[i].name) {
            orm_buf_puts(out, "CONSTRAINT ");
            orm_dialect_quote(d, out, t->uniques[i].name);
            orm_buf_putc(out, ' ');
        }
        orm_buf_puts(out, "UNIQUE (");
        orm_dbschema_quote_list(d, out, &t->uniques[i].cols);
        orm_buf_putc(out, ')');
    }
    for (int i = 0; i < t->nfkeys; i++) {
        orm_buf_puts(out, ITEM_SEP);
        orm_dbfkey_ddl(d, &t->fkeys[i], out);
    }
    orm_buf_puts(out, "\n)");
    return out->oom ? ORM_ENOMEM : ORM_OK;
}

int orm_dbindex_ddl(const orm_dialect *d, const char *table, const orm_dbindex *x, orm_buf *out)
{
    return orm_dbindex_ddl_kind(d, table, x, x->unique ? "UNIQUE" : NULL, out);
}

int orm_dbindex_ddl_kind(const orm_dialect *d, const char *table, const orm_dbindex *x,
                         const char *kind, orm_buf *out)
{
    if (x->cols.n == 0) return ORM_EMISUSE;
    if (kind)
        orm_buf_printf(out, "CREATE %s INDEX ", kind);
    else
        orm_buf_puts(out, "CREATE INDEX ");
    orm_dialect_quote(d, out, x->name);
    orm_buf_puts(out, " ON ");
    orm_dialect_quote(d, out, table);
    orm_buf_puts(out, " (");
    orm_dbschema_quote_list(d, out, &x->cols);
    orm_buf_putc(out, ')');
    return out->oom ? ORM_ENOMEM : ORM_OK;
}
