#!/bin/sh
# repl_dotcmd — the dot-commands through a piped `-i` transcript: a line
# starting with "." is never Lua (also indented, also a bad one); .help
# lists them, .tables and .schema [t] read the live database (t a table or a
# model's name), .models the
# classes, .echo switches db.echo, .timer prints each input's time on
# stderr, .mode names the mode, .output sends values to a file until
# .output stdout, .read runs a Lua file, .stats shows db.stats()'s top ten
# rows as a box (also when db.stats returns a Result or plain records);
# an unknown command is one line listing them; errors leave the REPL going.
set -u
mkdir -p app
cat >app/app.lua <<'LUA'
return { name = "dots", database = "sqlite:///instance/app.db", models = { "models" } }
LUA
cat >app/models.lua <<'LUA'
Author = db.Model("Author", {
  id    = db.Column(db.Integer, { primary_key = true }),
  name  = db.Column(db.String(30), { index = true }),
})
Book = db.Model("Book", {
  id        = db.Column(db.Integer, { primary_key = true }),
  title     = db.Column(db.String(50), { nullable = false }),
  author_id = db.Column(db.Integer, db.ForeignKey("author.id")),
})
LUA
"$ORMSH" --app app -e 'db.create_all() db.session:add(Author{name = "Umang"}) db.session:commit()' ||
    { echo "setup failed"; exit 1; }
cat >extra.lua <<'LUA'
read_value = 42
print("read ran")
LUA
cat >in.lua <<LUA
.help
.tables
.schema author
.schema nope
.schema Author
.schema read_value
.models
  .mode
.mode box
.mode
.mode list
.echo on
Author.query:count()
.echo off
.echo maybe
Author.query:count()
.timer on
1 + 1
.timer off
2 + 2
.output $PWD/values.txt
"to the file"
print("print is not a value")
.output stdout
"back"
.read $PWD/extra.lua
read_value
.read $PWD/missing.lua
.stats
do local mt, old = debug.getmetatable(db), debug.getmetatable(db).__index mt.__index = function(t, k) if k == "stats" then return function() return db.session:execute(db.text("WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < 12) SELECT n FROM c")) end end if type(old) == "function" then return old(t, k) end return old[k] end end
.stats
do local mt, old = debug.getmetatable(db), debug.getmetatable(db).__index mt.__index = function(t, k) if k == "stats" then return function() local r = {} for i = 1, 12 do r[i] = {sql = "SELECT " .. i, calls = 100 + i} end return r end end return old(t, k) end end
.stats
.foo bar
.
"still here"
LUA
"$ORMSH" --app app -i <in.lua >out 2>err || { echo "ormsh failed"; cat err; exit 1; }
fail() { echo "FAIL: $*"; echo "--- stdout"; cat out; echo "--- stderr"; cat err; exit 1; }

# .help: one line per command
for c in help tables schema models echo timer mode output read stats; do
    grep -q "^\.$c " out || fail ".help does not list .$c"
done
# .tables
grep -qx 'author' out || fail ".tables has no author"
grep -qx 'book' out || fail ".tables has no book"
# .schema author: the live DDL with its index, not book's
grep -q '^CREATE TABLE author ($' out || fail ".schema author"
grep -q '^CREATE INDEX ix_author_name ON author (name);$' out || fail ".schema author has no index"
grep -q 'CREATE TABLE book' out && fail ".schema author printed book"
grep -q 'ormsh: \.schema: no such table: nope' err || fail ".schema nope"
# a model's name stands for its table; any other global is no table
[ "$(grep -c '^CREATE TABLE author ($' out)" = 2 ] || fail ".schema Author (the model's name)"
grep -q 'ormsh: \.schema: no such table: read_value' err || fail ".schema read_value"
# .models
grep -qx 'Author (table author)' out || fail ".models"
grep -qx 'Book (table book)' out || fail ".models"
# .mode with no argument names it
[ "$(grep -cx 'list' out)" -eq 1 ] || fail ".mode (list)"
grep -qx 'box' out || fail ".mode (box)"
# .echo
grep -q 'SQL: SELECT count(\*)' err || fail ".echo on printed no SQL"
[ "$(grep -c 'SQL: SELECT count' err)" -eq 1 ] || fail ".echo off did not stop the echo"
grep -q 'ormsh: \.echo: takes on or off' err || fail ".echo maybe"
# .timer: one time line, for 1 + 1 only
[ "$(grep -c '^Run Time: [0-9.]* s$' err)" -eq 1 ] ||
    [ "$(grep -o 'Run Time: [0-9.]* s' err | wc -l)" -eq 1 ] || fail ".timer lines"
# .output
[ "$(cat values.txt)" = "to the file" ] || fail "values.txt: $(cat values.txt)"
grep -qx 'print is not a value' out || fail "print() went to the .output file"
grep -q 'to the file' out && fail "the value went to stdout"
grep -qx 'back' out || fail ".output stdout"
# .read
grep -qx 'read ran' out || fail ".read"
grep -qx '42' out || fail ".read's global"
grep -q 'missing.lua' err || fail ".read of a missing file"
# .stats
grep -q '│ calls │ rows │ total_ms │ mean_ms │ max_ms │ errors │' out || fail ".stats of db.stats() has no header"
grep -q '│ 10 │' out || fail ".stats has no row 10"
grep -q '│ 11 │' out && fail ".stats shows more than ten rows"
grep -q '│ calls │ sql  ' out || fail ".stats of records has no calls/sql header"
grep -q '│ 110   │ SELECT 10 │' out || fail ".stats of records has no row 10"
grep -q '│ 111 ' out && fail ".stats of records shows more than ten rows"
# unknown
grep -q "ormsh: unknown dot-command '.foo' (commands: .help .tables .schema .models .echo .timer .mode .output .read .stats)" err ||
    fail "unknown dot-command"
grep -q "unknown dot-command '.'" err || fail "a lone dot"
grep -q 'syntax error\|unexpected symbol' err && fail "a dot line reached Lua"
tail -n 1 out | grep -qx 'still here' || fail "the REPL stopped"

# A dot-command line is kept alive while its words are split: with the
# collector running all the time, long lines (found by fuzz_repl: the line
# was read after it was freed; ASan sees it under make asan) still give the
# words as typed.
{
    echo "collectgarbage('generational')"
    k=0
    while [ $k -lt 40 ]; do
        echo "x = {} for i = 1, $((k * 10)) do x[i] = {} end"
        words='' i=0
        while [ $i -lt $((50 + k)) ]; do words="$words w$i"; i=$((i + 1)); done
        echo ".nosuch$words .end$k"
        k=$((k + 1))
    done
    echo '.mode "box"'
    echo '.mode'
} | "$ORMSH" --app app -i >out 2>err || fail "gc lines: exit $?"
[ "$(grep -c "unknown dot-command '.nosuch'" err)" = 40 ] || fail "gc lines: $(head -c 300 err)"
grep -qx 'box' out || fail "quoted word after gc lines: $(cat out)"
exit 0
