#!/bin/sh
# repl_modes — .mode box|csv|json|list through a piped `-i` transcript:
# lists of objects, one object, query rows, Results and Rows print as a box
# with a header (NULL for nil, values cut with … to $COLUMNS), as RFC 4180
# CSV (header line, quoting of commas, quotes and newlines, CRLF) and as a
# JSON array of objects (valid JSON: checked by a parser when python3 is
# there); values that are not tabular print as usual; q:show() prints a box
# in any mode; list mode prints reprs again.
set -u
cat >models.lua <<'LUA'
Author = db.Model("Author", {
  id    = db.Column(db.Integer, { primary_key = true }),
  name  = db.Column(db.String(60)),
  email = db.Column(db.String(30)),
})
db.create_all()
db.session:add_all({Author{name = "Umang", email = "u@x"},
                    Author{name = 'Ann, "the" 2nd\nline', email = nil},
                    Author{name = "Jürgen ÿ", email = "j@x"}})
db.session:commit()
LUA
cat >in.lua <<'LUA'
dofile("models.lua")
.mode box
Author.query:all()
Author.query:get(1)
Author.query:with_entities(Author.id, Author.email):order_by(Author.id):all()
db.session:execute(db.text("SELECT 1 AS one, NULL AS missing, 2.5 AS x"))
db.session:execute(db.text("SELECT 1 AS one")):first()
"plain"
Author.query:filter(Author.id:gt(10)):all()
.mode csv
Author.query:all()
.mode json
Author.query:all()
{1, 2}
.mode list
Author.query:all()
Author.query:filter(Author.id:lt(3)):show()
Author.query:filter(Author.id:gt(10)):show()
LUA
COLUMNS=200 "$ORMSH" -i --database sqlite:// <in.lua >out 2>err || { echo "ormsh failed"; cat err; exit 1; }
fail() { echo "FAIL: $*"; echo "--- stdout"; cat out; echo "--- stderr"; cat err; exit 1; }
grep -q 'Error' err && fail "an error"
cr=$(printf '\r')
cat >want <<OUT
┌────┬─────────────────────┬───────┐
│ id │ name                │ email │
├────┼─────────────────────┼───────┤
│ 1  │ Umang               │ u@x   │
│ 2  │ Ann, "the" 2nd line │ NULL  │
│ 3  │ Jürgen ÿ            │ j@x   │
└────┴─────────────────────┴───────┘
┌────┬───────┬───────┐
│ id │ name  │ email │
├────┼───────┼───────┤
│ 1  │ Umang │ u@x   │
└────┴───────┴───────┘
┌────┬───────┐
│ id │ email │
├────┼───────┤
│ 1  │ u@x   │
│ 2  │ NULL  │
│ 3  │ j@x   │
└────┴───────┘
┌─────┬─────────┬─────┐
│ one │ missing │ x   │
├─────┼─────────┼─────┤
│ 1   │ NULL    │ 2.5 │
└─────┴─────────┴─────┘
┌─────┐
│ one │
├─────┤
│ 1   │
└─────┘
plain
[]
id,name,email$cr
1,Umang,u@x$cr
2,"Ann, ""the"" 2nd
line",$cr
3,Jürgen ÿ,j@x$cr
[{"id":1,"name":"Umang","email":"u@x"},
 {"id":2,"name":"Ann, \"the\" 2nd\nline","email":null},
 {"id":3,"name":"Jürgen ÿ","email":"j@x"}]
{1, 2}
[<Author id=1>, <Author id=2>, <Author id=3>]
┌────┬─────────────────────┬───────┐
│ id │ name                │ email │
├────┼─────────────────────┼───────┤
│ 1  │ Umang               │ u@x   │
│ 2  │ Ann, "the" 2nd line │ NULL  │
└────┴─────────────────────┴───────┘
(no rows)
OUT
diff -u want out || fail "stdout differs"
if command -v python3 >/dev/null 2>&1; then
    sed -n '/^\[{"id"/,/^ {"id":3/p' out | python3 -c 'import json, sys; d = json.load(sys.stdin); assert d[1]["email"] is None and d[1]["name"].endswith("\nline"), d' ||
        fail "the JSON does not parse"
    sed -n '/^id,name,email/,/^3,/p' out | python3 -c 'import csv, sys; r = list(csv.reader(sys.stdin)); assert r[2] == ["2", "Ann, \"the\" 2nd\nline", ""], r' ||
        fail "the CSV does not parse"
fi

# cut to the terminal's width: every line of the box fits in 30 characters
printf '.mode box\ndb.session:execute(db.text("SELECT 1 AS id, '"'"'%s'"'"' AS long_text"))\n' \
    "$(printf 'x%.0s' $(seq 1 100))" >wide.lua
COLUMNS=30 "$ORMSH" -i --database sqlite:// <wide.lua >out 2>err || fail "wide"
awk '{ n = length($0); if (n > 30) { print "too wide: " n; exit 1 } }' out || fail "not cut to 30 columns"
grep -q '…' out || fail "the cut value has no …"
[ "$(wc -l <out)" -eq 5 ] || fail "the cut table is not 5 lines"
exit 0
