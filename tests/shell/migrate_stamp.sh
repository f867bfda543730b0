#!/bin/sh
# migrate_stamp — db stamp REV sets the version without running anything:
# a database made by create_all adopts the migrations; stamp base empties it.
# On every backend (see .backends).
. "$ROOT/tests/shell/backend.inc"
new_app
author_model | models
ok db init
ok db migrate -m "Initial"
rev1=$(head_rev)
ok -e 'db.create_all(); db.session:add(Author{ name = "A", email = "a@x" }); db.session:commit()'
status 1 db upgrade
has "$TESTDIR/err" "already exists"
ok db stamp head
ok db current
same "$TESTDIR/out" "$rev1 (head)"
ok db upgrade
has "$TESTDIR/err" "nothing to do"
ok db stamp base
ok db current
[ ! -s "$TESTDIR/out" ] || fail "stamp base left $(cat "$TESTDIR/out")"
ok db stamp "$(echo "$rev1" | cut -c1-6)"
ok db current
same "$TESTDIR/out" "$rev1 (head)"
[ "$(sql 'SELECT name FROM author')" = "A" ] || fail "stamp touched the data"
status 1 db stamp nosuchrev
has "$TESTDIR/err" "no revision 'nosuchrev'"
