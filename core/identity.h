/* identity.h — the identity map: (table, primary key) -> object. Weak: it
 * holds no references; an object removes itself when freed. Open addressing
 * with open addressing (perturbed probing) and tombstones. */
#ifndef ORM_IDENTITY_H
#define ORM_IDENTITY_H

#include <stddef.h>
#include "session.h"

typedef struct orm_identity {
    orm_object **slots; /* NULL empty, ORM_IDENTITY_TOMB deleted */
    size_t cap;         /* power of two, 0 before first insert */
    size_t count;
    size_t used; /* count + tombstones */
} orm_identity;

void orm_identity_init(orm_identity *m);
void orm_identity_free(orm_identity *m); /* frees slots only */
/* Hash of npk key values (in pk order) of table t. */
uint64_t orm_identity_hash(const orm_table *t, const orm_value *const *key);
/* Finds the object of t with the key (npk values in pk order), or NULL. */
orm_object *orm_identity_find(const orm_identity *m, const orm_table *t,
                              const orm_value *const *key, uint64_t hash);
/* Inserts o (its key from its values; sets o->id_hash, o->in_identity).
 * ORM_ENOMEM on failure. The caller made sure no other object has the key. */
int orm_identity_put(orm_identity *m, orm_object *o);
/* The same, hash being orm_identity_hash of o's key (already at hand). */
int orm_identity_put_hashed(orm_identity *m, orm_object *o, uint64_t hash);
void orm_identity_remove(orm_identity *m, orm_object *o);
/* Calls fn for every object (fn must not modify the map). */
void orm_identity_each(orm_identity *m, void (*fn)(void *ctx, orm_object *o), void *ctx);

#endif
