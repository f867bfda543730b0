# tests/servers.sh — throwaway PostgreSQL and MariaDB servers for the tests,
# sourced by tests/run.sh (POSIX sh). Each server lives in a directory under
# $SRV_ROOT, listens on 127.0.0.1 on a port of its own and on a Unix socket
# there; nothing outside that directory is touched, and servers_stop_all
# (run from the caller's EXIT trap) stops every server started.
#   server_start BACKEND   starts it (0) or says loudly why not (1)
#   server_url BACKEND DB  prints a URL for a fresh database named DB
#   server_createdb BACKEND DB / server_dropdb BACKEND DB
#   servers_stop_all
#   server_my_pair_start   a MariaDB primary (binlog, GTID) with a replica
#                          (CHANGE MASTER TO ... MASTER_USE_GTID=slave_pos) of
#                          their own; sets SRV_MYP_PORT / SRV_MYR_PORT and
#                          SRV_MYR_STOP_SQL (stops the replica's SQL thread)
#   server_pg_standby_start  a streaming hot standby of the PostgreSQL server
#                          (pg_basebackup -R), on a port of its own; sets
#                          SRV_PG_STANDBY_PORT, and SRV_PG_STANDBY_STOP /
#                          SRV_PG_STANDBY_START (commands: hard stop, start again)
#   server_check BACKEND   after a failure: 1, with the server log's tail,
#                          when the server no longer answers (asked, not
#                          kill -0: a dead server can linger as a zombie)
# The test role has a password (in the URL: the tests check it is never shown).
SRV_PG_USER=ormsh
SRV_PG_PASSWORD=pg-Secret-7
SRV_MY_USER=ormsh
SRV_MY_PASSWORD=my-Secret-7
SRV_STARTED=""

srv_log() { echo "servers: $*" >&2; }

# A port from 20000..59999 that nothing listens on (best effort: the server
# start retries with the next one when it is taken after all).
srv_port() {
    p=$(( (20000 + $$ * 7 + $1) % 40000 + 20000 ))
    echo "$p"
}

srv_pg_bindir() {
    for d in "$(pg_config --bindir 2>/dev/null)" $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
        [ -n "$d" ] && [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] && { echo "$d"; return 0; }
    done
    return 1
}

srv_as_postgres() {
    if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

srv_pg_start() {
    bin=$(srv_pg_bindir) || { srv_log "postgresql: server binaries not found (initdb, pg_ctl) — install postgresql or run with BACKENDS=sqlite"; return 1; }
    command -v psql >/dev/null 2>&1 || { srv_log "postgresql: psql not found — install postgresql-client or run with BACKENDS=sqlite"; return 1; }
    d="$SRV_ROOT/pg"; mkdir -p "$d"
    if [ "$(id -u)" -eq 0 ]; then
        id postgres >/dev/null 2>&1 || { srv_log "postgresql: no 'postgres' user to run initdb as (initdb refuses root)"; return 1; }
        # the postgres user must reach its directory: open the way (search only)
        chmod 711 "$SRV_ROOT" "$(dirname "$SRV_ROOT")"; chown postgres "$d"
    fi
    printf '%s\n' "$SRV_PG_PASSWORD" >"$d/pwfile"
    [ "$(id -u)" -eq 0 ] && chown postgres "$d/pwfile"
    if ! srv_as_postgres "$bin/initdb" -D "$d/data" -U postgres -A trust --auth-host=scram-sha-256 \
            -E UTF8 --locale=C.UTF-8 --no-sync >"$d/initdb.log" 2>&1; then
        srv_log "postgresql: initdb failed:"; sed 's/^/  /' "$d/initdb.log" >&2; return 1
    fi
    tries=0; port=$(srv_port 1)
    while :; do
        if srv_as_postgres "$bin/pg_ctl" -D "$d/data" -l "$d/server.log" -w -t 60 \
                -o "-p $port -k $d -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=50" \
                start >"$d/pg_ctl.log" 2>&1; then
            break
        fi
        tries=$((tries + 1)); port=$((port + 1))
        if [ "$tries" -ge 5 ]; then srv_log "postgresql: the server did not start:"; tail -20 "$d/server.log" >&2; return 1; fi
    done
    SRV_PG_BIN=$bin; SRV_PG_PORT=$port; SRV_PG_SOCK=$d
    SRV_STARTED="$SRV_STARTED postgresql"
    srv_pg_psql postgres -c "CREATE ROLE $SRV_PG_USER LOGIN SUPERUSER PASSWORD '$SRV_PG_PASSWORD'" >/dev/null || return 1
    return 0
}

srv_pg_psql() {
    srv_db=$1; shift
    psql -X -q -v ON_ERROR_STOP=1 -h "$SRV_PG_SOCK" -p "$SRV_PG_PORT" -U postgres -d "$srv_db" "$@"
}

srv_pg_stop() {
    [ -n "${SRV_PG_PORT:-}" ] || return 0
    srv_as_postgres "$SRV_PG_BIN/pg_ctl" -D "$SRV_ROOT/pg/data" -m immediate -w stop >/dev/null 2>&1
    SRV_PG_PORT=""
}

server_pg_standby_start() {
    [ -n "${SRV_PG_STANDBY_PORT:-}" ] && return 0
    [ -n "${SRV_PG_PORT:-}" ] || { srv_log "postgresql standby: the primary is not running"; return 1; }
    d="$SRV_ROOT/pg"
    # the default wal_level (replica), max_wal_senders and the local replication
    # line of initdb's pg_hba.conf are all a streaming standby needs
    if ! srv_as_postgres "$SRV_PG_BIN/pg_basebackup" -h "$SRV_PG_SOCK" -p "$SRV_PG_PORT" -U postgres \
            -D "$d/standby" -R -X stream -c fast --no-sync >"$d/basebackup.log" 2>&1; then
        srv_log "postgresql standby: pg_basebackup failed:"; sed 's/^/  /' "$d/basebackup.log" >&2; return 1
    fi
    port=$((SRV_PG_PORT + 100))
    pfx=""; [ "$(id -u)" -eq 0 ] && pfx="runuser -u postgres --"
    SRV_PG_STANDBY_STOP="$pfx $SRV_PG_BIN/pg_ctl -D $d/standby -m immediate -w stop"
    tries=0
    while :; do # the next port when this one is taken (another run's server)
        SRV_PG_STANDBY_START="$pfx $SRV_PG_BIN/pg_ctl -D $d/standby -l $d/standby.log -w -t 60 -o '-p $port -k $d -c listen_addresses=127.0.0.1 -c fsync=off -c hot_standby=on -c max_connections=50' start"
        sh -c "$SRV_PG_STANDBY_START" >"$d/standby_ctl.log" 2>&1 && break
        tries=$((tries + 1)); port=$((port + 1))
        if [ "$tries" -ge 5 ]; then srv_log "postgresql standby: the server did not start:"; tail -20 "$d/standby.log" >&2; return 1; fi
    done
    SRV_PG_STANDBY_PORT=$port
    export SRV_PG_STANDBY_START SRV_PG_STANDBY_STOP
    return 0
}

srv_pg_standby_stop() {
    [ -n "${SRV_PG_STANDBY_PORT:-}" ] || return 0
    sh -c "$SRV_PG_STANDBY_STOP" >/dev/null 2>&1
    SRV_PG_STANDBY_PORT=""
}

srv_my_start() {
    server=$(command -v mariadbd || command -v mysqld || ls /usr/sbin/mariadbd /usr/sbin/mysqld 2>/dev/null | head -1)
    install=$(command -v mariadb-install-db || command -v mysql_install_db)
    client=$(command -v mariadb || command -v mysql)
    if [ -z "$server" ] || [ -z "$install" ] || [ -z "$client" ]; then
        srv_log "mysql: server binaries not found (mariadbd, mariadb-install-db, mariadb) — install mariadb-server or run with BACKENDS=sqlite"
        return 1
    fi
    d="$SRV_ROOT/my"; mkdir -p "$d"
    user=$(id -un)
    if ! "$install" --no-defaults --datadir="$d/data" --user="$user" --auth-root-authentication-method=normal \
            --skip-test-db >"$d/install.log" 2>&1; then
        srv_log "mysql: mariadb-install-db failed:"; tail -20 "$d/install.log" >&2; return 1
    fi
    tries=0; port=$(srv_port 2)
    while :; do
        "$server" --no-defaults --datadir="$d/data" --socket="$d/sock" --port="$port" \
            --bind-address=127.0.0.1 --pid-file="$d/pid" --log-error="$d/server.log" --user="$user" \
            --skip-log-bin --innodb-flush-log-at-trx-commit=0 --innodb-doublewrite=0 \
            --innodb-buffer-pool-size=64M --innodb-lock-wait-timeout=5 \
            --character-set-server=utf8mb4 --collation-server=utf8mb4_bin >/dev/null 2>&1 &
        SRV_MY_PID=$!
        i=0
        while [ $i -lt 300 ]; do
            if "$client" --no-defaults -S "$d/sock" -u root -e "SELECT 1" >/dev/null 2>&1; then break; fi
            kill -0 "$SRV_MY_PID" 2>/dev/null || break
            sleep 0.1; i=$((i + 1))
        done
        if kill -0 "$SRV_MY_PID" 2>/dev/null && [ $i -lt 300 ]; then break; fi
        kill "$SRV_MY_PID" 2>/dev/null; wait "$SRV_MY_PID" 2>/dev/null
        tries=$((tries + 1)); port=$((port + 1))
        if [ "$tries" -ge 5 ]; then srv_log "mysql: the server did not start:"; tail -20 "$d/server.log" >&2; SRV_MY_PID=""; return 1; fi
    done
    SRV_MY_PORT=$port; SRV_MY_SOCK="$d/sock"; SRV_MY_CLIENT=$client
    SRV_STARTED="$SRV_STARTED mysql"
    srv_my_sql "CREATE USER '$SRV_MY_USER'@'%' IDENTIFIED BY '$SRV_MY_PASSWORD'; GRANT ALL ON *.* TO '$SRV_MY_USER'@'%';" || return 1
    return 0
}

# srv_my_launch DIR PORTIDX ARGS...: a mariadbd in DIR (made by
# mariadb-install-db) answering on DIR/sock; sets SRV_L_PID and SRV_L_PORT.
srv_my_launch() {
    ld=$1; lp=$(srv_port "$2"); shift 2
    server=$(command -v mariadbd || command -v mysqld || ls /usr/sbin/mariadbd /usr/sbin/mysqld 2>/dev/null | head -1)
    install=$(command -v mariadb-install-db || command -v mysql_install_db)
    client=$(command -v mariadb || command -v mysql)
    [ -n "$server" ] && [ -n "$install" ] && [ -n "$client" ] || return 1
    mkdir -p "$ld"; user=$(id -un)
    "$install" --no-defaults --datadir="$ld/data" --user="$user" --auth-root-authentication-method=normal \
        --skip-test-db >"$ld/install.log" 2>&1 || { srv_log "mysql: install in $ld failed"; return 1; }
    tries=0
    while :; do
        "$server" --no-defaults --datadir="$ld/data" --socket="$ld/sock" --port="$lp" \
            --bind-address=127.0.0.1 --pid-file="$ld/pid" --log-error="$ld/server.log" --user="$user" \
            --innodb-flush-log-at-trx-commit=0 --innodb-doublewrite=0 --innodb-buffer-pool-size=32M \
            --character-set-server=utf8mb4 --collation-server=utf8mb4_bin "$@" >/dev/null 2>&1 &
        SRV_L_PID=$!
        i=0
        while [ $i -lt 300 ]; do
            "$client" --no-defaults -S "$ld/sock" -u root -e "SELECT 1" >/dev/null 2>&1 && break
            kill -0 "$SRV_L_PID" 2>/dev/null || break
            sleep 0.1; i=$((i + 1))
        done
        if kill -0 "$SRV_L_PID" 2>/dev/null && [ $i -lt 300 ]; then break; fi
        kill "$SRV_L_PID" 2>/dev/null; wait "$SRV_L_PID" 2>/dev/null
        tries=$((tries + 1)); lp=$((lp + 1))
        if [ "$tries" -ge 5 ]; then srv_log "mysql: the server in $ld did not start:"; tail -20 "$ld/server.log" >&2; SRV_L_PID=""; return 1; fi
    done
    SRV_L_PORT=$lp
    return 0
}

server_my_pair_start() {
    [ -n "${SRV_MYR_PORT:-}" ] && return 0
    client=$(command -v mariadb || command -v mysql)
    srv_my_launch "$SRV_ROOT/myp" 3 --log-bin=binlog --server-id=1 --binlog-format=ROW || return 1
    SRV_MYP_PID=$SRV_L_PID; SRV_MYP_PORT=$SRV_L_PORT
    "$client" --no-defaults -S "$SRV_ROOT/myp/sock" -u root -e "
        CREATE USER 'repl'@'%' IDENTIFIED BY 'repl-7'; GRANT REPLICATION SLAVE ON *.* TO 'repl'@'%';
        CREATE USER '$SRV_MY_USER'@'%' IDENTIFIED BY '$SRV_MY_PASSWORD'; GRANT ALL ON *.* TO '$SRV_MY_USER'@'%';" ||
        return 1
    # flush at commit to the OS: the replica's GTID position survives a kill -9
    srv_my_launch "$SRV_ROOT/myr" 4 --skip-log-bin --server-id=2 --innodb-flush-log-at-trx-commit=2 || return 1
    SRV_MYR_PID=$SRV_L_PID; SRV_MYR_PORT=$SRV_L_PORT
    # for tests: a hard stop of the replica, and its start again (the same
    # data directory; the replication threads start with the server)
    r="$SRV_ROOT/myr"
    cat >"$r/start.sh" <<EOS
$(command -v mariadbd || command -v mysqld) --no-defaults --datadir="$r/data" --socket="$r/sock" --port="$SRV_MYR_PORT" \
  --bind-address=127.0.0.1 --pid-file="$r/pid" --log-error="$r/server.log" --user="$(id -un)" \
  --innodb-flush-log-at-trx-commit=2 --innodb-doublewrite=0 --innodb-buffer-pool-size=32M \
  --character-set-server=utf8mb4 --collation-server=utf8mb4_bin --skip-log-bin --server-id=2 >/dev/null 2>&1 &
i=0; while [ \$i -lt 300 ]; do env -u MYSQL_PWD $client --no-defaults -S "$r/sock" -u root -e "SELECT 1" >/dev/null 2>&1 && exit 0; sleep 0.1; i=\$((i + 1)); done; exit 1
EOS
    SRV_MYR_STOP="kill -9 \$(cat $r/pid)"
    SRV_MYR_START="sh $r/start.sh"
    "$client" --no-defaults -S "$SRV_ROOT/myr/sock" -u root -e "
        CHANGE MASTER TO MASTER_HOST='127.0.0.1', MASTER_PORT=$SRV_MYP_PORT, MASTER_USER='repl',
          MASTER_PASSWORD='repl-7', MASTER_USE_GTID=slave_pos, MASTER_CONNECT_RETRY=1;
        START SLAVE;" || { srv_log "mysql replica: CHANGE MASTER failed"; return 1; }
    return 0
}

srv_my_pair_stop() {
    [ -f "$SRV_ROOT/myr/pid" ] && kill -9 "$(cat "$SRV_ROOT/myr/pid")" 2>/dev/null
    for pid in ${SRV_MYR_PID:-} ${SRV_MYP_PID:-}; do
        kill "$pid" 2>/dev/null
        i=0; while kill -0 "$pid" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
        kill -9 "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
    done
    SRV_MYR_PID=""; SRV_MYP_PID=""; SRV_MYR_PORT=""
}

srv_my_sql() {
    "$SRV_MY_CLIENT" --no-defaults -S "$SRV_MY_SOCK" -u root -e "$1"
}

srv_my_stop() {
    [ -n "${SRV_MY_PID:-}" ] || return 0
    kill "$SRV_MY_PID" 2>/dev/null
    i=0; while kill -0 "$SRV_MY_PID" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
    kill -9 "$SRV_MY_PID" 2>/dev/null
    wait "$SRV_MY_PID" 2>/dev/null
    SRV_MY_PID=""
}

server_check() {
    case "$1" in
    postgresql)
        [ -n "${SRV_PG_PORT:-}" ] || return 0
        srv_pg_psql postgres -c "SELECT 1" >/dev/null 2>&1 && return 0
        log="$SRV_ROOT/pg/server.log" ;;
    mysql)
        [ -n "${SRV_MY_PID:-}" ] || return 0
        srv_my_sql "SELECT 1" >/dev/null 2>&1 && return 0
        log="$SRV_ROOT/my/server.log" ;;
    *) return 0 ;;
    esac
    srv_log "$1: the server is no longer running (the tests after this one fail too); the end of its log:"
    tail -40 "$log" 2>/dev/null | sed 's/^/  /' >&2
    return 1
}

server_start() {
    case "$1" in
    sqlite) return 0 ;;
    postgresql) srv_pg_start ;;
    mysql) srv_my_start ;;
    *) srv_log "unknown backend '$1' (known: sqlite postgresql mysql)"; return 1 ;;
    esac
}

server_createdb() {
    case "$1" in
    postgresql) srv_pg_psql postgres -c "CREATE DATABASE \"$2\"" >/dev/null ;;
    mysql) srv_my_sql "CREATE DATABASE \`$2\` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin" ;;
    esac
}

server_dropdb() {
    case "$1" in
    postgresql) srv_pg_psql postgres -c "DROP DATABASE IF EXISTS \"$2\" WITH (FORCE)" >/dev/null 2>&1 ;;
    mysql) srv_my_sql "DROP DATABASE IF EXISTS \`$2\`" >/dev/null 2>&1 ;;
    esac
}

server_url() {
    case "$1" in
    postgresql) echo "postgresql://$SRV_PG_USER:$SRV_PG_PASSWORD@127.0.0.1:$SRV_PG_PORT/$2" ;;
    mysql) echo "mysql://$SRV_MY_USER:$SRV_MY_PASSWORD@127.0.0.1:$SRV_MY_PORT/$2" ;;
    esac
}

servers_stop_all() {
    srv_my_pair_stop
    srv_pg_standby_stop
    srv_pg_stop
    srv_my_stop
}
