/* sandbox.c — the sandbox of sandbox.h: a private copy through the driver's
 * hooks, or one outer transaction with savepoints. */
#include <assert.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "dialect.h"
#include "sandbox.h"
#include "strv.h"

#define TX_SAVEPOINT "ormsh_tx"
#define CK_PREFIX "ormsh_ck_"

struct orm_sandbox {
    int outer;      /* the outer-transaction way (servers) */
    int tx_open;    /* outer: the session's savepoint is open */
    orm_strv names; /* checkpoints, oldest first */
    void **snaps;   /* private copy: the snapshot of each name */
};

int orm_sandbox_active(const orm_conn *c)
{
    return c && c->sandbox != NULL;
}

int orm_sandbox_wraps(const orm_conn *c)
{
    return c->sandbox && c->sandbox->outer;
}

int orm_sandbox_in_transaction(const orm_conn *c)
{
    return c->sandbox->tx_open;
}

int orm_sandbox_enter(orm_conn *c)
{
    if (c->sandbox) return ORM_OK;
    if (orm_conn_driver_in_transaction(c))
        return orm_error_set(&c->err, ORM_ERR_ARGUMENT, 0,
                             "a sandbox starts with no transaction open");
    struct orm_sandbox *s = calloc(1, sizeof *s);
    if (!s) return orm_error_oom(&c->err);
    int rc;
    if (orm_conn_has_private_copy(c)) {
        rc = orm_conn_private_copy(c);
    } else {
        s->outer = 1;
        rc = orm_conn_begin(c); /* not yet wrapped: the real BEGIN */
    }
    if (rc < 0) {
        free(s);
        return rc;
    }
    c->sandbox = s;
    return ORM_OK;
}

static int savepoint_sql(orm_conn *c, orm_savepoint_op op, const char *name, const char *prefix)
{
    orm_buf id = ORM_BUF_INIT;
    orm_buf_printf(&id, "%s%s", prefix, name);
    int rc = id.oom ? orm_error_oom(&c->err) : orm_conn_savepoint(c, op, orm_buf_str(&id));
    orm_buf_free(&id);
    return rc;
}

int orm_sandbox_tx(orm_conn *c, int op)
{
    struct orm_sandbox *s = c->sandbox;
    assert(s && s->outer);
    int rc;
    switch (op) {
    case ORM_SBX_BEGIN:
        if (!orm_conn_driver_in_transaction(c)) /* a server that ended it (a deadlock on MySQL) */
            return orm_error_set(&c->err, ORM_ERR_OPERATIONAL, 0,
                                 "the sandbox's transaction was ended by the server: nothing "
                                 "more can run in this sandbox (leave and start a new one)");
        if (s->tx_open)
            return orm_error_set(&c->err, ORM_ERR_ARGUMENT, 0, "a transaction is already open");
        rc = savepoint_sql(c, ORM_SP_CREATE, TX_SAVEPOINT, "");
        if (rc == ORM_OK) s->tx_open = 1;
        return rc;
    case ORM_SBX_COMMIT:
        if (!s->tx_open) return ORM_OK;
        s->tx_open = 0;
        return savepoint_sql(c, ORM_SP_RELEASE, TX_SAVEPOINT, "");
    default:
        if (!s->tx_open) return ORM_OK;
        s->tx_open = 0;
        rc = savepoint_sql(c, ORM_SP_ROLLBACK, TX_SAVEPOINT, "");
        if (rc == ORM_OK) rc = savepoint_sql(c, ORM_SP_RELEASE, TX_SAVEPOINT, "");
        return rc;
    }
}

static int ddl_word(const char *p, const char *w)
{
    size_t n = strlen(w);
    return strncasecmp(p, w, n) == 0 && !isalnum((unsigned char)p[n]) && p[n] != '_';
}

int orm_sandbox_check_sql(orm_conn *c, const char *sql)
{
    if (!c->sandbox || !c->sandbox->outer || orm_conn_dialect(c)->transactional_ddl) return ORM_OK;
    const char *p = sql;
    while (isspace((unsigned char)*p) || *p == '(')
        p++;
    static const char *const words[] = {"CREATE", "DROP", "ALTER", "TRUNCATE", "RENAME", NULL};
    for (int i = 0; words[i]; i++) {
        if (!ddl_word(p, words[i])) continue;
        const char *q = p + strlen(words[i]);
        while (isspace((unsigned char)*q))
            q++;
        if (ddl_word(q, "TEMPORARY")) return ORM_OK; /* no implicit commit */
        return orm_error_set(&c->err, ORM_ERR_OPERATIONAL, 0,
                             "%s statements are refused in a sandbox on %s: they would commit "
                             "the sandbox's transaction",
                             words[i], orm_conn_dialect(c)->name);
    }
    return ORM_OK;
}

static int check_name(orm_conn *c, const char *name)
{
    size_t n = strlen(name);
    int ok = n > 0 && n <= 48;
    for (size_t i = 0; ok && i < n; i++)
        ok = isalnum((unsigned char)name[i]) || name[i] == '_';
    if (!ok)
        return orm_error_set(&c->err, ORM_ERR_ARGUMENT, 0,
                             "bad checkpoint name '%s' (letters, digits and _, at most 48)", name);
    return ORM_OK;
}

static int ready(orm_conn *c, const char *what)
{
    if (!c->sandbox)
        return orm_error_set(&c->err, ORM_ERR_ARGUMENT, 0,
                             "%s works only in a sandbox (ormsh shell --sandbox)", what);
    if (orm_conn_in_transaction(c))
        return orm_error_set(&c->err, ORM_ERR_ARGUMENT, 0,
                             "%s: a transaction is open; commit or roll back first", what);
    return ORM_OK;
}

static int find(const struct orm_sandbox *s, const char *name)
{
    for (int i = 0; i < s->names.n; i++)
        if (strcmp(s->names.v[i], name) == 0) return i;
    return -1;
}

/* Forgets checkpoints from index i on (their snapshots too). */
static void forget_from(orm_conn *c, int i)
{
    struct orm_sandbox *s = c->sandbox;
    while (s->names.n > i) {
        int k = s->names.n - 1;
        if (s->snaps) orm_conn_drop_snapshot(c, s->snaps[k]);
        free(s->names.v[k]);
        s->names.v[k] = NULL;
        s->names.n--;
    }
}

int orm_sandbox_checkpoint(orm_conn *c, const char *name)
{
    int rc = ready(c, "checkpoint");
    if (rc == ORM_OK) rc = check_name(c, name);
    if (rc < 0) return rc;
    struct orm_sandbox *s = c->sandbox;
    int old = find(s, name);
    if (old >= 0) forget_from(c, old); /* taken again: later ones go with it */
    void *snap = NULL;
    if (s->outer) {
        rc = savepoint_sql(c, ORM_SP_CREATE, name, CK_PREFIX);
    } else {
        void **grown = realloc(s->snaps, sizeof *grown * (size_t)(s->names.n + 1));
        if (!grown) return orm_error_oom(&c->err);
        s->snaps = grown;
        rc = orm_conn_snapshot(c, &snap);
    }
    if (rc < 0) return rc;
    if (orm_strv_push(&s->names, name) < 0) {
        orm_conn_drop_snapshot(c, snap);
        return orm_error_oom(&c->err);
    }
    if (!s->outer) s->snaps[s->names.n - 1] = snap;
    return ORM_OK;
}

char *orm_sandbox_names(const orm_conn *c)
{
    orm_buf b = ORM_BUF_INIT;
    orm_buf_puts(&b, "");
    for (int i = 0; c->sandbox && i < c->sandbox->names.n; i++)
        orm_buf_printf(&b, "%s%s", i ? ", " : "", c->sandbox->names.v[i]);
    return orm_buf_detach(&b);
}

int orm_sandbox_restore(orm_conn *c, const char *name)
{
    int rc = ready(c, "restore");
    if (rc < 0) return rc;
    struct orm_sandbox *s = c->sandbox;
    int i = find(s, name);
    if (i < 0) {
        char *names = orm_sandbox_names(c);
        rc = orm_error_set(&c->err, ORM_ERR_ARGUMENT, 0, "no checkpoint '%s' (taken: %s)", name,
                           names && *names ? names : "none");
        free(names);
        return rc;
    }
    rc = s->outer ? savepoint_sql(c, ORM_SP_ROLLBACK, name, CK_PREFIX)
                  : orm_conn_restore_snapshot(c, s->snaps[i]);
    if (rc == ORM_OK) forget_from(c, i + 1);
    return rc;
}

void orm_sandbox_free(orm_conn *c)
{
    if (!c->sandbox) return;
    forget_from(c, 0);
    orm_strv_free(&c->sandbox->names);
    free(c->sandbox->snaps);
    free(c->sandbox);
    c->sandbox = NULL;
}
