/* l_json.h — JSON text <-> Lua values for db.JSON columns (l_value.c). */
#ifndef L_JSON_H
#define L_JSON_H

#include <lua.h>

#include "buf.h"
#include "error.h"

#define L_JSON_MAX_DEPTH 128

/* [-0, +0, -] Appends the JSON text of the Lua value at idx to b: tables of
 * strings, numbers, booleans, db.null and nested tables (arrays for sequences
 * 1..n, objects with sorted keys for string keys, {} when empty), or a plain
 * string, number, boolean. Returns 0, ORM_ENOMEM, or ORM_EFAIL with a
 * DataError in err naming the problem and where it is ("$.tags[2]"). */
int l_json_encode(lua_State *L, int idx, orm_buf *b, orm_error *err);
/* [-0, +0, -] Appends s (n bytes of UTF-8) as a JSON string to b. 0,
 * ORM_ENOMEM, or ORM_EFAIL with a DataError for invalid UTF-8. */
int l_json_encode_string(orm_buf *b, const char *s, size_t n, orm_error *err);

/* [-0, +(0|1), m] Decodes the JSON text s (n bytes) and pushes the value
 * (objects and arrays as tables, null as nil). Returns 0, or -1 with nothing
 * pushed when s is not valid JSON or nests deeper than L_JSON_MAX_DEPTH. */
int l_json_decode(lua_State *L, const char *s, size_t n);

/* Writes the shortest "%.{15,16,17}g" text of d that reads back as d, with a
 * '.' decimal point whatever the locale, into buf (at least
 * L_JSON_NUMBUF bytes); d must be finite. Returns the length. Used for JSON
 * and for unscaled Numeric values. */
#define L_JSON_NUMBUF 40
size_t l_json_format_double(char *buf, double d);

#endif
