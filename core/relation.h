/* relation.h — relationship rules without Lua (docs/architecture.md):
 * resolving a declaration against the tables' foreign keys (direction,
 * columns, secondary tables, foreign_keys, primaryjoin, remote_side, and the
 * lazy / order_by / cascade options), the loader query (one SELECT for a
 * batch of parent keys, used by lazy, selectin and joined-path loads), the
 * join condition q:join(Author.books) needs, and the in-memory rules of both
 * sides: links between objects, association rows of many-to-many, and what
 * deleting a parent or removing a child does (cascade, delete-orphan).
 * The bindings keep the Lua view (collections, loaded state, conversions).
 * Tables are borrowed from the metadata, which outlives every orm_rel. */
#ifndef ORM_RELATION_H
#define ORM_RELATION_H

#include "error.h"
#include "expr.h"
#include "schema.h"
#include "session.h"

typedef enum { ORM_REL_M2O, ORM_REL_O2M, ORM_REL_M2M } orm_rel_kind;
typedef enum { ORM_LAZY_SELECT, ORM_LAZY_JOINED, ORM_LAZY_SELECTIN, ORM_LAZY_DYNAMIC } orm_rel_lazy;

/* A resolved relationship. */
typedef struct orm_rel {
    orm_rel_kind kind;
    const orm_table *parent, *target, *secondary; /* secondary: M2M only */
    int local_col;                                /* M2O: FK in parent; O2M, M2M: key in parent */
    int remote_col; /* M2O: key in target; O2M: FK in target; M2M: key in target */
    int sec_parent_col, sec_target_col; /* M2M: columns of the secondary table, else -1 */
    int uselist;
    int order_col, order_desc; /* order_col -1: the target's primary key */
    unsigned cascade_delete : 1, delete_orphan : 1;
    orm_rel_lazy lazy;
} orm_rel;

/* What a declaration says (db.relationship's options, as the bindings read
 * them). Every pointer is borrowed for the call. */
typedef struct orm_rel_spec {
    const char *name; /* "Book.author", for messages */
    const orm_table *parent, *target;
    const orm_metadata *md;      /* where secondary is looked up */
    const char *secondary;       /* the association table's name, or NULL */
    const char *foreign_key;     /* attribute or column name, or NULL */
    const orm_expr *primaryjoin; /* or NULL */
    const char *remote_side;     /* attribute or column name of target, or NULL */
    int uselist;                 /* -1: not given, else 0 / 1 */
    const char *lazy;            /* NULL: "select" */
    const char *order_by;        /* a column of target, "-name" descending; or NULL */
    int order_by_desc;           /* also descending (an Expr's :desc()) */
    int order_by_bad;            /* order_by given but names no column of target */
    const char *cascade;         /* or NULL */
} orm_rel_spec;

/* Resolves spec into *out. A declaration that cannot work is an
 * ArgumentError "relationship NAME: ..." (ORM_EFAIL). */
int orm_rel_resolve(const orm_rel_spec *spec, orm_rel *out, orm_error *err);

/* ---- loading ---- */

/* The key a load of r's related rows for parent would bind, or NULL when no
 * load can find anything: the key is NULL, the parent's row does not exist
 * yet (one-to-many, many-to-many), or a many-to-one's foreign key follows an
 * object in memory (orm_object_link_src gives it). Borrowed from parent. */
const orm_value *orm_rel_load_key(const orm_rel *r, const orm_object *parent);

/* The most parent keys one loader statement binds. */
#define ORM_REL_IN_CHUNK 500

/* Opens SELECT target.* [, secondary.parent_col] FROM target [JOIN secondary]
 * WHERE <key column> IN (keys) ORDER BY [key,] order_by, target pk: the
 * children of n parents (1 <= n <= ORM_REL_IN_CHUNK) whose keys are given.
 * *out: close with orm_cursor_close. Failures: err, or the session's error
 * (ORM_EFAIL with err empty: read orm_session_error). */
int orm_rel_load_open(orm_session *s, const orm_rel *r, const orm_value *const *keys, int n,
                      orm_cursor **out, orm_error *err);
/* The child of the current row (*child: a new reference, or NULL when the row
 * is an object the session deleted) and *key, the parent key it belongs to:
 * borrowed from the child, or (many-to-many) read into buf, which the caller
 * clears. */
static inline int orm_rel_load_row(orm_cursor *c, const orm_rel *r, orm_object **child,
                                   orm_value *buf, const orm_value **key)
{ /* inline: it runs once per loaded row */
    *child = NULL;
    *key = NULL;
    buf->type = ORM_V_NULL;
    orm_object *o = NULL;
    int rc = orm_cursor_object(c, r->target, 0, &o);
    if (rc < 0 || o == NULL) return rc;
    if (r->kind == ORM_REL_M2M) {
        if ((rc = orm_cursor_value(c, r->target->ncols, buf)) < 0) {
            orm_object_release(o);
            return rc;
        }
        *key = buf;
    } else {
        *key = &o->values[r->remote_col];
    }
    *child = o;
    return ORM_OK;
}

/* Eager loading's parents grouped by key (relation_batch.c). The batch
 * lives in memory the caller provides (orm_rel_batch_size(cap) bytes, any
 * alignment malloc gives), so there is nothing to free; keys are borrowed
 * and must outlive it. Parents are numbered 0..cap-1 by the caller. */
typedef struct orm_rel_batch orm_rel_batch;
#define ORM_REL_BATCH_MAX (1 << 26) /* parents in one batch */
size_t orm_rel_batch_size(int cap);
orm_rel_batch *orm_rel_batch_init(void *mem, int cap);
/* Parent number parent (added once) has key (not NULL, not a NULL value).
 * 1 when the key is new, 0 when other parents have it too. */
int orm_rel_batch_add(orm_rel_batch *b, const orm_value *key, int parent);
/* The distinct keys added, first seen first: what the loader binds. */
int orm_rel_batch_nkeys(const orm_rel_batch *b);
const orm_value *const *orm_rel_batch_keys(const orm_rel_batch *b);
/* The first parent (in the order added) whose key equals key, -1 when none;
 * then the next parent of the same key after parent, -1 after the last. */
int orm_rel_batch_first(const orm_rel_batch *b, const orm_value *key);
int orm_rel_batch_next(const orm_rel_batch *b, int parent);

/* q:join(rel): the table joined, the association table between (M2M, else
 * NULL) and the ON conditions (on2: secondary to target, M2M only); new
 * references. ORM_ENOMEM on failure (nothing returned). */
int orm_rel_join(const orm_rel *r, const orm_table **via, orm_expr **on, orm_expr **on2);
/* target.fk = <the parent's key>: the filter of a lazy = "dynamic" query. */
orm_expr *orm_rel_dynamic_filter(const orm_rel *r, const orm_object *parent);

/* Joined eager loading (relation_joined.c): the statement that loads the
 * parents sel selects (all columns of t, first) with the rows of rels[0..n-1]
 * (relationships of t, 1 <= n <= ORM_REL_MAX_JOINED) LEFT OUTER JOINed under
 * aliases; offs[k]: the first result column of rels[k]'s target. Each
 * parent's rows come together, each collection in its order. A new select
 * (orm_select_free); NULL with *cannot = 1 when sel has a shape this does not
 * rewrite (GROUP BY, HAVING, or under LIMIT / OFFSET / DISTINCT an ORDER BY
 * that is not a column of t); NULL alone: out of memory. */
#define ORM_REL_MAX_JOINED 8
orm_select *orm_rel_joined_select(const orm_select *sel, const orm_table *t,
                                  const orm_rel *const *rels, int n, int *offs, int *cannot);

/* ---- both sides in memory ---- */

/* 1 when o's row exists and column col holds its (non-NULL) value. */
int orm_rel_has_key(const orm_object *o, int col);
/* child's foreign key follows parent's key (parent NULL: unlinked); for M2O
 * child is the instance holding the relationship, for O2M its target. */
int orm_rel_link(const orm_rel *r, orm_object *child, orm_object *parent);
/* A new association row (M2M) linking owner and other; a new reference. */
orm_object *orm_rel_assoc_new(const orm_rel *r, orm_object *owner, orm_object *other);
/* Removes the association row between owner and other: a pending one is
 * expunged, a stored one is deleted at the next flush. */
int orm_rel_assoc_drop(orm_session *s, const orm_rel *r, orm_object *owner, orm_object *other);

/* ---- cascades ---- */

typedef enum {
    ORM_REL_KEEP,         /* nothing to do for this relationship */
    ORM_REL_UNLINK_ASSOC, /* drop the association rows (M2M) */
    ORM_REL_DELETE_CHILD, /* cascade delete */
    ORM_REL_NULL_FK,      /* set the child's foreign key NULL */
    ORM_REL_EXPUNGE_CHILD /* delete-orphan of a child never stored */
} orm_rel_action;

/* What deleting a parent does to each related child of r. */
orm_rel_action orm_rel_on_parent_delete(const orm_rel *r);
/* What removing child from r's collection does beyond unlinking it. */
orm_rel_action orm_rel_on_remove(const orm_rel *r, const orm_object *child);

#endif
