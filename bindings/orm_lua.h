/* orm_lua.h — what the ormsh program needs from the bindings beyond the Lua
 * API itself: opening the module, and the hooks of an interactive session
 * (pending changes, ending an idle read transaction, interrupting). */
#ifndef ORM_LUA_H
#define ORM_LUA_H

#include <lua.h>

struct orm_conn;

/* The module entry point (`require "orm"`); the only symbol orm.so exports. */
int luaopen_orm(lua_State *L);

/* [-0, +0, -] Number of changes the db handle at idx would lose on rollback:
 * pending new, dirty and deleted objects plus changes flushed but not
 * committed. 0 when idx is not a db handle. */
int orm_lua_pending_changes(lua_State *L, int idx);
/* [-0, +0, -] counts[0..2] = the pending new, dirty and deleted objects of
 * the db handle at idx (all 0 when idx is not one). */
void orm_lua_pending_kinds(lua_State *L, int idx, int counts[3]);
/* [-0, +0, -] When nothing is pending, ends the open read transaction so an
 * idle shell holds no lock. */
void orm_lua_end_idle(lua_State *L, int idx);
/* [-0, +0, -] Rolls back everything uncommitted; returns how many changes
 * were discarded (as orm_lua_pending_changes counted them). */
int orm_lua_rollback_all(lua_State *L, int idx);
/* [-0, +0, -] The connection behind the db handle (borrowed, valid while the
 * handle lives), for orm_conn_interrupt from a SIGINT handler; NULL if none. */
struct orm_conn *orm_lua_conn(lua_State *L, int idx);
/* The number of shards of the db handle at idx (0: not sharded). */
int orm_lua_shard_count(lua_State *L, int idx);
/* Pins the handle at idx to shard i (every call runs there, no fan-out)
 * and returns its name; i < 0 unpins (NULL returned). */
const char *orm_lua_shard_pin(lua_State *L, int idx, int i);
/* [-0, +1, e] The text of the value at idx as it shows inside a list or
 * table (bindings/l_repr.c): strings quoted, models and lists by
 * __tostring, plain tables readably ({1, name = "x"}). */
void orm_lua_push_repr(lua_State *L, int idx);
/* [-0, +1, m] table.sort, kept in the registry. */
void orm_lua_push_sort(lua_State *L);
/* [-0, +1, m] A zeroed userdata of size bytes whose metatable mt (made
 * once, protected) has gc as __gc: C resources stored in it are freed even
 * when Lua raises, and when the box is collected. */
void *orm_lua_new_box(lua_State *L, size_t size, const char *mt, lua_CFunction gc);
/* [-0, +1, -] Pushes a list of the handle's model class names, in definition order. */
void orm_lua_push_model_names(lua_State *L, int idx);

/* [-1, +1, -] For a message handler: when the error on top is Lua's "bad
 * argument #1 to 'add' (orm.Session expected, ...)" for a documented method
 * called with '.' (level 1 of the stack is that call), replaces it with
 * "... use db.session:add(obj), with a colon". line is the source line of
 * the call when known (the receiver is taken from it), or NULL. */
void orm_lua_hint(lua_State *L, const char *line);
/* [-0, +1, m] The help text for the value at idx (db handle at dbidx, or
 * nil): what it is and its methods with arguments, or nil when the docs
 * table does not know the value. title starts the first line. */
void orm_lua_push_help(lua_State *L, int idx, int dbidx, const char *title);
/* [-0, +1, m] The "(what it is)" line and member lines of a kind ("model",
 * "instance", "session", ...) from the docs table. */
void orm_lua_push_kind_help(lua_State *L, const char *kind);

/* [-0, +1, -] For a relationship declaration at idx: "Book, one-to-many"
 * (target class and direction); nil when it cannot be resolved. */
void orm_lua_push_rel_summary(lua_State *L, int idx);
/* [-0, +1, e] Pushes the names of the database's user tables (a plain list,
 * as the backend orders them). */
void orm_lua_push_table_names(lua_State *L, int idx);
/* [-0, +1, e] Pushes the live DDL of table name (CREATE TABLE and its
 * indexes, each ending with ";"), or nil when there is no such table. */
void orm_lua_push_table_ddl(lua_State *L, int idx, const char *name);

#endif
