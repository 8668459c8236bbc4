/* The engines fed from one watch stream (see feed.h). */
#include "tui/top/feed.h"

#include <stdlib.h>
#include <string.h>

#include "etcdclient/rates/revclock.h"

/* etcd replays history in responses of at most this many revisions
 * (watchBatchMaxRevs in mvcc/watchable_store.go); a shorter replay response
 * is the last one. */
#define ETCD_WATCH_BATCH_MAX_REVS 1000

struct bg_top_feed {
    bg_top_feed_config cfg;
    ec_rates *eng[BG_TOP_NGROUPINGS];
    ec_revclock *clock;
    bg_top_info info;
    uint8_t buf[BG_TOP_GROUP_BUF];
};

int bg_top_feed_new(const bg_top_feed_config *cfg, bg_top_feed **out, ec_err *err)
{
    *out = NULL;
    bg_top_feed *f = calloc(1, sizeof *f);
    if (!f)
        return ec_fail(err, EC_E_NOMEM, "out of memory");
    if (cfg)
        f->cfg = *cfg;
    if (!f->cfg.groupings)
        f->cfg.groupings = BG_TOP_ALL_GROUPINGS;
    f->cfg.groupings &= BG_TOP_ALL_GROUPINGS;
    if (f->cfg.assumed_span_ms <= 0)
        f->cfg.assumed_span_ms = BG_TOP_DEFAULT_ASSUMED_SPAN_MS;
    if (f->cfg.group.depth > BG_TOP_MAX_DEPTH)
        f->cfg.group.depth = BG_TOP_MAX_DEPTH;
    ec_rates_config rc = {.capacity = f->cfg.capacity, .seed = f->cfg.seed};
    for (unsigned g = 0; g < BG_TOP_NGROUPINGS; g++) {
        if (!(f->cfg.groupings & BG_TOP_GROUPING_BIT(g)))
            continue;
        if (ec_rates_new(&rc, &f->eng[g], err) != 0) {
            bg_top_feed_free(f);
            return -1;
        }
    }
    if (ec_revclock_new(0, &f->clock, err) != 0) {
        bg_top_feed_free(f);
        return -1;
    }
    f->info.assumed_span_ms = f->cfg.assumed_span_ms;
    f->info.groupings = f->cfg.groupings;
    f->info.capacity = f->cfg.capacity ? f->cfg.capacity : EC_RATES_DEFAULT_CAPACITY;
    *out = f;
    return 0;
}

void bg_top_feed_free(bg_top_feed *f)
{
    if (!f)
        return;
    for (unsigned g = 0; g < BG_TOP_NGROUPINGS; g++)
        ec_rates_free(f->eng[g]);
    ec_revclock_free(f->clock);
    free(f);
}

void bg_top_feed_history(bg_top_feed *f, int64_t requested, int64_t wanted_from, int64_t from, int64_t to,
                         int64_t compact_revision)
{
    bg_top_info *in = &f->info;
    in->history_set = true;
    in->history_requested = requested;
    in->history_wanted_from = wanted_from;
    in->history_from = from;
    in->history_to = to;
    in->compact_revision = compact_revision;
    in->compacted = compact_revision > 0 && from > wanted_from;
    /* No history asked for, or none left: nothing to wait for. */
    in->history_done = from > to;
    ec_revclock_assume(f->clock, from, f->cfg.assumed_span_ms);
}

int bg_top_feed_sample(bg_top_feed *f, int64_t revision, int64_t time_ms, ec_err *err)
{
    if (ec_revclock_add(f->clock, revision, time_ms, err) != 0)
        return -1;
    if (revision >= f->info.etcd_revision) {
        f->info.etcd_revision = revision;
        f->info.etcd_revision_ms = time_ms;
    }
    f->info.revision_rate = ec_revclock_rate(f->clock);
    return 0;
}

void bg_top_feed_gap(bg_top_feed *f, int64_t from, int64_t to)
{
    if (to <= from)
        return;
    f->info.gaps++;
    f->info.gap_revisions += to - from;
}

/* The time of a history revision, estimated; flags how. */
static int64_t history_time(bg_top_feed *f, int64_t rev, int64_t recv_ms)
{
    int64_t t;
    ec_revclock_how how;
    if (ec_revclock_estimate(f->clock, rev, &t, &how, NULL) != 0) {
        /* No sample at all: the receive time is the only clue. */
        t = recv_ms;
        how = EC_REVCLOCK_ASSUMED;
    }
    if (how == EC_REVCLOCK_ASSUMED) {
        f->info.assumed_events++;
        f->info.estimate = BG_TOP_EST_ASSUMED;
    } else if (f->info.estimate == BG_TOP_EST_NONE) {
        f->info.estimate = BG_TOP_EST_OBSERVED;
    }
    /* A past revision cannot have been written after it arrived. */
    return t < recv_ms ? t : recv_ms;
}

static void count_event(bg_top_feed *f, const ec_event *e, int64_t t, unsigned flags)
{
    bool del = e->type == EC_EVENT_DELETE;
    bg_top_write w = {.key = e->kv.key, .key_len = e->kv.key_len, .deleted = del};
    if (!del) {
        w.value = e->kv.value;
        w.value_len = e->kv.value_len;
        w.lease = e->kv.lease;
        w.value_known = true;
    } else if (e->has_prev_kv) {
        w.value = e->prev_kv.value;
        w.value_len = e->prev_kv.value_len;
        w.lease = e->prev_kv.lease;
        w.value_known = true;
    }
    bg_top_parsed p;
    bg_top_parsed_init(&p, &w);
    ec_rates_event ev = {.value_size = del ? 0 : e->kv.value_len, .time_ms = t, .revision = e->kv.mod_revision,
                         .flags = flags};
    for (unsigned g = 0; g < BG_TOP_NGROUPINGS; g++) {
        if (!f->eng[g])
            continue;
        ev.key_len = bg_top_group((bg_top_grouping)g, &p, &f->cfg.group, f->buf, &ev.key);
        /* Out of memory for a new counter: the write still counts in the
         * totals, and totals.untracked says so. */
        (void)ec_rates_add(f->eng[g], &ev, NULL);
    }
    if (del) {
        f->info.deletes++;
        if (!w.value_known)
            f->info.deletes_unattributed++;
    }
}

size_t bg_top_feed_events(bg_top_feed *f, const ec_event *ev, size_t n, int64_t header_revision,
                          int64_t recv_ms)
{
    bg_top_info *in = &f->info;
    if (header_revision > in->stream_revision)
        in->stream_revision = header_revision;
    size_t counted = 0, revs = 0;
    int64_t prev_rev = 0, batch_max = 0, floor = in->last_revision;
    for (size_t i = 0; i < n; i++) {
        const ec_event *e = &ev[i];
        int64_t rev = e->kv.mod_revision;
        if (rev != prev_rev)
            revs++;
        prev_rev = rev;
        if (rev > batch_max)
            batch_max = rev;
        /* A resumed watch starts after the last revision counted; etcd never
         * splits one revision over two responses, so a repeat is whole. */
        if (rev <= floor) {
            in->skipped++;
            continue;
        }
        uint64_t bytes = e->type == EC_EVENT_DELETE ? 0 : e->kv.value_len;
        if (in->history_set && rev <= in->history_to) {
            count_event(f, e, history_time(f, rev, recv_ms), EC_RATES_EV_ESTIMATED);
            in->history_events++;
            in->history_bytes += bytes;
            if (rev > in->history_last)
                in->history_last = rev;
        } else {
            count_event(f, e, recv_ms, 0);
            if (!in->live_events) {
                in->live_first = rev;
                in->live_first_ms = recv_ms;
            }
            in->live_events++;
            in->live_bytes += bytes;
            in->live_last = rev;
        }
        if (rev > in->last_revision)
            in->last_revision = rev;
        counted++;
    }
    if (!in->history_done && n > 0 &&
        (batch_max >= in->history_to || revs < ETCD_WATCH_BATCH_MAX_REVS)) {
        in->history_done = true;
        in->history_done_ms = recv_ms;
    }
    return counted;
}

void bg_top_feed_info(const bg_top_feed *f, bg_top_info *out)
{
    *out = f->info;
}

const ec_rates *bg_top_feed_engine(const bg_top_feed *f, bg_top_grouping g)
{
    return (unsigned)g < BG_TOP_NGROUPINGS ? f->eng[g] : NULL;
}
