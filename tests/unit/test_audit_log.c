/* test_audit_log.c — the audit log (core/audit.c) beyond the flush's own
 * test: enabling twice defines the table once; a read-only connection
 * cannot enable it (OperationalError naming the mode, auditing stays off);
 * the actor defaults to the OS user; the JSON of every value type (control
 * characters, quotes and backslashes escaped, floats exact, booleans,
 * blobs by size); deletes as [value, null] under the key the database had;
 * bulk updates and deletes with their criteria and parameters; the log's
 * filters (table, actor, since) and its refusal when auditing is off; and
 * each failing allocation of an audited commit is "out of memory" with no
 * change and no entry written. */
#include "session_fixture.h"

#include <pwd.h>

#include "audit.h"
#include "bulk.h"
#include "expr.h"
#include "fault.h"

enum { G_ID, G_LABEL, G_WEIGHT, G_OK, G_DATA };

/* gadget(id, label, weight Float, ok Boolean, data LargeBinary), audited. */
static orm_table *add_gadget(fx *f)
{
    orm_table *t = add_table(f->md, "gadget");
    add_col(t, &(orm_column){
                   .name = "id", .type = {ORM_T_INTEGER}, .primary_key = 1, .autoincrement = 1});
    add_col(t, &(orm_column){.name = "label", .type = {ORM_T_STRING, 40}, .nullable = 1});
    add_col(t, &(orm_column){.name = "weight", .type = {ORM_T_FLOAT}, .nullable = 1});
    add_col(t, &(orm_column){.name = "ok", .type = {ORM_T_BOOLEAN}, .nullable = 1});
    add_col(t, &(orm_column){.name = "data", .type = {ORM_T_BINARY}, .nullable = 1});
    orm_error err;
    orm_error_init(&err);
    assert_int_equal(orm_ddl_create_all(f->conn, f->md, &err), ORM_OK);
    assert_int_equal(orm_audit_enable(f->s, f->md, &err), ORM_OK);
    assert_int_equal(orm_audit_set_actor(f->s, "auditor"), ORM_OK);
    return t;
}

/* l op r; the new node holds its own references to l and r. */
static orm_expr *compare(orm_op op, orm_expr *l, orm_expr *r)
{
    orm_expr *e = orm_expr_binary(op, l, r);
    orm_expr_release(l);
    orm_expr_release(r);
    return e;
}

static void set_value(orm_object *o, int col, orm_value v)
{
    assert_int_equal(orm_object_set(o, col, &v), ORM_OK);
}

static const char *entry(fx *f, int id, char *buf, size_t n)
{
    char sql[160];
    snprintf(sql, sizeof sql,
             "SELECT table_name || '|' || ifnull(row_key, '-') || '|' || operation || '|' || "
             "changes FROM ormsh_audit WHERE id = %d",
             id);
    return raw_text(f, sql, buf, n);
}

static void test_audit_log__enable_once_and_not_read_only(void **state)
{
    fx *f = *state;
    orm_error err;
    orm_error_init(&err);
    assert_false(orm_audit_enabled(f->s));
    assert_int_equal(orm_audit_enable(f->s, f->md, &err), ORM_OK);
    const orm_table *t = orm_metadata_find(f->md, ORM_AUDIT_TABLE);
    assert_non_null(t);
    assert_int_equal(t->ncols, 7);
    assert_int_equal(orm_audit_enable(f->s, f->md, &err), ORM_OK); /* again: the same table */
    assert_ptr_equal(orm_metadata_find(f->md, ORM_AUDIT_TABLE), t);
    assert_true(orm_audit_enabled(f->s));

    /* the OS user acts unless someone is named */
    const struct passwd *pw = getpwuid(geteuid());
    assert_non_null(pw);
    assert_string_equal(orm_audit_actor(f->s), pw->pw_name);
    assert_int_equal(orm_audit_set_actor(f->s, "x"), ORM_OK);
    assert_string_equal(orm_audit_actor(f->s), "x");
    assert_int_equal(orm_audit_set_actor(f->s, NULL), ORM_OK);
    assert_string_equal(orm_audit_actor(f->s), pw->pw_name);
    orm_fault_alloc_after(1);
    assert_int_equal(orm_audit_set_actor(f->s, "y"), ORM_ENOMEM);
    orm_fault_alloc_after(0);
    assert_string_equal(orm_audit_actor(f->s), pw->pw_name); /* unchanged */

    /* a read-only connection to a database without the table */
    raw_exec(f, "DROP TABLE ormsh_audit");
    char text[200];
    snprintf(text, sizeof text, "sqlite:///%s", f->path);
    orm_url u;
    assert_int_equal(orm_url_parse(&u, text, &err), ORM_OK);
    orm_open_opts o = {.read_only = 1};
    orm_conn *ro = NULL;
    assert_int_equal(orm_conn_open(&ro, &u, &o, &err), ORM_OK);
    orm_url_free(&u);
    orm_session *s = orm_session_new(ro, f->md);
    assert_int_equal(orm_audit_enable(s, f->md, &err), ORM_EFAIL);
    assert_int_equal(err.cls, ORM_ERR_OPERATIONAL);
    assert_non_null(strstr(err.message, "read-only mode (--read-only)"));
    assert_false(orm_audit_enabled(s));
    orm_error_clear(&err);
    orm_session_free(s);
    orm_conn_close(ro);
}

static void test_audit_log__json_of_every_value(void **state)
{
    fx *f = *state;
    orm_table *g = add_gadget(f);
    orm_object *o = orm_object_new(g);
    set_text(o, G_LABEL, "tab\there \"q\" back\\slash\x01");
    orm_value v;
    orm_value_real(&v, 0.1);
    set_value(o, G_WEIGHT, v);
    orm_value_bool(&v, 1);
    set_value(o, G_OK, v);
    v = (orm_value)ORM_VALUE_NULL;
    assert_int_equal(orm_value_set_blob(&v, "\0\1\2\3", 4), ORM_OK);
    set_value(o, G_DATA, v);
    add_ok(f, o);
    commit_ok(f);
    char buf[512];
    assert_string_equal(entry(f, 1, buf, sizeof buf),
                        "gadget|{\"id\": 1}|insert|{\"id\": [null, 1], \"label\": [null, "
                        "\"tab\\u0009here \\\"q\\\" back\\\\slash\\u0001\"], \"weight\": [null, "
                        "0.10000000000000001], \"ok\": [null, true], \"data\": [null, \"<blob 4 "
                        "bytes>\"]}");
    /* an update: [committed, now] of the changed columns only */
    orm_value_bool(&v, 0);
    set_value(o, G_OK, v);
    orm_value_real(&v, -2.5);
    set_value(o, G_WEIGHT, v);
    commit_ok(f);
    assert_string_equal(entry(f, 2, buf, sizeof buf),
                        "gadget|{\"id\": 1}|update|{\"weight\": [0.10000000000000001, -2.5], "
                        "\"ok\": [true, false]}");
    /* the key changed (flushed), then the row deleted: the entry has the
     * key the database had, and every column as [value at the last commit,
     * null] (as an update's entries give the value at the last commit) */
    set_int(o, G_ID, 9);
    flush_ok(f);
    assert_int_equal(orm_session_delete(f->s, o), ORM_OK);
    commit_ok(f);
    assert_string_equal(entry(f, 3, buf, sizeof buf), "gadget|{\"id\": 1}|update|{\"id\": [1, 9]}");
    assert_string_equal(
        entry(f, 4, buf, sizeof buf),
        "gadget|{\"id\": 9}|delete|{\"id\": [1, null], \"label\": [\"tab\\u0009here "
        "\\\"q\\\" back\\\\slash\\u0001\", null], \"weight\": [-2.5, null], \"ok\": "
        "[false, null], \"data\": [\"<blob 4 bytes>\", null]}");
    orm_object_release(o);
}

static void test_audit_log__bulk_statements(void **state)
{
    fx *f = *state;
    orm_table *g = add_gadget(f);
    raw_exec(f, "INSERT INTO gadget (label, weight) VALUES ('a', 1), ('b', 2), ('c', 3)");
    orm_value two;
    orm_value_real(&two, 1.5);
    orm_expr *where = compare(ORM_OP_GT, orm_expr_column(g, G_WEIGHT), orm_expr_bind(&two));
    orm_value lbl = ORM_VALUE_NULL;
    assert_int_equal(orm_value_set_text(&lbl, "heavy", 5), ORM_OK);
    orm_expr *val = orm_expr_bind(&lbl);
    orm_value_clear(&lbl);
    int cols[] = {G_LABEL};
    int64_t matched = 0;
    assert_int_equal(orm_bulk_update(f->s, g, cols, &val, 1, where, &matched), ORM_OK);
    assert_int_equal(matched, 2);
    assert_int_equal(orm_bulk_delete(f->s, g, NULL, &matched), ORM_OK); /* every row */
    assert_int_equal(matched, 3);
    commit_ok(f);
    char buf[512];
    assert_string_equal(
        entry(f, 1, buf, sizeof buf),
        "gadget|-|update|{\"criteria\": \"gadget.weight > ?\", \"params\": [\"heavy\", "
        "1.5], \"rows\": 2}");
    assert_string_equal(entry(f, 2, buf, sizeof buf),
                        "gadget|-|delete|{\"criteria\": null, \"params\": [], \"rows\": 3}");
    orm_expr_release(where);
    orm_expr_release(val);
}

/* The ids of the log's entries, newest first, "3,2,1". */
static void log_ids(fx *f, const char *table, const char *actor, const char *since, char *out,
                    size_t n)
{
    orm_cursor *c = NULL;
    if (orm_audit_log_open(f->s, table, actor, since, &c) != ORM_OK)
        fail_msg("log: %s", orm_session_error(f->s)->message);
    assert_int_equal(orm_cursor_ncols(c), 7);
    assert_string_equal(orm_cursor_colname(c, 6), "changes");
    out[0] = '\0';
    while (orm_cursor_step(c) == ORM_ROW) {
        orm_value v = ORM_VALUE_NULL;
        assert_int_equal(orm_cursor_value(c, 0, &v), ORM_OK);
        size_t len = strlen(out);
        snprintf(out + len, n - len, "%s%lld", len ? "," : "", (long long)v.u.i);
    }
    orm_cursor_close(c);
}

static void test_audit_log__filters(void **state)
{
    fx *f = *state;
    orm_cursor *c = NULL;
    assert_int_equal(orm_audit_log_open(f->s, NULL, NULL, NULL, &c), ORM_EFAIL);
    assert_null(c);
    assert_int_equal(orm_session_error(f->s)->cls, ORM_ERR_ARGUMENT);
    assert_string_equal(orm_session_error(f->s)->message,
                        "auditing is off: db.audit.enable() or audit = true in app.lua");
    add_gadget(f);
    raw_exec(f, "INSERT INTO ormsh_audit (at, actor, table_name, operation) VALUES "
                "('2024-01-01 00:00:00', 'ann', 'gadget', 'insert'), "
                "('2024-06-01 00:00:00', 'bob', 'gadget', 'update'), "
                "('2025-01-01 00:00:00', 'ann', 'parent', 'delete')");
    char ids[64];
    log_ids(f, NULL, NULL, NULL, ids, sizeof ids);
    assert_string_equal(ids, "3,2,1");
    log_ids(f, "gadget", NULL, NULL, ids, sizeof ids);
    assert_string_equal(ids, "2,1");
    log_ids(f, NULL, "ann", NULL, ids, sizeof ids);
    assert_string_equal(ids, "3,1");
    log_ids(f, "gadget", "ann", "2024-01-01", ids, sizeof ids);
    assert_string_equal(ids, "1");
    log_ids(f, NULL, NULL, "2024-06-01", ids, sizeof ids);
    assert_string_equal(ids, "3,2");
    log_ids(f, "nobody's", "x", NULL, ids, sizeof ids);
    assert_string_equal(ids, "");
    /* another session over the same models reads the log without enabling it */
    orm_session *other = orm_session_new(f->conn, f->md);
    assert_int_equal(orm_audit_log_open(other, NULL, "bob", NULL, &c), ORM_OK);
    assert_int_equal(orm_cursor_step(c), ORM_ROW);
    assert_int_equal(orm_cursor_step(c), ORM_DONE);
    orm_cursor_close(c);
    orm_session_free(other);
}

/* Each allocation of an audited commit (insert, update, delete, a bulk
 * update) failing in turn: out of memory, the database unchanged, no
 * entry; then the commit that survives writes all four entries. */
static void test_audit_log__each_failed_allocation(void **state)
{
    fx *f = *state;
    orm_table *g = add_gadget(f);
    f->conn->echo = 0;
    int failures = 0, done = 0;
    for (long n = 1; n < 5000 && !done; n++) {
        /* a fresh session on the starting rows each time */
        raw_exec(f, "DELETE FROM ormsh_audit; DELETE FROM gadget; "
                    "INSERT INTO gadget (id, label) VALUES (1, 'old'), (2, 'gone')");
        orm_session_free(f->s);
        f->s = orm_session_new(f->conn, f->md);
        orm_error err;
        orm_error_init(&err);
        assert_int_equal(orm_audit_enable(f->s, f->md, &err), ORM_OK);
        orm_object *a = get_int(f, g, 1), *b = get_int(f, g, 2);
        orm_object *c = orm_object_new(g);
        set_text(c, G_LABEL, "new");
        set_text(a, G_LABEL, "changed");
        orm_value one;
        orm_value_int(&one, 1);
        orm_expr *where = compare(ORM_OP_EQ, orm_expr_column(g, G_ID), orm_expr_bind(&one));
        orm_expr *val = orm_expr_bind(&(orm_value){.type = ORM_V_REAL, .u.r = 7});
        assert_non_null(where);
        assert_non_null(val);
        int cols[] = {G_WEIGHT};
        int64_t matched;
        orm_fault_alloc_after(n);
        int rc = orm_session_add(f->s, c);
        if (rc == ORM_OK) rc = orm_session_delete(f->s, b);
        if (rc == ORM_OK) rc = orm_session_flush(f->s);
        if (rc == ORM_OK) rc = orm_bulk_update(f->s, g, cols, &val, 1, where, &matched);
        if (rc == ORM_OK) rc = orm_session_commit(f->s);
        int fired = orm_fault_alloc_fired();
        orm_fault_alloc_after(0);
        orm_expr_release(where);
        orm_expr_release(val);
        if (rc == ORM_OK) { /* whole, even when a failure was absorbed */
            done = !fired;
            assert_int_equal(raw_int(f, "SELECT count(*) FROM ormsh_audit"), 4);
            assert_int_equal(raw_int(f, "SELECT count(*) FROM gadget WHERE weight = 7 AND "
                                        "label = 'changed'"),
                             1);
            assert_int_equal(raw_int(f, "SELECT count(*) FROM gadget WHERE label = 'new'"), 1);
            assert_int_equal(raw_int(f, "SELECT count(*) FROM gadget"), 2);
        } else {
            failures++;
            assert_true(fired);
            assert_string_equal(orm_session_error(f->s)->message, "out of memory");
            assert_int_equal(orm_session_rollback(f->s), ORM_OK);
            assert_int_equal(raw_int(f, "SELECT count(*) FROM ormsh_audit"), 0);
            assert_int_equal(raw_int(f, "SELECT count(*) FROM gadget WHERE label = 'old'"), 1);
            assert_int_equal(raw_int(f, "SELECT count(*) FROM gadget"), 2);
        }
        orm_object_release(a);
        orm_object_release(b);
        orm_object_release(c);
    }
    assert_true(done);
    assert_true(failures >= 10);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        FIXTURE_TEST(test_audit_log__enable_once_and_not_read_only),
        FIXTURE_TEST(test_audit_log__json_of_every_value),
        FIXTURE_TEST(test_audit_log__bulk_statements),
        FIXTURE_TEST(test_audit_log__filters),
        FIXTURE_TEST(test_audit_log__each_failed_allocation),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
