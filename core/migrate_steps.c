/* migrate_steps.c — op-by-op revisions for backends whose DDL commits
 * implicitly (see migrate_steps.h): the plan, the table that records which
 * of its operations ran, resuming after them, and reading a revision left
 * part-way. Identifiers are quoted through the dialect, values bound. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "migrate_int.h"
#include "sqlq.h"

#define LABEL_MAX 900 /* operation VARCHAR(1000) */

void orm_mig_steps_clear(orm_mig_steplist *s)
{
    free(s->move);
    orm_strv_free(&s->plan);
    memset(s, 0, sizeof *s);
}

int orm_mig_steps_plan(orm_mig_ctx *m)
{
    orm_mig_steps_clear(&m->steps);
    if (m->sql_mode || m->d->transactional_ddl) return 0;
    m->steps.on = m->steps.planning = 1;
    return 1;
}

int orm_mig_stepwise(orm_mig_ctx *m)
{
    return m->steps.on;
}

const orm_mig_steplist *orm_mig_steps(orm_mig_ctx *m)
{
    return &m->steps;
}

/* ---- SQL --------------------------------------------------------------------- */

/* "SELECT|DELETE ... FROM ormsh_version_steps" and the like, with the
 * table's columns quoted: %T the table, %M transition, %S step, %O
 * operation, %A applied, %1.. placeholders. */
static void sql_of(const orm_dialect *d, orm_buf *b, const char *tpl)
{
    static const char *const cols[] = {"transition", "step", "operation", "applied"};
    for (const char *p = tpl; *p; p++) {
        if (*p != '%') {
            orm_buf_putc(b, *p);
            continue;
        }
        switch (*++p) {
        case 'T':
            orm_dialect_quote(d, b, ORM_STEPS_TABLE);
            break;
        case 'M':
        case 'S':
        case 'O':
        case 'A':
            orm_dialect_quote(d, b, cols[strchr("MSOA", *p) - "MSOA"]);
            break;
        default:
            orm_dialect_placeholder(d, b, *p - '0');
        }
    }
}

/* Runs a statement built from tpl (collected in --sql text like the rest). */
static int run(orm_mig_ctx *m, const char *tpl, const orm_value *params, size_t n)
{
    orm_buf b = ORM_BUF_INIT;
    sql_of(m->d, &b, tpl);
    int rc = b.oom ? orm_error_oom(&m->c->err) : orm_mig_exec(m, orm_buf_str(&b), params, n, NULL);
    orm_buf_free(&b);
    return rc;
}

static orm_value text(const char *s)
{
    return (orm_value){.type = ORM_V_TEXT, .len = strlen(s), .u.s = (char *)s};
}

static orm_value integer(int64_t i)
{
    return (orm_value){.type = ORM_V_INT, .u.i = i};
}

static int in_transaction(orm_mig_ctx *m)
{
    return orm_conn_in_transaction(m->c) ? ORM_OK : orm_conn_begin(m->c);
}

static int commit(orm_mig_ctx *m)
{
    return orm_conn_in_transaction(m->c) ? orm_conn_commit(m->c) : ORM_OK;
}

static int steps_table_exists(orm_conn *c, int *out)
{
    const orm_dialect *d = orm_conn_dialect(c);
    orm_buf b = ORM_BUF_INIT;
    orm_buf_printf(&b,
                   "SELECT count(*) FROM information_schema.tables WHERE table_schema = %s AND "
                   "table_name = ",
                   d->current_schema ? d->current_schema : "''");
    orm_dialect_placeholder(d, &b, 1);
    orm_sqlq q;
    *out = 0;
    int rc =
        b.oom ? orm_error_oom(&c->err) : orm_sqlq_open1(&q, c, orm_buf_str(&b), ORM_STEPS_TABLE);
    if (rc == ORM_OK) {
        if ((rc = orm_sqlq_step(&q)) == ORM_ROW) *out = orm_sqlq_int(&q, 0) > 0;
        orm_sqlq_close(&q);
    }
    orm_buf_free(&b);
    return rc < 0 ? rc : ORM_OK;
}

/* Every row, in order: transitions and their ops, applied or not. */
typedef struct rows {
    orm_strv move, op;
    char *applied; /* one flag per row */
} rows;

static void rows_free(rows *r)
{
    orm_strv_free(&r->move);
    orm_strv_free(&r->op);
    free(r->applied);
}

static int read_rows(orm_conn *c, rows *out)
{
    memset(out, 0, sizeof *out);
    orm_buf b = ORM_BUF_INIT;
    sql_of(orm_conn_dialect(c), &b, "SELECT %M, %O, %A FROM %T ORDER BY %M, %S");
    orm_sqlq q;
    int rc = b.oom ? orm_error_oom(&c->err) : orm_sqlq_open(&q, c, orm_buf_str(&b), NULL, 0);
    while (rc >= 0 && (rc = orm_sqlq_step(&q)) == ORM_ROW) {
        int oom = 0;
        char *mv = orm_sqlq_text(&q, 0, &oom), *op = orm_sqlq_text(&q, 1, &oom);
        char *f = realloc(out->applied, (size_t)out->move.n + 1);
        if (f) out->applied = f;
        if (oom || !f || orm_strv_push(&out->move, mv ? mv : "") < 0 ||
            orm_strv_push(&out->op, op ? op : "") < 0)
            oom = 1;
        else
            out->applied[out->move.n - 1] = orm_sqlq_int(&q, 2) != 0;
        free(mv);
        free(op);
        if (oom) rc = orm_error_oom(&c->err);
    }
    orm_sqlq_close(&q);
    orm_buf_free(&b);
    if (rc < 0) rows_free(out);
    return rc < 0 ? rc : ORM_OK;
}

/* "a, b, c" of l[from..to) into out (or "none"). */
static void join(orm_buf *out, const orm_strv *l, int from, int to)
{
    for (int i = from; i < to; i++)
        orm_buf_printf(out, "%s%s", i > from ? ", " : "", l->v[i]);
    if (from >= to) orm_buf_puts(out, "none");
}

/* The earlier run's applied ops of this transition (in `have`), checked
 * against the plan; another transition left part-way refuses. */
static int check_earlier(orm_mig_ctx *m, const rows *r, int *skip)
{
    orm_strv have = ORM_STRV_INIT;
    const char *other = NULL;
    int rc = ORM_OK;
    for (int i = 0; rc == ORM_OK && i < r->move.n; i++) {
        if (!r->applied[i]) continue;
        if (strcmp(r->move.v[i], m->steps.move) != 0)
            other = r->move.v[i];
        else if (orm_strv_push(&have, r->op.v[i]) < 0)
            rc = orm_error_oom(&m->c->err);
    }
    orm_buf b = ORM_BUF_INIT;
    if (rc == ORM_OK && other) {
        rc = orm_mig_fail(m,
                          "revision %s was left part-way by an earlier run (see `ormsh db "
                          "current`): finish it with `ormsh db upgrade`, or undo its applied "
                          "operations by hand and run `ormsh db stamp` with the revision the "
                          "database is at",
                          other);
    } else if (rc == ORM_OK) {
        int same = have.n <= m->steps.plan.n;
        for (int i = 0; same && i < have.n; i++)
            same = strcmp(have.v[i], m->steps.plan.v[i]) == 0;
        if (!same) {
            join(&b, &have, 0, have.n);
            rc = orm_mig_fail(m,
                              "revision %s was left part-way by an earlier run, which applied: "
                              "%s; the revision no longer starts with those operations (make it "
                              "start with them again, or undo them by hand and run `ormsh db "
                              "stamp` with the revision the database is at)",
                              m->steps.move, orm_buf_str(&b));
        }
        *skip = have.n;
    }
    orm_buf_free(&b);
    orm_strv_free(&have);
    return rc;
}

int orm_mig_steps_start(orm_mig_ctx *m, const char *move, int *skipped)
{
    static const orm_strv none = ORM_STRV_INIT;
    orm_mig_steplist *s = &m->steps;
    *skipped = 0;
    s->planning = 0;
    if (!(s->move = strdup(move))) return orm_error_oom(&m->c->err);
    orm_buf ddl = ORM_BUF_INIT;
    sql_of(m->d, &ddl,
           "CREATE TABLE IF NOT EXISTS %T (\n\t%M VARCHAR(200) NOT NULL, \n\t%S INTEGER NOT NULL, "
           "\n\t%O VARCHAR(1000) NOT NULL, \n\t%A INTEGER NOT NULL, \n\tPRIMARY KEY (%M, %S)\n)");
    if (m->d->table_options) orm_buf_puts(&ddl, m->d->table_options);
    /* DDL first (each commits on its own): the version table too, so the
     * bump at the end is plain DML committed with the plan's removal */
    int rc = orm_mig_version_move(m, &none, &none);
    if (rc == ORM_OK)
        rc =
            ddl.oom ? orm_error_oom(&m->c->err) : orm_mig_exec(m, orm_buf_str(&ddl), NULL, 0, NULL);
    orm_buf_free(&ddl);
    rows r;
    if (rc == ORM_OK && (rc = read_rows(m->c, &r)) == ORM_OK) {
        rc = check_earlier(m, &r, &s->skip);
        rows_free(&r);
    }
    /* only this transition may have applied rows now: the rest is stale */
    if (rc == ORM_OK) rc = in_transaction(m);
    if (rc == ORM_OK) rc = run(m, "DELETE FROM %T", NULL, 0);
    for (int i = 0; rc == ORM_OK && i < s->plan.n; i++) {
        orm_value p[4] = {text(move), integer(i + 1), text(s->plan.v[i]), integer(i < s->skip)};
        rc = run(m, "INSERT INTO %T (%M, %S, %O, %A) VALUES (%1, %2, %3, %4)", p, 4);
    }
    if (rc == ORM_OK) rc = commit(m);
    s->recorded = rc == ORM_OK;
    if (rc == ORM_OK) rc = in_transaction(m);
    s->applied = s->skip;
    *skipped = s->skip;
    return rc;
}

int orm_mig_step_begin(orm_mig_ctx *m, const char *label)
{
    orm_mig_steplist *s = &m->steps;
    if (!s->on) return 1;
    char cut[LABEL_MAX + 4];
    if (strlen(label) > LABEL_MAX) { /* what the column holds */
        snprintf(cut, sizeof cut, "%.*s...", LABEL_MAX, label);
        label = cut;
    }
    if (s->planning) return orm_strv_push(&s->plan, label) < 0 ? orm_error_oom(&m->c->err) : 0;
    int i = s->next++;
    if (i >= s->plan.n || strcmp(s->plan.v[i], label) != 0)
        return orm_mig_fail(m,
                            "the revision ran differently the second time (operation %d is %s, "
                            "planned: %s): an op-by-op run needs a revision that does the same "
                            "every time it runs",
                            i + 1, label, i < s->plan.n ? s->plan.v[i] : "nothing");
    if (i < s->skip) return 0;
    int rc = in_transaction(m);
    return rc < 0 ? rc : 1;
}

int orm_mig_step_end(orm_mig_ctx *m)
{
    orm_mig_steplist *s = &m->steps;
    if (!s->on || s->planning) return ORM_OK;
    orm_value p[2] = {text(s->move), integer(s->next)};
    int rc = run(m, "UPDATE %T SET %A = 1 WHERE %M = %1 AND %S = %2", p, 2);
    if (rc == ORM_OK) rc = commit(m);
    if (rc == ORM_OK) s->applied = s->next;
    return rc;
}

int orm_mig_steps_finish(orm_mig_ctx *m)
{
    orm_mig_steplist *s = &m->steps;
    if (!s->on) return ORM_OK;
    if (s->next != s->plan.n)
        return orm_mig_fail(m, "the revision ran %d of its %d planned operations", s->next,
                            s->plan.n);
    int rc = in_transaction(m);
    orm_value p = text(s->move);
    if (rc == ORM_OK) rc = run(m, "DELETE FROM %T WHERE %M = %1", &p, 1);
    return rc;
}

void orm_mig_steps_failed(orm_mig_ctx *m)
{
    orm_mig_steplist *s = &m->steps;
    if (s->on && s->recorded && s->applied == 0) { /* only a plan this run wrote */
        orm_error first;
        orm_error_init(&first);
        orm_error_move(&first, &m->c->err);
        orm_value p = text(s->move);
        if (run(m, "DELETE FROM %T WHERE %M = %1", &p, 1) == ORM_OK) commit(m);
        orm_error_move(&m->c->err, &first);
        orm_error_clear(&first);
    }
    s->on = s->planning = 0;
}

void orm_mig_steps_end(orm_mig_ctx *m)
{
    orm_mig_steps_clear(&m->steps);
}

int orm_mig_steps_forget(orm_mig_ctx *m)
{
    int exists = 0;
    if (m->d->transactional_ddl || m->dry) return ORM_OK;
    int rc = steps_table_exists(m->c, &exists);
    if (rc == ORM_OK && exists) rc = run(m, "DELETE FROM %T", NULL, 0);
    return rc;
}

int orm_mig_partial(orm_conn *c, char **move, orm_strv *applied, orm_strv *pending)
{
    *move = NULL;
    int exists = 0;
    if (orm_conn_dialect(c)->transactional_ddl) return ORM_OK;
    int rc = steps_table_exists(c, &exists);
    rows r;
    if (rc < 0 || !exists || (rc = read_rows(c, &r)) < 0) return rc;
    const char *mv = NULL;
    for (int i = 0; !mv && i < r.move.n; i++)
        if (r.applied[i]) mv = r.move.v[i];
    for (int i = 0; mv && rc == ORM_OK && i < r.move.n; i++)
        if (strcmp(r.move.v[i], mv) == 0 &&
            orm_strv_push(r.applied[i] ? applied : pending, r.op.v[i]) < 0)
            rc = orm_error_oom(&c->err);
    if (rc == ORM_OK && mv && !(*move = strdup(mv))) rc = orm_error_oom(&c->err);
    rows_free(&r);
    return rc;
}
