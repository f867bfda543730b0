#!/bin/sh
# tty_progress — db load, db dump and db seed draw one progress line on
# standard error while it is a terminal ("load: 3000/3000 rows (N rows/s)"),
# rewritten in place; piped, nothing (see fixture_commands and seed_command).
. "$ROOT/tests/shell/tmux.inc"
export HOME="$TESTDIR/home"
mkdir -p "$HOME" "$TESTDIR/app"
APP="$TESTDIR/app"
printf 'return { database = "sqlite:///app.db", models = { "models" } }\n' >"$APP/app.lua"
cat >"$APP/models.lua" <<'LUA'
Item = db.Model("Item", {
  id = db.Column(db.Integer, { primary_key = true }),
  name = db.Column(db.String(20)),
})
db.create_all()
LUA
{
    echo "["
    i=1
    while [ "$i" -lt 3000 ]; do echo "{\"model\": \"Item\", \"pk\": $i, \"fields\": {\"name\": \"n$i\"}},"; i=$((i + 1)); done
    echo "{\"model\": \"Item\", \"pk\": 3000, \"fields\": {\"name\": \"last\"}}"
    echo "]"
} >"$TESTDIR/items.json"
printf 'for i = 1, 2500 do db.session:add(Item{ name = "s" .. i }) end\n' >"$APP/seeds.lua"

start_ormsh --app "$APP" db load "$TESTDIR/items.json"
wait_for "ormsh-exit=0"
screen | grep -q "^load: 3000/3000 rows ([0-9]* rows/s)" || fail "no load progress line"
screen | grep -q "Loaded 3000 rows" || fail "no summary"

SESSION=dump
start_ormsh --app "$APP" db dump -o "$TESTDIR/out.json"
wait_for "ormsh-exit=0"
screen | grep -q "^dump: 3000/3000 rows ([0-9]* rows/s)" || fail "no dump progress line"

SESSION=seed
start_ormsh --app "$APP" db seed
wait_for "ormsh-exit=0"
screen | grep -q "^seed: [0-9]*/[0-9]* rows ([0-9]* rows/s)" || fail "no seed progress line"
exit 0
