/* savepoint.c — nested transactions (a savepoint created, released or rolled
 * back to, through the connection's savepoint capability) and putting objects
 * back the way they were when a savepoint is rolled back. */
#include <assert.h>
#include <stdlib.h>

#include "session_int.h"

static int run(orm_session *s, orm_savepoint_op op, int id)
{
    int rc = orm_conn_savepoint_n(s->conn, op, id);
    return rc < 0 ? orm_session_fail_from_conn(s, rc) : ORM_OK;
}

static int find(const orm_session *s, int id)
{
    for (int i = s->nsavepoints - 1; i >= 0; i--)
        if (s->savepoints[i].id == id) return i;
    return -1;
}

int orm_session_savepoint(orm_session *s, int *id)
{
    int rc = orm_session_flush(s);
    if (rc < 0) return rc;
    orm_session_end_replica_reads(s); /* reads go to the primary from here */
    if ((rc = orm_session_begin(s)) < 0) return rc;
    struct savepoint *sp = realloc(s->savepoints, (size_t)(s->nsavepoints + 1) * sizeof *sp);
    if (sp == NULL) return orm_error_oom(&s->err);
    s->savepoints = sp;
    int n = ++s->next_savepoint;
    if ((rc = run(s, ORM_SP_CREATE, n)) < 0) return rc;
    sp[s->nsavepoints].id = n;
    sp[s->nsavepoints].seq = s->next_seq;
    s->nsavepoints++;
    *id = n;
    return ORM_OK;
}

int orm_session_release_savepoint(orm_session *s, int id)
{
    orm_error_clear(&s->err);
    int i = find(s, id);
    if (i < 0)
        return orm_error_set(&s->err, ORM_ERR_ARGUMENT, 0, "this savepoint is no longer active");
    int rc = orm_session_flush(s);
    if (rc < 0) return rc;
    if ((rc = run(s, ORM_SP_RELEASE, id)) < 0) return rc;
    s->nsavepoints = i; /* inner ones go with it */
    return ORM_OK;
}

/* Drops o from the touched list at index i (releasing the session's reference). */
static void untouch_at(orm_session *s, size_t i)
{
    orm_object *o = s->touched[i];
    for (size_t j = i + 1; j < s->ntouched; j++)
        s->touched[j - 1] = s->touched[j];
    s->ntouched--;
    o->touched = 0;
    orm_object_release(o);
}

int orm_session_rollback_to_savepoint(orm_session *s, int id)
{
    orm_error_clear(&s->err);
    int i = find(s, id);
    if (i < 0)
        return orm_error_set(&s->err, ORM_ERR_ARGUMENT, 0, "this savepoint is no longer active");
    uint64_t mark = s->savepoints[i].seq;
    int rc = run(s, ORM_SP_ROLLBACK, id);
    if (rc < 0) return rc;
    rc = run(s, ORM_SP_RELEASE, id);
    if (rc < 0) return rc;
    s->nsavepoints = i;
    int autoflush = s->autoflush;
    s->autoflush = 0; /* the re-reads below must not write anything */
    for (size_t k = s->ntouched; k-- > 0 && rc >= 0;) {
        orm_object *o = s->touched[k];
        orm_object_clear_links(o);
        o->marked_delete = 0;
        if (o->seq > mark) { /* first touched inside the savepoint */
            if (o->state == ORM_OBJ_PENDING || o->inserted_in_txn) {
                orm_identity_remove(&s->identity, o);
                orm_object_reset_generated_pk(o);
                o->session = NULL;
                o->state = ORM_OBJ_TRANSIENT;
                o->inserted_in_txn = 0;
            } else {
                if (o->state == ORM_OBJ_DELETED) o->state = ORM_OBJ_PERSISTENT;
                if (!o->in_identity) orm_identity_put(&s->identity, o);
                orm_object_restore(o);
            }
            o->dirty = o->txn_dirty = 0;
            untouch_at(s, k);
        } else if (o->state != ORM_OBJ_PENDING) { /* older: the database has its savepoint state */
            uint64_t keep = o->txn_dirty;
            if ((rc = orm_session_reload_columns(s, o, ~(uint64_t)0)) < 0) break;
            if (rc == ORM_DONE) { /* deleted before the savepoint: stays deleted */
                o->state = ORM_OBJ_DELETED;
                orm_identity_remove(&s->identity, o);
            } else if (o->state == ORM_OBJ_DELETED) { /* deleted inside it: back */
                o->state = ORM_OBJ_PERSISTENT;
                if (!o->in_identity) orm_identity_put(&s->identity, o);
            }
            o->dirty = 0;
            o->txn_dirty = keep;
        }
    }
    s->autoflush = autoflush;
    return rc < 0 ? rc : ORM_OK;
}
