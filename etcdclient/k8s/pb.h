/* A bounded reader of the protobuf wire format, enough to walk Kubernetes
 * objects without generated code. Every length is checked against the bytes
 * left before it is used; groups (wire types 3, 4) and the unassigned wire
 * types 6, 7 are rejected, as Kubernetes never writes them.
 * The hot functions are inline because the write-rate engine calls them for
 * every event. */
#ifndef EC_K8S_PB_H
#define EC_K8S_PB_H

#include <stddef.h>
#include <stdint.h>
#include "etcdclient/error.h"

enum {
    EC_K8S_WT_VARINT = 0,
    EC_K8S_WT_FIXED64 = 1,
    EC_K8S_WT_LEN = 2,
    EC_K8S_WT_FIXED32 = 5
};

typedef enum ec_k8s_pb_status {
    EC_K8S_PB_FIELD = 1,        /* one field read */
    EC_K8S_PB_END = 0,          /* no bytes left: the message ended cleanly */
    EC_K8S_PB_BAD_TAG = -1,     /* tag truncated, too long or over 32 bits */
    EC_K8S_PB_FIELD_ZERO = -2,  /* field number 0 */
    EC_K8S_PB_GROUP = -3,       /* wire type 3 or 4 */
    EC_K8S_PB_BAD_WIRETYPE = -4,/* wire type 6 or 7 */
    EC_K8S_PB_TRUNCATED = -5,   /* the field's value runs past the end */
    EC_K8S_PB_BAD_VARINT = -6   /* a varint longer than 10 bytes */
} ec_k8s_pb_status;

typedef struct ec_k8s_pb_reader {
    const uint8_t *p, *end;
} ec_k8s_pb_reader;

typedef struct ec_k8s_pb_field {
    uint32_t num;
    uint8_t wt;
    uint64_t u;             /* value of a varint, fixed64 or fixed32 */
    const uint8_t *data;    /* payload of a length-delimited field */
    size_t len;
    const uint8_t *at;      /* where the tag starts (for error offsets) */
} ec_k8s_pb_field;

static inline void ec_k8s_pb_init(ec_k8s_pb_reader *r, const uint8_t *p, size_t len)
{
    r->p = p;
    r->end = len ? p + len : p;   /* p may be NULL for an absent field */
}

/* Reads a varint at *pp; at most 10 bytes, as Go's decoder allows. */
static inline ec_k8s_pb_status ec_k8s_pb_varint(const uint8_t **pp, const uint8_t *end,
                                                uint64_t *out)
{
    const uint8_t *p = *pp;
    uint64_t v = 0;
    for (unsigned shift = 0; shift < 64; shift += 7) {
        if (p >= end)
            return EC_K8S_PB_TRUNCATED;
        uint8_t b = *p++;
        v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) {
            *pp = p;
            *out = v;
            return EC_K8S_PB_FIELD;
        }
    }
    return EC_K8S_PB_BAD_VARINT;
}

/* Reads the next field. Returns EC_K8S_PB_FIELD, EC_K8S_PB_END, or a
 * negative status; on error f->at, f->num and f->wt say where and what
 * (num is 0 when the tag itself could not be read). */
static inline ec_k8s_pb_status ec_k8s_pb_next(ec_k8s_pb_reader *r, ec_k8s_pb_field *f)
{
    if (r->p >= r->end)
        return EC_K8S_PB_END;
    f->at = r->p;
    f->num = 0;
    f->wt = 0;
    uint64_t tag;
    const uint8_t *p = r->p;
    if (ec_k8s_pb_varint(&p, r->end, &tag) != EC_K8S_PB_FIELD || tag > UINT32_MAX)
        return EC_K8S_PB_BAD_TAG;
    f->num = (uint32_t)(tag >> 3);
    f->wt = (uint8_t)(tag & 7);
    if (f->num == 0)
        return EC_K8S_PB_FIELD_ZERO;
    switch (f->wt) {
    case EC_K8S_WT_VARINT: {
        ec_k8s_pb_status s = ec_k8s_pb_varint(&p, r->end, &f->u);
        if (s != EC_K8S_PB_FIELD)
            return s;
        break;
    }
    case EC_K8S_WT_FIXED64:
        if (r->end - p < 8)
            return EC_K8S_PB_TRUNCATED;
        f->u = 0;
        for (int i = 7; i >= 0; i--)
            f->u = (f->u << 8) | p[i];
        p += 8;
        break;
    case EC_K8S_WT_FIXED32:
        if (r->end - p < 4)
            return EC_K8S_PB_TRUNCATED;
        f->u = (uint64_t)p[0] | (uint64_t)p[1] << 8 | (uint64_t)p[2] << 16 | (uint64_t)p[3] << 24;
        p += 4;
        break;
    case EC_K8S_WT_LEN: {
        uint64_t n;
        ec_k8s_pb_status s = ec_k8s_pb_varint(&p, r->end, &n);
        if (s != EC_K8S_PB_FIELD)
            return s;
        if (n > (uint64_t)(r->end - p))
            return EC_K8S_PB_TRUNCATED;
        f->data = p;
        f->len = (size_t)n;
        p += n;
        break;
    }
    case 3:
    case 4:
        return EC_K8S_PB_GROUP;
    default:
        return EC_K8S_PB_BAD_WIRETYPE;
    }
    r->p = p;
    return EC_K8S_PB_FIELD;
}

/* Name of a wire type for messages and the field tree: "varint", ... */
const char *ec_k8s_pb_wiretype_name(unsigned wt);

/* Fills err with EC_E_CORRUPT and a one-line message such as
 * "malformed Kubernetes protobuf value: field 13 of ObjectMeta runs past the
 * end (offset 812 of 901)"; base and total describe the whole value so the
 * offset is absolute. Returns -1. */
int ec_k8s_pb_fail(ec_err *err, ec_k8s_pb_status st, const ec_k8s_pb_field *f,
                   const char *msgname, const uint8_t *base, size_t total);

/* Same for a known field that arrived with the wrong wire type. */
int ec_k8s_pb_fail_wiretype(ec_err *err, const ec_k8s_pb_field *f, unsigned want,
                            const char *msgname, const uint8_t *base, size_t total);

#endif
