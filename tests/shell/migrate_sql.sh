#!/bin/sh
# migrate_sql — `db upgrade --sql` and `db downgrade --sql` print the SQL
# and change nothing (schema, data, version); options may follow arguments.
. "$ROOT/tests/shell/migrate.inc"
new_app
author_model | models
ok db init
ok db migrate -m "Initial"
rev1=$(head_rev)
ok db upgrade --sql
has "$TESTDIR/out" "CREATE TABLE author ("
has "$TESTDIR/out" "CREATE TABLE ormsh_version ("
has "$TESTDIR/out" "INSERT INTO ormsh_version (version_num) VALUES ('$rev1');"
has "$TESTDIR/out" "COMMIT;"
[ -z "$(q "SELECT name FROM sqlite_master")" ] || fail "--sql created tables: $(q .schema)"
ok db current
[ ! -s "$TESTDIR/out" ] || fail "--sql moved the version"

ok db upgrade
ok -e 'db.session:add(Author{ name = "A", email = "a@x" }); db.session:commit()'
sed 's/String(30)),/String(40)),/' "$APP/models.lua" >"$TESTDIR/m" && mv "$TESTDIR/m" "$APP/models.lua"
ok db migrate -m "widen"
rev2=$(head_rev)
schema=$(q .schema)
ok db upgrade "$rev2" --sql
has "$TESTDIR/out" "CREATE TABLE _ormsh_new_author ("
has "$TESTDIR/out" "UPDATE ormsh_version SET version_num = '$rev2' WHERE version_num = '$rev1';"
has "$TESTDIR/out" "PRAGMA foreign_keys = OFF;"
[ "$(q .schema)" = "$schema" ] || fail "upgrade --sql changed the schema"
[ "$(q 'SELECT version_num FROM ormsh_version')" = "$rev1" ] || fail "upgrade --sql moved the version"

ok db upgrade
schema=$(q .schema)
ok db downgrade base --sql
has "$TESTDIR/out" "DROP TABLE author;"
has "$TESTDIR/out" "DELETE FROM ormsh_version WHERE version_num = '$rev1';"
[ "$(q .schema)" = "$schema" ] || fail "downgrade --sql changed the schema"
[ "$(q 'SELECT version_num FROM ormsh_version')" = "$rev2" ] || fail "downgrade --sql moved the version"
[ "$(q 'SELECT name FROM author')" = "A" ] || fail "downgrade --sql touched the data"
ok db downgrade --sql -1
has "$TESTDIR/out" "Running downgrade $rev2 -> $rev1, widen"
clean
