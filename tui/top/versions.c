/* Keys-only ranking by version (see versions.h). */
#include "tui/top/versions.h"

#include <stdlib.h>
#include <time.h>

/* Every key is counted at one instant: the engine's windows then hold the
 * whole scan, and its "bytes" are the summed versions. */
#define VR_TIME_MS 0

struct bg_top_vrank {
    bg_top_grouping grouping;
    bg_top_group_opts group;
    bool values;            /* groups read from kv values */
    ec_rates *eng;
    uint8_t buf[BG_TOP_GROUP_BUF];
};

static int vrank_new(const bg_top_versions_config *cfg, bg_top_grouping g, bool values, bg_top_vrank **out,
                     ec_err *err)
{
    *out = NULL;
    bg_top_vrank *v = calloc(1, sizeof *v);
    if (!v)
        return ec_fail(err, EC_E_NOMEM, "out of memory");
    v->grouping = g;
    v->values = values;
    v->group = cfg->group;
    ec_rates_config rc = {.capacity = cfg->capacity, .weight = EC_RATES_BYTES, .seed = cfg->seed};
    if (ec_rates_new(&rc, &v->eng, err) != 0) {
        free(v);
        return -1;
    }
    *out = v;
    return 0;
}

static bg_top_grouping keys_only_grouping(bg_top_grouping g)
{
    return (unsigned)g < BG_TOP_NGROUPINGS && bg_top_grouping_keys_only(g) ? g : BG_TOP_BY_KEY;
}

int bg_top_vrank_new(const bg_top_versions_config *cfg, bg_top_vrank **out, ec_err *err)
{
    return vrank_new(cfg, keys_only_grouping(cfg->grouping), false, out, err);
}

int bg_top_vrank_new_values(const bg_top_versions_config *cfg, bg_top_vrank **out, ec_err *err)
{
    bg_top_grouping g = (unsigned)cfg->grouping < BG_TOP_NGROUPINGS ? cfg->grouping : BG_TOP_BY_KEY;
    return vrank_new(cfg, g, true, out, err);
}

void bg_top_vrank_add(bg_top_vrank *v, const ec_kv *kv)
{
    bg_top_write w = {.key = kv->key, .key_len = kv->key_len, .lease = kv->lease, .value_known = true};
    if (v->values) {
        w.value = kv->value;
        w.value_len = kv->value_len;
    }
    bg_top_parsed p;
    bg_top_parsed_init(&p, &w);
    ec_rates_event ev = {.value_size = kv->version > 0 ? (uint64_t)kv->version : 0,
                         .time_ms = VR_TIME_MS,
                         .revision = kv->mod_revision};
    ev.key_len = bg_top_group(v->grouping, &p, &v->group, v->buf, &ev.key);
    (void)ec_rates_add(v->eng, &ev, NULL);
}

int bg_top_vrank_top(const bg_top_vrank *v, size_t limit, ec_rates_top **out, ec_err *err)
{
    return ec_rates_top_get(v->eng, EC_RATES_5M, EC_RATES_BYTES, VR_TIME_MS, limit, out, err);
}

void bg_top_vrank_free(bg_top_vrank *v)
{
    if (!v)
        return;
    ec_rates_free(v->eng);
    free(v);
}

static bool cancelled(const bg_top_versions_config *cfg)
{
    return cfg->cancel && atomic_load(cfg->cancel) != 0;
}

static void pause_ms(const bg_top_versions_config *cfg)
{
    for (int left = cfg->pause_ms; left > 0 && !cancelled(cfg); left -= 50) {
        struct timespec ts = {0, (left < 50 ? left : 50) * 1000000L};
        nanosleep(&ts, NULL);
    }
}

/* Owner and writer: the values of the keys written most, read one by one
 * at the scan's revision and grouped, each weighing its version (read
 * again with the value, so exact even when the key ranking was not). */
static int value_pass(ec_client *c, const bg_top_versions_config *cfg, const ec_rates_top *keys,
                      bg_top_versions *res, bg_top_vrank *vv, ec_err *err)
{
    for (size_t i = 0; i < keys->n && !cancelled(cfg); i++) {
        const ec_rates_row *row = &keys->rows[i];
        if (row->key_truncated) {
            res->value_missing++;
            continue;
        }
        ec_range_opts ro = {.key = row->key, .key_len = row->key_len, .revision = res->revision, .serializable = true};
        ec_range_result *rr;
        if (ec_range_once(c, &ro, &rr, err) != 0)
            return -1;
        if (rr->n_kvs == 1) {
            bg_top_vrank_add(vv, &rr->kvs[0]);
            res->value_keys++;
        } else {
            res->value_missing++;
        }
        ec_range_result_free(rr);
        if (cfg->pause_ms > 0 && i % 100 == 99)
            pause_ms(cfg);
    }
    return 0;
}

int bg_top_versions_scan(ec_client *c, const bg_top_versions_config *cfg, size_t limit, bg_top_versions **out,
                         ec_err *err)
{
    *out = NULL;
    bg_top_versions *res = calloc(1, sizeof *res);
    if (!res)
        return ec_fail(err, EC_E_NOMEM, "out of memory");
    bg_top_vrank *v;
    if (bg_top_vrank_new(cfg, &v, err) != 0) {
        free(res);
        return -1;
    }
    res->grouping = v->grouping;
    ec_range_opts ro = {.key = cfg->prefix,
                        .key_len = cfg->prefix_len,
                        .prefix = true,
                        .keys_only = true,
                        .serializable = true,
                        .page_size = cfg->page_size};
    ec_range_iter *it = ec_range_begin(c, &ro, err);
    int r = it ? 1 : -1;
    if (it) {
        const ec_kv *kvs;
        size_t n;
        while (!cancelled(cfg) && (r = ec_range_next(it, &kvs, &n, err)) > 0) {
            for (size_t i = 0; i < n; i++) {
                bg_top_vrank_add(v, &kvs[i]);
                res->versions += kvs[i].version > 0 ? (uint64_t)kvs[i].version : 0;
            }
            res->keys += n;
            if (cfg->pause_ms > 0)
                pause_ms(cfg);
        }
        res->revision = ec_range_revision(it);
        ec_range_end(it);
        /* 0: the end was reached; > 0: cancelled between pages. */
        res->complete = r == 0;
        if (r > 0)
            r = 0;
    }
    if (r == 0 && v->grouping != cfg->grouping && (unsigned)cfg->grouping < BG_TOP_NGROUPINGS) {
        size_t m = cfg->value_keys ? cfg->value_keys : BG_TOP_VERSIONS_VALUE_KEYS;
        ec_rates_top *keys = NULL;
        bg_top_vrank *vv = NULL;
        r = bg_top_vrank_top(v, m, &keys, err);
        if (r == 0)
            r = bg_top_vrank_new_values(cfg, &vv, err);
        if (r == 0)
            r = value_pass(c, cfg, keys, res, vv, err);
        if (r == 0) {
            res->complete = res->complete && !cancelled(cfg);
            res->grouping = vv->grouping;
            bg_top_vrank_free(v);
            v = vv;
            vv = NULL;
        }
        bg_top_vrank_free(vv);
        ec_rates_top_free(keys);
    }
    if (r == 0)
        r = bg_top_vrank_top(v, limit, &res->top, err);
    bg_top_vrank_free(v);
    if (r != 0) {
        bg_top_versions_free(res);
        return -1;
    }
    *out = res;
    return 0;
}

void bg_top_versions_free(bg_top_versions *v)
{
    if (!v)
        return;
    ec_rates_top_free(v->top);
    free(v);
}
