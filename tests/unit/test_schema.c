/* test_schema.c — the metadata: type names, column rules (primary key, the
 * generated key, duplicates, foreign-key actions) and foreign-key order. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "schema.h"

static orm_column col(const char *name, orm_type_kind kind)
{
    return (orm_column){
        .name = (char *)name, .type = {.kind = kind}, .nullable = 1, .autoincrement = 1};
}

static orm_column pk(const char *name, orm_type_kind kind)
{
    orm_column c = col(name, kind);
    c.primary_key = 1;
    return c;
}

static orm_column fkcol(const char *name, orm_fkey *fk)
{
    orm_column c = col(name, ORM_T_INTEGER);
    c.fk = fk;
    return c;
}

static orm_table *add_table(orm_metadata *md, const char *name)
{
    orm_error err;
    orm_error_init(&err);
    orm_table *t = NULL;
    assert_int_equal(orm_metadata_add_table(md, name, &t, &err), 0);
    return t;
}

static void add_col(orm_table *t, orm_column c)
{
    orm_error err;
    orm_error_init(&err);
    assert_int_equal(orm_table_add_column(t, &c, &err), 0);
}

static void test_schema__type_names_round_trip(void **state)
{
    (void)state;
    const char *names[] = {
        "Integer",        "BigInteger", "String(30)", "String",   "Text",        "Boolean", "Float",
        "Numeric(10, 2)", "Numeric",    "Date",       "DateTime", "LargeBinary", "JSON"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        orm_type t;
        orm_error err;
        orm_error_init(&err);
        char buf[64];
        assert_int_equal(orm_type_parse(&t, names[i], &err), 0);
        assert_string_equal(orm_type_name(&t, buf, sizeof buf), names[i]);
    }
}

static void test_schema__type_parse_reads_arguments(void **state)
{
    (void)state;
    orm_type t;
    orm_error err;
    orm_error_init(&err);
    assert_int_equal(orm_type_parse(&t, "String(50)", &err), 0);
    assert_int_equal(t.kind, ORM_T_STRING);
    assert_int_equal(t.length, 50);
    assert_int_equal(orm_type_parse(&t, "Numeric(12,4)", &err), 0);
    assert_int_equal(t.kind, ORM_T_NUMERIC);
    assert_int_equal(t.precision, 12);
    assert_int_equal(t.scale, 4);
    assert_int_equal(orm_type_parse(&t, "Numeric(8)", &err), 0);
    assert_int_equal(t.precision, 8);
    assert_int_equal(t.scale, 0);
}

static void test_schema__type_parse_rejects_unknown_and_malformed(void **state)
{
    (void)state;
    const char *bad[] = {"Strin",        "",           "String(",         "String(x)",
                         "String(30",    "Integer(3)", "String(30) junk", "Numeric(1, 2, 3)",
                         "Numeric(2, 5)"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        orm_type t;
        orm_error err;
        orm_error_init(&err);
        assert_int_equal(orm_type_parse(&t, bad[i], &err), ORM_EFAIL);
        assert_int_equal(err.cls, ORM_ERR_ARGUMENT);
        assert_non_null(strstr(err.message, "unknown column type"));
        orm_error_clear(&err);
    }
}

static void test_schema__primary_key_is_not_null_and_autoincrements(void **state)
{
    (void)state;
    orm_metadata *md = orm_metadata_new();
    orm_table *t = add_table(md, "author");
    add_col(t, pk("id", ORM_T_INTEGER));
    add_col(t, col("name", ORM_T_STRING));
    assert_int_equal(t->ncols, 2);
    assert_int_equal(t->cols[0].nullable, 0);
    assert_int_equal(t->cols[0].autoincrement, 1);
    assert_int_equal(t->cols[1].nullable, 1);
    assert_int_equal(t->cols[1].autoincrement, 0); /* only the generated key keeps the flag */
    assert_int_equal(t->cols[1].index, 1);
    assert_int_equal(t->npk, 1);
    assert_int_equal(t->pk[0], 0);
    assert_int_equal(t->autoinc_col, 0);
    orm_metadata_free(md);
}

static void test_schema__composite_key_has_no_generated_key(void **state)
{
    (void)state;
    orm_metadata *md = orm_metadata_new();
    orm_table *t = add_table(md, "book_to_store_map");
    add_col(t, col("note", ORM_T_TEXT));
    add_col(t, pk("book_id", ORM_T_INTEGER));
    assert_int_equal(t->autoinc_col, 1);
    add_col(t, pk("store_id", ORM_T_INTEGER));
    assert_int_equal(t->npk, 2);
    assert_int_equal(t->pk[0], 1);
    assert_int_equal(t->pk[1], 2);
    assert_int_equal(t->autoinc_col, -1);
    assert_int_equal(t->cols[1].autoincrement, 0);
    assert_int_equal(t->cols[2].autoincrement, 0);
    orm_metadata_free(md);
}

static void test_schema__autoincrement_needs_an_integer_and_can_be_disabled(void **state)
{
    (void)state;
    orm_metadata *md = orm_metadata_new();
    orm_table *s = add_table(md, "code");
    add_col(s, pk("code", ORM_T_STRING));
    assert_int_equal(s->autoinc_col, -1);
    orm_table *b = add_table(md, "big");
    add_col(b, pk("id", ORM_T_BIGINT));
    assert_int_equal(b->autoinc_col, 0);
    orm_table *n = add_table(md, "manual");
    orm_column c = pk("id", ORM_T_INTEGER);
    c.autoincrement = 0;
    add_col(n, c);
    assert_int_equal(n->autoinc_col, -1);
    assert_int_equal(n->cols[0].autoincrement, 0);
    orm_metadata_free(md);
}

static void test_schema__rejects_duplicates(void **state)
{
    (void)state;
    orm_metadata *md = orm_metadata_new();
    orm_error err;
    orm_error_init(&err);
    orm_table *t = add_table(md, "author"), *dup = NULL;
    assert_int_equal(orm_metadata_add_table(md, "author", &dup, &err), ORM_EFAIL);
    assert_int_equal(err.cls, ORM_ERR_ARGUMENT);
    assert_string_equal(err.message, "table 'author' is already defined");
    add_col(t, pk("id", ORM_T_INTEGER));
    orm_column c = col("id", ORM_T_TEXT);
    assert_int_equal(orm_table_add_column(t, &c, &err), ORM_EFAIL);
    assert_string_equal(err.message, "duplicate column 'id' in table 'author'");
    assert_int_equal(t->ncols, 1);
    orm_error_clear(&err);
    orm_metadata_free(md);
}

static void test_schema__rejects_too_many_columns(void **state)
{
    (void)state;
    orm_metadata *md = orm_metadata_new();
    orm_table *t = add_table(md, "wide");
    char name[16];
    for (int i = 0; i < ORM_MAX_COLUMNS; i++) {
        snprintf(name, sizeof name, "c%d", i);
        add_col(t, col(name, ORM_T_INTEGER));
    }
    orm_error err;
    orm_error_init(&err);
    orm_column c = col("one_more", ORM_T_INTEGER);
    assert_int_equal(orm_table_add_column(t, &c, &err), ORM_EFAIL);
    assert_int_equal(err.cls, ORM_ERR_ARGUMENT);
    orm_error_clear(&err);
    orm_metadata_free(md);
}

static void test_schema__fk_actions_are_validated_and_uppercased(void **state)
{
    (void)state;
    orm_metadata *md = orm_metadata_new();
    orm_table *t = add_table(md, "book");
    orm_fkey fk = {
        .table = "author", .column = "id", .ondelete = "set null", .onupdate = "Cascade"};
    add_col(t, fkcol("author_id", &fk));
    assert_string_equal(t->cols[0].fk->table, "author");
    assert_string_equal(t->cols[0].fk->column, "id");
    assert_string_equal(t->cols[0].fk->ondelete, "SET NULL");
    assert_string_equal(t->cols[0].fk->onupdate, "CASCADE");

    orm_fkey bad = {.table = "author", .column = "id", .ondelete = "EXPLODE"};
    orm_column c = fkcol("other_id", &bad);
    orm_error err;
    orm_error_init(&err);
    assert_int_equal(orm_table_add_column(t, &c, &err), ORM_EFAIL);
    assert_int_equal(err.cls, ORM_ERR_ARGUMENT);
    assert_non_null(strstr(err.message, "'EXPLODE'"));
    assert_int_equal(t->ncols, 1);
    orm_error_clear(&err);
    orm_metadata_free(md);
}

static void test_schema__column_copy_owns_its_strings(void **state)
{
    (void)state;
    orm_metadata *md = orm_metadata_new();
    orm_table *t = add_table(md, "post");
    char name[] = "title", def[] = "'untitled'";
    orm_column c = col(name, ORM_T_STRING);
    c.server_default = def;
    add_col(t, c);
    name[0] = 'X';
    def[0] = 'X';
    assert_string_equal(t->cols[0].name, "title");
    assert_string_equal(t->cols[0].server_default, "'untitled'");
    assert_int_equal(orm_table_column_index(t, "title", 5), 0);
    assert_int_equal(orm_table_column_index(t, "titlex", 5), 0);
    assert_int_equal(orm_table_column_index(t, "titl", 4), -1);
    orm_metadata_free(md);
}

/* An attribute may name a differently named column: lookups by attribute
 * and by column are separate, and neither may repeat in a table. */
static void test_schema__attribute_differs_from_column(void **state)
{
    (void)state;
    orm_metadata *md = orm_metadata_new();
    orm_table *t = add_table(md, "artist");
    orm_column c = pk("artist_id", ORM_T_INTEGER);
    c.attr = "ArtistId";
    add_col(t, c);
    add_col(t, col("name", ORM_T_STRING)); /* no attribute: the column's name */
    assert_string_equal(t->cols[0].name, "artist_id");
    assert_string_equal(t->cols[0].attr, "ArtistId");
    assert_string_equal(t->cols[1].attr, "name");
    assert_int_equal(orm_table_attr_index(t, "ArtistId", 8), 0);
    assert_int_equal(orm_table_attr_index(t, "artist_id", 9), -1);
    assert_int_equal(orm_table_column_index(t, "artist_id", 9), 0);
    assert_int_equal(orm_table_column_index(t, "ArtistId", 8), -1);
    assert_int_equal(orm_table_attr_index(t, "name", 4), 1);

    orm_error err;
    orm_error_init(&err);
    orm_column dup = col("other", ORM_T_TEXT);
    dup.attr = "ArtistId";
    assert_int_equal(orm_table_add_column(t, &dup, &err), ORM_EFAIL);
    assert_string_equal(err.message, "duplicate attribute 'ArtistId' in table 'artist'");
    orm_error_clear(&err);
    dup.attr = "";
    assert_int_equal(orm_table_add_column(t, &dup, &err), ORM_EFAIL);
    assert_int_equal(err.cls, ORM_ERR_ARGUMENT);
    orm_error_clear(&err);
    assert_int_equal(t->ncols, 2);
    orm_metadata_free(md);
}

static void test_schema__find_and_remove_tables(void **state)
{
    (void)state;
    orm_metadata *md = orm_metadata_new();
    orm_table *a = add_table(md, "a");
    orm_table *b = add_table(md, "b");
    orm_table *c = add_table(md, "c");
    assert_ptr_equal(orm_metadata_find(md, "b"), b);
    orm_metadata_remove_table(md, b);
    assert_null(orm_metadata_find(md, "b"));
    assert_int_equal(md->ntables, 2);
    assert_ptr_equal(md->tables[0], a);
    assert_ptr_equal(md->tables[1], c);
    orm_metadata_free(md);
}

static const char *sorted_names(orm_metadata *md, char *buf, size_t n)
{
    orm_table **v = NULL;
    int nt = 0;
    assert_int_equal(orm_metadata_sorted(md, &v, &nt), 0);
    buf[0] = '\0';
    for (int i = 0; i < nt; i++) {
        if (i) strncat(buf, " ", n - strlen(buf) - 1);
        strncat(buf, v[i]->name, n - strlen(buf) - 1);
    }
    free(v);
    return buf;
}

/* A chain defined children first, a self-reference, an unrelated table. */
static void test_schema__sorted_puts_parents_first(void **state)
{
    (void)state;
    orm_metadata *md = orm_metadata_new();
    orm_fkey to_book = {.table = "book", .column = "id"};
    orm_fkey to_author = {.table = "author", .column = "id"};
    orm_fkey to_self = {.table = "author", .column = "id"};
    orm_table *review = add_table(md, "review");
    add_col(review, pk("id", ORM_T_INTEGER));
    add_col(review, fkcol("book_id", &to_book));
    orm_table *tag = add_table(md, "tag");
    add_col(tag, pk("id", ORM_T_INTEGER));
    orm_table *book = add_table(md, "book");
    add_col(book, pk("id", ORM_T_INTEGER));
    add_col(book, fkcol("author_id", &to_author));
    orm_table *author = add_table(md, "author");
    add_col(author, pk("id", ORM_T_INTEGER));
    add_col(author, fkcol("mentor_id", &to_self));
    char buf[128];
    assert_string_equal(sorted_names(md, buf, sizeof buf), "tag author book review");
    orm_metadata_free(md);
}

static void test_schema__sorted_keeps_definition_order_for_ties_and_cycles(void **state)
{
    (void)state;
    orm_metadata *md = orm_metadata_new();
    orm_fkey to_b = {.table = "b", .column = "id"};
    orm_fkey to_a = {.table = "a", .column = "id"};
    orm_fkey to_missing = {.table = "nowhere", .column = "id"};
    orm_table *a = add_table(md, "a");
    add_col(a, pk("id", ORM_T_INTEGER));
    add_col(a, fkcol("b_id", &to_b));
    orm_table *b = add_table(md, "b");
    add_col(b, pk("id", ORM_T_INTEGER));
    add_col(b, fkcol("a_id", &to_a));
    orm_table *x = add_table(md, "x");
    add_col(x, fkcol("n_id", &to_missing));
    orm_table *y = add_table(md, "y");
    add_col(y, pk("id", ORM_T_INTEGER));
    char buf[128];
    /* the a<->b cycle is broken at a (defined first) once nothing else is ready */
    assert_string_equal(sorted_names(md, buf, sizeof buf), "x y a b");
    orm_metadata_free(md);

    md = orm_metadata_new();
    assert_string_equal(sorted_names(md, buf, sizeof buf), "");
    orm_metadata_free(md);
}

static void test_schema__check_fks_names_the_missing_target(void **state)
{
    (void)state;
    orm_metadata *md = orm_metadata_new();
    orm_error err;
    orm_error_init(&err);
    orm_table *author = add_table(md, "author");
    add_col(author, pk("id", ORM_T_INTEGER));
    orm_fkey ok = {.table = "author", .column = "id"};
    orm_table *book = add_table(md, "book");
    add_col(book, fkcol("writer_id", &ok));
    assert_int_equal(orm_metadata_check_fks(md, &err), 0);

    orm_fkey typo = {.table = "authr", .column = "id"};
    add_col(book, fkcol("author_id", &typo));
    assert_int_equal(orm_metadata_check_fks(md, &err), ORM_EFAIL);
    assert_int_equal(err.cls, ORM_ERR_ARGUMENT);
    assert_string_equal(err.message, "foreign key book.author_id references unknown table 'authr'");
    orm_error_clear(&err);
    orm_metadata_free(md);

    md = orm_metadata_new();
    author = add_table(md, "author");
    add_col(author, pk("id", ORM_T_INTEGER));
    orm_fkey badcol = {.table = "author", .column = "uid"};
    book = add_table(md, "book");
    add_col(book, fkcol("author_id", &badcol));
    assert_int_equal(orm_metadata_check_fks(md, &err), ORM_EFAIL);
    assert_string_equal(err.message,
                        "foreign key book.author_id references unknown column 'author.uid'");
    orm_error_clear(&err);
    orm_metadata_free(md);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_schema__type_names_round_trip),
        cmocka_unit_test(test_schema__type_parse_reads_arguments),
        cmocka_unit_test(test_schema__type_parse_rejects_unknown_and_malformed),
        cmocka_unit_test(test_schema__primary_key_is_not_null_and_autoincrements),
        cmocka_unit_test(test_schema__composite_key_has_no_generated_key),
        cmocka_unit_test(test_schema__autoincrement_needs_an_integer_and_can_be_disabled),
        cmocka_unit_test(test_schema__rejects_duplicates),
        cmocka_unit_test(test_schema__rejects_too_many_columns),
        cmocka_unit_test(test_schema__fk_actions_are_validated_and_uppercased),
        cmocka_unit_test(test_schema__column_copy_owns_its_strings),
        cmocka_unit_test(test_schema__attribute_differs_from_column),
        cmocka_unit_test(test_schema__find_and_remove_tables),
        cmocka_unit_test(test_schema__sorted_puts_parents_first),
        cmocka_unit_test(test_schema__sorted_keeps_definition_order_for_ties_and_cycles),
        cmocka_unit_test(test_schema__check_fks_names_the_missing_target),
    };
    return cmocka_run_group_tests(tests, 0, 0);
}
