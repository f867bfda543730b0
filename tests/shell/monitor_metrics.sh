#!/bin/sh
# monitor_metrics — Prometheus metrics: app.lua's metrics file (rewritten
# every metrics_interval seconds and at exit) and metrics_listen's GET
# /metrics (404 elsewhere; a silent or garbled client stalls nothing) carry
# the same figures and pass `promtool check metrics`; bad monitoring keys
# are a one-line error at start naming the key.
set -u
unset ORMSH_APP DATABASE_URL
bad() { echo "FAIL: $*"; exit 1; }
command -v promtool >/dev/null || bad "promtool missing (Debian package prometheus)"
command -v curl >/dev/null || bad "curl missing"
app="$TESTDIR/mon"
mkdir -p "$app"

cat >"$app/run.lua" <<'LUA'
local port = os.getenv("PORT")
db.session:execute(db.text("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT UNIQUE)"))
for i = 1, 3 do db.session:execute(db.text("INSERT INTO t (name) VALUES (:n)"), { n = "n" .. i }) end
print(pcall(db.session.execute, db.session, db.text("INSERT INTO t (name) VALUES (:n)"), { n = "n1" }))
db.session:commit()
-- a client that sends nothing, one that sends garbage: the next requests still answer
os.execute("sleep 4 | curl -s telnet://127.0.0.1:" .. port .. " >/dev/null 2>&1 &")
os.execute("printf 'GARBAGE\\r\\n\\r\\n' | curl -s --max-time 2 telnet://127.0.0.1:" .. port .. " >/dev/null 2>&1")
os.execute("sleep 1.1")
print(db.session:scalar(db.text("SELECT count(*) FROM t"))) -- publishes (once a second at most)
local function sh(cmd) local p = io.popen(cmd) local s = p:read("a") p:close() return (s:gsub("\n$", "")) end
print(sh("curl -s --max-time 3 -o http.prom -w '%{http_code} %{content_type}' http://127.0.0.1:" .. port .. "/metrics"))
print(sh("curl -s --max-time 3 -o /dev/null -w '%{http_code}' http://127.0.0.1:" .. port .. "/nope"))
-- the same port again: taken
print(sh("cd '" .. os.getenv("APP") .. "' && \"$ORMSH\" --app . -e 1 2>&1; echo \"exit $?\""))
os.execute("sleep 0.6") -- the writer thread has rewritten the file since
local f = io.open("instance/ormsh.prom")
print(f ~= nil and f:read("a"):find('ormsh_statements_total{op="insert",table="t"} 4', 1, true) ~= nil)
if f then f:close() end
LUA

# a free port: the first of a few that ormsh can listen on
base=$((20000 + $$ % 20000)); port=""
for p in $base $((base + 1)) $((base + 2)) $((base + 3)) $((base + 4)); do
    cat >"$app/app.lua" <<LUA
return { name = "mon", database = "sqlite:///instance/mon.db", models = {},
         metrics = "instance/ormsh.prom", metrics_interval = 0.3, metrics_listen = "127.0.0.1:$p" }
LUA
    "$ORMSH" --app "$app" -e 1 >/dev/null 2>"$TESTDIR/err" && { port=$p; break; }
done
[ -n "$port" ] || bad "no free port: $(cat "$TESTDIR/err")"
rm -f "$app/instance/mon.db"

cd "$app" || bad "cd"
out=$(PORT=$port APP="$app" "$ORMSH" --app "$app" run run.lua 2>"$TESTDIR/err") || bad "run failed: $out $(cat "$TESTDIR/err")"
expected="false	IntegrityError: UNIQUE constraint failed: t.name
3
200 text/plain; version=0.0.4; charset=utf-8
404
ormsh: app.lua: metrics_listen: cannot listen on 127.0.0.1:$port: Address already in use
exit 1
true"
[ "$out" = "$expected" ] || bad "run output:
$out
expected:
$expected"
promtool check metrics <http.prom || bad "promtool on HTTP"
promtool check metrics <instance/ormsh.prom || bad "promtool on the file"
for f in http.prom instance/ormsh.prom; do
    grep -qx 'ormsh_statements_total{op="insert",table="t"} 4' "$f" || bad "$f: inserts: $(grep insert "$f")"
    grep -qx 'ormsh_errors_total{class="IntegrityError"} 1' "$f" || bad "$f: errors"
    grep -qx 'ormsh_transactions_total{outcome="commit"} 1' "$f" || bad "$f: commits"
done
grep -qx 'ormsh_statements_total{op="select",table="t"} 1' instance/ormsh.prom || bad "file: the final write"
ls instance | grep -q tmp && bad "a temp file was left"

# bad monitoring keys: one line naming the key, exit 1
check_bad() { # key=value expected-fragment
    printf 'return { name = "mon", database = "sqlite://", models = {}, %s }\n' "$1" >"$app/app.lua"
    err=$("$ORMSH" --app "$app" -e 'print("ran")' 2>&1) && bad "$1 accepted: $err"
    [ "$(printf '%s\n' "$err" | wc -l)" -eq 1 ] || bad "$1: not one line: $err"
    case "$err" in *"$2"*) ;; *) bad "$1: $err (wanted $2)";; esac
}
check_bad 'metrics = "nodir/ormsh.prom"' "metrics: cannot write"
check_bad 'metrics_listen = "nonsense"' "metrics_listen: expected HOST:PORT"
check_bad 'metrics_listen = "127.0.0.1:99999"' "metrics_listen: expected HOST:PORT"
check_bad 'metrics_interval = "soon", metrics = "m.prom"' "metrics_interval: must be a number"
check_bad 'slow_ms = "fast"' "slow_ms must be a number"
check_bad 'nplus1 = "loud"' "nplus1 must be"
exit 0
