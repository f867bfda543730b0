/* slab.c — size-class slabs (slab.h). A chunk (ORM_SLAB_CHUNK bytes, aligned
 * to its size, so a block finds its chunk by masking its address) serves one
 * class at a time: its own free list and an uncarved rest. Chunks with room
 * are on their class's list; a chunk whose last block is freed goes to the
 * arena's empty list, from which any class takes it again (a few are kept,
 * the others given back), so memory freed by one kind of object serves the
 * next kind. Every chunk goes with the arena. */
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
#define KEEP_EMPTY 256 /* empty chunks kept for reuse (16 MiB); more are freed */

typedef struct slot {
    struct slot *next;
} slot;

typedef struct chunk {
    struct chunk *next, *prev;         /* on its class's list, or the empty list */
    struct chunk *all_next, *all_prev; /* every chunk of the arena */
    slot *free;                        /* freed slots of this chunk */
    char *cur;                         /* the uncarved rest: cur .. chunk end */
    unsigned live;                     /* blocks handed out */
    int cls;                           /* its class, -1 when empty */
    int listed;                        /* on its class's list (it has room) */
    int pad;                           /* blocks start 16-aligned */
} chunk;

struct orm_slab {
    chunk *room[NCLASS]; /* chunks of class c with room: blocks of (c + 1) * GRAIN bytes */
    chunk *empty;        /* chunks with no live block */
    chunk *all;
    size_t live, nchunks, nempty;
    int owned; /* the owner has not let go yet */
};

#define CHUNK_OF(p) ((chunk *)((uintptr_t)(p) & ~(uintptr_t)(ORM_SLAB_CHUNK - 1)))
#define CHUNK_END(c) ((char *)(c) + ORM_SLAB_CHUNK)

#ifdef SLAB_ASAN
/* Under ASan chunks come from the heap, so LeakSanitizer sees them. */
static chunk *chunk_map(void)
{
    void *p = NULL;
    return posix_memalign(&p, ORM_SLAB_CHUNK, ORM_SLAB_CHUNK) == 0 ? p : NULL;
}

static void chunk_unmap(chunk *c)
{
    UNPOISON(c, ORM_SLAB_CHUNK);
    free(c);
}
#else
/* A chunk aligned to its size, its pages mapped at once (MAP_POPULATE: one
 * call rather than a page fault per page as blocks are first written; page
 * faults are dear under virtualisation): twice the size is mapped and the
 * unaligned ends are given back. */
static chunk *chunk_map(void)
{
    size_t n = 2 * (size_t)ORM_SLAB_CHUNK;
    char *p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) return NULL;
    uintptr_t lo = ((uintptr_t)p + ORM_SLAB_CHUNK - 1) & ~(uintptr_t)(ORM_SLAB_CHUNK - 1);
    char *c = (char *)lo;
    if (c > p) munmap(p, (size_t)(c - p));
    if (p + n > c + ORM_SLAB_CHUNK)
        munmap(c + ORM_SLAB_CHUNK, (size_t)(p + n - (c + ORM_SLAB_CHUNK)));
#ifdef MADV_POPULATE_WRITE
    (void)madvise(c, ORM_SLAB_CHUNK, MADV_POPULATE_WRITE);
#endif
    return (chunk *)c;
}

static void chunk_unmap(chunk *c)
{
    munmap(c, ORM_SLAB_CHUNK);
}
#endif

orm_slab *orm_slab_new(void)
{
    orm_slab *a = calloc(1, sizeof *a);
    if (a == NULL) return NULL;
    a->owned = 1;
    return a;
}

static void chunk_free(orm_slab *a, chunk *c)
{
    if (c->all_prev)
        c->all_prev->all_next = c->all_next;
    else
        a->all = c->all_next;
    if (c->all_next) c->all_next->all_prev = c->all_prev;
    a->nchunks--;
    chunk_unmap(c);
}

static void destroy(orm_slab *a)
{
    while (a->all)
        chunk_free(a, a->all);
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

static size_t slot_size(int k)
{
    return (size_t)(k + 1) * ORM_SLAB_GRAIN + REDZONE;
}

static void unlink_from(chunk **head, chunk *c)
{
    if (c->prev)
        c->prev->next = c->next;
    else
        *head = c->next;
    if (c->next) c->next->prev = c->prev;
    c->next = c->prev = NULL;
}

static void push_on(chunk **head, chunk *c)
{
    c->prev = NULL;
    c->next = *head;
    if (*head) (*head)->prev = c;
    *head = c;
}

/* A chunk for class k: an empty one, else a new one; on the class's list. */
static chunk *chunk_for(orm_slab *a, int k)
{
    chunk *c = a->empty;
    if (c) {
        unlink_from(&a->empty, c);
        a->nempty--;
    } else {
        if ((c = chunk_map()) == NULL) return NULL;
        memset(c, 0, sizeof *c);
        c->all_next = a->all;
        if (a->all) a->all->all_prev = c;
        a->all = c;
        a->nchunks++;
    }
    POISON(c + 1, ORM_SLAB_CHUNK - sizeof *c); /* also the slots of its last class */
    c->cls = k;
    c->free = NULL;
    c->cur = (char *)(c + 1);
    c->live = 0;
    c->listed = 1;
    push_on(&a->room[k], c);
    return c;
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
    chunk *c = a->room[k];
    if (c == NULL && (c = chunk_for(a, k)) == NULL) return NULL;
    void *p;
    if (c->free) {
        slot *s = c->free;
        UNPOISON(s, sizeof *s);
        c->free = s->next;
        p = s;
    } else {
        p = c->cur;
        c->cur += slot_size(k);
    }
    c->live++;
    if (c->free == NULL && (size_t)(CHUNK_END(c) - c->cur) < slot_size(k)) { /* full */
        unlink_from(&a->room[k], c);
        c->listed = 0;
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
        chunk *c = CHUNK_OF(p);
        assert(c->cls == k && c->live > 0);
        slot *s = p;
        UNPOISON(s, sizeof *s);
        s->next = c->free;
        c->free = s;
        POISON(p, slot_size(k));
        if (--c->live == 0) { /* empty: any class may take it */
            if (c->listed) unlink_from(&a->room[k], c);
            c->listed = 0;
            c->cls = -1;
            if (a->nempty < KEEP_EMPTY) {
                push_on(&a->empty, c);
                a->nempty++;
            } else {
                chunk_free(a, c);
            }
        } else if (!c->listed) {
            push_on(&a->room[k], c);
            c->listed = 1;
        }
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
