/* expr.h — the SQL expression tree (columns, bound values, operators,
 * functions, labels, ordering, raw text) and the SELECT statement built from
 * it. Nodes are reference counted and immutable once built, so queries can
 * share them: every constructor *retains* the children it is given (the
 * caller keeps its own references) and returns a node with one reference,
 * or NULL when out of memory. */
#ifndef ORM_EXPR_H
#define ORM_EXPR_H

#include <stdint.h>
#include "schema.h"
#include "value.h"

typedef enum {
    ORM_X_COLUMN,  /* table->cols[col] */
    ORM_X_BIND,    /* a bound value */
    ORM_X_NULL,    /* the SQL NULL literal (db.null) */
    ORM_X_BINARY,  /* args[0] op args[1] */
    ORM_X_UNARY,   /* op args[0]: NOT, NEG */
    ORM_X_BOOL,    /* args joined by AND / OR (op) */
    ORM_X_FUNC,    /* name(args...) */
    ORM_X_IN,      /* args[0] IN (args[1..]); op ORM_OP_NOTIN negates */
    ORM_X_BETWEEN, /* args[0] BETWEEN args[1] AND args[2] */
    ORM_X_LIKE,    /* args[0] LIKE args[1] [ESCAPE 'c']; op LIKE or ILIKE */
    ORM_X_LABEL,   /* args[0] AS name */
    ORM_X_ORDER,   /* args[0] ASC/DESC (desc) */
    ORM_X_TEXT,    /* raw SQL text (no parameters) */
    ORM_X_STAR,    /* * */
} orm_expr_kind;

typedef enum {
    ORM_OP_NONE = 0,
    ORM_OP_EQ, ORM_OP_NE, ORM_OP_LT, ORM_OP_LE, ORM_OP_GT, ORM_OP_GE,
    ORM_OP_IS, ORM_OP_ISNOT,
    ORM_OP_ADD, ORM_OP_SUB, ORM_OP_MUL, ORM_OP_DIV, ORM_OP_MOD, ORM_OP_CONCAT,
    ORM_OP_AND, ORM_OP_OR,
    ORM_OP_NOT, ORM_OP_NEG,
    ORM_OP_LIKE, ORM_OP_ILIKE,
    ORM_OP_IN, ORM_OP_NOTIN,
} orm_op;

typedef struct orm_expr {
    orm_expr_kind kind;
    orm_op op;
    int refs;
    const orm_table *table; /* COLUMN */
    int col;                /* COLUMN: column index */
    int desc;               /* ORDER */
    char escape;            /* LIKE: escape character, 0 for none */
    orm_value value;        /* BIND (owned) */
    char *name;             /* FUNC name, LABEL name, TEXT sql (owned) */
    struct orm_expr **args; /* children (each retained) */
    int nargs;
} orm_expr;

orm_expr *orm_expr_retain(orm_expr *e); /* NULL-safe; returns e */
void orm_expr_release(orm_expr *e);     /* NULL-safe; frees at zero */

orm_expr *orm_expr_column(const orm_table *t, int col);
orm_expr *orm_expr_bind(const orm_value *v); /* copies v */
orm_expr *orm_expr_null(void);
orm_expr *orm_expr_binary(orm_op op, orm_expr *l, orm_expr *r);
orm_expr *orm_expr_unary(orm_op op, orm_expr *e);
orm_expr *orm_expr_bool(orm_op op, orm_expr *const *args, int n); /* AND/OR */
orm_expr *orm_expr_func(const char *name, orm_expr *const *args, int n);
orm_expr *orm_expr_in(orm_expr *e, orm_expr *const *list, int n, int negate);
orm_expr *orm_expr_between(orm_expr *e, orm_expr *lo, orm_expr *hi);
orm_expr *orm_expr_like(orm_op op, orm_expr *e, orm_expr *pattern, char escape);
/* contains/startswith/endswith: LIKE with the text escaped ('%', '_' and the
 * escape char '/' prefixed by '/') and wrapped in '%', as SQLAlchemy's
 * autoescape does, so the text matches literally. */
typedef enum { ORM_MATCH_CONTAINS, ORM_MATCH_STARTS, ORM_MATCH_ENDS } orm_match;
orm_expr *orm_expr_match(orm_expr *e, const char *text, size_t n, orm_match how);
orm_expr *orm_expr_label(orm_expr *e, const char *name);
orm_expr *orm_expr_order(orm_expr *e, int desc);
orm_expr *orm_expr_text(const char *sql);
orm_expr *orm_expr_star(void);

/* A JOIN clause of a select. */
typedef struct orm_join {
    const orm_table *table;
    orm_expr *on; /* retained */
    int outer;
} orm_join;

/* SELECT columns FROM from [JOIN ...] WHERE ... GROUP BY ... HAVING ...
 * ORDER BY ... LIMIT ... OFFSET. Plain data; the orm_select_* helpers keep
 * references right. */
typedef struct orm_select {
    orm_expr **columns;   /* result columns, each retained */
    int ncolumns;
    const orm_table *from;  /* NULL: the tables of the columns, in order */
    orm_join *joins;
    int njoins;
    orm_expr *where;      /* NULL or one expression (filters AND-ed) */
    orm_expr **group_by;
    int ngroup;
    orm_expr *having;
    orm_expr **order_by;
    int norder;
    int64_t limit;  /* -1: none */
    int64_t offset; /* -1: none */
    int distinct;
} orm_select;

orm_select *orm_select_new(void);
/* A copy sharing the (immutable) expressions; NULL on oom. */
orm_select *orm_select_clone(const orm_select *s);
void orm_select_free(orm_select *s); /* NULL-safe */
/* Each returns 0 or ORM_ENOMEM; expressions are retained. */
int orm_select_add_column(orm_select *s, orm_expr *e);
/* Adds every column of t, in order. */
int orm_select_add_table_columns(orm_select *s, const orm_table *t);
int orm_select_add_where(orm_select *s, orm_expr *e); /* AND-ed with what is there */
int orm_select_add_order(orm_select *s, orm_expr *e);
int orm_select_add_group(orm_select *s, orm_expr *e);
int orm_select_set_having(orm_select *s, orm_expr *e);
int orm_select_add_join(orm_select *s, const orm_table *t, orm_expr *on, int outer);

#endif
