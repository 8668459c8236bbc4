/* The engines behind "find the runaway", fed from one watch stream.
 *
 * One ec_rates engine per grouping asked for, all fed with every write of
 * the stream; one revision clock for the times of replayed history. Pure
 * logic: no network, no clock, no thread, no printing. The collector
 * (collector.h) runs it behind a lock; unit tests drive it directly.
 *
 * The stream is history followed by live writes: a watch opened at
 * revision `from` while `to` was current replays (from..to] at once and then
 * continues with new writes. History has no times: each replayed write gets
 * the time the revision clock estimates for its revision (flagged
 * estimated). A live write gets the time it was received.
 *
 * Not thread-safe. */
#ifndef BG_TOP_FEED_H
#define BG_TOP_FEED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "etcdclient/etcd.h"
#include "etcdclient/rates/rates.h"
#include "tui/top/group.h"

#define BG_TOP_DEFAULT_ASSUMED_SPAN_MS 60000

typedef struct bg_top_feed_config {
    unsigned groupings;        /* BG_TOP_GROUPING_BIT mask; 0 = all */
    bg_top_group_opts group;   /* prefix depth, Kubernetes key prefix */
    uint32_t capacity;         /* counters per engine; 0 = EC_RATES_DEFAULT_CAPACITY */
    uint64_t seed;             /* engines' hash seed; 0 = random */
    int64_t assumed_span_ms;   /* no revision rate seen: history spread over
                                  this span before the first sample; 0 = 60 s */
} bg_top_feed_config;

/* How the times of history writes were found. */
typedef enum bg_top_estimate {
    BG_TOP_EST_NONE = 0,       /* no history write counted yet */
    BG_TOP_EST_OBSERVED,       /* from the revision rate seen between samples */
    BG_TOP_EST_ASSUMED         /* no rate seen: spread over assumed_span_ms */
} bg_top_estimate;

/* What the feed has counted, for the output's "source" lines. */
typedef struct bg_top_info {
    /* history: (from - 1 .. to], i.e. revisions from..to */
    bool history_set;
    int64_t history_requested;  /* revisions asked for (--history) */
    int64_t history_wanted_from;/* the first revision asked for */
    int64_t history_from;       /* the first revision replayed */
    int64_t history_to;         /* the revision current when collection began */
    bool compacted;             /* wanted_from was compacted: replay starts later */
    int64_t compact_revision;
    uint64_t history_events, history_bytes;
    int64_t history_last;       /* highest history revision counted (0 = none) */
    bool history_done;          /* a revision above history_to was seen, or the
                                   last replay response came (see feed.c) */
    int64_t history_done_ms;    /* receive time of the response that ended it */
    bg_top_estimate estimate;   /* worst rule used for history times */
    uint64_t assumed_events;    /* history writes timed by the assumption */
    double revision_rate;       /* observed revisions/s (0 if none) */
    int64_t assumed_span_ms;
    /* live: revisions above history_to */
    uint64_t live_events, live_bytes;
    int64_t live_first, live_last;  /* revisions (0 = none) */
    int64_t live_first_ms;          /* receive time of the first live write */
    /* both */
    uint64_t deletes;
    uint64_t deletes_unattributed;  /* deletes without their previous value */
    uint64_t skipped;               /* repeated revisions dropped */
    int64_t last_revision;          /* highest revision counted */
    int64_t stream_revision;        /* newest revision the stream reported (headers) */
    int64_t etcd_revision;          /* newest revision of a sample */
    int64_t etcd_revision_ms;
    uint64_t gaps;                  /* times revisions were lost (compacted while resuming) */
    int64_t gap_revisions;          /* how many revisions they held at most */
    unsigned groupings;
    uint32_t capacity;
} bg_top_info;

typedef struct bg_top_feed bg_top_feed;

/* *out is freed with bg_top_feed_free. */
int bg_top_feed_new(const bg_top_feed_config *cfg, bg_top_feed **out, ec_err *err);
void bg_top_feed_free(bg_top_feed *f);

/* Declares the history part of the stream: `requested` revisions were
 * asked for, starting at wanted_from; the watch replays from `from` (later
 * than wanted_from when compacted, compact_revision > 0 then) up to `to`,
 * the revision current when collection began. Also tells the revision
 * clock what to assume when no rate can be seen. */
void bg_top_feed_history(bg_top_feed *f, int64_t requested, int64_t wanted_from, int64_t from, int64_t to,
                         int64_t compact_revision);

/* A (revision, time) sample: a Status header revision and the local time
 * the answer came back. Samples that go back are refused (-1). */
int bg_top_feed_sample(bg_top_feed *f, int64_t revision, int64_t time_ms, ec_err *err);

/* Counts the events of one watch response received at recv_ms, whose
 * header says the store was at header_revision. Events at or below the
 * highest revision already counted are skipped (a resumed watch may repeat
 * a revision). Returns the number of events counted. */
size_t bg_top_feed_events(bg_top_feed *f, const ec_event *ev, size_t n, int64_t header_revision,
                          int64_t recv_ms);

/* The stream resumed at `to` after losing revisions from..to-1 (compacted
 * while the watch was down). */
void bg_top_feed_gap(bg_top_feed *f, int64_t from, int64_t to);

void bg_top_feed_info(const bg_top_feed *f, bg_top_info *out);

/* The engine of grouping g, or NULL when g is not fed. Read-only: rank it
 * with ec_rates_top_get / ec_rates_find / ec_rates_get_totals. */
const ec_rates *bg_top_feed_engine(const bg_top_feed *f, bg_top_grouping g);

#endif
