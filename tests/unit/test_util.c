/* Pure logic of the client and CLI: escaping for the terminal, etcd's prefix
 * rule, endpoint parsing, durations, error messages, flag parsing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "etcdclient/client/internal.h"
#include "etcdclient/etcd.h"
#include "etcdclient/util/escape.h"
#include "tui/cli/args.h"
#include "tui/cli/options.h"
#include "tui/cli/output.h"

static char *esc(const char *s, size_t n)
{
    return ec_escape_dup((const uint8_t *)s, n);
}

static void expect_escape(const char *in, size_t n, const char *want)
{
    char *got = esc(in, n);
    assert_non_null(got);
    assert_string_equal(got, want);
    free(got);
}

static void test_escape_controls(void **state)
{
    (void)state;
    expect_escape("/registry/pods/a", 16, "/registry/pods/a");
    expect_escape("\x1b]0;pwned\x07", 10, "\\e]0;pwned\\x07");
    expect_escape("a\nb\tc\rd", 7, "a\\nb\\tc\\rd");
    expect_escape("nul\0x", 5, "nul\\x00x");
    expect_escape("back\\slash", 10, "back\\\\slash");
    expect_escape("\x7f", 1, "\\x7f");
    expect_escape("", 0, "");
}

static void test_escape_utf8(void **state)
{
    (void)state;
    expect_escape("caf\xc3\xa9", 5, "caf\xc3\xa9");                /* valid: kept */
    expect_escape("\xe2\x9c\x93", 3, "\xe2\x9c\x93");              /* check mark */
    expect_escape("\xc2\x9b" "2J", 4, "\\xc2\\x9b2J");            /* C1 CSI */
    expect_escape("\xe2\x80\xae" "abc", 6, "\\xe2\\x80\\xaeabc"); /* RLO bidi override */
    expect_escape("\xc0\xaf", 2, "\\xc0\\xaf");                    /* overlong '/' */
    expect_escape("\xed\xa0\x80", 3, "\\xed\\xa0\\x80");           /* surrogate */
    expect_escape("\xff\xfe", 2, "\\xff\\xfe");
    expect_escape("\xe2\x9c", 2, "\\xe2\\x9c");                    /* truncated */
}

/* Whatever the input, the output holds no control byte and no byte >= 0x80
 * that is not part of a printable UTF-8 character. */
static void test_escape_output_is_safe(void **state)
{
    (void)state;
    uint8_t in[256];
    for (int i = 0; i < 256; i++)
        in[i] = (uint8_t)i;
    char *out = ec_escape_dup(in, sizeof in);
    assert_non_null(out);
    for (const uint8_t *p = (const uint8_t *)out; *p;) {
        assert_true(*p >= 0x20 && *p != 0x7f);
        if (*p < 0x80) {
            p++;
            continue;
        }
        size_t n = ec_utf8_printable_len(p, strlen((const char *)p));
        assert_true(n > 0);
        p += n;
    }
    free(out);
}

static void test_escape_cap(void **state)
{
    (void)state;
    ec_buf b;
    ec_buf_init(&b, 8);
    assert_int_equal(ec_escape_append(&b, (const uint8_t *)"\x01\x02\x03", 3), -1);
    ec_buf_free(&b);
}

static void expect_prefix_end(const char *p, size_t n, const char *want, size_t wn)
{
    uint8_t out[64];
    size_t got = ec_prefix_end((const uint8_t *)p, n, out);
    assert_int_equal(got, wn);
    assert_memory_equal(out, want, wn);
}

static void test_prefix_end(void **state)
{
    (void)state;
    expect_prefix_end("/registry/", 10, "/registry0", 10);
    expect_prefix_end("a\xff", 2, "b", 1);
    expect_prefix_end("\xff\xff", 2, "\0", 1);
    expect_prefix_end("", 0, "\0", 1);
}

static void test_endpoint_parse(void **state)
{
    (void)state;
    ec_endpoint ep;
    ec_err err;
    assert_int_equal(ec_endpoint_parse("https://127.0.0.1:2379", false, &ep, &err), 0);
    assert_string_equal(ep.host, "127.0.0.1");
    assert_int_equal(ep.port, 2379);
    assert_string_equal(ep.target, "127.0.0.1:2379");
    ec_endpoint_clear(&ep);
    assert_int_equal(ec_endpoint_parse("[::1]:2379", false, &ep, &err), 0);
    assert_string_equal(ep.host, "::1");
    assert_string_equal(ep.target, "ipv6:[::1]:2379");
    ec_endpoint_clear(&ep);
    assert_int_equal(ec_endpoint_parse("localhost:2379/", false, &ep, &err), 0);
    ec_endpoint_clear(&ep);
    assert_int_equal(ec_endpoint_parse("http://127.0.0.1:2379", false, &ep, &err), -1);
    assert_int_equal(err.code, EC_E_INVALID);
    assert_non_null(strstr(err.msg, "--insecure-transport"));
    assert_int_equal(ec_endpoint_parse("http://127.0.0.1:2379", true, &ep, &err), 0);
    ec_endpoint_clear(&ep);
    assert_int_equal(ec_endpoint_parse("127.0.0.1", false, &ep, &err), -1);
    assert_int_equal(ec_endpoint_parse("127.0.0.1:99999", false, &ep, &err), -1);
    assert_int_equal(ec_endpoint_parse("unix:///x", false, &ep, &err), -1);
}

static void test_durations(void **state)
{
    (void)state;
    assert_int_equal(bg_parse_duration_ms("5s"), 5000);
    assert_int_equal(bg_parse_duration_ms("500ms"), 500);
    assert_int_equal(bg_parse_duration_ms("2m"), 120000);
    assert_int_equal(bg_parse_duration_ms("1.5s"), 1500);
    assert_int_equal(bg_parse_duration_ms("3"), 3000);
    assert_int_equal(bg_parse_duration_ms("soon"), -1);
    assert_int_equal(bg_parse_duration_ms("-1s"), -1);
    assert_int_equal(bg_parse_duration_ms("5x"), -1);
}

static void test_error_wrap_and_one_line(void **state)
{
    (void)state;
    ec_err e;
    ec_fail(&e, EC_E_IO, "cannot open '%s': %s", "/x", "line1\nline2");
    assert_null(strchr(e.msg, '\n'));
    ec_wrap(&e, "while saving");
    assert_string_equal(e.msg, "while saving: cannot open '/x': line1 line2");
    assert_int_equal(e.code, EC_E_IO);
    assert_string_equal(ec_code_name(EC_E_TLS_SERVER_UNTRUSTED), "tls-server-untrusted");
    assert_non_null(ec_err_hint(EC_E_NOSPACE));
    assert_string_equal(ec_code_name(EC_E_NO_LEADER), "no-leader");
    assert_non_null(ec_err_hint(EC_E_NO_LEADER));
}

static void test_global_options(void **state)
{
    (void)state;
    unsetenv("ETCDCTL_ENDPOINTS");
    setenv("ETCDCTL_CACERT", "/env/ca.crt", 1);
    char a0[] = "ls", a1[] = "--endpoints", a2[] = "https://a:1,https://b:2", a3[] = "/registry/",
         a4[] = "--cacert=/flag/ca.crt", a5[] = "-l", a6[] = "--command-timeout", a7[] = "30s";
    char *argv[] = {a0, a1, a2, a3, a4, a5, a6, a7, NULL};
    int argc = 8;
    bg_opts o;
    char msg[256];
    assert_int_equal(bg_opts_parse(&o, &argc, argv, msg, sizeof msg), 0);
    assert_int_equal(argc, 3);
    assert_string_equal(argv[0], "ls");
    assert_string_equal(argv[1], "/registry/");
    assert_string_equal(argv[2], "-l");
    assert_int_equal(o.n_endpoints, 2);
    assert_string_equal(o.endpoints[1], "https://b:2");
    assert_string_equal(o.cacert, "/flag/ca.crt"); /* the flag wins */
    assert_int_equal(o.command_timeout_ms, 30000);
    bg_opts_free(&o);
    unsetenv("ETCDCTL_CACERT");
}

static void test_command_flags(void **state)
{
    (void)state;
    bool lng = false;
    int64_t limit = 0;
    bg_flag flags[] = {{"long", 'l', BG_FLAG_BOOL, &lng}, {"limit", 0, BG_FLAG_I64, &limit}};
    char c0[] = "ls", c1[] = "-l", c2[] = "--limit=7", c3[] = "/p/";
    char *argv[] = {c0, c1, c2, c3};
    char *pos[1];
    size_t np;
    assert_int_equal(bg_parse_flags("ls", 4, argv, flags, 2, pos, 1, &np), 0);
    assert_true(lng);
    assert_int_equal(limit, 7);
    assert_int_equal(np, 1);
    assert_string_equal(pos[0], "/p/");
    char d1[] = "--limit", d2[] = "many";
    char *bad[] = {c0, d1, d2};
    assert_int_equal(bg_parse_flags("ls", 3, bad, flags, 2, pos, 1, &np), -1);
}

static void test_json_bytes(void **state)
{
    (void)state;
    json_t *o = json_object();
    bg_json_set_bytes(o, "key", (const uint8_t *)"/ok", 3);
    bg_json_set_bytes(o, "value", (const uint8_t *)"\x00\xff", 2);
    assert_string_equal(json_string_value(json_object_get(o, "key")), "/ok");
    assert_string_equal(json_string_value(json_object_get(o, "value_b64")), "AP8=");
    assert_null(json_object_get(o, "value"));
    json_decref(o);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_escape_controls),
        cmocka_unit_test(test_escape_utf8),
        cmocka_unit_test(test_escape_output_is_safe),
        cmocka_unit_test(test_escape_cap),
        cmocka_unit_test(test_prefix_end),
        cmocka_unit_test(test_endpoint_parse),
        cmocka_unit_test(test_durations),
        cmocka_unit_test(test_error_wrap_and_one_line),
        cmocka_unit_test(test_global_options),
        cmocka_unit_test(test_command_flags),
        cmocka_unit_test(test_json_bytes),
    };
    return cmocka_run_group_tests_name("client and CLI logic", tests, NULL, NULL);
}
