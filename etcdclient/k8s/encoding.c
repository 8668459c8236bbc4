#include "etcdclient/k8s/encoding.h"

#include <string.h>
#include "etcdclient/util/escape.h"

const char *ec_k8s_encoding_name(ec_k8s_encoding e)
{
    switch (e) {
    case EC_K8S_ENC_EMPTY: return "empty";
    case EC_K8S_ENC_PROTOBUF: return "k8s-protobuf";
    case EC_K8S_ENC_JSON: return "json";
    case EC_K8S_ENC_ENCRYPTED: return "encrypted";
    case EC_K8S_ENC_TEXT: return "text";
    case EC_K8S_ENC_BINARY: return "binary";
    }
    return "binary";
}

int ec_k8s_has_protobuf_magic(const uint8_t *v, size_t len)
{
    return len >= EC_K8S_PROTOBUF_MAGIC_LEN && memcmp(v, EC_K8S_PROTOBUF_MAGIC, EC_K8S_PROTOBUF_MAGIC_LEN) == 0;
}

int ec_k8s_has_encrypted_magic(const uint8_t *v, size_t len)
{
    return len >= EC_K8S_ENCRYPTED_MAGIC_LEN && memcmp(v, EC_K8S_ENCRYPTED_MAGIC, EC_K8S_ENCRYPTED_MAGIC_LEN) == 0;
}

int ec_k8s_looks_like_json(const uint8_t *v, size_t len)
{
    size_t i = 0;
    while (i < len && (v[i] == ' ' || v[i] == '\t' || v[i] == '\n' || v[i] == '\r'))
        i++;
    return i < len && (v[i] == '{' || v[i] == '[');
}

ec_k8s_encoding ec_k8s_text_or_binary(const uint8_t *v, size_t len)
{
    if (len == 0)
        return EC_K8S_ENC_EMPTY;
    size_t i = 0;
    while (i < len) {
        uint8_t c = v[i];
        if ((c >= 0x20 && c < 0x7f) || c == '\t' || c == '\n' || c == '\r') {
            i++;
            continue;
        }
        size_t n = ec_utf8_printable_len(v + i, len - i);
        if (n == 0)
            return EC_K8S_ENC_BINARY;
        i += n;
    }
    return EC_K8S_ENC_TEXT;
}
