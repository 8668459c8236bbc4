/* The collector's worker thread: one watch, periodic Status samples, the
 * feed behind a lock (see collector.h). */
#include "tui/top/collector.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define BACKOFF_FIRST_MS 200
#define BACKOFF_MAX_MS 5000
#define SAMPLE_TIMEOUT_MS 2000   /* a late answer is a poor sample anyway */
#define WATCH_POLL_MS 100        /* how soon a stop is noticed while idle */
#define DEFAULT_NOTIFY_MS 250

struct bg_top_collector {
    ec_client *c;
    bg_top_collector_config cfg;
    uint8_t *prefix;
    size_t prefix_len;
    bool prev_kv;
    atomic_int stop;
    bool thread_started, joined;
    pthread_t th;
    pthread_mutex_t mu;
    pthread_cond_t cv;          /* CLOCK_MONOTONIC: naps and the start wait */
    /* Under mu. */
    bg_top_feed *feed;
    bg_top_state state;
    int start_result;           /* 0 pending, 1 open, -1 failed */
    ec_err start_err;
    bool has_error;
    ec_err last_error;
    int64_t error_ms;
    uint64_t retries, generation;
    int64_t started_ms;
    /* Worker only. */
    int64_t last_notify_ms;
};

static const char *const state_names[] = {"starting", "running", "retrying", "stopped"};

const char *bg_top_state_name(bg_top_state s)
{
    return (unsigned)s <= BG_TOP_STOPPED ? state_names[s] : "unknown";
}

int64_t bg_top_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static bool stopping(bg_top_collector *tc)
{
    return atomic_load(&tc->stop) != 0;
}

/* Sleeps up to ms (monotonic) unless asked to stop; true when stopping. */
static bool nap(bg_top_collector *tc, int64_t ms)
{
    int64_t end = mono_ms() + ms;
    pthread_mutex_lock(&tc->mu);
    while (!stopping(tc)) {
        int64_t left = end - mono_ms();
        if (left <= 0)
            break;
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        ts.tv_sec += left / 1000;
        ts.tv_nsec += (long)(left % 1000) * 1000000L;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&tc->cv, &tc->mu, &ts);
    }
    pthread_mutex_unlock(&tc->mu);
    return stopping(tc);
}

static void poke(bg_top_collector *tc, bool force)
{
    if (!tc->cfg.notify)
        return;
    int64_t now = mono_ms();
    if (!force && now - tc->last_notify_ms < tc->cfg.notify_ms)
        return;
    tc->last_notify_ms = now;
    tc->cfg.notify(tc->cfg.notify_ud);
}

static void set_state(bg_top_collector *tc, bg_top_state s)
{
    pthread_mutex_lock(&tc->mu);
    bool changed = tc->state != s;
    tc->state = s;
    tc->generation++;
    pthread_mutex_unlock(&tc->mu);
    if (changed)
        poke(tc, true);
}

static void record_error(bg_top_collector *tc, const ec_err *err, bool retrying)
{
    pthread_mutex_lock(&tc->mu);
    tc->has_error = true;
    tc->last_error = *err;
    tc->error_ms = bg_top_now_ms();
    tc->retries++;
    if (tc->start_result == 0) {
        tc->start_result = -1;
        tc->start_err = *err;
        pthread_cond_broadcast(&tc->cv);
    }
    if (retrying)
        tc->state = BG_TOP_RETRYING;
    tc->generation++;
    pthread_mutex_unlock(&tc->mu);
    poke(tc, true);
}

static int next_backoff(int ms)
{
    return ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : ms * 2;
}

/* One Status call: its revision, and a clock sample at the middle of the
 * call (when the member read its revision, give or take half the trip). */
static int sample(bg_top_collector *tc, int timeout_ms, int64_t *rev, ec_err *err)
{
    ec_callopt opt = {.timeout_ms = timeout_ms};
    ec_status st;
    int64_t a = bg_top_now_ms();
    if (ec_status_get(tc->c, &opt, &st, err) != 0)
        return -1;
    int64_t b = bg_top_now_ms();
    pthread_mutex_lock(&tc->mu);
    /* Refused when the clock stepped back or the store went back (another
     * cluster behind the endpoint): the estimates keep the older samples. */
    (void)bg_top_feed_sample(tc->feed, st.header.revision, a + (b - a) / 2, NULL);
    pthread_mutex_unlock(&tc->mu);
    *rev = st.header.revision;
    return 0;
}

/* The watch could not start at `from`: history before `compact` is gone. */
static void compacted(bg_top_collector *tc, int64_t from, int64_t compact)
{
    pthread_mutex_lock(&tc->mu);
    bg_top_info in;
    bg_top_feed_info(tc->feed, &in);
    if (in.last_revision == 0)
        bg_top_feed_history(tc->feed, in.history_requested, in.history_wanted_from, compact, in.history_to,
                            compact);
    else
        bg_top_feed_gap(tc->feed, from, compact);
    tc->generation++;
    pthread_mutex_unlock(&tc->mu);
}

/* Opens the watch at *from, moving *from past a compaction. NULL when
 * asked to stop first. */
static ec_watch *open_at(bg_top_collector *tc, int64_t *from, int *backoff)
{
    while (!stopping(tc)) {
        ec_watch_opts o = {.key = tc->prefix,
                           .key_len = tc->prefix_len,
                           .prefix = true,
                           .start_revision = *from,
                           .prev_kv = tc->prev_kv};
        ec_watch *w;
        int64_t crev = 0;
        ec_err err;
        if (ec_watch_open(tc->c, &o, &w, &crev, &err) == 0) {
            *backoff = BACKOFF_FIRST_MS;
            return w;
        }
        if (err.code == EC_E_COMPACTED && crev > *from) {
            compacted(tc, *from, crev);
            *from = crev;
            continue;
        }
        record_error(tc, &err, true);
        if (nap(tc, *backoff))
            break;
        *backoff = next_backoff(*backoff);
    }
    return NULL;
}

static void *worker(void *arg)
{
    bg_top_collector *tc = arg;
    ec_err err;
    int backoff = BACKOFF_FIRST_MS;
    int64_t rev0 = 0, t0 = 0;
    ec_watch *w = NULL;
    while (!stopping(tc)) {
        t0 = mono_ms();
        if (sample(tc, 0, &rev0, &err) == 0)
            break;
        record_error(tc, &err, true);
        if (nap(tc, backoff))
            goto out;
        backoff = next_backoff(backoff);
    }
    if (stopping(tc))
        goto out;
    int64_t h = tc->cfg.history;
    int64_t wanted = h > 0 ? (rev0 - h + 1 > 1 ? rev0 - h + 1 : 1) : rev0 + 1;
    int64_t from = wanted;
    pthread_mutex_lock(&tc->mu);
    bg_top_feed_history(tc->feed, h, wanted, from, rev0, 0);
    pthread_mutex_unlock(&tc->mu);
    w = open_at(tc, &from, &backoff);
    if (!w)
        goto out;
    pthread_mutex_lock(&tc->mu);
    tc->start_result = 1;
    tc->state = BG_TOP_RUNNING;
    tc->generation++;
    pthread_cond_broadcast(&tc->cv);
    pthread_mutex_unlock(&tc->mu);
    poke(tc, true);

    /* Let the revision move once before timing the replay by it. */
    int64_t rev;
    if (tc->cfg.probe_ms > 0 && h > 0) {
        int64_t left = t0 + tc->cfg.probe_ms - mono_ms();
        if (left > 0 && nap(tc, left))
            goto out;
        if (sample(tc, SAMPLE_TIMEOUT_MS, &rev, &err) != 0)
            record_error(tc, &err, false);
    }
    int64_t next_sample = mono_ms() + tc->cfg.sample_ms;
    while (!stopping(tc)) {
        ec_watch_batch *b = NULL;
        int r = ec_watch_next(w, WATCH_POLL_MS, &b, &err);
        if (r > 0) {
            int64_t now = bg_top_now_ms();
            pthread_mutex_lock(&tc->mu);
            size_t n = bg_top_feed_events(tc->feed, b->events, b->n_events, b->header.revision, now);
            if (n)
                tc->generation++;
            pthread_mutex_unlock(&tc->mu);
            ec_watch_batch_free(b);
            if (n)
                poke(tc, false);
        } else if (r < 0) {
            int64_t crev = ec_watch_compact_revision(w);
            ec_watch_close(w);
            w = NULL;
            pthread_mutex_lock(&tc->mu);
            bg_top_info in;
            bg_top_feed_info(tc->feed, &in);
            pthread_mutex_unlock(&tc->mu);
            /* Resume after the last revision counted: nothing twice. */
            if (in.last_revision >= from)
                from = in.last_revision + 1;
            if (err.code == EC_E_COMPACTED && crev > from) {
                compacted(tc, from, crev);
                from = crev;
            } else {
                record_error(tc, &err, true);
                if (nap(tc, backoff))
                    break;
                backoff = next_backoff(backoff);
            }
            w = open_at(tc, &from, &backoff);
            if (!w)
                break;
            set_state(tc, BG_TOP_RUNNING);
        }
        if (mono_ms() >= next_sample) {
            if (sample(tc, SAMPLE_TIMEOUT_MS, &rev, &err) != 0)
                record_error(tc, &err, false);
            next_sample = mono_ms() + tc->cfg.sample_ms;
        }
    }
out:
    ec_watch_close(w);
    pthread_mutex_lock(&tc->mu);
    tc->state = BG_TOP_STOPPED;
    tc->generation++;
    if (tc->start_result == 0) {
        tc->start_result = -1;
        ec_fail(&tc->start_err, EC_E_CANCELLED, "collection stopped before the watch was open");
    }
    pthread_cond_broadcast(&tc->cv);
    pthread_mutex_unlock(&tc->mu);
    poke(tc, true);
    return NULL;
}

int bg_top_collector_new(ec_client *c, const bg_top_collector_config *cfg, bg_top_collector **out, ec_err *err)
{
    *out = NULL;
    bg_top_collector *tc = calloc(1, sizeof *tc);
    if (!tc)
        return ec_fail(err, EC_E_NOMEM, "out of memory");
    tc->c = c;
    if (cfg)
        tc->cfg = *cfg;
    if (tc->cfg.history < 0)
        tc->cfg.history = 0;
    if (tc->cfg.probe_ms == 0)
        tc->cfg.probe_ms = BG_TOP_DEFAULT_PROBE_MS;
    if (tc->cfg.sample_ms <= 0)
        tc->cfg.sample_ms = BG_TOP_DEFAULT_SAMPLE_MS;
    if (tc->cfg.notify_ms <= 0)
        tc->cfg.notify_ms = DEFAULT_NOTIFY_MS;
    if (tc->cfg.prefix_len) {
        tc->prefix = malloc(tc->cfg.prefix_len);
        if (!tc->prefix) {
            free(tc);
            return ec_fail(err, EC_E_NOMEM, "out of memory");
        }
        memcpy(tc->prefix, tc->cfg.prefix, tc->cfg.prefix_len);
        tc->prefix_len = tc->cfg.prefix_len;
    }
    tc->cfg.prefix = NULL;
    if (bg_top_feed_new(&tc->cfg.feed, &tc->feed, err) != 0) {
        free(tc->prefix);
        free(tc);
        return -1;
    }
    bg_top_info in;
    bg_top_feed_info(tc->feed, &in);
    if (tc->cfg.prev_kv < 0) {
        tc->prev_kv = false;
        for (unsigned g = 0; g < BG_TOP_NGROUPINGS; g++)
            if ((in.groupings & BG_TOP_GROUPING_BIT(g)) && bg_top_grouping_needs_prev_kv((bg_top_grouping)g))
                tc->prev_kv = true;
    } else {
        tc->prev_kv = tc->cfg.prev_kv != 0;
    }
    pthread_mutex_init(&tc->mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&tc->cv, &ca);
    pthread_condattr_destroy(&ca);
    *out = tc;
    return 0;
}

int bg_top_collector_start(bg_top_collector *tc, ec_err *err)
{
    if (tc->thread_started)
        return ec_fail(err, EC_E_INVALID, "collector already started");
    tc->started_ms = bg_top_now_ms();
    int rc = pthread_create(&tc->th, NULL, worker, tc);
    if (rc != 0)
        return ec_fail(err, EC_E_INTERNAL, "cannot start the collector thread: %s", strerror(rc));
    tc->thread_started = true;
    return 0;
}

int bg_top_collector_wait_started(bg_top_collector *tc, int timeout_ms, ec_err *err)
{
    if (!tc->thread_started)
        return ec_fail(err, EC_E_INVALID, "collector not started");
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    ts.tv_sec += timeout_ms / 1000;
    ts.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&tc->mu);
    while (tc->start_result == 0) {
        if (pthread_cond_timedwait(&tc->cv, &tc->mu, &ts) != 0)
            break;
    }
    int r = tc->start_result;
    ec_err e = tc->start_err;
    pthread_mutex_unlock(&tc->mu);
    if (r > 0)
        return 0;
    if (r < 0) {
        if (err)
            *err = e;
        return -1;
    }
    return ec_fail(err, EC_E_DEADLINE, "watch not open after %d ms", timeout_ms);
}

void bg_top_collector_stop(bg_top_collector *tc)
{
    if (!tc || !tc->thread_started || tc->joined)
        return;
    atomic_store(&tc->stop, 1);
    pthread_mutex_lock(&tc->mu);
    pthread_cond_broadcast(&tc->cv);
    pthread_mutex_unlock(&tc->mu);
    pthread_join(tc->th, NULL);
    tc->joined = true;
}

void bg_top_collector_free(bg_top_collector *tc)
{
    if (!tc)
        return;
    bg_top_collector_stop(tc);
    pthread_cond_destroy(&tc->cv);
    pthread_mutex_destroy(&tc->mu);
    bg_top_feed_free(tc->feed);
    free(tc->prefix);
    free(tc);
}

int bg_top_collector_snapshot(bg_top_collector *tc, bg_top_grouping g, ec_rates_window w, ec_rates_metric by,
                              size_t limit, int64_t now_ms, bg_top_snapshot **out, ec_err *err)
{
    *out = NULL;
    bg_top_snapshot *s = calloc(1, sizeof *s);
    if (!s)
        return ec_fail(err, EC_E_NOMEM, "out of memory");
    s->now_ms = now_ms ? now_ms : bg_top_now_ms();
    s->prev_kv = tc->prev_kv;
    s->started_ms = tc->started_ms;
    int rc = 0;
    pthread_mutex_lock(&tc->mu);
    bg_top_feed_info(tc->feed, &s->info);
    s->state = tc->state;
    s->has_error = tc->has_error;
    s->last_error = tc->last_error;
    s->error_ms = tc->error_ms;
    s->retries = tc->retries;
    s->generation = tc->generation;
    const ec_rates *eng = bg_top_feed_engine(tc->feed, g);
    if (eng)
        rc = ec_rates_top_get(eng, w, by, s->now_ms, limit, &s->top, err);
    pthread_mutex_unlock(&tc->mu);
    if (rc != 0) {
        free(s);
        return -1;
    }
    *out = s;
    return 0;
}

void bg_top_snapshot_free(bg_top_snapshot *s)
{
    if (!s)
        return;
    ec_rates_top_free(s->top);
    free(s);
}
