#!/bin/sh
# explore_computed — a generated column (GENERATED ALWAYS AS (...) STORED)
# of a database nobody modelled, on each backend: `db models` writes it as
# computed = "<the expression as the database spells it>" (it was missing
# on SQLite, a server_default on PostgreSQL, a plain column on MySQL); the
# reflected models insert and update rows without it and read back what the
# database computed; `db check` agrees with the database; the models make
# the same table in an empty database.
. "$ROOT/tests/shell/backend.inc"
new_app
mkdir -p "$APP/instance"
[ "$BACKEND" = sqlite ] && DATABASE_URL="sqlite:///$DB" # for bare (not exported)
sql "CREATE TABLE track (id INTEGER PRIMARY KEY, ms INTEGER NOT NULL,
  minutes DOUBLE PRECISION GENERATED ALWAYS AS (ms / 60000.0) STORED)" >/dev/null ||
    fail "cannot make the schema"

ok db models -o "$TESTDIR/models.lua"
m="$TESTDIR/models.lua"
grep -q '^  minutes = db.Column(db.Float, { computed = ".*ms.* / 60000.0.*" }),$' "$m" ||
    fail "no computed column in models.lua: $(cat "$m")"

bare -e 'db.session:add(Track{ id = 1, ms = 120000 }); db.session:commit()
local t = Track.query:get(1); print(t.minutes); t.ms = 30000; db.session:commit(); print(t.minutes)
print(select(2, pcall(function() t.minutes = 1 end)) ~= nil)'
same "$TESTDIR/out" "2.0
0.5
true"

# the round trip, and the models create the same table in an empty database
models <"$m"
ok db check
same "$TESTDIR/out" "No new upgrade operations detected."
sql "DROP TABLE track" >/dev/null
ok -e 'db.create_all()'
ok -e 'db.session:add(Track{ id = 2, ms = 60000 }); db.session:commit(); print(Track.query:get(2).minutes)'
same "$TESTDIR/out" "1.0"
