/* The Kubernetes kind -> etcd key mapping (bg_owner_key in tui/ops/owner.h),
 * shared by rm --owner, the console's guarded delete and its Top screen:
 * namespaced and cluster-scoped kinds, legacy storage paths, kinds outside
 * the table, the --etcd-prefix and an output buffer that is too small. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "tui/ops/owner.h"

static void test_namespaced(void **state)
{
    (void)state;
    char k[128];
    assert_int_equal(bg_owner_key(NULL, "Deployment", "shop", "web", k, sizeof k), 30);
    assert_string_equal(k, "/registry/deployments/shop/web");
    /* Case does not matter; legacy storage paths. */
    assert_int_equal(bg_owner_key(NULL, "service", "shop", "web", k, sizeof k), 33);
    assert_string_equal(k, "/registry/services/specs/shop/web");
    assert_int_equal(bg_owner_key(NULL, "ENDPOINTS", "shop", "web", k, sizeof k), 37);
    assert_string_equal(k, "/registry/services/endpoints/shop/web");
    /* Plurals that are not a plain 's'. */
    assert_int_equal(bg_owner_key(NULL, "NetworkPolicy", "shop", "deny", k, sizeof k), 35);
    assert_string_equal(k, "/registry/networkpolicies/shop/deny");
    assert_int_equal(bg_owner_key(NULL, "Ingress", "shop", "web", k, sizeof k), 26);
    assert_string_equal(k, "/registry/ingress/shop/web");
    assert_int_equal(bg_owner_key(NULL, "ReplicationController", "shop", "rc", k, sizeof k), 29);
    assert_string_equal(k, "/registry/controllers/shop/rc");
    /* A storage name given as the kind maps to itself. */
    assert_int_equal(bg_owner_key(NULL, "pods", "shop", "web-1", k, sizeof k), 25);
    assert_string_equal(k, "/registry/pods/shop/web-1");
}

static void test_cluster_scoped(void **state)
{
    (void)state;
    char k[128];
    assert_int_equal(bg_owner_key(NULL, "Node", NULL, "n1", k, sizeof k), 20);
    assert_string_equal(k, "/registry/minions/n1");
    assert_int_equal(bg_owner_key(NULL, "Namespace", "", "shop", k, sizeof k), 25);
    assert_string_equal(k, "/registry/namespaces/shop");
    assert_int_equal(bg_owner_key(NULL, "PriorityClass", NULL, "high", k, sizeof k), 30);
    assert_string_equal(k, "/registry/priorityclasses/high");
}

static void test_unknown_kind(void **state)
{
    (void)state;
    char k[128];
    /* Not in the table: the regular plural, as the API server makes it. */
    assert_int_equal(bg_owner_key(NULL, "Widget", "shop", "w1", k, sizeof k), 25);
    assert_string_equal(k, "/registry/widgets/shop/w1");
    assert_int_equal(bg_owner_key(NULL, "Gadget", NULL, "g1", k, sizeof k), 20);
    assert_string_equal(k, "/registry/gadgets/g1");
    /* Empty kind or name, or a kind of 64 bytes: no key. */
    memset(k, 'x', sizeof k);
    assert_int_equal(bg_owner_key(NULL, "", "shop", "w1", k, sizeof k), -1);
    assert_string_equal(k, "");
    assert_int_equal(bg_owner_key(NULL, "Pod", "shop", "", k, sizeof k), -1);
    char kind[65];
    memset(kind, 'a', 64);
    kind[64] = '\0';
    assert_int_equal(bg_owner_key(NULL, kind, NULL, "x", k, sizeof k), -1);
    kind[63] = '\0'; /* 63 bytes still fit */
    assert_int_equal(bg_owner_key(NULL, kind, NULL, "x", k, sizeof k), 10 + 63 + 1 + 2);
}

static void test_prefix(void **state)
{
    (void)state;
    char k[128];
    assert_int_equal(bg_owner_key("/custom", "Deployment", "shop", "web", k, sizeof k), 28);
    assert_string_equal(k, "/custom/deployments/shop/web");
    /* A trailing '/' (or several) means the same. */
    assert_int_equal(bg_owner_key("/custom//", "Node", NULL, "n1", k, sizeof k), 18);
    assert_string_equal(k, "/custom/minions/n1");
    assert_int_equal(bg_owner_key("/a/b", "Pod", "ns", "p", k, sizeof k), 14);
    assert_string_equal(k, "/a/b/pods/ns/p");
    /* NULL means the default; "" and "/" the root, as the API server reads
     * --etcd-prefix (path.Join("/", prefix)). */
    assert_int_equal(bg_owner_key(NULL, "Pod", "ns", "p", k, sizeof k), 19);
    assert_string_equal(k, "/registry/pods/ns/p");
    assert_int_equal(bg_owner_key("", "Pod", "ns", "p", k, sizeof k), 10);
    assert_string_equal(k, "/pods/ns/p");
    assert_int_equal(bg_owner_key("/", "Node", NULL, "n1", k, sizeof k), 11);
    assert_string_equal(k, "/minions/n1");
}

static void test_too_small(void **state)
{
    (void)state;
    char k[30];
    /* "/registry/deployments/shop/web" is 30 bytes: its NUL needs a 31st. */
    memset(k, 'x', sizeof k);
    assert_int_equal(bg_owner_key(NULL, "Deployment", "shop", "web", k, sizeof k), -1);
    assert_string_equal(k, "");
    assert_int_equal(bg_owner_key(NULL, "Deployment", "shop", "we", k, sizeof k), 29);
    assert_string_equal(k, "/registry/deployments/shop/we");
    char one[1] = {'x'};
    assert_int_equal(bg_owner_key(NULL, "Pod", NULL, "p", one, sizeof one), -1);
    assert_int_equal(one[0], '\0');
    /* outn 0: nothing is written. */
    assert_int_equal(bg_owner_key(NULL, "Pod", NULL, "p", NULL, 0), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_namespaced), cmocka_unit_test(test_cluster_scoped), cmocka_unit_test(test_unknown_kind),
        cmocka_unit_test(test_prefix),     cmocka_unit_test(test_too_small),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
