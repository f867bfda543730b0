#!/bin/sh
# tty_interrupt_commit — Ctrl-C during a long commit (a flush of many rows,
# mostly spent between statements) interrupts it: OperationalError, nothing
# written, the shell usable and the next commit working. It used to finish
# the commit and raise "interrupted!" afterwards (a retrying wrapper then ran
# the seed twice). On SQLite (the app's own database).
. "$ROOT/tests/shell/tmux.inc"
export HOME="$TESTDIR/home"
mkdir -p "$HOME"
mkdir app
cat >app/app.lua <<'LUA'
return { name = "intr", database = "sqlite:///instance/intr.db", models = { "models" } }
LUA
cat >app/models.lua <<'LUA'
Row = db.Model("Row", {
  id = db.Column(db.Integer, { primary_key = true }),
  name = db.Column(db.String(30)),
})
LUA
"$ORMSH" --app app -e 'db.create_all()' || fail "create_all"
start_ormsh --app app shell
wait_prompt 1
N=600000
enter "for i = 1, $N do db.session:add(Row{ name = 'row ' .. i }) end"
wait_prompt 2
type_text 'db.session:commit() print("committed")'
key Enter
sleep 0.2
[ "$(prompts)" -eq 2 ] || fail "the commit ended before Ctrl-C (make N larger)"
key C-c
wait_for "OperationalError"
wait_prompt 3
screen | grep -qx "committed" && fail "the commit completed"
screen | grep -q "interrupted!" && fail "interrupted after the commit"
# the rows are still pending in the session (as after any failed flush);
# the database has none of them
enter 'db.session:rollback() print("rows=" .. Row.query:count())'
wait_line "rows=0"
enter 'db.session:add(Row{ name = "one" }) db.session:commit() print("rows=" .. Row.query:count())'
wait_line "rows=1"
key C-d
wait_for "ormsh-exit=0"
