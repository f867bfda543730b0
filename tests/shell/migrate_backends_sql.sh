#!/bin/sh
# migrate_backends_sql — `db upgrade --sql` and `db downgrade --sql` print
# the SQL and change nothing, on each backend (see .backends). On MySQL,
# where DDL cannot be rolled back, nothing is even run: the statements are
# written from the tables as the earlier statements of the same output left
# them (a MODIFY of a column created three revisions before).
. "$ROOT/tests/shell/backend.inc"
new_app
author_model | models
ok db init
ok db migrate -m "Initial"
rev1=$(head_rev)
{ author_model; book_model; } | models
ok db upgrade
ok db migrate -m "book"
ok db upgrade
sed 's/name  = db.Column(db.String(30)),/name  = db.Column(db.String(40)),/' "$APP/models.lua" >"$TESTDIR/m" && mv "$TESTDIR/m" "$APP/models.lua"
ok db migrate -m "widen"
rev3=$(head_rev)
ok db downgrade base

# from base: nothing is created
ok db upgrade --sql
has "$TESTDIR/out" "INSERT INTO ormsh_version (version_num) VALUES ('$rev1');"
has "$TESTDIR/out" "UPDATE ormsh_version SET version_num = '$rev3' WHERE version_num = "
has "$TESTDIR/out" "CREATE TABLE book ("
case "$BACKEND" in
sqlite) has "$TESTDIR/out" "CREATE TABLE _ormsh_new_author (" ;;
postgresql) has "$TESTDIR/out" "ALTER TABLE author ALTER COLUMN name TYPE VARCHAR(40) USING name::VARCHAR(40);" ;;
mysql) has "$TESTDIR/out" "ALTER TABLE author MODIFY COLUMN name VARCHAR(40) NULL;" ;;
esac
[ "$(grep -c "CREATE TABLE ormsh_version" "$TESTDIR/out")" -le 1 ] || fail "the version table is created more than once"
[ -z "$(user_tables)" ] || fail "--sql created tables: $(user_tables)"
ok db current
[ ! -s "$TESTDIR/out" ] || fail "--sql moved the version: $(cat "$TESTDIR/out")"

# part of the way, for real, then the rest as SQL
ok db upgrade "$rev1"
ok -e 'db.session:add(Author{ name = "A", email = "a@x" }); db.session:commit()'
ok db upgrade --sql
[ "$(user_tables)" = "author" ] || fail "upgrade --sql changed the tables: $(user_tables)"
[ "$(col_length author name)" = 30 ] || fail "upgrade --sql widened author.name"
[ "$(version)" = "$rev1" ] || fail "upgrade --sql moved the version"

ok db upgrade
[ "$(col_length author name)" = 40 ] || fail "upgrade did not widen author.name"
ok db downgrade base --sql
has "$TESTDIR/out" "DROP TABLE book;"
has "$TESTDIR/out" "DROP TABLE author;"
has "$TESTDIR/out" "DELETE FROM ormsh_version WHERE version_num = '$rev1';"
[ "$(user_tables)" = "author
book" ] || fail "downgrade --sql changed the tables: $(user_tables)"
[ "$(col_length author name)" = 40 ] || fail "downgrade --sql narrowed author.name"
[ "$(version)" = "$rev3" ] || fail "downgrade --sql moved the version"
[ "$(sql 'SELECT name FROM author')" = "A" ] || fail "downgrade --sql touched the data"
ok db check
same "$TESTDIR/out" "No new upgrade operations detected."
clean
