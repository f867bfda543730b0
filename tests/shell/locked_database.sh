#!/bin/sh
# locked_database — when another process holds the write lock longer than
# the busy timeout, a commit fails with one line
# "OperationalError: database is locked", exit status 1, and the database
# holds only what was committed before.
set -u
mkdir app
cat >app/app.lua <<'LUA'
return { name = "locky", database = "sqlite:///instance/locky.db", models = { "models" }, busy_timeout = 200 }
LUA
cat >app/models.lua <<'LUA'
Member = db.Model("Member", {
  id = db.Column(db.Integer, { primary_key = true }),
  email = db.Column(db.String(30), { unique = true, nullable = false }),
})
LUA
"$ORMSH" --app app -e 'db.create_all() db.session:add(Member{ email = "first@x.org" }) db.session:commit()' || exit 1
DB=app/instance/locky.db
# another process takes the write lock and keeps it for 3 seconds
# (it waits for the lock itself: the probe below takes it for an instant)
( printf 'BEGIN IMMEDIATE;\nINSERT INTO member (email) VALUES ("other@x.org");\n'; sleep 3; printf 'ROLLBACK;\n' ) |
  sqlite3 -cmd '.timeout 5000' "$DB" &
bg=$!
i=0
until [ "$(sqlite3 -cmd '.timeout 0' "$DB" 'BEGIN IMMEDIATE; ROLLBACK;' 2>&1 | grep -c locked)" -ge 1 ] || [ $i -ge 50 ]; do
  sleep 0.05; i=$((i + 1))
done
cat >seed.lua <<'LUA'
db.session:add(Member{ email = "second@x.org" })
db.session:commit()
print("committed")
LUA
"$ORMSH" --app app run seed.lua >out 2>err
rc=$?
wait $bg
[ "$rc" -eq 1 ] || { echo "exit status $rc, want 1"; cat out err; exit 1; }
[ ! -s out ] || { echo "unexpected stdout:"; cat out; exit 1; }
grep -q 'seed.lua:2: OperationalError: database is locked$' err || { echo "stderr:"; cat err; exit 1; }
rows=$(sqlite3 "$DB" 'SELECT group_concat(email) FROM member')
[ "$rows" = "first@x.org" ] || { echo "database holds: $rows"; exit 1; }
exit 0
