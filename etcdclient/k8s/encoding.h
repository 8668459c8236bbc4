/* What kind of bytes an etcd value holds, told from the bytes alone. */
#ifndef EC_K8S_ENCODING_H
#define EC_K8S_ENCODING_H

#include <stddef.h>
#include <stdint.h>

typedef enum ec_k8s_encoding {
    EC_K8S_ENC_EMPTY = 0,   /* zero bytes */
    EC_K8S_ENC_PROTOBUF,    /* "k8s\0" + runtime.Unknown */
    EC_K8S_ENC_JSON,        /* a JSON object or array (CRDs, some built-ins, non-Kubernetes data) */
    EC_K8S_ENC_ENCRYPTED,   /* "k8s:enc:<provider>:<version>:<key name>:" + ciphertext */
    EC_K8S_ENC_TEXT,        /* printable UTF-8 (tabs and line breaks allowed) */
    EC_K8S_ENC_BINARY       /* anything else */
} ec_k8s_encoding;

#define EC_K8S_PROTOBUF_MAGIC "k8s\0"
#define EC_K8S_PROTOBUF_MAGIC_LEN 4
#define EC_K8S_ENCRYPTED_MAGIC "k8s:enc:"
#define EC_K8S_ENCRYPTED_MAGIC_LEN 8

/* Stable name for output and JSON: "empty", "k8s-protobuf", "json",
 * "encrypted", "text", "binary". */
const char *ec_k8s_encoding_name(ec_k8s_encoding e);

int ec_k8s_has_protobuf_magic(const uint8_t *v, size_t len);
int ec_k8s_has_encrypted_magic(const uint8_t *v, size_t len);
/* True when the first byte after leading JSON whitespace is '{' or '['. */
int ec_k8s_looks_like_json(const uint8_t *v, size_t len);
/* EC_K8S_ENC_TEXT when every character is printable UTF-8, tab, CR or LF,
 * else EC_K8S_ENC_BINARY (EC_K8S_ENC_EMPTY for len 0). */
ec_k8s_encoding ec_k8s_text_or_binary(const uint8_t *v, size_t len);

#endif
