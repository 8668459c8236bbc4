/* The few fields the write-rate engine groups writes by, read from a value
 * without allocating: every field is a view into the value (which must stay
 * alive while the result is used). For protobuf values this walks only the
 * envelope, ObjectMeta, its ownerReferences and its managedFields (and
 * counts its finalizers).
 *
 * JSON values are scanned by a small non-validating scanner (no jansson, no
 * allocation) that stops once apiVersion, kind and metadata have been read,
 * so spec and status of a large custom resource are never looked at. Its
 * string views are the raw JSON text between the quotes: when a string
 * holds backslash escapes, has_escapes is set and the view is still escaped
 * (good as a grouping identity, not for display). Being lenient, it may
 * call "json" a value the full decode rejects (and shows as text). */
#ifndef EC_K8S_PEEK_H
#define EC_K8S_PEEK_H

#include <stddef.h>
#include <stdint.h>
#include "etcdclient/error.h"
#include "etcdclient/k8s/encoding.h"
#include "etcdclient/k8s/view.h"

typedef struct ec_k8s_peek {
    ec_k8s_encoding encoding;
    ec_k8s_view api_version, kind;
    ec_k8s_view name, ns, uid;
    int has_meta;           /* an ObjectMeta / "metadata" object was found */
    uint32_t finalizer_count;
    /* The controller ownerReference, or the first one when none is. */
    ec_k8s_view owner_kind, owner_name, owner_uid, owner_api_version;
    int owner_is_controller;
    uint32_t owner_count;
    /* The writer: manager of the newest managedFields entry (by its time;
     * entries without a time are older than any with one; ties go to the
     * last in the list). */
    ec_k8s_view manager;
    int manager_has_time;
    int64_t manager_seconds;
    int32_t manager_nanos;
    uint32_t managed_count;
    /* Encrypted values only. */
    ec_k8s_view provider, key_name;
    int has_escapes;        /* JSON only: some views hold raw escapes */
} ec_k8s_peek;

/* Fills *out (zeroed first). Returns 0; or -1 for a value that carries the
 * Kubernetes protobuf or encryption magic but is malformed (err, when not
 * NULL, gets EC_E_CORRUPT and where; out keeps what was read before the
 * damage). Values that are not Kubernetes protobuf never fail: they are
 * classified json, text, binary or empty. */
int ec_k8s_peek_value(const uint8_t *v, size_t len, ec_k8s_peek *out, ec_err *err);

#endif
