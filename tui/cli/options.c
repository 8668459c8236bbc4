#include "tui/cli/options.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui/discovery/resolve.h"

int bg_parse_duration_ms(const char *s)
{
    if (!s || !*s)
        return -1;
    char *end;
    double v = strtod(s, &end);
    if (end == s || v < 0)
        return -1;
    double mult = 1000;
    if (*end == '\0' || strcmp(end, "s") == 0)
        mult = 1000;
    else if (strcmp(end, "ms") == 0)
        mult = 1;
    else if (strcmp(end, "m") == 0)
        mult = 60000;
    else if (strcmp(end, "h") == 0)
        mult = 3600000;
    else
        return -1;
    double ms = v * mult;
    if (ms > 24.0 * 3600000)
        return -1;
    return (int)ms;
}

int bg_opts_set_endpoints(bg_opts *o, const char *list, char *msg, size_t msglen)
{
    free(o->endpoints_buf);
    o->endpoints_buf = strdup(list);
    o->n_endpoints = 0;
    if (!o->endpoints_buf) {
        snprintf(msg, msglen, "out of memory");
        return -1;
    }
    char *save = NULL;
    for (char *t = strtok_r(o->endpoints_buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        while (*t == ' ')
            t++;
        if (!*t)
            continue;
        if (o->n_endpoints == BG_MAX_ENDPOINTS) {
            snprintf(msg, msglen, "too many endpoints (at most %d)", BG_MAX_ENDPOINTS);
            return -1;
        }
        o->endpoints[o->n_endpoints++] = t;
    }
    if (o->n_endpoints == 0) {
        snprintf(msg, msglen, "--endpoints is empty");
        return -1;
    }
    return 0;
}

int64_t bg_parse_size(const char *s)
{
    if (!s || !*s)
        return -1;
    char *end;
    double v = strtod(s, &end);
    if (end == s || v < 0)
        return -1;
    static const struct { const char *suffix; double mult; } units[] = {
        {"", 1}, {"B", 1}, {"k", 1e3}, {"K", 1e3}, {"KB", 1e3}, {"KiB", 1024.0}, {"M", 1e6}, {"MB", 1e6},
        {"MiB", 1048576.0}, {"G", 1e9}, {"GB", 1e9}, {"GiB", 1073741824.0},
    };
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
        if (strcmp(end, units[i].suffix) == 0) {
            double b = v * units[i].mult;
            return b > 1e15 ? -1 : (int64_t)b;
        }
    return -1;
}

typedef enum {
    OPT_STR, OPT_BOOL, OPT_DURATION, OPT_ENDPOINTS, OPT_OUTPUT, OPT_COUNT, OPT_SIZE, OPT_CONSISTENCY
} opt_kind;

typedef struct opt_def {
    const char *name;     /* long name without dashes */
    opt_kind kind;
    size_t offset;        /* into bg_opts */
} opt_def;

#define OFF(f) offsetof(bg_opts, f)
static const opt_def defs[] = {
    {"endpoints", OPT_ENDPOINTS, 0},
    {"cacert", OPT_STR, OFF(cacert)},
    {"cert", OPT_STR, OFF(cert)},
    {"key", OPT_STR, OFF(key)},
    {"user", OPT_STR, OFF(user)},
    {"password", OPT_STR, OFF(password)},
    {"insecure-transport", OPT_BOOL, OFF(insecure_transport)},
    {"dial-timeout", OPT_DURATION, OFF(dial_timeout_ms)},
    {"command-timeout", OPT_DURATION, OFF(command_timeout_ms)},
    {"json", OPT_BOOL, OFF(json)},
    {"write-out", OPT_OUTPUT, 0},
    {"help", OPT_BOOL, OFF(help)},
    {"version", OPT_BOOL, OFF(version)},
    {"offline", OPT_STR, OFF(offline)},
    {"audit-log", OPT_STR, OFF(audit_log)},
    {"audit-hmac-key", OPT_STR, OFF(audit_key)},
    {"read-only", OPT_BOOL, OFF(read_only)},
    {"config", OPT_STR, OFF(config)},
    {"cluster", OPT_STR, OFF(cluster)},
    {"node-root", OPT_STR, OFF(node_root)},
    {"quiet", OPT_BOOL, OFF(quiet)},
    {"no-discovery", OPT_BOOL, OFF(no_discovery)},
    {"etcd-prefix", OPT_STR, OFF(k8s_prefix)},
    {"max-requests", OPT_COUNT, OFF(max_requests)},
    {"max-bytes", OPT_SIZE, OFF(max_bytes)},
    {"consistency", OPT_CONSISTENCY, OFF(linearizable)},
};

static int apply(bg_opts *o, const opt_def *d, const char *val, char *msg, size_t msglen)
{
    char *base = (char *)o;
    switch (d->kind) {
    case OPT_STR:
        *(const char **)(base + d->offset) = val;
        return 0;
    case OPT_BOOL:
        *(bool *)(base + d->offset) = !val || strcmp(val, "false") != 0;
        return 0;
    case OPT_DURATION: {
        int ms = bg_parse_duration_ms(val);
        if (ms <= 0) {
            snprintf(msg, msglen, "--%s '%s' is not a duration (like 5s or 500ms)", d->name, val);
            return -1;
        }
        *(int *)(base + d->offset) = ms;
        return 0;
    }
    case OPT_ENDPOINTS:
        return bg_opts_set_endpoints(o, val, msg, msglen);
    case OPT_COUNT: {
        char *end;
        long long n = strtoll(val, &end, 10);
        if (end == val || *end || n < 0 || n > 1000000000) {
            snprintf(msg, msglen, "--%s '%s' is not a number of requests per second (0 = unlimited)", d->name, val);
            return -1;
        }
        *(int64_t *)(base + d->offset) = n;
        return 0;
    }
    case OPT_SIZE: {
        int64_t n = bg_parse_size(val);
        if (n < 0) {
            snprintf(msg, msglen, "--%s '%s' is not a size per second (like 20MiB or 512KiB; 0 = unlimited)", d->name,
                     val);
            return -1;
        }
        *(int64_t *)(base + d->offset) = n;
        return 0;
    }
    case OPT_CONSISTENCY:
        if (strcmp(val, "l") == 0 || strcmp(val, "s") == 0) {
            *(bool *)(base + d->offset) = val[0] == 'l';
            return 0;
        }
        snprintf(msg, msglen, "--%s '%s' is not a consistency (l: linearizable, s: serializable)", d->name, val);
        return -1;
    case OPT_OUTPUT:
        if (strcmp(val, "json") == 0)
            o->json = true;
        else if (strcmp(val, "simple") == 0 || strcmp(val, "table") == 0)
            o->json = false;
        else {
            snprintf(msg, msglen, "--write-out '%s' is not supported (use json, simple or table)", val);
            return -1;
        }
        return 0;
    }
    return -1;
}

static const opt_def *find_def(const char *name, size_t len)
{
    for (size_t i = 0; i < sizeof defs / sizeof defs[0]; i++)
        if (strlen(defs[i].name) == len && strncmp(defs[i].name, name, len) == 0)
            return &defs[i];
    return NULL;
}

static int apply_env(bg_opts *o, char *msg, size_t msglen)
{
    static const struct { const char *env, *opt; } envs[] = {
        {"ETCDCTL_ENDPOINTS", "endpoints"}, {"ETCDCTL_CACERT", "cacert"},
        {"ETCDCTL_CERT", "cert"},           {"ETCDCTL_KEY", "key"},
        {"ETCDCTL_USER", "user"},           {"ETCDCTL_PASSWORD", "password"},
        {"ETCDCTL_DIAL_TIMEOUT", "dial-timeout"}, {"ETCDCTL_COMMAND_TIMEOUT", "command-timeout"},
        {"ETCDCTL_INSECURE_TRANSPORT", "insecure-transport"},
    };
    for (size_t i = 0; i < sizeof envs / sizeof envs[0]; i++) {
        const char *v = getenv(envs[i].env);
        if (!v || !*v)
            continue;
        const opt_def *d = find_def(envs[i].opt, strlen(envs[i].opt));
        if (apply(o, d, v, msg, msglen) != 0)
            return -1;
    }
    return 0;
}

int bg_opts_parse_flags(bg_opts *o, int *argc, char **argv, char *msg, size_t msglen)
{
    memset(o, 0, sizeof *o);
    o->max_requests = o->max_bytes = -1; /* the defaults, unless a flag says */
    if (apply_env(o, msg, msglen) != 0)
        return -1;
    int out = 0;
    bool rest_are_args = false;
    for (int i = 0; i < *argc; i++) {
        char *a = argv[i];
        if (!rest_are_args && strcmp(a, "-w") == 0 && i + 1 < *argc) {
            if (apply(o, find_def("write-out", 9), argv[++i], msg, msglen) != 0)
                return -1;
            continue;
        }
        if (rest_are_args || a[0] != '-' || a[1] != '-' || a[2] == '\0') {
            if (!rest_are_args && strcmp(a, "--") == 0) {
                rest_are_args = true;
                argv[out++] = a; /* kept: commands see their own "--" */
                continue;
            }
            argv[out++] = a;
            continue;
        }
        const char *name = a + 2;
        const char *eq = strchr(name, '=');
        size_t nlen = eq ? (size_t)(eq - name) : strlen(name);
        const opt_def *d = find_def(name, nlen);
        if (!d) {
            argv[out++] = a; /* a subcommand's own flag */
            continue;
        }
        const char *val = eq ? eq + 1 : NULL;
        if (!val && d->kind != OPT_BOOL) {
            if (i + 1 >= *argc) {
                snprintf(msg, msglen, "--%s needs a value", d->name);
                return -1;
            }
            val = argv[++i];
        }
        if (apply(o, d, val, msg, msglen) != 0)
            return -1;
    }
    *argc = out;
    argv[out] = NULL;
    return 0;
}

int bg_opts_parse(bg_opts *o, int *argc, char **argv, char *msg, size_t msglen)
{
    if (bg_opts_parse_flags(o, argc, argv, msg, msglen) != 0)
        return -1;
    return bg_opts_resolve(o, NULL, msg, msglen);
}

void bg_opts_free(bg_opts *o)
{
    free(o->endpoints_buf);
    o->endpoints_buf = NULL;
    bg_notes_free(&o->warnings);
    free(o->using_line);
    o->using_line = NULL;
    for (size_t i = 0; i < o->n_owned; i++)
        free(o->owned[i]);
    free(o->owned);
    o->owned = NULL;
    o->n_owned = 0;
}
