#!/bin/sh
# migrate_computed — a SQLite migration that rebuilds a table with a
# computed column (an ALTER of another column) keeps the column generated
# and its values right: the copy leaves it out (copying into it is an
# error, "cannot INSERT into generated column"), and the new table computes it.
# Adding a computed column rebuilds the table too (SQLite cannot ADD one).
. "$ROOT/tests/shell/migrate.inc"
new_app
models <<'LUA'
Track = db.Model("Track", {
  id = db.Column(db.Integer, { primary_key = true }),
  ms = db.Column(db.Integer, { nullable = false }),
  minutes = db.Column(db.Float, { computed = "ms / 60000.0" }),
})
LUA
ok db init
ok db migrate -m one
ok db upgrade
ok -e 'db.session:add(Track{ ms = 90000 }); db.session:commit()'
models <<'LUA'
Track = db.Model("Track", {
  id = db.Column(db.Integer, { primary_key = true }),
  ms = db.Column(db.Integer),
  minutes = db.Column(db.Float, { computed = "ms / 60000.0" }),
})
LUA
ok db migrate -m nullable
ok db upgrade
q "SELECT sql FROM sqlite_master WHERE name = 'track'" >"$TESTDIR/schema"
has "$TESTDIR/schema" 'minutes FLOAT GENERATED ALWAYS AS (ms / 60000.0) STORED'
has "$TESTDIR/schema" 'ms INTEGER,'
ok -e 'local t = Track.query:first(); print(t.ms, t.minutes); t.ms = 30000; db.session:commit(); print(t.minutes)'
same "$TESTDIR/out" "90000	1.5
0.5"

# fixtures: a dump carries the computed value, a load writes the row
# without it (the database computes it again), also with --replace
ok db dump -o "$TESTDIR/rows.json"
has "$TESTDIR/rows.json" '"minutes"'
ok -e 'Track.query:delete(); db.session:commit()'
ok db load "$TESTDIR/rows.json"
ok db load "$TESTDIR/rows.json" --replace
ok -e 'local t = Track.query:one(); print(t.ms, t.minutes)'
same "$TESTDIR/out" "30000	0.5"

# adding a computed column to a table with rows: SQLite cannot ADD a STORED
# one ("cannot add a STORED column"), so the migration rebuilds the table,
# and the rows get their values
models <<'LUA'
Track = db.Model("Track", {
  id = db.Column(db.Integer, { primary_key = true }),
  ms = db.Column(db.Integer),
  minutes = db.Column(db.Float, { computed = "ms / 60000.0" }),
  seconds = db.Column(db.Integer, { computed = "ms / 1000", nullable = false }),
})
LUA
ok db migrate -m seconds
ok db upgrade
ok -e 'local t = Track.query:one(); print(t.ms, t.minutes, t.seconds)'
same "$TESTDIR/out" "30000	0.5	30"
ok db check
same "$TESTDIR/out" "No new upgrade operations detected."
