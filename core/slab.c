/* slab.c — size-class slabs (slab.h): blocks carved from big chunks, a free
 * list per size class, every chunk freed at once with the arena. */
#include "slab.h"

#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "fault.h"

#if defined(__SANITIZE_ADDRESS__)
#define SLAB_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SLAB_ASAN 1
#endif
#endif

#ifdef SLAB_ASAN
#include <sanitizer/asan_interface.h>
#define REDZONE ORM_SLAB_GRAIN /* poisoned bytes after each block */
#define POISON(p, n) ASAN_POISON_MEMORY_REGION((p), (n))
#define UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION((p), (n))
#else
#define REDZONE 0
#define POISON(p, n) ((void)(p), (void)(n))
#define UNPOISON(p, n) ((void)(p), (void)(n))
#endif

/* the allocator itself, not fault.c's wrapper (Lua's blocks are not counted) */
void *__real_malloc(size_t n);
void *__real_realloc(void *p, size_t n);

#define NCLASS (ORM_SLAB_MAX / ORM_SLAB_GRAIN)

typedef struct chunk {
    struct chunk *next;
    void *pad; /* blocks start 16-aligned */
} chunk;

typedef struct slot {
    struct slot *next;
} slot;

struct orm_slab {
    slot *free[NCLASS]; /* free slots of class c hold blocks of (c + 1) * GRAIN bytes */
    char *cur, *end;    /* the uncarved rest of the newest chunk */
    chunk *chunks;
    size_t live, nchunks;
    int owned; /* the owner has not let go yet */
};

orm_slab *orm_slab_new(void)
{
    orm_slab *a = calloc(1, sizeof *a);
    if (a == NULL) return NULL;
    a->owned = 1;
    return a;
}

static void destroy(orm_slab *a)
{
    chunk *c = a->chunks;
    while (c) {
        chunk *next = c->next;
        UNPOISON(c, ORM_SLAB_CHUNK);
        free(c);
        c = next;
    }
    free(a);
}

void orm_slab_release(orm_slab *a)
{
    if (a == NULL) return;
    assert(a->owned);
    a->owned = 0;
    if (a->live == 0) destroy(a);
}

size_t orm_slab_live(const orm_slab *a)
{
    return a->live;
}

size_t orm_slab_chunk_bytes(const orm_slab *a)
{
    return a->nchunks * (size_t)ORM_SLAB_CHUNK;
}

static int class_of(size_t n)
{
    return (int)((n + ORM_SLAB_GRAIN - 1) / ORM_SLAB_GRAIN) - 1;
}

/* Maps the chunk's pages in one call rather than one page fault each as
 * blocks are first written (a fresh chunk is written through soon; page
 * faults are dear under virtualisation). Best effort. */
static void prefault(void *c)
{
#ifdef MADV_POPULATE_WRITE
    uintptr_t pg = 4096, lo = ((uintptr_t)c + pg - 1) & ~(pg - 1);
    uintptr_t hi = ((uintptr_t)c + ORM_SLAB_CHUNK) & ~(pg - 1);
    if (hi > lo) (void)madvise((void *)lo, hi - lo, MADV_POPULATE_WRITE);
#else
    (void)c;
#endif
}

/* Carves a slot of class k from the current chunk (a new one when the rest
 * is too small; the rest is left unused). */
static void *carve(orm_slab *a, int k)
{
    size_t sz = (size_t)(k + 1) * ORM_SLAB_GRAIN + REDZONE;
    if ((size_t)(a->end - a->cur) < sz) {
        chunk *c = __real_malloc(ORM_SLAB_CHUNK);
        if (c == NULL) return NULL;
        c->next = a->chunks;
        a->chunks = c;
        a->nchunks++;
        a->cur = (char *)(c + 1);
        a->end = (char *)c + ORM_SLAB_CHUNK;
        prefault(c);
        POISON(a->cur, (size_t)(a->end - a->cur));
    }
    void *p = a->cur;
    a->cur += sz;
    return p;
}

/* A block of n bytes; the small ones count for fault injection when tick. */
static void *get(orm_slab *a, size_t n, int tick)
{
    assert(n > 0);
    if (n > ORM_SLAB_MAX) {
        void *p = tick ? malloc(n) : __real_malloc(n);
        if (p) a->live++;
        return p;
    }
    if (tick && orm_fault_alloc_tick()) return NULL;
    int k = class_of(n);
    slot *s = a->free[k];
    void *p;
    if (s) {
        UNPOISON(s, sizeof *s);
        a->free[k] = s->next;
        p = s;
    } else if ((p = carve(a, k)) == NULL) {
        return NULL;
    }
    UNPOISON(p, n);
    a->live++;
    return p;
}

void *orm_slab_alloc(orm_slab *a, size_t n)
{
    return get(a, n, 1);
}

void orm_slab_free(orm_slab *a, void *p, size_t n)
{
    if (p == NULL) return;
    assert(a->live > 0);
    a->live--;
    if (n > ORM_SLAB_MAX) {
        free(p);
    } else {
        int k = class_of(n);
        slot *s = p;
        UNPOISON(s, sizeof *s);
        s->next = a->free[k];
        a->free[k] = s;
        POISON((char *)p + sizeof *s, (size_t)(k + 1) * ORM_SLAB_GRAIN - sizeof *s);
    }
    if (!a->owned && a->live == 0) destroy(a);
}

void *orm_slab_lua_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
    orm_slab *a = ud;
    if (ptr == NULL) return nsize ? get(a, nsize, 0) : NULL; /* osize: a type tag */
    if (nsize == 0) {
        orm_slab_free(a, ptr, osize);
        return NULL;
    }
    if (osize > ORM_SLAB_MAX && nsize > ORM_SLAB_MAX) return __real_realloc(ptr, nsize);
    if (osize <= ORM_SLAB_MAX && nsize <= ORM_SLAB_MAX && class_of(osize) == class_of(nsize)) {
#ifdef SLAB_ASAN
        POISON(ptr, (size_t)(class_of(osize) + 1) * ORM_SLAB_GRAIN);
        UNPOISON(ptr, nsize);
#endif
        return ptr;
    }
    void *p = get(a, nsize, 0);
    if (p == NULL) return NULL; /* Lua keeps ptr */
    memcpy(p, ptr, osize < nsize ? osize : nsize);
    orm_slab_free(a, ptr, osize);
    return p;
}
