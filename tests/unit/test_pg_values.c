/* test_pg_values.c — how the PostgreSQL driver writes bound values and
 * reads column values (core/driver_pg_param.c, driver_pg_stmt.c), without
 * a server: statements built by hand, results made with libpq's own
 * PQmakeEmptyPGresult / PQsetvalue. Binding checks the parameter number
 * (ProgrammingError) and refuses a NUL byte in text (DataError with
 * SQLSTATE 22021) before anything is sent; each value is written as the
 * text the parameter's type takes (booleans as 1/0 for numbers, NaN and
 * infinities by name, integral floats for integer columns, the shortest
 * digits otherwise, bytes in binary); the type a value needs where the
 * server guessed text or an integer; and every column type read back
 * (booleans, integers, floats, NUMERIC as an integer, NaN or exact
 * decimal text, bytea unescaped, NULL apart from ""). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "driver_pg_int.h"
#include "fault.h"

typedef struct fx {
    pg_conn conn;
    pg_stmt st;
    pg_param params[3];
    Oid ptypes[3];
    const char *vals[3];
    int lens[3], fmts[3];
} fx;

static int setup(void **state)
{
    fx *f = calloc(1, sizeof *f);
    orm_error_init(&f->conn.base.err);
    f->st.conn = &f->conn;
    f->st.sql = "SELECT $1, $2, $3";
    f->st.nparams = 3;
    f->st.params = f->params;
    f->st.ptypes = f->ptypes;
    f->st.vals = f->vals;
    f->st.lens = f->lens;
    f->st.fmts = f->fmts;
    f->st.row = -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx *f = *state;
    for (int i = 0; i < 3; i++)
        free(f->params[i].buf);
    PQclear(f->st.res);
    free(f->st.ctypes);
    orm_error_clear(&f->conn.base.err);
    orm_fault_alloc_after(0);
    free(f);
    return 0;
}

static orm_stmt *os(fx *f)
{
    return (orm_stmt *)&f->st;
}

/* Binds v as parameter 1 typed t and returns the text written for it. */
static const char *written(fx *f, orm_value v, Oid t)
{
    assert_int_equal(orm_pg_bind(os(f), 1, &v, ORM_BIND_COPY), ORM_OK);
    f->ptypes[0] = t;
    orm_pg_put_param(&f->st, 0);
    return f->vals[0];
}

static orm_value i64(int64_t i)
{
    orm_value v;
    orm_value_int(&v, i);
    return v;
}

static orm_value real(double r)
{
    orm_value v;
    orm_value_real(&v, r);
    return v;
}

static orm_value boolean(int b)
{
    orm_value v;
    orm_value_bool(&v, b);
    return v;
}

static void test_pg_values__binding_checks(void **state)
{
    fx *f = *state;
    orm_value v = i64(1);
    orm_error *e = &f->conn.base.err;
    assert_int_equal(orm_pg_bind(os(f), 4, &v, ORM_BIND_COPY), ORM_EFAIL);
    assert_int_equal(e->cls, ORM_ERR_PROGRAMMING);
    assert_string_equal(e->message, "parameter 4 out of range (the statement takes 3)");
    assert_string_equal(e->sql, "SELECT $1, $2, $3");
    assert_int_equal(orm_pg_bind(os(f), 0, &v, ORM_BIND_COPY), ORM_EFAIL);
    orm_value nul = {.type = ORM_V_TEXT, .len = 3, .u.s = "a\0b"};
    assert_int_equal(orm_pg_bind(os(f), 2, &nul, ORM_BIND_COPY), ORM_EFAIL);
    assert_int_equal(e->cls, ORM_ERR_DATA);
    assert_int_equal(e->code, orm_pg_state_code("22021"));
    assert_non_null(strstr(e->message, "0x00 (PostgreSQL text cannot hold a NUL byte"));
    assert_int_equal(f->params[1].type, ORM_V_NULL); /* nothing half-bound */
    /* a blob may hold NUL bytes, and goes in binary */
    orm_value blob = {.type = ORM_V_BLOB, .len = 3, .u.s = "a\0b"};
    assert_int_equal(orm_pg_bind(os(f), 2, &blob, ORM_BIND_COPY), ORM_OK);
    f->ptypes[1] = OID_BYTEA;
    orm_pg_put_param(&f->st, 1);
    assert_memory_equal(f->vals[1], "a\0b", 3);
    assert_int_equal(f->lens[1], 3);
    assert_int_equal(f->fmts[1], 1);
    /* text grows its buffer, then reuses it */
    char big[100];
    memset(big, 'x', sizeof big);
    orm_value t = {.type = ORM_V_TEXT, .len = sizeof big, .u.s = big};
    assert_int_equal(orm_pg_bind(os(f), 3, &t, ORM_BIND_COPY), ORM_OK);
    char *buf = f->params[2].buf;
    t.len = 5;
    assert_int_equal(orm_pg_bind(os(f), 3, &t, ORM_BIND_COPY), ORM_OK);
    assert_ptr_equal(f->params[2].buf, buf);
    f->ptypes[2] = 25;
    orm_pg_put_param(&f->st, 2);
    assert_string_equal(f->vals[2], "xxxxx");
    assert_int_equal(f->lens[2], 5);
    assert_int_equal(f->fmts[2], 0);
    /* a buffer that cannot grow: out of memory, the parameter NULL */
    t.len = sizeof big;
    orm_fault_alloc_after(1);
    assert_int_equal(orm_pg_bind(os(f), 1, &t, ORM_BIND_COPY), ORM_ENOMEM);
    orm_fault_alloc_after(0);
    assert_string_equal(e->message, "out of memory");
    assert_int_equal(f->params[0].type, ORM_V_NULL);
    /* NULL, and clearing every binding */
    orm_value null = ORM_VALUE_NULL;
    assert_int_equal(orm_pg_bind(os(f), 1, &null, ORM_BIND_COPY), ORM_OK);
    orm_pg_put_param(&f->st, 0);
    assert_null(f->vals[0]);
    assert_int_equal(orm_pg_clear_bindings(os(f)), ORM_OK);
    for (int i = 0; i < 3; i++)
        assert_int_equal(f->params[i].type, ORM_V_NULL);
}

static void test_pg_values__text_written_for_each_type(void **state)
{
    fx *f = *state;
    assert_string_equal(written(f, i64(-42), OID_INT8), "-42");
    assert_string_equal(written(f, i64(1), OID_BOOL), "true");
    assert_string_equal(written(f, i64(0), OID_BOOL), "false");
    assert_string_equal(written(f, boolean(1), OID_INT4), "1");
    assert_string_equal(written(f, boolean(0), OID_NUMERIC), "0");
    assert_string_equal(written(f, boolean(1), OID_FLOAT8), "1");
    assert_string_equal(written(f, boolean(0), OID_FLOAT4), "0");
    assert_string_equal(written(f, boolean(1), OID_BOOL), "true");
    assert_string_equal(written(f, boolean(0), 25), "false");
    assert_string_equal(written(f, real(NAN), OID_FLOAT8), "NaN");
    assert_string_equal(written(f, real(INFINITY), OID_FLOAT8), "Infinity");
    assert_string_equal(written(f, real(-INFINITY), OID_NUMERIC), "-Infinity");
    assert_string_equal(written(f, real(3.0), OID_INT4), "3");
    assert_string_equal(written(f, real(3.5), OID_INT4), "3.5"); /* the server refuses it */
    assert_string_equal(written(f, real(0.99), OID_NUMERIC), "0.99");
    assert_string_equal(written(f, real(1e300), OID_FLOAT8), "1e+300");
    orm_value t = {.type = ORM_V_TEXT, .len = 2, .u.s = "\\x"};
    assert_string_equal(written(f, t, OID_BYTEA), "\\x");
    assert_int_equal(f->fmts[0], 1); /* text for a bytea column: its bytes as they are */
    orm_value empty = {.type = ORM_V_TEXT, .len = 0, .u.s = ""};
    assert_string_equal(written(f, empty, 25), "");
    assert_int_equal(f->lens[0], 0);
}

static void test_pg_values__type_a_value_needs(void **state)
{
    (void)state;
    pg_param p = {.type = ORM_V_INT};
    assert_int_equal(orm_pg_wanted_type(&p, 0), OID_INT8);
    assert_int_equal(orm_pg_wanted_type(&p, 25), OID_INT8);
    assert_int_equal(orm_pg_wanted_type(&p, OID_NUMERIC), 0);
    p.type = ORM_V_BOOL;
    assert_int_equal(orm_pg_wanted_type(&p, 1043), OID_BOOL);
    assert_int_equal(orm_pg_wanted_type(&p, OID_INT4), 0);
    p.type = ORM_V_REAL; /* "views * 1.5": a float where an integer was guessed */
    assert_int_equal(orm_pg_wanted_type(&p, OID_INT2), OID_FLOAT8);
    assert_int_equal(orm_pg_wanted_type(&p, 705), OID_FLOAT8);
    assert_int_equal(orm_pg_wanted_type(&p, OID_NUMERIC), 0);
    p.type = ORM_V_BLOB;
    assert_int_equal(orm_pg_wanted_type(&p, 25), OID_BYTEA);
    assert_int_equal(orm_pg_wanted_type(&p, OID_BYTEA), 0);
    p.type = ORM_V_TEXT;
    assert_int_equal(orm_pg_wanted_type(&p, OID_INT4), 0);
    p.type = ORM_V_NULL;
    assert_int_equal(orm_pg_wanted_type(&p, 0), 0);
    assert_int_equal(orm_pg_state_code("23505"), ((((2 * 36 + 3) * 36 + 5) * 36 + 0) * 36 + 5));
    assert_int_equal(orm_pg_state_code("40P01"),
                     ((((4 * 36 + 0) * 36 + 25) * 36 + 0) * 36 + 1)); /* letters after digits */
    assert_int_equal(orm_pg_state_code(NULL), 0);
}

/* One row of columns typed types[i] holding texts[i] (NULL: SQL NULL). */
static void result_row(fx *f, int n, const Oid *types, const char *const *texts)
{
    PGresult *res = PQmakeEmptyPGresult(NULL, PGRES_TUPLES_OK);
    assert_non_null(res);
    PGresAttDesc att[16];
    memset(att, 0, sizeof att);
    for (int i = 0; i < n; i++) {
        att[i].name = "c";
        att[i].typid = types[i];
    }
    assert_true(PQsetResultAttrs(res, n, att));
    for (int i = 0; i < n; i++)
        assert_true(PQsetvalue(res, 0, i, (char *)texts[i], texts[i] ? (int)strlen(texts[i]) : -1));
    PQclear(f->st.res);
    f->st.res = res;
    f->st.row = 0;
    free(f->st.ctypes);
    f->st.ctypes = malloc(sizeof(Oid) * (size_t)n);
    memcpy(f->st.ctypes, types, sizeof(Oid) * (size_t)n);
    f->st.nctypes = n;
}

static orm_value col(fx *f, int i)
{
    orm_value v = ORM_VALUE_NULL;
    assert_int_equal(orm_pg_column_value(os(f), i, &v), ORM_OK);
    return v;
}

static void test_pg_values__columns_read_by_type(void **state)
{
    fx *f = *state;
    const Oid types[] = {OID_BOOL,    OID_BOOL,   OID_INT2,    OID_INT8,    OID_OID,
                         OID_FLOAT4,  OID_FLOAT8, OID_NUMERIC, OID_NUMERIC, OID_NUMERIC,
                         OID_NUMERIC, OID_BYTEA,  25,          25,          1043};
    const char *texts[] = {"t",
                           "f",
                           "-7",
                           "-9223372036854775808",
                           "4294967295",
                           "1.5",
                           "-Infinity",
                           "123",
                           "99999999999999999999",
                           "1.50",
                           "NaN",
                           "\\x00ff41",
                           "",
                           NULL,
                           "naïve"};
    int n = (int)(sizeof types / sizeof types[0]);
    result_row(f, n, types, texts);
    orm_value v = col(f, 0);
    assert_true(v.type == ORM_V_BOOL && v.u.i == 1);
    v = col(f, 1);
    assert_true(v.type == ORM_V_BOOL && v.u.i == 0);
    v = col(f, 2);
    assert_true(v.type == ORM_V_INT && v.u.i == -7);
    v = col(f, 3);
    assert_true(v.type == ORM_V_INT && v.u.i == INT64_MIN);
    v = col(f, 4);
    assert_true(v.type == ORM_V_INT && v.u.i == 4294967295LL);
    v = col(f, 5);
    assert_true(v.type == ORM_V_REAL && v.u.r == 1.5);
    v = col(f, 6);
    assert_true(v.type == ORM_V_REAL && isinf(v.u.r) && v.u.r < 0);
    v = col(f, 7); /* a NUMERIC that is an integer */
    assert_true(v.type == ORM_V_INT && v.u.i == 123);
    v = col(f, 8); /* too big for an integer: its exact digits */
    assert_int_equal(v.type, ORM_V_TEXT);
    assert_true(v.decimal);
    assert_string_equal(v.u.s, "99999999999999999999");
    orm_value_clear(&v);
    v = col(f, 9);
    assert_int_equal(v.type, ORM_V_TEXT);
    assert_true(v.decimal);
    assert_string_equal(v.u.s, "1.50");
    orm_value_clear(&v);
    v = col(f, 10);
    assert_true(v.type == ORM_V_REAL && isnan(v.u.r));
    v = col(f, 11);
    assert_int_equal(v.type, ORM_V_BLOB);
    assert_int_equal(v.len, 3);
    assert_memory_equal(v.u.s,
                        "\0\xff"
                        "A",
                        3);
    orm_value_clear(&v);
    v = col(f, 12); /* "" is text, NULL is NULL */
    assert_int_equal(v.type, ORM_V_TEXT);
    assert_int_equal(v.len, 0);
    orm_value_clear(&v);
    v = col(f, 13);
    assert_int_equal(v.type, ORM_V_NULL);
    v = col(f, 14);
    assert_string_equal(v.u.s, "naïve");
    assert_false(v.borrowed);
    orm_value_clear(&v);
    v = col(f, 99); /* past the columns: NULL */
    assert_int_equal(v.type, ORM_V_NULL);

    /* peeking leaves text and decimals in the result */
    assert_int_equal(orm_pg_column_peek(os(f), 14, &v), ORM_OK);
    assert_true(v.borrowed);
    assert_ptr_equal(v.u.s, PQgetvalue(f->st.res, 0, 14));
    assert_int_equal(orm_pg_column_peek(os(f), 9, &v), ORM_OK);
    assert_true(v.borrowed && v.decimal);
    assert_int_equal(orm_pg_column_peek(os(f), 11, &v), ORM_OK); /* bytes: always a copy */
    assert_false(v.borrowed);
    orm_value_clear(&v);

    /* a copy that cannot be made: out of memory */
    orm_fault_alloc_after(1);
    assert_int_equal(orm_pg_column_value(os(f), 14, &v), ORM_ENOMEM);
    orm_fault_alloc_after(1);
    assert_int_equal(orm_pg_column_value(os(f), 9, &v), ORM_ENOMEM);
    orm_fault_alloc_after(0);
    assert_string_equal(f->conn.base.err.message, "out of memory");

    /* after a reset there is no row */
    assert_int_equal(orm_pg_reset(os(f)), ORM_OK);
    assert_null(f->st.res);
    v = col(f, 0);
    assert_int_equal(v.type, ORM_V_NULL);
    f->st.changes = 12;
    assert_int_equal(orm_pg_changes(os(f)), 12);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_pg_values__binding_checks, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pg_values__text_written_for_each_type, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_pg_values__type_a_value_needs, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pg_values__columns_read_by_type, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
