/* test_session.c — the session's object states and transactions
 * (core/session.c, object.c, cursor.c) on a real SQLite file: add and
 * delete, the identity map through get and cursors (one object per row, a
 * clean unreferenced object freed and reloaded), rollback (committed values
 * back, new objects transient without generated keys, deleted ones
 * persistent again), pending_count, commit, close and end_idle.
 * Flush order, failed flushes, hooks, fault injection and primary key
 * changes: test_flush.c. */
#include "session_fixture.h"

/* ---- add and delete ------------------------------------------------------ */

static void test_session__add_makes_object_pending(void **state)
{
    fx *f = *state;
    orm_object *p = new_parent(f, "a");
    assert_int_equal(p->state, ORM_OBJ_TRANSIENT);
    assert_null(p->session);
    add_ok(f, p);
    assert_int_equal(p->state, ORM_OBJ_PENDING);
    assert_ptr_equal(p->session, f->s);
    assert_int_equal(orm_session_pending_count(f->s), 1);
    kinds k = pending_kinds(f);
    assert_int_equal(k.n, 1);
    /* adding twice changes nothing */
    add_ok(f, p);
    assert_int_equal(orm_session_pending_count(f->s), 1);
    /* nothing ran yet: no transaction, no statement */
    assert_false(orm_conn_in_transaction(f->conn));
    assert_int_equal(f->nlines, 0);
    orm_object_release(p);
}

static void test_session__add_of_object_of_another_session_is_an_argument_error(void **state)
{
    fx *f = *state;
    orm_session *other = orm_session_new(f->conn, f->md);
    orm_object *p = new_parent(f, "a");
    assert_int_equal(orm_session_add(other, p), ORM_OK);
    assert_true(orm_session_add(f->s, p) < 0);
    assert_int_equal(orm_session_error(f->s)->cls, ORM_ERR_ARGUMENT);
    assert_ptr_equal(p->session, other);
    orm_session_free(other);
    assert_int_equal(p->state, ORM_OBJ_TRANSIENT);
    orm_object_release(p);
}

static void test_session__delete_of_a_pending_object_makes_it_transient(void **state)
{
    fx *f = *state;
    orm_object *p = new_parent(f, "a");
    add_ok(f, p);
    assert_int_equal(orm_session_delete(f->s, p), ORM_OK);
    assert_int_equal(p->state, ORM_OBJ_TRANSIENT);
    assert_null(p->session);
    assert_int_equal(orm_session_pending_count(f->s), 0);
    commit_ok(f);
    assert_int_equal(nrows(f, "parent"), 0);
    orm_object_release(p);
}

static void test_session__delete_of_a_transient_object_is_an_argument_error(void **state)
{
    fx *f = *state;
    orm_object *p = new_parent(f, "a");
    assert_true(orm_session_delete(f->s, p) < 0);
    assert_int_equal(orm_session_error(f->s)->cls, ORM_ERR_ARGUMENT);
    orm_object_release(p);
}

static void test_session__add_after_delete_cancels_the_delete(void **state)
{
    fx *f = *state;
    orm_object *p = committed_parent(f, "a");
    assert_int_equal(orm_session_delete(f->s, p), ORM_OK);
    add_ok(f, p);
    assert_false(p->marked_delete);
    assert_int_equal(pending_kinds(f).x, 0);
    commit_ok(f);
    assert_int_equal(echo_count(f, "DELETE"), 0);
    assert_int_equal(nrows(f, "parent"), 1);
    orm_object_release(p);
}

/* The session holds what it must write: an object the caller let go of
 * right after add is still inserted, then freed at commit (no leak). */
static void test_session__pending_object_released_by_its_creator_is_still_inserted(void **state)
{
    fx *f = *state;
    orm_object *p = new_parent(f, "orphaned");
    add_ok(f, p);
    orm_object_release(p);
    orm_object *q = committed_parent(f, "b"); /* commits both */
    assert_int_equal(nrows(f, "parent"), 2);
    assert_int_equal(f->s->identity.count, 1); /* p was freed and left the map */
    orm_object *g = get_int(f, f->parent, 1);
    assert_string_equal(text_of(g, P_NAME), "orphaned");
    orm_object_release(g);
    orm_object_release(q);
}

/* ---- identity: get and cursors ------------------------------------------- */

static void test_session__get_returns_the_object_a_cursor_loaded(void **state)
{
    fx *f = *state;
    orm_object *p = committed_parent(f, "a");
    orm_object_release(p); /* nobody holds it: the next load makes a new one */
    orm_cursor *c;
    orm_value k;
    orm_value_int(&k, 1);
    const orm_value *params[1] = {&k};
    assert_int_equal(
        orm_cursor_open(f->s, "SELECT id, name, note FROM parent WHERE id = ?", params, 1, &c),
        ORM_OK);
    assert_int_equal(orm_cursor_step(c), ORM_ROW);
    orm_object *loaded = NULL;
    assert_int_equal(orm_cursor_object(c, f->parent, 0, &loaded), ORM_OK);
    assert_int_equal(orm_cursor_step(c), ORM_DONE);
    orm_cursor_close(c);
    assert_non_null(loaded);
    assert_int_equal(loaded->state, ORM_OBJ_PERSISTENT);
    assert_string_equal(text_of(loaded, P_NAME), "a");
    uint64_t before = f->conn->nstatements;
    orm_object *got = get_int(f, f->parent, 1);
    assert_ptr_equal(got, loaded);
    assert_true(f->conn->nstatements == before); /* answered from the identity map */
    orm_object *again = get_int(f, f->parent, 1);
    assert_ptr_equal(again, loaded);
    assert_int_equal(loaded->refs, 3);
    orm_object_release(got);
    orm_object_release(again);
    orm_object_release(loaded);
}

static void test_session__cursor_loads_of_the_same_row_share_one_object(void **state)
{
    fx *f = *state;
    orm_object *a = committed_parent(f, "a"), *b = committed_parent(f, "b");
    orm_object *first[2] = {NULL, NULL};
    for (int round = 0; round < 2; round++) {
        orm_cursor *c;
        assert_int_equal(
            orm_cursor_open(f->s, "SELECT id, name, note FROM parent ORDER BY id", NULL, 0, &c),
            ORM_OK);
        for (int i = 0; i < 2; i++) {
            assert_int_equal(orm_cursor_step(c), ORM_ROW);
            orm_object *o;
            assert_int_equal(orm_cursor_object(c, f->parent, 0, &o), ORM_OK);
            assert_ptr_equal(o, i == 0 ? a : b);
            if (round == 0)
                first[i] = o;
            else
                assert_ptr_equal(o, first[i]);
            orm_object_release(o);
        }
        assert_int_equal(orm_cursor_step(c), ORM_DONE);
        orm_cursor_close(c);
    }
    orm_object_release(a);
    orm_object_release(b);
}

static void test_session__get_of_a_missing_row_returns_null(void **state)
{
    fx *f = *state;
    assert_null(get_int(f, f->parent, 12345));
    assert_int_equal(orm_session_error(f->s)->cls, ORM_ERR_NONE);
}

static void test_session__unreferenced_clean_object_is_freed_and_reloaded_by_get(void **state)
{
    fx *f = *state;
    orm_object *p = new_parent(f, "a");
    set_text(p, P_NOTE, "kept");
    add_ok(f, p);
    commit_ok(f);
    assert_int_equal(f->s->identity.count, 1);
    assert_int_equal(p->refs, 1); /* the session let go at commit */
    orm_object_release(p);        /* freed (ASan would see a leak otherwise) */
    assert_int_equal(f->s->identity.count, 0);
    uint64_t before = f->conn->nstatements;
    orm_object *q = get_int(f, f->parent, 1);
    assert_non_null(q);
    assert_true(f->conn->nstatements == before + 1); /* one SELECT */
    assert_int_equal(q->state, ORM_OBJ_PERSISTENT);
    assert_ptr_equal(q->session, f->s);
    assert_string_equal(text_of(q, P_NAME), "a");
    assert_string_equal(text_of(q, P_NOTE), "kept");
    assert_int_equal(f->s->identity.count, 1);
    orm_object_release(q);
    assert_int_equal(f->s->identity.count, 0);
}

static void test_session__get_by_composite_key(void **state)
{
    fx *f = *state;
    orm_object *x1 = new_item(f, 1, "x", 10), *y1 = new_item(f, 1, "y", 11),
               *x2 = new_item(f, 2, "x", 12);
    add_ok(f, x1);
    add_ok(f, y1);
    add_ok(f, x2);
    commit_ok(f);
    orm_value key[2];
    orm_value_int(&key[0], 1);
    key[1] = ORM_VALUE_NULL;
    assert_int_equal(orm_value_set_text(&key[1], "y", 1), ORM_OK);
    orm_object *got;
    assert_int_equal(orm_session_get(f->s, f->item, key, &got), ORM_OK);
    assert_ptr_equal(got, y1);
    orm_object_release(got);
    /* a freed one is reloaded by its composite key */
    orm_object_release(y1);
    assert_int_equal(orm_session_get(f->s, f->item, key, &got), ORM_OK);
    assert_non_null(got);
    assert_int_equal(int_of(got, I_QTY), 11);
    orm_object_release(got);
    orm_value_clear(&key[1]);
    assert_int_equal(orm_value_set_text(&key[1], "z", 1), ORM_OK);
    assert_int_equal(orm_session_get(f->s, f->item, key, &got), ORM_OK);
    assert_null(got);
    orm_value_clear(&key[1]);
    orm_object_release(x1);
    orm_object_release(x2);
}

static void test_session__get_of_an_object_marked_for_delete_returns_null(void **state)
{
    fx *f = *state;
    orm_object *p = committed_parent(f, "a");
    assert_int_equal(orm_session_delete(f->s, p), ORM_OK);
    assert_null(get_int(f, f->parent, 1));
    flush_ok(f);
    assert_null(get_int(f, f->parent, 1));
    orm_object_release(p);
}

static void test_session__query_autoflushes_pending_objects(void **state)
{
    fx *f = *state;
    orm_object *p = new_parent(f, "a");
    add_ok(f, p);
    orm_cursor *c;
    assert_int_equal(orm_cursor_open(f->s, "SELECT count(*) FROM parent", NULL, 0, &c), ORM_OK);
    assert_int_equal(orm_cursor_step(c), ORM_ROW);
    orm_value v;
    assert_int_equal(orm_cursor_value(c, 0, &v), ORM_OK);
    assert_int_equal(v.u.i, 1);
    orm_cursor_close(c);
    assert_int_equal(p->state, ORM_OBJ_PERSISTENT);
    /* with autoflush off, the query does not see it */
    orm_session_set_autoflush(f->s, 0);
    orm_object *q = new_parent(f, "b");
    add_ok(f, q);
    assert_int_equal(orm_cursor_open(f->s, "SELECT count(*) FROM parent", NULL, 0, &c), ORM_OK);
    assert_int_equal(orm_cursor_step(c), ORM_ROW);
    assert_int_equal(orm_cursor_value(c, 0, &v), ORM_OK);
    assert_int_equal(v.u.i, 1);
    orm_cursor_close(c);
    assert_int_equal(q->state, ORM_OBJ_PENDING);
    orm_object_release(p);
    orm_object_release(q);
}

/* ---- rollback ------------------------------------------------------------ */

static void test_rollback__modified_objects_get_committed_values_back(void **state)
{
    fx *f = *state;
    orm_object *p = new_parent(f, "a");
    set_text(p, P_NOTE, "n1");
    add_ok(f, p);
    commit_ok(f);
    orm_object *q = committed_parent(f, "b");
    set_text(p, P_NOTE, "n2");
    set_text(p, P_NAME, "a2");
    flush_ok(f); /* p's update is in the database transaction */
    set_text(q, P_NOTE, "unflushed");
    assert_int_equal(orm_session_pending_count(f->s), 2);
    assert_int_equal(orm_session_rollback(f->s), ORM_OK);
    assert_false(orm_conn_in_transaction(f->conn));
    assert_string_equal(text_of(p, P_NAME), "a");
    assert_string_equal(text_of(p, P_NOTE), "n1");
    assert_true(is_null(q, P_NOTE));
    assert_int_equal(p->state, ORM_OBJ_PERSISTENT);
    assert_int_equal(q->state, ORM_OBJ_PERSISTENT);
    assert_ptr_equal(p->session, f->s);
    assert_int_equal(orm_session_pending_count(f->s), 0);
    /* nothing is dirty: a commit writes nothing */
    echo_reset(f);
    commit_ok(f);
    assert_int_equal(echo_count(f, "UPDATE"), 0);
    char buf[32];
    assert_string_equal(raw_text(f, "SELECT note FROM parent WHERE id = 1", buf, sizeof buf), "n1");
    /* still the identity map's object */
    orm_object *g = get_int(f, f->parent, 1);
    assert_ptr_equal(g, p);
    orm_object_release(g);
    /* and a later change rolls back to the committed values again */
    set_text(p, P_NOTE, "n3");
    assert_int_equal(orm_session_rollback(f->s), ORM_OK);
    assert_string_equal(text_of(p, P_NOTE), "n1");
    orm_object_release(p);
    orm_object_release(q);
}

static void
test_rollback__pending_and_flushed_objects_become_transient_without_generated_keys(void **state)
{
    fx *f = *state;
    orm_object *flushed = new_parent(f, "flushed");
    add_ok(f, flushed);
    flush_ok(f);
    assert_int_equal(int_of(flushed, P_ID), 1);
    orm_object *pending = new_parent(f, "pending");
    add_ok(f, pending);
    orm_object *item = new_item(f, 5, "k", 1); /* user-given key: kept */
    add_ok(f, item);
    flush_ok(f);
    orm_object *late = new_parent(f, "late");
    add_ok(f, late);
    assert_int_equal(orm_session_pending_count(f->s), 4);
    assert_int_equal(orm_session_rollback(f->s), ORM_OK);
    orm_object *all[] = {flushed, pending, item, late};
    for (int i = 0; i < 4; i++) {
        assert_int_equal(all[i]->state, ORM_OBJ_TRANSIENT);
        assert_null(all[i]->session);
        assert_false(all[i]->in_identity);
    }
    assert_true(is_null(flushed, P_ID));
    assert_true(is_null(pending, P_ID));
    assert_true(is_null(late, P_ID));
    assert_int_equal(int_of(item, I_A), 5);
    assert_string_equal(text_of(item, I_B), "k");
    assert_string_equal(text_of(flushed, P_NAME), "flushed");
    assert_int_equal(orm_session_pending_count(f->s), 0);
    assert_int_equal(f->s->identity.count, 0);
    assert_int_equal(nrows(f, "parent"), 0);
    assert_int_equal(nrows(f, "item"), 0);
    /* they can be added and committed again */
    for (int i = 0; i < 4; i++)
        add_ok(f, all[i]);
    commit_ok(f);
    assert_int_equal(nrows(f, "parent"), 3);
    assert_int_equal(nrows(f, "item"), 1);
    for (int i = 0; i < 4; i++)
        orm_object_release(all[i]);
}

static void test_rollback__deleted_objects_become_persistent_again(void **state)
{
    fx *f = *state;
    orm_object *flushed = committed_parent(f, "a");
    orm_object *marked = committed_parent(f, "b");
    assert_int_equal(orm_session_delete(f->s, flushed), ORM_OK);
    flush_ok(f);
    assert_int_equal(flushed->state, ORM_OBJ_DELETED);
    assert_false(flushed->in_identity);
    assert_int_equal(orm_session_delete(f->s, marked), ORM_OK);
    assert_int_equal(orm_session_pending_count(f->s), 2);
    assert_int_equal(orm_session_rollback(f->s), ORM_OK);
    assert_int_equal(flushed->state, ORM_OBJ_PERSISTENT);
    assert_int_equal(marked->state, ORM_OBJ_PERSISTENT);
    assert_false(flushed->marked_delete);
    assert_false(marked->marked_delete);
    assert_int_equal(orm_session_pending_count(f->s), 0);
    assert_int_equal(nrows(f, "parent"), 2);
    /* back in the identity map */
    orm_object *g1 = get_int(f, f->parent, 1), *g2 = get_int(f, f->parent, 2);
    assert_ptr_equal(g1, flushed);
    assert_ptr_equal(g2, marked);
    orm_object_release(g1);
    orm_object_release(g2);
    commit_ok(f);
    assert_int_equal(nrows(f, "parent"), 2);
    orm_object_release(flushed);
    orm_object_release(marked);
}

static void test_session__pending_count_counts_every_change_since_commit(void **state)
{
    fx *f = *state;
    orm_object *a = committed_parent(f, "a"), *b = committed_parent(f, "b");
    assert_int_equal(orm_session_pending_count(f->s), 0);
    orm_object *n1 = new_parent(f, "n1"), *n2 = new_parent(f, "n2");
    add_ok(f, n1);
    add_ok(f, n2);
    set_text(a, P_NOTE, "x");
    set_text(a, P_NOTE, "y"); /* the same object twice counts once */
    assert_int_equal(orm_session_delete(f->s, b), ORM_OK);
    assert_int_equal(orm_session_pending_count(f->s), 4);
    kinds k = pending_kinds(f);
    assert_int_equal(k.n, 2);
    assert_int_equal(k.d, 1);
    assert_int_equal(k.x, 1);
    flush_ok(f); /* flushed but not committed: still pending for rollback */
    assert_int_equal(orm_session_pending_count(f->s), 4);
    assert_int_equal(orm_session_rollback(f->s), ORM_OK);
    assert_int_equal(orm_session_pending_count(f->s), 0);
    orm_object_release(a);
    orm_object_release(b);
    orm_object_release(n1);
    orm_object_release(n2);
}

static void test_rollback__without_a_transaction_is_harmless(void **state)
{
    fx *f = *state;
    assert_int_equal(orm_session_rollback(f->s), ORM_OK);
    assert_int_equal(orm_session_rollback(f->s), ORM_OK);
    commit_ok(f);
    assert_false(orm_conn_in_transaction(f->conn));
}

/* ---- commit, close, end_idle --------------------------------------------- */

static void test_commit__keeps_values_readable(void **state)
{
    fx *f = *state;
    orm_object *p = new_parent(f, "a");
    set_text(p, P_NOTE, "n");
    add_ok(f, p);
    commit_ok(f);
    assert_false(orm_conn_in_transaction(f->conn));
    assert_int_equal(p->state, ORM_OBJ_PERSISTENT);
    assert_ptr_equal(p->session, f->s);
    assert_int_equal(int_of(p, P_ID), 1);
    assert_string_equal(text_of(p, P_NAME), "a");
    assert_string_equal(text_of(p, P_NOTE), "n");
    assert_int_equal(orm_session_pending_count(f->s), 0);
    assert_int_equal(p->dirty, 0);
    assert_null(p->committed);
    /* the generated key stays after a later rollback: it is committed now */
    assert_int_equal(orm_session_rollback(f->s), ORM_OK);
    assert_int_equal(int_of(p, P_ID), 1);
    assert_int_equal(p->state, ORM_OBJ_PERSISTENT);
    orm_object_release(p);
}

static void test_close__detaches_objects_keeping_their_values(void **state)
{
    fx *f = *state;
    orm_object *p = committed_parent(f, "a");
    orm_object *loaded = NULL;
    orm_object *q = committed_parent(f, "b");
    orm_object_release(q);
    loaded = get_int(f, f->parent, 2);
    orm_object *pending = new_parent(f, "pending");
    add_ok(f, pending);
    set_text(p, P_NOTE, "unsaved");
    assert_int_equal(orm_session_close(f->s), ORM_OK);
    assert_false(orm_conn_in_transaction(f->conn));
    assert_int_equal(p->state, ORM_OBJ_DETACHED);
    assert_int_equal(loaded->state, ORM_OBJ_DETACHED);
    assert_null(p->session);
    assert_null(loaded->session);
    assert_false(p->in_identity);
    assert_int_equal(int_of(p, P_ID), 1);
    assert_string_equal(text_of(p, P_NAME), "a");
    assert_true(is_null(p, P_NOTE)); /* the unsaved change was rolled back */
    assert_string_equal(text_of(loaded, P_NAME), "b");
    assert_int_equal(pending->state, ORM_OBJ_TRANSIENT);
    assert_null(pending->session);
    assert_int_equal(orm_session_pending_count(f->s), 0);
    assert_int_equal(nrows(f, "parent"), 2);
    /* the session is usable after close; objects outlive it */
    orm_object *r = new_parent(f, "r");
    add_ok(f, r);
    commit_ok(f);
    assert_int_equal(nrows(f, "parent"), 3);
    orm_session_free(f->s);
    f->s = NULL;
    assert_string_equal(text_of(p, P_NAME), "a");
    orm_object_release(p);
    orm_object_release(loaded);
    orm_object_release(pending);
    orm_object_release(r);
}

static void test_close__detached_object_can_join_a_new_session(void **state)
{
    fx *f = *state;
    orm_object *p = committed_parent(f, "a");
    assert_int_equal(orm_session_close(f->s), ORM_OK);
    orm_session *s2 = orm_session_new(f->conn, f->md);
    assert_int_equal(orm_session_add(s2, p), ORM_OK);
    assert_int_equal(p->state, ORM_OBJ_PERSISTENT);
    assert_ptr_equal(p->session, s2);
    set_text(p, P_NOTE, "via s2");
    assert_int_equal(orm_session_commit(s2), ORM_OK);
    char buf[32];
    assert_string_equal(raw_text(f, "SELECT note FROM parent", buf, sizeof buf), "via s2");
    orm_session_free(s2);
    assert_int_equal(p->state, ORM_OBJ_DETACHED);
    orm_object_release(p);
}

static void test_end_idle__ends_a_read_transaction_only_when_nothing_is_pending(void **state)
{
    fx *f = *state;
    orm_object *p = committed_parent(f, "a");
    orm_object_release(p);
    orm_object *g = get_int(f, f->parent, 1); /* a read: the transaction begins */
    assert_true(orm_conn_in_transaction(f->conn));
    orm_session_end_idle(f->s);
    assert_false(orm_conn_in_transaction(f->conn));
    /* another process can write now, quickly */
    raw_exec(f, "INSERT INTO parent (name) VALUES ('other')");
    assert_int_equal(nrows(f, "parent"), 2);
    /* a change only in memory needs no transaction: it ends, the change
     * stays pending and the next flush writes it in a new one */
    orm_object *g2 = get_int(f, f->parent, 2);
    assert_true(orm_conn_in_transaction(f->conn));
    set_text(g, P_NOTE, "pending");
    orm_session_end_idle(f->s);
    assert_false(orm_conn_in_transaction(f->conn));
    assert_int_equal(orm_session_pending_count(f->s), 1);
    raw_exec(f, "UPDATE parent SET name = name WHERE name = 'other'"); /* no lock held */
    flush_ok(f);
    orm_session_end_idle(f->s); /* flushed but uncommitted: still pending */
    assert_true(orm_conn_in_transaction(f->conn));
    commit_ok(f);
    assert_false(orm_conn_in_transaction(f->conn));
    orm_session_end_idle(f->s); /* nothing open: a no-op */
    assert_false(orm_conn_in_transaction(f->conn));
    /* a raw write also counts as pending */
    orm_cursor *c;
    assert_int_equal(orm_cursor_open(f->s, "DELETE FROM parent WHERE name = 'other'", NULL, 0, &c),
                     ORM_OK);
    orm_cursor_close(c);
    assert_int_equal(orm_session_pending_count(f->s), 1);
    orm_session_end_idle(f->s);
    assert_true(orm_conn_in_transaction(f->conn));
    commit_ok(f);
    assert_int_equal(nrows(f, "parent"), 1);
    orm_object_release(g);
    orm_object_release(g2);
}

/* ---- regression: a failed ROLLBACK ------------------------------------- */

/* Was a bug: when ROLLBACK itself fails, orm_session_rollback (core/session.c)
 * still makes every object transient/clean but leaves the database
 * transaction open; the next commit (nothing to flush) then COMMITs the rows
 * the user discarded. Fix: when the rollback fails and
 * orm_conn_in_transaction is still true, retry it / close and reopen, or keep
 * a "must roll back" flag that makes the next flush/commit issue ROLLBACK
 * before anything else (and never COMMIT that transaction). */
static void
test_rollback__failed_rollback_never_lets_a_later_commit_write_discarded_rows(void **state)
{
    fx *f = *state;
    orm_object *p = new_parent(f, "discarded");
    add_ok(f, p);
    flush_ok(f);
    orm_driver_fail_after(1); /* the ROLLBACK */
    assert_true(orm_session_rollback(f->s) < 0);
    orm_driver_fail_after(0);
    assert_int_equal(orm_session_error(f->s)->cls, ORM_ERR_OPERATIONAL);
    assert_int_equal(p->state, ORM_OBJ_TRANSIENT);
    orm_session_commit(f->s);
    orm_session_end_idle(f->s);
    assert_int_equal(nrows(f, "parent"), 0); /* fails: the discarded row was committed */
    orm_object_release(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        FIXTURE_TEST(test_session__add_makes_object_pending),
        FIXTURE_TEST(test_session__add_of_object_of_another_session_is_an_argument_error),
        FIXTURE_TEST(test_session__delete_of_a_pending_object_makes_it_transient),
        FIXTURE_TEST(test_session__delete_of_a_transient_object_is_an_argument_error),
        FIXTURE_TEST(test_session__add_after_delete_cancels_the_delete),
        FIXTURE_TEST(test_session__pending_object_released_by_its_creator_is_still_inserted),
        FIXTURE_TEST(test_session__get_returns_the_object_a_cursor_loaded),
        FIXTURE_TEST(test_session__cursor_loads_of_the_same_row_share_one_object),
        FIXTURE_TEST(test_session__get_of_a_missing_row_returns_null),
        FIXTURE_TEST(test_session__unreferenced_clean_object_is_freed_and_reloaded_by_get),
        FIXTURE_TEST(test_session__get_by_composite_key),
        FIXTURE_TEST(test_session__get_of_an_object_marked_for_delete_returns_null),
        FIXTURE_TEST(test_session__query_autoflushes_pending_objects),
        FIXTURE_TEST(test_rollback__modified_objects_get_committed_values_back),
        FIXTURE_TEST(
            test_rollback__pending_and_flushed_objects_become_transient_without_generated_keys),
        FIXTURE_TEST(test_rollback__deleted_objects_become_persistent_again),
        FIXTURE_TEST(test_session__pending_count_counts_every_change_since_commit),
        FIXTURE_TEST(test_rollback__without_a_transaction_is_harmless),
        FIXTURE_TEST(test_commit__keeps_values_readable),
        FIXTURE_TEST(test_close__detaches_objects_keeping_their_values),
        FIXTURE_TEST(test_close__detached_object_can_join_a_new_session),
        FIXTURE_TEST(test_end_idle__ends_a_read_transaction_only_when_nothing_is_pending),
        FIXTURE_TEST(test_rollback__failed_rollback_never_lets_a_later_commit_write_discarded_rows),
    };
    return cmocka_run_group_tests_name("session", tests, NULL, NULL);
}
