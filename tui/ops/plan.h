/* A removal plan: exactly what would be removed, read at one revision, with
 * every value (the pre-images that go into the audit log first). Nothing is
 * deleted that was not in a plan shown to the operator. */
#ifndef BG_PLAN_H
#define BG_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "etcdclient/etcd.h"

typedef struct bg_plan_kv {
    uint8_t *key;
    size_t key_len;
    uint8_t *value;
    size_t value_len;
    int64_t create_revision, mod_revision, version, lease;
} bg_plan_kv;

typedef struct bg_plan {
    char action[32];          /* "delete-key", "delete-prefix", "delete-owner", "lease-revoke" */
    uint8_t *target;          /* key, prefix, "Kind/ns/name" or lease id text */
    size_t target_len;
    char confirm_name[256];   /* what the operator types for a single object */
    int64_t revision;         /* everything below was read at this revision */
    uint64_t cluster_id;
    uint64_t member_id;
    bg_plan_kv *kvs;
    size_t n, cap;
    uint64_t bytes;           /* sum of key + value sizes */
    bool by_name;             /* confirm with the name (else with the count) */
    /* kvs are every key of one range at `revision` (one complete
     * bg_plan_read_range, nothing else added): between two of them there
     * was no other key at that revision. */
    bool whole_range;
} bg_plan;

void bg_plan_init(bg_plan *p, const char *action, const uint8_t *target, size_t target_len);
void bg_plan_free(bg_plan *p);
/* Appends a copy of kv (the plan is no longer whole_range). */
int bg_plan_add(bg_plan *p, const ec_kv *kv, ec_err *err);
/* Reads every key of a range (values included) at one revision into p:
 * paged, pinned at the first page's revision (or at p->revision if set).
 * Into an empty plan and without a limit, the plan is then whole_range.
 * max_bytes bounds what one plan may hold (it all goes into one audit record). */
int bg_plan_read_range(bg_plan *p, ec_client *c, const ec_range_opts *ro, uint64_t max_bytes, ec_err *err);
/* Sorts by key and drops duplicates (owner plans gather from several scans). */
void bg_plan_sort_unique(bg_plan *p);

#endif
