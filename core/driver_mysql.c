/* driver_mysql.c — the MySQL/MariaDB driver on libmariadb: the orm_driver
 * table orm_driver_mysql and the connection. The session is made to behave
 * like the other backends at connect: strict SQL mode, '||' concatenates,
 * '\\' is an ordinary character, "double quotes" name identifiers,
 * UPDATE/DELETE count matched rows (CLIENT_FOUND_ROWS). Every failure
 * copies the server's message into conn->err at once, classified by its
 * error number in classify(). Statements are in driver_mysql_stmt.c, the
 * interrupt helper in driver_mysql_kill.c (driver_mysql_int.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dialect.h"
#include "driver_mysql_int.h"

extern const orm_driver orm_driver_mysql;

/* Server and client error numbers to error classes. */
static orm_errclass classify(unsigned no)
{
    switch (no) {
    case 1022: /* ER_DUP_KEY */
    case 1048: /* ER_BAD_NULL_ERROR */
    case 1062: /* ER_DUP_ENTRY */
    case 1169: /* ER_DUP_UNIQUE */
    case 1216: /* ER_NO_REFERENCED_ROW */
    case 1217: /* ER_ROW_IS_REFERENCED */
    case 1364: /* ER_NO_DEFAULT_FOR_FIELD */
    case 1451: /* ER_ROW_IS_REFERENCED_2 */
    case 1452: /* ER_NO_REFERENCED_ROW_2 */
    case 1557: /* ER_FOREIGN_DUPLICATE_KEY */
    case 1586: /* ER_DUP_ENTRY_WITH_KEY_NAME */
    case 4025: /* ER_CONSTRAINT_FAILED (CHECK) */
        return ORM_ERR_INTEGRITY;
    case 1040: /* too many connections */
    case 1045: /* access denied */
    case 1049: /* unknown database */
    case 1053: /* server shutdown */
    case 1205: /* lock wait timeout */
    case 1213: /* deadlock */
    case 1317: /* query interrupted */
    case 1969: /* statement timeout */
    case 1037: /* ER_OUTOFMEMORY */
    case 1038: /* ER_OUT_OF_SORTMEMORY */
    case 3024: /* max execution time */
        return ORM_ERR_OPERATIONAL;
    case 1044: /* no access to database */
    case 1050: /* table exists */
    case 1051: /* unknown table */
    case 1054: /* unknown column */
    case 1060: /* duplicate column name */
    case 1061: /* duplicate key name */
    case 1064: /* syntax */
    case 1091: /* can't drop */
    case 1142: /* command denied */
    case 1146: /* no such table */
    case 1210: /* wrong arguments */
    case 1305: /* no such function */
    case 1582: /* wrong parameter count */
    case 1630: /* no such function */
    case 2014: /* commands out of sync */
    case 2030: /* statement not prepared */
    case 2031: /* no data for parameters */
    case 2034: /* invalid parameter number */
    case 2036: /* unsupported buffer type */
        return ORM_ERR_PROGRAMMING;
    case 1292: /* truncated incorrect value */
    case 1264: /* out of range */
    case 1365: /* division by 0 */
    case 1366: /* incorrect string/integer value */
    case 1406: /* data too long */
    case 1411: /* incorrect value for function */
    case 1690: /* value out of range */
    case 1390: /* ER_PS_MANY_PARAM: more than 65535 placeholders */
    case 3140: /* invalid JSON */
    case 4038: /* syntax error in JSON */
        return ORM_ERR_DATA;
    default:
        /* client errors (2000-2999: lost connection...) and any other server
         * error: OperationalError, as Python's MySQL drivers report them */
        return no >= 1000 ? ORM_ERR_OPERATIONAL : ORM_ERR_ERROR;
    }
}

static int fail_with(my_conn *c, unsigned no, const char *msg, const char *sql)
{
    if (!msg || !*msg) msg = "unknown error";
    if (orm_error_set(&c->base.err, classify(no), (int)no, "%s", msg) == ORM_ENOMEM)
        return ORM_ENOMEM;
    if (sql) orm_error_attach_sql(&c->base.err, sql, NULL, 0);
    return no == 2008 ? ORM_ENOMEM : ORM_EFAIL;
}

static int fail_conn(my_conn *c, const char *sql)
{
    return fail_with(c, mysql_errno(c->my), mysql_error(c->my), sql);
}

int orm_my_fail_stmt(my_stmt *s)
{
    return fail_with(s->conn, mysql_stmt_errno(s->st), mysql_stmt_error(s->st), s->sql);
}

/* Runs sql (any number of statements); results are discarded. */
static int run(my_conn *c, const char *sql)
{
    if (mysql_real_query(c->my, sql, strlen(sql)) != 0) return fail_conn(c, sql);
    for (;;) {
        MYSQL_RES *res = mysql_store_result(c->my);
        if (res)
            mysql_free_result(res);
        else if (mysql_field_count(c->my) != 0)
            return fail_conn(c, sql);
        int more = mysql_next_result(c->my);
        if (more > 0) return fail_conn(c, sql);
        if (more < 0) break;
    }
    return ORM_OK;
}

static void my_close_conn(orm_conn *base)
{
    if (!base) return;
    my_conn *c = CONN(base);
    orm_my_killer_stop(&c->kill);
    if (c->my) mysql_close(c->my); /* the server rolls back an open transaction */
    orm_error_clear(&c->base.err);
    free(c->base.display_url);
    free(c);
}

/* The settings that make MySQL read the SQL the compiler writes the way
 * SQLite and PostgreSQL do. */
static const char session_setup[] =
    "SET SESSION sql_mode = 'STRICT_ALL_TABLES,NO_ZERO_IN_DATE,NO_ZERO_DATE,"
    "ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION,PIPES_AS_CONCAT,"
    "NO_BACKSLASH_ESCAPES,ANSI_QUOTES', NAMES utf8mb4 COLLATE utf8mb4_bin, autocommit = 1";

/* ER_CANT_EXECUTE_IN_READ_ONLY_TRANSACTION. */
static int my_is_read_only_refusal(int code)
{
    return code == 1792;
}

/* INSERT ... RETURNING: MariaDB has it since 10.5, MySQL not at all. The
 * server's greeting names it: "10.11.6-MariaDB-1" (MariaDB 11 and later
 * send it so), or "5.5.5-10.11.6-MariaDB-1" (the prefix older MariaDB
 * servers put before their version for old clients: skipped). */
static int server_returning(const char *info)
{
    if (!info || !strstr(info, "MariaDB")) return 0;
    if (strncmp(info, "5.5.5-", 6) == 0) info += 6;
    unsigned major = 0, minor = 0;
    if (sscanf(info, "%u.%u", &major, &minor) != 2) return 0;
    return major > 10 || (major == 10 && minor >= 5);
}

/* The URL's options (as SQLAlchemy's mysql URLs write them): charset (the
 * connection is utf8mb4 whatever is said, so only UTF-8 names pass),
 * connect_timeout (seconds) and unix_socket. */
static int check_params(const orm_url *url, unsigned *timeout, orm_error *err)
{
    static const char *const known[] = {"charset", "connect_timeout", "unix_socket", NULL};
    int rc = orm_url_check_params(url, known, err);
    const char *cs = orm_url_param(url, "charset"), *t = orm_url_param(url, "connect_timeout");
    if (rc == ORM_OK && cs && strcmp(cs, "utf8mb4") != 0 && strcmp(cs, "utf8") != 0 &&
        strcmp(cs, "utf8mb3") != 0)
        rc = orm_error_set(err, ORM_ERR_ARGUMENT, 0,
                           "charset '%s' in the mysql URL: ormsh always speaks utf8mb4 with the "
                           "server",
                           cs);
    char *end = NULL;
    long v = t ? strtol(t, &end, 10) : 0;
    if (rc == ORM_OK && t && (end == t || *end || v < 1 || v > 3600))
        rc = orm_error_set(err, ORM_ERR_ARGUMENT, 0,
                           "connect_timeout '%s' in the mysql URL: a number of seconds from 1 to "
                           "3600",
                           t);
    if (t && rc == ORM_OK) *timeout = (unsigned)v;
    return rc;
}

static int my_open(orm_conn **out, const orm_url *url, const orm_open_opts *opts, orm_error *err)
{
    *out = NULL;
    unsigned timeout = 10;
    if (check_params(url, &timeout, err) < 0) return ORM_EFAIL;
    my_conn *c = calloc(1, sizeof *c);
    if (!c) return orm_error_oom(err);
    c->base.drv = &orm_driver_mysql;
    c->kill.pipe[0] = c->kill.pipe[1] = -1;
    if (!(c->my = mysql_init(NULL))) {
        free(c);
        return orm_error_oom(err);
    }
    mysql_options(c->my, MYSQL_SET_CHARSET_NAME, "utf8mb4");
    mysql_options(c->my, MYSQL_OPT_CONNECT_TIMEOUT, &timeout);
    const char *db = url->database && url->database[0] ? url->database : NULL;
    /* password NULL: libmariadb takes MYSQL_PWD from the environment */
    if (!mysql_real_connect(c->my, url->host, url->user, url->password, db, (unsigned)url->port,
                            orm_url_param(url, "unix_socket"),
                            CLIENT_FOUND_ROWS | CLIENT_MULTI_STATEMENTS)) {
        unsigned no = mysql_errno(c->my);
        const char *user = url->user ? url->user : getenv("USER");
        orm_error_set(err, ORM_ERR_OPERATIONAL, (int)no,
                      "could not connect to MySQL at host %s, port %d, database %s as user %s: %s",
                      url->host ? url->host : "localhost", url->port ? url->port : 3306,
                      db ? db : "(none)", user ? user : "(default)", mysql_error(c->my));
        my_close_conn(&c->base);
        return ORM_EFAIL;
    }
    int rc = run(c, session_setup);
    if (rc >= 0 && opts && opts->read_only) rc = run(c, "SET SESSION TRANSACTION READ ONLY");
    if (rc < 0) {
        orm_error_move(err, &c->base.err);
        my_close_conn(&c->base);
        return rc;
    }
    c->returning = server_returning(mysql_get_server_info(c->my));
    orm_my_killer_start(c, url);
    *out = &c->base;
    return ORM_OK;
}

static int my_exec(orm_conn *base, const char *sql)
{
    return run(CONN(base), sql);
}

static int64_t my_last_insert_id(orm_conn *base)
{
    return CONN(base)->last_id;
}

static int my_returning(orm_conn *base)
{
    return CONN(base)->returning;
}

static int my_in_transaction(orm_conn *base)
{
    unsigned int status = 0;
    if (mariadb_get_infov(CONN(base)->my, MARIADB_CONNECTION_SERVER_STATUS, &status) != 0) return 0;
    return (status & SERVER_STATUS_IN_TRANS) != 0;
}

static int my_set_foreign_keys(orm_conn *base, int on)
{
    return run(CONN(base), on ? "SET foreign_key_checks = 1" : "SET foreign_key_checks = 0");
}

const orm_driver orm_driver_mysql = {
    .open = my_open,
    .close = my_close_conn,
    .prepare = orm_my_prepare,
    .bind = orm_my_bind,
    .step = orm_my_step,
    .column_count = orm_my_column_count,
    .column_name = orm_my_column_name,
    .column_value = orm_my_column_value,
    .column_peek = orm_my_column_peek,
    .reset = orm_my_reset,
    .finalize = orm_my_finalize,
    .exec = my_exec,
    .changes = orm_my_changes,
    .last_insert_id = my_last_insert_id,
    .begin = NULL, /* BEGIN, COMMIT, ROLLBACK through exec */
    .commit = NULL,
    .rollback = NULL,
    .interrupt = orm_my_interrupt,
    .is_read_only_refusal = my_is_read_only_refusal,
    .in_transaction = my_in_transaction,
    .set_foreign_keys = my_set_foreign_keys,
    .clear_bindings = orm_my_clear_bindings,
    .returning = my_returning,
    .stream = orm_my_stream,
};
