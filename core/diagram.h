/* diagram.h — an entity-relationship diagram of a schema in Graphviz's dot
 * language: one node a table listing its columns (PK/FK markers, type,
 * NULL / NOT NULL), one edge a foreign key from the referencing table to
 * the referenced one, labelled with the relationship names that use it. */
#ifndef ORM_DIAGRAM_H
#define ORM_DIAGRAM_H

#include "buf.h"
#include "dbschema.h"

/* The names of the relationships over one foreign-key column (borrowed). */
typedef struct orm_diagram_label {
    const char *table;  /* the referencing table */
    const char *column; /* its foreign-key column */
    const char *m2o;    /* the many-to-one attribute, or NULL */
    const char *o2m;    /* the one-to-many attribute on the parent, or NULL */
} orm_diagram_label;

/* Appends the dot text of s; titles[i] (or NULL) names the class of
 * s->tables[i] (shown over the table name). The buffer's oom flag reports
 * a failed allocation. */
void orm_diagram_dot(const orm_dbschema *s, const char *const *titles,
                     const orm_diagram_label *labels, int nlabels, orm_buf *out);

#endif
