/* fault.c — the allocation half of fault injection (fault.h): wrappers the
 * linker puts in place of malloc, calloc, realloc, strdup and strndup for
 * ormsh's own objects (-Wl,--wrap=...). Disarmed they cost one compare. */
#include "fault.h"

#include <stddef.h>

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t n);
char *__real_strdup(const char *s);
char *__real_strndup(const char *s, size_t n);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t n);
char *__wrap_strdup(const char *s);
char *__wrap_strndup(const char *s, size_t n);

static long countdown; /* allocations left before the armed failure; 0: disarmed */
static int fired;

void orm_fault_alloc_after(long n)
{
    countdown = n > 0 ? n : 0;
    fired = 0;
}

int orm_fault_alloc_fired(void)
{
    return fired;
}

static int fail_now(void)
{
    if (countdown <= 0 || --countdown > 0) return 0;
    fired = 1;
    return 1;
}

int orm_fault_alloc_tick(void)
{
    return fail_now();
}

void *__wrap_malloc(size_t n)
{
    return fail_now() ? NULL : __real_malloc(n);
}

void *__wrap_calloc(size_t n, size_t size)
{
    return fail_now() ? NULL : __real_calloc(n, size);
}

void *__wrap_realloc(void *p, size_t n)
{
    return fail_now() ? NULL : __real_realloc(p, n);
}

char *__wrap_strdup(const char *s)
{
    return fail_now() ? NULL : __real_strdup(s);
}

char *__wrap_strndup(const char *s, size_t n)
{
    return fail_now() ? NULL : __real_strndup(s, n);
}
