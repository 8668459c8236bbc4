#include "etcdclient/rates/window.h"

#include <string.h>

int64_t ec_rates_sec_of_ms(int64_t ms)
{
    int64_t q = ms / 1000;
    return (ms % 1000 < 0) ? q - 1 : q;
}

static int64_t period_of(int64_t sec)
{
    int64_t q = sec / EC_RATES_SLOW_SECONDS;
    return (sec % EC_RATES_SLOW_SECONDS < 0) ? q - 1 : q;
}

static unsigned ring_idx(int64_t x, unsigned n)
{
    int64_t m = x % (int64_t)n;
    return (unsigned)(m < 0 ? m + (int64_t)n : m);
}

static void sat_add64(uint64_t *c, uint64_t v)
{
    *c = (*c > UINT64_MAX - v) ? UINT64_MAX : *c + v;
}

/* One ring of n buckets; the engine has two of them per window set. */
typedef struct ring {
    uint32_t *w;
    uint64_t *b;
    unsigned n;
    int64_t *head, *lo;
} ring;

static void clear(const ring *r, int64_t from, int64_t to)
{
    for (int64_t x = from; x <= to; x++) {
        unsigned i = ring_idx(x, r->n);
        r->w[i] = 0;
        r->b[i] = 0;
    }
}

static void ring_start(const ring *r, int64_t x)
{
    *r->head = *r->lo = x;
    clear(r, x, x);
}

/* Seconds are floor(ms/1000) of an int64, so |x| < 2^54 and differences
 * between two of them cannot overflow. Returns 0, or -1 when x is older
 * than the ring reaches. */
static int ring_add(const ring *r, int64_t x, uint64_t bytes)
{
    int64_t n = r->n;
    if (x > *r->head) {
        if (x - *r->head >= n) {
            *r->lo = x;
            clear(r, x, x);
        } else {
            clear(r, *r->head + 1, x);
        }
        *r->head = x;
    } else {
        if (x <= *r->head - n)
            return -1;
        if (x < *r->lo) {
            /* Back in time but within the ring's reach: the buckets down
             * to x may still hold an earlier owner's counts. */
            clear(r, x, *r->lo - 1);
            *r->lo = x;
        }
    }
    unsigned i = ring_idx(x, r->n);
    if (r->w[i] != UINT32_MAX)
        r->w[i]++;
    sat_add64(&r->b[i], bytes);
    return 0;
}

static ring sec_ring(ec_rates_win *w)
{
    return (ring){ w->sec_w, w->sec_b, EC_RATES_SEC_BUCKETS, &w->sec_head, &w->sec_lo };
}

static ring slow_ring(ec_rates_win *w)
{
    return (ring){ w->slow_w, w->slow_b, EC_RATES_SLOW_BUCKETS, &w->slow_head, &w->slow_lo };
}

void ec_rates_win_init(ec_rates_win *w, int64_t sec)
{
    ring a = sec_ring(w), b = slow_ring(w);
    ring_start(&a, sec);
    ring_start(&b, period_of(sec));
}

int ec_rates_win_add(ec_rates_win *w, int64_t sec, uint64_t bytes)
{
    ring a = sec_ring(w), b = slow_ring(w);
    int rc = EC_RATES_WIN_BOTH;
    if (ring_add(&a, sec, bytes) < 0)
        rc = EC_RATES_WIN_SLOW;
    if (ring_add(&b, period_of(sec), bytes) < 0)
        rc = EC_RATES_WIN_LATE;
    return rc;
}

/* Lowest valid bucket: lo, or the oldest the ring still reaches. */
static int64_t ring_low(int64_t head, int64_t lo, unsigned n)
{
    int64_t reach = head - (int64_t)n + 1;
    return lo > reach ? lo : reach;
}

/* Sums buckets x in (end-count, end] that the ring holds: the ring may be
 * behind (no write for a while) or, when the caller asks about an earlier
 * time, ahead of end. */
static void ring_sum(const uint32_t *cw, const uint64_t *cb, unsigned n, int64_t head,
                     int64_t lo, int64_t end, unsigned count, uint64_t *writes, uint64_t *bytes)
{
    int64_t from = end - (int64_t)count + 1, to = end, low = ring_low(head, lo, n);
    if (from < low)
        from = low;
    if (to > head)
        to = head;
    uint64_t sw = 0, sb = 0;
    for (int64_t x = from; x <= to; x++) {
        unsigned i = ring_idx(x, n);
        sw += cw[i];
        sat_add64(&sb, cb[i]);
    }
    *writes = sw;
    *bytes = sb;
}

void ec_rates_win_sum(const ec_rates_win *w, int64_t now_sec, unsigned seconds,
                      uint64_t *writes, uint64_t *bytes)
{
    if (seconds <= EC_RATES_SEC_BUCKETS)
        ring_sum(w->sec_w, w->sec_b, EC_RATES_SEC_BUCKETS, w->sec_head, w->sec_lo, now_sec,
                 seconds, writes, bytes);
    else
        ring_sum(w->slow_w, w->slow_b, EC_RATES_SLOW_BUCKETS, w->slow_head, w->slow_lo,
                 period_of(now_sec), seconds / EC_RATES_SLOW_SECONDS, writes, bytes);
}

void ec_rates_win_spark(const ec_rates_win *w, int64_t now_sec,
                        uint32_t writes[EC_RATES_SEC_BUCKETS],
                        uint64_t bytes[EC_RATES_SEC_BUCKETS])
{
    int64_t low = ring_low(w->sec_head, w->sec_lo, EC_RATES_SEC_BUCKETS);
    for (unsigned k = 0; k < EC_RATES_SEC_BUCKETS; k++) {
        int64_t x = now_sec - (EC_RATES_SEC_BUCKETS - 1) + (int64_t)k;
        if (x <= w->sec_head && x >= low) {
            unsigned i = ring_idx(x, EC_RATES_SEC_BUCKETS);
            writes[k] = w->sec_w[i];
            bytes[k] = w->sec_b[i];
        } else {
            writes[k] = 0;
            bytes[k] = 0;
        }
    }
}
