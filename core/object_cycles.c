/* object_cycles.c — frees objects that only hold one another. Reference
 * counting frees an object when its last holder lets go, but not a group
 * whose members hold each other and nothing else holds them: a node that is
 * its own parent (its link to the object whose key it copies,
 * orm_object_link, retains itself), two nodes each the other's parent, such
 * links mixed with relationship slots (relation_state.h). When a holder lets
 * go of an object that lives on, orm_object_release_collect looks at the
 * objects reachable from it (links, slot items and targets, kept association
 * rows) and frees those nothing outside the group holds: a member's
 * references less those from members are its outside holders (a Lua
 * instance, a session, anything else); members with one, and all they
 * reach, live (trial deletion, as cycle collectors for reference counts
 * do). A group larger than CYCLE_MAX is left alone: kept, never wrongly
 * freed. */
#include <assert.h>
#include <stdlib.h>

#include "relation_state.h"
#include "session_int.h"

#define CYCLE_MAX 256 /* objects looked at from one release */

typedef struct {
    orm_object *o;
    int inner;     /* references from members of the group */
    unsigned live; /* held from outside, or reached from such a member */
} member;

typedef struct {
    member *m;
    int n;
    int overflow; /* more than CYCLE_MAX reachable (or no memory to look) */
    int *todo;    /* live members whose holdings are not marked yet */
    int ntodo;
    orm_objmap index; /* each member's index in m */
} group;

static int find(const group *g, const orm_object *o)
{
    return orm_objmap_get(&g->index, o);
}

/* Calls f on every object o holds a reference to through its links and
 * relationship slots (an object held twice comes twice). */
static void each_held(orm_object *o, void (*f)(group *, orm_object *), group *g)
{
    for (int i = 0; i < o->nlinks && !g->overflow; i++)
        if (o->links[i].src != o) f(g, o->links[i].src); /* a self link holds no reference */
    const orm_rel_slots *ss = o->rels;
    if (ss == NULL) return;
    for (int i = 0; i < ss->n && !g->overflow; i++) {
        const orm_rel_slot *sl = &ss->slot[i];
        for (int k = 0; k < sl->n && !g->overflow; k++) /* a wide collection stops soon */
            f(g, sl->items[k]);
        if (sl->target) f(g, sl->target);
    }
    for (int i = 0; i < ss->nassoc && !g->overflow; i++)
        f(g, ss->assoc[i]);
}

static void add(group *g, orm_object *o)
{
    if (g->overflow || find(g, o) >= 0) return;
    if (g->n == CYCLE_MAX || orm_objmap_put(&g->index, o, g->n) < 0) {
        g->overflow = 1; /* left alone: kept, never wrongly freed */
        return;
    }
    g->m[g->n++] = (member){.o = o};
}

static void count_inner(group *g, orm_object *o)
{
    int i = find(g, o);
    assert(i >= 0); /* everything held from the group is in it */
    g->m[i].inner++;
}

static void mark_live(group *g, int i)
{
    if (g->m[i].live) return;
    g->m[i].live = 1;
    g->todo[g->ntodo++] = i;
}

static void held_live(group *g, orm_object *o)
{
    int i = find(g, o);
    assert(i >= 0);
    mark_live(g, i);
}

/* Frees the members of the group reachable from root that nothing outside
 * holds. */
static void collect(orm_object *root)
{
    member m[CYCLE_MAX];
    int todo[CYCLE_MAX];
    group g = {.m = m, .todo = todo};
    add(&g, root);
    for (int i = 0; i < g.n && !g.overflow; i++)
        each_held(g.m[i].o, add, &g);
    if (g.overflow) {
        orm_objmap_free(&g.index);
        return;
    }
    for (int i = 0; i < g.n; i++)
        each_held(g.m[i].o, count_inner, &g);
    for (int i = 0; i < g.n; i++) {
        assert(g.m[i].o->refs >= g.m[i].inner);
        if (g.m[i].o->refs > g.m[i].inner) mark_live(&g, i);
    }
    while (g.ntodo > 0) /* what live members hold lives */
        each_held(g.m[g.todo[--g.ntodo]].o, held_live, &g);
    orm_objmap_free(&g.index); /* the members are found by index from here */
    int dead = 0;
    for (int i = 0; i < g.n; i++)
        if (!g.m[i].live) g.m[dead++].o = orm_object_retain(g.m[i].o); /* held while undone */
    for (int i = 0; i < dead; i++) {
        orm_rel_slots_clear(g.m[i].o);
        orm_object_clear_links(g.m[i].o);
    }
    for (int i = 0; i < dead; i++)
        orm_object_release(g.m[i].o); /* the last reference now: freed */
}

/* One reference to o let go: collected when it lives on, freed at zero.
 * Freed, o lets go of the objects its links hold, which may now hold only
 * themselves (a node that is its own parent, whose child o was): those
 * are pushed on todo, each with one reference of ours to let go the same
 * way, so that a chain is followed without recursion. */
static void release_one(orm_object *o, orm_object ***todo, int *n, int *cap)
{
    if (o->refs > 1) {
        o->refs--;
        /* an object the session holds (pending, changed, deleted) lives,
         * and so does all it holds: nothing to look at */
        if (!o->touched && (o->nlinks > 0 || o->rels != NULL)) collect(o);
        return;
    }
    if (*n + o->nlinks > *cap) {
        int want = *cap ? *cap : 8;
        while (want < *n + o->nlinks)
            want *= 2;
        orm_object **v = realloc(*todo, (size_t)want * sizeof *v);
        if (v == NULL) { /* no memory to follow them: freed as plain releases do */
            orm_object_release(o);
            return;
        }
        *todo = v;
        *cap = want;
    }
    for (int i = 0; i < o->nlinks; i++)
        if (o->links[i].src != o) (*todo)[(*n)++] = orm_object_retain(o->links[i].src);
    orm_object_release(o); /* freed: its links let go, ours keep them */
}

void orm_object_release_collect(orm_object *o)
{
    if (o == NULL) return;
    orm_object **todo = NULL;
    int n = 0, cap = 0;
    release_one(o, &todo, &n, &cap);
    while (n > 0)
        release_one(todo[--n], &todo, &n, &cap);
    free(todo);
}
