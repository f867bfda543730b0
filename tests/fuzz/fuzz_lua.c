/* fuzz_lua.c — libFuzzer target: Lua code against loaded models (Author,
 * Book, a relationship) on an in-memory SQLite database, through the real
 * bindings. An input starting with a NUL byte is a raw Lua chunk; any other
 * input is a program in a small grammar: each byte picks an API call
 * template, the next bytes its operands (valid and invalid values, Exprs,
 * queries, instances). Every statement runs in pcall: errors are expected,
 * crashes and sanitizer reports are findings. An instruction budget and a
 * memory cap keep runaway code bounded; io, os and debug are not there.
 * FUZZ_LUA_PRINT=1 in the environment prints each generated program. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>

#include "capped_lua.h"
#include "orm_lua.h"

static const char SETUP[] =
    "db = require('orm').connect('sqlite://')\n"
    "Author = db.Model('Author', { id = db.Column(db.Integer, { primary_key = true }),\n"
    "  name = db.Column(db.String(20), { nullable = false, unique = true }),\n"
    "  score = db.Column(db.Float), born = db.Column(db.Date), data = db.Column(db.JSON),\n"
    "  books = db.relationship('Book', { backref = 'author', cascade = 'all, delete-orphan' }),\n"
    "  profile = db.relationship('Profile', { uselist = false, cascade = 'all, delete-orphan' }) "
    "})\n"
    "Book = db.Model('Book', { id = db.Column(db.Integer, { primary_key = true }),\n"
    "  title = db.Column(db.String(30)), author_id = db.Column(db.Integer, "
    "db.ForeignKey('author.id')),\n"
    "  tags = db.relationship('Tag', { secondary = 'book_tag', back_populates = 'books' }) })\n"
    "Tag = db.Model('Tag', { id = db.Column(db.Integer, { primary_key = true }),\n"
    "  name = db.Column(db.String(10)),\n"
    "  books = db.relationship('Book', { secondary = 'book_tag', back_populates = 'tags' }) })\n"
    "db.Table('book_tag', db.Column('book_id', db.Integer, db.ForeignKey('book.id')),\n"
    "  db.Column('tag_id', db.Integer, db.ForeignKey('tag.id')))\n"
    "Profile = db.Model('Profile', { id = db.Column(db.Integer, { primary_key = true }),\n"
    "  bio = db.Column(db.Text), author_id = db.Column(db.Integer, db.ForeignKey('author.id')) })\n"
    "Node = db.Model('Node', { id = db.Column(db.Integer, { primary_key = true }),\n"
    "  name = db.Column(db.String(10)), parent_id = db.Column(db.Integer, "
    "db.ForeignKey('node.id')),\n"
    "  parent = db.relationship('Node', { remote_side = 'id', back_populates = 'children' }),\n"
    "  children = db.relationship('Node', { back_populates = 'parent', cascade = 'all, "
    "delete-orphan' }) })\n"
    "db.create_all()\n"
    "io, os, debug, dofile, loadfile, require = nil, nil, nil, nil, nil, nil\n";

static const char *const OPERANDS[] = {
    "Author.id",
    "Author.name",
    "Author.score",
    "Book.title",
    "Book.author_id",
    "1",
    "-1",
    "0",
    "2^63",
    "1.5",
    "0/0",
    "1/0",
    "'x'",
    "''",
    "'%'",
    "('x'):rep(40)",
    "'\\0'",
    "nil",
    "true",
    "db.null",
    "{}",
    "{1,2}",
    "print",
    "Author",
    "Author.query",
    "q",
    "a",
    "b",
    "db.func.lower(Author.name)",
    "db.func.count(Author.id)",
    "Author.name:like('%a%')",
    "Author.id:eq(1)",
    "db.and_(Author.id:eq(1), Book.id:eq(2))",
    "db.text('1')",
    "db",
    "db.session",
    "Author.query:subquery()",
    "Author.query:filter(Author.id:gt(0))",
    "'2024-01-02'",
    "t",
    "n",
    "Tag",
    "Node",
    "b and b.tags",
    "a and a.books",
    "n and n.children",
    "{ b, b }",
    "{ a, b, t }",
};
static const char *const CALLS[] = {
    "q = Author.query:filter((%s):eq(%s))",
    "local _ = q:all()",
    "local _ = Author.query:filter_by{ name = %s }:first()",
    "a = Author{ name = %s, score = %s } db.session:add(a)",
    "b = Book{ title = %s } if a then a.books:append(b) end",
    "db.session:commit()",
    "db.session:rollback()",
    "db.session:flush()",
    "local _ = (%s + %s)",
    "local _ = (%s .. %s)",
    "local _ = db.or_(%s, %s)",
    "local _ = Author.query:filter((%s):in_({%s, %s})):count()",
    "a.name = %s",
    "a.score = %s",
    "a.data = %s",
    "db.session:delete(%s)",
    "local _ = Author.query:order_by(%s):limit(%s):all()",
    "local _ = db.session:execute(db.text('SELECT :x AS x'), { x = %s }):all()",
    "local _ = Author.query:get(%s)",
    "local _ = Author.query:filter(%s):update{ name = %s }",
    "local _ = Author.query:filter(%s):delete()",
    "local _ = tostring(%s)",
    "local _ = Author.query:paginate{ page = %s, per_page = %s }",
    "local _ = Author.query:join(Book):filter(%s):all()",
    "local _ = getmetatable(%s)",
    "local _ = #%s",
    "local _ = (%s)[%s]",
    "(%s).name = %s",
    "local _ = (%s):all()",
    "local _ = a and a.books:remove(%s)",
    "local _ = Author.query:with_entities(%s, db.func.count(Book.id)):group_by(%s):all()",
    "local _ = Author.query:options(db.selectinload(Author.books)):all()",
    "local e = %s for i = 1, 2000 do e = e + 1 end",
    "collectgarbage()",
    "t = Tag{ name = %s } if b then b.tags:append(t) end",
    "if t and b then t.books:remove(b) end",
    "b = Book{ title = %s, author = %s }",
    "if b then b.author = %s end",
    "if a then a.books = { %s, %s } end",
    "if a then a.profile = %s end",
    "if a then a.profile = Profile{ bio = %s } end",
    "n = Node{ name = %s, parent = n }",
    "if n then n.parent = %s end",
    "if n then n.children:append(Node{ name = %s }) end",
    "if n then n.children = %s end",
    "local _ = Author.query:options(db.joinedload(Author.books)):limit(%s):all()",
    "local _ = Book.query:options(db.selectinload(Book.tags), db.joinedload(Book.author)):all()",
    "local _ = Node.query:options(db.selectinload(Node.children)):all()",
    "db.session:expunge(%s)",
    "local _ = db.session:merge(%s)",
    "local sp = db.session:begin_nested(); (%s).name = %s; sp:rollback()",
    "db.session:refresh(%s)",
    "for _, x in ipairs(%s) do local _ = x.id end",
    "local _ = (%s):contains(%s)",
    "for x in (%s):iter() do local _ = x.author end",
    "db.session:add(%s)",
    "local _ = db.session.new, db.session.dirty, db.session.deleted",
};

static void gen(luaL_Buffer *B, const uint8_t *d, size_t n)
{
    const size_t nops = sizeof OPERANDS / sizeof OPERANDS[0];
    const size_t ncalls = sizeof CALLS / sizeof CALLS[0];
    size_t i = 0;
    while (i < n) {
        const char *t = CALLS[d[i++] % ncalls];
        luaL_addstring(B, "pcall(function() ");
        for (const char *p = t; *p; p++) {
            if (p[0] == '%' && p[1] == 's') {
                luaL_addstring(B, OPERANDS[(i < n ? d[i++] : 0) % nops]);
                p++;
            } else {
                luaL_addchar(B, *p);
            }
        }
        luaL_addstring(B, " end)\n");
    }
}

/* Every template must parse with every operand in its places: one that
 * does not is a syntax error voiding the whole input it lands in. Checked
 * once at start-up (abort: the grammar is broken). */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    const size_t nops = sizeof OPERANDS / sizeof OPERANDS[0];
    const size_t ncalls = sizeof CALLS / sizeof CALLS[0];
    lua_State *L = luaL_newstate();
    if (!L) abort();
    for (size_t c = 0; c < ncalls; c++) {
        for (size_t o = 0; o < nops; o++) {
            uint8_t d[4] = {(uint8_t)c, (uint8_t)o, (uint8_t)o, (uint8_t)o};
            luaL_Buffer B;
            luaL_buffinit(L, &B);
            gen(&B, d, sizeof d);
            luaL_pushresult(&B);
            if (luaL_loadstring(L, lua_tostring(L, -1)) != LUA_OK) {
                fprintf(stderr, "fuzz_lua: template %zu does not parse: %s\n", c,
                        lua_tostring(L, -1));
                abort();
            }
            lua_settop(L, 0);
        }
    }
    lua_close(L);
    return 0;
}

/* Each input runs in a state of its own, closed after it: an input cannot
 * change what the next one sees (a finding replays alone), and with every
 * allocation freed by the end of the input libFuzzer's leak check, which
 * scans the heap only when an input's mallocs and frees differ, stays
 * quiet unless something really leaked. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    lua_State *L = lua_newstate(cap_alloc, NULL);
    if (!L) abort();
    luaL_openlibs(L);
    luaL_requiref(L, "orm", luaopen_orm, 0);
    lua_pop(L, 1);
    if (luaL_dostring(L, SETUP) != LUA_OK) abort();
    int rc;
    if (size > 0 && data[0] == 0) {
        rc = luaL_loadbufferx(L, (const char *)data + 1, size - 1, "=fuzz", "t");
    } else {
        luaL_Buffer B;
        luaL_buffinit(L, &B);
        gen(&B, data, size);
        luaL_pushresult(&B);
        size_t len;
        const char *code = lua_tolstring(L, -1, &len);
        if (getenv("FUZZ_LUA_PRINT")) fprintf(stderr, "%s", code); /* to replay a finding */
        rc = luaL_loadbufferx(L, code, len, "=fuzz", "t");
        lua_remove(L, -2);
    }
    if (rc == LUA_OK) {
        lua_sethook(L, budget, LUA_MASKCOUNT, FUZZ_BUDGET);
        lua_pcall(L, 0, 0, 0);
        lua_sethook(L, NULL, 0, 0);
    }
    lua_close(L);
    if (cap_used != 0) abort(); /* the state gave back all it took */
    return 0;
}
