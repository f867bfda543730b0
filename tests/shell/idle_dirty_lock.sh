#!/bin/sh
# idle_dirty_lock — an idle shell holds no lock, even with objects changed
# in memory: after `a = Member.query:first(); a.email = "dirty"` at the
# prompt, another process writes at once (no busy wait); the change stays in
# memory and the next commit writes it. Once a flush has written, the
# transaction stays open (its writes are not committed behind the user's back).
set -u
mkdir app
cat >app/app.lua <<'LUA'
return { name = "idle", database = "sqlite:///instance/idle.db", models = { "models" } }
LUA
cat >app/models.lua <<'LUA'
Member = db.Model("Member", {
  id = db.Column(db.Integer, { primary_key = true }),
  email = db.Column(db.String(30), { nullable = false }),
})
LUA
"$ORMSH" --app app -e 'db.create_all() db.session:add(Member{ email = "first@x.org" }) db.session:commit()' || exit 1
DB=app/instance/idle.db
writer() { sqlite3 -cmd '.timeout 0' "$DB" "INSERT INTO member (email) VALUES ('$1');" 2>&1; }
{
  echo 'a = Member.query:first(); a.email = "dirty@x.org"; db.session:add(Member{ email = "new@x.org" })'
  sleep 1
  writer other@x.org >writer1.out
  echo 'print(a.email, #db.session.dirty, #db.session.new)'
  echo 'db.session:commit()'
  echo 'b = Member.query:get(2); b.email = "flushed@x.org"; db.session:flush()'
  sleep 1
  writer late@x.org >writer2.out
  echo 'db.session:rollback()'
} | "$ORMSH" --app app shell -i >out 2>err
rc=$?
[ "$rc" -eq 0 ] || { echo "exit status $rc"; cat out err; exit 1; }
[ ! -s writer1.out ] || { echo "writer blocked by an idle shell with dirty objects:"; cat writer1.out; exit 1; }
grep -q 'locked' writer2.out || { echo "a flushed, uncommitted change was committed behind the user's back:"; cat writer2.out; exit 1; }
[ "$(cat out)" = "dirty@x.org	1	1" ] || { echo "stdout:"; cat out; cat err; exit 1; }
rows=$(sqlite3 "$DB" 'SELECT group_concat(email, ",") FROM (SELECT email FROM member ORDER BY id)')
[ "$rows" = "dirty@x.org,other@x.org,new@x.org" ] || { echo "database holds: $rows"; cat err; exit 1; }
exit 0
