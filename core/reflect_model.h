/* reflect_model.h — turning a reflected schema into model definitions: one
 * class a table, named and related by the rules of reflect_names.h, with
 * many-to-one, one-to-many and many-to-many relationships (see
 * docs/exploring.md for the rules). The result is plain data; the Lua text
 * of a models.lua (model_writer.c) and the shell's reflected models are
 * both written from it. Deterministic: tables and foreign keys are taken in
 * name order, so the same database gives the same names on every backend. */
#ifndef ORM_REFLECT_MODEL_H
#define ORM_REFLECT_MODEL_H

#include "buf.h"
#include "dbschema.h"
#include "strv.h"

typedef enum { ORM_RREL_M2O, ORM_RREL_O2M, ORM_RREL_M2M } orm_rrel_kind;

typedef struct orm_rrel {
    orm_rrel_kind kind;
    char *name;      /* the attribute on its class */
    int target;      /* index of the class on the other side */
    char *fkcol;     /* M2O: this table's column; O2M: the target table's column; M2M: NULL */
    char *back;      /* the other side's attribute (back_populates), or NULL */
    char *secondary; /* M2M: the association table */
    int self_ref;    /* a table referring to itself (the M2O side says uselist = false) */
    int need_fk;     /* several foreign keys join the two tables: foreign_keys = fkcol */
} orm_rrel;

typedef struct orm_rclass {
    char *name;         /* the class name */
    orm_dbtable *table; /* owned by the orm_rmodels' schema */
    int mapped;         /* an existing model maps the table: nothing is defined for it */
    int readonly;       /* the table has no primary key: a read-only model, no relationships */
    orm_rrel *rels;
    int nrels;
    int *fk_ok; /* per foreign key of table: 1 when it can be declared (target known) */
} orm_rclass;

typedef struct orm_rmodels {
    orm_dbschema *schema; /* owned */
    orm_rclass *classes;  /* in table-name order */
    int n;
    int *order;     /* class indexes in foreign-key order (parents first) */
    orm_strv notes; /* one line each: what was skipped or renamed, and why */
} orm_rmodels;

/* 1 when name is already a global or a class (the new class then gets '_'
 * appended). */
typedef int (*orm_rname_taken_fn)(void *ud, const char *name);
/* The class name of the existing model that maps table, or NULL. */
typedef const char *(*orm_rmapped_fn)(void *ud, const char *table);

/* Builds the models of schema s (taken over: freed with the result, or on
 * failure). taken and mapped may be NULL. Returns 0 or ORM_ENOMEM. *out:
 * caller frees with orm_rmodels_free. */
int orm_rmodels_build(orm_dbschema *s, orm_rname_taken_fn taken, orm_rmapped_fn mapped, void *ud,
                      orm_rmodels **out);
void orm_rmodels_free(orm_rmodels *m);
/* Adds the note naming the views (views are not reflected): one line
 * however many there are. 0 or ORM_ENOMEM. */
int orm_rmodels_note_views(orm_rmodels *m, const orm_strv *views);
/* Index of the class named name, or -1. */
int orm_rmodels_find(const orm_rmodels *m, const char *name);

/* ---- model_writer.c ---- */
/* Appends the Lua text of the unmapped classes, one db.Model(...) each in
 * foreign-key order, as a person would write models.lua: __tablename,
 * columns in table order (type, key, nullability, unique, index, server
 * default, foreign key), then relationships. header: a comment line to
 * start with, or NULL. The result's oom flag reports a failed allocation. */
void orm_rmodels_write_lua(const orm_rmodels *m, const char *header, orm_buf *out);

#endif
