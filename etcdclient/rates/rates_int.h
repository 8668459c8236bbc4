/* Inside of an ec_rates engine, shared by rates.c (ingestion) and rank.c
 * (queries). Not for callers. */
#ifndef EC_RATES_INT_H
#define EC_RATES_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "etcdclient/rates/rates.h"
#include "etcdclient/rates/window.h"
#include "etcdclient/rates/hll.h"

/* Hot part of a counter: what a lookup and a heap move touch. The count
 * itself lives in the heap entry, next to its neighbours. */
typedef struct ec_rates_ctr {
    uint64_t hash;
    uint64_t err;           /* count inherited from the evicted group */
    uint8_t *key;           /* owned; key_alloc bytes, grown, never shrunk */
    uint32_t key_len;       /* stored length, marker included */
    uint32_t key_alloc;
    uint32_t heap_pos;
    uint8_t truncated;
} ec_rates_ctr;

/* Cold part: windows and times, touched once per write of the group. */
typedef struct ec_rates_grp {
    ec_rates_win win;
    uint64_t writes, bytes;     /* since the counter was taken */
    int64_t first_ms, last_ms, last_rev;
    int64_t est_ms;             /* latest estimated-time write, INT64_MIN if none */
} ec_rates_grp;

typedef struct ec_rates_heap_ent {
    uint64_t count;
    uint32_t slot;
} ec_rates_heap_ent;

/* Open addressing, linear probing; tag is the hash's top 32 bits, its low
 * bits the home position. slot1 is slot + 1, 0 for an empty cell. */
typedef struct ec_rates_cell {
    uint32_t slot1;
    uint32_t tag;
} ec_rates_cell;

struct ec_rates {
    uint32_t cap;           /* K */
    uint32_t used;          /* counters taken, <= cap */
    uint32_t key_cap;
    ec_rates_metric weight;
    uint64_t seed;

    ec_rates_ctr *ctr;      /* cap */
    ec_rates_grp *grp;      /* cap */
    ec_rates_heap_ent *heap;/* used entries, 4-ary min-heap on count */
    void *heap_mem;         /* allocation behind heap (aligned) */
    ec_rates_cell *tab;     /* tab_mask + 1 cells, at most half full */
    uint32_t tab_mask;
    size_t key_bytes;       /* sum of key_alloc */

    ec_rates_win all;       /* every write, for the totals and the shares */
    int64_t all_est_ms;
    uint64_t events, bytes_all, weight_all, estimated_events, late, untracked, evictions;
    int64_t latest_ms;
    ec_rates_hll hll;
};

/* Hash of a group identity: the (possibly truncated) key bytes and whether
 * they were truncated. */
uint64_t ec_rates_hash(uint64_t seed, const uint8_t *p, size_t n, bool truncated);

/* Slot of the group with this identity, or -1. */
int64_t ec_rates_lookup(const ec_rates *r, uint64_t hash, const uint8_t *key, size_t len,
                        bool truncated);

/* Identity of a key as stored: the bytes kept and whether they were cut. */
size_t ec_rates_ident_len(const ec_rates *r, size_t key_len, bool *truncated);

#endif
