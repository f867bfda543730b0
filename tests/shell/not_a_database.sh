#!/bin/sh
# not_a_database — a database file that is not SQLite (or is damaged) is an
# OperationalError naming the file, one line, exit status 1, and the file
# is left as it was; the shell prints the line and carries on.
set -u
mkdir app
cat >app/app.lua <<'LUA'
return { name = "junk", database = "sqlite:///junk.db", models = { "models" } }
LUA
cat >app/models.lua <<'LUA'
Member = db.Model("Member", { id = db.Column(db.Integer, { primary_key = true }) })
LUA
i=0; while [ $i -lt 200 ]; do printf 'this is not a database file, line %d\n' $i; i=$((i + 1)); done >app/junk.db
cp app/junk.db before.db
fail=0
bad() { echo "not_a_database: $*"; fail=1; }

"$ORMSH" --app app -e 'print(Member.query:count())' >out 2>err; rc=$?
[ "$rc" -eq 1 ] || bad "query: status $rc, want 1"
[ "$(wc -l <err)" -eq 1 ] || bad "query: not one line: $(cat err)"
grep -q "OperationalError: file is not a database: .*junk.db" err || bad "query: $(cat err)"
[ -s out ] && bad "query wrote to stdout: $(cat out)"

"$ORMSH" --app app -e 'local ok, e = pcall(db.create_all) print(db.OperationalError:is(e), e.code)' >out 2>err
[ "$(cat out)" = "true	26" ] || bad "create_all: $(cat out) $(cat err)"

printf 'Member.query:count()\nprint("still here")\n' | "$ORMSH" --app app -i >out 2>err
grep -q "^>>> OperationalError: file is not a database: .*junk.db$" err || bad "shell: $(cat err)"
[ "$(cat out)" = "still here" ] || bad "the shell did not carry on: $(cat out)"

cmp -s app/junk.db before.db || bad "the file was changed"
exit $fail
