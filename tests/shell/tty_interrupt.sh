#!/bin/sh
# tty_interrupt — Ctrl-C during a running statement interrupts it: the REPL
# prints an OperationalError, stays usable (same session answers the next
# query); Ctrl-C in a pure-Lua endless loop stops it ("interrupted!"). On
# every backend (see .backends): sqlite3_interrupt, PostgreSQL's cancel
# request, MariaDB's KILL QUERY; on a server, run.sh's DATABASE_URL.
. "$ROOT/tests/shell/tmux.inc"
export HOME="$TESTDIR/home"
mkdir -p "$HOME"

if [ "${ORMSH_TEST_BACKEND:-sqlite}" = sqlite ]; then
    start_ormsh --database sqlite://
else
    start_ormsh
fi
wait_prompt 1

# An endless recursive query; wait until it is running (no new prompt), then Ctrl-C.
type_text 'db.session:execute(db.text("WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c) SELECT count(*) FROM c"))'
key Enter
sleep 1
[ "$(prompts)" -eq 1 ] || fail "the endless query returned by itself"
key C-c
wait_for "OperationalError"
wait_prompt 2
enter "1+1"
wait_line "2"
enter 'db.session:execute(db.text("SELECT 40 + 2 AS n")):scalar()'
wait_line "42"

# A pure-Lua endless loop stops too.
type_text "while true do end"
key Enter
sleep 0.5
[ "$(prompts)" -eq 4 ] || fail "the endless loop returned by itself"
key C-c
wait_for "interrupted!"
wait_prompt 5
enter "1+2"
wait_line "3"

key C-d
wait_for "ormsh-exit=0"
