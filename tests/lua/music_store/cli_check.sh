#!/bin/sh
# music_store/cli_check.sh — asks the questions of music_store.lua with each
# backend's own CLI (sqlite3, psql, mariadb) on the same rows (data.sql),
# over a schema written by hand (cli_ddl.sql), to check the test's expected
# answers by hand. Not run by tests/run.sh; run it from anywhere:
#   sh tests/lua/music_store/cli_check.sh
# It starts throwaway servers with tests/servers.sh and stops them on exit.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../../.." && pwd)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/music_store_cli.XXXXXX")
SRV_ROOT=$WORK/servers
. "$ROOT/tests/servers.sh"
trap 'servers_stop_all; rm -rf "$WORK"' EXIT
body() { grep -v '^--' "$1"; }
echo "== sqlite3 (julianday() on both sides of a date comparison, as ormsh writes it)"
{ body "$HERE/cli_ddl.sql" | sed 's/DTYPE/DATETIME/'; body "$HERE/data.sql"; } | sqlite3 "$WORK/s.db"
body "$HERE/cli_queries.sql" | sed 's/D(\([^)]*\))/julianday(\1)/g' | sqlite3 -separator ' ' "$WORK/s.db"
echo "== sqlite3, dates compared as plain text (what ormsh did before: q1 finds 4, q2 nothing)"
body "$HERE/cli_queries.sql" | sed 's/D(\([^)]*\))/\1/g' | grep "'q[12]'" | sqlite3 -separator ' ' "$WORK/s.db"
server_start postgresql || exit 1
server_start mysql || exit 1
echo "== psql"
server_createdb postgresql ms
export PGPASSWORD=$SRV_PG_PASSWORD
U="postgresql://$SRV_PG_USER@127.0.0.1:$SRV_PG_PORT/ms"
{ body "$HERE/cli_ddl.sql" | sed 's/DTYPE/TIMESTAMP/'; body "$HERE/data.sql"; } | psql -X -q -v ON_ERROR_STOP=1 -d "$U" >/dev/null
body "$HERE/cli_queries.sql" | sed "s/D(\('[^']*'\))/CAST(\1 AS TIMESTAMP)/g; s/D(\([^)]*\))/\1/g" |
    psql -X -q -At -F ' ' -d "$U"
echo "== mariadb"
server_createdb mysql ms
export MYSQL_PWD=$SRV_MY_PASSWORD
my() { mariadb --no-defaults -h 127.0.0.1 -P "$SRV_MY_PORT" -u "$SRV_MY_USER" "$@" ms; }
{ body "$HERE/cli_ddl.sql" | sed 's/DTYPE/DATETIME/'; body "$HERE/data.sql"; } | my
body "$HERE/cli_queries.sql" | sed "s/D(\('[^']*'\))/CAST(\1 AS DATETIME)/g; s/D(\([^)]*\))/\1/g" |
    my -N -B | tr '\t' ' '
