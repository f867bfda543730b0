/* backend.c — the list of backends (backend.h): the one place a backend is
 * added, each entry naming its dialect (dialect.c), driver (driver_*.c),
 * migration hooks (migrate_*.c), reflection hooks (reflect_*.c) and the
 * statements its read replicas are asked. */
#include "backend.h"

#include <assert.h>
#include <string.h>
#include <strings.h>

#include "dialect.h"
#include "driver.h"
#include "migrate_int.h"
#include "reflect.h"
#include "reflect_server.h"

extern const orm_driver orm_driver_sqlite;
extern const orm_driver orm_driver_pg;
extern const orm_driver orm_driver_mysql;

static const char *const sqlite_schemes[] = {"sqlite", NULL};
static const char *const pg_schemes[] = {"postgresql", "postgres", NULL};
static const char *const mysql_schemes[] = {"mysql", "mariadb", NULL};

/* PostgreSQL streaming replication: positions are WAL locations. */
static const orm_replication pg_replication = {
    .position_sql = "SELECT pg_current_wal_insert_lsn()::text",
    .replayed_sql = "SELECT CASE WHEN pg_last_wal_replay_lsn() >= $1::pg_lsn THEN 1 ELSE 0 END",
    .wait_param = 0,
    .lag_sql = "SELECT CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0 ELSE "
               "COALESCE(EXTRACT(EPOCH FROM clock_timestamp() - pg_last_xact_replay_timestamp()), "
               "0) END::float8",
};

/* MariaDB replication: positions are GTID sets; the replica waits itself
 * (MASTER_GTID_WAIT answers 0 when replayed, -1 when it timed out). */
static const orm_replication mysql_replication = {
    .position_sql = "SELECT @@gtid_binlog_pos",
    .replayed_sql = "SELECT MASTER_GTID_WAIT(?, ?)",
    .wait_param = 1,
    .lag_sql = NULL,
};

static const orm_backend backends[] = {
    {
        .name = "sqlite",
        .schemes = sqlite_schemes,
        .url_is_file = 1,
        .dialect = &orm_dialect_sqlite,
        .driver = &orm_driver_sqlite,
        .migrate = &orm_mig_sqlite,
        .reflect = &orm_reflect_sqlite,
        .replication = NULL, /* a file: no replication to wait for */
    },
    {
        .name = "postgresql",
        .schemes = pg_schemes,
        .dialect = &orm_dialect_pg,
        .driver = &orm_driver_pg,
        .migrate = &orm_mig_pg,
        .reflect = &orm_reflect_pg,
        .replication = &pg_replication,
    },
    {
        .name = "mysql",
        .schemes = mysql_schemes,
        .dialect = &orm_dialect_mysql,
        .driver = &orm_driver_mysql,
        .migrate = &orm_mig_mysql,
        .reflect = &orm_reflect_mysql,
        .replication = &mysql_replication,
    },
};
#define NBACKENDS (sizeof backends / sizeof backends[0])

const orm_backend *orm_backend_for_scheme_n(const char *scheme, size_t n)
{
    for (size_t i = 0; scheme && i < NBACKENDS; i++)
        for (const char *const *s = backends[i].schemes; *s; s++)
            if (strlen(*s) == n && strncasecmp(*s, scheme, n) == 0) return &backends[i];
    return NULL;
}

const orm_backend *orm_backend_for_scheme(const char *scheme)
{
    return scheme ? orm_backend_for_scheme_n(scheme, strlen(scheme)) : NULL;
}

const orm_backend *orm_backend_of_driver(const orm_driver *drv)
{
    for (size_t i = 0; drv && i < NBACKENDS; i++)
        if (backends[i].driver == drv) return &backends[i];
    return NULL;
}

const orm_backend *orm_backend_at(size_t i)
{
    assert(NBACKENDS > 0 && strcmp(backends[0].schemes[0], backends[0].name) == 0);
    return i < NBACKENDS ? &backends[i] : NULL;
}
