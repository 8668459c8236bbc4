/* Kubernetes protobuf values: "k8s\0" + runtime.Unknown {typeMeta 1
 * {apiVersion 1, kind 2}, raw 2, contentEncoding 3, contentType 4}, where
 * raw is the object and its field 1 is ObjectMeta. Field numbers are those
 * of k8s.io/apimachinery generated.proto (see docs/decoding.md). A singular
 * message field that occurs twice is taken from its last occurrence. */
#include <string.h>
#include "etcdclient/k8s/internal.h"
#include "etcdclient/k8s/pb.h"
#include "etcdclient/k8s/rfc3339.h"

typedef struct pbctx {
    const uint8_t *base;
    size_t total;
    ec_k8s_arena *a;
    ec_err *err;
} pbctx;

static int nomem(pbctx *c)
{
    return ec_fail(c->err, EC_E_NOMEM, "cannot decode Kubernetes protobuf value: out of memory");
}

static int bad(pbctx *c, ec_k8s_pb_status st, const ec_k8s_pb_field *f, const char *msg)
{
    return ec_k8s_pb_fail(c->err, st, f, msg, c->base, c->total);
}

static int want(pbctx *c, const ec_k8s_pb_field *f, unsigned wt, const char *msg)
{
    if (f->wt == wt)
        return 0;
    return ec_k8s_pb_fail_wiretype(c->err, f, wt, msg, c->base, c->total);
}

static int str(pbctx *c, const ec_k8s_pb_field *f, const char *msg, ec_k8s_str *out)
{
    if (want(c, f, EC_K8S_WT_LEN, msg) != 0)
        return -1;
    if (ec_k8s_arena_str(c->a, f->data, f->len, out) != 0)
        return nomem(c);
    return 0;
}

static int parse_time(pbctx *c, const uint8_t *p, size_t n, ec_k8s_time *t)
{
    static const char M[] = "Time";
    ec_k8s_pb_reader r;
    ec_k8s_pb_field f;
    ec_k8s_pb_status st;
    memset(t, 0, sizeof *t);
    t->present = t->has_seconds = 1;
    ec_k8s_pb_init(&r, p, n);
    while ((st = ec_k8s_pb_next(&r, &f)) == EC_K8S_PB_FIELD) {
        if (f.num == 1 || f.num == 2) {
            if (want(c, &f, EC_K8S_WT_VARINT, M) != 0)
                return -1;
            if (f.num == 1)
                t->seconds = (int64_t)f.u;
            else
                t->nanos = (int32_t)(uint32_t)f.u;
        }
    }
    if (st != EC_K8S_PB_END)
        return bad(c, st, &f, M);
    if (t->seconds == EC_K8S_GO_ZERO_TIME && t->nanos == 0) {
        /* An unset time, as JSON's null. */
        memset(t, 0, sizeof *t);
        t->text.s = "";
        return 0;
    }
    char buf[EC_K8S_TIME_TEXT_MAX];
    size_t tl = ec_k8s_time_format(t->seconds, t->nanos, buf);
    if (ec_k8s_arena_str(c->a, buf, tl, &t->text) != 0)
        return nomem(c);
    return 0;
}

static int parse_pair(pbctx *c, const uint8_t *p, size_t n, ec_k8s_pair *pair, const char *M)
{
    ec_k8s_pb_reader r;
    ec_k8s_pb_field f;
    ec_k8s_pb_status st;
    pair->key.s = pair->value.s = "";
    ec_k8s_pb_init(&r, p, n);
    while ((st = ec_k8s_pb_next(&r, &f)) == EC_K8S_PB_FIELD) {
        if (f.num == 1 && str(c, &f, M, &pair->key) != 0)
            return -1;
        if (f.num == 2 && str(c, &f, M, &pair->value) != 0)
            return -1;
    }
    return st == EC_K8S_PB_END ? 0 : bad(c, st, &f, M);
}

static int parse_owner(pbctx *c, const uint8_t *p, size_t n, ec_k8s_owner_ref *o)
{
    static const char M[] = "OwnerReference";
    ec_k8s_pb_reader r;
    ec_k8s_pb_field f;
    ec_k8s_pb_status st;
    o->kind.s = o->name.s = o->uid.s = o->api_version.s = "";
    o->controller = o->block_owner_deletion = -1;
    ec_k8s_pb_init(&r, p, n);
    while ((st = ec_k8s_pb_next(&r, &f)) == EC_K8S_PB_FIELD) {
        int rc = 0;
        switch (f.num) {
        case 1: rc = str(c, &f, M, &o->kind); break;
        case 3: rc = str(c, &f, M, &o->name); break;
        case 4: rc = str(c, &f, M, &o->uid); break;
        case 5: rc = str(c, &f, M, &o->api_version); break;
        case 6:
        case 7:
            rc = want(c, &f, EC_K8S_WT_VARINT, M);
            if (rc == 0)
                *(f.num == 6 ? &o->controller : &o->block_owner_deletion) = f.u != 0;
            break;
        default: break;
        }
        if (rc != 0)
            return -1;
    }
    return st == EC_K8S_PB_END ? 0 : bad(c, st, &f, M);
}

static int parse_managed(pbctx *c, const uint8_t *p, size_t n, ec_k8s_managed_fields *m)
{
    static const char M[] = "ManagedFieldsEntry";
    ec_k8s_pb_reader r;
    ec_k8s_pb_field f;
    ec_k8s_pb_status st;
    m->manager.s = m->operation.s = m->api_version.s = m->subresource.s = m->fields_type.s = "";
    m->time.text.s = "";
    ec_k8s_pb_init(&r, p, n);
    while ((st = ec_k8s_pb_next(&r, &f)) == EC_K8S_PB_FIELD) {
        int rc = 0;
        switch (f.num) {
        case 1: rc = str(c, &f, M, &m->manager); break;
        case 2: rc = str(c, &f, M, &m->operation); break;
        case 3: rc = str(c, &f, M, &m->api_version); break;
        case 4:
            rc = want(c, &f, EC_K8S_WT_LEN, M);
            if (rc == 0)
                rc = parse_time(c, f.data, f.len, &m->time);
            break;
        case 6: rc = str(c, &f, M, &m->fields_type); break;
        case 7: rc = want(c, &f, EC_K8S_WT_LEN, M); break;   /* fieldsV1: not shown here */
        case 8: rc = str(c, &f, M, &m->subresource); break;
        default: break;
        }
        if (rc != 0)
            return -1;
    }
    return st == EC_K8S_PB_END ? 0 : bad(c, st, &f, M);
}

static void *alloc_array(pbctx *c, size_t n, size_t size)
{
    if (n == 0)
        return NULL;
    if (n > SIZE_MAX / size)
        return NULL;
    return ec_k8s_arena_alloc(c->a, n * size);
}

static int parse_meta(pbctx *c, const uint8_t *p, size_t n, ec_k8s_meta *m)
{
    static const char M[] = "ObjectMeta";
    ec_k8s_pb_reader r;
    ec_k8s_pb_field f;
    ec_k8s_pb_status st;
    size_t counts[18] = {0};

    /* Wire type of each ObjectMeta field we read (0 = not read; 15 and 16
     * were clusterName and initializers, long removed). */
    static const uint8_t wt_of[18] = {
        [1] = 2 + 1, [2] = 2 + 1, [3] = 2 + 1, [4] = 2 + 1, [5] = 2 + 1, [6] = 2 + 1,
        [7] = 0 + 1, [8] = 2 + 1, [9] = 2 + 1, [10] = 0 + 1, [11] = 2 + 1, [12] = 2 + 1,
        [13] = 2 + 1, [14] = 2 + 1, [17] = 2 + 1,
    };

    /* Pass 1: check framing and wire types in order (so the first problem
     * is the one reported) and count the repeated fields. */
    ec_k8s_pb_init(&r, p, n);
    while ((st = ec_k8s_pb_next(&r, &f)) == EC_K8S_PB_FIELD) {
        if (f.num >= 18 || !wt_of[f.num])
            continue;
        if (want(c, &f, wt_of[f.num] - 1u, M) != 0)
            return -1;
        counts[f.num]++;
    }
    if (st != EC_K8S_PB_END)
        return bad(c, st, &f, M);

    memset(m, 0, sizeof *m);
    m->name.s = m->generate_name.s = m->ns.s = m->uid.s = m->resource_version.s = m->self_link.s = "";
    m->creation.text.s = m->deletion.text.s = "";
    if ((counts[11] && !(m->labels = alloc_array(c, counts[11], sizeof *m->labels))) ||
        (counts[12] && !(m->annotations = alloc_array(c, counts[12], sizeof *m->annotations))) ||
        (counts[13] && !(m->owners = alloc_array(c, counts[13], sizeof *m->owners))) ||
        (counts[14] && !(m->finalizers = alloc_array(c, counts[14], sizeof *m->finalizers))) ||
        (counts[17] && !(m->managed = alloc_array(c, counts[17], sizeof *m->managed))))
        return nomem(c);

    /* Pass 2: fill. */
    ec_k8s_pb_init(&r, p, n);
    while (ec_k8s_pb_next(&r, &f) == EC_K8S_PB_FIELD) {
        int rc = 0;
        switch (f.num) {
        case 1: rc = str(c, &f, M, &m->name); break;
        case 2: rc = str(c, &f, M, &m->generate_name); break;
        case 3: rc = str(c, &f, M, &m->ns); break;
        case 4: rc = str(c, &f, M, &m->self_link); break;
        case 5: rc = str(c, &f, M, &m->uid); break;
        case 6: rc = str(c, &f, M, &m->resource_version); break;
        case 7:
        case 10:
            rc = want(c, &f, EC_K8S_WT_VARINT, M);
            if (rc == 0 && f.num == 7) {
                m->has_generation = 1;
                m->generation = (int64_t)f.u;
            } else if (rc == 0) {
                m->has_grace_period = 1;
                m->deletion_grace_period_seconds = (int64_t)f.u;
            }
            break;
        case 8:
        case 9:
            rc = want(c, &f, EC_K8S_WT_LEN, M);
            if (rc == 0)
                rc = parse_time(c, f.data, f.len, f.num == 8 ? &m->creation : &m->deletion);
            break;
        case 11:
        case 12:
            rc = want(c, &f, EC_K8S_WT_LEN, M);
            if (rc == 0 && f.num == 11)
                rc = parse_pair(c, f.data, f.len, &m->labels[m->n_labels++], "labels entry of ObjectMeta");
            else if (rc == 0)
                rc = parse_pair(c, f.data, f.len, &m->annotations[m->n_annotations++],
                                "annotations entry of ObjectMeta");
            break;
        case 13:
            rc = want(c, &f, EC_K8S_WT_LEN, M);
            if (rc == 0)
                rc = parse_owner(c, f.data, f.len, &m->owners[m->n_owners++]);
            break;
        case 14:
            rc = str(c, &f, M, &m->finalizers[m->n_finalizers]);
            if (rc == 0)
                m->n_finalizers++;
            break;
        case 17:
            rc = want(c, &f, EC_K8S_WT_LEN, M);
            if (rc == 0)
                rc = parse_managed(c, f.data, f.len, &m->managed[m->n_managed++]);
            break;
        default: break;
        }
        if (rc != 0)
            return -1;
    }
    return 0;
}

static int parse_type_meta(pbctx *c, const uint8_t *p, size_t n, ec_k8s_object *o)
{
    static const char M[] = "TypeMeta";
    ec_k8s_pb_reader r;
    ec_k8s_pb_field f;
    ec_k8s_pb_status st;
    o->api_version.s = o->kind.s = "";
    o->api_version.len = o->kind.len = 0;
    ec_k8s_pb_init(&r, p, n);
    while ((st = ec_k8s_pb_next(&r, &f)) == EC_K8S_PB_FIELD) {
        if (f.num == 1 && str(c, &f, M, &o->api_version) != 0)
            return -1;
        if (f.num == 2 && str(c, &f, M, &o->kind) != 0)
            return -1;
    }
    return st == EC_K8S_PB_END ? 0 : bad(c, st, &f, M);
}

int ec_k8s_decode_pb(const uint8_t *v, size_t len, ec_k8s_object *o, ec_err *err)
{
    static const char U[] = "runtime.Unknown";
    static const char O[] = "the object";
    pbctx c = {v, len, o->arena, err};
    ec_k8s_pb_reader r;
    ec_k8s_pb_field f;
    ec_k8s_pb_status st;

    ec_k8s_pb_init(&r, v + EC_K8S_PROTOBUF_MAGIC_LEN, len - EC_K8S_PROTOBUF_MAGIC_LEN);
    while ((st = ec_k8s_pb_next(&r, &f)) == EC_K8S_PB_FIELD) {
        int rc = 0;
        switch (f.num) {
        case 1:
            rc = want(&c, &f, EC_K8S_WT_LEN, U);
            if (rc == 0)
                rc = parse_type_meta(&c, f.data, f.len, o);
            break;
        case 2:
            rc = want(&c, &f, EC_K8S_WT_LEN, U);
            o->raw = f.data;
            o->raw_len = f.len;
            break;
        case 3: rc = str(&c, &f, U, &o->content_encoding); break;
        case 4: rc = str(&c, &f, U, &o->content_type); break;
        default: break;
        }
        if (rc != 0)
            return -1;
    }
    if (st != EC_K8S_PB_END)
        return bad(&c, st, &f, U);

    /* The object: field 1 is ObjectMeta for every kind stored in etcd. */
    if (!o->raw)
        return 0;
    ec_k8s_pb_init(&r, o->raw, o->raw_len);
    while ((st = ec_k8s_pb_next(&r, &f)) == EC_K8S_PB_FIELD) {
        if (f.num != 1)
            continue;
        if (want(&c, &f, EC_K8S_WT_LEN, O) != 0 || parse_meta(&c, f.data, f.len, &o->meta) != 0)
            return -1;
        o->has_meta = 1;
    }
    if (st != EC_K8S_PB_END)
        return bad(&c, st, &f, O);
    return 0;
}
