/* l_migrate.h — the migration half of the bindings: the `orm.migrate`
 * functions the ormsh db commands (and any script) call — current, diff,
 * run, stamp — in l_migrate.c, and the `op` object handed to a revision's
 * upgrade/downgrade functions in l_migrate_op.c. */
#ifndef L_MIGRATE_H
#define L_MIGRATE_H

#include "l_db.h"
#include "migrate.h"

#define L_MT_MIGBOX "orm.MigrationContext"
#define L_MT_OPCOLUMN "orm.op.Column"
#define L_MT_OPCONSTRAINT "orm.op.Constraint"
#define L_MT_CLEANUP "orm.Cleanup"

/* The migration context a running revision's op functions share (a
 * userdata; its __gc frees the context, rolling back what is open). */
typedef struct l_migbox {
    orm_mig_ctx *m; /* NULL once the run is over: op calls then raise */
    l_db *db;
    int preflight; /* counting what each step would destroy (opts.losses) */
} l_migbox;

/* [-0, +0, e] Adds `migrate` (current, diff, run, stamp) to the module table at modidx. */
void l_migrate_open(lua_State *L, int modidx);

/* ---- l_migrate_op.c ---- */
/* [-0, +0, e] Registers the op metatables. */
void l_migop_open(lua_State *L);
/* [-0, +1, m] A new op table whose functions act through the l_migbox at boxidx. */
void l_migop_push(lua_State *L, int boxidx);

/* ---- l_migrate_step.c ---- */
/* [-1, +1, m] The op function on top wrapped for op-by-op runs (name: the
 * op's, for its label); the box at boxidx is the run's. */
void l_migop_stepped(lua_State *L, int boxidx, const char *name);

/* [-0, +1, m] A userdata whose __gc calls fn(p) once; set p after pushing
 * it, so a raise in between leaks nothing. */
void **l_cleanup_push(lua_State *L, void (*fn)(void *));

#endif
