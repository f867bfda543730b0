/* l_types.h — column-definition userdata (types, Column specs, ForeignKey). */
#ifndef L_TYPES_H
#define L_TYPES_H

#include <lua.h>
#include "schema.h"

/* A db.Column(...) spec. User value 1: { default = v, onupdate = v }. */
typedef struct l_colspec {
    orm_column col;  /* strings and fk owned by the spec */
    lua_Integer seq; /* creation order */
} l_colspec;

void l_types_open(lua_State *L, int modidx);
orm_type *l_type_test(lua_State *L, int idx);
l_colspec *l_colspec_test(lua_State *L, int idx);

#endif
