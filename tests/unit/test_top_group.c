/* Groupings of "find the runaway": every grouping on protobuf values built
 * by tests/tools/fake_k8s.h, on the real API-server fixtures (.pb and their
 * .json twins), on JSON custom resources, on values that are not Kubernetes
 * at all, on deletes with and without their previous value, and on many
 * generated objects checked one by one against names built independently. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/tools/fake_k8s.h"
#include "tests/unit/test_k8s_fixtures.h"
#include "tui/top/group.h"

static const bg_top_group_opts OPTS = {.depth = 3, .k8s_prefix = NULL};

/* The group of a write as a NUL-terminated string (test keys hold no NUL). */
static const char *group_of(bg_top_grouping g, const bg_top_write *w, const bg_top_group_opts *o)
{
    static uint8_t buf[BG_TOP_GROUP_BUF];
    static char out[BG_TOP_GROUP_BUF + 1];
    bg_top_parsed p;
    bg_top_parsed_init(&p, w);
    const uint8_t *name = NULL;
    size_t n = bg_top_group(g, &p, o ? o : &OPTS, buf, &name);
    assert_true(n <= BG_TOP_GROUP_BUF || name != buf);
    assert_true(n < sizeof out);
    memcpy(out, name, n);
    out[n] = '\0';
    return out;
}

static bg_top_write put_w(const char *key, const void *v, size_t vlen, int64_t lease)
{
    bg_top_write w = {(const uint8_t *)key, strlen(key), v, vlen, lease, false, true};
    return w;
}

static void test_names(void **state)
{
    (void)state;
    static const char *want[] = {"key", "prefix", "resource", "namespace", "owner", "writer", "lease"};
    for (unsigned g = 0; g < BG_TOP_NGROUPINGS; g++) {
        assert_string_equal(bg_top_grouping_name((bg_top_grouping)g), want[g]);
        bg_top_grouping back;
        assert_int_equal(bg_top_grouping_parse(want[g], &back), 0);
        assert_int_equal(back, g);
    }
    bg_top_grouping x;
    assert_int_equal(bg_top_grouping_parse("owners", &x), -1);
    assert_int_equal(bg_top_grouping_parse("", &x), -1);
    assert_null(bg_top_grouping_name(BG_TOP_NGROUPINGS));
    assert_true(bg_top_grouping_needs_prev_kv(BG_TOP_BY_OWNER));
    assert_true(bg_top_grouping_needs_prev_kv(BG_TOP_BY_WRITER));
    assert_true(bg_top_grouping_needs_prev_kv(BG_TOP_BY_LEASE));
    assert_false(bg_top_grouping_needs_prev_kv(BG_TOP_BY_PREFIX));
    assert_false(bg_top_grouping_keys_only(BG_TOP_BY_OWNER));
    assert_true(bg_top_grouping_keys_only(BG_TOP_BY_NAMESPACE));
}

static size_t plen(const char *k, unsigned d)
{
    return bg_top_prefix_len((const uint8_t *)k, strlen(k), d);
}

static void test_prefix_depth(void **state)
{
    (void)state;
    const char *k = "/registry/pods/kube-system/node-agent-00001";
    assert_int_equal(plen(k, 0), strlen(k));
    assert_int_equal(plen(k, 1), strlen("/registry/"));
    assert_int_equal(plen(k, 2), strlen("/registry/pods/"));
    assert_int_equal(plen(k, 3), strlen("/registry/pods/kube-system/"));
    assert_int_equal(plen(k, 4), strlen(k)); /* fewer separators: the key itself */
    assert_int_equal(plen(k, 64), strlen(k));
    assert_int_equal(plen("a/b/c", 1), 2);
    assert_int_equal(plen("abc", 2), 3);
    assert_int_equal(plen("", 3), 0);
    assert_int_equal(plen("/", 1), 1);
    assert_int_equal(plen("//x", 1), 2);       /* the first byte is never a separator */
    assert_int_equal(plen("/a//b", 2), 4);
    bg_top_write w = put_w(k, "x", 1, 0);
    bg_top_group_opts o = {.depth = 2};
    assert_string_equal(group_of(BG_TOP_BY_PREFIX, &w, &o), "/registry/pods/");
    assert_string_equal(group_of(BG_TOP_BY_PREFIX, &w, NULL), "/registry/pods/kube-system/");
    assert_string_equal(group_of(BG_TOP_BY_KEY, &w, NULL), k);
}

static void test_resource_namespace(void **state)
{
    (void)state;
    struct {
        const char *key, *resource, *ns;
    } cases[] = {
        {"/registry/pods/kube-system/node-agent-1", "pods", "kube-system"},
        {"/registry/example.com/widgets/shop/widget-0", "example.com/widgets", "shop"},
        {"/registry/minions/node-1", "nodes", BG_TOP_G_CLUSTER},
        {"/registry/deployments/shop/web", "deployments", "shop"},
        {"/registry/leases/kube-node-lease/node-000", "leases", "kube-node-lease"},
        {"/registry/services/specs/default/kubernetes", "services", "default"},
        {"/registry/namespaces/shop", "namespaces", BG_TOP_G_CLUSTER},
        {"/registry/pods/default", "pods", "default"},   /* partial: a prefix, not an object */
        {"/other/app/config", BG_TOP_G_OTHER, BG_TOP_G_OTHER},
        {"plain-key", BG_TOP_G_OTHER, BG_TOP_G_OTHER},
        {"/registry", BG_TOP_G_OTHER, BG_TOP_G_OTHER},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        bg_top_write w = put_w(cases[i].key, "", 0, 0);
        assert_string_equal(group_of(BG_TOP_BY_RESOURCE, &w, NULL), cases[i].resource);
        assert_string_equal(group_of(BG_TOP_BY_NAMESPACE, &w, NULL), cases[i].ns);
    }
    /* Another API server prefix. */
    bg_top_group_opts o = {.depth = 3, .k8s_prefix = "/kubernetes.io"};
    bg_top_write w = put_w("/kubernetes.io/pods/shop/web-1", "", 0, 0);
    assert_string_equal(group_of(BG_TOP_BY_RESOURCE, &w, &o), "pods");
    assert_string_equal(group_of(BG_TOP_BY_NAMESPACE, &w, &o), "shop");
    assert_string_equal(group_of(BG_TOP_BY_RESOURCE, &w, NULL), BG_TOP_G_OTHER);
}

static void encode(ec_buf *b, const char *apiv, const char *kind, const char *name, const char *ns,
                   const fake_owner *owner, const char *manager)
{
    char uid[37];
    fake_uid(uid, name);
    fake_obj o = {apiv, kind, name, ns, uid, "app", owner, manager, 1700000000, 50, 1};
    fake_k8s_encode(b, &o);
}

static void test_owner_writer_protobuf(void **state)
{
    (void)state;
    ec_buf b;
    ec_buf_init(&b, 0);
    fake_owner ds = {"apps/v1", "DaemonSet", "node-agent", "uid-ds"};
    encode(&b, "v1", "Pod", "node-agent-00001", "kube-system", &ds, "kubelet");
    bg_top_write w = put_w("/registry/pods/kube-system/node-agent-00001", b.data, b.len, 0);
    assert_string_equal(group_of(BG_TOP_BY_OWNER, &w, NULL), "DaemonSet/kube-system/node-agent");
    assert_string_equal(group_of(BG_TOP_BY_WRITER, &w, NULL), "kubelet");
    assert_string_equal(group_of(BG_TOP_BY_LEASE, &w, NULL), BG_TOP_G_NO_LEASE);

    /* No owner: the object is its own group; no managedFields: "(none)". */
    encode(&b, "v1", "Pod", "etcd-master-0", "kube-system", NULL, NULL);
    w = put_w("/registry/pods/kube-system/etcd-master-0", b.data, b.len, 0);
    assert_string_equal(group_of(BG_TOP_BY_OWNER, &w, NULL), "Pod/kube-system/etcd-master-0");
    assert_string_equal(group_of(BG_TOP_BY_WRITER, &w, NULL), BG_TOP_G_NO_WRITER);

    /* Cluster-scoped object without an owner: Kind/name. */
    encode(&b, "v1", "Node", "node-1", "", NULL, "kubelet");
    w = put_w("/registry/minions/node-1", b.data, b.len, 0x694d7a0f3c2b1a00LL);
    assert_string_equal(group_of(BG_TOP_BY_OWNER, &w, NULL), "Node/node-1");
    assert_string_equal(group_of(BG_TOP_BY_LEASE, &w, NULL), "694d7a0f3c2b1a00");

    /* A delete counts for the owner of its previous value... */
    fake_owner rs = {"apps/v1", "ReplicaSet", "web-7d9f8c6b5", "uid-rs"};
    encode(&b, "v1", "Pod", "web-7d9f8c6b5-abcde", "shop", &rs, "kube-controller-manager");
    bg_top_write d = {(const uint8_t *)"/registry/pods/shop/web-7d9f8c6b5-abcde",
                      strlen("/registry/pods/shop/web-7d9f8c6b5-abcde"), (const uint8_t *)b.data, b.len, 42, true,
                      true};
    assert_string_equal(group_of(BG_TOP_BY_OWNER, &d, NULL), "ReplicaSet/shop/web-7d9f8c6b5");
    assert_string_equal(group_of(BG_TOP_BY_WRITER, &d, NULL), "kube-controller-manager");
    assert_string_equal(group_of(BG_TOP_BY_LEASE, &d, NULL), "000000000000002a");
    assert_string_equal(group_of(BG_TOP_BY_NAMESPACE, &d, NULL), "shop");
    /* ...and without it, it says so instead of guessing. */
    bg_top_write u = {d.key, d.key_len, NULL, 0, 0, true, false};
    assert_string_equal(group_of(BG_TOP_BY_OWNER, &u, NULL), BG_TOP_G_UNKNOWN);
    assert_string_equal(group_of(BG_TOP_BY_WRITER, &u, NULL), BG_TOP_G_UNKNOWN);
    assert_string_equal(group_of(BG_TOP_BY_LEASE, &u, NULL), BG_TOP_G_UNKNOWN);
    assert_string_equal(group_of(BG_TOP_BY_PREFIX, &u, NULL), "/registry/pods/shop/");
    assert_string_equal(group_of(BG_TOP_BY_RESOURCE, &u, NULL), "pods");
    ec_buf_free(&b);
}

static void test_fixtures_pb_and_json_agree(void **state)
{
    (void)state;
    char dir[1024], path[1200];
    k8s_fixture_dir(dir, sizeof dir);
    static const char *names[] = {"core.v1.Pod", "apps.v1.ReplicaSet", "apps.v1.DaemonSet", "core.v1.Event",
                                  "coordination.k8s.io.v1.Lease"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        for (int json = 0; json < 2; json++) {
            snprintf(path, sizeof path, "%s/%s.%s", dir, names[i], json ? "json" : "pb");
            size_t len = 0;
            uint8_t *v = k8s_read_file(path, &len);
            if (!v)
                fail_msg("cannot read fixture '%s'", path);
            bg_top_write w = put_w("/registry/things/namespaceValue/nameValue", v, len, 0);
            /* Every fixture has a controller owner and managers named so. */
            assert_string_equal(group_of(BG_TOP_BY_OWNER, &w, NULL), "kindValue/namespaceValue/nameValue");
            assert_string_equal(group_of(BG_TOP_BY_WRITER, &w, NULL), "managerValue");
            free(v);
        }
    }
}

static void test_json_and_other_values(void **state)
{
    (void)state;
    const char *cr = "{\"apiVersion\":\"example.com/v1\",\"kind\":\"Widget\",\"metadata\":{\"name\":\"widget-0\","
                     "\"namespace\":\"shop\",\"uid\":\"u1\"},\"spec\":{\"size\":1}}";
    bg_top_write w = put_w("/registry/example.com/widgets/shop/widget-0", cr, strlen(cr), 0);
    assert_string_equal(group_of(BG_TOP_BY_OWNER, &w, NULL), "Widget/shop/widget-0");
    assert_string_equal(group_of(BG_TOP_BY_WRITER, &w, NULL), BG_TOP_G_NO_WRITER);

    const char *owned =
        "{\"apiVersion\":\"example.com/v1\",\"kind\":\"Gadget\",\"metadata\":{\"name\":\"g-1\",\"namespace\":"
        "\"shop\",\"ownerReferences\":[{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"name\":\"helper\","
        "\"uid\":\"u0\"},{\"apiVersion\":\"example.com/v1\",\"kind\":\"Widget\",\"name\":\"widget-0\",\"uid\":"
        "\"u1\",\"controller\":true}],\"managedFields\":[{\"manager\":\"old\",\"time\":\"2024-01-01T00:00:00Z\"},"
        "{\"manager\":\"widget-operator\",\"time\":\"2024-06-01T00:00:00Z\"}]}}";
    w = put_w("/registry/example.com/gadgets/shop/g-1", owned, strlen(owned), 0);
    /* The controller reference wins over the first one; the newest manager. */
    assert_string_equal(group_of(BG_TOP_BY_OWNER, &w, NULL), "Widget/shop/widget-0");
    assert_string_equal(group_of(BG_TOP_BY_WRITER, &w, NULL), "widget-operator");

    /* JSON with no kind, text, binary, empty: the key is the identity. */
    const char *vals[] = {"{\"a\":1}", "hello world", "\x01\x02\xff", ""};
    size_t lens[] = {7, 11, 3, 0};
    for (size_t i = 0; i < 4; i++) {
        w = put_w("/app/config/x", vals[i], lens[i], 0);
        assert_string_equal(group_of(BG_TOP_BY_OWNER, &w, NULL), "/app/config/x");
        assert_string_equal(group_of(BG_TOP_BY_WRITER, &w, NULL), BG_TOP_G_NO_WRITER);
        assert_string_equal(group_of(BG_TOP_BY_NAMESPACE, &w, NULL), BG_TOP_G_OTHER);
    }
    /* Encrypted at rest: nothing to read but the key. */
    const char *enc = "k8s:enc:aescbc:v1:key1:\x93\x11\x02garbage";
    w = put_w("/registry/secrets/shop/db", enc, strlen(enc), 0);
    assert_string_equal(group_of(BG_TOP_BY_OWNER, &w, NULL), "/registry/secrets/shop/db");
    assert_string_equal(group_of(BG_TOP_BY_WRITER, &w, NULL), BG_TOP_G_NO_WRITER);
    /* Protobuf magic followed by garbage: no crash, a usable group. */
    const uint8_t bad[] = {'k', '8', 's', 0, 0x0a, 0xff, 0xff, 0xff};
    w = put_w("/registry/pods/shop/bad", bad, sizeof bad, 0);
    assert_string_equal(group_of(BG_TOP_BY_OWNER, &w, NULL), "/registry/pods/shop/bad");
}

static void test_long_names_are_cut(void **state)
{
    (void)state;
    /* A hostile value with a 5000-byte owner name: cut at the buffer, the
     * engine then marks it as cut. */
    char *name = malloc(5001);
    memset(name, 'n', 5000);
    name[5000] = '\0';
    fake_owner o = {"v1", "Thing", name, "u"};
    ec_buf b;
    ec_buf_init(&b, 0);
    encode(&b, "v1", "Pod", "p", "ns", &o, name);
    bg_top_write w = put_w("/registry/pods/ns/p", b.data, b.len, 0);
    bg_top_parsed p;
    bg_top_parsed_init(&p, &w);
    uint8_t buf[BG_TOP_GROUP_BUF];
    const uint8_t *g;
    size_t n = bg_top_group(BG_TOP_BY_OWNER, &p, &OPTS, buf, &g);
    assert_int_equal(n, BG_TOP_GROUP_BUF);
    assert_ptr_equal(g, buf);
    assert_memory_equal(g, "Thing/ns/nnnn", 13);
    /* The writer is a view into the value: whole. */
    n = bg_top_group(BG_TOP_BY_WRITER, &p, &OPTS, buf, &g);
    assert_int_equal(n, 5000);
    ec_buf_free(&b);
    free(name);
}

static void test_escape_bytes_pass_through(void **state)
{
    (void)state;
    /* Group names are raw bytes; escaping is the printer's job. */
    const char *k = "/registry/configmaps/shop/\x1b]0;pwned\x07";
    bg_top_write w = put_w(k, "x", 1, 0);
    assert_string_equal(group_of(BG_TOP_BY_KEY, &w, NULL), k);
    assert_string_equal(group_of(BG_TOP_BY_NAMESPACE, &w, NULL), "shop");
}

/* Many objects, each group checked against a name built independently. */
static void test_many_objects(void **state)
{
    (void)state;
    ec_buf b;
    ec_buf_init(&b, 0);
    char key[256], name[64], ns[32], owner_name[64], want[256];
    static const char *managers[] = {"kubelet", "kube-controller-manager", "helm", NULL};
    for (int i = 0; i < 20000; i++) {
        snprintf(ns, sizeof ns, "ns-%02d", i % 37);
        snprintf(name, sizeof name, "pod-%06d", i);
        snprintf(owner_name, sizeof owner_name, "rs-%03d", i % 101);
        fake_owner o = {"apps/v1", "ReplicaSet", owner_name, "u"};
        const char *mgr = managers[i % 4];
        bool owned = i % 5 != 0;
        encode(&b, "v1", "Pod", name, ns, owned ? &o : NULL, mgr);
        snprintf(key, sizeof key, "/registry/pods/%s/%s", ns, name);
        int64_t lease = i % 3 ? 0 : 1000 + i % 7;
        bg_top_write w = put_w(key, b.data, b.len, lease);
        if (owned)
            snprintf(want, sizeof want, "ReplicaSet/%s/%s", ns, owner_name);
        else
            snprintf(want, sizeof want, "Pod/%s/%s", ns, name);
        assert_string_equal(group_of(BG_TOP_BY_OWNER, &w, NULL), want);
        assert_string_equal(group_of(BG_TOP_BY_WRITER, &w, NULL), mgr ? mgr : BG_TOP_G_NO_WRITER);
        snprintf(want, sizeof want, "/registry/pods/%s/", ns);
        assert_string_equal(group_of(BG_TOP_BY_PREFIX, &w, NULL), want);
        assert_string_equal(group_of(BG_TOP_BY_NAMESPACE, &w, NULL), ns);
        assert_string_equal(group_of(BG_TOP_BY_RESOURCE, &w, NULL), "pods");
        if (lease)
            snprintf(want, sizeof want, "%016x", (unsigned)lease);
        assert_string_equal(group_of(BG_TOP_BY_LEASE, &w, NULL), lease ? want : BG_TOP_G_NO_LEASE);
    }
    ec_buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_prefix_depth),
        cmocka_unit_test(test_resource_namespace),
        cmocka_unit_test(test_owner_writer_protobuf),
        cmocka_unit_test(test_fixtures_pb_and_json_agree),
        cmocka_unit_test(test_json_and_other_values),
        cmocka_unit_test(test_long_names_are_cut),
        cmocka_unit_test(test_escape_bytes_pass_through),
        cmocka_unit_test(test_many_objects),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
