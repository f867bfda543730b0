/* compile_dml.c — bulk UPDATE and DELETE over the rows a filter matches
 * (q:update{...}, q:delete()): the SET values and the WHERE clause are
 * expressions, compiled like a SELECT's, with every value bound. */
#include <stdlib.h>

#include "compile_int.h"

/* Compiles " WHERE where" with t as the statement's FROM, so subqueries
 * that mention t correlate to the row being changed. */
static int compile_where(orm_cc *c, const orm_table *t, const orm_expr *where)
{
    if (!where) return ORM_OK;
    orm_cc_src self = {t, NULL};
    orm_cc_srclist froms = {&self, 1, 1};
    orm_cc_frame frame = {&froms, NULL};
    /* the frame lives while the WHERE compiles and is unlinked right after */
    // cppcheck-suppress autoVariables
    c->frames = &frame;
    orm_cc_put(c, " WHERE ");
    int rc = orm_cc_node(c, where, ORM_CC_TOP);
    c->frames = NULL;
    return rc;
}

int orm_compile_update_where(const orm_dialect *d, const orm_table *t, const int *cols,
                             orm_expr *const *values, int n, const orm_expr *where,
                             orm_compiled *out, orm_error *err)
{
    orm_cc c;
    orm_cc_init(&c, d, out, err);
    if (!t || n < 1)
        return orm_cc_finish(&c, orm_cc_malformed(&c, "an UPDATE with nothing to set"));
    orm_cc_put(&c, "UPDATE ");
    orm_dialect_quote(d, &out->sql, t->name);
    orm_cc_put(&c, " SET ");
    int rc = ORM_OK;
    orm_cc_src self = {t, NULL};
    orm_cc_srclist froms = {&self, 1, 1};
    orm_cc_frame frame = {&froms, NULL};
    for (int i = 0; rc == ORM_OK && i < n; i++) {
        if (cols[i] < 0 || cols[i] >= t->ncols) {
            rc = orm_cc_malformed(&c, "an UPDATE of a missing column");
            break;
        }
        if (i) orm_cc_put(&c, ", ");
        orm_dialect_quote(d, &out->sql, t->cols[cols[i]].name);
        orm_cc_put(&c, "=");
        c.frames = &frame;
        rc = orm_cc_node(&c, values[i], ORM_CC_TOP);
        c.frames = NULL;
    }
    if (rc == ORM_OK) rc = compile_where(&c, t, where);
    return orm_cc_finish(&c, rc);
}

int orm_compile_delete_where(const orm_dialect *d, const orm_table *t, const orm_expr *where,
                             orm_compiled *out, orm_error *err)
{
    orm_cc c;
    orm_cc_init(&c, d, out, err);
    if (!t) return orm_cc_finish(&c, orm_cc_malformed(&c, "a DELETE without a table"));
    orm_cc_put(&c, "DELETE FROM ");
    orm_dialect_quote(d, &out->sql, t->name);
    return orm_cc_finish(&c, compile_where(&c, t, where));
}
