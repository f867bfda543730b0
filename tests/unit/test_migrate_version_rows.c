/* test_migrate_version_rows.c — the ormsh_version table (core/
 * migrate_version.c) on SQLite: no table reads as no revision; the first
 * move creates it; a move from one revision to the next updates its row, a
 * move from a revision the database is not at is a MigrationError saying
 * so and changes nothing; a merge removes several rows and adds one;
 * stamping leaves exactly the heads; in a dry --sql run the table is
 * written once and nothing runs (the PostgreSQL placeholders in the text);
 * reading with each allocation failing in turn says out of memory. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "memory_db.h"

#include <stdlib.h>
#include <string.h>

#include "fault.h"
#include "migrate_int.h"

/* The revisions the database is at, joined by spaces. */
static const char *versions(orm_conn *c)
{
    static char buf[256];
    orm_strv v = {0};
    assert_int_equal(orm_mig_version_read(c, &v), ORM_OK);
    buf[0] = '\0';
    for (int i = 0; i < v.n; i++) {
        size_t len = strlen(buf);
        snprintf(buf + len, sizeof buf - len, "%s%s", i ? " " : "", v.v[i]);
    }
    orm_strv_free(&v);
    return buf;
}

static orm_strv list(const char *a, const char *b)
{
    orm_strv v = {0};
    if (a) assert_int_equal(orm_strv_push(&v, a), 0);
    if (b) assert_int_equal(orm_strv_push(&v, b), 0);
    return v;
}

static void test_migrate_version_rows__moves(void **state)
{
    (void)state;
    orm_conn *c = open_memory();
    orm_mig_ctx m = {.c = c, .d = &orm_dialect_sqlite};
    assert_string_equal(versions(c), ""); /* no table yet */
    orm_strv none = list(NULL, NULL), a = list("aaa", NULL), b = list("bbb", NULL),
             x = list("xxx", NULL), bx = list("bbb", "xxx"), merged = list("mmm", NULL),
             heads = list("h1", "h2");
    assert_int_equal(orm_mig_version_move(&m, &none, &a), ORM_OK);
    assert_string_equal(versions(c), "aaa");
    assert_int_equal(orm_mig_version_move(&m, &a, &b), ORM_OK);
    assert_string_equal(versions(c), "bbb");
    migration_error(c, orm_mig_version_move(&m, &a, &x),
                    "the database is not at revision aaa (expected one row of ormsh_version to "
                    "move to xxx, found 0)");
    assert_string_equal(versions(c), "bbb");
    /* a branch point: a second row, then a merge of both */
    assert_int_equal(orm_mig_version_move(&m, &none, &x), ORM_OK);
    assert_string_equal(versions(c), "bbb xxx");
    assert_int_equal(orm_mig_version_move(&m, &bx, &merged), ORM_OK);
    assert_string_equal(versions(c), "mmm");
    assert_int_equal(orm_mig_version_stamp(&m, &heads), ORM_OK);
    assert_string_equal(versions(c), "h1 h2");
    orm_strv *all[] = {&none, &a, &b, &x, &bx, &merged, &heads};
    for (int i = 0; i < 7; i++)
        orm_strv_free(all[i]);
    orm_conn_close(c);
}

static void test_migrate_version_rows__dry_sql_runs_nothing(void **state)
{
    (void)state;
    orm_conn *c = open_memory();
    orm_mig_ctx m = {.c = c, .d = &orm_dialect_pg, .sql_mode = 1, .dry = 1};
    orm_buf_init(&m.sql);
    orm_strv none = list(NULL, NULL), a = list("aaa", NULL), b = list("bbb", NULL);
    assert_int_equal(orm_mig_version_move(&m, &none, &a), ORM_OK);
    assert_int_equal(orm_mig_version_move(&m, &a, &b), ORM_OK);
    const char *sql = orm_buf_str(&m.sql);
    const char *create = strstr(sql, "CREATE TABLE ormsh_version");
    assert_non_null(create);
    assert_null(strstr(create + 1, "CREATE TABLE ormsh_version")); /* once */
    assert_non_null(strstr(sql, "INSERT INTO ormsh_version (version_num) VALUES ('aaa')"));
    assert_non_null(strstr(sql, "UPDATE ormsh_version SET version_num = 'bbb' WHERE "
                                "version_num = 'aaa'"));
    assert_string_equal(versions(c), ""); /* nothing ran */
    orm_buf_free(&m.sql);
    orm_strv_free(&none);
    orm_strv_free(&a);
    orm_strv_free(&b);
    orm_conn_close(c);
}

static void test_migrate_version_rows__read_out_of_memory(void **state)
{
    (void)state;
    orm_conn *c = open_memory();
    exec(c, "CREATE TABLE ormsh_version (version_num VARCHAR(32) NOT NULL PRIMARY KEY)");
    exec(c, "INSERT INTO ormsh_version VALUES ('r1'), ('r2'), ('r3')");
    int clean = 0;
    for (long n = 1; n < 100 && !clean; n++) {
        orm_strv v = {0};
        orm_fault_alloc_after(n);
        int rc = orm_mig_version_read(c, &v);
        int fired = orm_fault_alloc_fired();
        orm_fault_alloc_after(0);
        if (rc < 0) {
            assert_true(fired);
            assert_string_equal(c->err.message, "out of memory");
            orm_error_clear(&c->err);
        } else {
            clean = !fired;
            if (clean) assert_int_equal(v.n, 3);
        }
        orm_strv_free(&v);
    }
    assert_true(clean);
    orm_conn_close(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_migrate_version_rows__moves),
        cmocka_unit_test(test_migrate_version_rows__dry_sql_runs_nothing),
        cmocka_unit_test(test_migrate_version_rows__read_out_of_memory),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
