#!/bin/sh
# tests/bench/mysql_insert.sh — W1 on MariaDB: `add_all` + `commit` of N
# Authors (ormsh_bench.lua w1) on a throwaway MariaDB server
# (tests/servers.sh), each run on a fresh database; prints the wall-clock
# seconds of every run and the median. With ORMSH_BEFORE set (another ormsh
# build), its runs are printed beside, for a before/after figure.
#   sh tests/bench/mysql_insert.sh            (from the repository root)
# Knobs: BENCH_MY_N (default 20000), BENCH_MY_REPS (default 3), ORMSH
# (default build/ormsh), ORMSH_BEFORE. Reports, never fails a build.
set -u
ROOT=$(pwd)
N=${BENCH_MY_N:-20000}
REPS=${BENCH_MY_REPS:-3}
ORMSH=${ORMSH:-$ROOT/build/ormsh}
TMP=$(mktemp -d "${TMPDIR:-/tmp}/ormsh-mybench.XXXXXX")
SRV_ROOT="$TMP/servers"
. "$ROOT/tests/servers.sh"
trap 'servers_stop_all; rm -rf "$TMP"' EXIT
trap 'exit 130' INT TERM
if ! server_start mysql; then echo "MariaDB: skipped (the server did not start)"; exit 0; fi
APP=$TMP/app; mkdir -p "$APP"
echo 'return { name = "mybench", models = { "models" } }' > "$APP/app.lua"
cat > "$APP/models.lua" <<'MODELS'
Author = db.Model("Author", {
  id    = db.Column(db.Integer, { primary_key = true }),
  name  = db.Column(db.String(30)),
  email = db.Column(db.String(30), { unique = true, nullable = false }),
})
MODELS
# one W1 run of binary $1 on a fresh database: prints its wall seconds
w1() {
    db=w1_$2
    server_createdb mysql "$db" || return 1
    url="mysql://$SRV_MY_USER@127.0.0.1:$SRV_MY_PORT/$db"
    MYSQL_PWD="$SRV_MY_PASSWORD" "$1" --app "$APP" --database "$url" run "$ROOT/tests/bench/ormsh_bench.lua" w1 "$N" |
        awk '$1 == "wall" { print $2 }'
    server_dropdb mysql "$db"
}
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
echo "MariaDB $(srv_my_sql 'SELECT VERSION()' | tail -1), W1: add_all + commit of $N Authors, $REPS runs"
for label in after before; do
    bin=$ORMSH
    if [ "$label" = before ]; then [ -n "${ORMSH_BEFORE:-}" ] || continue; bin=$ORMSH_BEFORE; fi
    runs=""; r=1
    while [ "$r" -le "$REPS" ]; do runs="$runs $(w1 "$bin" "${label}_$r")"; r=$((r + 1)); done
    med=$(for v in $runs; do echo "$v"; done | median)
    echo "  $label ($bin): runs$runs  median $med s"
done
