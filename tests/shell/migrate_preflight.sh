#!/bin/sh
# migrate_preflight — `db upgrade` / `db downgrade` count what each step would
# destroy and refuse without --force, naming revision, table, column and the
# count: a dropped table with rows, a dropped non-empty column, a new NOT NULL
# column without a default on a table with rows, a String narrowed below
# values it holds. --dry-run and --sql report the same and change nothing
# (the backend's own schema dump is the same before and after); --force runs
# the step (the NOT NULL one then fails in the database itself, as it must).
. "$ROOT/tests/shell/backend.inc"
new_app
author_model | models
ok db init
ok db migrate -m "Initial"
ok db upgrade
rev1=$(head_rev)
ok -e 'db.session:add_all{ Author{ name = "Ann Long", email = "a@x" }, Author{ name = "Bo", email = "b@x" }, Author{ email = "c@x" } }; db.session:commit()'

# revision REV_NAME BODY_UP BODY_DOWN — a hand-written revision after the head
revision() {
    ok db revision -m "$1"
    f=$(revs | grep "$1")
    down=$(sql "SELECT version_num FROM ormsh_version")
    cat >"$APP/migrations/versions/$f" <<LUA
return {
  revision = "${f%%_*}", down_revision = "$down", message = "$1",
  upgrade = function(op) $2 end,
  downgrade = function(op) $3 end,
}
LUA
    REV=${f%%_*}
}

# refused — the last command refused and changed nothing
before=$(schema)
unchanged() { [ "$(schema)" = "$before" ] || fail "the schema changed: $*"; }

# 1. a dropped column holding values (2 of 3 names are not null)
revision dropname 'op.drop_column("author", "name")' 'op.add_column("author", op.column("name", "String(30)"))'
status 1 db upgrade
has "$TESTDIR/err" "refusing to migrate"
has "$TESTDIR/err" "$REV: drop_column author.name: 2 non-null values would be lost"
unchanged "refused drop_column"
[ "$(version)" = "$rev1" ] || fail "version moved: $(version)"
# --dry-run reports the same on stdout and changes nothing
ok db upgrade --dry-run
has "$TESTDIR/out" "$REV: drop_column author.name: 2 non-null values would be lost"
has "$TESTDIR/err" "Dry run: nothing was changed."
unchanged "dry run"
# --sql prints the SQL and the counts, changes nothing
ok db upgrade --sql
has "$TESTDIR/out" "DROP"
has "$TESTDIR/err" "$REV: drop_column author.name: 2 non-null values would be lost"
unchanged "--sql"
ok db upgrade --force
[ "$(version)" = "$REV" ] || fail "not upgraded: $(version)"
[ "$(sql 'SELECT COUNT(*) FROM author')" = 3 ] || fail "rows lost"
# the way back adds the column again: nothing to lose
ok db downgrade
hasnt "$TESTDIR/err" "refusing"
ok db upgrade --force

# 2. a new NOT NULL column without a default on a table with 3 rows
before=$(schema)
revision addrank 'op.add_column("author", op.column("rank", "Integer", { nullable = false }))' 'op.drop_column("author", "rank")'
status 1 db upgrade
has "$TESTDIR/err" "$REV: add_column author.rank (NOT NULL, no default): 3 existing rows would be rejected"
unchanged "refused add_column"
ormsh db upgrade --dry-run # exits 1 where the database refuses the step itself
has "$TESTDIR/out" "$REV: add_column author.rank (NOT NULL, no default): 3 existing rows would be rejected"
unchanged "dry run add_column"
# --force: past the pre-flight, the database's own rule decides
ormsh db upgrade --force
hasnt "$TESTDIR/err" "refusing"
if [ "$RC" -ne 0 ]; then
    has "$TESTDIR/err" "NOT NULL"
    unchanged "failed add_column"
    rm "$APP/migrations/versions/$f"
else
    ok db downgrade --force
    rm "$APP/migrations/versions/$f"
fi
before=$(schema)

# 3. a String narrowed below the values it holds ("Ann Long" > 3 characters)
revision narrow 'op.alter_column("author", "email", { type = "String(3)" })' 'op.alter_column("author", "email", { type = "String(30)" })'
sql "INSERT INTO author (email) VALUES ('long@example.org')"
status 1 db upgrade
has "$TESTDIR/err" "$REV: alter_column author.email (String(3)): 1 value longer than that would be cut"
unchanged "refused alter_column"
ok db upgrade --dry-run
has "$TESTDIR/out" "$REV: alter_column author.email (String(3)): 1 value longer than that would be cut"
unchanged "dry run alter_column"
ormsh db upgrade --force
hasnt "$TESTDIR/err" "refusing"
if [ "$RC" -eq 0 ]; then
    [ "$(col_length author email)" = 3 ] || fail "email not narrowed: $(col_length author email)"
    ok db downgrade --force
else
    unchanged "failed alter_column"
fi
rm "$APP/migrations/versions/$f"
before=$(schema)

# 4. down to base drops the author table holding 4 rows
status 1 db downgrade base
has "$TESTDIR/err" "$rev1: drop_table author: 4 rows would be deleted"
unchanged "refused drop_table"
ok db downgrade base --dry-run
has "$TESTDIR/out" "$rev1: drop_table author: 4 rows would be deleted"
unchanged "dry run drop_table"
ok db downgrade base --force
[ -z "$(version)" ] || fail "not at base: $(version)"
[ "$(user_tables | grep -c '^author$')" = 0 ] || fail "author still there"
# an empty table goes without a word
ok db upgrade
ok db downgrade base
hasnt "$TESTDIR/err" "refusing"
echo ok
