/* Global options, compatible with etcdctl's flags and ETCDCTL_* variables so
 * operators can reuse their habits. A flag always wins over the variable. */
#ifndef BG_OPTIONS_H
#define BG_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>

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
} bg_opts;

/* Parses global flags from argv (they may also follow the subcommand, as
 * with etcdctl), removing them; what is left (subcommand and its arguments)
 * is compacted into argv[0..*argc). Returns 0, or -1 with a message. */
int bg_opts_parse(bg_opts *o, int *argc, char **argv, char *msg, size_t msglen);
void bg_opts_free(bg_opts *o);

/* "5s", "500ms", "2m", "1h", or a bare number of seconds; -1 if malformed. */
int bg_parse_duration_ms(const char *s);

#endif
