/* relation_state.h — what each object has loaded of its relationships
 * (docs/architecture.md, "Relationship state"): per-object slots, one per
 * relationship used, holding a collection's children (retained, in order,
 * no duplicates) and whether it is loaded, or a many-to-one's cached target
 * (retained); and the association rows of many-to-many made before the
 * owner joined a session. Slots are changed only by the calls below
 * (relation_state.c: the slots; relation_ops.c: both sides in step,
 * loading many parents at once, the save-update and delete cascades).
 *
 * Ownership: a slot retains what it holds; orm_rel_slots_clear releases it
 * all. A parent's collection and a child's cached parent make a reference
 * cycle, so whoever holds an object's slots alive (the bindings: the Lua
 * instance) clears them when it lets go (the instance's finalizer); an
 * object freed with slots left clears them itself. Relationships are
 * borrowed (keys of the slots) and must outlive every object using them. */
#ifndef ORM_RELATION_STATE_H
#define ORM_RELATION_STATE_H

#include "objmap.h"
#include "relation.h"

typedef struct orm_rel_slot {
    const orm_rel *rel;  /* borrowed: the slot's key */
    orm_object **items;  /* collection: retained children, in order */
    int n, cap;          /* items used / allocated */
    orm_object *target;  /* many-to-one: the cached target (retained), or NULL */
    unsigned loaded : 1; /* collection: items are what the database and memory hold */
    /* A large collection's items as a set (empty: none yet, or dropped by
     * a removal), so that appending checks for a duplicate without a scan. */
    orm_objmap index;
} orm_rel_slot;

typedef struct orm_rel_slots {
    orm_rel_slot *slot;
    int n, cap;
    orm_object **assoc; /* association rows kept until the owner joins a session */
    int nassoc, capassoc;
} orm_rel_slots;

/* ---- one object's slots (relation_state.c) ---- */

/* o's slot for r, or NULL when o has none. */
orm_rel_slot *orm_rel_slot_find(const orm_object *o, const orm_rel *r);
/* 1 when o's collection r is loaded (a cached many-to-one target counts). */
int orm_rel_loaded(const orm_object *o, const orm_rel *r);
/* Marks o's collection r loaded and empty (releasing what it held).
 * ORM_OK or ORM_ENOMEM (nothing changed). */
int orm_rel_set_loaded(orm_object *o, const orm_rel *r);
/* Forgets o's slot r: a collection becomes unloaded, a target uncached. */
void orm_rel_unload(orm_object *o, const orm_rel *r);
/* The children of o's collection r: how many, the i-th (0-based,
 * borrowed), the position of child or -1. An unloaded collection is empty. */
int orm_rel_count(const orm_object *o, const orm_rel *r);
orm_object *orm_rel_item(const orm_object *o, const orm_rel *r, int i);
int orm_rel_index(const orm_object *o, const orm_rel *r, const orm_object *child);
/* Appends child to o's collection r (which becomes loaded): 1 appended,
 * 0 already there, ORM_ENOMEM (nothing changed). */
int orm_rel_add_item(orm_object *o, const orm_rel *r, orm_object *child);
/* The same without looking for child first (a load: its rows are the
 * children, each once): ORM_OK or ORM_ENOMEM. */
int orm_rel_push_item(orm_object *o, const orm_rel *r, orm_object *child);
/* Removes child from o's collection r: 1 removed, 0 it was not there. */
int orm_rel_remove_item(orm_object *o, const orm_rel *r, const orm_object *child);
/* o's cached many-to-one target (borrowed), or NULL. */
orm_object *orm_rel_target(const orm_object *o, const orm_rel *r);
/* The same while the target's key still equals o's foreign key (a key
 * assigned since makes the cache stale: NULL then). Borrowed. */
orm_object *orm_rel_target_current(const orm_object *o, const orm_rel *r);
/* Caches target as o's many-to-one r (NULL: uncached). ORM_OK or
 * ORM_ENOMEM (nothing changed). */
int orm_rel_set_target(orm_object *o, const orm_rel *r, orm_object *target);
/* Keeps assoc (retained) with o until o joins a session. ORM_OK or ORM_ENOMEM. */
int orm_rel_keep_assoc(orm_object *o, orm_object *assoc);
/* The association rows kept with o join s (those not in a session yet)
 * and o forgets them. ORM_OK or the session's failure (rows not added yet
 * stay kept). */
int orm_rel_add_kept_assoc(orm_session *s, orm_object *o);
/* Releases everything o's slots hold and frees them. NULL-safe on o->rels. */
void orm_rel_slots_clear(orm_object *o);

/* ---- both sides, loading, cascades (relation_ops.c) ---- */

/* What the core calls below need from their caller. */
typedef struct orm_rel_env {
    orm_session *s;
    /* The relationships declared on t's class, each with its reverse
     * (backref / back_populates) or NULL; *n of them. Borrowed. */
    void (*rels_of)(void *ctx, const orm_table *t, const orm_rel *const **rels,
                    const orm_rel *const **revs, int *n);
    /* Loads o's collection r (a lazy load) when it is not loaded: the
     * caller may count it, hint or refuse. ORM_OK or a failure. NULL:
     * collections never loaded are left alone. */
    int (*load)(void *ctx, orm_object *o, const orm_rel *r);
    /* Told after each change the calls below make to a slot: item was
     * appended to (ORM_REL_ADDED) or removed from (ORM_REL_REMOVED) o's
     * collection r, or became o's cached many-to-one target r
     * (ORM_REL_TARGET; item NULL: none), so that a view of the slot can
     * follow it. ORM_OK, or a failure that stops the call (the slot keeps
     * the change). NULL: nobody is told. */
    int (*changed)(void *ctx, orm_object *o, const orm_rel *r, orm_object *item, int what);
    void *ctx;
} orm_rel_env;

enum { ORM_REL_ADDED = 1, ORM_REL_REMOVED = -1, ORM_REL_TARGET = 0 };

/* The delete cascade follows a chain of objects at most this deep (each
 * level a C call); deeper, it stops with an ArgumentError before the stack
 * could run out. */
#define ORM_REL_DELETE_MAX_DEPTH 2000

/* The parent child's many-to-one r follows as far as memory knows
 * (borrowed): the object its foreign key is linked to, the cached target
 * while the key still matches, or the session's object of that key; NULL
 * when the key is NULL or only the database knows. */
orm_object *orm_rel_parent_in_memory(orm_session *s, const orm_rel *r, orm_object *child);
/* child.<r> = parent for a many-to-one r (parent NULL: none): the foreign
 * key follows parent, the cached target is parent, and the reverse
 * collection rev (or NULL) of the old parent loses child and the new
 * parent's (a list: loaded first) gains it; then whichever of the two is outside the
 * session joins it (with its save-update cascade). ORM_OK or a failure
 * (ORM_ENOMEM, or the session's error). */
int orm_rel_set_parent(const orm_rel_env *e, const orm_rel *r, const orm_rel *rev,
                       orm_object *child, orm_object *parent);
/* owner.<r>:append(item) for a one-to-many or many-to-many r (rev: the
 * reverse or NULL). Many-to-many makes the association row. The caller
 * loads owner's collection first when it should stay complete. */
int orm_rel_append(const orm_rel_env *e, const orm_rel *r, const orm_rel *rev, orm_object *owner,
                   orm_object *item);
/* owner.<r>:remove(item): unlinks both sides, drops the association row
 * (many-to-many), and deletes or expunges an orphan as r's cascade says. */
int orm_rel_remove(const orm_rel_env *e, const orm_rel *r, const orm_rel *rev, orm_object *owner,
                   orm_object *item);
/* Save-update cascade: everything o's slots, links and kept association
 * rows reach that is outside the session joins it. */
int orm_rel_cascade_add(const orm_rel_env *e, orm_object *o);
/* Before deleting persistent o: each relationship whose cascade says so
 * loads its children and deletes them (recursively), sets their foreign
 * keys NULL, or drops the association rows. */
int orm_rel_before_delete(const orm_rel_env *e, orm_object *o);
/* Deletes o with its delete cascade. */
int orm_rel_delete(const orm_rel_env *e, orm_object *o);

/* Removes NULLs and repeats from objs[0..n-1] in place, the first of each
 * kept in order: the new count, or ORM_ENOMEM (objs unchanged). */
int orm_rel_distinct(orm_object **objs, int n);
/* Called for each child a load brings, in row order (child borrowed). */
typedef int (*orm_rel_child_fn)(void *ctx, orm_object *child);
/* Loads r for the np parents given (entries of another table or NULL are
 * skipped): each collection is marked loaded and gets its children in
 * order, each many-to-one caches its target; one statement per
 * ORM_REL_IN_CHUNK distinct keys. fn (may be NULL) sees every child.
 * A parent listed twice gets its children twice: pass distinct parents
 * (orm_rel_distinct). ORM_OK, ORM_ENOMEM, or ORM_EFAIL with err or the
 * session's error set; a failed load leaves the collections unloaded. */
int orm_rel_load_many(orm_session *s, const orm_rel *r, orm_object *const *parents, int np,
                      orm_rel_child_fn fn, void *ctx, orm_error *err);
/* Reads the rows of a joined load, c (the statement orm_rel_joined_select
 * made for t and rels[0..n-1], offs its offsets): each parent once, first
 * seen first, in *parents (a malloc'd array of *np new references: release
 * each and free it); each parent's collections marked loaded and holding
 * each child once, in row order; each many-to-one's target cached. ORM_OK,
 * or a failure with the session's error set, nothing returned and nothing
 * left loaded. The caller closes c. */
int orm_rel_joined_read(orm_session *s, orm_cursor *c, const orm_table *t,
                        const orm_rel *const *rels, int n, const int *offs, orm_object ***parents,
                        int *np);

#endif
