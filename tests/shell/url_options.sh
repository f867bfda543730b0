#!/bin/sh
# url_options — the options after '?' in a database URL, and a scheme that
# names SQLAlchemy's Python driver (a Flask app's SQLALCHEMY_DATABASE_URI
# pasted as it is). Options used to be ignored without a word, and on SQLite
# they became part of the file name (sqlite:///t.db?mode=ro made a file
# "t.db?mode=ro"). Now: SQLite takes mode (ro, rw, rwc); PostgreSQL takes
# libpq's connection keywords (options=-csearch_path=... reaches tables of
# another schema); MariaDB takes charset (UTF-8 names only), connect_timeout
# and unix_socket. An unknown option or value is an ArgumentError naming it
# and what is taken, exit 1, before any connection. On every backend.
. "$ROOT/tests/shell/backend.inc"
new_app
mkdir -p "$APP/instance"
URL=${DATABASE_URL:-sqlite:///$DB}
# db_ URL ARGS... — ormsh on URL without an app; exit status in RC
db_() {
    u=$1; shift
    (cd "$TESTDIR" && "$ORMSH" --database "$u" "$@") >"$TESTDIR/out" 2>"$TESTDIR/err"
    RC=$?
}
refused() {
    db_ "$1" -e 'print("connected")'
    [ "$RC" -eq 1 ] || fail "$1: exit $RC, want 1: $(cat "$TESTDIR/out" "$TESTDIR/err")"
    [ "$(wc -l <"$TESTDIR/err")" -eq 1 ] || fail "$1: more than one line: $(cat "$TESTDIR/err")"
    has "$TESTDIR/err" "$2"
    hasnt "$TESTDIR/out" connected
}
sql "CREATE TABLE item (id INTEGER PRIMARY KEY, name VARCHAR(20))" >/dev/null || fail "cannot make the table"
sql "INSERT INTO item (id, name) VALUES (1, 'one')" >/dev/null || fail "cannot fill it"
scheme=${URL%%://*}
case "$BACKEND" in
sqlite)
    db_ "$URL?mode=ro" -e 'print(Item.query:get(1).name, db.url:match("%?mode=ro$") ~= nil)'
    [ "$RC" -eq 0 ] || fail "mode=ro: $(cat "$TESTDIR/err")"
    same "$TESTDIR/out" "one	true"
    db_ "$URL?mode=ro" -e 'db.session:add(Item{ id = 2, name = "two" }); db.session:commit()'
    [ "$RC" -eq 1 ] || fail "mode=ro wrote"
    has "$TESTDIR/err" "OperationalError: attempt to write a readonly database"
    [ -z "$(ls "$APP/instance" | grep '?')" ] || fail "a file named after the options: $(ls "$APP/instance")"
    refused "sqlite:///$TESTDIR/none.db?mode=rw" "unable to open database file: $TESTDIR/none.db (mode rw: the file must exist)"
    [ ! -e "$TESTDIR/none.db" ] || fail "mode=rw made the file"
    refused "$URL?mode=rx" "ArgumentError: mode 'rx' in the sqlite URL: use ro, rw or rwc"
    refused "$URL?timeout=5" "ArgumentError: unknown option 'timeout' in the sqlite URL (it takes: mode)"
    db_ "sqlite+pysqlite:///$DB" -e 'print(Item.query:count())'
    [ "$RC" -eq 0 ] || fail "sqlite+pysqlite: $(cat "$TESTDIR/err")"
    same "$TESTDIR/out" "1"
    ;;
postgresql)
    sql "CREATE SCHEMA sales; CREATE TABLE sales.deal (id serial PRIMARY KEY, amount integer);
INSERT INTO sales.deal (amount) VALUES (5)" >/dev/null || fail "cannot make the schema"
    db_ "$URL?options=-csearch_path%3Dsales&application_name=ormsh_url_test" \
        -e 'print(Deal.query:one().amount, Item == nil, db.session:execute(db.text("SELECT current_setting(\x27application_name\x27) AS a")):scalar())'
    [ "$RC" -eq 0 ] || fail "options: $(cat "$TESTDIR/err")"
    same "$TESTDIR/out" "5	true	ormsh_url_test"
    db_ "postgresql+psycopg2://${URL#*://}" -e 'print(Item.query:count())'
    [ "$RC" -eq 0 ] || fail "postgresql+psycopg2: $(cat "$TESTDIR/err")"
    same "$TESTDIR/out" "1"
    refused "$URL?sslmod=require" "ArgumentError: unknown option 'sslmod' in the postgresql URL (it takes libpq's connection keywords: sslmode, options, application_name ...)"
    refused "$URL?client_encoding=LATIN1" "ArgumentError: option 'client_encoding' in the postgresql URL: ormsh always speaks UTF8 with the server"
    ;;
mysql)
    db_ "mysql+pymysql://${URL#*://}?charset=utf8mb4&connect_timeout=5" -e 'print(Item.query:get(1).name)'
    [ "$RC" -eq 0 ] || fail "charset: $(cat "$TESTDIR/err")"
    same "$TESTDIR/out" "one"
    refused "$URL?charset=latin1" "ArgumentError: charset 'latin1' in the mysql URL: ormsh always speaks utf8mb4 with the server"
    refused "$URL?connect_timeout=soon" "ArgumentError: connect_timeout 'soon' in the mysql URL: a number of seconds from 1 to 3600"
    refused "$URL?ssl=1" "ArgumentError: unknown option 'ssl' in the mysql URL (it takes: charset, connect_timeout, unix_socket)"
    ;;
esac
refused "$URL?novalue" "ArgumentError: invalid database URL"
