/* test_upsert_loaded.c — orm_upsert (core/upsert.c) with the session's
 * objects: loaded objects of rows the upsert updated are re-read (their
 * new values seen, a rollback giving back the old ones), objects of other
 * tables and rows untouched, nothing written for no rows; a collision on a
 * unique column that is not the conflict key fails as an IntegrityError;
 * and with each allocation failing in turn the upsert either fails with
 * OperationalError "out of memory", leaving the table and the loaded objects as before, or
 * writes exactly what it writes without faults. */
#include "session_fixture.h"

#include "fault.h"
#include "upsert.h"

static const int COLS[] = {P_ID, P_NAME, P_NOTE}, ON_NAME[] = {P_NAME}, UPD_NOTE[] = {P_NOTE};

static orm_value text(const char *s)
{
    return (orm_value){.type = ORM_V_TEXT, .borrowed = 1, .len = strlen(s), .u.s = (char *)s};
}

/* Rows (id, name, note): "a" and "b" collide with existing ones, "c" is new. */
static void rows3(orm_value r[9])
{
    orm_value_int(&r[0], 1);
    r[1] = text("a");
    r[2] = text("A2");
    orm_value_int(&r[3], 2);
    r[4] = text("b");
    r[5] = text("B2");
    orm_value_int(&r[6], 3);
    r[7] = text("c");
    r[8] = text("C1");
}

static void seed(fx *f)
{
    raw_exec(f, "DELETE FROM parent; INSERT INTO parent (id, name, note) VALUES (1, 'a', 'A1'), "
                "(2, 'b', 'B1'), (9, 'z', 'Z1')");
}

static void test_upsert_loaded__loaded_objects_are_reread(void **state)
{
    fx *f = *state;
    seed(f);
    orm_object *a = get_int(f, f->parent, 1), *z = get_int(f, f->parent, 9);
    assert_string_equal(text_of(a, P_NOTE), "A1");
    orm_upsert_spec sp = {f->parent, COLS, 3, ON_NAME, 1, UPD_NOTE, 1};
    orm_value rows[9];
    rows3(rows);
    int64_t written = 0;
    assert_int_equal(orm_upsert(f->s, &sp, rows, 3, &written), ORM_OK);
    assert_int_equal(written, 3);
    assert_string_equal(text_of(a, P_NOTE), "A2"); /* re-read */
    assert_string_equal(text_of(z, P_NOTE), "Z1");
    assert_int_equal(orm_session_rollback(f->s), ORM_OK);
    assert_string_equal(text_of(a, P_NOTE), "A1"); /* the rollback gives it back */
    assert_int_equal(nrows(f, "parent"), 3);
    written = 7;
    assert_int_equal(orm_upsert(f->s, &sp, rows, 0, &written), ORM_OK); /* nothing to do */
    assert_int_equal(written, 0);
    orm_object_release(a);
    orm_object_release(z);
}

static void test_upsert_loaded__a_collision_on_another_key(void **state)
{
    fx *f = *state;
    seed(f);
    /* conflict on the primary key, but the name collides with row 2's */
    static const int ON_ID[] = {P_ID};
    orm_upsert_spec sp = {f->parent, COLS, 3, ON_ID, 1, UPD_NOTE, 1};
    orm_value row[3];
    orm_value_int(&row[0], 5);
    row[1] = text("b");
    row[2] = text("x");
    int64_t written = 0;
    assert_int_equal(orm_upsert(f->s, &sp, row, 1, &written), ORM_EFAIL);
    assert_int_equal(orm_session_error(f->s)->cls, ORM_ERR_INTEGRITY);
    assert_non_null(strstr(orm_session_error(f->s)->message, "UNIQUE constraint failed"));
    assert_int_equal(orm_session_rollback(f->s), ORM_OK);
    assert_int_equal(nrows(f, "parent"), 3);
    /* the conflict key must be given in every row */
    static const int NO_KEY[] = {P_ID, P_NOTE};
    orm_upsert_spec bad = {f->parent, NO_KEY, 2, ON_NAME, 1, UPD_NOTE, 1};
    assert_int_equal(orm_upsert(f->s, &bad, row, 1, &written), ORM_EFAIL);
    assert_int_equal(orm_session_error(f->s)->cls, ORM_ERR_ARGUMENT);
}

static void test_upsert_loaded__each_failed_allocation(void **state)
{
    fx *f = *state;
    f->conn->echo = 0;
    char buf[128];
    const char *all = "SELECT group_concat(id || name || note, ',') FROM (SELECT * FROM parent "
                      "ORDER BY id)";
    int failures = 0, done = 0;
    for (long n = 1; n < 3000 && !done; n++) {
        seed(f);
        orm_session_free(f->s);
        f->s = orm_session_new(f->conn, f->md);
        orm_object *a = get_int(f, f->parent, 1), *b = get_int(f, f->parent, 2);
        orm_upsert_spec sp = {f->parent, COLS, 3, ON_NAME, 1, UPD_NOTE, 1};
        orm_value rows[9];
        rows3(rows);
        int64_t written = 0;
        orm_fault_alloc_after(n);
        int rc = orm_upsert(f->s, &sp, rows, 3, &written);
        if (rc == ORM_OK) rc = orm_session_commit(f->s);
        int fired = orm_fault_alloc_fired();
        orm_fault_alloc_after(0);
        if (rc == ORM_OK) {
            done = !fired;
            assert_int_equal(written, 3);
            assert_string_equal(raw_text(f, all, buf, sizeof buf), "1aA2,2bB2,3cC1,9zZ1");
            assert_string_equal(text_of(a, P_NOTE), "A2");
            assert_string_equal(text_of(b, P_NOTE), "B2");
        } else {
            failures++;
            assert_true(fired);
            /* what the user sees: OperationalError "out of memory" */
            assert_int_equal(orm_session_error(f->s)->cls, ORM_ERR_OPERATIONAL);
            assert_string_equal(orm_session_error(f->s)->message, "out of memory");
            assert_int_equal(orm_session_rollback(f->s), ORM_OK);
            assert_string_equal(raw_text(f, all, buf, sizeof buf), "1aA1,2bB1,9zZ1");
            assert_string_equal(text_of(a, P_NOTE), "A1");
            assert_string_equal(text_of(b, P_NOTE), "B1");
        }
        orm_object_release(a);
        orm_object_release(b);
    }
    assert_true(done);
    assert_true(failures >= 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        FIXTURE_TEST(test_upsert_loaded__loaded_objects_are_reread),
        FIXTURE_TEST(test_upsert_loaded__a_collision_on_another_key),
        FIXTURE_TEST(test_upsert_loaded__each_failed_allocation),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
