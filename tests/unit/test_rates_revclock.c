/* Revision clock: interpolation, extrapolation, the one-sample assumption,
 * runs at one revision, thinning, rejected samples. Expected times are
 * worked out by hand from the rules in revclock.h. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "etcdclient/rates/revclock.h"

static ec_revclock *mk(size_t max)
{
    ec_revclock *rc = NULL;
    assert_int_equal(ec_revclock_new(max, &rc, NULL), 0);
    assert_non_null(rc);
    return rc;
}

static void sample(ec_revclock *rc, int64_t rev, int64_t ms)
{
    ec_err err = {0};
    assert_int_equal(ec_revclock_add(rc, rev, ms, &err), 0);
}

static void expect(const ec_revclock *rc, int64_t rev, int64_t ms, ec_revclock_how how)
{
    int64_t t = -12345;
    ec_revclock_how h = 0;
    ec_err err = {0};
    assert_int_equal(ec_revclock_estimate(rc, rev, &t, &h, &err), 0);
    assert_int_equal(t, ms);
    assert_int_equal(h, how);
}

static void expect_fail(const ec_revclock *rc, int64_t rev, const char *msg)
{
    int64_t t = -12345;
    ec_err err = {0};
    assert_int_equal(ec_revclock_estimate(rc, rev, &t, NULL, &err), -1);
    assert_int_equal(err.code, EC_E_INVALID);
    assert_string_equal(err.msg, msg);
    assert_int_equal(t, -12345);
}

static void test_interpolate_extrapolate(void **state)
{
    (void)state;
    ec_revclock *rc = mk(0);
    expect_fail(rc, 5, "cannot estimate the time of revision 5: no clock sample");
    sample(rc, 1000, 10000);
    sample(rc, 2000, 20000);
    sample(rc, 2000, 25000);     /* no write between 20 s and 25 s */
    sample(rc, 4000, 45000);
    assert_int_equal(ec_revclock_count(rc), 4);
    expect(rc, 1000, 10000, EC_REVCLOCK_SAMPLE);
    expect(rc, 1500, 15000, EC_REVCLOCK_INTERPOLATED);
    expect(rc, 1001, 10010, EC_REVCLOCK_INTERPOLATED);
    /* Revision 2000 was current by 20 s: the first sample at it. */
    expect(rc, 2000, 20000, EC_REVCLOCK_SAMPLE);
    /* After 2000 the writes come after 25 s: 25000 + 20000 * 1/2000. */
    expect(rc, 2001, 25010, EC_REVCLOCK_INTERPOLATED);
    expect(rc, 3000, 35000, EC_REVCLOCK_INTERPOLATED);
    expect(rc, 3999, 44990, EC_REVCLOCK_INTERPOLATED);
    expect(rc, 4000, 45000, EC_REVCLOCK_SAMPLE);
    /* Observed rate: 3000 revisions in 35000 ms. Before the first sample:
     * 10000 - 500 * 35000 / 3000 = 10000 - 5833.3 -> 4167. */
    expect(rc, 500, 4167, EC_REVCLOCK_EXTRAPOLATED);
    expect(rc, 400, 3000, EC_REVCLOCK_EXTRAPOLATED);
    expect(rc, 0, -1667, EC_REVCLOCK_EXTRAPOLATED);  /* -1666.7: before time 0 is fine */
    /* After the last: 45000 + 600 * 35000 / 3000 = 52000. */
    expect(rc, 4600, 52000, EC_REVCLOCK_EXTRAPOLATED);
    expect(rc, 4001, 45012, EC_REVCLOCK_EXTRAPOLATED);   /* 11.67 -> 12 */
    assert_true(ec_revclock_rate(rc) == 3000.0 * 1000.0 / 35000.0);
    expect_fail(rc, -1, "cannot estimate the time of revision -1: negative");
    ec_revclock_free(rc);
}

static void test_one_sample_assumed_span(void **state)
{
    (void)state;
    ec_revclock *rc = mk(0);
    sample(rc, 10000, 1000000);
    expect(rc, 10000, 1000000, EC_REVCLOCK_SAMPLE);
    expect_fail(rc, 9000, "cannot estimate the time of revision 9000: revision rate unknown");
    assert_true(ec_revclock_rate(rc) == 0);
    /* Replaying 6000..10000, assumed to have taken the last minute: the
     * range is spread evenly over 940000..1000000. */
    ec_revclock_assume(rc, 6000, 60000);
    expect(rc, 6000, 940000, EC_REVCLOCK_ASSUMED);
    expect(rc, 8000, 970000, EC_REVCLOCK_ASSUMED);
    expect(rc, 9999, 999985, EC_REVCLOCK_ASSUMED);
    expect(rc, 10000, 1000000, EC_REVCLOCK_SAMPLE);
    expect(rc, 10400, 1006000, EC_REVCLOCK_ASSUMED);  /* same rate forward */
    expect(rc, 2000, 880000, EC_REVCLOCK_ASSUMED);    /* and further back */

    /* An assumption that says nothing is ignored. */
    ec_revclock_assume(rc, 10000, 60000);
    expect_fail(rc, 9000, "cannot estimate the time of revision 9000: revision rate unknown");
    ec_revclock_assume(rc, 6000, 0);
    expect_fail(rc, 9000, "cannot estimate the time of revision 9000: revision rate unknown");

    /* Once a rate is observed it wins over the assumption. */
    ec_revclock_assume(rc, 6000, 60000);
    sample(rc, 10100, 1010000);     /* 100 revisions in 10 s */
    expect(rc, 9000, 900000, EC_REVCLOCK_EXTRAPOLATED);   /* 1 revision per 100 ms */
    expect(rc, 10050, 1005000, EC_REVCLOCK_INTERPOLATED);

    ec_revclock_reset(rc);
    assert_int_equal(ec_revclock_count(rc), 0);
    expect_fail(rc, 9000, "cannot estimate the time of revision 9000: no clock sample");
    ec_revclock_free(rc);
}

static void test_idle_cluster(void **state)
{
    (void)state;
    ec_revclock *rc = mk(0);
    /* No write for a long while: many samples at one revision keep only
     * the first and the last. */
    sample(rc, 500, 1000);
    for (int i = 1; i <= 10; i++)
        sample(rc, 500, 1000 + i * 1000);
    assert_int_equal(ec_revclock_count(rc), 2);
    expect(rc, 500, 1000, EC_REVCLOCK_SAMPLE);
    expect_fail(rc, 400, "cannot estimate the time of revision 400: revision rate unknown");
    ec_revclock_assume(rc, 100, 4000);   /* 400 revisions in 4 s */
    expect(rc, 300, -1000, EC_REVCLOCK_ASSUMED);   /* 1000 - 200 * 10 */
    /* A write after the idle run happened after its last sample (11 s). */
    expect(rc, 600, 12000, EC_REVCLOCK_ASSUMED);
    sample(rc, 700, 13000);
    assert_int_equal(ec_revclock_count(rc), 3);
    /* Between the end of the run (500 @ 11 s) and 700 @ 13 s. */
    expect(rc, 600, 12000, EC_REVCLOCK_INTERPOLATED);
    expect(rc, 501, 11010, EC_REVCLOCK_INTERPOLATED);
    /* Observed rate 200 revisions in 12 s: 13000 + 30 * 12000 / 200. */
    expect(rc, 730, 14800, EC_REVCLOCK_EXTRAPOLATED);
    ec_revclock_free(rc);
}

static void test_rejected_samples(void **state)
{
    (void)state;
    ec_revclock *rc = mk(0);
    ec_err err = {0};
    sample(rc, 100, 5000);
    assert_int_equal(ec_revclock_add(rc, 99, 6000, &err), -1);
    assert_int_equal(err.code, EC_E_INVALID);
    assert_string_equal(err.msg, "cannot record revision 99: below last sample 100");
    assert_int_equal(ec_revclock_add(rc, 101, 4999, &err), -1);
    assert_string_equal(err.msg, "cannot record revision 101: time 4999 ms before last sample 5000 ms");
    assert_int_equal(ec_revclock_add(rc, -1, 6000, &err), -1);
    assert_string_equal(err.msg, "cannot record revision -1: negative");
    assert_int_equal(ec_revclock_add(rc, 200, INT64_MAX, &err), -1);
    assert_int_equal(ec_revclock_count(rc), 1);
    sample(rc, 100, 5000);          /* same revision, same time: fine */
    ec_revclock_free(rc);

    ec_revclock *bad = NULL;
    assert_int_equal(ec_revclock_new(3, &bad, &err), -1);
    assert_null(bad);
    assert_string_equal(err.msg, "cannot create revision clock: 3 samples out of range");
}

static void test_thinning_keeps_bounds(void **state)
{
    (void)state;
    ec_revclock *rc = mk(8);
    /* A steady 7 revisions per 100 ms: any surviving samples give exact
     * answers, so thinning must not change them. */
    for (int i = 0; i < 50; i++)
        sample(rc, 1000 + 7 * i, 50000 + 100 * i);
    assert_true(ec_revclock_count(rc) <= 8);
    assert_true(ec_revclock_count(rc) >= 4);
    expect(rc, 1000, 50000, EC_REVCLOCK_SAMPLE);          /* the first is kept */
    expect(rc, 1000 + 7 * 49, 54900, EC_REVCLOCK_SAMPLE); /* the last too */
    expect(rc, 1000 + 7 * 48, 54800, EC_REVCLOCK_SAMPLE); /* recent ones whole */
    expect(rc, 1000 + 7 * 10, 51000, EC_REVCLOCK_INTERPOLATED);
    expect(rc, 1000 + 7 * 60, 56000, EC_REVCLOCK_EXTRAPOLATED);
    expect(rc, 1000 - 7 * 10, 49000, EC_REVCLOCK_EXTRAPOLATED);
    ec_revclock_free(rc);
}

static void test_large_values(void **state)
{
    (void)state;
    ec_revclock *rc = mk(0);
    const int64_t r0 = (int64_t)1 << 61, t0 = (int64_t)1 << 50;
    sample(rc, r0, t0);
    sample(rc, r0 + 3000000000ll, t0 + 3000000000ll);   /* 1 revision per ms */
    expect(rc, r0 + 1500000000ll, t0 + 1500000000ll, EC_REVCLOCK_INTERPOLATED);
    expect(rc, r0 - 1000000000000ll, t0 - 1000000000000ll, EC_REVCLOCK_EXTRAPOLATED);
    expect(rc, INT64_MAX, t0 + (INT64_MAX - r0), EC_REVCLOCK_EXTRAPOLATED);
    expect(rc, 0, t0 - r0, EC_REVCLOCK_EXTRAPOLATED);
    ec_revclock_free(rc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_interpolate_extrapolate),
        cmocka_unit_test(test_one_sample_assumed_span),
        cmocka_unit_test(test_idle_cluster),
        cmocka_unit_test(test_rejected_samples),
        cmocka_unit_test(test_thinning_keeps_bounds),
        cmocka_unit_test(test_large_values),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
