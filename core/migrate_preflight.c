/* migrate_preflight.c — the pre-flight counts of migrate_preflight.h: before
 * a destructive operation runs, one SELECT COUNT(*) on the table as it is at
 * that point of the migration (earlier operations of the run included), and
 * a line naming the revision, table and column when the count is not zero.
 * A table or column that does not exist (yet) counts nothing: the operation
 * itself reports that. */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "migrate_int.h"
#include "migrate_preflight.h"
#include "reflect.h"
#include "sqlq.h"

void orm_mig_ctx_set_preflight(orm_mig_ctx *m, int on)
{
    m->preflight = on;
}

int orm_mig_ctx_set_revision(orm_mig_ctx *m, const char *rev)
{
    char *copy = rev ? strdup(rev) : NULL;
    if (rev && !copy) return orm_error_oom(&m->c->err);
    free(m->revision);
    m->revision = copy;
    return ORM_OK;
}

int orm_mig_ctx_take_losses(orm_mig_ctx *m, orm_strv *out)
{
    for (int i = 0; i < m->losses.n; i++)
        if (orm_strv_push(out, m->losses.v[i]) < 0) return ORM_ENOMEM;
    orm_strv_free(&m->losses);
    return ORM_OK;
}

enum { ALL, NOT_NULL, IS_NULL, LONGER };

/* *out = the rows of table (with column matching how). */
static int count(orm_mig_ctx *m, const char *table, const char *column, int how, int limit,
                 int64_t *out)
{
    orm_buf b = ORM_BUF_INIT;
    orm_value arg = {.type = ORM_V_INT, .u.i = limit};
    orm_buf_puts(&b, "SELECT COUNT(*) FROM ");
    orm_dialect_quote(m->d, &b, table);
    if (how != ALL) {
        orm_buf_puts(&b, " WHERE ");
        if (how == LONGER)
            orm_buf_printf(&b, "%s(", m->be->char_length ? m->be->char_length : "LENGTH");
        orm_dialect_quote(m->d, &b, column);
        if (how == NOT_NULL) orm_buf_puts(&b, " IS NOT NULL");
        if (how == IS_NULL) orm_buf_puts(&b, " IS NULL");
        if (how == LONGER) {
            orm_buf_puts(&b, ") > ");
            orm_dialect_placeholder(m->d, &b, 1);
        }
    }
    *out = 0;
    orm_sqlq q;
    int rc = b.oom ? orm_error_oom(&m->c->err)
                   : orm_sqlq_open(&q, m->c, orm_buf_str(&b), &arg, how == LONGER ? 1 : 0);
    if (rc == ORM_OK) {
        rc = orm_sqlq_step(&q);
        if (rc == ORM_ROW) *out = orm_sqlq_int(&q, 0);
        orm_sqlq_close(&q);
    }
    orm_buf_free(&b);
    return rc < 0 ? rc : ORM_OK;
}

/* Appends "REV: op table[.column][ (detail)]: N unit[s] what". */
static int note(orm_mig_ctx *m, const char *op, const char *table, const char *column,
                const char *detail, int64_t n, const char *unit, const char *what)
{
    orm_buf line = ORM_BUF_INIT;
    orm_buf_printf(&line, "%s: %s ", m->revision && *m->revision ? m->revision : "<revision>", op);
    orm_buf_puts(&line, table);
    if (column) orm_buf_printf(&line, ".%s", column);
    if (detail) orm_buf_printf(&line, " (%s)", detail);
    orm_buf_printf(&line, ": %lld %s%s %s", (long long)n, unit, n == 1 ? "" : "s", what);
    int rc = line.oom || orm_strv_push(&m->losses, orm_buf_str(&line)) < 0
                 ? orm_error_oom(&m->c->err)
                 : ORM_OK;
    orm_buf_free(&line);
    return rc;
}

/* The table as it is now, or NULL (no table, or no counting wanted). */
static int table_now(orm_mig_ctx *m, const char *table, orm_dbtable **t)
{
    *t = NULL;
    if (!m->preflight || m->depth > 0) return ORM_OK;
    return orm_reflect_table(m->c, table, t);
}

int orm_mig_preflight_drop_table(orm_mig_ctx *m, const char *table)
{
    orm_dbtable *t;
    int64_t n = 0;
    int rc = table_now(m, table, &t);
    if (rc == ORM_OK && t) rc = count(m, table, NULL, ALL, 0, &n);
    if (rc == ORM_OK && n)
        rc = note(m, "drop_table", table, NULL, NULL, n, "row", "would be deleted");
    orm_dbtable_free(t);
    return rc;
}

int orm_mig_preflight_drop_column(orm_mig_ctx *m, const char *table, const char *column)
{
    orm_dbtable *t;
    int64_t n = 0;
    int rc = table_now(m, table, &t);
    if (rc == ORM_OK && t && orm_dbtable_find_column(t, column) >= 0)
        rc = count(m, table, column, NOT_NULL, 0, &n);
    if (rc == ORM_OK && n)
        rc = note(m, "drop_column", table, column, NULL, n, "non-null value", "would be lost");
    orm_dbtable_free(t);
    return rc;
}

int orm_mig_preflight_add_column(orm_mig_ctx *m, const orm_dbtable *frag)
{
    assert(frag->ncols == 1);
    const orm_dbcolumn *c = &frag->cols[0];
    if (c->nullable || c->server_default || c->computed) return ORM_OK; /* rows get a value */
    orm_dbtable *t;
    int64_t n = 0;
    int rc = table_now(m, frag->name, &t);
    if (rc == ORM_OK && t && orm_dbtable_find_column(t, c->name) < 0)
        rc = count(m, frag->name, NULL, ALL, 0, &n);
    if (rc == ORM_OK && n)
        rc = note(m, "add_column", frag->name, c->name, "NOT NULL, no default", n, "existing row",
                  "would be rejected");
    orm_dbtable_free(t);
    return rc;
}

static int is_text(const orm_dbcolumn *c)
{
    return c->type_known && (c->type.kind == ORM_T_STRING || c->type.kind == ORM_T_TEXT);
}

int orm_mig_preflight_alter(orm_mig_ctx *m, const orm_mig_alter *a)
{
    int narrow = a->type && a->type->kind == ORM_T_STRING && a->type->length > 0;
    int notnull = a->set_nullable && !a->nullable;
    if (!narrow && !notnull) return ORM_OK;
    orm_dbtable *t;
    int rc = table_now(m, a->table, &t);
    int i = rc == ORM_OK && t ? orm_dbtable_find_column(t, a->column) : -1;
    if (i >= 0 && narrow && is_text(&t->cols[i]) &&
        (t->cols[i].type.length == 0 || t->cols[i].type.length > a->type->length)) {
        int64_t n = 0;
        char ty[48];
        snprintf(ty, sizeof ty, "String(%d)", a->type->length);
        rc = count(m, a->table, a->column, LONGER, a->type->length, &n);
        if (rc == ORM_OK && n)
            rc = note(m, "alter_column", a->table, a->column, ty, n, "value",
                      "longer than that would be cut");
    }
    if (rc == ORM_OK && i >= 0 && notnull && t->cols[i].nullable) {
        int64_t n = 0;
        rc = count(m, a->table, a->column, IS_NULL, 0, &n);
        if (rc == ORM_OK && n)
            rc = note(m, "alter_column", a->table, a->column, "NOT NULL", n, "row holding NULL",
                      "would be rejected");
    }
    orm_dbtable_free(t);
    return rc;
}
