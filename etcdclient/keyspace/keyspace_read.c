/* Reading the keyspace tree: lookups, paths, labels, one node's numbers. */
#include "etcdclient/keyspace/keyspace_int.h"

#include <string.h>

#include "etcdclient/util/escape.h"

ec_ks_id ec_ks_find(ec_ks *ks, const uint8_t *path, size_t len)
{
    int nomem = 0;
    return ks_walk(ks, path, len, 0, &nomem);
}

ec_ks_id ec_ks_child(ec_ks *ks, ec_ks_id dir, const uint8_t *name, size_t len)
{
    if (!ks_live(ks, dir))
        return EC_KS_NONE;
    if (!name)
        name = ks_empty;
    /* A name with '/' is never one segment. */
    if (len && memchr(name, '/', len))
        return EC_KS_NONE;
    int nomem = 0;
    return ks_kid_get(ks, dir, name, len, 0, &nomem);
}

ec_ks_id ec_ks_parent(const ec_ks *ks, ec_ks_id id)
{
    if (!ks_live(ks, id) || id == EC_KS_ROOT)
        return EC_KS_NONE;
    return ks->nodes[id].parent;
}

int ec_ks_path(const ec_ks *ks, ec_ks_id id, ec_buf *out)
{
    static const uint8_t zeros[256];
    ec_buf_reset(out);
    if (!ks_live(ks, id))
        return -1;
    size_t total = 0;
    for (uint32_t i = id; i != EC_KS_ROOT; i = ks->nodes[i].parent)
        total += ks->nodes[i].name_len + (ks->nodes[i].parent != EC_KS_ROOT);
    /* Grow to the final length, then fill from the end while walking up. */
    for (size_t done = 0; done < total;) {
        size_t step = total - done < sizeof zeros ? total - done : sizeof zeros;
        if (ec_buf_append(out, zeros, step) != 0) {
            ec_buf_reset(out);
            return -1;
        }
        done += step;
    }
    if (ec_buf_append(out, "", 0) != 0)
        return -1;
    size_t end = total;
    for (uint32_t i = id; i != EC_KS_ROOT; i = ks->nodes[i].parent) {
        const ks_node *n = &ks->nodes[i];
        end -= n->name_len;
        if (n->name_len)
            memcpy(out->data + end, ks_name(ks, n), n->name_len);
        if (n->parent != EC_KS_ROOT)
            out->data[--end] = '/';
    }
    return 0;
}

int ec_ks_display_name(const ec_ks *ks, ec_ks_id id, ec_buf *out)
{
    if (!ks_live(ks, id))
        return -1;
    if (id == EC_KS_ROOT)
        return ec_buf_append(out, "", 0);
    const ks_node *n = &ks->nodes[id];
    int dir = n->dir != KS_NONE;
    if (n->name_len == 0 && !dir)
        return ec_buf_puts(out, "\"\"");
    if (ec_escape_append(out, ks_name(ks, n), n->name_len) != 0)
        return -1;
    return dir ? ec_buf_putc(out, '/') : 0;
}

int ec_ks_stat(ec_ks *ks, ec_ks_id id, ec_ks_info *st)
{
    memset(st, 0, sizeof *st);
    if (!ks_live(ks, id))
        return -1;
    ks_agg a;
    ks_node_agg(ks, id, &a);
    st->max_mod_revision = ks_node_max_mod(ks, id);
    const ks_node *n = &ks->nodes[id];
    st->name = ks_name(ks, n);
    st->name_len = n->name_len;
    st->is_key = (n->flags & KS_F_KEY) != 0;
    st->children = n->dir != KS_NONE ? ks->dirs[n->dir].nkids : 0;
    st->keys = a.keys;
    st->bytes = a.bytes;
    st->bytes_known = a.known;
    st->writes = a.writes;
    st->rate = (double)a.rate / KS_RATE_SCALE;
    if (st->is_key) {
        st->kv.create_revision = n->create_rev;
        st->kv.mod_revision = n->mod_rev;
        st->kv.version = n->version;
        st->kv.lease = n->lease;
        st->kv.value_size = n->size == KS_SIZE_NONE ? EC_KS_SIZE_UNKNOWN : (int64_t)n->size;
    }
    return 0;
}

void ec_ks_memory(const ec_ks *ks, ec_ks_mem *out)
{
    memset(out, 0, sizeof *out);
    out->nodes = ks->live_nodes;
    out->dirs = ks->live_dirs;
    out->name_bytes = ks->arena_len - ks->arena_garbage;
    out->name_garbage = ks->arena_garbage;
    out->listings_built = ks->listings_built;
    size_t a = sizeof *ks + (size_t)ks->nodes_cap * sizeof(ks_node) +
               (size_t)ks->dirs_cap * sizeof(ks_dir) + ks->arena_cap +
               (size_t)ks->cursor_cap * sizeof(uint32_t) +
               ks->stack_cap * sizeof(ks_frame) + ks->sortbuf_cap + ks_cache_bytes(ks);
    for (uint32_t i = 0; i < ks->ndirs; i++)
        a += (size_t)ks->dirs[i].cap * sizeof(uint32_t);
    out->alloc_bytes = a;
}
