/* A million keys in the Kubernetes layout /registry/<resource>/<ns>/<name>,
 * fed in sorted pages of 1000 as a scan delivers them; the aggregates of the
 * root, every resource and every namespace are checked against numbers
 * counted while generating. Not timed (tests/tools/bench_keyspace.c is).
 * KS_BIG_N sets the number of keys (default 1000000; smaller under valgrind). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "etcdclient/keyspace/keyspace.h"

#define NRES 40
#define NNS 50

static const char *res_names[NRES] = {
    "apiservices", "certificatesigningrequests", "clusterrolebindings", "clusterroles",
    "configmaps", "controllerrevisions", "cronjobs", "csidrivers", "csinodes",
    "customresourcedefinitions", "daemonsets", "deployments", "endpointslices", "events",
    "flowschemas", "horizontalpodautoscalers", "ingress", "ingressclasses", "jobs", "leases",
    "limitranges", "masterleases", "minions", "mutatingwebhookconfigurations", "namespaces",
    "networkpolicies", "persistentvolumeclaims", "persistentvolumes", "poddisruptionbudgets",
    "pods", "pods-old", "priorityclasses", "replicasets", "resourcequotas", "rolebindings",
    "roles", "secrets", "serviceaccounts", "services", "statefulsets",
};

/* "kube" next to "kube-system" and "kube.x": byte order of the keys is not
 * the order of the segments there, so the scan path must insert, not only
 * append. */
static const char *ns_fixed[] = { "default", "kube", "kube-node-lease", "kube-public",
                                  "kube-system", "kube.x", "monitoring", "ingress-nginx" };

typedef struct cell {
    uint64_t keys, bytes, known, writes;
    int64_t maxmod;
} cell;

typedef struct gkey {
    uint32_t off;
    uint16_t len;
    uint16_t res, ns;
} gkey;

static char ns_names[NNS][24];
static cell cells[NRES][NNS];
static char *blob;
static gkey *keys;
static size_t nkeys;

static uint64_t mix(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ULL;
    x ^= x >> 33;
    return x;
}

static ec_ks_kv kv_for(size_t g)
{
    uint64_t h = mix(g + 1);
    ec_ks_kv kv;
    kv.create_revision = (int64_t)(1 + g);
    kv.mod_revision = (int64_t)(1 + h % 50000000);
    kv.version = (int64_t)(1 + (h >> 32) % 7);
    kv.lease = 0;
    kv.value_size = (h >> 40) % 4 == 0 ? EC_KS_SIZE_UNKNOWN : (int64_t)((h >> 20) % 20000);
    return kv;
}

static int gkey_cmp(const void *a, const void *b)
{
    const gkey *x = a, *y = b;
    size_t m = x->len < y->len ? x->len : y->len;
    int c = memcmp(blob + x->off, blob + y->off, m);
    return c ? c : (x->len > y->len) - (x->len < y->len);
}

/* Generates n keys, counting what each (resource, namespace) must add up to. */
static void generate(size_t n)
{
    for (int i = 0; i < NNS; i++) {
        if (i < (int)(sizeof ns_fixed / sizeof *ns_fixed))
            snprintf(ns_names[i], sizeof ns_names[i], "%s", ns_fixed[i]);
        else
            snprintf(ns_names[i], sizeof ns_names[i], "team-%02d", i);
    }
    uint64_t w[NRES][NNS], wsum = 0;
    for (int r = 0; r < NRES; r++)
        for (int s = 0; s < NNS; s++)
            wsum += w[r][s] = 1 + (uint64_t)(r * 31 + s * 17) % 97;
    size_t count[NRES][NNS], total = 0;
    for (int r = 0; r < NRES; r++)
        for (int s = 0; s < NNS; s++)
            total += count[r][s] = (size_t)(n * w[r][s] / wsum);
    for (int r = 0; total < n; r = (r + 1) % NRES, total++)
        count[r][r % NNS]++;

    keys = malloc(n * sizeof *keys);
    blob = malloc(n * 112);
    assert_non_null(keys);
    assert_non_null(blob);
    memset(cells, 0, sizeof cells);
    size_t off = 0;
    nkeys = 0;
    for (int r = 0; r < NRES; r++)
        for (int s = 0; s < NNS; s++)
            for (size_t j = 0; j < count[r][s]; j++) {
                uint64_t h = mix(nkeys * 7919 + 13);
                int tail = 8 + (int)(h % 30);
                char *p = blob + off;
                int len = snprintf(p, 112, "/registry/%s/%s/%.3s-%06zu-", res_names[r],
                                   ns_names[s], res_names[r], j);
                for (int t = 0; t < tail; t++)
                    p[len++] = "abcdefghijklmnopqrstuvwxyz0123456789"[(h >> (t % 58)) % 36];
                keys[nkeys].off = (uint32_t)off;
                keys[nkeys].len = (uint16_t)len;
                keys[nkeys].res = (uint16_t)r;
                keys[nkeys].ns = (uint16_t)s;
                off += (size_t)len;
                nkeys++;
            }
    assert_int_equal(nkeys, n);
    /* etcd returns keys in byte order. */
    qsort(keys, n, sizeof *keys, gkey_cmp);
    for (size_t g = 0; g < n; g++) {
        ec_ks_kv kv = kv_for(g);
        cell *c = &cells[keys[g].res][keys[g].ns];
        c->keys++;
        c->writes += (uint64_t)kv.version;
        if (kv.value_size >= 0) {
            c->bytes += (uint64_t)kv.value_size;
            c->known++;
        }
        if (kv.mod_revision > c->maxmod)
            c->maxmod = kv.mod_revision;
    }
}

static void add(cell *to, const cell *c)
{
    to->keys += c->keys;
    to->bytes += c->bytes;
    to->known += c->known;
    to->writes += c->writes;
    if (c->maxmod > to->maxmod)
        to->maxmod = c->maxmod;
}

static void expect(ec_ks *ks, const char *path, const cell *c)
{
    ec_ks_id id = path ? ec_ks_find(ks, (const uint8_t *)path, strlen(path)) : EC_KS_ROOT;
    if (c->keys == 0) {
        assert_int_equal(id, EC_KS_NONE);
        return;
    }
    if (id == EC_KS_NONE)
        fail_msg("no node '%s'", path);
    ec_ks_info st;
    assert_int_equal(ec_ks_stat(ks, id, &st), 0);
    assert_int_equal(st.keys, c->keys);
    assert_int_equal(st.bytes, c->bytes);
    assert_int_equal(st.bytes_known, c->known);
    assert_int_equal(st.writes, c->writes);
    assert_int_equal(st.max_mod_revision, c->maxmod);
}

static void expect_all(ec_ks *ks)
{
    cell all = { 0, 0, 0, 0, 0 };
    char path[128];
    for (int r = 0; r < NRES; r++) {
        cell rc = { 0, 0, 0, 0, 0 };
        for (int s = 0; s < NNS; s++) {
            snprintf(path, sizeof path, "/registry/%s/%.23s", res_names[r], ns_names[s]);
            expect(ks, path, &cells[r][s]);
            add(&rc, &cells[r][s]);
        }
        snprintf(path, sizeof path, "/registry/%s", res_names[r]);
        expect(ks, path, &rc);
        add(&all, &rc);
    }
    expect(ks, "/registry", &all);
    expect(ks, "", &all);
    expect(ks, NULL, &all);
}

static int by_keys_desc(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    uint64_t kx = 0, ky = 0;
    for (int s = 0; s < NNS; s++) {
        kx += cells[x][s].keys;
        ky += cells[y][s].keys;
    }
    if (kx != ky)
        return kx > ky ? -1 : 1;
    return strcmp(res_names[x], res_names[y]);
}

static void test_million_keys(void **state)
{
    (void)state;
    size_t n = 1000000;
    const char *env = getenv("KS_BIG_N");
    if (env && atol(env) > 0)
        n = (size_t)atol(env);
    generate(n);

    ec_ks *ks = ec_ks_new();
    assert_non_null(ks);
    ec_ks_entry page[1000];
    ec_err err;
    for (size_t g = 0; g < n; g += 1000) {
        size_t m = n - g < 1000 ? n - g : 1000;
        for (size_t i = 0; i < m; i++) {
            page[i].key = (const uint8_t *)blob + keys[g + i].off;
            page[i].key_len = keys[g + i].len;
            page[i].kv = kv_for(g + i);
        }
        if (ec_ks_add_page(ks, page, m, &err) != 0)
            fail_msg("%s", err.msg);
    }
    expect_all(ks);

    /* Node count: root, "", registry, resources, non-empty namespaces, keys. */
    size_t ndirs = 0;
    for (int r = 0; r < NRES; r++)
        for (int s = 0; s < NNS; s++)
            ndirs += cells[r][s].keys > 0;
    ec_ks_mem mem;
    ec_ks_memory(ks, &mem);
    assert_int_equal(mem.nodes, 3 + NRES + ndirs + n);

    /* Resources by key count, as the browser would list them. */
    int order[NRES];
    for (int r = 0; r < NRES; r++)
        order[r] = r;
    qsort(order, NRES, sizeof *order, by_keys_desc);
    ec_ks_order o = { EC_KS_BY_KEYS, 1, NULL, 0 };
    const ec_ks_id *rows;
    size_t nrows;
    assert_int_equal(ec_ks_list(ks, ec_ks_find(ks, (const uint8_t *)"/registry", 9), &o, &rows, &nrows, &err), 0);
    assert_int_equal(nrows, NRES);
    for (int i = 0; i < NRES; i++) {
        ec_ks_info st;
        ec_ks_stat(ks, rows[i], &st);
        assert_int_equal(st.name_len, strlen(res_names[order[i]]));
        assert_memory_equal(st.name, res_names[order[i]], st.name_len);
    }

    /* A size scan of one namespace, then deleting another whole one. */
    int sr = 29, ss = 4; /* pods/kube-system */
    int dr = 29, ds = 1; /* pods/kube */
    for (size_t g = 0; g < n; g++) {
        if (keys[g].res != sr || keys[g].ns != ss)
            continue;
        ec_ks_kv kv = kv_for(g);
        assert_int_equal(ec_ks_set_size(ks, (const uint8_t *)blob + keys[g].off, keys[g].len,
                                        kv.mod_revision, 100, &err), 1);
    }
    cells[sr][ss].bytes = 100 * cells[sr][ss].keys;
    cells[sr][ss].known = cells[sr][ss].keys;
    for (size_t g = 0; g < n; g++) {
        if (keys[g].res != dr || keys[g].ns != ds)
            continue;
        assert_int_equal(ec_ks_delete(ks, (const uint8_t *)blob + keys[g].off, keys[g].len), 1);
    }
    assert_true(cells[dr][ds].keys > 0);
    size_t gone = cells[dr][ds].keys;
    memset(&cells[dr][ds], 0, sizeof cells[dr][ds]);
    expect_all(ks);
    ec_ks_memory(ks, &mem);
    assert_int_equal(mem.nodes, 3 + NRES + ndirs - 1 + n - gone);

    ec_ks_free(ks);
    free(keys);
    free(blob);
}

/* One directory of 100k entries, listed as a redrawing UI would. */
static void test_wide_directory(void **state)
{
    (void)state;
    ec_ks *ks = ec_ks_new();
    char k[64];
    size_t n = 100000;
    for (size_t i = 0; i < n; i++) {
        int len = snprintf(k, sizeof k, "/registry/events/default/ev-%07zu", i);
        ec_ks_kv kv = { 1, (int64_t)(1 + mix(i) % 1000000), 1, 0, (int64_t)(mix(i + 7) % 300) };
        assert_int_equal(ec_ks_put(ks, (const uint8_t *)k, (size_t)len, &kv, NULL), 1);
    }
    ec_ks_id d = ec_ks_find(ks, (const uint8_t *)"/registry/events/default", 24);
    ec_ks_order o = { EC_KS_BY_BYTES, 1, NULL, 0 };
    ec_ks_mem m0, m1;
    ec_ks_memory(ks, &m0);
    const ec_ks_id *rows = NULL, *again;
    size_t nrows = 0, n2;
    for (int redraw = 0; redraw < 20; redraw++) {
        assert_int_equal(ec_ks_list(ks, d, &o, &again, &n2, NULL), 0);
        if (redraw == 0) {
            rows = again;
            nrows = n2;
        }
        assert_ptr_equal(again, rows);
        assert_int_equal(n2, n);
    }
    ec_ks_memory(ks, &m1);
    assert_int_equal(m1.listings_built, m0.listings_built + 1);
    /* Sorted by bytes, largest first, names ascending among equals. */
    ec_ks_info prev, cur;
    ec_ks_stat(ks, rows[0], &prev);
    for (size_t i = 1; i < nrows; i++) {
        ec_ks_stat(ks, rows[i], &cur);
        assert_true(prev.bytes >= cur.bytes);
        if (prev.bytes == cur.bytes)
            assert_true(memcmp(prev.name, cur.name, 10) < 0);
        prev = cur;
    }
    /* One write below: exactly one more sort, and the key moves. */
    size_t j = 4242;
    int len = snprintf(k, sizeof k, "/registry/events/default/ev-%07zu", j);
    ec_ks_kv kv = { 1, 2000000, 2, 0, 1000 };
    ec_ks_put(ks, (const uint8_t *)k, (size_t)len, &kv, NULL);
    assert_int_equal(ec_ks_list(ks, d, &o, &rows, &nrows, NULL), 0);
    assert_int_equal(ec_ks_list(ks, d, &o, &rows, &nrows, NULL), 0);
    ec_ks_memory(ks, &m1);
    assert_int_equal(m1.listings_built, m0.listings_built + 2);
    assert_int_equal(rows[0], ec_ks_find(ks, (const uint8_t *)k, (size_t)len));
    ec_ks_free(ks);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_million_keys),
        cmocka_unit_test(test_wide_directory),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
