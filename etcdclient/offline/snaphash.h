/* SHA-256 over the first bytes of a snapshot file, to check the trailer
 * etcdctl snapshot save appends. The file variant reads with pread into a
 * small buffer so hashing a large file does not grow the resident set. */
#ifndef EC_OFFLINE_SNAPHASH_H
#define EC_OFFLINE_SNAPHASH_H

#include <stddef.h>
#include <stdint.h>

/* Return 0 with out filled, or -1 (errno set for the file variant). */
int ec_snap_hash_fd(int fd, size_t len, uint8_t out[32]);
int ec_snap_hash_mem(const uint8_t *p, size_t len, uint8_t out[32]);

/* A file of this size carries a trailer (valid size % 512 == 32). */
int ec_snap_has_trailer(size_t file_size);

#endif
