#!/bin/sh
# migrate_behind — when the database is behind the migrations' head, db
# migrate refuses and names `ormsh db upgrade`, and the shell (run, -e,
# REPL) warns at start on stderr, naming it too; at head it says nothing.
# On every backend (see .backends).
. "$ROOT/tests/shell/backend.inc"
new_app
author_model | models
ok db init
ok db migrate -m "Initial"
ok -e 'print("hi")'
same "$TESTDIR/out" "hi"
has "$TESTDIR/err" "ormsh db upgrade"
{ author_model; book_model; } | models
status 1 db migrate -m "book"
has "$TESTDIR/err" "ormsh db upgrade"
[ "$(nrevs)" = 1 ] || fail "migrate behind head wrote a file"
printf 'print(1)\n' | "$ORMSH" --app "$APP" >"$TESTDIR/out" 2>"$TESTDIR/err" || fail "piped shell failed"
has "$TESTDIR/err" "warning"
has "$TESTDIR/err" "ormsh db upgrade"
same "$TESTDIR/out" "1"
ok db upgrade
ok db migrate -m "book"
ok -e 'print("hi")'
has "$TESTDIR/err" "ormsh db upgrade"
ok db upgrade
ok -e 'print("hi")'
[ ! -s "$TESTDIR/err" ] || fail "warning at head: $(cat "$TESTDIR/err")"
