/* capped_lua.h — what the Lua fuzz targets share: an allocator that fails
 * past FUZZ_MEM_CAP bytes in use (Lua sees out of memory, not the machine),
 * for lua_newstate(cap_alloc, NULL); a count hook that stops code after
 * FUZZ_BUDGET VM instructions (lua_sethook(L, budget, LUA_MASKCOUNT,
 * FUZZ_BUDGET); raised again every FUZZ_BUDGET instructions, so a loop that
 * catches it ends soon too); and, for targets that run code through the
 * shell (whose protected calls clear hooks), a CPU-time watch that arms the
 * same stop. Included by one target each. */
#ifndef FUZZ_CAPPED_LUA_H
#define FUZZ_CAPPED_LUA_H

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include <lauxlib.h>
#include <lua.h>

#define FUZZ_MEM_CAP ((size_t)256 << 20)
#ifndef FUZZ_BUDGET
#define FUZZ_BUDGET 200000
#endif

static size_t cap_used; /* bytes the target's Lua states hold */

static void *cap_alloc(void *ud, void *p, size_t osize, size_t nsize)
{
    (void)ud;
    if (!p) osize = 0;
    if (nsize == 0) {
        cap_used -= osize;
        free(p);
        return NULL;
    }
    if (nsize > osize && cap_used + (nsize - osize) > FUZZ_MEM_CAP) return NULL;
    void *q = realloc(p, nsize);
    if (q) cap_used += nsize - osize;
    return q;
}

static void budget(lua_State *l, lua_Debug *ar)
{
    (void)ar;
    luaL_error(l, "instruction budget spent");
}

static lua_State *volatile watched; /* the state watch_start armed the timer for */

/* SIGVTALRM (CPU time; libFuzzer keeps SIGALRM for its own timeouts):
 * lua_sethook is safe in a signal handler. */
static inline void on_watch(int sig)
{
    (void)sig;
    lua_State *l = watched;
    if (l) lua_sethook(l, budget, LUA_MASKCOUNT, 1);
}

/* Until watch_stop, Lua code of L running past each half second of CPU
 * time is stopped with the budget's error. */
static inline void watch_start(lua_State *L)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_watch;
    sa.sa_flags = SA_RESTART;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGVTALRM, &sa, NULL);
    watched = L;
    struct itimerval t = {{0, 500000}, {0, 500000}};
    setitimer(ITIMER_VIRTUAL, &t, NULL);
}

static inline void watch_stop(void)
{
    struct itimerval t = {{0, 0}, {0, 0}};
    setitimer(ITIMER_VIRTUAL, &t, NULL);
    watched = NULL;
}

#endif
