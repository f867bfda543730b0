/* upsert.c — db.upsert through the session: checking the conflict key,
 * compiling the dialect's native upsert, running it in batches, and
 * re-reading the loaded objects of the rows it wrote. */
#include "upsert.h"

#include <assert.h>
#include <stdlib.h>

#include "compile.h"
#include "identity.h"
#include "session_int.h"

/* Most rows one statement carries, whatever the parameter limit allows
 * (each row count is one more cached statement). */
#define UPSERT_MAX_ROWS 500

static int has_col(const int *v, int n, int col)
{
    for (int i = 0; i < n; i++)
        if (v[i] == col) return 1;
    return 0;
}

/* 1 when `on` names exactly t's primary key columns. */
static int on_is_pk(const orm_upsert_spec *sp)
{
    const orm_table *t = sp->table;
    if (sp->non != t->npk) return 0;
    for (int i = 0; i < t->npk; i++)
        if (!has_col(sp->on, sp->non, t->pk[i])) return 0;
    return 1;
}

/* "(id), (email)": the keys `on` may name. */
static void put_valid_keys(orm_buf *b, const orm_table *t)
{
    orm_buf_putc(b, '(');
    for (int i = 0; i < t->npk; i++) {
        if (i) orm_buf_puts(b, ", ");
        orm_buf_puts(b, t->cols[t->pk[i]].name);
    }
    orm_buf_putc(b, ')');
    for (int i = 0; i < t->ncols; i++) {
        if (!t->cols[i].unique || (t->npk == 1 && t->pk[0] == i)) continue;
        orm_buf_puts(b, ", (");
        orm_buf_puts(b, t->cols[i].name);
        orm_buf_putc(b, ')');
    }
}

int orm_upsert_check_key(const orm_upsert_spec *sp, orm_error *err)
{
    const orm_table *t = sp->table;
    int ok = on_is_pk(sp) || (sp->non == 1 && t->cols[sp->on[0]].unique);
    if (!ok) {
        orm_buf b;
        orm_buf_init(&b);
        orm_buf_putc(&b, '(');
        for (int i = 0; i < sp->non; i++) {
            if (i) orm_buf_puts(&b, ", ");
            orm_buf_puts(&b, t->cols[sp->on[i]].name);
        }
        orm_buf_puts(&b, ") is not a unique key of ");
        orm_buf_puts(&b, t->name);
        orm_buf_puts(&b, " (unique keys: ");
        put_valid_keys(&b, t);
        orm_buf_putc(&b, ')');
        int rc =
            b.oom ? orm_error_oom(err)
                  : orm_error_set(err, ORM_ERR_ARGUMENT, 0, "db.upsert: on = %s", orm_buf_str(&b));
        orm_buf_free(&b);
        return rc;
    }
    return ORM_OK;
}

int orm_upsert_check(const orm_upsert_spec *sp, orm_error *err)
{
    const orm_table *t = sp->table;
    if (orm_upsert_check_key(sp, err) < 0) return ORM_EFAIL;
    for (int i = 0; i < sp->non; i++)
        if (!has_col(sp->cols, sp->ncols, sp->on[i]))
            return orm_error_set(err, ORM_ERR_ARGUMENT, 0,
                                 "db.upsert: every row needs a value for '%s' (a column of on)",
                                 t->cols[sp->on[i]].name);
    if (sp->nupdate == 0)
        return orm_error_set(err, ORM_ERR_ARGUMENT, 0,
                             "db.upsert: update names no column to set on a collision");
    for (int i = 0; i < sp->nupdate; i++)
        if (has_col(sp->on, sp->non, sp->update[i]))
            return orm_error_set(err, ORM_ERR_ARGUMENT, 0,
                                 "db.upsert: update names '%s', a column of on",
                                 t->cols[sp->update[i]].name);
    return ORM_OK;
}

int orm_compile_upsert(const orm_dialect *d, const orm_upsert_spec *sp, size_t nrows, orm_buf *out)
{
    const orm_table *t = sp->table;
    assert(sp->ncols > 0 && nrows > 0 && sp->nupdate > 0);
    orm_buf_puts(out, "INSERT INTO ");
    orm_dialect_quote(d, out, t->name);
    orm_buf_puts(out, " (");
    for (int i = 0; i < sp->ncols; i++) {
        if (i) orm_buf_puts(out, ", ");
        orm_dialect_quote(d, out, t->cols[sp->cols[i]].name);
    }
    orm_buf_puts(out, ") VALUES ");
    int n = 0;
    for (size_t r = 0; r < nrows; r++) {
        orm_buf_puts(out, r ? ", (" : "(");
        for (int i = 0; i < sp->ncols; i++) {
            if (i) orm_buf_puts(out, ", ");
            orm_dialect_placeholder(d, out, ++n);
        }
        orm_buf_putc(out, ')');
    }
    if (d->upsert == ORM_UPSERT_ON_DUPLICATE) {
        orm_buf_puts(out, " ON DUPLICATE KEY UPDATE ");
    } else {
        orm_buf_puts(out, " ON CONFLICT (");
        for (int i = 0; i < sp->non; i++) {
            if (i) orm_buf_puts(out, ", ");
            orm_dialect_quote(d, out, t->cols[sp->on[i]].name);
        }
        orm_buf_puts(out, ") DO UPDATE SET ");
    }
    for (int i = 0; i < sp->nupdate; i++) {
        const char *c = t->cols[sp->update[i]].name;
        if (i) orm_buf_puts(out, ", ");
        orm_dialect_quote(d, out, c);
        if (d->upsert == ORM_UPSERT_ON_DUPLICATE) {
            orm_buf_puts(out, " = VALUES(");
            orm_dialect_quote(d, out, c);
            orm_buf_putc(out, ')');
        } else {
            orm_buf_puts(out, " = excluded.");
            orm_dialect_quote(d, out, c);
        }
    }
    return out->oom ? ORM_ENOMEM : ORM_OK;
}

/* ---- loaded objects of the written rows ---------------------------------------- */

typedef struct {
    const orm_upsert_spec *sp;
    const orm_value *rows;
    size_t nrows;
    orm_object **hit; /* retained */
    size_t nhit, cap;
    int oom;
} match_ctx;

static void collect(match_ctx *m, orm_object *o)
{
    for (size_t i = 0; i < m->nhit; i++)
        if (m->hit[i] == o) return;
    if (m->nhit == m->cap) {
        size_t cap = m->cap ? m->cap * 2 : 16;
        orm_object **v = realloc(m->hit, cap * sizeof *v);
        if (!v) {
            m->oom = 1;
            return;
        }
        m->hit = v;
        m->cap = cap;
    }
    m->hit[m->nhit++] = orm_object_retain(o);
}

/* identity-map walk: o is hit when its `on` values equal a row's */
static void match_object(void *ctx, orm_object *o)
{
    match_ctx *m = ctx;
    const orm_upsert_spec *sp = m->sp;
    if (o->table != sp->table) return;
    for (size_t r = 0; r < m->nrows; r++) {
        const orm_value *row = m->rows + r * (size_t)sp->ncols;
        int same = 1;
        for (int i = 0; i < sp->ncols && same; i++)
            if (has_col(sp->on, sp->non, sp->cols[i]))
                same = orm_value_equal(&o->values[sp->cols[i]], &row[i]);
        if (same) {
            collect(m, o);
            return;
        }
    }
}

/* The loaded objects of the rows: by key when `on` is the primary key,
 * else by walking the identity map. */
static int find_loaded(orm_session *s, match_ctx *m)
{
    const orm_upsert_spec *sp = m->sp;
    const orm_table *t = sp->table;
    if (!on_is_pk(sp)) {
        orm_identity_each(&s->identity, match_object, m);
        return m->oom ? ORM_ENOMEM : ORM_OK;
    }
    for (size_t r = 0; r < m->nrows && !m->oom; r++) {
        const orm_value *row = m->rows + r * (size_t)sp->ncols;
        const orm_value *key[ORM_MAX_COLUMNS];
        for (int k = 0; k < t->npk; k++)
            for (int i = 0; i < sp->ncols; i++)
                if (sp->cols[i] == t->pk[k]) key[k] = &row[i];
        orm_object *o = orm_identity_find(&s->identity, t, key, orm_identity_hash(t, key));
        if (o) collect(m, o);
    }
    return m->oom ? ORM_ENOMEM : ORM_OK;
}

static int refresh_loaded(orm_session *s, match_ctx *m)
{
    int rc = ORM_OK;
    for (size_t i = 0; rc >= 0 && i < m->nhit; i++) {
        orm_object *o = m->hit[i];
        if (o->session != s || o->state != ORM_OBJ_PERSISTENT) continue;
        if (!o->inserted_in_txn && orm_object_snapshot(o) != ORM_OK) return orm_error_oom(&s->err);
        if (!o->touched && orm_session_touch(s, o) != ORM_OK) return orm_error_oom(&s->err);
        rc = orm_session_refresh(s, o);
    }
    return rc;
}

/* ---- running it ------------------------------------------------------------------------ */

static int run_batch(orm_session *s, const orm_upsert_spec *sp, const orm_value *rows, size_t nrows)
{
    orm_buf sql;
    orm_buf_init(&sql);
    size_t np = nrows * (size_t)sp->ncols;
    const orm_value **params = malloc(np * sizeof *params);
    if (!params || orm_compile_upsert(orm_conn_dialect(s->conn), sp, nrows, &sql) < 0) {
        free(params);
        orm_buf_free(&sql);
        return orm_error_oom(&s->err);
    }
    for (size_t i = 0; i < np; i++)
        params[i] = &rows[i];
    int64_t changes = 0;
    int rc = orm_session_run(s, orm_buf_str(&sql), params, np, &changes);
    free(params);
    orm_buf_free(&sql);
    return rc;
}

int orm_upsert(orm_session *s, const orm_upsert_spec *sp, const orm_value *rows, size_t nrows,
               int64_t *written)
{
    *written = 0;
    orm_error_clear(&s->err);
    if (orm_upsert_check(sp, &s->err) < 0) return ORM_EFAIL;
    if (nrows == 0) return ORM_OK;
    int rc = orm_session_autoflush(s);
    if (rc < 0) return rc;
    const orm_dialect *d = orm_conn_dialect(s->conn);
    size_t per = (size_t)(d->max_params > 0 ? d->max_params : 999) / (size_t)sp->ncols;
    if (per > UPSERT_MAX_ROWS) per = UPSERT_MAX_ROWS;
    if (per == 0) per = 1;
    match_ctx m = {sp, rows, nrows, NULL, 0, 0, 0};
    rc = find_loaded(s, &m);
    if (rc < 0) rc = orm_error_oom(&s->err);
    for (size_t at = 0; rc >= 0 && at < nrows; at += per) {
        size_t n = nrows - at < per ? nrows - at : per;
        rc = run_batch(s, sp, rows + at * (size_t)sp->ncols, n);
        if (rc >= 0) *written += (int64_t)n;
    }
    if (rc >= 0) rc = refresh_loaded(s, &m);
    for (size_t i = 0; i < m.nhit; i++)
        orm_object_release(m.hit[i]);
    free(m.hit);
    return rc < 0 ? rc : ORM_OK;
}
