/* The guarded delete engine with several batches in flight, against real
 * etcd: inside a large run of consecutive plan keys, a key rewritten after
 * the plan is skipped and reported while the rest is deleted, a key
 * CREATED in the run's range after the plan is never deleted, and a key
 * deleted by someone else is reported absent; progress comes from the
 * calling thread; a cancel stops it between batches. */
#include "tests/integration/itest.h"

#include <pthread.h>

#include "tui/audit/audit.h"
#include "tui/ops/delete.h"

static void put_many(ec_client *c, const char *prefix, int n)
{
    char k[64], v[64];
    for (int i = 0; i < n; i++) {
        snprintf(k, sizeof k, "%s%05d", prefix, i);
        snprintf(v, sizeof v, "value-%d", i);
        itest_put(c, k, v);
    }
}

static bool exists(ec_client *c, const char *key, const char *value)
{
    ec_err err;
    ec_range_opts one = {.key = (const uint8_t *)key, .key_len = strlen(key)};
    ec_range_result *r;
    ASSERT_OK(ec_range_once(c, &one, &r, &err), &err);
    bool ok = r->n_kvs == 1 && r->kvs[0].value_len == strlen(value) &&
              memcmp(r->kvs[0].value, value, strlen(value)) == 0;
    ec_range_result_free(r);
    return ok;
}

typedef struct progress_seen {
    pthread_t caller;
    bool other_thread;
    size_t calls, last_done, total;
    bool backwards;
} progress_seen;

static void on_progress(void *ud, size_t done, size_t skipped, size_t total)
{
    (void)skipped;
    progress_seen *s = ud;
    if (!pthread_equal(pthread_self(), s->caller))
        s->other_thread = true;
    if (done < s->last_done)
        s->backwards = true;
    s->last_done = done;
    s->total = total;
    s->calls++;
}

static void test_changes_inside_a_run(void **state)
{
    ec_client *c = *state;
    put_many(c, "/ops/a/", 3000);
    bg_plan p;
    itest_plan_prefix(&p, c, "/ops/a/", 64 << 20);
    assert_int_equal(p.n, 3000);
    assert_true(p.whole_range);
    /* After the preview, inside the run of planned keys: one key rewritten,
     * one created between two planned keys, one deleted by someone else. */
    itest_put(c, "/ops/a/01500", "rewritten");
    itest_put(c, "/ops/a/01000x", "created after the plan");
    ec_err err;
    ec_delete_result *d;
    ASSERT_OK(ec_delete(c, (const uint8_t *)"/ops/a/02500", 12, NULL, 0, false, &d, &err), &err);
    ec_delete_result_free(d);

    audit_log *log = itest_audit_open("ops-run");
    progress_seen seen = {.caller = pthread_self()};
    bg_delete_opts o = {.progress = on_progress, .ud = &seen};
    bg_delete_outcome out;
    ASSERT_OK(bg_delete_execute(c, log, &p, &o, &out, &err), &err);
    assert_string_equal(out.error, "");
    assert_int_equal(out.deleted, 2998);
    assert_int_equal(out.unknown, 0);
    assert_int_equal(out.n_skipped, 2);
    /* In plan order, with their reasons. */
    assert_memory_equal(p.kvs[out.skipped[0].idx].key, "/ops/a/01500", 12);
    assert_string_equal(out.skipped[0].reason, "changed");
    assert_memory_equal(p.kvs[out.skipped[1].idx].key, "/ops/a/02500", 12);
    assert_string_equal(out.skipped[1].reason, "absent");
    /* What is left: the rewritten key and the created one, untouched. */
    assert_int_equal(itest_count(c, "/ops/a/"), 2);
    assert_true(exists(c, "/ops/a/01500", "rewritten"));
    assert_true(exists(c, "/ops/a/01000x", "created after the plan"));
    /* Progress: from the calling thread, never backwards, ending at all. */
    assert_false(seen.other_thread);
    assert_false(seen.backwards);
    assert_true(seen.calls >= 1);
    assert_int_equal(seen.last_done, 3000);
    assert_int_equal(seen.total, 3000);

    /* The log verifies; undoing puts back exactly the 2998 deleted keys. */
    audit_verify_result vr;
    assert_int_equal(audit_verify_file(audit_log_path(log), NULL, &vr), AUDIT_INTACT);
    audit_reader *rd;
    ASSERT_OK(audit_reader_open(&rd, audit_log_path(log), &err), &err);
    audit_restore_plan rp;
    ASSERT_OK(audit_restore_plan_build(rd, out.intent_seq, NULL, 0, &rp, &err), &err);
    assert_int_equal(rp.n, 2998);
    assert_int_equal(rp.skipped, 2);
    assert_int_equal(rp.result_deleted, 2998);
    audit_restore_plan_free(&rp);
    audit_reader_close(rd);
    bg_delete_outcome_free(&out);
    bg_plan_free(&p);
    audit_close(log);
}

/* Only a plan read as one whole range may be deleted by ranges. */
static void test_whole_range(void **state)
{
    ec_client *c = *state;
    put_many(c, "/ops/w/", 3);
    itest_put(c, "/ops/x/one", "1");
    bg_plan p;
    itest_plan_prefix(&p, c, "/ops/w/", 64 << 20);
    assert_true(p.whole_range);
    ec_err err;
    ec_range_opts one = {.key = (const uint8_t *)"/ops/x/one", .key_len = 10};
    ASSERT_OK(bg_plan_read_range(&p, c, &one, 1 << 20, &err), &err);
    assert_int_equal(p.n, 4);
    assert_false(p.whole_range);   /* two reads: keys between them were not read */
    bg_plan_free(&p);
    itest_plan_prefix(&p, c, "/ops/w/", 64 << 20);
    ec_kv kv = {(const uint8_t *)"/ops/w/zz", 9, (const uint8_t *)"v", 1, 1, 1, 1, 0};
    ASSERT_OK(bg_plan_add(&p, &kv, &err), &err);
    assert_false(p.whole_range);
    bg_plan_free(&p);
    /* A limited read is not the whole range either. */
    bg_plan_init(&p, "delete-prefix", (const uint8_t *)"/ops/w/", 7);
    ec_range_opts lim = {.key = (const uint8_t *)"/ops/w/", .key_len = 7, .prefix = true, .limit = 2};
    ASSERT_OK(bg_plan_read_range(&p, c, &lim, 1 << 20, &err), &err);
    assert_int_equal(p.n, 2);
    assert_false(p.whole_range);
    bg_plan_free(&p);
}

static void cancel_on_progress(void *ud, size_t done, size_t skipped, size_t total)
{
    (void)done; (void)skipped; (void)total;
    *(volatile int *)ud = 1;
}

/* A cancel is seen between batches, also while waiting for the rate bound:
 * at 0.2 keys/s the second key may go only five seconds after the first. */
static void test_cancel_while_paced(void **state)
{
    ec_client *c = *state;
    put_many(c, "/ops/c/", 20);
    bg_plan p;
    itest_plan_prefix(&p, c, "/ops/c/", 64 << 20);
    audit_log *log = itest_audit_open("ops-cancel");
    volatile int cancel = 0;
    bg_delete_opts o = {.max_keys_per_s = 0.2, .progress = cancel_on_progress, .ud = (void *)&cancel,
                        .cancel = &cancel};
    bg_delete_outcome out;
    ec_err err;
    ASSERT_OK(bg_delete_execute(c, log, &p, &o, &out, &err), &err);
    assert_int_equal(out.deleted, 1);
    assert_int_equal(out.n_skipped, 19);
    for (size_t i = 0; i < out.n_skipped; i++) {
        assert_int_equal(out.skipped[i].idx, i + 1);
        assert_string_equal(out.skipped[i].reason, "cancelled");
    }
    assert_string_equal(out.error, "cancelled by the operator");
    assert_int_equal(itest_count(c, "/ops/c/"), 19);
    assert_true(out.result_seq == out.intent_seq + 1);
    bg_delete_outcome_free(&out);
    bg_plan_free(&p);
    audit_close(log);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_changes_inside_a_run),
        cmocka_unit_test(test_whole_range),
        cmocka_unit_test(test_cancel_while_paced),
    };
    return cmocka_run_group_tests_name("guarded delete engine against real etcd", tests, itest_group_setup,
                                       itest_group_teardown);
}
