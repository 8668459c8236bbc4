/* Distinct keys in key order, from one scan of the revision-ordered bucket. */
#include "etcdclient/offline/offline_internal.h"

#include <stdlib.h>
#include <string.h>

#include "etcdclient/offline/keymap.h"

struct ec_offline_index {
    ec_keymap map;
    int64_t revision;
    uint64_t records;
};

typedef struct build_ctx {
    ec_offline *db;
    ec_offline_index *idx;
    const uint8_t *prefix;
    size_t prefix_len;
} build_ctx;

static int build_one(void *ctx, const ec_offline_kv *kv, const uint8_t *rec, size_t rec_len,
                     ec_err *err)
{
    build_ctx *b = ctx;
    ec_offline_index *idx = b->idx;
    idx->records++;
    if (kv->rev_main > idx->revision)
        idx->revision = kv->rev_main;
    if (b->prefix_len
        && (kv->key_len < b->prefix_len || memcmp(kv->key, b->prefix, b->prefix_len) != 0))
        return 0;
    if (kv->rev_sub > UINT32_MAX || rec_len > UINT32_MAX)
        return ec_ol_fail(b->db, err, EC_OFFLINE_F_BAD_RECORD, EC_E_CORRUPT,
                       "malformed KeyValue at revision %lld", (long long)kv->rev_main);
    int created;
    ec_keymap_entry *e = ec_keymap_upsert(&idx->map, kv->key, kv->key_len, &created);
    if (!e)
        return ec_ol_fail(b->db, err, EC_OFFLINE_F_LIMIT, EC_E_NOMEM,
                       "out of memory after %zu distinct keys", idx->map.n);
    if (e->revisions < UINT32_MAX)
        e->revisions++;
    if (kv->deleted && e->deletes < UINT32_MAX)
        e->deletes++;
    if (created || kv->rev_main > e->main_rev
        || (kv->rev_main == e->main_rev && (uint32_t)kv->rev_sub >= e->sub_rev)) {
        e->main_rev = kv->rev_main;
        e->sub_rev = (uint32_t)kv->rev_sub;
        e->rec_off = (uint64_t)(rec - b->db->bolt.data);
        e->rec_len = (uint32_t)rec_len;
        e->deleted = (uint8_t)kv->deleted;
    }
    return 0;
}

int ec_offline_index_build(ec_offline *db, const uint8_t *prefix, size_t prefix_len,
                           unsigned flags, ec_offline_index **out, ec_err *err)
{
    *out = NULL;
    ec_offline_index *idx = calloc(1, sizeof *idx);
    if (!idx)
        return ec_ol_fail(db, err, EC_OFFLINE_F_LIMIT, EC_E_NOMEM, "out of memory");
    ec_keymap_init(&idx->map, 0);
    build_ctx b = {db, idx, prefix, prefix ? prefix_len : 0};
    if (ec_ol_scan(db, build_one, &b, err) != 0) {
        ec_offline_index_free(idx);
        return -1;
    }
    if (db->compact_rev > idx->revision)
        idx->revision = db->compact_rev;
    if (flags & EC_OFFLINE_LIVE_ONLY)
        ec_keymap_drop_deleted(&idx->map);
    ec_keymap_sort(&idx->map);
    *out = idx;
    return 0;
}

void ec_offline_index_free(ec_offline_index *idx)
{
    if (!idx)
        return;
    ec_keymap_free(&idx->map);
    free(idx);
}

size_t ec_offline_index_len(const ec_offline_index *idx) { return idx->map.n; }
int64_t ec_offline_index_revision(const ec_offline_index *idx) { return idx->revision; }
uint64_t ec_offline_index_records(const ec_offline_index *idx) { return idx->records; }

void ec_offline_index_info(const ec_offline_index *idx, size_t i, ec_offline_keyinfo *ki)
{
    const ec_keymap_entry *e = &idx->map.entries[i];
    ki->key = ec_keymap_key(&idx->map, e);
    ki->key_len = e->key_len;
    ki->mod_revision = e->main_rev;
    ki->revisions = e->revisions;
    ki->deletes = e->deletes;
    ki->deleted = e->deleted;
}

int ec_offline_index_kv(ec_offline *db, const ec_offline_index *idx, size_t i,
                        ec_offline_kv *kv, ec_err *err)
{
    const ec_keymap_entry *e = &idx->map.entries[i];
    const uint8_t *rec;
    if (ec_bolt_read(&db->bolt, e->rec_off, e->rec_len, &rec, err) != 0)
        return -1;
    /* Parsed during the scan already; this fails only if the file changed. */
    if (ec_offline_kv_parse(rec, e->rec_len, kv) != 0)
        return ec_ol_fail(db, err, EC_OFFLINE_F_BAD_RECORD, EC_E_CORRUPT,
                       "malformed KeyValue at revision %lld", (long long)e->main_rev);
    kv->rev_main = e->main_rev;
    kv->rev_sub = e->sub_rev;
    kv->deleted = e->deleted;
    return 0;
}

size_t ec_offline_group_len(const uint8_t *key, size_t len, int depth)
{
    if (depth <= 0)
        return len;
    size_t i = len > 0 && key[0] == '/' ? 1 : 0;
    int seen = 0;
    for (; i < len; i++)
        if (key[i] == '/' && ++seen == depth)
            return i + 1;
    return len;
}

int ec_offline_index_groups(const ec_offline_index *idx, int depth, ec_offline_group **out,
                            size_t *n, ec_err *err)
{
    *out = NULL;
    *n = 0;
    size_t cap = 0;
    ec_offline_group *g = NULL;
    /* Keys of one group share its prefix, so in key order they are adjacent. */
    for (size_t i = 0; i < idx->map.n; i++) {
        const ec_keymap_entry *e = &idx->map.entries[i];
        const uint8_t *key = ec_keymap_key(&idx->map, e);
        size_t glen = ec_offline_group_len(key, e->key_len, depth);
        ec_offline_group *last = *n ? &g[*n - 1] : NULL;
        if (!last || last->prefix_len != glen || memcmp(last->prefix, key, glen) != 0) {
            if (*n == cap) {
                size_t nc = cap ? cap * 2 : 64;
                ec_offline_group *ng = realloc(g, nc * sizeof *ng);
                if (!ng) {
                    free(g);
                    *n = 0;
                    return ec_fail(err, EC_E_NOMEM, "out of memory grouping %zu keys",
                                   idx->map.n);
                }
                g = ng;
                cap = nc;
            }
            last = &g[(*n)++];
            memset(last, 0, sizeof *last);
            last->prefix = key;
            last->prefix_len = glen;
        }
        if (e->deleted)
            last->deleted_keys++;
        else
            last->keys++;
        last->revisions += e->revisions;
        last->deletes += e->deletes;
    }
    *out = g;
    return 0;
}
