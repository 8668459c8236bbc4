/* The keyspace as a tree split on '/', for the ncdu-like key browser: every
 * node aggregates what lies below it (keys, value bytes, writes, newest
 * mod_revision, write rate). Pure data structure: no network, no screen.
 *
 * Model (docs/keyspace.md has the long version):
 *  - A key is split on every '/' into segments; a key with k slashes has k+1
 *    segments, any of which may be empty. "/registry/pods/a" is
 *    "" > "registry" > "pods" > "a"; "compact_rev_key" is one segment.
 *  - The root (EC_KS_ROOT) is the whole keyspace and has no path of its own.
 *    Every other node is named by its path: its segments joined with '/',
 *    which for a key node is exactly the key's bytes. Node "" under the root
 *    (path "") holds every key that starts with '/' and shows as "/".
 *  - A node can be a key and a directory at once ("/a" and "/a/b"): it is one
 *    row, its aggregates include itself.
 *  - Empty directories do not exist: deleting the last key below a node
 *    removes it (and its empty parents).
 *
 * Ids: an ec_ks_id names a node while it exists; after a delete it may be
 * reused for another node. Remember a selection by its path bytes, not by id.
 *
 * Thread-safety: none. The tree is not thread-safe, and even "read" calls
 * (ec_ks_stat, ec_ks_list, ec_ks_find) update internal caches. The caller
 * owns one mutex and holds it around every call and for as long as it uses a
 * pointer the tree returned (names, row arrays). The console's scan worker
 * takes it per page of ~1000 keys; the UI thread takes it per redraw.
 *
 * Ownership: the tree copies every key it is given. Pointers it returns
 * (ec_ks_info.name, ec_ks_list rows) belong to the tree and stay valid until
 * the next call that changes it (put, add_page, delete, set_size, rate_*,
 * clear) and, for rows, until the next ec_ks_list/ec_ks_list_copy call.
 * Do not free them.
 */
#ifndef EC_KEYSPACE_H
#define EC_KEYSPACE_H

#include <stddef.h>
#include <stdint.h>

#include "etcdclient/error.h"
#include "etcdclient/util/buf.h"

typedef struct ec_ks ec_ks;
typedef uint32_t ec_ks_id;

#define EC_KS_ROOT ((ec_ks_id)0)
#define EC_KS_NONE ((ec_ks_id)UINT32_MAX)
#define EC_KS_SIZE_UNKNOWN ((int64_t)-1)
/* Largest value size the tree stores (etcd's own limit is far below). */
#define EC_KS_SIZE_MAX ((int64_t)UINT32_MAX - 1)
/* A key's write rate is clamped to [0, EC_KS_RATE_MAX] writes/s and kept in
 * micro-writes/s, so sums over directories are exact integers (no drift
 * after millions of set/add calls). */
#define EC_KS_RATE_MAX 100000.0

/* What etcd says about one key (mvccpb.KeyValue without the value). */
typedef struct ec_ks_kv {
    int64_t create_revision;
    int64_t mod_revision;
    int64_t version;        /* writes since creation; summed as "writes" */
    int64_t lease;
    int64_t value_size;     /* EC_KS_SIZE_UNKNOWN after a keys-only scan */
} ec_ks_kv;

/* One key of a scan page. key points to caller memory (copied by the tree). */
typedef struct ec_ks_entry {
    const uint8_t *key;
    size_t key_len;
    ec_ks_kv kv;
} ec_ks_entry;

/* One node as the browser shows it. */
typedef struct ec_ks_info {
    const uint8_t *name;    /* last segment, not NUL-terminated; tree-owned */
    size_t name_len;
    int is_key;             /* the node's path is itself a key */
    uint32_t children;      /* > 0: a directory */
    uint64_t keys;          /* keys at or below the node */
    uint64_t bytes;         /* value bytes of the keys whose size is known */
    uint64_t bytes_known;   /* how many of the keys are counted in bytes */
    uint64_t writes;        /* sum of the keys' versions */
    int64_t max_mod_revision;
    double rate;            /* writes/s, sum of the keys' rates */
    ec_ks_kv kv;            /* the key itself, when is_key; zeros otherwise */
} ec_ks_info;

typedef enum ec_ks_col {
    EC_KS_BY_NAME = 0,      /* byte order of the segment */
    EC_KS_BY_KEYS,
    EC_KS_BY_BYTES,         /* known bytes */
    EC_KS_BY_WRITES,
    EC_KS_BY_MODREV,        /* max mod_revision */
    EC_KS_BY_RATE,
    EC_KS_NCOLS
} ec_ks_col;

/* How to list a directory. Equal values are always ordered by name
 * ascending, whichever the direction, so rows do not jump on a re-sort. */
typedef struct ec_ks_order {
    ec_ks_col col;
    int desc;               /* nonzero: largest first */
    const uint8_t *filter;  /* rows whose name contains these bytes; NULL or */
    size_t filter_len;      /*   length 0: all rows. Case-sensitive. */
} ec_ks_order;

typedef struct ec_ks_mem {
    size_t nodes;           /* live nodes, root included */
    size_t dirs;            /* live nodes with children */
    size_t name_bytes;      /* segment bytes in use */
    size_t name_garbage;    /* bytes of removed names not yet compacted */
    size_t alloc_bytes;     /* everything the tree has allocated */
    uint64_t listings_built;/* sorted listings computed (cache misses) */
} ec_ks_mem;

/* A new empty tree (caller frees with ec_ks_free), or NULL when out of memory. */
ec_ks *ec_ks_new(void);
void ec_ks_free(ec_ks *ks);
/* Removes every key and returns the memory; the generation still advances. */
void ec_ks_clear(ec_ks *ks);
/* Changes whenever anything a browser could show changes (never goes back). */
uint64_t ec_ks_generation(const ec_ks *ks);

/* Adds a key or updates it. When kv->value_size is unknown and the key is
 * already there with the same mod_revision, the known size is kept (same
 * revision, same value); with another mod_revision the size becomes unknown.
 * Returns 1 when the key is new, 0 when it existed, -1 on error (invalid kv:
 * negative revision/version/size; out of memory), the tree unchanged.
 * Fastest when keys come in ascending byte order, as a range scan sends them. */
int ec_ks_put(ec_ks *ks, const uint8_t *key, size_t len, const ec_ks_kv *kv, ec_err *err);
/* ec_ks_put for each entry of a scan page, in order. Returns 0, or -1 at the
 * first failing entry (the entries before it stay added). */
int ec_ks_add_page(ec_ks *ks, const ec_ks_entry *entries, size_t n, ec_err *err);
/* Removes a key and the directories it leaves empty. A node that is also a
 * directory stays as a directory. Returns 1 if the key was there, else 0. */
int ec_ks_delete(ec_ks *ks, const uint8_t *key, size_t len);
/* Records a key's value size (the size scan). With mod_revision > 0 the size
 * is applied only if the key still has that mod_revision (a newer write makes
 * the scanned size stale). size may be EC_KS_SIZE_UNKNOWN to forget it.
 * Returns 1 when applied, 0 when the key is absent or stale, -1 on an
 * invalid size. */
int ec_ks_set_size(ec_ks *ks, const uint8_t *key, size_t len, int64_t mod_revision,
                   int64_t size, ec_err *err);
/* A key's own write rate (writes/s), set or changed by delta; directories show
 * the sum below them, maintained as keys change. Clamped to
 * [0, EC_KS_RATE_MAX]. Returns 1 when applied, 0 when the key is absent,
 * -1 when the number is NaN or infinite. */
int ec_ks_rate_set(ec_ks *ks, const uint8_t *key, size_t len, double rate, ec_err *err);
int ec_ks_rate_add(ec_ks *ks, const uint8_t *key, size_t len, double delta, ec_err *err);
/* Sets every rate to 0 (O(nodes)). */
void ec_ks_rate_clear(ec_ks *ks);

/* The node whose path is exactly path[0..len) (see the model above; the root
 * has no path and is EC_KS_ROOT), or EC_KS_NONE. */
ec_ks_id ec_ks_find(ec_ks *ks, const uint8_t *path, size_t len);
/* The child of dir named name[0..len), or EC_KS_NONE. */
ec_ks_id ec_ks_child(ec_ks *ks, ec_ks_id dir, const uint8_t *name, size_t len);
/* The parent, or EC_KS_NONE for the root and for ids that are not nodes. */
ec_ks_id ec_ks_parent(const ec_ks *ks, ec_ks_id id);
/* Replaces out's content with the node's path bytes (the key for a key node;
 * empty for the root). Returns 0, or -1 on an unknown id or when out's cap is
 * reached (out then empty). */
int ec_ks_path(const ec_ks *ks, ec_ks_id id, ec_buf *out);
/* Appends the row label, escaped for a terminal: the segment, followed by '/'
 * when the node has children; a key-only node with an empty name shows as
 * "" (two double quotes). Appends nothing for the root. Returns 0 or -1. */
int ec_ks_display_name(const ec_ks *ks, ec_ks_id id, ec_buf *out);
/* Fills *st. Returns 0, or -1 when id is not a node. */
int ec_ks_stat(ec_ks *ks, ec_ks_id id, ec_ks_info *st);

/* The children of dir in the given order, as ids in a tree-owned array
 * (*rows, *n; see "Ownership"). Listing the same directory the same way
 * again costs nothing until something below it changes. A key node without
 * children lists as empty (*rows still points somewhere valid). Returns 0,
 * or -1 (unknown id, bad order, out of memory). */
int ec_ks_list(ec_ks *ks, ec_ks_id dir, const ec_ks_order *order,
               const ec_ks_id **rows, size_t *n, ec_err *err);
/* Same, copying rows [first, first+cap) into the caller's out (for the
 * visible window of a long directory). *copied gets the number copied,
 * *total (optional) the number of rows in the whole listing. */
int ec_ks_list_copy(ec_ks *ks, ec_ks_id dir, const ec_ks_order *order, size_t first,
                    ec_ks_id *out, size_t cap, size_t *copied, size_t *total, ec_err *err);

void ec_ks_memory(const ec_ks *ks, ec_ks_mem *out);

#endif
