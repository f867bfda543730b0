#!/bin/sh
# tty_prompt — in a terminal the prompt shows what is pending:
# "app[2 new]>>> ", "app[1 new, 1 dirty]>>> ", "app[1 deleted]>>> " (only
# the non-zero counts), ">>> " when nothing is; "app[behind head]>>> " when
# the database is behind the migrations head.
. "$ROOT/tests/shell/tmux.inc"
export HOME="$TESTDIR/home"
mkdir -p "$HOME" "$TESTDIR/app"
printf 'return { name = "shop", database = "sqlite:///instance/shop.db", models = { "models" } }\n' \
    >"$TESTDIR/app/app.lua"
cat >"$TESTDIR/app/models.lua" <<'LUA'
Item = db.Model("Item", {
  id   = db.Column(db.Integer, { primary_key = true }),
  name = db.Column(db.String(30)),
})
LUA
start_ormsh --app app
# last_prompt PROMPT — until the screen's last line is PROMPT (the cursor waits after it)
last_prompt() {
    i=0
    while [ "$i" -lt "$TMUX_WAIT" ]; do
        [ "$(screen | sed 's/ *$//' | grep -v '^$' | tail -n 1)" = "$1" ] && return 0
        sleep 0.1
        i=$((i + 1))
    done
    fail "timed out waiting for the prompt '$1'"
}
# step TEXT PROMPT — types TEXT and Enter (the line then ends with TEXT), then waits for PROMPT
step() {
    type_text "$1"
    wait_for "$1"
    key Enter
    last_prompt "$2"
}
wait_for "Models: Item"
last_prompt ">>>"
step "db.create_all()" ">>>"
step "a, b = Item{ name = 'a' }, Item{ name = 'b' }" ">>>"
step "db.session:add_all{ a, b }" "shop[2 new]>>>"
step "db.session:commit()" ">>>"
step "a.name = 'A'" "shop[1 dirty]>>>"
step "db.session:add(Item{ name = 'c' })" "shop[1 new, 1 dirty]>>>"
step "db.session:commit()" ">>>"
step "db.session:delete(b)" "shop[1 deleted]>>>"
step "db.session:rollback()" ">>>"
key C-d
wait_for "ormsh-exit=0"

# a revision the database has not reached (a fresh database): behind head
rm -f "$TESTDIR/app/instance/shop.db"
( cd "$TESTDIR" && "$ORMSH" --app app db init >/dev/null 2>&1 &&
  "$ORMSH" --app app db migrate -m "items" >/dev/null 2>&1 ) || fail "db init/migrate failed"
SESSION=second
start_ormsh --app app
wait_for "Models: Item"
last_prompt "shop[behind head]>>>"
step "db.session:add(Item{ name = 'd' })" "shop[1 new, behind head]>>>"
exit 0
