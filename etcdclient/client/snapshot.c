/* Maintenance.Snapshot: the database streamed to a file, written to
 * PATH.part, fsync'd, checked against the SHA-256 etcd appends, then renamed:
 * a file under the final name is always complete and verified. */
#include "etcdclient/client/stream.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#define HASH_LEN 32

static int write_all(int fd, const uint8_t *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Hashes everything but the last 32 bytes seen so far: the stream's tail is
 * kept back until more data (or the end) proves it is not the trailer. */
typedef struct tail_hasher {
    EVP_MD_CTX *md;
    uint8_t tail[HASH_LEN];
    size_t tail_len;
} tail_hasher;

static void tail_feed(tail_hasher *h, const uint8_t *p, size_t n)
{
    if (h->tail_len + n <= HASH_LEN) {
        memcpy(h->tail + h->tail_len, p, n);
        h->tail_len += n;
        return;
    }
    /* Emit what of the old tail will no longer be within the last 32. */
    size_t total = h->tail_len + n, emit = total - HASH_LEN;
    size_t from_tail = emit < h->tail_len ? emit : h->tail_len;
    EVP_DigestUpdate(h->md, h->tail, from_tail);
    memmove(h->tail, h->tail + from_tail, h->tail_len - from_tail);
    h->tail_len -= from_tail;
    size_t from_new = emit - from_tail;
    EVP_DigestUpdate(h->md, p, from_new);
    memcpy(h->tail + h->tail_len, p + from_new, n - from_new);
    h->tail_len += n - from_new;
}

int ec_snapshot_save(ec_client *c, const ec_callopt *opt, const char *path, ec_progress_fn progress, void *ud,
                     ec_snapshot_info *info, ec_err *err)
{
    memset(info, 0, sizeof *info);
    char part[4096];
    if ((size_t)snprintf(part, sizeof part, "%s.part", path) >= sizeof part)
        return ec_fail(err, EC_E_INVALID, "snapshot path '%s' is too long", path);
    int fd = open(part, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0)
        return ec_fail(err, errno == EACCES ? EC_E_PERMISSION : EC_E_IO, "cannot create snapshot file '%s': %s",
                       part, errno == EEXIST ? "File exists (remove the leftover first)" : strerror(errno));
    tail_hasher h = {EVP_MD_CTX_new(), {0}, 0};
    if (!h.md || EVP_DigestInit_ex(h.md, EVP_sha256(), NULL) != 1) {
        close(fd);
        unlink(part);
        EVP_MD_CTX_free(h.md);
        return ec_fail(err, EC_E_NOMEM, "cannot set up SHA-256");
    }
    int timeout = opt && opt->timeout_ms > 0 ? opt->timeout_ms : 60 * 60 * 1000;
    ec_stream s;
    memset(&s, 0, sizeof s);
    s.details = grpc_empty_slice();
    int rc = -1;
    if (ec_stream_open(&s, c, opt, "/etcdserverpb.Maintenance/Snapshot", "Snapshot", timeout, err) != 0)
        goto out;
    /* The whole database read from etcd's disk: the costliest read there is. */
    s.count_bytes = true;
    Etcdserverpb__SnapshotRequest req = ETCDSERVERPB__SNAPSHOT_REQUEST__INIT;
    if (ec_stream_send(&s, &req.base, true, c->command_timeout_ms, err) != 0)
        goto out;
    for (;;) {
        ProtobufCMessage *m = NULL;
        /* Between chunks, the command timeout: a stalled stream fails. */
        int r = ec_stream_recv(&s, &etcdserverpb__snapshot_response__descriptor, c->command_timeout_ms, &m, err);
        if (r == 0) {
            ec_fail(err, EC_E_DEADLINE, "snapshot stream from '%s' stalled for %d ms", c->eps[s.ep].url,
                    c->command_timeout_ms);
            goto out;
        }
        if (r < 0) {
            if (err->code == EC_OK)
                break; /* clean end of stream */
            goto out;
        }
        Etcdserverpb__SnapshotResponse *sr = (Etcdserverpb__SnapshotResponse *)m;
        if (sr->header && info->revision == 0)
            info->revision = sr->header->revision;
        int wr = write_all(fd, sr->blob.data, sr->blob.len);
        if (wr == 0) {
            tail_feed(&h, sr->blob.data, sr->blob.len);
            info->bytes += sr->blob.len;
        }
        uint64_t remaining = sr->remaining_bytes;
        protobuf_c_message_free_unpacked(m, NULL);
        if (wr != 0) {
            ec_fail(err, errno == ENOSPC ? EC_E_IO : EC_E_IO, "cannot write snapshot file '%s': %s", part,
                    strerror(errno));
            goto out;
        }
        if (progress)
            progress(ud, info->bytes, remaining);
        ec_limit_pace(c, c->command_timeout_ms);
    }
    if (fsync(fd) != 0) {
        ec_fail(err, EC_E_IO, "cannot fsync snapshot file '%s': %s", part, strerror(errno));
        goto out;
    }
    uint8_t digest[HASH_LEN];
    unsigned dl = 0;
    EVP_DigestFinal_ex(h.md, digest, &dl);
    if (h.tail_len != HASH_LEN || info->bytes % 512 != HASH_LEN || memcmp(digest, h.tail, HASH_LEN) != 0) {
        ec_fail(err, EC_E_CORRUPT,
                "snapshot from '%s' failed its integrity check (%llu bytes, SHA-256 trailer does not match): "
                "left as '%s'",
                c->eps[s.ep].url, (unsigned long long)info->bytes, part);
        goto out_keep;
    }
    info->hash_ok = true;
    if (rename(part, path) != 0) {
        ec_fail(err, EC_E_IO, "cannot rename '%s' to '%s': %s", part, path, strerror(errno));
        goto out;
    }
    /* Make the rename itself durable. */
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", path);
    int dfd = open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        fsync(dfd);
        close(dfd);
    }
    rc = 0;
out:
    if (rc != 0)
        unlink(part);
out_keep:
    ec_stream_close(&s);
    EVP_MD_CTX_free(h.md);
    close(fd);
    return rc;
}
