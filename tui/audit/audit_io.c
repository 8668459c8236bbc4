/* System calls of the writer, with the test hooks of audit_test.h beside
 * them: a countdown per call kind that makes one call fail with a chosen
 * errno, or one write come out short. */
#include "tui/audit/audit_internal.h"
#include "tui/audit/audit_test.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static struct {
    unsigned fail_in[AUDIT_IO_NOPS];    /* 0: disarmed; 1: the next call fails */
    int fail_errno[AUDIT_IO_NOPS];
    unsigned calls[AUDIT_IO_NOPS];
    unsigned short_in;
    size_t short_keep;
    const char *default_path;
    int is_root;
    size_t record_max;
} hooks = { .is_root = -1 };

void audit_test_fail_io(audit_io_op op, unsigned nth, int errnum)
{
    if (op >= AUDIT_IO_NOPS)
        return;
    hooks.fail_in[op] = nth;
    hooks.fail_errno[op] = errnum;
}

void audit_test_short_write(unsigned nth, size_t keep)
{
    hooks.short_in = nth;
    hooks.short_keep = keep;
}

unsigned audit_test_io_calls(audit_io_op op)
{
    return op < AUDIT_IO_NOPS ? hooks.calls[op] : 0;
}

void audit_test_set_default(const char *default_path, int is_root)
{
    hooks.default_path = default_path;
    hooks.is_root = is_root;
}

void audit_test_set_record_max(size_t max)
{
    hooks.record_max = max;
}

size_t audit_record_max(void)
{
    return hooks.record_max ? hooks.record_max : AUDIT_RECORD_MAX;
}

const char *audit_record_max_text(char *buf, size_t sz)
{
    size_t m = audit_record_max();
    if (m >= ((size_t)1 << 20) && m % ((size_t)1 << 20) == 0)
        snprintf(buf, sz, "%zu MiB", m >> 20);
    else
        snprintf(buf, sz, "%zu bytes", m);
    return buf;
}

void audit_test_io_reset(void)
{
    memset(&hooks, 0, sizeof hooks);
    hooks.is_root = -1;
}

/* Counts the call; returns nonzero (errno set) when this one must fail. */
static int injected(audit_io_op op)
{
    hooks.calls[op]++;
    if (hooks.fail_in[op] == 0)
        return 0;
    if (--hooks.fail_in[op] != 0)
        return 0;
    errno = hooks.fail_errno[op];
    return 1;
}

int audit_io_open(const char *path, int flags, mode_t mode)
{
    if (injected(AUDIT_IO_OPEN))
        return -1;
    return open(path, flags, mode);
}

int audit_io_mkdir(const char *path, mode_t mode)
{
    if (injected(AUDIT_IO_MKDIR))
        return -1;
    return mkdir(path, mode);
}

ssize_t audit_io_write(int fd, const void *p, size_t n)
{
    if (injected(AUDIT_IO_WRITE))
        return -1;
    if (hooks.short_in && --hooks.short_in == 0 && hooks.short_keep < n)
        n = hooks.short_keep;
    return write(fd, p, n);
}

int audit_io_fsync(int fd)
{
    if (injected(AUDIT_IO_FSYNC))
        return -1;
    return fsync(fd);
}

int audit_io_ftruncate(int fd, off_t len)
{
    if (injected(AUDIT_IO_FTRUNCATE))
        return -1;
    return ftruncate(fd, len);
}

const char *audit_io_default_path(void)
{
    return hooks.default_path ? hooks.default_path : AUDIT_DEFAULT_PATH;
}

int audit_io_is_root(void)
{
    return hooks.is_root >= 0 ? hooks.is_root : geteuid() == 0;
}

int audit_pread_full(int fd, void *buf, size_t n, off_t off)
{
    char *p = buf;
    while (n > 0) {
        ssize_t r = pread(fd, p, n, off);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            if (r == 0)
                errno = EIO;    /* the file shrank under the lock: not ours */
            return -1;
        }
        p += r;
        n -= (size_t)r;
        off += r;
    }
    return 0;
}

int audit_line_start(int fd, off_t end, off_t *start)
{
    char chunk[65536];
    off_t pos = end;
    *start = 0;
    while (pos > 0) {
        size_t n = pos > (off_t)sizeof chunk ? sizeof chunk : (size_t)pos;
        if (audit_pread_full(fd, chunk, n, pos - (off_t)n) != 0)
            return -1;
        char *nl = memrchr(chunk, '\n', n);
        if (nl) {
            *start = pos - (off_t)n + (nl - chunk) + 1;
            return 0;
        }
        pos -= (off_t)n;
        if ((uint64_t)(end - pos) > audit_record_max() + 1)
            return 1;
    }
    return 0;
}
