/* stats: what the file is made of. */
#include <stdlib.h>
#include <string.h>

#include "tui/offline/offline_cmd.h"
#include "tui/offline/offline_out.h"

static const char *trailer_name(ec_snap_trailer t)
{
    switch (t) {
    case EC_SNAP_VERIFIED: return "verified";
    case EC_SNAP_UNVERIFIED: return "not verified";
    default: return "none";
    }
}

static const char *hash_state(ec_snap_trailer t)
{
    return t == EC_SNAP_NONE ? "none" : t == EC_SNAP_VERIFIED ? "verified" : "unverified";
}

static json_t *stats_json(offline_ctx *c, const ec_offline_stats *st)
{
    json_t *o = json_object(), *arr = json_array();
    int bad = !o || !arr;
    json_t *src = json_string(c->dbfile);
    if (!src)
        src = json_string(ec_offline_name(c->db));
    bad = bad || json_object_set_new(o, "source", src)
          || json_object_set_new(o, "file_size", json_integer((json_int_t)st->file_size))
          || json_object_set_new(o, "snapshot_hash", json_string(hash_state(st->trailer)))
          || json_object_set_new(o, "page_size", json_integer(st->page_size))
          || json_object_set_new(o, "pages", json_integer((json_int_t)st->pages))
          || json_object_set_new(o, "file_pages", json_integer((json_int_t)st->file_pages))
          || json_object_set_new(o, "reachable_pages", json_integer((json_int_t)st->reachable_pages))
          || json_object_set_new(o, "free_pages", json_integer((json_int_t)st->free_pages))
          || json_object_set_new(o, "freelist_ids", json_integer(st->freelist_ids))
          || json_object_set_new(o, "txid", json_integer((json_int_t)st->txid))
          || json_object_set_new(o, "meta_page", json_integer(st->meta_used))
          || json_object_set_new(o, "other_meta_valid", json_boolean(st->meta_other_valid))
          || json_object_set_new(o, "revision", json_integer(st->revision))
          || json_object_set_new(o, "compact_revision", json_integer(st->compact_revision))
          || json_object_set_new(o, "scheduled_compact_revision",
                                 json_integer(st->scheduled_compact_revision))
          || json_object_set_new(o, "consistent_index", json_integer(st->consistent_index))
          || json_object_set_new(o, "key_records", json_integer((json_int_t)st->key_records))
          || json_object_set_new(o, "tombstones", json_integer((json_int_t)st->tombstones));
    for (size_t i = 0; !bad && i < st->nbuckets; i++) {
        const ec_offline_bucket_stat *b = &st->buckets[i];
        json_t *bo = json_object();
        bad = !bo || offline_out_json_bytes(bo, "name", b->name, b->name_len) != 0
              || json_object_set_new(bo, "depth", json_integer(b->depth))
              || json_object_set_new(bo, "inline", json_boolean(b->is_inline))
              || json_object_set_new(bo, "keys", json_integer((json_int_t)b->keys))
              || json_object_set_new(bo, "key_bytes", json_integer((json_int_t)b->key_bytes))
              || json_object_set_new(bo, "value_bytes", json_integer((json_int_t)b->value_bytes))
              || json_object_set_new(bo, "branch_pages", json_integer((json_int_t)b->branch_pages))
              || json_object_set_new(bo, "leaf_pages", json_integer((json_int_t)b->leaf_pages))
              || json_object_set_new(bo, "overflow_pages", json_integer((json_int_t)b->overflow_pages));
        if (!bad)
            bad = json_array_append(arr, bo) != 0;
        json_decref(bo);
    }
    bad = bad || json_object_set(o, "buckets", arr)
          || json_object_set_new(o, "buckets_truncated", json_boolean(st->buckets_truncated));
    json_decref(arr);
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static const char *rev_or_none(long long v, char *buf, size_t n)
{
    if (v < 0)
        return "none";
    snprintf(buf, n, "%lld", v);
    return buf;
}

static int stats_human(offline_ctx *c, const ec_offline_stats *st)
{
    FILE *f = c->out;
    char buf[64];
    offline_out_pad(f, "FILE", 20, 0);
    fprintf(f, "%s\n", ec_offline_name(c->db));
    offline_out_pad(f, "SIZE", 20, 0);
    fprintf(f, "%llu bytes, snapshot hash %s\n", (unsigned long long)st->file_size,
            trailer_name(st->trailer));
    offline_out_pad(f, "PAGE SIZE", 20, 0);
    fprintf(f, "%u\n", st->page_size);
    offline_out_pad(f, "PAGES", 20, 0);
    fprintf(f, "%llu in use, %llu free\n", (unsigned long long)st->pages,
            (unsigned long long)st->free_pages);
    offline_out_pad(f, "TXID", 20, 0);
    fprintf(f, "%llu (meta page %d%s)\n", (unsigned long long)st->txid, st->meta_used,
            st->meta_other_valid ? "" : "; the other meta page is damaged");
    offline_out_pad(f, "REVISION", 20, 0);
    fprintf(f, "%lld\n", (long long)st->revision);
    offline_out_pad(f, "COMPACTED", 20, 0);
    fprintf(f, "%s\n", rev_or_none(st->compact_revision, buf, sizeof buf));
    if (st->scheduled_compact_revision != st->compact_revision) {
        offline_out_pad(f, "COMPACTION PENDING", 20, 0);
        fprintf(f, "%s (etcd finishes it at start)\n",
                rev_or_none(st->scheduled_compact_revision, buf, sizeof buf));
    }
    offline_out_pad(f, "CONSISTENT INDEX", 20, 0);
    fprintf(f, "%s\n", rev_or_none(st->consistent_index, buf, sizeof buf));
    offline_out_pad(f, "KEY RECORDS", 20, 0);
    fprintf(f, "%llu (%llu tombstones)\n", (unsigned long long)st->key_records,
            (unsigned long long)st->tombstones);
    fputc('\n', f);
    static const char *const heads[] = {"BUCKET", "KEYS", "KEY BYTES", "VALUE BYTES", "PAGES"};
    offline_out_table t;
    offline_out_table_init(&t, 5, heads, 0x1e);
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < st->nbuckets; i++) {
        const ec_offline_bucket_stat *b = &st->buckets[i];
        ec_buf name;
        ec_buf_init(&name, 0);
        for (int d = 0; d < b->depth; d++)
            ec_buf_puts(&name, "  ");
        char keys[24], kb[24], vb[24], pages[48];
        snprintf(keys, sizeof keys, "%llu", (unsigned long long)b->keys);
        snprintf(kb, sizeof kb, "%llu", (unsigned long long)b->key_bytes);
        snprintf(vb, sizeof vb, "%llu", (unsigned long long)b->value_bytes);
        if (b->is_inline)
            snprintf(pages, sizeof pages, "inline");
        else
            snprintf(pages, sizeof pages, "%llu",
                     (unsigned long long)(b->branch_pages + b->leaf_pages + b->overflow_pages));
        if (offline_out_escaped(&name, b->name, b->name_len, 0) != 0)
            rc = -1;
        const char *row[] = {name.data ? name.data : "", keys, kb, vb, pages};
        if (rc == 0 && offline_out_table_row(&t, row) != 0)
            rc = -1;
        ec_buf_free(&name);
    }
    if (rc == 0)
        offline_out_table_print(&t, f);
    offline_out_table_free(&t);
    if (rc == 0 && st->buckets_truncated)
        fprintf(f, "(more than %d buckets: the rest are not listed)\n", EC_OFFLINE_MAX_BUCKET_STATS);
    return rc;
}

int offline_cmd_stats(offline_ctx *c, ec_err *err)
{
    ec_offline_stats st;
    if (ec_offline_stats_get(c->db, &st, err) != 0)
        return -1;
    int rc = 0;
    if (c->o.json) {
        json_t *o = stats_json(c, &st);
        if (!o || offline_out_json_line(c->out, o) != 0)
            rc = ec_fail(err, EC_E_NOMEM, "out of memory while writing output");
        json_decref(o);
    } else if (stats_human(c, &st) != 0) {
        rc = ec_fail(err, EC_E_NOMEM, "out of memory while writing output");
    }
    ec_offline_stats_free(&st);
    return rc;
}
