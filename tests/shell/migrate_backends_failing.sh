#!/bin/sh
# migrate_backends_failing — a hand-written revision that fails midway, on
# each backend (see .backends). SQLite and PostgreSQL run a revision in one
# transaction: schema, data and ormsh_version stay as they were. MySQL
# commits DDL at once: the operations run one by one, the failing upgrade
# says which ran and which did not, ormsh_version still names the last
# complete revision, `db current` shows the revision left part-way, other
# moves refuse, and once the revision is fixed `db upgrade` runs only the
# rest. A Lua error in a revision changes nothing anywhere (on MySQL the
# revision is planned before anything runs); `db stamp` forgets a partial
# revision.
. "$ROOT/tests/shell/backend.inc"
new_app
author_model | models
ok db init
ok db migrate -m "Initial"
ok db upgrade
rev1=$(head_rev)
ok -e 'db.session:add(Author{ name = "A", email = "a@x" }); db.session:commit()'
tables_before=$(user_tables)

ok db revision -m "data fix"
f=$(revs | grep data_fix); rev2=${f%%_*}
write_rev() { # $1: the last operation
    cat >"$APP/migrations/versions/$f" <<LUA
return {
  revision = "$rev2", down_revision = "$rev1", message = "data fix",
  upgrade = function(op)
    op.create_table("tag", { op.column("id", "Integer", { primary_key = true }) })
    op.alter_column("author", "name", { type = "String(99)" })
    op.execute("UPDATE author SET name = :n", { n = "changed" })
    op.bulk_insert("author", { { name = "B", email = "b@x" } })
    $1
  end,
  downgrade = function(op) op.drop_table("tag") end,
}
LUA
}
unchanged() { # $1: when
    [ "$(user_tables)" = "$tables_before" ] || fail "$1: tables changed: $(user_tables)"
    [ "$(col_length author name)" = 30 ] || fail "$1: author.name changed"
    [ "$(sql 'SELECT name, email FROM author')" = "A|a@x" ] || fail "$1: data changed: $(sql 'SELECT * FROM author')"
    [ "$(version)" = "$rev1" ] || fail "$1: version moved: $(version)"
}

# a Lua error in the middle: nothing changes, on every backend
write_rev 'local t = nil; t.x = 1'
status 1 db upgrade
has "$TESTDIR/err" "migrations/versions/$f:8: attempt to index a nil value"
has "$TESTDIR/err" "the failing revision was rolled back; the database is at $rev1"
unchanged "after a Lua error"

# a failing statement
write_rev "op.execute(\"INSERT INTO author (name, email) VALUES ('dup', 'a@x')\")"
status 1 db upgrade
has "$TESTDIR/err" "migrations/versions/$f:8:"
has "$TESTDIR/err" "IntegrityError"
if [ "$BACKEND" != mysql ]; then
    has "$TESTDIR/err" "the failing revision was rolled back; the database is at $rev1"
    unchanged "after a failing statement"
    ok db current
    same "$TESTDIR/out" "$rev1"
    [ ! -s "$TESTDIR/err" ] || fail "db current: $(cat "$TESTDIR/err")"
else
    tail -4 "$TESTDIR/err" >"$TESTDIR/report"
    same "$TESTDIR/report" "ormsh: revision $rev1 -> $rev2 stopped part-way (this database commits each DDL statement at once, so what ran stays):
  applied:     create_table(\"tag\"), alter_column(\"author\", \"name\"), execute(\"UPDATE author SET name = :n\"), bulk_insert(\"author\")
  not applied: execute(\"INSERT INTO author (name, email) VALUES ('dup', 'a@x')\")
ormsh: the database is at $rev1 (ormsh_version) plus those 4 operations (recorded in ormsh_version_steps): fix the revision and run \`ormsh db upgrade\` to apply the rest"
    # ormsh_version names the last complete revision; the rest is recorded
    [ "$(version)" = "$rev1" ] || fail "version: $(version)"
    [ "$(sql 'SELECT step, applied FROM ormsh_version_steps ORDER BY step')" = "1|1
2|1
3|1
4|1
5|0" ] || fail "steps: $(sql 'SELECT * FROM ormsh_version_steps')"
    [ "$(user_tables)" = "author
tag" ] || fail "tables: $(user_tables)"
    [ "$(col_length author name)" = 99 ] || fail "author.name"
    [ "$(sql 'SELECT name, email FROM author ORDER BY id')" = "changed|a@x
B|b@x" ] || fail "data: $(sql 'SELECT * FROM author')"
    ok db current
    same "$TESTDIR/out" "$rev1"
    has "$TESTDIR/err" "revision $rev1 -> $rev2 is part-way"
    has "$TESTDIR/err" 'applied:     create_table("tag"), alter_column("author", "name")'
    # another move refuses while the revision is part-way
    status 1 db downgrade base
    has "$TESTDIR/err" "revision $rev1 -> $rev2 was left part-way"
    [ "$(version)" = "$rev1" ] || fail "version after the refused downgrade"
    # so does the revision when it no longer starts with what ran
    sed -i.bak 's/op.create_table("tag"/op.create_table("tags"/' "$APP/migrations/versions/$f"
    rm -f "$APP/migrations/versions/$f.bak"
    status 1 db upgrade
    has "$TESTDIR/err" "no longer starts with those operations"
    [ "$(user_tables)" = "author
tag" ] || fail "tables after the refusal: $(user_tables)"
fi

# fixed, it applies (on MySQL: only the operation that had not run)
write_rev 'op.execute("SELECT 1")'
ok db upgrade
[ "$BACKEND" != mysql ] || has "$TESTDIR/err" "Resuming: an earlier run applied 4 of the revision's 5 operations"
ok db current
same "$TESTDIR/out" "$rev2 (head)"
[ ! -s "$TESTDIR/err" ] || fail "db current: $(cat "$TESTDIR/err")"
[ "$(version)" = "$rev2" ] || fail "version: $(version)"
[ "$(sql 'SELECT name, email FROM author ORDER BY id')" = "changed|a@x
B|b@x" ] || fail "the fixed revision's data: $(sql 'SELECT * FROM author')"
[ "$(user_tables)" = "author
tag" ] || fail "tables: $(user_tables)"
[ "$(col_length author name)" = 99 ] || fail "author.name after the fix"
clean

# db stamp forgets a revision left part-way
ok db revision -m "half"
f3=$(revs | grep _half); rev3=${f3%%_*}
cat >"$APP/migrations/versions/$f3" <<LUA
return {
  revision = "$rev3", down_revision = "$rev2", message = "half",
  upgrade = function(op)
    op.add_column("author", op.column("age", "Integer"))
    op.execute("INSERT INTO author (name, email) VALUES ('dup', 'a@x')")
  end,
  downgrade = function(op) op.drop_column("author", "age") end,
}
LUA
status 1 db upgrade
ok db stamp "$rev2"
ok db current
same "$TESTDIR/out" "$rev2"
[ ! -s "$TESTDIR/err" ] || fail "db current after stamp: $(cat "$TESTDIR/err")"
