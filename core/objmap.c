/* objmap.c — objects by address, each with an int (objmap.h): open
 * addressing with linear probing over a table at most half full. */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>

#include "error.h"
#include "objmap.h"

static size_t ptr_hash(const void *p)
{
    uintptr_t x = (uintptr_t)p;
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    return (size_t)x;
}

/* The entry holding o, or the free one where it would go. */
static orm_objmap_entry *slot(orm_objmap_entry *e, size_t cap, const struct orm_object *o)
{
    size_t j = ptr_hash(o) & (cap - 1);
    while (e[j].key && e[j].key != o)
        j = (j + 1) & (cap - 1);
    return &e[j];
}

int orm_objmap_put(orm_objmap *m, const struct orm_object *o, int value)
{
    assert(o != NULL);
    if (m->cap && slot(m->e, m->cap, o)->key) return 1;
    if (2 * (m->n + 1) > m->cap) { /* at most half full */
        size_t cap = m->cap ? m->cap * 2 : 64;
        orm_objmap_entry *e = calloc(cap, sizeof *e);
        if (e == NULL) return ORM_ENOMEM;
        for (size_t i = 0; i < m->cap; i++)
            if (m->e[i].key) *slot(e, cap, m->e[i].key) = m->e[i];
        free(m->e);
        m->e = e;
        m->cap = cap;
    }
    *slot(m->e, m->cap, o) = (orm_objmap_entry){.key = o, .value = value};
    m->n++;
    return 0;
}

int orm_objmap_get(const orm_objmap *m, const struct orm_object *o)
{
    if (m->cap == 0) return -1;
    const orm_objmap_entry *e = slot(m->e, m->cap, o);
    return e->key ? e->value : -1;
}

void orm_objmap_free(orm_objmap *m)
{
    free(m->e);
    *m = (orm_objmap){0};
}
