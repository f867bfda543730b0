/* test_diff.c — autogenerate's comparison and its rendering: new tables in
 * foreign-key order (and the docs/reference.md text), no ops for equal schemas,
 * added/dropped columns carrying their constraints, the rename note, type
 * and nullability changes both ways, indexes, unique constraints and
 * foreign keys, and which tables are dropped (revision-made) or left alone
 * (unmapped, excluded). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "diff.h"

/* ---- building schemas ---------------------------------------------------- */

static orm_dbtable *table(orm_dbschema *s, const char *name)
{
    orm_dbtable *t = orm_dbtable_new(name);
    assert_non_null(t);
    assert_int_equal(orm_dbschema_add(s, t), 0);
    return t;
}

static void col(orm_dbtable *t, const char *name, orm_type_kind kind, int length, int nullable)
{
    orm_dbcolumn c = {
        .name = (char *)name, .type = {kind, length, 0, 0}, .type_known = 1, .nullable = nullable};
    assert_int_equal(orm_dbtable_add_column(t, &c), 0);
}

static void pk(orm_dbtable *t, const char *name)
{
    col(t, name, ORM_T_INTEGER, 0, 0);
    t->cols[t->ncols - 1].autoincrement = 1;
    assert_int_equal(orm_strv_push(&t->pk, name), 0);
}

static orm_strv one(const char *a)
{
    orm_strv l = ORM_STRV_INIT;
    assert_int_equal(orm_strv_push(&l, a), 0);
    return l;
}

static void unique(orm_dbtable *t, const char *name, const char *c)
{
    orm_dbunique u = {.name = (char *)name, .cols = one(c)};
    assert_int_equal(orm_dbtable_add_unique(t, &u), 0);
    orm_strv_free(&u.cols);
}

static void index_(orm_dbtable *t, const char *name, const char *c, int uniq)
{
    orm_dbindex x = {.name = (char *)name, .cols = one(c), .unique = uniq};
    assert_int_equal(orm_dbtable_add_index(t, &x), 0);
    orm_strv_free(&x.cols);
}

static void fkey(orm_dbtable *t, const char *c, const char *ref, const char *ondelete)
{
    orm_dbfkey f = {.cols = one(c),
                    .reftable = (char *)ref,
                    .refcols = one("id"),
                    .ondelete = (char *)ondelete};
    assert_int_equal(orm_dbtable_add_fkey(t, &f), 0);
    orm_strv_free(&f.cols);
    orm_strv_free(&f.refcols);
}

/* The tutorial's author table. */
static orm_dbtable *author(orm_dbschema *s)
{
    orm_dbtable *t = table(s, "author");
    pk(t, "id");
    col(t, "name", ORM_T_STRING, 30, 1);
    col(t, "email", ORM_T_STRING, 30, 0);
    unique(t, NULL, "email");
    return t;
}

static orm_dbtable *book(orm_dbschema *s, const char *ondelete)
{
    orm_dbtable *t = table(s, "book");
    pk(t, "id");
    col(t, "author_id", ORM_T_INTEGER, 0, 1);
    fkey(t, "author_id", "author", ondelete);
    return t;
}

typedef struct fixture {
    orm_dbschema *want, *have;
    orm_mig_ops ops;
    orm_buf up, down;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    f->want = orm_dbschema_new();
    f->have = orm_dbschema_new();
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    orm_dbschema_free(f->want);
    orm_dbschema_free(f->have);
    orm_mig_ops_free(&f->ops);
    orm_buf_free(&f->up);
    orm_buf_free(&f->down);
    free(f);
    return 0;
}

static void run_diff(fixture *f, const orm_diff_opts *o)
{
    assert_int_equal(orm_diff(f->want, f->have, o, &f->ops), 0);
    assert_int_equal(orm_mig_ops_render(&f->ops, 0, "", &f->up), 0);
    assert_int_equal(orm_mig_ops_render(&f->ops, 1, "", &f->down), 0);
}

/* ---- tests ----------------------------------------------------------------- */

static void test_diff__new_tables_parents_first_in_the_spec_format(void **state)
{
    fixture *f = *state;
    book(f->want, "CASCADE"); /* defined before its parent */
    author(f->want);
    run_diff(f, NULL);
    assert_int_equal(f->ops.n, 2);
    assert_string_equal(
        orm_buf_str(&f->up),
        "op.create_table(\"author\", {\n"
        "  op.column(\"id\", \"Integer\", { primary_key = true }),\n"
        "  op.column(\"name\", \"String(30)\"),\n"
        "  op.column(\"email\", \"String(30)\", { nullable = false, unique = true }),\n"
        "})\n"
        "op.create_table(\"book\", {\n"
        "  op.column(\"id\", \"Integer\", { primary_key = true }),\n"
        "  op.column(\"author_id\", \"Integer\", { foreign_key = \"author.id\", "
        "ondelete = \"CASCADE\" }),\n"
        "})\n");
    assert_string_equal(orm_buf_str(&f->down),
                        "op.drop_table(\"book\")\nop.drop_table(\"author\")\n");
    assert_string_equal(f->ops.notices.v[0], "Detected added table 'author'");
}

static void test_diff__equal_schemas_need_nothing(void **state)
{
    fixture *f = *state;
    author(f->want);
    book(f->want, NULL);
    author(f->have);
    book(f->have, NULL);
    /* the generated key's spelling and unknown types are no difference */
    f->have->tables[0]->cols[0].type.kind = ORM_T_BIGINT;
    f->have->tables[0]->cols[1].type_known = 0;
    run_diff(f, NULL);
    assert_int_equal(f->ops.n, 0);
    assert_string_equal(orm_buf_str(&f->up), "");
}

static void test_diff__added_column_brings_its_constraints(void **state)
{
    fixture *f = *state;
    orm_dbtable *w = author(f->want);
    col(w, "mentor_id", ORM_T_INTEGER, 0, 1);
    fkey(w, "mentor_id", "author", "SET NULL");
    col(w, "slug", ORM_T_STRING, 20, 1);
    index_(w, "ix_author_slug", "slug", 1);
    author(f->have);
    run_diff(f, NULL);
    assert_int_equal(f->ops.n, 2);
    assert_string_equal(
        orm_buf_str(&f->up),
        "op.add_column(\"author\", op.column(\"mentor_id\", \"Integer\", { foreign_key "
        "= \"author.id\", ondelete = \"SET NULL\" }))\n"
        "op.add_column(\"author\", op.column(\"slug\", \"String(20)\", { unique = "
        "true, index = true }))\n");
    assert_string_equal(orm_buf_str(&f->down), "op.drop_column(\"author\", \"slug\")\n"
                                               "op.drop_column(\"author\", \"mentor_id\")\n");
}

static void test_diff__dropped_and_added_column_is_not_a_guessed_rename(void **state)
{
    fixture *f = *state;
    orm_dbtable *w = author(f->want);
    free(w->cols[1].name);
    w->cols[1].name = strdup("full_name");
    orm_dbtable *h = author(f->have);
    index_(h, "ix_author_name", "name", 0);
    run_diff(f, NULL);
    assert_int_equal(f->ops.n, 2); /* add, drop column (its index goes along) */
    const char *up = orm_buf_str(&f->up);
    assert_non_null(strstr(up, "-- Check: author loses column name and gains full_name."));
    assert_non_null(
        strstr(up, "op.alter_column(\"author\", \"name\", { new_name = \"full_name\" })"));
    assert_non_null(strstr(up, "op.drop_column(\"author\", \"name\")\n"));
    /* the downgrade brings the column back, index included */
    const char *down = orm_buf_str(&f->down);
    assert_non_null(strstr(
        down, "op.add_column(\"author\", op.column(\"name\", \"String(30)\", { index = true }))"));
    assert_null(strstr(down, "--"));
}

static void test_diff__type_and_nullability_changes_both_ways(void **state)
{
    fixture *f = *state;
    orm_dbtable *w = author(f->want);
    w->cols[1].type.length = 60;
    w->cols[1].nullable = 0;
    author(f->have);
    run_diff(f, NULL);
    assert_int_equal(f->ops.n, 1);
    assert_int_equal(f->ops.v[0].kind, ORM_MIG_OP_ALTER_COLUMN);
    assert_string_equal(orm_buf_str(&f->up),
                        "op.alter_column(\"author\", \"name\", { type = \"String(60)\", nullable = "
                        "false })\n");
    assert_string_equal(orm_buf_str(&f->down),
                        "op.alter_column(\"author\", \"name\", { type = \"String(30)\", nullable = "
                        "true })\n");
    assert_int_equal(f->ops.notices.n, 2);
    assert_string_equal(f->ops.notices.v[0],
                        "Detected type change from String(30) to String(60) on 'author.name'");
}

static void test_diff__indexes_uniques_and_foreign_keys(void **state)
{
    fixture *f = *state;
    orm_dbtable *w = author(f->want);
    index_(w, "ix_author_name", "name", 0);
    orm_dbunique_clear(&w->uniques[0]);
    w->nuniques = 0; /* email no longer unique */
    book(f->want, "CASCADE");
    orm_dbtable *h = author(f->have);
    index_(h, "ix_author_old", "email", 0);
    book(f->have, NULL);
    run_diff(f, NULL);
    const char *up = orm_buf_str(&f->up);
    assert_non_null(strstr(up, "op.drop_index(\"ix_author_old\", \"author\")\n"));
    assert_non_null(
        strstr(up, "op.drop_constraint(\"uq_author_email\", \"author\", { type = \"unique\" })\n"));
    assert_non_null(strstr(up, "op.create_index(\"ix_author_name\", \"author\", { \"name\" })\n"));
    /* an ON DELETE change: the foreign key goes and comes back */
    assert_non_null(strstr(
        up,
        "op.drop_constraint(\"fk_book_author_id_author\", \"book\", { type = \"foreignkey\" })\n"));
    assert_non_null(
        strstr(up, "op.create_foreign_key(\"fk_book_author_id_author\", \"book\", \"author\", { "
                   "\"author_id\" }, { \"id\" }, { ondelete = \"CASCADE\" })\n"));
    const char *down = orm_buf_str(&f->down);
    assert_non_null(strstr(
        down, "op.create_unique_constraint(\"uq_author_email\", \"author\", { \"email\" })\n"));
    assert_non_null(
        strstr(down, "op.create_index(\"ix_author_old\", \"author\", { \"email\" })\n"));
    assert_non_null(strstr(down, "op.drop_index(\"ix_author_name\", \"author\")\n"));
}

static void test_diff__dropped_column_takes_its_constraints_along(void **state)
{
    fixture *f = *state;
    author(f->want);
    table(f->want, "book");
    pk(f->want->tables[1], "id");
    author(f->have);
    book(f->have, NULL);
    run_diff(f, NULL);
    assert_int_equal(f->ops.n, 1);
    assert_string_equal(orm_buf_str(&f->up), "op.drop_column(\"book\", \"author_id\")\n");
    assert_string_equal(orm_buf_str(&f->down),
                        "op.add_column(\"book\", op.column(\"author_id\", \"Integer\", { "
                        "foreign_key = \"author.id\" }))\n");
}

static void test_diff__only_revision_made_tables_are_dropped(void **state)
{
    fixture *f = *state;
    author(f->want);
    author(f->have);
    book(f->have, NULL);
    orm_dbtable *legacy = table(f->have, "legacy");
    pk(legacy, "id");
    orm_dbtable *v = table(f->have, "ormsh_version");
    col(v, "version_num", ORM_T_STRING, 32, 0);
    orm_dbtable *tags = table(f->have, "tag");
    pk(tags, "id");
    orm_dbtable *bt = table(f->have, "book_tag"); /* child of book and tag */
    col(bt, "book_id", ORM_T_INTEGER, 0, 0);
    fkey(bt, "book_id", "book", NULL);
    orm_strv managed = ORM_STRV_INIT;
    orm_strv_push(&managed, "book");
    orm_strv_push(&managed, "book_tag");
    orm_strv_push(&managed, "tag");
    const char *exclude[] = {"ormsh_version", NULL};
    orm_diff_opts o = {&managed, exclude};
    run_diff(f, &o);
    assert_int_equal(f->ops.unmapped.n, 1);
    assert_string_equal(f->ops.unmapped.v[0], "legacy");
    assert_string_equal(orm_buf_str(&f->up),
                        "-- Left alone (no model maps them, no revision created them): legacy\n"
                        "op.drop_table(\"book_tag\")\n"
                        "op.drop_table(\"tag\")\n"
                        "op.drop_table(\"book\")\n");
    /* the downgrade creates them again, parents first, from what the database had */
    const char *down = orm_buf_str(&f->down);
    assert_true(strstr(down, "op.create_table(\"book\"") <
                strstr(down, "op.create_table(\"book_tag\""));
    orm_strv_free(&managed);
}

/* A live key to a table no model maps (one reflection left out: more than
 * 64 columns) stays: no model can declare it. A key to a table a revision
 * made, which the models dropped, still goes. */
static void test_diff__keys_to_unmapped_tables_stay(void **state)
{
    fixture *f = *state;
    orm_dbtable *w = table(f->want, "note");
    pk(w, "id");
    col(w, "wide_id", ORM_T_INTEGER, 0, 1);
    col(w, "old_id", ORM_T_INTEGER, 0, 1);
    orm_dbtable *h = table(f->have, "note");
    pk(h, "id");
    col(h, "wide_id", ORM_T_INTEGER, 0, 1);
    col(h, "old_id", ORM_T_INTEGER, 0, 1);
    fkey(h, "wide_id", "wide", NULL);
    fkey(h, "old_id", "old", NULL);
    pk(table(f->have, "wide"), "id");
    pk(table(f->have, "old"), "id");
    orm_strv managed = ORM_STRV_INIT;
    orm_strv_push(&managed, "old");
    orm_diff_opts o = {&managed, NULL};
    run_diff(f, &o);
    const char *up = orm_buf_str(&f->up);
    assert_null(strstr(up, "fk_note_wide_id_wide"));
    assert_non_null(strstr(
        up, "op.drop_constraint(\"fk_note_old_id_old\", \"note\", { type = \"foreignkey\" })\n"));
    orm_strv_free(&managed);
}

static void test_diff__render_escapes_and_unnamed_constraints_in_tables(void **state)
{
    fixture *f = *state;
    orm_dbtable *t = table(f->want, "odd \"t\"");
    pk(t, "id");
    col(t, "a", ORM_T_TEXT, 0, 1);
    col(t, "b", ORM_T_TEXT, 0, 1);
    t->cols[2].server_default = strdup("'x\\y'");
    orm_dbunique u = {.name = "uq_ab", .cols = one("a")};
    orm_strv_push(&u.cols, "b");
    orm_dbtable_add_unique(t, &u);
    orm_strv_free(&u.cols);
    orm_dbindex x = {.name = "by_b", .cols = one("b")};
    orm_dbtable_add_index(t, &x);
    orm_strv_free(&x.cols);
    run_diff(f, NULL);
    assert_string_equal(orm_buf_str(&f->up),
                        "op.create_table(\"odd \\\"t\\\"\", {\n"
                        "  op.column(\"id\", \"Integer\", { primary_key = true }),\n"
                        "  op.column(\"a\", \"Text\"),\n"
                        "  op.column(\"b\", \"Text\", { server_default = \"'x\\\\y'\" }),\n"
                        "  op.unique_constraint({ \"a\", \"b\" }, { name = \"uq_ab\" }),\n"
                        "})\n"
                        "op.create_index(\"by_b\", \"odd \\\"t\\\"\", { \"b\" })\n");
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_diff__new_tables_parents_first_in_the_spec_format),
        T(test_diff__equal_schemas_need_nothing),
        T(test_diff__added_column_brings_its_constraints),
        T(test_diff__dropped_and_added_column_is_not_a_guessed_rename),
        T(test_diff__type_and_nullability_changes_both_ways),
        T(test_diff__indexes_uniques_and_foreign_keys),
        T(test_diff__dropped_column_takes_its_constraints_along),
        T(test_diff__only_revision_made_tables_are_dropped),
        T(test_diff__keys_to_unmapped_tables_stay),
        T(test_diff__render_escapes_and_unnamed_constraints_in_tables),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
