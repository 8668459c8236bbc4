#include "etcdclient/k8s/pb.h"

const char *ec_k8s_pb_wiretype_name(unsigned wt)
{
    switch (wt) {
    case EC_K8S_WT_VARINT: return "varint";
    case EC_K8S_WT_FIXED64: return "fixed64";
    case EC_K8S_WT_LEN: return "length-delimited";
    case 3: return "start-group";
    case 4: return "end-group";
    case EC_K8S_WT_FIXED32: return "fixed32";
    default: return "invalid";
    }
}

#define PB_PREFIX "malformed Kubernetes protobuf value: "

int ec_k8s_pb_fail(ec_err *err, ec_k8s_pb_status st, const ec_k8s_pb_field *f,
                   const char *msgname, const uint8_t *base, size_t total)
{
    size_t off = (size_t)(f->at - base);
    switch (st) {
    case EC_K8S_PB_BAD_TAG:
        return ec_fail(err, EC_E_CORRUPT, PB_PREFIX "unreadable field tag in %s (offset %zu of %zu)",
                       msgname, off, total);
    case EC_K8S_PB_FIELD_ZERO:
        return ec_fail(err, EC_E_CORRUPT, PB_PREFIX "field number 0 in %s (offset %zu of %zu)",
                       msgname, off, total);
    case EC_K8S_PB_GROUP:
    case EC_K8S_PB_BAD_WIRETYPE:
        return ec_fail(err, EC_E_CORRUPT,
                       PB_PREFIX "field %u of %s has wire type %u (%s), which Kubernetes never writes (offset %zu of %zu)",
                       f->num, msgname, f->wt, ec_k8s_pb_wiretype_name(f->wt), off, total);
    case EC_K8S_PB_TRUNCATED:
        return ec_fail(err, EC_E_CORRUPT, PB_PREFIX "field %u of %s runs past the end (offset %zu of %zu)",
                       f->num, msgname, off, total);
    case EC_K8S_PB_BAD_VARINT:
        return ec_fail(err, EC_E_CORRUPT,
                       PB_PREFIX "field %u of %s holds a varint longer than 10 bytes (offset %zu of %zu)",
                       f->num, msgname, off, total);
    default:
        return ec_fail(err, EC_E_CORRUPT, PB_PREFIX "cannot read %s (offset %zu of %zu)",
                       msgname, off, total);
    }
}

int ec_k8s_pb_fail_wiretype(ec_err *err, const ec_k8s_pb_field *f, unsigned want,
                            const char *msgname, const uint8_t *base, size_t total)
{
    return ec_fail(err, EC_E_CORRUPT,
                   PB_PREFIX "field %u of %s has wire type %s, expected %s (offset %zu of %zu)",
                   f->num, msgname, ec_k8s_pb_wiretype_name(f->wt), ec_k8s_pb_wiretype_name(want),
                   (size_t)(f->at - base), total);
}
