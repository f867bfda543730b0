/* migrate_version.c — the ormsh_version table: one row per revision the database
 * is at (one, except between the branches of a merge), in the column
 * version_num, as Alembic keeps alembic_version. Created by the first
 * revision that runs, inside its transaction. */
#include <stdlib.h>
#include <string.h>

#include "migrate_int.h"
#include "reflect.h"
#include "sqlq.h"

static int version_table_exists(orm_conn *c, int *out)
{
    orm_dbtable *t = NULL;
    int rc = orm_reflect_table(c, ORM_VERSION_TABLE, &t);
    *out = t != NULL;
    orm_dbtable_free(t);
    return rc;
}

int orm_mig_version_read(orm_conn *c, orm_strv *out)
{
    int exists = 0, rc = version_table_exists(c, &exists);
    if (rc < 0 || !exists) return rc;
    orm_sqlq q;
    rc = orm_sqlq_open(&q, c, "SELECT version_num FROM " ORM_VERSION_TABLE " ORDER BY version_num",
                       NULL, 0);
    while (rc >= 0 && (rc = orm_sqlq_step(&q)) == ORM_ROW) {
        int oom = 0;
        char *v = orm_sqlq_text(&q, 0, &oom);
        if (v && orm_strv_push(out, v) < 0) oom = 1;
        free(v);
        if (oom) rc = orm_error_oom(&c->err);
    }
    orm_sqlq_close(&q);
    return rc < 0 ? rc : ORM_OK;
}

static int ensure_table(orm_mig_ctx *m)
{
    if (m->dry && m->version_made) return ORM_OK; /* written once, never run */
    int exists = 0, rc = version_table_exists(m->c, &exists);
    if (rc < 0 || exists) return rc;
    m->version_made = 1;
    return orm_mig_exec(m,
                        "CREATE TABLE " ORM_VERSION_TABLE " (\n\tversion_num VARCHAR(32) NOT "
                        "NULL, \n\tCONSTRAINT " ORM_VERSION_TABLE
                        "_pkc PRIMARY KEY (version_num)\n)",
                        NULL, 0, NULL);
}

/* Runs sql with each "?" written as the dialect's placeholder ($1 on PostgreSQL). */
static int exec_ph(orm_mig_ctx *m, const char *sql, const orm_value *params, size_t n,
                   int64_t *changes)
{
    orm_buf b = ORM_BUF_INIT;
    int k = 0;
    for (const char *p = sql; *p; p++)
        if (*p == '?')
            orm_dialect_placeholder(m->d, &b, ++k);
        else
            orm_buf_putc(&b, *p);
    int rc =
        b.oom ? orm_error_oom(&m->c->err) : orm_mig_exec(m, orm_buf_str(&b), params, n, changes);
    orm_buf_free(&b);
    return rc;
}

static orm_value text_value(const char *s)
{
    return (orm_value){.type = ORM_V_TEXT, .len = strlen(s), .u.s = (char *)s};
}

static int delete_row(orm_mig_ctx *m, const char *v)
{
    orm_value p = text_value(v);
    return exec_ph(m, "DELETE FROM " ORM_VERSION_TABLE " WHERE version_num = ?", &p, 1, NULL);
}

static int insert_row(orm_mig_ctx *m, const char *v)
{
    orm_value p = text_value(v);
    return exec_ph(m, "INSERT INTO " ORM_VERSION_TABLE " (version_num) VALUES (?)", &p, 1, NULL);
}

int orm_mig_version_move(orm_mig_ctx *m, const orm_strv *remove, const orm_strv *add)
{
    int rc = ensure_table(m);
    if (rc < 0) return rc;
    if (remove->n == 1 && add->n == 1) {
        orm_value p[2] = {text_value(add->v[0]), text_value(remove->v[0])};
        int64_t n = 0;
        rc = exec_ph(m, "UPDATE " ORM_VERSION_TABLE " SET version_num = ? WHERE version_num = ?", p,
                     2, &n);
        if (rc == ORM_OK && n != 1)
            return orm_mig_fail(m,
                                "the database is not at revision %s (expected one row of %s to "
                                "move to %s, found %lld)",
                                remove->v[0], ORM_VERSION_TABLE, add->v[0], (long long)n);
        return rc;
    }
    for (int i = 0; rc == ORM_OK && i < remove->n; i++)
        rc = delete_row(m, remove->v[i]);
    for (int i = 0; rc == ORM_OK && i < add->n; i++)
        rc = insert_row(m, add->v[i]);
    return rc;
}

int orm_mig_version_stamp(orm_mig_ctx *m, const orm_strv *heads)
{
    int rc = ensure_table(m);
    if (rc == ORM_OK) rc = orm_mig_exec(m, "DELETE FROM " ORM_VERSION_TABLE, NULL, 0, NULL);
    for (int i = 0; rc == ORM_OK && i < heads->n; i++)
        rc = insert_row(m, heads->v[i]);
    return rc;
}
