#!/bin/sh
# versioning_box — obj:history() and db.audit.log{} return lists that print
# like query results: in the list mode as [<Doc ...>, ...] and [(...), ...],
# in .mode box and .mode csv as a table with a header of their fields
# (history: the model's columns, version, changed_at, operation; the audit
# log: id, at, actor, table_name, row_key, operation, changes).
set -u
cd "$TESTDIR" || exit 1
cat >in.lua <<'LUA'
Doc = db.Model("Doc", {
  id = db.Column(db.Integer, { primary_key = true }),
  title = db.Column(db.String(20)),
  __versioned = true,
})
db.create_all()
db.audit.enable()
db.audit.actor = "alice"
D = Doc{ title = "a" } db.session:add(D) db.session:commit()
D.title = "b" db.session:commit()
D.title = "c" db.session:commit()
print(D:history()[2].title, #db.audit.log{}, db.audit.log{}[1].operation)
D:history()
db.audit.log{ limit = 1 }
.mode csv
D:history()
db.audit.log{ limit = 1 }
.mode box
D:history()
LUA
"$ORMSH" --database sqlite:// -i <in.lua >raw 2>err || { echo "ormsh failed"; cat err; exit 1; }
tr -d '\r' <raw >out # csv ends its lines with CRLF
bad() { echo "FAIL: $*"; echo "--- stdout:"; cat out; echo "--- stderr:"; cat err; exit 1; }
grep -q "Error" err && bad "an error"
grep -q '^b	3	update$' out || bad "fields of the entries"
grep -q '^\[<Doc id=1 version=1>, <Doc id=1 version=2>\]$' out || bad "history in list mode"
grep -q '^\[(3, "[-0-9: ]*", "alice", "doc", "{\\"id\\": 1}", "update", ' out || bad "audit log in list mode"
grep -q '^id,title,version,changed_at,operation$' out || bad "history csv header"
grep -Eq '^1,a,1,[-0-9]+ [0-9:]+,update$' out || bad "history csv row"
grep -q '^id,at,actor,table_name,row_key,operation,changes$' out || bad "audit csv header"
grep -Eq '^3,[-0-9]+ [0-9:]+,alice,doc,"\{""id"": 1\}",update,' out || bad "audit csv row"
grep -Eq '│ id +│ title +│ version +│ changed_at +│ operation +│' out || bad "history box header"
exit 0
