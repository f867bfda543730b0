/* fuzz_fixture.c — libFuzzer target: JSON as it comes from outside. Each
 * input is, first, JSON text for the decoder of db.JSON columns: when it
 * decodes and its value encodes, the text encoded once must decode and encode
 * again to exactly the same text (no value changes on a second trip); and
 * then a fixture file loaded by db.load (what `ormsh db load FILE` runs),
 * with and without replace, into an in-memory SQLite database whose models
 * have a column of every type and a foreign key. Errors are expected; crashes,
 * sanitizer reports, leaks and a value that changes are findings. The file
 * lives in a temporary directory (on a tmpfs where there is one). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>

#include "capped_lua.h"
#include "l_json.h"
#include "orm_lua.h"

static lua_State *L;
static char path[80]; /* the fixture file */

static const char SETUP[] =
    "db = require('orm').connect('sqlite://')\n"
    "Author = db.Model('Author', { id = db.Column(db.Integer, { primary_key = true }),\n"
    "  name = db.Column(db.String(20), { nullable = false, unique = true }),\n"
    "  score = db.Column(db.Float), price = db.Column(db.Numeric(8, 2)),\n"
    "  born = db.Column(db.Date), seen = db.Column(db.DateTime), ok = db.Column(db.Boolean),\n"
    "  photo = db.Column(db.LargeBinary), data = db.Column(db.JSON), bio = db.Column(db.Text) })\n"
    "Book = db.Model('Book', { id = db.Column(db.Integer, { primary_key = true }),\n"
    "  title = db.Column(db.String(30)), author_id = db.Column(db.Integer, "
    "db.ForeignKey('author.id'), { nullable = false }) })\n"
    "db.create_all()\n"
    "db.session:add(Author{ id = 1, name = 'Ann' }) db.session:commit()\n"
    "io, os, debug, dofile, loadfile, require = nil, nil, nil, nil, nil, nil\n";

/* Rows the loads left are removed, the first author put back. */
static const char RESET[] = "pcall(function() db.session:rollback()\n"
                            "  db.session:execute(db.text('DELETE FROM book'))\n"
                            "  db.session:execute(db.text('DELETE FROM author WHERE id <> 1'))\n"
                            "  db.session:commit() end)\n";

/* [-0, +0, -] The encoding of the value at the top (popped), or NULL. */
static char *encode_top(size_t *len)
{
    orm_buf b;
    orm_error err;
    orm_buf_init(&b);
    orm_error_init(&err);
    char *out = NULL;
    if (l_json_encode(L, -1, &b, &err) == 0 && !b.oom) {
        out = malloc(b.len + 1);
        if (out) {
            memcpy(out, b.p ? b.p : "", b.len);
            out[b.len] = '\0';
            *len = b.len;
        }
    }
    orm_buf_free(&b);
    orm_error_clear(&err);
    lua_pop(L, 1);
    return out;
}

/* decode, encode, decode, encode: the two encodings are equal. */
static void round_trip(const uint8_t *data, size_t size)
{
    int top = lua_gettop(L);
    if (l_json_decode(L, (const char *)data, size) != 0) return;
    size_t n1 = 0, n2 = 0;
    char *t1 = encode_top(&n1);
    if (!t1) {
        lua_settop(L, top);
        return;
    }
    if (l_json_decode(L, t1, n1) != 0) {
        fprintf(stderr, "fuzz_fixture: our own JSON does not decode: %s\n", t1);
        abort();
    }
    char *t2 = encode_top(&n2);
    if (!t2 || n1 != n2 || memcmp(t1, t2, n1) != 0) {
        fprintf(stderr, "fuzz_fixture: a second trip changed the value:\n%s\n%s\n", t1,
                t2 ? t2 : "(does not encode)");
        abort();
    }
    free(t1);
    free(t2);
    lua_settop(L, top);
}

static void load(int replace)
{
    lua_getglobal(L, "pcall");
    lua_getglobal(L, "db");
    if (lua_getfield(L, -1, "load") != LUA_TFUNCTION) abort();
    lua_remove(L, -2);
    lua_pushstring(L, path);
    lua_createtable(L, 0, 1);
    lua_pushboolean(L, replace);
    lua_setfield(L, -2, "replace");
    lua_sethook(L, budget, LUA_MASKCOUNT, FUZZ_BUDGET);
    lua_call(L, 3, LUA_MULTRET);
    lua_sethook(L, NULL, 0, 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!L) {
        snprintf(path, sizeof path, "%s/ormsh-fuzz-fixture-%ld.json",
                 access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp", (long)getpid());
        L = lua_newstate(cap_alloc, NULL);
        luaL_openlibs(L);
        luaL_requiref(L, "orm", luaopen_orm, 0);
        lua_pop(L, 1);
        if (luaL_dostring(L, SETUP) != LUA_OK) abort();
    }
    int top = lua_gettop(L);
    round_trip(data, size);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(data, 1, size, f) != size || fclose(f) != 0) abort();
    load(0);
    lua_settop(L, top);
    if (luaL_dostring(L, RESET) != LUA_OK) lua_settop(L, top);
    load(1);
    lua_settop(L, top);
    if (luaL_dostring(L, RESET) != LUA_OK) lua_settop(L, top);
    lua_settop(L, top);
    return 0;
}
