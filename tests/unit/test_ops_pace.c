/* The rate bound of guarded deletes (tui/ops/pace.h): never more than the
 * limit within any window, up to the limit at once. The clock is passed
 * in, so these are exact, with no real time involved. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "tui/ops/pace.h"

static void test_burst_then_window(void **state)
{
    (void)state;
    bg_pace p;
    assert_int_equal(bg_pace_init(&p, 1000, 100), 0);
    assert_int_equal(p.limit, 1000);
    assert_true(p.window == 1.0);
    /* 1000 keys in 128-key sends at t=10: seven go at once (896 keys)... */
    for (int i = 0; i < 7; i++) {
        assert_true(bg_pace_due(&p, 128, 10.0) == 10.0);
        bg_pace_sent(&p, 128, 10.0);
    }
    /* ... the eighth would make 1024 > 1000 in the window: it waits until
     * the first sends leave it, one second later. */
    assert_true(bg_pace_due(&p, 128, 10.0) == 11.0);
    assert_true(bg_pace_due(&p, 104, 10.0) == 10.0);  /* exactly the limit fits */
    assert_true(bg_pace_due(&p, 128, 10.999) == 11.0);
    assert_true(bg_pace_due(&p, 128, 11.0) == 11.0);
    bg_pace_free(&p);
}

static void test_sliding(void **state)
{
    (void)state;
    bg_pace p;
    assert_int_equal(bg_pace_init(&p, 300, 100), 0);
    bg_pace_sent(&p, 100, 0.0);
    bg_pace_sent(&p, 100, 0.4);
    bg_pace_sent(&p, 100, 0.8);
    /* Full: the next 100 may go when the send of t=0 leaves the window;
     * 150 need the one of t=0.4 gone as well. */
    assert_true(bg_pace_due(&p, 100, 0.9) == 1.0);
    assert_true(bg_pace_due(&p, 150, 0.9) == 1.4);
    bg_pace_sent(&p, 100, 1.0);
    assert_true(bg_pace_due(&p, 1, 1.0) == 1.4);
    /* Two seconds later everything has left the window. */
    assert_true(bg_pace_due(&p, 300, 3.0) == 3.0);
    bg_pace_free(&p);
}

static void test_slow_rates(void **state)
{
    (void)state;
    bg_pace p;
    /* Half a key per second: one key every two seconds. */
    assert_int_equal(bg_pace_init(&p, 0.5, 10), 0);
    assert_int_equal(p.limit, 1);
    assert_true(p.window == 2.0);
    assert_true(bg_pace_due(&p, 1, 5.0) == 5.0);
    bg_pace_sent(&p, 1, 5.0);
    assert_true(bg_pace_due(&p, 1, 5.0) == 7.0);
    assert_true(bg_pace_due(&p, 1, 6.5) == 7.0);
    bg_pace_sent(&p, 1, 7.0);
    assert_true(bg_pace_due(&p, 1, 8.0) == 9.0);
    bg_pace_free(&p);
    /* One key per second, sent one at a time: the ring holds limit + 1. */
    assert_int_equal(bg_pace_init(&p, 1, 1000), 0);
    assert_int_equal(p.ring, 2);
    for (int t = 0; t < 50; t++) {
        assert_true(bg_pace_due(&p, 1, (double)t) == (double)t);
        bg_pace_sent(&p, 1, (double)t);
        assert_true(bg_pace_due(&p, 1, (double)t + 0.5) == (double)t + 1.0);
    }
    bg_pace_free(&p);
}

static void test_ring_bounded_by_sends(void **state)
{
    (void)state;
    bg_pace p;
    /* A huge rate costs no memory beyond the sends the run makes. */
    assert_int_equal(bg_pace_init(&p, 1e12, 79), 0);
    assert_int_equal(p.ring, 80);
    for (int i = 0; i < 79; i++) {
        assert_true(bg_pace_due(&p, 128, 1.0) == 1.0);
        bg_pace_sent(&p, 128, 1.0);
    }
    bg_pace_free(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_burst_then_window),
        cmocka_unit_test(test_sliding),
        cmocka_unit_test(test_slow_rates),
        cmocka_unit_test(test_ring_bounded_by_sends),
    };
    return cmocka_run_group_tests_name("ops: rate bound of guarded deletes", tests, NULL, NULL);
}
