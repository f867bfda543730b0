/* cmd_db_info.c — the `ormsh db` commands that only look: current (with a
 * revision left part-way where DDL commits at once), heads, history and
 * show, printed as Alembic prints them. The helpers they share with the
 * other db commands are in cmd_db.c (cmd_db.h). */
#include <stdio.h>

#include <lauxlib.h>

#include "cmd_db.h"

/* [-0, +1, e] The strings of the list at idx joined with ", " ("none"). */
static const char *push_list(lua_State *L, int idx)
{
    orm_strv *l = dbs_push_strv(L);
    dbs_to_strv(L, idx, l);
    const char *s = dbs_push_joined(L, l, "none");
    lua_remove(L, -2);
    return s;
}

/* [-0, +0, e] Where DDL commits at once (MySQL), a revision can stop
 * part-way: says which of its operations ran, on stderr (after a failing
 * upgrade: failed = 1). 0 when no revision is part-way. */
int dbs_report_partial(dbctx *x, const char *at, int failed)
{
    lua_State *L = x->L;
    int top = lua_gettop(L);
    dbs_call_migrate(x, "partial", 0, 1);
    if (lua_isnil(L, -1)) {
        lua_settop(L, top);
        return 0;
    }
    int t = lua_gettop(L);
    lua_getfield(L, t, "transition");
    lua_getfield(L, t, "applied");
    lua_getfield(L, t, "not_applied");
    const char *applied = push_list(L, t + 2), *pending = push_list(L, t + 3);
    fflush(stdout);
    fprintf(stderr,
            "ormsh: revision %s %s part-way (this database commits each DDL statement at "
            "once, so what ran stays):\n  applied:     %s\n  not applied: %s\n"
            "ormsh: the database is at %s (ormsh_version) plus those %d operation%s (recorded "
            "in ormsh_version_steps): %s `ormsh db upgrade` to apply the rest\n",
            lua_tostring(L, t + 1), failed ? "stopped" : "is", applied, pending, at,
            (int)lua_rawlen(L, t + 2), lua_rawlen(L, t + 2) == 1 ? "" : "s",
            failed ? "fix the revision and run" : "run");
    fflush(stderr);
    lua_settop(L, top);
    return 1;
}

int dbs_do_current(dbctx *x, const dbargs *a)
{
    (void)a;
    orm_strv *cur = dbs_current(x);
    for (int i = 0; i < cur->n; i++) {
        int p = orm_revgraph_find(x->g, cur->v[i]);
        printf("%s%s\n", cur->v[i], p >= 0 && dbs_is_head(x, p) ? " (head)" : "");
    }
    dbs_report_partial(x, dbs_push_joined(x->L, cur, "<base>"), 0);
    return SH_EXIT_OK;
}

int dbs_do_heads(dbctx *x, const dbargs *a)
{
    (void)a;
    orm_strv *heads = dbs_heads(x);
    for (int i = 0; i < heads->n; i++)
        printf("%s (head)\n", heads->v[i]);
    return SH_EXIT_OK;
}

/* " (head)", " (branchpoint)", " (mergepoint)" as they apply. */
static void indicators(dbctx *x, int i, char *buf, size_t n)
{
    snprintf(buf, n, "%s%s%s", dbs_is_head(x, i) ? " (head)" : "",
             orm_revgraph_nchildren(x->g, i) > 1 ? " (branchpoint)" : "",
             orm_revgraph_downs(x->g, i)->n > 1 ? " (mergepoint)" : "");
}

int dbs_do_history(dbctx *x, const dbargs *a)
{
    (void)a;
    for (int i = orm_revgraph_count(x->g) - 1; i >= 0; i--) {
        char ind[64];
        indicators(x, i, ind, sizeof ind);
        const char *downs = dbs_push_joined(x->L, orm_revgraph_downs(x->g, i), "<base>");
        printf("%s -> %s%s, %s\n", downs, orm_revgraph_id(x->g, i), ind, dbs_rev_message(x, i));
        lua_pop(x->L, 1);
    }
    return SH_EXIT_OK;
}

int dbs_do_show(dbctx *x, const dbargs *a)
{
    lua_State *L = x->L;
    int i = dbs_resolve(x, a->pos[0]);
    if (i < 0) luaL_error(L, "'base' is not a revision");
    char ind[64];
    indicators(x, i, ind, sizeof ind);
    const orm_strv *downs = orm_revgraph_downs(x->g, i);
    printf("Rev: %s%s\n", orm_revgraph_id(x->g, i), ind);
    printf("%s: %s\n", downs->n > 1 ? "Merges" : "Parent", dbs_push_joined(L, downs, "<base>"));
    orm_strv *kids = dbs_push_strv(L);
    for (int k = 0; k < orm_revgraph_count(x->g); k++)
        if (orm_strv_find(orm_revgraph_downs(x->g, k), orm_revgraph_id(x->g, i)) >= 0 &&
            orm_strv_push(kids, orm_revgraph_id(x->g, k)) < 0)
            luaL_error(L, "not enough memory");
    if (kids->n > 1) printf("Branches into: %s\n", dbs_push_joined(L, kids, ""));
    dbs_push_rev(x, i);
    lua_getfield(L, -1, "__path");
    printf("Path: %s\n\n    %s\n\n", lua_tostring(L, -1), dbs_rev_message(x, i));
    return SH_EXIT_OK;
}
