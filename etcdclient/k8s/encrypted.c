#include "etcdclient/k8s/encrypted.h"

#include <string.h>
#include "etcdclient/k8s/encoding.h"
#include "etcdclient/k8s/pb.h"
#include "etcdclient/util/escape.h"

#define ENC_PREFIX "malformed encrypted value: "
#define MAX_PROVIDER 32
#define MAX_VERSION 8
#define MAX_KEY_NAME 1024

/* Reads one ':'-terminated token at v[*pos], at most max bytes. */
static int token(const uint8_t *v, size_t len, size_t *pos, size_t max, ec_k8s_view *out)
{
    size_t start = *pos, lim = len - start < max + 1 ? len - start : max + 1;
    const uint8_t *colon = memchr(v + start, ':', lim);
    if (!colon)
        return -1;
    *out = ec_k8s_view_make(v + start, (size_t)(colon - (v + start)));
    *pos = (size_t)(colon - v) + 1;
    return 0;
}

static int is_word(ec_k8s_view t)
{
    if (t.len == 0)
        return 0;
    for (size_t i = 0; i < t.len; i++)
        if (!((t.p[i] >= 'a' && t.p[i] <= 'z') || (t.p[i] >= '0' && t.p[i] <= '9')))
            return 0;
    return 1;
}

static int is_version(ec_k8s_view t)
{
    if (t.len < 2 || t.p[0] != 'v')
        return 0;
    for (size_t i = 1; i < t.len; i++)
        if (t.p[i] < '0' || t.p[i] > '9')
            return 0;
    return 1;
}

static int is_printable(ec_k8s_view t)
{
    size_t i = 0;
    while (i < t.len) {
        size_t n = ec_utf8_printable_len(t.p + i, t.len - i);
        if (n == 0)
            return 0;
        i += n;
    }
    return 1;
}

static int parse_kms_v2(const uint8_t *p, size_t n, ec_k8s_enc_info *out, ec_err *err)
{
    ec_k8s_pb_reader r;
    ec_k8s_pb_field f;
    ec_k8s_pb_status st;
    int have_data = 0;
    ec_k8s_pb_init(&r, p, n);
    while ((st = ec_k8s_pb_next(&r, &f)) == EC_K8S_PB_FIELD) {
        if (f.num >= 1 && f.num <= 4 && f.wt != EC_K8S_WT_LEN)
            return ec_fail(err, EC_E_CORRUPT,
                           ENC_PREFIX "field %u of the kms v2 EncryptedObject has wire type %s (offset %zu)",
                           f.num, ec_k8s_pb_wiretype_name(f.wt), out->header_len + (size_t)(f.at - p));
        if (f.num == 1) {
            out->ciphertext_len = f.len;
            have_data = 1;
        } else if (f.num == 2) {
            out->kms_key_id = ec_k8s_view_make(f.data, f.len);
        } else if (f.num == 3) {
            out->dek_len = f.len;
        }
    }
    if (st != EC_K8S_PB_END)
        return ec_fail(err, EC_E_CORRUPT, ENC_PREFIX "the kms v2 EncryptedObject is damaged at offset %zu of %zu",
                       out->header_len + (size_t)(f.at - p), out->header_len + n);
    if (!have_data)
        return ec_fail(err, EC_E_CORRUPT, ENC_PREFIX "the kms v2 EncryptedObject holds no encrypted data");
    return 0;
}

int ec_k8s_enc_parse(const uint8_t *v, size_t len, ec_k8s_enc_info *out, ec_err *err)
{
    memset(out, 0, sizeof *out);
    if (!ec_k8s_has_encrypted_magic(v, len))
        return ec_fail(err, EC_E_CORRUPT, ENC_PREFIX "no 'k8s:enc:' prefix");
    size_t pos = EC_K8S_ENCRYPTED_MAGIC_LEN;
    if (token(v, len, &pos, MAX_PROVIDER, &out->provider) != 0 || !is_word(out->provider))
        return ec_fail(err, EC_E_CORRUPT, ENC_PREFIX "no provider name after 'k8s:enc:'");
    if (token(v, len, &pos, MAX_VERSION, &out->version) != 0 || !is_version(out->version))
        return ec_fail(err, EC_E_CORRUPT, ENC_PREFIX "no version after the provider name (offset %zu)",
                       (size_t)(out->provider.p + out->provider.len + 1 - v));
    size_t kpos = pos;
    if (token(v, len, &pos, MAX_KEY_NAME, &out->key_name) != 0 || out->key_name.len == 0)
        return ec_fail(err, EC_E_CORRUPT, ENC_PREFIX "no key name ending in ':' at offset %zu", kpos);
    if (!is_printable(out->key_name))
        return ec_fail(err, EC_E_CORRUPT, ENC_PREFIX "key name at offset %zu holds unprintable bytes", kpos);
    out->header_len = pos;
    out->payload_len = len - pos;
    out->ciphertext_len = out->payload_len;

    static const char *const known[] = {"aescbc", "aesgcm", "secretbox", "kms"};
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        if (ec_k8s_view_eq(out->provider, known[i]))
            out->known_provider = 1;

    if (ec_k8s_view_eq(out->provider, "kms") && ec_k8s_view_eq(out->version, "v1")) {
        if (out->payload_len < 2)
            return ec_fail(err, EC_E_CORRUPT, ENC_PREFIX "kms v1 payload of %zu bytes has no DEK length",
                           out->payload_len);
        size_t dek = (size_t)v[pos] << 8 | v[pos + 1];
        if (dek > out->payload_len - 2)
            return ec_fail(err, EC_E_CORRUPT, ENC_PREFIX "kms v1 DEK of %zu bytes runs past the end (%zu bytes left)",
                           dek, out->payload_len - 2);
        out->dek_len = dek;
        out->ciphertext_len = out->payload_len - 2 - dek;
    } else if (ec_k8s_view_eq(out->provider, "kms") && ec_k8s_view_eq(out->version, "v2")) {
        if (parse_kms_v2(v + pos, out->payload_len, out, err) != 0)
            return -1;
    }
    return 0;
}
