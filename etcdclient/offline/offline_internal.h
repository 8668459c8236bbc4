/* Shared by the files of etcdclient/offline only. */
#ifndef EC_OFFLINE_INTERNAL_H
#define EC_OFFLINE_INTERNAL_H

#include "etcdclient/offline/offline.h"

struct ec_offline {
    ec_bolt bolt;
    int open;
    ec_bolt_bucket key_bucket;
    int64_t consistent_index, compact_rev, scheduled_compact_rev;
};

/* Called for every record of the 'key' bucket in file order, kv parsed and
 * checked. Return non-zero to stop the scan with that value. */
typedef int (*ec_ol_record_fn)(void *ctx, const ec_offline_kv *kv, const uint8_t *rec,
                            size_t rec_len, ec_err *err);
int ec_ol_scan(ec_offline *db, ec_ol_record_fn fn, void *ctx, ec_err *err);
/* Parses one record of the key bucket into kv; -1 with err set when malformed. */
int ec_ol_record(ec_offline *db, const uint8_t *k, size_t klen, const uint8_t *v, size_t vlen,
              ec_offline_kv *kv, ec_err *err);
int ec_ol_fail(ec_offline *db, ec_err *err, ec_offline_fault fault, ec_code code,
            const char *fmt, ...) __attribute__((format(printf, 5, 6)));

#endif
