/* test_buf.c — the growable buffer: growth, formatting, embedded NULs,
 * reset, detach and the sticky out-of-memory flag. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "buf.h"

static void test_buf__empty_buffer_reads_as_empty_string(void **state)
{
    (void)state;
    orm_buf b = ORM_BUF_INIT;
    assert_string_equal(orm_buf_str(&b), "");
    assert_int_equal(b.len, 0);
    orm_buf_free(&b);
    orm_buf_free(&b); /* idempotent */
}

static void test_buf__appends_grow_past_initial_capacity(void **state)
{
    (void)state;
    orm_buf b;
    orm_buf_init(&b);
    for (int i = 0; i < 1000; i++)
        orm_buf_puts(&b, "abc");
    assert_int_equal(b.len, 3000);
    assert_int_equal(strlen(orm_buf_str(&b)), 3000);
    assert_memory_equal(b.p + 2997, "abc", 4); /* NUL-terminated */
    orm_buf_free(&b);
}

static void test_buf__printf_formats_long_output(void **state)
{
    (void)state;
    orm_buf b = ORM_BUF_INIT;
    orm_buf_puts(&b, "x=");
    char big[500];
    memset(big, 'y', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    orm_buf_printf(&b, "%d %s|", 42, big);
    assert_int_equal(b.len, 2 + 3 + 499 + 1);
    assert_memory_equal(b.p, "x=42 yyy", 8);
    assert_int_equal(b.p[b.len - 1], '|');
    orm_buf_free(&b);
}

static void test_buf__append_keeps_embedded_nul_bytes(void **state)
{
    (void)state;
    orm_buf b = ORM_BUF_INIT;
    orm_buf_append(&b, "a\0b", 3);
    orm_buf_putc(&b, '\0');
    assert_int_equal(b.len, 4);
    assert_memory_equal(b.p, "a\0b\0", 5);
    orm_buf_free(&b);
}

static void test_buf__reset_empties_but_keeps_storage(void **state)
{
    (void)state;
    orm_buf b = ORM_BUF_INIT;
    orm_buf_puts(&b, "hello world");
    char *p = b.p;
    size_t cap = b.cap;
    orm_buf_reset(&b);
    assert_int_equal(b.len, 0);
    assert_string_equal(orm_buf_str(&b), "");
    assert_ptr_equal(b.p, p);
    assert_int_equal(b.cap, cap);
    orm_buf_puts(&b, "x");
    assert_string_equal(orm_buf_str(&b), "x");
    orm_buf_free(&b);
}

static void test_buf__detach_transfers_the_text(void **state)
{
    (void)state;
    orm_buf b = ORM_BUF_INIT;
    orm_buf_puts(&b, "SELECT 1");
    char *s = orm_buf_detach(&b);
    assert_string_equal(s, "SELECT 1");
    assert_null(b.p);
    assert_int_equal(b.len, 0);
    free(s);
}

static void test_buf__detach_of_empty_buffer_gives_empty_string(void **state)
{
    (void)state;
    orm_buf b = ORM_BUF_INIT;
    char *s = orm_buf_detach(&b);
    assert_non_null(s);
    assert_string_equal(s, "");
    free(s);
}

static void test_buf__oom_flag_makes_appends_no_ops_and_detach_null(void **state)
{
    (void)state;
    orm_buf b = ORM_BUF_INIT;
    orm_buf_puts(&b, "abc");
    b.oom = 1; /* as after a failed realloc */
    orm_buf_puts(&b, "def");
    orm_buf_printf(&b, "%d", 5);
    assert_string_equal(orm_buf_str(&b), "abc");
    assert_null(orm_buf_detach(&b));
    assert_null(b.p);
    assert_int_equal(b.oom, 0);
}

static void test_buf__reset_clears_oom(void **state)
{
    (void)state;
    orm_buf b = ORM_BUF_INIT;
    b.oom = 1;
    orm_buf_reset(&b);
    orm_buf_puts(&b, "ok");
    assert_string_equal(orm_buf_str(&b), "ok");
    orm_buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_buf__empty_buffer_reads_as_empty_string),
        cmocka_unit_test(test_buf__appends_grow_past_initial_capacity),
        cmocka_unit_test(test_buf__printf_formats_long_output),
        cmocka_unit_test(test_buf__append_keeps_embedded_nul_bytes),
        cmocka_unit_test(test_buf__reset_empties_but_keeps_storage),
        cmocka_unit_test(test_buf__detach_transfers_the_text),
        cmocka_unit_test(test_buf__detach_of_empty_buffer_gives_empty_string),
        cmocka_unit_test(test_buf__oom_flag_makes_appends_no_ops_and_detach_null),
        cmocka_unit_test(test_buf__reset_clears_oom),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
