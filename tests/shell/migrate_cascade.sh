#!/bin/sh
# migrate_cascade — rebuilding a parent table (SQLite: create new, copy,
# drop old, rename) keeps every row of its ON DELETE CASCADE and ON DELETE
# SET NULL children and their links: foreign-key enforcement is off before
# the migration's transaction begins. Afterwards it is on again: an orphan
# insert fails with IntegrityError, in a new process and on the very
# connection that ran the migration. On every backend (see .backends): the
# servers alter the column in place with their foreign keys enforced
# throughout; the rows, the foreign keys' ON DELETE rules and the
# enforcement afterwards are checked the same way; the rebuild itself,
# PRAGMA foreign_key_list and foreign_keys = ON are SQLite's.
. "$ROOT/tests/shell/backend.inc"
new_app
parent_models() {
    cat <<LUA
Parent = db.Model("Parent", {
  id   = db.Column(db.Integer, { primary_key = true }),
  name = db.Column(db.String($1), { nullable = false }),
})
Child = db.Model("Child", {
  id        = db.Column(db.Integer, { primary_key = true }),
  parent_id = db.Column(db.Integer, db.ForeignKey("parent.id", { ondelete = "CASCADE" })),
})
Pet = db.Model("Pet", {
  id        = db.Column(db.Integer, { primary_key = true }),
  parent_id = db.Column(db.Integer, db.ForeignKey("parent.id", { ondelete = "SET NULL" })),
})
LUA
}
parent_models 20 | models
ok db init
ok db migrate -m "parents and children"
has "$APP/migrations/versions/$(revs)" 'foreign_key = "parent.id", ondelete = "CASCADE"'
ok db upgrade
ok -e 'for i = 1, 3 do db.session:add(Parent{ name = "p" .. i }) end; db.session:commit()
       for i = 1, 3 do db.session:add(Child{ parent_id = i }); db.session:add(Pet{ parent_id = i }) end
       db.session:commit()'
before_child=$(sql 'SELECT id, parent_id FROM child ORDER BY id')
before_pet=$(sql 'SELECT id, parent_id FROM pet ORDER BY id')
[ "$before_child" = "1|1
2|2
3|3" ] || fail "setup: $before_child"

# alter the parent's type and nullability: a rebuild
parent_models 80 | sed 's/{ nullable = false }/{ nullable = true }/' | models
ok db migrate -m "widen parent"
has "$APP/migrations/versions/$(revs | grep widen_parent)" 'op.alter_column("parent", "name", { type = "String(80)", nullable = true })'
ok db upgrade
[ "$(sql 'SELECT id, parent_id FROM child ORDER BY id')" = "$before_child" ] || fail "CASCADE children changed: $(sql 'SELECT * FROM child')"
[ "$(sql 'SELECT id, parent_id FROM pet ORDER BY id')" = "$before_pet" ] || fail "SET NULL children changed: $(sql 'SELECT * FROM pet')"
[ "$(sql 'SELECT count(*) FROM parent')" = 3 ] || fail "parents lost"
if [ "$BACKEND" = sqlite ]; then
    sql "SELECT sql FROM sqlite_master WHERE name = 'parent'" | grep -q 'VARCHAR(80)' || fail "not rebuilt"
    sql "PRAGMA foreign_key_list(child)" | grep -q '|parent|parent_id|id|NO ACTION|CASCADE|' || fail "child fk: $(sql 'PRAGMA foreign_key_list(child)')"
    sql "PRAGMA foreign_key_list(pet)" | grep -q '|parent|parent_id|id|NO ACTION|SET NULL|' || fail "pet fk"
fi
[ "$(col_length parent name)" = 80 ] || fail "parent.name not widened: $(col_length parent name)"
fks() {
    [ "$(foreign_keys child)" = "parent_id|parent|id|CASCADE" ] || fail "child fk: $(foreign_keys child)"
    [ "$(foreign_keys pet)" = "parent_id|parent|id|SET NULL" ] || fail "pet fk: $(foreign_keys pet)"
}
fks
clean

# and back down: the same again
ok db downgrade
[ "$(sql 'SELECT id, parent_id FROM child ORDER BY id')" = "$before_child" ] || fail "children changed on downgrade"
[ "$(sql 'SELECT id, parent_id FROM pet ORDER BY id')" = "$before_pet" ] || fail "pets changed on downgrade"
[ "$(col_length parent name)" = 20 ] || fail "parent.name not narrowed back: $(col_length parent name)"
fks
clean
ok db upgrade

# enforcement is back: an orphan fails (new process) ...
status 1 -e 'db.session:add(Child{ parent_id = 99 }); db.session:commit()'
has "$TESTDIR/err" "IntegrityError"
# ... and on the connection that just ran a rebuild
# (on SQLite also: PRAGMA foreign_keys is on again on that connection)
pragma_check=""
[ "$BACKEND" != sqlite ] || pragma_check='assert(db.session:scalar(db.text("PRAGMA foreign_keys")) == 1, "foreign keys still off")'
cat >"$TESTDIR/same_conn.lua" <<LUA
local orm = require "orm"
local up = function(op) op.alter_column("parent", "name", { type = "String(90)" }) end
orm.migrate.run(db, { { fn = up, chunk = "inline", label = "rebuild", remove = {}, add = {} } })
assert(db.session:scalar(db.text("SELECT count(*) FROM child")) == 3, "children lost")
db.session:add(Child{ parent_id = 77 })
local ok, err = pcall(db.session.commit, db.session)
assert(not ok and db.IntegrityError:is(err), "orphan insert did not fail: " .. tostring(err))
db.session:rollback()
$pragma_check
print("enforced")
LUA
ok run "$TESTDIR/same_conn.lua"
same "$TESTDIR/out" "enforced"
[ "$(sql 'SELECT count(*) FROM child')" = 3 ] || fail "children after the in-process rebuild"
[ "$(col_length parent name)" = 90 ] || fail "parent.name after the in-process alter: $(col_length parent name)"
fks
clean
