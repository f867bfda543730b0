#!/bin/sh
# explore_blob_modes — a blob column of a database nobody modelled
# (Northwind's Categories.Picture) in the REPL's table modes: .mode box
# shows bytes that are not UTF-8 as \x and hex digits (they were written raw,
# breaking the terminal's text), .mode json writes them base64 as `db dump`
# does (the output was not valid JSON), .mode csv as hex; text, including
# non-ASCII text, prints as it is.
set -u
T=$TESTDIR
fail() { echo "FAIL: $*"; exit 1; }
cd "$T" || exit 1
sqlite3 nw.db "CREATE TABLE Categories (CategoryID INTEGER PRIMARY KEY, CategoryName TEXT, Picture BLOB);
INSERT INTO Categories VALUES (1, 'Beverages', X'FFD8FFE0004A46'), (2, 'Crème', X'6869'), (3, NULL, NULL);"
printf '%s\n' '.mode json' 'Categories.query:all()' '.mode box' 'Categories.query:all()' '.mode csv' \
  'Categories.query:all()' | COLUMNS=60 "$ORMSH" --database "sqlite:///$T/nw.db" -i 2>err | tr -d '\r' >out ||
    fail "exit $?: $(cat err)"
cat >want <<'OUT'
[{"CategoryID":1,"CategoryName":"Beverages","Picture":"/9j/4ABKRg=="},
 {"CategoryID":2,"CategoryName":"Crème","Picture":"hi"},
 {"CategoryID":3,"CategoryName":null,"Picture":null}]
┌────────────┬──────────────┬──────────────────┐
│ CategoryID │ CategoryName │ Picture          │
├────────────┼──────────────┼──────────────────┤
│ 1          │ Beverages    │ \xffd8ffe0004a46 │
│ 2          │ Crème        │ hi               │
│ 3          │ NULL         │ NULL             │
└────────────┴──────────────┴──────────────────┘
CategoryID,CategoryName,Picture
1,Beverages,\xffd8ffe0004a46
2,Crème,hi
3,,
OUT
diff -u want out || fail "table modes"
