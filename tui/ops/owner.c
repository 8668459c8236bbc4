#include "tui/ops/owner.h"

#include <ctype.h>
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "etcdclient/k8s/decode.h"
#include "etcdclient/k8s/keylayout.h"
#include "etcdclient/k8s/peek.h"
#include "etcdclient/util/escape.h"

/* Kinds an operator (or an ownerReference) names, and where the API server
 * stores them when that is not "lowercase kind + s": the legacy paths, and
 * the plurals that are not a plain 's'. The regular ones are listed too, so
 * a storage name given as a kind ("pods") maps to itself. */
static const struct {
    const char *kind, *storage;
} kinds[] = {
    {"pod", "pods"},
    {"daemonset", "daemonsets"},
    {"deployment", "deployments"},
    {"replicaset", "replicasets"},
    {"statefulset", "statefulsets"},
    {"job", "jobs"},
    {"cronjob", "cronjobs"},
    {"service", "services/specs"},
    {"endpoints", "services/endpoints"},
    {"configmap", "configmaps"},
    {"secret", "secrets"},
    {"serviceaccount", "serviceaccounts"},
    {"persistentvolumeclaim", "persistentvolumeclaims"},
    {"controllerrevision", "controllerrevisions"},
    {"endpointslice", "endpointslices"},
    {"lease", "leases"},
    {"namespace", "namespaces"},
    {"node", "minions"},
    {"replicationcontroller", "controllers"},
    {"ingress", "ingress"},
    {"networkpolicy", "networkpolicies"},
    {"podsecuritypolicy", "podsecuritypolicy"},
    {"priorityclass", "priorityclasses"},
    {"storageclass", "storageclasses"},
    {"ingressclass", "ingressclasses"},
    {"runtimeclass", "runtimeclasses"},
};

/* Namespaced built-in resources whose objects carry ownerReferences. */
static const char *const owned_resources[] = {
    "pods", "replicasets", "controllerrevisions", "jobs", "endpointslices", "services/endpoints",
    "services/specs", "configmaps", "secrets", "persistentvolumeclaims", "statefulsets", "deployments",
    "daemonsets", "cronjobs", "leases", "poddisruptionbudgets", "horizontalpodautoscalers",
    "serviceaccounts", "roles", "rolebindings", "networkpolicies", "ingress", "events",
};

int bg_owner_key(const char *k8s_prefix, const char *kind, const char *ns, const char *name, char *out,
                 size_t outn)
{
    if (outn)
        out[0] = '\0';
    char low[64];
    size_t kl = strlen(kind);
    if (kl == 0 || kl >= sizeof low || !name[0])
        return -1;
    for (size_t i = 0; i <= kl; i++)
        low[i] = (char)tolower((unsigned char)kind[i]);
    const char *storage = NULL;
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0] && !storage; k++)
        if (strcmp(kinds[k].kind, low) == 0 || strcmp(kinds[k].storage, low) == 0)
            storage = kinds[k].storage;
    const char *plural = storage ? "" : "s"; /* the regular English plural, as the API server does for most kinds */
    if (!storage)
        storage = low;
    size_t reg_len;
    const char *reg = ec_k8s_prefix(k8s_prefix, &reg_len);
    if (reg_len > INT_MAX)
        return -1;
    int w = ns && ns[0] ? snprintf(out, outn, "%.*s/%s%s/%s/%s", (int)reg_len, reg, storage, plural, ns, name)
                        : snprintf(out, outn, "%.*s/%s%s/%s", (int)reg_len, reg, storage, plural, name);
    if (w < 0 || (size_t)w >= outn) {
        if (outn)
            out[0] = '\0';
        return -1;
    }
    return w;
}

typedef struct candidate {
    size_t plan_idx;            /* index in the scratch plan holding the values */
    char uid[64];
    char (*owner_uids)[64];
    size_t n_owners;
    int taken;
} candidate;

static int decode_uid_owners(const bg_plan_kv *kv, candidate *cd)
{
    ec_k8s_object *o;
    ec_err e;
    memset(cd->uid, 0, sizeof cd->uid);
    cd->owner_uids = NULL;
    cd->n_owners = 0;
    if (ec_k8s_decode(kv->value, kv->value_len, &o, &e) != 0)
        return -1;
    if (o->has_meta) {
        snprintf(cd->uid, sizeof cd->uid, "%.*s", (int)o->meta.uid.len, o->meta.uid.s);
        if (o->meta.n_owners) {
            cd->owner_uids = calloc(o->meta.n_owners, sizeof *cd->owner_uids);
            for (size_t i = 0; cd->owner_uids && i < o->meta.n_owners; i++)
                snprintf(cd->owner_uids[cd->n_owners++], 64, "%.*s", (int)o->meta.owners[i].uid.len,
                         o->meta.owners[i].uid.s);
        }
    }
    ec_k8s_object_free(o);
    return 0;
}

int bg_owner_plan(ec_client *c, const char *spec, const char *k8s_prefix, bg_plan *p, uint64_t max_bytes,
                  ec_err *err)
{
    size_t reg_len;
    const char *reg = ec_k8s_prefix(k8s_prefix, &reg_len);
    if (reg_len > 160) /* the keys below are built in fixed buffers */
        return ec_fail(err, EC_E_INVALID, "Kubernetes key prefix '%.40s...' is too long (at most 160 bytes)", reg);
    char kind[64], ns[256] = "", name[256];
    const char *s1 = strchr(spec, '/');
    const char *s2 = s1 ? strchr(s1 + 1, '/') : NULL;
    if (!s1 || (size_t)(s1 - spec) >= sizeof kind || strlen(s1 + 1) >= sizeof name)
        return ec_fail(err, EC_E_INVALID, "owner '%s' is not KIND/NAMESPACE/NAME (or KIND/NAME)", spec);
    snprintf(kind, sizeof kind, "%.*s", (int)(s1 - spec), spec);
    if (s2) {
        snprintf(ns, sizeof ns, "%.*s", (int)(s2 - s1 - 1), s1 + 1);
        snprintf(name, sizeof name, "%s", s2 + 1);
    } else {
        snprintf(name, sizeof name, "%s", s1 + 1);
    }
    if (!name[0] || !kind[0])
        return ec_fail(err, EC_E_INVALID, "owner '%s' is not KIND/NAMESPACE/NAME (or KIND/NAME)", spec);
    char key[700];
    if (bg_owner_key(k8s_prefix, kind, ns, name, key, sizeof key) < 0) /* cannot happen: the sizes above fit */
        return ec_fail(err, EC_E_INVALID, "owner '%s' names no etcd key", spec);

    bg_plan_init(p, "delete-owner", (const uint8_t *)spec, strlen(spec));
    p->by_name = true;
    snprintf(p->confirm_name, sizeof p->confirm_name, "%s", name);
    ec_range_opts ko = {.key = (const uint8_t *)key, .key_len = strlen(key)};
    if (bg_plan_read_range(p, c, &ko, max_bytes, err) != 0)
        goto fail;
    if (p->n == 0) {
        ec_fail(err, EC_E_NOT_FOUND, "no %s '%s%s%s': key '%s' is absent at revision %" PRId64, kind, ns,
                ns[0] ? "/" : "", name, key, p->revision);
        goto fail;
    }
    candidate owner;
    if (decode_uid_owners(&p->kvs[0], &owner) != 0 || !owner.uid[0]) {
        free(owner.owner_uids);
        ec_fail(err, EC_E_CORRUPT, "cannot read the uid of '%s': not a Kubernetes object", key);
        goto fail;
    }
    free(owner.owner_uids);
    if (!ns[0])
        return 0; /* cluster-scoped owner: dependents are not searched (see docs) */

    /* Every object of the owned resources in the namespace, at the same
     * revision, decoded once; then dependents taken transitively by uid. */
    bg_plan scratch;
    bg_plan_init(&scratch, "scan", (const uint8_t *)"", 0);
    scratch.revision = p->revision;
    for (size_t r = 0; r < sizeof owned_resources / sizeof owned_resources[0]; r++) {
        char pre[600];
        snprintf(pre, sizeof pre, "%.*s/%s/%s/", (int)reg_len, reg, owned_resources[r], ns);
        ec_range_opts ro = {.key = (const uint8_t *)pre, .key_len = strlen(pre), .prefix = true};
        if (bg_plan_read_range(&scratch, c, &ro, max_bytes * 4, err) != 0) {
            bg_plan_free(&scratch);
            goto fail;
        }
    }
    candidate *cand = calloc(scratch.n + 1, sizeof *cand);
    if (!cand) {
        bg_plan_free(&scratch);
        ec_fail(err, EC_E_NOMEM, "out of memory");
        goto fail;
    }
    for (size_t i = 0; i < scratch.n; i++) {
        cand[i].plan_idx = i;
        decode_uid_owners(&scratch.kvs[i], &cand[i]);
    }
    char (*uids)[64] = calloc(scratch.n + 1, sizeof *uids);
    size_t n_uids = 0;
    int rc = 0;
    if (!uids) {
        rc = ec_fail(err, EC_E_NOMEM, "out of memory");
    } else {
        snprintf(uids[n_uids++], 64, "%s", owner.uid);
        for (int changed = 1; changed && rc == 0;) {
            changed = 0;
            for (size_t i = 0; i < scratch.n && rc == 0; i++) {
                if (cand[i].taken)
                    continue;
                for (size_t k = 0; k < cand[i].n_owners && !cand[i].taken; k++)
                    for (size_t u = 0; u < n_uids; u++)
                        if (strcmp(cand[i].owner_uids[k], uids[u]) == 0) {
                            cand[i].taken = 1;
                            break;
                        }
                if (!cand[i].taken)
                    continue;
                changed = 1;
                if (cand[i].uid[0])
                    snprintf(uids[n_uids++], 64, "%s", cand[i].uid);
                const bg_plan_kv *s = &scratch.kvs[i];
                ec_kv kv = {s->key, s->key_len, s->value, s->value_len, s->create_revision, s->mod_revision,
                            s->version, s->lease};
                rc = bg_plan_add(p, &kv, err);
                if (rc == 0 && p->bytes > max_bytes)
                    rc = ec_fail(err, EC_E_INVALID, "the owner and its dependents hold more than %llu MiB",
                                 (unsigned long long)(max_bytes >> 20));
            }
        }
    }
    for (size_t i = 0; i < scratch.n; i++)
        free(cand[i].owner_uids);
    free(cand);
    free(uids);
    bg_plan_free(&scratch);
    if (rc != 0)
        goto fail;
    bg_plan_sort_unique(p);
    return 0;
fail:
    bg_plan_free(p);
    return -1;
}

typedef struct segment {
    const uint8_t *s;
    size_t len;
} segment;

static int cmp_segment(const void *a, const void *b)
{
    const segment *x = a, *y = b;
    size_t m = x->len < y->len ? x->len : y->len;
    int c = m ? memcmp(x->s, y->s, m) : 0;
    return c ? c : (x->len > y->len) - (x->len < y->len);
}

/* The last segment (after the last '/') of every plan key that has one,
 * sorted: ten thousand pods of one DaemonSet would otherwise scan the plan
 * ten thousand times. Returns the count; *out is malloc'd, NULL when out
 * of memory. */
static size_t plan_names(const bg_plan *p, segment **out)
{
    segment *v = malloc((p->n ? p->n : 1) * sizeof *v);
    size_t n = 0;
    *out = v;
    if (!v)
        return 0;
    for (size_t i = 0; i < p->n; i++) {
        const uint8_t *k = p->kvs[i].key, *slash = NULL;
        for (size_t j = p->kvs[i].key_len; j > 0; j--)
            if (k[j - 1] == '/') {
                slash = k + j - 1;
                break;
            }
        if (slash)
            v[n++] = (segment){slash + 1, (size_t)(k + p->kvs[i].key_len - slash - 1)};
    }
    qsort(v, n, sizeof *v, cmp_segment);
    return n;
}

/* The same question without the index (out of memory). */
static int slow_inside(const bg_plan *p, const segment *name)
{
    if (memchr(name->s, '/', name->len))
        return 0;
    for (size_t j = 0; j < p->n; j++) {
        const uint8_t *k = p->kvs[j].key;
        size_t kl = p->kvs[j].key_len;
        if (kl > name->len && memcmp(k + kl - name->len, name->s, name->len) == 0 && k[kl - name->len - 1] == '/')
            return 1;
    }
    return 0;
}

/* "    KEY: finalizer, finalizer" for one of the first objects that have
 * finalizers: only these few are decoded whole. */
static void show_finalizers(ec_buf *fin, const bg_plan_kv *kv)
{
    ec_k8s_object *o;
    ec_err e;
    ec_buf_puts(fin, "    ");
    ec_escape_append(fin, kv->key, kv->key_len);
    ec_buf_puts(fin, ": ");
    if (ec_k8s_decode(kv->value, kv->value_len, &o, &e) != 0) {
        ec_buf_puts(fin, "(unreadable)\n");
        return;
    }
    for (size_t k = 0; k < o->meta.n_finalizers; k++) {
        if (k)
            ec_buf_puts(fin, ", ");
        ec_escape_append(fin, (const uint8_t *)o->meta.finalizers[k].s, o->meta.finalizers[k].len);
    }
    ec_buf_puts(fin, "\n");
    ec_k8s_object_free(o);
}

void bg_owner_describe(FILE *f, const bg_plan *p)
{
    segment *names = NULL;
    size_t n_names = 0;
    bool names_built = false;
    size_t objects = 0, with_finalizers = 0, controlled_outside = 0, undecodable = 0;
    struct { char kind[48]; size_t len, n; } tally[16];
    size_t n_tally = 0;
    ec_buf fin;
    ec_buf_init(&fin, 4096);
    ec_buf outside;
    ec_buf_init(&outside, 4096);
    for (size_t i = 0; i < p->n; i++) {
        /* The few fields this needs, read in place: a full decode of every
         * value cost more than the rest of the plan's display. */
        ec_k8s_peek pk;
        if (ec_k8s_peek_value(p->kvs[i].value, p->kvs[i].value_len, &pk, NULL) != 0) {
            undecodable++;
            continue;
        }
        if (!pk.has_meta || !pk.kind.len)
            continue;
        objects++;
        size_t t;
        for (t = 0; t < n_tally; t++)
            if (tally[t].len == pk.kind.len && memcmp(tally[t].kind, pk.kind.p, pk.kind.len) == 0)
                break;
        if (t == n_tally && n_tally < 16 && pk.kind.len <= sizeof tally[t].kind) {
            memcpy(tally[t].kind, pk.kind.p, pk.kind.len);
            tally[t].len = pk.kind.len;
            tally[t].n = 0;
            n_tally++;
        }
        if (t < n_tally)
            tally[t].n++;
        if (pk.finalizer_count && with_finalizers++ < 5)
            show_finalizers(&fin, &p->kvs[i]);
        if (pk.owner_is_controller) {
            /* Is the controller itself in the plan? Its name is the last
             * segment of one of the plan's keys. */
            if (!names_built) {
                names_built = true;
                n_names = plan_names(p, &names);
            }
            segment want = {pk.owner_name.p, pk.owner_name.len};
            int inside = names ? bsearch(&want, names, n_names, sizeof *names, cmp_segment) != NULL
                               : slow_inside(p, &want);
            if (!inside && controlled_outside++ == 0) {
                ec_escape_append(&outside, pk.owner_kind.p, pk.owner_kind.len);
                ec_buf_puts(&outside, " ");
                ec_escape_append(&outside, want.s, want.len);
            }
        }
    }
    free(names);
    if (objects == 0) {
        ec_buf_free(&fin);
        ec_buf_free(&outside);
        return;
    }
    ec_buf kinds_text;
    ec_buf_init(&kinds_text, 4096);
    for (size_t t = 0; t < n_tally; t++) {
        ec_buf_printf(&kinds_text, "%s%zu ", t ? ", " : "", tally[t].n);
        ec_escape_append(&kinds_text, (const uint8_t *)tally[t].kind, tally[t].len);
    }
    fprintf(f, "  Kubernetes objects: %zu (%s)\n", objects, kinds_text.data ? kinds_text.data : "");
    ec_buf_free(&kinds_text);
    if (with_finalizers) {
        fprintf(f, "  %zu with finalizers, which removal from etcd does NOT run:\n%s", with_finalizers,
                fin.data ? fin.data : "");
        if (with_finalizers > 5)
            fprintf(f, "    ... and %zu more\n", with_finalizers - 5);
    } else {
        fprintf(f, "  no finalizers\n");
    }
    if (controlled_outside)
        fprintf(f, "  %zu controlled by objects not in this plan (e.g. %s): their controller may recreate them; "
                   "remove the owner with --owner to stop that\n",
                controlled_outside, outside.data ? outside.data : "?");
    if (undecodable)
        fprintf(f, "  %zu values are not readable Kubernetes objects\n", undecodable);
    ec_buf_free(&fin);
    ec_buf_free(&outside);
}
