#!/bin/sh
# tests/run.sh — runs every test kind and prints one closing line
# "N passed, N failed". Needs BUILD (unit binaries live in $BUILD/tests) and
# ORMSH (the ormsh executable under test).
#   unit:  $BUILD/tests/test_*   cmocka; each test case counts
#   lua:   tests/lua/NAME.lua    `ormsh [args from NAME.args] run NAME.lua` in a
#          fresh temporary directory copy of tests/lua (in NAME.args, @ROOT@ is the
#          repository and @DIR@ that directory); stdout must equal NAME.out,
#          stderr NAME.err when that file exists, exit status NAME.code (default 0)
#          The Lua tests run once per backend in BACKENDS (default "sqlite"):
#          on a server each test gets a fresh database, its URL replacing any
#          --database in NAME.args (or added), with the password in the
#          client library's environment (PGPASSWORD, MYSQL_PWD); @URL@ in
#          NAME.args stands for the URL with its password (sqlite://
#          on SQLite), also in $ORMSH_TEST_URL ($ORMSH_TEST_PASSWORD). NAME.backends lists the backends
#          a test runs on (for tests about SQLite itself); default: all.
#          A test with NAME.standby gets a replica started for it (tests/servers.sh):
#          on PostgreSQL a streaming hot standby of the server, on MySQL a
#          MariaDB primary and replica pair of their own (the test database is
#          then on that primary); ORMSH_TEST_REPLICA_URL is the test database
#          on the replica, ORMSH_TEST_REPLICA_STOP / _START shell commands stop
#          it hard and start it again.
#          tests/servers.sh starts the servers; they stop on exit, always.
#   shell: tests/shell/*.sh      each exits 0 on success. A test with a NAME.backends
#          file runs once per backend listed there that is in BACKENDS and whose
#          server started: on a server with a fresh database, its URL (no
#          password) in ORMSH_TEST_URL and DATABASE_URL, the password in
#          PGPASSWORD / MYSQL_PWD; ORMSH_TEST_BACKEND names the backend
#          (tests/shell/backend.inc reads them). Other shell tests run once.
# TESTS=pattern limits lua/shell tests to names matching the shell pattern.
set -u
: "${BUILD:=build}"
: "${ORMSH:=$(pwd)/$BUILD/ormsh}"
: "${BACKENDS:=sqlite}"
export ORMSH BUILD
ROOT=$(pwd)
export ROOT
pass=0; fail=0; failed=""
TMPROOT=$(mktemp -d "${TMPDIR:-/tmp}/ormsh-tests.XXXXXX")
SRV_ROOT="$TMPROOT/servers"
. "$ROOT/tests/servers.sh"
trap 'servers_stop_all; rm -rf "$TMPROOT"' EXIT
trap 'exit 130' INT TERM
export HOME="$TMPROOT/home"; mkdir -p "$HOME"

ok()  { pass=$((pass + 1)); }
bad() {
    fail=$((fail + 1)); failed="$failed $1"; echo "FAIL: $1" >&2
    # a server that died says so once, with its log (the label names the backend)
    for b in postgresql mysql; do
        case "$1" in
        *"[$b]"*) case " ${SRV_DEAD:-} " in *" $b "*) ;; *) server_check "$b" || SRV_DEAD="${SRV_DEAD:-} $b" ;; esac ;;
        esac
    done
}

# --- unit tests (cmocka) ---
for t in "$BUILD"/tests/test_*; do
    [ -x "$t" ] || continue
    out=$("$t" 2>&1); rc=$?
    p=$(printf '%s\n' "$out" | sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' | awk '{s+=$1} END {print s+0}')
    f=$(printf '%s\n' "$out" | sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' | awk '{s+=$1} END {print s+0}')
    pass=$((pass + p)); fail=$((fail + f))
    if [ "$rc" -ne 0 ] || [ "$f" -ne 0 ]; then
        [ "$f" -eq 0 ] && fail=$((fail + 1))
        failed="$failed $(basename "$t")"
        printf '%s\n' "$out" | grep -v '^\[ \(RUN\|       OK\) ' >&2
    fi
done

# --- Lua-level tests through ormsh run, once per backend ---
# run_lua NAME BACKEND LABEL: one test on one backend.
run_lua() {
    name=$1; backend=$2; label=$3
    dir="$TMPROOT/lua-$backend-$name"; mkdir -p "$dir"
    cp -R tests/lua/. "$dir/"
    # NAME.args: extra ormsh arguments; @ROOT@ is the repository, @DIR@ the test's directory
    args=""; [ -f "tests/lua/$name.args" ] && args=$(sed -e "s|@ROOT@|$ROOT|g" -e "s|@DIR@|$dir|g" "tests/lua/$name.args")
    full="sqlite://"; pw=""
    if [ "$backend" != sqlite ]; then
        db="t_$(printf '%s' "$name" | tr -c 'a-zA-Z0-9_\n' '_')"
        server_dropdb "$backend" "$db"
        if ! server_createdb "$backend" "$db"; then bad "$label"; return; fi
        full=$(server_url "$backend" "$db")
        pw=$SRV_PG_PASSWORD; [ "$backend" = mysql ] && pw=$SRV_MY_PASSWORD
        # the password travels in the environment; the URL on the command line has none
        url=$(printf '%s' "$full" | sed 's|://\([^:@/]*\):[^@]*@|://\1@|')
        case "$args" in
        *@URL@*) args=$(printf '%s' "$args" | sed -e "s|@URL@|$full|g") ;;
        *) args="$(printf '%s' "$args" | sed -e "s|--database [^ ]*||") --database $url" ;;
        esac
    fi
    args=$(printf '%s' "$args" | sed -e "s|@URL@|$full|g")
    rurl=""; rstop=""; rstart=""
    if [ -f "tests/lua/$name.standby" ]; then
        case "$backend" in
        postgresql)
            if ! server_pg_standby_start; then bad "$label (no standby)"; return; fi
            rurl=$(printf '%s' "$full" | sed "s|:$SRV_PG_PORT/|:$SRV_PG_STANDBY_PORT/|")
            rstop=$SRV_PG_STANDBY_STOP; rstart=$SRV_PG_STANDBY_START ;;
        mysql) # a primary with binlog and GTID and its replica, of their own
            if ! server_my_pair_start; then bad "$label (no replica)"; return; fi
            "$(command -v mariadb || command -v mysql)" --no-defaults -S "$SRV_ROOT/myp/sock" -u root \
                -e "DROP DATABASE IF EXISTS \`$db\`; CREATE DATABASE \`$db\` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin" ||
                { bad "$label"; return; }
            full=$(printf '%s' "$full" | sed "s|:$SRV_MY_PORT/|:$SRV_MYP_PORT/|")
            rurl=$(printf '%s' "$full" | sed "s|:$SRV_MYP_PORT/|:$SRV_MYR_PORT/|")
            args=$(printf '%s' "$args" | sed "s|:$SRV_MY_PORT/|:$SRV_MYP_PORT/|")
            rstop=$SRV_MYR_STOP; rstart=$SRV_MYR_START ;;
        *) return ;;
        esac
    fi
    want_code=0; [ -f "tests/lua/$name.code" ] && want_code=$(cat "tests/lua/$name.code")
    # shellcheck disable=SC2086
    (cd "$dir" && PGPASSWORD="$SRV_PG_PASSWORD" MYSQL_PWD="$SRV_MY_PASSWORD" \
        ORMSH_TEST_URL="$full" ORMSH_TEST_PASSWORD="$pw" ORMSH_TEST_REPLICA_URL="$rurl" \
        ORMSH_TEST_REPLICA_STOP="$rstop" ORMSH_TEST_REPLICA_START="$rstart" ORMSH_TEST_BACKEND="$backend" \
        "$ORMSH" $args run "$name.lua" >"$dir/stdout" 2>"$dir/stderr" </dev/null)
    code=$?
    okay=1
    if ! diff -u "tests/lua/$name.out" "$dir/stdout" >"$dir/diff" 2>&1; then okay=0; sed "s|^|[$backend] |" "$dir/diff" >&2; fi
    if [ -f "tests/lua/$name.err" ] && ! diff -u "tests/lua/$name.err" "$dir/stderr" >&2; then okay=0; fi
    if [ "$code" -ne "$want_code" ]; then okay=0; echo "$label: exit $code, want $want_code" >&2; sed 's/^/  stderr: /' "$dir/stderr" >&2; fi
    # a password never shows, whatever the test printed
    for pw in "$SRV_PG_PASSWORD" "$SRV_MY_PASSWORD"; do
        if grep -qF -- "$pw" "$dir/stdout" "$dir/stderr"; then okay=0; echo "$label: the password appears in the output" >&2; fi
    done
    [ "$backend" != sqlite ] && server_dropdb "$backend" "$db"
    if [ "$okay" -eq 1 ]; then ok; else bad "$label"; fi
}

for backend in $BACKENDS; do
    if ! server_start "$backend"; then
        bad "lua[$backend] (no server)"; continue
    fi
    for lua in tests/lua/*.lua; do
        [ -f "$lua" ] || continue
        name=$(basename "$lua" .lua)
        case "$name" in ${TESTS:-*}) ;; *) continue ;; esac
        if [ -f "tests/lua/$name.backends" ] && ! grep -qw -- "$backend" "tests/lua/$name.backends"; then continue; fi
        label="lua/$name"; [ "$backend" != sqlite ] && label="lua[$backend]/$name"
        run_lua "$name" "$backend" "$label"
    done
done

# --- shell tests ---
# run_sh NAME BACKEND LABEL: a shell test with NAME.backends on one backend.
run_sh() {
    name=$1; backend=$2; label=$3
    dir="$TMPROOT/sh-$backend-$name"; mkdir -p "$dir"
    url=""
    if [ "$backend" != sqlite ]; then
        db="s_$(printf '%s' "$name" | tr -c 'a-zA-Z0-9_\n' '_')"
        server_dropdb "$backend" "$db"
        if ! server_createdb "$backend" "$db"; then bad "$label"; return; fi
        url=$(server_url "$backend" "$db" | sed 's|://\([^:@/]*\):[^@]*@|://\1@|')
    fi
    okay=1
    (cd "$dir" && TESTDIR="$dir" ORMSH_TEST_BACKEND="$backend" ORMSH_TEST_URL="$url" \
        PGPASSWORD="$SRV_PG_PASSWORD" MYSQL_PWD="$SRV_MY_PASSWORD" sh "$ROOT/tests/shell/$name.sh") \
        >"$dir/log" 2>&1 || okay=0
    for pw in "$SRV_PG_PASSWORD" "$SRV_MY_PASSWORD"; do
        if grep -qF -- "$pw" "$dir/log"; then okay=0; echo "$label: the password appears in the output" >&2; fi
    done
    [ "$backend" != sqlite ] && server_dropdb "$backend" "$db"
    if [ "$okay" -eq 1 ]; then ok; else bad "$label"; sed 's/^/  /' "$dir/log" >&2; fi
}

for sh in tests/shell/*.sh; do
    [ -f "$sh" ] || continue
    name=$(basename "$sh" .sh)
    case "$name" in ${TESTS:-*}) ;; *) continue ;; esac
    if [ -f "tests/shell/$name.backends" ]; then
        for backend in $BACKENDS; do
            grep -qw -- "$backend" "tests/shell/$name.backends" || continue
            case "$backend $SRV_STARTED " in sqlite*|*" $backend "*) ;; *) continue ;; esac
            label="shell/$name"; [ "$backend" != sqlite ] && label="shell[$backend]/$name"
            run_sh "$name" "$backend" "$label"
        done
        continue
    fi
    dir="$TMPROOT/sh-$name"; mkdir -p "$dir"
    if (cd "$dir" && TESTDIR="$dir" sh "$ROOT/$sh") >"$dir/log" 2>&1; then ok; else bad "shell/$name"; sed 's/^/  /' "$dir/log" >&2; fi
done

[ -n "$failed" ] && echo "failed:$failed" >&2
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
