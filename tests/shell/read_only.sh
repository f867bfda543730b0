#!/bin/sh
# read_only — --read-only: the database itself refuses every write (SQLite
# opens the file read-only; servers make each transaction read-only): a
# flush, a bulk update and delete, DDL, a raw INSERT/UPDATE/DELETE through
# db.text and db upgrade each fail with an OperationalError naming the
# mode, reads still work, the banner says so, and the database is left
# unchanged (on SQLite: the same bytes). On every backend (see .backends).
. "$ROOT/tests/shell/backend.inc"
new_app
author_model | models
ok db init
ok db migrate -m "Initial"
ok db upgrade
ok -e 'db.session:add(Author{name = "Umang", email = "u@x"}) db.session:commit()'
{ author_model; book_model; } | models
ok db migrate -m "Book"
before=$(schema; sql "SELECT id, name, email FROM author"; version)
[ "$BACKEND" = sqlite ] && sum=$(cksum <"$DB")

cat >"$TESTDIR/in.lua" <<'LUA'
Author.query:count()
db.session:add(Author{name = "Ann", email = "a@x"})
db.session:commit()
db.session:rollback()
Author.query:filter_by{name = "Umang"}:update{name = "X"}
db.session:rollback()
Author.query:filter_by{name = "Umang"}:delete()
db.session:rollback()
db.session:execute(db.text("INSERT INTO author (name, email) VALUES ('B', 'b@x')"))
db.session:rollback()
db.session:execute(db.text("UPDATE author SET name = 'C'"))
db.session:rollback()
db.session:execute(db.text("DELETE FROM author"))
db.session:rollback()
db.drop_all()
db.session:rollback()
local ok, e = pcall(db.create_all) return ok, db.OperationalError:is(e)
Author.query:first().name
LUA
"$ORMSH" --app "$APP" --read-only -i <"$TESTDIR/in.lua" >"$TESTDIR/out" 2>"$TESTDIR/err"
[ $? -eq 0 ] || fail "ormsh -i --read-only failed: $(cat "$TESTDIR/err")"
same "$TESTDIR/out" "1
false	true
Umang"
has "$TESTDIR/err" "Read-only: every write is refused (--read-only)"
n=$(grep -o 'OperationalError: read-only mode (--read-only): ' "$TESTDIR/err" | wc -l)
[ "$n" -eq 7 ] || { cat "$TESTDIR/err"; fail "$n read-only OperationalErrors, want 7"; }
sed 's/OperationalError: read-only mode//g' "$TESTDIR/err" | grep -q 'Error' &&
    { cat "$TESTDIR/err"; fail "another error"; }

# db upgrade: the pending revision is refused, nothing is applied
status 1 --read-only db upgrade
has "$TESTDIR/err" "read-only mode (--read-only)"
# a script: the same error class and message
status 1 --read-only -e 'db.session:add(Author{name = "D", email = "d@x"}) db.session:flush()'
has "$TESTDIR/err" "OperationalError: read-only mode (--read-only)"

after=$(schema; sql "SELECT id, name, email FROM author"; version)
[ "$before" = "$after" ] || fail "the database changed under --read-only"
if [ "$BACKEND" = sqlite ]; then
    [ "$sum" = "$(cksum <"$DB")" ] || fail "the SQLite file changed under --read-only"
    # a missing file is not created
    status 1 --read-only --database sqlite:///instance/none.db -e '1'
    has "$TESTDIR/err" "read-only mode"
    [ ! -e "$APP/instance/none.db" ] || fail "--read-only created a database file"
fi
# without --read-only the same write works (the test would catch a no-op)
ok -e 'db.session:add(Author{name = "Ann", email = "a@x"}) db.session:commit()'
[ "$(sql "SELECT count(*) FROM author")" = 2 ] || fail "the write without --read-only was lost"
