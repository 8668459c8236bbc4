/* Fuzz target: the YAML readers of kubeadm manifests and of the config file,
 * the --etcd-servers-overrides parser, and the whole resolution with the
 * input as a node's kube-apiserver.yaml. Whatever the bytes: no crash, no
 * leak, every value found is a C string inside the input's size, and the
 * "using ..." line holds no control byte. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "tui/discovery/config.h"
#include "tui/discovery/discovery.h"
#include "tui/discovery/manifest.h"
#include "tui/discovery/resolve.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void pod(const char *d, size_t n, const char *container)
{
    static const char *const names[] = {"etcd-servers", "etcd-cafile", "etcd-servers-overrides",
                                        "advertise-client-urls", "trusted-ca-file"};
    char *v[5], msg[256];
    if (bg_pod_flags(d, n, container, names, v, 5, msg, sizeof msg) != 0) {
        if (memchr(msg, '\0', sizeof msg) == NULL)
            abort();
        return;
    }
    for (size_t i = 0; i < 5; i++) {
        if (v[i] && strlen(v[i]) > n)
            abort();
        if (i == 2 && v[i]) {
            bg_disc_cluster c[BG_DISC_MAX_EXTRA];
            bg_notes nt = {0};
            size_t k = bg_parse_overrides(v[i], c, BG_DISC_MAX_EXTRA, &nt);
            for (size_t j = 0; j < k; j++) {
                free(c[j].name);
                free(c[j].endpoints);
            }
            bg_notes_free(&nt);
        }
        free(v[i]);
    }
}

static char tree_root[64];

/* The tree goes when the process ends, so no test run leaves litter. */
static void remove_root(void)
{
    static const char *const parts[] = {BG_KUBEADM_APISERVER, "/etc/kubernetes/manifests", "/etc/kubernetes",
                                        "/etc", ""};
    char p[160];
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) {
        snprintf(p, sizeof p, "%s%s", tree_root, parts[i]);
        remove(p);
    }
}

/* A node tree made once per process; the input becomes its manifest. */
static const char *node_root(void)
{
    if (tree_root[0])
        return tree_root;
    snprintf(tree_root, sizeof tree_root, "/tmp/fuzz_manifest.XXXXXX");
    if (!mkdtemp(tree_root))
        abort();
    atexit(remove_root);
    char p[128];
    snprintf(p, sizeof p, "%s/etc", tree_root);
    mkdir(p, 0700);
    snprintf(p, sizeof p, "%s/etc/kubernetes", tree_root);
    mkdir(p, 0700);
    snprintf(p, sizeof p, "%s/etc/kubernetes/manifests", tree_root);
    mkdir(p, 0700);
    setenv("XDG_CONFIG_HOME", tree_root, 1);
    unsetenv("ETCDCTL_ENDPOINTS");
    return tree_root;
}

static void resolve_as_node(const uint8_t *data, size_t size, const char *cluster)
{
    const char *root = node_root();
    char path[128], flag[96];
    snprintf(path, sizeof path, "%s" BG_KUBEADM_APISERVER, root);
    FILE *f = fopen(path, "wb");
    if (!f)
        abort();
    fwrite(data, 1, size, f);
    fclose(f);
    snprintf(flag, sizeof flag, "--node-root=%s", root);
    char *argv[5] = {(char *)"status", flag, (char *)"--cluster", (char *)cluster, NULL};
    int argc = cluster ? 4 : 2;
    argv[argc] = NULL;
    bg_opts o;
    char msg[1024];
    bg_resolve_env env = {"/nonexistent/breakglass.yaml"};
    if (bg_opts_parse_flags(&o, &argc, argv, msg, sizeof msg) == 0 && bg_opts_resolve(&o, &env, msg, sizeof msg) == 0) {
        for (const char *p = o.using_line; p && *p; p++)
            if ((uint8_t)*p < 0x20 || *p == 0x7f)
                abort();
        if (o.n_endpoints == 0 || !o.k8s_prefix)
            abort();
    }
    bg_opts_free(&o);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    resolve_as_node(data, size, NULL);
    resolve_as_node(data, size, "events");
    const char *d = (const char *)data;
    pod(d, size, "kube-apiserver");
    pod(d, size, "etcd");
    bg_config c;
    char msg[512];
    if (bg_config_parse("fuzz.yaml", d, size, &c, msg, sizeof msg) == 0) {
        for (size_t i = 0; i < c.n_clusters; i++)
            if (!c.clusters[i].name || (c.clusters[i].endpoints && !*c.clusters[i].endpoints))
                abort();
    }
    bg_config_free(&c);
    /* The input as an override list too. */
    char *s = malloc(size + 1);
    if (!s)
        return 0;
    memcpy(s, data, size);
    s[size] = '\0';
    bg_disc_cluster cl[BG_DISC_MAX_EXTRA];
    bg_notes nt = {0};
    size_t k = bg_parse_overrides(s, cl, BG_DISC_MAX_EXTRA, &nt);
    for (size_t j = 0; j < k; j++) {
        free(cl[j].name);
        free(cl[j].endpoints);
    }
    bg_notes_free(&nt);
    free(s);
    return 0;
}
