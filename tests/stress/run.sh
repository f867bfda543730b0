#!/bin/sh
# tests/stress/run.sh — crash loops on SQLite (make stress; not part of make
# test). kill -9 lands at a random moment of
#   writer:  `ormsh run` committing batches (one parent + 1..7 children per
#            commit, and the previous parent closed); after each commit the
#            writer prints the batch id, so the checker knows that batches
#            1..L (L the last id printed) must be there, L+1 may be
#            (committed, not printed yet), nothing else, each batch whole;
#   migrate: `ormsh db upgrade` of a revision that rebuilds the parent table
#            (alter_column: new table, copy, drop, rename) and the child
#            table of 20,000 rows; the schema and ormsh_version are either
#            both old or both new, and every row is as before.
# After each kill: PRAGMA integrity_check = ok, PRAGMA foreign_key_check
# empty, the data as above. Prints counts; exits 1 on any failed check.
#   STRESS_RUNS   runs per loop (default 100)
#   STRESS_LOOPS  "writer migrate" (default both)
#   ORMSH         the executable (default ./build/ormsh)
#   STRESS_KEEP=1 keeps the directory of the first failing run
set -u
: "${STRESS_RUNS:=100}"
: "${STRESS_LOOPS:=writer migrate}"
: "${ORMSH:=$(pwd)/build/ormsh}"
command -v sqlite3 >/dev/null 2>&1 || { echo "stress: the sqlite3 CLI is not installed" >&2; exit 2; }
[ -x "$ORMSH" ] || { echo "stress: $ORMSH is not built" >&2; exit 2; }
WORK=$(mktemp -d "${TMPDIR:-/tmp}/ormsh-stress.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
trap 'exit 130' INT TERM
runs=0; kills=0; passed=0; failed=0; kept=""

# rand_ms MAX — a random whole number in [0, MAX)
seed=$$
rand_ms() {
    seed=$(awk -v s="$seed" 'BEGIN { printf "%d", (s * 1103515245 + 12345) % 2147483648 }')
    awk -v s="$seed" -v m="$1" 'BEGIN { printf "%d", (s / 2147483648) * m }'
}
# now_ms — wall clock in milliseconds
now_ms() { date +%s%3N; }
# sleep_ms N
sleep_ms() { sleep "$(awk -v n="$1" 'BEGIN { printf "%.3f", n / 1000 }')"; }

# check NAME DB DETAIL — one passed or failed check; DETAIL empty means passed
check() {
    if [ -z "$3" ]; then
        passed=$((passed + 1))
    else
        failed=$((failed + 1))
        echo "FAIL: $1: $3" >&2
        if [ -z "$kept" ] && [ "${STRESS_KEEP:-0}" = 1 ]; then
            kept="$WORK.fail"; cp -R "$(dirname "$2")" "$kept"; echo "  kept in $kept" >&2
        fi
    fi
}
# sqlite_checks NAME DB — integrity and foreign keys
sqlite_checks() {
    r=$(sqlite3 "$2" 'PRAGMA integrity_check' 2>&1)
    check "$1 integrity_check" "$2" "$([ "$r" = ok ] || echo "$r")"
    r=$(sqlite3 "$2" 'PRAGMA foreign_key_check' 2>&1)
    check "$1 foreign_key_check" "$2" "$r"
}

# kill_at MS CMD... — runs CMD in the background, kill -9 after MS
# milliseconds unless it ended first; KILLED=1 when the signal landed.
kill_at() {
    ms=$1; shift
    "$@" &
    pid=$!
    sleep_ms "$ms"
    KILLED=0
    if kill -9 "$pid" 2>/dev/null; then KILLED=1; fi
    wait "$pid" 2>/dev/null
}

# --- writer ---------------------------------------------------------------
writer_setup() {
    D="$WORK/writer"; mkdir -p "$D"
    cat >"$D/writer.lua" <<'LUA'
Parent = db.Model("Parent", {
  id       = db.Column(db.Integer, { primary_key = true }),
  batch    = db.Column(db.Integer, { nullable = false, unique = true }),
  closed   = db.Column(db.Boolean, { nullable = false, default = false }),
  children = db.relationship("Child", { backref = "parent", cascade = "all, delete-orphan" }),
})
Child = db.Model("Child", {
  id        = db.Column(db.Integer, { primary_key = true }),
  parent_id = db.Column(db.Integer, db.ForeignKey("parent.id"), { nullable = false }),
  title     = db.Column(db.String(40), { nullable = false }),
})
db.create_all()
io.stdout:setvbuf("no")
local max = tonumber(os.getenv("STRESS_MAX") or "") or 1000000
local prev = Parent.query:order_by(Parent.batch:desc()):first()
local start = prev and prev.batch + 1 or 1
for i = start, max do
  local p = Parent{ batch = i }
  for j = 1, 1 + i % 7 do p.children:append(Child{ title = ("c%d.%d"):format(i, j) }) end
  db.session:add(p)
  if prev then prev.closed = true end
  db.session:commit()
  io.stdout:write(i, "\n")
  prev = p
end
LUA
}
# writer_expect N — the rows batches 1..N leave, as the checker selects them
writer_expect() {
    awk -v n="$1" 'BEGIN { for (i = 1; i <= n; i++) printf "%d|%d|%d\n", i, i < n, 1 + i % 7 }'
}
writer_run() {
    n=$1; db="$D/run$n/w.db"; mkdir -p "$D/run$n"
    # half the runs continue from a database an earlier kill left behind
    if [ -n "${LASTDB:-}" ] && [ $((n % 2)) -eq 0 ]; then cp "$LASTDB" "$db"; fi
    before=0
    [ -f "$db" ] && before=$(sqlite3 "$db" 'SELECT coalesce(max(batch), 0) FROM parent')
    kill_at "$(rand_ms "$WRITER_MS")" env STRESS_MAX=1000000 "$ORMSH" --database "sqlite:///$db" run "$D/writer.lua" \
        >"$D/run$n/out" 2>"$D/run$n/err"
    runs=$((runs + 1)); kills=$((kills + KILLED))
    last=$(tail -n 1 "$D/run$n/out"); [ -n "$last" ] || last=$before
    sqlite_checks "writer run $n" "$db"
    [ -f "$db" ] || { check "writer run $n data" "$db" ""; return; }
    got=$(sqlite3 "$db" 'SELECT p.batch, p.closed, (SELECT count(*) FROM child c WHERE c.parent_id = p.id)
                         FROM parent p ORDER BY p.batch' 2>&1)
    bad=$(sqlite3 "$db" "SELECT count(*) FROM child c JOIN parent p ON p.id = c.parent_id
                         WHERE c.title NOT LIKE 'c' || p.batch || '.%'" 2>&1)
    have=$(printf '%s\n' "$got" | grep -c .)
    if [ "$got" = "$(writer_expect "$last")" ] || { [ "$have" -eq $((last + 1)) ] && [ "$got" = "$(writer_expect $((last + 1)))" ]; }; then
        detail=""
    else
        detail="last printed batch $last, database has $have batches: $(printf '%s\n' "$got" | tail -n 3 | tr '\n' ' ')"
    fi
    [ "$bad" = 0 ] || detail="$detail children of the wrong parent: $bad"
    check "writer run $n data" "$db" "$detail"
    LASTDB=$db
    rm -rf "$D/run$((n - 2))"
}
writer_loop() {
    writer_setup
    # calibrate: how long 400 commits take in one uninterrupted run
    mkdir -p "$D/cal"; t0=$(now_ms)
    STRESS_MAX=400 "$ORMSH" --database "sqlite:///$D/cal/w.db" run "$D/writer.lua" >"$D/cal/out" 2>&1 ||
        { echo "stress: the writer fails: $(tail -n 3 "$D/cal/out")" >&2; failed=$((failed + 1)); return; }
    WRITER_MS=$(($(now_ms) - t0))
    echo "writer: 400 commits in $WRITER_MS ms; $STRESS_RUNS runs, each killed at a random moment in that span"
    LASTDB=""
    i=1; while [ "$i" -le "$STRESS_RUNS" ]; do writer_run "$i"; i=$((i + 1)); done
}

# --- migration --------------------------------------------------------------
migrate_models() {
    cat >"$A/models.lua" <<LUA
Parent = db.Model("Parent", {
  id   = db.Column(db.Integer, { primary_key = true }),
  name = db.Column(db.String($1), { nullable = false }),
})
Child = db.Model("Child", {
  id        = db.Column(db.Integer, { primary_key = true }),
  parent_id = db.Column(db.Integer, db.ForeignKey("parent.id", { ondelete = "CASCADE" }), { nullable = false }),
  title     = db.Column(db.String($1)$2),
})
LUA
}
mig() { "$ORMSH" --app "$A" "$@" >"$M/out" 2>&1 || { echo "stress: ormsh $*: $(tail -n 3 "$M/out")" >&2; return 1; }; }
migrate_setup() {
    M="$WORK/migrate"; A="$M/app"; mkdir -p "$A/instance"
    echo 'return { name = "stress", database = "sqlite:///instance/app.db", models = { "models" } }' >"$A/app.lua"
    migrate_models 20 "" && mig db init && mig db migrate -m "parents and children" && mig db upgrade || return 1
    sqlite3 "$A/instance/app.db" "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20000)
        INSERT INTO parent (id, name) SELECT i, 'p' || i FROM n WHERE i <= 2000;
        WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20000)
        INSERT INTO child (id, parent_id, title) SELECT i, 1 + i % 2000, 't' || i FROM n;" || return 1
    OLDREV=$(sqlite3 "$A/instance/app.db" 'SELECT version_num FROM ormsh_version')
    # widen and relax both tables' columns: two rebuilds in one revision
    migrate_models 80 ", { nullable = false, default = 'x' }" && mig db migrate -m "widen" || return 1
    grep -q alter_column "$A"/migrations/versions/*widen* || { echo "stress: the revision rebuilds nothing" >&2; return 1; }
    cp "$A/instance/app.db" "$M/template.db"
    ROWS=$(migrate_rows "$M/template.db")
}
migrate_rows() { sqlite3 "$1" 'SELECT * FROM parent ORDER BY id; SELECT * FROM child ORDER BY id' | cksum; }
migrate_schema() { sqlite3 "$1" "SELECT sql FROM sqlite_master WHERE name IN ('parent', 'child') ORDER BY name"; }
migrate_loop() {
    migrate_setup || { failed=$((failed + 1)); return; }
    OLDSCHEMA=$(migrate_schema "$M/template.db")
    t0=$(now_ms); mig db upgrade || { failed=$((failed + 1)); return; }
    MIGRATE_MS=$(($(now_ms) - t0))
    NEWREV=$(sqlite3 "$A/instance/app.db" 'SELECT version_num FROM ormsh_version')
    NEWSCHEMA=$(migrate_schema "$A/instance/app.db")
    [ "$NEWSCHEMA" != "$OLDSCHEMA" ] && [ "$NEWREV" != "$OLDREV" ] &&
        [ "$(migrate_rows "$A/instance/app.db")" = "$ROWS" ] ||
        { echo "stress: an uninterrupted upgrade did not do what it should" >&2; failed=$((failed + 1)); return; }
    echo "migrate: upgrade rebuilding 2,000 parents and 20,000 children in $MIGRATE_MS ms; $STRESS_RUNS runs, each killed at a random moment within 1.5 times that"
    old=0; new=0
    i=1; while [ "$i" -le "$STRESS_RUNS" ]; do
        db="$A/instance/app.db"; rm -f "$db" "$db-journal" "$db-wal" "$db-shm"; cp "$M/template.db" "$db"
        kill_at "$(rand_ms $((MIGRATE_MS * 3 / 2)))" "$ORMSH" --app "$A" db upgrade >"$M/out" 2>&1
        runs=$((runs + 1)); kills=$((kills + KILLED))
        sqlite_checks "migrate run $i" "$db"
        schema=$(migrate_schema "$db"); rev=$(sqlite3 "$db" 'SELECT version_num FROM ormsh_version')
        if [ "$schema" = "$OLDSCHEMA" ] && [ "$rev" = "$OLDREV" ]; then
            old=$((old + 1)); detail=""
        elif [ "$schema" = "$NEWSCHEMA" ] && [ "$rev" = "$NEWREV" ]; then
            new=$((new + 1)); detail=""
        else
            detail="half applied: version $rev, schema $(printf '%s' "$schema" | tr '\n\t' '  ')"
        fi
        check "migrate run $i state" "$db" "$detail"
        r=$(migrate_rows "$db")
        check "migrate run $i rows" "$db" "$([ "$r" = "$ROWS" ] || echo "rows differ")"
        # a killed upgrade must be able to run again to the end
        if [ "$KILLED" = 1 ] && [ $((i % 10)) -eq 0 ]; then
            "$ORMSH" --app "$A" db upgrade >"$M/out" 2>&1; rc=$?
            check "migrate run $i upgrade again" "$db" \
                "$([ $rc -eq 0 ] && [ "$(migrate_schema "$db")" = "$NEWSCHEMA" ] && [ "$(migrate_rows "$db")" = "$ROWS" ] || echo "exit $rc: $(tail -n 2 "$M/out")")"
        fi
        i=$((i + 1))
    done
    echo "migrate: $old runs left the old schema, $new the new one"
}

for loop in $STRESS_LOOPS; do
    case "$loop" in
    writer) writer_loop ;;
    migrate) migrate_loop ;;
    *) echo "stress: unknown loop $loop (writer, migrate)" >&2; exit 2 ;;
    esac
done
echo "stress: $runs runs, $kills killed, $passed checks passed, $failed failed"
[ "$failed" -eq 0 ]
