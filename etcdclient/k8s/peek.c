/* The fast path: the same walk as decode_pb.c over the fields the
 * write-rate engine needs, with views instead of copies. It checks the wire
 * types of the fields it reads exactly as the full decode does, so a value
 * that decodes always peeks to the same fields. */
#include "etcdclient/k8s/peek.h"

#include <string.h>
#include "etcdclient/k8s/encrypted.h"
#include "etcdclient/k8s/internal.h"
#include "etcdclient/k8s/pb.h"
#include "etcdclient/k8s/rfc3339.h"

typedef struct pctx {
    const uint8_t *base;
    size_t total;
    ec_err *err;
} pctx;

static int bad(pctx *c, ec_k8s_pb_status st, const ec_k8s_pb_field *f, const char *msg)
{
    return ec_k8s_pb_fail(c->err, st, f, msg, c->base, c->total);
}

/* Reads a field of the expected wire type; any other is an error. */
static int want(pctx *c, const ec_k8s_pb_field *f, unsigned wt, const char *msg)
{
    if (f->wt == wt)
        return 0;
    return ec_k8s_pb_fail_wiretype(c->err, f, wt, msg, c->base, c->total);
}

static int view(pctx *c, const ec_k8s_pb_field *f, const char *msg, ec_k8s_view *out)
{
    if (want(c, f, EC_K8S_WT_LEN, msg) != 0)
        return -1;
    out->p = f->data;
    out->len = f->len;
    return 0;
}

static int peek_time(pctx *c, const uint8_t *p, size_t n, int64_t *sec, int32_t *nanos)
{
    ec_k8s_pb_reader r;
    ec_k8s_pb_field f;
    ec_k8s_pb_status st;
    *sec = 0;
    *nanos = 0;
    ec_k8s_pb_init(&r, p, n);
    while ((st = ec_k8s_pb_next(&r, &f)) == EC_K8S_PB_FIELD) {
        if (f.num == 1 || f.num == 2) {
            if (want(c, &f, EC_K8S_WT_VARINT, "Time") != 0)
                return -1;
            if (f.num == 1)
                *sec = (int64_t)f.u;
            else
                *nanos = (int32_t)(uint32_t)f.u;
        }
    }
    return st == EC_K8S_PB_END ? 0 : bad(c, st, &f, "Time");
}

static int peek_owner(pctx *c, const uint8_t *p, size_t n, ec_k8s_peek *out)
{
    static const char M[] = "OwnerReference";
    ec_k8s_pb_reader r;
    ec_k8s_pb_field f;
    ec_k8s_pb_status st;
    ec_k8s_view kind = {0}, name = {0}, uid = {0}, apiv = {0};
    int controller = 0;
    ec_k8s_pb_init(&r, p, n);
    while ((st = ec_k8s_pb_next(&r, &f)) == EC_K8S_PB_FIELD) {
        int rc = 0;
        switch (f.num) {
        case 1: rc = view(c, &f, M, &kind); break;
        case 3: rc = view(c, &f, M, &name); break;
        case 4: rc = view(c, &f, M, &uid); break;
        case 5: rc = view(c, &f, M, &apiv); break;
        case 6:
            rc = want(c, &f, EC_K8S_WT_VARINT, M);
            controller = f.u != 0;
            break;
        case 7: rc = want(c, &f, EC_K8S_WT_VARINT, M); break;
        default: break;
        }
        if (rc != 0)
            return -1;
    }
    if (st != EC_K8S_PB_END)
        return bad(c, st, &f, M);
    /* The first controller wins; without one, the first reference. */
    if (out->owner_count == 0 || (controller && !out->owner_is_controller)) {
        out->owner_kind = kind;
        out->owner_name = name;
        out->owner_uid = uid;
        out->owner_api_version = apiv;
        out->owner_is_controller = controller;
    }
    out->owner_count++;
    return 0;
}

static int peek_managed(pctx *c, const uint8_t *p, size_t n, ec_k8s_peek *out)
{
    static const char M[] = "ManagedFieldsEntry";
    ec_k8s_pb_reader r;
    ec_k8s_pb_field f;
    ec_k8s_pb_status st;
    ec_k8s_view manager = {0};
    int has = 0;
    int64_t sec = 0;
    int32_t nanos = 0;
    ec_k8s_pb_init(&r, p, n);
    while ((st = ec_k8s_pb_next(&r, &f)) == EC_K8S_PB_FIELD) {
        int rc = 0;
        if (f.num == 1) {
            rc = view(c, &f, M, &manager);
        } else if (f.num == 4) {
            rc = want(c, &f, EC_K8S_WT_LEN, M);
            if (rc == 0)
                rc = peek_time(c, f.data, f.len, &sec, &nanos);
            has = !(sec == EC_K8S_GO_ZERO_TIME && nanos == 0);   /* Go's zero time: unset */
            if (!has)
                sec = 0;
        } else if (f.num == 7) {
            rc = want(c, &f, EC_K8S_WT_LEN, M);
        } else if (f.num == 2 || f.num == 3 || f.num == 6 || f.num == 8) {
            rc = want(c, &f, EC_K8S_WT_LEN, M);
        }
        if (rc != 0)
            return -1;
    }
    if (st != EC_K8S_PB_END)
        return bad(c, st, &f, M);
    if (out->managed_count == 0 ||
        ec_k8s_newer_or_same(has, sec, nanos, out->manager_has_time, out->manager_seconds, out->manager_nanos)) {
        out->manager = manager;
        out->manager_has_time = has;
        out->manager_seconds = sec;
        out->manager_nanos = nanos;
    }
    out->managed_count++;
    return 0;
}

static int peek_meta(pctx *c, const uint8_t *p, size_t n, ec_k8s_peek *out)
{
    static const char M[] = "ObjectMeta";
    ec_k8s_pb_reader r;
    ec_k8s_pb_field f;
    ec_k8s_pb_status st;
    /* A repeated ObjectMeta replaces the earlier one. */
    memset(&out->name, 0, sizeof out->name);
    out->ns = out->uid = out->name;
    out->owner_kind = out->owner_name = out->owner_uid = out->owner_api_version = out->name;
    out->owner_is_controller = 0;
    out->owner_count = out->managed_count = out->finalizer_count = 0;
    out->has_meta = 1;
    out->manager = out->name;
    out->manager_has_time = 0;
    out->manager_seconds = 0;
    out->manager_nanos = 0;
    ec_k8s_pb_init(&r, p, n);
    while ((st = ec_k8s_pb_next(&r, &f)) == EC_K8S_PB_FIELD) {
        int rc = 0;
        switch (f.num) {
        case 1: rc = view(c, &f, M, &out->name); break;
        case 3: rc = view(c, &f, M, &out->ns); break;
        case 5: rc = view(c, &f, M, &out->uid); break;
        case 14:
            rc = want(c, &f, EC_K8S_WT_LEN, M);
            out->finalizer_count += rc == 0;
            break;
        case 13:
            rc = want(c, &f, EC_K8S_WT_LEN, M);
            if (rc == 0)
                rc = peek_owner(c, f.data, f.len, out);
            break;
        case 17:
            rc = want(c, &f, EC_K8S_WT_LEN, M);
            if (rc == 0)
                rc = peek_managed(c, f.data, f.len, out);
            break;
        default: break;
        }
        if (rc != 0)
            return -1;
    }
    return st == EC_K8S_PB_END ? 0 : bad(c, st, &f, M);
}

static int peek_pb(const uint8_t *v, size_t len, ec_k8s_peek *out, ec_err *err)
{
    pctx c = {v, len, err};
    ec_k8s_pb_reader r, t;
    ec_k8s_pb_field f, g;
    ec_k8s_pb_status st;
    const uint8_t *raw = NULL;
    size_t raw_len = 0;

    ec_k8s_pb_init(&r, v + EC_K8S_PROTOBUF_MAGIC_LEN, len - EC_K8S_PROTOBUF_MAGIC_LEN);
    while ((st = ec_k8s_pb_next(&r, &f)) == EC_K8S_PB_FIELD) {
        if (f.num == 1) {
            if (want(&c, &f, EC_K8S_WT_LEN, "runtime.Unknown") != 0)
                return -1;
            memset(&out->api_version, 0, sizeof out->api_version);
            out->kind = out->api_version;
            ec_k8s_pb_init(&t, f.data, f.len);
            while ((st = ec_k8s_pb_next(&t, &g)) == EC_K8S_PB_FIELD) {
                if (g.num == 1 && view(&c, &g, "TypeMeta", &out->api_version) != 0)
                    return -1;
                if (g.num == 2 && view(&c, &g, "TypeMeta", &out->kind) != 0)
                    return -1;
            }
            if (st != EC_K8S_PB_END)
                return bad(&c, st, &g, "TypeMeta");
        } else if (f.num == 2) {
            if (want(&c, &f, EC_K8S_WT_LEN, "runtime.Unknown") != 0)
                return -1;
            raw = f.data;
            raw_len = f.len;
        }
    }
    if (st != EC_K8S_PB_END)
        return bad(&c, st, &f, "runtime.Unknown");
    if (!raw)
        return 0;
    ec_k8s_pb_init(&r, raw, raw_len);
    while ((st = ec_k8s_pb_next(&r, &f)) == EC_K8S_PB_FIELD) {
        if (f.num != 1)
            continue;
        if (want(&c, &f, EC_K8S_WT_LEN, "the object") != 0 || peek_meta(&c, f.data, f.len, out) != 0)
            return -1;
    }
    return st == EC_K8S_PB_END ? 0 : bad(&c, st, &f, "the object");
}

int ec_k8s_peek_value(const uint8_t *v, size_t len, ec_k8s_peek *out, ec_err *err)
{
    memset(out, 0, sizeof *out);
    if (len == 0) {
        out->encoding = EC_K8S_ENC_EMPTY;
        return 0;
    }
    if (ec_k8s_has_protobuf_magic(v, len)) {
        out->encoding = EC_K8S_ENC_PROTOBUF;
        return peek_pb(v, len, out, err);
    }
    if (ec_k8s_has_encrypted_magic(v, len)) {
        ec_k8s_enc_info e;
        out->encoding = EC_K8S_ENC_ENCRYPTED;
        if (ec_k8s_enc_parse(v, len, &e, err) != 0)
            return -1;
        out->provider = e.provider;
        out->key_name = e.key_name;
        return 0;
    }
    if (ec_k8s_looks_like_json(v, len) && ec_k8s_peek_json(v, len, out) == 0) {
        out->encoding = EC_K8S_ENC_JSON;
        return 0;
    }
    memset(out, 0, sizeof *out);
    out->encoding = ec_k8s_text_or_binary(v, len);
    return 0;
}
