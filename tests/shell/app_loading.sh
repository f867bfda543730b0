#!/bin/sh
# app_loading — the app directory (docs/reference.md): found by --app, $ORMSH_APP or
# the current directory; app.lua's table names the database and the model
# modules; db is a global before the models load; each model class becomes a
# global unless the name is taken; instance/ is made on first use; the URL
# comes from --database, then $DATABASE_URL, then app.lua; the banner names
# app, database and models; errors in app.lua / models name file:line and
# exit 1; leaving with uncommitted changes rolls them back and says so.
set -u
unset ORMSH_APP DATABASE_URL
bad() { echo "FAIL: $*"; exit 1; }
app="$TESTDIR/shop"
mkdir -p "$app"
cat >"$app/app.lua" <<'LUA'
return { name = "shop", database = "sqlite:///instance/shop.db", models = { "models" } }
LUA
cat >"$app/models.lua" <<'LUA'
assert(db, "db must exist before the models load")
local Gadget = db.Model("Gadget", {
  id   = db.Column(db.Integer, { primary_key = true }),
  name = db.Column(db.String(30)),
})
db.Model("Widget", { id = db.Column(db.Integer, { primary_key = true }) })
Widget = "taken"
return Gadget
LUA

out=$("$ORMSH" --app "$app" -e 'print(db.url, session == db.session, Gadget ~= nil, Widget)') ||
    bad "loading the app failed"
[ "$out" = "sqlite:///$app/instance/shop.db	true	true	taken" ] || bad "app globals: $out"
[ -d "$app/instance" ] || bad "instance/ not made"
[ -f "$app/instance/shop.db" ] || bad "the database is not under instance/"

# ORMSH_APP and the current directory find the app too.
[ "$(ORMSH_APP="$app" "$ORMSH" -e 'print(Gadget ~= nil)')" = "true" ] || bad "ORMSH_APP"
[ "$(cd "$app" && "$ORMSH" -e 'print(Gadget ~= nil)')" = "true" ] || bad "app in cwd"

# URL precedence: --database > $DATABASE_URL > app.lua.
[ "$(DATABASE_URL="sqlite:///env.db" "$ORMSH" --app "$app" -e 'print(db.url)')" = \
  "sqlite:///$app/env.db" ] || bad "DATABASE_URL not used"
[ "$(DATABASE_URL="sqlite:///env.db" "$ORMSH" --app "$app" --database sqlite:// -e 'print(db.url)')" = \
  "sqlite://" ] || bad "--database does not win"

# Banner (stderr) and a rollback on leaving.
printf 'db.create_all()\nsession:add(Gadget{name = "g"})\n#db.session.new\n' |
    "$ORMSH" --app "$app" -i >out 2>err || bad "REPL on the app failed: $(cat err)"
grep -q '^App: shop$' err || bad "no App line: $(cat err)"
grep -qx "Database: sqlite:///$app/instance/shop.db" err || bad "no Database line: $(cat err)"
grep -qx 'Models: Gadget, Widget' err || bad "no Models line: $(cat err)"
[ "$(cat out)" = "1" ] || bad "REPL output: $(cat out)"
grep -qx 'Rolled back 1 uncommitted change.' err || bad "no rollback notice: $(cat err)"
[ "$("$ORMSH" --app "$app" -e 'print(Gadget.query:count())')" = "0" ] || bad "the change was kept"
"$ORMSH" --app "$app" -e 'db.create_all() for i = 1, 3 do session:add(Gadget{}) end' 2>err
grep -qx 'Rolled back 3 uncommitted changes.' err || bad "plural rollback notice: $(cat err)"

# Errors: missing directory, no app.lua, app.lua and models failing.
"$ORMSH" --app "$TESTDIR/nowhere" -e 1 >out 2>err; rc=$?
[ "$rc" -eq 1 ] || bad "missing --app dir: status $rc"
grep -q 'nowhere' err || bad "missing --app dir not named: $(cat err)"
[ "$(wc -l <err)" -eq 1 ] || bad "missing --app dir: not one line"
mkdir -p "$TESTDIR/empty"
"$ORMSH" --app "$TESTDIR/empty" -e 1 2>err; [ $? -eq 1 ] || bad "dir without app.lua: status"
grep -q 'app.lua' err || bad "dir without app.lua: $(cat err)"

bad_app="$TESTDIR/broken"
mkdir -p "$bad_app"
printf 'local x = 1\nerror("config broke")\n' >"$bad_app/app.lua"
"$ORMSH" --app "$bad_app" -e 1 2>err; [ $? -eq 1 ] || bad "app.lua error: status"
grep -q 'app.lua:2: config broke' err || bad "app.lua error line: $(cat err)"
printf 'return { models = { "models" } }\n' >"$bad_app/app.lua"
printf 'X = 1\n\n\nlocal y = = 2\n' >"$bad_app/models.lua"
"$ORMSH" --app "$bad_app" -e 1 2>err; [ $? -eq 1 ] || bad "models syntax error: status"
grep -q 'models.lua:4:' err || bad "models syntax error line: $(cat err)"
[ "$(wc -l <err)" -eq 1 ] || bad "models syntax error is not one line: $(cat err)"
printf 'X = 1\nerror("models broke")\n' >"$bad_app/models.lua"
"$ORMSH" --app "$bad_app" -e 1 2>err; [ $? -eq 1 ] || bad "models runtime error: status"
grep -q 'models.lua:2: models broke' err || bad "models runtime error line: $(cat err)"
printf 'return { models = { "nosuchmodule" } }\n' >"$bad_app/app.lua"
"$ORMSH" --app "$bad_app" -e 1 2>err; [ $? -eq 1 ] || bad "missing model module: status"
grep -q 'nosuchmodule' err || bad "missing model module not named"
[ "$(wc -l <err)" -eq 1 ] || bad "missing model module: not one line: $(cat err)"
exit 0
