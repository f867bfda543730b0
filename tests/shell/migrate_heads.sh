#!/bin/sh
# migrate_heads — two revisions made from the same parent (two branches)
# are both reported as heads; upgrade and migrate refuse, naming them and
# `db merge`; `db merge -m MSG REV REV` joins them and upgrade then applies
# both branches and the merge. Downgrading the merge goes back to both.
# On every backend (see .backends).
. "$ROOT/tests/shell/backend.inc"
new_app
author_model | models
ok db init
ok db migrate -m "Initial"
ok db upgrade
rev1=$(head_rev)
ok db revision -m "branch one"
a=$(revs | grep branch_one); a=${a%%_*}
# a second branch from the same parent, as a teammate's file would arrive
cat >"$APP/migrations/versions/bbbbbbbbbbbb_branch_two.lua" <<LUA
return {
  revision = "bbbbbbbbbbbb", down_revision = "$rev1", message = "branch two",
  upgrade = function(op) op.create_table("two", { op.column("id", "Integer", { primary_key = true }) }) end,
  downgrade = function(op) op.drop_table("two") end,
}
LUA
ok db heads
[ "$(wc -l <"$TESTDIR/out")" -eq 2 ] || fail "heads: $(cat "$TESTDIR/out")"
has "$TESTDIR/out" "$a (head)"
has "$TESTDIR/out" "bbbbbbbbbbbb (head)"
ok db history
has "$TESTDIR/out" "<base> -> $rev1 (branchpoint), Initial"
status 1 db upgrade
has "$TESTDIR/err" "multiple heads"
has "$TESTDIR/err" "ormsh db merge"
has "$TESTDIR/err" "bbbbbbbbbbbb"
has "$TESTDIR/err" "$a"
[ "$(version)" = "$rev1" ] || fail "upgrade moved with two heads: $(version)"
status 1 db migrate -m "more"
has "$TESTDIR/err" "ormsh db merge"

# one branch can still be applied by name
ok db upgrade bbbbbbbbbbbb
ok db current
same "$TESTDIR/out" "bbbbbbbbbbbb (head)"

ok db merge -m "join branches" "$a" bbbbbbbbbbbb
m=$(revs | grep join_branches)
has "$APP/migrations/versions/$m" "down_revision = { "
ok db heads
same "$TESTDIR/out" "${m%%_*} (head)"
ok db upgrade
has "$TESTDIR/err" "Running upgrade $rev1 -> $a, branch one"
ok db current
same "$TESTDIR/out" "${m%%_*} (head)"
ok db history
has "$TESTDIR/out" "$a, bbbbbbbbbbbb -> ${m%%_*} (head) (mergepoint), join branches"
ok db show "${m%%_*}"
has "$TESTDIR/out" "Merges: $a, bbbbbbbbbbbb"
ok db downgrade
ok db current
[ "$(sort "$TESTDIR/out")" = "$(printf '%s\n%s\n' "$a" "bbbbbbbbbbbb" | sort)" ] || fail "after downgrading the merge: $(cat "$TESTDIR/out")"
ok db downgrade base
ok db current
[ ! -s "$TESTDIR/out" ] || fail "base: $(cat "$TESTDIR/out")"
ok db upgrade heads
ok db upgrade
ok db current
same "$TESTDIR/out" "${m%%_*} (head)"
clean
