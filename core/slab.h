/* slab.h — size-class slabs: an arena of small blocks (up to ORM_SLAB_MAX
 * bytes, in classes of ORM_SLAB_GRAIN) carved from ORM_SLAB_CHUNK-byte
 * chunks, each serving one class at a time with its own free list; a chunk
 * left with no block serves any class next. The caller passes the block's
 * size on free (no header per block). Larger blocks go to malloc.
 *
 * Ownership: the arena has one owner (a session). orm_slab_release() is the
 * owner letting go: the arena and every chunk are freed at once when no block
 * is live, else when the last live block is freed (objects can outlive their
 * session). One thread.
 *
 * Under AddressSanitizer every block is followed by a poisoned redzone, and
 * free slots are poisoned, so overflows and uses after free are still
 * reported; a block never freed keeps the arena alive and LeakSanitizer
 * reports its chunks. Each block handed out counts as one allocation for
 * fault injection (fault.h). */
#ifndef ORM_SLAB_H
#define ORM_SLAB_H

#include <stddef.h>

#define ORM_SLAB_GRAIN 16
#define ORM_SLAB_MAX 1024
#define ORM_SLAB_CHUNK (64 * 1024)

typedef struct orm_slab orm_slab;

/* A new arena owned by the caller; NULL on out of memory. */
orm_slab *orm_slab_new(void);
/* The owner lets go (NULL-safe): freed now when no block is live. */
void orm_slab_release(orm_slab *a);
/* A block of n bytes (n > 0), aligned to 16; NULL on out of memory. */
void *orm_slab_alloc(orm_slab *a, size_t n);
/* Gives back p (NULL-safe), allocated with size n from a. May free a when
 * its owner has let go and p was the last live block. */
void orm_slab_free(orm_slab *a, void *p, size_t n);
/* Blocks handed out and not freed. */
size_t orm_slab_live(const orm_slab *a);
/* Bytes of chunks the arena holds (blocks over ORM_SLAB_MAX not counted). */
size_t orm_slab_chunk_bytes(const orm_slab *a);

/* A lua_Alloc-compatible allocator over a (ud), for an interpreter whose
 * blocks all come and go through it (the caller passes every block's size,
 * as Lua does). Frees with nsize 0; never frees a itself. */
void *orm_slab_lua_alloc(void *ud, void *ptr, size_t osize, size_t nsize);

#endif
