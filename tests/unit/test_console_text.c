/* Text for the console's screen (tui/console/text.c, vtext.c): escaping of
 * untrusted bytes, widths and cutting, number formats, the hex dump, and the
 * value viewer's wrapping and search. */
#include <locale.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "tui/console/text.h"
#include "tui/console/vtext.h"

#define S(lit) (const uint8_t *)(lit), (sizeof(lit) - 1)

static char *esc(const uint8_t *p, size_t n, bool utf8)
{
    ec_buf b;
    ec_buf_init(&b, 0);
    assert_int_equal(ct_escape(&b, p, n, utf8), 0);
    ec_buf_append(&b, "", 0);
    return ec_buf_steal(&b);
}

static char *san(const char *s, size_t n, bool utf8)
{
    ec_buf b;
    ec_buf_init(&b, 0);
    assert_int_equal(ct_sanitize(&b, s, n, utf8), 0);
    ec_buf_append(&b, "", 0);
    return ec_buf_steal(&b);
}

static void test_escape(void **state)
{
    (void)state;
    char *s = esc(S("\x1b]0;pwned\x07"), true);
    assert_string_equal(s, "\\e]0;pwned\\x07");
    /* Escaped text passes the second filter unchanged. */
    char *t = san(s, strlen(s), true);
    assert_string_equal(t, s);
    free(t);
    free(s);
    s = esc(S("caf\xc3\xa9 \xe6\x97\xa5"), true);
    assert_string_equal(s, "caf\xc3\xa9 \xe6\x97\xa5");
    free(s);
    /* Not a UTF-8 terminal: every non-ASCII byte is spelt out. */
    s = esc(S("caf\xc3\xa9"), false);
    assert_string_equal(s, "caf\\xc3\\xa9");
    free(s);
    /* NUL, invalid UTF-8, C1 controls and bidi overrides never pass raw. */
    s = esc(S("a\0b\xff\xc2\x9b\xe2\x80\xae"), true);
    assert_string_equal(s, "a\\x00b\\xff\\xc2\\x9b\\xe2\\x80\\xae");
    free(s);
    /* The sanitizer escapes anything raw that slipped into "safe" text. */
    s = san("ok\x1b[2J\n\x9b", 8, true);
    assert_string_equal(s, "ok\\x1b[2J\\x0a\\x9b");
    free(s);
    s = san("\xc3\xa9", 2, false);
    assert_string_equal(s, "\\xc3\\xa9");
    free(s);
}

static void test_width_and_fit(void **state)
{
    (void)state;
    assert_int_equal(ct_width("abc", 3, true), 3);
    assert_int_equal(ct_width("\xe6\x97\xa5\xe6\x9c\xac", 6, true), 4); /* two wide characters */
    assert_int_equal(ct_width("\xc3\xa9", 2, true), 1);
    assert_int_equal(ct_width("\\xc3", 4, false), 4);
    int used;
    assert_int_equal(ct_fit("abcdef", 6, 3, &used, true), 3);
    assert_int_equal(used, 3);
    /* A wide character is never split and never overflows the width. */
    assert_int_equal(ct_fit("\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e", 9, 5, &used, true), 6);
    assert_int_equal(used, 4);
    assert_int_equal(ct_fit_tail("abcdef", 6, 2, &used, true), 2);
    assert_int_equal(ct_fit_tail("\xe6\x97\xa5\xe6\x9c\xac", 6, 3, &used, true), 3);
    assert_int_equal(used, 2);
}

static void crop(const char *in, int w, const char *want, bool utf8)
{
    ec_buf b;
    ec_buf_init(&b, 0);
    assert_int_equal(ct_crop_mid(&b, in, strlen(in), w, utf8), 0);
    assert_string_equal(b.data, want);
    assert_true(ct_width(b.data, b.len, utf8) <= w);
    ec_buf_free(&b);
}

static void test_crop(void **state)
{
    (void)state;
    crop("abcdefghijklmnopqrstuvwxyz", 10, "abcdef~xyz", true);
    crop("abcdefghij", 10, "abcdefghij", true);
    crop("abcdefghijk", 10, "abcdef~ijk", true);
    crop("abcdef", 1, "~", true);
    crop("abcdef", 0, "", true);
    crop("\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e", 7,
         "\xe6\x97\xa5\xe6\x9c\xac~\xe8\xaa\x9e", true);
    /* An escaped label is cut like any text: the escapes stay readable. */
    crop("\\e]0;pwned\\x07-and-a-long-tail", 16, "\\e]0;pwned~-tail", true);
}

static void test_numbers(void **state)
{
    (void)state;
    char b[32];
    assert_string_equal(ct_bytes(0, b, sizeof b), "0 B");
    assert_string_equal(ct_bytes(1023, b, sizeof b), "1023 B");
    assert_string_equal(ct_bytes(1024, b, sizeof b), "1.0 KiB");
    assert_string_equal(ct_bytes(1536, b, sizeof b), "1.5 KiB");
    assert_string_equal(ct_bytes(1048575, b, sizeof b), "1.0 MiB");
    assert_string_equal(ct_bytes(5ULL << 30, b, sizeof b), "5.0 GiB");
    assert_string_equal(ct_count(1234567, 8, b, sizeof b), "1234567");
    assert_string_equal(ct_count(123456789, 8, b, sizeof b), "123.5M");
    assert_string_equal(ct_count(12345678901ULL, 9, b, sizeof b), "12.3G");
    assert_string_equal(ct_count(99999, 4, b, sizeof b), "100k");
    assert_string_equal(ct_usec(850, b, sizeof b), "850 us");
    assert_string_equal(ct_usec(1250, b, sizeof b), "1.2 ms");
    assert_string_equal(ct_usec(3400000, b, sizeof b), "3.4 s");
}

static void test_hexdump(void **state)
{
    (void)state;
    ec_buf b;
    ec_buf_init(&b, 0);
    assert_int_equal(ct_hexdump(&b, S("k8s\0\n"), 64), 0);
    assert_string_equal(b.data, "00000000  6b 38 73 00 0a                                    |k8s..|\n");
    ec_buf_reset(&b);
    uint8_t v[40];
    for (int i = 0; i < 40; i++)
        v[i] = (uint8_t)(0x41 + i);
    assert_int_equal(ct_hexdump(&b, v, sizeof v, 16), 0);
    assert_string_equal(b.data, "00000000  41 42 43 44 45 46 47 48  49 4a 4b 4c 4d 4e 4f 50  |ABCDEFGHIJKLMNOP|\n"
                                "[24 more bytes not shown]\n");
    ec_buf_reset(&b);
    /* Control bytes and the escape byte show as dots in the ASCII column. */
    assert_int_equal(ct_hexdump(&b, S("\x1b]0;x\x07"), 64), 0);
    assert_non_null(strstr(b.data, "|.]0;x.|"));
    assert_null(strchr(b.data, 0x1b));
    ec_buf_free(&b);
}

static void test_vtext(void **state)
{
    (void)state;
    vt_text t;
    vt_init(&t);
    assert_int_equal(vt_set(&t, "ab\ncd\n", 6, true), 0);
    assert_int_equal(t.nlines, 2);
    assert_int_equal(vt_set(&t, "", 0, true), 0);
    assert_int_equal(t.nlines, 1);
    assert_int_equal(t.line_len[0], 0);
    assert_int_equal(vt_set(&t, "a\x1b" "b", 3, true), 0);
    assert_int_equal(t.line_len[0], 6);
    assert_memory_equal(t.text.data, "a\\x1bb\n", 7);

    assert_int_equal(vt_set(&t, "abcdefghij\n\nxy", 14, true), 0);
    assert_int_equal(t.nlines, 3);
    assert_int_equal(vt_wrap(&t, 4), 0);
    assert_int_equal(t.nrows, 5);
    assert_int_equal(t.rows[0].off, 0);
    assert_int_equal(t.rows[0].len, 4);
    assert_int_equal(t.rows[2].off, 8);
    assert_int_equal(t.rows[2].len, 2);
    assert_int_equal(t.rows[3].line, 1);
    assert_int_equal(t.rows[3].len, 0);
    assert_int_equal(t.rows[4].line, 2);

    /* Wide characters wrap whole. */
    assert_int_equal(vt_set(&t, "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e", 9, true), 0);
    assert_int_equal(vt_wrap(&t, 3), 0);
    assert_int_equal(t.nrows, 3);
    assert_int_equal(t.rows[1].off, 3);
    vt_free(&t);
}

static void test_search(void **state)
{
    (void)state;
    vt_text t;
    vt_init(&t);
    const char *s = "foo bar\nbaz foo\nqux";
    assert_int_equal(vt_set(&t, s, strlen(s), true), 0);
    assert_int_equal(vt_wrap(&t, 4), 0);
    size_t line = SIZE_MAX, off = 0;
    bool wrapped;
    assert_int_equal(vt_find(&t, "foo", 3, 1, &line, &off, &wrapped), 1);
    assert_int_equal(line, 0);
    assert_int_equal(off, 0);
    assert_false(wrapped);
    assert_int_equal(vt_find(&t, "foo", 3, 1, &line, &off, &wrapped), 1);
    assert_int_equal(line, 1);
    assert_int_equal(off, 4);
    assert_false(wrapped);
    assert_int_equal(vt_row_of(&t, line, off), 3);
    /* Past the last match: round to the first, and say so. */
    assert_int_equal(vt_find(&t, "foo", 3, 1, &line, &off, &wrapped), 1);
    assert_int_equal(line, 0);
    assert_int_equal(off, 0);
    assert_true(wrapped);
    /* Backwards from the first match: round to the last. */
    assert_int_equal(vt_find(&t, "foo", 3, -1, &line, &off, &wrapped), 1);
    assert_int_equal(line, 1);
    assert_int_equal(off, 4);
    assert_true(wrapped);
    line = SIZE_MAX;
    assert_int_equal(vt_find(&t, "zzz", 3, 1, &line, &off, &wrapped), 0);
    /* Two matches on one line, both found in turn. */
    assert_int_equal(vt_set(&t, "aXaXa", 5, true), 0);
    line = SIZE_MAX;
    assert_int_equal(vt_find(&t, "a", 1, 1, &line, &off, &wrapped), 1);
    assert_int_equal(off, 0);
    assert_int_equal(vt_find(&t, "a", 1, 1, &line, &off, &wrapped), 1);
    assert_int_equal(off, 2);
    assert_int_equal(vt_find(&t, "a", 1, -1, &line, &off, &wrapped), 1);
    assert_int_equal(off, 0);
    vt_free(&t);
}

int main(void)
{
    /* Widths of UTF-8 text need a UTF-8 character type, as on the terminal. */
    if (!setlocale(LC_ALL, "C.UTF-8")) {
        fprintf(stderr, "test_console_text: the C.UTF-8 locale is missing\n");
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_escape),  cmocka_unit_test(test_width_and_fit), cmocka_unit_test(test_crop),
        cmocka_unit_test(test_numbers), cmocka_unit_test(test_hexdump),       cmocka_unit_test(test_vtext),
        cmocka_unit_test(test_search),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
