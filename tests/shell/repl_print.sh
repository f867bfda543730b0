#!/bin/sh
# repl_print — how the REPL shows values: plain tables readably (array part
# first, other keys sorted, identifiers bare, other keys bracketed, strings
# quoted and escaped, nesting, <cycle>, deep nesting and long tables cut),
# __tostring used, <function>, <Name> for named userdata without __tostring.
set -u
cat >in.lua <<'LUA'
{}
{1, 2, 3}
{name = "x", n = 2}
{3, 2, z = 1, a = {b = {true, false}}, [10] = "ten", ["with space"] = 1, ["end"] = 0}
{s = "quote\" back\\ nl\n tab\t"}
{f = print}
t = {} t.self = t return t
setmetatable({}, {__tostring = function() return "<custom repr>" end})
{setmetatable({}, {__tostring = function() return "<inner>" end})}
print
debug.setmetatable(io.stdout, {__name = "Thing"}) return io.stdout
local big = {} for i = 1, 150 do big[i] = i end return #tostring(big) < 1000
{{{{{{{{{{1}}}}}}}}}}
LUA
"$ORMSH" -i --database sqlite:// <in.lua >out 2>err || { echo "ormsh failed"; cat err; exit 1; }
cat >want <<'OUT'
{}
{1, 2, 3}
{n = 2, name = "x"}
{3, 2, [10] = "ten", a = {b = {true, false}}, ["end"] = 0, ["with space"] = 1, z = 1}
{s = "quote\" back\\ nl\n tab\t"}
{f = <function>}
{self = <cycle>}
<custom repr>
{<inner>}
<function>
<Thing>
OUT
head -n 11 out | diff -u want - || { echo "stdout differs"; exit 1; }
[ "$(sed -n 12p out)" = "true" ] || { echo "a 150-item table is not cut short"; exit 1; }
sed -n 13p out | grep -q '{\.\.\.}' || { echo "deep nesting not cut: $(sed -n 13p out)"; exit 1; }
big=$(printf 'local t = {} for i = 1, 150 do t[i] = i end return t\n' |
      "$ORMSH" -i --database sqlite:// 2>/dev/null)
case "$big" in "{1, 2, 3, "*", 100, ...}") ;; *) echo "long table: $big"; exit 1 ;; esac
exit 0
