/* test_ddl_constraints.c — table-level indexes and unique constraints
 * (db.Index, db.UniqueConstraint in __table_args) in CREATE TABLE and
 * CREATE INDEX on each dialect, the generated BigInteger key of each
 * dialect, ON UPDATE actions, misuse refused (a table without columns, an
 * index that is not one), and create_all on SQLite: the table indexes are
 * made and enforced, a table without columns is an ArgumentError that
 * leaves nothing created, every allocation failing in turn leaves nothing
 * created either. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "memory_db.h"

#include <string.h>

#include "ddl.h"
#include "fault.h"

static void add_col(orm_table *t, const orm_column *c)
{
    orm_error err;
    orm_error_init(&err);
    if (orm_table_add_column(t, c, &err) != ORM_OK) fail_msg("%s: %s", c->name, err.message);
}

static orm_table *add_table(orm_metadata *md, const char *name)
{
    orm_error err;
    orm_error_init(&err);
    orm_table *t = NULL;
    assert_int_equal(orm_metadata_add_table(md, name, &t, &err), ORM_OK);
    return t;
}

static void add_tindex(orm_table *t, const char *name, int is_index, int unique, int a, int b)
{
    orm_tindex x = {.name = (char *)name, .is_index = is_index, .unique = unique, .ncols = 2};
    x.cols[0] = a;
    x.cols[1] = b;
    orm_error err;
    orm_error_init(&err);
    if (orm_table_add_tindex(t, &x, &err) != ORM_OK) fail_msg("tindex: %s", err.message);
}

/* shop(id BigInteger generated key, owner_id -> owner.id ON UPDATE CASCADE,
 * city, street) with UNIQUE (city, street) unnamed, a named unique
 * constraint, and two table indexes (one unique). */
static orm_metadata *shop(void)
{
    orm_metadata *md = orm_metadata_new();
    orm_table *o = add_table(md, "owner");
    add_col(o, &(orm_column){
                   .name = "id", .type = {ORM_T_INTEGER}, .primary_key = 1, .autoincrement = 1});
    orm_table *t = add_table(md, "shop");
    orm_fkey fk = {.table = "owner", .column = "id", .onupdate = "CASCADE"};
    add_col(t, &(orm_column){
                   .name = "id", .type = {ORM_T_BIGINT}, .primary_key = 1, .autoincrement = 1});
    add_col(t,
            &(orm_column){.name = "owner_id", .type = {ORM_T_INTEGER}, .nullable = 1, .fk = &fk});
    add_col(t, &(orm_column){.name = "city", .type = {ORM_T_STRING, 20}, .nullable = 1});
    add_col(t, &(orm_column){.name = "street", .type = {ORM_T_STRING, 20}, .nullable = 1});
    add_tindex(t, NULL, 0, 1, 2, 3);
    add_tindex(t, "uq_owner_city", 0, 1, 1, 2);
    add_tindex(t, "ix_shop_place", 1, 0, 3, 2);
    add_tindex(t, "ux_shop_owner", 1, 1, 1, 3);
    return md;
}

static void check(const orm_dialect *d, const char *create, const char *ix0, const char *ix1)
{
    orm_metadata *md = shop();
    orm_table *t = orm_metadata_find(md, "shop");
    orm_buf b = ORM_BUF_INIT;
    assert_int_equal(orm_ddl_create_table(d, t, 0, &b), ORM_OK);
    assert_string_equal(orm_buf_str(&b), create);
    orm_buf_reset(&b);
    assert_int_equal(orm_ddl_create_tindex(d, t, 2, 0, &b), ORM_OK);
    assert_string_equal(orm_buf_str(&b), ix0);
    orm_buf_reset(&b);
    assert_int_equal(orm_ddl_create_tindex(d, t, 3, 1, &b), ORM_OK);
    assert_string_equal(orm_buf_str(&b), ix1);
    orm_buf_free(&b);
    orm_metadata_free(md);
}

static void test_ddl_constraints__each_dialect(void **state)
{
    (void)state;
    check(&orm_dialect_sqlite,
          "CREATE TABLE shop (\n"
          "\tid INTEGER NOT NULL, \n"
          "\towner_id INTEGER, \n"
          "\tcity VARCHAR(20), \n"
          "\tstreet VARCHAR(20), \n"
          "\tPRIMARY KEY (id), \n"
          "\tFOREIGN KEY(owner_id) REFERENCES owner (id) ON UPDATE CASCADE, \n"
          "\tUNIQUE (city, street), \n"
          "\tCONSTRAINT uq_owner_city UNIQUE (owner_id, city)\n"
          ")",
          "CREATE INDEX ix_shop_place ON shop (street, city)",
          "CREATE UNIQUE INDEX IF NOT EXISTS ux_shop_owner ON shop (owner_id, street)");
    check(&orm_dialect_pg,
          "CREATE TABLE shop (\n"
          "\tid BIGSERIAL NOT NULL, \n"
          "\towner_id INTEGER, \n"
          "\tcity VARCHAR(20), \n"
          "\tstreet VARCHAR(20), \n"
          "\tPRIMARY KEY (id), \n"
          "\tFOREIGN KEY(owner_id) REFERENCES owner (id) ON UPDATE CASCADE, \n"
          "\tUNIQUE (city, street), \n"
          "\tCONSTRAINT uq_owner_city UNIQUE (owner_id, city)\n"
          ")",
          "CREATE INDEX ix_shop_place ON shop (street, city)",
          "CREATE UNIQUE INDEX IF NOT EXISTS ux_shop_owner ON shop (owner_id, street)");
    check(&orm_dialect_mysql,
          "CREATE TABLE shop (\n"
          "\tid BIGINT NOT NULL AUTO_INCREMENT, \n"
          "\towner_id INTEGER, \n"
          "\tcity VARCHAR(20), \n"
          "\tstreet VARCHAR(20), \n"
          "\tPRIMARY KEY (id), \n"
          "\tFOREIGN KEY(owner_id) REFERENCES owner (id) ON UPDATE CASCADE, \n"
          "\tUNIQUE (city, street), \n"
          "\tCONSTRAINT uq_owner_city UNIQUE (owner_id, city)\n"
          ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin",
          "CREATE INDEX ix_shop_place ON shop (street, city)",
          "CREATE UNIQUE INDEX IF NOT EXISTS ux_shop_owner ON shop (owner_id, street)");
}

static void test_ddl_constraints__misuse_is_refused(void **state)
{
    (void)state;
    orm_metadata *md = shop();
    orm_table *t = orm_metadata_find(md, "shop");
    orm_table *empty = add_table(md, "empty");
    orm_buf b = ORM_BUF_INIT;
    assert_int_equal(orm_ddl_create_table(&orm_dialect_pg, empty, 1, &b), ORM_EMISUSE);
    orm_buf_reset(&b);
    /* a unique constraint is not an index of its own; out of range */
    assert_int_equal(orm_ddl_create_tindex(&orm_dialect_sqlite, t, 0, 0, &b), ORM_EMISUSE);
    assert_int_equal(orm_ddl_create_tindex(&orm_dialect_sqlite, t, -1, 0, &b), ORM_EMISUSE);
    assert_int_equal(orm_ddl_create_tindex(&orm_dialect_sqlite, t, 4, 0, &b), ORM_EMISUSE);
    assert_int_equal(orm_ddl_create_index(&orm_dialect_sqlite, t, -1, 0, &b), ORM_EMISUSE);
    assert_int_equal(orm_ddl_create_index(&orm_dialect_sqlite, t, 9, 0, &b), ORM_EMISUSE);
    assert_string_equal(orm_buf_str(&b), "");
    orm_buf_free(&b);

    /* create_all: ArgumentError naming the table; the others are not made */
    orm_conn *c = open_memory();
    orm_error err;
    orm_error_init(&err);
    assert_int_equal(orm_ddl_create_all(c, md, &err), ORM_EFAIL);
    assert_int_equal(err.cls, ORM_ERR_ARGUMENT);
    assert_string_equal(err.message, "table 'empty' has no columns");
    assert_false(orm_conn_in_transaction(c));
    assert_int_equal(count(c, "SELECT count(*) FROM sqlite_master"), 0);
    orm_error_clear(&err);
    /* without an error to copy into, c->err still says it */
    assert_int_equal(orm_ddl_create_all(c, md, NULL), ORM_EFAIL);
    assert_string_equal(c->err.message, "table 'empty' has no columns");
    orm_error_clear(&c->err);
    orm_conn_close(c);
    orm_metadata_free(md);
}

static void test_ddl_constraints__create_all_makes_and_enforces_them(void **state)
{
    (void)state;
    orm_metadata *md = shop();
    orm_conn *c = open_memory();
    orm_error err;
    orm_error_init(&err);
    assert_int_equal(orm_ddl_create_all(c, md, &err), ORM_OK);
    assert_int_equal(count(c, "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name "
                              "IN ('ix_shop_place', 'ux_shop_owner')"),
                     2);
    exec(c, "INSERT INTO owner (id) VALUES (1)");
    exec(c, "INSERT INTO shop (owner_id, city, street) VALUES (1, 'Oslo', 'Main')");
    /* the unique table index refuses a second (owner_id, street) */
    assert_int_equal(orm_conn_exec(c, "INSERT INTO shop (owner_id, city, street) VALUES (1, "
                                      "'Bergen', 'Main')"),
                     ORM_EFAIL);
    assert_int_equal(c->err.cls, ORM_ERR_INTEGRITY);
    orm_error_clear(&c->err);
    /* the unnamed UNIQUE (city, street) too */
    assert_int_equal(
        orm_conn_exec(c, "INSERT INTO shop (owner_id, city, street) VALUES (NULL, 'Oslo', 'Main')"),
        ORM_EFAIL);
    assert_int_equal(c->err.cls, ORM_ERR_INTEGRITY);
    orm_error_clear(&c->err);
    assert_int_equal(count(c, "SELECT count(*) FROM shop"), 1);
    /* again: everything exists, nothing fails */
    assert_int_equal(orm_ddl_create_all(c, md, &err), ORM_OK);
    assert_int_equal(orm_ddl_drop_all(c, md, &err), ORM_OK);
    assert_int_equal(count(c, "SELECT count(*) FROM sqlite_master"), 0);
    orm_conn_close(c);
    orm_metadata_free(md);
}

static void test_ddl_constraints__out_of_memory_creates_nothing(void **state)
{
    (void)state;
    orm_metadata *md = shop();
    int done = 0;
    for (long n = 1; n < 400 && !done; n++) {
        orm_conn *c = open_memory();
        orm_error err;
        orm_error_init(&err);
        orm_fault_alloc_after(n);
        int rc = orm_ddl_create_all(c, md, &err);
        int fired = orm_fault_alloc_fired();
        orm_fault_alloc_after(0);
        if (rc == ORM_OK) {
            done = !fired;
            assert_int_equal(count(c, "SELECT count(*) FROM sqlite_master WHERE type = 'table'"),
                             2);
        } else {
            assert_true(fired);
            assert_int_equal(err.cls, ORM_ERR_OPERATIONAL);
            assert_string_equal(err.message, "out of memory");
            assert_false(orm_conn_in_transaction(c));
            assert_int_equal(count(c, "SELECT count(*) FROM sqlite_master"), 0);
        }
        orm_error_clear(&err);
        orm_conn_close(c);
    }
    assert_true(done);
    orm_metadata_free(md);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ddl_constraints__each_dialect),
        cmocka_unit_test(test_ddl_constraints__misuse_is_refused),
        cmocka_unit_test(test_ddl_constraints__create_all_makes_and_enforces_them),
        cmocka_unit_test(test_ddl_constraints__out_of_memory_creates_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
