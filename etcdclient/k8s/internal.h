/* Functions shared between the files of etcdclient/k8s; not for callers
 * outside this directory. */
#ifndef EC_K8S_INTERNAL_H
#define EC_K8S_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>
#include "etcdclient/error.h"
#include "etcdclient/k8s/decode.h"
#include "etcdclient/k8s/peek.h"

/* How JSON values are parsed everywhere (decode and the JSON view). */
#define EC_K8S_JSON_LOAD_FLAGS (JSON_ALLOW_NUL | JSON_REJECT_DUPLICATES)

/* JSON half of ec_k8s_peek_value: returns 0 when v scanned as a JSON object
 * or array (out filled), -1 when it is not JSON after all. */
int ec_k8s_peek_json(const uint8_t *v, size_t len, ec_k8s_peek *out);

/* True when (has, s, n) is at least as new as (best_has, best_s, best_n):
 * the "newest managedFields entry, ties to the later one" rule. */
static inline int ec_k8s_newer_or_same(int has, int64_t s, int32_t n,
                                       int best_has, int64_t best_s, int32_t best_n)
{
    if (has != best_has)
        return has > best_has;
    if (!has)
        return 1;
    return s > best_s || (s == best_s && n >= best_n);
}

/* Object storage: everything an ec_k8s_object points to lives in one arena
 * freed with it. */
typedef struct ec_k8s_arena ec_k8s_arena;
ec_k8s_arena *ec_k8s_arena_new(void);
void ec_k8s_arena_free(ec_k8s_arena *a);
/* Zeroed, 8-byte aligned; NULL when memory ran out. */
void *ec_k8s_arena_alloc(ec_k8s_arena *a, size_t n);
/* A NUL-terminated copy of p[0..n); -1 when memory ran out. */
int ec_k8s_arena_str(ec_k8s_arena *a, const void *p, size_t n, ec_k8s_str *out);

/* Fill obj (encoding, arena and raw already set) from a protobuf value or a
 * parsed JSON value. */
int ec_k8s_decode_pb(const uint8_t *v, size_t len, ec_k8s_object *obj, ec_err *err);
int ec_k8s_decode_json(const uint8_t *v, size_t len, ec_k8s_object *obj, ec_err *err);

#endif
