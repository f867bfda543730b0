#!/bin/sh
# replica_idle — a shell idle at its prompt holds no read transaction on a
# SQLite replica: after a line that read from the replica, another client
# (here a second connection in the same shell, giving up on a lock at once)
# commits a write to the replica's file; within one line it cannot, since
# that line's reads share the replica's read transaction.
set -u
mkdir app
cat >app/app.lua <<'LUA'
return { name = "idle", database = "sqlite:///primary.db", models = { "models" },
         replicas = { "sqlite:///copy.db" } }
LUA
cat >app/models.lua <<'LUA'
Member = db.Model("Member", { id = db.Column(db.Integer, { primary_key = true }),
                              email = db.Column(db.String(30)) })
LUA
"$ORMSH" --app app -e 'db.create_all() db.session:add(Member{ email = "a@x.org" }) db.session:commit()' \
    2>/dev/null || exit 1
cp app/primary.db app/copy.db
{
  echo 'w = require("orm").connect("sqlite:///app/copy.db", { busy_timeout = 1 })'
  echo 'function write() local ok, e = pcall(function() w.session:execute(w.text("UPDATE member SET email = email")); w.session:commit() end); if not ok then w.session:rollback() end; return ok or tostring(e):match("database is locked") end'
  echo 'print("same line", Member.query:count(), write())'
  echo 'print("next line", write())'
} | "$ORMSH" --app app shell -i >out 2>err
rc=$?
[ "$rc" -eq 0 ] || { echo "exit status $rc"; cat out err; exit 1; }
want="same line	1	database is locked
next line	true"
[ "$(cat out)" = "$want" ] || { echo "stdout:"; cat out; echo "stderr:"; cat err; exit 1; }
exit 0
