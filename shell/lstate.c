/* lstate.c — ormsh's Lua state: every block of the interpreter (instances,
 * strings, tables) comes from size-class slabs (core/slab.h) rather than one
 * malloc each, so a session that makes and drops many objects does not
 * fragment the heap; the panic and warning functions luaL_newstate would set. */
#include <stdio.h>
#include <string.h>

#include <lauxlib.h>
#include <lua.h>

#include "shell.h"
#include "slab.h"

static int panic(lua_State *L)
{
    const char *msg = lua_tostring(L, -1);
    fprintf(stderr, "ormsh: PANIC: unprotected error in call to Lua API (%s)\n",
            msg ? msg : "error object is not a string");
    return 0; /* abort */
}

/* Warnings as the stand-alone lua prints them: off until "@on". */
static int warn_on;
static int warn_cont;

static void warnf(void *ud, const char *msg, int tocont)
{
    (void)ud;
    if (!warn_cont && *msg == '@') { /* a control message */
        if (strcmp(msg, "@on") == 0) warn_on = 1;
        if (strcmp(msg, "@off") == 0) warn_on = 0;
        return;
    }
    if (warn_on) {
        if (!warn_cont) fputs("Lua warning: ", stderr);
        fputs(msg, stderr);
        if (!tocont) fputs("\n", stderr);
        fflush(stderr);
    }
    warn_cont = tocont;
}

lua_State *sh_lstate_new(void)
{
    orm_slab *a = orm_slab_new();
    if (a == NULL) return NULL;
    lua_State *L = lua_newstate(orm_slab_lua_alloc, a);
    if (L == NULL) {
        orm_slab_release(a);
        return NULL;
    }
    lua_atpanic(L, panic);
    lua_setwarnf(L, warnf, NULL);
    return L;
}

void sh_lstate_close(lua_State *L)
{
    void *a = NULL;
    lua_getallocf(L, &a);
    lua_close(L);
    orm_slab_release(a); /* every block is back: the chunks go at once */
}
