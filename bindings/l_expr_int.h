/* l_expr_int.h — what l_expr.c (the Expr userdata and its methods) shares
 * with l_expr_func.c (the db.* builders). Not for other files: they use
 * l_expr_push / l_expr_test / l_expr_check of l_orm.h. */
#ifndef ORMSH_L_EXPR_INT_H
#define ORMSH_L_EXPR_INT_H

#include <lua.h>

#include "expr.h"

/* [-0, +1, m] A new Expr userdata holding NULL (its slot, filled by
 * l_expr_store); the userdata owns what is stored in it. */
orm_expr **l_expr_new_slot(lua_State *L);
/* [-0, +0, v] Stores a constructor's result e (owned; NULL: out of memory)
 * in slot; raises ArgumentError (releasing e) for a tree nested too deep. */
void l_expr_store(lua_State *L, orm_expr **slot, orm_expr *e);
/* [-0, +0, v] Argument idx as an expression: an Expr stays, any other value is
 * replaced in place by a new Expr. Borrowed, valid while the slot holds it. */
orm_expr *l_expr_opnd(lua_State *L, int idx, const orm_expr *like);
/* [-0, +1, v] Converts arguments first..top in place; pushes and returns an
 * array of their (borrowed) expressions. */
orm_expr **l_expr_opnd_range(lua_State *L, int first, int top, const orm_expr *like);
/* [-0, +1, v] AND/OR of the arguments from `first` on. */
int l_expr_bool_op(lua_State *L, orm_op op, int first);
/* [-0, +1, v] op applied to argument 1 (NOT, negation, bitwise not). */
int l_expr_unary(lua_State *L, orm_op op);
/* [-0, +1, v] Argument 1 as an ORDER BY term, descending when desc. */
int l_expr_order(lua_State *L, int desc);
/* [-0, +0, e] Registers db.func, db.and_/or_/not_, db.text, db.literal and
 * db.asc/desc in the table at idx (l_expr_func.c). */
void l_expr_funcs_open(lua_State *L, int idx);

#endif
