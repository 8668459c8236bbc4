/* Audit log: the delete intent written straight from the pre-images, without
 * a JSON tree (issue #5). It must hold exactly what the tree-built intent
 * holds, hash the same way (verify, with and without an HMAC key), give the
 * same restore plan, be written in blocks but made durable once, and leave
 * nothing behind when a write fails half-way. */
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

#include "tui/audit/audit.h"
#include "tui/audit/audit_internal.h"
#include "tui/audit/audit_test.h"
#include "tests/unit/audit_tmpdir.h"

static char keypath[600];


static int setup(void **state)
{
    (void)state;
    if (tmpdir_make("s") != 0)
        return -1;
    snprintf(keypath, sizeof keypath, "%s/hmac.key", tmp);
    audit_test_io_reset();
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    audit_test_io_reset();
    tmpdir_remove();
    return 0;
}

/* Keys and values with NUL, 0xff, quotes, backslashes, slashes, an escape
 * sequence, U+2028 and DEL: everything JSON or a terminal treats specially. */
static const uint8_t k1[] = { '/', 'r', 0x00, 0xff, 'a' };
static const uint8_t v1[] = { 0x00, 0xff, 0x00, 'k', '8', 's', 0x00 };
static const uint8_t k2[] = { '/', 'r', '/', '"', '\\', '/', 0x7f };
static const uint8_t v2[] = { 0xe2, 0x80, 0xa8, 0x1b, ']', '0', ';', 'x', 0x07 };
static const uint8_t k3[] = { 0xff, 0xff, 0xff };
static const uint8_t v3[] = { 0 };

static const audit_kv kvs[] = {
    { k1, sizeof k1, v1, sizeof v1, 100, 110, 3, 0 },
    { k2, sizeof k2, v2, sizeof v2, 101, 120, 1, 7587860563483457818LL },
    { k3, sizeof k3, v3, 0, 102, 130, 9, -5 },   /* an empty value */
};

/* A target that is text with every character JSON escapes, and one that
 * is not UTF-8 at all (shown escaped, kept exactly in target_b64). */
static const char text_target[] = "/r\"\\/\b\f\n\r\t\x01\x1f\x7f\xe2\x80\xa8\xc3\xa9";
static const uint8_t bin_target[] = { '/', 'r', 0x1b, ']', 0xff, 0x00, 'x' };

static audit_context ctx_for(const uint8_t *t, size_t tlen)
{
    return (audit_context){
        .action = "delete-prefix", .cluster_id = "cdf818194e3a8c32", .member = "m\"1",
        .endpoint = "https://127.0.0.1:2379", .target = t, .target_len = tlen,
    };
}

static audit_log *open_log(const char *key)
{
    audit_options o = { .path = logpath, .hmac_key_path = key };
    audit_log *log;
    ec_err err;
    if (audit_open(&log, &o, NULL, &err) != 0)
        fail_msg("audit_open: %s", err.msg);
    return log;
}

/* The records of the log, parsed. */
static json_t *read_records(void)
{
    audit_reader *r;
    ec_err err;
    assert_int_equal(audit_reader_open(&r, logpath, &err), 0);
    json_t *all = json_array();
    const audit_entry *e;
    while (audit_reader_next(r, &e, &err) == 1) {
        assert_non_null(e->rec);
        json_array_append(all, e->rec);
    }
    audit_reader_close(r);
    return all;
}

static off_t file_size(void)
{
    struct stat st;
    return stat(logpath, &st) == 0 ? st.st_size : -1;
}

/* The streamed record carries the same caller fields, value for value, as
 * the tree-built one; both verify. */
static void check_same_as_tree(const uint8_t *t, size_t tlen)
{
    audit_context ctx = ctx_for(t, tlen);
    audit_log *log = open_log(NULL);
    ec_err err;
    audit_appended a;
    assert_int_equal(audit_append_delete_intent(log, &ctx, 140, kvs, 3, &a, &err), 0);
    assert_int_equal(a.seq, 1);
    json_t *tree = audit_build_delete_intent(&ctx, 140, kvs, 3, &err);
    assert_non_null(tree);
    audit_appended b;
    assert_int_equal(audit_append(log, AUDIT_KIND_INTENT, 0, tree, &b, &err), 0);
    assert_int_equal(b.seq, 2);
    audit_close(log);

    json_t *recs = read_records();
    assert_int_equal(json_array_size(recs), 2);
    json_t *streamed = json_array_get(recs, 0), *built = json_array_get(recs, 1);
    const char *k;
    json_t *v;
    size_t fields = 0;
    json_object_foreach(tree, k, v) {
        if (!json_equal(json_object_get(streamed, k), v))
            fail_msg("field '%s' differs between the streamed and the built intent", k);
        fields++;
    }
    assert_int_equal(fields, 8);   /* action cluster_id member endpoint target target_b64 plan preimages */
    /* Both carry the writer's fields as well, alike but for seq, time, hash. */
    assert_string_equal(json_string_value(json_object_get(streamed, "kind")), "intent");
    assert_int_equal(json_integer_value(json_object_get(streamed, "v")), 1);
    assert_true(json_equal(json_object_get(streamed, "identity"), json_object_get(built, "identity")));
    assert_string_equal(json_string_value(json_object_get(built, "prev_hash")), a.hash);
    assert_string_equal(json_string_value(json_object_get(streamed, "hash")), a.hash);
    assert_int_equal(json_object_size(streamed), json_object_size(built));
    json_decref(recs);
    json_decref(tree);

    audit_verify_result vr;
    assert_int_equal(audit_verify_file(logpath, NULL, &vr), AUDIT_INTACT);
    assert_int_equal(vr.records, 2);
}

static void test_same_as_tree_text_target(void **state)
{
    (void)state;
    check_same_as_tree((const uint8_t *)text_target, strlen(text_target));
}

static void test_same_as_tree_binary_target(void **state)
{
    (void)state;
    check_same_as_tree(bin_target, sizeof bin_target);
}

/* The line is exactly the canonical form plus the hash: what a verifier
 * recomputes from the parsed record (json_dumps, sorted, compact). */
static void test_line_is_canonical(void **state)
{
    (void)state;
    audit_context ctx = ctx_for((const uint8_t *)text_target, strlen(text_target));
    audit_log *log = open_log(NULL);
    ec_err err;
    assert_int_equal(audit_append_delete_intent(log, &ctx, 7, kvs, 3, NULL, &err), 0);
    audit_close(log);
    FILE *f = fopen(logpath, "rb");
    assert_non_null(f);
    char *line = NULL;
    size_t cap = 0;
    ssize_t n = getline(&line, &cap, f);
    fclose(f);
    assert_true(n > 1);
    assert_int_equal(line[n - 1], '\n');
    json_t *rec = json_loadb(line, (size_t)n - 1, 0, NULL);
    assert_non_null(rec);
    char *again = json_dumps(rec, JSON_COMPACT | JSON_SORT_KEYS);
    assert_int_equal(strlen(again), (size_t)n - 1);
    assert_memory_equal(again, line, (size_t)n - 1);
    free(again);
    free(line);
    json_decref(rec);
}

static void test_hmac(void **state)
{
    (void)state;
    int fd = open(keypath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "0123456789abcdef0123456789abcdef\n", 33), 33);
    close(fd);
    audit_context ctx = ctx_for(bin_target, sizeof bin_target);
    audit_log *log = open_log(keypath);
    ec_err err;
    assert_int_equal(audit_append_delete_intent(log, &ctx, 140, kvs, 3, NULL, &err), 0);
    assert_int_equal(audit_append_delete_intent(log, &ctx, 141, kvs, 0, NULL, &err), 0);
    audit_close(log);
    audit_key key, other;
    assert_int_equal(audit_key_load(&key, keypath, &err), 0);
    audit_verify_result vr;
    assert_int_equal(audit_verify_file(logpath, &key, &vr), AUDIT_INTACT);
    assert_int_equal(vr.records, 2);
    assert_int_equal(vr.with_hmac, 2);
    assert_true(vr.hmac_checked);
    assert_int_equal(audit_key_set(&other, "0123456789abcdeX0123456789abcdef", 32, &err), 0);
    assert_int_equal(audit_verify_file(logpath, &other, &vr), AUDIT_DAMAGED);
    assert_int_equal(vr.damage, AUDIT_DMG_HMAC);
    assert_int_equal(vr.bad_line, 1);
    audit_key_free(&key);
    audit_key_free(&other);
}

/* A restore plan from a streamed intent gives back every byte. */
static void test_restore_from_streamed(void **state)
{
    (void)state;
    audit_context ctx = ctx_for(bin_target, sizeof bin_target);
    audit_log *log = open_log(NULL);
    ec_err err;
    audit_appended a;
    assert_int_equal(audit_append_delete_intent(log, &ctx, 140, kvs, 3, &a, &err), 0);
    audit_close(log);
    audit_reader *r;
    assert_int_equal(audit_reader_open(&r, logpath, &err), 0);
    audit_restore_plan plan;
    assert_int_equal(audit_restore_plan_build(r, a.seq, NULL, 0, &plan, &err), 0);
    audit_reader_close(r);
    assert_int_equal(plan.n, 3);
    assert_int_equal(plan.plan_revision, 140);
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(plan.items[i].key_len, kvs[i].key_len);
        assert_memory_equal(plan.items[i].key, kvs[i].key, kvs[i].key_len);
        assert_int_equal(plan.items[i].value_len, kvs[i].value_len);
        if (kvs[i].value_len)
            assert_memory_equal(plan.items[i].value, kvs[i].value, kvs[i].value_len);
        assert_int_equal(plan.items[i].create_revision, kvs[i].create_revision);
        assert_int_equal(plan.items[i].mod_revision, kvs[i].mod_revision);
        assert_int_equal(plan.items[i].version, kvs[i].version);
        assert_int_equal(plan.items[i].lease, kvs[i].lease);
    }
    audit_restore_plan_free(&plan);
}

/* Many keys: a record of megabytes goes out in blocks, fsync'd once. */
typedef struct many {
    audit_kv *kvs;
    uint8_t *bytes;
    size_t n;
} many;

static many make_many(size_t n, size_t vlen)
{
    many m = { calloc(n, sizeof *m.kvs), malloc(n * (32 + vlen)), n };
    assert_non_null(m.kvs);
    assert_non_null(m.bytes);
    for (size_t i = 0; i < n; i++) {
        uint8_t *k = m.bytes + i * (32 + vlen), *v = k + 32;
        int kl = snprintf((char *)k, 32, "/registry/pods/ns/p-%06zu", i);
        for (size_t j = 0; j < vlen; j++)
            v[j] = (uint8_t)(i * 31 + j);
        m.kvs[i] = (audit_kv){ k, (size_t)kl, v, vlen, (int64_t)i + 2, (int64_t)i + 2, 1, 0 };
    }
    return m;
}

static void free_many(many *m)
{
    free(m->kvs);
    free(m->bytes);
}

static void test_large_record_in_blocks(void **state)
{
    (void)state;
    many m = make_many(3000, 400);
    audit_context ctx = ctx_for((const uint8_t *)"/registry/", 10);
    audit_log *log = open_log(NULL);
    ec_err err;
    audit_test_io_reset();
    audit_appended a;
    assert_int_equal(audit_append_delete_intent(log, &ctx, 9, m.kvs, m.n, &a, &err), 0);
    off_t size = file_size();
    assert_true((size_t)size > 2 * AUDIT_WRITE_BLOCK);
    assert_int_equal(audit_test_io_calls(AUDIT_IO_WRITE),
                     ((size_t)size + AUDIT_WRITE_BLOCK - 1) / AUDIT_WRITE_BLOCK);
    /* The file (and its directory) were made when the log was opened:
     * the record itself is made durable with one fsync. */
    assert_int_equal(audit_test_io_calls(AUDIT_IO_FSYNC), 1);
    audit_close(log);
    audit_verify_result vr;
    assert_int_equal(audit_verify_file(logpath, NULL, &vr), AUDIT_INTACT);
    json_t *recs = read_records();
    json_t *pre = json_object_get(json_array_get(recs, 0), "preimages");
    assert_int_equal(json_array_size(pre), 3000);
    uint8_t *v;
    size_t vlen;
    const char *b64 = json_string_value(json_object_get(json_array_get(pre, 2999), "value_b64"));
    assert_int_equal(audit_b64_decode(b64, strlen(b64), &v, &vlen), 0);
    assert_int_equal(vlen, 400);
    assert_memory_equal(v, m.kvs[2999].value, 400);
    free(v);
    json_decref(recs);
    free_many(&m);
}

/* The disk fills up in the middle of the record: the command fails, the
 * file is cut back to where it was, and the log still verifies. */
static void test_failure_mid_record(void **state)
{
    (void)state;
    many m = make_many(2000, 400);
    audit_context ctx = ctx_for((const uint8_t *)"/registry/", 10);
    audit_log *log = open_log(NULL);
    ec_err err;
    assert_int_equal(audit_append_delete_intent(log, &ctx, 1, kvs, 3, NULL, &err), 0);
    off_t before = file_size();

    audit_test_fail_io(AUDIT_IO_WRITE, 2, ENOSPC);
    assert_int_equal(audit_append_delete_intent(log, &ctx, 2, m.kvs, m.n, NULL, &err), -1);
    assert_int_equal(err.code, EC_E_IO);
    assert_non_null(strstr(err.msg, "No space left on device"));
    assert_int_equal(file_size(), before);

    audit_test_short_write(3, 100);
    assert_int_equal(audit_append_delete_intent(log, &ctx, 3, m.kvs, m.n, NULL, &err), -1);
    assert_non_null(strstr(err.msg, "wrote only"));
    assert_int_equal(file_size(), before);

    audit_test_fail_io(AUDIT_IO_FSYNC, 1, EIO);
    assert_int_equal(audit_append_delete_intent(log, &ctx, 4, m.kvs, m.n, NULL, &err), -1);
    assert_int_equal(file_size(), before);

    /* And the next one chains on the last good record. */
    audit_appended a;
    assert_int_equal(audit_append_delete_intent(log, &ctx, 5, kvs, 3, &a, &err), 0);
    assert_int_equal(a.seq, 2);
    audit_close(log);
    audit_verify_result vr;
    assert_int_equal(audit_verify_file(logpath, NULL, &vr), AUDIT_INTACT);
    assert_int_equal(vr.records, 2);
    free_many(&m);
}

static void test_cap_and_context(void **state)
{
    (void)state;
    audit_context ctx = ctx_for((const uint8_t *)"/registry/", 10);
    audit_log *log = open_log(NULL);
    ec_err err;
    /* Over the record cap: refused before anything is written. */
    audit_test_set_record_max(1000);
    many m = make_many(10, 100);
    assert_int_equal(audit_append_delete_intent(log, &ctx, 1, m.kvs, m.n, NULL, &err), -1);
    assert_int_equal(err.code, EC_E_NOMEM);
    assert_non_null(strstr(err.msg, "cap"));
    assert_int_equal(file_size(), 0);
    audit_test_set_record_max(0);
    /* No action: refused. */
    audit_context none = { 0 };
    assert_int_equal(audit_append_delete_intent(log, &none, 1, kvs, 3, NULL, &err), -1);
    assert_int_equal(err.code, EC_E_INVALID);
    assert_int_equal(file_size(), 0);
    audit_close(log);
    free_many(&m);
}

/* Members the writer owns or cannot place are refused. */
static void test_member_names(void **state)
{
    (void)state;
    audit_log *log = open_log(NULL);
    ec_err err;
    audit_member ok[] = { { .name = "action", .json = "\"x\"", .len = 3 } };
    assert_int_equal(audit_append_members(log, AUDIT_KIND_ACTION, 0, ok, 1, NULL, &err), 0);
    audit_member reserved[] = { { .name = "seq", .json = "1", .len = 1 } };
    assert_int_equal(audit_append_members(log, AUDIT_KIND_ACTION, 0, reserved, 1, NULL, &err), -1);
    assert_string_equal(err.msg, "audit record fields hold the reserved key 'seq'");
    audit_member twice[] = { { .name = "a", .json = "1", .len = 1 }, { .name = "a", .json = "2", .len = 1 } };
    assert_int_equal(audit_append_members(log, AUDIT_KIND_ACTION, 0, twice, 2, NULL, &err), -1);
    assert_string_equal(err.msg, "audit record member 'a' is given twice");
    audit_member between[] = { { .name = "hello", .json = "1", .len = 1 } };
    assert_int_equal(audit_append_members(log, AUDIT_KIND_ACTION, 0, between, 1, NULL, &err), -1);
    audit_member upper[] = { { .name = "Action", .json = "1", .len = 1 } };
    assert_int_equal(audit_append_members(log, AUDIT_KIND_ACTION, 0, upper, 1, NULL, &err), -1);
    audit_member empty[] = { { .name = "x", .json = "", .len = 0 } };
    assert_int_equal(audit_append_members(log, AUDIT_KIND_ACTION, 0, empty, 1, NULL, &err), -1);
    audit_close(log);
    audit_verify_result vr;
    assert_int_equal(audit_verify_file(logpath, NULL, &vr), AUDIT_INTACT);
    assert_int_equal(vr.records, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_same_as_tree_text_target, setup, teardown),
        cmocka_unit_test_setup_teardown(test_same_as_tree_binary_target, setup, teardown),
        cmocka_unit_test_setup_teardown(test_line_is_canonical, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hmac, setup, teardown),
        cmocka_unit_test_setup_teardown(test_restore_from_streamed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_large_record_in_blocks, setup, teardown),
        cmocka_unit_test_setup_teardown(test_failure_mid_record, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cap_and_context, setup, teardown),
        cmocka_unit_test_setup_teardown(test_member_names, setup, teardown),
    };
    return cmocka_run_group_tests_name("audit: streamed delete intent", tests, NULL, NULL);
}
