/* test_objmap.c — objects by address with an int (objmap.c): an empty map
 * knows nothing; put adds once and keeps the first value; thousands of
 * entries survive the table's growth; a growth that cannot allocate leaves
 * the map as it was; free empties it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "error.h"
#include "fault.h"
#include "objmap.h"

/* Distinct addresses to stand for objects (never dereferenced). */
static char cells[10000];
#define OBJ(i) ((const struct orm_object *)(const void *)&cells[i])

static void test_objmap__put_get(void **state)
{
    (void)state;
    orm_objmap m = {0};
    assert_int_equal(orm_objmap_get(&m, OBJ(1)), -1);
    assert_int_equal(orm_objmap_put(&m, OBJ(1), 7), 0);
    assert_int_equal(orm_objmap_put(&m, OBJ(1), 9), 1); /* there: its value kept */
    assert_int_equal(orm_objmap_get(&m, OBJ(1)), 7);
    assert_int_equal(orm_objmap_get(&m, OBJ(2)), -1);
    for (int i = 0; i < 10000; i++)
        assert_int_equal(orm_objmap_put(&m, OBJ(i), i), i == 1 ? 1 : 0);
    assert_int_equal(m.n, 10000);
    assert_true(m.cap >= 2 * m.n);
    for (int i = 0; i < 10000; i++)
        assert_int_equal(orm_objmap_get(&m, OBJ(i)), i == 1 ? 7 : i);
    orm_objmap_free(&m);
    assert_int_equal(m.n, 0);
    assert_int_equal(orm_objmap_get(&m, OBJ(3)), -1);
}

static void test_objmap__growth_without_memory(void **state)
{
    (void)state;
    orm_objmap m = {0};
    for (int i = 0; i < 32; i++)
        assert_int_equal(orm_objmap_put(&m, OBJ(i), i), 0);
    size_t cap = m.cap;
    orm_fault_alloc_after(1); /* the growth the 33rd entry needs */
    assert_int_equal(orm_objmap_put(&m, OBJ(32), 32), ORM_ENOMEM);
    orm_fault_alloc_after(0);
    assert_int_equal(m.n, 32);
    assert_int_equal(m.cap, cap);
    assert_int_equal(orm_objmap_get(&m, OBJ(32)), -1);
    for (int i = 0; i < 32; i++)
        assert_int_equal(orm_objmap_get(&m, OBJ(i)), i);
    assert_int_equal(orm_objmap_put(&m, OBJ(32), 32), 0); /* with memory again */
    orm_objmap_free(&m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_objmap__put_get),
        cmocka_unit_test(test_objmap__growth_without_memory),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
