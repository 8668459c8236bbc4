/* The keys-only ranking by version (sums, newest mod_revision, the key
 * fallback for groupings that need values, bounds past K groups) and the
 * sparkline characters. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui/top/spark.h"
#include "tui/top/versions.h"

static ec_kv kv(const char *key, int64_t version, int64_t mod, int64_t lease)
{
    ec_kv k = {(const uint8_t *)key, strlen(key), NULL, 0, 1, mod, version, lease};
    return k;
}

static bg_top_vrank *mk(bg_top_grouping g, uint32_t cap)
{
    bg_top_versions_config cfg = {.grouping = g, .group = {.depth = 3}, .capacity = cap, .seed = 5};
    bg_top_vrank *v = NULL;
    assert_int_equal(bg_top_vrank_new(&cfg, &v, NULL), 0);
    return v;
}

static void test_prefix_sums(void **state)
{
    (void)state;
    bg_top_vrank *v = mk(BG_TOP_BY_PREFIX, 0);
    char key[64];
    for (int i = 0; i < 200; i++) {
        snprintf(key, sizeof key, "/registry/pods/kube-system/node-agent-%05d", i);
        ec_kv k = kv(key, 25 + i % 2, 1000 + i, 0);
        bg_top_vrank_add(v, &k);
    }
    for (int i = 0; i < 300; i++) {
        snprintf(key, sizeof key, "/registry/pods/ns-00/pod-%d", i);
        ec_kv k = kv(key, 1, 9, 0);
        bg_top_vrank_add(v, &k);
    }
    ec_kv lease = kv("/registry/leases/kube-node-lease/node-000", 4000, 1500, 0);
    bg_top_vrank_add(v, &lease);
    ec_rates_top *t;
    assert_int_equal(bg_top_vrank_top(v, 10, &t, NULL), 0);
    assert_int_equal(t->n, 3);
    assert_memory_equal(t->rows[0].key, "/registry/pods/kube-system/", t->rows[0].key_len);
    assert_int_equal(t->rows[0].bytes, 200 * 25 + 100);   /* summed versions */
    assert_int_equal(t->rows[0].writes, 200);             /* keys */
    assert_int_equal(t->rows[0].last_revision, 1199);     /* newest mod_revision */
    assert_memory_equal(t->rows[1].key, "/registry/leases/kube-node-lease/", t->rows[1].key_len);
    assert_int_equal(t->rows[1].bytes, 4000);
    assert_int_equal(t->rows[2].bytes, 300);
    assert_int_equal(t->rows[2].writes, 300);
    assert_true(t->totals.exact);
    ec_rates_top_free(t);
    bg_top_vrank_free(v);
}

static void test_value_groupings_fall_back_to_key(void **state)
{
    (void)state;
    bg_top_vrank *v = mk(BG_TOP_BY_OWNER, 0);
    ec_kv a = kv("/registry/pods/x/a", 7, 10, 0), b = kv("/registry/pods/x/b", 9, 11, 0);
    bg_top_vrank_add(v, &a);
    bg_top_vrank_add(v, &b);
    ec_rates_top *t;
    assert_int_equal(bg_top_vrank_top(v, 10, &t, NULL), 0);
    assert_int_equal(t->n, 2);
    assert_memory_equal(t->rows[0].key, "/registry/pods/x/b", t->rows[0].key_len);
    assert_int_equal(t->rows[0].bytes, 9);
    ec_rates_top_free(t);
    bg_top_vrank_free(v);
    /* Lease needs no value: keys-only has it. */
    v = mk(BG_TOP_BY_LEASE, 0);
    ec_kv c = kv("/a", 3, 1, 0x1f), d = kv("/b", 4, 2, 0x1f), e = kv("/c", 5, 3, 0);
    bg_top_vrank_add(v, &c);
    bg_top_vrank_add(v, &d);
    bg_top_vrank_add(v, &e);
    assert_int_equal(bg_top_vrank_top(v, 10, &t, NULL), 0);
    assert_int_equal(t->n, 2);
    assert_memory_equal(t->rows[0].key, "000000000000001f", 16);
    assert_int_equal(t->rows[0].bytes, 7);
    assert_int_equal(t->rows[0].writes, 2);
    ec_rates_top_free(t);
    bg_top_vrank_free(v);
}

static void test_bounds_past_capacity(void **state)
{
    (void)state;
    /* 16 counters, 5000 keys of version 1 and one hot key of version 10000:
     * the hot key is ranked first with its exact sum (it came first). */
    bg_top_vrank *v = mk(BG_TOP_BY_KEY, 16);
    ec_kv hot = kv("/hot", 10000, 5, 0);
    bg_top_vrank_add(v, &hot);
    char key[32];
    for (int i = 0; i < 5000; i++) {
        snprintf(key, sizeof key, "/cold/%d", i);
        ec_kv k = kv(key, 1, 6 + i, 0);
        bg_top_vrank_add(v, &k);
    }
    ec_rates_top *t;
    assert_int_equal(bg_top_vrank_top(v, 3, &t, NULL), 0);
    assert_false(t->totals.exact);
    assert_int_equal(t->rows[0].key_len, 4);
    assert_memory_equal(t->rows[0].key, "/hot", 4);
    assert_int_equal(t->rows[0].count, 10000);
    assert_int_equal(t->rows[0].error, 0);
    /* Every other row may overstate by its error, at most N/K. */
    for (size_t i = 1; i < t->n; i++)
        assert_true(t->rows[i].error <= (10000 + 5000) / 16);
    ec_rates_top_free(t);
    bg_top_vrank_free(v);
}

static void test_spark(void **state)
{
    (void)state;
    uint32_t v[9] = {0, 1, 2, 3, 4, 5, 6, 7, 8};
    char out[BG_TOP_SPARK_BUF(9)];
    size_t n = bg_top_spark(v, 9, 0, out, sizeof out);
    assert_string_equal(out, " \xe2\x96\x81\xe2\x96\x82\xe2\x96\x83\xe2\x96\x84\xe2\x96\x85\xe2\x96\x86"
                             "\xe2\x96\x87\xe2\x96\x88");
    assert_int_equal(n, 1 + 8 * 3);
    /* The smallest non-zero value still shows; an explicit scale caps. */
    uint32_t w[3] = {1, 1000, 5000};
    n = bg_top_spark(w, 3, 1000, out, sizeof out);
    assert_string_equal(out, "\xe2\x96\x81\xe2\x96\x88\xe2\x96\x88");
    uint32_t z[2] = {0, 0};
    assert_int_equal(bg_top_spark(z, 2, 0, out, sizeof out), 2);
    assert_string_equal(out, "  ");
    /* Too small a buffer: nothing written. */
    assert_int_equal(bg_top_spark(v, 9, 0, out, 10), 0);
}

static void test_spark_fold(void **state)
{
    (void)state;
    uint32_t v[60], out[60];
    for (int i = 0; i < 60; i++)
        v[i] = (uint32_t)i;
    assert_int_equal(bg_top_spark_fold(v, 60, 60, out), 60);
    assert_int_equal(out[59], 59);
    assert_int_equal(bg_top_spark_fold(v, 60, 30, out), 30);
    assert_int_equal(out[0], 0 + 1);
    assert_int_equal(out[29], 58 + 59);
    assert_int_equal(bg_top_spark_fold(v, 60, 25, out), 20);   /* runs of 3 */
    assert_int_equal(out[19], 57 + 58 + 59);
    assert_int_equal(bg_top_spark_fold(v, 60, 0, out), 1);
    assert_int_equal(out[0], 59 * 60 / 2);
    uint32_t big[2] = {UINT32_MAX, 5};
    assert_int_equal(bg_top_spark_fold(big, 2, 1, out), 1);
    assert_int_equal(out[0], UINT32_MAX);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_prefix_sums),
        cmocka_unit_test(test_value_groupings_fall_back_to_key),
        cmocka_unit_test(test_bounds_past_capacity),
        cmocka_unit_test(test_spark),
        cmocka_unit_test(test_spark_fold),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
