/* Fixed-width integer loads from untrusted bytes at any alignment: bbolt
 * stores little-endian, etcd's revision keys big-endian. */
#ifndef EC_OFFLINE_LE_H
#define EC_OFFLINE_LE_H

#include <stdint.h>

static inline uint16_t ec_le16(const uint8_t *p)
{
    return (uint16_t)(p[0] | (uint16_t)p[1] << 8);
}

static inline uint32_t ec_le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline uint64_t ec_le64(const uint8_t *p)
{
    return (uint64_t)ec_le32(p) | (uint64_t)ec_le32(p + 4) << 32;
}

static inline uint64_t ec_be64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = v << 8 | p[i];
    return v;
}

#endif
