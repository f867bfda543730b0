#!/bin/sh
# tty_complete_context — completion that knows the context, in a real
# terminal: inside `filter_by{` the model's column names (after
# Author.query: and db.session:query(Author):), after `Author.name:` the
# expression methods, after `db.session:` the session methods, after an
# instance `a.` its attributes. One Tab completes a unique prefix or the
# prefix the names share; with nothing to insert, the first Tab only rings
# and the second lists, once.
. "$ROOT/tests/shell/tmux.inc"
export HOME="$TESTDIR/home"
mkdir -p "$HOME"
app="$TESTDIR/lib"
mkdir -p "$app"
printf 'return { name = "lib", models = { "models" } }\n' >"$app/app.lua"
cat >"$app/models.lua" <<'LUA'
Author = db.Model("Author", {
  id       = db.Column(db.Integer, { primary_key = true }),
  name     = db.Column(db.String(30)),
  email    = db.Column(db.String(30)),
  nickname = db.Column(db.String(30)),
})
LUA

start_ormsh --app "$app"
wait_prompt 1

# filter_by{: the model's columns; a unique prefix completes at once
type_text 'Author.query:filter_by{em'
key Tab
wait_for '>>> Author.query:filter_by{email'
type_text ' = "x", nick'
key Tab
wait_for '>>> Author.query:filter_by{email = "x", nickname'
key C-u
type_text 'db.session:query(Author):filter_by{ ema'
key Tab
wait_for '>>> db.session:query(Author):filter_by{ email'
key C-u
# n -> name / nickname: nothing to insert; Tab rings, Tab lists once
type_text 'Author.query:filter_by{n'
key Tab
sleep 0.3
screen | grep -q 'nickname' && fail "the first Tab listed"
key Tab
wait_for 'nickname'
[ "$(screen | grep -c 'nickname')" -eq 1 ] || fail "the list printed more than once"
screen | grep -q 'query ' && fail "globals offered inside filter_by{"
key C-u

# expression methods after Author.name:
type_text 'Author.name:ilik'
key Tab
wait_for '>>> Author.name:ilike'
key C-u
type_text 'Author.name:'
key Tab
key Tab
for m in like in_ desc; do wait_for "$m"; done
key C-u

# session methods: the common prefix, then the list
type_text 'db.session:ad'
key Tab
wait_for '>>> db.session:add'
key Tab
wait_for 'add_all'
key C-u

# an instance's attributes
enter 'a = Author{name = "Umang", nickname = "u"}'
type_text 'a.nickn'
key Tab
wait_for '>>> a.nickname'
key Enter
wait_line 'u'

key C-d
wait_for "ormsh-exit=0"
