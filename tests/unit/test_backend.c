/* test_backend.c — the backend record list: lookup by name and alias (any
 * case), unknown schemes, every record complete, lookup by driver, the URL
 * parser and a connection reaching the record, and the message for a scheme
 * no backend serves. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "backend.h"
#include "dialect.h"
#include "driver.h"
#include "url.h"

static void test_backend__names_and_aliases(void **state)
{
    (void)state;
    const orm_backend *sq = orm_backend_for_scheme("sqlite");
    const orm_backend *pg = orm_backend_for_scheme("postgresql");
    const orm_backend *my = orm_backend_for_scheme("mysql");
    assert_non_null(sq);
    assert_non_null(pg);
    assert_non_null(my);
    assert_string_equal(sq->name, "sqlite");
    assert_string_equal(pg->name, "postgresql");
    assert_string_equal(my->name, "mysql");
    assert_ptr_equal(orm_backend_for_scheme("postgres"), pg);
    assert_ptr_equal(orm_backend_for_scheme("mariadb"), my);
    assert_ptr_equal(orm_backend_for_scheme("PostgreSQL"), pg); /* schemes ignore case */
    assert_ptr_equal(orm_backend_for_scheme("MariaDB"), my);
    assert_ptr_equal(orm_backend_for_scheme_n("sqlite://x", 6), sq);
    assert_ptr_equal(sq->dialect, &orm_dialect_sqlite);
    assert_ptr_equal(pg->dialect, &orm_dialect_pg);
    assert_ptr_equal(my->dialect, &orm_dialect_mysql);
    assert_true(sq->url_is_file);
    assert_false(pg->url_is_file);
    assert_false(my->url_is_file);
    assert_null(sq->replication); /* a file: nothing to wait for */
    assert_non_null(pg->replication);
    assert_non_null(my->replication);
    assert_true(my->replication->wait_param);
    assert_false(pg->replication->wait_param);
}

static void test_backend__unknown_schemes(void **state)
{
    (void)state;
    assert_null(orm_backend_for_scheme("oracle"));
    assert_null(orm_backend_for_scheme(""));
    assert_null(orm_backend_for_scheme(NULL));
    assert_null(orm_backend_for_scheme("sqlite3"));     /* no prefix match */
    assert_null(orm_backend_for_scheme("postgresqlx")); /* nor a longer name */
    assert_null(orm_backend_for_scheme_n("sqlite", 3));
    assert_null(orm_backend_of_driver(NULL));
}

/* Every record is complete: its name is its first scheme, the hooks every
 * backend must have are there, and its driver finds it again. */
static void test_backend__every_record_is_complete(void **state)
{
    (void)state;
    size_t n = 0;
    const orm_backend *be;
    for (; (be = orm_backend_at(n)) != NULL; n++) {
        assert_non_null(be->name);
        assert_string_equal(be->schemes[0], be->name);
        assert_non_null(be->dialect);
        assert_non_null(be->driver);
        assert_non_null(be->migrate);
        assert_non_null(be->reflect);
        assert_ptr_equal(orm_backend_of_driver(be->driver), be);
        for (const char *const *s = be->schemes; *s; s++)
            assert_ptr_equal(orm_backend_for_scheme(*s), be);
        if (be->replication) {
            assert_non_null(be->replication->position_sql);
            assert_non_null(be->replication->replayed_sql);
        }
    }
    assert_int_equal(n, 3);
    assert_null(orm_backend_at(n));
}

/* The URL parser names the backend, aliases normalised, and an unknown
 * scheme is an ArgumentError listing the backends of the record list. */
static void test_backend__urls_reach_the_record(void **state)
{
    (void)state;
    orm_url u;
    orm_error err;
    orm_error_init(&err);
    assert_int_equal(orm_url_parse(&u, "mariadb://me@localhost/shop", &err), ORM_OK);
    assert_string_equal(u.scheme, "mysql");
    assert_ptr_equal(orm_backend_for_scheme(u.scheme), orm_backend_for_scheme("mysql"));
    orm_url_free(&u);
    assert_int_equal(orm_url_parse(&u, "Postgres://me@localhost/shop", &err), ORM_OK);
    assert_string_equal(u.scheme, "postgresql");
    orm_url_free(&u);
    assert_true(orm_url_parse(&u, "oracle://me:secret@host/db", &err) < 0);
    assert_int_equal(err.cls, ORM_ERR_ARGUMENT);
    assert_string_equal(err.message, "unsupported database URL scheme 'oracle' in "
                                     "'oracle://me:***@host/db' (use sqlite, postgresql or mysql)");
    orm_url_free(&u);
    orm_error_clear(&err);
}

/* A connection knows its record: dialect, name and (no) replication hooks. */
static void test_backend__connection_knows_its_record(void **state)
{
    (void)state;
    orm_url u;
    orm_error err;
    orm_error_init(&err);
    assert_int_equal(orm_url_parse(&u, "sqlite://", &err), ORM_OK);
    orm_conn *c = NULL;
    assert_int_equal(orm_conn_open(&c, &u, NULL, &err), ORM_OK);
    assert_ptr_equal(orm_conn_backend(c), orm_backend_for_scheme("sqlite"));
    assert_ptr_equal(orm_conn_dialect(c), &orm_dialect_sqlite);
    assert_null(orm_conn_replication(c));
    assert_false(orm_conn_driver_in_transaction(c));
    assert_true(orm_conn_has_private_copy(c));
    orm_conn_close(c);
    orm_url_free(&u);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_backend__names_and_aliases),
        cmocka_unit_test(test_backend__unknown_schemes),
        cmocka_unit_test(test_backend__every_record_is_complete),
        cmocka_unit_test(test_backend__urls_reach_the_record),
        cmocka_unit_test(test_backend__connection_knows_its_record),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
