#!/bin/sh
# repl_print — how the REPL shows values: plain tables readably (array part
# first, other keys sorted, identifiers bare, other keys bracketed, strings
# quoted and escaped, nesting, <cycle>, deep nesting and long tables cut),
# __tostring used, <function>, <Name> for named userdata without __tostring;
# plain tables inside a list (mappings()) the same way.
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
# inside a list (result:mappings(), a JSON value in a row) plain tables read
# the same, also through Lua's print
cat >list.lua <<'LUA'
r = db.session:execute(db.text("SELECT 1 AS a, 'x' AS b UNION ALL SELECT 2, 'y'"))
r:mappings()
print(db.session:execute(db.text("SELECT 3 AS n")):mappings())
LUA
"$ORMSH" -i --database sqlite:// <list.lua >out 2>err || { echo "ormsh failed"; cat err; exit 1; }
printf '%s\n' '[{a = 1, b = "x"}, {a = 2, b = "y"}]' '[{n = 3}]' >want
diff -u want out || { echo "lists of plain tables"; exit 1; }
exit 0
