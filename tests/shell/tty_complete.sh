#!/bin/sh
# tty_complete — Tab completion of what the app defines: model names as
# globals, a model's attributes (`Author.` -> id name email books query),
# nested paths, table fields, string methods; names starting with __ hidden.
. "$ROOT/tests/shell/tmux.inc"
export HOME="$TESTDIR/home"
mkdir -p "$HOME"
app="$TESTDIR/lib"
mkdir -p "$app"
printf 'return { name = "lib", models = { "models" } }\n' >"$app/app.lua"
cat >"$app/models.lua" <<'LUA'
Author = db.Model("Author", {
  id    = db.Column(db.Integer, { primary_key = true }),
  name  = db.Column(db.String(30)),
  email = db.Column(db.String(30)),
  books = db.relationship("Book", { back_populates = "author" }),
})
Book = db.Model("Book", {
  id        = db.Column(db.Integer, { primary_key = true }),
  author_id = db.Column(db.Integer, db.ForeignKey("author.id")),
  author    = db.relationship("Author", { back_populates = "books" }),
})
LUA

start_ormsh --app "$app"
wait_for "Models: Author, Book"
wait_prompt 1

type_text "Auth"
key Tab
wait_for ">>> Author"
type_text "."
key Tab
sleep 0.3
screen | grep -q "books" && fail "the first Tab with nothing to insert listed"
key Tab
for name in id name email books query; do
    wait_for "$name"
done
screen | grep -q "__" && fail "a __ name was offered"
key C-u
type_text "Author.em"
key Tab
wait_for ">>> Author.email"
key C-u

enter "cfg = { alpha_one = 1, alpha_two = 2, nested = { deep_field = true } }"
type_text "cfg.nested.dee"
key Tab
wait_for ">>> cfg.nested.deep_field"
key Enter
wait_line "true"
type_text "cfg.al"
key Tab
wait_for ">>> cfg.alpha_"
key Tab
wait_for "alpha_two"
key C-u
enter 'str = "abc"'
type_text "str:up"
key Tab
wait_for ">>> str:upper"
type_text "()"
key Enter
wait_line "ABC"

key C-d
wait_for "ormsh-exit=0"
