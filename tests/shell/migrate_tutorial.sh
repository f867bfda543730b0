#!/bin/sh
# migrate_tutorial — the tutorial's administration path (db init, migrate,
# upgrade, downgrade) on the bookstore models, step by step: Author; data;
# + Book (a foreign key); + Store and the map table; then changes SQLite
# cannot make in place (widen a String, add an index, add a column; the
# servers make them in place). After every step each earlier row is still
# there and, on SQLite, the database passes integrity_check and
# foreign_key_check; then one step down, down to base, and up again. On
# every backend (see .backends).
. "$ROOT/tests/shell/backend.inc"
new_app
author_model | models

ok db init
[ -d "$APP/migrations/versions" ] || fail "no migrations/versions after db init"
status 1 db init
has "$TESTDIR/err" "already exists"

# 1. the initial migration, in the exact docs/reference.md format
ok db migrate -m "Initial migration."
[ "$(nrevs)" = 1 ] || fail "expected one revision file, got: $(revs)"
f=$(revs)
rev=${f%%_*}
echo "$rev" | grep -Eq '^[0-9a-f]{12}$' || fail "revision id '$rev' is not 12 lowercase hex digits"
[ "$f" = "${rev}_initial_migration.lua" ] || fail "file name $f"
same "$APP/migrations/versions/$f" "return {
  revision = \"$rev\", down_revision = nil, message = \"Initial migration.\",
  upgrade = function(op)
    op.create_table(\"author\", {
      op.column(\"id\", \"Integer\", { primary_key = true }),
      op.column(\"name\", \"String(30)\"),
      op.column(\"email\", \"String(30)\", { nullable = false, unique = true }),
    })
  end,
  downgrade = function(op) op.drop_table(\"author\") end,
}"
ok db current
[ ! -s "$TESTDIR/out" ] || fail "db current of an unversioned database printed: $(cat "$TESTDIR/out")"
ok db upgrade
has "$TESTDIR/err" "Running upgrade  -> $rev, Initial migration."
ok db current
same "$TESTDIR/out" "$rev (head)"
[ "$(version)" = "$rev" ] || fail "ormsh_version: $(version)"
ok -e 'db.session:add_all{ Author{ name = "Umang", email = "u@example.com" }, Author{ name = "Ada", email = "ada@example.com" } }; db.session:commit()'
clean
rev1=$rev

# 2. + Book with a foreign key to author
{ author_model; book_model; } | models
ok db migrate -m "Adding book"
[ "$(nrevs)" = 2 ] || fail "expected two revision files"
f2=$(revs | grep adding_book)
has "$APP/migrations/versions/$f2" "down_revision = \"$rev1\""
has "$APP/migrations/versions/$f2" 'op.column("author_id", "Integer", { foreign_key = "author.id" })'
ok db upgrade
rev2=$(head_rev)
ok -e 'local a = Author.query:filter_by{ name = "Umang" }:one(); local b = Book{ name = "Python 101" }; b.author = a; db.session:add(b); db.session:commit()'
[ "$(sql 'SELECT count(*) FROM author')" = 2 ] || fail "authors lost"
[ "$(sql 'SELECT author_id FROM book')" = 1 ] || fail "book row"
[ "$(foreign_keys book | cut -d'|' -f1-3)" = "author_id|author|id" ] || fail "book's foreign key: $(foreign_keys book)"
clean

# 3. + Store and the map table
{ author_model; book_model; store_models; } | models
ok db migrate -m "Adding store"
ok db upgrade
rev3=$(head_rev)
ok -e 'local s = Store{ name = "Corner" }; db.session:add(s); db.session:commit();
       db.session:execute(db.text("INSERT INTO book_to_store_map (book_id, store_id) VALUES (1, :s)"), { s = s.id }); db.session:commit()'
[ "$(sql 'SELECT count(*) FROM book_to_store_map')" = 1 ] || fail "map row"
[ "$(user_tables)" = "author
book
book_to_store_map
store" ] || fail "tables: $(user_tables)"
clean

# 4. widen a String, index it, add a column: a rebuild of the parent table
sed -e 's/name  = db.Column(db.String(30)),/name  = db.Column(db.String(60), { index = true }),\
  age   = db.Column(db.Integer),/' "$APP/models.lua" >"$TESTDIR/m" && mv "$TESTDIR/m" "$APP/models.lua"
grep -q 'String(60)' "$APP/models.lua" || fail "sed did not change the model"
ok db migrate -m "Widen author name"
f4=$(revs | grep widen_author_name)
has "$APP/migrations/versions/$f4" 'op.alter_column("author", "name", { type = "String(60)" })'
has "$APP/migrations/versions/$f4" 'op.create_index("ix_author_name", "author", { "name" })'
has "$APP/migrations/versions/$f4" 'op.add_column("author", op.column("age", "Integer"))'
ok db upgrade
rev4=$(head_rev)
if [ "$BACKEND" = sqlite ]; then
    sql "SELECT sql FROM sqlite_master WHERE name = 'author'" | grep -q 'VARCHAR(60)' || fail "author.name not widened"
    sql "SELECT name FROM sqlite_master WHERE type = 'index'" | grep -q '^ix_author_name$' || fail "no index"
    sql "PRAGMA foreign_key_list(book)" | grep -q '|author|author_id|id|' || fail "book lost its foreign key"
fi
[ "$(col_length author name)" = 60 ] || fail "author.name not widened: $(col_length author name)"
[ "$(indexes author)" = "ix_author_name" ] || fail "indexes of author: $(indexes author)"
[ "$(sql 'SELECT name, email FROM author ORDER BY id')" = "Umang|u@example.com
Ada|ada@example.com" ] || fail "authors after the rebuild: $(sql 'SELECT * FROM author')"
[ "$(sql 'SELECT name, author_id FROM book')" = "Python 101|1" ] || fail "book after the rebuild"
[ "$(sql 'SELECT book_id, store_id FROM book_to_store_map')" = "1|1" ] || fail "map after the rebuild"
[ "$(foreign_keys book | cut -d'|' -f1-3)" = "author_id|author|id" ] || fail "book lost its foreign key: $(foreign_keys book)"
[ "$(foreign_keys book_to_store_map | cut -d'|' -f1-3)" = "book_id|book|id
store_id|store|id" ] || fail "the map's foreign keys: $(foreign_keys book_to_store_map)"
clean
ok db check
has "$TESTDIR/out" "No new upgrade operations detected."

# history, newest first
ok db history
same "$TESTDIR/out" "$rev3 -> $rev4 (head), Widen author name
$rev2 -> $rev3, Adding store
$rev1 -> $rev2, Adding book
<base> -> $rev1, Initial migration."

# 5. one step down, then to base, then up again
ok db downgrade
ok db current
same "$TESTDIR/out" "$rev3"
[ "$BACKEND" != sqlite ] || sql "SELECT sql FROM sqlite_master WHERE name = 'author'" | grep -q 'VARCHAR(30)' || fail "author.name not narrowed back"
[ "$(col_length author name)" = 30 ] || fail "author.name not narrowed back: $(col_length author name)"
[ -z "$(indexes author)" ] || fail "index left: $(indexes author)"
[ "$(sql 'SELECT count(*) FROM author')" = 2 ] || fail "authors lost on downgrade"
[ "$(sql 'SELECT count(*) FROM book_to_store_map')" = 1 ] || fail "map lost on downgrade"
[ "$(foreign_keys book | cut -d'|' -f1-3)" = "author_id|author|id" ] || fail "book's foreign key on downgrade: $(foreign_keys book)"
clean
status 1 db downgrade base # the rows would go: refused, then forced
has "$TESTDIR/err" "drop_table author: 2 rows would be deleted"
ok db downgrade base --force
ok db current
[ ! -s "$TESTDIR/out" ] || fail "db current at base printed $(cat "$TESTDIR/out")"
[ "$BACKEND" != sqlite ] || [ -z "$(sql "SELECT name FROM sqlite_master WHERE type = 'table' AND name <> 'ormsh_version'")" ] || fail "tables left at base"
[ -z "$(user_tables)" ] || fail "tables left at base: $(user_tables)"
[ -z "$(version)" ] || fail "version at base: $(version)"
ok db upgrade
ok db current
same "$TESTDIR/out" "$rev4 (head)"
clean
ok db check
