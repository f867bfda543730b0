/* test_fixtures.c — the statements of `db dump` and `db load`
 * (core/fixtures.c) on the session fixture's SQLite file: a scan returns
 * every column of every row in primary-key order (composite keys too); a
 * count; whether a key exists; inserting with the key kept and replacing a
 * row's other values; a duplicate key is an IntegrityError; moving a
 * sequence runs only where the dialect keeps sequences (as PostgreSQL's,
 * checked by the statement it writes); and with each allocation failing in
 * turn a load either fails "out of memory" or writes exactly what it
 * writes without faults. */
#include "session_fixture.h"

#include "backend.h"
#include "fault.h"
#include "fixtures.h"

/* The rows of a scan of t as text: "v1|v2;v1|v2;..." (NULL as "-"). */
static char *scan_text(fx *f, const orm_table *t)
{
    orm_cursor *c = NULL;
    if (orm_fixture_scan(f->s, t, &c) != ORM_OK)
        fail_msg("scan %s: %s", t->name, orm_session_error(f->s)->message);
    assert_int_equal(orm_cursor_ncols(c), t->ncols);
    for (int i = 0; i < t->ncols; i++)
        assert_string_equal(orm_cursor_colname(c, i), t->cols[i].name);
    orm_buf b = ORM_BUF_INIT;
    int rc, rows = 0;
    while ((rc = orm_cursor_step(c)) == ORM_ROW) {
        if (rows++) orm_buf_putc(&b, ';');
        for (int i = 0; i < t->ncols; i++) {
            orm_value v = ORM_VALUE_NULL;
            assert_int_equal(orm_cursor_value(c, i, &v), ORM_OK);
            if (i) orm_buf_putc(&b, '|');
            if (v.type == ORM_V_NULL)
                orm_buf_putc(&b, '-');
            else
                orm_value_describe(&b, &v);
            orm_value_clear(&v);
        }
    }
    assert_int_equal(rc, ORM_DONE);
    orm_cursor_close(c);
    orm_buf_puts(&b, "");
    return orm_buf_detach(&b);
}

static int64_t count_of(fx *f, const orm_table *t)
{
    int64_t n = -1;
    if (orm_fixture_count(f->s, t, &n) != ORM_OK)
        fail_msg("count: %s", orm_session_error(f->s)->message);
    return n;
}

/* row[] for item(a, b, qty) */
static void item_row(orm_value row[3], int64_t a, const char *b, int64_t qty)
{
    orm_value_int(&row[0], a);
    row[1] = (orm_value){.type = ORM_V_TEXT, .borrowed = 1, .len = strlen(b), .u.s = (char *)b};
    orm_value_int(&row[2], qty);
}

static void test_fixtures__scan_count_and_exists(void **state)
{
    fx *f = *state;
    assert_int_equal(count_of(f, f->item), 0);
    char *text = scan_text(f, f->item);
    assert_string_equal(text, "");
    free(text);
    assert_int_equal(orm_session_rollback(f->s), ORM_OK); /* the read ends */
    raw_exec(f, "INSERT INTO item (a, b, qty) VALUES (2, 'b', 1), (1, 'z', NULL), (2, 'a', 3), "
                "(1, 'y', 4)");
    raw_exec(f, "INSERT INTO parent (id, name, note) VALUES (3, 'c', NULL), (1, 'a', 'n')");
    assert_int_equal(count_of(f, f->item), 4);
    assert_int_equal(count_of(f, f->parent), 2);
    text = scan_text(f, f->item); /* ordered by a, then b */
    assert_string_equal(text, "1|\"y\"|4;1|\"z\"|-;2|\"a\"|3;2|\"b\"|1");
    free(text);
    text = scan_text(f, f->parent);
    assert_string_equal(text, "1|\"a\"|\"n\";3|\"c\"|-");
    free(text);

    orm_value row[3];
    int exists = -1;
    item_row(row, 2, "a", 0);
    assert_int_equal(orm_fixture_exists(f->s, f->item, row, &exists), ORM_OK);
    assert_int_equal(exists, 1);
    item_row(row, 2, "y", 0); /* each part of the key counts */
    assert_int_equal(orm_fixture_exists(f->s, f->item, row, &exists), ORM_OK);
    assert_int_equal(exists, 0);
}

static void test_fixtures__insert_keeps_keys_and_replace_updates(void **state)
{
    fx *f = *state;
    orm_buf sql = ORM_BUF_INIT;
    assert_int_equal(orm_fixture_insert_sql(f->s, f->parent, &sql), ORM_OK);
    assert_string_equal(orm_buf_str(&sql), "INSERT INTO parent (id, name, note) VALUES (?, ?, ?)");
    orm_value row[3];
    orm_value_int(&row[0], 40);
    row[1] = (orm_value){.type = ORM_V_TEXT, .borrowed = 1, .len = 5, .u.s = "forty"};
    row[2] = ORM_VALUE_NULL;
    assert_int_equal(orm_fixture_insert(f->s, f->parent, orm_buf_str(&sql), row), ORM_OK);
    /* the same key again: IntegrityError, nothing more written */
    assert_int_equal(orm_fixture_insert(f->s, f->parent, orm_buf_str(&sql), row), ORM_EFAIL);
    assert_int_equal(orm_session_error(f->s)->cls, ORM_ERR_INTEGRITY);
    assert_non_null(strstr(orm_session_error(f->s)->message, "UNIQUE constraint failed"));
    orm_buf_free(&sql);
    assert_int_equal(orm_session_rollback(f->s), ORM_OK);

    assert_int_equal(orm_fixture_insert_sql(f->s, f->parent, &sql), ORM_OK);
    assert_int_equal(orm_fixture_insert(f->s, f->parent, orm_buf_str(&sql), row), ORM_OK);
    orm_buf_free(&sql);
    row[1] = (orm_value){.type = ORM_V_TEXT, .borrowed = 1, .len = 7, .u.s = "renamed"};
    row[2] = (orm_value){.type = ORM_V_TEXT, .borrowed = 1, .len = 4, .u.s = "note"};
    assert_int_equal(orm_fixture_replace(f->s, f->parent, row), ORM_OK);
    commit_ok(f);
    char buf[64];
    assert_string_equal(raw_text(f, "SELECT id || name || note FROM parent", buf, sizeof buf),
                        "40renamednote");
    /* a later row is given a key past the loaded one (SQLite: by itself) */
    orm_object *p = committed_parent(f, "next");
    assert_int_equal(int_of(p, P_ID), 41);
    orm_object_release(p);
}

static void test_fixtures__replace_with_only_key_columns_is_a_no_op(void **state)
{
    fx *f = *state;
    orm_table *tag = add_table(f->md, "tag");
    add_col(tag, &(orm_column){.name = "label", .type = {ORM_T_STRING, 20}, .primary_key = 1});
    orm_error err;
    orm_error_init(&err);
    assert_int_equal(orm_ddl_create_all(f->conn, f->md, &err), ORM_OK);
    raw_exec(f, "INSERT INTO tag VALUES ('x')");
    orm_value row = {.type = ORM_V_TEXT, .borrowed = 1, .len = 1, .u.s = "x"};
    echo_reset(f);
    assert_int_equal(orm_fixture_replace(f->s, tag, &row), ORM_OK);
    assert_int_equal(f->nlines, 0); /* no statement at all */
    int exists = 0;
    assert_int_equal(orm_fixture_exists(f->s, tag, &row, &exists), ORM_OK);
    assert_int_equal(exists, 1);
}

static orm_backend seq_backend;
static orm_dialect seq_dialect;

static void test_fixtures__sync_sequence_only_where_the_dialect_keeps_one(void **state)
{
    fx *f = *state;
    echo_reset(f);
    /* SQLite: the rowid follows explicit keys, nothing to run */
    assert_int_equal(orm_fixture_sync_sequence(f->s, f->parent), ORM_OK);
    assert_int_equal(f->nlines, 0);
    /* a dialect with sequences: one statement; item has no generated key */
    seq_backend = *f->conn->backend;
    seq_dialect = *seq_backend.dialect;
    seq_dialect.sequences = 1;
    seq_backend.dialect = &seq_dialect;
    f->conn->backend = &seq_backend;
    assert_int_equal(orm_fixture_sync_sequence(f->s, f->item), ORM_OK);
    assert_int_equal(f->nlines, 0);
    /* SQLite has no setval: the statement fails as any statement fails */
    assert_int_equal(orm_fixture_sync_sequence(f->s, f->parent), ORM_EFAIL);
    orm_error *e = orm_session_error(f->s);
    assert_non_null(e->sql);
    assert_string_equal(e->sql, "SELECT setval(pg_get_serial_sequence('parent', 'id'), "
                                "COALESCE(max(id), 0) + 1, false) FROM parent");
    assert_int_equal(e->cls, ORM_ERR_PROGRAMMING);
    assert_string_equal(e->message, "no such function: pg_get_serial_sequence");
    assert_int_equal(orm_session_rollback(f->s), ORM_OK);
    /* each allocation of writing that statement failing: out of memory */
    int failures = 0;
    for (long n = 1; n < 100; n++) {
        orm_fault_alloc_after(n);
        int rc = orm_fixture_sync_sequence(f->s, f->parent);
        int fired = orm_fault_alloc_fired();
        orm_fault_alloc_after(0);
        /* a failure absorbed on the way (statistics) leaves the statement's own */
        if (rc == ORM_ENOMEM)
            assert_string_equal(orm_session_error(f->s)->message, "out of memory");
        else
            assert_string_equal(orm_session_error(f->s)->message,
                                "no such function: pg_get_serial_sequence");
        assert_true(fired || rc == ORM_EFAIL);
        failures += rc == ORM_ENOMEM;
        assert_int_equal(orm_session_rollback(f->s), ORM_OK);
        if (!fired) break;
    }
    assert_true(failures >= 2); /* the quoted name, the statement */
}

static void test_fixtures__statements_on_a_missing_table_fail(void **state)
{
    fx *f = *state;
    raw_exec(f, "DROP TABLE item");
    orm_cursor *c = NULL;
    assert_int_equal(orm_fixture_scan(f->s, f->item, &c), ORM_EFAIL);
    assert_null(c);
    assert_non_null(strstr(orm_session_error(f->s)->message, "no such table: item"));
    int64_t n = 7;
    assert_int_equal(orm_fixture_count(f->s, f->item, &n), ORM_EFAIL);
    assert_non_null(strstr(orm_session_error(f->s)->message, "no such table: item"));
    orm_value row[3];
    item_row(row, 1, "a", 1);
    int exists = 7;
    assert_int_equal(orm_fixture_exists(f->s, f->item, row, &exists), ORM_EFAIL);
    assert_int_equal(orm_session_error(f->s)->cls, ORM_ERR_PROGRAMMING);
    assert_int_equal(orm_fixture_replace(f->s, f->item, row), ORM_EFAIL);
    assert_int_equal(orm_session_error(f->s)->cls, ORM_ERR_PROGRAMMING);
}

/* One load of three items, the second replacing an existing row: what
 * `db load --replace` does for each row. */
static int load(fx *f)
{
    static const struct {
        int64_t a;
        const char *b;
        int64_t qty;
    } rows[] = {{1, "a", 10}, {1, "b", 20}, {2, "a", 30}};
    orm_buf sql = ORM_BUF_INIT;
    int rc = orm_fixture_insert_sql(f->s, f->item, &sql);
    for (size_t i = 0; rc == ORM_OK && i < 3; i++) {
        orm_value row[3];
        item_row(row, rows[i].a, rows[i].b, rows[i].qty);
        int exists = 0;
        rc = orm_fixture_exists(f->s, f->item, row, &exists);
        if (rc == ORM_OK)
            rc = exists ? orm_fixture_replace(f->s, f->item, row)
                        : orm_fixture_insert(f->s, f->item, orm_buf_str(&sql), row);
    }
    orm_buf_free(&sql);
    int64_t n = 0;
    if (rc == ORM_OK) rc = orm_fixture_count(f->s, f->item, &n);
    if (rc == ORM_OK) assert_int_equal(n, 3);
    orm_cursor *c = NULL;
    if (rc == ORM_OK) rc = orm_fixture_scan(f->s, f->item, &c);
    orm_cursor_close(c);
    if (rc == ORM_OK) rc = orm_fixture_sync_sequence(f->s, f->item);
    return rc == ORM_OK ? orm_session_commit(f->s) : rc;
}

static void test_fixtures__each_failed_allocation(void **state)
{
    fx *f = *state;
    f->conn->echo = 0;
    int done = 0, failures = 0;
    char buf[128];
    const char *all =
        "SELECT group_concat(a || b || qty, ',') FROM (SELECT * FROM item ORDER BY a, b)";
    for (long n = 1; n < 3000 && !done; n++) {
        raw_exec(f, "DELETE FROM item; INSERT INTO item (a, b, qty) VALUES (1, 'b', 0)");
        orm_fault_alloc_after(n);
        int rc = load(f);
        int fired = orm_fault_alloc_fired();
        orm_fault_alloc_after(0);
        if (rc == ORM_OK) { /* whole, even when a failure was absorbed */
            assert_string_equal(raw_text(f, all, buf, sizeof buf), "1a10,1b20,2a30");
            done = !fired;
            continue;
        }
        failures++;
        assert_true(fired);
        assert_int_equal(rc, ORM_ENOMEM);
        assert_string_equal(orm_session_error(f->s)->message, "out of memory");
        assert_int_equal(orm_session_rollback(f->s), ORM_OK);
        assert_string_equal(raw_text(f, all, buf, sizeof buf), "1b0");
    }
    assert_true(done);
    assert_true(failures >= 5);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        FIXTURE_TEST(test_fixtures__scan_count_and_exists),
        FIXTURE_TEST(test_fixtures__insert_keeps_keys_and_replace_updates),
        FIXTURE_TEST(test_fixtures__replace_with_only_key_columns_is_a_no_op),
        FIXTURE_TEST(test_fixtures__sync_sequence_only_where_the_dialect_keeps_one),
        FIXTURE_TEST(test_fixtures__statements_on_a_missing_table_fail),
        FIXTURE_TEST(test_fixtures__each_failed_allocation),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
