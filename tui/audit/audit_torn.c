/* A log whose last line has no newline was cut by a writer that died in the
 * middle of a record (SIGKILL, OOM killer, power loss) or whose roll-back
 * failed. That writer held the lock, so now that we hold it, it is gone; and
 * it never got to the fsync that comes after the newline, so it never acted
 * on that record. Refusing every later append would leave the operator
 * without a log in the middle of an incident; cutting the bytes off silently
 * would destroy evidence. So they are moved to a file of their own beside
 * the log, and the caller records in the chain what was set aside. */
#include "tui/audit/audit_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int esc_fail(ec_err *err, int code, const char *path, const char *what, int e)
{
    char ep[256];
    return ec_fail(err, code, "cannot %s for the cut last record of audit log '%s': %s; move the log aside, "
                   "then retry", what, audit_esc(path, ep, sizeof ep), strerror(e));
}

static int write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            if (w == 0)
                errno = EIO;
            return -1;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Creates "<log>.torn-<offset>" (or -2 ... -9 after it, when an earlier cut
 * at the same offset was set aside already). */
static int create_side(const char *path, off_t start, char *out, size_t outn)
{
    for (int k = 1; k <= 9; k++) {
        if (k == 1)
            snprintf(out, outn, "%s.torn-%lld", path, (long long)start);
        else
            snprintf(out, outn, "%s.torn-%lld-%d", path, (long long)start, k);
        int fd = open(out, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY, 0600);
        if (fd >= 0 || errno != EEXIST)
            return fd;
    }
    errno = EEXIST;
    return -1;
}

int audit_torn_set_aside(int fd, const char *path, const char *dir, off_t size, audit_torn *t, ec_err *err)
{
    memset(t, 0, sizeof *t);
    char last;
    if (size == 0)
        return 0;
    if (audit_pread_full(fd, &last, 1, size - 1) != 0)
        return esc_fail(err, EC_E_IO, path, "read the log", errno);
    if (last == '\n')
        return 0;
    off_t start;
    int r = audit_line_start(fd, size, &start);
    if (r < 0)
        return esc_fail(err, EC_E_IO, path, "read the log", errno);
    if (r > 0) {
        char ep[256];
        return ec_fail(err, EC_E_CORRUPT, "cannot append to audit log '%s': its last line is longer than any "
                       "record and has no newline; run 'breakglass audit verify', move the file aside, then retry",
                       audit_esc(path, ep, sizeof ep));
    }
    if (strlen(path) + 40 > sizeof t->saved_to)
        return esc_fail(err, EC_E_INVALID, path, "name a file", ENAMETOOLONG);
    int side = create_side(path, start, t->saved_to, sizeof t->saved_to);
    if (side < 0)
        return esc_fail(err, EC_E_IO, path, "create a file", errno);
    audit_hasher *h = audit_hasher_new(NULL, err);
    int rc = h ? 0 : -1, e = 0;
    char chunk[65536];
    for (off_t pos = start; rc == 0 && pos < size;) {
        size_t n = size - pos > (off_t)sizeof chunk ? sizeof chunk : (size_t)(size - pos);
        if (audit_pread_full(fd, chunk, n, pos) != 0 || write_all(side, chunk, n) != 0) {
            e = errno;
            rc = -1;
        } else if (audit_hasher_update(h, chunk, n) != 0) {
            rc = ec_fail(err, EC_E_INTERNAL, "cannot hash the cut last record of the audit log");
        }
        pos += (off_t)n;
    }
    if (rc == 0 && fsync(side) != 0) {
        e = errno;
        rc = -1;
    }
    if (close(side) != 0 && rc == 0) {
        e = errno;
        rc = -1;
    }
    if (rc == 0)
        rc = audit_hasher_final(h, t->sha256, NULL, err);
    audit_hasher_free(h);
    if (rc == 0)
        rc = audit_path_sync_dir(dir, err);
    /* Only once the bytes are safe elsewhere is the log cut back. */
    if (rc == 0 && (audit_io_ftruncate(fd, start) != 0 || audit_io_fsync(fd) != 0)) {
        e = errno;
        rc = -1;
    }
    if (rc != 0) {
        if (e)
            esc_fail(err, EC_E_IO, path, "set aside the bytes", e);
        unlink(t->saved_to);
        return -1;
    }
    t->offset = start;
    t->len = (uint64_t)(size - start);
    return 1;
}
