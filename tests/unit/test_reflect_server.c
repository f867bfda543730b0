/* test_reflect_server.c — the server-independent half of PostgreSQL and
 * MySQL reflection (reflect_server.c): catalog rows gathered into unique
 * constraints, indexes (expressions keep no column list) and foreign keys
 * (no action read as none); names a backend gives unnamed constraints, and
 * ormsh's conventional ones, read as unnamed; a literal default loses its
 * cast; the index InnoDB makes for a foreign key is recognised. The
 * servers themselves are exercised by tests/lua/migrate_reflect.lua and
 * tests/shell/migrate_backends_*.sh. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reflect_server.h"

static void test_reflect_server__rows_gather_into_constraints(void **state)
{
    (void)state;
    orm_dbtable *t = orm_dbtable_new("book");
    assert_int_equal(orm_reflect_unique_col(t, "u1", "a"), 0);
    assert_int_equal(orm_reflect_unique_col(t, "u1", "b"), 0);
    assert_int_equal(orm_reflect_unique_col(t, "u2", "c"), 0);
    assert_int_equal(t->nuniques, 2);
    assert_int_equal(t->uniques[0].cols.n, 2);
    assert_string_equal(t->uniques[0].cols.v[1], "b");

    assert_int_equal(orm_reflect_index_col(t, "ix", 1, "a"), 0);
    assert_int_equal(orm_reflect_index_col(t, "ix", 1, "b"), 0);
    assert_int_equal(orm_reflect_index_col(t, "ex", 0, "a"), 0);
    assert_int_equal(orm_reflect_index_col(t, "ex", 0, NULL), 0); /* an expression */
    assert_int_equal(orm_reflect_index_col(t, "ex", 0, "c"), 0);
    assert_int_equal(t->nindexes, 2);
    assert_true(t->indexes[0].unique);
    assert_int_equal(t->indexes[0].cols.n, 2);
    assert_int_equal(t->indexes[1].cols.n, 0);

    assert_int_equal(orm_reflect_fkey_col(t, "f", "x", "p", "id", "NO ACTION", "CASCADE"), 0);
    assert_int_equal(orm_reflect_fkey_col(t, "f", "y", "p", "id2", NULL, NULL), 0);
    assert_int_equal(t->nfkeys, 1);
    assert_null(t->fkeys[0].ondelete);
    assert_string_equal(t->fkeys[0].onupdate, "CASCADE");
    assert_int_equal(t->fkeys[0].cols.n, 2);
    assert_string_equal(t->fkeys[0].refcols.v[1], "id2");
    orm_dbtable_free(t);
}

/* The PostgreSQL-style rule: <table>_<cols>_key / _fkey. */
static int pg_like(const orm_dbtable *t, const char *name, const orm_strv *cols, int fkey)
{
    char buf[128];
    snprintf(buf, sizeof buf, "%s_%s_%s", t->name, cols->v[0], fkey ? "fkey" : "key");
    return strcmp(buf, name) == 0;
}

static void test_reflect_server__default_and_conventional_names_read_as_unnamed(void **state)
{
    (void)state;
    orm_dbtable *t = orm_dbtable_new("book");
    orm_reflect_unique_col(t, "book_name_key", "name"); /* the backend's */
    orm_reflect_unique_col(t, "uq_book_isbn", "isbn");  /* ormsh's */
    orm_reflect_unique_col(t, "my_own", "code");        /* the user's */
    orm_reflect_fkey_col(t, "book_author_id_fkey", "author_id", "author", "id", NULL, NULL);
    orm_reflect_fkey_col(t, "fk_book_shop_id_shop", "shop_id", "shop", "id", NULL, NULL);
    orm_reflect_fkey_col(t, "keep_me", "x_id", "x", "id", NULL, NULL);
    orm_reflect_forget_default_names(t, pg_like);
    assert_null(t->uniques[0].name);
    assert_null(t->uniques[1].name);
    assert_string_equal(t->uniques[2].name, "my_own");
    assert_null(t->fkeys[0].name);
    assert_null(t->fkeys[1].name);
    assert_string_equal(t->fkeys[2].name, "keep_me");
    orm_dbtable_free(t);
}

static void test_reflect_server__literal_defaults_lose_their_cast(void **state)
{
    (void)state;
    char a[] = "'new'::character varying", b[] = "'it''s'::text", c[] = "now()", d[] = "'a::b'";
    orm_reflect_strip_cast(a);
    orm_reflect_strip_cast(b);
    orm_reflect_strip_cast(c);
    orm_reflect_strip_cast(d);
    assert_string_equal(a, "'new'");
    assert_string_equal(b, "'it''s'");
    assert_string_equal(c, "now()");
    assert_string_equal(d, "'a::b'");
    orm_reflect_strip_cast(NULL);
}

static void test_reflect_server__innodb_foreign_key_indexes(void **state)
{
    (void)state;
    orm_dbtable *t = orm_dbtable_new("c");
    orm_reflect_fkey_col(t, "c_ibfk_1", "p_id", "p", "id", NULL, NULL);
    orm_reflect_fkey_col(t, "fk_c_q_id_p", "q_id", "p", "id", NULL, NULL);
    orm_reflect_index_col(t, "p_id", 0, "p_id");        /* named after the column */
    orm_reflect_index_col(t, "fk_c_q_id_p", 0, "q_id"); /* after the constraint */
    orm_reflect_index_col(t, "ix_c_q_id", 0, "q_id");   /* the user's */
    orm_reflect_index_col(t, "p_id_2", 1, "p_id");      /* unique: never */
    assert_int_equal(orm_reflect_mysql_fk_index(t, 0), 0);
    assert_int_equal(orm_reflect_mysql_fk_index(t, 1), 1);
    assert_int_equal(orm_reflect_mysql_fk_index(t, 2), -1);
    assert_int_equal(orm_reflect_mysql_fk_index(t, 3), -1);
    orm_dbtable_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reflect_server__rows_gather_into_constraints),
        cmocka_unit_test(test_reflect_server__default_and_conventional_names_read_as_unnamed),
        cmocka_unit_test(test_reflect_server__literal_defaults_lose_their_cast),
        cmocka_unit_test(test_reflect_server__innodb_foreign_key_indexes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
