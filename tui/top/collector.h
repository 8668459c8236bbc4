/* The collector: a worker thread that feeds the write-rate engines from
 * etcd, and snapshots of their rankings for whoever shows them (the CLI's
 * `breakglass top`, the console's Top screen).
 *
 * The thread takes a Status sample (revision, time), opens ONE watch on the
 * keyspace (or a prefix) starting `history` revisions back, and keeps
 * reading it: the replayed history first (times estimated from the Status
 * samples), then live writes (times as received). When the start revision
 * is compacted it replays from the oldest revision left and says so; when
 * the watch is lost it reopens it after the last revision counted (with a
 * growing pause), so nothing is counted twice and a gap is reported only
 * when compaction removed what was missed. A Status sample every second
 * keeps the revision clock and etcd's current revision up to date.
 *
 * Threads: the collector's functions may be called from any one thread
 * (the UI's); the worker only calls back through `notify`, which must not
 * block (e.g. write to a wake-up pipe). Nothing is printed. */
#ifndef BG_TOP_COLLECTOR_H
#define BG_TOP_COLLECTOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "etcdclient/etcd.h"
#include "etcdclient/rates/rates.h"
#include "tui/top/feed.h"

#define BG_TOP_DEFAULT_HISTORY 10000
#define BG_TOP_DEFAULT_PROBE_MS 300
#define BG_TOP_DEFAULT_SAMPLE_MS 1000

typedef struct bg_top_collector bg_top_collector;

typedef struct bg_top_collector_config {
    bg_top_feed_config feed;     /* groupings, depth, capacity, assumed span */
    const uint8_t *prefix;       /* watch only keys under it (copied); NULL/0 = all */
    size_t prefix_len;
    int64_t history;             /* revisions to replay; 0 = live writes only */
    int prev_kv;                 /* 1 ask etcd for previous values (deletes of
                                    owner/writer/lease groups), 0 never, -1 when
                                    a fed grouping needs them */
    int probe_ms;                /* pause before replaying, so two samples can
                                    show the revision rate; 0 = default, <0 none */
    int sample_ms;               /* Status sample period; 0 = default */
    void (*notify)(void *ud);    /* new data or state (worker thread); may be NULL */
    void *notify_ud;
    int notify_ms;               /* at most one notify per this many ms; 0 = 250 */
} bg_top_collector_config;

typedef enum bg_top_state {
    BG_TOP_STARTING = 0,   /* first sample and watch not done yet */
    BG_TOP_RUNNING,        /* watch open, counting */
    BG_TOP_RETRYING,       /* etcd failed; trying again after a pause */
    BG_TOP_STOPPED
} bg_top_state;

/* "starting", "running", "retrying", "stopped". */
const char *bg_top_state_name(bg_top_state s);

typedef struct bg_top_snapshot {
    bg_top_info info;          /* sources: history, live, estimation */
    bg_top_state state;
    bool has_error;            /* last_error holds the latest failure */
    ec_err last_error;
    int64_t error_ms;
    uint64_t retries;          /* watch or Status failures since start */
    uint64_t generation;       /* grows whenever something was counted */
    bool prev_kv;              /* the watch asks for previous values */
    int64_t started_ms;        /* wall time the collector started */
    int64_t now_ms;            /* the time the ranking ends at */
    ec_rates_top *top;         /* the ranking; NULL when the grouping is not fed */
} bg_top_snapshot;

/* Wall-clock milliseconds since the Unix epoch: the times the collector
 * feeds the engines, and the `now` to rank at. */
int64_t bg_top_now_ms(void);

/* Creates a collector on client c (shared, not owned; it must outlive the
 * collector). Freed with bg_top_collector_free. */
int bg_top_collector_new(ec_client *c, const bg_top_collector_config *cfg, bg_top_collector **out, ec_err *err);

/* Starts the worker thread (once). */
int bg_top_collector_start(bg_top_collector *tc, ec_err *err);

/* Waits up to timeout_ms for the start: 0 once the watch is open; -1 with
 * the first failure (the worker goes on retrying until stopped), or with
 * EC_E_DEADLINE when neither happened in time. */
int bg_top_collector_wait_started(bg_top_collector *tc, int timeout_ms, ec_err *err);

/* Asks the worker to stop and joins it: returns once the watch is closed
 * (at most the command timeout when a call is in flight). Idempotent. */
void bg_top_collector_stop(bg_top_collector *tc);

/* Stops (if needed) and frees. */
void bg_top_collector_free(bg_top_collector *tc);

/* The ranking of grouping g over window w by writes or bytes, at most
 * limit rows, ending at now_ms (0 = now), with the sources' state. *out is
 * freed with bg_top_snapshot_free. */
int bg_top_collector_snapshot(bg_top_collector *tc, bg_top_grouping g, ec_rates_window w, ec_rates_metric by,
                              size_t limit, int64_t now_ms, bg_top_snapshot **out, ec_err *err);
void bg_top_snapshot_free(bg_top_snapshot *s);

#endif
