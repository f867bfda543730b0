/* test_ddl.c — CREATE TABLE / CREATE INDEX / DROP TABLE text for the
 * tutorial's models (SQLAlchemy's exact spelling) and for every column type
 * on each dialect, and create_all / drop_all on a real in-memory SQLite
 * connection: foreign-key order, idempotence, one transaction, the first
 * error reported. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dbschema.h"
#include "ddl.h"

static const orm_dialect *D = &orm_dialect_sqlite;

/* ---- the tutorial's models ------------------------------------------------ */

typedef struct {
    const char *name;
    orm_type_kind kind;
    int length, precision, scale;
    int pk, nullable, unique, indexed;
    const char *fk_table, *fk_col, *ondelete;
    const char *server_default, *comment;
} colspec;

static orm_table *table(orm_metadata *md, const char *name, const colspec *cols, int n)
{
    orm_error err;
    orm_error_init(&err);
    orm_table *t;
    assert_int_equal(orm_metadata_add_table(md, name, &t, &err), 0);
    for (int i = 0; i < n; i++) {
        const colspec *s = &cols[i];
        orm_fkey fk = {.table = (char *)s->fk_table,
                       .column = (char *)s->fk_col,
                       .ondelete = (char *)s->ondelete};
        orm_column c = {.name = (char *)s->name,
                        .type = {.kind = s->kind,
                                 .length = s->length,
                                 .precision = s->precision,
                                 .scale = s->scale},
                        .primary_key = s->pk,
                        .nullable = s->nullable,
                        .unique = s->unique,
                        .indexed = s->indexed,
                        .autoincrement = 1,
                        .server_default = (char *)s->server_default,
                        .comment = (char *)s->comment,
                        .fk = s->fk_table ? &fk : NULL};
        assert_int_equal(orm_table_add_column(t, &c, &err), 0);
    }
    return t;
}

#define NCOLS(a) ((int)(sizeof(a) / sizeof((a)[0])))

static const colspec author_cols[] = {
    {.name = "id", .kind = ORM_T_INTEGER, .pk = 1, .nullable = 1},
    {.name = "name", .kind = ORM_T_STRING, .length = 30, .nullable = 1},
    {.name = "email", .kind = ORM_T_STRING, .length = 30, .unique = 1},
};
static const colspec book_cols[] = {
    {.name = "id", .kind = ORM_T_INTEGER, .pk = 1, .nullable = 1},
    {.name = "name", .kind = ORM_T_STRING, .length = 50, .unique = 1},
    {.name = "author_id",
     .kind = ORM_T_INTEGER,
     .nullable = 1,
     .fk_table = "author",
     .fk_col = "id"},
};
static const colspec store_cols[] = {
    {.name = "id", .kind = ORM_T_INTEGER, .pk = 1, .nullable = 1},
    {.name = "name", .kind = ORM_T_STRING, .length = 50, .unique = 1},
};
static const colspec map_cols[] = {
    {.name = "book_id",
     .kind = ORM_T_INTEGER,
     .pk = 1,
     .nullable = 1,
     .fk_table = "book",
     .fk_col = "id"},
    {.name = "store_id",
     .kind = ORM_T_INTEGER,
     .pk = 1,
     .nullable = 1,
     .fk_table = "store",
     .fk_col = "id"},
};

/* Defined children first, so create_all has to reorder them. */
static orm_metadata *bookstore(void)
{
    orm_metadata *md = orm_metadata_new();
    assert_non_null(md);
    table(md, "book_to_store_map", map_cols, NCOLS(map_cols));
    table(md, "book", book_cols, NCOLS(book_cols));
    table(md, "store", store_cols, NCOLS(store_cols));
    table(md, "author", author_cols, NCOLS(author_cols));
    return md;
}

static void check_create_in(const orm_dialect *d, const orm_table *t, int if_not_exists,
                            const char *sql)
{
    orm_buf b = ORM_BUF_INIT;
    assert_int_equal(orm_ddl_create_table(d, t, if_not_exists, &b), 0);
    assert_string_equal(orm_buf_str(&b), sql);
    orm_buf_free(&b);
}

static void check_create(const orm_table *t, int if_not_exists, const char *sql)
{
    check_create_in(D, t, if_not_exists, sql);
}

/* ---- DDL text ------------------------------------------------------------- */

static void test_ddl__create_table_author(void **state)
{
    (void)state;
    orm_metadata *md = bookstore();
    check_create(orm_metadata_find(md, "author"), 0,
                 "CREATE TABLE author (\n"
                 "\tid INTEGER NOT NULL, \n"
                 "\tname VARCHAR(30), \n"
                 "\temail VARCHAR(30) NOT NULL, \n"
                 "\tPRIMARY KEY (id), \n"
                 "\tUNIQUE (email)\n"
                 ")");
    orm_metadata_free(md);
}

static void test_ddl__create_table_book_with_foreign_key(void **state)
{
    (void)state;
    orm_metadata *md = bookstore();
    check_create(orm_metadata_find(md, "book"), 0,
                 "CREATE TABLE book (\n"
                 "\tid INTEGER NOT NULL, \n"
                 "\tname VARCHAR(50) NOT NULL, \n"
                 "\tauthor_id INTEGER, \n"
                 "\tPRIMARY KEY (id), \n"
                 "\tUNIQUE (name), \n"
                 "\tFOREIGN KEY(author_id) REFERENCES author (id)\n"
                 ")");
    orm_metadata_free(md);
}

static void test_ddl__create_table_composite_key_and_two_foreign_keys(void **state)
{
    (void)state;
    orm_metadata *md = bookstore();
    check_create(orm_metadata_find(md, "book_to_store_map"), 1,
                 "CREATE TABLE IF NOT EXISTS book_to_store_map (\n"
                 "\tbook_id INTEGER NOT NULL, \n"
                 "\tstore_id INTEGER NOT NULL, \n"
                 "\tPRIMARY KEY (book_id, store_id), \n"
                 "\tFOREIGN KEY(book_id) REFERENCES book (id), \n"
                 "\tFOREIGN KEY(store_id) REFERENCES store (id)\n"
                 ")");
    orm_metadata_free(md);
}

static void test_ddl__defaults_actions_quoting_and_comments(void **state)
{
    (void)state;
    orm_metadata *md = orm_metadata_new();
    const colspec parent[] = {{.name = "id", .kind = ORM_T_BIGINT, .pk = 1}};
    const colspec cols[] = {
        {.name = "key", .kind = ORM_T_STRING, .length = 8, .pk = 1},
        {.name = "Order", .kind = ORM_T_NUMERIC, .nullable = 1},
        {.name = "created", .kind = ORM_T_DATETIME, .server_default = "CURRENT_TIMESTAMP"},
        {.name = "flag",
         .kind = ORM_T_BOOLEAN,
         .nullable = 1,
         .server_default = "0",
         .comment = "a comment SQLite has no place for"},
        {.name = "group_id",
         .kind = ORM_T_BIGINT,
         .nullable = 1,
         .fk_table = "group",
         .fk_col = "id",
         .ondelete = "cascade"},
    };
    table(md, "group", parent, NCOLS(parent));
    orm_table *t = table(md, "select", cols, NCOLS(cols));
    check_create(t, 0,
                 "CREATE TABLE \"select\" (\n"
                 "\t\"key\" VARCHAR(8) NOT NULL, \n"
                 "\t\"Order\" NUMERIC, \n"
                 "\tcreated DATETIME DEFAULT CURRENT_TIMESTAMP NOT NULL, \n"
                 "\tflag BOOLEAN DEFAULT 0, \n"
                 "\tgroup_id BIGINT, \n"
                 "\tPRIMARY KEY (\"key\"), \n"
                 "\tFOREIGN KEY(group_id) REFERENCES \"group\" (id) ON DELETE CASCADE\n"
                 ")");
    /* a lone BIGINT key is the generated key: SQLite's rowid spelling */
    check_create(orm_metadata_find(md, "group"), 0,
                 "CREATE TABLE \"group\" (\n\tid INTEGER NOT NULL, \n\tPRIMARY KEY (id)\n)");
    orm_metadata_free(md);
}

/* Every column type of docs/reference.md (tests/lua/types_roundtrip.lua's Thing
 * model) on each dialect: the DDL that test once read back from SQLite's
 * sqlite_master, and its PostgreSQL and MySQL spellings. */
static void test_ddl__every_type_on_each_dialect(void **state)
{
    (void)state;
    orm_metadata *md = orm_metadata_new();
    const colspec cols[] = {
        {.name = "id", .kind = ORM_T_INTEGER, .pk = 1},
        {.name = "big", .kind = ORM_T_BIGINT, .nullable = 1},
        {.name = "label", .kind = ORM_T_STRING, .length = 20, .nullable = 1},
        {.name = "body", .kind = ORM_T_TEXT, .nullable = 1},
        {.name = "flag", .kind = ORM_T_BOOLEAN, .nullable = 1},
        {.name = "ratio", .kind = ORM_T_FLOAT, .nullable = 1},
        {.name = "price", .kind = ORM_T_NUMERIC, .precision = 10, .scale = 2, .nullable = 1},
        {.name = "born", .kind = ORM_T_DATE, .nullable = 1},
        {.name = "seen", .kind = ORM_T_DATETIME, .nullable = 1},
        {.name = "blob", .kind = ORM_T_BINARY, .nullable = 1},
        {.name = "meta", .kind = ORM_T_JSON, .nullable = 1},
        {.name = "serial", .kind = ORM_T_INTEGER, .nullable = 1},
        {.name = "status",
         .kind = ORM_T_STRING,
         .length = 10,
         .nullable = 1,
         .server_default = "'new'"},
    };
    orm_table *t = table(md, "thing", cols, NCOLS(cols));
    check_create_in(&orm_dialect_sqlite, t, 0,
                    "CREATE TABLE thing (\n"
                    "\tid INTEGER NOT NULL, \n"
                    "\tbig BIGINT, \n"
                    "\tlabel VARCHAR(20), \n"
                    "\tbody TEXT, \n"
                    "\tflag BOOLEAN, \n"
                    "\tratio FLOAT, \n"
                    "\tprice NUMERIC(10, 2), \n"
                    "\tborn DATE, \n"
                    "\tseen DATETIME, \n"
                    "\tblob BLOB, \n"
                    "\tmeta JSON, \n"
                    "\tserial INTEGER, \n"
                    "\tstatus VARCHAR(10) DEFAULT 'new', \n"
                    "\tPRIMARY KEY (id)\n"
                    ")");
    check_create_in(&orm_dialect_pg, t, 0,
                    "CREATE TABLE thing (\n"
                    "\tid SERIAL NOT NULL, \n"
                    "\tbig BIGINT, \n"
                    "\tlabel VARCHAR(20), \n"
                    "\tbody TEXT, \n"
                    "\tflag BOOLEAN, \n"
                    "\tratio FLOAT, \n"
                    "\tprice NUMERIC(10, 2), \n"
                    "\tborn DATE, \n"
                    "\tseen TIMESTAMP WITHOUT TIME ZONE, \n"
                    "\tblob BYTEA, \n"
                    "\tmeta JSONB, \n"
                    "\tserial INTEGER, \n"
                    "\tstatus VARCHAR(10) DEFAULT 'new', \n"
                    "\tPRIMARY KEY (id)\n"
                    ")");
    check_create_in(&orm_dialect_mysql, t, 0,
                    "CREATE TABLE thing (\n"
                    "\tid INTEGER NOT NULL AUTO_INCREMENT, \n"
                    "\tbig BIGINT, \n"
                    "\tlabel VARCHAR(20), \n"
                    "\tbody LONGTEXT, \n"
                    "\tflag BOOLEAN, \n"
                    "\tratio DOUBLE, \n"
                    "\tprice NUMERIC(10, 2), \n"
                    "\tborn DATE, \n"
                    "\tseen DATETIME, \n"
                    "\t`blob` LONGBLOB, \n"
                    "\tmeta JSON, \n"
                    "\tserial INTEGER, \n"
                    "\tstatus VARCHAR(10) DEFAULT 'new', \n"
                    "\tPRIMARY KEY (id)\n"
                    ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin");
    orm_metadata_free(md);
}

static void test_ddl__index_statements(void **state)
{
    (void)state;
    orm_metadata *md = orm_metadata_new();
    const colspec cols[] = {
        {.name = "id", .kind = ORM_T_INTEGER, .pk = 1},
        {.name = "name", .kind = ORM_T_STRING, .length = 30, .nullable = 1, .indexed = 1},
        {.name = "email", .kind = ORM_T_STRING, .length = 30, .unique = 1, .indexed = 1},
    };
    orm_table *t = table(md, "author", cols, NCOLS(cols));
    orm_buf b = ORM_BUF_INIT;
    assert_int_equal(orm_ddl_create_index(D, t, 1, 0, &b), 0);
    assert_string_equal(orm_buf_str(&b), "CREATE INDEX ix_author_name ON author (name)");
    orm_buf_reset(&b);
    assert_int_equal(orm_ddl_create_index(D, t, 2, 1, &b), 0);
    assert_string_equal(orm_buf_str(&b),
                        "CREATE UNIQUE INDEX IF NOT EXISTS ix_author_email ON author (email)");
    orm_buf_reset(&b);
    assert_int_equal(orm_ddl_create_index(D, t, 0, 0, &b), ORM_EMISUSE);
    orm_buf_free(&b);
    /* the unique index covers uniqueness: no table-level UNIQUE */
    check_create(t, 0,
                 "CREATE TABLE author (\n"
                 "\tid INTEGER NOT NULL, \n"
                 "\tname VARCHAR(30), \n"
                 "\temail VARCHAR(30) NOT NULL, \n"
                 "\tPRIMARY KEY (id)\n"
                 ")");
    orm_metadata_free(md);
}

static void test_ddl__drop_table(void **state)
{
    (void)state;
    orm_metadata *md = bookstore();
    orm_buf b = ORM_BUF_INIT;
    assert_int_equal(orm_ddl_drop_table(D, orm_metadata_find(md, "author"), 0, &b), 0);
    assert_string_equal(orm_buf_str(&b), "DROP TABLE author");
    orm_buf_reset(&b);
    assert_int_equal(orm_ddl_drop_table(D, orm_metadata_find(md, "book"), 1, &b), 0);
    assert_string_equal(orm_buf_str(&b), "DROP TABLE IF EXISTS book");
    orm_buf_free(&b);
    orm_metadata_free(md);
}

/* ---- create_all / drop_all on SQLite ------------------------------------- */

typedef struct {
    orm_buf log; /* echoed statements' first words, one a line */
} echo_log;

static void record(void *ctx, const char *line)
{
    echo_log *l = ctx;
    const char *sql = strncmp(line, "SQL: ", 5) == 0 ? line + 5 : line;
    const char *end = strstr(sql, " (");
    orm_buf_append(&l->log, sql, end ? (size_t)(end - sql) : strlen(sql));
    orm_buf_putc(&l->log, '\n');
}

static orm_conn *open_memory(echo_log *log)
{
    orm_url url;
    orm_error err;
    orm_error_init(&err);
    assert_int_equal(orm_url_parse(&url, "sqlite://", &err), 0);
    orm_conn *c = NULL;
    orm_open_opts opts = {0};
    assert_int_equal(orm_conn_open(&c, &url, &opts, &err), 0);
    orm_url_free(&url);
    orm_buf_init(&log->log);
    c->echo = 1;
    c->echo_fn = record;
    c->echo_ctx = log;
    return c;
}

/* The names in sqlite_master of the given type, in creation order. */
static void schema_names(orm_conn *c, const char *type, char *buf, size_t n)
{
    char sql[128];
    snprintf(sql, sizeof sql,
             "SELECT name FROM sqlite_master WHERE type = '%s' AND name NOT LIKE 'sqlite_%%' "
             "ORDER BY rowid",
             type);
    int echo = c->echo;
    c->echo = 0;
    orm_stmt *s = NULL;
    assert_int_equal(orm_conn_prepare(c, sql, &s), 0);
    buf[0] = '\0';
    while (orm_stmt_step(c, s, NULL, NULL, 0) == ORM_ROW) {
        orm_value v;
        assert_int_equal(c->drv->column_value(s, 0, &v), 0);
        if (buf[0]) strncat(buf, " ", n - strlen(buf) - 1);
        strncat(buf, v.u.s, n - strlen(buf) - 1);
        orm_value_clear(&v);
    }
    c->drv->finalize(s);
    c->echo = echo;
}

/* autoincrement = true on the second column of a composite key makes it the
 * generated key (SERIAL; AUTO_INCREMENT with the KEY MariaDB requires of a
 * column that is not first in the key); left as it defaults, a composite
 * key has none (the association table of the tutorial). */
static void test_ddl__composite_key_column_written_autoincrement_is_generated(void **state)
{
    (void)state;
    orm_metadata *md = orm_metadata_new();
    orm_error err;
    orm_error_init(&err);
    orm_table *t;
    assert_int_equal(orm_metadata_add_table(md, "payment", &t, &err), 0);
    orm_column day = {.name = "day",
                      .type = {.kind = ORM_T_STRING, .length = 10},
                      .primary_key = 1,
                      .autoincrement = 1};
    orm_column id = {.name = "id",
                     .type = {.kind = ORM_T_INTEGER},
                     .primary_key = 1,
                     .autoincrement = 1,
                     .autoincrement_set = 1};
    assert_int_equal(orm_table_add_column(t, &day, &err), 0);
    assert_int_equal(orm_table_add_column(t, &id, &err), 0);
    assert_int_equal(t->autoinc_col, 1);
    check_create_in(&orm_dialect_pg, t, 0,
                    "CREATE TABLE payment (\n\tday VARCHAR(10) NOT NULL, \n\tid SERIAL NOT NULL, "
                    "\n\tPRIMARY KEY (day, id)\n)");
    orm_buf b = ORM_BUF_INIT;
    assert_int_equal(orm_ddl_create_table(&orm_dialect_mysql, t, 0, &b), 0);
    assert_non_null(strstr(orm_buf_str(&b), "id INTEGER NOT NULL AUTO_INCREMENT"));
    assert_non_null(strstr(orm_buf_str(&b), "PRIMARY KEY (day, id), \n\tKEY idx_autoinc_id (id)"));
    /* the migrations' writer (a table as the database describes it) too */
    orm_dbschema *ds;
    assert_int_equal(orm_dbschema_from_metadata(md, &ds), 0);
    orm_buf_reset(&b);
    assert_int_equal(
        orm_dbtable_ddl(&orm_dialect_mysql, orm_dbschema_find(ds, "payment"), NULL, &b), 0);
    assert_non_null(strstr(orm_buf_str(&b), "PRIMARY KEY (day, id), \n\tKEY idx_autoinc_id (id)"));
    orm_dbschema_free(ds);
    orm_buf_free(&b);
    orm_metadata_free(md);
    md = bookstore();
    assert_int_equal(orm_metadata_find(md, "book_to_store_map")->autoinc_col, -1);
    orm_metadata_free(md);
}

static void test_ddl__create_all_creates_parents_first_and_is_idempotent(void **state)
{
    (void)state;
    orm_metadata *md = bookstore();
    const colspec idx_cols[] = {
        {.name = "id", .kind = ORM_T_INTEGER, .pk = 1},
        {.name = "title", .kind = ORM_T_TEXT, .nullable = 1, .indexed = 1},
    };
    table(md, "post", idx_cols, NCOLS(idx_cols));
    echo_log log;
    orm_conn *c = open_memory(&log);
    orm_error err;
    orm_error_init(&err);
    assert_int_equal(orm_ddl_create_all(c, md, &err), 0);
    assert_string_equal(orm_buf_str(&log.log), "BEGIN\n"
                                               "CREATE TABLE IF NOT EXISTS store\n"
                                               "CREATE TABLE IF NOT EXISTS author\n"
                                               "CREATE TABLE IF NOT EXISTS book\n"
                                               "CREATE TABLE IF NOT EXISTS book_to_store_map\n"
                                               "CREATE TABLE IF NOT EXISTS post\n"
                                               "CREATE INDEX IF NOT EXISTS ix_post_title ON post\n"
                                               "COMMIT\n");
    assert_int_equal(orm_conn_in_transaction(c), 0);
    char names[256];
    schema_names(c, "table", names, sizeof names);
    assert_string_equal(names, "store author book book_to_store_map post");
    schema_names(c, "index", names, sizeof names);
    assert_string_equal(names, "ix_post_title");

    assert_int_equal(orm_ddl_create_all(c, md, &err), 0); /* again: nothing changes */
    schema_names(c, "table", names, sizeof names);
    assert_string_equal(names, "store author book book_to_store_map post");

    orm_buf_reset(&log.log);
    assert_int_equal(orm_ddl_drop_all(c, md, &err), 0);
    assert_string_equal(orm_buf_str(&log.log), "BEGIN\n"
                                               "PRAGMA defer_foreign_keys = ON\n"
                                               "DROP TABLE IF EXISTS post\n"
                                               "DROP TABLE IF EXISTS book_to_store_map\n"
                                               "DROP TABLE IF EXISTS book\n"
                                               "DROP TABLE IF EXISTS author\n"
                                               "DROP TABLE IF EXISTS store\n"
                                               "COMMIT\n");
    schema_names(c, "table", names, sizeof names);
    assert_string_equal(names, "");
    assert_int_equal(orm_ddl_drop_all(c, md, &err), 0); /* dropping nothing is fine */
    assert_int_equal(err.cls, ORM_ERR_NONE);

    orm_conn_close(c);
    orm_buf_free(&log.log);
    orm_metadata_free(md);
}

static void test_ddl__create_all_joins_an_open_transaction(void **state)
{
    (void)state;
    orm_metadata *md = bookstore();
    echo_log log;
    orm_conn *c = open_memory(&log);
    orm_error err;
    orm_error_init(&err);
    assert_int_equal(orm_conn_begin(c), 0);
    orm_buf_reset(&log.log);
    assert_int_equal(orm_ddl_create_all(c, md, &err), 0);
    assert_null(strstr(orm_buf_str(&log.log), "BEGIN"));
    assert_null(strstr(orm_buf_str(&log.log), "COMMIT"));
    assert_int_equal(orm_conn_in_transaction(c), 1);
    assert_int_equal(orm_conn_rollback(c), 0); /* the caller's transaction decides */
    char names[256];
    schema_names(c, "table", names, sizeof names);
    assert_string_equal(names, "");
    orm_conn_close(c);
    orm_buf_free(&log.log);
    orm_metadata_free(md);
}

static void test_ddl__create_all_failure_rolls_back_and_reports_first_error(void **state)
{
    (void)state;
    orm_metadata *md = bookstore();
    const colspec bad[] = {
        {.name = "id", .kind = ORM_T_INTEGER, .pk = 1},
        {.name = "x", .kind = ORM_T_INTEGER, .nullable = 1, .server_default = "(("},
    };
    table(md, "zzz_broken", bad, NCOLS(bad));
    echo_log log;
    orm_conn *c = open_memory(&log);
    orm_error err;
    orm_error_init(&err);
    assert_int_equal(orm_ddl_create_all(c, md, &err), ORM_EFAIL);
    assert_int_not_equal(err.cls, ORM_ERR_NONE);
    assert_non_null(err.message);
    assert_non_null(err.sql);
    assert_non_null(strstr(err.sql, "zzz_broken"));
    assert_int_equal(c->err.cls, err.cls);
    assert_string_equal(c->err.message, err.message);
    assert_int_equal(orm_conn_in_transaction(c), 0);
    char names[256];
    schema_names(c, "table", names, sizeof names);
    assert_string_equal(names, ""); /* the tables made before the failure are gone too */
    orm_error_clear(&err);
    orm_conn_close(c);
    orm_buf_free(&log.log);
    orm_metadata_free(md);
}

static void test_ddl__create_all_refuses_unknown_fk_target(void **state)
{
    (void)state;
    orm_metadata *md = orm_metadata_new();
    const colspec cols[] = {
        {.name = "id", .kind = ORM_T_INTEGER, .pk = 1},
        {.name = "author_id",
         .kind = ORM_T_INTEGER,
         .nullable = 1,
         .fk_table = "authr",
         .fk_col = "id"},
    };
    table(md, "book", cols, NCOLS(cols));
    echo_log log;
    orm_conn *c = open_memory(&log);
    orm_error err;
    orm_error_init(&err);
    assert_int_equal(orm_ddl_create_all(c, md, &err), ORM_EFAIL);
    assert_int_equal(err.cls, ORM_ERR_ARGUMENT);
    assert_string_equal(err.message, "foreign key book.author_id references unknown table 'authr'");
    assert_string_equal(orm_buf_str(&log.log), ""); /* nothing ran */
    orm_error_clear(&err);
    orm_conn_close(c);
    orm_buf_free(&log.log);
    orm_metadata_free(md);
}

static void test_ddl__create_all_survives_injected_faults(void **state)
{
    (void)state;
    orm_metadata *md = bookstore();
    for (long n = 1; n < 20; n++) {
        echo_log log;
        orm_conn *c = open_memory(&log);
        orm_error err;
        orm_error_init(&err);
        orm_driver_fail_after(n);
        int rc = orm_ddl_create_all(c, md, &err);
        orm_driver_fail_after(0);
        char names[256];
        schema_names(c, "table", names, sizeof names);
        if (rc == ORM_OK) {
            assert_string_equal(names, "store author book book_to_store_map");
        } else {
            assert_string_equal(err.message, "injected fault");
            assert_string_equal(names, "");
            assert_int_equal(orm_conn_in_transaction(c), 0);
        }
        orm_error_clear(&err);
        orm_conn_close(c);
        orm_buf_free(&log.log);
    }
    orm_metadata_free(md);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ddl__create_table_author),
        cmocka_unit_test(test_ddl__create_table_book_with_foreign_key),
        cmocka_unit_test(test_ddl__create_table_composite_key_and_two_foreign_keys),
        cmocka_unit_test(test_ddl__defaults_actions_quoting_and_comments),
        cmocka_unit_test(test_ddl__every_type_on_each_dialect),
        cmocka_unit_test(test_ddl__index_statements),
        cmocka_unit_test(test_ddl__drop_table),
        cmocka_unit_test(test_ddl__composite_key_column_written_autoincrement_is_generated),
        cmocka_unit_test(test_ddl__create_all_creates_parents_first_and_is_idempotent),
        cmocka_unit_test(test_ddl__create_all_joins_an_open_transaction),
        cmocka_unit_test(test_ddl__create_all_failure_rolls_back_and_reports_first_error),
        cmocka_unit_test(test_ddl__create_all_refuses_unknown_fk_target),
        cmocka_unit_test(test_ddl__create_all_survives_injected_faults),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
