#!/bin/sh
# monitor_rules — the shipped Prometheus alert rules pass `promtool check
# rules` and their unit tests (`promtool test rules`); every ormsh metric
# the rules and the Grafana dashboard use is one ormsh exposes (the replica
# metrics aside: they appear once replicas are configured).
set -u
bad() { echo "FAIL: $*"; exit 1; }
command -v promtool >/dev/null || bad "promtool missing (Debian package prometheus)"
dir="$ROOT/docs/monitoring"
promtool check rules "$dir/ormsh-alerts.yml" >"$TESTDIR/out" 2>&1 || bad "check rules: $(cat "$TESTDIR/out")"
(cd "$dir" && promtool test rules ormsh-alerts.test.yml) >"$TESTDIR/out" 2>&1 ||
    bad "test rules: $(cat "$TESTDIR/out")"
"$ORMSH" -e 'local _ = io.write(db.metrics())' >"$TESTDIR/m.prom" || bad "db.metrics()"
promtool check metrics <"$TESTDIR/m.prom" || bad "promtool check metrics"
for m in $(grep -oh 'ormsh_[a-z0-9_]*' "$dir/ormsh-alerts.yml" "$dir/ormsh-dashboard.json" | sort -u); do
    case "$m" in ormsh_replica_*) continue;; esac
    grep -q "^# TYPE ${m%_bucket} " "$TESTDIR/m.prom" || bad "$m is not a metric ormsh exposes"
done
exit 0
