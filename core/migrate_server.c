/* migrate_server.c — the pieces of migrate_pg.c and migrate_mysql.c that
 * are the same on both servers: refusing a NOT NULL column without default
 * on a table with rows, finding a constraint by its name in the database or
 * by ormsh's conventional name (so a revision written on SQLite drops the
 * same constraint on a server), and the ALTER TABLE prefixes. */
#include "migrate_server.h"

#include <assert.h>
#include <string.h>

void orm_mig_srv_alter(orm_mig_ctx *m, orm_buf *b, const char *table)
{
    orm_buf_puts(b, "ALTER TABLE ");
    orm_dialect_quote(m->d, b, table);
    orm_buf_putc(b, ' ');
}

void orm_mig_srv_unique_ddl(orm_mig_ctx *m, orm_buf *b, const orm_dbunique *u)
{
    if (u->name) {
        orm_buf_puts(b, "CONSTRAINT ");
        orm_dialect_quote(m->d, b, u->name);
        orm_buf_putc(b, ' ');
    }
    orm_buf_puts(b, "UNIQUE (");
    orm_dbschema_quote_list(m->d, b, &u->cols);
    orm_buf_putc(b, ')');
}

void orm_mig_srv_add_column_ddl(orm_mig_ctx *m, orm_buf *b, const orm_dbtable *f,
                                void (*index_item)(orm_mig_ctx *, orm_buf *, const orm_dbindex *))
{
    orm_mig_srv_alter(m, b, f->name);
    orm_buf_puts(b, "ADD COLUMN ");
    orm_dbcolumn_ddl(m->d, &f->cols[0], b);
    for (int i = 0; i < f->nuniques; i++) {
        orm_buf_puts(b, ", ADD ");
        orm_mig_srv_unique_ddl(m, b, &f->uniques[i]);
    }
    for (int i = 0; index_item && i < f->nindexes; i++) {
        orm_buf_puts(b, ", ADD ");
        index_item(m, b, &f->indexes[i]);
    }
    for (int i = 0; i < f->nfkeys; i++) {
        orm_buf_puts(b, ", ADD ");
        orm_dbfkey_ddl(m->d, &f->fkeys[i], b);
    }
}

int orm_mig_srv_check_not_null(orm_mig_ctx *m, const orm_dbtable *f)
{
    const orm_dbcolumn *c = &f->cols[0];
    if (c->nullable || c->server_default || c->computed || m->dry) return ORM_OK;
    int rows = 0, rc = orm_mig_has_rows(m, f->name, &rows);
    if (rc < 0 || !rows) return rc;
    return orm_mig_fail(m,
                        "cannot add NOT NULL column %s.%s without a server_default: the table "
                        "has rows (give it a server_default, or add it nullable, fill it, then "
                        "make it NOT NULL with alter_column)",
                        f->name, c->name);
}

/* 1 when `name` is the constraint's real name (pass 0) or conventional one
 * (pass 1), 0 when not, ORM_ENOMEM. */
static int named(const orm_dbtable *t, const orm_dbunique *u, const orm_dbfkey *f, const char *name,
                 int pass)
{
    assert(u || f); /* one constraint: a unique or a foreign key */
    const char *real = u ? u->name : f ? f->name : NULL;
    if (pass == 0) return real && strcmp(real, name) == 0;
    return orm_dbconstraint_is_conventional(t, u, f, name);
}

static void list_names(const orm_dbtable *t, int unique_indexes, orm_buf *out)
{
    int n = 0;
    for (int i = 0; i < t->nuniques; i++) {
        orm_buf_puts(out, n++ ? ", " : "");
        orm_dbunique_name(t, &t->uniques[i], out);
    }
    for (int i = 0; unique_indexes && i < t->nindexes; i++)
        if (t->indexes[i].unique) orm_buf_printf(out, "%s%s", n++ ? ", " : "", t->indexes[i].name);
    for (int i = 0; i < t->nfkeys; i++) {
        orm_buf_puts(out, n++ ? ", " : "");
        orm_dbfkey_name(t, &t->fkeys[i], out);
    }
    if (!n) orm_buf_puts(out, "none");
}

int orm_mig_srv_find_constraint(orm_mig_ctx *m, const orm_dbtable *t, const char *name,
                                const char *type, int unique_indexes, orm_mig_srv_found *out)
{
    int uq = !type || strcmp(type, "unique") == 0, fk = !type || strcmp(type, "foreignkey") == 0;
    for (int pass = 0; pass < 2; pass++) {
        for (int i = 0; uq && i < t->nuniques; i++) {
            int r = named(t, &t->uniques[i], NULL, name, pass);
            if (r < 0) return orm_error_oom(&m->c->err); /* not "no such constraint" */
            if (r) {
                *out = (orm_mig_srv_found){'u', i};
                return ORM_OK;
            }
        }
        for (int i = 0; uq && unique_indexes && pass == 0 && i < t->nindexes; i++)
            if (t->indexes[i].unique && strcmp(t->indexes[i].name, name) == 0) {
                *out = (orm_mig_srv_found){'i', i};
                return ORM_OK;
            }
        for (int i = 0; fk && i < t->nfkeys; i++) {
            int r = named(t, NULL, &t->fkeys[i], name, pass);
            if (r < 0) return orm_error_oom(&m->c->err);
            if (r) {
                *out = (orm_mig_srv_found){'f', i};
                return ORM_OK;
            }
        }
    }
    orm_buf have = ORM_BUF_INIT;
    list_names(t, unique_indexes, &have);
    orm_mig_fail(m, "table '%s' has no %s constraint named '%s' (it has: %s)", t->name,
                 type ? type : "unique or foreign-key", name, orm_buf_str(&have));
    orm_buf_free(&have);
    return ORM_EFAIL;
}
