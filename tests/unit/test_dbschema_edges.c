/* test_dbschema_edges.c — database schema descriptions (core/dbschema.c)
 * at their edges: the schema a set of models describes (primary keys, a
 * read-only table's none, UNIQUE unless a unique index stands for it,
 * index = true as ix_<table>_<col>, foreign keys with both actions,
 * table-level indexes and unique constraints, the generated key — a
 * BigInteger one BIGSERIAL on PostgreSQL, as create_all makes it) and its
 * CREATE TABLE text per dialect; removing a column takes every constraint
 * and index that uses it; renaming one follows it everywhere and forgets an
 * index's saved text, which names the old column; and with each allocation
 * failing in turn the description either fails with ORM_ENOMEM or is the
 * same as without faults. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dbschema.h"
#include "fault.h"

static orm_metadata *md;

static void col(orm_table *t, orm_column c)
{
    orm_error err;
    orm_error_init(&err);
    if (orm_table_add_column(t, &c, &err) != ORM_OK) fail_msg("%s: %s", c.name, err.message);
}

static int setup(void **state)
{
    (void)state;
    orm_error err;
    orm_error_init(&err);
    md = orm_metadata_new();
    orm_table *a = NULL, *b = NULL, *v = NULL;
    orm_metadata_add_table(md, "author", &a, &err);
    col(a,
        (orm_column){.name = "id", .type = {ORM_T_INTEGER}, .primary_key = 1, .autoincrement = 1});
    col(a, (orm_column){.name = "email", .type = {ORM_T_STRING, 80}, .unique = 1, .nullable = 1});
    col(a, (orm_column){.name = "name", .type = {ORM_T_STRING, 40}, .indexed = 1, .unique = 1});
    col(a, (orm_column){.name = "born", .type = {ORM_T_DATE}, .indexed = 1, .nullable = 1});
    orm_metadata_add_table(md, "book", &b, &err);
    orm_fkey fk = {
        .table = "author", .column = "id", .ondelete = "CASCADE", .onupdate = "SET NULL"};
    col(b,
        (orm_column){.name = "id", .type = {ORM_T_BIGINT}, .primary_key = 1, .autoincrement = 1});
    col(b, (orm_column){.name = "author_id", .type = {ORM_T_INTEGER}, .fk = &fk, .nullable = 1});
    col(b, (orm_column){.name = "title", .type = {ORM_T_STRING, 100}, .server_default = "'?'"});
    orm_tindex ix = {.name = "ix_book_title_author", .is_index = 1, .ncols = 2, .cols = {2, 1}};
    orm_tindex uq = {.name = NULL, .is_index = 0, .unique = 1, .ncols = 2, .cols = {1, 2}};
    if (orm_table_add_tindex(b, &ix, &err) || orm_table_add_tindex(b, &uq, &err)) return -1;
    orm_metadata_add_table(md, "vw", &v, &err); /* no primary key: read-only */
    col(v, (orm_column){.name = "x", .type = {ORM_T_INTEGER}, .nullable = 1});
    orm_table_set_readonly(v);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    orm_metadata_free(md);
    return 0;
}

static char *ddl_of(const orm_dialect *d, const orm_dbtable *t)
{
    orm_buf b = ORM_BUF_INIT;
    assert_int_equal(orm_dbtable_ddl(d, t, NULL, &b), ORM_OK);
    for (int i = 0; i < t->nindexes; i++) {
        orm_buf_puts(&b, ";\n");
        assert_int_equal(orm_dbindex_ddl(d, t->name, &t->indexes[i], &b), ORM_OK);
    }
    return orm_buf_detach(&b);
}

/* Every table's DDL on SQLite and PostgreSQL, joined. */
static char *describe(const orm_dbschema *s)
{
    orm_buf b = ORM_BUF_INIT;
    const orm_dialect *ds[] = {&orm_dialect_sqlite, &orm_dialect_pg};
    for (int k = 0; k < 2; k++)
        for (int i = 0; i < s->ntables; i++) {
            char *one = ddl_of(ds[k], s->tables[i]);
            orm_buf_printf(&b, "%s\n--\n", one);
            free(one);
        }
    return orm_buf_detach(&b);
}

static void test_dbschema_edges__schema_of_the_models(void **state)
{
    (void)state;
    orm_dbschema *s = NULL;
    assert_int_equal(orm_dbschema_from_metadata(md, &s), ORM_OK);
    assert_int_equal(s->ntables, 3);
    char *text = describe(s);
    assert_non_null(strstr(text, "CREATE TABLE author (\n\tid INTEGER NOT NULL, \n\temail "
                                 "VARCHAR(80), \n\tname VARCHAR(40) NOT NULL, \n\tborn DATE, "
                                 "\n\tPRIMARY KEY (id), \n\tUNIQUE (email)\n)"));
    assert_non_null(strstr(text, "CREATE UNIQUE INDEX ix_author_name ON author (name)"));
    assert_non_null(strstr(text, "CREATE INDEX ix_author_born ON author (born)"));
    assert_non_null(strstr(text, "FOREIGN KEY(author_id) REFERENCES author (id) ON DELETE "
                                 "CASCADE ON UPDATE SET NULL"));
    assert_non_null(strstr(text, "title VARCHAR(100) DEFAULT '?' NOT NULL"));
    assert_non_null(strstr(text, "UNIQUE (author_id, title)"));
    assert_non_null(strstr(text, "CREATE INDEX ix_book_title_author ON book (title, author_id)"));
    /* the generated key on PostgreSQL, as create_all writes it (a big one stays big) */
    assert_non_null(strstr(text, "CREATE TABLE author (\n\tid SERIAL NOT NULL"));
    assert_non_null(strstr(text, "CREATE TABLE book (\n\tid BIGSERIAL NOT NULL"));
    assert_non_null(strstr(text, "CREATE TABLE vw (\n\tx INTEGER\n)")); /* no key */
    free(text);
    orm_dbschema_free(s);
}

static void test_dbschema_edges__remove_and_rename_columns(void **state)
{
    (void)state;
    orm_dbschema *s = NULL;
    assert_int_equal(orm_dbschema_from_metadata(md, &s), ORM_OK);
    orm_dbtable *book = orm_dbschema_find(s, "book");
    assert_true(orm_dbtable_column_constrained(book, "id"));        /* key */
    assert_true(orm_dbtable_column_constrained(book, "author_id")); /* fk, unique, index */
    orm_dbtable *author = orm_dbschema_find(s, "author");
    assert_true(orm_dbtable_column_constrained(author, "email"));
    assert_true(orm_dbtable_column_constrained(author, "born"));
    assert_false(orm_dbtable_column_constrained(author, "nope"));
    /* an index with saved text: renaming a column it uses forgets the text */
    author->indexes[1].sql = strdup("CREATE INDEX ix_author_born ON author (born)");
    assert_int_equal(orm_dbtable_rename_column(author, 3, "birth"), ORM_OK);
    assert_null(author->indexes[1].sql);
    assert_string_equal(author->indexes[1].cols.v[0], "birth");
    assert_int_equal(orm_dbtable_rename_column(author, 0, "author_id"), ORM_OK);
    assert_string_equal(author->pk.v[0], "author_id");
    assert_int_equal(orm_dbtable_rename_column(book, 1, "writer_id"), ORM_OK);
    char *text = ddl_of(&orm_dialect_sqlite, book);
    assert_non_null(strstr(text, "UNIQUE (writer_id, title)"));
    assert_non_null(strstr(text, "FOREIGN KEY(writer_id) REFERENCES author (id)"));
    assert_non_null(strstr(text, "ON book (title, writer_id)"));
    free(text);
    /* removing it takes the unique constraint, the index and the foreign key */
    orm_dbtable_remove_column(book, 1);
    assert_int_equal(book->ncols, 2);
    assert_int_equal(book->nuniques, 0);
    assert_int_equal(book->nindexes, 0);
    assert_int_equal(book->nfkeys, 0);
    orm_dbtable_remove_column(book, 0); /* the key loses its column */
    assert_int_equal(book->pk.n, 0);
    assert_false(orm_dbtable_column_constrained(book, "title"));
    /* renaming under a failing allocation: out of memory, the name kept */
    orm_fault_alloc_after(1);
    assert_int_equal(orm_dbtable_rename_column(book, 0, "heading"), ORM_ENOMEM);
    orm_fault_alloc_after(0);
    assert_string_equal(book->cols[0].name, "title");
    orm_dbschema_free(s);
}

static void test_dbschema_edges__each_failed_allocation(void **state)
{
    (void)state;
    orm_dbschema *s = NULL;
    assert_int_equal(orm_dbschema_from_metadata(md, &s), ORM_OK);
    char *want = describe(s);
    orm_dbschema_free(s);
    int failures = 0, done = 0;
    for (long n = 1; n < 1000 && !done; n++) {
        orm_fault_alloc_after(n);
        int rc = orm_dbschema_from_metadata(md, &s);
        int fired = orm_fault_alloc_fired();
        orm_fault_alloc_after(0);
        if (rc == ORM_OK) {
            char *got = describe(s);
            assert_string_equal(got, want);
            free(got);
            orm_dbschema_free(s);
            done = !fired;
        } else {
            failures++;
            assert_true(fired);
            assert_int_equal(rc, ORM_ENOMEM);
            assert_null(s);
        }
    }
    assert_true(done);
    assert_true(failures >= 20);
    free(want);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_dbschema_edges__schema_of_the_models, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dbschema_edges__remove_and_rename_columns, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_dbschema_edges__each_failed_allocation, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
