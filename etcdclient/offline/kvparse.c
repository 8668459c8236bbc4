#include "etcdclient/offline/kvparse.h"

#include <string.h>

#include "etcdclient/offline/le.h"

int ec_offline_revkey_parse(const uint8_t *k, size_t n, int64_t *main_rev, int64_t *sub_rev,
                            int *tombstone)
{
    if (n != EC_REVKEY_LEN && !(n == EC_REVKEY_LEN + 1 && k[EC_REVKEY_LEN] == 't'))
        return -1;
    if (k[8] != '_')
        return -1;
    uint64_t m = ec_be64(k), s = ec_be64(k + 9);
    /* etcd revisions are positive int64; a set top bit is damage. */
    if (m > INT64_MAX || s > INT64_MAX)
        return -1;
    *main_rev = (int64_t)m;
    *sub_rev = (int64_t)s;
    *tombstone = n == EC_REVKEY_LEN + 1;
    return 0;
}

/* Reads a varint of at most 10 bytes; -1 when cut short or too long. */
static int varint(const uint8_t *p, size_t n, size_t *pos, uint64_t *out)
{
    uint64_t v = 0;
    for (int i = 0; i < 10; i++) {
        if (*pos >= n)
            return -1;
        uint8_t b = p[(*pos)++];
        if (i == 9 && b > 1)
            return -1;
        v |= (uint64_t)(b & 0x7f) << (7 * i);
        if (!(b & 0x80)) {
            *out = v;
            return 0;
        }
    }
    return -1;
}

int ec_offline_kv_parse(const uint8_t *p, size_t n, ec_offline_kv *kv)
{
    memset(kv, 0, sizeof *kv);
    size_t pos = 0;
    while (pos < n) {
        uint64_t tag, v;
        if (varint(p, n, &pos, &tag) != 0)
            return -1;
        uint64_t field = tag >> 3;
        unsigned wire = (unsigned)(tag & 7);
        if (field == 0 || field > 0x1fffffff)
            return -1;
        switch (wire) {
        case 0:
            if (varint(p, n, &pos, &v) != 0)
                return -1;
            switch (field) {
            case 2: kv->create_revision = (int64_t)v; break;
            case 3: kv->mod_revision = (int64_t)v; break;
            case 4: kv->version = (int64_t)v; break;
            case 6: kv->lease = (int64_t)v; break;
            case 1: case 5: return -1;  /* bytes fields sent as varints */
            default: break;
            }
            break;
        case 2:
            if (varint(p, n, &pos, &v) != 0 || v > n - pos)
                return -1;
            if (field == 1) {
                kv->key = p + pos;
                kv->key_len = (size_t)v;
            } else if (field == 5) {
                kv->value = p + pos;
                kv->value_len = (size_t)v;
            } else if (field <= 6) {
                return -1;
            }
            pos += (size_t)v;
            break;
        case 1:
        case 5: {
            size_t w = wire == 1 ? 8 : 4;
            if (field <= 6 || w > n - pos)
                return -1;
            pos += w;
            break;
        }
        default:
            return -1;  /* groups and reserved wire types */
        }
    }
    /* An empty value must still point somewhere valid for callers. */
    if (!kv->value)
        kv->value = p;
    if (!kv->key)
        kv->key = p;
    return 0;
}
