#include "etcdclient/k8s/keylayout.h"

#include <string.h>

/* Built-in resources by the name they are stored under. The API server
 * keys built-in groups by resource alone; only apiextensions and
 * apiregistration (and custom resources) put the group in the path.
 * Legacy names come from kube-apiserver's SpecialDefaultResourcePrefixes. */
typedef struct res_entry {
    const char *group;
    const char *storage;
    unsigned char storage_len;
    const char *resource;   /* API name when it differs from storage, else NULL */
    ec_k8s_scope scope;
    unsigned char legacy;
} res_entry;

#define S(lit) lit, sizeof lit - 1
#define NS EC_K8S_SCOPE_NAMESPACED
#define CL EC_K8S_SCOPE_CLUSTER

static const res_entry resources[] = {
    /* core */
    {"", S("configmaps"), NULL, NS, 0},
    {"", S("events"), NULL, NS, 0},
    {"", S("limitranges"), NULL, NS, 0},
    {"", S("persistentvolumeclaims"), NULL, NS, 0},
    {"", S("pods"), NULL, NS, 0},
    {"", S("podtemplates"), NULL, NS, 0},
    {"", S("controllers"), "replicationcontrollers", NS, 1},
    {"", S("resourcequotas"), NULL, NS, 0},
    {"", S("secrets"), NULL, NS, 0},
    {"", S("serviceaccounts"), NULL, NS, 0},
    {"", S("services/specs"), "services", NS, 1},
    {"", S("services/endpoints"), "endpoints", NS, 1},
    {"", S("namespaces"), NULL, CL, 0},
    {"", S("minions"), "nodes", CL, 1},
    {"", S("nodes"), NULL, CL, 0},
    {"", S("persistentvolumes"), NULL, CL, 0},
    {"", S("masterleases"), NULL, CL, 1},
    {"", S("ranges"), NULL, CL, 1},          /* ranges/serviceips, ranges/servicenodeports */
    /* apps, autoscaling, batch */
    {"", S("controllerrevisions"), NULL, NS, 0},
    {"", S("daemonsets"), NULL, NS, 0},
    {"", S("deployments"), NULL, NS, 0},
    {"", S("replicasets"), NULL, NS, 0},
    {"", S("statefulsets"), NULL, NS, 0},
    {"", S("horizontalpodautoscalers"), NULL, NS, 0},
    {"", S("jobs"), NULL, NS, 0},
    {"", S("cronjobs"), NULL, NS, 0},
    /* certificates, coordination, discovery */
    {"", S("certificatesigningrequests"), NULL, CL, 0},
    {"", S("clustertrustbundles"), NULL, CL, 0},
    {"", S("leases"), NULL, NS, 0},
    {"", S("leasecandidates"), NULL, NS, 0},
    {"", S("endpointslices"), NULL, NS, 0},
    /* flowcontrol */
    {"", S("flowschemas"), NULL, CL, 0},
    {"", S("prioritylevelconfigurations"), NULL, CL, 0},
    /* networking */
    {"", S("ingress"), "ingresses", NS, 1},
    {"", S("ingresses"), NULL, NS, 0},
    {"", S("ingressclasses"), NULL, CL, 0},
    {"", S("networkpolicies"), NULL, NS, 0},
    {"", S("ipaddresses"), NULL, CL, 0},
    {"", S("servicecidrs"), NULL, CL, 0},
    /* node, policy, scheduling */
    {"", S("runtimeclasses"), NULL, CL, 0},
    {"", S("poddisruptionbudgets"), NULL, NS, 0},
    {"", S("podsecuritypolicy"), "podsecuritypolicies", CL, 1},
    {"", S("priorityclasses"), NULL, CL, 0},
    /* rbac */
    {"", S("clusterroles"), NULL, CL, 0},
    {"", S("clusterrolebindings"), NULL, CL, 0},
    {"", S("roles"), NULL, NS, 0},
    {"", S("rolebindings"), NULL, NS, 0},
    /* storage */
    {"", S("storageclasses"), NULL, CL, 0},
    {"", S("csidrivers"), NULL, CL, 0},
    {"", S("csinodes"), NULL, CL, 0},
    {"", S("volumeattachments"), NULL, CL, 0},
    {"", S("volumeattributesclasses"), NULL, CL, 0},
    {"", S("csistoragecapacities"), NULL, NS, 0},
    /* admissionregistration */
    {"", S("mutatingwebhookconfigurations"), NULL, CL, 0},
    {"", S("validatingwebhookconfigurations"), NULL, CL, 0},
    {"", S("validatingadmissionpolicies"), NULL, CL, 0},
    {"", S("validatingadmissionpolicybindings"), NULL, CL, 0},
    {"", S("mutatingadmissionpolicies"), NULL, CL, 0},
    {"", S("mutatingadmissionpolicybindings"), NULL, CL, 0},
    /* resource (dynamic resource allocation) */
    {"", S("resourceclaims"), NULL, NS, 0},
    {"", S("resourceclaimtemplates"), NULL, NS, 0},
    {"", S("podschedulingcontexts"), NULL, NS, 0},
    {"", S("deviceclasses"), NULL, CL, 0},
    {"", S("resourceslices"), NULL, CL, 0},
    {"", S("devicetaintrules"), NULL, CL, 0},
    /* apiserver internals */
    {"", S("storageversions"), NULL, CL, 0},
    {"", S("storageversionmigrations"), NULL, CL, 0},
    /* the two built-in groups stored with their group in the path */
    {"apiextensions.k8s.io", S("customresourcedefinitions"), NULL, CL, 0},
    {"apiregistration.k8s.io", S("apiservices"), NULL, CL, 0},
};

static const res_entry *lookup(ec_k8s_view group, ec_k8s_view storage)
{
    if (storage.len == 0)
        return NULL;
    for (size_t i = 0; i < sizeof resources / sizeof resources[0]; i++) {
        const res_entry *e = &resources[i];
        /* Length and first byte first: most entries fail there cheaply. */
        if (e->storage_len != storage.len || e->storage[0] != (char)storage.p[0])
            continue;
        if (memcmp(storage.p, e->storage, storage.len) == 0 && ec_k8s_view_eq(group, e->group))
            return e;
    }
    return NULL;
}

ec_k8s_scope ec_k8s_resource_scope(ec_k8s_view group, ec_k8s_view storage)
{
    const res_entry *e = lookup(group, storage);
    return e ? e->scope : EC_K8S_SCOPE_UNKNOWN;
}

/* Length of the segment at p (up to '/' or end). */
static size_t seg_len(const uint8_t *p, const uint8_t *end)
{
    const uint8_t *s = memchr(p, '/', (size_t)(end - p));
    return s ? (size_t)(s - p) : (size_t)(end - p);
}

static void parse_rest(const uint8_t *p, const uint8_t *end, ec_k8s_key *out)
{
    if (p >= end) {
        out->flags |= EC_K8S_KEY_PARTIAL;
        return;
    }
    size_t a = seg_len(p, end);
    int slash = p + a < end;
    if (out->scope == EC_K8S_SCOPE_UNKNOWN) {
        out->scope = slash ? EC_K8S_SCOPE_NAMESPACED : EC_K8S_SCOPE_CLUSTER;
        out->flags |= EC_K8S_KEY_SCOPE_GUESSED;
    }
    if (out->scope == EC_K8S_SCOPE_CLUSTER) {
        out->name = ec_k8s_view_make(p, (size_t)(end - p));
        if (slash)
            out->flags |= EC_K8S_KEY_ODD;
        return;
    }
    out->ns = ec_k8s_view_make(p, a);
    if (a == 0)
        out->flags |= EC_K8S_KEY_ODD;
    if (!slash) {
        out->flags |= EC_K8S_KEY_PARTIAL;
        return;
    }
    const uint8_t *n = p + a + 1;
    out->name = ec_k8s_view_make(n, (size_t)(end - n));
    if (out->name.len == 0)
        out->flags |= EC_K8S_KEY_PARTIAL;
    else if (memchr(n, '/', out->name.len))
        out->flags |= EC_K8S_KEY_ODD;
}

const char *ec_k8s_prefix(const char *prefix, size_t *len)
{
    if (!prefix)
        prefix = EC_K8S_DEFAULT_PREFIX;
    size_t n = strlen(prefix);
    while (n > 0 && prefix[n - 1] == '/')
        n--;
    *len = n;
    return prefix;
}

int ec_k8s_key_parse(const uint8_t *key, size_t len, const char *prefix, ec_k8s_key *out)
{
    memset(out, 0, sizeof *out);
    size_t plen;
    prefix = ec_k8s_prefix(prefix, &plen);
    if (len < plen + 2 || memcmp(key, prefix, plen) != 0 || key[plen] != '/')
        return -1;
    const uint8_t *p = key + plen + 1, *end = key + len;
    size_t n0 = seg_len(p, end);
    if (n0 == 0)
        return -1;
    ec_k8s_view seg0 = ec_k8s_view_make(p, n0);
    int more = p + n0 < end;
    const uint8_t *next = more ? p + n0 + 1 : end;   /* segment after seg0 */
    ec_k8s_view empty = {NULL, 0};

    if (memchr(seg0.p, '.', seg0.len)) {
        /* <group>/<resource>/...: CRDs, custom resources, aggregated APIs */
        out->group = seg0;
        if (next >= end) {
            out->storage = seg0;
            out->flags |= EC_K8S_KEY_PARTIAL;
            return 0;
        }
        size_t n1 = seg_len(next, end);
        out->resource = ec_k8s_view_make(next, n1);
        out->storage = ec_k8s_view_make(p, n0 + 1 + n1);
        const res_entry *e = n1 ? lookup(seg0, out->resource) : NULL;
        if (e) {
            out->scope = e->scope;
            out->flags |= EC_K8S_KEY_KNOWN;
        }
        if (n1 == 0) {
            out->flags |= EC_K8S_KEY_PARTIAL | EC_K8S_KEY_ODD;
            return 0;
        }
        const uint8_t *r = next + n1;
        parse_rest(r < end ? r + 1 : end, end, out);
        return 0;
    }

    ec_k8s_view storage = seg0;
    const uint8_t *r = p + n0;
    if (ec_k8s_view_eq(seg0, "services") && next < end) {
        size_t n1 = seg_len(next, end);
        ec_k8s_view seg1 = ec_k8s_view_make(next, n1);
        if (ec_k8s_view_eq(seg1, "specs") || ec_k8s_view_eq(seg1, "endpoints")) {
            storage = ec_k8s_view_make(p, n0 + 1 + n1);
            r = next + n1;
        }
    }
    out->storage = storage;
    const res_entry *e = lookup(empty, storage);
    if (e) {
        out->flags |= EC_K8S_KEY_KNOWN | (e->legacy ? EC_K8S_KEY_LEGACY : 0);
        out->scope = e->scope;
        out->resource = e->resource ? ec_k8s_view_make(e->resource, strlen(e->resource)) : storage;
    } else {
        out->resource = storage;
    }
    parse_rest(r < end ? r + 1 : end, end, out);
    return 0;
}
