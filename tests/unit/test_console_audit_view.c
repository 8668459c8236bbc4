/* The console's rendering of audit records (tui/console/audit_view.c): the
 * cells of a row from real and hostile records, the intent learning its
 * result, the row line, and the whole record (keys escaped, values cut). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "tui/console/audit_view.h"

static json_t *parse(const char *s)
{
    json_error_t je;
    json_t *j = json_loads(s, 0, &je);
    assert_non_null(j);
    return j;
}

/* "/registry/pods/a" and "x\x1b]0;x\x07" in base64. */
#define KEY_A "L3JlZ2lzdHJ5L3BvZHMvYQ=="
#define KEY_ESC "eBtdMDt4Bw=="

static const char intent[] =
    "{\"seq\":1,\"kind\":\"intent\",\"action\":\"delete-prefix\",\"time\":\"2026-11-25T14:47:57.433Z\","
    "\"identity\":{\"user\":\"alice\"},\"target\":\"/registry/pods/\",\"target_b64\":\"L3JlZ2lzdHJ5L3BvZHMv\","
    "\"plan\":{\"revision\":40,\"count\":2,\"bytes\":30,\"keys\":[{\"key_b64\":\"" KEY_A "\",\"mod_revision\":7},"
    "{\"key_b64\":\"" KEY_ESC "\",\"mod_revision\":9}]},"
    "\"preimages\":[{\"key_b64\":\"" KEY_A "\",\"value_b64\":\"MDEyMzQ1Njc4OQ==\",\"create_revision\":5,"
    "\"mod_revision\":7,\"version\":2,\"lease\":0}]}";

static void test_intent_row(void **state)
{
    (void)state;
    json_t *rec = parse(intent);
    av_row r;
    av_row_fill(&r, rec, NULL, 3, 100, 400);
    assert_int_equal(r.seq, 1);
    assert_int_equal(r.lineno, 3);
    assert_int_equal(r.offset, 100);
    assert_int_equal(r.len, 400);
    assert_true(r.is_intent);
    assert_true(r.restorable);
    assert_string_equal(r.time, "2026-11-25T14:47:57Z");
    assert_string_equal(r.user, "alice");
    assert_string_equal(r.action, "delete-prefix");
    assert_string_equal(r.target, "/registry/pods/");
    assert_string_equal(r.counts, "2 keys");
    assert_string_equal(r.result, "no result yet");
    char *line = av_row_line(&r);
    assert_string_equal(line, "      1  2026-11-25T14:47:57Z  alice       delete-prefix   /registry/pods/                 "
                              "2 keys                  no result yet");
    free(line);
    json_decref(rec);
}

static void test_result_marks_intent(void **state)
{
    (void)state;
    json_t *a = parse(intent);
    json_t *ok = parse("{\"seq\":2,\"kind\":\"result\",\"intent_seq\":1,\"action\":\"delete-prefix\","
                       "\"result\":{\"revision\":41,\"deleted\":1,\"skipped\":[{\"key_b64\":\"" KEY_A
                       "\",\"reason\":\"changed\"}],\"error\":null}}");
    json_t *bad = parse("{\"seq\":3,\"kind\":\"result\",\"intent_seq\":1,\"action\":\"compact\","
                        "\"result\":{\"revision\":0,\"error\":\"etcdserver: mvcc: required revision is a future revision\"}}");
    av_row ri, ro, rb;
    av_row_fill(&ri, a, NULL, 1, 0, 1);
    av_row_fill(&ro, ok, NULL, 2, 1, 1);
    av_row_fill(&rb, bad, NULL, 3, 2, 1);
    assert_string_equal(ro.counts, "deleted 1, skipped 1");
    assert_string_equal(ro.result, "ok (of #1)");
    assert_true(ro.restorable);
    assert_false(ro.is_intent);
    assert_false(rb.restorable); /* a compact has nothing to put back */
    assert_string_equal(rb.result, "error: etcdserver: mvcc: re~ revision");
    av_row_mark_result(&ri, &ro);
    assert_string_equal(ri.result, "done (#2)");
    av_row_mark_result(&ri, &rb);
    assert_string_equal(ri.result, "failed (#3)");
    json_decref(a);
    json_decref(ok);
    json_decref(bad);
}

static void test_hostile_records(void **state)
{
    (void)state;
    av_row r;
    /* Not a record at all. */
    av_row_fill(&r, NULL, "line 4: '[' or '{' expected", 4, 9, 3);
    assert_int_equal(r.seq, 0);
    assert_string_equal(r.action, "(not a record)");
    assert_string_equal(r.result, "line 4: '[' or '{' expected");
    char *line = av_row_line(&r);
    assert_non_null(strstr(line, "     l4  "));
    free(line);
    /* Wrong types everywhere: seq as a string, identity not an object. */
    json_t *j = parse("{\"seq\":\"1\",\"identity\":5}");
    av_row_fill(&r, j, NULL, 5, 0, 1);
    assert_string_equal(r.action, "(not a record)");
    assert_string_equal(r.result, "no seq");
    json_decref(j);
    j = parse("{\"seq\":7,\"identity\":[],\"action\":7,\"time\":\"x\",\"kind\":\"intent\",\"plan\":[]}");
    av_row_fill(&r, j, NULL, 5, 0, 1);
    assert_string_equal(r.user, "-");
    assert_string_equal(r.action, "-");
    assert_string_equal(r.time, "x");
    assert_string_equal(r.counts, "");
    assert_false(r.restorable);
    json_decref(j);
    /* A terminal escape in the target (raw bytes via target_b64), and a
     * long one cut in the middle. */
    j = parse("{\"seq\":8,\"kind\":\"action\",\"action\":\"delete-\\u001b[2J\",\"target_b64\":\"" KEY_ESC "\"}");
    av_row_fill(&r, j, NULL, 8, 0, 1);
    assert_string_equal(r.target, "x\\e]0;x\\x07");
    assert_string_equal(r.action, "delete-\\e[2J");
    assert_false(r.restorable); /* an action record holds no pre-images */
    json_decref(j);
    j = parse("{\"seq\":9,\"kind\":\"intent\",\"target\":\"/registry/deployments/kube-system/coredns\"}");
    av_row_fill(&r, j, NULL, 9, 0, 1);
    assert_string_equal(r.target, "/registry/deployment~m/coredns");
    json_decref(j);
}

static void test_describe(void **state)
{
    (void)state;
    json_t *rec = parse(intent);
    ec_buf b;
    ec_buf_init(&b, 0);
    assert_int_equal(av_describe(&b, rec, false, 4), 0);
    ec_buf_append(&b, "", 0);
    assert_non_null(strstr(b.data, "plan: 2 keys\n    /registry/pods/a   (mod revision 7)\n"));
    assert_non_null(strstr(b.data, "    x\\e]0;x\\x07   (mod revision 9)\n"));
    assert_non_null(strstr(b.data, "pre-images: 1 "));
    assert_non_null(strstr(b.data, "      create 5, mod 7, version 2, no lease\n      value: 0123... (10 bytes in all)\n"));
    for (size_t i = 0; i < b.len; i++)
        assert_true(b.data[i] == '\n' || ((unsigned char)b.data[i] >= 0x20 && (unsigned char)b.data[i] < 0x7f));
    ec_buf_free(&b);
    json_decref(rec);

    /* A result: the error and the skipped keys with their reason. */
    rec = parse("{\"seq\":2,\"kind\":\"result\",\"intent_seq\":1,\"result\":{\"deleted\":0,\"error\":\"boom\","
                "\"skipped\":[{\"key_b64\":\"" KEY_ESC "\",\"reason\":\"changed\"}]}}");
    ec_buf_init(&b, 0);
    assert_int_equal(av_describe(&b, rec, false, 512), 0);
    ec_buf_append(&b, "", 0);
    assert_non_null(strstr(b.data, "result:\n    deleted: 0\n    error: \"boom\"\n"));
    assert_non_null(strstr(b.data, "skipped keys: 1 (not deleted)\n    x\\e]0;x\\x07   (changed)\n"));
    ec_buf_free(&b);
    json_decref(rec);

    /* The cap of the output is reported, not overrun. */
    rec = parse(intent);
    ec_buf_init(&b, 64);
    assert_int_equal(av_describe(&b, rec, false, 512), -1);
    assert_true(b.len <= 64);
    ec_buf_free(&b);
    json_decref(rec);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_intent_row),
        cmocka_unit_test(test_result_marks_intent),
        cmocka_unit_test(test_hostile_records),
        cmocka_unit_test(test_describe),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
