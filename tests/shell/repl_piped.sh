#!/bin/sh
# repl_piped — `ormsh -i < transcript` replays input as typed: values on
# stdout only (exactly), banner and prompts (>>> / ...) on stderr, expressions
# printed, statements not, continuation lines, errors reported on one line
# while the REPL carries on, globals across inputs, nil printing nothing,
# several values tab-separated, exit() leaving with later lines unread.
set -u
cat >in.lua <<'LUA'
1 + 1
x = 20
x * 2
function add(a,
             b)
  return a + b
end
add(x, 2)
error("first failure")
x + 1
nil
print("printed")
1, "two", nil
"a string"
3.0
true
local t = {1, 2, 3} return t
undefined_table.field
for i = 1, 2 do
  print("loop", i)
end
s = [[long
string]]
s
_
exit()
print("never")
LUA
"$ORMSH" -i --database sqlite:// <in.lua >out 2>err
rc=$?
[ "$rc" -eq 0 ] || { echo "exit status $rc, want 0"; cat err; exit 1; }

printf '%s\n' 2 40 22 21 printed "1	two	nil" "a string" 3.0 true "{1, 2, 3}" \
    "loop	1" "loop	2" long string long string >want
diff -u want out || { echo "stdout differs"; exit 1; }

head -n 1 err | grep -q '^ormsh 0\.1\.0 (Lua 5\.4' || { echo "no banner line"; cat err; exit 1; }
grep -q '^Database: sqlite://' err || { echo "no Database line"; cat err; exit 1; }
grep -q '^App:' err && { echo "App line without an app"; exit 1; }
grep -q '>>> ' err || { echo "no primary prompt on stderr"; exit 1; }
grep -q '\.\.\. ' err || { echo "no continuation prompt on stderr"; exit 1; }
grep -q 'stdin:1: first failure' err || { echo "error line missing"; cat err; exit 1; }
grep -q "attempt to index a nil value (global 'undefined_table')" err ||
    { echo "second error missing"; cat err; exit 1; }
grep -q '>>>' out && { echo "prompt on stdout"; exit 1; }
grep -q 'never' out err && { echo "input after exit() ran"; exit 1; }

# Without -i a piped standard input is one script: no banner, no prompts.
printf 'y = 2\nprint(y * 21)\n' | "$ORMSH" --database sqlite:// >out2 2>err2 ||
    { echo "script from stdin failed"; cat err2; exit 1; }
[ "$(cat out2)" = "42" ] || { echo "script stdout: $(cat out2)"; exit 1; }
[ -s err2 ] && { echo "stderr not empty for a piped script:"; cat err2; exit 1; }

# A chunk still open at end of input is reported, not run.
printf 'for i = 1, 2 do\n' | "$ORMSH" -i --database sqlite:// >out3 2>err3
grep -q "'end' expected" err3 || { echo "unfinished chunk not reported"; cat err3; exit 1; }
exit 0
