/* l_sandbox.c — db.checkpoint(name) / db.restore(name), the rewind points of
 * a sandbox (`ormsh shell --sandbox`; core's sandbox.h does the work). Both
 * end an idle read transaction first; restore then detaches every object of
 * the session (their values stay readable; query again for the rewound
 * rows). Outside a sandbox they raise ArgumentError. */
#include <stdlib.h>

#include "l_db.h"
#include "l_relation.h"
#include "sandbox.h"

L_NORETURN static int raise_conn(lua_State *L, orm_conn *c)
{
    orm_error e;
    orm_error_init(&e);
    orm_error_move(&e, &c->err);
    l_error_raise(L, &e);
}

/* db.checkpoint(name); upvalue 1: db */
int l_sandbox_checkpoint(lua_State *L)
{
    l_db *db = l_db_check(L, lua_upvalueindex(1));
    const char *name = luaL_checkstring(L, 1);
    orm_session_end_idle(db->session);
    if (orm_sandbox_checkpoint(db->conn, name) < 0) return raise_conn(L, db->conn);
    return 0;
}

/* db.restore(name); upvalue 1: db */
int l_sandbox_restore(lua_State *L)
{
    l_db *db = l_db_check(L, lua_upvalueindex(1));
    const char *name = luaL_checkstring(L, 1);
    orm_session_end_idle(db->session);
    if (orm_sandbox_restore(db->conn, name) < 0) return raise_conn(L, db->conn);
    l_rel_forget(L, db);
    if (orm_session_close(db->session) < 0) return l_db_raise_session(L, db);
    return 0;
}
