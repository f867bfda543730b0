/* relation_state.c — one object's relationship slots: a collection's
 * retained children and loaded flag, a many-to-one's cached target, the
 * association rows kept until the owner joins a session (relation_state.h).
 * An object uses few relationships, so its slots are a short array searched
 * in order. */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "relation_state.h"

orm_rel_slot *orm_rel_slot_find(const orm_object *o, const orm_rel *r)
{
    const orm_rel_slots *ss = o->rels;
    if (ss == NULL) return NULL;
    for (int i = 0; i < ss->n; i++)
        if (ss->slot[i].rel == r) return &ss->slot[i];
    return NULL;
}

/* o's slot for r, made (empty, unloaded) when missing; NULL on oom. */
static orm_rel_slot *slot_get(orm_object *o, const orm_rel *r)
{
    orm_rel_slot *sl = orm_rel_slot_find(o, r);
    if (sl) return sl;
    orm_rel_slots *ss = o->rels;
    if (ss == NULL) {
        if ((ss = calloc(1, sizeof *ss)) == NULL) return NULL;
        o->rels = ss;
    }
    if (ss->n == ss->cap) {
        int cap = ss->cap ? ss->cap * 2 : 2;
        orm_rel_slot *v = realloc(ss->slot, (size_t)cap * sizeof *v);
        if (v == NULL) return NULL;
        ss->slot = v;
        ss->cap = cap;
    }
    sl = &ss->slot[ss->n++];
    *sl = (orm_rel_slot){.rel = r};
    return sl;
}

/* Below this many items a scan finds a duplicate as fast as the index. */
#define INDEX_MIN 32

/* The set made for sl's items: 0, or -1 when there is no memory for it
 * (the caller scans instead). */
static int index_build(orm_rel_slot *sl)
{
    for (int i = 0; i < sl->n; i++)
        if (orm_objmap_put(&sl->index, sl->items[i], 0) < 0) {
            orm_objmap_free(&sl->index);
            return -1;
        }
    return 0;
}

/* 1 when child is one of sl's items. */
static int slot_has(orm_rel_slot *sl, const orm_object *child)
{
    if (sl->n >= INDEX_MIN && (sl->index.n > 0 || index_build(sl) == 0))
        return orm_objmap_get(&sl->index, child) >= 0;
    for (int i = 0; i < sl->n; i++)
        if (sl->items[i] == child) return 1;
    return 0;
}

static void slot_empty(orm_rel_slot *sl)
{
    orm_objmap_free(&sl->index);
    for (int i = 0; i < sl->n; i++)
        orm_object_release(sl->items[i]);
    sl->n = 0;
    orm_object *t = sl->target;
    sl->target = NULL;
    orm_object_release(t);
}

int orm_rel_loaded(const orm_object *o, const orm_rel *r)
{
    const orm_rel_slot *sl = orm_rel_slot_find(o, r);
    return sl && (sl->loaded || sl->target);
}

int orm_rel_set_loaded(orm_object *o, const orm_rel *r)
{
    assert(o->table == r->parent && r->kind != ORM_REL_M2O);
    orm_rel_slot *sl = slot_get(o, r);
    if (sl == NULL) return ORM_ENOMEM;
    slot_empty(sl);
    sl->loaded = 1;
    return ORM_OK;
}

void orm_rel_unload(orm_object *o, const orm_rel *r)
{
    orm_rel_slot *sl = orm_rel_slot_find(o, r);
    if (sl == NULL) return;
    sl->loaded = 0;
    slot_empty(sl);
}

int orm_rel_count(const orm_object *o, const orm_rel *r)
{
    const orm_rel_slot *sl = orm_rel_slot_find(o, r);
    return sl ? sl->n : 0;
}

orm_object *orm_rel_item(const orm_object *o, const orm_rel *r, int i)
{
    const orm_rel_slot *sl = orm_rel_slot_find(o, r);
    assert(sl && i >= 0 && i < sl->n);
    return sl->items[i];
}

int orm_rel_index(const orm_object *o, const orm_rel *r, const orm_object *child)
{
    const orm_rel_slot *sl = orm_rel_slot_find(o, r);
    if (sl == NULL) return -1;
    for (int i = 0; i < sl->n; i++)
        if (sl->items[i] == child) return i;
    return -1;
}

int orm_rel_add_item(orm_object *o, const orm_rel *r, orm_object *child)
{
    orm_rel_slot *sl = orm_rel_slot_find(o, r);
    if (sl && slot_has(sl, child)) return 0;
    int rc = orm_rel_push_item(o, r, child);
    return rc < 0 ? rc : 1;
}

/* Room for cap children in sl. ORM_OK or ORM_ENOMEM (nothing changed). */
static int slot_room(orm_rel_slot *sl, int cap)
{
    if (cap <= sl->cap) return ORM_OK;
    orm_object **v = realloc(sl->items, (size_t)cap * sizeof *v);
    if (v == NULL) return ORM_ENOMEM;
    sl->items = v;
    sl->cap = cap;
    return ORM_OK;
}

int orm_rel_push_item(orm_object *o, const orm_rel *r, orm_object *child)
{
    assert(o->table == r->parent && child->table == r->target && r->kind != ORM_REL_M2O);
    orm_rel_slot *sl = slot_get(o, r);
    if (sl == NULL) return ORM_ENOMEM;
    if (sl->n == sl->cap && slot_room(sl, sl->cap ? sl->cap * 2 : 4) < 0) return ORM_ENOMEM;
    sl->items[sl->n++] = orm_object_retain(child);
    sl->loaded = 1;
    if (sl->index.n > 0 && orm_objmap_put(&sl->index, child, 0) < 0)
        orm_objmap_free(&sl->index); /* no memory: made again when next asked */
    return ORM_OK;
}

int orm_rel_remove_item(orm_object *o, const orm_rel *r, const orm_object *child)
{
    orm_rel_slot *sl = orm_rel_slot_find(o, r);
    int i = orm_rel_index(o, r, child);
    if (i < 0) return 0;
    orm_object *gone = sl->items[i];
    for (int j = i + 1; j < sl->n; j++)
        sl->items[j - 1] = sl->items[j];
    sl->n--;
    orm_objmap_free(&sl->index); /* open addressing has no removal: made again when asked */
    orm_object_release(gone);    /* last: releasing may free what holds o */
    return 1;
}

orm_object *orm_rel_target(const orm_object *o, const orm_rel *r)
{
    const orm_rel_slot *sl = orm_rel_slot_find(o, r);
    return sl ? sl->target : NULL;
}

orm_object *orm_rel_target_current(const orm_object *o, const orm_rel *r)
{
    assert(r->kind == ORM_REL_M2O && o->table == r->parent);
    orm_object *t = orm_rel_target(o, r);
    return t && orm_value_equal(&t->values[r->remote_col], &o->values[r->local_col]) ? t : NULL;
}

int orm_rel_set_target(orm_object *o, const orm_rel *r, orm_object *target)
{
    assert(r->kind == ORM_REL_M2O && o->table == r->parent);
    assert(target == NULL || target->table == r->target);
    orm_rel_slot *sl = target ? slot_get(o, r) : orm_rel_slot_find(o, r);
    if (sl == NULL) return target ? ORM_ENOMEM : ORM_OK;
    orm_object *old = sl->target;
    sl->target = orm_object_retain(target);
    orm_object_release(old);
    return ORM_OK;
}

int orm_rel_keep_assoc(orm_object *o, orm_object *assoc)
{
    orm_rel_slots *ss = o->rels;
    if (ss == NULL) {
        if ((ss = calloc(1, sizeof *ss)) == NULL) return ORM_ENOMEM;
        o->rels = ss;
    }
    if (ss->nassoc == ss->capassoc) {
        int cap = ss->capassoc ? ss->capassoc * 2 : 2;
        orm_object **v = realloc(ss->assoc, (size_t)cap * sizeof *v);
        if (v == NULL) return ORM_ENOMEM;
        ss->assoc = v;
        ss->capassoc = cap;
    }
    ss->assoc[ss->nassoc++] = orm_object_retain(assoc);
    return ORM_OK;
}

int orm_rel_add_kept_assoc(orm_session *s, orm_object *o)
{
    orm_rel_slots *ss = o->rels;
    if (ss == NULL || ss->nassoc == 0) return ORM_OK;
    int i = 0, rc = ORM_OK;
    for (; i < ss->nassoc; i++) { /* in the order they were made */
        if (ss->assoc[i]->session == NULL && (rc = orm_session_add(s, ss->assoc[i])) < 0) break;
        orm_object_release(ss->assoc[i]);
    }
    memmove(ss->assoc, ss->assoc + i, (size_t)(ss->nassoc - i) * sizeof *ss->assoc);
    ss->nassoc -= i;
    return rc;
}

void orm_rel_slots_clear(orm_object *o)
{
    orm_rel_slots *ss = o->rels;
    if (ss == NULL) return;
    o->rels = NULL; /* first: releasing below may come back to o */
    for (int i = 0; i < ss->n; i++) {
        slot_empty(&ss->slot[i]);
        free(ss->slot[i].items);
    }
    for (int i = 0; i < ss->nassoc; i++)
        orm_object_release(ss->assoc[i]);
    free(ss->assoc);
    free(ss->slot);
    free(ss);
}
