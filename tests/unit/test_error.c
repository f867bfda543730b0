/* test_error.c — the error record: class names, formatted messages, the
 * first error winning over cleanup failures, attached SQL/params, moves. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "error.h"

static void test_error__class_names_match_spec(void **state)
{
    (void)state;
    assert_string_equal(orm_errclass_name(ORM_ERR_ERROR), "Error");
    assert_string_equal(orm_errclass_name(ORM_ERR_INTEGRITY), "IntegrityError");
    assert_string_equal(orm_errclass_name(ORM_ERR_OPERATIONAL), "OperationalError");
    assert_string_equal(orm_errclass_name(ORM_ERR_PROGRAMMING), "ProgrammingError");
    assert_string_equal(orm_errclass_name(ORM_ERR_DATA), "DataError");
    assert_string_equal(orm_errclass_name(ORM_ERR_NORESULT), "NoResultFound");
    assert_string_equal(orm_errclass_name(ORM_ERR_MULTIPLE), "MultipleResultsFound");
    assert_string_equal(orm_errclass_name(ORM_ERR_STALE), "StaleDataError");
    assert_string_equal(orm_errclass_name(ORM_ERR_ARGUMENT), "ArgumentError");
    assert_string_equal(orm_errclass_name(ORM_ERR_MIGRATION), "MigrationError");
    assert_string_equal(orm_errclass_name((orm_errclass)999), "Error");
}

static void test_error__init_is_clear(void **state)
{
    (void)state;
    orm_error e;
    orm_error_init(&e);
    assert_int_equal(e.cls, ORM_ERR_NONE);
    assert_null(e.message);
    assert_null(e.sql);
    assert_null(e.params);
    orm_error_clear(&e);
}

static void test_error__set_formats_and_returns_efail(void **state)
{
    (void)state;
    orm_error e;
    orm_error_init(&e);
    assert_int_equal(orm_error_set(&e, ORM_ERR_DATA, 7, "bad %s #%d", "value", 3), ORM_EFAIL);
    assert_int_equal(e.cls, ORM_ERR_DATA);
    assert_int_equal(e.code, 7);
    assert_string_equal(e.message, "bad value #3");
    orm_error_clear(&e);
    assert_int_equal(e.cls, ORM_ERR_NONE);
}

static void test_error__set_replaces_message_and_drops_sql(void **state)
{
    (void)state;
    orm_error e;
    orm_error_init(&e);
    orm_error_set(&e, ORM_ERR_INTEGRITY, 0, "first");
    orm_error_attach_sql(&e, "INSERT", NULL, 0);
    orm_error_set(&e, ORM_ERR_OPERATIONAL, 0, "second (was: %s)", e.message);
    assert_int_equal(e.cls, ORM_ERR_OPERATIONAL);
    assert_string_equal(e.message, "second (was: first)");
    assert_null(e.sql);
    orm_error_clear(&e);
}

static void test_error__set_first_keeps_the_first_failure(void **state)
{
    (void)state;
    orm_error e;
    orm_error_init(&e);
    orm_error_set_first(&e, ORM_ERR_INTEGRITY, 19, "UNIQUE constraint failed: t.c");
    orm_error_set_first(&e, ORM_ERR_OPERATIONAL, 5, "rollback failed");
    assert_int_equal(e.cls, ORM_ERR_INTEGRITY);
    assert_int_equal(e.code, 19);
    assert_string_equal(e.message, "UNIQUE constraint failed: t.c");
    orm_error_clear(&e);
}

static void test_error__class_none_is_recorded_as_error(void **state)
{
    (void)state;
    orm_error e;
    orm_error_init(&e);
    assert_int_equal(orm_error_set(&e, ORM_ERR_NONE, 0, "oops"), ORM_EFAIL);
    assert_int_equal(e.cls, ORM_ERR_ERROR);
    orm_error_clear(&e);
}

static void test_error__oom_sets_message_and_returns_enomem(void **state)
{
    (void)state;
    orm_error e;
    orm_error_init(&e);
    assert_int_equal(orm_error_oom(&e), ORM_ENOMEM);
    assert_int_equal(e.cls, ORM_ERR_OPERATIONAL);
    assert_string_equal(e.message, "out of memory");
    orm_error_clear(&e);
}

static void test_error__attach_sql_copies_sql_and_params(void **state)
{
    (void)state;
    orm_error e;
    orm_error_init(&e);
    orm_error_set(&e, ORM_ERR_INTEGRITY, 0, "x");
    orm_value p[2] = {ORM_VALUE_NULL, ORM_VALUE_NULL};
    assert_int_equal(orm_value_set_text(&p[0], "Umang", 5), ORM_OK);
    orm_value_int(&p[1], 7);
    char sql[] = "INSERT INTO t (a, b) VALUES (?, ?)";
    orm_error_attach_sql(&e, sql, p, 2);
    sql[0] = 'X';
    orm_value_clear(&p[0]);
    assert_string_equal(e.sql, "INSERT INTO t (a, b) VALUES (?, ?)");
    assert_int_equal(e.nparams, 2);
    assert_string_equal(e.params[0].u.s, "Umang");
    assert_int_equal(e.params[1].u.i, 7);
    orm_error_clear(&e);
}

static void test_error__attach_sql_accepts_its_own_fields(void **state)
{
    (void)state;
    orm_error e;
    orm_error_init(&e);
    orm_error_set(&e, ORM_ERR_DATA, 0, "x");
    orm_value p = ORM_VALUE_NULL;
    assert_int_equal(orm_value_set_text(&p, "v", 1), ORM_OK);
    orm_error_attach_sql(&e, "SELECT ?", &p, 1);
    orm_value_clear(&p);
    orm_error_attach_sql(&e, e.sql, e.params, e.nparams); /* aliasing: no use-after-free */
    assert_string_equal(e.sql, "SELECT ?");
    assert_string_equal(e.params[0].u.s, "v");
    orm_error_attach_sql(&e, NULL, NULL, 0);
    assert_null(e.sql);
    assert_null(e.params);
    assert_int_equal(e.nparams, 0);
    orm_error_clear(&e);
}

static void test_error__move_transfers_and_clears_source(void **state)
{
    (void)state;
    orm_error a, b;
    orm_error_init(&a);
    orm_error_init(&b);
    orm_error_set(&b, ORM_ERR_DATA, 0, "old");
    orm_error_set(&a, ORM_ERR_STALE, 0, "stale row");
    orm_error_attach_sql(&a, "UPDATE", NULL, 0);
    orm_error_move(&b, &a); /* b's old message must not leak */
    assert_int_equal(b.cls, ORM_ERR_STALE);
    assert_string_equal(b.message, "stale row");
    assert_string_equal(b.sql, "UPDATE");
    assert_int_equal(a.cls, ORM_ERR_NONE);
    assert_null(a.message);
    orm_error_move(&b, &b);
    assert_string_equal(b.message, "stale row");
    orm_error_clear(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_error__class_names_match_spec),
        cmocka_unit_test(test_error__init_is_clear),
        cmocka_unit_test(test_error__set_formats_and_returns_efail),
        cmocka_unit_test(test_error__set_replaces_message_and_drops_sql),
        cmocka_unit_test(test_error__set_first_keeps_the_first_failure),
        cmocka_unit_test(test_error__class_none_is_recorded_as_error),
        cmocka_unit_test(test_error__oom_sets_message_and_returns_enomem),
        cmocka_unit_test(test_error__attach_sql_copies_sql_and_params),
        cmocka_unit_test(test_error__attach_sql_accepts_its_own_fields),
        cmocka_unit_test(test_error__move_transfers_and_clears_source),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
