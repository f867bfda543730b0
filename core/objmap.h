/* objmap.h — objects by address, each with an int: which objects a walk has
 * met (the save-update cascade, loading many parents), the items of a large
 * collection (relation_state.c), the members of a group of objects
 * (object_cycles.c). Open addressing, at most half full, grows by doubling.
 * Ownership: the map keeps addresses only (no reference); orm_objmap_free
 * frees its table. A zeroed orm_objmap is empty. */
#ifndef ORM_OBJMAP_H
#define ORM_OBJMAP_H

#include <stddef.h>

struct orm_object;

typedef struct orm_objmap_entry {
    const struct orm_object *key; /* NULL: a free entry */
    int value;
} orm_objmap_entry;

typedef struct orm_objmap {
    orm_objmap_entry *e;
    size_t n, cap; /* entries used / allocated (cap a power of two, or 0) */
} orm_objmap;

/* 1 when o is in m already (its value kept), else adds it with value: 0,
 * or ORM_ENOMEM (m unchanged). */
int orm_objmap_put(orm_objmap *m, const struct orm_object *o, int value);
/* o's value, or -1 when o is not in m. */
int orm_objmap_get(const orm_objmap *m, const struct orm_object *o);
/* Empties m and frees its table. */
void orm_objmap_free(orm_objmap *m);

#endif
