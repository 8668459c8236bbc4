/* The third source: a keys-only scan ranking keys by `version`.
 *
 * A key's version counts the writes made to it since it was created, and
 * etcd keeps it whatever was compacted: when the history is gone and
 * nothing is writing now, the keys written most still stand out. The scan
 * is paged (keys only, at one pinned revision, serializable: answered by
 * the member without a leader round trip), optionally paused between pages,
 * and feeds an ec_rates engine whose weight is the version, so memory stays
 * bounded by the capacity whatever the number of keys.
 *
 * Blocking: run it in the thread that may block (the CLI's, a UI worker). */
#ifndef BG_TOP_VERSIONS_H
#define BG_TOP_VERSIONS_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "etcdclient/etcd.h"
#include "etcdclient/rates/rates.h"
#include "tui/top/group.h"

/* Owner and writer need values, which a keys-only scan does not have: the
 * keys with the highest versions are ranked first, then the values of at
 * most this many of them are read one by one (at the scan's revision) and
 * grouped. */
#define BG_TOP_VERSIONS_VALUE_KEYS 1000

typedef struct bg_top_versions_config {
    bg_top_grouping grouping;  /* any; owner and writer read the values of
                                  the top value_keys keys (see above) */
    bg_top_group_opts group;
    const uint8_t *prefix;     /* scan only keys under it; NULL/0 = all */
    size_t prefix_len;
    uint32_t capacity;         /* 0 = EC_RATES_DEFAULT_CAPACITY */
    uint64_t seed;             /* 0 = random */
    int64_t page_size;         /* keys per page; 0 = the client's default (1000) */
    int pause_ms;              /* pause between pages (and every 100 value
                                  reads); 0 = none */
    size_t value_keys;         /* owner/writer: values read; 0 = BG_TOP_VERSIONS_VALUE_KEYS */
    const atomic_int *cancel;  /* stops the scan when it becomes non-zero; may be NULL */
} bg_top_versions_config;

typedef struct bg_top_versions {
    bg_top_grouping grouping;  /* the grouping used */
    int64_t revision;          /* the revision the scan was pinned at */
    uint64_t keys;             /* keys scanned */
    uint64_t versions;         /* their versions, summed */
    uint64_t value_keys;       /* owner/writer: keys whose value was read */
    uint64_t value_missing;    /* owner/writer: keys gone (or cut) by then */
    bool complete;             /* false when cancelled */
    /* Rows best first: writes = keys in the group, bytes = the sum of their
     * versions (the ranking), last_revision = the newest mod_revision,
     * error = what the sum may overstate (top->totals.exact: none). */
    ec_rates_top *top;
} bg_top_versions;

/* Scans and ranks, keeping at most limit rows. *out is freed with
 * bg_top_versions_free. */
int bg_top_versions_scan(ec_client *c, const bg_top_versions_config *cfg, size_t limit, bg_top_versions **out,
                         ec_err *err);
void bg_top_versions_free(bg_top_versions *v);

/* The versions engine alone, for tests and other key sources: feeds one key
 * (bytes, version, mod_revision, lease) into an engine made for it. The
 * value of kv is used only by groupings that need one (owner, writer), when
 * the vrank is made with bg_top_vrank_new_values. */
typedef struct bg_top_vrank bg_top_vrank;
int bg_top_vrank_new(const bg_top_versions_config *cfg, bg_top_vrank **out, ec_err *err);
int bg_top_vrank_new_values(const bg_top_versions_config *cfg, bg_top_vrank **out, ec_err *err);
void bg_top_vrank_add(bg_top_vrank *v, const ec_kv *kv);
int bg_top_vrank_top(const bg_top_vrank *v, size_t limit, ec_rates_top **out, ec_err *err);
void bg_top_vrank_free(bg_top_vrank *v);

#endif
