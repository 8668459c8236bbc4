/* kubeadm discovery: flags read from realistic static pod manifests, the
 * fallbacks (etcd.yaml, the usual pki files), --node-root paths, and
 * defensive parsing of malformed, odd and hostile manifests. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <sys/types.h>

#include "tests/unit/test_discovery_tree.h"
#include "tui/discovery/discovery.h"
#include "tui/discovery/manifest.h"
#include "tui/discovery/ytree.h"

#define AP "etc/kubernetes/manifests/kube-apiserver.yaml"
#define ETCD "etc/kubernetes/manifests/etcd.yaml"

static const char *const ap_names[] = {"etcd-servers", "etcd-cafile", "etcd-certfile",
                                       "etcd-keyfile", "etcd-prefix", "etcd-servers-overrides"};

static char *slurp(const char *name, size_t *len)
{
    const char *base = getenv("BG_ROOT");
    char *path = NULL, *data = NULL, msg[256];
    assert_true(asprintf(&path, "%s/tests/data/discovery/%s", base && *base ? base : ".", name) > 0);
    assert_int_equal(bg_read_small_file(path, BG_Y_MAX_FILE, &data, len, NULL, msg, sizeof msg), 0);
    free(path);
    return data;
}

static void free_values(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
}

static void test_apiserver_manifest(void **state)
{
    (void)state;
    size_t len;
    char *data = slurp("kube-apiserver.yaml", &len);
    char *v[6], msg[256];
    assert_int_equal(bg_pod_flags(data, len, "kube-apiserver", ap_names, v, 6, msg, sizeof msg), 0);
    assert_string_equal(v[0], "https://127.0.0.1:2379,https://10.0.0.12:2379,https://10.0.0.13:2379");
    assert_string_equal(v[1], "/etc/kubernetes/pki/etcd/ca.crt");
    assert_string_equal(v[2], "/etc/kubernetes/pki/apiserver-etcd-client.crt");
    assert_string_equal(v[3], "/etc/kubernetes/pki/apiserver-etcd-client.key");
    assert_null(v[4]);
    assert_string_equal(v[5], "/events#https://127.0.0.1:2382;https://10.0.0.12:2382");
    free_values(v, 6);
    free(data);
}

/* A sidecar first, flags under args, "--flag value" form, the last wins. */
static void test_apiserver_args_form(void **state)
{
    (void)state;
    size_t len;
    char *data = slurp("kube-apiserver-args.yaml", &len);
    char *v[6], msg[256];
    assert_int_equal(bg_pod_flags(data, len, "kube-apiserver", ap_names, v, 6, msg, sizeof msg), 0);
    assert_string_equal(v[0], "https://10.1.0.6:2379");
    assert_string_equal(v[1], "/srv/pki/etcd-ca.pem");
    assert_string_equal(v[2], "/srv/pki/client.pem");
    assert_string_equal(v[3], "/srv/pki/client-key.pem");
    assert_string_equal(v[4], "/custom");
    assert_null(v[5]);
    free_values(v, 6);
    free(data);
}

static void test_etcd_manifest(void **state)
{
    (void)state;
    size_t len;
    char *data = slurp("etcd.yaml", &len);
    static const char *const names[] = {"advertise-client-urls", "listen-client-urls", "trusted-ca-file",
                                        "listen-metrics-urls"};
    char *v[4], msg[256];
    assert_int_equal(bg_pod_flags(data, len, "etcd", names, v, 4, msg, sizeof msg), 0);
    assert_string_equal(v[0], "https://10.0.0.11:2379");
    assert_string_equal(v[1], "https://127.0.0.1:2379,https://10.0.0.11:2379");
    assert_string_equal(v[2], "/etc/kubernetes/pki/etcd/ca.crt");
    assert_string_equal(v[3], "http://127.0.0.1:2381");
    free_values(v, 4);
    free(data);
}

static void expect_pod_error(const char *yaml, const char *want_msg)
{
    char *v[6] = {(char *)"x"}, msg[256] = "";
    assert_int_equal(bg_pod_flags(yaml, strlen(yaml), "kube-apiserver", ap_names, v, 6, msg, sizeof msg), -1);
    for (int i = 0; i < 6; i++)
        assert_null(v[i]);
    if (strstr(msg, want_msg) == NULL)
        fail_msg("message '%s' lacks '%s'", msg, want_msg);
}

static void test_malformed_manifests(void **state)
{
    (void)state;
    expect_pod_error("spec:\n  containers: [\n", "line 3:");
    expect_pod_error("spec: {containers: [a, b}\n", "line 1:");
    expect_pod_error("", "not a pod manifest");
    expect_pod_error("- a\n- b\n", "not a pod manifest");
    expect_pod_error("spec:\n  containers: 7\n", "not a pod manifest");
    expect_pod_error("spec:\n  containers: []\n", "not a pod manifest");
    expect_pod_error("spec:\n  containers:\n  - name: a\n  - name: b\n", "no container 'kube-apiserver'");
    expect_pod_error("\t- tab\n", "line 1:");
    /* 100 levels of nesting: refused before it can cost anything. */
    char deep[256] = "";
    for (int i = 0; i < 100; i++)
        strcat(deep, "[");
    expect_pod_error(deep, "nested too deeply");
}

/* Wrong shapes inside an otherwise valid pod are ignored, not fatal. */
static void test_odd_values(void **state)
{
    (void)state;
    const char *y = "spec:\n"
                    "  containers:\n"
                    "  - name: kube-apiserver\n"
                    "    command: kube-apiserver --etcd-servers=https://a:1\n"  /* a string, not a list */
                    "    args:\n"
                    "    - {--etcd-cafile: /x}\n"                               /* a map item */
                    "    - \"--etcd-servers=https://nul\\0:1\"\n"               /* holds a NUL */
                    "    - --etcd-certfile\n"                                   /* no value follows */
                    "    - --etcd-keyfile\n"
                    "    - --etcd-prefix\n"                                     /* value is the next flag: no */
                    "    - --etcd-servers-overrides=&a x\n"
                    "    - --etcd-servers-extra=https://b:2\n"                  /* longer name: not ours */
                    "    - *a\n";                                               /* alias: an empty item */
    char *v[6], msg[256];
    assert_int_equal(bg_pod_flags(y, strlen(y), "kube-apiserver", ap_names, v, 6, msg, sizeof msg), 0);
    assert_null(v[0]);
    assert_null(v[1]);
    assert_null(v[2]);
    assert_null(v[3]);
    assert_null(v[4]);
    assert_string_equal(v[5], "&a x");
    free_values(v, 6);
    /* The only container is used whatever its name. */
    const char *one = "spec:\n  containers:\n  - name: apiserver\n    command: [\"/usr/bin/kube-apiserver\", "
                      "\"--etcd-servers=https://c:3\"]\n";
    assert_int_equal(bg_pod_flags(one, strlen(one), "kube-apiserver", ap_names, v, 6, msg, sizeof msg), 0);
    assert_string_equal(v[0], "https://c:3");
    free_values(v, 6);
}

static void test_ytree_basics(void **state)
{
    (void)state;
    bg_ynode *r = NULL;
    char msg[128];
    const char *y = "a: 1\nb: [x, \"y\\0z\"]\na: 2\n---\nc: 3\n";
    assert_int_equal(bg_yparse(y, strlen(y), &r, msg, sizeof msg), 0);
    assert_non_null(r);
    assert_int_equal(r->kind, BG_Y_MAP);
    assert_int_equal(r->n, 6); /* the second document is not read */
    assert_string_equal(bg_ystr(bg_ymap_get(r, "a")), "2");
    const bg_ynode *b = bg_ymap_get(r, "b");
    assert_int_equal(b->kind, BG_Y_SEQ);
    assert_int_equal(b->line, 2);
    assert_int_equal(b->kids[1]->len, 3);
    assert_null(bg_ystr(b->kids[1]));
    assert_null(bg_ymap_get(r, "c"));
    assert_null(bg_ymap_get(b, "a"));
    bg_yfree(r);
    /* A node bomb through aliases stays the size of the file. */
    const char *bomb = "a: &a [x, x, x, x]\nb: &b [*a, *a, *a, *a]\nc: [*b, *b, *b, *b]\n";
    assert_int_equal(bg_yparse(bomb, strlen(bomb), &r, msg, sizeof msg), 0);
    assert_int_equal(bg_ymap_get(r, "c")->n, 4);
    assert_int_equal(bg_ymap_get(r, "c")->kids[0]->kind, BG_Y_SCALAR);
    bg_yfree(r);
}

static void test_overrides(void **state)
{
    (void)state;
    bg_disc_cluster c[4];
    bg_notes nt = {0};
    size_t n = bg_parse_overrides("/events#https://a:1;https://b:2,coordination.k8s.io/leases#https://c:3,"
                                  "nohash,/bad name#https://d:4,apps/events#https://e:5,/pods#",
                                  c, 4, &nt);
    assert_int_equal(n, 2);
    assert_string_equal(c[0].name, "events");
    assert_string_equal(c[0].endpoints, "https://a:1,https://b:2");
    assert_string_equal(c[1].name, "leases");
    assert_string_equal(c[1].endpoints, "https://c:3");
    assert_int_equal(nt.n, 4);
    assert_string_equal(nt.line[0], "ignoring --etcd-servers-overrides entry 'nohash': not group/resource#servers");
    assert_string_equal(nt.line[2], "ignoring --etcd-servers-overrides entry for 'events': a cluster of that name "
                                    "came earlier");
    for (size_t i = 0; i < n; i++) {
        free(c[i].name);
        free(c[i].endpoints);
    }
    bg_notes_free(&nt);
}

static void test_node_path(void **state)
{
    (void)state;
    bg_notes nt = {0};
    char *p = bg_node_path("/mnt/node/", "/etc/kubernetes/pki/etcd/ca.crt", &nt);
    assert_string_equal(p, "/mnt/node/etc/kubernetes/pki/etcd/ca.crt");
    free(p);
    p = bg_node_path(NULL, "/etc/a", &nt);
    assert_string_equal(p, "/etc/a");
    free(p);
    p = bg_node_path("/", "rel/a", &nt);
    assert_string_equal(p, "/rel/a");
    free(p);
    p = bg_node_path("/mnt/node", "pki/x..y/a", &nt);
    assert_string_equal(p, "/mnt/node/pki/x..y/a");
    free(p);
    assert_int_equal(nt.n, 0);
    assert_null(bg_node_path("/mnt/node", "/etc/../../root/.ssh/id", &nt));
    assert_null(bg_node_path("/mnt/node", "..", &nt));
    assert_int_equal(nt.n, 2);
    assert_string_equal(nt.line[0], "ignoring path '/etc/../../root/.ssh/id': a '..' component could leave the "
                                    "node's files");
    bg_notes_free(&nt);
}

static void expect_path(const char *root, const char *got, const char *rel)
{
    char *want = tree_path(root, rel);
    assert_non_null(got);
    assert_string_equal(got, want);
    free(want);
}

static void test_discover_apiserver(void **state)
{
    (void)state;
    char *root = tree_new();
    tree_copy(root, AP, "kube-apiserver.yaml");
    tree_copy(root, ETCD, "etcd.yaml");
    bg_disc d;
    bg_discover(root, &d);
    assert_string_equal(d.endpoints, "https://127.0.0.1:2379,https://10.0.0.12:2379,https://10.0.0.13:2379");
    assert_string_equal(d.endpoints_from, BG_KUBEADM_APISERVER);
    expect_path(root, d.cacert, "etc/kubernetes/pki/etcd/ca.crt");
    expect_path(root, d.cert, "etc/kubernetes/pki/apiserver-etcd-client.crt");
    expect_path(root, d.key, "etc/kubernetes/pki/apiserver-etcd-client.key");
    assert_string_equal(d.cacert_from, BG_KUBEADM_APISERVER);
    assert_string_equal(d.cert_from, BG_KUBEADM_APISERVER);
    assert_null(d.prefix);
    assert_int_equal(d.n_extra, 1);
    assert_string_equal(d.extra[0].name, "events");
    assert_string_equal(d.extra[0].endpoints, "https://127.0.0.1:2382,https://10.0.0.12:2382");
    assert_int_equal(d.warnings.n, 0);
    bg_disc_free(&d);
    tree_free(root);
}

/* No API server manifest: etcd.yaml, then the healthcheck client pair
 * (the apiserver-etcd-client pair is incomplete). */
static void test_discover_fallbacks(void **state)
{
    (void)state;
    char *root = tree_new();
    tree_copy(root, ETCD, "etcd.yaml");
    tree_puts(root, "etc/kubernetes/pki/apiserver-etcd-client.crt", "crt");
    tree_puts(root, "etc/kubernetes/pki/etcd/healthcheck-client.crt", "crt");
    tree_puts(root, "etc/kubernetes/pki/etcd/healthcheck-client.key", "key");
    bg_disc d;
    bg_discover(root, &d);
    assert_string_equal(d.endpoints, "https://10.0.0.11:2379");
    assert_string_equal(d.endpoints_from, BG_KUBEADM_ETCD);
    expect_path(root, d.cacert, "etc/kubernetes/pki/etcd/ca.crt");
    assert_string_equal(d.cacert_from, BG_KUBEADM_ETCD);
    expect_path(root, d.cert, "etc/kubernetes/pki/etcd/healthcheck-client.crt");
    expect_path(root, d.key, "etc/kubernetes/pki/etcd/healthcheck-client.key");
    assert_string_equal(d.cert_from, BG_KUBEADM_PKI);
    assert_int_equal(d.n_extra, 0);
    assert_int_equal(d.warnings.n, 0);
    bg_disc_free(&d);
    /* With the full pair, apiserver-etcd-client wins over healthcheck-client. */
    tree_puts(root, "etc/kubernetes/pki/apiserver-etcd-client.key", "key");
    bg_discover(root, &d);
    expect_path(root, d.cert, "etc/kubernetes/pki/apiserver-etcd-client.crt");
    bg_disc_free(&d);
    tree_free(root);
}

/* An unusable API server manifest is a warning; discovery moves on. */
static void test_discover_bad_manifests(void **state)
{
    (void)state;
    char *root = tree_new();
    tree_puts(root, AP, "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - name: kube-apiserver\n    "
                        "command: [kube-apiserver, --etcd-servers=https://x:1\n");
    tree_puts(root, "etc/kubernetes/pki/etcd/ca.crt", "ca");
    bg_disc d;
    bg_discover(root, &d);
    assert_null(d.endpoints);
    expect_path(root, d.cacert, "etc/kubernetes/pki/etcd/ca.crt");
    assert_string_equal(d.cacert_from, BG_KUBEADM_PKI);
    assert_null(d.cert);
    assert_int_equal(d.warnings.n, 1);
    char *want = NULL;
    assert_true(asprintf(&want, "ignoring kubeadm manifest '%s/%s': line 7:", root, AP) > 0);
    assert_true(strncmp(d.warnings.line[0], want, strlen(want)) == 0);
    free(want);
    bg_disc_free(&d);

    /* A directory where the manifest should be, and an oversized etcd.yaml. */
    char *ap = tree_path(root, AP);
    assert_int_equal(remove(ap), 0);
    assert_int_equal(mkdir(ap, 0755), 0);
    size_t big = BG_Y_MAX_FILE + 10;
    char *junk = malloc(big);
    memset(junk, '#', big);
    tree_put(root, ETCD, junk, big);
    free(junk);
    bg_discover(root, &d);
    assert_null(d.endpoints);
    assert_int_equal(d.warnings.n, 2);
    assert_true(asprintf(&want, "ignoring kubeadm manifest: cannot read '%s': Is a directory", ap) > 0);
    assert_string_equal(d.warnings.line[0], want);
    free(want);
    assert_non_null(strstr(d.warnings.line[1], "etcd.yaml': larger than 1024 KiB"));
    bg_disc_free(&d);
    free(ap);
    tree_free(root);
}

/* Paths inside a manifest may not climb out of --node-root. */
static void test_discover_dotdot(void **state)
{
    (void)state;
    char *root = tree_new();
    tree_puts(root, AP, "spec:\n  containers:\n  - name: kube-apiserver\n    command:\n    - kube-apiserver\n"
                        "    - --etcd-servers=https://127.0.0.1:2379\n"
                        "    - --etcd-cafile=/etc/../../../etc/ssl/private/ca.crt\n"
                        "    - --etcd-certfile=/etc/kubernetes/pki/c.crt\n"
                        "    - --etcd-keyfile=../../k.key\n");
    bg_disc d;
    bg_discover(root, &d);
    assert_string_equal(d.endpoints, "https://127.0.0.1:2379");
    assert_null(d.cacert);
    assert_null(d.cert);
    assert_null(d.key);
    assert_int_equal(d.warnings.n, 2);
    bg_disc_free(&d);
    tree_free(root);
}

static void test_discover_nothing(void **state)
{
    (void)state;
    char *root = tree_new();
    bg_disc d;
    bg_discover(root, &d);
    assert_null(d.endpoints);
    assert_null(d.cacert);
    assert_null(d.cert);
    assert_null(d.prefix);
    assert_int_equal(d.n_extra, 0);
    assert_int_equal(d.warnings.n, 0);
    bg_disc_free(&d);
    tree_free(root);
}

/* A FIFO where a file should be must not block the reader. */
static void test_read_fifo(void **state)
{
    (void)state;
    char *root = tree_new();
    char *p = tree_path(root, "fifo");
    assert_int_equal(mkfifo(p, 0600), 0);
    char *data = (char *)"x", msg[512];
    size_t len = 7;
    bool enoent = true;
    assert_int_equal(bg_read_small_file(p, 100, &data, &len, &enoent, msg, sizeof msg), -1);
    assert_null(data);
    assert_false(enoent);
    assert_non_null(strstr(msg, "': not a regular file"));
    free(p);
    p = tree_path(root, "missing");
    assert_int_equal(bg_read_small_file(p, 100, &data, &len, &enoent, msg, sizeof msg), -1);
    assert_true(enoent);
    free(p);
    tree_free(root);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_apiserver_manifest),
        cmocka_unit_test(test_apiserver_args_form),
        cmocka_unit_test(test_etcd_manifest),
        cmocka_unit_test(test_malformed_manifests),
        cmocka_unit_test(test_odd_values),
        cmocka_unit_test(test_ytree_basics),
        cmocka_unit_test(test_overrides),
        cmocka_unit_test(test_node_path),
        cmocka_unit_test(test_discover_apiserver),
        cmocka_unit_test(test_discover_fallbacks),
        cmocka_unit_test(test_discover_bad_manifests),
        cmocka_unit_test(test_discover_dotdot),
        cmocka_unit_test(test_discover_nothing),
        cmocka_unit_test(test_read_fifo),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
