/* identity.c — the weak identity map of a session: (table, primary key) to
 * object, open addressing with linear probing. */
#include "identity.h"

#include <stdlib.h>

#define TOMB ((orm_object *)(uintptr_t)1)

void orm_identity_init(orm_identity *m)
{
    m->slots = NULL;
    m->cap = m->count = m->used = 0;
}

void orm_identity_free(orm_identity *m)
{
    free(m->slots);
    orm_identity_init(m);
}

uint64_t orm_identity_hash(const orm_table *t, const orm_value *const *key)
{
    uint64_t h = (uint64_t)(uintptr_t)t * 0x9E3779B97F4A7C15ull;
    for (int i = 0; i < t->npk; i++)
        h = (h ^ orm_value_hash(key[i])) * 0x100000001B3ull;
    return h ^ (h >> 29);
}

static int key_matches(const orm_object *o, const orm_table *t, const orm_value *const *key)
{
    if (o->table != t) return 0;
    for (int i = 0; i < t->npk; i++)
        if (!orm_value_equal(&o->values[t->pk[i]], key[i])) return 0;
    return 1;
}

orm_object *orm_identity_find(const orm_identity *m, const orm_table *t, const orm_value *const *key,
                              uint64_t hash)
{
    if (m->cap == 0) return NULL;
    size_t mask = m->cap - 1;
    for (size_t i = hash & mask;; i = (i + 1) & mask) {
        orm_object *o = m->slots[i];
        if (o == NULL) return NULL;
        if (o != TOMB && o->id_hash == hash && key_matches(o, t, key)) return o;
    }
}

static void place(orm_object **slots, size_t cap, orm_object *o)
{
    size_t mask = cap - 1;
    size_t i = o->id_hash & mask;
    while (slots[i] != NULL && slots[i] != TOMB) i = (i + 1) & mask;
    slots[i] = o;
}

static int grow(orm_identity *m)
{
    size_t cap = m->cap ? m->cap : 64;
    while ((m->count + 1) * 2 > cap) cap *= 2;
    orm_object **slots = calloc(cap, sizeof *slots);
    if (slots == NULL) return ORM_ENOMEM;
    for (size_t i = 0; i < m->cap; i++)
        if (m->slots[i] != NULL && m->slots[i] != TOMB) place(slots, cap, m->slots[i]);
    free(m->slots);
    m->slots = slots;
    m->cap = cap;
    m->used = m->count;
    return ORM_OK;
}

int orm_identity_put(orm_identity *m, orm_object *o)
{
    if ((m->used + 1) * 4 > m->cap * 3 && grow(m) != ORM_OK) return ORM_ENOMEM;
    const orm_value *key[ORM_MAX_COLUMNS];
    for (int i = 0; i < o->table->npk; i++) key[i] = &o->values[o->table->pk[i]];
    o->id_hash = orm_identity_hash(o->table, key);
    size_t mask = m->cap - 1;
    size_t i = o->id_hash & mask;
    while (m->slots[i] != NULL && m->slots[i] != TOMB) i = (i + 1) & mask;
    if (m->slots[i] == NULL) m->used++;
    m->slots[i] = o;
    m->count++;
    o->in_identity = 1;
    return ORM_OK;
}

void orm_identity_remove(orm_identity *m, orm_object *o)
{
    if (!o->in_identity || m->cap == 0) return;
    size_t mask = m->cap - 1;
    for (size_t i = o->id_hash & mask;; i = (i + 1) & mask) {
        if (m->slots[i] == NULL) break;
        if (m->slots[i] == o) {
            m->slots[i] = TOMB;
            m->count--;
            break;
        }
    }
    o->in_identity = 0;
}

void orm_identity_each(orm_identity *m, void (*fn)(void *ctx, orm_object *o), void *ctx)
{
    for (size_t i = 0; i < m->cap; i++)
        if (m->slots[i] != NULL && m->slots[i] != TOMB) fn(ctx, m->slots[i]);
}
