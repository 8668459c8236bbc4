#include "tui/ops/plan.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void bg_plan_init(bg_plan *p, const char *action, const uint8_t *target, size_t target_len)
{
    memset(p, 0, sizeof *p);
    snprintf(p->action, sizeof p->action, "%s", action);
    p->target = malloc(target_len + 1);
    if (p->target) {
        memcpy(p->target, target, target_len);
        p->target[target_len] = 0;
        p->target_len = target_len;
    }
}

void bg_plan_free(bg_plan *p)
{
    for (size_t i = 0; i < p->n; i++) {
        free(p->kvs[i].key);
        free(p->kvs[i].value);
    }
    free(p->kvs);
    free(p->target);
    memset(p, 0, sizeof *p);
}

static uint8_t *dup_bytes(const uint8_t *b, size_t n)
{
    uint8_t *d = malloc(n ? n : 1);
    if (d && n)
        memcpy(d, b, n);
    return d;
}

int bg_plan_add(bg_plan *p, const ec_kv *kv, ec_err *err)
{
    if (p->n == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 64;
        bg_plan_kv *k = realloc(p->kvs, cap * sizeof *k);
        if (!k)
            return ec_fail(err, EC_E_NOMEM, "out of memory building the plan");
        p->kvs = k;
        p->cap = cap;
    }
    bg_plan_kv *d = &p->kvs[p->n];
    d->key = dup_bytes(kv->key, kv->key_len);
    d->value = dup_bytes(kv->value, kv->value_len);
    if (!d->key || !d->value) {
        free(d->key);
        free(d->value);
        return ec_fail(err, EC_E_NOMEM, "out of memory building the plan");
    }
    d->key_len = kv->key_len;
    d->value_len = kv->value_len;
    d->create_revision = kv->create_revision;
    d->mod_revision = kv->mod_revision;
    d->version = kv->version;
    d->lease = kv->lease;
    p->n++;
    p->whole_range = false;
    p->bytes += kv->key_len + kv->value_len;
    return 0;
}

int bg_plan_read_range(bg_plan *p, ec_client *c, const ec_range_opts *ro, uint64_t max_bytes, ec_err *err)
{
    bool was_empty = p->n == 0;
    ec_range_opts o = *ro;
    o.keys_only = false;
    o.revision = p->revision;
    /* The plan must be what etcd holds, not a lagging member's view. */
    o.serializable = false;
    ec_range_iter *it = ec_range_begin(c, &o, err);
    if (!it)
        return -1;
    const ec_kv *kvs;
    size_t n;
    int r;
    while ((r = ec_range_next(it, &kvs, &n, err)) > 0) {
        if (p->revision == 0) {
            p->revision = ec_range_revision(it);
            p->cluster_id = ec_range_header(it)->cluster_id;
            p->member_id = ec_range_header(it)->member_id;
        }
        for (size_t i = 0; i < n; i++) {
            if (bg_plan_add(p, &kvs[i], err) != 0) {
                ec_range_end(it);
                return -1;
            }
            if (p->bytes > max_bytes) {
                ec_range_end(it);
                return ec_fail(err, EC_E_INVALID,
                               "the plan holds more than %llu MiB of keys and values, too much to record in one "
                               "audit record: remove a narrower prefix first",
                               (unsigned long long)(max_bytes >> 20));
            }
        }
    }
    if (r == 0 && p->revision == 0) {
        /* Empty range: still pin the revision the emptiness was seen at. */
        p->revision = ec_range_revision(it);
        p->cluster_id = ec_range_header(it)->cluster_id;
        p->member_id = ec_range_header(it)->member_id;
    }
    ec_range_end(it);
    if (r < 0)
        return -1;
    p->whole_range = was_empty && o.limit == 0;
    return 0;
}

static int cmp_kv(const void *a, const void *b)
{
    const bg_plan_kv *x = a, *y = b;
    size_t m = x->key_len < y->key_len ? x->key_len : y->key_len;
    int c = memcmp(x->key, y->key, m);
    if (c)
        return c;
    return (x->key_len > y->key_len) - (x->key_len < y->key_len);
}

void bg_plan_sort_unique(bg_plan *p)
{
    if (p->n < 2)
        return;
    qsort(p->kvs, p->n, sizeof *p->kvs, cmp_kv);
    size_t w = 1;
    for (size_t i = 1; i < p->n; i++) {
        if (cmp_kv(&p->kvs[i], &p->kvs[w - 1]) == 0) {
            p->bytes -= p->kvs[i].key_len + p->kvs[i].value_len;
            free(p->kvs[i].key);
            free(p->kvs[i].value);
            continue;
        }
        p->kvs[w++] = p->kvs[i];
    }
    p->n = w;
}
