/* The offline reader against real etcd files (tests/fixtures/offline, made
 * by make.sh there from a real etcd 3.4) and damaged copies of them. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <jansson.h>
#include <openssl/evp.h>

#include "etcdclient/offline/offline.h"
#include "etcdclient/offline/keymap.h"
#include "mvccpb/kv.pb-c.h"

static char fixture_dir[1024];
static char tmp_dir[256];

static const char *fixture(const char *name)
{
    static char path[1300];
    snprintf(path, sizeof path, "%s/%s", fixture_dir, name);
    return path;
}

static uint8_t *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *p = malloc((size_t)n + 1);
    assert_non_null(p);
    assert_int_equal(fread(p, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    *len = (size_t)n;
    return p;
}

static const char *write_tmp(const char *name, const uint8_t *p, size_t n)
{
    static char path[512];
    snprintf(path, sizeof path, "%s/%s", tmp_dir, name);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    if (n)
        assert_int_equal(fwrite(p, 1, n, f), n);
    fclose(f);
    return path;
}

static uint8_t *b64dec(const char *s, size_t *len)
{
    size_t n = strlen(s);
    uint8_t *out = malloc(n + 1);
    assert_non_null(out);
    int got = EVP_DecodeBlock(out, (const unsigned char *)s, (int)n);
    assert_true(got >= 0);
    /* EVP_DecodeBlock counts padding as zero bytes. */
    while (n > 0 && s[n - 1] == '=') {
        n--;
        got--;
    }
    *len = (size_t)got;
    return out;
}

static ec_offline *open_ok(const char *path, unsigned flags)
{
    ec_err err;
    ec_offline *db = ec_offline_new();
    assert_non_null(db);
    int rc = ec_offline_open(db, path, flags, &err);
    if (rc != 0)
        fail_msg("open '%s': %s", path, err.msg);
    return db;
}

/* Opens bytes expecting failure of the given class; returns the message. */
static const char *open_mem_fails(const uint8_t *p, size_t n, unsigned flags,
                                  ec_offline_fault want)
{
    static ec_err err;
    ec_offline *db = ec_offline_new();
    int rc = ec_offline_open_mem(db, p, n, "copy.db", flags, &err);
    ec_offline_fault got = ec_offline_last_fault(db);
    ec_offline_free(db);
    if (rc == 0)
        fail_msg("opened, wanted fault %s", ec_offline_fault_name(want));
    if (got != want)
        fail_msg("fault %s (%s), wanted %s", ec_offline_fault_name(got), err.msg,
                 ec_offline_fault_name(want));
    assert_int_equal(err.code, want == EC_OFFLINE_F_FILE ? err.code : EC_E_CORRUPT);
    assert_non_null(strstr(err.msg, "cannot read 'copy.db': "));
    return err.msg;
}

/* Opens bytes and runs every full read; returns the first error's fault, or
 * NONE when all of them worked. */
static ec_offline_fault read_all_mem(const uint8_t *p, size_t n, unsigned flags, ec_err *err)
{
    ec_offline *db = ec_offline_new();
    ec_offline_fault f = EC_OFFLINE_F_NONE;
    ec_offline_index *idx = NULL;
    ec_offline_stats st;
    if (ec_offline_open_mem(db, p, n, "copy.db", flags, err) != 0
        || ec_offline_index_build(db, NULL, 0, 0, &idx, err) != 0
        || ec_offline_stats_get(db, &st, err) != 0) {
        f = ec_offline_last_fault(db);
        if (f == EC_OFFLINE_F_NONE)
            f = EC_OFFLINE_F_LIMIT;
    } else {
        ec_offline_stats_free(&st);
    }
    ec_offline_index_free(idx);
    ec_offline_free(db);
    return f;
}

/* ---- parsers ---- */

static void test_revkey(void **state)
{
    (void)state;
    uint8_t k[18] = {0, 0, 0, 0, 0, 0, 0, 42, '_', 0, 0, 0, 0, 0, 0, 0, 3, 't'};
    int64_t m, s;
    int t;
    assert_int_equal(ec_offline_revkey_parse(k, 17, &m, &s, &t), 0);
    assert_int_equal(m, 42);
    assert_int_equal(s, 3);
    assert_int_equal(t, 0);
    assert_int_equal(ec_offline_revkey_parse(k, 18, &m, &s, &t), 0);
    assert_int_equal(t, 1);
    k[17] = 'x';
    assert_int_equal(ec_offline_revkey_parse(k, 18, &m, &s, &t), -1);
    assert_int_equal(ec_offline_revkey_parse(k, 16, &m, &s, &t), -1);
    assert_int_equal(ec_offline_revkey_parse(k, 0, &m, &s, &t), -1);
    k[8] = '-';
    assert_int_equal(ec_offline_revkey_parse(k, 17, &m, &s, &t), -1);
    k[8] = '_';
    k[0] = 0x80;    /* negative revision */
    assert_int_equal(ec_offline_revkey_parse(k, 17, &m, &s, &t), -1);
}

static void test_kv_parse_matches_protobuf_c(void **state)
{
    (void)state;
    Mvccpb__KeyValue in = MVCCPB__KEY_VALUE__INIT;
    uint8_t key[] = "/k\0ey", val[] = "v\xff\x00";
    in.key.data = key;
    in.key.len = 5;
    in.value.data = val;
    in.value.len = 3;
    in.create_revision = 5;
    in.mod_revision = 1LL << 40;
    in.version = 7;
    in.lease = -2;  /* negative int64: a 10-byte varint */
    uint8_t buf[128];
    size_t n = mvccpb__key_value__pack(&in, buf);
    ec_offline_kv kv;
    assert_int_equal(ec_offline_kv_parse(buf, n, &kv), 0);
    assert_int_equal(kv.key_len, 5);
    assert_memory_equal(kv.key, key, 5);
    assert_int_equal(kv.value_len, 3);
    assert_memory_equal(kv.value, val, 3);
    assert_int_equal(kv.create_revision, 5);
    assert_int_equal(kv.mod_revision, 1LL << 40);
    assert_int_equal(kv.version, 7);
    assert_int_equal(kv.lease, -2);
    /* Every strict prefix is cut inside a field, so malformed. */
    for (size_t i = 1; i < n; i++) {
        ec_offline_kv k2;
        int rc = ec_offline_kv_parse(buf, i, &k2);
        Mvccpb__KeyValue *u = mvccpb__key_value__unpack(NULL, i, buf);
        /* Where protobuf-c accepts a prefix (ends on a field boundary), so do we. */
        assert_int_equal(rc == 0, u != NULL);
        if (u)
            mvccpb__key_value__free_unpacked(u, NULL);
    }
    /* Unknown fields are skipped, bad wire types and groups refused. */
    const uint8_t unknown[] = {0x0a, 0x01, 'k', 0x38, 0x05, 0x42, 0x01, 'z'};
    assert_int_equal(ec_offline_kv_parse(unknown, sizeof unknown, &kv), 0);
    assert_int_equal(kv.key_len, 1);
    const uint8_t group[] = {0x0a, 0x01, 'k', 0x3b};
    assert_int_equal(ec_offline_kv_parse(group, sizeof group, &kv), -1);
    const uint8_t wire7[] = {0x0f};
    assert_int_equal(ec_offline_kv_parse(wire7, 1, &kv), -1);
    const uint8_t key_as_varint[] = {0x08, 0x01};
    assert_int_equal(ec_offline_kv_parse(key_as_varint, 2, &kv), -1);
    const uint8_t long_len[] = {0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f, 'k'};
    assert_int_equal(ec_offline_kv_parse(long_len, sizeof long_len, &kv), -1);
    const uint8_t varint11[] = {0x10, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01};
    assert_int_equal(ec_offline_kv_parse(varint11, sizeof varint11, &kv), -1);
    const uint8_t field0[] = {0x00, 0x01};
    assert_int_equal(ec_offline_kv_parse(field0, 2, &kv), -1);
}

/* Every record of the real file parses the same with protobuf-c. */
static void test_every_record_matches_protobuf_c(void **state)
{
    (void)state;
    ec_offline *db = open_ok(fixture("seq.db"), 0);
    ec_bolt *b = (ec_bolt *)ec_offline_bolt(db);
    ec_bolt_bucket root, key;
    int found = 0;
    ec_err err;
    ec_bolt_root_bucket(b, &root);
    assert_int_equal(ec_bolt_bucket_find(b, &root, "key", &key, &found, &err), 0);
    assert_true(found);
    ec_bolt_cursor c;
    assert_int_equal(ec_bolt_cursor_open(&c, b, &key, NULL, &err), 0);
    ec_bolt_item it;
    int n = 0;
    int64_t last_main = 0, last_sub = -1;
    while (ec_bolt_cursor_next(&c, &it, &err) == 1) {
        int64_t m, s;
        int t;
        assert_int_equal(ec_offline_revkey_parse(it.key, it.key_len, &m, &s, &t), 0);
        /* The bucket is in revision order. */
        assert_true(m > last_main || (m == last_main && s > last_sub));
        last_main = m;
        last_sub = s;
        ec_offline_kv kv;
        assert_int_equal(ec_offline_kv_parse(it.value, it.value_len, &kv), 0);
        Mvccpb__KeyValue *u = mvccpb__key_value__unpack(NULL, it.value_len, it.value);
        assert_non_null(u);
        assert_int_equal(kv.key_len, u->key.len);
        assert_memory_equal(kv.key, u->key.data, u->key.len);
        assert_int_equal(kv.value_len, u->value.len);
        if (u->value.len)
            assert_memory_equal(kv.value, u->value.data, u->value.len);
        assert_int_equal(kv.create_revision, u->create_revision);
        assert_int_equal(kv.mod_revision, u->mod_revision);
        assert_int_equal(kv.version, u->version);
        assert_int_equal(kv.lease, u->lease);
        if (!t)
            assert_int_equal(u->mod_revision, m);
        mvccpb__key_value__free_unpacked(u, NULL);
        n++;
    }
    assert_int_equal(n, 86);
    assert_int_equal(c.branch_pages, 1);
    assert_true(c.leaf_pages >= 2);
    assert_true(c.overflow_pages >= 1);
    ec_bolt_cursor_close(&c);
    ec_offline_free(db);
}

static void test_keymap(void **state)
{
    (void)state;
    ec_keymap m;
    ec_keymap_init(&m, 5000);
    char key[32];
    int created;
    for (int round = 0; round < 2; round++)
        for (int i = 0; i < 3000; i++) {
            snprintf(key, sizeof key, "/k/%05d", (i * 7919) % 3000);
            ec_keymap_entry *e = ec_keymap_upsert(&m, (uint8_t *)key, strlen(key), &created);
            assert_non_null(e);
            assert_int_equal(created, round == 0);
            e->revisions++;
        }
    assert_int_equal(m.n, 3000);
    ec_keymap_sort(&m);
    for (size_t i = 0; i < m.n; i++) {
        snprintf(key, sizeof key, "/k/%05zu", i);
        assert_int_equal(m.entries[i].key_len, strlen(key));
        assert_memory_equal(ec_keymap_key(&m, &m.entries[i]), key, strlen(key));
        assert_int_equal(m.entries[i].revisions, 2);
    }
    ec_keymap_free(&m);
    /* The cap holds. */
    ec_keymap_init(&m, 10);
    for (int i = 0; i < 10; i++) {
        snprintf(key, sizeof key, "%d", i);
        assert_non_null(ec_keymap_upsert(&m, (uint8_t *)key, strlen(key), &created));
    }
    assert_null(ec_keymap_upsert(&m, (const uint8_t *)"x", 1, &created));
    ec_keymap_free(&m);
}

static void test_group_len(void **state)
{
    (void)state;
    const char *k = "/registry/pods/default/web-1";
    size_t n = strlen(k);
    assert_int_equal(ec_offline_group_len((const uint8_t *)k, n, 0), n);
    assert_int_equal(ec_offline_group_len((const uint8_t *)k, n, 1), strlen("/registry/"));
    assert_int_equal(ec_offline_group_len((const uint8_t *)k, n, 2), strlen("/registry/pods/"));
    assert_int_equal(ec_offline_group_len((const uint8_t *)k, n, 3),
                     strlen("/registry/pods/default/"));
    assert_int_equal(ec_offline_group_len((const uint8_t *)k, n, 4), n);
    assert_int_equal(ec_offline_group_len((const uint8_t *)"a/b", 3, 1), 2);
    assert_int_equal(ec_offline_group_len((const uint8_t *)"/", 1, 1), 1);
    assert_int_equal(ec_offline_group_len((const uint8_t *)"", 0, 1), 0);
}

/* ---- the real files ---- */

/* The live view equals what etcdctl returned just before the snapshot. */
static void check_against_etcdctl(const char *name)
{
    char dbfile[1300];
    snprintf(dbfile, sizeof dbfile, "%s", fixture(name));
    json_error_t je;
    json_t *want = json_load_file(fixture("expected-get.json"), 0, &je);
    assert_non_null(want);
    json_t *kvs = json_object_get(want, "kvs");
    ec_offline *db = open_ok(dbfile, 0);
    ec_offline_index *idx;
    ec_err err;
    assert_int_equal(ec_offline_index_build(db, NULL, 0, EC_OFFLINE_LIVE_ONLY, &idx, &err), 0);
    assert_int_equal(ec_offline_index_len(idx), json_array_size(kvs));
    assert_int_equal(ec_offline_index_revision(idx),
                     json_integer_value(json_object_get(json_object_get(want, "header"),
                                                        "revision")));
    for (size_t i = 0; i < json_array_size(kvs); i++) {
        json_t *w = json_array_get(kvs, i);
        ec_offline_kv kv;
        assert_int_equal(ec_offline_index_kv(db, idx, i, &kv, &err), 0);
        size_t kl, vl = 0;
        uint8_t *k = b64dec(json_string_value(json_object_get(w, "key")), &kl);
        json_t *jv = json_object_get(w, "value");   /* absent for an empty value */
        uint8_t *v = jv ? b64dec(json_string_value(jv), &vl) : NULL;
        assert_int_equal(kv.key_len, kl);
        assert_memory_equal(kv.key, k, kl);
        assert_int_equal(kv.value_len, vl);
        if (vl)
            assert_memory_equal(kv.value, v, vl);
        assert_int_equal(kv.create_revision,
                         json_integer_value(json_object_get(w, "create_revision")));
        assert_int_equal(kv.mod_revision, json_integer_value(json_object_get(w, "mod_revision")));
        assert_int_equal(kv.version, json_integer_value(json_object_get(w, "version")));
        assert_int_equal(kv.lease, json_integer_value(json_object_get(w, "lease")));
        assert_false(kv.deleted);
        free(k);
        free(v);
    }
    ec_offline_index_free(idx);
    ec_offline_free(db);
    json_decref(want);
}

static void test_snapshot_equals_etcdctl(void **state)
{
    (void)state;
    check_against_etcdctl("seq.db");
}

static void test_member_db_equals_etcdctl(void **state)
{
    (void)state;
    check_against_etcdctl("member.db");
}

/* Per-key record counts equal what make.sh computed from the operations. */
static void test_counts_match_sequence(void **state)
{
    (void)state;
    FILE *f = fopen(fixture("expected.txt"), "r");
    assert_non_null(f);
    ec_offline *db = open_ok(fixture("seq.db"), 0);
    ec_offline_index *idx;
    ec_err err;
    assert_int_equal(ec_offline_index_build(db, NULL, 0, 0, &idx, &err), 0);
    char line[512];
    size_t keys = 0;
    long long want_rev = -1, want_compact = -1;
    while (fgets(line, sizeof line, f)) {
        char b64[256];
        unsigned revs, dels, live;
        if (sscanf(line, "revision %lld", &want_rev) == 1
            || sscanf(line, "compact_revision %lld", &want_compact) == 1 || line[0] == '#'
            || strncmp(line, "lease ", 6) == 0)
            continue;
        assert_int_equal(sscanf(line, "%255s %u %u %u", b64, &revs, &dels, &live), 4);
        size_t kl;
        uint8_t *k = b64dec(b64, &kl);
        int found = 0;
        for (size_t i = 0; i < ec_offline_index_len(idx); i++) {
            ec_offline_keyinfo ki;
            ec_offline_index_info(idx, i, &ki);
            if (ki.key_len != kl || memcmp(ki.key, k, kl) != 0)
                continue;
            found = 1;
            assert_int_equal(ki.revisions, revs);
            assert_int_equal(ki.deletes, dels);
            assert_int_equal(ki.deleted, !live);
        }
        assert_true(found);
        free(k);
        keys++;
    }
    fclose(f);
    assert_int_equal(keys, ec_offline_index_len(idx));
    assert_int_equal(ec_offline_index_revision(idx), want_rev);
    assert_int_equal(ec_offline_compact_revision(db), want_compact);
    ec_offline_index_free(idx);
    ec_offline_free(db);
}

static long long expected_lease(void)
{
    FILE *f = fopen(fixture("expected.txt"), "r");
    assert_non_null(f);
    char line[512];
    long long lease = 0;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "lease %lld", &lease) == 1)
            break;
    fclose(f);
    return lease;
}

static int collect(void *ctx, const ec_offline_kv *kv, ec_err *err)
{
    (void)err;
    ec_offline_kv *out = ctx;
    size_t i = 0;
    while (out[i].rev_main)
        i++;
    assert_true(i < 15);
    out[i] = *kv;
    return 0;
}

/* What the known sequence in make.sh must have left, spelled out. */
static void test_sequence_details(void **state)
{
    (void)state;
    ec_offline *db = open_ok(fixture("seq.db"), 0);
    ec_err err;
    ec_offline_kv kv;
    int st;
    assert_int_equal(ec_offline_get(db, (const uint8_t *)"/a", 2, &kv, &st, &err), 0);
    assert_int_equal(st, EC_OFFLINE_LIVE);
    assert_int_equal(kv.value_len, 1);
    assert_memory_equal(kv.value, "3", 1);
    assert_int_equal(kv.create_revision, 2);
    assert_int_equal(kv.mod_revision, 7);
    assert_int_equal(kv.version, 3);

    assert_int_equal(ec_offline_get(db, (const uint8_t *)"/b", 2, &kv, &st, &err), 0);
    assert_int_equal(st, EC_OFFLINE_DELETED);
    assert_int_equal(kv.rev_main, 6);
    assert_int_equal(ec_offline_get(db, (const uint8_t *)"/nope", 5, &kv, &st, &err), 0);
    assert_int_equal(st, EC_OFFLINE_ABSENT);

    /* /gone: put, delete, put again: the new life starts at version 1. */
    ec_offline_kv h[16];
    memset(h, 0, sizeof h);
    assert_int_equal(ec_offline_history(db, (const uint8_t *)"/gone", 5, collect, h, &err), 0);
    assert_int_equal(h[0].rev_main, 23);
    assert_false(h[0].deleted);
    assert_memory_equal(h[0].value, "x", 1);
    assert_int_equal(h[1].rev_main, 24);
    assert_true(h[1].deleted);
    assert_int_equal(h[2].rev_main, 25);
    assert_int_equal(h[2].version, 1);
    assert_int_equal(h[2].create_revision, 25);
    assert_int_equal(h[3].rev_main, 0);

    /* /a lost revision 2 to the compaction at 5 but kept 4. */
    memset(h, 0, sizeof h);
    assert_int_equal(ec_offline_history(db, (const uint8_t *)"/a", 2, collect, h, &err), 0);
    assert_int_equal(h[0].rev_main, 4);
    assert_int_equal(h[1].rev_main, 7);
    assert_int_equal(h[2].rev_main, 0);

    /* One transaction: same main revision, sub revisions 0 and 1. */
    memset(h, 0, sizeof h);
    assert_int_equal(ec_offline_history(db, (const uint8_t *)"/txn/2", 6, collect, h, &err), 0);
    assert_int_equal(h[0].rev_main, 86);
    assert_int_equal(h[0].rev_sub, 1);

    const uint8_t binkey[] = "/bin/\xff\xfe";
    const uint8_t binval[] = "x\0y\n\033]0;pwned\007\377";
    assert_int_equal(ec_offline_get(db, binkey, 7, &kv, &st, &err), 0);
    assert_int_equal(st, EC_OFFLINE_LIVE);
    assert_int_equal(kv.value_len, sizeof binval - 1);
    assert_memory_equal(kv.value, binval, sizeof binval - 1);

    assert_int_equal(ec_offline_get(db, (const uint8_t *)"/lease/k", 8, &kv, &st, &err), 0);
    assert_int_equal(kv.lease, expected_lease());
    assert_true(kv.lease != 0);

    assert_int_equal(ec_offline_get(db, (const uint8_t *)"/big", 4, &kv, &st, &err), 0);
    assert_int_equal(kv.value_len, 8893);   /* `seq 1 2000 | tr '\n' ,` */
    assert_memory_equal(kv.value, "1,2,3,", 6);
    assert_memory_equal(kv.value + 8893 - 5, "2000,", 5);

    assert_int_equal(ec_offline_get(db, (const uint8_t *)"/e", 2, &kv, &st, &err), 0);
    assert_int_equal(st, EC_OFFLINE_LIVE);
    assert_int_equal(kv.value_len, 0);
    ec_offline_free(db);
}

static void test_prefix_and_groups(void **state)
{
    (void)state;
    ec_offline *db = open_ok(fixture("seq.db"), 0);
    ec_offline_index *idx;
    ec_err err;
    assert_int_equal(ec_offline_index_build(db, (const uint8_t *)"/many/", 6,
                                            EC_OFFLINE_LIVE_ONLY, &idx, &err), 0);
    assert_int_equal(ec_offline_index_len(idx), 60);
    ec_offline_keyinfo ki;
    ec_offline_index_info(idx, 0, &ki);
    assert_memory_equal(ki.key, "/many/00", 8);
    ec_offline_index_info(idx, 59, &ki);
    assert_memory_equal(ki.key, "/many/59", 8);
    /* The scan still saw the whole bucket. */
    assert_int_equal(ec_offline_index_records(idx), 86);
    assert_int_equal(ec_offline_index_revision(idx), 87);
    ec_offline_index_free(idx);

    assert_int_equal(ec_offline_index_build(db, NULL, 0, 0, &idx, &err), 0);
    assert_int_equal(ec_offline_index_len(idx), 72);
    ec_offline_group *g;
    size_t n;
    assert_int_equal(ec_offline_index_groups(idx, 1, &g, &n, &err), 0);
    /* /a /b /big /bin/ /c /e /esc/ /gone /hot /lease/ /many/ /txn/ */
    assert_int_equal(n, 12);
    uint64_t keys = 0, deleted = 0, revs = 0, dels = 0;
    int saw_many = 0;
    for (size_t i = 0; i < n; i++) {
        keys += g[i].keys;
        deleted += g[i].deleted_keys;
        revs += g[i].revisions;
        dels += g[i].deletes;
        if (g[i].prefix_len == 6 && memcmp(g[i].prefix, "/many/", 6) == 0) {
            saw_many = 1;
            assert_int_equal(g[i].keys, 60);
            assert_int_equal(g[i].revisions, 60);
        }
        if (g[i].prefix_len == 2 && memcmp(g[i].prefix, "/b", 2) == 0) {
            assert_int_equal(g[i].keys, 0);
            assert_int_equal(g[i].deleted_keys, 1);
            assert_int_equal(g[i].revisions, 2);
            assert_int_equal(g[i].deletes, 1);
        }
    }
    assert_true(saw_many);
    assert_int_equal(keys, 70);
    assert_int_equal(deleted, 2);
    assert_int_equal(revs, 86);
    assert_int_equal(dels, 3);
    free(g);
    ec_offline_index_free(idx);
    ec_offline_free(db);
}

static void test_stats(void **state)
{
    (void)state;
    const char *files[] = {"seq.db", "member.db"};
    for (int f = 0; f < 2; f++) {
        ec_offline *db = open_ok(fixture(files[f]), 0);
        ec_offline_stats st;
        ec_err err;
        assert_int_equal(ec_offline_stats_get(db, &st, &err), 0);
        assert_int_equal(st.trailer, f == 0 ? EC_SNAP_VERIFIED : EC_SNAP_NONE);
        assert_int_equal(st.file_size, f == 0 ? 53280 : 53248);
        assert_int_equal(st.page_size, 4096);
        assert_int_equal(st.pages, 13);
        assert_int_equal(st.reachable_pages + st.free_pages, st.pages);
        assert_int_equal(st.freelist_ids, -1);    /* etcd runs bbolt with NoFreelistSync */
        assert_int_equal(st.revision, 87);
        assert_int_equal(st.compact_revision, 5);
        assert_int_equal(st.scheduled_compact_revision, 5);
        assert_true(st.consistent_index > 87);
        assert_int_equal(st.key_records, 86);
        assert_int_equal(st.tombstones, 3);
        const char *names[] = {"alarm", "auth", "authRoles", "authUsers", "cluster", "key",
                               "lease", "members", "members_removed", "meta"};
        assert_int_equal(st.nbuckets, 10);
        for (size_t i = 0; i < 10; i++) {
            assert_int_equal(st.buckets[i].name_len, strlen(names[i]));
            assert_memory_equal(st.buckets[i].name, names[i], strlen(names[i]));
            assert_int_equal(st.buckets[i].depth, 0);
        }
        const ec_offline_bucket_stat *key = &st.buckets[5];
        assert_int_equal(key->keys, 86);
        assert_false(key->is_inline);
        assert_int_equal(key->branch_pages, 1);
        assert_true(key->overflow_pages >= 1);
        assert_int_equal(st.buckets[6].keys, 1);   /* the one lease */
        ec_offline_stats_free(&st);
        ec_offline_free(db);
    }
}

/* ---- damaged files ---- */

static void test_empty_and_foreign(void **state)
{
    (void)state;
    const char *m = open_mem_fails((const uint8_t *)"", 0, 0, EC_OFFLINE_F_NOT_BBOLT);
    assert_non_null(strstr(m, "not a bbolt file (it is empty)"));
    size_t n;
    uint8_t *src = slurp(fixture("make.sh"), &n);
    m = open_mem_fails(src, n, 0, EC_OFFLINE_F_NOT_BBOLT);
    assert_non_null(strstr(m, "not a bbolt file (bad magic"));
    free(src);
    /* Through the file path too, and a missing file. */
    ec_err err;
    ec_offline *db = ec_offline_new();
    assert_int_equal(ec_offline_open(db, write_tmp("empty.db", NULL, 0), 0, &err), -1);
    assert_int_equal(ec_offline_last_fault(db), EC_OFFLINE_F_NOT_BBOLT);
    assert_int_equal(ec_offline_open(db, "/nonexistent/db", 0, &err), -1);
    assert_int_equal(ec_offline_last_fault(db), EC_OFFLINE_F_FILE);
    assert_int_equal(err.code, EC_E_NOT_FOUND);
    assert_string_equal(err.msg, "cannot open '/nonexistent/db': No such file or directory");
    assert_int_equal(ec_offline_open(db, fixture(""), 0, &err), -1);
    assert_int_equal(ec_offline_last_fault(db), EC_OFFLINE_F_FILE);
    ec_offline_free(db);
}

static void test_garbage_of_right_size(void **state)
{
    (void)state;
    uint8_t *g = malloc(53280);
    assert_non_null(g);
    srand(7);
    for (size_t i = 0; i < 53280; i++)
        g[i] = (uint8_t)rand();
    /* Snapshot-sized: the trailer check speaks first. */
    const char *m = open_mem_fails(g, 53280, 0, EC_OFFLINE_F_HASH);
    assert_non_null(strstr(m, "snapshot hash mismatch"));
    m = open_mem_fails(g, 53280, EC_OFFLINE_NO_VERIFY, EC_OFFLINE_F_NOT_BBOLT);
    assert_non_null(strstr(m, "bad magic"));
    /* Member-db-sized. */
    open_mem_fails(g, 53248, 0, EC_OFFLINE_F_NOT_BBOLT);
    /* Through the file path: the hash is read with pread, not the map. */
    ec_err err;
    ec_offline *db = ec_offline_new();
    assert_int_equal(ec_offline_open(db, write_tmp("garbage.db", g, 53280), 0, &err), -1);
    assert_int_equal(ec_offline_last_fault(db), EC_OFFLINE_F_HASH);
    ec_offline_free(db);
    free(g);
}

static void test_truncated(void **state)
{
    (void)state;
    size_t n;
    uint8_t *snap = slurp(fixture("seq.db"), &n);
    /* Cut at a page boundary: no trailer left, pages missing. */
    const char *m = open_mem_fails(snap, 8 * 4096, 0, EC_OFFLINE_F_TRUNCATED);
    assert_non_null(strstr(m, "truncated file (page 8 is beyond the end of the file"));
    /* Cut anywhere. */
    open_mem_fails(snap, 40000, 0, EC_OFFLINE_F_TRUNCATED);
    open_mem_fails(snap, 4096, 0, EC_OFFLINE_F_TRUNCATED);
    open_mem_fails(snap, 100, 0, EC_OFFLINE_F_TRUNCATED);
    open_mem_fails(snap, 79, 0, EC_OFFLINE_F_NOT_BBOLT);
    /* The trailer's own bytes cut: 53280 - 32 + 31 keeps size % 512 != 32, so
     * the file is read as a db with a few bytes of tail. */
    ec_err err;
    assert_int_equal(read_all_mem(snap, n - 1, 0, &err), EC_OFFLINE_F_NONE);
    /* Through the file path. */
    ec_offline *db = ec_offline_new();
    assert_int_equal(ec_offline_open(db, write_tmp("trunc.db", snap, 12 * 4096), 0, &err), -1);
    assert_int_equal(ec_offline_last_fault(db), EC_OFFLINE_F_TRUNCATED);
    assert_non_null(strstr(err.msg, "trunc.db': truncated file (page 12 is beyond the end"));
    ec_offline_free(db);
    /* Every cut of the member db fails cleanly. */
    free(snap);
    uint8_t *mem = slurp(fixture("member.db"), &n);
    for (size_t cut = 0; cut < n; cut += 1000) {
        ec_offline_fault f = read_all_mem(mem, cut, 0, &err);
        /* A cut leaving size % 512 == 32 looks like a snapshot: its "hash" fails. */
        assert_true(f == EC_OFFLINE_F_TRUNCATED || f == EC_OFFLINE_F_NOT_BBOLT
                    || (f == EC_OFFLINE_F_HASH && cut % 512 == 32));
    }
    free(mem);
}

static void test_snapshot_hash(void **state)
{
    (void)state;
    size_t n;
    uint8_t *snap = slurp(fixture("seq.db"), &n);
    snap[30000] ^= 0x01;
    const char *m = open_mem_fails(snap, n, 0, EC_OFFLINE_F_HASH);
    assert_string_equal(m, "cannot read 'copy.db': snapshot hash mismatch (the SHA-256 appended "
                           "by etcdctl does not match the content)");
    snap[30000] ^= 0x01;
    snap[n - 1] ^= 0x80;    /* the trailer itself */
    open_mem_fails(snap, n, 0, EC_OFFLINE_F_HASH);
    ec_err err;
    /* --no-verify reads it anyway. */
    assert_int_equal(read_all_mem(snap, n, EC_OFFLINE_NO_VERIFY, &err), EC_OFFLINE_F_NONE);
    free(snap);
}

static void test_meta_pages(void **state)
{
    (void)state;
    size_t n;
    uint8_t *db = slurp(fixture("member.db"), &n);
    ec_err err;
    /* A flipped bit in meta 0: its checksum fails, meta 1 is used. */
    db[16 + 20] ^= 0x04;    /* root bucket page id */
    ec_offline *h = ec_offline_new();
    assert_int_equal(ec_offline_open_mem(h, db, n, "copy.db", 0, &err), 0);
    const ec_bolt *b = ec_offline_bolt(h);
    assert_false(b->meta_other_valid);
    ec_offline_index *idx;
    assert_int_equal(ec_offline_index_build(h, NULL, 0, EC_OFFLINE_LIVE_ONLY, &idx, &err), 0);
    assert_true(ec_offline_index_len(idx) > 0);
    ec_offline_index_free(idx);
    ec_offline_free(h);
    /* Both damaged. */
    db[4096 + 16 + 48] ^= 0x10;     /* txid of meta 1 */
    const char *m = open_mem_fails(db, n, 0, EC_OFFLINE_F_META);
    assert_non_null(strstr(m, "both meta pages are invalid"));
    assert_non_null(strstr(m, "checksum mismatch"));
    /* A wrong version in both. */
    free(db);
    db = slurp(fixture("member.db"), &n);
    db[16 + 4] = 3;
    db[4096 + 16 + 4] = 3;
    m = open_mem_fails(db, n, 0, EC_OFFLINE_F_META);
    assert_non_null(strstr(m, "unsupported bbolt version 3"));
    /* Meta 0 with a bad magic: the page size is found from meta 1. */
    free(db);
    db = slurp(fixture("member.db"), &n);
    memset(db + 16, 0, 4);
    assert_int_equal(read_all_mem(db, n, 0, &err), EC_OFFLINE_F_NONE);
    free(db);
}

/* Finds the page of the 'key' bucket's root in a member db copy. */
static uint64_t key_root_page(const uint8_t *p, size_t n)
{
    ec_offline *h = ec_offline_new();
    ec_err err;
    assert_int_equal(ec_offline_open_mem(h, p, n, "copy.db", 0, &err), 0);
    ec_bolt *b = (ec_bolt *)ec_offline_bolt(h);
    ec_bolt_bucket root, key;
    int found;
    ec_bolt_root_bucket(b, &root);
    assert_int_equal(ec_bolt_bucket_find(b, &root, "key", &key, &found, &err), 0);
    assert_true(found);
    uint64_t id = key.root;
    ec_offline_free(h);
    return id;
}

static void test_branch_page_damage(void **state)
{
    (void)state;
    size_t n;
    uint8_t *orig = slurp(fixture("member.db"), &n);
    uint64_t br = key_root_page(orig, n);
    size_t off = (size_t)br * 4096;
    assert_int_equal(orig[off + 8], EC_BOLT_FLAG_BRANCH);
    uint8_t *db = malloc(n);
    assert_non_null(db);
    struct {
        size_t at;
        uint8_t xor;
        const char *msg;
    } cases[] = {
        /* child page id of element 0: high bit / beyond the pages in use */
        {16 + 15, 0x80, "is beyond the 13 pages in use"},
        {16 + 8, 0x40, "is beyond the 13 pages in use"},
        /* page flags */
        {8, 0x05, "flags 0x04 where a branch or leaf page belongs"},
        /* element count */
        {11, 0x70, "elements do not fit"},
        /* the page's own id */
        {0, 0x01, "its header says page"},
        /* key position of element 0 */
        {16 + 3, 0x40, "points outside the page"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        memcpy(db, orig, n);
        db[off + cases[i].at] ^= cases[i].xor;
        ec_err err;
        ec_offline_fault f = read_all_mem(db, n, 0, &err);
        if (f != EC_OFFLINE_F_BAD_PAGE || !strstr(err.msg, cases[i].msg))
            fail_msg("case %zu: %s: %s", i, ec_offline_fault_name(f), err.msg);
    }
    /* A child pointing back at its parent: a cycle. */
    memcpy(db, orig, n);
    for (int i = 0; i < 8; i++)
        db[off + 16 + 8 + i] = (uint8_t)(br >> (8 * i));
    ec_err err;
    assert_int_equal(read_all_mem(db, n, 0, &err), EC_OFFLINE_F_BAD_PAGE);
    assert_non_null(strstr(err.msg, "is reached twice"));
    /* Two children the same page. */
    memcpy(db, orig, n);
    memcpy(db + off + 16 + 16 + 8, db + off + 16 + 8, 8);
    assert_int_equal(read_all_mem(db, n, 0, &err), EC_OFFLINE_F_BAD_PAGE);
    assert_non_null(strstr(err.msg, "is reached twice"));
    free(db);
    free(orig);
}

static void test_record_damage(void **state)
{
    (void)state;
    size_t n;
    uint8_t *db = slurp(fixture("member.db"), &n);
    /* Locate revision 26's value (/many/00) through the reader itself. */
    ec_offline *h = ec_offline_new();
    ec_err err;
    assert_int_equal(ec_offline_open_mem(h, db, n, "copy.db", 0, &err), 0);
    ec_offline_kv kv;
    int st;
    assert_int_equal(ec_offline_get(h, (const uint8_t *)"/many/00", 8, &kv, &st, &err), 0);
    assert_int_equal(kv.rev_main, 26);
    /* The KeyValue starts with the key's tag, two bytes before the key. */
    size_t at = (size_t)(kv.key - db) - 2;
    assert_int_equal(db[at], 0x0a);
    ec_offline_free(h);
    db[at] = 0x0f;  /* field 1, wire type 7 */
    assert_int_equal(read_all_mem(db, n, 0, &err), EC_OFFLINE_F_BAD_RECORD);
    assert_non_null(strstr(err.msg, "cannot read 'copy.db': malformed KeyValue at revision 26"));
    db[at] = 0x0a;
    db[at + 1] = 0x7f;  /* key length past the record */
    assert_int_equal(read_all_mem(db, n, 0, &err), EC_OFFLINE_F_BAD_RECORD);
    assert_non_null(strstr(err.msg, "malformed KeyValue at revision 26"));
    free(db);
}

static void test_not_etcd(void **state)
{
    (void)state;
    size_t n;
    uint8_t *db = slurp(fixture("member.db"), &n);
    /* Rename bucket 'key' in place: still a bbolt file, but not etcd's. The
     * reader's own cursor says where the name lies in our copy. */
    ec_offline *h = ec_offline_new();
    ec_err err;
    assert_int_equal(ec_offline_open_mem(h, db, n, "copy.db", 0, &err), 0);
    ec_bolt *b = (ec_bolt *)ec_offline_bolt(h);
    ec_bolt_bucket root;
    ec_bolt_root_bucket(b, &root);
    ec_bolt_cursor c;
    assert_int_equal(ec_bolt_cursor_open(&c, b, &root, NULL, &err), 0);
    ec_bolt_item it;
    size_t at = 0;
    while (ec_bolt_cursor_next(&c, &it, &err) == 1)
        if (it.key_len == 3 && memcmp(it.key, "key", 3) == 0)
            at = (size_t)(it.key - db);
    ec_bolt_cursor_close(&c);
    ec_offline_free(h);
    assert_true(at > 0);
    db[at + 2] = 'z';
    const char *m = open_mem_fails(db, n, 0, EC_OFFLINE_F_NOT_ETCD);
    assert_string_equal(m, "cannot read 'copy.db': not an etcd database (no 'key' bucket)");
    free(db);
}

/* Thousands of random single-byte changes: each is read fully or refused
 * with a classified error, never a crash or a hang. */
static void test_random_damage(void **state)
{
    (void)state;
    size_t n;
    uint8_t *orig = slurp(fixture("member.db"), &n);
    uint8_t *db = malloc(n);
    assert_non_null(db);
    srand(12345);
    int refused = 0;
    for (int round = 0; round < 3000; round++) {
        memcpy(db, orig, n);
        int changes = 1 + rand() % 4;
        for (int c = 0; c < changes; c++) {
            /* Mostly pages in use, where it matters. */
            size_t at = (size_t)rand() % (13 * 4096);
            db[at] = (uint8_t)rand();
        }
        ec_err err;
        ec_err_clear(&err);
        ec_offline_fault f = read_all_mem(db, n, 0, &err);
        if (f != EC_OFFLINE_F_NONE) {
            refused++;
            assert_true(err.msg[0] != '\0');
            assert_null(strchr(err.msg, '\n'));
        }
    }
    assert_true(refused > 0);
    free(db);
    free(orig);
}

static int setup(void **state)
{
    (void)state;
    const char *root = getenv("BG_ROOT");
    snprintf(fixture_dir, sizeof fixture_dir, "%s/tests/fixtures/offline", root ? root : ".");
    snprintf(tmp_dir, sizeof tmp_dir, "/tmp/bg-test-offline.XXXXXX");
    if (!mkdtemp(tmp_dir))
        return -1;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    const char *names[] = {"empty.db", "garbage.db", "trunc.db"};
    char path[600];
    for (size_t i = 0; i < 3; i++) {
        snprintf(path, sizeof path, "%s/%s", tmp_dir, names[i]);
        unlink(path);
    }
    rmdir(tmp_dir);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_revkey),
        cmocka_unit_test(test_kv_parse_matches_protobuf_c),
        cmocka_unit_test(test_every_record_matches_protobuf_c),
        cmocka_unit_test(test_keymap),
        cmocka_unit_test(test_group_len),
        cmocka_unit_test(test_snapshot_equals_etcdctl),
        cmocka_unit_test(test_member_db_equals_etcdctl),
        cmocka_unit_test(test_counts_match_sequence),
        cmocka_unit_test(test_sequence_details),
        cmocka_unit_test(test_prefix_and_groups),
        cmocka_unit_test(test_stats),
        cmocka_unit_test(test_empty_and_foreign),
        cmocka_unit_test(test_garbage_of_right_size),
        cmocka_unit_test(test_truncated),
        cmocka_unit_test(test_snapshot_hash),
        cmocka_unit_test(test_meta_pages),
        cmocka_unit_test(test_branch_page_damage),
        cmocka_unit_test(test_record_damage),
        cmocka_unit_test(test_not_etcd),
        cmocka_unit_test(test_random_damage),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
