/* l_result.h — the cursor box: a userdata owning an open core cursor, so a
 * Lua error while rows are turned into values cannot leak it. */
#ifndef L_RESULT_H
#define L_RESULT_H

#include <lua.h>
#include "session.h"

/* [-0, +1, m] Pushes an empty box; store the cursor in *box right after. */
orm_cursor **l_cursor_box(lua_State *L);
/* Closes the cursor now (the box's __gc then does nothing). */
void l_cursor_box_close(orm_cursor **box);

#endif
