#!/bin/sh
# monitor_prometheus — a real Prometheus server (loopback, a temp dir, 1 s
# scrapes) scrapes a running ormsh's metrics_listen; its HTTP API then
# reports the ormsh_statements_total ormsh counted.
set -u
unset ORMSH_APP DATABASE_URL
bad() { echo "FAIL: $*"; exit 1; }
command -v prometheus >/dev/null || bad "prometheus missing (Debian package prometheus)"
command -v curl >/dev/null || bad "curl missing"
app="$TESTDIR/mon"
mkdir -p "$app"
cat >"$app/run.lua" <<'LUA'
db.session:execute(db.text("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT)"))
for i = 1, 7 do db.session:execute(db.text("INSERT INTO t (name) VALUES (:n)"), { n = "n" .. i }) end
db.session:commit()
os.execute("sleep 1.1")
print(db.session:scalar(db.text("SELECT count(*) FROM t"))) -- publishes
io.open("ready", "w"):close()
-- serve until the test is done (at most 60 s)
for _ = 1, 300 do
  if io.open("done") then break end
  os.execute("sleep 0.2")
end
LUA

# free ports: two ormsh can listen on, the first for ormsh and the next for
# Prometheus (both checked: a test server of this run may hold either)
free_port() {
    printf 'return { name = "mon", database = "sqlite:///instance/mon.db", models = {}, metrics_listen = "127.0.0.1:%s" }\n' "$1" >"$app/app.lua"
    "$ORMSH" --app "$app" -e 1 >/dev/null 2>&1
}
base=$((30000 + $$ % 20000)); port=""
for p in $base $((base + 2)) $((base + 4)) $((base + 6)) $((base + 8)) $((base + 10)); do
    free_port $((p + 1)) && free_port "$p" && { port=$p; break; }
done
[ -n "$port" ] || bad "no free port"
pport=$((port + 1))
rm -f "$app/instance/mon.db"

cd "$app" || bad "cd"
"$ORMSH" --app "$app" run run.lua >"$TESTDIR/ormsh.out" 2>&1 &
ormsh_pid=$!
cat >"$TESTDIR/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
scrape_configs:
  - job_name: ormsh
    static_configs:
      - targets: ["127.0.0.1:$port"]
EOF
prometheus --config.file="$TESTDIR/prometheus.yml" --storage.tsdb.path="$TESTDIR/tsdb" \
    --web.listen-address="127.0.0.1:$pport" >"$TESTDIR/prometheus.log" 2>&1 &
prom_pid=$!
cleanup() { touch "$app/done"; kill "$prom_pid" 2>/dev/null; wait "$prom_pid" 2>/dev/null; wait "$ormsh_pid" 2>/dev/null; }
trap cleanup EXIT

i=0
while [ ! -f ready ] && [ $i -lt 100 ]; do sleep 0.2; i=$((i + 1)); done
[ -f ready ] || bad "ormsh did not get ready: $(cat "$TESTDIR/ormsh.out")"
# wait for a scrape after ready: up to 40 s (Prometheus starts, then scrapes every second)
value=""
i=0
while [ $i -lt 80 ]; do
    value=$(curl -s --max-time 2 -G "http://127.0.0.1:$pport/api/v1/query" \
        --data-urlencode 'query=ormsh_statements_total{op="insert",table="t"}' |
        sed -n 's/.*"value":\[[0-9.]*,"\([0-9.]*\)"\].*/\1/p')
    [ "$value" = 7 ] && break
    sleep 0.5; i=$((i + 1))
done
[ "$value" = 7 ] || bad "Prometheus reports '$value' (want 7): $(tail -5 "$TESTDIR/prometheus.log")"
up=$(curl -s -G "http://127.0.0.1:$pport/api/v1/query" --data-urlencode 'query=up{job="ormsh"}' |
    sed -n 's/.*"value":\[[0-9.]*,"\([0-9]*\)"\].*/\1/p')
[ "$up" = 1 ] || bad "target not up: $up"
touch "$app/done"
wait "$ormsh_pid" || bad "ormsh failed: $(cat "$TESTDIR/ormsh.out")"
[ "$(cat "$TESTDIR/ormsh.out")" = 7 ] || bad "ormsh output: $(cat "$TESTDIR/ormsh.out")"
exit 0
