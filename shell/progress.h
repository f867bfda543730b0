/* progress.h — the progress line of long db commands (progress.c). */
#ifndef ORMSH_PROGRESS_H
#define ORMSH_PROGRESS_H

#include <lua.h>

/* [-0, +1, m] A function(done, total) drawing "label: done/total rows
 * (rate)" in place on standard error when it is a terminal; nil when it is
 * not (tests and logs stay clean). label must outlive it (a literal). */
void sh_progress_push(lua_State *L, const char *label);
/* [-0, +0, -] Ends the line the function at idx drew (a newline), if any. */
void sh_progress_end(lua_State *L, int idx);

#endif
