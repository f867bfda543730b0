#!/bin/sh
# migrate_unmapped — a table no model maps and no revision created (another
# program's) survives migrate + upgrade, listed in a comment of the revision;
# a table a revision created is dropped once its model goes.
# On every backend (see .backends).
. "$ROOT/tests/shell/backend.inc"
new_app
{ author_model; book_model; } | models
ok db init
mkdir -p "$APP/instance"
sql "CREATE TABLE legacy (id INTEGER PRIMARY KEY, note TEXT); INSERT INTO legacy (id, note) VALUES (1, 'keep me');"
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
[ "$(sql 'SELECT note FROM legacy')" = "keep me" ] || fail "legacy lost"
[ "$(user_tables)" = "author
legacy" ] || fail "book not dropped: $(user_tables)"
ok db downgrade
[ "$(user_tables)" = "author
book
legacy" ] || fail "book not back: $(user_tables)"
ok db downgrade base
[ "$(sql 'SELECT note FROM legacy')" = "keep me" ] || fail "legacy lost at base"
[ "$(user_tables)" = "legacy" ] || fail "tables at base: $(user_tables)"
clean
