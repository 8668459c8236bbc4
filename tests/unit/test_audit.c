/* Audit log: appending, reading back, the chain, file modes, HMAC, the
 * location rules, identity, show and the syslog summary. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "tui/audit/audit.h"
#include "tui/audit/audit_test.h"
#include "tests/unit/audit_tmpdir.h"



static int setup(void **state)
{
    (void)state;
    if (tmpdir_make("a") != 0)
        return -1;
    audit_test_io_reset();
    unsetenv("SUDO_USER");
    unsetenv("SSH_CONNECTION");
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    audit_test_io_reset();
    tmpdir_remove();
    return 0;
}

static char *path_in(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *path_in(const char *fmt, ...)
{
    static char buf[4][1024];
    static int i;
    char rel[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(rel, sizeof rel, fmt, ap);
    va_end(ap);
    char *b = buf[i++ % 4];
    snprintf(b, sizeof buf[0], "%s/%s", tmp, rel);
    return b;
}


static void spit(const char *path, const void *data, size_t len, mode_t mode)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, data, len), (ssize_t)len);
    assert_int_equal(fchmod(fd, mode), 0);
    close(fd);
}

static audit_log *open_log(const char *path, const char *keyfile)
{
    audit_options o = { .path = path, .hmac_key_path = keyfile };
    audit_log *log = NULL;
    char *notice = NULL;
    ec_err err;
    if (audit_open(&log, &o, &notice, &err) != 0)
        fail_msg("audit_open: %s", err.msg);
    assert_null(notice);
    return log;
}

static void append_action(audit_log *log, int i, audit_appended *out)
{
    json_t *f = json_pack("{s:s, s:s+}", "action", "test", "target", "/registry/pods/default/pod-",
                          i == 0 ? "0" : i == 1 ? "1" : i == 2 ? "2" : "n");
    ec_err err;
    if (audit_append(log, AUDIT_KIND_ACTION, 0, f, out, &err) != 0)
        fail_msg("audit_append: %s", err.msg);
    json_decref(f);
}

/* The parsed lines of a log file. */
static json_t **read_records(const char *path, size_t *n)
{
    size_t len;
    char *data = slurp(path, &len);
    json_t **recs = calloc(1024, sizeof *recs);
    *n = 0;
    char *p = data;
    while (p < data + len) {
        char *nl = memchr(p, '\n', (size_t)(data + len - p));
        assert_non_null(nl);
        json_error_t je;
        recs[*n] = json_loadb(p, (size_t)(nl - p), 0, &je);
        assert_non_null(recs[*n]);
        /* Each line is the canonical dump of the whole record. */
        char *again = json_dumps(recs[*n], JSON_COMPACT | JSON_SORT_KEYS);
        assert_int_equal(strlen(again), (size_t)(nl - p));
        assert_memory_equal(again, p, (size_t)(nl - p));
        free(again);
        (*n)++;
        p = nl + 1;
    }
    free(data);
    return recs;
}

static void free_records(json_t **recs, size_t n)
{
    for (size_t i = 0; i < n; i++)
        json_decref(recs[i]);
    free(recs);
}

static void test_append_read_verify(void **state)
{
    (void)state;
    const char *path = path_in("logs/sub/audit.log");
    audit_log *log = open_log(path, NULL);
    assert_string_equal(audit_log_path(log), path);
    audit_appended a[5];
    for (int i = 0; i < 5; i++)
        append_action(log, i, &a[i]);
    audit_close(log);

    size_t n;
    json_t **recs = read_records(path, &n);
    assert_int_equal(n, 5);
    const char *prev = "0000000000000000000000000000000000000000000000000000000000000000";
    for (size_t i = 0; i < n; i++) {
        json_t *r = recs[i];
        assert_int_equal(json_integer_value(json_object_get(r, "seq")), i + 1);
        assert_int_equal(a[i].seq, i + 1);
        assert_int_equal(json_integer_value(json_object_get(r, "v")), 1);
        assert_string_equal(json_string_value(json_object_get(r, "kind")), "action");
        assert_string_equal(json_string_value(json_object_get(r, "action")), "test");
        assert_string_equal(json_string_value(json_object_get(r, "prev_hash")), prev);
        assert_string_equal(json_string_value(json_object_get(r, "hash")), a[i].hash);
        assert_null(json_object_get(r, "hmac"));
        assert_null(json_object_get(r, "intent_seq"));
        char h[65];
        ec_err err;
        assert_int_equal(audit_record_hash(r, NULL, h, NULL, &err), 0);
        assert_string_equal(h, a[i].hash);
        /* time: UTC RFC 3339 with milliseconds, 2024-05-01T10:00:00.123Z */
        const char *t = json_string_value(json_object_get(r, "time"));
        assert_non_null(t);
        assert_int_equal(strlen(t), 24);
        assert_int_equal(t[4], '-');
        assert_int_equal(t[10], 'T');
        assert_int_equal(t[19], '.');
        assert_int_equal(t[23], 'Z');
        json_t *id = json_object_get(r, "identity");
        assert_true(json_is_object(id));
        assert_int_equal(json_integer_value(json_object_get(id, "uid")), getuid());
        assert_int_equal(json_integer_value(json_object_get(id, "pid")), getpid());
        const char *fields[] = { "user", "sudo_user", "login", "ssh_connection", "tty", "hostname" };
        for (size_t k = 0; k < sizeof fields / sizeof *fields; k++)
            assert_non_null(json_object_get(id, fields[k]));
        prev = a[i].hash;
    }
    free_records(recs, n);

    audit_verify_result res;
    assert_int_equal(audit_verify_file(path, NULL, &res), AUDIT_INTACT);
    assert_int_equal(res.records, 5);
    assert_int_equal(res.last_seq, 5);
    assert_string_equal(res.last_hash, a[4].hash);
    assert_int_equal(res.damage, AUDIT_DMG_NONE);
    char want[512];
    snprintf(want, sizeof want, "audit log '%s' is intact: 5 records, last seq 5, last hash %s", path,
             a[4].hash);
    assert_string_equal(res.msg, want);
}

static void test_reader_entries(void **state)
{
    (void)state;
    const char *path = path_in("audit.log");
    audit_log *log = open_log(path, NULL);
    for (int i = 0; i < 3; i++)
        append_action(log, i, NULL);
    audit_close(log);
    audit_reader *r;
    ec_err err;
    assert_int_equal(audit_reader_open(&r, path, &err), 0);
    const audit_entry *e;
    uint64_t off = 0;
    for (int i = 1; i <= 3; i++) {
        assert_int_equal(audit_reader_next(r, &e, &err), 1);
        assert_int_equal(e->lineno, i);
        assert_int_equal(e->offset, off);
        assert_true(e->complete);
        assert_false(e->too_long);
        assert_non_null(e->rec);
        assert_int_equal(json_integer_value(json_object_get(e->rec, "seq")), i);
        assert_int_equal(strlen(e->line), e->len);
        off += e->len + 1;
    }
    assert_int_equal(audit_reader_next(r, &e, &err), 0);
    /* Rewind starts over. */
    assert_int_equal(audit_reader_rewind(r, &err), 0);
    assert_int_equal(audit_reader_next(r, &e, &err), 1);
    assert_int_equal(e->lineno, 1);
    audit_reader_close(r);

    assert_int_equal(audit_reader_open(&r, path_in("missing.log"), &err), -1);
    assert_int_equal(err.code, EC_E_NOT_FOUND);
    char want[700];
    snprintf(want, sizeof want, "cannot open audit log '%s': No such file or directory", path_in("missing.log"));
    assert_string_equal(err.msg, want);
    audit_verify_result res;
    assert_int_equal(audit_verify_file(path_in("missing.log"), NULL, &res), AUDIT_UNREADABLE);
    assert_string_equal(res.msg, want);
    assert_int_equal(audit_verify_file(tmp, NULL, &res), AUDIT_UNREADABLE);
}

static void test_reader_garbage(void **state)
{
    (void)state;
    static const char data[] = "{\"a\":1}\n\nnot json\n[1,2]\n{\"a\":1,\"a\":2}\n\x1b]0;pwned\x07\n{\"x\":1}";
    audit_reader *r;
    ec_err err;
    assert_int_equal(audit_reader_open_mem(&r, data, sizeof data - 1, &err), 0);
    const audit_entry *e;
    assert_int_equal(audit_reader_next(r, &e, &err), 1);
    assert_non_null(e->rec);
    assert_int_equal(audit_reader_next(r, &e, &err), 1);
    assert_null(e->rec);
    assert_int_equal(e->len, 0);
    assert_string_equal(e->line, "");
    assert_int_equal(audit_reader_next(r, &e, &err), 1);
    assert_null(e->rec);
    assert_string_equal(e->error, "not JSON: '[' or '{' expected near 'not' at column 3");
    assert_int_equal(audit_reader_next(r, &e, &err), 1);
    assert_null(e->rec);
    assert_string_equal(e->error, "not a JSON object");
    assert_int_equal(audit_reader_next(r, &e, &err), 1);
    assert_null(e->rec);
    assert_string_equal(e->error, "not JSON: duplicate object key near '\"a\"' at column 10");
    /* The parser's message quotes the input: it comes out escaped. */
    assert_int_equal(audit_reader_next(r, &e, &err), 1);
    assert_null(e->rec);
    assert_string_equal(e->error, "not JSON: '[' or '{' expected near '\\e' at column 1");
    assert_int_equal(audit_reader_next(r, &e, &err), 1);
    assert_false(e->complete);
    assert_non_null(e->rec);
    assert_int_equal(e->lineno, 7);
    assert_int_equal(audit_reader_next(r, &e, &err), 0);
    audit_reader_close(r);
}

static void test_file_modes(void **state)
{
    (void)state;
    mode_t old = umask(0277);   /* a hostile umask must not change the modes */
    const char *path = path_in("a/b/audit.log");
    audit_log *log = open_log(path, NULL);
    umask(old);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0600);
    assert_int_equal(st.st_size, 0);
    assert_int_equal(stat(path_in("a/b"), &st), 0);
    assert_int_equal(st.st_mode & 07777, 0700);
    assert_int_equal(stat(path_in("a"), &st), 0);
    assert_int_equal(st.st_mode & 07777, 0700);
    append_action(log, 0, NULL);
    audit_close(log);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0600);
}

static void test_fsync_file_and_new_dir(void **state)
{
    (void)state;
    const char *path = path_in("audit.log");
    audit_log *log = open_log(path, NULL);
    /* The new file's directory was synced. */
    assert_int_equal(audit_test_io_calls(AUDIT_IO_FSYNC), 1);
    append_action(log, 0, NULL);
    assert_int_equal(audit_test_io_calls(AUDIT_IO_FSYNC), 2);
    assert_int_equal(audit_test_io_calls(AUDIT_IO_WRITE), 1);
    /* Removed behind our back: made again, file and directory synced. */
    assert_int_equal(unlink(path), 0);
    append_action(log, 1, NULL);
    assert_int_equal(audit_test_io_calls(AUDIT_IO_FSYNC), 4);
    audit_close(log);
    audit_verify_result res;
    assert_int_equal(audit_verify_file(path, NULL, &res), AUDIT_INTACT);
    assert_int_equal(res.records, 1);
}

static void test_group_readable_warning(void **state)
{
    (void)state;
    const char *path = path_in("audit.log");
    spit(path, "", 0, 0644);
    audit_options o = { .path = path };
    audit_log *log;
    char *notice = NULL;
    ec_err err;
    assert_int_equal(audit_open(&log, &o, &notice, &err), 0);
    assert_non_null(notice);
    char want[1200];
    snprintf(want, sizeof want, "audit log '%s' is readable or writable by group or others (mode 0644): "
             "it holds deleted values; run 'chmod 600 %s'", path, path);
    assert_string_equal(notice, want);
    free(notice);
    audit_close(log);
}

static const char key_text[] = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\n";

static void test_hmac(void **state)
{
    (void)state;
    const char *keyfile = path_in("hmac.key");
    spit(keyfile, key_text, sizeof key_text - 1, 0600);
    const char *path = path_in("audit.log");
    audit_log *log = open_log(path, keyfile);
    audit_appended a[3];
    for (int i = 0; i < 3; i++)
        append_action(log, i, &a[i]);
    audit_close(log);

    size_t n;
    json_t **recs = read_records(path, &n);
    assert_int_equal(n, 3);
    audit_key key;
    ec_err err;
    assert_int_equal(audit_key_load(&key, keyfile, &err), 0);
    assert_int_equal(key.len, 64);      /* the newline is not part of the key */
    for (size_t i = 0; i < n; i++) {
        char h[65], m[65];
        assert_int_equal(audit_record_hash(recs[i], &key, h, m, &err), 0);
        assert_string_equal(json_string_value(json_object_get(recs[i], "hmac")), m);
        assert_string_equal(h, a[i].hash);
    }
    free_records(recs, n);

    audit_verify_result res;
    assert_int_equal(audit_verify_file(path, &key, &res), AUDIT_INTACT);
    assert_int_equal(res.records, 3);
    assert_int_equal(res.with_hmac, 3);
    assert_true(res.hmac_checked);
    assert_non_null(strstr(res.msg, "; hmac verified"));
    /* Without the key the chain still verifies, the hmac is not checked. */
    assert_int_equal(audit_verify_file(path, NULL, &res), AUDIT_INTACT);
    assert_false(res.hmac_checked);
    assert_non_null(strstr(res.msg, "; hmac present but not checked (no key given)"));

    audit_key wrong;
    assert_int_equal(audit_key_set(&wrong, "0123456789abcdef0123456789abcdef", 32, &err), 0);
    assert_int_equal(audit_verify_file(path, &wrong, &res), AUDIT_DAMAGED);
    assert_int_equal(res.damage, AUDIT_DMG_HMAC);
    assert_int_equal(res.bad_line, 1);
    assert_int_equal(res.bad_seq, 1);
    assert_int_equal(res.records, 0);
    char want[700];
    snprintf(want, sizeof want, "audit log '%s' is damaged at line 1 (seq 1): bad-hmac: hmac does not match: "
             "record forged or altered without the key, or wrong key", path);
    assert_string_equal(res.msg, want);
    audit_key_free(&wrong);
    audit_key_free(&key);
}

static void test_hmac_key_rules(void **state)
{
    (void)state;
    const char *keyfile = path_in("hmac.key");
    spit(keyfile, key_text, sizeof key_text - 1, 0640);
    audit_options o = { .path = path_in("audit.log"), .hmac_key_path = keyfile };
    audit_log *log = NULL;
    ec_err err;
    assert_int_equal(audit_open(&log, &o, NULL, &err), -1);
    assert_null(log);
    assert_int_equal(err.code, EC_E_PERMISSION);
    char want[1200];
    snprintf(want, sizeof want, "audit hmac key file '%s' is open to group or others (mode 0640); "
             "run 'chmod 600 %s'", keyfile, keyfile);
    assert_string_equal(err.msg, want);
    /* The log was not even created: nothing is written without the key. */
    struct stat st;
    assert_int_equal(stat(o.path, &st), -1);

    spit(keyfile, "short\n", 6, 0600);
    assert_int_equal(audit_open(&log, &o, NULL, &err), -1);
    assert_int_equal(err.code, EC_E_INVALID);
    snprintf(want, sizeof want, "audit hmac key file '%s' must hold 16 to 4096 bytes; make one with "
             "'openssl rand -hex 32 > %s'", keyfile, keyfile);
    assert_string_equal(err.msg, want);

    o.hmac_key_path = path_in("nokey");
    assert_int_equal(audit_open(&log, &o, NULL, &err), -1);
    assert_int_equal(err.code, EC_E_NOT_FOUND);
}

static void test_identity_from_env(void **state)
{
    (void)state;
    setenv("SUDO_USER", "alice", 1);
    setenv("SSH_CONNECTION", "10.1.2.3 50022 10.0.0.1 22", 1);
    const char *path = path_in("audit.log");
    audit_log *log = open_log(path, NULL);
    append_action(log, 0, NULL);
    /* Bytes that are not UTF-8 are kept, escaped. */
    setenv("SUDO_USER", "bob\xff", 1);
    append_action(log, 1, NULL);
    audit_close(log);
    size_t n;
    json_t **recs = read_records(path, &n);
    json_t *id = json_object_get(recs[0], "identity");
    assert_string_equal(json_string_value(json_object_get(id, "sudo_user")), "alice");
    assert_string_equal(json_string_value(json_object_get(id, "ssh_connection")), "10.1.2.3 50022 10.0.0.1 22");
    id = json_object_get(recs[1], "identity");
    assert_string_equal(json_string_value(json_object_get(id, "sudo_user")), "bob\\xff");
    free_records(recs, n);
}

static void test_append_rejects_bad_fields(void **state)
{
    (void)state;
    audit_log *log = open_log(path_in("audit.log"), NULL);
    ec_err err;
    for (const char *const *k = audit_reserved_keys; *k; k++) {
        json_t *f = json_pack("{s:s, s:i}", "action", "x", *k, 1);
        assert_int_equal(audit_append(log, AUDIT_KIND_ACTION, 0, f, NULL, &err), -1);
        assert_int_equal(err.code, EC_E_INVALID);
        char want[200];
        snprintf(want, sizeof want, "audit record fields hold the reserved key '%s'", *k);
        assert_string_equal(err.msg, want);
        json_decref(f);
    }
    json_t *f = json_pack("{s:s, s:{s:[f]}}", "action", "x", "plan", "rate", 1.5);
    assert_int_equal(audit_append(log, AUDIT_KIND_ACTION, 0, f, NULL, &err), -1);
    assert_string_equal(err.msg, "audit record fields holds a real number (only integers keep the hashed form exact)");
    json_decref(f);
    f = json_pack("{s:s#}", "action", "a\0b", (size_t)3);
    assert_int_equal(audit_append(log, AUDIT_KIND_ACTION, 0, f, NULL, &err), -1);
    assert_string_equal(err.msg, "audit record fields holds a string with a NUL byte");
    json_decref(f);

    f = json_pack("{s:s}", "action", "x");
    assert_int_equal(audit_append(log, AUDIT_KIND_RESULT, 0, f, NULL, &err), -1);
    assert_int_equal(err.code, EC_E_INVALID);
    assert_int_equal(audit_append(log, AUDIT_KIND_INTENT, 3, f, NULL, &err), -1);
    /* A result must refer to a record that exists. */
    assert_int_equal(audit_append(log, AUDIT_KIND_RESULT, 1, f, NULL, &err), -1);
    assert_string_equal(err.msg, "audit_append: intent seq 1 is not in the log (last seq 0)");
    audit_appended a;
    assert_int_equal(audit_append(log, AUDIT_KIND_INTENT, 0, f, &a, &err), 0);
    assert_int_equal(audit_append(log, AUDIT_KIND_RESULT, a.seq, f, &a, &err), 0);
    assert_int_equal(a.seq, 2);
    /* The caller's object is left as it was. */
    assert_int_equal(json_object_size(f), 1);
    json_decref(f);
    audit_close(log);
    audit_verify_result res;
    assert_int_equal(audit_verify_file(path_in("audit.log"), NULL, &res), AUDIT_INTACT);
    assert_int_equal(res.records, 2);
}

static void test_location_fallback(void **state)
{
    (void)state;
    /* A default place nobody can use, as a user who is not root. */
    spit(path_in("file"), "x", 1, 0600);
    char *bad_default = strdup(path_in("file/breakglass/audit.log"));
    audit_test_set_default(bad_default, 0);
    setenv("XDG_STATE_HOME", path_in("state"), 1);
    audit_options o = { 0 };
    audit_log *log;
    char *notice = NULL;
    ec_err err;
    assert_int_equal(audit_open(&log, &o, &notice, &err), 0);
    const char *want_path = path_in("state/breakglass/audit.log");
    assert_string_equal(audit_log_path(log), want_path);
    assert_non_null(notice);
    char want[2000];
    snprintf(want, sizeof want, "audit log not at the default place (cannot create directory '%s' for the "
             "audit log: Not a directory): recording to '%s' instead", path_in("file/breakglass"), want_path);
    assert_string_equal(notice, want);
    free(notice);
    struct stat st;
    assert_int_equal(stat(path_in("state/breakglass"), &st), 0);
    assert_int_equal(st.st_mode & 07777, 0700);
    assert_int_equal(stat(want_path, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0600);
    audit_close(log);

    /* Relative XDG_STATE_HOME is ignored: HOME/.local/state. */
    setenv("XDG_STATE_HOME", "relative", 1);
    char *home = getenv("HOME") ? strdup(getenv("HOME")) : NULL;
    setenv("HOME", path_in("home"), 1);
    assert_int_equal(audit_open(&log, &o, &notice, &err), 0);
    assert_string_equal(audit_log_path(log), path_in("home/.local/state/breakglass/audit.log"));
    free(notice);
    audit_close(log);
    if (home)
        setenv("HOME", home, 1);
    free(home);
    unsetenv("XDG_STATE_HOME");

    /* As root there is no fallback: the error stands. */
    audit_test_set_default(bad_default, 1);
    assert_int_equal(audit_open(&log, &o, &notice, &err), -1);
    assert_null(notice);
    snprintf(want, sizeof want, "cannot create directory '%s' for the audit log: Not a directory",
             path_in("file/breakglass"));
    assert_string_equal(err.msg, want);
    /* Nor with an explicit path. */
    audit_test_set_default(NULL, 0);
    o.path = bad_default;
    assert_int_equal(audit_open(&log, &o, &notice, &err), -1);
    assert_string_equal(err.msg, want);
    free(bad_default);
}

static void test_show_text(void **state)
{
    (void)state;
    static const char data[] =
        "{\"action\":\"delete-prefix\",\"cluster_id\":\"cdf818194e3a8c32\",\"endpoint\":\"https://10.0.0.1:2379\","
        "\"hash\":\"1111111111111111111111111111111111111111111111111111111111111111\","
        "\"identity\":{\"hostname\":\"master-1\",\"login\":\"alice\",\"pid\":4242,\"ssh_connection\":"
        "\"10.9.8.7 50022 10.0.0.1 22\",\"sudo_user\":\"alice\",\"tty\":\"/dev/pts/3\",\"uid\":0,\"user\":\"root\"},"
        "\"kind\":\"intent\",\"member\":\"m1\",\"plan\":{\"bytes\":300,\"count\":2,\"keys\":[],\"revision\":1234},"
        "\"preimages\":[],\"prev_hash\":\"0000000000000000000000000000000000000000000000000000000000000000\","
        "\"seq\":1,\"target\":\"/registry/\\u001b]0;pwned\\u0007\",\"time\":\"2024-05-01T10:00:00.123Z\",\"v\":1}\n"
        "garbage\n"
        "{\"action\":\"delete-prefix\",\"identity\":{\"hostname\":\"master-1\",\"pid\":4242,\"ssh_connection\":null,"
        "\"sudo_user\":null,\"tty\":null,\"uid\":0,\"user\":\"root\"},\"intent_seq\":1,\"kind\":\"result\","
        "\"result\":{\"deleted\":1,\"error\":\"context deadline\\nexceeded\",\"revision\":1240,\"skipped\":[{\"key_b64\":\"YQ==\"}]},"
        "\"seq\":2,\"target\":\"/registry/x\",\"time\":\"2024-05-01T10:00:01.456Z\",\"v\":1}\n";
    audit_reader *r;
    ec_err err;
    assert_int_equal(audit_reader_open_mem(&r, data, sizeof data - 1, &err), 0);
    char *out = NULL;
    size_t outlen = 0;
    FILE *f = open_memstream(&out, &outlen);
    audit_show_opts o = { .format = AUDIT_FMT_TEXT };
    assert_int_equal(audit_show(r, &o, f, &err), 2);
    fclose(f);
    assert_string_equal(out,
        "#1  2024-05-01T10:00:00.123Z  intent  delete-prefix\n"
        "    by root@master-1 (sudo from alice) via ssh from 10.9.8.7 port 50022, tty /dev/pts/3, pid 4242\n"
        "    cluster cdf818194e3a8c32  member m1  endpoint https://10.0.0.1:2379\n"
        "    target '/registry/\\e]0;pwned\\x07'  plan at revision 1234: 2 keys, 300 bytes\n"
        "line 2: not a record: not JSON: '[' or '{' expected near 'garbage' at column 7\n"
        "#2  2024-05-01T10:00:01.456Z  result  delete-prefix  (result of #1)\n"
        "    by root@master-1 locally, pid 4242\n"
        "    target '/registry/x'\n"
        "    result: revision 1240, deleted 1, skipped 1, error: context deadline\\nexceeded\n");
    free(out);

    /* Range: only seq 2, and no note about lines that are not records. */
    f = open_memstream(&out, &outlen);
    o.from_seq = 2;
    assert_int_equal(audit_show(r, &o, f, &err), 1);
    fclose(f);
    assert_true(strncmp(out, "#2  ", 4) == 0);
    assert_null(strstr(out, "line 2"));
    free(out);

    /* JSON array: the records, parseable, ASCII only. */
    f = open_memstream(&out, &outlen);
    o.from_seq = 0;
    o.format = AUDIT_FMT_JSON;
    assert_int_equal(audit_show(r, &o, f, &err), 2);
    fclose(f);
    for (size_t i = 0; i < outlen; i++)
        assert_true((unsigned char)out[i] < 0x80 && (out[i] >= 0x20 || out[i] == '\n'));
    json_error_t je;
    json_t *arr = json_loads(out, 0, &je);
    assert_true(json_is_array(arr));
    assert_int_equal(json_array_size(arr), 2);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(arr, 1), "seq")), 2);
    assert_string_equal(json_string_value(json_object_get(json_array_get(arr, 0), "target")), "/registry/\x1b]0;pwned\x07");
    json_decref(arr);
    free(out);

    /* JSON lines, range 1..1. */
    f = open_memstream(&out, &outlen);
    o.format = AUDIT_FMT_JSONL;
    o.to_seq = 1;
    assert_int_equal(audit_show(r, &o, f, &err), 1);
    fclose(f);
    assert_int_equal(out[outlen - 1], '\n');
    assert_null(memchr(out, '\n', outlen - 1));
    free(out);

    /* Empty selection as JSON is an empty array. */
    f = open_memstream(&out, &outlen);
    o.format = AUDIT_FMT_JSON;
    o.from_seq = 7;
    o.to_seq = 9;
    assert_int_equal(audit_show(r, &o, f, &err), 0);
    fclose(f);
    assert_string_equal(out, "[]\n");
    free(out);
    audit_reader_close(r);
}

static void test_summary_line(void **state)
{
    (void)state;
    json_t *rec = json_pack(
        "{s:i, s:s, s:s, s:s, s:{s:s, s:s, s:s}, s:{s:i, s:i}, s:s}",
        "seq", 7, "kind", "intent", "action", "delete-prefix", "target", "/registry/\x1b[2J",
        "identity", "user", "root", "sudo_user", "al\x07ice", "ssh_connection", "10.9.8.7 50022 10.0.0.1 22",
        "plan", "count", 3, "revision", 99,
        "hash", "abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789");
    char *line = audit_summary_line(rec);
    assert_string_equal(line, "audit seq=7 kind=intent action=delete-prefix target='/registry/\\e[2J' keys=3 "
                        "user=root sudo_user=al\\x07ice from=10.9.8.7 hash=abcdef0123456789");
    free(line);
    json_decref(rec);
    rec = json_pack("{s:i, s:s, s:i, s:s, s:{s:i, s:[s], s:s}}", "seq", 8, "kind", "result", "intent_seq", 7,
                    "action", "delete-prefix", "result", "deleted", 2, "skipped", "x", "error", "boom");
    line = audit_summary_line(rec);
    assert_string_equal(line, "audit seq=8 kind=result intent_seq=7 action=delete-prefix target='-' deleted=2 "
                        "skipped=1 error='boom' user=-");
    free(line);
    json_decref(rec);
}

static void test_syslog_on(void **state)
{
    (void)state;
    /* Only that it does not disturb the append; the text is tested above. */
    audit_options o = { .path = path_in("audit.log"), .syslog = 1 };
    audit_log *log;
    ec_err err;
    assert_int_equal(audit_open(&log, &o, NULL, &err), 0);
    append_action(log, 0, NULL);
    audit_close(log);
    audit_verify_result res;
    assert_int_equal(audit_verify_file(o.path, NULL, &res), AUDIT_INTACT);
    assert_int_equal(res.records, 1);
}

static void test_read_from_pipe(void **state)
{
    (void)state;
    const char *path = path_in("audit.log");
    audit_log *log = open_log(path, NULL);
    for (int i = 0; i < 3; i++)
        append_action(log, i, NULL);
    audit_close(log);
    size_t len;
    char *data = slurp(path, &len);
    const char *fifo = path_in("fifo");
    assert_int_equal(mkfifo(fifo, 0600), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        alarm(10);
        int fd = open(fifo, O_WRONLY);
        int ok = fd >= 0 && write(fd, data, len) == (ssize_t)len;
        free(data);     /* valgrind checks the child too */
        _exit(ok ? 0 : 1);
    }
    audit_verify_result res;
    assert_int_equal(audit_verify_file(fifo, NULL, &res), AUDIT_INTACT);
    assert_int_equal(res.records, 3);
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    free(data);
}

#define THREADS 4
#define PER_THREAD 50

static void *thread_appender(void *arg)
{
    audit_log *log = arg;
    for (int i = 0; i < PER_THREAD; i++) {
        json_t *f = json_pack("{s:s}", "action", "thread");
        ec_err err;
        int rc = audit_append(log, AUDIT_KIND_ACTION, 0, f, NULL, &err);
        json_decref(f);
        if (rc != 0)
            return (void *)1;
    }
    return NULL;
}

static void test_threads_share_a_log(void **state)
{
    (void)state;
    const char *path = path_in("audit.log");
    audit_log *log = open_log(path, NULL);
    pthread_t th[THREADS];
    for (int i = 0; i < THREADS; i++)
        assert_int_equal(pthread_create(&th[i], NULL, thread_appender, log), 0);
    for (int i = 0; i < THREADS; i++) {
        void *ret;
        assert_int_equal(pthread_join(th[i], &ret), 0);
        assert_null(ret);
    }
    audit_close(log);
    audit_verify_result res;
    assert_int_equal(audit_verify_file(path, NULL, &res), AUDIT_INTACT);
    assert_int_equal(res.records, THREADS * PER_THREAD);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_append_read_verify, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reader_entries, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reader_garbage, setup, teardown),
        cmocka_unit_test_setup_teardown(test_file_modes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fsync_file_and_new_dir, setup, teardown),
        cmocka_unit_test_setup_teardown(test_group_readable_warning, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hmac, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hmac_key_rules, setup, teardown),
        cmocka_unit_test_setup_teardown(test_identity_from_env, setup, teardown),
        cmocka_unit_test_setup_teardown(test_append_rejects_bad_fields, setup, teardown),
        cmocka_unit_test_setup_teardown(test_location_fallback, setup, teardown),
        cmocka_unit_test_setup_teardown(test_show_text, setup, teardown),
        cmocka_unit_test_setup_teardown(test_summary_line, setup, teardown),
        cmocka_unit_test_setup_teardown(test_syslog_on, setup, teardown),
        cmocka_unit_test_setup_teardown(test_read_from_pipe, setup, teardown),
        cmocka_unit_test_setup_teardown(test_threads_share_a_log, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
