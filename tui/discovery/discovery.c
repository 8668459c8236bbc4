#include "tui/discovery/discovery.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "tui/discovery/manifest.h"
#include "tui/discovery/ytree.h"

static bool has_dotdot(const char *p)
{
    for (const char *s = p; *s;) {
        const char *e = strchr(s, '/');
        size_t n = e ? (size_t)(e - s) : strlen(s);
        if (n == 2 && s[0] == '.' && s[1] == '.')
            return true;
        s += n;
        while (*s == '/')
            s++;
    }
    return false;
}

static bool is_root(const char *root)
{
    return !root || !*root || strcmp(root, "/") == 0;
}

char *bg_node_path(const char *root, const char *path, bg_notes *nt)
{
    if (has_dotdot(path)) {
        bg_notes_add(nt, "ignoring path '%s': a '..' component could leave the node's files", path);
        return NULL;
    }
    if (is_root(root) && path[0] == '/')
        return strdup(path);
    size_t rl = is_root(root) ? 0 : strlen(root);
    while (rl > 0 && root[rl - 1] == '/')
        rl--;
    char *out = NULL;
    /* A relative path in a manifest is relative to the kubelet's "/". */
    if (asprintf(&out, "%.*s%s%s", (int)rl, rl ? root : "", path[0] == '/' ? "" : "/", path) < 0)
        return NULL;
    return out;
}

static bool is_file(const char *p)
{
    struct stat st;
    return p && stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

static bool name_ok(const char *s, size_t n)
{
    if (n == 0 || n > 63)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9') ||
              s[i] == '-' || s[i] == '.' || s[i] == '_'))
            return false;
    return true;
}

size_t bg_parse_overrides(const char *s, bg_disc_cluster *out, size_t max, bg_notes *nt)
{
    size_t n = 0;
    char *copy = strdup(s);
    if (!copy)
        return 0;
    char *save = NULL;
    for (char *e = strtok_r(copy, ",", &save); e; e = strtok_r(NULL, ",", &save)) {
        char *hash = strchr(e, '#');
        if (!hash || hash[1] == '\0') {
            bg_notes_add(nt, "ignoring --etcd-servers-overrides entry '%s': not group/resource#servers", e);
            continue;
        }
        *hash = '\0';
        char *slash = strrchr(e, '/');
        const char *name = slash ? slash + 1 : e;
        char *servers = hash + 1;
        if (!name_ok(name, strlen(name)) || strpbrk(servers, " \t,")) {
            bg_notes_add(nt, "ignoring --etcd-servers-overrides entry '%s#%s': not group/resource#servers", e,
                         servers);
            continue;
        }
        bool dup = false;
        for (size_t i = 0; i < n; i++)
            dup = dup || strcmp(out[i].name, name) == 0;
        if (dup || n == max) {
            bg_notes_add(nt, "ignoring --etcd-servers-overrides entry for '%s': %s", name,
                         dup ? "a cluster of that name came earlier" : "too many entries");
            continue;
        }
        /* Servers of one override are separated by ';', ours by ','. */
        for (char *p = servers; *p; p++)
            if (*p == ';')
                *p = ',';
        out[n].name = strdup(name);
        out[n].endpoints = strdup(servers);
        if (!out[n].name || !out[n].endpoints) {
            free(out[n].name);
            free(out[n].endpoints);
            break;
        }
        n++;
    }
    free(copy);
    return n;
}

/* Reads the flags of one static pod; -1 (with a warning unless the file is
 * simply absent) when nothing can be used. */
static int read_pod(const char *root, const char *node_path, const char *container, const char *const *names,
                    char **values, size_t n, bg_notes *nt)
{
    char *path = bg_node_path(root, node_path, nt);
    if (!path)
        return -1;
    char *data = NULL, msg[512];
    size_t len = 0;
    bool enoent = false;
    int rc = bg_read_small_file(path, BG_Y_MAX_FILE, &data, &len, &enoent, msg, sizeof msg);
    if (rc != 0) {
        if (!enoent)
            bg_notes_add(nt, "ignoring kubeadm manifest: %s", msg);
    } else {
        char why[400];
        rc = bg_pod_flags(data, len, container, names, values, n, why, sizeof why);
        if (rc != 0)
            bg_notes_add(nt, "ignoring kubeadm manifest '%s': %s", path, why);
    }
    free(data);
    free(path);
    return rc;
}

static void take_path(const char *root, char *node_path, char **dst, const char **from, const char *src,
                      bg_notes *nt)
{
    if (!node_path || *dst)
        return;
    if (*node_path)
        *dst = bg_node_path(root, node_path, nt);
    if (*dst)
        *from = src;
}

static void from_apiserver(const char *root, bg_disc *d)
{
    static const char *const names[] = {"etcd-servers", "etcd-cafile", "etcd-certfile",
                                        "etcd-keyfile", "etcd-prefix", "etcd-servers-overrides"};
    char *v[6];
    if (read_pod(root, BG_KUBEADM_APISERVER, "kube-apiserver", names, v, 6, &d->warnings) != 0)
        return;
    if (v[0] && *v[0]) {
        d->endpoints = v[0];
        v[0] = NULL;
        d->endpoints_from = BG_KUBEADM_APISERVER;
    }
    take_path(root, v[1], &d->cacert, &d->cacert_from, BG_KUBEADM_APISERVER, &d->warnings);
    if (v[2] && v[3] && *v[2] && *v[3]) { /* a certificate is only usable with its key */
        d->cert = bg_node_path(root, v[2], &d->warnings);
        d->key = bg_node_path(root, v[3], &d->warnings);
        if (d->cert && d->key) {
            d->cert_from = BG_KUBEADM_APISERVER;
        } else {
            free(d->cert);
            free(d->key);
            d->cert = d->key = NULL;
        }
    }
    if (v[4]) {
        d->prefix = v[4];
        v[4] = NULL;
    }
    if (v[5])
        d->n_extra = bg_parse_overrides(v[5], d->extra, BG_DISC_MAX_EXTRA, &d->warnings);
    for (int i = 0; i < 6; i++)
        free(v[i]);
}

static void from_etcd(const char *root, bg_disc *d)
{
    static const char *const names[] = {"advertise-client-urls", "listen-client-urls", "trusted-ca-file"};
    char *v[3];
    if (read_pod(root, BG_KUBEADM_ETCD, "etcd", names, v, 3, &d->warnings) != 0)
        return;
    char *urls = v[0] && *v[0] ? v[0] : v[1] && *v[1] ? v[1] : NULL;
    if (!d->endpoints && urls) {
        d->endpoints = strdup(urls);
        d->endpoints_from = d->endpoints ? BG_KUBEADM_ETCD : NULL;
    }
    take_path(root, v[2], &d->cacert, &d->cacert_from, BG_KUBEADM_ETCD, &d->warnings);
    for (int i = 0; i < 3; i++)
        free(v[i]);
}

static void from_pki(const char *root, bg_disc *d)
{
    if (!d->cacert) {
        char *p = bg_node_path(root, BG_KUBEADM_PKI "/etcd/ca.crt", &d->warnings);
        if (is_file(p)) {
            d->cacert = p;
            d->cacert_from = BG_KUBEADM_PKI;
        } else {
            free(p);
        }
    }
    static const char *const pairs[][2] = {
        {BG_KUBEADM_PKI "/apiserver-etcd-client.crt", BG_KUBEADM_PKI "/apiserver-etcd-client.key"},
        {BG_KUBEADM_PKI "/etcd/healthcheck-client.crt", BG_KUBEADM_PKI "/etcd/healthcheck-client.key"},
    };
    for (size_t i = 0; i < 2 && !d->cert; i++) {
        char *c = bg_node_path(root, pairs[i][0], &d->warnings);
        char *k = bg_node_path(root, pairs[i][1], &d->warnings);
        if (is_file(c) && is_file(k)) {
            d->cert = c;
            d->key = k;
            d->cert_from = BG_KUBEADM_PKI;
        } else {
            free(c);
            free(k);
        }
    }
}

void bg_discover(const char *root, bg_disc *d)
{
    memset(d, 0, sizeof *d);
    from_apiserver(root, d);
    if (!d->endpoints || !d->cacert)
        from_etcd(root, d);
    if (!d->cacert || !d->cert)
        from_pki(root, d);
}

void bg_disc_free(bg_disc *d)
{
    free(d->endpoints);
    free(d->cacert);
    free(d->cert);
    free(d->key);
    free(d->prefix);
    for (size_t i = 0; i < d->n_extra; i++) {
        free(d->extra[i].name);
        free(d->extra[i].endpoints);
    }
    bg_notes_free(&d->warnings);
    memset(d, 0, sizeof *d);
}
