/* reflect_model.c — one model a reflected table: class names, then
 * many-to-one relationships from single-column foreign keys, their
 * one-to-many sides, and many-to-many through pure association tables (see
 * reflect_model.h and reflect_names.h for the rules). */
#include "reflect_model.h"

#include <assert.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "error.h"
#include "migrate.h"
#include "migrate_steps.h"
#include "reflect_names.h"

typedef struct builder {
    orm_rmodels *m;
    orm_rname_taken_fn taken;
    orm_rmapped_fn mapped;
    void *ud;
    int oom;
} builder;

static int cmp_table(const void *a, const void *b)
{
    const orm_dbtable *x = *(orm_dbtable *const *)a, *y = *(orm_dbtable *const *)b;
    return strcmp(x->name, y->name);
}

static void note(builder *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void note(builder *b, const char *fmt, ...)
{
    orm_buf t = ORM_BUF_INIT;
    va_list ap;
    va_start(ap, fmt);
    orm_buf_vprintf(&t, fmt, ap);
    va_end(ap);
    if (t.oom || orm_strv_push(&b->m->notes, orm_buf_str(&t)) < 0) b->oom = 1;
    orm_buf_free(&t);
}

int orm_rmodels_find(const orm_rmodels *m, const char *name)
{
    for (int i = 0; i < m->n; i++)
        if (strcmp(m->classes[i].name, name) == 0) return i;
    return -1;
}

static int find_table(const orm_rmodels *m, const char *table)
{
    for (int i = 0; i < m->n; i++)
        if (strcmp(m->classes[i].table->name, table) == 0) return i;
    return -1;
}

/* 1 when name is a column, a relationship or a method of class k already. */
static int attr_taken(const orm_rclass *k, const char *name)
{
    if (strcmp(name, "query") == 0) return 1; /* Model.query */
    if (orm_dbtable_find_column(k->table, name) >= 0) return 1;
    for (int i = 0; i < k->nrels; i++)
        if (strcmp(k->rels[i].name, name) == 0) return 1;
    return 0;
}

/* name (taken over) with '_' appended until free on class k (and not a
 * Lua keyword). NULL on oom. */
static char *free_attr(const orm_rclass *k, char *name)
{
    while (name && (attr_taken(k, name) || orm_name_is_keyword(name))) {
        size_t n = strlen(name);
        char *longer = realloc(name, n + 2);
        if (!longer) {
            free(name);
            return NULL;
        }
        longer[n] = '_';
        longer[n + 1] = 0;
        name = longer;
    }
    return name;
}

static int class_name_taken(builder *b, int upto, const char *name)
{
    for (int i = 0; i < b->m->n; i++)
        if (i != upto && b->m->classes[i].name && strcmp(b->m->classes[i].name, name) == 0)
            return 1;
    return b->taken && b->taken(b->ud, name);
}

/* Appends a relationship to class k, taking over r's strings (freed when
 * it fails); returns its index or -1 on oom. */
static int add_rel(builder *b, orm_rclass *k, const orm_rrel *r)
{
    orm_rrel *v = realloc(k->rels, (size_t)(k->nrels + 1) * sizeof *v);
    if (!v) {
        free(r->name);
        free(r->fkcol);
        free(r->back);
        free(r->secondary);
        b->oom = 1;
        return -1;
    }
    k->rels = v;
    v[k->nrels] = *r;
    return k->nrels++;
}

static char *dup(builder *b, const char *s)
{
    if (s == NULL) return NULL;
    char *d = strdup(s);
    if (!d) b->oom = 1;
    return d;
}

/* The single-column foreign keys of t to reftable. */
static int count_fks(const orm_dbtable *t, const char *reftable)
{
    int n = 0;
    for (int i = 0; i < t->nfkeys; i++)
        if (t->fkeys[i].cols.n == 1 && strcmp(t->fkeys[i].reftable, reftable) == 0) n++;
    return n;
}

/* Foreign keys of t in column-name order (indexes into t->fkeys). */
static int *sorted_fks(builder *b, const orm_dbtable *t)
{
    int *ix = malloc((size_t)(t->nfkeys ? t->nfkeys : 1) * sizeof *ix);
    if (!ix) {
        b->oom = 1;
        return NULL;
    }
    for (int i = 0; i < t->nfkeys; i++) {
        int j = i;
        while (j > 0 && strcmp(t->fkeys[ix[j - 1]].cols.v[0], t->fkeys[i].cols.v[0]) > 0) {
            ix[j] = ix[j - 1];
            j--;
        }
        ix[j] = i;
    }
    return ix;
}

static void name_classes(builder *b)
{
    orm_rmodels *m = b->m;
    for (int i = 0; i < m->n && !b->oom; i++) { /* mapped ones keep their names */
        const char *have = b->mapped ? b->mapped(b->ud, m->classes[i].table->name) : NULL;
        if (have) {
            m->classes[i].name = dup(b, have);
            m->classes[i].mapped = 1;
        }
    }
    for (int i = 0; i < m->n && !b->oom; i++) {
        orm_rclass *k = &m->classes[i];
        if (k->mapped) continue;
        char *name = orm_name_class(k->table->name);
        if (name && strcmp(name, k->table->name) != 0 && !orm_name_is_identifier(k->table->name))
            note(b, "table '%s' is not a Lua name: its class is %s", k->table->name, name);
        if (name && class_name_taken(b, i, name)) {
            int other = -1;
            for (int j = 0; j < m->n; j++)
                if (j != i && m->classes[j].name && strcmp(m->classes[j].name, name) == 0)
                    other = j;
            if (other >= 0)
                note(b, "tables '%s' and '%s' both make class %s: '%s' gets %s_",
                     m->classes[other].table->name, k->table->name, name, k->table->name, name);
            else
                note(b, "class name %s (table '%s') is taken by a global: it gets %s_", name,
                     k->table->name, name);
        }
        while (name && class_name_taken(b, i, name)) {
            size_t n = strlen(name);
            char *longer = realloc(name, n + 2);
            if (!longer) {
                free(name);
                name = NULL;
                break;
            }
            longer[n] = '_';
            longer[n + 1] = 0;
            name = longer;
        }
        if (!name) {
            b->oom = 1;
            return;
        }
        k->name = name;
        if (k->table->pk.n == 0) {
            k->readonly = 1;
            note(b, "table '%s' has no primary key: its class %s is read-only", k->table->name,
                 name);
        }
    }
}

/* Many-to-one from each single-column foreign key of an unmapped table,
 * and the one-to-many on an unmapped parent. */
static void relate_fks(builder *b)
{
    orm_rmodels *m = b->m;
    for (int i = 0; i < m->n && !b->oom; i++) {
        orm_rclass *k = &m->classes[i];
        k->fk_ok = calloc((size_t)(k->table->nfkeys ? k->table->nfkeys : 1), sizeof *k->fk_ok);
        if (!k->fk_ok) {
            b->oom = 1;
            return;
        }
        for (int f = 0; f < k->table->nfkeys; f++) {
            const orm_dbfkey *fk = &k->table->fkeys[f];
            int p = find_table(m, fk->reftable);
            k->fk_ok[f] = p >= 0 && fk->cols.n == 1;
            if (k->mapped) continue;
            if (p < 0 && orm_dbschema_find(m->schema, fk->reftable))
                note(b, "%s.%s: foreign key to '%s', which is not reflected: no relationship",
                     k->table->name, fk->cols.v[0], fk->reftable);
            else if (p < 0)
                note(b, "%s.%s: foreign key to missing table '%s': no relationship", k->table->name,
                     fk->cols.v[0], fk->reftable);
            else if (fk->cols.n != 1)
                note(b, "%s: a foreign key of %d columns to '%s' gets no relationship",
                     k->table->name, fk->cols.n, fk->reftable);
        }
    }
    for (int i = 0; i < m->n && !b->oom; i++) {
        orm_rclass *k = &m->classes[i];
        if (k->mapped || k->readonly) continue;
        int *ix = sorted_fks(b, k->table);
        for (int j = 0; ix && j < k->table->nfkeys && !b->oom; j++) {
            const orm_dbfkey *fk = &k->table->fkeys[ix[j]];
            if (!k->fk_ok[ix[j]]) continue;
            int p = find_table(m, fk->reftable);
            orm_rclass *pk = &m->classes[p];
            if (pk->readonly) continue;
            int self = p == i, times = count_fks(k->table, fk->reftable);
            int need_fk = self ? times > 1 : times + count_fks(pk->table, k->table->name) > 1;
            char *m2o = orm_name_m2o(fk->cols.v[0]);
            if (m2o && orm_dbtable_find_column(k->table, m2o) >= 0) {
                size_t n = strlen(m2o);
                char *r = realloc(m2o, n + 5);
                if (r)
                    memcpy(r + n, "_ref", 5);
                else
                    free(m2o);
                m2o = r;
            }
            m2o = free_attr(k, m2o);
            if (!m2o) {
                b->oom = 1;
                break;
            }
            orm_rrel r = {.kind = ORM_RREL_M2O,
                          .name = m2o,
                          .target = p,
                          .fkcol = dup(b, fk->cols.v[0]),
                          .self_ref = self,
                          .need_fk = need_fk};
            int ri = add_rel(b, k, &r);
            if (ri < 0 || pk->mapped || pk->readonly) continue;
            /* the one-to-many side */
            orm_buf o = ORM_BUF_INIT;
            char *snake = orm_name_snake(k->table->name);
            char *plural = snake ? orm_name_plural(snake) : NULL;
            orm_buf_puts(&o, plural ? plural : "");
            if (!plural) o.oom = 1; /* not a relationship named "" */
            if (self || times > 1) orm_buf_printf(&o, "_by_%s", k->rels[ri].name);
            free(snake);
            free(plural);
            char *o2m = free_attr(pk, orm_buf_detach(&o));
            if (!o2m) {
                b->oom = 1;
                break;
            }
            orm_rrel back = {.kind = ORM_RREL_O2M,
                             .name = o2m,
                             .target = i,
                             .fkcol = dup(b, fk->cols.v[0]),
                             .back = dup(b, k->rels[ri].name),
                             .self_ref = self,
                             .need_fk = need_fk};
            if (add_rel(b, pk, &back) < 0) break;
            k = &m->classes[i]; /* pk may be k: its rels moved */
            k->rels[ri].back = dup(b, o2m);
        }
        free(ix);
    }
}

/* A table whose columns are exactly two single-column foreign keys to two
 * other tables, together its primary key. */
static int association(const orm_rclass *k)
{
    const orm_dbtable *t = k->table;
    if (t->ncols != 2 || t->nfkeys != 2 || t->pk.n != 2) return 0;
    for (int f = 0; f < 2; f++) {
        if (!k->fk_ok[f] || orm_strv_find(&t->pk, t->fkeys[f].cols.v[0]) < 0) return 0;
    }
    return strcmp(t->fkeys[0].cols.v[0], t->fkeys[1].cols.v[0]) != 0 &&
           strcmp(t->fkeys[0].reftable, t->fkeys[1].reftable) != 0;
}

static void relate_m2m(builder *b)
{
    orm_rmodels *m = b->m;
    for (int i = 0; i < m->n && !b->oom; i++) {
        orm_rclass *k = &m->classes[i];
        if (k->mapped || !association(k)) continue;
        int *ix = sorted_fks(b, k->table);
        if (!ix) return;
        int a = find_table(m, k->table->fkeys[ix[0]].reftable);
        int c = find_table(m, k->table->fkeys[ix[1]].reftable);
        free(ix);
        orm_rclass *ka = &m->classes[a], *kc = &m->classes[c];
        if (ka->mapped || kc->mapped || ka->readonly || kc->readonly) continue;
        char *names[2] = {NULL, NULL};
        for (int s = 0; s < 2; s++) {
            orm_rclass *on = s ? kc : ka, *other = s ? ka : kc;
            char *snake = orm_name_snake(other->table->name);
            names[s] = free_attr(on, snake ? orm_name_plural(snake) : NULL);
            free(snake);
            if (!names[s]) b->oom = 1;
        }
        if (b->oom) {
            free(names[0]);
            free(names[1]);
            return;
        }
        orm_rrel ra = {.kind = ORM_RREL_M2M,
                       .name = names[0],
                       .target = c,
                       .back = dup(b, names[1]),
                       .secondary = dup(b, k->table->name)};
        orm_rrel rc = {.kind = ORM_RREL_M2M,
                       .name = names[1],
                       .target = a,
                       .back = dup(b, names[0]),
                       .secondary = dup(b, k->table->name)};
        add_rel(b, ka, &ra);
        add_rel(b, kc, &rc);
    }
}

/* Parents before children; a cycle is broken by name order. */
static void fk_order(builder *b)
{
    orm_rmodels *m = b->m;
    int *done = calloc((size_t)(m->n ? m->n : 1), sizeof *done);
    m->order = malloc((size_t)(m->n ? m->n : 1) * sizeof *m->order);
    if (!done || !m->order) {
        free(done);
        b->oom = 1;
        return;
    }
    int placed = 0;
    while (placed < m->n) {
        int progress = 0;
        for (int i = 0; i < m->n; i++) {
            if (done[i]) continue;
            const orm_dbtable *t = m->classes[i].table;
            int ready = 1;
            for (int f = 0; f < t->nfkeys && ready; f++) {
                int p = find_table(m, t->fkeys[f].reftable);
                if (p >= 0 && p != i && !done[p]) ready = 0;
            }
            if (ready) {
                done[i] = 1;
                m->order[placed++] = i;
                progress = 1;
            }
        }
        if (!progress) { /* a cycle: the first remaining table goes next */
            for (int i = 0; i < m->n; i++)
                if (!done[i]) {
                    done[i] = 1;
                    m->order[placed++] = i;
                    break;
                }
        }
    }
    free(done);
}

/* A column named query hides Model.query (a column is a class attribute
 * too, and keeps its name): said, with the way that still works. */
static void note_hidden_query(builder *b)
{
    for (int i = 0; i < b->m->n && !b->oom; i++) {
        const orm_rclass *k = &b->m->classes[i];
        if (!k->mapped && k->name && orm_dbtable_find_column(k->table, "query") >= 0)
            note(b,
                 "table '%s' has a column 'query': %s.query is that column, so query the "
                 "table with db.session:query(%s)",
                 k->table->name, k->name, k->name);
    }
}

int orm_rmodels_build(orm_dbschema *s, orm_rname_taken_fn taken, orm_rmapped_fn mapped, void *ud,
                      orm_rmodels **out)
{
    *out = NULL;
    orm_rmodels *m = calloc(1, sizeof *m);
    if (!m) {
        orm_dbschema_free(s);
        return ORM_ENOMEM;
    }
    m->schema = s;
    builder b = {.m = m, .taken = taken, .mapped = mapped, .ud = ud};
    if (s->ntables > 1) /* qsort wants a non-NULL base even for no elements */
        qsort(s->tables, (size_t)s->ntables, sizeof *s->tables, cmp_table);
    m->classes = calloc((size_t)(s->ntables ? s->ntables : 1), sizeof *m->classes);
    if (!m->classes) b.oom = 1;
    for (int i = 0; !b.oom && i < s->ntables; i++) {
        const char *name = s->tables[i]->name;
        if (strcmp(name, ORM_VERSION_TABLE) == 0 || strcmp(name, ORM_STEPS_TABLE) == 0 ||
            strcmp(name, ORM_AUDIT_TABLE) == 0)
            continue;                                /* ormsh's own bookkeeping */
        if (s->tables[i]->ncols > ORM_MAX_COLUMNS) { /* the rest of the database still is */
            note(&b,
                 "table '%s' has %d columns, more than the %d a model holds: not reflected "
                 "(query it with db.text)",
                 name, s->tables[i]->ncols, ORM_MAX_COLUMNS);
            continue;
        }
        if (s->tables[i]->ncols == 0) { /* PostgreSQL allows one; a model has columns */
            note(&b, "table '%s' has no columns: not reflected", name);
            continue;
        }
        m->classes[m->n++].table = s->tables[i];
    }
    if (!b.oom) name_classes(&b);
    if (!b.oom) note_hidden_query(&b);
    if (!b.oom) relate_fks(&b);
    if (!b.oom) relate_m2m(&b);
    if (!b.oom) fk_order(&b);
    if (b.oom) {
        orm_rmodels_free(m);
        return ORM_ENOMEM;
    }
    *out = m;
    return ORM_OK;
}

void orm_rmodels_free(orm_rmodels *m)
{
    if (!m) return;
    for (int i = 0; i < m->n; i++) {
        orm_rclass *k = &m->classes[i];
        for (int j = 0; j < k->nrels; j++) {
            free(k->rels[j].name);
            free(k->rels[j].fkcol);
            free(k->rels[j].back);
            free(k->rels[j].secondary);
        }
        free(k->rels);
        free(k->fk_ok);
        free(k->name);
    }
    free(m->classes);
    free(m->order);
    orm_strv_free(&m->notes);
    orm_dbschema_free(m->schema);
    free(m);
}

int orm_rmodels_note_views(orm_rmodels *m, const orm_strv *views)
{
    builder b = {.m = m};
    if (views->n == 1) note(&b, "view '%s' is not reflected (query it with db.text)", views->v[0]);
    if (views->n < 2) return b.oom ? ORM_ENOMEM : ORM_OK;
    /* one line for them all: Pagila has eight */
    orm_buf list = ORM_BUF_INIT;
    for (int i = 0; i < views->n; i++)
        orm_buf_printf(&list, "%s'%s'",
                       i == 0              ? ""
                       : i == views->n - 1 ? " and "
                                           : ", ",
                       views->v[i]);
    if (list.oom)
        b.oom = 1;
    else
        note(&b, "views %s are not reflected (query them with db.text)", orm_buf_str(&list));
    orm_buf_free(&list);
    return b.oom ? ORM_ENOMEM : ORM_OK;
}
