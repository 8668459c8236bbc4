/* Fault drills on a three-member cluster (tests/integration/test_drills.sh):
 * compaction under a paged scan, the rate limits, slow pages, a page that
 * hits the deadline, and a paused member. The member killed mid-scan is
 * itest_failover's drill. Keys carry the PID, so a second run (valgrind)
 * on the same cluster starts from nothing. */
#include "tests/integration/itest.h"

#include <pthread.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>

static char P[32]; /* "/dr<pid>" */

static const char *member_field(const char *env, size_t index, char *buf, size_t n)
{
    char all[1024];
    snprintf(all, sizeof all, "%s", itest_env(env));
    size_t i = 0;
    for (char *save = NULL, *t = strtok_r(all, ",", &save); t; t = strtok_r(NULL, ",", &save), i++)
        if (i == index) {
            snprintf(buf, n, "%s", t);
            return buf;
        }
    fail_msg("no entry %zu in %s", index, env);
    return NULL;
}

static pid_t member_pid(size_t i)
{
    char b[32];
    return (pid_t)atol(member_field("BG_MEMBER_PIDS", i, b, sizeof b));
}

/* A client on the given endpoints (NULL: all), with limits. */
static ec_client *drill_client(const char *endpoints, int64_t max_req, int64_t max_bytes, int timeout_ms)
{
    static char eps_buf[4][1024];
    static const char *eps[4][8];
    static int slot;
    int s = slot++ % 4;
    snprintf(eps_buf[s], sizeof eps_buf[s], "%s", endpoints ? endpoints : itest_env("BG_ENDPOINTS"));
    size_t n = 0;
    for (char *save = NULL, *t = strtok_r(eps_buf[s], ",", &save); t && n < 8; t = strtok_r(NULL, ",", &save))
        eps[s][n++] = t;
    char ca[512], cert[512], key[512];
    const char *pki = itest_env("BG_PKI");
    snprintf(ca, sizeof ca, "%s/ca.crt", pki);
    snprintf(cert, sizeof cert, "%s/client.crt", pki);
    snprintf(key, sizeof key, "%s/client.key", pki);
    ec_config cfg = {.endpoints = eps[s], .n_endpoints = n, .cacert = ca, .cert = cert, .key = key,
                     .dial_timeout_ms = 2000, .command_timeout_ms = timeout_ms,
                     .max_requests_per_s = max_req, .max_bytes_per_s = max_bytes};
    ec_err err;
    ec_client *c = ec_client_new(&cfg, &err);
    if (!c)
        fail_msg("cannot create client: %s", err.msg);
    return c;
}

static void put_keys(ec_client *c, const char *dir, int n, size_t value_len)
{
    static uint8_t val[8192];
    memset(val, 'v', sizeof val);
    assert_true(value_len <= sizeof val);
    ec_err err;
    for (int i = 0; i < n; i += 100) {
        ec_op ops[100];
        char keys[100][64];
        int m = n - i < 100 ? n - i : 100;
        for (int j = 0; j < m; j++) {
            snprintf(keys[j], sizeof keys[j], "%s/%s/%05d", P, dir, i + j);
            ops[j] = (ec_op){.type = EC_OP_PUT, .key = (const uint8_t *)keys[j], .key_len = strlen(keys[j]),
                             .value = val, .value_len = value_len};
        }
        ASSERT_OK(ec_txn(c, NULL, 0, ops, (size_t)m, NULL, 0, NULL, &err), &err);
    }
}

static size_t dir_prefix(const char *dir, char *out, size_t n)
{
    return (size_t)snprintf(out, n, "%s/%s/", P, dir);
}

/* ---- compaction mid-scan ------------------------------------------------ */

typedef struct restart_log {
    int calls;
    int64_t old_rev, new_rev;
    char (*keys)[64];
    size_t n_keys;              /* keys kept since the last (re)start */
} restart_log;

static void on_restart(void *ud, int64_t old_rev, int64_t new_rev)
{
    restart_log *l = ud;
    l->calls++;
    l->old_rev = old_rev;
    l->new_rev = new_rev;
    l->n_keys = 0; /* what we built from the old picture is dropped */
}

static void compact_now(ec_client *c, int64_t *rev)
{
    ec_err err;
    ec_header h;
    ASSERT_OK(ec_put(c, (const uint8_t *)P, strlen(P), (const uint8_t *)"tick", 4, 0, &h, &err), &err);
    ASSERT_OK(ec_compact(c, h.revision, true, NULL, &err), &err);
    *rev = h.revision;
}

/* The scan's revision is compacted after its first page (by another client
 * on the same member, physical, so the member has applied it): the scan
 * starts again at the current revision, says so once, and what it returns
 * from then on is exactly the range at the new revision. */
static void test_compaction_restarts_scan(void **state)
{
    (void)state;
    char ep0[512];
    member_field("BG_ENDPOINTS", 0, ep0, sizeof ep0);
    ec_client *a = drill_client(ep0, 0, 0, 5000);
    ec_client *b = drill_client(ep0, 0, 0, 5000);
    put_keys(b, "cm", 2000, 10);
    char pfx[64];
    size_t pl = dir_prefix("cm", pfx, sizeof pfx);
    restart_log log = {0};
    log.keys = calloc(4000, sizeof *log.keys);
    assert_non_null(log.keys);
    ec_range_opts ro = {.key = (const uint8_t *)pfx, .key_len = pl, .prefix = true, .keys_only = true,
                        .serializable = true, .page_size = 300, .on_restart = on_restart, .restart_ud = &log};
    ec_err err;
    ec_range_iter *it = ec_range_begin(a, &ro, &err);
    assert_non_null(it);
    const ec_kv *kvs;
    size_t n;
    int r, pages = 0;
    int64_t first_rev = 0, compacted = 0;
    while ((r = ec_range_next(it, &kvs, &n, &err)) > 0) {
        for (size_t i = 0; i < n; i++) {
            assert_true(log.n_keys < 4000);
            assert_true(kvs[i].key_len < 64);
            memcpy(log.keys[log.n_keys], kvs[i].key, kvs[i].key_len);
            log.keys[log.n_keys++][kvs[i].key_len] = 0;
        }
        if (++pages == 1) {
            first_rev = ec_range_revision(it);
            /* The picture changes, then the old one is compacted away. */
            char k[96];
            snprintf(k, sizeof k, "%s00000", pfx);
            ec_delete_result *d;
            ASSERT_OK(ec_delete(b, (const uint8_t *)k, strlen(k), NULL, 0, false, &d, &err), &err);
            ec_delete_result_free(d);
            for (int i = 0; i < 7; i++) {
                snprintf(k, sizeof k, "%sz%d", pfx, i);
                ASSERT_OK(ec_put(b, (const uint8_t *)k, strlen(k), (const uint8_t *)"n", 1, 0, NULL, &err), &err);
            }
            compact_now(b, &compacted);
        }
    }
    if (r < 0)
        fail_msg("scan failed: %s", err.msg);
    assert_int_equal(log.calls, 1);
    assert_int_equal(log.old_rev, first_rev);
    assert_true(log.new_rev >= compacted);
    assert_int_equal(ec_range_revision(it), log.new_rev);
    ec_range_stats st;
    ec_range_stats_get(it, &st);
    assert_int_equal(st.restarts, 1);
    assert_int_equal(st.compacted_revision, first_rev);
    ec_range_end(it);
    /* Exactly the range at the new revision: 00001..01999, then z0..z6. */
    assert_int_equal(log.n_keys, 1999 + 7);
    char want[96];
    for (size_t i = 0; i < 1999; i++) {
        snprintf(want, sizeof want, "%s%05zu", pfx, i + 1);
        assert_string_equal(log.keys[i], want);
    }
    for (size_t i = 0; i < 7; i++) {
        snprintf(want, sizeof want, "%sz%zu", pfx, i);
        assert_string_equal(log.keys[1999 + i], want);
    }
    free(log.keys);

    /* Without on_restart the scan fails as before: the caller did not say
     * it can drop what it got. */
    ec_range_opts plain = {.key = (const uint8_t *)pfx, .key_len = pl, .prefix = true, .keys_only = true,
                           .serializable = true, .page_size = 300};
    it = ec_range_begin(a, &plain, &err);
    assert_int_equal(ec_range_next(it, &kvs, &n, &err), 300);
    compact_now(b, &compacted);
    assert_int_equal(ec_range_next(it, &kvs, &n, &err), -1);
    assert_int_equal(err.code, EC_E_COMPACTED);
    ec_range_end(it);
    ec_client_free(a);
    ec_client_free(b);
}

/* Compaction after every page: bounded restarts, then a clear error. */
static void test_compaction_restarts_bounded(void **state)
{
    (void)state;
    char ep0[512];
    member_field("BG_ENDPOINTS", 0, ep0, sizeof ep0);
    ec_client *a = drill_client(ep0, 0, 0, 5000);
    ec_client *b = drill_client(ep0, 0, 0, 5000);
    char pfx[64];
    size_t pl = dir_prefix("cm", pfx, sizeof pfx);
    restart_log log = {0};
    ec_range_opts ro = {.key = (const uint8_t *)pfx, .key_len = pl, .prefix = true, .keys_only = true,
                        .serializable = true, .page_size = 500, .on_restart = on_restart, .restart_ud = &log,
                        .max_restarts = 2};
    ec_err err;
    ec_range_iter *it = ec_range_begin(a, &ro, &err);
    const ec_kv *kvs;
    size_t n;
    int r, pages = 0;
    int64_t rev;
    while ((r = ec_range_next(it, &kvs, &n, &err)) > 0) {
        pages++;
        compact_now(b, &rev);
    }
    assert_int_equal(r, -1);
    assert_int_equal(err.code, EC_E_COMPACTED);
    assert_non_null(strstr(err.msg, "scan gave up after 2 restarts"));
    assert_int_equal(log.calls, 2);
    assert_int_equal(pages, 3); /* the first page of each of the three pictures */
    ec_range_end(it);
    ec_client_free(a);
    ec_client_free(b);
}

/* ---- rate limits -------------------------------------------------------- */

static int64_t mono_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* 5 requests/s: a 25-page scan cannot go faster than (25 - burst) / 5 s, as
 * the client's own record of when it let each request through shows. */
static void test_request_rate_holds(void **state)
{
    (void)state;
    ec_client *w = drill_client(NULL, 0, 0, 5000);
    put_keys(w, "rl", 1000, 10);
    ec_client_free(w);
    ec_client *c = drill_client(NULL, 5, 0, 5000);
    char pfx[64];
    size_t pl = dir_prefix("rl", pfx, sizeof pfx);
    ec_range_opts ro = {.key = (const uint8_t *)pfx, .key_len = pl, .prefix = true, .keys_only = true,
                        .serializable = true, .page_size = 40};
    ec_err err;
    int64_t t0 = mono_us();
    ec_range_iter *it = ec_range_begin(c, &ro, &err);
    const ec_kv *kvs;
    size_t n, seen = 0;
    int r;
    while ((r = ec_range_next(it, &kvs, &n, &err)) > 0)
        seen += n;
    if (r < 0)
        fail_msg("scan failed: %s", err.msg);
    int64_t took = mono_us() - t0;
    ec_range_stats rs;
    ec_range_stats_get(it, &rs);
    ec_range_end(it);
    ec_client_stats st;
    ec_client_stats_get(c, &st);
    assert_int_equal(seen, 1000);
    assert_int_equal(rs.pages, 25);
    /* Every page was one request; nothing else was sent. */
    assert_int_equal(st.requests, (uint64_t)(rs.pages + rs.deadline_retries));
    assert_true(st.request_burst == 5.0);
    int64_t span = st.last_request_us - st.first_request_us;
    /* n <= burst + rate * span, i.e. span >= (25 - 5) / 5 s = 4 s */
    double min_span = ((double)st.requests - st.request_burst) / 5.0 * 1e6;
    if ((double)span < min_span)
        fail_msg("%llu requests let through in %lld us: faster than 5/s", (unsigned long long)st.requests,
                 (long long)span);
    assert_true(st.waits >= st.requests - 5);
    assert_true((double)took >= min_span);
    assert_int_equal(st.refused, 0);
    ec_client_free(c);
}

/* 256 KiB/s on ~1 MiB of values: reply bytes count, so the scan is paced by
 * what etcd sent, not by how many requests it took. */
static void test_byte_rate_holds(void **state)
{
    (void)state;
    ec_client *w = drill_client(NULL, 0, 0, 5000);
    put_keys(w, "rb", 256, 4096);
    ec_client_free(w);
    const int64_t rate = 256 << 10;
    ec_client *c = drill_client(NULL, 0, rate, 5000);
    char pfx[64];
    size_t pl = dir_prefix("rb", pfx, sizeof pfx);
    ec_range_opts ro = {.key = (const uint8_t *)pfx, .key_len = pl, .prefix = true, .serializable = true,
                        .page_size = 32};
    ec_err err;
    ec_range_iter *it = ec_range_begin(c, &ro, &err);
    const ec_kv *kvs;
    size_t n, seen = 0;
    int r;
    uint64_t before = 0, last_reply = 0;
    ec_client_stats st;
    while ((r = ec_range_next(it, &kvs, &n, &err)) > 0) {
        seen += n;
        ec_client_stats_get(c, &st);
        last_reply = st.bytes_received - before;
        before = st.bytes_received;
    }
    if (r < 0)
        fail_msg("scan failed: %s", err.msg);
    ec_range_end(it);
    ec_client_stats_get(c, &st);
    assert_int_equal(seen, 256);
    assert_true(st.bytes_received >= 256 * 4096);
    /* The last reply is charged after the last request was let through. */
    double paced = (double)(st.bytes_sent + st.bytes_received - last_reply);
    double min_span = (paced - st.byte_burst) / (double)rate * 1e6;
    int64_t span = st.last_request_us - st.first_request_us;
    if ((double)span < min_span)
        fail_msg("%.0f bytes in %lld us: faster than %lld bytes/s", paced, (long long)span, (long long)rate);
    assert_true(min_span > 2e6); /* the drill really was paced */
    assert_true(st.waits > 0);
    ec_client_free(c);
}

/* ---- slow pages and deadlines ------------------------------------------- */

typedef struct resumer {
    pid_t pid;
    int after_ms;
} resumer;

static void *resume_later(void *arg)
{
    resumer *rs = arg;
    struct timespec ts = {rs->after_ms / 1000, (long)(rs->after_ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
    kill(rs->pid, SIGCONT);
    return NULL;
}

/* Member 2 alone is asked; it is frozen for a while during one page. */
static void scan_with_freeze(int timeout_ms, int freeze_ms, size_t *sizes, size_t max_pages, size_t *n_pages,
                             ec_range_stats *out)
{
    char ep2[512];
    member_field("BG_ENDPOINTS", 2, ep2, sizeof ep2);
    ec_client *c = drill_client(ep2, 0, 0, timeout_ms);
    char pfx[64];
    size_t pl = dir_prefix("sp", pfx, sizeof pfx);
    ec_range_opts ro = {.key = (const uint8_t *)pfx, .key_len = pl, .prefix = true, .keys_only = true,
                        .serializable = true, .page_size = 1000};
    ec_err err;
    /* Linearizable first: member 2 has then applied every put, and the
     * serializable scan sees them all. */
    ec_range_opts lin = ro;
    lin.serializable = false;
    int64_t count;
    ASSERT_OK(ec_count(c, &lin, &count, NULL, &err), &err);
    assert_int_equal(count, 6000);
    ec_range_iter *it = ec_range_begin(c, &ro, &err);
    const ec_kv *kvs;
    size_t n;
    int r;
    pthread_t th;
    resumer rs = {member_pid(2), freeze_ms};
    *n_pages = 0;
    while ((r = ec_range_next(it, &kvs, &n, &err)) > 0) {
        if (*n_pages < max_pages)
            sizes[*n_pages] = n;
        if (++*n_pages == 1) {
            assert_int_equal(kill(rs.pid, SIGSTOP), 0);
            assert_int_equal(pthread_create(&th, NULL, resume_later, &rs), 0);
        }
    }
    if (*n_pages >= 1)
        pthread_join(th, NULL);
    kill(rs.pid, SIGCONT); /* whatever happened, never leave it frozen */
    if (r < 0)
        fail_msg("scan failed: %s", err.msg);
    ec_range_stats_get(it, out);
    ec_range_end(it);
    ec_client_free(c);
}

/* A page that takes 1.5 s (> 1 s) halves the next one. */
static void test_slow_page_halves_next(void **state)
{
    (void)state;
    ec_client *w = drill_client(NULL, 0, 0, 5000);
    put_keys(w, "sp", 6000, 1);
    ec_client_free(w);
    size_t sizes[64];
    size_t np;
    ec_range_stats st;
    scan_with_freeze(5000, 1500, sizes, 64, &np, &st);
    assert_true(np >= 3);
    assert_int_equal(sizes[0], 1000);
    assert_int_equal(sizes[1], 1000); /* the slow one */
    assert_int_equal(sizes[2], 500);  /* halved */
    assert_true(st.shrinks >= 1);
    assert_int_equal(st.deadline_retries, 0);
    size_t total = 0;
    for (size_t i = 0; i < np && i < 64; i++)
        total += sizes[i];
    assert_int_equal(total, 6000);
}

/* Frozen past the 2 s deadline (no other member to go to): the page is
 * asked again once, at a quarter the size, and the scan completes. */
static void test_deadline_page_retried_smaller(void **state)
{
    (void)state;
    size_t sizes[64];
    size_t np;
    ec_range_stats st;
    scan_with_freeze(2000, 2600, sizes, 64, &np, &st);
    assert_int_equal(st.deadline_retries, 1);
    assert_int_equal(sizes[0], 1000);
    assert_int_equal(sizes[1], 250);
    size_t total = 0;
    for (size_t i = 0; i < np && i < 64; i++)
        total += sizes[i];
    assert_int_equal(total, 6000);
}

/* ---- a paused member ---------------------------------------------------- */

/* The member in use is frozen: a read fails there at the deadline and is
 * answered by another member; a call pinned to the frozen one says it did
 * not answer within the deadline. */
static void test_paused_member(void **state)
{
    (void)state;
    ec_client *c = drill_client(NULL, 0, 0, 2000);
    char pfx[64];
    size_t pl = dir_prefix("sp", pfx, sizeof pfx);
    ec_range_opts co = {.key = (const uint8_t *)pfx, .key_len = pl, .prefix = true, .serializable = true};
    int64_t count;
    ec_err err;
    ASSERT_OK(ec_count(c, &co, &count, NULL, &err), &err);
    assert_int_equal(count, 6000);
    char paused[512];
    snprintf(paused, sizeof paused, "%s", ec_client_endpoint(c));
    size_t idx = 0;
    char buf[512];
    for (size_t i = 0; i < 3; i++)
        if (strcmp(member_field("BG_ENDPOINTS", i, buf, sizeof buf), paused) == 0)
            idx = i;
    pid_t p = member_pid(idx);
    assert_int_equal(kill(p, SIGSTOP), 0);
    int64_t t0 = mono_us();
    int rc = ec_count(c, &co, &count, NULL, &err);
    int64_t took = mono_us() - t0;
    ec_status s;
    ec_callopt pin = {.endpoint = paused};
    int prc = ec_status_get(c, &pin, &s, &err);
    kill(p, SIGCONT);
    if (rc != 0)
        fail_msg("count did not move past the paused member: %s", err.msg);
    assert_int_equal(count, 6000);
    assert_string_not_equal(ec_client_endpoint(c), paused);
    assert_true(took >= 2000000); /* it waited out the deadline first */
    assert_int_equal(prc, -1);
    assert_int_equal(err.code, EC_E_DEADLINE);
    char want[640];
    snprintf(want, sizeof want, "Status on '%s' did not answer within 2000 ms (deadline exceeded)", paused);
    assert_string_equal(err.msg, want);
    ec_client_free(c);
}

/* The leader freezes. A linearizable read on a follower is answered "leader
 * changed" once the others have elected a new leader (about 1-2 s); the
 * client waits that out and asks again instead of failing the command. The
 * client knows only the follower, so no failover can hide a failure. */
static void test_election_waited_out(void **state)
{
    (void)state;
    char eps[3][512];
    size_t leader = 3;
    ec_client *all = drill_client(NULL, 0, 0, 5000);
    ec_err err;
    for (size_t i = 0; i < 3; i++) {
        member_field("BG_ENDPOINTS", i, eps[i], sizeof eps[i]);
        ec_status s;
        ec_callopt pin = {.endpoint = eps[i]};
        ASSERT_OK(ec_status_get(all, &pin, &s, &err), &err);
        if (s.header.member_id == s.leader)
            leader = i;
    }
    ec_client_free(all);
    assert_true(leader < 3);
    size_t follower = (leader + 1) % 3;
    ec_client *c = drill_client(eps[follower], 0, 0, 8000);
    char pfx[64];
    size_t pl = dir_prefix("sp", pfx, sizeof pfx);
    ec_range_opts lin = {.key = (const uint8_t *)pfx, .key_len = pl, .prefix = true};
    int64_t count = 0;
    ASSERT_OK(ec_count(c, &lin, &count, NULL, &err), &err);
    pid_t p = member_pid(leader);
    assert_int_equal(kill(p, SIGSTOP), 0);
    struct timespec settle = {0, 300 * 1000000L};
    nanosleep(&settle, NULL);
    count = 0;
    int rc = ec_count(c, &lin, &count, NULL, &err);
    kill(p, SIGCONT);
    ec_client_free(c);
    if (rc != 0)
        fail_msg("a read during the election failed: %s", err.msg);
    assert_int_equal(count, 6000);
}

/* Linearizable on request: the client's consistency overrides browsing. */
static void test_consistency_config(void **state)
{
    (void)state;
    ec_client *c = drill_client(NULL, 0, 0, 5000);
    assert_int_equal(ec_client_consistency(c), EC_CONSISTENCY_SERIALIZABLE);
    ec_client_free(c);
    char eps[1024], ca[512], cert[512], key[512];
    snprintf(eps, sizeof eps, "%s", itest_env("BG_ENDPOINTS"));
    const char *one[] = {strtok(eps, ",")};
    const char *pki = itest_env("BG_PKI");
    snprintf(ca, sizeof ca, "%s/ca.crt", pki);
    snprintf(cert, sizeof cert, "%s/client.crt", pki);
    snprintf(key, sizeof key, "%s/client.key", pki);
    ec_config cfg = {.endpoints = one, .n_endpoints = 1, .cacert = ca, .cert = cert, .key = key,
                     .consistency = EC_CONSISTENCY_LINEARIZABLE};
    ec_err err;
    c = ec_client_new(&cfg, &err);
    assert_non_null(c);
    assert_int_equal(ec_client_consistency(c), EC_CONSISTENCY_LINEARIZABLE);
    char pfx[64];
    size_t pl = dir_prefix("sp", pfx, sizeof pfx);
    ec_range_opts co = {.key = (const uint8_t *)pfx, .key_len = pl, .prefix = true, .serializable = true};
    int64_t count;
    ASSERT_OK(ec_count(c, &co, &count, NULL, &err), &err);
    assert_int_equal(count, 6000);
    ec_client_free(c);
    cfg.consistency = (ec_consistency)7;
    assert_null(ec_client_new(&cfg, &err));
    assert_int_equal(err.code, EC_E_INVALID);
    cfg.consistency = EC_CONSISTENCY_SERIALIZABLE;
    cfg.max_requests_per_s = -1;
    assert_null(ec_client_new(&cfg, &err));
    assert_string_equal(err.msg, "rate limit is negative: use 0 for unlimited");
}

int main(void)
{
    snprintf(P, sizeof P, "/dr%ld", (long)getpid());
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_compaction_restarts_scan),
        cmocka_unit_test(test_compaction_restarts_bounded),
        cmocka_unit_test(test_request_rate_holds),
        cmocka_unit_test(test_byte_rate_holds),
        cmocka_unit_test(test_slow_page_halves_next),
        cmocka_unit_test(test_deadline_page_retried_smaller),
        cmocka_unit_test(test_paused_member),
        cmocka_unit_test(test_election_waited_out),
        cmocka_unit_test(test_consistency_config),
    };
    return cmocka_run_group_tests_name("fault drills on a three-member cluster", tests, NULL, NULL);
}
