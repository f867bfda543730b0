/* l_docs.c — the one table of API documentation: for each kind of API
 * object (the db handle, the session, a query, a Result, an expression, ...)
 * what it is, and each method with its arguments and one line on what it
 * does. help(x) prints from it (orm_lua_push_help), and the "use a colon"
 * hint takes a method's arguments from it (l_docs_args). Nothing else in
 * the bindings holds user documentation strings. */
#include <stdio.h>
#include <string.h>

#include "l_docs.h"
#include "l_db.h"
#include "l_query.h"
#include "l_relation.h"
#include "orm_lua.h"

/* One kind of object: its metatable name (NULL: matched otherwise), the
 * receiver a hint writes for it, and what it is. */
typedef struct doc_kind {
    const char *kind, *mt, *receiver, *what;
} doc_kind;

static const doc_kind kinds[] = {
    {"db", L_MT_DB, "db",
     "the database handle: models, column types, expressions, errors, the session"},
    {"session", L_MT_SESSION, "db.session",
     "the Session: the unit of work that tracks new, changed and deleted objects and writes "
     "them at flush/commit"},
    {"query", L_MT_QUERY, "Author.query",
     "a Query: a SELECT built step by step; each method returns a new query, "
     "all/first/one/count... run it"},
    {"result", L_MT_RESULT, "result", "a Result: the rows a statement returned (session:execute)"},
    {"expr", L_MT_EXPR, "Author.name",
     "an SQL expression (a column, a value, a function call, a comparison); combine them with "
     "methods, not Lua operators"},
    {"func", L_MT_FUNC, "db.func",
     "SQL functions: db.func.NAME(args) is the SQL call NAME(args), e.g. db.func.count(Author.id)"},
    {"collection", L_MT_COLLECTION, "author.books",
     "a relationship collection: list-like (#c, c[i], ipairs(c)); changes are flushed with the "
     "parent"},
    {"savepoint", "orm.Savepoint", "sp", "a SAVEPOINT from db.session:begin_nested()"},
    {"page", L_MT_PAGE, "page",
     "a Pagination from query:paginate{page=, per_page=}: fields items, page, pages, total, "
     "has_next, has_prev"},
    {"model", NULL, "Author",
     "a model class: a table's rows as Lua objects; Author{...} or Author() makes a new one"},
    {"instance", NULL, "author",
     "a model instance: one row; read and assign its columns and relationships as fields"},
    {"relationship", L_MT_RELATION, NULL, "a relationship declaration (db.relationship)"},
    {"column", L_MT_COLUMN, NULL, "a column declaration (db.Column)"},
    {"type", L_MT_TYPE, NULL, "a column type (db.Integer, db.String(30), ...)"},
    {NULL, NULL, NULL, NULL},
};

/* Method (or field) docs: kind, name, arguments (NULL: a field), one line. */
static const l_doc docs[] = {
    /* the db handle; functions here are also what help(db.Column) prints */
    {"db", "Model", "name, {fields}",
     "define a model class (a table) from columns and relationships"},
    {"db", "Column", "type, {primary_key=, unique=, nullable=, default=, index=}",
     "declare a column of a model"},
    {"db", "ForeignKey", "\"table.column\"", "a column's reference to another table's key"},
    {"db", "relationship", "\"Target\", {back_populates=, backref=, secondary=, lazy=, cascade=}",
     "declare a link to another model (one-to-many, many-to-one or many-to-many)"},
    {"db", "Table", "name, db.Column(...)...",
     "a plain table (e.g. a many-to-many association table)"},
    {"db", "create_all", "", "CREATE every model's table that does not exist yet"},
    {"db", "drop_all", "", "DROP every model's table"},
    {"db", "text", "\"SQL with :name params\"",
     "a raw SQL statement or fragment; run it with db.session:execute"},
    {"db", "func", NULL, "SQL functions: db.func.count(Author.id), db.func.lower(Author.name)"},
    {"db", "and_", "e1, e2, ...", "SQL AND of expressions"},
    {"db", "or_", "e1, e2, ...", "SQL OR of expressions"},
    {"db", "not_", "e", "SQL NOT of an expression"},
    {"db", "null", NULL, "the SQL NULL (Author.email:is_(db.null))"},
    {"db", "literal", "value", "a value as a bound SQL expression"},
    {"db", "asc", "e", "ascending order for order_by"},
    {"db", "desc", "e", "descending order for order_by"},
    {"db", "case", "{{cond, value}, ...}, else", "SQL CASE WHEN ... THEN ... END"},
    {"db", "cast", "e, type", "SQL CAST(e AS type)"},
    {"db", "exists", "query", "SQL EXISTS (subquery)"},
    {"db", "aliased", "Model", "a second name for a model's table in one query (self-joins)"},
    {"db", "joinedload", "Author.books", "query option: load the relationship in the same SELECT"},
    {"db", "selectinload", "Author.books",
     "query option: load the relationship with one more IN (...) SELECT"},
    {"db", "transaction", "function() ... end",
     "run the function and commit, or roll back and re-raise"},
    {"db", "session", NULL, "the Session (help(db.session))"},
    {"db", "echo", NULL, "true: print each SQL statement before it runs"},
    {"db", "url", NULL, "the database URL"},
    {"db", "sandbox", NULL, "true in `ormsh shell --sandbox`: nothing done survives the session"},
    {"db", "checkpoint", "\"name\"", "sandbox only: remember this state to come back to"},
    {"db", "restore", "\"name\"",
     "sandbox only: rewind to a checkpoint (the session lets go of its objects)"},
    /* the session */
    {"session", "add", "obj", "add a new object; it is INSERTed at the next flush"},
    {"session", "add_all", "{obj1, obj2}", "add several objects"},
    {"session", "delete", "obj", "mark an object for DELETE at the next flush"},
    {"session", "flush", "", "write pending changes to the database (inside the transaction)"},
    {"session", "commit", "", "flush and commit the transaction"},
    {"session", "rollback", "", "discard everything not committed"},
    {"session", "close", "", "roll back and release the connection's transaction"},
    {"session", "get", "Model, pk",
     "the object with that primary key (identity map first), or nil"},
    {"session", "query", "Model | column, ...", "a new Query on models or columns"},
    {"session", "execute", "stmt, {params}", "run db.text(...) or a query; returns a Result"},
    {"session", "scalar", "stmt, {params}",
     "run a statement and return its first column of the first row"},
    {"session", "refresh", "obj", "reload an object's attributes from the database"},
    {"session", "expunge", "obj", "stop tracking an object"},
    {"session", "merge", "obj", "copy an object's state onto the session's own copy; returns it"},
    {"session", "begin_nested", "",
     "a SAVEPOINT; returns an object with :commit() and :rollback()"},
    {"session", "plan", "",
     "the statements the next flush would run, with parameters (writes nothing)"},
    {"session", "new", NULL, "the list of pending new objects"},
    {"session", "dirty", NULL, "the list of changed objects"},
    {"session", "deleted", NULL, "the list of objects marked for deletion"},
    /* queries */
    {"query", "all", "", "run the query; a list of every row"},
    {"query", "first", "", "run it with LIMIT 1; the first row or nil"},
    {"query", "one", "", "the only row (NoResultFound / MultipleResultsFound otherwise)"},
    {"query", "one_or_none", "", "the only row or nil (MultipleResultsFound if several)"},
    {"query", "scalar", "", "the first column of the first row"},
    {"query", "count", "", "SELECT count(*) of the query"},
    {"query", "get", "pk", "the object with that primary key, or nil"},
    {"query", "filter", "expr, ...", "add WHERE conditions: filter(Author.id:eq(3))"},
    {"query", "filter_by", "{name = value}", "add WHERE column = value conditions"},
    {"query", "order_by", "expr | \"name\" | \"-name\", ...", "ORDER BY"},
    {"query", "group_by", "expr, ...", "GROUP BY"},
    {"query", "having", "expr", "HAVING (with group_by)"},
    {"query", "limit", "n", "LIMIT n"},
    {"query", "offset", "n", "OFFSET n"},
    {"query", "slice", "start, stop", "OFFSET start LIMIT stop - start"},
    {"query", "distinct", "", "SELECT DISTINCT"},
    {"query", "join", "Model | Author.books, [on]",
     "INNER JOIN another model or along a relationship"},
    {"query", "outerjoin", "Model | Author.books, [on]", "LEFT OUTER JOIN"},
    {"query", "select_from", "Model", "the FROM the joins start from"},
    {"query", "with_entities", "column, ...", "select these columns instead"},
    {"query", "add_columns", "column, ...", "select these columns too"},
    {"query", "options", "db.joinedload(...), ...", "eager loading options"},
    {"query", "subquery", "[name]", "the query as a FROM subquery"},
    {"query", "exists", "", "EXISTS (the query), an expression"},
    {"query", "scalar_subquery", "", "the query as a one-value expression"},
    {"query", "label", "name", "the scalar subquery with a name"},
    {"query", "paginate", "{page = 1, per_page = 20}", "one page of results (help(page))"},
    {"query", "update", "{name = value}", "UPDATE the matching rows; returns the count"},
    {"query", "delete", "", "DELETE the matching rows; returns the count"},
    /* results */
    {"result", "all", "", "every row, as a list"},
    {"result", "first", "", "the first row or nil"},
    {"result", "one", "", "the only row (NoResultFound / MultipleResultsFound otherwise)"},
    {"result", "one_or_none", "", "the only row or nil"},
    {"result", "scalar", "", "the first column of the first row"},
    {"result", "scalar_one", "", "the only row's first column"},
    {"result", "scalar_one_or_none", "", "the only row's first column, or nil"},
    {"result", "scalars", "", "the first column of every row, as a list"},
    {"result", "keys", "", "the column names"},
    {"result", "rowcount", NULL, "rows changed by an UPDATE/DELETE"},
    /* expressions */
    {"expr", "eq", "value", "= (== in Lua only compares Lua objects)"},
    {"expr", "ne", "value", "<> (not equal)"},
    {"expr", "lt", "value", "< (less than)"},
    {"expr", "le", "value", "<= (less or equal)"},
    {"expr", "gt", "value", "> (greater than)"},
    {"expr", "ge", "value", ">= (greater or equal)"},
    {"expr", "like", "\"pattern%\"", "LIKE (case-sensitive pattern)"},
    {"expr", "ilike", "\"pattern%\"", "case-insensitive LIKE"},
    {"expr", "not_like", "\"pattern%\"", "NOT LIKE"},
    {"expr", "not_ilike", "\"pattern%\"", "case-insensitive NOT LIKE"},
    {"expr", "contains", "\"text\"", "LIKE '%text%'"},
    {"expr", "startswith", "\"text\"", "LIKE 'text%'"},
    {"expr", "endswith", "\"text\"", "LIKE '%text'"},
    {"expr", "in_", "{v1, v2} | query", "IN (...)"},
    {"expr", "not_in", "{v1, v2} | query", "NOT IN (...)"},
    {"expr", "between", "low, high", "BETWEEN low AND high"},
    {"expr", "is_", "db.null", "IS (NULL)"},
    {"expr", "is_not", "db.null", "IS NOT (NULL)"},
    {"expr", "and_", "expr", "AND (also e1 & e2)"},
    {"expr", "or_", "expr", "OR (also e1 | e2)"},
    {"expr", "label", "name", "AS name (a column name in results)"},
    {"expr", "asc", "", "ascending order"},
    {"expr", "desc", "", "descending order"},
    {"expr", "cast", "type", "CAST(expr AS type)"},
    {"expr", "distinct", "", "DISTINCT expr (in an aggregate)"},
    /* db.func */
    {"func", "count", "[expr]", "count(expr), or count(*)"},
    {"func", "sum", "expr", "sum of the values"},
    {"func", "avg", "expr", "average"},
    {"func", "min", "expr", "smallest value"},
    {"func", "max", "expr", "largest value"},
    {"func", "lower", "expr", "lower-case text (any other SQL function works the same way)"},
    /* collections */
    {"collection", "append", "obj", "add an object to the relationship (both sides kept in step)"},
    {"collection", "remove", "obj", "remove an object from the relationship"},
    {"collection", "contains", "obj", "true when the object is in the collection"},
    {"collection", "iter", "", "an iterator: for b in c:iter() do ... end"},
    /* savepoints and pages */
    {"savepoint", "commit", "", "RELEASE the savepoint (keep its changes)"},
    {"savepoint", "rollback", "", "ROLLBACK TO the savepoint (undo what came after it)"},
    {"page", "next", "", "the next page"},
    {"page", "prev", "", "the previous page"},
    /* model classes and instances */
    {"model", "query", NULL, "a Query on this model: Author.query:filter_by{name = \"x\"}:all()"},
    {"model", "__tablename", NULL, "the table's name"},
    {"instance", "(columns)", NULL,
     "read or assign: author.name = \"x\" (written at the next flush)"},
    {"instance", "(relationships)", NULL,
     "an object (many-to-one) or a collection (one-to-many, many-to-many)"},
    {NULL, NULL, NULL, NULL},
};

const l_doc *l_docs_find(const char *kind, const char *name)
{
    for (const l_doc *d = docs; d->kind; d++)
        if (strcmp(d->kind, kind) == 0 && strcmp(d->name, name) == 0) return d;
    return NULL;
}

const char *l_docs_kind_of_mt(const char *mt, const char **receiver)
{
    for (const doc_kind *k = kinds; k->kind; k++)
        if (k->mt && (strcmp(k->mt, mt) == 0 || strcmp(k->mt + 4, mt) == 0)) { /* "orm." */
            if (receiver) *receiver = k->receiver;
            return k->kind;
        }
    return NULL;
}

static const doc_kind *find_kind(const char *kind)
{
    for (const doc_kind *k = kinds; k->kind; k++)
        if (strcmp(k->kind, kind) == 0) return k;
    return NULL;
}

/* [-0, +0, m] Adds "  name(args)  doc" lines for every entry of kind. */
static void add_entries(luaL_Buffer *b, const char *kind)
{
    int methods = 0, fields = 0;
    for (const l_doc *d = docs; d->kind; d++) {
        if (strcmp(d->kind, kind) != 0) continue;
        if (d->args && !methods++) luaL_addstring(b, "  methods:\n");
        if (!d->args) continue;
        char sig[128], line[512];
        snprintf(sig, sizeof sig, "%s(%s)", d->name, d->args);
        snprintf(line, sizeof line, "    %-34s %s\n", sig, d->doc);
        luaL_addstring(b, line);
    }
    for (const l_doc *d = docs; d->kind; d++) {
        if (strcmp(d->kind, kind) != 0 || d->args) continue;
        if (!fields++) luaL_addstring(b, "  fields:\n");
        char line[512];
        snprintf(line, sizeof line, "    %-34s %s\n", d->name, d->doc);
        luaL_addstring(b, line);
    }
}

/* [-0, +1, m] The text for the kind: what it is, then its members. */
static void push_kind_help(lua_State *L, const char *kind, const char *title)
{
    const doc_kind *k = find_kind(kind);
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    lua_pushfstring(L, "%s: %s\n", title, k ? k->what : kind);
    luaL_addvalue(&b);
    add_entries(&b, kind);
    luaL_pushresult(&b);
}

/* [-0, +1, m] The help of a db function (db.Column, db.text, ...) when the
 * value at idx is one of the db handle's documented fields; else nothing
 * pushed and 0 returned. db at dbidx (may be nil). */
static int push_db_field_help(lua_State *L, int idx, int dbidx)
{
    if (!lua_isfunction(L, idx) && !lua_isuserdata(L, idx)) return 0;
    if (!luaL_testudata(L, dbidx, L_MT_DB)) return 0;
    for (const l_doc *d = docs; d->kind; d++) {
        if (strcmp(d->kind, "db") != 0) continue;
        lua_getfield(L, dbidx, d->name);
        int same = lua_rawequal(L, -1, idx);
        lua_pop(L, 1);
        if (!same) continue;
        if (d->args)
            lua_pushfstring(L, "db.%s(%s)\n  %s\n", d->name, d->args, d->doc);
        else
            lua_pushfstring(L, "db.%s\n  %s\n", d->name, d->doc);
        return 1;
    }
    return 0;
}

void orm_lua_push_help(lua_State *L, int idx, int dbidx, const char *title)
{
    idx = lua_absindex(L, idx);
    dbidx = lua_absindex(L, dbidx);
    const char *kind = NULL;
    if (luaL_getmetafield(L, idx, "__name") == LUA_TSTRING) {
        kind = l_docs_kind_of_mt(lua_tostring(L, -1), NULL);
        lua_pop(L, 1);
    } else if (lua_istable(L, idx)) {
        lua_pushliteral(L, "__table");
        int model = lua_rawget(L, idx) == LUA_TTABLE;
        lua_pop(L, 1);
        if (model) kind = "model";
    }
    if (kind)
        push_kind_help(L, kind, title);
    else if (!push_db_field_help(L, idx, dbidx))
        lua_pushnil(L);
}

void orm_lua_push_kind_help(lua_State *L, const char *kind)
{
    const doc_kind *k = find_kind(kind);
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    if (k) {
        lua_pushfstring(L, "  (%s)\n", k->what);
        luaL_addvalue(&b);
    }
    add_entries(&b, kind);
    luaL_pushresult(&b);
}

/* lua_CFunction (decl) -> "Book, one-to-many" */
static int rel_summary(lua_State *L)
{
    static const char *const dir[] = {"many-to-one", "one-to-many", "many-to-many"};
    orm_rel *r = l_rel_resolve(L, 1);
    l_class_push(L, r->target);
    const char *target = r->target->name;
    if (lua_istable(L, -1) && lua_getfield(L, -1, "__name") == LUA_TSTRING)
        target = lua_tostring(L, -1);
    int k = r->kind >= ORM_REL_M2O && r->kind <= ORM_REL_M2M ? r->kind : ORM_REL_M2O;
    const char *d = dir[k];
    if (r->kind == ORM_REL_O2M && !r->uselist) d = "one-to-one";
    lua_pushfstring(L, "%s, %s", target, d);
    return 1;
}

void orm_lua_push_rel_summary(lua_State *L, int idx)
{
    idx = lua_absindex(L, idx);
    lua_pushcfunction(L, rel_summary);
    lua_pushvalue(L, idx);
    if (lua_pcall(L, 1, 1, 0) != LUA_OK || lua_type(L, -1) != LUA_TSTRING) {
        lua_pop(L, 1);
        lua_pushnil(L);
    }
}
