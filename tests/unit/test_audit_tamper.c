/* Audit log: every kind of tampering is found, and verify names the first
 * bad record (line and seq) and the kind of damage. */
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
#include <openssl/sha.h>

#include "tui/audit/audit.h"
#include "tui/audit/audit_test.h"
#include "tests/unit/audit_tmpdir.h"

#define NREC 5

static char keypath[600];
static char *lines[NREC + 2];   /* the log's lines, without '\n' */
static char hashes[NREC][65];

static const char key_bytes[] = "k3y-f0r-the-audit-hmac-32-bytes!";



/* Writes a log of NREC records (with an hmac when `hmac`) and loads its lines. */
static void make_log(int hmac)
{
    assert_int_equal(tmpdir_make("t"), 0);
    snprintf(keypath, sizeof keypath, "%s/key", tmp);
    int fd = open(keypath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, key_bytes, sizeof key_bytes - 1), (ssize_t)(sizeof key_bytes - 1));
    close(fd);
    audit_options o = { .path = logpath, .hmac_key_path = hmac ? keypath : NULL };
    audit_log *log;
    ec_err err;
    assert_int_equal(audit_open(&log, &o, NULL, &err), 0);
    for (int i = 0; i < NREC; i++) {
        char target[64];
        snprintf(target, sizeof target, "/registry/pods/default/pod-%d", i + 1);
        json_t *f = json_pack("{s:s, s:s}", "action", "delete-key", "target", target);
        audit_appended a;
        assert_int_equal(audit_append(log, AUDIT_KIND_ACTION, 0, f, &a, &err), 0);
        memcpy(hashes[i], a.hash, 65);
        json_decref(f);
    }
    audit_close(log);
    size_t len;
    char *data = slurp(logpath, &len);
    char *p = data;
    for (int i = 0; i < NREC; i++) {
        char *nl = strchr(p, '\n');
        assert_non_null(nl);
        lines[i] = strndup(p, (size_t)(nl - p));
        p = nl + 1;
    }
    lines[NREC] = lines[NREC + 1] = NULL;
    free(data);
}

static int setup_plain(void **state)
{
    (void)state;
    audit_test_io_reset();
    make_log(0);
    return 0;
}

static int setup_hmac(void **state)
{
    (void)state;
    audit_test_io_reset();
    make_log(1);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    for (int i = 0; i < NREC + 2; i++) {
        free(lines[i]);
        lines[i] = NULL;
    }
    tmpdir_remove();
    return 0;
}

/* Writes the given lines back, each with '\n', and a tail without one. */
static void write_lines(char *const *ls, size_t n, const char *tail)
{
    FILE *f = fopen(logpath, "wb");
    assert_non_null(f);
    for (size_t i = 0; i < n; i++)
        if (ls[i])
            fprintf(f, "%s\n", ls[i]);
    if (tail)
        fputs(tail, f);
    fclose(f);
}

static audit_status verify(const audit_key *key, audit_verify_result *res)
{
    return audit_verify_file(logpath, key, res);
}

static void expect_damage(const audit_key *key, audit_damage d, uint64_t line, uint64_t seq, const char *what)
{
    audit_verify_result res;
    assert_int_equal(verify(key, &res), AUDIT_DAMAGED);
    assert_string_equal(audit_damage_name(res.damage), audit_damage_name(d));
    assert_int_equal(res.bad_line, line);
    assert_int_equal(res.bad_seq, seq);
    assert_int_equal(res.records, line - 1);
    char seqtxt[32] = "seq unknown";
    if (seq)
        snprintf(seqtxt, sizeof seqtxt, "seq %llu", (unsigned long long)seq);
    char want[1024];
    snprintf(want, sizeof want, "audit log '%s' is damaged at line %llu (%s): %s: %s", logpath,
             (unsigned long long)line, seqtxt, audit_damage_name(d), what);
    assert_string_equal(res.msg, want);
}

/* A forged record: line i's record with seq/prev_hash replaced and the hash
 * recomputed, i.e. self-consistent (hmac: with the given key, or none). */
static char *forge(int from, long long seq, const char *prev_hash, const audit_key *key)
{
    json_error_t je;
    json_t *r = json_loads(lines[from], 0, &je);
    assert_non_null(r);
    json_object_set_new(r, "seq", json_integer(seq));
    json_object_set_new(r, "prev_hash", json_string(prev_hash));
    json_object_set_new(r, "target", json_string("/registry/secrets/kube-system/forged"));
    json_object_del(r, "hmac");
    char h[65], m[65];
    ec_err err;
    assert_int_equal(audit_record_hash(r, key, h, m, &err), 0);
    json_object_set_new(r, "hash", json_string(h));
    if (key)
        json_object_set_new(r, "hmac", json_string(m));
    char *s = json_dumps(r, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(r);
    return s;
}

static void test_intact_baseline(void **state)
{
    (void)state;
    write_lines(lines, NREC, NULL);
    audit_verify_result res;
    assert_int_equal(verify(NULL, &res), AUDIT_INTACT);
    assert_int_equal(res.records, NREC);
    assert_string_equal(res.last_hash, hashes[NREC - 1]);
}

static void test_edit_value_byte(void **state)
{
    (void)state;
    /* pod-3 -> pod-8 in the third record: still valid JSON. */
    char *p = strstr(lines[2], "pod-3");
    assert_non_null(p);
    p[4] = '8';
    write_lines(lines, NREC, NULL);
    expect_damage(NULL, AUDIT_DMG_EDITED, 3, 3, "record edited: its content does not match its hash");
}

static void test_edit_identity(void **state)
{
    (void)state;
    /* Nested fields are covered too: change the pid of record 2. */
    json_error_t je;
    json_t *r = json_loads(lines[1], 0, &je);
    json_object_set_new(json_object_get(r, "identity"), "pid", json_integer(1));
    free(lines[1]);
    lines[1] = json_dumps(r, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(r);
    write_lines(lines, NREC, NULL);
    expect_damage(NULL, AUDIT_DMG_EDITED, 2, 2, "record edited: its content does not match its hash");
}

static void test_delete_line(void **state)
{
    (void)state;
    free(lines[2]);
    lines[2] = NULL;
    write_lines(lines, NREC, NULL);
    expect_damage(NULL, AUDIT_DMG_REMOVED, 3, 4, "record removed: seq 4 follows seq 2, seq 3 is missing");
}

static void test_delete_two_lines(void **state)
{
    (void)state;
    free(lines[1]);
    free(lines[2]);
    lines[1] = lines[2] = NULL;
    write_lines(lines, NREC, NULL);
    expect_damage(NULL, AUDIT_DMG_REMOVED, 2, 4, "records removed: seq 4 follows seq 1, seq 2 to 3 are missing");
}

static void test_delete_first_line(void **state)
{
    (void)state;
    free(lines[0]);
    lines[0] = NULL;
    write_lines(lines, NREC, NULL);
    expect_damage(NULL, AUDIT_DMG_REMOVED, 1, 2,
                  "record removed at the start: the first record has seq 2, seq 1 is missing");
}

static void test_swap_lines(void **state)
{
    (void)state;
    char *t = lines[1];
    lines[1] = lines[2];
    lines[2] = t;
    write_lines(lines, NREC, NULL);
    expect_damage(NULL, AUDIT_DMG_REORDERED, 2, 3,
                  "records out of order: seq 3 where seq 2 was expected; seq 2 is at line 3");
}

static void test_duplicate_line(void **state)
{
    (void)state;
    lines[NREC] = strdup(lines[1]);
    write_lines(lines, NREC + 1, NULL);
    expect_damage(NULL, AUDIT_DMG_REORDERED, 6, 2,
                  "records out of order: seq 2 comes after seq 5 (moved or repeated)");
}

static void test_forged_wrong_prev_hash(void **state)
{
    (void)state;
    /* Self-consistent (its own hash is right) but chained to record 3. */
    lines[NREC] = forge(4, NREC + 1, hashes[2], NULL);
    write_lines(lines, NREC + 1, NULL);
    char what[200];
    snprintf(what, sizeof what, "out of chain: prev_hash %.12s... is not the hash %.12s... of seq 5", hashes[2],
             hashes[4]);
    expect_damage(NULL, AUDIT_DMG_CHAIN, 6, 6, what);
}

static void test_forged_first_record(void **state)
{
    (void)state;
    free(lines[0]);
    lines[0] = forge(1, 1, hashes[3], NULL);
    write_lines(lines, 1, NULL);
    char what[200];
    snprintf(what, sizeof what, "out of chain: the first record's prev_hash is %.12s..., not zero", hashes[3]);
    expect_damage(NULL, AUDIT_DMG_CHAIN, 1, 1, what);
}

static void test_forged_without_hmac_key(void **state)
{
    (void)state;
    audit_key key, wrong;
    ec_err err;
    assert_int_equal(audit_key_load(&key, keypath, &err), 0);
    assert_int_equal(audit_key_set(&wrong, "not-the-key-0123456789", 22, &err), 0);
    /* Correct seq, prev_hash and hash: only the HMAC can tell. */
    lines[NREC] = forge(4, NREC + 1, hashes[NREC - 1], &wrong);
    write_lines(lines, NREC + 1, NULL);
    expect_damage(&key, AUDIT_DMG_HMAC, 6, 6,
                  "hmac does not match: record forged or altered without the key, or wrong key");
    /* Without the key, verify cannot see it (documented). */
    audit_verify_result res;
    assert_int_equal(verify(NULL, &res), AUDIT_INTACT);
    assert_int_equal(res.records, 6);
    /* A forger who leaves the hmac out is caught the same way. */
    free(lines[NREC]);
    lines[NREC] = forge(4, NREC + 1, hashes[NREC - 1], NULL);
    write_lines(lines, NREC + 1, NULL);
    expect_damage(&key, AUDIT_DMG_HMAC, 6, 6,
                  "record has no hmac although a key was given: forged or written without the key");
    audit_key_free(&key);
    audit_key_free(&wrong);
}

static void test_hmac_stripped_everywhere(void **state)
{
    (void)state;
    /* The hmac is outside the hash: stripping all of them keeps the chain,
     * so with a key a missing hmac is damage, not an older format. */
    for (int i = 0; i < NREC; i++) {
        json_error_t je;
        json_t *r = json_loads(lines[i], 0, &je);
        json_object_del(r, "hmac");
        free(lines[i]);
        lines[i] = json_dumps(r, JSON_COMPACT | JSON_SORT_KEYS);
        json_decref(r);
    }
    write_lines(lines, NREC, NULL);
    audit_key key;
    ec_err err;
    assert_int_equal(audit_key_load(&key, keypath, &err), 0);
    expect_damage(&key, AUDIT_DMG_HMAC, 1, 1,
                  "record has no hmac although a key was given: forged or written without the key");
    audit_key_free(&key);
}

static void test_edited_with_hmac(void **state)
{
    (void)state;
    /* An editor who recomputes the hash but has no key. */
    audit_key key;
    ec_err err;
    assert_int_equal(audit_key_load(&key, keypath, &err), 0);
    char *forged = forge(2, 3, hashes[1], NULL);
    free(lines[2]);
    lines[2] = forged;
    write_lines(lines, NREC, NULL);
    expect_damage(&key, AUDIT_DMG_HMAC, 3, 3,
                  "record has no hmac although a key was given: forged or written without the key");
    /* Without the key the recomputed hash no longer chains to record 4. */
    char what[200];
    json_error_t je;
    json_t *r = json_loads(forged, 0, &je);
    snprintf(what, sizeof what, "out of chain: prev_hash %.12s... is not the hash %.12s... of seq 3", hashes[2],
             json_string_value(json_object_get(r, "hash")));
    json_decref(r);
    expect_damage(NULL, AUDIT_DMG_CHAIN, 4, 4, what);
    audit_key_free(&key);
}

static void test_truncate_mid_line(void **state)
{
    (void)state;
    size_t len = strlen(lines[NREC - 1]);
    lines[NREC - 1][len / 2] = '\0';
    char *tail = lines[NREC - 1];
    write_lines(lines, NREC - 1, tail);
    expect_damage(NULL, AUDIT_DMG_TRUNCATED, 5, 0,
                  "the last record is incomplete (no newline at the end): the log was cut short");
}

static void test_truncate_newline_only(void **state)
{
    (void)state;
    write_lines(lines, NREC - 1, lines[NREC - 1]);
    expect_damage(NULL, AUDIT_DMG_TRUNCATED, 5, 5,
                  "the last record is incomplete (no newline at the end): the log was cut short");
}

static void test_garbage_line(void **state)
{
    (void)state;
    free(lines[3]);
    lines[3] = strdup("{\"seq\":4,");
    write_lines(lines, NREC, NULL);
    expect_damage(NULL, AUDIT_DMG_UNPARSABLE, 4, 0, "not JSON: string or '}' expected near end of file at column 9");
}

static void test_malformed_hash(void **state)
{
    (void)state;
    json_error_t je;
    json_t *r = json_loads(lines[1], 0, &je);
    json_object_set_new(r, "hash", json_string("XYZ"));
    free(lines[1]);
    lines[1] = json_dumps(r, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(r);
    write_lines(lines, NREC, NULL);
    expect_damage(NULL, AUDIT_DMG_MALFORMED, 2, 2, "record has no 'hash' of 64 hex digits");
}

static void test_whole_file_replaced(void **state)
{
    (void)state;
    /* A new self-consistent chain from scratch: invisible without HMAC
     * (documented), caught with it. */
    const char *zero = "0000000000000000000000000000000000000000000000000000000000000000";
    char *one = forge(0, 1, zero, NULL);
    free(lines[0]);
    lines[0] = one;
    write_lines(lines, 1, NULL);
    audit_verify_result res;
    assert_int_equal(verify(NULL, &res), AUDIT_INTACT);
    assert_int_equal(res.records, 1);
    audit_key key;
    ec_err err;
    assert_int_equal(audit_key_load(&key, keypath, &err), 0);
    expect_damage(&key, AUDIT_DMG_HMAC, 1, 1,
                  "record has no hmac although a key was given: forged or written without the key");
    audit_key_free(&key);
}

static void test_empty_and_tail_only(void **state)
{
    (void)state;
    write_lines(lines, 0, NULL);
    audit_verify_result res;
    assert_int_equal(verify(NULL, &res), AUDIT_INTACT);
    assert_int_equal(res.records, 0);
    assert_string_equal(res.last_hash, "0000000000000000000000000000000000000000000000000000000000000000");
    write_lines(lines, 0, "x");
    expect_damage(NULL, AUDIT_DMG_TRUNCATED, 1, 0,
                  "the last record is incomplete (no newline at the end): the log was cut short");
}

/* The bytes after the last newline, exactly, and where they started. */
static void expect_side(const char *side, const char *bytes)
{
    size_t n;
    char *got = slurp(side, &n);
    assert_int_equal(n, strlen(bytes));
    assert_memory_equal(got, bytes, n);
    free(got);
    struct stat st;
    assert_int_equal(stat(side, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
}

static void test_append_sets_cut_record_aside(void **state)
{
    (void)state;
    /* A writer killed mid-record left a line without its newline. It never
     * reached its fsync, so it never acted: the next append moves the bytes
     * to a file of their own, records that in the chain, then appends. */
    static const char cut[] = "{\"seq\":5,\"v\"";
    write_lines(lines, NREC - 1, cut);
    off_t at = 0;
    for (int i = 0; i < NREC - 1; i++)
        at += (off_t)strlen(lines[i]) + 1;
    audit_options o = { .path = logpath };
    audit_log *log;
    ec_err err;
    char *notice = NULL;
    assert_int_equal(audit_open(&log, &o, &notice, &err), 0);
    assert_non_null(notice);
    assert_non_null(strstr(notice, "ends in a line cut mid-record (a writer was killed): the next change moves it "
                                   "to '"));
    free(notice);
    json_t *f = json_pack("{s:s}", "action", "x");
    audit_appended a;
    assert_int_equal(audit_append(log, AUDIT_KIND_ACTION, 0, f, &a, &err), 0);
    assert_int_equal(a.seq, NREC + 1);
    audit_verify_result res;
    assert_int_equal(verify(NULL, &res), AUDIT_INTACT);
    assert_int_equal(res.records, NREC + 1);
    char side[700];
    snprintf(side, sizeof side, "%s.torn-%lld", logpath, (long long)at);
    expect_side(side, cut);

    /* The record of it: where, how much, its SHA-256 and the file. */
    audit_reader *r;
    assert_int_equal(audit_reader_open(&r, logpath, &err), 0);
    const audit_entry *e = NULL;
    for (int i = 0; i < NREC; i++)
        assert_int_equal(audit_reader_next(r, &e, &err), 1);
    assert_string_equal(json_string_value(json_object_get(e->rec, "action")), "set-aside-cut-record");
    json_t *c = json_object_get(e->rec, "cut");
    assert_int_equal(json_integer_value(json_object_get(c, "offset")), at);
    assert_int_equal(json_integer_value(json_object_get(c, "bytes")), strlen(cut));
    unsigned char md[SHA256_DIGEST_LENGTH];
    SHA256((const unsigned char *)cut, strlen(cut), md);
    char hex[65];
    for (int i = 0; i < SHA256_DIGEST_LENGTH; i++)
        snprintf(hex + 2 * i, 3, "%02x", md[i]);
    assert_string_equal(json_string_value(json_object_get(c, "sha256")), hex);
    assert_string_equal(json_string_value(json_object_get(c, "saved_to")), side);
    audit_reader_close(r);

    /* Cut again at the same place: a second file, the first one kept. */
    write_lines(lines, NREC - 1, "x");
    assert_int_equal(audit_append(log, AUDIT_KIND_ACTION, 0, f, &a, &err), 0);
    assert_int_equal(verify(NULL, &res), AUDIT_INTACT);
    char side2[720];
    snprintf(side2, sizeof side2, "%s-2", side);
    expect_side(side2, "x");
    expect_side(side, cut);

    /* A whole line that is no record is damage, not a cut: refused. */
    write_lines(lines, NREC - 1, "not json\n");
    assert_int_equal(audit_append(log, AUDIT_KIND_ACTION, 0, f, NULL, &err), -1);
    assert_int_equal(err.code, EC_E_CORRUPT);
    assert_non_null(strstr(err.msg, "its last record is not a valid record;"));
    json_decref(f);
    audit_close(log);
}

#define T(fn, set) cmocka_unit_test_setup_teardown(fn, set, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_intact_baseline, setup_plain),
        T(test_edit_value_byte, setup_plain),
        T(test_edit_identity, setup_plain),
        T(test_delete_line, setup_plain),
        T(test_delete_two_lines, setup_plain),
        T(test_delete_first_line, setup_plain),
        T(test_swap_lines, setup_plain),
        T(test_duplicate_line, setup_plain),
        T(test_forged_wrong_prev_hash, setup_plain),
        T(test_forged_first_record, setup_plain),
        T(test_forged_without_hmac_key, setup_hmac),
        T(test_hmac_stripped_everywhere, setup_hmac),
        T(test_edited_with_hmac, setup_hmac),
        T(test_truncate_mid_line, setup_plain),
        T(test_truncate_newline_only, setup_plain),
        T(test_garbage_line, setup_plain),
        T(test_malformed_hash, setup_plain),
        T(test_whole_file_replaced, setup_hmac),
        T(test_empty_and_tail_only, setup_plain),
        T(test_append_sets_cut_record_aside, setup_plain),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
