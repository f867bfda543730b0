/* test_upsert.c — db.upsert's core side: the native statement of each
 * dialect (ON CONFLICT ... DO UPDATE / ON DUPLICATE KEY UPDATE, values only
 * as placeholders), the conflict-key check naming the valid unique keys,
 * and the batches orm_upsert cuts under the parameter limit (SQLite). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "upsert.h"
#include "table_fixture.h"
#include "url.h"

static orm_metadata *md;
static orm_table *member;

static int setup(void **state)
{
    (void)state;
    md = orm_metadata_new();
    member = tf_table(md, "member");
    tf_column(member, "id", ORM_T_INTEGER, TF_PK | TF_NOT_NULL | TF_AUTOINC);
    tf_column(member, "email", ORM_T_STRING, TF_UNIQUE | TF_AUTOINC);
    tf_column(member, "name", ORM_T_STRING, TF_AUTOINC);
    tf_column(member, "order", ORM_T_INTEGER, TF_AUTOINC); /* a reserved word: quoted */
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    orm_metadata_free(md);
    return 0;
}

static const int cols[] = {1, 2, 3}, on_email[] = {1}, upd[] = {2, 3};

static void check_sql(const orm_dialect *d, size_t nrows, const char *want)
{
    orm_upsert_spec sp = {member, cols, 3, on_email, 1, upd, 2};
    orm_buf b;
    orm_buf_init(&b);
    assert_int_equal(orm_compile_upsert(d, &sp, nrows, &b), 0);
    assert_string_equal(orm_buf_str(&b), want);
    orm_buf_free(&b);
}

static void test_upsert__sqlite_on_conflict(void **state)
{
    (void)state;
    check_sql(
        &orm_dialect_sqlite, 2,
        "INSERT INTO member (email, name, \"order\") VALUES (?, ?, ?), (?, ?, ?) "
        "ON CONFLICT (email) DO UPDATE SET name = excluded.name, \"order\" = excluded.\"order\"");
}

static void test_upsert__postgresql_numbers_placeholders(void **state)
{
    (void)state;
    check_sql(
        &orm_dialect_pg, 2,
        "INSERT INTO member (email, name, \"order\") VALUES ($1, $2, $3), ($4, $5, $6) "
        "ON CONFLICT (email) DO UPDATE SET name = excluded.name, \"order\" = excluded.\"order\"");
}

static void test_upsert__mysql_on_duplicate_key(void **state)
{
    (void)state;
    check_sql(&orm_dialect_mysql, 1,
              "INSERT INTO member (email, name, `order`) VALUES (?, ?, ?) "
              "ON DUPLICATE KEY UPDATE name = VALUES(name), `order` = VALUES(`order`)");
}

static void test_upsert__on_must_be_a_unique_key(void **state)
{
    (void)state;
    orm_error err;
    orm_error_init(&err);
    static const int on_name[] = {2}, on_pk[] = {0}, all[] = {0, 1, 2};
    orm_upsert_spec bad = {member, cols, 3, on_name, 1, upd, 2};
    assert_int_equal(orm_upsert_check(&bad, &err), ORM_EFAIL);
    assert_int_equal(err.cls, ORM_ERR_ARGUMENT);
    assert_string_equal(err.message, "db.upsert: on = (name) is not a unique key of member "
                                     "(unique keys: (id), (email))");
    orm_error_clear(&err);
    orm_upsert_spec pk_missing = {member, cols, 3, on_pk, 1, upd, 2}; /* rows lack id */
    assert_int_equal(orm_upsert_check(&pk_missing, &err), ORM_EFAIL);
    assert_non_null(strstr(err.message, "every row needs a value for 'id'"));
    orm_error_clear(&err);
    orm_upsert_spec pk = {member, all, 3, on_pk, 1, upd, 1};
    assert_int_equal(orm_upsert_check(&pk, &err), 0);
    orm_upsert_spec no_update = {member, cols, 3, on_email, 1, upd, 0};
    assert_int_equal(orm_upsert_check(&no_update, &err), ORM_EFAIL);
    orm_error_clear(&err);
}

/* 20,000 rows of 3 values: SQLite takes them in batches; each row counts once */
static void test_upsert__batches_count_each_row_once(void **state)
{
    (void)state;
    orm_conn *c = NULL;
    orm_url u;
    orm_error err;
    orm_error_init(&err);
    assert_int_equal(orm_url_parse(&u, "sqlite://", &err), 0);
    orm_open_opts o = {.base_dir = NULL};
    assert_int_equal(orm_conn_open(&c, &u, &o, &err), 0);
    orm_url_free(&u);
    assert_int_equal(orm_conn_exec(c, "CREATE TABLE member (id INTEGER PRIMARY KEY, email "
                                      "VARCHAR(30) UNIQUE, name VARCHAR(30), \"order\" INTEGER)"),
                     0);
    orm_session *s = orm_session_new(c, md);
    size_t n = 20000;
    orm_value *rows = calloc(n * 3, sizeof *rows);
    char buf[32];
    for (size_t i = 0; i < n; i++) {
        snprintf(buf, sizeof buf, "m%zu@x", i % 15000); /* 5,000 collide */
        assert_int_equal(orm_value_set_text(&rows[i * 3], buf, strlen(buf)), 0);
        assert_int_equal(orm_value_set_text(&rows[i * 3 + 1], "n", 1), 0);
        orm_value_int(&rows[i * 3 + 2], (int64_t)i);
    }
    orm_upsert_spec sp = {member, cols, 3, on_email, 1, upd, 2};
    int64_t written = 0;
    assert_int_equal(orm_upsert(s, &sp, rows, n, &written), 0);
    assert_int_equal(written, 20000);
    assert_int_equal(orm_session_commit(s), 0);
    for (size_t i = 0; i < n * 3; i++)
        orm_value_clear(&rows[i]);
    free(rows);
    orm_session_free(s);
    orm_conn_close(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_upsert__sqlite_on_conflict),
        cmocka_unit_test(test_upsert__postgresql_numbers_placeholders),
        cmocka_unit_test(test_upsert__mysql_on_duplicate_key),
        cmocka_unit_test(test_upsert__on_must_be_a_unique_key),
        cmocka_unit_test(test_upsert__batches_count_each_row_once),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
