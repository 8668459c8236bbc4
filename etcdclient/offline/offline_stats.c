/* File statistics: one walk over every bucket and page. */
#include "etcdclient/offline/offline_internal.h"

#include <stdlib.h>
#include <string.h>

/* Buckets inside buckets: etcd has none; damaged files get no deeper. */
#define MAX_NESTING 8

typedef struct walk {
    ec_offline *db;
    ec_offline_stats *st;
    uint8_t *visited;
} walk;

static int add_bucket(walk *w, const uint8_t *name, size_t name_len, int depth, int is_inline,
                      size_t *slot, ec_err *err)
{
    ec_offline_stats *st = w->st;
    *slot = SIZE_MAX;
    if (st->nbuckets >= EC_OFFLINE_MAX_BUCKET_STATS) {
        st->buckets_truncated = 1;
        return 0;
    }
    if (st->nbuckets % 16 == 0) {
        ec_offline_bucket_stat *b = realloc(st->buckets, (st->nbuckets + 16) * sizeof *b);
        if (!b)
            return ec_ol_fail(w->db, err, EC_OFFLINE_F_LIMIT, EC_E_NOMEM, "out of memory");
        st->buckets = b;
    }
    ec_offline_bucket_stat *b = &st->buckets[st->nbuckets];
    memset(b, 0, sizeof *b);
    b->name = malloc(name_len ? name_len : 1);
    if (!b->name)
        return ec_ol_fail(w->db, err, EC_OFFLINE_F_LIMIT, EC_E_NOMEM, "out of memory");
    memcpy(b->name, name, name_len);
    b->name_len = name_len;
    b->depth = depth;
    b->is_inline = is_inline;
    *slot = st->nbuckets++;
    return 0;
}

static int walk_bucket(walk *w, const ec_bolt_bucket *bucket, int depth, int is_key_bucket,
                       size_t slot, ec_err *err)
{
    ec_offline *db = w->db;
    ec_bolt_cursor c;
    if (ec_bolt_cursor_open(&c, &db->bolt, bucket, w->visited, err) != 0)
        return -1;
    uint64_t keys = 0, kbytes = 0, vbytes = 0;
    ec_bolt_item it;
    int rc;
    while ((rc = ec_bolt_cursor_next(&c, &it, err)) == 1) {
        if (it.is_bucket) {
            ec_bolt_bucket child;
            size_t child_slot;
            if (depth + 1 >= MAX_NESTING) {
                rc = ec_ol_fail(db, err, EC_OFFLINE_F_BAD_PAGE, EC_E_CORRUPT,
                             "damaged tree (buckets nested deeper than %d)", MAX_NESTING);
                break;
            }
            if (ec_bolt_bucket_parse(&db->bolt, it.value, it.value_len, &child, err) != 0
                || add_bucket(w, it.key, it.key_len, depth + 1, child.root == 0, &child_slot,
                              err) != 0
                || walk_bucket(w, &child, depth + 1, 0, child_slot, err) != 0) {
                rc = -1;
                break;
            }
            continue;
        }
        keys++;
        kbytes += it.key_len;
        vbytes += it.value_len;
        if (is_key_bucket) {
            ec_offline_kv kv;
            if (ec_ol_record(db, it.key, it.key_len, it.value, it.value_len, &kv, err) != 0) {
                rc = -1;
                break;
            }
            w->st->key_records++;
            if (kv.deleted)
                w->st->tombstones++;
            if (kv.rev_main > w->st->revision)
                w->st->revision = kv.rev_main;
        }
    }
    if (rc == 0 && slot != SIZE_MAX) {
        ec_offline_bucket_stat *b = &w->st->buckets[slot];
        b->keys = keys;
        b->key_bytes = kbytes;
        b->value_bytes = vbytes;
        b->branch_pages = c.branch_pages;
        b->leaf_pages = c.leaf_pages;
        b->overflow_pages = c.overflow_pages;
    }
    ec_bolt_cursor_close(&c);
    return rc;
}

static uint64_t popcount_bits(const uint8_t *v, size_t n)
{
    uint64_t total = 0;
    for (size_t i = 0; i < n; i++)
        total += (uint64_t)__builtin_popcount(v[i]);
    return total;
}

int ec_offline_stats_get(ec_offline *db, ec_offline_stats *st, ec_err *err)
{
    memset(st, 0, sizeof *st);
    if (!db->open)
        return ec_fail(err, EC_E_INVALID, "no database is open");
    ec_bolt *b = &db->bolt;
    st->file_size = b->file_size;
    st->trailer = b->trailer;
    st->page_size = b->page_size;
    st->pages = b->hwm;
    st->file_pages = b->file_pages;
    st->txid = b->txid;
    st->meta_used = b->meta_used;
    st->meta_other_valid = b->meta_other_valid;
    st->consistent_index = db->consistent_index;
    st->compact_revision = db->compact_rev;
    st->scheduled_compact_revision = db->scheduled_compact_rev;
    uint64_t freelist_pages = 0;
    if (ec_bolt_freelist_count(b, &st->freelist_ids, &freelist_pages, err) != 0)
        return -1;
    size_t vsize = ec_bolt_visited_size(b);
    walk w = {db, st, calloc(1, vsize)};
    if (!w.visited)
        return ec_ol_fail(db, err, EC_OFFLINE_F_LIMIT, EC_E_NOMEM, "out of memory");
    /* The root bucket's entries are the top-level buckets (depth 0). */
    ec_bolt_bucket root;
    ec_bolt_root_bucket(b, &root);
    ec_bolt_cursor c;
    int rc = ec_bolt_cursor_open(&c, b, &root, w.visited, err);
    ec_bolt_item it;
    while (rc == 0 && (rc = ec_bolt_cursor_next(&c, &it, err)) == 1) {
        rc = 0;
        if (!it.is_bucket)
            continue;   /* bbolt keeps only buckets at the top */
        ec_bolt_bucket child;
        size_t slot;
        if (ec_bolt_bucket_parse(b, it.value, it.value_len, &child, err) != 0
            || add_bucket(&w, it.key, it.key_len, 0, child.root == 0, &slot, err) != 0
            || walk_bucket(&w, &child, 0, it.key_len == 3 && memcmp(it.key, "key", 3) == 0,
                           slot, err) != 0)
            rc = -1;
    }
    ec_bolt_cursor_close(&c);
    if (rc == 0) {
        uint64_t reached = popcount_bits(w.visited, vsize);
        /* The two meta pages, and the freelist when one is kept. */
        reached += 2 + freelist_pages;
        st->reachable_pages = reached;
        st->free_pages = reached < st->pages ? st->pages - reached : 0;
        if (db->compact_rev > st->revision)
            st->revision = db->compact_rev;
    }
    free(w.visited);
    ec_bolt_release(b);
    if (rc != 0) {
        ec_offline_stats_free(st);
        return -1;
    }
    return 0;
}

void ec_offline_stats_free(ec_offline_stats *st)
{
    for (size_t i = 0; i < st->nbuckets; i++)
        free(st->buckets[i].name);
    free(st->buckets);
    st->buckets = NULL;
    st->nbuckets = 0;
}
