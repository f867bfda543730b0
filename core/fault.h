/* fault.h — fault injection for tests, as SQLite tests itself: the Nth
 * allocation made by ormsh's own code fails (returns NULL). Always compiled
 * in, inert unless armed. The link wraps malloc, calloc, realloc, strdup and
 * strndup of ormsh's objects (see the Makefile's WRAP flags); allocations
 * inside Lua, SQLite and the client libraries are not counted. The Nth
 * driver call fails through orm_driver_fail_after (driver.h). */
#ifndef ORM_FAULT_H
#define ORM_FAULT_H

/* Arms the n-th following allocation to fail, once (n <= 0 disarms). */
void orm_fault_alloc_after(long n);
/* 1 when the armed allocation failure happened (since it was armed). */
int orm_fault_alloc_fired(void);

/* Counts one allocation made without malloc (slab.c): 1 when it is the
 * armed one and must fail. */
int orm_fault_alloc_tick(void);

#endif
