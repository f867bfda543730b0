/* l_docs.h — the bindings' one table of API documentation (l_docs.c): a
 * method's arguments and one-line description, looked up by the kind of
 * object ("session", "query", ...) that owns it. Strings are static. */
#ifndef L_DOCS_H
#define L_DOCS_H

#include <lua.h>

typedef struct l_doc {
    const char *kind, *name;
    const char *args; /* "obj", "" for none; NULL for a field */
    const char *doc;
} l_doc;

/* The entry for kind's member name, or NULL. */
const l_doc *l_docs_find(const char *kind, const char *name);
/* The kind documenting objects whose metatable is named mt ("orm.Session"
 * -> "session"), or NULL; *receiver (if given) gets the expression a hint
 * writes for such an object ("db.session"), which may be NULL. */
const char *l_docs_kind_of_mt(const char *mt, const char **receiver);

/* [-0, +0, e] Adds __lt/__le to the orm.Expr metatable: `Author.id < 3`
 * raises an ArgumentError naming the method to use (l_hint.c). */
void l_hint_open(lua_State *L);

#endif
