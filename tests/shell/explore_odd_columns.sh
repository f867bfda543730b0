#!/bin/sh
# explore_odd_columns — columns whose names are not plain Lua names, on a
# table another tool made: Lua keywords (end, local), dashes and spaces are
# ["..."] keys; a name spelled like a model option (__tablename, __repr)
# is written as its own attribute (tablename_ = db.Column("__tablename",
# ...)): the model's table key held both the option and the column, and the
# whole reflection failed ("Order.__tablename must be a string"), so no
# table of the database could be explored. The models read and write every
# column, and `db models` then `db check` agree. A table of more columns
# than a model holds (64) is left out with a note, and so is a relationship
# to it; it made the whole reflection fail too.
set -u
fail() { echo "FAIL: $*"; cat out err 2>/dev/null; exit 1; }
sqlite3 t.db 'CREATE TABLE "order" (id INTEGER PRIMARY KEY, "end" INTEGER, "local" TEXT, "my-col" TEXT,
  "x y" TEXT, "__tablename" TEXT, "__repr" TEXT, "repr_" TEXT);
INSERT INTO "order" VALUES (1, 2, "l", "m", "xy", "t", "r", "r_");
CREATE TABLE item (id INTEGER PRIMARY KEY, order_id INTEGER REFERENCES "order" (id))' ||
    fail "cannot make the database"
cols=$(i=1; while [ $i -le 70 ]; do printf ', c%d TEXT' $i; i=$((i + 1)); done)
sqlite3 t.db "CREATE TABLE wide (id INTEGER PRIMARY KEY$cols);
CREATE TABLE note (id INTEGER PRIMARY KEY, wide_id INTEGER REFERENCES wide (id))" || fail "cannot make wide"
"$ORMSH" --database sqlite:///t.db db models >models.lua 2>err || fail "db models"
for line in '  ["end"] = db.Column(db.Integer),' '  ["my-col"] = db.Column(db.Text),' \
    '  ["x y"] = db.Column(db.Text),' '  tablename_ = db.Column("__tablename", db.Text),' \
    '  repr__ = db.Column("__repr", db.Text),'; do
    grep -qxF -- "$line" models.lua || fail "no '$line' in models.lua: $(cat models.lua)"
done
"$ORMSH" --database sqlite:///t.db -e 'local o = Order.query:get(1)
print(o["end"], o["local"], o["my-col"], o["x y"], o.tablename_, o.repr__, o.repr_, #o.items)
db.session:add(Order{ id = 2, tablename_ = "t2", ["end"] = 5 }); db.session:commit()' >out 2>err ||
    fail "the reflected models"
printf '2\tl\tm\txy\tt\tr\tr_\t0\n' >want
diff -u want out || fail "values"
grep -qxF "ormsh: note: table 'wide' has 71 columns, more than the 64 a model holds: not reflected (query it with db.text)" err ||
    fail "no note on the wide table"
grep -qxF "ormsh: note: note.wide_id: foreign key to 'wide', which is not reflected: no relationship" err ||
    fail "no note on the key to it"
[ "$(sqlite3 t.db 'SELECT "__tablename", "end" FROM "order" WHERE id = 2')" = "t2|5" ] || fail "the insert"
mkdir -p app && cp models.lua app/models.lua &&
    printf 'return { name = "odd", database = "sqlite:///%s/t.db", models = { "models" } }\n' "$(pwd)" >app/app.lua
"$ORMSH" --app app db check >out 2>err || fail "db check"
grep -qxF "No new upgrade operations detected." out || fail "db check found differences"
