#!/bin/sh
# seed_concurrent — two processes running the same seed at once on a server:
# db.upsert takes the backend's native upsert, so whichever commits second
# updates instead of failing, and every row is there once; get_or_create
# and update_or_create find the row the other process inserted after their
# own insert collided (a locking read: MariaDB's REPEATABLE READ snapshot
# would hide it from a plain one), and update_or_create then updates it.
# On the servers (see .backends).
. "$ROOT/tests/shell/backend.inc"
new_app
cat >"$APP/models.lua" <<'LUA'
Item = db.Model("Item", {
  id = db.Column(db.Integer, { primary_key = true }),
  code = db.Column(db.String(20), { unique = true, nullable = false }),
  name = db.Column(db.String(40)),
})
LUA
cat >"$APP/seeds.lua" <<'LUA'
-- a read first: on MariaDB it fixes this transaction's snapshot before the
-- other seed commits, so the rows it inserts stay hidden from plain reads
assert(Item.query:count() >= 0)
local rows = {}
for i = 1, 300 do rows[i] = { code = "c" .. i, name = "n" .. i .. "-" .. arg_tag } end
db.upsert(Item, rows, { on = { "code" }, update = { "name" } })
os.execute("sleep 0.3") -- keep the transaction open: the other one collides with it
for i = 1, 20 do
  local obj = Item:get_or_create({ code = "g" .. i }, { name = arg_tag })
  assert(obj.code == "g" .. i)
  local u = Item:update_or_create({ code = "u" .. i }, { name = "u-" .. arg_tag })
  assert(u.code == "u" .. i and u.name == "u-" .. arg_tag)
end
LUA
ok -e 'db.create_all()'
"$ORMSH" --app "$APP" -e 'arg_tag = "A"' db seed >"$TESTDIR/out1" 2>"$TESTDIR/err1" &
p1=$!
"$ORMSH" --app "$APP" -e 'arg_tag = "B"' db seed >"$TESTDIR/out2" 2>"$TESTDIR/err2" &
p2=$!
wait $p1; rc1=$?
wait $p2; rc2=$?
[ "$rc1" -eq 0 ] || fail "first seed exited $rc1: $(cat "$TESTDIR/err1")"
[ "$rc2" -eq 0 ] || fail "second seed exited $rc2: $(cat "$TESTDIR/err2")"
[ "$(sql "SELECT count(*) FROM item WHERE code LIKE 'c%'")" = 300 ] || fail "rows: $(sql 'SELECT count(*) FROM item')"
[ "$(sql "SELECT count(DISTINCT code) FROM item")" = "$(sql 'SELECT count(*) FROM item')" ] || fail "a code twice"
# every c-row carries the name of one whole seed (the later one won)
[ "$(sql "SELECT count(DISTINCT substr(name, length(name))) FROM item WHERE code LIKE 'c%'")" = 1 ] ||
    fail "mixed names: $(sql "SELECT DISTINCT name FROM item WHERE code LIKE 'c%' LIMIT 5")"
[ "$(sql "SELECT count(*) FROM item WHERE code LIKE 'g%'")" = 20 ] || fail "get_or_create rows"
[ "$(sql "SELECT count(DISTINCT name) FROM item WHERE code LIKE 'g%'")" = 1 ] || fail "get_or_create changed a row"
[ "$(sql "SELECT count(*) FROM item WHERE code LIKE 'u%'")" = 20 ] || fail "update_or_create rows"
# the later seed updated every u-row the earlier one created
[ "$(sql "SELECT count(DISTINCT name) FROM item WHERE code LIKE 'u%'")" = 1 ] ||
    fail "update_or_create names: $(sql "SELECT DISTINCT name FROM item WHERE code LIKE 'u%'")"
[ "$(sql "SELECT substr(name, 3) FROM item WHERE code = 'u1'")" = "$(sql "SELECT substr(name, length(name)) FROM item WHERE code = 'c1'")" ] ||
    fail "update_or_create: not the later seed's value" 
exit 0
