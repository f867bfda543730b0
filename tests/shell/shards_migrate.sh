#!/bin/sh
# shards_migrate — an app with two SQLite shards (shards + shard_by in
# app.lua): `db upgrade`, `current` and `check` act on every shard, each
# announced on standard error; the app's scripts write to the shard
# shard_by names and read from both; an upgrade that fails on one shard
# exits 1 naming it, the shard before it stays upgraded.
. "$ROOT/tests/shell/migrate.inc"
new_app
cat >"$APP/app.lua" <<'LUA'
return { name = "sh", models = { "models" },
  shards = { eu = "sqlite:///instance/eu.db", us = "sqlite:///instance/us.db" },
  shard_by = function(model, obj) return obj.region end }
LUA
models <<'LUA'
Author = db.Model("Author", { id = db.Column(db.Integer, { primary_key = true }),
  name = db.Column(db.String(40)), region = db.Column(db.String(2)) })
LUA
ok db init
ok db migrate -m "init"
ok db upgrade
has "$TESTDIR/err" "Shard eu:"
has "$TESTDIR/err" "Shard us:"
[ "$(grep -c 'Running upgrade' "$TESTDIR/err")" -eq 2 ] || fail "not one upgrade per shard: $(cat "$TESTDIR/err")"
rev=$(ls "$APP/migrations/versions" | cut -c1-12)
ok db current
same "$TESTDIR/out" "$rev (head)
$rev (head)"
ok db check
ok run - <<'LUA'
db.session:add(Author{ name = "Ann", region = "eu" })
db.session:add(Author{ name = "Bob", region = "us" })
db.session:add(Author{ name = "Cid", region = "us" })
db.session:commit()
LUA
[ "$(sqlite3 "$APP/instance/eu.db" 'SELECT name FROM author')" = "Ann" ] || fail "eu holds $(sqlite3 "$APP/instance/eu.db" 'SELECT name FROM author')"
[ "$(sqlite3 "$APP/instance/us.db" 'SELECT count(*) FROM author')" = "2" ] || fail "us is not 2 rows"
ok -e 'print(db.session:query(Author):order_by(Author.name:desc()):count(), db.session:query(Author):order_by(Author.name:desc()):first().name)'
same "$TESTDIR/out" "3	Cid"

# a new revision that fails on us only (a table us already has)
sqlite3 "$APP/instance/us.db" 'CREATE TABLE book (id INTEGER PRIMARY KEY)'
models <<'LUA'
Author = db.Model("Author", { id = db.Column(db.Integer, { primary_key = true }),
  name = db.Column(db.String(40)), region = db.Column(db.String(2)) })
Book = db.Model("Book", { id = db.Column(db.Integer, { primary_key = true }) })
LUA
ok db migrate -m "book"
status 1 db upgrade
has "$TESTDIR/err" "Shard us:"
has "$TESTDIR/err" "already exists"
[ -n "$(sqlite3 "$APP/instance/eu.db" "SELECT name FROM sqlite_master WHERE name = 'book'")" ] || fail "eu was not upgraded"
ok db current
[ "$(sed -n 1p "$TESTDIR/out")" != "$(sed -n 2p "$TESTDIR/out")" ] || fail "both shards at the same revision: $(cat "$TESTDIR/out")"
status 1 db check
