/* test_audit.c — history rows and audit entries on the flush path, against a
 * real SQLite file: entries carry JSON keys and changes (an audit = false
 * column only "changed"), and fault injection at every statement of a
 * commit shows a change is never written without its history row and audit
 * entry, nor they without it, and that the version stays where the
 * database has it until the commit succeeds. */
#include "session_fixture.h"

#include "audit.h"
#include "fault.h"
#include "history_table.h"
#include "versioning.h"

enum { D_ID, D_TITLE, D_VERSION };

/* doc(id, title, version) versioned, created next to the fixture's tables. */
static orm_table *add_doc(fx *f)
{
    orm_table *t = add_table(f->md, "doc");
    add_col(t, &(orm_column){
                   .name = "id", .type = {ORM_T_INTEGER}, .primary_key = 1, .autoincrement = 1});
    add_col(t, &(orm_column){.name = "title", .type = {ORM_T_STRING, 30, 0, 0}, .nullable = 1});
    add_col(t, &(orm_column){.name = "version", .type = {ORM_T_INTEGER}, .nullable = 1});
    orm_error err;
    orm_error_init(&err);
    assert_int_equal(orm_versioning_set_column(t, "version", "Doc", &err), 0);
    assert_int_equal(orm_history_define(f->md, t, &err), 0);
    assert_int_equal(orm_ddl_create_all(f->conn, f->md, &err), 0);
    assert_int_equal(orm_audit_enable(f->s, f->md, &err), 0);
    return t;
}

static void test_audit__entries_of_the_flush(void **state)
{
    fx *f = *state;
    f->parent->cols[P_NOTE].no_audit = 1;
    orm_error err;
    orm_error_init(&err);
    assert_int_equal(orm_audit_enable(f->s, f->md, &err), 0);
    assert_int_equal(orm_audit_set_actor(f->s, "tester"), 0);
    assert_string_equal(orm_audit_actor(f->s), "tester");
    orm_object *p = new_parent(f, "a \"q\"");
    set_text(p, P_NOTE, "secret");
    assert_int_equal(orm_session_add(f->s, p), ORM_OK);
    assert_int_equal(orm_session_commit(f->s), ORM_OK);
    set_text(p, P_NAME, "b");
    assert_int_equal(orm_session_commit(f->s), ORM_OK);
    char buf[256];
    assert_string_equal(raw_text(f,
                                 "SELECT actor || '|' || table_name || '|' || row_key || '|' || "
                                 "operation || '|' || changes FROM ormsh_audit WHERE id = 1",
                                 buf, sizeof buf),
                        "tester|parent|{\"id\": 1}|insert|{\"id\": [null, 1], \"name\": [null, "
                        "\"a \\\"q\\\"\"], \"note\": \"changed\"}");
    assert_string_equal(
        raw_text(f, "SELECT changes FROM ormsh_audit WHERE id = 2", buf, sizeof buf),
        "{\"name\": [\"a \\\"q\\\"\", \"b\"]}");
    assert_int_equal(
        raw_int(f, "SELECT count(*) FROM ormsh_audit WHERE at LIKE '____-__-__ __:__:__'"), 2);
    orm_object_release(p);
}

static void test_audit__faults_write_all_or_nothing(void **state)
{
    fx *f = *state;
    orm_table *t = add_doc(f);
    orm_object *d = orm_object_new(t);
    set_text(d, D_TITLE, "v0");
    assert_int_equal(orm_session_add(f->s, d), ORM_OK);
    assert_int_equal(orm_session_commit(f->s), ORM_OK);
    assert_int_equal(d->values[D_VERSION].u.i, 1);
    int done = 0, failures = 0;
    char buf[64];
    for (long n = 1; !done && n < 50; n++) {
        set_text(d, D_TITLE, "v1");
        orm_driver_fail_after(n);
        int rc = orm_session_commit(f->s);
        orm_driver_fail_after(0);
        if (rc == ORM_OK) {
            done = 1;
            break;
        }
        failures++;
        assert_false(orm_conn_in_transaction(f->conn));
        assert_string_equal(raw_text(f, "SELECT title FROM doc", buf, sizeof buf), "v0");
        assert_int_equal(raw_int(f, "SELECT version FROM doc"), 1);
        assert_int_equal(raw_int(f, "SELECT count(*) FROM doc_history"), 0);
        assert_int_equal(raw_int(f, "SELECT count(*) FROM ormsh_audit"), 1); /* the insert */
        assert_int_equal(d->values[D_VERSION].u.i, 1);
    }
    assert_true(done);
    assert_true(failures >= 3); /* history copy, UPDATE, audit entry (and COMMIT) */
    assert_string_equal(raw_text(f, "SELECT title FROM doc", buf, sizeof buf), "v1");
    assert_int_equal(d->values[D_VERSION].u.i, 2);
    assert_string_equal(
        raw_text(f, "SELECT title || '|' || version || '|' || operation FROM doc_history", buf,
                 sizeof buf),
        "v0|1|update");
    assert_int_equal(raw_int(f, "SELECT count(*) FROM ormsh_audit WHERE operation = 'update'"), 1);
    /* someone else's change: StaleDataError naming model, key and version */
    raw_exec(f, "UPDATE doc SET version = 9");
    set_text(d, D_TITLE, "v2");
    assert_int_equal(orm_session_commit(f->s), ORM_EFAIL);
    assert_int_equal(orm_session_error(f->s)->cls, ORM_ERR_STALE);
    assert_string_equal(orm_session_error(f->s)->message,
                        "Doc 1 was changed by someone else (expected version 2)");
    assert_int_equal(raw_int(f, "SELECT count(*) FROM doc_history"), 1);
    orm_object_release(d);
}

/* Several rows of a versioned table in one flush: their old rows go to the
 * history in one copy ahead of the UPDATEs. With an allocation, then a
 * driver call, failing at each point of a commit in turn: a commit that
 * fails writes nothing (no history row, no change, the versions kept); one
 * that succeeds writes every change and one history row a row, holding the
 * old title and version. */
static void test_audit__chunked_history_faults(void **state)
{
    fx *f = *state;
    orm_table *t = add_doc(f);
    enum { N = 5 };
    orm_object *d[N];
    for (int i = 0; i < N; i++) {
        d[i] = orm_object_new(t);
        set_text(d[i], D_TITLE, "t0");
        assert_int_equal(orm_session_add(f->s, d[i]), ORM_OK);
    }
    assert_int_equal(orm_session_commit(f->s), ORM_OK);
    int version = 1, failures = 0;
    char title[48] = "t0", next[48], sql[200];
    for (int kind = 0; kind < 2; kind++) { /* allocations, then driver calls */
        int fired = 1;
        for (int n = 1; fired && n < 5000; n++) {
            snprintf(next, sizeof next, "t%d.%d", kind, n);
            for (int i = 0; i < N; i++)
                set_text(d[i], D_TITLE, next);
            if (kind == 0)
                orm_fault_alloc_after(n);
            else
                orm_driver_fail_after(n);
            int rc = orm_session_commit(f->s);
            fired = kind == 0 ? orm_fault_alloc_fired() : orm_driver_fail_fired();
            orm_fault_alloc_after(0);
            orm_driver_fail_after(0);
            assert_false(orm_conn_in_transaction(f->conn));
            if (rc == ORM_OK) {
                snprintf(sql, sizeof sql,
                         "SELECT count(*) FROM doc_history WHERE title = '%s' AND version = %d "
                         "AND operation = 'update'",
                         title, version);
                assert_int_equal(raw_int(f, sql), N);
                snprintf(title, sizeof title, "%s", next);
                version++;
            } else {
                failures++;
                assert_true(fired);
            }
            snprintf(sql, sizeof sql,
                     "SELECT count(*) FROM doc WHERE title = '%s' AND version = %d", title,
                     version);
            assert_int_equal(raw_int(f, sql), N);
            assert_int_equal(raw_int(f, "SELECT count(*) FROM doc_history"), (version - 1) * N);
            for (int i = 0; i < N; i++)
                assert_int_equal(d[i]->values[D_VERSION].u.i, version);
        }
        assert_false(fired); /* the sweep passed the commit's last call */
    }
    assert_true(failures >= 4);
    for (int i = 0; i < N; i++)
        orm_object_release(d[i]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_audit__entries_of_the_flush, setup, teardown),
        cmocka_unit_test_setup_teardown(test_audit__faults_write_all_or_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_audit__chunked_history_faults, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
