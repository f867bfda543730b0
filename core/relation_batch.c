/* relation_batch.c — the parents of one eager load (selectinload) grouped
 * by the key their related rows carry: the distinct keys the loader
 * statements bind, and for a loaded row's key every parent it belongs to,
 * found by hashing instead of a scan. Lives in memory its caller provides,
 * so a caller that can be interrupted (a Lua error) has nothing to free. */
#include <assert.h>
#include <limits.h>
#include <stdint.h>

#include "relation.h"

struct orm_rel_batch {
    int cap;                /* parents it can hold */
    int nkeys;              /* distinct keys so far */
    int mask;               /* slots - 1 (slots: a power of two, at least 2 * cap) */
    const orm_value **keys; /* [cap] distinct keys, first seen first */
    int *head, *tail;       /* [cap] by key: its first and last parent */
    int *next;              /* [cap] by parent: the next parent of its key, -1 */
    int *slots;             /* [mask + 1] key index + 1; 0: empty */
};

static int nslots(int cap)
{
    int n = 16;
    while (n < 2 * cap)
        n *= 2;
    return n;
}

size_t orm_rel_batch_size(int cap)
{
    assert(cap >= 0 && cap <= ORM_REL_BATCH_MAX);
    size_t c = (size_t)cap;
    return sizeof(orm_rel_batch) + c * sizeof(const orm_value *) + 3 * c * sizeof(int) +
           (size_t)nslots(cap) * sizeof(int);
}

orm_rel_batch *orm_rel_batch_init(void *mem, int cap)
{
    assert(mem != NULL && cap >= 0 && cap <= ORM_REL_BATCH_MAX);
    orm_rel_batch *b = mem;
    b->cap = cap;
    b->nkeys = 0;
    b->mask = nslots(cap) - 1;
    b->keys = (const orm_value **)(b + 1);
    b->head = (int *)(b->keys + cap);
    b->tail = b->head + cap;
    b->next = b->tail + cap;
    b->slots = b->next + cap;
    for (int i = 0; i <= b->mask; i++)
        b->slots[i] = 0;
    return b;
}

/* The slot of key: where it is, or the empty one where it would go. */
static int find_slot(const orm_rel_batch *b, const orm_value *key)
{
    int i = (int)(orm_value_hash(key) & (uint64_t)b->mask);
    while (b->slots[i] != 0 && !orm_value_equal(b->keys[b->slots[i] - 1], key))
        i = (i + 1) & b->mask;
    return i;
}

int orm_rel_batch_add(orm_rel_batch *b, const orm_value *key, int parent)
{
    assert(key != NULL && key->type != ORM_V_NULL && parent >= 0 && parent < b->cap);
    b->next[parent] = -1;
    int slot = find_slot(b, key);
    if (b->slots[slot] == 0) { /* a new key */
        assert(b->nkeys < b->cap);
        int k = b->nkeys++;
        b->keys[k] = key;
        b->head[k] = b->tail[k] = parent;
        b->slots[slot] = k + 1;
        return 1;
    }
    int k = b->slots[slot] - 1;
    assert(b->next[b->tail[k]] == -1);
    b->next[b->tail[k]] = parent;
    b->tail[k] = parent;
    return 0;
}

int orm_rel_batch_nkeys(const orm_rel_batch *b)
{
    return b->nkeys;
}

const orm_value *const *orm_rel_batch_keys(const orm_rel_batch *b)
{
    return b->keys;
}

int orm_rel_batch_first(const orm_rel_batch *b, const orm_value *key)
{
    if (key == NULL || key->type == ORM_V_NULL) return -1;
    int slot = find_slot(b, key);
    return b->slots[slot] ? b->head[b->slots[slot] - 1] : -1;
}

int orm_rel_batch_next(const orm_rel_batch *b, int parent)
{
    assert(parent >= 0 && parent < b->cap);
    return b->next[parent];
}
