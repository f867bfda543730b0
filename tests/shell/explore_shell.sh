#!/bin/sh
# explore_shell — `ormsh --database URL` without an app: a model for every
# table, the banner's Models line, a piped -i transcript using the reflected
# classes and relationships; the database file unchanged by exploring;
# -e code and run scripts see the same classes; a script that defines its own
# models replaces the reflected ones (unused so far)

# db.reflect() inside an app adds only the tables no model maps; a database
# that cannot be opened or read is one clear line and exit 1.
set -u
T=$TESTDIR
fail() { echo "FAIL: $*"; exit 1; }
cd "$T" || exit 1
sqlite3 c.db "CREATE TABLE Artist (ArtistId INTEGER PRIMARY KEY, Name VARCHAR(120));
CREATE TABLE Album (AlbumId INTEGER PRIMARY KEY, Title VARCHAR(160) NOT NULL,
  ArtistId INTEGER NOT NULL REFERENCES Artist(ArtistId));
CREATE TABLE Employee (EmployeeId INTEGER PRIMARY KEY, LastName VARCHAR(20),
  ReportsTo INTEGER REFERENCES Employee(EmployeeId));
INSERT INTO Artist VALUES (1, 'AC/DC');
INSERT INTO Album VALUES (1, 'Back in Black', 1), (2, 'Highway to Hell', 1);
INSERT INTO Employee VALUES (1, 'Adams', NULL), (2, 'Edwards', 1), (3, 'Peacock', 1);"
before=$(cksum <c.db)

printf '%s\n' 'Artist.query:get(1).albums' 'Album.query:get(2).artist.Name' \
  'Employee.query:get(1).employees_by_reports_to' 'Employee.query:get(3).reports_to.LastName' |
  "$ORMSH" --database "sqlite:///$T/c.db" -i >out 2>err || fail "exit $?: $(cat err)"
cat >want <<'OUT'
[<Album AlbumId=1>, <Album AlbumId=2>]
AC/DC
[<Employee EmployeeId=2>, <Employee EmployeeId=3>]
Adams
OUT
diff -u want out || fail "transcript output"
grep -qx "Models: Artist, Employee, Album" err || fail "no Models line: $(cat err)"
grep -q "^Database: sqlite:///$T/c.db" err || fail "no Database line"
[ "$(cksum <c.db)" = "$before" ] || fail "exploring changed the database file"

# without an app, db diagram draws the reflected models
"$ORMSH" --database "sqlite:///$T/c.db" db diagram -o d.dot 2>err || fail "diagram: $(cat err)"
grep -qF '"Employee" -> "Employee" [label="ReportsTo\nreports_to / employees_by_reports_to"];' d.dot || fail "self edge: $(cat d.dot)"
grep -qF '"Artist" -> "Album" [label="ArtistId\nartist / albums"];' d.dot || fail "edge: $(cat d.dot)"
dot -Tsvg d.dot >d.svg 2>err || fail "dot rejects it: $(cat err)"
[ "$(cksum <c.db)" = "$before" ] || fail "the diagram changed the database file"

# -e code and run scripts see the reflected classes too: a script written
# against them runs as typed code does
"$ORMSH" --database "sqlite:///$T/c.db" -e 'print(Album.query:count())' >out 2>err || fail "-e: $(cat err)"
[ "$(cat out)" = 2 ] || fail "-e: $(cat out)"
echo 'print(Album, Album.query:get(2).artist.Name, #Employee.query:get(1).employees_by_reports_to)' >s.lua
"$ORMSH" --database "sqlite:///$T/c.db" run s.lua >out 2>err || fail "run: $(cat err)"
[ "$(cat out)" = "$(printf '<class Album>\tAC/DC\t2')" ] || fail "run reflected: $(cat out)"
# a script that defines its own models (before using a reflected one) has
# those alone, as in -e code
cat >own.lua <<'LUA'
Singer = db.Model("Singer", { __tablename = "Artist",
  ArtistId = db.Column(db.Integer, { primary_key = true }), Name = db.Column(db.String(120)) })
print(Singer.query:get(1).Name, Artist, Album)
LUA
"$ORMSH" --database "sqlite:///$T/c.db" run own.lua >out 2>err || fail "run own: $(cat err)"
[ "$(cat out)" = "$(printf 'AC/DC\tnil\tnil')" ] || fail "run own: $(cat out)"

# a script that defines its own models replaces the reflected ones (unused so far)
"$ORMSH" --database "sqlite:///$T/c.db" -e 'Singer = db.Model("Singer", { __tablename = "Artist",
  ArtistId = db.Column(db.Integer, { primary_key = true }), Name = db.Column(db.String(120)) })
print(Singer.query:count(), Artist, Album)' >out 2>err || fail "own models: $(cat err)"
[ "$(cat out)" = "$(printf '1\tnil\tnil')" ] || fail "own models: $(cat out)"
"$ORMSH" --database "sqlite:///$T/c.db" -e 'print(Album.query:count())
Artist = db.Model("Artist", { ArtistId = db.Column(db.Integer, { primary_key = true }) })' >out 2>err && fail "redefined a used class"
grep -q "model 'Artist' is already defined (reflected from the database and already used" err || fail "used: $(cat err)"

# db.reflect() inside an app: only the tables no model maps
mkdir app
cat >app/app.lua <<LUA
return { name = "x", database = "sqlite:///$T/c.db", models = { "models" } }
LUA
cat >app/models.lua <<'LUA'
Singer = db.Model("Singer", { __tablename = "Artist",
  ArtistId = db.Column(db.Integer, { primary_key = true }), Name = db.Column(db.String(120)) })
LUA
"$ORMSH" --app app -e 'local n = db.reflect(); print(table.concat(n, " ")); print(Album.query:get(1).artist.Name, Artist)' >out 2>err ||
  fail "db.reflect in an app: $(cat err)"
printf 'Album Employee\nAC/DC\tnil\n' >want
diff -u want out || fail "db.reflect in an app"

# databases that cannot be opened or read
"$ORMSH" --database "sqlite:///$T/no/such/dir/x.db" -e 'print(1)' >out 2>err && fail "missing dir opened"
[ "$(wc -l <err)" -eq 1 ] && grep -q "unable to open database file" err || fail "missing dir: $(cat err)"
echo "not a database at all, not at all" >bad.db
"$ORMSH" --database "sqlite:///$T/bad.db" -e 'print(1)' >out 2>err && fail "garbage opened"
[ "$(wc -l <err)" -eq 1 ] && grep -q "bad.db" err && grep -q "not a database" err || fail "garbage: $(cat err)"
[ ! -s out ] || fail "output from a failed start: $(cat out)"
exit 0
