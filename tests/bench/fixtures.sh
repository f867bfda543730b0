#!/bin/sh
# tests/bench/fixtures.sh — the fixture lines of `make bench` (run by run.sh):
# `ormsh db dump` and `ormsh db load` of BENCH_FIXTURE_N rows (default
# 1,000,000) of a four-column table on SQLite, beside the sqlite3 CLI's own
# `.dump` and `.read` of the same database: wall time and peak RSS of each
# whole process (GNU time's %M; "?" without /usr/bin/time). Target: ormsh
# under 50 MiB peak RSS for both (dump streams row by row, load record by
# record). A report, not a test: it always exits 0.
set -u
: "${ORMSH:=$(pwd)/ormsh}"
N=${BENCH_FIXTURE_N:-1000000}
TMP=$(mktemp -d "${TMPDIR:-/tmp}/ormsh-bench-fx.XXXXXX") || exit 0
trap 'rm -rf "$TMP"' EXIT
command -v sqlite3 >/dev/null 2>&1 || { echo "fixtures: skipped (no sqlite3 CLI)"; exit 0; }

mkdir -p "$TMP/a" "$TMP/b"
for d in a b; do
    printf 'return { database = "sqlite:///app.db", models = { "models" } }\n' >"$TMP/$d/app.lua"
    cat >"$TMP/$d/models.lua" <<'LUA'
Item = db.Model("Item", {
  id = db.Column(db.Integer, { primary_key = true }),
  name = db.Column(db.String(40)),
  price = db.Column(db.Numeric(10, 2)),
  added = db.Column(db.DateTime),
})
LUA
done
SCHEMA='CREATE TABLE item (id INTEGER NOT NULL, name VARCHAR(40), price NUMERIC(10, 2), added DATETIME, PRIMARY KEY (id));'
sqlite3 "$TMP/a/app.db" "$SCHEMA
WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < $N)
INSERT INTO item SELECT x, 'item number ' || x, (x % 10000) / 100.0, '2024-01-01 10:00:00' FROM c;"
sqlite3 "$TMP/b/app.db" "$SCHEMA"

# measure NAME CMD... — runs CMD, keeps "seconds KiB" in $TMP/NAME ("? ?" on failure)
measure() {
    name=$1; shift
    if [ -x /usr/bin/time ]; then
        /usr/bin/time -f '%e %M' -o "$TMP/$name" "$@" >/dev/null 2>"$TMP/$name.err" || echo "? ?" >"$TMP/$name"
    else
        s=$(date +%s%N)
        if "$@" >/dev/null 2>"$TMP/$name.err"; then
            awk -v s="$s" -v e="$(date +%s%N)" 'BEGIN { printf "%.2f ?\n", (e - s) / 1e9 }' >"$TMP/$name"
        else echo "? ?" >"$TMP/$name"; fi
    fi
}
measure ormsh_dump "$ORMSH" --app "$TMP/a" db dump -o "$TMP/fixture.json"
measure ormsh_load "$ORMSH" --app "$TMP/b" db load "$TMP/fixture.json"
loaded=$(sqlite3 "$TMP/b/app.db" 'SELECT count(*) FROM item')
measure sqlite_dump sh -c "sqlite3 '$TMP/a/app.db' .dump >'$TMP/dump.sql'"
rm -f "$TMP/c.db"
measure sqlite_read sqlite3 "$TMP/c.db" ".read $TMP/dump.sql"

echo
echo "Fixtures on SQLite: $N rows (id, name, price, added); whole processes; loaded back: $loaded rows"
printf '%-22s %10s %12s %12s %14s %10s  %s\n' "operation" "ormsh (s)" "ormsh (MiB)" "sqlite3 (s)" "sqlite3 (MiB)" "target" "result"
line() {
    set -- "$1" $(cat "$TMP/$2") $(cat "$TMP/$3")
    awk -v op="$1" -v ot="$2" -v om="$3" -v st="$4" -v sm="$5" 'BEGIN {
        omib = om == "?" ? "?" : sprintf("%.1f", om / 1024); smib = sm == "?" ? "?" : sprintf("%.1f", sm / 1024)
        res = om == "?" ? "?" : (om / 1024 < 50 ? "ok" : "MISSED")
        printf "%-22s %10s %12s %12s %14s %10s  %s\n", op, ot, omib, st, smib, "<50MiB", res }'
}
line "dump (.dump)" ormsh_dump sqlite_dump
line "load (.read)" ormsh_load sqlite_read
for f in ormsh_dump ormsh_load; do
    grep -q '^?' "$TMP/$f" && { echo "ERROR $f:"; tail -3 "$TMP/$f.err"; }
done
exit 0
