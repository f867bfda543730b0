/* l_orm.h — shared declarations between the binding files: metatable names,
 * the per-file registration functions and the helpers they lend each other.
 * Stack effects follow the Lua manual's notation [-o, +p, x]. */
#ifndef L_ORM_H
#define L_ORM_H

#include <lauxlib.h>
#include <lua.h>

#include "datetime.h"
#include "error.h"
#include "expr.h"
#include "schema.h"

/* Metatable names (registry keys). */
#define L_MT_DB "orm.Database"
#define L_MT_SESSION "orm.Session"
#define L_MT_QUERY "orm.Query"
#define L_MT_EXPR "orm.Expr"
#define L_MT_RESULT "orm.Result"
#define L_MT_ROW "orm.Row"
#define L_MT_LIST "orm.List"
#define L_MT_TYPE "orm.Type"
#define L_MT_COLUMN "orm.Column"
#define L_MT_FKEY "orm.ForeignKey"
#define L_MT_RELATION "orm.Relationship"
#define L_MT_CURSOR "orm.Cursor"
#define L_MT_FUNC "orm.FuncFactory"

/* ---- l_orm.c ---- */
/* [-0, +0, m] Protects the metatable at the top of the stack: getmetatable
 * returns false and setmetatable fails, so Lua code can neither call a __gc
 * early nor swap the metamethods of a value holding C pointers. A __gc still
 * returns at once when its argument is not a userdata: fuzz_lua saw a
 * finalizer run with none once (tests/fuzz/findings/README.md). */
void l_protect_mt(lua_State *L);

/* ---- l_error.c ---- */
/* The raise functions never return (they longjmp through lua_error); saying so
 * lets the compiler and cppcheck follow the paths after them. */
#define L_NORETURN __attribute__((noreturn))
/* [-0, +0, -] Creates the error classes once per state (registry). */
void l_error_init(lua_State *L);
/* [-0, +0, e] Sets Error, IntegrityError, ... as fields of the table at idx. */
void l_error_export(lua_State *L, int idx);
/* [-0, +1, m] Pushes an error value for e: a table whose metatable is its
 * class, with message, sql, params, code, and where (luaL_where(L, 1)). */
void l_error_push(lua_State *L, const orm_error *e);
/* [-0, +0, v] Raises l_error_push(e) (e is cleared first: nothing leaks). */
L_NORETURN int l_error_raise(lua_State *L, orm_error *e);
/* [-0, +0, v] Raises an error of class cls with a formatted message. */
L_NORETURN int l_error_raisef(lua_State *L, orm_errclass cls, const char *fmt, ...);
/* [-0, +0, v] Raises OperationalError "out of memory" (where: the caller). */
L_NORETURN int l_oom(lua_State *L);
/* [-1, +0, v] Raises the value on top (lua_error, which lua.h does not mark
 * as never returning: this tells the compiler and cppcheck). */
L_NORETURN void l_throw(lua_State *L);
/* [-0, +0, -] 1 when the value at idx is an error of class cls (or below). */
int l_error_is(lua_State *L, int idx, orm_errclass cls);
/* [-0, +0, v] Raises ArgumentError "<what>: unknown option 'k' (valid: a, b)"
 * for a string key of the options table at idx not in the NULL-terminated
 * known list (keys starting with "__" are internal and pass). */
void l_check_options(lua_State *L, int idx, const char *what, const char *const *known);

/* ---- l_expr.c ---- */
/* [-0, +0, e] Registers the orm.Expr metatable and adds to the table at idx:
 * func, and_, or_, not_, text, literal, null, asc, desc. */
void l_expr_open(lua_State *L, int idx);
/* [-0, +1, m] Pushes a new Expr userdata owning one reference to e (e is
 * released if pushing fails). e must not be NULL. */
void l_expr_push(lua_State *L, orm_expr *e);
/* [-0, +0, -] The expression of an Expr userdata at idx, or NULL. Borrowed. */
orm_expr *l_expr_test(lua_State *L, int idx);
/* [-0, +0, v] Like l_expr_test but raises "bad argument" when not an Expr. */
orm_expr *l_expr_check(lua_State *L, int idx);
/* [-0, +0, v] Any Lua value usable in an expression: an Expr is retained, nil
 * or db.null becomes NULL, a boolean/number/string a bound value. The result
 * carries a new reference the caller must release. `like` is the column the
 * value is compared with (NULL if none): a value for a Boolean column binds
 * as a boolean, etc. Raises for tables and functions. */
orm_expr *l_expr_from_value(lua_State *L, int idx, const orm_expr *like);
/* [-0, +0, v] The text s (n bytes) compared with Date/DateTime column col of
 * t, in its canonical form: written to buf (ORM_DATETIME_MAX bytes), length
 * returned. Raises DataError "Model.attr: invalid ..." naming the accepted
 * forms when s is no date of that kind. */
size_t l_expr_date_text(lua_State *L, const orm_table *t, int col, const char *s, size_t n,
                        char *buf);
/* [-0, +0, -] 1 when the value at idx is db.null. */
int l_expr_is_null(lua_State *L, int idx);
/* Text bound for raw SQL: [-0, +1, m] db.text(sql) values are Expr of kind TEXT. */

/* ---- l_value.c ---- */
/* [-0, +1, m] Pushes v as a Lua value for a column of type t (t NULL: by the
 * value's own type): BOOL -> boolean, NUMERIC -> decimal string, JSON ->
 * table, DATE/DATETIME -> string; a NUMERIC result's decimal text (v->decimal)
 * for any other t -> a number. */
void l_value_push(lua_State *L, const orm_value *v, const orm_type *t);
/* [-0, +0, -] Converts the Lua value at idx for a column of type t into *out
 * (out overwritten). Returns 0, or ORM_EFAIL with a DataError in err naming
 * what was expected ("expected String(30), got number"). */
int l_value_to(lua_State *L, int idx, const orm_type *t, orm_value *out, orm_error *err);
/* [-0, +0, -] Converts any plain Lua value (nil, boolean, number, string) by
 * its own type, for raw SQL parameters. ORM_EFAIL (ArgumentError) otherwise. */
int l_value_to_any(lua_State *L, int idx, orm_value *out, orm_error *err);

/* ---- l_migrate.c ---- */
/* [-0, +0, e] Adds orm.migrate (and the op object's metatables); see l_migrate.h. */
void l_migrate_open(lua_State *L, int modidx);

#endif
