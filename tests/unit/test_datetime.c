/* test_datetime.c — the canonical text of Date and DateTime values: every
 * accepted ISO-8601 form of an instant gives the same text, anything else
 * (an impossible day or time, other shapes) is refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "datetime.h"

static void canon_is(orm_type_kind k, const char *in, const char *want)
{
    char out[ORM_DATETIME_MAX];
    int n = orm_datetime_canon(k, in, strlen(in), out);
    assert_int_equal(n, (int)strlen(want));
    assert_string_equal(out, want);
}

static void refused(orm_type_kind k, const char *in)
{
    char out[ORM_DATETIME_MAX];
    assert_int_equal(orm_datetime_canon(k, in, strlen(in), out), -1);
}

static void test_datetime__forms_of_one_instant_read_the_same(void **state)
{
    (void)state;
    const char *same[] = {"2024-01-01T00:00:00", "2024-01-01 00:00:00", "2024-01-01 00:00",
                          "2024-01-01T00:00", "2024-01-01"};
    for (size_t i = 0; i < sizeof same / sizeof same[0]; i++)
        canon_is(ORM_T_DATETIME, same[i], "2024-01-01 00:00:00");
    canon_is(ORM_T_DATETIME, "2024-02-29T23:59:59.5", "2024-02-29 23:59:59.5");
    canon_is(ORM_T_DATETIME, "1999-12-31 10:30:00.123456", "1999-12-31 10:30:00.123456");
    canon_is(ORM_T_DATE, "2024-02-29", "2024-02-29");
}

static void test_datetime__bad_text_is_refused(void **state)
{
    (void)state;
    const char *bad[] = {"",
                         "2024",
                         "2024-1-01",
                         "2023-02-29",
                         "2024-13-01",
                         "2024-00-10",
                         "0000-01-01",
                         "2024-01-01X00:00:00",
                         "2024-01-01 24:00:00",
                         "2024-01-01 10:60",
                         "2024-01-01 10:00:60",
                         "2024-01-01 10:00:0",
                         "2024-01-01 10",
                         "2024-01-01 10:00:00.",
                         "2024-01-01 10:00:00.1234567",
                         "2024-01-01 10:00:00Z",
                         "2024-01-01 10:00:00.12a",
                         "yesterday"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        refused(ORM_T_DATETIME, bad[i]);
    refused(ORM_T_DATE, "2024-01-01 00:00:00"); /* a Date holds no time */
    refused(ORM_T_DATE, "2024-01-01T00:00");
    refused(ORM_T_DATE, "2024-04-31");
    char out[ORM_DATETIME_MAX];
    assert_int_equal(orm_datetime_canon(ORM_T_DATETIME, NULL, 0, out), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_datetime__forms_of_one_instant_read_the_same),
        cmocka_unit_test(test_datetime__bad_text_is_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
