#!/bin/sh
# migrate_unmapped — a table no model maps and no revision created (another
# program's) survives migrate + upgrade, listed in a comment of the revision;
# a table a revision created is dropped once its model goes.
. "$ROOT/tests/shell/migrate.inc"
new_app
{ author_model; book_model; } | models
ok db init
mkdir -p "$APP/instance"
q "CREATE TABLE legacy (id INTEGER PRIMARY KEY, note TEXT); INSERT INTO legacy (note) VALUES ('keep me');"
ok db migrate -m "Initial"
f=$(revs)
has "$APP/migrations/versions/$f" "legacy"
hasnt "$APP/migrations/versions/$f" 'drop_table("legacy")'
ok db upgrade
ok db check
author_model | models
ok db migrate -m "no more books"
f2=$(revs | grep no_more_books)
has "$APP/migrations/versions/$f2" 'op.drop_table("book")'
hasnt "$APP/migrations/versions/$f2" 'op.drop_table("legacy")'
# the downgrade creates book again, as it was
has "$APP/migrations/versions/$f2" 'op.create_table("book", {'
ok db upgrade
[ "$(q 'SELECT note FROM legacy')" = "keep me" ] || fail "legacy lost"
[ -z "$(q "SELECT name FROM sqlite_master WHERE name = 'book'")" ] || fail "book not dropped"
ok db downgrade
q "SELECT name FROM sqlite_master WHERE name = 'book'" | grep -q book || fail "book not back"
ok db downgrade base
[ "$(q 'SELECT note FROM legacy')" = "keep me" ] || fail "legacy lost at base"
clean
