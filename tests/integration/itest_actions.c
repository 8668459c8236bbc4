/* The guarded delete engine against real etcd: keys changed or removed
 * between the plan and the execution are skipped and reported, never
 * deleted; the intent with every pre-image is in the audit log before the
 * first delete; an unwritable audit log stops everything. */
#include "tests/integration/itest.h"

#include <errno.h>
#include <unistd.h>

#include "tui/audit/audit.h"
#include "tui/audit/audit_test.h"
#include "tui/ops/delete.h"

static ec_client *C;

static int setup(void **state)
{
    (void)state;
    ec_err err;
    C = itest_client("client", &err);
    return C ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    ec_client_free(C);
    return 0;
}

static void put(const char *k, const char *v)
{
    ec_err err;
    ASSERT_OK(ec_put(C, (const uint8_t *)k, strlen(k), (const uint8_t *)v, strlen(v), 0, NULL, &err), &err);
}

static int64_t count(const char *prefix)
{
    ec_err err;
    int64_t n = -1;
    ec_range_opts ro = {.key = (const uint8_t *)prefix, .key_len = strlen(prefix), .prefix = true};
    ASSERT_OK(ec_count(C, &ro, &n, NULL, &err), &err);
    return n;
}

static audit_log *open_log(const char *name)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s-%d.log", itest_env("BG_TMP"), name, (int)getpid());
    unlink(path);
    audit_options ao = {path, NULL, 0, 0};
    audit_log *log;
    ec_err err;
    ASSERT_OK(audit_open(&log, &ao, NULL, &err), &err);
    return log;
}

static void test_changed_between_plan_and_execution(void **state)
{
    (void)state;
    char k[64];
    for (int i = 0; i < 300; i++) {
        snprintf(k, sizeof k, "/act/a/%04d", i);
        put(k, "v1");
    }
    bg_plan p;
    bg_plan_init(&p, "delete-prefix", (const uint8_t *)"/act/a/", 7);
    ec_range_opts ro = {.key = (const uint8_t *)"/act/a/", .key_len = 7, .prefix = true};
    ec_err err;
    ASSERT_OK(bg_plan_read_range(&p, C, &ro, 1 << 20, &err), &err);
    assert_int_equal(p.n, 300);
    /* After the preview: one key rewritten, one deleted by someone else. */
    put("/act/a/0007", "v2");
    ec_delete_result *d;
    ASSERT_OK(ec_delete(C, (const uint8_t *)"/act/a/0200", 11, NULL, 0, false, &d, &err), &err);
    ec_delete_result_free(d);

    audit_log *log = open_log("changed");
    bg_delete_outcome out;
    ASSERT_OK(bg_delete_execute(C, log, &p, NULL, &out, &err), &err);
    assert_int_equal(out.deleted, 298);
    assert_int_equal(out.n_skipped, 2);
    int changed = 0, absent = 0;
    for (size_t i = 0; i < out.n_skipped; i++) {
        const bg_plan_kv *kv = &p.kvs[out.skipped[i].idx];
        if (strcmp(out.skipped[i].reason, "changed") == 0) {
            changed++;
            assert_memory_equal(kv->key, "/act/a/0007", 11);
        } else if (strcmp(out.skipped[i].reason, "absent") == 0) {
            absent++;
            assert_memory_equal(kv->key, "/act/a/0200", 11);
        }
    }
    assert_int_equal(changed, 1);
    assert_int_equal(absent, 1);
    /* The changed key is still there with its new value. */
    ec_range_opts one = {.key = (const uint8_t *)"/act/a/0007", .key_len = 11};
    ec_range_result *r;
    ASSERT_OK(ec_range_once(C, &one, &r, &err), &err);
    assert_int_equal(r->n_kvs, 1);
    assert_memory_equal(r->kvs[0].value, "v2", 2);
    ec_range_result_free(r);
    assert_int_equal(count("/act/a/"), 1);
    assert_true(out.intent_seq > 0 && out.result_seq == out.intent_seq + 1);

    /* The log verifies, and its restore plan leaves out the skipped keys. */
    audit_reader *rd;
    ASSERT_OK(audit_reader_open(&rd, audit_log_path(log), &err), &err);
    audit_restore_plan rp;
    ASSERT_OK(audit_restore_plan_build(rd, out.intent_seq, NULL, 0, &rp, &err), &err);
    assert_int_equal(rp.n, 298);
    assert_int_equal(rp.skipped, 2);
    audit_restore_plan_free(&rp);
    audit_reader_close(rd);
    bg_delete_outcome_free(&out);
    bg_plan_free(&p);
    audit_close(log);
}

static void test_audit_failure_sends_nothing(void **state)
{
    (void)state;
    char k[64];
    for (int i = 0; i < 50; i++) {
        snprintf(k, sizeof k, "/act/b/%04d", i);
        put(k, "v");
    }
    bg_plan p;
    bg_plan_init(&p, "delete-prefix", (const uint8_t *)"/act/b/", 7);
    ec_range_opts ro = {.key = (const uint8_t *)"/act/b/", .key_len = 7, .prefix = true};
    ec_err err;
    ASSERT_OK(bg_plan_read_range(&p, C, &ro, 1 << 20, &err), &err);
    audit_log *log = open_log("full");
    /* The disk fills up while the intent is written. */
    audit_test_fail_io(AUDIT_IO_WRITE, 1, ENOSPC);
    bg_delete_outcome out;
    assert_int_equal(bg_delete_execute(C, log, &p, NULL, &out, &err), -1);
    audit_test_io_reset();
    assert_int_equal(err.code, EC_E_IO);
    assert_non_null(strstr(err.msg, "audit log"));
    assert_int_equal(count("/act/b/"), 50); /* nothing deleted */
    bg_plan_free(&p);
    audit_close(log);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_changed_between_plan_and_execution),
        cmocka_unit_test(test_audit_failure_sends_nothing),
    };
    return cmocka_run_group_tests_name("guarded actions against real etcd", tests, setup, teardown);
}
