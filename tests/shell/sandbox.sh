#!/bin/sh
# sandbox — `ormsh shell --sandbox` (here piped with -i, and with -e):
# nothing done in the session survives it, committed changes included; a
# second process writes to the real database while the sandbox session has
# committed changes, and its write stays while the sandbox's goes;
# db.checkpoint / db.restore rewind; checkpoints refuse outside a sandbox,
# with a transaction open and for a checkpoint never taken. On each backend
# (SQLite: a private copy; servers: one outer transaction).
. "$ROOT/tests/shell/backend.inc"
new_app
models <<'LUA'
Author = db.Model("Author", {
  id   = db.Column(db.Integer, { primary_key = true }),
  name = db.Column(db.String(30)),
})
LUA
ok -e 'db.create_all(); db.session:add(Author{ name = "real" }); db.session:commit()'
before=$(schema)

# the second process: another ormsh writing to the real database
cat >"$TESTDIR/writer.sh" <<EOF2
#!/bin/sh
exec "$ORMSH" --app "$APP" -e 'db.session:add(Author{ name = "other" }); db.session:commit()' >/dev/null
EOF2
chmod +x "$TESTDIR/writer.sh"

cat >"$TESTDIR/in" <<LUA
db.session:add(Author{ name = "sand" })
db.session:commit()
print("sand", Author.query:filter_by{ name = "sand" }:count())
print("writer", os.execute("$TESTDIR/writer.sh"))
db.checkpoint("one")
Author.query:filter_by{ name = "sand" }:delete()
db.session:commit()
print("deleted", Author.query:filter_by{ name = "sand" }:count())
db.checkpoint("two")
db.session:add(Author{ name = "late" })
db.session:commit()
db.restore("two")
print("after two", Author.query:filter_by{ name = "sand" }:count(), Author.query:filter_by{ name = "late" }:count())
db.restore("one")
print("after one", Author.query:filter_by{ name = "sand" }:count(), Author.query:filter_by{ name = "late" }:count())
db.restore("two")
db.session:add(Author{ name = "pending" })
db.session:flush()
db.checkpoint("three")
db.session:rollback()
db.checkpoint("bad name")
LUA
ormsh --sandbox -i <"$TESTDIR/in"
[ "$RC" -eq 0 ] || { cat "$TESTDIR/out" "$TESTDIR/err"; fail "sandbox session exited $RC"; }
has "$TESTDIR/err" "Sandbox: all changes are discarded on exit"
has "$TESTDIR/out" "sand	1"
has "$TESTDIR/out" "writer	true	exit	0"
has "$TESTDIR/out" "deleted	0"
has "$TESTDIR/out" "after two	0	0"
has "$TESTDIR/out" "after one	1	0"
has "$TESTDIR/err" "ArgumentError: no checkpoint 'two' (taken: one)"
has "$TESTDIR/err" "ArgumentError: checkpoint: a transaction is open; commit or roll back first"
has "$TESTDIR/err" "ArgumentError: bad checkpoint name 'bad name'"
# the real database: the writer's row stays, nothing of the sandbox's
[ "$(sql 'SELECT name FROM author ORDER BY id')" = "real
other" ] || fail "real database after the sandbox: $(sql 'SELECT * FROM author')"
[ "$(schema)" = "$before" ] || fail "the schema changed"

# `shell --sandbox` spelled as the command, with -e: the commit goes too
ok shell --sandbox -e 'db.session:add(Author{ name = "e" }); db.session:commit(); print(Author.query:count())'
same "$TESTDIR/out" 3
[ "$(sql 'SELECT count(*) FROM author')" = 2 ] || fail "-e in a sandbox left rows: $(sql 'SELECT * FROM author')"

# outside a sandbox
status 1 -e 'db.checkpoint("x")'
has "$TESTDIR/err" "ArgumentError: checkpoint works only in a sandbox (ormsh shell --sandbox)"
status 2 db upgrade --sandbox
status 2 --sandbox db current

# where DDL commits at once, the sandbox refuses it (it would end the sandbox)
if [ "$BACKEND" = mysql ]; then
    status 1 --sandbox -e 'db.session:add(Author{ name = "x" }); db.session:commit(); db.drop_all()'
    has "$TESTDIR/err" "DROP statements are refused in a sandbox on mysql"
    [ "$(sql 'SELECT count(*) FROM author')" = 2 ] || fail "mysql: rows after the refused DDL"
else
    ok --sandbox -e 'db.drop_all(); db.create_all(); print(Author.query:count())'
    same "$TESTDIR/out" 0
    [ "$(sql 'SELECT count(*) FROM author')" = 2 ] || fail "DDL in a sandbox survived"
    [ "$(schema)" = "$before" ] || fail "the schema changed after DDL in a sandbox"
fi
echo ok
