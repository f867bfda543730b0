/* relation_sync.c — the in-memory rules of both sides of a relationship:
 * foreign keys following their parent's key (links the flush resolves),
 * association rows of many-to-many (made, found and dropped), and what
 * deleting a parent or removing a child does (cascade delete, delete-orphan,
 * or setting the child's foreign key NULL). */
#include <assert.h>
#include <string.h>

#include "relation.h"

int orm_rel_has_key(const orm_object *o, int col)
{
    return o->values[col].type != ORM_V_NULL &&
           (o->state == ORM_OBJ_PERSISTENT || o->state == ORM_OBJ_DETACHED);
}

const orm_value *orm_rel_load_key(const orm_rel *r, const orm_object *parent)
{
    assert(parent->table == r->parent);
    int col = r->local_col;
    if (parent->values[col].type == ORM_V_NULL) return NULL;
    if (r->kind == ORM_REL_M2O)
        return orm_object_link_src(parent, col) ? NULL : &parent->values[col];
    return orm_rel_has_key(parent, col) ? &parent->values[col] : NULL;
}

int orm_rel_link(const orm_rel *r, orm_object *child, orm_object *parent)
{
    assert(r->kind != ORM_REL_M2M);
    if (r->kind == ORM_REL_M2O) { /* child holds the relationship: parent is its target */
        assert(child->table == r->parent && (!parent || parent->table == r->target));
        return orm_object_link(child, r->local_col, parent, r->remote_col);
    }
    assert(child->table == r->target && (!parent || parent->table == r->parent));
    return orm_object_link(child, r->remote_col, parent, parent ? r->local_col : 0);
}

orm_object *orm_rel_assoc_new(const orm_rel *r, orm_object *owner, orm_object *other)
{
    assert(r->kind == ORM_REL_M2M && owner->table == r->parent && other->table == r->target);
    orm_object *a = orm_object_new(r->secondary);
    if (a == NULL) return NULL;
    if (orm_object_link(a, r->sec_parent_col, owner, r->local_col) < 0 ||
        orm_object_link(a, r->sec_target_col, other, r->remote_col) < 0) {
        orm_object_release(a);
        return NULL;
    }
    return a;
}

/* ---- dropping an association row ---- */

struct find_assoc {
    const orm_rel *r;
    orm_object *owner, *other, *found;
};

static int links_to(const orm_object *a, int col, const orm_object *o, int ocol)
{
    const orm_object *src = orm_object_link_src(a, col);
    if (src) return src == o;
    return o->values[ocol].type != ORM_V_NULL && orm_value_equal(&a->values[col], &o->values[ocol]);
}

static void match_assoc(void *ctx, orm_object *a, char kind)
{
    struct find_assoc *f = ctx;
    if (kind != 'n' || f->found || a->table != f->r->secondary) return;
    if (links_to(a, f->r->sec_parent_col, f->owner, f->r->local_col) &&
        links_to(a, f->r->sec_target_col, f->other, f->r->remote_col))
        f->found = a;
}

int orm_rel_assoc_drop(orm_session *s, const orm_rel *r, orm_object *owner, orm_object *other)
{
    assert(r->kind == ORM_REL_M2M);
    struct find_assoc f = {r, owner, other, NULL};
    orm_session_each_pending(s, match_assoc, &f);
    if (f.found) return orm_session_expunge(s, f.found);
    if (!orm_rel_has_key(owner, r->local_col) || !orm_rel_has_key(other, r->remote_col))
        return ORM_OK; /* never stored: nothing to delete */
    orm_object *a = orm_object_new(r->secondary);
    orm_value v1, v2;
    if (a == NULL || orm_value_copy(&v1, &owner->values[r->local_col]) < 0) {
        orm_object_release(a);
        return orm_error_oom(orm_session_error(s));
    }
    orm_value_move(&a->values[r->sec_parent_col], &v1);
    if (orm_value_copy(&v2, &other->values[r->remote_col]) < 0) {
        orm_object_release(a);
        return orm_error_oom(orm_session_error(s));
    }
    orm_value_move(&a->values[r->sec_target_col], &v2);
    orm_object *row = NULL;
    int rc = orm_session_attach_existing(s, a, &row);
    orm_object_release(a);
    if (rc < 0) return rc;
    rc = orm_session_delete(s, row);
    orm_object_release(row);
    return rc;
}

/* ---- cascades ---- */

orm_rel_action orm_rel_on_parent_delete(const orm_rel *r)
{
    if (r->kind == ORM_REL_M2O || r->lazy == ORM_LAZY_DYNAMIC) return ORM_REL_KEEP;
    if (r->kind == ORM_REL_M2M) return ORM_REL_UNLINK_ASSOC;
    return r->cascade_delete ? ORM_REL_DELETE_CHILD : ORM_REL_NULL_FK;
}

orm_rel_action orm_rel_on_remove(const orm_rel *r, const orm_object *child)
{
    if (r->kind != ORM_REL_O2M || !r->delete_orphan || child->session == NULL) return ORM_REL_KEEP;
    return child->state == ORM_OBJ_PENDING ? ORM_REL_EXPUNGE_CHILD : ORM_REL_DELETE_CHILD;
}
