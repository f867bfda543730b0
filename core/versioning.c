/* versioning.c — optimistic locking: validating __version_id, the expected
 * version, the StaleDataError message and the bulk "version + 1". The flush
 * (flush.c) binds these; the SQL text comes from compile_stmt.c. */
#include "versioning.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

int orm_versioning_set_column(orm_table *t, const char *col, const char *model, orm_error *err)
{
    assert(t && col && model);
    int i = orm_table_column_index(t, col, strlen(col));
    if (i < 0)
        return orm_error_set(err, ORM_ERR_ARGUMENT, 0,
                             "%s.__version_id: no column '%s' (declare it as "
                             "db.Column(db.Integer))",
                             model, col);
    const orm_column *c = &t->cols[i];
    if (c->type.kind != ORM_T_INTEGER && c->type.kind != ORM_T_BIGINT) {
        char buf[64];
        return orm_error_set(err, ORM_ERR_ARGUMENT, 0,
                             "%s.__version_id: column '%s' is %s; a version column must be "
                             "Integer",
                             model, col, orm_type_name(&c->type, buf, sizeof buf));
    }
    if (c->primary_key)
        return orm_error_set(err, ORM_ERR_ARGUMENT, 0,
                             "%s.__version_id: column '%s' is part of the primary key", model, col);
    char *name = strdup(model);
    if (!name) return orm_error_oom(err);
    free(t->model_name);
    t->model_name = name;
    t->version_col = i;
    return ORM_OK;
}

int64_t orm_versioning_expected(const orm_object *o)
{
    const orm_table *t = o->table;
    assert(t->version_col >= 0);
    const orm_value *v = &o->values[t->version_col];
    return v->type == ORM_V_INT ? v->u.i : 0;
}

int orm_versioning_stale(orm_error *err, const orm_object *o, int64_t expected)
{
    const orm_table *t = o->table;
    orm_buf key;
    orm_buf_init(&key);
    if (t->npk > 1) orm_buf_putc(&key, '(');
    for (int i = 0; i < t->npk; i++) {
        if (i) orm_buf_puts(&key, ", ");
        orm_value_describe(&key, o->dbkey ? &o->dbkey[i] : &o->values[t->pk[i]]);
    }
    if (t->npk > 1) orm_buf_putc(&key, ')');
    if (key.oom) {
        orm_buf_free(&key);
        return orm_error_oom(err);
    }
    orm_error_set(err, ORM_ERR_STALE, 0,
                  "%s %s was changed by someone else (expected version %lld)",
                  t->model_name ? t->model_name : t->name, orm_buf_str(&key), (long long)expected);
    orm_buf_free(&key);
    return ORM_EFAIL;
}

void orm_versioning_restore(orm_object *o)
{
    int vc = o->table->version_col;
    if (vc < 0 || !o->committed) return;
    orm_value_clear(&o->values[vc]);
    if (o->committed[vc].type == ORM_V_INT) orm_value_int(&o->values[vc], o->committed[vc].u.i);
}

orm_expr *orm_versioning_bump_expr(const orm_table *t)
{
    assert(t->version_col >= 0);
    orm_value zero, one;
    orm_value_int(&zero, 0);
    orm_value_int(&one, 1);
    orm_expr *args[2] = {orm_expr_column(t, t->version_col), orm_expr_bind(&zero)};
    orm_expr *co = args[0] && args[1] ? orm_expr_func("COALESCE", args, 2) : NULL;
    orm_expr *inc = orm_expr_bind(&one);
    orm_expr *sum = co && inc ? orm_expr_binary(ORM_OP_ADD, co, inc) : NULL;
    orm_expr_release(args[0]);
    orm_expr_release(args[1]);
    orm_expr_release(co);
    orm_expr_release(inc);
    return sum;
}
