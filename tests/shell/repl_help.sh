#!/bin/sh
# repl_help — help() lists what the shell offers (db, session, the models,
# exit); help(Model) shows its table, columns (type, primary key, unique,
# not null) and relationships; help(value) shows a value and its names.
# All of it on stdout.
set -u
app="$TESTDIR/lib"
mkdir -p "$app"
printf 'return { name = "lib", models = { "models" } }\n' >"$app/app.lua"
cat >"$app/models.lua" <<'LUA'
Author = db.Model("Author", {
  __tablename = "author",
  id    = db.Column(db.Integer, { primary_key = true }),
  email = db.Column(db.String(30), { unique = true, nullable = false }),
  books = db.relationship("Book", { back_populates = "author" }),
})
function Author:greet() return "hi" end
Book = db.Model("Book", {
  id        = db.Column(db.Integer, { primary_key = true }),
  author_id = db.Column(db.Integer, db.ForeignKey("author.id")),
  author    = db.relationship("Author", { back_populates = "books" }),
})
LUA
printf 'help()\nhelp(Author)\nhelp({ alpha = 1 })\n' | "$ORMSH" --app "$app" -i >out 2>err ||
    { echo "ormsh failed"; cat err; exit 1; }
bad() { echo "FAIL: $*"; echo "--- stdout:"; cat out; exit 1; }
grep -q '^  db ' out || bad "help() does not mention db"
grep -q '^  session ' out || bad "help() does not mention session"
grep -q 'Author, Book' out || bad "help() does not list the models"
grep -q 'exit()' out || bad "help() does not mention exit()"
grep -q '^Author (table author)$' out || bad "help(Author) header"
grep -Eq '^ +id +Integer +primary key$' out || bad "help(Author): id column"
grep -Eq '^ +email +String\(30\) +unique not null$' out || bad "help(Author): email column"
grep -Eq '^ +books +' out || bad "help(Author): books relationship"
grep -q 'greet' out || bad "help(Author): method greet"
grep -q 'alpha' out || bad "help(table) does not list its fields"
grep -q 'help' err && bad "help wrote to stderr"
exit 0
