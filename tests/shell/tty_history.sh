#!/bin/sh
# tty_history — history is kept in $HOME/.ormsh_history across runs; a
# multi-line chunk is one entry, recalled whole with Up.
. "$ROOT/tests/shell/tmux.inc"
export HOME="$TESTDIR/home"
mkdir -p "$HOME"
hist="$HOME/.ormsh_history"

start_ormsh --database sqlite://
wait_prompt 1
enter "hist_marker = 7"
type_text "for i = 1, 2 do"
key Enter
wait_for "... "
type_text "hist_sum = (hist_sum or 0) + i"
key Enter
type_text "end"
key Enter
wait_prompt 3
type_text "exit()"
key Enter
wait_for "ormsh-exit=0"

[ -f "$hist" ] || { echo "no $hist after the first run"; exit 1; }
grep -q "hist_marker" "$hist" || { echo "hist_marker not in history:"; cat "$hist"; exit 1; }
n=$(grep -c "hist_sum" "$hist")
[ "$n" -eq 1 ] || { echo "multi-line chunk stored as $n entries:"; cat "$hist"; exit 1; }

# Second run: Up, Up recalls the chunk (before exit()); Enter runs it again.
first=$SESSION
SESSION=second
start_ormsh --database sqlite://
T kill-session -t "$first"
wait_prompt 1
key Up
wait_for ">>> exit()"
key Up
wait_for "hist_sum = (hist_sum or 0) + i"
n=$(prompts)
key Enter
wait_prompt $((n + 1))
enter "hist_sum"
wait_line "3"
key C-d
wait_for "ormsh-exit=0"
grep -q "hist_marker" "$hist" || { echo "history lost on the second run"; exit 1; }
