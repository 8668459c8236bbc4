/* breakglass's config file: named clusters and a few defaults.
 *
 *   default-cluster: main
 *   audit-log: /var/log/breakglass/audit.log
 *   audit-hmac-key: /etc/breakglass/audit.key
 *   clusters:
 *     main:
 *       endpoints: [https://127.0.0.1:2379]     (a list, or one comma-separated string)
 *       cacert: ...   cert: ...   key: ...
 *       user: ...   password: ...   insecure-transport: false
 *       prefix: /registry
 *       dial-timeout: 2s   command-timeout: 5s
 *
 * Unknown keys are warnings naming file:line; values of the wrong type are
 * errors. See docs/configuration.md. */
#ifndef BG_CONFIG_H
#define BG_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "tui/discovery/notes.h"

#define BG_CONFIG_MAX_CLUSTERS 64

typedef struct bg_cfg_cluster {
    char *name;
    char *endpoints;            /* comma-separated, or NULL */
    char *cacert, *cert, *key, *user, *password, *prefix;   /* NULL when not set */
    int dial_timeout_ms, command_timeout_ms;                /* 0 when not set */
    int insecure_transport;     /* -1 not set, else 0 or 1 */
} bg_cfg_cluster;

typedef struct bg_config {
    char *path;                 /* the file read */
    char *default_cluster, *audit_log, *audit_key;          /* NULL when not set */
    bg_cfg_cluster clusters[BG_CONFIG_MAX_CLUSTERS];
    size_t n_clusters;
    bool has_password;          /* some cluster holds a password */
    bg_notes warnings;          /* unknown keys ("FILE:LINE: unknown key 'x'"), loose permissions */
} bg_config;

/* Parses data[0..len) read from path (used in messages). Returns 0, or -1
 * with "FILE:LINE: reason" in msg. Either way free c with bg_config_free. */
int bg_config_parse(const char *path, const char *data, size_t len, bg_config *c, char *msg, size_t msglen);

/* Reads and parses path; relative paths in it (cacert, cert, key, audit-log,
 * audit-hmac-key) are made relative to the file's directory. Also warns when
 * a file holding a password can be read by other users. Returns 0, 1 when the file does not exist (c is then
 * empty), or -1 with msg. Free c with bg_config_free in every case. */
int bg_config_load(const char *path, bg_config *c, char *msg, size_t msglen);

const bg_cfg_cluster *bg_config_find(const bg_config *c, const char *name);
void bg_config_free(bg_config *c);

#endif
