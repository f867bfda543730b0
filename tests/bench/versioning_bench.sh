#!/bin/sh
# tests/bench/versioning_bench.sh — `make bench`'s versioning lines: W1
# (insert N authors) and UPD (change and flush N loaded authors) on SQLite,
# plain vs __version_id (target <= 1.3x) vs __versioned (target <= 2x);
# the median of BENCH_REPS runs (default 3) each. Needs ORMSH. Knobs:
# BENCH_N (default 100000), BENCH_VERSIONING=0 skips it. A report, not a
# test: a missed target says MISSED, the script exits 0.
set -u
[ "${BENCH_VERSIONING:-1}" = 0 ] && exit 0
N=${BENCH_N:-100000}
REPS=${BENCH_REPS:-3}
HERE=$(cd "$(dirname "$0")" && pwd)
TMP=$(mktemp -d "${TMPDIR:-/tmp}/ormsh-vbench.XXXXXX") || exit 0
trap 'rm -rf "$TMP"' EXIT

median() { sort -g | awk '{ v[NR] = $1 } END { if (NR) print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# run MODE PHASE — the median wall seconds
run() {
    i=0
    while [ "$i" -lt "$REPS" ]; do
        rm -f "$TMP/b.db"
        "$ORMSH" --database "sqlite:///$TMP/b.db" run "$HERE/versioning_bench.lua" "$1" "$2" "$N" 2>>"$TMP/err" |
            awk '$1 == "wall" { print $2 }'
        i=$((i + 1))
    done | median
}

echo "Versioning cost (SQLite, N=$N, median of $REPS; ratio to the same without versioning):"
for phase in w1 upd; do
    plain=$(run plain "$phase")
    vid=$(run vid "$phase")
    ver=$(run versioned "$phase")
    label=$([ "$phase" = w1 ] && echo "W1 insert" || echo "UPD update")
    awk -v l="$label" -v p="${plain:-0}" -v v="${vid:-0}" -v h="${ver:-0}" 'BEGIN {
        if (p <= 0 || v <= 0 || h <= 0) { printf "  %-11s ERROR (see below)\n", l; exit }
        rv = v / p; rh = h / p
        printf "  %-11s plain %.3fs  __version_id %.3fs (%.2fx, target <= 1.3x%s)  __versioned %.3fs (%.2fx, target <= 2x%s)\n",
            l, p, v, rv, rv <= 1.3 ? "" : " MISSED", h, rh, rh <= 2 ? "" : " MISSED" }'
done
[ -s "$TMP/err" ] && { echo "  errors:"; sed 's/^/    /' "$TMP/err" | head -5; }
exit 0
