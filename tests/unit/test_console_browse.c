/* The key browser without a terminal: the browser model over a real
 * keyspace tree (tui/console/bmodel.c) - navigation, selection kept by
 * identity through re-sorts, live inserts and deletes, going up, filters,
 * escaped labels - plus the list window (rowlist.c), the column layout at
 * 80 columns and narrower (layout.c), the key table and footer (keys.c) and
 * the connection state (connstate.c). */
#include <curses.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "tui/console/bmodel.h"
#include "tui/console/connstate.h"
#include "tui/console/keys.h"
#include "tui/console/layout.h"
#include "tui/console/rowlist.h"

#define S(lit) (const uint8_t *)(lit), (sizeof(lit) - 1)

static int64_t rev = 1;

static void put(ec_ks *ks, const uint8_t *k, size_t n)
{
    ec_ks_kv kv = {rev, rev, 1, 0, EC_KS_SIZE_UNKNOWN};
    rev++;
    ec_err err;
    assert_true(ec_ks_put(ks, k, n, &kv, &err) >= 0);
}
#define PUT(ks, lit) put((ks), S(lit))

static ec_ks *sample(void)
{
    ec_ks *ks = ec_ks_new();
    assert_non_null(ks);
    PUT(ks, "/registry/pods/a/p1");
    PUT(ks, "/registry/pods/a/p2");
    PUT(ks, "/registry/pods/b/p1");
    PUT(ks, "/registry/secrets/x");
    PUT(ks, "/registry/configmaps/y");
    PUT(ks, "/registry/configmaps/\x1b]0;pwned\x07");
    PUT(ks, "compact_rev_key");
    return ks;
}

/* The labels of the visible rows joined with spaces. */
static const char *labels(const bm_state *b)
{
    static char buf[1024];
    buf[0] = '\0';
    for (size_t i = 0; i < b->n_rows; i++) {
        if (i)
            strcat(buf, " ");
        strncat(buf, b->rows[i].label.data, sizeof buf - strlen(buf) - 2);
    }
    return buf;
}

static const char *sel_name(const bm_state *b)
{
    static char buf[256];
    snprintf(buf, sizeof buf, "%.*s", (int)b->sel.len, b->sel.data ? b->sel.data : "");
    return buf;
}

static void test_navigation(void **state)
{
    (void)state;
    ec_ks *ks = sample();
    bm_state b;
    bm_init(&b);
    assert_int_equal(bm_refresh(&b, ks, 10, true), 0);
    /* Opens in "/" (where a Kubernetes keyspace lives) once it exists. */
    assert_false(b.at_root);
    assert_string_equal(b.header.data, "/");
    assert_string_equal(labels(&b), "registry/");
    assert_int_equal(b.dir_info.keys, 6);

    ec_buf key;
    ec_buf_init(&key, 0);
    assert_int_equal(bm_enter(&b, ks, &key), BM_DESCENDED);
    bm_refresh(&b, ks, 10, true);
    assert_string_equal(b.header.data, "/registry/");
    assert_string_equal(labels(&b), "configmaps/ pods/ secrets/");
    bm_move(&b, ks, 1);
    assert_string_equal(sel_name(&b), "pods");
    assert_int_equal(bm_enter(&b, ks, &key), BM_DESCENDED);
    bm_refresh(&b, ks, 10, true);
    assert_string_equal(b.header.data, "/registry/pods/");
    assert_string_equal(labels(&b), "a/ b/");
    bm_move(&b, ks, 1);
    assert_string_equal(sel_name(&b), "b");

    /* Up: the directory we came from is selected. */
    assert_int_equal(bm_up(&b), BM_MOVED);
    bm_refresh(&b, ks, 10, true);
    assert_string_equal(b.header.data, "/registry/");
    assert_int_equal(b.view.sel, 1);
    assert_string_equal(sel_name(&b), "pods");

    /* Into secrets/: Enter on a key opens it, with its exact bytes. */
    bm_move(&b, ks, 1);
    assert_int_equal(bm_enter(&b, ks, &key), BM_DESCENDED);
    bm_refresh(&b, ks, 10, true);
    assert_int_equal(bm_enter(&b, ks, &key), BM_OPEN_KEY);
    assert_int_equal(key.len, strlen("/registry/secrets/x"));
    assert_memory_equal(key.data, "/registry/secrets/x", key.len);
    assert_int_equal(bm_view(&b, ks, &key), BM_OPEN_KEY);

    /* Up and up: "/" then the root, where "/" and compact_rev_key live. */
    bm_up(&b);
    bm_up(&b);
    bm_refresh(&b, ks, 10, true);
    assert_string_equal(b.header.data, "/");
    assert_string_equal(sel_name(&b), "registry");
    bm_up(&b);
    bm_refresh(&b, ks, 10, true);
    assert_true(b.at_root);
    assert_string_equal(b.header.data, "(root)");
    assert_string_equal(labels(&b), "/ compact_rev_key");
    assert_int_equal(b.view.sel, 0);
    assert_int_equal(b.sel.len, 0); /* the node named "" */
    assert_int_equal(bm_up(&b), BM_NOTHING);
    /* Once the operator has moved, the browser no longer jumps to "/". */
    bm_refresh(&b, ks, 10, true);
    assert_true(b.at_root);
    ec_buf p;
    ec_buf_init(&p, 0);
    bm_scan_prefix(&b, &p);
    assert_int_equal(p.len, 0);
    bm_enter(&b, ks, &key);
    bm_refresh(&b, ks, 10, true);
    bm_enter(&b, ks, &key);
    bm_refresh(&b, ks, 10, true);
    bm_scan_prefix(&b, &p);
    assert_string_equal(p.data, "/registry/");
    ec_buf_free(&p);
    ec_buf_free(&key);
    bm_free(&b);
    ec_ks_free(ks);
}

static void test_identity_survives_changes(void **state)
{
    (void)state;
    ec_ks *ks = sample();
    bm_state b;
    bm_init(&b);
    ec_buf key;
    ec_buf_init(&key, 0);
    bm_refresh(&b, ks, 10, true);
    bm_enter(&b, ks, &key); /* /registry */
    bm_refresh(&b, ks, 10, true);
    bm_move(&b, ks, 1); /* pods */
    bm_refresh(&b, ks, 10, true);
    assert_int_equal(b.view.sel, 1);

    /* Sorted by keys, largest first: pods (3) configmaps (2) secrets (1). */
    bm_sort(&b, EC_KS_BY_KEYS);
    bm_refresh(&b, ks, 10, true);
    assert_string_equal(labels(&b), "pods/ configmaps/ secrets/");
    assert_int_equal(b.view.sel, 0);
    assert_string_equal(sel_name(&b), "pods");
    /* The same key again reverses. */
    bm_sort(&b, EC_KS_BY_KEYS);
    bm_refresh(&b, ks, 10, true);
    assert_string_equal(labels(&b), "secrets/ configmaps/ pods/");
    assert_int_equal(b.view.sel, 2);
    assert_true(!b.desc);
    /* Names start ascending. */
    bm_sort(&b, EC_KS_BY_NAME);
    assert_false(b.desc);
    bm_refresh(&b, ks, 10, true);
    assert_int_equal(b.view.sel, 1);

    /* A live insert before the selection: the cursor stays on pods. */
    PUT(ks, "/registry/apiservices/z");
    bm_refresh(&b, ks, 10, true);
    assert_string_equal(labels(&b), "apiservices/ configmaps/ pods/ secrets/");
    assert_int_equal(b.view.sel, 2);
    assert_string_equal(sel_name(&b), "pods");
    /* A live update that changes the order under a numeric sort. */
    bm_sort(&b, EC_KS_BY_KEYS);
    bm_refresh(&b, ks, 10, true);
    assert_int_equal(b.view.sel, 0);
    for (int i = 0; i < 5; i++) {
        char k[64];
        snprintf(k, sizeof k, "/registry/secrets/s%d", i);
        put(ks, (const uint8_t *)k, strlen(k));
    }
    bm_refresh(&b, ks, 10, true);
    assert_string_equal(labels(&b), "secrets/ pods/ configmaps/ apiservices/");
    assert_int_equal(b.view.sel, 1);
    assert_string_equal(sel_name(&b), "pods");

    /* The selected directory is deleted: the cursor stays on that row,
     * now the next one. */
    assert_int_equal(ec_ks_delete(ks, S("/registry/pods/a/p1")), 1);
    assert_int_equal(ec_ks_delete(ks, S("/registry/pods/a/p2")), 1);
    assert_int_equal(ec_ks_delete(ks, S("/registry/pods/b/p1")), 1);
    bm_refresh(&b, ks, 10, true);
    assert_string_equal(labels(&b), "secrets/ configmaps/ apiservices/");
    assert_int_equal(b.view.sel, 1);
    assert_string_equal(sel_name(&b), "configmaps");
    ec_buf_free(&key);
    bm_free(&b);
    ec_ks_free(ks);
}

static void test_filter_and_labels(void **state)
{
    (void)state;
    ec_ks *ks = sample();
    bm_state b;
    bm_init(&b);
    ec_buf key;
    ec_buf_init(&key, 0);
    bm_refresh(&b, ks, 10, true);
    bm_enter(&b, ks, &key);
    bm_refresh(&b, ks, 10, true);
    assert_int_equal(bm_set_filter(&b, S("ets")), 0);
    bm_refresh(&b, ks, 10, true);
    assert_string_equal(labels(&b), "secrets/");
    assert_int_equal(b.view.total, 1);
    assert_int_equal(b.n_children, 3);
    assert_int_equal(bm_set_filter(&b, S("nothing")), 0);
    bm_refresh(&b, ks, 10, true);
    assert_int_equal(b.n_rows, 0);
    assert_int_equal(bm_set_filter(&b, NULL, 0), 0);
    bm_refresh(&b, ks, 10, true);
    assert_int_equal(b.view.total, 3);
    char big[BM_FILTER_MAX + 2];
    memset(big, 'x', sizeof big);
    assert_int_equal(bm_set_filter(&b, (const uint8_t *)big, sizeof big), -1);

    /* A key holding a terminal escape sequence is a harmless label. */
    bm_home(&b, ks); /* configmaps */
    assert_int_equal(bm_enter(&b, ks, &key), BM_DESCENDED);
    bm_refresh(&b, ks, 10, true);
    assert_string_equal(labels(&b), "\\e]0;pwned\\x07 y");
    for (size_t i = 0; i < b.n_rows; i++)
        assert_null(memchr(b.rows[i].label.data, 0x1b, b.rows[i].label.len));
    /* The same on a terminal that is not UTF-8. */
    PUT(ks, "/registry/configmaps/caf\xc3\xa9");
    bm_refresh(&b, ks, 10, false);
    assert_string_equal(labels(&b), "\\e]0;pwned\\x07 caf\\xc3\\xa9 y");
    assert_int_equal(bm_enter(&b, ks, &key), BM_OPEN_KEY);
    assert_int_equal(key.len, strlen("/registry/configmaps/\x1b]0;pwned\x07"));
    assert_memory_equal(key.data, "/registry/configmaps/\x1b]0;pwned\x07", key.len);
    ec_buf_free(&key);
    bm_free(&b);
    ec_ks_free(ks);
}

static void test_big_directory_and_climb(void **state)
{
    (void)state;
    ec_ks *ks = ec_ks_new();
    for (int i = 0; i < 1000; i++) {
        char k[64];
        snprintf(k, sizeof k, "/d/k%04d", i);
        put(ks, (const uint8_t *)k, strlen(k));
    }
    PUT(ks, "/e/x/y");
    bm_state b;
    bm_init(&b);
    ec_buf key;
    ec_buf_init(&key, 0);
    bm_refresh(&b, ks, 10, true);
    bm_enter(&b, ks, &key); /* /d */
    bm_refresh(&b, ks, 10, true);
    assert_int_equal(b.view.total, 1000);
    assert_int_equal(b.n_rows, 10);
    bm_end(&b, ks);
    bm_refresh(&b, ks, 10, true);
    assert_int_equal(b.view.sel, 999);
    assert_int_equal(b.view.top, 990);
    assert_string_equal(b.rows[9].label.data, "k0999");
    assert_string_equal(sel_name(&b), "k0999");
    bm_page(&b, ks, -1);
    bm_refresh(&b, ks, 10, true);
    assert_int_equal(b.view.top, 980);
    assert_int_equal(b.view.sel, 989);
    /* A smaller window keeps the selection visible. */
    bm_refresh(&b, ks, 3, true);
    assert_int_equal(b.n_rows, 3);
    assert_true(b.view.sel >= b.view.top && b.view.sel < b.view.top + 3);

    /* The directory shown disappears: climb to what is left. */
    bm_up(&b);
    bm_refresh(&b, ks, 10, true);
    bm_move(&b, ks, 1); /* e */
    bm_enter(&b, ks, &key);
    bm_refresh(&b, ks, 10, true);
    bm_enter(&b, ks, &key); /* /e/x */
    bm_refresh(&b, ks, 10, true);
    assert_string_equal(b.header.data, "/e/x/");
    ec_ks_delete(ks, S("/e/x/y"));
    bm_refresh(&b, ks, 10, true);
    assert_true(b.dir_missing);
    bm_climb(&b, ks);
    bm_refresh(&b, ks, 10, true);
    assert_false(b.dir_missing);
    assert_string_equal(b.header.data, "/");
    assert_string_equal(labels(&b), "d/");
    ec_buf_free(&key);
    bm_free(&b);
    ec_ks_free(ks);
}

static void test_rowlist(void **state)
{
    (void)state;
    rl_view v = {100, 0, 0, 10};
    rl_move(&v, 5);
    assert_int_equal(v.sel, 5);
    assert_int_equal(v.top, 0);
    rl_move(&v, 5);
    assert_int_equal(v.sel, 10);
    assert_int_equal(v.top, 1);
    rl_page(&v, 1);
    assert_int_equal(v.sel, 20);
    assert_int_equal(v.top, 11);
    rl_end(&v);
    assert_int_equal(v.sel, 99);
    assert_int_equal(v.top, 90);
    rl_move(&v, 1000);
    assert_int_equal(v.sel, 99);
    rl_home(&v);
    assert_int_equal(v.sel, 0);
    assert_int_equal(v.top, 0);
    rl_move(&v, -5);
    assert_int_equal(v.sel, 0);
    /* Restore keeps the selected row at its screen line. */
    v = (rl_view){100, 45, 40, 10};
    rl_restore(&v, 101, 46);
    assert_int_equal(v.sel, 46);
    assert_int_equal(v.top, 41);
    /* The list shrinks under the window: no empty space at the bottom. */
    v = (rl_view){100, 95, 90, 10};
    rl_restore(&v, 50, 48);
    assert_int_equal(v.sel, 48);
    assert_int_equal(v.top, 40);
    v = (rl_view){100, 95, 90, 10};
    v.total = 3;
    rl_fix(&v);
    assert_int_equal(v.sel, 2);
    assert_int_equal(v.top, 0);
    v.total = 0;
    rl_fix(&v);
    assert_int_equal(v.sel, 0);
    /* Scroll-only lists. */
    v = (rl_view){30, 0, 0, 10};
    rl_scroll(&v, 25);
    assert_int_equal(v.top, 20);
    rl_scroll(&v, -3);
    assert_int_equal(v.top, 17);
    rl_scroll(&v, -100);
    assert_int_equal(v.top, 0);
}

static void test_layout(void **state)
{
    (void)state;
    bl_layout l;
    bl_compute(&l, 80);
    for (int c = 0; c < BL_NCOLS; c++)
        assert_true(l.col[c].shown);
    assert_int_equal(l.col[BL_KEYS].x, 2);
    assert_int_equal(l.col[BL_BYTES].x, 11);
    assert_int_equal(l.col[BL_WRITES].x, 22);
    assert_int_equal(l.col[BL_MODREV].x, 32);
    assert_int_equal(l.col[BL_RATE].x, 43);
    assert_int_equal(l.col[BL_NAME].x, 51);
    assert_int_equal(l.col[BL_NAME].w, 29);
    bl_compute(&l, 60);
    assert_false(l.col[BL_RATE].shown);
    assert_false(l.col[BL_WRITES].shown);
    assert_true(l.col[BL_MODREV].shown);
    assert_int_equal(l.col[BL_MODREV].x, 22);
    assert_int_equal(l.col[BL_NAME].x, 33);
    assert_int_equal(l.col[BL_NAME].w, 27);
    bl_compute(&l, 40);
    assert_true(l.col[BL_KEYS].shown);
    assert_false(l.col[BL_BYTES].shown);
    assert_int_equal(l.col[BL_NAME].x, 11);
    assert_int_equal(l.col[BL_NAME].w, 29);
    bl_compute(&l, 10);
    assert_false(l.col[BL_KEYS].shown);
    assert_int_equal(l.col[BL_NAME].x, 2);
    assert_int_equal(l.col[BL_NAME].w, 8);
    bl_compute(&l, 100);
    assert_int_equal(l.col[BL_NAME].w, 49);
}

static void test_keys(void **state)
{
    (void)state;
    assert_int_equal(ck_lookup(CK_BROWSE, 'q'), A_QUIT);
    assert_int_equal(ck_lookup(CK_VALUE, 'q'), A_QUIT);
    assert_int_equal(ck_lookup(CK_BROWSE, 'c'), A_CLUSTER);
    assert_int_equal(ck_lookup(CK_BROWSE, 'C'), A_SORT_KEYS);
    assert_int_equal(ck_lookup(CK_BROWSE, 'S'), A_SIZESCAN);
    assert_int_equal(ck_lookup(CK_BROWSE, 's'), A_SORT_BYTES);
    assert_int_equal(ck_lookup(CK_BROWSE, 'R'), A_RESCAN);
    assert_int_equal(ck_lookup(CK_BROWSE, CK_FN(KEY_LEFT)), A_PARENT);
    assert_int_equal(ck_lookup(CK_BROWSE, 127), A_PARENT);
    assert_int_equal(ck_lookup(CK_BROWSE, '\r'), A_OPEN);
    assert_int_equal(ck_lookup(CK_BROWSE, '/'), A_FILTER);
    assert_int_equal(ck_lookup(CK_VALUE, '/'), A_SEARCH);
    assert_int_equal(ck_lookup(CK_BROWSE, 'n'), A_SORT_NAME);
    assert_int_equal(ck_lookup(CK_VALUE, 'n'), A_NEXT);
    assert_int_equal(ck_lookup(CK_HELP, '?'), A_HELP);
    assert_int_equal(ck_lookup(CK_CLUSTER, CK_ESC), A_BACK);
    assert_int_equal(ck_lookup(CK_BROWSE, 'Z'), A_NONE);
    /* Audit review and maintenance. */
    assert_int_equal(ck_lookup(CK_BROWSE, 'A'), A_AUDIT);
    assert_int_equal(ck_lookup(CK_BROWSE, 'M'), A_MAINT);
    assert_int_equal(ck_lookup(CK_CLUSTER, 'M'), A_MAINT);
    assert_int_equal(ck_lookup(CK_VALUE, 'L'), A_LEASE);
    assert_int_equal(ck_lookup(CK_AUDIT, 'u'), A_RESTORE);
    assert_int_equal(ck_lookup(CK_AUDREC, 'u'), A_RESTORE);
    assert_int_equal(ck_lookup(CK_AUDIT, '\r'), A_OPEN);
    assert_int_equal(ck_lookup(CK_MAINT, 'c'), A_M_COMPACT);
    assert_int_equal(ck_lookup(CK_MAINT, 'd'), A_M_DEFRAG);
    assert_int_equal(ck_lookup(CK_ACTION, 's'), A_SNAPFIRST);
    assert_int_equal(ck_lookup(CK_ACTION, 'c'), A_CONTINUE);
    assert_int_equal(ck_lookup(CK_MAINT, CK_ESC), A_BACK);
    assert_int_equal(ck_lookup(CK_AUDREC, 'q'), A_QUIT);
    assert_int_equal(ck_lookup(CK_AUDIT, 'D'), A_NONE); /* no delete from the log */
    /* One key, one action per screen: no binding shadows another. */
    size_t n;
    const ck_binding *t = ck_table(&n);
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n; j++)
            if (t[i].key == t[j].key && (t[i].screens & t[j].screens))
                fail_msg("key %d bound twice (entries %zu and %zu)", t[i].key, i, j);

    ec_buf f;
    ec_buf_init(&f, 0);
    ck_footer(CK_BROWSE, 80, &f);
    assert_string_equal(f.data, "Enter:open Bksp:up /:filter nCswmr:sort t:top S:sizes R:rescan ?:help q:quit");
    ck_footer(CK_BROWSE, 40, &f);
    assert_string_equal(f.data, "Enter:open Bksp:up ?:help q:quit");
    ck_footer(CK_VALUE, 80, &f);
    assert_string_equal(f.data, "/:search n:next N:prev x:hex L:lease ?:help q:back");
    ck_footer(CK_MAINT, 100, &f);
    assert_string_equal(f.data, "c:compact d:defrag a:alarms n:nospace s:snapshot l:lease ?:help q:back");
    ck_footer(CK_AUDIT, 80, &f);
    assert_string_equal(f.data, "Enter:show u:restore R:reload ?:help q:back");
    ec_buf_reset(&f);
    ck_help(CK_BROWSE, &f);
    assert_non_null(strstr(f.data, "Enter Right l"));
    assert_non_null(strstr(f.data, "open: descend into a directory"));
    assert_non_null(strstr(f.data, "  S "));
    assert_null(strstr(f.data, "search the value"));
    ec_buf_free(&f);
}

static void test_connstate(void **state)
{
    (void)state;
    cs_state s;
    cs_init(&s, 0);
    assert_int_equal(s.kind, CS_CONNECTING);
    ec_err e = {EC_E_UNREACHABLE, 14, "connection to 'https://x' refused: nothing listens there"};
    cs_fail(&s, &e, 100);
    /* Never connected: disconnected at once, with the reason. */
    assert_int_equal(s.kind, CS_DISCONNECTED);
    assert_string_equal(s.last_msg, e.msg);
    cs_ok(&s, 1000);
    assert_int_equal(s.kind, CS_CONNECTED);
    e.code = EC_E_DEADLINE;
    cs_fail(&s, &e, 2000);
    assert_int_equal(s.kind, CS_RECONNECTING);
    cs_fail(&s, &e, 3000);
    assert_int_equal(s.kind, CS_RECONNECTING);
    cs_fail(&s, &e, 4000);
    assert_int_equal(s.kind, CS_DISCONNECTED);
    assert_int_equal(s.last_code, EC_E_DEADLINE);
    cs_ok(&s, 5000);
    assert_int_equal(s.kind, CS_CONNECTED);
    assert_int_equal(s.fails, 0);
    /* One failure long after the last answer (slow polls): disconnected. */
    cs_fail(&s, &e, 5000 + CS_RECONNECT_GRACE_MS);
    assert_int_equal(s.kind, CS_DISCONNECTED);
    assert_string_equal(cs_name(CS_RECONNECTING), "reconnecting");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_navigation),
        cmocka_unit_test(test_identity_survives_changes),
        cmocka_unit_test(test_filter_and_labels),
        cmocka_unit_test(test_big_directory_and_climb),
        cmocka_unit_test(test_rowlist),
        cmocka_unit_test(test_layout),
        cmocka_unit_test(test_keys),
        cmocka_unit_test(test_connstate),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
