#!/bin/sh
# fixture_commands — `ormsh db dump [-o FILE] [--tables t1,t2]` and `ormsh db
# load FILE [--replace]` on every backend (see .backends). The fixture
# tests/lua/fixture_files/all_types.json (written by a SQLite dump: unicode,
# NULLs, dates, decimals, blobs, JSON, big integers, a composite key) loads
# and dumps back byte for byte on each backend, so SQLite -> PostgreSQL ->
# MariaDB -> SQLite compares equal; later inserts get keys past the loaded
# ones; existing keys are refused unless --replace; a bad file exits 1 with
# one line and nothing loaded; piped runs show no progress line; bad usage
# exits 2.
. "$ROOT/tests/shell/backend.inc"
FX="$ROOT/tests/lua/fixture_files"
new_app
cp "$FX/models.lua" "$APP/models.lua"
sed -i '/db.create_all()/d' "$APP/models.lua"
ok -e 'db.create_all()'
ok db load "$FX/all_types.json"
has "$TESTDIR/err" "Loaded 6 rows from"
[ ! -s "$TESTDIR/out" ] || fail "load wrote on stdout"
ok db dump -o "$TESTDIR/dump.json"
has "$TESTDIR/err" "Dumped 6 rows to"
cmp "$TESTDIR/dump.json" "$FX/all_types.json" || { diff "$FX/all_types.json" "$TESTDIR/dump.json"; fail "the dump differs from what was loaded"; }
# to standard output when there is no -o; no progress line in a pipe
ok db dump
cmp "$TESTDIR/out" "$FX/all_types.json" || fail "dump to stdout differs"
hasnt "$TESTDIR/err" "rows/s"
ok db dump --tables tag,author -o "$TESTDIR/some.json"
[ "$(grep -c '"model"' "$TESTDIR/some.json")" -eq 3 ] || fail "--tables: $(cat "$TESTDIR/some.json")"
hasnt "$TESTDIR/some.json" '"Book"'
status 1 db dump --tables nosuch
has "$TESTDIR/err" "no table 'nosuch' to dump (tables: author, book, tag, book_tag)"

# the next generated key follows the loaded ones (PostgreSQL's sequence moved)
ok -e 'local a = Author{ name = "next" } db.session:add(a) db.session:commit() print(a.id)'
[ "$(cat "$TESTDIR/out")" = 3 ] || fail "new key: $(cat "$TESTDIR/out")"

# existing keys: refused (nothing loaded), or replaced
status 1 db load "$FX/all_types.json"
has "$TESTDIR/err" "all_types.json: record 1 (Author pk 1): a row with this key exists already (load with --replace to update it)"
[ "$(wc -l <"$TESTDIR/err")" -eq 1 ] || fail "more than one line: $(cat "$TESTDIR/err")"
ok db load "$FX/replace.json" --replace
[ "$(sql 'SELECT name FROM author WHERE id = 1')" = "Ann (replaced)" ] || fail "not replaced"
[ "$(sql 'SELECT name FROM author WHERE id = 9')" = "New" ] || fail "not inserted"

# bad files: one line naming file and record, exit 1, nothing loaded
before=$(sql 'SELECT count(*) FROM author')
for f in not_json unknown_model unknown_column wrong_type broken_fk; do
    status 1 db load "$FX/$f.json"
    has "$TESTDIR/err" "$f.json: record 2"
    [ "$(wc -l <"$TESTDIR/err")" -eq 1 ] || fail "$f: more than one line: $(cat "$TESTDIR/err")"
    [ "$(sql 'SELECT count(*) FROM author')" = "$before" ] || fail "$f: rows were loaded"
done

status 2 db load
has "$TESTDIR/err" "'db load' needs a fixture file"
status 2 db dump extra
status 2 db load a.json --tables x
has "$TESTDIR/err" "usage: ormsh db dump [-o FILE] [--tables t1,t2] | db load FILE [--replace]"
exit 0
