#!/bin/sh
# cli_options — the command line (docs/reference.md): --version/--help on stdout with
# status 0; unknown options and commands are usage errors (stderr, status 2);
# -e runs code (an expression's value printed); `run FILE ARGS` fills `arg`
# and `...`, FILE may be `-` or a pipe; options after the arguments count,
# `--` ends them; script errors exit 1 naming file:line; exit(n) sets the
# status; `db` outside an app exits 1 asking for one; a bad URL exits 1.
set -u
unset ORMSH_APP DATABASE_URL
bad() { echo "FAIL: $*"; exit 1; }

out=$("$ORMSH" --version 2>err) || bad "--version failed"
case "$out" in "ormsh 0.1.0 (Lua 5.4."*")") ;; *) bad "--version printed '$out'" ;; esac
[ -s err ] && bad "--version wrote to stderr"
"$ORMSH" --help >out 2>err || bad "--help failed"
grep -q '^usage: ormsh' out || bad "--help has no usage line"
grep -q 'run FILE.lua' out || bad "--help does not list run"
[ -s err ] && bad "--help wrote to stderr"

"$ORMSH" --no-such-option >out 2>err; rc=$?
[ "$rc" -eq 2 ] || bad "unknown option: status $rc, want 2"
grep -q -- "--no-such-option" err || bad "unknown option not named: $(cat err)"
[ -s out ] && bad "usage error wrote to stdout"
"$ORMSH" frobnicate >out 2>err; rc=$?
[ "$rc" -eq 2 ] || bad "unknown command: status $rc, want 2"
grep -q "frobnicate" err || bad "unknown command not named"
"$ORMSH" db >out 2>err; rc=$?
[ "$rc" -eq 2 ] || bad "db without a command: status $rc, want 2"
for sub in init migrate upgrade downgrade check models diagram seed dump load; do
    grep -q " $sub" err || bad "db usage does not list $sub: $(cat err)"
done
"$ORMSH" run >/dev/null 2>&1; [ $? -eq 2 ] || bad "run without a file is not a usage error"
"$ORMSH" --app >/dev/null 2>&1; [ $? -eq 2 ] || bad "--app without a value is not a usage error"

[ "$("$ORMSH" -e 'print(6 * 7)')" = "42" ] || bad "-e print"
[ "$("$ORMSH" -e '6 * 7')" = "42" ] || bad "-e expression value not printed"
[ "$("$ORMSH" -e 'x = 1' -e 'print(x + 1)')" = "2" ] || bad "two -e in order"
[ "$("$ORMSH" -e 'print(db.url)')" = "sqlite://" ] || bad "default database is not sqlite://"

cat >args.lua <<'LUA'
print(arg[0], #arg, arg[1], arg[2], select("#", ...), ...)
LUA
[ "$("$ORMSH" run args.lua one two)" = "args.lua	2	one	two	2	one	two" ] || bad "run args"
[ "$("$ORMSH" run args.lua -- --echo -i)" = "args.lua	2	--echo	-i	2	--echo	-i" ] ||
    bad "-- does not end the options"
[ "$("$ORMSH" run args.lua x --echo -e 'print(db.echo)')" = "true
args.lua	1	x	nil	1	x" ] || bad "options after a command's arguments"
[ "$(printf 'print("from stdin", ...)' | "$ORMSH" run - a)" = "from stdin	a" ] || bad "run -"
mkfifo fifo
printf 'print("from a pipe")' >fifo &
[ "$("$ORMSH" run fifo)" = "from a pipe" ] || bad "run from a named pipe"
wait

printf 'print("before")\nlocal x = nil\nerror("boom")\n' >fails.lua
"$ORMSH" run fails.lua >out 2>err; rc=$?
[ "$rc" -eq 1 ] || bad "script error: status $rc, want 1"
[ "$(cat out)" = "before" ] || bad "script stdout: $(cat out)"
grep -q '^fails.lua:3: boom$' err || bad "script error line: $(cat err)"
printf 'local x = = 1\n' >syntax.lua
"$ORMSH" run syntax.lua 2>err; [ $? -eq 1 ] || bad "syntax error: status not 1"
grep -q '^syntax.lua:1:' err || bad "syntax error line: $(cat err)"
"$ORMSH" run missing.lua 2>err; [ $? -eq 1 ] || bad "missing script: status not 1"
grep -q 'missing.lua' err || bad "missing script not named"
"$ORMSH" -e 'error("in e")' 2>err; [ $? -eq 1 ] || bad "-e error: status not 1"
grep -q 'in e' err || bad "-e error not shown"
printf 'print("a")\nexit(3)\nprint("b")\n' >exit.lua
[ "$("$ORMSH" run exit.lua)" = "a" ] || bad "exit() did not stop the script"
"$ORMSH" run exit.lua >/dev/null; [ $? -eq 3 ] || bad "exit(3) status"

"$ORMSH" db upgrade --sql >out 2>err; rc=$?
[ "$rc" -eq 1 ] || bad "db: status $rc, want 1"
grep -q "app directory" err || bad "db message: $(cat err)"

"$ORMSH" --database 'nosuchscheme://x' -e 'print(1)' >out 2>err; rc=$?
[ "$rc" -eq 1 ] || bad "bad URL: status $rc, want 1"
[ "$(wc -l <err)" -eq 1 ] || bad "bad URL error is not one line: $(cat err)"
grep -q 'Error' err || bad "bad URL error has no class: $(cat err)"
[ -s out ] && bad "bad URL wrote to stdout"
exit 0
