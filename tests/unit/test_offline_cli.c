/* `breakglass --offline FILE ...` through offline_cli_main, output captured,
 * against the real fixtures in tests/fixtures/offline. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <jansson.h>

#include "tui/offline/offline_cli.h"
#include "tui/offline/offline_out.h"

static char seq_db[1024], member_db[1024], expected_json[1024], tmp_dir[256];

typedef struct run {
    int rc;
    char *out, *err;
    size_t out_len;
} run;

static char *read_stream(FILE *f, size_t *len)
{
    fflush(f);
    long n = ftell(f);
    rewind(f);
    char *s = malloc((size_t)n + 1);
    assert_non_null(s);
    assert_int_equal(fread(s, 1, (size_t)n, f), (size_t)n);
    s[n] = '\0';
    if (len)
        *len = (size_t)n;
    fclose(f);
    return s;
}

/* Runs the CLI with stdout and stderr captured; args end with NULL. */
static void cli(run *r, const char *db, ...)
{
    char *argv[16];
    int argc = 0;
    va_list ap;
    va_start(ap, db);
    const char *a;
    while ((a = va_arg(ap, const char *)) != NULL && argc < 15)
        argv[argc++] = (char *)a;
    va_end(ap);
    argv[argc] = NULL;
    fflush(stdout);
    fflush(stderr);
    FILE *fo = tmpfile(), *fe = tmpfile();
    assert_non_null(fo);
    assert_non_null(fe);
    int saved_out = dup(1), saved_err = dup(2);
    dup2(fileno(fo), 1);
    dup2(fileno(fe), 2);
    r->rc = offline_cli_main(db, argc, argv);
    fflush(stdout);
    fflush(stderr);
    dup2(saved_out, 1);
    dup2(saved_err, 2);
    close(saved_out);
    close(saved_err);
    fseek(fo, 0, SEEK_END);
    fseek(fe, 0, SEEK_END);
    r->out = read_stream(fo, &r->out_len);
    r->err = read_stream(fe, NULL);
}

static void run_free(run *r)
{
    free(r->out);
    free(r->err);
}

/* Error output is exactly two lines: the message and the fix. */
static void assert_error_lines(const run *r, const char *msg_part)
{
    assert_int_equal(strncmp(r->err, "breakglass: ", 12), 0);
    if (!strstr(r->err, msg_part))
        fail_msg("missing '%s' in: %s", msg_part, r->err);
    const char *nl = strchr(r->err, '\n');
    assert_non_null(nl);
    assert_int_equal(strncmp(nl + 1, "hint: ", 6), 0);
    const char *nl2 = strchr(nl + 1, '\n');
    assert_non_null(nl2);
    assert_string_equal(nl2 + 1, "");
}

static void preview_is(const char *in, size_t n, size_t max, const char *want)
{
    ec_buf b;
    ec_buf_init(&b, 0);
    assert_int_equal(offline_out_escaped(&b, (const uint8_t *)in, n, max), 0);
    assert_string_equal(b.data, want);
    if (max)
        assert_true(offline_out_width(b.data) <= max);
    ec_buf_free(&b);
}

static void test_preview(void **state)
{
    (void)state;
    preview_is("", 0, 10, "");
    preview_is("short", 5, 10, "short");
    preview_is("exactly10!", 10, 10, "exactly10!");
    preview_is("eleven char", 11, 10, "eleven ...");
    /* Never half an escape: "\x00" is cut whole. */
    preview_is("abcde\x01\x02", 7, 10, "abcde...");
    preview_is("ab\x01\x02\x03", 5, 10, "ab\\x01...");
    /* Multi-byte characters count as one each, and are never split. */
    char e[200];
    for (int i = 0; i < 100; i++)
        memcpy(e + 2 * i, "\xc3\xa9", 2);
    char want[200] = "";
    for (int i = 0; i < 7; i++)
        strcat(want, "\xc3\xa9");
    strcat(want, "...");
    preview_is(e, 200, 10, want);
    char all[201];
    memcpy(all, e, 200);
    all[200] = '\0';
    preview_is(e, 200, 0, all);     /* 0: no limit */
}

static void test_usage_errors(void **state)
{
    (void)state;
    run r;
    cli(&r, seq_db, NULL);
    assert_int_equal(r.rc, 2);
    assert_error_lines(&r, "needs a command");
    run_free(&r);
    cli(&r, seq_db, "frobnicate", NULL);
    assert_int_equal(r.rc, 2);
    assert_error_lines(&r, "unknown offline command 'frobnicate'");
    run_free(&r);
    cli(&r, seq_db, "ls", "--history", NULL);
    assert_int_equal(r.rc, 2);
    assert_error_lines(&r, "unknown option '--history'");
    assert_non_null(strstr(r.err, "hint: usage: breakglass --offline FILE ls [PREFIX]"));
    run_free(&r);
    cli(&r, seq_db, "get", NULL);
    assert_int_equal(r.rc, 2);
    run_free(&r);
    cli(&r, seq_db, "get", "/a", "/b", NULL);
    assert_int_equal(r.rc, 2);
    run_free(&r);
    cli(&r, seq_db, "top", "--depth", "x", NULL);
    assert_int_equal(r.rc, 2);
    run_free(&r);
    cli(&r, seq_db, "top", "--limit", NULL);
    assert_int_equal(r.rc, 2);
    assert_error_lines(&r, "option '--limit' needs a value");
    run_free(&r);
    cli(&r, seq_db, "stats", "--json=yes", NULL);
    assert_int_equal(r.rc, 2);
    run_free(&r);
    cli(&r, seq_db, "help", NULL);
    assert_int_equal(r.rc, 0);
    assert_non_null(strstr(r.out, "usage: breakglass --offline FILE <command>"));
    assert_non_null(strstr(r.out, "  dump "));
    run_free(&r);
}

static void test_ls_keys_only(void **state)
{
    (void)state;
    run r;
    cli(&r, seq_db, "ls", "--keys-only", "/many/0", NULL);
    assert_int_equal(r.rc, 0);
    assert_string_equal(r.out, "/many/00\n/many/01\n/many/02\n/many/03\n/many/04\n"
                               "/many/05\n/many/06\n/many/07\n/many/08\n/many/09\n");
    assert_string_equal(r.err, "");
    run_free(&r);
    /* Deleted keys are absent; "--" lets a prefix start with a dash. */
    cli(&r, seq_db, "ls", "--keys-only", "--", "/b", NULL);
    assert_int_equal(r.rc, 0);
    assert_string_equal(r.out, "/big\n/bin/\\xff\\xfe\n");
    run_free(&r);
}

static void test_ls_table_is_escaped(void **state)
{
    (void)state;
    run r;
    cli(&r, seq_db, "ls", NULL);
    assert_int_equal(r.rc, 0);
    assert_null(memchr(r.out, 0x1b, r.out_len));
    assert_null(memchr(r.out, 0x07, r.out_len));
    assert_non_null(strstr(r.out, "/esc/\\e]0;pwned\\x07"));
    assert_non_null(strstr(r.out, "x\\x00y\\n\\e]0;pwned\\x07\\xff"));
    assert_int_equal(strncmp(r.out, "KEY ", 4), 0);
    /* header + 70 live keys */
    size_t lines = 0;
    for (size_t i = 0; i < r.out_len; i++)
        lines += r.out[i] == '\n';
    assert_int_equal(lines, 71);
    /* /a: mod 7, create 2, version 3, no lease, value 3 */
    const char *a = strstr(r.out, "\n/a ");
    assert_non_null(a);
    char key[16], lease[24], value[16];
    long mod, create, ver;
    assert_int_equal(sscanf(a + 1, "%15s %ld %ld %ld %23s %15s", key, &mod, &create, &ver, lease,
                            value), 6);
    assert_int_equal(mod, 7);
    assert_int_equal(create, 2);
    assert_int_equal(ver, 3);
    assert_string_equal(lease, "-");
    assert_string_equal(value, "3");
    run_free(&r);
}

static void test_ls_json(void **state)
{
    (void)state;
    run r;
    cli(&r, seq_db, "ls", "--json", "/b", NULL);
    assert_int_equal(r.rc, 0);
    json_error_t je;
    json_t *o = json_loads(r.out, 0, &je);
    assert_non_null(o);
    assert_int_equal(json_integer_value(json_object_get(o, "revision")), 87);
    assert_int_equal(json_integer_value(json_object_get(o, "count")), 2);
    json_t *kvs = json_object_get(o, "kvs");
    assert_int_equal(json_array_size(kvs), 2);
    json_t *big = json_array_get(kvs, 0), *bin = json_array_get(kvs, 1);
    assert_string_equal(json_string_value(json_object_get(big, "key")), "/big");
    assert_int_equal(json_string_length(json_object_get(big, "value")), 8893);
    /* Not UTF-8: base64 under *_b64 names, and no plain name. */
    assert_null(json_object_get(bin, "key"));
    assert_string_equal(json_string_value(json_object_get(bin, "key_b64")), "L2Jpbi///g==");
    assert_string_equal(json_string_value(json_object_get(bin, "value_b64")),
                        "eAB5ChtdMDtwd25lZAf/");
    assert_int_equal(json_integer_value(json_object_get(bin, "create_revision")), 8);
    json_decref(o);
    run_free(&r);
    /* Valid UTF-8 with control characters stays a string, escaped by JSON. */
    cli(&r, seq_db, "ls", "--json", "--keys-only", "/esc", NULL);
    assert_int_equal(r.rc, 0);
    assert_null(memchr(r.out, 0x1b, r.out_len));
    assert_non_null(strstr(r.out, "\"key\":\"/esc/\\u001B]0;pwned\\u0007\""));
    run_free(&r);
}

static void test_get(void **state)
{
    (void)state;
    run r;
    cli(&r, seq_db, "get", "/a", NULL);
    assert_int_equal(r.rc, 0);
    assert_non_null(strstr(r.out, "KEY             /a\n"));
    assert_non_null(strstr(r.out, "VALUE           3\n"));
    assert_non_null(strstr(r.out, "CREATE_REVISION 2\n"));
    assert_non_null(strstr(r.out, "MOD_REVISION    7\n"));
    assert_non_null(strstr(r.out, "VERSION         3\n"));
    assert_non_null(strstr(r.out, "IN FILE         2 (0 deletes)\n"));
    run_free(&r);
    cli(&r, seq_db, "get", "/b", NULL);
    assert_int_equal(r.rc, 1);
    assert_error_lines(&r, "key '/b' is deleted in '");
    assert_non_null(strstr(r.err, "(at revision 6)"));
    run_free(&r);
    cli(&r, seq_db, "get", "/nope", NULL);
    assert_int_equal(r.rc, 1);
    assert_error_lines(&r, "key '/nope' not found in '");
    run_free(&r);
    cli(&r, seq_db, "get", "/gone", "--history", "--json", NULL);
    assert_int_equal(r.rc, 0);
    json_error_t je;
    json_t *o = json_loads(r.out, 0, &je);
    assert_non_null(o);
    json_t *revs = json_object_get(o, "revisions");
    assert_int_equal(json_array_size(revs), 3);
    assert_true(json_is_true(json_object_get(json_array_get(revs, 1), "deleted")));
    assert_string_equal(json_string_value(json_object_get(json_array_get(revs, 2), "value")),
                        "back");
    json_decref(o);
    run_free(&r);
    /* A deleted key's history is still shown. */
    cli(&r, seq_db, "get", "/b", "--history", NULL);
    assert_int_equal(r.rc, 0);
    assert_non_null(strstr(r.out, "REVISION"));
    assert_non_null(strstr(r.out, "delete"));
    run_free(&r);
}

static void test_count_and_top(void **state)
{
    (void)state;
    run r;
    cli(&r, seq_db, "count", "--json", NULL);
    assert_int_equal(r.rc, 0);
    json_error_t je;
    json_t *o = json_loads(r.out, 0, &je);
    assert_non_null(o);
    assert_int_equal(json_integer_value(json_object_get(o, "keys")), 70);
    assert_int_equal(json_integer_value(json_object_get(o, "deleted_keys")), 2);
    assert_int_equal(json_integer_value(json_object_get(o, "revisions")), 86);
    assert_int_equal(json_integer_value(json_object_get(o, "deletes")), 3);
    json_decref(o);
    run_free(&r);
    cli(&r, seq_db, "count", "/many/", NULL);
    assert_int_equal(r.rc, 0);
    assert_string_equal(r.out, "KEYS  DELETED  REVISIONS  DELETES  PREFIX\n"
                               "  60        0         60        0  /many/\n");
    run_free(&r);
    cli(&r, seq_db, "top", "--limit", "2", "--depth", "1", "--json", NULL);
    assert_int_equal(r.rc, 0);
    o = json_loads(r.out, 0, &je);
    assert_non_null(o);
    json_t *keys = json_object_get(o, "keys"), *pre = json_object_get(o, "prefixes");
    assert_int_equal(json_array_size(keys), 2);
    assert_string_equal(json_string_value(json_object_get(json_array_get(keys, 0), "key")), "/hot");
    assert_int_equal(json_integer_value(json_object_get(json_array_get(keys, 0), "revisions")), 10);
    assert_string_equal(json_string_value(json_object_get(json_array_get(keys, 1), "key")), "/gone");
    assert_string_equal(json_string_value(json_object_get(json_array_get(pre, 0), "prefix")),
                        "/many/");
    assert_int_equal(json_integer_value(json_object_get(json_array_get(pre, 0), "revisions")), 60);
    json_decref(o);
    run_free(&r);
}

static void test_stats(void **state)
{
    (void)state;
    run r;
    cli(&r, member_db, "stats", "--json", NULL);
    assert_int_equal(r.rc, 0);
    json_error_t je;
    json_t *o = json_loads(r.out, 0, &je);
    assert_non_null(o);
    assert_int_equal(json_integer_value(json_object_get(o, "revision")), 87);
    assert_int_equal(json_integer_value(json_object_get(o, "page_size")), 4096);
    assert_string_equal(json_string_value(json_object_get(o, "snapshot_hash")), "none");
    assert_int_equal(json_array_size(json_object_get(o, "buckets")), 10);
    json_decref(o);
    run_free(&r);
    cli(&r, seq_db, "stats", NULL);
    assert_int_equal(r.rc, 0);
    assert_non_null(strstr(r.out, "snapshot hash verified"));
    assert_non_null(strstr(r.out, "COMPACTED           5\n"));
    run_free(&r);
}

/* The dump holds exactly what etcdctl returned, key for key. */
static void check_dump(const char *text)
{
    json_error_t je;
    json_t *want = json_load_file(expected_json, 0, &je);
    assert_non_null(want);
    json_t *kvs = json_object_get(want, "kvs");
    const char *line = text;
    const char *nl = strchr(line, '\n');
    assert_non_null(nl);
    json_t *head = json_loadb(line, (size_t)(nl - line), 0, &je);
    assert_non_null(head);
    assert_int_equal(json_object_size(head), 4);
    assert_int_equal(json_integer_value(json_object_get(head, "breakglass_dump")), 1);
    assert_int_equal(json_integer_value(json_object_get(head, "revision")), 87);
    assert_int_equal(json_integer_value(json_object_get(head, "keys")), json_array_size(kvs));
    assert_non_null(strstr(json_string_value(json_object_get(head, "source")), ".db"));
    json_decref(head);
    size_t i = 0;
    for (line = nl + 1; *line; line = nl + 1, i++) {
        nl = strchr(line, '\n');
        assert_non_null(nl);
        json_t *o = json_loadb(line, (size_t)(nl - line), 0, &je);
        assert_non_null(o);
        assert_int_equal(json_object_size(o), 6);
        json_t *w = json_array_get(kvs, i);
        assert_non_null(w);
        assert_string_equal(json_string_value(json_object_get(o, "key_b64")),
                            json_string_value(json_object_get(w, "key")));
        /* etcdctl leaves out an empty value; the dump writes "". */
        json_t *wv = json_object_get(w, "value");
        assert_string_equal(json_string_value(json_object_get(o, "value_b64")),
                            wv ? json_string_value(wv) : "");
        const char *fields[] = {"create_revision", "mod_revision", "version", "lease"};
        for (int f = 0; f < 4; f++)
            assert_int_equal(json_integer_value(json_object_get(o, fields[f])),
                             json_integer_value(json_object_get(w, fields[f])));
        json_decref(o);
    }
    assert_int_equal(i, json_array_size(kvs));
    json_decref(want);
}

static void test_dump(void **state)
{
    (void)state;
    run r;
    cli(&r, seq_db, "dump", NULL);
    assert_int_equal(r.rc, 0);
    check_dump(r.out);
    run_free(&r);

    char path[512];
    snprintf(path, sizeof path, "%s/dump.jsonl", tmp_dir);
    cli(&r, member_db, "dump", "--output", path, NULL);
    assert_int_equal(r.rc, 0);
    assert_non_null(strstr(r.out, "dumped 70 keys at revision 87 to '"));
    run_free(&r);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    char *text = malloc((size_t)st.st_size + 1);
    assert_non_null(text);
    assert_int_equal(fread(text, 1, (size_t)st.st_size, f), (size_t)st.st_size);
    text[st.st_size] = '\0';
    fclose(f);
    check_dump(text);
    free(text);
    /* Never over an existing file. */
    cli(&r, seq_db, "dump", "--output", path, NULL);
    assert_int_equal(r.rc, 1);
    assert_error_lines(&r, "file exists");
    run_free(&r);
    struct stat st2;
    assert_int_equal(stat(path, &st2), 0);
    assert_int_equal(st2.st_size, st.st_size);
    unlink(path);
}

static void test_damaged_files(void **state)
{
    (void)state;
    char path[512];
    snprintf(path, sizeof path, "%s/bad.db", tmp_dir);
    /* Copy the snapshot with one flipped bit. */
    FILE *in = fopen(seq_db, "rb"), *out = fopen(path, "wb");
    assert_non_null(in);
    assert_non_null(out);
    int c;
    long i = 0;
    while ((c = fgetc(in)) != EOF)
        fputc(i++ == 20000 ? c ^ 1 : c, out);
    fclose(in);
    fclose(out);
    run r;
    cli(&r, path, "ls", NULL);
    assert_int_equal(r.rc, 1);
    assert_error_lines(&r, "snapshot hash mismatch");
    assert_non_null(strstr(r.err, "--no-verify"));
    assert_string_equal(r.out, "");
    run_free(&r);
    cli(&r, path, "count", "--no-verify", NULL);
    assert_int_equal(r.rc, 0);
    run_free(&r);
    cli(&r, expected_json, "stats", NULL);
    assert_int_equal(r.rc, 1);
    assert_error_lines(&r, "not a bbolt file (bad magic");
    run_free(&r);
    cli(&r, "/nonexistent/member/snap/db", "ls", NULL);
    assert_int_equal(r.rc, 1);
    assert_error_lines(&r, "cannot open '/nonexistent/member/snap/db': No such file");
    run_free(&r);
    /* Truncated copy. */
    assert_int_equal(truncate(path, 8 * 4096), 0);
    cli(&r, path, "stats", NULL);
    assert_int_equal(r.rc, 1);
    assert_error_lines(&r, "truncated file (page 8 is beyond the end of the file");
    run_free(&r);
    unlink(path);
}

static int setup(void **state)
{
    (void)state;
    const char *root = getenv("BG_ROOT");
    if (!root)
        root = ".";
    snprintf(seq_db, sizeof seq_db, "%s/tests/fixtures/offline/seq.db", root);
    snprintf(member_db, sizeof member_db, "%s/tests/fixtures/offline/member.db", root);
    snprintf(expected_json, sizeof expected_json, "%s/tests/fixtures/offline/expected-get.json",
             root);
    snprintf(tmp_dir, sizeof tmp_dir, "/tmp/bg-test-offline-cli.XXXXXX");
    return mkdtemp(tmp_dir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    rmdir(tmp_dir);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_preview),
        cmocka_unit_test(test_usage_errors),
        cmocka_unit_test(test_ls_keys_only),
        cmocka_unit_test(test_ls_table_is_escaped),
        cmocka_unit_test(test_ls_json),
        cmocka_unit_test(test_get),
        cmocka_unit_test(test_count_and_top),
        cmocka_unit_test(test_stats),
        cmocka_unit_test(test_dump),
        cmocka_unit_test(test_damaged_files),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
