#!/bin/sh
# migrate_backends_check — autogenerate on each backend (see .backends)
# detects the same changes and writes the same ops: `db check` exits 1
# listing them (the very same text on SQLite, PostgreSQL and MySQL) and 0
# once `db migrate` + `db upgrade` applied them. Rounds: a table added, a
# column added, a unique constraint dropped; a type and a nullability
# change, an index added, a foreign key dropped, a column dropped, a column
# with a unique constraint added, a table added; a foreign key with ON
# DELETE CASCADE added back and a table dropped. Each round goes down and up
# again; the last checks the cascade really works.
. "$ROOT/tests/shell/backend.inc"
new_app
author_model | models
ok -e 'db.create_all()'
ok db check
same "$TESTDIR/out" "No new upgrade operations detected."
ok db init
ok db migrate -m "Initial"
has "$TESTDIR/err" "No changes in schema detected."
ok db revision -m "Initial"
ok db stamp head
ok db check
same "$TESTDIR/out" "No new upgrade operations detected."

# round 1
{ author_model | sed 's/email = db.Column(db.String(30), { unique = true, nullable = false }),/email = db.Column(db.String(30), { nullable = false }),\
  born  = db.Column(db.Date, { nullable = true }),/'; book_model; } | models
status 1 db check
same "$TESTDIR/out" 'New upgrade operations detected:
  op.create_table("book", {
    op.column("id", "Integer", { primary_key = true }),
    op.column("name", "String(50)", { nullable = false, unique = true }),
    op.column("author_id", "Integer", { foreign_key = "author.id" }),
  })
  op.add_column("author", op.column("born", "Date"))
  op.drop_constraint("uq_author_email", "author", { type = "unique" })'
[ ! -s "$TESTDIR/err" ] || fail "stderr: $(cat "$TESTDIR/err")"
ok db migrate -m "round one"
ok db upgrade
ok db check
same "$TESTDIR/out" "No new upgrade operations detected."
ok db downgrade --force
ok db upgrade
ok db check
same "$TESTDIR/out" "No new upgrade operations detected."
# the unique constraint really went
ok -e 'db.session:add_all{ Author{ name = "a", email = "same@x" }, Author{ name = "b", email = "same@x" } }; db.session:commit()'

# round 2
models <<'LUA'
Author = db.Model("Author", {
  id    = db.Column(db.Integer, { primary_key = true }),
  name  = db.Column(db.String(80), { nullable = false }),
  email = db.Column(db.String(30), { nullable = false, index = true }),
})
Book = db.Model("Book", {
  id        = db.Column(db.Integer, { primary_key = true }),
  name      = db.Column(db.String(50), { unique = true, nullable = false }),
  author_id = db.Column(db.Integer),
  isbn      = db.Column(db.String(13), { unique = true }),
})
Tag = db.Model("Tag", {
  id    = db.Column(db.Integer, { primary_key = true }),
  label = db.Column(db.String(20), { nullable = false, server_default = "'new'" }),
})
LUA
status 1 db check
same "$TESTDIR/out" 'New upgrade operations detected:
  op.create_table("tag", {
    op.column("id", "Integer", { primary_key = true }),
    op.column("label", "String(20)", { nullable = false, server_default = "'"'new'"'" }),
  })
  op.alter_column("author", "name", { type = "String(80)", nullable = false })
  op.drop_column("author", "born")
  op.create_index("ix_author_email", "author", { "email" })
  op.add_column("book", op.column("isbn", "String(13)", { unique = true }))
  op.drop_constraint("fk_book_author_id_author", "book", { type = "foreignkey" })'
ok db migrate -m "round two"
ok db upgrade
ok db check
same "$TESTDIR/out" "No new upgrade operations detected."
[ "$(col_length author name)" = 80 ] || fail "author.name: $(col_length author name)"
[ "$(indexes author)" = "ix_author_email" ] || fail "indexes of author: $(indexes author)"
ok -e 'db.session:add(Tag{}); db.session:commit(); print(Tag.query:first().label)'
same "$TESTDIR/out" "new"
status 1 -e 'db.session:add(Author{ email = "no-name@x" }); db.session:commit()'
has "$TESTDIR/err" "IntegrityError"
ok db downgrade --force
ok db upgrade
ok db check
same "$TESTDIR/out" "No new upgrade operations detected."

# round 3
models <<'LUA'
Author = db.Model("Author", {
  id    = db.Column(db.Integer, { primary_key = true }),
  name  = db.Column(db.String(80), { nullable = false }),
  email = db.Column(db.String(30), { nullable = false, index = true }),
})
Book = db.Model("Book", {
  id        = db.Column(db.Integer, { primary_key = true }),
  name      = db.Column(db.String(50), { unique = true, nullable = false }),
  author_id = db.Column(db.Integer, db.ForeignKey("author.id", { ondelete = "CASCADE" })),
  isbn      = db.Column(db.String(13), { unique = true }),
})
LUA
status 1 db check
same "$TESTDIR/out" 'New upgrade operations detected:
  op.create_foreign_key("fk_book_author_id_author", "book", "author", { "author_id" }, { "id" }, { ondelete = "CASCADE" })
  op.drop_table("tag")'
ok db migrate -m "round three"
ok db upgrade
ok db check
same "$TESTDIR/out" "No new upgrade operations detected."
ok db downgrade --force
ok db upgrade
ok db check
same "$TESTDIR/out" "No new upgrade operations detected."
ok -e 'local a = Author{ name = "Ann", email = "ann@x" }; db.session:add(a); db.session:commit()
       db.session:add(Book{ name = "B1", author_id = a.id }); db.session:commit()
       db.session:delete(a); db.session:commit()'
[ "$(sql "SELECT count(*) FROM book WHERE name = 'B1'")" = 0 ] || fail "ON DELETE CASCADE did not delete the book"
clean
