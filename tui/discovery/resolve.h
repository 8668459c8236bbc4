/* Fills the global options that flags and ETCDCTL_* variables left unset:
 * first from a cluster of the config file (--cluster NAME, else the file's
 * default-cluster), then from kubeadm discovery (discovery.h), then the
 * built-in defaults. The config file is --config FILE, else
 * $XDG_CONFIG_HOME/breakglass/config.yaml (~/.config/... without the
 * variable), else /etc/breakglass/config.yaml: the first that exists. */
#ifndef BG_RESOLVE_H
#define BG_RESOLVE_H

#include <stddef.h>

#include "tui/cli/options.h"

#define BG_DEFAULT_ENDPOINT "https://127.0.0.1:2379"
#define BG_SYSTEM_CONFIG "/etc/breakglass/config.yaml"

typedef struct bg_resolve_env {
    const char *system_config;  /* NULL: BG_SYSTEM_CONFIG (tests point it elsewhere) */
} bg_resolve_env;

/* env may be NULL. Returns 0, or -1 with a one-line message for a usage
 * error (unknown --cluster, unreadable or malformed --config file). Warnings
 * go to o->warnings, the "using ..." line to o->using_line. Strings it
 * allocates are owned by o (freed by bg_opts_free). */
int bg_opts_resolve(bg_opts *o, const bg_resolve_env *env, char *msg, size_t msglen);

#endif
