/* Damaged values never crash, leak or hang: every fixture truncated at
 * every length and with every byte flipped by a few masks either decodes
 * or fails cleanly with EC_E_CORRUPT; the peek agrees with every decode that
 * succeeds; and the rendering of a sample of them is terminal-safe.
 * Run it under valgrind and ASan as well (see docs/decoding.md). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "etcdclient/k8s/decode.h"
#include "etcdclient/k8s/peek.h"
#include "etcdclient/k8s/render.h"
#include "etcdclient/util/escape.h"
#include "test_k8s_fixtures.h"

typedef struct tally {
    size_t ok, corrupt, rendered;
} tally;

/* Nothing in a text rendering may move the cursor or change the terminal:
 * only '\n' and characters ec_escape would let through. */
static void assert_terminal_safe(const char *s, size_t n, const char *what)
{
    size_t i = 0;
    while (i < n) {
        if (s[i] == '\n') {
            i++;
            continue;
        }
        size_t k = ec_utf8_printable_len((const uint8_t *)s + i, n - i);
        if (k == 0)
            fail_msg("%s: unsafe byte 0x%02x at output offset %zu", what, (uint8_t)s[i], i);
        i += k;
    }
}

static void render_all(const uint8_t *v, size_t len, const char *what)
{
    ec_buf out;
    ec_buf_init(&out, 0);
    ec_k8s_render_opts opts = {.max_lines = 2000};
    if (ec_k8s_render_text(v, len, &opts, &out, NULL) != 0)
        fail_msg("%s: text rendering failed", what);
    assert_true(out.len > 0);
    assert_terminal_safe(out.data, out.len, what);
    ec_buf_free(&out);
    json_t *j = ec_k8s_render_json(v, len);
    if (!j)
        fail_msg("%s: JSON rendering failed", what);
    ec_buf_init(&out, 0);
    assert_int_equal(ec_k8s_json_dump_safe(j, 2, &out), 0);
    assert_terminal_safe(out.data, out.len, what);
    ec_buf_free(&out);
    json_decref(j);
}

/* v is an exact-size heap copy so ASan/valgrind flag any over-read. */
static void check_one(const uint8_t *v, size_t len, const char *what, int render, tally *t)
{
    ec_k8s_object *o = NULL;
    ec_err err;
    ec_err_clear(&err);
    int rc = ec_k8s_decode(v, len, &o, &err);
    ec_k8s_peek pk;
    ec_err perr;
    ec_err_clear(&perr);
    int prc = ec_k8s_peek_value(v, len, &pk, &perr);
    if (rc == 0) {
        assert_non_null(o);
        if (prc != 0)
            fail_msg("%s: decodes but the peek fails: %s", what, perr.msg);
        const char *d = k8s_peek_disagrees(&pk, o);
        if (d)
            fail_msg("%s: peek and decode disagree on %s", what, d);
        t->ok++;
        ec_k8s_object_free(o);
    } else {
        assert_null(o);
        if (err.code != EC_E_CORRUPT)
            fail_msg("%s: decode failed with %s: %s", what, ec_code_name(err.code), err.msg);
        if (strncmp(err.msg, "malformed Kubernetes protobuf value: ", 37) != 0 &&
            strncmp(err.msg, "malformed encrypted value: ", 27) != 0)
            fail_msg("%s: unexpected message '%s'", what, err.msg);
        if (prc != 0 && perr.code != EC_E_CORRUPT)
            fail_msg("%s: peek failed with %s", what, ec_code_name(perr.code));
        t->corrupt++;
    }
    if (render) {
        render_all(v, len, what);
        t->rendered++;
    }
}

/* Every length and every position of small fixtures; for larger ones the
 * first `full` bytes and then a deterministic sample (every stride-th), so
 * the test stays quick under valgrind. The fuzz target covers the rest. */
static size_t stride_for(size_t len, size_t budget)
{
    return len <= budget ? 1 : len / budget + 1;
}

static void damage_fixtures(const char *ext, int expect_no_errors, size_t full, size_t budget)
{
    char *files[K8S_MAX_FIXTURES];
    size_t n = k8s_list_fixtures(ext, files, K8S_MAX_FIXTURES);
    if (n == 0)
        fail_msg("no %s fixtures found (set BG_ROOT to the repo root)", ext);
    static const uint8_t masks[] = {0x01, 0x80, 0xff};
    tally t = {0, 0, 0};
    size_t step = 0;
    for (size_t f = 0; f < n; f++) {
        size_t len = 0;
        uint8_t *orig = k8s_read_file(files[f], &len);
        assert_non_null(orig);
        const char *name = strrchr(files[f], '/') + 1;
        char what[512];
        size_t stride = stride_for(len, budget);
        for (size_t cut = 0; cut <= len; cut += cut < full ? 1 : stride) {
            uint8_t *v = malloc(cut ? cut : 1);
            assert_non_null(v);
            memcpy(v, orig, cut);
            snprintf(what, sizeof what, "%s cut at %zu", name, cut);
            check_one(v, cut, what, ++step % 211 == 0, &t);
            free(v);
        }
        uint8_t *v = malloc(len);
        assert_non_null(v);
        for (size_t i = 0; i < len; i += i < full ? 1 : stride) {
            for (size_t m = 0; m < sizeof masks; m++) {
                memcpy(v, orig, len);
                v[i] ^= masks[m];
                snprintf(what, sizeof what, "%s byte %zu ^ 0x%02x", name, i, masks[m]);
                check_one(v, len, what, ++step % 211 == 0, &t);
            }
        }
        free(v);
        free(orig);
    }
    print_message("%s: %zu fixtures, %zu damaged copies decoded, %zu rejected as corrupt, %zu rendered\n", ext, n,
                  t.ok, t.corrupt, t.rendered);
    /* Both outcomes must occur, or the damage did not exercise anything. */
    assert_true(t.ok > 0);
    if (expect_no_errors)
        assert_int_equal(t.corrupt, 0);
    else
        assert_true(t.corrupt > 0);
    k8s_free_list(files, n);
}

static void test_damaged_protobuf(void **state)
{
    (void)state;
    damage_fixtures(".pb", 0, 2048, 4096);
}

/* JSON carries no magic: damaged JSON is classified, never an error. */
static void test_damaged_json(void **state)
{
    (void)state;
    damage_fixtures(".json", 1, 0, 256);
}

/* Hand-made nasty inputs. */
static void test_nasty_inputs(void **state)
{
    (void)state;
    tally t = {0, 0, 0};
    struct {
        const char *name;
        const char *v;
        size_t len;
    } cases[] = {
        {"magic only", "k8s\0", 4},
        {"huge length", "k8s\0\x12\xff\xff\xff\xff\x0f", 10},
        {"length over 2^63", "k8s\0\x12\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", 15},
        {"11-byte varint", "k8s\0\x08\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x01", 16},
        {"tag over 32 bits", "k8s\0\x80\x80\x80\x80\x80\x01", 10},
        {"fixed64 cut", "k8s\0\x09\x01\x02", 7},
        {"fixed32 cut", "k8s\0\x0d\x01", 6},
        {"end group", "k8s\0\x0c", 5},
        {"wire type 7", "k8s\0\x0f", 5},
        {"raw not a message", "k8s\0\x12\x03\xff\xff\xff", 9},
        {"meta not a message", "k8s\0\x12\x04\x0a\x02\x0f\x00", 10},
        {"enc prefix only", "k8s:enc:", 8},
        {"kms v2 empty", "k8s:enc:kms:v2:p:", 17},
        {"deep json", "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]", 128},
        {"unclosed json string", "{\"metadata\":{\"name\":\"x", 22},
        {"json backslash at end", "{\"a\":\"\\", 7},
        {"json NUL", "{\"metadata\":{\"name\":\"a\\u0000b\"}}", 32},
        {"lone surrogate", "{\"kind\":\"\\ud800\"}", 17},
        {"text with bidi", "abc\xe2\x80\xae" "def", 9},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint8_t *v = malloc(cases[i].len);
        assert_non_null(v);
        memcpy(v, cases[i].v, cases[i].len);
        check_one(v, cases[i].len, cases[i].name, 1, &t);
        free(v);
    }
    assert_true(t.corrupt > 0 && t.ok > 0);

    /* Nesting far beyond the field tree's depth limit, and a long chain of
     * empty messages, render without deep recursion. */
    size_t depth = 5000, len = 4 + 2 * depth;
    uint8_t *v = malloc(len);
    assert_non_null(v);
    memcpy(v, "k8s\0", 4);
    for (size_t i = 0; i < depth; i++) {
        /* Each level: field 2, length = rest; lengths > 127 need 2 bytes, so
         * use 1-byte lengths on the innermost levels only. */
        v[4 + 2 * i] = 0x12;
        v[4 + 2 * i + 1] = 0;
    }
    check_one(v, len, "5000 empty fields", 1, &t);
    free(v);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_damaged_protobuf),
        cmocka_unit_test(test_damaged_json),
        cmocka_unit_test(test_nasty_inputs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
