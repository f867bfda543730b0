#!/bin/sh
# tty_migrate_progress — a SQLite table rebuild of many rows reports the
# rows copied on stderr while stderr is a terminal ("copying item: 25000 of
# 25000 rows (N rows/s)"), and says nothing of it when stderr is not one.
. "$ROOT/tests/shell/tmux.inc"
command -v sqlite3 >/dev/null 2>&1 || { echo "the sqlite3 CLI is not installed"; exit 1; }
export HOME="$TESTDIR/home"
APP="$TESTDIR/app"
mkdir -p "$HOME" "$APP"
printf 'return { name = "shop", database = "sqlite:///instance/shop.db", models = { "models" } }\n' >"$APP/app.lua"
cat >"$APP/models.lua" <<'LUA'
Item = db.Model("Item", {
  id   = db.Column(db.Integer, { primary_key = true }),
  name = db.Column(db.String(30)),
})
LUA
o() { "$ORMSH" --app "$APP" "$@" >"$TESTDIR/out" 2>"$TESTDIR/err" || { cat "$TESTDIR/err"; echo "FAIL: ormsh $*"; exit 1; }; }
o db init
o db migrate -m "items"
o db upgrade
sqlite3 "$APP/instance/shop.db" "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 25000) INSERT INTO item (name) SELECT 'item ' || i FROM n"
o db revision -m "name not null"
f=$(ls "$APP/migrations/versions" | grep name_not_null)
down=$(sqlite3 "$APP/instance/shop.db" "SELECT version_num FROM ormsh_version")
cat >"$APP/migrations/versions/$f" <<LUA
return {
  revision = "${f%%_*}", down_revision = "$down", message = "name not null",
  upgrade = function(op) op.alter_column("item", "name", { nullable = false }) end,
  downgrade = function(op) op.alter_column("item", "name", { nullable = true }) end,
}
LUA
start_ormsh --app "$APP" db upgrade
wait_for "ormsh-exit=0"
screen | grep -q "copying item: 25000 of 25000 rows ([0-9]* rows/s)" || fail "no progress on the terminal"
[ "$(sqlite3 "$APP/instance/shop.db" "SELECT count(*) FROM item")" = 25000 ] || fail "rows lost in the rebuild"
# not a terminal: no progress
o db downgrade
! grep -q "copying" "$TESTDIR/err" || { cat "$TESTDIR/err"; echo "FAIL: progress on a non-terminal"; exit 1; }
[ "$(sqlite3 "$APP/instance/shop.db" "SELECT count(*) FROM item")" = 25000 ] || { echo "FAIL: rows lost"; exit 1; }
echo ok
