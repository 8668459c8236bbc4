/* Distinct etcd keys seen while scanning the 'key' bucket, with where their
 * newest record lies and how many records each has. Memory grows with the
 * number of distinct keys kept (about 64 bytes plus the key each), never with
 * the number of revisions or the file size: values stay in the file. */
#ifndef EC_OFFLINE_KEYMAP_H
#define EC_OFFLINE_KEYMAP_H

#include <stddef.h>
#include <stdint.h>

typedef struct ec_keymap_entry {
    uint64_t key_off;       /* into the arena */
    uint64_t rec_off;       /* newest record (KeyValue bytes), offset into the db data */
    int64_t main_rev;       /* revision of the newest record */
    uint32_t sub_rev;
    uint32_t key_len;
    uint32_t rec_len;
    uint32_t hash;
    uint32_t revisions;     /* records of this key in the file, tombstones included */
    uint32_t deletes;       /* tombstones among them */
    uint8_t deleted;        /* newest record is a tombstone */
} ec_keymap_entry;

typedef struct ec_keymap {
    ec_keymap_entry *entries;
    size_t n, cap;
    uint64_t *slots;        /* open addressing: hash << 32 | (entry index + 1), 0 = empty */
    size_t nslots;
    uint8_t *arena;         /* key bytes, back to back */
    size_t arena_len, arena_cap;
    size_t max_keys;        /* cap on distinct keys */
} ec_keymap;

void ec_keymap_init(ec_keymap *m, size_t max_keys);
/* The entry for key, created zeroed (but for its key) when new. Returns NULL
 * when memory or the key cap ran out. The pointer is valid until the next
 * upsert. */
ec_keymap_entry *ec_keymap_upsert(ec_keymap *m, const uint8_t *key, size_t len, int *created);
/* Drops the hash slots and sorts the entries by key bytes; no upsert after. */
void ec_keymap_sort(ec_keymap *m);
/* Keeps only entries whose newest record is not a tombstone. */
void ec_keymap_drop_deleted(ec_keymap *m);
static inline const uint8_t *ec_keymap_key(const ec_keymap *m, const ec_keymap_entry *e)
{
    return m->arena + e->key_off;
}
void ec_keymap_free(ec_keymap *m);

#endif
