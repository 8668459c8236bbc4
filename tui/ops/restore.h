/* Putting pre-images back: each key only where it does not exist now
 * (create_revision == 0), so nothing newer is ever overwritten. */
#ifndef BG_RESTORE_H
#define BG_RESTORE_H

#include <stddef.h>

#include "etcdclient/etcd.h"
#include "tui/audit/audit.h"

typedef struct bg_restore_outcome {
    size_t restored;        /* put back */
    size_t present;         /* left alone: the key exists again */
    int64_t revision;       /* etcd revision after the last batch */
} bg_restore_outcome;

/* Txn batches of up to 128 keys. Returns 0, or -1 on an etcd error (the
 * counts say how far it got). */
int bg_restore_execute(ec_client *c, const audit_preimage *items, size_t n, bg_restore_outcome *out, ec_err *err);

#endif
