/* Internals shared by keyspace.c (the tree and its updates) and
 * keyspace_list.c (sorted listings). Not part of the API.
 *
 * Layout, chosen for a million keys in little memory: nodes live in one
 * array and point at each other by 32-bit index; segment bytes live in one
 * arena; only nodes with children get a ks_dir (a few thousand in a
 * Kubernetes keyspace), holding the sorted child array and the aggregates.
 * A leaf's aggregates are its own key's fields. */
#ifndef EC_KEYSPACE_INT_H
#define EC_KEYSPACE_INT_H

#include "etcdclient/keyspace/keyspace.h"

#define KS_NONE UINT32_MAX
#define KS_SIZE_NONE UINT32_MAX     /* ks_node.size when unknown */
#define KS_ARENA_MAX ((size_t)UINT32_MAX)
#define KS_F_LIVE 1u
#define KS_F_KEY 2u
#define KS_RATE_SCALE 1e6           /* stored rates are micro-writes/s */

typedef struct ks_node {
    int64_t create_rev;
    int64_t mod_rev;
    int64_t version;
    int64_t lease;
    uint64_t rate;          /* own rate, micro-writes/s; 0 unless a key */
    uint32_t name_off;      /* segment bytes: arena[name_off .. +name_len) */
    uint32_t name_len;
    uint32_t parent;        /* free nodes: next free node */
    uint32_t dir;           /* index in ks->dirs, KS_NONE without children */
    uint32_t size;          /* value bytes, KS_SIZE_NONE when unknown */
    uint32_t flags;         /* KS_F_* */
} ks_node;                  /* 64 bytes */

typedef struct ks_dir {
    uint32_t *kids;         /* child ids sorted by name (byte order) */
    uint32_t nkids, cap;
    uint32_t node;          /* owner; free dirs: next free dir */
    uint32_t max_dirty;     /* max_mod may be too high (a key left) */
    /* Aggregates over the subtree, the owner's own key included. Kept as
     * unsigned sums updated by signed deltas (wrap-around is exact). */
    uint64_t keys, bytes, known, writes, rate;
    int64_t max_mod;        /* exact unless max_dirty; then an upper bound */
    uint64_t gen;           /* ks->gen when something below last changed */
} ks_dir;

#define KS_CACHE_SLOTS 4

/* One sorted listing kept for redraws; valid while dir's gen is unchanged. */
typedef struct ks_cache {
    uint32_t dir;           /* node id, KS_NONE when the slot is empty */
    uint64_t gen;
    ec_ks_col col;
    int desc;
    uint8_t *filter;
    size_t filter_len;
    uint32_t *rows;
    size_t nrows, cap;
    uint64_t used;          /* LRU stamp */
} ks_cache;

struct ec_ks {
    ks_node *nodes;
    uint32_t nnodes, nodes_cap, free_node, live_nodes;
    ks_dir *dirs;
    uint32_t ndirs, dirs_cap, free_dir, live_dirs;
    uint8_t *arena;         /* never NULL */
    size_t arena_len, arena_cap, arena_garbage;
    uint64_t gen;
    /* The path of the last key walked, so a sorted scan does not re-walk
     * from the root; cleared whenever a node is removed. */
    uint32_t *cursor;
    uint32_t cursor_depth, cursor_cap;
    /* Scratch: the explicit stack of the max_mod recompute, the sort rows. */
    void *stack;
    size_t stack_cap;
    void *sortbuf;
    size_t sortbuf_cap;
    ks_cache cache[KS_CACHE_SLOTS];
    uint64_t cache_tick;
    uint64_t listings_built;
};

static inline int ks_live(const ec_ks *ks, uint32_t id)
{
    return id < ks->nnodes && (ks->nodes[id].flags & KS_F_LIVE);
}

static inline const uint8_t *ks_name(const ec_ks *ks, const ks_node *n)
{
    return ks->arena + n->name_off;
}

/* Aggregates of one node, whether or not it has children. */
typedef struct ks_agg {
    uint64_t keys, bytes, known, writes, rate;
} ks_agg;

typedef struct ks_frame {   /* the max_mod recompute's explicit stack */
    uint32_t id;
    uint32_t next;          /* next child index to look at */
    int64_t acc;
} ks_frame;

extern const uint8_t ks_empty[1];   /* stands in for a NULL empty key */

/* Follows key's segments from the root (see keyspace.c); KS_NONE when a
 * segment is missing, or out of memory when creating (*nomem = 1). */
uint32_t ks_walk(ec_ks *ks, const uint8_t *key, size_t len, int create, int *nomem);
uint32_t ks_kid_get(ec_ks *ks, uint32_t parent, const uint8_t *s, size_t l, int create, int *nomem);
/* A short escaped rendering of a key for error messages, in out. */
const char *ks_key_repr(char *out, size_t outsz, const uint8_t *key, size_t len);
void ks_node_agg(const ec_ks *ks, uint32_t id, ks_agg *out);
/* The node's max mod_revision, recomputing stale directory maxima. */
int64_t ks_node_max_mod(ec_ks *ks, uint32_t id);
/* Empties the listing caches (clear and free). */
void ks_cache_reset(ec_ks *ks);
void ks_cache_free(ec_ks *ks);
size_t ks_cache_bytes(const ec_ks *ks);

#endif
