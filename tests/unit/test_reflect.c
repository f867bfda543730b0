/* test_reflect.c — reading a live SQLite schema: columns with declared
 * types, nullability, defaults and primary keys; unique constraints (named
 * ones by their CONSTRAINT name); indexes with their text; foreign keys
 * with ON DELETE / ON UPDATE, several columns, and no referenced column;
 * type names; the schema of create_all matching the models'. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "memory_db.h"

#include <stdlib.h>
#include <string.h>

#include "ddl.h"
#include "reflect.h"

static orm_dbtable *reflect(orm_conn *c, const char *name)
{
    orm_dbtable *t = NULL;
    assert_int_equal(orm_reflect_table(c, name, &t), ORM_OK);
    assert_non_null(t);
    return t;
}

static void test_reflect__columns_types_nullability_defaults_and_key(void **state)
{
    (void)state;
    orm_conn *c = open_memory();
    exec(c, "CREATE TABLE author (id INTEGER NOT NULL, name VARCHAR(30), "
            "email VARCHAR(30) NOT NULL DEFAULT 'x@y', score NUMERIC(10, 2), born DATE, "
            "blob_ BLOB, odd GEOMETRY, PRIMARY KEY (id))");
    orm_dbtable *t = reflect(c, "author");
    assert_int_equal(t->ncols, 7);
    assert_string_equal(t->cols[0].name, "id");
    assert_int_equal(t->cols[0].type.kind, ORM_T_INTEGER);
    assert_true(t->cols[0].autoincrement); /* the rowid alias */
    assert_false(t->cols[0].nullable);
    assert_int_equal(t->cols[1].type.kind, ORM_T_STRING);
    assert_int_equal(t->cols[1].type.length, 30);
    assert_true(t->cols[1].nullable);
    assert_null(t->cols[1].server_default);
    assert_false(t->cols[2].nullable);
    assert_string_equal(t->cols[2].server_default, "'x@y'");
    assert_int_equal(t->cols[3].type.kind, ORM_T_NUMERIC);
    assert_int_equal(t->cols[3].type.precision, 10);
    assert_int_equal(t->cols[3].type.scale, 2);
    assert_int_equal(t->cols[4].type.kind, ORM_T_DATE);
    assert_int_equal(t->cols[5].type.kind, ORM_T_BINARY);
    assert_false(t->cols[6].type_known);
    assert_string_equal(t->cols[6].type_sql, "GEOMETRY");
    assert_int_equal(t->pk.n, 1);
    assert_string_equal(t->pk.v[0], "id");
    orm_dbtable_free(t);
    orm_conn_close(c);
}

static void test_reflect__composite_key_in_key_order_and_no_autoincrement(void **state)
{
    (void)state;
    orm_conn *c = open_memory();
    exec(c, "CREATE TABLE m (a INTEGER NOT NULL, b INTEGER NOT NULL, PRIMARY KEY (b, a))");
    exec(c, "CREATE TABLE big (id BIGINT NOT NULL, PRIMARY KEY (id))");
    orm_dbtable *t = reflect(c, "m");
    assert_int_equal(t->pk.n, 2);
    assert_string_equal(t->pk.v[0], "b");
    assert_string_equal(t->pk.v[1], "a");
    assert_false(t->cols[0].autoincrement);
    assert_int_equal(t->nuniques, 0); /* the key's automatic index is not a constraint */
    orm_dbtable_free(t);
    t = reflect(c, "big");
    assert_false(t->cols[0].autoincrement);
    orm_dbtable_free(t);
    orm_conn_close(c);
}

static void test_reflect__unique_constraints_named_and_unnamed(void **state)
{
    (void)state;
    orm_conn *c = open_memory();
    exec(c, "CREATE TABLE t (id INTEGER NOT NULL, a TEXT, b TEXT, \"c d\" TEXT, PRIMARY KEY (id), "
            "UNIQUE (a), CONSTRAINT \"uq t\" UNIQUE (b, \"c d\"))");
    orm_dbtable *t = reflect(c, "t");
    assert_int_equal(t->nuniques, 2);
    assert_null(t->uniques[0].name);
    assert_int_equal(t->uniques[0].cols.n, 1);
    assert_string_equal(t->uniques[0].cols.v[0], "a");
    assert_string_equal(t->uniques[1].name, "uq t");
    assert_int_equal(t->uniques[1].cols.n, 2);
    assert_string_equal(t->uniques[1].cols.v[1], "c d");
    orm_buf b = ORM_BUF_INIT;
    orm_dbunique_name(t, &t->uniques[0], &b);
    assert_string_equal(orm_buf_str(&b), "uq_t_a");
    orm_buf_free(&b);
    orm_dbtable_free(t);
    orm_conn_close(c);
}

static void test_reflect__indexes_with_their_text(void **state)
{
    (void)state;
    orm_conn *c = open_memory();
    exec(c, "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b TEXT)");
    exec(c, "CREATE INDEX ix_t_a ON t (a)");
    exec(c, "CREATE UNIQUE INDEX ix_t_ab ON t (a, b)");
    exec(c, "CREATE INDEX ix_expr ON t (lower(a))");
    orm_dbtable *t = reflect(c, "t");
    assert_int_equal(t->nindexes, 3);
    assert_string_equal(t->indexes[0].name, "ix_t_a");
    assert_false(t->indexes[0].unique);
    assert_string_equal(t->indexes[0].sql, "CREATE INDEX ix_t_a ON t (a)");
    assert_string_equal(t->indexes[1].name, "ix_t_ab");
    assert_true(t->indexes[1].unique);
    assert_int_equal(t->indexes[1].cols.n, 2);
    assert_int_equal(t->indexes[2].cols.n, 0); /* an expression: kept by its text only */
    assert_non_null(t->indexes[2].sql);
    assert_true(t->cols[0].autoincrement); /* "id INTEGER PRIMARY KEY" */
    orm_dbtable_free(t);
    orm_conn_close(c);
}

static void test_reflect__foreign_keys_actions_names_and_implicit_columns(void **state)
{
    (void)state;
    orm_conn *c = open_memory();
    exec(c, "CREATE TABLE p (id INTEGER PRIMARY KEY, k1 INTEGER, k2 INTEGER, UNIQUE (k1, k2))");
    exec(c,
         "CREATE TABLE ch (id INTEGER PRIMARY KEY, pid INTEGER, a INTEGER, b INTEGER, q INTEGER, "
         "FOREIGN KEY(pid) REFERENCES p (id) ON DELETE CASCADE, "
         "CONSTRAINT fk_pair FOREIGN KEY(a, b) REFERENCES p (k1, k2) ON DELETE SET NULL ON UPDATE "
         "CASCADE, FOREIGN KEY(q) REFERENCES p)");
    orm_dbtable *t = reflect(c, "ch");
    assert_int_equal(t->nfkeys, 3);
    assert_null(t->fkeys[0].name);
    assert_string_equal(t->fkeys[0].reftable, "p");
    assert_string_equal(t->fkeys[0].cols.v[0], "pid");
    assert_string_equal(t->fkeys[0].refcols.v[0], "id");
    assert_string_equal(t->fkeys[0].ondelete, "CASCADE");
    assert_null(t->fkeys[0].onupdate);
    assert_string_equal(t->fkeys[1].name, "fk_pair");
    assert_int_equal(t->fkeys[1].cols.n, 2);
    assert_string_equal(t->fkeys[1].refcols.v[1], "k2");
    assert_string_equal(t->fkeys[1].ondelete, "SET NULL");
    assert_string_equal(t->fkeys[1].onupdate, "CASCADE");
    assert_string_equal(t->fkeys[2].refcols.v[0], "id"); /* the referenced table's key */
    orm_buf b = ORM_BUF_INIT;
    orm_dbfkey_name(t, &t->fkeys[0], &b);
    assert_string_equal(orm_buf_str(&b), "fk_ch_pid_p");
    orm_buf_free(&b);
    orm_dbtable_free(t);
    orm_conn_close(c);
}

static void test_reflect__schema_lists_user_tables_only(void **state)
{
    (void)state;
    orm_conn *c = open_memory();
    exec(c, "CREATE TABLE b (id INTEGER PRIMARY KEY AUTOINCREMENT)"); /* makes sqlite_sequence */
    exec(c, "CREATE TABLE a (id INTEGER PRIMARY KEY)");
    orm_dbschema *s = NULL;
    assert_int_equal(orm_reflect_schema(c, &s), ORM_OK);
    assert_int_equal(s->ntables, 2);
    assert_string_equal(s->tables[0]->name, "b"); /* creation order */
    assert_string_equal(s->tables[1]->name, "a");
    orm_dbschema_free(s);
    orm_dbtable *t = (orm_dbtable *)1;
    assert_int_equal(orm_reflect_table(c, "nope", &t), ORM_OK);
    assert_null(t);
    orm_conn_close(c);
}

static void test_reflect__type_names(void **state)
{
    (void)state;
    orm_type t;
    assert_true(orm_reflect_parse_type("VARCHAR(30)", &t));
    assert_int_equal(t.kind, ORM_T_STRING);
    assert_int_equal(t.length, 30);
    assert_true(orm_reflect_parse_type("varchar", &t));
    assert_int_equal(t.length, 0);
    assert_true(orm_reflect_parse_type("INT", &t));
    assert_int_equal(t.kind, ORM_T_INTEGER);
    assert_true(orm_reflect_parse_type("DOUBLE PRECISION", &t));
    assert_int_equal(t.kind, ORM_T_FLOAT);
    assert_true(orm_reflect_parse_type("TIMESTAMP", &t));
    assert_int_equal(t.kind, ORM_T_DATETIME);
    assert_true(orm_reflect_parse_type("DECIMAL(8, 3)", &t));
    assert_int_equal(t.precision, 8);
    assert_int_equal(t.scale, 3);
    assert_false(orm_reflect_parse_type("INTEGER(11)", &t));
    assert_false(orm_reflect_parse_type("GEOMETRY", &t));
    assert_false(orm_reflect_parse_type("VARCHAR(30", &t));
    assert_false(orm_reflect_parse_type(NULL, &t));
}

/* What create_all makes reflects back as the models describe it. */
static void test_reflect__create_all_matches_the_models(void **state)
{
    (void)state;
    orm_conn *c = open_memory();
    orm_metadata *md = orm_metadata_new();
    orm_error err;
    orm_error_init(&err);
    orm_table *a, *b;
    assert_int_equal(orm_metadata_add_table(md, "author", &a, &err), 0);
    orm_column id = {
        .name = "id", .type = {ORM_T_INTEGER, 0, 0, 0}, .primary_key = 1, .autoincrement = 1};
    orm_column email = {.name = "email", .type = {ORM_T_STRING, 30, 0, 0}, .unique = 1};
    orm_column name = {
        .name = "name", .type = {ORM_T_STRING, 30, 0, 0}, .nullable = 1, .indexed = 1};
    assert_int_equal(orm_table_add_column(a, &id, &err), 0);
    assert_int_equal(orm_table_add_column(a, &email, &err), 0);
    assert_int_equal(orm_table_add_column(a, &name, &err), 0);
    assert_int_equal(orm_metadata_add_table(md, "book", &b, &err), 0);
    orm_fkey fk = {.table = "author", .column = "id", .ondelete = "CASCADE"};
    orm_column aid = {
        .name = "author_id", .type = {ORM_T_INTEGER, 0, 0, 0}, .nullable = 1, .fk = &fk};
    assert_int_equal(orm_table_add_column(b, &id, &err), 0);
    assert_int_equal(orm_table_add_column(b, &aid, &err), 0);
    assert_int_equal(orm_ddl_create_all(c, md, &err), 0);
    orm_dbschema *want = NULL;
    assert_int_equal(orm_dbschema_from_metadata(md, &want), 0);
    orm_dbtable *ra = reflect(c, "author"), *rb = reflect(c, "book");
    const orm_dbtable *wa = orm_dbschema_find(want, "author"),
                      *wb = orm_dbschema_find(want, "book");
    assert_int_equal(ra->ncols, wa->ncols);
    assert_int_equal(ra->cols[1].nullable, 0);
    assert_int_equal(ra->nuniques, 1);
    assert_int_equal(wa->nuniques, 1);
    assert_int_equal(ra->nindexes, 1);
    assert_string_equal(ra->indexes[0].name, wa->indexes[0].name);
    assert_int_equal(rb->nfkeys, 1);
    assert_string_equal(rb->fkeys[0].ondelete, wb->fkeys[0].ondelete);
    orm_dbtable_free(ra);
    orm_dbtable_free(rb);
    orm_dbschema_free(want);
    orm_metadata_free(md);
    orm_conn_close(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reflect__columns_types_nullability_defaults_and_key),
        cmocka_unit_test(test_reflect__composite_key_in_key_order_and_no_autoincrement),
        cmocka_unit_test(test_reflect__unique_constraints_named_and_unnamed),
        cmocka_unit_test(test_reflect__indexes_with_their_text),
        cmocka_unit_test(test_reflect__foreign_keys_actions_names_and_implicit_columns),
        cmocka_unit_test(test_reflect__schema_lists_user_tables_only),
        cmocka_unit_test(test_reflect__type_names),
        cmocka_unit_test(test_reflect__create_all_matches_the_models),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
