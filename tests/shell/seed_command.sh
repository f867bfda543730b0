#!/bin/sh
# seed_command — `ormsh db seed [FILE] [--dry-run]`: the app's seeds.lua in
# one transaction; run twice it gives the same rows; --dry-run prints what
# it would write per table and writes nothing; a failing seed exits 1 with
# the file and line, and nothing of it stays; bad usage exits 2.
# On every backend (see .backends), with the bookstore's own seeds.lua.
. "$ROOT/tests/shell/backend.inc"
new_app
cp "$ROOT/scripts/bookstore/models.lua" "$ROOT/scripts/bookstore/seeds.lua" "$APP/"
rows() {
    sql "SELECT a.email, a.name, b.name FROM author a JOIN book b ON b.author_id = a.id ORDER BY b.name"
    sql "SELECT b.name, s.name FROM book_to_store_map m JOIN book b ON b.id = m.book_id
         JOIN store s ON s.id = m.store_id ORDER BY b.name, s.name"
}
ok db seed --dry-run
has "$TESTDIR/out" "it would write:"
has "$TESTDIR/out" "  author: 3 inserted, 0 updated"
has "$TESTDIR/out" "  book_to_store_map: 4 inserted, 0 updated"
[ -z "$(sql 'SELECT email FROM author')" ] || fail "the dry run wrote rows"
ok db seed
[ ! -s "$TESTDIR/out" ] || fail "db seed wrote on stdout: $(cat "$TESTDIR/out")"
has "$TESTDIR/err" "  store: 3 inserted, 0 updated"
first=$(rows)
[ "$(printf '%s\n' "$first" | wc -l)" -eq 7 ] || fail "rows after the seed: $first"
ok db seed
has "$TESTDIR/err" "wrote nothing"
[ "$(rows)" = "$first" ] || fail "a second seed changed the rows: $(rows)"
ok db seed --dry-run
has "$TESTDIR/out" "it would write nothing"

# a failing seed file: exit 1, file:line on stderr, nothing of it stays
cat >"$APP/broken.lua" <<'LUA'
Author:get_or_create({ email = "new@example.com" }, { name = "New" })
db.session:commit()
Book:get_or_create({ name = "Orphan" }, { author_id = 9999 })
LUA
status 1 db seed "$APP/broken.lua"
has "$TESTDIR/err" "broken.lua:3: IntegrityError"
[ -z "$(sql "SELECT email FROM author WHERE email = 'new@example.com'")" ] || fail "the failed seed left a row"
[ "$(rows)" = "$first" ] || fail "the failed seed changed the rows"
printf 'Author:get_or_create({ email = "x@example.com" })\nerror("stop here")\n' >"$APP/err.lua"
status 1 db seed "$APP/err.lua"
has "$TESTDIR/err" "err.lua:2: stop here"
[ -z "$(sql "SELECT email FROM author WHERE email = 'x@example.com'")" ] || fail "the failed seed left a row"
status 1 db seed "$APP/nosuch.lua"
has "$TESTDIR/err" "nosuch.lua"

status 2 db seed a.lua b.lua
has "$TESTDIR/err" "usage: ormsh db seed [FILE] [--dry-run]"
status 2 db seed --force
has "$TESTDIR/err" "unknown option '--force'"
exit 0
