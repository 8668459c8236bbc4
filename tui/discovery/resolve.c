#include "tui/discovery/resolve.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "etcdclient/util/buf.h"
#include "etcdclient/util/escape.h"
#include "tui/discovery/config.h"
#include "tui/discovery/discovery.h"

/* o takes s (freed by bg_opts_free); NULL when s is NULL or memory ran out. */
static const char *own(bg_opts *o, char *s)
{
    if (!s)
        return NULL;
    char **n = realloc(o->owned, (o->n_owned + 1) * sizeof *n);
    if (!n) {
        free(s);
        return NULL;
    }
    o->owned = n;
    o->owned[o->n_owned++] = s;
    return s;
}

static const char *own_dup(bg_opts *o, const char *s)
{
    return s ? own(o, strdup(s)) : NULL;
}

static char *user_config_path(void)
{
    const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
    char *p = NULL;
    /* The XDG spec: a relative $XDG_CONFIG_HOME is invalid and ignored. */
    if (xdg && xdg[0] == '/') {
        if (asprintf(&p, "%s/breakglass/config.yaml", xdg) < 0)
            p = NULL;
    } else if (home && *home) {
        if (asprintf(&p, "%s/.config/breakglass/config.yaml", home) < 0)
            p = NULL;
    }
    return p;
}

/* The config file in use, loaded into cfg (left empty when there is none
 * or when an implicit one is unusable: a warning then, not an error). */
static int load_config(bg_opts *o, const bg_resolve_env *env, bg_config *cfg, char *msg, size_t msglen)
{
    char why[600];
    if (o->config) {
        if (bg_config_load(o->config, cfg, why, sizeof why) != 0) {
            snprintf(msg, msglen, "%s", why);
            o->hint = "fix the file, or leave --config out; the format is in docs/configuration.md";
            return -1;
        }
        return 0;
    }
    char *user = user_config_path();
    const char *paths[2] = {user, env && env->system_config ? env->system_config : BG_SYSTEM_CONFIG};
    for (size_t i = 0; i < 2; i++) {
        if (!paths[i])
            continue;
        int rc = bg_config_load(paths[i], cfg, why, sizeof why);
        if (rc == 1) {
            bg_config_free(cfg);
            continue;
        }
        if (rc < 0) {
            bg_notes_add(&o->warnings, "ignoring config file: %s", why);
            bg_config_free(cfg);
        }
        break;
    }
    free(user);
    return 0;
}

static int apply_cluster(bg_opts *o, const bg_cfg_cluster *cl, char *msg, size_t msglen)
{
    if (o->n_endpoints == 0 && cl->endpoints && bg_opts_set_endpoints(o, cl->endpoints, msg, msglen) != 0)
        return -1;
    struct { const char **dst; const char *src; } strs[] = {
        {&o->cacert, cl->cacert}, {&o->cert, cl->cert}, {&o->key, cl->key},
        {&o->user, cl->user}, {&o->password, cl->password}, {&o->k8s_prefix, cl->prefix},
    };
    for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++)
        if (!*strs[i].dst && strs[i].src)
            *strs[i].dst = own_dup(o, strs[i].src);
    if (!o->dial_timeout_ms)
        o->dial_timeout_ms = cl->dial_timeout_ms;
    if (!o->command_timeout_ms)
        o->command_timeout_ms = cl->command_timeout_ms;
    if (cl->insecure_transport == 1)
        o->insecure_transport = true;
    return 0;
}

static void unknown_cluster(bg_opts *o, const bg_config *cfg, const bg_disc *d, char *msg, size_t msglen)
{
    const char *name = o->cluster;
    o->hint = "clusters are named in the config file (--config, ~/.config/breakglass/config.yaml, "
              "/etc/breakglass/config.yaml) or come from the API server's --etcd-servers-overrides";
    ec_buf b;
    ec_buf_init(&b, 4096);
    for (size_t i = 0; i < cfg->n_clusters; i++)
        ec_buf_printf(&b, "%s%s", b.len ? ", " : "", cfg->clusters[i].name);
    for (size_t i = 0; d && i < d->n_extra; i++)
        if (!bg_config_find(cfg, d->extra[i].name))
            ec_buf_printf(&b, "%s%s", b.len ? ", " : "", d->extra[i].name);
    if (b.len)
        snprintf(msg, msglen, "unknown cluster '%s' (known: %s)", name, b.data);
    else
        snprintf(msg, msglen, "unknown cluster '%s' (no config file defines clusters, and kubeadm discovery "
                 "found none)", name);
    ec_buf_free(&b);
}

typedef struct using_part {
    const char *what, *from;
} using_part;

/* The one line saying what discovery supplied and from where, parts from
 * the same file said once: "using etcd E and certificates from F",
 * "using etcd E from F1, certificates from F2". Every part may hold bytes
 * from the node's files: the whole line is escaped. */
static char *using_line(const char *eps, const char *cluster, const char *ep_from, const char *ca_from,
                        const char *cert_from, const char *prefix, const char *root)
{
    ec_buf b;
    ec_buf_init(&b, 8192);
    char etcd[4096];
    snprintf(etcd, sizeof etcd, "etcd %s%s%s%s", eps ? eps : "", cluster ? " (cluster '" : "",
             cluster ? cluster : "", cluster ? "')" : "");
    using_part it[3];
    size_t n = 0;
    if (eps && ep_from)
        it[n++] = (using_part){etcd, ep_from};
    if (ca_from && cert_from && strcmp(ca_from, cert_from) == 0) {
        it[n++] = (using_part){"certificates", ca_from};
    } else {
        if (ca_from)
            it[n++] = (using_part){"CA certificate", ca_from};
        if (cert_from)
            it[n++] = (using_part){"client certificate", cert_from};
    }
    ec_buf_puts(&b, "using");
    bool done[3] = {false, false, false};
    for (size_t i = 0; i < n; i++) {
        if (done[i])
            continue;
        ec_buf_puts(&b, i ? ", " : " ");
        const char *sep = "";
        for (size_t j = i; j < n; j++)
            if (!done[j] && strcmp(it[j].from, it[i].from) == 0) {
                ec_buf_printf(&b, "%s%s", sep, it[j].what);
                sep = " and ";
                done[j] = true;
            }
        ec_buf_printf(&b, " from %s", it[i].from);
    }
    if (prefix)
        ec_buf_printf(&b, ", key prefix %s", prefix);
    if (root && *root && strcmp(root, "/") != 0)
        ec_buf_printf(&b, " (--node-root %s)", root);
    char *out = b.data ? ec_escape_dup((const uint8_t *)b.data, b.len) : NULL;
    ec_buf_free(&b);
    return out;
}

static int apply_discovery(bg_opts *o, const bg_config *cfg, bool want_extra, char *msg, size_t msglen)
{
    bg_disc d;
    bg_discover(o->node_root, &d);
    bool warned = d.warnings.n > 0;
    bg_notes_move(&o->warnings, &d.warnings);
    int rc = 0;
    const char *eps = NULL, *cluster = NULL, *ca_from = NULL, *cert_from = NULL, *prefix = NULL;
    const char *ep_from = d.endpoints_from;
    if (want_extra) {
        ep_from = BG_KUBEADM_APISERVER; /* overrides are only read from there */
        for (size_t i = 0; i < d.n_extra && !eps; i++)
            if (strcmp(d.extra[i].name, o->cluster) == 0)
                eps = d.extra[i].endpoints;
        if (!eps) {
            unknown_cluster(o, cfg, &d, msg, msglen);
            rc = -1;
            goto out;
        }
        cluster = o->cluster;
    } else {
        eps = d.endpoints;
    }
    if (o->n_endpoints == 0 && eps) {
        if (bg_opts_set_endpoints(o, eps, msg, msglen) != 0) {
            rc = -1;
            goto out;
        }
    } else {
        eps = NULL;
    }
    if (!o->cacert && d.cacert) {
        o->cacert = own_dup(o, d.cacert);
        ca_from = d.cacert_from;
    }
    /* A discovered certificate comes with its own key, or not at all. */
    if (!o->cert && !o->key && d.cert) {
        o->cert = own_dup(o, d.cert);
        o->key = own_dup(o, d.key);
        cert_from = d.cert_from;
    }
    if (!o->k8s_prefix && d.prefix) {
        o->k8s_prefix = own_dup(o, d.prefix);
        if (strcmp(d.prefix, "/registry") != 0)
            prefix = d.prefix;
    }
    if (!d.endpoints && !d.cacert && !d.cert && d.n_extra == 0 && o->node_root && !warned)
        bg_notes_add(&o->warnings, "found no kubeadm manifest or certificate under --node-root '%s'", o->node_root);
    if (eps || ca_from || cert_from)
        o->using_line = using_line(eps, cluster, ep_from, ca_from, cert_from, prefix, o->node_root);
out:
    bg_disc_free(&d);
    return rc;
}

/* The key prefix as the API server applies it: path.Join("/", prefix), so
 * "registry", "/registry/" and "//registry" all mean "/registry", and "" or
 * "/" mean the root (written "" here, so "<prefix>/pods/..." is a key). */
static const char *canon_prefix(bg_opts *o, const char *p)
{
    char *c = malloc(strlen(p) + 2);
    if (!c)
        return p;
    size_t n = 0;
    for (const char *s = p; *s; s++)
        if (*s != '/' || (n > 0 && c[n - 1] != '/')) /* no leading or doubled '/' */
            c[n++] = *s;
    while (n > 0 && c[n - 1] == '/')
        n--;
    if (n > 0) {
        memmove(c + 1, c, n);
        c[0] = '/';
        n++;
    }
    c[n] = '\0';
    const char *owned = own(o, c);
    return owned ? owned : p;
}

static void apply_defaults(bg_opts *o)
{
    if (o->n_endpoints == 0 && !o->offline) {
        o->endpoints[0] = BG_DEFAULT_ENDPOINT;
        o->n_endpoints = 1;
    }
    if (!o->dial_timeout_ms)
        o->dial_timeout_ms = 2000;
    if (!o->command_timeout_ms)
        o->command_timeout_ms = 5000;
    if (!o->k8s_prefix)
        o->k8s_prefix = "/registry";
    else
        o->k8s_prefix = canon_prefix(o, o->k8s_prefix);
}

int bg_opts_resolve(bg_opts *o, const bg_resolve_env *env, char *msg, size_t msglen)
{
    /* Offline reading, --version and --help need no cluster. */
    if (o->offline || o->version || o->help) {
        apply_defaults(o);
        return 0;
    }
    /* A mistyped --node-root would otherwise look like a node without kubeadm. */
    struct stat st;
    if (o->node_root && stat(o->node_root, &st) != 0) {
        snprintf(msg, msglen, "cannot use --node-root '%s': %s", o->node_root, strerror(errno));
        o->hint = "give the directory that holds the node's etc/kubernetes, like /mnt/node";
        return -1;
    }
    if (o->node_root && !S_ISDIR(st.st_mode)) {
        snprintf(msg, msglen, "cannot use --node-root '%s': Not a directory", o->node_root);
        o->hint = "give the directory that holds the node's etc/kubernetes, like /mnt/node";
        return -1;
    }
    bg_config cfg;
    memset(&cfg, 0, sizeof cfg);
    int rc = load_config(o, env, &cfg, msg, msglen);
    bg_notes_move(&o->warnings, &cfg.warnings);
    if (rc != 0)
        goto out;
    const char *want = o->cluster ? o->cluster : cfg.default_cluster;
    const bg_cfg_cluster *cl = want ? bg_config_find(&cfg, want) : NULL;
    if (cl && (rc = apply_cluster(o, cl, msg, msglen)) != 0)
        goto out;
    if (!o->audit_log && cfg.audit_log)
        o->audit_log = own_dup(o, cfg.audit_log);
    if (!o->audit_key && cfg.audit_key)
        o->audit_key = own_dup(o, cfg.audit_key);

    bool want_extra = o->cluster && !cl;
    bool missing = o->n_endpoints == 0 || !o->cacert || (!o->cert && !o->key);
    if (want_extra && (o->no_discovery || o->insecure_transport)) {
        unknown_cluster(o, &cfg, NULL, msg, msglen);
        rc = -1;
        goto out;
    }
    if (!o->no_discovery && !o->insecure_transport && (missing || want_extra) &&
        (rc = apply_discovery(o, &cfg, want_extra, msg, msglen)) != 0)
        goto out;
    apply_defaults(o);
out:
    bg_config_free(&cfg);
    return rc;
}
