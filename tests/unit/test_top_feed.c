/* The feed behind `breakglass top`: history and live writes of one watch
 * stream merged into the engines with exact counts, estimated times for
 * history (observed rate and assumed span), repeats after a resumed watch
 * dropped, compaction and gaps reported, deletes attributed through their
 * previous value. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/tools/fake_k8s.h"
#include "tui/top/feed.h"

#define T0 1700000000500LL   /* first sample time, mid-second */

typedef struct evbuf {
    ec_event ev[4096];
    char keys[4096][96];
    size_t n;
} evbuf;

static ec_buf ds_pod, rs_pod, plain;

static void setup_values(void)
{
    fake_owner ds = {"apps/v1", "DaemonSet", "node-agent", "u-ds"};
    fake_owner rs = {"apps/v1", "ReplicaSet", "web-1", "u-rs"};
    fake_obj a = {"v1", "Pod", "node-agent-x", "kube-system", "u1", NULL, &ds, "kubelet", 1, 100, 1};
    fake_obj b = {"v1", "Pod", "web-1-x", "shop", "u2", NULL, &rs, "kube-controller-manager", 1, 10, 1};
    ec_buf_init(&ds_pod, 0);
    ec_buf_init(&rs_pod, 0);
    ec_buf_init(&plain, 0);
    fake_k8s_encode(&ds_pod, &a);
    fake_k8s_encode(&rs_pod, &b);
    ec_buf_append(&plain, "hello", 5);
}

static int setup(void **state)
{
    (void)state;
    setup_values();
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    ec_buf_free(&ds_pod);
    ec_buf_free(&rs_pod);
    ec_buf_free(&plain);
    return 0;
}

static void add(evbuf *b, ec_event_type type, const char *key, const ec_buf *v, int64_t rev, const ec_buf *prev)
{
    assert_true(b->n < 4096);
    ec_event *e = &b->ev[b->n];
    memset(e, 0, sizeof *e);
    snprintf(b->keys[b->n], sizeof b->keys[b->n], "%s", key);
    e->type = type;
    e->kv.key = (const uint8_t *)b->keys[b->n];
    e->kv.key_len = strlen(key);
    e->kv.mod_revision = rev;
    if (v) {
        e->kv.value = (const uint8_t *)v->data;
        e->kv.value_len = v->len;
    }
    if (prev) {
        e->has_prev_kv = true;
        e->prev_kv.key = e->kv.key;
        e->prev_kv.key_len = e->kv.key_len;
        e->prev_kv.value = (const uint8_t *)prev->data;
        e->prev_kv.value_len = prev->len;
        e->prev_kv.lease = 7;
    }
    b->n++;
}

static bg_top_feed *mk(unsigned groupings)
{
    bg_top_feed_config cfg = {.groupings = groupings, .group = {.depth = 3}, .seed = 7};
    bg_top_feed *f = NULL;
    ec_err err;
    assert_int_equal(bg_top_feed_new(&cfg, &f, &err), 0);
    return f;
}

/* Writes of one group in the window ending at now (0 when absent). */
static uint64_t writes_of(const bg_top_feed *f, bg_top_grouping g, const char *group, int64_t now, bool *est,
                          int64_t *first_ms)
{
    ec_rates_top *t = NULL;
    assert_int_equal(ec_rates_find(bg_top_feed_engine(f, g), (const uint8_t *)group, strlen(group), EC_RATES_5M,
                                   now, &t, NULL),
                     0);
    uint64_t w = 0;
    if (t->n == 1) {
        w = t->rows[0].writes;
        if (est)
            *est = t->rows[0].estimated;
        if (first_ms)
            *first_ms = t->rows[0].first_ms;
    }
    ec_rates_top_free(t);
    return w;
}

static void history_batch(evbuf *b, int64_t from, int64_t to)
{
    char key[96];
    for (int64_t r = from; r <= to; r++) {
        if (r % 5) {
            snprintf(key, sizeof key, "/registry/pods/kube-system/node-agent-%05lld", (long long)(r % 40));
            add(b, EC_EVENT_PUT, key, &ds_pod, r, NULL);
        } else {
            snprintf(key, sizeof key, "/registry/pods/shop/web-1-%05lld", (long long)(r % 7));
            add(b, EC_EVENT_PUT, key, &rs_pod, r, NULL);
        }
    }
}

static void test_history_then_live_observed_rate(void **state)
{
    (void)state;
    bg_top_feed *f = mk(0);
    /* Revisions 101..200 are history; 200 was current at T0, 260 a second
     * later: 60 revisions/s. */
    assert_int_equal(bg_top_feed_sample(f, 200, T0, NULL), 0);
    bg_top_feed_history(f, 100, 101, 101, 200, 0);
    assert_int_equal(bg_top_feed_sample(f, 260, T0 + 1000, NULL), 0);
    static evbuf b;
    b.n = 0;
    history_batch(&b, 101, 200);
    assert_int_equal(bg_top_feed_events(f, b.ev, b.n, 260, T0 + 1100), 100);
    bg_top_info in;
    bg_top_feed_info(f, &in);
    assert_int_equal(in.history_events, 100);
    assert_int_equal(in.live_events, 0);
    assert_true(in.history_done);
    assert_int_equal(in.estimate, BG_TOP_EST_OBSERVED);
    assert_int_equal(in.assumed_events, 0);
    assert_int_equal(in.history_last, 200);
    assert_int_equal(in.history_bytes, 80 * ds_pod.len + 20 * rs_pod.len);

    /* Live: 201..230, 25 DaemonSet pods and 5 shop pods, received later. */
    b.n = 0;
    for (int64_t r = 201; r <= 230; r++)
        add(&b, EC_EVENT_PUT, r <= 225 ? "/registry/pods/kube-system/node-agent-00001" : "/registry/pods/shop/web-1-x",
            r <= 225 ? &ds_pod : &rs_pod, r, NULL);
    assert_int_equal(bg_top_feed_events(f, b.ev, b.n, 230, T0 + 2000), 30);
    /* A resumed watch repeating 226..230 and going on to 235. */
    b.n = 0;
    for (int64_t r = 226; r <= 235; r++)
        add(&b, EC_EVENT_PUT, "/registry/pods/shop/web-1-x", &rs_pod, r, NULL);
    assert_int_equal(bg_top_feed_events(f, b.ev, b.n, 235, T0 + 2500), 5);
    bg_top_feed_info(f, &in);
    assert_int_equal(in.history_events, 100);
    assert_int_equal(in.live_events, 35);
    assert_int_equal(in.skipped, 5);
    assert_int_equal(in.live_first, 201);
    assert_int_equal(in.live_last, 235);
    assert_int_equal(in.live_first_ms, T0 + 2000);
    assert_int_equal(in.last_revision, 235);
    assert_int_equal(in.stream_revision, 260);

    int64_t now = T0 + 3000;
    bool est = false;
    int64_t first = 0;
    assert_int_equal(writes_of(f, BG_TOP_BY_OWNER, "DaemonSet/kube-system/node-agent", now, &est, NULL), 80 + 25);
    assert_true(est);
    assert_int_equal(writes_of(f, BG_TOP_BY_OWNER, "ReplicaSet/shop/web-1", now, NULL, NULL), 20 + 5 + 5);
    assert_int_equal(writes_of(f, BG_TOP_BY_WRITER, "kubelet", now, NULL, NULL), 105);
    assert_int_equal(writes_of(f, BG_TOP_BY_PREFIX, "/registry/pods/kube-system/", now, NULL, NULL), 105);
    assert_int_equal(writes_of(f, BG_TOP_BY_NAMESPACE, "shop", now, NULL, NULL), 30);
    assert_int_equal(writes_of(f, BG_TOP_BY_RESOURCE, "pods", now, NULL, NULL), 135);
    assert_int_equal(writes_of(f, BG_TOP_BY_LEASE, BG_TOP_G_NO_LEASE, now, NULL, NULL), 135);
    /* Revision 105 (first shop write, web-1-00000) is 95 revisions before
     * the first sample: 95 / 60 s = 1583.33 ms earlier. */
    assert_int_equal(writes_of(f, BG_TOP_BY_KEY, "/registry/pods/shop/web-1-00000", now, &est, &first), 3);
    assert_true(est);
    assert_int_equal(first, T0 - 1583);
    /* A key written only live has no estimated write. */
    assert_int_equal(writes_of(f, BG_TOP_BY_KEY, "/registry/pods/shop/web-1-x", now, &est, &first), 10);
    assert_false(est);
    assert_int_equal(first, T0 + 2000);

    ec_rates_totals t;
    ec_rates_get_totals(bg_top_feed_engine(f, BG_TOP_BY_OWNER), now, &t);
    assert_int_equal(t.events, 135);
    assert_int_equal(t.estimated_events, 100);
    assert_true(t.exact);
    assert_int_equal(t.distinct, 2);
    bg_top_feed_free(f);
}

static void test_history_assumed_span(void **state)
{
    (void)state;
    bg_top_feed_config cfg = {.groupings = BG_TOP_GROUPING_BIT(BG_TOP_BY_KEY), .assumed_span_ms = 10000,
                              .seed = 1};
    bg_top_feed *f;
    assert_int_equal(bg_top_feed_new(&cfg, &f, NULL), 0);
    assert_null(bg_top_feed_engine(f, BG_TOP_BY_OWNER));
    assert_non_null(bg_top_feed_engine(f, BG_TOP_BY_KEY));
    /* Quiet etcd: the revision does not move between samples. */
    assert_int_equal(bg_top_feed_sample(f, 1000, T0, NULL), 0);
    bg_top_feed_history(f, 500, 501, 501, 1000, 0);
    assert_int_equal(bg_top_feed_sample(f, 1000, T0 + 300, NULL), 0);
    static evbuf b;
    b.n = 0;
    add(&b, EC_EVENT_PUT, "/a", &plain, 501, NULL);
    add(&b, EC_EVENT_PUT, "/b", &plain, 751, NULL);
    add(&b, EC_EVENT_PUT, "/c", &plain, 1000, NULL);
    assert_int_equal(bg_top_feed_events(f, b.ev, b.n, 1000, T0 + 400), 3);
    bg_top_info in;
    bg_top_feed_info(f, &in);
    assert_int_equal(in.estimate, BG_TOP_EST_ASSUMED);
    /* /a and /b lie before the first sample: assumed; /c is at it. */
    assert_int_equal(in.assumed_events, 2);
    assert_true(in.history_done);
    assert_true(in.revision_rate == 0.0);
    int64_t first = 0;
    /* 499 revisions over 10 s: 501 is 10 s before T0, 751 is 249 * 10000 / 499 ms before. */
    assert_int_equal(writes_of(f, BG_TOP_BY_KEY, "/a", T0 + 1000, NULL, &first), 1);
    assert_int_equal(first, T0 - 10000);
    assert_int_equal(writes_of(f, BG_TOP_BY_KEY, "/b", T0 + 1000, NULL, &first), 1);
    assert_int_equal(first, T0 - 4990);
    assert_int_equal(writes_of(f, BG_TOP_BY_KEY, "/c", T0 + 1000, NULL, &first), 1);
    assert_int_equal(first, T0);
    /* Samples going back are refused and change nothing. */
    assert_int_equal(bg_top_feed_sample(f, 999, T0 + 500, NULL), -1);
    assert_int_equal(bg_top_feed_sample(f, 1001, T0 + 100, NULL), -1);
    bg_top_feed_info(f, &in);
    assert_int_equal(in.etcd_revision, 1000);
    bg_top_feed_free(f);
}

static void test_compacted_history_and_gap(void **state)
{
    (void)state;
    bg_top_feed *f = mk(BG_TOP_GROUPING_BIT(BG_TOP_BY_PREFIX));
    assert_int_equal(bg_top_feed_sample(f, 200, T0, NULL), 0);
    /* Asked for 101..200, compacted at 180: replay starts at 180. */
    bg_top_feed_history(f, 100, 101, 180, 200, 180);
    static evbuf b;
    b.n = 0;
    for (int64_t r = 180; r <= 200; r++)
        add(&b, EC_EVENT_PUT, "/registry/pods/kube-system/x", &plain, r, NULL);
    assert_int_equal(bg_top_feed_events(f, b.ev, b.n, 200, T0 + 10), 21);
    bg_top_feed_gap(f, 201, 250);
    bg_top_feed_gap(f, 300, 300);   /* nothing lost: not a gap */
    bg_top_info in;
    bg_top_feed_info(f, &in);
    assert_true(in.compacted);
    assert_int_equal(in.compact_revision, 180);
    assert_int_equal(in.history_wanted_from, 101);
    assert_int_equal(in.history_from, 180);
    assert_int_equal(in.history_events, 21);
    assert_int_equal(in.gaps, 1);
    assert_int_equal(in.gap_revisions, 49);
    /* Compacted exactly at the wanted start: nothing was lost. */
    bg_top_feed_history(f, 100, 101, 101, 200, 101);
    bg_top_feed_info(f, &in);
    assert_false(in.compacted);
    bg_top_feed_free(f);
}

static void test_live_only(void **state)
{
    (void)state;
    bg_top_feed *f = mk(BG_TOP_GROUPING_BIT(BG_TOP_BY_NAMESPACE));
    assert_int_equal(bg_top_feed_sample(f, 50, T0, NULL), 0);
    bg_top_feed_history(f, 0, 51, 51, 50, 0);
    bg_top_info in;
    bg_top_feed_info(f, &in);
    assert_true(in.history_done);
    static evbuf b;
    b.n = 0;
    add(&b, EC_EVENT_PUT, "/registry/pods/a/x", &plain, 51, NULL);
    add(&b, EC_EVENT_PUT, "/registry/pods/b/x", &plain, 51, NULL);   /* one Txn, two keys */
    add(&b, EC_EVENT_PUT, "/registry/pods/a/y", &plain, 52, NULL);
    assert_int_equal(bg_top_feed_events(f, b.ev, b.n, 52, T0 + 5), 3);
    bg_top_feed_info(f, &in);
    assert_int_equal(in.history_events, 0);
    assert_int_equal(in.live_events, 3);
    assert_int_equal(in.live_bytes, 15);
    assert_int_equal(writes_of(f, BG_TOP_BY_NAMESPACE, "a", T0 + 10, NULL, NULL), 2);
    assert_int_equal(writes_of(f, BG_TOP_BY_NAMESPACE, "b", T0 + 10, NULL, NULL), 1);
    /* The same Txn again (a resumed watch) is dropped whole. */
    assert_int_equal(bg_top_feed_events(f, b.ev, 2, 52, T0 + 20), 0);
    bg_top_feed_free(f);
}

static void test_deletes(void **state)
{
    (void)state;
    bg_top_feed *f = mk(BG_TOP_GROUPING_BIT(BG_TOP_BY_OWNER) | BG_TOP_GROUPING_BIT(BG_TOP_BY_LEASE) |
                        BG_TOP_GROUPING_BIT(BG_TOP_BY_PREFIX));
    assert_int_equal(bg_top_feed_sample(f, 10, T0, NULL), 0);
    bg_top_feed_history(f, 0, 11, 11, 10, 0);
    static evbuf b;
    b.n = 0;
    add(&b, EC_EVENT_PUT, "/registry/pods/kube-system/node-agent-1", &ds_pod, 11, NULL);
    add(&b, EC_EVENT_DELETE, "/registry/pods/kube-system/node-agent-1", NULL, 12, &ds_pod);
    add(&b, EC_EVENT_DELETE, "/registry/pods/kube-system/node-agent-2", NULL, 13, NULL);
    assert_int_equal(bg_top_feed_events(f, b.ev, b.n, 13, T0 + 1), 3);
    bg_top_info in;
    bg_top_feed_info(f, &in);
    assert_int_equal(in.deletes, 2);
    assert_int_equal(in.deletes_unattributed, 1);
    assert_int_equal(in.live_bytes, ds_pod.len);   /* a delete writes no bytes */
    int64_t now = T0 + 100;
    assert_int_equal(writes_of(f, BG_TOP_BY_OWNER, "DaemonSet/kube-system/node-agent", now, NULL, NULL), 2);
    assert_int_equal(writes_of(f, BG_TOP_BY_OWNER, BG_TOP_G_UNKNOWN, now, NULL, NULL), 1);
    assert_int_equal(writes_of(f, BG_TOP_BY_LEASE, "0000000000000007", now, NULL, NULL), 1);
    assert_int_equal(writes_of(f, BG_TOP_BY_LEASE, BG_TOP_G_NO_LEASE, now, NULL, NULL), 1);
    assert_int_equal(writes_of(f, BG_TOP_BY_PREFIX, "/registry/pods/kube-system/", now, NULL, NULL), 3);
    bg_top_feed_free(f);
}

static void test_history_done_rule(void **state)
{
    (void)state;
    bg_top_feed *f = mk(BG_TOP_GROUPING_BIT(BG_TOP_BY_KEY));
    assert_int_equal(bg_top_feed_sample(f, 5000, T0, NULL), 0);
    bg_top_feed_history(f, 5000, 1, 1, 5000, 0);
    static evbuf b;
    /* A full replay response (1000 revisions) below the end: more to come. */
    b.n = 0;
    for (int64_t r = 1; r <= 1000; r++)
        add(&b, EC_EVENT_PUT, "/k", &plain, r, NULL);
    assert_int_equal(bg_top_feed_events(f, b.ev, b.n, 5000, T0 + 1), 1000);
    bg_top_info in;
    bg_top_feed_info(f, &in);
    assert_false(in.history_done);
    /* A short one (etcd had no more for this watch): the replay is over. */
    b.n = 0;
    for (int64_t r = 1001; r <= 1500; r++)
        add(&b, EC_EVENT_PUT, "/k", &plain, r, NULL);
    assert_int_equal(bg_top_feed_events(f, b.ev, b.n, 5000, T0 + 200), 500);
    bg_top_feed_info(f, &in);
    assert_true(in.history_done);
    assert_int_equal(in.history_done_ms, T0 + 200);
    assert_int_equal(in.history_events, 1500);
    bg_top_feed_free(f);
}

static void test_config_defaults(void **state)
{
    (void)state;
    bg_top_feed *f;
    assert_int_equal(bg_top_feed_new(NULL, &f, NULL), 0);
    bg_top_info in;
    bg_top_feed_info(f, &in);
    assert_int_equal(in.groupings, BG_TOP_ALL_GROUPINGS);
    assert_int_equal(in.capacity, EC_RATES_DEFAULT_CAPACITY);
    assert_int_equal(in.assumed_span_ms, BG_TOP_DEFAULT_ASSUMED_SPAN_MS);
    for (unsigned g = 0; g < BG_TOP_NGROUPINGS; g++)
        assert_non_null(bg_top_feed_engine(f, (bg_top_grouping)g));
    assert_null(bg_top_feed_engine(f, BG_TOP_NGROUPINGS));
    bg_top_feed_free(f);
    bg_top_feed_config bad = {.capacity = EC_RATES_MAX_CAPACITY + 1};
    ec_err err;
    assert_int_equal(bg_top_feed_new(&bad, &f, &err), -1);
    assert_null(f);
    assert_int_equal(err.code, EC_E_INVALID);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_history_then_live_observed_rate),
        cmocka_unit_test(test_history_assumed_span),
        cmocka_unit_test(test_compacted_history_and_gap),
        cmocka_unit_test(test_live_only),
        cmocka_unit_test(test_deletes),
        cmocka_unit_test(test_history_done_rule),
        cmocka_unit_test(test_config_defaults),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
