/* test_driver_sqlite_files.c — database files the SQLite driver
 * (core/driver_sqlite.c) cannot use: a file that is not a database names
 * the file in its error and changes nothing; a missing file in read-only
 * mode, or a file in a directory that does not exist, is an
 * OperationalError "unable to open database file" naming the path (and,
 * read-only, that the file must exist) — and no file is created. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "driver.h"
#include "url.h"

static char dir[64];

static int setup(void **state)
{
    (void)state;
    strcpy(dir, "/tmp/ormsh-sqfiles-XXXXXX");
    return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char p[128];
    snprintf(p, sizeof p, "%s/junk.db", dir);
    unlink(p);
    rmdir(dir);
    return 0;
}

static int open_url(const char *text, int read_only, orm_conn **c, orm_error *err)
{
    orm_url u;
    assert_int_equal(orm_url_parse(&u, text, err), ORM_OK);
    orm_open_opts o = {.read_only = read_only};
    int rc = orm_conn_open(c, &u, &o, err);
    orm_url_free(&u);
    return rc;
}

static void test_driver_sqlite_files__not_a_database_names_the_file(void **state)
{
    (void)state;
    char path[128], url[160];
    snprintf(path, sizeof path, "%s/junk.db", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    for (int i = 0; i < 200; i++)
        fputs("this is not a database file, only text. ", f);
    fclose(f);
    struct stat before;
    assert_int_equal(stat(path, &before), 0);
    snprintf(url, sizeof url, "sqlite:///%s", path);
    orm_error err;
    orm_error_init(&err);
    orm_conn *c = NULL;
    int rc = open_url(url, 0, &c, &err);
    if (rc == ORM_OK) { /* SQLite reads the header at the first statement */
        rc = orm_conn_exec(c, "CREATE TABLE t (x INTEGER)");
        assert_int_equal(rc, ORM_EFAIL);
        orm_error_move(&err, &c->err);
        orm_conn_close(c);
    }
    assert_true(rc < 0);
    assert_int_equal(err.cls, ORM_ERR_OPERATIONAL);
    char want[200];
    snprintf(want, sizeof want, "file is not a database: %s", path);
    assert_non_null(strstr(err.message, want));
    orm_error_clear(&err);
    struct stat after;
    assert_int_equal(stat(path, &after), 0);
    assert_int_equal(after.st_size, before.st_size);
}

static void test_driver_sqlite_files__cannot_open(void **state)
{
    (void)state;
    char path[128], url[160];
    snprintf(path, sizeof path, "%s/missing.db", dir);
    snprintf(url, sizeof url, "sqlite:///%s", path);
    orm_error err;
    orm_error_init(&err);
    orm_conn *c = (orm_conn *)&err;
    assert_int_equal(open_url(url, 1, &c, &err), ORM_EFAIL);
    assert_null(c);
    assert_int_equal(err.cls, ORM_ERR_OPERATIONAL);
    char want[256];
    snprintf(want, sizeof want,
             "unable to open database file: %s (read-only mode: the file must exist)", path);
    assert_string_equal(err.message, want);
    orm_error_clear(&err);
    assert_int_not_equal(access(path, F_OK), 0); /* not created */
    /* a directory that does not exist */
    snprintf(path, sizeof path, "%s/no/such/dir.db", dir);
    snprintf(url, sizeof url, "sqlite:///%s", path);
    assert_int_equal(open_url(url, 0, &c, &err), ORM_EFAIL);
    assert_null(c);
    assert_int_equal(err.cls, ORM_ERR_OPERATIONAL);
    snprintf(want, sizeof want, "unable to open database file: %s", path);
    assert_string_equal(err.message, want);
    orm_error_clear(&err);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_driver_sqlite_files__not_a_database_names_the_file,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_driver_sqlite_files__cannot_open, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
