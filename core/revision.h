/* revision.h — the graph of an app's revisions: each revision names the
 * revision(s) it follows (down revisions; two for a merge). Builds the
 * order parents-first, finds heads, resolves revision arguments ("head",
 * "base", an id or a unique prefix of one) and plans upgrades and
 * downgrades as steps, each saying which rows of the version table it
 * replaces by which — the bookkeeping Alembic's revision map does. Pure
 * data: the files themselves are read elsewhere. Errors are MigrationErrors
 * in the orm_error passed in, naming the file concerned. */
#ifndef ORM_REVISION_H
#define ORM_REVISION_H

#include "error.h"
#include "strv.h"

typedef struct orm_revgraph orm_revgraph;

orm_revgraph *orm_revgraph_new(void); /* NULL on oom */
void orm_revgraph_free(orm_revgraph *g);
/* Adds a revision (strings copied); a repeated id fails naming both files. */
int orm_revgraph_add(orm_revgraph *g, const char *id, const orm_strv *downs, const char *path,
                     orm_error *err);
/* Links down revisions and orders revisions parents first; fails for an
 * unknown down revision or a cycle. Needed before anything below. */
int orm_revgraph_build(orm_revgraph *g, orm_error *err);

/* Revisions by position in the built order, parents first. */
int orm_revgraph_count(const orm_revgraph *g);
const char *orm_revgraph_id(const orm_revgraph *g, int i);
const char *orm_revgraph_path(const orm_revgraph *g, int i);
const orm_strv *orm_revgraph_downs(const orm_revgraph *g, int i);
int orm_revgraph_nchildren(const orm_revgraph *g, int i);
int orm_revgraph_find(const orm_revgraph *g, const char *id); /* position or -1 */
/* The heads (revisions no other revision follows), in built order. */
int orm_revgraph_heads(const orm_revgraph *g, orm_strv *out);

/* A revision argument: "base" (*out = -1), "head" (fails with the heads
 * named when there are several), an id, or a unique prefix of one. */
int orm_revgraph_resolve(const orm_revgraph *g, const char *spec, int *out, orm_error *err);
/* Fails when the database is at a revision no file defines. */
int orm_revgraph_check_current(const orm_revgraph *g, const orm_strv *current, orm_error *err);
/* 1 when `current` is exactly the set of heads. */
int orm_revgraph_at_heads(const orm_revgraph *g, const orm_strv *current);

typedef struct orm_revstep {
    int rev;         /* the revision applied or reverted */
    orm_strv remove; /* version rows it replaces ... */
    orm_strv add;    /* ... by these */
} orm_revstep;

typedef struct orm_revplan {
    orm_revstep *v;
    int n;
} orm_revplan;

void orm_revplan_free(orm_revplan *p);
/* The revisions to apply, parents first, to reach every target (positions)
 * from `current`. An empty plan: nothing to do. */
int orm_revgraph_upgrade_plan(const orm_revgraph *g, const orm_strv *current, const int *targets,
                              int ntargets, orm_revplan *out, orm_error *err);
/* The revisions to revert, children first, to get down to target (-1: base),
 * which must be applied. */
int orm_revgraph_downgrade_plan(const orm_revgraph *g, const orm_strv *current, int target,
                                orm_revplan *out, orm_error *err);
#endif
