/* Ingestion: Space-Saving counters found through an open-addressing hash
 * table, the minimum kept by a binary min-heap (so the summary can count
 * bytes as well as writes), windows per tracked group. */
#include "etcdclient/rates/rates_int.h"

#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#define MARKER_LEN (sizeof EC_RATES_TRUNC_MARKER - 1)

static uint64_t sat_add(uint64_t a, uint64_t b)
{
    return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

/* ---- hashing ---------------------------------------------------------- */

static uint64_t fmix(uint64_t x)
{
    x ^= x >> 32;
    x *= 0xd6e8feb86659fd93ull;
    x ^= x >> 32;
    x *= 0xd6e8feb86659fd93ull;
    x ^= x >> 32;
    return x;
}

/* Eight bytes at a time, each step a bijection of the state, then a full
 * avalanche: good spread for the table and the HyperLogLog. Not a keyed
 * cryptographic hash; the random seed only makes crafted collisions hard
 * to aim. */
uint64_t ec_rates_hash(uint64_t seed, const uint8_t *p, size_t n, bool truncated)
{
    const uint64_t k = 0x9e3779b97f4a7c15ull;
    uint64_t h = seed ^ ((uint64_t)n * k) ^ (truncated ? 0x5bd1e9955bd1e995ull : 0);
    while (n >= 8) {
        uint64_t w;
        memcpy(&w, p, 8);
        h = (h ^ w) * k;
        h ^= h >> 29;
        p += 8;
        n -= 8;
    }
    if (n) {
        uint64_t w = 0;
        memcpy(&w, p, n);
        h = (h ^ w) * k;
        h ^= h >> 29;
    }
    return fmix(h);
}

size_t ec_rates_ident_len(const ec_rates *r, size_t key_len, bool *truncated)
{
    *truncated = key_len > r->key_cap;
    return *truncated ? r->key_cap - MARKER_LEN : key_len;
}

/* ---- hash table ------------------------------------------------------- */

static uint32_t tag_of(uint64_t hash)
{
    return (uint32_t)(hash >> 32);
}

int64_t ec_rates_lookup(const ec_rates *r, uint64_t hash, const uint8_t *key, size_t len,
                        bool truncated)
{
    uint32_t tag = tag_of(hash);
    for (uint32_t i = tag & r->tab_mask;; i = (i + 1) & r->tab_mask) {
        const ec_rates_cell *c = &r->tab[i];
        if (!c->slot1)
            return -1;
        if (c->tag != tag)
            continue;
        const ec_rates_ctr *k = &r->ctr[c->slot1 - 1];
        size_t klen = k->truncated ? k->key_len - MARKER_LEN : k->key_len;
        if (k->hash == hash && k->truncated == truncated && klen == len &&
            (len == 0 || memcmp(k->key, key, len) == 0))
            return (int64_t)c->slot1 - 1;
    }
}

static void tab_insert(ec_rates *r, uint32_t slot)
{
    uint32_t tag = tag_of(r->ctr[slot].hash), i = tag & r->tab_mask;
    while (r->tab[i].slot1)
        i = (i + 1) & r->tab_mask;
    r->tab[i].slot1 = slot + 1;
    r->tab[i].tag = tag;
}

/* Backward-shift deletion (Knuth 6.4, algorithm R): no tombstones, so
 * probe lengths do not grow under constant eviction. */
static void tab_remove(ec_rates *r, uint32_t slot)
{
    uint32_t m = r->tab_mask, i = tag_of(r->ctr[slot].hash) & m;
    while (r->tab[i].slot1 != slot + 1)
        i = (i + 1) & m;
    for (uint32_t j = i;;) {
        j = (j + 1) & m;
        if (!r->tab[j].slot1)
            break;
        uint32_t home = r->tab[j].tag & m;
        /* The cell at j may fill the hole at i unless its home lies
         * cyclically in (i, j]. */
        bool stays = i <= j ? (home > i && home <= j) : (home > i || home <= j);
        if (!stays) {
            r->tab[i] = r->tab[j];
            i = j;
        }
    }
    r->tab[i].slot1 = 0;
}

/* ---- min-heap on counts ----------------------------------------------- */

/* Four children per node: half the depth of a binary heap, and the four
 * children of a node share one cache line (see the alignment in
 * ec_rates_new). */
#define ARITY 4

static void heap_set(ec_rates *r, uint32_t pos, ec_rates_heap_ent e)
{
    r->heap[pos] = e;
    r->ctr[e.slot].heap_pos = pos;
}

/* A count only grows, so it only ever moves down. It does not pass children
 * with an equal count: counters that reached a count earlier stay nearer the
 * root and are evicted before it. */
static void heap_down(ec_rates *r, uint32_t pos)
{
    ec_rates_heap_ent e = r->heap[pos];
    uint32_t n = r->used;
    for (;;) {
        uint32_t c = ARITY * pos + 1;
        if (c >= n)
            break;
        uint32_t end = n - c < ARITY ? n : c + ARITY, m = c;
        for (uint32_t j = c + 1; j < end; j++)
            if (r->heap[j].count < r->heap[m].count)
                m = j;
        if (r->heap[m].count >= e.count)
            break;
        heap_set(r, pos, r->heap[m]);
        pos = m;
    }
    heap_set(r, pos, e);
}

static void heap_up(ec_rates *r, uint32_t pos)
{
    ec_rates_heap_ent e = r->heap[pos];
    while (pos > 0) {
        uint32_t p = (pos - 1) / ARITY;
        if (r->heap[p].count <= e.count)
            break;
        heap_set(r, pos, r->heap[p]);
        pos = p;
    }
    heap_set(r, pos, e);
}

/* ---- engine ----------------------------------------------------------- */

int ec_rates_new(const ec_rates_config *cfg, ec_rates **out, ec_err *err)
{
    ec_rates_config c = {0};
    if (cfg)
        c = *cfg;
    if (!c.capacity)
        c.capacity = EC_RATES_DEFAULT_CAPACITY;
    if (!c.key_cap)
        c.key_cap = EC_RATES_DEFAULT_KEY_CAP;
    *out = NULL;
    if (c.capacity > EC_RATES_MAX_CAPACITY)
        return ec_fail(err, EC_E_INVALID, "cannot create rate engine: capacity %u above %u",
                       c.capacity, EC_RATES_MAX_CAPACITY);
    if (c.key_cap < EC_RATES_MIN_KEY_CAP || c.key_cap > EC_RATES_MAX_KEY_CAP)
        return ec_fail(err, EC_E_INVALID,
                       "cannot create rate engine: key cap %u outside %u..%u", c.key_cap,
                       EC_RATES_MIN_KEY_CAP, EC_RATES_MAX_KEY_CAP);
    if (c.weight != EC_RATES_WRITES && c.weight != EC_RATES_BYTES)
        return ec_fail(err, EC_E_INVALID, "cannot create rate engine: unknown weight %d",
                       (int)c.weight);
    if (!c.seed && getrandom(&c.seed, sizeof c.seed, GRND_NONBLOCK) != (ssize_t)sizeof c.seed)
        c.seed = 0x243f6a8885a308d3ull ^ (uint64_t)(uintptr_t)&c;

    ec_rates *r = calloc(1, sizeof *r);
    if (!r)
        return ec_fail(err, EC_E_NOMEM, "cannot create rate engine: out of memory");
    r->cap = c.capacity;
    r->key_cap = c.key_cap;
    r->weight = c.weight;
    r->seed = c.seed;
    r->latest_ms = INT64_MIN;
    r->all_est_ms = INT64_MIN;
    uint32_t cells = 2;
    while (cells < 2 * r->cap)
        cells *= 2;
    r->tab_mask = cells - 1;
    r->ctr = calloc(r->cap, sizeof *r->ctr);
    r->grp = malloc((size_t)r->cap * sizeof *r->grp);
    /* Children of node i start at 4i+1: with 16-byte entries and the
     * array starting 3 entries into a 64-byte line, each group of four
     * siblings fills exactly one line. */
    size_t hbytes = ((size_t)r->cap + 3) * sizeof *r->heap;
    r->heap_mem = aligned_alloc(64, (hbytes + 63) & ~(size_t)63);
    if (r->heap_mem)
        r->heap = (ec_rates_heap_ent *)r->heap_mem + 3;
    r->tab = calloc(cells, sizeof *r->tab);
    if (!r->ctr || !r->grp || !r->heap || !r->tab) {
        ec_rates_free(r);
        return ec_fail(err, EC_E_NOMEM,
                       "cannot create rate engine: out of memory for %u counters", c.capacity);
    }
    ec_rates_hll_init(&r->hll);
    *out = r;
    return 0;
}

void ec_rates_free(ec_rates *r)
{
    if (!r)
        return;
    if (r->ctr)
        for (uint32_t i = 0; i < r->cap; i++)
            free(r->ctr[i].key);
    free(r->ctr);
    free(r->grp);
    free(r->heap_mem);
    free(r->tab);
    free(r);
}

int64_t ec_rates_latest_ms(const ec_rates *r)
{
    return r->latest_ms;
}

static void grp_add(ec_rates_grp *g, const ec_rates_event *ev, int64_t sec, bool est)
{
    g->writes++;
    g->bytes = sat_add(g->bytes, ev->value_size);
    if (ev->time_ms < g->first_ms)
        g->first_ms = ev->time_ms;
    if (ev->time_ms > g->last_ms)
        g->last_ms = ev->time_ms;
    if (ev->revision > g->last_rev)
        g->last_rev = ev->revision;
    if (est && ev->time_ms > g->est_ms)
        g->est_ms = ev->time_ms;
    ec_rates_win_add(&g->win, sec, ev->value_size);
}

/* Makes room for `need` key bytes in a counter before anything is evicted,
 * so running out of memory leaves the summary as it was. */
static int key_room(ec_rates *r, ec_rates_ctr *k, size_t need)
{
    if (need <= k->key_alloc)
        return 0;
    size_t n = (need + 31) & ~(size_t)31;
    uint8_t *p = realloc(k->key, n);
    if (!p)
        return -1;
    r->key_bytes += n - k->key_alloc;
    k->key = p;
    k->key_alloc = (uint32_t)n;
    return 0;
}

int ec_rates_add(ec_rates *r, const ec_rates_event *ev, ec_err *err)
{
    if (!ev || (!ev->key && ev->key_len))
        return ec_fail(err, EC_E_INVALID, "cannot count write: event has no key");
    int64_t sec = ec_rates_sec_of_ms(ev->time_ms);
    bool est = (ev->flags & EC_RATES_EV_ESTIMATED) != 0;
    uint64_t w = r->weight == EC_RATES_BYTES ? ev->value_size : 1;

    if (!r->events)
        ec_rates_win_init(&r->all, sec);
    if (ev->time_ms > r->latest_ms)
        r->latest_ms = ev->time_ms;
    r->events++;
    r->bytes_all = sat_add(r->bytes_all, ev->value_size);
    r->weight_all = sat_add(r->weight_all, w);
    if (est) {
        r->estimated_events++;
        if (ev->time_ms > r->all_est_ms)
            r->all_est_ms = ev->time_ms;
    }
    if (ec_rates_win_add(&r->all, sec, ev->value_size) == EC_RATES_WIN_LATE)
        r->late++;

    bool trunc;
    size_t len = ec_rates_ident_len(r, ev->key_len, &trunc);
    uint64_t h = ec_rates_hash(r->seed, ev->key, len, trunc);
    ec_rates_hll_add(&r->hll, h);

    int64_t found = ec_rates_lookup(r, h, ev->key, len, trunc);
    if (found >= 0) {
        ec_rates_ctr *k = &r->ctr[found];
        if (w) {
            r->heap[k->heap_pos].count = sat_add(r->heap[k->heap_pos].count, w);
            heap_down(r, k->heap_pos);
        }
        grp_add(&r->grp[found], ev, sec, est);
        return 0;
    }
    if (!w) {
        r->untracked++;
        return 0;
    }

    size_t stored = trunc ? r->key_cap : len;
    uint32_t slot = r->used < r->cap ? r->used : r->heap[0].slot;
    ec_rates_ctr *k = &r->ctr[slot];
    if (key_room(r, k, stored) < 0) {
        r->untracked++;
        return ec_fail(err, EC_E_NOMEM, "cannot track write group: out of memory for its key");
    }
    bool evict = r->used == r->cap;
    if (!evict) {
        k->err = 0;
        r->used++;
        r->heap[r->used - 1] = (ec_rates_heap_ent){ .count = w, .slot = slot };
        k->heap_pos = r->used - 1;
    } else {
        /* Space-Saving: the new group takes the minimum counter and
         * inherits its count as the bound on what it may have missed. */
        tab_remove(r, slot);
        k->err = r->heap[0].count;
        r->heap[0].count = sat_add(k->err, w);
        r->evictions++;
    }
    k->hash = h;
    k->truncated = trunc;
    k->key_len = (uint32_t)stored;
    if (len)
        memcpy(k->key, ev->key, len);
    if (trunc)
        memcpy(k->key + len, EC_RATES_TRUNC_MARKER, MARKER_LEN);
    tab_insert(r, slot);
    if (evict)
        heap_down(r, k->heap_pos);
    else
        heap_up(r, k->heap_pos);

    ec_rates_grp *g = &r->grp[slot];
    ec_rates_win_init(&g->win, sec);
    g->writes = g->bytes = 0;
    g->first_ms = g->last_ms = ev->time_ms;
    g->last_rev = ev->revision;
    g->est_ms = INT64_MIN;
    grp_add(g, ev, sec, est);
    return 0;
}
