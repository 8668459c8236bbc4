/* Group names of a write, one per grouping (see group.h). */
#include "tui/top/group.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static const char *const names[BG_TOP_NGROUPINGS] = {"key", "prefix", "resource", "namespace",
                                                      "owner", "writer", "lease"};

const char *bg_top_grouping_name(bg_top_grouping g)
{
    return (unsigned)g < BG_TOP_NGROUPINGS ? names[g] : NULL;
}

int bg_top_grouping_parse(const char *s, bg_top_grouping *out)
{
    for (unsigned i = 0; i < BG_TOP_NGROUPINGS; i++) {
        if (strcmp(s, names[i]) == 0) {
            *out = (bg_top_grouping)i;
            return 0;
        }
    }
    return -1;
}

bool bg_top_grouping_needs_prev_kv(bg_top_grouping g)
{
    return g == BG_TOP_BY_OWNER || g == BG_TOP_BY_WRITER || g == BG_TOP_BY_LEASE;
}

bool bg_top_grouping_keys_only(bg_top_grouping g)
{
    return g != BG_TOP_BY_OWNER && g != BG_TOP_BY_WRITER;
}

void bg_top_parsed_init(bg_top_parsed *p, const bg_top_write *w)
{
    p->w = w;
    p->key_state = 0;
    p->peek_state = 0;
}

size_t bg_top_prefix_len(const uint8_t *key, size_t len, unsigned depth)
{
    if (depth == 0)
        return len;
    unsigned seen = 0;
    for (size_t i = 1; i < len; i++) {
        if (key[i] == '/' && ++seen == depth)
            return i + 1;
    }
    return len;
}

static const ec_k8s_key *key_of(bg_top_parsed *p, const bg_top_group_opts *o)
{
    if (p->key_state == 0)
        p->key_state = ec_k8s_key_parse(p->w->key, p->w->key_len, o->k8s_prefix, &p->key) == 0 ? 1 : -1;
    return p->key_state > 0 ? &p->key : NULL;
}

/* The value's fields, or NULL when there is no value to read (a delete
 * whose previous value etcd did not send). A damaged value still gives what
 * was read before the damage. */
static const ec_k8s_peek *peek_of(bg_top_parsed *p)
{
    if (p->peek_state == 0) {
        if (!p->w->value_known) {
            p->peek_state = -1;
        } else {
            ec_k8s_peek_value(p->w->value, p->w->value_len, &p->peek, NULL);
            p->peek_state = 1;
        }
    }
    return p->peek_state > 0 ? &p->peek : NULL;
}

static size_t static_name(const char *s, const uint8_t **name)
{
    *name = (const uint8_t *)s;
    return strlen(s);
}

/* Appends a view to buf at *off, cut at BG_TOP_GROUP_BUF. */
static void put(uint8_t *buf, size_t *off, const void *p, size_t n)
{
    size_t room = BG_TOP_GROUP_BUF - *off;
    if (n > room)
        n = room;
    if (n)
        memcpy(buf + *off, p, n);
    *off += n;
}

/* "Kind/namespace/name", or "Kind/name" without a namespace. */
static size_t kind_ns_name(uint8_t *buf, ec_k8s_view kind, ec_k8s_view ns, ec_k8s_view name)
{
    size_t off = 0;
    put(buf, &off, kind.p, kind.len);
    put(buf, &off, "/", 1);
    if (ns.len) {
        put(buf, &off, ns.p, ns.len);
        put(buf, &off, "/", 1);
    }
    put(buf, &off, name.p, name.len);
    return off;
}

static size_t owner_group(bg_top_parsed *p, const bg_top_group_opts *o, uint8_t *buf, const uint8_t **name)
{
    const ec_k8s_peek *pk = peek_of(p);
    if (!pk)
        return static_name(BG_TOP_G_UNKNOWN, name);
    if (pk->kind.len == 0) {
        /* Not a Kubernetes object we can read (plain data, encrypted):
         * the key is the only identity there is. */
        *name = p->w->key;
        return p->w->key_len;
    }
    const ec_k8s_key *k = NULL;
    ec_k8s_view ns = pk->ns, obj_name = pk->name;
    if (ns.len == 0 || obj_name.len == 0)
        k = key_of(p, o);
    if (ns.len == 0 && k)
        ns = k->ns;
    *name = buf;
    /* Owner references point into the dependent's own namespace (or to a
     * cluster-scoped owner, which then shows under that namespace too). */
    if (pk->owner_kind.len && pk->owner_name.len)
        return kind_ns_name(buf, pk->owner_kind, ns, pk->owner_name);
    if (obj_name.len == 0 && k)
        obj_name = k->name;
    if (obj_name.len == 0) {
        *name = p->w->key;
        return p->w->key_len;
    }
    return kind_ns_name(buf, pk->kind, ns, obj_name);
}

size_t bg_top_group(bg_top_grouping g, bg_top_parsed *p, const bg_top_group_opts *o, uint8_t *buf,
                    const uint8_t **name)
{
    const bg_top_write *w = p->w;
    switch (g) {
    case BG_TOP_BY_KEY:
        *name = w->key;
        return w->key_len;
    case BG_TOP_BY_PREFIX:
        *name = w->key;
        return bg_top_prefix_len(w->key, w->key_len, o->depth);
    case BG_TOP_BY_RESOURCE: {
        const ec_k8s_key *k = key_of(p, o);
        if (!k || k->resource.len == 0)
            return static_name(BG_TOP_G_OTHER, name);
        if (k->group.len == 0) {
            *name = k->resource.p;
            return k->resource.len;
        }
        size_t off = 0;
        put(buf, &off, k->group.p, k->group.len);
        put(buf, &off, "/", 1);
        put(buf, &off, k->resource.p, k->resource.len);
        *name = buf;
        return off;
    }
    case BG_TOP_BY_NAMESPACE: {
        const ec_k8s_key *k = key_of(p, o);
        if (!k)
            return static_name(BG_TOP_G_OTHER, name);
        if (k->ns.len == 0)
            return static_name(BG_TOP_G_CLUSTER, name);
        *name = k->ns.p;
        return k->ns.len;
    }
    case BG_TOP_BY_OWNER:
        return owner_group(p, o, buf, name);
    case BG_TOP_BY_WRITER: {
        const ec_k8s_peek *pk = peek_of(p);
        if (!pk)
            return static_name(BG_TOP_G_UNKNOWN, name);
        if (pk->manager.len == 0)
            return static_name(BG_TOP_G_NO_WRITER, name);
        *name = pk->manager.p;
        return pk->manager.len;
    }
    case BG_TOP_BY_LEASE:
        if (w->deleted && !w->value_known)
            return static_name(BG_TOP_G_UNKNOWN, name);
        if (w->lease == 0)
            return static_name(BG_TOP_G_NO_LEASE, name);
        *name = buf;
        return (size_t)snprintf((char *)buf, BG_TOP_GROUP_BUF, "%016" PRIx64, (uint64_t)w->lease);
    default:
        return static_name(BG_TOP_G_OTHER, name);
    }
}
