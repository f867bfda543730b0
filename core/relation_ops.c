/* relation_ops.c — relationships at work on objects, over their slots
 * (relation_state.h): setting a many-to-one and appending to or removing
 * from a collection with the other side kept in step, loading one
 * relationship for many parents at once, and the save-update and delete
 * cascades. Failures leave the session's error set. */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>

#include "relation_state.h"

static int oom(const orm_rel_env *e)
{
    return orm_error_oom(orm_session_error(e->s));
}

/* Tells the caller about a change of o's slot r (orm_rel_env.changed). */
static int tell(const orm_rel_env *e, orm_object *o, const orm_rel *r, orm_object *item, int what)
{
    return e->changed ? e->changed(e->ctx, o, r, item, what) : ORM_OK;
}

/* Appends item to o's collection r and tells: 1 appended, 0 it was there,
 * or a failure. */
static int add_item(const orm_rel_env *e, orm_object *o, const orm_rel *r, orm_object *item)
{
    int rc = orm_rel_add_item(o, r, item);
    if (rc <= 0) return rc < 0 ? oom(e) : 0;
    rc = tell(e, o, r, item, ORM_REL_ADDED);
    return rc < 0 ? rc : 1;
}

/* Removes item from o's collection r and tells when it was there. */
static int remove_item(const orm_rel_env *e, orm_object *o, const orm_rel *r, orm_object *item)
{
    orm_object_retain(item); /* the slot may hold the last reference */
    int rc = orm_rel_remove_item(o, r, item) ? tell(e, o, r, item, ORM_REL_REMOVED) : ORM_OK;
    orm_object_release(item);
    return rc;
}

/* Makes o's r loaded: nothing to load (no key) marks it loaded and empty,
 * else the caller's loader runs. Without a loader it stays as it is. */
static int ensure_loaded(const orm_rel_env *e, orm_object *o, const orm_rel *r)
{
    if (orm_rel_loaded(o, r)) return ORM_OK;
    if (r->kind != ORM_REL_M2O && orm_rel_load_key(r, o) == NULL)
        return orm_rel_set_loaded(o, r) < 0 ? oom(e) : ORM_OK;
    return e->load ? e->load(e->ctx, o, r) : ORM_OK;
}

orm_object *orm_rel_parent_in_memory(orm_session *s, const orm_rel *r, orm_object *child)
{
    assert(r->kind == ORM_REL_M2O && child->table == r->parent);
    orm_object *src = orm_object_link_src(child, r->local_col);
    if (src) return src;
    const orm_value *v = &child->values[r->local_col];
    if (v->type == ORM_V_NULL) return NULL;
    orm_object *t = orm_rel_target_current(child, r);
    if (t) return t;
    const orm_table *tt = r->target;
    if (tt->npk == 1 && tt->pk[0] == r->remote_col) return orm_session_peek(s, tt, &v);
    return NULL;
}

static int join_session(const orm_rel_env *e, orm_object *o)
{
    if (o->session) return ORM_OK;
    int rc = orm_session_add(e->s, o);
    return rc < 0 ? rc : orm_rel_cascade_add(e, o);
}

int orm_rel_set_parent(const orm_rel_env *e, const orm_rel *r, const orm_rel *rev,
                       orm_object *child, orm_object *parent)
{
    assert(r->kind == ORM_REL_M2O && child->table == r->parent);
    assert(!parent || parent->table == r->target);
    int rc;
    if (rev) {
        orm_object *old = orm_rel_parent_in_memory(e->s, r, child);
        if (old && old != parent && (rc = remove_item(e, old, rev, child)) < 0) return rc;
        if (parent && rev->kind == ORM_REL_O2M && rev->uselist) {
            if ((rc = ensure_loaded(e, parent, rev)) < 0) return rc;
            if (orm_rel_loaded(parent, rev) && (rc = add_item(e, parent, rev, child)) < 0)
                return rc;
        }
    }
    if (orm_rel_link(r, child, parent) < 0 || orm_rel_set_target(child, r, parent) < 0)
        return oom(e);
    if ((rc = tell(e, child, r, parent, ORM_REL_TARGET)) < 0) return rc;
    if (parent && parent->session && !child->session && (rc = join_session(e, child)) < 0)
        return rc;
    if (parent && child->session && !parent->session && (rc = join_session(e, parent)) < 0)
        return rc;
    return ORM_OK;
}

static int m2m_append(const orm_rel_env *e, const orm_rel *r, const orm_rel *rev, orm_object *owner,
                      orm_object *other)
{
    int rc;
    if ((rc = ensure_loaded(e, owner, r)) < 0) return rc;
    if ((rc = add_item(e, owner, r, other)) <= 0) return rc; /* 0: linked already */
    if (rev) {
        if ((rc = ensure_loaded(e, other, rev)) < 0) return rc;
        if (orm_rel_loaded(other, rev) && (rc = add_item(e, other, rev, owner)) < 0) return rc;
    }
    orm_object *assoc = orm_rel_assoc_new(r, owner, other);
    if (assoc == NULL) return oom(e);
    if (owner->session || other->session) {
        rc = orm_session_add(e->s, assoc);
        if (rc == ORM_OK && owner->session && !other->session) rc = join_session(e, other);
        if (rc == ORM_OK && other->session && !owner->session) rc = join_session(e, owner);
    } else { /* kept until the owner joins a session */
        rc = orm_rel_keep_assoc(owner, assoc) < 0 ? oom(e) : ORM_OK;
    }
    orm_object_release(assoc);
    return rc;
}

int orm_rel_append(const orm_rel_env *e, const orm_rel *r, const orm_rel *rev, orm_object *owner,
                   orm_object *item)
{
    assert(r->kind != ORM_REL_M2O && owner->table == r->parent && item->table == r->target);
    if (r->kind == ORM_REL_M2M) return m2m_append(e, r, rev, owner, item);
    int rc;
    if (rev && rev->kind == ORM_REL_M2O)
        rc = orm_rel_set_parent(e, rev, r, item, owner);
    else
        rc = orm_rel_link(r, item, owner) < 0 ? oom(e) : ORM_OK;
    if (rc < 0 || (rc = ensure_loaded(e, owner, r)) < 0) return rc;
    if ((rc = add_item(e, owner, r, item)) < 0) return rc;
    if (owner->session && !item->session) return join_session(e, item);
    return ORM_OK;
}

static int delete_at(const orm_rel_env *e, orm_object *o, int depth);

int orm_rel_remove(const orm_rel_env *e, const orm_rel *r, const orm_rel *rev, orm_object *owner,
                   orm_object *item)
{
    assert(r->kind != ORM_REL_M2O && owner->table == r->parent && item->table == r->target);
    orm_object_retain(item); /* the collection may hold the last reference */
    int rc = ORM_OK;
    if (r->kind == ORM_REL_M2M) {
        rc = remove_item(e, owner, r, item);
        if (rc == ORM_OK && rev) rc = remove_item(e, item, rev, owner);
        if (rc == ORM_OK) rc = orm_rel_assoc_drop(e->s, r, owner, item);
    } else {
        if (rev && rev->kind == ORM_REL_M2O)
            rc = orm_rel_set_parent(e, rev, r, item, NULL);
        else if (orm_rel_link(r, item, NULL) < 0)
            rc = oom(e);
        if (rc == ORM_OK) rc = remove_item(e, owner, r, item);
        orm_rel_action act = rc < 0 ? ORM_REL_KEEP : orm_rel_on_remove(r, item);
        if (act == ORM_REL_EXPUNGE_CHILD)
            rc = orm_session_expunge(e->s, item);
        else if (act == ORM_REL_DELETE_CHILD)
            rc = delete_at(e, item, 0);
    }
    orm_object_release(item);
    return rc;
}

/* ---- cascades ---- */

/* A growing array of objects (the cascade's stack of objects to visit,
 * joined loading's parents). */
typedef struct objvec {
    orm_object **v;
    size_t n, cap;
} objvec;

static int objvec_push(objvec *t, orm_object *o)
{
    if (t->n == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 32;
        orm_object **v = realloc(t->v, cap * sizeof *v);
        if (v == NULL) return ORM_ENOMEM;
        t->v = v;
        t->cap = cap;
    }
    t->v[t->n++] = o;
    return ORM_OK;
}

/* Pushes what o reaches (its many-to-one parents, its collections'
 * children), in reverse, so the first reached is visited next: the order a
 * recursive walk takes. */
static int push_reached(const orm_rel_env *e, orm_object *o, objvec *t)
{
    const orm_rel *const *rels, *const *revs;
    int n = 0;
    e->rels_of(e->ctx, o->table, &rels, &revs, &n);
    for (int i = n - 1; i >= 0; i--) {
        const orm_rel *r = rels[i];
        if (r->kind == ORM_REL_M2O) {
            orm_object *p = orm_object_link_src(o, r->local_col);
            if (p == NULL) p = orm_rel_target(o, r);
            if (p && objvec_push(t, p) < 0) return ORM_ENOMEM;
            continue;
        }
        for (int k = orm_rel_count(o, r) - 1; k >= 0; k--)
            if (objvec_push(t, orm_rel_item(o, r, k)) < 0) return ORM_ENOMEM;
    }
    return ORM_OK;
}

/* Save-update, depth first over a stack of objects to visit rather than
 * recursion (a chain of linked objects is as long as the data makes it):
 * each object reached joins the session when visited, then what it reaches
 * is visited; association rows made before an object joined a session
 * follow it. The walk stops at objects already in a session (o itself
 * excepted), as SQLAlchemy's halts at what the session contains: what they
 * reach joined with them, or when it was linked to them (set_parent,
 * append). Else each append to a parent with N children would walk all N. */
int orm_rel_cascade_add(const orm_rel_env *e, orm_object *o)
{
    if (o->rels == NULL && o->nlinks == 0) return ORM_OK; /* nothing linked or loaded */
    orm_objmap vs = {0};
    objvec t = {0}; /* to visit, next on top; borrowed: each is held by the slot or
                       link it was reached through, and a visit only adds to the session */
    int rc = objvec_push(&t, o) < 0 ? oom(e) : ORM_OK;
    while (rc == ORM_OK && t.n > 0) {
        orm_object *cur = t.v[--t.n];
        int was = orm_objmap_put(&vs, cur, 0);
        if (was != 0) {
            if (was < 0) rc = oom(e);
            continue;
        }
        if (cur != o && cur->session != NULL) continue; /* halts here */
        if (cur->session == NULL && (rc = orm_session_add(e->s, cur)) < 0) break;
        if (push_reached(e, cur, &t) < 0) {
            rc = oom(e);
            break;
        }
        rc = orm_rel_add_kept_assoc(e->s, cur);
    }
    orm_objmap_free(&vs);
    free(t.v);
    return rc;
}

/* The delete cascade, depth levels down a chain of objects. */
static int before_delete_at(const orm_rel_env *e, orm_object *o, int depth)
{
    if (o->state != ORM_OBJ_PERSISTENT || o->marked_delete) return ORM_OK;
    if (depth > ORM_REL_DELETE_MAX_DEPTH)
        return orm_error_set(orm_session_error(e->s), ORM_ERR_ARGUMENT, 0,
                             "the delete cascade goes more than %d objects deep (delete the "
                             "chain from its far end, or in several steps)",
                             ORM_REL_DELETE_MAX_DEPTH);
    const orm_rel *const *rels, *const *revs;
    int n = 0, rc = ORM_OK;
    e->rels_of(e->ctx, o->table, &rels, &revs, &n);
    for (int i = 0; i < n && rc == ORM_OK; i++) {
        const orm_rel *r = rels[i];
        orm_rel_action act = orm_rel_on_parent_delete(r);
        if (act == ORM_REL_KEEP) continue;
        if ((rc = ensure_loaded(e, o, r)) < 0) break;
        int m = orm_rel_count(o, r);
        if (m == 0) continue;
        orm_object **items = malloc((size_t)m * sizeof *items); /* the collection changes below */
        if (items == NULL) return oom(e);
        for (int k = 0; k < m; k++)
            items[k] = orm_object_retain(orm_rel_item(o, r, k));
        for (int k = 0; k < m && rc == ORM_OK; k++) {
            if (act == ORM_REL_UNLINK_ASSOC)
                rc = orm_rel_remove(e, r, revs[i], o, items[k]);
            else if (act == ORM_REL_DELETE_CHILD)
                rc = delete_at(e, items[k], depth + 1);
            else if (orm_rel_link(r, items[k], NULL) < 0)
                rc = oom(e);
        }
        for (int k = 0; k < m; k++)
            orm_object_release(items[k]);
        free(items);
    }
    return rc;
}

static int delete_at(const orm_rel_env *e, orm_object *o, int depth)
{
    int rc = before_delete_at(e, o, depth);
    return rc < 0 ? rc : orm_session_delete(e->s, o);
}

int orm_rel_before_delete(const orm_rel_env *e, orm_object *o)
{
    return before_delete_at(e, o, 0);
}

int orm_rel_delete(const orm_rel_env *e, orm_object *o)
{
    return delete_at(e, o, 0);
}

/* ---- loading many parents ---- */

int orm_rel_distinct(orm_object **objs, int n)
{
    orm_objmap vs = {0};
    int m = 0;
    for (int i = 0; i < n; i++) {
        if (objs[i] == NULL) continue;
        int was = n > 1 ? orm_objmap_put(&vs, objs[i], 0) : 0;
        if (was < 0) {
            orm_objmap_free(&vs);
            return ORM_ENOMEM;
        }
        if (was == 0) objs[m++] = objs[i];
    }
    orm_objmap_free(&vs);
    return m;
}

int orm_rel_load_many(orm_session *s, const orm_rel *r, orm_object *const *parents, int np,
                      orm_rel_child_fn fn, void *ctx, orm_error *err)
{
    if (np <= 0) return ORM_OK;
    if (np > ORM_REL_BATCH_MAX)
        return orm_error_set(err, ORM_ERR_ARGUMENT, 0,
                             "cannot eager-load for more than %d objects at once",
                             ORM_REL_BATCH_MAX);
    void *mem = malloc(orm_rel_batch_size(np));
    orm_object **byno = malloc((size_t)np * sizeof *byno); /* batch number -> parent */
    if (mem == NULL || byno == NULL) {
        free(mem);
        free(byno);
        return orm_error_oom(err);
    }
    orm_rel_batch *b = orm_rel_batch_init(mem, np);
    int nb = 0, rc = ORM_OK;
    for (int i = 0; i < np; i++) {
        orm_object *p = parents[i];
        if (p == NULL || p->table != r->parent) continue;
        if (r->kind != ORM_REL_M2O && orm_rel_set_loaded(p, r) < 0) {
            rc = orm_error_oom(err);
            goto out;
        }
        const orm_value *key = orm_rel_load_key(r, p); /* borrowed: the caller keeps p */
        if (key == NULL) continue;
        byno[nb] = p;
        orm_rel_batch_add(b, key, nb++);
    }
    const orm_value *const *keys = orm_rel_batch_keys(b);
    int nk = orm_rel_batch_nkeys(b);
    for (int off = 0; off < nk && rc == ORM_OK; off += ORM_REL_IN_CHUNK) {
        int n = nk - off < ORM_REL_IN_CHUNK ? nk - off : ORM_REL_IN_CHUNK;
        orm_cursor *c = NULL;
        if ((rc = orm_rel_load_open(s, r, keys + off, n, &c, err)) < 0) break;
        while ((rc = orm_cursor_step(c)) == ORM_ROW) {
            orm_object *child = NULL;
            orm_value buf;
            const orm_value *key;
            if ((rc = orm_rel_load_row(c, r, &child, &buf, &key)) < 0) break;
            if (child == NULL) continue;
            for (int p = orm_rel_batch_first(b, key); p >= 0 && rc >= 0;
                 p = orm_rel_batch_next(b, p))
                rc = r->kind == ORM_REL_M2O ? orm_rel_set_target(byno[p], r, child)
                                            : orm_rel_push_item(byno[p], r, child);
            orm_value_clear(&buf);
            if (rc < 0)
                rc = orm_error_oom(err);
            else if (fn)
                rc = fn(ctx, child);
            orm_object_release(child);
            if (rc < 0) break;
        }
        orm_cursor_close(c);
        if (rc == ORM_DONE) rc = ORM_OK;
    }
out:
    if (rc < 0 && r->kind != ORM_REL_M2O) /* a load that failed leaves nothing loaded */
        for (int i = 0; i < np; i++)
            if (parents[i] && parents[i]->table == r->parent) orm_rel_unload(parents[i], r);
    free(byno);
    free(mem);
    return rc < 0 ? rc : ORM_OK;
}

/* ---- joined loading's rows ---- */

/* The child of r at column off of the current row, into parent's slot:
 * a collection gains it once, a many-to-one caches it on the parent's
 * first row. */
static int take_child(orm_session *s, orm_cursor *c, const orm_rel *r, int off, orm_object *parent,
                      int first)
{
    orm_object *ch = NULL;
    int rc = orm_cursor_object(c, r->target, off, &ch);
    if (rc < 0 || ch == NULL) return rc; /* no related row */
    if (r->kind == ORM_REL_M2O) {
        if (first) rc = orm_rel_set_target(parent, r, ch);
    } else {
        int m = orm_rel_count(parent, r); /* rows repeat a child when two collections join */
        if (m == 0 || orm_rel_item(parent, r, m - 1) != ch) rc = orm_rel_add_item(parent, r, ch);
    }
    orm_object_release(ch);
    return rc < 0 ? orm_error_oom(orm_session_error(s)) : ORM_OK;
}

int orm_rel_joined_read(orm_session *s, orm_cursor *c, const orm_table *t,
                        const orm_rel *const *rels, int n, const int *offs, orm_object ***parents,
                        int *np)
{
    assert(n >= 0 && n <= ORM_REL_MAX_JOINED);
    orm_objmap vs = {0};
    objvec ps = {0}; /* the parents, first seen first, a reference each */
    int rc;
    while ((rc = orm_cursor_step(c)) == ORM_ROW) {
        orm_object *o = NULL;
        if ((rc = orm_cursor_object(c, t, 0, &o)) < 0) break;
        if (o == NULL) continue;
        int was = orm_objmap_put(&vs, o, 0);
        if (was < 0 || (was == 0 && objvec_push(&ps, o) < 0)) {
            orm_object_release(o);
            rc = orm_error_oom(orm_session_error(s));
            break;
        }
        if (was) orm_object_release(o); /* ps holds it */
        for (int k = 0; k < n && !was && rc >= 0; k++)
            if (rels[k]->kind != ORM_REL_M2O && orm_rel_set_loaded(o, rels[k]) < 0)
                rc = orm_error_oom(orm_session_error(s));
        for (int k = 0; k < n && rc >= 0; k++)
            rc = take_child(s, c, rels[k], offs[k], o, !was);
        if (rc < 0) break;
    }
    orm_objmap_free(&vs);
    if (rc == ORM_DONE) {
        *parents = ps.v;
        *np = (int)ps.n;
        return ORM_OK;
    }
    for (size_t i = 0; i < ps.n; i++) { /* a failed load leaves nothing loaded */
        for (int k = 0; k < n; k++)
            if (rels[k]->kind != ORM_REL_M2O) orm_rel_unload(ps.v[i], rels[k]);
        orm_object_release(ps.v[i]);
    }
    free(ps.v);
    *parents = NULL;
    *np = 0;
    return rc;
}
