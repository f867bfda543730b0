#!/bin/sh
# versioning_audit_app — audit = true in app.lua turns the audit log on at
# start: create_all makes ormsh_audit with the models' tables, each commit
# writes its entries, actor defaults to the OS user; without the key
# nothing is recorded.
. "$ROOT/tests/shell/migrate.inc"
new_app
cat >"$APP/app.lua" <<'LUA'
return { name = "aud", database = "sqlite:///instance/app.db", models = { "models" }, audit = true }
LUA
cat >"$APP/models.lua" <<'LUA'
Pet = db.Model("Pet", { id = db.Column(db.Integer, { primary_key = true }), name = db.Column(db.String(20)) })
LUA
ok -e 'db.create_all(); db.session:add(Pet{ name = "rex" }); db.session:commit(); print(db.audit.enabled)'
same "$TESTDIR/out" "true"
me=$(id -un)
[ "$(sqlite3 -batch "$DB" 'SELECT actor, table_name, row_key, operation, changes FROM ormsh_audit')" = \
  "$me|pet|{\"id\": 1}|insert|{\"id\": [null, 1], \"name\": [null, \"rex\"]}" ] ||
    fail "audit rows: $(sqlite3 -batch "$DB" 'SELECT * FROM ormsh_audit')"
sed -i 's/, audit = true//' "$APP/app.lua"
ok -e 'db.session:add(Pet{ name = "fido" }); db.session:commit(); print(db.audit.enabled, db.session:scalar(db.text("SELECT count(*) FROM ormsh_audit")))'
same "$TESTDIR/out" "false	1"
clean
