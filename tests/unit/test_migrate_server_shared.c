/* test_migrate_server_shared.c — what the PostgreSQL and MySQL migration
 * backends share (core/migrate_server.c), without a server: the ADD COLUMN
 * statement with its unique constraints, indexes and foreign key on each
 * server dialect; a NOT NULL column without default refused on a table with
 * rows (MigrationError saying what to do) and allowed when nullable, with a
 * default, on an empty table or in a dry run; finding a constraint by its
 * name in the database, by ormsh's conventional name, as a unique index,
 * restricted by type, and a MigrationError listing what the table has when
 * there is none; and which index MySQL made for a foreign key
 * (core/reflect_mysql.c). The statements that read rows run on SQLite. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "memory_db.h"

#include <stdlib.h>
#include <string.h>

#include "migrate_server.h"
#include "reflect_server.h"

static orm_dbtable *fragment(int nullable, const char *server_default)
{
    orm_dbtable *f = orm_dbtable_new("book");
    assert_non_null(f);
    orm_dbcolumn c = {.name = "isbn",
                      .type = {.kind = ORM_T_STRING, .length = 13},
                      .type_known = 1,
                      .nullable = nullable,
                      .server_default = (char *)server_default};
    assert_int_equal(orm_dbtable_add_column(f, &c), ORM_OK);
    return f;
}

/* Reflection always has names; the unnamed ones are forgotten after. */
static void unname(char **name)
{
    free(*name);
    *name = NULL;
}

static void index_item(orm_mig_ctx *m, orm_buf *b, const orm_dbindex *x)
{
    orm_buf_puts(b, x->unique ? "UNIQUE INDEX " : "INDEX ");
    orm_dialect_quote(m->d, b, x->name);
    orm_buf_puts(b, " (");
    orm_dbschema_quote_list(m->d, b, &x->cols);
    orm_buf_putc(b, ')');
}

static void test_migrate_server_shared__add_column_statement(void **state)
{
    (void)state;
    orm_dbtable *f = fragment(0, "'none'");
    assert_int_equal(orm_reflect_unique_col(f, "uq_book_isbn", "isbn"), ORM_OK);
    assert_int_equal(orm_reflect_unique_col(f, "book_isbn_key", "isbn"), ORM_OK);
    assert_int_equal(orm_reflect_index_col(f, "ix_book_isbn", 0, "isbn"), ORM_OK);
    assert_int_equal(
        orm_reflect_fkey_col(f, "f1", "isbn", "edition", "isbn", "CASCADE", "NO ACTION"), ORM_OK);
    unname(&f->uniques[1].name);
    unname(&f->fkeys[0].name);
    orm_mig_ctx m = {.d = &orm_dialect_pg};
    orm_buf b = ORM_BUF_INIT;
    orm_mig_srv_add_column_ddl(&m, &b, f, NULL); /* PostgreSQL: indexes come apart */
    assert_string_equal(orm_buf_str(&b),
                        "ALTER TABLE book ADD COLUMN isbn VARCHAR(13) DEFAULT 'none' NOT NULL, "
                        "ADD CONSTRAINT uq_book_isbn UNIQUE (isbn), ADD UNIQUE (isbn), "
                        "ADD FOREIGN KEY(isbn) REFERENCES edition (isbn) ON DELETE CASCADE");
    orm_buf_reset(&b);
    m.d = &orm_dialect_mysql; /* MySQL: one statement with the index */
    orm_mig_srv_add_column_ddl(&m, &b, f, index_item);
    assert_string_equal(orm_buf_str(&b),
                        "ALTER TABLE book ADD COLUMN isbn VARCHAR(13) DEFAULT 'none' NOT NULL, "
                        "ADD CONSTRAINT uq_book_isbn UNIQUE (isbn), ADD UNIQUE (isbn), "
                        "ADD INDEX ix_book_isbn (isbn), "
                        "ADD FOREIGN KEY(isbn) REFERENCES edition (isbn) ON DELETE CASCADE");
    orm_buf_reset(&b);
    orm_mig_srv_alter(&m, &b, "order"); /* a reserved word is quoted */
    assert_string_equal(orm_buf_str(&b), "ALTER TABLE `order` ");
    orm_buf_free(&b);
    orm_dbtable_free(f);
}

static void test_migrate_server_shared__not_null_needs_a_default_on_rows(void **state)
{
    (void)state;
    orm_conn *c = open_memory();
    exec(c, "CREATE TABLE book (id INTEGER)");
    orm_mig_ctx m = {.c = c, .d = &orm_dialect_sqlite};
    orm_dbtable *strict = fragment(0, NULL);
    /* an empty table takes it */
    assert_int_equal(orm_mig_srv_check_not_null(&m, strict), ORM_OK);
    exec(c, "INSERT INTO book VALUES (1)");
    migration_error(c, orm_mig_srv_check_not_null(&m, strict),
                    "cannot add NOT NULL column book.isbn without a server_default: the table has "
                    "rows (give it a server_default, or add it nullable, fill it, then make it NOT "
                    "NULL with alter_column)");
    /* nullable, with a default, or written only (--sql on MySQL): fine */
    orm_dbtable *loose = fragment(1, NULL), *dflt = fragment(0, "''");
    assert_int_equal(orm_mig_srv_check_not_null(&m, loose), ORM_OK);
    assert_int_equal(orm_mig_srv_check_not_null(&m, dflt), ORM_OK);
    m.dry = 1;
    assert_int_equal(orm_mig_srv_check_not_null(&m, strict), ORM_OK);
    m.dry = 0;
    /* a table that is not there: the query's error */
    orm_dbtable *ghost = fragment(0, NULL);
    free(ghost->name);
    ghost->name = strdup("ghost");
    assert_true(orm_mig_srv_check_not_null(&m, ghost) < 0);
    assert_int_equal(c->err.cls, ORM_ERR_PROGRAMMING);
    assert_non_null(strstr(c->err.message, "no such table"));
    orm_error_clear(&c->err);
    assert_int_equal(count(c, "SELECT count(*) FROM book"), 1);
    orm_dbtable_free(strict);
    orm_dbtable_free(loose);
    orm_dbtable_free(dflt);
    orm_dbtable_free(ghost);
    orm_conn_close(c);
}

/* book(id, title, author_id, isbn) with a named unique (title, author_id),
 * an unnamed unique (isbn), a unique index, a plain index, a named and an
 * unnamed foreign key. */
static orm_dbtable *book(void)
{
    orm_dbtable *t = orm_dbtable_new("book");
    assert_int_equal(orm_reflect_unique_col(t, "uq_title_author", "title"), ORM_OK);
    assert_int_equal(orm_reflect_unique_col(t, "uq_title_author", "author_id"), ORM_OK);
    assert_int_equal(orm_reflect_unique_col(t, "book_isbn_key", "isbn"), ORM_OK);
    assert_int_equal(orm_reflect_index_col(t, "ux_book_slug", 1, "slug"), ORM_OK);
    assert_int_equal(orm_reflect_index_col(t, "ix_book_title", 0, "title"), ORM_OK);
    assert_int_equal(
        orm_reflect_fkey_col(t, "book_author_fk", "author_id", "author", "id", NULL, NULL), ORM_OK);
    assert_int_equal(orm_reflect_fkey_col(t, "f2", "editor_id", "person", "id", NULL, NULL),
                     ORM_OK);
    unname(&t->uniques[1].name);
    unname(&t->fkeys[1].name);
    return t;
}

static void found(orm_mig_ctx *m, const orm_dbtable *t, const char *name, const char *type,
                  int unique_indexes, char kind, int i)
{
    orm_mig_srv_found out = {0, -1};
    if (orm_mig_srv_find_constraint(m, t, name, type, unique_indexes, &out) != ORM_OK)
        fail_msg("%s: %s", name, m->c->err.message);
    assert_int_equal(out.kind, kind);
    assert_int_equal(out.i, i);
}

static void test_migrate_server_shared__find_constraint(void **state)
{
    (void)state;
    orm_conn *c = open_memory();
    orm_mig_ctx m = {.c = c, .d = &orm_dialect_pg};
    orm_dbtable *t = book();
    /* by the name the database has */
    found(&m, t, "uq_title_author", NULL, 0, 'u', 0);
    found(&m, t, "uq_title_author", "unique", 0, 'u', 0);
    found(&m, t, "book_author_fk", "foreignkey", 0, 'f', 0);
    /* by ormsh's conventional name (a revision written on SQLite) */
    found(&m, t, "uq_book_isbn", NULL, 0, 'u', 1);
    found(&m, t, "uq_book_title_author_id", NULL, 0, 'u', 0);
    found(&m, t, "fk_book_editor_id_person", "foreignkey", 0, 'f', 1);
    found(&m, t, "fk_book_author_id_author", NULL, 0, 'f', 0);
    /* a unique index counts where the backend makes them (MySQL) */
    found(&m, t, "ux_book_slug", "unique", 1, 'i', 0);
    orm_mig_srv_found out;
    migration_error(c, orm_mig_srv_find_constraint(&m, t, "ux_book_slug", "unique", 0, &out),
                    "table 'book' has no unique constraint named 'ux_book_slug' (it has: "
                    "uq_title_author, uq_book_isbn, book_author_fk, fk_book_editor_id_person)");
    /* the type narrows the search */
    migration_error(c, orm_mig_srv_find_constraint(&m, t, "book_author_fk", "unique", 1, &out),
                    "table 'book' has no unique constraint named 'book_author_fk' (it has: "
                    "uq_title_author, uq_book_isbn, ux_book_slug, book_author_fk, "
                    "fk_book_editor_id_person)");
    migration_error(c, orm_mig_srv_find_constraint(&m, t, "uq_book_isbn", "foreignkey", 0, &out),
                    "table 'book' has no foreignkey constraint named 'uq_book_isbn' (it has: "
                    "uq_title_author, uq_book_isbn, book_author_fk, fk_book_editor_id_person)");
    /* a plain index is no constraint */
    migration_error(c, orm_mig_srv_find_constraint(&m, t, "ix_book_title", NULL, 1, &out),
                    "table 'book' has no unique or foreign-key constraint named 'ix_book_title' "
                    "(it has: uq_title_author, uq_book_isbn, ux_book_slug, book_author_fk, "
                    "fk_book_editor_id_person)");
    orm_dbtable *bare = orm_dbtable_new("bare");
    migration_error(c, orm_mig_srv_find_constraint(&m, bare, "x", NULL, 1, &out),
                    "table 'bare' has no unique or foreign-key constraint named 'x' (it has: "
                    "none)");
    orm_dbtable_free(bare);
    orm_dbtable_free(t);
    orm_conn_close(c);
}

static void test_migrate_server_shared__mysql_index_of_a_foreign_key(void **state)
{
    (void)state;
    orm_dbtable *t = orm_dbtable_new("book");
    assert_int_equal(orm_reflect_fkey_col(t, "fk_b_a", "author_id", "author", "id", NULL, NULL),
                     ORM_OK);
    assert_int_equal(orm_reflect_fkey_col(t, "f2", "editor_id", "person", "id", NULL, NULL),
                     ORM_OK);
    unname(&t->fkeys[1].name);
    /* 0 named after the key; 1 after its column; 2 the column's next free
     * name; 3 unique; 4 another column; 5 a name that only starts alike;
     * 6 no column list; 7 "<col>_" with nothing after */
    assert_int_equal(orm_reflect_index_col(t, "fk_b_a", 0, "author_id"), ORM_OK);
    assert_int_equal(orm_reflect_index_col(t, "editor_id", 0, "editor_id"), ORM_OK);
    assert_int_equal(orm_reflect_index_col(t, "editor_id_2", 0, "editor_id"), ORM_OK);
    assert_int_equal(orm_reflect_index_col(t, "ux", 1, "editor_id"), ORM_OK);
    assert_int_equal(orm_reflect_index_col(t, "author_id", 0, "title"), ORM_OK);
    assert_int_equal(orm_reflect_index_col(t, "editor_idx", 0, "editor_id"), ORM_OK);
    assert_int_equal(orm_reflect_index_col(t, "expr", 0, NULL), ORM_OK);
    assert_int_equal(orm_reflect_index_col(t, "editor_id_", 0, "editor_id"), ORM_OK);
    assert_int_equal(orm_reflect_index_col(t, "editor_id_x", 0, "editor_id"), ORM_OK);
    assert_int_equal(t->nindexes, 9);
    const int want[] = {0, 1, 1, -1, -1, -1, -1, -1, -1};
    for (int i = 0; i < 9; i++)
        if (orm_reflect_mysql_fk_index(t, i) != want[i])
            fail_msg("index %s: %d, want %d", t->indexes[i].name, orm_reflect_mysql_fk_index(t, i),
                     want[i]);
    orm_dbtable_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_migrate_server_shared__add_column_statement),
        cmocka_unit_test(test_migrate_server_shared__not_null_needs_a_default_on_rows),
        cmocka_unit_test(test_migrate_server_shared__find_constraint),
        cmocka_unit_test(test_migrate_server_shared__mysql_index_of_a_foreign_key),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
