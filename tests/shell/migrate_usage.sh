#!/bin/sh
# migrate_usage — bad db command lines exit 2 without touching anything;
# db commands outside an app or before db init exit 1 saying what to do;
# a dropped and an added column are written as drop + add with a comment
# asking to check for a rename (never guessed).
# On every backend (see .backends).
. "$ROOT/tests/shell/backend.inc"
new_app
author_model | models
for args in "db" "db frobnicate" "db show" "db stamp" "db merge -m x" "db upgrade a b" \
            "db current --sql" "db history -m x" "db upgrade --bogus" "db init extra"; do
    # shellcheck disable=SC2086
    status 2 $args
    has "$TESTDIR/err" "usage"
done
[ ! -d "$APP/instance" ] || [ -z "$(ls "$APP/instance")" ] || fail "a usage error opened the database"
[ "$BACKEND" = sqlite ] || [ -z "$(user_tables)" ] || fail "a usage error made tables: $(user_tables)"
status 1 db upgrade
has "$TESTDIR/err" "ormsh db init"
(cd "$TESTDIR" && "$ORMSH" db current >"$TESTDIR/out" 2>"$TESTDIR/err"); RC=$?
[ "$RC" -eq 1 ] || fail "db without an app exited $RC"
has "$TESTDIR/err" "--app"

ok db init
ok db migrate -m "Initial"
ok db upgrade
author_model | sed 's/name  = db.Column/full_name = db.Column/' | models
ok db migrate -m "rename name"
f=$(revs | grep rename_name)
has "$APP/migrations/versions/$f" 'op.add_column("author", op.column("full_name", "String(30)"))'
has "$APP/migrations/versions/$f" 'op.drop_column("author", "name")'
has "$APP/migrations/versions/$f" '-- Check: author loses column name and gains full_name.'
has "$APP/migrations/versions/$f" 'op.alter_column("author", "name", { new_name = "full_name" })'
# the user follows the advice: a real rename keeps the data
ok -e 'db.session:execute(db.text("INSERT INTO author (name, email) VALUES (:n, :e)"), { n = "kept", e = "k@x" }); db.session:commit()'
cat >"$APP/migrations/versions/$f" <<LUA
return {
  revision = "${f%%_*}", down_revision = "$(ls "$APP/migrations/versions" | grep initial | cut -c1-12)", message = "rename name",
  upgrade = function(op) op.alter_column("author", "name", { new_name = "full_name" }) end,
  downgrade = function(op) op.alter_column("author", "full_name", { new_name = "name" }) end,
}
LUA
ok db upgrade
[ "$(sql 'SELECT full_name FROM author')" = "kept" ] || fail "rename lost the data"
ok db check
# options after arguments
ok db downgrade -1 --sql
# (MySQL writes the column's whole definition: CHANGE COLUMN)
if [ "$BACKEND" = mysql ]; then
    has "$TESTDIR/out" "ALTER TABLE author CHANGE COLUMN full_name name varchar(30) NULL;"
else
    has "$TESTDIR/out" "RENAME COLUMN full_name TO name"
fi
[ "$(sql 'SELECT full_name FROM author')" = "kept" ] || fail "downgrade --sql renamed the column"
