/* test_flush.c — writing the unit of work (core/flush.c and the
 * flush/commit path of core/session.c) on a real SQLite file with foreign
 * keys enforced: inserts parents first and one table's rows in add order,
 * generated keys, deletes children first, updates of changed columns only,
 * failed flushes (the database untouched as another connection sees it, the
 * session usable, the values kept), StaleDataError, flush inside flush,
 * hooks, fault-injection loops over every driver call of a commit, and
 * primary key changes (written where the old key is, kept right through a
 * clash, a rollback and a failed commit; refused inside a savepoint). */
#include "session_fixture.h"

/* ---- inserts and deletes: order and generated keys ----------------------- */

static void test_flush__inserts_and_fills_the_generated_key(void **state)
{
    fx *f = *state;
    orm_object *p = new_parent(f, "a");
    add_ok(f, p);
    assert_true(is_null(p, P_ID));
    flush_ok(f);
    assert_int_equal(p->state, ORM_OBJ_PERSISTENT);
    assert_int_equal(int_of(p, P_ID), 1);
    assert_true(orm_conn_in_transaction(f->conn));
    /* the generated key is left out of the INSERT, and so is a column never
     * given (the database's default applies, as in SQLAlchemy); a column set
     * to NULL is written */
    assert_int_equal(echo_count(f, "INSERT INTO parent (name) VALUES (?)  [params: \"a\"]"), 1);
    orm_object *p2 = new_parent(f, "b");
    orm_value null = ORM_VALUE_NULL;
    assert_int_equal(orm_object_set(p2, P_NOTE, &null), ORM_OK);
    add_ok(f, p2);
    flush_ok(f);
    assert_int_equal(
        echo_count(f, "INSERT INTO parent (name, note) VALUES (?, ?)  [params: \"b\", NULL]"), 1);
    assert_int_equal(int_of(p2, P_ID), 2);
    commit_ok(f);
    assert_int_equal(nrows(f, "parent"), 2);
    assert_int_equal(raw_int(f, "SELECT id FROM parent WHERE name = 'b'"), 2);
    orm_object_release(p);
    orm_object_release(p2);
}

static void test_flush__inserts_rows_of_one_table_in_add_order(void **state)
{
    fx *f = *state;
    const char *names[] = {"e", "b", "d", "a", "c"};
    orm_object *p[5];
    for (int i = 0; i < 5; i++) {
        p[i] = new_parent(f, names[i]);
        add_ok(f, p[i]);
    }
    commit_ok(f);
    for (int i = 0; i < 5; i++) {
        assert_int_equal(int_of(p[i], P_ID), i + 1);
        char sql[80];
        snprintf(sql, sizeof sql, "SELECT id FROM parent WHERE name = '%s'", names[i]);
        assert_int_equal(raw_int(f, sql), i + 1);
    }
    /* modifying an object before adding it does not move it earlier */
    orm_object *late = new_parent(f, "late");
    orm_object *early = new_parent(f, "early");
    add_ok(f, early);
    set_text(late, P_NOTE, "touched before add");
    add_ok(f, late);
    commit_ok(f);
    assert_int_equal(int_of(early, P_ID), 6);
    assert_int_equal(int_of(late, P_ID), 7);
    for (int i = 0; i < 5; i++)
        orm_object_release(p[i]);
    orm_object_release(late);
    orm_object_release(early);
}

/* Proves the next tests mean something: an orphan child is refused. */
static void test_flush__foreign_keys_are_enforced(void **state)
{
    fx *f = *state;
    orm_object *c = new_child(f, 99, "orphan");
    add_ok(f, c);
    assert_true(orm_session_flush(f->s) < 0);
    assert_int_equal(orm_session_error(f->s)->cls, ORM_ERR_INTEGRITY);
    assert_non_null(strstr(orm_session_error(f->s)->message, "FOREIGN KEY"));
    assert_int_equal(c->state, ORM_OBJ_PENDING);
    orm_object_release(c);
}

static void test_flush__inserts_parent_before_child(void **state)
{
    fx *f = *state;
    /* children added first, with the parent's key given explicitly */
    orm_object *c1 = new_child(f, 10, "c1");
    orm_object *c2 = new_child(f, 10, "c2");
    orm_object *p = new_parent(f, "p");
    set_int(p, P_ID, 10);
    add_ok(f, c1);
    add_ok(f, c2);
    add_ok(f, p);
    commit_ok(f);
    int ip = echo_find(f, "INSERT INTO parent", 0);
    int ic = echo_find(f, "INSERT INTO child", 0);
    assert_true(ip >= 0 && ic > ip);
    assert_int_equal(echo_count(f, "INSERT INTO child"), 2);
    assert_int_equal(nrows(f, "child"), 2);
    assert_int_equal(int_of(p, P_ID), 10);
    assert_int_equal(int_of(c1, C_ID), 1);
    assert_int_equal(int_of(c2, C_ID), 2);
    orm_object_release(c1);
    orm_object_release(c2);
    orm_object_release(p);
}

/* The generated key of a parent is there when its child is about to be
 * inserted (what relationships build on). */
static void test_flush__parent_generated_key_is_filled_before_child_insert(void **state)
{
    fx *f = *state;
    orm_object *p = new_parent(f, "p");
    hookctx h = {.f = f, .s = f->s, .parent = p};
    use_hooks(f->s, &h);
    orm_object *c = new_child(f, 0, "c");
    add_ok(f, c);
    add_ok(f, p);
    commit_ok(f);
    assert_false(h.child_before_parent);
    assert_int_equal(h.calls, 2);
    assert_int_equal(int_of(c, C_PARENT), int_of(p, P_ID));
    assert_int_equal(raw_int(f, "SELECT parent_id FROM child"), int_of(p, P_ID));
    orm_object_release(c);
    orm_object_release(p);
}

static void test_flush__deletes_children_before_parents(void **state)
{
    fx *f = *state;
    orm_object *p = committed_parent(f, "p");
    orm_object *c = new_child(f, int_of(p, P_ID), "c");
    add_ok(f, c);
    commit_ok(f);
    echo_reset(f);
    /* the parent is deleted first */
    assert_int_equal(orm_session_delete(f->s, p), ORM_OK);
    assert_int_equal(orm_session_delete(f->s, c), ORM_OK);
    assert_int_equal(pending_kinds(f).x, 2);
    flush_ok(f);
    int dc = echo_find(f, "DELETE FROM child", 0);
    int dp = echo_find(f, "DELETE FROM parent", 0);
    assert_true(dc >= 0 && dp > dc);
    assert_int_equal(p->state, ORM_OBJ_DELETED);
    assert_int_equal(c->state, ORM_OBJ_DELETED);
    commit_ok(f);
    assert_int_equal(p->state, ORM_OBJ_DETACHED);
    assert_null(p->session);
    assert_int_equal(nrows(f, "parent"), 0);
    assert_int_equal(nrows(f, "child"), 0);
    orm_object_release(c);
    orm_object_release(p);
}

/* ---- updates ------------------------------------------------------------- */

static void test_flush__update_writes_only_changed_columns(void **state)
{
    fx *f = *state;
    orm_object *p = new_parent(f, "a");
    set_text(p, P_NOTE, "n1");
    add_ok(f, p);
    commit_ok(f);
    echo_reset(f);
    /* clean: a flush writes nothing */
    flush_ok(f);
    assert_int_equal(echo_count(f, "UPDATE"), 0);
    set_text(p, P_NOTE, "n2");
    assert_int_equal(pending_kinds(f).d, 1);
    flush_ok(f);
    assert_int_equal(echo_count(f, "UPDATE"), 1);
    int u = echo_find(f, "UPDATE", 0);
    assert_non_null(strstr(f->lines[u], "UPDATE parent SET note=? WHERE parent.id = ?"));
    assert_non_null(strstr(f->lines[u], "[params: \"n2\", 1]"));
    assert_null(strstr(f->lines[u], "name"));
    /* once flushed, another flush does not repeat it */
    echo_reset(f);
    flush_ok(f);
    assert_int_equal(echo_count(f, "UPDATE"), 0);
    commit_ok(f);
    char buf[64];
    assert_string_equal(raw_text(f, "SELECT note FROM parent", buf, sizeof buf), "n2");
    assert_string_equal(raw_text(f, "SELECT name FROM parent", buf, sizeof buf), "a");
    orm_object_release(p);
}

/* ---- a failed flush ------------------------------------------------------ */

static void test_flush__unique_violation_fails_cleanly_and_session_stays_usable(void **state)
{
    fx *f = *state;
    orm_object *p1 = committed_parent(f, "a");
    echo_reset(f);
    orm_object *p2 = new_parent(f, "b");
    orm_object *c = new_child(f, 1, "c");
    orm_object *p3 = new_parent(f, "a"); /* duplicate name */
    set_text(p3, P_NOTE, "mine");
    add_ok(f, p2);
    add_ok(f, c);
    add_ok(f, p3);
    int rc = orm_session_flush(f->s);
    assert_true(rc < 0);
    orm_error *e = orm_session_error(f->s);
    assert_int_equal(e->cls, ORM_ERR_INTEGRITY);
    assert_non_null(e->message);
    assert_non_null(strstr(e->message, "UNIQUE constraint failed: parent.name"));
    assert_non_null(e->sql);
    assert_non_null(strstr(e->sql, "INSERT INTO parent"));
    assert_true(e->code != 0);
    assert_int_equal(f->conn->err.cls, ORM_ERR_NONE);
    /* the database transaction is gone and held nothing */
    assert_false(orm_conn_in_transaction(f->conn));
    assert_int_equal(echo_count(f, "ROLLBACK"), 1);
    assert_int_equal(nrows(f, "parent"), 1);
    assert_int_equal(nrows(f, "child"), 0);
    /* every object is pending again with the values the user gave; the
     * generated key of the row that was inserted and rolled back is gone */
    assert_int_equal(p2->state, ORM_OBJ_PENDING);
    assert_int_equal(p3->state, ORM_OBJ_PENDING);
    assert_int_equal(c->state, ORM_OBJ_PENDING);
    assert_true(is_null(p2, P_ID));
    assert_true(is_null(p3, P_ID));
    assert_string_equal(text_of(p2, P_NAME), "b");
    assert_string_equal(text_of(p3, P_NAME), "a");
    assert_string_equal(text_of(p3, P_NOTE), "mine");
    assert_int_equal(int_of(c, C_PARENT), 1);
    assert_int_equal(orm_session_pending_count(f->s), 3);
    assert_int_equal(pending_kinds(f).n, 3);
    assert_int_equal(f->s->identity.count, 1); /* only p1 */
    /* commit again without fixing: the same failure, still nothing written */
    assert_true(orm_session_commit(f->s) < 0);
    assert_int_equal(orm_session_error(f->s)->cls, ORM_ERR_INTEGRITY);
    assert_int_equal(nrows(f, "parent"), 1);
    /* fix one value and commit */
    set_text(p3, P_NAME, "z");
    commit_ok(f);
    assert_int_equal(orm_session_error(f->s)->cls, ORM_ERR_NONE);
    assert_int_equal(nrows(f, "parent"), 3);
    assert_int_equal(nrows(f, "child"), 1);
    assert_int_equal(int_of(p2, P_ID), 2);
    assert_int_equal(int_of(p3, P_ID), 3);
    char buf[32];
    assert_string_equal(raw_text(f, "SELECT note FROM parent WHERE name = 'z'", buf, sizeof buf),
                        "mine");
    assert_int_equal(orm_session_pending_count(f->s), 0);
    orm_object_release(p1);
    orm_object_release(p2);
    orm_object_release(p3);
    orm_object_release(c);
}

static void test_flush__failure_keeps_unflushed_updates_pending(void **state)
{
    fx *f = *state;
    orm_object *p1 = committed_parent(f, "a");
    orm_object *p2 = committed_parent(f, "b");
    set_text(p1, P_NOTE, "changed");
    orm_object *dup = new_parent(f, "b");
    add_ok(f, dup);
    /* inserts run before updates: the UPDATE of p1 never ran */
    assert_true(orm_session_commit(f->s) < 0);
    assert_int_equal(orm_session_error(f->s)->cls, ORM_ERR_INTEGRITY);
    char buf[32];
    assert_string_equal(
        raw_text(f, "SELECT coalesce(note, '<null>') FROM parent WHERE id = 1", buf, sizeof buf),
        "<null>");
    assert_string_equal(text_of(p1, P_NOTE), "changed");
    assert_int_equal(pending_kinds(f).d, 1);
    set_text(dup, P_NAME, "c");
    commit_ok(f);
    assert_string_equal(raw_text(f, "SELECT note FROM parent WHERE id = 1", buf, sizeof buf),
                        "changed");
    orm_object_release(p1);
    orm_object_release(p2);
    orm_object_release(dup);
}

/* An UPDATE that ran in a flush whose transaction later failed is written
 * again by the next commit. */
static void test_commit__failure_after_an_update_ran_writes_it_again(void **state)
{
    fx *f = *state;
    orm_object *p1 = committed_parent(f, "a");
    orm_object *p2 = committed_parent(f, "b");
    set_text(p1, P_NOTE, "changed");
    flush_ok(f); /* the UPDATE ran */
    orm_object *dup = new_parent(f, "b");
    add_ok(f, dup);
    assert_true(orm_session_commit(f->s) < 0);
    char buf[32];
    assert_string_equal(
        raw_text(f, "SELECT coalesce(note, '<null>') FROM parent WHERE id = 1", buf, sizeof buf),
        "<null>");
    assert_string_equal(text_of(p1, P_NOTE), "changed");
    assert_int_equal(pending_kinds(f).d, 1);
    orm_session_expunge(f->s, dup);
    commit_ok(f);
    assert_string_equal(raw_text(f, "SELECT note FROM parent WHERE id = 1", buf, sizeof buf),
                        "changed");
    assert_int_equal(nrows(f, "parent"), 2);
    orm_object_release(p1);
    orm_object_release(p2);
    orm_object_release(dup);
}

/* ---- StaleDataError ------------------------------------------------------ */

static void test_flush__update_of_a_vanished_row_raises_stale_data(void **state)
{
    fx *f = *state;
    orm_object *p = committed_parent(f, "a");
    raw_exec(f, "DELETE FROM parent");
    set_text(p, P_NOTE, "n");
    assert_true(orm_session_flush(f->s) < 0);
    orm_error *e = orm_session_error(f->s);
    assert_int_equal(e->cls, ORM_ERR_STALE);
    assert_non_null(
        strstr(e->message,
               "UPDATE statement on table 'parent' expected to update 1 row(s); 0 were matched"));
    assert_false(orm_conn_in_transaction(f->conn));
    assert_int_equal(p->state, ORM_OBJ_PERSISTENT);
    assert_string_equal(text_of(p, P_NOTE), "n");
    assert_int_equal(pending_kinds(f).d, 1);
    assert_int_equal(orm_session_rollback(f->s), ORM_OK);
    orm_object_release(p);
}

static void test_flush__delete_of_a_vanished_row_raises_stale_data(void **state)
{
    fx *f = *state;
    orm_object *p = committed_parent(f, "a");
    orm_object *q = committed_parent(f, "b");
    raw_exec(f, "DELETE FROM parent WHERE id = 1");
    orm_object *n = new_parent(f, "n");
    add_ok(f, n);
    assert_int_equal(orm_session_delete(f->s, p), ORM_OK);
    assert_true(orm_session_commit(f->s) < 0);
    orm_error *e = orm_session_error(f->s);
    assert_int_equal(e->cls, ORM_ERR_STALE);
    assert_non_null(
        strstr(e->message,
               "DELETE statement on table 'parent' expected to delete 1 row(s); 0 were matched"));
    assert_false(orm_conn_in_transaction(f->conn));
    assert_int_equal(nrows(f, "parent"), 1); /* the insert before it was rolled back */
    assert_int_equal(n->state, ORM_OBJ_PENDING);
    assert_true(is_null(n, P_ID));
    orm_object_release(p);
    orm_object_release(q);
    orm_object_release(n);
}

/* ---- misuse and hooks ---------------------------------------------------- */

static void test_flush__flush_inside_flush_is_misuse(void **state)
{
    fx *f = *state;
    hookctx h = {.f = f, .s = f->s, .nested_flush = 1};
    use_hooks(f->s, &h);
    orm_object *p = new_parent(f, "a");
    add_ok(f, p);
    flush_ok(f);
    assert_int_equal(h.calls, 1);
    assert_int_equal(h.nested_rc, ORM_EMISUSE);
    assert_int_equal(h.nested_cls, ORM_ERR_PROGRAMMING);
    /* the outer flush went on and inserted the row once */
    assert_int_equal(p->state, ORM_OBJ_PERSISTENT);
    assert_int_equal(echo_count(f, "INSERT INTO parent"), 1);
    h.nested_flush = 0;
    commit_ok(f);
    assert_int_equal(nrows(f, "parent"), 1);
    orm_object_release(p);
}

static void test_flush__before_insert_hook_fills_a_value_that_is_inserted(void **state)
{
    fx *f = *state;
    hookctx h = {.f = f, .s = f->s, .fill_note = 1};
    use_hooks(f->s, &h);
    orm_object *p = new_parent(f, "a");
    orm_object *q = new_parent(f, "b");
    set_text(q, P_NOTE, "given");
    add_ok(f, p);
    add_ok(f, q);
    commit_ok(f);
    assert_int_equal(h.calls, 2);
    assert_string_equal(text_of(p, P_NOTE), "filled");
    char buf[32];
    assert_string_equal(raw_text(f, "SELECT note FROM parent WHERE name = 'a'", buf, sizeof buf),
                        "filled");
    assert_string_equal(raw_text(f, "SELECT note FROM parent WHERE name = 'b'", buf, sizeof buf),
                        "given");
    assert_non_null(strstr(f->lines[echo_find(f, "INSERT INTO parent", 0)],
                           "INSERT INTO parent (name, note) VALUES (?, ?)"));
    orm_object_release(p);
    orm_object_release(q);
}

static void test_flush__before_update_hook_value_is_written_with_the_change(void **state)
{
    fx *f = *state;
    orm_object *p = committed_parent(f, "a");
    hookctx h = {.f = f, .s = f->s};
    use_hooks(f->s, &h);
    echo_reset(f);
    set_text(p, P_NAME, "a2");
    commit_ok(f);
    assert_int_equal(h.updates, 1);
    int u = echo_find(f, "UPDATE", 0);
    assert_true(u >= 0);
    assert_non_null(strstr(f->lines[u], "UPDATE parent SET name=?, note=? WHERE parent.id = ?"));
    char buf[32];
    assert_string_equal(raw_text(f, "SELECT note FROM parent", buf, sizeof buf), "stamped");
    /* a clean object is not updated, so the hook is not called */
    commit_ok(f);
    assert_int_equal(h.updates, 1);
    orm_object_release(p);
}

static void test_flush__failing_before_insert_hook_fails_the_flush_cleanly(void **state)
{
    fx *f = *state;
    orm_object *p = new_parent(f, "a");
    hookctx h = {.f = f, .s = f->s, .parent = p, .refuse = f->child};
    use_hooks(f->s, &h);
    orm_object *c = new_child(f, 0, "c");
    add_ok(f, p);
    add_ok(f, c);
    /* the parent goes in, then the hook refuses the child */
    assert_true(orm_session_commit(f->s) < 0);
    orm_error *e = orm_session_error(f->s);
    assert_int_equal(e->cls, ORM_ERR_DATA);
    assert_string_equal(e->message, "hook refused a child");
    assert_int_equal(echo_count(f, "INSERT INTO parent"), 1);
    assert_int_equal(echo_count(f, "INSERT INTO child"), 0);
    assert_false(orm_conn_in_transaction(f->conn));
    assert_int_equal(nrows(f, "parent"), 0);
    assert_int_equal(p->state, ORM_OBJ_PENDING);
    assert_int_equal(c->state, ORM_OBJ_PENDING);
    assert_true(is_null(p, P_ID));
    h.refuse = NULL;
    commit_ok(f);
    assert_int_equal(nrows(f, "parent"), 1);
    assert_int_equal(nrows(f, "child"), 1);
    assert_int_equal(int_of(c, C_PARENT), int_of(p, P_ID));
    orm_object_release(p);
    orm_object_release(c);
}

/* ---- fault injection ----------------------------------------------------- */

/* For n = 1, 2, ... until the commit succeeds: fail the n-th driver call of
 * a commit that inserts a parent and two children (one added before it).
 * Every failure must leave a clean error, the database as committed before,
 * the session usable with the objects pending and their values intact; a
 * retry with the fault disarmed commits. fresh: a new session (and so a new
 * statement cache, putting prepare on the path) each round. */
static void fault_loop_inserts(fx *f, int fresh)
{
    long long parents = 0, children = 0;
    int failures = 0, done = 0;
    for (long n = 1; n < 500 && !done; n++) {
        orm_session *s = fresh ? orm_session_new(f->conn, f->md) : f->s;
        assert_non_null(s);
        char name[32];
        snprintf(name, sizeof name, "p%ld", n);
        orm_object *p = new_parent(f, name);
        orm_object *c1 = new_child(f, 0, "c1"), *c2 = new_child(f, 0, "c2");
        hookctx h = {.f = f, .s = s, .parent = p};
        use_hooks(s, &h);
        assert_int_equal(orm_session_add(s, c1), ORM_OK);
        assert_int_equal(orm_session_add(s, p), ORM_OK);
        assert_int_equal(orm_session_add(s, c2), ORM_OK);
        orm_driver_fail_after(n);
        int rc = orm_session_commit(s);
        orm_driver_fail_after(0);
        if (rc == ORM_OK) {
            done = 1;
        } else {
            failures++;
            orm_error *e = orm_session_error(s);
            assert_int_equal(e->cls, ORM_ERR_OPERATIONAL);
            assert_non_null(e->message);
            assert_string_equal(e->message, "injected fault");
            assert_int_equal(f->conn->err.cls, ORM_ERR_NONE);
            assert_false(orm_conn_in_transaction(f->conn));
            assert_int_equal(nrows(f, "parent"), parents);
            assert_int_equal(nrows(f, "child"), children);
            orm_object *objs[] = {c1, p, c2};
            for (int i = 0; i < 3; i++) {
                assert_int_equal(objs[i]->state, ORM_OBJ_PENDING);
                assert_ptr_equal(objs[i]->session, s);
                assert_true(is_null(objs[i], 0)); /* generated keys cleared */
            }
            assert_string_equal(text_of(p, P_NAME), name);
            assert_string_equal(text_of(c2, C_NAME), "c2");
            assert_int_equal(orm_session_pending_count(s), 3);
            rc = orm_session_commit(s);
            if (rc != ORM_OK) fail_msg("round %ld: retry: %s", n, orm_session_error(s)->message);
        }
        assert_false(h.child_before_parent);
        parents += 1;
        children += 2;
        assert_int_equal(nrows(f, "parent"), parents);
        assert_int_equal(nrows(f, "child"), children);
        char sql[96];
        snprintf(sql, sizeof sql, "SELECT count(*) FROM child WHERE parent_id = %lld",
                 (long long)int_of(p, P_ID));
        assert_int_equal(raw_int(f, sql), 2);
        assert_int_equal(p->state, ORM_OBJ_PERSISTENT);
        assert_int_equal(orm_session_pending_count(s), 0);
        orm_object_release(p);
        orm_object_release(c1);
        orm_object_release(c2);
        if (fresh)
            orm_session_free(s);
        else
            orm_session_set_hooks(s, &(orm_session_hooks){0});
    }
    assert_true(done);
    /* BEGIN, [prepare], bind, step for each of three rows, COMMIT */
    assert_true(failures >= (fresh ? 9 : 8));
}

static void test_commit__every_injected_fault_on_inserts_fails_cleanly(void **state)
{
    fault_loop_inserts(*state, 1);
}

static void test_commit__every_injected_fault_with_cached_statements_fails_cleanly(void **state)
{
    fx *f = *state;
    orm_object *warm = committed_parent(f, "warm"); /* fills the statement cache */
    orm_object *wc = new_child(f, int_of(warm, P_ID), "warm");
    add_ok(f, wc);
    commit_ok(f);
    orm_object_release(warm);
    orm_object_release(wc);
    raw_exec(f, "DELETE FROM child; DELETE FROM parent");
    fault_loop_inserts(f, 0);
}

/* The same over a commit that updates a loaded row and inserts a child. */
static void test_commit__every_injected_fault_on_update_and_insert_fails_cleanly(void **state)
{
    fx *f = *state;
    orm_object *a = committed_parent(f, "a");
    int64_t aid = int_of(a, P_ID);
    orm_object_release(a);
    long long children = 0;
    char want_note[32] = "<null>";
    int failures = 0, done = 0;
    for (long n = 1; n < 500 && !done; n++) {
        orm_session *s = orm_session_new(f->conn, f->md);
        orm_value k;
        orm_value_int(&k, aid);
        orm_object *p = NULL;
        assert_int_equal(orm_session_get(s, f->parent, &k, &p), ORM_OK);
        assert_non_null(p);
        orm_session_end_idle(s);
        char note[32];
        snprintf(note, sizeof note, "v%ld", n);
        set_text(p, P_NOTE, note);
        orm_object *c = new_child(f, aid, note);
        assert_int_equal(orm_session_add(s, c), ORM_OK);
        orm_driver_fail_after(n);
        int rc = orm_session_commit(s);
        orm_driver_fail_after(0);
        char buf[32];
        if (rc == ORM_OK) {
            done = 1;
        } else {
            failures++;
            assert_int_equal(orm_session_error(s)->cls, ORM_ERR_OPERATIONAL);
            assert_false(orm_conn_in_transaction(f->conn));
            assert_string_equal(
                raw_text(f, "SELECT coalesce(note, '<null>') FROM parent", buf, sizeof buf),
                want_note);
            assert_int_equal(nrows(f, "child"), children);
            assert_string_equal(text_of(p, P_NOTE), note);
            assert_int_equal(p->state, ORM_OBJ_PERSISTENT);
            assert_int_equal(c->state, ORM_OBJ_PENDING);
            kinds kd = {0, 0, 0};
            orm_session_each_pending(s, count_kind, &kd);
            assert_int_equal(kd.n, 1);
            assert_int_equal(kd.d, 1);
            rc = orm_session_commit(s);
            if (rc != ORM_OK) fail_msg("round %ld: retry: %s", n, orm_session_error(s)->message);
        }
        children++;
        snprintf(want_note, sizeof want_note, "%s", note);
        assert_string_equal(raw_text(f, "SELECT note FROM parent", buf, sizeof buf), note);
        assert_int_equal(nrows(f, "child"), children);
        orm_object_release(p);
        orm_object_release(c);
        orm_session_free(s);
    }
    assert_true(done);
    assert_true(failures >= 7);
}

/* ---- regressions: failed commits after a flushed delete ---------------- */

/* Was a bug: a DELETE that ran in a flush was lost when the transaction then fails
 * (here: COMMIT). orm_session_revert_to_pending (core/session.c) turns the
 * DELETED object back into PERSISTENT but delete_one (core/flush.c) had
 * cleared marked_delete, so the delete is no longer pending: the retried
 * commit writes nothing and the row survives, although pending_count still
 * counts the object. Fix: in revert_to_pending, set o->marked_delete = 1 for
 * objects in state ORM_OBJ_DELETED (and clear it only in forget_committed). */
static void test_commit__failed_commit_keeps_a_flushed_delete_pending(void **state)
{
    fx *f = *state;
    orm_object *p = committed_parent(f, "a");
    assert_int_equal(orm_session_delete(f->s, p), ORM_OK);
    flush_ok(f);
    orm_driver_fail_after(1); /* the COMMIT */
    assert_true(orm_session_commit(f->s) < 0);
    orm_driver_fail_after(0);
    assert_int_equal(nrows(f, "parent"), 1);
    assert_int_equal(pending_kinds(f).x, 1); /* fails: the delete is forgotten */
    commit_ok(f);
    assert_int_equal(nrows(f, "parent"), 0);
    orm_object_release(p);
}

/* Was a bug, same family: an object inserted and then deleted in one transaction
 * is inserted again by the retry after a failed commit. revert_to_pending
 * checks inserted_in_txn before state == DELETED and makes it PENDING. Fix:
 * an object that is DELETED and inserted_in_txn should go back to TRANSIENT
 * (expunged), or to PENDING with marked_delete (net effect: nothing). */
static void
test_commit__failed_commit_does_not_resurrect_an_object_inserted_and_deleted(void **state)
{
    fx *f = *state;
    orm_object *p = new_parent(f, "gone");
    add_ok(f, p);
    flush_ok(f);
    assert_int_equal(orm_session_delete(f->s, p), ORM_OK);
    flush_ok(f);
    assert_int_equal(p->state, ORM_OBJ_DELETED);
    orm_driver_fail_after(1); /* the COMMIT */
    assert_true(orm_session_commit(f->s) < 0);
    orm_driver_fail_after(0);
    commit_ok(f);
    assert_int_equal(nrows(f, "parent"), 0); /* fails: the row is back */
    orm_object_release(p);
}

/* Was a bug: the fault loop over update + delete + insert: every failure after the
 * DELETE ran (the COMMIT) loses the delete (see above). */
static void test_commit__every_injected_fault_on_delete_fails_cleanly(void **state)
{
    fx *f = *state;
    orm_object *a = committed_parent(f, "a");
    int64_t aid = int_of(a, P_ID);
    orm_object *first = new_child(f, aid, "first");
    add_ok(f, first);
    commit_ok(f);
    int64_t victim = int_of(first, C_ID);
    orm_object_release(first);
    orm_object_release(a);
    int done = 0;
    for (long n = 1; n < 500 && !done; n++) {
        orm_session *s = orm_session_new(f->conn, f->md);
        orm_value k;
        orm_value_int(&k, victim);
        orm_object *old = NULL;
        assert_int_equal(orm_session_get(s, f->child, &k, &old), ORM_OK);
        assert_non_null(old);
        orm_session_end_idle(s);
        orm_object *c = new_child(f, aid, "next");
        assert_int_equal(orm_session_add(s, c), ORM_OK);
        assert_int_equal(orm_session_delete(s, old), ORM_OK);
        orm_driver_fail_after(n);
        int rc = orm_session_commit(s);
        orm_driver_fail_after(0);
        char sql[96];
        snprintf(sql, sizeof sql, "SELECT count(*) FROM child WHERE id = %lld", (long long)victim);
        if (rc == ORM_OK) {
            done = 1;
        } else {
            assert_false(orm_conn_in_transaction(f->conn));
            assert_int_equal(nrows(f, "child"), 1);
            assert_int_equal(raw_int(f, sql), 1);
            rc = orm_session_commit(s);
            if (rc != ORM_OK) fail_msg("round %ld: retry: %s", n, orm_session_error(s)->message);
        }
        if (raw_int(f, sql) != 0)
            fail_msg("round %ld: the deleted row survived the retried commit", n);
        assert_int_equal(nrows(f, "child"), 1);
        victim = int_of(c, C_ID);
        orm_object_release(old);
        orm_object_release(c);
        orm_session_free(s);
    }
    assert_true(done);
}

/* ---- primary key changes ------------------------------------------------ */

/* The row is found by the key the database has; afterwards the object is
 * found by its new key, and the old one finds nothing. */
static void test_flush__changing_the_primary_key_updates_the_old_row(void **state)
{
    fx *f = *state;
    orm_object *a = committed_parent(f, "a");
    set_int(a, P_ID, 7);
    set_text(a, P_NOTE, "moved");
    flush_ok(f);
    assert_int_equal(echo_count(f,
                                "UPDATE parent SET id=?, note=? WHERE parent.id = ?  [params: 7, "
                                "\"moved\", 1]"),
                     1);
    commit_ok(f);
    assert_int_equal(raw_int(f, "SELECT id FROM parent WHERE name = 'a'"), 7);
    assert_int_equal(nrows(f, "parent"), 1);
    orm_object *g = get_int(f, f->parent, 7);
    assert_ptr_equal(g, a);
    orm_object_release(g);
    assert_null(get_int(f, f->parent, 1));
    orm_object_release(a);
}

/* Another row's key: IntegrityError, that row untouched and still its
 * object's; then a free key is written to the right row. */
static void test_flush__primary_key_clash_fails_cleanly_and_a_fix_commits(void **state)
{
    fx *f = *state;
    orm_object *a = committed_parent(f, "a");
    orm_object *b = committed_parent(f, "b");
    set_int(a, P_ID, 2);
    set_text(a, P_NOTE, "from a");
    assert_int_equal(orm_session_flush(f->s), ORM_EFAIL);
    assert_int_equal(orm_session_error(f->s)->cls, ORM_ERR_INTEGRITY);
    char buf[32];
    assert_string_equal(raw_text(f, "SELECT coalesce(note, '<null>') FROM parent WHERE name = 'b'",
                                 buf, sizeof buf),
                        "<null>");
    orm_object *g = get_int(f, f->parent, 2);
    assert_ptr_equal(g, b);
    orm_object_release(g);
    set_int(a, P_ID, 9); /* the user fixes the value: the row is still id 1 */
    commit_ok(f);
    assert_int_equal(raw_int(f, "SELECT id FROM parent WHERE name = 'a'"), 9);
    assert_int_equal(raw_int(f, "SELECT id FROM parent WHERE name = 'b'"), 2);
    g = get_int(f, f->parent, 9);
    assert_ptr_equal(g, a);
    orm_object_release(g);
    orm_object_release(a);
    orm_object_release(b);
}

/* Rollback after the change was flushed: the old key is back, in the
 * database, in the object and in the identity map. */
static void test_rollback__restores_a_flushed_primary_key_change(void **state)
{
    fx *f = *state;
    orm_object *a = committed_parent(f, "a");
    set_int(a, P_ID, 5);
    flush_ok(f);
    assert_int_equal(orm_session_rollback(f->s), ORM_OK);
    assert_int_equal(int_of(a, P_ID), 1);
    assert_int_equal(raw_int(f, "SELECT id FROM parent WHERE name = 'a'"), 1);
    orm_object *g = get_int(f, f->parent, 1);
    assert_ptr_equal(g, a);
    orm_object_release(g);
    assert_null(get_int(f, f->parent, 5));
    orm_object_release(a);
}

/* A commit that fails after the key's UPDATE ran: the database is back at
 * the old key, and the next commit writes the change again, from there. */
static void test_commit__failure_after_a_key_change_writes_it_again(void **state)
{
    fx *f = *state;
    orm_object *a = committed_parent(f, "a");
    orm_object *b = committed_parent(f, "b");
    set_int(a, P_ID, 4);
    set_text(b, P_NAME, "a"); /* a's name: b's UPDATE, after a's, fails (unique) */
    assert_int_equal(orm_session_commit(f->s), ORM_EFAIL);
    assert_int_equal(echo_count(f, "WHERE parent.id = ?  [params: 4, 1]"), 1); /* a's ran */
    assert_int_equal(raw_int(f, "SELECT id FROM parent WHERE name = 'a'"), 1);
    set_text(b, P_NAME, "b2");
    commit_ok(f);
    assert_int_equal(echo_count(f, "WHERE parent.id = ?  [params: 4, 1]"), 2); /* from id 1 again */
    assert_int_equal(raw_int(f, "SELECT id FROM parent WHERE name = 'a'"), 4);
    assert_int_equal(raw_int(f, "SELECT id FROM parent WHERE name = 'b2'"), 2);
    orm_object *g = get_int(f, f->parent, 4);
    assert_ptr_equal(g, a);
    orm_object_release(g);
    orm_object_release(a);
    orm_object_release(b);
}

/* Deleted before its new key was written: the row with the old key goes. */
static void test_flush__delete_after_a_key_change_deletes_the_old_row(void **state)
{
    fx *f = *state;
    orm_object *a = committed_parent(f, "a");
    set_int(a, P_ID, 6);
    assert_int_equal(orm_session_delete(f->s, a), ORM_OK);
    commit_ok(f);
    assert_int_equal(nrows(f, "parent"), 0);
    orm_object_release(a);
}

/* Inside a savepoint a key cannot change (rolling the savepoint back
 * reloads rows by key). */
static void test_flush__primary_key_change_inside_a_savepoint_is_refused(void **state)
{
    fx *f = *state;
    orm_object *a = committed_parent(f, "a");
    int id = 0;
    assert_int_equal(orm_session_savepoint(f->s, &id), ORM_OK);
    orm_value v;
    orm_value_int(&v, 8);
    assert_int_equal(orm_object_set(a, P_ID, &v), ORM_EMISUSE);
    assert_int_equal(int_of(a, P_ID), 1);
    assert_int_equal(orm_session_release_savepoint(f->s, id), ORM_OK);
    set_int(a, P_ID, 8);
    commit_ok(f);
    assert_int_equal(raw_int(f, "SELECT id FROM parent WHERE name = 'a'"), 8);
    orm_object_release(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        FIXTURE_TEST(test_flush__inserts_and_fills_the_generated_key),
        FIXTURE_TEST(test_flush__inserts_rows_of_one_table_in_add_order),
        FIXTURE_TEST(test_flush__foreign_keys_are_enforced),
        FIXTURE_TEST(test_flush__inserts_parent_before_child),
        FIXTURE_TEST(test_flush__parent_generated_key_is_filled_before_child_insert),
        FIXTURE_TEST(test_flush__deletes_children_before_parents),
        FIXTURE_TEST(test_flush__update_writes_only_changed_columns),
        FIXTURE_TEST(test_flush__unique_violation_fails_cleanly_and_session_stays_usable),
        FIXTURE_TEST(test_flush__failure_keeps_unflushed_updates_pending),
        FIXTURE_TEST(test_commit__failure_after_an_update_ran_writes_it_again),
        FIXTURE_TEST(test_flush__update_of_a_vanished_row_raises_stale_data),
        FIXTURE_TEST(test_flush__delete_of_a_vanished_row_raises_stale_data),
        FIXTURE_TEST(test_flush__flush_inside_flush_is_misuse),
        FIXTURE_TEST(test_flush__before_insert_hook_fills_a_value_that_is_inserted),
        FIXTURE_TEST(test_flush__before_update_hook_value_is_written_with_the_change),
        FIXTURE_TEST(test_flush__failing_before_insert_hook_fails_the_flush_cleanly),
        FIXTURE_TEST(test_commit__every_injected_fault_on_inserts_fails_cleanly),
        FIXTURE_TEST(test_commit__every_injected_fault_with_cached_statements_fails_cleanly),
        FIXTURE_TEST(test_commit__every_injected_fault_on_update_and_insert_fails_cleanly),
        FIXTURE_TEST(test_commit__failed_commit_keeps_a_flushed_delete_pending),
        FIXTURE_TEST(test_commit__failed_commit_does_not_resurrect_an_object_inserted_and_deleted),
        FIXTURE_TEST(test_commit__every_injected_fault_on_delete_fails_cleanly),
        FIXTURE_TEST(test_flush__changing_the_primary_key_updates_the_old_row),
        FIXTURE_TEST(test_flush__primary_key_clash_fails_cleanly_and_a_fix_commits),
        FIXTURE_TEST(test_rollback__restores_a_flushed_primary_key_change),
        FIXTURE_TEST(test_commit__failure_after_a_key_change_writes_it_again),
        FIXTURE_TEST(test_flush__delete_after_a_key_change_deletes_the_old_row),
        FIXTURE_TEST(test_flush__primary_key_change_inside_a_savepoint_is_refused),
    };
    return cmocka_run_group_tests_name("flush", tests, NULL, NULL);
}
