/* The config file (named clusters) and the precedence of every source:
 * flag > ETCDCTL_* variable > config cluster > kubeadm discovery > default. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/unit/test_discovery_tree.h"
#include "tui/cli/options.h"
#include "tui/discovery/config.h"
#include "tui/discovery/resolve.h"

#define AP "etc/kubernetes/manifests/kube-apiserver.yaml"

static char *data_path(const char *name)
{
    const char *base = getenv("BG_ROOT");
    char *p = NULL;
    assert_true(asprintf(&p, "%s/tests/data/discovery/%s", base && *base ? base : ".", name) > 0);
    return p;
}

static void test_config_example(void **state)
{
    (void)state;
    char *path = data_path("config.yaml"), msg[512];
    bg_config c;
    assert_int_equal(bg_config_load(path, &c, msg, sizeof msg), 0);
    assert_string_equal(c.default_cluster, "main");
    assert_string_equal(c.audit_log, "/var/log/breakglass/audit.log");
    assert_null(c.audit_key);
    assert_int_equal(c.n_clusters, 2);
    const bg_cfg_cluster *m = bg_config_find(&c, "main");
    assert_non_null(m);
    assert_string_equal(m->endpoints, "https://127.0.0.1:2379,https://10.0.0.12:2379");
    assert_string_equal(m->cacert, "/etc/kubernetes/pki/etcd/ca.crt");
    assert_string_equal(m->cert, "/etc/kubernetes/pki/apiserver-etcd-client.crt");
    assert_string_equal(m->key, "/etc/kubernetes/pki/apiserver-etcd-client.key");
    assert_string_equal(m->prefix, "/registry");
    assert_int_equal(m->dial_timeout_ms, 3000);
    assert_int_equal(m->command_timeout_ms, 7000);
    assert_int_equal(m->insecure_transport, -1);
    const bg_cfg_cluster *e = bg_config_find(&c, "events");
    assert_string_equal(e->endpoints, "https://127.0.0.1:2382");
    assert_null(e->cert);
    assert_null(bg_config_find(&c, "nope"));
    assert_int_equal(c.warnings.n, 1);
    char *want = NULL;
    assert_true(asprintf(&want, "%s:16: unknown key 'colour' in cluster events, ignored", path) > 0);
    assert_string_equal(c.warnings.line[0], want);
    free(want);
    bg_config_free(&c);
    free(path);
}

static void expect_config_error(const char *yaml, const char *want)
{
    bg_config c;
    char msg[512] = "";
    assert_int_equal(bg_config_parse("c.yaml", yaml, strlen(yaml), &c, msg, sizeof msg), -1);
    assert_string_equal(msg, want);
    bg_config_free(&c);
}

static void test_config_errors(void **state)
{
    (void)state;
    expect_config_error("clusters:\n  a:\n    endpoints: {x: 1}\n", "c.yaml:3: 'endpoints' must be a list of URLs");
    expect_config_error("clusters:\n  a:\n    endpoints:\n    - https://a:1\n    - [x]\n",
                        "c.yaml:5: 'endpoints' must be a list of URLs");
    expect_config_error("clusters:\n  a:\n    dial-timeout: fast\n",
                        "c.yaml:3: 'dial-timeout' must be a duration like 5s or 500ms");
    expect_config_error("clusters:\n  a:\n    insecure-transport: maybe\n",
                        "c.yaml:3: 'insecure-transport' must be true or false");
    expect_config_error("clusters:\n  a:\n    cacert: [a, b]\n", "c.yaml:3: 'cacert' must be a string");
    expect_config_error("clusters: [a]\n", "c.yaml:1: 'clusters' must be a mapping of names to clusters");
    expect_config_error("clusters:\n  a: 1\n", "c.yaml:2: 'a' must be a mapping of settings (endpoints, cacert, "
                                               "cert, key ...)");
    expect_config_error("clusters:\n  a: {}\n  a: {}\n", "c.yaml:3: cluster 'a' is defined twice");
    expect_config_error("default-cluster: b\nclusters:\n  a: {}\n", "c.yaml: default-cluster 'b' is not under "
                                                                     "clusters");
    expect_config_error("- just\n- a list\n", "c.yaml:1: 'the file' must be a mapping (default-cluster, clusters "
                                              "...)");
    expect_config_error("clusters:\n  a: {endpoints: [x}\n", "c.yaml: malformed YAML: line 2: did not find "
                                                             "expected ',' or ']'");
    /* Empty files and empty values configure nothing. */
    bg_config c;
    char msg[64];
    assert_int_equal(bg_config_parse("c.yaml", "", 0, &c, msg, sizeof msg), 0);
    assert_int_equal(c.n_clusters, 0);
    bg_config_free(&c);
    const char *y = "clusters:\n  a:\n    cacert: ''\n    insecure-transport: yes\n";
    assert_int_equal(bg_config_parse("c.yaml", y, strlen(y), &c, msg, sizeof msg), 0);
    assert_null(c.clusters[0].cacert);
    assert_int_equal(c.clusters[0].insecure_transport, 1);
    bg_config_free(&c);
}

static void test_config_password_mode(void **state)
{
    (void)state;
    char *root = tree_new();
    tree_puts(root, "c.yaml", "clusters:\n  a:\n    user: root\n    password: hunter2\n");
    char *p = tree_path(root, "c.yaml"), msg[512];
    bg_config c;
    assert_int_equal(chmod(p, 0644), 0);
    assert_int_equal(bg_config_load(p, &c, msg, sizeof msg), 0);
    assert_string_equal(c.clusters[0].password, "hunter2");
    assert_int_equal(c.warnings.n, 1);
    char *want = NULL;
    assert_true(asprintf(&want, "config file '%s' holds a password and other users can read it (mode 0644): "
                                "chmod 600 it", p) > 0);
    assert_string_equal(c.warnings.line[0], want);
    free(want);
    bg_config_free(&c);
    assert_int_equal(chmod(p, 0600), 0);
    assert_int_equal(bg_config_load(p, &c, msg, sizeof msg), 0);
    assert_int_equal(c.warnings.n, 0);
    bg_config_free(&c);
    free(p);
    p = tree_path(root, "missing.yaml");
    assert_int_equal(bg_config_load(p, &c, msg, sizeof msg), 1);
    bg_config_free(&c);
    free(p);
    tree_free(root);
}

/* --- precedence, through bg_opts_parse_flags + bg_opts_resolve --- */

typedef struct fixture {
    char *root;   /* the node: kubeadm manifest from tests/data */
    char *home;   /* XDG_CONFIG_HOME: empty unless a test writes a config there */
    char *node_flag;
} fixture;

static int setup(void **state)
{
    static const char *const vars[] = {"ETCDCTL_ENDPOINTS", "ETCDCTL_CACERT", "ETCDCTL_CERT", "ETCDCTL_KEY",
                                       "ETCDCTL_USER", "ETCDCTL_PASSWORD", "ETCDCTL_DIAL_TIMEOUT",
                                       "ETCDCTL_COMMAND_TIMEOUT", "ETCDCTL_INSECURE_TRANSPORT"};
    for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++)
        unsetenv(vars[i]);
    fixture *f = calloc(1, sizeof *f);
    f->root = tree_new();
    tree_copy(f->root, AP, "kube-apiserver.yaml");
    f->home = tree_new();
    setenv("XDG_CONFIG_HOME", f->home, 1);
    assert_true(asprintf(&f->node_flag, "--node-root=%s", f->root) > 0);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    tree_free(f->root);
    tree_free(f->home);
    free(f->node_flag);
    free(f);
    unsetenv("XDG_CONFIG_HOME");
    return 0;
}

/* Parses "ls" plus the given flags with the system config pointed at
 * nothing; returns bg_opts_resolve's result. */
static int resolve(fixture *f, bg_opts *o, char *msg, size_t msglen, const char *a1, const char *a2,
                   const char *a3, const char *a4)
{
    char *argv[8] = {(char *)"ls", f->node_flag};
    int argc = 2;
    const char *more[] = {a1, a2, a3, a4};
    for (int i = 0; i < 4 && more[i]; i++)
        argv[argc++] = (char *)more[i];
    argv[argc] = NULL;
    assert_int_equal(bg_opts_parse_flags(o, &argc, argv, msg, msglen), 0);
    assert_int_equal(argc, 1);
    bg_resolve_env env = {"/nonexistent/breakglass/config.yaml"};
    return bg_opts_resolve(o, &env, msg, msglen);
}

static void expect_prefix(const char *s, const char *prefix)
{
    assert_non_null(s);
    if (strncmp(s, prefix, strlen(prefix)) != 0)
        fail_msg("'%s' does not start with '%s'", s, prefix);
}

static char *rootp(fixture *f, const char *rel)
{
    return tree_path(f->root, rel);
}

static void test_zero_flags(void **state)
{
    fixture *f = *state;
    bg_opts o;
    char msg[512];
    assert_int_equal(resolve(f, &o, msg, sizeof msg, NULL, NULL, NULL, NULL), 0);
    assert_int_equal(o.n_endpoints, 3);
    assert_string_equal(o.endpoints[0], "https://127.0.0.1:2379");
    assert_string_equal(o.endpoints[2], "https://10.0.0.13:2379");
    char *ca = rootp(f, "etc/kubernetes/pki/etcd/ca.crt"), *key = rootp(f, "etc/kubernetes/pki/apiserver-etcd-client.key");
    assert_string_equal(o.cacert, ca);
    assert_string_equal(o.key, key);
    free(ca);
    free(key);
    assert_string_equal(o.k8s_prefix, "/registry");
    assert_int_equal(o.dial_timeout_ms, 2000);
    assert_int_equal(o.command_timeout_ms, 5000);
    char *want = NULL;
    assert_true(asprintf(&want, "using etcd https://127.0.0.1:2379,https://10.0.0.12:2379,https://10.0.0.13:2379 "
                                "and certificates from /etc/kubernetes/manifests/kube-apiserver.yaml "
                                "(--node-root %s)", f->root) > 0);
    assert_string_equal(o.using_line, want);
    free(want);
    assert_int_equal(o.warnings.n, 0);
    bg_opts_free(&o);
}

static void test_flag_and_env_win(void **state)
{
    fixture *f = *state;
    bg_opts o;
    char msg[512];
    /* A flag for the endpoint: certificates still come from the manifest. */
    assert_int_equal(resolve(f, &o, msg, sizeof msg, "--endpoints", "https://127.0.0.1:1", NULL, NULL), 0);
    assert_int_equal(o.n_endpoints, 1);
    assert_string_equal(o.endpoints[0], "https://127.0.0.1:1");
    char *want = NULL;
    assert_true(asprintf(&want, "using certificates from /etc/kubernetes/manifests/kube-apiserver.yaml "
                                "(--node-root %s)", f->root) > 0);
    assert_string_equal(o.using_line, want);
    free(want);
    bg_opts_free(&o);
    /* The variable beats discovery; the flag beats the variable. */
    setenv("ETCDCTL_ENDPOINTS", "https://127.0.0.1:2", 1);
    setenv("ETCDCTL_CACERT", "/env/ca.crt", 1);
    assert_int_equal(resolve(f, &o, msg, sizeof msg, "--cacert=/flag/ca.crt", NULL, NULL, NULL), 0);
    assert_string_equal(o.endpoints[0], "https://127.0.0.1:2");
    assert_string_equal(o.cacert, "/flag/ca.crt");
    assert_non_null(strstr(o.cert, "apiserver-etcd-client.crt"));
    expect_prefix(o.using_line, "using client certificate from /etc/kubernetes/manifests/kube-apiserver.yaml (");
    bg_opts_free(&o);
    /* Everything given: discovery is not even consulted. */
    assert_int_equal(resolve(f, &o, msg, sizeof msg, "--cert=/c", "--key=/k", NULL, NULL), 0);
    assert_string_equal(o.cacert, "/env/ca.crt");
    assert_null(o.using_line);
    bg_opts_free(&o);
    unsetenv("ETCDCTL_ENDPOINTS");
    unsetenv("ETCDCTL_CACERT");
}

static void write_config(fixture *f, const char *yaml)
{
    tree_puts(f->home, "breakglass/config.yaml", yaml);
}

static void test_config_cluster(void **state)
{
    fixture *f = *state;
    write_config(f, "default-cluster: main\n"
                    "audit-log: /srv/audit.log\n"
                    "clusters:\n"
                    "  main:\n"
                    "    endpoints: [https://127.0.0.1:3]\n"
                    "    cacert: /cfg/ca.crt\n"
                    "    cert: /cfg/c.crt\n"
                    "    key: /cfg/c.key\n"
                    "    prefix: /kube\n"
                    "    command-timeout: 9s\n"
                    "  partial:\n"
                    "    endpoints: https://127.0.0.1:4,https://127.0.0.1:5\n");
    bg_opts o;
    char msg[512];
    /* default-cluster applies; it sets everything, so no discovery. */
    assert_int_equal(resolve(f, &o, msg, sizeof msg, NULL, NULL, NULL, NULL), 0);
    assert_string_equal(o.endpoints[0], "https://127.0.0.1:3");
    assert_string_equal(o.cacert, "/cfg/ca.crt");
    assert_string_equal(o.key, "/cfg/c.key");
    assert_string_equal(o.k8s_prefix, "/kube");
    assert_string_equal(o.audit_log, "/srv/audit.log");
    assert_int_equal(o.command_timeout_ms, 9000);
    assert_int_equal(o.dial_timeout_ms, 2000);
    assert_null(o.using_line);
    bg_opts_free(&o);
    /* A variable beats the config file; a flag beats both. */
    setenv("ETCDCTL_COMMAND_TIMEOUT", "11s", 1);
    assert_int_equal(resolve(f, &o, msg, sizeof msg, "--cacert", "/flag.crt", "--audit-log=/a", NULL), 0);
    assert_int_equal(o.command_timeout_ms, 11000);
    assert_string_equal(o.cacert, "/flag.crt");
    assert_string_equal(o.cert, "/cfg/c.crt");
    assert_string_equal(o.audit_log, "/a");
    bg_opts_free(&o);
    unsetenv("ETCDCTL_COMMAND_TIMEOUT");
    /* --cluster picks another; what it lacks comes from discovery. */
    assert_int_equal(resolve(f, &o, msg, sizeof msg, "--cluster", "partial", NULL, NULL), 0);
    assert_int_equal(o.n_endpoints, 2);
    assert_string_equal(o.endpoints[1], "https://127.0.0.1:5");
    assert_non_null(strstr(o.cacert, "/etc/kubernetes/pki/etcd/ca.crt"));
    expect_prefix(o.using_line, "using certificates from /etc/kubernetes/manifests/kube-apiserver.yaml (");
    bg_opts_free(&o);
    /* Discovery's events cluster, by name. */
    assert_int_equal(resolve(f, &o, msg, sizeof msg, "--cluster=events", NULL, NULL, NULL), 0);
    assert_int_equal(o.n_endpoints, 2);
    assert_string_equal(o.endpoints[0], "https://127.0.0.1:2382");
    assert_string_equal(o.endpoints[1], "https://10.0.0.12:2382");
    assert_non_null(strstr(o.using_line, "using etcd https://127.0.0.1:2382,https://10.0.0.12:2382 (cluster "
                                         "'events') and certificates from"));
    bg_opts_free(&o);
    /* An unknown name lists every known one. */
    assert_int_equal(resolve(f, &o, msg, sizeof msg, "--cluster", "nope", NULL, NULL), -1);
    assert_string_equal(msg, "unknown cluster 'nope' (known: main, partial, events)");
    assert_non_null(strstr(o.hint, "--etcd-servers-overrides"));
    bg_opts_free(&o);
    assert_int_equal(resolve(f, &o, msg, sizeof msg, "--cluster", "nope", "--no-discovery", NULL), -1);
    assert_string_equal(msg, "unknown cluster 'nope' (known: main, partial)");
    bg_opts_free(&o);
}

static void test_config_file_choice(void **state)
{
    fixture *f = *state;
    bg_opts o;
    char msg[512];
    /* A broken implicit config file is a warning; work goes on. */
    write_config(f, "clusters: [\n");
    assert_int_equal(resolve(f, &o, msg, sizeof msg, "--endpoints=https://127.0.0.1:7", NULL, NULL, NULL), 0);
    assert_string_equal(o.endpoints[0], "https://127.0.0.1:7");
    assert_int_equal(o.warnings.n, 1);
    expect_prefix(o.warnings.line[0], "ignoring config file: ");
    assert_non_null(strstr(o.warnings.line[0], "breakglass/config.yaml: malformed YAML: line 2:"));
    bg_opts_free(&o);
    /* An explicit --config that is missing or broken is an error. */
    assert_int_equal(resolve(f, &o, msg, sizeof msg, "--config", "/nonexistent/c.yaml", NULL, NULL), -1);
    assert_string_equal(msg, "cannot open '/nonexistent/c.yaml': No such file or directory");
    bg_opts_free(&o);
    char *bad = tree_path(f->home, "breakglass/config.yaml");
    assert_int_equal(resolve(f, &o, msg, sizeof msg, "--config", bad, NULL, NULL), -1);
    assert_non_null(strstr(msg, "config.yaml: malformed YAML: line 2:"));
    bg_opts_free(&o);
    free(bad);
    /* --config wins over the user's file. */
    char *cfg = data_path("config.yaml");
    assert_int_equal(resolve(f, &o, msg, sizeof msg, "--config", cfg, NULL, NULL), 0);
    assert_int_equal(o.n_endpoints, 2);
    assert_string_equal(o.endpoints[1], "https://10.0.0.12:2379");
    assert_int_equal(o.dial_timeout_ms, 3000);
    assert_int_equal(o.warnings.n, 1); /* its unknown key 'colour' */
    bg_opts_free(&o);
    free(cfg);
}

static void test_defaults_and_prefix(void **state)
{
    fixture *f = *state;
    bg_opts o;
    char msg[512];
    assert_int_equal(resolve(f, &o, msg, sizeof msg, "--no-discovery", NULL, NULL, NULL), 0);
    assert_int_equal(o.n_endpoints, 1);
    assert_string_equal(o.endpoints[0], BG_DEFAULT_ENDPOINT);
    assert_null(o.cacert);
    assert_null(o.cert);
    assert_string_equal(o.k8s_prefix, "/registry");
    assert_null(o.using_line);
    bg_opts_free(&o);
    /* A custom --etcd-prefix in the manifest is shown and exposed. */
    tree_copy(f->root, AP, "kube-apiserver-args.yaml");
    assert_int_equal(resolve(f, &o, msg, sizeof msg, NULL, NULL, NULL, NULL), 0);
    assert_string_equal(o.k8s_prefix, "/custom");
    assert_string_equal(o.endpoints[0], "https://10.1.0.6:2379");
    char *want = NULL;
    assert_true(asprintf(&want, "using etcd https://10.1.0.6:2379 and certificates from "
                                "/etc/kubernetes/manifests/kube-apiserver.yaml, key prefix /custom "
                                "(--node-root %s)", f->root) > 0);
    assert_string_equal(o.using_line, want);
    free(want);
    bg_opts_free(&o);
    /* --etcd-prefix wins; --insecure-transport turns discovery off. */
    assert_int_equal(resolve(f, &o, msg, sizeof msg, "--etcd-prefix=/mine", "--insecure-transport", NULL, NULL), 0);
    assert_string_equal(o.k8s_prefix, "/mine");
    assert_string_equal(o.endpoints[0], BG_DEFAULT_ENDPOINT);
    assert_null(o.cacert);
    bg_opts_free(&o);
    /* The prefix as the API server applies it, path.Join("/", prefix): a
     * missing leading '/', doubled and trailing ones are mended; "" and "/"
     * are the root. */
    static const struct {
        const char *flag, *want;
    } prefixes[] = {{"--etcd-prefix=registry", "/registry"}, {"--etcd-prefix=/custom/", "/custom"},
                    {"--etcd-prefix=//a//b//", "/a/b"},       {"--etcd-prefix=", ""},
                    {"--etcd-prefix=/", ""},                  {"--etcd-prefix=///", ""}};
    for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++) {
        assert_int_equal(resolve(f, &o, msg, sizeof msg, prefixes[i].flag, "--insecure-transport", NULL, NULL), 0);
        assert_string_equal(o.k8s_prefix, prefixes[i].want);
        bg_opts_free(&o);
    }
    tree_copy(f->root, AP, "kube-apiserver.yaml");
}

static void test_node_root_checks(void **state)
{
    fixture *f = *state;
    bg_opts o;
    char msg[512];
    /* Only --etcd-servers in the manifest: certificates from the pki files. */
    tree_puts(f->root, AP, "spec:\n  containers:\n  - name: kube-apiserver\n    command:\n"
                           "    - --etcd-servers=https://127.0.0.1:9\n");
    tree_puts(f->root, "etc/kubernetes/pki/etcd/ca.crt", "ca");
    tree_puts(f->root, "etc/kubernetes/pki/etcd/healthcheck-client.crt", "c");
    tree_puts(f->root, "etc/kubernetes/pki/etcd/healthcheck-client.key", "k");
    assert_int_equal(resolve(f, &o, msg, sizeof msg, NULL, NULL, NULL, NULL), 0);
    char *want = NULL;
    assert_true(asprintf(&want, "using etcd https://127.0.0.1:9 from /etc/kubernetes/manifests/kube-apiserver.yaml, "
                                "certificates from /etc/kubernetes/pki (--node-root %s)", f->root) > 0);
    assert_string_equal(o.using_line, want);
    free(want);
    assert_int_equal(o.warnings.n, 0);
    bg_opts_free(&o);
    /* Only an override: the events cluster, and certificates from pki. */
    tree_puts(f->root, AP, "spec:\n  containers:\n  - name: kube-apiserver\n    command:\n"
                           "    - --etcd-servers-overrides=/events#https://127.0.0.1:8\n");
    assert_int_equal(resolve(f, &o, msg, sizeof msg, "--cluster", "events", NULL, NULL), 0);
    assert_string_equal(o.endpoints[0], "https://127.0.0.1:8");
    assert_true(asprintf(&want, "using etcd https://127.0.0.1:8 (cluster 'events') from "
                                "/etc/kubernetes/manifests/kube-apiserver.yaml, certificates from /etc/kubernetes/pki "
                                "(--node-root %s)", f->root) > 0);
    assert_string_equal(o.using_line, want);
    free(want);
    bg_opts_free(&o);
    tree_copy(f->root, AP, "kube-apiserver.yaml");

    /* A --node-root that is not a directory is refused... */
    char *argv[3] = {(char *)"ls", (char *)"--node-root=/nonexistent/node", NULL};
    int argc = 2;
    assert_int_equal(bg_opts_parse_flags(&o, &argc, argv, msg, sizeof msg), 0);
    assert_int_equal(bg_opts_resolve(&o, NULL, msg, sizeof msg), -1);
    assert_string_equal(msg, "cannot use --node-root '/nonexistent/node': No such file or directory");
    bg_opts_free(&o);
    /* ...and one without kubeadm's files is said to be empty. */
    char *empty = tree_new();
    char *flag = NULL;
    assert_true(asprintf(&flag, "--node-root=%s", empty) > 0);
    char *argv2[3] = {(char *)"ls", flag, NULL};
    argc = 2;
    assert_int_equal(bg_opts_parse_flags(&o, &argc, argv2, msg, sizeof msg), 0);
    bg_resolve_env env = {"/nonexistent/config.yaml"};
    assert_int_equal(bg_opts_resolve(&o, &env, msg, sizeof msg), 0);
    assert_int_equal(o.warnings.n, 1);
    assert_true(asprintf(&want, "found no kubeadm manifest or certificate under --node-root '%s'", empty) > 0);
    assert_string_equal(o.warnings.line[0], want);
    free(want);
    assert_null(o.using_line);
    assert_string_equal(o.endpoints[0], BG_DEFAULT_ENDPOINT);
    bg_opts_free(&o);
    free(flag);
    tree_free(empty);
}

/* Relative paths in a config file are relative to the file. */
static void test_config_relative_paths(void **state)
{
    fixture *f = *state;
    write_config(f, "audit-log: logs/audit.log\nclusters:\n  a:\n    cacert: pki/ca.crt\n    cert: /abs/c.crt\n"
                    "    key: ./k.key\n");
    bg_opts o;
    char msg[512];
    assert_int_equal(resolve(f, &o, msg, sizeof msg, "--cluster", "a", NULL, NULL), 0);
    char *want = NULL;
    assert_true(asprintf(&want, "%s/breakglass/pki/ca.crt", f->home) > 0);
    assert_string_equal(o.cacert, want);
    free(want);
    assert_string_equal(o.cert, "/abs/c.crt");
    assert_true(asprintf(&want, "%s/breakglass/./k.key", f->home) > 0);
    assert_string_equal(o.key, want);
    free(want);
    assert_true(asprintf(&want, "%s/breakglass/logs/audit.log", f->home) > 0);
    assert_string_equal(o.audit_log, want);
    free(want);
    bg_opts_free(&o);
}

/* Bytes from a manifest reach the terminal only escaped. */
static void test_using_line_escaped(void **state)
{
    fixture *f = *state;
    tree_puts(f->root, AP, "spec:\n  containers:\n  - name: kube-apiserver\n    command:\n"
                           "    - \"--etcd-servers=https://127.0.0.1:1\\e]0;pwned\\a\"\n");
    bg_opts o;
    char msg[512];
    assert_int_equal(resolve(f, &o, msg, sizeof msg, NULL, NULL, NULL, NULL), 0);
    assert_non_null(strstr(o.using_line, "using etcd https://127.0.0.1:1\\e]0;pwned\\x07 from "));
    assert_null(strchr(o.using_line, '\x1b'));
    bg_opts_free(&o);
    tree_copy(f->root, AP, "kube-apiserver.yaml");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_config_example),
        cmocka_unit_test(test_config_errors),
        cmocka_unit_test(test_config_password_mode),
        cmocka_unit_test_setup_teardown(test_zero_flags, setup, teardown),
        cmocka_unit_test_setup_teardown(test_flag_and_env_win, setup, teardown),
        cmocka_unit_test_setup_teardown(test_config_cluster, setup, teardown),
        cmocka_unit_test_setup_teardown(test_config_file_choice, setup, teardown),
        cmocka_unit_test_setup_teardown(test_defaults_and_prefix, setup, teardown),
        cmocka_unit_test_setup_teardown(test_using_line_escaped, setup, teardown),
        cmocka_unit_test_setup_teardown(test_node_root_checks, setup, teardown),
        cmocka_unit_test_setup_teardown(test_config_relative_paths, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
