/* The keyspace tree on small hand-built keyspaces, with exact numbers. */
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
#include "etcdclient/util/escape.h"

#define S(lit) (const uint8_t *)(lit), (sizeof(lit) - 1)

static ec_ks_kv kv_of(int64_t create, int64_t mod, int64_t version, int64_t size)
{
    ec_ks_kv kv = { create, mod, version, 0, size };
    return kv;
}

static int put_b(ec_ks *ks, const uint8_t *k, size_t n, int64_t create, int64_t mod,
                 int64_t version, int64_t size)
{
    ec_ks_kv kv = kv_of(create, mod, version, size);
    ec_err err;
    ec_err_clear(&err);
    int rc = ec_ks_put(ks, k, n, &kv, &err);
    if (rc < 0)
        fail_msg("put failed: %s", err.msg);
    return rc;
}

#define PUT(ks, lit, c, m, v, sz) put_b((ks), S(lit), (c), (m), (v), (sz))

static ec_ks_info info_b(ec_ks *ks, const uint8_t *p, size_t n)
{
    ec_ks_info st;
    ec_ks_id id = ec_ks_find(ks, p, n);
    if (id == EC_KS_NONE)
        fail_msg("node '%.*s' not found", (int)n, (const char *)p);
    assert_int_equal(ec_ks_stat(ks, id, &st), 0);
    return st;
}

#define INFO(ks, lit) info_b((ks), S(lit))

static ec_ks_info root_info(ec_ks *ks)
{
    ec_ks_info st;
    assert_int_equal(ec_ks_stat(ks, EC_KS_ROOT, &st), 0);
    return st;
}

/* keys, bytes, known, writes, max mod of one node. */
static void check_agg(ec_ks_info st, uint64_t keys, uint64_t bytes, uint64_t known,
                      uint64_t writes, int64_t maxmod)
{
    assert_int_equal(st.keys, keys);
    assert_int_equal(st.bytes, bytes);
    assert_int_equal(st.bytes_known, known);
    assert_int_equal(st.writes, writes);
    assert_int_equal(st.max_mod_revision, maxmod);
}

static char *display(ec_ks *ks, ec_ks_id id)
{
    static char out[256];
    ec_buf b;
    ec_buf_init(&b, 0);
    assert_int_equal(ec_ks_display_name(ks, id, &b), 0);
    snprintf(out, sizeof out, "%s", b.data ? b.data : "");
    ec_buf_free(&b);
    return out;
}

/* The labels of dir's children in the given order, joined with ' '. */
static char *labels(ec_ks *ks, ec_ks_id dir, ec_ks_col col, int desc, const uint8_t *f, size_t fl)
{
    static char out[1024];
    ec_ks_order o = { col, desc, f, fl };
    const ec_ks_id *rows;
    size_t n;
    ec_err err;
    assert_int_equal(ec_ks_list(ks, dir, &o, &rows, &n, &err), 0);
    out[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        if (i)
            strcat(out, " ");
        strcat(out, display(ks, rows[i]));
    }
    return out;
}

static ec_ks_id find_lit(ec_ks *ks, const char *p)
{
    return ec_ks_find(ks, (const uint8_t *)p, strlen(p));
}

/* ---- the Kubernetes shape, every level ---- */

static ec_ks *k8s_small(void)
{
    ec_ks *ks = ec_ks_new();
    assert_non_null(ks);
    /* In etcd's order (byte order), as a scan delivers them. */
    assert_int_equal(PUT(ks, "/registry/pods/default/a", 10, 10, 1, -1), 1);
    assert_int_equal(PUT(ks, "/registry/pods/default/b", 11, 15, 3, -1), 1);
    assert_int_equal(PUT(ks, "/registry/pods/kube-system/c", 12, 12, 1, -1), 1);
    assert_int_equal(PUT(ks, "/registry/services/specs/default/kubernetes", 5, 5, 1, -1), 1);
    assert_int_equal(PUT(ks, "compact_rev_key", 2, 20, 7, -1), 1);
    return ks;
}

static void test_k8s_levels(void **state)
{
    (void)state;
    ec_ks *ks = k8s_small();
    check_agg(root_info(ks), 5, 0, 0, 13, 20);
    check_agg(INFO(ks, ""), 4, 0, 0, 6, 15);
    check_agg(INFO(ks, "/registry"), 4, 0, 0, 6, 15);
    check_agg(INFO(ks, "/registry/pods"), 3, 0, 0, 5, 15);
    check_agg(INFO(ks, "/registry/pods/default"), 2, 0, 0, 4, 15);
    check_agg(INFO(ks, "/registry/pods/kube-system"), 1, 0, 0, 1, 12);
    check_agg(INFO(ks, "/registry/services"), 1, 0, 0, 1, 5);
    check_agg(INFO(ks, "/registry/services/specs/default/kubernetes"), 1, 0, 0, 1, 5);
    check_agg(INFO(ks, "compact_rev_key"), 1, 0, 0, 7, 20);

    ec_ks_info b = INFO(ks, "/registry/pods/default/b");
    assert_true(b.is_key);
    assert_int_equal(b.children, 0);
    assert_int_equal(b.kv.create_revision, 11);
    assert_int_equal(b.kv.mod_revision, 15);
    assert_int_equal(b.kv.version, 3);
    assert_int_equal(b.kv.value_size, EC_KS_SIZE_UNKNOWN);
    assert_memory_equal(b.name, "b", 1);
    assert_int_equal(b.name_len, 1);

    ec_ks_info dir = INFO(ks, "/registry/pods");
    assert_false(dir.is_key);
    assert_int_equal(dir.children, 2);
    assert_int_equal(root_info(ks).children, 2);

    /* Display: the leading '/' is the directory "/" under the root. */
    assert_string_equal(labels(ks, EC_KS_ROOT, EC_KS_BY_NAME, 0, NULL, 0), "/ compact_rev_key");
    assert_string_equal(labels(ks, find_lit(ks, ""), EC_KS_BY_NAME, 0, NULL, 0), "registry/");
    assert_string_equal(labels(ks, find_lit(ks, "/registry"), EC_KS_BY_NAME, 0, NULL, 0),
                        "pods/ services/");
    assert_string_equal(labels(ks, find_lit(ks, "/registry/pods/default"), EC_KS_BY_NAME, 0, NULL, 0),
                        "a b");
    assert_string_equal(display(ks, EC_KS_ROOT), "");

    /* Sizes from the size scan. */
    ec_err err;
    assert_int_equal(ec_ks_set_size(ks, S("/registry/pods/default/a"), 10, 100, &err), 1);
    assert_int_equal(ec_ks_set_size(ks, S("/registry/pods/default/b"), 0, 250, &err), 1);
    check_agg(INFO(ks, "/registry/pods/default"), 2, 350, 2, 4, 15);
    check_agg(INFO(ks, "/registry/pods"), 3, 350, 2, 5, 15);
    check_agg(root_info(ks), 5, 350, 2, 13, 20);
    assert_int_equal(INFO(ks, "/registry/pods/default/a").kv.value_size, 100);
    ec_ks_free(ks);
}

static void test_paths_and_lookup(void **state)
{
    (void)state;
    ec_ks *ks = k8s_small();
    ec_buf b;
    ec_buf_init(&b, 0);
    const char *paths[] = { "", "/registry", "/registry/pods", "/registry/pods/default/b",
                            "compact_rev_key", "/registry/services/specs/default/kubernetes" };
    for (size_t i = 0; i < sizeof paths / sizeof *paths; i++) {
        ec_ks_id id = find_lit(ks, paths[i]);
        assert_int_not_equal(id, EC_KS_NONE);
        assert_int_not_equal(id, EC_KS_ROOT);
        assert_int_equal(ec_ks_path(ks, id, &b), 0);
        assert_int_equal(b.len, strlen(paths[i]));
        assert_memory_equal(b.data, paths[i], b.len);
    }
    assert_int_equal(ec_ks_path(ks, EC_KS_ROOT, &b), 0);
    assert_int_equal(b.len, 0);
    assert_int_equal(ec_ks_path(ks, 999999, &b), -1);

    /* Not nodes: a prefix that is not at a '/', a trailing '/', beyond. */
    assert_int_equal(find_lit(ks, "/reg"), EC_KS_NONE);
    assert_int_equal(find_lit(ks, "/registry/"), EC_KS_NONE);
    assert_int_equal(find_lit(ks, "/registry/pods/default/b/c"), EC_KS_NONE);
    assert_int_equal(find_lit(ks, "registry"), EC_KS_NONE);

    ec_ks_id pods = find_lit(ks, "/registry/pods");
    ec_ks_id reg = find_lit(ks, "/registry");
    ec_ks_id slash = find_lit(ks, "");
    assert_int_equal(ec_ks_parent(ks, pods), reg);
    assert_int_equal(ec_ks_parent(ks, reg), slash);
    assert_int_equal(ec_ks_parent(ks, slash), EC_KS_ROOT);
    assert_int_equal(ec_ks_parent(ks, EC_KS_ROOT), EC_KS_NONE);
    assert_int_equal(ec_ks_child(ks, reg, S("pods")), pods);
    assert_int_equal(ec_ks_child(ks, EC_KS_ROOT, S("")), slash);
    assert_int_equal(ec_ks_child(ks, reg, S("pods/default")), EC_KS_NONE);
    assert_int_equal(ec_ks_child(ks, reg, S("pod")), EC_KS_NONE);
    assert_int_equal(ec_ks_child(ks, find_lit(ks, "compact_rev_key"), S("x")), EC_KS_NONE);

    /* A path the tree handed out can be fed back in. */
    ec_ks_info st;
    assert_int_equal(ec_ks_stat(ks, pods, &st), 0);
    assert_int_equal(ec_ks_child(ks, reg, st.name, st.name_len), pods);
    ec_buf_free(&b);
    ec_ks_free(ks);
}

/* ---- a key that is also a directory ---- */

static void test_key_and_prefix(void **state)
{
    (void)state;
    ec_ks *ks = ec_ks_new();
    PUT(ks, "/a", 1, 3, 2, 10);
    PUT(ks, "/a/b", 4, 5, 1, 4);
    ec_ks_info a = INFO(ks, "/a");
    assert_true(a.is_key);
    assert_int_equal(a.children, 1);
    check_agg(a, 2, 14, 2, 3, 5);
    assert_int_equal(a.kv.mod_revision, 3);
    assert_int_equal(a.kv.value_size, 10);
    assert_string_equal(display(ks, find_lit(ks, "/a")), "a/");
    check_agg(root_info(ks), 2, 14, 2, 3, 5);

    /* Deleting the child leaves a plain key with its own numbers. */
    assert_int_equal(ec_ks_delete(ks, S("/a/b")), 1);
    a = INFO(ks, "/a");
    assert_true(a.is_key);
    assert_int_equal(a.children, 0);
    check_agg(a, 1, 10, 1, 2, 3);
    assert_string_equal(display(ks, find_lit(ks, "/a")), "a");
    check_agg(root_info(ks), 1, 10, 1, 2, 3);

    /* Deleting the key leaves a plain directory. */
    PUT(ks, "/a/b", 4, 5, 1, 4);
    assert_int_equal(ec_ks_delete(ks, S("/a")), 1);
    a = INFO(ks, "/a");
    assert_false(a.is_key);
    assert_int_equal(a.children, 1);
    check_agg(a, 1, 4, 1, 1, 5);
    assert_int_equal(a.kv.mod_revision, 0);
    assert_int_equal(ec_ks_delete(ks, S("/a")), 0);

    /* The last key goes, and every directory with it. */
    assert_int_equal(ec_ks_delete(ks, S("/a/b")), 1);
    assert_int_equal(find_lit(ks, "/a"), EC_KS_NONE);
    assert_int_equal(find_lit(ks, ""), EC_KS_NONE);
    ec_ks_info r = root_info(ks);
    check_agg(r, 0, 0, 0, 0, 0);
    assert_int_equal(r.children, 0);
    ec_ks_mem m;
    ec_ks_memory(ks, &m);
    assert_int_equal(m.nodes, 1);
    assert_int_equal(m.dirs, 1);
    ec_ks_free(ks);
}

/* ---- bytes that are not a tidy path ---- */

static void test_odd_keys(void **state)
{
    (void)state;
    ec_ks *ks = ec_ks_new();
    const uint8_t nul_dir[] = { 'a', 0, 'b' };
    const uint8_t nul_key[] = { 'a', 0, 'b', '/', 'c' };
    const uint8_t bad_utf8[] = { 0xff, 0xfe };
    put_b(ks, nul_key, sizeof nul_key, 1, 1, 1, 5);
    put_b(ks, nul_dir, sizeof nul_dir, 2, 2, 1, 6);
    put_b(ks, bad_utf8, sizeof bad_utf8, 3, 3, 1, -1);
    PUT(ks, "x/", 4, 4, 1, 1);          /* trailing slash: empty last segment */
    PUT(ks, "x//y", 5, 5, 2, 2);        /* double slash: an empty segment between */
    PUT(ks, "\x1b]0;pwned\x07", 6, 6, 1, -1);
    assert_int_equal(put_b(ks, NULL, 0, 7, 7, 1, 0), 1); /* even the empty key */

    check_agg(root_info(ks), 7, 14, 5, 8, 7);
    ec_ks_id nd = ec_ks_find(ks, nul_dir, sizeof nul_dir);
    assert_int_not_equal(nd, EC_KS_NONE);
    ec_ks_info st;
    assert_int_equal(ec_ks_stat(ks, nd, &st), 0);
    assert_true(st.is_key);
    check_agg(st, 2, 11, 2, 2, 2);
    assert_int_equal(st.name_len, 3);
    assert_memory_equal(st.name, nul_dir, 3);

    ec_ks_id nk = ec_ks_find(ks, nul_key, sizeof nul_key);
    ec_buf b;
    ec_buf_init(&b, 0);
    assert_int_equal(ec_ks_path(ks, nk, &b), 0);
    assert_int_equal(b.len, sizeof nul_key);
    assert_memory_equal(b.data, nul_key, sizeof nul_key);
    /* A key stops at its own bytes: "a" is not "a\0b". */
    assert_int_equal(find_lit(ks, "a"), EC_KS_NONE);

    /* x > "" (key, and directory of y) > y */
    check_agg(INFO(ks, "x"), 2, 3, 2, 3, 5);
    ec_ks_info e = INFO(ks, "x/");
    assert_true(e.is_key);
    assert_int_equal(e.name_len, 0);
    check_agg(e, 2, 3, 2, 3, 5);
    check_agg(INFO(ks, "x//y"), 1, 2, 1, 2, 5);
    assert_string_equal(labels(ks, find_lit(ks, "x"), EC_KS_BY_NAME, 0, NULL, 0), "/");
    assert_int_equal(ec_ks_delete(ks, S("x//y")), 1);
    assert_string_equal(labels(ks, find_lit(ks, "x"), EC_KS_BY_NAME, 0, NULL, 0), "\"\"");

    /* The empty key is the node "" under the root; escaped labels. */
    ec_ks_info em = INFO(ks, "");
    assert_true(em.is_key);
    assert_int_equal(em.kv.mod_revision, 7);
    assert_string_equal(labels(ks, EC_KS_ROOT, EC_KS_BY_NAME, 0, NULL, 0),
                        "\"\" \\e]0;pwned\\x07 a\\x00b/ x/ \\xff\\xfe");
    ec_buf_free(&b);
    ec_ks_free(ks);
}

/* ---- insertion order does not matter ---- */

static void dump_node(ec_ks *ks, ec_ks_id id, ec_buf *out)
{
    ec_buf path;
    ec_buf_init(&path, 0);
    assert_int_equal(ec_ks_path(ks, id, &path), 0);
    ec_ks_info st;
    assert_int_equal(ec_ks_stat(ks, id, &st), 0);
    ec_escape_append(out, (const uint8_t *)path.data, path.len);
    ec_buf_printf(out, " k%d c%u n%llu b%llu/%llu w%llu m%lld kv%lld,%lld,%lld,%lld,%lld\n",
                  st.is_key, st.children, (unsigned long long)st.keys,
                  (unsigned long long)st.bytes, (unsigned long long)st.bytes_known,
                  (unsigned long long)st.writes, (long long)st.max_mod_revision,
                  (long long)st.kv.create_revision, (long long)st.kv.mod_revision,
                  (long long)st.kv.version, (long long)st.kv.lease, (long long)st.kv.value_size);
    ec_buf_free(&path);
    ec_ks_order o = { EC_KS_BY_NAME, 0, NULL, 0 };
    size_t total, got;
    assert_int_equal(ec_ks_list_copy(ks, id, &o, 0, NULL, 0, &got, &total, NULL), 0);
    ec_ks_id *kids = calloc(total + 1, sizeof *kids);
    assert_int_equal(ec_ks_list_copy(ks, id, &o, 0, kids, total, &got, NULL, NULL), 0);
    assert_int_equal(got, total);
    for (size_t i = 0; i < total; i++)
        dump_node(ks, kids[i], out);
    free(kids);
}

static char *dump(ec_ks *ks)
{
    ec_buf out;
    ec_buf_init(&out, 0);
    dump_node(ks, EC_KS_ROOT, &out);
    return ec_buf_steal(&out);
}

typedef struct tkey {
    char k[96];
    size_t n;
} tkey;

static int tkey_cmp(const void *a, const void *b)
{
    const tkey *x = a, *y = b;
    size_t m = x->n < y->n ? x->n : y->n;
    int c = memcmp(x->k, y->k, m);
    return c ? c : (x->n > y->n) - (x->n < y->n);
}

/* Names chosen so byte order of keys differs from the order of segments:
 * "kube-system/..." sorts before "kube/..." ('-' < '/'). */
static size_t tricky_keys(tkey *out, size_t max)
{
    static const char *res[] = { "pods", "pods.v2", "pods-old", "a" };
    static const char *ns[] = { "kube", "kube-system", "kube.x", "default", "" };
    static const char *nm[] = { "n", "n-1", "n.1", "n/x", "n/x/y", "" };
    size_t k = 0;
    for (size_t r = 0; r < 4; r++)
        for (size_t s = 0; s < 5; s++)
            for (size_t n = 0; n < 6 && k < max; n++, k++)
                out[k].n = (size_t)snprintf(out[k].k, sizeof out[k].k, "/registry/%s/%s/%s",
                                            res[r], ns[s], nm[n]);
    if (k + 2 <= max) {
        out[k].n = (size_t)snprintf(out[k].k, sizeof out[k].k, "/registry/pods");
        k++;
        out[k].n = (size_t)snprintf(out[k].k, sizeof out[k].k, "compact_rev_key");
        k++;
    }
    return k;
}

/* Numbers derived from the key alone, so every order gives the same. */
static ec_ks_kv tkey_kv(const tkey *t)
{
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < t->n; i++)
        h = (h ^ (uint8_t)t->k[i]) * 1099511628211ULL;
    return kv_of((int64_t)(h % 1000), (int64_t)(1000 + h % 977), (int64_t)(1 + h % 9),
                 (h % 3) ? (int64_t)(h % 500) : -1);
}

static void put_tkey(ec_ks *ks, const tkey *t)
{
    ec_ks_kv kv = tkey_kv(t);
    put_b(ks, (const uint8_t *)t->k, t->n, kv.create_revision, kv.mod_revision, kv.version,
          kv.value_size);
}

static void test_order_independent(void **state)
{
    (void)state;
    tkey keys[160];
    size_t n = tricky_keys(keys, 160);
    assert_int_equal(n, 122);
    qsort(keys, n, sizeof *keys, tkey_cmp);

    ec_ks *sorted = ec_ks_new(), *shuffled = ec_ks_new(), *reversed = ec_ks_new(), *paged = ec_ks_new();
    for (size_t i = 0; i < n; i++)
        put_tkey(sorted, &keys[i]);
    for (size_t i = n; i-- > 0;)
        put_tkey(reversed, &keys[i]);
    /* A fixed permutation: i * 37 mod n walks every index (37 and 122 coprime). */
    for (size_t i = 0; i < n; i++)
        put_tkey(shuffled, &keys[(i * 37) % n]);
    /* Pages, as the scan sends them. */
    ec_ks_entry page[50];
    for (size_t i = 0; i < n; i += 50) {
        size_t m = n - i < 50 ? n - i : 50;
        for (size_t j = 0; j < m; j++) {
            page[j].key = (const uint8_t *)keys[i + j].k;
            page[j].key_len = keys[i + j].n;
            page[j].kv = tkey_kv(&keys[i + j]);
        }
        assert_int_equal(ec_ks_add_page(paged, page, m, NULL), 0);
    }

    char *a = dump(sorted), *b = dump(shuffled), *c = dump(reversed), *d = dump(paged);
    assert_string_equal(a, b);
    assert_string_equal(a, c);
    assert_string_equal(a, d);
    assert_int_equal(root_info(sorted).keys, n);
    /* The out-of-order segments ended up in byte order of the segment. */
    assert_string_equal(labels(sorted, find_lit(sorted, "/registry/pods"), EC_KS_BY_NAME, 0, NULL, 0),
                        "/ default/ kube/ kube-system/ kube.x/");
    assert_string_equal(labels(sorted, find_lit(sorted, "/registry"), EC_KS_BY_NAME, 0, NULL, 0),
                        "a/ pods/ pods-old/ pods.v2/");
    free(a);
    free(b);
    free(c);
    free(d);
    ec_ks_free(sorted);
    ec_ks_free(shuffled);
    ec_ks_free(reversed);
    ec_ks_free(paged);
}

/* ---- deletes ---- */

static void test_deletes_prune(void **state)
{
    (void)state;
    ec_ks *ks = k8s_small();
    ec_err err;
    ec_ks_set_size(ks, S("/registry/pods/default/a"), 0, 100, &err);
    ec_ks_set_size(ks, S("/registry/pods/kube-system/c"), 0, 7, &err);
    uint64_t g = ec_ks_generation(ks);
    assert_int_equal(ec_ks_delete(ks, S("/registry/pods")), 0);       /* a directory, not a key */
    assert_int_equal(ec_ks_delete(ks, S("/registry/pods/default/zz")), 0);
    assert_int_equal(ec_ks_delete(ks, S("/nothing/here")), 0);
    assert_int_equal(ec_ks_generation(ks), g);

    /* b held the max mod_revision of three levels: they fall back exactly. */
    assert_int_equal(ec_ks_delete(ks, S("/registry/pods/default/b")), 1);
    assert_true(ec_ks_generation(ks) > g);
    check_agg(INFO(ks, "/registry/pods/default"), 1, 100, 1, 1, 10);
    check_agg(INFO(ks, "/registry/pods"), 2, 107, 2, 2, 12);
    check_agg(INFO(ks, ""), 3, 107, 2, 3, 12);
    check_agg(root_info(ks), 4, 107, 2, 10, 20);

    assert_int_equal(ec_ks_delete(ks, S("/registry/services/specs/default/kubernetes")), 1);
    assert_int_equal(find_lit(ks, "/registry/services"), EC_KS_NONE);
    assert_int_equal(find_lit(ks, "/registry/services/specs"), EC_KS_NONE);
    assert_string_equal(labels(ks, find_lit(ks, "/registry"), EC_KS_BY_NAME, 0, NULL, 0), "pods/");

    assert_int_equal(ec_ks_delete(ks, S("compact_rev_key")), 1);
    check_agg(root_info(ks), 2, 107, 2, 2, 12);
    assert_int_equal(ec_ks_delete(ks, S("/registry/pods/kube-system/c")), 1);
    assert_int_equal(ec_ks_delete(ks, S("/registry/pods/default/a")), 1);
    check_agg(root_info(ks), 0, 0, 0, 0, 0);
    ec_ks_mem m;
    ec_ks_memory(ks, &m);
    assert_int_equal(m.nodes, 1);
    assert_int_equal(m.dirs, 1);

    /* Freed slots are reused and everything still adds up. */
    PUT(ks, "/registry/pods/x/y", 1, 30, 2, 9);
    check_agg(root_info(ks), 1, 9, 1, 2, 30);
    ec_ks_free(ks);
}

/* ---- updates of existing keys ---- */

static void test_updates(void **state)
{
    (void)state;
    ec_ks *ks = ec_ks_new();
    ec_err err;
    PUT(ks, "/p/a", 5, 5, 1, 100);
    PUT(ks, "/p/b", 6, 6, 1, 50);
    uint64_t g = ec_ks_generation(ks);
    /* Same again: no change, no new generation. */
    assert_int_equal(PUT(ks, "/p/a", 5, 5, 1, 100), 0);
    assert_int_equal(ec_ks_generation(ks), g);
    /* Unknown size at the same revision keeps the known one. */
    assert_int_equal(PUT(ks, "/p/a", 5, 5, 1, -1), 0);
    assert_int_equal(ec_ks_generation(ks), g);
    assert_int_equal(INFO(ks, "/p/a").kv.value_size, 100);
    /* A new write with its size (a watch event carries the value). */
    assert_int_equal(PUT(ks, "/p/a", 5, 9, 2, 120), 0);
    assert_true(ec_ks_generation(ks) > g);
    check_agg(INFO(ks, "/p"), 2, 170, 2, 3, 9);
    /* A new revision without a size: the old size no longer holds. */
    PUT(ks, "/p/a", 5, 11, 3, -1);
    check_agg(INFO(ks, "/p"), 2, 50, 1, 4, 11);
    check_agg(root_info(ks), 2, 50, 1, 4, 11);
    /* A stale update moving mod_revision back: the max follows exactly. */
    PUT(ks, "/p/a", 5, 4, 1, 1);
    check_agg(INFO(ks, "/p"), 2, 51, 2, 2, 6);
    /* Lease changes show in the key. */
    ec_ks_kv kv = kv_of(5, 4, 1, 1);
    kv.lease = 0x1234;
    g = ec_ks_generation(ks);
    assert_int_equal(ec_ks_put(ks, S("/p/a"), &kv, &err), 0);
    assert_true(ec_ks_generation(ks) > g);
    assert_int_equal(INFO(ks, "/p/a").kv.lease, 0x1234);
    ec_ks_free(ks);
}

static void test_set_size(void **state)
{
    (void)state;
    ec_ks *ks = ec_ks_new();
    ec_err err;
    PUT(ks, "/s/a", 1, 8, 1, -1);
    PUT(ks, "/s/b", 2, 9, 1, -1);
    assert_int_equal(ec_ks_set_size(ks, S("/s/a"), 7, 10, &err), 0);   /* stale */
    assert_int_equal(ec_ks_set_size(ks, S("/s/zz"), 0, 10, &err), 0);  /* absent */
    assert_int_equal(ec_ks_set_size(ks, S("/s"), 0, 10, &err), 0);     /* not a key */
    check_agg(INFO(ks, "/s"), 2, 0, 0, 2, 9);
    assert_int_equal(ec_ks_set_size(ks, S("/s/a"), 8, 10, &err), 1);
    assert_int_equal(ec_ks_set_size(ks, S("/s/b"), 0, 0, &err), 1);    /* empty value: known 0 */
    check_agg(INFO(ks, "/s"), 2, 10, 2, 2, 9);
    uint64_t g = ec_ks_generation(ks);
    assert_int_equal(ec_ks_set_size(ks, S("/s/a"), 8, 10, &err), 1);
    assert_int_equal(ec_ks_generation(ks), g);
    assert_int_equal(ec_ks_set_size(ks, S("/s/a"), 0, 4000000, &err), 1);
    check_agg(INFO(ks, "/s"), 2, 4000000, 2, 2, 9);
    assert_int_equal(ec_ks_set_size(ks, S("/s/a"), 0, EC_KS_SIZE_UNKNOWN, &err), 1);
    check_agg(INFO(ks, "/s"), 2, 0, 1, 2, 9);
    assert_int_equal(ec_ks_set_size(ks, S("/s/a"), 0, -5, &err), -1);
    assert_int_equal(err.code, EC_E_INVALID);
    assert_string_equal(err.msg, "cannot set size of key '/s/a': -5 out of range");
    assert_int_equal(ec_ks_set_size(ks, S("/s/a"), 0, EC_KS_SIZE_MAX + 1, &err), -1);
    ec_ks_free(ks);
}

/* ---- listings ---- */

static ec_ks *sort_fixture(void)
{
    ec_ks *ks = ec_ks_new();
    ec_err err;
    PUT(ks, "/d/a", 1, 100, 5, 10);
    PUT(ks, "/d/b/x", 1, 50, 2, 4);
    PUT(ks, "/d/b/y", 1, 40, 3, 6);
    PUT(ks, "/d/c", 1, 100, 2, 30);
    PUT(ks, "/d/d/1", 1, 70, 1, 5);
    PUT(ks, "/d/d/2", 1, 20, 1, -1);
    PUT(ks, "/d/d/3", 1, 10, 1, -1);
    PUT(ks, "/d/e/p", 1, 60, 4, -1);
    PUT(ks, "/d/e/q", 1, 55, 5, -1);
    assert_int_equal(ec_ks_rate_set(ks, S("/d/a"), 1.0, &err), 1);
    assert_int_equal(ec_ks_rate_set(ks, S("/d/c"), 2.5, &err), 1);
    assert_int_equal(ec_ks_rate_set(ks, S("/d/d/1"), 0.5, &err), 1);
    assert_int_equal(ec_ks_rate_set(ks, S("/d/d/2"), 0.5, &err), 1);
    return ks;
}

static void test_sort_every_column(void **state)
{
    (void)state;
    ec_ks *ks = sort_fixture();
    ec_ks_id d = find_lit(ks, "/d");
    /*        a    b    c    d    e
     * keys   1    2    1    3    2
     * bytes  10   10   30   5    0
     * writes 5    5    2    3    9
     * maxmod 100  50   100  70   60
     * rate   1.0  0    2.5  1.0  0     ties: name ascending both ways */
    assert_string_equal(labels(ks, d, EC_KS_BY_NAME, 0, NULL, 0), "a b/ c d/ e/");
    assert_string_equal(labels(ks, d, EC_KS_BY_NAME, 1, NULL, 0), "e/ d/ c b/ a");
    assert_string_equal(labels(ks, d, EC_KS_BY_KEYS, 0, NULL, 0), "a c b/ e/ d/");
    assert_string_equal(labels(ks, d, EC_KS_BY_KEYS, 1, NULL, 0), "d/ b/ e/ a c");
    assert_string_equal(labels(ks, d, EC_KS_BY_BYTES, 0, NULL, 0), "e/ d/ a b/ c");
    assert_string_equal(labels(ks, d, EC_KS_BY_BYTES, 1, NULL, 0), "c a b/ d/ e/");
    assert_string_equal(labels(ks, d, EC_KS_BY_WRITES, 0, NULL, 0), "c d/ a b/ e/");
    assert_string_equal(labels(ks, d, EC_KS_BY_WRITES, 1, NULL, 0), "e/ a b/ d/ c");
    assert_string_equal(labels(ks, d, EC_KS_BY_MODREV, 0, NULL, 0), "b/ e/ d/ a c");
    assert_string_equal(labels(ks, d, EC_KS_BY_MODREV, 1, NULL, 0), "a c d/ e/ b/");
    assert_string_equal(labels(ks, d, EC_KS_BY_RATE, 0, NULL, 0), "b/ e/ a d/ c");
    assert_string_equal(labels(ks, d, EC_KS_BY_RATE, 1, NULL, 0), "c a d/ b/ e/");

    ec_ks_info st = INFO(ks, "/d");
    assert_true(st.rate == 4.5);
    check_agg(st, 9, 55, 5, 24, 100);
    assert_true(INFO(ks, "/d/d").rate == 1.0);

    /* A leaf lists as empty; bad requests fail with a message. */
    const ec_ks_id *rows;
    size_t n = 99;
    ec_err err;
    ec_ks_order o = { EC_KS_BY_KEYS, 0, NULL, 0 };
    assert_int_equal(ec_ks_list(ks, find_lit(ks, "/d/a"), &o, &rows, &n, &err), 0);
    assert_int_equal(n, 0);
    assert_int_equal(ec_ks_list(ks, 424242, &o, &rows, &n, &err), -1);
    assert_int_equal(err.code, EC_E_NOT_FOUND);
    assert_string_equal(err.msg, "cannot list keyspace node #424242: no such node");
    o.col = EC_KS_NCOLS;
    assert_int_equal(ec_ks_list(ks, d, &o, &rows, &n, &err), -1);
    assert_int_equal(err.code, EC_E_INVALID);
    ec_ks_free(ks);
}

static void test_filter_and_window(void **state)
{
    (void)state;
    ec_ks *ks = ec_ks_new();
    PUT(ks, "/f/apple", 1, 1, 1, -1);
    PUT(ks, "/f/banana/1", 1, 2, 1, -1);
    PUT(ks, "/f/banana/2", 1, 3, 1, -1);
    PUT(ks, "/f/cherry", 1, 4, 1, -1);
    PUT(ks, "/f/pineapple/1", 1, 5, 1, -1);
    PUT(ks, "/f/pineapple/2", 1, 6, 1, -1);
    PUT(ks, "/f/pineapple/3", 1, 7, 1, -1);
    const uint8_t nul_name[] = { '/', 'f', '/', 'x', 0, 'y' };
    put_b(ks, nul_name, sizeof nul_name, 1, 8, 1, -1);
    ec_ks_id f = find_lit(ks, "/f");
    assert_string_equal(labels(ks, f, EC_KS_BY_NAME, 0, S("app")), "apple pineapple/");
    assert_string_equal(labels(ks, f, EC_KS_BY_KEYS, 1, S("app")), "pineapple/ apple");
    assert_string_equal(labels(ks, f, EC_KS_BY_NAME, 1, S("an")), "banana/");
    assert_string_equal(labels(ks, f, EC_KS_BY_NAME, 0, S("APP")), ""); /* case-sensitive */
    assert_string_equal(labels(ks, f, EC_KS_BY_NAME, 0, S("pineapple!")), "");
    const uint8_t nul[] = { 0 };
    assert_string_equal(labels(ks, f, EC_KS_BY_MODREV, 0, nul, 1), "x\\x00y");
    assert_string_equal(labels(ks, f, EC_KS_BY_NAME, 0, (const uint8_t *)"", 0),
                        "apple banana/ cherry pineapple/ x\\x00y");

    /* A window of the listing, for a screen showing rows 1..2. */
    ec_ks_order o = { EC_KS_BY_KEYS, 1, NULL, 0 };
    ec_ks_id win[2];
    size_t got, total;
    assert_int_equal(ec_ks_list_copy(ks, f, &o, 1, win, 2, &got, &total, NULL), 0);
    assert_int_equal(got, 2);
    assert_int_equal(total, 5);
    assert_int_equal(win[0], find_lit(ks, "/f/banana"));
    assert_int_equal(win[1], find_lit(ks, "/f/apple"));
    assert_int_equal(ec_ks_list_copy(ks, f, &o, 4, win, 2, &got, &total, NULL), 0);
    assert_int_equal(got, 1);
    assert_int_equal(win[0], ec_ks_find(ks, nul_name, sizeof nul_name));
    assert_int_equal(ec_ks_list_copy(ks, f, &o, 5, win, 2, &got, &total, NULL), 0);
    assert_int_equal(got, 0);
    assert_int_equal(total, 5);
    ec_ks_free(ks);
}

static void test_listing_cache(void **state)
{
    (void)state;
    ec_ks *ks = sort_fixture();
    PUT(ks, "/other/k", 1, 3, 1, -1);
    ec_ks_id d = find_lit(ks, "/d");
    ec_ks_order o = { EC_KS_BY_WRITES, 1, NULL, 0 };
    const ec_ks_id *r1, *r2;
    size_t n1, n2;
    ec_ks_mem m0, m1;
    ec_ks_memory(ks, &m0);
    assert_int_equal(ec_ks_list(ks, d, &o, &r1, &n1, NULL), 0);
    ec_ks_memory(ks, &m1);
    assert_int_equal(m1.listings_built, m0.listings_built + 1);
    /* Redraws: served from the cache, even after a change elsewhere. */
    for (int i = 0; i < 5; i++) {
        assert_int_equal(ec_ks_list(ks, d, &o, &r2, &n2, NULL), 0);
        assert_ptr_equal(r1, r2);
        assert_int_equal(n1, n2);
    }
    PUT(ks, "/other/k", 1, 4, 2, -1);
    assert_int_equal(ec_ks_list(ks, d, &o, &r2, &n2, NULL), 0);
    ec_ks_memory(ks, &m1);
    assert_int_equal(m1.listings_built, m0.listings_built + 1);
    /* Name order ascending needs no sort at all. */
    ec_ks_order by_name = { EC_KS_BY_NAME, 0, NULL, 0 };
    assert_int_equal(ec_ks_list(ks, d, &by_name, &r2, &n2, NULL), 0);
    ec_ks_memory(ks, &m1);
    assert_int_equal(m1.listings_built, m0.listings_built + 1);

    /* A change below: re-sorted, and the new order is right. */
    assert_string_equal(labels(ks, d, EC_KS_BY_WRITES, 1, NULL, 0), "e/ a b/ d/ c");
    PUT(ks, "/d/c", 1, 101, 20, 30);
    assert_string_equal(labels(ks, d, EC_KS_BY_WRITES, 1, NULL, 0), "c e/ a b/ d/");
    ec_ks_memory(ks, &m1);
    assert_int_equal(m1.listings_built, m0.listings_built + 2);
    /* Rates count as changes too. */
    assert_string_equal(labels(ks, d, EC_KS_BY_RATE, 1, NULL, 0), "c a d/ b/ e/");
    assert_int_equal(ec_ks_rate_set(ks, S("/d/e/p"), 9.0, NULL), 1);
    assert_string_equal(labels(ks, d, EC_KS_BY_RATE, 1, NULL, 0), "e/ c a d/ b/");
    /* Several listings are kept at once (up and down a level). */
    ec_ks_memory(ks, &m0);
    for (int i = 0; i < 3; i++) {
        labels(ks, d, EC_KS_BY_RATE, 1, NULL, 0);
        labels(ks, EC_KS_ROOT, EC_KS_BY_KEYS, 1, NULL, 0);
        labels(ks, find_lit(ks, "/d/d"), EC_KS_BY_MODREV, 0, NULL, 0);
    }
    ec_ks_memory(ks, &m1);
    assert_int_equal(m1.listings_built, m0.listings_built + 2);
    ec_ks_free(ks);
}

/* ---- rates ---- */

static void test_rates(void **state)
{
    (void)state;
    ec_ks *ks = ec_ks_new();
    ec_err err;
    PUT(ks, "/r/a", 1, 1, 1, -1);
    PUT(ks, "/r/b", 1, 2, 1, -1);
    assert_int_equal(ec_ks_rate_set(ks, S("/r/nope"), 1.0, &err), 0);
    assert_int_equal(ec_ks_rate_set(ks, S("/r"), 1.0, &err), 0);
    assert_int_equal(ec_ks_rate_set(ks, S("/r/a"), NAN, &err), -1);
    assert_int_equal(err.code, EC_E_INVALID);
    assert_string_equal(err.msg, "cannot set write rate of key '/r/a': not a number");
    /* Fixed point: ten additions and ten subtractions of 0.1 come back to 0. */
    for (int i = 0; i < 10; i++) {
        assert_int_equal(ec_ks_rate_add(ks, S("/r/a"), 0.1, &err), 1);
        assert_int_equal(ec_ks_rate_add(ks, S("/r/b"), 0.1, &err), 1);
    }
    assert_true(INFO(ks, "/r").rate == 2.0);
    assert_true(root_info(ks).rate == 2.0);
    for (int i = 0; i < 10; i++)
        ec_ks_rate_add(ks, S("/r/a"), -0.1, &err);
    assert_true(INFO(ks, "/r/a").rate == 0.0);
    assert_true(INFO(ks, "/r").rate == 1.0);
    /* Clamped to [0, max]. */
    ec_ks_rate_add(ks, S("/r/a"), -5.0, &err);
    assert_true(INFO(ks, "/r/a").rate == 0.0);
    ec_ks_rate_set(ks, S("/r/a"), 1e12, &err);
    assert_true(INFO(ks, "/r/a").rate == EC_KS_RATE_MAX);
    ec_ks_rate_set(ks, S("/r/a"), 0.25, &err);
    /* A deleted key takes its rate with it; a new one starts at 0. */
    assert_int_equal(ec_ks_delete(ks, S("/r/b")), 1);
    assert_true(INFO(ks, "/r").rate == 0.25);
    PUT(ks, "/r/b", 5, 5, 1, -1);
    assert_true(INFO(ks, "/r/b").rate == 0.0);
    assert_true(INFO(ks, "/r").rate == 0.25);
    uint64_t g = ec_ks_generation(ks);
    ec_ks_rate_clear(ks);
    assert_true(ec_ks_generation(ks) > g);
    assert_true(INFO(ks, "/r").rate == 0.0);
    assert_true(INFO(ks, "/r/a").rate == 0.0);
    assert_true(root_info(ks).rate == 0.0);
    ec_ks_free(ks);
}

/* ---- generation, clear, bad input ---- */

static void test_generation_and_clear(void **state)
{
    (void)state;
    ec_ks *ks = k8s_small();
    uint64_t g = ec_ks_generation(ks);
    assert_true(g >= 5);
    ec_ks_info st;
    ec_ks_stat(ks, EC_KS_ROOT, &st);
    ec_ks_find(ks, S("/registry"));
    labels(ks, EC_KS_ROOT, EC_KS_BY_KEYS, 1, NULL, 0);
    assert_int_equal(ec_ks_generation(ks), g); /* reading changes nothing */

    ec_ks_clear(ks);
    assert_true(ec_ks_generation(ks) > g);
    check_agg(root_info(ks), 0, 0, 0, 0, 0);
    assert_int_equal(root_info(ks).children, 0);
    assert_int_equal(find_lit(ks, "/registry"), EC_KS_NONE);
    assert_string_equal(labels(ks, EC_KS_ROOT, EC_KS_BY_KEYS, 1, NULL, 0), "");
    ec_ks_mem m;
    ec_ks_memory(ks, &m);
    assert_int_equal(m.nodes, 1);
    assert_int_equal(m.name_bytes, 0);

    g = ec_ks_generation(ks);
    PUT(ks, "/again", 1, 1, 1, 3);
    assert_true(ec_ks_generation(ks) > g);
    check_agg(root_info(ks), 1, 3, 1, 1, 1);
    ec_ks_free(ks);
}

static void test_invalid_input(void **state)
{
    (void)state;
    ec_ks *ks = k8s_small();
    uint64_t g = ec_ks_generation(ks);
    ec_err err;
    ec_ks_kv kv = kv_of(1, -2, 1, 0);
    assert_int_equal(ec_ks_put(ks, S("/x\x1b[2J"), &kv, &err), -1);
    assert_int_equal(err.code, EC_E_INVALID);
    assert_string_equal(err.msg, "cannot add key '/x\\e[2J': negative mod_revision");
    kv = kv_of(1, 2, -1, 0);
    assert_int_equal(ec_ks_put(ks, S("/x"), &kv, &err), -1);
    assert_string_equal(err.msg, "cannot add key '/x': negative version");
    kv = kv_of(-1, 2, 1, 0);
    assert_int_equal(ec_ks_put(ks, S("/x"), &kv, &err), -1);
    kv = kv_of(1, 2, 1, -2);
    assert_int_equal(ec_ks_put(ks, S("/x"), &kv, &err), -1);
    assert_string_equal(err.msg, "cannot add key '/x': value size out of range");
    kv = kv_of(1, 2, 1, 0);
    assert_int_equal(ec_ks_put(ks, NULL, 3, &kv, &err), -1);
    assert_int_equal(ec_ks_generation(ks), g);
    assert_int_equal(find_lit(ks, "/x"), EC_KS_NONE);
    check_agg(root_info(ks), 5, 0, 0, 13, 20);

    /* A page stops at its first bad entry; the ones before it are in. */
    ec_ks_entry page[3] = {
        { S("/y/1"), { 1, 30, 1, 0, 1 } },
        { S("/y/2"), { 1, -30, 1, 0, 1 } },
        { S("/y/3"), { 1, 31, 1, 0, 1 } },
    };
    assert_int_equal(ec_ks_add_page(ks, page, 3, &err), -1);
    assert_int_not_equal(find_lit(ks, "/y/1"), EC_KS_NONE);
    assert_int_equal(find_lit(ks, "/y/2"), EC_KS_NONE);
    assert_int_equal(find_lit(ks, "/y/3"), EC_KS_NONE);

    /* Long keys are cut in messages. */
    char big[400];
    memset(big, 'k', sizeof big);
    kv = kv_of(1, 2, -1, 0);
    assert_int_equal(ec_ks_put(ks, (const uint8_t *)big, sizeof big, &kv, &err), -1);
    assert_int_equal(strlen(err.msg), strlen("cannot add key '") + 120 + 3 + strlen("': negative version"));
    /* Bytes that escape to four characters each: fewer of them are shown. */
    memset(big, 1, sizeof big);
    assert_int_equal(ec_ks_put(ks, (const uint8_t *)big, sizeof big, &kv, &err), -1);
    assert_int_equal(strlen(err.msg), strlen("cannot add key '") + 30 * 4 + 3 + strlen("': negative version"));
    assert_memory_equal(err.msg, "cannot add key '\\x01\\x01", 24);

    ec_ks_info st;
    assert_int_equal(ec_ks_stat(ks, 77777, &st), -1);
    assert_int_equal(ec_ks_parent(ks, 77777), EC_KS_NONE);
    ec_buf b;
    ec_buf_init(&b, 0);
    assert_int_equal(ec_ks_display_name(ks, 77777, &b), -1);
    ec_buf_free(&b);
    ec_ks_free(ks);
}

/* ---- memory housekeeping and depth ---- */

static void test_arena_compaction(void **state)
{
    (void)state;
    ec_ks *ks = ec_ks_new();
    char k[160];
    int n = 4000;
    for (int i = 0; i < n; i++) {
        int len = snprintf(k, sizeof k, "/c/%06d-%0100d", i, i);
        put_b(ks, (const uint8_t *)k, (size_t)len, 1, i + 1, 1, i);
    }
    ec_ks_mem m0, m1;
    ec_ks_memory(ks, &m0);
    assert_int_equal(m0.name_bytes, 1 + (size_t)n * 107); /* "c" and the names */
    for (int i = 0; i < n; i++) {
        if (i % 10 == 3)
            continue;
        int len = snprintf(k, sizeof k, "/c/%06d-%0100d", i, i);
        assert_int_equal(ec_ks_delete(ks, (const uint8_t *)k, (size_t)len), 1);
    }
    ec_ks_memory(ks, &m1);
    assert_int_equal(m1.name_bytes, 1 + (size_t)(n / 10) * 107);
    /* 385,200 bytes of names were removed; with 42,801 live, any garbage
     * of 64 KiB or more would have been compacted away. */
    assert_true(m1.name_garbage < 65536);
    assert_true(m1.alloc_bytes < m0.alloc_bytes);
    /* The survivors' names are intact after the move. */
    uint64_t bytes = 0;
    int64_t maxmod = 0;
    ec_buf b;
    ec_buf_init(&b, 0);
    for (int i = 3; i < n; i += 10) {
        int len = snprintf(k, sizeof k, "/c/%06d-%0100d", i, i);
        ec_ks_id id = ec_ks_find(ks, (const uint8_t *)k, (size_t)len);
        assert_int_not_equal(id, EC_KS_NONE);
        assert_int_equal(ec_ks_path(ks, id, &b), 0);
        assert_int_equal(b.len, (size_t)len);
        assert_memory_equal(b.data, k, (size_t)len);
        bytes += (uint64_t)i;
        maxmod = i + 1;
    }
    check_agg(INFO(ks, "/c"), (uint64_t)n / 10, bytes, (uint64_t)n / 10, (uint64_t)n / 10, maxmod);
    ec_buf_free(&b);
    ec_ks_free(ks);
}

static void test_deep_key(void **state)
{
    (void)state;
    /* 100k levels: nothing may recurse per level. */
    size_t depth = 100000;
    uint8_t *k = malloc(2 * depth + 2);
    for (size_t i = 0; i < depth; i++) {
        k[2 * i] = '/';
        k[2 * i + 1] = 'x';
    }
    size_t len = 2 * depth;
    k[len] = '/';
    k[len + 1] = 'a';
    ec_ks *ks = ec_ks_new();
    put_b(ks, k, len + 2, 1, 10, 1, 1);
    k[len + 1] = 'b';
    put_b(ks, k, len + 2, 1, 5, 1, 2);
    check_agg(root_info(ks), 2, 3, 2, 2, 10);
    /* Removing the newest key marks every level stale; reading the root
     * recomputes all of them. */
    k[len + 1] = 'a';
    assert_int_equal(ec_ks_delete(ks, k, len + 2), 1);
    check_agg(root_info(ks), 1, 2, 1, 1, 5);
    check_agg(info_b(ks, k, 2 * 50000), 1, 2, 1, 1, 5);
    ec_buf b;
    ec_buf_init(&b, 0);
    k[len + 1] = 'b';
    assert_int_equal(ec_ks_path(ks, ec_ks_find(ks, k, len + 2), &b), 0);
    assert_int_equal(b.len, len + 2);
    assert_memory_equal(b.data, k, len + 2);
    /* A capped buffer refuses a path that does not fit. */
    ec_buf small;
    ec_buf_init(&small, 1000);
    assert_int_equal(ec_ks_path(ks, ec_ks_find(ks, k, len + 2), &small), -1);
    assert_int_equal(small.len, 0);
    ec_buf_free(&small);
    assert_int_equal(ec_ks_delete(ks, k, len + 2), 1);
    ec_ks_mem m;
    ec_ks_memory(ks, &m);
    assert_int_equal(m.nodes, 1);
    ec_buf_free(&b);
    free(k);
    ec_ks_free(ks);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_k8s_levels),
        cmocka_unit_test(test_paths_and_lookup),
        cmocka_unit_test(test_key_and_prefix),
        cmocka_unit_test(test_odd_keys),
        cmocka_unit_test(test_order_independent),
        cmocka_unit_test(test_deletes_prune),
        cmocka_unit_test(test_updates),
        cmocka_unit_test(test_set_size),
        cmocka_unit_test(test_sort_every_column),
        cmocka_unit_test(test_filter_and_window),
        cmocka_unit_test(test_listing_cache),
        cmocka_unit_test(test_rates),
        cmocka_unit_test(test_generation_and_clear),
        cmocka_unit_test(test_invalid_input),
        cmocka_unit_test(test_arena_compaction),
        cmocka_unit_test(test_deep_key),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
