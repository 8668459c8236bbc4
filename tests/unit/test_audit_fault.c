/* Audit log under failure: a disk that fills up, a disk that fails, a path
 * that cannot be written, a lock held by another process, two writers at
 * once. Failures come from the hooks of audit_test.h, so the tests run the
 * same as root (where chmod does not stop anything) and as a user. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <grp.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "tui/audit/audit.h"
#include "tui/audit/audit_test.h"
#include "tests/unit/audit_tmpdir.h"



static int setup(void **state)
{
    (void)state;
    if (tmpdir_make("f") != 0)
        return -1;
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


static audit_log *open_log(unsigned timeout_ms)
{
    audit_options o = { .path = logpath, .lock_timeout_ms = timeout_ms };
    audit_log *log;
    ec_err err;
    if (audit_open(&log, &o, NULL, &err) != 0)
        fail_msg("audit_open: %s", err.msg);
    return log;
}

static int append(audit_log *log, const char *target, ec_err *err)
{
    json_t *f = json_pack("{s:s, s:s}", "action", "delete-prefix", "target", target);
    int rc = audit_append(log, AUDIT_KIND_INTENT, 0, f, NULL, err);
    json_decref(f);
    return rc;
}

/* A log with three good records; returns its bytes (caller frees). */
static char *three_records(audit_log *log, size_t *len)
{
    ec_err err;
    for (int i = 0; i < 3; i++)
        assert_int_equal(append(log, "/registry/x", &err), 0);
    return slurp(logpath, len);
}

static void assert_unchanged(const char *before, size_t before_len)
{
    size_t len;
    char *now = slurp(logpath, &len);
    assert_int_equal(len, before_len);
    assert_memory_equal(now, before, len);
    free(now);
    audit_verify_result res;
    assert_int_equal(audit_verify_file(logpath, NULL, &res), AUDIT_INTACT);
    assert_int_equal(res.records, 3);
}

/* "...mounted at 'M' ..." -> M must hold the log. */
static void assert_names_disk(const char *msg)
{
    const char *p = strstr(msg, "mounted at '");
    assert_non_null(p);
    p += strlen("mounted at '");
    const char *q = strchr(p, '\'');
    assert_non_null(q);
    char mount[PATH_MAX], real[PATH_MAX];
    snprintf(mount, sizeof mount, "%.*s", (int)(q - p), p);
    assert_non_null(realpath(tmp, real));
    assert_int_equal(strncmp(real, mount, strlen(mount)), 0);
    struct stat a, b;
    assert_int_equal(stat(mount, &a), 0);
    assert_int_equal(stat(real, &b), 0);
    assert_int_equal(a.st_dev, b.st_dev);
}

static void test_disk_full(void **state)
{
    (void)state;
    audit_log *log = open_log(0);
    size_t len;
    char *before = three_records(log, &len);
    audit_test_fail_io(AUDIT_IO_WRITE, 1, ENOSPC);
    ec_err err;
    assert_int_equal(append(log, "/registry/pods/", &err), -1);
    assert_int_equal(err.code, EC_E_IO);
    char want[1024];
    snprintf(want, sizeof want, "cannot write audit log '%s': No space left on device; the file system mounted at '",
             logpath);
    assert_int_equal(strncmp(err.msg, want, strlen(want)), 0);
    const char *tail = "' is full: free space there or choose an audit log on another disk (--audit-log)";
    assert_string_equal(err.msg + strlen(err.msg) - strlen(tail), tail);
    assert_names_disk(err.msg);
    assert_unchanged(before, len);
    /* The next append works and chains on record 3. */
    assert_int_equal(append(log, "/registry/pods/", &err), 0);
    audit_verify_result res;
    assert_int_equal(audit_verify_file(logpath, NULL, &res), AUDIT_INTACT);
    assert_int_equal(res.records, 4);
    free(before);
    audit_close(log);
}

static void test_short_write_cut_off(void **state)
{
    (void)state;
    audit_log *log = open_log(0);
    size_t len;
    char *before = three_records(log, &len);
    /* Half a record reaches the file, as when the disk fills up mid-write. */
    audit_test_short_write(1, 40);
    ec_err err;
    assert_int_equal(append(log, "/registry/pods/", &err), -1);
    char want[1024];
    snprintf(want, sizeof want, "cannot write audit log '%s': wrote only 40 of ", logpath);
    assert_int_equal(strncmp(err.msg, want, strlen(want)), 0);
    assert_non_null(strstr(err.msg, "may be full: free space there or choose an audit log on another disk (--audit-log)"));
    assert_names_disk(err.msg);
    assert_int_equal(audit_test_io_calls(AUDIT_IO_FTRUNCATE), 1);
    assert_unchanged(before, len);
    free(before);
    audit_close(log);
}

static void test_cut_off_fails(void **state)
{
    (void)state;
    audit_log *log = open_log(0);
    size_t len;
    char *before = three_records(log, &len);
    audit_test_short_write(1, 40);
    audit_test_fail_io(AUDIT_IO_FTRUNCATE, 1, EIO);
    ec_err err;
    assert_int_equal(append(log, "/registry/pods/", &err), -1);
    assert_non_null(strstr(err.msg, "; and the partial record could not be cut off (Input/output error): "
                                    "move the log aside"));
    /* The partial line is there: verify sees it. The next append sets it
     * aside (that intent was refused, so never acted on) and goes on. */
    audit_verify_result res;
    assert_int_equal(audit_verify_file(logpath, NULL, &res), AUDIT_DAMAGED);
    assert_int_equal(res.damage, AUDIT_DMG_TRUNCATED);
    assert_int_equal(res.bad_line, 4);
    assert_int_equal(res.records, 3);
    assert_int_equal(append(log, "/registry/pods/", &err), 0);
    assert_int_equal(audit_verify_file(logpath, NULL, &res), AUDIT_INTACT);
    assert_int_equal(res.records, 5);
    char side[700];
    snprintf(side, sizeof side, "%s.torn-%zu", logpath, len);
    struct stat st;
    assert_int_equal(stat(side, &st), 0);
    assert_int_equal(st.st_size, 40);
    free(before);
    audit_close(log);
}

static void test_write_eio(void **state)
{
    (void)state;
    audit_log *log = open_log(0);
    size_t len;
    char *before = three_records(log, &len);
    audit_test_fail_io(AUDIT_IO_WRITE, 1, EIO);
    ec_err err;
    assert_int_equal(append(log, "/registry/pods/", &err), -1);
    assert_non_null(strstr(err.msg, ": Input/output error; the disk mounted at '"));
    assert_non_null(strstr(err.msg, "' reports errors: check 'dmesg' and choose an audit log on another disk (--audit-log)"));
    assert_names_disk(err.msg);
    assert_unchanged(before, len);
    free(before);
    audit_close(log);
}

static void test_fsync_fails(void **state)
{
    (void)state;
    audit_log *log = open_log(0);
    size_t len;
    char *before = three_records(log, &len);
    audit_test_fail_io(AUDIT_IO_FSYNC, 1, EIO);
    ec_err err;
    assert_int_equal(append(log, "/registry/pods/", &err), -1);
    assert_int_equal(err.code, EC_E_IO);
    char want[1024];
    snprintf(want, sizeof want, "cannot flush audit log '%s': Input/output error; the disk mounted at '", logpath);
    assert_int_equal(strncmp(err.msg, want, strlen(want)), 0);
    /* The record is not left behind as an intent nobody acted on. */
    assert_unchanged(before, len);
    free(before);
    audit_close(log);
}

static void test_dir_fsync_fails_for_new_file(void **state)
{
    (void)state;
    audit_log *log = open_log(0);
    ec_err err;
    assert_int_equal(unlink(logpath), 0);
    /* fsync 1: the file, fsync 2: its new directory entry. */
    audit_test_fail_io(AUDIT_IO_FSYNC, 2, EIO);
    assert_int_equal(append(log, "/registry/pods/", &err), -1);
    char want[1024];
    snprintf(want, sizeof want, "cannot sync directory '%s' to disk: Input/output error; check the disk (dmesg) "
             "or choose an audit log on another one (--audit-log)", tmp);
    assert_string_equal(err.msg, want);
    struct stat st;
    assert_int_equal(stat(logpath, &st), 0);
    assert_int_equal(st.st_size, 0);
    audit_close(log);
}

static void test_open_denied(void **state)
{
    (void)state;
    /* A directory the process may not write (as root chmod would not stop
     * it, so the hook gives the EACCES a user would get). */
    audit_options o = { .path = logpath };
    audit_log *log = NULL;
    ec_err err;
    audit_test_fail_io(AUDIT_IO_OPEN, 1, EACCES);
    assert_int_equal(audit_open(&log, &o, NULL, &err), -1);
    assert_null(log);
    assert_int_equal(err.code, EC_E_PERMISSION);
    char want[1024];
    snprintf(want, sizeof want, "cannot create audit log '%s': Permission denied; run as root or choose an audit "
             "log you can write (--audit-log)", logpath);
    assert_string_equal(err.msg, want);

    char sub[700];
    snprintf(sub, sizeof sub, "%s/ro/audit.log", tmp);
    o.path = sub;
    /* One mkdir per component of tmp (all exist), then the one of "ro". */
    unsigned nth = 1;
    for (const char *c = tmp; *c; c++)
        nth += *c == '/';
    audit_test_fail_io(AUDIT_IO_MKDIR, nth, EACCES);
    assert_int_equal(audit_open(&log, &o, NULL, &err), -1);
    snprintf(want, sizeof want, "cannot create directory '%s/ro' for the audit log: Permission denied", tmp);
    assert_string_equal(err.msg, want);
    assert_int_equal(err.code, EC_E_PERMISSION);

    /* Read-only file system on append. */
    log = open_log(0);
    audit_test_fail_io(AUDIT_IO_OPEN, 1, EROFS);
    assert_int_equal(append(log, "/x", &err), -1);
    snprintf(want, sizeof want, "cannot create audit log '%s': Read-only file system; choose an audit log on a "
             "writable file system (--audit-log)", logpath);
    assert_string_equal(err.msg, want);
    audit_close(log);
}

static void test_path_is_directory_or_under_file(void **state)
{
    (void)state;
    audit_options o = { .path = tmp };
    audit_log *log = NULL;
    ec_err err;
    assert_int_equal(audit_open(&log, &o, NULL, &err), -1);
    char want[2048];
    snprintf(want, sizeof want, "cannot open audit log '%s': Is a directory; the audit log must be a file", tmp);
    assert_string_equal(err.msg, want);

    char file[700], under[800];
    snprintf(file, sizeof file, "%s/plain", tmp);
    FILE *f = fopen(file, "w");
    fclose(f);
    snprintf(under, sizeof under, "%s/audit.log", file);
    o.path = under;
    assert_int_equal(audit_open(&log, &o, NULL, &err), -1);
    snprintf(want, sizeof want, "cannot create audit log '%s': Not a directory; a part of '%s' is not a directory",
             under, file);
    assert_string_equal(err.msg, want);
}

/* The checks of test_real_permission_denied, run as a user that is not
 * root; returns 0 or the number of the check that failed. */
static int denied_checks(const char *locked_log, const char *state)
{
    audit_options o = { .path = locked_log };
    audit_log *log = NULL;
    char *notice = NULL;
    ec_err err;
    char want[1400];
    if (audit_open(&log, &o, &notice, &err) != -1 || log || notice)
        return 1;
    snprintf(want, sizeof want, "cannot create audit log '%s': Permission denied; run as root or choose "
             "an audit log you can write (--audit-log)", locked_log);
    if (err.code != EC_E_PERMISSION || strcmp(err.msg, want) != 0)
        return 2;
    /* The default place, closed to this user: the fallback is used. */
    audit_test_set_default(locked_log, -1);
    setenv("XDG_STATE_HOME", state, 1);
    o.path = NULL;
    if (audit_open(&log, &o, &notice, &err) != 0 || !notice)
        return 3;
    snprintf(want, sizeof want, "%s/breakglass/audit.log", state);
    if (strcmp(audit_log_path(log), want) != 0)
        return 4;
    char want_notice[4000];
    snprintf(want_notice, sizeof want_notice, "audit log not at the default place (cannot create audit log '%s': "
             "Permission denied; run as root or choose an audit log you can write (--audit-log)): recording to '%s' instead",
             locked_log, want);
    if (strcmp(notice, want_notice) != 0)
        return 5;
    json_t *f = json_pack("{s:s}", "action", "test");
    int rc = audit_append(log, AUDIT_KIND_ACTION, 0, f, NULL, &err);
    json_decref(f);
    free(notice);
    audit_close(log);
    return rc == 0 ? 0 : 6;
}

static void test_real_permission_denied(void **state)
{
    (void)state;
    /* Real EACCES, not the hook: a directory closed to a user who is not
     * root. As root, a child drops to uid/gid 65534 to be that user. */
    char locked[700], locked_log[800], userstate[700];
    snprintf(locked, sizeof locked, "%s/locked", tmp);
    snprintf(locked_log, sizeof locked_log, "%s/audit.log", locked);
    snprintf(userstate, sizeof userstate, "%s/state", tmp);
    assert_int_equal(mkdir(locked, 0500), 0);
    assert_int_equal(mkdir(userstate, 0700), 0);
    assert_int_equal(chmod(tmp, 0711), 0);
    int is_root = geteuid() == 0;
    if (is_root)
        assert_int_equal(chown(userstate, 65534, 65534), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        alarm(30);
        if (is_root && (setgroups(0, NULL) != 0 || setresgid(65534, 65534, 65534) != 0 ||
                        setresuid(65534, 65534, 65534) != 0))
            _exit(100);
        _exit(denied_checks(locked_log, userstate));
    }
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    struct stat st;
    char made[900];
    snprintf(made, sizeof made, "%s/breakglass/audit.log", userstate);
    assert_int_equal(stat(made, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0600);
    assert_int_equal(chmod(locked, 0700), 0);
}

/* A child holding LOCK_EX on the log until told to stop. */
static pid_t hold_lock(int *release_fd)
{
    int ready[2], release[2];
    assert_int_equal(pipe(ready), 0);
    assert_int_equal(pipe(release), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        alarm(30);      /* bounded whatever happens to the parent */
        close(ready[0]);
        close(release[1]);
        int fd = open(logpath, O_RDWR);
        if (fd < 0 || flock(fd, LOCK_EX) != 0)
            _exit(1);
        char c = 'L';
        if (write(ready[1], &c, 1) != 1)
            _exit(1);
        (void)read(release[0], &c, 1);
        _exit(0);
    }
    close(ready[1]);
    close(release[0]);
    char c;
    assert_int_equal(read(ready[0], &c, 1), 1);
    close(ready[0]);
    *release_fd = release[1];
    return pid;
}

static void test_lock_timeout(void **state)
{
    (void)state;
    audit_log *log = open_log(300);
    ec_err err;
    assert_int_equal(append(log, "/registry/a", &err), 0);
    int release;
    pid_t child = hold_lock(&release);
    assert_int_equal(append(log, "/registry/b", &err), -1);
    assert_int_equal(err.code, EC_E_IO);
    char want[1400];
    snprintf(want, sizeof want, "cannot lock audit log '%s': another process has held it for over 300 ms; "
             "find it with 'fuser -v %s', then retry", logpath, logpath);
    assert_string_equal(err.msg, want);
    close(release);
    int status;
    assert_int_equal(waitpid(child, &status, 0), child);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    assert_int_equal(append(log, "/registry/b", &err), 0);
    audit_verify_result res;
    assert_int_equal(audit_verify_file(logpath, NULL, &res), AUDIT_INTACT);
    assert_int_equal(res.records, 2);
    audit_close(log);
}

#define PER_WRITER 300

static pid_t writer(const char *name)
{
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid != 0)
        return pid;
    alarm(120);
    /* A long lock bound: this test is about order, not about timing. */
    audit_options o = { .path = logpath, .lock_timeout_ms = 60000 };
    audit_log *log;
    ec_err err;
    if (audit_open(&log, &o, NULL, &err) != 0)
        _exit(2);
    for (int i = 0; i < PER_WRITER; i++) {
        json_t *f = json_pack("{s:s, s:s, s:i}", "action", "test", "target", name, "n", i);
        if (audit_append(log, AUDIT_KIND_ACTION, 0, f, NULL, &err) != 0) {
            fprintf(stderr, "%s: %s\n", name, err.msg);
            _exit(3);
        }
        json_decref(f);
    }
    audit_close(log);
    _exit(0);
}

static void test_two_writers(void **state)
{
    (void)state;
    pid_t a = writer("writer-a"), b = writer("writer-b");
    int status;
    assert_int_equal(waitpid(a, &status, 0), a);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    assert_int_equal(waitpid(b, &status, 0), b);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);

    audit_verify_result res;
    assert_int_equal(audit_verify_file(logpath, NULL, &res), AUDIT_INTACT);
    assert_int_equal(res.records, 2 * PER_WRITER);
    assert_int_equal(res.last_seq, 2 * PER_WRITER);
    /* Every line a whole record; each writer's records in its own order. */
    audit_reader *r;
    ec_err err;
    assert_int_equal(audit_reader_open(&r, logpath, &err), 0);
    const audit_entry *e;
    long next_a = 0, next_b = 0;
    while (audit_reader_next(r, &e, &err) == 1) {
        assert_non_null(e->rec);
        const char *t = json_string_value(json_object_get(e->rec, "target"));
        long n = (long)json_integer_value(json_object_get(e->rec, "n"));
        if (!strcmp(t, "writer-a"))
            assert_int_equal(n, next_a++);
        else if (!strcmp(t, "writer-b"))
            assert_int_equal(n, next_b++);
        else
            fail_msg("unexpected target");
    }
    assert_int_equal(next_a, PER_WRITER);
    assert_int_equal(next_b, PER_WRITER);
    audit_reader_close(r);
}

static void test_record_cap(void **state)
{
    (void)state;
    /* The real cap is 256 MiB; a test cap shows the same paths cheaply. */
    audit_test_set_record_max(2000);
    audit_log *log = open_log(0);
    size_t len;
    char *before = three_records(log, &len);
    char big[3001];
    memset(big, 'k', 3000);
    big[3000] = '\0';
    ec_err err;
    assert_int_equal(append(log, big, &err), -1);
    assert_int_equal(err.code, EC_E_NOMEM);
    assert_non_null(strstr(err.msg, " bytes passes the 2000 bytes cap: act on fewer keys at once"));
    assert_int_equal(strncmp(err.msg, "audit record of 3", 17), 0);
    assert_int_equal(audit_test_io_calls(AUDIT_IO_WRITE), 3);
    assert_unchanged(before, len);

    /* A line over the cap, in a file and in memory: reported, skipped, and
     * the reader goes on with the next line. */
    FILE *f = fopen(logpath, "wb");
    fprintf(f, "%s\n{\"after\":1}\n", big);
    fclose(f);
    for (int mem = 0; mem < 2; mem++) {
        audit_reader *r;
        char *data = NULL;
        if (mem) {
            data = slurp(logpath, &len);
            assert_int_equal(audit_reader_open_mem(&r, data, len, &err), 0);
        } else {
            assert_int_equal(audit_reader_open(&r, logpath, &err), 0);
        }
        const audit_entry *e;
        assert_int_equal(audit_reader_next(r, &e, &err), 1);
        assert_true(e->too_long);
        assert_null(e->line);
        assert_null(e->rec);
        assert_int_equal(e->len, 3000);
        assert_string_equal(e->error, "line of 3000 bytes passes the 2000 bytes record cap");
        assert_int_equal(audit_reader_next(r, &e, &err), 1);
        assert_int_equal(e->lineno, 2);
        assert_int_equal(e->offset, 3001);
        assert_non_null(e->rec);
        assert_int_equal(audit_reader_next(r, &e, &err), 0);
        audit_reader_close(r);
        free(data);
    }
    audit_verify_result res;
    assert_int_equal(audit_verify_file(logpath, NULL, &res), AUDIT_DAMAGED);
    assert_int_equal(res.damage, AUDIT_DMG_TOO_LONG);
    assert_int_equal(res.bad_line, 1);

    /* The writer refuses to chain onto a last line over the cap. */
    f = fopen(logpath, "wb");
    fprintf(f, "%s\n", big);
    fclose(f);
    assert_int_equal(append(log, "/x", &err), -1);
    assert_int_equal(err.code, EC_E_CORRUPT);
    assert_non_null(strstr(err.msg, "its last record is longer than the record cap;"));
    free(before);
    audit_close(log);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_disk_full, setup, teardown),
        cmocka_unit_test_setup_teardown(test_short_write_cut_off, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cut_off_fails, setup, teardown),
        cmocka_unit_test_setup_teardown(test_write_eio, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fsync_fails, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dir_fsync_fails_for_new_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_open_denied, setup, teardown),
        cmocka_unit_test_setup_teardown(test_path_is_directory_or_under_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_real_permission_denied, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lock_timeout, setup, teardown),
        cmocka_unit_test_setup_teardown(test_two_writers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_record_cap, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
