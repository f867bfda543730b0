/* migrate_steps.h — revisions on a backend whose DDL commits implicitly
 * (MySQL/MariaDB: dialect transactional_ddl = 0), where one transaction
 * cannot hold a revision. There a revision runs op by op:
 *
 *  1. plan: the revision function runs once with every op only recording
 *     its label ("add_column(\"author\", \"age\")"), so a Lua error in the
 *     revision stops it before anything changed;
 *  2. the plan is written to table ormsh_version_steps (transition "a -> b",
 *     step, operation, applied);
 *  3. each op runs, then its row is marked applied and committed — together
 *     with the op itself when the op is DML (execute, bulk_insert), right
 *     after it when it is DDL (which MySQL has committed already);
 *  4. the version bump of ormsh_version and the removal of the plan's rows
 *     commit together.
 * ormsh_version therefore always names the last revision that ran
 * completely; when a revision fails part-way its applied operations stay
 * marked in ormsh_version_steps (orm_mig_partial reads them: `db current`
 * and the failing `db upgrade` print them), and the next run of the same
 * transition skips them when the revision still starts with them. A run of
 * another transition refuses until then; `db stamp` forgets them. A crash
 * between a DDL statement and its mark (a few microseconds) is the one
 * window the database cannot close. */
#ifndef ORM_MIGRATE_STEPS_H
#define ORM_MIGRATE_STEPS_H

#include "driver.h"
#include "strv.h"

#define ORM_STEPS_TABLE "ormsh_version_steps"

typedef struct orm_mig_ctx orm_mig_ctx;

typedef struct orm_mig_steplist {
    int on;       /* this revision runs op by op */
    int planning; /* ops only record their labels */
    char *move;   /* the transition: "a -> b" */
    orm_strv plan;
    int next;     /* the op about to run */
    int skip;     /* the first ops, applied by an earlier run */
    int applied;  /* ops of the plan applied so far (the skipped included) */
    int recorded; /* the plan is in the table */
} orm_mig_steplist;

void orm_mig_steps_clear(orm_mig_steplist *s);

/* Starts planning the next revision when the backend needs op-by-op runs
 * (and this is no --sql run): returns 1, else 0. */
int orm_mig_steps_plan(orm_mig_ctx *m);
/* 1 while the revision runs op by op (planning included). */
int orm_mig_stepwise(orm_mig_ctx *m);
/* Ends planning: checks the progress an earlier run left (refusing when it
 * belongs to another transition or the revision no longer starts with the
 * ops it applied) and writes the plan. *skipped: ops already applied. */
int orm_mig_steps_start(orm_mig_ctx *m, const char *move, int *skipped);
/* Before an op: 1 run it, 0 skip it (planning, or applied earlier), or a
 * failure. */
int orm_mig_step_begin(orm_mig_ctx *m, const char *label);
/* After the op succeeded: marks it applied and commits. */
int orm_mig_step_end(orm_mig_ctx *m);
/* After the last op, before the version bump: the plan's rows go in the
 * same transaction as the bump. */
int orm_mig_steps_finish(orm_mig_ctx *m);
/* After a failure (and the rollback): forgets a plan nothing of which was
 * applied; the rows of a partial one stay. Ends op-by-op mode. */
void orm_mig_steps_failed(orm_mig_ctx *m);
/* After the revision committed: ends op-by-op mode. */
void orm_mig_steps_end(orm_mig_ctx *m);
/* The running plan (for the failure report). */
const orm_mig_steplist *orm_mig_steps(orm_mig_ctx *m);
/* `db stamp`: forgets any partial revision. */
int orm_mig_steps_forget(orm_mig_ctx *m);
/* The transition left part-way, if any: *move NULL when none; caller
 * frees *move and both lists. */
int orm_mig_partial(orm_conn *c, char **move, orm_strv *applied, orm_strv *pending);

#endif
