#!/bin/sh
# migrate_broken — a revision file with a syntax error, one that raises, one
# that returns the wrong thing, and one pointing at an unknown revision:
# each db command fails with one clear line naming the file (and line).
# On every backend (see .backends).
. "$ROOT/tests/shell/backend.inc"
new_app
author_model | models
ok db init
ok db migrate -m "Initial"
ok db upgrade
rev1=$(head_rev)
v="$APP/migrations/versions"

printf 'return {\n  revision = "aaaaaaaaaaaa", down_revision = "%s",\n  upgrade = function(op) op.drop_table("x") ,\n}\n' "$rev1" >"$v/aaaaaaaaaaaa_broken.lua"
for cmd in upgrade history current check; do
    status 1 db $cmd
    has "$TESTDIR/err" "migrations/versions/aaaaaaaaaaaa_broken.lua:3:"
    [ "$(wc -l <"$TESTDIR/err")" -eq 1 ] || fail "db $cmd: more than one line: $(cat "$TESTDIR/err")"
done
# the shell itself still starts (the warning is for db commands to explain)
ok -e 'print(Author.__table.name)'
same "$TESTDIR/out" "author"

printf 'error("half written")\n' >"$v/aaaaaaaaaaaa_broken.lua"
status 1 db upgrade
has "$TESTDIR/err" "migrations/versions/aaaaaaaaaaaa_broken.lua:1: half written"

printf 'return { revision = "aaaaaaaaaaaa", down_revision = "%s" }\n' "$rev1" >"$v/aaaaaaaaaaaa_broken.lua"
status 1 db heads
has "$TESTDIR/err" "migrations/versions/aaaaaaaaaaaa_broken.lua: 'upgrade' must be a function"

printf 'return 42\n' >"$v/aaaaaaaaaaaa_broken.lua"
status 1 db heads
has "$TESTDIR/err" "migrations/versions/aaaaaaaaaaaa_broken.lua: a revision file must return a table"

printf 'return { revision = "aaaaaaaaaaaa", down_revision = "bbbbbbbbbbbb",\n  upgrade = function(op) end, downgrade = function(op) end }\n' >"$v/aaaaaaaaaaaa_broken.lua"
status 1 db upgrade
has "$TESTDIR/err" "migrations/versions/aaaaaaaaaaaa_broken.lua: down_revision bbbbbbbbbbbb"

cp "$v/$(revs | grep initial)" "$v/cccccccccccc_copy.lua"
rm "$v/aaaaaaaaaaaa_broken.lua"
status 1 db heads
has "$TESTDIR/err" "is already defined in"
rm "$v/cccccccccccc_copy.lua"
ok db heads
