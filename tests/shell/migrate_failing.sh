#!/bin/sh
# migrate_failing — a hand-written revision (db revision) that fails midway
# leaves schema, data and ormsh_version as they were; the error names the
# revision file and line. A later good revision still applies.
. "$ROOT/tests/shell/migrate.inc"
new_app
author_model | models
ok db init
ok db migrate -m "Initial"
ok db upgrade
rev1=$(head_rev)
ok -e 'db.session:add(Author{ name = "A", email = "a@x" }); db.session:commit()'
schema_before=$(q .schema)

ok db revision -m "data fix"
f=$(revs | grep data_fix)
has "$APP/migrations/versions/$f" "down_revision = \"$rev1\""
# fill it in by hand: a new table, a column change, data, then a failure
cat >"$APP/migrations/versions/$f" <<LUA
return {
  revision = "${f%%_*}", down_revision = "$rev1", message = "data fix",
  upgrade = function(op)
    op.create_table("tag", { op.column("id", "Integer", { primary_key = true }) })
    op.alter_column("author", "name", { type = "String(99)" })
    op.execute("UPDATE author SET name = :n", { n = "changed" })
    op.bulk_insert("author", { { name = "B", email = "b@x" } })
    op.execute("INSERT INTO author (name, email) VALUES ('dup', 'a@x')")
  end,
  downgrade = function(op) op.drop_table("tag") end,
}
LUA
status 1 db upgrade
has "$TESTDIR/err" "migrations/versions/$f:8:"
has "$TESTDIR/err" "IntegrityError"
[ "$(q .schema)" = "$schema_before" ] || fail "schema changed: $(q .schema)"
[ "$(q 'SELECT name, email FROM author')" = "A|a@x" ] || fail "data changed: $(q 'SELECT * FROM author')"
[ "$(q 'SELECT version_num FROM ormsh_version')" = "$rev1" ] || fail "version moved"
clean

# a Lua error in the middle is reported with its line too
sed -i.bak 's/op.execute("INSERT INTO author (name, email) VALUES (.dup., .a@x.)")/local t = nil; t.x = 1/' "$APP/migrations/versions/$f"
rm -f "$APP/migrations/versions/$f.bak"
status 1 db upgrade
has "$TESTDIR/err" "migrations/versions/$f:8: attempt to index a nil value"
[ "$(q .schema)" = "$schema_before" ] || fail "schema changed after a Lua error"
[ "$(q 'SELECT version_num FROM ormsh_version')" = "$rev1" ] || fail "version moved after a Lua error"

# fixed, it applies
sed -i.bak 's/local t = nil; t.x = 1/op.execute("SELECT 1")/' "$APP/migrations/versions/$f"
rm -f "$APP/migrations/versions/$f.bak"
ok db upgrade
[ "$(q 'SELECT name FROM author ORDER BY id')" = "changed
B" ] || fail "the fixed revision's data: $(q 'SELECT * FROM author')"
q "SELECT name FROM sqlite_master WHERE name = 'tag'" | grep -q tag || fail "no tag table"
clean
