/* Sorted, filtered listings of a directory's children, kept in a few cache
 * slots so the UI can redraw a directory of 100k entries ten times a second
 * without sorting it each time: a slot stays valid while the directory's
 * generation (bumped by any change below it) is the same. */
#include "etcdclient/keyspace/keyspace_int.h"

#include <stdlib.h>
#include <string.h>

typedef struct sort_row {
    uint64_t v;
    uint32_t pos;   /* rank by name: the tie-breaker */
    uint32_t id;
} sort_row;

static int cmp_asc(const void *a, const void *b)
{
    const sort_row *x = a, *y = b;
    if (x->v != y->v)
        return x->v < y->v ? -1 : 1;
    return (x->pos > y->pos) - (x->pos < y->pos);
}

static int cmp_desc(const void *a, const void *b)
{
    const sort_row *x = a, *y = b;
    if (x->v != y->v)
        return x->v > y->v ? -1 : 1;
    return (x->pos > y->pos) - (x->pos < y->pos);
}

/* Every column is a non-negative integer (revisions and sizes are checked
 * on the way in, rates are clamped), so one unsigned key serves all. */
static uint64_t col_value(ec_ks *ks, uint32_t id, ec_ks_col col)
{
    if (col == EC_KS_BY_MODREV)
        return (uint64_t)ks_node_max_mod(ks, id);
    ks_agg a;
    ks_node_agg(ks, id, &a);
    switch (col) {
    case EC_KS_BY_KEYS: return a.keys;
    case EC_KS_BY_BYTES: return a.bytes;
    case EC_KS_BY_WRITES: return a.writes;
    case EC_KS_BY_RATE: return a.rate;
    default: return 0;
    }
}

static int name_has(const ec_ks *ks, uint32_t id, const uint8_t *f, size_t fl)
{
    const ks_node *n = &ks->nodes[id];
    if (fl == 0)
        return 1;
    if (fl > n->name_len)
        return 0;
    return memmem(ks_name(ks, n), n->name_len, f, fl) != NULL;
}

static int slot_matches(const ks_cache *c, uint32_t dir, const ec_ks_order *o, size_t fl)
{
    return c->dir == dir && c->col == o->col && !c->desc == !o->desc && c->filter_len == fl &&
           (fl == 0 || memcmp(c->filter, o->filter, fl) == 0);
}

static void slot_clear(ks_cache *c)
{
    free(c->filter);
    c->filter = NULL;
    c->filter_len = 0;
    c->dir = KS_NONE;
    c->nrows = 0;
}

/* Fills slot c with dir's listing. Returns 0 or -1 (out of memory). */
static int slot_build(ec_ks *ks, ks_cache *c, uint32_t dir, const ec_ks_order *o, size_t fl)
{
    ks_dir *d = &ks->dirs[ks->nodes[dir].dir];
    uint32_t n = d->nkids;
    if (!slot_matches(c, dir, o, fl)) {
        slot_clear(c);
        if (fl) {
            c->filter = malloc(fl);
            if (!c->filter)
                return -1;
            memcpy(c->filter, o->filter, fl);
            c->filter_len = fl;
        }
    }
    c->dir = KS_NONE; /* until complete */
    if (c->cap < n) {
        size_t cap = c->cap ? c->cap : 16;
        while (cap < n)
            cap *= 2;
        uint32_t *q = realloc(c->rows, cap * sizeof *q);
        if (!q)
            return -1;
        c->rows = q;
        c->cap = cap;
    }
    size_t m = 0;
    if (o->col == EC_KS_BY_NAME) {
        for (uint32_t i = 0; i < n; i++) {
            uint32_t id = d->kids[o->desc ? n - 1 - i : i];
            if (name_has(ks, id, o->filter, fl))
                c->rows[m++] = id;
        }
    } else {
        if (ks->sortbuf_cap < (size_t)n * sizeof(sort_row)) {
            void *q = realloc(ks->sortbuf, (size_t)n * sizeof(sort_row));
            if (!q)
                return -1;
            ks->sortbuf = q;
            ks->sortbuf_cap = (size_t)n * sizeof(sort_row);
        }
        sort_row *r = ks->sortbuf;
        for (uint32_t i = 0; i < n; i++) {
            uint32_t id = d->kids[i];
            if (!name_has(ks, id, o->filter, fl))
                continue;
            r[m].v = col_value(ks, id, o->col);
            r[m].pos = i;
            r[m].id = id;
            m++;
        }
        if (m > 1)
            qsort(r, m, sizeof *r, o->desc ? cmp_desc : cmp_asc);
        for (size_t i = 0; i < m; i++)
            c->rows[i] = r[i].id;
    }
    c->nrows = m;
    ks->listings_built++;
    c->dir = dir;
    c->col = o->col;
    c->desc = o->desc != 0;
    c->gen = d->gen;
    return 0;
}

/* Empty listings still get a valid pointer, so callers can memcpy 0 rows. */
static const ec_ks_id no_rows[1];

int ec_ks_list(ec_ks *ks, ec_ks_id dir, const ec_ks_order *o,
               const ec_ks_id **rows, size_t *nrows, ec_err *err)
{
    *rows = no_rows;
    *nrows = 0;
    if (!ks_live(ks, dir))
        return ec_fail(err, EC_E_NOT_FOUND, "cannot list keyspace node #%u: no such node", dir);
    if ((unsigned)o->col >= EC_KS_NCOLS)
        return ec_fail(err, EC_E_INVALID, "cannot list keyspace: unknown sort column %d", (int)o->col);
    size_t fl = o->filter ? o->filter_len : 0;
    const ks_node *node = &ks->nodes[dir];
    if (node->dir == KS_NONE)
        return 0;
    ks_dir *d = &ks->dirs[node->dir];
    if (o->col == EC_KS_BY_NAME && !o->desc && fl == 0) {
        /* The child array is already in this order. */
        if (d->nkids) {
            *rows = d->kids;
            *nrows = d->nkids;
        }
        return 0;
    }
    ks_cache *hit = NULL, *lru = NULL;
    for (int i = 0; i < KS_CACHE_SLOTS; i++) {
        ks_cache *c = &ks->cache[i];
        if (slot_matches(c, dir, o, fl)) {
            hit = c;
            break;
        }
        if (!lru || c->dir == KS_NONE || (lru->dir != KS_NONE && c->used < lru->used))
            lru = c;
    }
    ks_cache *c = hit ? hit : lru;
    if (!hit || c->gen != d->gen) {
        if (slot_build(ks, c, dir, o, fl) != 0) {
            slot_clear(c);
            return ec_fail(err, EC_E_NOMEM, "cannot list keyspace directory of %u entries: out of memory",
                           d->nkids);
        }
    }
    c->used = ++ks->cache_tick;
    if (c->nrows) {
        *rows = c->rows;
        *nrows = c->nrows;
    }
    return 0;
}

int ec_ks_list_copy(ec_ks *ks, ec_ks_id dir, const ec_ks_order *o, size_t first,
                    ec_ks_id *out, size_t cap, size_t *copied, size_t *total, ec_err *err)
{
    const ec_ks_id *rows;
    size_t n;
    *copied = 0;
    if (total)
        *total = 0;
    if (ec_ks_list(ks, dir, o, &rows, &n, err) != 0)
        return -1;
    if (total)
        *total = n;
    if (first >= n)
        return 0;
    size_t k = n - first < cap ? n - first : cap;
    if (k)
        memcpy(out, rows + first, k * sizeof *out);
    *copied = k;
    return 0;
}

void ks_cache_reset(ec_ks *ks)
{
    for (int i = 0; i < KS_CACHE_SLOTS; i++)
        slot_clear(&ks->cache[i]);
}

void ks_cache_free(ec_ks *ks)
{
    for (int i = 0; i < KS_CACHE_SLOTS; i++) {
        slot_clear(&ks->cache[i]);
        free(ks->cache[i].rows);
        ks->cache[i].rows = NULL;
        ks->cache[i].cap = 0;
    }
}

size_t ks_cache_bytes(const ec_ks *ks)
{
    size_t a = 0;
    for (int i = 0; i < KS_CACHE_SLOTS; i++)
        a += ks->cache[i].cap * sizeof(uint32_t) + ks->cache[i].filter_len;
    return a;
}
