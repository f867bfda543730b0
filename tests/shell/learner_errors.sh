#!/bin/sh
# learner_errors — errors that teach, in a piped -i session on each backend:
# a failed commit on a unique column names the existing row it collides
# with (the class stays IntegrityError, err.message carries the text); the
# same error raised again by the autoflush before a query says it came from
# flushing the pending changes, names the object, and how to recover; after
# fixing the value the commit succeeds.
. "$ROOT/tests/shell/backend.inc"
new_app
models <<'LUA'
Author = db.Model("Author", {
  id    = db.Column(db.Integer, { primary_key = true }),
  name  = db.Column(db.String(30)),
  email = db.Column(db.String(30), { unique = true, nullable = false }),
})
function Author:__repr() return ("<Author: %s>"):format(self.name) end
LUA
cat >"$TESTDIR/in.lua" <<'LUA'
db.create_all()
db.session:add(Author{ name = "Umang", email = "u@x" })
db.session:commit()
b = Author{ name = "Ana", email = "u@x" }
db.session:add(b)
db.session:commit()
Author.query:count()
ok, err = pcall(db.session.flush, db.session)
print(ok, db.IntegrityError:is(err), tostring(err) == "IntegrityError: " .. err.message)
print(err.message:find("email 'u@x' is already used by <Author: Umang>", 1, true) ~= nil)
b.email = "ana@x"
db.session:commit()
Author.query:count()
LUA
ormsh -i <"$TESTDIR/in.lua"
[ "$RC" -eq 0 ] || fail "exit status $RC: $(cat "$TESTDIR/err")"
sed -e 's/^\(>>> \|mig\[[^]]*\]>>> \)*//' "$TESTDIR/err" >"$TESTDIR/lines"
show() { echo "--- stderr:"; cat "$TESTDIR/err"; echo "--- stdout:"; cat "$TESTDIR/out"; }
# the commit: the backend's words, then the row it collides with
grep -q "^IntegrityError: .* (email 'u@x' is already used by <Author: Umang>)\$" "$TESTDIR/lines" ||
    { show; fail "no collision on commit"; }
# the query: the autoflush retried the pending object and says so
grep -qF "(email 'u@x' is already used by <Author: Umang>) (raised by the autoflush before this query, while flushing the pending changes of <Author: Ana>: fix the value and try again, or call db.session:rollback() to discard the pending changes)" "$TESTDIR/lines" ||
    { show; fail "no autoflush explanation"; }
printf 'false\ttrue\ttrue\ntrue\n2\n' >"$TESTDIR/want"
cmp -s "$TESTDIR/want" "$TESTDIR/out" || { show; fail "stdout differs"; }
[ "$(sql 'SELECT count(*) FROM author')" = 2 ] || fail "rows: $(sql 'SELECT name FROM author')"
exit 0
