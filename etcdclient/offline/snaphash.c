#include "etcdclient/offline/snaphash.h"

#include <errno.h>
#include <stdlib.h>
#include <unistd.h>
#include <openssl/evp.h>

int ec_snap_has_trailer(size_t file_size)
{
    return file_size >= 512 + 32 && file_size % 512 == 32;
}

int ec_snap_hash_mem(const uint8_t *p, size_t len, uint8_t out[32])
{
    unsigned int n = 0;
    if (EVP_Digest(p, len, out, &n, EVP_sha256(), NULL) != 1 || n != 32)
        return -1;
    return 0;
}

int ec_snap_hash_fd(int fd, size_t len, uint8_t out[32])
{
    enum { CHUNK = 1 << 20 };
    uint8_t *buf = malloc(CHUNK);
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    int rc = -1;
    if (!buf || !ctx || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1) {
        errno = ENOMEM;
        goto out;
    }
    size_t off = 0;
    while (off < len) {
        size_t want = len - off < CHUNK ? len - off : CHUNK;
        ssize_t got = pread(fd, buf, want, (off_t)off);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0) {
            if (got == 0)
                errno = EIO;    /* the file shrank under us */
            goto out;
        }
        if (EVP_DigestUpdate(ctx, buf, (size_t)got) != 1)
            goto out;
        off += (size_t)got;
    }
    unsigned int n = 0;
    if (EVP_DigestFinal_ex(ctx, out, &n) == 1 && n == 32)
        rc = 0;
out:
    EVP_MD_CTX_free(ctx);
    free(buf);
    return rc;
}
