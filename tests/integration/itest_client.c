/* Every etcdclient call against a real etcd: KV, paging, pinned revisions,
 * txn compares, compaction, maintenance, snapshot, watch and leases. */
#include "tests/integration/itest.h"

#include <sys/stat.h>
#include <unistd.h>

static void test_put_get_binary(void **state)
{
    ec_client *c = *state;
    ec_err err;
    const uint8_t key[] = {'/', 'b', 'i', 'n', 0, 0xff, '\n'};
    const uint8_t val[] = {0, 1, 2, 0xfe, 0xff, 0x1b, '[', '2', 'J'};
    ec_header h;
    ASSERT_OK(ec_put(c, key, sizeof key, val, sizeof val, 0, &h, &err), &err);
    assert_true(h.revision > 1);
    assert_true(h.cluster_id != 0);
    ec_range_opts ro = {.key = key, .key_len = sizeof key};
    ec_range_result *r;
    ASSERT_OK(ec_range_once(c, &ro, &r, &err), &err);
    assert_int_equal(r->n_kvs, 1);
    assert_int_equal(r->kvs[0].key_len, sizeof key);
    assert_memory_equal(r->kvs[0].key, key, sizeof key);
    assert_int_equal(r->kvs[0].value_len, sizeof val);
    assert_memory_equal(r->kvs[0].value, val, sizeof val);
    assert_int_equal(r->kvs[0].mod_revision, h.revision);
    assert_int_equal(r->kvs[0].version, 1);
    ec_range_result_free(r);
}

/* 2,500 keys in pages of 1,000: every key once, in order; keys written
 * during the scan are not seen (the scan is pinned to its first revision). */
static void test_paged_range_pinned(void **state)
{
    ec_client *c = *state;
    ec_err err;
    char k[64], v[64];
    for (int i = 0; i < 2500; i++) {
        snprintf(k, sizeof k, "/page/%05d", i);
        snprintf(v, sizeof v, "value-%d", i);
        itest_put(c, k, v);
    }
    ec_range_opts ro = {.key = (const uint8_t *)"/page/", .key_len = 6, .prefix = true, .page_size = 1000};
    ec_range_iter *it = ec_range_begin(c, &ro, &err);
    assert_non_null(it);
    const ec_kv *kvs;
    size_t n;
    int r, pages = 0, seen = 0;
    while ((r = ec_range_next(it, &kvs, &n, &err)) > 0) {
        if (pages == 0) {
            assert_int_equal(ec_range_total(it), 2500);
            /* Written after the first page: must not appear. */
            itest_put(c, "/page/99999", "late");
        }
        pages++;
        for (size_t i = 0; i < n; i++, seen++) {
            snprintf(k, sizeof k, "/page/%05d", seen);
            snprintf(v, sizeof v, "value-%d", seen);
            assert_int_equal(kvs[i].key_len, strlen(k));
            assert_memory_equal(kvs[i].key, k, strlen(k));
            assert_int_equal(kvs[i].value_len, strlen(v));
            assert_memory_equal(kvs[i].value, v, strlen(v));
        }
    }
    assert_int_equal(r, 0);
    assert_int_equal(pages, 3);
    assert_int_equal(seen, 2500);
    ec_range_end(it);

    /* keys-only with a limit */
    ec_range_opts ko = {.key = (const uint8_t *)"/page/", .key_len = 6, .prefix = true, .keys_only = true,
                        .limit = 1500, .page_size = 1000, .serializable = true};
    it = ec_range_begin(c, &ko, &err);
    seen = 0;
    while ((r = ec_range_next(it, &kvs, &n, &err)) > 0)
        for (size_t i = 0; i < n; i++, seen++)
            assert_int_equal(kvs[i].value_len, 0);
    assert_int_equal(r, 0);
    assert_int_equal(seen, 1500);
    ec_range_end(it);

    int64_t count;
    ASSERT_OK(ec_count(c, &ko, &count, NULL, &err), &err);
    assert_int_equal(count, 2501);
}

static void test_whole_keyspace_and_range_end(void **state)
{
    ec_client *c = *state;
    ec_err err;
    itest_put(c, "a1", "x");
    itest_put(c, "a2", "x");
    itest_put(c, "a3", "x");
    ec_range_opts ro = {.key = (const uint8_t *)"a1", .key_len = 2, .range_end = (const uint8_t *)"a3",
                        .range_end_len = 2};
    ec_range_result *r;
    ASSERT_OK(ec_range_once(c, &ro, &r, &err), &err);
    assert_int_equal(r->n_kvs, 2);
    ec_range_result_free(r);
    int64_t all;
    ec_range_opts whole = {.key = (const uint8_t *)"", .key_len = 0, .prefix = true};
    ASSERT_OK(ec_count(c, &whole, &all, NULL, &err), &err);
    assert_true(all >= 3);
}

static void test_delete_prev_kv(void **state)
{
    ec_client *c = *state;
    ec_err err;
    itest_put(c, "/del/a", "1");
    itest_put(c, "/del/b", "22");
    uint8_t end[16];
    size_t el = ec_prefix_end((const uint8_t *)"/del/", 5, end);
    ec_delete_result *d;
    ASSERT_OK(ec_delete(c, (const uint8_t *)"/del/", 5, end, el, true, &d, &err), &err);
    assert_int_equal(d->deleted, 2);
    assert_int_equal(d->n_prev_kvs, 2);
    assert_memory_equal(d->prev_kvs[1].value, "22", 2);
    ec_delete_result_free(d);
}

static void test_txn_compares(void **state)
{
    ec_client *c = *state;
    ec_err err;
    itest_put(c, "/txn/k", "v1");
    ec_range_opts ro = {.key = (const uint8_t *)"/txn/k", .key_len = 6};
    ec_range_result *r;
    ASSERT_OK(ec_range_once(c, &ro, &r, &err), &err);
    int64_t mod = r->kvs[0].mod_revision;
    ec_range_result_free(r);

    /* Stale mod_revision: the delete must not happen. */
    ec_compare stale = {.target = EC_CMP_MOD, .result = EC_CMP_EQUAL, .key = (const uint8_t *)"/txn/k", .key_len = 6, .number = mod - 1};
    ec_op del = {.type = EC_OP_DELETE, .key = (const uint8_t *)"/txn/k", .key_len = 6, .prev_kv = true};
    ec_op get = {.type = EC_OP_GET, .key = (const uint8_t *)"/txn/k", .key_len = 6};
    ec_txn_result *t;
    ASSERT_OK(ec_txn(c, &stale, 1, &del, 1, &get, 1, &t, &err), &err);
    assert_false(t->succeeded);
    assert_int_equal(t->n_results, 1);
    assert_int_equal(t->results[0].type, EC_OP_GET);
    assert_int_equal(t->results[0].n_kvs, 1);
    assert_int_equal(t->results[0].kvs[0].mod_revision, mod);
    ec_txn_result_free(t);

    /* Value and version compares. */
    ec_compare cmps[2] = {
        {.target = EC_CMP_VALUE, .result = EC_CMP_EQUAL, .key = (const uint8_t *)"/txn/k", .key_len = 6,
         .value = (const uint8_t *)"v1", .value_len = 2},
        {.target = EC_CMP_VERSION, .result = EC_CMP_EQUAL, .key = (const uint8_t *)"/txn/k", .key_len = 6, .number = 1},
    };
    ASSERT_OK(ec_txn(c, cmps, 2, &get, 1, NULL, 0, &t, &err), &err);
    assert_true(t->succeeded);
    ec_txn_result_free(t);

    /* Matching mod_revision: deleted, with its previous value. */
    ec_compare fresh = {.target = EC_CMP_MOD, .result = EC_CMP_EQUAL, .key = (const uint8_t *)"/txn/k", .key_len = 6, .number = mod};
    ASSERT_OK(ec_txn(c, &fresh, 1, &del, 1, NULL, 0, &t, &err), &err);
    assert_true(t->succeeded);
    assert_int_equal(t->results[0].deleted, 1);
    assert_memory_equal(t->results[0].kvs[0].value, "v1", 2);
    ec_txn_result_free(t);

    /* create_revision == 0: put only where the key does not exist. */
    ec_compare absent = {.target = EC_CMP_CREATE, .result = EC_CMP_EQUAL, .key = (const uint8_t *)"/txn/k", .key_len = 6};
    ec_op put = {.type = EC_OP_PUT, .key = (const uint8_t *)"/txn/k", .key_len = 6, .value = (const uint8_t *)"v2",
                 .value_len = 2};
    ASSERT_OK(ec_txn(c, &absent, 1, &put, 1, NULL, 0, &t, &err), &err);
    assert_true(t->succeeded);
    ec_txn_result_free(t);
    ASSERT_OK(ec_txn(c, &absent, 1, &put, 1, NULL, 0, &t, &err), &err);
    assert_false(t->succeeded);
    ec_txn_result_free(t);

    /* etcd refuses the same key twice in one txn: a clean error. */
    ec_op two[2] = {put, put};
    assert_int_equal(ec_txn(c, NULL, 0, two, 2, NULL, 0, &t, &err), -1);
    assert_int_equal(err.code, EC_E_INVALID);
}

static void test_compaction_errors(void **state)
{
    ec_client *c = *state;
    ec_err err;
    itest_put(c, "/cmp/a", "1");
    itest_put(c, "/cmp/a", "2");
    ec_header h;
    ASSERT_OK(ec_put(c, (const uint8_t *)"/cmp/a", 6, (const uint8_t *)"3", 1, 0, &h, &err), &err);
    ASSERT_OK(ec_compact(c, h.revision - 1, true, NULL, &err), &err);
    ec_range_opts old = {.key = (const uint8_t *)"/cmp/a", .key_len = 6, .revision = h.revision - 2};
    ec_range_result *r;
    assert_int_equal(ec_range_once(c, &old, &r, &err), -1);
    assert_int_equal(err.code, EC_E_COMPACTED);
    assert_non_null(strstr(err.msg, "compacted"));
    ec_range_opts future = {.key = (const uint8_t *)"/cmp/a", .key_len = 6, .revision = h.revision + 100000};
    assert_int_equal(ec_range_once(c, &future, &r, &err), -1);
    assert_int_equal(err.code, EC_E_FUTURE_REV);
    /* Watching from a compacted revision says where history starts. */
    ec_watch_opts wo = {.key = (const uint8_t *)"/cmp/", .key_len = 5, .prefix = true, .start_revision = 2};
    ec_watch *w;
    int64_t compact_rev = 0;
    if (ec_watch_open(c, &wo, &w, &compact_rev, &err) == 0) {
        ec_watch_batch *b;
        assert_int_equal(ec_watch_next(w, 5000, &b, &err), -1);
        compact_rev = ec_watch_compact_revision(w);
        ec_watch_close(w);
    }
    assert_int_equal(err.code, EC_E_COMPACTED);
    assert_int_equal(compact_rev, h.revision - 1);
}

static void test_maintenance(void **state)
{
    ec_client *c = *state;
    ec_err err;
    ec_status st;
    ASSERT_OK(ec_status_get(c, NULL, &st, &err), &err);
    assert_string_equal(st.version, "3.4.23");
    assert_true(st.db_size > 0);
    assert_true(st.db_size_in_use > 0 && st.db_size_in_use <= st.db_size);
    assert_true(st.leader != 0);
    assert_true(st.raft_index > 0);

    ec_member_list *ml;
    ASSERT_OK(ec_member_list_get(c, &ml, &err), &err);
    assert_true(ml->n_members >= 1);
    assert_true(ml->members[0].n_client_urls >= 1);
    ec_cluster_status *cs;
    ASSERT_OK(ec_cluster_status_get(c, &cs, &err), &err);
    assert_int_equal(cs->n_members, ml->n_members);
    size_t leaders = 0;
    for (size_t i = 0; i < cs->n_members; i++) {
        assert_true(cs->members[i].ok);
        leaders += cs->members[i].status.leader == cs->members[i].member.id;
    }
    assert_int_equal(leaders, 1);
    ec_member_list_free(ml);

    ec_alarm *a;
    size_t na;
    ASSERT_OK(ec_alarm_list(c, &a, &na, &err), &err);
    assert_int_equal(na, 0);
    free(a);

    ec_callopt pin = {cs->members[0].endpoint, 0};
    uint32_t h1 = 0, h2 = 0;
    int64_t crev;
    ec_header hh;
    ASSERT_OK(ec_hashkv(c, &pin, 0, &h1, &crev, &hh, &err), &err);
    ASSERT_OK(ec_hashkv(c, &pin, hh.revision, &h2, &crev, NULL, &err), &err);
    assert_int_equal(h1, h2); /* same revision, same hash */
    ASSERT_OK(ec_defragment(c, &pin, &err), &err);
    ec_cluster_status_free(cs);
}

static void test_snapshot(void **state)
{
    ec_client *c = *state;
    ec_err err;
    char path[512];
    snprintf(path, sizeof path, "%s/itest-snap-%d.db", itest_env("BG_TMP"), (int)getpid());
    unlink(path);
    ec_snapshot_info info;
    ASSERT_OK(ec_snapshot_save(c, NULL, path, NULL, NULL, &info, &err), &err);
    assert_true(info.hash_ok);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal((uint64_t)st.st_size, info.bytes);
    assert_int_equal(st.st_size % 512, 32);
    assert_int_equal(st.st_mode & 0777, 0600);
    /* Refuses to clobber a leftover .part file. */
    char part[600];
    snprintf(part, sizeof part, "%s.part", path);
    FILE *f = fopen(part, "w");
    fclose(f);
    assert_int_equal(ec_snapshot_save(c, NULL, path, NULL, NULL, &info, &err), -1);
    assert_non_null(strstr(err.msg, "exists"));
    unlink(part);
}

static void test_watch_live_and_replay(void **state)
{
    ec_client *c = *state;
    ec_err err;
    ec_watch_opts wo = {.key = (const uint8_t *)"/w/", .key_len = 3, .prefix = true, .prev_kv = true};
    ec_watch *w;
    ASSERT_OK(ec_watch_open(c, &wo, &w, NULL, &err), &err);
    itest_put(c, "/w/a", "1");
    itest_put(c, "/w/a", "2");
    ec_delete_result *d;
    ASSERT_OK(ec_delete(c, (const uint8_t *)"/w/a", 4, NULL, 0, false, &d, &err), &err);
    int64_t del_rev = d->header.revision;
    ec_delete_result_free(d);
    int puts = 0, dels = 0, batches = 0;
    int64_t first_rev = 0;
    while (puts + dels < 3 && batches < 50) {
        ec_watch_batch *b;
        int r = ec_watch_next(w, 5000, &b, &err);
        assert_int_equal(r, 1);
        batches++;
        for (size_t i = 0; i < b->n_events; i++) {
            if (!first_rev)
                first_rev = b->events[i].kv.mod_revision;
            if (b->events[i].type == EC_EVENT_PUT) {
                puts++;
                if (puts == 2) {
                    assert_true(b->events[i].has_prev_kv);
                    assert_memory_equal(b->events[i].prev_kv.value, "1", 1);
                }
            } else {
                dels++;
                assert_int_equal(b->events[i].kv.mod_revision, del_rev);
            }
        }
        ec_watch_batch_free(b);
    }
    assert_int_equal(puts, 2);
    assert_int_equal(dels, 1);
    ec_watch_batch *none;
    assert_int_equal(ec_watch_next(w, 200, &none, &err), 0); /* nothing more: a timeout */
    ec_watch_close(w);

    /* History replay from the first event's revision gives the same three. */
    wo.start_revision = first_rev;
    ASSERT_OK(ec_watch_open(c, &wo, &w, NULL, &err), &err);
    int replayed = 0;
    for (int i = 0; i < 10 && replayed < 3; i++) {
        ec_watch_batch *b;
        if (ec_watch_next(w, 5000, &b, &err) == 1) {
            replayed += (int)b->n_events;
            ec_watch_batch_free(b);
        }
    }
    assert_int_equal(replayed, 3);
    ASSERT_OK(ec_watch_request_progress(w, &err), &err);
    ec_watch_batch *pb;
    assert_int_equal(ec_watch_next(w, 5000, &pb, &err), 1);
    assert_true(pb->progress);
    ec_watch_batch_free(pb);
    ec_watch_close(w);
}

static void test_leases(void **state)
{
    ec_client *c = *state;
    ec_err err;
    int64_t id;
    ASSERT_OK(ec_lease_grant(c, 300, &id, &err), &err);
    ASSERT_OK(ec_put(c, (const uint8_t *)"/lease/a", 8, (const uint8_t *)"x", 1, id, NULL, &err), &err);
    ASSERT_OK(ec_put(c, (const uint8_t *)"/lease/b", 8, (const uint8_t *)"x", 1, id, NULL, &err), &err);
    int64_t *ids;
    size_t n;
    ASSERT_OK(ec_lease_list(c, &ids, &n, &err), &err);
    bool found = false;
    for (size_t i = 0; i < n; i++)
        found |= ids[i] == id;
    free(ids);
    assert_true(found);
    ec_lease_info *li;
    ASSERT_OK(ec_lease_ttl(c, id, true, &li, &err), &err);
    assert_int_equal(li->granted_ttl, 300);
    assert_true(li->ttl > 0 && li->ttl <= 300);
    assert_int_equal(li->n_keys, 2);
    ec_lease_info_free(li);
    ASSERT_OK(ec_lease_revoke(c, id, &err), &err);
    int64_t count;
    ec_range_opts ro = {.key = (const uint8_t *)"/lease/", .key_len = 7, .prefix = true};
    ASSERT_OK(ec_count(c, &ro, &count, NULL, &err), &err);
    assert_int_equal(count, 0);
    assert_int_equal(ec_lease_revoke(c, id, &err), -1);
    assert_int_equal(err.code, EC_E_NOT_FOUND);
}

static void test_large_values_beyond_4mib(void **state)
{
    ec_client *c = *state;
    /* Five 1 MiB values: one Range reply of ~5 MiB, above gRPC's default
     * 4 MiB receive limit. */
    ec_err err;
    size_t sz = 1 << 20;
    uint8_t *v = malloc(sz);
    memset(v, 'z', sz);
    char k[32];
    for (int i = 0; i < 5; i++) {
        snprintf(k, sizeof k, "/big/%d", i);
        ASSERT_OK(ec_put(c, (const uint8_t *)k, strlen(k), v, sz, 0, NULL, &err), &err);
    }
    free(v);
    ec_range_opts ro = {.key = (const uint8_t *)"/big/", .key_len = 5, .prefix = true};
    ec_range_result *r;
    ASSERT_OK(ec_range_once(c, &ro, &r, &err), &err);
    assert_int_equal(r->n_kvs, 5);
    for (size_t i = 0; i < 5; i++)
        assert_int_equal(r->kvs[i].value_len, sz);
    ec_range_result_free(r);
    /* The paged iterator shrinks pages of large values. */
    ec_range_opts po = {.key = (const uint8_t *)"/big/", .key_len = 5, .prefix = true, .page_bytes = 2 << 20};
    ec_range_iter *it = ec_range_begin(c, &po, &err);
    const ec_kv *kvs;
    size_t n, total = 0;
    int rr;
    while ((rr = ec_range_next(it, &kvs, &n, &err)) > 0)
        total += n;
    assert_int_equal(rr, 0);
    assert_int_equal(total, 5);
    ec_range_end(it);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_put_get_binary),
        cmocka_unit_test(test_paged_range_pinned),
        cmocka_unit_test(test_whole_keyspace_and_range_end),
        cmocka_unit_test(test_delete_prev_kv),
        cmocka_unit_test(test_txn_compares),
        cmocka_unit_test(test_maintenance),
        cmocka_unit_test(test_snapshot),
        cmocka_unit_test(test_watch_live_and_replay),
        cmocka_unit_test(test_leases),
        cmocka_unit_test(test_large_values_beyond_4mib),
        cmocka_unit_test(test_compaction_errors),
    };
    return cmocka_run_group_tests_name("etcdclient against real etcd", tests, itest_group_setup,
                                       itest_group_teardown);
}
