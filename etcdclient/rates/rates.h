/* The write-rate engine behind "find the runaway".
 *
 * Feed it write events (group key bytes, value size, time in ms, revision);
 * ask it for the groups writing most over the last 10 s, 60 s or 5 min.
 * What a group is (exact key, prefix, resource, namespace, owner, writer,
 * lease) is the caller's business: the engine only sees key bytes.
 *
 * Memory is bounded by the capacity K, whatever the number of distinct groups:
 * a Space-Saving summary (Metwally, Agrawal, El Abbadi 2005) keeps K counters.
 * While at most K distinct groups have been seen every count is exact; after
 * that each tracked group carries an error bound e such that
 *     count - e <= true count <= count,
 * and every group whose true count exceeds N/K (N = total weight so far) is
 * tracked. Counts are in "weight" units: writes by default, or bytes.
 * The window counts of a tracked group miss at most its error bound too.
 * See docs/rates.md.
 *
 * Time is whatever the caller passes (ms since any epoch, usually Unix); the
 * engine never reads a clock. Time may go back a little (estimated history
 * times mixed with live ones): an older event lands in its own bucket while
 * that bucket is still held (60 s for the one-second ring, 5 min for the
 * ten-second ring) and otherwise counts only in the lifetime totals.
 *
 * An engine is not thread-safe: one thread feeds and queries it (or the
 * caller locks). Engines are independent; run one per grouping.
 */
#ifndef EC_RATES_H
#define EC_RATES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "etcdclient/error.h"

#define EC_RATES_DEFAULT_CAPACITY 4096u
#define EC_RATES_MAX_CAPACITY     (1u << 24)
#define EC_RATES_DEFAULT_KEY_CAP  1024u
#define EC_RATES_MIN_KEY_CAP      16u
#define EC_RATES_MAX_KEY_CAP      65536u
/* Appended to a key cut at key_cap bytes (the stored key is key_cap bytes
 * long, marker included, and its row says key_truncated). */
#define EC_RATES_TRUNC_MARKER     "..."
#define EC_RATES_SPARK_LEN        60   /* one value per second, oldest first */

typedef struct ec_rates ec_rates;

typedef enum ec_rates_window {
    EC_RATES_10S = 0,   /* last 10 one-second buckets */
    EC_RATES_60S,       /* last 60 one-second buckets */
    EC_RATES_5M,        /* last 30 ten-second buckets (10 s resolution) */
    EC_RATES_NWIN
} ec_rates_window;

typedef enum ec_rates_metric {
    EC_RATES_WRITES = 0,
    EC_RATES_BYTES
} ec_rates_metric;

typedef struct ec_rates_config {
    uint32_t capacity;      /* K counters; 0 = EC_RATES_DEFAULT_CAPACITY */
    uint32_t key_cap;       /* longest key stored; 0 = EC_RATES_DEFAULT_KEY_CAP */
    ec_rates_metric weight; /* what the summary counts: writes (default) or bytes */
    uint64_t seed;          /* hash seed; 0 = random (getrandom). A fixed seed
                               makes the distinct-group estimate reproducible. */
} ec_rates_config;

/* ec_rates_event.flags */
#define EC_RATES_EV_ESTIMATED 1u   /* time_ms is an estimate (revision clock) */

typedef struct ec_rates_event {
    const uint8_t *key;     /* group key, not NUL-terminated; copied in */
    size_t key_len;
    uint64_t value_size;    /* bytes written (0 for a delete) */
    int64_t time_ms;
    int64_t revision;       /* etcd mod_revision of the write */
    unsigned flags;
} ec_rates_event;

/* Creates an engine; *out is freed with ec_rates_free. cfg may be NULL for
 * all defaults. Fails (EC_E_INVALID) on a capacity or key cap out of range,
 * (EC_E_NOMEM) when the counters cannot be allocated. */
int ec_rates_new(const ec_rates_config *cfg, ec_rates **out, ec_err *err);
void ec_rates_free(ec_rates *r);

/* Counts one write. Returns 0, or -1 when a new group could not be given a
 * counter (out of memory: the write still counts in the totals) or ev is
 * invalid (key NULL with key_len > 0). With bytes as the weight, a write of
 * 0 bytes updates a tracked group but never takes a counter from another. */
int ec_rates_add(ec_rates *r, const ec_rates_event *ev, ec_err *err);

/* Latest event time seen (INT64_MIN before the first event). */
int64_t ec_rates_latest_ms(const ec_rates *r);

/* Window length in seconds (10, 60, 300), or 0 for an invalid window. */
unsigned ec_rates_window_seconds(ec_rates_window w);

typedef struct ec_rates_totals {
    int64_t now_ms;                       /* the time the windows end at */
    uint64_t writes[EC_RATES_NWIN];       /* all writes in each window */
    uint64_t bytes[EC_RATES_NWIN];
    bool estimated[EC_RATES_NWIN];        /* window holds estimated-time writes */
    uint32_t spark_writes[EC_RATES_SPARK_LEN];
    uint64_t spark_bytes[EC_RATES_SPARK_LEN];
    uint64_t events;                      /* writes ever counted */
    uint64_t bytes_all;                   /* their bytes */
    uint64_t weight;                      /* N of the error bound, in weight units */
    uint64_t estimated_events;            /* writes with EC_RATES_EV_ESTIMATED */
    uint64_t late;                        /* writes older than 5 min when they came */
    uint64_t untracked;                   /* writes that got no counter (0 bytes, no memory) */
    uint64_t distinct;                    /* distinct groups seen */
    bool distinct_exact;                  /* else a HyperLogLog estimate (about 1%) */
    bool exact;                           /* no group ever evicted: counts are exact */
    uint64_t evictions;
    uint64_t min_count;                   /* a group not tracked has true count <= this */
    uint32_t tracked, capacity;
    ec_rates_metric weight_metric;
    size_t mem_bytes;                     /* heap memory held by the engine */
} ec_rates_totals;

void ec_rates_get_totals(const ec_rates *r, int64_t now_ms, ec_rates_totals *out);

typedef struct ec_rates_row {
    const uint8_t *key;         /* group key; points into the ec_rates_top */
    size_t key_len;
    bool key_truncated;
    uint64_t writes, bytes;     /* in the window */
    double writes_per_s, bytes_per_s;   /* window count / window seconds */
    double share_writes, share_bytes;   /* of all writes/bytes in the window, 0..1 */
    uint64_t count;             /* Space-Saving counter (weight units) */
    uint64_t error;             /* count - error <= true count <= count; also
                                   bounds what the window counts may miss */
    uint64_t writes_total, bytes_total; /* counted since the group got its counter */
    uint32_t spark_writes[EC_RATES_SPARK_LEN];  /* now-59 .. now, per second */
    uint64_t spark_bytes[EC_RATES_SPARK_LEN];
    int64_t first_ms, last_ms;  /* earliest and latest write time since tracked */
    int64_t last_revision;      /* highest revision seen */
    bool estimated;             /* the window holds writes with estimated times */
} ec_rates_row;

typedef struct ec_rates_top {
    ec_rates_window window;
    ec_rates_metric by;
    ec_rates_totals totals;
    size_t n;
    ec_rates_row *rows;         /* n rows, best first */
} ec_rates_top;

/* The top n groups of the window ending at now_ms, by writes or bytes in the
 * window (ties: key bytes ascending, then shorter key). Groups with no write
 * in the window are left out. *out is allocated (rows and key bytes with it)
 * and freed with ec_rates_top_free; it stays valid while the engine goes on.
 * now_ms is normally the current time or ec_rates_latest_ms(); asked about an
 * earlier time, each ring answers with what it still holds. */
int ec_rates_top_get(const ec_rates *r, ec_rates_window w, ec_rates_metric by, int64_t now_ms,
                     size_t n, ec_rates_top **out, ec_err *err);

/* One group by its key (as the caller remembers a selection by identity):
 * *out has one row when the group is tracked, none when not. Keys longer
 * than key_cap are matched by their truncated form. Free with
 * ec_rates_top_free. */
int ec_rates_find(const ec_rates *r, const uint8_t *key, size_t key_len, ec_rates_window w,
                  int64_t now_ms, ec_rates_top **out, ec_err *err);

void ec_rates_top_free(ec_rates_top *t);

#endif
