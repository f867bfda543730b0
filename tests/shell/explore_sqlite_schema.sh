#!/bin/sh
# explore_sqlite_schema — `.schema` on SQLite shows the DDL as the database
# keeps it (sqlite_master), as the sqlite3 shell does: a table written by
# another tool keeps its own spelling, CHECK constraints, generated columns,
# indexes and triggers, whatever the case of the name asked for (it was DDL
# rebuilt from reflection, which had none of the CHECK, the generated column
# or the trigger).
set -u
sqlite3 t.db "CREATE TABLE [Track] (
  [TrackId] INTEGER PRIMARY KEY AUTOINCREMENT,
  [Name] NVARCHAR(200) NOT NULL CHECK (length(Name) > 0),
  [Milliseconds] INTEGER NOT NULL,
  [Minutes] REAL GENERATED ALWAYS AS (Milliseconds / 60000.0) VIRTUAL
);
CREATE INDEX [IFK_TrackName] ON [Track] ([Name]);
CREATE TABLE log (msg TEXT);
CREATE TRIGGER track_log AFTER INSERT ON Track BEGIN INSERT INTO log VALUES (NEW.Name); END;
CREATE VIEW long_tracks AS SELECT * FROM Track WHERE Milliseconds > 600000;" ||
    { echo "cannot make the database"; exit 1; }
printf '.schema track\n.schema long_tracks\n' | "$ORMSH" --database sqlite:///t.db -i >out 2>err
fail() { echo "FAIL: $*"; cat out err; exit 1; }
cat >want <<'SQL'
CREATE TABLE [Track] (
  [TrackId] INTEGER PRIMARY KEY AUTOINCREMENT,
  [Name] NVARCHAR(200) NOT NULL CHECK (length(Name) > 0),
  [Milliseconds] INTEGER NOT NULL,
  [Minutes] REAL GENERATED ALWAYS AS (Milliseconds / 60000.0) VIRTUAL
);
CREATE INDEX [IFK_TrackName] ON [Track] ([Name]);
CREATE TRIGGER track_log AFTER INSERT ON Track BEGIN INSERT INTO log VALUES (NEW.Name); END;
SQL
sed 's/^>>> //' out | grep -v '^>>>' >got || true
diff want got || fail ".schema Track is not the stored DDL"
grep -q 'ormsh: \.schema: no such table: long_tracks' err || fail ".schema of a view"
echo ok
