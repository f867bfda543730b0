#!/bin/sh
# tty_editing — the REPL in a real terminal: banner and prompt, libedit line
# editing (cursor moves, insertion, start of line), Tab completion of a global
# and of db.session: methods (listing when ambiguous), Ctrl-C abandoning the
# current input (also mid-chunk), Ctrl-D leaving with status 0.
. "$ROOT/tests/shell/tmux.inc"
export HOME="$TESTDIR/home"
mkdir -p "$HOME"

start_ormsh --database sqlite://
wait_for "ormsh 0.1.0 (Lua 5.4"
wait_for "Database: sqlite://"
wait_prompt 1

# Editing: "12+3", two steps left, insert "0" -> 120+3.
type_text "12+3"
key Left Left
type_text "0"
key Enter
wait_line "123"
# Ctrl-A goes to the start of the line: "2+2" -> "12+2".
type_text "2+2"
key C-a
type_text "1"
key Enter
wait_line "14"

# Tab completes a global: sessi<Tab> -> session (exactly).
enter "my_unique_global = 5"
type_text "sessi"
key Tab
wait_for ">>> session"
type_text " == db.session"
key Enter
wait_line "true"
type_text "my_uniq"
key Tab
wait_for ">>> my_unique_global"
key Enter
wait_line "5"

# db.session: + Tab (ambiguous, nothing to insert) rings; a second Tab lists the methods.
type_text "db.session:"
key Tab
key Tab
wait_for "add_all"
screen | grep -q "commit" || fail "commit not listed after db.session:<Tab>"
screen | grep -q "rollback" || fail "rollback not listed after db.session:<Tab>"
# ... and a unique prefix completes in place.
key C-u
type_text "db.session:add_a"
key Tab
wait_for ">>> db.session:add_all"
key C-u

# Ctrl-C abandons a typed line ...
n=$(prompts)
type_text "abandoned_1 = 1"
key C-c
wait_prompt $((n + 1))
# ... and a chunk waiting for more input.
type_text "abandoned_2 = ("
key Enter
wait_for "... "
type_text "5"
key C-c
wait_prompt $((n + 2))
enter "abandoned_1 == nil and abandoned_2 == nil and 'abandoned'"
wait_line "abandoned"

key C-d
wait_for "ormsh-exit=0"
