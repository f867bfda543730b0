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
    ORM_X_UNARY,   /* op args[0]: NOT, NEG, DISTINCT */
    ORM_X_BOOL,    /* args joined by AND / OR (op) */
    ORM_X_FUNC,    /* name(args...) */
    ORM_X_IN,      /* args[0] IN (args[1..]); op ORM_OP_NOTIN negates */
    ORM_X_BETWEEN, /* args[0] BETWEEN args[1] AND args[2] */
    ORM_X_LIKE,    /* args[0] LIKE args[1] [ESCAPE 'c']; op LIKE or ILIKE */
    ORM_X_LABEL,   /* args[0] AS name; with no args, a reference to name */
    ORM_X_ORDER,   /* args[0] ASC/DESC (desc) */
    ORM_X_TEXT,    /* raw SQL text (no parameters) */
    ORM_X_STAR,    /* * */
    ORM_X_CASE,    /* CASE [args[0]] WHEN c THEN v ... [ELSE e] END (flags) */
    ORM_X_CAST,    /* CAST(args[0] AS type) */
    ORM_X_SELECT,  /* (SELECT ...) as a value; op ORM_OP_EXISTS: EXISTS (SELECT ...) */
    ORM_X_SUBCOL,  /* column col of a derived table: from->names[col] */
} orm_expr_kind;

typedef enum {
    ORM_OP_NONE = 0,
    ORM_OP_EQ,
    ORM_OP_NE,
    ORM_OP_LT,
    ORM_OP_LE,
    ORM_OP_GT,
    ORM_OP_GE,
    ORM_OP_IS,
    ORM_OP_ISNOT,
    ORM_OP_ADD,
    ORM_OP_SUB,
    ORM_OP_MUL,
    ORM_OP_DIV,
    ORM_OP_MOD,
    ORM_OP_CONCAT,
    ORM_OP_AND,
    ORM_OP_OR,
    ORM_OP_NOT,
    ORM_OP_NEG,
    ORM_OP_LIKE,
    ORM_OP_ILIKE,
    ORM_OP_IN,
    ORM_OP_NOTIN,
    ORM_OP_EXISTS,
    ORM_OP_DISTINCT, /* unary: DISTINCT x (count(DISTINCT x)) */
} orm_op;

struct orm_select;

/* A FROM item that is more than a table of the metadata: a table under
 * another name ("member AS member_1", SQLAlchemy's aliased()) or a derived
 * table ("(SELECT ...) AS anon_1", a query's subquery()). Reference counted
 * and immutable, like expressions. An item without an alias is named when a
 * statement is compiled: <table>_1, <table>_2 ... for aliases, anon_1 ...
 * for derived tables, numbered in order of appearance in that statement. */
typedef struct orm_from {
    int refs;
    const orm_table *table; /* aliased table; NULL for a derived table */
    struct orm_select *sel; /* derived table (owned); NULL for an alias */
    char *alias;            /* explicit name or NULL (owned) */
    char **names;           /* derived table: result column names (owned) */
    int nnames;
    int depth; /* 1 for an alias, 1 + orm_select_depth(sel) */
} orm_from;

orm_from *orm_from_retain(orm_from *f); /* NULL-safe; returns f */
void orm_from_release(orm_from *f);     /* NULL-safe */
/* t AS alias (alias NULL: named at compile time). NULL on oom. */
orm_from *orm_from_alias(const orm_table *t, const char *alias);
/* (s) AS alias; s is copied. Column names come from the result columns: a
 * label's name, a column's name, a function's name, else "anon"; repeated
 * names get _1, _2 ... suffixes. NULL on oom or when s has no columns. */
orm_from *orm_from_subquery(const struct orm_select *s, const char *alias);
/* Index of a derived table's column called name, or -1. */
int orm_from_column_index(const orm_from *f, const char *name);

typedef struct orm_expr {
    orm_expr_kind kind;
    orm_op op;
    int refs;
    const orm_table *table; /* COLUMN */
    int col;                /* COLUMN: column index; SUBCOL: index in from->names */
    int desc;               /* ORDER */
    int flags;              /* CASE: ORM_CASE_* */
    char escape;            /* LIKE: escape character, 0 for none */
    orm_value value;        /* BIND (owned) */
    orm_type type;          /* CAST: the target type */
    char *name;             /* FUNC name, LABEL name, TEXT sql (owned) */
    orm_from *from;         /* COLUMN of an alias, SUBCOL: the FROM item (retained) */
    struct orm_select *sel; /* SELECT (owned) */
    struct orm_expr **args; /* children (each retained) */
    int nargs;
    int depth;                  /* 1 for a leaf, else 1 + the deepest child (a
                                   SELECT counts its expressions, a derived
                                   table's column its select) */
    uint64_t size;              /* nodes of the tree written out (a shared
                                   child counted each time), at most
                                   ORM_EXPR_MAX_NODES + 1 */
    struct orm_expr *next_dead; /* orm_expr_release's work list */
} orm_expr;

/* The deepest expression tree the compiler accepts (SQLite's own default
 * limit): compiling recurses once per level, so a deeper tree is refused
 * with an ArgumentError instead of overflowing the C stack. The bindings
 * refuse to build one. */
#define ORM_EXPR_MAX_DEPTH 1000

/* The longest SQL text the compiler writes. A tree may share a subtree
 * (e = e + e), which is written out each time it is used: thirty such
 * lines would make 2^30 copies. Past this length compiling stops with an
 * ArgumentError instead of running for minutes and exhausting memory. */
#define ORM_SQL_MAX_BYTES ((size_t)64 << 20)

/* The most nodes a tree may have counted as written out (size above): the
 * walks over a tree (its tables, its SQL) visit a shared subtree once per
 * use, so a tree that uses itself again and again is refused when built. */
#define ORM_EXPR_MAX_NODES ((uint64_t)10000000)

enum {
    ORM_CASE_VALUE = 1, /* args[0] is the value compared with each WHEN */
    ORM_CASE_ELSE = 2,  /* the last arg is the ELSE value */
};

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
/* A reference to a result column by name (db.desc("n")): a LABEL node with
 * no child, always written as the quoted name. */
orm_expr *orm_expr_label_ref(const char *name);
orm_expr *orm_expr_order(orm_expr *e, int desc);
orm_expr *orm_expr_text(const char *sql);
/* A keyword literal written bare, never parenthesised (true, false): IS true. */
orm_expr *orm_expr_keyword(const char *kw);
orm_expr *orm_expr_star(void);
/* Column col of the aliased table f (f->table must be set). */
orm_expr *orm_expr_alias_column(orm_from *f, int col);
/* Column col of the derived table f. */
orm_expr *orm_expr_subcolumn(orm_from *f, int col);
/* CASE [value] WHEN whens[0] THEN whens[1] ... [ELSE else_] END: n pairs in
 * whens (2n expressions); value and else_ may be NULL. */
orm_expr *orm_expr_case(orm_expr *value, orm_expr *const *whens, int npairs, orm_expr *else_);
orm_expr *orm_expr_cast(orm_expr *e, const orm_type *t);
/* (SELECT ...) as a value, or EXISTS (SELECT ...) when exists is set; s is
 * copied. Inside an enclosing SELECT, tables that statement already has in
 * its FROM are not repeated in the inner one (SQLAlchemy's correlation). */
orm_expr *orm_expr_select(const struct orm_select *s, int exists);
/* The type of the values e yields, when known: a column's type, a cast's,
 * boolean for comparisons and EXISTS, integer for count(); NULL otherwise.
 * Borrowed (static or from the metadata). */
const orm_type *orm_expr_type(const orm_expr *e);

/* A JOIN clause of a select. */
typedef struct orm_join {
    const orm_table *table; /* a table of the metadata, or NULL when item is set */
    orm_expr *on;           /* retained; NULL: no ON clause */
    int outer;
    orm_from *item; /* an alias or derived table (retained), or NULL */
} orm_join;

/* SELECT columns FROM from [JOIN ...] WHERE ... GROUP BY ... HAVING ...
 * ORDER BY ... LIMIT ... OFFSET. Plain data; the orm_select_* helpers keep
 * references right. */
typedef struct orm_select {
    orm_expr **columns; /* result columns, each retained */
    int ncolumns;
    const orm_table *from; /* NULL: the tables of the columns, in order */
    orm_join *joins;
    int njoins;
    orm_expr *where; /* NULL or one expression (filters AND-ed) */
    orm_expr **group_by;
    int ngroup;
    orm_expr *having;
    orm_expr **order_by;
    int norder;
    int64_t limit;  /* -1: none */
    int64_t offset; /* -1: none */
    int distinct;
    int select_one;   /* write the result columns as "1" (an EXISTS body); FROM
                         still comes from the columns */
    orm_from **froms; /* explicit FROM items before those of the columns (retained) */
    int nfroms;
    int lock; /* ORM_LOCK_*: a locking read (top-level SELECTs only) */
} orm_select;

enum { ORM_LOCK_NONE = 0, ORM_LOCK_UPDATE = 1, ORM_LOCK_SHARE = 2 };

orm_select *orm_select_new(void);
/* The depth of the deepest expression or FROM item in s (0 when empty). */
int orm_select_depth(const orm_select *s);
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
/* A JOIN to an alias or derived table. */
int orm_select_add_join_from(orm_select *s, orm_from *f, orm_expr *on, int outer);
int orm_select_add_from(orm_select *s, orm_from *f);
/* Removes the result columns (with_entities), or the ORDER BY items. */
void orm_select_clear_columns(orm_select *s);
void orm_select_clear_order(orm_select *s);
/* Adds every column of the aliased table f, in order. */
int orm_select_add_alias_columns(orm_select *s, orm_from *f);

#endif
