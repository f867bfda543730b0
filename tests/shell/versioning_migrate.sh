#!/bin/sh
# versioning_migrate — adding __versioned to a model whose table has rows:
# db check lists the new version column and the history table, db migrate
# writes them, db upgrade applies them (the rows start at version 1), db
# check is clean afterwards, and the next update of an old row is kept in
# the history table. On every backend (see .backends).
. "$ROOT/tests/shell/backend.inc"
new_app
doc_model() {
    cat <<LUA
Doc = db.Model("Doc", {
  $1
  id = db.Column(db.Integer, { primary_key = true }),
  title = db.Column(db.String(30), { unique = true }),
})
LUA
}
doc_model "" | models
ok db init
ok db migrate -m "doc"
ok db upgrade
ok -e 'db.session:add_all{ Doc{ title = "a" }, Doc{ title = "b" } }; db.session:commit()'

doc_model "__versioned = true," | models
status 1 db check
has "$TESTDIR/out" 'op.create_table("doc_history", {'
has "$TESTDIR/out" 'op.add_column("doc", op.column("version", "Integer"'
ok db migrate -m "versioned"
ok db upgrade
ok db check
same "$TESTDIR/out" "No new upgrade operations detected."
[ "$(sql 'SELECT id, title, version FROM doc ORDER BY id')" = "1|a|1
2|b|1" ] || fail "rows after upgrade: $(sql 'SELECT * FROM doc')"
ok -e 'local d = db.session:get(Doc, 1); d.title = "a2"; db.session:commit(); print(d.version, #d:history(), d:history()[1].title)'
same "$TESTDIR/out" "2	1	a"
[ "$(sql 'SELECT id, title, version, operation FROM doc_history')" = "1|a|1|update" ] ||
    fail "history: $(sql 'SELECT * FROM doc_history')"
# downgrade drops both again
ok db downgrade
[ "$(sql 'SELECT count(*) FROM doc')" = "2" ] || fail "rows after downgrade"
clean
