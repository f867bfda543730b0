#!/bin/sh
# migrate_check — db check: exit 0 "No new upgrade operations detected."
# when models and database agree; exit 1 listing each difference as the op
# call that would fix it; refusing (exit 1) when the database is behind.
# Without migrations it validates a create_all database all the same.
# On every backend (see .backends).
. "$ROOT/tests/shell/backend.inc"
new_app
author_model | models
ok -e 'db.create_all()'
ok db check
same "$TESTDIR/out" "No new upgrade operations detected."
ok db init
ok db migrate -m "Initial"
ok db stamp head
ok db check
same "$TESTDIR/out" "No new upgrade operations detected."

{ author_model | sed 's/email = db.Column(db.String(30), { unique = true, nullable = false }),/email = db.Column(db.String(30), { nullable = false }),\
  born  = db.Column(db.Date, { nullable = true }),/'; book_model; } | models
status 1 db check
has "$TESTDIR/out" "New upgrade operations detected:"
has "$TESTDIR/out" 'op.create_table("book", {'
has "$TESTDIR/out" 'op.add_column("author", op.column("born", "Date"))'
has "$TESTDIR/out" 'op.drop_constraint("uq_author_email", "author", { type = "unique" })'
[ ! -s "$TESTDIR/err" ] || fail "stderr: $(cat "$TESTDIR/err")"

ok db migrate -m "book"
status 1 db check
has "$TESTDIR/err" "ormsh db upgrade"
ok db upgrade
ok db check
same "$TESTDIR/out" "No new upgrade operations detected."
# the dropped unique constraint really went (on SQLite: a rebuild)
ok -e 'db.session:add_all{ Author{ name = "a", email = "same@x" }, Author{ name = "b", email = "same@x" } }; db.session:commit()'
clean
