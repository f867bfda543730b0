#!/bin/sh
# migrate_backends_tutorial — the tutorial's administration path on each
# backend (SQLite, PostgreSQL, MySQL/MariaDB; see .backends): init; Author;
# upgrade; rows; + Book (a foreign key); + Store and the map table; widen a
# String, index it, add a column; one step down, down to base, up again.
# The revision files are the same on every backend; rows survive every
# step; afterwards the foreign keys are enforced (an orphan insert raises
# IntegrityError) and `db check` finds nothing to do.
. "$ROOT/tests/shell/backend.inc"
new_app
author_model | models
ok db init

ok db migrate -m "Initial migration."
f=$(revs); rev1=${f%%_*}
same "$APP/migrations/versions/$f" "return {
  revision = \"$rev1\", down_revision = nil, message = \"Initial migration.\",
  upgrade = function(op)
    op.create_table(\"author\", {
      op.column(\"id\", \"Integer\", { primary_key = true }),
      op.column(\"name\", \"String(30)\"),
      op.column(\"email\", \"String(30)\", { nullable = false, unique = true }),
    })
  end,
  downgrade = function(op) op.drop_table(\"author\") end,
}"
ok db upgrade
has "$TESTDIR/err" "Running upgrade  -> $rev1, Initial migration."
ok db current
same "$TESTDIR/out" "$rev1 (head)"
[ "$(version)" = "$rev1" ] || fail "ormsh_version: $(version)"
ok -e 'db.session:add_all{ Author{ name = "Umang", email = "u@example.com" }, Author{ name = "Ada", email = "ada@example.com" } }; db.session:commit()'

# + Book with a foreign key to author
{ author_model; book_model; } | models
ok db migrate -m "Adding book"
f2=$(revs | grep adding_book)
has "$APP/migrations/versions/$f2" 'op.column("author_id", "Integer", { foreign_key = "author.id" })'
ok db upgrade
rev2=$(head_rev)
ok -e 'local a = Author.query:filter_by{ name = "Umang" }:one(); local b = Book{ name = "Python 101" }; b.author = a; db.session:add(b); db.session:commit()'
[ "$(sql 'SELECT count(*) FROM author')" = 2 ] || fail "authors lost"
[ "$(sql 'SELECT author_id FROM book')" = 1 ] || fail "book row: $(sql 'SELECT * FROM book')"

# + Store and the map table
{ author_model; book_model; store_models; } | models
ok db migrate -m "Adding store"
ok db upgrade
rev3=$(head_rev)
ok -e 'local s = Store{ name = "Corner" }; db.session:add(s); db.session:commit();
       db.session:execute(db.text("INSERT INTO book_to_store_map (book_id, store_id) VALUES (1, :s)"), { s = s.id }); db.session:commit()'
[ "$(sql 'SELECT count(*) FROM book_to_store_map')" = 1 ] || fail "map row"
same_tables="author
book
book_to_store_map
store"
[ "$(user_tables)" = "$same_tables" ] || fail "tables: $(user_tables)"

# widen a String, index it, add a column (in place on the servers)
sed -e 's/name  = db.Column(db.String(30)),/name  = db.Column(db.String(60), { index = true }),\
  age   = db.Column(db.Integer),/' "$APP/models.lua" >"$TESTDIR/m" && mv "$TESTDIR/m" "$APP/models.lua"
ok db migrate -m "Widen author name"
f4=$(revs | grep widen_author_name)
same "$APP/migrations/versions/$f4" "return {
  revision = \"${f4%%_*}\", down_revision = \"$rev3\", message = \"Widen author name\",
  upgrade = function(op)
    op.add_column(\"author\", op.column(\"age\", \"Integer\"))
    op.alter_column(\"author\", \"name\", { type = \"String(60)\" })
    op.create_index(\"ix_author_name\", \"author\", { \"name\" })
  end,
  downgrade = function(op)
    op.drop_index(\"ix_author_name\", \"author\")
    op.alter_column(\"author\", \"name\", { type = \"String(30)\" })
    op.drop_column(\"author\", \"age\")
  end,
}"
ok db upgrade
rev4=$(head_rev)
[ "$(col_length author name)" = 60 ] || fail "author.name not widened: $(col_length author name)"
[ "$(indexes author)" = "ix_author_name" ] || fail "indexes of author: $(indexes author)"
[ "$(sql 'SELECT name, email FROM author ORDER BY id')" = "Umang|u@example.com
Ada|ada@example.com" ] || fail "authors: $(sql 'SELECT * FROM author')"
[ "$(sql 'SELECT name, author_id FROM book')" = "Python 101|1" ] || fail "book: $(sql 'SELECT * FROM book')"
[ "$(sql 'SELECT book_id, store_id FROM book_to_store_map')" = "1|1" ] || fail "map"
clean
ok db check
same "$TESTDIR/out" "No new upgrade operations detected."
ok db history
same "$TESTDIR/out" "$rev3 -> $rev4 (head), Widen author name
$rev2 -> $rev3, Adding store
$rev1 -> $rev2, Adding book
<base> -> $rev1, Initial migration."

# one step down, to base, and up again
ok db downgrade
ok db current
same "$TESTDIR/out" "$rev3"
[ "$(col_length author name)" = 30 ] || fail "author.name not narrowed back"
[ -z "$(indexes author)" ] || fail "index left: $(indexes author)"
[ "$(sql 'SELECT count(*) FROM author')" = 2 ] || fail "authors lost on downgrade"
[ "$(sql 'SELECT count(*) FROM book_to_store_map')" = 1 ] || fail "map lost on downgrade"
clean
status 1 db downgrade base # the rows would go: refused, then forced
has "$TESTDIR/err" "drop_table author: 2 rows would be deleted"
ok db downgrade base --force
ok db current
[ ! -s "$TESTDIR/out" ] || fail "db current at base printed $(cat "$TESTDIR/out")"
[ -z "$(user_tables)" ] || fail "tables left at base: $(user_tables)"
ok db upgrade
ok db current
same "$TESTDIR/out" "$rev4 (head)"
ok db check
same "$TESTDIR/out" "No new upgrade operations detected."

# rows written after the upgrade survive a round trip down and up
ok -e 'local a = Author{ name = "Grace", email = "g@example.com", age = 85 }; db.session:add(a)
       local b = Book{ name = "COBOL" }; b.author = a; db.session:add(b); db.session:commit()'
ok db downgrade -1 --force # drops author.age and its value (the rest survives)
ok db upgrade
[ "$(sql "SELECT a.name, b.name FROM book b JOIN author a ON a.id = b.author_id")" = "Grace|COBOL" ] || fail "rows after down and up: $(sql 'SELECT * FROM book')"

# the foreign keys are enforced afterwards
status 1 -e 'db.session:add(Book{ name = "Orphan", author_id = 999 }); db.session:commit()'
has "$TESTDIR/err" "IntegrityError"
cat >"$TESTDIR/fk.lua" <<'LUA'
local ok, err = pcall(function()
  db.session:add(Book{ name = "Orphan", author_id = 999 }); db.session:commit()
end)
assert(not ok and db.IntegrityError:is(err), "orphan insert did not fail: " .. tostring(err))
db.session:rollback()
print("enforced")
LUA
ok run "$TESTDIR/fk.lua"
same "$TESTDIR/out" "enforced"
[ "$(sql "SELECT count(*) FROM book WHERE name = 'Orphan'")" = 0 ] || fail "orphan stored"
clean
