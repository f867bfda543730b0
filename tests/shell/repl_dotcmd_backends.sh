#!/bin/sh
# repl_dotcmd_backends — the dot-commands that read the live database, on
# every backend (see .backends): .tables lists the tables, .schema TABLE
# prints its CREATE TABLE with the unique column, .mode box prints query
# rows as a table, and q:explain() returns the backend's plan naming the
# table; also under --read-only, which changes nothing.
. "$ROOT/tests/shell/backend.inc"
new_app
author_model | models
ok -e 'db.create_all() db.session:add(Author{name = "Umang", email = "u@x"}) db.session:commit()'
cat >"$TESTDIR/in.lua" <<'LUA'
.tables
.schema author
.schema nope
.mode box
Author.query:all()
.mode list
Author.query:filter(Author.email:eq("u@x")):explain():lower():find("author", 1, true) ~= nil
LUA
for ro in "" --read-only; do
    "$ORMSH" --app "$APP" $ro -i <"$TESTDIR/in.lua" >"$TESTDIR/out" 2>"$TESTDIR/err" ||
        fail "ormsh -i $ro failed: $(cat "$TESTDIR/err")"
    grep -qx 'author' "$TESTDIR/out" || fail ".tables has no author: $(cat "$TESTDIR/out")"
    grep -qi '^CREATE TABLE .\{0,1\}author.\{0,1\} (' "$TESTDIR/out" || fail ".schema author: $(cat "$TESTDIR/out")"
    grep -qi 'email' "$TESTDIR/out" || fail ".schema author has no email column"
    has "$TESTDIR/err" "ormsh: .schema: no such table: nope"
    has "$TESTDIR/out" "│ id │ name  │ email │"
    has "$TESTDIR/out" "│ 1  │ Umang │ u@x   │"
    [ "$(tail -n 1 "$TESTDIR/out")" = "true" ] || fail "explain: $(tail -n 1 "$TESTDIR/out")"
    grep -q 'Error' "$TESTDIR/err" && fail "an error: $(cat "$TESTDIR/err")"
done
exit 0
