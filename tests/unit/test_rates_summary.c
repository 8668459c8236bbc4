/* Space-Saving in the write-rate engine, checked against exact reference
 * counts kept by the test: exactness while groups fit, the error bounds and
 * the N/K guarantee once evicting, the heavy hitter among a million distinct
 * keys with memory staying at K counters.
 * RATES_TEST_N sets the number of distinct keys of the big test (default
 * 1000000; use e.g. 200000 under valgrind). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <inttypes.h>

#include "etcdclient/rates/rates.h"

#define B 1700000000000ll   /* a base time in ms */

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rnd(void)
{
    /* xorshift64* */
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545f4914f6cdd1dull;
}

static double rnd01(void)
{
    return (double)(rnd() >> 11) / 9007199254740992.0;
}

/* Zipf-like (density ~ 1/x) id in 0..d-1. */
static uint32_t zipf(uint32_t d)
{
    uint32_t x = (uint32_t)floor(pow((double)d, rnd01())) - 1;
    return x < d ? x : d - 1;
}

static size_t key_of(uint32_t id, char *buf)
{
    return (size_t)snprintf(buf, 32, "k%07u", id);
}

static uint32_t id_of(const ec_rates_row *row)
{
    char buf[16] = {0};
    assert_int_equal(row->key_len, 8);
    memcpy(buf, row->key + 1, 7);
    return (uint32_t)strtoul(buf, NULL, 10);
}

static ec_rates *mk(uint32_t cap, ec_rates_metric weight)
{
    ec_rates_config cfg = { .capacity = cap, .weight = weight, .seed = 1234 };
    ec_rates *r = NULL;
    assert_int_equal(ec_rates_new(&cfg, &r, NULL), 0);
    return r;
}

static void add(ec_rates *r, const char *key, size_t len, uint64_t size, int64_t ms, int64_t rev)
{
    ec_rates_event ev = { .key = (const uint8_t *)key, .key_len = len, .value_size = size,
                          .time_ms = ms, .revision = rev };
    assert_int_equal(ec_rates_add(r, &ev, NULL), 0);
}

static void test_exact_while_fitting(void **state)
{
    (void)state;
    enum { K = 64 };
    ec_rates *r = mk(K, EC_RATES_WRITES);
    /* id i is written i+1 times, in a shuffled order */
    uint32_t order[K * (K + 1) / 2], n = 0;
    for (uint32_t i = 0; i < K; i++)
        for (uint32_t j = 0; j <= i; j++)
            order[n++] = i;
    for (uint32_t i = n - 1; i > 0; i--) {
        uint32_t j = (uint32_t)(rnd() % (i + 1)), t = order[i];
        order[i] = order[j];
        order[j] = t;
    }
    char key[32];
    for (uint32_t i = 0; i < n; i++)
        add(r, key, key_of(order[i], key), 3, B + i, i + 1);

    ec_rates_top *t = NULL;
    assert_int_equal(ec_rates_top_get(r, EC_RATES_10S, EC_RATES_WRITES, B + n, K, &t, NULL), 0);
    assert_int_equal(t->n, K);
    for (uint32_t i = 0; i < K; i++) {
        const ec_rates_row *row = &t->rows[i];
        uint32_t id = id_of(row);
        assert_int_equal(id, K - 1 - i);          /* by count, descending */
        assert_int_equal(row->count, id + 1);
        assert_int_equal(row->error, 0);
        assert_int_equal(row->writes, id + 1);
        assert_int_equal(row->bytes, 3 * (id + 1));
        assert_int_equal(row->writes_total, id + 1);
    }
    assert_true(t->totals.exact);
    assert_true(t->totals.distinct_exact);
    assert_int_equal(t->totals.distinct, K);
    assert_int_equal(t->totals.tracked, K);
    assert_int_equal(t->totals.evictions, 0);
    assert_int_equal(t->totals.min_count, 1);
    assert_int_equal(t->totals.weight, n);
    ec_rates_top_free(t);
    ec_rates_free(r);
}

/* One run: D ids, N writes, Zipf-like with a uniform part, spread over
 * `span_ms`; checks every tracked group and every untracked id. */
static void check_bounds(ec_rates_metric weight, uint32_t K, uint32_t D, uint32_t N,
                         int64_t span_ms)
{
    ec_rates *r = mk(K, weight);
    uint64_t *truth = calloc(D, sizeof *truth);      /* in weight units */
    uint64_t *in60 = calloc(D, sizeof *in60);        /* writes in the 60 s window */
    uint64_t *in5m = calloc(D, sizeof *in5m);
    uint32_t *ids = malloc(N * sizeof *ids);
    uint64_t *sizes = malloc(N * sizeof *sizes);
    assert_true(truth && in60 && in5m && ids && sizes);
    uint64_t total = 0;
    char key[32];
    int64_t end = B + span_ms;
    int64_t now_sec = end / 1000;
    for (uint32_t i = 0; i < N; i++) {
        ids[i] = rnd() % 4 == 0 ? (uint32_t)(rnd() % D) : zipf(D);
        sizes[i] = 1 + rnd() % 1000;
        int64_t ms = B + (int64_t)((double)span_ms * i / N);
        add(r, key, key_of(ids[i], key), sizes[i], ms, i + 1);
        uint64_t w = weight == EC_RATES_BYTES ? sizes[i] : 1;
        truth[ids[i]] += w;
        total += w;
        int64_t sec = ms / 1000;
        if (sec > now_sec - 60)
            in60[ids[i]] += w;
        if (sec / 10 > now_sec / 10 - 30)
            in5m[ids[i]] += w;
    }

    ec_rates_top *t = NULL;
    assert_int_equal(ec_rates_top_get(r, EC_RATES_5M, EC_RATES_WRITES, end, K, &t, NULL), 0);
    ec_rates_totals *tt = &t->totals;
    assert_int_equal(tt->tracked, K);
    assert_int_equal(tt->weight, total);
    assert_false(tt->exact);
    assert_true(tt->evictions > 0);
    ec_rates_top *t60 = NULL;
    assert_int_equal(ec_rates_top_get(r, EC_RATES_60S, EC_RATES_WRITES, end, K, &t60, NULL), 0);

    bool *tracked = calloc(D, sizeof *tracked);
    assert_non_null(tracked);
    uint64_t sum = 0;
    for (size_t i = 0; i < t->n; i++) {
        const ec_rates_row *row = &t->rows[i];
        uint32_t id = id_of(row);
        tracked[id] = true;
        sum += row->count;
        /* count - error <= true <= count */
        assert_true(row->count >= truth[id]);
        assert_true(row->count - row->error <= truth[id]);
        uint64_t seen = weight == EC_RATES_BYTES ? row->bytes_total : row->writes_total;
        assert_int_equal(seen, row->count - row->error);
        /* what the window shows misses at most the error bound */
        uint64_t win = weight == EC_RATES_BYTES ? row->bytes : row->writes;
        assert_true(win <= in5m[id] && in5m[id] <= win + row->error);
    }
    for (size_t i = 0; i < t60->n; i++) {
        const ec_rates_row *row = &t60->rows[i];
        uint32_t id = id_of(row);
        uint64_t win = weight == EC_RATES_BYTES ? row->bytes : row->writes;
        assert_true(win <= in60[id] && in60[id] <= win + row->error);
    }
    /* Every tracked group wrote within the 5 min window here, so all K show. */
    assert_int_equal(t->n, K);
    /* The counters share out exactly the stream's weight. */
    assert_int_equal(sum, total);

    uint32_t best = 0, guaranteed = 0;
    for (uint32_t id = 0; id < D; id++) {
        if (truth[id] > truth[best])
            best = id;
        if (truth[id] * K > total) {       /* true > N/K: must be tracked */
            assert_true(tracked[id]);
            guaranteed++;
        }
        if (!tracked[id])
            assert_true(truth[id] <= tt->min_count);
    }
    assert_true(guaranteed > 0);   /* the check above did check something */
    print_message("K=%u D=%u N=%u: %u groups above N/K, all tracked; %" PRIu64 " evictions\n",
                  K, D, N, guaranteed, tt->evictions);
    /* The true heavy hitter ranks first by the metric the summary counts. */
    ec_rates_top *tb = NULL;
    assert_int_equal(ec_rates_top_get(r, EC_RATES_5M, weight, end, 1, &tb, NULL), 0);
    assert_int_equal(id_of(&tb->rows[0]), best);
    ec_rates_top_free(tb);

    free(tracked);
    ec_rates_top_free(t);
    ec_rates_top_free(t60);
    free(truth);
    free(in60);
    free(in5m);
    free(ids);
    free(sizes);
    ec_rates_free(r);
}

static void test_bounds_writes(void **state)
{
    (void)state;
    check_bounds(EC_RATES_WRITES, 100, 5000, 200000, 240000);
}

static void test_bounds_writes_small_k(void **state)
{
    (void)state;
    check_bounds(EC_RATES_WRITES, 50, 100000, 100000, 100000);
}

static void test_bounds_bytes(void **state)
{
    (void)state;
    check_bounds(EC_RATES_BYTES, 100, 5000, 200000, 240000);
}

static uint32_t test_n(void)
{
    const char *s = getenv("RATES_TEST_N");
    unsigned long n = s ? strtoul(s, NULL, 10) : 0;
    return n >= 20000 && n <= 50000000 ? (uint32_t)n : 1000000;
}

/* A million distinct keys written once each, and one runaway group writing
 * every tenth write from the start. */
static void test_million_distinct_heavy_hitter(void **state)
{
    (void)state;
    const uint32_t D = test_n();
    const uint32_t K = EC_RATES_DEFAULT_CAPACITY;
    ec_rates_config cfg = { .seed = 99 };     /* default capacity and key cap */
    ec_rates *r = NULL;
    assert_int_equal(ec_rates_new(&cfg, &r, NULL), 0);
    const char hh[] = "/registry/leases/kube-node-lease/runaway";
    uint64_t hh_true = 0, hh_10s = 0, events = 0;
    char key[64];
    size_t mem_full = 0;
    int64_t ms = B, rev = 1;
    int64_t end = B + (int64_t)(D + D / 9 + 10) / 10;   /* 10 writes per ms */
    for (uint32_t i = 0; i < D; i++) {
        if (i % 9 == 0) {
            add(r, hh, sizeof hh - 1, 100, ms, rev++);
            hh_true++;
            events++;
            if (ms / 1000 > end / 1000 - 10)
                hh_10s++;
        }
        int n = snprintf(key, sizeof key, "/registry/events/ns-%03u/ev-%07u", i % 1000, i);
        add(r, key, (size_t)n, 500, ms, rev++);
        events++;
        if (events % 10 == 0)
            ms++;
        if (i == K) {
            ec_rates_totals tt;
            ec_rates_get_totals(r, ms, &tt);
            assert_int_equal(tt.tracked, K);
            mem_full = tt.mem_bytes;
        }
    }
    assert_true(ms <= end);
    ec_rates_top *t = NULL;
    assert_int_equal(ec_rates_top_get(r, EC_RATES_10S, EC_RATES_WRITES, end, 5, &t, NULL), 0);
    assert_int_equal(t->n, 5);
    const ec_rates_row *top = &t->rows[0];
    assert_int_equal(top->key_len, sizeof hh - 1);
    assert_memory_equal(top->key, hh, sizeof hh - 1);
    /* Never evicted: error 0 (a re-admitted group inherits a count >= 1),
     * and every one of its writes counted. */
    assert_int_equal(top->error, 0);
    assert_int_equal(top->count, hh_true);
    assert_int_equal(top->writes_total, hh_true);
    assert_int_equal(top->bytes_total, hh_true * 100);
    assert_int_equal(top->writes, hh_10s);
    assert_int_equal(top->first_ms, B);

    ec_rates_totals *tt = &t->totals;
    assert_int_equal(tt->events, events);
    assert_int_equal(tt->tracked, K);
    assert_int_equal(tt->capacity, K);
    /* The runaway took one counter early; every other key came once, so
     * each one after the first K-1 evicted exactly one group. */
    assert_int_equal(tt->evictions, D - (K - 1));
    /* Memory: K counters, nothing per distinct group. */
    assert_int_equal(tt->mem_bytes, mem_full);
    assert_false(tt->distinct_exact);
    double rel = fabs((double)tt->distinct - (D + 1.0)) / (D + 1.0);
    assert_true(rel < 0.03);
    ec_rates_top_free(t);
    ec_rates_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_exact_while_fitting),
        cmocka_unit_test(test_bounds_writes),
        cmocka_unit_test(test_bounds_writes_small_k),
        cmocka_unit_test(test_bounds_bytes),
        cmocka_unit_test(test_million_distinct_heavy_hitter),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
