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
     "a Query: a select statement built step by step; each method returns a new query, "
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
    {"savepoint", "orm.Savepoint", "sp", "a savepoint from db.session:begin_nested()"},
    {"page", L_MT_PAGE, "page",
     "a Pagination from query:paginate{page=, per_page=}: fields items, page, pages, total, "
     "has_next, has_prev"},
    {"model", NULL, "Author",
     "a model class: a table's rows as Lua objects; Author{...} or Author() makes a new one"},
    {"instance", NULL, "author",
     "a model instance: one row; read and assign its columns and relationships as fields"},
    {"relationship", L_MT_RELATION, NULL, "a relationship declaration (db.relationship)"},
    {"audit", NULL, "db.audit", "the audit log (table ormsh_audit) of what ormsh writes"},
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
    {"db", "Index", "name, column, ...",
     "an index in a model's fields ({unique = true} for a unique one)"},
    {"db", "UniqueConstraint", "column, ...",
     "a unique constraint over several columns, in a model's fields"},
    {"db", "create_all", "", "create every model's table that does not exist yet"},
    {"db", "drop_all", "", "drop every model's table"},
    {"db", "text", "\"SQL with :name params\"",
     "a raw SQL statement or fragment; run it with db.session:execute"},
    {"db", "select", "Model | column, ...",
     "a 2.0-style select statement; run it with db.session:execute or :scalars"},
    {"db", "paginate", "select, {page = 1, per_page = 20}", "one page of a db.select (help(page))"},
    {"db", "func", NULL, "SQL functions: db.func.count(Author.id), db.func.lower(Author.name)"},
    {"db", "and_", "e1, e2, ...", "true when every expression is (a conjunction)"},
    {"db", "or_", "e1, e2, ...", "true when any expression is (a disjunction)"},
    {"db", "not_", "e", "the negation of an expression"},
    {"db", "null", NULL, "the SQL NULL (Author.email:is_(db.null))"},
    {"db", "literal", "value", "a value as a bound SQL expression"},
    {"db", "asc", "e", "ascending order for order_by"},
    {"db", "desc", "e", "descending order for order_by"},
    {"db", "distinct", "e", "only the distinct values of e (inside an aggregate)"},
    {"db", "case", "{{cond, value}, ...}, else",
     "the value of the first true condition, else the last"},
    {"db", "cast", "e, type", "an expression converted to a column type"},
    {"db", "exists", "query", "true when the subquery finds a row"},
    {"db", "aliased", "Model", "a second name for a model's table in one query (self-joins)"},
    {"db", "joinedload", "Author.books",
     "query option: load the relationship in the same statement"},
    {"db", "selectinload", "Author.books",
     "query option: load the relationship with one more query by the parents' keys"},
    {"db", "transaction", "function() ... end",
     "run the function and commit, or roll back and re-raise"},
    {"db", "seed", "file, [{dry_run =, progress =}]",
     "run a seed script in one transaction (as `ormsh db seed`); returns counts per table"},
    {"db", "upsert", "Model, {rows}, {on = {...}, update = {...}}",
     "insert rows, updating those colliding on `on`; returns how many rows it wrote"},
    {"db", "dump", "[path, [{tables =, progress =}]]",
     "write every row as JSON fixtures (stdout without a path); returns the row count"},
    {"db", "load", "path, [{replace =, progress =}]",
     "load JSON fixtures in one transaction, parents first; returns the row count"},
    {"db", "stats", "", "per statement shape: calls, rows and times, the slowest first"},
    {"db", "stats_reset", "", "forget the statement statistics"},
    {"db", "metrics", "", "the statistics as Prometheus text"},
    {"db", "replicas", "", "each read replica's url, state and lag"},
    {"db", "reflect", "", "models for the tables no model maps; returns the new class names"},
    {"db", "reflect_source", "", "models.lua text for every table of the database"},
    {"db", "diagram", "", "the models' tables and relationships as a Graphviz dot text"},
    {"db", "audit", NULL, "the audit log: db.audit.enable(), db.audit.log{...} (help(db.audit))"},
    {"db", "session", NULL, "the Session (help(db.session))"},
    {"db", "echo", NULL, "true: print each SQL statement before it runs"},
    {"db", "url", NULL, "the database URL"},
    {"db", "statements", NULL, "how many statements ran on the connection so far"},
    {"db", "sandbox", NULL, "true in `ormsh shell --sandbox`: nothing done survives the session"},
    {"db", "checkpoint", "\"name\"", "sandbox only: remember this state to come back to"},
    {"db", "restore", "\"name\"",
     "sandbox only: rewind to a checkpoint (the session lets go of its objects)"},
    /* the session */
    {"session", "add", "obj", "add a new object; it is inserted at the next flush"},
    {"session", "add_all", "{obj1, obj2}", "add several objects"},
    {"session", "delete", "obj", "mark an object to be deleted at the next flush"},
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
    {"session", "scalars", "stmt, {params}",
     "run a statement; the first column of each row (a ScalarResult)"},
    {"session", "refresh", "obj", "reload an object's attributes from the database"},
    {"session", "expunge", "obj", "stop tracking an object"},
    {"session", "merge", "obj", "copy an object's state onto the session's own copy; returns it"},
    {"session", "begin_nested", "",
     "a savepoint; returns an object with :commit() and :rollback()"},
    {"session", "plan", "",
     "the statements the next flush would run, with parameters (writes nothing)"},
    {"session", "new", NULL, "the list of pending new objects"},
    {"session", "dirty", NULL, "the list of changed objects"},
    {"session", "deleted", NULL, "the list of objects marked for deletion"},
    /* queries */
    {"query", "all", "", "run the query; a list of every row"},
    {"query", "first", "", "run it for one row only; the first row or nil"},
    {"query", "one", "", "the only row (NoResultFound / MultipleResultsFound otherwise)"},
    {"query", "one_or_none", "", "the only row or nil (MultipleResultsFound if several)"},
    {"query", "scalar", "", "the first column of the first row"},
    {"query", "count", "", "how many rows the query finds (counted by the database)"},
    {"query", "get", "pk", "the object with that primary key, or nil"},
    {"query", "filter", "expr, ...", "keep the rows matching conditions: filter(Author.id:eq(3))"},
    {"query", "filter_by", "{name = value}", "keep the rows whose columns equal these values"},
    {"query", "where", "expr, ...", "the same as filter (the 2.0 style's name)"},
    {"query", "order_by", "expr | \"name\" | \"-name\", ...",
     "sort the rows (\"-name\": descending)"},
    {"query", "group_by", "expr, ...", "one row per group of equal values (with aggregates)"},
    {"query", "having", "expr", "keep the groups matching a condition (with group_by)"},
    {"query", "limit", "n", "at most n rows"},
    {"query", "offset", "n", "skip the first n rows"},
    {"query", "slice", "start, stop", "rows start+1 to stop (skip start, keep stop - start)"},
    {"query", "distinct", "", "drop duplicate rows"},
    {"query", "with_for_update", "[{read = true}]",
     "lock the rows it reads until the transaction ends (read: a shared lock)"},
    {"query", "yield_per", "n", "for obj in q do ... end loads n rows at a time"},
    {"query", "using", "\"primary\" | \"replica\"", "where the query runs when replicas are set"},
    {"query", "join", "Model | Author.books, [on]",
     "an inner join with another model or along a relationship"},
    {"query", "outerjoin", "Model | Author.books, [on]",
     "a left outer join: keeps rows with no match"},
    {"query", "select_from", "Model", "the model the joins start from"},
    {"query", "with_entities", "column, ...", "select these columns instead"},
    {"query", "add_columns", "column, ...", "select these columns too"},
    {"query", "options", "db.joinedload(...), ...", "eager loading options"},
    {"query", "subquery", "[name]", "the query as a table to select from or join"},
    {"query", "exists", "", "an expression: true when the query finds a row"},
    {"query", "scalar_subquery", "", "the query as a one-value expression"},
    {"query", "as_scalar", "", "the same as scalar_subquery"},
    {"query", "label", "name", "the scalar subquery with a name"},
    {"query", "paginate", "{page = 1, per_page = 20}", "one page of results (help(page))"},
    {"query", "update", "{name = value}",
     "change the matching rows in one statement; returns the count"},
    {"query", "delete", "", "delete the matching rows in one statement; returns the count"},
    {"query", "explain", "", "the backend's plan for the query, as text"},
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
    {"result", "fetchone", "", "the next row, or nil when none is left"},
    {"result", "fetchmany", "n", "the next n rows (fewer at the end), as a list"},
    {"result", "fetchall", "", "the rows not fetched yet, as a list"},
    {"result", "mappings", "", "the rows as tables keyed by column name"},
    {"result", "rowcount", NULL, "rows changed by an update or delete statement"},
    /* expressions */
    {"expr", "eq", "value", "= (== in Lua only compares Lua objects)"},
    {"expr", "ne", "value", "<> (not equal)"},
    {"expr", "lt", "value", "< (less than)"},
    {"expr", "le", "value", "<= (less or equal)"},
    {"expr", "gt", "value", "> (greater than)"},
    {"expr", "ge", "value", ">= (greater or equal)"},
    {"expr", "like", "\"pattern%\"", "matches a pattern (% any text, _ one character)"},
    {"expr", "ilike", "\"pattern%\"", "matches a pattern, ignoring case"},
    {"expr", "not_like", "\"pattern%\"", "does not match a pattern"},
    {"expr", "not_ilike", "\"pattern%\"", "does not match a pattern, ignoring case"},
    {"expr", "contains", "\"text\"", "contains the text (taken literally)"},
    {"expr", "startswith", "\"text\"", "starts with the text"},
    {"expr", "endswith", "\"text\"", "ends with the text"},
    {"expr", "in_", "{v1, v2} | query", "equal to one of the values"},
    {"expr", "not_in", "{v1, v2} | query", "equal to none of the values"},
    {"expr", "between", "low, high", "from low to high, both included"},
    {"expr", "is_", "db.null", "is null (is_(db.null))"},
    {"expr", "is_not", "db.null", "is not null"},
    {"expr", "and_", "expr", "both are true (also e1 & e2)"},
    {"expr", "or_", "expr", "either is true (also e1 | e2)"},
    {"expr", "label", "name", "a name for it as a column of the results"},
    {"expr", "asc", "", "ascending order"},
    {"expr", "desc", "", "descending order"},
    {"expr", "cast", "type", "converted to a column type"},
    {"expr", "distinct", "", "its distinct values only (inside an aggregate)"},
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
    {"savepoint", "commit", "", "release the savepoint (keep its changes)"},
    {"savepoint", "rollback", "", "roll back to the savepoint (undo what came after it)"},
    {"page", "next", "", "the next page"},
    {"page", "prev", "", "the previous page"},
    /* model classes and instances */
    {"model", "query", NULL, "a Query on this model: Author.query:filter_by{name = \"x\"}:all()"},
    {"model", "__tablename", NULL, "the table's name"},
    {"model", "__table", NULL, "a description: name and columns (type, keys, nullable)"},
    {"model", "get_or_create", "{lookup}, [{defaults}]",
     "the row matching lookup, or a new one made from lookup and defaults; obj, created"},
    {"model", "update_or_create", "{lookup}, [{values}]",
     "find the row by lookup and set values, or make it; obj, created"},
    {"model", "history_at", "pk, \"2024-01-01 10:00:00\"",
     "with __versioned: the row as it was at that instant, or nil"},
    {"instance", "(columns)", NULL,
     "read or assign: author.name = \"x\" (written at the next flush)"},
    {"instance", "(relationships)", NULL,
     "an object (many-to-one) or a collection (one-to-many, many-to-many)"},
    {"instance", "history", "", "with __versioned: the row's earlier states, oldest first"},
    /* db.audit */
    {"audit", "enable", "", "record every insert, update and delete ormsh writes"},
    {"audit", "log", "{table =, actor =, since =, limit =}",
     "the audit entries, newest first (print them with .mode box)"},
    {"audit", "actor", NULL, "who acts: a name you assign (default: the OS user)"},
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
        if (model) {
            kind = "model";
        } else if (luaL_testudata(L, dbidx, L_MT_DB)) {
            lua_getfield(L, dbidx, "audit");
            if (lua_rawequal(L, -1, idx)) kind = "audit";
            lua_pop(L, 1);
        }
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
    l_rel *r = l_rel_resolve(L, 1);
    l_class_push(L, r->target);
    const char *target = r->target->name;
    if (lua_istable(L, -1) && lua_getfield(L, -1, "__name") == LUA_TSTRING)
        target = lua_tostring(L, -1);
    int k = r->kind >= REL_M2O && r->kind <= REL_M2M ? r->kind : REL_M2O;
    const char *d = dir[k];
    if (r->kind == REL_O2M && !r->uselist) d = "one-to-one";
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
