/* Buckets and ordered cursors over bbolt trees. */
#include "etcdclient/offline/bolt.h"

#include <stdlib.h>
#include <string.h>

#include "etcdclient/offline/le.h"

void ec_bolt_root_bucket(const ec_bolt *db, ec_bolt_bucket *b)
{
    memset(b, 0, sizeof *b);
    b->root = db->root;
}

/* An inline page lives in its parent's value: leaf only, bounded by the value. */
static int inline_page(ec_bolt *db, const uint8_t *p, size_t len, ec_bolt_page *pg, ec_err *err)
{
    if (len < EC_BOLT_PAGE_HEADER)
        return ec_bolt_fail(db, err, EC_OFFLINE_F_BAD_PAGE, EC_E_CORRUPT,
                            "damaged inline bucket (%zu bytes)", len);
    pg->p = p;
    pg->span = len;
    pg->id = 0;
    pg->flags = ec_le16(p + 8);
    pg->count = ec_le16(p + 10);
    pg->overflow = 0;
    if (pg->flags != EC_BOLT_FLAG_LEAF)
        return ec_bolt_fail(db, err, EC_OFFLINE_F_BAD_PAGE, EC_E_CORRUPT,
                            "damaged inline bucket (page flags 0x%02x)", pg->flags);
    return 0;
}

int ec_bolt_bucket_parse(ec_bolt *db, const uint8_t *v, size_t vlen, ec_bolt_bucket *b,
                         ec_err *err)
{
    memset(b, 0, sizeof *b);
    if (vlen < 16)
        return ec_bolt_fail(db, err, EC_OFFLINE_F_BAD_PAGE, EC_E_CORRUPT,
                            "damaged bucket header (%zu bytes)", vlen);
    b->root = ec_le64(v);
    if (b->root == 0) {
        b->inline_page = v + 16;
        b->inline_len = vlen - 16;
        ec_bolt_page pg;
        return inline_page(db, b->inline_page, b->inline_len, &pg, err);
    }
    return 0;
}

/* Tree pages must be branch or leaf, with their elements inside the span. */
static int check_tree_page(ec_bolt *db, const ec_bolt_page *pg, ec_err *err)
{
    if (pg->flags != EC_BOLT_FLAG_BRANCH && pg->flags != EC_BOLT_FLAG_LEAF)
        return ec_bolt_fail(db, err, EC_OFFLINE_F_BAD_PAGE, EC_E_CORRUPT,
                            "damaged page %llu (flags 0x%02x where a branch or leaf page "
                            "belongs)", (unsigned long long)pg->id, pg->flags);
    if ((size_t)pg->count * EC_BOLT_ELEMENT > pg->span - EC_BOLT_PAGE_HEADER)
        return ec_bolt_fail(db, err, EC_OFFLINE_F_BAD_PAGE, EC_E_CORRUPT,
                            "damaged page %llu (%u elements do not fit)",
                            (unsigned long long)pg->id, pg->count);
    if (pg->flags == EC_BOLT_FLAG_BRANCH && pg->count == 0)
        return ec_bolt_fail(db, err, EC_OFFLINE_F_BAD_PAGE, EC_E_CORRUPT,
                            "damaged page %llu (branch page without elements)",
                            (unsigned long long)pg->id);
    return 0;
}

/* Element i of a checked page: key (and value for leaves) bounds-checked. */
static int element(ec_bolt *db, const ec_bolt_page *pg, uint32_t i, ec_bolt_item *it,
                   uint64_t *child, ec_err *err)
{
    size_t off = EC_BOLT_PAGE_HEADER + (size_t)i * EC_BOLT_ELEMENT;
    const uint8_t *e = pg->p + off;
    memset(it, 0, sizeof *it);
    uint64_t pos, ksize, vsize = 0;
    if (pg->flags == EC_BOLT_FLAG_BRANCH) {
        pos = ec_le32(e);
        ksize = ec_le32(e + 4);
        *child = ec_le64(e + 8);
    } else {
        it->is_bucket = (ec_le32(e) & EC_BOLT_LEAF_BUCKET) != 0;
        pos = ec_le32(e + 4);
        ksize = ec_le32(e + 8);
        vsize = ec_le32(e + 12);
    }
    if (off + pos + ksize + vsize > pg->span)
        return ec_bolt_fail(db, err, EC_OFFLINE_F_BAD_PAGE, EC_E_CORRUPT,
                            "damaged page %llu (element %u points outside the page)",
                            (unsigned long long)pg->id, i);
    it->key = e + pos;
    it->key_len = (size_t)ksize;
    it->value = e + pos + ksize;
    it->value_len = (size_t)vsize;
    return 0;
}

/* Marks page id and its overflow pages; a second visit means a cycle or a
 * page shared between trees, which bbolt never writes. */
static int mark_visited(ec_bolt_cursor *c, const ec_bolt_page *pg, ec_err *err)
{
    uint64_t last = pg->id + pg->overflow;
    for (uint64_t i = pg->id; i <= last; i++)
        if (c->visited[i / 8] & (1u << (i % 8)))
            return ec_bolt_fail(c->db, err, EC_OFFLINE_F_BAD_PAGE, EC_E_CORRUPT,
                                "damaged tree (page %llu is reached twice)",
                                (unsigned long long)i);
    for (uint64_t i = pg->id; i <= last; i++)
        c->visited[i / 8] |= (uint8_t)(1u << (i % 8));
    return 0;
}

static int push_page(ec_bolt_cursor *c, uint64_t id, ec_err *err)
{
    if (c->depth >= EC_BOLT_MAX_DEPTH)
        return ec_bolt_fail(c->db, err, EC_OFFLINE_F_BAD_PAGE, EC_E_CORRUPT,
                            "damaged tree (deeper than %d levels at page %llu)",
                            EC_BOLT_MAX_DEPTH, (unsigned long long)id);
    ec_bolt_frame *f = &c->stack[c->depth];
    if (ec_bolt_page_get(c->db, id, &f->pg, err) != 0 || check_tree_page(c->db, &f->pg, err) != 0
        || mark_visited(c, &f->pg, err) != 0)
        return -1;
    f->index = 0;
    c->depth++;
    if (f->pg.flags == EC_BOLT_FLAG_BRANCH)
        c->branch_pages++;
    else
        c->leaf_pages++;
    c->overflow_pages += f->pg.overflow;
    return 0;
}

/* Goes down the first children until a leaf is on top. */
static int descend(ec_bolt_cursor *c, ec_err *err)
{
    for (;;) {
        ec_bolt_frame *f = &c->stack[c->depth - 1];
        if (f->pg.flags == EC_BOLT_FLAG_LEAF)
            return 0;
        ec_bolt_item it;
        uint64_t child = 0;
        if (element(c->db, &f->pg, f->index, &it, &child, err) != 0
            || push_page(c, child, err) != 0)
            return -1;
    }
}

int ec_bolt_cursor_open(ec_bolt_cursor *c, ec_bolt *db, const ec_bolt_bucket *b,
                        uint8_t *visited, ec_err *err)
{
    memset(c, 0, sizeof *c);
    c->db = db;
    c->bucket = *b;
    if (visited) {
        c->visited = visited;
    } else {
        c->visited = calloc(1, ec_bolt_visited_size(db));
        if (!c->visited)
            return ec_bolt_fail(db, err, EC_OFFLINE_F_LIMIT, EC_E_NOMEM, "out of memory");
        c->own_visited = 1;
    }
    return 0;
}

void ec_bolt_cursor_close(ec_bolt_cursor *c)
{
    if (c->own_visited)
        free(c->visited);
    c->visited = NULL;
    c->own_visited = 0;
}

static int cursor_start(ec_bolt_cursor *c, ec_err *err)
{
    c->started = 1;
    if (c->bucket.root == 0) {
        ec_bolt_frame *f = &c->stack[0];
        if (inline_page(c->db, c->bucket.inline_page, c->bucket.inline_len, &f->pg, err) != 0)
            return -1;
        if ((size_t)f->pg.count * EC_BOLT_ELEMENT > f->pg.span - EC_BOLT_PAGE_HEADER)
            return ec_bolt_fail(c->db, err, EC_OFFLINE_F_BAD_PAGE, EC_E_CORRUPT,
                                "damaged inline bucket (%u elements do not fit)", f->pg.count);
        f->index = 0;
        c->depth = 1;
        return 0;
    }
    if (push_page(c, c->bucket.root, err) != 0)
        return -1;
    return descend(c, err);
}

int ec_bolt_cursor_next(ec_bolt_cursor *c, ec_bolt_item *it, ec_err *err)
{
    if (c->done)
        return 0;
    if (!c->started) {
        if (cursor_start(c, err) != 0)
            goto fail;
    } else {
        c->stack[c->depth - 1].index++;
    }
    for (;;) {
        ec_bolt_frame *f = &c->stack[c->depth - 1];
        if (f->index < f->pg.count) {
            uint64_t unused;
            if (element(c->db, &f->pg, f->index, it, &unused, err) != 0)
                goto fail;
            return 1;
        }
        /* Leaf done: climb to the next branch with children left. */
        for (;;) {
            c->depth--;
            if (c->depth == 0) {
                c->done = 1;
                return 0;
            }
            f = &c->stack[c->depth - 1];
            if (++f->index < f->pg.count)
                break;
        }
        if (descend(c, err) != 0)
            goto fail;
    }
fail:
    c->done = 1;
    return -1;
}

static int key_cmp(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
    int r = memcmp(a, b, alen < blen ? alen : blen);
    if (r)
        return r;
    return alen < blen ? -1 : alen > blen;
}

int ec_bolt_get(ec_bolt *db, const ec_bolt_bucket *b, const uint8_t *key, size_t key_len,
                ec_bolt_item *it, int *found, ec_err *err)
{
    *found = 0;
    ec_bolt_page pg;
    if (b->root == 0) {
        if (inline_page(db, b->inline_page, b->inline_len, &pg, err) != 0)
            return -1;
    } else if (ec_bolt_page_get(db, b->root, &pg, err) != 0) {
        return -1;
    }
    /* Each step goes one level down, so the depth bound also ends cycles. */
    for (int depth = 0;; depth++) {
        if (check_tree_page(db, &pg, err) != 0)
            return -1;
        if (depth >= EC_BOLT_MAX_DEPTH)
            return ec_bolt_fail(db, err, EC_OFFLINE_F_BAD_PAGE, EC_E_CORRUPT,
                                "damaged tree (deeper than %d levels at page %llu)",
                                EC_BOLT_MAX_DEPTH, (unsigned long long)pg.id);
        ec_bolt_item e;
        uint64_t child = 0;
        if (pg.flags == EC_BOLT_FLAG_LEAF) {
            for (uint32_t i = 0; i < pg.count; i++) {
                if (element(db, &pg, i, &e, &child, err) != 0)
                    return -1;
                if (key_cmp(e.key, e.key_len, key, key_len) == 0) {
                    *it = e;
                    *found = 1;
                    return 0;
                }
            }
            return 0;
        }
        /* Branch: the last element whose key is <= the one sought. */
        uint64_t next = 0;
        for (uint32_t i = 0; i < pg.count; i++) {
            uint64_t c = 0;
            if (element(db, &pg, i, &e, &c, err) != 0)
                return -1;
            if (i > 0 && key_cmp(e.key, e.key_len, key, key_len) > 0)
                break;
            next = c;
        }
        if (ec_bolt_page_get(db, next, &pg, err) != 0)
            return -1;
    }
}

int ec_bolt_bucket_find(ec_bolt *db, const ec_bolt_bucket *parent, const char *name,
                        ec_bolt_bucket *child, int *found, ec_err *err)
{
    ec_bolt_item it;
    if (ec_bolt_get(db, parent, (const uint8_t *)name, strlen(name), &it, found, err) != 0)
        return -1;
    if (*found && !it.is_bucket)
        *found = 0;
    if (!*found)
        return 0;
    return ec_bolt_bucket_parse(db, it.value, it.value_len, child, err);
}
