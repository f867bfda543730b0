/* memory_db.h — what the migration and reflection unit tests share: an
 * in-memory SQLite connection (the caller closes it), running one
 * statement that must succeed, the integer a one-row query gives, and the
 * check of a MigrationError. Included by one test file each (after
 * cmocka.h), so the helpers are static (inline: a file need not use all). */
#ifndef TESTS_MEMORY_DB_H
#define TESTS_MEMORY_DB_H

#include "driver.h"
#include "sqlq.h"
#include "url.h"

static orm_conn *open_memory(void)
{
    orm_url url;
    orm_error err;
    orm_error_init(&err);
    assert_int_equal(orm_url_parse(&url, "sqlite://", &err), 0);
    orm_conn *c = NULL;
    orm_open_opts opts = {0};
    assert_int_equal(orm_conn_open(&c, &url, &opts, &err), 0);
    orm_url_free(&url);
    return c;
}

static void exec(orm_conn *c, const char *sql)
{
    if (orm_conn_exec(c, sql) != ORM_OK) fail_msg("%s: %s", sql, c->err.message);
}

/* The first column of the one row sql gives, as an integer. */
static inline int64_t count(orm_conn *c, const char *sql)
{
    orm_sqlq q;
    if (orm_sqlq_open(&q, c, sql, NULL, 0) != ORM_OK) fail_msg("%s: %s", sql, c->err.message);
    assert_int_equal(orm_sqlq_step(&q), ORM_ROW);
    int64_t n = orm_sqlq_int(&q, 0);
    orm_sqlq_close(&q);
    return n;
}

/* rc is a MigrationError with exactly message (cleared after). */
static inline void migration_error(orm_conn *c, int rc, const char *message)
{
    assert_int_equal(rc, ORM_EFAIL);
    assert_int_equal(c->err.cls, ORM_ERR_MIGRATION);
    assert_string_equal(c->err.message, message);
    orm_error_clear(&c->err);
}

#endif
