/* The etcd database inside a bbolt file: open, meta values, one key. */
#include "etcdclient/offline/offline_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "etcdclient/offline/le.h"

const char *ec_offline_fault_name(ec_offline_fault f)
{
    switch (f) {
    case EC_OFFLINE_F_NONE: return "none";
    case EC_OFFLINE_F_FILE: return "file";
    case EC_OFFLINE_F_IN_USE: return "in-use";
    case EC_OFFLINE_F_NOT_BBOLT: return "not-bbolt";
    case EC_OFFLINE_F_META: return "meta";
    case EC_OFFLINE_F_TRUNCATED: return "truncated";
    case EC_OFFLINE_F_HASH: return "hash";
    case EC_OFFLINE_F_NOT_ETCD: return "not-etcd";
    case EC_OFFLINE_F_BAD_PAGE: return "bad-page";
    case EC_OFFLINE_F_BAD_RECORD: return "bad-record";
    case EC_OFFLINE_F_LIMIT: return "limit";
    }
    return "unknown";
}

int ec_ol_fail(ec_offline *db, ec_err *err, ec_offline_fault fault, ec_code code,
            const char *fmt, ...)
{
    char detail[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof detail, fmt, ap);
    va_end(ap);
    return ec_bolt_fail(&db->bolt, err, fault, code, "%s", detail);
}

ec_offline *ec_offline_new(void)
{
    ec_offline *db = calloc(1, sizeof(ec_offline));
    if (db)
        db->bolt.fd = -1;   /* not stdin */
    return db;
}

void ec_offline_free(ec_offline *db)
{
    if (!db)
        return;
    ec_bolt_close(&db->bolt);
    free(db);
}

ec_offline_fault ec_offline_last_fault(const ec_offline *db)
{
    return db->bolt.fault;
}

const char *ec_offline_name(const ec_offline *db)
{
    return db->bolt.name;
}

const ec_bolt *ec_offline_bolt(const ec_offline *db)
{
    return &db->bolt;
}

int64_t ec_offline_consistent_index(const ec_offline *db) { return db->consistent_index; }
int64_t ec_offline_compact_revision(const ec_offline *db) { return db->compact_rev; }
int64_t ec_offline_scheduled_compact_revision(const ec_offline *db)
{
    return db->scheduled_compact_rev;
}

/* Reads one value of the meta bucket: an 8-byte big-endian number or a
 * revision key (main revision taken). -1 when absent or malformed. */
static int meta_value(ec_offline *db, const ec_bolt_bucket *meta, const char *name, int is_rev,
                      int64_t *out, ec_err *err)
{
    *out = -1;
    ec_bolt_item it;
    int found = 0;
    if (ec_bolt_get(&db->bolt, meta, (const uint8_t *)name, strlen(name), &it, &found, err) != 0)
        return -1;
    if (!found || it.is_bucket)
        return 0;
    if (is_rev) {
        int64_t main_rev, sub_rev;
        int tomb;
        if (ec_offline_revkey_parse(it.value, it.value_len, &main_rev, &sub_rev, &tomb) == 0)
            *out = main_rev;
    } else if (it.value_len == 8 && ec_be64(it.value) <= INT64_MAX) {
        *out = (int64_t)ec_be64(it.value);
    }
    return 0;
}

static int open_etcd(ec_offline *db, ec_err *err)
{
    ec_bolt_bucket root, meta;
    ec_bolt_root_bucket(&db->bolt, &root);
    int found = 0;
    if (ec_bolt_bucket_find(&db->bolt, &root, "key", &db->key_bucket, &found, err) != 0)
        return -1;
    if (!found)
        return ec_ol_fail(db, err, EC_OFFLINE_F_NOT_ETCD, EC_E_CORRUPT,
                       "not an etcd database (no 'key' bucket)");
    db->consistent_index = db->compact_rev = db->scheduled_compact_rev = -1;
    if (ec_bolt_bucket_find(&db->bolt, &root, "meta", &meta, &found, err) != 0)
        return -1;
    if (found && (meta_value(db, &meta, "consistent_index", 0, &db->consistent_index, err) != 0
                  || meta_value(db, &meta, "finishedCompactRev", 1, &db->compact_rev, err) != 0
                  || meta_value(db, &meta, "scheduledCompactRev", 1, &db->scheduled_compact_rev,
                                err) != 0))
        return -1;
    db->open = 1;
    return 0;
}

int ec_offline_open(ec_offline *db, const char *path, unsigned flags, ec_err *err)
{
    ec_bolt_close(&db->bolt);
    db->open = 0;
    if (ec_bolt_open_file(&db->bolt, path, flags, err) != 0)
        return -1;
    if (open_etcd(db, err) != 0) {
        ec_offline_fault f = db->bolt.fault;
        ec_bolt_close(&db->bolt);
        db->bolt.fault = f;
        return -1;
    }
    return 0;
}

int ec_offline_open_mem(ec_offline *db, const uint8_t *data, size_t len, const char *name,
                        unsigned flags, ec_err *err)
{
    ec_bolt_close(&db->bolt);
    db->open = 0;
    if (ec_bolt_open_mem(&db->bolt, data, len, name, flags, err) != 0)
        return -1;
    if (open_etcd(db, err) != 0) {
        ec_offline_fault f = db->bolt.fault;
        ec_bolt_close(&db->bolt);
        db->bolt.fault = f;
        return -1;
    }
    return 0;
}

int ec_ol_record(ec_offline *db, const uint8_t *k, size_t klen, const uint8_t *v, size_t vlen,
              ec_offline_kv *kv, ec_err *err)
{
    int64_t main_rev, sub_rev;
    int tomb;
    if (ec_offline_revkey_parse(k, klen, &main_rev, &sub_rev, &tomb) != 0) {
        char hex[2 * 20 + 4] = "";
        size_t n = klen < 20 ? klen : 20;
        for (size_t i = 0; i < n; i++)
            snprintf(hex + 2 * i, 3, "%02x", k[i]);
        return ec_ol_fail(db, err, EC_OFFLINE_F_BAD_RECORD, EC_E_CORRUPT,
                       "malformed revision key %s%s (%zu bytes) in bucket 'key'", hex,
                       klen > n ? "..." : "", klen);
    }
    if (ec_offline_kv_parse(v, vlen, kv) != 0 || kv->key_len == 0)
        return ec_ol_fail(db, err, EC_OFFLINE_F_BAD_RECORD, EC_E_CORRUPT,
                       "malformed KeyValue at revision %lld", (long long)main_rev);
    kv->rev_main = main_rev;
    kv->rev_sub = sub_rev;
    kv->deleted = tomb;
    return 0;
}

int ec_ol_scan(ec_offline *db, ec_ol_record_fn fn, void *ctx, ec_err *err)
{
    if (!db->open)
        return ec_fail(err, EC_E_INVALID, "no database is open");
    ec_bolt_cursor c;
    if (ec_bolt_cursor_open(&c, &db->bolt, &db->key_bucket, NULL, err) != 0)
        return -1;
    ec_bolt_item it;
    int rc;
    while ((rc = ec_bolt_cursor_next(&c, &it, err)) == 1) {
        ec_offline_kv kv;
        if (it.is_bucket) {
            rc = ec_ol_fail(db, err, EC_OFFLINE_F_BAD_RECORD, EC_E_CORRUPT,
                         "unexpected nested bucket in bucket 'key'");
            break;
        }
        if (ec_ol_record(db, it.key, it.key_len, it.value, it.value_len, &kv, err) != 0) {
            rc = -1;
            break;
        }
        rc = fn(ctx, &kv, it.value, it.value_len, err);
        if (rc != 0)
            break;
    }
    ec_bolt_cursor_close(&c);
    ec_bolt_release(&db->bolt);
    return rc < 0 ? -1 : rc;
}

typedef struct history_ctx {
    const uint8_t *key;
    size_t key_len;
    ec_offline_kv_fn fn;
    void *ctx;
} history_ctx;

static int history_one(void *ctx, const ec_offline_kv *kv, const uint8_t *rec, size_t rec_len,
                       ec_err *err)
{
    (void)rec;
    (void)rec_len;
    history_ctx *h = ctx;
    if (kv->key_len != h->key_len || memcmp(kv->key, h->key, h->key_len) != 0)
        return 0;
    return h->fn(h->ctx, kv, err);
}

int ec_offline_history(ec_offline *db, const uint8_t *key, size_t key_len,
                       ec_offline_kv_fn fn, void *ctx, ec_err *err)
{
    history_ctx h = {key, key_len, fn, ctx};
    return ec_ol_scan(db, history_one, &h, err);
}

typedef struct get_ctx {
    ec_offline_kv *kv;
    int found;
} get_ctx;

static int get_one(void *ctx, const ec_offline_kv *kv, ec_err *err)
{
    (void)err;
    get_ctx *g = ctx;
    if (!g->found || kv->rev_main > g->kv->rev_main
        || (kv->rev_main == g->kv->rev_main && kv->rev_sub > g->kv->rev_sub)) {
        *g->kv = *kv;
        g->found = 1;
    }
    return 0;
}

int ec_offline_get(ec_offline *db, const uint8_t *key, size_t key_len, ec_offline_kv *kv,
                   int *state, ec_err *err)
{
    get_ctx g = {kv, 0};
    memset(kv, 0, sizeof *kv);
    *state = EC_OFFLINE_ABSENT;
    if (ec_offline_history(db, key, key_len, get_one, &g, err) != 0)
        return -1;
    if (g.found)
        *state = kv->deleted ? EC_OFFLINE_DELETED : EC_OFFLINE_LIVE;
    return 0;
}
