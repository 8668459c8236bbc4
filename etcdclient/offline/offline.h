/* Reading etcd's data with no etcd running: an `etcdctl snapshot save` file
 * or a stopped member's member/snap/db, opened read-only.
 *
 * etcd keeps every revision of every key in the bbolt bucket 'key', ordered
 * by revision, not by key. The views here are built by one scan of that
 * bucket: a table of distinct keys (where each key's newest record lies, how
 * many records it has) sorted afterwards, values read back from the file
 * (pread, one record at a time) when asked for. Memory grows with the number of keys listed, not with
 * revisions or the file size.
 *
 * No printing, no exit: errors are ec_err values, and ec_offline_last_fault()
 * says which class of problem the last failure was. */
#ifndef EC_OFFLINE_H
#define EC_OFFLINE_H

#include <stddef.h>
#include <stdint.h>
#include "etcdclient/error.h"
#include "etcdclient/offline/fault.h"
#include "etcdclient/offline/kvparse.h"
#include "etcdclient/offline/bolt.h"

typedef struct ec_offline ec_offline;

/* Open flags. */
#define EC_OFFLINE_NO_VERIFY EC_BOLT_NO_VERIFY  /* accept a snapshot whose hash does not match */

/* A handle first, then open, so the fault of a failed open can be asked.
 * ec_offline_new returns NULL when out of memory; free with ec_offline_free. */
ec_offline *ec_offline_new(void);
void ec_offline_free(ec_offline *db);
/* Opens a file (or bytes the caller keeps alive until ec_offline_free; name
 * is for messages). Checks the snapshot hash, the meta pages, and that this
 * is etcd's database (a 'key' bucket). */
int ec_offline_open(ec_offline *db, const char *path, unsigned flags, ec_err *err);
int ec_offline_open_mem(ec_offline *db, const uint8_t *data, size_t len, const char *name,
                        unsigned flags, ec_err *err);
ec_offline_fault ec_offline_last_fault(const ec_offline *db);
/* The file name as given, escaped for display. */
const char *ec_offline_name(const ec_offline *db);
/* The underlying bbolt file (page size, trailer, ...), read-only. */
const ec_bolt *ec_offline_bolt(const ec_offline *db);

/* From the 'meta' bucket; -1 when absent or malformed. */
int64_t ec_offline_consistent_index(const ec_offline *db);
int64_t ec_offline_compact_revision(const ec_offline *db);       /* finishedCompactRev */
int64_t ec_offline_scheduled_compact_revision(const ec_offline *db);

/* ---- Distinct keys under a prefix, in key order ---- */

typedef struct ec_offline_index ec_offline_index;

#define EC_OFFLINE_LIVE_ONLY 0x1    /* leave out keys whose newest record is a tombstone */

/* Scans the whole 'key' bucket once. prefix may be empty (all keys).
 * Free *out with ec_offline_index_free. */
int ec_offline_index_build(ec_offline *db, const uint8_t *prefix, size_t prefix_len,
                           unsigned flags, ec_offline_index **out, ec_err *err);
void ec_offline_index_free(ec_offline_index *idx);
size_t ec_offline_index_len(const ec_offline_index *idx);
/* The store's revision as etcd would restore it: the newest revision in the
 * 'key' bucket, or the compacted revision when that is higher. */
int64_t ec_offline_index_revision(const ec_offline_index *idx);
/* Records scanned (the whole bucket, all keys). */
uint64_t ec_offline_index_records(const ec_offline_index *idx);

typedef struct ec_offline_keyinfo {
    const uint8_t *key;     /* owned by the index */
    size_t key_len;
    int64_t mod_revision;   /* main revision of the newest record */
    uint32_t revisions;     /* records of this key in the file: puts and tombstones */
    uint32_t deletes;       /* tombstones among them */
    int deleted;            /* the newest record is a tombstone */
} ec_offline_keyinfo;

void ec_offline_index_info(const ec_offline_index *idx, size_t i, ec_offline_keyinfo *ki);
/* The newest record of entry i, read back from the file. kv's key and value
 * point into a buffer of db: valid until the next ec_offline_index_kv call
 * on db or ec_offline_free (copy them to keep them). */
int ec_offline_index_kv(ec_offline *db, const ec_offline_index *idx, size_t i,
                        ec_offline_kv *kv, ec_err *err);

/* Keys grouped by their first depth path segments ("/registry/pods/" is
 * depth 2 of "/registry/pods/ns/name"); a key with fewer segments is its own
 * group. Groups come out in key order. *out (free with free()) points into
 * idx for the prefixes. */
typedef struct ec_offline_group {
    const uint8_t *prefix;
    size_t prefix_len;
    uint64_t keys;          /* live keys */
    uint64_t deleted_keys;  /* keys whose newest record is a tombstone */
    uint64_t revisions;     /* all records of the group's keys */
    uint64_t deletes;
} ec_offline_group;

int ec_offline_index_groups(const ec_offline_index *idx, int depth, ec_offline_group **out,
                            size_t *n, ec_err *err);
/* Length of key's group prefix at depth (the whole key when it has fewer segments). */
size_t ec_offline_group_len(const uint8_t *key, size_t len, int depth);

/* ---- One key ---- */

typedef int (*ec_offline_kv_fn)(void *ctx, const ec_offline_kv *kv, ec_err *err);

/* Calls fn for every record of key still in the file, oldest first,
 * tombstones included (kv->deleted). A non-zero return from fn stops the
 * scan and is returned. */
int ec_offline_history(ec_offline *db, const uint8_t *key, size_t key_len,
                       ec_offline_kv_fn fn, void *ctx, ec_err *err);

enum { EC_OFFLINE_ABSENT = 0, EC_OFFLINE_LIVE = 1, EC_OFFLINE_DELETED = 2 };
/* The newest record of key; *state says whether the key is live, deleted
 * (kv is then the tombstone) or absent from the file. */
int ec_offline_get(ec_offline *db, const uint8_t *key, size_t key_len, ec_offline_kv *kv,
                   int *state, ec_err *err);

/* ---- File statistics ---- */

typedef struct ec_offline_bucket_stat {
    uint8_t *name;          /* owned by the stats */
    size_t name_len;
    int depth;              /* 0 for top-level buckets */
    int is_inline;
    uint64_t keys;          /* keys that are not buckets */
    uint64_t key_bytes, value_bytes;
    uint64_t branch_pages, leaf_pages, overflow_pages;
} ec_offline_bucket_stat;

#define EC_OFFLINE_MAX_BUCKET_STATS 1024

typedef struct ec_offline_stats {
    uint64_t file_size;
    ec_snap_trailer trailer;
    uint32_t page_size;
    uint64_t pages;             /* in use or free: the meta's high-water mark */
    uint64_t file_pages;
    uint64_t reachable_pages;   /* meta, freelist and every bucket's pages */
    uint64_t free_pages;        /* pages - reachable_pages */
    int64_t freelist_ids;       /* ids in the freelist page, -1 when none is kept */
    uint64_t txid;
    int meta_used;
    int meta_other_valid;
    int64_t consistent_index, compact_revision, scheduled_compact_revision;
    int64_t revision;           /* as ec_offline_index_revision */
    uint64_t key_records;       /* records in the 'key' bucket */
    uint64_t tombstones;
    ec_offline_bucket_stat *buckets;    /* depth-first order */
    size_t nbuckets;
    int buckets_truncated;      /* more than EC_OFFLINE_MAX_BUCKET_STATS buckets */
} ec_offline_stats;

/* Walks every bucket and page once. Free with ec_offline_stats_free. */
int ec_offline_stats_get(ec_offline *db, ec_offline_stats *st, ec_err *err);
void ec_offline_stats_free(ec_offline_stats *st);

#endif
