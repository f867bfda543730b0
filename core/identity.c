/* identity.c — the weak identity map of a session: (table, primary key) to
 * object, open addressing with tombstones; integer keys placed by value (rows
 * read in key order fill the table in order), hashes kept beside the
 * pointers. */
#include "identity.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define TOMB ((orm_object *)(uintptr_t)1)

/* slots points at one block: cap object pointers, then their cap hashes, so
 * a probe compares hashes without touching the objects (each a likely cache
 * miss). At most half the slots are in use (objects and tombstones). Probes
 * start at hash & mask and go on as Python's dicts do (i = 5i + 1 + perturb,
 * perturb the hash shifted 5 more each time): keys placed by value land
 * side by side, yet a key whose first slot is taken jumps away instead of
 * walking along a run of neighbours. */
#define NEXT(i, perturb, mask) ((perturb) >>= 5, (i) = ((i)*5 + (size_t)(perturb) + 1) & (mask))
static uint64_t *hashes(const orm_identity *m)
{
    return (uint64_t *)(m->slots + m->cap);
}

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

/* 1 when v is an integer key: INT, BOOL, or a REAL holding an integer (the
 * values orm_value_equal finds equal hash alike, as in orm_value_hash). */
static int int_key(const orm_value *v, int64_t *out)
{
    if (v->type == ORM_V_INT || v->type == ORM_V_BOOL) {
        *out = v->u.i;
        return 1;
    }
    if (v->type == ORM_V_REAL && v->u.r >= -9223372036854775808.0 &&
        v->u.r < 9223372036854775808.0 && v->u.r == floor(v->u.r)) {
        *out = (int64_t)v->u.r;
        return 1;
    }
    return 0;
}

/* A key of one integer is placed by its own value, its high bits folded in
 * (a bijection): consecutive keys land in consecutive slots, so loading rows
 * in key order walks the table instead of jumping about it, while keys a
 * power of two apart (snowflake ids) still spread. Other keys are mixed. */
uint64_t orm_identity_hash(const orm_table *t, const orm_value *const *key)
{
    uint64_t salt = ((uint64_t)(uintptr_t)t >> 4) * 0x9E3779B97F4A7C15ull;
    int64_t i;
    if (t->npk == 1 && int_key(key[0], &i)) {
        uint64_t u = (uint64_t)i;
        return (u ^ (u >> 24) ^ (u >> 48)) + salt;
    }
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

orm_object *orm_identity_find(const orm_identity *m, const orm_table *t,
                              const orm_value *const *key, uint64_t hash)
{
    assert(m != NULL && t != NULL && key != NULL);
    if (m->cap == 0) return NULL;
    size_t mask = m->cap - 1;
    const uint64_t *hs = hashes(m);
    uint64_t perturb = hash;
    for (size_t i = hash & mask;; NEXT(i, perturb, mask)) {
        orm_object *o = m->slots[i];
        if (o == NULL) return NULL;
        if (hs[i] == hash && o != TOMB && key_matches(o, t, key)) return o;
    }
}

static void place(orm_object **slots, uint64_t *hs, size_t mask, orm_object *o)
{
    uint64_t perturb = o->id_hash;
    size_t i = o->id_hash & mask;
    while (slots[i] != NULL)
        NEXT(i, perturb, mask);
    slots[i] = o;
    hs[i] = o->id_hash;
}

/* Rebuilds the table without tombstones, with room for the live objects
 * (at most a quarter of the slots) and one more. A table of the right size
 * already (many deaths since the last time) is wiped and refilled in place:
 * allocating and freeing a large block every few thousand rows is slower. */
static int grow(orm_identity *m)
{
    size_t cap = 64;
    while ((m->count + 1) * 4 > cap)
        cap *= 2;
    if (cap == m->cap && m->count <= 1024) {
        orm_object *live[1024];
        size_t n = 0;
        for (size_t k = 0; k < m->cap; k++)
            if (m->slots[k] != NULL && m->slots[k] != TOMB) live[n++] = m->slots[k];
        memset(m->slots, 0, cap * (sizeof *m->slots + sizeof(uint64_t)));
        for (size_t k = 0; k < n; k++)
            place(m->slots, hashes(m), cap - 1, live[k]);
        m->used = m->count;
        return ORM_OK;
    }
    orm_object **slots = calloc(cap, sizeof *slots + sizeof(uint64_t));
    if (slots == NULL) return ORM_ENOMEM;
    uint64_t *hs = (uint64_t *)(slots + cap);
    for (size_t k = 0; k < m->cap; k++) {
        orm_object *o = m->slots[k];
        if (o != NULL && o != TOMB) place(slots, hs, cap - 1, o);
    }
    free(m->slots);
    m->slots = slots;
    m->cap = cap;
    m->used = m->count;
    return ORM_OK;
}

int orm_identity_put(orm_identity *m, orm_object *o)
{
    const orm_value *key[ORM_MAX_COLUMNS];
    for (int i = 0; i < o->table->npk; i++)
        key[i] = &o->values[o->table->pk[i]];
    return orm_identity_put_hashed(m, o, orm_identity_hash(o->table, key));
}

int orm_identity_put_hashed(orm_identity *m, orm_object *o, uint64_t hash)
{
    assert(m != NULL && o != NULL && !o->in_identity); /* in the map at most once */
    assert(m->count <= m->used && (m->cap == 0 || m->used * 2 <= m->cap));
    if ((m->used + 1) * 2 > m->cap && grow(m) != ORM_OK) return ORM_ENOMEM;
    o->id_hash = hash;
    size_t mask = m->cap - 1;
    uint64_t perturb = o->id_hash;
    size_t i = o->id_hash & mask;
    while (m->slots[i] != NULL && m->slots[i] != TOMB)
        NEXT(i, perturb, mask);
    if (m->slots[i] == NULL) m->used++;
    m->slots[i] = o;
    hashes(m)[i] = o->id_hash;
    m->count++;
    o->in_identity = 1;
    return ORM_OK;
}

void orm_identity_remove(orm_identity *m, orm_object *o)
{
    if (!o->in_identity || m->cap == 0) return;
    size_t mask = m->cap - 1;
    uint64_t perturb = o->id_hash;
    for (size_t i = o->id_hash & mask;; NEXT(i, perturb, mask)) {
        if (m->slots[i] == NULL) break;
        if (m->slots[i] == o) {
            assert(m->count > 0);
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
