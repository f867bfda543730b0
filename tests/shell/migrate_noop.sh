#!/bin/sh
# migrate_noop — nothing to do is said and nothing is written: db migrate
# with models matching the database, db upgrade at head, db downgrade at
# base; and a change is written exactly once.
# On every backend (see .backends).
. "$ROOT/tests/shell/backend.inc"
new_app
author_model | models
ok db init
ok db upgrade
has "$TESTDIR/err" "nothing to do"
ok db migrate -m "Initial"
ok db upgrade
ok db migrate -m "again"
has "$TESTDIR/err" "No changes in schema detected."
[ "$(nrevs)" = 1 ] || fail "a no-op migrate wrote a file: $(revs)"
[ ! -s "$TESTDIR/out" ] || fail "stdout: $(cat "$TESTDIR/out")"
ok db upgrade
has "$TESTDIR/err" "nothing to do"
hasnt "$TESTDIR/err" "Running upgrade"
ok db downgrade base
ok db downgrade base
has "$TESTDIR/err" "nothing to do"
# a database made by db.create_all() has no changes either
ok db upgrade
# an empty database again (SQLite: no file; a server: no tables)
if [ "$BACKEND" = sqlite ]; then
    rm -f "$DB"
else
    sql "DROP TABLE author; DROP TABLE ormsh_version"
    [ -z "$(user_tables)" ] || fail "tables left: $(user_tables)"
fi
ok -e 'db.create_all()'
ok db stamp head
ok db migrate -m "after create_all"
has "$TESTDIR/err" "No changes in schema detected."
[ "$(nrevs)" = 1 ] || fail "migrate after create_all wrote a file"
