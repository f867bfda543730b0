/* test_url.c — database URLs (docs/reference.md): every accepted form, aliases,
 * percent-decoding, SQLite path resolution, password masking, and the
 * ArgumentError wording for bad input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "buf.h"
#include "url.h"

static void parse_ok(orm_url *u, const char *text)
{
    orm_error e;
    orm_error_init(&e);
    int rc = orm_url_parse(u, text, &e);
    if (rc != ORM_OK) fail_msg("parse '%s': %s", text, e.message);
    orm_error_clear(&e);
}

/* Parses text expecting failure; returns the message (caller frees). */
static char *parse_err(const char *text)
{
    orm_url u;
    orm_error e;
    orm_error_init(&e);
    assert_int_equal(orm_url_parse(&u, text, &e), ORM_EFAIL);
    assert_int_equal(e.cls, ORM_ERR_ARGUMENT);
    orm_url_free(&u);
    char *m = e.message;
    e.message = NULL;
    orm_error_clear(&e);
    return m;
}

#define assert_err(text, expected)                                                                 \
    do {                                                                                           \
        char *m_ = parse_err(text);                                                                \
        assert_string_equal(m_, expected);                                                         \
        free(m_);                                                                                  \
    } while (0)

#define assert_masked(u, base, expected)                                                           \
    do {                                                                                           \
        char *m_ = orm_url_masked(u, base);                                                        \
        assert_string_equal(m_, expected);                                                         \
        free(m_);                                                                                  \
    } while (0)

static void test_url__sqlite_with_nothing_is_memory(void **state)
{
    (void)state;
    orm_url u;
    parse_ok(&u, "sqlite://");
    assert_string_equal(u.scheme, "sqlite");
    assert_true(u.is_memory);
    assert_string_equal(u.database, "");
    char *p = orm_url_sqlite_path(&u, "/app");
    assert_string_equal(p, ":memory:");
    free(p);
    assert_masked(&u, "/app", "sqlite://");
    orm_url_free(&u);
}

static void test_url__sqlite_memory_keyword_is_memory(void **state)
{
    (void)state;
    orm_url u;
    parse_ok(&u, "sqlite:///:memory:");
    assert_true(u.is_memory);
    assert_false(u.is_absolute);
    assert_string_equal(u.database, ":memory:");
    assert_masked(&u, NULL, "sqlite:///:memory:");
    orm_url_free(&u);
}

static void test_url__sqlite_relative_path_resolves_against_base_dir(void **state)
{
    (void)state;
    orm_url u;
    parse_ok(&u, "sqlite:///instance/bookstore.db");
    assert_false(u.is_memory);
    assert_false(u.is_absolute);
    assert_string_equal(u.database, "instance/bookstore.db");
    char *p = orm_url_sqlite_path(&u, "/srv/bookstore");
    assert_string_equal(p, "/srv/bookstore/instance/bookstore.db");
    free(p);
    p = orm_url_sqlite_path(&u, NULL);
    assert_string_equal(p, "instance/bookstore.db");
    free(p);
    assert_masked(&u, "/srv/bookstore/", "sqlite:////srv/bookstore/instance/bookstore.db");
    assert_masked(&u, NULL, "sqlite:///instance/bookstore.db");
    orm_url_free(&u);
}

static void test_url__masked_sqlite_path_is_absolute_for_relative_base(void **state)
{
    (void)state;
    orm_url u;
    parse_ok(&u, "sqlite:///./instance/../instance/x.db");
    char cwd[4096];
    assert_non_null(getcwd(cwd, sizeof cwd));
    char want[4200];
    snprintf(want, sizeof want, "sqlite:///%s/app/instance/x.db", cwd);
    assert_masked(&u, "app", want);
    orm_url_free(&u);
}

static void test_url__sqlite_absolute_path_ignores_base_dir(void **state)
{
    (void)state;
    orm_url u;
    parse_ok(&u, "sqlite:////var/db/x.db");
    assert_true(u.is_absolute);
    assert_string_equal(u.database, "/var/db/x.db");
    char *p = orm_url_sqlite_path(&u, "/app");
    assert_string_equal(p, "/var/db/x.db");
    free(p);
    assert_masked(&u, "/app", "sqlite:////var/db/x.db");
    orm_url_free(&u);
}

static void test_url__postgresql_parts_are_parsed(void **state)
{
    (void)state;
    orm_url u;
    parse_ok(&u, "postgresql://scott:tiger@db.example.com:5432/shop");
    assert_string_equal(u.scheme, "postgresql");
    assert_string_equal(u.user, "scott");
    assert_string_equal(u.password, "tiger");
    assert_string_equal(u.host, "db.example.com");
    assert_int_equal(u.port, 5432);
    assert_string_equal(u.database, "shop");
    assert_null(orm_url_sqlite_path(&u, NULL));
    orm_url_free(&u);
}

static void test_url__aliases_are_normalised(void **state)
{
    (void)state;
    orm_url u;
    parse_ok(&u, "postgres://u@h/db");
    assert_string_equal(u.scheme, "postgresql");
    assert_null(u.password);
    orm_url_free(&u);
    parse_ok(&u, "mariadb://u:p@h/db");
    assert_string_equal(u.scheme, "mysql");
    orm_url_free(&u);
    parse_ok(&u, "MySQL://h/db");
    assert_string_equal(u.scheme, "mysql");
    assert_null(u.user);
    orm_url_free(&u);
}

static void test_url__user_and_password_are_percent_decoded(void **state)
{
    (void)state;
    orm_url u;
    parse_ok(&u, "mysql://us%40er:p%3Aw%2Fd%40%zz@localhost/db%20x");
    assert_string_equal(u.user, "us@er");
    assert_string_equal(u.password, "p:w/d@%zz"); /* a malformed escape stays */
    assert_string_equal(u.host, "localhost");
    assert_int_equal(u.port, 0);
    assert_string_equal(u.database, "db x");
    orm_url_free(&u);
}

static void test_url__password_may_hold_colon_and_slash(void **state)
{
    (void)state;
    orm_url u;
    parse_ok(&u, "postgresql://u:a:b/c@h:6543/db");
    assert_string_equal(u.user, "u");
    assert_string_equal(u.password, "a:b/c");
    assert_string_equal(u.host, "h");
    assert_int_equal(u.port, 6543);
    orm_url_free(&u);
}

static void test_url__host_only_and_ipv6_forms(void **state)
{
    (void)state;
    orm_url u;
    parse_ok(&u, "postgresql://localhost");
    assert_string_equal(u.host, "localhost");
    assert_string_equal(u.database, "");
    assert_masked(&u, NULL, "postgresql://localhost");
    orm_url_free(&u);
    parse_ok(&u, "postgresql://u:pw@[::1]:5432/db?sslmode=require");
    assert_string_equal(u.host, "::1");
    assert_int_equal(u.port, 5432);
    assert_string_equal(u.database, "db");
    assert_masked(&u, NULL, "postgresql://u:***@[::1]:5432/db?sslmode=require");
    orm_url_free(&u);
    parse_ok(&u, "postgresql:///db");
    assert_null(u.host);
    assert_string_equal(u.database, "db");
    orm_url_free(&u);
}

static void test_url__masks_password_in_display(void **state)
{
    (void)state;
    orm_url u;
    parse_ok(&u, "postgresql://user:s3cret@host:5432/db");
    assert_masked(&u, NULL, "postgresql://user:***@host:5432/db");
    orm_url_free(&u);
    parse_ok(&u, "mysql://root@host/db");
    assert_masked(&u, NULL, "mysql://root@host/db");
    orm_url_free(&u);
}

static void test_url__rejects_empty_url(void **state)
{
    (void)state;
    assert_err("", "invalid database URL '': the URL is empty");
    orm_url u;
    orm_error e;
    orm_error_init(&e);
    assert_int_equal(orm_url_parse(&u, NULL, &e), ORM_EFAIL);
    orm_error_clear(&e);
}

static void test_url__rejects_text_without_scheme(void **state)
{
    (void)state;
    assert_err("foo", "invalid database URL 'foo': expected scheme://...");
    assert_err("://x", "invalid database URL '://x': expected scheme://...");
    assert_err("/tmp/x.db", "invalid database URL '/tmp/x.db': expected scheme://...");
}

static void test_url__rejects_unknown_scheme_with_password_masked(void **state)
{
    (void)state;
    assert_err("oracle://u:secret@h/db", "unsupported database URL scheme 'oracle' in "
                                         "'oracle://u:***@h/db' (use sqlite, postgresql or mysql)");
}

static void test_url__rejects_bad_ports(void **state)
{
    (void)state;
    const char *bad[] = {"postgresql://u:pw@h:0/db",   "postgresql://u:pw@h:65536/db",
                         "postgresql://u:pw@h:54x/db", "postgresql://u:pw@h:/db",
                         "postgresql://u:pw@h:-1/db",  "postgresql://u:pw@h:123456/db"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char *m = parse_err(bad[i]);
        assert_non_null(strstr(m, "the port must be a number from 1 to 65535"));
        assert_null(strstr(m, "pw"));
        assert_non_null(strstr(m, "u:***@h:"));
        free(m);
    }
    orm_url u;
    parse_ok(&u, "postgresql://h:65535/db");
    assert_int_equal(u.port, 65535);
    orm_url_free(&u);
    parse_ok(&u, "postgresql://h:1/db");
    assert_int_equal(u.port, 1);
    orm_url_free(&u);
}

static void test_url__rejects_sqlite_with_host(void **state)
{
    (void)state;
    char *m = parse_err("sqlite://foo.db");
    assert_non_null(strstr(m, "invalid database URL 'sqlite://foo.db': "));
    assert_non_null(strstr(m, "sqlite:///relative/path.db"));
    free(m);
}

static void test_url__rejects_nul_escape(void **state)
{
    (void)state;
    char *m = parse_err("postgresql://u:a%00b@h/db");
    assert_non_null(strstr(m, "'%00' in the password"));
    assert_null(strstr(m, "a%00b"));
    free(m);
}

static void test_url__mask_text_masks_passwords_in_any_text(void **state)
{
    (void)state;
    char *m = orm_url_mask_text("connect to postgresql://bob:hunter2@db:5432/x failed; "
                                "also mysql://a:b@c/d and sqlite:///x.db");
    assert_string_equal(m, "connect to postgresql://bob:***@db:5432/x failed; "
                           "also mysql://a:***@c/d and sqlite:///x.db");
    free(m);
    m = orm_url_mask_text("see http://example.com:8080/path here");
    assert_string_equal(m, "see http://example.com:8080/path here");
    free(m);
    m = orm_url_mask_text("'postgresql://u:p/q@h/db'");
    assert_string_equal(m, "'postgresql://u:***@h/db'");
    free(m);
    m = orm_url_mask_text("");
    assert_string_equal(m, "");
    free(m);
}

/* A password may hold spaces, quotes, '/' and '@': everything between
 * "scheme://user:" and the last '@' before the host is masked. */
static void test_url__mask_text_masks_any_password_characters(void **state)
{
    (void)state;
    static const char *const urls[] = {
        "postgresql://u:TOP SECRET@h/db",   "postgresql://u:it's\"q`@h/db",
        "postgresql://u:a@b@c@h/db",        "postgresql://u:x\ty\nz@h/db",
        "'postgresql://u:TOP SECRET@h/db'",
    };
    static const char *const want[] = {
        "postgresql://u:***@h/db", "postgresql://u:***@h/db",   "postgresql://u:***@h/db",
        "postgresql://u:***@h/db", "'postgresql://u:***@h/db'",
    };
    for (size_t i = 0; i < sizeof urls / sizeof urls[0]; i++) {
        char *m = orm_url_mask_text(urls[i]);
        assert_string_equal(m, want[i]);
        free(m);
    }
    /* an invalid URL is echoed with its password masked */
    static const char *const bad[] = {
        "postgresql://u:TOP SECRET@h:99999/db",
        "postgresql://u:p'w\"d@x@h:notaport/db",
        "mysql://u:s p@c:e@h:/db x",
        "postgresql://u:SECRET@@h:1:2/db",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        orm_url u;
        orm_error e;
        orm_error_init(&e);
        assert_int_equal(orm_url_parse(&u, bad[i], &e), ORM_EFAIL);
        assert_int_equal(e.cls, ORM_ERR_ARGUMENT);
        assert_null(strstr(e.message, "SECRET"));
        assert_null(strstr(e.message, "p'w"));
        assert_null(strstr(e.message, "s p"));
        assert_non_null(strstr(e.message, ":***@h"));
        orm_url_free(&u);
        orm_error_clear(&e);
    }
}

static void test_url__options_after_question_mark_are_params(void **state)
{
    (void)state;
    orm_url u;
    parse_ok(&u, "postgresql://u:p?w@h:5/db?sslmode=require&options=-csearch_path%3Dsales&x=");
    assert_string_equal(u.password, "p?w"); /* a password runs to the '@' */
    assert_string_equal(u.database, "db");
    assert_int_equal(u.params.n, 6);
    assert_string_equal(orm_url_param(&u, "sslmode"), "require");
    assert_string_equal(orm_url_param(&u, "options"), "-csearch_path=sales");
    assert_string_equal(orm_url_param(&u, "x"), "");
    assert_null(orm_url_param(&u, "nope"));
    assert_masked(&u, NULL,
                  "postgresql://u:***@h:5/db?sslmode=require&options=-csearch_path=sales&x=");
    orm_url_free(&u);
    parse_ok(&u, "postgresql://h?application_name=a%26b&password=secret");
    assert_null(u.database[0] ? u.database : NULL);
    assert_masked(&u, NULL, "postgresql://h?application_name=a%26b&password=***");
    orm_url_free(&u);
    /* SQLite: the path stops at '?' (it made a file named "t.db?mode=ro") */
    parse_ok(&u, "sqlite:///t.db?mode=ro");
    assert_string_equal(u.database, "t.db");
    assert_string_equal(orm_url_param(&u, "mode"), "ro");
    assert_masked(&u, NULL, "sqlite:///t.db?mode=ro");
    orm_url_free(&u);
    parse_ok(&u, "sqlite:///:memory:?mode=rwc");
    assert_true(u.is_memory);
    orm_url_free(&u);
}

static void test_url__checks_params_against_known_names(void **state)
{
    (void)state;
    orm_url u;
    orm_error e;
    orm_error_init(&e);
    static const char *const known[] = {"mode", NULL}, *const none[] = {NULL};
    parse_ok(&u, "sqlite:///t.db?mode=ro");
    assert_int_equal(orm_url_check_params(&u, known, &e), ORM_OK);
    assert_int_equal(orm_url_check_params(&u, none, &e), ORM_EFAIL);
    assert_string_equal(e.message, "unknown option 'mode' in the sqlite URL (it takes none)");
    orm_error_clear(&e);
    orm_url_free(&u);
    parse_ok(&u, "sqlite:///t.db?mode=ro&foo=1");
    assert_int_equal(orm_url_check_params(&u, known, &e), ORM_EFAIL);
    assert_int_equal(e.cls, ORM_ERR_ARGUMENT);
    assert_string_equal(e.message, "unknown option 'foo' in the sqlite URL (it takes: mode)");
    orm_error_clear(&e);
    orm_url_free(&u);
}

static void test_url__python_driver_in_scheme_is_dropped(void **state)
{
    (void)state;
    orm_url u;
    parse_ok(&u, "postgresql+psycopg2://u:p@h/db");
    assert_string_equal(u.scheme, "postgresql");
    orm_url_free(&u);
    parse_ok(&u, "mysql+pymysql://u@h/db?charset=utf8mb4");
    assert_string_equal(u.scheme, "mysql");
    orm_url_free(&u);
    parse_ok(&u, "sqlite+pysqlite:///x.db");
    assert_string_equal(u.scheme, "sqlite");
    assert_string_equal(u.database, "x.db");
    orm_url_free(&u);
    assert_err(
        "oracle+oracledb://u:secret@h/db",
        "unsupported database URL scheme 'oracle+oracledb' in 'oracle+oracledb://u:***@h/db' "
        "(use sqlite, postgresql or mysql)");
}

static void test_url__rejects_bad_options(void **state)
{
    (void)state;
    assert_err(
        "sqlite:///t.db?mode",
        "invalid database URL 'sqlite:///t.db?mode': an option after '?' is written name=value");
    assert_err(
        "postgresql://h/db?=1",
        "invalid database URL 'postgresql://h/db?=1': an option after '?' is written name=value");
    orm_buf b = ORM_BUF_INIT;
    orm_buf_puts(&b, "postgresql://h/db?");
    for (int i = 0; i < ORM_URL_MAX_PARAMS + 1; i++)
        orm_buf_printf(&b, "%sk%d=v", i ? "&" : "", i);
    char *m = parse_err(orm_buf_str(&b));
    assert_non_null(strstr(m, "more than 32 options after '?'"));
    free(m);
    orm_buf_free(&b);
}

static void test_url__free_is_safe_twice_and_after_failure(void **state)
{
    (void)state;
    orm_url u;
    orm_error e;
    orm_error_init(&e);
    assert_int_equal(orm_url_parse(&u, "postgresql://u:p@h:99999/db", &e), ORM_EFAIL);
    orm_url_free(&u);
    orm_url_free(&u);
    orm_url_free(NULL);
    orm_error_clear(&e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_url__sqlite_with_nothing_is_memory),
        cmocka_unit_test(test_url__sqlite_memory_keyword_is_memory),
        cmocka_unit_test(test_url__sqlite_relative_path_resolves_against_base_dir),
        cmocka_unit_test(test_url__masked_sqlite_path_is_absolute_for_relative_base),
        cmocka_unit_test(test_url__sqlite_absolute_path_ignores_base_dir),
        cmocka_unit_test(test_url__postgresql_parts_are_parsed),
        cmocka_unit_test(test_url__aliases_are_normalised),
        cmocka_unit_test(test_url__user_and_password_are_percent_decoded),
        cmocka_unit_test(test_url__password_may_hold_colon_and_slash),
        cmocka_unit_test(test_url__host_only_and_ipv6_forms),
        cmocka_unit_test(test_url__masks_password_in_display),
        cmocka_unit_test(test_url__rejects_empty_url),
        cmocka_unit_test(test_url__rejects_text_without_scheme),
        cmocka_unit_test(test_url__rejects_unknown_scheme_with_password_masked),
        cmocka_unit_test(test_url__rejects_bad_ports),
        cmocka_unit_test(test_url__rejects_sqlite_with_host),
        cmocka_unit_test(test_url__rejects_nul_escape),
        cmocka_unit_test(test_url__mask_text_masks_passwords_in_any_text),
        cmocka_unit_test(test_url__mask_text_masks_any_password_characters),
        cmocka_unit_test(test_url__options_after_question_mark_are_params),
        cmocka_unit_test(test_url__checks_params_against_known_names),
        cmocka_unit_test(test_url__python_driver_in_scheme_is_dropped),
        cmocka_unit_test(test_url__rejects_bad_options),
        cmocka_unit_test(test_url__free_is_safe_twice_and_after_failure),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
