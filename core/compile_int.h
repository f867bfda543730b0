/* compile_int.h — the compiler's private state, shared by compile.c
 * (expressions), compile_select.c (SELECT, FROM, count) and compile_dml.c
 * (bulk UPDATE / DELETE). Nothing outside those files includes it. */
#ifndef ORM_COMPILE_INT_H
#define ORM_COMPILE_INT_H

#include "compile.h"

enum { ORM_PREC_NONE = -100, ORM_PREC_TEXT = 0, ORM_PREC_ATOM = 100 };

/* A FROM source: an alias or derived table (f), else the table t itself. */
typedef struct orm_cc_src {
    const orm_table *t;
    const orm_from *f;
} orm_cc_src;

typedef struct orm_cc_srclist {
    orm_cc_src *v;
    int n, cap;
} orm_cc_srclist;

/* A statement being compiled, for correlation: an inner SELECT leaves out
 * the sources an enclosing statement already has. */
typedef struct orm_cc_frame {
    const orm_cc_srclist *froms;
    const struct orm_cc_frame *up;
} orm_cc_frame;

typedef struct orm_cc_name {
    const orm_from *f;
    char *name;
} orm_cc_name;

typedef struct orm_cc {
    const orm_dialect *d;
    orm_compiled *out;
    orm_error *err;
    /* In ORDER BY, GROUP BY and HAVING: the select whose result columns'
     * labels are written by name there. NULL elsewhere. */
    const orm_select *label_names;
    const orm_cc_frame *frames; /* enclosing statements, innermost first */
    orm_cc_name *names;         /* names given to unnamed FROM items */
    int nnames, capnames;
    int anon; /* derived tables named anon_N so far */
} orm_cc;

/* The operator a child is compiled against (what decides its parentheses). */
typedef struct orm_cc_against {
    int prec;
    orm_op op;
} orm_cc_against;

#define ORM_CC_TOP ((orm_cc_against){ORM_PREC_NONE, ORM_OP_NONE})

void orm_cc_init(orm_cc *c, const orm_dialect *d, orm_compiled *out, orm_error *err);
/* Frees the names and turns an out-of-memory buffer into ORM_ENOMEM. */
int orm_cc_finish(orm_cc *c, int rc);
int orm_cc_oom(orm_cc *c);
/* ArgumentError: a tree over ORM_EXPR_MAX_NODES nodes written out. */
int orm_cc_too_large(orm_cc *c);
int orm_cc_malformed(orm_cc *c, const char *what);
void orm_cc_put(orm_cc *c, const char *s);
int orm_cc_bind(orm_cc *c, const orm_value *v);
int orm_cc_bind_owned_int(orm_cc *c, int64_t i);
int orm_cc_node(orm_cc *c, const orm_expr *e, orm_cc_against a);
int orm_cc_list(orm_cc *c, orm_expr *const *v, int n, const char *sep, orm_cc_against a);

/* compile_select.c */
/* The name f is written under in this statement (its alias, or the next
 * <table>_N / anon_N); NULL on oom. */
const char *orm_cc_from_name(orm_cc *c, const orm_from *f);
/* A SELECT nested in an expression: "(SELECT ...)", "EXISTS (SELECT ...)",
 * or with bare set, the SELECT alone (inside IN (...)). */
int orm_cc_subselect(orm_cc *c, const orm_select *s, int exists, int bare);
/* The sources e's columns belong to (not descending into nested SELECTs);
 * ORM_EFAIL when e is over ORM_EXPR_MAX_NODES nodes written out. */
int orm_cc_collect(orm_cc_srclist *l, const orm_expr *e);
int orm_cc_srclist_add(orm_cc_srclist *l, orm_cc_src s);
int orm_cc_srclist_has(const orm_cc_srclist *l, orm_cc_src s);

#endif
