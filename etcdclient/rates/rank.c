/* Queries: totals, the top groups of a window, one group by key. Results are
 * copies, so the caller may keep them while the engine goes on counting. */
#include "etcdclient/rates/rates_int.h"

#include <stdlib.h>
#include <string.h>

unsigned ec_rates_window_seconds(ec_rates_window w)
{
    switch (w) {
    case EC_RATES_10S: return 10;
    case EC_RATES_60S: return 60;
    case EC_RATES_5M: return 300;
    default: return 0;
    }
}

/* sec * 1000, clamped: seconds near the ends of the ms range have no
 * exact ms. */
static int64_t ms_of_sec(int64_t sec)
{
    if (sec < INT64_MIN / 1000)
        return INT64_MIN;
    if (sec > INT64_MAX / 1000)
        return INT64_MAX;
    return sec * 1000;
}

/* First ms the window ending at now_sec covers; an estimated-time write at
 * or after it makes the window "estimated". */
static int64_t window_start_ms(ec_rates_window w, int64_t now_sec)
{
    unsigned s = ec_rates_window_seconds(w);
    if (s <= EC_RATES_SEC_BUCKETS)
        return ms_of_sec(now_sec - s + 1);
    int64_t p = now_sec / EC_RATES_SLOW_SECONDS;
    if (now_sec % EC_RATES_SLOW_SECONDS < 0)
        p--;
    return ms_of_sec((p - EC_RATES_SLOW_BUCKETS + 1) * EC_RATES_SLOW_SECONDS);
}

void ec_rates_get_totals(const ec_rates *r, int64_t now_ms, ec_rates_totals *t)
{
    memset(t, 0, sizeof *t);
    int64_t now_sec = ec_rates_sec_of_ms(now_ms);
    t->now_ms = now_ms;
    if (r->events) {
        for (int w = 0; w < EC_RATES_NWIN; w++) {
            ec_rates_win_sum(&r->all, now_sec, ec_rates_window_seconds((ec_rates_window)w),
                             &t->writes[w], &t->bytes[w]);
            t->estimated[w] = r->all_est_ms >= window_start_ms((ec_rates_window)w, now_sec);
        }
        ec_rates_win_spark(&r->all, now_sec, t->spark_writes, t->spark_bytes);
    }
    t->events = r->events;
    t->bytes_all = r->bytes_all;
    t->weight = r->weight_all;
    t->estimated_events = r->estimated_events;
    t->late = r->late;
    t->untracked = r->untracked;
    t->exact = r->evictions == 0;
    t->distinct_exact = r->evictions == 0 && r->untracked == 0;
    t->distinct = t->distinct_exact ? r->used : ec_rates_hll_estimate(&r->hll);
    /* The estimate cannot be below what is being tracked right now. */
    if (t->distinct < r->used)
        t->distinct = r->used;
    t->evictions = r->evictions;
    t->min_count = r->used == r->cap ? r->heap[0].count : 0;
    t->tracked = r->used;
    t->capacity = r->cap;
    t->weight_metric = r->weight;
    t->mem_bytes = sizeof *r + (size_t)r->cap * (sizeof *r->ctr + sizeof *r->grp + sizeof *r->heap) + 64 +
                   ((size_t)r->tab_mask + 1) * sizeof *r->tab + r->key_bytes;
}

typedef struct cand {
    uint64_t metric, writes, bytes;
    const uint8_t *key;
    uint32_t key_len;
    uint32_t slot;
    uint8_t truncated;
} cand;

static int key_cmp(const uint8_t *a, size_t al, bool at, const uint8_t *b, size_t bl, bool bt)
{
    size_t n = al < bl ? al : bl;
    int c = n ? memcmp(a, b, n) : 0;
    if (c)
        return c;
    if (al != bl)
        return al < bl ? -1 : 1;
    return (int)at - (int)bt;
}

static int cand_cmp(const void *pa, const void *pb)
{
    const cand *a = pa, *b = pb;
    if (a->metric != b->metric)
        return a->metric > b->metric ? -1 : 1;
    return key_cmp(a->key, a->key_len, a->truncated, b->key, b->key_len, b->truncated);
}

static ec_rates_top *top_alloc(size_t n, size_t key_bytes)
{
    size_t sz = sizeof(ec_rates_top) + n * sizeof(ec_rates_row) + key_bytes;
    ec_rates_top *t = calloc(1, sz);
    if (t)
        t->rows = (ec_rates_row *)(t + 1);
    return t;
}

/* At or after the latest write a group's window never exceeds the totals';
 * asked about an earlier time, the totals' rings may have moved on further
 * than the group's, hence the clamp. */
static double share(uint64_t part, uint64_t whole)
{
    if (!whole)
        return 0;
    return part >= whole ? 1.0 : (double)part / (double)whole;
}

static void fill_row(const ec_rates *r, uint32_t slot, ec_rates_window w, int64_t now_sec,
                     const ec_rates_totals *tot, ec_rates_row *row, uint8_t *keydst)
{
    const ec_rates_ctr *k = &r->ctr[slot];
    const ec_rates_grp *g = &r->grp[slot];
    unsigned secs = ec_rates_window_seconds(w);
    if (k->key_len)     /* an empty key may never have had a buffer */
        memcpy(keydst, k->key, k->key_len);
    row->key = keydst;
    row->key_len = k->key_len;
    row->key_truncated = k->truncated;
    ec_rates_win_sum(&g->win, now_sec, secs, &row->writes, &row->bytes);
    row->writes_per_s = (double)row->writes / secs;
    row->bytes_per_s = (double)row->bytes / secs;
    row->share_writes = share(row->writes, tot->writes[w]);
    row->share_bytes = share(row->bytes, tot->bytes[w]);
    row->count = r->heap[k->heap_pos].count;
    row->error = k->err;
    row->writes_total = g->writes;
    row->bytes_total = g->bytes;
    ec_rates_win_spark(&g->win, now_sec, row->spark_writes, row->spark_bytes);
    row->first_ms = g->first_ms;
    row->last_ms = g->last_ms;
    row->last_revision = g->last_rev;
    row->estimated = g->est_ms >= window_start_ms(w, now_sec);
}

int ec_rates_top_get(const ec_rates *r, ec_rates_window w, ec_rates_metric by, int64_t now_ms,
                     size_t n, ec_rates_top **out, ec_err *err)
{
    *out = NULL;
    unsigned secs = ec_rates_window_seconds(w);
    if (!secs || (by != EC_RATES_WRITES && by != EC_RATES_BYTES))
        return ec_fail(err, EC_E_INVALID, "cannot rank write groups: unknown window or metric");
    int64_t now_sec = ec_rates_sec_of_ms(now_ms);
    cand *c = malloc((r->used ? r->used : 1) * sizeof *c);
    if (!c)
        return ec_fail(err, EC_E_NOMEM, "cannot rank write groups: out of memory");
    size_t nc = 0;
    for (uint32_t s = 0; s < r->used; s++) {
        uint64_t wr, by_;
        ec_rates_win_sum(&r->grp[s].win, now_sec, secs, &wr, &by_);
        if (!wr)
            continue;
        c[nc++] = (cand){ .metric = by == EC_RATES_WRITES ? wr : by_, .writes = wr,
                          .bytes = by_, .key = r->ctr[s].key, .key_len = r->ctr[s].key_len,
                          .slot = s, .truncated = r->ctr[s].truncated };
    }
    qsort(c, nc, sizeof *c, cand_cmp);
    if (n > nc)
        n = nc;
    size_t kb = 0;
    for (size_t i = 0; i < n; i++)
        kb += c[i].key_len;
    ec_rates_top *t = top_alloc(n, kb);
    if (!t) {
        free(c);
        return ec_fail(err, EC_E_NOMEM, "cannot rank write groups: out of memory");
    }
    t->window = w;
    t->by = by;
    t->n = n;
    ec_rates_get_totals(r, now_ms, &t->totals);
    uint8_t *keys = (uint8_t *)(t->rows + n);
    for (size_t i = 0; i < n; i++) {
        fill_row(r, c[i].slot, w, now_sec, &t->totals, &t->rows[i], keys);
        keys += c[i].key_len;
    }
    free(c);
    *out = t;
    return 0;
}

int ec_rates_find(const ec_rates *r, const uint8_t *key, size_t key_len, ec_rates_window w,
                  int64_t now_ms, ec_rates_top **out, ec_err *err)
{
    *out = NULL;
    if (!ec_rates_window_seconds(w))
        return ec_fail(err, EC_E_INVALID, "cannot look up write group: unknown window");
    if (!key && key_len)
        return ec_fail(err, EC_E_INVALID, "cannot look up write group: key is NULL");
    bool trunc;
    size_t len = ec_rates_ident_len(r, key_len, &trunc);
    int64_t s = r->used ? ec_rates_lookup(r, ec_rates_hash(r->seed, key, len, trunc), key, len,
                                          trunc)
                        : -1;
    size_t n = s >= 0 ? 1 : 0;
    ec_rates_top *t = top_alloc(n, n ? r->ctr[s].key_len : 0);
    if (!t)
        return ec_fail(err, EC_E_NOMEM, "cannot look up write group: out of memory");
    t->window = w;
    t->by = EC_RATES_WRITES;
    t->n = n;
    ec_rates_get_totals(r, now_ms, &t->totals);
    if (n)
        fill_row(r, (uint32_t)s, w, ec_rates_sec_of_ms(now_ms), &t->totals, &t->rows[0],
                 (uint8_t *)(t->rows + 1));
    *out = t;
    return 0;
}

void ec_rates_top_free(ec_rates_top *t)
{
    free(t);
}
