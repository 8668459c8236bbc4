/* Test-data generator: Kubernetes-like objects in the real protobuf envelope
 * the API server writes to etcd ("k8s\0" + runtime.Unknown holding the
 * object, whose field 1 is ObjectMeta). Only for tools and tests: it writes
 * the fields breakglass reads (name, namespace, uid, labels, ownerReferences,
 * managedFields) and pads the object to a chosen size. Field numbers are
 * those of k8s.io/apimachinery generated.proto (see shared/REFERENCE.md). */
#ifndef BG_FAKE_K8S_H
#define BG_FAKE_K8S_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "etcdclient/util/buf.h"

static inline void pb_varint(ec_buf *b, uint64_t v)
{
    uint8_t tmp[10];
    size_t n = 0;
    do {
        tmp[n] = (uint8_t)(v & 0x7f);
        v >>= 7;
        if (v)
            tmp[n] |= 0x80;
        n++;
    } while (v);
    ec_buf_append(b, tmp, n);
}

static inline void pb_tag(ec_buf *b, unsigned field, unsigned wire) { pb_varint(b, (uint64_t)field << 3 | wire); }

static inline void pb_bytes(ec_buf *b, unsigned field, const void *p, size_t n)
{
    pb_tag(b, field, 2);
    pb_varint(b, n);
    ec_buf_append(b, p, n);
}

static inline void pb_str(ec_buf *b, unsigned field, const char *s) { pb_bytes(b, field, s, strlen(s)); }

static inline void pb_uint(ec_buf *b, unsigned field, uint64_t v)
{
    pb_tag(b, field, 0);
    pb_varint(b, v);
}

/* Appends a nested message (its bytes are in m) as field. */
static inline void pb_msg(ec_buf *b, unsigned field, const ec_buf *m) { pb_bytes(b, field, m->data ? m->data : "", m->len); }

typedef struct fake_owner {
    const char *api_version, *kind, *name, *uid;
} fake_owner;

typedef struct fake_obj {
    const char *api_version, *kind, *name, *namespace_, *uid;
    const char *app_label;      /* labels: app=<app_label> */
    const fake_owner *owner;    /* controller ownerReference, or NULL */
    const char *manager;        /* managedFields[0].manager, or NULL */
    int64_t created;            /* creationTimestamp seconds */
    size_t pad;                 /* bytes of filler in spec */
    uint64_t generation;
} fake_obj;

/* Encodes obj into out (reset first). */
static inline void fake_k8s_encode(ec_buf *out, const fake_obj *o)
{
    ec_buf meta, tmp, obj, unk, tm;
    ec_buf_init(&meta, 0);
    ec_buf_init(&tmp, 0);
    ec_buf_init(&obj, 0);
    ec_buf_init(&unk, 0);
    ec_buf_init(&tm, 0);

    pb_str(&meta, 1, o->name);
    if (o->namespace_ && *o->namespace_)
        pb_str(&meta, 3, o->namespace_);
    pb_str(&meta, 5, o->uid);
    if (o->generation)
        pb_uint(&meta, 7, o->generation);
    ec_buf_reset(&tmp);
    pb_uint(&tmp, 1, (uint64_t)o->created);
    pb_msg(&meta, 8, &tmp);
    if (o->app_label) {
        ec_buf_reset(&tmp);
        pb_str(&tmp, 1, "app");
        pb_str(&tmp, 2, o->app_label);
        pb_msg(&meta, 11, &tmp);
    }
    if (o->owner) {
        ec_buf_reset(&tmp);
        pb_str(&tmp, 1, o->owner->kind);
        pb_str(&tmp, 3, o->owner->name);
        pb_str(&tmp, 4, o->owner->uid);
        pb_str(&tmp, 5, o->owner->api_version);
        pb_uint(&tmp, 6, 1);
        pb_uint(&tmp, 7, 1);
        pb_msg(&meta, 13, &tmp);
    }
    if (o->manager) {
        ec_buf ts;
        ec_buf_init(&ts, 0);
        pb_uint(&ts, 1, (uint64_t)o->created);
        ec_buf_reset(&tmp);
        pb_str(&tmp, 1, o->manager);
        pb_str(&tmp, 2, "Update");
        pb_str(&tmp, 3, o->api_version);
        pb_msg(&tmp, 4, &ts);
        pb_str(&tmp, 6, "FieldsV1");
        pb_msg(&meta, 17, &tmp);
        ec_buf_free(&ts);
    }
    pb_msg(&obj, 1, &meta);
    /* spec: one string field of filler, so values have a realistic size */
    ec_buf_reset(&tmp);
    if (o->pad) {
        char fill[64];
        memset(fill, 'x', sizeof fill);
        ec_buf f;
        ec_buf_init(&f, 0);
        for (size_t left = o->pad; left > 0;) {
            size_t n = left < sizeof fill ? left : sizeof fill;
            ec_buf_append(&f, fill, n);
            left -= n;
        }
        pb_bytes(&tmp, 1, f.data, f.len);
        ec_buf_free(&f);
    }
    pb_msg(&obj, 2, &tmp);

    pb_str(&tm, 1, o->api_version);
    pb_str(&tm, 2, o->kind);
    pb_msg(&unk, 1, &tm);
    pb_msg(&unk, 2, &obj);
    pb_str(&unk, 3, "");
    pb_str(&unk, 4, "");

    ec_buf_reset(out);
    ec_buf_append(out, "k8s\0", 4);
    ec_buf_append(out, unk.data, unk.len);
    ec_buf_free(&meta);
    ec_buf_free(&tmp);
    ec_buf_free(&obj);
    ec_buf_free(&unk);
    ec_buf_free(&tm);
}

/* A stable fake UID from a string. */
static inline void fake_uid(char out[37], const char *seed)
{
    uint64_t h1 = 1469598103934665603ULL, h2 = 1099511628211ULL;
    for (const char *p = seed; *p; p++) {
        h1 = (h1 ^ (uint8_t)*p) * 1099511628211ULL;
        h2 = (h2 ^ (uint8_t)*p) * 1469598103934665603ULL + 7;
    }
    snprintf(out, 37, "%08x-%04x-%04x-%04x-%012llx", (unsigned)(h1 >> 32), (unsigned)(h1 >> 16) & 0xffff,
             (unsigned)h1 & 0xffff, (unsigned)(h2 >> 48), (unsigned long long)(h2 & 0xffffffffffffULL));
}

#endif
