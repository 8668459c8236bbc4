/* Table-driven checks of the etcd key layout parser. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "etcdclient/k8s/keylayout.h"

#define NS EC_K8S_SCOPE_NAMESPACED
#define CL EC_K8S_SCOPE_CLUSTER
#define UK EC_K8S_SCOPE_UNKNOWN
#define KNOWN EC_K8S_KEY_KNOWN
#define LEGACY EC_K8S_KEY_LEGACY
#define PARTIAL EC_K8S_KEY_PARTIAL
#define GUESS EC_K8S_KEY_SCOPE_GUESSED
#define ODD EC_K8S_KEY_ODD

typedef struct key_case {
    const char *prefix;     /* NULL: default */
    const char *key;
    int rc;
    const char *group, *resource, *storage, *ns, *name;
    ec_k8s_scope scope;
    unsigned flags;
} key_case;

static const key_case cases[] = {
    /* namespaced core */
    {NULL, "/registry/pods/default/web-1", 0, "", "pods", "pods", "default", "web-1", NS, KNOWN},
    {NULL, "/registry/configmaps/kube-system/coredns", 0, "", "configmaps", "configmaps", "kube-system", "coredns", NS, KNOWN},
    {NULL, "/registry/secrets/ns1/s", 0, "", "secrets", "secrets", "ns1", "s", NS, KNOWN},
    {NULL, "/registry/events/default/web-1.17a", 0, "", "events", "events", "default", "web-1.17a", NS, KNOWN},
    {NULL, "/registry/serviceaccounts/default/default", 0, "", "serviceaccounts", "serviceaccounts", "default", "default", NS, KNOWN},
    {NULL, "/registry/leases/kube-node-lease/node-1", 0, "", "leases", "leases", "kube-node-lease", "node-1", NS, KNOWN},
    {NULL, "/registry/deployments/default/web", 0, "", "deployments", "deployments", "default", "web", NS, KNOWN},
    {NULL, "/registry/replicasets/default/web-5d8", 0, "", "replicasets", "replicasets", "default", "web-5d8", NS, KNOWN},
    {NULL, "/registry/endpointslices/default/kubernetes", 0, "", "endpointslices", "endpointslices", "default", "kubernetes", NS, KNOWN},
    {NULL, "/registry/roles/kube-system/r", 0, "", "roles", "roles", "kube-system", "r", NS, KNOWN},
    /* legacy storage names */
    {NULL, "/registry/services/specs/default/kubernetes", 0, "", "services", "services/specs", "default", "kubernetes", NS, KNOWN | LEGACY},
    {NULL, "/registry/services/endpoints/default/kubernetes", 0, "", "endpoints", "services/endpoints", "default", "kubernetes", NS, KNOWN | LEGACY},
    {NULL, "/registry/minions/node-1", 0, "", "nodes", "minions", "", "node-1", CL, KNOWN | LEGACY},
    {NULL, "/registry/controllers/default/rc", 0, "", "replicationcontrollers", "controllers", "default", "rc", NS, KNOWN | LEGACY},
    {NULL, "/registry/ingress/default/web", 0, "", "ingresses", "ingress", "default", "web", NS, KNOWN | LEGACY},
    {NULL, "/registry/podsecuritypolicy/restricted", 0, "", "podsecuritypolicies", "podsecuritypolicy", "", "restricted", CL, KNOWN | LEGACY},
    {NULL, "/registry/masterleases/10.0.0.1", 0, "", "masterleases", "masterleases", "", "10.0.0.1", CL, KNOWN | LEGACY},
    {NULL, "/registry/ranges/serviceips", 0, "", "ranges", "ranges", "", "serviceips", CL, KNOWN | LEGACY},
    {NULL, "/registry/ranges/servicenodeports", 0, "", "ranges", "ranges", "", "servicenodeports", CL, KNOWN | LEGACY},
    /* cluster-scoped built-ins */
    {NULL, "/registry/namespaces/kube-system", 0, "", "namespaces", "namespaces", "", "kube-system", CL, KNOWN},
    {NULL, "/registry/nodes/node-1", 0, "", "nodes", "nodes", "", "node-1", CL, KNOWN},
    {NULL, "/registry/persistentvolumes/pv-1", 0, "", "persistentvolumes", "persistentvolumes", "", "pv-1", CL, KNOWN},
    {NULL, "/registry/clusterroles/system:controller:job-controller", 0, "", "clusterroles", "clusterroles", "", "system:controller:job-controller", CL, KNOWN},
    {NULL, "/registry/clusterrolebindings/cluster-admin", 0, "", "clusterrolebindings", "clusterrolebindings", "", "cluster-admin", CL, KNOWN},
    {NULL, "/registry/storageclasses/standard", 0, "", "storageclasses", "storageclasses", "", "standard", CL, KNOWN},
    {NULL, "/registry/priorityclasses/system-node-critical", 0, "", "priorityclasses", "priorityclasses", "", "system-node-critical", CL, KNOWN},
    {NULL, "/registry/mutatingwebhookconfigurations/istio", 0, "", "mutatingwebhookconfigurations", "mutatingwebhookconfigurations", "", "istio", CL, KNOWN},
    {NULL, "/registry/validatingwebhookconfigurations/v", 0, "", "validatingwebhookconfigurations", "validatingwebhookconfigurations", "", "v", CL, KNOWN},
    {NULL, "/registry/csidrivers/ebs.csi.aws.com", 0, "", "csidrivers", "csidrivers", "", "ebs.csi.aws.com", CL, KNOWN},
    {NULL, "/registry/csinodes/node-1", 0, "", "csinodes", "csinodes", "", "node-1", CL, KNOWN},
    {NULL, "/registry/runtimeclasses/gvisor", 0, "", "runtimeclasses", "runtimeclasses", "", "gvisor", CL, KNOWN},
    {NULL, "/registry/volumeattachments/csi-123", 0, "", "volumeattachments", "volumeattachments", "", "csi-123", CL, KNOWN},
    {NULL, "/registry/certificatesigningrequests/csr-abc", 0, "", "certificatesigningrequests", "certificatesigningrequests", "", "csr-abc", CL, KNOWN},
    {NULL, "/registry/ingressclasses/nginx", 0, "", "ingressclasses", "ingressclasses", "", "nginx", CL, KNOWN},
    {NULL, "/registry/flowschemas/exempt", 0, "", "flowschemas", "flowschemas", "", "exempt", CL, KNOWN},
    {NULL, "/registry/prioritylevelconfigurations/global-default", 0, "", "prioritylevelconfigurations", "prioritylevelconfigurations", "", "global-default", CL, KNOWN},
    /* groups in the path */
    {NULL, "/registry/apiextensions.k8s.io/customresourcedefinitions/widgets.example.com", 0,
     "apiextensions.k8s.io", "customresourcedefinitions", "apiextensions.k8s.io/customresourcedefinitions", "", "widgets.example.com", CL, KNOWN},
    {NULL, "/registry/apiregistration.k8s.io/apiservices/v1.apps", 0,
     "apiregistration.k8s.io", "apiservices", "apiregistration.k8s.io/apiservices", "", "v1.apps", CL, KNOWN},
    {NULL, "/registry/example.com/widgets/default/w1", 0, "example.com", "widgets", "example.com/widgets", "default", "w1", NS, GUESS},
    {NULL, "/registry/example.com/clusterwidgets/cw1", 0, "example.com", "clusterwidgets", "example.com/clusterwidgets", "", "cw1", CL, GUESS},
    {NULL, "/registry/cert-manager.io/certificates/prod/tls", 0, "cert-manager.io", "certificates", "cert-manager.io/certificates", "prod", "tls", NS, GUESS},
    {NULL, "/registry/metrics.k8s.io/nodes/n1", 0, "metrics.k8s.io", "nodes", "metrics.k8s.io/nodes", "", "n1", CL, GUESS},
    /* unknown, non-grouped resource: scope from the segment count */
    {NULL, "/registry/somethingnew/ns/x", 0, "", "somethingnew", "somethingnew", "ns", "x", NS, GUESS},
    {NULL, "/registry/somethingnew/x", 0, "", "somethingnew", "somethingnew", "", "x", CL, GUESS},
    /* partial keys (prefixes) */
    {NULL, "/registry/pods", 0, "", "pods", "pods", "", "", NS, KNOWN | PARTIAL},
    {NULL, "/registry/pods/", 0, "", "pods", "pods", "", "", NS, KNOWN | PARTIAL},
    {NULL, "/registry/pods/default", 0, "", "pods", "pods", "default", "", NS, KNOWN | PARTIAL},
    {NULL, "/registry/pods/default/", 0, "", "pods", "pods", "default", "", NS, KNOWN | PARTIAL},
    {NULL, "/registry/namespaces/", 0, "", "namespaces", "namespaces", "", "", CL, KNOWN | PARTIAL},
    {NULL, "/registry/services/specs/default", 0, "", "services", "services/specs", "default", "", NS, KNOWN | LEGACY | PARTIAL},
    {NULL, "/registry/example.com", 0, "example.com", "", "example.com", "", "", UK, PARTIAL},
    {NULL, "/registry/example.com/widgets", 0, "example.com", "widgets", "example.com/widgets", "", "", UK, PARTIAL},
    {NULL, "/registry/somethingnew", 0, "", "somethingnew", "somethingnew", "", "", UK, PARTIAL},
    /* odd keys: surplus or empty segments */
    {NULL, "/registry/pods/default/a/b", 0, "", "pods", "pods", "default", "a/b", NS, KNOWN | ODD},
    {NULL, "/registry/pods//web", 0, "", "pods", "pods", "", "web", NS, KNOWN | ODD},
    {NULL, "/registry/namespaces/a/b", 0, "", "namespaces", "namespaces", "", "a/b", CL, KNOWN | ODD},
    {NULL, "/registry/example.com//x", 0, "example.com", "", "example.com/", "", "", UK, PARTIAL | ODD},
    /* other prefixes */
    {"/kubernetes.io", "/kubernetes.io/pods/default/p", 0, "", "pods", "pods", "default", "p", NS, KNOWN},
    {"/kubernetes.io/", "/kubernetes.io/minions/n", 0, "", "nodes", "minions", "", "n", CL, KNOWN | LEGACY},
    {"", "/pods/default/p", 0, "", "pods", "pods", "default", "p", NS, KNOWN},
    {"/a/b", "/a/b/secrets/x/y", 0, "", "secrets", "secrets", "x", "y", NS, KNOWN},
    /* not Kubernetes keys */
    {NULL, "/registry", -1, NULL, NULL, NULL, NULL, NULL, UK, 0},
    {NULL, "/registry/", -1, NULL, NULL, NULL, NULL, NULL, UK, 0},
    {NULL, "/registry//pods/x", -1, NULL, NULL, NULL, NULL, NULL, UK, 0},
    {NULL, "/registryx/pods/a/b", -1, NULL, NULL, NULL, NULL, NULL, UK, 0},
    {NULL, "compact_rev_key", -1, NULL, NULL, NULL, NULL, NULL, UK, 0},
    {NULL, "", -1, NULL, NULL, NULL, NULL, NULL, UK, 0},
    {NULL, "/kubernetes.io/pods/a/b", -1, NULL, NULL, NULL, NULL, NULL, UK, 0},
    {"/kubernetes.io", "/registry/pods/a/b", -1, NULL, NULL, NULL, NULL, NULL, UK, 0},
};

static void expect_view(size_t i, const char *what, ec_k8s_view v, const char *want)
{
    if (!ec_k8s_view_eq(v, want))
        fail_msg("case %zu ('%s'): %s is '%.*s', want '%s'", i, cases[i].key, what, (int)v.len,
                 v.p ? (const char *)v.p : "", want);
}

static void test_key_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const key_case *c = &cases[i];
        ec_k8s_key k;
        int rc = ec_k8s_key_parse((const uint8_t *)c->key, strlen(c->key), c->prefix, &k);
        if (rc != c->rc)
            fail_msg("case %zu ('%s'): rc %d, want %d", i, c->key, rc, c->rc);
        if (rc != 0) {
            assert_int_equal(k.resource.len, 0);
            assert_int_equal(k.flags, 0);
            continue;
        }
        expect_view(i, "group", k.group, c->group);
        expect_view(i, "resource", k.resource, c->resource);
        expect_view(i, "storage", k.storage, c->storage);
        expect_view(i, "namespace", k.ns, c->ns);
        expect_view(i, "name", k.name, c->name);
        if (k.scope != c->scope)
            fail_msg("case %zu ('%s'): scope %d, want %d", i, c->key, k.scope, c->scope);
        if (k.flags != c->flags)
            fail_msg("case %zu ('%s'): flags 0x%x, want 0x%x", i, c->key, k.flags, c->flags);
    }
}

/* Views point into the key itself (zero allocation), except API names that
 * differ from the stored one. */
static void test_key_views_point_into_key(void **state)
{
    (void)state;
    static const char key[] = "/registry/pods/default/web-1";
    ec_k8s_key k;
    assert_int_equal(ec_k8s_key_parse((const uint8_t *)key, sizeof key - 1, NULL, &k), 0);
    assert_ptr_equal(k.resource.p, (const uint8_t *)key + 10);
    assert_ptr_equal(k.ns.p, (const uint8_t *)key + 15);
    assert_ptr_equal(k.name.p, (const uint8_t *)key + 23);
}

/* Keys are bytes: a NUL or an escape in a name is kept, not cut. */
static void test_key_binary_bytes(void **state)
{
    (void)state;
    static const uint8_t key[] = "/registry/configmaps/ns/a\0b\x1b";
    ec_k8s_key k;
    assert_int_equal(ec_k8s_key_parse(key, sizeof key - 1, NULL, &k), 0);
    assert_int_equal(k.name.len, 4);
    assert_memory_equal(k.name.p, "a\0b\x1b", 4);
    /* A key shorter than the prefix, not NUL-terminated, is not read past. */
    assert_int_equal(ec_k8s_key_parse(key, 5, NULL, &k), -1);
}

static void test_resource_scope(void **state)
{
    (void)state;
    ec_k8s_view none = {NULL, 0};
    assert_int_equal(ec_k8s_resource_scope(none, ec_k8s_view_make("pods", 4)), NS);
    assert_int_equal(ec_k8s_resource_scope(none, ec_k8s_view_make("minions", 7)), CL);
    assert_int_equal(ec_k8s_resource_scope(none, ec_k8s_view_make("services/specs", 14)), NS);
    assert_int_equal(ec_k8s_resource_scope(none, ec_k8s_view_make("widgets", 7)), UK);
    assert_int_equal(ec_k8s_resource_scope(ec_k8s_view_make("apiextensions.k8s.io", 20),
                                           ec_k8s_view_make("customresourcedefinitions", 25)), CL);
    /* The group matters: a CRD named like a built-in is not that built-in. */
    assert_int_equal(ec_k8s_resource_scope(ec_k8s_view_make("example.com", 11),
                                           ec_k8s_view_make("pods", 4)), UK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_key_table),
        cmocka_unit_test(test_key_views_point_into_key),
        cmocka_unit_test(test_key_binary_bytes),
        cmocka_unit_test(test_resource_scope),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
