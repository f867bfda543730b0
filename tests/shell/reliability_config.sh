#!/bin/sh
# reliability_config — configuration mistakes get one line naming the key or
# the path, exit status 1: app.lua's busy_timeout not a whole number of
# milliseconds >= 0; a file named migrations where the migrations directory
# belongs (`db upgrade` and `db init` used to send the user to each other).
set -u
mkdir app
fail() { echo "$*"; exit 1; }
for v in '"abc"' -5 1.5; do
  printf 'return { name = "x", database = "sqlite:///x.db", busy_timeout = %s }\n' "$v" >app/app.lua
  "$ORMSH" --app app -e 'print("ran")' >out 2>err
  rc=$?
  [ "$rc" -eq 1 ] || fail "busy_timeout = $v: exit status $rc"
  [ ! -s out ] || fail "busy_timeout = $v: ran anyway"
  [ "$(wc -l <err)" -eq 1 ] || fail "busy_timeout = $v: not one line: $(cat err)"
  grep -q "^ormsh: app.lua: 'busy_timeout' must be a whole number of milliseconds, 0 or more (got " err ||
    fail "busy_timeout = $v: $(cat err)"
done
printf 'return { name = "x", database = "sqlite:///x.db", busy_timeout = 50 }\n' >app/app.lua
[ "$("$ORMSH" --app app -e 'print("ran")' 2>&1)" = "ran" ] || fail "a valid busy_timeout refused"

: >app/migrations
for sub in init upgrade migrate current; do
  "$ORMSH" --app app db $sub >out 2>err
  rc=$?
  [ "$rc" -eq 1 ] || fail "db $sub with a migrations file: exit status $rc"
  grep -q "migrations is not a directory: remove or rename it, then run \`ormsh db init\`" err ||
    fail "db $sub: $(cat err)"
  [ "$(wc -l <err)" -eq 1 ] || fail "db $sub: not one line: $(cat err)"
done
rm app/migrations
mkdir app/migrations
"$ORMSH" --app app db upgrade >out 2>err
grep -q "migrations has no versions/ directory" err || fail "empty migrations/: $(cat err)"
rmdir app/migrations
"$ORMSH" --app app db init >out 2>err || fail "db init after the fix: $(cat err)"
exit 0
