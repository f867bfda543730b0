/* test_url_edges.c — database URLs (core/url.c) at their edges: SQLite
 * paths shown absolute and lexically normalised ("." and "//" dropped,
 * ".." folded, never above "/"), joined to a base directory with one '/';
 * the file path of a server URL is NULL; escapes that are not complete
 * stay as written, upper- and lower-case hex decode; '%00' is refused in
 * the user name and the database name too; IPv6 hosts that are not closed
 * or have text after ']'; scheme names with digits, '+', '-', '.'; and
 * with each allocation failing in turn, parsing and showing a URL either
 * fail with "out of memory" or give exactly the result without faults. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fault.h"
#include "url.h"

static void parse_ok(orm_url *u, const char *text)
{
    orm_error e;
    orm_error_init(&e);
    if (orm_url_parse(u, text, &e) != ORM_OK) fail_msg("parse '%s': %s", text, e.message);
}

/* The ArgumentError message parsing text gives. */
static void parse_fails(const char *text, const char *message)
{
    orm_url u;
    orm_error e;
    orm_error_init(&e);
    assert_int_equal(orm_url_parse(&u, text, &e), ORM_EFAIL);
    assert_int_equal(e.cls, ORM_ERR_ARGUMENT);
    assert_string_equal(e.message, message);
    assert_null(u.scheme); /* nothing half-filled */
    orm_error_clear(&e);
}

static void masked_is(const char *text, const char *base, const char *expected)
{
    orm_url u;
    parse_ok(&u, text);
    char *m = orm_url_masked(&u, base);
    assert_string_equal(m, expected);
    free(m);
    orm_url_free(&u);
}

static void path_is(const char *text, const char *base, const char *expected)
{
    orm_url u;
    parse_ok(&u, text);
    char *p = orm_url_sqlite_path(&u, base);
    if (expected)
        assert_string_equal(p, expected);
    else
        assert_null(p);
    free(p);
    orm_url_free(&u);
}

static void test_url_edges__sqlite_paths_are_normalised_for_display(void **state)
{
    (void)state;
    masked_is("sqlite:///x/../y.db", "/a/b/../c/./", "sqlite:////a/c/y.db");
    masked_is("sqlite:///./db//app.db", "/srv//app", "sqlite:////srv/app/db/app.db");
    masked_is("sqlite:///../../../../x.db", "/a", "sqlite:////x.db"); /* never above / */
    masked_is("sqlite:///..", "/", "sqlite:////");
    masked_is("sqlite:///:memory:", "/a", "sqlite:///:memory:");
    masked_is("sqlite://", "/a", "sqlite://");
    masked_is("sqlite:///rel.db", "", "sqlite:///rel.db"); /* no base: as written */
    /* a relative base is taken from the working directory */
    char *cwd = getcwd(NULL, 0);
    char want[4200];
    snprintf(want, sizeof want, "sqlite:///%s/sub/rel.db", strcmp(cwd, "/") ? cwd : "");
    masked_is("sqlite:///rel.db", "sub", want);
    free(cwd);
    orm_url none;
    memset(&none, 0, sizeof none);
    char *m = orm_url_masked(&none, NULL);
    assert_string_equal(m, "");
    free(m);
}

static void test_url_edges__sqlite_file_paths(void **state)
{
    (void)state;
    path_is("sqlite:///app.db", "/srv", "/srv/app.db");
    path_is("sqlite:///app.db", "/srv/", "/srv/app.db");
    path_is("sqlite:///app.db", NULL, "app.db");
    path_is("sqlite:////abs/app.db", "/srv", "/abs/app.db");
    path_is("sqlite://", "/srv", ":memory:");
    path_is("postgresql://h/db", "/srv", NULL); /* not a file */
}

static void test_url_edges__escapes(void **state)
{
    (void)state;
    orm_url u;
    parse_ok(&u, "postgresql://%41b%4a%4c%zz:p%2fw%2@h/d%62%");
    assert_string_equal(u.user, "AbJL%zz");
    assert_string_equal(u.password, "p/w%2");
    assert_string_equal(u.database, "db%");
    char *m = orm_url_masked(&u, NULL);
    assert_string_equal(m, "postgresql://AbJL%zz:***@h/db%");
    free(m);
    orm_url_free(&u);
    parse_fails("postgresql://a%00@h/db", "invalid database URL 'postgresql://a%00@h/db': '%00' "
                                          "in the user name");
    parse_fails("mysql://h/d%00b", "invalid database URL 'mysql://h/d%00b': '%00' in the "
                                   "database name");
}

static void test_url_edges__hosts(void **state)
{
    (void)state;
    parse_fails("postgresql://u:pw@[::1/db",
                "invalid database URL 'postgresql://u:***@[::1/db': unterminated '[' in the host");
    parse_fails("postgresql://[::1]x/db",
                "invalid database URL 'postgresql://[::1]x/db': unexpected text after ']' in the "
                "host");
    orm_url u;
    parse_ok(&u, "postgresql://[]:5433/db");
    assert_null(u.host);
    assert_int_equal(u.port, 5433);
    orm_url_free(&u);
    parse_ok(&u, "postgresql://[fe80::1]?x=1");
    assert_string_equal(u.host, "fe80::1");
    assert_string_equal(u.database, "");
    orm_url_free(&u);
    parse_ok(&u, "mysql://user@/db"); /* a user, no host */
    assert_string_equal(u.user, "user");
    assert_null(u.password);
    assert_null(u.host);
    char *m = orm_url_masked(&u, NULL);
    assert_string_equal(m, "mysql://user@/db");
    free(m);
    orm_url_free(&u);
}

static void test_url_edges__scheme_names(void **state)
{
    (void)state;
    parse_fails("1sql://h/db", "invalid database URL '1sql://h/db': expected scheme://...");
    parse_fails("my sql://h/db", "invalid database URL 'my sql://h/db': expected scheme://...");
    parse_fails("my_sql://h/db", "invalid database URL 'my_sql://h/db': expected scheme://...");
    parse_fails("db2+ibm.x-y://h/db", "unsupported database URL scheme 'db2+ibm.x-y' in "
                                      "'db2+ibm.x-y://h/db' (use sqlite, postgresql or mysql)");
    orm_url u;
    parse_ok(&u, "PostgreSQL://h/db"); /* any case, shown by its name */
    assert_string_equal(u.scheme, "postgresql");
    orm_url_free(&u);
}

/* Each allocation of parsing and showing failing in turn. */
static void test_url_edges__each_failed_allocation(void **state)
{
    (void)state;
    const char *texts[] = {"postgresql://us%65r:p%40ss@[::1]:5432/my%20db?x=1",
                           "sqlite:///a/../b.db", "oracle://u:pw@h/db", "postgresql://u:pw@h:0/db",
                           NULL};
    for (int t = 0; texts[t]; t++) {
        /* the fault-free outcome */
        orm_url u;
        orm_error e;
        orm_error_init(&e);
        int want_rc = orm_url_parse(&u, texts[t], &e);
        char *want = want_rc == ORM_OK ? orm_url_masked(&u, "/base") : strdup(e.message);
        orm_url_free(&u);
        orm_error_clear(&e);
        int failures = 0, done = 0;
        for (long n = 1; n < 200 && !done; n++) {
            orm_fault_alloc_after(n);
            int rc = orm_url_parse(&u, texts[t], &e);
            char *got = NULL;
            if (rc == ORM_OK) got = orm_url_masked(&u, "/base");
            int fired = orm_fault_alloc_fired();
            orm_fault_alloc_after(0);
            if (rc == ORM_ENOMEM || (rc == ORM_OK && !got)) {
                failures++;
                assert_true(fired);
                if (rc == ORM_ENOMEM) assert_string_equal(e.message, "out of memory");
            } else {
                assert_int_equal(rc, want_rc);
                assert_string_equal(rc == ORM_OK ? got : e.message, want);
                done = !fired;
            }
            free(got);
            orm_url_free(&u);
            orm_error_clear(&e);
        }
        assert_true(done);
        assert_true(failures >= 1);
        free(want);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_url_edges__sqlite_paths_are_normalised_for_display),
        cmocka_unit_test(test_url_edges__sqlite_file_paths),
        cmocka_unit_test(test_url_edges__escapes),
        cmocka_unit_test(test_url_edges__hosts),
        cmocka_unit_test(test_url_edges__scheme_names),
        cmocka_unit_test(test_url_edges__each_failed_allocation),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
