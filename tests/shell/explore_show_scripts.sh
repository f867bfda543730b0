#!/bin/sh
# explore_show_scripts — q:show() works in -e code, in a script run with
# `ormsh run` and in one piped to standard input, as at the prompt (a script
# written against the reflected models runs as the same lines typed do); it
# was installed for the interactive REPL only ("attempt to call a nil value
# (method 'show')").
set -u
T=$TESTDIR
fail() { echo "FAIL: $*"; exit 1; }
cd "$T" || exit 1
sqlite3 c.db "CREATE TABLE Artist (ArtistId INTEGER PRIMARY KEY, Name VARCHAR(120));
INSERT INTO Artist VALUES (1, 'AC/DC'), (2, 'Accept');"
cat >want <<'OUT'
┌──────────┬────────┐
│ ArtistId │ Name   │
├──────────┼────────┤
│ 1        │ AC/DC  │
│ 2        │ Accept │
└──────────┴────────┘
OUT
echo 'Artist.query:order_by(Artist.ArtistId):show()' >show.lua
"$ORMSH" --database "sqlite:///$T/c.db" -e 'Artist.query:order_by(Artist.ArtistId):show()' >out 2>err ||
    fail "-e: $(cat err)"
diff -u want out || fail "-e output"
"$ORMSH" --database "sqlite:///$T/c.db" run show.lua >out 2>err || fail "run: $(cat err)"
diff -u want out || fail "run output"
"$ORMSH" --database "sqlite:///$T/c.db" <show.lua >out 2>err || fail "stdin: $(cat err)"
diff -u want out || fail "stdin output"
"$ORMSH" --database "sqlite:///$T/c.db" -i <show.lua >out 2>err || fail "-i: $(cat err)"
diff -u want out || fail "-i output"
