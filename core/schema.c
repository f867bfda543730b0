/* schema.c — the metadata: type names, tables and their columns (primary key
 * and generated-key bookkeeping, foreign-key actions), and the foreign-key
 * order of tables used by create_all, drop_all and flush. */
#include <assert.h>
#include "schema.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- type names ------------------------------------------------------- */

static const struct {
    orm_type_kind kind;
    const char *name;
} type_names[] = {
    {ORM_T_INTEGER, "Integer"},    {ORM_T_BIGINT, "BigInteger"}, {ORM_T_STRING, "String"},
    {ORM_T_TEXT, "Text"},          {ORM_T_BOOLEAN, "Boolean"},   {ORM_T_FLOAT, "Float"},
    {ORM_T_NUMERIC, "Numeric"},    {ORM_T_DATE, "Date"},         {ORM_T_DATETIME, "DateTime"},
    {ORM_T_BINARY, "LargeBinary"}, {ORM_T_JSON, "JSON"},
};
#define NTYPES (sizeof type_names / sizeof type_names[0])

static const char *kind_name(orm_type_kind k)
{
    for (size_t i = 0; i < NTYPES; i++)
        if (type_names[i].kind == k) return type_names[i].name;
    return NULL;
}

const char *orm_type_name(const orm_type *t, char *buf, size_t n)
{
    const char *base = kind_name(t->kind);
    if (n == 0) return buf;
    if (!base) base = "?";
    if (t->kind == ORM_T_STRING && t->length > 0)
        snprintf(buf, n, "%s(%d)", base, t->length);
    else if (t->kind == ORM_T_NUMERIC && t->precision > 0)
        snprintf(buf, n, "%s(%d, %d)", base, t->precision, t->scale);
    else
        snprintf(buf, n, "%s", base);
    return buf;
}

static void skip_space(const char **p)
{
    while (**p == ' ' || **p == '\t')
        (*p)++;
}

/* Reads a non-negative decimal int; 0 or -1. */
static int read_int(const char **p, int *out)
{
    skip_space(p);
    if (!isdigit((unsigned char)**p)) return -1;
    errno = 0;
    char *end;
    long v = strtol(*p, &end, 10);
    if (errno || v > INT_MAX) return -1;
    *out = (int)v;
    *p = end;
    skip_space(p);
    return 0;
}

/* Parses "(a)" or "(a, b)" after a type name: up to max ints into v. */
static int read_args(const char *p, int *v, int max, int *nv)
{
    *nv = 0;
    skip_space(&p);
    if (*p == '\0') return 0;
    if (*p++ != '(') return -1;
    for (;;) {
        if (*nv == max || read_int(&p, &v[(*nv)++]) < 0) return -1;
        if (*p == ',') {
            p++;
            continue;
        }
        if (*p++ != ')') return -1;
        break;
    }
    skip_space(&p);
    return *p == '\0' ? 0 : -1;
}

int orm_type_parse(orm_type *out, const char *name, orm_error *err)
{
    const char *p = name ? name : "";
    skip_space(&p);
    size_t n = 0;
    while (isalnum((unsigned char)p[n]) || p[n] == '_')
        n++;
    for (size_t i = 0; i < NTYPES; i++) {
        const char *tn = type_names[i].name;
        if (n == 0 || strlen(tn) != n || strncasecmp(tn, p, n) != 0) continue;
        orm_type t = {.kind = type_names[i].kind};
        int v[2] = {0, 0}, nv = 0;
        int max = t.kind == ORM_T_STRING ? 1 : t.kind == ORM_T_NUMERIC ? 2 : 0;
        if (read_args(p + n, v, max, &nv) < 0) break;
        if (t.kind == ORM_T_STRING) t.length = v[0];
        if (t.kind == ORM_T_NUMERIC) {
            t.precision = v[0];
            t.scale = v[1];
            if (nv == 2 && t.scale > t.precision) break;
        }
        *out = t;
        return ORM_OK;
    }
    return orm_error_set(err, ORM_ERR_ARGUMENT, 0,
                         "unknown column type '%s' (expected Integer, BigInteger, String(n), "
                         "Text, Boolean, Float, Numeric(p, s), Date, DateTime, LargeBinary "
                         "or JSON)",
                         name ? name : "(null)");
}

/* ---- metadata --------------------------------------------------------- */

static void free_column(orm_column *c)
{
    free(c->name);
    free(c->attr);
    free(c->server_default);
    free(c->computed);
    free(c->comment);
    if (c->fk) {
        free(c->fk->table);
        free(c->fk->column);
        free(c->fk->ondelete);
        free(c->fk->onupdate);
        free(c->fk);
    }
}

static void free_table(orm_table *t)
{
    if (!t) return;
    for (int i = 0; i < t->ncols; i++)
        free_column(&t->cols[i]);
    free(t->cols);
    for (int i = 0; i < t->ntindexes; i++)
        free(t->tindexes[i].name);
    free(t->tindexes);
    free(t->model_name);
    free(t->name);
    free(t);
}

orm_metadata *orm_metadata_new(void)
{
    return calloc(1, sizeof(orm_metadata));
}

void orm_metadata_free(orm_metadata *md)
{
    if (!md) return;
    for (int i = 0; i < md->ntables; i++)
        free_table(md->tables[i]);
    free(md->tables);
    free(md);
}

orm_table *orm_metadata_find(const orm_metadata *md, const char *name)
{
    for (int i = 0; i < md->ntables; i++)
        if (strcmp(md->tables[i]->name, name) == 0) return md->tables[i];
    return NULL;
}

int orm_metadata_add_table(orm_metadata *md, const char *name, orm_table **out, orm_error *err)
{
    if (!name || !*name) return orm_error_set(err, ORM_ERR_ARGUMENT, 0, "table name is empty");
    if (orm_metadata_find(md, name))
        return orm_error_set(err, ORM_ERR_ARGUMENT, 0, "table '%s' is already defined", name);
    if (md->ntables == md->cap) {
        int cap = md->cap ? md->cap * 2 : 8;
        orm_table **tables = realloc(md->tables, (size_t)cap * sizeof *tables);
        if (!tables) return orm_error_oom(err);
        md->tables = tables;
        md->cap = cap;
    }
    orm_table *t = calloc(1, sizeof *t);
    if (!t || !(t->name = strdup(name))) {
        free(t);
        return orm_error_oom(err);
    }
    t->autoinc_col = -1;
    t->version_col = -1;
    md->tables[md->ntables++] = t;
    if (out) *out = t;
    return ORM_OK;
}

void orm_metadata_remove_table(orm_metadata *md, orm_table *t)
{
    for (int i = 0; i < md->ntables; i++) {
        if (md->tables[i] != t) continue;
        memmove(&md->tables[i], &md->tables[i + 1],
                (size_t)(md->ntables - i - 1) * sizeof md->tables[0]);
        md->ntables--;
        free_table(t);
        return;
    }
}

/* ---- columns ---------------------------------------------------------- */

static const char *const fk_actions[] = {"CASCADE", "SET NULL", "SET DEFAULT", "RESTRICT",
                                         "NO ACTION"};

/* The canonical (uppercase) spelling of an ON DELETE/UPDATE action, or NULL. */
static const char *fk_action(const char *s)
{
    for (size_t i = 0; i < sizeof fk_actions / sizeof fk_actions[0]; i++)
        if (strcasecmp(s, fk_actions[i]) == 0) return fk_actions[i];
    return NULL;
}

static int valid_kind(orm_type_kind k)
{
    return kind_name(k) != NULL;
}

/* strdup that maps NULL to NULL; sets *oom on failure. */
static char *dup_opt(const char *s, int *oom)
{
    if (!s) return NULL;
    char *d = strdup(s);
    if (!d) *oom = 1;
    return d;
}

static int copy_fkey(orm_column *dst, const orm_fkey *src)
{
    int oom = 0;
    orm_fkey *fk = calloc(1, sizeof *fk);
    if (!fk) return ORM_ENOMEM;
    dst->fk = fk;
    fk->table = dup_opt(src->table, &oom);
    fk->column = dup_opt(src->column, &oom);
    fk->ondelete = dup_opt(src->ondelete ? fk_action(src->ondelete) : NULL, &oom);
    fk->onupdate = dup_opt(src->onupdate ? fk_action(src->onupdate) : NULL, &oom);
    return oom ? ORM_ENOMEM : ORM_OK;
}

static int check_spec(const orm_table *t, const orm_column *spec, orm_error *err)
{
    if (!spec->name || !*spec->name)
        return orm_error_set(err, ORM_ERR_ARGUMENT, 0, "column of table '%s' has no name", t->name);
    if (orm_table_column_index(t, spec->name, strlen(spec->name)) >= 0)
        return orm_error_set(err, ORM_ERR_ARGUMENT, 0, "duplicate column '%s' in table '%s'",
                             spec->name, t->name);
    if (spec->attr && !*spec->attr)
        return orm_error_set(err, ORM_ERR_ARGUMENT, 0, "column %s.%s has an empty attribute name",
                             t->name, spec->name);
    const char *attr = spec->attr ? spec->attr : spec->name;
    if (orm_table_attr_index(t, attr, strlen(attr)) >= 0)
        return orm_error_set(err, ORM_ERR_ARGUMENT, 0, "duplicate attribute '%s' in table '%s'",
                             attr, t->name);
    if (t->ncols >= ORM_MAX_COLUMNS)
        return orm_error_set(err, ORM_ERR_ARGUMENT, 0, "table '%s' has more than %d columns",
                             t->name, ORM_MAX_COLUMNS);
    if (!valid_kind(spec->type.kind) || spec->type.length < 0 || spec->type.precision < 0 ||
        spec->type.scale < 0)
        return orm_error_set(err, ORM_ERR_ARGUMENT, 0, "column %s.%s has an invalid type", t->name,
                             spec->name);
    if (spec->computed && (!*spec->computed || spec->primary_key || spec->server_default ||
                           spec->has_default || spec->has_onupdate))
        return orm_error_set(err, ORM_ERR_ARGUMENT, 0,
                             "column %s.%s: computed takes the SQL expression the database "
                             "computes the value from, and no primary_key, default, onupdate or "
                             "server_default",
                             t->name, spec->name);
    const orm_fkey *fk = spec->fk;
    if (!fk) return ORM_OK;
    if (!fk->table || !*fk->table || !fk->column || !*fk->column)
        return orm_error_set(err, ORM_ERR_ARGUMENT, 0,
                             "foreign key of %s.%s must name a table and a column", t->name,
                             spec->name);
    const char *acts[2] = {fk->ondelete, fk->onupdate};
    for (int i = 0; i < 2; i++)
        if (acts[i] && !fk_action(acts[i]))
            return orm_error_set(err, ORM_ERR_ARGUMENT, 0,
                                 "invalid %s action '%s' for foreign key %s.%s (expected "
                                 "CASCADE, SET NULL, SET DEFAULT, RESTRICT or NO ACTION)",
                                 i ? "onupdate" : "ondelete", acts[i], t->name, spec->name);
    return ORM_OK;
}

static int is_integer_kind(orm_type_kind k)
{
    return k == ORM_T_INTEGER || k == ORM_T_BIGINT;
}

/* The generated key: a lone integer primary key whose autoincrement was not
 * disabled, or in a composite key the first integer column that says
 * autoincrement = true (Pagila's payment.payment_id, a SERIAL beside the
 * date). Only adding a primary-key column can change it, so the flag of
 * the new column and the columns' autoincrement_set are all we need. */
static void recompute_keys(orm_table *t, int added, int autoinc_requested)
{
    orm_column *c = &t->cols[added];
    if (!c->primary_key) {
        c->autoincrement = 0;
        return;
    }
    t->npk = 0;
    for (int i = 0; i < t->ncols; i++)
        if (t->cols[i].primary_key) t->pk[t->npk++] = i;
    if (t->autoinc_col >= 0) t->cols[t->autoinc_col].autoincrement = 0;
    t->autoinc_col = -1;
    if (t->npk == 1 && is_integer_kind(c->type.kind) && autoinc_requested) t->autoinc_col = added;
    for (int k = 0; t->npk > 1 && t->autoinc_col < 0 && k < t->npk; k++) {
        const orm_column *kc = &t->cols[t->pk[k]];
        if (kc->autoincrement_set && is_integer_kind(kc->type.kind)) t->autoinc_col = t->pk[k];
    }
    if (t->autoinc_col >= 0) t->cols[t->autoinc_col].autoincrement = 1;
}

int orm_table_add_column(orm_table *t, const orm_column *spec, orm_error *err)
{
    int rc = check_spec(t, spec, err);
    if (rc) return rc;
    orm_column *cols = realloc(t->cols, (size_t)(t->ncols + 1) * sizeof *cols);
    if (!cols) return orm_error_oom(err);
    t->cols = cols;
    orm_column *c = &cols[t->ncols];
    *c = (orm_column){
        .type = spec->type,
        .index = t->ncols,
        .primary_key = spec->primary_key,
        .autoincrement_set = spec->primary_key && spec->autoincrement_set,
        .nullable = spec->primary_key ? 0 : spec->nullable,
        .unique = spec->unique,
        .indexed = spec->indexed,
        .has_default = spec->has_default,
        .has_onupdate = spec->has_onupdate,
        .no_audit = spec->no_audit,
    };
    int oom = 0;
    c->name = dup_opt(spec->name, &oom);
    c->attr = dup_opt(spec->attr ? spec->attr : spec->name, &oom);
    c->server_default = dup_opt(spec->server_default, &oom);
    c->computed = dup_opt(spec->computed, &oom);
    c->comment = dup_opt(spec->comment, &oom);
    if (!oom && spec->fk && copy_fkey(c, spec->fk) < 0) oom = 1;
    if (oom) {
        free_column(c);
        return orm_error_oom(err);
    }
    t->ncols++;
    recompute_keys(t, c->index, spec->autoincrement);
    return ORM_OK;
}

/* byte by byte, no strlen: most names differ at the first byte */
static int same_name(const char *c, const char *name, size_t n)
{
    size_t j = 0;
    while (j < n && c[j] == name[j] && c[j] != '\0')
        j++;
    return j == n && c[n] == '\0';
}

int orm_table_column_index(const orm_table *t, const char *name, size_t n)
{
    for (int i = 0; i < t->ncols; i++)
        if (same_name(t->cols[i].name, name, n)) return i;
    return -1;
}

int orm_table_attr_index(const orm_table *t, const char *attr, size_t n)
{
    for (int i = 0; i < t->ncols; i++)
        if (same_name(t->cols[i].attr, attr, n)) return i;
    return -1;
}

/* ---- foreign-key order ------------------------------------------------ */

static int table_pos(const orm_metadata *md, const char *name)
{
    for (int i = 0; i < md->ntables; i++)
        if (strcmp(md->tables[i]->name, name) == 0) return i;
    return -1;
}

/* 1 when every table t references (other than itself) is already placed. */
static int ready(const orm_metadata *md, const orm_table *t, const char *placed)
{
    for (int i = 0; i < t->ncols; i++) {
        const orm_fkey *fk = t->cols[i].fk;
        if (!fk || strcmp(fk->table, t->name) == 0) continue;
        int p = table_pos(md, fk->table);
        if (p >= 0 && !placed[p]) return 0;
    }
    return 1;
}

/* Each round places the first table, in definition order, whose parents are
 * all placed; when none is (a cycle), the first unplaced table. Quadratic,
 * which is fine for the tens of tables a schema has. */
int orm_metadata_sorted(const orm_metadata *md, orm_table ***out, int *n)
{
    int nt = md->ntables;
    orm_table **order = malloc((size_t)(nt ? nt : 1) * sizeof *order);
    char *placed = calloc((size_t)(nt ? nt : 1), 1);
    if (!order || !placed) {
        free(order);
        free(placed);
        return ORM_ENOMEM;
    }
    for (int k = 0; k < nt; k++) {
        int pick = -1, first = -1;
        for (int i = 0; i < nt && pick < 0; i++) {
            if (placed[i]) continue;
            if (first < 0) first = i;
            if (ready(md, md->tables[i], placed)) pick = i;
        }
        if (pick < 0) pick = first;
        placed[pick] = 1;
        order[k] = md->tables[pick];
    }
    free(placed);
    *out = order;
    *n = nt;
    return ORM_OK;
}

int orm_metadata_check_fks(const orm_metadata *md, orm_error *err)
{
    for (int i = 0; i < md->ntables; i++) {
        const orm_table *t = md->tables[i];
        for (int j = 0; j < t->ncols; j++) {
            const orm_fkey *fk = t->cols[j].fk;
            if (!fk) continue;
            const orm_table *p = orm_metadata_find(md, fk->table);
            if (!p)
                return orm_error_set(err, ORM_ERR_ARGUMENT, 0,
                                     "foreign key %s.%s references unknown table '%s'", t->name,
                                     t->cols[j].name, fk->table);
            if (orm_table_column_index(p, fk->column, strlen(fk->column)) < 0)
                return orm_error_set(err, ORM_ERR_ARGUMENT, 0,
                                     "foreign key %s.%s references unknown column '%s.%s'", t->name,
                                     t->cols[j].name, fk->table, fk->column);
        }
    }
    return ORM_OK;
}

void orm_table_set_readonly(orm_table *t)
{
    assert(t->npk == 0);
    t->readonly = 1;
    t->autoinc_col = -1;
    for (int i = 0; i < t->ncols; i++)
        t->pk[t->npk++] = i;
}

int orm_table_check_writable(const orm_table *t, const char *what, orm_error *err)
{
    if (!t->readonly) return ORM_OK;
    return orm_error_set(err, ORM_ERR_OPERATIONAL, 0,
                         "cannot %s: table '%s' has no primary key, so its model is read-only",
                         what, t->name);
}

int orm_table_add_tindex(orm_table *t, const orm_tindex *spec, orm_error *err)
{
    if (spec->ncols <= 0 || (spec->is_index && !spec->name))
        return orm_error_set(err, ORM_ERR_ARGUMENT, 0, "%s: an index needs a name and columns",
                             t->name);
    orm_tindex *v = realloc(t->tindexes, (size_t)(t->ntindexes + 1) * sizeof *v);
    if (!v) return orm_error_oom(err);
    t->tindexes = v;
    v[t->ntindexes] = *spec;
    if (spec->name && !(v[t->ntindexes].name = strdup(spec->name))) return orm_error_oom(err);
    t->ntindexes++;
    return ORM_OK;
}
