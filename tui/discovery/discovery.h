/* Zero-flag discovery on a kubeadm control-plane node: where etcd is and
 * which certificates the API server uses for it, read from the node's files.
 * Per field, the first source that has it wins:
 *   1. /etc/kubernetes/manifests/kube-apiserver.yaml: --etcd-servers,
 *      --etcd-cafile, --etcd-certfile + --etcd-keyfile, --etcd-prefix,
 *      --etcd-servers-overrides (extra clusters, e.g. "events");
 *   2. /etc/kubernetes/manifests/etcd.yaml: --advertise-client-urls (else
 *      --listen-client-urls), --trusted-ca-file;
 *   3. /etc/kubernetes/pki/etcd/ca.crt, then the client pair
 *      /etc/kubernetes/pki/apiserver-etcd-client.{crt,key}, then
 *      /etc/kubernetes/pki/etcd/healthcheck-client.{crt,key} (when present).
 * Every node path, including those written inside manifests, is read under
 * a root directory ("/" normally, --node-root DIR for a mounted node disk).
 * A bad manifest is a warning, never an error. */
#ifndef BG_DISCOVERY_H
#define BG_DISCOVERY_H

#include <stddef.h>

#include "tui/discovery/notes.h"

#define BG_DISC_MAX_EXTRA 8

#define BG_KUBEADM_APISERVER "/etc/kubernetes/manifests/kube-apiserver.yaml"
#define BG_KUBEADM_ETCD "/etc/kubernetes/manifests/etcd.yaml"
#define BG_KUBEADM_PKI "/etc/kubernetes/pki"

typedef struct bg_disc_cluster {
    char *name;       /* "events" for "/events#...": the resource's name */
    char *endpoints;  /* comma-separated URLs */
} bg_disc_cluster;

typedef struct bg_disc {
    char *endpoints;            /* comma-separated URLs, or NULL */
    char *cacert, *cert, *key;  /* paths to open on this machine (under the root), or NULL */
    char *prefix;               /* --etcd-prefix, or NULL (Kubernetes' default is /registry) */
    /* Node path of the file each field came from (one of the BG_KUBEADM_*
     * strings above), or NULL. cert_from covers cert and key. */
    const char *endpoints_from, *cacert_from, *cert_from;
    bg_disc_cluster extra[BG_DISC_MAX_EXTRA];
    size_t n_extra;
    bg_notes warnings;          /* "ignoring '...': ..." */
} bg_disc;

/* Fills d from the files under root (NULL or "" means "/"). Never fails:
 * what cannot be read is left NULL, with a warning when the file exists but
 * is unusable. Free with bg_disc_free. */
void bg_discover(const char *root, bg_disc *d);
void bg_disc_free(bg_disc *d);

/* Parses --etcd-servers-overrides ("group/resource#url;url,..."): one
 * cluster per entry, named by its resource. Returns the number of entries
 * stored in out (at most max; caller frees their strings); malformed
 * entries are skipped with a warning in nt. */
size_t bg_parse_overrides(const char *s, bg_disc_cluster *out, size_t max, bg_notes *nt);

/* root + node path, or NULL (with a warning in nt) when path has a ".."
 * component, which could leave the root. Caller frees. */
char *bg_node_path(const char *root, const char *path, bg_notes *nt);

#endif
