/* Opening a bbolt file: map, snapshot trailer, meta pages, page access. */
#include "etcdclient/offline/bolt.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "etcdclient/offline/snaphash.h"
#include "etcdclient/offline/le.h"
#include "etcdclient/util/escape.h"

/* Release the mapped pages after this many bytes of pages were entered. */
#define RELEASE_EVERY ((uint64_t)16 << 20)

int ec_bolt_fail(ec_bolt *db, ec_err *err, ec_offline_fault fault, ec_code code,
                 const char *fmt, ...)
{
    char detail[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof detail, fmt, ap);
    va_end(ap);
    if (db)
        db->fault = fault;
    return ec_fail(err, code, "cannot read '%s': %s", db ? db->name : "?", detail);
}

static void set_name(ec_bolt *db, const char *name)
{
    char *esc = ec_escape_dup((const uint8_t *)name, strlen(name));
    snprintf(db->name, sizeof db->name, "%s", esc ? esc : "?");
    free(esc);
}

typedef struct meta_view {
    uint32_t magic, version, page_size, flags;
    uint64_t root, sequence, freelist, pgid, txid, checksum;
} meta_view;

enum { META_OK, META_MAGIC, META_VERSION, META_CHECKSUM, META_INSANE };

/* FNV-1a 64 over the meta fields before the checksum. */
static uint64_t meta_sum(const uint8_t *m)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < 56; i++) {
        h ^= m[i];
        h *= 0x100000001b3ull;
    }
    return h;
}

/* Checks the meta stored in the page at off (its header included). */
static int meta_read(const uint8_t *data, size_t len, size_t off, meta_view *mv)
{
    if (off > len || len - off < EC_BOLT_PAGE_HEADER + 64)
        return META_MAGIC;
    const uint8_t *m = data + off + EC_BOLT_PAGE_HEADER;
    mv->magic = ec_le32(m);
    mv->version = ec_le32(m + 4);
    mv->page_size = ec_le32(m + 8);
    mv->flags = ec_le32(m + 12);
    mv->root = ec_le64(m + 16);
    mv->sequence = ec_le64(m + 24);
    mv->freelist = ec_le64(m + 32);
    mv->pgid = ec_le64(m + 40);
    mv->txid = ec_le64(m + 48);
    mv->checksum = ec_le64(m + 56);
    if (mv->magic != EC_BOLT_MAGIC)
        return META_MAGIC;
    if (mv->version != EC_BOLT_VERSION)
        return META_VERSION;
    if (mv->checksum != meta_sum(m))
        return META_CHECKSUM;
    return META_OK;
}

static const char *meta_problem(int r)
{
    switch (r) {
    case META_MAGIC: return "bad magic";
    case META_VERSION: return "unsupported version";
    case META_CHECKSUM: return "checksum mismatch";
    case META_INSANE: return "page numbers out of range";
    default: return "valid";
    }
}

static int page_size_ok(uint32_t ps)
{
    return ps >= 512 && ps <= (1u << 24) && (ps & (ps - 1)) == 0;
}

/* What bbolt itself would refuse to use (it panics on these when writing). */
static int meta_sane(const meta_view *mv, uint32_t ps)
{
    return mv->page_size == ps && mv->pgid >= 3 && mv->root >= 2 && mv->root < mv->pgid
        && (mv->freelist == EC_BOLT_NO_FREELIST || (mv->freelist >= 2 && mv->freelist < mv->pgid));
}

/* Finds the page size like bbolt does: from meta 0, else from a meta 1 found
 * at one of the possible page sizes. Returns 0 or the META_* of meta 0. */
static int find_page_size(const uint8_t *data, size_t len, uint32_t *ps, int *seen_magic)
{
    meta_view mv;
    int r0 = meta_read(data, len, 0, &mv);
    *seen_magic = r0 != META_MAGIC;
    if (r0 == META_OK && page_size_ok(mv.page_size)) {
        *ps = mv.page_size;
        return 0;
    }
    for (int i = 0; i <= 14; i++) {
        size_t pos = (size_t)1024 << i;
        if (pos >= len)
            break;
        int r = meta_read(data, len, pos, &mv);
        if (r != META_MAGIC)
            *seen_magic = 1;
        if (r == META_OK && mv.page_size == pos && page_size_ok(mv.page_size)) {
            *ps = mv.page_size;
            return 0;
        }
    }
    return r0 == META_OK ? META_INSANE : r0;
}

static int bolt_parse(ec_bolt *db, ec_err *err)
{
    if (db->len == 0)
        return ec_bolt_fail(db, err, EC_OFFLINE_F_NOT_BBOLT, EC_E_CORRUPT,
                            "not a bbolt file (it is empty)");
    if (db->len < EC_BOLT_PAGE_HEADER + 64)
        return ec_bolt_fail(db, err, EC_OFFLINE_F_NOT_BBOLT, EC_E_CORRUPT,
                            "not a bbolt file (only %zu bytes)", db->len);
    uint32_t ps = 0;
    int seen_magic = 0;
    int r0 = find_page_size(db->data, db->len, &ps, &seen_magic);
    if (!ps) {
        if (!seen_magic)
            return ec_bolt_fail(db, err, EC_OFFLINE_F_NOT_BBOLT, EC_E_CORRUPT,
                                "not a bbolt file (bad magic 0x%08x)", ec_le32(db->data + 16));
        if (r0 == META_VERSION)
            return ec_bolt_fail(db, err, EC_OFFLINE_F_META, EC_E_CORRUPT,
                                "unsupported bbolt version %u (expected %u)",
                                ec_le32(db->data + 20), EC_BOLT_VERSION);
        return ec_bolt_fail(db, err, EC_OFFLINE_F_META, EC_E_CORRUPT,
                            "both meta pages are invalid (checksum mismatch)");
    }
    db->page_size = ps;
    db->file_pages = db->len / ps;
    if (db->file_pages < 2)
        return ec_bolt_fail(db, err, EC_OFFLINE_F_TRUNCATED, EC_E_CORRUPT,
                            "truncated file (page 1 is beyond the end of the file, %zu bytes)",
                            db->len);
    meta_view m[2];
    int r[2], ok[2];
    for (int i = 0; i < 2; i++) {
        r[i] = meta_read(db->data, db->len, (size_t)i * ps, &m[i]);
        if (r[i] == META_OK && !meta_sane(&m[i], ps))
            r[i] = META_INSANE;
        ok[i] = r[i] == META_OK;
    }
    if (!ok[0] && !ok[1])
        return ec_bolt_fail(db, err, EC_OFFLINE_F_META, EC_E_CORRUPT,
                            "both meta pages are invalid (meta 0: %s, meta 1: %s)",
                            meta_problem(r[0]), meta_problem(r[1]));
    int use = ok[0] && ok[1] ? (m[1].txid > m[0].txid) : (ok[1] ? 1 : 0);
    db->meta_used = use;
    db->meta_other_valid = ok[!use];
    db->hwm = m[use].pgid;
    db->root = m[use].root;
    db->freelist = m[use].freelist;
    db->txid = m[use].txid;
    if (db->hwm > db->file_pages)
        return ec_bolt_fail(db, err, EC_OFFLINE_F_TRUNCATED, EC_E_CORRUPT,
                            "truncated file (page %llu is beyond the end of the file, "
                            "%zu bytes; %llu pages in use)",
                            (unsigned long long)db->file_pages, db->len,
                            (unsigned long long)db->hwm);
    return 0;
}

static int check_trailer_mem(ec_bolt *db, const uint8_t *data, size_t len, unsigned flags,
                             ec_err *err)
{
    db->file_size = len;
    db->data = data;
    db->len = len;
    if (!ec_snap_has_trailer(len))
        return 0;
    db->len = len - EC_SNAP_HASH_LEN;
    db->trailer = EC_SNAP_UNVERIFIED;
    if (flags & EC_BOLT_NO_VERIFY)
        return 0;
    uint8_t sum[32];
    if (ec_snap_hash_mem(data, db->len, sum) != 0)
        return ec_bolt_fail(db, err, EC_OFFLINE_F_LIMIT, EC_E_INTERNAL,
                            "cannot compute SHA-256");
    if (memcmp(sum, data + db->len, 32) != 0)
        return ec_bolt_fail(db, err, EC_OFFLINE_F_HASH, EC_E_CORRUPT,
                            "snapshot hash mismatch (the SHA-256 appended by etcdctl does "
                            "not match the content)");
    db->trailer = EC_SNAP_VERIFIED;
    return 0;
}

int ec_bolt_open_mem(ec_bolt *db, const uint8_t *data, size_t len, const char *name,
                     unsigned flags, ec_err *err)
{
    memset(db, 0, sizeof *db);
    db->fd = -1;
    set_name(db, name ? name : "(memory)");
    if (check_trailer_mem(db, data, len, flags, err) != 0 || bolt_parse(db, err) != 0) {
        ec_offline_fault f = db->fault;
        char keep[sizeof db->name];
        memcpy(keep, db->name, sizeof keep);
        memset(db, 0, sizeof *db);
        db->fd = -1;
        db->fault = f;
        memcpy(db->name, keep, sizeof keep);
        return -1;
    }
    return 0;
}

static int file_error(ec_bolt *db, ec_err *err, const char *what, int e)
{
    ec_code code = e == ENOENT ? EC_E_NOT_FOUND : (e == EACCES || e == EPERM) ? EC_E_PERMISSION
                                                                              : EC_E_IO;
    db->fault = EC_OFFLINE_F_FILE;
    return ec_fail(err, code, "cannot %s '%s': %s", what, db->name, strerror(e));
}

int ec_bolt_open_file(ec_bolt *db, const char *path, unsigned flags, ec_err *err)
{
    memset(db, 0, sizeof *db);
    db->fd = -1;
    set_name(db, path);
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0)
        return file_error(db, err, "open", errno);
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int e = errno;
        close(fd);
        return file_error(db, err, "stat", e);
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        db->fault = EC_OFFLINE_F_FILE;
        return ec_fail(err, EC_E_IO, "cannot read '%s': not a regular file", db->name);
    }
    /* A running etcd holds bbolt's exclusive lock; reading under it would see
     * pages being rewritten. A shared lock is only probed, never kept, so an
     * etcd started later is not blocked by us. */
    if (flock(fd, LOCK_SH | LOCK_NB) != 0) {
        int e = errno;
        close(fd);
        if (e == EWOULDBLOCK) {
            db->fault = EC_OFFLINE_F_IN_USE;
            return ec_fail(err, EC_E_UNAVAILABLE,
                           "cannot read '%s': the file is locked by a running etcd", db->name);
        }
        return file_error(db, err, "lock", e);
    }
    flock(fd, LOCK_UN);
    size_t size = (size_t)st.st_size;
    if ((off_t)size != st.st_size) {
        close(fd);
        return ec_bolt_fail(db, err, EC_OFFLINE_F_LIMIT, EC_E_NOMEM, "file too large to map");
    }
    db->file_size = size;
    db->len = size;
    if (ec_snap_has_trailer(size)) {
        db->len = size - EC_SNAP_HASH_LEN;
        db->trailer = EC_SNAP_UNVERIFIED;
        if (!(flags & EC_BOLT_NO_VERIFY)) {
            uint8_t sum[32], want[32];
            if (ec_snap_hash_fd(fd, db->len, sum) != 0
                || pread(fd, want, 32, (off_t)db->len) != 32) {
                int e = errno;
                close(fd);
                return file_error(db, err, "read", e ? e : EIO);
            }
            if (memcmp(sum, want, 32) != 0) {
                close(fd);
                return ec_bolt_fail(db, err, EC_OFFLINE_F_HASH, EC_E_CORRUPT,
                                    "snapshot hash mismatch (the SHA-256 appended by etcdctl "
                                    "does not match the content)");
            }
            db->trailer = EC_SNAP_VERIFIED;
        }
    }
    if (db->len == 0) {
        close(fd);
        return ec_bolt_fail(db, err, EC_OFFLINE_F_NOT_BBOLT, EC_E_CORRUPT,
                            "not a bbolt file (it is empty)");
    }
    void *map = mmap(NULL, db->len, PROT_READ, MAP_PRIVATE, fd, 0);
    if (map == MAP_FAILED) {
        int e = errno;
        close(fd);
        return file_error(db, err, "map", e);
    }
    db->fd = fd;    /* kept for ec_bolt_read */
    /* A read fault may map a whole huge page of the page cache; that would
     * make the resident set jump in 2 MiB steps between releases. */
    madvise(map, db->len, MADV_NOHUGEPAGE);
    db->map = map;
    db->map_len = db->len;
    db->data = map;
    if (bolt_parse(db, err) != 0) {
        ec_offline_fault f = db->fault;
        ec_bolt_close(db);
        db->fault = f;
        return -1;
    }
    return 0;
}

void ec_bolt_close(ec_bolt *db)
{
    if (!db)
        return;
    if (db->map)
        munmap(db->map, db->map_len);
    if (db->fd >= 0)
        close(db->fd);
    free(db->rbuf);
    char keep[sizeof db->name];
    memcpy(keep, db->name, sizeof keep);
    memset(db, 0, sizeof *db);
    memcpy(db->name, keep, sizeof keep);
    db->fd = -1;
}

void ec_bolt_release(ec_bolt *db)
{
    /* Clean private file pages come back from the page cache when touched
     * again; nothing of ours lives in them. */
    if (db->map)
        madvise(db->map, db->map_len, MADV_DONTNEED);
    db->touched = 0;
}

int ec_bolt_read(ec_bolt *db, uint64_t off, size_t len, const uint8_t **out, ec_err *err)
{
    if (off > db->len || len > db->len - off)
        return ec_bolt_fail(db, err, EC_OFFLINE_F_BAD_RECORD, EC_E_CORRUPT,
                            "damaged record (%zu bytes at offset %llu)", len,
                            (unsigned long long)off);
    if (db->fd < 0) {
        *out = db->data + off;
        return 0;
    }
    if (len > db->rbuf_cap) {
        uint8_t *b = realloc(db->rbuf, len);
        if (!b)
            return ec_bolt_fail(db, err, EC_OFFLINE_F_LIMIT, EC_E_NOMEM,
                                "out of memory reading a %zu-byte record", len);
        db->rbuf = b;
        db->rbuf_cap = len;
    }
    size_t got = 0;
    while (got < len) {
        ssize_t n = pread(db->fd, db->rbuf + got, len - got, (off_t)(off + got));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return ec_bolt_fail(db, err, EC_OFFLINE_F_FILE, EC_E_IO, "read failed: %s",
                                n == 0 ? "file shrank" : strerror(errno));
        got += (size_t)n;
    }
    *out = db->rbuf;
    return 0;
}

int ec_bolt_page_get(ec_bolt *db, uint64_t id, ec_bolt_page *pg, ec_err *err)
{
    if (id < 2)
        return ec_bolt_fail(db, err, EC_OFFLINE_F_BAD_PAGE, EC_E_CORRUPT,
                            "damaged page reference (page %llu is a meta page)",
                            (unsigned long long)id);
    /* Open checked that the pages in use are all in the file, so a reference
     * past them is damage, not truncation. */
    if (id >= db->hwm || id >= db->file_pages)
        return ec_bolt_fail(db, err, EC_OFFLINE_F_BAD_PAGE, EC_E_CORRUPT,
                            "damaged page reference (page %llu is beyond the %llu pages in use)",
                            (unsigned long long)id, (unsigned long long)db->hwm);
    const uint8_t *p = db->data + id * db->page_size;
    pg->p = p;
    pg->id = ec_le64(p);
    pg->flags = ec_le16(p + 8);
    pg->count = ec_le16(p + 10);
    pg->overflow = ec_le32(p + 12);
    if (pg->id != id)
        return ec_bolt_fail(db, err, EC_OFFLINE_F_BAD_PAGE, EC_E_CORRUPT,
                            "damaged page %llu (its header says page %llu)",
                            (unsigned long long)id, (unsigned long long)pg->id);
    if ((uint64_t)pg->overflow >= db->hwm - id)
        return ec_bolt_fail(db, err, EC_OFFLINE_F_BAD_PAGE, EC_E_CORRUPT,
                            "damaged page %llu (%u overflow pages run past the %llu pages in use)",
                            (unsigned long long)id, pg->overflow, (unsigned long long)db->hwm);
    pg->span = ((size_t)pg->overflow + 1) * db->page_size;
    db->touched += pg->span;
    if (db->touched > RELEASE_EVERY)
        ec_bolt_release(db);
    return 0;
}

size_t ec_bolt_visited_size(const ec_bolt *db)
{
    return (size_t)(db->hwm / 8 + 1);
}

int ec_bolt_freelist_count(ec_bolt *db, int64_t *count, uint64_t *freelist_pages, ec_err *err)
{
    *count = -1;
    *freelist_pages = 0;
    if (db->freelist == EC_BOLT_NO_FREELIST)
        return 0;
    ec_bolt_page pg;
    if (ec_bolt_page_get(db, db->freelist, &pg, err) != 0)
        return -1;
    if (pg.flags != EC_BOLT_FLAG_FREELIST)
        return ec_bolt_fail(db, err, EC_OFFLINE_F_BAD_PAGE, EC_E_CORRUPT,
                            "damaged freelist (page %llu has flags 0x%02x)",
                            (unsigned long long)pg.id, pg.flags);
    uint64_t n = pg.count, skip = 0;
    if (pg.count == 0xFFFF) {
        /* The real count did not fit in 16 bits: it is the first id slot. */
        if (pg.span < EC_BOLT_PAGE_HEADER + 8)
            return ec_bolt_fail(db, err, EC_OFFLINE_F_BAD_PAGE, EC_E_CORRUPT, "damaged freelist");
        n = ec_le64(pg.p + EC_BOLT_PAGE_HEADER);
        skip = 1;
    }
    if (n > (pg.span - EC_BOLT_PAGE_HEADER) / 8 - skip)
        return ec_bolt_fail(db, err, EC_OFFLINE_F_BAD_PAGE, EC_E_CORRUPT,
                            "damaged freelist (%llu ids do not fit in page %llu)",
                            (unsigned long long)n, (unsigned long long)pg.id);
    *count = (int64_t)n;
    *freelist_pages = (uint64_t)pg.overflow + 1;
    return 0;
}
