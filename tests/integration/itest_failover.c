/* A three-member cluster: the member the client uses is killed in the middle
 * of a paged scan of 50,000 keys; the scan finishes on another member at the same pinned
 * revision with no key missing or repeated, and the next calls succeed. */
#include "tests/integration/itest.h"

#include <signal.h>
#include <sys/wait.h>

/* A full scan of this many keys is the drill (docs/drills.md). */
#define N_KEYS 50000

static pid_t member_pid(size_t index)
{
    char buf[256];
    snprintf(buf, sizeof buf, "%s", itest_env("BG_MEMBER_PIDS"));
    size_t i = 0;
    for (char *save = NULL, *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save), i++)
        if (i == index)
            return (pid_t)atol(t);
    fail_msg("no PID for member %zu", index);
    return 0;
}

static size_t endpoint_index(const char *url)
{
    char buf[1024];
    snprintf(buf, sizeof buf, "%s", itest_env("BG_ENDPOINTS"));
    size_t i = 0;
    for (char *save = NULL, *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save), i++)
        if (strcmp(t, url) == 0)
            return i;
    fail_msg("endpoint '%s' not configured", url);
    return 0;
}

static void test_kill_member_in_use(void **state)
{
    (void)state;
    ec_err err;
    ec_client *c = itest_client("client", &err);
    assert_non_null(c);
    char k[64];
    for (int i = 0; i < N_KEYS; i += 100) {
        ec_op ops[100];
        char keys[100][32];
        for (int j = 0; j < 100; j++) {
            snprintf(keys[j], sizeof keys[j], "/fo/%05d", i + j);
            ops[j] = (ec_op){.type = EC_OP_PUT, .key = (const uint8_t *)keys[j], .key_len = strlen(keys[j]),
                             .value = (const uint8_t *)"v", .value_len = 1};
        }
        ASSERT_OK(ec_txn(c, NULL, 0, ops, 100, NULL, 0, NULL, &err), &err);
    }
    ec_range_opts ro = {.key = (const uint8_t *)"/fo/", .key_len = 4, .prefix = true, .keys_only = true,
                        .page_size = 500, .serializable = true};
    ec_range_iter *it = ec_range_begin(c, &ro, &err);
    const ec_kv *kvs;
    size_t n;
    int r, seen = 0, pages = 0;
    const char *killed = NULL;
    while ((r = ec_range_next(it, &kvs, &n, &err)) > 0) {
        for (size_t i = 0; i < n; i++, seen++) {
            snprintf(k, sizeof k, "/fo/%05d", seen);
            assert_int_equal(kvs[i].key_len, strlen(k));
            assert_memory_equal(kvs[i].key, k, strlen(k));
        }
        if (++pages == 2) {
            /* Kill exactly the member serving us, mid-scan. */
            killed = ec_client_endpoint(c);
            pid_t p = member_pid(endpoint_index(killed));
            assert_int_equal(kill(p, SIGKILL), 0);
        }
    }
    if (r < 0)
        fail_msg("scan failed after the kill: %s", err.msg);
    assert_int_equal(seen, N_KEYS);
    assert_non_null(killed);
    assert_string_not_equal(ec_client_endpoint(c), killed);
    ec_range_end(it);

    /* The next call succeeds on a surviving member (a linearizable read,
     * which also needs the new leader). */
    int64_t count;
    ec_range_opts co = {.key = (const uint8_t *)"/fo/", .key_len = 4, .prefix = true};
    ASSERT_OK(ec_count(c, &co, &count, NULL, &err), &err);
    assert_int_equal(count, N_KEYS);
    /* A write once the survivors have a leader. */
    ec_header h;
    ASSERT_OK(ec_put(c, (const uint8_t *)"/fo/after", 9, (const uint8_t *)"x", 1, 0, &h, &err), &err);
    ASSERT_OK(ec_count(c, &co, &count, NULL, &err), &err);
    assert_int_equal(count, N_KEYS + 1);

    /* The cluster view reports the dead member with its error. */
    ec_cluster_status *cs;
    ASSERT_OK(ec_cluster_status_get(c, &cs, &err), &err);
    size_t down = 0;
    for (size_t i = 0; i < cs->n_members; i++) {
        if (!cs->members[i].ok) {
            down++;
            assert_string_equal(cs->members[i].endpoint, killed);
            assert_int_equal(cs->members[i].err.code, EC_E_UNREACHABLE);
        }
    }
    assert_int_equal(down, 1);
    ec_cluster_status_free(cs);
    ec_client_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kill_member_in_use),
    };
    return cmocka_run_group_tests_name("failover on a three-member cluster", tests, NULL, NULL);
}
