/* Audit log: delete records built from arrays, the restore plan taken from
 * them (with and without a result record, from a damaged log), and the
 * base64 that carries binary keys and values. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include <openssl/evp.h>

#include "tui/audit/audit.h"
#include "tui/audit/audit_test.h"
#include "tests/unit/audit_tmpdir.h"



static int setup(void **state)
{
    (void)state;
    if (tmpdir_make("r") != 0)
        return -1;
    audit_test_io_reset();
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    tmpdir_remove();
    return 0;
}

/* Three keys and values with NUL and 0xff bytes in them. */
static const uint8_t k1[] = { '/', 'r', 0x00, 0xff, 'a' };
static const uint8_t v1[] = { 0x00, 0xff, 0x00, 'k', '8', 's', 0x00 };
static const uint8_t k2[] = { '/', 'r', '/', 'b' };
static const uint8_t v2[] = { 'v', 'a', 'l', 'u', 'e', 0xfe, 0xff };
static const uint8_t k3[] = { 0xff, 0xff, 0xff };
static const uint8_t v3[] = { 0 };

static const audit_kv kvs[] = {
    { k1, sizeof k1, v1, sizeof v1, 100, 110, 3, 0 },
    { k2, sizeof k2, v2, sizeof v2, 101, 120, 1, 7587860563483457818LL },
    { k3, sizeof k3, v3, 0, 102, 130, 9, 0 },   /* an empty value */
};

static const uint8_t target[] = { '/', 'r', 0x1b, ']', 0xff };
static const audit_context ctx = {
    .action = "delete-prefix", .cluster_id = "cdf818194e3a8c32", .member = "m1",
    .endpoint = "https://127.0.0.1:2379", .target = target, .target_len = sizeof target,
};

static audit_log *open_log(void)
{
    audit_options o = { .path = logpath };
    audit_log *log;
    ec_err err;
    if (audit_open(&log, &o, NULL, &err) != 0)
        fail_msg("audit_open: %s", err.msg);
    return log;
}

static uint64_t append_intent(audit_log *log)
{
    ec_err err;
    json_t *f = audit_build_delete_intent(&ctx, 140, kvs, 3, &err);
    assert_non_null(f);
    audit_appended a;
    assert_int_equal(audit_append(log, AUDIT_KIND_INTENT, 0, f, &a, &err), 0);
    json_decref(f);
    return a.seq;
}

static uint64_t append_result(audit_log *log, uint64_t intent, const char *error)
{
    ec_err err;
    audit_skip skip[] = { { k2, sizeof k2, "changed" } };
    json_t *f = audit_build_delete_result(&ctx, 141, 2, skip, 1, error, &err);
    assert_non_null(f);
    audit_appended a;
    assert_int_equal(audit_append(log, AUDIT_KIND_RESULT, intent, f, &a, &err), 0);
    json_decref(f);
    return a.seq;
}

static uint64_t append_action(audit_log *log)
{
    ec_err err;
    json_t *f = json_pack("{s:s}", "action", "defrag");
    audit_appended a;
    assert_int_equal(audit_append(log, AUDIT_KIND_ACTION, 0, f, &a, &err), 0);
    json_decref(f);
    return a.seq;
}

static void assert_item(const audit_preimage *p, const audit_kv *kv)
{
    assert_int_equal(p->key_len, kv->key_len);
    assert_memory_equal(p->key, kv->key, kv->key_len);
    assert_int_equal(p->value_len, kv->value_len);
    if (kv->value_len)
        assert_memory_equal(p->value, kv->value, kv->value_len);
    assert_int_equal(p->create_revision, kv->create_revision);
    assert_int_equal(p->mod_revision, kv->mod_revision);
    assert_int_equal(p->version, kv->version);
    assert_int_equal(p->lease, kv->lease);
}

static int plan_for(uint64_t seq, int allow_damaged, audit_restore_plan *plan, ec_err *err)
{
    audit_reader *r;
    assert_int_equal(audit_reader_open(&r, logpath, err), 0);
    int rc = audit_restore_plan_build(r, seq, NULL, allow_damaged, plan, err);
    audit_reader_close(r);
    return rc;
}

static void test_intent_record_fields(void **state)
{
    (void)state;
    ec_err err;
    json_t *f = audit_build_delete_intent(&ctx, 140, kvs, 3, &err);
    assert_non_null(f);
    assert_string_equal(json_string_value(json_object_get(f, "action")), "delete-prefix");
    assert_string_equal(json_string_value(json_object_get(f, "cluster_id")), "cdf818194e3a8c32");
    assert_string_equal(json_string_value(json_object_get(f, "member")), "m1");
    assert_string_equal(json_string_value(json_object_get(f, "endpoint")), "https://127.0.0.1:2379");
    /* The target is not UTF-8: shown escaped, kept exactly in target_b64. */
    assert_string_equal(json_string_value(json_object_get(f, "target")), "/r\\e]\\xff");
    assert_string_equal(json_string_value(json_object_get(f, "target_b64")), "L3IbXf8=");
    json_t *plan = json_object_get(f, "plan");
    assert_int_equal(json_integer_value(json_object_get(plan, "revision")), 140);
    assert_int_equal(json_integer_value(json_object_get(plan, "count")), 3);
    assert_int_equal(json_integer_value(json_object_get(plan, "bytes")), 5 + 7 + 4 + 7 + 3 + 0);
    json_t *keys = json_object_get(plan, "keys");
    assert_int_equal(json_array_size(keys), 3);
    assert_string_equal(json_string_value(json_object_get(json_array_get(keys, 0), "key_b64")), "L3IA/2E=");
    assert_int_equal(json_integer_value(json_object_get(json_array_get(keys, 2), "mod_revision")), 130);
    json_t *pre = json_object_get(f, "preimages");
    assert_int_equal(json_array_size(pre), 3);
    json_t *p0 = json_array_get(pre, 0);
    assert_string_equal(json_string_value(json_object_get(p0, "key_b64")), "L3IA/2E=");
    assert_string_equal(json_string_value(json_object_get(p0, "value_b64")), "AP8AazhzAA==");
    assert_int_equal(json_integer_value(json_object_get(p0, "create_revision")), 100);
    assert_int_equal(json_integer_value(json_object_get(p0, "mod_revision")), 110);
    assert_int_equal(json_integer_value(json_object_get(p0, "version")), 3);
    assert_int_equal(json_integer_value(json_object_get(p0, "lease")), 0);
    assert_string_equal(json_string_value(json_object_get(json_array_get(pre, 2), "value_b64")), "");
    /* Shown from the exact bytes, escaped once. */
    char *line = audit_summary_line(f);
    assert_string_equal(line, "audit seq=0 kind=- action=delete-prefix target='/r\\e]\\xff' keys=3 user=-");
    free(line);
    json_decref(f);

    f = audit_build_delete_result(&ctx, 141, 2, (audit_skip[]){ { k2, sizeof k2, "changed" } }, 1, NULL, &err);
    json_t *res = json_object_get(f, "result");
    assert_int_equal(json_integer_value(json_object_get(res, "revision")), 141);
    assert_int_equal(json_integer_value(json_object_get(res, "deleted")), 2);
    assert_true(json_is_null(json_object_get(res, "error")));
    json_t *sk = json_array_get(json_object_get(res, "skipped"), 0);
    assert_string_equal(json_string_value(json_object_get(sk, "key_b64")), "L3IvYg==");
    assert_string_equal(json_string_value(json_object_get(sk, "reason")), "changed");
    json_decref(f);

    audit_context none = { 0 };
    assert_null(audit_build_delete_intent(&none, 1, kvs, 1, &err));
    assert_int_equal(err.code, EC_E_INVALID);
}

static void test_intent_too_big(void **state)
{
    (void)state;
    /* Lengths only: the cap is checked before anything is read. */
    static uint8_t one;
    audit_kv big[2] = {
        { &one, 1, &one, (size_t)150 << 20, 1, 1, 1, 0 },
        { &one, 1, &one, (size_t)150 << 20, 1, 1, 1, 0 },
    };
    ec_err err;
    assert_null(audit_build_delete_intent(&ctx, 1, big, 2, &err));
    assert_int_equal(err.code, EC_E_NOMEM);
    assert_string_equal(err.msg, "pre-images of 2 keys (300 MiB) pass the 256 MiB cap of one audit record: "
                        "delete in smaller parts");
}

static void test_restore_without_result(void **state)
{
    (void)state;
    audit_log *log = open_log();
    append_action(log);
    uint64_t intent = append_intent(log);
    audit_close(log);
    assert_int_equal(intent, 2);
    audit_restore_plan plan;
    ec_err err;
    assert_int_equal(plan_for(intent, 0, &plan, &err), 0);
    assert_int_equal(plan.intent_seq, 2);
    assert_int_equal(plan.result_seq, 0);
    assert_int_equal(plan.result_deleted, -1);
    assert_int_equal(plan.result_revision, -1);
    assert_int_equal(plan.plan_revision, 140);
    assert_false(plan.log_damaged);
    assert_string_equal(plan.action, "delete-prefix");
    assert_string_equal(plan.target, "/r\\e]\\xff");
    assert_int_equal(plan.n, 3);
    assert_int_equal(plan.skipped, 0);
    for (size_t i = 0; i < 3; i++)
        assert_item(&plan.items[i], &kvs[i]);
    audit_restore_plan_free(&plan);
}

static void test_restore_with_result(void **state)
{
    (void)state;
    audit_log *log = open_log();
    uint64_t intent = append_intent(log);
    append_action(log);
    uint64_t result = append_result(log, intent, NULL);
    audit_close(log);
    audit_restore_plan plan;
    ec_err err;
    /* From the intent's seq and from the result's: the same plan. */
    uint64_t seqs[] = { intent, result };
    for (int s = 0; s < 2; s++) {
        assert_int_equal(plan_for(seqs[s], 0, &plan, &err), 0);
        assert_int_equal(plan.intent_seq, 1);
        assert_int_equal(plan.result_seq, 3);
        assert_int_equal(plan.result_deleted, 2);
        assert_int_equal(plan.result_revision, 141);
        assert_false(plan.result_error);
        assert_int_equal(plan.n, 2);
        assert_int_equal(plan.skipped, 1);
        assert_item(&plan.items[0], &kvs[0]);
        assert_item(&plan.items[1], &kvs[2]);
        audit_restore_plan_free(&plan);
    }
}

static void test_restore_errors(void **state)
{
    (void)state;
    audit_log *log = open_log();
    uint64_t action = append_action(log);
    append_intent(log);
    audit_close(log);
    audit_restore_plan plan;
    ec_err err;
    assert_int_equal(plan_for(action, 0, &plan, &err), -1);
    assert_int_equal(err.code, EC_E_INVALID);
    assert_string_equal(err.msg, "record seq 1 is not an intent or a result: nothing to restore");
    assert_int_equal(plan_for(9, 0, &plan, &err), -1);
    assert_int_equal(err.code, EC_E_NOT_FOUND);
    assert_string_equal(err.msg, "no record with seq 9 in audit log");
    assert_int_equal(plan.n, 0);
    assert_null(plan.items);
}

static void test_restore_intent_without_preimages(void **state)
{
    (void)state;
    audit_log *log = open_log();
    json_t *f = json_pack("{s:s}", "action", "compact");
    ec_err err;
    assert_int_equal(audit_append(log, AUDIT_KIND_INTENT, 0, f, NULL, &err), 0);
    json_decref(f);
    audit_close(log);
    audit_restore_plan plan;
    assert_int_equal(plan_for(1, 0, &plan, &err), -1);
    assert_int_equal(err.code, EC_E_INVALID);
    assert_string_equal(err.msg, "intent seq 1 (compact) holds no pre-images: it cannot be undone from the log");
}

static void append_bytes(const char *s)
{
    FILE *f = fopen(logpath, "ab");
    fputs(s, f);
    fclose(f);
}

static void test_restore_damaged_after(void **state)
{
    (void)state;
    /* Killed mid-delete, then a crash cut the log: the intent is still
     * trusted, there is no result, all pre-images come back. */
    audit_log *log = open_log();
    uint64_t intent = append_intent(log);
    audit_close(log);
    append_bytes("{\"seq\":2,\"kind\":\"res");
    audit_restore_plan plan;
    ec_err err;
    assert_int_equal(plan_for(intent, 0, &plan, &err), 0);
    assert_true(plan.log_damaged);
    assert_int_equal(plan.result_seq, 0);
    assert_int_equal(plan.n, 3);
    audit_restore_plan_free(&plan);
}

static void test_restore_damaged_before(void **state)
{
    (void)state;
    /* A record before the intent was edited: nothing after it is trusted. */
    audit_log *log = open_log();
    append_action(log);
    uint64_t intent = append_intent(log);
    audit_close(log);
    size_t len = 0;
    FILE *f = fopen(logpath, "r+b");
    char buf[65536];
    len = fread(buf, 1, sizeof buf, f);
    char *p = strstr(buf, "defrag");
    assert_non_null(p);
    p[0] = 'D';
    fseek(f, 0, SEEK_SET);
    fwrite(buf, 1, len, f);
    fclose(f);
    audit_restore_plan plan;
    ec_err err;
    assert_int_equal(plan_for(intent, 0, &plan, &err), -1);
    assert_int_equal(err.code, EC_E_NOT_FOUND);
    char want[1024];
    snprintf(want, sizeof want, "no record with seq 2 before the damage; audit log '%s' is damaged at line 1 "
             "(seq 1): edited: record edited: its content does not match its hash", logpath);
    assert_string_equal(err.msg, want);
    /* The operator may insist. */
    assert_int_equal(plan_for(intent, 1, &plan, &err), 0);
    assert_true(plan.log_damaged);
    assert_int_equal(plan.n, 3);
    audit_restore_plan_free(&plan);
}

static void test_restore_result_with_error(void **state)
{
    (void)state;
    audit_log *log = open_log();
    uint64_t intent = append_intent(log);
    append_result(log, intent, "deadline exceeded after batch 1");
    audit_close(log);
    audit_restore_plan plan;
    ec_err err;
    assert_int_equal(plan_for(intent, 0, &plan, &err), 0);
    assert_true(plan.result_error);
    assert_int_equal(plan.n, 2);
    audit_restore_plan_free(&plan);
}

static void test_b64_vectors(void **state)
{
    (void)state;
    static const char *const plain[] = { "", "f", "fo", "foo", "foob", "fooba", "foobar" };
    static const char *const enc[] = { "", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy" };
    for (size_t i = 0; i < 7; i++) {
        char *e = audit_b64_encode(plain[i], strlen(plain[i]));
        assert_string_equal(e, enc[i]);
        free(e);
        uint8_t *d;
        size_t n;
        assert_int_equal(audit_b64_decode(enc[i], strlen(enc[i]), &d, &n), 0);
        assert_int_equal(n, strlen(plain[i]));
        assert_memory_equal(d, plain[i], n);
        assert_int_equal(d[n], 0);
        free(d);
    }
    static const char *const bad[] = {
        "Zg=", "Zh==", "Zm9=", "Z===", "=AAA", "AA=A", "A A=", "Zg==Zg==", "Zm9v\n", "Zm-v", "Zm_v", "====",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        uint8_t *d = (uint8_t *)"x";
        size_t n = 9;
        assert_int_equal(audit_b64_decode(bad[i], strlen(bad[i]), &d, &n), -1);
        assert_null(d);
        assert_int_equal(n, 0);
    }
}

static void test_b64_round_trip_binary(void **state)
{
    (void)state;
    uint8_t buf[300];
    unsigned x = 12345;
    for (size_t len = 0; len <= sizeof buf; len++) {
        for (size_t i = 0; i < len; i++) {
            x = x * 1103515245u + 12345u;
            buf[i] = (uint8_t)(x >> 16);
        }
        if (len > 2) {
            buf[0] = 0x00;
            buf[len - 1] = 0xff;
            buf[len / 2] = 0x00;
        }
        char *e = audit_b64_encode(buf, len);
        assert_non_null(e);
        assert_int_equal(strlen(e), (len + 2) / 3 * 4);
        /* The same text as OpenSSL's encoder, an independent one. */
        unsigned char ref[sizeof buf / 3 * 4 + 8];
        assert_int_equal(EVP_EncodeBlock(ref, buf, (int)len), (int)strlen(e));
        assert_string_equal(e, (const char *)ref);
        uint8_t *d;
        size_t n;
        assert_int_equal(audit_b64_decode(e, strlen(e), &d, &n), 0);
        assert_int_equal(n, len);
        if (len)
            assert_memory_equal(d, buf, len);
        free(d);
        free(e);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_intent_record_fields, setup, teardown),
        cmocka_unit_test_setup_teardown(test_intent_too_big, setup, teardown),
        cmocka_unit_test_setup_teardown(test_restore_without_result, setup, teardown),
        cmocka_unit_test_setup_teardown(test_restore_with_result, setup, teardown),
        cmocka_unit_test_setup_teardown(test_restore_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_restore_intent_without_preimages, setup, teardown),
        cmocka_unit_test_setup_teardown(test_restore_damaged_after, setup, teardown),
        cmocka_unit_test_setup_teardown(test_restore_damaged_before, setup, teardown),
        cmocka_unit_test_setup_teardown(test_restore_result_with_error, setup, teardown),
        cmocka_unit_test_setup_teardown(test_b64_vectors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_b64_round_trip_binary, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
