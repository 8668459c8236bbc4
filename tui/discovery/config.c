#include "tui/discovery/config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "tui/cli/options.h"
#include "tui/discovery/ytree.h"

typedef struct pctx {
    const char *path;
    char *msg;
    size_t msglen;
    bg_config *c;
} pctx;

static int bad(pctx *x, const bg_ynode *n, const char *key, const char *want)
{
    snprintf(x->msg, x->msglen, "%s:%u: '%s' must be %s", x->path, n->line, key, want);
    return -1;
}

static int get_str(pctx *x, const bg_ynode *v, const char *key, char **dst)
{
    const char *s = bg_ystr(v);
    if (!s)
        return bad(x, v, key, "a string");
    free(*dst);
    *dst = *s ? strdup(s) : NULL;
    return 0;
}

static int get_duration(pctx *x, const bg_ynode *v, const char *key, int *dst)
{
    const char *s = bg_ystr(v);
    int ms = s ? bg_parse_duration_ms(s) : -1;
    if (ms <= 0)
        return bad(x, v, key, "a duration like 5s or 500ms");
    *dst = ms;
    return 0;
}

static int get_bool(pctx *x, const bg_ynode *v, const char *key, int *dst)
{
    const char *s = bg_ystr(v);
    if (s && (strcmp(s, "true") == 0 || strcmp(s, "yes") == 0))
        *dst = 1;
    else if (s && (strcmp(s, "false") == 0 || strcmp(s, "no") == 0))
        *dst = 0;
    else
        return bad(x, v, key, "true or false");
    return 0;
}

/* A list of URLs, or one string of comma-separated URLs, joined with ','. */
static int get_endpoints(pctx *x, const bg_ynode *v, char **dst)
{
    if (v->kind == BG_Y_SCALAR)
        return get_str(x, v, "endpoints", dst);
    if (v->kind != BG_Y_SEQ || v->n == 0)
        return bad(x, v, "endpoints", "a list of URLs");
    size_t total = 0;
    for (size_t i = 0; i < v->n; i++) {
        const char *s = bg_ystr(v->kids[i]);
        if (!s || !*s || strchr(s, ','))
            return bad(x, v->kids[i], "endpoints", "a list of URLs");
        total += strlen(s) + 1;
    }
    char *out = malloc(total);
    if (!out)
        return bad(x, v, "endpoints", "smaller (out of memory)");
    out[0] = '\0';
    for (size_t i = 0; i < v->n; i++) {
        if (i)
            strcat(out, ",");
        strcat(out, bg_ystr(v->kids[i]));
    }
    free(*dst);
    *dst = out;
    return 0;
}

static void unknown_key(pctx *x, const bg_ynode *k, const char *where)
{
    const char *s = bg_ystr(k);
    bg_notes_add(&x->c->warnings, "%s:%u: unknown key '%s'%s%s, ignored", x->path, k->line, s ? s : "?",
                 where ? " in cluster " : "", where ? where : "");
}

static int parse_cluster(pctx *x, const char *name, const bg_ynode *m, bg_cfg_cluster *cl)
{
    memset(cl, 0, sizeof *cl);
    cl->insecure_transport = -1;
    cl->name = strdup(name);
    if (!cl->name)
        return bad(x, m, name, "smaller (out of memory)");
    if (m->kind != BG_Y_MAP)
        return bad(x, m, name, "a mapping of settings (endpoints, cacert, cert, key ...)");
    struct { const char *key; char **dst; } strs[] = {
        {"cacert", &cl->cacert}, {"cert", &cl->cert}, {"key", &cl->key},
        {"user", &cl->user}, {"password", &cl->password}, {"prefix", &cl->prefix},
    };
    for (size_t i = 0; i + 1 < m->n; i += 2) {
        const char *k = bg_ystr(m->kids[i]);
        const bg_ynode *v = m->kids[i + 1];
        int rc = 0;
        bool known = true;
        if (!k)
            known = false;
        else if (strcmp(k, "endpoints") == 0)
            rc = get_endpoints(x, v, &cl->endpoints);
        else if (strcmp(k, "dial-timeout") == 0)
            rc = get_duration(x, v, k, &cl->dial_timeout_ms);
        else if (strcmp(k, "command-timeout") == 0)
            rc = get_duration(x, v, k, &cl->command_timeout_ms);
        else if (strcmp(k, "insecure-transport") == 0)
            rc = get_bool(x, v, k, &cl->insecure_transport);
        else {
            known = false;
            for (size_t s = 0; s < sizeof strs / sizeof strs[0]; s++)
                if (strcmp(k, strs[s].key) == 0) {
                    rc = get_str(x, v, k, strs[s].dst);
                    known = true;
                }
        }
        if (rc != 0)
            return -1;
        if (!known)
            unknown_key(x, m->kids[i], name);
    }
    if (cl->password)
        x->c->has_password = true;
    return 0;
}

static int parse_clusters(pctx *x, const bg_ynode *m)
{
    if (m->kind != BG_Y_MAP)
        return bad(x, m, "clusters", "a mapping of names to clusters");
    for (size_t i = 0; i + 1 < m->n; i += 2) {
        const char *name = bg_ystr(m->kids[i]);
        if (!name || !*name || strchr(name, ','))
            return bad(x, m->kids[i], "clusters", "keyed by plain names");
        if (bg_config_find(x->c, name)) {
            snprintf(x->msg, x->msglen, "%s:%u: cluster '%s' is defined twice", x->path, m->kids[i]->line, name);
            return -1;
        }
        if (x->c->n_clusters == BG_CONFIG_MAX_CLUSTERS) {
            snprintf(x->msg, x->msglen, "%s:%u: more than %d clusters", x->path, m->kids[i]->line,
                     BG_CONFIG_MAX_CLUSTERS);
            return -1;
        }
        /* Counted first, so bg_config_free frees a half-parsed cluster. */
        bg_cfg_cluster *cl = &x->c->clusters[x->c->n_clusters++];
        if (parse_cluster(x, name, m->kids[i + 1], cl) != 0)
            return -1;
    }
    return 0;
}

int bg_config_parse(const char *path, const char *data, size_t len, bg_config *c, char *msg, size_t msglen)
{
    memset(c, 0, sizeof *c);
    c->path = strdup(path);
    pctx x = {path, msg, msglen, c};
    bg_ynode *root = NULL;
    char why[400];
    if (bg_yparse(data, len, &root, why, sizeof why) != 0) {
        snprintf(msg, msglen, "%s: malformed YAML: %s", path, why);
        return -1;
    }
    int rc = 0;
    if (!root) {
        /* An empty file configures nothing. */
    } else if (root->kind != BG_Y_MAP) {
        rc = bad(&x, root, "the file", "a mapping (default-cluster, clusters ...)");
    } else {
        for (size_t i = 0; i + 1 < root->n && rc == 0; i += 2) {
            const char *k = bg_ystr(root->kids[i]);
            const bg_ynode *v = root->kids[i + 1];
            if (k && strcmp(k, "clusters") == 0)
                rc = parse_clusters(&x, v);
            else if (k && strcmp(k, "default-cluster") == 0)
                rc = get_str(&x, v, k, &c->default_cluster);
            else if (k && strcmp(k, "audit-log") == 0)
                rc = get_str(&x, v, k, &c->audit_log);
            else if (k && strcmp(k, "audit-hmac-key") == 0)
                rc = get_str(&x, v, k, &c->audit_key);
            else
                unknown_key(&x, root->kids[i], NULL);
        }
    }
    if (rc == 0 && c->default_cluster && !bg_config_find(c, c->default_cluster)) {
        snprintf(msg, msglen, "%s: default-cluster '%s' is not under clusters", path, c->default_cluster);
        rc = -1;
    }
    bg_yfree(root);
    return rc;
}

/* A relative path in the file is relative to the file's directory (as in a
 * kubeconfig), never to wherever the operator happens to stand. */
static int anchor_path(const char *file, char **p)
{
    if (!*p || (*p)[0] == '/')
        return 0;
    const char *slash = strrchr(file, '/');
    char *out = NULL;
    if (asprintf(&out, "%.*s/%s", slash ? (int)(slash - file) : 1, slash ? file : ".", *p) < 0)
        return -1;
    free(*p);
    *p = out;
    return 0;
}

static int anchor_paths(bg_config *c, const char *file)
{
    int rc = anchor_path(file, &c->audit_log) | anchor_path(file, &c->audit_key);
    for (size_t i = 0; i < c->n_clusters; i++)
        rc |= anchor_path(file, &c->clusters[i].cacert) | anchor_path(file, &c->clusters[i].cert) |
              anchor_path(file, &c->clusters[i].key);
    return rc;
}

int bg_config_load(const char *path, bg_config *c, char *msg, size_t msglen)
{
    memset(c, 0, sizeof *c);
    char *data = NULL;
    size_t len = 0;
    bool enoent = false;
    if (bg_read_small_file(path, BG_Y_MAX_FILE, &data, &len, &enoent, msg, msglen) != 0)
        return enoent ? 1 : -1;
    int rc = bg_config_parse(path, data, len, c, msg, msglen);
    free(data);
    if (rc == 0 && anchor_paths(c, path) != 0) {
        snprintf(msg, msglen, "%s: out of memory", path);
        rc = -1;
    }
    struct stat st;
    if (rc == 0 && c->has_password && stat(path, &st) == 0 && (st.st_mode & (S_IRGRP | S_IROTH)))
        bg_notes_add(&c->warnings, "config file '%s' holds a password and other users can read it (mode %04o): "
                     "chmod 600 it", path, (unsigned)(st.st_mode & 07777));
    return rc;
}

const bg_cfg_cluster *bg_config_find(const bg_config *c, const char *name)
{
    for (size_t i = 0; i < c->n_clusters; i++)
        if (c->clusters[i].name && strcmp(c->clusters[i].name, name) == 0)
            return &c->clusters[i];
    return NULL;
}

void bg_config_free(bg_config *c)
{
    for (size_t i = 0; i < c->n_clusters; i++) {
        bg_cfg_cluster *cl = &c->clusters[i];
        free(cl->name);
        free(cl->endpoints);
        free(cl->cacert);
        free(cl->cert);
        free(cl->key);
        free(cl->user);
        free(cl->password);
        free(cl->prefix);
    }
    free(c->path);
    free(c->default_cluster);
    free(c->audit_log);
    free(c->audit_key);
    bg_notes_free(&c->warnings);
    memset(c, 0, sizeof *c);
}
