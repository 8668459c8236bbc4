#include "etcdclient/offline/keymap.h"

#include <stdlib.h>
#include <string.h>

void ec_keymap_init(ec_keymap *m, size_t max_keys)
{
    memset(m, 0, sizeof *m);
    m->max_keys = max_keys ? max_keys : ((size_t)1 << 31) - 2;
}

void ec_keymap_free(ec_keymap *m)
{
    free(m->entries);
    free(m->slots);
    free(m->arena);
    memset(m, 0, sizeof *m);
}

/* Eight bytes at a time with a multiply-xorshift mix, then a final avalanche. */
static uint32_t key_hash(const uint8_t *k, size_t n)
{
    uint64_t h = 0x9E3779B97F4A7C15ull ^ n;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, k + i, 8);
        h = (h ^ w) * 0xff51afd7ed558ccdull;
        h ^= h >> 32;
    }
    uint64_t w = 0;
    for (size_t j = 0; i < n; i++, j++)
        w |= (uint64_t)k[i] << (8 * j);
    h = (h ^ w) * 0xc4ceb9fe1a85ec53ull;
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    return (uint32_t)h ^ (uint32_t)(h >> 32);
}

/* A slot keeps the hash beside the index, so probing past other keys does
 * not touch their entries. */
static void slot_put(uint64_t *s, size_t nslots, uint32_t hash, size_t index)
{
    size_t j = hash & (nslots - 1);
    while (s[j])
        j = (j + 1) & (nslots - 1);
    s[j] = (uint64_t)hash << 32 | (uint64_t)(index + 1);
}

static int grow_slots(ec_keymap *m)
{
    size_t n = m->nslots ? m->nslots * 2 : 1024;
    if (n > ((size_t)1 << 33))
        return -1;
    uint64_t *s = calloc(n, sizeof *s);
    if (!s)
        return -1;
    for (size_t i = 0; i < m->n; i++)
        slot_put(s, n, m->entries[i].hash, i);
    free(m->slots);
    m->slots = s;
    m->nslots = n;
    return 0;
}

static int arena_add(ec_keymap *m, const uint8_t *key, size_t len)
{
    if (len == 0)
        return 0;
    if (len > m->arena_cap - m->arena_len) {
        size_t n = m->arena_cap ? m->arena_cap : 65536;
        while (n - m->arena_len < len) {
            if (n > SIZE_MAX / 2)
                return -1;
            n *= 2;
        }
        uint8_t *a = realloc(m->arena, n);
        if (!a)
            return -1;
        m->arena = a;
        m->arena_cap = n;
    }
    memcpy(m->arena + m->arena_len, key, len);
    m->arena_len += len;
    return 0;
}

ec_keymap_entry *ec_keymap_upsert(ec_keymap *m, const uint8_t *key, size_t len, int *created)
{
    *created = 0;
    if (len > UINT32_MAX)
        return NULL;
    uint32_t h = key_hash(key, len);
    if (m->nslots) {
        size_t j = h & (m->nslots - 1);
        while (m->slots[j]) {
            if ((uint32_t)(m->slots[j] >> 32) == h) {
                ec_keymap_entry *e = &m->entries[(uint32_t)m->slots[j] - 1];
                if (e->key_len == len
                    && (len == 0 || memcmp(m->arena + e->key_off, key, len) == 0))
                    return e;
            }
            j = (j + 1) & (m->nslots - 1);
        }
    }
    if (m->n >= m->max_keys)
        return NULL;
    /* Keep the table at most half full so probes stay short. */
    if ((m->n + 1) * 2 > m->nslots && grow_slots(m) != 0)
        return NULL;
    if (m->n == m->cap) {
        size_t n = m->cap ? m->cap * 2 : 1024;
        ec_keymap_entry *e = realloc(m->entries, n * sizeof *e);
        if (!e)
            return NULL;
        m->entries = e;
        m->cap = n;
    }
    size_t off = m->arena_len;
    if (arena_add(m, key, len) != 0)
        return NULL;
    ec_keymap_entry *e = &m->entries[m->n];
    memset(e, 0, sizeof *e);
    e->key_off = off;
    e->key_len = (uint32_t)len;
    e->hash = h;
    slot_put(m->slots, m->nslots, h, m->n);
    m->n++;
    *created = 1;
    return e;
}

static int index_cmp(const void *a, const void *b, void *arg)
{
    const ec_keymap *m = arg;
    const ec_keymap_entry *x = &m->entries[*(const uint32_t *)a];
    const ec_keymap_entry *y = &m->entries[*(const uint32_t *)b];
    size_t n = x->key_len < y->key_len ? x->key_len : y->key_len;
    int r = n ? memcmp(m->arena + x->key_off, m->arena + y->key_off, n) : 0;
    if (r)
        return r;
    return x->key_len < y->key_len ? -1 : x->key_len > y->key_len;
}

/* Sorts 4-byte indices rather than the entries (qsort's merge buffer stays
 * small), then moves the entries into place along the permutation's cycles. */
static int sort_by_index(ec_keymap *m)
{
    uint32_t *order = malloc(m->n * sizeof *order);
    if (!order)
        return -1;
    for (size_t i = 0; i < m->n; i++)
        order[i] = (uint32_t)i;
    qsort_r(order, m->n, sizeof *order, index_cmp, m);
    for (size_t i = 0; i < m->n; i++) {
        if (order[i] == i)
            continue;
        ec_keymap_entry tmp = m->entries[i];
        size_t j = i;
        for (;;) {
            size_t k = order[j];
            order[j] = (uint32_t)j;
            if (k == i) {
                m->entries[j] = tmp;
                break;
            }
            m->entries[j] = m->entries[k];
            j = k;
        }
    }
    free(order);
    return 0;
}

static int entry_cmp(const void *a, const void *b, void *arg)
{
    const ec_keymap *m = arg;
    const ec_keymap_entry *x = a, *y = b;
    size_t n = x->key_len < y->key_len ? x->key_len : y->key_len;
    int r = n ? memcmp(m->arena + x->key_off, m->arena + y->key_off, n) : 0;
    if (r)
        return r;
    return x->key_len < y->key_len ? -1 : x->key_len > y->key_len;
}

void ec_keymap_sort(ec_keymap *m)
{
    free(m->slots);
    m->slots = NULL;
    m->nslots = 0;
    /* Give back what doubling over-allocated. */
    if (m->arena_len && m->arena_len < m->arena_cap) {
        uint8_t *a = realloc(m->arena, m->arena_len);
        if (a) {
            m->arena = a;
            m->arena_cap = m->arena_len;
        }
    }
    if (m->n && m->n < m->cap) {
        ec_keymap_entry *e = realloc(m->entries, m->n * sizeof *e);
        if (e) {
            m->entries = e;
            m->cap = m->n;
        }
    }
    if (m->n < 2)
        return;
    if (sort_by_index(m) != 0)  /* no memory for the indices: sort in place */
        qsort_r(m->entries, m->n, sizeof *m->entries, entry_cmp, m);
}

void ec_keymap_drop_deleted(ec_keymap *m)
{
    size_t w = 0;
    for (size_t i = 0; i < m->n; i++)
        if (!m->entries[i].deleted)
            m->entries[w++] = m->entries[i];
    m->n = w;
    /* The hash slots index by position: they are stale now. */
    free(m->slots);
    m->slots = NULL;
    m->nslots = 0;
}
