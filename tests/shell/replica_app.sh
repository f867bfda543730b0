#!/bin/sh
# replica_app — read replicas from app.lua (replicas, replica_wait_ms,
# replica_retry_s) and from --replica URL (repeatable, after app.lua's): reads
# go to them (echo names the server), the app's relative SQLite paths resolve
# in the app directory, a replica file that is missing is left out with one
# warning on stderr and the reads still answer.
set -u
unset ORMSH_APP DATABASE_URL
bad() { echo "FAIL: $*"; exit 1; }
app="$TESTDIR/shop"
mkdir -p "$app"
cat >"$app/app.lua" <<'LUA'
return { name = "shop", database = "sqlite:///shop.db", models = { "models" },
         replicas = { "sqlite:///copy.db" }, replica_wait_ms = 100, replica_retry_s = 60 }
LUA
cat >"$app/models.lua" <<'LUA'
db.Model("Gadget", { id = db.Column(db.Integer, { primary_key = true }), name = db.Column(db.String(30)) })
LUA
"$ORMSH" --app "$app" --replica "sqlite:///gone.db" -e 'db.create_all()' 2>"$TESTDIR/err0" ||
    bad "create_all failed"
cp "$app/shop.db" "$app/copy.db"
cp "$app/shop.db" "$app/copy2.db"
"$ORMSH" --app "$app" -e 'session:add(Gadget{ name = "new" }); session:commit()' || bad "add"

out=$("$ORMSH" --app "$app" --replica "sqlite:///copy2.db" --replica "sqlite:///gone.db" --echo -e '
for _, r in ipairs(db.replicas()) do print(r.url:match("[^/]*$"), r.state) end
print(session:query(Gadget):count(), session:query(Gadget):count(), session:query(Gadget):count())
print(session:query(Gadget):using("primary"):count())' 2>"$TESTDIR/err") || bad "run: $(cat "$TESTDIR/err")"
want="copy.db	up
copy2.db	up
gone.db	down
0	0	0
1"
[ "$out" = "$want" ] || bad "output: $out"
[ "$(grep -c 'warning: replica 3 (sqlite:///.*gone.db) is unavailable' "$TESTDIR/err")" = 1 ] ||
    bad "one warning for the missing replica: $(cat "$TESTDIR/err")"
[ "$(grep -c '^SQL\[replica 1\]: SELECT count' "$TESTDIR/err")" = 2 ] || bad "round-robin 1: $(cat "$TESTDIR/err")"
[ "$(grep -c '^SQL\[replica 2\]: SELECT count' "$TESTDIR/err")" = 1 ] || bad "round-robin 2: $(cat "$TESTDIR/err")"
[ "$(grep -c '^SQL: SELECT count' "$TESTDIR/err")" = 1 ] || bad "using primary: $(cat "$TESTDIR/err")"

# bad values are one-line errors naming the key
cat >"$app/app.lua" <<'LUA'
return { name = "shop", database = "sqlite:///shop.db", models = { "models" }, replica_retry_s = 60,
         replicas = "sqlite:///copy.db" }
LUA
"$ORMSH" --app "$app" -e 'print(1)' >/dev/null 2>"$TESTDIR/err" && bad "a string replicas was accepted"
grep -q "replicas must be a list of database URLs (got string)" "$TESTDIR/err" || bad "message: $(cat "$TESTDIR/err")"
exit 0
