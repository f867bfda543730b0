#!/bin/sh
# migrate_backends_ops — every op of a hand-written revision on each backend
# (see .backends), in place on the servers: rename_table, add_column (NOT
# NULL with a server_default on a table with rows), alter_column (type,
# nullability, server_default set and dropped, new_name), a two-column
# create_unique_constraint and its drop_constraint, a named
# create_foreign_key with ON DELETE and its drop_constraint, create_index
# and drop_index without the table, execute with parameters, bulk_insert,
# drop_column. Up, the rows and constraints are there; down, the schema is
# as the models say again (`db check` finds nothing once the revision is gone).
. "$ROOT/tests/shell/backend.inc"
new_app
author_model | models
ok db init
ok db migrate -m "Initial"
ok db upgrade
rev1=$(head_rev)
ok -e 'db.session:add_all{ Author{ name = "A", email = "a@x" }, Author{ name = "B", email = "b@x" } }; db.session:commit()'
ok db revision -m "every op"
f=$(revs | grep every_op)
cat >"$APP/migrations/versions/$f" <<LUA
return {
  revision = "${f%%_*}", down_revision = "$rev1", message = "every op",
  upgrade = function(op)
    op.create_table("shelf", {
      op.column("id", "Integer", { primary_key = true }),
      op.column("room", "String(10)", { nullable = false }),
      op.column("pos", "Integer", { nullable = false }),
    })
    op.rename_table("shelf", "rack")
    op.add_column("author", op.column("rank", "Integer", { nullable = false, server_default = "0" }))
    op.add_column("author", op.column("rack_id", "Integer"))
    op.alter_column("author", "name", { type = "String(50)", nullable = false, server_default = "'anon'" })
    op.alter_column("author", "rank", { new_name = "level" })
    op.create_unique_constraint("uq_rack_room_pos", "rack", { "room", "pos" })
    op.create_foreign_key("fk_author_rack", "author", "rack", { "rack_id" }, { "id" }, { ondelete = "SET NULL" })
    op.create_index("ix_rack_room", "rack", { "room" })
    op.bulk_insert("rack", { { id = 1, room = "r1", pos = 1 }, { id = 2, room = "r1", pos = 2 } })
    op.execute("UPDATE author SET rack_id = :r WHERE email = :e", { r = 2, e = "b@x" })
  end,
  downgrade = function(op)
    op.drop_index("ix_rack_room")
    op.drop_constraint("fk_author_rack", "author", { type = "foreignkey" })
    op.drop_constraint("uq_rack_room_pos", "rack", { type = "unique" })
    op.alter_column("author", "level", { new_name = "rank" })
    op.alter_column("author", "name", { type = "String(30)", nullable = true, server_default = false })
    op.drop_column("author", "rack_id")
    op.drop_column("author", "rank")
    op.drop_table("rack")
  end,
}
LUA
ok db upgrade
[ "$(user_tables)" = "author
rack" ] || fail "tables: $(user_tables)"
[ "$(col_length author name)" = 50 ] || fail "author.name: $(col_length author name)"
[ "$(indexes rack)" = "ix_rack_room" ] || fail "indexes of rack: $(indexes rack)"
[ "$(sql 'SELECT name, level, rack_id FROM author ORDER BY id')" = "A|0|
B|0|2" ] || [ "$(sql 'SELECT name, level, rack_id FROM author ORDER BY id')" = "A|0|NULL
B|0|2" ] || fail "authors: $(sql 'SELECT * FROM author')"
# the server default, the NOT NULL, the unique pair and the key all hold
sql "INSERT INTO author (email) VALUES ('c@x')" >/dev/null || fail "default name not applied"
[ "$(sql "SELECT name FROM author WHERE email = 'c@x'")" = anon ] || fail "default: $(sql 'SELECT * FROM author')"
status 1 -e 'db.session:execute(db.text("INSERT INTO rack (id, room, pos) VALUES (3, :r, 1)"), { r = "r1" }); db.session:commit()'
has "$TESTDIR/err" "IntegrityError"
status 1 -e 'db.session:execute(db.text("UPDATE author SET rack_id = 99")); db.session:commit()'
has "$TESTDIR/err" "IntegrityError"
status 1 -e 'db.session:execute(db.text("UPDATE author SET name = NULL")); db.session:commit()'
has "$TESTDIR/err" "IntegrityError"
ok -e 'db.session:execute(db.text("DELETE FROM rack WHERE id = 2")); db.session:commit()'
[ "$(sql "SELECT count(*) FROM author WHERE rack_id IS NULL")" = 3 ] || fail "ON DELETE SET NULL: $(sql 'SELECT * FROM author')"

ok db downgrade --force
[ "$(user_tables)" = "author" ] || fail "tables after downgrade: $(user_tables)"
[ "$(col_length author name)" = 30 ] || fail "author.name after downgrade"
[ "$(sql 'SELECT name, email FROM author ORDER BY id')" = "A|a@x
B|b@x
anon|c@x" ] || fail "authors after downgrade: $(sql 'SELECT * FROM author')"
ok -e 'db.session:add(Author{ name = "D", email = "d@x" }); db.session:commit()'
ok db upgrade
ok db downgrade --force
# without the revision, the database is at head and matches the models again
rm "$APP/migrations/versions/$f"
ok db check
same "$TESTDIR/out" "No new upgrade operations detected."
[ "$(sql 'SELECT count(*) FROM author')" = 4 ] || fail "authors lost"
clean
