/* A million distinct keys through the feed: the owner grouping collapses a
 * million lukewarm pods into their 1001 owners with exact counts (fewer
 * groups than counters), while the exact-key engine beside it stays within
 * its K counters and states its error bound. Not timed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/tools/fake_k8s.h"
#include "tui/top/feed.h"

#define N_KEYS 1000000
#define N_RS 1000
#define BATCH 1000
#define T0 1700000000000LL

static void test_million_pods_collapse_by_owner(void **state)
{
    (void)state;
    /* One value per owner: what grouping reads is the ownerReference; the
     * keys are all distinct. Every tenth pod belongs to the DaemonSet. */
    ec_buf *vals = calloc(N_RS + 1, sizeof *vals);
    assert_non_null(vals);
    char name[64], uid[37];
    for (int i = 0; i <= N_RS; i++) {
        fake_owner o = {"apps/v1", i < N_RS ? "ReplicaSet" : "DaemonSet", name, "u"};
        if (i < N_RS)
            snprintf(name, sizeof name, "rs-%04d", i);
        else
            snprintf(name, sizeof name, "node-agent");
        fake_uid(uid, name);
        fake_obj p = {"v1", "Pod", "pod", i < N_RS ? "apps" : "kube-system", uid, NULL, &o, "kubelet", 1, 20, 1};
        ec_buf_init(&vals[i], 0);
        fake_k8s_encode(&vals[i], &p);
    }
    bg_top_feed_config cfg = {.groupings = BG_TOP_GROUPING_BIT(BG_TOP_BY_OWNER) | BG_TOP_GROUPING_BIT(BG_TOP_BY_KEY),
                              .seed = 99};
    bg_top_feed *f;
    assert_int_equal(bg_top_feed_new(&cfg, &f, NULL), 0);
    assert_int_equal(bg_top_feed_sample(f, 1, T0, NULL), 0);
    bg_top_feed_history(f, 0, 2, 2, 1, 0);   /* live only */
    ec_event *ev = calloc(BATCH, sizeof *ev);
    char (*keys)[64] = calloc(BATCH, sizeof *keys);
    assert_non_null(ev);
    assert_non_null(keys);
    uint64_t want_ds = 0, want_rs0 = 0;
    for (int64_t i = 0; i < N_KEYS; i += BATCH) {
        for (int j = 0; j < BATCH; j++) {
            int64_t k = i + j;
            int owner = k % 10 == 0 ? N_RS : (int)((k / 10) % N_RS);
            want_ds += owner == N_RS;
            want_rs0 += owner == 0;
            snprintf(keys[j], sizeof keys[j], "/registry/pods/%s/pod-%07lld", owner == N_RS ? "kube-system" : "apps",
                     (long long)k);
            memset(&ev[j], 0, sizeof ev[j]);
            ev[j].kv.key = (const uint8_t *)keys[j];
            ev[j].kv.key_len = strlen(keys[j]);
            ev[j].kv.value = (const uint8_t *)vals[owner].data;
            ev[j].kv.value_len = vals[owner].len;
            ev[j].kv.mod_revision = 2 + k;
        }
        /* A thousand writes a second for a thousand seconds. */
        assert_int_equal(bg_top_feed_events(f, ev, BATCH, 2 + i + BATCH, T0 + i), BATCH);
    }
    bg_top_info in;
    bg_top_feed_info(f, &in);
    assert_int_equal(in.live_events, N_KEYS);
    assert_int_equal(want_ds, N_KEYS / 10);

    /* Owner: 1001 groups under 4096 counters, so every count is exact. */
    const ec_rates *own = bg_top_feed_engine(f, BG_TOP_BY_OWNER);
    ec_rates_totals t;
    int64_t now = T0 + N_KEYS;
    ec_rates_get_totals(own, now, &t);
    assert_true(t.exact);
    assert_int_equal(t.distinct, N_RS + 1);
    assert_int_equal(t.events, N_KEYS);
    ec_rates_top *top;
    assert_int_equal(ec_rates_top_get(own, EC_RATES_5M, EC_RATES_WRITES, now, 2000, &top, NULL), 0);
    assert_int_equal(top->n, N_RS + 1);
    assert_memory_equal(top->rows[0].key, "DaemonSet/kube-system/node-agent", top->rows[0].key_len);
    assert_int_equal(top->rows[0].count, want_ds);
    assert_int_equal(top->rows[0].error, 0);
    /* Every ReplicaSet: 900,000 / 1000 writes each, all exact. */
    uint64_t sum = 0;
    for (size_t i = 1; i < top->n; i++) {
        assert_int_equal(top->rows[i].count, (N_KEYS - want_ds) / N_RS);
        assert_int_equal(top->rows[i].error, 0);
        assert_int_equal(top->rows[i].key_len, strlen("ReplicaSet/apps/rs-0000"));
        sum += top->rows[i].count;
    }
    assert_int_equal(sum + top->rows[0].count, N_KEYS);
    ec_rates_top_free(top);
    ec_rates_top *one;
    assert_int_equal(ec_rates_find(own, (const uint8_t *)"ReplicaSet/apps/rs-0000", 23, EC_RATES_5M, now, &one, NULL),
                     0);
    assert_int_equal(one->n, 1);
    assert_int_equal(one->rows[0].count, want_rs0);
    ec_rates_top_free(one);

    /* Exact keys: a million groups, K counters, counts are bounds. */
    const ec_rates *key = bg_top_feed_engine(f, BG_TOP_BY_KEY);
    ec_rates_get_totals(key, now, &t);
    assert_false(t.exact);
    assert_int_equal(t.tracked, EC_RATES_DEFAULT_CAPACITY);
    assert_int_equal(t.events, N_KEYS);
    assert_true(t.min_count <= N_KEYS / EC_RATES_DEFAULT_CAPACITY);
    assert_true(t.distinct > N_KEYS * 98 / 100 && t.distinct < N_KEYS * 102 / 100);

    for (int i = 0; i <= N_RS; i++)
        ec_buf_free(&vals[i]);
    free(vals);
    free(ev);
    free(keys);
    bg_top_feed_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_million_pods_collapse_by_owner),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
