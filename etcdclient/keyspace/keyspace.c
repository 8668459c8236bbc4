/* The keyspace tree: nodes, segment arena, updates that keep every
 * directory's aggregates exact. Listings are in keyspace_list.c. */
#include "etcdclient/keyspace/keyspace_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "etcdclient/util/escape.h"

#define KS_ARENA_INIT 4096
#define KS_NODES_INIT 1024
/* Removed names are reclaimed when they are over half the arena and over
 * this many bytes, so churn (Kubernetes events come and go) cannot grow it
 * without bound while small trees never bother. */
#define KS_COMPACT_MIN ((size_t)1 << 16)

const uint8_t ks_empty[1];

/* The memory budget (docs/keyspace.md) counts on this. */
_Static_assert(sizeof(ks_node) == 64, "ks_node grew");

/* ---- small helpers ---- */

static int seg_cmp(const uint8_t *a, size_t al, const uint8_t *b, size_t bl)
{
    size_t m = al < bl ? al : bl;
    int c = m ? memcmp(a, b, m) : 0;
    if (c)
        return c;
    return (al > bl) - (al < bl);
}

/* A short escaped rendering of a key for error messages: at most 120 bytes
 * of the key, fewer when escaping makes them longer than out. */
const char *ks_key_repr(char *out, size_t outsz, const uint8_t *key, size_t len)
{
    snprintf(out, outsz, "(%zu bytes)", len);
    if (!key && len)
        return out;
    for (size_t show = len > 120 ? 120 : len;; show /= 2) {
        ec_buf b;
        ec_buf_init(&b, 4 * 120 + 16);
        int ok = ec_escape_append(&b, key, show) == 0 && b.data && b.len + 4 <= outsz;
        if (ok)
            snprintf(out, outsz, "%s%s", b.data, show < len ? "..." : "");
        ec_buf_free(&b);
        if (ok || show == 0)
            return out;
    }
}

static uint64_t rate_to_fixed(double r)
{
    if (!(r > 0))
        return 0;
    if (r > EC_KS_RATE_MAX)
        r = EC_KS_RATE_MAX;
    return (uint64_t)llround(r * KS_RATE_SCALE);
}

/* ---- growth of the arrays ---- */

/* p grown to hold need elements (capacity doubling, at most max), or NULL
 * with p untouched. */
static void *grow(void *p, size_t elem, uint32_t *cap, uint32_t need, uint32_t max)
{
    if (need <= *cap)
        return p;
    if (need > max)
        return NULL;
    uint64_t n = *cap ? *cap : 4;
    while (n < need)
        n *= 2;
    if (n > max)
        n = max;
    void *q = realloc(p, (size_t)n * elem);
    if (q)
        *cap = (uint32_t)n;
    return q;
}

static int arena_reserve(ec_ks *ks, size_t n)
{
    if (n > KS_ARENA_MAX - ks->arena_len)
        return -1;
    size_t need = ks->arena_len + n;
    if (need <= ks->arena_cap)
        return 0;
    size_t cap = ks->arena_cap;
    while (cap < need)
        cap = cap > KS_ARENA_MAX / 2 ? KS_ARENA_MAX : cap * 2;
    uint8_t *q = realloc(ks->arena, cap);
    if (!q)
        return -1;
    ks->arena = q;
    ks->arena_cap = cap;
    return 0;
}

/* ---- aggregates ---- */

void ks_node_agg(const ec_ks *ks, uint32_t id, ks_agg *out)
{
    const ks_node *n = &ks->nodes[id];
    if (n->dir != KS_NONE) {
        const ks_dir *d = &ks->dirs[n->dir];
        out->keys = d->keys;
        out->bytes = d->bytes;
        out->known = d->known;
        out->writes = d->writes;
        out->rate = d->rate;
        return;
    }
    int key = (n->flags & KS_F_KEY) != 0;
    int known = key && n->size != KS_SIZE_NONE;
    out->keys = key;
    out->bytes = known ? n->size : 0;
    out->known = known;
    out->writes = key ? (uint64_t)n->version : 0;
    out->rate = key ? n->rate : 0;
}

/* Recomputes a stale maximum from the children, depth-first without
 * recursion (a key with a million slashes is a million levels deep). */
static void dir_fix_max(ec_ks *ks, uint32_t top)
{
    size_t sp = 0;
    ks_frame *st = ks->stack;
    for (uint32_t id = top;;) {
        /* push id */
        if (sp == ks->stack_cap) {
            size_t cap = ks->stack_cap ? ks->stack_cap * 2 : 64;
            ks_frame *q = realloc(ks->stack, cap * sizeof *q);
            if (!q)
                return; /* keep the upper bound; retried on the next read */
            ks->stack = st = q;
            ks->stack_cap = cap;
        }
        const ks_node *n = &ks->nodes[id];
        st[sp].id = id;
        st[sp].next = 0;
        st[sp].acc = (n->flags & KS_F_KEY) ? n->mod_rev : 0;
        sp++;
        id = KS_NONE;
        while (sp > 0 && id == KS_NONE) {
            ks_frame *f = &st[sp - 1];
            ks_dir *d = &ks->dirs[ks->nodes[f->id].dir];
            if (f->next < d->nkids) {
                uint32_t c = d->kids[f->next++];
                const ks_node *cn = &ks->nodes[c];
                if (cn->dir != KS_NONE && ks->dirs[cn->dir].max_dirty) {
                    id = c; /* descend */
                } else {
                    int64_t v = cn->dir != KS_NONE ? ks->dirs[cn->dir].max_mod : cn->mod_rev;
                    if (v > f->acc)
                        f->acc = v;
                }
                continue;
            }
            d->max_mod = f->acc;
            d->max_dirty = 0;
            int64_t v = f->acc;
            sp--;
            if (sp > 0 && v > st[sp - 1].acc)
                st[sp - 1].acc = v;
        }
        if (sp == 0)
            return;
    }
}

int64_t ks_node_max_mod(ec_ks *ks, uint32_t id)
{
    const ks_node *n = &ks->nodes[id];
    if (n->dir == KS_NONE)
        return (n->flags & KS_F_KEY) ? n->mod_rev : 0;
    if (ks->dirs[n->dir].max_dirty)
        dir_fix_max(ks, id);
    return ks->dirs[ks->nodes[id].dir].max_mod;
}

/* What one change does to the aggregates of every directory from a node up
 * to the root. */
typedef struct ks_delta {
    int64_t keys, bytes, known, writes, rate;
    int64_t mod_gone;   /* a mod_revision that left the subtree, or -1 */
    int64_t mod_new;    /* a mod_revision that entered it, or -1 */
} ks_delta;

static void update_up(ec_ks *ks, uint32_t id, const ks_delta *dl)
{
    for (;;) {
        ks_node *n = &ks->nodes[id];
        if (n->dir != KS_NONE) {
            ks_dir *d = &ks->dirs[n->dir];
            d->keys += (uint64_t)dl->keys;
            d->bytes += (uint64_t)dl->bytes;
            d->known += (uint64_t)dl->known;
            d->writes += (uint64_t)dl->writes;
            d->rate += (uint64_t)dl->rate;
            /* A maximum cannot be un-added: mark it stale, fix it on read. */
            if (dl->mod_gone >= 0 && d->max_mod <= dl->mod_gone)
                d->max_dirty = 1;
            if (dl->mod_new > d->max_mod)
                d->max_mod = dl->mod_new;
            d->gen = ks->gen;
        }
        if (id == EC_KS_ROOT)
            return;
        id = n->parent;
    }
}

/* ---- nodes and directories ---- */

static void dir_free(ec_ks *ks, uint32_t id)
{
    ks_node *n = &ks->nodes[id];
    ks_dir *d = &ks->dirs[n->dir];
    free(d->kids);
    memset(d, 0, sizeof *d);
    d->node = ks->free_dir;
    ks->free_dir = n->dir;
    ks->live_dirs--;
    n->dir = KS_NONE;
}

/* Gives node id a (childless) directory, its aggregates starting as the
 * node's own key. */
static int dir_ensure(ec_ks *ks, uint32_t id)
{
    if (ks->nodes[id].dir != KS_NONE)
        return 0;
    uint32_t di;
    if (ks->free_dir != KS_NONE) {
        di = ks->free_dir;
        ks->free_dir = ks->dirs[di].node;
    } else {
        ks_dir *q = grow(ks->dirs, sizeof *q, &ks->dirs_cap, ks->ndirs + 1, KS_NONE - 1);
        if (!q)
            return -1;
        ks->dirs = q;
        di = ks->ndirs++;
    }
    ks_dir *d = &ks->dirs[di];
    memset(d, 0, sizeof *d);
    ks_agg a;
    ks_node_agg(ks, id, &a);
    d->node = id;
    d->keys = a.keys;
    d->bytes = a.bytes;
    d->known = a.known;
    d->writes = a.writes;
    d->rate = a.rate;
    d->max_mod = (ks->nodes[id].flags & KS_F_KEY) ? ks->nodes[id].mod_rev : 0;
    d->gen = ks->gen;
    ks->nodes[id].dir = di;
    ks->live_dirs++;
    return 0;
}

/* Position of name among d's children: 1 and *pos if present, else 0 and
 * the insertion point. Checks the end first: a sorted scan appends. */
static int kid_pos(const ec_ks *ks, const ks_dir *d, const uint8_t *s, size_t l, uint32_t *pos)
{
    uint32_t n = d->nkids;
    if (n == 0) {
        *pos = 0;
        return 0;
    }
    const ks_node *last = &ks->nodes[d->kids[n - 1]];
    int c = seg_cmp(s, l, ks_name(ks, last), last->name_len);
    if (c >= 0) {
        *pos = c == 0 ? n - 1 : n;
        return c == 0;
    }
    uint32_t lo = 0, hi = n - 1;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        const ks_node *m = &ks->nodes[d->kids[mid]];
        c = seg_cmp(s, l, ks_name(ks, m), m->name_len);
        if (c == 0) {
            *pos = mid;
            return 1;
        }
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    *pos = lo;
    return 0;
}

/* The child of parent named s, created (not a key yet) when create is set.
 * Returns the id, or KS_NONE when absent (or out of memory: *nomem = 1). */
uint32_t ks_kid_get(ec_ks *ks, uint32_t parent, const uint8_t *s, size_t l, int create, int *nomem)
{
    uint32_t pos;
    ks_node *p = &ks->nodes[parent];
    if (p->dir != KS_NONE && kid_pos(ks, &ks->dirs[p->dir], s, l, &pos))
        return ks->dirs[p->dir].kids[pos];
    if (!create)
        return KS_NONE;
    /* Reserve everything first, so nothing is half-linked on failure. */
    if (dir_ensure(ks, parent) != 0)
        goto nomem;
    ks_dir *d = &ks->dirs[ks->nodes[parent].dir];
    uint32_t *kids = grow(d->kids, sizeof *kids, &d->cap, d->nkids + 1, KS_NONE - 1);
    if (!kids)
        goto nomem;
    d->kids = kids;
    /* The name may come from the arena itself (a path the tree handed
     * out): keep it reachable across the arena's realloc. */
    uintptr_t sa = (uintptr_t)s, aa = (uintptr_t)ks->arena;
    int in_arena = l && sa >= aa && sa < aa + ks->arena_cap;
    size_t s_off = in_arena ? (size_t)(sa - aa) : 0;
    if (arena_reserve(ks, l) != 0)
        goto nomem;
    if (in_arena)
        s = ks->arena + s_off;
    if (ks->free_node == KS_NONE) {
        ks_node *q = grow(ks->nodes, sizeof *q, &ks->nodes_cap, ks->nnodes + 1, KS_NONE - 1);
        if (!q)
            goto nomem;
        ks->nodes = q;
    }

    uint32_t id;
    if (ks->free_node != KS_NONE) {
        id = ks->free_node;
        ks->free_node = ks->nodes[id].parent;
    } else {
        id = ks->nnodes++;
    }
    ks_node *n = &ks->nodes[id];
    memset(n, 0, sizeof *n);
    n->name_off = (uint32_t)ks->arena_len;
    n->name_len = (uint32_t)l;
    if (l)
        memcpy(ks->arena + ks->arena_len, s, l);
    ks->arena_len += l;
    n->parent = parent;
    n->dir = KS_NONE;
    n->size = KS_SIZE_NONE;
    n->flags = KS_F_LIVE;
    ks->live_nodes++;

    d = &ks->dirs[ks->nodes[parent].dir];
    kid_pos(ks, d, s, l, &pos);
    if (pos < d->nkids)
        memmove(d->kids + pos + 1, d->kids + pos, (size_t)(d->nkids - pos) * sizeof(uint32_t));
    d->kids[pos] = id;
    d->nkids++;
    return id;
nomem:
    *nomem = 1;
    return KS_NONE;
}

static void kid_unlink(ec_ks *ks, uint32_t id)
{
    ks_node *n = &ks->nodes[id];
    ks_dir *d = &ks->dirs[ks->nodes[n->parent].dir];
    uint32_t pos;
    if (!kid_pos(ks, d, ks_name(ks, n), n->name_len, &pos))
        return; /* cannot happen: every node is in its parent's array */
    memmove(d->kids + pos, d->kids + pos + 1, (size_t)(d->nkids - pos - 1) * sizeof(uint32_t));
    d->nkids--;
    if (d->cap > 64 && d->nkids < d->cap / 4) {
        uint32_t *q = realloc(d->kids, (size_t)(d->cap / 2) * sizeof(uint32_t));
        if (q) {
            d->kids = q;
            d->cap /= 2;
        }
    }
}

/* Drops what a node no longer needs: an empty child array, then the node
 * itself if it is neither a key nor a directory, and so on upwards. */
static void settle(ec_ks *ks, uint32_t id)
{
    for (;;) {
        ks_node *n = &ks->nodes[id];
        if (id != EC_KS_ROOT && n->dir != KS_NONE && ks->dirs[n->dir].nkids == 0)
            dir_free(ks, id);
        if (id == EC_KS_ROOT || (n->flags & KS_F_KEY) || n->dir != KS_NONE)
            return;
        uint32_t parent = n->parent;
        kid_unlink(ks, id);
        ks->arena_garbage += n->name_len;
        memset(n, 0, sizeof *n);
        n->parent = ks->free_node;
        ks->free_node = id;
        ks->live_nodes--;
        ks->cursor_depth = 0;
        id = parent;
    }
}

/* Moves the live names to a fresh arena when removed ones dominate. */
static void arena_compact(ec_ks *ks)
{
    if (ks->arena_garbage < KS_COMPACT_MIN || ks->arena_garbage * 2 < ks->arena_len)
        return;
    size_t used = ks->arena_len - ks->arena_garbage;
    size_t cap = KS_ARENA_INIT;
    while (cap < used + used / 4)
        cap *= 2;
    uint8_t *a = malloc(cap);
    if (!a)
        return; /* try again after the next delete */
    size_t len = 0;
    for (uint32_t i = 0; i < ks->nnodes; i++) {
        ks_node *n = &ks->nodes[i];
        if (!(n->flags & KS_F_LIVE))
            continue;
        if (n->name_len)
            memcpy(a + len, ks->arena + n->name_off, n->name_len);
        n->name_off = (uint32_t)len;
        len += n->name_len;
    }
    free(ks->arena);
    ks->arena = a;
    ks->arena_cap = cap;
    ks->arena_len = len;
    ks->arena_garbage = 0;
}

/* Follows key's segments from the root, creating missing nodes when create
 * is set. The cursor (the previous key's path) spares a sorted scan the
 * binary searches of the levels it shares with the previous key. */
uint32_t ks_walk(ec_ks *ks, const uint8_t *key, size_t len, int create, int *nomem)
{
    if (!key) {
        if (len)
            return KS_NONE;
        key = ks_empty;
    }
    uint32_t cur = EC_KS_ROOT, depth = 0, made = KS_NONE;
    size_t p = 0;
    for (;;) {
        const uint8_t *seg = key + p;
        const uint8_t *sl = memchr(seg, '/', len - p);
        size_t l = sl ? (size_t)(sl - seg) : len - p;
        uint32_t next = KS_NONE;
        if (depth < ks->cursor_depth) {
            const ks_node *c = &ks->nodes[ks->cursor[depth]];
            if (c->name_len == l && (l == 0 || memcmp(ks_name(ks, c), seg, l) == 0))
                next = ks->cursor[depth];
        }
        if (next == KS_NONE) {
            ks->cursor_depth = depth;
            uint32_t before = ks->nnodes, before_free = ks->free_node;
            next = ks_kid_get(ks, cur, seg, l, create, nomem);
            if (next == KS_NONE) {
                if (*nomem) /* undo the nodes made for this key */
                    settle(ks, made != KS_NONE ? made : cur);
                return KS_NONE;
            }
            if (ks->nnodes != before || ks->free_node != before_free)
                made = next;
            uint32_t *cur_ids = grow(ks->cursor, sizeof *cur_ids, &ks->cursor_cap, depth + 1, KS_NONE - 1);
            if (cur_ids) { /* without room the next walk just starts higher */
                ks->cursor = cur_ids;
                ks->cursor[depth] = next;
                ks->cursor_depth = depth + 1;
            }
        }
        if (!sl)
            return next;
        cur = next;
        depth++;
        p += l + 1;
    }
}

/* ---- lifecycle ---- */

static int ks_init(ec_ks *ks)
{
    memset(ks, 0, sizeof *ks);
    ks->free_node = ks->free_dir = KS_NONE;
    ks->arena = malloc(KS_ARENA_INIT);
    ks->arena_cap = KS_ARENA_INIT;
    ks->nodes = grow(NULL, sizeof(ks_node), &ks->nodes_cap, KS_NODES_INIT, KS_NONE - 1);
    if (!ks->arena || !ks->nodes)
        return -1;
    ks_node *root = &ks->nodes[0];
    memset(root, 0, sizeof *root);
    root->parent = KS_NONE;
    root->dir = KS_NONE;
    root->size = KS_SIZE_NONE;
    root->flags = KS_F_LIVE;
    ks->nnodes = 1;
    ks->live_nodes = 1;
    for (int i = 0; i < KS_CACHE_SLOTS; i++)
        ks->cache[i].dir = KS_NONE;
    /* The root always has a directory, so update_up always ends on one. */
    return dir_ensure(ks, EC_KS_ROOT);
}

static void ks_release(ec_ks *ks)
{
    for (uint32_t i = 0; i < ks->ndirs; i++)
        free(ks->dirs[i].kids);
    free(ks->dirs);
    free(ks->nodes);
    free(ks->arena);
    free(ks->cursor);
    free(ks->stack);
    free(ks->sortbuf);
    ks_cache_free(ks);
}

ec_ks *ec_ks_new(void)
{
    ec_ks *ks = malloc(sizeof *ks);
    if (!ks)
        return NULL;
    if (ks_init(ks) != 0) {
        ks_release(ks);
        free(ks);
        return NULL;
    }
    return ks;
}

void ec_ks_free(ec_ks *ks)
{
    if (!ks)
        return;
    ks_release(ks);
    free(ks);
}

void ec_ks_clear(ec_ks *ks)
{
    uint64_t gen = ks->gen;
    ec_ks fresh;
    if (ks_init(&fresh) != 0) {
        /* No memory for a fresh start: empty the tree in place instead. */
        ks_release(&fresh);
        for (uint32_t i = 0; i < ks->ndirs; i++) {
            free(ks->dirs[i].kids);
            ks->dirs[i].kids = NULL;
        }
        ks->nnodes = ks->live_nodes = 1;
        ks->ndirs = ks->live_dirs = 1;
        ks->free_node = ks->free_dir = KS_NONE;
        ks_dir *d = &ks->dirs[0];
        memset(d, 0, sizeof *d);
        ks->nodes[0].dir = 0;
        ks->arena_len = ks->arena_garbage = 0;
        ks->cursor_depth = 0;
        ks_cache_reset(ks);
        ks->gen = gen + 1;
        d->gen = ks->gen;
        return;
    }
    uint64_t built = ks->listings_built;
    ks_release(ks);
    *ks = fresh;
    ks->listings_built = built;
    ks->gen = gen + 1;
    ks->dirs[0].gen = ks->gen;
}

uint64_t ec_ks_generation(const ec_ks *ks)
{
    return ks->gen;
}

/* ---- updates ---- */

static int kv_check(const ec_ks_kv *kv, const uint8_t *key, size_t len, ec_err *err)
{
    const char *what = NULL;
    if (kv->create_revision < 0)
        what = "negative create_revision";
    else if (kv->mod_revision < 0)
        what = "negative mod_revision";
    else if (kv->version < 0)
        what = "negative version";
    else if (kv->value_size < EC_KS_SIZE_UNKNOWN || kv->value_size > EC_KS_SIZE_MAX)
        what = "value size out of range";
    if (!what)
        return 0;
    char r[200];
    return ec_fail(err, EC_E_INVALID, "cannot add key '%s': %s", ks_key_repr(r, sizeof r, key, len), what);
}

int ec_ks_put(ec_ks *ks, const uint8_t *key, size_t len, const ec_ks_kv *kv, ec_err *err)
{
    if (!key && len)
        return ec_fail(err, EC_E_INVALID, "cannot add a key of %zu bytes without its bytes", len);
    if (kv_check(kv, key, len, err) != 0)
        return -1;
    int nomem = 0;
    uint32_t id = ks_walk(ks, key, len, 1, &nomem);
    if (id == KS_NONE) {
        char r[200];
        return ec_fail(err, EC_E_NOMEM, "cannot add key '%s': out of memory",
                       ks_key_repr(r, sizeof r, key, len));
    }
    ks_node *n = &ks->nodes[id];
    uint32_t size = kv->value_size < 0 ? KS_SIZE_NONE : (uint32_t)kv->value_size;
    ks_delta dl = { 0, 0, 0, 0, 0, -1, kv->mod_revision };
    int created = !(n->flags & KS_F_KEY);
    if (created) {
        dl.keys = 1;
        dl.writes = kv->version;
    } else {
        if (size == KS_SIZE_NONE && kv->mod_revision == n->mod_rev)
            size = n->size; /* same revision, same value */
        if (n->create_rev == kv->create_revision && n->mod_rev == kv->mod_revision &&
            n->version == kv->version && n->lease == kv->lease && n->size == size)
            return 0;
        dl.writes = kv->version - n->version;
        if (n->size != KS_SIZE_NONE) {
            dl.bytes -= n->size;
            dl.known--;
        }
        if (kv->mod_revision < n->mod_rev)
            dl.mod_gone = n->mod_rev;
    }
    if (size != KS_SIZE_NONE) {
        dl.bytes += size;
        dl.known++;
    }
    n->flags |= KS_F_KEY;
    n->create_rev = kv->create_revision;
    n->mod_rev = kv->mod_revision;
    n->version = kv->version;
    n->lease = kv->lease;
    n->size = size;
    ks->gen++;
    update_up(ks, id, &dl);
    return created;
}

int ec_ks_add_page(ec_ks *ks, const ec_ks_entry *e, size_t n, ec_err *err)
{
    for (size_t i = 0; i < n; i++)
        if (ec_ks_put(ks, e[i].key, e[i].key_len, &e[i].kv, err) < 0)
            return -1;
    return 0;
}

/* The key node for key, or KS_NONE. */
static uint32_t find_key(ec_ks *ks, const uint8_t *key, size_t len)
{
    int nomem = 0;
    uint32_t id = ks_walk(ks, key, len, 0, &nomem);
    if (id == KS_NONE || !(ks->nodes[id].flags & KS_F_KEY))
        return KS_NONE;
    return id;
}

int ec_ks_delete(ec_ks *ks, const uint8_t *key, size_t len)
{
    uint32_t id = find_key(ks, key, len);
    if (id == KS_NONE)
        return 0;
    ks_node *n = &ks->nodes[id];
    ks_delta dl = { -1, 0, 0, -n->version, -(int64_t)n->rate, n->mod_rev, -1 };
    if (n->size != KS_SIZE_NONE) {
        dl.bytes = -(int64_t)n->size;
        dl.known = -1;
    }
    ks->gen++;
    update_up(ks, id, &dl);
    n->flags &= ~KS_F_KEY;
    n->create_rev = n->mod_rev = n->version = n->lease = 0;
    n->rate = 0;
    n->size = KS_SIZE_NONE;
    ks->cursor_depth = 0;
    settle(ks, id);
    arena_compact(ks);
    return 1;
}

int ec_ks_set_size(ec_ks *ks, const uint8_t *key, size_t len, int64_t mod_revision,
                   int64_t size, ec_err *err)
{
    if (size < EC_KS_SIZE_UNKNOWN || size > EC_KS_SIZE_MAX) {
        char r[200];
        return ec_fail(err, EC_E_INVALID, "cannot set size of key '%s': %lld out of range",
                       ks_key_repr(r, sizeof r, key, len), (long long)size);
    }
    uint32_t id = find_key(ks, key, len);
    if (id == KS_NONE)
        return 0;
    ks_node *n = &ks->nodes[id];
    if (mod_revision > 0 && n->mod_rev != mod_revision)
        return 0;
    uint32_t s = size < 0 ? KS_SIZE_NONE : (uint32_t)size;
    if (s == n->size)
        return 1;
    ks_delta dl = { 0, 0, 0, 0, 0, -1, -1 };
    if (n->size != KS_SIZE_NONE) {
        dl.bytes -= n->size;
        dl.known--;
    }
    if (s != KS_SIZE_NONE) {
        dl.bytes += s;
        dl.known++;
    }
    n->size = s;
    ks->gen++;
    update_up(ks, id, &dl);
    return 1;
}

static int rate_change(ec_ks *ks, const uint8_t *key, size_t len, double v, int add, ec_err *err)
{
    if (!isfinite(v)) {
        char r[200];
        return ec_fail(err, EC_E_INVALID, "cannot set write rate of key '%s': not a number",
                       ks_key_repr(r, sizeof r, key, len));
    }
    uint32_t id = find_key(ks, key, len);
    if (id == KS_NONE)
        return 0;
    ks_node *n = &ks->nodes[id];
    uint64_t r = rate_to_fixed(v);
    if (add) {
        /* In fixed point, so adding d then -d restores the exact value. */
        int64_t dv = (int64_t)rate_to_fixed(fabs(v));
        int64_t cur = (int64_t)n->rate + (v < 0 ? -dv : dv);
        int64_t max = (int64_t)rate_to_fixed(EC_KS_RATE_MAX);
        r = cur < 0 ? 0 : cur > max ? (uint64_t)max : (uint64_t)cur;
    }
    if (r == n->rate)
        return 1;
    ks_delta dl = { 0, 0, 0, 0, (int64_t)r - (int64_t)n->rate, -1, -1 };
    n->rate = r;
    ks->gen++;
    update_up(ks, id, &dl);
    return 1;
}

int ec_ks_rate_set(ec_ks *ks, const uint8_t *key, size_t len, double rate, ec_err *err)
{
    return rate_change(ks, key, len, rate, 0, err);
}

int ec_ks_rate_add(ec_ks *ks, const uint8_t *key, size_t len, double delta, ec_err *err)
{
    return rate_change(ks, key, len, delta, 1, err);
}

void ec_ks_rate_clear(ec_ks *ks)
{
    ks->gen++;
    for (uint32_t i = 0; i < ks->nnodes; i++)
        ks->nodes[i].rate = 0;
    for (uint32_t i = 0; i < ks->ndirs; i++) {
        ks->dirs[i].rate = 0;
        ks->dirs[i].gen = ks->gen;
    }
}
