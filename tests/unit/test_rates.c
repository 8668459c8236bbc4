/* The write-rate engine: windows, sliding, sparklines, time going back,
 * ranking, keys, totals. Space-Saving bounds are in test_rates_summary.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "etcdclient/rates/rates.h"

#define B 1700000000ll          /* a base second, multiple of 10 */
#define MS(off) ((B + (off)) * 1000 + 500)   /* mid-second, off seconds after B */

static ec_rates *mk(uint32_t cap, ec_rates_metric weight)
{
    ec_rates_config cfg = { .capacity = cap, .weight = weight, .seed = 42 };
    ec_rates *r = NULL;
    ec_err err = {0};
    assert_int_equal(ec_rates_new(&cfg, &r, &err), 0);
    assert_non_null(r);
    return r;
}

static void addn(ec_rates *r, const char *key, int n, uint64_t size, int64_t ms, int64_t rev,
                 unsigned flags)
{
    for (int i = 0; i < n; i++) {
        ec_rates_event ev = { .key = (const uint8_t *)key, .key_len = strlen(key),
                              .value_size = size, .time_ms = ms, .revision = rev + i,
                              .flags = flags };
        assert_int_equal(ec_rates_add(r, &ev, NULL), 0);
    }
}

static ec_rates_top *top(const ec_rates *r, ec_rates_window w, ec_rates_metric by, int64_t now,
                         size_t n)
{
    ec_rates_top *t = NULL;
    ec_err err = {0};
    assert_int_equal(ec_rates_top_get(r, w, by, now, n, &t, &err), 0);
    assert_non_null(t);
    return t;
}

static const ec_rates_row *row_of(const ec_rates_top *t, const char *key)
{
    for (size_t i = 0; i < t->n; i++)
        if (t->rows[i].key_len == strlen(key) && memcmp(t->rows[i].key, key, t->rows[i].key_len) == 0)
            return &t->rows[i];
    return NULL;
}

/* Writes and bytes of one group in one window at one time, both from the
 * ranking and from ec_rates_find, which must agree. */
static void expect_win(const ec_rates *r, const char *key, ec_rates_window w, int64_t now,
                       uint64_t writes, uint64_t bytes)
{
    ec_rates_top *t = NULL;
    assert_int_equal(ec_rates_find(r, (const uint8_t *)key, strlen(key), w, now, &t, NULL), 0);
    assert_int_equal(t->n, 1);
    assert_int_equal(t->rows[0].writes, writes);
    assert_int_equal(t->rows[0].bytes, bytes);
    ec_rates_top_free(t);
    t = top(r, w, EC_RATES_WRITES, now, 100);
    const ec_rates_row *row = row_of(t, key);
    if (writes == 0) {
        assert_null(row);
    } else {
        assert_non_null(row);
        assert_int_equal(row->writes, writes);
        assert_int_equal(row->bytes, bytes);
        assert_true(row->writes_per_s == (double)writes / ec_rates_window_seconds(w));
        assert_true(row->bytes_per_s == (double)bytes / ec_rates_window_seconds(w));
    }
    ec_rates_top_free(t);
}

static void expect_total(const ec_rates *r, ec_rates_window w, int64_t now, uint64_t writes,
                         uint64_t bytes)
{
    ec_rates_totals t;
    ec_rates_get_totals(r, now, &t);
    assert_int_equal(t.writes[w], writes);
    assert_int_equal(t.bytes[w], bytes);
}

static void test_windows_exact_and_sliding(void **state)
{
    (void)state;
    ec_rates *r = mk(16, EC_RATES_WRITES);
    addn(r, "a", 3, 100, MS(0), 1, 0);
    addn(r, "a", 2, 10, MS(5), 10, 0);
    addn(r, "a", 1, 1, MS(30), 20, 0);
    expect_win(r, "a", EC_RATES_10S, MS(9), 5, 320);     /* seconds 0..9 */
    expect_win(r, "a", EC_RATES_10S, MS(10), 2, 20);     /* 1..10: second 0 slid out */
    expect_win(r, "a", EC_RATES_10S, MS(30), 1, 1);
    expect_win(r, "a", EC_RATES_60S, MS(30), 6, 321);
    expect_win(r, "a", EC_RATES_60S, MS(59), 6, 321);    /* 0..59 */
    expect_win(r, "a", EC_RATES_60S, MS(60), 3, 21);     /* 1..60 */
    expect_win(r, "a", EC_RATES_60S, MS(65), 1, 1);      /* 6..65 */
    expect_win(r, "a", EC_RATES_5M, MS(65), 6, 321);

    addn(r, "a", 4, 1000, MS(100), 30, 0);
    addn(r, "a", 5, 7, MS(250), 40, 0);
    addn(r, "b", 1, 50, MS(250), 50, 0);
    expect_win(r, "a", EC_RATES_10S, MS(259), 5, 35);    /* 250..259 */
    expect_win(r, "a", EC_RATES_10S, MS(260), 0, 0);
    expect_win(r, "a", EC_RATES_60S, MS(309), 5, 35);    /* 250..309 */
    expect_win(r, "a", EC_RATES_60S, MS(310), 0, 0);
    /* 5 min = the 30 ten-second periods ending with now's: at 259 that is
     * seconds -40..259, everything. */
    expect_win(r, "a", EC_RATES_5M, MS(259), 15, 4356);
    expect_win(r, "a", EC_RATES_5M, MS(299), 15, 4356);  /* 0..299 */
    expect_win(r, "a", EC_RATES_5M, MS(300), 10, 4036);  /* 10..309: 0 and 5 gone */
    expect_win(r, "a", EC_RATES_5M, MS(319), 10, 4036);  /* 20..319: 30 still in */
    expect_win(r, "a", EC_RATES_5M, MS(330), 9, 4035);   /* 40..339 */
    expect_win(r, "a", EC_RATES_5M, MS(549), 5, 35);     /* 250..549 */
    expect_win(r, "a", EC_RATES_5M, MS(550), 0, 0);      /* 260..559 */

    expect_total(r, EC_RATES_10S, MS(259), 6, 85);
    expect_total(r, EC_RATES_60S, MS(259), 6, 85);
    expect_total(r, EC_RATES_5M, MS(259), 16, 4406);
    expect_total(r, EC_RATES_5M, MS(300), 11, 4086);
    expect_total(r, EC_RATES_5M, MS(550), 0, 0);
    ec_rates_totals tt;
    ec_rates_get_totals(r, MS(259), &tt);
    assert_int_equal(tt.events, 16);
    assert_int_equal(tt.bytes_all, 4406);
    assert_int_equal(tt.late, 0);
    assert_int_equal(ec_rates_latest_ms(r), MS(250));
    ec_rates_free(r);
}

static void test_window_edges_in_ms(void **state)
{
    (void)state;
    ec_rates *r = mk(4, EC_RATES_WRITES);
    /* Buckets are whole seconds: 10.999 s and 11.000 s are different ones. */
    addn(r, "k", 1, 1, (B + 10) * 1000 + 999, 1, 0);
    addn(r, "k", 1, 2, (B + 11) * 1000, 2, 0);
    expect_win(r, "k", EC_RATES_10S, (B + 19) * 1000 + 999, 2, 3);
    expect_win(r, "k", EC_RATES_10S, (B + 20) * 1000, 1, 2);
    expect_win(r, "k", EC_RATES_10S, (B + 20) * 1000 + 999, 1, 2);
    expect_win(r, "k", EC_RATES_10S, (B + 21) * 1000, 0, 0);
    ec_rates_free(r);

    /* Negative times floor to the earlier second. */
    r = mk(4, EC_RATES_WRITES);
    addn(r, "n", 1, 5, -1, 1, 0);       /* second -1 */
    addn(r, "n", 1, 6, 0, 2, 0);        /* second 0 */
    expect_win(r, "n", EC_RATES_10S, 8999, 2, 11);   /* -1..8 */
    expect_win(r, "n", EC_RATES_10S, 9000, 1, 6);    /* 0..9 */
    ec_rates_free(r);
}

static void test_sparkline(void **state)
{
    (void)state;
    ec_rates *r = mk(8, EC_RATES_WRITES);
    addn(r, "s", 2, 10, MS(100), 1, 0);
    addn(r, "s", 5, 3, MS(150), 10, 0);
    addn(r, "s", 1, 1000, MS(158), 20, 0);
    addn(r, "s", 7, 1, MS(159), 30, 0);
    addn(r, "o", 9, 1, MS(159), 40, 0);
    ec_rates_top *t = top(r, EC_RATES_60S, EC_RATES_WRITES, MS(159), 10);
    const ec_rates_row *row = row_of(t, "s");
    assert_non_null(row);
    /* index k is second now-59+k: 100 -> 0, 150 -> 50, 158 -> 58, 159 -> 59 */
    for (int k = 0; k < EC_RATES_SPARK_LEN; k++) {
        uint32_t ew = k == 0 ? 2 : k == 50 ? 5 : k == 58 ? 1 : k == 59 ? 7 : 0;
        uint64_t eb = k == 0 ? 20 : k == 50 ? 15 : k == 58 ? 1000 : k == 59 ? 7 : 0;
        assert_int_equal(row->spark_writes[k], ew);
        assert_int_equal(row->spark_bytes[k], eb);
    }
    assert_int_equal(t->totals.spark_writes[59], 16);
    assert_int_equal(t->totals.spark_writes[58], 1);
    assert_int_equal(t->totals.spark_writes[0], 2);
    ec_rates_top_free(t);

    /* Two seconds later the line has moved left by two. */
    t = top(r, EC_RATES_60S, EC_RATES_WRITES, MS(161), 10);
    row = row_of(t, "s");
    assert_non_null(row);
    for (int k = 0; k < EC_RATES_SPARK_LEN; k++) {
        uint32_t ew = k == 48 ? 5 : k == 56 ? 1 : k == 57 ? 7 : 0;
        assert_int_equal(row->spark_writes[k], ew);
    }
    assert_int_equal(row->writes, 13);   /* 102..161: 100 slid out */
    ec_rates_top_free(t);
    ec_rates_free(r);
}

static void test_time_going_back(void **state)
{
    (void)state;
    ec_rates *r = mk(8, EC_RATES_WRITES);
    addn(r, "g", 1, 1, MS(100), 100, 0);
    addn(r, "g", 1, 2, MS(98), 101, 0);    /* 2 s back: its own bucket */
    addn(r, "g", 1, 4, MS(95), 102, 0);    /* 5 s back: in the 10 s window still */
    addn(r, "g", 1, 8, MS(41), 103, 0);    /* 59 s back: oldest second the ring holds */
    addn(r, "g", 1, 16, MS(40), 104, 0);   /* 60 s back: only the 10 s ring */
    addn(r, "g", 1, 32, MS(-190), 105, 0); /* period -19: the oldest the slow ring holds */
    addn(r, "g", 1, 64, MS(-191), 106, 0); /* period -20: too old for any window */
    expect_win(r, "g", EC_RATES_10S, MS(100), 3, 7);
    expect_win(r, "g", EC_RATES_60S, MS(100), 4, 15);
    expect_win(r, "g", EC_RATES_5M, MS(100), 6, 63);
    expect_total(r, EC_RATES_60S, MS(100), 4, 15);
    expect_total(r, EC_RATES_5M, MS(100), 6, 63);

    ec_rates_top *t = NULL;
    assert_int_equal(ec_rates_find(r, (const uint8_t *)"g", 1, EC_RATES_5M, MS(100), &t, NULL), 0);
    assert_int_equal(t->n, 1);
    assert_int_equal(t->rows[0].writes_total, 7);
    assert_int_equal(t->rows[0].bytes_total, 127);
    assert_int_equal(t->rows[0].count, 7);
    assert_int_equal(t->rows[0].first_ms, MS(-191));
    assert_int_equal(t->rows[0].last_ms, MS(100));
    assert_int_equal(t->rows[0].last_revision, 106);
    assert_int_equal(t->totals.late, 1);
    assert_int_equal(t->totals.events, 7);
    ec_rates_top_free(t);

    /* Forward jump then back a little: the ring is cleared once, and the
     * late write still lands in its second. */
    addn(r, "g", 2, 1, MS(1000), 200, 0);
    addn(r, "g", 3, 1, MS(997), 202, 0);
    expect_win(r, "g", EC_RATES_10S, MS(1000), 5, 5);
    expect_win(r, "g", EC_RATES_60S, MS(1000), 5, 5);
    expect_win(r, "g", EC_RATES_5M, MS(1000), 5, 5);
    assert_int_equal(ec_rates_latest_ms(r), MS(1000));
    ec_rates_free(r);
}

/* Random times, many of them back in time by up to 400 s, checked against
 * a brute-force model of the documented rule: a write at second x (or ten-
 * second period) is kept when x is within the ring's reach at that moment
 * (x > newest - length), and counted in a window at `now` while it is also
 * within reach of the newest bucket and inside the window. The group's
 * rings and the totals' rings each apply the rule to their own writes. */
typedef struct mev {
    int g;
    int64_t sec;
    uint64_t bytes;
    bool kept_sec[2], kept_slow[2];   /* [0] the group's rings, [1] the totals' */
} mev;

static int64_t fdiv(int64_t a, int64_t b)
{
    return a / b - (a % b < 0);
}

/* g < 0: the totals. */
static void model_sum(const mev *ev, size_t n, int g, int64_t now_sec, unsigned secs,
                      uint64_t *w, uint64_t *b)
{
    int all = g < 0;
    int64_t head = INT64_MIN, phead = INT64_MIN;
    for (size_t i = 0; i < n; i++)
        if (all || ev[i].g == g) {
            if (ev[i].sec > head)
                head = ev[i].sec;
            if (fdiv(ev[i].sec, 10) > phead)
                phead = fdiv(ev[i].sec, 10);
        }
    *w = *b = 0;
    for (size_t i = 0; i < n; i++) {
        if (!all && ev[i].g != g)
            continue;
        int64_t x = ev[i].sec, p = fdiv(x, 10), np = fdiv(now_sec, 10);
        bool in = secs <= 60 ? ev[i].kept_sec[all] && x > head - 60 && x <= now_sec &&
                                   x > now_sec - (int64_t)secs
                             : ev[i].kept_slow[all] && p > phead - 30 && p <= np && p > np - 30;
        if (in) {
            (*w)++;
            *b += ev[i].bytes;
        }
    }
}

static void test_random_times_against_model(void **state)
{
    (void)state;
    enum { G = 5, N = 6000 };
    const char *keys[G] = { "g0", "g1", "g2", "g3", "g4" };
    ec_rates *r = mk(G, EC_RATES_WRITES);
    mev *ev = calloc(N, sizeof *ev);
    assert_non_null(ev);
    uint64_t x = 88172645463325252ull, late = 0;
    int64_t t = MS(0);
    int64_t head[G + 1], phead[G + 1];
    for (int g = 0; g <= G; g++)
        head[g] = phead[g] = INT64_MIN;
    for (size_t i = 0; i < N; i++) {
        x ^= x << 13; x ^= x >> 7; x ^= x << 17;
        t += (int64_t)(x % 1500);
        int64_t ms = t;
        if (x % 5 == 0)
            ms -= (int64_t)((x >> 20) % 400000);
        int g = (int)((x >> 40) % G);
        ev[i].g = g;
        ev[i].sec = fdiv(ms, 1000);
        ev[i].bytes = (x >> 8) % 100;
        int64_t p = fdiv(ev[i].sec, 10);
        for (int all = 0; all < 2; all++) {
            int h = all ? G : g;
            if (ev[i].sec > head[h])
                head[h] = ev[i].sec;
            if (p > phead[h])
                phead[h] = p;
            ev[i].kept_sec[all] = ev[i].sec > head[h] - 60;
            ev[i].kept_slow[all] = p > phead[h] - 30;
        }
        late += !ev[i].kept_slow[1];
        addn(r, keys[g], 1, ev[i].bytes, ms, (int64_t)i + 1, 0);

        if (i % 97 != 0)
            continue;
        int64_t now = ec_rates_latest_ms(r) - (int64_t)((x >> 30) % 90000);
        int64_t now_sec = fdiv(now, 1000);
        ec_rates_totals tt;
        ec_rates_get_totals(r, now, &tt);
        assert_int_equal(tt.late, late);
        for (int w = 0; w < EC_RATES_NWIN; w++) {
            unsigned secs = ec_rates_window_seconds((ec_rates_window)w);
            uint64_t mw, mb;
            model_sum(ev, i + 1, -1, now_sec, secs, &mw, &mb);
            assert_int_equal(tt.writes[w], mw);
            assert_int_equal(tt.bytes[w], mb);
            for (int gg = 0; gg < G; gg++) {
                model_sum(ev, i + 1, gg, now_sec, secs, &mw, &mb);
                ec_rates_top *tp = NULL;
                assert_int_equal(ec_rates_find(r, (const uint8_t *)keys[gg], 2,
                                               (ec_rates_window)w, now, &tp, NULL), 0);
                if (tp->n) {
                    assert_int_equal(tp->rows[0].writes, mw);
                    assert_int_equal(tp->rows[0].bytes, mb);
                } else {
                    assert_int_equal(mw, 0);
                }
                ec_rates_top_free(tp);
            }
        }
    }
    assert_true(late > 0);   /* the run did go back beyond the 5 min ring */
    free(ev);
    ec_rates_free(r);
}

/* A counter taken over from an evicted group must not show the old group's
 * buckets, even when the new group then writes back in time. */
static void test_reused_counter_starts_clean(void **state)
{
    (void)state;
    ec_rates *r = mk(1, EC_RATES_WRITES);
    for (int s = 0; s < 100; s++)
        addn(r, "old", 3, 100, MS(s), 1, 0);
    addn(r, "new", 1, 1, MS(100), 400, 0);    /* evicts "old" */
    expect_win(r, "new", EC_RATES_10S, MS(100), 1, 1);
    expect_win(r, "new", EC_RATES_60S, MS(100), 1, 1);
    expect_win(r, "new", EC_RATES_5M, MS(100), 1, 1);
    addn(r, "new", 2, 2, MS(70), 401, 0);     /* 30 s back, where "old" wrote */
    addn(r, "new", 1, 4, MS(45), 403, 0);     /* 55 s back */
    addn(r, "new", 1, 8, MS(20), 404, 0);     /* 80 s back: only the slow ring */
    expect_win(r, "new", EC_RATES_10S, MS(100), 1, 1);
    expect_win(r, "new", EC_RATES_60S, MS(100), 4, 9);
    expect_win(r, "new", EC_RATES_5M, MS(100), 5, 17);
    ec_rates_top *t = top(r, EC_RATES_60S, EC_RATES_WRITES, MS(100), 1);
    assert_int_equal(t->n, 1);
    for (int k = 0; k < EC_RATES_SPARK_LEN; k++) {
        uint32_t ew = k == 59 ? 1 : k == 29 ? 2 : k == 4 ? 1 : 0;   /* 100, 70, 45 */
        assert_int_equal(t->rows[0].spark_writes[k], ew);
    }
    assert_int_equal(t->rows[0].count, 305);     /* 300 inherited + 5 */
    assert_int_equal(t->rows[0].error, 300);
    assert_int_equal(t->rows[0].first_ms, MS(20));
    /* The totals saw everything. */
    assert_int_equal(t->totals.writes[EC_RATES_60S], 3 * 59 + 4);   /* 41..99 and new */
    ec_rates_top_free(t);
    /* A jump of more than the ring and back. */
    addn(r, "new", 1, 16, MS(1000), 405, 0);
    addn(r, "new", 1, 32, MS(990), 406, 0);
    expect_win(r, "new", EC_RATES_10S, MS(1000), 1, 16);   /* 991..1000 */
    expect_win(r, "new", EC_RATES_60S, MS(1000), 2, 48);
    expect_win(r, "new", EC_RATES_5M, MS(1000), 2, 48);
    ec_rates_free(r);
}

/* The ends of the ms range: no overflow (UBSan watches), sane answers. */
static void test_extreme_times(void **state)
{
    (void)state;
    ec_rates *r = mk(4, EC_RATES_WRITES);
    addn(r, "lo", 1, 1, INT64_MIN, 1, EC_RATES_EV_ESTIMATED);
    addn(r, "hi", 2, 2, INT64_MAX, 2, EC_RATES_EV_ESTIMATED);
    addn(r, "lo", 1, 4, INT64_MIN, 4, 0);     /* far too old now */
    addn(r, "hi", 1, 8, INT64_MAX - 1500, 5, 0);
    expect_win(r, "hi", EC_RATES_10S, INT64_MAX, 3, 12);
    expect_win(r, "hi", EC_RATES_5M, INT64_MAX, 3, 12);
    expect_win(r, "lo", EC_RATES_10S, INT64_MIN, 2, 5);   /* its own ring: both */
    expect_total(r, EC_RATES_60S, INT64_MAX, 3, 12);
    expect_total(r, EC_RATES_5M, INT64_MIN, 0, 0);        /* the totals' ring moved on */
    for (int w = 0; w < EC_RATES_NWIN; w++) {
        ec_rates_top *t = top(r, (ec_rates_window)w, EC_RATES_BYTES, INT64_MIN, 4);
        assert_true(t->n <= 2);
        ec_rates_top_free(t);
        t = top(r, (ec_rates_window)w, EC_RATES_WRITES, INT64_MAX, 4);
        assert_int_equal(t->n, 1);
        assert_true(t->rows[0].estimated);
        assert_true(t->totals.estimated[w]);
        ec_rates_top_free(t);
    }
    ec_rates_totals tt;
    ec_rates_get_totals(r, 0, &tt);
    assert_int_equal(tt.late, 1);
    assert_int_equal(tt.events, 5);
    assert_int_equal(ec_rates_latest_ms(r), INT64_MAX);
    ec_rates_free(r);
}

static void test_ranking_order_and_ties(void **state)
{
    (void)state;
    ec_rates *r = mk(16, EC_RATES_WRITES);
    addn(r, "/b", 5, 10, MS(0), 1, 0);      /* 5 writes, 50 B */
    addn(r, "/a", 5, 1, MS(1), 10, 0);      /* 5 writes, 5 B: ties /b, key first */
    addn(r, "/c", 2, 1000, MS(2), 20, 0);   /* 2 writes, 2000 B */
    addn(r, "/a/x", 5, 1, MS(3), 30, 0);    /* ties /a and /b; longer than /a */
    addn(r, "/old", 9, 1, MS(-100), 40, 0); /* outside 10 s and 60 s */
    ec_rates_top *t = top(r, EC_RATES_10S, EC_RATES_WRITES, MS(5), 10);
    assert_int_equal(t->n, 4);
    const char *want[] = { "/a", "/a/x", "/b", "/c" };
    for (int i = 0; i < 4; i++) {
        assert_int_equal(t->rows[i].key_len, strlen(want[i]));
        assert_memory_equal(t->rows[i].key, want[i], strlen(want[i]));
    }
    assert_int_equal(t->totals.writes[EC_RATES_10S], 17);
    assert_true(t->rows[0].share_writes == 5.0 / 17);
    assert_true(t->rows[3].share_bytes == 2000.0 / 2060);
    assert_int_equal(t->rows[2].last_revision, 5);
    ec_rates_top_free(t);

    t = top(r, EC_RATES_10S, EC_RATES_BYTES, MS(5), 2);
    assert_int_equal(t->n, 2);
    assert_memory_equal(t->rows[0].key, "/c", 2);
    assert_memory_equal(t->rows[1].key, "/b", 2);
    ec_rates_top_free(t);

    t = top(r, EC_RATES_5M, EC_RATES_WRITES, MS(5), 1);
    assert_int_equal(t->n, 1);
    assert_int_equal(t->rows[0].key_len, 4);
    assert_memory_equal(t->rows[0].key, "/old", 4);
    assert_int_equal(t->rows[0].first_ms, MS(-100));
    ec_rates_top_free(t);

    t = top(r, EC_RATES_10S, EC_RATES_WRITES, MS(500), 10);
    assert_int_equal(t->n, 0);
    ec_rates_top_free(t);

    /* Not tracked: an empty answer, not an error. */
    assert_int_equal(ec_rates_find(r, (const uint8_t *)"/zz", 3, EC_RATES_10S, MS(5), &t, NULL), 0);
    assert_int_equal(t->n, 0);
    ec_rates_top_free(t);
    ec_rates_free(r);
}

static void test_binary_and_truncated_keys(void **state)
{
    (void)state;
    ec_rates_config cfg = { .capacity = 8, .key_cap = 16, .seed = 7 };
    ec_rates *r = NULL;
    assert_int_equal(ec_rates_new(&cfg, &r, NULL), 0);
    const uint8_t bin[] = { 0, 0x1b, ']', '0', 0xff, 0 };
    const uint8_t long1[] = "0123456789abcdefXYZ";    /* 19 bytes > 16 */
    const uint8_t long2[] = "0123456789abcdefQQQQQQ"; /* same first 13 bytes */
    const uint8_t exact[] = "0123456789abc...";        /* 16 bytes, not cut */
    ec_rates_event ev = { .value_size = 1, .time_ms = MS(0), .revision = 1 };
    ev.key = bin; ev.key_len = sizeof bin;
    assert_int_equal(ec_rates_add(r, &ev, NULL), 0);
    ev.key = long1; ev.key_len = 19;
    assert_int_equal(ec_rates_add(r, &ev, NULL), 0);
    ev.key = long2; ev.key_len = 22;
    assert_int_equal(ec_rates_add(r, &ev, NULL), 0);
    ev.key = exact; ev.key_len = 16;
    assert_int_equal(ec_rates_add(r, &ev, NULL), 0);
    ev.key = NULL; ev.key_len = 0;     /* the empty key is a key */
    assert_int_equal(ec_rates_add(r, &ev, NULL), 0);
    ev.key_len = 3;
    ec_err err = {0};
    assert_int_equal(ec_rates_add(r, &ev, &err), -1);
    assert_int_equal(err.code, EC_E_INVALID);
    assert_string_equal(err.msg, "cannot count write: event has no key");

    ec_rates_top *t = top(r, EC_RATES_10S, EC_RATES_WRITES, MS(0), 10);
    assert_int_equal(t->n, 4);
    /* long1 and long2 share the cut form: 2 writes, first. Then the ties by
     * key: "" < bin ("\0...") < exact, the same bytes as the cut form but
     * not cut. */
    assert_int_equal(t->rows[0].key_len, 16);
    assert_memory_equal(t->rows[0].key, "0123456789abc...", 16);
    assert_true(t->rows[0].key_truncated);
    assert_int_equal(t->rows[0].writes, 2);
    assert_int_equal(t->rows[1].key_len, 0);
    assert_int_equal(t->rows[2].key_len, sizeof bin);
    assert_memory_equal(t->rows[2].key, bin, sizeof bin);
    assert_int_equal(t->rows[3].key_len, 16);
    assert_memory_equal(t->rows[3].key, exact, 16);
    assert_false(t->rows[3].key_truncated);
    assert_int_equal(t->rows[3].writes, 1);
    ec_rates_top_free(t);

    /* A long key is found by its cut form. */
    assert_int_equal(ec_rates_find(r, long2, 22, EC_RATES_10S, MS(0), &t, NULL), 0);
    assert_int_equal(t->n, 1);
    assert_true(t->rows[0].key_truncated);
    assert_int_equal(t->rows[0].writes, 2);
    ec_rates_top_free(t);
    ec_rates_free(r);
}

static void test_estimated_flag(void **state)
{
    (void)state;
    ec_rates *r = mk(8, EC_RATES_WRITES);
    addn(r, "e", 3, 1, MS(10), 1, EC_RATES_EV_ESTIMATED);
    addn(r, "e", 1, 1, MS(50), 4, 0);
    addn(r, "l", 1, 1, MS(50), 5, 0);
    ec_rates_top *t = top(r, EC_RATES_10S, EC_RATES_WRITES, MS(50), 10);
    assert_int_equal(t->n, 2);
    assert_false(row_of(t, "e")->estimated);   /* 41..50 has only live times */
    assert_false(row_of(t, "l")->estimated);
    assert_false(t->totals.estimated[EC_RATES_10S]);
    assert_true(t->totals.estimated[EC_RATES_60S]);
    assert_int_equal(t->totals.estimated_events, 3);
    ec_rates_top_free(t);
    t = top(r, EC_RATES_60S, EC_RATES_WRITES, MS(50), 10);
    assert_true(row_of(t, "e")->estimated);
    assert_false(row_of(t, "l")->estimated);
    ec_rates_top_free(t);
    t = top(r, EC_RATES_60S, EC_RATES_WRITES, MS(70), 10);   /* 11..70 */
    assert_false(row_of(t, "e")->estimated);
    assert_int_equal(row_of(t, "e")->writes, 1);
    ec_rates_top_free(t);
    ec_rates_free(r);
}

static void test_bytes_weight_zero_size(void **state)
{
    (void)state;
    ec_rates *r = mk(2, EC_RATES_BYTES);
    addn(r, "big", 1, 1000, MS(0), 1, 0);
    addn(r, "mid", 1, 10, MS(0), 2, 0);
    addn(r, "del", 3, 0, MS(0), 3, 0);     /* deletes: no counter taken */
    addn(r, "mid", 2, 0, MS(0), 6, 0);     /* tracked: counted, weight 0 */
    ec_rates_totals tt;
    ec_rates_get_totals(r, MS(0), &tt);
    assert_int_equal(tt.untracked, 3);
    assert_int_equal(tt.tracked, 2);
    assert_int_equal(tt.weight, 1010);
    assert_int_equal(tt.evictions, 0);
    assert_true(tt.exact);
    assert_false(tt.distinct_exact);
    ec_rates_top *t = top(r, EC_RATES_10S, EC_RATES_BYTES, MS(0), 10);
    assert_int_equal(t->n, 2);
    assert_memory_equal(t->rows[0].key, "big", 3);
    assert_int_equal(t->rows[0].count, 1000);
    assert_int_equal(t->rows[1].count, 10);
    assert_int_equal(t->rows[1].writes, 3);
    ec_rates_top_free(t);
    /* A 5-byte write evicts "mid" (count 10) and inherits it. */
    addn(r, "new", 1, 5, MS(0), 9, 0);
    t = top(r, EC_RATES_10S, EC_RATES_BYTES, MS(0), 10);
    assert_int_equal(t->n, 2);
    assert_memory_equal(t->rows[1].key, "new", 3);
    assert_int_equal(t->rows[1].count, 15);
    assert_int_equal(t->rows[1].error, 10);
    assert_int_equal(t->rows[1].bytes, 5);
    assert_int_equal(t->totals.min_count, 15);
    ec_rates_top_free(t);
    ec_rates_free(r);
}

static void test_config_and_args(void **state)
{
    (void)state;
    ec_rates *r = NULL;
    ec_err err = {0};
    ec_rates_config big = { .capacity = EC_RATES_MAX_CAPACITY + 1 };
    assert_int_equal(ec_rates_new(&big, &r, &err), -1);
    assert_null(r);
    assert_int_equal(err.code, EC_E_INVALID);
    assert_string_equal(err.msg, "cannot create rate engine: capacity 16777217 above 16777216");
    ec_rates_config kc = { .key_cap = 8 };
    assert_int_equal(ec_rates_new(&kc, &r, &err), -1);
    assert_string_equal(err.msg, "cannot create rate engine: key cap 8 outside 16..65536");
    ec_rates_config wt = { .weight = (ec_rates_metric)7 };
    assert_int_equal(ec_rates_new(&wt, &r, &err), -1);

    assert_int_equal(ec_rates_new(NULL, &r, &err), 0);   /* defaults, random seed */
    ec_rates_totals tt;
    ec_rates_get_totals(r, 0, &tt);
    assert_int_equal(tt.capacity, EC_RATES_DEFAULT_CAPACITY);
    assert_int_equal(tt.events, 0);
    assert_int_equal(tt.distinct, 0);
    assert_true(tt.exact);
    assert_int_equal(ec_rates_latest_ms(r), INT64_MIN);
    ec_rates_top *t = NULL;
    assert_int_equal(ec_rates_top_get(r, EC_RATES_NWIN, EC_RATES_WRITES, 0, 5, &t, &err), -1);
    assert_null(t);
    assert_int_equal(ec_rates_top_get(r, EC_RATES_10S, (ec_rates_metric)3, 0, 5, &t, &err), -1);
    assert_int_equal(ec_rates_find(r, NULL, 2, EC_RATES_10S, 0, &t, &err), -1);
    assert_int_equal(ec_rates_top_get(r, EC_RATES_10S, EC_RATES_WRITES, 0, 5, &t, &err), 0);
    assert_int_equal(t->n, 0);
    ec_rates_top_free(t);
    assert_int_equal(ec_rates_window_seconds(EC_RATES_5M), 300);
    assert_int_equal(ec_rates_window_seconds(EC_RATES_NWIN), 0);
    ec_rates_free(r);
    ec_rates_free(NULL);
}

/* Several engines side by side keep apart. */
static void test_engines_independent(void **state)
{
    (void)state;
    ec_rates *a = mk(4, EC_RATES_WRITES), *b = mk(4, EC_RATES_WRITES);
    addn(a, "x", 3, 1, MS(0), 1, 0);
    addn(b, "/registry/pods", 1, 1, MS(0), 1, 0);
    ec_rates_totals ta, tb;
    ec_rates_get_totals(a, MS(0), &ta);
    ec_rates_get_totals(b, MS(0), &tb);
    assert_int_equal(ta.events, 3);
    assert_int_equal(tb.events, 1);
    assert_int_equal(ta.distinct, 1);
    assert_true(ta.distinct_exact);
    ec_rates_free(a);
    ec_rates_free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_windows_exact_and_sliding),
        cmocka_unit_test(test_window_edges_in_ms),
        cmocka_unit_test(test_sparkline),
        cmocka_unit_test(test_time_going_back),
        cmocka_unit_test(test_reused_counter_starts_clean),
        cmocka_unit_test(test_random_times_against_model),
        cmocka_unit_test(test_extreme_times),
        cmocka_unit_test(test_ranking_order_and_ties),
        cmocka_unit_test(test_binary_and_truncated_keys),
        cmocka_unit_test(test_estimated_flag),
        cmocka_unit_test(test_bytes_weight_zero_size),
        cmocka_unit_test(test_config_and_args),
        cmocka_unit_test(test_engines_independent),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
