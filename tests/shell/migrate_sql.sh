#!/bin/sh
# migrate_sql — `db upgrade --sql` and `db downgrade --sql` print the SQL
# and change nothing (schema, data, version); options may follow arguments.
# On every backend (see .backends); the SQL each prints for an altered
# column is its own (SQLite: a table rebuild with foreign keys off;
# PostgreSQL: ALTER COLUMN TYPE; MySQL: MODIFY COLUMN).
. "$ROOT/tests/shell/backend.inc"
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
[ "$BACKEND" != sqlite ] || [ -z "$(sql "SELECT name FROM sqlite_master")" ] || fail "--sql created tables: $(schema)"
[ -z "$(user_tables)" ] || fail "--sql created tables: $(user_tables)"
ok db current
[ ! -s "$TESTDIR/out" ] || fail "--sql moved the version"

ok db upgrade
ok -e 'db.session:add(Author{ name = "A", email = "a@x" }); db.session:commit()'
sed 's/String(30)),/String(40)),/' "$APP/models.lua" >"$TESTDIR/m" && mv "$TESTDIR/m" "$APP/models.lua"
ok db migrate -m "widen"
rev2=$(head_rev)
schema=$(schema)
case "$schema" in *author*ormsh_version*|*ormsh_version*author*) ;; *) fail "schema: $schema" ;; esac
ok db upgrade "$rev2" --sql
case "$BACKEND" in
sqlite)
    has "$TESTDIR/out" "CREATE TABLE _ormsh_new_author ("
    has "$TESTDIR/out" "PRAGMA foreign_keys = OFF;" ;;
postgresql) has "$TESTDIR/out" "ALTER TABLE author ALTER COLUMN name TYPE VARCHAR(40) USING name::VARCHAR(40);" ;;
mysql) has "$TESTDIR/out" "ALTER TABLE author MODIFY COLUMN name VARCHAR(40) NULL;" ;;
esac
has "$TESTDIR/out" "UPDATE ormsh_version SET version_num = '$rev2' WHERE version_num = '$rev1';"
[ "$(schema)" = "$schema" ] || fail "upgrade --sql changed the schema"
[ "$(col_length author name)" = 30 ] || fail "upgrade --sql widened author.name"
[ "$(version)" = "$rev1" ] || fail "upgrade --sql moved the version"

ok db upgrade
[ "$(col_length author name)" = 40 ] || fail "upgrade did not widen author.name"
schema=$(schema)
ok db downgrade base --sql
has "$TESTDIR/out" "DROP TABLE author;"
has "$TESTDIR/out" "DELETE FROM ormsh_version WHERE version_num = '$rev1';"
[ "$(schema)" = "$schema" ] || fail "downgrade --sql changed the schema"
[ "$(user_tables)" = "author" ] || fail "downgrade --sql dropped tables: $(user_tables)"
[ "$(version)" = "$rev2" ] || fail "downgrade --sql moved the version"
[ "$(sql 'SELECT name FROM author')" = "A" ] || fail "downgrade --sql touched the data"
ok db downgrade --sql -1
has "$TESTDIR/out" "Running downgrade $rev2 -> $rev1, widen"
clean
