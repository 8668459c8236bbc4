/* The guarded delete engine against real etcd: keys changed or removed
 * between the plan and the execution are skipped and reported, never
 * deleted; the intent with every pre-image is in the audit log before the
 * first delete; an unwritable audit log stops everything. */
#include "tests/integration/itest.h"

#include <errno.h>

#include "tui/audit/audit.h"
#include "tui/audit/audit_test.h"
#include "tui/ops/delete.h"

static void test_changed_between_plan_and_execution(void **state)
{
    ec_client *c = *state;
    char k[64];
    for (int i = 0; i < 300; i++) {
        snprintf(k, sizeof k, "/act/a/%04d", i);
        itest_put(c, k, "v1");
    }
    bg_plan p;
    itest_plan_prefix(&p, c, "/act/a/", 1 << 20);
    assert_int_equal(p.n, 300);
    /* After the preview: one key rewritten, one deleted by someone else. */
    itest_put(c, "/act/a/0007", "v2");
    ec_err err;
    ec_delete_result *d;
    ASSERT_OK(ec_delete(c, (const uint8_t *)"/act/a/0200", 11, NULL, 0, false, &d, &err), &err);
    ec_delete_result_free(d);

    audit_log *log = itest_audit_open("changed");
    bg_delete_outcome out;
    ASSERT_OK(bg_delete_execute(c, log, &p, NULL, &out, &err), &err);
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
    ASSERT_OK(ec_range_once(c, &one, &r, &err), &err);
    assert_int_equal(r->n_kvs, 1);
    assert_memory_equal(r->kvs[0].value, "v2", 2);
    ec_range_result_free(r);
    assert_int_equal(itest_count(c, "/act/a/"), 1);
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
    ec_client *c = *state;
    char k[64];
    for (int i = 0; i < 50; i++) {
        snprintf(k, sizeof k, "/act/b/%04d", i);
        itest_put(c, k, "v");
    }
    bg_plan p;
    itest_plan_prefix(&p, c, "/act/b/", 1 << 20);
    audit_log *log = itest_audit_open("full");
    /* The disk fills up while the intent is written. */
    audit_test_fail_io(AUDIT_IO_WRITE, 1, ENOSPC);
    bg_delete_outcome out;
    ec_err err;
    assert_int_equal(bg_delete_execute(c, log, &p, NULL, &out, &err), -1);
    audit_test_io_reset();
    assert_int_equal(err.code, EC_E_IO);
    assert_non_null(strstr(err.msg, "audit log"));
    assert_int_equal(itest_count(c, "/act/b/"), 50); /* nothing deleted */
    bg_plan_free(&p);
    audit_close(log);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_changed_between_plan_and_execution),
        cmocka_unit_test(test_audit_failure_sends_nothing),
    };
    return cmocka_run_group_tests_name("guarded actions against real etcd", tests, itest_group_setup,
                                       itest_group_teardown);
}
