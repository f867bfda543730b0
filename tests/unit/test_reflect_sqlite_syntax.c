/* test_reflect_sqlite_syntax.c — reading a SQLite table's definition
 * (core/reflect_sqlite.c) written the many ways SQLite accepts: comments
 * of both kinds, identifiers in "double quotes" (doubled quotes inside),
 * `backticks`, [brackets] and non-ASCII letters, a column with no declared
 * type, named UNIQUE and FOREIGN KEY constraints found by their names among
 * all that, a foreign key to a table's implicit primary key, an INTEGER
 * PRIMARY KEY as the generated key (INT is not the rowid alias). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "memory_db.h"

#include <stdlib.h>
#include <string.h>

#include "reflect.h"

static orm_dbtable *reflect(orm_conn *c, const char *name)
{
    orm_dbtable *t = NULL;
    if (orm_reflect_table(c, name, &t) != ORM_OK) fail_msg("reflect %s: %s", name, c->err.message);
    assert_non_null(t);
    return t;
}

static void test_reflect_sqlite_syntax__quoted_and_commented(void **state)
{
    (void)state;
    orm_conn *c = open_memory();
    exec(c, "CREATE TABLE parent (id INTEGER PRIMARY KEY, code TEXT UNIQUE)");
    exec(c, "CREATE TABLE \"we\"\"ird\" ( -- a comment, with (parens) and 'quotes'\n"
            "  [my col] INT PRIMARY KEY, /* a block\n comment */ `b``q` TEXT,\n"
            "  notype, \"café\" VARCHAR(5) DEFAULT 'x,y',\n"
            "  parent_id INTEGER,\n"
            "  CONSTRAINT \"uq named\" UNIQUE (notype, `b``q`),\n"
            "  CONSTRAINT [fk parent] FOREIGN KEY (parent_id) REFERENCES parent ON DELETE "
            "CASCADE ON UPDATE NO ACTION\n)");
    orm_dbtable *t = reflect(c, "we\"ird");
    assert_int_equal(t->ncols, 5);
    assert_string_equal(t->cols[0].name, "my col");
    assert_string_equal(t->cols[1].name, "b`q");
    assert_string_equal(t->cols[2].name, "notype");
    assert_null(t->cols[2].type_sql); /* no declared type */
    assert_string_equal(t->cols[3].name, "café");
    assert_string_equal(t->cols[3].server_default, "'x,y'");
    assert_int_equal(t->pk.n, 1);
    assert_string_equal(t->pk.v[0], "my col");
    assert_false(t->cols[0].autoincrement); /* INT is not the rowid alias */
    assert_int_equal(t->nuniques, 1);
    assert_string_equal(t->uniques[0].name, "uq named");
    assert_int_equal(t->uniques[0].cols.n, 2);
    assert_int_equal(t->nfkeys, 1);
    assert_string_equal(t->fkeys[0].name, "fk parent");
    assert_string_equal(t->fkeys[0].reftable, "parent");
    assert_string_equal(t->fkeys[0].refcols.v[0], "id"); /* the referenced primary key */
    assert_string_equal(t->fkeys[0].ondelete, "CASCADE");
    assert_null(t->fkeys[0].onupdate); /* NO ACTION is no clause */
    orm_dbtable_free(t);
    t = reflect(c, "parent");
    assert_true(t->cols[0].autoincrement); /* INTEGER PRIMARY KEY: the generated key */
    assert_int_equal(t->nuniques, 1);
    assert_null(t->uniques[0].name); /* unnamed */
    orm_dbtable_free(t);
    orm_dbtable *none = (orm_dbtable *)1;
    assert_int_equal(orm_reflect_table(c, "nope", &none), ORM_OK);
    assert_null(none);
    orm_conn_close(c);
}

static void test_reflect_sqlite_syntax__unnamed_constraints_and_indexes(void **state)
{
    (void)state;
    orm_conn *c = open_memory();
    exec(c, "CREATE TABLE a (x INTEGER, y INTEGER, PRIMARY KEY (x, y))");
    exec(c, "CREATE TABLE k (code TEXT PRIMARY KEY)");
    exec(c, "CREATE TABLE b (id INTEGER PRIMARY KEY, ax INTEGER, ay INTEGER, note TEXT, "
            "UNIQUE (note), CONSTRAINT keep FOREIGN KEY (ax, ay) REFERENCES a, "
            "FOREIGN KEY (note) REFERENCES k)");
    exec(c, "CREATE INDEX ix_b_note ON b (note DESC)");
    exec(c, "CREATE INDEX ix_b_expr ON b (lower(note))");
    orm_dbtable *t = reflect(c, "b");
    assert_int_equal(t->nfkeys, 2);
    int named = t->fkeys[0].name ? 0 : 1;
    assert_string_equal(t->fkeys[named].name, "keep");
    assert_null(t->fkeys[1 - named].name);
    assert_int_equal(t->fkeys[named].refcols.n, 2); /* a's whole key */
    assert_string_equal(t->fkeys[1 - named].refcols.v[0], "code");
    assert_int_equal(t->nindexes, 2);
    int ix = strcmp(t->indexes[0].name, "ix_b_note") == 0 ? 0 : 1;
    assert_string_equal(t->indexes[ix].cols.v[0], "note");
    assert_non_null(strstr(t->indexes[ix].sql, "note DESC")); /* its text kept */
    assert_int_equal(t->indexes[1 - ix].cols.n, 0);           /* an expression: no columns */
    orm_dbtable_free(t);
    orm_conn_close(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reflect_sqlite_syntax__quoted_and_commented),
        cmocka_unit_test(test_reflect_sqlite_syntax__unnamed_constraints_and_indexes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
