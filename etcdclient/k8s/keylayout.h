/* Where a Kubernetes object lives in etcd, read from its key alone:
 *   <prefix>/<resource>/<namespace>/<name>        namespaced
 *   <prefix>/<resource>/<name>                    cluster-scoped
 *   <prefix>/<group>/<resource>/[<namespace>/]<name>
 *                                   CRDs, custom resources, aggregated APIs
 * plus the legacy storage names the API server still uses ("minions" for
 * nodes, "services/specs", "services/endpoints", "controllers", "ingress",
 * "masterleases", "ranges/serviceips" ...).
 * No allocation: every field is a view into the key, or into a static
 * string when the API name differs from the stored one ("minions" gives
 * resource "nodes"). */
#ifndef EC_K8S_KEYLAYOUT_H
#define EC_K8S_KEYLAYOUT_H

#include <stddef.h>
#include <stdint.h>
#include "etcdclient/k8s/view.h"

#define EC_K8S_DEFAULT_PREFIX "/registry"

typedef enum ec_k8s_scope {
    EC_K8S_SCOPE_UNKNOWN = 0,
    EC_K8S_SCOPE_NAMESPACED,
    EC_K8S_SCOPE_CLUSTER
} ec_k8s_scope;

enum {
    EC_K8S_KEY_KNOWN = 1 << 0,        /* resource is in the built-in table */
    EC_K8S_KEY_LEGACY = 1 << 1,       /* stored under a legacy name */
    EC_K8S_KEY_PARTIAL = 1 << 2,      /* no object name: a key prefix, not an object */
    EC_K8S_KEY_SCOPE_GUESSED = 1 << 3,/* unknown resource: scope inferred from the segment count */
    EC_K8S_KEY_ODD = 1 << 4           /* empty or surplus segments: name holds the rest */
};

typedef struct ec_k8s_key {
    ec_k8s_view group;     /* "" for core and built-in groups; "apiextensions.k8s.io", "example.com" */
    ec_k8s_view resource;  /* API resource: "pods", "nodes" (for "minions"), "endpoints" ... */
    ec_k8s_view storage;   /* path as stored after the prefix: "minions", "services/specs", "example.com/widgets" */
    ec_k8s_view ns;        /* empty for cluster-scoped objects */
    ec_k8s_view name;
    ec_k8s_scope scope;
    unsigned flags;        /* EC_K8S_KEY_* */
} ec_k8s_key;

/* The API server's key prefix as every reader here takes it: NULL means
 * EC_K8S_DEFAULT_PREFIX, trailing '/' are dropped, and "" (or "/") is the
 * root, so keys are "<prefix>/<resource>/...". Returns the string; its first
 * *len bytes are the prefix. */
const char *ec_k8s_prefix(const char *prefix, size_t *len);

/* Parses key[0..len) under prefix (NULL means EC_K8S_DEFAULT_PREFIX; a
 * trailing '/' is ignored; "" means keys start with "/<resource>").
 * Returns 0 and fills *out, or -1 when the key is not under the prefix or
 * nothing follows the prefix (out is then zeroed). A key that stops early
 * ("/registry/pods/default") parses with EC_K8S_KEY_PARTIAL set. */
int ec_k8s_key_parse(const uint8_t *key, size_t len, const char *prefix, ec_k8s_key *out);

/* The built-in scope of a resource as stored (group "" for core and the
 * non-prefixed built-in groups), or EC_K8S_SCOPE_UNKNOWN. */
ec_k8s_scope ec_k8s_resource_scope(ec_k8s_view group, ec_k8s_view storage);

#endif
