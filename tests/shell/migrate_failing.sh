#!/bin/sh
# migrate_failing — a hand-written revision (db revision) that fails midway
# leaves schema, data and ormsh_version as they were (on SQLite and
# PostgreSQL, which run a revision in one transaction; MySQL commits DDL at
# once and reports which operations ran: ormsh_version stays, see also
# migrate_backends_failing); the error names the revision file and line. A
# Lua error midway changes nothing anywhere. A later good revision still
# applies. On every backend (see .backends).
. "$ROOT/tests/shell/backend.inc"
new_app
author_model | models
ok db init
ok db migrate -m "Initial"
ok db upgrade
rev1=$(head_rev)
ok -e 'db.session:add(Author{ name = "A", email = "a@x" }); db.session:commit()'
schema_before=$(schema)
case "$schema_before" in *author*) ;; *) fail "schema: $schema_before" ;; esac

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
if [ "$BACKEND" != mysql ]; then
    [ "$(schema)" = "$schema_before" ] || fail "schema changed: $(schema)"
    [ "$(sql 'SELECT name, email FROM author')" = "A|a@x" ] || fail "data changed: $(sql 'SELECT * FROM author')"
    [ "$(version)" = "$rev1" ] || fail "version moved: $(version)"
    clean
else
    # what ran stays and is reported; ormsh_version names the last complete revision
    has "$TESTDIR/err" "revision $rev1 -> ${f%%_*} stopped part-way"
    has "$TESTDIR/err" 'applied:     create_table("tag"), alter_column("author", "name"), execute("UPDATE author SET name = :n"), bulk_insert("author")'
    has "$TESTDIR/err" "not applied: execute(\"INSERT INTO author (name, email) VALUES ('dup', 'a@x')\")"
    [ "$(version)" = "$rev1" ] || fail "version moved: $(version)"
    [ "$(sql 'SELECT name, email FROM author ORDER BY id')" = "changed|a@x
B|b@x" ] || fail "data: $(sql 'SELECT * FROM author')"
    schema_before=$(schema) # the Lua error below must leave it so
fi

# a Lua error in the middle is reported with its line too
sed -i.bak 's/op.execute("INSERT INTO author (name, email) VALUES (.dup., .a@x.)")/local t = nil; t.x = 1/' "$APP/migrations/versions/$f"
rm -f "$APP/migrations/versions/$f.bak"
status 1 db upgrade
has "$TESTDIR/err" "migrations/versions/$f:8: attempt to index a nil value"
[ "$(schema)" = "$schema_before" ] || fail "schema changed after a Lua error"
[ "$(version)" = "$rev1" ] || fail "version moved after a Lua error: $(version)"

# fixed, it applies
sed -i.bak 's/local t = nil; t.x = 1/op.execute("SELECT 1")/' "$APP/migrations/versions/$f"
rm -f "$APP/migrations/versions/$f.bak"
ok db upgrade
[ "$BACKEND" != mysql ] || has "$TESTDIR/err" "Resuming: an earlier run applied 4 of the revision's 5 operations"
[ "$(version)" = "${f%%_*}" ] || fail "version after the fix: $(version)"
[ "$(sql 'SELECT name FROM author ORDER BY id')" = "changed
B" ] || fail "the fixed revision's data: $(sql 'SELECT * FROM author')"
[ "$(user_tables)" = "author
tag" ] || fail "no tag table: $(user_tables)"
[ "$(col_length author name)" = 99 ] || fail "author.name: $(col_length author name)"
clean
