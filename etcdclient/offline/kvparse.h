/* etcd's records inside the bbolt 'key' bucket, parsed defensively:
 *  - key: 8-byte big-endian main revision, '_', 8-byte big-endian sub
 *    revision, and a trailing 't' when the entry is a tombstone (etcd
 *    mvcc/revision.go, kvstore.go);
 *  - value: a protobuf mvccpb.KeyValue {key 1 bytes, create_revision 2,
 *    mod_revision 3, version 4 (int64 varints), value 5 bytes, lease 6}. */
#ifndef EC_OFFLINE_KVPARSE_H
#define EC_OFFLINE_KVPARSE_H

#include <stddef.h>
#include <stdint.h>

typedef struct ec_offline_kv {
    const uint8_t *key;     /* point into the file map (history, get) or a read buffer
                               (ec_offline_index_kv): see the function that filled it */
    size_t key_len;
    const uint8_t *value;
    size_t value_len;
    int64_t create_revision, mod_revision, version, lease;
    int64_t rev_main;       /* position in the key bucket */
    int64_t rev_sub;
    int deleted;            /* the entry is a tombstone */
} ec_offline_kv;

#define EC_REVKEY_LEN 17

/* Returns 0, or -1 when k is not a revision key. */
int ec_offline_revkey_parse(const uint8_t *k, size_t n, int64_t *main_rev, int64_t *sub_rev,
                            int *tombstone);

/* Parses a KeyValue into kv, clearing it first (fields not present are 0;
 * the caller fills rev_main, rev_sub and deleted). Returns 0, or -1 when
 * the bytes are not a well-formed KeyValue. Unknown fields are skipped. */
int ec_offline_kv_parse(const uint8_t *p, size_t n, ec_offline_kv *kv);

#endif
