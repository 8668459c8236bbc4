/* The clear header of a value encrypted at rest by the Kubernetes API server:
 *   k8s:enc:<provider>:<version>:<key name>:<payload>
 * providers aescbc, aesgcm, secretbox (payload = nonce/IV + ciphertext),
 * kms v1 (payload = 2-byte big-endian DEK length, DEK, ciphertext) and
 * kms v2 (payload = EncryptedObject protobuf: encryptedData 1, keyID 2,
 * encryptedDEKSource 3, annotations 4). The key itself is never here, so
 * this is all that can be shown. No allocation: views into the value. */
#ifndef EC_K8S_ENCRYPTED_H
#define EC_K8S_ENCRYPTED_H

#include <stddef.h>
#include <stdint.h>
#include "etcdclient/error.h"
#include "etcdclient/k8s/view.h"

typedef struct ec_k8s_enc_info {
    ec_k8s_view provider;     /* "aescbc", "aesgcm", "secretbox", "kms", or another [a-z0-9] word */
    ec_k8s_view version;      /* "v1", "v2" */
    ec_k8s_view key_name;     /* printable UTF-8, no ':' */
    ec_k8s_view kms_key_id;   /* kms v2 only: EncryptedObject.keyID (raw bytes; escape to show) */
    int known_provider;       /* one of the four providers Kubernetes ships */
    size_t header_len;        /* bytes up to and including the ':' after the key name */
    size_t payload_len;       /* bytes after the header */
    size_t ciphertext_len;    /* encrypted object bytes (kms: without the DEK) */
    size_t dek_len;           /* kms only: size of the encrypted data key */
} ec_k8s_enc_info;

/* Parses the header of a value starting with "k8s:enc:". Returns 0, or -1
 * with EC_E_CORRUPT ("malformed encrypted value: ...") when the header or,
 * for kms, the DEK framing does not hold together; out is zeroed first. */
int ec_k8s_enc_parse(const uint8_t *v, size_t len, ec_k8s_enc_info *out, ec_err *err);

#endif
