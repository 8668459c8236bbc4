/* Reads a log line by line, defensively: a line is bounded by
 * AUDIT_RECORD_MAX, anything that is not a JSON object is reported as such
 * instead of stopping the walk, and no byte of the file is trusted. */
#include "tui/audit/audit_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#define CHUNK 65536

struct audit_reader {
    int fd;                     /* -1 when reading memory */
    char *name;
    const uint8_t *mem;
    size_t mem_len;
    uint64_t limit;             /* bytes of the source to read */
    uint64_t pos;               /* bytes consumed from the source */
    uint8_t *chunk;
    size_t chunk_len, chunk_pos;
    ec_buf line;
    uint64_t lineno;
    uint64_t offset;            /* where the next line starts */
    audit_entry e;
};

static audit_reader *reader_new(const char *name)
{
    audit_reader *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->fd = -1;
    r->name = strdup(name);
    if (!r->name) {
        free(r);
        return NULL;
    }
    ec_buf_init(&r->line, audit_record_max());
    return r;
}

int audit_reader_open_mem(audit_reader **out, const void *data, size_t len, ec_err *err)
{
    *out = reader_new("<memory>");
    if (!*out)
        return ec_fail(err, EC_E_NOMEM, "out of memory");
    (*out)->mem = data;
    (*out)->mem_len = len;
    (*out)->limit = len;
    return 0;
}

int audit_reader_open(audit_reader **out, const char *path, ec_err *err)
{
    char ep[256];
    *out = NULL;
    audit_esc(path, ep, sizeof ep);
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
        int e = errno;
        return ec_fail(err, e == ENOENT ? EC_E_NOT_FOUND : e == EACCES ? EC_E_PERMISSION : EC_E_IO,
                       "cannot open audit log '%s': %s", ep, strerror(e));
    }
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int e = errno;
        close(fd);
        return ec_fail(err, EC_E_IO, "cannot read audit log '%s': %s", ep, strerror(e));
    }
    if (S_ISDIR(st.st_mode)) {
        close(fd);
        return ec_fail(err, EC_E_INVALID, "cannot read audit log '%s': %s", ep, strerror(EISDIR));
    }
    uint64_t limit = UINT64_MAX;
    if (S_ISREG(st.st_mode)) {
        /* Writers append whole records under LOCK_EX: the size seen under
         * LOCK_SH ends on a record boundary, whatever is appended later. */
        if (audit_lock_fd(fd, LOCK_SH, AUDIT_LOCK_TIMEOUT_MS, path, err) != 0) {
            close(fd);
            return -1;
        }
        if (fstat(fd, &st) != 0) {
            int e = errno;
            close(fd);
            return ec_fail(err, EC_E_IO, "cannot read audit log '%s': %s", ep, strerror(e));
        }
        limit = (uint64_t)st.st_size;
        flock(fd, LOCK_UN);
    }
    audit_reader *r = reader_new(path);
    if (r)
        r->chunk = malloc(CHUNK);
    if (!r || !r->chunk) {
        audit_reader_close(r);
        close(fd);
        return ec_fail(err, EC_E_NOMEM, "out of memory");
    }
    r->fd = fd;
    r->limit = limit;
    *out = r;
    return 0;
}

const char *audit_reader_name(const audit_reader *r)
{
    return r->name;
}

int audit_reader_rewind(audit_reader *r, ec_err *err)
{
    /* Nothing read yet: no seek, so a pipe can be read once from the start. */
    if (r->fd >= 0 && r->pos != 0 && lseek(r->fd, 0, SEEK_SET) != 0) {
        char ep[256];
        int e = errno;
        return ec_fail(err, EC_E_IO, "cannot read audit log '%s' again: %s",
                       audit_esc(r->name, ep, sizeof ep), strerror(e));
    }
    json_decref(r->e.rec);
    memset(&r->e, 0, sizeof r->e);
    r->pos = 0;
    r->chunk_len = r->chunk_pos = 0;
    r->lineno = 0;
    r->offset = 0;
    ec_buf_reset(&r->line);
    return 0;
}

/* Refills the chunk from the file; 0 at the end of what may be read. */
static ssize_t refill(audit_reader *r, ec_err *err)
{
    uint64_t left = r->limit - r->pos;
    size_t want = left < CHUNK ? (size_t)left : CHUNK;
    if (want == 0)
        return 0;
    ssize_t n;
    do
        n = read(r->fd, r->chunk, want);
    while (n < 0 && errno == EINTR);
    if (n < 0) {
        char ep[256];
        int e = errno;
        ec_fail(err, EC_E_IO, "cannot read audit log '%s': %s", audit_esc(r->name, ep, sizeof ep),
                strerror(e));
        return -1;
    }
    r->chunk_len = (size_t)n;
    r->chunk_pos = 0;
    r->pos += (uint64_t)n;
    return n;
}

/* Adds a piece of the current line, or only counts it once it is too long. */
static int take(audit_reader *r, const uint8_t *p, size_t n, ec_err *err)
{
    audit_entry *e = &r->e;
    if (!e->too_long && e->len + n > audit_record_max()) {
        e->too_long = 1;
        ec_buf_free(&r->line);
        ec_buf_init(&r->line, audit_record_max());
    }
    if (!e->too_long && ec_buf_append(&r->line, p, n) != 0)
        return ec_fail(err, EC_E_NOMEM, "cannot read audit log: out of memory");
    e->len += n;
    return 0;
}

/* Collects the next line into r->e; 1, 0 at the end, -1 on error. */
static int next_line(audit_reader *r, ec_err *err)
{
    audit_entry *e = &r->e;
    int any = 0;
    if (r->fd < 0) {
        if (r->pos >= r->mem_len)
            return 0;
        const uint8_t *p = r->mem + r->pos;
        size_t left = r->mem_len - (size_t)r->pos;
        const uint8_t *nl = memchr(p, '\n', left);
        size_t n = nl ? (size_t)(nl - p) : left;
        if (take(r, p, n, err) != 0)
            return -1;
        e->complete = nl != NULL;
        r->pos += n + (nl != NULL);
        return 1;
    }
    for (;;) {
        if (r->chunk_pos == r->chunk_len) {
            ssize_t got = refill(r, err);
            if (got < 0)
                return -1;
            if (got == 0)
                return any;     /* the last line had no '\n' */
        }
        any = 1;
        const uint8_t *p = r->chunk + r->chunk_pos;
        size_t left = r->chunk_len - r->chunk_pos;
        const uint8_t *nl = memchr(p, '\n', left);
        size_t n = nl ? (size_t)(nl - p) : left;
        if (take(r, p, n, err) != 0)
            return -1;
        r->chunk_pos += n;
        if (nl) {
            r->chunk_pos++;
            e->complete = 1;
            return 1;
        }
    }
}

int audit_reader_next(audit_reader *r, const audit_entry **out, ec_err *err)
{
    audit_entry *e = &r->e;
    json_decref(e->rec);
    memset(e, 0, sizeof *e);
    ec_buf_reset(&r->line);
    e->offset = r->offset;
    int rc = next_line(r, err);
    if (rc <= 0)
        return rc;
    e->lineno = ++r->lineno;
    r->offset += e->len + (e->complete ? 1 : 0);
    if (e->too_long) {
        char cap[32];
        snprintf(e->error, sizeof e->error, "line of %zu bytes passes the %s record cap", e->len,
                 audit_record_max_text(cap, sizeof cap));
        *out = e;
        return 1;
    }
    /* An empty buffer has no data yet: give the entry a real empty string. */
    if (ec_buf_append(&r->line, "", 0) != 0)
        return ec_fail(err, EC_E_NOMEM, "cannot read audit log: out of memory");
    e->line = r->line.data;
    json_error_t jerr;
    json_t *v = json_loadb(e->line, e->len, JSON_REJECT_DUPLICATES, &jerr);
    if (json_is_object(v)) {
        e->rec = v;
    } else {
        char why[120];
        if (v)
            snprintf(e->error, sizeof e->error, "not a JSON object");
        else
            snprintf(e->error, sizeof e->error, "not JSON: %s at column %d",
                     audit_esc(jerr.text, why, sizeof why), jerr.column);
        json_decref(v);
    }
    *out = e;
    return 1;
}

void audit_reader_close(audit_reader *r)
{
    if (!r)
        return;
    json_decref(r->e.rec);
    if (r->fd >= 0)
        close(r->fd);
    ec_buf_free(&r->line);
    free(r->chunk);
    free(r->name);
    free(r);
}
