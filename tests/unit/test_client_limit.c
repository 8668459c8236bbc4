/* The client's self-protection logic with a simulated clock: token buckets
 * (requests/s, bytes/s with debt for replies) and the adaptive page size. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "etcdclient/client/limit.h"

#define S 1000000 /* one second in microseconds */

static void test_bucket_unlimited(void **state)
{
    (void)state;
    ec_bucket b;
    ec_bucket_init(&b, 0, 0, 0);
    for (int i = 0; i < 1000; i++)
        assert_int_equal(ec_bucket_reserve(&b, 1e9, 0, 0), 0);
    ec_bucket_charge(&b, 1e12, 0);
    assert_int_equal(ec_bucket_reserve(&b, 1, 0, 0), 0);
}

/* 5/s with a burst of 5: five go at once, then one every 200 ms, each
 * caller reserving behind the previous one. */
static void test_bucket_rate_and_queue(void **state)
{
    (void)state;
    ec_bucket b;
    ec_bucket_init(&b, 5, 5, 0);
    for (int i = 0; i < 5; i++)
        assert_int_equal(ec_bucket_reserve(&b, 1, 0, S), 0);
    assert_int_equal(ec_bucket_reserve(&b, 1, 0, S), 200000);
    assert_int_equal(ec_bucket_reserve(&b, 1, 0, S), 400000);
    assert_int_equal(ec_bucket_reserve(&b, 1, 0, S), 600000);
    /* Later callers see the queue shortened by the time passed. */
    assert_int_equal(ec_bucket_reserve(&b, 1, 500000, S), 300000);
}

/* The rate holds over any run: n grants never come faster than
 * (n - burst) / rate, whatever the callers' timing. */
static void test_bucket_never_exceeds(void **state)
{
    (void)state;
    ec_bucket b;
    ec_bucket_init(&b, 50, 50, 0);
    int64_t now = 0, first = -1, last = 0;
    int waited = 0;
    unsigned x = 12345;
    for (int n = 1; n <= 2000; n++) {
        x = x * 1103515245u + 12345u;
        now += (int64_t)(x >> 16) % 45000; /* callers arrive every 0..45 ms, in bursts */
        int64_t w = ec_bucket_reserve(&b, 1, now, 10 * S);
        assert_true(w >= 0);
        waited += w > 0;
        int64_t granted = now + w;
        if (first < 0)
            first = granted;
        if (granted > last)
            last = granted;
        /* n <= burst + rate * span (with a microsecond of rounding) */
        assert_true((double)n <= 50.0 + 50.0 * (double)(last - first + 1) / 1e6);
    }
    assert_true(waited > 100); /* the limit did bite */
}

static void test_bucket_refuses_past_deadline(void **state)
{
    (void)state;
    ec_bucket b;
    ec_bucket_init(&b, 10, 10, 0);
    for (int i = 0; i < 10; i++)
        assert_int_equal(ec_bucket_reserve(&b, 1, 0, S), 0);
    for (int i = 1; i <= 10; i++)
        assert_int_equal(ec_bucket_reserve(&b, 1, 0, S), i * 100000);
    /* The eleventh would wait 1.1 s: refused, and nothing taken. */
    assert_int_equal(ec_bucket_reserve(&b, 1, 0, S), -1);
    assert_int_equal(ec_bucket_reserve(&b, 1, 0, 2 * S), 1100000);
    ec_bucket_refund(&b, 1);
    assert_int_equal(ec_bucket_reserve(&b, 1, 0, 2 * S), 1100000);
}

/* Bytes: a 3 MiB reply at 1 MiB/s is owed; the next request waits it off. */
static void test_bucket_bytes_debt(void **state)
{
    (void)state;
    ec_bucket b;
    const double mib = 1 << 20;
    ec_bucket_init(&b, mib, mib, 0);
    assert_int_equal(ec_bucket_reserve(&b, 100, 0, S), 0);
    ec_bucket_charge(&b, 3 * mib, 0);
    /* Owed: 3 MiB + 100 bytes - 1 MiB saved = 2 MiB + 100 bytes. */
    int64_t w = ec_bucket_reserve(&b, 0, 0, 5 * S);
    assert_int_equal(w, (int64_t)((2 * mib + 100) / mib * 1e6) + 1);
    /* A second later a second of debt is paid. */
    assert_int_equal(ec_bucket_reserve(&b, 0, S, 5 * S), w - S);
    /* Idle long enough, the bucket is full again but never more than full. */
    assert_int_equal(ec_bucket_reserve(&b, mib, 100 * S, 0), 0);
    assert_int_equal(ec_bucket_reserve(&b, 1, 100 * S, 0), -1);
}

static void test_pager_halves_when_slow_to_floor(void **state)
{
    (void)state;
    ec_pager p;
    ec_pager_init(&p, 1000, 0, 5000);
    assert_int_equal(p.slow_ms, 1000);
    ec_pager_page_done(&p, 1200);
    assert_int_equal(p.size, 500);
    ec_pager_page_done(&p, 1001);
    assert_int_equal(p.size, 250);
    ec_pager_page_done(&p, 3000);
    assert_int_equal(p.size, 125);
    ec_pager_page_done(&p, 3000);
    assert_int_equal(p.size, EC_PAGER_FLOOR);
    ec_pager_page_done(&p, 3000);
    assert_int_equal(p.size, EC_PAGER_FLOOR);
    assert_int_equal(p.shrinks, 4);
    /* In between: neither slow nor fast, no change. */
    ec_pager_page_done(&p, 500);
    assert_int_equal(p.size, EC_PAGER_FLOOR);
    /* Fast pages grow it back a quarter at a time, up to the target. */
    ec_pager_page_done(&p, 10);
    assert_int_equal(p.size, 125);
    ec_pager_page_done(&p, 10);
    assert_int_equal(p.size, 156);
    for (int i = 0; i < 20; i++)
        ec_pager_page_done(&p, 10);
    assert_int_equal(p.size, 1000);
    assert_int_equal(p.grows, 11);
}

static void test_pager_threshold_half_deadline(void **state)
{
    (void)state;
    ec_pager p;
    ec_pager_init(&p, 1000, 0, 1200);
    assert_int_equal(p.slow_ms, 600);
    ec_pager_page_done(&p, 700);
    assert_int_equal(p.size, 500);
    ec_pager_init(&p, 1000, 50, 5000);
    assert_int_equal(p.slow_ms, 50);
}

static void test_pager_target_and_deadline(void **state)
{
    (void)state;
    ec_pager p;
    ec_pager_init(&p, 1000, 0, 5000);
    /* First-page sizing jumps straight up while etcd is fast... */
    ec_pager_set_target(&p, 20000, true);
    assert_int_equal(p.size, 20000);
    /* ...a byte budget lowers at once... */
    ec_pager_set_target(&p, 300, false);
    assert_int_equal(p.size, 300);
    /* ...and after a slow page, a bigger target is only grown to. */
    ec_pager_init(&p, 1000, 0, 5000);
    ec_pager_page_done(&p, 2000);
    ec_pager_set_target(&p, 20000, true);
    assert_int_equal(p.size, 500);
    ec_pager_deadline(&p);
    assert_int_equal(p.size, 125);
    ec_pager_init(&p, 3, 0, 5000);
    assert_int_equal(p.floor, 3);
    ec_pager_deadline(&p);
    assert_int_equal(p.size, 1);
    ec_pager_deadline(&p);
    assert_int_equal(p.size, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bucket_unlimited),
        cmocka_unit_test(test_bucket_rate_and_queue),
        cmocka_unit_test(test_bucket_never_exceeds),
        cmocka_unit_test(test_bucket_refuses_past_deadline),
        cmocka_unit_test(test_bucket_bytes_debt),
        cmocka_unit_test(test_pager_halves_when_slow_to_floor),
        cmocka_unit_test(test_pager_threshold_half_deadline),
        cmocka_unit_test(test_pager_target_and_deadline),
    };
    return cmocka_run_group_tests_name("client rate limits and page sizing", tests, NULL, NULL);
}
