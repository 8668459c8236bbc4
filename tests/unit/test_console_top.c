/* The console's Top screen without a terminal or etcd: where Enter goes
 * and what D deletes for each grouping (tui/console/topmodel.c, on a real
 * keyspace tree), the owner-to-key mapping, the header and cell text in the
 * CLI's words, the ASCII sparkline, the browser's bm_goto, the live w/s
 * window (liverate.c) and the Top screen's key table and footer. */
#include <curses.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "tui/console/bmodel.h"
#include "tui/console/keys.h"
#include "tui/console/liverate.h"
#include "tui/console/topmodel.h"

#define S(lit) (const uint8_t *)(lit), (sizeof(lit) - 1)

static void put(ec_ks *ks, const char *k)
{
    static int64_t rev = 1;
    ec_ks_kv kv = {rev, rev, 1, 0, EC_KS_SIZE_UNKNOWN};
    rev++;
    ec_err err;
    assert_true(ec_ks_put(ks, (const uint8_t *)k, strlen(k), &kv, &err) >= 0);
}

static ec_ks *sample(void)
{
    ec_ks *ks = ec_ks_new();
    assert_non_null(ks);
    put(ks, "/registry/daemonsets/kube-system/node-agent");
    put(ks, "/registry/pods/kube-system/node-agent-00001");
    put(ks, "/registry/pods/shop/web-1");
    put(ks, "/registry/minions/n1");
    put(ks, "/registry/namespaces/shop");
    put(ks, "/registry/replicasets/shop/web-1");
    put(ks, "/registry/services/specs/shop/web");
    return ks;
}

static const char *str(const ec_buf *b) { return b->data ? b->data : ""; }

static void test_owner_key(void **state)
{
    (void)state;
    ec_buf b;
    ec_buf_init(&b, 0);
    assert_int_equal(tm_owner_key(NULL, S("DaemonSet/kube-system/node-agent"), &b), 0);
    assert_string_equal(str(&b), "/registry/daemonsets/kube-system/node-agent");
    assert_int_equal(tm_owner_key(NULL, S("Service/shop/web"), &b), 0);
    assert_string_equal(str(&b), "/registry/services/specs/shop/web");
    assert_int_equal(tm_owner_key(NULL, S("Node/n1"), &b), 0);
    assert_string_equal(str(&b), "/registry/minions/n1");
    assert_int_equal(tm_owner_key(NULL, S("Endpoints/shop/web"), &b), 0);
    assert_string_equal(str(&b), "/registry/services/endpoints/shop/web");
    assert_int_equal(tm_owner_key(NULL, S("/registry/x"), &b), -1);
    assert_int_equal(b.len, 0);
    assert_int_equal(tm_owner_key(NULL, S("(deleted, previous value unknown)"), &b), -1);
    assert_int_equal(tm_owner_key(NULL, S("Kind"), &b), -1);
    assert_int_equal(tm_owner_key(NULL, S("Kind/"), &b), -1);
    assert_int_equal(tm_owner_key(NULL, S("/x/y"), &b), -1);
    assert_int_equal(tm_owner_key(NULL, (const uint8_t *)"", 0, &b), -1);
    assert_int_equal(tm_owner_key(NULL, S("Pod/a\0b/c"), &b), -1);
    assert_int_equal(tm_owner_key(NULL, S("Da$mon/x/y"), &b), -1);
    /* An empty namespace or name segment names no object. */
    assert_int_equal(tm_owner_key(NULL, S("Pod//x"), &b), -1);
    assert_int_equal(tm_owner_key(NULL, S("Pod/shop/"), &b), -1);
    assert_int_equal(b.len, 0);
    /* Kinds whose plural is not a plain 's' (the table in tui/ops/owner.c). */
    assert_int_equal(tm_owner_key(NULL, S("NetworkPolicy/shop/deny"), &b), 0);
    assert_string_equal(str(&b), "/registry/networkpolicies/shop/deny");
    assert_int_equal(tm_owner_key(NULL, S("ReplicationController/shop/rc"), &b), 0);
    assert_string_equal(str(&b), "/registry/controllers/shop/rc");
    /* The API server's --etcd-prefix, with or without a trailing '/'. */
    assert_int_equal(tm_owner_key("/custom", S("DaemonSet/kube-system/node-agent"), &b), 0);
    assert_string_equal(str(&b), "/custom/daemonsets/kube-system/node-agent");
    assert_int_equal(tm_owner_key("/custom/", S("Node/n1"), &b), 0);
    assert_string_equal(str(&b), "/custom/minions/n1");
    ec_buf_free(&b);
}

static tm_jump_kind jump(ec_ks *ks, bg_top_grouping g, const char *name, ec_buf *path, const char **why)
{
    return tm_jump(NULL, g, (const uint8_t *)name, strlen(name), false, ks, path, why);
}

static void test_jump(void **state)
{
    (void)state;
    ec_ks *ks = sample();
    ec_buf p;
    ec_buf_init(&p, 0);
    const char *why;
    assert_int_equal(jump(ks, BG_TOP_BY_KEY, "/registry/pods/shop/web-1", &p, &why), TM_JUMP_KEY);
    assert_string_equal(str(&p), "/registry/pods/shop/web-1");
    assert_null(why);
    assert_int_equal(jump(ks, BG_TOP_BY_PREFIX, "/registry/pods/kube-system/", &p, &why), TM_JUMP_DIR);
    assert_string_equal(str(&p), "/registry/pods/kube-system");
    /* A key with fewer '/' than the depth is its own prefix group. */
    assert_int_equal(jump(ks, BG_TOP_BY_PREFIX, "/registry/minions/n1", &p, &why), TM_JUMP_KEY);
    assert_string_equal(str(&p), "/registry/minions/n1");
    assert_int_equal(jump(ks, BG_TOP_BY_RESOURCE, "pods", &p, &why), TM_JUMP_DIR);
    assert_string_equal(str(&p), "/registry/pods");
    assert_int_equal(jump(ks, BG_TOP_BY_RESOURCE, "nodes", &p, &why), TM_JUMP_DIR);
    assert_string_equal(str(&p), "/registry/minions");
    assert_int_equal(jump(ks, BG_TOP_BY_RESOURCE, "services", &p, &why), TM_JUMP_DIR);
    assert_string_equal(str(&p), "/registry/services/specs");
    assert_int_equal(jump(ks, BG_TOP_BY_RESOURCE, "configmaps", &p, &why), TM_JUMP_NONE);
    assert_int_equal(p.len, 0);
    assert_non_null(strstr(why, "no directory of that resource"));
    assert_int_equal(jump(ks, BG_TOP_BY_RESOURCE, BG_TOP_G_OTHER, &p, &why), TM_JUMP_NONE);
    assert_int_equal(jump(ks, BG_TOP_BY_NAMESPACE, "shop", &p, &why), TM_JUMP_KEY);
    assert_string_equal(str(&p), "/registry/namespaces/shop");
    assert_non_null(why); /* says where the namespace's keys are */
    assert_int_equal(jump(ks, BG_TOP_BY_NAMESPACE, "kube-system", &p, &why), TM_JUMP_NONE);
    assert_int_equal(jump(ks, BG_TOP_BY_NAMESPACE, BG_TOP_G_CLUSTER, &p, &why), TM_JUMP_NONE);
    assert_int_equal(jump(ks, BG_TOP_BY_OWNER, "DaemonSet/kube-system/node-agent", &p, &why), TM_JUMP_KEY);
    assert_string_equal(str(&p), "/registry/daemonsets/kube-system/node-agent");
    assert_null(why);
    /* Owner gone: where it would be (its namespace's directory of the kind). */
    assert_int_equal(jump(ks, BG_TOP_BY_OWNER, "ReplicaSet/shop/gone", &p, &why), TM_JUMP_DIR);
    assert_string_equal(str(&p), "/registry/replicasets/shop");
    assert_non_null(strstr(why, "not in the tree"));
    /* ... else the kind's directory. */
    assert_int_equal(jump(ks, BG_TOP_BY_OWNER, "ReplicaSet/other/gone", &p, &why), TM_JUMP_DIR);
    assert_string_equal(str(&p), "/registry/replicasets");
    assert_int_equal(jump(ks, BG_TOP_BY_OWNER, "CronJob/shop/nightly", &p, &why), TM_JUMP_NONE);
    assert_int_equal(p.len, 0);
    assert_int_equal(jump(ks, BG_TOP_BY_OWNER, "Node/n1", &p, &why), TM_JUMP_KEY);
    assert_string_equal(str(&p), "/registry/minions/n1");
    /* A value that is no Kubernetes object groups by its key. */
    assert_int_equal(jump(ks, BG_TOP_BY_OWNER, "/registry/pods/shop/web-1", &p, &why), TM_JUMP_KEY);
    assert_int_equal(jump(ks, BG_TOP_BY_OWNER, BG_TOP_G_UNKNOWN, &p, &why), TM_JUMP_NONE);
    assert_int_equal(jump(ks, BG_TOP_BY_WRITER, "kubelet", &p, &why), TM_JUMP_NONE);
    assert_string_equal(why, "writer groups span many keys; press o for owners");
    assert_int_equal(jump(ks, BG_TOP_BY_LEASE, "694d7a0f3c2b1a00", &p, &why), TM_JUMP_NONE);
    assert_non_null(strstr(why, "press o for owners"));
    assert_int_equal(tm_jump(NULL, BG_TOP_BY_KEY, S("/registry/pods/shop/web-1"), true, ks, &p, &why), TM_JUMP_NONE);
    assert_non_null(strstr(why, "cut"));
    ec_buf_free(&p);
    ec_ks_free(ks);
}

/* The same tree stored under another --etcd-prefix: every jump stays under
 * it, and never climbs above PREFIX/STORAGE. */
static void test_jump_prefix(void **state)
{
    (void)state;
    ec_ks *ks = ec_ks_new();
    assert_non_null(ks);
    put(ks, "/custom/daemonsets/kube-system/node-agent");
    put(ks, "/custom/pods/shop/web-1");
    put(ks, "/custom/minions/n1");
    put(ks, "/custom/namespaces/shop");
    put(ks, "/custom/replicasets/shop/web-1");
    put(ks, "/custom/services/specs/shop/web");
    ec_buf p;
    ec_buf_init(&p, 0);
    const char *why;
    assert_int_equal(tm_jump("/custom", BG_TOP_BY_RESOURCE, S("pods"), false, ks, &p, &why), TM_JUMP_DIR);
    assert_string_equal(str(&p), "/custom/pods");
    assert_int_equal(tm_jump("/custom/", BG_TOP_BY_RESOURCE, S("services"), false, ks, &p, &why), TM_JUMP_DIR);
    assert_string_equal(str(&p), "/custom/services/specs");
    assert_int_equal(tm_jump("/custom", BG_TOP_BY_NAMESPACE, S("shop"), false, ks, &p, &why), TM_JUMP_KEY);
    assert_string_equal(str(&p), "/custom/namespaces/shop");
    assert_int_equal(tm_jump("/custom", BG_TOP_BY_OWNER, S("DaemonSet/kube-system/node-agent"), false, ks, &p, &why),
                     TM_JUMP_KEY);
    assert_string_equal(str(&p), "/custom/daemonsets/kube-system/node-agent");
    assert_int_equal(tm_jump("/custom", BG_TOP_BY_OWNER, S("ReplicaSet/shop/gone"), false, ks, &p, &why),
                     TM_JUMP_DIR);
    assert_string_equal(str(&p), "/custom/replicasets/shop");
    assert_int_equal(tm_jump("/custom", BG_TOP_BY_OWNER, S("ReplicaSet/other/gone"), false, ks, &p, &why),
                     TM_JUMP_DIR);
    assert_string_equal(str(&p), "/custom/replicasets");
    assert_int_equal(tm_jump("/custom", BG_TOP_BY_OWNER, S("Node/n2"), false, ks, &p, &why), TM_JUMP_DIR);
    assert_string_equal(str(&p), "/custom/minions");
    assert_int_equal(tm_jump("/custom", BG_TOP_BY_OWNER, S("CronJob/shop/nightly"), false, ks, &p, &why),
                     TM_JUMP_NONE);
    /* The default prefix finds nothing in this tree. */
    assert_int_equal(tm_jump(NULL, BG_TOP_BY_RESOURCE, S("pods"), false, ks, &p, &why), TM_JUMP_NONE);
    assert_int_equal(tm_jump(NULL, BG_TOP_BY_OWNER, S("DaemonSet/kube-system/node-agent"), false, ks, &p, &why),
                     TM_JUMP_NONE);
    ec_buf_free(&p);
    ec_ks_free(ks);
}

static int del(bg_top_grouping g, const char *name, ec_buf *t, tm_del_kind *k, const char **why)
{
    return tm_delete_target(g, (const uint8_t *)name, strlen(name), false, t, k, why);
}

static void test_delete_target(void **state)
{
    (void)state;
    ec_buf t;
    ec_buf_init(&t, 0);
    tm_del_kind k = TM_DEL_OWNER;
    const char *why;
    assert_int_equal(del(BG_TOP_BY_KEY, "/registry/pods/shop/web-1", &t, &k, &why), 0);
    assert_int_equal(k, TM_DEL_KEY);
    assert_string_equal(str(&t), "/registry/pods/shop/web-1");
    assert_int_equal(del(BG_TOP_BY_PREFIX, "/registry/pods/kube-system/", &t, &k, &why), 0);
    assert_int_equal(k, TM_DEL_PREFIX);
    assert_string_equal(str(&t), "/registry/pods/kube-system/");
    assert_int_equal(del(BG_TOP_BY_PREFIX, "/registry/minions/n1", &t, &k, &why), 0);
    assert_int_equal(k, TM_DEL_KEY);
    assert_int_equal(del(BG_TOP_BY_OWNER, "DaemonSet/kube-system/node-agent", &t, &k, &why), 0);
    assert_int_equal(k, TM_DEL_OWNER);
    assert_string_equal(str(&t), "DaemonSet/kube-system/node-agent"); /* the spec bg_owner_plan takes */
    assert_int_equal(del(BG_TOP_BY_OWNER, BG_TOP_G_UNKNOWN, &t, &k, &why), -1);
    assert_int_equal(t.len, 0);
    assert_int_equal(del(BG_TOP_BY_WRITER, "kubelet", &t, &k, &why), -1);
    assert_string_equal(why, "delete: a writer is not a set of keys (press o for owners)");
    assert_int_equal(del(BG_TOP_BY_LEASE, "694d7a0f3c2b1a00", &t, &k, &why), -1);
    assert_int_equal(del(BG_TOP_BY_RESOURCE, "pods", &t, &k, &why), -1);
    assert_int_equal(del(BG_TOP_BY_NAMESPACE, "shop", &t, &k, &why), -1);
    assert_int_equal(tm_delete_target(BG_TOP_BY_KEY, S("/x"), true, &t, &k, &why), -1);
    assert_non_null(strstr(why, "cut"));
    assert_int_equal(tm_delete_target(BG_TOP_BY_KEY, (const uint8_t *)"", 0, false, &t, &k, &why), -1);
    ec_buf_free(&t);
}

static void test_text(void **state)
{
    (void)state;
    char b[40];
    assert_string_equal(tm_rate(33.0, EC_RATES_WRITES, true, b, sizeof b), "~33.0");
    assert_string_equal(tm_rate(1.0 / 60, EC_RATES_WRITES, false, b, sizeof b), "0.017");
    assert_string_equal(tm_rate(150.4, EC_RATES_WRITES, false, b, sizeof b), "150");
    assert_string_equal(tm_rate(2.5, EC_RATES_WRITES, false, b, sizeof b), "2.50");
    assert_string_equal(tm_rate(12595.2, EC_RATES_BYTES, true, b, sizeof b), "~12.3 KiB/s");
    assert_string_equal(tm_window_name(EC_RATES_10S), "10s");
    assert_string_equal(tm_window_name(EC_RATES_5M), "5m");

    ec_buf o;
    ec_buf_init(&o, 0);
    tm_title(NULL, BG_TOP_BY_PREFIX, 3, EC_RATES_60S, EC_RATES_WRITES, &o);
    assert_string_equal(str(&o), "by prefix (depth 3), last 60s, ranked by writes");
    ec_buf_reset(&o);

    bg_top_snapshot s;
    memset(&s, 0, sizeof s);
    ec_rates_top top;
    memset(&top, 0, sizeof top);
    top.totals.writes[EC_RATES_10S] = 250;
    top.totals.bytes[EC_RATES_10S] = 10240;
    top.totals.estimated[EC_RATES_10S] = true;
    s.top = &top;
    s.state = BG_TOP_RUNNING;
    tm_title(&s, BG_TOP_BY_OWNER, 3, EC_RATES_10S, EC_RATES_BYTES, &o);
    assert_string_equal(str(&o), "by owner, last 10s, ranked by bytes: 250 writes (~25.0/s), 10.0 KiB (~1.0 KiB/s)");
    ec_buf_reset(&o);

    s.info.history_set = true;
    s.info.compacted = true;
    s.info.compact_revision = 500;
    s.info.history_wanted_from = 100;
    s.info.history_from = 500;
    s.info.history_to = 1296;
    s.info.history_events = 796;
    s.info.history_done = true;
    s.info.estimate = BG_TOP_EST_OBSERVED;
    s.info.revision_rate = 254.6;
    s.info.live_events = 773;
    s.info.live_first = 1297;
    s.info.live_last = 2069;
    s.started_ms = 1000;
    s.now_ms = 4000;
    s.has_error = true;
    s.state = BG_TOP_RETRYING;
    snprintf(s.last_error.msg, sizeof s.last_error.msg, "watch on 'x' failed \x1b]0;pwned\x07");
    tm_sources(&s, 10000, &o);
    assert_string_equal(str(&o),
                        "history  COMPACTED: revisions before 500 are gone (wanted from 100); replayed what is left\n"
                        "history  revisions 500..1296: 796 writes\n"
                        "         times estimated (~) from the revision rate seen now (254.6 revisions/s)\n"
                        "live     773 writes in revisions 1297..2069 over 3 s\n"
                        "error    watch on 'x' failed \\x1b]0;pwned\\x07 (retrying)");
    ec_buf_reset(&o);
    s.info.compacted = false;
    s.info.estimate = BG_TOP_EST_ASSUMED;
    s.info.assumed_span_ms = 60000;
    s.info.live_events = 0;
    s.has_error = false;
    tm_sources(&s, 10000, &o);
    assert_non_null(strstr(str(&o), "times ASSUMED (~): no revision rate was seen, so the replayed writes are "
                                    "spread evenly over the 60 s before collection began"));
    assert_non_null(strstr(str(&o), "live     no writes over 3 s"));
    ec_buf_free(&o);
}

static void test_spark(void **state)
{
    (void)state;
    ec_rates_row r;
    memset(&r, 0, sizeof r);
    r.spark_writes[58] = 4;
    r.spark_writes[59] = 8;
    r.spark_bytes[59] = (uint64_t)1 << 40; /* larger than 32 bits: scaled, not cut */
    r.spark_bytes[57] = (uint64_t)1 << 39;
    ec_buf o;
    ec_buf_init(&o, 0);
    tm_spark(&r, EC_RATES_WRITES, 60, false, &o);
    assert_int_equal(o.len, 60);
    assert_string_equal(str(&o) + 57, " =@");
    ec_buf_reset(&o);
    tm_spark(&r, EC_RATES_BYTES, 60, false, &o);
    assert_string_equal(str(&o) + 57, "= @");
    ec_buf_reset(&o);
    tm_spark(&r, EC_RATES_WRITES, 30, false, &o); /* two seconds a character: 4 + 8 */
    assert_int_equal(o.len, 30);
    assert_int_equal(str(&o)[29], '@');
    assert_int_equal(str(&o)[28], ' ');
    ec_buf_reset(&o);
    tm_spark(&r, EC_RATES_WRITES, 60, true, &o);
    assert_int_equal(o.len, 58 + 3 + 3);
    assert_string_equal(str(&o) + 58, "\xe2\x96\x84\xe2\x96\x88");
    ec_buf_free(&o);
}

static void test_goto(void **state)
{
    (void)state;
    bm_state b;
    bm_init(&b);
    bm_goto(&b, S("/registry/pods/ns/x"), true);
    assert_false(b.at_root);
    assert_false(b.auto_start);
    assert_string_equal(b.dir.data, "/registry/pods/ns");
    assert_true(b.has_sel);
    assert_string_equal(b.sel.data, "x");
    bm_goto(&b, S("compact_rev_key"), true);
    assert_true(b.at_root);
    assert_string_equal(b.sel.data, "compact_rev_key");
    bm_goto(&b, S("/top"), true);
    assert_false(b.at_root);
    assert_int_equal(b.dir.len, 0); /* the "/" node */
    assert_string_equal(b.sel.data, "top");
    bm_set_filter(&b, S("zz"));
    bm_goto(&b, S("/registry/pods"), false);
    assert_string_equal(b.dir.data, "/registry/pods");
    assert_false(b.has_sel);
    assert_int_equal(b.filter.len, 0);

    /* On a real tree the key is found again and selected. */
    ec_ks *ks = sample();
    bm_goto(&b, S("/registry/pods/shop/web-1"), true);
    assert_int_equal(bm_refresh(&b, ks, 10, true), 0);
    assert_false(b.dir_missing);
    assert_string_equal(b.header.data, "/registry/pods/shop/");
    assert_int_equal(b.view.sel, 0);
    assert_string_equal(b.sel.data, "web-1");
    ec_ks_free(ks);
    bm_free(&b);
}

static bool near(double a, double b) { return a - b < 1e-6 && b - a < 1e-6; }

static double rate_of(ec_ks *ks, const char *path)
{
    ec_ks_id id = ec_ks_find(ks, (const uint8_t *)path, strlen(path));
    assert_int_not_equal(id, EC_KS_NONE);
    ec_ks_info st;
    assert_int_equal(ec_ks_stat(ks, id, &st), 0);
    return st.rate;
}

static void test_liverate(void **state)
{
    (void)state;
    ec_ks *ks = sample();
    lr_state lr;
    lr_init(&lr);
    int64_t t = 1000000;
    for (int i = 0; i < 25; i++)
        lr_put(&lr, ks, S("/registry/pods/shop/web-1"), t + i * 100);
    /* Times only go forward (a monotonic clock): the ring is in expiry order. */
    lr_put(&lr, ks, S("/registry/pods/kube-system/node-agent-00001"), t + 2500);
    lr_put(&lr, ks, S("/registry/pods/absent"), t + 2500); /* not in the tree: not counted */
    assert_int_equal(lr.n, 26);
    assert_true(near(rate_of(ks, "/registry/pods/shop/web-1"), 2.5));
    assert_true(near(rate_of(ks, "/registry/pods"), 2.6));
    lr_expire(&lr, ks, t + LR_WINDOW_MS - 1);
    assert_true(near(rate_of(ks, "/registry/pods"), 2.6));
    lr_expire(&lr, ks, t + LR_WINDOW_MS);
    assert_true(near(rate_of(ks, "/registry/pods/shop/web-1"), 2.4));
    assert_true(near(rate_of(ks, "/registry/pods/kube-system"), 0.1));
    lr_expire(&lr, ks, t + LR_WINDOW_MS + 2500);
    assert_true(rate_of(ks, "/registry/pods/kube-system") == 0); /* exactly: fixed point */
    assert_true(near(rate_of(ks, "/registry/pods/shop/web-1"), 0.0));
    /* A deleted key took its rate along; its pending writes expire quietly. */
    assert_int_equal(ec_ks_delete(ks, S("/registry/pods/shop/web-1")), 1);
    lr_expire(&lr, ks, t + LR_WINDOW_MS + 5000);
    assert_int_equal(lr.n, 0);
    assert_true(rate_of(ks, "/registry") == 0);
    lr_put(&lr, ks, S("/registry/minions/n1"), t);
    lr_free(&lr);
    ec_ks_free(ks);
}

static void test_keys(void **state)
{
    (void)state;
    assert_int_equal(ck_lookup(CK_BROWSE, 't'), A_OPEN_TOP);
    assert_int_equal(ck_lookup(CK_TOP, 'k'), A_UP); /* k stays Up: K is "by key" */
    assert_int_equal(ck_lookup(CK_TOP, 'K'), A_GROUP_KEY);
    assert_int_equal(ck_lookup(CK_TOP, 'p'), A_GROUP_PREFIX);
    assert_int_equal(ck_lookup(CK_TOP, 'o'), A_GROUP_OWNER);
    assert_int_equal(ck_lookup(CK_TOP, 'W'), A_GROUP_WRITER);
    assert_int_equal(ck_lookup(CK_TOP, 'l'), A_GROUP_LEASE);
    assert_int_equal(ck_lookup(CK_TOP, '1'), A_WIN_10S);
    assert_int_equal(ck_lookup(CK_TOP, '3'), A_WIN_5M);
    assert_int_equal(ck_lookup(CK_TOP, 'b'), A_METRIC);
    assert_int_equal(ck_lookup(CK_TOP, '\r'), A_OPEN);
    assert_int_equal(ck_lookup(CK_TOP, 'D'), A_DELETE);
    assert_int_equal(ck_lookup(CK_TOP, 'q'), A_QUIT);
    assert_int_equal(ck_lookup(CK_TOP, CK_FN(KEY_LEFT)), A_PARENT);
    assert_int_equal(ck_lookup(CK_TOP, 'S'), A_NONE);
    assert_int_equal(ck_lookup(CK_BROWSE, 'K'), A_NONE);
    ec_buf f;
    ec_buf_init(&f, 0);
    ck_footer(CK_TOP, 80, &f);
    assert_string_equal(f.data, "Enter:jump D:delete KprnoWl:group +-:depth 123:window b:bytes ?:help q:back");
    ck_footer(CK_BROWSE, 100, &f);
    assert_string_equal(f.data,
                        "Enter:open Bksp:up /:filter nCswmr:sort t:top S:sizes R:rescan c:cluster D:delete ?:help q:quit");
    ec_buf_reset(&f);
    ck_help(CK_TOP, &f);
    assert_non_null(strstr(f.data, "group by owner"));
    assert_non_null(strstr(f.data, "Enter "));
    assert_null(strstr(f.data, "sort by"));
    ec_buf_free(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_owner_key),     cmocka_unit_test(test_jump), cmocka_unit_test(test_jump_prefix),  cmocka_unit_test(test_delete_target),
        cmocka_unit_test(test_text),          cmocka_unit_test(test_spark), cmocka_unit_test(test_goto),
        cmocka_unit_test(test_liverate),      cmocka_unit_test(test_keys),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
