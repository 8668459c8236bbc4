/* Full decode of a Kubernetes value as stored in etcd: the envelope
 * (apiVersion, kind) and the whole ObjectMeta, for protobuf ("k8s\0") and
 * JSON values; provider and key name for values encrypted at rest; a
 * classification (text, binary, empty) for anything else.
 *
 * Protobuf is read with the bounded wire reader in pb.h (no generated
 * code); JSON with jansson. A damaged protobuf value fails with EC_E_CORRUPT
 * and a message that names the field, the message and the offset. */
#ifndef EC_K8S_DECODE_H
#define EC_K8S_DECODE_H

#include <stddef.h>
#include <stdint.h>
#include "etcdclient/error.h"
#include "etcdclient/k8s/encoding.h"
#include "etcdclient/k8s/encrypted.h"

/* A string owned by the object: s is never NULL and is NUL-terminated, but
 * may hold NUL bytes and invalid UTF-8 (it came from etcd), so use len and
 * escape before showing it. */
typedef struct ec_k8s_str {
    const char *s;
    size_t len;
} ec_k8s_str;

typedef struct ec_k8s_time {
    int present;            /* the field was in the value */
    int has_seconds;        /* seconds/nanos are known (JSON text may not parse) */
    int64_t seconds;
    int32_t nanos;
    ec_k8s_str text;        /* RFC 3339; JSON: as stored; protobuf: formatted ("" if out of range) */
} ec_k8s_time;

typedef struct ec_k8s_pair {
    ec_k8s_str key, value;
} ec_k8s_pair;

typedef struct ec_k8s_owner_ref {
    ec_k8s_str kind, name, uid, api_version;
    int controller;             /* -1 absent, 0, 1 */
    int block_owner_deletion;   /* -1 absent, 0, 1 */
} ec_k8s_owner_ref;

typedef struct ec_k8s_managed_fields {
    ec_k8s_str manager, operation, api_version, subresource, fields_type;
    ec_k8s_time time;
} ec_k8s_managed_fields;

typedef struct ec_k8s_meta {
    ec_k8s_str name, generate_name, ns, uid, resource_version, self_link;
    int has_generation;
    int64_t generation;
    ec_k8s_time creation, deletion;
    int has_grace_period;
    int64_t deletion_grace_period_seconds;
    size_t n_labels, n_annotations, n_owners, n_finalizers, n_managed;
    ec_k8s_pair *labels;
    ec_k8s_pair *annotations;
    ec_k8s_owner_ref *owners;
    ec_k8s_str *finalizers;
    ec_k8s_managed_fields *managed;
} ec_k8s_meta;

typedef struct ec_k8s_object {
    ec_k8s_encoding encoding;
    size_t value_len;
    ec_k8s_str api_version, kind;
    int has_meta;               /* an ObjectMeta / "metadata" object was found */
    ec_k8s_meta meta;
    /* Protobuf: runtime.Unknown contentEncoding and contentType (usually ""). */
    ec_k8s_str content_encoding, content_type;
    /* The object's bytes inside the caller's value (NOT owned, valid while
     * the value is): protobuf: runtime.Unknown.raw; json, text, binary: the
     * whole value; encrypted: the payload after the header. */
    const uint8_t *raw;
    size_t raw_len;
    /* Encrypted values: views into the caller's value, like raw. */
    ec_k8s_enc_info enc;
    /* Why a value starting like JSON was classified text/binary, else "". */
    ec_k8s_str note;
    struct ec_k8s_arena *arena;
} ec_k8s_object;

/* Decodes v[0..len). On success returns 0 and *out, which the caller frees
 * with ec_k8s_object_free. Returns -1 with EC_E_CORRUPT for a malformed
 * Kubernetes protobuf or encrypted value, EC_E_NOMEM when memory ran out;
 * *out is then NULL. Values that are not Kubernetes protobuf never fail:
 * they are classified json, text, binary or empty. */
int ec_k8s_decode(const uint8_t *v, size_t len, ec_k8s_object **out, ec_err *err);

void ec_k8s_object_free(ec_k8s_object *obj);

/* The writer by the same rule as ec_k8s_peek: index into meta.managed of
 * the newest entry (ties to the later), or -1 when there is none. */
long ec_k8s_object_writer(const ec_k8s_object *obj);

/* The controller ownerReference, else the first; -1 when there is none. */
long ec_k8s_object_owner(const ec_k8s_object *obj);

#endif
