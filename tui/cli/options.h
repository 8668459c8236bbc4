/* Global options, compatible with etcdctl's flags and ETCDCTL_* variables so
 * operators can reuse their habits. Per field: flag > ETCDCTL_* variable >
 * the config file's cluster (--cluster, else default-cluster) > kubeadm
 * discovery (tui/discovery/) > built-in default. */
#ifndef BG_OPTIONS_H
#define BG_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tui/discovery/notes.h"

#define BG_MAX_ENDPOINTS 16

typedef struct bg_opts {
    const char *endpoints[BG_MAX_ENDPOINTS];
    size_t n_endpoints;
    char *endpoints_buf;     /* owns the split endpoint strings */
    const char *cacert, *cert, *key;
    const char *user, *password;
    bool insecure_transport;
    int dial_timeout_ms;
    int command_timeout_ms;
    bool json;               /* --json / -w json */
    bool help;
    bool version;
    const char *offline;     /* --offline FILE */
    const char *audit_log;   /* --audit-log PATH */
    const char *audit_key;   /* --audit-hmac-key FILE */
    bool read_only;          /* --read-only: every change is refused */
    const char *config;      /* --config FILE */
    const char *cluster;     /* --cluster NAME: from the config file or discovery ("events") */
    const char *node_root;   /* --node-root DIR: read kubeadm's files under DIR */
    bool quiet;              /* --quiet: no "using ..." line */
    bool no_discovery;       /* --no-discovery: do not read kubeadm's files */
    const char *k8s_prefix;  /* Kubernetes key prefix: --etcd-prefix, config, discovery, "/registry" */
    /* Self-protection: what breakglass may cost etcd (etcdclient/etcd.h). */
    int64_t max_requests;    /* --max-requests N per second; -1 = default, 0 = unlimited */
    int64_t max_bytes;       /* --max-bytes SIZE per second; -1 = default, 0 = unlimited */
    bool linearizable;       /* --consistency l: browsing reads through the leader too */
    /* Filled by bg_opts_parse, for main to print on stderr: */
    bg_notes warnings;       /* problems with the config file or manifests */
    char *using_line;        /* "using etcd ... from ..." when discovery supplied a field, else NULL */
    const char *hint;        /* after a failed bg_opts_parse: the fix to suggest, or NULL (static) */
    char **owned;            /* strings from config/discovery the fields above point to */
    size_t n_owned;
} bg_opts;

/* Parses global flags from argv (they may also follow the subcommand, as
 * with etcdctl), removing them; what is left (subcommand and its arguments)
 * is compacted into argv[0..*argc). Then fills what flags and variables left
 * unset from the config file and kubeadm discovery (tui/discovery/resolve.h)
 * and the defaults. Returns 0, or -1 with a message (a usage error: exit 2).
 * Free o with bg_opts_free in both cases. */
int bg_opts_parse(bg_opts *o, int *argc, char **argv, char *msg, size_t msglen);
/* Flags and ETCDCTL_* variables only: no config file, no discovery, no
 * defaults (unset fields stay NULL/0). */
int bg_opts_parse_flags(bg_opts *o, int *argc, char **argv, char *msg, size_t msglen);
/* Sets the endpoints from a comma-separated list. */
int bg_opts_set_endpoints(bg_opts *o, const char *list, char *msg, size_t msglen);
void bg_opts_free(bg_opts *o);

/* "20MiB", "512KiB", "1GiB", "100k", "2M", or a bare number of bytes;
 * -1 if malformed. */
int64_t bg_parse_size(const char *s);

/* "5s", "500ms", "2m", "1h", or a bare number of seconds; -1 if malformed. */
int bg_parse_duration_ms(const char *s);

#endif
