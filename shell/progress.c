/* progress.c — the one-line progress report of db seed, db load and db
 * dump: "\r<label>: 12000/1000000 rows (48000 rows/s)" rewritten in place
 * on standard error while it is a terminal; nothing otherwise. */
#include <time.h>
#include <unistd.h>

#include <lauxlib.h>

#include "progress.h"

typedef struct {
    const char *label; /* static */
    double start, last;
    int shown;
} progress;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* function(done, total): draws the line the first time, then at most ten
 * times a second, and at the end (done == total). total 0: unknown. */
static int progress_call(lua_State *L)
{
    progress *p = lua_touserdata(L, lua_upvalueindex(1));
    long long done = (long long)luaL_checkinteger(L, 1);
    long long total = (long long)luaL_optinteger(L, 2, 0);
    double t = now();
    if (p->shown && t - p->last < 0.1 && !(total > 0 && done >= total)) return 0;
    p->last = t;
    double rate = t > p->start ? (double)done / (t - p->start) : 0;
    if (total > 0)
        fprintf(stderr, "\r%s: %lld/%lld rows (%.0f rows/s)\033[K", p->label, done, total, rate);
    else
        fprintf(stderr, "\r%s: %lld rows (%.0f rows/s)\033[K", p->label, done, rate);
    fflush(stderr);
    p->shown = 1;
    return 0;
}

void sh_progress_push(lua_State *L, const char *label)
{
    if (!isatty(STDERR_FILENO)) {
        lua_pushnil(L);
        return;
    }
    progress *p = lua_newuserdatauv(L, sizeof *p, 0);
    p->label = label;
    p->start = p->last = now();
    p->shown = 0;
    lua_pushcclosure(L, progress_call, 1);
}

void sh_progress_end(lua_State *L, int idx)
{
    if (!lua_isfunction(L, idx)) return;
    lua_getupvalue(L, idx, 1);
    progress *p = lua_touserdata(L, -1);
    lua_pop(L, 1);
    if (p && p->shown) {
        fputc('\n', stderr);
        fflush(stderr);
        p->shown = 0;
    }
}
