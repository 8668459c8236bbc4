/* Fuzz target: the write-rate engine driven by arbitrary events (keys of
 * any bytes and length, sizes, times going back and forth, estimated
 * flags), queried at arbitrary times, with the Space-Saving guarantee
 * checked against exact counts kept here: for every group seen,
 *   tracked:   count - error <= true weight <= count
 *   untracked: true weight <= min_count.
 * Some inputs also go through the groupings of `breakglass top` (key and
 * value bytes from the input, peeked as Kubernetes values).
 *
 * Input: 3 config bytes (capacity, key cap, weight), then operations:
 *   op % 8 in 0..4  one write: key length, key, size (2 bytes), time step (1 signed byte)
 *   op % 8 == 5     ranking: window, metric, count, time offset
 *   op % 8 == 6     look up the group of an earlier write
 *   op % 8 == 7     group a (key, value) pair and count it in a second engine */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "etcdclient/rates/rates.h"
#include "tui/top/group.h"

#define MAX_REF 24   /* each lookup computes the totals (a HyperLogLog estimate) */
#define MAX_KEY 80   /* keys here are shorter than 80 bytes */

typedef struct ref {
    uint8_t key[MAX_KEY];
    size_t len;
    int trunc;
    uint64_t weight;
} ref;

typedef struct rd {
    const uint8_t *p;
    size_t n;
} rd;

static int take(rd *r, size_t n, const uint8_t **out)
{
    if (r->n < n)
        return -1;
    *out = r->p;
    r->p += n;
    r->n -= n;
    return 0;
}

static unsigned byte(rd *r)
{
    const uint8_t *b;
    return take(r, 1, &b) == 0 ? b[0] : 0;
}

static ref *refs;
static size_t n_refs;

/* The engine's identity of a key: cut keys keep key_cap - 3 bytes. */
static ref *ref_of(const uint8_t *k, size_t len, uint32_t key_cap)
{
    int trunc = len > key_cap;
    size_t l = trunc ? key_cap - 3 : len;
    for (size_t i = 0; i < n_refs; i++)
        if (refs[i].len == l && refs[i].trunc == trunc && (l == 0 || memcmp(refs[i].key, k, l) == 0))
            return &refs[i];
    if (n_refs == MAX_REF)
        return NULL;
    ref *r = &refs[n_refs++];
    if (l)
        memcpy(r->key, k, l);
    r->len = l;
    r->trunc = trunc;
    r->weight = 0;
    return r;
}

static void check_bounds(const ec_rates *r, uint32_t key_cap, int64_t now)
{
    for (size_t i = 0; i < n_refs; i++) {
        /* Look the group up by a key of the same identity. */
        uint8_t k[MAX_KEY + 1];
        size_t len = refs[i].len;
        memcpy(k, refs[i].key, len);
        if (refs[i].trunc) {
            memset(k + len, 'x', key_cap + 1 - len);
            len = key_cap + 1;
        }
        ec_rates_top *t = NULL;
        if (ec_rates_find(r, k, len, EC_RATES_60S, now, &t, NULL) != 0)
            abort();
        if (t->n == 1) {
            const ec_rates_row *row = &t->rows[0];
            if (row->count < row->error || row->count - row->error > refs[i].weight || refs[i].weight > row->count)
                abort();
            if ((bool)refs[i].trunc != row->key_truncated)
                abort();
        } else if (refs[i].weight > t->totals.min_count) {
            abort();
        }
        ec_rates_top_free(t);
    }
}

static void check_top(const ec_rates *r, rd *in, int64_t now)
{
    ec_rates_window w = (ec_rates_window)(byte(in) % 3);
    ec_rates_metric by = (ec_rates_metric)(byte(in) & 1);
    size_t n = byte(in) % 12;
    now += ((int64_t)(int8_t)byte(in)) * 1000;
    ec_rates_top *t = NULL;
    if (ec_rates_top_get(r, w, by, now, n, &t, NULL) != 0)
        abort();
    if (t->n > n)
        abort();
    for (size_t i = 0; i < t->n; i++) {
        const ec_rates_row *a = &t->rows[i];
        if (a->share_writes < 0 || a->share_writes > 1.000001 || a->share_bytes < 0 || a->share_bytes > 1.000001)
            abort();
        if (a->writes == 0 && a->bytes == 0)
            abort();   /* groups with no write in the window are left out */
        if (i > 0) {
            const ec_rates_row *b = &t->rows[i - 1];
            uint64_t va = by == EC_RATES_BYTES ? a->bytes : a->writes;
            uint64_t vb = by == EC_RATES_BYTES ? b->bytes : b->writes;
            if (va > vb)
                abort();
        }
    }
    ec_rates_top_free(t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    rd in = {data, size};
    if (size < 3)
        return 0;
    ec_rates_config cfg = {.capacity = 1 + byte(&in) % 32,
                           .key_cap = EC_RATES_MIN_KEY_CAP + byte(&in) % 48,
                           .weight = (ec_rates_metric)(byte(&in) & 1),
                           .seed = 1};
    ec_rates *r = NULL, *g = NULL;
    if (ec_rates_new(&cfg, &r, NULL) != 0)
        abort();
    ec_rates_config gcfg = {.capacity = 8, .seed = 2};
    if (ec_rates_new(&gcfg, &g, NULL) != 0)
        abort();
    refs = calloc(MAX_REF, sizeof *refs);
    if (!refs)
        abort();
    n_refs = 0;
    int64_t now = 1700000000000LL, rev = 1;
    const uint8_t *last_key = NULL;
    size_t last_len = 0;
    uint8_t gbuf[BG_TOP_GROUP_BUF];
    while (in.n > 0) {
        unsigned op = byte(&in) % 8;
        if (op <= 4) {
            size_t klen = byte(&in) % 80;
            const uint8_t *k, *sz;
            if (take(&in, klen, &k) != 0 || take(&in, 2, &sz) != 0)
                break;
            now += ((int64_t)(int8_t)byte(&in)) * 250;
            ec_rates_event ev = {k, klen, (uint64_t)sz[0] << 8 | sz[1], now, rev++, op & 1 ? EC_RATES_EV_ESTIMATED : 0};
            if (ec_rates_add(r, &ev, NULL) != 0)
                abort();
            ref *rf = ref_of(k, klen, cfg.key_cap);
            if (rf)
                rf->weight += cfg.weight == EC_RATES_BYTES ? ev.value_size : 1;
            last_key = k;
            last_len = klen;
        } else if (op == 5) {
            check_top(r, &in, now);
        } else if (op == 6) {
            ec_rates_top *t = NULL;
            if (ec_rates_find(r, last_key, last_len, EC_RATES_10S, now, &t, NULL) != 0)
                abort();
            ec_rates_top_free(t);
        } else {
            size_t klen = byte(&in) % 64, vlen = byte(&in) * 4u;
            const uint8_t *k, *v = NULL;
            if (take(&in, klen, &k) != 0)
                break;
            if (vlen > in.n)
                vlen = in.n;
            take(&in, vlen, &v);
            bg_top_write w = {k, klen, v, vlen, (int64_t)vlen, (vlen & 1) != 0, (vlen & 2) != 0};
            bg_top_parsed p;
            bg_top_parsed_init(&p, &w);
            bg_top_group_opts o = {.depth = klen % 5, .k8s_prefix = klen & 1 ? NULL : ""};
            for (unsigned gi = 0; gi < BG_TOP_NGROUPINGS; gi++) {
                const uint8_t *name = NULL;
                size_t n = bg_top_group((bg_top_grouping)gi, &p, &o, gbuf, &name);
                if (name == gbuf && n > BG_TOP_GROUP_BUF)
                    abort();
                ec_rates_event ev = {name, n, vlen, now, rev, 0};
                if (ec_rates_add(g, &ev, NULL) != 0)
                    abort();
            }
            rev++;
        }
    }
    check_bounds(r, cfg.key_cap, now);
    ec_rates_totals t;
    ec_rates_get_totals(r, now, &t);
    if (t.tracked > t.capacity)
        abort();
    free(refs);
    refs = NULL;
    ec_rates_free(r);
    ec_rates_free(g);
    return 0;
}
