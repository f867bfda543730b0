/* memory_db.h — what the migration and reflection unit tests share: an
 * in-memory SQLite connection (the caller closes it) and running one
 * statement that must succeed. Included by one test file each (after
 * cmocka.h), so the helpers are static. */
#ifndef TESTS_MEMORY_DB_H
#define TESTS_MEMORY_DB_H

#include "driver.h"
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

#endif
