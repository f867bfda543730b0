#!/bin/sh
# scripts/lint.sh — make lint: every C file of core/, bindings/, shell/ and the
# unit tests must be formatted as .clang-format says (clang-format, checked, not
# rewritten: `make format` rewrites), and cppcheck must find nothing at the
# warning and portability levels. Exits 1 with the findings otherwise.
set -u
cd "$(dirname "$0")/.."
files=$(ls core/*.[ch] bindings/*.[ch] shell/*.[ch] tests/unit/*.[ch] tests/fuzz/*.[ch] tests/bench/*.c 2>/dev/null)
rc=0
bad=""
for f in $files; do
    clang-format --dry-run -Werror "$f" >/dev/null 2>&1 || bad="$bad $f"
done
if [ -n "$bad" ]; then
    echo "lint: not formatted as .clang-format says (run make format):$bad" >&2
    rc=1
fi
# cppcheck: real findings only (warning, portability); inline suppressions
# (// cppcheck-suppress id) mark the reviewed false positives.
out=$(cppcheck --quiet --enable=warning,portability --inline-suppr --std=c11 \
        --library=lua --library=scripts/cppcheck-lua.cfg -Icore -Ibindings \
        --suppress=missingIncludeSystem --suppress=toomanyconfigs \
        --template='{file}:{line}: {severity}: {message} [{id}]' \
        core bindings shell 2>&1)
if [ -n "$out" ]; then
    printf '%s\n' "$out" >&2
    echo "lint: cppcheck found the above" >&2
    rc=1
fi
[ "$rc" -eq 0 ] && echo "lint: clean ($(echo "$files" | wc -w) files formatted, cppcheck quiet)"
exit "$rc"
