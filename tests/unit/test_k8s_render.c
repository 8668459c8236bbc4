/* Text and JSON renderings: exact hex dump, escaping of hostile bytes in
 * label values, pretty JSON, the field tree, output limits. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "etcdclient/k8s/render.h"
#include "etcdclient/util/buf.h"

static void put_varint(ec_buf *b, uint64_t v)
{
    do {
        uint8_t c = v & 0x7f;
        v >>= 7;
        if (v)
            c |= 0x80;
        assert_int_equal(ec_buf_append(b, &c, 1), 0);
    } while (v);
}

static void pb_bytes(ec_buf *b, uint32_t field, const void *p, size_t n)
{
    put_varint(b, (uint64_t)field << 3 | 2);
    put_varint(b, n);
    assert_int_equal(ec_buf_append(b, p, n), 0);
}

static void pb_str(ec_buf *b, uint32_t field, const char *s)
{
    pb_bytes(b, field, s, strlen(s));
}

static void pb_msg(ec_buf *b, uint32_t field, ec_buf *inner)
{
    pb_bytes(b, field, inner->data ? inner->data : "", inner->len);
    ec_buf_free(inner);
}

static char *render(const void *v, size_t len, const ec_k8s_render_opts *opts)
{
    uint8_t *copy = malloc(len ? len : 1);
    assert_non_null(copy);
    if (len)
        memcpy(copy, v, len);
    ec_buf out;
    ec_buf_init(&out, 0);
    ec_err err;
    ec_err_clear(&err);
    if (ec_k8s_render_text(copy, len, opts, &out, &err) != 0)
        fail_msg("render failed: %s", err.msg);
    free(copy);
    return ec_buf_steal(&out);
}

static void test_hexdump_exact(void **state)
{
    (void)state;
    uint8_t b[20];
    for (size_t i = 0; i < sizeof b; i++)
        b[i] = (uint8_t)(0x1e + i * 7);
    ec_buf out;
    ec_buf_init(&out, 0);
    assert_int_equal(ec_k8s_render_hexdump(b, sizeof b, NULL, &out, NULL), 0);
    assert_string_equal(out.data,
                        "00000000  1e 25 2c 33 3a 41 48 4f  56 5d 64 6b 72 79 80 87  |.%,3:AHOV]dkry..|\n"
                        "00000010  8e 95 9c a3                                       |....|\n");
    ec_buf_free(&out);

    /* A binary value renders as its encoding line and the same dump. */
    static const char bin[] = "\x00\x01\x1b[2Jok\x7f";
    char *t = render(bin, sizeof bin - 1, NULL);
    assert_string_equal(t,
                        "encoding: binary (9 bytes)\n"
                        "00000000  00 01 1b 5b 32 4a 6f 6b  7f                       |...[2Jok.|\n");
    free(t);
}

/* A ConfigMap whose label value carries an ESC sequence, a C1 CSI and a
 * bidi override: none of them may reach the terminal raw. */
static void test_hostile_label_escaped(void **state)
{
    (void)state;
    ec_buf tm, meta, label, obj, v;
    ec_buf_init(&tm, 0);
    ec_buf_init(&meta, 0);
    ec_buf_init(&label, 0);
    ec_buf_init(&obj, 0);
    ec_buf_init(&v, 0);
    pb_str(&tm, 1, "v1");
    pb_str(&tm, 2, "ConfigMap");
    pb_str(&meta, 1, "cm\x1b]0;pwned\x07");
    pb_str(&label, 1, "evil");
    pb_str(&label, 2, "a\x1b[2Jb\xc2\x9b" "31mc\xe2\x80\xae" "d");
    pb_msg(&meta, 11, &label);
    pb_msg(&obj, 1, &meta);
    pb_str(&obj, 2, "x\x1b[0m");
    assert_int_equal(ec_buf_append(&v, "k8s\0", 4), 0);
    pb_msg(&v, 1, &tm);
    pb_msg(&v, 2, &obj);

    char *t = render(v.data, v.len, NULL);
    assert_non_null(strstr(t, "\n    evil: a\\e[2Jb\\xc2\\x9b31mc\\xe2\\x80\\xaed\n"));
    assert_non_null(strstr(t, "\n  name: cm\\e]0;pwned\\x07\n"));
    assert_non_null(strstr(t, "\n  2: bytes, 5: 781b5b306d\n"));
    assert_null(strchr(t, 0x1b));
    assert_null(strchr(t, 0x07));
    assert_null(strstr(t, "\xc2\x9b"));
    assert_null(strstr(t, "\xe2\x80\xae"));
    free(t);

    json_t *j = ec_k8s_render_json((const uint8_t *)v.data, v.len);
    assert_non_null(j);
    /* --json keeps the exact bytes (valid UTF-8)... */
    const char *lv = json_string_value(json_object_get(json_object_get(json_object_get(j, "metadata"), "labels"), "evil"));
    assert_string_equal(lv, "a\x1b[2Jb\xc2\x9b" "31mc\xe2\x80\xae" "d");
    /* ...and the safe dump turns every dangerous character into \u. */
    ec_buf d;
    ec_buf_init(&d, 0);
    assert_int_equal(ec_k8s_json_dump_safe(j, 0, &d), 0);
    assert_non_null(strstr(d.data, "\"evil\":\"a\\u001B[2Jb\\u009B31mc\\u202Ed\""));
    assert_null(strchr(d.data, 0x1b));
    ec_buf_free(&d);
    json_decref(j);
    ec_buf_free(&v);
}

/* Label keys and values that are not valid UTF-8, hold NUL, or repeat
 * still give a JSON rendering (escaped where jansson needs it). */
static void test_json_odd_strings(void **state)
{
    (void)state;
    ec_buf tm, meta, l1, l2, l3, obj, v;
    ec_buf_init(&tm, 0);
    ec_buf_init(&meta, 0);
    ec_buf_init(&l1, 0);
    ec_buf_init(&l2, 0);
    ec_buf_init(&l3, 0);
    ec_buf_init(&obj, 0);
    ec_buf_init(&v, 0);
    pb_str(&tm, 2, "ConfigMap");
    pb_bytes(&meta, 1, "n\xff", 2);
    pb_bytes(&l1, 1, "a\0b", 3);
    pb_bytes(&l1, 2, "x\0y", 3);
    pb_msg(&meta, 11, &l1);
    pb_bytes(&l2, 1, "\xff\xfe", 2);
    pb_str(&l2, 2, "v");
    pb_msg(&meta, 11, &l2);
    pb_str(&l3, 1, "k");
    pb_str(&l3, 2, "first");
    pb_msg(&meta, 11, &l3);
    ec_buf_init(&l3, 0);
    pb_str(&l3, 1, "k");
    pb_str(&l3, 2, "second");
    pb_msg(&meta, 11, &l3);
    pb_msg(&obj, 1, &meta);
    assert_int_equal(ec_buf_append(&v, "k8s\0", 4), 0);
    pb_msg(&v, 1, &tm);
    pb_msg(&v, 2, &obj);
    json_t *j = ec_k8s_render_json((const uint8_t *)v.data, v.len);
    assert_non_null(j);
    char *s = json_dumps(json_object_get(j, "metadata"), JSON_COMPACT | JSON_ENSURE_ASCII);
    assert_string_equal(s, "{\"name\":\"n\\\\xff\",\"namespace\":\"\",\"uid\":\"\",\"resourceVersion\":\"\","
                           "\"labels\":{\"a\\u0000b\":\"x\\u0000y\",\"\\\\xff\\\\xfe\":\"v\",\"k\":\"second\"},"
                           "\"annotations\":{},\"ownerReferences\":[],\"finalizers\":[]}");
    free(s);
    json_decref(j);
    ec_buf_free(&v);
}

static void test_json_value_pretty(void **state)
{
    (void)state;
    static const char j[] = "{\"kind\":\"X\",\"list\":[1,true,null],\"s\":\"a\\u202eb\\u007f\\u00e9\"}";
    char *t = render(j, sizeof j - 1, NULL);
    assert_string_equal(t,
                        "encoding: json (60 bytes)\n"
                        "{\n"
                        "  \"kind\": \"X\",\n"
                        "  \"list\": [\n"
                        "    1,\n"
                        "    true,\n"
                        "    null\n"
                        "  ],\n"
                        "  \"s\": \"a\\u202Eb\\u007F\xc3\xa9\"\n"
                        "}\n");
    free(t);
}

static void test_field_tree(void **state)
{
    (void)state;
    /* object = {1: meta{name}, 2: {1: "spec", 2: varint 300, 3: {1: -1}}, 3: fixed64, 4: fixed32, 5: "\nx" text, 6: "" } */
    ec_buf tm, meta, spec, inner, obj, v;
    ec_buf_init(&tm, 0);
    ec_buf_init(&meta, 0);
    ec_buf_init(&spec, 0);
    ec_buf_init(&inner, 0);
    ec_buf_init(&obj, 0);
    ec_buf_init(&v, 0);
    pb_str(&tm, 1, "apps/v1");
    pb_str(&tm, 2, "Thing");
    pb_str(&meta, 1, "t");
    pb_str(&spec, 1, "spec");
    put_varint(&spec, 2 << 3);
    put_varint(&spec, 300);
    put_varint(&inner, 1 << 3);
    put_varint(&inner, UINT64_MAX);
    pb_msg(&spec, 3, &inner);
    pb_msg(&obj, 1, &meta);
    pb_msg(&obj, 2, &spec);
    put_varint(&obj, 3 << 3 | 1);
    assert_int_equal(ec_buf_append(&obj, "\x01\x02\x03\x04\x05\x06\x07\x08", 8), 0);
    put_varint(&obj, 4 << 3 | 5);
    assert_int_equal(ec_buf_append(&obj, "\xff\x00\x00\x00", 4), 0);
    pb_str(&obj, 5, "\nline two");
    pb_str(&obj, 6, "");
    assert_int_equal(ec_buf_append(&v, "k8s\0", 4), 0);
    pb_msg(&v, 1, &tm);
    pb_msg(&v, 2, &obj);
    char *t = render(v.data, v.len, NULL);
    char want[2048];
    snprintf(want, sizeof want,
             "encoding: k8s-protobuf (%zu bytes)\n"
             "apiVersion: apps/v1\n"
             "kind: Thing\n"
             "metadata:\n"
             "  name: t\n"
             "object: 56 bytes of protobuf (field number: wire type and value)\n"
             "  1: ObjectMeta (shown above), 3 bytes\n"
             "  2: message, 22 bytes\n"
             "    1: string \"spec\"\n"
             "    2: varint 300\n"
             "    3: message, 11 bytes\n"
             "      1: varint 18446744073709551615 (-1)\n"
             "  3: fixed64 0x0807060504030201\n"
             "  4: fixed32 0x000000ff\n"
             "  5: string \"\\nline two\"\n"
             "  6: empty (length-delimited, 0 bytes)\n",
             v.len);
    assert_string_equal(t, want);
    free(t);
    ec_buf_free(&v);
}

static void test_encrypted_and_damaged(void **state)
{
    (void)state;
    static const char e[] = "k8s:enc:aescbc:v1:key1:0123456789abcdef0123456789abcdef";
    char *t = render(e, sizeof e - 1, NULL);
    assert_string_equal(t,
                        "encoding: encrypted (55 bytes)\n"
                        "This value is encrypted at rest by the Kubernetes API server; only the API\n"
                        "server (or its KMS plugin) holds the key, so its content cannot be shown here.\n"
                        "  provider: aescbc v1\n"
                        "  key name: key1\n"
                        "  ciphertext: 32 bytes\n");
    free(t);
    json_t *j = ec_k8s_render_json((const uint8_t *)e, sizeof e - 1);
    char *s = json_dumps(j, JSON_COMPACT);
    assert_string_equal(s, "{\"encoding\":\"encrypted\",\"size\":55,\"provider\":\"aescbc\",\"providerVersion\":\"v1\","
                           "\"keyName\":\"key1\",\"ciphertextSize\":32}");
    free(s);
    json_decref(j);

    /* Damaged protobuf: the error, then the bytes. */
    static const uint8_t bad[] = {'k', '8', 's', 0, 0x0a, 0x05, 'v'};
    t = render(bad, sizeof bad, NULL);
    assert_string_equal(t,
                        "encoding: k8s-protobuf (7 bytes)\n"
                        "error: malformed Kubernetes protobuf value: field 1 of runtime.Unknown runs past the end (offset 4 of 7)\n"
                        "raw bytes:\n"
                        "00000000  6b 38 73 00 0a 05 76                              |k8s...v|\n");
    free(t);
    j = ec_k8s_render_json(bad, sizeof bad);
    s = json_dumps(j, JSON_COMPACT);
    assert_string_equal(s, "{\"encoding\":\"k8s-protobuf\",\"size\":7,\"error\":\"malformed Kubernetes protobuf value: "
                           "field 1 of runtime.Unknown runs past the end (offset 4 of 7)\"}");
    free(s);
    json_decref(j);

    t = render("", 0, NULL);
    assert_string_equal(t, "encoding: empty (0 bytes)\n");
    free(t);
    j = ec_k8s_render_json((const uint8_t *)"", 0);
    s = json_dumps(j, JSON_COMPACT);
    assert_string_equal(s, "{\"encoding\":\"empty\",\"size\":0}");
    free(s);
    json_decref(j);
}

static void test_text_value(void **state)
{
    (void)state;
    static const char v[] = "line one\r\nline two\n\n\tlast \xe2\x80\x8f";
    char *t = render(v, sizeof v - 1, NULL);
    /* U+200F RLM makes it binary; without it, plain text lines. */
    assert_non_null(strstr(t, "encoding: binary"));
    free(t);
    t = render(v, sizeof v - 4, NULL);
    assert_string_equal(t, "encoding: text (26 bytes)\nline one\nline two\n\n\\tlast \n");
    free(t);
}

static void test_limits(void **state)
{
    (void)state;
    uint8_t b[1000];
    memset(b, 0xaa, sizeof b);
    ec_k8s_render_opts o = {.max_lines = 3};
    char *t = render(b, sizeof b, &o);
    assert_string_equal(t,
                        "encoding: binary (1000 bytes)\n"
                        "00000000  aa aa aa aa aa aa aa aa  aa aa aa aa aa aa aa aa  |................|\n"
                        "00000010  aa aa aa aa aa aa aa aa  aa aa aa aa aa aa aa aa  |................|\n"
                        "[output cut: limit of 3 lines or 8388608 bytes reached; the value has 1000 bytes]\n");
    free(t);

    ec_k8s_render_opts ob = {.max_bytes = 100};
    t = render(b, sizeof b, &ob);
    assert_string_equal(t,
                        "encoding: binary (1000 bytes)\n"
                        "[output cut: limit of 100000 lines or 100 bytes reached; the value has 1000 bytes]\n");
    free(t);

    /* A very long line is shortened, and says so. */
    char longtext[300];
    memset(longtext, 'x', sizeof longtext);
    ec_k8s_render_opts ol = {.max_line = 50};
    t = render(longtext, sizeof longtext, &ol);
    assert_string_equal(t,
                        "encoding: text (300 bytes)\n"
                        "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx [line cut]\n");
    free(t);

    /* The caller's buffer cap stops the output at a whole line. */
    ec_buf out;
    ec_buf_init(&out, 120);
    assert_int_equal(ec_k8s_render_text(b, sizeof b, NULL, &out, NULL), 0);
    assert_string_equal(out.data,
                        "encoding: binary (1000 bytes)\n"
                        "00000000  aa aa aa aa aa aa aa aa  aa aa aa aa aa aa aa aa  |................|\n");
    ec_buf_free(&out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hexdump_exact),
        cmocka_unit_test(test_hostile_label_escaped),
        cmocka_unit_test(test_json_odd_strings),
        cmocka_unit_test(test_json_value_pretty),
        cmocka_unit_test(test_field_tree),
        cmocka_unit_test(test_encrypted_and_damaged),
        cmocka_unit_test(test_text_value),
        cmocka_unit_test(test_limits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
