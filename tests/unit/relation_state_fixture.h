/* relation_state_fixture.h — relationships for the tests of
 * relation_state.c and relation_ops.c, over session_fixture.h's tables:
 * parent.children (one-to-many, and a delete-orphan variant), child.parent
 * (many-to-one, its reverse), tag and parent_tag for parent.tags /
 * tag.parents (many-to-many), an orm_rel_env whose loader is
 * orm_rel_load_many of one parent, and helpers. Included by one test file
 * each, so helpers are static. */
#ifndef TESTS_RELATION_STATE_FIXTURE_H
#define TESTS_RELATION_STATE_FIXTURE_H

#include "session_fixture.h"

#include "fault.h"
#include "relation_state.h"

typedef struct rt {
    fx *f;
    orm_table *tag, *ptag;
    orm_rel children, orphans, parent, tags, parents;
    /* which one-to-many parent's rels_of names: children or orphans */
    const orm_rel *o2m;
    int loads;      /* loader calls */
    char told[512]; /* the changes the env was told, "+p1.children:c " ... */
    int fail_told;  /* the next change told fails (ORM_EFAIL) */
} rt;

static orm_rel rt_resolve(fx *f, const orm_table *p, const orm_table *t, const char *secondary,
                          const char *cascade)
{
    orm_rel_spec s = {.name = "rel",
                      .parent = p,
                      .target = t,
                      .md = f->md,
                      .uselist = -1,
                      .secondary = secondary,
                      .cascade = cascade};
    orm_rel r;
    orm_error err;
    orm_error_init(&err);
    if (orm_rel_resolve(&s, &r, &err) != ORM_OK) fail_msg("resolve: %s", err.message);
    return r;
}

/* Adds tag(id, label) and parent_tag(parent_id, tag_id), resolves the
 * relationships. */
FIXTURE void rt_init(rt *t, fx *f)
{
    memset(t, 0, sizeof *t);
    t->f = f;
    t->tag = add_table(f->md, "tag");
    t->ptag = add_table(f->md, "parent_tag");
    add_col(t->tag, &(orm_column){.name = "id", .type = {ORM_T_INTEGER}, .primary_key = 1});
    add_col(t->tag, &(orm_column){.name = "label", .type = {ORM_T_STRING, 10}, .nullable = 1});
    orm_fkey fp = {.table = "parent", .column = "id"}, ft = {.table = "tag", .column = "id"};
    add_col(
        t->ptag,
        &(orm_column){.name = "parent_id", .type = {ORM_T_INTEGER}, .primary_key = 1, .fk = &fp});
    add_col(t->ptag,
            &(orm_column){.name = "tag_id", .type = {ORM_T_INTEGER}, .primary_key = 1, .fk = &ft});
    orm_error err;
    orm_error_init(&err);
    assert_int_equal(orm_ddl_create_all(f->conn, f->md, &err), ORM_OK);
    t->children = rt_resolve(f, f->parent, f->child, NULL, NULL);
    t->orphans = rt_resolve(f, f->parent, f->child, NULL, "all, delete-orphan");
    t->parent = rt_resolve(f, f->child, f->parent, NULL, NULL);
    t->tags = rt_resolve(f, f->parent, t->tag, "parent_tag", NULL);
    t->parents = rt_resolve(f, t->tag, f->parent, "parent_tag", NULL);
    t->o2m = &t->children;
    f->conn->echo = 0;
}

static void rt_rels_of(void *ctx, const orm_table *tb, const orm_rel *const **rels,
                       const orm_rel *const **revs, int *n)
{
    rt *t = ctx;
    static const orm_rel *r[2], *v[2];
    *rels = r;
    *revs = v;
    if (tb == t->f->parent) {
        r[0] = &t->tags, v[0] = &t->parents; /* first: loading autoflushes */
        r[1] = t->o2m, v[1] = &t->parent;
        *n = 2;
    } else if (tb == t->f->child) {
        r[0] = &t->parent, v[0] = t->o2m;
        *n = 1;
    } else if (tb == t->tag) {
        r[0] = &t->parents, v[0] = &t->tags;
        *n = 1;
    } else {
        *n = 0;
    }
}

static int rt_load(void *ctx, orm_object *o, const orm_rel *r)
{
    rt *t = ctx;
    t->loads++;
    orm_error err;
    orm_error_init(&err);
    int rc = orm_rel_load_many(t->f->s, r, &o, 1, NULL, NULL, &err);
    if (rc < 0 && err.cls != ORM_ERR_NONE) {
        orm_error *se = orm_session_error(t->f->s);
        orm_error_clear(se);
        *se = err;
    }
    return rc;
}

static const char *rt_rel_name(const rt *t, const orm_rel *r)
{
    return r == &t->children  ? "children"
           : r == &t->orphans ? "orphans"
           : r == &t->parent  ? "parent"
           : r == &t->tags    ? "tags"
           : r == &t->parents ? "parents"
                              : "?";
}

/* Logs each change as "+owner.rel:item " (added), "-..." (removed) or
 * "=owner.rel:target " (target set; "-" for none), by the objects' names. */
static int rt_changed(void *ctx, orm_object *o, const orm_rel *r, orm_object *item, int what)
{
    rt *t = ctx;
    size_t len = strlen(t->told);
    const char *on = text_of(o, o->table == t->tag ? 1 : o->table == t->f->child ? C_NAME : P_NAME);
    const char *in = item ? text_of(item, item->table == t->tag        ? 1
                                          : item->table == t->f->child ? C_NAME
                                                                       : P_NAME)
                          : "-";
    snprintf(t->told + len, sizeof t->told - len, "%c%s.%s:%s ",
             what == ORM_REL_ADDED     ? '+'
             : what == ORM_REL_REMOVED ? '-'
                                       : '=',
             on, rt_rel_name(t, r), in);
    if (t->fail_told) {
        t->fail_told = 0;
        return orm_error_set(orm_session_error(t->f->s), ORM_ERR_OPERATIONAL, 0, "told: refused");
    }
    return ORM_OK;
}

FIXTURE orm_rel_env rt_env(rt *t)
{
    return (orm_rel_env){
        .s = t->f->s, .rels_of = rt_rels_of, .load = rt_load, .changed = rt_changed, .ctx = t};
}

/* What the collection r of o holds, "name,name" (column col of each). */
FIXTURE const char *rt_items(const orm_object *o, const orm_rel *r, int col, char *buf, size_t n)
{
    buf[0] = '\0';
    for (int i = 0; i < orm_rel_count(o, r); i++) {
        size_t len = strlen(buf);
        snprintf(buf + len, n - len, "%s%s", i ? "," : "", text_of(orm_rel_item(o, r, i), col));
    }
    return buf;
}

/* Finalizes an object as the bindings do: slots cleared, reference dropped. */
FIXTURE void rt_drop(orm_object *o)
{
    if (o == NULL) return;
    orm_rel_slots_clear(o);
    orm_object_release(o);
}

FIXTURE orm_object *rt_new_tag(rt *t, int64_t id, const char *label)
{
    orm_object *o = orm_object_new(t->tag);
    assert_non_null(o);
    set_int(o, 0, id);
    set_text(o, 1, label);
    return o;
}

#endif
