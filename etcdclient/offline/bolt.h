/* Read-only reader of bbolt database files, the storage under etcd v3.
 *
 * Nothing here writes the file: it is mapped PROT_READ, MAP_PRIVATE. Every
 * page id, offset and count read from the file is checked against the mapped
 * length before use, and every tree walk marks the pages it enters, so a
 * damaged or hostile file ends in an error value, never a crash or a loop.
 *
 * On-disk facts used (go.etcd.io/bbolt page.go, db.go, bucket.go):
 *  - page header: id u64, flags u16, count u16, overflow u32 (16 bytes),
 *    little-endian; flags branch 0x01, leaf 0x02, meta 0x04, freelist 0x10;
 *    a page spans (1 + overflow) * page_size bytes.
 *  - meta (after the header of pages 0 and 1): magic u32 0xED0CDAED,
 *    version u32 2, page_size u32, flags u32, root bucket {root u64, seq u64},
 *    freelist u64, pgid u64 (high-water mark), txid u64, checksum u64 =
 *    FNV-1a 64 of the 56 bytes before it. The valid meta with the larger txid
 *    is current.
 *  - branch element {pos u32, ksize u32, pgid u64}, leaf element {flags u32,
 *    pos u32, ksize u32, vsize u32}; pos is relative to the element; leaf
 *    flag 0x01 marks a nested bucket whose value is {root u64, seq u64},
 *    followed, when root is 0, by an inline leaf page.
 *  - etcd snapshots (etcdctl snapshot save) append a SHA-256 of the db:
 *    a file whose size % 512 == 32 carries one. */
#ifndef EC_OFFLINE_BOLT_H
#define EC_OFFLINE_BOLT_H

#include <stddef.h>
#include <stdint.h>
#include "etcdclient/error.h"
#include "etcdclient/offline/fault.h"

#define EC_BOLT_MAGIC 0xED0CDAEDu
#define EC_BOLT_VERSION 2u
#define EC_BOLT_PAGE_HEADER 16
#define EC_BOLT_ELEMENT 16
#define EC_BOLT_FLAG_BRANCH 0x01
#define EC_BOLT_FLAG_LEAF 0x02
#define EC_BOLT_FLAG_META 0x04
#define EC_BOLT_FLAG_FREELIST 0x10
#define EC_BOLT_LEAF_BUCKET 0x01
#define EC_BOLT_NO_FREELIST UINT64_MAX
/* bbolt trees of real files are a handful of levels deep. */
#define EC_BOLT_MAX_DEPTH 32
#define EC_SNAP_HASH_LEN 32

/* Open flags. */
#define EC_BOLT_NO_VERIFY 0x1   /* strip a snapshot trailer without checking it */

typedef enum ec_snap_trailer {
    EC_SNAP_NONE = 0,       /* no trailer: a member's db file */
    EC_SNAP_VERIFIED,       /* trailer present and matching */
    EC_SNAP_UNVERIFIED      /* trailer present, not checked (EC_BOLT_NO_VERIFY) */
} ec_snap_trailer;

typedef struct ec_bolt {
    const uint8_t *data;    /* the bbolt part of the file (trailer excluded) */
    size_t len;
    size_t file_size;       /* whole file, trailer included */
    void *map;              /* non-NULL when we mapped a file ourselves */
    size_t map_len;
    ec_snap_trailer trailer;
    uint32_t page_size;
    uint64_t file_pages;    /* len / page_size */
    uint64_t hwm;           /* meta pgid: pages [0, hwm) are in use or free */
    uint64_t root;          /* page of the root bucket */
    uint64_t freelist;      /* page of the freelist or EC_BOLT_NO_FREELIST */
    uint64_t txid;
    int meta_used;          /* 0 or 1 */
    int meta_other_valid;   /* the other meta page checked out too */
    uint64_t touched;       /* bytes of pages entered since the map was last released */
    int fd;                 /* the file, for ec_bolt_read; -1 for bytes in memory */
    uint8_t *rbuf;          /* ec_bolt_read's buffer, owned */
    size_t rbuf_cap;
    ec_offline_fault fault; /* class of the last error */
    char name[256];         /* escaped file name for messages */
} ec_bolt;

/* Opens path read-only: checks it is not locked by a running etcd, maps it,
 * checks a snapshot trailer (unless EC_BOLT_NO_VERIFY) and the meta pages.
 * On failure db->fault says why and nothing stays open. */
int ec_bolt_open_file(ec_bolt *db, const char *path, unsigned flags, ec_err *err);
/* Same over bytes the caller owns and keeps alive until ec_bolt_close.
 * name is used in messages only. */
int ec_bolt_open_mem(ec_bolt *db, const uint8_t *data, size_t len, const char *name,
                     unsigned flags, ec_err *err);
void ec_bolt_close(ec_bolt *db);

/* Drops the mapped pages from this process's resident set (they are read
 * again from the page cache when touched): keeps a scan of a big file from
 * holding the whole file in RSS. Pointers into the map stay valid. */
void ec_bolt_release(ec_bolt *db);

/* Reads len bytes at off (checked against the file) without the map:
 * values are read back in key order, all over the file, and through the map
 * each would leave pages (and the kernel's fault-around) resident. *out
 * points into db's buffer (valid until the next call) or, for bytes opened
 * with ec_bolt_open_mem, into them. */
int ec_bolt_read(ec_bolt *db, uint64_t off, size_t len, const uint8_t **out, ec_err *err);

/* Fills err and db->fault, returns -1. */
int ec_bolt_fail(ec_bolt *db, ec_err *err, ec_offline_fault fault, ec_code code,
                 const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* One page, its overflow pages included. */
typedef struct ec_bolt_page {
    const uint8_t *p;       /* page header */
    size_t span;            /* bytes from p that belong to the page */
    uint64_t id;
    uint16_t flags;
    uint16_t count;
    uint32_t overflow;
} ec_bolt_page;

/* A tree page by id: id checked against the file and the high-water mark,
 * the header's id against the one asked for, count against the span. */
int ec_bolt_page_get(ec_bolt *db, uint64_t id, ec_bolt_page *pg, ec_err *err);

/* A bucket: a tree rooted at a page, or an inline leaf page inside its
 * parent's value. */
typedef struct ec_bolt_bucket {
    uint64_t root;              /* 0 for an inline bucket */
    const uint8_t *inline_page; /* points into the map */
    size_t inline_len;
} ec_bolt_bucket;

void ec_bolt_root_bucket(const ec_bolt *db, ec_bolt_bucket *b);
/* Parses a nested bucket's value (leaf element with EC_BOLT_LEAF_BUCKET). */
int ec_bolt_bucket_parse(ec_bolt *db, const uint8_t *v, size_t vlen, ec_bolt_bucket *b,
                         ec_err *err);

typedef struct ec_bolt_item {
    const uint8_t *key;     /* both point into the map, valid until close */
    size_t key_len;
    const uint8_t *value;
    size_t value_len;
    int is_bucket;
} ec_bolt_item;

typedef struct ec_bolt_frame {
    ec_bolt_page pg;
    uint32_t index;
} ec_bolt_frame;

/* An ordered cursor over one bucket (ascending key order). */
typedef struct ec_bolt_cursor {
    ec_bolt *db;
    ec_bolt_bucket bucket;
    ec_bolt_frame stack[EC_BOLT_MAX_DEPTH];
    int depth;
    int started, done;
    uint8_t *visited;       /* one bit per page id; owned when own_visited */
    int own_visited;
    /* pages entered so far, for statistics */
    uint64_t branch_pages, leaf_pages, overflow_pages;
} ec_bolt_cursor;

/* visited may be a caller's bitmap of ec_bolt_visited_size() bytes shared by
 * several cursors (a whole-file walk), or NULL for a private one. */
int ec_bolt_cursor_open(ec_bolt_cursor *c, ec_bolt *db, const ec_bolt_bucket *b,
                        uint8_t *visited, ec_err *err);
/* Returns 1 with *it filled, 0 at the end, -1 on error. */
int ec_bolt_cursor_next(ec_bolt_cursor *c, ec_bolt_item *it, ec_err *err);
void ec_bolt_cursor_close(ec_bolt_cursor *c);
size_t ec_bolt_visited_size(const ec_bolt *db);

/* Exact lookup by descending the tree. *found is 0 or 1; on 1, *it is set. */
int ec_bolt_get(ec_bolt *db, const ec_bolt_bucket *b, const uint8_t *key, size_t key_len,
                ec_bolt_item *it, int *found, ec_err *err);
/* A nested bucket by name; *found 0 when absent or when the key is not a bucket. */
int ec_bolt_bucket_find(ec_bolt *db, const ec_bolt_bucket *parent, const char *name,
                        ec_bolt_bucket *child, int *found, ec_err *err);

/* Number of free page ids recorded in the freelist page, or -1 when the
 * file keeps no freelist (etcd sets NoFreelistSync). */
int ec_bolt_freelist_count(ec_bolt *db, int64_t *count, uint64_t *freelist_pages, ec_err *err);

#endif
