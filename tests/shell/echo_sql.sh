#!/bin/sh
# echo_sql — --echo and db.echo = true print each statement with its
# parameters on standard error, in docs/reference.md's format; standard output keeps
# only what the script prints.
set -u
cat >models.lua <<'LUA'
Author = db.Model("Author", {
  id = db.Column(db.Integer, { primary_key = true }),
  name = db.Column(db.String(30)),
  email = db.Column(db.String(30), { unique = true }),
})
db.create_all()
LUA
cat >a.lua <<'LUA'
dofile("models.lua")
db.session:add(Author{ name = "Umang", email = "u@example.com" })
db.session:commit()
print(db.session:query(Author):filter_by{ name = "Umang" }:count())
LUA
"$ORMSH" --echo run a.lua >out 2>err || { cat err; exit 1; }
[ "$(cat out)" = "1" ] || { echo "stdout:"; cat out; exit 1; }
grep -qx 'SQL: INSERT INTO author (name, email) VALUES (?, ?)  \[params: "Umang", "u@example.com"\]' err ||
  { echo "no INSERT echo line:"; cat err; exit 1; }
grep -q '^SQL: SELECT count(\*) AS count_1 FROM (SELECT .* FROM author WHERE author.name = ?) AS anon_1  \[params: "Umang"\]$' err ||
  { echo "no SELECT echo line:"; cat err; exit 1; }

cat >b.lua <<'LUA'
dofile("models.lua")
db.session:add(Author{ name = "quiet", email = "q@example.com" })
db.session:flush()
db.echo = true
db.session:add(Author{ name = "loud", email = "l@example.com" })
db.session:commit()
LUA
"$ORMSH" run b.lua >out 2>err || { cat err; exit 1; }
grep -q '"quiet"' err && { echo "echoed before db.echo = true"; exit 1; }
grep -q 'SQL: INSERT INTO author (name, email) VALUES (?, ?)  \[params: "loud", "l@example.com"\]' err ||
  { echo "no echo after db.echo = true:"; cat err; exit 1; }
[ ! -s out ] || { echo "stdout not empty"; exit 1; }
exit 0
