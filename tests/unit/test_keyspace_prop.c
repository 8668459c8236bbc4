/* Property test: random operations (fixed seed) go to the tree and to a
 * naive model, a sorted array of keys whose aggregates are recomputed by a
 * prefix scan; after every step every node of the tree must agree with the
 * model, and so must the node set, the links, the generation and a random
 * listing. KS_PROP_STEPS overrides the number of steps (default 4000). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "etcdclient/keyspace/keyspace.h"

#define MAXKEY 16
#define MAXKEYS 512

typedef struct mkey {
    uint8_t k[MAXKEY];
    size_t n;
    ec_ks_kv kv;
    uint64_t rate;      /* micro-writes/s, as documented */
} mkey;

static mkey model[MAXKEYS];
static size_t nmodel;
static int64_t rev;
static uint64_t rng = 0x9E3779B97F4A7C15ULL;

static uint64_t rnd(void)
{
    /* xorshift64*: deterministic, so a failure replays exactly. */
    rng ^= rng >> 12;
    rng ^= rng << 25;
    rng ^= rng >> 27;
    return rng * 2685821657736338717ULL;
}

static unsigned rndn(unsigned n)
{
    return (unsigned)(rnd() % n);
}

static int bytes_cmp(const uint8_t *a, size_t an, const uint8_t *b, size_t bn)
{
    size_t m = an < bn ? an : bn;
    int c = m ? memcmp(a, b, m) : 0;
    return c ? c : (an > bn) - (an < bn);
}

/* Segments chosen to collide: empty ones, NUL, a byte that is not UTF-8,
 * and "a-b" which sorts between "a" and "a/" in byte order. */
static const struct { const char *s; size_t n; } segs[] = {
    { "", 0 }, { "a", 1 }, { "b", 1 }, { "a\0", 2 }, { "\xff", 1 }, { "a-b", 3 },
};
#define NSEGS (sizeof segs / sizeof *segs)

static void random_key(uint8_t *k, size_t *n)
{
    unsigned r = rndn(10), depth = r < 2 ? 1 : r < 6 ? 2 : 3;
    size_t len = 0;
    for (unsigned d = 0; d < depth; d++) {
        if (d)
            k[len++] = '/';
        unsigned s = rndn(NSEGS);
        memcpy(k + len, segs[s].s, segs[s].n);
        len += segs[s].n;
    }
    *n = len;
}

/* Index of key in the model, or -1 with *at the insertion point. */
static long model_find(const uint8_t *k, size_t n, size_t *at)
{
    size_t lo = 0, hi = nmodel;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = bytes_cmp(k, n, model[mid].k, model[mid].n);
        if (c == 0)
            return (long)mid;
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    if (at)
        *at = lo;
    return -1;
}

static uint64_t fixed(double r)
{
    if (!(r > 0))
        return 0;
    if (r > EC_KS_RATE_MAX)
        r = EC_KS_RATE_MAX;
    return (uint64_t)llround(r * 1e6);
}

static int64_t random_size(void)
{
    return rndn(3) == 0 ? EC_KS_SIZE_UNKNOWN : (int64_t)rndn(1000);
}

/* ---- operations: each applies to both and returns whether anything changed ---- */

static ec_ks_kv next_kv(const uint8_t *k, size_t n)
{
    long i = model_find(k, n, NULL);
    ec_ks_kv kv = { 0, 0, 0, 0, random_size() };
    if (i < 0) {
        /* Mostly the newest revision; sometimes an older one, as when a
         * scan page lands after a watch event. */
        kv.create_revision = kv.mod_revision = rndn(5) ? ++rev : 1 + (int64_t)rndn((unsigned)rev + 1);
        kv.version = 1;
        kv.lease = rndn(4) == 0 ? (int64_t)rndn(5) + 1 : 0;
        return kv;
    }
    kv = model[i].kv;
    unsigned r = rndn(10);
    if (r < 7) {            /* a new write */
        kv.mod_revision = ++rev;
        kv.version++;
        kv.value_size = random_size();
    } else if (r < 8) {     /* the same again, maybe without the size */
        if (rndn(2))
            kv.value_size = EC_KS_SIZE_UNKNOWN;
    } else {                /* stale or reordered information */
        kv.mod_revision = 1 + (int64_t)rndn((unsigned)rev);
        kv.version = 1 + (int64_t)rndn(5);
        kv.value_size = random_size();
    }
    return kv;
}

static int model_put(const uint8_t *k, size_t n, ec_ks_kv kv, int *created)
{
    size_t at;
    long i = model_find(k, n, &at);
    if (i < 0) {
        assert_true(nmodel < MAXKEYS);
        memmove(&model[at + 1], &model[at], (nmodel - at) * sizeof *model);
        memset(&model[at], 0, sizeof *model);
        memcpy(model[at].k, k, n);
        model[at].n = n;
        model[at].kv = kv;
        nmodel++;
        *created = 1;
        return 1;
    }
    *created = 0;
    mkey *m = &model[i];
    if (kv.value_size < 0 && kv.mod_revision == m->kv.mod_revision)
        kv.value_size = m->kv.value_size;
    if (memcmp(&kv, &m->kv, sizeof kv) == 0)
        return 0;
    m->kv = kv;
    return 1;
}

static int op_put(ec_ks *ks)
{
    uint8_t k[MAXKEY];
    size_t n;
    random_key(k, &n);
    ec_ks_kv kv = next_kv(k, n);
    int created;
    int changed = model_put(k, n, kv, &created);
    ec_err err;
    assert_int_equal(ec_ks_put(ks, k, n, &kv, &err), created);
    return changed;
}

static int op_page(ec_ks *ks)
{
    /* A scan page: distinct keys in ascending byte order. */
    mkey page[8];
    size_t np = 0;
    unsigned want = 1 + rndn(8);
    for (unsigned t = 0; t < want; t++) {
        mkey c;
        random_key(c.k, &c.n);
        size_t j = 0;
        while (j < np && bytes_cmp(page[j].k, page[j].n, c.k, c.n) < 0)
            j++;
        if (j < np && bytes_cmp(page[j].k, page[j].n, c.k, c.n) == 0)
            continue;
        memmove(&page[j + 1], &page[j], (np - j) * sizeof *page);
        page[j] = c;
        np++;
    }
    ec_ks_entry e[8];
    int changed = 0, created;
    for (size_t j = 0; j < np; j++) {
        page[j].kv = next_kv(page[j].k, page[j].n);
        changed |= model_put(page[j].k, page[j].n, page[j].kv, &created);
        e[j].key = page[j].k;
        e[j].key_len = page[j].n;
        e[j].kv = page[j].kv;
    }
    assert_int_equal(ec_ks_add_page(ks, e, np, NULL), 0);
    return changed;
}

static void pick_key(uint8_t *k, size_t *n)
{
    if (nmodel && rndn(3)) {
        mkey *m = &model[rndn((unsigned)nmodel)];
        memcpy(k, m->k, m->n);
        *n = m->n;
    } else {
        random_key(k, n);
    }
}

static int op_delete(ec_ks *ks)
{
    uint8_t k[MAXKEY];
    size_t n;
    pick_key(k, &n);
    long i = model_find(k, n, NULL);
    assert_int_equal(ec_ks_delete(ks, k, n), i >= 0);
    if (i < 0)
        return 0;
    memmove(&model[i], &model[i + 1], (nmodel - (size_t)i - 1) * sizeof *model);
    nmodel--;
    return 1;
}

static int op_size(ec_ks *ks)
{
    uint8_t k[MAXKEY];
    size_t n;
    pick_key(k, &n);
    long i = model_find(k, n, NULL);
    int64_t size = random_size(), mod = 0;
    unsigned r = rndn(4);
    if (i >= 0 && r < 2)
        mod = model[i].kv.mod_revision;
    else if (r == 2)
        mod = 1 + (int64_t)rndn((unsigned)rev + 1);
    int applies = i >= 0 && (mod == 0 || mod == model[i].kv.mod_revision);
    ec_err err;
    assert_int_equal(ec_ks_set_size(ks, k, n, mod, size, &err), applies);
    if (!applies || model[i].kv.value_size == size)
        return 0;
    model[i].kv.value_size = size;
    return 1;
}

static int op_rate(ec_ks *ks, int add)
{
    uint8_t k[MAXKEY];
    size_t n;
    pick_key(k, &n);
    long i = model_find(k, n, NULL);
    double v = (double)rndn(8001) / 1000.0 - (add ? 4.0 : 0.0);
    if (!add && rndn(20) == 0)
        v = rndn(2) ? -1.0 : 2e5; /* clamped both ways */
    ec_err err;
    int rc = add ? ec_ks_rate_add(ks, k, n, v, &err) : ec_ks_rate_set(ks, k, n, v, &err);
    assert_int_equal(rc, i >= 0);
    if (i < 0)
        return 0;
    uint64_t r;
    if (add) {
        int64_t cur = (int64_t)model[i].rate + (v < 0 ? -(int64_t)fixed(-v) : (int64_t)fixed(v));
        int64_t max = (int64_t)fixed(EC_KS_RATE_MAX);
        r = cur < 0 ? 0 : cur > max ? (uint64_t)max : (uint64_t)cur;
    } else {
        r = fixed(v);
    }
    if (r == model[i].rate)
        return 0;
    model[i].rate = r;
    return 1;
}

/* ---- checking ---- */

typedef struct agg {
    uint64_t keys, bytes, known, writes, rate;
    int64_t maxmod;
} agg;

/* Everything under the node with this path (root: path NULL). */
static agg model_agg(const uint8_t *p, size_t pn, int root)
{
    agg a = { 0, 0, 0, 0, 0, 0 };
    for (size_t i = 0; i < nmodel; i++) {
        const mkey *m = &model[i];
        int under = root || (m->n == pn && memcmp(m->k, p, pn) == 0) ||
                    (m->n > pn && memcmp(m->k, p, pn) == 0 && m->k[pn] == '/');
        if (!under)
            continue;
        a.keys++;
        if (m->kv.value_size >= 0) {
            a.bytes += (uint64_t)m->kv.value_size;
            a.known++;
        }
        a.writes += (uint64_t)m->kv.version;
        a.rate += m->rate;
        if (m->kv.mod_revision > a.maxmod)
            a.maxmod = m->kv.mod_revision;
    }
    return a;
}

typedef struct pref {
    const uint8_t *p;
    size_t n;
} pref;

static int pref_cmp(const void *a, const void *b)
{
    const pref *x = a, *y = b;
    return bytes_cmp(x->p, x->n, y->p, y->n);
}

/* The number of nodes the model implies: every prefix of a key that ends
 * where a segment ends, without duplicates. */
static size_t model_node_count(void)
{
    static pref all[MAXKEYS * 4];
    size_t n = 0;
    for (size_t i = 0; i < nmodel; i++) {
        const mkey *m = &model[i];
        for (size_t j = 0; j <= m->n; j++)
            if (j == m->n || m->k[j] == '/')
                all[n++] = (pref){ m->k, j };
    }
    qsort(all, n, sizeof *all, pref_cmp);
    size_t u = 0;
    for (size_t i = 0; i < n; i++)
        if (i == 0 || pref_cmp(&all[i - 1], &all[i]) != 0)
            u++;
    return u;
}

static ec_ks_id dirs_seen[MAXKEYS * 4];
static size_t ndirs_seen;

static void check_node(ec_ks *ks, ec_ks_id id, size_t *count)
{
    ec_buf path;
    ec_buf_init(&path, 0);
    assert_int_equal(ec_ks_path(ks, id, &path), 0);
    const uint8_t *p = (const uint8_t *)path.data;
    ec_ks_info st;
    assert_int_equal(ec_ks_stat(ks, id, &st), 0);
    agg a = model_agg(p, path.len, id == EC_KS_ROOT);
    assert_int_equal(st.keys, a.keys);
    assert_int_equal(st.bytes, a.bytes);
    assert_int_equal(st.bytes_known, a.known);
    assert_int_equal(st.writes, a.writes);
    assert_int_equal(st.max_mod_revision, a.maxmod);
    assert_true(st.rate == (double)a.rate / 1e6);
    if (id != EC_KS_ROOT) {
        assert_true(a.keys > 0); /* no empty directories */
        assert_int_equal(ec_ks_find(ks, p, path.len), id);
        long i = model_find(p, path.len, NULL);
        assert_int_equal(st.is_key, i >= 0);
        if (i >= 0)
            assert_memory_equal(&st.kv, &model[i].kv, sizeof st.kv);
    }
    (*count)++;
    if (st.children)
        dirs_seen[ndirs_seen++] = id;

    ec_ks_order o = { EC_KS_BY_NAME, 0, NULL, 0 };
    const ec_ks_id *rows;
    size_t n;
    assert_int_equal(ec_ks_list(ks, id, &o, &rows, &n, NULL), 0);
    assert_int_equal(n, st.children);
    ec_ks_id *kids = malloc((n + 1) * sizeof *kids);
    memcpy(kids, rows, n * sizeof *kids);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(ec_ks_parent(ks, kids[i]), id);
        if (i > 0) {
            ec_ks_info x, y;
            ec_ks_stat(ks, kids[i - 1], &x);
            ec_ks_stat(ks, kids[i], &y);
            assert_true(bytes_cmp(x.name, x.name_len, y.name, y.name_len) < 0);
        }
    }
    ec_buf_free(&path);
    for (size_t i = 0; i < n; i++)
        check_node(ks, kids[i], count);
    free(kids);
}

static uint64_t col_of(const ec_ks_info *st, ec_ks_col col)
{
    switch (col) {
    case EC_KS_BY_KEYS: return st->keys;
    case EC_KS_BY_BYTES: return st->bytes;
    case EC_KS_BY_WRITES: return st->writes;
    case EC_KS_BY_MODREV: return (uint64_t)st->max_mod_revision;
    case EC_KS_BY_RATE: return (uint64_t)llround(st->rate * 1e6);
    default: return 0;
    }
}

static void check_listing(ec_ks *ks, ec_ks_id dir, ec_ks_order o)
{
    const ec_ks_id *rows;
    size_t n;
    assert_int_equal(ec_ks_list(ks, dir, &o, &rows, &n, NULL), 0);
    ec_ks_id *copy = malloc((n + 1) * sizeof *copy);
    memcpy(copy, rows, n * sizeof *copy);

    /* Same set as a plain filter over the children. */
    ec_ks_order all = { EC_KS_BY_NAME, 0, NULL, 0 };
    const ec_ks_id *kids;
    size_t nk, expect = 0;
    assert_int_equal(ec_ks_list(ks, dir, &all, &kids, &nk, NULL), 0);
    for (size_t i = 0; i < nk; i++) {
        ec_ks_info st;
        ec_ks_stat(ks, kids[i], &st);
        if (!o.filter_len || (st.name_len >= o.filter_len && memmem(st.name, st.name_len, o.filter, o.filter_len)))
            expect++;
    }
    assert_int_equal(n, expect);
    for (size_t i = 0; i < n; i++) {
        ec_ks_info y;
        ec_ks_stat(ks, copy[i], &y);
        assert_int_equal(ec_ks_parent(ks, copy[i]), dir);
        if (o.filter_len)
            assert_non_null(memmem(y.name, y.name_len, o.filter, o.filter_len));
        if (i == 0)
            continue;
        ec_ks_info x;
        ec_ks_stat(ks, copy[i - 1], &x);
        int byname = bytes_cmp(x.name, x.name_len, y.name, y.name_len);
        if (o.col == EC_KS_BY_NAME) {
            assert_true(o.desc ? byname > 0 : byname < 0);
            continue;
        }
        uint64_t vx = col_of(&x, o.col), vy = col_of(&y, o.col);
        if (vx == vy)
            assert_true(byname < 0);
        else
            assert_true(o.desc ? vx > vy : vx < vy);
    }
    /* Listing again without a change gives the same rows. */
    assert_int_equal(ec_ks_list(ks, dir, &o, &rows, &n, NULL), 0);
    assert_memory_equal(rows, copy, n * sizeof *copy);
    free(copy);
}

static void check_listings(ec_ks *ks)
{
    static const struct { const char *s; size_t n; } filters[] = {
        { NULL, 0 }, { "a", 1 }, { "\0", 1 }, { "-", 1 }, { "b", 1 }, { "a-b", 3 },
    };
    /* A random listing, and two fixed ones that stay in the cache between
     * steps: a stale cached order would show there. */
    unsigned fi = rndn(sizeof filters / sizeof *filters);
    ec_ks_order o = { (ec_ks_col)rndn(EC_KS_NCOLS), (int)rndn(2),
                      (const uint8_t *)filters[fi].s, filters[fi].n };
    check_listing(ks, dirs_seen[rndn((unsigned)ndirs_seen)], o);
    ec_ks_order by_keys = { EC_KS_BY_MODREV, 1, NULL, 0 };
    check_listing(ks, EC_KS_ROOT, by_keys);
    ec_ks_id a = ec_ks_find(ks, (const uint8_t *)"a", 1);
    ec_ks_order by_bytes = { EC_KS_BY_BYTES, 0, (const uint8_t *)"a", 1 };
    if (a != EC_KS_NONE)
        check_listing(ks, a, by_bytes);
}

static void check_all(ec_ks *ks)
{
    size_t count = 0;
    ndirs_seen = 0;
    check_node(ks, EC_KS_ROOT, &count);
    ec_ks_mem m;
    ec_ks_memory(ks, &m);
    assert_int_equal(m.nodes, count);
    assert_int_equal(count, 1 + model_node_count());
    assert_int_equal(m.dirs, ndirs_seen + (ndirs_seen == 0 || dirs_seen[0] != EC_KS_ROOT));
    if (ndirs_seen)
        check_listings(ks);
}

static void test_random_operations(void **state)
{
    (void)state;
    long steps = 4000;
    const char *env = getenv("KS_PROP_STEPS");
    if (env && atol(env) > 0)
        steps = atol(env);
    ec_ks *ks = ec_ks_new();
    assert_non_null(ks);
    nmodel = 0;
    rev = 0;
    size_t peak = 0;
    long counts[8] = { 0 };
    for (long step = 0; step < steps; step++) {
        uint64_t g = ec_ks_generation(ks);
        unsigned r = rndn(1000);
        int changed, kind;
        if (r < 380) {
            kind = 0;
            changed = op_put(ks);
        } else if (r < 480) {
            kind = 1;
            changed = op_page(ks);
        } else if (r < 700) {
            kind = 2;
            changed = op_delete(ks);
        } else if (r < 800) {
            kind = 3;
            changed = op_size(ks);
        } else if (r < 880) {
            kind = 4;
            changed = op_rate(ks, 0);
        } else if (r < 990) {
            kind = 5;
            changed = op_rate(ks, 1);
        } else if (r < 998) {
            kind = 6;
            ec_ks_rate_clear(ks);
            for (size_t i = 0; i < nmodel; i++)
                model[i].rate = 0;
            changed = 1;
        } else {
            kind = 7;
            ec_ks_clear(ks);
            nmodel = 0;
            changed = 1;
        }
        counts[kind]++;
        if (changed)
            assert_true(ec_ks_generation(ks) > g);
        else
            assert_int_equal(ec_ks_generation(ks), g);
        check_all(ks);
        if (nmodel > peak)
            peak = nmodel;
    }
    /* The run exercised what it claims to. */
    for (int k = 0; k < 8; k++)
        assert_true(counts[k] > 0 || steps < 1000);
    assert_true(peak > 50 || steps < 1000);
    ec_ks_free(ks);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_random_operations),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
