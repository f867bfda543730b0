#!/bin/sh
# tests/bench/run.sh — `make bench`: the same work through ormsh, through the raw
# sqlite3 C API (raw_sqlite.c) and, where python3 can import it, through the
# SQLAlchemy ORM; prints one table of times, ratios and targets.
#
#   W0  start-up: `ormsh --app APP -e 'return'` (APP: app.lua + models.lua with the
#       one Author model) as a whole process, beside `sqlite3 DB 'select 1'`
#   W1  insert N authors (build the objects, add_all, commit)
#   W2  load all N rows as objects in a fresh process, reading one attribute of each
#       (and the peak RSS of that process)
#   W3  N gets by random primary key in a fresh session (one transaction)
#   W4  relationships (issue 4), on a second database: N45 authors with 10 books
#       each (Author.books / Book.author, back_populates; book.author_id indexed).
#       In a fresh process load all authors and touch each one's books (#a.books,
#       b.name of each), (a) with :options(db.selectinload(Author.books)) -- the
#       row with the target -- and (b) lazily (one query per author, shown for
#       contrast, no target); db.statements counted around each. Raw C: ONE
#       joined query (author LEFT JOIN book ORDER BY author.id, book.id) into
#       heap structs, each author with an array of its books.
#   R1  reflecting a 1,000-table SQLite database (db.reflect(); target < 1 s)
#   W5  N45 filter_by{ email = e }:first() (email is unique, so indexed) in a
#       fresh session, every author once in a fixed-seed shuffled order; raw C:
#       one prepared SELECT ... WHERE email = ? LIMIT 1 reset and rebound, in
#       one transaction
#   Replica routing: W3 and W5 again with one read replica configured (--replica
#       naming the same SQLite file, opened read-only), beside W3 and W5 without
#       (target: within 10%), in wall-clock and (no target) CPU seconds
#
# Needs BUILD (bench_raw_sqlite lives there) and ORMSH (the ormsh executable).
# Knobs: BENCH_N (default 100000), BENCH_N45 (authors of W4/W5 and queries of
# W5; default 10000), BENCH_REPS (runs of W1-W5 each for raw C and
# ormsh, the median counts; default 5), BENCH_W0_RUNS (processes a W0 batch, 5
# batches, the median batch mean counts; default 20), PYTHON (a python3 that can
# import sqlalchemy; default: the first of python3, /usr/bin/python3 that can),
# BENCH_SQLALCHEMY=0 to skip SQLAlchemy. BENCH_STREAM_N (default 1000000; 0
# skips it): rows of the streaming line -- `for a in query(Author) do` over
# that many rows (raw C's w1 writes them), one run, its peak RSS (target
# < 40 MiB, independent of the rows) and wall seconds.
#
# PostgreSQL (after the SQLite table): W1-W5 again on a throwaway server that
# tests/servers.sh starts on loopback under this run's temp directory (stopped
# by the EXIT trap), through ormsh --database postgresql://... and through
# raw_pg.c (libpq: prepared statements, one transaction; W1 takes the keys with
# INSERT ... RETURNING id); each W1 run on a fresh database. "W1 vs COPY":
# ormsh's W1 beside raw libpq writing the same rows with COPY ... FROM STDIN
# (the floor; target <= 3x). Target <= 2x raw
# libpq for W1-W5 (W4 lazy: none). When the server cannot start the section
# prints "PostgreSQL: skipped (reason)". Knobs: BENCH_PG=0 skips it,
# BENCH_PG_N (W1-W3 rows; default 20000), BENCH_PG_N45
# (default: N45), BENCH_PG_REPS (default 3).
#
# MariaDB (after PostgreSQL): W1-W5 the same way on a throwaway MariaDB server
# (tests/servers.sh), through ormsh --database mysql://... and through
# raw_mysql.c (libmariadb's prepared statements, binary protocol, one
# transaction; W1 one execution a row, the key from mysql_stmt_insert_id);
# each W1 run on a fresh database. "W1 vs bulk": ormsh's W1 beside raw
# libmariadb writing the same rows with array binding (the floor, no target).
# Target <= 2x raw libmariadb for W1-W5 (W4 lazy: none), as on PostgreSQL.
# When the server cannot start the section prints "MariaDB: skipped (reason)".
# Knobs: BENCH_MY=0 skips it, BENCH_MY_N (W1-W3 rows; default 20000),
# BENCH_MY_N45 (default: N45), BENCH_MY_REPS (default 3).
#
# Session: W1, W2 and W3 one after the other in ONE ormsh process (the way a
# shell session lives: W2 loads after W1 made and dropped N objects; REPS
# runs, medians), beside raw C's fresh-process figures, with the same targets,
# and that process's peak RSS (target <= 45 MiB). Scaling: W1 and W2 at 10k
# and 1M rows, one run each (N: the medians), microseconds per row -- flat
# is the goal; BENCH_SCALE=0 skips it.
#
# Times are wall-clock seconds around the workload inside each process (the
# process start-up and the untimed set-up are excluded); W0 is the whole process.
# Fixtures (tests/bench/fixtures.sh, last): `ormsh db dump` / `db load` of
# BENCH_FIXTURE_N rows (default 1,000,000) beside sqlite3's .dump / .read, time
# and peak RSS; BENCH_FIXTURES=0 skips it.
#
# Benchmarks are reports, not tests: a missed target is marked MISSED, a failed
# workload ERROR, and the script still exits 0.
set -u
: "${BUILD:=build}"
: "${ORMSH:=$(pwd)/ormsh}"
N=${BENCH_N:-100000}
N45=${BENCH_N45:-10000}
REPS=${BENCH_REPS:-5}
STREAM_N=${BENCH_STREAM_N:-1000000}
W0_RUNS=${BENCH_W0_RUNS:-20}
W0_BATCHES=5
RAW=$BUILD/bench_raw_sqlite
HERE=$(cd "$(dirname "$0")" && pwd)
LUA_BENCH=$HERE/ormsh_bench.lua
PY_BENCH=$HERE/sqlalchemy_bench.py

TMP=$(mktemp -d "${TMPDIR:-/tmp}/ormsh-bench.XXXXXX") || exit 0
trap 'rm -rf "$TMP"' EXIT
trap 'exit 130' INT TERM
OUT=$TMP/out; mkdir -p "$OUT"
ERRS=$TMP/errors; : > "$ERRS"

for f in "$RAW" "$ORMSH"; do
    if [ ! -x "$f" ]; then echo "bench: $f is missing (run through make bench)" >&2; exit 0; fi
done
command -v sqlite3 >/dev/null 2>&1 || { echo "bench: sqlite3 CLI not found" >&2; exit 0; }

# ---------------------------------------------------------------- helpers
now_ns() { date +%s%N; }

# val FILE KEY — the value of "KEY value" in FILE (empty when absent)
val() { [ -f "$1" ] && awk -v k="$2" '$1 == k { print $2; exit }' "$1"; }

# stream_row FILE — the streaming line of a server's table: the loop's peak
# RSS and time from a run of ormsh_bench.lua stream (nothing when it did not run)
stream_row() {
    [ -f "$1" ] || return 0
    awk -v k="$(val "$1" rss_kib)" -v w="$(val "$1" wall)" -v n="$(val "$1" rows)" '
        BEGIN { printf "%-26s %10s %10.1f %8s %8s  %-8s  (%d rows, %.3f s)\n", "stream RSS (MiB)", "-", k / 1024, "-", "<40MiB",
                (k / 1024 < 40) ? "ok" : "MISSED", n, w }'
}

# median of the numbers on standard input (empty input gives nothing)
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR) print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# fmt4 — the number on standard input with 4 decimals, "?" when there is none
fmt4() { awk 'NR == 1 { printf "%.4f", $1 } END { if (NR == 0) printf "?" }'; }

# note_error LABEL FILE — remember a failure and its message for the report
note_error() {
    { echo "$1:"; if [ -s "$2" ]; then tail -n 5 "$2" | sed 's/^/    /'; else echo "    (no message)"; fi; } >> "$ERRS"
}

# run_phase TAG LABEL CMD... — runs one workload process; stdout to $OUT/TAG,
# stderr to $OUT/TAG.err; a failure (status or no "wall" line) is noted.
run_phase() {
    tag=$1; label=$2; shift 2
    "$@" > "$OUT/$tag" 2> "$OUT/$tag.err"
    rc=$?
    if [ $rc -ne 0 ] || [ -z "$(val "$OUT/$tag" wall)" ]; then
        note_error "$label (exit $rc)" "$OUT/$tag.err"
        rm -f "$OUT/$tag"
        return 1
    fi
    return 0
}

# verify_db DB LABEL — the table W1 wrote holds N rows with ids 1..N and N distinct emails
verify_db() {
    got=$(sqlite3 "$1" 'SELECT count(*) || " " || sum(id) || " " || count(DISTINCT email) || " " || max(id) FROM author' 2>&1)
    want="$N $(awk -v n="$N" 'BEGIN { printf "%.0f", n * (n + 1) / 2 }') $N $N"
    if [ "$got" != "$want" ]; then
        echo "$2: the database holds (count sum(id) distinct-emails max(id)) '$got', expected '$want'" >> "$ERRS"
        return 1
    fi
}

# medians KEY TAGPREFIX — the median of KEY over $OUT/TAGPREFIX.*
medians() {
    for f in "$OUT/$2".*; do
        case "$f" in *.err) continue ;; esac
        val "$f" "$1"
    done | median
}

# cpu_line LABEL RAW ORMSH — "CPU seconds (LABEL / ormsh): W1 ..." from the
# runs tagged RAW.* and ORMSH.*
cpu_line() {
    line="CPU seconds ($1 / ormsh):"
    for w in w1 w2 w3; do
        line="$line $(echo $w | tr w W) $(medians cpu "$2.$w" | fmt4) / $(medians cpu "$3.$w" | fmt4);"
    done
    line="$line W4 $(medians cpu "$2.w4" | fmt4) / $(medians cpu "$3.w4sel" | fmt4) (lazy $(medians cpu "$3.w4lazy" | fmt4));"
    line="$line W5 $(medians cpu "$2.w5" | fmt4) / $(medians cpu "$3.w5" | fmt4);"
    echo "$line"
}

# all_runs RAW ORMSH REPS WIDTH [EXTRA] — every run's wall seconds, a line per
# implementation and workload (names without their "pg" / "my", in WIDTH
# columns); EXTRA: more workloads of RAW alone (MariaDB's bulk)
all_runs() {
    echo "all runs (wall s):"
    for impl in "$1" "$2"; do
        for w in w1 ${5-} w2 w3 w4 w4sel w4lazy w5; do
            case $impl.$w in "$1.w4sel"|"$1.w4lazy"|"$2.w4") continue ;; esac
            [ "$impl" = "$2" ] && [ -n "${5-}" ] && [ "$w" = "$5" ] && continue
            vals=""
            r=1
            while [ $r -le "$3" ]; do
                v=$(val "$OUT/$impl.$w.$r" wall); vals="$vals ${v:-ERROR}"; r=$((r + 1))
            done
            printf "  %-${4}s %s:%s\n" "$(echo "$impl" | sed 's/^pg//; s/^my//')" "$(echo $w | tr w W)" "$vals"
        done
    done
}

# check_same PHASE LABEL TAGPREFIX [BASEPREFIX] — rows and checksum equal raw C's
# (BASEPREFIX: the raw runs' tag prefix, default raw)
check_same() {
    for f in "$OUT/$3".*; do
        case "$f" in *.err) continue ;; esac
        [ -f "$f" ] || continue
        for k in rows check; do
            a=$(val "$f" $k); b=$(val "$OUT/${4:-raw}.$1.1" $k)
            if [ -n "$b" ] && [ "$a" != "$b" ]; then
                echo "$2: $k is $a, raw C's is $b (wrong result)" >> "$ERRS"
                echo wrong > "$OUT/wrong.$3"
                return
            fi
        done
    done
}

# batch_mean RUNS CMD... — mean seconds of one whole process of CMD over RUNS runs
batch_mean() {
    runs=$1; shift
    s=$(now_ns); i=0
    while [ $i -lt "$runs" ]; do "$@" >/dev/null 2>&1; i=$((i + 1)); done
    e=$(now_ns)
    awk -v s="$s" -v e="$e" -v r="$runs" 'BEGIN { printf "%.6f\n", (e - s) / r / 1e9 }'
}

# verify_db45 DB LABEL — W4/W5's database holds N45 authors (N45 distinct emails)
# and 10 * N45 books, book j written by author (j - 1) % N45 + 1
verify_db45() {
    got=$(sqlite3 "$1" 'SELECT (SELECT count(*) FROM author) || " " || (SELECT count(DISTINCT email) FROM author) || " " || (SELECT count(*) FROM book) || " " || (SELECT sum(author_id) FROM book) || " " || (SELECT count(*) FROM book WHERE author_id != (id - 1) % (SELECT count(*) FROM author) + 1)' 2>&1)
    want="$N45 $N45 $((10 * N45)) $(awk -v n="$N45" 'BEGIN { printf "%.0f", 10 * n * (n + 1) / 2 }') 0"
    if [ "$got" != "$want" ]; then
        echo "$2: the database holds (authors emails books sum(author_id) misplaced) '$got', expected '$want'" >> "$ERRS"
        return 1
    fi
}

# ---------------------------------------------------------------- set-up
DB=$TMP/bench.db            # W2/W3 read this one (written by raw C's first W1)
DB45=$TMP/bench45.db        # W4/W5 read this one (written by raw C's w45setup)
APP=$TMP/app; mkdir -p "$APP"
cat > "$APP/app.lua" <<EOF
return { name = "bench", database = "sqlite:///$DB", models = { "models" } }
EOF
cat > "$APP/models.lua" <<'EOF'
Author = db.Model("Author", {
  id    = db.Column(db.Integer, { primary_key = true }),
  name  = db.Column(db.String(30)),
  email = db.Column(db.String(30), { unique = true, nullable = false }),
})
EOF
# W4/W5's app: Author one-to-many Book, back_populates both ways (apart from APP,
# so W0 still loads the one Author model)
APP45=$TMP/app45; mkdir -p "$APP45"
cat > "$APP45/app.lua" <<EOF
return { name = "bench45", database = "sqlite:///$DB45", models = { "models" } }
EOF
cat > "$APP45/models.lua" <<'EOF'
Author = db.Model("Author", {
  id    = db.Column(db.Integer, { primary_key = true }),
  name  = db.Column(db.String(30)),
  email = db.Column(db.String(30), { unique = true, nullable = false }),
  books = db.relationship("Book", { back_populates = "author" }),
})
Book = db.Model("Book", {
  id        = db.Column(db.Integer, { primary_key = true }),
  name      = db.Column(db.String(50), { nullable = false }),
  author_id = db.Column(db.Integer, db.ForeignKey("author.id"), { index = true }),
  author    = db.relationship("Author", { back_populates = "books" }),
})
EOF
# shellcheck disable=SC2317  # called through run_phase
ormsh_cmd() { "$ORMSH" --app "$APP" --database "sqlite:///$1" run "$LUA_BENCH" "$2" "$N"; }
# shellcheck disable=SC2317  # called through run_phase
ormsh45_cmd() { "$ORMSH" --app "$APP45" run "$LUA_BENCH" "$1" "$N45"; }
# W5 with monitoring on: the same app writing Prometheus metrics every second
# (and a slow log nothing reaches), for the overhead line
APP45M=$TMP/app45m; mkdir -p "$APP45M"
cp "$APP45/models.lua" "$APP45M/"
cat > "$APP45M/app.lua" <<EOF
return { name = "bench45m", database = "sqlite:///$DB45", models = { "models" },
         metrics = "$TMP/ormsh.prom", metrics_interval = 1, slow_ms = 10000 }
EOF
# shellcheck disable=SC2317  # called through run_phase
ormsh45m_cmd() { "$ORMSH" --app "$APP45M" run "$LUA_BENCH" "$1" "$N45"; }
# W3 and W5 with one read replica configured (the same SQLite file, opened
# read-only): the reads go through the router, for the routing overhead line
# shellcheck disable=SC2317  # called through run_phase
ormsh_rcmd() { "$ORMSH" --app "$APP" --database "sqlite:///$1" --replica "sqlite:///$1" run "$LUA_BENCH" "$2" "$N"; }
# shellcheck disable=SC2317  # called through run_phase
ormsh45r_cmd() { "$ORMSH" --app "$APP45" --replica "sqlite:///$DB45" run "$LUA_BENCH" "$1" "$N45"; }

PY=""
if [ "${BENCH_SQLALCHEMY:-1}" != 0 ]; then
    for p in ${PYTHON:-python3 /usr/bin/python3}; do
        if "$p" -c 'import sqlalchemy' >/dev/null 2>&1; then PY=$p; break; fi
    done
fi

start=$(now_ns)
echo "ormsh benchmark: N=$N (W4/W5: N45=$N45), raw C and ormsh median of $REPS runs, W0 median of $W0_BATCHES batches of $W0_RUNS processes"
echo "ormsh: $ORMSH"

# ---------------------------------------------------------------- W1
r=1
while [ $r -le "$REPS" ]; do
    db=$TMP/w1-raw-$r.db
    if run_phase raw.w1.$r "raw C W1 run $r" "$RAW" "$db" w1 "$N"; then
        verify_db "$db" "raw C W1 run $r" || rm -f "$OUT/raw.w1.$r"
    fi
    if [ $r -eq 1 ] && [ -f "$OUT/raw.w1.1" ]; then mv "$db" "$DB"; else rm -f "$db"; fi
    db=$TMP/w1-ormsh-$r.db
    if run_phase ormsh.w1.$r "ormsh W1 run $r" ormsh_cmd "$db" w1; then
        verify_db "$db" "ormsh W1 run $r" || { echo wrong > "$OUT/wrong.ormsh.w1"; }
    fi
    rm -f "$db"
    r=$((r + 1))
done
if [ ! -f "$DB" ]; then
    echo "bench: raw C W1 failed; nothing to read for W2/W3" >&2
    cat "$ERRS" >&2
    exit 0
fi

# ---------------------------------------------------------------- W2, W3
for w in w2 w3; do
    r=1
    while [ $r -le "$REPS" ]; do
        run_phase raw.$w.$r "raw C $(echo $w | tr w W) run $r" "$RAW" "$DB" $w "$N"
        run_phase ormsh.$w.$r "ormsh $(echo $w | tr w W) run $r" ormsh_cmd "$DB" $w
        [ $w = w3 ] && run_phase ormsh.w3r.$r "ormsh W3 one-replica run $r" ormsh_rcmd "$DB" w3
        r=$((r + 1))
    done
done
check_same w1 "ormsh W1" ormsh.w1
check_same w2 "ormsh W2" ormsh.w2
check_same w3 "ormsh W3" ormsh.w3

# ---------------------------------------------------------------- session
# W1, W2, W3 one after the other in one ormsh process (a shell session: W2
# loads after W1 made and dropped N objects), REPS runs, each on a new file
r=1
while [ $r -le "$REPS" ]; do
    db=$TMP/session-$r.db
    if run_phase ormsh.session.$r "ormsh session run $r" ormsh_cmd "$db" session; then
        verify_db "$db" "ormsh session run $r" || echo wrong > "$OUT/wrong.ormsh.session"
        for w in w1 w2 w3; do
            for k in rows check; do
                a=$(val "$OUT/ormsh.session.$r" ${w}_$k); b=$(val "$OUT/raw.$w.1" $k)
                if [ -n "$b" ] && [ "$a" != "$b" ]; then
                    echo "ormsh session $w: $k is $a, raw C's is $b (wrong result)" >> "$ERRS"
                    echo wrong > "$OUT/wrong.ormsh.session"
                fi
            done
        done
    fi
    rm -f "$db"
    r=$((r + 1))
done

# ---------------------------------------------------------------- scaling
# W1 and W2 at 10k and 1M rows (100k: the runs above), one run each, raw C
# and ormsh: the cost per row must stay flat. BENCH_SCALE=0 skips it.
if [ "${BENCH_SCALE:-1}" != 0 ]; then
    for n in 10000 1000000; do
        db=$TMP/scale-raw-$n.db
        run_phase raw.scale.w1.$n "raw C W1 $n" "$RAW" "$db" w1 "$n" &&
            run_phase raw.scale.w2.$n "raw C W2 $n" "$RAW" "$db" w2 "$n" &&
            run_phase ormsh.scale.w2.$n "ormsh W2 $n" \
                "$ORMSH" --app "$APP" --database "sqlite:///$db" run "$LUA_BENCH" w2 "$n"
        rm -f "$db"
        db=$TMP/scale-ormsh-$n.db
        run_phase ormsh.scale.w1.$n "ormsh W1 $n" \
            "$ORMSH" --app "$APP" --database "sqlite:///$db" run "$LUA_BENCH" w1 "$n"
        rm -f "$db"
    done
    # a chain of linked nodes (each the next one's parent), built in memory
    # and dropped: once superlinear in Lua's collector (docs/performance.md)
    for n in 10000 100000; do
        run_phase ormsh.scale.chain.$n "ormsh chain $n" \
            "$ORMSH" --app "$APP" --database "sqlite://" run "$LUA_BENCH" chain "$n"
    done
fi

# ---------------------------------------------------------------- streaming
# for a in query(Author) over STREAM_N rows (raw C's w1 writes them): the
# loop's peak RSS, which must not grow with the rows
if [ "$STREAM_N" -gt 0 ]; then
    SDB=$TMP/stream.db
    if run_phase raw.sw1 "raw C stream set-up (w1 $STREAM_N)" "$RAW" "$SDB" w1 "$STREAM_N"; then
        run_phase ormsh.stream.1 "ormsh stream $STREAM_N" \
            "$ORMSH" --app "$APP" --database "sqlite:///$SDB" run "$LUA_BENCH" stream "$STREAM_N"
        if [ -f "$OUT/ormsh.stream.1" ] && [ "$(val "$OUT/ormsh.stream.1" rows)" != "$STREAM_N" ]; then
            echo "ormsh stream: rows is $(val "$OUT/ormsh.stream.1" rows), expected $STREAM_N" >> "$ERRS"
        fi
    fi
    rm -f "$SDB"
fi

# ---------------------------------------------------------------- W4, W5
have45=0
if run_phase setup45 "raw C W4/W5 set-up (w45setup)" "$RAW" "$DB45" w45setup "$N45"; then
    # the schema raw C made is the one ormsh's create_all makes for APP45's models
    if "$ORMSH" --app "$APP45" --database "sqlite:///$TMP/schema45.db" -e 'db.create_all()' \
        > /dev/null 2> "$OUT/setup45.ormsh.err"; then
        if [ "$(sqlite3 "$DB45" .schema)" != "$(sqlite3 "$TMP/schema45.db" .schema)" ]; then
            echo "W4/W5 set-up: raw C's schema differs from ormsh's create_all (fix DDL_REL in raw_sqlite.c)" >> "$ERRS"
        fi
    else
        note_error "ormsh W4/W5 create_all" "$OUT/setup45.ormsh.err"
    fi
    rm -f "$TMP/schema45.db"
    verify_db45 "$DB45" "W4/W5 set-up" && have45=1
fi
if [ $have45 -eq 1 ]; then
    r=1
    while [ $r -le "$REPS" ]; do
        run_phase raw.w4.$r "raw C W4 run $r" "$RAW" "$DB45" w4 "$N45"
        run_phase ormsh.w4sel.$r "ormsh W4 selectinload run $r" ormsh45_cmd w4sel
        run_phase ormsh.w4lazy.$r "ormsh W4 lazy run $r" ormsh45_cmd w4lazy
        run_phase raw.w5.$r "raw C W5 run $r" "$RAW" "$DB45" w5 "$N45"
        run_phase ormsh.w5.$r "ormsh W5 run $r" ormsh45_cmd w5
        run_phase ormsh.w5m.$r "ormsh W5 metrics-on run $r" ormsh45m_cmd w5
        run_phase ormsh.w5r.$r "ormsh W5 one-replica run $r" ormsh45r_cmd w5
        r=$((r + 1))
    done
    check_same w4 "ormsh W4 selectinload" ormsh.w4sel
    check_same w4 "ormsh W4 lazy" ormsh.w4lazy
    check_same w5 "ormsh W5" ormsh.w5
fi

# ---------------------------------------------------------------- W0
w0ok=1
"$ORMSH" --app "$APP" -e 'return' > "$OUT/w0.out" 2> "$OUT/w0.err" || { w0ok=0; note_error "ormsh W0 (ormsh --app APP -e 'return')" "$OUT/w0.err"; }
sqlite3 "$DB" 'select 1' > /dev/null 2> "$OUT/w0cli.err" || { w0ok=0; note_error "sqlite3 CLI W0" "$OUT/w0cli.err"; }
if [ $w0ok -eq 1 ]; then
    b=1
    while [ $b -le $W0_BATCHES ]; do
        batch_mean "$W0_RUNS" sqlite3 "$DB" 'select 1' >> "$OUT/w0.cli"
        batch_mean "$W0_RUNS" "$ORMSH" --app "$APP" -e 'return' >> "$OUT/w0.ormsh"
        b=$((b + 1))
    done
fi

# ---------------------------------------------------------------- SQLAlchemy
if [ -n "$PY" ]; then
    SAVER=$("$PY" -c 'import sqlalchemy; print(sqlalchemy.__version__)' 2>/dev/null)
    db=$TMP/w1-sa.db
    if run_phase sa.w1.1 "SQLAlchemy W1" "$PY" "$PY_BENCH" "$db" w1 "$N"; then
        verify_db "$db" "SQLAlchemy W1" || rm -f "$OUT/sa.w1.1"
    fi
    rm -f "$db"
    run_phase sa.w2.1 "SQLAlchemy W2" "$PY" "$PY_BENCH" "$DB" w2 "$N"
    run_phase sa.w3.1 "SQLAlchemy W3" "$PY" "$PY_BENCH" "$DB" w3 "$N"
    check_same w1 "SQLAlchemy W1" sa.w1
    check_same w2 "SQLAlchemy W2" sa.w2
    check_same w3 "SQLAlchemy W3" sa.w3
    if [ $have45 -eq 1 ]; then
        for w in w4sel w4lazy w5; do
            run_phase sa.$w.1 "SQLAlchemy $w" "$PY" "$PY_BENCH" "$DB45" $w "$N45"
        done
        check_same w4 "SQLAlchemy W4 selectinload" sa.w4sel
        check_same w4 "SQLAlchemy W4 lazy" sa.w4lazy
        check_same w5 "SQLAlchemy W5" sa.w5
    fi
    if "$PY" "$PY_BENCH" "$DB" w0 > /dev/null 2> "$OUT/sa.w0.err"; then
        batch_mean 5 "$PY" "$PY_BENCH" "$DB" w0 > "$OUT/sa.w0"
    else
        note_error "SQLAlchemy W0" "$OUT/sa.w0.err"
    fi
fi

# ---------------------------------------------------------------- report
# row LABEL BASE ORMSH TARGET [SA [WRONG]] — one table line; empty times print
# ERROR; TARGET "-" is a row without a target (shown for contrast)
row() {
    awk -v label="$1" -v base="$2" -v orm="$3" -v target="$4" -v sa="${5-}" -v havesa="$PY" -v wrong="${6-}" '
    function t(x) { return x == "" ? "ERROR" : sprintf("%.4f", x) }
    BEGIN {
        ratio = (base != "" && orm != "" && base > 0) ? orm / base : ""
        notarget = (target == "-")
        status = (ratio == "") ? "ERROR" : notarget ? "-" : (ratio <= target + 0 ? "ok" : "MISSED")
        if (wrong != "") status = status " (WRONG RESULT)"
        line = sprintf("%-26s %10s %10s %8s %8s  %-8s", label, t(base), t(orm),
                       ratio == "" ? "-" : sprintf("%.2fx", ratio), notarget ? "-" : sprintf("<=%.1fx", target), status)
        if (havesa != "")
            line = line sprintf(" %11s %8s", t(sa), (sa != "" && base != "" && base > 0) ? sprintf("%.1fx", sa / base) : "-")
        print line
    }'
}

echo
hdr=$(printf '%-26s %10s %10s %8s %8s  %-8s' "workload" "raw C (s)" "ormsh (s)" "ratio" "target" "result")
[ -n "$PY" ] && hdr=$(printf '%s %11s %8s' "$hdr" "SQLAlchemy" "ratio")
echo "$hdr"
echo "$hdr" | sed 's/./-/g'
row "W0 start-up (vs sqlite3)" "$(median < "$OUT/w0.cli" 2>/dev/null)" "$(median < "$OUT/w0.ormsh" 2>/dev/null)" 5.0 \
    "$(cat "$OUT/sa.w0" 2>/dev/null)"
row "W1 insert $N" "$(medians wall raw.w1)" "$(medians wall ormsh.w1)" 1.5 "$(val "$OUT/sa.w1.1" wall)" \
    "$(cat "$OUT/wrong.ormsh.w1" 2>/dev/null)"
row "W2 load $N" "$(medians wall raw.w2)" "$(medians wall ormsh.w2)" 2.0 "$(val "$OUT/sa.w2.1" wall)" \
    "$(cat "$OUT/wrong.ormsh.w2" 2>/dev/null)"
row "W3 get $N random" "$(medians wall raw.w3)" "$(medians wall ormsh.w3)" 1.2 "$(val "$OUT/sa.w3.1" wall)" \
    "$(cat "$OUT/wrong.ormsh.w3" 2>/dev/null)"
row "W4 selectinload ${N45}x10" "$(medians wall raw.w4)" "$(medians wall ormsh.w4sel)" 2.0 "$(val "$OUT/sa.w4sel.1" wall)" \
    "$(cat "$OUT/wrong.ormsh.w4sel" 2>/dev/null)"
row "W4 lazy ${N45}x10" "$(medians wall raw.w4)" "$(medians wall ormsh.w4lazy)" - "$(val "$OUT/sa.w4lazy.1" wall)" \
    "$(cat "$OUT/wrong.ormsh.w4lazy" 2>/dev/null)"
row "W5 filter_by email $N45" "$(medians wall raw.w5)" "$(medians wall ormsh.w5)" 1.5 "$(val "$OUT/sa.w5.1" wall)" \
    "$(cat "$OUT/wrong.ormsh.w5" 2>/dev/null)"
awk -v c="$(medians rss_kib raw.w2)" -v o="$(medians rss_kib ormsh.w2)" -v s="$(val "$OUT/sa.w2.1" rss_kib)" -v havesa="$PY" '
    function m(x) { return x == "" ? "ERROR" : sprintf("%.1f", x / 1024) }
    BEGIN {
        status = (o == "") ? "ERROR" : (o / 1024 < 80 ? "ok" : "MISSED")
        line = sprintf("%-26s %10s %10s %8s %8s  %-8s", "W2 peak RSS (MiB)", m(c), m(o), "-", "<80MiB", status)
        if (havesa != "") line = line sprintf(" %11s %8s", m(s), "-")
        print line
    }'
# the session line: each workload's median in one process beside raw C's
# fresh ones (the same targets), and the whole run's peak RSS
savepy=$PY; PY=""
for w in w1 w2 w3; do
    case $w in w1) lbl="W1 insert $N"; tg=1.5 ;; w2) lbl="W2 load $N"; tg=2.0 ;; w3) lbl="W3 get $N"; tg=1.2 ;; esac
    row "$lbl (session)" "$(medians wall raw.$w)" "$(medians ${w}_wall ormsh.session)" "$tg" "" \
        "$(cat "$OUT/wrong.ormsh.session" 2>/dev/null)"
done
PY=$savepy
awk -v o="$(medians rss_kib ormsh.session)" '
    BEGIN {
        status = (o == "") ? "ERROR" : (o / 1024 <= 45 ? "ok" : "MISSED")
        printf "%-26s %10s %10s %8s %8s  %-8s\n", "session W1-W3 RSS (MiB)", "-",
               o == "" ? "ERROR" : sprintf("%.1f", o / 1024), "-", "<=45MiB", status
    }'
if [ "$STREAM_N" -gt 0 ]; then
    awk -v o="$(val "$OUT/ormsh.stream.1" rss_kib)" -v w="$(val "$OUT/ormsh.stream.1" wall)" -v n="$STREAM_N" '
        BEGIN {
            status = (o == "") ? "ERROR" : (o / 1024 < 40 ? "ok" : "MISSED")
            printf "%-26s %10s %10s %8s %8s  %-8s (%s s)\n", "stream " n " RSS (MiB)", "-",
                   o == "" ? "ERROR" : sprintf("%.1f", o / 1024), "-", "<40MiB", status, w == "" ? "?" : w
        }'
fi
if [ "${BENCH_SCALE:-1}" != 0 ]; then
    # microseconds per row at 10k / N / 1M rows (one run each but N's medians)
    echo
    echo "scaling (us per row; 10k and 1M one run each, $N the medians above):"
    for w in w1 w2; do
        for impl in raw ormsh; do
            awk -v w="$(echo $w | tr w W)" -v impl="$impl" -v n="$N" \
                -v a="$(val "$OUT/$impl.scale.$w.10000" wall)" -v b="$(medians wall $impl.$w)" \
                -v c="$(val "$OUT/$impl.scale.$w.1000000" wall)" '
                function us(t, k) { return t == "" ? "ERROR" : sprintf("%.2f", t / k * 1e6) }
                BEGIN { printf "  %s %-6s 10k %8s   %dk %8s   1M %8s\n", w, impl, us(a, 10000), n / 1000, us(b, n), us(c, 1000000) }'
        done
    done
    for k in build free; do
        awk -v k="$k" -v a="$(val "$OUT/ormsh.scale.chain.10000" t_$k)" \
            -v b="$(val "$OUT/ormsh.scale.chain.100000" t_$k)" '
            function us(t, n) { return t == "" ? "ERROR" : sprintf("%.2f", t / n * 1e6) }
            BEGIN { printf "  chain %-6s 10k %8s  100k %8s   (a linked node, built / dropped)\n", k, us(a, 10000), us(b, 100000) }'
    done
fi
echo
echo "W0 is a whole process (mean of a batch; baseline: sqlite3 CLI; SQLAlchemy: python3 importing it,"
echo "declaring the model, connecting and running SELECT 1). W1-W3: wall-clock seconds around the"
echo "workload inside the process (ormsh: date +%s%N through io.popen, less the cost of one reading)."
echo "W4: load $N45 authors and touch their $((10 * N45)) books (count, name of each); raw C: one LEFT JOIN"
echo "into heap structs. Lazy has no target. W5: every author once by email, in a shuffled order."
awk -v off="$(medians wall ormsh.w5)" -v on="$(medians wall ormsh.w5m)" 'BEGIN {
    if (off == "" || on == "" || off <= 0) { print "W5 monitoring overhead: ERROR"; exit }
    pct = (on / off - 1) * 100
    printf "W5 monitoring overhead: metrics off %.4f s, on %.4f s (file every 1 s, slow log armed): %+.1f%% (target <= 5%%: %s)\n", off, on, pct, pct <= 5 ? "ok" : "MISSED"
}'
# replica routing: W3 and W5 with one replica configured (the same file) vs none
awk -v w3="$(medians wall ormsh.w3)" -v w3r="$(medians wall ormsh.w3r)" \
    -v w5="$(medians wall ormsh.w5)" -v w5r="$(medians wall ormsh.w5r)" 'BEGIN {
    if (w3 == "" || w3r == "" || w5 == "" || w5r == "" || w3 <= 0 || w5 <= 0) { print "Replica routing overhead: ERROR"; exit }
    p3 = (w3r / w3 - 1) * 100; p5 = (w5r / w5 - 1) * 100
    printf "Replica routing overhead (one replica: the same SQLite file): W3 %.4f -> %.4f s (%+.1f%%), W5 %.4f -> %.4f s (%+.1f%%) (target <= 10%%: %s)\n", w3, w3r, p3, w5, w5r, p5, (p3 <= 10 && p5 <= 10) ? "ok" : "MISSED"
}'
# the same in CPU seconds (steadier than wall-clock on a loaded machine)
awk -v w3="$(medians cpu ormsh.w3)" -v w3r="$(medians cpu ormsh.w3r)" \
    -v w5="$(medians cpu ormsh.w5)" -v w5r="$(medians cpu ormsh.w5r)" 'BEGIN {
    if (w3 == "" || w3r == "" || w5 == "" || w5r == "" || w3 <= 0 || w5 <= 0) exit
    printf "Replica routing overhead in CPU seconds: W3 %.4f -> %.4f s (%+.1f%%), W5 %.4f -> %.4f s (%+.1f%%)\n", w3, w3r, (w3r / w3 - 1) * 100, w5, w5r, (w5r / w5 - 1) * 100
}'
# W4's statement counts (db.statements around the timed part, median over the runs)
printf 'W4 SQL statements: raw C 1 (one join); ormsh selectinload %s, lazy %s (W5: ormsh %s for %s queries)\n' \
    "$(medians stmts ormsh.w4sel | awk 'NR == 1 { print } END { if (NR == 0) print "?" }')" \
    "$(medians stmts ormsh.w4lazy | awk 'NR == 1 { print } END { if (NR == 0) print "?" }')" \
    "$(medians stmts ormsh.w5 | awk 'NR == 1 { print } END { if (NR == 0) print "?" }')" "$N45"

# the details the lead profiles from
awk -v w1b="$(medians t_build ormsh.w1)" -v w1a="$(medians t_add_all ormsh.w1)" -v w1c="$(medians t_commit ormsh.w1)" \
    -v w2q="$(medians t_query ormsh.w2)" -v w2r="$(medians t_read ormsh.w2)" -v raw1="$(medians wall raw.w1)" \
    -v w4sq="$(medians t_query ormsh.w4sel)" -v w4st="$(medians t_touch ormsh.w4sel)" \
    -v w4lq="$(medians t_query ormsh.w4lazy)" -v w4lt="$(medians t_touch ormsh.w4lazy)" \
    -v graw="$(medians gen raw.w1)" -v gorm="$(medians gen ormsh.w1)" -v gsa="$(val "$OUT/sa.w1.1" gen)" '
    function t(x) { return x == "" ? "?" : sprintf("%.4f", x) }
    BEGIN {
        printf "\normsh splits (s): W1 build the Author objects %s, add_all %s, commit (flush) %s", t(w1b), t(w1a), t(w1c)
        if (w1a != "" && w1c != "" && raw1 > 0) printf " -- add_all + commit alone: %.2fx raw C", (w1a + w1c) / raw1
        printf "\n                   W2 query(Author):all() %s, read a.name of each %s\n", t(w2q), t(w2r)
        printf "                   W4 selectinload: query+load %s, touch the books %s; lazy: query %s, touch (lazy loads) %s\n", t(w4sq), t(w4st), t(w4lq), t(w4lt)
        printf "W1 input strings, made before the timer (s): raw C %s, ormsh %s", t(graw), t(gorm)
        if (gsa != "") printf ", SQLAlchemy %s", t(gsa)
        printf "\n"
    }'
cpu_line "raw C" raw ormsh
all_runs raw ormsh "$REPS" 6
printf '  W0 batches sqlite3: %s\n' "$(tr '\n' ' ' < "$OUT/w0.cli" 2>/dev/null)"
printf '  W0 batches ormsh:   %s\n' "$(tr '\n' ' ' < "$OUT/w0.ormsh" 2>/dev/null)"
if [ -n "$PY" ]; then
    echo "SQLAlchemy $SAVER ($PY): one run each."
elif [ "${BENCH_SQLALCHEMY:-1}" = 0 ]; then
    echo "SQLAlchemy: skipped (BENCH_SQLALCHEMY=0)"
else
    echo "SQLAlchemy: not installed, skipped"
fi
if [ -s "$ERRS" ]; then
    echo
    echo "ERRORS:"
    cat "$ERRS"
fi
# ---------------------------------------------------------------- reflection
# R1: db.reflect() on a 1,000-table SQLite database (half the tables with a
# foreign key to the one before, so many-to-one and one-to-many are named and
# defined too), timed inside the process; target < 1 s.
R1_DB=$TMP/reflect1000.db
awk 'BEGIN { print "BEGIN;"
    for (i = 0; i < 1000; i++) {
        if (i % 2) printf "CREATE TABLE t%04d_item (id INTEGER PRIMARY KEY, name VARCHAR(30) NOT NULL, parent_id INTEGER REFERENCES t%04d_item(id), note TEXT);\n", i, i - 1
        else printf "CREATE TABLE t%04d_item (id INTEGER PRIMARY KEY, name VARCHAR(30) UNIQUE, n INTEGER);\n", i
    }
    print "COMMIT;" }' | sqlite3 "$R1_DB"
r1=$(printf '%s\n' 'local orm = require "orm"' \
    "local d = orm.connect(\"sqlite:///$R1_DB\")" \
    'local c = os.clock(); local names = d.reflect(); local s = os.clock() - c' \
    'assert(#names == 1000, #names .. " models"); print(string.format("%.3f", s))' |
    "$ORMSH" run - 2>>"$ERRS")
if [ -n "$r1" ]; then
    awk -v s="$r1" 'BEGIN { printf "R1 reflect a 1,000-table SQLite database: %.3f s (target < 1 s)%s\n", s, s < 1 ? "" : " MISSED" }'
else
    echo "R1 reflect a 1,000-table SQLite database: ERROR"
fi
# ---------------------------------------------------------------- PostgreSQL
# start_failure FILE — why server_start failed, in one line: servers.sh's
# message, and the log's first error line when it quotes a log
start_failure() {
    why=$(awk 'sub(/^servers: /, "") { if (m == "") m = $0; next }
               m ~ /:$/ && NF && e == "" { sub(/^[ \t]+/, ""); if (f == "") f = $0; if (/[Ee]rror|ERROR|FATAL|denied/) e = $0 }
               END { print m (m ~ /:$/ ? " " (e != "" ? e : f) : "") }' "$1" |
          sed 's/ or run with BACKENDS=sqlite//')
    echo "${why:-the server did not start}"
}
# W1-W5 again on a throwaway PostgreSQL server (tests/servers.sh), ormsh beside
# raw libpq (bench_raw_pg); its own table and its own errors. Never fails.
PG_N=${BENCH_PG_N:-20000}
PG_N45=${BENCH_PG_N45:-$N45}
PG_REPS=${BENCH_PG_REPS:-3}
RAWPG=$BUILD/bench_raw_pg
ERRS=$TMP/pg-errors; : > "$ERRS"
echo
pg_skip=""
if [ "${BENCH_PG:-1}" = 0 ]; then
    pg_skip="BENCH_PG=0"
elif [ ! -x "$RAWPG" ]; then
    pg_skip="$RAWPG is missing (run through make bench)"
else
    SRV_ROOT=$TMP/pgsrv   # servers.sh keeps its servers there
    # shellcheck source=tests/servers.sh
    . "$HERE/../servers.sh"
    trap 'servers_stop_all; rm -rf "$TMP"' EXIT
    if ! server_start postgresql 2> "$TMP/pgstart.err"; then
        pg_skip=$(start_failure "$TMP/pgstart.err")
    elif ! server_createdb postgresql bench_probe 2> "$TMP/pgstart.err"; then
        pg_skip="CREATE DATABASE failed: $(head -1 "$TMP/pgstart.err")"
    fi
fi
if [ -n "$pg_skip" ]; then
    echo "PostgreSQL: skipped ($pg_skip)"
else
    pg_start=$(now_ns)
    server_dropdb postgresql bench_probe
    PGVER=$(srv_pg_psql postgres -At -c 'SHOW server_version' 2>/dev/null)
    # pg_db NAME — a fresh database NAME (dropped first); 1 when it cannot be made
    pg_db() { server_dropdb postgresql "$1"; server_createdb postgresql "$1" 2>> "$ERRS"; }
    pg_url() { server_url postgresql "$1"; }
    pg_sql() { srv_pg_psql "$1" -At -c "$2" 2>&1; }
    # shellcheck disable=SC2317  # called through run_phase
    pg_ormsh_cmd() { "$ORMSH" --app "$APP" --database "$(pg_url "$1")" run "$LUA_BENCH" "$2" "$PG_N"; }
    # shellcheck disable=SC2317  # called through run_phase
    pg_ormsh45_cmd() { "$ORMSH" --app "$APP45" --database "$(pg_url bench45)" run "$LUA_BENCH" "$1" "$PG_N45"; }
    # verify_pg DB LABEL — as verify_db: PG_N rows, ids 1..PG_N, PG_N distinct emails
    verify_pg() {
        got=$(pg_sql "$1" "SELECT count(*) || ' ' || sum(id) || ' ' || count(DISTINCT email) || ' ' || max(id) FROM author")
        want="$PG_N $(awk -v n="$PG_N" 'BEGIN { printf "%.0f", n * (n + 1) / 2 }') $PG_N $PG_N"
        if [ "$got" != "$want" ]; then
            echo "$2: the database holds (count sum(id) distinct-emails max(id)) '$got', expected '$want'" >> "$ERRS"
            return 1
        fi
    }
    # verify_pg45 LABEL — as verify_db45, on database bench45
    verify_pg45() {
        got=$(pg_sql bench45 "SELECT (SELECT count(*) FROM author) || ' ' || (SELECT count(DISTINCT email) FROM author) || ' ' || (SELECT count(*) FROM book) || ' ' || (SELECT sum(author_id) FROM book) || ' ' || (SELECT count(*) FROM book WHERE author_id != (id - 1) % (SELECT count(*) FROM author) + 1)")
        want="$PG_N45 $PG_N45 $((10 * PG_N45)) $(awk -v n="$PG_N45" 'BEGIN { printf "%.0f", 10 * n * (n + 1) / 2 }') 0"
        if [ "$got" != "$want" ]; then
            echo "$1: the database holds (authors emails books sum(author_id) misplaced) '$got', expected '$want'" >> "$ERRS"
            return 1
        fi
    }
    # pg_schema DB — the tables' columns, constraints and indexes, to compare
    pg_schema() {
        pg_sql "$1" "SELECT table_name, column_name, data_type, character_maximum_length, is_nullable, column_default FROM information_schema.columns WHERE table_schema = 'public' ORDER BY 1, 2"
        pg_sql "$1" "SELECT conrelid::regclass, pg_get_constraintdef(oid) FROM pg_constraint WHERE connamespace = 'public'::regnamespace ORDER BY 1, 2"
        pg_sql "$1" "SELECT indexdef FROM pg_indexes WHERE schemaname = 'public' ORDER BY 1"
    }

    echo "PostgreSQL $PGVER (throwaway server on 127.0.0.1, fsync=off): N=$PG_N (W4/W5: N45=$PG_N45), raw libpq and ormsh median of $PG_REPS runs"
    # W1: each run on a fresh database; raw libpq's first one is W2/W3's
    have_pg=0
    r=1
    while [ $r -le "$PG_REPS" ]; do
        if pg_db w1raw; then
            if run_phase pgraw.w1.$r "raw libpq W1 run $r" "$RAWPG" "$(pg_url w1raw)" w1 "$PG_N"; then
                verify_pg w1raw "raw libpq W1 run $r" || rm -f "$OUT/pgraw.w1.$r"
            fi
            if [ $r -eq 1 ] && [ -f "$OUT/pgraw.w1.1" ] && server_dropdb postgresql bench && \
                pg_sql postgres "ALTER DATABASE w1raw RENAME TO bench" >/dev/null; then
                # settle the fresh rows (hint bits, statistics) before they are read
                pg_sql bench "VACUUM ANALYZE author" >/dev/null && have_pg=1
            fi
            server_dropdb postgresql w1raw
        fi
        if pg_db w1copy; then
            if run_phase pgraw.copy.$r "raw libpq COPY run $r" "$RAWPG" "$(pg_url w1copy)" copy "$PG_N"; then
                verify_pg w1copy "raw libpq COPY run $r" || rm -f "$OUT/pgraw.copy.$r"
            fi
            server_dropdb postgresql w1copy
        fi
        if pg_db w1ormsh; then
            if run_phase pgormsh.w1.$r "ormsh W1 run $r" pg_ormsh_cmd w1ormsh w1; then
                verify_pg w1ormsh "ormsh W1 run $r" || echo wrong > "$OUT/wrong.pgormsh.w1"
            fi
            server_dropdb postgresql w1ormsh
        fi
        r=$((r + 1))
    done
    if [ $have_pg -eq 1 ]; then
        for w in w2 w3; do
            r=1
            while [ $r -le "$PG_REPS" ]; do
                run_phase pgraw.$w.$r "raw libpq $(echo $w | tr w W) run $r" "$RAWPG" "$(pg_url bench)" $w "$PG_N"
                run_phase pgormsh.$w.$r "ormsh $(echo $w | tr w W) run $r" pg_ormsh_cmd bench $w
                r=$((r + 1))
            done
        done
    else
        echo "raw libpq W1 failed: nothing to read for W2/W3" >> "$ERRS"
    fi
    check_same w1 "ormsh W1" pgormsh.w1 pgraw
    check_same w2 "ormsh W2" pgormsh.w2 pgraw
    check_same w3 "ormsh W3" pgormsh.w3 pgraw

    # W4, W5: raw libpq's set-up; its schema must be the one create_all makes
    have_pg45=0
    if pg_db bench45 && run_phase pgsetup45 "raw libpq W4/W5 set-up (w45setup)" "$RAWPG" "$(pg_url bench45)" w45setup "$PG_N45"; then
        if pg_db schema45 && "$ORMSH" --app "$APP45" --database "$(pg_url schema45)" -e 'db.create_all()' \
            > /dev/null 2> "$OUT/pgsetup45.ormsh.err"; then
            if [ "$(pg_schema bench45)" != "$(pg_schema schema45)" ]; then
                echo "W4/W5 set-up: raw libpq's schema differs from ormsh's create_all (fix DDL_REL in raw_pg.c)" >> "$ERRS"
            fi
        else
            note_error "ormsh W4/W5 create_all" "$OUT/pgsetup45.ormsh.err"
        fi
        server_dropdb postgresql schema45
        verify_pg45 "W4/W5 set-up" && have_pg45=1
    fi
    if [ $have_pg45 -eq 1 ]; then
        r=1
        while [ $r -le "$PG_REPS" ]; do
            run_phase pgraw.w4.$r "raw libpq W4 run $r" "$RAWPG" "$(pg_url bench45)" w4 "$PG_N45"
            run_phase pgormsh.w4sel.$r "ormsh W4 selectinload run $r" pg_ormsh45_cmd w4sel
            run_phase pgormsh.w4lazy.$r "ormsh W4 lazy run $r" pg_ormsh45_cmd w4lazy
            run_phase pgraw.w5.$r "raw libpq W5 run $r" "$RAWPG" "$(pg_url bench45)" w5 "$PG_N45"
            run_phase pgormsh.w5.$r "ormsh W5 run $r" pg_ormsh45_cmd w5
            r=$((r + 1))
        done
        check_same w4 "ormsh W4 selectinload" pgormsh.w4sel pgraw
        check_same w4 "ormsh W4 lazy" pgormsh.w4lazy pgraw
        check_same w5 "ormsh W5" pgormsh.w5 pgraw
    fi
    # streaming: a loop over STREAM_N rows one INSERT ... SELECT made (the
    # rows come through a server-side cursor, yield_per at a time)
    if [ "$STREAM_N" -gt 0 ] && pg_db pgstream &&
        "$ORMSH" --app "$APP" --database "$(pg_url pgstream)" -e 'db.create_all()' >/dev/null 2>> "$ERRS" &&
        pg_sql pgstream "INSERT INTO author (name, email) SELECT 'author' || g, 'author' || g || '@example.com' FROM generate_series(1, $STREAM_N) g" > /dev/null; then
        run_phase pgormsh.stream "ormsh stream $STREAM_N on PostgreSQL" \
            "$ORMSH" --app "$APP" --database "$(pg_url pgstream)" run "$LUA_BENCH" stream "$STREAM_N"
    fi
    servers_stop_all

    # the table: row() without the SQLAlchemy columns
    savepy=$PY; PY=""
    echo
    hdr=$(printf '%-26s %10s %10s %8s %8s  %-8s' "workload (PostgreSQL)" "libpq (s)" "ormsh (s)" "ratio" "target" "result")
    echo "$hdr"
    echo "$hdr" | sed 's/./-/g'
    row "W1 insert $PG_N" "$(medians wall pgraw.w1)" "$(medians wall pgormsh.w1)" 2.0 "" \
        "$(cat "$OUT/wrong.pgormsh.w1" 2>/dev/null)"
    row "W1 vs COPY $PG_N" "$(medians wall pgraw.copy)" "$(medians wall pgormsh.w1)" 3.0 "" \
        "$(cat "$OUT/wrong.pgormsh.w1" 2>/dev/null)"
    row "W2 load $PG_N" "$(medians wall pgraw.w2)" "$(medians wall pgormsh.w2)" 2.0 "" \
        "$(cat "$OUT/wrong.pgormsh.w2" 2>/dev/null)"
    row "W3 get $PG_N random" "$(medians wall pgraw.w3)" "$(medians wall pgormsh.w3)" 2.0 "" \
        "$(cat "$OUT/wrong.pgormsh.w3" 2>/dev/null)"
    row "W4 selectinload ${PG_N45}x10" "$(medians wall pgraw.w4)" "$(medians wall pgormsh.w4sel)" 2.0 "" \
        "$(cat "$OUT/wrong.pgormsh.w4sel" 2>/dev/null)"
    row "W4 lazy ${PG_N45}x10" "$(medians wall pgraw.w4)" "$(medians wall pgormsh.w4lazy)" - "" \
        "$(cat "$OUT/wrong.pgormsh.w4lazy" 2>/dev/null)"
    row "W5 filter_by email $PG_N45" "$(medians wall pgraw.w5)" "$(medians wall pgormsh.w5)" 2.0 "" \
        "$(cat "$OUT/wrong.pgormsh.w5" 2>/dev/null)"
    awk -v c="$(medians rss_kib pgraw.w2)" -v o="$(medians rss_kib pgormsh.w2)" '
        function m(x) { return x == "" ? "ERROR" : sprintf("%.1f", x / 1024) }
        BEGIN { printf "%-26s %10s %10s %8s %8s  %-8s\n", "W2 peak RSS (MiB)", m(c), m(o), "-", "-", "-" }'
    stream_row "$OUT/pgormsh.stream"
    PY=$savepy
    echo
    [ "$PG_N" != "$N" ] && echo "PostgreSQL: N=$PG_N for W1-W3, not $N as on SQLite (every row is a round trip to the server)."
    echo "Loopback TCP, the same URL for both. Raw libpq: prepared statements, text results, one transaction;"
    echo "W1 takes each key with INSERT ... RETURNING id (one round trip a row). Target <= 2x raw libpq for"
    echo "W1-W5 (W4 lazy: none); W2/W3 read the database raw libpq's first W1 wrote (then VACUUM ANALYZE)."
    printf 'W4/W5 SQL statements: ormsh selectinload %s, lazy %s, W5 %s for %s queries\n' \
        "$(medians stmts pgormsh.w4sel | awk 'NR == 1 { print } END { if (NR == 0) print "?" }')" \
        "$(medians stmts pgormsh.w4lazy | awk 'NR == 1 { print } END { if (NR == 0) print "?" }')" \
        "$(medians stmts pgormsh.w5 | awk 'NR == 1 { print } END { if (NR == 0) print "?" }')" "$PG_N45"
    awk -v w1b="$(medians t_build pgormsh.w1)" -v w1a="$(medians t_add_all pgormsh.w1)" -v w1c="$(medians t_commit pgormsh.w1)" \
        -v w2q="$(medians t_query pgormsh.w2)" -v w2r="$(medians t_read pgormsh.w2)" \
        -v w4sq="$(medians t_query pgormsh.w4sel)" -v w4st="$(medians t_touch pgormsh.w4sel)" '
        function t(x) { return x == "" ? "?" : sprintf("%.4f", x) }
        BEGIN {
            printf "ormsh splits (s): W1 build %s, add_all %s, commit (flush) %s; W2 query %s, read %s;", t(w1b), t(w1a), t(w1c), t(w2q), t(w2r)
            printf " W4 selectinload query+load %s, touch %s\n", t(w4sq), t(w4st)
        }'
    cpu_line "raw libpq" pgraw pgormsh
    all_runs pgraw pgormsh "$PG_REPS" 7
    if [ -s "$ERRS" ]; then
        echo
        echo "ERRORS (PostgreSQL):"
        cat "$ERRS"
    fi
    awk -v s="$pg_start" -v e="$(now_ns)" 'BEGIN { printf "PostgreSQL section took %.1f s\n", (e - s) / 1e9 }'
fi

# ---------------------------------------------------------------- MariaDB
# W1-W5 again on a throwaway MariaDB server (tests/servers.sh), ormsh beside
# raw libmariadb (bench_raw_mysql); its own table and its own errors. Never fails.
MY_N=${BENCH_MY_N:-20000}
MY_N45=${BENCH_MY_N45:-$N45}
MY_REPS=${BENCH_MY_REPS:-3}
RAWMY=$BUILD/bench_raw_mysql
ERRS=$TMP/my-errors; : > "$ERRS"
echo
my_skip=""
my_start=$(now_ns)
if [ "${BENCH_MY:-1}" = 0 ]; then
    my_skip="BENCH_MY=0"
elif [ ! -x "$RAWMY" ]; then
    my_skip="$RAWMY is missing (run through make bench)"
else
    : "${SRV_ROOT:=$TMP/srv}"   # servers.sh keeps its servers there
    if ! command -v servers_stop_all >/dev/null 2>&1; then
        # shellcheck source=tests/servers.sh
        . "$HERE/../servers.sh"
        trap 'servers_stop_all; rm -rf "$TMP"' EXIT
    fi
    if ! server_start mysql 2> "$TMP/mystart.err"; then
        my_skip=$(start_failure "$TMP/mystart.err")
    elif ! server_createdb mysql bench_probe 2> "$TMP/mystart.err"; then
        my_skip="CREATE DATABASE failed: $(head -1 "$TMP/mystart.err")"
    fi
fi
if [ -n "$my_skip" ]; then
    echo "MariaDB: skipped ($my_skip)"
else
    server_dropdb mysql bench_probe
    # my_sql DB SQL — the answer as tab-separated lines without a header
    my_sql() { "$SRV_MY_CLIENT" --no-defaults -S "$SRV_MY_SOCK" -u root -N -B -D "$1" -e "$2" 2>&1; }
    MYVER=$(my_sql mysql 'SELECT VERSION()')
    # my_db NAME — a fresh database NAME (dropped first); 1 when it cannot be made
    my_db() { server_dropdb mysql "$1"; server_createdb mysql "$1" 2>> "$ERRS"; }
    my_url() { server_url mysql "$1"; }
    # shellcheck disable=SC2317  # called through run_phase
    my_ormsh_cmd() { "$ORMSH" --app "$APP" --database "$(my_url "$1")" run "$LUA_BENCH" "$2" "$MY_N"; }
    # shellcheck disable=SC2317  # called through run_phase
    my_ormsh45_cmd() { "$ORMSH" --app "$APP45" --database "$(my_url mybench45)" run "$LUA_BENCH" "$1" "$MY_N45"; }
    # verify_my DB LABEL [gaps] — as verify_db: MY_N rows, ids 1..MY_N, MY_N
    # distinct emails; with "gaps", MY_N rows with distinct ids and emails
    # (InnoDB leaves holes in AUTO_INCREMENT between array-bound executions)
    verify_my() {
        if [ "${3-}" = gaps ]; then
            got=$(my_sql "$1" "SELECT CONCAT_WS(' ', count(*), count(DISTINCT id), count(DISTINCT email)) FROM author")
            want="$MY_N $MY_N $MY_N"; what="count distinct-ids distinct-emails"
        else
            got=$(my_sql "$1" "SELECT CONCAT_WS(' ', count(*), sum(id), count(DISTINCT email), max(id)) FROM author")
            want="$MY_N $(awk -v n="$MY_N" 'BEGIN { printf "%.0f", n * (n + 1) / 2 }') $MY_N $MY_N"
            what="count sum(id) distinct-emails max(id)"
        fi
        if [ "$got" != "$want" ]; then
            echo "$2: the database holds ($what) '$got', expected '$want'" >> "$ERRS"
            return 1
        fi
    }
    # verify_my45 LABEL — as verify_db45, on database mybench45
    verify_my45() {
        got=$(my_sql mybench45 "SELECT CONCAT_WS(' ', (SELECT count(*) FROM author), (SELECT count(DISTINCT email) FROM author), (SELECT count(*) FROM book), (SELECT sum(author_id) FROM book), (SELECT count(*) FROM book WHERE author_id != (id - 1) % (SELECT count(*) FROM author) + 1))")
        want="$MY_N45 $MY_N45 $((10 * MY_N45)) $(awk -v n="$MY_N45" 'BEGIN { printf "%.0f", 10 * n * (n + 1) / 2 }') 0"
        if [ "$got" != "$want" ]; then
            echo "$1: the database holds (authors emails books sum(author_id) misplaced) '$got', expected '$want'" >> "$ERRS"
            return 1
        fi
    }
    # my_schema DB — the tables' engine and collation, columns, indexes and foreign keys, to compare
    my_schema() {
        my_sql information_schema "SELECT table_name, engine, table_collation FROM tables WHERE table_schema = '$1' ORDER BY 1"
        my_sql information_schema "SELECT table_name, column_name, column_type, is_nullable, column_default, extra FROM columns WHERE table_schema = '$1' ORDER BY 1, 2"
        my_sql information_schema "SELECT table_name, index_name, seq_in_index, column_name, non_unique FROM statistics WHERE table_schema = '$1' ORDER BY 1, 2, 3"
        my_sql information_schema "SELECT table_name, column_name, referenced_table_name, referenced_column_name FROM key_column_usage WHERE table_schema = '$1' AND referenced_table_name IS NOT NULL ORDER BY 1, 2"
    }

    echo "MariaDB $MYVER (throwaway server on 127.0.0.1, innodb_flush_log_at_trx_commit=0): N=$MY_N (W4/W5: N45=$MY_N45), raw libmariadb and ormsh median of $MY_REPS runs"
    # W1: each run on a fresh database; raw libmariadb's first one is W2/W3's
    # (MariaDB renames no database: that run writes mybench itself)
    have_my=0
    r=1
    while [ $r -le "$MY_REPS" ]; do
        db=w1raw; [ $r -eq 1 ] && db=mybench
        if my_db $db; then
            if run_phase myraw.w1.$r "raw libmariadb W1 run $r" "$RAWMY" "$(my_url $db)" w1 "$MY_N"; then
                verify_my $db "raw libmariadb W1 run $r" || rm -f "$OUT/myraw.w1.$r"
            fi
            if [ $r -eq 1 ]; then
                # settle the fresh rows (statistics) before they are read
                [ -f "$OUT/myraw.w1.1" ] && my_sql mybench "ANALYZE TABLE author" >/dev/null && have_my=1
            else
                server_dropdb mysql $db
            fi
        fi
        if my_db w1bulk; then
            if run_phase myraw.bulk.$r "raw libmariadb bulk run $r" "$RAWMY" "$(my_url w1bulk)" bulk "$MY_N"; then
                verify_my w1bulk "raw libmariadb bulk run $r" gaps || rm -f "$OUT/myraw.bulk.$r"
            fi
            server_dropdb mysql w1bulk
        fi
        if my_db w1ormsh; then
            if run_phase myormsh.w1.$r "ormsh W1 run $r" my_ormsh_cmd w1ormsh w1; then
                verify_my w1ormsh "ormsh W1 run $r" || echo wrong > "$OUT/wrong.myormsh.w1"
            fi
            server_dropdb mysql w1ormsh
        fi
        r=$((r + 1))
    done
    if [ $have_my -eq 1 ]; then
        for w in w2 w3; do
            r=1
            while [ $r -le "$MY_REPS" ]; do
                run_phase myraw.$w.$r "raw libmariadb $(echo $w | tr w W) run $r" "$RAWMY" "$(my_url mybench)" $w "$MY_N"
                run_phase myormsh.$w.$r "ormsh $(echo $w | tr w W) run $r" my_ormsh_cmd mybench $w
                r=$((r + 1))
            done
        done
    else
        echo "raw libmariadb W1 failed: nothing to read for W2/W3" >> "$ERRS"
    fi
    check_same w1 "ormsh W1" myormsh.w1 myraw
    check_same w2 "ormsh W2" myormsh.w2 myraw
    check_same w3 "ormsh W3" myormsh.w3 myraw

    # W4, W5: raw libmariadb's set-up; its schema must be the one create_all makes
    have_my45=0
    if my_db mybench45 && run_phase mysetup45 "raw libmariadb W4/W5 set-up (w45setup)" "$RAWMY" "$(my_url mybench45)" w45setup "$MY_N45"; then
        if my_db myschema45 && "$ORMSH" --app "$APP45" --database "$(my_url myschema45)" -e 'db.create_all()' \
            > /dev/null 2> "$OUT/mysetup45.ormsh.err"; then
            if [ "$(my_schema mybench45)" != "$(my_schema myschema45)" ]; then
                echo "W4/W5 set-up: raw libmariadb's schema differs from ormsh's create_all (fix DDL_REL in raw_mysql.c)" >> "$ERRS"
            fi
        else
            note_error "ormsh W4/W5 create_all" "$OUT/mysetup45.ormsh.err"
        fi
        server_dropdb mysql myschema45
        verify_my45 "W4/W5 set-up" && have_my45=1
    fi
    if [ $have_my45 -eq 1 ]; then
        r=1
        while [ $r -le "$MY_REPS" ]; do
            run_phase myraw.w4.$r "raw libmariadb W4 run $r" "$RAWMY" "$(my_url mybench45)" w4 "$MY_N45"
            run_phase myormsh.w4sel.$r "ormsh W4 selectinload run $r" my_ormsh45_cmd w4sel
            run_phase myormsh.w4lazy.$r "ormsh W4 lazy run $r" my_ormsh45_cmd w4lazy
            run_phase myraw.w5.$r "raw libmariadb W5 run $r" "$RAWMY" "$(my_url mybench45)" w5 "$MY_N45"
            run_phase myormsh.w5.$r "ormsh W5 run $r" my_ormsh45_cmd w5
            r=$((r + 1))
        done
        check_same w4 "ormsh W4 selectinload" myormsh.w4sel myraw
        check_same w4 "ormsh W4 lazy" myormsh.w4lazy myraw
        check_same w5 "ormsh W5" myormsh.w5 myraw
    fi
    # streaming, as on PostgreSQL (six digits crossed, so at most 1,000,000
    # rows: the server allows 1,000 recursive steps only)
    d="(SELECT 0 d UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4 UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7 UNION ALL SELECT 8 UNION ALL SELECT 9)"
    if [ "$STREAM_N" -gt 0 ] && my_db mystream &&
        "$ORMSH" --app "$APP" --database "$(my_url mystream)" -e 'db.create_all()' >/dev/null 2>> "$ERRS" &&
        my_sql mystream "INSERT INTO author (name, email) SELECT CONCAT('author', n), CONCAT('author', n, '@example.com') FROM (SELECT 1 + a.d + 10 * b.d + 100 * c.d + 1000 * e.d + 10000 * f.d + 100000 * g.d AS n FROM $d a, $d b, $d c, $d e, $d f, $d g) x WHERE n <= $STREAM_N" > /dev/null; then
        run_phase myormsh.stream "ormsh stream $STREAM_N on MariaDB" \
            "$ORMSH" --app "$APP" --database "$(my_url mystream)" run "$LUA_BENCH" stream "$STREAM_N"
    fi
    servers_stop_all

    # the table: row() without the SQLAlchemy columns
    savepy=$PY; PY=""
    echo
    hdr=$(printf '%-26s %10s %10s %8s %8s  %-8s' "workload (MariaDB)" "raw C (s)" "ormsh (s)" "ratio" "target" "result")
    echo "$hdr"
    echo "$hdr" | sed 's/./-/g'
    row "W1 insert $MY_N" "$(medians wall myraw.w1)" "$(medians wall myormsh.w1)" 2.0 "" \
        "$(cat "$OUT/wrong.myormsh.w1" 2>/dev/null)"
    row "W1 vs bulk $MY_N" "$(medians wall myraw.bulk)" "$(medians wall myormsh.w1)" - "" \
        "$(cat "$OUT/wrong.myormsh.w1" 2>/dev/null)"
    row "W2 load $MY_N" "$(medians wall myraw.w2)" "$(medians wall myormsh.w2)" 2.0 "" \
        "$(cat "$OUT/wrong.myormsh.w2" 2>/dev/null)"
    row "W3 get $MY_N random" "$(medians wall myraw.w3)" "$(medians wall myormsh.w3)" 2.0 "" \
        "$(cat "$OUT/wrong.myormsh.w3" 2>/dev/null)"
    row "W4 selectinload ${MY_N45}x10" "$(medians wall myraw.w4)" "$(medians wall myormsh.w4sel)" 2.0 "" \
        "$(cat "$OUT/wrong.myormsh.w4sel" 2>/dev/null)"
    row "W4 lazy ${MY_N45}x10" "$(medians wall myraw.w4)" "$(medians wall myormsh.w4lazy)" - "" \
        "$(cat "$OUT/wrong.myormsh.w4lazy" 2>/dev/null)"
    row "W5 filter_by email $MY_N45" "$(medians wall myraw.w5)" "$(medians wall myormsh.w5)" 2.0 "" \
        "$(cat "$OUT/wrong.myormsh.w5" 2>/dev/null)"
    awk -v c="$(medians rss_kib myraw.w2)" -v o="$(medians rss_kib myormsh.w2)" '
        function m(x) { return x == "" ? "ERROR" : sprintf("%.1f", x / 1024) }
        BEGIN { printf "%-26s %10s %10s %8s %8s  %-8s\n", "W2 peak RSS (MiB)", m(c), m(o), "-", "-", "-" }'
    stream_row "$OUT/myormsh.stream"
    PY=$savepy
    echo
    [ "$MY_N" != "$N" ] && echo "MariaDB: N=$MY_N for W1-W3, not $N as on SQLite (every row is a round trip to the server)."
    echo "Loopback TCP, the same URL for both. Raw libmariadb: prepared statements (binary protocol), rows"
    echo "read as they arrive, one transaction; W1 one execution a row, the key from mysql_stmt_insert_id"
    echo "(ormsh sends multi-row INSERT ... RETURNING). \"W1 vs bulk\": ormsh's W1 beside raw libmariadb"
    echo "writing the same rows with array binding (STMT_ATTR_ARRAY_SIZE, 5,000 rows an execution), the"
    echo "floor, no target. Target <= 2x raw libmariadb for W1-W5 (W4 lazy: none), as on PostgreSQL."
    printf 'W4/W5 SQL statements: ormsh selectinload %s, lazy %s, W5 %s for %s queries\n' \
        "$(medians stmts myormsh.w4sel | awk 'NR == 1 { print } END { if (NR == 0) print "?" }')" \
        "$(medians stmts myormsh.w4lazy | awk 'NR == 1 { print } END { if (NR == 0) print "?" }')" \
        "$(medians stmts myormsh.w5 | awk 'NR == 1 { print } END { if (NR == 0) print "?" }')" "$MY_N45"
    awk -v w1b="$(medians t_build myormsh.w1)" -v w1a="$(medians t_add_all myormsh.w1)" -v w1c="$(medians t_commit myormsh.w1)" \
        -v w2q="$(medians t_query myormsh.w2)" -v w2r="$(medians t_read myormsh.w2)" \
        -v w4sq="$(medians t_query myormsh.w4sel)" -v w4st="$(medians t_touch myormsh.w4sel)" '
        function t(x) { return x == "" ? "?" : sprintf("%.4f", x) }
        BEGIN {
            printf "ormsh splits (s): W1 build %s, add_all %s, commit (flush) %s; W2 query %s, read %s;", t(w1b), t(w1a), t(w1c), t(w2q), t(w2r)
            printf " W4 selectinload query+load %s, touch %s\n", t(w4sq), t(w4st)
        }'
    cpu_line "raw libmariadb" myraw myormsh
    all_runs myraw myormsh "$MY_REPS" 7 bulk
    if [ -s "$ERRS" ]; then
        echo
        echo "ERRORS (MariaDB):"
        cat "$ERRS"
    fi
    awk -v s="$my_start" -v e="$(now_ns)" 'BEGIN { printf "MariaDB section took %.1f s (server start included)\n", (e - s) / 1e9 }'
fi

# ---------------------------------------------------------------- fixtures
# db dump / db load of BENCH_FIXTURE_N rows beside sqlite3's .dump / .read
[ "${BENCH_FIXTURES:-1}" = 0 ] || ORMSH="$ORMSH" sh "$HERE/fixtures.sh"

end=$(now_ns)
awk -v s="$start" -v e="$end" 'BEGIN { printf "\nbenchmark took %.1f s\n", (e - s) / 1e9 }'
exit 0
