/* What the delete plan tells of its Kubernetes objects (tui/ops/owner.h,
 * bg_owner_describe): the kinds, and the objects whose controller is not in
 * the plan (it would recreate them). Values are real protobuf envelopes from
 * tests/tools/fake_k8s.h; the output is compared line by line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "tests/tools/fake_k8s.h"
#include "tui/ops/owner.h"

static const fake_owner ds = {"apps/v1", "DaemonSet", "node-agent", "11111111-1111-1111-1111-111111111111"};
static const fake_owner slashed = {"apps/v1", "DaemonSet", "kube-system/node-agent",
                                   "22222222-2222-2222-2222-222222222222"};

static void add(bg_plan *p, const char *key, const char *kind, const char *name, const fake_owner *owner)
{
    ec_buf v;
    ec_buf_init(&v, 0);
    fake_obj o = {kind[0] == 'P' ? "v1" : "apps/v1", kind, name, "kube-system",
                  "33333333-3333-3333-3333-333333333333", "a", owner, NULL, 1700000000, 0, 1};
    fake_k8s_encode(&v, &o);
    ec_kv kv = {.key = (const uint8_t *)key, .key_len = strlen(key), .value = (const uint8_t *)v.data,
                .value_len = v.len, .mod_revision = 5};
    ec_err err;
    assert_int_equal(bg_plan_add(p, &kv, &err), 0);
    ec_buf_free(&v);
}

static char *describe(const bg_plan *p)
{
    char *out = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&out, &n);
    assert_non_null(f);
    bg_owner_describe(f, p);
    fclose(f);
    return out;
}

/* Many pods of one DaemonSet: outside the plan without it, inside with it. */
static void test_controller_in_or_out(void **state)
{
    (void)state;
    bg_plan p;
    bg_plan_init(&p, "delete-prefix", (const uint8_t *)"/registry/", 10);
    char key[128], name[64];
    for (int i = 0; i < 3000; i++) {
        snprintf(name, sizeof name, "node-agent-%05d", i);
        snprintf(key, sizeof key, "/registry/pods/kube-system/%s", name);
        add(&p, key, "Pod", name, &ds);
    }
    char *out = describe(&p);
    assert_string_equal(out, "  Kubernetes objects: 3000 (3000 Pod)\n"
                             "  no finalizers\n"
                             "  3000 controlled by objects not in this plan (e.g. DaemonSet node-agent): their "
                             "controller may recreate them; remove the owner with --owner to stop that\n");
    free(out);

    add(&p, "/registry/daemonsets/kube-system/node-agent", "DaemonSet", "node-agent", NULL);
    out = describe(&p);
    assert_string_equal(out, "  Kubernetes objects: 3001 (3000 Pod, 1 DaemonSet)\n"
                             "  no finalizers\n");
    free(out);
    bg_plan_free(&p);
}

/* A name with a '/' is no object name: never taken for a key's tail. */
static void test_owner_name_with_slash(void **state)
{
    (void)state;
    bg_plan p;
    bg_plan_init(&p, "delete-prefix", (const uint8_t *)"/registry/", 10);
    add(&p, "/registry/daemonsets/kube-system/node-agent", "DaemonSet", "node-agent", NULL);
    add(&p, "/registry/pods/kube-system/x", "Pod", "x", &slashed);
    char *out = describe(&p);
    assert_non_null(strstr(out, "  1 controlled by objects not in this plan (e.g. DaemonSet kube-system/node-agent)"));
    free(out);
    bg_plan_free(&p);
}

/* Values that are no Kubernetes object are counted, not decoded. */
static void test_not_kubernetes(void **state)
{
    (void)state;
    bg_plan p;
    bg_plan_init(&p, "delete-prefix", (const uint8_t *)"/x/", 3);
    add(&p, "/x/pod", "Pod", "pod", NULL);
    ec_kv kv = {.key = (const uint8_t *)"/x/raw", .key_len = 6, .value = (const uint8_t *)"k8s\0\x0a\xff", .value_len = 6};
    ec_err err;
    assert_int_equal(bg_plan_add(&p, &kv, &err), 0);
    char *out = describe(&p);
    assert_string_equal(out, "  Kubernetes objects: 1 (1 Pod)\n"
                             "  no finalizers\n"
                             "  1 values are not readable Kubernetes objects\n");
    free(out);
    bg_plan_free(&p);
}

static void add_raw(bg_plan *p, const char *key, const char *value)
{
    ec_kv kv = {.key = (const uint8_t *)key, .key_len = strlen(key), .value = (const uint8_t *)value,
                .value_len = strlen(value)};
    ec_err err;
    assert_int_equal(bg_plan_add(p, &kv, &err), 0);
}

/* Finalizers, JSON and protobuf alike: counted for all, named for five. */
static void test_finalizers(void **state)
{
    (void)state;
    bg_plan p;
    bg_plan_init(&p, "delete-prefix", (const uint8_t *)"/registry/", 10);
    char key[64];
    for (int i = 0; i < 7; i++) {
        snprintf(key, sizeof key, "/registry/pvc/ns/c%d", i);
        add_raw(&p, key, "{\"apiVersion\":\"v1\",\"kind\":\"PersistentVolumeClaim\",\"metadata\":{\"name\":\"c\","
                         "\"finalizers\":[\"kubernetes.io/pvc-protection\",\"x\"]}}");
    }
    add_raw(&p, "/registry/pvc/ns/none", "{\"kind\":\"PersistentVolumeClaim\",\"metadata\":{\"finalizers\":[]}}");
    char *out = describe(&p);
    assert_string_equal(out, "  Kubernetes objects: 8 (8 PersistentVolumeClaim)\n"
                             "  7 with finalizers, which removal from etcd does NOT run:\n"
                             "    /registry/pvc/ns/c0: kubernetes.io/pvc-protection, x\n"
                             "    /registry/pvc/ns/c1: kubernetes.io/pvc-protection, x\n"
                             "    /registry/pvc/ns/c2: kubernetes.io/pvc-protection, x\n"
                             "    /registry/pvc/ns/c3: kubernetes.io/pvc-protection, x\n"
                             "    /registry/pvc/ns/c4: kubernetes.io/pvc-protection, x\n"
                             "    ... and 2 more\n");
    free(out);
    bg_plan_free(&p);
}

/* A kind or owner read from a value never reaches the terminal raw. */
static void test_escaped(void **state)
{
    (void)state;
    static const fake_owner evil = {"v1", "Daemon\x1b]0;pwned\x07Set", "gone", "44444444-4444-4444-4444-444444444444"};
    bg_plan p;
    bg_plan_init(&p, "delete-prefix", (const uint8_t *)"/registry/", 10);
    add(&p, "/registry/pods/kube-system/a", "Pod\x1b[2J", "a", &evil);
    char *out = describe(&p);
    assert_null(strchr(out, 0x1b));
    assert_null(strchr(out, 0x07));
    assert_non_null(strstr(out, "1 controlled by objects not in this plan (e.g. Daemon"));
    free(out);
    bg_plan_free(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_controller_in_or_out),
        cmocka_unit_test(test_owner_name_with_slash),
        cmocka_unit_test(test_not_kubernetes),
        cmocka_unit_test(test_finalizers),
        cmocka_unit_test(test_escaped),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
